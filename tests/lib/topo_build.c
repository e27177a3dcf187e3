/* topo_build.c - builds network models in C for tests and benchmarks (see
 * topo_build.h). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "topo_build.h"

#define SUB_RG "/subscriptions/00000000-0000-0000-0000-000000000000/" \
               "resourceGroups/rg/providers/Microsoft.Network/"

static void die(const char *what, const char *s)
{
    fprintf(stderr, "topo_build: bad %s '%s'\n", what, s ? s : "(null)");
    abort();
}

char *tb_id(const char *type, const char *name)
{
    char *g = g_strdup_printf(SUB_RG "%s/%s", type, name);
    char *r = nsg_xstrdup(g);
    g_free(g);
    return r;
}

char **tb_split(const char *list, size_t *n)
{
    char **v = g_strsplit(list ? list : "", ",", -1);
    size_t k = 0;
    for (size_t i = 0; v[i]; i++) {
        g_strstrip(v[i]);
        if (v[i][0])
            v[k++] = v[i];
        else
            g_free(v[i]);
    }
    v[k] = NULL;
    *n = k;
    return v;
}

static struct nsg_cidr *parse_cidrs(const char *list, size_t *n)
{
    char **v = tb_split(list, n);
    struct nsg_cidr *c = nsg_xcalloc(*n + 1, sizeof(*c));
    for (size_t i = 0; i < *n; i++)
        if (nsg_cidr_parse(v[i], &c[i]))
            die("prefix", v[i]);
    g_strfreev(v);
    return c;
}

struct nsg_vnet *tb_vnet(struct nsg_topology *t, const char *name,
                         const char *spaces)
{
    struct nsg_vnet *v = nsg_xcalloc(1, sizeof(*v));
    v->id = tb_id("virtualNetworks", name);
    v->name = nsg_xstrdup(name);
    v->location = nsg_xstrdup("westeurope");
    v->space = parse_cidrs(spaces, &v->n_space);
    nsg_topo_add(t, NSG_RES_VNET, v);
    return v;
}

void tb_peering(struct nsg_vnet *v, const char *spaces, const char *state,
                bool allow_vnet_access)
{
    struct nsg_peering *p;
    v->peerings =
        nsg_xrealloc(v->peerings, (v->n_peerings + 1) * sizeof(*v->peerings));
    p = &v->peerings[v->n_peerings++];
    memset(p, 0, sizeof(*p));
    p->name = nsg_xstrdup("peering");
    p->remote_vnet_id = tb_id("virtualNetworks", "remote");
    p->remote_space = parse_cidrs(spaces, &p->n_remote_space);
    p->state = nsg_xstrdup(state);
    p->allow_vnet_access = allow_vnet_access;
}

struct nsg_subnet *tb_subnet(struct nsg_topology *t, struct nsg_vnet *v,
                             const char *name, const char *prefix,
                             const struct nsg_nsg *nsg)
{
    struct nsg_subnet *s = nsg_xcalloc(1, sizeof(*s));
    char *g = g_strdup_printf("%s/subnets/%s", v->id, name);
    s->id = nsg_xstrdup(g);
    g_free(g);
    s->name = nsg_xstrdup(name);
    s->vnet_id = nsg_xstrdup(v->id);
    s->prefixes = parse_cidrs(prefix, &s->n_prefixes);
    s->nsg_id = nsg ? nsg_xstrdup(nsg->id) : NULL;
    v->subnet_ids = nsg_xrealloc(v->subnet_ids,
                                 (v->n_subnet_ids + 1) * sizeof(char *));
    v->subnet_ids[v->n_subnet_ids++] = nsg_xstrdup(s->id);
    nsg_topo_add(t, NSG_RES_SUBNET, s);
    return s;
}

struct nsg_route_table *tb_route_table(struct nsg_topology *t,
                                       const char *name, const char *routes,
                                       struct nsg_subnet *s)
{
    struct nsg_route_table *rt = nsg_xcalloc(1, sizeof(*rt));
    size_t n;
    char **v = tb_split(routes, &n);

    rt->id = tb_id("routeTables", name);
    rt->name = nsg_xstrdup(name);
    rt->routes = nsg_xcalloc(n + 1, sizeof(*rt->routes));
    rt->n_routes = n;
    for (size_t i = 0; i < n; i++) {
        struct nsg_route *r = &rt->routes[i];
        r->name = nsg_xstrdup(v[i]);
        r->next_hop_type = nsg_xstrdup("VirtualAppliance");
        if (nsg_cidr_parse(v[i], &r->prefix))
            r->prefix_is_tag = true;
    }
    g_strfreev(v);
    if (s) {
        free(s->route_table_id);
        s->route_table_id = nsg_xstrdup(rt->id);
    }
    nsg_topo_add(t, NSG_RES_ROUTE_TABLE, rt);
    return rt;
}

static char **asg_ids(const char *asgs, size_t *n)
{
    char **v = tb_split(asgs, n);
    char **ids = nsg_xcalloc(*n + 1, sizeof(char *));
    for (size_t i = 0; i < *n; i++)
        ids[i] = tb_id("applicationSecurityGroups", v[i]);
    g_strfreev(v);
    return ids;
}

void tb_nic_ipconfig(struct nsg_nic *nic, struct nsg_subnet *s, const char *ip,
                     const char *asgs)
{
    struct nsg_ipconfig *c;
    nic->ipconfigs = nsg_xrealloc(nic->ipconfigs, (nic->n_ipconfigs + 1) *
                                                      sizeof(*nic->ipconfigs));
    c = &nic->ipconfigs[nic->n_ipconfigs++];
    memset(c, 0, sizeof(*c));
    char *g = g_strdup_printf("%s/ipConfigurations/ipconfig%zu", nic->id,
                              nic->n_ipconfigs);
    c->id = nsg_xstrdup(g);
    g_free(g);
    c->name = nsg_id_name(c->id);
    if (ip) {
        if (nsg_ip_parse(ip, &c->ip))
            die("address", ip);
        c->has_ip = true;
    }
    c->subnet_id = s ? nsg_xstrdup(s->id) : NULL;
    c->asg_ids = asg_ids(asgs, &c->n_asg_ids);
    c->primary = nic->n_ipconfigs == 1;
}

struct nsg_nic *tb_nic(struct nsg_topology *t, const char *name,
                       struct nsg_subnet *s, const char *ip, const char *asgs,
                       const struct nsg_nsg *nsg)
{
    struct nsg_nic *nic = nsg_xcalloc(1, sizeof(*nic));
    nic->id = tb_id("networkInterfaces", name);
    nic->name = nsg_xstrdup(name);
    nic->nsg_id = nsg ? nsg_xstrdup(nsg->id) : NULL;
    tb_nic_ipconfig(nic, s, ip, asgs);
    nsg_topo_add(t, NSG_RES_NIC, nic);
    return nic;
}

struct nsg_asg *tb_asg(struct nsg_topology *t, const char *name)
{
    struct nsg_asg *a = nsg_xcalloc(1, sizeof(*a));
    a->id = tb_id("applicationSecurityGroups", name);
    a->name = nsg_xstrdup(name);
    nsg_topo_add(t, NSG_RES_ASG, a);
    return a;
}

struct nsg_nsg *tb_nsg(struct nsg_topology *t, const char *name)
{
    struct nsg_nsg *n = nsg_xcalloc(1, sizeof(*n));
    n->id = tb_id("networkSecurityGroups", name);
    n->name = nsg_xstrdup(name);
    n->location = nsg_xstrdup("westeurope");
    n->guid = nsg_xstrdup("11111111-2222-3333-4444-555555555555");
    nsg_nsg_add_default_rules(n);
    nsg_topo_add(t, NSG_RES_NSG, n);
    return n;
}

static void parse_side(const char *list, struct nsg_addr_item **items,
                       size_t *n_items, char ***asgs, size_t *n_asgs)
{
    size_t n;
    char **v = tb_split(list, &n);
    *items = nsg_xcalloc(n + 1, sizeof(**items));
    *asgs = nsg_xcalloc(n + 1, sizeof(char *));
    *n_items = *n_asgs = 0;
    for (size_t i = 0; i < n; i++) {
        if (!strncmp(v[i], "asg:", 4)) {
            (*asgs)[(*n_asgs)++] = tb_id("applicationSecurityGroups", v[i] + 4);
            continue;
        }
        struct nsg_addr_item *it = &(*items)[(*n_items)++];
        it->text = nsg_xstrdup(v[i]);
        if (!strcmp(v[i], "*"))
            it->kind = NSG_ADDR_ANY;
        else if (nsg_cidr_parse(v[i], &it->cidr) == 0)
            it->kind = NSG_ADDR_CIDR;
        else
            it->kind = NSG_ADDR_TAG;
    }
    g_strfreev(v);
}

static struct nsg_portrange *parse_ports(const char *list, size_t *n)
{
    char **v = tb_split(list, n);
    struct nsg_portrange *p = nsg_xcalloc(*n + 1, sizeof(*p));
    for (size_t i = 0; i < *n; i++)
        if (nsg_portrange_parse(v[i], &p[i]))
            die("port range", v[i]);
    if (*n == 0) {
        p[0] = (struct nsg_portrange){0, 65535};
        *n = 1;
    }
    g_strfreev(v);
    return p;
}

struct nsg_rule *tb_rule(struct nsg_nsg *n, const char *name, int priority,
                         const char *dir, const char *access,
                         const char *proto, const char *src,
                         const char *sports, const char *dst,
                         const char *dports)
{
    size_t at = 0;
    struct nsg_rule *r;

    while (at < n->n_rules && !n->rules[at].is_default)
        at++;
    n->rules = nsg_xrealloc(n->rules, (n->n_rules + 1) * sizeof(*n->rules));
    memmove(&n->rules[at + 1], &n->rules[at],
            (n->n_rules - at) * sizeof(*n->rules));
    n->n_rules++;
    r = &n->rules[at];
    memset(r, 0, sizeof(*r));
    r->name = nsg_xstrdup(name);
    char *g = g_strdup_printf("%s/securityRules/%s", n->id, name);
    r->id = nsg_xstrdup(g);
    g_free(g);
    r->priority = priority;
    r->dir = !strcasecmp(dir, "out") || !strcasecmp(dir, "outbound")
                 ? NSG_DIR_OUT
                 : NSG_DIR_IN;
    r->access = !strcasecmp(access, "deny") ? NSG_DENY : NSG_ALLOW;
    r->proto = nsg_proto_parse(proto);
    if (r->proto == -2)
        die("protocol", proto);
    parse_side(src, &r->src, &r->n_src, &r->src_asgs, &r->n_src_asgs);
    parse_side(dst, &r->dst, &r->n_dst, &r->dst_asgs, &r->n_dst_asgs);
    r->sports = parse_ports(sports, &r->n_sports);
    r->dports = parse_ports(dports, &r->n_dports);
    return r;
}

void tb_tag(struct nsg_topology *t, const char *name, const char *prefixes)
{
    struct nsg_service_tag *tag = nsg_xcalloc(1, sizeof(*tag));
    size_t n;
    struct nsg_cidr *c = parse_cidrs(prefixes, &n);
    tag->name = nsg_xstrdup(name);
    for (size_t i = 0; i < n; i++)
        nsg_addrset_add_cidr(&tag->set, &c[i]);
    free(c);
    nsg_topo_add_tag(t, tag);
}

void tb_link(struct nsg_topology *t)
{
    nsg_topo_link(t);
}

struct nsg_packet tb_packet(const char *dir, const char *proto,
                            const char *src, int sport, const char *dst,
                            int dport)
{
    struct nsg_packet p;
    memset(&p, 0, sizeof(p));
    p.dir = !strcasecmp(dir, "out") || !strcasecmp(dir, "outbound")
                ? NSG_DIR_OUT
                : NSG_DIR_IN;
    p.proto = nsg_proto_parse(proto);
    if (p.proto < 0)
        die("packet protocol", proto);
    if (nsg_ip_parse(src, &p.src))
        die("packet source", src);
    if (nsg_ip_parse(dst, &p.dst))
        die("packet destination", dst);
    p.sport = (uint16_t)sport;
    p.dport = (uint16_t)dport;
    return p;
}

/* ---- paths ---------------------------------------------------------------- */
struct nsg_peering *tb_peer(struct nsg_vnet *from, const struct nsg_vnet *to,
                            const char *state, bool access)
{
    struct nsg_peering *p;
    from->peerings = nsg_xrealloc(from->peerings, (from->n_peerings + 1) *
                                                      sizeof(*from->peerings));
    p = &from->peerings[from->n_peerings++];
    memset(p, 0, sizeof(*p));
    char *g = g_strdup_printf("%s-to-%s", from->name, to->name);
    p->name = nsg_xstrdup(g);
    g_free(g);
    p->remote_vnet_id = nsg_xstrdup(to->id);
    p->remote_space = nsg_xcalloc(to->n_space + 1, sizeof(*p->remote_space));
    memcpy(p->remote_space, to->space, to->n_space * sizeof(*to->space));
    p->n_remote_space = to->n_space;
    p->state = nsg_xstrdup(state);
    p->allow_vnet_access = access;
    return p;
}

