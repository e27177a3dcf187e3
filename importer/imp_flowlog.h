/* imp_flowlog.h - internals of the flow-log importer: the tuple tokenizer,
 * the streaming record scanner, the record walker and the aggregation
 * table with spill runs.  Not a public header (tests use it). */
#ifndef NSG_IMP_FLOWLOG_H
#define NSG_IMP_FLOWLOG_H

#include <cjson/cJSON.h>
#include <glib.h>

#include "../corpus/flowstore.h"
#include "importer.h"

/* ---- tuple tokenizer (imp_flowlog_tuple.c) ------------------------------ */
enum fl_kind {
    FL_KIND_NSG,  /* NSG flow logs: 8 fields (v1) or 13 (v2) */
    FL_KIND_VNET, /* VNet flow logs: 13 fields, protocol number, state */
};

struct fl_tuple {
    int64_t time; /* unix seconds (VNet milliseconds converted) */
    struct nsg_ip src, dst;
    uint16_t sport, dport;
    uint8_t proto;
    uint8_t dir;     /* NSG_DIR_IN / NSG_DIR_OUT */
    char decision;   /* 'A' / 'D' */
    char state;      /* 0 (v1), 'B', 'C', 'E', 'D' */
    uint8_t version; /* 1 or 2 (from the field count), 4 for VNet */
    uint64_t c[4];   /* packets s->d, bytes s->d, packets d->s, bytes d->s */
};

/* Parse one tuple string (the bytes between the JSON quotes, no escapes).
 * s[len] must be readable and not a digit, '.' or ',' (the closing quote,
 * or a NUL).  Returns 0, or -1 with *why set to a static description. */
int fl_tuple_parse(const char *s, size_t len, enum fl_kind kind,
                   struct fl_tuple *out, const char **why);

/* ---- streaming record scanner (imp_flowlog_scan.c) ---------------------- */
typedef void (*fl_problem_fn)(void *ctx, uint64_t offset, const char *what);

struct fl_scanner;
/* Open path and position at byte `start` (0, or a checkpoint offset; with
 * in_list the scanner is inside a record list that "]}" closes). */
nsg_rc fl_scan_open(const char *path, uint64_t start, bool in_list,
                    fl_problem_fn problem, void *ctx, struct fl_scanner **out,
                    struct nsg_err *err) NSG_WUR;
/* True when the file is a {"records":[...]} list (or resumed inside one):
 * it is closed only by "]}". */
bool fl_scan_in_list(const struct fl_scanner *sc);
/* 1: *rec and *len (borrowed until the next call) and *off (file offset) set to
 * the next complete top-level record; 0: the end; <0: I/O error. */
int fl_scan_next(struct fl_scanner *sc, const char **rec, size_t *len,
                 uint64_t *off, struct nsg_err *err);
/* Give back the record just returned as not a record (it failed to parse):
 * scanning restarts just after its first byte, at the next record start. */
void fl_scan_resync(struct fl_scanner *sc);
/* After the end: true when the list was closed ("]}" or a clean end of
 * newline-delimited records); false for a blob still being written. */
bool fl_scan_closed(const struct fl_scanner *sc);
uint64_t fl_scan_size(const struct fl_scanner *sc);
void fl_scan_close(struct fl_scanner *sc); /* NULL-safe */

/* ---- record walker (imp_flowlog_record.c) ------------------------------- */
/* The envelope of one record and the spans of its tuple strings. */
struct fl_span {
    const char *p; /* in the record text (or the arena when escaped) */
    uint32_t len;
    uint32_t frame; /* the object (flow group) holding the tuple */
};
struct fl_frame {
    int32_t parent;
    const char *rule, *mac, *acl; /* NUL-terminated copies in arena */
};
struct fl_record {
    const char *text;
    size_t len;
    /* envelope (NULL when absent) */
    const char *resource_id, *mac, *category, *target, *flowlog_id;
    int version; /* properties.Version / version / flowLogVersion; 0 */
    bool vnet;   /* category FlowLogFlowEvent or flowRecords present */
    size_t n_trailing, trailing_off; /* trailing commas accepted */
    GArray *spans;                   /* struct fl_span */
    GArray *frames;                  /* struct fl_frame */
    GStringChunk *arena;
};
void fl_record_init(struct fl_record *r);
void fl_record_release(struct fl_record *r);
/* Walk one record's JSON text.  Returns 0, or -1 with *where set to the
 * offset within text and *why to a description. */
int fl_record_parse(struct fl_record *r, const char *text, size_t len,
                    size_t *where, const char **why);
/* The rule, MAC and aclID in effect for a tuple (walks up the frames). */
void fl_record_context(const struct fl_record *r, uint32_t frame,
                       const char **rule, const char **mac, const char **acl);

