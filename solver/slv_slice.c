/* slv_slice.c - change slicing for diff.  Two NSGs being compared usually
 * share most rules (a proposed change against the current rules).  The
 * rules of each direction are aligned with a longest common subsequence
 * (Myers' O(ND) difference, rules compared exactly); what is not in it
 * are the changed rules.  A packet no changed rule matches meets, in A and
 * in B, the same common rules in the same order, so the first match - and
 * the decision - is the same: every difference lies where some changed
 * rule matches (D).  A rule that overlaps no changed rule (an exact
 * concrete test) cannot match a packet of D, so within D the first match
 * over the remaining rules is the first match over all of them.  diff then
 * asks its usual question (differences per pair of deciding rules, the
 * same witnesses asked for) over these sliced decisions: D and the first
 * match over the kept rules, with the deciding-rule terms (fires, rule
 * index) rebuilt over them; the regions are those of the full NSGs (they
 * all lie in D), and every witness is still replayed through the
 * simulator on the full NSGs.  Nothing is sliced when the rules differ
 * too much for it to pay (more than a quarter changed). */
#include <stdlib.h>
#include <string.h>

#include "slv_int.h"

/* Beyond this many changed rules per direction the slice is not made (the
 * edit script's trace is O(edits^2)). */
#define MAX_EDITS 512

/* A field added to compiled rules must be compared in crule_same: this
 * fails when struct nsg_crule grows past its last known field. */
_Static_assert(sizeof(struct nsg_crule) ==
                   offsetof(struct nsg_crule, plat_tags) + sizeof(unsigned),
               "struct nsg_crule changed: update crule_same in slv_slice.c");

static bool set_same(const struct nsg_addrset *a, const struct nsg_addrset *b)
{
    if (a->n != b->n)
        return false;
    for (size_t i = 0; i < a->n; i++)
        if (a->r[i].family != b->r[i].family || a->r[i].lo != b->r[i].lo ||
            a->r[i].hi != b->r[i].hi)
            return false;
    return true;
}

static bool ports_same(const struct nsg_portrange *a, size_t na,
                       const struct nsg_portrange *b, size_t nb)
{
    if (na != nb)
        return false;
    for (size_t i = 0; i < na; i++)
        if (a[i].lo != b[i].lo || a[i].hi != b[i].hi)
            return false;
    return true;
}

static bool str_same(const char *a, const char *b)
{
    return a == b || (a && b && !strcmp(a, b));
}

/* Do a and b match the same packets with the same access? (Written the
 * same way: equal compiled fields.  Rules that differ only in how they
 * are written count as changed, which is safe.) */
static bool crule_same(const struct nsg_crule *a, const struct nsg_crule *b)
{
    return a->access == b->access && a->proto == b->proto &&
           set_same(&a->src, &b->src) && set_same(&a->dst, &b->dst) &&
           ports_same(a->sports, a->n_sports, b->sports, b->n_sports) &&
           ports_same(a->dports, a->n_dports, b->dports, b->n_dports) &&
           str_same(a->src_unknown, b->src_unknown) &&
           str_same(a->dst_unknown, b->dst_unknown) &&
           a->tcpudp_only == b->tcpudp_only && a->plat_tags == b->plat_tags;
}

static uint64_t mix(uint64_t h, uint64_t v)
{
    h ^= v + 0x9E3779B97F4A7C15ull + (h << 6) + (h >> 2);
    return h * 0xff51afd7ed558ccdull;
}

static uint64_t set_fp(uint64_t h, const struct nsg_addrset *s)
{
    h = mix(h, s->n);
    for (size_t i = 0; i < s->n; i++)
        h = mix(mix(mix(h, s->r[i].family), (uint64_t)s->r[i].lo),
                (uint64_t)(s->r[i].hi >> 64) ^ (uint64_t)s->r[i].hi);
    return h;
}

static uint64_t crule_fp(const struct nsg_crule *r)
{
    uint64_t h = mix(mix(1, (uint64_t)r->access), (uint64_t)r->proto);
    h = set_fp(set_fp(h, &r->src), &r->dst);
    for (size_t i = 0; i < r->n_sports; i++)
        h = mix(h, (uint64_t)r->sports[i].lo << 16 | r->sports[i].hi);
    h = mix(h, 0x5151);
    for (size_t i = 0; i < r->n_dports; i++)
        h = mix(h, (uint64_t)r->dports[i].lo << 16 | r->dports[i].hi);
    return h;
}

