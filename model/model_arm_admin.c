/* model_arm_admin.c - decodes the Virtual Network Manager resources
 * (security admin configurations, rule collections, admin rules, network
 * groups, static members, the deployment status of a region, the effective
 * admin rules of a virtual network), the Azure Policy definitions that add
 * members to network groups, and Azure's per-NIC tag expansion, from their
 * ARM GET shapes (az's flattened shape too).  Ids of these resources are
 * checked leniently (a "/subscriptions/" path): the REST reference's own
 * examples write "resourceGroup/" for "resourceGroups/". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "model_int.h"

/* The id (must look like "/subscriptions/..."), the name (from the id when
 * absent) and the properties object. */
static nsg_rc head(const cJSON *json, const char *where, bool need_id,
                   char **id, char **name, const cJSON **props,
                   char pw[NSG_JPATH_MAX], struct nsg_err *err)
{
    const char *sid, *sname;
    char path[NSG_JPATH_MAX];
    nsg_rc rc;

    *id = *name = NULL;
    if (!cJSON_IsObject(json))
        return nsg_model_json_fail(err, where, "expected an object, got %s",
                                   nsg_model_json_kind(json));
    if ((rc = nsg_model_json_str(json, "id", where, need_id, &sid, err)) ||
        (rc = nsg_model_json_str(json, "name", where, false, &sname, err)))
        return rc;
    if (sid && strncasecmp(sid, "/subscriptions/", 15)) {
        nsg_model_jpath_key(path, where, "id");
        return nsg_model_json_fail(err, path,
                                   "\"%s\" is not an Azure resource id", sid);
    }
    if ((!sid || !*sid) && (!sname || !*sname))
        return nsg_model_json_fail(
            err, where, "missing required field \"name\" (and no \"id\")");
    if ((rc = nsg_model_props(json, where, props, pw, err)))
        return rc;
    *id = sid && *sid ? nsg_xstrdup(sid) : NULL;
    *name = sname && *sname ? nsg_xstrdup(sname) : nsg_id_name(sid);
    return NSG_OK;
}

static char *dup_g(char *g)
{
    char *r = nsg_xstrdup(g);
    g_free(g);
    return r;
}

/* ".../a/b/c/d" -> ".../a/b" (no validation); NULL when too short. */
static char *parent(const char *id)
{
    const char *end;
    int k = 0;
    if (!id)
        return NULL;
    end = id + strlen(id);
    while (end > id) {
        end--;
        if (*end == '/' && ++k == 2)
            break;
    }
    return k == 2 && end > id ? dup_g(g_strndup(id, (gsize)(end - id)))
                              : NULL;
}

/* The segment after "/<key>/" in an id (case-insensitive), or NULL. */
static char *segment(const char *id, const char *key)
{
    char **parts = id ? g_strsplit(id, "/", -1) : NULL;
    char *r = NULL;
    for (size_t i = 0; parts && parts[i] && parts[i + 1]; i++)
        if (!strcasecmp(parts[i], key)) {
            r = nsg_xstrdup(parts[i + 1]);
            break;
        }
    g_strfreev(parts);
    return r;
}

/* An array of strings (ids) appended to *v / *n. */
static nsg_rc strings(const cJSON *obj, const char *key, const char *where,
                      char ***v, size_t *n, struct nsg_err *err)
{
    const cJSON *arr;
    char p[NSG_JPATH_MAX];
    nsg_rc rc = nsg_model_json_arr(obj, key, where, false, &arr, err);
    if (rc || !arr)
        return rc;
    nsg_model_jpath_key(p, where, key);
    for (size_t i = 0; i < (size_t)cJSON_GetArraySize(arr); i++) {
        const char *s;
        if ((rc = nsg_model_json_arr_str(arr, i, p, &s, err)))
            return rc;
        *v = nsg_xrealloc(*v, (*n + 2) * sizeof(char *));
        (*v)[(*n)++] = nsg_xstrdup(s);
    }
    return NSG_OK;
}

/* ---- admin rules ---------------------------------------------------------- */

static nsg_rc add_item(const char *s, bool tag, const char *where,
                       struct nsg_addr_item **items, size_t *n,
                       struct nsg_err *err)
{
    struct nsg_addr_item it = {0};
    if (!strcmp(s, "*") || !strcasecmp(s, "Any")) {
        it.kind = NSG_ADDR_ANY;
    } else if (tag) {
        it.kind = NSG_ADDR_TAG;
    } else {
        nsg_rc rc = nsg_model_cidr(s, where, &it.cidr, err);
        if (rc)
            return rc;
        it.kind = NSG_ADDR_CIDR;
    }
    it.text = nsg_xstrdup(s);
    *items = nsg_xrealloc(*items, (*n + 1) * sizeof(**items));
    (*items)[(*n)++] = it;
    return NSG_OK;
}

