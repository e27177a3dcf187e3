/* cap_auth.c - where capture's bearer tokens come from, as the Azure SDKs'
 * environment credentials do: AZURE_ACCESS_TOKEN as given; or the OAuth2
 * client-credentials grant with AZURE_TENANT_ID and AZURE_CLIENT_ID and
 * either AZURE_CLIENT_SECRET or a federated assertion read from
 * AZURE_FEDERATED_TOKEN_FILE (workload identity), one token per scope,
 * cached until five minutes before it expires.  Every value read or
 * received is registered as a secret (cap_secret.c). */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cap_int.h"

#define DEFAULT_LOGIN "https://login.microsoftonline.com"
#define EARLY_REFRESH 300 /* seconds before expiry */

struct token {
    char *scope;
    char *value; /* secret */
    int64_t expires;
};

struct cap_cred {
    enum cap_cred_kind kind;
    char *login, *tenant, *client;
    char *secret;     /* CAP_CRED_SECRET (secret) */
    char *token_file; /* CAP_CRED_WORKLOAD */
    char *fixed;      /* CAP_CRED_TOKEN (secret) */
    GMutex lock;
    GPtrArray *tokens; /* struct token * */
};

static bool plain_id(const char *s)
{
    if (!s || !*s || strlen(s) > 128)
        return false;
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && *s != '-' && *s != '.' && *s != '_')
            return false;
    return true;
}

static const char *env(const char *name)
{
    const char *v = getenv(name);
    return v && *v ? v : NULL;
}

nsg_rc cap_cred_from_env(const char *login_endpoint, struct cap_cred **out,
                         struct nsg_err *err)
{
    const char *tok = env("AZURE_ACCESS_TOKEN");
    const char *tenant = env("AZURE_TENANT_ID"), *client = env("AZURE_CLIENT_ID");
    const char *secret = env("AZURE_CLIENT_SECRET");
    const char *file = env("AZURE_FEDERATED_TOKEN_FILE");
    const char *login = login_endpoint ? login_endpoint
                        : env("AZURE_AUTHORITY_HOST") ? env("AZURE_AUTHORITY_HOST")
                                                      : DEFAULT_LOGIN;
    *out = NULL;
    cap_secret_register(tok);
    cap_secret_register(secret);
    if (!tok && !((secret || file) && tenant && client))
        return cap_err(err, NSG_E_INPUT,
                       "no Azure credentials: set AZURE_ACCESS_TOKEN (e.g. from "
                       "'az account get-access-token'), or AZURE_TENANT_ID and "
                       "AZURE_CLIENT_ID with AZURE_CLIENT_SECRET or "
                       "AZURE_FEDERATED_TOKEN_FILE");
    if (!tok && (!plain_id(tenant) || !plain_id(client)))
        return cap_err(err, NSG_E_INPUT,
                       "AZURE_TENANT_ID and AZURE_CLIENT_ID must be ids (a GUID "
                       "or a domain name)");
    if (!tok) {
        nsg_rc rc = cap_url_check(login, "--login-endpoint", err);
        if (rc)
            return rc;
    }
    struct cap_cred *c = nsg_xcalloc(1, sizeof(*c));
    g_mutex_init(&c->lock);
    c->tokens = g_ptr_array_new();
    c->login = cap_endpoint_dup(login);
    if (tok) {
        c->kind = CAP_CRED_TOKEN;
        c->fixed = nsg_xstrdup(tok);
    } else {
        c->tenant = nsg_xstrdup(tenant);
        c->client = nsg_xstrdup(client);
        if (secret) {
            c->kind = CAP_CRED_SECRET;
            c->secret = nsg_xstrdup(secret);
        } else {
            c->kind = CAP_CRED_WORKLOAD;
            c->token_file = nsg_xstrdup(file);
        }
    }
    *out = c;
    return NSG_OK;
}

void cap_cred_free(struct cap_cred *c)
{
    if (!c)
        return;
    for (guint i = 0; i < c->tokens->len; i++) {
        struct token *t = c->tokens->pdata[i];
        free(t->scope);
        cap_secret_free(t->value);
        free(t);
    }
    g_ptr_array_free(c->tokens, TRUE);
    g_mutex_clear(&c->lock);
    cap_secret_free(c->secret);
    cap_secret_free(c->fixed);
    free(c->login);
    free(c->tenant);
    free(c->client);
    free(c->token_file);
    free(c);
}

enum cap_cred_kind cap_cred_kind(const struct cap_cred *c)
{
    return c->kind;
}

const char *cap_cred_kind_name(enum cap_cred_kind k)
{
    switch (k) {
    case CAP_CRED_TOKEN:
        return "access-token";
    case CAP_CRED_SECRET:
        return "client-secret";
    case CAP_CRED_WORKLOAD:
        return "workload-identity";
    }
    return "?";
}

bool cap_cred_can_refresh(const struct cap_cred *cr)
{
    return cr->kind != CAP_CRED_TOKEN;
}

