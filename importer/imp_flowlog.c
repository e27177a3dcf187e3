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

static void ctx_init(struct nsg_imp_fl_ctx *x, const struct nsg_topology *t)
{
    memset(x, 0, sizeof(*x));
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
}

/* (a lane's writer is its parent's to abort: set it NULL first) */
static void ctx_release(struct nsg_imp_fl_ctx *x)
{
    nsg_fstore_writer_abort(x->w);
    nsg_imp_fl_record_release(&x->rec);
    g_hash_table_destroy(x->unknown_nsg);
    g_hash_table_destroy(x->unknown_mac);
    g_hash_table_destroy(x->known);
    for (int k = 0; k < 3; k++)
        g_free(x->known_last[k]);
    cJSON_Delete(x->problems);
    cJSON_Delete(x->open_list);
    cJSON_Delete(x->per_file);
}

static void move_items(cJSON *to, cJSON *from, int cap)
{
    cJSON *it;
    while ((it = cJSON_DetachItemFromArray(from, 0))) {
        if (cap >= 0 && cJSON_GetArraySize(to) >= cap)
            cJSON_Delete(it);
        else
            cJSON_AddItemToArray(to, it);
    }
}

static void add_counts(GHashTable *to, GHashTable *from)
{
    GHashTableIter it;
    gpointer k, v;
    g_hash_table_iter_init(&it, from);
    while (g_hash_table_iter_next(&it, &k, &v)) {
        guint64 *c = g_hash_table_lookup(to, k);
        if (!c) {
            c = g_new0(guint64, 1);
            g_hash_table_insert(to, g_strdup(k), c);
        }
        *c += *(guint64 *)v;
    }
}

/* Fold lane b (which read the files after a's) into a: the report is
 * what one pass over all files in order gives. */
static void ctx_merge(struct nsg_imp_fl_ctx *a, struct nsg_imp_fl_ctx *b)
{
    a->files += b->files;
    a->records += b->records;
    a->records_skipped += b->records_skipped;
    a->records_bad += b->records_bad;
    a->tuples += b->tuples;
    a->tuples_bad += b->tuples_bad;
    a->admin_tuples += b->admin_tuples;
    a->open_blobs += b->open_blobs;
    a->trailing += b->trailing;
    a->n_problems += b->n_problems;
    move_items(a->problems, b->problems, NSG_IMP_FL_MAX_PROBLEMS);
    move_items(a->open_list, b->open_list, -1);
    move_items(a->per_file, b->per_file, -1);
    add_counts(a->unknown_nsg, b->unknown_nsg);
    add_counts(a->unknown_mac, b->unknown_mac);
}

/* One lane: reads files [from, to) in order. */
struct lane {
    struct nsg_imp_fl_ctx x;
    GPtrArray *files;
    guint from, to;
    nsg_rc rc;
    struct nsg_err err;
    GThread *thread;
};

static gpointer lane_run(gpointer data)
{
    struct lane *l = data;
    for (guint i = l->from; !l->rc && i < l->to; i++)
        l->rc = nsg_imp_fl_import_file(&l->x, l->files->pdata[i], &l->err);
    if (!l->rc) /* while the other lane may still be reading */
        l->rc = nsg_fstore_writer_seal(l->x.w, &l->err);
    return NULL;
}

/* Where to split the files between two lanes (0: one lane): halfway by
 * bytes, when there are enough of them (or lanes were asked for) and no
 * blob is named on both sides (a blob's checkpoint must be read and
 * written by one lane). */
#define LANE_MIN_BYTES (64u << 20)
static guint lane_split(GPtrArray *files, unsigned lanes, bool asked)
{
    uint64_t total = 0, acc = 0;
    uint64_t *size = nsg_xcalloc(files->len + 1, sizeof(*size));
    guint split = 0;
    if (lanes < 2 || files->len < 2)
        goto out;
    for (guint i = 0; i < files->len; i++) {
        struct stat st;
        if (!stat(files->pdata[i], &st) && st.st_size > 0)
            size[i] = (uint64_t)st.st_size;
        total += size[i];
    }
    if (total < LANE_MIN_BYTES && !asked)
        goto out;
    for (split = 0; split + 1 < files->len && acc + size[split] <= total / 2;
         split++)
        acc += size[split];
    if (!split)
        split = 1;
    GHashTable *keys = g_hash_table_new_full(g_str_hash, g_str_equal, free,
                                             NULL);
    for (guint i = 0; i < split; i++)
        g_hash_table_add(keys, nsg_imp_fl_blob_key(files->pdata[i]));
    for (guint i = split; split && i < files->len; i++) {
        char *k = nsg_imp_fl_blob_key(files->pdata[i]);
        if (g_hash_table_contains(keys, k))
            split = 0;
        free(k);
    }
    g_hash_table_destroy(keys);
out:
    free(size);
    return split;
}

