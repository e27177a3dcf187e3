/* cap_http.c - the HTTP client of capture, on libcurl: one share (connection
 * cache, DNS, TLS sessions) for the whole run and one easy handle per
 * thread, so that connections are reused; connect and total timeouts; TLS
 * peer and host verification always on (--ca-file adds a CA); retries of
 * 408/429/5xx answers and connection errors with capped exponential
 * backoff and jitter, Retry-After honoured; redirects followed by hand, so
 * that credentials go only to the origin they were meant for; a verbose
 * log with every secret redacted. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "cap_int.h"

#define MAX_REDIRECTS 5
#define MAX_ERROR_BODY (1u << 20)
#define MAX_BODY (512u * 1024u * 1024u)
#define USER_AGENT "nsgproof/0.1 (capture)"

struct cap_http {
    CURLSH *share;
    GMutex locks[CURL_LOCK_DATA_LAST];
    struct cap_http_cfg cfg;
    char *ca_file;
    GMutex stat_lock;
    struct cap_http_stats stats;
};

struct cap_conn {
    struct cap_http *h;
    CURL *e;
};

static GOnce global_once = G_ONCE_INIT;

static gpointer global_init(gpointer unused)
{
    (void)unused;
    return GINT_TO_POINTER(curl_global_init(CURL_GLOBAL_DEFAULT));
}

void cap_http_cfg_defaults(struct cap_http_cfg *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->connect_timeout_ms =
        cap_env_long("NSGPROOF_HTTP_CONNECT_TIMEOUT", 15, 1, 3600) * 1000;
    cfg->timeout_ms = cap_env_long("NSGPROOF_HTTP_TIMEOUT", 600, 1, 86400) * 1000;
    cfg->retry.max_retries = (int)cap_env_long("NSGPROOF_HTTP_RETRIES", 6, 0, 50);
    cfg->retry.base_ms = cap_env_long("NSGPROOF_HTTP_BACKOFF_MS", 500, 1, 60000);
    cfg->retry.cap_ms = 30000;
    if (cfg->retry.cap_ms < cfg->retry.base_ms)
        cfg->retry.cap_ms = cfg->retry.base_ms;
    cfg->retry.retry_after_cap_ms = 300000;
}

static void share_lock(CURL *e, curl_lock_data d, curl_lock_access a, void *p)
{
    (void)e;
    (void)a;
    g_mutex_lock(&((struct cap_http *)p)->locks[d]);
}

static void share_unlock(CURL *e, curl_lock_data d, void *p)
{
    (void)e;
    g_mutex_unlock(&((struct cap_http *)p)->locks[d]);
}

nsg_rc cap_http_new(const struct cap_http_cfg *cfg, struct cap_http **out,
                    struct nsg_err *err)
{
    *out = NULL;
    if (GPOINTER_TO_INT(g_once(&global_once, global_init, NULL)) != CURLE_OK)
        return cap_err(err, NSG_E_INTERNAL, "libcurl failed to initialize");
    if (cfg->ca_file && access(cfg->ca_file, R_OK))
        return cap_err(err, NSG_E_INPUT, "--ca-file %s: cannot be read",
                       cfg->ca_file);
    struct cap_http *h = nsg_xcalloc(1, sizeof(*h));
    h->cfg = *cfg;
    h->ca_file = nsg_xstrdup(cfg->ca_file);
    h->cfg.ca_file = h->ca_file;
    for (int i = 0; i < CURL_LOCK_DATA_LAST; i++)
        g_mutex_init(&h->locks[i]);
    g_mutex_init(&h->stat_lock);
    h->share = curl_share_init();
    curl_share_setopt(h->share, CURLSHOPT_LOCKFUNC, share_lock);
    curl_share_setopt(h->share, CURLSHOPT_UNLOCKFUNC, share_unlock);
    curl_share_setopt(h->share, CURLSHOPT_USERDATA, h);
    curl_share_setopt(h->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
    curl_share_setopt(h->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
    curl_share_setopt(h->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_CONNECT);
    *out = h;
    return NSG_OK;
}

nsg_rc cap_http_for(const struct nsg_cap_common *c, struct cap_http **out,
                    struct nsg_err *err)
{
    struct cap_http_cfg cfg;
    cap_http_cfg_defaults(&cfg);
    cfg.ca_file = c->ca_file;
    cfg.hooks = c->hooks;
    return cap_http_new(&cfg, out, err);
}

void cap_http_report(struct cap_http *h, cJSON *report)
{
    struct cap_http_stats st;
    cap_http_stats(h, &st);
    cJSON *o = cJSON_AddObjectToObject(report, "http");
    cJSON_AddNumberToObject(o, "requests", (double)st.requests);
    cJSON_AddNumberToObject(o, "retries", (double)st.retries);
    cJSON_AddNumberToObject(o, "redirects", (double)st.redirects);
    cJSON_AddNumberToObject(o, "bytes", (double)st.bytes);
}

void cap_http_free(struct cap_http *h)
{
    if (!h)
        return;
    curl_share_cleanup(h->share);
    for (int i = 0; i < CURL_LOCK_DATA_LAST; i++)
        g_mutex_clear(&h->locks[i]);
    g_mutex_clear(&h->stat_lock);
    free(h->ca_file);
    free(h);
}

struct cap_conn *cap_conn_new(struct cap_http *h)
{
    struct cap_conn *c = nsg_xcalloc(1, sizeof(*c));
    c->h = h;
    c->e = curl_easy_init();
    if (!c->e)
        g_error("libcurl: out of memory");
    return c;
}

void cap_conn_free(struct cap_conn *c)
{
    if (!c)
        return;
    curl_easy_cleanup(c->e);
    free(c);
}

struct cap_http *cap_conn_http(struct cap_conn *c)
{
    return c->h;
}

void cap_http_stats(struct cap_http *h, struct cap_http_stats *out)
{
    g_mutex_lock(&h->stat_lock);
    *out = h->stats;
    g_mutex_unlock(&h->stat_lock);
}

static void hook_line(struct cap_http *h, bool progress, const char *fmt,
                      va_list ap)
{
    const struct nsg_cap_hooks *k = h->cfg.hooks;
    void (*fn)(void *, const char *) =
        !k ? NULL : progress ? k->progress : k->verbose;
    if (!fn)
        return;
    char *line = g_strdup_vprintf(fmt, ap);
    cap_scrub(line);
    fn(k->ctx, line);
    g_free(line);
}

void cap_http_log(struct cap_http *h, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    hook_line(h, false, fmt, ap);
    va_end(ap);
}

void cap_http_progress(struct cap_http *h, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    hook_line(h, true, fmt, ap);
    va_end(ap);
}

/* ---- responses ---------------------------------------------------------- */

