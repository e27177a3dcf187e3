/* agg_import.c - aggregate files into the flow store: each file is named
 * by the hash of its content (a checkpoint keyed NSG_FSTORE_CONTENT_KEY
 * and the hash, final at once), so a file imported before -- under any
 * name -- is not read again; every row of the others becomes one
 * aggregate flow handed to the store's writer, which merges rows of one
 * key and hour (sums, min and max). */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agg_int.h"

/* The whole-file hash of path (nsg_fstore_fhash) and its size. */
static nsg_rc hash_file(const char *path, char out[48], uint64_t *size,
                        struct nsg_err *err)
{
    enum { CHUNK = 1 << 20 };
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return nsg_err_set(err, NSG_E_IO, "%s: %s", path, strerror(errno));
    struct nsg_fstore_fhash *h = nsg_fstore_fhash_new();
    char *buf = nsg_xmalloc(CHUNK);
    nsg_rc rc = NSG_OK;
    *size = 0;
    for (;;) {
        ssize_t k = read(fd, buf, CHUNK);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0) {
            rc = nsg_err_set(err, NSG_E_IO, "%s: read: %s", path,
                             strerror(errno));
            break;
        }
        if (k == 0)
            break;
        nsg_fstore_fhash_update(h, buf, (size_t)k);
        *size += (uint64_t)k;
    }
    free(buf);
    close(fd);
    if (rc)
        nsg_fstore_fhash_free(h);
    else
        nsg_fstore_fhash_final(h, out);
    return rc;
}

struct tally {
    uint64_t files, unchanged, rows, ranges, no_tuples;
    cJSON *per_file;
};

/* Read one file's rows into w (unless its content was imported). */
static nsg_rc import_file(struct nsg_fstore_writer *w, const char *path,
                          struct tally *t, struct nsg_err *err)
{
    char fh[48], *key;
    uint64_t size = 0, rows = 0;
    struct nsg_agg_reader *rd = NULL;
    struct nsg_flow f;
    nsg_rc rc = hash_file(path, fh, &size, err);
    int k;

    if (rc)
        return rc;
    key = g_strconcat(NSG_FSTORE_CONTENT_KEY, fh, NULL);
    cJSON *pf = cJSON_CreateObject();
    cJSON_AddStringToObject(pf, "path", path);
    cJSON_AddItemToArray(t->per_file, pf);
    t->files++;
    const struct nsg_fstore_ckpt *old = nsg_fstore_ckpt_get(w, key);
    if (old) {
        cJSON_AddStringToObject(pf, "status", "unchanged");
        cJSON_AddNumberToObject(pf, "rows", (double)old->records);
        cJSON_AddStringToObject(pf, "file_hash", fh);
        t->unchanged++;
        g_free(key);
        return NSG_OK;
    }
    rc = nsg_agg_open(path, &rd, err);
    while (!rc && (k = nsg_agg_next(rd, &f, err)) != 0) {
        if (k < 0) {
            rc = (nsg_rc)-k;
            break;
        }
        rc = nsg_fstore_add_flow(w, &f, err);
        if (rc) {
            nsg_err_prefix(err, "%s: line %llu", path,
                           (unsigned long long)nsg_agg_reader_line(rd));
            break;
        }
        rows++;
        if (f.sport_span && nsg_proto_has_ports(f.proto))
            t->ranges++;
        if (f.unknown & NSG_FLOW_NO_TUPLES)
            t->no_tuples++;
    }
    if (!rc) {
        struct nsg_fstore_ckpt cp;
        memset(&cp, 0, sizeof(cp));
        cp.offset = size;
        cp.records = rows;
        cp.closed = true;
        cp.size = size;
        memcpy(cp.file_hash, fh, sizeof(cp.file_hash));
        nsg_fstore_ckpt_put(w, key, &cp);
        cJSON_AddStringToObject(pf, "shape",
                                nsg_agg_shape_name(nsg_agg_reader_shape(rd)));
        cJSON_AddStringToObject(pf, "status", "imported");
        cJSON_AddNumberToObject(pf, "rows", (double)rows);
        cJSON_AddStringToObject(pf, "file_hash", fh);
        t->rows += rows;
    }
    nsg_agg_close(rd);
    g_free(key);
    return rc;
}

nsg_rc nsg_agg_import(struct nsg_txn *txn, const struct nsg_fstore_opts *opt,
                      const char *const *paths, size_t n_paths, cJSON *report,
                      struct nsg_err *err)
{
    struct nsg_fstore_writer *w = NULL;
    struct nsg_fstore_result res;
    struct tally t;
    nsg_rc rc;

    memset(&t, 0, sizeof(t));
    memset(&res, 0, sizeof(res));
    t.per_file = cJSON_CreateArray();
    rc = nsg_fstore_writer_open(txn, opt, &w, err);
    for (size_t i = 0; !rc && i < n_paths; i++)
        rc = import_file(w, paths[i], &t, err);
    if (!rc)
        rc = nsg_fstore_writer_finish(&w, &res, err);
    if (!rc && report) {
        cJSON_AddNumberToObject(report, "files", (double)t.files);
        cJSON_AddNumberToObject(report, "files_unchanged",
                                (double)t.unchanged);
        cJSON_AddNumberToObject(report, "rows", (double)t.rows);
        cJSON_AddNumberToObject(report, "rows_source_port_range",
                                (double)t.ranges);
        cJSON_AddNumberToObject(report, "rows_without_tuples",
                                (double)t.no_tuples);
        cJSON_AddNumberToObject(report, "flows_written", (double)res.flows);
        cJSON_AddStringToObject(report, "segment",
                                res.segment ? res.segment : "");
        cJSON_AddNumberToObject(report, "spill_runs", (double)res.spill_runs);
        cJSON_AddItemToObject(report, "per_file", t.per_file);
        t.per_file = NULL;
    }
    nsg_fstore_writer_abort(w);
    nsg_fstore_result_release(&res);
    cJSON_Delete(t.per_file);
    return rc;
}
