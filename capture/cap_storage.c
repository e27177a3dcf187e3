/* cap_storage.c - requests to a storage account's Blob endpoint with one of
 * three authorizations, chosen from the environment: Shared Key
 * (AZURE_STORAGE_KEY: every request signed, cap_sharedkey.c), a SAS
 * (AZURE_STORAGE_SAS: its query appended), or a bearer token for the
 * storage scope (the credentials of cap_auth.c). */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cap_int.h"

#define STORAGE_SCOPE "https://storage.azure.com/.default"

enum auth { AUTH_KEY, AUTH_SAS, AUTH_BEARER };

struct cap_storage {
    char *account, *endpoint; /* endpoint without a trailing '/' */
    enum auth auth;
    char *key, *sas; /* secrets */
    struct cap_cred *bearer;
    bool refresh; /* next bearer signing asks for a new token */
};

nsg_rc cap_storage_new(const char *account, const char *endpoint,
                       struct cap_cred *bearer, struct cap_storage **out,
                       struct nsg_err *err)
{
    const char *key = getenv("AZURE_STORAGE_KEY");
    const char *sas = getenv("AZURE_STORAGE_SAS");
    *out = NULL;
    if (key && !*key)
        key = NULL;
    if (sas && !*sas)
        sas = NULL;
    cap_secret_register(key);
    cap_secret_register(sas);
    nsg_rc rc = cap_url_check(endpoint, "--blob-endpoint", err);
    if (rc)
        return rc;
    if (!key && !sas && !bearer)
        return cap_err(err, NSG_E_INPUT,
                       "no storage credentials: set AZURE_STORAGE_KEY (an "
                       "account key), AZURE_STORAGE_SAS (a SAS token with read "
                       "and list permissions) or Azure credentials for a "
                       "bearer token (AZURE_ACCESS_TOKEN for "
                       "https://storage.azure.com, or AZURE_TENANT_ID, "
                       "AZURE_CLIENT_ID and a secret or federated token)");
    struct cap_storage *s = nsg_xcalloc(1, sizeof(*s));
    s->account = nsg_xstrdup(account);
    s->endpoint = cap_endpoint_dup(endpoint);
    if (key) {
        s->auth = AUTH_KEY;
        s->key = nsg_xstrdup(key);
    } else if (sas) {
        s->auth = AUTH_SAS;
        s->sas = nsg_xstrdup(sas[0] == '?' ? sas + 1 : sas);
    } else {
        s->auth = AUTH_BEARER;
        s->bearer = bearer;
    }
    *out = s;
    return NSG_OK;
}

void cap_storage_free(struct cap_storage *s)
{
    if (!s)
        return;
    free(s->account);
    free(s->endpoint);
    cap_secret_free(s->key);
    cap_secret_free(s->sas);
    free(s);
}

const char *cap_storage_auth_name(const struct cap_storage *s)
{
    return s->auth == AUTH_KEY ? "shared-key" : s->auth == AUTH_SAS ? "sas" : "bearer";
}

const char *cap_storage_endpoint(const struct cap_storage *s)
{
    return s->endpoint;
}

struct sign_ctx {
    struct cap_storage *s;
    struct cap_conn *conn;
    bool refresh;
};

static void rfc1123_now(char out[64])
{
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(out, 64, "%a, %d %b %Y %H:%M:%S GMT", &tm);
}

static nsg_rc sign(void *ctx, const struct cap_req *req, const char *url,
                   struct curl_slist **hdrs, char **query, struct nsg_err *err)
{
    struct sign_ctx *sc = ctx;
    struct cap_storage *s = sc->s;
    char date[64], *line;
    rfc1123_now(date);
    line = g_strdup_printf("x-ms-date: %s", date);
    *hdrs = curl_slist_append(*hdrs, line);
    g_free(line);
    *hdrs = curl_slist_append(*hdrs, "x-ms-version: " CAP_STORAGE_VERSION);
    if (s->auth == AUTH_SAS) {
        *query = nsg_xstrdup(s->sas);
        return NSG_OK;
    }
    if (s->auth == AUTH_BEARER) {
        char *tok = NULL;
        nsg_rc rc = cap_cred_token(s->bearer, sc->conn, STORAGE_SCOPE,
                                   sc->refresh, &tok, err);
        sc->refresh = false;
        if (rc)
            return rc;
        cap_header_secret(hdrs, "Authorization: Bearer %s", tok);
        cap_secret_free(tok);
        return NSG_OK;
    }
    /* Shared Key: sign what is sent (the request's headers and ours) */
    GPtrArray *all = g_ptr_array_new();
    for (struct curl_slist *l = *hdrs; l; l = l->next)
        g_ptr_array_add(all, l->data);
    char *sts = cap_sharedkey_string(s->account, req->method, url,
                                     (const char *const *)all->pdata, all->len);
    g_ptr_array_free(all, TRUE);
    char *auth = NULL;
    nsg_rc rc = cap_sharedkey_auth(s->account, s->key, sts, &auth, err);
    g_free(sts);
    if (rc)
        return rc;
    cap_header_secret(hdrs, "Authorization: %s", auth);
    cap_secret_free(auth);
    return NSG_OK;
}

nsg_rc cap_storage_get(struct cap_storage *s, struct cap_conn *conn,
                       const char *path_query, const char *const *headers,
                       cap_sink_fn sink, void *sink_ctx, struct cap_resp *resp,
                       struct nsg_err *err)
{
    char *url = g_strdup_printf("%s%s", s->endpoint, path_query);
    struct sign_ctx sc = {s, conn, false};
    struct cap_req req = {"GET", url, headers, NULL, 0, sign, &sc,
                          sink, sink_ctx, true};
    nsg_rc rc = cap_http_do(conn, &req, resp, err);
    /* an expired bearer token: one new token, one more try */
    if (!rc && resp->status == 401 && s->auth == AUTH_BEARER &&
        cap_cred_can_refresh(s->bearer)) {
        sc.refresh = true;
        rc = cap_http_do(conn, &req, resp, err);
    }
    g_free(url);
    return rc;
}
