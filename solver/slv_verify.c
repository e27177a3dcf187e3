/* slv_verify.c - the verifier: splits a query into one check per NIC on
 * the path (each destination NIC inbound, with the outbound NSGs of source
 * NICs in front; each source NIC outbound for destinations outside the
 * topology), asks Z3 for a counterexample (never/always) or an example
 * (can), and replays every witness through the concrete simulator. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "slv_int.h"
#include "slv_verify_int.h"

static const char no_vnet; /* key of the context without vnet */

static void ctx_free(gpointer p)
{
    nsg_ctx_release(p);
    free(p);
}

struct nsg_verifier *nsg_verifier_new(const struct nsg_topology *t,
                                      unsigned timeout_ms)
{
    struct nsg_verifier *v = nsg_xcalloc(1, sizeof(*v));
    v->t = t;
    v->pnet = nsg_pnet_new(t);
    v->sim = nsg_sim_new(t);
    v->slv = nsg_slv_new(timeout_ms);
    v->ctxs = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL,
                                    ctx_free);
    v->nics = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, free);
    for (int d = 0; d < 2; d++)
        v->fixed[d] = g_hash_table_new(g_direct_hash, g_direct_equal);
    return v;
}

void nsg_verifier_free(struct nsg_verifier *v)
{
    if (!v)
        return;
    g_hash_table_destroy(v->nics);
    g_hash_table_destroy(v->ctxs);
    for (int d = 0; d < 2; d++)
        g_hash_table_destroy(v->fixed[d]);
    nsg_slv_free(v->slv); /* before the simulator: it borrows its NSGs */
    nsg_sim_free(v->sim);
    nsg_pnet_free(v->pnet);
    free(v);
}

const char *nsg_vstatus_name(enum nsg_vstatus s)
{
    return s == NSG_V_HOLDS ? "holds" : s == NSG_V_VIOLATED ? "violated"
                                                            : "unknown";
}

void nsg_verifier_set_nsg_only(struct nsg_verifier *v, bool on)
{
    v->nsg_only = on;
}

void nsg_vresult_release(struct nsg_vresult *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->n_failing; i++)
        free(r->failing[i]);
    free(r->failing);
    r->failing = NULL;
    r->n_failing = 0;
    for (size_t i = 0; i < r->n_open; i++)
        free(r->open[i]);
    free(r->open);
    r->open = NULL;
    r->n_open = 0;
    nsg_ptrace_release(&r->trace);
    nsg_path_release(&r->path);
    r->has_path = false;
}

nsg_rc slv_vf_ctx(struct nsg_verifier *v, const struct nsg_vnet *vnet,
                  const struct nsg_ctx **out, struct nsg_err *err)
{
    const void *key = vnet ? (const void *)vnet : (const void *)&no_vnet;
    struct nsg_ctx *c = g_hash_table_lookup(v->ctxs, key);
    if (!c) {
        c = nsg_xcalloc(1, sizeof(*c));
        nsg_rc rc = nsg_ctx_init(c, v->t, vnet, err);
        if (rc) {
            free(c);
            return rc;
        }
        g_hash_table_insert(v->ctxs, (gpointer)key, c);
    }
    *out = c;
    return NSG_OK;
}

/* The NIC's two-level decision with the direction fixed both ways. */
nsg_rc slv_vf_nic(struct nsg_verifier *v, const struct nsg_nic *nic,
                  const struct slv_nic_terms **out, struct nsg_err *err)
{
    struct slv_nic_terms *nt = g_hash_table_lookup(v->nics, nic);
    if (nt) {
        *out = nt;
        return NSG_OK;
    }
    nt = nsg_xcalloc(1, sizeof(*nt));
    nsg_rc rc = nsg_slv_decide_nic(v->slv, v->sim, v->t, nic, &nt->d, err);
    if (rc) {
        free(nt);
        return nsg_err_prefix(err, "NIC %s", nic->name ? nic->name : nic->id);
    }
    /* kept for the verifier's life: made outside solver scopes */
    struct nsg_slv *s = v->slv;
    Z3_ast val[2] = {s->f, s->t};
    for (int d = 0; d < 2; d++)
        nt->allow[d] = nsg_slv_substitute_memo(s, nt->d.allow, s->pkt.out,
                                               val[d], v->fixed[d]);
    if (nsg_slv_z3_status(s, "", NULL)) {
        free(nt);
        return nsg_err_set(err, NSG_E_INTERNAL,
                           "solver: fixing the direction of NIC %s failed: %s",
                           nic->name ? nic->name : "?", s->failure);
    }
    g_hash_table_insert(v->nics, (gpointer)nic, nt);
    *out = nt;
    return NSG_OK;
}