void tb_route(struct nsg_route_table *rt, const char *prefix,
              const char *type, const char *ip)
{
    struct nsg_route *r;
    rt->routes = nsg_xrealloc(rt->routes, (rt->n_routes + 1) * sizeof(*r));
    r = &rt->routes[rt->n_routes++];
    memset(r, 0, sizeof(*r));
    char *g = g_strdup_printf("r%zu", rt->n_routes);
    r->name = nsg_xstrdup(g);
    g_free(g);
    r->next_hop_type = nsg_xstrdup(type);
    if (nsg_cidr_parse(prefix, &r->prefix)) {
        r->prefix_is_tag = true;
        r->tag = nsg_xstrdup(prefix);
    }
    if (ip) {
        if (nsg_ip_parse(ip, &r->next_hop_ip))
            die("address", ip);
        r->has_next_hop_ip = true;
    }
}

struct nsg_pip *tb_pip(struct nsg_topology *t, const char *name,
                       const char *ip, struct nsg_nic *nic, const char *sku)
{
    struct nsg_pip *p = nsg_xcalloc(1, sizeof(*p));
    p->id = tb_id("publicIPAddresses", name);
    p->name = nsg_xstrdup(name);
    if (nsg_ip_parse(ip, &p->ip))
        die("address", ip);
    p->has_ip = true;
    p->sku = nsg_xstrdup(sku);
    if (nic) {
        free(nic->ipconfigs[0].public_ip_id);
        nic->ipconfigs[0].public_ip_id = nsg_xstrdup(p->id);
        p->ipconfig_id = nsg_xstrdup(nic->ipconfigs[0].id);
    }
    nsg_topo_add(t, NSG_RES_PIP, p);
    return p;
}

