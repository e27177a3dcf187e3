/* imp_arm_template.c - ARM deployment templates (`az group export`, a
 * template saved from the portal): imports the resources whose fields are
 * literal or use the template functions that need no deployment
 * (variables(), concat(), toLower(), toUpper(), resourceId() with a
 * placeholder subscription and resource group, which every resource of the
 * template shares); child resources (securityRules, subnets, peerings,
 * routes) are merged into their parent; anything else (parameters(), whose
 * value is given at deployment, copy loops, other functions) makes the
 * resource skipped with the reason, or is left out of fields nsgproof does
 * not read (location, tags...). */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "imp_arm.h"

#define TPL_SUB "template" /* placeholder subscription of template ids */
#define TPL_RG "template"  /* placeholder resource group */
#define TPL_MAX_DEPTH 24   /* nested calls and variables referring to others */

struct tpl {
    const cJSON *params, *vars;
};

/* ---- expressions ----------------------------------------------------------
 */

struct cur {
    const struct tpl *t;
    const char *p;
    int depth;
    char reason[200];
};

static cJSON *resolve_copy(const struct tpl *t, const cJSON *v, int depth,
                           char reason[200]);

static void ws(struct cur *c)
{
    while (*c->p == ' ' || *c->p == '\t' || *c->p == '\n' || *c->p == '\r')
        c->p++;
}

/* Keep the first reason; always NULL. */
static cJSON *fail(struct cur *c, const char *fmt, ...) NSG_PRINTF(2, 3);
static cJSON *fail(struct cur *c, const char *fmt, ...)
{
    va_list ap;
    if (!c->reason[0]) {
        va_start(ap, fmt);
        vsnprintf(c->reason, sizeof(c->reason), fmt, ap);
        va_end(ap);
    }
    return NULL;
}

static cJSON *ev(struct cur *c);

/* 'text' with '' for a quote. */
static cJSON *ev_string(struct cur *c)
{
    GString *s = g_string_new(NULL);
    cJSON *out;

    for (c->p++;; c->p++) {
        if (!*c->p) {
            g_string_free(s, TRUE);
            return fail(c, "unterminated string literal");
        }
        if (*c->p == '\'') {
            if (c->p[1] != '\'')
                break;
            c->p++;
        }
        g_string_append_c(s, *c->p);
    }
    c->p++;
    out = cJSON_CreateString(s->str);
    g_string_free(s, TRUE);
    return out;
}

static cJSON *lookup(struct cur *c, const char *fn, const cJSON *arg)
{
    bool param = !strcasecmp(fn, "parameters");
    const cJSON *table = param ? c->t->params : c->t->vars, *v;

    if (!cJSON_IsString(arg))
        return fail(c, "%s() needs a string argument", fn);
    v = nsg_model_json_field(table, arg->valuestring);
    if (!v)
        return fail(c,
                    param ? "parameter '%.100s' is not declared"
                          : "variable '%.100s' is not declared",
                    arg->valuestring);
    if (param) /* a defaultValue may be overridden: not assumed */
        return fail(c,
                    "parameter '%.100s' is given at deployment (its "
                    "defaultValue is not assumed)",
                    arg->valuestring);
    cJSON *r = resolve_copy(c->t, v, c->depth + 1, c->reason);
    return r;
}

/* resourceId([subscriptionId,] [resourceGroup,] type, name...): the
 * template does not say where it is deployed, so ids are placed under
 * TPL_SUB / TPL_RG (every resource of the template gets such an id, so
 * references between them line up). */