/* sources / destinations: [{addressPrefix, addressPrefixType}]; none given
 * is any address (A3). */
static nsg_rc admin_side(const cJSON *p, const char *pw, const char *key,
                         struct nsg_addr_item **items, size_t *n,
                         struct nsg_err *err)
{
    const cJSON *arr, *el;
    char path[NSG_JPATH_MAX], ep[NSG_JPATH_MAX], fp[NSG_JPATH_MAX];
    size_t i = 0;
    nsg_rc rc = nsg_model_json_arr(p, key, pw, false, &arr, err);
    if (rc)
        return rc;
    nsg_model_jpath_key(path, pw, key);
    cJSON_ArrayForEach(el, arr)
    {
        const char *pre, *type;
        nsg_model_jpath_idx(ep, path, i++);
        if (!cJSON_IsObject(el))
            return nsg_model_json_fail(err, ep, "expected an object, got %s",
                                       nsg_model_json_kind(el));
        if ((rc = nsg_model_json_str(el, "addressPrefix", ep, true, &pre,
                                     err)) ||
            (rc = nsg_model_json_str(el, "addressPrefixType", ep, false, &type,
                                     err)))
            return rc;
        bool tag = type && !strcasecmp(type, "ServiceTag");
        if (type && !tag && strcasecmp(type, "IPPrefix")) {
            nsg_model_jpath_key(fp, ep, "addressPrefixType");
            return nsg_model_json_fail(err, fp,
                                       "\"%s\" is not IPPrefix or ServiceTag",
                                       type);
        }
        nsg_model_jpath_key(fp, ep, "addressPrefix");
        if ((rc = add_item(pre, tag, fp, items, n, err)))
            return rc;
    }
    if (*n == 0)
        return add_item("*", false, path, items, n, err);
    return NSG_OK;
}

static nsg_rc admin_ports(const cJSON *p, const char *pw, const char *key,
                          struct nsg_portrange **v, size_t *n,
                          struct nsg_err *err)
{
    const cJSON *arr, *el;
    char path[NSG_JPATH_MAX], ep[NSG_JPATH_MAX];
    size_t i = 0;
    nsg_rc rc = nsg_model_json_arr(p, key, pw, false, &arr, err);
    if (rc)
        return rc;
    nsg_model_jpath_key(path, pw, key);
    cJSON_ArrayForEach(el, arr)
    {
        struct nsg_portrange pr;
        char num[32];
        const char *s = cJSON_IsString(el) ? el->valuestring : NULL;
        nsg_model_jpath_idx(ep, path, i++);
        if (cJSON_IsNumber(el)) {
            snprintf(num, sizeof(num), "%.17g", el->valuedouble);
            s = num;
        }
        if (!s || nsg_portrange_parse(s, &pr))
            return nsg_model_json_fail(err, ep,
                                       "%s is not a port or port range "
                                       "(0-65535, \"lo-hi\" or \"*\")",
                                       s ? s : nsg_model_json_kind(el));
        *v = nsg_xrealloc(*v, (*n + 1) * sizeof(**v));
        (*v)[(*n)++] = pr;
    }
    if (*n == 0) { /* none given: every port */
        *v = nsg_xmalloc(sizeof(**v));
        (*v)[0] = (struct nsg_portrange){0, 65535};
        *n = 1;
    }
    return NSG_OK;
}

/* The fields of an admin rule (properties of a rule resource, or of one
 * entry of the effective admin rules) into ar (id and name set). */
static nsg_rc admin_fields(const cJSON *p, const char *pw,
                           struct nsg_admin_rule *ar, struct nsg_err *err)
{
    const char *s;
    char path[NSG_JPATH_MAX];
    int64_t prio;
    struct nsg_rule *r = &ar->r;
    nsg_rc rc;

