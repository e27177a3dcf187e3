/* path_class.c - every path for a set of destinations: the set is cut at
 * every boundary a routing decision can depend on (route prefixes, address
 * spaces, subnets, peered spaces, NIC and public addresses, frontends,
 * appliances, the Internet's edges), one address of each range is walked,
 * and ranges that take the same path are grouped.  Within a range every
 * decision is the same, so the walk of one address stands for all (the
 * verifier checks this again on every witness by walking it). */
#include <stdlib.h>
#include <string.h>

#include "path_int.h"

void nsg_pclasses_release(struct nsg_pclasses *cs)
{
    if (!cs)
        return;
    for (size_t i = 0; i < cs->n; i++) {
        nsg_addrset_release(&cs->c[i].dst);
        nsg_path_release(&cs->c[i].path);
    }
    free(cs->c);
    cs->c = NULL;
    cs->n = 0;
}

/* The first cut point above v (index into cuts), n when none. */
static size_t next_cut(const nsg_u128 *cuts, size_t n, nsg_u128 v)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (cuts[mid] <= v)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

struct pending {
    struct nsg_range *r; /* ranges of the class, merged at the end */
    size_t n, cap;
};

static void pending_add(struct pending *p, uint8_t fam, nsg_u128 lo,
                        nsg_u128 hi)
{
    if (p->n && p->r[p->n - 1].family == fam && p->r[p->n - 1].hi + 1 == lo) {
        p->r[p->n - 1].hi = hi;
        return;
    }
    if (p->n == p->cap) {
        p->cap = p->cap ? p->cap * 2 : 8;
        p->r = nsg_xrealloc(p->r, p->cap * sizeof(*p->r));
    }
    p->r[p->n++] = (struct nsg_range){fam, lo, hi};
}

void nsg_pnet_classes(const struct nsg_pnet *n, const struct nsg_origin *o,
                      const struct nsg_addrset *dst, struct nsg_pclasses *out)
{
    GHashTable *byk = g_hash_table_new_full(g_str_hash, g_str_equal, free,
                                            NULL);
    size_t first = out->n;
    struct pending *pend = NULL;

    for (size_t i = 0; i < dst->n; i++) {
        uint8_t fam = dst->r[i].family;
        const nsg_u128 *cuts = fam == 4 ? n->cut4 : n->cut6;
        size_t nc = fam == 4 ? n->n_cut4 : n->n_cut6;
        nsg_u128 lo = dst->r[i].lo, hi = dst->r[i].hi;
        for (;;) {
            size_t k = next_cut(cuts, nc, lo);
            nsg_u128 top = k < nc && cuts[k] - 1 < hi ? cuts[k] - 1 : hi;
            struct nsg_paths ps = NSG_PATHS_INIT;
            struct nsg_ip rep = {fam, lo};
            nsg_pnet_walk(n, o, &rep, &ps);
            for (size_t j = 0; j < ps.n; j++) {
                char *key = nsg_path_key(&ps.p[j]);
                gpointer idx;
                size_t at;
                if (g_hash_table_lookup_extended(byk, key, NULL, &idx)) {
                    at = GPOINTER_TO_SIZE(idx);
                    free(key);
                    nsg_path_release(&ps.p[j]);
                } else {
                    at = out->n;
                    out->c = nsg_xrealloc(out->c, (out->n + 1) * sizeof(*out->c));
                    out->c[out->n].dst = (struct nsg_addrset)NSG_ADDRSET_INIT;
                    out->c[out->n].path = ps.p[j];
                    out->n++;
                    pend = nsg_xrealloc(pend,
                                        (out->n - first) * sizeof(*pend));
                    memset(&pend[at - first], 0, sizeof(*pend));
                    g_hash_table_insert(byk, key, GSIZE_TO_POINTER(at));
                }
                pending_add(&pend[at - first], fam, lo, top);
            }
            free(ps.p);
            if (top >= hi)
                break;
            lo = top + 1;
        }
    }
    for (size_t i = first; i < out->n; i++) {
        struct nsg_addrset tmp = {pend[i - first].r, pend[i - first].n,
                                  pend[i - first].cap};
        nsg_addrset_union(&out->c[i].dst, &tmp);
        nsg_addrset_release(&tmp);
    }
    free(pend);
    g_hash_table_destroy(byk);
}
