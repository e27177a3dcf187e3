/* closes.c - what the plan closes, exactly: the inbound packets allowed
 * today that the plan denies, as a short list of regions (source addresses
 * x ports x NICs) with sizes.  Newly denied packets can only lie where a
 * plan deny rule matches, so only its protocols and ports are examined:
 * they are cut into atoms on which every rule of the NIC's levels either
 * matches or not, and on each atom the sources each level allows are
 * computed by a first-match sweep over address sets (a rule's non-address
 * fields are tested with the simulator's own rule matcher).  The security
 * admin stage comes first, as the simulator has it: a source an admin Deny
 * or AlwaysAllow decides is decided the same today and with the plan, so
 * only the sources it hands on to the NSGs can be newly denied (platform
 * traffic is outbound and the VNet's drops deny both: neither can be).
 * The levels and the admin stage are the simulator's plan of the NIC
 * (nsg_sim_nic_plan: private endpoint policy, Azure's own tag expansion
 * included).  The regions
 * are then certified with Z3 against the solver's per-NIC decision (no
 * newly denied packet outside them, none inside that is not); when that
 * fails they are reported as approximate, never as exact. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "prove.h"

#define SOURCES_LISTED 8

/* An atom: one protocol (or the bucket of protocols nothing names),
 * destination ports [lo, hi], source ports [slo, shi]. */
struct atom {
    int proto;        /* -1: every protocol no rule names */
    uint16_t lo, hi, slo, shi;
};

struct region {
    int proto;
    double nprotos; /* protocols in the bucket, else 1 */
    struct nsg_plan_ports ports;
    uint16_t slo, shi;
    struct nsg_addrset src;
    GPtrArray *nics; /* const char * */
    struct nsg_addrset dst; /* for certification: the NIC addresses */
};

/* The compiled NSGs of a NIC's two levels for destination a, and the
 * security admin stage in front of them. */
struct levels {
    const struct nsg_cnsg *c[2]; /* NULL: no NSG at that level */
    const struct nsg_admin_stage *admin; /* NULL: none applies */
};

static nsg_rc levels_of(struct nsg_sim *sim, const struct nsg_nic *nic,
                        const struct nsg_ip *a, struct levels *out,
                        struct nsg_err *err)
{
    struct nsg_nic_plan pl;
    nsg_rc rc = nsg_sim_nic_plan(sim, nic, nsg_sim_pick_ipconfig(nic, a), &pl,
                                 err);
    memset(out, 0, sizeof(*out));
    if (!rc) {
        out->c[0] = pl.cnsg[0];
        out->c[1] = pl.cnsg[1];
        out->admin = pl.admin;
    }
    return rc;
}

/* A packet that has the atom's fields, destination a and source `src`. */
static struct nsg_packet atom_packet(const struct atom *x, int proto,
                                     const struct nsg_ip *a,
                                     const struct nsg_ip *src)
{
    struct nsg_packet p = {NSG_DIR_IN, proto, *src, *a, 0, 0};
    if (nsg_proto_has_ports(proto)) {
        p.sport = x->slo;
        p.dport = x->lo;
    }
    return p;
}

/* Does rule r match the atom at destination a (its non-address fields
 * tested by the simulator's matcher)?  1 and *s = its sources still in
 * rem; 0 no; -1 it depends on a tag that is not known. */
static int rule_sources(const struct nsg_crule *r, const struct atom *x,
                        int proto, const struct nsg_ip *a,
                        const struct nsg_addrset *rem, struct nsg_addrset *s)
{
    const struct nsg_range *rep = NULL;
    for (size_t k = 0; k < r->src.n && !rep; k++)
        if (r->src.r[k].family == a->family)
            rep = &r->src.r[k];
    if (!rep)
        return r->src_unknown ? -1 : 0;
    struct nsg_ip sip = {a->family, rep->lo};
    struct nsg_packet p = atom_packet(x, proto, a, &sip);
    int m = nsg_crule_match(r, &p);
    if (m < 0 || r->src_unknown)
        return -1;
    if (!m)
        return 0;
    nsg_addrset_copy(s, &r->src);
    hd_addrset_keep(s, rem);
    return 1;
}

