/* slv_encode.c - the compact encoding: the packet's domain constraint,
 * address sets as masked prefix comparisons (or bounds for ranges that are
 * not one prefix), port sets as bounds, every distinct set built once per
 * context, and first-match as a chain over blocks of consecutive rules of
 * the same access. */
#include <stdlib.h>
#include <string.h>

#include "slv_int.h"

/* Keep a lazily made term of s only when it was made at depth 0. */
Z3_ast nsg_slv_keep_at_top(struct nsg_slv *s, Z3_ast *slot, Z3_ast v)
{
    if (s->depth == 0 && !s->failed)
        *slot = v;
    return v;
}

Z3_ast nsg_slv_has_ports(struct nsg_slv *s)
{
    if (s->has_ports)
        return s->has_ports;
    return nsg_slv_keep_at_top(s, &s->has_ports,
                       nsg_slv_or2(s, nsg_slv_proto(s, NSG_PROTO_TCP),
                                   nsg_slv_proto(s, NSG_PROTO_UDP)));
}

/* Addresses no packet of a virtual network carries, as source or
 * destination: "this" network 0/8, loopback, multicast and reserved
 * 224/3 (broadcast 255.255.255.255 included); for IPv6 ::/8 (unspecified,
 * loopback, IPv4-compatible and -mapped) and multicast ff00::/8.  The
 * virtual network drops multicast and broadcast whatever NSGs say. */
const struct nsg_addrset *nsg_slv_not_unicast(void)
{
    static struct nsg_addrset set = NSG_ADDRSET_INIT;
    static gsize done;
    if (g_once_init_enter(&done)) {
        static const char *const bad[] = {"0.0.0.0/8", "127.0.0.0/8",
                                          "224.0.0.0/3", "::/8", "ff00::/8"};
        struct nsg_cidr c;
        for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++)
            if (!nsg_cidr_parse(bad[i], &c))
                nsg_addrset_add_cidr(&set, &c);
        g_once_init_leave(&done, 1);
    }
    return &set;
}

Z3_ast nsg_slv_pkt_domain(struct nsg_slv *s)
{
    if (s->domain)
        return s->domain;
    const struct nsg_addrset *bad = nsg_slv_not_unicast();
    Z3_ast zero96 = nsg_slv_num(s, 0, 96);
    Z3_ast v4[2] = {
        nsg_slv_mk_eq(s, nsg_slv_mk_extract(s, 127, 32, s->pkt.src), zero96),
        nsg_slv_mk_eq(s, nsg_slv_mk_extract(s, 127, 32, s->pkt.dst), zero96)};
    Z3_ast noports[2] = {nsg_slv_mk_eq(s, s->pkt.sport, nsg_slv_num(s, 0, 16)),
                         nsg_slv_mk_eq(s, s->pkt.dport, nsg_slv_num(s, 0, 16))};
    Z3_ast parts[4] = {nsg_slv_mk_implies(s, nsg_slv_not(s, s->pkt.is6),
                                          nsg_slv_andv(s, v4, 2)),
                       nsg_slv_mk_implies(s,
                                          nsg_slv_not(s, nsg_slv_has_ports(s)),
                                          nsg_slv_andv(s, noports, 2)),
                       nsg_slv_not(s, nsg_slv_addrset(s, NSG_SLV_SRC, bad)),
                       nsg_slv_not(s, nsg_slv_addrset(s, NSG_SLV_DST, bad))};
    return nsg_slv_keep_at_top(s, &s->domain, nsg_slv_andv(s, parts, 4));
}

Z3_ast nsg_slv_family(struct nsg_slv *s, int fam)
{
    return fam == 6 ? s->pkt.is6 : nsg_slv_not(s, s->pkt.is6);
}

Z3_ast nsg_slv_dir(struct nsg_slv *s, enum nsg_dir d)
{
    return d == NSG_DIR_OUT ? s->pkt.out : nsg_slv_not(s, s->pkt.out);
}

/* Length of the prefix that is exactly [lo, hi], or -1. */
static int range_prefix_len(nsg_u128 lo, nsg_u128 hi, unsigned bits)
{
    nsg_u128 size = hi - lo; /* 2^k - 1 when a prefix */
    if (size & (size + 1))
        return -1;
    unsigned k = 0;
    while (k < bits && ((size >> k) & 1))
        k++;
    if (k < bits && (lo & ((((nsg_u128)1) << k) - 1)))
        return -1;
    return (int)(bits - k);
}

