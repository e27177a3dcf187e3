/* cmd_rules.c - placeholder until the rules command lands. */
#include "cli.h"

int cmd_rules(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    struct nsg_err err = NSG_ERR_INIT;
    nsg_err_set(&err, NSG_E_USAGE, "rules: not built yet");
    return cli_fail(&err);
}
