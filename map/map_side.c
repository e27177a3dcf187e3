/* map_side.c - the exact traffic region of one NIC address in one
 * direction, by region computation (no sampling), through the stages the
 * simulator applies at the NIC (nsg_sim_nic_plan): traffic the virtual
 * network drops, platform traffic (only the rules naming its tag), the
 * security admin stage, then both NSG levels.
 *
 * The local address is fixed, so every rule either matches it, may match
 * it (a tag the corpus does not define), or is dropped.  The protocol and
 * port space is cut into cells by the boundaries of the remaining rules'
 * protocols and port ranges: inside a cell every rule's protocol and port
 * test is constant.  In each cell, first-match evaluation runs on address
 * sets (the compiled rules' resolved sets, from sim/): the remote addresses
 * a rule decides are the ones still undecided that its remote side holds.
 * Levels combine as the simulator does: a deny at any level denies, else
 * an undecidable level makes the answer unknown, else it is allowed.  The
 * platform classes are single ports to single addresses: outbound cells
 * are cut at their ports too, and their addresses are evaluated apart.
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
    const struct nsg_admin_crule *a; /* the admin stage's rules: the rule */
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

/* Does the rule test pass for the protocol (a '*' rule with ports matches
 * TCP and UDP only: nsg_crule_match)? */
static bool rule_in_class(const struct nsg_crule *r, int proto)
{
    if (r->tcpudp_only && !nsg_proto_has_ports(proto))
        return false;
    return r->proto == NSG_PROTO_ANY || r->proto == proto;
}

/* First-match evaluation of one level over the remote addresses in, for
 * the cell (proto, sport, dport) and platform class cls (only the rules
 * naming its tag count; none matching allows).  remote: 0 = source
 * (inbound), 1 = dest. */
static void level_eval(const struct level *l, enum nsg_platform cls,
                       int proto, unsigned s, unsigned d, int remote,
                       const struct nsg_addrset *in, struct nsg_addrset *A,
                       struct nsg_addrset *U, const char **tag)
{
    struct nsg_addrset rem = NSG_ADDRSET_INIT, m = NSG_ADDRSET_INIT;
    bool ports = nsg_proto_has_ports(proto);

    nsg_addrset_copy(&rem, in);
    nsg_addrset_clear(A);
    nsg_addrset_clear(U);
    for (size_t i = 0; i < l->n && rem.n; i++) {
        const struct nsg_crule *r = l->f[i].r;
        const struct nsg_addrset *side = remote ? &r->dst : &r->src;
        const char *side_unknown = remote ? r->dst_unknown : r->src_unknown;
        if (!rule_in_class(r, proto) || !nsg_crule_considered(r, cls))
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
    /* rem: no considered rule matched: a platform class is allowed (the
     * platform decides); ordinary traffic only without default rules:
     * denied */
    if (cls != NSG_PLAT_NONE)
        nsg_addrset_union(A, &rem);
    nsg_addrset_release(&rem);
    nsg_addrset_release(&m);
}

/* The remote addresses in through every NSG level for class cls: the
 * allowed ones added to A, the undecidable ones to U. */
static void levels_eval(const struct cell *c, const struct level *lv,
                        size_t nl, enum nsg_platform cls, int remote,
                        const struct nsg_addrset *in, struct nsg_addrset *A,
                        struct nsg_addrset *U, const char **tag)
{
    struct nsg_addrset a = NSG_ADDRSET_INIT, u = NSG_ADDRSET_INIT,
                       allow = NSG_ADDRSET_INIT, denied = NSG_ADDRSET_INIT,
                       tmp = NSG_ADDRSET_INIT;