/* The federated assertion, read anew for every request (it is rotated). */
static nsg_rc read_assertion(const char *path, char **out, struct nsg_err *err)
{
    struct nsg_buf b = NSG_BUF_INIT;
    nsg_rc rc = nsg_buf_read_file(&b, path, 1u << 20, err);
    if (rc) {
        nsg_buf_release(&b);
        return nsg_err_prefix(err, "AZURE_FEDERATED_TOKEN_FILE");
    }
    char *s = nsg_buf_detach(&b);
    g_strstrip(s);
    if (!*s) {
        free(s);
        return cap_err(err, NSG_E_INPUT,
                       "AZURE_FEDERATED_TOKEN_FILE %s is empty", path);
    }
    cap_secret_register(s);
    *out = s;
    return NSG_OK;
}

static void form_add(GString *g, const char *name, const char *value)
{
    char *v = cap_url_escape(value, false);
    g_string_append_printf(g, "%s%s=%s", g->len ? "&" : "", name, v);
    cap_secret_free(v);
}

static nsg_rc request_token(struct cap_cred *cr, struct cap_conn *conn,
                            const char *scope, struct token *t,
                            struct nsg_err *err)
{
    char *assertion = NULL;
    nsg_rc rc = NSG_OK;
    if (cr->kind == CAP_CRED_WORKLOAD) {
        rc = read_assertion(cr->token_file, &assertion, err);
        if (rc)
            return rc;
    }
    GString *body = g_string_new(NULL);
    form_add(body, "grant_type", "client_credentials");
    form_add(body, "client_id", cr->client);
    form_add(body, "scope", scope);
    if (assertion) {
        form_add(body, "client_assertion_type",
                 "urn:ietf:params:oauth:client-assertion-type:jwt-bearer");
        form_add(body, "client_assertion", assertion);
    } else {
        form_add(body, "client_secret", cr->secret);
    }
    char *url = g_strdup_printf("%s/%s/oauth2/v2.0/token", cr->login, cr->tenant);
    const char *hdrs[] = {"Content-Type: application/x-www-form-urlencoded",
                          "Accept: application/json", NULL};
    struct cap_req req = {"POST", url, hdrs, body->str, body->len,
                          NULL, NULL, NULL, NULL, true};
    struct cap_resp resp;
    cap_resp_init(&resp);
    rc = cap_http_do(conn, &req, &resp, err);
    memset(body->str, 0, body->len);
    g_string_free(body, TRUE);
    cap_secret_free(assertion);
    if (rc) {
        nsg_err_prefix(err, "getting a token (%s)", cap_cred_kind_name(cr->kind));
        goto out;
    }
    cJSON *j = cJSON_ParseWithLength(resp.body.buf ? resp.body.buf : "",
                                     resp.body.len);
    const cJSON *at = cJSON_GetObjectItemCaseSensitive(j, "access_token");
    const cJSON *exp = cJSON_GetObjectItemCaseSensitive(j, "expires_in");
    if (resp.status != 200 || !cJSON_IsString(at)) {
        char *d = cap_resp_describe(&resp);
        rc = cap_err(err, NSG_E_INPUT,
                     "the token endpoint %s refused the %s credentials of "
                     "client %s: %s",
                     cr->login, cap_cred_kind_name(cr->kind), cr->client, d);
        g_free(d);
    } else {
        cap_secret_register(at->valuestring);
        t->value = nsg_xstrdup(at->valuestring);
        double e = cJSON_IsNumber(exp)   ? exp->valuedouble
                   : cJSON_IsString(exp) ? atof(exp->valuestring)
                                         : 3600;
        t->expires = (int64_t)time(NULL) + (int64_t)e;
        /* wipe the token's copy in the parsed answer */
        memset(at->valuestring, 0, strlen(at->valuestring));
    }
    cJSON_Delete(j);
    if (resp.body.buf)
        memset(resp.body.buf, 0, resp.body.len);
out:
    cap_resp_release(&resp);
    g_free(url);
    return rc;
}

nsg_rc cap_cred_token(struct cap_cred *cr, struct cap_conn *conn,
                      const char *scope, bool refresh, char **token,
                      struct nsg_err *err)
{
    nsg_rc rc = NSG_OK;
    *token = NULL;
    if (cr->kind == CAP_CRED_TOKEN) {
        *token = nsg_xstrdup(cr->fixed);
        return NSG_OK;
    }
    g_mutex_lock(&cr->lock);
    struct token *t = NULL;
    for (guint i = 0; i < cr->tokens->len; i++) {
        struct token *x = cr->tokens->pdata[i];
        if (!strcmp(x->scope, scope))
            t = x;
    }
    if (!t) {
        t = nsg_xcalloc(1, sizeof(*t));
        t->scope = nsg_xstrdup(scope);
        g_ptr_array_add(cr->tokens, t);
    }
    if (refresh || !t->value || t->expires - EARLY_REFRESH < (int64_t)time(NULL)) {
        cap_secret_free(t->value);
        t->value = NULL;
        rc = request_token(cr, conn, scope, t, err);
    }
    if (!rc)
        *token = nsg_xstrdup(t->value);
    g_mutex_unlock(&cr->lock);
    return rc;
}
