/* sim_index.c - the candidate index that keeps evaluation fast at 1,000
 * rules: per dimension (destination port per protocol class, source and
 * destination address per family) the value space is cut into elementary
 * intervals, each holding a bitset of the rules that may match there.  A
 * packet ANDs three bitsets and checks the surviving rules in priority
 * order with the exact matcher, so the index only has to be a superset.
 * Hand-written bitsets rather than GLib: a lookup is a few binary searches
 * and word ANDs, run millions of times by replay. */
#include <stdlib.h>
#include <string.h>

#include "sim_index.h"

/* One dimension: pts[0] = 0 < pts[1] < ...; interval i is
 * [pts[i], pts[i+1]-1]; row i of bits holds its rules. */
struct dim {
    nsg_u128 *pts;
    size_t n_pts;
    uint64_t *bits; /* n_pts rows of w words */
};

struct index {
    size_t n, w;
    struct dim dport[2];  /* [0] TCP, [1] UDP: rules of that protocol or * */
    uint64_t *other;      /* rules that may match any other protocol */
    struct dim addr[2][2]; /* [src|dst][IPv4|IPv6] */
};

static int u128_cmp(const void *pa, const void *pb)
{
    nsg_u128 a = *(const nsg_u128 *)pa, b = *(const nsg_u128 *)pb;
    return a < b ? -1 : a > b;
}

/* Index of the interval holding v. */
static size_t dim_find(const struct dim *d, nsg_u128 v)
{
    size_t lo = 0, hi = d->n_pts; /* last pts <= v */
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (d->pts[mid] <= v)
            lo = mid;
        else
            hi = mid;
    }
    return lo;
}

/* A growable list of boundary points. */
struct pts {
    nsg_u128 *v;
    size_t n, cap;
};

static void pts_add(struct pts *p, nsg_u128 v)
{
    if (p->n == p->cap) {
        p->cap = p->cap ? p->cap * 2 : 64;
        p->v = nsg_xrealloc(p->v, p->cap * sizeof(*p->v));
    }
    p->v[p->n++] = v;
}

/* Range [lo, hi] contributes the points lo and hi+1. */
static void pts_add_range(struct pts *p, nsg_u128 lo, nsg_u128 hi,
                          nsg_u128 max)
{
    pts_add(p, lo);
    if (hi < max)
        pts_add(p, hi + 1);
}

static void dim_init(struct dim *d, struct pts *p, size_t w)
{
    size_t n = 0;

    pts_add(p, 0);
    qsort(p->v, p->n, sizeof(*p->v), u128_cmp);
    for (size_t i = 0; i < p->n; i++)
        if (n == 0 || p->v[i] != p->v[n - 1])
            p->v[n++] = p->v[i];
    d->pts = p->v;
    d->n_pts = n;
    d->bits = nsg_xcalloc(n * w > 0 ? n * w : 1, sizeof(uint64_t));
    p->v = NULL;
    p->n = p->cap = 0;
}

static void dim_set(struct dim *d, size_t w, size_t rule, nsg_u128 lo,
                    nsg_u128 hi)
{
    size_t a = dim_find(d, lo), b = dim_find(d, hi);
    for (size_t i = a; i <= b; i++)
        d->bits[i * w + rule / 64] |= (uint64_t)1 << (rule % 64);
}

static void dim_free(struct dim *d)
{
    free(d->pts);
    free(d->bits);
}

static bool proto_in_class(int proto, int cls)
{
    return proto == NSG_PROTO_ANY ||
           proto == (cls == 0 ? NSG_PROTO_TCP : NSG_PROTO_UDP);
}

static void build_ports(struct index *x, const struct nsg_crule *r, size_t n)
{
    for (int cls = 0; cls < 2; cls++) {
        struct pts p = {0};
        for (size_t k = 0; k < n; k++)
            if (proto_in_class(r[k].proto, cls))
                for (size_t j = 0; j < r[k].n_dports; j++)
                    pts_add_range(&p, r[k].dports[j].lo, r[k].dports[j].hi,
                                  65535);
        dim_init(&x->dport[cls], &p, x->w);
        for (size_t k = 0; k < n; k++)
            if (proto_in_class(r[k].proto, cls))
                for (size_t j = 0; j < r[k].n_dports; j++)
                    dim_set(&x->dport[cls], x->w, k, r[k].dports[j].lo,
                            r[k].dports[j].hi);
    }
    x->other = nsg_xcalloc(x->w ? x->w : 1, sizeof(uint64_t));
    for (size_t k = 0; k < n; k++)
        if (r[k].proto != NSG_PROTO_TCP && r[k].proto != NSG_PROTO_UDP &&
            !r[k].tcpudp_only)
            x->other[k / 64] |= (uint64_t)1 << (k % 64);
}

