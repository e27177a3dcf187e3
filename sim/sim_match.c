/* sim_match.c - the single-rule matcher, one level's first-match
 * evaluation with the platform stage (only the rules naming a platform
 * class's tag are considered for its traffic), and the linear scan (the
 * reference the indexed evaluator in sim_index.c is tested against, and
 * its fallback). */
#include "sim.h"
#include "sim_index.h"

static bool ports_match(const struct nsg_portrange *r, size_t n, uint16_t p)
{
    for (size_t i = 0; i < n; i++)
        if (r[i].lo <= p && p <= r[i].hi)
            return true;
    return false;
}

/* 1 in the side, 0 not, -1 not in the resolved part of a side that has an
 * unresolved tag. */
static int side_match(const struct nsg_addrset *s, const char *unknown,
                      const struct nsg_ip *ip)
{
    if (nsg_addrset_contains(s, ip))
        return 1;
    return unknown ? -1 : 0;
}

int nsg_crule_match(const struct nsg_crule *r, const struct nsg_packet *p)
{
    if (r->proto != NSG_PROTO_ANY && r->proto != p->proto)
        return 0;
    if (r->tcpudp_only && !nsg_proto_has_ports(p->proto))
        return 0;
    /* ports constrain TCP and UDP only, also under protocol "*" */
    if (nsg_proto_has_ports(p->proto) &&
        (!ports_match(r->sports, r->n_sports, p->sport) ||
         !ports_match(r->dports, r->n_dports, p->dport)))
        return 0;
    int s = side_match(&r->src, r->src_unknown, &p->src);
    if (s == 0)
        return 0;
    int d = side_match(&r->dst, r->dst_unknown, &p->dst);
    if (d == 0)
        return 0;
    return s < 0 || d < 0 ? -1 : 1;
}

/* Record the outcome of the first rule that matched (or blocks). */
void nsg_sim_set_match(const struct nsg_crule *r, int m,
                       const struct nsg_packet *p, struct nsg_match *out)
{
    out->rule = r;
    out->unknown_tag = NULL;
    if (m < 0) {
        out->decision = NSG_DEC_UNKNOWN;
        out->unknown_tag = r->src_unknown && !nsg_addrset_contains(&r->src,
                                                                   &p->src)
                               ? r->src_unknown
                               : r->dst_unknown;
        return;
    }
    out->decision = r->access == NSG_ALLOW ? NSG_DEC_ALLOW : NSG_DEC_DENY;
}

/* No considered rule matched: the platform stage decides a platform class
 * (allowed; the VNet's drop denies), else deny (only when an NSG lacks its
 * default rules: Azure always has them). */
void nsg_sim_set_nomatch(enum nsg_platform cls, struct nsg_match *m)
{
    m->decision = cls != NSG_PLAT_NONE && cls != NSG_PLAT_VNET_BLOCKED
                      ? NSG_DEC_ALLOW
                      : NSG_DEC_DENY;
    m->rule = NULL;
    m->unknown_tag = NULL;
    m->platform = cls;
}

/* First considered rule in a linear scan. */
static void eval_scan(const struct nsg_cnsg *c, const struct nsg_packet *p,
                      enum nsg_platform cls, struct nsg_match *m)
{
    int d = p->dir == NSG_DIR_OUT;

    for (size_t i = 0; i < c->n[d]; i++) {
        if (!nsg_crule_considered(&c->rules[d][i], cls))
            continue;
        int r = nsg_crule_match(&c->rules[d][i], p);
        if (r) {
            nsg_sim_set_match(&c->rules[d][i], r, p, m);
            m->platform = cls;
            return;
        }
    }
    nsg_sim_set_nomatch(cls, m);
}

void nsg_sim_eval_linear(const struct nsg_cnsg *c, const struct nsg_packet *p,
                         struct nsg_match *m)
{
    eval_scan(c, p, nsg_platform_class(p, true), m);
}

void nsg_sim_eval_class(const struct nsg_cnsg *c, const struct nsg_packet *p,
                        enum nsg_platform cls, struct nsg_match *m)
{
    if (cls == NSG_PLAT_NONE)
        nsg_sim_eval_indexed(c, p, m);
    else /* only the few rules naming a platform tag are considered */
        eval_scan(c, p, cls, m);
}

void nsg_sim_eval(const struct nsg_cnsg *c, const struct nsg_packet *p,
                  struct nsg_match *m)
{
    nsg_sim_eval_class(c, p, nsg_platform_class(p, true), m);
}
