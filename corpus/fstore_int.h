/* fstore_int.h - internals of the flow store shared by its files (not for
 * use outside corpus/; unit tests of the store may use it): the bounded
 * aggregation table with spill runs (fstore_agg.c), the thread that feeds
 * it (fstore_pipe.c) and the blob checkpoints (fstore_ckpt.c). */
#ifndef NSG_FSTORE_INT_H
#define NSG_FSTORE_INT_H

#include <glib.h>

#include "corpus_int.h"
#include "flowstore.h"

/* ---- aggregation (fstore_agg.c) ----------------------------------------- */
struct nsg_fstore_agg;
/* max_entries bounds the in-memory table; tmpdir receives spill runs. */
struct nsg_fstore_agg *nsg_fstore_agg_new(size_t max_entries,
                                          const char *tmpdir);
void nsg_fstore_agg_free(
    struct nsg_fstore_agg *a); /* NULL-safe, removes runs */
/* Intern a string for the segment string table: its ref (index+1). */
uint32_t nsg_fstore_agg_intern(struct nsg_fstore_agg *a, const char *s);
nsg_rc nsg_fstore_agg_add(struct nsg_fstore_agg *a, const struct nsg_flowrec *r,
                          struct nsg_err *err) NSG_WUR;
/* The same for n records (prefetches the table: much faster). */
nsg_rc nsg_fstore_agg_add_batch(struct nsg_fstore_agg *a,
                                const struct nsg_flowrec *r, size_t n,
                                struct nsg_err *err) NSG_WUR;
/* Merge table and runs, sorted, into a new segment at path; sha256 (may
 * be NULL) receives the SHA-256 of the finished file. */
nsg_rc nsg_fstore_agg_finish(struct nsg_fstore_agg *a, const char *path,
                             uint64_t *n_flows, uint64_t *n_bytes,
                             char sha256[65], struct nsg_err *err) NSG_WUR;
size_t nsg_fstore_agg_runs(const struct nsg_fstore_agg *a);
/* Write idle flow groups straight to the segment at `path` (the one
 * finish will be given) when the table is full (fstore_seal.c); call
 * before the first record. */
void nsg_fstore_agg_set_output(struct nsg_fstore_agg *a, const char *path);
/* Records written to the segment before the finish that way. */
uint64_t nsg_fstore_agg_sealed(const struct nsg_fstore_agg *a);
uint64_t nsg_fstore_agg_pending(const struct nsg_fstore_agg *a); /* added */

/* ---- aggregation thread (fstore_pipe.c) --------------------------------- */
struct nsg_fstore_pipe;
/* Start a thread that feeds batches to agg (which it owns until finish);
 * with `threaded` false there is no thread: each batch is aggregated on
 * the feeding thread when it is handed over (for import lanes, which
 * already keep every processor busy). */
struct nsg_fstore_pipe *nsg_fstore_pipe_start(struct nsg_fstore_agg *agg,
                                              bool threaded);
/* The batch to append struct nsg_flowrec to (owned by the pipe). */
GArray *nsg_fstore_pipe_batch(struct nsg_fstore_pipe *p);
/* Hand the batch over when it is big enough (or `force` and not empty);
 * returns the aggregation thread's error once it has failed. */
nsg_rc nsg_fstore_pipe_send(struct nsg_fstore_pipe *p, bool force,
                            struct nsg_err *err) NSG_WUR;
/* Hand over the rest, join the thread, free p (NULL-safe); returns the
 * thread's error. */
nsg_rc nsg_fstore_pipe_finish(struct nsg_fstore_pipe *p,
                              struct nsg_err *err) NSG_WUR;

/* ---- the flows section -------------------------------------------------- */
#define NSG_FSTORE_SECTION "flows"
/* A segment entry of the flows section for a file just written. */
cJSON *nsg_fstore_segment_entry(const char *rel, uint64_t flows,
                                uint64_t tuples, uint64_t bytes,
                                const char *sha256);

/* ---- checkpoints (fstore_ckpt.c) ---------------------------------------- */
#define NSG_FSTORE_CKPT_DIR "flows/ckpt"
/* Largest checkpoint file read (a final file of a million blobs is about
 * 250 MB). */
#define NSG_FSTORE_CKPT_MAX_BYTES (1u << 30)
struct nsg_fstore_ckpts;
/* Load the checkpoints the section names (side files, or the "blobs"
 * object of a corpus written before they moved out). */
nsg_rc nsg_fstore_ckpts_load(struct nsg_corpus *c, const cJSON *sec,
                             struct nsg_fstore_ckpts **out,
                             struct nsg_err *err) NSG_WUR;
void nsg_fstore_ckpts_free(struct nsg_fstore_ckpts *s); /* NULL-safe */
const struct nsg_fstore_ckpt *
nsg_fstore_ckpts_get(const struct nsg_fstore_ckpts *s, const char *key);
void nsg_fstore_ckpts_put(struct nsg_fstore_ckpts *s, const char *key,
                          const struct nsg_fstore_ckpt *cp);
/* Check every checkpoint of a "blobs" object (fsck); *n counts them. */
nsg_rc nsg_fstore_ckpts_check(const cJSON *blobs, const char *where, size_t *n,
                              struct nsg_err *err) NSG_WUR;
/* Write what changed into the transaction (new side files listed in the
 * section, replacing those they supersede; a section of format 1 loses its
 * "blobs" and gets format 2); nothing when nothing changed. */
nsg_rc nsg_fstore_ckpts_save(struct nsg_fstore_ckpts *s, struct nsg_txn *txn,
                             cJSON *sec, struct nsg_err *err) NSG_WUR;

#endif
