/* path_net.c - the derived network of the path model: indexes of ip
 * configurations, public and private entry points (public IPs, load
 * balancer frontends, appliances), resolved peerings, backend pools, NAT
 * gateways, and the cut points that split destination sets into ranges on
 * which every routing decision is constant. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "path_int.h"

bool pn_same_id(const char *a, const char *b)
{
    return a && b && !strcasecmp(a, b);
}

const char *pn_name(const char *name, const char *id)
{
    return name ? name : id ? id : "?";
}

static char *ip_key(const struct nsg_ip *ip)
{
    char b[NSG_IP_STRLEN];
    nsg_ip_format(ip, b);
    return nsg_xstrdup(b);
}

static void multi_add(GHashTable *h, char *key /* moved */, void *val)
{
    GPtrArray *a = g_hash_table_lookup(h, key);
    if (!a) {
        a = g_ptr_array_new();
        g_hash_table_insert(h, key, a);
    } else {
        free(key);
    }
    g_ptr_array_add(a, val);
}

static void ptr_array_free(void *p)
{
    g_ptr_array_free(p, TRUE);
}

/* ---- cut points ---------------------------------------------------------- */
struct cutv {
    nsg_u128 *v;
    size_t n, cap;
};

static void cut_push(struct cutv *c, nsg_u128 x)
{
    if (c->n == c->cap) {
        c->cap = c->cap ? c->cap * 2 : 256;
        c->v = nsg_xrealloc(c->v, c->cap * sizeof(*c->v));
    }
    c->v[c->n++] = x;
}

static void cut_range(struct cutv cv[2], uint8_t fam, nsg_u128 lo, nsg_u128 hi)
{
    struct cutv *c = &cv[fam == 6];
    cut_push(c, lo);
    if (hi != nsg_family_max(fam))
        cut_push(c, hi + 1);
}

static void cut_cidr(struct cutv cv[2], const struct nsg_cidr *p)
{
    cut_range(cv, p->family, nsg_cidr_lo(p), nsg_cidr_hi(p));
}

static void cut_ip(struct cutv cv[2], const struct nsg_ip *ip)
{
    cut_range(cv, ip->family, ip->v, ip->v);
}

static int u128_cmp(const void *a, const void *b)
{
    nsg_u128 x = *(const nsg_u128 *)a, y = *(const nsg_u128 *)b;
    return x < y ? -1 : x > y;
}

static void cut_finish(struct cutv *c, nsg_u128 **out, size_t *n)
{
    size_t k = 0;
    cut_push(c, 0);
    qsort(c->v, c->n, sizeof(*c->v), u128_cmp);
    for (size_t i = 0; i < c->n; i++)
        if (!k || c->v[k - 1] != c->v[i])
            c->v[k++] = c->v[i];
    *out = c->v;
    *n = k;
}

