/* cmd_check.c - placeholder until the check command lands. */
#include "cli.h"

int cmd_check(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    struct nsg_err err = NSG_ERR_INIT;
    nsg_err_set(&err, NSG_E_USAGE, "check: not built yet");
    return cli_fail(&err);
}
