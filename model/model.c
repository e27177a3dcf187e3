/* model.c - ownership, lookup and cross-linking of the network model. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "model.h"

static const char *const type_names[NSG_RES_TYPE_COUNT] = {
    "nsg",          "vnet",            "subnet",       "nic",
    "publicip",     "vm",              "asg",          "routetable",
    "loadbalancer", "natgateway",      "firewall",     "appgateway",
    "bastion",      "flowlog",         "adminconfig",  "admincollection",
    "adminrule",    "networkgroup",    "staticmember", "admindeployment",
    "admineffective", "grouppolicy",   "tagexpansion"};

const char *nsg_dir_name(enum nsg_dir d)
{
    return d == NSG_DIR_OUT ? "Outbound" : "Inbound";
}

const char *nsg_access_name(enum nsg_access a)
{
    return a == NSG_DENY ? "Deny" : "Allow";
}

const char *nsg_res_type_name(enum nsg_res_type t)
{
    return t < NSG_RES_TYPE_COUNT ? type_names[t] : "?";
}

static void free_strv(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

static void free_items(struct nsg_addr_item *it, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(it[i].text);
    free(it);
}

void nsg_rule_release(struct nsg_rule *r)
{
    if (!r)
        return;
    free(r->id);
    free(r->name);
    free(r->description);
    free_items(r->src, r->n_src);
    free_items(r->dst, r->n_dst);
    free_strv(r->src_asgs, r->n_src_asgs);
    free_strv(r->dst_asgs, r->n_dst_asgs);
    free(r->sports);
    free(r->dports);
    memset(r, 0, sizeof(*r));
}

void nsg_nsg_free(struct nsg_nsg *n)
{
    if (!n)
        return;
    for (size_t i = 0; i < n->n_rules; i++)
        nsg_rule_release(&n->rules[i]);
    free(n->rules);
    free(n->id);
    free(n->name);
    free(n->location);
    free(n->etag);
    free(n->guid);
    free_strv(n->nic_ids, n->n_nic_ids);
    free_strv(n->subnet_ids, n->n_subnet_ids);
    free(n);
}

void nsg_vnet_free(struct nsg_vnet *v)
{
    if (!v)
        return;
    for (size_t i = 0; i < v->n_peerings; i++) {
        free(v->peerings[i].name);
        free(v->peerings[i].remote_vnet_id);
        free(v->peerings[i].remote_space);
        free(v->peerings[i].state);
    }
    free(v->peerings);
    free(v->space);
    free_strv(v->subnet_ids, v->n_subnet_ids);
    free(v->id);
    free(v->name);
    free(v->location);
    free(v);
}

void nsg_subnet_free(struct nsg_subnet *s)
{
    if (!s)
        return;
    free(s->id);
    free(s->name);
    free(s->vnet_id);
    free(s->prefixes);
    free(s->nsg_id);
    free(s->route_table_id);
    free(s->nat_gateway_id);
    free(s->pe_policies);
    free(s);
}

void nsg_nic_free(struct nsg_nic *n)
{
    if (!n)
        return;
    for (size_t i = 0; i < n->n_ipconfigs; i++) {
        struct nsg_ipconfig *c = &n->ipconfigs[i];
        free(c->id);
        free(c->name);
        free(c->subnet_id);
        free(c->public_ip_id);
        free_strv(c->asg_ids, c->n_asg_ids);
        free_strv(c->lb_pool_ids, c->n_lb_pool_ids);
        free_strv(c->lb_nat_rule_ids, c->n_lb_nat_rule_ids);
    }
    free(n->ipconfigs);
    free(n->id);
    free(n->name);
    free(n->nsg_id);
    free(n->vm_id);
    free(n->private_endpoint_id);
    free(n);
}

void nsg_pip_free(struct nsg_pip *p)
{
    if (!p)
        return;
    free(p->id);
    free(p->name);
    free(p->ipconfig_id);
    free(p->sku);
    free(p);
}

void nsg_vm_free(struct nsg_vm *v)
{
    if (!v)
        return;
    free(v->id);
    free(v->name);
    free_strv(v->nic_ids, v->n_nic_ids);
    free(v);
}

void nsg_asg_free(struct nsg_asg *a)
{
    if (!a)
        return;
    free(a->id);
    free(a->name);
    free(a);
}

void nsg_route_table_free(struct nsg_route_table *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->n_routes; i++) {
        free(r->routes[i].name);
        free(r->routes[i].next_hop_type);
        free(r->routes[i].tag);
    }
    free(r->routes);
    free(r->id);
    free(r->name);
    free(r);
}

void nsg_lb_free(struct nsg_lb *lb)
{
    if (!lb)
        return;
    for (size_t i = 0; i < lb->n_frontends; i++) {
        struct nsg_lb_frontend *f = &lb->frontends[i];
        free(f->id);
        free(f->name);
        free(f->subnet_id);
        free(f->public_ip_id);
    }
    for (size_t i = 0; i < lb->n_pools; i++) {
        struct nsg_lb_pool *p = &lb->pools[i];
        free(p->id);
        free(p->name);
        free_strv(p->ipconfig_ids, p->n_ipconfig_ids);
        free(p->addrs);
    }
    for (size_t i = 0; i < lb->n_rules; i++) {
        struct nsg_lb_rule *r = &lb->rules[i];
        free(r->id);
        free(r->name);
        free(r->frontend_id);
        free_strv(r->pool_ids, r->n_pool_ids);
    }
    for (size_t i = 0; i < lb->n_nat_rules; i++) {
        struct nsg_lb_nat_rule *r = &lb->nat_rules[i];
        free(r->id);
        free(r->name);
        free(r->frontend_id);
        free(r->ipconfig_id);
        free(r->pool_id);
    }
    for (size_t i = 0; i < lb->n_outbound; i++) {
        free(lb->outbound[i].name);
        free_strv(lb->outbound[i].frontend_ids, lb->outbound[i].n_frontend_ids);
        free(lb->outbound[i].pool_id);
    }
    free(lb->frontends);
    free(lb->pools);
    free(lb->rules);
    free(lb->nat_rules);
    free(lb->outbound);
    free(lb->id);
    free(lb->name);
    free(lb->sku);
    free(lb);
}

void nsg_natgw_free(struct nsg_natgw *g)
{
    if (!g)
        return;
    free(g->id);
    free(g->name);
    free_strv(g->pip_ids, g->n_pip_ids);
    free_strv(g->subnet_ids, g->n_subnet_ids);
    free(g);
}

void nsg_appliance_free(struct nsg_appliance *a)
{
    if (!a)
        return;
    for (size_t i = 0; i < a->n_ipconfigs; i++) {
        free(a->ipconfigs[i].subnet_id);
        free(a->ipconfigs[i].public_ip_id);
    }
    free(a->ipconfigs);
    free_strv(a->backend_ipconfig_ids, a->n_backend_ipconfig_ids);
    free(a->backend_ips);
    free(a->backend_ports);
    free(a->id);
    free(a->name);
    free(a->sku);
    free(a);
}

void nsg_flowlog_free(struct nsg_flowlog *f)
{
    if (!f)
        return;
    free(f->id);
    free(f->name);
    free(f->location);
    free(f->target_id);
    free(f);
}

void nsg_service_tag_free(struct nsg_service_tag *t)
{
    if (!t)
        return;
    free(t->name);
    nsg_addrset_release(&t->set);
    free(t);
}

void nsg_res_free(enum nsg_res_type type, void *res)
{
    switch (type) {
    case NSG_RES_NSG: nsg_nsg_free(res); break;
    case NSG_RES_VNET: nsg_vnet_free(res); break;
    case NSG_RES_SUBNET: nsg_subnet_free(res); break;
    case NSG_RES_NIC: nsg_nic_free(res); break;
    case NSG_RES_PIP: nsg_pip_free(res); break;
    case NSG_RES_VM: nsg_vm_free(res); break;
    case NSG_RES_ASG: nsg_asg_free(res); break;
    case NSG_RES_ROUTE_TABLE: nsg_route_table_free(res); break;
    case NSG_RES_LB: nsg_lb_free(res); break;
    case NSG_RES_NATGW: nsg_natgw_free(res); break;
    case NSG_RES_FIREWALL:
    case NSG_RES_APPGW:
    case NSG_RES_BASTION: nsg_appliance_free(res); break;
    case NSG_RES_FLOWLOG: nsg_flowlog_free(res); break;
    default: nsg_admin_res_free(type, res); break;
    }
}

/* Every resource struct starts with `char *id, *name`. */
struct res_head {
    char *id, *name;
};

