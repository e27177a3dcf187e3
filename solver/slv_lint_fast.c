/* slv_lint_fast.c - concrete packets for lint, so that most questions need
 * no solver call: a packet built from the rules' own sets (intersected,
 * realistic: host addresses, source port 49152, the lowest destination
 * port, inside the lint's scope) and checked with the simulator is a fact,
 * not a guess.  It answers "is the rule decided somewhere" (not shadowed),
 * "does removing it change a decision" (not redundant), and gives the
 * witnesses of conflicts and open management ports.  When no such packet
 * turns up among the candidates tried, lint asks Z3 as before; a
 * "shadowed" or "redundant" finding (an unsat answer) always comes from
 * Z3. */
#include <stdlib.h>
#include <string.h>

#include "slv_int.h"

#define EPHEMERAL 49152u

/* A host address near one end of [lo, hi] (family fam), as witness
 * polish makes it (slv_check.c): the end itself when it is a host (IPv4:
 * last octet 1-254, 4-254 in private space), else its /24 (IPv6: /112)
 * base + 4 when inside the range (from the high end: .254); else the end
 * itself. */
static nsg_u128 host_in(int fam, nsg_u128 lo, nsg_u128 hi, bool high)
{
    nsg_u128 a = high ? hi : lo, c;
    if (fam == 4) {
        uint32_t v = (uint32_t)a;
        bool priv = (v >> 24) == 10 || (v >> 20) == ((172u << 4) | 1) ||
                    (v >> 16) == ((192u << 8) | 168) ||
                    (v >> 22) == ((100u << 2) | 1);
        unsigned low = v & 0xff;
        if (low >= (priv ? 4u : 1u) && low < 255)
            return a;
        if (!high)
            c = low == 255 ? a + 5 : (a & ~(nsg_u128)0xff) + 4;
        else
            c = low == 255 ? a - 1 : (a & ~(nsg_u128)0xff) - 2;
    } else {
        if ((a & 0xffff) >= 4 && (a & 0xffff) != 0xffff)
            return a;
        c = high ? a - 1 : (a & ~(nsg_u128)0xffff) + 4;
    }
    return c >= lo && c <= hi ? c : a;
}

size_t nsg_slv_host_cands(const struct nsg_addrset *s, int fam,
                          nsg_u128 *out, size_t max)
{
    size_t n = 0;
    for (size_t i = 0; i < s->n && n < max; i++) {
        if (s->r[i].family != fam)
            continue;
        nsg_u128 lo = s->r[i].lo, hi = s->r[i].hi;
        /* not an address no packet has */
        struct nsg_addrset one = NSG_ADDRSET_INIT;
        nsg_addrset_add_range(&one, (uint8_t)fam, lo, hi);
        nsg_addrset_subtract(&one, nsg_slv_not_unicast());
        for (size_t k = 0; k < one.n && n < max; k++)
            out[n++] = host_in(fam, one.r[k].lo, one.r[k].hi, false);
        nsg_addrset_release(&one);
    }
    return n;
}

/* Candidate addresses of a set (family fam): hosts at the ends of its
 * first ranges; at most max, returns the count. */
static size_t addr_cands(const struct nsg_addrset *s, int fam, nsg_u128 *out,
                         size_t max)
{
    size_t n = 0;
    for (size_t i = 0; i < s->n && n < max; i++) {
        if (s->r[i].family != fam)
            continue;
        out[n++] = host_in(fam, s->r[i].lo, s->r[i].hi, false);
        if (n < max && s->r[i].hi != s->r[i].lo)
            out[n++] = host_in(fam, s->r[i].lo, s->r[i].hi, true);
    }
    return n;
}

/* The ports of every rule in rules[0..n): sorted intersection of their
 * lists, as ranges in out (at most max). */
