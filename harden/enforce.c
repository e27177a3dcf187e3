/* enforce.c - a proven plan written as ARM PUT bodies: for each NSG the
 * plan edits, the resource as captured in the corpus (tags, unknown
 * properties and default rules untouched) with only
 * properties.securityRules changed, and a rollback copy of it as it was;
 * each file written atomically (temporary file, fsync, rename). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "harden_int.h"

/* The stored JSON of an object, checked against its hash. */
static nsg_rc read_object(struct nsg_corpus *c, const char *sha, cJSON **out,
                          struct nsg_err *err)
{
    char rel[128], got[65];
    struct nsg_buf b = NSG_BUF_INIT;
    char *path;
    nsg_rc rc;
    snprintf(rel, sizeof(rel), "objects/%.2s/%s.json", sha, sha);
    path = nsg_corpus_path(c, rel);
    rc = nsg_buf_read_file(&b, path, 512u << 20, err);
    *out = NULL;
    if (!rc) {
        nsg_sha256_hex(b.buf, b.len, got);
        if (strcmp(got, sha))
            rc = nsg_err_set(err, NSG_E_INPUT,
                             "%s: corrupt object (its SHA-256 is %s)", path,
                             got);
    }
    if (!rc) {
        *out = cJSON_ParseWithLength(b.buf, b.len);
        if (!*out)
            rc = nsg_err_set(err, NSG_E_INPUT, "%s: not valid JSON", path);
    }
    nsg_buf_release(&b);
    free(path);
    return rc;
}

static char *safe_name(const char *s)
{
    char *n = nsg_xstrdup(s && *s ? s : "_");
    for (char *q = n; *q; q++)
        if (*q == '/' || *q == '\\')
            *q = '_';
    if (!strcmp(n, ".") || !strcmp(n, "..")) {
        free(n);
        n = nsg_xstrdup("_");
    }
    return n;
}

static nsg_rc mkdir_p(const char *path, struct nsg_err *err)
{
    if (g_mkdir_with_parents(path, 0755))
        return nsg_err_set(err, NSG_E_IO, "cannot create directory %s: %s",
                           path, strerror(errno));
    return NSG_OK;
}

nsg_rc nsg_enforce_write_json(const char *path, const cJSON *j,
                              struct nsg_err *err)
{
    char *s = cJSON_Print(j);
    char *t = g_strdup_printf("%s\n", s);
    nsg_rc rc = hd_write_atomic(path, t, err);
    g_free(t);
    free(s);
    return rc;
}

nsg_rc nsg_enforce_bodies(struct nsg_corpus *c, const struct nsg_plan *p,
                          const struct nsg_plan_nsg *pn, cJSON **captured,
                          cJSON **proposed, size_t *added, struct nsg_err *err)
{
    struct nsg_version *v = NULL;
    size_t nv = 0;
    cJSON *orig = NULL, *nw, *props, *rules;
    nsg_rc rc = nsg_corpus_history(c, pn->id, &v, &nv, err);

    *captured = *proposed = NULL;
    *added = 0;
    if (!rc && !nv)
        rc = nsg_err_set(err, NSG_E_NOTFOUND, "NSG %s has no version in the "
                                              "corpus",
                         pn->name);
    if (!rc)
        rc = read_object(c, v[nv - 1].object, &orig, err);
    free(v);
    if (rc)
        return rc;
    nw = cJSON_Duplicate(orig, 1);
    props = cJSON_GetObjectItemCaseSensitive(nw, "properties");
    if (!cJSON_IsObject(props)) {
        cJSON_DeleteItemFromObjectCaseSensitive(nw, "properties");
        props = cJSON_AddObjectToObject(nw, "properties");
    }
    rules = cJSON_GetObjectItemCaseSensitive(props, "securityRules");
    if (!cJSON_IsArray(rules)) {
        cJSON_DeleteItemFromObjectCaseSensitive(props, "securityRules");
        rules = cJSON_AddArrayToObject(props, "securityRules");
    }
    for (size_t i = 0; i < p->n_recs; i++) {
        const struct nsg_plan_rec *rec = &p->recs[i];
        if (strcasecmp(rec->nsg_id, pn->id))
            continue;
        for (size_t k = 0; k < rec->n_rules; k++, (*added)++)
            cJSON_AddItemToArray(rules, nsg_plan_rule_to_arm(&rec->rules[k]));
    }
    *captured = orig;
    *proposed = nw;
    return NSG_OK;
}

static nsg_rc one_nsg(struct nsg_corpus *c, const struct nsg_plan *p,
                      const struct nsg_plan_nsg *pn, const char *dir,
                      cJSON *written, struct nsg_err *err)
{
    size_t added = 0;
    cJSON *orig = NULL, *nw = NULL;
    char *rg = safe_name(pn->resource_group), *name = safe_name(pn->name);
    char *sub = g_build_filename(dir, rg, NULL);
    char *file = g_strdup_printf("%s/%s.json", sub, name);
    char *back = g_strdup_printf("%s/%s.rollback.json", sub, name);
    nsg_rc rc = nsg_enforce_bodies(c, p, pn, &orig, &nw, &added, err);

    if (!rc)
        rc = mkdir_p(sub, err);
    if (!rc)
        rc = nsg_enforce_write_json(back, orig, err);
    if (!rc)
        rc = nsg_enforce_write_json(file, nw, err);
    if (!rc) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "nsg", pn->name);
        cJSON_AddStringToObject(o, "id", pn->id);
        cJSON_AddStringToObject(o, "file", file);
        cJSON_AddStringToObject(o, "rollback", back);
        cJSON_AddNumberToObject(o, "rules_added", (double)added);
        cJSON_AddItemToArray(written, o);
    }
    cJSON_Delete(orig);
    cJSON_Delete(nw);
    free(rg);
    free(name);
    g_free(sub);
    g_free(file);
    g_free(back);
    return rc;
}

nsg_rc nsg_enforce_write(struct nsg_corpus *c, const struct nsg_plan *p,
                         const char *dir, cJSON *written, struct nsg_err *err)
{
    nsg_rc rc = mkdir_p(dir, err);
    for (size_t i = 0; i < p->n_nsgs && !rc; i++)
        if (nsg_plan_edits_nsg(p, p->nsgs[i].id))
            rc = one_nsg(c, p, &p->nsgs[i], dir, written, err);
    return rc;
}
