/* sim_compile.c - compiles an NSG in a context: every rule's addresses,
 * tags and ASGs resolved to address sets, rules sorted by priority per
 * direction (default rules last), the platform tags each rule names, and
 * the candidate index built (sim_index.c). */
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
    for (size_t i = 0; i < n_asgs && !rc; i++) {
        rc = nsg_ctx_resolve_asg(ctx, asgs[i], set, err);
        if (rc == NSG_E_NOTFOUND) { /* members not all known */
            if (!*unknown)
                *unknown = asgs[i];
            rc = NSG_OK;
        }
    }
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
    c->t = ctx->t;
    c->vnet = ctx->vnet;
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
