/* flowstore.h - the corpus's stored flows: logged flow tuples, aggregated
 * (identical tuples of one hour merged, with counts, first/last seen and
 * summed counters; struct nsg_flow is in model/model_flow.h) in
 * append-only segment files listed in the manifest's "flows" section, and
 * the checkpoints of the blobs they were read from.  Whatever produces
 * flows (the flow-log importer, live capture, an aggregate importer) hands
 * records to one writer per transaction (nsg_fstore_writer_*); replay
 * reads them (nsg_flows_*); compaction merges segments.  The format is
 * documented in docs/corpus-flows.md. */
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
 * The format is in docs/corpus-flows.md.  A flow in compact form: strings are indices into a string table (index+1;
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
    /* aggregate rows (version NSG_FLOW_AGGREGATE) only, zero otherwise:
     * source ports sport..sport+sport_span, and NSG_FLOW_NO_* bits */
    uint16_t sport_span;
    uint8_t unknown;
    int64_t first_seen, last_seen;
    uint64_t count, packets_sd, bytes_sd, packets_ds, bytes_ds;
    uint64_t flows; /* aggregate rows: flows begun (summed) */
};
#define NSG_FLOWREC_KEYLEN offsetof(struct nsg_flowrec, first_seen)
/* Segment formats: 1, and 2 = 1 plus an extension byte for aggregate
 * rows.  A writer writes format 1 when no record needs the extension, so
 * a store of logged tuples stays readable by readers of format 1. */
#define NSG_FLOWSEG_MAGIC "NSGFLOW2"
#define NSG_FLOWSEG_MAGIC_V1 "NSGFLOW1"
#define NSG_FLOWSEG_VERSION 2

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

/* ---- records (fstore_rec.c) --------------------------------------------- */
/* Address in the record layout: family (4 or 6) and network-order bytes
 * (IPv4 in the first 4; the rest is left as it was: zero in a record made
 * from a group base).  Inline: it runs twice per tuple. */
static inline void nsg_flowrec_set_ip(const struct nsg_ip *ip, uint8_t *fam,
                                      uint8_t out[16])
{
    if (ip->family != 6) {
        uint32_t v = (uint32_t)ip->v;
        *fam = 4;
        out[0] = (uint8_t)(v >> 24);
        out[1] = (uint8_t)(v >> 16);
        out[2] = (uint8_t)(v >> 8);
        out[3] = (uint8_t)v;
        return;
    }
    nsg_u128 v = ip->v;
    *fam = 6;
    for (size_t i = 0; i < 16; i++) {
        out[15 - i] = (uint8_t)(v & 0xff);
        v >>= 8;
    }
}

/* ---- the writer (fstore_writer.c) ---------------------------------------
 * One writer per transaction adds flows: records are aggregated (equal
 * keys of an hour summed) in a bounded table on a second thread, spilled
 * to sorted runs beside the new segment when the table is full, and merged
 * at finish into one new segment, which finish lists (with its SHA-256) in
 * the transaction's "flows" section together with the blob checkpoints
 * that changed.  Calls come from one thread; nothing is published before
 * nsg_corpus_commit. */
struct nsg_fstore_writer; /* opaque */

/* The flows section's format: 2 keeps checkpoints in side files (1 kept
 * them in the section; such a corpus is upgraded by its next write). */
#define NSG_FSTORE_FORMAT 2
/* The largest record a checkpoint may name (as the importer reads). */
#define NSG_FSTORE_MAX_RECORD (512u * 1024u * 1024u)
#define NSG_FSTORE_DEFAULT_ENTRIES (1u << 19) /* ~100 MB of table */
#define NSG_FSTORE_MIN_ENTRIES 2u
#define NSG_FSTORE_MAX_ENTRIES (1u << 26)     /* ~9 GB of table */
struct nsg_fstore_opts {
    size_t max_entries; /* aggregation table bound in records (0: the
                           default); clamped to [MIN, MAX]_ENTRIES */
    bool same_thread;   /* aggregate on the feeding thread instead of a
                           thread of its own (lanes that already keep
                           every processor busy) */
};
nsg_rc nsg_fstore_writer_open(struct nsg_txn *txn,
                              const struct nsg_fstore_opts *opt,
                              struct nsg_fstore_writer **out,
                              struct nsg_err *err) NSG_WUR;
