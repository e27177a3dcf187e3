/* imp_flowlog_blob.c - reads one flow-log file (blob) through the scanner,
 * record by record, into the flow-store writer, and keeps the blob's
 * checkpoint there (corpus/flowstore.h): offset, length and SHA-256 of the
 * last complete record read, the hash of every record read while the
 * blob may still change, and the whole-file hash once it is final.  A
 * re-import resumes after the checkpointed record when it still hashes the
 * same, else re-reads the blob skipping the records already seen; a final
 * blob that changed is not read again (docs/corpus-flows.md).
 * A blob comes from a file (which may be read again: the fallbacks above)
 * or from a stream of its bytes as they are downloaded (capture flowlogs),
 * read once: from the checkpointed record (verified), or from byte 0 with
 * the records already imported skipped by their hashes; the last record
 * is kept to hash it, and record hashes are always computed. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "imp_flowlog.h"

static void scan_problem(void *ctx, uint64_t off, const char *what)
{
    nsg_imp_fl_problem(ctx, off, what);
}

/* ---- blobs and checkpoints ---------------------------------------------- */

char *nsg_imp_fl_blob_key(const char *path)
{
    char *key = nsg_fstore_blob_key(path);
    if (key)
        return key;
    char *rp = realpath(path, NULL);
    char *out = nsg_xstrdup(rp ? rp : path);
    free(rp);
    return out;
}

/* SHA-256 of `len` bytes at `off` of path (the checkpointed record). */
static int sha_at(const char *path, uint64_t off, size_t len, char out[65])
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    char *b = nsg_xmalloc(len + 1);
    ssize_t k = pread(fd, b, len, (off_t)off);
    close(fd);
    if (k != (ssize_t)len) {
        free(b);
        return -1;
    }
    nsg_sha256_hex(b, len, out);
    free(b);
    return 0;
}

/* Whole-file hash of path (nsg_fstore_fhash), read in bounded chunks. */
static int file_hash(const char *path, char out[48], uint64_t *size)
{
    enum { CHUNK = 1 << 20 };
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    char *b = nsg_xmalloc(CHUNK);
    struct nsg_fstore_fhash *h = nsg_fstore_fhash_new();
    ssize_t k;
    *size = 0;
    while ((k = read(fd, b, CHUNK)) != 0) {
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0)
            break;
        nsg_fstore_fhash_update(h, b, (size_t)k);
        *size += (uint64_t)k;
    }
    close(fd);
    free(b);
    if (k < 0) {
        nsg_fstore_fhash_free(h);
        return -1;
    }
    nsg_fstore_fhash_final(h, out);
    return 0;
}

struct span {
    uint64_t off, len;
};

/* Where a blob's bytes come from. */
struct fl_src {
    const char *path; /* a file, or NULL: a stream */
    int fd;           /* the stream (not owned) */
    const char *name; /* the blob's name (messages, checkpoint name) */
    uint64_t start;   /* the stream's first byte in the blob */
};

struct blob_state {
    bool in_list; /* in: resume inside a list; out: the file is a list */
    uint64_t last_off, last_len, records;
    GArray *seen;  /* uint64_t: nsg_fstore_record_hash of records read */
    bool hash;     /* compute them as records are read (else: spans) */
    GArray *spans; /* struct span of records read, when !hash */
    bool any;
    bool whole; /* read from offset 0 to the end: file_hash is set */
    uint64_t size;
    char file_hash[48];
    GByteArray *last; /* a stream: the last record read (to hash it) */
    /* a stream from byte 0 over a checkpoint: did the checkpointed record
     * come by, unchanged, at its offset? */
    const char *ck_sha;
    uint64_t ck_off;
    bool ck_found;
};
/* Read one file from `start`; skip_first: the record at start is the
 * checkpointed one (verified by hash); seen: hashes to skip (fallback). */
