/* slv_verify_ep.c - endpoint resolution for verify: the NICs (and their
 * private addresses) a nic:/subnet:/vnet:/asg:/vm: endpoint stands for, the
 * addresses of an IP, prefix, tag or '*' in a simulator context, and the
 * vnet relations that decide which NICs lie on a path. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "verify.h"

static bool same_id(const char *a, const char *b)
{
    return a && b && !strcasecmp(a, b);
}

void nsg_ep_members_release(struct nsg_ep_members *ms)
{
    if (!ms)
        return;
    for (size_t i = 0; i < ms->n; i++)
        nsg_addrset_release(&ms->m[i].addrs);
    free(ms->m);
    ms->m = NULL;
    ms->n = 0;
}

const struct nsg_vnet *nsg_verify_nic_vnet(const struct nsg_topology *t,
                                           const struct nsg_nic *nic)
{
    const struct nsg_subnet *s = nsg_topo_subnet_of_nic(t, nic);
    return s ? nsg_topo_vnet_of_subnet(t, s) : NULL;
}

static bool peers_to(const struct nsg_vnet *a, const struct nsg_vnet *b)
{
    for (size_t i = 0; i < a->n_peerings; i++) {
        const struct nsg_peering *p = &a->peerings[i];
        if (same_id(p->remote_vnet_id, b->id) && p->allow_vnet_access &&
            p->state && !strcasecmp(p->state, "Connected"))
            return true;
    }
    return false;
}

bool nsg_verify_vnets_joined(const struct nsg_vnet *a,
                             const struct nsg_vnet *b)
{
    if (!a || !b)
        return false;
    if (a == b || same_id(a->id, b->id))
        return true;
    return peers_to(a, b) || peers_to(b, a);
}

/* Which ip configurations of a NIC an endpoint covers. */
typedef bool (*ic_pred)(const struct nsg_topology *t,
                        const struct nsg_nic *nic,
                        const struct nsg_ipconfig *ic, const void *target);

static bool in_subnet(const struct nsg_topology *t, const struct nsg_nic *nic,
                      const struct nsg_ipconfig *ic, const void *target)
{
    (void)t;
    (void)nic;
    return same_id(ic->subnet_id, ((const struct nsg_subnet *)target)->id);
}

static bool in_vnet(const struct nsg_topology *t, const struct nsg_nic *nic,
                    const struct nsg_ipconfig *ic, const void *target)
{
    (void)nic;
    const struct nsg_subnet *s = nsg_topo_get(t, NSG_RES_SUBNET, ic->subnet_id);
    return s && same_id(s->vnet_id, ((const struct nsg_vnet *)target)->id);
}

static bool in_asg(const struct nsg_topology *t, const struct nsg_nic *nic,
                   const struct nsg_ipconfig *ic, const void *target)
{
    (void)t;
    (void)nic;
    const struct nsg_asg *a = target;
    for (size_t i = 0; i < ic->n_asg_ids; i++)
        if (same_id(ic->asg_ids[i], a->id))
            return true;
    return false;
}

static bool of_vm(const struct nsg_topology *t, const struct nsg_nic *nic,
                  const struct nsg_ipconfig *ic, const void *target)
{
    (void)t;
    (void)ic;
    const struct nsg_vm *vm = target;
    if (same_id(nic->vm_id, vm->id))
        return true;
    for (size_t i = 0; i < vm->n_nic_ids; i++)
        if (same_id(vm->nic_ids[i], nic->id))
            return true;
    return false;
}

static bool is_nic(const struct nsg_topology *t, const struct nsg_nic *nic,
                   const struct nsg_ipconfig *ic, const void *target)
{
    (void)t;
    (void)ic;
    return nic == target;
}

/* Every NIC with at least one covered ip configuration that has an
 * address, with the covered addresses. */
static void collect(const struct nsg_topology *t, ic_pred pred,
                    const void *target, struct nsg_ep_members *out)
{
    for (guint i = 0; i < NSG_TOPO_N(t, NSG_RES_NIC); i++) {
        const struct nsg_nic *nic = NSG_TOPO_AT(t, NSG_RES_NIC, i);
        struct nsg_addrset a = NSG_ADDRSET_INIT;
        for (size_t j = 0; j < nic->n_ipconfigs; j++) {
            const struct nsg_ipconfig *ic = &nic->ipconfigs[j];
            if (ic->has_ip && pred(t, nic, ic, target))
                nsg_addrset_add_range(&a, ic->ip.family, ic->ip.v, ic->ip.v);
        }
        if (nsg_addrset_is_empty(&a)) {
            nsg_addrset_release(&a);
            continue;
        }
        out->m = nsg_xrealloc(out->m, (out->n + 1) * sizeof(*out->m));
        out->m[out->n].nic = nic;
        out->m[out->n].addrs = a;
        out->n++;
    }
}