struct nsg_topology *nsg_topo_new(void)
{
    struct nsg_topology *t = nsg_xcalloc(1, sizeof(*t));
    for (int i = 0; i < NSG_RES_TYPE_COUNT; i++)
        t->res[i] = g_ptr_array_new();
    t->by_id = g_hash_table_new_full(g_str_hash, g_str_equal, free, free);
    t->tags = g_hash_table_new_full(g_str_hash, g_str_equal, free,
                                    (GDestroyNotify)nsg_service_tag_free);
    t->warnings = g_ptr_array_new_with_free_func(free);
    return t;
}

void nsg_topo_free(struct nsg_topology *t)
{
    if (!t)
        return;
    for (int i = 0; i < NSG_RES_TYPE_COUNT; i++) {
        for (guint j = 0; j < t->res[i]->len; j++)
            nsg_res_free((enum nsg_res_type)i, t->res[i]->pdata[j]);
        g_ptr_array_free(t->res[i], TRUE);
    }
    g_hash_table_destroy(t->by_id);
    g_hash_table_destroy(t->tags);
    g_ptr_array_free(t->warnings, TRUE);
    free(t);
}

void nsg_topo_add(struct nsg_topology *t, enum nsg_res_type type, void *res)
{
    struct res_head *h = res;
    char *key = nsg_xstrdup_lower(h->id ? h->id : h->name);
    struct nsg_res_ref *old = g_hash_table_lookup(t->by_id, key);

    if (old && old->type == type) {
        g_ptr_array_remove(t->res[type], old->ptr);
        nsg_res_free(type, old->ptr);
    }
    struct nsg_res_ref *ref = nsg_xmalloc(sizeof(*ref));
    ref->type = type;
    ref->ptr = res;
    g_hash_table_replace(t->by_id, key, ref);
    g_ptr_array_add(t->res[type], res);
}