/* One range of one family over the address variable x (BV128). */
static Z3_ast range_term(struct nsg_slv *s, Z3_ast x, const struct nsg_range *r)
{
    unsigned bits = r->family == 6 ? 128 : 32;
    Z3_ast fam = nsg_slv_family(s, r->family);
    int len = range_prefix_len(r->lo, r->hi, bits);
    if (len == 0)
        return fam;
    if (len > 0) {
        /* Prefix: the top len bits equal the network's (masked compare). */
        unsigned lowbit = bits - (unsigned)len;
        Z3_ast top = nsg_slv_mk_extract(s, bits - 1, lowbit, x);
        Z3_ast eq = nsg_slv_mk_eq(
            s, top, nsg_slv_num(s, r->lo >> lowbit, (unsigned)len));
        return nsg_slv_and2(s, fam, eq);
    }
    Z3_ast v = bits == 128 ? x : nsg_slv_mk_extract(s, 31, 0, x);
    Z3_ast b[3] = {fam, nsg_slv_mk_bvuge(s, v, nsg_slv_num(s, r->lo, bits)),
                   nsg_slv_mk_bvule(s, v, nsg_slv_num(s, r->hi, bits))};
    return nsg_slv_andv(s, b, 3);
}

static GBytes *ranges_key(const struct nsg_addrset *set)
{
    size_t n = set->n * 33;
    uint8_t *k = nsg_xmalloc(n ? n : 1);
    for (size_t i = 0; i < set->n; i++) {
        k[i * 33] = set->r[i].family;
        memcpy(k + i * 33 + 1, &set->r[i].lo, 16);
        memcpy(k + i * 33 + 17, &set->r[i].hi, 16);
    }
    return g_bytes_new_take(k, n);
}

Z3_ast nsg_slv_addrset(struct nsg_slv *s, enum nsg_slv_side side,
                       const struct nsg_addrset *set)
{
    GBytes *key = ranges_key(set);
    Z3_ast r = g_hash_table_lookup(s->addr_cache[side], key);
    if (r) {
        g_bytes_unref(key);
        return r;
    }
    Z3_ast x = side == NSG_SLV_SRC ? s->pkt.src : s->pkt.dst;
    Z3_ast *v = nsg_xmalloc((set->n ? set->n : 1) * sizeof(*v));
    for (size_t i = 0; i < set->n; i++)
        v[i] = range_term(s, x, &set->r[i]);
    r = nsg_slv_orv(s, v, set->n);
    free(v);
    nsg_slv_cache_put(s, s->addr_cache[side], key, r,
                      (GDestroyNotify)g_bytes_unref);
    return r;
}

static int cmp_port(const void *a, const void *b)
{
    const struct nsg_portrange *x = a, *y = b;
    return x->lo != y->lo ? (x->lo < y->lo ? -1 : 1)
                          : (x->hi < y->hi ? -1 : x->hi > y->hi);
}

Z3_ast nsg_slv_ports(struct nsg_slv *s, enum nsg_slv_side side,
                     const struct nsg_portrange *r, size_t n)
{
    /* Normalize: sorted, merged, so equal sets share one term. */
    struct nsg_portrange *m = nsg_xmalloc((n ? n : 1) * sizeof(*m));
    size_t k = 0;
    if (n)
        memcpy(m, r, n * sizeof(*m));
    qsort(m, n, sizeof(*m), cmp_port);
    for (size_t i = 0; i < n; i++) {
        if (k && (unsigned)m[i].lo <= (unsigned)m[k - 1].hi + 1) {
            if (m[i].hi > m[k - 1].hi)
                m[k - 1].hi = m[i].hi;
        } else {
            m[k++] = m[i];
        }
    }
    GBytes *key = g_bytes_new(m, k * sizeof(*m));
    Z3_ast res = g_hash_table_lookup(s->port_cache[side], key);
    if (res) {
        g_bytes_unref(key);
        free(m);
        return res;
    }
    Z3_ast x = side == NSG_SLV_SRC ? s->pkt.sport : s->pkt.dport;
    Z3_ast *v = nsg_xmalloc((k ? k : 1) * sizeof(*v));
    for (size_t i = 0; i < k; i++) {
        if (m[i].lo == 0 && m[i].hi == 65535)
            v[i] = s->t;
        else if (m[i].lo == m[i].hi)
            v[i] = nsg_slv_mk_eq(s, x, nsg_slv_num(s, m[i].lo, 16));
        else if (m[i].lo == 0)
            v[i] = nsg_slv_mk_bvule(s, x, nsg_slv_num(s, m[i].hi, 16));
        else if (m[i].hi == 65535)
            v[i] = nsg_slv_mk_bvuge(s, x, nsg_slv_num(s, m[i].lo, 16));
        else
            v[i] = nsg_slv_and2(
                s, nsg_slv_mk_bvuge(s, x, nsg_slv_num(s, m[i].lo, 16)),
                nsg_slv_mk_bvule(s, x, nsg_slv_num(s, m[i].hi, 16)));
    }
    res = nsg_slv_orv(s, v, k);
    free(v);
    free(m);
    nsg_slv_cache_put(s, s->port_cache[side], key, res,
                      (GDestroyNotify)g_bytes_unref);
    return res;
}