struct seq {
    const struct nsg_crule *r;
    const uint64_t *fp;
    size_t n;
};

static bool same_at(const struct seq *a, size_t i, const struct seq *b,
                    size_t j)
{
    return a->fp[i] == b->fp[j] && crule_same(&a->r[i], &b->r[j]);
}

/* Myers' greedy shortest edit script between a and b, at most dmax
 * edits: marks the rules of each side that are in the common
 * subsequence.  False when more than dmax edits are needed. */
static bool lcs_mark(const struct seq *a, const struct seq *b, long dmax,
                     bool *ina, bool *inb)
{
    long n = (long)a->n, m = (long)b->n, off = n + m + 1;
    long *v = nsg_xmalloc((size_t)(2 * (n + m) + 3) * sizeof(*v));
    /* trace[d][k + d]: the furthest x on diagonal k after round d */
    long **trace = nsg_xcalloc((size_t)dmax + 1, sizeof(*trace));
    long dfound = -1;
    v[off + 1] = 0;
    for (long d = 0; d <= dmax && dfound < 0; d++) {
        for (long k = -d; k <= d; k += 2) {
            long x;
            if (k == -d || (k != d && v[off + k - 1] < v[off + k + 1]))
                x = v[off + k + 1]; /* down: a rule of b inserted */
            else
                x = v[off + k - 1] + 1; /* right: a rule of a deleted */
            long y = x - k;
            while (x < n && y < m && same_at(a, (size_t)x, b, (size_t)y)) {
                x++;
                y++;
            }
            v[off + k] = x;
            if (x >= n && y >= m) {
                dfound = d;
                break;
            }
        }
        trace[d] = nsg_xmalloc((size_t)(2 * d + 1) * sizeof(long));
        memcpy(trace[d], v + off - d, (size_t)(2 * d + 1) * sizeof(long));
    }
    /* walk back from (n, m): the diagonals are common rules */
    long x = n, y = m;
    for (long d = dfound; d >= 0; d--) {
        long k = x - y, pk, px;
        if (d == 0) {
            pk = 0;
            px = 0;
        } else {
            const long *pv = trace[d - 1] + (d - 1); /* pv[k]: diagonal k */
            if (k == -d || (k != d && pv[k - 1] < pv[k + 1]))
                pk = k + 1;
            else
                pk = k - 1;
            px = pv[pk];
        }
        long sx = d ? (pk == k + 1 ? px : px + 1) : 0; /* after the edit */
        while (x > sx) {
            x--;
            y--;
            ina[x] = inb[y] = true;
        }
        x = px;
        y = px - pk;
    }
    for (long d = 0; d <= dmax; d++)
        free(trace[d]);
    free(trace);
    free(v);
    return dfound >= 0;
}

void nsg_slv_slice_release(struct nsg_slv_slice *sl)
{
    for (int k = 0; k < 2; k++) {
        struct nsg_slv_nsg *d = k ? &sl->b : &sl->a;
        for (int dir = 0; dir < 2; dir++) {
            free(d->matches[dir]);
            free(d->fires[dir]);
        }
    }
    memset(sl, 0, sizeof(*sl));
}

