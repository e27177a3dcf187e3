/* cli_path.h - the readable form of a path and its NSG decisions, shared
 * by `nsgproof path` and the witnesses of `nsgproof verify`. */
#ifndef NSG_CLI_PATH_H
#define NSG_CLI_PATH_H

#include "../path/path.h"

/* One line per hop (kind, resource, translation, route) and one per NSG
 * level decided there ("NIC web-1 Inbound, subnet NSG web-nsg: rule ...
 * (priority 110) -> Allow"), then how the path ends; every line starts
 * with indent.  t may be NULL (no decisions). */
void cli_print_path(const struct nsg_path *p, const struct nsg_ptrace *t,
                    const char *indent);
/* The witness form of `verify`: one line per NSG level decided on the
 * path ("NIC web-1 Inbound, subnet NSG web-nsg: rule ... -> Allow"), then
 * the hops on one line ("path: subnet web [route ...] -> subnet db") and
 * how it ends. */
void cli_print_path_brief(const struct nsg_path *p, const struct nsg_ptrace *t,
                          const char *indent);
/* The decisions of one evaluation point, one line each, after indent:
 * a stage that decided before the NSGs (traffic the VNet drops, platform
 * traffic, a security admin rule), an admin Allow that handed the packet
 * on, then each NSG level ("NIC web-1 Inbound, subnet NSG web-nsg: rule
 * ... (priority 110) -> Allow").  nic NULL: an address no NIC holds, in
 * subnet. */
void cli_print_verdict(const char *indent, const char *nic, const char *subnet,
                       enum nsg_dir dir, const struct nsg_verdict *v);
/* "delivered to NIC web-1", "leaves to the Internet", "dropped", ... */
const char *cli_path_end_text(const struct nsg_path *p, char *buf, size_t cap);

#endif
