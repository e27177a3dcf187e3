/* cap_int.h - internals of live capture: secrets and their scrubbing, URL
 * rules, the libcurl client with retries, credentials and token requests,
 * Shared Key signing, storage and ARM requests, the Blob list parser.
 * Not a public header (tests use it). */
#ifndef NSG_CAP_INT_H
#define NSG_CAP_INT_H

#include <curl/curl.h>
#include <glib.h>

#include "capture.h"

/* ---- secrets (cap_secret.c) --------------------------------------------- */
/* Every secret the process holds (keys, SAS, tokens, client secrets,
 * assertions) is registered here the moment it is read or received; every
 * log line and error message of the capture library passes through
 * cap_scrub, which replaces any registered secret (and any long run of a
 * registered secret's base64 / URL-encoded form) with "[REDACTED]". */
void cap_secret_register(const char *s);
/* Replace registered secrets in s, in place (result never longer). */
void cap_scrub(char *s);
/* Zero and free a secret copy (NULL-safe). */
void cap_secret_free(char *s);
/* nsg_err_set + scrub. */
nsg_rc cap_err(struct nsg_err *err, nsg_rc code, const char *fmt, ...)
    NSG_PRINTF(3, 4);

/* ---- helpers (cap_util.c) ---------------------------------------------- */
/* A whole number from the environment in [min, max], else dflt. */
long cap_env_long(const char *name, long dflt, long min, long max);
/* o[key] += n (created as n). */
void cap_json_bump(cJSON *o, const char *key, double n);
/* A copy of an endpoint URL without trailing '/' (free). */
char *cap_endpoint_dup(const char *url);
/* Append a header holding a secret ("Authorization: ..."); the formatted
 * copy is wiped (libcurl's copy lives in the list until it is freed). */
void cap_header_secret(struct curl_slist **hdrs, const char *fmt, ...)
    NSG_PRINTF(2, 3);

/* ---- URLs (cap_url.c) --------------------------------------------------- */
/* https://, or http:// to a loopback host (127.0.0.0/8, [::1], localhost):
 * anything else is refused (`what` names the option in the message). */
nsg_rc cap_url_check(const char *url, const char *what, struct nsg_err *err);
/* True when a and b have the same scheme, host and port. */
bool cap_url_same_origin(const char *a, const char *b);
/* A copy of url with the values of secret query parameters (sig, any
 * *secret*, *token*, *key*, *assertion*, code) replaced by REDACTED. */
char *cap_url_redact(const char *url);
/* Percent-encode s (RFC 3986 unreserved kept; '/' kept when keep_slash). */
char *cap_url_escape(const char *s, bool keep_slash);
/* Resolve a (possibly relative) Location against base (g_free). */
char *cap_url_resolve(const char *base, const char *location);
/* The part of url after "scheme://host[:port]" up to '?' (g_free), and the
 * query after '?' (g_free, "" when none). */
char *cap_url_path(const char *url);
char *cap_url_query(const char *url);
/* Percent-decode (g_free); '+' is kept. */
char *cap_url_unescape(const char *s);

/* ---- retry policy (cap_retry.c) ----------------------------------------- */
struct cap_retry_cfg {
    int max_retries;     /* retries after the first attempt */
    long base_ms;        /* first backoff */
    long cap_ms;         /* largest backoff */
    long retry_after_cap_ms; /* largest Retry-After honoured */
};
/* Backoff before retry number `attempt` (0-based): min(cap, base * 2^n)
 * scaled by a jitter factor in [0.5, 1) drawn from `rand01` in [0, 1). */
long cap_backoff_ms(const struct cap_retry_cfg *c, int attempt, double rand01);
/* A Retry-After value (delta-seconds or an HTTP-date) in milliseconds from
 * `now` (unix seconds); -1 when it is neither. */
long cap_retry_after_ms(const char *value, int64_t now);
/* True for the HTTP statuses retried (408, 429, 500, 502, 503, 504). */
bool cap_status_retryable(long status);

