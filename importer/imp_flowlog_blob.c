/* imp_flowlog_blob.c - reads one flow-log file (blob) through the scanner,
 * record by record, and keeps its checkpoint in the manifest's "flows"
 * section: offset, length and SHA-256 of the last complete record read,
 * and a 64-bit hash of every record read.  A re-import resumes after the
 * checkpointed record when it still hashes the same, else re-reads the
 * blob skipping the records already seen (docs/corpus-flows.md). */
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "imp_flowlog.h"

/* ---- record hashes ------------------------------------------------------ */

/* 64-bit hash of a record's bytes for the "seen" lists (hand-written: it
 * runs over every byte read; SHA-256 is kept for the one checkpointed
 * record per blob). */
static uint64_t hash64(const void *data, size_t n)
{
    const unsigned char *p = data;
    uint64_t h = 0x243F6A8885A308D3ull ^ (n * 0x9E3779B97F4A7C15ull);
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, p + i, 8);
        w *= 0x87c37b91114253d5ull;
        w = (w << 31) | (w >> 33);
        h = (h ^ w) * 0x4cf5ad432745937full;
        h = (h << 27) | (h >> 37);
    }
    for (; i < n; i++)
        h = (h ^ p[i]) * 0x100000001b3ull;
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    return h;
}

static void scan_problem(void *ctx, uint64_t off, const char *what)
{
    fl_problem(ctx, off, what);
}

/* ---- blobs and checkpoints ---------------------------------------------- */

char *fl_blob_key(const char *path)
{
    const char *marks[] = {"resourceId=", "flowLogResourceID="};
    for (size_t i = 0; i < 2; i++) {
        const char *p = strcasestr(path, marks[i]);
        if (p) {
            /* collapse "//" so that paths differing only there match */
            GString *g = g_string_new(NULL);
            for (; *p; p++)
                if (!(*p == '/' && g->len && g->str[g->len - 1] == '/'))
                    g_string_append_c(g, g_ascii_tolower(*p));
            return g_string_free(g, FALSE);
        }
    }
    char *rp = realpath(path, NULL);
    char *out = nsg_xstrdup(rp ? rp : path);
    free(rp);
    return out;
}

char *nsg_imp_flowlog_key(const char *path)
{
    return fl_blob_key(path);
}

