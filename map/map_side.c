/* map_side.c - the exact traffic region of one NIC address in one
 * direction, from both NSG levels, by region computation (no sampling).
 *
 * The local address is fixed, so every rule either matches it, may match
 * it (a tag the corpus does not define), or is dropped.  The protocol and
 * port space is cut into cells by the boundaries of the remaining rules'
 * protocols and port ranges: inside a cell every rule's protocol and port
 * test is constant.  In each cell, first-match evaluation runs on address
 * sets (the compiled rules' resolved sets, from sim/): the remote addresses
 * a rule decides are the ones still undecided that its remote side holds.
 * Levels combine as the simulator does: a deny at any level denies, else
 * an undecidable level makes the answer unknown, else it is allowed.
 * Finally the remote address space is cut into atoms by the boundaries of
 * every cell's sets; atoms with the same answers in every cell form one
 * part.  Sides are shared by addresses of the same class (same compiled
 * NSGs, same rules matching the local address). */
#include <stdlib.h>
#include <string.h>

#include "map_int.h"

struct frule {
    const struct nsg_crule *r;
    bool maybe; /* the local side depends on an unknown tag */
};

struct level {
    struct frule *f;
    size_t n;
};

struct cell {
    int proto;
    struct nsg_portrange s, d;
    struct nsg_addrset allow, unknown;
};

void nsg_map_side_free(void *p)
{
    struct nsg_map_side *s = p;
    if (!s)
        return;
    for (size_t i = 0; i < s->n; i++) {
        nsg_addrset_release(&s->p[i].set);
        nsg_map_region_release(&s->p[i].allow);
        nsg_map_region_release(&s->p[i].unknown);
    }
    free(s->p);
    free(s);
}

long nsg_map_side_find(const struct nsg_map_side *s, const struct nsg_ip *ip)
{
    for (size_t i = 0; s && i < s->n; i++)
        if (nsg_addrset_contains(&s->p[i].set, ip))
            return (long)i;
    return -1;
}

static bool ports_has(const struct nsg_portrange *r, size_t n, unsigned v)
{
    for (size_t i = 0; i < n; i++)
        if (r[i].lo <= v && v <= r[i].hi)
            return true;
    return false;
}

static bool rule_in_class(const struct nsg_crule *r, int proto)
{
    return r->proto == NSG_PROTO_ANY || r->proto == proto;
}

/* First-match evaluation of one level over remote address sets, for the
 * cell (proto, sport, dport).  remote: 0 = source (inbound), 1 = dest. */
static void level_eval(const struct level *l, int proto, unsigned s,
                       unsigned d, int remote, const struct nsg_addrset *all,
                       struct nsg_addrset *A, struct nsg_addrset *U,
                       const char **tag)
{
    struct nsg_addrset rem = NSG_ADDRSET_INIT, m = NSG_ADDRSET_INIT;
    bool ports = nsg_proto_has_ports(proto);

    nsg_addrset_copy(&rem, all);
    nsg_addrset_clear(A);
    nsg_addrset_clear(U);
    for (size_t i = 0; i < l->n && rem.n; i++) {
        const struct nsg_crule *r = l->f[i].r;
        const struct nsg_addrset *side = remote ? &r->dst : &r->src;
        const char *side_unknown = remote ? r->dst_unknown : r->src_unknown;
        if (!rule_in_class(r, proto))
            continue;
        if (ports && (!ports_has(r->sports, r->n_sports, s) ||
                      !ports_has(r->dports, r->n_dports, d)))
            continue;
        if (side_unknown) {
            /* addresses outside the resolved part may match: undecidable */
            nsg_map_addrset_and(&m, &rem, side);
            if (l->f[i].maybe) {
                nsg_addrset_union(U, &rem);
            } else {
                if (r->access == NSG_ALLOW)
                    nsg_addrset_union(A, &m);
                nsg_addrset_subtract(&rem, &m);
                nsg_addrset_union(U, &rem);
            }
            if (!*tag)
                *tag = side_unknown;
            nsg_addrset_clear(&rem);
            break;
        }
        nsg_map_addrset_and(&m, &rem, side);
        if (l->f[i].maybe) {
            nsg_addrset_union(U, &m);
            if (!*tag)
                *tag = remote ? r->src_unknown : r->dst_unknown;
        } else if (r->access == NSG_ALLOW) {
            nsg_addrset_union(A, &m);
        }
        nsg_addrset_subtract(&rem, side);
    }
    /* rem: no rule matched (only without default rules): denied */
    nsg_addrset_release(&rem);
    nsg_addrset_release(&m);
}

