/* cap_armreq.c - calls to Azure Resource Manager: a bearer token for the
 * ARM endpoint's scope on every request, one new token after a 401 (when
 * the credential can give one), long-running operations polled through
 * Azure-AsyncOperation or Location until they end (ARM's asynchronous
 * pattern), errors naming the call and Azure's error code and message. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cap_int.h"

#define DEFAULT_ARM "https://management.azure.com"
#define MAX_POLLS 360

struct cap_arm {
    char *endpoint, *scope;
    struct cap_cred *cred;
    struct cap_conn *conn;
    bool refresh;
};

nsg_rc cap_arm_new(const char *endpoint, struct cap_cred *cred,
                   struct cap_conn *conn, struct cap_arm **out,
                   struct nsg_err *err)
{
    const char *ep = endpoint ? endpoint : DEFAULT_ARM;
    nsg_rc rc = cap_url_check(ep, "--arm-endpoint", err);
    *out = NULL;
    if (rc)
        return rc;
    struct cap_arm *a = nsg_xcalloc(1, sizeof(*a));
    a->endpoint = cap_endpoint_dup(ep);
    /* the token's audience is the ARM endpoint of the cloud */
    a->scope = g_strdup_printf("%s/.default", a->endpoint);
    a->cred = cred;
    a->conn = conn;
    *out = a;
    return NSG_OK;
}

void cap_arm_free(struct cap_arm *a)
{
    if (!a)
        return;
    free(a->endpoint);
    g_free(a->scope);
    free(a);
}

const char *cap_arm_endpoint(const struct cap_arm *a)
{
    return a->endpoint;
}

static nsg_rc sign(void *ctx, const struct cap_req *req, const char *url,
                   struct curl_slist **hdrs, char **query, struct nsg_err *err)
{
    struct cap_arm *a = ctx;
    char *tok = NULL;
    (void)req;
    (void)url;
    (void)query;
    nsg_rc rc = cap_cred_token(a->cred, a->conn, a->scope, a->refresh, &tok, err);
    a->refresh = false;
    if (rc)
        return rc;
    cap_header_secret(hdrs, "Authorization: Bearer %s", tok);
    cap_secret_free(tok);
    return NSG_OK;
}

/* One request with the 401 rule. */
static nsg_rc call_once(struct cap_arm *a, const char *method, const char *url,
                        const char *body, struct cap_resp *resp,
                        struct nsg_err *err)
{
    const char *json_hdrs[] = {"Accept: application/json",
                               "Content-Type: application/json", NULL};
    const char *get_hdrs[] = {"Accept: application/json", NULL};
    struct cap_req req = {method, url, body ? json_hdrs : get_hdrs, body,
                          body ? strlen(body) : 0, sign, a, NULL, NULL, true};
    nsg_rc rc = cap_http_do(a->conn, &req, resp, err);
    if (!rc && resp->status == 401 && cap_cred_can_refresh(a->cred)) {
        cap_http_log(cap_conn_http(a->conn), "  401: asking for a new token");
        a->refresh = true;
        rc = cap_http_do(a->conn, &req, resp, err);
    }
    return rc;
}

static nsg_rc failure(struct cap_arm *a, const char *method, const char *url,
                      const struct cap_resp *resp, struct nsg_err *err)
{
    char *shown = cap_url_redact(url), *d = cap_resp_describe(resp);
    const char *hint = "";
    if (resp->status == 401)
        hint = cap_cred_can_refresh(a->cred)
                   ? ": the credentials were refused"
                   : ": the access token was refused (expired? get a new one, "
                     "e.g. az account get-access-token)";
    else if (resp->status == 403)
        hint = ": the identity lacks permission (Reader on the scope is "
               "enough)";
    nsg_rc rc = cap_err(err, NSG_E_INPUT, "%s %s: %s%s%s", method, shown, d,
                        hint, resp->retries ? " (after retries)" : "");
    g_free(shown);
    g_free(d);
    return rc;
}

