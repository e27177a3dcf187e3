/* imp_arm_group.c - NSGs assembled from rules listed on their own: `az
 * network nsg rule list` (rules filed under the NSG that is the parent of
 * their id) and `az network nic list-effective-nsg` (effective rules, one
 * entry per NSG and association). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "imp_arm.h"

/* An NSG assembled from rules listed on their own (az network nsg rule
 * list) or from effective rules (az network nic list-effective-nsg). */
struct imp_group {
    cJSON *nsg; /* ARM-shaped NSG */
    char *jpath;
};

void nsg_imp_group_free(void *p)
{
    struct imp_group *g = p;
    cJSON_Delete(g->nsg);
    free(g->jpath);
    free(g);
}

/* ---- NSGs assembled from rules ------------------------------------------- */

static struct imp_group *group_get(struct imp_walk *w, const char *nsg_id,
                                   const char *jpath)
{
    char *key = nsg_xstrdup_lower(nsg_id);
    struct imp_group *g = g_hash_table_lookup(w->groups, key);

    if (g) {
        free(key);
        return g;
    }
    g = nsg_xcalloc(1, sizeof(*g));
    g->jpath = g_strdup_printf("%s (NSG assembled from rules)", jpath);
    g->nsg = cJSON_CreateObject();
    char *name = nsg_id_name(nsg_id);
    cJSON_AddStringToObject(g->nsg, "id", nsg_id);
    cJSON_AddStringToObject(g->nsg, "name", name);
    free(name);
    cJSON_AddStringToObject(g->nsg, "type", nsg_imp_arm_type(NSG_RES_NSG));
    cJSON *p = cJSON_AddObjectToObject(g->nsg, "properties");
    cJSON_AddArrayToObject(p, "securityRules");
    cJSON_AddArrayToObject(p, "defaultSecurityRules");
    g_hash_table_insert(w->groups, key, g);
    g_ptr_array_add(w->order, g);
    return g;
}

/* Append a rule (json owned, ARM sub-resource shape) unless one with the
 * same name is there already (effective rules repeat an NSG per NIC). */
static void group_add_rule(struct imp_group *g, bool is_default, cJSON *rule)
{
    cJSON *p = cJSON_GetObjectItem(g->nsg, "properties");
    cJSON *arr = cJSON_GetObjectItem(p, is_default ? "defaultSecurityRules"
                                                   : "securityRules");
    const cJSON *name = cJSON_GetObjectItem(rule, "name"), *el;

    cJSON_ArrayForEach(el, arr)
    {
        const cJSON *n = cJSON_GetObjectItem(el, "name");
        if (cJSON_IsString(n) && cJSON_IsString(name) &&
            !strcasecmp(n->valuestring, name->valuestring)) {
            cJSON_Delete(rule);
            return;
        }
    }
    cJSON_AddItemToArray(arr, rule);
}

static void group_add_ref(struct imp_group *g, const char *key, const char *id)
{
    cJSON *p = cJSON_GetObjectItem(g->nsg, "properties");
    cJSON *arr = cJSON_GetObjectItem(p, key), *el;

    if (!arr)
        arr = cJSON_AddArrayToObject(p, key);
    cJSON_ArrayForEach(el, arr)
    {
        const cJSON *i = cJSON_GetObjectItem(el, "id");
        if (cJSON_IsString(i) && !strcasecmp(i->valuestring, id))
            return;
    }
    cJSON *ref = cJSON_CreateObject();
    cJSON_AddStringToObject(ref, "id", id);
    cJSON_AddItemToArray(arr, ref);
}

/* A security rule listed on its own: validated where it is, then filed
 * under the NSG that is the parent of its id. */
nsg_rc nsg_imp_walk_rule(struct imp_walk *w, const cJSON *j, const char *jpath)
{
    char where[NSG_JPATH_MAX];
    struct nsg_rule r;
    const cJSON *id = nsg_model_json_field(j, "id");
    nsg_rc rc;

    nsg_model_jpath_printf(where, "%s: %s", w->name, jpath);
    if (!cJSON_IsString(id) || !*id->valuestring) {
        nsg_imp_note(w->cfg->skipped,
                     "%s: security rule without an id: cannot tell "
                     "which NSG it belongs to",
                     where);
        return NSG_OK;
    }
    bool is_default =
        strcasestr(id->valuestring, "/defaultSecurityRules/") != NULL;
    if ((rc = nsg_model_parse_rule(j, is_default, where, &r, w->err)))
        return rc;
    nsg_rule_release(&r);
    char *parent = nsg_id_parent(id->valuestring);
    if (!parent)
        return nsg_model_json_fail(
            w->err, where, "rule id \"%s\" has no parent NSG", id->valuestring);
    struct imp_group *g = group_get(w, parent, jpath);
    free(parent);
    group_add_rule(g, is_default, nsg_imp_normalize_sub(j));
    return NSG_OK;
}

