/* cmd_replay.c - placeholder until the replay command lands. */
#include "cli.h"

int cmd_replay(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    struct nsg_err err = NSG_ERR_INIT;
    nsg_err_set(&err, NSG_E_USAGE, "replay: not built yet");
    return cli_fail(&err);
}
