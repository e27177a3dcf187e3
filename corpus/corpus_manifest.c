/* corpus_manifest.c - manifest.json: an empty one, reading it with a
 * check of its top-level shape, writing it atomically, publishing a new one
 * in memory, and the read-only accessors over the published manifest
 * (paths, sections, sources, generation). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "corpus_int.h"

cJSON *nsg_corpus_manifest_empty(void)
{
    cJSON *m = cJSON_CreateObject();
    cJSON_AddNumberToObject(m, "format", NSG_CORPUS_FORMAT);
    cJSON_AddNumberToObject(m, "generation", 0);
    cJSON_AddNullToObject(m, "updated_at");
    cJSON_AddArrayToObject(m, "sources");
    cJSON_AddObjectToObject(m, "resources");
    cJSON_AddNullToObject(m, "service_tags");
    cJSON_AddObjectToObject(m, "sections");
    return m;
}


/* Check the top-level shape so later code can trust it. */
static nsg_rc manifest_check(const char *path, const cJSON *m,
                             struct nsg_err *err)
{
    const cJSON *f = cJSON_GetObjectItemCaseSensitive(m, "format");
    if (!cJSON_IsObject(m))
        return nsg_err_set(err, NSG_E_INPUT, "%s: $: not a JSON object", path);
    if (!cJSON_IsNumber(f))
        return nsg_err_set(err, NSG_E_INPUT, "%s: $.format: missing", path);
    if (f->valuedouble != NSG_CORPUS_FORMAT)
        return nsg_err_set(err, NSG_E_INPUT,
                           "%s: $.format: corpus format %g is not supported "
                           "(this nsgproof reads format %d)",
                           path, f->valuedouble, NSG_CORPUS_FORMAT);
    static const struct {
        const char *key;
        int type;
    } want[] = {{"generation", cJSON_Number},
                {"sources", cJSON_Array},
                {"resources", cJSON_Object},
                {"sections", cJSON_Object}};
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
        const cJSON *j = cJSON_GetObjectItemCaseSensitive(m, want[i].key);
        if (!j || (j->type & 0xFF) != want[i].type)
            return nsg_err_set(err, NSG_E_INPUT,
                               "%s: $.%s: missing or wrong "
                               "type",
                               path, want[i].key);
    }
    const cJSON *st = cJSON_GetObjectItemCaseSensitive(m, "service_tags");
    const cJSON *so = cJSON_GetObjectItemCaseSensitive(st, "object");
    if (st && !cJSON_IsNull(st) && !cJSON_IsString(so))
        return nsg_err_set(err, NSG_E_INPUT,
                           "%s: $.service_tags.object: missing", path);
    if (cJSON_IsString(so) && !nsg_corpus_is_sha(so->valuestring))
        return nsg_err_set(err, NSG_E_INPUT,
                           "%s: $.service_tags.object: not a SHA-256 (64 "
                           "lower-case hex digits)",
                           path);
    const cJSON *r;
    cJSON_ArrayForEach(r, cJSON_GetObjectItemCaseSensitive(m, "resources"))
    {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(r, "versions");
        const cJSON *e;
        if (!cJSON_IsString(cJSON_GetObjectItemCaseSensitive(r, "type")) ||
            !cJSON_IsArray(v) || cJSON_GetArraySize(v) == 0)
            return nsg_err_set(err, NSG_E_INPUT,
                               "%s: $.resources[\"%s\"]: "
                               "needs a type and versions",
                               path, r->string);
        cJSON_ArrayForEach(e, v)
        {
            const cJSON *o = cJSON_GetObjectItemCaseSensitive(e, "object");
            const cJSON *t = cJSON_GetObjectItemCaseSensitive(e, "captured_at");
            if (!cJSON_IsString(o) || !nsg_corpus_is_sha(o->valuestring) ||
                !cJSON_IsString(t))
                return nsg_err_set(err, NSG_E_INPUT,
                                   "%s: $.resources[\"%s\"]"
                                   ".versions: bad entry",
                                   path, r->string);
        }
    }
    return NSG_OK;
}

