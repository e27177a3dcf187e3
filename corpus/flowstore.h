/* flowstore.h - the corpus's stored flows: logged flow tuples, aggregated
 * (identical tuples of one hour merged, with counts, first/last seen and
 * summed counters) in append-only segment files listed in the manifest's
 * "flows" section.  The importer writes segments; replay reads them.  The
 * format is documented in docs/corpus.md. */
#ifndef NSG_FLOWSTORE_H
#define NSG_FLOWSTORE_H

#include "corpus.h"

/* One aggregated flow tuple as logged.  Strings are borrowed from the
 * iterator and valid until the next call. */
struct nsg_flow {
    const char *nsg_id;    /* NSG flow logs: the record's resourceId (as
                              logged, upper-case); NULL for VNet flow logs */
    const char *acl_id;    /* VNet flow logs: aclID (an NSG resourceGuid,
                              zeros, or an NSG id); NULL for NSG flow logs */
    const char *target_id; /* VNet flow logs: targetResourceID; else NULL */
    const char *rule;      /* as logged: "UserRule_X", "DefaultRule_X",
                              "PlatformRule", or an admin rule name */
    char mac[13];          /* normalized MAC, "" when unknown */
    uint8_t version;       /* 1 or 2 (NSG flow logs), 4 (VNet flow logs) */
    enum nsg_dir dir;
    int proto;             /* IANA number */
    struct nsg_ip src, dst;
    uint16_t sport, dport;
    char decision;         /* 'A' (allowed) or 'D' (denied) */
    char state;            /* 'B', 'C', 'E', 'D' (VNet denied), 0 for v1 */
    int64_t first_seen, last_seen; /* unix seconds */
    uint64_t count;        /* identical tuples merged into this one */
    uint64_t packets_sd, bytes_sd, packets_ds, bytes_ds; /* sums */
};

struct nsg_flow_iter; /* opaque */
/* Iterate over every stored flow of the corpus (all segments). */
nsg_rc nsg_flows_open(struct nsg_corpus *c, struct nsg_flow_iter **out,
                      struct nsg_err *err) NSG_WUR;
/* 1 and *f set: a flow; 0: the end; <0: error (err says which segment). */
int nsg_flows_next(struct nsg_flow_iter *it, const struct nsg_flow **f,
                   struct nsg_err *err);
void nsg_flows_close(struct nsg_flow_iter *it); /* NULL-safe */

#endif