/* ---- units: one check per NIC on the path ------------------------------ */
struct unit {
    enum nsg_dir dir;          /* In: ends at nic; Out: leaves through nic */
    const struct nsg_nic *nic;
    struct nsg_addrset src, dst;
    struct nsg_ep_members via; /* In: source NICs on the path, in order */
};

static void unit_release(struct unit *u)
{
    nsg_addrset_release(&u->src);
    nsg_addrset_release(&u->dst);
    nsg_ep_members_release(&u->via);
}

static void nic_addrs(const struct nsg_nic *nic, struct nsg_addrset *out)
{
    for (size_t j = 0; j < nic->n_ipconfigs; j++)
        if (nic->ipconfigs[j].has_ip)
            nsg_addrset_add_range(out, nic->ipconfigs[j].ip.family,
                                  nic->ipconfigs[j].ip.v,
                                  nic->ipconfigs[j].ip.v);
}

static void members_add(struct nsg_ep_members *ms, const struct nsg_nic *nic,
                        struct nsg_addrset *addrs /* moved */)
{
    ms->m = nsg_xrealloc(ms->m, (ms->n + 1) * sizeof(*ms->m));
    ms->m[ms->n].nic = nic;
    ms->m[ms->n].addrs = *addrs;
    ms->n++;
    *addrs = (struct nsg_addrset)NSG_ADDRSET_INIT;
}

static nsg_rc locate(const struct nsg_query *q, const struct nsg_endpoint *ep,
                     struct nsg_err *err)
{
    return nsg_err_prefix(err, "line %d, column %d", q->line, ep->col);
}

/* The NICs of the topology that an address endpoint reaches: ip
 * configurations whose private address, or whose public IP (translated to
 * the private address, as NSGs see it), is in the endpoint. */
static nsg_rc dst_nics_of_addrs(struct nsg_verifier *v,
                                const struct nsg_query *q,
                                struct nsg_ep_members *out,
                                struct nsg_ep_members *pub,
                                struct nsg_err *err)
{
    const struct nsg_topology *t = v->t;
    for (guint i = 0; i < NSG_TOPO_N(t, NSG_RES_NIC); i++) {
        const struct nsg_nic *nic = NSG_TOPO_AT(t, NSG_RES_NIC, i);
        const struct nsg_ctx *ctx;
        struct nsg_addrset d = NSG_ADDRSET_INIT, hit = NSG_ADDRSET_INIT,
                           phit = NSG_ADDRSET_INIT;
        nsg_rc rc = slv_vf_ctx(v, nsg_verify_nic_vnet(t, nic), &ctx, err);
        if (!rc)
            rc = nsg_verify_addrs(ctx, &q->dst, &d, err);
        if (rc) {
            nsg_addrset_release(&d);
            return locate(q, &q->dst, err);
        }
        for (size_t j = 0; j < nic->n_ipconfigs; j++) {
            const struct nsg_ipconfig *ic = &nic->ipconfigs[j];
            const struct nsg_pip *pip;
            if (!ic->has_ip)
                continue;
            pip = ic->public_ip_id
                      ? nsg_topo_get(t, NSG_RES_PIP, ic->public_ip_id)
                      : NULL;
            if (nsg_addrset_contains(&d, &ic->ip))
                nsg_addrset_add_range(&hit, ic->ip.family, ic->ip.v, ic->ip.v);
            else if (pip && pip->has_ip && nsg_addrset_contains(&d, &pip->ip))
                nsg_addrset_add_range(&phit, ic->ip.family, ic->ip.v,
                                      ic->ip.v);
        }
        nsg_addrset_release(&d);
        if (nsg_addrset_is_empty(&phit))
            nsg_addrset_release(&phit);
        else
            members_add(pub, nic, &phit);
        if (nsg_addrset_is_empty(&hit))
            nsg_addrset_release(&hit);
        else
            members_add(out, nic, &hit);
    }
    return NSG_OK;
}