void cap_resp_init(struct cap_resp *r)
{
    memset(r, 0, sizeof(*r));
    r->headers = g_ptr_array_new_with_free_func(g_free);
}

void cap_resp_release(struct cap_resp *r)
{
    nsg_buf_release(&r->body);
    if (r->headers)
        g_ptr_array_free(r->headers, TRUE);
    g_free(r->final_url);
    memset(r, 0, sizeof(*r));
}

const char *cap_resp_header(const struct cap_resp *r, const char *name)
{
    size_t n = strlen(name);
    for (guint i = 0; r->headers && i < r->headers->len; i++) {
        const char *h = r->headers->pdata[i];
        if (!strncmp(h, name, n) && h[n] == ':')
            return h + n + 1 + (h[n + 1] == ' ');
    }
    return NULL;
}

/* One attempt's state, seen by the libcurl callbacks. */
struct attempt {
    struct cap_conn *c;
    const struct cap_req *req;
    struct cap_resp *resp;
    uint64_t pos; /* body bytes received */
    nsg_rc sink_rc;
    struct nsg_err *err;
};

static size_t on_header(char *data, size_t size, size_t n, void *p)
{
    struct attempt *a = p;
    size_t len = size * n;
    if (len >= 5 && !strncmp(data, "HTTP/", 5)) {
        g_ptr_array_set_size(a->resp->headers, 0); /* a new response */
        return len;
    }
    const char *colon = memchr(data, ':', len);
    if (!colon)
        return len;
    size_t nlen = (size_t)(colon - data), vlen = len - nlen - 1;
    const char *v = colon + 1;
    while (vlen && (*v == ' ' || *v == '\t'))
        v++, vlen--;
    while (vlen && (v[vlen - 1] == '\r' || v[vlen - 1] == '\n' ||
                    v[vlen - 1] == ' '))
        vlen--;
    char *name = g_ascii_strdown(data, (gssize)nlen);
    g_ptr_array_add(a->resp->headers,
                    g_strdup_printf("%s: %.*s", name, (int)vlen, v));
    g_free(name);
    return len;
}