static cJSON *resource_id(struct cur *c, const cJSON *args)
{
    const cJSON *a, *type = NULL;
    const char *pre[2] = {NULL, NULL};
    int n_pre = 0;
    GString *id;
    char **seg;

    cJSON_ArrayForEach(a, args)
    {
        if (!cJSON_IsString(a))
            return fail(c, "resourceId() of a non-string value");
        if (!type && strchr(a->valuestring, '/'))
            type = a;
        else if (!type && n_pre < 2)
            pre[n_pre++] = a->valuestring;
        else if (!type)
            return fail(c, "resourceId() without a resource type");
    }
    if (!type)
        return fail(c, "resourceId() without a resource type");
    id = g_string_new(NULL);
    g_string_append_printf(id, "/subscriptions/%s/resourceGroups/%s/providers",
                           n_pre == 2 ? pre[0] : TPL_SUB,
                           n_pre == 2   ? pre[1]
                           : n_pre == 1 ? pre[0]
                                        : TPL_RG);
    seg = g_strsplit(type->valuestring, "/", -1);
    a = type->next;
    for (guint i = 0, k = 0; seg[i]; i++) {
        if (!seg[i][0])
            continue;
        g_string_append_printf(id, "/%s", seg[i]);
        if (k++ == 0)
            continue; /* the namespace */
        if (!a || !cJSON_IsString(a) || !*a->valuestring) {
            g_strfreev(seg);
            g_string_free(id, TRUE);
            return fail(c, "resourceId() has fewer names than types");
        }
        g_string_append_printf(id, "/%s", a->valuestring);
        a = a->next;
    }
    g_strfreev(seg);
    cJSON *out = cJSON_CreateString(id->str);
    g_string_free(id, TRUE);
    return out;
}

static cJSON *call(struct cur *c, const char *fn, cJSON *args)
{
    int n = cJSON_GetArraySize(args);
    const cJSON *a;

    if (!strcasecmp(fn, "parameters") || !strcasecmp(fn, "variables")) {
        if (n != 1)
            return fail(c, "%s() takes one argument", fn);
        return lookup(c, fn, args->child);
    }
    if (!strcasecmp(fn, "concat")) {
        bool arrays = n > 0 && cJSON_IsArray(args->child);
        if (arrays) {
            cJSON *out = cJSON_CreateArray(), *el;
            cJSON_ArrayForEach(a, args)
            {
                if (!cJSON_IsArray(a)) {
                    cJSON_Delete(out);
                    return fail(c, "concat() mixes arrays and strings");
                }
                cJSON_ArrayForEach(el, a)
                    cJSON_AddItemToArray(out, cJSON_Duplicate(el, true));
            }
            return out;
        }
        GString *s = g_string_new(NULL);
        cJSON_ArrayForEach(a, args)
        {
            if (cJSON_IsString(a))
                g_string_append(s, a->valuestring);
            else if (cJSON_IsNumber(a))
                g_string_append_printf(s, "%.17g", a->valuedouble);
            else {
                g_string_free(s, TRUE);
                return fail(c, "concat() of a non-string value");
            }
        }
        cJSON *out = cJSON_CreateString(s->str);
        g_string_free(s, TRUE);
        return out;
    }
    if (!strcasecmp(fn, "toLower") || !strcasecmp(fn, "toUpper")) {
        if (n != 1 || !cJSON_IsString(args->child))
            return fail(c, "%s() takes one string", fn);
        char *s = !strcasecmp(fn, "toLower")
                      ? g_ascii_strdown(args->child->valuestring, -1)
                      : g_ascii_strup(args->child->valuestring, -1);
        cJSON *out = cJSON_CreateString(s);
        g_free(s);
        return out;
    }
    if (!strcasecmp(fn, "resourceId"))
        return resource_id(c, args);
    if (!strcasecmp(fn, "true") || !strcasecmp(fn, "false"))
        return cJSON_CreateBool(!strcasecmp(fn, "true"));
    return fail(c,
                "%.60s() needs the deployment (subscription, resource group "
                "or other resources) and is not evaluated",
                fn);
}

/* name(arg, ...) */
static cJSON *ev_call(struct cur *c)
{
    char fn[64];
    size_t n = 0;
    cJSON *args, *a, *out;

    while (isalnum((unsigned char)*c->p) || *c->p == '_' || *c->p == '.') {
        if (n + 1 < sizeof(fn))
            fn[n++] = *c->p;
        c->p++;
    }
    fn[n] = '\0';
    ws(c);
    if (*c->p != '(')
        return fail(c, "expected '(' after %.60s", fn);
    c->p++;
    args = cJSON_CreateArray();
    ws(c);
    while (*c->p != ')') {
        if (!(a = ev(c))) {
            cJSON_Delete(args);
            return NULL;
        }
        cJSON_AddItemToArray(args, a);
        ws(c);
        if (*c->p == ',') {
            c->p++;
            continue;
        }
        if (*c->p != ')') {
            cJSON_Delete(args);
            return fail(c, "expected ',' or ')'");
        }
    }
    c->p++;
    out = call(c, fn, args);
    cJSON_Delete(args);
    ws(c);
    if (out && (*c->p == '.' || *c->p == '[')) {
        cJSON_Delete(out);
        return fail(c, "property access after %.60s() is not evaluated", fn);
    }
    return out;
}