static void build_cuts(struct nsg_pnet *n)
{
    const struct nsg_topology *t = n->t;
    struct cutv cv[2] = {{0}, {0}};
    GHashTableIter it;
    gpointer k, v;

    for (size_t i = 0; i < n->internet.n; i++)
        cut_range(cv, n->internet.r[i].family, n->internet.r[i].lo,
                  n->internet.r[i].hi);
    for (size_t i = 0; i < n->vnet_space.n; i++)
        cut_range(cv, n->vnet_space.r[i].family, n->vnet_space.r[i].lo,
                  n->vnet_space.r[i].hi);
    for (guint i = 0; i < NSG_TOPO_N(t, NSG_RES_SUBNET); i++) {
        const struct nsg_subnet *s = NSG_TOPO_AT(t, NSG_RES_SUBNET, i);
        for (size_t j = 0; j < s->n_prefixes; j++)
            cut_cidr(cv, &s->prefixes[j]);
    }
    for (guint i = 0; i < NSG_TOPO_N(t, NSG_RES_VNET); i++) {
        const struct nsg_vnet *vn = NSG_TOPO_AT(t, NSG_RES_VNET, i);
        for (size_t j = 0; j < vn->n_peerings; j++)
            for (size_t r = 0; r < vn->peerings[j].n_remote_space; r++)
                cut_cidr(cv, &vn->peerings[j].remote_space[r]);
    }
    g_hash_table_iter_init(&it, n->subnets);
    while (g_hash_table_iter_next(&it, &k, &v)) {
        const struct pn_subnet *ps = v;
        for (size_t j = 0; j < ps->n_routes; j++) {
            cut_cidr(cv, &ps->routes[j].prefix);
            if (ps->routes[j].has_ip)
                cut_ip(cv, &ps->routes[j].ip);
        }
    }
    g_hash_table_iter_init(&it, n->ic_by_ip);
    while (g_hash_table_iter_next(&it, &k, &v)) {
        const struct pn_ic *ic = ((GPtrArray *)v)->pdata[0];
        cut_ip(cv, &ic->ic->ip);
    }
    for (guint i = 0; i < n->entries->len; i++) {
        const struct pn_entry *e = n->entries->pdata[i];
        if (e->pip && e->pip->has_ip)
            cut_ip(cv, &e->pip->ip);
        if (e->fe && e->fe->has_ip)
            cut_ip(cv, &e->fe->ip);
        if (e->appl)
            for (size_t j = 0; j < e->appl->n_ipconfigs; j++)
                if (e->appl->ipconfigs[j].has_ip)
                    cut_ip(cv, &e->appl->ipconfigs[j].ip);
    }
    static const char *const platform[] = {"168.63.129.16", "169.254.169.254",
                                           "fe80::1234:5678:9abc"};
    for (size_t i = 0; i < sizeof(platform) / sizeof(*platform); i++) {
        struct nsg_ip ip;
        if (!nsg_ip_parse(platform[i], &ip))
            cut_ip(cv, &ip);
    }
    cut_finish(&cv[0], &n->cut4, &n->n_cut4);
    cut_finish(&cv[1], &n->cut6, &n->n_cut6);
}

/* ---- indexes ------------------------------------------------------------- */
static void index_ics(struct nsg_pnet *n)
{
    const struct nsg_topology *t = n->t;
    for (guint i = 0; i < NSG_TOPO_N(t, NSG_RES_NIC); i++) {
        const struct nsg_nic *nic = NSG_TOPO_AT(t, NSG_RES_NIC, i);
        for (size_t j = 0; j < nic->n_ipconfigs; j++) {
            struct pn_ic *p = nsg_xcalloc(1, sizeof(*p));
            p->nic = nic;
            p->ic = &nic->ipconfigs[j];
            p->subnet = nsg_topo_get(t, NSG_RES_SUBNET, p->ic->subnet_id);
            p->vnet = p->subnet ? nsg_topo_vnet_of_subnet(t, p->subnet) : NULL;
            g_ptr_array_add(n->ics, p);
            if (p->ic->id)
                g_hash_table_insert(n->ic_by_id,
                                    nsg_xstrdup_lower(p->ic->id), p);
            if (p->ic->has_ip)
                multi_add(n->ic_by_ip, ip_key(&p->ic->ip), p);
        }
    }
    for (guint i = 0; i < NSG_TOPO_N(t, NSG_RES_SUBNET); i++) {
        const struct nsg_subnet *s = NSG_TOPO_AT(t, NSG_RES_SUBNET, i);
        const struct nsg_vnet *v = nsg_topo_vnet_of_subnet(t, s);
        GPtrArray *a;
        if (!v)
            continue;
        a = g_hash_table_lookup(n->vnet_subnets, v);
        if (!a) {
            a = g_ptr_array_new();
            g_hash_table_insert(n->vnet_subnets, (gpointer)v, a);
        }
        g_ptr_array_add(a, (gpointer)s);
    }
}

static const struct nsg_peering *find_back(const struct nsg_vnet *to,
                                           const struct nsg_vnet *from)
{
    for (size_t i = 0; to && i < to->n_peerings; i++)
        if (pn_same_id(to->peerings[i].remote_vnet_id, from->id))
            return &to->peerings[i];
    return NULL;
}

static void index_peers(struct nsg_pnet *n)
{
    const struct nsg_topology *t = n->t;
    for (guint i = 0; i < NSG_TOPO_N(t, NSG_RES_VNET); i++) {
        const struct nsg_vnet *v = NSG_TOPO_AT(t, NSG_RES_VNET, i);
        for (size_t k = 0; k < v->n_space; k++)
            nsg_addrset_add_cidr(&n->vnet_space, &v->space[k]);
        for (size_t j = 0; j < v->n_peerings; j++) {
            struct pn_peer *p = nsg_xcalloc(1, sizeof(*p));
            p->from = v;
            p->p = &v->peerings[j];
            p->to = nsg_topo_get(t, NSG_RES_VNET, p->p->remote_vnet_id);
            p->back = find_back(p->to, v);
            g_ptr_array_add(n->peers, p);
        }
    }
}