/* The cell's answer through every level. */
static void cell_eval(struct cell *c, const struct level *lv, size_t nl,
                      int remote, const struct nsg_addrset *all,
                      const char **tag)
{
    struct nsg_addrset A = NSG_ADDRSET_INIT, U = NSG_ADDRSET_INIT,
                       denied = NSG_ADDRSET_INIT, tmp = NSG_ADDRSET_INIT;

    nsg_addrset_copy(&c->allow, all);
    for (size_t l = 0; l < nl; l++) {
        level_eval(&lv[l], c->proto, c->s.lo, c->d.lo, remote, all, &A, &U,
                   tag);
        /* denied at this level: all \ (A u U) */
        nsg_addrset_copy(&tmp, all);
        nsg_addrset_subtract(&tmp, &A);
        nsg_addrset_subtract(&tmp, &U);
        nsg_addrset_union(&denied, &tmp);
        nsg_map_addrset_and(&tmp, &c->allow, &A);
        nsg_addrset_copy(&c->allow, &tmp);
    }
    nsg_addrset_copy(&c->unknown, all);
    nsg_addrset_subtract(&c->unknown, &c->allow);
    nsg_addrset_subtract(&c->unknown, &denied);
    nsg_addrset_release(&A);
    nsg_addrset_release(&U);
    nsg_addrset_release(&denied);
    nsg_addrset_release(&tmp);
}

/* ---- cells ------------------------------------------------------------- */

static int uint_cmp(const void *a, const void *b)
{
    unsigned x = *(const unsigned *)a, y = *(const unsigned *)b;
    return (x > y) - (x < y);
}

/* Port atoms of the rules of a protocol class: boundaries in pts (pts[0]
 * = 0, pts[n] = 65536); returns n. */
static size_t port_atoms(const struct level *lv, size_t nl, int proto, bool src,
                         unsigned **pts)
{
    size_t n = 0, cap = 16;
    unsigned *p = nsg_xmalloc(cap * sizeof(*p));
    p[n++] = 0;
    for (size_t l = 0; l < nl; l++)
        for (size_t i = 0; i < lv[l].n; i++) {
            const struct nsg_crule *r = lv[l].f[i].r;
            const struct nsg_portrange *pr = src ? r->sports : r->dports;
            size_t np = src ? r->n_sports : r->n_dports;
            if (!rule_in_class(r, proto))
                continue;
            for (size_t k = 0; k < np; k++) {
                if (n + 2 >= cap) {
                    cap *= 2;
                    p = nsg_xrealloc(p, cap * sizeof(*p));
                }
                p[n++] = pr[k].lo;
                p[n++] = pr[k].hi + 1u;
            }
        }
    qsort(p, n, sizeof(*p), uint_cmp);
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (p[i] <= 65535 && (m == 0 || p[m - 1] != p[i]))
            p[m++] = p[i];
    p = nsg_xrealloc(p, (m + 1) * sizeof(*p));
    p[m] = 65536;
    *pts = p;
    return m;
}

static void add_cell(GArray *cells, int proto, unsigned slo, unsigned shi,
                     unsigned dlo, unsigned dhi)
{
    struct cell c;
    memset(&c, 0, sizeof(c));
    c.proto = proto;
    c.s = (struct nsg_portrange){(uint16_t)slo, (uint16_t)shi};
    c.d = (struct nsg_portrange){(uint16_t)dlo, (uint16_t)dhi};
    g_array_append_val(cells, c);
}

static GArray *make_cells(const struct nsg_map_net *n, const struct level *lv,
                          size_t nl)
{
    GArray *cells = g_array_new(FALSE, FALSE, sizeof(struct cell));
    for (size_t k = 0; k <= n->n_named; k++) {
        int p = k < n->n_named ? n->named[k] : NSG_MAP_PROTO_OTHER;
        if (!nsg_proto_has_ports(p)) {
            add_cell(cells, p, 0, 65535, 0, 65535);
            continue;
        }
        unsigned *sp, *dp;
        size_t ns = port_atoms(lv, nl, p, true, &sp);
        size_t nd = port_atoms(lv, nl, p, false, &dp);
        for (size_t i = 0; i < ns; i++)
            for (size_t j = 0; j < nd; j++)
                add_cell(cells, p, sp[i], sp[i + 1] - 1, dp[j], dp[j + 1] - 1);
        free(sp);
        free(dp);
    }
    return cells;
}

/* ---- parts: atoms of the remote address space --------------------------- */

static int u128_cmp(const void *a, const void *b)
{
    nsg_u128 x = *(const nsg_u128 *)a, y = *(const nsg_u128 *)b;
    return (x > y) - (x < y);
}

/* Index of the atom starting at v (pts sorted, v one of them). */
static size_t atom_at(const nsg_u128 *pts, size_t n, nsg_u128 v)
{
    size_t lo = 0, hi = n;
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (pts[mid] <= v)
            lo = mid;
        else
            hi = mid;
    }
    return lo;
}

