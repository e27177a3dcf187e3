/* imp_arm.c - reads a configuration file (ARM responses and lists, REST API
 * example files, az CLI output, Service Tags files), finds every resource
 * in it, normalizes each to the ARM GET shape and validates it by parsing
 * it into a scratch model. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "imp_arm.h"

/* An NSG assembled from rules listed on their own (az network nsg rule
 * list) or from effective rules (az network nic list-effective-nsg). */
struct group {
    cJSON *nsg; /* ARM-shaped NSG */
    char *jpath;
};

struct walk {
    const char *name; /* file name for messages */
    struct nsg_imp_config *cfg;
    GHashTable *groups; /* lower-case NSG id -> struct group * (borrowed) */
    GPtrArray *order;   /* struct group *, owned */
    GHashTable *seen;   /* "type|lower-case id" -> struct nsg_imp_item * */
    GPtrArray *orig;    /* per item: the object as written in the file
                           (borrowed from the parsed tree), or NULL */
    struct nsg_err *err;
};

static void item_free(void *p)
{
    struct nsg_imp_item *it = p;
    if (!it)
        return;
    cJSON_Delete(it->json);
    free(it->jpath);
    free(it);
}

static void group_free(void *p)
{
    struct group *g = p;
    cJSON_Delete(g->nsg);
    free(g->jpath);
    free(g);
}

void nsg_imp_config_free(struct nsg_imp_config *cfg)
{
    if (!cfg)
        return;
    g_ptr_array_free(cfg->items, TRUE);
    g_ptr_array_free(cfg->skipped, TRUE);
    g_ptr_array_free(cfg->warnings, TRUE);
    cJSON_Delete(cfg->service_tags);
    free(cfg);
}

static void note(GPtrArray *list, const char *fmt, ...) NSG_PRINTF(2, 3);
static void note(GPtrArray *list, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    g_ptr_array_add(list, nsg_xstrdup(s));
    g_free(s);
}

/* ---- items --------------------------------------------------------------- */

static char *item_key(enum nsg_res_type type, const cJSON *json)
{
    const cJSON *id = nsg_json_field(json, "id");
    const cJSON *name = nsg_json_field(json, "name");
    const char *k = cJSON_IsString(id) && *id->valuestring ? id->valuestring
                    : cJSON_IsString(name)                  ? name->valuestring
                                                            : NULL;
    if (!k)
        return NULL;
    char *lower = nsg_xstrdup_lower(k);
    char *key = g_strdup_printf("%d|%s", (int)type, lower);
    free(lower);
    return key;
}

/* Add a normalized resource (json owned).  The same resource twice in one
 * file (REST examples repeat it for 200 and 201) keeps the later one. */
static void add_item(struct walk *w, enum nsg_res_type type, cJSON *json,
                     const cJSON *orig, const char *jpath)
{
    char *key = item_key(type, json);
    struct nsg_imp_item *old = key ? g_hash_table_lookup(w->seen, key) : NULL;

    if (old) {
        if (!cJSON_Compare(old->json, json, true))
            note(w->cfg->warnings,
                 "%s: %s: the same %s appears again at %s; the later one is "
                 "kept", w->name, old->jpath, nsg_res_type_name(type), jpath);
        for (guint i = 0; i < w->cfg->items->len; i++)
            if (w->cfg->items->pdata[i] == old)
                w->orig->pdata[i] = (void *)orig;
        cJSON_Delete(old->json);
        old->json = json;
        free(old->jpath);
        old->jpath = nsg_xstrdup(jpath);
        g_free(key);
        return;
    }
    struct nsg_imp_item *it = nsg_xcalloc(1, sizeof(*it));
    it->type = type;
    it->json = json;
    it->jpath = nsg_xstrdup(jpath);
    g_ptr_array_add(w->cfg->items, it);
    g_ptr_array_add(w->orig, (void *)orig);
    if (key)
        g_hash_table_insert(w->seen, key, it);
}

