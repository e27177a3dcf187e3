/* prove_bench.c - ablations of `prove` (bench_harden.sh): what each idea
 * of the proof is worth, measured on one corpus and plan.
 *   replay: the shipped replay (flows to ports no plan rule matches
 *     skipped, verdict cache, the plan first and the current rules only
 *     when the plan denies) against no port filter, no cache, evaluating
 *     both models for every flow, and a linear scan of the rules instead
 *     of the simulator's index;
 *   solver: the no-widening check with the shipped encoding (hash-consed,
 *     first match over blocks of rules) against the naive one
 *     (nsg_slv_naive_allow: an if-then-else per rule), for one NIC.
 * usage: prove_bench CORPUS PLAN [NAIVE_CAP_MS] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../harden/harden_int.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

enum mode { FULL, NO_FILTER, NO_CACHE, BOTH, LINEAR };

/* The two levels of a NIC for an inbound packet, evaluated by scanning
 * (the ablation of the simulator's index): subnet then NIC. */
static enum nsg_decision linear(struct nsg_sim *sim,
                                const struct nsg_topology *t,
                                const struct nsg_nic *nic,
                                const struct nsg_packet *p)
{
    const struct nsg_subnet *s =
        nsg_topo_get(t, NSG_RES_SUBNET, nic->ipconfigs[0].subnet_id);
    const struct nsg_vnet *v = s ? nsg_topo_vnet_of_subnet(t, s) : NULL;
    const struct nsg_nsg *ns[2] = {
        s ? nsg_topo_get(t, NSG_RES_NSG, s->nsg_id) : NULL,
        nsg_topo_get(t, NSG_RES_NSG, nic->nsg_id)};
    if (p->dir == NSG_DIR_OUT) {
        const struct nsg_nsg *x = ns[0];
        ns[0] = ns[1];
        ns[1] = x;
    }
    for (int i = 0; i < 2; i++) {
        const struct nsg_cnsg *c;
        struct nsg_match m;
        if (!ns[i] || nsg_sim_get(sim, ns[i], v, &c, NULL))
            continue;
        nsg_sim_eval_linear(c, p, &m);
        if (m.decision == NSG_DEC_DENY)
            return NSG_DEC_DENY;
    }
    return NSG_DEC_ALLOW;
}

/* Destination ports some plan rule matches (the shipped filter). */
static uint8_t plan_ports[65536 / 8];
static bool plan_portless;

static void plan_filter(const struct nsg_plan *p)
{
    for (size_t i = 0; i < p->n_recs; i++)
        for (size_t k = 0; k < p->recs[i].n_rules; k++) {
            const struct nsg_plan_rule *r = &p->recs[i].rules[k];
            plan_portless |= !nsg_proto_has_ports(r->proto);
            for (size_t j = 0; j < r->dports.n; j++)
                for (unsigned q = r->dports.r[j].lo; q <= r->dports.r[j].hi;
                     q++)
                    plan_ports[q >> 3] |= (uint8_t)(1u << (q & 7));
        }
}

static int replay(struct nsg_corpus *c, struct hd_models *m, enum mode mode,
                  uint64_t *evals, uint64_t *newly)
{
    struct hd_macmap *mm = hd_macmap_new(m->cur);
    struct hd_cache *cache = hd_cache_new(18, 2, m->cur, m->prop);
    GHashTable *aff = g_hash_table_new(g_direct_hash, g_direct_equal);
    struct nsg_flow_iter *it = NULL;
    const struct nsg_flow *f;
    struct nsg_err err = NSG_ERR_INIT;
    *evals = *newly = 0;
    for (size_t i = 0; i < m->n_nics; i++)
        g_hash_table_insert(aff, (void *)m->nics[i].cur, GSIZE_TO_POINTER(i + 1));
    if (nsg_flows_open(c, &it, &err))
        return 1;
    while (nsg_flows_next(it, &f, &err) > 0) {
        const struct nsg_nic *nic = hd_macmap_get(mm, f->mac);
        gpointer ix = nic ? g_hash_table_lookup(aff, nic) : NULL;
        const struct hd_pair_nic *pn;
        struct nsg_packet p;
        struct nsg_verdict v;
        uint8_t *a = NULL, dp, dc = NSG_DEC_ALLOW;
        bool hit = false;
        if (!ix || !hd_flow_allowed(f))
            continue;
        pn = &m->nics[GPOINTER_TO_SIZE(ix) - 1];
        p = hd_flow_packet(f);
        if (mode == FULL &&
            (p.dir != NSG_DIR_IN ||
             (nsg_proto_has_ports(p.proto)
                  ? !((plan_ports[p.dport >> 3] >> (p.dport & 7)) & 1)
                  : !plan_portless)))
            continue;
        if (mode == FULL || mode == NO_FILTER) {
            a = hd_cache_find(cache, pn->cur, &p, &hit);
            if (hit) {
                dp = a[0];
                dc = a[1];
                goto done;
            }
        }
        (*evals)++;
        if (mode == LINEAR) {
            dp = (uint8_t)linear(m->sim_prop, m->prop, pn->prop, &p);
            dc = dp == NSG_DEC_ALLOW
                     ? NSG_DEC_ALLOW
                     : (uint8_t)linear(m->sim_cur, m->cur, pn->cur, &p);
            goto done;
        }
        if (nsg_sim_eval_nic(m->sim_prop, pn->prop, &p, &v, &err))
            return 1;
        dp = (uint8_t)v.decision;
        if (dp != NSG_DEC_ALLOW || mode == BOTH) {
            if (nsg_sim_eval_nic(m->sim_cur, pn->cur, &p, &v, &err))
                return 1;
            dc = (uint8_t)v.decision;
        }
        if (mode == FULL || mode == NO_FILTER) {
            a[0] = dp;
            a[1] = dc;
        }
    done:
        *newly += dp == NSG_DEC_DENY && dc == NSG_DEC_ALLOW;
    }
    nsg_flows_close(it);
    g_hash_table_destroy(aff);
    hd_cache_free(cache);
    hd_macmap_free(mm);
    return 0;
}