static cJSON *ev(struct cur *c)
{
    cJSON *out;

    if (++c->depth > TPL_MAX_DEPTH)
        return fail(c, "expression nested too deeply");
    ws(c);
    if (*c->p == '\'')
        out = ev_string(c);
    else if (isdigit((unsigned char)*c->p) || *c->p == '-') {
        char *end;
        long long v = strtoll(c->p, &end, 10);
        if (end == c->p)
            out = fail(c, "bad number");
        else {
            c->p = end;
            out = cJSON_CreateNumber((double)v);
        }
    } else if (isalpha((unsigned char)*c->p))
        out = ev_call(c);
    else
        out = fail(c, "unexpected '%.1s'", c->p);
    c->depth--;
    return out;
}

/* A template string: "[expr]" is evaluated, "[[x" is the literal "[x",
 * anything else is literal.  Returns NULL for a literal (no change). */
static bool is_expr(const char *s)
{
    size_t n = strlen(s);
    return n >= 2 && s[0] == '[' && s[1] != '[' && s[n - 1] == ']';
}

static cJSON *eval_string(const struct tpl *t, const char *s, int depth,
                          char reason[200])
{
    struct cur c = {t, NULL, depth, ""};
    char *inner = g_strndup(s + 1, strlen(s) - 2);
    cJSON *out;

    c.p = inner;
    out = ev(&c);
    if (out) {
        ws(&c);
        if (*c.p) {
            cJSON_Delete(out);
            out = fail(&c, "trailing text after the expression");
        }
    }
    if (!out)
        snprintf(reason, 200, "%s", c.reason[0] ? c.reason : "bad expression");
    g_free(inner);
    return out;
}

/* ---- resolving a value ----------------------------------------------------
 */

/* Fields nsgproof reads: an expression it cannot evaluate there makes the
 * resource unusable; elsewhere (location, tags, a description, ...) the
 * field is dropped.  They are the template's own structure and the
 * model's fields whose value answers depend on (model_arm.h). */
static bool used_key(const char *k)
{
    static const char *const structure[] = {"name", "type", "properties",
                                            "resources", "condition"};
    enum nsg_model_field_use use;
    for (size_t i = 0; i < sizeof(structure) / sizeof(structure[0]); i++)
        if (!strcasecmp(k, structure[i]))
            return true;
    return nsg_model_arm_field(k, &use) && use == NSG_MODEL_FIELD_MODEL;
}

/* Resolve every expression under node in place.  `key` is the nearest
 * object key above node (the array's key for elements); "id" counts as
 * its parent's key.  Returns false (reason set) when a used field cannot
 * be evaluated; unused ones are removed and named in *dropped. */
static bool resolve(const struct tpl *t, cJSON *node, const char *key,
                    int depth, GString *dropped, char reason[200])
{
    cJSON *c = node ? node->child : NULL, *next;

    if (depth > TPL_MAX_DEPTH) {
        snprintf(reason, 200, "values nested too deeply");
        return false;
    }
    for (; c; c = next) {
        next = c->next;
        const char *k = cJSON_IsObject(node) && c->string ? c->string : key;
        const char *eff = k && !strcasecmp(k, "id") && key ? key : k;
        if (cJSON_IsString(c) && c->valuestring[0] == '[') {
            char r[200];
            if (c->valuestring[1] == '[') { /* escaped literal */
                char *lit = nsg_xstrdup(c->valuestring + 1);
                cJSON_SetValuestring(c, lit);
                free(lit);
                continue;
            }
            if (!is_expr(c->valuestring))
                continue;
            cJSON *v = eval_string(t, c->valuestring, depth, r);
            if (v) {
                if (c->string) { /* the replacement takes over the key */
                    if (!(v->type & cJSON_StringIsConst))
                        free(v->string); /* a variable's own key */
                    v->type &= ~cJSON_StringIsConst;
                    v->string = nsg_xstrdup(c->string);
                }
                cJSON_ReplaceItemViaPointer(node, c, v);
                continue;
            }
            if (eff && used_key(eff)) {
                snprintf(reason, 200, "%.40s \"%.60s\": %.90s", eff,
                         c->valuestring, r);
                return false;
            }
            if (!eff || strcasecmp(eff, "location")) /* usual: not noted */
                g_string_append_printf(
                    dropped, "%s%s", dropped->len ? ", " : "", eff ? eff : "?");
            cJSON_DetachItemViaPointer(node, c);
            cJSON_Delete(c);
        } else if (cJSON_IsObject(c) || cJSON_IsArray(c)) {
            if (!resolve(t, c, k, depth + 1, dropped, reason))
                return false;
        }
    }
    return true;
}