/* When an effective rule names no prefix on a side, use the expanded one. */
static void use_expanded(cJSON *r, const char *one, const char *many,
                         const char *asgs, const char *expanded)
{
    const cJSON *s = nsg_model_json_field(r, one),
                *m = nsg_model_json_field(r, many);
    const cJSON *a = nsg_model_json_field(r, asgs),
                *e = nsg_model_json_field(r, expanded);

    if ((cJSON_IsString(s) && *s->valuestring) ||
        (cJSON_IsArray(s) && cJSON_GetArraySize(s) > 0) ||
        cJSON_GetArraySize(m) > 0 || cJSON_GetArraySize(a) > 0 ||
        !cJSON_IsArray(e) || cJSON_GetArraySize(e) == 0)
        return;
    cJSON_DeleteItemFromObject(r, many);
    cJSON_AddItemToObject(r, many, cJSON_Duplicate(e, true));
}

/* Effective rules write "*" as "0.0.0.0/0" (DenyAllInBound reads
 * "sourceAddressPrefix": "0.0.0.0/0" there): turn it back into "*" so the
 * rule also covers IPv6, as the NSG's own rule does. */
static void any_from_zero(cJSON *r, const char *one, const char *many)
{
    cJSON *s = cJSON_GetObjectItem(r, one), *m = cJSON_GetObjectItem(r, many);
    cJSON *el;

    if (cJSON_IsString(s) && !strcmp(s->valuestring, "0.0.0.0/0"))
        cJSON_ReplaceItemInObject(r, one, cJSON_CreateString("*"));
    /* PowerShell writes the singular field as a list */
    for (int k = 0; k < 2; k++) {
        cJSON *arr = k ? m : s;
        if (!cJSON_IsArray(arr))
            continue;
        cJSON_ArrayForEach(el, arr) if (cJSON_IsString(el) &&
                                        !strcmp(el->valuestring, "0.0.0.0/0"))
            cJSON_SetValuestring(el, "*");
    }
}

/* One rule of `az network nic list-effective-nsg`: its name is
 * "securityRules/X" or "defaultSecurityRules/X". */
/* The tag an effective rule's side names (singular field, or a plural
 * field holding exactly one tag), and Azure's expansion of it. */
static void note_side(struct imp_walk *w, const char *target, const cJSON *r,
                      const char *one, const char *many, const char *expanded)
{
    const cJSON *s = nsg_model_json_field(r, one), *m, *e;
    const char *tag = NULL;
    struct nsg_cidr c;
    if (cJSON_IsString(s) && *s->valuestring)
        tag = s->valuestring;
    else if (cJSON_IsArray(m = nsg_model_json_field(r, many)) &&
             cJSON_GetArraySize(m) == 1 &&
             cJSON_IsString(cJSON_GetArrayItem(m, 0)))
        tag = cJSON_GetArrayItem(m, 0)->valuestring;
    e = nsg_model_json_field(r, expanded);
    if (!tag || !strcmp(tag, "*") || !nsg_cidr_parse(tag, &c) ||
        !cJSON_IsArray(e) || cJSON_GetArraySize(e) == 0)
        return;
    const cJSON *el;
    cJSON_ArrayForEach(el, e) if (!cJSON_IsString(el) ||
                                  nsg_cidr_parse(el->valuestring, &c))
    {
        nsg_imp_note(w->cfg->warnings,
                     "%s: %s holds something that is not a prefix: Azure's "
                     "expansion of %s is not used",
                     w->name, expanded, tag);
        return;
    }
    nsg_imp_note_expansion(w, target, tag, e);
}