/* The unit ending at destination NIC dn (addresses daddrs, moved). */
static nsg_rc unit_in(struct nsg_verifier *v, const struct nsg_query *q,
                      const struct nsg_ep_members *srcm,
                      const struct nsg_nic *dn, struct nsg_addrset *daddrs,
                      bool via_public, GArray *units, struct nsg_err *err)
{
    const struct nsg_topology *t = v->t;
    const struct nsg_vnet *vn = nsg_verify_nic_vnet(t, dn);
    const struct nsg_ctx *ctx;
    struct unit u = {NSG_DIR_IN, dn, NSG_ADDRSET_INIT, NSG_ADDRSET_INIT,
                     NSG_EP_MEMBERS_INIT};
    struct nsg_addrset own = NSG_ADDRSET_INIT;
    nsg_rc rc = slv_vf_ctx(v, vn, &ctx, err);
    if (rc)
        goto out;
    u.dst = *daddrs;
    *daddrs = (struct nsg_addrset)NSG_ADDRSET_INIT;
    if (srcm) {
        for (size_t i = 0; i < srcm->n; i++)
            nsg_addrset_union(&u.src, &srcm->m[i].addrs);
    } else if ((rc = nsg_verify_addrs(ctx, &q->src, &u.src, err))) {
        locate(q, &q->src, err);
        goto out;
    }
    nic_addrs(dn, &own); /* a NIC talking to itself passes no NSG */
    if (via_public) {
        /* Reached through its public IP: only sources outside the topology
         * (the way out of a NIC of the topology is SNAT, not modelled). */
        for (guint i = 0; i < NSG_TOPO_N(t, NSG_RES_NIC); i++)
            nic_addrs(NSG_TOPO_AT(t, NSG_RES_NIC, i), &own);
    }
    nsg_addrset_subtract(&u.src, &own);
    if (nsg_addrset_is_empty(&u.src))
        goto out;
    if (via_public) {
        ;
    } else if (srcm) {
        for (size_t i = 0; i < srcm->n; i++)
            if (srcm->m[i].nic != dn) {
                struct nsg_addrset a = NSG_ADDRSET_INIT;
                nsg_addrset_copy(&a, &srcm->m[i].addrs);
                members_add(&u.via, srcm->m[i].nic, &a);
            }
    } else {
        /* NICs of this vnet and of peered vnets whose addresses fall in
         * the source: their outbound NSGs are on the path too. */
        for (guint i = 0; i < NSG_TOPO_N(t, NSG_RES_NIC); i++) {
            const struct nsg_nic *sn = NSG_TOPO_AT(t, NSG_RES_NIC, i);
            struct nsg_addrset all = NSG_ADDRSET_INIT, a = NSG_ADDRSET_INIT;
            if (sn == dn ||
                !nsg_verify_vnets_joined(vn, nsg_verify_nic_vnet(t, sn)))
                continue;
            nic_addrs(sn, &all);
            nsg_addrset_intersect(&a, &all, &u.src);
            nsg_addrset_release(&all);
            if (nsg_addrset_is_empty(&a))
                nsg_addrset_release(&a);
            else
                members_add(&u.via, sn, &a);
        }
    }
    g_array_append_val(units, u);
    u = (struct unit){0};
out:
    nsg_addrset_release(&own);
    unit_release(&u);
    return rc;
}

/* The unit leaving the topology through source NIC sn (addresses saddrs,
 * moved): destinations of the endpoint that are no NIC of its network. */
