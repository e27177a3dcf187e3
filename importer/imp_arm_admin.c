/* imp_arm_admin.c - the Virtual Network Manager shapes that are not plain
 * resources: the entries of `az network manager list-deploy-status` (one
 * resource per manager and region, id synthesized), the effective security
 * admin rules of a virtual network (the POST response does not name the
 * VNet: it comes from the command line), Azure Policy definitions that add
 * network group members, and Azure's own per-NIC tag expansion collected
 * from effective security rules. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "imp_arm.h"

/* ".../a/b/c/d" -> ".../a/b" without validation (g_free). */
static char *parent_of(const char *id)
{
    const char *end = id + strlen(id);
    int k = 0;
    while (end > id) {
        end--;
        if (*end == '/' && ++k == 2)
            break;
    }
    return k == 2 && end > id ? g_strndup(id, (gsize)(end - id)) : NULL;
}

nsg_rc nsg_imp_walk_deployment(struct imp_walk *w, const cJSON *j,
                               const char *jpath)
{
    const cJSON *type = nsg_model_json_field(j, "deploymentType");
    const cJSON *region = nsg_model_json_field(j, "region");
    const cJSON *ids = nsg_model_json_field(j, "configurationIds");
    const cJSON *first = cJSON_IsArray(ids) ? cJSON_GetArrayItem(ids, 0) : NULL;

    if (cJSON_IsString(type) && strcasecmp(type->valuestring, "SecurityAdmin")) {
        nsg_imp_note(w->cfg->skipped,
                     "%s: %s: a %s deployment: only SecurityAdmin deployments "
                     "matter to traffic filtering",
                     w->name, jpath, type->valuestring);
        return NSG_OK;
    }
    if (!cJSON_IsString(region) || !*region->valuestring)
        return nsg_err_set(w->err, NSG_E_INPUT,
                           "%s: %s: a deployment status without \"region\"",
                           w->name, jpath);
    char *manager = cJSON_IsString(first) ? parent_of(first->valuestring) : NULL;
    if (!manager) {
        nsg_imp_note(w->cfg->skipped,
                     "%s: %s: a deployment status listing no configuration "
                     "cannot be tied to its network manager",
                     w->name, jpath);
        return NSG_OK;
    }
    char *id = nsg_model_admin_deployment_id(manager, region->valuestring);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "id", id);
    cJSON_AddStringToObject(o, "name", region->valuestring);
    cJSON_AddStringToObject(o, "type", nsg_imp_arm_type(NSG_RES_ADMIN_DEPLOYMENT));
    cJSON_AddItemToObject(o, "properties", cJSON_Duplicate(j, true));
    nsg_imp_add_item(w, NSG_RES_ADMIN_DEPLOYMENT, o, NULL, jpath);
    free(id);
    g_free(manager);
    return NSG_OK;
}

nsg_rc nsg_imp_walk_admin_effective(struct imp_walk *w, const cJSON *j,
                                    const char *jpath)
{
    if (!w->admin_rules) {
        w->admin_rules = cJSON_CreateArray();
        w->admin_jpath = nsg_xstrdup(jpath);
    }
    cJSON_AddItemToArray(w->admin_rules, cJSON_Duplicate(j, true));
    return NSG_OK;
}

nsg_rc nsg_imp_walk_policy(struct imp_walk *w, const cJSON *j,
                           const char *jpath)
{
    const cJSON *p = nsg_model_json_field(j, "properties");
    const cJSON *rule = nsg_model_json_field(p ? p : j, "policyRule");
    const cJSON *then = nsg_model_json_field(rule, "then");
    const cJSON *effect = nsg_model_json_field(then, "effect");
    const cJSON *details = nsg_model_json_field(then, "details");
    if (!cJSON_IsString(effect) ||
        strcasecmp(effect->valuestring, "addToNetworkGroup") ||
        !nsg_model_json_field(details, "networkGroupId")) {
        nsg_imp_note(w->cfg->skipped,
                     "%s: %s: a policy definition that adds no network group "
                     "members (effect addToNetworkGroup): not modelled",
                     w->name, jpath);
        return NSG_OK;
    }
    nsg_imp_add_item(w, NSG_RES_GROUP_POLICY,
                     nsg_imp_normalize(j, NSG_RES_GROUP_POLICY), j, jpath);
    return NSG_OK;
}

void nsg_imp_note_expansion(struct imp_walk *w, const char *target,
                            const char *tag, const cJSON *prefixes)
{
    if (!w->expansions) {
        w->expansions = g_hash_table_new_full(g_str_hash, g_str_equal, free,
                                              (GDestroyNotify)cJSON_Delete);
        w->exp_order = g_ptr_array_new_with_free_func(free);
    }
    char *key = nsg_xstrdup_lower(target);
    cJSON *tags = g_hash_table_lookup(w->expansions, key), *el;
    if (!tags) {
        tags = cJSON_CreateArray();
        g_hash_table_insert(w->expansions, key, tags);
        g_ptr_array_add(w->exp_order, nsg_xstrdup(target));
    } else {
        free(key);
    }
    cJSON_ArrayForEach(el, tags) /* one expansion per tag and target */
    {
        const cJSON *n = cJSON_GetObjectItem(el, "name");
        if (!strcasecmp(n->valuestring, tag))
            return;
    }
    cJSON *t = cJSON_CreateObject();
    cJSON_AddStringToObject(t, "name", tag);
    cJSON_AddItemToObject(t, "addressPrefixes", cJSON_Duplicate(prefixes, true));
    cJSON_AddItemToArray(tags, t);
}

