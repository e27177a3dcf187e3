/* cmd_diff.c - placeholder until the diff command lands. */
#include "cli.h"

int cmd_diff(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    struct nsg_err err = NSG_ERR_INIT;
    nsg_err_set(&err, NSG_E_USAGE, "diff: not built yet");
    return cli_fail(&err);
}