/* A copy of v with its expressions evaluated (NULL, reason set, when one
 * cannot be: values reached through variables() are all needed). */
static cJSON *resolve_copy(const struct tpl *t, const cJSON *v, int depth,
                           char reason[200])
{
    if (depth > TPL_MAX_DEPTH) {
        snprintf(reason, 200, "variables refer to each other too deeply");
        return NULL;
    }
    if (cJSON_IsString(v) && v->valuestring[0] == '[') {
        if (v->valuestring[1] == '[')
            return cJSON_CreateString(v->valuestring + 1);
        if (is_expr(v->valuestring))
            return eval_string(t, v->valuestring, depth, reason);
    }
    cJSON *out = cJSON_Duplicate(v, true);
    GString *dropped = g_string_new(NULL);
    /* "type" is a used key: nothing inside is dropped silently */
    bool ok = resolve(t, out, "type", depth + 1, dropped, reason);
    if (ok && dropped->len) {
        snprintf(reason, 200, "cannot evaluate %.150s", dropped->str);
        ok = false;
    }
    g_string_free(dropped, TRUE);
    if (!ok) {
        cJSON_Delete(out);
        return NULL;
    }
    return out;
}

/* ---- walking the resources ------------------------------------------------
 */

/* Child resource types merged into their parent's array. */
static const struct {
    const char *type, *parent, *key;
} children[] = {
    {"Microsoft.Network/networkSecurityGroups/securityRules",
     "Microsoft.Network/networkSecurityGroups", "securityRules"},
    {"Microsoft.Network/virtualNetworks/subnets",
     "Microsoft.Network/virtualNetworks", "subnets"},
    {"Microsoft.Network/virtualNetworks/virtualNetworkPeerings",
     "Microsoft.Network/virtualNetworks", "virtualNetworkPeerings"},
    {"Microsoft.Network/routeTables/routes", "Microsoft.Network/routeTables",
     "routes"},
};

struct child {
    int kind;          /* index in children[] */
    char *parent_name; /* "web-nsg" of "web-nsg/AllowSSH" */
    cJSON *json;       /* {name, properties} */
    char *jpath;
};

static void child_free(void *p)
{
    struct child *c = p;
    free(c->parent_name);
    cJSON_Delete(c->json);
    free(c->jpath);
    free(c);
}

struct twalk {
    struct imp_walk *w;
    struct tpl t;
    GPtrArray *kids; /* struct child * */
    bool placed;     /* some resource got a placeholder id */
};

static void skip(struct twalk *tw, const char *jpath, const char *why)
{
    nsg_imp_note(tw->w->cfg->skipped, "%s: %s: %s", tw->w->name, jpath, why);
}

static void walk_one(struct twalk *tw, const cJSON *r, const char *jpath,
                     const char *ptype, const char *pname, int depth);

static void walk_list(struct twalk *tw, const cJSON *arr, const char *where,
                      const char *ptype, const char *pname, int depth)
{
    char path[NSG_JPATH_MAX], pi[NSG_JPATH_MAX];
    const cJSON *el;
    size_t i = 0;

    if (depth > 4) {
        skip(tw, where, "template resources nested too deeply");
        return;
    }
    nsg_model_jpath_key(path, where, "resources");
    cJSON_ArrayForEach(el, arr)
    {
        nsg_model_jpath_idx(pi, path, i++);
        walk_one(tw, el, pi, ptype, pname, depth);
    }
}

