/* corpus_txn.c - corpus transactions: take the lock, add resource versions,
 * service tags, sources and other modules' files, then publish everything
 * with one atomic rename of manifest.json (or roll back). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "corpus_int.h"

static void now_iso(char out[32])
{
    nsg_corpus_time_format((int64_t)time(NULL), out);
}

nsg_rc nsg_corpus_begin(struct nsg_corpus *c, struct nsg_txn **out,
                        struct nsg_err *err)
{
    char *lp;
    cJSON *m = NULL;
    int fd;
    nsg_rc rc;

    *out = NULL;
    if (c->txn)
        return nsg_err_set(err, NSG_E_INTERNAL,
                           "corpus %s: a transaction "
                           "is already open",
                           c->dir);
    lp = nsg_corpus_path_join(c->dir, LOCK_FILE);
    rc = nsg_corpus_lock_take(lp, c->lock_wait_ms, c->dir, &fd, err);
    free(lp);
    if (rc)
        return rc;
    /* Another import may have committed since we opened: start from the
     * manifest on disk, read under the lock. */
    rc = nsg_corpus_manifest_read(c->dir, &m, err);
    if (rc) {
        close(fd);
        return rc;
    }
    nsg_corpus_set_manifest(c, m ? m : nsg_corpus_manifest_empty());
    struct nsg_txn *t = nsg_xcalloc(1, sizeof(*t));
    t->c = c;
    t->lock_fd = fd;
    t->manifest = cJSON_Duplicate(c->manifest, true);
    t->pending = g_hash_table_new_full(g_str_hash, g_str_equal, free, g_free);
    t->new_files = g_ptr_array_new_with_free_func(free);
    t->res_index = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    nsg_corpus_index_resources(t->manifest, t->res_index);
    c->txn = t;
    *out = t;
    return NSG_OK;
}

/* Write one object unless it exists, under a temporary name: commit
 * flushes all of them at once and renames them (one syncfs instead of an
 * fsync per object: 500 fsyncs took 3 s on a cloud disk). */
static nsg_rc object_put(struct nsg_txn *t, const cJSON *json, char sha[65],
                         struct nsg_err *err)
{
    cJSON *canon = nsg_corpus_json_canonical(json);
    char *text = canon ? cJSON_PrintUnformatted(canon) : NULL;
    char *rel = NULL, *path = NULL, *dir = NULL, *tmp = NULL;
    nsg_rc rc = NSG_OK;

    if (!text) {
        rc = nsg_err_set(err, NSG_E_NOMEM,
                         "corpus %s: cannot serialize an "
                         "object",
                         t->c->dir);
        goto out;
    }
    nsg_sha256_hex(text, strlen(text), sha);
    rel = nsg_corpus_object_rel(sha);
    path = nsg_corpus_path_join(t->c->dir, rel);
    if (g_hash_table_contains(t->pending, path) || access(path, F_OK) == 0)
        goto out; /* content-addressed: already there, never rewritten */
    dir = g_path_get_dirname(path);
    tmp = g_strdup_printf("%s.tmp-%ld", path, (long)getpid());
    rc = nsg_corpus_mkdirs(dir, err);
    if (!rc)
        rc = nsg_corpus_write_plain(tmp, text, strlen(text), err);
    if (!rc) {
        g_hash_table_insert(t->pending, path, tmp);
        path = NULL;
        tmp = NULL;
    } else {
        unlink(tmp);
    }
out:
    g_free(tmp);
    g_free(dir);
    free(path);
    g_free(rel);
    free(text);
    cJSON_Delete(canon);
    return rc;
}

static cJSON *version_new(int64_t at, const char *sha)
{
    char iso[32];
    cJSON *v = cJSON_CreateObject();
    nsg_corpus_time_format(at, iso);
    cJSON_AddStringToObject(v, "captured_at", iso);
    cJSON_AddStringToObject(v, "object", sha);
    return v;
}

static int64_t version_time(const cJSON *v)
{
    int64_t t = 0;
    const cJSON *s = cJSON_GetObjectItemCaseSensitive(v, "captured_at");
    if (cJSON_IsString(s) && nsg_corpus_time_parse(s->valuestring, &t, NULL))
        t = 0;
    return t;
}

/* Insert (sha, at) into an ascending versions array; *changed = false when
 * the version in force at `at` (or the oldest, when all are later) already
 * has this content, since loading at any time then gives the same model. */