/* One NIC's no-widening check, shipped encoding or naive. */
static double widening(struct hd_models *m, bool naive, unsigned cap_ms,
                       const char **answer)
{
    struct nsg_slv *s = nsg_slv_new(cap_ms);
    const struct hd_pair_nic *pn = &m->nics[0];
    struct nsg_addrset addrs = NSG_ADDRSET_INIT;
    struct nsg_err err = NSG_ERR_INIT;
    Z3_context z = nsg_slv_z3(s);
    Z3_ast cur, prop;
    bool sat = false;
    double t0 = now();
    nsg_rc rc = NSG_OK;

    for (size_t i = 0; i < pn->cur->n_ipconfigs; i++)
        nsg_addrset_add_range(&addrs, pn->cur->ipconfigs[i].ip.family,
                              pn->cur->ipconfigs[i].ip.v,
                              pn->cur->ipconfigs[i].ip.v);
    if (!naive) {
        struct nsg_slv_nic dc, dp;
        rc = nsg_slv_decide_nic(s, m->sim_cur, m->cur, pn->cur, &dc, &err);
        if (!rc)
            rc = nsg_slv_decide_nic(s, m->sim_prop, m->prop, pn->prop, &dp,
                                    &err);
        cur = dc.allow;
        prop = dp.allow;
    } else { /* both levels, each an if-then-else chain of its rules */
        Z3_ast lv[2][2];
        const struct nsg_topology *ts[2] = {m->cur, m->prop};
        struct nsg_sim *sims[2] = {m->sim_cur, m->sim_prop};
        const struct nsg_nic *nics[2] = {pn->cur, pn->prop};
        for (int k = 0; k < 2 && !rc; k++) {
            const struct nsg_subnet *sn = nsg_topo_get(
                ts[k], NSG_RES_SUBNET, nics[k]->ipconfigs[0].subnet_id);
            const struct nsg_vnet *v = nsg_topo_vnet_of_subnet(ts[k], sn);
            const struct nsg_nsg *ns[2] = {
                nsg_topo_get(ts[k], NSG_RES_NSG, sn->nsg_id),
                nsg_topo_get(ts[k], NSG_RES_NSG, nics[k]->nsg_id)};
            for (int l = 0; l < 2 && !rc; l++) {
                const struct nsg_cnsg *c;
                rc = nsg_sim_get(sims[k], ns[l], v, &c, &err);
                if (!rc)
                    rc = nsg_slv_naive_allow(s, c, &lv[k][l], &err);
            }
        }
        cur = Z3_mk_and(z, 2, lv[0]);
        prop = Z3_mk_and(z, 2, lv[1]);
    }
    if (!rc) {
        Z3_ast q[4] = {nsg_slv_dir(s, NSG_DIR_IN),
                       nsg_slv_addrset(s, NSG_SLV_DST, &addrs), prop,
                       Z3_mk_not(z, cur)};
        rc = nsg_slv_check(s, q, 4, &sat, NULL, &err);
    }
    *answer = rc == NSG_E_UNKNOWN ? "timeout"
              : rc               ? "error"
              : sat              ? "widens"
                                 : "holds";
    double t = now() - t0;
    nsg_addrset_release(&addrs);
    nsg_slv_free(s);
    return t;
}

int main(int argc, char **argv)
{
    struct nsg_corpus *c = NULL;
    struct nsg_plan *p = NULL;
    struct nsg_err err = NSG_ERR_INIT;
    struct hd_models m;
    unsigned cap = argc > 3 ? (unsigned)atoi(argv[3]) : 60000;
    static const char *names[] = {"shipped (plan-port filter, cache)",
                                  "no plan-port filter",
                                  "no filter, no verdict cache",
                                  "no filter/cache, both models always",
                                  "no filter/cache, linear rule scan"};
    if (argc < 3) {
        fprintf(stderr, "usage: prove_bench CORPUS PLAN [NAIVE_CAP_MS]\n");
        return 2;
    }
    if (nsg_corpus_open(argv[1], false, &c, &err) ||
        nsg_plan_load(argv[2], &p, &err) || hd_models_load(c, p, &m, &err)) {
        fprintf(stderr, "prove_bench: %s\n", err.msg);
        return 1;
    }
    plan_filter(p);
    for (int mode = FULL; mode <= LINEAR; mode++) {
        uint64_t evals, newly;
        double t0 = now();
        if (replay(c, &m, (enum mode)mode, &evals, &newly))
            return 1;
        printf("replay %-34s %8.2f s  %10llu evaluations  %llu newly "
               "denied\n",
               names[mode], now() - t0, (unsigned long long)evals,
               (unsigned long long)newly);
        fflush(stdout);
    }
    for (int naive = 0; naive < 2 && m.n_nics; naive++) {
        const char *ans;
        double t = widening(&m, naive, cap, &ans);
        printf("no-widening, one NIC, %-20s %8.3f s  %s\n",
               naive ? "naive encoding" : "shipped encoding", t, ans);
    }
    hd_models_release(&m);
    nsg_plan_free(p);
    nsg_corpus_close(c);
    return 0;
}
