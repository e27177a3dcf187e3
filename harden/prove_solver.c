/* prove_solver.c - the parts of `prove` that need Z3.  Part 2: the plan
 * never widens - for every affected NIC, no packet (to or from one of its
 * addresses, any protocol, port or direction) that both NSG levels deny
 * today is allowed with the plan applied; the levels are composed by the
 * solver's per-NIC decision (nsg_slv_decide_nic).  Part 3: invariants -
 * nothing from AzureLoadBalancer (168.63.129.16, fe80::1234:5678:9abc)
 * that is allowed today is denied by the plan; outbound invariants (KMS)
 * do not apply to inbound plans; and the user's `verify` queries hold on
 * the plan applied.  Every witness is re-checked by the simulator before
 * it is reported. */
#include <stdlib.h>
#include <string.h>

#include "prove.h"

/* The NIC-side address (destination inbound, source outbound) in set. */
static Z3_ast own_term(struct nsg_slv *s, const struct nsg_addrset *set)
{
    Z3_context z = nsg_slv_z3(s);
    Z3_ast in[2] = {nsg_slv_dir(s, NSG_DIR_IN),
                    nsg_slv_addrset(s, NSG_SLV_DST, set)};
    Z3_ast out[2] = {nsg_slv_dir(s, NSG_DIR_OUT),
                     nsg_slv_addrset(s, NSG_SLV_SRC, set)};
    Z3_ast either[2] = {Z3_mk_and(z, 2, in), Z3_mk_and(z, 2, out)};
    return Z3_mk_or(z, 2, either);
}

nsg_rc hd_prove_groups(struct hd_prove *pr, struct nsg_err *err)
{
    struct nsg_slv *s = pr->slv;
    pr->groups = nsg_xcalloc(pr->m.n_nics + 1, sizeof(*pr->groups));
    for (size_t i = 0; i < pr->m.n_nics; i++) {
        const struct hd_pair_nic *pn = &pr->m.nics[i];
        struct nsg_slv_nic dc, dp;
        struct hd_group *g = NULL;
        nsg_rc rc = nsg_slv_decide_nic(s, pr->m.sim_cur, pr->m.cur, pn->cur,
                                       &dc, err);
        if (!rc)
            rc = nsg_slv_decide_nic(s, pr->m.sim_prop, pr->m.prop, pn->prop,
                                    &dp, err);
        if (rc)
            return nsg_err_prefix(err, "NIC %s", pn->cur->name);
        for (size_t k = 0; k < pr->n_groups && !g; k++)
            if (pr->groups[k].cur == dc.allow && pr->groups[k].prop == dp.allow)
                g = &pr->groups[k];
        if (!g) {
            g = &pr->groups[pr->n_groups++];
            g->cur = dc.allow;
            g->prop = dp.allow;
            g->nics = nsg_xcalloc(pr->m.n_nics + 1, sizeof(size_t));
        }
        g->nics[g->n++] = i;
        hd_nic_addrs(pn->cur, &g->addrs);
    }
    for (size_t k = 0; k < pr->n_groups; k++)
        pr->groups[k].own = own_term(s, &pr->groups[k].addrs);
    return NSG_OK;
}

void hd_prove_groups_release(struct hd_prove *pr)
{
    for (size_t k = 0; k < pr->n_groups; k++) {
        free(pr->groups[k].nics);
        nsg_addrset_release(&pr->groups[k].addrs);
    }
    free(pr->groups);
    pr->groups = NULL;
    pr->n_groups = 0;
}

const struct hd_pair_nic *hd_group_nic(const struct hd_prove *pr,
                                       const struct hd_group *g,
                                       const struct nsg_packet *p)
{
    const struct nsg_ip *a = p->dir == NSG_DIR_IN ? &p->dst : &p->src;
    for (size_t i = 0; i < g->n; i++) {
        const struct hd_pair_nic *pn = &pr->m.nics[g->nics[i]];
        for (size_t k = 0; k < pn->cur->n_ipconfigs; k++)
            if (pn->cur->ipconfigs[k].has_ip &&
                !nsg_ip_cmp(&pn->cur->ipconfigs[k].ip, a))
                return pn;
    }
    return &pr->m.nics[g->nics[0]];
}