static void versions_add(cJSON *versions, int64_t at, const char *sha,
                         bool *changed)
{
    cJSON *v, *in_force = NULL, *after = NULL;
    cJSON_ArrayForEach(v, versions)
    {
        if (version_time(v) <= at) {
            in_force = v;
        } else {
            after = v;
            break;
        }
    }
    cJSON *cmp = in_force ? in_force : versions->child;
    const cJSON *o = cJSON_GetObjectItemCaseSensitive(cmp, "object");
    if (cmp && cJSON_IsString(o) && !strcmp(o->valuestring, sha)) {
        *changed = !in_force; /* the same content seen earlier than its
                                 first version: it was in force since */
        if (*changed) {
            char iso[32];
            nsg_corpus_time_format(at, iso);
            cJSON_ReplaceItemInObjectCaseSensitive(cmp, "captured_at",
                                                   cJSON_CreateString(iso));
        }
        return;
    }
    *changed = true;
    if (in_force && version_time(in_force) == at) { /* same instant: newer
                                                       import wins */
        cJSON_ReplaceItemInObjectCaseSensitive(in_force, "object",
                                               cJSON_CreateString(sha));
        return;
    }
    if (after) {
        int i = 0;
        for (cJSON *w = versions->child; w != after; w = w->next)
            i++;
        cJSON_InsertItemInArray(versions, i, version_new(at, sha));
    } else {
        cJSON_AddItemToArray(versions, version_new(at, sha));
    }
}

nsg_rc nsg_txn_add_resource(struct nsg_txn *txn, enum nsg_res_type type,
                            const cJSON *resource, int64_t captured_at,
                            bool *changed, struct nsg_err *err)
{
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(resource, "id");
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(resource, "name");
    cJSON *res = cJSON_GetObjectItemCaseSensitive(txn->manifest, "resources");
    char sha[65];
    nsg_rc rc;

    *changed = false;
    if (!cJSON_IsString(id) || !id->valuestring[0])
        return nsg_err_set(err, NSG_E_INPUT,
                           "corpus %s: a %s resource "
                           "without an id cannot be stored",
                           txn->c->dir, nsg_res_type_name(type));
    char *key = nsg_xstrdup_lower(id->valuestring);
    cJSON *e = g_hash_table_lookup(txn->res_index, key);
    const cJSON *et = cJSON_GetObjectItemCaseSensitive(e, "type");
    if (e && cJSON_IsString(et) &&
        strcmp(et->valuestring, nsg_res_type_name(type))) {
        rc = nsg_err_set(err, NSG_E_INPUT,
                         "%s: is a %s in the corpus but "
                         "a %s here",
                         id->valuestring, et->valuestring,
                         nsg_res_type_name(type));
        goto out;
    }
    rc = object_put(txn, resource, sha, err);
    if (rc)
        goto out;
    if (!e) {
        char *nm = cJSON_IsString(name) ? NULL : nsg_id_name(id->valuestring);
        e = cJSON_AddObjectToObject(res, key);
        g_hash_table_insert(txn->res_index, g_strdup(key), e);
        cJSON_AddStringToObject(e, "id", id->valuestring);
        cJSON_AddStringToObject(e, "type", nsg_res_type_name(type));
        cJSON_AddStringToObject(e, "name", nm ? nm : name->valuestring);
        cJSON *vs = cJSON_AddArrayToObject(e, "versions");
        cJSON_AddItemToArray(vs, version_new(captured_at, sha));
        free(nm);
        *changed = true;
    } else {
        versions_add(cJSON_GetObjectItemCaseSensitive(e, "versions"),
                     captured_at, sha, changed);
    }
out:
    free(key);
    return rc;
}

nsg_rc nsg_txn_add_service_tags(struct nsg_txn *txn, const cJSON *tags,
                                bool *changed, struct nsg_err *err)
{
    const cJSON *cur =
        cJSON_GetObjectItemCaseSensitive(txn->manifest, "service_tags");
    const cJSON *o = cJSON_GetObjectItemCaseSensitive(cur, "object");
    const cJSON *cn = cJSON_GetObjectItemCaseSensitive(tags, "changeNumber");
    const cJSON *cloud = cJSON_GetObjectItemCaseSensitive(tags, "cloud");
    char sha[65], iso[32];
    nsg_rc rc = object_put(txn, tags, sha, err);

    *changed = false;
    if (rc)
        return rc;
    if (cJSON_IsString(o) && !strcmp(o->valuestring, sha))
        return NSG_OK;
    *changed = true;
    cJSON *st = cJSON_CreateObject();
    now_iso(iso);
    cJSON_AddStringToObject(st, "object", sha);
    cJSON_AddStringToObject(st, "captured_at", iso);
    if (cJSON_IsNumber(cn))
        cJSON_AddNumberToObject(st, "change_number", cn->valuedouble);
    if (cJSON_IsString(cloud))
        cJSON_AddStringToObject(st, "cloud", cloud->valuestring);
    if (cur)
        cJSON_ReplaceItemInObjectCaseSensitive(txn->manifest, "service_tags",
                                               st);
    else
        cJSON_AddItemToObject(txn->manifest, "service_tags", st);
    return NSG_OK;
}

