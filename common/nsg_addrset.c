/* nsg_addrset.c - sets of addresses kept as sorted disjoint ranges: the
 * resolved form of prefixes, service tags and ASGs. */
#include <stdlib.h>
#include <string.h>

#include "nsg.h"

static int range_cmp(const void *pa, const void *pb)
{
    const struct nsg_range *a = pa, *b = pb;
    if (a->family != b->family)
        return a->family < b->family ? -1 : 1;
    if (a->lo != b->lo)
        return a->lo < b->lo ? -1 : 1;
    return 0;
}

/* Sort and merge overlapping or adjacent ranges. */
static void normalize(struct nsg_addrset *s)
{
    size_t out = 0;

    if (s->n < 2)
        return;
    qsort(s->r, s->n, sizeof(*s->r), range_cmp);
    for (size_t i = 1; i < s->n; i++) {
        struct nsg_range *last = &s->r[out];
        const struct nsg_range *cur = &s->r[i];
        if (cur->family == last->family &&
            (cur->lo <= last->hi ||
             (last->hi != nsg_family_max(last->family) &&
              cur->lo == last->hi + 1))) {
            if (cur->hi > last->hi)
                last->hi = cur->hi;
        } else {
            s->r[++out] = *cur;
        }
    }
    s->n = out + 1;
}

static void push(struct nsg_addrset *s, uint8_t family, nsg_u128 lo,
                 nsg_u128 hi)
{
    if (s->n == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 4;
        s->r = nsg_xrealloc(s->r, s->cap * sizeof(*s->r));
    }
    s->r[s->n++] = (struct nsg_range){family, lo, hi};
}

void nsg_addrset_release(struct nsg_addrset *s)
{
    free(s->r);
    s->r = NULL;
    s->n = s->cap = 0;
}

void nsg_addrset_clear(struct nsg_addrset *s)
{
    s->n = 0;
}

void nsg_addrset_add_range(struct nsg_addrset *s, uint8_t family, nsg_u128 lo,
                           nsg_u128 hi)
{
    if (lo > hi)
        return;
    push(s, family, lo, hi);
    normalize(s);
}

void nsg_addrset_add_cidr(struct nsg_addrset *s, const struct nsg_cidr *c)
{
    nsg_addrset_add_range(s, c->family, nsg_cidr_lo(c), nsg_cidr_hi(c));
}

void nsg_addrset_add_all(struct nsg_addrset *s, uint8_t family)
{
    if (family == 0 || family == 4)
        push(s, 4, 0, nsg_family_max(4));
    if (family == 0 || family == 6)
        push(s, 6, 0, nsg_family_max(6));
    normalize(s);
}

void nsg_addrset_union(struct nsg_addrset *s, const struct nsg_addrset *o)
{
    for (size_t i = 0; i < o->n; i++)
        push(s, o->r[i].family, o->r[i].lo, o->r[i].hi);
    normalize(s);
}

void nsg_addrset_subtract(struct nsg_addrset *s, const struct nsg_addrset *o)
{
    struct nsg_addrset res = NSG_ADDRSET_INIT;

    for (size_t i = 0; i < s->n; i++) {
        uint8_t fam = s->r[i].family;
        nsg_u128 lo = s->r[i].lo, hi = s->r[i].hi;
        bool alive = true;
        for (size_t j = 0; j < o->n && alive; j++) {
            const struct nsg_range *x = &o->r[j];
            if (x->family != fam || x->hi < lo || x->lo > hi)
                continue;
            if (x->lo > lo)
                push(&res, fam, lo, x->lo - 1);
            if (x->hi >= hi)
                alive = false;
            else
                lo = x->hi + 1;
        }
        if (alive)
            push(&res, fam, lo, hi);
    }
    normalize(&res);
    free(s->r);
    *s = res;
}

void nsg_addrset_copy(struct nsg_addrset *dst, const struct nsg_addrset *src)
{
    dst->n = 0;
    for (size_t i = 0; i < src->n; i++)
        push(dst, src->r[i].family, src->r[i].lo, src->r[i].hi);
}