/* Sources level c allows on the atom (c NULL: all).  -1: unknown. */
static int sweep(const struct nsg_cnsg *c, const struct atom *x, int proto,
                 const struct nsg_ip *a, struct nsg_addrset *allowed)
{
    struct nsg_addrset rem = NSG_ADDRSET_INIT, s = NSG_ADDRSET_INIT;
    int res = 0;
    nsg_addrset_clear(allowed);
    nsg_addrset_add_all(&rem, a->family);
    if (!c) {
        nsg_addrset_copy(allowed, &rem);
        nsg_addrset_release(&rem);
        return 0;
    }
    for (size_t i = 0; i < c->n[NSG_DIR_IN] && rem.n; i++) {
        const struct nsg_crule *r = &c->rules[NSG_DIR_IN][i];
        int m = rule_sources(r, x, proto, a, &rem, &s);
        if (m < 0) {
            res = -1;
            break;
        }
        if (!m)
            continue;
        if (r->access == NSG_ALLOW)
            nsg_addrset_union(allowed, &s);
        nsg_addrset_subtract(&rem, &r->src);
    }
    nsg_addrset_release(&rem);
    nsg_addrset_release(&s);
    return res;
}

/* Sources the admin stage hands on to the NSGs on the atom (no stage:
 * all); a Deny or AlwaysAllow decides the others the same today and with
 * the plan.  -1: a rule that may not apply, or names an unknown tag,
 * decides some. */
static int admin_pass(const struct nsg_admin_stage *st, const struct atom *x,
                      int proto, const struct nsg_ip *a,
                      struct nsg_addrset *pass)
{
    struct nsg_addrset rem = NSG_ADDRSET_INIT, s = NSG_ADDRSET_INIT;
    int res = 0;
    nsg_addrset_clear(pass);
    nsg_addrset_add_all(&rem, a->family);
    for (size_t i = 0; st && i < st->n[NSG_DIR_IN] && rem.n; i++) {
        const struct nsg_admin_crule *ar = &st->rules[NSG_DIR_IN][i];
        const struct nsg_crule *r = &ar->c;
        int m = rule_sources(r, x, proto, a, &rem, &s);
        if (m < 0) {
            res = -1;
            break;
        }
        if (!m)
            continue;
        if (s.n && ar->maybe) { /* it may or may not apply */
            res = -1;
            break;
        }
        if (ar->ar->access == NSG_ADMIN_ALLOW)
            nsg_addrset_union(pass, &s);
        nsg_addrset_subtract(&rem, &r->src);
    }
    nsg_addrset_union(pass, &rem); /* no admin rule matched */
    nsg_addrset_release(&rem);
    nsg_addrset_release(&s);
    return res;
}

/* Sources both levels allow (inbound: both must). */
static int both(const struct levels *l, const struct atom *x, int proto,
                const struct nsg_ip *a, struct nsg_addrset *out)
{
    struct nsg_addrset s = NSG_ADDRSET_INIT;
    int r = sweep(l->c[0], x, proto, a, out);
    if (!r)
        r = sweep(l->c[1], x, proto, a, &s);
    if (!r)
        hd_addrset_keep(out, &s);
    nsg_addrset_release(&s);
    return r;
}

/* ---- atoms -------------------------------------------------------------- */

static void cut(GArray *b, unsigned v)
{
    if (v <= 65536)
        g_array_append_val(b, v);
}

static void cuts_of(GArray *b, const struct nsg_portrange *r, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        cut(b, r[i].lo);
        cut(b, (unsigned)r[i].hi + 1);
    }
}

static gint uint_cmp(gconstpointer a, gconstpointer b)
{
    unsigned x = *(const unsigned *)a, y = *(const unsigned *)b;
    return (x > y) - (x < y);
}