Z3_ast nsg_slv_proto(struct nsg_slv *s, int proto)
{
    if (proto == NSG_PROTO_ANY)
        return s->t;
    if (proto < 0 || proto > 255)
        return s->f;
    Z3_ast r = g_hash_table_lookup(s->proto_cache, GINT_TO_POINTER(proto + 1));
    if (!r) {
        r = nsg_slv_mk_eq(s, s->pkt.proto, nsg_slv_num(s, (nsg_u128)proto, 8));
        nsg_slv_cache_put(s, s->proto_cache, GINT_TO_POINTER(proto + 1), r,
                          NULL);
    }
    return r;
}

nsg_rc nsg_slv_crule_match(struct nsg_slv *s, const struct nsg_crule *r,
                           Z3_ast *out, struct nsg_err *err)
{
    Z3_ast sp = nsg_slv_ports(s, NSG_SLV_SRC, r->sports, r->n_sports);
    Z3_ast dp = nsg_slv_ports(s, NSG_SLV_DST, r->dports, r->n_dports);
    Z3_ast ports = nsg_slv_and2(s, sp, dp);
    Z3_ast parts[4] = {nsg_slv_proto(s, r->proto),
                       nsg_slv_addrset(s, NSG_SLV_SRC, &r->src),
                       nsg_slv_addrset(s, NSG_SLV_DST, &r->dst), s->t};
    /* A side naming a tag that is not known: its membership is a fresh,
     * unconstrained Boolean.  That over-approximates every possible content
     * of the tag, so an unsat answer holds whatever the tag holds; a model
     * that relies on it is caught when replayed through the simulator
     * (which answers unknown) and reported as depending on the tag. */
    if (r->src_unknown)
        parts[1] =
            nsg_slv_or2(s, parts[1], nsg_slv_mk_fresh_bool(s, "tag_src"));
    if (r->dst_unknown)
        parts[2] = nsg_slv_or2(s, parts[2], nsg_slv_mk_fresh_bool(s, "tag_dst"));
    if (r->tcpudp_only) {
        /* "*" with narrow ports: TCP and UDP only (R2) */
        parts[3] = nsg_slv_and2(s, nsg_slv_has_ports(s), ports);
    } else if (ports != s->t) {
        /* Ports constrain only TCP and UDP.  A rule for Tcp or Udp alone
         * needs no protocol test on the port part. */
        if (r->proto == NSG_PROTO_TCP || r->proto == NSG_PROTO_UDP)
            parts[3] = ports;
        else
            parts[3] = nsg_slv_mk_implies(s, nsg_slv_has_ports(s), ports);
    }
    *out = nsg_slv_andv(s, parts, 4);
    return nsg_slv_z3_status(s, "encoding a rule", err);
}

/* Is rule r considered for the packet's platform class? */
static Z3_ast considered(struct nsg_slv *s, const struct nsg_crule *r,
                         bool kms_on)
{
    Z3_ast v[NSG_PLAT_COUNT];
    size_t n = 0;
    v[n++] = nsg_slv_platform_none(s, kms_on);
    for (int c = 1; c < NSG_PLAT_COUNT; c++)
        if ((r->plat_tags >> c) & 1u)
            v[n++] = nsg_slv_platform(s, (enum nsg_platform)c, kms_on);
    return nsg_slv_orv(s, v, n);
}

/* First match over the rules of direction dir selected by `sel` (every
 * rule when sel < 0, else those naming platform class sel's tag), with
 * `fallback` when none matches.  Consecutive selected rules of the same
 * access form a block: the first match inside a block decides the block's
 * access, so allow = ite(block1, acc1, ite(block2, acc2, ...)) has one
 * level per access change instead of one per rule. */