static size_t port_meet(const struct nsg_crule *const *rules, size_t n,
                        bool src, struct nsg_portrange *out, size_t max)
{
    size_t k = 1;
    out[0] = (struct nsg_portrange){0, 65535};
    for (size_t r = 0; r < n; r++) {
        const struct nsg_portrange *p = src ? rules[r]->sports : rules[r]->dports;
        size_t np = src ? rules[r]->n_sports : rules[r]->n_dports;
        struct nsg_portrange tmp[16];
        size_t t = 0;
        for (size_t i = 0; i < k; i++)
            for (size_t j = 0; j < np && t < 16; j++) {
                unsigned lo = out[i].lo > p[j].lo ? out[i].lo : p[j].lo;
                unsigned hi = out[i].hi < p[j].hi ? out[i].hi : p[j].hi;
                if (lo <= hi)
                    tmp[t++] = (struct nsg_portrange){(uint16_t)lo,
                                                      (uint16_t)hi};
            }
        k = t < max ? t : max;
        memcpy(out, tmp, k * sizeof(*out));
        if (!k)
            return 0;
    }
    return k;
}

/* The protocols worth trying for rules[0..n) (all must allow them). */
static size_t protos(const struct nsg_crule *const *rules, size_t n,
                     int fixed, int *out)
{
    static const int any[] = {NSG_PROTO_TCP, NSG_PROTO_UDP, 1, 50, 47};
    int only = fixed;
    for (size_t r = 0; r < n; r++) {
        if (rules[r]->proto == NSG_PROTO_ANY)
            continue;
        if (only >= 0 && only != rules[r]->proto)
            return 0;
        only = rules[r]->proto;
    }
    if (only >= 0) {
        out[0] = only;
        return 1;
    }
    memcpy(out, any, sizeof(any));
    return sizeof(any) / sizeof(*any);
}

/* Walk the candidate packets of rules[0..n) (plus: source in src_extra
 * when not NULL, protocol `proto` and destination port `dport` when >= 0)
 * in direction dir, in order of realism, calling ok(p, ctx) on each one
 * every rule matches until it returns true.  With a scope, packets inside
 * it are tried first; only when no packet can be inside it (its addresses
 * or families meet none of the rules': an exact test on sets) are the
 * others tried, and *inside says which it is.  Returns whether a packet
 * was found (*p). */
typedef bool (*cand_fn)(const struct nsg_packet *p, void *ctx);
struct want {
    const struct nsg_crule *const *rules;
    size_t n;
    enum nsg_dir dir;
    const struct nsg_addrset *src_extra;
    int proto, dport;
    cand_fn ok;
    void *ctx;
};

/* The candidates of one family with the NIC side limited to `nic_in`
 * (NULL: not limited); *possible: some address pair exists. */
