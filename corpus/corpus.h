/* corpus.h - the on-disk corpus: a directory of content-addressed resource
 * objects (normalized ARM JSON), flow segments and a manifest.json that
 * publishes them.  Every change is one transaction: new files are written
 * beside the old ones and fsynced, then manifest.json is replaced by an
 * atomic rename, under an exclusive lock.  A failed or killed import leaves
 * the corpus exactly as it was.  The format is documented in docs/corpus.md. */
#ifndef NSG_CORPUS_H
#define NSG_CORPUS_H

#include <cjson/cJSON.h>

#include "../model/model.h"

#define NSG_CORPUS_FORMAT 1
#define NSG_TIME_LATEST INT64_MAX

struct nsg_corpus; /* opaque: an open corpus with its manifest loaded */
struct nsg_txn;    /* opaque: one import transaction */

/* Open dir; with create, make an empty corpus when it does not exist. */
nsg_rc nsg_corpus_open(const char *dir, bool create, struct nsg_corpus **out,
                       struct nsg_err *err) NSG_WUR;
void nsg_corpus_close(struct nsg_corpus *c); /* NULL-safe */
const char *nsg_corpus_dir(const struct nsg_corpus *c);
/* Absolute path of a corpus-relative path (newly allocated). */
char *nsg_corpus_path(const struct nsg_corpus *c, const char *rel);

/* Build the model as it was at time `at` (unix seconds; NSG_TIME_LATEST for
 * the newest): for each resource, the newest version captured at or before
 * `at`, or its oldest version when all are later.  Service tags included,
 * nsg_topo_link() done. */
nsg_rc nsg_corpus_load(struct nsg_corpus *c, int64_t at,
                       struct nsg_topology **out, struct nsg_err *err) NSG_WUR;

/* Version history of one resource (ascending capture time). */
struct nsg_version {
    int64_t captured_at;
    char object[65]; /* sha256 of the stored JSON */
};
nsg_rc nsg_corpus_history(struct nsg_corpus *c, const char *id,
                          struct nsg_version **out, size_t *n,
                          struct nsg_err *err) NSG_WUR;
/* Parse the stored object of one version into a model resource: out->type
 * and out->ptr (owned by the caller: nsg_res_free(out->type, out->ptr)). */
nsg_rc nsg_corpus_load_version(struct nsg_corpus *c, const char *object,
                               struct nsg_res_ref *out,
                               struct nsg_err *err) NSG_WUR;

/* The stored JSON of one version (its object's sha256), verified against
 * its hash.  Borrowed; valid until the corpus is closed. */
nsg_rc nsg_corpus_object(struct nsg_corpus *c, const char *sha,
                         const cJSON **out, struct nsg_err *err) NSG_WUR;

/* A module's own section of the manifest (e.g. "flows"); NULL if absent.
 * Borrowed; valid until the corpus is closed. */
const cJSON *nsg_corpus_section(const struct nsg_corpus *c, const char *name);

/* ---- transactions ------------------------------------------------------ */
/* Take the lock (NSG_E_LOCKED if another import holds it) and start. */
nsg_rc nsg_corpus_begin(struct nsg_corpus *c, struct nsg_txn **out,
                        struct nsg_err *err) NSG_WUR;
/* Add one resource version (normalized ARM JSON, copied).  Sets *changed to
 * true when it is new or differs from the stored version in force at
 * captured_at (the newest one, for an import of "now"); an identical
 * resource adds nothing.  Versions stay sorted by capture time; a second
 * content at the same capture time replaces the first. */
nsg_rc nsg_txn_add_resource(struct nsg_txn *txn, enum nsg_res_type type,
                            const cJSON *resource, int64_t captured_at,
                            bool *changed, struct nsg_err *err) NSG_WUR;
/* Add a Service Tags file (normalized JSON, copied); it replaces the
 * previous one for tag resolution. */
nsg_rc nsg_txn_add_service_tags(struct nsg_txn *txn, const cJSON *tags,
                                bool *changed, struct nsg_err *err) NSG_WUR;
/* Record an imported source: path, sha256 of its bytes, counts object. */
nsg_rc nsg_txn_add_source(struct nsg_txn *txn, const char *path,
                          const char *sha256, const cJSON *counts,
                          struct nsg_err *err) NSG_WUR;