static void mark(uint64_t *sig, size_t w, const nsg_u128 *pts, size_t n,
                 const struct nsg_addrset *s, size_t bit)
{
    for (size_t i = 0; i < s->n; i++) {
        size_t a = atom_at(pts, n, s->r[i].lo), b = atom_at(pts, n, s->r[i].hi);
        for (size_t k = a; k <= b; k++)
            sig[k * w + bit / 64] |= (uint64_t)1 << (bit % 64);
    }
}

static void add_pts(nsg_u128 **pts, size_t *n, size_t *cap,
                    const struct nsg_addrset *s, nsg_u128 max)
{
    for (size_t i = 0; i < s->n; i++) {
        if (*n + 2 >= *cap) {
            *cap *= 2;
            *pts = nsg_xrealloc(*pts, *cap * sizeof(**pts));
        }
        (*pts)[(*n)++] = s->r[i].lo;
        if (s->r[i].hi < max)
            (*pts)[(*n)++] = s->r[i].hi + 1;
    }
}

static struct nsg_map_box cell_box(const struct cell *c)
{
    struct nsg_map_box b;
    b.proto = c->proto;
    b.sports.n = b.dports.n = 1;
    b.sports.r = (struct nsg_portrange *)&c->s;
    b.dports.r = (struct nsg_portrange *)&c->d;
    return b;
}

static struct nsg_map_side *make_parts(GArray *cells, uint8_t fam)
{
    struct nsg_map_side *side = nsg_xcalloc(1, sizeof(*side));
    size_t nc = cells->len, w = (2 * nc + 63) / 64, np = 0, cap = 64;
    nsg_u128 max = nsg_family_max(fam);
    nsg_u128 *pts = nsg_xmalloc(cap * sizeof(*pts));

    pts[np++] = 0;
    for (size_t i = 0; i < nc; i++) {
        struct cell *c = &g_array_index(cells, struct cell, i);
        add_pts(&pts, &np, &cap, &c->allow, max);
        add_pts(&pts, &np, &cap, &c->unknown, max);
    }
    qsort(pts, np, sizeof(*pts), u128_cmp);
    size_t m = 0;
    for (size_t i = 0; i < np; i++)
        if (m == 0 || pts[m - 1] != pts[i])
            pts[m++] = pts[i];
    uint64_t *sig = nsg_xcalloc(m * w + 1, sizeof(*sig));
    for (size_t i = 0; i < nc; i++) {
        struct cell *c = &g_array_index(cells, struct cell, i);
        mark(sig, w, pts, m, &c->allow, 2 * i);
        mark(sig, w, pts, m, &c->unknown, 2 * i + 1);
    }
    /* group atoms by signature */
    GHashTable *groups = g_hash_table_new_full(g_bytes_hash, g_bytes_equal,
                                               (GDestroyNotify)g_bytes_unref,
                                               NULL);
    GPtrArray *ranges = g_ptr_array_new(); /* per part: struct nsg_addrset * */
    GArray *first = g_array_new(FALSE, FALSE, sizeof(size_t));
    for (size_t a = 0; a < m; a++) {
        uint64_t *s = &sig[a * w];
        bool any = false;
        for (size_t k = 0; k < w && !any; k++)
            any = s[k] != 0;
        if (!any)
            continue;
        GBytes *key = g_bytes_new(s, w * sizeof(*s));
        size_t idx = GPOINTER_TO_SIZE(g_hash_table_lookup(groups, key));
        struct nsg_addrset *set;
        if (!idx) {
            set = nsg_xcalloc(1, sizeof(*set));
            g_ptr_array_add(ranges, set);
            g_array_append_val(first, a);
            idx = ranges->len;
            g_hash_table_insert(groups, key, GSIZE_TO_POINTER(idx));
        } else {
            g_bytes_unref(key);
            set = ranges->pdata[idx - 1];
        }
        nsg_u128 hi = a + 1 < m ? pts[a + 1] - 1 : max;
        if (set->n && set->r[set->n - 1].hi + 1 == pts[a]) {
            set->r[set->n - 1].hi = hi;
            continue;
        }
        if (set->n == set->cap) {
            set->cap = set->cap ? set->cap * 2 : 4;
            set->r = nsg_xrealloc(set->r, set->cap * sizeof(*set->r));
        }
        set->r[set->n++] = (struct nsg_range){fam, pts[a], hi};
    }
    side->n = ranges->len;
    side->p = nsg_xcalloc(side->n + 1, sizeof(*side->p));
    struct nsg_map_box *boxes = nsg_xmalloc((nc + 1) * sizeof(*boxes));
    for (size_t i = 0; i < side->n; i++) {
        struct nsg_map_part *p = &side->p[i];
        const uint64_t *s = &sig[g_array_index(first, size_t, i) * w];
        p->set = *(struct nsg_addrset *)ranges->pdata[i]; /* sorted, merged */
        free(ranges->pdata[i]);
        for (int u = 0; u < 2; u++) {
            size_t nb = 0;
            for (size_t c = 0; c < nc; c++) {
                size_t bit = 2 * c + (size_t)u;
                if (s[bit / 64] >> (bit % 64) & 1)
                    boxes[nb++] = cell_box(&g_array_index(cells, struct cell, c));
            }
            nsg_map_region_from_boxes(boxes, nb, u ? &p->unknown : &p->allow);
        }
    }
    free(boxes);
    g_array_free(first, TRUE);
    g_ptr_array_free(ranges, TRUE);
    g_hash_table_destroy(groups);
    free(sig);
    free(pts);
    return side;
}