nsg_rc nsg_txn_add_source(struct nsg_txn *txn, const char *path,
                          const char *sha256, const cJSON *counts,
                          struct nsg_err *err)
{
    cJSON *srcs = cJSON_GetObjectItemCaseSensitive(txn->manifest, "sources");
    cJSON *s = cJSON_CreateObject();
    char iso[32];
    (void)err;
    now_iso(iso);
    cJSON_AddStringToObject(s, "path", path);
    cJSON_AddStringToObject(s, "sha256", sha256);
    cJSON_AddStringToObject(s, "imported_at", iso);
    cJSON_AddItemToObject(s, "counts",
                          counts ? cJSON_Duplicate(counts, true)
                                 : cJSON_CreateObject());
    cJSON_AddItemToArray(srcs, s);
    return NSG_OK;
}

bool nsg_txn_has_resource(const struct nsg_txn *txn, const char *id)
{
    char *key = nsg_xstrdup_lower(id);
    bool has = g_hash_table_contains(txn->res_index, key);
    free(key);
    return has;
}

nsg_rc nsg_txn_new_file(struct nsg_txn *txn, const char *dir,
                        const char *suffix, char **abs_path, char **rel_name,
                        struct nsg_err *err)
{
    struct nsg_corpus *c = txn->c;
    char *absdir = nsg_corpus_path(c, dir);
    nsg_rc rc = nsg_corpus_mkdirs(absdir, err);

