/* map_region.c - sets of (protocol, source port, destination port) kept as
 * boxes in a canonical form, with intersection, union and difference: the
 * "which protocols and ports" part of a traffic region.  Written here (not
 * a library) because the sets are small products of port ranges and the
 * canonical form is what makes equal regions compare equal. */
#include <stdlib.h>
#include <string.h>

#include "map_int.h"

/* ---- range lists --------------------------------------------------------- */

static int uint_cmp(const void *a, const void *b)
{
    unsigned x = *(const unsigned *)a, y = *(const unsigned *)b;
    return (x > y) - (x < y);
}

static int pr_cmp(const void *pa, const void *pb)
{
    const struct nsg_portrange *a = pa, *b = pb;
    return a->lo != b->lo ? (a->lo < b->lo ? -1 : 1) : (a->hi > b->hi) - (a->hi < b->hi);
}

/* Sort and merge overlapping or adjacent ranges in place. */
static void ranges_normalize(struct nsg_map_ranges *r)
{
    size_t out = 0;
    if (r->n < 2)
        return;
    qsort(r->r, r->n, sizeof(*r->r), pr_cmp);
    for (size_t i = 1; i < r->n; i++) {
        struct nsg_portrange *last = &r->r[out];
        if ((unsigned)r->r[i].lo <= (unsigned)last->hi + 1) {
            if (r->r[i].hi > last->hi)
                last->hi = r->r[i].hi;
        } else {
            r->r[++out] = r->r[i];
        }
    }
    r->n = out + 1;
}

static void ranges_push(struct nsg_map_ranges *r, unsigned lo, unsigned hi)
{
    r->r = nsg_xrealloc(r->r, (r->n + 1) * sizeof(*r->r));
    r->r[r->n++] = (struct nsg_portrange){(uint16_t)lo, (uint16_t)hi};
}

static bool ranges_equal(const struct nsg_map_ranges *a,
                         const struct nsg_map_ranges *b)
{
    if (a->n != b->n)
        return false;
    for (size_t i = 0; i < a->n; i++)
        if (a->r[i].lo != b->r[i].lo || a->r[i].hi != b->r[i].hi)
            return false;
    return true;
}

static bool ranges_has(const struct nsg_map_ranges *r, unsigned v)
{
    for (size_t i = 0; i < r->n; i++)
        if (r->r[i].lo <= v && v <= r->r[i].hi)
            return true;
    return false;
}

static void ranges_copy(struct nsg_map_ranges *dst,
                        const struct nsg_map_ranges *src)
{
    dst->n = src->n;
    dst->r = src->n ? nsg_xmalloc(src->n * sizeof(*src->r)) : NULL;
    if (src->n)
        memcpy(dst->r, src->r, src->n * sizeof(*src->r));
}

/* out = a op b on normalized lists, by a sweep over the boundaries. */
static void ranges_op(const struct nsg_map_ranges *a,
                      const struct nsg_map_ranges *b, enum nsg_map_op op,
                      struct nsg_map_ranges *out)
{
    unsigned *pts = nsg_xmalloc((2 * (a->n + b->n) + 2) * sizeof(*pts));
    size_t np = 0;
    out->r = NULL;
    out->n = 0;
    pts[np++] = 0;
    for (size_t i = 0; i < a->n; i++) {
        pts[np++] = a->r[i].lo;
        pts[np++] = a->r[i].hi + 1u;
    }
    for (size_t i = 0; i < b->n; i++) {
        pts[np++] = b->r[i].lo;
        pts[np++] = b->r[i].hi + 1u;
    }
    qsort(pts, np, sizeof(*pts), uint_cmp);
    for (size_t i = 0; i < np; i++) {
        unsigned lo = pts[i], hi;
        if (lo > 65535 || (i + 1 < np && pts[i + 1] == lo))
            continue;
        hi = i + 1 < np && pts[i + 1] <= 65536 ? pts[i + 1] - 1 : 65535;
        bool in_a = ranges_has(a, lo), in_b = ranges_has(b, lo), in;
        in = op == NSG_MAP_AND ? in_a && in_b
             : op == NSG_MAP_OR ? in_a || in_b
                                : in_a && !in_b;
        if (in)
            ranges_push(out, lo, hi);
    }
    free(pts);
    ranges_normalize(out);
}

void nsg_map_ranges_text(const struct nsg_map_ranges *r, struct nsg_buf *out)
{
    if (r->n == 1 && r->r[0].lo == 0 && r->r[0].hi == 65535) {
        nsg_buf_adds(out, "*");
        return;
    }
    for (size_t i = 0; i < r->n; i++) {
        if (r->r[i].lo == r->r[i].hi)
            nsg_buf_addf(out, "%s%u", i ? "," : "", r->r[i].lo);
        else
            nsg_buf_addf(out, "%s%u-%u", i ? "," : "", r->r[i].lo,
                         r->r[i].hi);
    }
}