static char *sub_id(const char *parent, const char *kind, const char *name)
{
    char *g = g_strdup_printf("%s/%s/%s", parent, kind, name);
    char *r = nsg_xstrdup(g);
    g_free(g);
    return r;
}

struct nsg_lb *tb_lb(struct nsg_topology *t, const char *name,
                     const char *sku, const struct nsg_pip *pip,
                     const char *ip, const struct nsg_subnet *s)
{
    struct nsg_lb *lb = nsg_xcalloc(1, sizeof(*lb));
    lb->id = tb_id("loadBalancers", name);
    lb->name = nsg_xstrdup(name);
    lb->sku = nsg_xstrdup(sku);
    lb->frontends = nsg_xcalloc(1, sizeof(*lb->frontends));
    lb->n_frontends = 1;
    lb->frontends[0].id = sub_id(lb->id, "frontendIPConfigurations", "fe");
    lb->frontends[0].name = nsg_xstrdup("fe");
    if (pip) {
        lb->frontends[0].public_ip_id = nsg_xstrdup(pip->id);
    } else {
        if (nsg_ip_parse(ip, &lb->frontends[0].ip))
            die("address", ip);
        lb->frontends[0].has_ip = true;
        lb->frontends[0].subnet_id = nsg_xstrdup(s->id);
    }
    nsg_topo_add(t, NSG_RES_LB, lb);
    return lb;
}