static void rules_cuts(const struct nsg_cnsg *c, GArray *dp, GArray *sp,
                       GArray *named)
{
    for (size_t i = 0; c && i < c->n[NSG_DIR_IN]; i++) {
        const struct nsg_crule *r = &c->rules[NSG_DIR_IN][i];
        cuts_of(dp, r->dports, r->n_dports);
        cuts_of(sp, r->sports, r->n_sports);
        if (r->proto != NSG_PROTO_ANY) {
            unsigned pr = (unsigned)r->proto;
            g_array_append_val(named, pr);
        }
    }
}

static void uniq(GArray *a)
{
    guint w = 0;
    g_array_sort(a, uint_cmp);
    for (guint i = 0; i < a->len; i++)
        if (!w || g_array_index(a, unsigned, w - 1) !=
                      g_array_index(a, unsigned, i))
            g_array_index(a, unsigned, w++) = g_array_index(a, unsigned, i);
    g_array_set_size(a, w);
}

/* The plan deny rules at the NIC's levels for destination a: their
 * protocols and ports. */
static bool deny_space(const struct hd_prove *pr, const struct levels *lp,
                       bool *any, bool *tcp, bool *udp, GArray *dp,
                       GArray *ranges)
{
    bool found = false;
    for (int l = 0; l < 2; l++) {
        const struct nsg_cnsg *c = lp->c[l];
        for (size_t i = 0; c && i < c->n[NSG_DIR_IN]; i++) {
            const struct nsg_crule *r = &c->rules[NSG_DIR_IN][i];
            struct nsg_level lv = {0};
            lv.nsg = c->nsg;
            lv.m.rule = r;
            if (!hd_is_plan_deny(&pr->m, &lv))
                continue;
            found = true;
            *any |= r->proto == NSG_PROTO_ANY;
            *tcp |= r->proto == NSG_PROTO_TCP || r->proto == NSG_PROTO_ANY;
            *udp |= r->proto == NSG_PROTO_UDP || r->proto == NSG_PROTO_ANY;
            cuts_of(dp, r->dports, r->n_dports);
            g_array_append_vals(ranges, r->dports, (guint)r->n_dports);
        }
    }
    return found;
}

/* ---- regions ------------------------------------------------------------ */

static void region_free(void *p)
{
    struct region *r = p;
    nsg_plan_ports_release(&r->ports);
    nsg_addrset_release(&r->src);
    nsg_addrset_release(&r->dst);
    g_ptr_array_free(r->nics, TRUE);
    free(r);
}

/* Add (proto, ports [lo, hi], sports, src) of NIC `nic` at address a. */
static void add_region(GPtrArray *regs, const struct atom *x, double nprotos,
                       const struct nsg_addrset *src, const char *nic,
                       const struct nsg_ip *a)
{
    struct region *r = NULL;
    for (guint i = 0; i < regs->len && !r; i++) {
        struct region *y = regs->pdata[i];
        if (y->proto == x->proto && y->slo == x->slo && y->shi == x->shi &&
            nsg_addrset_equal(&y->src, src) &&
            !strcmp(g_ptr_array_index(y->nics, y->nics->len - 1), nic))
            r = y;
    }
    if (!r) {
        r = nsg_xcalloc(1, sizeof(*r));
        r->proto = x->proto;
        r->nprotos = nprotos;
        r->slo = x->slo;
        r->shi = x->shi;
        nsg_addrset_copy(&r->src, src);
        r->nics = g_ptr_array_new();
        g_ptr_array_add(r->nics, (void *)nic);
        r->ports.r = nsg_xcalloc(1, sizeof(*r->ports.r));
        g_ptr_array_add(regs, r);
    }
    if (nsg_proto_has_ports(x->proto)) {
        r->ports.r = nsg_xrealloc(r->ports.r,
                                  (r->ports.n + 1) * sizeof(*r->ports.r));
        r->ports.r[r->ports.n++] = (struct nsg_portrange){x->lo, x->hi};
        hd_ports_normalize(&r->ports);
    }
    nsg_addrset_add_range(&r->dst, a->family, a->v, a->v);
}