static void pool_add(struct nsg_pnet *n, const struct nsg_lb *lb,
                     const char *pool_id, const struct pn_ic *ic)
{
    char *key = nsg_xstrdup_lower(pool_id);
    GPtrArray *a = g_hash_table_lookup(n->lb_pool, key);
    if (!a) {
        a = g_ptr_array_new();
        g_hash_table_insert(n->lb_pool, nsg_xstrdup(key), a);
    }
    if (lb && !g_hash_table_lookup(n->lb_of_pool, key))
        g_hash_table_insert(n->lb_of_pool, nsg_xstrdup(key), (gpointer)lb);
    free(key);
    if (ic && !g_ptr_array_find(a, ic, NULL))
        g_ptr_array_add(a, (gpointer)ic);
}

static void index_pools(struct nsg_pnet *n)
{
    const struct nsg_topology *t = n->t;
    for (guint i = 0; i < NSG_TOPO_N(t, NSG_RES_LB); i++) {
        const struct nsg_lb *lb = NSG_TOPO_AT(t, NSG_RES_LB, i);
        for (size_t j = 0; j < lb->n_pools; j++) {
            const struct nsg_lb_pool *p = &lb->pools[j];
            if (!p->id)
                continue;
            pool_add(n, lb, p->id, NULL);
            for (size_t k = 0; k < p->n_ipconfig_ids; k++)
                pool_add(n, lb, p->id, pn_ic_by_id(n, p->ipconfig_ids[k]));
            for (size_t k = 0; k < p->n_addrs; k++) {
                const GPtrArray *a = pn_ics_at(n, &p->addrs[k]);
                for (guint m = 0; a && m < a->len; m++)
                    pool_add(n, lb, p->id, a->pdata[m]);
            }
        }
    }
    for (guint i = 0; i < n->ics->len; i++) {
        const struct pn_ic *ic = n->ics->pdata[i];
        for (size_t k = 0; k < ic->ic->n_lb_pool_ids; k++)
            pool_add(n, NULL, ic->ic->lb_pool_ids[k], ic);
    }
}

static struct pn_entry *entry_new(struct nsg_pnet *n, enum pn_entry_kind k)
{
    struct pn_entry *e = nsg_xcalloc(1, sizeof(*e));
    e->kind = k;
    g_ptr_array_add(n->entries, e);
    return e;
}

static const struct nsg_pip *pip_of(const struct nsg_pnet *n, const char *id)
{
    const struct nsg_pip *p = nsg_topo_get(n->t, NSG_RES_PIP, id);
    return p && p->has_ip ? p : NULL;
}

static void index_appliances(struct nsg_pnet *n, enum nsg_res_type type)
{
    const struct nsg_topology *t = n->t;
    for (guint i = 0; i < NSG_TOPO_N(t, type); i++) {
        const struct nsg_appliance *a = NSG_TOPO_AT(t, type, i);
        for (size_t j = 0; j < a->n_ipconfigs; j++) {
            const struct nsg_appl_ipconfig *c = &a->ipconfigs[j];
            const struct nsg_pip *pip = pip_of(n, c->public_ip_id);
            if (pip) {
                struct pn_entry *e = entry_new(n, PN_E_APPLIANCE);
                e->pip = pip;
                e->appl = a;
                e->appl_type = type;
                multi_add(n->pub, ip_key(&pip->ip), e);
            }
            if (c->has_ip) {
                const struct nsg_subnet *s =
                    nsg_topo_get(t, NSG_RES_SUBNET, c->subnet_id);
                struct pn_entry *e = entry_new(n, PN_E_APPLIANCE);
                e->appl = a;
                e->appl_type = type;
                e->vnet = s ? nsg_topo_vnet_of_subnet(t, s) : NULL;
                multi_add(n->priv, ip_key(&c->ip), e);
            }
        }
    }
}