/* ---- aggregation (imp_flowlog_agg.c) ------------------------------------ */
struct fl_agg;
/* max_entries bounds the in-memory table; tmpdir receives spill runs. */
struct fl_agg *fl_agg_new(size_t max_entries, const char *tmpdir);
void fl_agg_free(struct fl_agg *a); /* NULL-safe, removes runs */
/* Intern a string for the segment string table: its ref (index+1). */
uint32_t fl_agg_intern(struct fl_agg *a, const char *s);
nsg_rc fl_agg_add(struct fl_agg *a, const struct nsg_flowrec *r,
                  struct nsg_err *err) NSG_WUR;
/* The same for n records (prefetches the table: much faster). */
nsg_rc fl_agg_add_batch(struct fl_agg *a, const struct nsg_flowrec *r, size_t n,
                        struct nsg_err *err) NSG_WUR;
/* Merge table and runs, sorted, into a new segment at path. */
nsg_rc fl_agg_finish(struct fl_agg *a, const char *path, uint64_t *n_flows,
                     uint64_t *n_bytes, struct nsg_err *err) NSG_WUR;
size_t fl_agg_runs(const struct fl_agg *a);
uint64_t fl_agg_pending(const struct fl_agg *a); /* records added */

/* ---- aggregation thread (imp_flowlog_pipe.c) ---------------------------- */
struct fl_pipe;
/* Start a thread that feeds batches to agg (which it owns until finish). */
struct fl_pipe *fl_pipe_start(struct fl_agg *agg);
/* The batch to append struct nsg_flowrec to (owned by the pipe). */
GArray *fl_pipe_batch(struct fl_pipe *p);
/* Hand the batch over when it is big enough (or `force` and not empty);
 * returns the aggregation thread's error once it has failed. */
nsg_rc fl_pipe_send(struct fl_pipe *p, bool force, struct nsg_err *err) NSG_WUR;
/* Hand over the rest, join the thread, free p (NULL-safe); returns the
 * thread's error. */
nsg_rc fl_pipe_finish(struct fl_pipe *p, struct nsg_err *err) NSG_WUR;

/* ---- one import (imp_flowlog.c, _conv.c, _blob.c) ----------------------- */
#define FL_MAX_PROBLEMS 200
struct fl_ctx {
    const struct nsg_topology *t; /* may be NULL: no unknown-NSG report */
    struct fl_agg *agg;
    cJSON *problems; /* the first FL_MAX_PROBLEMS {file, offset, problem} */
    uint64_t n_problems;
    const char *file; /* current file (for problems) */
    /* counts */
    uint64_t files, records, records_skipped, records_bad, tuples, tuples_bad,
        admin_tuples, open_blobs, trailing;
    cJSON *open_list;
    cJSON *per_file; /* [{path, records_new, records_already_imported,
                        records_bad, tuples, open}] */
    GHashTable *unknown_nsg; /* id -> count (guint64 *) */
    GHashTable *unknown_mac;
    GHashTable *known; /* "n:<id>" / "m:<mac>" / "a:<acl>" -> 1 or 2 */
    struct fl_record rec;
    struct fl_pipe *pipe; /* to the aggregation thread */
};
/* Report a problem of the current file at a byte offset. */
void fl_problem(struct fl_ctx *x, uint64_t off, const char *what);
/* Tokenize the tuples of x->rec (read at file offset rec_off) and send
 * them to the aggregation thread (imp_flowlog_conv.c). */
nsg_rc fl_record_tuples(struct fl_ctx *x, uint64_t rec_off,
                        struct nsg_err *err) NSG_WUR;
/* Read one flow-log file from its checkpoint in `blobs` (the flows
 * section's object) and update it (imp_flowlog_blob.c). */
nsg_rc fl_import_file(struct fl_ctx *x, const char *path, cJSON *blobs,
                      struct nsg_err *err) NSG_WUR;

/* ---- the importer with options (imp_flowlog.c) -------------------------- */
struct fl_options {
    size_t max_entries; /* aggregation table bound (0 = default) */
};
/* nsg_imp_flowlogs with explicit options; nsg_imp_flowlogs reads
 * NSGPROOF_FLOW_TABLE (entries) from the environment. */
nsg_rc fl_import(struct nsg_txn *txn, struct nsg_corpus *c,
                 const struct nsg_topology *t, const char *const *paths,
                 size_t n_paths, cJSON *report, const struct fl_options *opt,
                 struct nsg_err *err) NSG_WUR;
/* The checkpoint name of a blob: the part of its path from "resourceId="
 * or "flowLogResourceID=" on, lower-cased; otherwise its real path. */
char *fl_blob_key(const char *path);

#endif
