/* path_route.c - the effective route table of every subnet, as Azure
 * builds it (virtual-networks-udr-overview): system routes for the
 * virtual network's address space (VnetLocal), each Connected peering's
 * remote space (VNetPeering), 0.0.0.0/0 and ::/0 (Internet) and the
 * reserved ranges 10/8, 172.16/12, 192.168/16 and 100.64/10 (None, unless
 * the address space holds the whole range), plus the user-defined routes
 * of the subnet's route table (a service tag as prefix stands for each of
 * its prefixes).  The route used is the longest prefix match; for equal
 * prefixes a user-defined route beats a system route, and an explicit
 * prefix beats a service tag's. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "path_int.h"

static const char *const names[] = {
    "VnetLocal", "VNetPeering", "Internet", "None",
    "VirtualAppliance", "VirtualNetworkGateway", "Other"};

const char *nsg_nexthop_name(enum nsg_nexthop h)
{
    return names[h];
}

static enum nsg_nexthop parse_hop(const char *s)
{
    static const struct {
        const char *name;
        enum nsg_nexthop h;
    } map[] = {{"VnetLocal", NSG_NH_VNETLOCAL},
               {"VirtualNetwork", NSG_NH_VNETLOCAL},
               {"Internet", NSG_NH_INTERNET},
               {"None", NSG_NH_NONE},
               {"VirtualAppliance", NSG_NH_APPLIANCE},
               {"VirtualNetworkGateway", NSG_NH_GATEWAY}};
    for (size_t i = 0; s && i < sizeof(map) / sizeof(*map); i++)
        if (!strcasecmp(s, map[i].name))
            return map[i].h;
    return NSG_NH_OTHER;
}

struct rvec {
    struct nsg_proute *r;
    size_t n, cap;
};

static struct nsg_proute *push(struct rvec *v)
{
    if (v->n == v->cap) {
        v->cap = v->cap ? v->cap * 2 : 16;
        v->r = nsg_xrealloc(v->r, v->cap * sizeof(*v->r));
    }
    memset(&v->r[v->n], 0, sizeof(*v->r));
    return &v->r[v->n++];
}

static void sys(struct rvec *v, const struct nsg_cidr *c, enum nsg_nexthop h)
{
    struct nsg_proute *r = push(v);
    r->prefix = *c;
    r->hop = h;
}

static void sys_text(struct rvec *v, const char *cidr, enum nsg_nexthop h)
{
    struct nsg_cidr c;
    if (nsg_cidr_parse(cidr, &c) == 0)
        sys(v, &c, h);
}

/* Rank for equal prefixes: explicit UDR, tag UDR, VnetLocal/peering
 * system routes, other system routes. */
static int rank(const struct nsg_proute *r)
{
    if (r->user)
        return r->tag ? 1 : 0;
    return r->hop == NSG_NH_VNETLOCAL || r->hop == NSG_NH_PEERING ? 2 : 3;
}

static int route_cmp(const void *pa, const void *pb)
{
    const struct nsg_proute *a = pa, *b = pb;
    if (a->prefix.family != b->prefix.family)
        return a->prefix.family < b->prefix.family ? -1 : 1;
    if (a->prefix.len != b->prefix.len)
        return a->prefix.len > b->prefix.len ? -1 : 1;
    if (a->prefix.v != b->prefix.v)
        return a->prefix.v < b->prefix.v ? -1 : 1;
    return rank(a) - rank(b);
}

static bool space_covers(const struct nsg_vnet *v, const struct nsg_cidr *c)
{
    for (size_t i = 0; i < v->n_space; i++) {
        const struct nsg_cidr *s = &v->space[i];
        if (s->family == c->family && s->len <= c->len &&
            nsg_cidr_lo(s) <= nsg_cidr_lo(c) && nsg_cidr_hi(c) <= nsg_cidr_hi(s))
            return true;
    }
    return false;
}

static void emit_prefix(const struct nsg_cidr *c, void *ctx)
{
    push(ctx)->prefix = *c;
}

static void user_route(const struct nsg_pnet *n, struct pn_subnet *ps,
                       struct rvec *v, const struct nsg_route_table *rt,
                       const struct nsg_route *u)
{
    enum nsg_nexthop h = parse_hop(u->next_hop_type);
    const struct nsg_service_tag *tag = NULL;
    size_t first = v->n;

    if (u->prefix_is_tag) {
        tag = u->tag ? nsg_topo_tag(n->t, u->tag) : NULL;
        if (!tag) {
            if (!ps->unknown_tag)
                ps->unknown_tag = u->tag ? u->tag : "?";
            return;
        }
        /* the tag's ranges as minimal prefixes */
        nsg_addrset_to_cidrs(&tag->set, emit_prefix, v);
    } else {
        push(v)->prefix = u->prefix;
    }
    for (size_t i = first; i < v->n; i++) {
        struct nsg_proute *r = &v->r[i];
        r->hop = h;
        r->user = true;
        r->name = u->name;
        r->table_id = rt->id;
        r->tag = tag ? u->tag : NULL;
        r->has_ip = u->has_next_hop_ip;
        r->ip = u->next_hop_ip;
        r->type_text = u->next_hop_type;
    }
}