/* ---- the HTTP client (cap_http.c) --------------------------------------- */
struct cap_http_cfg {
    const char *ca_file;        /* an extra CA bundle, or NULL */
    long connect_timeout_ms;    /* default 15 s */
    long timeout_ms;            /* whole request, default 600 s */
    struct cap_retry_cfg retry;
    const struct nsg_cap_hooks *hooks;
};
/* Defaults, with NSGPROOF_HTTP_RETRIES, NSGPROOF_HTTP_BACKOFF_MS,
 * NSGPROOF_HTTP_TIMEOUT (seconds) and NSGPROOF_HTTP_CONNECT_TIMEOUT
 * (seconds) from the environment. */
void cap_http_cfg_defaults(struct cap_http_cfg *cfg);

/* A client for one capture (CA file and hooks from the common options);
 * its counters into report["http"]. */
struct cap_http;
nsg_rc cap_http_for(const struct nsg_cap_common *c, struct cap_http **out,
                    struct nsg_err *err) NSG_WUR;
void cap_http_report(struct cap_http *h, cJSON *report);

struct cap_http; /* the shared part: connection cache, DNS, TLS sessions */
struct cap_conn; /* one easy handle, used by one thread at a time */
nsg_rc cap_http_new(const struct cap_http_cfg *cfg, struct cap_http **out,
                    struct nsg_err *err) NSG_WUR;
void cap_http_free(struct cap_http *h); /* NULL-safe; conns first */
struct cap_conn *cap_conn_new(struct cap_http *h);
void cap_conn_free(struct cap_conn *c); /* NULL-safe */
struct cap_http *cap_conn_http(struct cap_conn *c);
/* Counters of the whole client (all conns). */
struct cap_http_stats {
    uint64_t requests, retries, redirects, bytes;
};
void cap_http_stats(struct cap_http *h, struct cap_http_stats *out);
/* Log a line through the verbose hook (scrubbed). */
void cap_http_log(struct cap_http *h, const char *fmt, ...) NSG_PRINTF(2, 3);
void cap_http_progress(struct cap_http *h, const char *fmt, ...)
    NSG_PRINTF(2, 3);

struct cap_req;
/* Adds credentials for one attempt at `url` (same origin as the request's
 * first URL): headers to *hdrs, and/or a query string to append (g_free'd
 * by the caller) in *query. */
typedef nsg_rc (*cap_sign_fn)(void *ctx, const struct cap_req *req,
                              const char *url, struct curl_slist **hdrs,
                              char **query, struct nsg_err *err);
/* Receives the body of a 2xx response as it arrives: `status`, the byte
 * position in the body, the bytes.  A retried attempt starts again at 0.
 * Returning CAP_SINK_STOP ends the request (cap_http_do returns it). */
typedef nsg_rc (*cap_sink_fn)(void *ctx, long status, uint64_t pos,
                              const char *data, size_t len,
                              struct nsg_err *err);
#define CAP_SINK_STOP 100

struct cap_req {
    const char *method; /* "GET", "POST", "PUT", "HEAD" */
    const char *url;
    const char *const *headers; /* "Name: value", NULL-terminated, or NULL */
    const char *body;           /* request body, or NULL */
    size_t body_len;
    cap_sign_fn sign;
    void *sign_ctx;
    cap_sink_fn sink; /* NULL: the body goes to resp->body */
    void *sink_ctx;
    bool no_body_log; /* never log the request body (always true today) */
};
struct cap_resp {
    long status;
    struct nsg_buf body;   /* the body (sink-less requests; error bodies) */
    GPtrArray *headers;    /* char *: "name: value", names lower-cased */
    char *final_url;       /* after redirects (g_free) */
    int retries;
};
void cap_resp_init(struct cap_resp *r);
void cap_resp_release(struct cap_resp *r);
/* The first value of a response header (name lower-case), or NULL. */
const char *cap_resp_header(const struct cap_resp *r, const char *name);
/* Send a request: retries 408/429/5xx and connection errors with backoff
 * (429 and 503 honour Retry-After), follows up to 5 redirects (credentials
 * only to the first URL's origin, only https or loopback http).  Returns
 * NSG_OK with the final response (any status) or an error (connection,
 * TLS, refused URL, sink). */
nsg_rc cap_http_do(struct cap_conn *c, const struct cap_req *req,
                   struct cap_resp *resp, struct nsg_err *err) NSG_WUR;
/* Short description of an error response for messages: "HTTP 403
 * (AuthorizationFailed: The client ... )": the code and first line of the
 * message of an ARM, token or storage (XML) error body; scrubbed. */
