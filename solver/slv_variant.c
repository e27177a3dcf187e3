/* slv_variant.c - the encoding with some of nsgproof's ideas switched off,
 * for the benchmark's baseline and ablation rows (nsg_slv_set_encoding):
 * address prefixes compared with a 32-bit (IPv4) or 128-bit (IPv6) mask,
 * (addr & mask) == net, instead of extracting the prefix bits; terms built
 * per rule from what it says, nothing cached or normalized, instead of
 * every distinct address set, port set and protocol test built once
 * (hash-consed, port lists sorted and merged); and first match as one
 * if-then-else per rule instead of one per block of rules of the same
 * access.  With all three off this is the plain first-match encoding a
 * user would write (terms shared by Z3's own hash-consing, built once per
 * NSG).  Answers are the same in every variant (the benchmark checks). */
#include <stdlib.h>
#include <string.h>

#include "slv_int.h"

void nsg_slv_set_encoding(struct nsg_slv *s, unsigned without)
{
    s->enc_without = without;
}

/* One range over x (BV128), prefixes as (x & mask) == net. */
static Z3_ast range_mask(struct nsg_slv *s, Z3_ast x, const struct nsg_range *r)
{
    unsigned bits = r->family == 6 ? 128 : 32;
    Z3_ast fam = nsg_slv_family(s, r->family);
    Z3_ast v = bits == 128 ? x : nsg_slv_mk_extract(s, 31, 0, x);
    nsg_u128 size = r->hi - r->lo, all = bits == 128 ? ~(nsg_u128)0
                                                     : (((nsg_u128)1) << 32) - 1;
    if (size == all)
        return fam;
    if (!(size & (size + 1)) && !(r->lo & size)) { /* a prefix */
        Z3_ast and = Z3_mk_bvand(s->z, v, nsg_slv_num(s, all & ~size, bits));
        if (!and)
            nsg_slv_fail(s, "Z3 built no term");
        return nsg_slv_and2(
            s, fam, nsg_slv_mk_eq(s, and, nsg_slv_num(s, r->lo, bits)));
    }
    Z3_ast b[3] = {fam, nsg_slv_mk_bvuge(s, v, nsg_slv_num(s, r->lo, bits)),
                   nsg_slv_mk_bvule(s, v, nsg_slv_num(s, r->hi, bits))};
    return nsg_slv_andv(s, b, 3);
}

static Z3_ast addrs(struct nsg_slv *s, enum nsg_slv_side side,
                    const struct nsg_addrset *set)
{
    if (!(s->enc_without & (NSG_SLV_NO_EXTRACT | NSG_SLV_NO_HASHCONS)))
        return nsg_slv_addrset(s, side, set);
    Z3_ast x = side == NSG_SLV_SRC ? s->pkt.src : s->pkt.dst;
    Z3_ast *v = nsg_xcalloc(set->n + 1, sizeof(*v));
    for (size_t i = 0; i < set->n; i++)
        v[i] = s->enc_without & NSG_SLV_NO_EXTRACT
                   ? range_mask(s, x, &set->r[i])
                   : nsg_slv_range_term(s, x, &set->r[i]);
    Z3_ast r = nsg_slv_orv(s, v, set->n);
    free(v);
    return r;
}

/* Port ranges as the rule gives them (not sorted, merged or cached). */
static Z3_ast ports(struct nsg_slv *s, enum nsg_slv_side side,
                    const struct nsg_portrange *r, size_t n)
{
    if (!(s->enc_without & NSG_SLV_NO_HASHCONS))
        return nsg_slv_ports(s, side, r, n);
    Z3_ast x = side == NSG_SLV_SRC ? s->pkt.sport : s->pkt.dport;
    Z3_ast *v = nsg_xcalloc(n + 1, sizeof(*v));
    for (size_t i = 0; i < n; i++) {
        if (r[i].lo == 0 && r[i].hi == 65535)
            v[i] = s->t;
        else if (r[i].lo == r[i].hi)
            v[i] = nsg_slv_mk_eq(s, x, nsg_slv_num(s, r[i].lo, 16));
        else
            v[i] = nsg_slv_and2(
                s, nsg_slv_mk_bvuge(s, x, nsg_slv_num(s, r[i].lo, 16)),
                nsg_slv_mk_bvule(s, x, nsg_slv_num(s, r[i].hi, 16)));
    }
    Z3_ast res = nsg_slv_orv(s, v, n);
    free(v);
    return res;
}

nsg_rc nsg_slv_match(struct nsg_slv *s, const struct nsg_crule *r, Z3_ast *out,
                     struct nsg_err *err)
{
    if (!(s->enc_without & (NSG_SLV_NO_EXTRACT | NSG_SLV_NO_HASHCONS)))
        return nsg_slv_crule_match(s, r, out, err);
    /* as nsg_slv_crule_match, with the pieces above */
    Z3_ast sp = ports(s, NSG_SLV_SRC, r->sports, r->n_sports);
    Z3_ast dp = ports(s, NSG_SLV_DST, r->dports, r->n_dports);
    Z3_ast pp = nsg_slv_and2(s, sp, dp);
    Z3_ast parts[4] = {
        r->proto == NSG_PROTO_ANY
            ? s->t
            : nsg_slv_mk_eq(s, s->pkt.proto,
                            nsg_slv_num(s, (nsg_u128)(r->proto & 255), 8)),
        addrs(s, NSG_SLV_SRC, &r->src), addrs(s, NSG_SLV_DST, &r->dst), s->t};
    if (r->src_unknown)
        parts[1] =
            nsg_slv_or2(s, parts[1], nsg_slv_mk_fresh_bool(s, "tag_src"));
    if (r->dst_unknown)
        parts[2] =
            nsg_slv_or2(s, parts[2], nsg_slv_mk_fresh_bool(s, "tag_dst"));
    if (r->tcpudp_only) /* "*" with narrow ports: TCP and UDP only (R2) */
        parts[3] = nsg_slv_and2(s, nsg_slv_has_ports(s), pp);
    else if (pp != s->t)
        parts[3] = r->proto == NSG_PROTO_TCP || r->proto == NSG_PROTO_UDP
                       ? pp
                       : nsg_slv_mk_implies(s, nsg_slv_has_ports(s), pp);
    *out = nsg_slv_andv(s, parts, 4);
    return nsg_slv_z3_status(s, "encoding a rule", err);
}

