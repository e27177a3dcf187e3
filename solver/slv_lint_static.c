/* slv_lint_static.c - lint findings that need no solver: what ARM rejects
 * or silently ignores in a rule (a service tag in a plural field, ASGs
 * mixed with prefixes or spread over virtual networks, ports on a protocol
 * without ports, an ASG nothing is a member of), an NSG beyond the 4,000
 * prefix limit, and an NSG on GatewaySubnet (not supported). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "slv_int.h"

#define PREFIX_LIMIT 4000 /* per NSG, source and destination separately */


static bool same_id(const char *a, const char *b)
{
    return a && b && !strcasecmp(a, b);
}

/* The virtual network of the first ip configuration that is a member of
 * asg (NULL: no member).  Azure ties an ASG to the VNet of its first NIC. */
static const struct nsg_vnet *asg_vnet(const struct nsg_topology *t,
                                       const char *asg, bool *member)
{
    *member = false;
    for (guint i = 0; i < NSG_TOPO_N(t, NSG_RES_NIC); i++) {
        const struct nsg_nic *nic = NSG_TOPO_AT(t, NSG_RES_NIC, i);
        for (size_t j = 0; j < nic->n_ipconfigs; j++) {
            const struct nsg_ipconfig *ic = &nic->ipconfigs[j];
            for (size_t k = 0; k < ic->n_asg_ids; k++)
                if (same_id(ic->asg_ids[k], asg)) {
                    *member = true;
                    return nsg_topo_vnet_of_subnet(
                        t, nsg_topo_get(t, NSG_RES_SUBNET, ic->subnet_id));
                }
        }
    }
    return NULL;
}

static void rule_checks(const struct nsg_topology *t,
                        const struct nsg_crule *cr, struct nsg_slv_lint *out)
{
    const struct nsg_rule *r = cr->rule;
    const struct nsg_vnet *first = NULL;
    for (int side = 0; side < 2; side++) {
        const struct nsg_addr_item *it = side ? r->dst : r->src;
        size_t n = side ? r->n_dst : r->n_src;
        char *const *asgs = side ? r->dst_asgs : r->src_asgs;
        size_t na = side ? r->n_dst_asgs : r->n_src_asgs;
        for (size_t i = 0; i < n; i++)
            if (it[i].kind == NSG_ADDR_TAG && it[i].plural) {
                struct nsg_slv_finding *f =
                    nsg_slv_lint_add(out, NSG_LINT_TAG_PLURAL, r->dir, cr);
                snprintf(f->detail, sizeof(f->detail), "%s in %s",
                         it[i].text,
                         side ? "destinationAddressPrefixes"
                              : "sourceAddressPrefixes");
            }
        if (n && na) {
            struct nsg_slv_finding *f = nsg_slv_lint_add(out, NSG_LINT_ASG_MIXED, r->dir, cr);
            snprintf(f->detail, sizeof(f->detail), "%s",
                     side ? "destination" : "source");
        }
        for (size_t i = 0; i < na; i++) {
            bool member;
            const struct nsg_vnet *v = asg_vnet(t, asgs[i], &member);
            if (!member) {
                struct nsg_slv_finding *f =
                    nsg_slv_lint_add(out, NSG_LINT_EMPTY_ASG, r->dir, cr);
                snprintf(f->detail, sizeof(f->detail), "%s", asgs[i]);
                continue;
            }
            if (!v)
                continue;
            if (!first) {
                first = v;
            } else if (first != v) {
                struct nsg_slv_finding *f =
                    nsg_slv_lint_add(out, NSG_LINT_ASG_VNETS, r->dir, cr);
                snprintf(f->detail, sizeof(f->detail), "%s and %s",
                         first->name ? first->name : "?",
                         v->name ? v->name : "?");
                first = v; /* report each change once */
            }
        }
    }
    if (r->proto != NSG_PROTO_ANY && !nsg_proto_has_ports(r->proto)) {
        bool narrow = nsg_sem_any_with_ports_tcpudp_only(
            NSG_PROTO_ANY, r->sports, r->n_sports, r->dports, r->n_dports);
        if (narrow) {
            char pb[8];
            struct nsg_slv_finding *f =
                nsg_slv_lint_add(out, NSG_LINT_PORTS_IGNORED, r->dir, cr);
            snprintf(f->detail, sizeof(f->detail),
                     "protocol %s has no ports: the port ranges are ignored",
                     nsg_proto_name(r->proto, pb));
        }
    }
}

void nsg_slv_lint_static(const struct nsg_topology *t, const struct nsg_nsg *n,
                         const struct nsg_cnsg *c, struct nsg_slv_lint *out)
{
    size_t prefixes[2] = {0, 0};
    for (int d = 0; d < 2; d++)
        for (size_t i = 0; i < c->n[d]; i++) {
            const struct nsg_rule *r = c->rules[d][i].rule;
            if (r->is_default)
                continue;
            for (size_t k = 0; k < r->n_src; k++)
                prefixes[0] += r->src[k].kind == NSG_ADDR_CIDR;
            for (size_t k = 0; k < r->n_dst; k++)
                prefixes[1] += r->dst[k].kind == NSG_ADDR_CIDR;
            rule_checks(t, &c->rules[d][i], out);
        }
    for (int side = 0; side < 2; side++)
        if (prefixes[side] > PREFIX_LIMIT) {
            struct nsg_slv_finding *f =
                nsg_slv_lint_add(out, NSG_LINT_PREFIX_LIMIT, NSG_DIR_IN, NULL);
            snprintf(f->detail, sizeof(f->detail),
                     "%zu %s prefixes (the limit is %d per NSG)",
                     prefixes[side], side ? "destination" : "source",
                     PREFIX_LIMIT);
        }
    for (guint i = 0; t && i < NSG_TOPO_N(t, NSG_RES_SUBNET); i++) {
        const struct nsg_subnet *s = NSG_TOPO_AT(t, NSG_RES_SUBNET, i);
        if (s->name && !strcasecmp(s->name, "GatewaySubnet") &&
            same_id(s->nsg_id, n->id)) {
            struct nsg_slv_finding *f =
                nsg_slv_lint_add(out, NSG_LINT_GATEWAY_NSG, NSG_DIR_IN, NULL);
            snprintf(f->detail, sizeof(f->detail),
                     "applied to subnet %s: NSGs on GatewaySubnet are not "
                     "supported",
                     s->id ? s->id : s->name);
        }
    }
}
