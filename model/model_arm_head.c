/* model_arm_head.c - the pieces every resource parser shares: the head of
 * a resource (id, name, properties), optional strings, and CIDR fields with
 * messages that say what is wrong with a prefix. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "model_int.h"

char *nsg_model_opt_str(const cJSON *o, const char *key)
{
    const cJSON *j = nsg_model_json_field(o, key);
    return cJSON_IsString(j) && *j->valuestring ? nsg_xstrdup(j->valuestring)
                                                : NULL;
}

nsg_rc nsg_model_sku(const cJSON *json, const char *where, char **out,
                     struct nsg_err *err)
{
    const cJSON *sku = nsg_model_json_field(json, "sku");
    const cJSON *props = nsg_model_json_field(json, "properties");
    char path[NSG_JPATH_MAX];
    const char *name;
    nsg_rc rc;

    *out = NULL;
    nsg_model_jpath_key(path, where, "sku");
    if (!sku && cJSON_IsObject(props)) {
        sku = nsg_model_json_field(props, "sku");
        nsg_model_jpath_printf(path, "%s.properties.sku", where);
    }
    if (!sku)
        return NSG_OK;
    if (cJSON_IsString(sku)) { /* az table output and some templates */
        *out = *sku->valuestring ? nsg_xstrdup(sku->valuestring) : NULL;
        return NSG_OK;
    }
    if (!cJSON_IsObject(sku))
        return nsg_model_json_fail(err, path, "expected an object, got %s",
                                   nsg_model_json_kind(sku));
    if ((rc = nsg_model_json_str(sku, "name", path, false, &name, err)))
        return rc;
    *out = name && *name ? nsg_xstrdup(name) : NULL;
    return NSG_OK;
}

nsg_rc nsg_model_props(const cJSON *json, const char *where,
                       const cJSON **props, char props_where[NSG_JPATH_MAX],
                       struct nsg_err *err)
{
    const cJSON *p = cJSON_GetObjectItem(json, "properties");
    char path[NSG_JPATH_MAX];
    if (p && !cJSON_IsNull(p)) {
        if (!cJSON_IsObject(p)) {
            nsg_model_jpath_key(path, where, "properties");
            return nsg_model_json_fail(err, path, "expected an object, got %s",
                                       nsg_model_json_kind(p));
        }
        *props = p;
        nsg_model_jpath_key(props_where, where, "properties");
    } else {
        *props = json; /* az's flattened shape */
        nsg_model_jpath_printf(props_where, "%s", where);
    }
    return NSG_OK;
}

nsg_rc nsg_model_direction(const cJSON *p, const char *pw, enum nsg_dir *dir,
                           struct nsg_err *err)
{
    const char *s;
    char path[NSG_JPATH_MAX];
    nsg_rc rc;
    if ((rc = nsg_model_json_str(p, "direction", pw, true, &s, err)))
        return rc;
    nsg_model_jpath_key(path, pw, "direction");
    if (!strcasecmp(s, "Inbound"))
        *dir = NSG_DIR_IN;
    else if (!strcasecmp(s, "Outbound"))
        *dir = NSG_DIR_OUT;
    else
        return nsg_model_json_fail(
            err, path, "direction \"%s\" is not Inbound or Outbound", s);
    return NSG_OK;
}

nsg_rc nsg_model_head(const cJSON *json, const char *where, char **id,
                      char **name, const cJSON **props,
                      char props_where[NSG_JPATH_MAX], struct nsg_err *err)
{
    const char *sid, *sname;
    char path[NSG_JPATH_MAX];
    nsg_rc rc;

    *id = *name = NULL;
    *props = NULL;
    if (!cJSON_IsObject(json))
        return nsg_model_json_fail(err, where, "expected an object, got %s",
                                   nsg_model_json_kind(json));
    if ((rc = nsg_model_json_str(json, "id", where, false, &sid, err)) ||
        (rc = nsg_model_json_str(json, "name", where, false, &sname, err)))
        return rc;
    if (sid && *sid) {
        nsg_model_jpath_key(path, where, "id");
        if ((rc = nsg_model_json_check_id(sid, path, err)))
            return rc;
    } else {
        sid = NULL;
    }
    if ((!sname || !*sname) && !sid)
        return nsg_model_json_fail(
            err, where, "missing required field \"name\" (and no \"id\")");
    if ((rc = nsg_model_props(json, where, props, props_where, err)))
        return rc;
    *id = nsg_xstrdup(sid);
    *name = sname && *sname ? nsg_xstrdup(sname) : nsg_id_name(sid);
    return NSG_OK;
}

nsg_rc nsg_model_cidr(const char *s, const char *where, struct nsg_cidr *out,
                      struct nsg_err *err)
{
    const char *slash = strchr(s, '/');
    size_t alen = slash ? (size_t)(slash - s) : strlen(s);
    char addr[NSG_CIDR_STRLEN];
    struct nsg_ip ip;

    if (!nsg_cidr_parse(s, out))
        return NSG_OK;
    if (alen == 0 || alen >= sizeof(addr) ||
        (memcpy(addr, s, alen), addr[alen] = 0, nsg_ip_parse(addr, &ip)))
        return nsg_model_json_fail(
            err, where,
            "\"%s\" is not a valid CIDR or IP address: bad %s "
            "address \"%.*s\"",
            s, strchr(s, ':') ? "IPv6" : "IPv4", (int)(alen < 64 ? alen : 64),
            s);
    if (!slash) /* cannot happen: an address alone is a /32 or /128 */
        return nsg_model_json_fail(err, where, "\"%s\" is not a valid address",
                                   s);
    if (!slash[1])
        return nsg_model_json_fail(
            err, where,
            "\"%s\" is not a valid CIDR: missing prefix length "
            "after '/'",
            s);
    if (strspn(slash + 1, "0123456789") != strlen(slash + 1))
        return nsg_model_json_fail(
            err, where,
            "\"%s\" is not a valid CIDR: prefix length \"%s\" "
            "is not a number",
            s, slash + 1);
    return nsg_model_json_fail(
        err, where,
        "\"%s\" is not a valid CIDR: prefix length \"%s\" is "
        "out of range (0-%d)",
        s, slash + 1, ip.family == 4 ? 32 : 128);
}

nsg_rc nsg_model_cidrs(const cJSON *obj, const char *key, const char *where,
                       struct nsg_cidr **v, size_t *n, struct nsg_err *err)
{
    const cJSON *arr;
    char p[NSG_JPATH_MAX], pi[NSG_JPATH_MAX];
    nsg_rc rc = nsg_model_json_arr(obj, key, where, false, &arr, err);

    if (rc || !arr)
        return rc;
    nsg_model_jpath_key(p, where, key);
    for (size_t i = 0; i < (size_t)cJSON_GetArraySize(arr); i++) {
        const char *s;
        struct nsg_cidr c;
        rc = nsg_model_json_arr_str(arr, i, p, &s, err);
        if (rc)
            return rc;
        nsg_model_jpath_idx(pi, p, i);
        rc = nsg_model_cidr(s, pi, &c, err);
        if (rc)
            return rc;
        *v = nsg_xrealloc(*v, (*n + 1) * sizeof(**v));
        (*v)[(*n)++] = c;
    }
    return NSG_OK;
}
