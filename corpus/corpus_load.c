/* corpus_load.c - building the network model from a corpus: for each
 * resource the version in force at a given time, the service tags, then
 * cross-linking; also the version history of one resource and the parsing
 * of one stored version.  Stored objects are decoded by the model's ARM
 * decoder (model/model_arm.h). */
#include <stdlib.h>
#include <string.h>

#include "../model/model_arm.h"
#include "corpus_int.h"

struct pick {
    int64_t at;
    enum nsg_res_type type;
    const char *key, *id, *sha;
};

static int type_from_name(const char *s, enum nsg_res_type *out)
{
    for (int i = 0; i < NSG_RES_TYPE_COUNT; i++)
        if (!strcmp(s, nsg_res_type_name((enum nsg_res_type)i))) {
            *out = (enum nsg_res_type)i;
            return 0;
        }
    return -1;
}

static int64_t entry_time(const cJSON *v)
{
    int64_t t = 0;
    const cJSON *s = cJSON_GetObjectItemCaseSensitive(v, "captured_at");
    if (!cJSON_IsString(s) || nsg_corpus_time_parse(s->valuestring, &t, NULL))
        return 0;
    return t;
}

/* Older versions first, so that a newer record of the same resource (a
 * subnet listed on its own and inside its virtual network) wins. */
static int pick_cmp(const void *a, const void *b)
{
    const struct pick *x = a, *y = b;
    if (x->at != y->at)
        return x->at < y->at ? -1 : 1;
    if (x->type != y->type)
        return x->type < y->type ? -1 : 1;
    return strcmp(x->key, y->key);
}

/* Decode the object of p into t, or alone into *one when t is NULL. */
static nsg_rc add_one(struct nsg_corpus *c, struct nsg_topology *t,
                      const struct pick *p, struct nsg_res_ref *one,
                      struct nsg_err *err)
{
    const cJSON *j;
    nsg_rc rc = nsg_corpus_object_get(c, p->sha, p->id, &j, err);
    if (rc)
        return rc;
    char *rel = nsg_corpus_object_rel(p->sha);
    char *where = g_strdup_printf("corpus %s: %s (%s)", c->dir, rel, p->id);
    rc = t ? nsg_model_add_resource(t, p->type, j, p->at, where, err)
           : nsg_model_parse_resource(p->type, j, p->at, where, one, err);
    g_free(where);
    g_free(rel);
    return rc;
}

static nsg_rc add_tags(struct nsg_corpus *c, const cJSON *m,
                       struct nsg_topology *t, struct nsg_err *err)
{
    const cJSON *st = cJSON_GetObjectItemCaseSensitive(m, "service_tags");
    const cJSON *o = cJSON_GetObjectItemCaseSensitive(st, "object");
    const cJSON *j;
    if (!cJSON_IsString(o))
        return NSG_OK;
    nsg_rc rc =
        nsg_corpus_object_get(c, o->valuestring, "service tags", &j, err);
    if (rc)
        return rc;
    char *rel = nsg_corpus_object_rel(o->valuestring);
    char *where = g_strdup_printf("corpus %s: %s (service tags)", c->dir, rel);
    rc = nsg_model_add_service_tags(t, j, where, err);
    g_free(where);
    g_free(rel);
    return rc;
}

nsg_rc nsg_corpus_model_from_manifest(struct nsg_corpus *c, const cJSON *m,
                                      int64_t at, struct nsg_topology **out,
                                      struct nsg_err *err)
{
    const cJSON *res = cJSON_GetObjectItemCaseSensitive(m, "resources");
    size_t n = 0, cap = (size_t)cJSON_GetArraySize(res);
    struct pick *p = nsg_xcalloc(cap ? cap : 1, sizeof(*p));
    struct nsg_topology *t = NULL;
    const cJSON *r;
    nsg_rc rc = NSG_OK;