static nsg_rc read_blob(struct nsg_imp_fl_ctx *x, const struct fl_src *src,
                        uint64_t start, const char *want_sha, GHashTable *seen,
                        struct blob_state *bs, bool *resumed, bool *closed,
                        struct nsg_err *err)
{
    struct nsg_imp_fl_scanner *sc = NULL;
    const char *text;
    size_t len;
    uint64_t off;
    nsg_rc rc = NSG_OK;
    bool first = true;
    int k;
    if (src->path)
        rc = nsg_imp_fl_scan_open(src->path, start, bs->in_list, scan_problem,
                                  x, &sc, err);
    else
        sc = nsg_imp_fl_scan_stream(src->fd, src->name, start, bs->in_list,
                                    scan_problem, x);
    if (rc)
        return rc;
    if (start == 0 && !want_sha)
        nsg_imp_fl_scan_hash(sc);
    *resumed = false;
    while ((k = nsg_imp_fl_scan_next(sc, &text, &len, &off, err)) == 1) {
        if (first && want_sha) {
            char sha[65];
            first = false;
            if (off != start) {
                rc = -1;
                break;
            }
            nsg_sha256_hex(text, len, sha);
            if (strcmp(sha, want_sha)) {
                rc = -1;
                break;
            }
            *resumed = true;
            continue;
        }
        first = false;
        uint64_t h = bs->hash || seen ? nsg_fstore_record_hash(text, len) : 0;
        if (bs->ck_sha && !bs->ck_found && off == bs->ck_off) {
            char sha[65];
            nsg_sha256_hex(text, len, sha);
            bs->ck_found = !strcmp(sha, bs->ck_sha);
        }
        if (seen && g_hash_table_contains(seen, &h)) {
            x->records_skipped++;
            continue;
        }
        size_t where;
        const char *why;
        if (nsg_imp_fl_record_parse(&x->rec, text, len, &where, &why)) {
            char msg[200];
            snprintf(msg, sizeof(msg),
                     "corrupt record (%s at record byte "
                     "%zu); skipped",
                     why, where);
            nsg_imp_fl_problem(x, off + where, msg);
            x->records_bad++;
            nsg_imp_fl_scan_resync(sc);
            continue;
        }
        if (x->rec.n_trailing) {
            x->trailing++;
            nsg_imp_fl_problem(
                x, off + x->rec.trailing_off,
                "trailing comma inside a record (not standard JSON; "
                "accepted)");
        }
        x->records++;
        if (bs->hash) {
            g_array_append_val(bs->seen, h);
        } else {
            struct span sp = {off, len};
            g_array_append_val(bs->spans, sp);
        }
        bs->records++;
        bs->last_off = off;
        bs->last_len = len;
        if (bs->last) {
            g_byte_array_set_size(bs->last, 0);
            g_byte_array_append(bs->last, (const guint8 *)text, (guint)len);
        }
        bs->any = true;
        rc = nsg_imp_fl_record_tuples(x, off, err);
        if (rc)
            break;
    }
    if (!rc && k < 0)
        rc = err ? err->code : NSG_E_IO;
    if (want_sha && !*resumed && (rc == 0 || rc == (nsg_rc)-1)) {
        nsg_imp_fl_scan_close(sc);
        return -1; /* the checkpoint does not match: caller falls back */
    }
    *closed = nsg_imp_fl_scan_closed(sc);
    bs->in_list = nsg_imp_fl_scan_in_list(sc);
    if (!rc)
        bs->whole = nsg_imp_fl_scan_file_hash(sc, bs->file_hash, &bs->size);
    nsg_imp_fl_scan_close(sc);
    return rc;
}

/* The record hashes of records read without them (pread each again). */
static nsg_rc hash_spans(const char *path, struct blob_state *bs,
                         struct nsg_err *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    nsg_rc rc = NSG_OK;
    char *b = NULL;
    if (fd < 0)
        return nsg_err_set(err, NSG_E_IO, "%s: %s", path, strerror(errno));
    for (guint i = 0; !rc && i < bs->spans->len; i++) {
        const struct span *sp = &g_array_index(bs->spans, struct span, i);
        b = nsg_xrealloc(b, sp->len + 1);
        if (pread(fd, b, sp->len, (off_t)sp->off) != (ssize_t)sp->len)
            rc = nsg_err_set(err, NSG_E_IO,
                             "%s: cannot re-read record at offset %" PRIu64,
                             path, sp->off);
        else {
            uint64_t h = nsg_fstore_record_hash(b, sp->len);
            g_array_append_val(bs->seen, h);
        }
    }
    free(b);
    close(fd);
    return rc;
}

