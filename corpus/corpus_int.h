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
#define READERS_FILE ".readers" /* readers: shared flock; gc: exclusive */
#define OBJECTS_DIR "objects"
#define DEFAULT_LOCK_WAIT_MS 30000

struct nsg_corpus {
    char *dir;           /* as given, without trailing '/' */
    cJSON *manifest;     /* the published manifest */
    GPtrArray *old;      /* cJSON *: replaced manifests (kept so borrowed
                            sections stay valid until close) */
    GHashTable *objects; /* sha256 -> cJSON * parsed object (cache) */
    GHashTable *sources; /* sha256 of every published source (set) */
    GHashTable *resources; /* key -> cJSON * of the published manifest
                              (nsg_corpus_index_resources) */
    struct nsg_txn *txn; /* the open transaction, if any */
    int lock_wait_ms;
    int reader_fd; /* shared flock on READERS_FILE while open, or -1 */
};

struct nsg_txn {
    struct nsg_corpus *c;
    int lock_fd;
    cJSON *manifest;      /* the manifest being built (a copy) */
    GHashTable *pending;  /* final object path -> its temporary path */
    GPtrArray *new_files; /* char *: nsg_txn_new_file paths */
    unsigned seq;         /* counter for new file names */
    GHashTable *res_index; /* key -> cJSON * of manifest, kept with it
                              (nsg_corpus_index_resources) */
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
/* Fill idx (emptied first; keys owned by it, g_free) with the entries of
 * m's "resources" by key (lower-cased id), the first of equal keys as a
 * cJSON lookup finds it: a cJSON lookup is a scan, and looking up each of
 * n resources that way is O(n^2) (a quarter of a 20,000-resource import
 * went to strcmp). */
void nsg_corpus_index_resources(const cJSON *m, GHashTable *idx);

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
/* 64 lower-case hex digits: a SHA-256 as the corpus writes it (an object
 * name that is anything else could name a path outside objects/). */
bool nsg_corpus_is_sha(const char *s);
/* True when rel is a plain relative path under dir ("flows/x.seg" under
 * "flows"): no "..", ".", empty or absolute components, only letters,
 * digits and "._-" (names the corpus itself writes). */
bool nsg_corpus_safe_rel(const char *rel, const char *dir);
/* SHA-256 (hex) of a whole file, read in bounded chunks (a symbolic link
 * is refused); *size (may be NULL) gets the bytes hashed. */
nsg_rc nsg_corpus_sha256_file(const char *path, char out[65], uint64_t *size,
                              struct nsg_err *err);
nsg_rc nsg_corpus_sha256_fd(int fd, const char *path, char out[65],
                            uint64_t *size, struct nsg_err *err);
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

/* ---- readers (corpus.c) ---- */
/* Shared flock on dir/READERS_FILE (created when missing and possible),
 * waiting up to wait_ms while gc holds it exclusively; *fd -1 when the
 * file cannot be opened (a read-only corpus: gc cannot run there). */
nsg_rc nsg_corpus_readers_lock(const char *dir, int wait_ms, bool create,
                               int *fd, struct nsg_err *err);

/* ---- the flow store's part of a commit (fstore_ckpt.c) ---- */
/* Bring a flows section written by an older nsgproof (format 1, or none)
 * to the current format: checkpoints into side files, a SHA-256 for each
 * listed segment that has none (best effort).  Called by commit. */
nsg_rc nsg_fstore_upgrade(struct nsg_txn *txn, struct nsg_err *err);

/* ---- references and the files beside them (corpus_refs.c) ---- */
enum nsg_corpus_ref_kind {
    NSG_REF_OBJECT,  /* objects/ab/<sha>.json */
    NSG_REF_SEGMENT, /* flows/... (a segment) */
    NSG_REF_CKPT,    /* flows/ckpt/... (a checkpoint file) */
    NSG_REF_BAD,     /* a reference that names no file nsgproof writes */
};
struct nsg_corpus_ref {
    enum nsg_corpus_ref_kind kind;
    char *rel;          /* corpus-relative path (NULL for NSG_REF_BAD) */
    const cJSON *entry; /* the manifest entry (borrowed) */
    char *where;        /* its JSON path in the manifest */
};
void nsg_corpus_ref_free(gpointer r);
/* Every reference of manifest m (struct nsg_corpus_ref *, owned). */
GPtrArray *nsg_corpus_refs(const cJSON *m);
/* A file found in the directories nsgproof writes. */
struct nsg_corpus_file {
    char *rel;
    uint64_t bytes;
    bool regular; /* a regular file (lstat: links are not followed) */
};
/* Every file under objects/, flows/ and flows/ckpt/, and leftover
 * manifest.json.tmp-PID files (struct nsg_corpus_file *, owned, sorted). */
GPtrArray *nsg_corpus_files(const char *dir);
/* What an unreferenced file is, given the published generation. */
enum nsg_corpus_garbage {
    NSG_GARBAGE_TEMP,        /* *.tmp-PID, spill runs: never published */
    NSG_GARBAGE_UNPUBLISHED, /* named for a later generation: never */
    NSG_GARBAGE_OLD,         /* an object, segment or checkpoint file that
                                an earlier generation may have named */
    NSG_GARBAGE_FOREIGN,     /* not named like a file nsgproof writes */
};
enum nsg_corpus_garbage nsg_corpus_classify(const struct nsg_corpus_file *f,
                                            int64_t generation);
const char *nsg_corpus_garbage_why(enum nsg_corpus_garbage g);

/* ---- load (corpus_load.c) ---- */
nsg_rc nsg_corpus_model_from_manifest(struct nsg_corpus *c, const cJSON *m,
                                      int64_t at, struct nsg_topology **out,
                                      struct nsg_err *err);

#endif