char *cap_resp_describe(const struct cap_resp *r);

/* ---- credentials (cap_auth.c) ------------------------------------------- */
enum cap_cred_kind {
    CAP_CRED_TOKEN,     /* AZURE_ACCESS_TOKEN */
    CAP_CRED_SECRET,    /* AZURE_CLIENT_SECRET + tenant + client */
    CAP_CRED_WORKLOAD,  /* AZURE_FEDERATED_TOKEN_FILE + tenant + client */
};
struct cap_cred;
/* From the environment; login endpoint for the token requests (default
 * https://login.microsoftonline.com).  NSG_E_INPUT naming the variables
 * when none is set. */
nsg_rc cap_cred_from_env(const char *login_endpoint, struct cap_cred **out,
                         struct nsg_err *err) NSG_WUR;
void cap_cred_free(struct cap_cred *c);
enum cap_cred_kind cap_cred_kind(const struct cap_cred *c);
const char *cap_cred_kind_name(enum cap_cred_kind k);
/* A bearer token for scope ("https://management.azure.com/.default"),
 * cached; `refresh` asks for a new one (after a 401).  *token is a copy
 * (cap_secret_free).  Thread-safe. */
nsg_rc cap_cred_token(struct cap_cred *cr, struct cap_conn *conn,
                      const char *scope, bool refresh, char **token,
                      struct nsg_err *err) NSG_WUR;
/* True when a new token can be had (not a fixed AZURE_ACCESS_TOKEN). */
bool cap_cred_can_refresh(const struct cap_cred *cr);

/* ---- Shared Key (cap_sharedkey.c) --------------------------------------- */
/* The string-to-sign of the Blob service's Shared Key scheme (version
 * 2009-09-19 and later) for a request: method, the standard headers
 * (Content-Length "" when 0), the canonicalized x-ms- headers and the
 * canonicalized resource ("/" account, the encoded URI path, then each
 * query parameter lower-cased, decoded, sorted, "\nname:v1,v2").
 * headers: "Name: value" lines.  g_free. */
char *cap_sharedkey_string(const char *account, const char *method,
                           const char *url, const char *const *headers,
                           size_t n_headers);
/* "SharedKey account:signature" for the string, with the base64 key;
 * NSG_E_INPUT when the key is not base64. */
nsg_rc cap_sharedkey_auth(const char *account, const char *key_b64,
                          const char *string_to_sign, char **out,
                          struct nsg_err *err) NSG_WUR;

/* ---- storage and ARM requests (cap_storage.c, cap_armreq.c) ------------- */
#define CAP_STORAGE_VERSION "2023-11-03"
struct cap_storage; /* account, endpoint and how requests are authorized */
nsg_rc cap_storage_new(const char *account, const char *endpoint,
                       struct cap_cred *bearer, struct cap_storage **out,
                       struct nsg_err *err) NSG_WUR;
void cap_storage_free(struct cap_storage *s);
const char *cap_storage_auth_name(const struct cap_storage *s);
const char *cap_storage_endpoint(const struct cap_storage *s);
/* GET path (under the endpoint, already escaped, with its query) with
 * storage auth; extra headers (Range...) may be given. */
nsg_rc cap_storage_get(struct cap_storage *s, struct cap_conn *conn,
                       const char *path_query, const char *const *headers,
                       cap_sink_fn sink, void *sink_ctx, struct cap_resp *resp,
                       struct nsg_err *err) NSG_WUR;

struct cap_arm; /* endpoint, credential, scope */
nsg_rc cap_arm_new(const char *endpoint, struct cap_cred *cred,
                   struct cap_conn *conn, struct cap_arm **out,
                   struct nsg_err *err) NSG_WUR;
void cap_arm_free(struct cap_arm *a);
const char *cap_arm_endpoint(const struct cap_arm *a);
/* One ARM call (path absolute under the endpoint, or a full URL from a
 * nextLink / Location, which must be on the ARM endpoint's origin).  A 401
 * gets one new token and one more try; 201/202 with Azure-AsyncOperation
 * or Location are polled to the end (the result body is the final
 * resource's).  Non-2xx answers are errors naming the call and Azure's
 * error.  *body is g_free'd by the caller. */
