/* topo_build_admin.c - builds Virtual Network Manager resources (security
 * admin configurations, rule collections, rules, network groups, static
 * members, deployment status, effective rules) for tests (topo_build.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "topo_build.h"

static char *child(const char *parent, const char *type, const char *name)
{
    return nsg_id_child(parent, type, name);
}

static char *manager_id(const char *manager)
{
    return tb_id("networkManagers", manager);
}

struct nsg_admin_config *tb_admin_config(struct nsg_topology *t,
                                         const char *manager, const char *name)
{
    struct nsg_admin_config *c = nsg_xcalloc(1, sizeof(*c));
    c->manager_id = manager_id(manager);
    c->id = child(c->manager_id, "securityAdminConfigurations", name);
    c->name = nsg_xstrdup(name);
    nsg_topo_add(t, NSG_RES_ADMIN_CONFIG, c);
    return c;
}

struct nsg_admin_collection *tb_admin_collection(struct nsg_topology *t,
                                                 struct nsg_admin_config *c,
                                                 const char *name,
                                                 const char *groups)
{
    struct nsg_admin_collection *k = nsg_xcalloc(1, sizeof(*k));
    size_t n;
    char **g = tb_split(groups, &n);
    k->id = child(c->id, "ruleCollections", name);
    k->name = nsg_xstrdup(name);
    k->config_id = nsg_xstrdup(c->id);
    k->group_ids = nsg_xcalloc(n + 1, sizeof(char *));
    for (size_t i = 0; i < n; i++)
        k->group_ids[k->n_group_ids++] =
            child(c->manager_id, "networkGroups", g[i]);
    g_strfreev(g);
    nsg_topo_add(t, NSG_RES_ADMIN_COLLECTION, k);
    return k;
}

struct nsg_admin_rule *tb_admin_rule(struct nsg_topology *t,
                                     struct nsg_admin_collection *c,
                                     const char *name, int priority,
                                     const char *dir, const char *access,
                                     const char *proto, const char *src,
                                     const char *sports, const char *dst,
                                     const char *dports)
{
    struct nsg_admin_rule *ar = nsg_xcalloc(1, sizeof(*ar));
    struct nsg_nsg tmp = {0};
    bool always = !strcasecmp(access, "alwaysallow");
    tmp.id = c->id;
    tb_rule(&tmp, name, priority, dir, always ? "allow" : access, proto, src,
            sports, dst, dports);
    ar->r = tmp.rules[0]; /* moved */
    free(tmp.rules);
    free(ar->r.id);
    ar->id = child(c->id, "rules", name);
    ar->r.id = nsg_xstrdup(ar->id);
    ar->name = nsg_xstrdup(name);
    ar->collection_id = nsg_xstrdup(c->id);
    ar->collection = nsg_xstrdup(c->name);
    ar->configuration = nsg_id_name(c->config_id);
    ar->access = always ? NSG_ADMIN_ALWAYS_ALLOW
                 : !strcasecmp(access, "deny") ? NSG_ADMIN_DENY
                                               : NSG_ADMIN_ALLOW;
    nsg_topo_add(t, NSG_RES_ADMIN_RULE, ar);
    return ar;
}

struct nsg_network_group *tb_network_group(struct nsg_topology *t,
                                           const char *manager,
                                           const char *name)
{
    struct nsg_network_group *g = nsg_xcalloc(1, sizeof(*g));
    g->manager_id = manager_id(manager);
    g->id = child(g->manager_id, "networkGroups", name);
    g->name = nsg_xstrdup(name);
    g->member_type = nsg_xstrdup("VirtualNetwork");
    nsg_topo_add(t, NSG_RES_NETWORK_GROUP, g);
    return g;
}

void tb_static_member(struct nsg_topology *t, struct nsg_network_group *g,
                      const struct nsg_vnet *v)
{
    struct nsg_static_member *m = nsg_xcalloc(1, sizeof(*m));
    m->id = child(g->id, "staticMembers", v->name);
    m->name = nsg_xstrdup(v->name);
    m->group_id = nsg_xstrdup(g->id);
    m->resource_id = nsg_xstrdup(v->id);
    nsg_topo_add(t, NSG_RES_STATIC_MEMBER, m);
}