/* What the sweeps of one (levels, destination) give: atoms with the
 * sources newly denied on them.  NICs behind the same NSGs whose addresses
 * no rule tells apart share it (memo below). */
struct result {
    struct atom x;
    double nprotos;
    struct nsg_addrset set;
};
struct memo {
    const struct nsg_cnsg *c[4];
    const struct nsg_admin_stage *admin; /* the same in both models */
    uint8_t fam;
    GByteArray *sig; /* for each rule of the four: its destination holds a */
    GArray *results; /* struct result */
    bool unknown;
};

static void memo_free(void *p)
{
    struct memo *m = p;
    for (guint i = 0; i < m->results->len; i++)
        nsg_addrset_release(&g_array_index(m->results, struct result, i).set);
    g_array_free(m->results, TRUE);
    g_byte_array_free(m->sig, TRUE);
    free(m);
}

static GByteArray *signature(const struct levels *lc, const struct levels *lp,
                             const struct nsg_ip *a)
{
    GByteArray *sig = g_byte_array_new();
    const struct nsg_cnsg *cs[4] = {lc->c[0], lc->c[1], lp->c[0], lp->c[1]};
    for (int k = 0; k < 4; k++)
        for (size_t i = 0; cs[k] && i < cs[k]->n[NSG_DIR_IN]; i++) {
            const struct nsg_crule *r = &cs[k]->rules[NSG_DIR_IN][i];
            guint8 b = (guint8)(nsg_addrset_contains(&r->dst, a) |
                                (r->dst_unknown ? 2 : 0));
            g_byte_array_append(sig, &b, 1);
        }
    for (size_t i = 0; lc->admin && i < lc->admin->n[NSG_DIR_IN]; i++) {
        const struct nsg_crule *r = &lc->admin->rules[NSG_DIR_IN][i].c;
        guint8 b = (guint8)(nsg_addrset_contains(&r->dst, a) |
                            (r->dst_unknown ? 2 : 0));
        g_byte_array_append(sig, &b, 1);
    }
    return sig;
}

static nsg_rc sweep_all(struct hd_prove *pr, const struct levels *lc,
                        const struct levels *lp, const struct nsg_ip *a,
                        struct memo *out);

/* Regions of one NIC; *unknown when a sweep could not decide. */
static nsg_rc nic_regions(struct hd_prove *pr, const struct hd_pair_nic *pn,
                          GPtrArray *regs, GPtrArray *memos, bool *unknown,
                          struct nsg_err *err)
{
    nsg_rc rc = NSG_OK;
    for (size_t i = 0; i < pn->cur->n_ipconfigs && !rc; i++) {
        const struct nsg_ipconfig *ic = &pn->cur->ipconfigs[i];
        struct levels lc, lp;
        struct memo *m = NULL;
        GByteArray *sig;
        if (!ic->has_ip)
            continue;
        rc = levels_of(pr->m.sim_cur, pn->cur, &ic->ip, &lc, err);
        if (!rc)
            rc = levels_of(pr->m.sim_prop, pn->prop, &ic->ip, &lp, err);
        if (rc)
            break;
        sig = signature(&lc, &lp, &ic->ip);
        for (guint k = 0; k < memos->len && !m; k++) {
            struct memo *x = memos->pdata[k];
            if (x->c[0] == lc.c[0] && x->c[1] == lc.c[1] &&
                x->c[2] == lp.c[0] && x->c[3] == lp.c[1] &&
                x->admin == lc.admin &&
                x->fam == ic->ip.family && x->sig->len == sig->len &&
                !memcmp(x->sig->data, sig->data, sig->len))
                m = x;
        }
        if (!m) {
            m = nsg_xcalloc(1, sizeof(*m));
            m->c[0] = lc.c[0];
            m->c[1] = lc.c[1];
            m->c[2] = lp.c[0];
            m->c[3] = lp.c[1];
            m->admin = lc.admin;
            m->fam = ic->ip.family;
            m->sig = sig;
            sig = NULL;
            m->results = g_array_new(FALSE, TRUE, sizeof(struct result));
            g_ptr_array_add(memos, m);
            rc = sweep_all(pr, &lc, &lp, &ic->ip, m);
        }
        if (sig)
            g_byte_array_free(sig, TRUE);
        *unknown |= m->unknown;
        for (guint k = 0; !rc && k < m->results->len; k++) {
            const struct result *r = &g_array_index(m->results, struct result, k);
            add_region(regs, &r->x, r->nprotos, &r->set, pn->cur->name,
                       &ic->ip);
        }
    }
    return rc;
}