/* Add a per-file entry to the report. */
static void per_file(struct nsg_imp_fl_ctx *x, const char *path, uint64_t rec0,
                     uint64_t skip0, uint64_t bad0, uint64_t tup0, bool closed)
{
    if (!x->per_file)
        return;
    cJSON *pf = cJSON_CreateObject();
    cJSON_AddStringToObject(pf, "path", path);
    cJSON_AddNumberToObject(pf, "records_new", (double)(x->records - rec0));
    cJSON_AddNumberToObject(pf, "records_already_imported",
                            (double)(x->records_skipped - skip0));
    cJSON_AddNumberToObject(pf, "records_bad", (double)(x->records_bad - bad0));
    cJSON_AddNumberToObject(pf, "tuples", (double)(x->tuples - tup0));
    cJSON_AddBoolToObject(pf, "open", !closed);
    cJSON_AddItemToArray(x->per_file, pf);
}

/* A stream over a checkpoint that says the blob is final: its records are
 * in the corpus and it is not read again; an identical copy (the same
 * whole-file hash, which needs the stream from byte 0) is counted as
 * such.  The stream is drained. */
static nsg_rc drain_final(struct nsg_imp_fl_ctx *x, const struct fl_src *src,
                          const struct nsg_fstore_ckpt *cp, struct nsg_err *err)
{
    enum { CHUNK = 1 << 16 };
    char *b = nsg_xmalloc(CHUNK);
    struct nsg_fstore_fhash *h = nsg_fstore_fhash_new();
    uint64_t size = 0;
    char fh[48];
    ssize_t k;
    nsg_rc rc = NSG_OK;
    while ((k = read(src->fd, b, CHUNK)) != 0) {
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0) {
            rc = nsg_err_set(err, NSG_E_IO, "%s: read: %s", src->name,
                             strerror(errno));
            break;
        }
        nsg_fstore_fhash_update(h, b, (size_t)k);
        size += (uint64_t)k;
    }
    nsg_fstore_fhash_final(h, fh);
    free(b);
    if (rc)
        return rc;
    if (src->start == 0 && cp->file_hash[0] && size == cp->size &&
        !strcmp(fh, cp->file_hash))
        x->records_skipped += cp->records;
    else
        nsg_imp_fl_problem(x, cp->offset,
                           "blob changed after it was final (closed and its "
                           "hour over): its records were imported before and "
                           "it is not read again");
    return NSG_OK;
}

/* A stream over a (not final) checkpoint: from the checkpointed record,
 * which must be the stream's first; or from byte 0, skipping the records
 * already imported by their hashes. */
static nsg_rc stream_resume(struct nsg_imp_fl_ctx *x, const struct fl_src *src,
                            const struct nsg_fstore_ckpt *cp,
                            struct blob_state *bs, bool *resumed, bool *closed,
                            struct nsg_err *err)
{
    nsg_rc rc;
    bs->in_list = src->start ? cp->list : false;
    if (src->start) {
        if (src->start != cp->offset || !cp->hash[0])
            return nsg_err_set(err, NSG_E_INPUT,
                               "%s: the stream begins at byte %llu, not at "
                               "the checkpointed record (byte %llu)",
                               src->name, (unsigned long long)src->start,
                               (unsigned long long)cp->offset);
        rc = read_blob(x, src, cp->offset, cp->hash, NULL, bs, resumed, closed,
                       err);
        if (rc == (nsg_rc)-1)
            rc = nsg_err_set(err, NSG_E_INPUT,
                             "%s: the stream does not begin with the "
                             "checkpointed record",
                             src->name);
        return rc;
    }
    GHashTable *seen = g_hash_table_new(g_int64_hash, g_int64_equal);
    for (size_t i = 0; i < cp->n_seen; i++)
        g_hash_table_add(seen, (gpointer)&cp->seen[i]);
    bs->ck_sha = cp->hash[0] ? cp->hash : NULL;
    bs->ck_off = cp->offset;
    rc = read_blob(x, src, 0, NULL, seen, bs, resumed, closed, err);
    if (!rc && !bs->ck_found)
        nsg_imp_fl_problem(x, cp->offset,
                           "blob changed since its checkpoint: re-read, "
                           "skipping records already imported");
    g_hash_table_destroy(seen);
    return rc;
}

