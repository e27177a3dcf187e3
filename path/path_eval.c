/* path_eval.c - the NSG decisions along one path for one concrete packet:
 * every evaluation point in order (the source NIC outbound, appliances in
 * and out, the destination inbound), each seeing the packet as translated
 * so far, with the simulator (the stages before the NSGs included: traffic
 * the VNet drops, platform traffic, security admin rules); evaluation stops
 * at the first point that does not allow (the packet goes no further). */
#include <stdlib.h>
#include <string.h>

#include "path_int.h"

void nsg_ptrace_release(struct nsg_ptrace *t)
{
    if (!t)
        return;
    free(t->v);
    memset(t, 0, sizeof(*t));
}

nsg_rc nsg_pnet_eval(const struct nsg_pnet *n, struct nsg_sim *sim,
                     const struct nsg_path *path,
                     const struct nsg_packet *p, struct nsg_ptrace *out,
                     struct nsg_err *err)
{
    size_t total = 0;
    (void)n; /* the simulator holds n's topology */
    memset(out, 0, sizeof(*out));
    out->path = path;
    out->decision = NSG_DEC_ALLOW;
    for (size_t i = 0; i < path->n_hops; i++)
        total += path->hops[i].n_eval;
    out->v = nsg_xcalloc(total ? total : 1, sizeof(*out->v));
    for (size_t i = 0; i < path->n_hops; i++)
        for (size_t k = 0; k < path->hops[i].n_eval; k++) {
            const struct nsg_peval *e = &path->hops[i].eval[k];
            struct nsg_pverdict *pv = &out->v[out->n];
            nsg_rc rc;
            pv->at = e;
            pv->pkt = *p;
            pv->pkt.dir = e->dir;
            nsg_pview_apply(&e->view, &pv->pkt);
            rc = e->nic ? nsg_sim_eval_nic(sim, e->nic, &pv->pkt, &pv->v, err)
                        : nsg_sim_eval_subnet(sim, e->subnet, &pv->pkt, &pv->v,
                                              err);
            if (rc) {
                nsg_ptrace_release(out);
                return rc;
            }
            out->n++;
            if (pv->v.decision != NSG_DEC_ALLOW) {
                out->decision = pv->v.decision;
                return NSG_OK;
            }
        }
    return NSG_OK;
}