static bool walk_family(const struct want *w, int fam,
                        const struct nsg_addrset *nic_in, bool *possible,
                        struct nsg_packet *p)
{
    enum { MAXA = 6, MAXP = 4 };
    struct nsg_addrset src = NSG_ADDRSET_INIT, dst = NSG_ADDRSET_INIT,
                       tmp = NSG_ADDRSET_INIT;
    nsg_addrset_add_all(&src, (uint8_t)fam);
    nsg_addrset_add_all(&dst, (uint8_t)fam);
    for (size_t r = 0; r < w->n; r++) {
        nsg_addrset_intersect(&tmp, &src, &w->rules[r]->src);
        nsg_addrset_copy(&src, &tmp);
        nsg_addrset_intersect(&tmp, &dst, &w->rules[r]->dst);
        nsg_addrset_copy(&dst, &tmp);
    }
    if (w->src_extra) {
        nsg_addrset_intersect(&tmp, &src, w->src_extra);
        nsg_addrset_copy(&src, &tmp);
    }
    if (nic_in) {
        struct nsg_addrset *nic = w->dir == NSG_DIR_OUT ? &src : &dst;
        nsg_addrset_intersect(&tmp, nic, nic_in);
        nsg_addrset_copy(nic, &tmp);
    }
    nsg_addrset_subtract(&src, nsg_slv_not_unicast());
    nsg_addrset_subtract(&dst, nsg_slv_not_unicast());
    nsg_u128 sa[MAXA], da[MAXA];
    size_t ns = addr_cands(&src, fam, sa, MAXA);
    size_t nd = addr_cands(&dst, fam, da, MAXA);
    *possible = ns && nd;
    nsg_addrset_release(&src);
    nsg_addrset_release(&dst);
    nsg_addrset_release(&tmp);
    int pv[8];
    size_t np = protos(w->rules, w->n, w->proto, pv);
    for (size_t k = 0; k < np && *possible; k++) {
        struct nsg_portrange spr[MAXP], dpr[MAXP];
        unsigned sport = 0, dports[2 * MAXP];
        size_t ndp = 1;
        dports[0] = 0;
        if (nsg_proto_has_ports(pv[k])) {
            size_t nsp = port_meet(w->rules, w->n, true, spr, MAXP);
            ndp = port_meet(w->rules, w->n, false, dpr, MAXP);
            if (!nsp || !ndp)
                continue;
            /* source: 49152 when it may, else the lowest above it, else
             * the lowest; destination: the ends of its ranges */
            sport = spr[0].lo;
            for (size_t i = 0; i < nsp; i++)
                if (spr[i].hi >= EPHEMERAL) {
                    sport = spr[i].lo > EPHEMERAL ? spr[i].lo : EPHEMERAL;
                    break;
                }
            size_t m = 0;
            for (size_t i = 0; i < ndp; i++) {
                if (w->dport >= 0) {
                    if (dpr[i].lo <= w->dport && w->dport <= dpr[i].hi) {
                        dports[0] = (unsigned)w->dport;
                        m = 1;
                        break;
                    }
                    continue;
                }
                /* never port 0 unless nothing else fits */
                dports[m++] = dpr[i].lo || dpr[i].hi == 0 ? dpr[i].lo : 1u;
                if (dpr[i].hi != dpr[i].lo)
                    dports[m++] = dpr[i].hi;
            }
            ndp = m;
            if (!ndp)
                continue;
        } else if (w->dport >= 0) {
            continue;
        }
        for (size_t a = 0; a < nd; a++)
            for (size_t b = 0; b < ns; b++)
                for (size_t d = 0; d < ndp; d++) {
                    memset(p, 0, sizeof(*p));
                    p->dir = w->dir;
                    p->proto = pv[k];
                    p->src.family = p->dst.family = (uint8_t)fam;
                    p->src.v = sa[b];
                    p->dst.v = da[a];
                    p->sport = (uint16_t)sport;
                    p->dport = (uint16_t)dports[d];
                    bool all = true;
                    for (size_t r = 0; all && r < w->n; r++)
                        all = nsg_crule_match(w->rules[r], p) == 1;
                    if (all && w->ok(p, w->ctx))
                        return true;
                }
    }
    return false;
}

static bool walk(const struct want *w, const struct nsg_slv_scope *sc,
                 bool *inside, struct nsg_packet *p)
{
    bool possible, any_inside = false;
    *inside = true;
    for (size_t r = 0; r < w->n; r++)
        if (w->rules[r]->src_unknown || w->rules[r]->dst_unknown)
            return false; /* the solver decides those */
    if (sc) {
        for (int fam = 4; fam <= 6; fam += 2) {
            if ((fam == 4 && !sc->v4 && sc->v6) ||
                (fam == 6 && !sc->v6 && sc->v4))
                continue; /* a family the network does not carry */
            if (walk_family(w, fam, sc->governed, &possible, p))
                return true;
            any_inside |= possible;
        }
        if (any_inside)
            return false; /* one may be inside: the solver looks */
        *inside = false;
    }
    for (int fam = 4; fam <= 6; fam += 2)
        if (walk_family(w, fam, NULL, &possible, p))
            return true;
    return false;
}

/* Lint's concrete packets are ordinary traffic (the platform stage takes
 * the rest before any plain rule sees it): the solver answers for the
 * others. */
static bool ordinary(const struct nsg_packet *p)
{
    return nsg_platform_class(p, true) == NSG_PLAT_NONE;
}

static bool any(const struct nsg_packet *p, void *ctx)
{
    (void)ctx;
    return ordinary(p);
}

bool nsg_slv_lint_both(const struct nsg_crule *a, const struct nsg_crule *b,
                       enum nsg_dir dir, const struct nsg_slv_scope *sc,
                       struct nsg_packet *p, bool *inside)
{
    const struct nsg_crule *rules[2] = {a, b};
    struct want w = {rules, 2, dir, NULL, -1, -1, any, NULL};
    return walk(&w, sc, inside, p);
}

/* Is p decided by rule i of c (the simulator says so)? */
struct fired_ctx {
    const struct nsg_cnsg *c;
    enum nsg_dir dir;
    size_t i;
    const size_t *after; /* for changes(): later overlapping rules */
    size_t n_after;
};