/* ---- NSGs assembled from rules ------------------------------------------- */

static struct group *group_get(struct walk *w, const char *nsg_id,
                               const char *jpath)
{
    char *key = nsg_xstrdup_lower(nsg_id);
    struct group *g = g_hash_table_lookup(w->groups, key);

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
static void group_add_rule(struct group *g, bool is_default, cJSON *rule)
{
    cJSON *p = cJSON_GetObjectItem(g->nsg, "properties");
    cJSON *arr = cJSON_GetObjectItem(
        p, is_default ? "defaultSecurityRules" : "securityRules");
    const cJSON *name = cJSON_GetObjectItem(rule, "name"), *el;

    cJSON_ArrayForEach(el, arr) {
        const cJSON *n = cJSON_GetObjectItem(el, "name");
        if (cJSON_IsString(n) && cJSON_IsString(name) &&
            !strcasecmp(n->valuestring, name->valuestring)) {
            cJSON_Delete(rule);
            return;
        }
    }
    cJSON_AddItemToArray(arr, rule);
}

static void group_add_ref(struct group *g, const char *key, const char *id)
{
    cJSON *p = cJSON_GetObjectItem(g->nsg, "properties");
    cJSON *arr = cJSON_GetObjectItem(p, key), *el;

    if (!arr)
        arr = cJSON_AddArrayToObject(p, key);
    cJSON_ArrayForEach(el, arr) {
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
static nsg_rc walk_rule(struct walk *w, const cJSON *j, const char *jpath)
{
    char where[NSG_JPATH_MAX];
    struct nsg_rule r;
    const cJSON *id = nsg_json_field(j, "id");
    nsg_rc rc;

    nsg_jpath_printf(where, "%s: %s", w->name, jpath);
    if (!cJSON_IsString(id) || !*id->valuestring) {
        note(w->cfg->skipped, "%s: security rule without an id: cannot tell "
             "which NSG it belongs to", where);
        return NSG_OK;
    }
    bool is_default = strcasestr(id->valuestring, "/defaultSecurityRules/") != NULL;
    if ((rc = nsg_imp_parse_rule(j, is_default, where, &r, w->err)))
        return rc;
    nsg_rule_release(&r);
    char *parent = nsg_id_parent(id->valuestring);
    if (!parent)
        return nsg_json_fail(w->err, where, "rule id \"%s\" has no parent NSG",
                             id->valuestring);
    struct group *g = group_get(w, parent, jpath);
    free(parent);
    group_add_rule(g, is_default, nsg_imp_normalize_sub(j));
    return NSG_OK;
}

/* When an effective rule names no prefix on a side, use the expanded one. */
static void use_expanded(cJSON *r, const char *one, const char *many,
                         const char *asgs, const char *expanded)
{
    const cJSON *s = nsg_json_field(r, one), *m = nsg_json_field(r, many);
    const cJSON *a = nsg_json_field(r, asgs), *e = nsg_json_field(r, expanded);

    if ((cJSON_IsString(s) && *s->valuestring) || cJSON_GetArraySize(m) > 0 ||
        cJSON_GetArraySize(a) > 0 || !cJSON_IsArray(e) ||
        cJSON_GetArraySize(e) == 0)
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
    if (!cJSON_IsArray(m))
        return;
    cJSON_ArrayForEach(el, m)
        if (cJSON_IsString(el) && !strcmp(el->valuestring, "0.0.0.0/0"))
            cJSON_SetValuestring(el, "*");
}

/* One rule of `az network nic list-effective-nsg`: its name is
 * "securityRules/X" or "defaultSecurityRules/X". */
static nsg_rc effective_rule(struct walk *w, struct group *g, const cJSON *j,
                             const char *jpath)
{
    char where[NSG_JPATH_MAX];
    struct nsg_rule r;
    const cJSON *name = nsg_json_field(j, "name");
    bool is_default = false;
    nsg_rc rc;

    nsg_jpath_printf(where, "%s: %s", w->name, jpath);
    if (!cJSON_IsObject(j))
        return nsg_json_fail(w->err, where, "expected a rule object, got %s",
                             nsg_json_kind(j));
    cJSON *copy = cJSON_Duplicate(j, true);
    if (cJSON_IsString(name)) {
        const char *n = name->valuestring, *slash = strchr(n, '/');
        if (!strncasecmp(n, "defaultSecurityRules/", 21))
            is_default = true;
        if (slash)
            cJSON_ReplaceItemInObject(copy, "name", cJSON_CreateString(slash + 1));
    }
    any_from_zero(copy, "sourceAddressPrefix", "sourceAddressPrefixes");
    any_from_zero(copy, "destinationAddressPrefix", "destinationAddressPrefixes");
    use_expanded(copy, "sourceAddressPrefix", "sourceAddressPrefixes",
                 "sourceApplicationSecurityGroups", "expandedSourceAddressPrefix");
    use_expanded(copy, "destinationAddressPrefix", "destinationAddressPrefixes",
                 "destinationApplicationSecurityGroups",
                 "expandedDestinationAddressPrefix");
    if ((rc = nsg_imp_parse_rule(copy, is_default, where, &r, w->err))) {
        cJSON_Delete(copy);
        return rc;
    }
    nsg_rule_release(&r);
    group_add_rule(g, is_default, nsg_imp_normalize_sub(copy));
    cJSON_Delete(copy);
    return NSG_OK;
}

static nsg_rc walk_effective(struct walk *w, const cJSON *j, const char *jpath)
{
    char where[NSG_JPATH_MAX], p[NSG_JPATH_MAX], pi[NSG_JPATH_MAX];
    const cJSON *assoc, *rules, *el;
    char *nsg_id = NULL, *nic = NULL, *subnet = NULL;
    size_t i = 0;
    nsg_rc rc;

    nsg_jpath_printf(where, "%s: %s", w->name, jpath);
    if ((rc = nsg_json_ref(j, "networkSecurityGroup", where, &nsg_id, w->err)) ||
        (rc = nsg_json_obj(j, "association", where, false, &assoc, w->err)) ||
        (rc = nsg_json_arr(j, "effectiveSecurityRules", where, true, &rules,
                           w->err)))
        goto out;
    if (!nsg_id) {
        note(w->cfg->skipped, "%s: effective rules without a "
             "networkSecurityGroup id", where);
        goto out;
    }
    nsg_jpath_key(p, where, "association");
    if ((rc = nsg_json_ref(assoc, "networkInterface", p, &nic, w->err)) ||
        (rc = nsg_json_ref(assoc, "subnet", p, &subnet, w->err)))
        goto out;
    struct group *g = group_get(w, nsg_id, jpath);
    if (nic)
        group_add_ref(g, "networkInterfaces", nic);
    if (subnet)
        group_add_ref(g, "subnets", subnet);
    nsg_jpath_key(p, jpath, "effectiveSecurityRules");
    cJSON_ArrayForEach(el, rules) {
        nsg_jpath_idx(pi, p, i++);
        if ((rc = effective_rule(w, g, el, pi)))
            goto out;
    }
out:
    free(nsg_id);
    free(nic);
    free(subnet);
    return rc;
}

/* ---- walking the document ------------------------------------------------ */

static nsg_rc walk_resource(struct walk *w, const cJSON *j, const char *jpath)
{
    enum nsg_res_type type = NSG_RES_NSG;
    char reason[256];

    if (!cJSON_IsObject(j))
        return nsg_err_set(w->err, NSG_E_INPUT,
                           "%s: %s: expected a resource object, got %s",
                           w->name, jpath, nsg_json_kind(j));
    switch (nsg_imp_classify(j, &type, reason)) {
    case 0:
        add_item(w, type, nsg_imp_normalize(j, type), j, jpath);
        return NSG_OK;
    case 1:
        return walk_rule(w, j, jpath);
    case 2:
        return walk_effective(w, j, jpath);
    default:
        note(w->cfg->skipped, "%s: %s: %s", w->name, jpath, reason);
        return NSG_OK;
    }
}

/* A list {"value": [...]}, a JSON array, or one resource. */
static nsg_rc walk_container(struct walk *w, const cJSON *j, const char *jpath)
{
    const cJSON *value = nsg_json_field(j, "value"), *el;
    char p[NSG_JPATH_MAX], pi[NSG_JPATH_MAX];
    size_t i = 0;
    nsg_rc rc;

    if (cJSON_IsObject(j) && value && !nsg_json_field(j, "id") &&
        !nsg_json_field(j, "properties")) {
        nsg_jpath_key(p, jpath, "value");
        if (!cJSON_IsArray(value))
            return nsg_err_set(w->err, NSG_E_INPUT,
                               "%s: %s: expected an array, got %s", w->name, p,
                               nsg_json_kind(value));
        j = value;
        jpath = p;
    }
    if (cJSON_IsArray(j)) {
        cJSON_ArrayForEach(el, j) {
            nsg_jpath_idx(pi, jpath, i++);
            if ((rc = walk_resource(w, el, pi)))
                return rc;
        }
        return NSG_OK;
    }
    if (cJSON_IsObject(j))
        return walk_resource(w, j, jpath);
    return nsg_err_set(w->err, NSG_E_INPUT,
                       "%s: %s: expected a JSON object or array (an ARM "
                       "resource, a list {\"value\": [...]}, az CLI output or "
                       "a Service Tags file), got %s",
                       w->name, jpath, nsg_json_kind(j));
}

/* REST API example: the bodies of the 2xx responses. */
static nsg_rc walk_example(struct walk *w, const cJSON *responses)
{
    const cJSON *r;
    char p[NSG_JPATH_MAX];
    nsg_rc rc;

    cJSON_ArrayForEach(r, responses) {
        const cJSON *body = nsg_json_field(r, "body");
        if (!r->string || r->string[0] != '2' || !body)
            continue;
        nsg_jpath_printf(p, "$.responses['%s'].body", r->string);
        if ((rc = walk_container(w, body, p)))
            return rc;
    }
    return NSG_OK;
}

static bool is_service_tags(const cJSON *root)
{
    return cJSON_IsObject(root) && nsg_json_field(root, "values") &&
           (nsg_json_field(root, "changeNumber") || nsg_json_field(root, "cloud"));
}

static nsg_rc walk_root(struct walk *w, cJSON *root)
{
    const cJSON *resp = nsg_json_field(root, "responses");

    if (is_service_tags(root)) {
        w->cfg->service_tags = cJSON_Duplicate(root, true);
        return NSG_OK;
    }
    if (cJSON_IsObject(root) && cJSON_IsObject(resp) &&
        !nsg_json_field(root, "id"))
        return walk_example(w, resp);
    return walk_container(w, root, "$");
}

/* Move the assembled NSGs into the items (an NSG also given as a resource
 * in the same file wins over the one assembled from its rules). */
static void finish_groups(struct walk *w)
{
    for (guint i = 0; i < w->order->len; i++) {
        struct group *g = w->order->pdata[i];
        char *key = item_key(NSG_RES_NSG, g->nsg);
        bool have = key && g_hash_table_lookup(w->seen, key);
        g_free(key);
        if (have) {
            note(w->cfg->warnings, "%s: %s: the NSG is also given whole in "
                 "this file; its separately listed rules are ignored",
                 w->name, g->jpath);
            continue;
        }
        const cJSON *name = cJSON_GetObjectItem(g->nsg, "name");
        note(w->cfg->warnings, "%s: %s: NSG %s is assembled from rules listed "
             "on their own; it carries no resourceGuid, and its associations "
             "only as far as the file shows them", w->name, g->jpath,
             cJSON_IsString(name) ? name->valuestring : "?");
        add_item(w, NSG_RES_NSG, g->nsg, NULL, g->jpath);
        g->nsg = NULL;
    }
}

/* Parse every item, as written in the file (so paths in messages match the
 * file, flattened or not), into a scratch model. */
static nsg_rc validate(struct walk *w)
{
    struct nsg_topology *t = nsg_topo_new();
    char where[NSG_JPATH_MAX];
    nsg_rc rc = NSG_OK;

    for (guint i = 0; i < w->cfg->items->len && !rc; i++) {
        struct nsg_imp_item *it = w->cfg->items->pdata[i];
        nsg_jpath_printf(where, "%s: %s", w->name, it->jpath);
        const cJSON *j = w->orig->pdata[i] ? w->orig->pdata[i] : it->json;
        rc = nsg_imp_add_resource(t, it->type, j, 0, where, w->err);
    }
    if (!rc && w->cfg->service_tags) {
        nsg_jpath_printf(where, "%s: $", w->name);
        rc = nsg_imp_add_service_tags(t, w->cfg->service_tags, where, w->err);
    }
    nsg_topo_free(t);
    return rc;
}

nsg_rc nsg_imp_config_parse(const char *name, const char *text, size_t len,
                            struct nsg_imp_config **out, struct nsg_err *err)
{
    struct nsg_imp_config *cfg = nsg_xcalloc(1, sizeof(*cfg));
    struct walk w = {name, cfg, NULL, NULL, NULL, NULL, err};
    cJSON *root = NULL;
    nsg_rc rc;

    *out = NULL;
    cfg->items = g_ptr_array_new_with_free_func(item_free);
    cfg->skipped = g_ptr_array_new_with_free_func(free);
    cfg->warnings = g_ptr_array_new_with_free_func(free);
    w.groups = g_hash_table_new_full(g_str_hash, g_str_equal, free, NULL);
    w.order = g_ptr_array_new_with_free_func(group_free);
    w.seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    w.orig = g_ptr_array_new();
    rc = nsg_json_parse(name, text, len, &root, err);
    if (!rc)
        rc = walk_root(&w, root);
    if (!rc) {
        finish_groups(&w);
        rc = validate(&w);
    }
    cJSON_Delete(root);
    g_hash_table_destroy(w.groups);
    g_ptr_array_free(w.order, TRUE);
    g_hash_table_destroy(w.seen);
    g_ptr_array_free(w.orig, TRUE);
    if (rc)
        nsg_imp_config_free(cfg);
    else
        *out = cfg;
    return rc;
}

nsg_rc nsg_imp_config_read_max(const char *path, size_t max_bytes,
                               struct nsg_imp_config **out, struct nsg_err *err)
{
    struct nsg_buf text = NSG_BUF_INIT;
    struct stat st;
    nsg_rc rc;

    *out = NULL;
    /* refuse a huge file before reading it */
    if (stat(path, &st) == 0 && S_ISREG(st.st_mode) &&
        (unsigned long long)st.st_size > max_bytes)
        return nsg_err_set(err, NSG_E_INPUT,
                           "%s: $: file is %lld bytes, larger than the limit "
                           "of %zu bytes for a configuration file",
                           path, (long long)st.st_size, max_bytes);
    rc = nsg_buf_read_file(&text, path, max_bytes, err);
    if (rc == NSG_E_INPUT)
        nsg_err_set(err, NSG_E_INPUT,
                    "%s: $: file is larger than the limit of %zu bytes for a "
                    "configuration file", path, max_bytes);
    if (!rc)
        rc = nsg_imp_config_parse(path, text.buf, text.len, out, err);
    nsg_buf_release(&text);
    return rc;
}

nsg_rc nsg_imp_config_read(const char *path, struct nsg_imp_config **out,
                           struct nsg_err *err)
{
    return nsg_imp_config_read_max(path, NSG_IMP_MAX_JSON_BYTES, out, err);
}