    *abs_path = *rel_name = NULL;
    for (int tries = 0; !rc; tries++) {
        char *rel =
            g_strdup_printf("%s/g%06lld-%08x-%u%s", dir,
                            (long long)nsg_corpus_generation(c) + 1,
                            g_random_int(), ++txn->seq, suffix ? suffix : "");
        char *abs = nsg_corpus_path(c, rel);
        int fd = open(abs, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        if (fd >= 0) {
            close(fd);
            g_ptr_array_add(txn->new_files, nsg_xstrdup(abs));
            *abs_path = abs;
            *rel_name = nsg_xstrdup(rel);
            g_free(rel);
            break;
        }
        int e = errno;
        free(abs);
        g_free(rel);
        if (e != EEXIST || tries > 100)
            rc = nsg_err_set(err, NSG_E_IO, "%s: cannot create a file: %s",
                             absdir, strerror(e));
    }
    free(absdir);
    return rc;
}

cJSON *nsg_txn_section(struct nsg_txn *txn, const char *name)
{
    cJSON *secs = cJSON_GetObjectItemCaseSensitive(txn->manifest, "sections");
    cJSON *s = cJSON_GetObjectItemCaseSensitive(secs, name);
    if (!s)
        s = cJSON_AddObjectToObject(secs, name);
    return s;
}

nsg_rc nsg_txn_load(struct nsg_txn *txn, int64_t at, struct nsg_topology **out,
                    struct nsg_err *err)
{
    return nsg_corpus_model_from_manifest(txn->c, txn->manifest, at, out, err);
}

/* Free the transaction; with undo, delete the files it created. */
static void txn_end(struct nsg_txn *t, bool undo)
{
    GHashTableIter it;
    gpointer tmp;
    g_hash_table_iter_init(&it, t->pending);
    while (g_hash_table_iter_next(&it, NULL, &tmp))
        unlink(tmp); /* fails harmlessly once renamed */
    for (guint i = 0; undo && i < t->new_files->len; i++)
        unlink(t->new_files->pdata[i]);
    cJSON_Delete(t->manifest);
    g_hash_table_destroy(t->res_index);
    g_hash_table_destroy(t->pending);
    g_ptr_array_free(t->new_files, TRUE);
    if (t->lock_fd >= 0)
        close(t->lock_fd); /* releases the flock */
    t->c->txn = NULL;
    free(t);
}

void nsg_corpus_rollback(struct nsg_txn *txn)
{
    if (txn)
        txn_end(txn, true);
}

/* Sort the resources object by key so the manifest is deterministic. */
static void sort_resources(cJSON *m)
{
    cJSON *r = cJSON_GetObjectItemCaseSensitive(m, "resources");
    cJSON *sorted =
        nsg_corpus_json_canonical(r); /* sorts nested objects too: fine */
    if (sorted)
        cJSON_ReplaceItemInObjectCaseSensitive(m, "resources", sorted);
}

nsg_rc nsg_corpus_commit(struct nsg_txn **txnp, struct nsg_err *err)
{
    struct nsg_txn *t = *txnp;
    struct nsg_corpus *c = t->c;
    char iso[32];
    nsg_rc rc = NSG_OK;
    GHashTableIter it;
    gpointer final, tmp;

    *txnp = NULL;
    if (cJSON_Compare(t->manifest, c->manifest, true)) {
        txn_end(t, true); /* nothing changed: the manifest stays as is */
        return NSG_OK;
    }
    /* A corpus written by an older nsgproof is brought to the current
     * format by its next write. */
    rc = nsg_fstore_upgrade(t, err);
    if (rc) {
        txn_end(t, true);
        return rc;
    }
    /* 1. everything written so far reaches the disk; 2. objects get their
     * final names; 3. those renames reach the disk.  Only then may the
     * manifest name them. */
    bool objects = g_hash_table_size(t->pending) > 0;
    if (objects || t->new_files->len)
        rc = nsg_corpus_sync_fs(c->dir, err);
    g_hash_table_iter_init(&it, t->pending);
    while (!rc && g_hash_table_iter_next(&it, &final, &tmp))
        if (rename(tmp, final))
            rc = nsg_err_set(err, NSG_E_IO, "%s: rename failed: %s",
                             (char *) final, strerror(errno));
    if (!rc && objects)
        rc = nsg_corpus_sync_fs(c->dir, err);
    if (rc) {
        txn_end(t, true);
        return rc;
    }
    sort_resources(t->manifest);
    now_iso(iso);
    cJSON_ReplaceItemInObjectCaseSensitive(
        t->manifest, "generation",
        cJSON_CreateNumber((double)(nsg_corpus_generation(c) + 1)));
    cJSON_ReplaceItemInObjectCaseSensitive(t->manifest, "updated_at",
                                           cJSON_CreateString(iso));
    char *path = nsg_corpus_path_join(c->dir, MANIFEST);
    char *text = cJSON_Print(t->manifest);
    size_t len = text ? strlen(text) : 0;
    if (text) {
        text = nsg_xrealloc(text, len + 2);
        text[len++] = '\n';
        text[len] = '\0';
        rc = nsg_corpus_write_atomic(path, text, len, err);
    } else {
        rc = nsg_err_set(err, NSG_E_NOMEM, "%s: cannot serialize", path);
    }
    free(text);
    free(path);
    if (rc) { /* the rename did not happen: the old manifest stands */
        txn_end(t, true);
        return rc;
    }
    /* Published.  A failed directory fsync is reported, but the files stay:
     * the new manifest refers to them. */
    rc = nsg_corpus_fsync_path(c->dir, true, err);
    nsg_corpus_set_manifest(c, t->manifest);
    t->manifest = NULL;
    txn_end(t, false);
    return rc;
}

/* A mark is a copy of the transaction's manifest: files written after it
 * become orphans when it is restored, which is harmless. */
struct nsg_txn_mark {
    cJSON *manifest;
};

struct nsg_txn_mark *nsg_txn_mark(const struct nsg_txn *txn)
{
    struct nsg_txn_mark *m = nsg_xmalloc(sizeof(*m));
    m->manifest = cJSON_Duplicate(txn->manifest, true);
    return m;
}

void nsg_txn_restore(struct nsg_txn *txn, struct nsg_txn_mark *mark)
{
    cJSON_Delete(txn->manifest);
    txn->manifest = mark->manifest;
    free(mark);
    nsg_corpus_index_resources(txn->manifest, txn->res_index);
}

void nsg_txn_mark_free(struct nsg_txn_mark *mark)
{
    if (!mark)
        return;
    cJSON_Delete(mark->manifest);
    free(mark);
}