static nsg_rc import_blob(struct nsg_imp_fl_ctx *x, const struct fl_src *src,
                          struct nsg_err *err)
{
    const char *path = src->path ? src->path : src->name;
    /* a stream's checkpoint is named from its blob name alone */
    char *key = src->path ? nsg_imp_fl_blob_key(src->path)
                          : nsg_fstore_blob_key(src->name);
    if (!key)
        key = nsg_xstrdup(src->name);
    const struct nsg_fstore_ckpt *cp = nsg_fstore_ckpt_get(x->w, key);
    struct blob_state bs;
    bool resumed = false, closed = false;
    GHashTable *seen = NULL;
    uint64_t rec0 = x->records, skip0 = x->records_skipped,
             bad0 = x->records_bad, tup0 = x->tuples;
    nsg_rc rc;

    memset(&bs, 0, sizeof(bs));
    bs.seen = g_array_new(FALSE, FALSE, sizeof(uint64_t));
    bs.spans = g_array_new(FALSE, FALSE, sizeof(struct span));
    /* A blob whose hour is over keeps no record hashes once closed: do
     * not compute them unless it turns out not to be (~5 % of an import
     * of old blobs); a stream cannot be read again: always */
    bs.hash = !src->path || !nsg_fstore_blob_final(key, true, (int64_t)time(NULL));
    if (!src->path)
        bs.last = g_byte_array_new();
    x->file = path;
    x->files++;
    if (cp && !src->path && cp->final) {
        closed = true;
        rc = drain_final(x, src, cp, err);
        if (!rc)
            per_file(x, path, rec0, skip0, bad0, tup0, closed);
        goto out;
    } else if (cp && !src->path) {
        rc = stream_resume(x, src, cp, &bs, &resumed, &closed, err);
    } else if (cp) {
        bs.in_list = cp->list;
        rc = cp->hash[0] ? read_blob(x, src, cp->offset, cp->hash, NULL, &bs,
                                     &resumed, &closed, err)
                         : -1;
        if (rc == (nsg_rc)-1 && cp->final) {
            /* no per-record hashes are kept for a final blob: an identical
             * copy is recognised by its whole-file hash; anything else is
             * not read again (its records are in the corpus already) */
            char fh[48];
            uint64_t size;
            closed = true;
            if (cp->file_hash[0] && !file_hash(path, fh, &size) &&
                size == cp->size && !strcmp(fh, cp->file_hash)) {
                x->records_skipped += cp->records;
            } else {
                nsg_imp_fl_problem(
                    x, cp->offset,
                    "blob changed after it was final (closed and its hour "
                    "over): its records were imported before and it is not "
                    "read again (import it into a new corpus to read it "
                    "whole)");
            }
            rc = NSG_OK;
            per_file(x, path, rec0, skip0, bad0, tup0, closed);
            goto out;
        }
        if (rc == (nsg_rc)-1) {
            /* the blob changed under its checkpoint: re-read it all,
             * skipping the records already imported (by hash) */
            seen = g_hash_table_new(g_int64_hash, g_int64_equal);
            for (size_t i = 0; i < cp->n_seen; i++)
                g_hash_table_add(seen, (gpointer)&cp->seen[i]);
            nsg_imp_fl_problem(x, cp->offset,
                               "blob changed since its checkpoint: re-read, "
                               "skipping records already imported");
            g_array_set_size(bs.seen, 0);
            g_array_set_size(bs.spans, 0);
            bs.records = 0;
            bs.in_list = false;
            rc = read_blob(x, src, 0, NULL, seen, &bs, &resumed, &closed, err);
        }
    } else {
        rc = read_blob(x, src, 0, NULL, NULL, &bs, &resumed, &closed, err);
    }
    if (!rc && !closed && bs.spans->len)
        rc = hash_spans(path, &bs, err); /* not final after all */
    if (rc)
        goto out;
    /* resumed after the checkpointed record: every record read before
     * (the checkpoint counts them) was skipped without being read */
    if (resumed)
        x->records_skipped += cp->records;
    per_file(x, path, rec0, skip0, bad0, tup0, closed);
    if (!closed) {
        x->open_blobs++;
        cJSON_AddItemToArray(x->open_list, cJSON_CreateString(path));
    }
    /* the new checkpoint */
    struct nsg_fstore_ckpt ncp;
    memset(&ncp, 0, sizeof(ncp));
    if (cp) {
        ncp.offset = cp->offset;
        ncp.length = cp->length;
        memcpy(ncp.hash, cp->hash, sizeof(ncp.hash));
        ncp.records = cp->records;
    }
    if (bs.any && bs.last) {
        nsg_sha256_hex(bs.last->data, bs.last->len, ncp.hash);
        ncp.offset = bs.last_off;
        ncp.length = bs.last_len;
        ncp.records += bs.records;
    } else if (bs.any) {
        if (sha_at(path, bs.last_off, (size_t)bs.last_len, ncp.hash)) {
            rc = nsg_err_set(err, NSG_E_IO,
                             "%s: cannot re-read record at "
                             "offset %" PRIu64,
                             path, bs.last_off);
            goto out;
        }
        ncp.offset = bs.last_off;
        ncp.length = bs.last_len;
        ncp.records += bs.records;
    }
    ncp.list = bs.in_list;
    ncp.closed = closed;
    /* every record hash read so far: the old ones, then these */
    GArray *all = g_array_new(FALSE, FALSE, sizeof(uint64_t));
    if (cp && cp->n_seen)
        g_array_append_vals(all, cp->seen, (guint)cp->n_seen);
    g_array_append_vals(all, bs.seen->data, bs.seen->len);
    ncp.seen = (const uint64_t *)(void *)all->data;
    ncp.n_seen = all->len;
    /* the whole-file hash: from this read when it covered the file, kept
     * when nothing new was read, computed once when the blob turns final */
    if (bs.whole) {
        ncp.size = bs.size;
        memcpy(ncp.file_hash, bs.file_hash, sizeof(ncp.file_hash));
    } else if (cp && cp->file_hash[0] && !bs.any) {
        ncp.size = cp->size;
        memcpy(ncp.file_hash, cp->file_hash, sizeof(ncp.file_hash));
    } else if (nsg_fstore_blob_final(key, closed, (int64_t)time(NULL)) &&
               (!src->path || file_hash(path, ncp.file_hash, &ncp.size))) {
        /* a stream read from its checkpoint has not seen the whole blob */
        ncp.file_hash[0] = '\0';
        ncp.size = 0;
    }
    nsg_fstore_ckpt_put(x->w, key, &ncp);
    g_array_free(all, TRUE);
out:
    if (seen)
        g_hash_table_destroy(seen);
    g_array_free(bs.seen, TRUE);
    g_array_free(bs.spans, TRUE);
    if (bs.last)
        g_byte_array_free(bs.last, TRUE);
    free(key);
    return rc;
}

nsg_rc nsg_imp_fl_import_file(struct nsg_imp_fl_ctx *x, const char *path,
                              struct nsg_err *err)
{
    struct fl_src src = {path, -1, path, 0};
    return import_blob(x, &src, err);
}

nsg_rc nsg_imp_fl_import_stream(struct nsg_imp_fl_ctx *x, const char *name,
                                int fd, uint64_t start, struct nsg_err *err)
{
    struct fl_src src = {NULL, fd, name, start};
    return import_blob(x, &src, err);
}