/* True when a source with this sha256 was already imported. */
bool nsg_corpus_has_source(const struct nsg_corpus *c, const char *sha256);
/* A new file that the transaction will publish: returns its absolute path
 * (caller frees) and its corpus-relative name (caller frees).  The name is
 * unique and never reused; the file is garbage until commit references it
 * from a section.  `dir` is a subdirectory such as "flows", `suffix` an
 * extension such as ".seg".  The caller writes and fsyncs the file. */
nsg_rc nsg_txn_new_file(struct nsg_txn *txn, const char *dir,
                        const char *suffix, char **abs_path, char **rel_name,
                        struct nsg_err *err) NSG_WUR;
/* The transaction's editable copy of a section (created empty as an object
 * when absent).  Owned by txn; commit writes it to the manifest. */
cJSON *nsg_txn_section(struct nsg_txn *txn, const char *name);
/* Publish: fsync new files, write and rename the manifest, release the lock.
 * Consumes *txn and sets it to NULL (also on failure, after rolling back). */
nsg_rc nsg_corpus_commit(struct nsg_txn **txn, struct nsg_err *err) NSG_WUR;
/* Abandon (NULL-safe): the corpus stays as before the transaction. */
void nsg_corpus_rollback(struct nsg_txn *txn);

/* ---- maintenance (corpus_gc.c, corpus_fsck.c) --------------------------- */
/* Remove what the published manifest does not reference, under the lock;
 * files an earlier generation may have named only when no reader has the
 * corpus open (docs/gc.md).  With dry_run nothing is removed.  `removed`
 * (may be NULL) is called after each file.  `report` gets generation,
 * dry_run, readers, files_freed, bytes_freed, files_kept, bytes_kept and
 * the removed / kept lists ({path, bytes, why}). */
typedef void (*nsg_corpus_gc_fn)(void *ctx, const char *rel, uint64_t bytes);
nsg_rc nsg_corpus_gc(struct nsg_corpus *c, bool dry_run,
                     nsg_corpus_gc_fn removed, void *ctx, cJSON *report,
                     struct nsg_err *err) NSG_WUR;
/* Check the corpus at dir: every object and segment re-hashed, every
 * manifest reference, segment header and record, and checkpoint checked;
 * problems go to report's "damage" ({path, problem}), unreferenced files
 * to "garbage" ({path, bytes, why}) (docs/fsck.md).  Returns an error only
 * when the check could not run (no such directory, not a corpus). */
nsg_rc nsg_corpus_fsck(const char *dir, cJSON *report,
                       struct nsg_err *err) NSG_WUR;

/* ---- additions (corpus owner) ------------------------------------------ */
/* How long nsg_corpus_begin waits for another import's lock (default
 * 30000 ms; 0 = fail at once). */
void nsg_corpus_set_lock_wait(struct nsg_corpus *c, int ms);
/* Generation of the published manifest (0 for a new corpus). */
int64_t nsg_corpus_generation(const struct nsg_corpus *c);
/* True when the transaction already holds a resource with this id (any
 * case): tells "new" from "changed" in import reports. */
bool nsg_txn_has_resource(const struct nsg_txn *txn, const char *id);
/* The model as it will be after commit (like nsg_corpus_load, but from the
 * transaction's manifest). */
nsg_rc nsg_txn_load(struct nsg_txn *txn, int64_t at,
                    struct nsg_topology **out, struct nsg_err *err) NSG_WUR;
/* A savepoint inside a transaction (for `import --keep-going`: undo the
 * part of one bad file).  nsg_txn_restore consumes the mark; marks not
 * restored are freed with nsg_txn_mark_free (NULL-safe). */
struct nsg_txn_mark;
struct nsg_txn_mark *nsg_txn_mark(const struct nsg_txn *txn);
void nsg_txn_restore(struct nsg_txn *txn, struct nsg_txn_mark *mark);
void nsg_txn_mark_free(struct nsg_txn_mark *mark);
/* Times: ISO 8601 ("2026-11-20T13:00:00Z", fractions and offsets such as
 * "+01:00" accepted, a bare date is midnight UTC) or unix seconds. */
nsg_rc nsg_corpus_time_parse(const char *s, int64_t *out,
                             struct nsg_err *err) NSG_WUR;
/* "2026-11-20T13:00:00Z" (UTC). */
void nsg_corpus_time_format(int64_t t, char out[32]);

#endif