/* ---- the side of an address ---------------------------------------------- */

/* Rules of NSG c in direction dir that match (or may match) the local
 * address ip; appends the class key. */
static void filter_rules(const struct nsg_cnsg *c, enum nsg_dir dir,
                         const struct nsg_ip *ip, struct level *l, GString *key)
{
    int d = dir == NSG_DIR_OUT;
    l->f = nsg_xcalloc(c->n[d] + 1, sizeof(*l->f));
    l->n = 0;
    g_string_append_printf(key, "|%p:", (const void *)c);
    for (size_t i = 0; i < c->n[d]; i++) {
        const struct nsg_crule *r = &c->rules[d][i];
        const struct nsg_addrset *local = dir == NSG_DIR_IN ? &r->dst : &r->src;
        const char *unk = dir == NSG_DIR_IN ? r->dst_unknown : r->src_unknown;
        bool in = nsg_addrset_contains(local, ip);
        if (!in && !unk)
            continue;
        l->f[l->n].r = r;
        l->f[l->n].maybe = !in;
        l->n++;
        g_string_append_printf(key, "%zu%c,", i, in ? 'm' : '?');
    }
}

nsg_rc nsg_map_side_get(struct nsg_map_net *n, struct nsg_map_addr *a,
                        enum nsg_dir dir, struct nsg_err *err)
{
    const struct nsg_nsg *nsgs[2] = {NULL, NULL};
    const struct nsg_nsg *sub_nsg =
        a->subnet ? nsg_topo_get(n->t, NSG_RES_NSG, a->subnet->nsg_id) : NULL;
    const struct nsg_nsg *nic_nsg = n->nics[a->nic].nsg_nic;
    struct level lv[2];
    size_t nl = 0;
    GString *key = g_string_new(NULL);
    nsg_rc rc = NSG_OK;

    /* evaluation order: inbound subnet then NIC, outbound NIC then subnet */
    nsgs[0] = dir == NSG_DIR_IN ? sub_nsg : nic_nsg;
    nsgs[1] = dir == NSG_DIR_IN ? nic_nsg : sub_nsg;
    g_string_append_printf(key, "%d%c", a->ip.family,
                           dir == NSG_DIR_IN ? 'i' : 'o');
    for (int i = 0; i < 2 && !rc; i++) {
        const struct nsg_cnsg *c;
        if (!nsgs[i])
            continue;
        rc = nsg_sim_get(n->sim, nsgs[i], a->vnet, &c, err);
        if (!rc)
            filter_rules(c, dir, &a->ip, &lv[nl++], key);
    }
    if (!rc) {
        struct nsg_map_side *side = g_hash_table_lookup(n->sides, key->str);
        if (!side) {
            struct nsg_addrset all = NSG_ADDRSET_INIT;
            const char *tag = NULL;
            GArray *cells = make_cells(n, lv, nl);
            nsg_addrset_add_all(&all, a->ip.family);
            for (guint i = 0; i < cells->len; i++)
                cell_eval(&g_array_index(cells, struct cell, i), lv, nl,
                          dir == NSG_DIR_OUT, &all, &tag);
            side = make_parts(cells, a->ip.family);
            side->tag = tag;
            for (guint i = 0; i < cells->len; i++) {
                nsg_addrset_release(&g_array_index(cells, struct cell, i).allow);
                nsg_addrset_release(
                    &g_array_index(cells, struct cell, i).unknown);
            }
            g_array_free(cells, TRUE);
            nsg_addrset_release(&all);
            g_hash_table_insert(n->sides, g_strdup(key->str), side);
        }
        a->side[dir] = side;
    }
    for (size_t i = 0; i < nl; i++)
        free(lv[i].f);
    g_string_free(key, TRUE);
    return rc;
}