static nsg_rc effective_rule(struct imp_walk *w, struct imp_group *g,
                             const char *target, const cJSON *j,
                             const char *jpath)
{
    char where[NSG_JPATH_MAX];
    struct nsg_rule r;
    const cJSON *name = nsg_model_json_field(j, "name");
    bool is_default = false;
    nsg_rc rc;

    nsg_model_jpath_printf(where, "%s: %s", w->name, jpath);
    if (!cJSON_IsObject(j))
        return nsg_model_json_fail(w->err, where,
                                   "expected a rule object, got %s",
                                   nsg_model_json_kind(j));
    cJSON *copy = cJSON_Duplicate(j, true);
    if (cJSON_IsString(name)) {
        const char *n = name->valuestring, *slash = strchr(n, '/');
        const char *strip = slash ? slash + 1 : NULL;
        struct nsg_err ignore = NSG_ERR_INIT;
        bool present = false;
        int64_t prio = 0;
        if (!strncasecmp(n, "defaultSecurityRules/", 21)) {
            is_default = true;
        } else if (!strncasecmp(n, "DefaultRule_", 12)) { /* older output */
            is_default = true;
            strip = n + 12;
        } else if (!strncasecmp(n, "UserRule_", 9)) {
            strip = n + 9;
        } else if (!nsg_model_json_int(j, "priority", where, false, &present,
                                       &prio, &ignore) &&
                   present && prio > 4096) {
            /* older names of the defaults ("DefaultOutboundDenyAll"):
             * a priority only a default rule can have */
            is_default = true;
        }
        if (strip && *strip)
            cJSON_ReplaceItemInObject(copy, "name", cJSON_CreateString(strip));
    }
    if (target) { /* Azure's expansion of the tags, for this NIC */
        note_side(w, target, j, "sourceAddressPrefix", "sourceAddressPrefixes",
                  "expandedSourceAddressPrefix");
        note_side(w, target, j, "destinationAddressPrefix",
                  "destinationAddressPrefixes",
                  "expandedDestinationAddressPrefix");
    }
    any_from_zero(copy, "sourceAddressPrefix", "sourceAddressPrefixes");
    any_from_zero(copy, "destinationAddressPrefix",
                  "destinationAddressPrefixes");
    use_expanded(copy, "sourceAddressPrefix", "sourceAddressPrefixes",
                 "sourceApplicationSecurityGroups",
                 "expandedSourceAddressPrefix");
    use_expanded(copy, "destinationAddressPrefix", "destinationAddressPrefixes",
                 "destinationApplicationSecurityGroups",
                 "expandedDestinationAddressPrefix");
    if ((rc = nsg_model_parse_rule(copy, is_default, where, &r, w->err))) {
        cJSON_Delete(copy);
        return rc;
    }
    nsg_rule_release(&r);
    group_add_rule(g, is_default, nsg_imp_normalize_sub(copy));
    cJSON_Delete(copy);
    return NSG_OK;
}

nsg_rc nsg_imp_walk_effective(struct imp_walk *w, const cJSON *j,
                              const char *jpath)
{
    char where[NSG_JPATH_MAX], p[NSG_JPATH_MAX], pi[NSG_JPATH_MAX];
    const cJSON *assoc, *rules, *el;
    char *nsg_id = NULL, *nic = NULL, *subnet = NULL;
    size_t i = 0;
    nsg_rc rc;

    nsg_model_jpath_printf(where, "%s: %s", w->name, jpath);
    if ((rc = nsg_model_json_ref(j, "networkSecurityGroup", where, &nsg_id,
                                 w->err)) ||
        (rc = nsg_model_json_obj(j, "association", where, false, &assoc,
                                 w->err)) ||
        (rc = nsg_model_json_arr(j, "effectiveSecurityRules", where, true,
                                 &rules, w->err)))
        goto out;
    if (!nsg_id) {
        nsg_imp_note(w->cfg->skipped,
                     "%s: effective rules without a "
                     "networkSecurityGroup id",
                     where);
        goto out;
    }
    nsg_model_jpath_key(p, where, "association");
    if ((rc = nsg_model_json_ref(assoc, "networkInterface", p, &nic, w->err)) ||
        (rc = nsg_model_json_ref(assoc, "subnet", p, &subnet, w->err)))
        goto out;
    struct imp_group *g = group_get(w, nsg_id, jpath);
    if (nic)
        group_add_ref(g, "networkInterfaces", nic);
    if (subnet)
        group_add_ref(g, "subnets", subnet);
    nsg_model_jpath_key(p, jpath, "effectiveSecurityRules");
    cJSON_ArrayForEach(el, rules)
    {
        nsg_model_jpath_idx(pi, p, i++);
        if ((rc = effective_rule(w, g, nic ? nic : subnet, el, pi)))
            goto out;
    }
out:
    free(nsg_id);
    free(nic);
    free(subnet);
    return rc;
}

/* Move the assembled NSGs into the items (an NSG also given as a resource
 * in the same file wins over the one assembled from its rules). */
void nsg_imp_finish_groups(struct imp_walk *w)
{
    for (guint i = 0; i < w->order->len; i++) {
        struct imp_group *g = w->order->pdata[i];
        char *key = nsg_imp_item_key(NSG_RES_NSG, g->nsg);
        bool have = key && g_hash_table_lookup(w->seen, key);
        g_free(key);
        if (have) {
            nsg_imp_note(w->cfg->warnings,
                         "%s: %s: the NSG is also given whole in "
                         "this file; its separately listed rules are ignored",
                         w->name, g->jpath);
            continue;
        }
        const cJSON *name = cJSON_GetObjectItem(g->nsg, "name");
        nsg_imp_note(
            w->cfg->warnings,
            "%s: %s: NSG %s is assembled from rules listed "
            "on their own; it carries no resourceGuid, and its associations "
            "only as far as the file shows them",
            w->name, g->jpath, cJSON_IsString(name) ? name->valuestring : "?");
        nsg_imp_add_item(w, NSG_RES_NSG, g->nsg, NULL, g->jpath);
        g->nsg = NULL;
    }
}
