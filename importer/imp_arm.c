/* imp_arm.c - reads a configuration file (ARM responses and lists, REST API
 * example files, az CLI output, Service Tags files), finds every resource
 * in it, normalizes each to the ARM GET shape and validates it by parsing
 * it into a scratch model. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "imp_arm.h"

static void item_free(void *p)
{
    struct nsg_imp_item *it = p;
    if (!it)
        return;
    cJSON_Delete(it->json);
    free(it->jpath);
    free(it);
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

/* ---- walking the document ------------------------------------------------ */

static nsg_rc walk_resource(struct imp_walk *w, const cJSON *j,
                            const char *jpath)
{
    enum nsg_res_type type = NSG_RES_NSG;
    char reason[256];

    if (!cJSON_IsObject(j))
        return nsg_err_set(w->err, NSG_E_INPUT,
                           "%s: %s: expected a resource object, got %s",
                           w->name, jpath, nsg_model_json_kind(j));
    switch (nsg_imp_classify(j, &type, reason)) {
    case 0:
        nsg_imp_add_item(w, type, nsg_imp_normalize(j, type), j, jpath);
        return NSG_OK;
    case 1:
        return nsg_imp_walk_rule(w, j, jpath);
    case 2:
        return nsg_imp_walk_effective(w, j, jpath);
    case 3:
        return nsg_imp_walk_deployment(w, j, jpath);
    case 4:
        return nsg_imp_walk_admin_effective(w, j, jpath);
    case 5:
        return nsg_imp_walk_policy(w, j, jpath);
    default:
        nsg_imp_note(w->cfg->skipped, "%s: %s: %s", w->name, jpath, reason);
        return NSG_OK;
    }
}