/* A list-effective-nsg response is one NIC's: when it names exactly one
 * NIC, the expansions found under its subnet's entry are the NIC's too. */
static void fold_into_nic(struct imp_walk *w)
{
    const char *nic = NULL;
    int nics = 0;
    for (guint i = 0; i < w->exp_order->len; i++)
        if (strcasestr(w->exp_order->pdata[i], "/networkInterfaces/")) {
            nic = w->exp_order->pdata[i];
            nics++;
        }
    if (nics != 1)
        return;
    char *nkey = nsg_xstrdup_lower(nic);
    cJSON *ntags = g_hash_table_lookup(w->expansions, nkey), *el;
    free(nkey);
    for (guint i = 0; i < w->exp_order->len;) {
        const char *t = w->exp_order->pdata[i];
        if (t == nic) {
            i++;
            continue;
        }
        char *key = nsg_xstrdup_lower(t);
        cJSON *tags = g_hash_table_lookup(w->expansions, key);
        cJSON_ArrayForEach(el, tags)
        {
            const cJSON *n = cJSON_GetObjectItem(el, "name"), *x;
            bool have = false;
            cJSON_ArrayForEach(x, ntags) have |= !strcasecmp(
                cJSON_GetObjectItem(x, "name")->valuestring, n->valuestring);
            if (!have)
                cJSON_AddItemToArray(ntags, cJSON_Duplicate(el, true));
        }
        g_hash_table_remove(w->expansions, key);
        free(key);
        g_ptr_array_remove_index(w->exp_order, i);
        for (guint k = 0; k < w->exp_order->len; k++)
            if (!strcasecmp(w->exp_order->pdata[k], nic))
                nic = w->exp_order->pdata[k];
    }
}

static void finish_expansions(struct imp_walk *w)
{
    if (w->exp_order)
        fold_into_nic(w);
    for (guint i = 0; w->exp_order && i < w->exp_order->len; i++) {
        const char *target = w->exp_order->pdata[i];
        char *key = nsg_xstrdup_lower(target);
        cJSON *tags = g_hash_table_lookup(w->expansions, key);
        free(key);
        char *id = nsg_id_child(target, "effectiveTagExpansion", "current");
        cJSON *o = cJSON_CreateObject(), *p;
        cJSON_AddStringToObject(o, "id", id);
        cJSON_AddStringToObject(o, "name", "current");
        cJSON_AddStringToObject(o, "type",
                                nsg_imp_arm_type(NSG_RES_TAG_EXPANSION));
        p = cJSON_AddObjectToObject(o, "properties");
        cJSON_AddObjectToObject(p, "target");
        cJSON_AddStringToObject(cJSON_GetObjectItem(p, "target"), "id", target);
        cJSON_AddItemToObject(p, "tags", cJSON_Duplicate(tags, true));
        char *where = g_strdup_printf("$ (Azure's tag expansion for %s)",
                                      target);
        nsg_imp_add_item(w, NSG_RES_TAG_EXPANSION, o, NULL, where);
        g_free(where);
        free(id);
    }
}

nsg_rc nsg_imp_finish_admin(struct imp_walk *w)
{
    finish_expansions(w);
    if (!w->admin_rules)
        return NSG_OK;
    const char *vnet = w->opts ? w->opts->vnet_id : NULL;
    if (!vnet)
        return nsg_err_set(
            w->err, NSG_E_INPUT,
            "%s: %s: effective security admin rules (az network manager "
            "list-effective-security-admin-rule) do not name their virtual "
            "network: import the file with --vnet VNET_ID",
            w->name, w->admin_jpath);
    char *id = nsg_id_child(vnet, "effectiveSecurityAdminRules", "current");
    cJSON *o = cJSON_CreateObject(), *p;
    cJSON_AddStringToObject(o, "id", id);
    cJSON_AddStringToObject(o, "name", "current");
    cJSON_AddStringToObject(o, "type",
                            nsg_imp_arm_type(NSG_RES_ADMIN_EFFECTIVE));
    p = cJSON_AddObjectToObject(o, "properties");
    cJSON_AddObjectToObject(p, "virtualNetwork");
    cJSON_AddStringToObject(cJSON_GetObjectItem(p, "virtualNetwork"), "id",
                            vnet);
    cJSON_AddItemToObject(p, "rules", w->admin_rules);
    w->admin_rules = NULL;
    nsg_imp_add_item(w, NSG_RES_ADMIN_EFFECTIVE, o, NULL, w->admin_jpath);
    free(id);
    return NSG_OK;
}

void nsg_imp_admin_release(struct imp_walk *w)
{
    cJSON_Delete(w->admin_rules);
    w->admin_rules = NULL;
    free(w->admin_jpath);
    w->admin_jpath = NULL;
    if (w->expansions)
        g_hash_table_destroy(w->expansions);
    if (w->exp_order)
        g_ptr_array_free(w->exp_order, TRUE);
    w->expansions = NULL;
    w->exp_order = NULL;
}