void nsg_topo_add_tag(struct nsg_topology *t, struct nsg_service_tag *tag)
{
    g_hash_table_replace(t->tags, nsg_xstrdup_lower(tag->name), tag);
}

void *nsg_topo_get(const struct nsg_topology *t, enum nsg_res_type type,
                   const char *id)
{
    if (!id)
        return NULL;
    char *key = nsg_xstrdup_lower(id);
    struct nsg_res_ref *ref = g_hash_table_lookup(t->by_id, key);
    free(key);
    return ref && ref->type == type ? ref->ptr : NULL;
}

nsg_rc nsg_topo_find(const struct nsg_topology *t, enum nsg_res_type type,
                     const char *name_or_id, void **out, struct nsg_err *err)
{
    GPtrArray *all = t->res[type];
    void *found = NULL;
    size_t hits = 0;

    *out = nsg_topo_get(t, type, name_or_id);
    if (*out)
        return NSG_OK;
    for (guint i = 0; i < all->len; i++) {
        struct res_head *h = all->pdata[i];
        if (h->name && !strcasecmp(h->name, name_or_id)) {
            found = h;
            hits++;
        }
    }
    if (hits == 1) {
        *out = found;
        return NSG_OK;
    }
    if (hits == 0)
        return nsg_err_set(err, NSG_E_NOTFOUND, "no %s named '%s' in the corpus",
                           nsg_res_type_name(type), name_or_id);
    struct nsg_buf b = NSG_BUF_INIT;
    for (guint i = 0; i < all->len; i++) {
        struct res_head *h = all->pdata[i];
        if (h->name && !strcasecmp(h->name, name_or_id))
            nsg_buf_addf(&b, "\n  %s", h->id ? h->id : h->name);
    }
    nsg_err_set(err, NSG_E_INPUT,
                "%s name '%s' is ambiguous; use the full id, one of:%s",
                nsg_res_type_name(type), name_or_id, b.buf);
    nsg_buf_release(&b);
    return NSG_E_INPUT;
}