static nsg_rc unit_out(struct nsg_verifier *v, const struct nsg_query *q,
                       const struct nsg_nic *sn, struct nsg_addrset *saddrs,
                       GArray *units, struct nsg_err *err)
{
    const struct nsg_topology *t = v->t;
    const struct nsg_vnet *vn = nsg_verify_nic_vnet(t, sn);
    const struct nsg_ctx *ctx;
    struct unit u = {NSG_DIR_OUT, sn, NSG_ADDRSET_INIT, NSG_ADDRSET_INIT,
                     NSG_EP_MEMBERS_INIT};
    nsg_rc rc = slv_vf_ctx(v, vn, &ctx, err);
    if (rc)
        goto out;
    u.src = *saddrs;
    *saddrs = (struct nsg_addrset)NSG_ADDRSET_INIT;
    if ((rc = nsg_verify_addrs(ctx, &q->dst, &u.dst, err))) {
        locate(q, &q->dst, err);
        goto out;
    }
    for (guint i = 0; i < NSG_TOPO_N(t, NSG_RES_NIC); i++) {
        const struct nsg_nic *n = NSG_TOPO_AT(t, NSG_RES_NIC, i);
        if (n == sn || nsg_verify_vnets_joined(vn, nsg_verify_nic_vnet(t, n))) {
            struct nsg_addrset a = NSG_ADDRSET_INIT;
            nic_addrs(n, &a);
            nsg_addrset_subtract(&u.dst, &a);
            nsg_addrset_release(&a);
        }
    }
    if (nsg_addrset_is_empty(&u.dst))
        goto out;
    g_array_append_val(units, u);
    u = (struct unit){0};
out:
    unit_release(&u);
    return rc;
}

static nsg_rc build_units(struct nsg_verifier *v, const struct nsg_query *q,
                          GArray *units, struct nsg_err *err)
{
    const struct nsg_topology *t = v->t;
    struct nsg_ep_members srcm = NSG_EP_MEMBERS_INIT,
                          dstm = NSG_EP_MEMBERS_INIT,
                          outm = NSG_EP_MEMBERS_INIT,
                          pubm = NSG_EP_MEMBERS_INIT;
    bool src_res = nsg_ep_is_resource(q->src.kind);
    bool dst_res = nsg_ep_is_resource(q->dst.kind);
    nsg_rc rc = NSG_OK;

    if (src_res && (rc = nsg_verify_members(t, &q->src, &srcm, err))) {
        locate(q, &q->src, err);
        goto out;
    }
    if (dst_res)
        rc = nsg_verify_members(t, &q->dst, &dstm, err);
    else
        rc = dst_nics_of_addrs(v, q, &dstm, &pubm, err);
    if (rc) {
        if (dst_res)
            locate(q, &q->dst, err);
        goto out;
    }
    for (size_t i = 0; !rc && i < dstm.n; i++)
        rc = unit_in(v, q, src_res ? &srcm : NULL, dstm.m[i].nic,
                     &dstm.m[i].addrs, false, units, err);
    for (size_t i = 0; !rc && i < pubm.n; i++)
        rc = unit_in(v, q, src_res ? &srcm : NULL, pubm.m[i].nic,
                     &pubm.m[i].addrs, true, units, err);
    if (rc || dst_res)
        goto out;
    /* Destinations outside the topology: the source NICs' outbound NSGs. */
    for (guint i = 0; i < NSG_TOPO_N(t, NSG_RES_NIC); i++) {
        const struct nsg_nic *sn = NSG_TOPO_AT(t, NSG_RES_NIC, i);
        struct nsg_addrset all = NSG_ADDRSET_INIT, s = NSG_ADDRSET_INIT,
                           a = NSG_ADDRSET_INIT;
        if (src_res) {
            for (size_t j = 0; j < srcm.n; j++)
                if (srcm.m[j].nic == sn)
                    nsg_addrset_union(&a, &srcm.m[j].addrs);
        } else {
            const struct nsg_ctx *ctx;
            rc = slv_vf_ctx(v, nsg_verify_nic_vnet(t, sn), &ctx, err);
            if (!rc)
                rc = nsg_verify_addrs(ctx, &q->src, &s, err);
            if (rc)
                locate(q, &q->src, err);
            nic_addrs(sn, &all);
            nsg_addrset_intersect(&a, &all, &s);
        }
        nsg_addrset_release(&all);
        nsg_addrset_release(&s);
        if (!rc && !nsg_addrset_is_empty(&a))
            members_add(&outm, sn, &a);
        nsg_addrset_release(&a);
        if (rc)
            goto out;
    }
    for (size_t i = 0; !rc && i < outm.n; i++)
        rc = unit_out(v, q, outm.m[i].nic, &outm.m[i].addrs, units, err);
out:
    nsg_ep_members_release(&srcm);
    nsg_ep_members_release(&dstm);
    nsg_ep_members_release(&outm);
    nsg_ep_members_release(&pubm);
    if (!rc && units->len == 0)
        rc = nsg_err_set(err, NSG_E_INPUT,
                         "line %d: no NIC of the topology is on the path of "
                         "'%s' (neither endpoint holds a NIC address, or "
                         "both are the same NIC)",
                         q->line, q->text ? q->text : "");
    return rc;
}

