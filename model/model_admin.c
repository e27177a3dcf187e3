/* model_admin.c - ownership and lookup of the Virtual Network Manager
 * resources and of Azure's per-NIC tag expansions. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "model.h"

const char *nsg_admin_access_name(enum nsg_admin_access a)
{
    switch (a) {
    case NSG_ADMIN_DENY: return "Deny";
    case NSG_ADMIN_ALWAYS_ALLOW: return "AlwaysAllow";
    default: return "Allow";
    }
}

static void free_strv(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

void nsg_admin_rule_release(struct nsg_admin_rule *r)
{
    if (!r)
        return;
    free(r->id);
    free(r->name);
    free(r->collection_id);
    free(r->configuration);
    free(r->collection);
    nsg_rule_release(&r->r);
    memset(r, 0, sizeof(*r));
}

void nsg_admin_res_free(enum nsg_res_type type, void *res)
{
    if (!res)
        return;
    switch (type) {
    case NSG_RES_ADMIN_CONFIG: {
        struct nsg_admin_config *c = res;
        free(c->manager_id);
        break;
    }
    case NSG_RES_ADMIN_COLLECTION: {
        struct nsg_admin_collection *c = res;
        free(c->config_id);
        free_strv(c->group_ids, c->n_group_ids);
        break;
    }
    case NSG_RES_ADMIN_RULE:
        nsg_admin_rule_release(res);
        free(res);
        return;
    case NSG_RES_NETWORK_GROUP: {
        struct nsg_network_group *g = res;
        free(g->manager_id);
        free(g->member_type);
        break;
    }
    case NSG_RES_STATIC_MEMBER: {
        struct nsg_static_member *m = res;
        free(m->group_id);
        free(m->resource_id);
        break;
    }
    case NSG_RES_ADMIN_DEPLOYMENT: {
        struct nsg_admin_deployment *d = res;
        free(d->manager_id);
        free(d->region);
        free(d->status);
        free(d->commit_time);
        free_strv(d->config_ids, d->n_config_ids);
        break;
    }
    case NSG_RES_ADMIN_EFFECTIVE: {
        struct nsg_admin_effective *e = res;
        free(e->vnet_id);
        for (size_t i = 0; i < e->n_rules; i++)
            nsg_admin_rule_release(&e->rules[i]);
        free(e->rules);
        break;
    }
    case NSG_RES_GROUP_POLICY: {
        struct nsg_group_policy *g = res;
        free_strv(g->group_ids, g->n_group_ids);
        break;
    }
    case NSG_RES_TAG_EXPANSION: {
        struct nsg_tag_expansion *e = res;
        free(e->target_id);
        free_strv(e->tags, e->n);
        for (size_t i = 0; i < e->n; i++)
            nsg_addrset_release(&e->sets[i]);
        free(e->sets);
        break;
    }
    default:
        return; /* not a type of this header: not ours to free */
    }
    /* every struct starts with `char *id, *name` */
    char **head = res;
    free(head[0]);
    free(head[1]);
    free(res);
}

static const struct nsg_tag_expansion *
expansion_of(const struct nsg_topology *t, const char *target)
{
    if (!target)
        return NULL;
    for (guint i = 0; i < NSG_TOPO_N(t, NSG_RES_TAG_EXPANSION); i++) {
        const struct nsg_tag_expansion *e =
            NSG_TOPO_AT(t, NSG_RES_TAG_EXPANSION, i);
        if (e->target_id && !strcasecmp(e->target_id, target))
            return e;
    }
    return NULL;
}

const struct nsg_tag_expansion *
nsg_topo_tag_expansion(const struct nsg_topology *t, const struct nsg_nic *nic,
                       const struct nsg_subnet *sub)
{
    const struct nsg_tag_expansion *e;
    if (!t || NSG_TOPO_N(t, NSG_RES_TAG_EXPANSION) == 0)
        return NULL;
    e = nic ? expansion_of(t, nic->id) : NULL;
    return e ? e : sub ? expansion_of(t, sub->id) : NULL;
}

const struct nsg_addrset *
nsg_tag_expansion_get(const struct nsg_tag_expansion *e, const char *tag)
{
    for (size_t i = 0; e && i < e->n; i++)
        if (!strcasecmp(e->tags[i], tag))
            return &e->sets[i];
    return NULL;
}

char *nsg_id_child(const char *parent, const char *type, const char *name)
{
    char *s = g_strdup_printf("%s/%s/%s", parent, type, name);
    char *r = nsg_xstrdup(s);
    g_free(s);
    return r;
}
