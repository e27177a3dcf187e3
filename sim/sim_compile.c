/* sim_compile.c - compiles an NSG in a context: every rule's addresses,
 * tags and ASGs resolved to address sets, rules sorted by priority per
 * direction (default rules last), the single-rule matcher, and one level's
 * evaluation with the platform stage (only the rules naming a platform
 * class's tag are considered for its traffic). */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sim.h"
#include "sim_index.h"

/* Resolve one side of a rule into *set; the first unresolvable tag is
 * recorded in *unknown (borrowed from the rule). */
static nsg_rc resolve_side(const struct nsg_ctx *ctx,
                           const struct nsg_addr_item *it, size_t n,
                           char *const *asgs, size_t n_asgs,
                           struct nsg_addrset *set, const char **unknown,
                           struct nsg_err *err)
{
    struct nsg_addrset cidrs = NSG_ADDRSET_INIT;
    size_t n_cidrs = 0;
    nsg_rc rc = NSG_OK;

    cidrs.r = nsg_xmalloc((n + 1) * sizeof(*cidrs.r));
    for (size_t i = 0; i < n && !rc; i++) {
        switch (it[i].kind) {
        case NSG_ADDR_ANY:
            nsg_addrset_add_all(set, 0);
            break;
        case NSG_ADDR_CIDR:
            /* collected and added at once: a rule may hold thousands */
            cidrs.r[n_cidrs++] = (struct nsg_range){
                it[i].cidr.family, nsg_cidr_lo(&it[i].cidr),
                nsg_cidr_hi(&it[i].cidr)};
            break;
        case NSG_ADDR_TAG:
            rc = nsg_ctx_resolve_tag(ctx, it[i].text, set, err);
            if (rc == NSG_E_NOTFOUND) {
                if (!*unknown)
                    *unknown = it[i].text;
                rc = NSG_OK;
            }
            break;
        }
    }
    cidrs.n = n_cidrs;
    cidrs.cap = n + 1;
    nsg_addrset_union(set, &cidrs);
    nsg_addrset_release(&cidrs);
    for (size_t i = 0; i < n_asgs && !rc; i++)
        rc = nsg_ctx_resolve_asg(ctx, asgs[i], set, err);
    return rc;
}

static int crule_cmp(const void *pa, const void *pb)
{
    const struct nsg_crule *a = pa, *b = pb;
    if (a->rule->is_default != b->rule->is_default)
        return a->rule->is_default ? 1 : -1;
    if (a->priority != b->priority)
        return a->priority < b->priority ? -1 : 1;
    return 0;
}

static void crules_free(struct nsg_crule *r, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        nsg_addrset_release(&r[i].src);
        nsg_addrset_release(&r[i].dst);
    }
    free(r);
}

void nsg_cnsg_free(struct nsg_cnsg *c)
{
    if (!c)
        return;
    for (int d = 0; d < 2; d++) {
        nsg_sim_index_free(c->index[d]);
        crules_free(c->rules[d], c->n[d]);
    }
    free(c);
}

/* Bit (1 << class) for each platform class whose tag the rule names. */
static unsigned platform_tags(const struct nsg_rule *r)
{
    unsigned bits = 0;
    for (int c = 1; c < NSG_PLAT_COUNT; c++) {
        const char *tag = nsg_platform_tag((enum nsg_platform)c);
        for (int side = 0; tag && side < 2; side++) {
            const struct nsg_addr_item *it = side ? r->dst : r->src;
            size_t n = side ? r->n_dst : r->n_src;
            for (size_t i = 0; i < n; i++)
                if (it[i].kind == NSG_ADDR_TAG && !strcasecmp(it[i].text, tag))
                    bits |= 1u << c;
        }
    }
    return bits;
}

nsg_rc nsg_sim_compile_rule(const struct nsg_ctx *ctx,
                            const struct nsg_rule *r, struct nsg_crule *cr,
                            struct nsg_err *err)
{
    nsg_rc rc;
    cr->rule = r;
    cr->priority = r->priority;
    cr->access = r->access;
    cr->proto = r->proto;
    cr->sports = r->sports;
    cr->n_sports = r->n_sports;
    cr->dports = r->dports;
    cr->n_dports = r->n_dports;
    cr->tcpudp_only = nsg_sem_any_with_ports_tcpudp_only(
        r->proto, r->sports, r->n_sports, r->dports, r->n_dports);
    cr->plat_tags = platform_tags(r);
    rc = resolve_side(ctx, r->src, r->n_src, r->src_asgs, r->n_src_asgs,
                      &cr->src, &cr->src_unknown, err);
    if (!rc)
        rc = resolve_side(ctx, r->dst, r->n_dst, r->dst_asgs, r->n_dst_asgs,
                          &cr->dst, &cr->dst_unknown, err);
    return rc;
}

nsg_rc nsg_sim_compile(const struct nsg_ctx *ctx, const struct nsg_nsg *nsg,
                       struct nsg_cnsg **out, struct nsg_err *err)
{
    struct nsg_cnsg *c = nsg_xcalloc(1, sizeof(*c));
    nsg_rc rc = NSG_OK;

    c->nsg = nsg;
    for (int d = 0; d < 2; d++)
        c->rules[d] = nsg_xcalloc(nsg->n_rules + 1, sizeof(struct nsg_crule));
    for (size_t i = 0; i < nsg->n_rules && !rc; i++) {
        const struct nsg_rule *r = &nsg->rules[i];
        int d = r->dir == NSG_DIR_OUT;
        rc = nsg_sim_compile_rule(ctx, r, &c->rules[d][c->n[d]++], err);
        if (rc)
            nsg_err_prefix(err, "NSG %s, rule %s", nsg->name ? nsg->name : "?",
                           r->name ? r->name : "?");
    }
    for (int d = 0; d < 2 && !rc; d++) {
        qsort(c->rules[d], c->n[d], sizeof(struct nsg_crule), crule_cmp);
        c->index[d] = nsg_sim_index_build(c->rules[d], c->n[d]);
    }
    if (rc) {
        nsg_cnsg_free(c);
        c = NULL;
    }
    *out = c;
    return rc;
}

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
