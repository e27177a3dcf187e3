/* cap_sharedkey.c - the Blob service's Shared Key authorization, written
 * from Microsoft's "Authorize with Shared Key" (version 2009-09-19 and
 * later): the string-to-sign is
 *   VERB, Content-Encoding, Content-Language, Content-Length ("" when 0),
 *   Content-MD5, Content-Type, Date, If-Modified-Since, If-Match,
 *   If-None-Match, If-Unmodified-Since, Range  (one per line), then
 *   CanonicalizedHeaders: every x-ms- header, name lower-cased, sorted,
 *     "name:value\n" (value's folded whitespace made one space, trimmed),
 *   CanonicalizedResource: "/" account, the encoded URI path, then per
 *     query parameter (names lower-cased, names and values URL-decoded,
 *     sorted by name; several values sorted and comma-joined)
 *     "\nname:value",
 * signed with HMAC-SHA256 under the base64-decoded account key (GLib's
 * GHmac) and sent as "Authorization: SharedKey account:base64(signature)".
 * Hand-written because libcurl has no Azure signer; the test signs against
 * Azurite, which checks it. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cap_int.h"

static const char *const std_headers[] = {
    "content-encoding", "content-language", "content-length",
    "content-md5",      "content-type",     "date",
    "if-modified-since", "if-match",        "if-none-match",
    "if-unmodified-since", "range"};

/* Value of header `name` (lower-case) among "Name: value" lines, trimmed
 * (g_free), or NULL. */
static char *header_value(const char *const *h, size_t n, const char *name)
{
    size_t len = strlen(name);
    for (size_t i = 0; i < n; i++)
        if (!g_ascii_strncasecmp(h[i], name, len) && h[i][len] == ':')
            return g_strstrip(g_strdup(h[i] + len + 1));
    return NULL;
}

/* Collapse runs of whitespace into one space (headers are unfolded). */
static char *unfold(const char *v)
{
    GString *g = g_string_new(NULL);
    bool space = false;
    for (const char *p = v; *p; p++) {
        if (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n') {
            space = true;
            continue;
        }
        if (space && g->len)
            g_string_append_c(g, ' ');
        space = false;
        g_string_append_c(g, *p);
    }
    return g_string_free(g, FALSE);
}

static gint cmp_str(gconstpointer a, gconstpointer b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void canonical_headers(GString *out, const char *const *h, size_t n)
{
    GPtrArray *lines = g_ptr_array_new_with_free_func(g_free);
    for (size_t i = 0; i < n; i++) {
        size_t nl = strcspn(h[i], ":");
        if (!h[i][nl] || g_ascii_strncasecmp(h[i], "x-ms-", 5))
            continue;
        char *name = g_ascii_strdown(h[i], (gssize)nl);
        g_strstrip(name);
        char *v = unfold(h[i] + nl + 1);
        g_ptr_array_add(lines, g_strdup_printf("%s:%s", name, v));
        g_free(name);
        g_free(v);
    }
    g_ptr_array_sort(lines, cmp_str);
    for (guint i = 0; i < lines->len; i++)
        g_string_append_printf(out, "%s\n", (char *)lines->pdata[i]);
    g_ptr_array_free(lines, TRUE);
}

struct param {
    char *name;
    GPtrArray *values;
};

static gint cmp_param(gconstpointer a, gconstpointer b)
{
    return strcmp((*(struct param *const *)a)->name,
                  (*(struct param *const *)b)->name);
}

static void canonical_resource(GString *out, const char *account,
                               const char *url)
{
    char *path = cap_url_path(url), *query = cap_url_query(url);
    GPtrArray *params = g_ptr_array_new();
    g_string_append_printf(out, "/%s%s", account, path);
    char **kv = g_strsplit(query, "&", -1);
    for (char **p = kv; *p; p++) {
        if (!**p)
            continue;
        char *eq = strchr(*p, '=');
        char *rawname = eq ? g_strndup(*p, (gsize)(eq - *p)) : g_strdup(*p);
        char *dn = cap_url_unescape(rawname), *name = g_ascii_strdown(dn, -1);
        char *value = cap_url_unescape(eq ? eq + 1 : "");
        struct param *pr = NULL;
        for (guint i = 0; i < params->len; i++)
            if (!strcmp(((struct param *)params->pdata[i])->name, name))
                pr = params->pdata[i];
        if (!pr) {
            pr = g_new0(struct param, 1);
            pr->name = name;
            pr->values = g_ptr_array_new_with_free_func(g_free);
            g_ptr_array_add(params, pr);
        } else {
            g_free(name);
        }
        g_ptr_array_add(pr->values, value);
        g_free(rawname);
        g_free(dn);
    }
    g_strfreev(kv);
    g_ptr_array_sort(params, cmp_param);
    for (guint i = 0; i < params->len; i++) {
        struct param *pr = params->pdata[i];
        g_ptr_array_sort(pr->values, cmp_str);
        g_string_append_printf(out, "\n%s:", pr->name);
        for (guint k = 0; k < pr->values->len; k++)
            g_string_append_printf(out, "%s%s", k ? "," : "",
                                   (char *)pr->values->pdata[k]);
        g_free(pr->name);
        g_ptr_array_free(pr->values, TRUE);
        g_free(pr);
    }
    g_ptr_array_free(params, TRUE);
    g_free(path);
    g_free(query);
}

char *cap_sharedkey_string(const char *account, const char *method,
                           const char *url, const char *const *headers,
                           size_t n_headers)
{
    GString *s = g_string_new(method);
    g_string_append_c(s, '\n');
    for (size_t i = 0; i < G_N_ELEMENTS(std_headers); i++) {
        char *v = header_value(headers, n_headers, std_headers[i]);
        if (v && !strcmp(std_headers[i], "content-length") && !strcmp(v, "0"))
            v[0] = '\0'; /* version 2015-02-21 and later: "" for 0 */
        g_string_append_printf(s, "%s\n", v ? v : "");
        g_free(v);
    }
    canonical_headers(s, headers, n_headers);
    canonical_resource(s, account, url);
    return g_string_free(s, FALSE);
}

nsg_rc cap_sharedkey_auth(const char *account, const char *key_b64,
                          const char *string_to_sign, char **out,
                          struct nsg_err *err)
{
    gsize klen = 0;
    guchar *key = g_base64_decode(key_b64, &klen);
    *out = NULL;
    /* g_base64_decode skips bad characters: check by re-encoding */
    char *again = key ? g_base64_encode(key, klen) : NULL;
    bool ok = key && klen >= 16 && again && !strcmp(again, key_b64);
    g_free(again);
    if (!ok) {
        if (key)
            memset(key, 0, klen);
        g_free(key);
        return cap_err(err, NSG_E_INPUT,
                       "AZURE_STORAGE_KEY is not a base64 account key (copy "
                       "key1 or key2 of the storage account's access keys)");
    }
    GHmac *hm = g_hmac_new(G_CHECKSUM_SHA256, key, klen);
    guint8 mac[32];
    gsize mlen = sizeof(mac);
    g_hmac_update(hm, (const guchar *)string_to_sign, -1);
    g_hmac_get_digest(hm, mac, &mlen);
    g_hmac_unref(hm);
    memset(key, 0, klen);
    g_free(key);
    char *sig = g_base64_encode(mac, mlen);
    char *auth = g_strdup_printf("SharedKey %s:%s", account, sig);
    *out = nsg_xstrdup(auth);
    memset(auth, 0, strlen(auth));
    g_free(auth);
    memset(sig, 0, strlen(sig));
    g_free(sig);
    return NSG_OK;
}
