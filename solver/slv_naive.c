/* slv_naive.c - the benchmark's baseline encoding: a plain first-match
 * if-then-else chain, one level per rule, each rule's term rebuilt from its
 * raw address ranges and port ranges as 128-bit / 16-bit bounds, nothing
 * cached or merged. */
#include <stdlib.h>

#include "slv_int.h"

static Z3_ast naive_addr(struct nsg_slv *s, Z3_ast x,
                         const struct nsg_addrset *set)
{
    Z3_ast *v = nsg_xmalloc((set->n ? set->n : 1) * sizeof(*v));
    for (size_t i = 0; i < set->n; i++) {
        const struct nsg_range *r = &set->r[i];
        Z3_ast b[3] = {nsg_slv_family(s, r->family),
                       nsg_slv_mk_bvuge(s, x, nsg_slv_num(s, r->lo, 128)),
                       nsg_slv_mk_bvule(s, x, nsg_slv_num(s, r->hi, 128))};
        v[i] = nsg_slv_mk_and(s, 3, b);
    }
    Z3_ast r = set->n ? nsg_slv_mk_or(s, (unsigned)set->n, v) : s->f;
    free(v);
    return r;
}

static Z3_ast naive_ports(struct nsg_slv *s, Z3_ast x,
                          const struct nsg_portrange *p, size_t n)
{
    Z3_ast *v = nsg_xmalloc((n ? n : 1) * sizeof(*v));
    for (size_t i = 0; i < n; i++) {
        Z3_ast b[2] = {nsg_slv_mk_bvuge(s, x, nsg_slv_num(s, p[i].lo, 16)),
                       nsg_slv_mk_bvule(s, x, nsg_slv_num(s, p[i].hi, 16))};
        v[i] = nsg_slv_mk_and(s, 2, b);
    }
    Z3_ast r = n ? nsg_slv_mk_or(s, (unsigned)n, v) : s->f;
    free(v);
    return r;
}

static Z3_ast naive_rule(struct nsg_slv *s, const struct nsg_crule *r)
{
    Z3_ast proto = r->proto == NSG_PROTO_ANY
                       ? s->t
                       : nsg_slv_mk_eq(s, s->pkt.proto,
                                       nsg_slv_num(s, (nsg_u128)r->proto, 8));
    Z3_ast tcpudp[2] = {nsg_slv_mk_eq(s, s->pkt.proto, nsg_slv_num(s, 6, 8)),
                        nsg_slv_mk_eq(s, s->pkt.proto, nsg_slv_num(s, 17, 8))};
    Z3_ast ports[2] = {naive_ports(s, s->pkt.sport, r->sports, r->n_sports),
                       naive_ports(s, s->pkt.dport, r->dports, r->n_dports)};
    Z3_ast b[5] = {proto, naive_addr(s, s->pkt.src, &r->src),
                   naive_addr(s, s->pkt.dst, &r->dst),
                   nsg_slv_mk_implies(s, nsg_slv_mk_or(s, 2, tcpudp),
                                      nsg_slv_mk_and(s, 2, ports)),
                   r->tcpudp_only ? nsg_slv_mk_or(s, 2, tcpudp) : s->t};
    /* the same semantics as the compact encoding: platform traffic meets
     * only the rules naming its tag */
    Z3_ast con[NSG_PLAT_COUNT];
    unsigned nc = 0;
    con[nc++] = nsg_slv_platform_none(s, true);
    for (int k = 1; k < NSG_PLAT_COUNT; k++)
        if ((r->plat_tags >> k) & 1u)
            con[nc++] = nsg_slv_platform(s, (enum nsg_platform)k, true);
    Z3_ast both[2] = {nsg_slv_mk_and(s, 5, b), nsg_slv_mk_or(s, nc, con)};
    return nsg_slv_mk_and(s, 2, both);
}

nsg_rc nsg_slv_naive_allow(struct nsg_slv *s, const struct nsg_cnsg *c,
                           Z3_ast *out, struct nsg_err *err)
{
    Z3_ast chain[2];
    for (int d = 0; d < 2; d++) {
        Z3_ast r = nsg_slv_platform_any(s, true); /* no rule decides */
        for (size_t i = c->n[d]; i-- > 0;) {
            const struct nsg_crule *cr = &c->rules[d][i];
            if (cr->src_unknown || cr->dst_unknown)
                return nsg_err_set(err, NSG_E_INPUT, "rule %s: unresolved %s",
                                   nsg_slv_rule_name(cr),
                                   cr->src_unknown ? cr->src_unknown
                                                   : cr->dst_unknown);
            r = nsg_slv_mk_ite(s, naive_rule(s, cr),
                               cr->access == NSG_ALLOW ? s->t : s->f, r);
        }
        chain[d] = r;
    }
    *out = nsg_slv_mk_ite(s, s->pkt.out, chain[1], chain[0]);
    return nsg_slv_z3_status(s, "naive encoding", err);
}