static struct pn_subnet *build_one(struct nsg_pnet *n,
                                   const struct nsg_subnet *s)
{
    struct pn_subnet *ps = nsg_xcalloc(1, sizeof(*ps));
    struct rvec v = {0};
    const struct nsg_vnet *vn = nsg_topo_vnet_of_subnet(n->t, s);
    static const char *const reserved[] = {"10.0.0.0/8", "172.16.0.0/12",
                                           "192.168.0.0/16", "100.64.0.0/10"};

    ps->s = s;
    ps->vnet = vn;
    if (vn) {
        for (size_t i = 0; i < vn->n_space; i++)
            sys(&v, &vn->space[i], NSG_NH_VNETLOCAL);
        for (size_t i = 0; i < vn->n_peerings; i++) {
            const struct nsg_peering *p = &vn->peerings[i];
            const struct pn_peer *pp = pn_peer_of(n, vn, p);
            const struct nsg_cidr *sp = p->remote_space;
            size_t nsp = p->n_remote_space;
            /* Azure adds the peering's routes once it is Connected */
            if (!p->state || strcasecmp(p->state, "Connected"))
                continue;
            if (!nsp && pp && pp->to) {
                sp = pp->to->space;
                nsp = pp->to->n_space;
            }
            for (size_t k = 0; k < nsp; k++) {
                struct nsg_proute *r = push(&v);
                r->prefix = sp[k];
                r->hop = NSG_NH_PEERING;
                r->peering = p;
                r->peer_vnet = pp ? pp->to : NULL;
            }
        }
        for (size_t i = 0; i < sizeof(reserved) / sizeof(*reserved); i++) {
            struct nsg_cidr c;
            if (nsg_cidr_parse(reserved[i], &c) == 0 && !space_covers(vn, &c))
                sys(&v, &c, NSG_NH_NONE);
        }
    }
    sys_text(&v, "0.0.0.0/0", NSG_NH_INTERNET);
    sys_text(&v, "::/0", NSG_NH_INTERNET);
    const struct nsg_route_table *rt =
        nsg_topo_get(n->t, NSG_RES_ROUTE_TABLE, s->route_table_id);
    for (size_t i = 0; rt && i < rt->n_routes; i++)
        user_route(n, ps, &v, rt, &rt->routes[i]);
    qsort(v.r, v.n, sizeof(*v.r), route_cmp);
    ps->routes = v.r;
    ps->n_routes = v.n;
    return ps;
}

void pn_subnet_free(void *p)
{
    struct pn_subnet *ps = p;
    if (!ps)
        return;
    free(ps->routes);
    free(ps);
}

void pn_build_routes(struct nsg_pnet *n)
{
    for (guint i = 0; i < NSG_TOPO_N(n->t, NSG_RES_SUBNET); i++) {
        const struct nsg_subnet *s = NSG_TOPO_AT(n->t, NSG_RES_SUBNET, i);
        g_hash_table_insert(n->subnets, (gpointer)s, build_one(n, s));
    }
}

const struct nsg_proute *nsg_pnet_routes(const struct nsg_pnet *n,
                                         const struct nsg_subnet *s,
                                         size_t *count)
{
    const struct pn_subnet *ps = pn_subnet(n, s);
    *count = ps ? ps->n_routes : 0;
    return ps ? ps->routes : NULL;
}

const struct nsg_proute *nsg_pnet_route(const struct nsg_pnet *n,
                                        const struct nsg_subnet *s,
                                        const struct nsg_ip *dst)
{
    const struct pn_subnet *ps = pn_subnet(n, s);
    for (size_t i = 0; ps && i < ps->n_routes; i++)
        if (nsg_cidr_contains(&ps->routes[i].prefix, dst))
            return &ps->routes[i];
    return NULL;
}

const char *nsg_pnet_unknown_route_tag(const struct nsg_pnet *n,
                                       const struct nsg_subnet *s)
{
    const struct pn_subnet *ps = pn_subnet(n, s);
    return ps ? ps->unknown_tag : NULL;
}