/* One direction: align, pick the rules, encode them. */
static nsg_rc slice_dir(struct nsg_slv *s, const struct nsg_cnsg *ca,
                        const struct nsg_cnsg *cb, enum nsg_dir dir,
                        struct nsg_slv_slice *sl, Z3_ast chain[2],
                        bool *ok, struct nsg_err *err)
{
    struct seq q[2] = {{ca->rules[dir], NULL, ca->n[dir]},
                       {cb->rules[dir], NULL, cb->n[dir]}};
    uint64_t *fp[2];
    bool *keep[2];
    nsg_rc rc = NSG_OK;
    for (int k = 0; k < 2; k++) {
        fp[k] = nsg_xcalloc(q[k].n + 1, sizeof(uint64_t));
        keep[k] = nsg_xcalloc(q[k].n + 1, sizeof(bool));
        for (size_t i = 0; i < q[k].n; i++)
            fp[k][i] = crule_fp(&q[k].r[i]);
        q[k].fp = fp[k];
    }
    long dmax = (long)(q[0].n + q[1].n) / 4 + 1;
    *ok = lcs_mark(&q[0], &q[1], dmax < MAX_EDITS ? dmax : MAX_EDITS, keep[0],
                   keep[1]);
    if (*ok) {
        /* the changed rules (not in the common subsequence); kept: they
         * and every rule that overlaps one of them */
        GPtrArray *changed = g_ptr_array_new();
        for (int k = 0; k < 2; k++)
            for (size_t i = 0; i < q[k].n; i++)
                if (!keep[k][i])
                    g_ptr_array_add(changed, (gpointer)&q[k].r[i]);
        Z3_ast *dv = nsg_xcalloc(changed->len + 1, sizeof(Z3_ast));
        size_t nd = 0;
        for (int k = 0; k < 2 && !rc; k++) {
            struct nsg_slv_nsg *d = k ? &sl->b : &sl->a;
            d->matches[dir] = nsg_xcalloc(q[k].n + 1, sizeof(Z3_ast));
            for (size_t i = 0; i < q[k].n && !rc; i++) {
                bool in_d = !keep[k][i], kp = in_d;
                for (guint c = 0; !kp && c < changed->len; c++)
                    kp = nsg_slv_rules_meet(&q[k].r[i], changed->pdata[c]);
                keep[k][i] = kp;
                if (!kp)
                    continue;
                sl->kept++;
                rc = nsg_slv_match(s, &q[k].r[i], &d->matches[dir][i], err);
                if (!rc && in_d)
                    dv[nd++] = d->matches[dir][i];
            }
        }
        sl->changed += changed->len;
        Z3_ast dom = nsg_slv_orv(s, dv, nd);
        free(dv);
        g_ptr_array_free(changed, TRUE);
        /* first match over the kept rules (blocks of one access as in the
         * full encoding, so that rules reordered inside a block give the
         * same term), within D */
        for (int k = 0; k < 2 && !rc; k++)
            nsg_slv_first_match(s, k ? cb : ca, dir, keep[k], dom,
                                k ? &sl->b : &sl->a, &chain[k]);
    }
    for (int k = 0; k < 2; k++) {
        free(fp[k]);
        free(keep[k]);
    }
    return rc;
}

nsg_rc nsg_slv_slice(struct nsg_slv *s, const struct nsg_cnsg *a,
                     const struct nsg_cnsg *b, bool *made,
                     struct nsg_slv_slice *sl, struct nsg_err *err)
{
    Z3_ast chain[2][2];
    bool ok = true;
    nsg_rc rc = NSG_OK;
    memset(sl, 0, sizeof(*sl));
    *made = false;
    if (s->depth)
        return nsg_err_set(err, NSG_E_INTERNAL,
                           "solver: a slice asked for inside a solver scope "
                           "(internal)");
    sl->a.c = a;
    sl->b.c = b;
    for (int dir = 0; dir < 2; dir++) {
        sl->a.n[dir] = a->n[dir];
        sl->b.n[dir] = b->n[dir];
    }
    for (int dir = 0; dir < 2 && ok && !rc; dir++)
        rc = slice_dir(s, a, b, (enum nsg_dir)dir, sl, chain[dir], &ok, err);
    if (!rc && ok) {
        for (int k = 0; k < 2; k++) {
            struct nsg_slv_nsg *d = k ? &sl->b : &sl->a;
            d->allow = nsg_slv_mk_ite(s, s->pkt.out, d->allow_dir[NSG_DIR_OUT],
                                      d->allow_dir[NSG_DIR_IN]);
            d->rule = nsg_slv_mk_ite(s, s->pkt.out, chain[NSG_DIR_OUT][k],
                                     chain[NSG_DIR_IN][k]);
        }
        rc = nsg_slv_z3_status(s, "slicing a diff", err);
    }
    if (rc || !ok)
        nsg_slv_slice_release(sl);
    else
        *made = true;
    return rc;
}
