/* cmd_map.c - placeholder replaced below */
#include "cli.h"
int cmd_map(int argc, char **argv) { (void)argc; (void)argv; return 2; }