void tb_admin_deployment(struct nsg_topology *t, const char *manager,
                         const char *region, const char *status,
                         const char *configs)
{
    struct nsg_admin_deployment *d = nsg_xcalloc(1, sizeof(*d));
    size_t n;
    char **c = tb_split(configs, &n);
    d->manager_id = manager_id(manager);
    d->id = child(d->manager_id, "deploymentStatus", region);
    d->name = nsg_xstrdup(region);
    d->region = nsg_xstrdup(region);
    d->status = nsg_xstrdup(status);
    d->config_ids = nsg_xcalloc(n + 1, sizeof(char *));
    for (size_t i = 0; i < n; i++)
        d->config_ids[d->n_config_ids++] =
            child(d->manager_id, "securityAdminConfigurations", c[i]);
    g_strfreev(c);
    nsg_topo_add(t, NSG_RES_ADMIN_DEPLOYMENT, d);
}

void tb_group_policy(struct nsg_topology *t, const char *name,
                     const struct nsg_network_group *g)
{
    struct nsg_group_policy *p = nsg_xcalloc(1, sizeof(*p));
    char *g2 = g_strdup_printf("/subscriptions/00000000-0000-0000-0000-"
                               "000000000000/providers/Microsoft."
                               "Authorization/policyDefinitions/%s",
                               name);
    p->id = nsg_xstrdup(g2);
    g_free(g2);
    p->name = nsg_xstrdup(name);
    p->group_ids = nsg_xcalloc(1, sizeof(char *));
    p->group_ids[p->n_group_ids++] = nsg_xstrdup(g->id);
    nsg_topo_add(t, NSG_RES_GROUP_POLICY, p);
}

static void copy_items(struct nsg_addr_item **dst, size_t *nd,
                       const struct nsg_addr_item *src, size_t n)
{
    *dst = nsg_xcalloc(n + 1, sizeof(**dst));
    for (size_t i = 0; i < n; i++) {
        (*dst)[i] = src[i];
        (*dst)[i].text = nsg_xstrdup(src[i].text);
    }
    *nd = n;
}

static char **copy_strv(char *const *v, size_t n)
{
    char **r = nsg_xcalloc(n + 1, sizeof(char *));
    for (size_t i = 0; i < n; i++)
        r[i] = nsg_xstrdup(v[i]);
    return r;
}

void tb_admin_effective(struct nsg_topology *t, const struct nsg_vnet *v,
                        const struct nsg_admin_rule *const *rules, size_t n)
{
    struct nsg_admin_effective *e = nsg_xcalloc(1, sizeof(*e));
    e->vnet_id = nsg_xstrdup(v->id);
    e->id = child(v->id, "effectiveSecurityAdminRules", "current");
    e->name = nsg_xstrdup("current");
    e->rules = nsg_xcalloc(n + 1, sizeof(*e->rules));
    for (size_t i = 0; i < n; i++) {
        const struct nsg_admin_rule *a = rules[i];
        struct nsg_admin_rule *b = &e->rules[e->n_rules++];
        const struct nsg_rule *r = &a->r;
        b->id = nsg_xstrdup(a->id);
        b->name = nsg_xstrdup(a->name);
        b->collection_id = nsg_xstrdup(a->collection_id);
        b->configuration = nsg_xstrdup(a->configuration);
        b->collection = nsg_xstrdup(a->collection);
        b->access = a->access;
        b->r = *r;
        b->r.id = nsg_xstrdup(r->id);
        b->r.name = nsg_xstrdup(r->name);
        b->r.description = nsg_xstrdup(r->description);
        copy_items(&b->r.src, &b->r.n_src, r->src, r->n_src);
        copy_items(&b->r.dst, &b->r.n_dst, r->dst, r->n_dst);
        b->r.src_asgs = copy_strv(r->src_asgs, r->n_src_asgs);
        b->r.dst_asgs = copy_strv(r->dst_asgs, r->n_dst_asgs);
        b->r.sports = nsg_xmalloc((r->n_sports + 1) * sizeof(*r->sports));
        memcpy(b->r.sports, r->sports, r->n_sports * sizeof(*r->sports));
        b->r.dports = nsg_xmalloc((r->n_dports + 1) * sizeof(*r->dports));
        memcpy(b->r.dports, r->dports, r->n_dports * sizeof(*r->dports));
    }
    nsg_topo_add(t, NSG_RES_ADMIN_EFFECTIVE, e);
}