/* ---- formulas ---------------------------------------------------------- */
static Z3_ast class_term(struct nsg_verifier *v, const struct nsg_query *q,
                         const struct unit *u)
{
    struct nsg_slv *s = v->slv;
    Z3_ast parts[6];
    unsigned n = 0;
    parts[n++] = nsg_slv_dir(s, u->dir);
    parts[n++] = nsg_slv_addrset(s, NSG_SLV_SRC, &u->src);
    parts[n++] = nsg_slv_addrset(s, NSG_SLV_DST, &u->dst);
    parts[n++] = nsg_slv_proto(s, q->proto);
    if (q->n_dports)
        parts[n++] = nsg_slv_ports(s, NSG_SLV_DST, q->dports, q->n_dports);
    if (q->n_sports)
        parts[n++] = nsg_slv_ports(s, NSG_SLV_SRC, q->sports, q->n_sports);
    return nsg_slv_mk_and(s, n, parts);
}

/* Allowed along the unit's path: the destination NIC inbound, and the
 * outbound NSGs of the source NIC the source address belongs to (the
 * first in order), or the source NIC outbound alone. */
static nsg_rc allow_term(struct nsg_verifier *v, const struct unit *u,
                         Z3_ast *out, struct nsg_err *err)
{
    struct nsg_slv *s = v->slv;
    const struct slv_nic_terms *nt;
    nsg_rc rc = slv_vf_nic(v, u->nic, &nt, err);
    if (rc)
        return rc;
    if (u->dir == NSG_DIR_OUT) {
        *out = nt->allow[NSG_DIR_OUT];
        return NSG_OK;
    }
    Z3_ast chain = s->t;
    for (size_t i = u->via.n; i-- > 0;) {
        const struct slv_nic_terms *st;
        rc = slv_vf_nic(v, u->via.m[i].nic, &st, err);
        if (rc)
            return rc;
        chain = nsg_slv_mk_ite(
            s, nsg_slv_addrset(s, NSG_SLV_SRC, &u->via.m[i].addrs),
            st->allow[NSG_DIR_OUT], chain);
    }
    Z3_ast both[2] = {nt->allow[NSG_DIR_IN], chain};
    *out = nsg_slv_mk_and(s, 2, both);
    return nsg_slv_z3_status(s, "encoding a path", err);
}

static const char *nic_name(const struct nsg_nic *n)
{
    return n->name ? n->name : n->id;
}

/* Replay witness p of unit u through the simulator into r; the formula's
 * answer, the simulator's and `expect` must agree. */
