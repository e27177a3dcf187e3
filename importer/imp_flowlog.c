/* imp_flowlog.c - nsg_imp_flowlogs: expands directories, reads every
 * flow-log file (imp_flowlog_blob.c) into one flow-store writer (which
 * writes one new segment per import into the transaction and lists it in
 * the manifest's "flows" section), and fills the import report; the same
 * as a session fed blob by blob with streams of bytes (capture flowlogs).
 * See docs/corpus-flows.md. */
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

struct nsg_imp_flowlog_session {
    struct nsg_imp_fl_ctx x;
};

static void ctx_release(struct nsg_imp_fl_ctx *x)
{
    nsg_fstore_writer_abort(x->w);
    nsg_imp_fl_record_release(&x->rec);
    g_hash_table_destroy(x->unknown_nsg);
    g_hash_table_destroy(x->unknown_mac);
    g_hash_table_destroy(x->known);
    cJSON_Delete(x->problems);
    cJSON_Delete(x->open_list);
    cJSON_Delete(x->per_file);
}

static nsg_rc session_begin(struct nsg_txn *txn, const struct nsg_topology *t,
                            const struct nsg_imp_fl_options *opt,
                            struct nsg_imp_flowlog_session **out,
                            struct nsg_err *err)
{
    struct nsg_imp_flowlog_session *s = nsg_xcalloc(1, sizeof(*s));
    struct nsg_imp_fl_ctx *x = &s->x;
    struct nsg_fstore_opts fo = {opt ? opt->max_entries : 0};
    nsg_rc rc;
    x->t = t;
    x->problems = cJSON_CreateArray();
    x->open_list = cJSON_CreateArray();
    x->per_file = cJSON_CreateArray();
    x->unknown_nsg =
        g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    x->unknown_mac =
        g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    x->known = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    nsg_imp_fl_record_init(&x->rec);
    rc = nsg_fstore_writer_open(txn, &fo, &x->w, err);
    if (rc) {
        nsg_imp_flowlog_abort(s);
        s = NULL;
    }
    *out = s;
    return rc;
}

void nsg_imp_flowlog_abort(struct nsg_imp_flowlog_session *s)
{
    if (!s)
        return;
    ctx_release(&s->x);
    free(s);
}

nsg_rc nsg_imp_flowlog_begin(struct nsg_txn *txn, const struct nsg_topology *t,
                             struct nsg_imp_flowlog_session **out,
                             struct nsg_err *err)
{
    struct nsg_imp_fl_options opt = {0};
    nsg_rc rc = nsg_imp_fl_table_from_env(&opt.max_entries, err);
    *out = NULL;
    return rc ? rc : session_begin(txn, t, &opt, out, err);
}

nsg_rc nsg_imp_flowlog_stream(struct nsg_imp_flowlog_session *s,
                              const char *name, int fd, uint64_t start,
                              struct nsg_err *err)
{
    return nsg_imp_fl_import_stream(&s->x, name, fd, start, err);
}