const struct nsg_service_tag *nsg_topo_tag(const struct nsg_topology *t,
                                           const char *name)
{
    char *key = nsg_xstrdup_lower(name);
    const struct nsg_service_tag *tag = g_hash_table_lookup(t->tags, key);
    free(key);
    return tag;
}

struct nsg_vnet *nsg_topo_vnet_of_subnet(const struct nsg_topology *t,
                                         const struct nsg_subnet *s)
{
    return s ? nsg_topo_get(t, NSG_RES_VNET, s->vnet_id) : NULL;
}

struct nsg_subnet *nsg_topo_subnet_of_nic(const struct nsg_topology *t,
                                          const struct nsg_nic *nic)
{
    const struct nsg_ipconfig *pick = NULL;
    for (size_t i = 0; i < nic->n_ipconfigs; i++) {
        if (!pick || nic->ipconfigs[i].primary)
            pick = &nic->ipconfigs[i];
        if (nic->ipconfigs[i].primary)
            break;
    }
    return pick ? nsg_topo_get(t, NSG_RES_SUBNET, pick->subnet_id) : NULL;
}

static bool same_id(const char *a, const char *b)
{
    return a && b && !strcasecmp(a, b);
}

void nsg_topo_vnets_of_nsg(const struct nsg_topology *t,
                           const struct nsg_nsg *n, GPtrArray *out)
{
    /* subnets the NSG lists but the corpus lacks: their virtual network */
    for (size_t i = 0; n && i < n->n_subnet_ids; i++) {
        char *vid;
        struct nsg_vnet *v;
        if (nsg_topo_get(t, NSG_RES_SUBNET, n->subnet_ids[i]))
            continue;
        vid = nsg_id_parent(n->subnet_ids[i]);
        v = vid ? nsg_topo_get(t, NSG_RES_VNET, vid) : NULL;
        if (v && !g_ptr_array_find(out, v, NULL))
            g_ptr_array_add(out, v);
        free(vid);
    }
    for (guint i = 0; n && i < NSG_TOPO_N(t, NSG_RES_SUBNET); i++) {
        const struct nsg_subnet *s = NSG_TOPO_AT(t, NSG_RES_SUBNET, i);
        struct nsg_vnet *v;
        if (same_id(s->nsg_id, n->id) && (v = nsg_topo_vnet_of_subnet(t, s)) &&
            !g_ptr_array_find(out, v, NULL))
            g_ptr_array_add(out, v);
    }
    for (guint i = 0; n && i < NSG_TOPO_N(t, NSG_RES_NIC); i++) {
        const struct nsg_nic *nic = NSG_TOPO_AT(t, NSG_RES_NIC, i);
        struct nsg_vnet *v;
        if (same_id(nic->nsg_id, n->id) &&
            (v = nsg_topo_vnet_of_subnet(t, nsg_topo_subnet_of_nic(t, nic))) &&
            !g_ptr_array_find(out, v, NULL))
            g_ptr_array_add(out, v);
    }
}

int nsg_mac_normalize(const char *in, char out[13])
{
    size_t n = 0;
    if (!in)
        return -1;
    for (const char *p = in; *p; p++) {
        if (*p == '-' || *p == ':' || *p == '.')
            continue;
        if (!isxdigit((unsigned char)*p) || n == 12)
            return -1;
        out[n++] = (char)toupper((unsigned char)*p);
    }
    out[n] = '\0';
    return n == 12 ? 0 : -1;
}

struct nsg_nic *nsg_topo_nic_by_mac(const struct nsg_topology *t,
                                    const char *mac)
{
    char want[13];
    if (nsg_mac_normalize(mac, want))
        return NULL;
    for (guint i = 0; i < NSG_TOPO_N(t, NSG_RES_NIC); i++) {
        struct nsg_nic *n = NSG_TOPO_AT(t, NSG_RES_NIC, i);
        if (!strcmp(n->mac, want))
            return n;
    }
    return NULL;
}

struct nsg_nsg *nsg_topo_nsg_by_guid(const struct nsg_topology *t,
                                     const char *guid)
{
    if (!guid)
        return NULL;
    for (guint i = 0; i < NSG_TOPO_N(t, NSG_RES_NSG); i++) {
        struct nsg_nsg *n = NSG_TOPO_AT(t, NSG_RES_NSG, i);
        if (n->guid && !strcasecmp(n->guid, guid))
            return n;
    }
    return NULL;
}

