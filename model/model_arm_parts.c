/* model_arm_parts.c - small pieces the resource parsers share: walking an
 * array of sub-resources with its JSON path, growing an array by one
 * zeroed element, and an IP-address field. */
#include <string.h>

#include "model_int.h"

nsg_rc nsg_model_each(const cJSON *p, const char *pw, const char *key,
                      nsg_model_el_fn fn, void *ctx, struct nsg_err *err)
{
    const cJSON *arr, *el;
    char path[NSG_JPATH_MAX], ew[NSG_JPATH_MAX];
    size_t i = 0;
    nsg_rc rc = nsg_model_json_arr(p, key, pw, false, &arr, err);
    if (rc || !arr)
        return rc;
    nsg_model_jpath_key(path, pw, key);
    cJSON_ArrayForEach(el, arr)
    {
        nsg_model_jpath_idx(ew, path, i++);
        if ((rc = fn(el, ew, ctx, err)))
            return rc;
    }
    return NSG_OK;
}

void *nsg_model_grow(void *v, size_t *n, size_t size)
{
    v = nsg_xrealloc(v, (*n + 1) * size);
    memset((char *)v + *n * size, 0, size);
    (*n)++;
    return v;
}

nsg_rc nsg_model_ip_field(const cJSON *p, const char *pw, const char *key,
                          bool *has, struct nsg_ip *ip, struct nsg_err *err)
{
    const char *s;
    char path[NSG_JPATH_MAX];
    nsg_rc rc = nsg_model_json_str(p, key, pw, false, &s, err);
    *has = false;
    if (rc || !s || !*s)
        return rc;
    nsg_model_jpath_key(path, pw, key);
    if (nsg_ip_parse(s, ip))
        return nsg_model_json_fail(err, path,
                                   "\"%s\" is not an IPv4 or IPv6 address", s);
    *has = true;
    return NSG_OK;
}