    r->id = nsg_xstrdup(ar->id);
    r->name = nsg_xstrdup(ar->name);
    if ((rc = nsg_model_json_str(p, "protocol", pw, true, &s, err)))
        return rc;
    nsg_model_jpath_key(path, pw, "protocol");
    r->proto = nsg_proto_parse(s);
    if (r->proto == -2)
        return nsg_model_json_fail(err, path,
                                   "protocol \"%s\" is not one of Tcp, Udp, "
                                   "Icmp, Esp, Ah, Any",
                                   s);
    if ((rc = nsg_model_json_str(p, "access", pw, true, &s, err)))
        return rc;
    nsg_model_jpath_key(path, pw, "access");
    if (!strcasecmp(s, "Allow"))
        ar->access = NSG_ADMIN_ALLOW;
    else if (!strcasecmp(s, "Deny"))
        ar->access = NSG_ADMIN_DENY;
    else if (!strcasecmp(s, "AlwaysAllow"))
        ar->access = NSG_ADMIN_ALWAYS_ALLOW;
    else
        return nsg_model_json_fail(err, path,
                                   "access \"%s\" is not Allow, Deny or "
                                   "AlwaysAllow",
                                   s);
    r->access = ar->access == NSG_ADMIN_DENY ? NSG_DENY : NSG_ALLOW;
    if ((rc = nsg_model_direction(p, pw, &r->dir, err)))
        return rc;
    if ((rc = nsg_model_json_int(p, "priority", pw, true, NULL, &prio, err)))
        return rc;
    if (prio < 1 || prio > 4096) {
        nsg_model_jpath_key(path, pw, "priority");
        return nsg_model_json_fail(err, path,
                                   "priority %lld is out of range (1-4096)",
                                   (long long)prio);
    }
    r->priority = (int)prio;
    if ((rc = admin_side(p, pw, "sources", &r->src, &r->n_src, err)) ||
        (rc = admin_side(p, pw, "destinations", &r->dst, &r->n_dst, err)) ||
        (rc = admin_ports(p, pw, "sourcePortRanges", &r->sports, &r->n_sports,
                          err)) ||
        (rc = admin_ports(p, pw, "destinationPortRanges", &r->dports,
                          &r->n_dports, err)))
        return rc;
    ar->collection_id = parent(ar->id);
    ar->configuration = segment(ar->id, "securityAdminConfigurations");
    ar->collection = segment(ar->id, "ruleCollections");
    return NSG_OK;
}

static nsg_rc parse_admin_rule(const cJSON *json, const char *where,
                               struct nsg_admin_rule *ar, struct nsg_err *err)
{
    const cJSON *p;
    char pw[NSG_JPATH_MAX];
    nsg_rc rc = head(json, where, true, &ar->id, &ar->name, &p, pw, err);
    if (!rc)
        rc = admin_fields(p, pw, ar, err);
    return rc;
}

/* ---- the other resources --------------------------------------------------- */

static nsg_rc parse_config(const cJSON *json, const char *where, void **out,
                           struct nsg_err *err)
{
    struct nsg_admin_config *c = nsg_xcalloc(1, sizeof(*c));
    const cJSON *p;
    char pw[NSG_JPATH_MAX];
    nsg_rc rc = head(json, where, true, &c->id, &c->name, &p, pw, err);
    if (!rc)
        c->manager_id = parent(c->id);
    *out = c;
    return rc;
}

static nsg_rc parse_collection(const cJSON *json, const char *where,
                               void **out, struct nsg_err *err)
{
    struct nsg_admin_collection *c = nsg_xcalloc(1, sizeof(*c));
    const cJSON *p, *arr, *el;
    char pw[NSG_JPATH_MAX], path[NSG_JPATH_MAX], ep[NSG_JPATH_MAX];
    size_t i = 0;
    nsg_rc rc = head(json, where, true, &c->id, &c->name, &p, pw, err);
    *out = c;
    if (rc)
        return rc;
    c->config_id = parent(c->id);
    if ((rc = nsg_model_json_arr(p, "appliesToGroups", pw, false, &arr, err)))
        return rc;
    nsg_model_jpath_key(path, pw, "appliesToGroups");
    cJSON_ArrayForEach(el, arr)
    {
        const char *g;
        nsg_model_jpath_idx(ep, path, i++);
        if ((rc = nsg_model_json_str(el, "networkGroupId", ep, true, &g, err)))
            return rc;
        c->group_ids = nsg_xrealloc(c->group_ids,
                                    (c->n_group_ids + 1) * sizeof(char *));
        c->group_ids[c->n_group_ids++] = nsg_xstrdup(g);
    }
    return NSG_OK;
}