static const char *status_of(const struct cap_resp *r)
{
    cJSON *j = cJSON_ParseWithLength(r->body.buf ? r->body.buf : "", r->body.len);
    const cJSON *s = cJSON_GetObjectItemCaseSensitive(j, "status");
    static const char *const known[] = {"Succeeded", "Failed", "Canceled"};
    const char *out = "InProgress";
    for (size_t i = 0; cJSON_IsString(s) && i < G_N_ELEMENTS(known); i++)
        if (!strcasecmp(s->valuestring, known[i]))
            out = known[i];
    cJSON_Delete(j);
    return out;
}

/* Poll a long-running operation (201/202 answer in *resp) to its end; the
 * final resource's body replaces resp's. */
static nsg_rc poll(struct cap_arm *a, const char *method, const char *url,
                   struct cap_resp *resp, struct nsg_err *err)
{
    char *async = nsg_xstrdup(cap_resp_header(resp, "azure-asyncoperation"));
    char *loc = nsg_xstrdup(cap_resp_header(resp, "location"));
    nsg_rc rc = NSG_OK;
    for (int i = 0; !rc && i < MAX_POLLS; i++) {
        long ms = cap_retry_after_ms(cap_resp_header(resp, "retry-after"), 0);
        g_usleep((gulong)(ms >= 0 ? (ms > 60000 ? 60000 : ms) : 1000) * 1000);
        const char *target = async ? async : loc;
        if (!cap_url_same_origin(target, a->endpoint)) {
            char *shown = cap_url_redact(target);
            rc = cap_err(err, NSG_E_INPUT,
                         "%s %s: the operation's status is at %s, not on the "
                         "ARM endpoint: refused",
                         method, url, shown);
            g_free(shown);
            break;
        }
        rc = call_once(a, "GET", target, NULL, resp, err);
        if (rc)
            break;
        if (resp->status < 200 || resp->status >= 300) {
            rc = failure(a, "GET", target, resp, err);
            break;
        }
        if (async) {
            const char *st = status_of(resp);
            cap_http_progress(cap_conn_http(a->conn), "operation %s", st);
            if (!strcmp(st, "InProgress"))
                continue;
            if (strcmp(st, "Succeeded")) {
                char *shown = cap_url_redact(url), *d = cap_resp_describe(resp);
                rc = cap_err(err, NSG_E_INPUT, "%s %s: the operation %s (%s)",
                             method, shown, st, d);
                g_free(shown);
                g_free(d);
                break;
            }
            /* the result: at Location when given, else the resource */
            rc = call_once(a, "GET", loc ? loc : url, NULL, resp, err);
            if (!rc && (resp->status < 200 || resp->status >= 300))
                rc = failure(a, "GET", loc ? loc : url, resp, err);
            break;
        }
        if (resp->status != 202)
            break; /* Location polling ends with the result */
    }
    free(async);
    free(loc);
    return rc;
}

nsg_rc cap_arm_call(struct cap_arm *a, const char *method, const char *path,
                    const char *body, char **out_body, size_t *out_len,
                    struct nsg_err *err)
{
    char *url = strstr(path, "://") ? g_strdup(path)
                                    : g_strdup_printf("%s%s", a->endpoint, path);
    struct cap_resp resp;
    nsg_rc rc;
    *out_body = NULL;
    *out_len = 0;
    cap_resp_init(&resp);
    if (!cap_url_same_origin(url, a->endpoint)) {
        char *shown = cap_url_redact(url);
        rc = cap_err(err, NSG_E_INPUT,
                     "%s: a link away from the ARM endpoint %s: refused", shown,
                     a->endpoint);
        g_free(shown);
        goto out;
    }
    rc = call_once(a, method, url, body, &resp, err);
    if (rc)
        goto out;
    if ((resp.status == 201 || resp.status == 202) &&
        (cap_resp_header(&resp, "azure-asyncoperation") ||
         cap_resp_header(&resp, "location"))) {
        rc = poll(a, method, url, &resp, err);
        if (rc)
            goto out;
    }
    if (resp.status < 200 || resp.status >= 300) {
        rc = failure(a, method, url, &resp, err);
        goto out;
    }
    *out_len = resp.body.len;
    *out_body = g_strndup(resp.body.buf ? resp.body.buf : "", resp.body.len);
out:
    cap_resp_release(&resp);
    g_free(url);
    return rc;
}