/* Another lane of w, for records fed from another thread: a writer of its
 * own segment (and aggregation thread, table bounded by opt) sharing w's
 * transaction and checkpoints; w's finish finishes it and w's abort
 * aborts it (never call them on the lane).  Keys are unique within each
 * segment; a key both lanes saw is in both (readers sum them). */
nsg_rc nsg_fstore_writer_lane(struct nsg_fstore_writer *w,
                              const struct nsg_fstore_opts *opt,
                              struct nsg_fstore_writer **lane,
                              struct nsg_err *err) NSG_WUR;
/* A string of the new segment's table (NSG id, aclID, target id, rule
 * name): the ref records use for it (0 for NULL). */
uint32_t nsg_fstore_intern(struct nsg_fstore_writer *w, const char *s);
/* The key part every record of one flow group shares: zeroes *base (its
 * padding too: the aggregation key is compared as bytes), interns the
 * strings and packs the MAC (has_mac 0 when mac is NULL or not a MAC).
 * Copy it into each record with memcpy, then set the tuple's fields. */
void nsg_fstore_group(struct nsg_fstore_writer *w, struct nsg_flowrec *base,
                      const char *nsg_id, const char *acl_id,
                      const char *target_id, const char *rule,
                      const char *mac);
/* The fast path: room for n records, filled in place by the caller, then
 * nsg_fstore_put hands the first `used` of them over (count >= 1, times
 * and counters set).  Reserve again for the next batch. */
struct nsg_flowrec *nsg_fstore_reserve(struct nsg_fstore_writer *w, size_t n);
nsg_rc nsg_fstore_put(struct nsg_fstore_writer *w, size_t used,
                      struct nsg_err *err) NSG_WUR;
/* One flow given with strings (an aggregate row with its count, a flow
 * from another store): interned, packed and added. */
nsg_rc nsg_fstore_add_flow(struct nsg_fstore_writer *w,
                           const struct nsg_flow *f,
                           struct nsg_err *err) NSG_WUR;

/* Checkpoints: where a reader of a blob (a flow-log file, local or read
 * over HTTP with ranged reads) stopped, so the next import reads only what
 * was appended.  A blob is named by its key (nsg_fstore_blob_key).  Once
 * its list is closed and its hour is over (nsg_fstore_blob_final) a blob
 * never changes again: the store then keeps only its final offset, the
 * hash of its last record and its whole-file hash, not the per-record
 * hashes. */
struct nsg_fstore_ckpt {
    uint64_t offset;    /* byte offset of the last complete record read */
    uint64_t length;    /* its length (0: no record read yet) */
    char hash[65];      /* SHA-256 (hex) of that record, "" when none */
    uint64_t records;   /* records read from the blob so far */
    bool list;          /* the blob is a {"records":[...]} list */
    bool closed;        /* the list was closed ("]}") when last read */
    bool final;         /* set by the store: closed and its hour over */
    uint64_t size;      /* bytes covered by file_hash (0: unknown) */
    char file_hash[48]; /* nsg_fstore_file_hash of the whole blob, or "" */
    const uint64_t *seen; /* not final: nsg_fstore_record_hash of every
                             record read, in order (n_seen of them) */
    size_t n_seen;
};
/* The blob's checkpoint, or NULL when it was never read.  Borrowed: valid
 * until the next put of the same key or the end of the writer. */
const struct nsg_fstore_ckpt *nsg_fstore_ckpt_get(struct nsg_fstore_writer *w,
                                                  const char *key);
/* Record where reading stopped (copied, seen included).  The caller gives
 * every record hash read so far (the old ones first).  Lanes share their
 * parent's checkpoints: a blob must be read by one lane only. */
void nsg_fstore_ckpt_put(struct nsg_fstore_writer *w, const char *key,
                         const struct nsg_fstore_ckpt *cp);