/* Every atom of the plan's deny space at destination a. */
static nsg_rc sweep_all(struct hd_prove *pr, const struct levels *lc_,
                        const struct levels *lp_, const struct nsg_ip *a,
                        struct memo *out)
{
    struct levels lc = *lc_, lp = *lp_;
    const struct nsg_ipconfig icv = {.has_ip = true, .ip = *a};
    const struct nsg_ipconfig *ic = &icv;
    GArray *dp, *sp, *named;
    bool any = false, tcp = false, udp = false;
    {
        dp = g_array_new(FALSE, FALSE, sizeof(unsigned));
        sp = g_array_new(FALSE, FALSE, sizeof(unsigned));
        named = g_array_new(FALSE, FALSE, sizeof(unsigned));
        GArray *deny = g_array_new(FALSE, FALSE,
                                   sizeof(struct nsg_portrange));
        if (deny_space(pr, &lp, &any, &tcp, &udp, dp, deny)) {
            for (int l = 0; l < 2; l++) {
                rules_cuts(lc.c[l], dp, sp, named);
                rules_cuts(lp.c[l], dp, sp, named);
            }
            cut(sp, 0);
            cut(sp, 65536);
            uniq(dp);
            uniq(sp);
            uniq(named);
            int protos[3 + 64];
            size_t np = 0;
            if (tcp)
                protos[np++] = NSG_PROTO_TCP;
            if (udp)
                protos[np++] = NSG_PROTO_UDP;
            /* a deny with protocol "*" may match protocols without ports */
            double other = 254;
            for (guint k = 0; any && k < named->len && np < 64; k++) {
                unsigned q = g_array_index(named, unsigned, k);
                if (q != NSG_PROTO_TCP && q != NSG_PROTO_UDP) {
                    protos[np++] = (int)q;
                    other -= 1;
                }
            }
            if (any)
                protos[np++] = -1;
            for (size_t k = 0; k < np; k++) {
                int proto = protos[k], rep = proto;
                bool ports = nsg_proto_has_ports(proto);
                if (proto == -1) { /* a protocol no rule names */
                    rep = 253;
                    for (guint j = 0; j < named->len; j++)
                        if (g_array_index(named, unsigned, j) == 253)
                            rep = 254;
                }
                for (guint d = 0; d + 1 < (ports ? dp->len : 2); d++) {
                    unsigned lo = ports ? g_array_index(dp, unsigned, d) : 0;
                    unsigned hi = ports ? g_array_index(dp, unsigned, d + 1) - 1
                                        : 0;
                    bool in_deny = !ports;
                    /* only atoms inside some deny rule's ports */
                    for (guint j = 0; ports && j < deny->len; j++) {
                        const struct nsg_portrange *q = &g_array_index(
                            deny, struct nsg_portrange, j);
                        if (q->lo <= lo && hi <= q->hi)
                            in_deny = true;
                    }
                    if (!in_deny)
                        continue;
                    for (guint s = 0; s + 1 < (ports ? sp->len : 2); s++) {
                        struct atom x = {
                            proto, (uint16_t)lo, (uint16_t)hi,
                            ports ? (uint16_t)g_array_index(sp, unsigned, s)
                                  : 0,
                            ports ? (uint16_t)(g_array_index(sp, unsigned,
                                                             s + 1) -
                                               1)
                                  : 0};
                        struct nsg_addrset ac = NSG_ADDRSET_INIT,
                                           ap = NSG_ADDRSET_INIT,
                                           pass = NSG_ADDRSET_INIT;
                        if (both(&lc, &x, rep, &ic->ip, &ac) ||
                            both(&lp, &x, rep, &ic->ip, &ap) ||
                            admin_pass(lc.admin, &x, rep, &ic->ip, &pass)) {
                            out->unknown = true;
                        } else {
                            nsg_addrset_subtract(&ac, &ap);
                            hd_addrset_keep(&ac, &pass);
                            if (ac.n) {
                                struct result r = {x, proto == -1 ? other : 1,
                                                   ac};
                                g_array_append_val(out->results, r);
                                ac = (struct nsg_addrset)NSG_ADDRSET_INIT;
                            }
                        }
                        nsg_addrset_release(&ac);
                        nsg_addrset_release(&ap);
                        nsg_addrset_release(&pass);
                    }
                }
            }
        }
        g_array_free(deny, TRUE);
        g_array_free(dp, TRUE);
        g_array_free(sp, TRUE);
        g_array_free(named, TRUE);
    }
    (void)pr;
    return NSG_OK;
}