static size_t on_body(char *data, size_t size, size_t n, void *p)
{
    struct attempt *a = p;
    size_t len = size * n;
    long status = 0;
    curl_easy_getinfo(a->c->e, CURLINFO_RESPONSE_CODE, &status);
    if (status >= 200 && status < 300 && a->req->sink) {
        a->sink_rc = a->req->sink(a->req->sink_ctx, status, a->pos, data, len,
                                  a->err);
        if (a->sink_rc)
            return 0; /* abort the transfer */
    } else {
        size_t cap = status >= 200 && status < 300 ? MAX_BODY : MAX_ERROR_BODY;
        if (a->resp->body.len + len > cap) {
            a->sink_rc = cap_err(a->err, NSG_E_INPUT,
                                 "the answer is larger than %zu bytes", cap);
            return 0;
        }
        nsg_buf_add(&a->resp->body, data, len);
    }
    a->pos += len;
    return len;
}

/* ---- requests ----------------------------------------------------------- */

static bool curl_retryable(CURLcode cc)
{
    switch (cc) {
    case CURLE_COULDNT_CONNECT:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
        return true;
    default:
        return false;
    }
}

static bool curl_tls_trust(CURLcode cc)
{
    return cc == CURLE_PEER_FAILED_VERIFICATION ||
           cc == CURLE_SSL_CACERT_BADFILE || cc == CURLE_SSL_ISSUER_ERROR ||
           cc == CURLE_SSL_PINNEDPUBKEYNOTMATCH;
}

static void setup(struct cap_conn *c, const char *method, const char *url,
                  const struct cap_req *req, struct curl_slist *hdrs,
                  struct attempt *a, char *errbuf)
{
    CURL *e = c->e;
    const struct cap_http_cfg *cfg = &c->h->cfg;
    curl_easy_reset(e); /* keeps live connections and the share */
    curl_easy_setopt(e, CURLOPT_SHARE, c->h->share);
    curl_easy_setopt(e, CURLOPT_URL, url);
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
    if (cfg->ca_file)
        curl_easy_setopt(e, CURLOPT_CAINFO, cfg->ca_file);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, cfg->connect_timeout_ms);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, cfg->timeout_ms);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_USERAGENT, USER_AGENT);
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, hdrs);
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, a);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, a);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, errbuf);
    if (!strcmp(method, "GET")) {
        curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
    } else if (!strcmp(method, "HEAD")) {
        curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
    } else {
        curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, method);
        curl_easy_setopt(e, CURLOPT_POSTFIELDS, req->body ? req->body : "");
        curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE,
                         (long)(req->body ? req->body_len : 0));
    }
}

static void log_request(struct cap_http *h, const char *method,
                        const char *url, const struct curl_slist *hdrs)
{
    if (!h->cfg.hooks || !h->cfg.hooks->verbose)
        return;
    char *shown = cap_url_redact(url);
    cap_http_log(h, "> %s %s", method, shown);
    g_free(shown);
    for (const struct curl_slist *s = hdrs; s; s = s->next) {
        size_t n = strcspn(s->data, ":");
        if (!s->data[n] || !s->data[n + 1])
            continue; /* "Expect:" (a removed header) */
        if (!g_ascii_strncasecmp(s->data, "authorization", n))
            cap_http_log(h, ">   %.*s: [REDACTED]", (int)n, s->data);
        else
            cap_http_log(h, ">   %s", s->data);
    }
}

static void log_response(struct cap_http *h, const struct cap_resp *r,
                         double secs, uint64_t bytes)
{
    static const char *const shown[] = {"x-ms-request-id", "retry-after",
                                        "content-range", "location",
                                        "azure-asyncoperation", "etag"};
    if (!h->cfg.hooks || !h->cfg.hooks->verbose)
        return;
    cap_http_log(h, "< %ld (%.0f ms, %llu bytes)", r->status, secs * 1000,
                 (unsigned long long)bytes);
    for (size_t i = 0; i < G_N_ELEMENTS(shown); i++) {
        const char *v = cap_resp_header(r, shown[i]);
        if (v) {
            char *red = strcmp(shown[i], "location") &&
                                strcmp(shown[i], "azure-asyncoperation")
                            ? g_strdup(v)
                            : cap_url_redact(v);
            cap_http_log(h, "<   %s: %s", shown[i], red);
            g_free(red);
        }
    }
}

