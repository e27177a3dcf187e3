/* corpus.c - opening and closing a corpus, reading and atomically writing
 * its manifest.json, and the read-only accessors (paths, sections,
 * sources).  Transactions are in corpus_txn.c, loading in corpus_load.c. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "corpus_int.h"

cJSON *manifest_empty(void)
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
    if (st && !cJSON_IsNull(st) &&
        !cJSON_IsString(cJSON_GetObjectItemCaseSensitive(st, "object")))
        return nsg_err_set(err, NSG_E_INPUT,
                           "%s: $.service_tags.object: missing", path);
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
            if (!cJSON_IsString(o) || strlen(o->valuestring) != 64 ||
                !cJSON_IsString(t))
                return nsg_err_set(err, NSG_E_INPUT,
                                   "%s: $.resources[\"%s\"]"
                                   ".versions: bad entry",
                                   path, r->string);
        }
    }
    return NSG_OK;
}

nsg_rc manifest_read(const char *dir, cJSON **out, struct nsg_err *err)
{
    char *path = path_join(dir, MANIFEST);
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

nsg_rc manifest_write(const char *dir, const cJSON *m, struct nsg_err *err)
{
    char *path = path_join(dir, MANIFEST);
    char *text = cJSON_Print(m);
    nsg_rc rc;
    if (!text) {
        rc = nsg_err_set(err, NSG_E_NOMEM, "%s: cannot serialize", path);
    } else {
        size_t len = strlen(text);
        text = nsg_xrealloc(text, len + 2);
        text[len++] = '\n';
        rc = write_atomic(path, text, len, err);
    }
    if (!rc)
        rc = fsync_path(dir, true, err);
    free(text);
    free(path);
    return rc;
}

/* True when dir holds something other than what a corpus (possibly one
 * whose first import died) holds: a regular visible file that is not a
 * leftover manifest.json.tmp-PID.  Creating a corpus there would mix it
 * with someone's data (a typo in --corpus). */
static bool foreign_files(const char *dir)
{
    GDir *d = g_dir_open(dir, 0, NULL);
    const char *name;
    bool foreign = false;
    while (d && !foreign && (name = g_dir_read_name(d))) {
        char *p = path_join(dir, name);
        foreign = name[0] != '.' && !g_str_has_prefix(name, MANIFEST_TMP) &&
                  !g_file_test(p, G_FILE_TEST_IS_DIR);
        free(p);
    }
    if (d)
        g_dir_close(d);
    return foreign;
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

void corpus_set_manifest(struct nsg_corpus *c, cJSON *m)
{
    if (c->manifest)
        g_ptr_array_add(c->old, c->manifest);
    c->manifest = m;
    index_sources(c);
}

nsg_rc nsg_corpus_open(const char *dir, bool create, struct nsg_corpus **out,
                       struct nsg_err *err)
{
    struct nsg_corpus *c = nsg_xcalloc(1, sizeof(*c));
    struct stat st;
    nsg_rc rc = NSG_OK;
    size_t n = strlen(dir);

    *out = NULL;
    while (n > 1 && dir[n - 1] == '/')
        n--;
    c->dir = g_strndup(dir, n);
    c->old = g_ptr_array_new_with_free_func((GDestroyNotify)cJSON_Delete);
    c->objects = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                                       (GDestroyNotify)cJSON_Delete);
    c->sources = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    c->lock_wait_ms = DEFAULT_LOCK_WAIT_MS;
    if (stat(c->dir, &st)) {
        if (!create) {
            rc = nsg_err_set(err, NSG_E_NOTFOUND,
                             "corpus %s does not exist (nsgproof import "
                             "creates it: import --corpus DIR PATH...)",
                             c->dir);
            goto out;
        }
        rc = mkdirs(c->dir, err);
    } else if (!S_ISDIR(st.st_mode)) {
        rc = nsg_err_set(err, NSG_E_INPUT, "corpus %s is not a directory",
                         c->dir);
    }
    if (!rc)
        rc = manifest_read(c->dir, &c->manifest, err);
    if (!rc && !c->manifest) {
        if (!create) {
            rc = nsg_err_set(err, NSG_E_NOTFOUND,
                             "%s is not a corpus (no "
                             "%s)",
                             c->dir, MANIFEST);
            goto out;
        }
        if (foreign_files(c->dir)) {
            rc = nsg_err_set(err, NSG_E_INPUT,
                             "%s is not a corpus (no %s) "
                             "and holds other files: give a new or empty "
                             "directory to --corpus",
                             c->dir, MANIFEST);
            goto out;
        }
        /* Publish an empty manifest under the lock (unless a concurrent
         * import got there first). */
        char *lp = path_join(c->dir, LOCK_FILE);
        int fd;
        rc = lock_take(lp, c->lock_wait_ms, c->dir, &fd, err);
        free(lp);
        if (!rc) {
            rc = manifest_read(c->dir, &c->manifest, err);
            if (!rc && !c->manifest) {
                c->manifest = manifest_empty();
                rc = manifest_write(c->dir, c->manifest, err);
            }
            close(fd);
        }
    }
out:
    if (rc) {
        nsg_corpus_close(c);
        return rc;
    }
    index_sources(c);
    *out = c;
    return NSG_OK;
}

void nsg_corpus_close(struct nsg_corpus *c)
{
    if (!c)
        return;
    nsg_corpus_rollback(c->txn);
    cJSON_Delete(c->manifest);
    g_ptr_array_free(c->old, TRUE);
    g_hash_table_destroy(c->objects);
    g_hash_table_destroy(c->sources);
    g_free(c->dir);
    free(c);
}

const char *nsg_corpus_dir(const struct nsg_corpus *c)
{
    return c->dir;
}

char *nsg_corpus_path(const struct nsg_corpus *c, const char *rel)
{
    if (rel[0] == '/')
        return nsg_xstrdup(rel);
    char *joined = path_join(c->dir, rel);
    if (c->dir[0] == '/')
        return joined;
    char *cwd = g_get_current_dir();
    char *abs = path_join(cwd, joined);
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

void nsg_corpus_set_lock_wait(struct nsg_corpus *c, int ms)
{
    c->lock_wait_ms = ms < 0 ? 0 : ms;
}

int64_t nsg_corpus_generation(const struct nsg_corpus *c)
{
    const cJSON *g =
        cJSON_GetObjectItemCaseSensitive(c->manifest, "generation");
    return cJSON_IsNumber(g) ? (int64_t)g->valuedouble : 0;
}