void tb_lb_pool(struct nsg_lb *lb, const char *name, ...)
{
    va_list ap;
    struct nsg_lb_pool *p;
    lb->pools = nsg_xrealloc(lb->pools, (lb->n_pools + 1) * sizeof(*p));
    p = &lb->pools[lb->n_pools++];
    memset(p, 0, sizeof(*p));
    p->id = sub_id(lb->id, "backendAddressPools", name);
    p->name = nsg_xstrdup(name);
    va_start(ap, name);
    for (const struct nsg_nic *nic; (nic = va_arg(ap, const struct nsg_nic *));) {
        p->ipconfig_ids = nsg_xrealloc(p->ipconfig_ids,
                                       (p->n_ipconfig_ids + 1) * sizeof(char *));
        p->ipconfig_ids[p->n_ipconfig_ids++] =
            nsg_xstrdup(nic->ipconfigs[0].id);
    }
    va_end(ap);
}

static int lb_proto(const char *proto)
{
    int p = nsg_proto_parse(proto);
    if (p == -2)
        die("protocol", proto);
    return p;
}

void tb_lb_rule(struct nsg_lb *lb, const char *name, const char *pool,
                const char *proto, int fport, int bport, bool floating)
{
    struct nsg_lb_rule *r;
    lb->rules = nsg_xrealloc(lb->rules, (lb->n_rules + 1) * sizeof(*r));
    r = &lb->rules[lb->n_rules++];
    memset(r, 0, sizeof(*r));
    r->id = sub_id(lb->id, "loadBalancingRules", name);
    r->name = nsg_xstrdup(name);
    r->frontend_id = nsg_xstrdup(lb->frontends[0].id);
    r->pool_ids = nsg_xcalloc(1, sizeof(char *));
    r->pool_ids[0] = sub_id(lb->id, "backendAddressPools", pool);
    r->n_pool_ids = 1;
    r->proto = lb_proto(proto);
    r->frontend_port = (uint16_t)fport;
    r->backend_port = (uint16_t)bport;
    r->floating_ip = floating;
}

