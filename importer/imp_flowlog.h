/* imp_flowlog.h - internals of the flow-log importer: the tuple tokenizer,
 * the streaming record scanner, the record walker, and the reading of one
 * blob into records handed to the flow-store writer (corpus/flowstore.h)
 * with its checkpoint.  Not a public header (tests use it). */
#ifndef NSG_IMP_FLOWLOG_H
#define NSG_IMP_FLOWLOG_H

#include <cjson/cJSON.h>
#include <glib.h>

#include "../corpus/flowstore.h"
#include "importer.h"

/* ---- tuple tokenizer (imp_flowlog_tuple.c) ------------------------------ */
enum nsg_imp_fl_kind {
    NSG_IMP_FL_KIND_NSG,  /* NSG flow logs: 8 fields (v1) or 13 (v2) */
    NSG_IMP_FL_KIND_VNET, /* VNet flow logs: 13 fields, protocol number, state
                           */
};

struct nsg_imp_fl_tuple {
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
int nsg_imp_fl_tuple_parse(const char *s, size_t len, enum nsg_imp_fl_kind kind,
                           struct nsg_imp_fl_tuple *out, const char **why);
/* Tests: with on, the tokenizer reads addresses without SSSE3 even where
 * the CPU has it (both ways must give the same answers). */
void nsg_imp_fl_tuple_portable(bool on);

/* ---- streaming record scanner (imp_flowlog_scan.c) ---------------------- */
typedef void (*nsg_imp_fl_problem_fn)(void *ctx, uint64_t offset,
                                      const char *what);

struct nsg_imp_fl_scanner;
/* Open path and position at byte `start` (0, or a checkpoint offset; with
 * in_list the scanner is inside a record list that "]}" closes). */
nsg_rc nsg_imp_fl_scan_open(const char *path, uint64_t start, bool in_list,
                            nsg_imp_fl_problem_fn problem, void *ctx,
                            struct nsg_imp_fl_scanner **out,
                            struct nsg_err *err) NSG_WUR;
/* The same over a stream (a pipe or socket, not owned: the caller closes
 * it) whose first byte is byte `start` of the blob `name` (for messages);
 * its size is not known (nsg_imp_fl_scan_size gives 0). */
struct nsg_imp_fl_scanner *nsg_imp_fl_scan_stream(int fd, const char *name,
                                                  uint64_t start, bool in_list,
                                                  nsg_imp_fl_problem_fn problem,
                                                  void *ctx);
/* True when the file is a {"records":[...]} list (or resumed inside one):
 * it is closed only by "]}". */
bool nsg_imp_fl_scan_in_list(const struct nsg_imp_fl_scanner *sc);
/* 1: *rec and *len (borrowed until the next call) and *off (file offset) set to
 * the next complete top-level record; 0: the end; <0: I/O error. */
int nsg_imp_fl_scan_next(struct nsg_imp_fl_scanner *sc, const char **rec,
                         size_t *len, uint64_t *off, struct nsg_err *err);
/* Give back the record just returned as not a record (it failed to parse):
 * scanning restarts just after its first byte, at the next record start. */
void nsg_imp_fl_scan_resync(struct nsg_imp_fl_scanner *sc);
/* After the end: true when the list was closed ("]}" or a clean end of
 * newline-delimited records); false for a blob still being written. */
bool nsg_imp_fl_scan_closed(const struct nsg_imp_fl_scanner *sc);
uint64_t nsg_imp_fl_scan_size(const struct nsg_imp_fl_scanner *sc);
/* Hash every byte the scanner reads (nsg_fstore_fhash); call before the
 * first nsg_imp_fl_scan_next of a scanner opened at offset 0.  After the
 * end, file_hash gives the whole-file hash and its size, or false when
 * the scanner did not read the file to its end. */
void nsg_imp_fl_scan_hash(struct nsg_imp_fl_scanner *sc);
bool nsg_imp_fl_scan_file_hash(struct nsg_imp_fl_scanner *sc, char out[48],
                               uint64_t *size);
void nsg_imp_fl_scan_close(struct nsg_imp_fl_scanner *sc); /* NULL-safe */

/* ---- record walker (imp_flowlog_record.c) ------------------------------- */
/* The envelope of one record and the spans of its tuple strings. */
struct nsg_imp_fl_span {
    const char *p; /* in the record text (or the arena when escaped) */
    uint32_t len;
    uint32_t frame; /* the object (flow group) holding the tuple */
};
struct nsg_imp_fl_frame {
    int32_t parent;
    const char *rule, *mac, *acl; /* NUL-terminated copies in arena */
};
struct nsg_imp_fl_record {
    const char *text;
    size_t len;
    /* envelope (NULL when absent) */
    const char *resource_id, *mac, *category, *target, *flowlog_id;
    int version; /* properties.Version / version / flowLogVersion; 0 */
    bool vnet;   /* category FlowLogFlowEvent or flowRecords present */
    size_t n_trailing, trailing_off; /* trailing commas accepted */
    GArray *spans;                   /* struct nsg_imp_fl_span */
    GArray *frames;                  /* struct nsg_imp_fl_frame */
    GStringChunk *arena;
};
void nsg_imp_fl_record_init(struct nsg_imp_fl_record *r);
void nsg_imp_fl_record_release(struct nsg_imp_fl_record *r);
/* Walk one record's JSON text.  Returns 0, or -1 with *where set to the
 * offset within text and *why to a description. */
int nsg_imp_fl_record_parse(struct nsg_imp_fl_record *r, const char *text,
                            size_t len, size_t *where, const char **why);
/* The rule, MAC and aclID in effect for a tuple (walks up the frames). */
void nsg_imp_fl_record_context(const struct nsg_imp_fl_record *r,
                               uint32_t frame, const char **rule,
                               const char **mac, const char **acl);

/* ---- one import (imp_flowlog.c, _conv.c, _blob.c) ----------------------- */
#define NSG_IMP_FL_MAX_PROBLEMS 200
struct nsg_imp_fl_ctx {
    const struct nsg_topology *t; /* may be NULL: no unknown-NSG report */
    struct nsg_fstore_writer *w;  /* the flow store's writer */
    cJSON *problems; /* the first NSG_IMP_FL_MAX_PROBLEMS {file, offset,
                        problem} */
    uint64_t n_problems;
    const char *file; /* current file (for problems) */
    /* counts */
    uint64_t files, records, records_skipped, records_bad, tuples, tuples_bad,
        admin_tuples, open_blobs, trailing;
    cJSON *open_list;
    cJSON *per_file;         /* [{path, records_new, records_already_imported,
                                records_bad, tuples, open}] */
    GHashTable *unknown_nsg; /* id -> count (guint64 *) */
    GHashTable *unknown_mac;
    GHashTable *known; /* "n:<id>" / "m:<mac>" / "a:<acl>" -> 1 or 2 */
    char *known_last[3]; /* the last string asked of each kind (a blob's
                            groups share the NSG and the MAC) */
    bool known_last_ok[3];
    struct nsg_imp_fl_record rec;
};
/* Report a problem of the current file at a byte offset. */
void nsg_imp_fl_problem(struct nsg_imp_fl_ctx *x, uint64_t off,
                        const char *what);
/* Tokenize the tuples of x->rec (read at file offset rec_off) and hand
 * them to the flow-store writer (imp_flowlog_conv.c). */
nsg_rc nsg_imp_fl_record_tuples(struct nsg_imp_fl_ctx *x, uint64_t rec_off,
                                struct nsg_err *err) NSG_WUR;
/* Read one flow-log file from its checkpoint and update it
 * (imp_flowlog_blob.c). */
nsg_rc nsg_imp_fl_import_file(struct nsg_imp_fl_ctx *x, const char *path,
                              struct nsg_err *err) NSG_WUR;
/* The same for a blob whose bytes arrive on fd (read to its end, not
 * closed), the first of them being byte `start` of the blob `name` (0, or
 * the offset of its checkpointed record). */
nsg_rc nsg_imp_fl_import_stream(struct nsg_imp_fl_ctx *x, const char *name,
                                int fd, uint64_t start,
                                struct nsg_err *err) NSG_WUR;

/* ---- the importer with options (imp_flowlog.c) -------------------------- */
struct nsg_imp_fl_options {
    size_t max_entries; /* aggregation table bound (0 = default) */
    unsigned lanes;     /* files read at once, each lane its own thread
                           and segment: 1, or 2 and more for two (0 =
                           two on a machine of several processors when
                           the import has 64 MB or more in two files or
                           more) */
    unsigned processors; /* to plan for (0 = this machine's): two lanes on
                            fewer than four aggregate on their own
                            threads, more have a thread each for it */
};
/* NSGPROOF_FLOW_TABLE, when set: a whole number of table entries from
 * NSG_FSTORE_MIN_ENTRIES to NSG_FSTORE_MAX_ENTRIES, else NSG_E_USAGE. */
nsg_rc nsg_imp_fl_table_from_env(size_t *out, struct nsg_err *err) NSG_WUR;
/* nsg_imp_flowlogs with explicit options; nsg_imp_flowlogs reads
 * NSGPROOF_FLOW_TABLE (entries) from the environment. */
nsg_rc nsg_imp_fl_import(struct nsg_txn *txn, struct nsg_corpus *c,
                         const struct nsg_topology *t, const char *const *paths,
                         size_t n_paths, cJSON *report,
                         const struct nsg_imp_fl_options *opt,
                         struct nsg_err *err) NSG_WUR;
/* The checkpoint name of a blob: nsg_fstore_blob_key of its path (the
 * part from "resourceId=" or "flowLogResourceID=" on, lower-cased);
 * otherwise its real path. */
char *nsg_imp_fl_blob_key(const char *path);

#endif