/* The regions of one NIC as a Z3 term. */
static Z3_ast regions_term(struct nsg_slv *s, GPtrArray *regs, size_t from,
                           const GArray *named)
{
    Z3_context z = nsg_slv_z3(s);
    size_t n = regs->len - from;
    Z3_ast *ors = nsg_xcalloc(n + 1, sizeof(Z3_ast)), t;
    for (size_t i = 0; i < n; i++) {
        const struct region *r = regs->pdata[from + i];
        Z3_ast c[6];
        size_t k = 0;
        c[k++] = nsg_slv_dir(s, NSG_DIR_IN);
        c[k++] = nsg_slv_addrset(s, NSG_SLV_DST, &r->dst);
        c[k++] = nsg_slv_addrset(s, NSG_SLV_SRC, &r->src);
        if (r->proto >= 0) {
            c[k++] = nsg_slv_proto(s, r->proto);
        } else { /* none of the named protocols */
            Z3_ast *nots = nsg_xcalloc(named->len + 1, sizeof(Z3_ast));
            for (guint j = 0; j < named->len; j++)
                nots[j] = Z3_mk_not(
                    z, nsg_slv_proto(s, (int)g_array_index(named, unsigned, j)));
            c[k++] = named->len ? Z3_mk_and(z, named->len, nots)
                                : Z3_mk_true(z);
            free(nots);
        }
        if (nsg_proto_has_ports(r->proto)) {
            struct nsg_portrange sr = {r->slo, r->shi};
            c[k++] = nsg_slv_ports(s, NSG_SLV_DST, r->ports.r, r->ports.n);
            c[k++] = nsg_slv_ports(s, NSG_SLV_SRC, &sr, 1);
        }
        ors[i] = Z3_mk_and(z, (unsigned)k, c);
    }
    t = n ? Z3_mk_or(z, (unsigned)n, ors) : Z3_mk_false(z);
    free(ors);
    return t;
}

/* Every protocol some rule of the NIC's levels names (for the bucket). */
static void named_protos(const struct hd_prove *pr,
                         const struct hd_pair_nic *pn, GArray *named,
                         struct nsg_err *err)
{
    unsigned tcp = NSG_PROTO_TCP, udp = NSG_PROTO_UDP;
    GArray *dummy = g_array_new(FALSE, FALSE, sizeof(unsigned));
    g_array_append_val(named, tcp);
    g_array_append_val(named, udp);
    for (size_t i = 0; i < pn->cur->n_ipconfigs; i++) {
        struct levels lc, lp;
        const struct nsg_ip *a = &pn->cur->ipconfigs[i].ip;
        if (!pn->cur->ipconfigs[i].has_ip ||
            levels_of(pr->m.sim_cur, pn->cur, a, &lc, err) ||
            levels_of(pr->m.sim_prop, pn->prop, a, &lp, err))
            continue;
        for (int l = 0; l < 2; l++) {
            rules_cuts(lc.c[l], dummy, dummy, named);
            rules_cuts(lp.c[l], dummy, dummy, named);
        }
    }
    g_array_free(dummy, TRUE);
    uniq(named);
}