static Z3_ast first_match(struct nsg_slv *s, const struct nsg_slv_nsg *d,
                          enum nsg_dir dir, int sel, Z3_ast fallback)
{
    const struct nsg_crule *r = d->c->rules[dir];
    Z3_ast *m = d->matches[dir];
    Z3_ast *blkv = nsg_xcalloc(d->n[dir] + 1, sizeof(Z3_ast));
    Z3_ast allow = fallback;
    size_t end = d->n[dir];
    while (end > 0) {
        size_t nb = 0, beg = end;
        enum nsg_access acc = NSG_ALLOW;
        bool any = false;
        /* the block ending at end-1: selected rules of one access */
        while (beg > 0) {
            const struct nsg_crule *x = &r[beg - 1];
            if (sel >= 0 && !((x->plat_tags >> sel) & 1u)) {
                beg--;
                continue;
            }
            if (any && x->access != acc)
                break;
            acc = x->access;
            any = true;
            blkv[nb++] = m[--beg];
        }
        end = beg;
        if (!any)
            break;
        Z3_ast blk = nsg_slv_orv(s, blkv, nb);
        Z3_ast val = acc == NSG_ALLOW ? s->t : s->f;
        if (allow == val)
            ;
        else if (blk == s->t)
            allow = val;
        else if (blk != s->f)
            allow = acc == NSG_ALLOW ? nsg_slv_or2(s, blk, allow)
                                     : nsg_slv_and2(s, nsg_slv_not(s, blk), allow);
    }
    free(blkv);
    return allow;
}

/* The decision of one direction with the platform stage factored out:
 * ordinary traffic meets every rule (the plain first match), platform
 * class c only the rules naming its tag (allowed when none matches),
 * traffic the VNet drops is denied:
 *   allow = ite(none, plain, ite(c1, first-match-c1, ... ite(c_k, ..., F)))
 * A rule of an NSG that names no platform tag costs nothing more than
 * before. */
static void decide_dir(struct nsg_slv *s, struct nsg_slv_nsg *d,
                       enum nsg_dir dir)
{
    size_t n = d->n[dir];
    bool kms = d->kms_on;
    Z3_ast none = nsg_slv_platform_none(s, kms);
    unsigned used = 0; /* platform classes some rule names */
    for (size_t i = 0; i < n; i++)
        used |= d->c->rules[dir][i].plat_tags;
    /* platform traffic: allowed unless a rule naming its tag decides */
    Z3_ast plat = nsg_slv_platform_any(s, kms);
    for (int c = 1; c < NSG_PLAT_COUNT; c++)
        if ((used >> c) & 1u)
            plat = nsg_slv_mk_ite(s, nsg_slv_platform(s, (enum nsg_platform)c, kms),
                             first_match(s, d, dir, c, s->t), plat);
    d->plain_dir[dir] = first_match(s, d, dir, -1, s->f);
    d->plat_used[dir] = used;
    d->allow_dir[dir] = nsg_slv_mk_ite(s, none, d->plain_dir[dir], plat);
    /* fires: the rule decides (as the first match of ordinary traffic, or
     * of the rules naming the packet's platform class) */
    Z3_ast dirt = nsg_slv_dir(s, dir);
    Z3_ast plain_before = dirt, tag_before[NSG_PLAT_COUNT];
    for (int c = 0; c < NSG_PLAT_COUNT; c++)
        tag_before[c] = dirt;
    for (size_t i = 0; i < n; i++) {
        const struct nsg_crule *r = &d->c->rules[dir][i];
        Z3_ast m = d->matches[dir][i];
        Z3_ast v[NSG_PLAT_COUNT + 1];
        size_t k = 0;
        v[k++] = nsg_slv_and2(s, none, nsg_slv_and2(s, plain_before, m));
        plain_before = nsg_slv_and2(s, plain_before, nsg_slv_not(s, m));
        for (int c = 1; c < NSG_PLAT_COUNT; c++)
            if ((r->plat_tags >> c) & 1u) {
                Z3_ast cls = nsg_slv_platform(s, (enum nsg_platform)c, kms);
                v[k++] = nsg_slv_and2(s, cls, nsg_slv_and2(s, tag_before[c], m));
                tag_before[c] = nsg_slv_and2(s, tag_before[c], nsg_slv_not(s, m));
            }
        d->fires[dir][i] = nsg_slv_orv(s, v, k);
    }
    /* no rule decides: ordinary traffic no rule matches (an NSG without
     * default rules), a platform class none of its tag rules matches, or
     * traffic the VNet drops */
    Z3_ast w[NSG_PLAT_COUNT + 1];
    size_t k = 0;
    w[k++] = nsg_slv_and2(s, none, plain_before);
    for (int c = 1; c < NSG_PLAT_COUNT; c++)
        w[k++] = nsg_slv_and2(s, nsg_slv_platform(s, (enum nsg_platform)c, kms),
                          tag_before[c]);
    d->fires_none[dir] = nsg_slv_orv(s, w, k);
}

