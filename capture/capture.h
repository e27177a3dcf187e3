/* capture.h - live capture from Azure into a corpus: the network
 * configuration of a subscription from Azure Resource Manager (ARM REST),
 * and NSG / VNet flow logs from Blob storage, through the same importer as
 * files.  Credentials come from the environment and never leave memory
 * (docs/capture.md). */
#ifndef NSG_CAPTURE_H
#define NSG_CAPTURE_H

#include <cjson/cJSON.h>

#include "../common/nsg.h"

/* How the library talks to its caller (it never prints): verbose lines
 * (requests and responses, secrets redacted) and progress lines. */
struct nsg_cap_hooks {
    void (*verbose)(void *ctx, const char *line); /* NULL: not wanted */
    void (*progress)(void *ctx, const char *line); /* NULL: not wanted */
    void *ctx;
};

/* What both captures share. */
struct nsg_cap_common {
    const char *corpus;       /* directory (created when missing) */
    const char *ca_file;      /* extra CA bundle (--ca-file), or NULL */
    const char *login_endpoint; /* token endpoint base, or NULL: public cloud */
    int lock_wait_ms;         /* corpus lock wait (-1: the default) */
    const struct nsg_cap_hooks *hooks;
};

/* ---- configuration (cap_arm_capture.c) ---------------------------------- */
struct nsg_cap_arm_opts {
    struct nsg_cap_common common;
    const char *subscription;
    const char *const *resource_groups; /* NULL or empty: the subscription */
    size_t n_resource_groups;
    const char *service_tags_location;  /* NULL: no Service Tags */
    const char *arm_endpoint;           /* NULL: https://management.azure.com */
    int64_t captured_at;                /* capture time of the versions */
};
/* List every resource type the corpus models (and the per-VNet effective
 * security admin rules, the flow-log resources of the subscription's
 * network watchers, Service Tags when asked), import them in one corpus
 * transaction and fill `report` (docs/capture.md).  All or nothing. */
nsg_rc nsg_cap_arm(const struct nsg_cap_arm_opts *o, cJSON *report,
                   struct nsg_err *err) NSG_WUR;

/* ---- flow logs (cap_flow.c) --------------------------------------------- */
#define NSG_CAP_CONTAINER_NSG "insights-logs-networksecuritygroupflowevent"
#define NSG_CAP_CONTAINER_VNET "insights-logs-flowlogflowevent"
struct nsg_cap_flow_opts {
    struct nsg_cap_common common;
    const char *account;
    const char *const *containers; /* NULL or empty: both flow-log ones */
    size_t n_containers;
    const char *prefix;            /* blob name prefix, or NULL */
    int64_t since;                 /* skip blobs last modified before; 0 */
    const char *blob_endpoint;     /* NULL: https://ACCOUNT.blob.core.windows.net */
    int parallel;                  /* downloads at once (1-16; 0: 4) */
};
/* List the containers' blobs, download what is new or grew (ranged reads
 * from the checkpoint), import it in batches of blobs (one transaction
 * each: a kill loses at most the batch in flight, and nothing is counted
 * twice) and fill `report`. */
nsg_rc nsg_cap_flowlogs(const struct nsg_cap_flow_opts *o, cJSON *report,
                        struct nsg_err *err) NSG_WUR;

/* ---- one resource at a time: GET and PUT (cap_armres.c) ---------------- */
/* A session with Azure Resource Manager for reading and writing single
 * resources (enforce --apply): credentials from the environment as for
 * `capture arm`, one connection reused, retries, verbose lines redacted. */
struct nsg_cap_arm_session;
nsg_rc nsg_cap_arm_open(const struct nsg_cap_common *common,
                        const char *arm_endpoint,
                        struct nsg_cap_arm_session **out,
                        struct nsg_err *err) NSG_WUR;
void nsg_cap_arm_close(struct nsg_cap_arm_session *s); /* NULL-safe */
/* report["arm_endpoint"], report["credential"]. */
void nsg_cap_arm_describe(struct nsg_cap_arm_session *s, cJSON *report);
/* report["http"]: requests, retries, redirects, bytes so far. */
void nsg_cap_arm_http_report(struct nsg_cap_arm_session *s, cJSON *report);

/* GET the resource `id` (an ARM id) with api_version: *out (caller owns).
 * 404: NSG_E_NOTFOUND; other error answers: NSG_E_INPUT naming the call
 * and Azure's error. */
nsg_rc nsg_cap_arm_get(struct nsg_cap_arm_session *s, const char *id,
                       const char *api_version, cJSON **out,
                       struct nsg_err *err) NSG_WUR;

enum nsg_cap_put_outcome {
    NSG_CAP_PUT_DONE,     /* accepted; the operation (if any) Succeeded */
    NSG_CAP_PUT_CONFLICT, /* 412 Precondition Failed: the etag moved */
    NSG_CAP_PUT_FAILED,   /* refused (an error answer), or the operation
                             ended Failed or Canceled */
};
struct nsg_cap_put {
    enum nsg_cap_put_outcome outcome;
    long status;     /* the PUT's own answer */
    char *operation; /* how its long-running operation ended (NULL: none) */
    int polls;       /* status requests made */
    int retries;     /* of the PUT itself (429, 5xx, connection errors) */
    char *error;     /* Azure's error, described (scrubbed), or NULL */
    cJSON *result;   /* the resource after success, when ARM returned it */
};
void nsg_cap_put_release(struct nsg_cap_put *p);
/* PUT body as the resource `id` with If-Match: if_match (an etag; never
 * without one), then poll its Azure-AsyncOperation (or Location) to the
 * end.  The return value is for what stops the exchange (connection,
 * credentials, 401/403, a status link off the ARM endpoint); what Azure
 * answered is in *out. */
nsg_rc nsg_cap_arm_put(struct nsg_cap_arm_session *s, const char *id,
                       const char *api_version, const cJSON *body,
                       const char *if_match, struct nsg_cap_put *out,
                       struct nsg_err *err) NSG_WUR;

#endif