static nsg_rc parse_group(const cJSON *json, const char *where, void **out,
                          struct nsg_err *err)
{
    struct nsg_network_group *g = nsg_xcalloc(1, sizeof(*g));
    const cJSON *p;
    char pw[NSG_JPATH_MAX];
    nsg_rc rc = head(json, where, true, &g->id, &g->name, &p, pw, err);
    *out = g;
    if (!rc) {
        g->manager_id = parent(g->id);
        g->member_type = nsg_model_opt_str(p, "memberType");
    }
    return rc;
}

static nsg_rc parse_member(const cJSON *json, const char *where, void **out,
                           struct nsg_err *err)
{
    struct nsg_static_member *m = nsg_xcalloc(1, sizeof(*m));
    const cJSON *p;
    const char *res;
    char pw[NSG_JPATH_MAX];
    nsg_rc rc = head(json, where, true, &m->id, &m->name, &p, pw, err);
    *out = m;
    if (!rc)
        rc = nsg_model_json_str(p, "resourceId", pw, true, &res, err);
    if (!rc) {
        m->group_id = parent(m->id);
        m->resource_id = nsg_xstrdup(res);
    }
    return rc;
}

/* {id (synthesized), name (region), properties{region, deploymentStatus,
 * configurationIds[], deploymentType, commitTime}}. */
static nsg_rc parse_deployment(const cJSON *json, const char *where,
                               void **out, struct nsg_err *err)
{
    struct nsg_admin_deployment *d = nsg_xcalloc(1, sizeof(*d));
    const cJSON *p;
    const char *region, *status;
    char pw[NSG_JPATH_MAX];
    nsg_rc rc = head(json, where, true, &d->id, &d->name, &p, pw, err);
    *out = d;
    if (!rc)
        rc = nsg_model_json_str(p, "region", pw, true, &region, err);
    if (!rc)
        rc = nsg_model_json_str(p, "deploymentStatus", pw, false, &status,
                                err);
    if (!rc)
        rc = strings(p, "configurationIds", pw, &d->config_ids,
                     &d->n_config_ids, err);
    if (rc)
        return rc;
    d->manager_id = parent(d->id); /* {manager}/deploymentStatus/{region} */
    d->region = nsg_xstrdup(region);
    d->status = status ? nsg_xstrdup(status) : NULL;
    d->commit_time = nsg_model_opt_str(p, "commitTime");
    return NSG_OK;
}

/* {id (synthesized), properties{virtualNetwork{id}, rules[entries of the
 * listNetworkManagerEffectiveSecurityAdminRules response]}}. */
static nsg_rc parse_effective(const cJSON *json, const char *where,
                              void **out, struct nsg_err *err)
{
    struct nsg_admin_effective *e = nsg_xcalloc(1, sizeof(*e));
    const cJSON *p, *arr, *el;
    char pw[NSG_JPATH_MAX], path[NSG_JPATH_MAX], ep[NSG_JPATH_MAX];
    size_t i = 0;
    nsg_rc rc = head(json, where, true, &e->id, &e->name, &p, pw, err);
    *out = e;
    if (!rc)
        rc = nsg_model_json_ref(p, "virtualNetwork", pw, &e->vnet_id, err);
    if (!rc && !e->vnet_id)
        rc = nsg_model_json_fail(err, pw,
                                 "missing required field \"virtualNetwork\"");
    if (!rc)
        rc = nsg_model_json_arr(p, "rules", pw, false, &arr, err);
    if (rc)
        return rc;
    nsg_model_jpath_key(path, pw, "rules");
    e->rules = nsg_xcalloc((size_t)cJSON_GetArraySize(arr) + 1,
                           sizeof(*e->rules));
    cJSON_ArrayForEach(el, arr)
    {
        nsg_model_jpath_idx(ep, path, i++);
        rc = parse_admin_rule(el, ep, &e->rules[e->n_rules++], err);
        if (rc)
            return rc;
    }
    return NSG_OK;
}

/* An Azure Policy definition: properties.policyRule.then{effect
 * addToNetworkGroup, details{networkGroupId}}. */