static nsg_rc replay(struct nsg_verifier *v, const struct unit *u,
                     Z3_ast allow, const struct nsg_packet *p,
                     enum nsg_decision expect, struct nsg_vresult *r,
                     struct nsg_err *err)
{
    const struct slv_nic_terms *nt;
    struct nsg_packet hp = *p;
    uint64_t fval;
    nsg_rc rc;
    r->n_hops = 0;
    if (u->dir == NSG_DIR_IN) {
        for (size_t i = 0; i < u->via.n; i++)
            if (nsg_addrset_contains(&u->via.m[i].addrs, &p->src)) {
                struct nsg_vhop *h = &r->hops[r->n_hops++];
                h->nic = u->via.m[i].nic;
                h->dir = hp.dir = NSG_DIR_OUT;
                rc = slv_vf_nic(v, h->nic, &nt, err);
                if (!rc)
                    rc = nsg_slv_replay_nic(v->slv, v->sim, &nt->d, &hp, &h->v,
                                            err);
                if (rc)
                    return rc;
                break;
            }
    }
    struct nsg_vhop *h = &r->hops[r->n_hops++];
    h->nic = u->nic;
    h->dir = hp.dir = u->dir;
    rc = slv_vf_nic(v, h->nic, &nt, err);
    if (!rc)
        rc = nsg_slv_replay_nic(v->slv, v->sim, &nt->d, &hp, &h->v, err);
    if (!rc)
        rc = nsg_slv_eval(v->slv, p, allow, &fval, err);
    if (rc)
        return rc;
    enum nsg_decision sim = NSG_DEC_ALLOW;
    for (size_t i = 0; i < r->n_hops; i++)
        if (r->hops[i].v.decision != NSG_DEC_ALLOW)
            sim = r->hops[i].v.decision;
    enum nsg_decision form = fval ? NSG_DEC_ALLOW : NSG_DEC_DENY;
    r->has_witness = true;
    r->witness = *p;
    r->decision = sim;
    if (sim != form || sim != expect) {
        struct nsg_buf b = NSG_BUF_INIT;
        nsg_slv_packet_format(p, &b);
        rc = nsg_err_set(err, NSG_E_INTERNAL,
                         "internal inconsistency on the path to NIC %s for "
                         "%s: the solver's witness should be %s (formula "
                         "says %s), the simulator says %s",
                         nic_name(u->nic), b.buf, nsg_decision_name(expect),
                         nsg_decision_name(form), nsg_decision_name(sim));
        nsg_buf_release(&b);
    }
    return rc;
}

static void add_failing(struct nsg_vresult *r, const struct nsg_nic *nic)
{
    for (size_t i = 0; i < r->n_failing; i++)
        if (!strcmp(r->failing[i], nic_name(nic)))
            return;
    r->failing = nsg_xrealloc(r->failing, (r->n_failing + 1) * sizeof(char *));
    r->failing[r->n_failing++] = nsg_xstrdup(nic_name(nic));
}

/* One unit: does it refute (never/always) or satisfy (can) the query?
 * *hit is set; NSG_E_UNKNOWN passes through for the caller to count. */
static nsg_rc check_unit(struct nsg_verifier *v, const struct nsg_query *q,
                         const struct unit *u, bool *hit,
                         struct nsg_vresult *r, struct nsg_err *err)
{
    Z3_ast allow, f[2];
    struct nsg_packet p;
    nsg_rc rc = allow_term(v, u, &allow, err);
    if (rc)
        return rc;
    f[0] = class_term(v, q, u);
    f[1] = q->quant == NSG_Q_ALWAYS ? nsg_slv_mk_not(v->slv, allow) : allow;
    rc = nsg_slv_check(v->slv, f, 2, hit, &p, err);
    if (rc || !*hit)
        return rc;
    if (r->has_witness) /* keep the first witness */
        return NSG_OK;
    return replay(v, u, allow, &p,
                  q->quant == NSG_Q_ALWAYS ? NSG_DEC_DENY : NSG_DEC_ALLOW, r,
                  err);
}

/* For a violated `can`: a denied packet of the class, if there is one. */
static nsg_rc denied_sample(struct nsg_verifier *v, const struct nsg_query *q,
                            const struct unit *u, struct nsg_vresult *r,
                            struct nsg_err *err)
{
    Z3_ast allow, f;
    struct nsg_packet p;
    bool sat;
    nsg_rc rc = allow_term(v, u, &allow, err);
    if (rc)
        return rc;
    f = class_term(v, q, u);
    rc = nsg_slv_check(v->slv, &f, 1, &sat, &p, err);
    if (rc || !sat)
        return rc;
    return replay(v, u, allow, &p, NSG_DEC_DENY, r, err);
}

const char *slv_vf_stage_note(const struct nsg_vresult *r)
{
    static char buf[512];
    size_t n = r->has_path ? r->trace.n : r->n_hops;
    for (size_t i = 0; r->has_witness && i < n; i++) {
        const struct nsg_verdict *v =
            r->has_path ? &r->trace.v[i].v : &r->hops[i].v;
        if (v->platform == NSG_PLAT_VNET_BLOCKED)
            return ": the virtual network drops it (GRE, IP-in-IP, "
                   "multicast or broadcast)";
        if (v->platform) {
            snprintf(buf, sizeof(buf),
                     ": it is platform traffic (%s), not subject to NSG "
                     "rules unless a rule names its service tag%s%s",
                     nsg_platform_name(v->platform),
                     nsg_platform_tag(v->platform) ? " " : "",
                     nsg_platform_tag(v->platform)
                         ? nsg_platform_tag(v->platform)
                         : "");
            return buf;
        }
        if (v->admin.rule && v->admin.ends) {
            snprintf(buf, sizeof(buf),
                     ": security admin rule %.200s (%s) of configuration "
                     "%.100s decides it before any NSG",
                     v->admin.rule->ar->name,
                     nsg_admin_access_name(v->admin.rule->ar->access),
                     v->admin.rule->ar->configuration
                         ? v->admin.rule->ar->configuration
                         : "?");
            return buf;
        }
    }
    return "";
}