char *nsg_id_parent(const char *id)
{
    /* strip the last two segments: /type/name */
    if (!id)
        return NULL;
    const char *end = id + strlen(id);
    int slashes = 0;
    while (end > id) {
        end--;
        if (*end == '/' && ++slashes == 2)
            break;
    }
    if (slashes < 2 || end == id)
        return NULL;
    /* a parent must itself end in providers/ns/type/name[/type/name...] */
    char *p = g_strndup(id, (gsize)(end - id));
    bool ok = nsg_id_is_valid(p);
    char *r = ok ? nsg_xstrdup(p) : NULL;
    g_free(p);
    return r;
}

char *nsg_id_name(const char *id)
{
    const char *s = id ? strrchr(id, '/') : NULL;
    return nsg_xstrdup(s ? s + 1 : id);
}

bool nsg_id_is_valid(const char *s)
{
    if (!s || strncasecmp(s, "/subscriptions/", 15))
        return false;
    char **parts = g_strsplit(s + 1, "/", -1);
    guint n = g_strv_length(parts);
    bool ok = n >= 8 && !strcasecmp(parts[2], "resourceGroups") &&
              !strcasecmp(parts[4], "providers") && (n - 6) % 2 == 0;
    for (guint i = 0; ok && i < n; i++)
        if (!parts[i][0])
            ok = false;
    g_strfreev(parts);
    return ok;
}

static void warn(struct nsg_topology *t, const char *fmt, const char *a,
                 const char *b)
{
    char *msg = g_strdup_printf(fmt, a, b);
    for (guint i = 0; i < t->warnings->len; i++)
        if (!strcmp(t->warnings->pdata[i], msg)) {
            g_free(msg);
            return;
        }
    g_ptr_array_add(t->warnings, nsg_xstrdup(msg));
    g_free(msg);
}

/* A virtual network that subnets (or NSGs, through subnet ids) name but
 * the corpus lacks: a placeholder
 * with its id and name and no address space, so that every evaluation in
 * its context knows that the context is missing (sim: nsg_sim_vnet_known)
 * instead of taking it for "no virtual network". */
static void add_vnet_placeholder(struct nsg_topology *t, const char *id)
{
    struct nsg_vnet *v = nsg_xcalloc(1, sizeof(*v));
    v->id = nsg_xstrdup(id);
    v->name = nsg_id_name(id);
    nsg_topo_add(t, NSG_RES_VNET, v);
}

static void link_nsg_associations(struct nsg_topology *t, struct nsg_nsg *n)
{
    for (size_t j = 0; j < n->n_subnet_ids; j++) {
        struct nsg_subnet *s = nsg_topo_get(t, NSG_RES_SUBNET, n->subnet_ids[j]);
        char *vid = s ? NULL : nsg_id_parent(n->subnet_ids[j]);
        if (vid && !nsg_topo_get(t, NSG_RES_VNET, vid))
            add_vnet_placeholder(t, vid); /* its context is missing too */
        free(vid);
        if (!s)
            warn(t, "nsg %s is applied to subnet %s, which is not in the corpus",
                 n->name, n->subnet_ids[j]);
        else if (!s->nsg_id)
            s->nsg_id = nsg_xstrdup(n->id);
    }
    for (size_t j = 0; j < n->n_nic_ids; j++) {
        struct nsg_nic *nic = nsg_topo_get(t, NSG_RES_NIC, n->nic_ids[j]);
        if (!nic)
            warn(t, "nsg %s is applied to NIC %s, which is not in the corpus",
                 n->name, n->nic_ids[j]);
        else if (!nic->nsg_id)
            nic->nsg_id = nsg_xstrdup(n->id);
    }
}