nsg_rc nsg_corpus_manifest_read(const char *dir, cJSON **out,
                                struct nsg_err *err)
{
    char *path = nsg_corpus_path_join(dir, MANIFEST);
    struct nsg_buf b = NSG_BUF_INIT;
    nsg_rc rc = NSG_OK;
    *out = NULL;
    if (access(path, F_OK) && errno == ENOENT)
        goto out;
    rc = nsg_buf_read_file(&b, path, 0, err);
    if (rc)
        goto out;
    cJSON *m = cJSON_ParseWithLength(b.buf ? b.buf : "", b.len);
    if (!m) {
        rc = nsg_err_set(err, NSG_E_INPUT,
                         "%s: not valid JSON (corrupt "
                         "manifest)",
                         path);
        goto out;
    }
    rc = manifest_check(path, m, err);
    if (rc)
        cJSON_Delete(m);
    else
        *out = m;
out:
    nsg_buf_release(&b);
    free(path);
    return rc;
}

nsg_rc nsg_corpus_manifest_write(const char *dir, const cJSON *m,
                                 struct nsg_err *err)
{
    char *path = nsg_corpus_path_join(dir, MANIFEST);
    char *text = cJSON_Print(m);
    nsg_rc rc;
    if (!text) {
        rc = nsg_err_set(err, NSG_E_NOMEM, "%s: cannot serialize", path);
    } else {
        size_t len = strlen(text);
        text = nsg_xrealloc(text, len + 2);
        text[len++] = '\n';
        rc = nsg_corpus_write_atomic(path, text, len, err);
    }
    if (!rc)
        rc = nsg_corpus_fsync_path(dir, true, err);
    free(text);
    free(path);
    return rc;
}

void nsg_corpus_index_resources(const cJSON *m, GHashTable *idx)
{
    cJSON *r;
    g_hash_table_remove_all(idx);
    cJSON_ArrayForEach(r, cJSON_GetObjectItemCaseSensitive(m, "resources"))
    {
        if (r->string && !g_hash_table_contains(idx, r->string))
            g_hash_table_insert(idx, g_strdup(r->string), r);
    }
}

/* Rebuild the set of source hashes of the published manifest. */
static void index_sources(struct nsg_corpus *c)
{
    const cJSON *s;
    g_hash_table_remove_all(c->sources);
    cJSON_ArrayForEach(s,
                       cJSON_GetObjectItemCaseSensitive(c->manifest, "sources"))
    {
        const cJSON *h = cJSON_GetObjectItemCaseSensitive(s, "sha256");
        if (cJSON_IsString(h))
            g_hash_table_add(c->sources, g_strdup(h->valuestring));
    }
}

void nsg_corpus_set_manifest(struct nsg_corpus *c, cJSON *m)
{
    if (c->manifest)
        g_ptr_array_add(c->old, c->manifest);
    c->manifest = m;
    index_sources(c);
    nsg_corpus_index_resources(m, c->resources);
}

const char *nsg_corpus_dir(const struct nsg_corpus *c)
{
    return c->dir;
}

char *nsg_corpus_path(const struct nsg_corpus *c, const char *rel)
{
    if (rel[0] == '/')
        return nsg_xstrdup(rel);
    char *joined = nsg_corpus_path_join(c->dir, rel);
    if (c->dir[0] == '/')
        return joined;
    char *cwd = g_get_current_dir();
    char *abs = nsg_corpus_path_join(cwd, joined);
    g_free(cwd);
    free(joined);
    return abs;
}

const cJSON *nsg_corpus_section(const struct nsg_corpus *c, const char *name)
{
    const cJSON *s = cJSON_GetObjectItemCaseSensitive(c->manifest, "sections");
    return cJSON_GetObjectItemCaseSensitive(s, name);
}

bool nsg_corpus_has_source(const struct nsg_corpus *c, const char *sha256)
{
    return g_hash_table_contains(c->sources, sha256);
}

int64_t nsg_corpus_generation(const struct nsg_corpus *c)
{
    const cJSON *g =
        cJSON_GetObjectItemCaseSensitive(c->manifest, "generation");
    return cJSON_IsNumber(g) ? (int64_t)g->valuedouble : 0;
}