/* Re-check a witness with the simulator: want_cur / want_prop. */
static nsg_rc recheck(struct hd_prove *pr, const struct hd_pair_nic *pn,
                      const struct nsg_packet *p, enum nsg_decision want_cur,
                      enum nsg_decision want_prop, struct nsg_verdict *vc,
                      struct nsg_verdict *vp, struct nsg_err *err)
{
    struct nsg_buf b = NSG_BUF_INIT;
    nsg_rc rc = nsg_sim_eval_nic(pr->m.sim_cur, pn->cur, p, vc, err);
    if (!rc)
        rc = nsg_sim_eval_nic(pr->m.sim_prop, pn->prop, p, vp, err);
    if (rc || (vc->decision == want_cur && vp->decision == want_prop))
        return rc;
    nsg_slv_packet_format(p, &b);
    rc = nsg_err_set(err, NSG_E_INTERNAL,
                     "internal inconsistency: the solver's witness %s for "
                     "NIC %s is %s today and %s with the plan in the "
                     "simulator, not %s and %s",
                     b.buf, pn->cur->name, nsg_decision_name(vc->decision),
                     nsg_decision_name(vp->decision),
                     nsg_decision_name(want_cur), nsg_decision_name(want_prop));
    nsg_buf_release(&b);
    return rc;
}

static cJSON *witness(struct hd_prove *pr, const struct hd_pair_nic *pn,
                      const struct nsg_packet *p, const struct nsg_verdict *vc,
                      const struct nsg_verdict *vp)
{
    cJSON *w = hd_witness_json(nsg_corpus_dir(pr->c), pn->cur, p);
    cJSON_AddItemToObject(w, "current", hd_verdict_json(vc));
    cJSON_AddItemToObject(w, "proposed", hd_verdict_json(vp));
    return w;
}

/* One check over a group: sat -> a re-checked witness in list. */
static nsg_rc one_check(struct hd_prove *pr, const struct hd_group *g,
                        Z3_ast *q, size_t n, enum nsg_decision want_cur,
                        enum nsg_decision want_prop, cJSON *list,
                        enum nsg_prove_status *st, cJSON *unknown,
                        struct nsg_err *err)
{
    struct nsg_packet p;
    struct nsg_verdict vc, vp;
    const struct hd_pair_nic *pn;
    bool sat = false;
    nsg_rc rc = nsg_slv_check(pr->slv, q, n, &sat, &p, err);
    if (rc == NSG_E_UNKNOWN) {
        for (size_t i = 0; i < g->n; i++)
            cJSON_AddItemToArray(
                unknown,
                cJSON_CreateString(pr->m.nics[g->nics[i]].cur->name));
        *st = hd_worse(*st, NSG_PROVE_UNKNOWN);
        return NSG_OK;
    }
    if (rc || !sat)
        return rc;
    pn = hd_group_nic(pr, g, &p);
    rc = recheck(pr, pn, &p, want_cur, want_prop, &vc, &vp, err);
    if (rc)
        return rc;
    if ((size_t)cJSON_GetArraySize(list) < pr->max_listed)
        cJSON_AddItemToArray(list, witness(pr, pn, &p, &vc, &vp));
    *st = NSG_PROVE_REFUTED;
    return NSG_OK;
}

nsg_rc hd_prove_widening(struct hd_prove *pr, enum nsg_prove_status *st,
                         cJSON *rep, struct nsg_err *err)
{
    cJSON *list = cJSON_CreateArray(), *unknown = cJSON_CreateArray();
    nsg_rc rc = NSG_OK;
    *st = NSG_PROVE_PROVEN;
    for (size_t i = 0; i < pr->n_groups && !rc; i++) {
        const struct hd_group *g = &pr->groups[i];
        Z3_ast q[3] = {g->own, g->prop, Z3_mk_not(nsg_slv_z3(pr->slv), g->cur)};
        rc = one_check(pr, g, q, 3, NSG_DEC_DENY, NSG_DEC_ALLOW, list, st,
                       unknown, err);
    }
    cJSON_AddStringToObject(rep, "status", nsg_prove_status_name(*st));
    cJSON_AddNumberToObject(rep, "nics_checked", (double)pr->m.n_nics);
    cJSON_AddNumberToObject(rep, "solver_checks", (double)pr->n_groups);
    cJSON_AddItemToObject(rep, "witnesses", list);
    cJSON_AddItemToObject(rep, "unknown_nics", unknown);
    return rc;
}

