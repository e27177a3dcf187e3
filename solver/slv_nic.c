/* slv_nic.c - both NSG levels of a NIC as one decision: the subnet's NSG
 * (chosen by the ip configuration that holds the NIC-side address, else the
 * primary one, as the simulator does) and the NIC's own NSG; a level
 * without NSG allows. */
#include <stdlib.h>

#include "slv_int.h"

/* Allow term of one level's NSG (true when nsg_id is NULL). */
static nsg_rc level_allow(struct nsg_slv *s, struct nsg_sim *sim,
                          const struct nsg_topology *t, const char *nsg_id,
                          const struct nsg_vnet *vnet, const char *owner,
                          Z3_ast *out, struct nsg_err *err)
{
    const struct nsg_nsg *nsg;
    const struct nsg_cnsg *c;
    const struct nsg_slv_nsg *d;
    *out = s->t;
    if (!nsg_id)
        return NSG_OK;
    nsg = nsg_topo_get(t, NSG_RES_NSG, nsg_id);
    if (!nsg)
        return nsg_err_set(err, NSG_E_NOTFOUND,
                           "%s uses NSG %s, which is not in the corpus", owner,
                           nsg_id);
    nsg_rc rc = nsg_sim_get(sim, nsg, vnet, &c, err);
    if (!rc)
        rc = nsg_slv_decide(s, c, &d, err);
    if (!rc)
        *out = d->allow;
    return rc;
}

/* Both levels when ip configuration ic (may be NULL) is the one in use. */
static nsg_rc levels_for(struct nsg_slv *s, struct nsg_sim *sim,
                         const struct nsg_topology *t,
                         const struct nsg_nic *nic,
                         const struct nsg_ipconfig *ic, Z3_ast *sub,
                         Z3_ast *nicl, struct nsg_err *err)
{
    const struct nsg_subnet *sn = NULL;
    const struct nsg_vnet *vnet = NULL;
    nsg_rc rc;
    *sub = s->t;
    if (ic && ic->subnet_id) {
        sn = nsg_topo_get(t, NSG_RES_SUBNET, ic->subnet_id);
        if (!sn)
            return nsg_err_set(err, NSG_E_NOTFOUND,
                               "NIC %s is in subnet %s, which is not in the "
                               "corpus",
                               nic->name ? nic->name : "?", ic->subnet_id);
        vnet = nsg_topo_vnet_of_subnet(t, sn);
        rc = level_allow(s, sim, t, sn->nsg_id, vnet, "subnet", sub, err);
        if (rc)
            return rc;
    }
    return level_allow(s, sim, t, nic->nsg_id, vnet, "NIC", nicl, err);
}

nsg_rc nsg_slv_decide_nic(struct nsg_slv *s, struct nsg_sim *sim,
                          const struct nsg_topology *t,
                          const struct nsg_nic *nic, struct nsg_slv_nic *out,
                          struct nsg_err *err)
{
    const struct nsg_ipconfig *primary = NULL;
    nsg_rc rc;

    for (size_t i = 0; i < nic->n_ipconfigs; i++)
        if (!primary || nic->ipconfigs[i].primary) {
            primary = &nic->ipconfigs[i];
            if (primary->primary)
                break;
        }
    out->nic = nic;
    rc = levels_for(s, sim, t, nic, primary, &out->subnet_allow,
                    &out->nic_allow, err);
    if (rc)
        return rc;
    /* The configuration whose address is the NIC-side address (dst
     * inbound, src outbound) wins, the first in order: built inside out. */
    for (size_t i = nic->n_ipconfigs; i-- > 0;) {
        const struct nsg_ipconfig *ic = &nic->ipconfigs[i];
        if (!ic->has_ip)
            continue;
        Z3_ast sa, na;
        rc = levels_for(s, sim, t, nic, ic, &sa, &na, err);
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
    }
    out->allow = nsg_slv_and2(s, out->subnet_allow, out->nic_allow);
    return nsg_slv_z3_status(s, "encoding a NIC", err);
}
