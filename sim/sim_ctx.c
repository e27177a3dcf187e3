/* sim_ctx.c - the resolution context of the simulator: what the tags
 * VirtualNetwork, AzureLoadBalancer, Internet, the platform tags, the
 * imported service tags and application security groups stand for in one
 * virtual network (or, with Azure's own expansion, at one NIC). */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sim.h"

#define WIRESERVER "168.63.129.16/32"
#define LB_V6 "fe80::1234:5678:9abc/128"

static void add_text(struct nsg_addrset *s, const char *cidr)
{
    struct nsg_cidr c;
    if (nsg_cidr_parse(cidr, &c) == 0)
        nsg_addrset_add_cidr(s, &c);
}

/* Add n prefixes at once (one normalization instead of n). */
static void add_cidrs(struct nsg_addrset *s, const struct nsg_cidr *c,
                      size_t n)
{
    struct nsg_addrset tmp = NSG_ADDRSET_INIT;
    if (n == 0)
        return;
    tmp.r = nsg_xmalloc(n * sizeof(*tmp.r));
    for (size_t i = 0; i < n; i++)
        tmp.r[i] = (struct nsg_range){c[i].family, nsg_cidr_lo(&c[i]),
                                      nsg_cidr_hi(&c[i])};
    tmp.n = tmp.cap = n;
    nsg_addrset_union(s, &tmp);
    nsg_addrset_release(&tmp);
}

static bool same_id(const char *a, const char *b)
{
    return a && b && !strcasecmp(a, b);
}

/* Prefixes of the user-defined routes of the route table of one subnet. */
static void add_udrs(struct nsg_addrset *s, const struct nsg_topology *t,
                     const struct nsg_subnet *sub)
{
    const struct nsg_route_table *rt =
        nsg_topo_get(t, NSG_RES_ROUTE_TABLE, sub->route_table_id);
    if (!rt)
        return;
    for (size_t i = 0; i < rt->n_routes; i++)
        if (!rt->routes[i].prefix_is_tag)
            nsg_addrset_add_cidr(s, &rt->routes[i].prefix);
}

/* VirtualNetwork: the vnet's space, the spaces of its connected peerings
 * that allow virtual network access, the prefixes of the UDRs of its
 * subnets and the host's virtual IP.  Connected on-premises spaces (VPN,
 * ExpressRoute) are not in the model. */
static void build_vnet_tag(struct nsg_ctx *ctx)
{
    const struct nsg_vnet *v = ctx->vnet;
    const struct nsg_topology *t = ctx->t;

    add_text(&ctx->vnet_tag, WIRESERVER);
    if (!v)
        return;
    add_cidrs(&ctx->vnet_tag, v->space, v->n_space);
    for (size_t i = 0; i < v->n_peerings; i++) {
        const struct nsg_peering *p = &v->peerings[i];
        if (p->allow_vnet_access && p->state &&
            !strcasecmp(p->state, "Connected"))
            add_cidrs(&ctx->vnet_tag, p->remote_space, p->n_remote_space);
    }
    if (!t)
        return;
    /* subnets listed by the vnet, and subnets that name the vnet */
    for (size_t i = 0; i < v->n_subnet_ids; i++) {
        const struct nsg_subnet *s =
            nsg_topo_get(t, NSG_RES_SUBNET, v->subnet_ids[i]);
        if (s && !same_id(s->vnet_id, v->id))
            add_udrs(&ctx->vnet_tag, t, s);
    }
    for (guint i = 0; i < NSG_TOPO_N(t, NSG_RES_SUBNET); i++) {
        const struct nsg_subnet *s = NSG_TOPO_AT(t, NSG_RES_SUBNET, i);
        if (same_id(s->vnet_id, v->id))
            add_udrs(&ctx->vnet_tag, t, s);
    }
}

/* Internet: Azure's own expansion for the NIC when the corpus holds it,
 * else public space minus the virtual network's own address space only
 * (not peerings, routes or 168.63.129.16: docs/semantics.md T3). */
static void build_internet(struct nsg_ctx *ctx)
{
    const struct nsg_addrset *e = nsg_tag_expansion_get(ctx->exp, "Internet");
    if (e)
        nsg_addrset_copy(&ctx->internet, e);
    else
        nsg_sem_internet(ctx->vnet, &ctx->internet);
}