static void count(struct cap_http *h, int req, int retry, int redir,
                  uint64_t bytes)
{
    g_mutex_lock(&h->stat_lock);
    h->stats.requests += (uint64_t)req;
    h->stats.retries += (uint64_t)retry;
    h->stats.redirects += (uint64_t)redir;
    h->stats.bytes += bytes;
    g_mutex_unlock(&h->stat_lock);
}

static struct curl_slist *build_headers(const struct cap_req *req)
{
    struct curl_slist *l = NULL;
    for (size_t i = 0; req->headers && req->headers[i]; i++)
        l = curl_slist_append(l, req->headers[i]);
    l = curl_slist_append(l, "Expect:");
    return l;
}

static void wait_ms(struct cap_http *h, long ms, const char *method,
                    const char *url, const char *why, int attempt)
{
    char *shown = cap_url_redact(url);
    cap_http_progress(h, "retry %d of %s %s in %.1f s (%s)", attempt, method,
                      shown, (double)ms / 1000, why);
    cap_http_log(h, "  retry %d in %ld ms (%s)", attempt, ms, why);
    g_free(shown);
    g_usleep((gulong)ms * 1000);
}

nsg_rc cap_http_do(struct cap_conn *c, const struct cap_req *req,
                   struct cap_resp *resp, struct nsg_err *err)
{
    struct cap_http *h = c->h;
    const struct cap_retry_cfg *rc_cfg = &h->cfg.retry;
    char *url = g_strdup(req->url);
    const char *method = req->method;
    int retries = 0, redirects = 0;
    nsg_rc rc = cap_url_check(url, "URL", err);
    char errbuf[CURL_ERROR_SIZE];

    while (!rc) {
        struct curl_slist *hdrs = build_headers(req);
        char *query = NULL, *full = NULL;
        bool signing = req->sign && cap_url_same_origin(req->url, url);
        if (signing)
            rc = req->sign(req->sign_ctx, req, url, &hdrs, &query, err);
        if (rc) {
            curl_slist_free_all(hdrs);
            break;
        }
        full = query && *query ? g_strdup_printf("%s%c%s", url,
                                                 strchr(url, '?') ? '&' : '?',
                                                 query)
                               : g_strdup(url);
        cap_secret_free(query);
        struct attempt a = {c, req, resp, 0, NSG_OK, err};
        nsg_buf_reset(&resp->body);
        g_ptr_array_set_size(resp->headers, 0);
        errbuf[0] = '\0';
        setup(c, method, full, req, hdrs, &a, errbuf);
        log_request(h, method, full, hdrs);
        gint64 t0 = g_get_monotonic_time();
        CURLcode cc = curl_easy_perform(c->e);
        double secs = (double)(g_get_monotonic_time() - t0) / 1e6;
        curl_easy_setopt(c->e, CURLOPT_HTTPHEADER, NULL);
        curl_slist_free_all(hdrs); /* held signed headers: gone now */
        /* the signed URL may hold a SAS: wipe it */
        memset(full, 0, strlen(full));
        g_free(full);
        resp->status = 0;
        curl_easy_getinfo(c->e, CURLINFO_RESPONSE_CODE, &resp->status);
        count(h, 1, 0, 0, a.pos);
        if (a.sink_rc) {
            rc = a.sink_rc;
            break;
        }
        if (cc != CURLE_OK) {
            char *shown = cap_url_redact(url);
            const char *detail = errbuf[0] ? errbuf : curl_easy_strerror(cc);
            cap_http_log(h, "< failed: %s", detail);
            if (curl_retryable(cc) && retries < rc_cfg->max_retries) {
                retries++;
                count(h, 0, 1, 0, 0);
                wait_ms(h, cap_backoff_ms(rc_cfg, retries - 1, g_random_double()),
                        method, url, detail, retries);
                g_free(shown);
                continue;
            }
            if (curl_tls_trust(cc))
                rc = cap_err(err, NSG_E_INPUT,
                             "%s %s: the server's TLS certificate is not "
                             "trusted (%s); give the CA that issued it with "
                             "--ca-file (verification is never turned off)",
                             method, shown, detail);
            else {
                char tail[64] = "";
                if (retries)
                    snprintf(tail, sizeof(tail), " (after %d retries)",
                             retries);
                rc = cap_err(err, NSG_E_IO, "%s %s: %s%s", method, shown,
                             detail, tail);
            }
            g_free(shown);
            break;
        }
        log_response(h, resp, secs, a.pos);
        long st = resp->status;
        if (cap_status_retryable(st) && retries < rc_cfg->max_retries) {
            long ms = -1;
            if (st == 429 || st == 503)
                ms = cap_retry_after_ms(cap_resp_header(resp, "retry-after"),
                                        (int64_t)time(NULL));
            if (ms > rc_cfg->retry_after_cap_ms)
                ms = rc_cfg->retry_after_cap_ms;
            if (ms < 0)
                ms = cap_backoff_ms(rc_cfg, retries, g_random_double());
            retries++;
            count(h, 0, 1, 0, 0);
            char why[64];
            snprintf(why, sizeof(why), "HTTP %ld", st);
            wait_ms(h, ms, method, url, why, retries);
            continue;
        }
        const char *loc = cap_resp_header(resp, "location");
        if ((st == 301 || st == 302 || st == 303 || st == 307 || st == 308) &&
            loc) {
            char *next = cap_url_resolve(url, loc);
            if (!next || ++redirects > MAX_REDIRECTS) {
                char *shown = cap_url_redact(url);
                rc = cap_err(err, NSG_E_IO, "%s %s: %s", method, shown,
                             next ? "too many redirects"
                                  : "a redirect to a bad Location");
                g_free(shown);
                g_free(next);
                break;
            }
            rc = cap_url_check(next, "redirect", err);
            if (rc) {
                g_free(next);
                break;
            }
            if (st == 303)
                method = "GET";
            count(h, 0, 0, 1, 0);
            g_free(url);
            url = next;
            continue;
        }
        break;
    }
    resp->retries = retries;
    g_free(resp->final_url);
    resp->final_url = url;
    return rc;
}