void nsg_addrset_intersect(struct nsg_addrset *out, const struct nsg_addrset *a,
                           const struct nsg_addrset *b)
{
    size_t i = 0, j = 0;
    out->n = 0;
    while (i < a->n && j < b->n) { /* both sorted: one merge pass */
        const struct nsg_range *x = &a->r[i], *y = &b->r[j];
        if (x->family != y->family) {
            if (x->family < y->family)
                i++;
            else
                j++;
            continue;
        }
        nsg_u128 lo = x->lo > y->lo ? x->lo : y->lo;
        nsg_u128 hi = x->hi < y->hi ? x->hi : y->hi;
        if (lo <= hi)
            push(out, x->family, lo, hi);
        if (x->hi < y->hi)
            i++;
        else
            j++;
    }
    normalize(out);
}

bool nsg_addrset_contains(const struct nsg_addrset *s, const struct nsg_ip *ip)
{
    size_t lo = 0, hi = s->n;
    while (lo < hi) { /* first range not below ip */
        size_t mid = lo + (hi - lo) / 2;
        const struct nsg_range *r = &s->r[mid];
        if (r->family < ip->family ||
            (r->family == ip->family && r->hi < ip->v))
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < s->n && s->r[lo].family == ip->family &&
           s->r[lo].lo <= ip->v && ip->v <= s->r[lo].hi;
}

bool nsg_addrset_is_empty(const struct nsg_addrset *s)
{
    return s->n == 0;
}

bool nsg_addrset_equal(const struct nsg_addrset *a, const struct nsg_addrset *b)
{
    if (a->n != b->n)
        return false;
    for (size_t i = 0; i < a->n; i++)
        if (range_cmp(&a->r[i], &b->r[i]) || a->r[i].hi != b->r[i].hi)
            return false;
    return true;
}

void nsg_addrset_to_cidrs(const struct nsg_addrset *s,
                          void (*emit)(const struct nsg_cidr *c, void *ctx),
                          void *ctx)
{
    for (size_t i = 0; i < s->n; i++) {
        uint8_t fam = s->r[i].family;
        unsigned bits = fam == 4 ? 32 : 128;
        nsg_u128 lo = s->r[i].lo, hi = s->r[i].hi;
        for (;;) {
            /* largest aligned block starting at lo that fits in [lo, hi] */
            unsigned len = bits;
            while (len > 0) {
                unsigned host = bits - (len - 1);
                nsg_u128 size_minus_1 =
                    host >= 128 ? ~(nsg_u128)0 : (((nsg_u128)1 << host) - 1);
                if ((lo & size_minus_1) != 0 || lo + size_minus_1 > hi ||
                    lo + size_minus_1 < lo)
                    break;
                len--;
            }
            struct nsg_cidr c = {fam, (uint8_t)len, lo};
            emit(&c, ctx);
            nsg_u128 top = nsg_cidr_hi(&c);
            if (top >= hi)
                break;
            lo = top + 1;
        }
    }
}

bool nsg_addrset_overlaps(const struct nsg_addrset *a,
                          const struct nsg_addrset *b)
{
    size_t i = 0, j = 0;
    while (i < a->n && j < b->n) {
        const struct nsg_range *x = &a->r[i], *y = &b->r[j];
        if (x->family != y->family) {
            if (x->family < y->family)
                i++;
            else
                j++;
        } else if (x->hi < y->lo) {
            i++;
        } else if (y->hi < x->lo) {
            j++;
        } else {
            return true;
        }
    }
    return false;
}

bool nsg_addrset_covers(const struct nsg_addrset *s, uint8_t family,
                        nsg_u128 lo, nsg_u128 hi)
{
    struct nsg_ip ip = {family, lo};
    size_t l = 0, h = s->n;
    while (l < h) { /* the range that would hold lo */
        size_t mid = l + (h - l) / 2;
        const struct nsg_range *r = &s->r[mid];
        if (r->family < ip.family || (r->family == ip.family && r->hi < lo))
            l = mid + 1;
        else
            h = mid;
    }
    return l < s->n && s->r[l].family == family && s->r[l].lo <= lo &&
           hi <= s->r[l].hi;
}

double nsg_addrset_count(const struct nsg_addrset *s)
{
    double n = 0;
    for (size_t i = 0; i < s->n; i++)
        n += (double)(s->r[i].hi - s->r[i].lo) + 1.0;
    return n;
}
