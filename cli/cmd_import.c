/* cmd_import.c - placeholder until the import command lands. */
#include "cli.h"

int cmd_import(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    struct nsg_err err = NSG_ERR_INIT;
    nsg_err_set(&err, NSG_E_USAGE, "import: not built yet");
    return cli_fail(&err);
}
