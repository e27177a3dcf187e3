/* cap_url.c - the URL rules of capture: only https, except http to a
 * loopback host (tests, emulators); same-origin checks for redirects;
 * redaction of secret query parameters before anything is logged; escaping
 * (libcurl's URL API parses, GLib escapes). */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cap_int.h"

struct parts {
    char *scheme, *host, *port;
};

static bool parse(const char *url, struct parts *p)
{
    CURLU *u = curl_url();
    memset(p, 0, sizeof(*p));
    bool ok = u && !curl_url_set(u, CURLUPART_URL, url, 0) &&
              !curl_url_get(u, CURLUPART_SCHEME, &p->scheme, 0) &&
              !curl_url_get(u, CURLUPART_HOST, &p->host, 0) &&
              !curl_url_get(u, CURLUPART_PORT, &p->port, CURLU_DEFAULT_PORT);
    curl_url_cleanup(u);
    return ok;
}

static void parts_free(struct parts *p)
{
    curl_free(p->scheme);
    curl_free(p->host);
    curl_free(p->port);
}

static bool is_loopback(const char *host)
{
    if (!strcasecmp(host, "localhost") || !strcmp(host, "[::1]"))
        return true;
    if (strncmp(host, "127.", 4))
        return false;
    for (const char *c = host; *c; c++)
        if (!isdigit((unsigned char)*c) && *c != '.')
            return false;
    return true;
}

nsg_rc cap_url_check(const char *url, const char *what, struct nsg_err *err)
{
    struct parts p;
    nsg_rc rc = NSG_OK;
    char *shown = cap_url_redact(url);
    if (!parse(url, &p))
        rc = cap_err(err, NSG_E_USAGE, "%s: '%s' is not a URL", what, shown);
    else if (!strcasecmp(p.scheme, "https"))
        rc = NSG_OK;
    else if (!strcasecmp(p.scheme, "http") && is_loopback(p.host))
        rc = NSG_OK;
    else
        rc = cap_err(err, NSG_E_USAGE,
                     "%s: '%s' is refused: only https:// (http:// only to a "
                     "loopback address, for tests)",
                     what, shown);
    parts_free(&p);
    g_free(shown);
    return rc;
}

bool cap_url_same_origin(const char *a, const char *b)
{
    struct parts pa, pb;
    bool ok_a = parse(a, &pa), ok_b = parse(b, &pb);
    bool same = ok_a && ok_b && !strcasecmp(pa.scheme, pb.scheme) &&
                !strcasecmp(pa.host, pb.host) && !strcmp(pa.port, pb.port);
    parts_free(&pa);
    parts_free(&pb);
    return same;
}

static bool secret_param(const char *name, size_t n)
{
    static const char *const exact[] = {"sig", "signature", "code",
                                        "client_assertion"};
    static const char *const part[] = {"secret", "token", "key", "assertion",
                                       "password"};
    char *low = g_ascii_strdown(name, (gssize)n);
    bool yes = false;
    if (!strcmp(low, "skiptoken") || !strcmp(low, "$skiptoken")) {
        g_free(low); /* ARM's paging cursor: not a credential */
        return false;
    }
    for (size_t i = 0; !yes && i < G_N_ELEMENTS(exact); i++)
        yes = !strcmp(low, exact[i]);
    for (size_t i = 0; !yes && i < G_N_ELEMENTS(part); i++)
        yes = strstr(low, part[i]) != NULL;
    g_free(low);
    return yes;
}

char *cap_url_redact(const char *url)
{
    const char *q = strchr(url, '?');
    if (!q)
        return g_strdup(url);
    GString *g = g_string_new_len(url, q - url + 1);
    const char *p = q + 1;
    while (*p) {
        size_t len = strcspn(p, "&");
        size_t nlen = strcspn(p, "=&");
        g_string_append_len(g, p, (gssize)nlen);
        if (nlen < len) {
            if (secret_param(p, nlen))
                g_string_append(g, "=REDACTED");
            else
                g_string_append_len(g, p + nlen, (gssize)(len - nlen));
        }
        p += len;
        if (*p == '&') {
            g_string_append_c(g, '&');
            p++;
        }
    }
    return g_string_free(g, FALSE);
}

char *cap_url_escape(const char *s, bool keep_slash)
{
    return g_uri_escape_string(s, keep_slash ? "/" : NULL, FALSE);
}

char *cap_url_unescape(const char *s)
{
    /* GLib refuses strings with "%00" or bad escapes: keep them as given */
    char *d = g_uri_unescape_string(s, NULL);
    return d ? d : g_strdup(s);
}

char *cap_url_resolve(const char *base, const char *location)
{
    CURLU *u = curl_url();
    char *out = NULL, *res = NULL;
    if (u && !curl_url_set(u, CURLUPART_URL, base, 0) &&
        !curl_url_set(u, CURLUPART_URL, location, 0) &&
        !curl_url_get(u, CURLUPART_URL, &out, 0))
        res = g_strdup(out);
    curl_free(out);
    curl_url_cleanup(u);
    return res;
}

char *cap_url_path(const char *url)
{
    const char *s = strstr(url, "://");
    s = s ? strchr(s + 3, '/') : NULL;
    if (!s)
        return g_strdup("/");
    return g_strndup(s, strcspn(s, "?#"));
}

char *cap_url_query(const char *url)
{
    const char *q = strchr(url, '?');
    return q ? g_strndup(q + 1, strcspn(q + 1, "#")) : g_strdup("");
}
