/* flowstore.h - the corpus's stored flows: logged flow tuples, aggregated
 * (identical tuples of one hour merged, with counts, first/last seen and
 * summed counters; struct nsg_flow is in model/model_flow.h) in
 * append-only segment files listed in the manifest's "flows" section.  The
 * importer writes segments; replay reads them.  The format is documented
 * in docs/corpus-flows.md. */
#ifndef NSG_FLOWSTORE_H
#define NSG_FLOWSTORE_H

#include <stddef.h>

#include "../model/model_flow.h"
#include "corpus.h"

struct nsg_flow_iter; /* opaque */
/* Iterate over every stored flow of the corpus (all segments). */
nsg_rc nsg_flows_open(struct nsg_corpus *c, struct nsg_flow_iter **out,
                      struct nsg_err *err) NSG_WUR;
/* 1 and *f set: a flow; 0: the end; <0: error (err says which segment). */
int nsg_flows_next(struct nsg_flow_iter *it, const struct nsg_flow **f,
                   struct nsg_err *err);
void nsg_flows_close(struct nsg_flow_iter *it); /* NULL-safe */


/* ---- segment files (flowstore_seg.c) ------------------------------------
 * Added by the flow-ingest engineer; the format is in docs/corpus-flows.md.
 * A flow in compact form: strings are indices into a string table (index+1;
 * 0 = none), addresses as network-order bytes.  Bytes [0, NSG_FLOWREC_KEYLEN)
 * are the aggregation key (with the hour first_seen / 3600): create records
 * zeroed (memset) so that padding compares equal. */
struct nsg_flowrec {
    uint32_t nsg, acl, target, rule;
    uint8_t mac[6];
    uint8_t has_mac;
    uint8_t version, dir, proto, decision, state;
    uint8_t src_fam, dst_fam;
    uint8_t src[16], dst[16];
    uint16_t sport, dport;
    int64_t first_seen, last_seen;
    uint64_t count, packets_sd, bytes_sd, packets_ds, bytes_ds;
};
#define NSG_FLOWREC_KEYLEN offsetof(struct nsg_flowrec, first_seen)
#define NSG_FLOWSEG_MAGIC "NSGFLOW1"
#define NSG_FLOWSEG_VERSION 1

/* Order records by hour, then key bytes (the order of segments and runs). */
int nsg_flowrec_cmp(const struct nsg_flowrec *a, const struct nsg_flowrec *b);
/* Fold b (same key) into a: counts and counters summed, seen widened. */
void nsg_flowrec_merge(struct nsg_flowrec *a, const struct nsg_flowrec *b);

struct nsg_flowseg_writer; /* opaque */
/* Create a segment file at path (truncated); records are added in any order
 * (callers add them sorted); finish writes the string table and header,
 * fsyncs and frees the writer (also on failure); abort removes the file. */
nsg_rc nsg_flowseg_create(const char *path, struct nsg_flowseg_writer **out,
                          struct nsg_err *err) NSG_WUR;
nsg_rc nsg_flowseg_add(struct nsg_flowseg_writer *w,
                       const struct nsg_flowrec *r, struct nsg_err *err) NSG_WUR;
nsg_rc nsg_flowseg_finish(struct nsg_flowseg_writer *w,
                          const char *const *strings, size_t n_strings,
                          uint64_t *n_flows, uint64_t *n_bytes,
                          struct nsg_err *err) NSG_WUR;
void nsg_flowseg_abort(struct nsg_flowseg_writer *w); /* NULL-safe */
/* Skip the fsync at finish (scratch files such as spill runs). */
void nsg_flowseg_no_fsync(struct nsg_flowseg_writer *w);

struct nsg_flowseg_reader; /* opaque */
nsg_rc nsg_flowseg_open(const char *path, struct nsg_flowseg_reader **out,
                        struct nsg_err *err) NSG_WUR;
/* 1: *r filled; 0: end; <0: corrupt (err names the file and offset). */
int nsg_flowseg_next(struct nsg_flowseg_reader *rd, struct nsg_flowrec *r,
                     struct nsg_err *err);
/* String of index+1 `ref` (NULL for 0 or out of range). */
const char *nsg_flowseg_string(const struct nsg_flowseg_reader *rd,
                               uint32_t ref);
uint64_t nsg_flowseg_count(const struct nsg_flowseg_reader *rd);
void nsg_flowseg_close(struct nsg_flowseg_reader *rd); /* NULL-safe */
/* Fill f from r with strings from rd (borrowed, valid while rd is open). */
void nsg_flowrec_to_flow(const struct nsg_flowseg_reader *rd,
                         const struct nsg_flowrec *r, struct nsg_flow *f);

#endif
