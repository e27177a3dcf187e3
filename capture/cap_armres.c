/* cap_armres.c - single ARM resources read and written through capture's
 * client: GET by id, and PUT with If-Match (optimistic concurrency: ARM
 * answers 412 when the etag moved) followed by the long-running
 * operation's polling (cap_armreq.c).  Used by enforce --apply. */
#include <stdlib.h>
#include <string.h>

#include "cap_int.h"

struct nsg_cap_arm_session {
    struct cap_http *http;
    struct cap_conn *conn;
    struct cap_cred *cred;
    struct cap_arm *arm;
};

nsg_rc nsg_cap_arm_open(const struct nsg_cap_common *common,
                        const char *arm_endpoint,
                        struct nsg_cap_arm_session **out, struct nsg_err *err)
{
    struct nsg_cap_arm_session *s;
    nsg_rc rc = NSG_OK;
    *out = NULL;
    if (arm_endpoint)
        rc = cap_url_check(arm_endpoint, "--arm-endpoint", err);
    if (!rc && common->login_endpoint)
        rc = cap_url_check(common->login_endpoint, "--login-endpoint", err);
    if (rc)
        return rc;
    s = nsg_xcalloc(1, sizeof(*s));
    rc = cap_http_for(common, &s->http, err);
    if (!rc) {
        s->conn = cap_conn_new(s->http);
        rc = cap_cred_from_env(common->login_endpoint, &s->cred, err);
    }
    if (!rc)
        rc = cap_arm_new(arm_endpoint, s->cred, s->conn, &s->arm, err);
    if (rc) {
        nsg_cap_arm_close(s);
        return rc;
    }
    *out = s;
    return NSG_OK;
}

void nsg_cap_arm_close(struct nsg_cap_arm_session *s)
{
    if (!s)
        return;
    cap_arm_free(s->arm);
    cap_cred_free(s->cred);
    cap_conn_free(s->conn);
    cap_http_free(s->http);
    free(s);
}

void nsg_cap_arm_describe(struct nsg_cap_arm_session *s, cJSON *report)
{
    cJSON_AddStringToObject(report, "arm_endpoint", cap_arm_endpoint(s->arm));
    cJSON_AddStringToObject(report, "credential",
                            cap_cred_kind_name(cap_cred_kind(s->cred)));
}

void nsg_cap_arm_http_report(struct nsg_cap_arm_session *s, cJSON *report)
{
    cJSON_DeleteItemFromObjectCaseSensitive(report, "http");
    cap_http_report(s->http, report);
}

/* "/subscriptions/.../x?api-version=V" for an ARM id (g_free); NULL when
 * the id is not one (must start with '/', no query, no "..").  */
static char *resource_path(const char *id, const char *api)
{
    if (!id || id[0] != '/' || strpbrk(id, "?#\\") || strstr(id, "/../") ||
        strstr(id, "/./"))
        return NULL;
    for (const char *p = id; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            return NULL;
    char *e = cap_url_escape(id, true);
    char *out = g_strdup_printf("%s?api-version=%s", e, api);
    g_free(e);
    return out;
}

static nsg_rc bad_id(const char *id, struct nsg_err *err)
{
    return cap_err(err, NSG_E_INPUT, "'%s' is not an ARM resource id",
                   id ? id : "");
}

nsg_rc nsg_cap_arm_get(struct nsg_cap_arm_session *s, const char *id,
                       const char *api_version, cJSON **out,
                       struct nsg_err *err)
{
    struct cap_arm_result r;
    char *path = resource_path(id, api_version);
    nsg_rc rc;
    *out = NULL;
    if (!path)
        return bad_id(id, err);
    rc = cap_arm_send(s->arm, "GET", path, NULL, NULL, &r, err);
    if (!rc && r.status == 404)
        rc = cap_err(err, NSG_E_NOTFOUND, "GET %s: %s: not found in Azure", id,
                     r.error);
    else if (!rc && (r.status < 200 || r.status >= 300))
        rc = cap_arm_failure(s->arm, "GET", path, r.status, r.error, r.retries,
                             err);
    if (!rc) {
        *out = cJSON_ParseWithLength(r.body, r.len);
        if (!cJSON_IsObject(*out)) {
            cJSON_Delete(*out);
            *out = NULL;
            rc = cap_err(err, NSG_E_INPUT, "GET %s: the answer is not a JSON "
                                           "object",
                         id);
        }
    }
    cap_arm_result_release(&r);
    g_free(path);
    return rc;
}

void nsg_cap_put_release(struct nsg_cap_put *p)
{
    g_free(p->operation);
    g_free(p->error);
    cJSON_Delete(p->result);
    memset(p, 0, sizeof(*p));
}

/* An etag goes into a header: printable characters only. */
static bool header_safe(const char *v)
{
    if (!v || !*v || strlen(v) > 256)
        return false;
    for (; *v; v++)
        if ((unsigned char)*v < 0x20 || *v == 0x7f)
            return false;
    return true;
}

nsg_rc nsg_cap_arm_put(struct nsg_cap_arm_session *s, const char *id,
                       const char *api_version, const cJSON *body,
                       const char *if_match, struct nsg_cap_put *out,
                       struct nsg_err *err)
{
    struct cap_arm_result r;
    char *path = resource_path(id, api_version), *text, *hdr;
    const char *hdrs[2] = {NULL, NULL};
    nsg_rc rc;
    memset(out, 0, sizeof(*out));
    if (!path)
        return bad_id(id, err);
    if (!header_safe(if_match)) {
        g_free(path);
        return cap_err(err, NSG_E_INPUT, "PUT %s: no usable etag for If-Match",
                       id);
    }
    hdr = g_strdup_printf("If-Match: %s", if_match);
    hdrs[0] = hdr;
    text = cJSON_PrintUnformatted(body);
    rc = cap_arm_send(s->arm, "PUT", path, text, hdrs, &r, err);
    if (!rc && (r.first_status == 401 || r.first_status == 403))
        rc = cap_arm_failure(s->arm, "PUT", path, r.status, r.error, r.retries,
                             err);
    if (!rc) {
        out->status = r.first_status;
        out->operation = r.operation;
        r.operation = NULL;
        out->polls = r.polls;
        out->retries = r.retries;
        out->error = r.error;
        r.error = NULL;
        if (r.first_status == 412)
            out->outcome = NSG_CAP_PUT_CONFLICT;
        else if (r.status < 200 || r.status >= 300 ||
                 (out->operation && strcmp(out->operation, "Succeeded")))
            out->outcome = NSG_CAP_PUT_FAILED;
        else
            out->outcome = NSG_CAP_PUT_DONE;
        if (out->outcome == NSG_CAP_PUT_DONE && r.len) {
            out->result = cJSON_ParseWithLength(r.body, r.len);
            if (!cJSON_IsObject(out->result)) {
                cJSON_Delete(out->result);
                out->result = NULL;
            }
        }
    }
    cap_arm_result_release(&r);
    free(text);
    g_free(hdr);
    g_free(path);
    return rc;
}