/* ---- regions ------------------------------------------------------------- */

void nsg_map_region_release(struct nsg_map_region *r)
{
    for (size_t i = 0; i < r->n; i++) {
        free(r->b[i].sports.r);
        free(r->b[i].dports.r);
    }
    free(r->b);
    r->b = NULL;
    r->n = 0;
}

void nsg_map_region_copy(struct nsg_map_region *dst,
                         const struct nsg_map_region *src)
{
    dst->n = src->n;
    dst->b = src->n ? nsg_xcalloc(src->n, sizeof(*dst->b)) : NULL;
    for (size_t i = 0; i < src->n; i++) {
        dst->b[i].proto = src->b[i].proto;
        ranges_copy(&dst->b[i].sports, &src->b[i].sports);
        ranges_copy(&dst->b[i].dports, &src->b[i].dports);
    }
}

bool nsg_map_region_empty(const struct nsg_map_region *r)
{
    return r->n == 0;
}

bool nsg_map_region_equal(const struct nsg_map_region *a,
                          const struct nsg_map_region *b)
{
    if (a->n != b->n)
        return false;
    for (size_t i = 0; i < a->n; i++)
        if (a->b[i].proto != b->b[i].proto ||
            !ranges_equal(&a->b[i].sports, &b->b[i].sports) ||
            !ranges_equal(&a->b[i].dports, &b->b[i].dports))
            return false;
    return true;
}

static void region_push(struct nsg_map_region *r, int proto,
                        struct nsg_map_ranges *sports,
                        struct nsg_map_ranges *dports)
{
    r->b = nsg_xrealloc(r->b, (r->n + 1) * sizeof(*r->b));
    r->b[r->n++] = (struct nsg_map_box){proto, *sports, *dports};
}

/* Sorted distinct protocols of the boxes of a and b. */
static size_t protos_of(const struct nsg_map_box *a, size_t na,
                        const struct nsg_map_box *b, size_t nb, int *out)
{
    size_t n = 0;
    for (size_t i = 0; i < na + nb; i++) {
        int p = i < na ? a[i].proto : b[i - na].proto;
        size_t k = 0;
        while (k < n && out[k] < p)
            k++;
        if (k < n && out[k] == p)
            continue;
        memmove(out + k + 1, out + k, (n - k) * sizeof(*out));
        out[k] = p;
        n++;
    }
    return n;
}

/* The destination ports of boxes of protocol p that hold source port s. */
static void dports_at(const struct nsg_map_box *b, size_t n, int p, unsigned s,
                      struct nsg_map_ranges *out)
{
    out->r = NULL;
    out->n = 0;
    for (size_t i = 0; i < n; i++)
        if (b[i].proto == p && ranges_has(&b[i].sports, s))
            for (size_t k = 0; k < b[i].dports.n; k++)
                ranges_push(out, b[i].dports.r[k].lo, b[i].dports.r[k].hi);
    ranges_normalize(out);
}

/* Source-port boundaries of the boxes of protocol p (sorted, distinct,
 * starting with 0; the atom i is [pts[i], pts[i+1]-1]). */
static size_t sport_atoms(const struct nsg_map_box *a, size_t na,
                          const struct nsg_map_box *b, size_t nb, int p,
                          unsigned *pts)
{
    size_t n = 0;
    pts[n++] = 0;
    for (size_t i = 0; i < na + nb; i++) {
        const struct nsg_map_box *x = i < na ? &a[i] : &b[i - na];
        if (x->proto != p)
            continue;
        for (size_t k = 0; k < x->sports.n; k++) {
            pts[n++] = x->sports.r[k].lo;
            pts[n++] = x->sports.r[k].hi + 1u;
        }
    }
    qsort(pts, n, sizeof(*pts), uint_cmp);
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (pts[i] <= 65535 && (m == 0 || pts[m - 1] != pts[i]))
            pts[m++] = pts[i];
    pts[m] = 65536;
    return m;
}

/* Canonical form of (a op b), both given as any boxes: per protocol, the
 * source-port atoms, each with its destination-port set; atoms with equal
 * sets merge into one box. */
static void combine_boxes(const struct nsg_map_box *a, size_t na,
                          const struct nsg_map_box *b, size_t nb,
                          enum nsg_map_op op, struct nsg_map_region *out)
{
    int *protos = nsg_xmalloc((na + nb + 1) * sizeof(*protos));
    size_t np = protos_of(a, na, b, nb, protos);
    size_t maxpts = 2;
    for (size_t i = 0; i < na; i++)
        maxpts += 2 * a[i].sports.n;
    for (size_t i = 0; i < nb; i++)
        maxpts += 2 * b[i].sports.n;
    unsigned *pts = nsg_xmalloc((maxpts + 1) * sizeof(*pts));