nsg_rc nsg_ctx_init_exp(struct nsg_ctx *ctx, const struct nsg_topology *t,
                        const struct nsg_vnet *vnet,
                        const struct nsg_tag_expansion *exp,
                        struct nsg_err *err)
{
    (void)err;
    memset(ctx, 0, sizeof(*ctx));
    ctx->t = t;
    ctx->vnet = vnet;
    ctx->exp = exp;
    const struct nsg_addrset *e = nsg_tag_expansion_get(exp, "VirtualNetwork");
    if (e)
        nsg_addrset_copy(&ctx->vnet_tag, e);
    else
        build_vnet_tag(ctx);
    build_internet(ctx);
    return NSG_OK;
}

nsg_rc nsg_ctx_init(struct nsg_ctx *ctx, const struct nsg_topology *t,
                    const struct nsg_vnet *vnet, struct nsg_err *err)
{
    return nsg_ctx_init_exp(ctx, t, vnet, NULL, err);
}

void nsg_ctx_release(struct nsg_ctx *ctx)
{
    if (!ctx)
        return;
    nsg_addrset_release(&ctx->vnet_tag);
    nsg_addrset_release(&ctx->internet);
}

nsg_rc nsg_ctx_resolve_tag(const struct nsg_ctx *ctx, const char *tag,
                           struct nsg_addrset *out, struct nsg_err *err)
{
    const struct nsg_service_tag *st;
    const struct nsg_addrset *e;

    if (!strcmp(tag, "*")) {
        nsg_addrset_add_all(out, 0);
        return NSG_OK;
    }
    if (!strcasecmp(tag, "VirtualNetwork")) {
        nsg_addrset_union(out, &ctx->vnet_tag);
        return NSG_OK;
    }
    if (!strcasecmp(tag, "Internet")) {
        nsg_addrset_union(out, &ctx->internet);
        return NSG_OK;
    }
    e = nsg_tag_expansion_get(ctx->exp, tag);
    if (e) { /* Azure's own expansion at this NIC */
        nsg_addrset_union(out, e);
        return NSG_OK;
    }
    if (!strcasecmp(tag, "AzureLoadBalancer")) {
        add_text(out, WIRESERVER);
        add_text(out, LB_V6);
        return NSG_OK;
    }
    if (nsg_sem_platform_tag(tag, out))
        return NSG_OK;
    st = ctx->t ? nsg_topo_tag(ctx->t, tag) : NULL;
    if (!st)
        return nsg_err_set(err, NSG_E_NOTFOUND,
                           "service tag '%s' is not known: import a Service "
                           "Tags file (ServiceTags_Public_*.json) that "
                           "defines it",
                           tag);
    nsg_addrset_union(out, &st->set);
    return NSG_OK;
}

nsg_rc nsg_ctx_resolve_asg(const struct nsg_ctx *ctx, const char *asg_id,
                           struct nsg_addrset *out, struct nsg_err *err)
{
    const struct nsg_topology *t = ctx->t;
    struct nsg_addrset tmp = NSG_ADDRSET_INIT;
    size_t cap = 0;

    (void)err;
    if (!t)
        return NSG_OK;
    for (guint i = 0; i < NSG_TOPO_N(t, NSG_RES_NIC); i++) {
        const struct nsg_nic *nic = NSG_TOPO_AT(t, NSG_RES_NIC, i);
        for (size_t j = 0; j < nic->n_ipconfigs; j++) {
            const struct nsg_ipconfig *ic = &nic->ipconfigs[j];
            bool member = false;
            for (size_t k = 0; k < ic->n_asg_ids && !member; k++)
                member = same_id(ic->asg_ids[k], asg_id);
            if (!member || !ic->has_ip)
                continue;
            if (tmp.n == cap) {
                cap = cap ? cap * 2 : 16;
                tmp.r = nsg_xrealloc(tmp.r, cap * sizeof(*tmp.r));
            }
            tmp.r[tmp.n++] = (struct nsg_range){ic->ip.family, ic->ip.v,
                                                ic->ip.v};
        }
    }
    tmp.cap = cap;
    nsg_addrset_union(out, &tmp);
    nsg_addrset_release(&tmp);
    return NSG_OK;
}