static nsg_rc parse_policy(const cJSON *json, const char *where, void **out,
                           struct nsg_err *err)
{
    struct nsg_group_policy *g = nsg_xcalloc(1, sizeof(*g));
    const cJSON *p, *rule, *then, *details;
    const char *gid;
    char pw[NSG_JPATH_MAX], path[NSG_JPATH_MAX];
    nsg_rc rc = head(json, where, false, &g->id, &g->name, &p, pw, err);
    *out = g;
    if (rc)
        return rc;
    if ((rc = nsg_model_json_obj(p, "policyRule", pw, true, &rule, err)))
        return rc;
    nsg_model_jpath_key(path, pw, "policyRule");
    if ((rc = nsg_model_json_obj(rule, "then", path, true, &then, err)))
        return rc;
    nsg_model_jpath_key(path, path, "then");
    if ((rc = nsg_model_json_obj(then, "details", path, true, &details, err)))
        return rc;
    nsg_model_jpath_key(path, path, "details");
    if ((rc = nsg_model_json_str(details, "networkGroupId", path, true, &gid,
                                 err)))
        return rc;
    g->group_ids = nsg_xcalloc(2, sizeof(char *));
    g->group_ids[g->n_group_ids++] = nsg_xstrdup(gid);
    return NSG_OK;
}

/* {id (synthesized), properties{target{id}, tags[{name, addressPrefixes}]}}. */
static nsg_rc parse_expansion(const cJSON *json, const char *where, void **out,
                              struct nsg_err *err)
{
    struct nsg_tag_expansion *e = nsg_xcalloc(1, sizeof(*e));
    const cJSON *p, *arr, *el;
    char pw[NSG_JPATH_MAX], path[NSG_JPATH_MAX], ep[NSG_JPATH_MAX];
    size_t i = 0;
    nsg_rc rc = head(json, where, true, &e->id, &e->name, &p, pw, err);
    *out = e;
    if (!rc)
        rc = nsg_model_json_ref(p, "target", pw, &e->target_id, err);
    if (!rc)
        rc = nsg_model_json_arr(p, "tags", pw, true, &arr, err);
    if (rc)
        return rc;
    nsg_model_jpath_key(path, pw, "tags");
    size_t n = (size_t)cJSON_GetArraySize(arr);
    e->tags = nsg_xcalloc(n + 1, sizeof(char *));
    e->sets = nsg_xcalloc(n + 1, sizeof(*e->sets));
    cJSON_ArrayForEach(el, arr)
    {
        const char *name;
        struct nsg_cidr *c = NULL;
        size_t nc = 0;
        nsg_model_jpath_idx(ep, path, i++);
        if ((rc = nsg_model_json_str(el, "name", ep, true, &name, err)) ||
            (rc = nsg_model_cidrs(el, "addressPrefixes", ep, &c, &nc, err))) {
            free(c);
            return rc;
        }
        e->tags[e->n] = nsg_xstrdup(name);
        for (size_t k = 0; k < nc; k++)
            nsg_addrset_add_cidr(&e->sets[e->n], &c[k]);
        e->n++;
        free(c);
    }
    return NSG_OK;
}

nsg_rc nsg_model_parse_admin(enum nsg_res_type type, const cJSON *json,
                             const char *where, void **out,
                             struct nsg_err *err)
{
    nsg_rc rc;
    *out = NULL;
    switch (type) {
    case NSG_RES_ADMIN_CONFIG: rc = parse_config(json, where, out, err); break;
    case NSG_RES_ADMIN_COLLECTION:
        rc = parse_collection(json, where, out, err);
        break;
    case NSG_RES_ADMIN_RULE: {
        struct nsg_admin_rule *ar = nsg_xcalloc(1, sizeof(*ar));
        rc = parse_admin_rule(json, where, ar, err);
        *out = ar;
        break;
    }
    case NSG_RES_NETWORK_GROUP: rc = parse_group(json, where, out, err); break;
    case NSG_RES_STATIC_MEMBER: rc = parse_member(json, where, out, err); break;
    case NSG_RES_ADMIN_DEPLOYMENT:
        rc = parse_deployment(json, where, out, err);
        break;
    case NSG_RES_ADMIN_EFFECTIVE:
        rc = parse_effective(json, where, out, err);
        break;
    case NSG_RES_GROUP_POLICY: rc = parse_policy(json, where, out, err); break;
    case NSG_RES_TAG_EXPANSION:
        rc = parse_expansion(json, where, out, err);
        break;
    default:
        return nsg_err_set(err, NSG_E_INTERNAL, "%s: unknown resource type %d",
                           where, (int)type);
    }
    if (rc) {
        nsg_admin_res_free(type, *out);
        *out = NULL;
    }
    return rc;
}

char *nsg_model_admin_deployment_id(const char *manager_id, const char *region)
{
    return dup_g(g_strdup_printf("%s/deploymentStatus/%s", manager_id, region));
}