nsg_rc nsg_imp_flowlog_end(struct nsg_imp_flowlog_session *s, cJSON *report,
                           struct nsg_err *err)
{
    struct nsg_imp_fl_ctx *x = &s->x;
    struct nsg_fstore_result res;
    nsg_rc rc;
    memset(&res, 0, sizeof(res));
    rc = nsg_fstore_writer_finish(&x->w, &res, err);
    if (rc)
        goto out;
    cJSON_AddNumberToObject(report, "files", (double)x->files);
    cJSON_AddNumberToObject(report, "records", (double)x->records);
    cJSON_AddNumberToObject(report, "records_already_imported",
                            (double)x->records_skipped);
    cJSON_AddNumberToObject(report, "records_bad", (double)x->records_bad);
    cJSON_AddNumberToObject(report, "tuples", (double)x->tuples);
    cJSON_AddNumberToObject(report, "tuples_bad", (double)x->tuples_bad);
    cJSON_AddNumberToObject(report, "flows_written", (double)res.flows);
    cJSON_AddStringToObject(report, "segment", res.segment ? res.segment : "");
    cJSON_AddNumberToObject(report, "spill_runs", (double)res.spill_runs);
    cJSON_AddNumberToObject(report, "admin_rule_tuples",
                            (double)x->admin_tuples);
    cJSON_AddNumberToObject(report, "open_blobs", (double)x->open_blobs);
    cJSON_AddItemToObject(report, "open_blob_files", x->open_list);
    x->open_list = NULL;
    if (x->t) {
        add_unknown(report, "unknown_nsgs", x->unknown_nsg, "nsg");
        add_unknown(report, "unknown_macs", x->unknown_mac, "mac");
    }
    cJSON_AddItemToObject(report, "per_file", x->per_file);
    x->per_file = NULL;
    cJSON_AddNumberToObject(report, "problems_total", (double)x->n_problems);
    cJSON_AddItemToObject(report, "problems", x->problems);
    x->problems = NULL;
out:
    nsg_fstore_result_release(&res);
    nsg_imp_flowlog_abort(s);
    return rc;
}

nsg_rc nsg_imp_fl_import(struct nsg_txn *txn, struct nsg_corpus *c,
                         const struct nsg_topology *t, const char *const *paths,
                         size_t n_paths, cJSON *report,
                         const struct nsg_imp_fl_options *opt,
                         struct nsg_err *err)
{
    struct nsg_imp_flowlog_session *s = NULL;
    GPtrArray *files = g_ptr_array_new_with_free_func(g_free);
    nsg_rc rc = NSG_OK;
    (void)c;

    for (size_t i = 0; !rc && i < n_paths; i++)
        rc = nsg_walk_files(paths[i], ".json", files, err);
    if (!rc)
        rc = session_begin(txn, t, opt, &s, err);
    for (guint i = 0; !rc && i < files->len; i++)
        rc = nsg_imp_fl_import_file(&s->x, files->pdata[i], err);
    if (!rc) {
        rc = nsg_imp_flowlog_end(s, report, err);
        s = NULL;
    }
    nsg_imp_flowlog_abort(s);
    g_ptr_array_free(files, TRUE);
    return rc;
}

nsg_rc nsg_imp_fl_table_from_env(size_t *out, struct nsg_err *err)
{
    const char *env = getenv("NSGPROOF_FLOW_TABLE");
    unsigned long long v = 0;
    *out = 0;
    if (!env || !*env)
        return NSG_OK;
    for (const char *p = env; *p; p++) {
        if (*p < '0' || *p > '9' || v > NSG_FSTORE_MAX_ENTRIES) {
            v = ULLONG_MAX;
            break;
        }
        v = v * 10 + (unsigned)(*p - '0');
    }
    if (v < NSG_FSTORE_MIN_ENTRIES || v > NSG_FSTORE_MAX_ENTRIES)
        return nsg_err_set(err, NSG_E_USAGE,
                           "NSGPROOF_FLOW_TABLE: '%.40s' is not a number of "
                           "aggregation table entries from %u to %u",
                           env, NSG_FSTORE_MIN_ENTRIES, NSG_FSTORE_MAX_ENTRIES);
    *out = (size_t)v;
    return NSG_OK;
}

nsg_rc nsg_imp_flowlogs(struct nsg_txn *txn, struct nsg_corpus *c,
                        const struct nsg_topology *t, const char *const *paths,
                        size_t n_paths, cJSON *report, struct nsg_err *err)
{
    struct nsg_imp_fl_options opt = {0};
    cJSON *scratch = NULL;
    nsg_rc rc = nsg_imp_fl_table_from_env(&opt.max_entries, err);
    if (rc)
        return rc;
    if (!report)
        report = scratch = cJSON_CreateObject();
    rc = nsg_imp_fl_import(txn, c, t, paths, n_paths, report, &opt, err);
    cJSON_Delete(scratch);
    return rc;
}