/* subnet:VNET/NAME - the subnet NAME of the vnet VNET. */
static nsg_rc find_subnet_in_vnet(const struct nsg_topology *t,
                                  const char *spec, void **out,
                                  struct nsg_err *err)
{
    const char *slash = strchr(spec, '/');
    char *vname = g_strndup(spec, (size_t)(slash - spec));
    void *vp = NULL;
    nsg_rc rc = nsg_topo_find(t, NSG_RES_VNET, vname, &vp, err);
    g_free(vname);
    if (rc)
        return rc;
    const struct nsg_vnet *v = vp;
    for (guint i = 0; i < NSG_TOPO_N(t, NSG_RES_SUBNET); i++) {
        struct nsg_subnet *s = NSG_TOPO_AT(t, NSG_RES_SUBNET, i);
        if (same_id(s->vnet_id, v->id) && s->name &&
            !strcasecmp(s->name, slash + 1)) {
            *out = s;
            return NSG_OK;
        }
    }
    return nsg_err_set(err, NSG_E_NOTFOUND, "vnet %s has no subnet named '%s'",
                       v->name ? v->name : v->id, slash + 1);
}

nsg_rc nsg_verify_members(const struct nsg_topology *t,
                          const struct nsg_endpoint *ep,
                          struct nsg_ep_members *out, struct nsg_err *err)
{
    void *res = NULL;
    nsg_rc rc;
    ic_pred pred;
    enum nsg_res_type type;

    out->m = NULL;
    out->n = 0;
    switch (ep->kind) {
    case NSG_EP_NIC: type = NSG_RES_NIC; pred = is_nic; break;
    case NSG_EP_SUBNET: type = NSG_RES_SUBNET; pred = in_subnet; break;
    case NSG_EP_VNET: type = NSG_RES_VNET; pred = in_vnet; break;
    case NSG_EP_ASG: type = NSG_RES_ASG; pred = in_asg; break;
    case NSG_EP_VM: type = NSG_RES_VM; pred = of_vm; break;
    default:
        return nsg_err_set(err, NSG_E_INTERNAL,
                           "endpoint '%s' does not name a resource", ep->text);
    }
    if (type == NSG_RES_SUBNET && ep->name[0] != '/' && strchr(ep->name, '/'))
        rc = find_subnet_in_vnet(t, ep->name, &res, err);
    else
        rc = nsg_topo_find(t, type, ep->name, &res, err);
    if (rc)
        return nsg_err_prefix(err, "endpoint '%s'", ep->text);
    collect(t, pred, res, out);
    if (out->n == 0)
        return nsg_err_set(err, NSG_E_INPUT,
                           "endpoint '%s': no NIC ip configuration with a "
                           "private address belongs to it",
                           ep->text);
    return NSG_OK;
}

nsg_rc nsg_verify_addrs(const struct nsg_ctx *ctx,
                        const struct nsg_endpoint *ep, struct nsg_addrset *out,
                        struct nsg_err *err)
{
    switch (ep->kind) {
    case NSG_EP_ANY:
        nsg_addrset_add_all(out, 0);
        return NSG_OK;
    case NSG_EP_CIDR:
        nsg_addrset_add_cidr(out, &ep->cidr);
        return NSG_OK;
    case NSG_EP_TAG: {
        nsg_rc rc = nsg_ctx_resolve_tag(ctx, ep->name, out, err);
        return rc ? nsg_err_prefix(err, "endpoint '%s'", ep->text) : NSG_OK;
    }
    default: {
        struct nsg_ep_members ms = NSG_EP_MEMBERS_INIT;
        nsg_rc rc = nsg_verify_members(ctx->t, ep, &ms, err);
        for (size_t i = 0; !rc && i < ms.n; i++)
            nsg_addrset_union(out, &ms.m[i].addrs);
        nsg_ep_members_release(&ms);
        return rc;
    }
    }
}
