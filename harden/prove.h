/* prove.h - the parts of `prove`, shared by prove.c (orchestration and the
 * exact replay of the observed flows), prove_solver.c (the Z3 no-widening
 * proof and the invariants) and closes.c (what the plan closes). */
#ifndef NSG_HARDEN_PROVE_H
#define NSG_HARDEN_PROVE_H

#include "harden_int.h"

/* NICs whose composed decisions are the same formulas today and with the
 * plan (the same NSG pair in the same context): one solver check serves
 * them all, restricted to their addresses. */
struct hd_group {
    size_t *nics; /* indices into m.nics */
    size_t n;
    Z3_ast cur, prop;        /* both levels allow: today, with the plan */
    struct nsg_addrset addrs; /* the NICs' addresses */
    Z3_ast own;               /* the NIC-side address is one of them */
};

struct hd_prove {
    struct nsg_corpus *c;
    const struct nsg_plan *p;
    const struct nsg_prove_opts *o;
    struct hd_models m;
    struct nsg_slv *slv;
    size_t max_listed;
    struct hd_group *groups;
    size_t n_groups;
};

/* Group the affected NICs (prove_solver.c); errors of the encoding (an
 * unresolved tag) are input errors naming the rule. */
nsg_rc hd_prove_groups(struct hd_prove *pr, struct nsg_err *err) NSG_WUR;
void hd_prove_groups_release(struct hd_prove *pr);
/* The NIC of group g that owns packet p's NIC-side address. */
const struct hd_pair_nic *hd_group_nic(const struct hd_prove *pr,
                                       const struct hd_group *g,
                                       const struct nsg_packet *p);

/* Each part returns its status through *st and fills its report object. */
nsg_rc hd_prove_flows(struct hd_prove *pr, enum nsg_prove_status *st,
                      cJSON *rep, struct nsg_err *err) NSG_WUR;
nsg_rc hd_prove_widening(struct hd_prove *pr, enum nsg_prove_status *st,
                         cJSON *rep, struct nsg_err *err) NSG_WUR;
nsg_rc hd_prove_invariants(struct hd_prove *pr, enum nsg_prove_status *st,
                           cJSON *rep, struct nsg_err *err) NSG_WUR;
nsg_rc hd_prove_closes(struct hd_prove *pr, cJSON *rep,
                       struct nsg_err *err) NSG_WUR;

/* The private addresses of a NIC (its ip configurations). */
void hd_nic_addrs(const struct nsg_nic *nic, struct nsg_addrset *out);
/* {decision, nsg, rule} of a verdict. */
cJSON *hd_verdict_json(const struct nsg_verdict *v);
/* A packet as JSON (check's style) plus the `check` command line that
 * reproduces the current decision. */
cJSON *hd_witness_json(const char *corpus_dir, const struct nsg_nic *nic,
                       const struct nsg_packet *p);
/* Combine statuses: refuted wins, then unknown. */
static inline enum nsg_prove_status hd_worse(enum nsg_prove_status a,
                                             enum nsg_prove_status b)
{
    if (a == NSG_PROVE_REFUTED || b == NSG_PROVE_REFUTED)
        return NSG_PROVE_REFUTED;
    if (a == NSG_PROVE_UNKNOWN || b == NSG_PROVE_UNKNOWN)
        return NSG_PROVE_UNKNOWN;
    return NSG_PROVE_PROVEN;
}

#endif
