/* cap_armreq.c - calls to Azure Resource Manager: a bearer token for the
 * ARM endpoint's scope on every request, one new token after a 401 (when
 * the credential can give one), long-running operations polled through
 * Azure-AsyncOperation or Location until they end (ARM's asynchronous
 * pattern: "Track asynchronous Azure operations"), honouring Retry-After,
 * errors naming the call and Azure's error code and message. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

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

/* One request with the 401 rule; extra headers (If-Match...) after the
 * standard ones. */
static nsg_rc call_once(struct cap_arm *a, const char *method, const char *url,
                        const char *body, const char *const *extra,
                        struct cap_resp *resp, struct nsg_err *err)
{
    const char *hdrs[8];
    size_t n = 0;
    hdrs[n++] = "Accept: application/json";
    if (body)
        hdrs[n++] = "Content-Type: application/json";
    for (size_t i = 0; extra && extra[i] && n < G_N_ELEMENTS(hdrs) - 1; i++)
        hdrs[n++] = extra[i];
    hdrs[n] = NULL;
    struct cap_req req = {method, url, hdrs, body, body ? strlen(body) : 0,
                          sign, a, NULL, NULL, true};
    nsg_rc rc = cap_http_do(a->conn, &req, resp, err);
    if (!rc && resp->status == 401 && cap_cred_can_refresh(a->cred)) {
        cap_http_log(cap_conn_http(a->conn), "  401: asking for a new token");
        a->refresh = true;
        rc = cap_http_do(a->conn, &req, resp, err);
    }
    return rc;
}

nsg_rc cap_arm_failure(struct cap_arm *a, const char *method, const char *url,
                       long status, const char *desc, int retries,
                       struct nsg_err *err)
{
    char *shown = cap_url_redact(url);
    const char *hint = "";
    if (status == 401)
        hint = cap_cred_can_refresh(a->cred)
                   ? ": the credentials were refused"
                   : ": the access token was refused (expired? get a new one, "
                     "e.g. az account get-access-token)";
    else if (status == 403)
        hint = !strcmp(method, "GET") || !strcmp(method, "POST")
                   ? ": the identity lacks permission (Reader on the scope is "
                     "enough)"
                   : ": the identity lacks permission (writing an NSG needs "
                     "Network Contributor on it)";
    nsg_rc rc = cap_err(err, NSG_E_INPUT, "%s %s: %s%s%s", method, shown, desc,
                        hint, retries ? " (after retries)" : "");
    g_free(shown);
    return rc;
}