    out->b = NULL;
    out->n = 0;
    for (size_t pi = 0; pi < np; pi++) {
        int p = protos[pi];
        size_t first = out->n;
        size_t m = sport_atoms(a, na, b, nb, p, pts);
        for (size_t i = 0; i < m; i++) {
            struct nsg_map_ranges da, db, d;
            dports_at(a, na, p, pts[i], &da);
            dports_at(b, nb, p, pts[i], &db);
            ranges_op(&da, &db, op, &d);
            free(da.r);
            free(db.r);
            if (!d.n) {
                free(d.r);
                continue;
            }
            size_t k = first;
            while (k < out->n && !ranges_equal(&out->b[k].dports, &d))
                k++;
            if (k < out->n) {
                ranges_push(&out->b[k].sports, pts[i], pts[i + 1] - 1);
                ranges_normalize(&out->b[k].sports);
                free(d.r);
            } else {
                struct nsg_map_ranges s = {NULL, 0};
                ranges_push(&s, pts[i], pts[i + 1] - 1);
                region_push(out, p, &s, &d);
            }
        }
    }
    free(pts);
    free(protos);
}

void nsg_map_region_combine(const struct nsg_map_region *a,
                            const struct nsg_map_region *b, enum nsg_map_op op,
                            struct nsg_map_region *out)
{
    combine_boxes(a->b, a->n, b->b, b->n, op, out);
}

void nsg_map_region_from_boxes(const struct nsg_map_box *boxes, size_t n,
                               struct nsg_map_region *out)
{
    combine_boxes(boxes, n, NULL, 0, NSG_MAP_OR, out);
}

bool nsg_map_region_has(const struct nsg_map_region *r, const int *named,
                        size_t n_named, int proto, uint16_t sport,
                        uint16_t dport)
{
    int cls = NSG_MAP_PROTO_OTHER;
    for (size_t i = 0; i < n_named; i++)
        if (named[i] == proto)
            cls = proto;
    if (!nsg_proto_has_ports(proto))
        sport = dport = 0;
    for (size_t i = 0; i < r->n; i++)
        if (r->b[i].proto == cls && ranges_has(&r->b[i].sports, sport) &&
            ranges_has(&r->b[i].dports, dport))
            return true;
    return false;
}

static const char *proto_label(int proto, char buf[8])
{
    return proto == NSG_MAP_PROTO_OTHER ? "other" : nsg_proto_name(proto, buf);
}

static bool all_ports(const struct nsg_map_ranges *r)
{
    return r->n == 1 && r->r[0].lo == 0 && r->r[0].hi == 65535;
}

bool nsg_map_region_is_all(const struct nsg_map_region *r, const int *named,
                          size_t n_named)
{
    /* canonical: one box per class when the class is whole; GRE and
     * IP-in-IP never are (the virtual network drops them) */
    for (size_t k = 0; k <= n_named; k++) {
        int p = k < n_named ? named[k] : NSG_MAP_PROTO_OTHER;
        bool found = false;
        if (p == NSG_PROTO_GRE || p == NSG_PROTO_IPIP)
            continue;
        for (size_t i = 0; i < r->n && !found; i++)
            found = r->b[i].proto == p && all_ports(&r->b[i].sports) &&
                    all_ports(&r->b[i].dports);
        if (!found)
            return false;
    }
    return true;
}

void nsg_map_region_text(const struct nsg_map_region *r, struct nsg_buf *out)
{
    char pb[8];
    if (!r->n) {
        nsg_buf_adds(out, "nothing");
        return;
    }
    for (size_t i = 0; i < r->n; i++) {
        const struct nsg_map_box *b = &r->b[i];
        nsg_buf_addf(out, "%s%s", i ? "; " : "", proto_label(b->proto, pb));
        if (!nsg_proto_has_ports(b->proto))
            continue;
        nsg_buf_adds(out, " ");
        nsg_map_ranges_text(&b->dports, out);
        if (!all_ports(&b->sports)) {
            nsg_buf_adds(out, " from source ports ");
            nsg_map_ranges_text(&b->sports, out);
        }
    }
}

cJSON *nsg_map_region_json(const struct nsg_map_region *r)
{
    cJSON *a = cJSON_CreateArray();
    struct nsg_buf s = NSG_BUF_INIT;
    char pb[8];
    for (size_t i = 0; i < r->n; i++) {
        const struct nsg_map_box *b = &r->b[i];
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "protocol", proto_label(b->proto, pb));
        if (nsg_proto_has_ports(b->proto)) {
            nsg_buf_reset(&s);
            nsg_map_ranges_text(&b->dports, &s);
            cJSON_AddStringToObject(o, "ports", s.buf);
            nsg_buf_reset(&s);
            nsg_map_ranges_text(&b->sports, &s);
            cJSON_AddStringToObject(o, "source_ports", s.buf);
        }
        cJSON_AddItemToArray(a, o);
    }
    nsg_buf_release(&s);
    return a;
}
