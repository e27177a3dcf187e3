/* corpus_int.h - internals shared by the corpus files (corpus.c,
 * corpus_manifest.c, corpus_txn.c, corpus_load.c, corpus_fs.c,
 * corpus_obj.c): the corpus and transaction structures and the manifest,
 * object and file-system helpers.  Not for use outside corpus/. */
#ifndef NSG_CORPUS_INT_H
#define NSG_CORPUS_INT_H

#include <glib.h>

#include "corpus.h"

#define MANIFEST "manifest.json"
#define MANIFEST_TMP "manifest.json.tmp"
#define LOCK_FILE ".lock"
#define OBJECTS_DIR "objects"
#define DEFAULT_LOCK_WAIT_MS 30000

struct nsg_corpus {
    char *dir;           /* as given, without trailing '/' */
    cJSON *manifest;     /* the published manifest */
    GPtrArray *old;      /* cJSON *: replaced manifests (kept so borrowed
                            sections stay valid until close) */
    GHashTable *objects; /* sha256 -> cJSON * parsed object (cache) */
    GHashTable *sources; /* sha256 of every published source (set) */
    struct nsg_txn *txn; /* the open transaction, if any */
    int lock_wait_ms;
};

struct nsg_txn {
    struct nsg_corpus *c;
    int lock_fd;
    cJSON *manifest;      /* the manifest being built (a copy) */
    GHashTable *pending;  /* final object path -> its temporary path */
    GPtrArray *new_files; /* char *: nsg_txn_new_file paths */
    unsigned seq;         /* counter for new file names */
};

/* ---- manifest (corpus_manifest.c) ---- */
cJSON *nsg_corpus_manifest_empty(void);
/* Read DIR/manifest.json; *out = NULL when it does not exist. */
nsg_rc nsg_corpus_manifest_read(const char *dir, cJSON **out,
                                struct nsg_err *err);
/* Write DIR/manifest.json atomically (tmp, fsync, rename, fsync dir). */
nsg_rc nsg_corpus_manifest_write(const char *dir, const cJSON *m,
                                 struct nsg_err *err);
/* Replace c->manifest, keeping the old one alive until close. */
void nsg_corpus_set_manifest(struct nsg_corpus *c, cJSON *m);

/* ---- files (corpus_fs.c) ---- */
char *nsg_corpus_path_join(const char *a, const char *b);
/* mkdir -p */
nsg_rc nsg_corpus_mkdirs(const char *path, struct nsg_err *err);
nsg_rc nsg_corpus_fsync_path(const char *path, bool dir, struct nsg_err *err);
/* Write data to path via path.tmp-PID, fsync, rename.  The directory is
 * not fsynced (the caller batches that). */
nsg_rc nsg_corpus_write_atomic(const char *path, const void *data, size_t len,
                               struct nsg_err *err);
/* Create or truncate path and write data (no fsync). */
nsg_rc nsg_corpus_write_plain(const char *path, const void *data, size_t len,
                              struct nsg_err *err);
/* Flush every file of the file system holding dir (Linux syncfs). */
nsg_rc nsg_corpus_sync_fs(const char *dir, struct nsg_err *err);
/* Exclusive flock on path, retrying for up to wait_ms. */
nsg_rc nsg_corpus_lock_take(const char *path, int wait_ms,
                            const char *corpus_dir, int *fd_out,
                            struct nsg_err *err);

/* ---- objects (corpus_obj.c) ---- */
/* Copy of j with object keys sorted recursively (canonical form). */
cJSON *nsg_corpus_json_canonical(const cJSON *j);
/* "objects/ab/<sha>.json" (newly allocated). */
char *nsg_corpus_object_rel(const char *sha);
/* The parsed object (cached; borrowed).  Errors name the object. */
nsg_rc nsg_corpus_object_get(struct nsg_corpus *c, const char *sha,
                             const char *what, const cJSON **out,
                             struct nsg_err *err);

/* ---- load (corpus_load.c) ---- */
nsg_rc nsg_corpus_model_from_manifest(struct nsg_corpus *c, const cJSON *m,
                                      int64_t at, struct nsg_topology **out,
                                      struct nsg_err *err);

#endif