static void index_entries(struct nsg_pnet *n)
{
    const struct nsg_topology *t = n->t;
    for (guint i = 0; i < n->ics->len; i++) {
        const struct pn_ic *ic = n->ics->pdata[i];
        const struct nsg_pip *pip = pip_of(n, ic->ic->public_ip_id);
        if (pip && ic->ic->has_ip) {
            struct pn_entry *e = entry_new(n, PN_E_NIC);
            e->pip = pip;
            e->ic = ic;
            multi_add(n->pub, ip_key(&pip->ip), e);
        }
    }
    for (guint i = 0; i < NSG_TOPO_N(t, NSG_RES_LB); i++) {
        const struct nsg_lb *lb = NSG_TOPO_AT(t, NSG_RES_LB, i);
        for (size_t j = 0; j < lb->n_frontends; j++) {
            const struct nsg_lb_frontend *fe = &lb->frontends[j];
            const struct nsg_pip *pip = pip_of(n, fe->public_ip_id);
            struct pn_entry *e;
            if (pip) {
                e = entry_new(n, PN_E_LB);
                e->pip = pip;
                e->lb = lb;
                e->fe = fe;
                multi_add(n->pub, ip_key(&pip->ip), e);
            } else if (fe->has_ip) {
                const struct nsg_subnet *s =
                    nsg_topo_get(t, NSG_RES_SUBNET, fe->subnet_id);
                e = entry_new(n, PN_E_LB);
                e->lb = lb;
                e->fe = fe;
                e->vnet = s ? nsg_topo_vnet_of_subnet(t, s) : NULL;
                multi_add(n->priv, ip_key(&fe->ip), e);
            }
        }
    }
    for (guint i = 0; i < NSG_TOPO_N(t, NSG_RES_NATGW); i++) {
        const struct nsg_natgw *g = NSG_TOPO_AT(t, NSG_RES_NATGW, i);
        for (size_t j = 0; j < g->n_pip_ids; j++) {
            const struct nsg_pip *pip = pip_of(n, g->pip_ids[j]);
            if (pip) {
                struct pn_entry *e = entry_new(n, PN_E_NATGW);
                e->pip = pip;
                e->natgw = g;
                multi_add(n->pub, ip_key(&pip->ip), e);
            }
        }
        for (size_t j = 0; j < g->n_subnet_ids; j++) {
            const struct nsg_subnet *s =
                nsg_topo_get(t, NSG_RES_SUBNET, g->subnet_ids[j]);
            if (s)
                g_hash_table_insert(n->natgw_of_subnet, (gpointer)s,
                                    (gpointer)g);
        }
    }
    for (guint i = 0; i < NSG_TOPO_N(t, NSG_RES_SUBNET); i++) {
        const struct nsg_subnet *s = NSG_TOPO_AT(t, NSG_RES_SUBNET, i);
        const struct nsg_natgw *g =
            nsg_topo_get(t, NSG_RES_NATGW, s->nat_gateway_id);
        if (g)
            g_hash_table_insert(n->natgw_of_subnet, (gpointer)s, (gpointer)g);
    }
    index_appliances(n, NSG_RES_FIREWALL);
    index_appliances(n, NSG_RES_APPGW);
    index_appliances(n, NSG_RES_BASTION);
}

struct nsg_pnet *nsg_pnet_new(const struct nsg_topology *t)
{
    struct nsg_pnet *n = nsg_xcalloc(1, sizeof(*n));
    struct nsg_ctx ctx;
    n->t = t;
    n->ics = g_ptr_array_new_with_free_func(free);
    n->ic_by_id = g_hash_table_new_full(g_str_hash, g_str_equal, free, NULL);
    n->ic_by_ip = g_hash_table_new_full(g_str_hash, g_str_equal, free,
                                        ptr_array_free);
    n->pub = g_hash_table_new_full(g_str_hash, g_str_equal, free,
                                   ptr_array_free);
    n->priv = g_hash_table_new_full(g_str_hash, g_str_equal, free,
                                    ptr_array_free);
    n->entries = g_ptr_array_new_with_free_func(free);
    n->peers = g_ptr_array_new_with_free_func(free);
    n->subnets = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL,
                                       pn_subnet_free);
    n->vnet_subnets = g_hash_table_new_full(g_direct_hash, g_direct_equal,
                                            NULL, ptr_array_free);
    n->lb_pool = g_hash_table_new_full(g_str_hash, g_str_equal, free,
                                       ptr_array_free);
    n->lb_of_pool = g_hash_table_new_full(g_str_hash, g_str_equal, free, NULL);
    n->natgw_of_subnet = g_hash_table_new(g_direct_hash, g_direct_equal);
    /* Internet-routable space: the Internet tag outside any vnet, the
     * Azure host aside (it is the platform's) */
    if (nsg_ctx_init(&ctx, t, NULL, NULL) == NSG_OK) {
        nsg_addrset_copy(&n->internet, &ctx.internet);
        nsg_sem_without_azure_host(&n->internet);
        nsg_ctx_release(&ctx);
    }
    index_ics(n);
    index_peers(n);
    index_pools(n);
    index_entries(n);
    pn_build_routes(n);
    build_cuts(n);
    return n;
}

