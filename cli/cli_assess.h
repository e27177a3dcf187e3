/* cli_assess.h - the corpus loaded and assessed as `assess` makes it (map/'s
 * assessment with adaptive hardening), shared by the assess and map
 * commands (cli_assess.c). */
#ifndef NSG_CLI_ASSESS_H
#define NSG_CLI_ASSESS_H

#include "../map/map.h"
#include "cli.h"

/* Every piece owned here; cli_assessed_release frees them (also after a
 * failed cli_assess_corpus). */
struct cli_assessed {
    struct nsg_corpus *c;
    struct nsg_topology *t;
    struct nsg_plan *plan;
    struct nsg_map_net *net;
    struct nsg_map_assessment *a;
};
/* Open the corpus at dir, load its newest model, make the plan `harden`
 * makes with its defaults and assess the network with it. */
nsg_rc cli_assess_corpus(const char *dir, struct cli_assessed *x,
                         struct nsg_err *err) NSG_WUR;
void cli_assessed_release(struct cli_assessed *x);

#endif
