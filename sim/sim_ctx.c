/* sim_ctx.c - the resolution context of the simulator: what the tags
 * VirtualNetwork, AzureLoadBalancer, Internet, the platform tags, the
 * imported service tags and application security groups stand for in one
 * virtual network (or, with Azure's own expansion, at one NIC), and what
 * the corpus lacks to know it (a virtual network, a peering's remote
 * space, a route table, an ASG's members): those parts resolve as unknown,
 * so an answer that depends on them is never guessed. */
#include <stdarg.h>
#include <stdio.h>
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

/* A peering whose remote space is part of VirtualNetwork. */
static bool peering_counts(const struct nsg_peering *p)
{
    return p->allow_vnet_access && p->state &&
           !strcasecmp(p->state, "Connected");
}

bool nsg_sim_vnet_known(const struct nsg_vnet *v)
{
    /* A virtual network always has an address space; one without is the
     * placeholder of a virtual network that is not in the corpus (see
     * nsg_topo_link). */
    return v && v->n_space > 0;
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
        const struct nsg_vnet *rv;
        if (!peering_counts(p))
            continue;
        if (p->n_remote_space)
            add_cidrs(&ctx->vnet_tag, p->remote_space, p->n_remote_space);
        else if ((rv = t ? nsg_topo_get(t, NSG_RES_VNET, p->remote_vnet_id)
                         : NULL))
            add_cidrs(&ctx->vnet_tag, rv->space, rv->n_space);
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

/* The subnets of v: those it lists and those that name it (each once). */
static void subnets_of(const struct nsg_topology *t, const struct nsg_vnet *v,
                       GPtrArray *out)
{
    for (size_t i = 0; i < v->n_subnet_ids; i++) {
        struct nsg_subnet *s = nsg_topo_get(t, NSG_RES_SUBNET, v->subnet_ids[i]);
        if (s && !g_ptr_array_find(out, s, NULL))
            g_ptr_array_add(out, s);
    }
    for (guint i = 0; i < NSG_TOPO_N(t, NSG_RES_SUBNET); i++) {
        struct nsg_subnet *s = NSG_TOPO_AT(t, NSG_RES_SUBNET, i);
        if (same_id(s->vnet_id, v->id) && !g_ptr_array_find(out, s, NULL))
            g_ptr_array_add(out, s);
    }
}

static void gap(struct nsg_buf *why, bool *any, const char *fmt, ...)
    NSG_PRINTF(3, 4);
static void gap(struct nsg_buf *why, bool *any, const char *fmt, ...)
{
    va_list ap;
    if (why) {
        char line[1024];
        va_start(ap, fmt);
        vsnprintf(line, sizeof(line), fmt, ap);
        va_end(ap);
        nsg_buf_addf(why, "%s%s", *any ? "; " : "", line);
    }
    *any = true;
}

bool nsg_ctx_gaps(const struct nsg_topology *t, const struct nsg_vnet *v,
                  struct nsg_buf *why)
{
    bool any = false;
    if (!v || !t)
        return false;
    if (!nsg_sim_vnet_known(v)) {
        gap(why, &any,
            "virtual network %s is not in the corpus (its address space "
            "makes the VirtualNetwork and Internet tags): import it "
            "(az network vnet list -o json, or its ARM JSON)",
            v->id ? v->id : v->name);
        return true;
    }
    for (size_t i = 0; i < v->n_peerings; i++) {
        const struct nsg_peering *p = &v->peerings[i];
        const struct nsg_vnet *rv =
            nsg_topo_get(t, NSG_RES_VNET, p->remote_vnet_id);
        if (peering_counts(p) && !p->n_remote_space &&
            !nsg_sim_vnet_known(rv))
            gap(why, &any,
                "the address space of %s, peered with virtual network %s "
                "(peering %s), is not in the corpus: import that virtual "
                "network",
                p->remote_vnet_id ? p->remote_vnet_id : "the remote network",
                v->name ? v->name : "?", p->name ? p->name : "?");
    }
    GPtrArray *subs = g_ptr_array_new();
    subnets_of(t, v, subs);
    for (guint i = 0; i < subs->len; i++) {
        const struct nsg_subnet *s = subs->pdata[i];
        bool seen = false; /* one sentence per route table */
        for (guint k = 0; k < i && !seen; k++)
            seen = same_id(((struct nsg_subnet *)subs->pdata[k])->route_table_id,
                           s->route_table_id);
        if (s->route_table_id && !seen &&
            !nsg_topo_get(t, NSG_RES_ROUTE_TABLE, s->route_table_id))
            gap(why, &any,
                "route table %s of subnet %s is not in the corpus (its "
                "routes' prefixes are part of VirtualNetwork): import it "
                "(az network route-table list -o json)",
                s->route_table_id, s->name ? s->name : "?");
    }
    g_ptr_array_free(subs, TRUE);
    return any;
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

/* Prefixes of the subnets of the context's virtual network: inside its
 * address space, whatever the rest of it is. */
static void add_subnet_prefixes(struct nsg_ctx *ctx)
{
    GPtrArray *subs = g_ptr_array_new();
    subnets_of(ctx->t, ctx->vnet, subs);
    for (guint i = 0; i < subs->len; i++) {
        const struct nsg_subnet *s = subs->pdata[i];
        add_cidrs(&ctx->vnet_tag, s->prefixes, s->n_prefixes);
    }
    g_ptr_array_free(subs, TRUE);
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
    if (e) { /* Azure's own expansion: known whatever the corpus lacks */
        nsg_addrset_copy(&ctx->vnet_tag, e);
    } else {
        ctx->partial = nsg_ctx_gaps(t, vnet, NULL);
        build_vnet_tag(ctx);
        /* Only the certain part of VirtualNetwork is known then (the
         * host's address, the subnets' prefixes, known peerings and
         * routes). */
        if (ctx->partial && !nsg_sim_vnet_known(vnet))
            add_subnet_prefixes(ctx);
    }
    /* Internet subtracts the virtual network's own space only: it is
     * unknown only when that virtual network is missing, and then no
     * address is certainly Internet (any might be in its space). */
    ctx->internet_partial = t && vnet && !nsg_sim_vnet_known(vnet) &&
                            !nsg_tag_expansion_get(exp, "Internet");
    if (!ctx->internet_partial)
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
    if (!strcasecmp(tag, "VirtualNetwork") || !strcasecmp(tag, "Internet")) {
        bool inet = !strcasecmp(tag, "Internet");
        nsg_addrset_union(out, inet ? &ctx->internet : &ctx->vnet_tag);
        if (!(inet ? ctx->internet_partial : ctx->partial))
            return NSG_OK;
        struct nsg_buf why = NSG_BUF_INIT;
        nsg_ctx_gaps(ctx->t, ctx->vnet, &why);
        nsg_err_set(err, NSG_E_NOTFOUND, "tag %s is known only in part: %s",
                    tag, why.buf);
        nsg_buf_release(&why);
        return NSG_E_NOTFOUND;
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

/* A NIC that the corpus names (a VM's or an NSG's) but does not hold: it
 * might be a member of any ASG.  NULL when every named NIC is there. */
static const char *missing_nic(const struct nsg_topology *t)
{
    for (guint i = 0; i < NSG_TOPO_N(t, NSG_RES_VM); i++) {
        const struct nsg_vm *vm = NSG_TOPO_AT(t, NSG_RES_VM, i);
        for (size_t k = 0; k < vm->n_nic_ids; k++)
            if (!nsg_topo_get(t, NSG_RES_NIC, vm->nic_ids[k]))
                return vm->nic_ids[k];
    }
    for (guint i = 0; i < NSG_TOPO_N(t, NSG_RES_NSG); i++) {
        const struct nsg_nsg *n = NSG_TOPO_AT(t, NSG_RES_NSG, i);
        for (size_t k = 0; k < n->n_nic_ids; k++)
            if (!nsg_topo_get(t, NSG_RES_NIC, n->nic_ids[k]))
                return n->nic_ids[k];
    }
    return NULL;
}

nsg_rc nsg_ctx_resolve_asg(const struct nsg_ctx *ctx, const char *asg_id,
                           struct nsg_addrset *out, struct nsg_err *err)
{
    const struct nsg_topology *t = ctx->t;
    struct nsg_addrset tmp = NSG_ADDRSET_INIT;
    size_t cap = 0, members = 0;
    const char *no_ip = NULL, *lost;

    if (!t)
        return NSG_OK;
    for (guint i = 0; i < NSG_TOPO_N(t, NSG_RES_NIC); i++) {
        const struct nsg_nic *nic = NSG_TOPO_AT(t, NSG_RES_NIC, i);
        for (size_t j = 0; j < nic->n_ipconfigs; j++) {
            const struct nsg_ipconfig *ic = &nic->ipconfigs[j];
            bool member = false;
            for (size_t k = 0; k < ic->n_asg_ids && !member; k++)
                member = same_id(ic->asg_ids[k], asg_id);
            if (!member)
                continue;
            members++;
            if (!ic->has_ip) {
                no_ip = nic->name ? nic->name : nic->id;
                continue;
            }
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
    /* Membership is written on the NICs' ip configurations: it is only
     * known when every NIC is in the corpus with its address. */
    if (!members)
        return nsg_err_set(err, NSG_E_NOTFOUND,
                           "no NIC of the corpus is a member of application "
                           "security group %s: import its NICs (az network "
                           "nic list -o json)",
                           asg_id);
    if (no_ip)
        return nsg_err_set(err, NSG_E_NOTFOUND,
                           "NIC %s, a member of application security group "
                           "%s, has no private IP address in the corpus: "
                           "import the NIC as Azure shows it",
                           no_ip, asg_id);
    if ((lost = missing_nic(t)))
        return nsg_err_set(err, NSG_E_NOTFOUND,
                           "NIC %s is not in the corpus, so the members of "
                           "application security group %s are not all known: "
                           "import it (az network nic list -o json)",
                           lost, asg_id);
    return NSG_OK;
}

void nsg_ctx_unknown_hint(const struct nsg_topology *t,
                          const struct nsg_vnet *vnet, const char *tag,
                          struct nsg_buf *out)
{
    struct nsg_ctx ctx = {.t = t, .vnet = vnet};
    struct nsg_addrset tmp = NSG_ADDRSET_INIT;
    struct nsg_err e = NSG_ERR_INIT;
    if (!tag) {
        nsg_buf_adds(out, "an unresolved tag");
    } else if (!strcasecmp(tag, "VirtualNetwork") ||
               !strcasecmp(tag, "Internet")) {
        if (!nsg_ctx_gaps(t, vnet, out))
            nsg_buf_addf(out, "tag %s is not known", tag);
    } else if (tag[0] == '/') { /* an ASG id */
        if (nsg_ctx_resolve_asg(&ctx, tag, &tmp, &e))
            nsg_buf_adds(out, e.msg);
        else
            nsg_buf_addf(out, "application security group %s", tag);
    } else {
        nsg_buf_addf(out,
                     "service tag '%s' is not known: import a Service Tags "
                     "file (ServiceTags_Public_*.json) that defines it",
                     tag);
    }
    nsg_addrset_release(&tmp);
}