    nsg_addrset_copy(&allow, in);
    for (size_t l = 0; l < nl; l++) {
        level_eval(&lv[l], cls, c->proto, c->s.lo, c->d.lo, remote, in, &a,
                   &u, tag);
        /* denied at this level: in \ (a u u) */
        nsg_addrset_copy(&tmp, in);
        nsg_addrset_subtract(&tmp, &a);
        nsg_addrset_subtract(&tmp, &u);
        nsg_addrset_union(&denied, &tmp);
        nsg_map_addrset_and(&tmp, &allow, &a);
        nsg_addrset_copy(&allow, &tmp);
    }
    nsg_addrset_union(A, &allow);
    nsg_addrset_copy(&tmp, in);
    nsg_addrset_subtract(&tmp, &allow);
    nsg_addrset_subtract(&tmp, &denied);
    nsg_addrset_union(U, &tmp);
    nsg_addrset_release(&a);
    nsg_addrset_release(&u);
    nsg_addrset_release(&allow);
    nsg_addrset_release(&denied);
    nsg_addrset_release(&tmp);
}

/* The security admin stage over the remote addresses in (ordinary
 * traffic), as nsg_admin_eval decides: a Deny adds nothing, an
 * AlwaysAllow adds to A, a rule that may not apply (or depends on an
 * unknown tag) to U, an Allow or no rule to pass (the NSGs decide). */
static void admin_eval(const struct level *adm, const struct cell *c,
                       int remote, const struct nsg_addrset *in,
                       struct nsg_addrset *A, struct nsg_addrset *U,
                       struct nsg_addrset *pass, const char **tag)
{
    struct nsg_addrset rem = NSG_ADDRSET_INIT, m = NSG_ADDRSET_INIT;
    bool ports = nsg_proto_has_ports(c->proto);

