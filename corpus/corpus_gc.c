/* corpus_gc.c - the collector: removes what the published manifest does
 * not reference (objects, segments superseded by compaction, old
 * checkpoint files, leftovers of killed imports).  It holds the corpus
 * lock (no import or compaction runs), and it removes a file an earlier
 * generation may have named only when no reader has the corpus open:
 * every open corpus holds a shared flock on .readers, gc takes it
 * exclusively (without waiting) for the time of its removals, and readers
 * that open meanwhile wait for it and then read the current manifest.
 * With readers present it removes only files no manifest ever named.  It
 * never touches the manifest, so a killed gc leaves a valid corpus. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "corpus_int.h"

/* Try to hold .readers exclusively: true when no other reader is open.
 * Our own shared lock is converted (Linux drops it when the conversion
 * fails: take it again). */
static bool readers_exclusive(struct nsg_corpus *c)
{
    if (c->reader_fd < 0)
        return false;
    if (flock(c->reader_fd, LOCK_EX | LOCK_NB) == 0)
        return true;
    while (flock(c->reader_fd, LOCK_SH) && errno == EINTR)
        ;
    return false;
}

static void readers_shared(struct nsg_corpus *c)
{
    while (c->reader_fd >= 0 && flock(c->reader_fd, LOCK_SH) && errno == EINTR)
        ;
}

static void add_file(cJSON *list, const struct nsg_corpus_file *f,
                     const char *why)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "path", f->rel);
    cJSON_AddNumberToObject(o, "bytes", (double)f->bytes);
    cJSON_AddStringToObject(o, "why", why);
    cJSON_AddItemToArray(list, o);
}

nsg_rc nsg_corpus_gc(struct nsg_corpus *c, bool dry_run,
                     nsg_corpus_gc_fn removed, void *ctx, cJSON *report,
                     struct nsg_err *err)
{
    struct nsg_txn *txn = NULL;
    nsg_rc rc = nsg_corpus_begin(c, &txn, err); /* the lock, a fresh manifest */
    if (rc)
        return rc;
    int64_t gen = nsg_corpus_generation(c);
    bool alone = readers_exclusive(c);
    GPtrArray *refs = nsg_corpus_refs(c->manifest);
    GHashTable *named = g_hash_table_new(g_str_hash, g_str_equal);
    GPtrArray *files = nsg_corpus_files(c->dir);
    cJSON *rem = cJSON_CreateArray(), *kept = cJSON_CreateArray();
    uint64_t n_rem = 0, b_rem = 0, n_kept = 0, b_kept = 0;

    for (guint i = 0; i < refs->len; i++) {
        const struct nsg_corpus_ref *r = refs->pdata[i];
        if (r->rel)
            g_hash_table_add(named, r->rel);
    }
    for (guint i = 0; !rc && i < files->len; i++) {
        const struct nsg_corpus_file *f = files->pdata[i];
        if (g_hash_table_contains(named, f->rel))
            continue;
        enum nsg_corpus_garbage g = nsg_corpus_classify(f, gen);
        const char *why = nsg_corpus_garbage_why(g);
        bool go = g == NSG_GARBAGE_TEMP || g == NSG_GARBAGE_UNPUBLISHED ||
                  (g == NSG_GARBAGE_OLD && alone);
        if (!go) {
            n_kept++;
            b_kept += f->bytes;
            add_file(kept, f,
                     g == NSG_GARBAGE_FOREIGN
                         ? why
                         : "a reader has the corpus open and may still "
                           "read it");
            continue;
        }
        if (!dry_run) {
            char *p = nsg_corpus_path_join(c->dir, f->rel);
            if (unlink(p) && errno != ENOENT)
                rc = nsg_err_set(err, NSG_E_IO, "%s: cannot remove: %s", p,
                                 strerror(errno));
            free(p);
            if (rc)
                break;
        }
        n_rem++;
        b_rem += f->bytes;
        add_file(rem, f, why);
        if (removed)
            removed(ctx, f->rel, f->bytes);
    }
    if (!rc && !dry_run && n_rem)
        rc = nsg_corpus_fsync_path(c->dir, true, err);
    readers_shared(c);
    nsg_corpus_rollback(txn); /* nothing to publish: releases the lock */
    cJSON_AddNumberToObject(report, "generation", (double)gen);
    cJSON_AddBoolToObject(report, "dry_run", dry_run);
    cJSON_AddBoolToObject(report, "readers", !alone);
    cJSON_AddNumberToObject(report, "files_freed", (double)n_rem);
    cJSON_AddNumberToObject(report, "bytes_freed", (double)b_rem);
    cJSON_AddNumberToObject(report, "files_kept", (double)n_kept);
    cJSON_AddNumberToObject(report, "bytes_kept", (double)b_kept);
    cJSON_AddItemToObject(report, "removed", rem);
    cJSON_AddItemToObject(report, "kept", kept);
    g_hash_table_destroy(named);
    g_ptr_array_free(refs, TRUE);
    g_ptr_array_free(files, TRUE);
    return rc;
}