/* Z3: are the group's regions exactly its newly denied packets? */
static nsg_rc certify(struct hd_prove *pr, const struct hd_group *g,
                      GPtrArray *regs, size_t from, bool *exact,
                      struct nsg_err *err)
{
    struct nsg_slv *s = pr->slv;
    Z3_context z = nsg_slv_z3(s);
    GArray *named = g_array_new(FALSE, FALSE, sizeof(unsigned));
    bool sat = true;
    nsg_rc rc = NSG_OK;
    for (size_t i = 0; i < g->n; i++)
        named_protos(pr, &pr->m.nics[g->nics[i]], named, err);
    uniq(named);
    Z3_ast reg = regions_term(s, regs, from, named);
    Z3_ast q[4] = {nsg_slv_dir(s, NSG_DIR_IN),
                   nsg_slv_addrset(s, NSG_SLV_DST, &g->addrs), g->cur,
                   Z3_mk_not(z, g->prop)};
    Z3_ast newly = Z3_mk_and(z, 4, q);
    Z3_ast a[2] = {newly, Z3_mk_not(z, reg)};
    rc = nsg_slv_check(s, a, 2, &sat, NULL, err);
    if (!rc && !sat) {
        Z3_ast b[2] = {reg, Z3_mk_not(z, newly)};
        rc = nsg_slv_check(s, b, 2, &sat, NULL, err);
    }
    if (rc == NSG_E_UNKNOWN) {
        rc = NSG_OK;
        sat = true; /* not certified */
    }
    *exact = !rc && !sat;
    g_array_free(named, TRUE);
    return rc;
}

/* Merge regions of different NICs with the same shape. */
static void merge_nics(GPtrArray *regs)
{
    for (guint i = 0; i < regs->len; i++) {
        struct region *a = regs->pdata[i];
        for (guint k = i + 1; k < regs->len;) {
            struct region *b = regs->pdata[k];
            if (a->proto == b->proto && a->slo == b->slo &&
                a->shi == b->shi && hd_ports_equal(&a->ports, &b->ports) &&
                nsg_addrset_equal(&a->src, &b->src)) {
                for (guint j = 0; j < b->nics->len; j++)
                    if (!g_ptr_array_find_with_equal_func(
                            a->nics, b->nics->pdata[j], g_str_equal, NULL))
                        g_ptr_array_add(a->nics, b->nics->pdata[j]);
                g_ptr_array_remove_index(regs, k); /* frees b */
            } else {
                k++;
            }
        }
    }
}

static double region_ports(const struct region *r)
{
    double n = 0;
    for (size_t i = 0; i < r->ports.n; i++)
        n += (double)r->ports.r[i].hi - r->ports.r[i].lo + 1;
    return nsg_proto_has_ports(r->proto) ? n : 1;
}

static double region_size(const struct region *r)
{
    return nsg_addrset_count(&r->src) * region_ports(r) * r->nprotos *
           (double)r->nics->len;
}

static gint region_cmp(gconstpointer pa, gconstpointer pb)
{
    const struct region *a = *(struct region *const *)pa;
    const struct region *b = *(struct region *const *)pb;
    double x = region_size(a), y = region_size(b);
    return (x < y) - (x > y);
}

static void emit_cidr(const struct nsg_cidr *c, void *ctx)
{
    cJSON *a = ctx;
    char buf[NSG_CIDR_STRLEN];
    nsg_cidr_format(c, buf);
    cJSON_AddItemToArray(a, cJSON_CreateString(buf));
}