struct nsg_imp_flowlog_session {
    struct nsg_imp_fl_ctx x;
};

static nsg_rc session_begin(struct nsg_txn *txn, const struct nsg_topology *t,
                            const struct nsg_fstore_opts *fo,
                            struct nsg_imp_flowlog_session **out,
                            struct nsg_err *err)
{
    struct nsg_imp_flowlog_session *s = nsg_xcalloc(1, sizeof(*s));
    nsg_rc rc;
    ctx_init(&s->x, t);
    rc = nsg_fstore_writer_open(txn, fo, &s->x.w, err);
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
    struct nsg_fstore_opts fo = {0};
    nsg_rc rc = nsg_imp_fl_table_from_env(&fo.max_entries, err);
    *out = NULL;
    return rc ? rc : session_begin(txn, t, &fo, out, err);
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
    if (res.n_segments > 1) { /* read by lanes: a segment each */
        cJSON *segs = cJSON_AddArrayToObject(report, "segments");
        for (size_t i = 0; i < res.n_segments; i++)
            cJSON_AddItemToArray(segs, cJSON_CreateString(res.segments[i]));
    }
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
    struct lane second;
    GPtrArray *files = g_ptr_array_new_with_free_func(g_free);
    struct nsg_fstore_opts fo = {opt ? opt->max_entries : 0, false};
    nsg_rc rc = NSG_OK;
    guint split = 0;
    (void)c;

    memset(&second, 0, sizeof(second));
    for (size_t i = 0; !rc && i < n_paths; i++)
        rc = nsg_walk_files(paths[i], ".json", files, err);
    unsigned procs = opt && opt->processors ? opt->processors
                                            : (unsigned)g_get_num_processors();
    if (!rc) {
        unsigned lanes = opt && opt->lanes ? opt->lanes : procs;
        split = lane_split(files, lanes, opt && opt->lanes);
    }
    if (split) {
        /* two lanes, each with half the table; on fewer than four
         * processors each aggregates on its own thread (two lanes and two
         * aggregation threads would be four busy threads on two) */
        fo.same_thread = procs < 4;
        if (!fo.max_entries)
            fo.max_entries = NSG_FSTORE_DEFAULT_ENTRIES;
        fo.max_entries = fo.max_entries / 2 > NSG_FSTORE_MIN_ENTRIES
                             ? fo.max_entries / 2
                             : NSG_FSTORE_MIN_ENTRIES;
    }
    if (!rc)
        rc = session_begin(txn, t, &fo, &s, err);
    if (!rc && split) {
        ctx_init(&second.x, t);
        second.err = (struct nsg_err)NSG_ERR_INIT;
        second.files = files;
        second.from = split;
        second.to = files->len;
        rc = nsg_fstore_writer_lane(s->x.w, &fo, &second.x.w, err);
        if (!rc)
            second.thread = g_thread_new("nsgproof-lane", lane_run, &second);
    }
    for (guint i = 0; !rc && i < (split ? split : files->len); i++)
        rc = nsg_imp_fl_import_file(&s->x, files->pdata[i], err);
    if (!rc && second.thread)
        rc = nsg_fstore_writer_seal(s->x.w, err);
    if (second.thread) {
        g_thread_join(second.thread);
        if (!rc && second.rc) {
            rc = second.rc;
            if (err)
                *err = second.err;
        }
        ctx_merge(&s->x, &second.x);
    }
    second.x.w = NULL; /* the parent's, finished or aborted with it */
    if (!rc) {
        rc = nsg_imp_flowlog_end(s, report, err);
        s = NULL;
    }
    nsg_imp_flowlog_abort(s);
    if (split)
        ctx_release(&second.x);
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
    const char *lanes = getenv("NSGPROOF_IMPORT_LANES");
    if (!rc && lanes && *lanes) {
        if (strlen(lanes) != 1 || lanes[0] < '1' || lanes[0] > '8')
            return nsg_err_set(err, NSG_E_USAGE,
                               "NSGPROOF_IMPORT_LANES: '%.40s' is not a "
                               "number of lanes from 1 to 8",
                               lanes);
        opt.lanes = (unsigned)(lanes[0] - '0');
    }
    if (rc)
        return rc;
    if (!report)
        report = scratch = cJSON_CreateObject();
    rc = nsg_imp_fl_import(txn, c, t, paths, n_paths, report, &opt, err);
    cJSON_Delete(scratch);
    return rc;
}