/* Fold one block (the OR of its rules' matches, access acc) in front of
 * `allow`. */
static Z3_ast block(struct nsg_slv *s, Z3_ast blk, enum nsg_access acc,
                    Z3_ast allow)
{
    Z3_ast val = acc == NSG_ALLOW ? s->t : s->f;
    if (allow == val || blk == s->f)
        return allow;
    if (blk == s->t)
        return val;
    return acc == NSG_ALLOW ? nsg_slv_or2(s, blk, allow)
                            : nsg_slv_and2(s, nsg_slv_not(s, blk), allow);
}

void nsg_slv_first_match(struct nsg_slv *s, const struct nsg_cnsg *c,
                         enum nsg_dir dir, const bool *keep, Z3_ast dom,
                         struct nsg_slv_nsg *d, Z3_ast *rule_chain)
{
    size_t n = c->n[dir];
    const struct nsg_crule *r = c->rules[dir];
    Z3_ast *m = d->matches[dir];
    Z3_ast allow = s->f, chain = nsg_slv_num(s, n, 16);
    Z3_ast *blk = nsg_xcalloc(n + 1, sizeof(Z3_ast));
    size_t nb = 0;
    enum nsg_access acc = NSG_ALLOW;
    bool per_rule = s->enc_without & NSG_SLV_NO_BLOCKS;
    for (size_t i = n; i-- > 0;) {
        if (keep && !keep[i])
            continue;
        if (m[i] != s->f)
            chain = nsg_slv_mk_ite(s, m[i], nsg_slv_num(s, i, 16), chain);
        if (per_rule) { /* one if-then-else per rule */
            allow = nsg_slv_mk_ite(s, m[i],
                                   r[i].access == NSG_ALLOW ? s->t : s->f,
                                   allow);
            continue;
        }
        if (nb && r[i].access != acc) {
            allow = block(s, nsg_slv_orv(s, blk, nb), acc, allow);
            nb = 0;
        }
        acc = r[i].access;
        blk[nb++] = m[i];
    }
    if (nb)
        allow = block(s, nsg_slv_orv(s, blk, nb), acc, allow);
    free(blk);
    d->allow_dir[dir] = dom ? nsg_slv_and2(s, dom, allow) : allow;
    *rule_chain = chain;
    /* fires: in direction dir (and dom), the first rule matching */
    free(d->fires[dir]);
    d->fires[dir] = nsg_xcalloc(n + 1, sizeof(Z3_ast));
    Z3_ast none_before = nsg_slv_dir(s, dir);
    if (dom)
        none_before = nsg_slv_and2(s, none_before, dom);
    for (size_t i = 0; i < n; i++) {
        if (keep && !keep[i]) {
            d->fires[dir][i] = s->f;
            continue;
        }
        d->fires[dir][i] = nsg_slv_and2(s, none_before, m[i]);
        none_before = nsg_slv_and2(s, none_before, nsg_slv_not(s, m[i]));
    }
    d->fires_none[dir] = none_before;
    /* ordinary traffic only (no platform stage): what diff compares when
     * no rule names a platform tag */
    d->plain_dir[dir] = d->allow_dir[dir];
    d->plat_used[dir] = 0;
    d->kms_on = true;
}

nsg_rc nsg_slv_encode_variant(struct nsg_slv *s, const struct nsg_cnsg *c,
                              struct nsg_err *err)
{
    Z3_ast chain[2];
    nsg_rc rc = NSG_OK;
    if (g_hash_table_lookup(s->decisions, c))
        return NSG_OK;
    if (s->depth)
        return nsg_err_set(err, NSG_E_INTERNAL,
                           "solver: an encoding asked for inside a solver "
                           "scope (internal)");
    struct nsg_slv_nsg *d = nsg_xcalloc(1, sizeof(*d));
    d->c = c;
    for (int dir = 0; dir < 2 && !rc; dir++) {
        d->n[dir] = c->n[dir];
        d->matches[dir] = nsg_xcalloc(c->n[dir] + 1, sizeof(Z3_ast));
        for (size_t i = 0; i < c->n[dir] && !rc; i++)
            rc = nsg_slv_match(s, &c->rules[dir][i], &d->matches[dir][i], err);
        if (!rc)
            nsg_slv_first_match(s, c, (enum nsg_dir)dir, NULL, NULL, d,
                                &chain[dir]);
    }
    if (!rc) {
        d->allow = nsg_slv_mk_ite(s, s->pkt.out, d->allow_dir[NSG_DIR_OUT],
                                  d->allow_dir[NSG_DIR_IN]);
        d->rule = nsg_slv_mk_ite(s, s->pkt.out, chain[NSG_DIR_OUT],
                                 chain[NSG_DIR_IN]);
        rc = nsg_slv_z3_status(s, "encoding an NSG", err);
    }
    if (rc) {
        for (int i = 0; i < 2; i++) {
            free(d->matches[i]);
            free(d->fires[i]);
        }
        free(d);
        return rc;
    }
    g_hash_table_insert(s->decisions, (gpointer)c, d);
    return NSG_OK;
}
