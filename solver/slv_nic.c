/* slv_nic.c - a NIC (or an address no NIC holds, with its subnet's NSG
 * alone) as one decision, from the simulator's plan of each ip
 * configuration (nsg_sim_nic_plan): traffic the VNet drops is denied;
 * platform traffic is decided by the NSG levels' rules naming its tag
 * (the level decisions include that); other traffic meets the admin stage
 * (Deny ends, AlwaysAllow ends, else) then both NSG levels; a level
 * without NSG allows.  The plan is chosen as the simulator does: the
 * configuration holding the NIC-side address, else the primary one. */
#include <stdlib.h>

#include "slv_int.h"

/* The level allows of one plan, and the whole NIC's allow under it. */
static nsg_rc plan_terms(struct nsg_slv *s, const struct nsg_nic_plan *pl,
                         Z3_ast *sub, Z3_ast *nic, Z3_ast *allow,
                         struct nsg_err *err)
{
    Z3_ast lv[2] = {s->t, s->t};
    for (int i = 0; i < 2; i++) {
        const struct nsg_slv_nsg *d;
        if (!pl->cnsg[i])
            continue;
        nsg_rc rc = nsg_slv_decide_kms(s, pl->cnsg[i], pl->kms_on, &d, err);
        if (rc)
            return rc;
        lv[i] = d->allow;
    }
    *sub = lv[0];
    *nic = lv[1];
    Z3_ast levels = nsg_slv_and2(s, lv[0], lv[1]);
    Z3_ast rest = levels;
    if (pl->admin) {
        struct nsg_slv_admin a;
        nsg_rc rc = nsg_slv_admin_decide(s, pl->admin, &a, err);
        if (rc)
            return rc;
        rest = nsg_slv_mk_ite(s, a.deny, s->f,
                         nsg_slv_mk_ite(s, a.always, s->t, levels));
    }
    Z3_ast v[2] = {
        nsg_slv_not(s, nsg_slv_platform(s, NSG_PLAT_VNET_BLOCKED, pl->kms_on)),
        nsg_slv_mk_ite(s, nsg_slv_platform_any(s, pl->kms_on), levels, rest)};
    *allow = nsg_slv_andv(s, v, 2);
    return NSG_OK;
}

nsg_rc nsg_slv_decide_nic(struct nsg_slv *s, struct nsg_sim *sim,
                          const struct nsg_topology *t,
                          const struct nsg_nic *nic, struct nsg_slv_nic *out,
                          struct nsg_err *err)
{
    struct nsg_nic_plan pl;
    nsg_rc rc;

    (void)t;
    out->nic = nic;
    rc = nsg_sim_nic_plan(sim, nic, nsg_sim_pick_ipconfig(nic, NULL), &pl,
                          err);
    if (!rc)
        rc = plan_terms(s, &pl, &out->subnet_allow, &out->nic_allow,
                        &out->allow, err);
    if (rc)
        return rc;
    /* The configuration whose address is the NIC-side address (dst
     * inbound, src outbound) wins, the first in order: built inside out. */
    for (size_t i = nic->n_ipconfigs; i-- > 0;) {
        const struct nsg_ipconfig *ic = &nic->ipconfigs[i];
        if (!ic->has_ip)
            continue;
        Z3_ast sa, na, al;
        rc = nsg_sim_nic_plan(sim, nic, ic, &pl, err);
        if (!rc)
            rc = plan_terms(s, &pl, &sa, &na, &al, err);
        if (rc)
            return rc;
        Z3_ast ip = nsg_slv_num(s, ic->ip.v, 128);
        Z3_ast in = nsg_slv_and2(s, nsg_slv_dir(s, NSG_DIR_IN),
                                 nsg_slv_mk_eq(s, s->pkt.dst, ip));
        Z3_ast o = nsg_slv_and2(s, nsg_slv_dir(s, NSG_DIR_OUT),
                                nsg_slv_mk_eq(s, s->pkt.src, ip));
        Z3_ast cond = nsg_slv_and2(s, nsg_slv_family(s, ic->ip.family),
                                   nsg_slv_or2(s, in, o));
        if (sa != out->subnet_allow)
            out->subnet_allow = nsg_slv_mk_ite(s, cond, sa, out->subnet_allow);
        if (na != out->nic_allow)
            out->nic_allow = nsg_slv_mk_ite(s, cond, na, out->nic_allow);
        if (al != out->allow)
            out->allow = nsg_slv_mk_ite(s, cond, al, out->allow);
    }
    return nsg_slv_z3_status(s, "encoding a NIC", err);
}

nsg_rc nsg_slv_decide_subnet(struct nsg_slv *s, struct nsg_sim *sim,
                             const struct nsg_subnet *sub, Z3_ast *allow,
                             struct nsg_err *err)
{
    struct nsg_nic_plan pl;
    Z3_ast sa, na;
    nsg_rc rc = nsg_sim_subnet_plan(sim, sub, &pl, err);
    if (!rc)
        rc = plan_terms(s, &pl, &sa, &na, allow, err);
    return rc ? rc : nsg_slv_z3_status(s, "encoding a subnet", err);
}