    nsg_addrset_copy(&rem, in);
    for (size_t i = 0; adm && i < adm->n && rem.n; i++) {
        const struct nsg_admin_crule *a = adm->f[i].a;
        const struct nsg_crule *r = &a->c;
        const struct nsg_addrset *side = remote ? &r->dst : &r->src;
        const char *side_unknown = remote ? r->dst_unknown : r->src_unknown;
        if (!rule_in_class(r, c->proto))
            continue;
        if (ports && (!ports_has(r->sports, r->n_sports, c->s.lo) ||
                      !ports_has(r->dports, r->n_dports, c->d.lo)))
            continue;
        /* its resolved remote side matches (for sure, or - when the
         * local side or the rule's application is unknown - maybe) */
        nsg_map_addrset_and(&m, &rem, side);
        nsg_addrset_subtract(&rem, &m);
        if (a->maybe || adm->f[i].maybe)
            nsg_addrset_union(U, &m);
        else if (a->ar->access == NSG_ADMIN_ALWAYS_ALLOW)
            nsg_addrset_union(A, &m);
        else if (a->ar->access == NSG_ADMIN_ALLOW)
            nsg_addrset_union(pass, &m);
        if (adm->f[i].maybe && !*tag)
            *tag = remote ? r->src_unknown : r->dst_unknown;
        if (side_unknown) { /* the rest of it cannot be told: first match */
            nsg_addrset_union(U, &rem);
            nsg_addrset_clear(&rem);
            if (!*tag)
                *tag = side_unknown;
        }
    }
    nsg_addrset_union(pass, &rem); /* no admin rule matched */
    nsg_addrset_release(&rem);
    nsg_addrset_release(&m);
}

/* Is the cell exactly a platform class's protocol and ports? */
static bool cell_is_platform(const struct cell *c,
                             const struct nsg_platform_def *d)
{
    if (!((d->udp && c->proto == NSG_PROTO_UDP) ||
          (d->tcp && c->proto == NSG_PROTO_TCP)))
        return false;
    if (d->sport >= 0 && (c->s.lo != d->sport || c->s.hi != d->sport))
        return false;
    for (size_t k = 0; k < d->n_dports; k++)
        if (c->d.lo == d->dports[k] && c->d.hi == d->dports[k])
            return true;
    return false;
}

/* Destinations the virtual network drops: multicast and broadcast. */
static void blocked_dsts(uint8_t fam, struct nsg_addrset *out)
{
    static const char *const v4[] = {"224.0.0.0/4", "255.255.255.255/32"};
    struct nsg_cidr cd;
    if (fam == 4) {
        for (size_t i = 0; i < 2; i++)
            if (!nsg_cidr_parse(v4[i], &cd))
                nsg_addrset_add_cidr(out, &cd);
    } else if (!nsg_cidr_parse("ff00::/8", &cd)) {
        nsg_addrset_add_cidr(out, &cd);
    }
}

/* The cell's answer through the stages (nsg_sim_eval_nic's order). */
static void cell_eval(struct cell *c, const struct level *lv, size_t nl,
                      const struct level *adm, bool kms_on, int remote,
                      uint8_t fam, const struct nsg_addrset *all,
                      const char **tag)
{
    struct nsg_addrset rest = NSG_ADDRSET_INIT, x = NSG_ADDRSET_INIT,
                       pass = NSG_ADDRSET_INIT;

    nsg_addrset_clear(&c->allow);
    nsg_addrset_clear(&c->unknown);
    if (c->proto == NSG_PROTO_GRE || c->proto == NSG_PROTO_IPIP)
        return; /* the virtual network drops them */
    nsg_addrset_copy(&rest, all);
    if (remote && fam == 4) { /* platform traffic (outbound), DHCP first */
        size_t nd;
        const struct nsg_platform_def *defs = nsg_platform_defs(&nd);
        for (size_t i = 0; i < nd; i++) {
            if ((defs[i].kms && !kms_on) || !cell_is_platform(c, &defs[i]))
                continue;
            nsg_addrset_clear(&x);
            for (size_t k = 0; k < defs[i].n_dst4; k++) {
                struct nsg_ip ip = {4, defs[i].dst4[k]};
                struct nsg_cidr cd = {4, 32, ip.v};
                if (nsg_addrset_contains(&rest, &ip))
                    nsg_addrset_add_cidr(&x, &cd);
            }
            levels_eval(c, lv, nl, defs[i].cls, remote, &x, &c->allow,
                        &c->unknown, tag);
            nsg_addrset_subtract(&rest, &x);
        }
    }
    if (remote) { /* multicast and broadcast destinations: dropped */
        nsg_addrset_clear(&x);
        blocked_dsts(fam, &x);
        nsg_addrset_subtract(&rest, &x);
    }
    admin_eval(adm, c, remote, &rest, &c->allow, &c->unknown, &pass, tag);
    levels_eval(c, lv, nl, NSG_PLAT_NONE, remote, &pass, &c->allow,
                &c->unknown, tag);
    nsg_addrset_release(&rest);
    nsg_addrset_release(&x);
    nsg_addrset_release(&pass);
}

/* ---- cells ------------------------------------------------------------- */

static int uint_cmp(const void *a, const void *b)
{
    unsigned x = *(const unsigned *)a, y = *(const unsigned *)b;
    return (x > y) - (x < y);
}

static void add_bound(unsigned **p, size_t *n, size_t *cap, unsigned lo,
                      unsigned hi)
{
    if (*n + 2 >= *cap) {
        *cap *= 2;
        *p = nsg_xrealloc(*p, *cap * sizeof(**p));
    }
    (*p)[(*n)++] = lo;
    (*p)[(*n)++] = hi + 1u;
}

/* Port atoms of the rules of a protocol class (levels and the admin stage;
 * with platform, the ports of the platform classes too): boundaries in pts
 * (pts[0] = 0, pts[n] = 65536); returns n. */
static size_t port_atoms(const struct level *lv, size_t nl, int proto, bool src,
                         bool platform, unsigned **pts)
{
    size_t n = 0, cap = 16;
    unsigned *p = nsg_xmalloc(cap * sizeof(*p));
    p[n++] = 0;
    if (platform) {
        size_t nd;
        const struct nsg_platform_def *d = nsg_platform_defs(&nd);
        for (size_t i = 0; i < nd; i++) {
            if (!((d[i].udp && proto == NSG_PROTO_UDP) ||
                  (d[i].tcp && proto == NSG_PROTO_TCP)))
                continue;
            if (src && d[i].sport >= 0)
                add_bound(&p, &n, &cap, (unsigned)d[i].sport,
                          (unsigned)d[i].sport);
            for (size_t k = 0; !src && k < d[i].n_dports; k++)
                add_bound(&p, &n, &cap, d[i].dports[k], d[i].dports[k]);
        }
    }
    for (size_t l = 0; l < nl; l++)
        for (size_t i = 0; i < lv[l].n; i++) {
            const struct nsg_crule *r =
                lv[l].f[i].a ? &lv[l].f[i].a->c : lv[l].f[i].r;
            const struct nsg_portrange *pr = src ? r->sports : r->dports;
            size_t np = src ? r->n_sports : r->n_dports;
            if (!rule_in_class(r, proto))
                continue;
            for (size_t k = 0; k < np; k++)
                add_bound(&p, &n, &cap, pr[k].lo, pr[k].hi);
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

/* Cells over the levels lv[0..nl) (the admin stage among them); with
 * platform, cut at the platform classes' ports too. */
static GArray *make_cells(const struct nsg_map_net *n, const struct level *lv,
                          size_t nl, bool platform)
{
    GArray *cells = g_array_new(FALSE, FALSE, sizeof(struct cell));
    for (size_t k = 0; k <= n->n_named; k++) {
        int p = k < n->n_named ? n->named[k] : NSG_MAP_PROTO_OTHER;
        if (!nsg_proto_has_ports(p)) {
            add_cell(cells, p, 0, 65535, 0, 65535);
            continue;
        }
        unsigned *sp, *dp;
        size_t ns = port_atoms(lv, nl, p, true, platform, &sp);
        size_t nd = port_atoms(lv, nl, p, false, platform, &dp);
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

/* Does rule r match (true) or may match (*maybe) the local address? */
static bool local_match(const struct nsg_crule *r, enum nsg_dir dir,
                        const struct nsg_ip *ip, bool *maybe)
{
    const struct nsg_addrset *local = dir == NSG_DIR_IN ? &r->dst : &r->src;
    const char *unk = dir == NSG_DIR_IN ? r->dst_unknown : r->src_unknown;
    bool in = nsg_addrset_contains(local, ip);
    *maybe = !in;
    return in || unk;
}

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
        bool maybe;
        if (!local_match(r, dir, ip, &maybe))
            continue;
        l->f[l->n].r = r;
        l->f[l->n].maybe = maybe;
        l->n++;
        g_string_append_printf(key, "%zu%c,", i, maybe ? '?' : 'm');
    }
}

/* The same for the admin stage's rules. */
static void filter_admin(const struct nsg_admin_stage *st, enum nsg_dir dir,
                         const struct nsg_ip *ip, struct level *l, GString *key)
{
    int d = dir == NSG_DIR_OUT;
    l->f = nsg_xcalloc(st->n[d] + 1, sizeof(*l->f));
    l->n = 0;
    g_string_append_printf(key, "|a%p:", (const void *)st);
    for (size_t i = 0; i < st->n[d]; i++) {
        const struct nsg_admin_crule *a = &st->rules[d][i];
        bool maybe;
        if (!local_match(&a->c, dir, ip, &maybe))
            continue;
        l->f[l->n].r = &a->c;
        l->f[l->n].a = a;
        l->f[l->n].maybe = maybe;
        l->n++;
        g_string_append_printf(key, "%zu%c,", i, maybe ? '?' : 'm');
    }
}

nsg_rc nsg_map_side_get(struct nsg_map_net *n, struct nsg_map_addr *a,
                        enum nsg_dir dir, bool admin,
                        const struct nsg_map_side **out, struct nsg_err *err)
{
    const struct nsg_nic *nic = n->nics[a->nic].nic;
    struct nsg_nic_plan pl;
    struct level lv[3]; /* the NSG levels in evaluation order, then admin */
    size_t nl = 0;
    bool has_admin = false;
    GString *key = g_string_new(NULL);
    /* the plan the simulator uses for this address (its ip configuration:
     * subnet, NSGs after the private endpoint policy, KMS, admin stage) */
    nsg_rc rc = nsg_sim_nic_plan(n->sim, nic, a->ic, &pl, err);

    g_string_append_printf(key, "%d%c%c", a->ip.family,
                           dir == NSG_DIR_IN ? 'i' : 'o', pl.kms_on ? 'k' : '-');
    /* evaluation order: inbound subnet then NIC, outbound NIC then subnet */
    for (int k = 0; k < 2 && !rc; k++) {
        int i = dir == NSG_DIR_OUT ? 1 - k : k;
        if (pl.cnsg[i])
            filter_rules(pl.cnsg[i], dir, &a->ip, &lv[nl++], key);
    }
    if (!rc && pl.admin && admin) {
        filter_admin(pl.admin, dir, &a->ip, &lv[nl], key);
        has_admin = true;
    }
    if (!rc) {
        struct nsg_map_side *side = g_hash_table_lookup(n->sides, key->str);
        if (!side) {
            struct nsg_addrset all = NSG_ADDRSET_INIT;
            const char *tag = NULL;
            GArray *cells = make_cells(n, lv, nl + has_admin,
                                       dir == NSG_DIR_OUT);
            nsg_addrset_add_all(&all, a->ip.family);
            for (guint i = 0; i < cells->len; i++)
                cell_eval(&g_array_index(cells, struct cell, i), lv, nl,
                          has_admin ? &lv[nl] : NULL, pl.kms_on,
                          dir == NSG_DIR_OUT, a->ip.family, &all, &tag);
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
        *out = side;
    }
    for (size_t i = 0; i < nl + has_admin; i++)
        free(lv[i].f);
    g_string_free(key, TRUE);
    return rc;
}