static void add_child(struct twalk *tw, int kind, const char *full_name,
                      cJSON *r, const char *jpath)
{
    const char *slash = strrchr(full_name, '/');
    struct child *c = nsg_xcalloc(1, sizeof(*c));

    c->kind = kind;
    c->parent_name = g_strndup(full_name, (gsize)(slash - full_name));
    c->json = cJSON_CreateObject();
    cJSON_AddStringToObject(c->json, "name", slash + 1);
    cJSON *p = cJSON_GetObjectItem(r, "properties");
    cJSON_AddItemToObject(c->json, "properties",
                          p ? cJSON_Duplicate(p, true) : cJSON_CreateObject());
    c->jpath = nsg_xstrdup(jpath);
    g_ptr_array_add(tw->kids, c);
}

static void walk_one(struct twalk *tw, const cJSON *r, const char *jpath,
                     const char *ptype, const char *pname, int depth)
{
    char reason[200] = "", why[256], type[256], name[512];
    GString *dropped;
    const cJSON *nested, *t, *n, *cond;
    cJSON *copy;
    enum nsg_res_type rt;

    if (!cJSON_IsObject(r)) {
        skip(tw, jpath, "not a resource object");
        return;
    }
    if (nsg_model_json_field(r, "copy")) {
        skip(tw, jpath, "uses a copy loop, which nsgproof does not expand");
        return;
    }
    copy = cJSON_Duplicate(r, true);
    cJSON_DeleteItemFromObjectCaseSensitive(copy, "resources");
    static const char *const drop[] = {"apiVersion", "dependsOn", "comments",
                                       "scope", "metadata"};
    for (size_t i = 0; i < sizeof(drop) / sizeof(drop[0]); i++)
        cJSON_DeleteItemFromObject(copy, drop[i]);
    dropped = g_string_new(NULL);
    bool ok = resolve(&tw->t, copy, NULL, 0, dropped, reason);
    if (!ok) {
        snprintf(why, sizeof(why), "cannot be imported offline: %s", reason);
        skip(tw, jpath, why);
        goto out;
    }
    cond = nsg_model_json_field(copy, "condition");
    if (cond &&
        (cJSON_IsFalse(cond) ||
         (cJSON_IsString(cond) && !strcasecmp(cond->valuestring, "false")))) {
        skip(tw, jpath, "its condition is false");
        goto out;
    }
    cJSON_DeleteItemFromObject(copy, "condition");
    t = nsg_model_json_field(copy, "type");
    n = nsg_model_json_field(copy, "name");
    if (!cJSON_IsString(t) || !cJSON_IsString(n) || !*n->valuestring) {
        skip(tw, jpath, "a template resource needs a string type and name");
        goto out;
    }
    /* nested resources write short types and names */
    if (ptype && !strchr(t->valuestring, '/'))
        snprintf(type, sizeof(type), "%s/%s", ptype, t->valuestring);
    else
        snprintf(type, sizeof(type), "%s", t->valuestring);
    if (pname && !strchr(n->valuestring, '/'))
        snprintf(name, sizeof(name), "%s/%s", pname, n->valuestring);
    else
        snprintf(name, sizeof(name), "%s", n->valuestring);
    if (dropped->len)
        nsg_imp_note(tw->w->cfg->warnings,
                     "%s: %s: template expressions not evaluated offline "
                     "were left out of fields nsgproof does not use: %.300s",
                     tw->w->name, jpath, dropped->str);
    for (size_t k = 0; k < sizeof(children) / sizeof(children[0]); k++)
        if (!strcasecmp(type, children[k].type)) {
            if (!strchr(name, '/'))
                skip(tw, jpath, "child resource name has no parent part");
            else
                add_child(tw, (int)k, name, copy, jpath);
            goto nested;
        }
    cJSON_ReplaceItemInObject(copy, "type", cJSON_CreateString(type));
    switch (nsg_imp_classify(copy, &rt, why)) {
    case 0:
        if (strchr(name, '/')) {
            skip(tw, jpath, "child resource of a type nsgproof does not model");
            break;
        }
        if (!nsg_model_json_field(copy, "id")) {
            char *id = g_strdup_printf(
                "/subscriptions/%s/resourceGroups/%s/providers/%s/%s", TPL_SUB,
                TPL_RG, type, name);
            cJSON_AddStringToObject(copy, "id", id);
            g_free(id);
            tw->placed = true;
        }
        nsg_imp_add_item(tw->w, rt, nsg_imp_normalize(copy, rt), NULL, jpath);
        break;
    default:
        skip(tw, jpath, why);
        break;
    }
nested:
    nested = nsg_model_json_field(r, "resources");
    if (cJSON_IsArray(nested))
        walk_list(tw, nested, jpath, type, name, depth + 1);
    g_string_free(dropped, TRUE);
    cJSON_Delete(copy);
    return;
out: /* skipped: its nested resources are skipped too, each named */
    nested = nsg_model_json_field(r, "resources");
    int i = 0;
    for (const cJSON *el = cJSON_IsArray(nested) ? nested->child : NULL; el;
         el = el->next)
        nsg_imp_note(tw->w->cfg->skipped,
                     "%s: %s.resources[%d]: its parent resource is skipped",
                     tw->w->name, jpath, i++);
    g_string_free(dropped, TRUE);
    cJSON_Delete(copy);
}