/* What finish wrote (release with nsg_fstore_result_release). */
struct nsg_fstore_result {
    uint64_t records;  /* records handed in */
    uint64_t flows;    /* records of the new segment (after aggregation) */
    uint64_t bytes;    /* its size */
    size_t spill_runs; /* sorted runs spilled on the way */
    uint64_t sealed;   /* flows written before the finish (idle groups
                          sealed when the table was full) */
    char *segment;     /* its corpus-relative name; NULL: no records, no
                          segment */
    char **segments;   /* every segment written (one per lane with
                          records; segment is the first) */
    size_t n_segments;
};
/* The feeding of w (the parent or a lane) is over: write and hash its
 * segment now, on the calling thread, so that lanes finish theirs in
 * parallel; finish then only lists it.  Optional (finish seals what is
 * not sealed); nothing may be added to w afterwards. */
nsg_rc nsg_fstore_writer_seal(struct nsg_fstore_writer *w,
                              struct nsg_err *err) NSG_WUR;
/* Merge and write the segment, list it and the checkpoints in the
 * transaction's section; consumes *w (sets it to NULL, also on failure,
 * when nothing of it stays in the transaction). */
nsg_rc nsg_fstore_writer_finish(struct nsg_fstore_writer **w,
                                struct nsg_fstore_result *res,
                                struct nsg_err *err) NSG_WUR;
void nsg_fstore_result_release(struct nsg_fstore_result *res);
/* Abandon (NULL-safe): files removed, the transaction's section untouched. */
void nsg_fstore_writer_abort(struct nsg_fstore_writer *w);

/* ---- blob names and hashes (fstore_ckpt.c) ------------------------------ */
/* The checkpoint key of a blob name: the part from "resourceId=" or
 * "flowLogResourceID=" on, lower-cased, "//" collapsed (the blob name in
 * the storage account, wherever it was downloaded to); NULL when the name
 * has neither. */
char *nsg_fstore_blob_key(const char *name);
/* True when a blob is final at `now` (unix seconds): closed, and its key
 * names an hour (".../y=YYYY/m=MM/d=DD/h=HH/...") that ended at least
 * NSG_FSTORE_FINAL_AFTER seconds before. */
#define NSG_FSTORE_FINAL_AFTER 3600
bool nsg_fstore_blob_final(const char *key, bool closed, int64_t now);
/* The key prefix of a file named by its content (an aggregate file: the
 * prefix and its nsg_fstore_fhash).  Such a file cannot change: its
 * checkpoint is final as soon as it is closed. */
#define NSG_FSTORE_CONTENT_KEY "content:"
/* The 64-bit hash of one record's bytes kept per record of open blobs. */
uint64_t nsg_fstore_record_hash(const void *rec, size_t len);
/* Whole-file hash of a blob, fed in order in any number of pieces
 * ("xxh3-128:" and 32 hex digits: XXH3, not a cryptographic hash: it
 * recognises a copy, it does not authenticate one). */
struct nsg_fstore_fhash;
struct nsg_fstore_fhash *nsg_fstore_fhash_new(void);
void nsg_fstore_fhash_update(struct nsg_fstore_fhash *h, const void *data,
                             size_t len);
/* Writes the hash to out and frees h. */
void nsg_fstore_fhash_final(struct nsg_fstore_fhash *h, char out[48]);
void nsg_fstore_fhash_free(struct nsg_fstore_fhash *h); /* NULL-safe */

/* ---- compaction (fstore_compact.c) -------------------------------------- */
/* Merge every segment of the transaction's "flows" section into one new
 * segment (equal flow keys of an hour summed) and make it the only one
 * listed; commit publishes it atomically (the old segment files stay
 * until `nsgproof gc` collects them).  `report` (may be NULL) gets
 * segments_before, compacted (false with fewer than two segments: nothing
 * changes) and flows_before/after. */
nsg_rc nsg_fstore_compact(struct nsg_txn *txn, cJSON *report,
                          struct nsg_err *err) NSG_WUR;

#endif