    *out = NULL;
    cJSON_ArrayForEach(r, res)
    {
        const cJSON *ty = cJSON_GetObjectItemCaseSensitive(r, "type");
        const cJSON *id = cJSON_GetObjectItemCaseSensitive(r, "id");
        const cJSON *vs = cJSON_GetObjectItemCaseSensitive(r, "versions");
        const cJSON *v, *chosen = vs ? vs->child : NULL;
        struct pick *q = &p[n];
        if (!cJSON_IsString(ty) || type_from_name(ty->valuestring, &q->type)) {
            rc = nsg_err_set(err, NSG_E_INPUT,
                             "corpus %s: manifest.json: "
                             "$.resources[\"%s\"].type: unknown type",
                             c->dir, r->string);
            goto out;
        }
        cJSON_ArrayForEach(v, vs) /* ascending: keep the last <= at */
            if (entry_time(v) <= at) chosen = v;
        if (!chosen)
            continue;
        q->at = entry_time(chosen);
        q->key = r->string;
        q->id = cJSON_IsString(id) ? id->valuestring : r->string;
        q->sha =
            cJSON_GetObjectItemCaseSensitive(chosen, "object")->valuestring;
        n++;
    }
    qsort(p, n, sizeof(*p), pick_cmp);
    t = nsg_topo_new();
    for (size_t i = 0; !rc && i < n; i++)
        rc = add_one(c, t, &p[i], NULL, err);
    if (!rc)
        rc = add_tags(c, m, t, err);
    if (rc)
        goto out;
    nsg_topo_link(t);
    *out = t;
    t = NULL;
out:
    if (rc && err && err->code != NSG_E_NOMEM)
        err->code = rc = NSG_E_INPUT; /* a bad corpus is bad input */
    nsg_topo_free(t);
    free(p);
    return rc;
}

nsg_rc nsg_corpus_load(struct nsg_corpus *c, int64_t at,
                       struct nsg_topology **out, struct nsg_err *err)
{
    return nsg_corpus_model_from_manifest(c, c->manifest, at, out, err);
}

nsg_rc nsg_corpus_history(struct nsg_corpus *c, const char *id,
                          struct nsg_version **out, size_t *n,
                          struct nsg_err *err)
{
    char *key = nsg_xstrdup_lower(id);
    const cJSON *e = g_hash_table_lookup(c->resources, key);
    const cJSON *vs = cJSON_GetObjectItemCaseSensitive(e, "versions");
    const cJSON *v;
    free(key);
    *out = NULL;
    *n = 0;
    if (!e)
        return nsg_err_set(err, NSG_E_NOTFOUND,
                           "corpus %s: %s is not in "
                           "the corpus",
                           c->dir, id);
    *out = nsg_xcalloc((size_t)cJSON_GetArraySize(vs) + 1, sizeof(**out));
    cJSON_ArrayForEach(v, vs)
    {
        const cJSON *o = cJSON_GetObjectItemCaseSensitive(v, "object");
        (*out)[*n].captured_at = entry_time(v);
        g_strlcpy((*out)[*n].object, o->valuestring, sizeof((*out)->object));
        (*n)++;
    }
    return NSG_OK;
}

/* The resource entry and version that store object sha. */
static bool find_object(const cJSON *m, const char *sha, const cJSON **entry,
                        const cJSON **version)
{
    const cJSON *r, *v;
    cJSON_ArrayForEach(r, cJSON_GetObjectItemCaseSensitive(m, "resources"))
    {
        cJSON_ArrayForEach(v, cJSON_GetObjectItemCaseSensitive(r, "versions"))
        {
            const cJSON *o = cJSON_GetObjectItemCaseSensitive(v, "object");
            if (!strcmp(o->valuestring, sha)) {
                *entry = r;
                *version = v;
                return true;
            }
        }
    }
    return false;
}

nsg_rc nsg_corpus_load_version(struct nsg_corpus *c, const char *object,
                               struct nsg_res_ref *out, struct nsg_err *err)
{
    const cJSON *e, *v, *ty, *id;
    struct pick p;

    out->ptr = NULL;
    if (!find_object(c->manifest, object, &e, &v))
        return nsg_err_set(err, NSG_E_NOTFOUND,
                           "corpus %s: no resource "
                           "version has object %s",
                           c->dir, object);
    ty = cJSON_GetObjectItemCaseSensitive(e, "type");
    id = cJSON_GetObjectItemCaseSensitive(e, "id");
    if (!cJSON_IsString(ty) || type_from_name(ty->valuestring, &p.type))
        return nsg_err_set(err, NSG_E_INPUT,
                           "corpus %s: manifest.json: "
                           "$.resources[\"%s\"].type: unknown type",
                           c->dir, e->string);
    p.at = entry_time(v);
    p.key = e->string;
    p.id = cJSON_IsString(id) ? id->valuestring : e->string;
    p.sha = object;
    return add_one(c, NULL, &p, out, err);
}