static nsg_rc failure(struct cap_arm *a, const char *method, const char *url,
                      const struct cap_resp *resp, struct nsg_err *err)
{
    char *d = cap_resp_describe(resp);
    nsg_rc rc = cap_arm_failure(a, method, url, resp->status, d, resp->retries, err);
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

static bool ok_status(long st)
{
    return st >= 200 && st < 300;
}

/* The wait before the next poll: the answer's Retry-After (at most a
 * minute), else a second. */
static void poll_wait(const struct cap_resp *resp)
{
    long ms = cap_retry_after_ms(cap_resp_header(resp, "retry-after"),
                                 (int64_t)time(NULL));
    g_usleep((gulong)(ms >= 0 ? (ms > 60000 ? 60000 : ms) : 1000) * 1000);
}

/* Is this answer the start of a long-running operation?  201/202 with
 * Azure-AsyncOperation or Location; a PUT, PATCH or DELETE may also answer
 * 200 with Azure-AsyncOperation (the network resource provider does). */
static bool long_running(const char *method, const struct cap_resp *r)
{
    bool async = cap_resp_header(r, "azure-asyncoperation") != NULL;
    if (r->status == 201 || r->status == 202)
        return async || cap_resp_header(r, "location");
    return r->status == 200 && async && strcmp(method, "GET") &&
           strcmp(method, "POST");
}

/* Poll a long-running operation (its first answer in *resp) to its end:
 * out->operation is Succeeded, Failed or Canceled (with out->error), and
 * after success *resp holds the result (for PUT and PATCH the resource,
 * read again at its URL; otherwise what Location answers).  Errors:
 * status links off the ARM endpoint, error answers while polling, no end
 * after MAX_POLLS polls. */
static nsg_rc poll(struct cap_arm *a, const char *method, const char *url,
                   struct cap_resp *resp, struct cap_arm_result *out,
                   struct nsg_err *err)
{
    char *async = nsg_xstrdup(cap_resp_header(resp, "azure-asyncoperation"));
    char *loc = nsg_xstrdup(cap_resp_header(resp, "location"));
    bool put = !strcmp(method, "PUT") || !strcmp(method, "PATCH");
    nsg_rc rc = NSG_OK;
    int i;
    for (i = 0; !rc && i < MAX_POLLS; i++) {
        const char *target = async ? async : loc;
        poll_wait(resp);
        if (!cap_url_same_origin(target, a->endpoint)) {
            char *shown = cap_url_redact(target);
            rc = cap_err(err, NSG_E_INPUT,
                         "%s %s: the operation's status is at %s, not on the "
                         "ARM endpoint: refused",
                         method, url, shown);
            g_free(shown);
            break;
        }
        out->polls++;
        rc = call_once(a, "GET", target, NULL, NULL, resp, err);
        if (rc)
            break;
        if (!ok_status(resp->status)) {
            rc = failure(a, "GET", target, resp, err);
            break;
        }
        if (async) {
            const char *st = status_of(resp);
            cap_http_progress(cap_conn_http(a->conn), "operation %s", st);
            if (!strcmp(st, "InProgress"))
                continue;
            out->operation = g_strdup(st);
            if (strcmp(st, "Succeeded")) {
                out->error = cap_resp_describe(resp);
                break;
            }
            /* the result: the resource for PUT and PATCH, else at Location
             * when given, else the resource */
            const char *res = put || !loc ? url : loc;
            rc = call_once(a, "GET", res, NULL, NULL, resp, err);
            if (!rc && !ok_status(resp->status))
                rc = failure(a, "GET", res, resp, err);
            break;
        }
        if (resp->status == 202)
            continue; /* Location polling: 202 while it runs */
        out->operation = g_strdup("Succeeded");
        if (put) {
            rc = call_once(a, "GET", url, NULL, NULL, resp, err);
            if (!rc && !ok_status(resp->status))
                rc = failure(a, "GET", url, resp, err);
        }
        break;
    }
    if (!rc && i == MAX_POLLS && !out->operation) {
        char *shown = cap_url_redact(url);
        rc = cap_err(err, NSG_E_IO, "%s %s: the operation did not end after "
                                    "%d polls",
                     method, shown, MAX_POLLS);
        g_free(shown);
    }
    free(async);
    free(loc);
    return rc;
}

void cap_arm_result_release(struct cap_arm_result *r)
{
    g_free(r->operation);
    g_free(r->error);
    g_free(r->body);
    memset(r, 0, sizeof(*r));
}

nsg_rc cap_arm_send(struct cap_arm *a, const char *method, const char *path,
                    const char *body, const char *const *headers,
                    struct cap_arm_result *out, struct nsg_err *err)
{
    char *url = strstr(path, "://") ? g_strdup(path)
                                    : g_strdup_printf("%s%s", a->endpoint, path);
    struct cap_resp resp;
    nsg_rc rc;
    memset(out, 0, sizeof(*out));
    cap_resp_init(&resp);
    if (!cap_url_same_origin(url, a->endpoint)) {
        char *shown = cap_url_redact(url);
        rc = cap_err(err, NSG_E_INPUT,
                     "%s: a link away from the ARM endpoint %s: refused", shown,
                     a->endpoint);
        g_free(shown);
        goto out;
    }
    rc = call_once(a, method, url, body, headers, &resp, err);
    if (rc)
        goto out;
    out->first_status = resp.status;
    if (long_running(method, &resp)) {
        rc = poll(a, method, url, &resp, out, err);
        if (rc)
            goto out;
    }
    out->status = resp.status;
    out->retries = resp.retries;
    if (!ok_status(resp.status) && !out->error)
        out->error = cap_resp_describe(&resp);
    out->len = resp.body.len;
    out->body = g_strndup(resp.body.buf ? resp.body.buf : "", resp.body.len);
out:
    cap_resp_release(&resp);
    g_free(url);
    return rc;
}

nsg_rc cap_arm_call(struct cap_arm *a, const char *method, const char *path,
                    const char *body, char **out_body, size_t *out_len,
                    struct nsg_err *err)
{
    struct cap_arm_result r;
    char *url = strstr(path, "://") ? g_strdup(path)
                                    : g_strdup_printf("%s%s", a->endpoint, path);
    nsg_rc rc = cap_arm_send(a, method, url, body, NULL, &r, err);
    *out_body = NULL;
    *out_len = 0;
    if (!rc && !ok_status(r.status)) {
        rc = cap_arm_failure(a, method, url, r.status, r.error, r.retries, err);
    } else if (!rc && r.operation && strcmp(r.operation, "Succeeded")) {
        char *shown = cap_url_redact(url);
        rc = cap_err(err, NSG_E_INPUT, "%s %s: the operation %s (%s)", method,
                     shown, r.operation, r.error ? r.error : "");
        g_free(shown);
    }
    if (!rc) {
        *out_len = r.len;
        *out_body = r.body;
        r.body = NULL;
    }
    cap_arm_result_release(&r);
    g_free(url);
    return rc;
}