void nsg_pnet_free(struct nsg_pnet *n)
{
    if (!n)
        return;
    g_hash_table_destroy(n->ic_by_id);
    g_hash_table_destroy(n->ic_by_ip);
    g_hash_table_destroy(n->pub);
    g_hash_table_destroy(n->priv);
    g_hash_table_destroy(n->subnets);
    g_hash_table_destroy(n->vnet_subnets);
    g_hash_table_destroy(n->lb_pool);
    g_hash_table_destroy(n->lb_of_pool);
    g_hash_table_destroy(n->natgw_of_subnet);
    g_ptr_array_free(n->entries, TRUE);
    g_ptr_array_free(n->peers, TRUE);
    g_ptr_array_free(n->ics, TRUE);
    nsg_addrset_release(&n->vnet_space);
    nsg_addrset_release(&n->internet);
    free(n->cut4);
    free(n->cut6);
    free(n);
}

const struct nsg_topology *nsg_pnet_topology(const struct nsg_pnet *n)
{
    return n->t;
}

/* ---- lookups ------------------------------------------------------------- */
const struct pn_ic *pn_ic_by_id(const struct nsg_pnet *n, const char *id)
{
    if (!id)
        return NULL;
    char *key = nsg_xstrdup_lower(id);
    const struct pn_ic *ic = g_hash_table_lookup(n->ic_by_id, key);
    free(key);
    return ic;
}

static const GPtrArray *multi_at(GHashTable *h, const struct nsg_ip *ip)
{
    char b[NSG_IP_STRLEN];
    nsg_ip_format(ip, b);
    return g_hash_table_lookup(h, b);
}

const GPtrArray *pn_ics_at(const struct nsg_pnet *n, const struct nsg_ip *ip)
{
    return multi_at(n->ic_by_ip, ip);
}

const GPtrArray *pn_public_at(const struct nsg_pnet *n,
                              const struct nsg_ip *ip)
{
    return multi_at(n->pub, ip);
}

const GPtrArray *pn_private_at(const struct nsg_pnet *n,
                               const struct nsg_ip *ip)
{
    return multi_at(n->priv, ip);
}

const struct pn_subnet *pn_subnet(const struct nsg_pnet *n,
                                  const struct nsg_subnet *s)
{
    return s ? g_hash_table_lookup(n->subnets, s) : NULL;
}

const GPtrArray *pn_vnet_subnets(const struct nsg_pnet *n,
                                 const struct nsg_vnet *v)
{
    return v ? g_hash_table_lookup(n->vnet_subnets, v) : NULL;
}

const struct nsg_subnet *pn_subnet_at(const struct nsg_pnet *n,
                                      const struct nsg_vnet *v,
                                      const struct nsg_ip *ip)
{
    const GPtrArray *a = pn_vnet_subnets(n, v);
    for (guint i = 0; a && i < a->len; i++) {
        const struct nsg_subnet *s = a->pdata[i];
        for (size_t j = 0; j < s->n_prefixes; j++)
            if (nsg_cidr_contains(&s->prefixes[j], ip))
                return s;
    }
    return NULL;
}

bool pn_in_space(const struct nsg_vnet *v, const struct nsg_ip *ip)
{
    for (size_t i = 0; v && i < v->n_space; i++)
        if (nsg_cidr_contains(&v->space[i], ip))
            return true;
    return false;
}

const struct pn_peer *pn_peer_of(const struct nsg_pnet *n,
                                 const struct nsg_vnet *v,
                                 const struct nsg_peering *p)
{
    for (guint i = 0; i < n->peers->len; i++) {
        const struct pn_peer *x = n->peers->pdata[i];
        if (x->from == v && x->p == p)
            return x;
    }
    return NULL;
}

