/* cmd_verify.c - placeholder until the verify command lands. */
#include "cli.h"

int cmd_verify(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    struct nsg_err err = NSG_ERR_INIT;
    nsg_err_set(&err, NSG_E_USAGE, "verify: not built yet");
    return cli_fail(&err);
}