/* The deciding rule's index for dir (n: none decides), the same cases. */
static Z3_ast rule_index_chain(struct nsg_slv *s, struct nsg_slv_nsg *d,
                               enum nsg_dir dir)
{
    size_t n = d->n[dir];
    bool kms = d->kms_on;
    Z3_ast none_idx = nsg_slv_num(s, n, 16);
    Z3_ast plat = none_idx;
    for (int c = 1; c < NSG_PLAT_COUNT; c++) {
        Z3_ast r = none_idx;
        bool any = false;
        for (size_t i = n; i-- > 0;)
            if ((d->c->rules[dir][i].plat_tags >> c) & 1u) {
                r = nsg_slv_mk_ite(s, d->matches[dir][i], nsg_slv_num(s, i, 16), r);
                any = true;
            }
        if (any)
            plat = nsg_slv_mk_ite(s, nsg_slv_platform(s, (enum nsg_platform)c, kms),
                             r, plat);
    }
    Z3_ast r = none_idx;
    for (size_t i = n; i-- > 0;)
        if (d->matches[dir][i] != s->f)
            r = nsg_slv_mk_ite(s, d->matches[dir][i], nsg_slv_num(s, i, 16), r);
    return nsg_slv_mk_ite(s, nsg_slv_platform_none(s, kms), r, plat);
}

nsg_rc nsg_slv_decide_kms(struct nsg_slv *s, const struct nsg_cnsg *c,
                          bool kms_on, const struct nsg_slv_nsg **out,
                          struct nsg_err *err)
{
    GHashTable *cache = kms_on ? s->decisions : s->decisions_nokms;
    struct nsg_slv_nsg *d = g_hash_table_lookup(cache, c);
    nsg_rc rc = nsg_slv_z3_status(s, "encoding an NSG", err);
    if (rc)
        return rc;
    if (d) {
        *out = d;
        return NSG_OK;
    }
    if (s->depth) /* it would not outlive the scope: slv_int.h */
        return nsg_err_set(err, NSG_E_INTERNAL,
                           "solver: an NSG's decision asked for inside a "
                           "solver scope (internal)");
    d = nsg_xcalloc(1, sizeof(*d));
    d->c = c;
    d->kms_on = kms_on;
    for (int dir = 0; dir < 2; dir++) {
        d->n[dir] = c->n[dir];
        d->matches[dir] = nsg_xcalloc(c->n[dir] + 1, sizeof(Z3_ast));
        d->eff[dir] = nsg_xcalloc(c->n[dir] + 1, sizeof(Z3_ast));
        d->fires[dir] = nsg_xcalloc(c->n[dir] + 1, sizeof(Z3_ast));
        for (size_t i = 0; i < c->n[dir]; i++) {
            const struct nsg_crule *r = &c->rules[dir][i];
            rc = nsg_slv_crule_match(s, r, &d->matches[dir][i], err);
            if (rc) {
                nsg_err_prefix(err, "NSG %s",
                               c->nsg && c->nsg->name ? c->nsg->name : "?");
                goto fail;
            }
            d->eff[dir][i] =
                nsg_slv_and2(s, d->matches[dir][i], considered(s, r, kms_on));
        }
        decide_dir(s, d, (enum nsg_dir)dir);
    }
    d->allow = nsg_slv_mk_ite(s, s->pkt.out, d->allow_dir[NSG_DIR_OUT],
                              d->allow_dir[NSG_DIR_IN]);
    d->rule = nsg_slv_mk_ite(s, s->pkt.out, rule_index_chain(s, d, NSG_DIR_OUT),
                             rule_index_chain(s, d, NSG_DIR_IN));
    rc = nsg_slv_z3_status(s, "encoding an NSG", err);
    if (rc)
        goto fail;
    g_hash_table_insert(cache, (gpointer)c, d);
    *out = d;
    return NSG_OK;
fail:
    nsg_slv_free_decision(d);
    return rc;
}

nsg_rc nsg_slv_decide(struct nsg_slv *s, const struct nsg_cnsg *c,
                      const struct nsg_slv_nsg **out, struct nsg_err *err)
{
    return nsg_slv_decide_kms(s, c, true, out, err);
}

Z3_ast nsg_slv_fires(struct nsg_slv *s, const struct nsg_slv_nsg *d,
                     enum nsg_dir dir, size_t i)
{
    (void)s;
    return d->fires[dir][i];
}

Z3_ast nsg_slv_range_term(struct nsg_slv *s, Z3_ast x, const struct nsg_range *r)
{
    return range_term(s, x, r);
}