nsg_rc nsg_verify_run(struct nsg_verifier *v, const struct nsg_query *q,
                      struct nsg_vresult *r, struct nsg_err *err)
{
    GArray *units = g_array_new(FALSE, TRUE, sizeof(struct unit));
    struct nsg_err uerr = NSG_ERR_INIT;
    bool found = false;
    nsg_rc rc;

    memset(r, 0, sizeof(*r));
    nsg_slv_reset(v->slv); /* as a fresh solver: the order does not count */
    if (!v->nsg_only) {
        g_array_free(units, TRUE);
        rc = slv_verify_paths(v, q, r, err);
        if (rc)
            nsg_vresult_release(r);
        return rc;
    }
    rc = build_units(v, q, units, err);
    for (guint i = 0; !rc && i < units->len; i++) {
        const struct unit *u = &g_array_index(units, struct unit, i);
        bool hit = false;
        r->n_units++;
        rc = check_unit(v, q, u, &hit, r, &uerr);
        if (rc == NSG_E_UNKNOWN) {
            if (!r->n_unknown++)
                snprintf(r->reason, sizeof(r->reason),
                         strstr(uerr.msg, "security admin rule")
                             ? "unknown at NIC %.200s: %.700s"
                             : "the solver gave up at NIC %.200s: %.700s",
                         nic_name(u->nic), uerr.msg);
            rc = NSG_OK;
            continue;
        }
        if (rc) {
            *err = uerr;
            break;
        }
        if (hit) {
            found = true;
            if (q->quant == NSG_Q_CAN)
                break;
            add_failing(r, u->nic);
        }
    }
    if (rc)
        goto out;
    if (q->quant == NSG_Q_CAN) {
        if (found) {
            r->status = NSG_V_HOLDS;
            snprintf(r->reason, sizeof(r->reason),
                     "an allowed packet exists (example below)");
        } else if (r->n_unknown) {
            r->status = NSG_V_UNKNOWN;
        } else {
            r->status = NSG_V_VIOLATED;
            for (guint i = 0; i < units->len; i++)
                add_failing(r, g_array_index(units, struct unit, i).nic);
            for (guint i = 0; !rc && !r->has_witness && i < units->len; i++)
                rc = denied_sample(v, q, &g_array_index(units, struct unit, i),
                                   r, err);
            if (rc == NSG_E_UNKNOWN)
                rc = NSG_OK; /* the sample is only an illustration */
            snprintf(r->reason, sizeof(r->reason), "%s",
                     r->has_witness ? "every packet of the class is denied "
                                      "(a denied sample below)"
                                    : "the class of packets is empty");
        }
    } else if (r->n_failing) {
        r->status = NSG_V_VIOLATED;
        snprintf(r->reason, sizeof(r->reason), "%s%s",
                 q->quant == NSG_Q_NEVER ? "a packet of the class is allowed"
                                         : "a packet of the class is denied",
                 slv_vf_stage_note(r));
    } else if (r->n_unknown) {
        r->status = NSG_V_UNKNOWN;
    } else {
        r->status = NSG_V_HOLDS;
        snprintf(r->reason, sizeof(r->reason), "%s",
                 q->quant == NSG_Q_NEVER ? "no packet of the class is allowed"
                                         : "every packet of the class is "
                                           "allowed");
    }
out:
    for (guint i = 0; i < units->len; i++)
        unit_release(&g_array_index(units, struct unit, i));
    g_array_free(units, TRUE);
    if (rc)
        nsg_vresult_release(r);
    return rc;
}
