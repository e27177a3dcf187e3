/* corpus_obj.c - the content-addressed objects of a corpus:
 * objects/ab/<sha256>.json holds one normalized JSON document written
 * compact with object keys sorted, so equal content has one name.  Objects
 * are read through a per-corpus cache of parsed cJSON trees. */
#include <stdlib.h>
#include <string.h>

#include "corpus_int.h"

static int key_cmp(const void *a, const void *b)
{
    const cJSON *x = *(const cJSON *const *)a, *y = *(const cJSON *const *)b;
    return strcmp(x->string, y->string);
}

/* Sort the children of an object in place by key (stable order). */
static void sort_object(cJSON *o)
{
    size_t n = (size_t)cJSON_GetArraySize(o);
    if (n < 2)
        return;
    cJSON **v = nsg_xmalloc(n * sizeof(*v));
    size_t i = 0;
    for (cJSON *c = o->child; c; c = c->next)
        v[i++] = c;
    qsort(v, n, sizeof(*v), key_cmp);
    for (i = 0; i < n; i++) {
        v[i]->prev = i ? v[i - 1] : v[n - 1]; /* cJSON: head->prev = tail */
        v[i]->next = i + 1 < n ? v[i + 1] : NULL;
    }
    o->child = v[0];
    free(v);
}

static void canon(cJSON *j)
{
    for (cJSON *c = j->child; c; c = c->next)
        canon(c);
    if (cJSON_IsObject(j))
        sort_object(j);
}

cJSON *nsg_corpus_json_canonical(const cJSON *j)
{
    cJSON *d = cJSON_Duplicate(j, true);
    if (d)
        canon(d);
    return d;
}

char *nsg_corpus_object_rel(const char *sha)
{
    return g_strdup_printf(OBJECTS_DIR "/%.2s/%s.json", sha, sha);
}

nsg_rc nsg_corpus_object_get(struct nsg_corpus *c, const char *sha,
                             const char *what, const cJSON **out,
                             struct nsg_err *err)
{
    cJSON *j = g_hash_table_lookup(c->objects, sha);
    struct nsg_buf b = NSG_BUF_INIT;
    char *rel, *path;
    char got[65];
    nsg_rc rc;

    if (j) {
        *out = j;
        return NSG_OK;
    }
    rel = nsg_corpus_object_rel(sha);
    path = nsg_corpus_path_join(c->dir, rel);
    /* An object of the open transaction is still at its temporary name. */
    const char *tmp =
        c->txn ? g_hash_table_lookup(c->txn->pending, path) : NULL;
    rc = nsg_buf_read_file(&b, tmp ? tmp : path, 0, err);
    if (rc) {
        nsg_err_prefix(err, "corpus %s: object %s (%s) is missing", c->dir, rel,
                       what);
        if (err)
            err->code = NSG_E_INPUT;
        rc = NSG_E_INPUT;
        goto out;
    }
    nsg_sha256_hex(b.buf ? b.buf : "", b.len, got);
    if (strcmp(got, sha)) {
        rc = nsg_err_set(err, NSG_E_INPUT,
                         "corpus %s: object %s (%s) is "
                         "corrupt: its content hashes to %s",
                         c->dir, rel, what, got);
        goto out;
    }
    j = cJSON_ParseWithLength(b.buf, b.len);
    if (!j) {
        rc = nsg_err_set(err, NSG_E_INPUT,
                         "corpus %s: object %s (%s) is "
                         "corrupt: not valid JSON",
                         c->dir, rel, what);
        goto out;
    }
    g_hash_table_insert(c->objects, g_strdup(sha), j);
    *out = j;
out:
    nsg_buf_release(&b);
    free(path);
    g_free(rel);
    return rc;
}

nsg_rc nsg_corpus_object(struct nsg_corpus *c, const char *sha,
                         const cJSON **out, struct nsg_err *err)
{
    return nsg_corpus_object_get(c, sha, "stored object", out, err);
}