static cJSON *region_json(const struct region *r)
{
    cJSON *o = cJSON_CreateObject(), *src = cJSON_CreateArray(),
          *nics = cJSON_CreateArray();
    char pb[8];
    int n;
    for (guint i = 0; i < r->nics->len; i++)
        cJSON_AddItemToArray(nics, cJSON_CreateString(r->nics->pdata[i]));
    cJSON_AddItemToObject(o, "nics", nics);
    if (r->proto >= 0)
        cJSON_AddStringToObject(o, "protocol", nsg_proto_name(r->proto, pb));
    else
        cJSON_AddStringToObject(o, "protocol", "other");
    cJSON_AddNumberToObject(o, "protocols", r->nprotos);
    cJSON_AddItemToObject(o, "ports", nsg_proto_has_ports(r->proto)
                                          ? hd_ports_json(&r->ports)
                                          : cJSON_CreateNull());
    if (nsg_proto_has_ports(r->proto) && (r->slo != 0 || r->shi != 65535)) {
        struct nsg_plan_ports sp = {&(struct nsg_portrange){r->slo, r->shi},
                                    1};
        cJSON_AddItemToObject(o, "source_ports", hd_ports_json(&sp));
    }
    nsg_addrset_to_cidrs(&r->src, emit_cidr, src);
    n = cJSON_GetArraySize(src);
    while (cJSON_GetArraySize(src) > SOURCES_LISTED)
        cJSON_DeleteItemFromArray(src, SOURCES_LISTED);
    cJSON_AddItemToObject(o, "sources", src);
    cJSON_AddNumberToObject(o, "sources_omitted",
                            n > SOURCES_LISTED ? n - SOURCES_LISTED : 0);
    cJSON_AddNumberToObject(o, "source_addresses", nsg_addrset_count(&r->src));
    cJSON_AddNumberToObject(o, "port_count", region_ports(r));
    cJSON_AddNumberToObject(o, "size", region_size(r));
    return o;
}

nsg_rc hd_prove_closes(struct hd_prove *pr, cJSON *rep, struct nsg_err *err)
{
    GPtrArray *regs = g_ptr_array_new_with_free_func(region_free);
    GPtrArray *memos = g_ptr_array_new_with_free_func(memo_free);
    cJSON *list = cJSON_CreateArray(), *bad = cJSON_CreateArray();
    bool unknown = false, exact = true;
    double total = 0;
    nsg_rc rc = NSG_OK;

    for (size_t gi = 0; gi < pr->n_groups && !rc; gi++) {
        const struct hd_group *g = &pr->groups[gi];
        size_t from = regs->len;
        bool g_exact = false;
        for (size_t i = 0; i < g->n && !rc; i++)
            rc = nic_regions(pr, &pr->m.nics[g->nics[i]], regs, memos,
                             &unknown, err);
        if (!rc)
            rc = certify(pr, g, regs, from, &g_exact, err);
        for (size_t i = 0; !rc && !g_exact && i < g->n; i++) {
            exact = false;
            cJSON_AddItemToArray(
                bad, cJSON_CreateString(pr->m.nics[g->nics[i]].cur->name));
        }
    }
    g_ptr_array_free(memos, TRUE);
    if (rc) {
        g_ptr_array_free(regs, TRUE);
        cJSON_Delete(list);
        cJSON_Delete(bad);
        return rc;
    }
    merge_nics(regs);
    g_ptr_array_sort(regs, region_cmp);
    for (guint i = 0; i < regs->len; i++) {
        total += region_size(regs->pdata[i]);
        if (i < pr->max_listed)
            cJSON_AddItemToArray(list, region_json(regs->pdata[i]));
    }
    cJSON_AddBoolToObject(rep, "exact", exact && !unknown);
    cJSON_AddNumberToObject(rep, "regions_total", regs->len);
    cJSON_AddNumberToObject(rep, "regions_omitted",
                            regs->len > pr->max_listed
                                ? (double)(regs->len - pr->max_listed)
                                : 0);
    cJSON_AddNumberToObject(rep, "size", total);
    cJSON_AddItemToObject(rep, "regions", list);
    cJSON_AddItemToObject(rep, "not_certified", bad);
    if (!exact || unknown)
        cJSON_AddStringToObject(rep, "note",
                                "the regions could not be certified exact by "
                                "the solver for the NICs listed: they are an "
                                "approximation");
    g_ptr_array_free(regs, TRUE);
    return NSG_OK;
}