static void build_addr(struct index *x, const struct nsg_crule *r, size_t n,
                       int side)
{
    for (int f = 0; f < 2; f++) {
        uint8_t fam = f ? 6 : 4;
        nsg_u128 max = nsg_family_max(fam);
        struct pts p = {0};
        for (size_t k = 0; k < n; k++) {
            const struct nsg_addrset *s = side ? &r[k].dst : &r[k].src;
            for (size_t j = 0; j < s->n; j++)
                if (s->r[j].family == fam)
                    pts_add_range(&p, s->r[j].lo, s->r[j].hi, max);
        }
        struct dim *d = &x->addr[side][f];
        dim_init(d, &p, x->w);
        for (size_t k = 0; k < n; k++) {
            const struct nsg_addrset *s = side ? &r[k].dst : &r[k].src;
            const char *unknown = side ? r[k].dst_unknown : r[k].src_unknown;
            if (unknown) { /* may match anywhere: the matcher decides */
                dim_set(d, x->w, k, 0, max);
                continue;
            }
            for (size_t j = 0; j < s->n; j++)
                if (s->r[j].family == fam)
                    dim_set(d, x->w, k, s->r[j].lo, s->r[j].hi);
        }
    }
}

void *nsg_sim_index_build(const struct nsg_crule *rules, size_t n)
{
    struct index *x = nsg_xcalloc(1, sizeof(*x));
    x->n = n;
    x->w = (n + 63) / 64;
    build_ports(x, rules, n);
    build_addr(x, rules, n, 0);
    build_addr(x, rules, n, 1);
    return x;
}

void nsg_sim_index_free(void *index)
{
    struct index *x = index;
    if (!x)
        return;
    for (int i = 0; i < 2; i++) {
        dim_free(&x->dport[i]);
        dim_free(&x->addr[i][0]);
        dim_free(&x->addr[i][1]);
    }
    free(x->other);
    free(x);
}

void nsg_sim_eval_indexed(const struct nsg_cnsg *c, const struct nsg_packet *p,
                          struct nsg_match *m)
{
    int d = p->dir == NSG_DIR_OUT;
    const struct index *x = c->index[d];
    const struct nsg_crule *rules = c->rules[d];
    const uint64_t *prow, *srow, *drow;
    int f;

    if (p->src.family != p->dst.family || !x) {
        for (size_t i = 0; i < c->n[d]; i++) {
            int r = nsg_crule_match(&rules[i], p);
            if (r) {
                nsg_sim_set_match(&rules[i], r, p, m);
                m->platform = NSG_PLAT_NONE;
                return;
            }
        }
        nsg_sim_set_nomatch(NSG_PLAT_NONE, m);
        return;
    }
    f = p->src.family == 6;
    if (p->proto == NSG_PROTO_TCP || p->proto == NSG_PROTO_UDP) {
        const struct dim *pd = &x->dport[p->proto == NSG_PROTO_UDP];
        prow = pd->bits + dim_find(pd, p->dport) * x->w;
    } else {
        prow = x->other;
    }
    srow = x->addr[0][f].bits + dim_find(&x->addr[0][f], p->src.v) * x->w;
    drow = x->addr[1][f].bits + dim_find(&x->addr[1][f], p->dst.v) * x->w;
    for (size_t w = 0; w < x->w; w++) {
        uint64_t bits = prow[w] & srow[w] & drow[w];
        while (bits) {
            size_t k = w * 64 + (size_t)__builtin_ctzll(bits);
            int r = nsg_crule_match(&rules[k], p);
            if (r) {
                nsg_sim_set_match(&rules[k], r, p, m);
                m->platform = NSG_PLAT_NONE;
                return;
            }
            bits &= bits - 1;
        }
    }
    nsg_sim_set_nomatch(NSG_PLAT_NONE, m); /* no default rules */
}
