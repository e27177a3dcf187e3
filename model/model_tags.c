/* model_tags.c - Service Tags documents (ServiceTags_Public_*.json and the
 * Service Tag Discovery API): one nsg_service_tag per entry of "values". */
#include <stdlib.h>
#include <string.h>

#include "model_int.h"

/* Parse one tag's prefixes.  The ranges are collected unsorted and merged
 * by a single nsg_addrset_union: adding them one by one would sort the set
 * after every prefix, quadratic on AzureCloud's thousands of prefixes. */
static nsg_rc tag_prefixes(const cJSON *arr, const char *where,
                           struct nsg_addrset *set, struct nsg_err *err)
{
    size_t n = (size_t)cJSON_GetArraySize(arr), i = 0;
    struct nsg_addrset tmp = NSG_ADDRSET_INIT;
    char pi[NSG_JPATH_MAX];
    const cJSON *el;
    nsg_rc rc = NSG_OK;

    tmp.r = nsg_xmalloc((n ? n : 1) * sizeof(*tmp.r));
    tmp.cap = n ? n : 1;
    cJSON_ArrayForEach(el, arr)
    {
        struct nsg_cidr c;
        if (!cJSON_IsString(el) || nsg_cidr_parse(el->valuestring, &c)) {
            nsg_model_jpath_idx(pi, where, i);
            rc = cJSON_IsString(el)
                     ? nsg_model_cidr(el->valuestring, pi, &c, err)
                     : nsg_model_json_fail(err, pi, "expected a string, got %s",
                                           nsg_model_json_kind(el));
            if (rc)
                break;
        }
        tmp.r[tmp.n++] =
            (struct nsg_range){c.family, nsg_cidr_lo(&c), nsg_cidr_hi(&c)};
        i++;
    }
    if (!rc)
        nsg_addrset_union(set, &tmp);
    nsg_addrset_release(&tmp);
    return rc;
}

static nsg_rc one_tag(const cJSON *v, const char *where,
                      struct nsg_service_tag **out, struct nsg_err *err)
{
    const char *name;
    const cJSON *p, *arr;
    char pw[NSG_JPATH_MAX], aw[NSG_JPATH_MAX];
    nsg_rc rc;

    *out = NULL;
    if (!cJSON_IsObject(v))
        return nsg_model_json_fail(err, where, "expected an object, got %s",
                                   nsg_model_json_kind(v));
    if ((rc = nsg_model_json_str(v, "name", where, true, &name, err)) ||
        (rc = nsg_model_json_obj(v, "properties", where, true, &p, err)))
        return rc;
    if (!*name)
        return nsg_model_json_fail(err, where, "empty tag name");
    nsg_model_jpath_key(pw, where, "properties");
    if ((rc = nsg_model_json_arr(p, "addressPrefixes", pw, false, &arr, err)))
        return rc;
    struct nsg_service_tag *tag = nsg_xcalloc(1, sizeof(*tag));
    tag->name = nsg_xstrdup(name);
    if (arr) {
        nsg_model_jpath_key(aw, pw, "addressPrefixes");
        rc = tag_prefixes(arr, aw, &tag->set, err);
    }
    if (rc)
        nsg_service_tag_free(tag);
    else
        *out = tag;
    return rc;
}

nsg_rc nsg_model_add_service_tags(struct nsg_topology *t, const cJSON *json,
                                  const char *where, struct nsg_err *err)
{
    const cJSON *values, *v;
    GPtrArray *tags = g_ptr_array_new();
    char vw[NSG_JPATH_MAX], ew[NSG_JPATH_MAX];
    size_t i = 0;
    nsg_rc rc;

    if (!cJSON_IsObject(json)) {
        rc = nsg_model_json_fail(err, where,
                                 "expected a Service Tags object, got %s",
                                 nsg_model_json_kind(json));
        goto out;
    }
    if ((rc = nsg_model_json_arr(json, "values", where, true, &values, err)))
        goto out;
    nsg_model_jpath_key(vw, where, "values");
    /* parse everything first: on error t is unchanged */
    cJSON_ArrayForEach(v, values)
    {
        struct nsg_service_tag *tag;
        nsg_model_jpath_idx(ew, vw, i++);
        if ((rc = one_tag(v, ew, &tag, err)))
            goto out;
        g_ptr_array_add(tags, tag);
    }
    for (guint k = 0; k < tags->len; k++)
        nsg_topo_add_tag(t, tags->pdata[k]);
    g_ptr_array_set_size(tags, 0);
out:
    for (guint k = 0; k < tags->len; k++)
        nsg_service_tag_free(tags->pdata[k]);
    g_ptr_array_free(tags, TRUE);
    return rc;
}
