/* imp_flowlog.c - nsg_imp_flowlogs: expands directories, reads every
 * flow-log file (imp_flowlog_blob.c) into the aggregation thread, writes
 * one new segment per import into the transaction, lists it in the
 * manifest's "flows" section and fills the import report.  See
 * docs/corpus-flows.md. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../common/nsg_walk.h"
#include "imp_flowlog.h"

#define DEFAULT_ENTRIES (1u << 19) /* ~100 MB of table */

/* ---- inputs ------------------------------------------------------------- */

static void add_unknown(cJSON *report, const char *name, GHashTable *h,
                        const char *field)
{
    cJSON *arr = cJSON_AddArrayToObject(report, name);
    GList *keys = g_list_sort(g_hash_table_get_keys(h), (GCompareFunc)strcmp);
    for (GList *l = keys; l; l = l->next) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, field, l->data);
        cJSON_AddNumberToObject(
            o, "tuples", (double)*(guint64 *)g_hash_table_lookup(h, l->data));
        cJSON_AddItemToArray(arr, o);
    }
    g_list_free(keys);
}

static cJSON *section_child(cJSON *sec, const char *name, bool array)
{
    cJSON *c = cJSON_GetObjectItemCaseSensitive(sec, name);
    if (c && (array ? cJSON_IsArray(c) : cJSON_IsObject(c)))
        return c;
    cJSON_DeleteItemFromObjectCaseSensitive(sec, name);
    c = array ? cJSON_CreateArray() : cJSON_CreateObject();
    cJSON_AddItemToObject(sec, name, c);
    return c;
}

nsg_rc fl_import(struct nsg_txn *txn, struct nsg_corpus *c,
                 const struct nsg_topology *t, const char *const *paths,
                 size_t n_paths, cJSON *report, const struct fl_options *opt,
                 struct nsg_err *err)
{
    struct fl_ctx x;
    GPtrArray *files = g_ptr_array_new_with_free_func(g_free);
    char *seg_abs = NULL, *seg_rel = NULL, *tmpdir = NULL;
    uint64_t n_flows = 0, n_bytes = 0;
    nsg_rc rc = NSG_OK;
    (void)c;

    memset(&x, 0, sizeof(x));
    x.t = t;
    x.problems = cJSON_CreateArray();
    x.open_list = cJSON_CreateArray();
    x.per_file = cJSON_CreateArray();
    x.unknown_nsg =
        g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    x.unknown_mac =
        g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    x.known = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    fl_record_init(&x.rec);

    for (size_t i = 0; !rc && i < n_paths; i++)
        rc = nsg_walk_files(paths[i], ".json", files, err);
    if (rc)
        goto out;

    cJSON *sec = nsg_txn_section(txn, "flows");
    cJSON *blobs = section_child(sec, "blobs", false);
    cJSON *segs = section_child(sec, "segments", true);
    if (!cJSON_GetObjectItemCaseSensitive(sec, "format"))
        cJSON_AddNumberToObject(sec, "format", NSG_FLOWSEG_VERSION);

    /* the new segment's name first: spill runs go beside it (same file
     * system, inside the corpus, never in a RAM-backed /tmp) */
    rc = nsg_txn_new_file(txn, "flows", ".seg", &seg_abs, &seg_rel, err);
    if (rc)
        goto out;
    tmpdir = g_path_get_dirname(seg_abs);
    x.agg = fl_agg_new(
        opt && opt->max_entries ? opt->max_entries : DEFAULT_ENTRIES, tmpdir);
    x.pipe = fl_pipe_start(x.agg);
    for (guint i = 0; !rc && i < files->len; i++)
        rc = fl_import_file(&x, files->pdata[i], blobs, err);
    if (rc)
        goto out;
    rc = fl_pipe_finish(x.pipe, err);
    x.pipe = NULL;
    if (rc)
        goto out;
    size_t runs = fl_agg_runs(x.agg);
    if (fl_agg_pending(x.agg)) {
        rc = fl_agg_finish(x.agg, seg_abs, &n_flows, &n_bytes, err);
        if (rc)
            goto out;
        cJSON *s = cJSON_CreateObject();
        cJSON_AddStringToObject(s, "name", seg_rel);
        cJSON_AddNumberToObject(s, "flows", (double)n_flows);
        cJSON_AddNumberToObject(s, "tuples", (double)fl_agg_pending(x.agg));
        cJSON_AddNumberToObject(s, "bytes", (double)n_bytes);
        cJSON_AddNumberToObject(s, "created", (double)time(NULL));
        cJSON_AddItemToArray(segs, s);
    }

    cJSON_AddNumberToObject(report, "files", (double)x.files);
    cJSON_AddNumberToObject(report, "records", (double)x.records);
    cJSON_AddNumberToObject(report, "records_already_imported",
                            (double)x.records_skipped);
    cJSON_AddNumberToObject(report, "records_bad", (double)x.records_bad);
    cJSON_AddNumberToObject(report, "tuples", (double)x.tuples);
    cJSON_AddNumberToObject(report, "tuples_bad", (double)x.tuples_bad);
    cJSON_AddNumberToObject(report, "flows_written", (double)n_flows);
    cJSON_AddStringToObject(report, "segment",
                            n_flows || fl_agg_pending(x.agg) ? seg_rel : "");
    cJSON_AddNumberToObject(report, "spill_runs", (double)runs);
    cJSON_AddNumberToObject(report, "admin_rule_tuples",
                            (double)x.admin_tuples);
    cJSON_AddNumberToObject(report, "open_blobs", (double)x.open_blobs);
    cJSON_AddItemToObject(report, "open_blob_files", x.open_list);
    x.open_list = NULL;
    if (t) {
        add_unknown(report, "unknown_nsgs", x.unknown_nsg, "nsg");
        add_unknown(report, "unknown_macs", x.unknown_mac, "mac");
    }
    cJSON_AddItemToObject(report, "per_file", x.per_file);
    x.per_file = NULL;
    cJSON_AddNumberToObject(report, "problems_total", (double)x.n_problems);
    cJSON_AddItemToObject(report, "problems", x.problems);
    x.problems = NULL;
out:
    if (rc && seg_abs)
        unlink(seg_abs);
    if (x.pipe) {
        struct nsg_err ignored = NSG_ERR_INIT;
        nsg_rc ignored_rc = fl_pipe_finish(x.pipe, &ignored); /* rc wins */
        (void)ignored_rc;
    }
    fl_agg_free(x.agg);
    fl_record_release(&x.rec);
    g_hash_table_destroy(x.unknown_nsg);
    g_hash_table_destroy(x.unknown_mac);
    g_hash_table_destroy(x.known);
    cJSON_Delete(x.problems);
    cJSON_Delete(x.open_list);
    cJSON_Delete(x.per_file);
    g_ptr_array_free(files, TRUE);
    free(seg_abs);
    free(seg_rel);
    g_free(tmpdir);
    return rc;
}

nsg_rc nsg_imp_flowlogs(struct nsg_txn *txn, struct nsg_corpus *c,
                        const struct nsg_topology *t, const char *const *paths,
                        size_t n_paths, cJSON *report, struct nsg_err *err)
{
    struct fl_options opt = {0};
    cJSON *scratch = NULL;
    nsg_rc rc;
    if (!report)
        report = scratch = cJSON_CreateObject();
    const char *env = getenv("NSGPROOF_FLOW_TABLE");
    if (env && *env)
        opt.max_entries = (size_t)strtoull(env, NULL, 10);
    rc = fl_import(txn, c, t, paths, n_paths, report, &opt, err);
    cJSON_Delete(scratch);
    return rc;
}
