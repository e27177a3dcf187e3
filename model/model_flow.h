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
    uint8_t version;       /* 1 or 2 (NSG flow logs), 4 (VNet flow logs),
                              NSG_FLOW_AGGREGATE (a row of the aggregate
                              interchange format, docs/aggregates.md) */
    enum nsg_dir dir;
    int proto;             /* IANA number */
    struct nsg_ip src, dst;
    uint16_t sport, dport;
    char decision;         /* 'A' (allowed) or 'D' (denied) */
    char state;            /* 'B', 'C', 'E', 'D' (VNet denied), 0 for v1 */
    int64_t first_seen, last_seen; /* unix seconds */
    uint64_t count;        /* identical tuples merged into this one */
    uint64_t packets_sd, bytes_sd, packets_ds, bytes_ds; /* sums */
    /* Aggregate rows only (zero for logged tuples): the row stands for
     * source ports sport..sport+sport_span (what the engine that grouped
     * the tuples kept of them), `flows` flows begun, and the NSG_FLOW_NO_*
     * bits say which sums the row did not know. */
    uint16_t sport_span;
    uint8_t unknown;
    uint64_t flows;
};

/* The version of an aggregate row (state 0, no per-tuple times). */
#define NSG_FLOW_AGGREGATE 0
/* Bits of nsg_flow.unknown: the row's tuples (count then stands for its
 * flows, or 1), flows, or packet and byte counters were not known. */
enum {
    NSG_FLOW_NO_TUPLES = 1,
    NSG_FLOW_NO_FLOWS = 2,
    NSG_FLOW_NO_COUNTERS = 4,
    NSG_FLOW_UNKNOWN_ALL = 7,
};
/* Was the flow denied (decision D, or VNet state D)? */
static inline bool nsg_flow_denied(const struct nsg_flow *f)
{
    return f->decision == 'D' || f->state == 'D';
}
/* The last source port a flow stands for (sport for a logged tuple). */
static inline unsigned nsg_flow_sport_max(const struct nsg_flow *f)
{
    return (unsigned)f->sport + f->sport_span;
}

#endif
