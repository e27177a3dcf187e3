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

#endif