nsg_rc cap_arm_call(struct cap_arm *a, const char *method, const char *path,
                    const char *body, char **out_body, size_t *out_len,
                    struct nsg_err *err) NSG_WUR;

/* One ARM call whose answer is kept whatever its status: extra request
 * headers (If-Match...) after the standard ones; long-running operations
 * polled to their end (honouring Retry-After).  Errors (the return value):
 * the connection, the credentials, links off the ARM endpoint, error
 * answers while polling.  An error answer to the call itself is not one:
 * see out->status and out->error. */
struct cap_arm_result {
    long first_status; /* the call's own answer */
    long status;       /* the final answer (after polling: the result's) */
    int retries;
    char *operation;   /* NULL, or how a long-running operation ended:
                          "Succeeded", "Failed" or "Canceled" */
    int polls;
    char *error;       /* an error answer or a failed operation, described
                          (cap_resp_describe; scrubbed) */
    char *body;        /* the final answer's body (g_free) */
    size_t len;
};
nsg_rc cap_arm_send(struct cap_arm *a, const char *method, const char *path,
                    const char *body, const char *const *headers,
                    struct cap_arm_result *out, struct nsg_err *err) NSG_WUR;
void cap_arm_result_release(struct cap_arm_result *r);
/* The error of a call answered `status` (desc: cap_resp_describe), with
 * what to do for 401 and 403. */
nsg_rc cap_arm_failure(struct cap_arm *a, const char *method, const char *url,
                       long status, const char *desc, int retries,
                       struct nsg_err *err);

/* True when `capture arm` lists resources of this ARM type (on their own,
 * under their parents or inside another list). */
bool cap_arm_type_listed(const char *arm_type);

/* ---- Blob listing (cap_blob.c) ------------------------------------------ */
struct cap_blob {
    char *name;
    char *etag;
    uint64_t size;
    int64_t last_modified; /* unix seconds, 0 when absent */
};
void cap_blob_free(struct cap_blob *b);
/* Parse one List Blobs page (EnumerationResults XML): blobs appended to
 * `out` (struct cap_blob *), *next_marker (g_free) set to NextMarker or
 * NULL when it is the last page. */
nsg_rc cap_blob_parse_list(const char *xml, size_t len, GPtrArray *out,
                           char **next_marker, struct nsg_err *err) NSG_WUR;

/* ---- the flow store and the ingest (cap_flowstore.c) ------------------- */
struct nsg_corpus;
struct nsg_txn;
/* Where the importer stopped reading a blob (corpus/flowstore.h). */
struct cap_ckpt {
    bool have;               /* the blob was read before */
    bool final;              /* closed and its hour over: never read again */
    uint64_t offset, length; /* the last complete record read */
    char hash[65];           /* its SHA-256 */
};
/* The checkpoint name of a blob (NULL: not a flow-log blob name, which
 * starts its path at "resourceId=" or "flowLogResourceID="). */
char *cap_flow_key(const char *blob_name);
/* True when the hour the key names is over (a closed blob of it is
 * final). */
bool cap_flow_hour_over(const char *key);
/* The checkpoints of n blobs (out[i].have false when never read), read
 * in a transaction that is abandoned. */
nsg_rc cap_ckpt_lookup(struct nsg_corpus *c, const char *const *keys, size_t n,
                       struct cap_ckpt *out, struct nsg_err *err) NSG_WUR;
/* The flow-log ingest of one batch inside txn (the model after txn, to
 * attach flows to NICs and NSGs): each blob's bytes streamed as they are
 * downloaded (from byte `start`: 0 or its checkpointed record); `end`
 * writes the flow segment and puts the importer's counts in `report`. */
struct cap_ingest;
nsg_rc cap_ingest_begin(struct nsg_txn *txn, struct cap_ingest **out,
                        struct nsg_err *err) NSG_WUR;
nsg_rc cap_ingest_stream(struct cap_ingest *g, const char *blob_name, int fd,
                         uint64_t start, struct nsg_err *err) NSG_WUR;
nsg_rc cap_ingest_end(struct cap_ingest *g, cJSON *report,
                      struct nsg_err *err) NSG_WUR;
void cap_ingest_abort(struct cap_ingest *g); /* NULL-safe */

#endif