void tb_lb_nat(struct nsg_lb *lb, const char *name, const struct nsg_nic *nic,
               const char *proto, int fport, int bport)
{
    struct nsg_lb_nat_rule *r;
    lb->nat_rules = nsg_xrealloc(lb->nat_rules,
                                 (lb->n_nat_rules + 1) * sizeof(*r));
    r = &lb->nat_rules[lb->n_nat_rules++];
    memset(r, 0, sizeof(*r));
    r->id = sub_id(lb->id, "inboundNatRules", name);
    r->name = nsg_xstrdup(name);
    r->frontend_id = nsg_xstrdup(lb->frontends[0].id);
    r->ipconfig_id = nsg_xstrdup(nic->ipconfigs[0].id);
    r->proto = lb_proto(proto);
    r->frontend_port = (uint16_t)fport;
    r->backend_port = (uint16_t)bport;
}

void tb_lb_outbound(struct nsg_lb *lb, const char *pool)
{
    struct nsg_lb_outbound *o;
    lb->outbound = nsg_xrealloc(lb->outbound, (lb->n_outbound + 1) * sizeof(*o));
    o = &lb->outbound[lb->n_outbound++];
    memset(o, 0, sizeof(*o));
    o->name = nsg_xstrdup("out");
    o->frontend_ids = nsg_xcalloc(1, sizeof(char *));
    o->frontend_ids[0] = nsg_xstrdup(lb->frontends[0].id);
    o->n_frontend_ids = 1;
    o->pool_id = sub_id(lb->id, "backendAddressPools", pool);
    o->proto = NSG_PROTO_ANY;
}

struct nsg_natgw *tb_natgw(struct nsg_topology *t, const char *name,
                           const struct nsg_pip *pip, struct nsg_subnet *s)
{
    struct nsg_natgw *g = nsg_xcalloc(1, sizeof(*g));
    g->id = tb_id("natGateways", name);
    g->name = nsg_xstrdup(name);
    g->pip_ids = nsg_xcalloc(1, sizeof(char *));
    g->pip_ids[0] = nsg_xstrdup(pip->id);
    g->n_pip_ids = 1;
    free(s->nat_gateway_id);
    s->nat_gateway_id = nsg_xstrdup(g->id);
    nsg_topo_add(t, NSG_RES_NATGW, g);
    return g;
}