static bool connected(const struct nsg_peering *p)
{
    return p && p->allow_vnet_access && p->state &&
           !strcasecmp(p->state, "Connected");
}

bool pn_vnets_joined(const struct nsg_pnet *n, const struct nsg_vnet *from,
                     const struct nsg_vnet *v)
{
    if (!from || !v)
        return false;
    if (from == v)
        return true;
    for (guint i = 0; i < n->peers->len; i++) {
        const struct pn_peer *x = n->peers->pdata[i];
        if (x->from == from && x->to == v && connected(x->p) &&
            connected(x->back))
            return true;
    }
    return false;
}

static bool has_gateway_subnet(const struct nsg_pnet *n,
                               const struct nsg_vnet *v)
{
    const GPtrArray *a = pn_vnet_subnets(n, v);
    for (guint i = 0; a && i < a->len; i++) {
        const struct nsg_subnet *s = a->pdata[i];
        if (s->name && !strcasecmp(s->name, "GatewaySubnet"))
            return true;
    }
    return false;
}

bool pn_vnet_has_gateway(const struct nsg_pnet *n, const struct nsg_vnet *v)
{
    if (!v)
        return false;
    if (has_gateway_subnet(n, v))
        return true;
    for (size_t i = 0; i < v->n_peerings; i++)
        if (v->peerings[i].use_remote_gateways &&
            connected(&v->peerings[i]))
            return true;
    return false;
}

const GPtrArray *pn_pool_members(const struct nsg_pnet *n, const char *pool_id)
{
    if (!pool_id)
        return NULL;
    char *key = nsg_xstrdup_lower(pool_id);
    const GPtrArray *a = g_hash_table_lookup(n->lb_pool, key);
    free(key);
    return a;
}

const struct nsg_natgw *pn_natgw_of(const struct nsg_pnet *n,
                                    const struct nsg_subnet *s)
{
    return s ? g_hash_table_lookup(n->natgw_of_subnet, s) : NULL;
}

bool pn_has_nsg(const struct nsg_pnet *n, const struct pn_ic *ic)
{
    (void)n; /* an NSG named but not imported still exists in Azure */
    return ic->nic->nsg_id || (ic->subnet && ic->subnet->nsg_id);
}

/* ---- addresses that reach a NIC ---------------------------------------- */
void pn_appliance_reach(const struct nsg_pnet *n, const struct pn_entry *e,
                        struct nsg_addrset *out)
{
    const struct nsg_appliance *a = e->appl;
    /* its backends, or the NICs of its virtual network and the ones
     * peered with it */
    bool all = e->appl_type != NSG_RES_APPGW || a->backend_fqdn;
    const struct nsg_vnet *av = NULL;
    for (size_t k = 0; k < a->n_ipconfigs && !av; k++) {
        const struct nsg_subnet *s =
            nsg_topo_get(n->t, NSG_RES_SUBNET, a->ipconfigs[k].subnet_id);
        av = s ? nsg_topo_vnet_of_subnet(n->t, s) : NULL;
    }
    for (guint k = 0; k < n->ics->len; k++) {
        const struct pn_ic *ic = n->ics->pdata[k];
        bool hit = all && av && pn_vnets_joined(n, av, ic->vnet);
        for (size_t j = 0; !hit && j < a->n_backend_ipconfig_ids; j++)
            hit = pn_same_id(a->backend_ipconfig_ids[j], ic->ic->id);
        for (size_t j = 0; !hit && j < a->n_backend_ips; j++)
            hit = ic->ic->has_ip && !nsg_ip_cmp(&a->backend_ips[j], &ic->ic->ip);
        if (hit && ic->ic->has_ip)
            nsg_addrset_add_range(out, ic->ic->ip.family, ic->ic->ip.v,
                                  ic->ic->ip.v);
    }
}