/* A list {"value": [...]}, a JSON array, or one resource. */
static nsg_rc walk_container(struct imp_walk *w, const cJSON *j,
                             const char *jpath)
{
    const cJSON *value = nsg_model_json_field(j, "value"), *el;
    char p[NSG_JPATH_MAX], pi[NSG_JPATH_MAX];
    size_t i = 0;
    nsg_rc rc;

    if (cJSON_IsObject(j) && value && !nsg_model_json_field(j, "id") &&
        !nsg_model_json_field(j, "properties")) {
        nsg_model_jpath_key(p, jpath, "value");
        if (!cJSON_IsArray(value))
            return nsg_err_set(w->err, NSG_E_INPUT,
                               "%s: %s: expected an array, got %s", w->name, p,
                               nsg_model_json_kind(value));
        j = value;
        jpath = p;
    }
    if (cJSON_IsArray(j)) {
        cJSON_ArrayForEach(el, j)
        {
            nsg_model_jpath_idx(pi, jpath, i++);
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
                       w->name, jpath, nsg_model_json_kind(j));
}

static bool is_service_tags(const cJSON *root)
{
    return cJSON_IsObject(root) && nsg_model_json_field(root, "values") &&
           (nsg_model_json_field(root, "changeNumber") ||
            nsg_model_json_field(root, "cloud"));
}

/* REST API example: the bodies of the 2xx responses. */
static nsg_rc walk_example(struct imp_walk *w, const cJSON *responses)
{
    const cJSON *r;
    char p[NSG_JPATH_MAX];
    nsg_rc rc;

    cJSON_ArrayForEach(r, responses)
    {
        const cJSON *body = nsg_model_json_field(r, "body");
        if (!r->string || r->string[0] != '2' || !body)
            continue;
        nsg_model_jpath_printf(p, "$.responses['%s'].body", r->string);
        if (is_service_tags(body)) { /* ServiceTagsList example */
            if (!w->cfg->service_tags)
                w->cfg->service_tags = cJSON_Duplicate(body, true);
            continue;
        }
        if ((rc = walk_container(w, body, p)))
            return rc;
    }
    return NSG_OK;
}

static nsg_rc walk_root(struct imp_walk *w, cJSON *root)
{
    const cJSON *resp = nsg_model_json_field(root, "responses");

    if (is_service_tags(root)) {
        w->cfg->service_tags = cJSON_Duplicate(root, true);
        return NSG_OK;
    }
    if (nsg_imp_is_template(root))
        return nsg_imp_walk_template(w, root);
    if (cJSON_IsObject(root) && cJSON_IsObject(resp) &&
        !nsg_model_json_field(root, "id"))
        return walk_example(w, resp);
    return walk_container(w, root, "$");
}

/* Parse every item, as written in the file (so paths in messages match the
 * file, flattened or not), into a scratch model. */
static nsg_rc validate(struct imp_walk *w)
{
    struct nsg_topology *t = nsg_topo_new();
    char where[NSG_JPATH_MAX];
    nsg_rc rc = NSG_OK;

    for (guint i = 0; i < w->cfg->items->len && !rc; i++) {
        struct nsg_imp_item *it = w->cfg->items->pdata[i];
        nsg_model_jpath_printf(where, "%s: %s", w->name, it->jpath);
        const cJSON *j = w->orig->pdata[i] ? w->orig->pdata[i] : it->json;
        rc = nsg_model_add_resource(t, it->type, j, 0, where, w->err);
        if (!rc && it->type == NSG_RES_NSG) {
            struct nsg_buf why = NSG_BUF_INIT;
            rc = nsg_model_nsg_defaults(j, where, &why, w->err);
            if (!rc && why.len)
                nsg_imp_note(w->cfg->warnings,
                             "%s: %s; Azure's default rules cannot be "
                             "changed: nsgproof evaluates Azure's",
                             where, why.buf);
            nsg_buf_release(&why);
        }
    }
    if (!rc && w->cfg->service_tags) {
        nsg_model_jpath_printf(where, "%s: $", w->name);
        rc = nsg_model_add_service_tags(t, w->cfg->service_tags, where, w->err);
    }
    nsg_topo_free(t);
    return rc;
}

/* Windows PowerShell 5.1 writes `ConvertTo-Json ... > file.json` (and
 * Out-File) in UTF-16 with a byte-order mark: convert such text to UTF-8
 * (*buf owns the new text, g_free'd by the caller). */
static nsg_rc utf16_to_utf8(const char *name, const char **text, size_t *len,
                            char **buf, struct nsg_err *err)
{
    const unsigned char *t = (const unsigned char *)*text;
    const char *from;
    gsize out_len = 0;
    GError *gerr = NULL;

    *buf = NULL;
    if (*len >= 2 && t[0] == 0xFF && t[1] == 0xFE)
        from = "UTF-16LE";
    else if (*len >= 2 && t[0] == 0xFE && t[1] == 0xFF)
        from = "UTF-16BE";
    else
        return NSG_OK;
    *buf = g_convert(*text + 2, (gssize)(*len - 2), "UTF-8", from, NULL,
                     &out_len, &gerr);
    if (!*buf) {
        nsg_rc rc = nsg_err_set(err, NSG_E_INPUT,
                                "%s: $: the file starts with a %s byte-order "
                                "mark but is not valid %s: %s",
                                name, from, from,
                                gerr ? gerr->message : "conversion failed");
        g_clear_error(&gerr);
        return rc;
    }
    *text = *buf;
    *len = out_len;
    return NSG_OK;
}

nsg_rc nsg_imp_config_parse(const char *name, const char *text, size_t len,
                            struct nsg_imp_config **out, struct nsg_err *err)
{
    return nsg_imp_config_parse_opts(name, text, len, NULL, out, err);
}

nsg_rc nsg_imp_config_parse_opts(const char *name, const char *text,
                                 size_t len, const struct nsg_imp_opts *opts,
                                 struct nsg_imp_config **out,
                                 struct nsg_err *err)
{
    struct nsg_imp_config *cfg = nsg_xcalloc(1, sizeof(*cfg));
    struct imp_walk w = {.name = name, .cfg = cfg, .err = err, .opts = opts};
    cJSON *root = NULL;
    char *wide = NULL;
    nsg_rc rc;

    *out = NULL;
    cfg->items = g_ptr_array_new_with_free_func(item_free);
    cfg->skipped = g_ptr_array_new_with_free_func(free);
    cfg->warnings = g_ptr_array_new_with_free_func(free);
    w.groups = g_hash_table_new_full(g_str_hash, g_str_equal, free, NULL);
    w.order = g_ptr_array_new_with_free_func(nsg_imp_group_free);
    w.seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    w.orig = g_ptr_array_new();
    rc = utf16_to_utf8(name, &text, &len, &wide, err);
    if (!rc)
        rc = nsg_model_json_parse(name, text, len, &root, err);
    if (!rc)
        rc = walk_root(&w, root);
    if (!rc) {
        nsg_imp_finish_groups(&w);
        rc = nsg_imp_finish_admin(&w);
    }
    if (!rc)
        rc = validate(&w);
    nsg_imp_admin_release(&w);
    cJSON_Delete(root);
    g_hash_table_destroy(w.groups);
    g_ptr_array_free(w.order, TRUE);
    g_hash_table_destroy(w.seen);
    g_ptr_array_free(w.orig, TRUE);
    g_free(wide);
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
                    "configuration file",
                    path, max_bytes);
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