static uint64_t num_of(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsNumber(v) && v->valuedouble > 0 ? (uint64_t)v->valuedouble
                                                   : 0;
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

struct blob_state {
    bool in_list; /* in: resume inside a list; out: the file is a list */
    uint64_t last_off, last_len, records;
    GString *seen; /* 16 hex digits per record */
    bool any;
};

/* Read one file from `start`; skip_first: the record at start is the
 * checkpointed one (verified by hash); seen: hashes to skip (fallback). */
static nsg_rc read_blob(struct fl_ctx *x, const char *path, uint64_t start,
                        const char *want_sha, GHashTable *seen,
                        struct blob_state *bs, bool *resumed, bool *closed,
                        struct nsg_err *err)
{
    struct fl_scanner *sc = NULL;
    const char *text;
    size_t len;
    uint64_t off;
    nsg_rc rc =
        fl_scan_open(path, start, bs->in_list, scan_problem, x, &sc, err);
    bool first = true;
    int k;
    if (rc)
        return rc;
    *resumed = false;
    while ((k = fl_scan_next(sc, &text, &len, &off, err)) == 1) {
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
        uint64_t h = hash64(text, len);
        if (seen && g_hash_table_contains(seen, &h)) {
            x->records_skipped++;
            continue;
        }
        size_t where;
        const char *why;
        if (fl_record_parse(&x->rec, text, len, &where, &why)) {
            char msg[200];
            snprintf(msg, sizeof(msg),
                     "corrupt record (%s at record byte "
                     "%zu); skipped",
                     why, where);
            fl_problem(x, off + where, msg);
            x->records_bad++;
            fl_scan_resync(sc);
            continue;
        }
        if (x->rec.n_trailing) {
            x->trailing++;
            fl_problem(x, off + x->rec.trailing_off,
                       "trailing comma inside a record (not standard JSON; "
                       "accepted)");
        }
        x->records++;
        g_string_append_printf(bs->seen, "%016" PRIx64, h);
        bs->records++;
        bs->last_off = off;
        bs->last_len = len;
        bs->any = true;
        rc = fl_record_tuples(x, off, err);
        if (rc)
            break;
    }
    if (!rc && k < 0)
        rc = err ? err->code : NSG_E_IO;
    if (want_sha && !*resumed && (rc == 0 || rc == (nsg_rc)-1)) {
        fl_scan_close(sc);
        return -1; /* the checkpoint does not match: caller falls back */
    }
    *closed = fl_scan_closed(sc);
    bs->in_list = fl_scan_in_list(sc);
    fl_scan_close(sc);
    return rc;
}

static void add_seen(GHashTable *seen, const char *hex)
{
    size_t n = hex ? strlen(hex) : 0;
    for (size_t i = 0; i + 16 <= n; i += 16) {
        char tmp[17];
        memcpy(tmp, hex + i, 16);
        tmp[16] = '\0';
        gint64 *v = g_new(gint64, 1);
        *v = (gint64)strtoull(tmp, NULL, 16);
        g_hash_table_add(seen, v);
    }
}

nsg_rc fl_import_file(struct fl_ctx *x, const char *path, cJSON *blobs,
                      struct nsg_err *err)
{
    char *key = fl_blob_key(path);
    cJSON *cp = cJSON_GetObjectItemCaseSensitive(blobs, key);
    struct blob_state bs = {false, 0, 0, 0, g_string_new(NULL), false};
    bool resumed = false, closed = false;
    GHashTable *seen = NULL;
    uint64_t rec0 = x->records, skip0 = x->records_skipped,
             bad0 = x->records_bad, tup0 = x->tuples;
    nsg_rc rc;

    x->file = path;
    x->files++;
    if (cp) {
        const cJSON *h = cJSON_GetObjectItemCaseSensitive(cp, "hash");
        uint64_t off = num_of(cp, "offset");
        bs.in_list =
            !cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(cp, "list"));
        rc = cJSON_IsString(h) ? read_blob(x, path, off, h->valuestring, NULL,
                                           &bs, &resumed, &closed, err)
                               : -1;
        if (rc == (nsg_rc)-1) {
            /* the blob changed under its checkpoint: re-read it all,
             * skipping the records already imported (by hash) */
            const cJSON *sv = cJSON_GetObjectItemCaseSensitive(cp, "seen");
            seen = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free,
                                         NULL);
            add_seen(seen, cJSON_IsString(sv) ? sv->valuestring : NULL);
            fl_problem(x, off,
                       "blob changed since its checkpoint: re-read, "
                       "skipping records already imported");
            g_string_truncate(bs.seen, 0);
            bs.records = 0;
            bs.in_list = false;
            rc = read_blob(x, path, 0, NULL, seen, &bs, &resumed, &closed, err);
        }
    } else {
        rc = read_blob(x, path, 0, NULL, NULL, &bs, &resumed, &closed, err);
    }
    if (rc)
        goto out;
    /* resumed after the checkpointed record: every record read before
     * (the checkpoint counts them) was skipped without being read */
    if (resumed)
        x->records_skipped += num_of(cp, "records");
    if (x->per_file) {
        cJSON *pf = cJSON_CreateObject();
        cJSON_AddStringToObject(pf, "path", path);
        cJSON_AddNumberToObject(pf, "records_new", (double)(x->records - rec0));
        cJSON_AddNumberToObject(pf, "records_already_imported",
                                (double)(x->records_skipped - skip0));
        cJSON_AddNumberToObject(pf, "records_bad",
                                (double)(x->records_bad - bad0));
        cJSON_AddNumberToObject(pf, "tuples", (double)(x->tuples - tup0));
        cJSON_AddBoolToObject(pf, "open", !closed);
        cJSON_AddItemToArray(x->per_file, pf);
    }
    if (!closed) {
        x->open_blobs++;
        cJSON_AddItemToArray(x->open_list, cJSON_CreateString(path));
    }
    /* update the checkpoint */
    if (!cp) {
        cp = cJSON_CreateObject();
        cJSON_AddItemToObject(blobs, key, cp);
    }
    if (bs.any) {
        char sha[65];
        if (sha_at(path, bs.last_off, (size_t)bs.last_len, sha)) {
            rc = nsg_err_set(err, NSG_E_IO,
                             "%s: cannot re-read record at "
                             "offset %" PRIu64,
                             path, bs.last_off);
            goto out;
        }
        const cJSON *old_seen = cJSON_GetObjectItemCaseSensitive(cp, "seen");
        GString *all =
            g_string_new(cJSON_IsString(old_seen) ? old_seen->valuestring : "");
        g_string_append(all, bs.seen->str);
        uint64_t nrec = num_of(cp, "records") + bs.records;
        cJSON_DeleteItemFromObjectCaseSensitive(cp, "offset");
        cJSON_DeleteItemFromObjectCaseSensitive(cp, "length");
        cJSON_DeleteItemFromObjectCaseSensitive(cp, "hash");
        cJSON_DeleteItemFromObjectCaseSensitive(cp, "records");
        cJSON_DeleteItemFromObjectCaseSensitive(cp, "seen");
        cJSON_AddNumberToObject(cp, "offset", (double)bs.last_off);
        cJSON_AddNumberToObject(cp, "length", (double)bs.last_len);
        cJSON_AddStringToObject(cp, "hash", sha);
        cJSON_AddNumberToObject(cp, "records", (double)nrec);
        cJSON_AddStringToObject(cp, "seen", all->str);
        g_string_free(all, TRUE);
    }
    cJSON_DeleteItemFromObjectCaseSensitive(cp, "closed");
    cJSON_DeleteItemFromObjectCaseSensitive(cp, "list");
    cJSON_AddBoolToObject(cp, "closed", closed);
    cJSON_AddBoolToObject(cp, "list", bs.in_list);
out:
    if (seen)
        g_hash_table_destroy(seen);
    g_string_free(bs.seen, TRUE);
    free(key);
    return rc;
}