void nsg_pnet_nic_appliance_addrs(const struct nsg_pnet *n,
                                  const struct nsg_nic *nic,
                                  struct nsg_addrset *out)
{
    for (guint i = 0; i < n->entries->len; i++) {
        const struct pn_entry *e = n->entries->pdata[i];
        struct nsg_addrset r = NSG_ADDRSET_INIT;
        bool hit = false;
        if (e->kind != PN_E_APPLIANCE || !e->pip)
            continue;
        pn_appliance_reach(n, e, &r);
        for (size_t k = 0; k < nic->n_ipconfigs && !hit; k++)
            hit = nic->ipconfigs[k].has_ip &&
                  nsg_addrset_contains(&r, &nic->ipconfigs[k].ip);
        nsg_addrset_release(&r);
        if (hit)
            nsg_addrset_add_range(out, e->pip->ip.family, e->pip->ip.v,
                                  e->pip->ip.v);
    }
}
static bool lb_reaches(const struct nsg_pnet *n, const struct nsg_lb *lb,
                       const struct nsg_lb_frontend *fe, const struct pn_ic *ic)
{
    for (size_t i = 0; i < lb->n_rules; i++) {
        const struct nsg_lb_rule *r = &lb->rules[i];
        if (!pn_same_id(r->frontend_id, fe->id))
            continue;
        for (size_t j = 0; j < r->n_pool_ids; j++) {
            const GPtrArray *a = pn_pool_members(n, r->pool_ids[j]);
            if (a && g_ptr_array_find((GPtrArray *)a, ic, NULL))
                return true;
        }
    }
    for (size_t i = 0; i < lb->n_nat_rules; i++) {
        const struct nsg_lb_nat_rule *r = &lb->nat_rules[i];
        if (!pn_same_id(r->frontend_id, fe->id))
            continue;
        if (pn_ic_by_id(n, r->ipconfig_id) == ic)
            return true;
        for (size_t k = 0; k < ic->ic->n_lb_nat_rule_ids; k++)
            if (pn_same_id(ic->ic->lb_nat_rule_ids[k], r->id))
                return true;
        const GPtrArray *a = pn_pool_members(n, r->pool_id);
        if (a && g_ptr_array_find((GPtrArray *)a, ic, NULL))
            return true;
    }
    return false;
}

/* Entries (public or private) that lead to ip configuration ic. */
static void entry_addrs_of(const struct nsg_pnet *n, const struct pn_ic *ic,
                           int public, struct nsg_addrset *out)
{
    for (guint i = 0; i < n->entries->len; i++) {
        const struct pn_entry *e = n->entries->pdata[i];
        bool hit = false;
        if (e->kind == PN_E_NIC)
            hit = e->ic == ic;
        else if (e->kind == PN_E_LB)
            hit = lb_reaches(n, e->lb, e->fe, ic);
        if (!hit || (public >= 0 && public != (e->pip != NULL)))
            continue;
        if (e->pip)
            nsg_addrset_add_range(out, e->pip->ip.family, e->pip->ip.v,
                                  e->pip->ip.v);
        else if (e->fe && e->fe->has_ip)
            nsg_addrset_add_range(out, e->fe->ip.family, e->fe->ip.v,
                                  e->fe->ip.v);
    }
}

void nsg_pnet_nic_entry_addrs(const struct nsg_pnet *n,
                              const struct nsg_nic *nic, bool public,
                              struct nsg_addrset *out)
{
    for (guint i = 0; i < n->ics->len; i++) {
        const struct pn_ic *ic = n->ics->pdata[i];
        if (ic->nic == nic)
            entry_addrs_of(n, ic, public, out);
    }
}

void nsg_pnet_translated_addrs(const struct nsg_pnet *n,
                               const struct nsg_addrset *dst,
                               struct nsg_addrset *out)
{
    for (guint i = 0; i < n->ics->len; i++) {
        const struct pn_ic *ic = n->ics->pdata[i];
        if (ic->ic->has_ip && nsg_addrset_contains(dst, &ic->ic->ip))
            entry_addrs_of(n, ic, -1, out);
    }
    /* appliances that may lead there (not verified) */
    for (guint i = 0; i < n->entries->len; i++) {
        const struct pn_entry *e = n->entries->pdata[i];
        struct nsg_addrset r = NSG_ADDRSET_INIT, both = NSG_ADDRSET_INIT;
        if (e->kind != PN_E_APPLIANCE || !e->pip)
            continue;
        pn_appliance_reach(n, e, &r);
        nsg_addrset_intersect(&both, &r, dst);
        if (!nsg_addrset_is_empty(&both))
            nsg_addrset_add_range(out, e->pip->ip.family, e->pip->ip.v,
                                  e->pip->ip.v);
        nsg_addrset_release(&r);
        nsg_addrset_release(&both);
    }
}
