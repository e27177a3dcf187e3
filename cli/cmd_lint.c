/* cmd_lint.c - placeholder until the lint command lands. */
#include "cli.h"

int cmd_lint(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    struct nsg_err err = NSG_ERR_INIT;
    nsg_err_set(&err, NSG_E_USAGE, "lint: not built yet");
    return cli_fail(&err);
}