/* Merge the child resources into their parents found in this file. */
static void attach_children(struct twalk *tw)
{
    for (guint i = 0; i < tw->kids->len; i++) {
        struct child *c = tw->kids->pdata[i];
        cJSON *parent = NULL;
        for (guint k = 0; k < tw->w->cfg->items->len && !parent; k++) {
            struct nsg_imp_item *it = tw->w->cfg->items->pdata[k];
            const cJSON *ty = nsg_model_json_field(it->json, "type");
            const cJSON *nm = nsg_model_json_field(it->json, "name");
            if (cJSON_IsString(ty) && cJSON_IsString(nm) &&
                !strcasecmp(ty->valuestring, children[c->kind].parent) &&
                !strcasecmp(nm->valuestring, c->parent_name))
                parent = it->json;
        }
        if (!parent) {
            nsg_imp_note(tw->w->cfg->skipped,
                         "%s: %s: its parent %s '%s' is not imported from "
                         "this template",
                         tw->w->name, c->jpath, children[c->kind].parent,
                         c->parent_name);
            continue;
        }
        cJSON *p = cJSON_GetObjectItem(parent, "properties");
        if (!cJSON_IsObject(p)) {
            cJSON_DeleteItemFromObject(parent, "properties");
            p = cJSON_AddObjectToObject(parent, "properties");
        }
        cJSON *arr = cJSON_GetObjectItem(p, children[c->kind].key), *el;
        if (!cJSON_IsArray(arr)) {
            cJSON_DeleteItemFromObject(p, children[c->kind].key);
            arr = cJSON_AddArrayToObject(p, children[c->kind].key);
        }
        const char *cname = cJSON_GetObjectItem(c->json, "name")->valuestring;
        bool dup = false;
        cJSON_ArrayForEach(el, arr)
        {
            const cJSON *en = nsg_model_json_field(el, "name");
            dup = dup ||
                  (cJSON_IsString(en) && !strcasecmp(en->valuestring, cname));
        }
        if (dup) {
            nsg_imp_note(tw->w->cfg->warnings,
                         "%s: %s: '%s' is also written inside its parent; "
                         "the parent's copy is kept",
                         tw->w->name, c->jpath, cname);
            continue;
        }
        cJSON_AddItemToArray(arr, c->json);
        c->json = NULL;
    }
}

bool nsg_imp_is_template(const cJSON *root)
{
    const cJSON *schema = nsg_model_json_field(root, "$schema");
    return cJSON_IsObject(root) &&
           cJSON_IsArray(nsg_model_json_field(root, "resources")) &&
           ((cJSON_IsString(schema) &&
             strcasestr(schema->valuestring, "Template")) ||
            nsg_model_json_field(root, "contentVersion"));
}

nsg_rc nsg_imp_walk_template(struct imp_walk *w, const cJSON *root)
{
    struct twalk tw = {w, {NULL, NULL}, NULL, false};

    tw.t.params = nsg_model_json_field(root, "parameters");
    tw.t.vars = nsg_model_json_field(root, "variables");
    tw.kids = g_ptr_array_new_with_free_func(child_free);
    walk_list(&tw, nsg_model_json_field(root, "resources"), "$", NULL, NULL, 0);
    attach_children(&tw);
    g_ptr_array_free(tw.kids, TRUE);
    if (tw.placed)
        nsg_imp_note(w->cfg->warnings,
                     "%s: an ARM template does not say where it is deployed: "
                     "its resources get ids under /subscriptions/" TPL_SUB
                     "/resourceGroups/" TPL_RG,
                     w->name);
    return NSG_OK;
}