static bool fired(const struct nsg_packet *p, void *v)
{
    const struct fired_ctx *x = v;
    struct nsg_match m;
    if (!ordinary(p))
        return false;
    nsg_sim_eval(x->c, p, &m);
    return m.decision != NSG_DEC_UNKNOWN && m.rule == &x->c->rules[x->dir][x->i];
}

bool nsg_slv_lint_decides(const struct nsg_cnsg *c, enum nsg_dir dir, size_t i,
                          const struct nsg_addrset *src_extra, int proto,
                          int dport, const struct nsg_slv_scope *sc,
                          struct nsg_packet *p, bool *inside)
{
    const struct nsg_crule *rules[1] = {&c->rules[dir][i]};
    struct fired_ctx x = {c, dir, i, NULL, 0};
    struct want w = {rules, 1, dir, src_extra, proto, dport, fired, &x};
    return walk(&w, sc, inside, p);
}

/* Decided by rule i, and without it the later rules decide otherwise (a
 * later rule that does not overlap i cannot match p). */
static bool changes(const struct nsg_packet *p, void *v)
{
    const struct fired_ctx *x = v;
    if (!fired(p, v))
        return false;
    const struct nsg_crule *r = &x->c->rules[x->dir][x->i];
    for (size_t k = 0; k < x->n_after; k++) {
        const struct nsg_crule *o = &x->c->rules[x->dir][x->after[k]];
        int mm = nsg_crule_match(o, p);
        if (mm < 0)
            return false; /* the answer would rest on an unknown tag */
        if (mm)
            return o->access != r->access;
    }
    return r->access == NSG_ALLOW; /* no rule: denied */
}

bool nsg_slv_lint_matters(const struct nsg_cnsg *c, enum nsg_dir dir, size_t i,
                          const size_t *after, size_t n_after)
{
    const struct nsg_crule *rules[1] = {&c->rules[dir][i]};
    struct fired_ctx x = {c, dir, i, after, n_after};
    struct want w = {rules, 1, dir, NULL, -1, -1, changes, &x};
    struct nsg_packet p;
    bool inside;
    return walk(&w, NULL, &inside, &p);
}

/* Is every port of a (n ranges) in b (m ranges)? */
static bool ports_within(const struct nsg_portrange *a, size_t n,
                         const struct nsg_portrange *b, size_t m)
{
    for (size_t i = 0; i < n; i++) {
        /* b's ranges may touch or overlap: walk a[i] through them */
        unsigned at = a[i].lo;
        bool moved = true;
        while (moved && at <= a[i].hi) {
            moved = false;
            for (size_t j = 0; j < m; j++)
                if (b[j].lo <= at && at <= b[j].hi) {
                    if (b[j].hi >= a[i].hi)
                        goto next;
                    at = b[j].hi + 1u;
                    moved = true;
                }
        }
        return false;
    next:;
    }
    return true;
}

static bool set_within(const struct nsg_addrset *a, const struct nsg_addrset *b)
{
    for (size_t i = 0; i < a->n; i++)
        if (!nsg_addrset_covers(b, a->r[i].family, a->r[i].lo, a->r[i].hi))
            return false;
    return true;
}

bool nsg_slv_lint_covers(const struct nsg_crule *outer,
                         const struct nsg_crule *inner)
{
    if (outer->src_unknown || outer->dst_unknown || inner->src_unknown ||
        inner->dst_unknown)
        return false; /* the solver decides those */
    if (outer->proto != NSG_PROTO_ANY && outer->proto != inner->proto)
        return false;
    /* "*" with ports: TCP and UDP only (R2) */
    if (outer->tcpudp_only && !inner->tcpudp_only &&
        inner->proto != NSG_PROTO_TCP && inner->proto != NSG_PROTO_UDP)
        return false;
    if (!set_within(&inner->src, &outer->src) ||
        !set_within(&inner->dst, &outer->dst))
        return false;
    /* ports count for TCP and UDP only: inner's ports of those must be
     * within outer's (any other protocol matches whatever the ports) */
    if (inner->proto != NSG_PROTO_ANY && !nsg_proto_has_ports(inner->proto))
        return true;
    return ports_within(inner->sports, inner->n_sports, outer->sports,
                        outer->n_sports) &&
           ports_within(inner->dports, inner->n_dports, outer->dports,
                        outer->n_dports);
}