static nsg_rc platform(struct hd_prove *pr, enum nsg_prove_status *st,
                       cJSON *rep, struct nsg_err *err)
{
    cJSON *list = cJSON_CreateArray(), *unknown = cJSON_CreateArray();
    struct nsg_addrset lb = NSG_ADDRSET_INIT;
    struct nsg_ip ip;
    nsg_rc rc = NSG_OK;

    *st = NSG_PROVE_PROVEN;
    if (!nsg_ip_parse("168.63.129.16", &ip))
        nsg_addrset_add_range(&lb, 4, ip.v, ip.v);
    if (!nsg_ip_parse("fe80::1234:5678:9abc", &ip))
        nsg_addrset_add_range(&lb, 6, ip.v, ip.v);
    for (size_t i = 0; i < pr->n_groups && !rc; i++) {
        const struct hd_group *g = &pr->groups[i];
        struct nsg_slv *s = pr->slv;
        Z3_ast q[5] = {nsg_slv_dir(s, NSG_DIR_IN),
                       nsg_slv_addrset(s, NSG_SLV_DST, &g->addrs),
                       nsg_slv_addrset(s, NSG_SLV_SRC, &lb), g->cur,
                       Z3_mk_not(nsg_slv_z3(s), g->prop)};
        rc = one_check(pr, g, q, 5, NSG_DEC_ALLOW, NSG_DEC_DENY, list, st,
                       unknown, err);
    }
    nsg_addrset_release(&lb);
    cJSON_AddStringToObject(rep, "status", nsg_prove_status_name(*st));
    cJSON_AddStringToObject(rep, "checked",
                            "nothing from AzureLoadBalancer (168.63.129.16, "
                            "fe80::1234:5678:9abc) that is allowed today to "
                            "an affected NIC is denied with the plan (every "
                            "port counts: health probes can target any port "
                            "and the corpus does not record them)");
    cJSON_AddItemToObject(rep, "witnesses", list);
    cJSON_AddItemToObject(rep, "unknown_nics", unknown);
    return rc;
}

static nsg_rc user_invariants(struct hd_prove *pr, enum nsg_prove_status *st,
                              cJSON *list, struct nsg_err *err)
{
    const struct nsg_queries *qs = pr->o->invariants;
    struct nsg_verifier *v;
    nsg_rc rc = NSG_OK;
    *st = NSG_PROVE_PROVEN;
    if (!qs || !qs->n)
        return NSG_OK;
    v = nsg_verifier_new(pr->m.prop, pr->o->timeout_ms);
    for (size_t i = 0; i < qs->n && !rc; i++) {
        struct nsg_vresult r;
        cJSON *o = cJSON_CreateObject();
        memset(&r, 0, sizeof(r));
        rc = nsg_verify_run(v, &qs->q[i], &r, err);
        if (rc) {
            nsg_err_prefix(err, "invariant on line %d (%s)", qs->q[i].line,
                           qs->q[i].text);
            cJSON_Delete(o);
            nsg_vresult_release(&r);
            break;
        }
        cJSON_AddStringToObject(o, "query", qs->q[i].text);
        cJSON_AddNumberToObject(o, "line", qs->q[i].line);
        cJSON_AddStringToObject(o, "status", nsg_vstatus_name(r.status));
        if (r.has_witness && r.status == NSG_V_VIOLATED) {
            cJSON *w = cJSON_CreateObject();
            nsg_sim_packet_to_json(w, &r.witness,
                                   NSG_PJ_PROTO_TEXT | NSG_PJ_PORTS_IF_USED);
            cJSON_AddStringToObject(w, "decision",
                                    nsg_decision_name(r.decision));
            cJSON_AddItemToObject(o, "witness", w);
        }
        if (r.reason[0])
            cJSON_AddStringToObject(o, "reason", r.reason);
        if (r.status == NSG_V_VIOLATED)
            *st = NSG_PROVE_REFUTED;
        else if (r.status == NSG_V_UNKNOWN)
            *st = hd_worse(*st, NSG_PROVE_UNKNOWN);
        cJSON_AddItemToArray(list, o);
        nsg_vresult_release(&r);
    }
    nsg_verifier_free(v);
    return rc;
}

nsg_rc hd_prove_invariants(struct hd_prove *pr, enum nsg_prove_status *st,
                           cJSON *rep, struct nsg_err *err)
{
    enum nsg_prove_status sp = NSG_PROVE_PROVEN, su = NSG_PROVE_PROVEN;
    cJSON *pl = cJSON_AddObjectToObject(rep, "platform");
    cJSON *ob = cJSON_CreateObject();
    cJSON *user = cJSON_CreateArray();
    nsg_rc rc = platform(pr, &sp, pl, err);
    cJSON_AddStringToObject(ob, "status", "not_applicable");
    cJSON_AddStringToObject(ob, "note",
                            "the plan changes inbound rules only: the "
                            "outbound invariants (Windows activation to KMS, "
                            "TCP 1688) cannot be affected");
    cJSON_AddItemToObject(rep, "outbound", ob);
    if (!rc)
        rc = user_invariants(pr, &su, user, err);
    cJSON_AddItemToObject(rep, "user", user);
    *st = hd_worse(sp, su);
    cJSON_AddStringToObject(rep, "status", nsg_prove_status_name(*st));
    return rc;
}
