/* model_flow.h - one observed flow as NSG and VNet flow logs record it:
 * the unit that the flow store keeps, replay evaluates and what-if
 * compares.  Aggregated: identical tuples of one hour are merged, with a
 * count, first and last seen times and summed counters. */
#ifndef NSG_MODEL_FLOW_H
#define NSG_MODEL_FLOW_H

#include "model.h"

/* One aggregated flow tuple as logged.  Strings are borrowed from whoever
 * hands the flow out (the flow store's iterator: valid until its next
 * call). */
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

#endif