/* ---- error descriptions ------------------------------------------------- */

static char *first_line(const char *s)
{
    size_t n = strcspn(s, "\r\n");
    if (n > 300)
        n = 300;
    return g_strndup(s, n);
}

static char *xml_element(const char *xml, const char *tag)
{
    char *open = g_strdup_printf("<%s>", tag), *close = g_strdup_printf("</%s>", tag);
    const char *a = strstr(xml, open), *b = a ? strstr(a, close) : NULL;
    char *out = a && b ? g_strndup(a + strlen(open), (gsize)(b - a - strlen(open)))
                       : NULL;
    g_free(open);
    g_free(close);
    return out;
}

char *cap_resp_describe(const struct cap_resp *r)
{
    const char *body = r->body.buf ? r->body.buf : "";
    char *code = NULL, *msg = NULL;
    cJSON *j = cJSON_ParseWithLength(body, r->body.len);
    const cJSON *e = cJSON_GetObjectItemCaseSensitive(j, "error");
    if (cJSON_IsObject(e)) { /* ARM */
        const cJSON *c = cJSON_GetObjectItemCaseSensitive(e, "code");
        const cJSON *m = cJSON_GetObjectItemCaseSensitive(e, "message");
        code = cJSON_IsString(c) ? g_strdup(c->valuestring) : NULL;
        msg = cJSON_IsString(m) ? first_line(m->valuestring) : NULL;
    } else if (cJSON_IsString(e)) { /* OAuth2 token endpoint */
        const cJSON *m = cJSON_GetObjectItemCaseSensitive(j, "error_description");
        code = g_strdup(e->valuestring);
        msg = cJSON_IsString(m) ? first_line(m->valuestring) : NULL;
    } else if (strstr(body, "<Error>")) { /* storage */
        char *c = xml_element(body, "Code"), *m = xml_element(body, "Message");
        code = c;
        msg = m ? first_line(m) : NULL;
        g_free(m);
    }
    cJSON_Delete(j);
    if (!code) {
        const char *ec = cap_resp_header(r, "x-ms-error-code");
        code = ec ? g_strdup(ec) : NULL;
    }
    char *out = g_strdup_printf("HTTP %ld%s%s%s%s%s", r->status,
                                code || msg ? " (" : "", code ? code : "",
                                code && msg ? ": " : "", msg ? msg : "",
                                code || msg ? ")" : "");
    g_free(code);
    g_free(msg);
    cap_scrub(out);
    return out;
}