void nsg_topo_link(struct nsg_topology *t)
{
    GPtrArray *lost = g_ptr_array_new(); /* vnet ids (borrowed) */
    for (guint i = 0; i < NSG_TOPO_N(t, NSG_RES_SUBNET); i++) {
        struct nsg_subnet *s = NSG_TOPO_AT(t, NSG_RES_SUBNET, i);
        if (!s->vnet_id)
            s->vnet_id = nsg_id_parent(s->id);
        if (s->nsg_id && !nsg_topo_get(t, NSG_RES_NSG, s->nsg_id))
            warn(t, "subnet %s uses NSG %s, which is not in the corpus",
                 s->name, s->nsg_id);
        if (s->vnet_id && !nsg_topo_get(t, NSG_RES_VNET, s->vnet_id)) {
            warn(t, "subnet %s belongs to virtual network %s, which is not in "
                    "the corpus", s->name, s->vnet_id);
            g_ptr_array_add(lost, s->vnet_id);
        }
    }
    for (guint i = 0; i < lost->len; i++)
        if (!nsg_topo_get(t, NSG_RES_VNET, lost->pdata[i]))
            add_vnet_placeholder(t, lost->pdata[i]);
    g_ptr_array_free(lost, TRUE);
    for (guint i = 0; i < NSG_TOPO_N(t, NSG_RES_NSG); i++)
        link_nsg_associations(t, NSG_TOPO_AT(t, NSG_RES_NSG, i));
    for (guint i = 0; i < NSG_TOPO_N(t, NSG_RES_NIC); i++) {
        struct nsg_nic *nic = NSG_TOPO_AT(t, NSG_RES_NIC, i);
        if (nic->nsg_id && !nsg_topo_get(t, NSG_RES_NSG, nic->nsg_id))
            warn(t, "NIC %s uses NSG %s, which is not in the corpus", nic->name,
                 nic->nsg_id);
        for (size_t j = 0; j < nic->n_ipconfigs; j++) {
            const char *sid = nic->ipconfigs[j].subnet_id;
            if (sid && !nsg_topo_get(t, NSG_RES_SUBNET, sid))
                warn(t, "NIC %s is in subnet %s, which is not in the corpus",
                     nic->name, sid);
        }
    }
}

static void add_default(struct nsg_nsg *n, const char *name, int prio,
                        enum nsg_dir dir, const char *src, const char *dst,
                        enum nsg_access access)
{
    struct nsg_rule *r;
    const char *side[2] = {src, dst};

    n->rules = nsg_xrealloc(n->rules, (n->n_rules + 1) * sizeof(*n->rules));
    r = &n->rules[n->n_rules++];
    memset(r, 0, sizeof(*r));
    r->name = nsg_xstrdup(name);
    r->priority = prio;
    r->dir = dir;
    r->access = access;
    r->proto = NSG_PROTO_ANY;
    r->is_default = true;
    for (int k = 0; k < 2; k++) {
        struct nsg_addr_item *it = nsg_xcalloc(1, sizeof(*it));
        it->kind = strcmp(side[k], "*") ? NSG_ADDR_TAG : NSG_ADDR_ANY;
        it->text = nsg_xstrdup(side[k]);
        if (k == 0) {
            r->src = it;
            r->n_src = 1;
        } else {
            r->dst = it;
            r->n_dst = 1;
        }
    }
    r->sports = nsg_xmalloc(sizeof(*r->sports));
    r->dports = nsg_xmalloc(sizeof(*r->dports));
    r->sports[0] = r->dports[0] = (struct nsg_portrange){0, 65535};
    r->n_sports = r->n_dports = 1;
}

void nsg_nsg_add_default_rules(struct nsg_nsg *n)
{
    add_default(n, "AllowVnetInBound", 65000, NSG_DIR_IN, "VirtualNetwork",
                "VirtualNetwork", NSG_ALLOW);
    add_default(n, "AllowAzureLoadBalancerInBound", 65001, NSG_DIR_IN,
                "AzureLoadBalancer", "*", NSG_ALLOW);
    add_default(n, "DenyAllInBound", 65500, NSG_DIR_IN, "*", "*", NSG_DENY);
    add_default(n, "AllowVnetOutBound", 65000, NSG_DIR_OUT, "VirtualNetwork",
                "VirtualNetwork", NSG_ALLOW);
    add_default(n, "AllowInternetOutBound", 65001, NSG_DIR_OUT, "*", "Internet",
                NSG_ALLOW);
    add_default(n, "DenyAllOutBound", 65500, NSG_DIR_OUT, "*", "*", NSG_DENY);
}
