/* fstore_writer.c - the flow-store writer of one transaction: names the
 * new segment (spill runs go beside it: same file system, inside the
 * corpus, never in a RAM-backed /tmp), feeds records to the aggregation
 * thread, and at finish merges them into the segment, lists it with its
 * SHA-256 in the "flows" section and saves the checkpoints that changed.
 * A writer may have lanes (nsg_fstore_writer_lane): writers of their own
 * segment and aggregation thread for another feeding thread, sharing the
 * transaction and the checkpoints (under a lock); the parent's finish
 * finishes them.  See docs/corpus-flows.md. */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fstore_int.h"

struct nsg_fstore_writer {
    struct nsg_txn *txn;
    char *seg_abs, *seg_rel, *tmpdir;
    struct nsg_fstore_agg *agg;
    struct nsg_fstore_pipe *pipe;
    struct nsg_fstore_ckpts *ckpts; /* NULL in a lane: the parent's */
    GMutex ckpt_lock;               /* the parent's guards its ckpts */
    struct nsg_fstore_writer *parent; /* a lane's */
    GPtrArray *lanes;                 /* the parent's */
    GArray *batch; /* the pipe's current batch (between reserve and put) */
    size_t reserved_at;
    /* set by nsg_fstore_writer_seal: the segment is written and hashed */
    bool sealed;
    uint64_t flows, bytes, records;
    char sha[65];
};

cJSON *nsg_fstore_segment_entry(const char *rel, uint64_t flows,
                                uint64_t tuples, uint64_t bytes,
                                const char *sha256)
{
    cJSON *s = cJSON_CreateObject();
    cJSON_AddStringToObject(s, "name", rel);
    cJSON_AddNumberToObject(s, "flows", (double)flows);
    cJSON_AddNumberToObject(s, "tuples", (double)tuples);
    cJSON_AddNumberToObject(s, "bytes", (double)bytes);
    cJSON_AddNumberToObject(s, "created", (double)time(NULL));
    if (sha256)
        cJSON_AddStringToObject(s, "sha256", sha256);
    return s;
}

static size_t clamp_entries(const struct nsg_fstore_opts *opt)
{
    size_t entries =
        opt && opt->max_entries ? opt->max_entries : NSG_FSTORE_DEFAULT_ENTRIES;
    if (entries < NSG_FSTORE_MIN_ENTRIES)
        entries = NSG_FSTORE_MIN_ENTRIES;
    if (entries > NSG_FSTORE_MAX_ENTRIES)
        entries = NSG_FSTORE_MAX_ENTRIES;
    return entries;
}

/* Name w's segment and start its aggregation. */
static nsg_rc start_segment(struct nsg_fstore_writer *w,
                            const struct nsg_fstore_opts *opt,
                            struct nsg_err *err)
{
    nsg_rc rc = nsg_txn_new_file(w->txn, NSG_FSTORE_SECTION, ".seg",
                                 &w->seg_abs, &w->seg_rel, err);
    if (rc)
        return rc;
    w->tmpdir = g_path_get_dirname(w->seg_abs);
    w->agg = nsg_fstore_agg_new(clamp_entries(opt), w->tmpdir);
    nsg_fstore_agg_set_output(w->agg, w->seg_abs);
    w->pipe = nsg_fstore_pipe_start(w->agg, !(opt && opt->same_thread));
    return NSG_OK;
}

nsg_rc nsg_fstore_writer_open(struct nsg_txn *txn,
                              const struct nsg_fstore_opts *opt,
                              struct nsg_fstore_writer **out,
                              struct nsg_err *err)
{
    struct nsg_fstore_writer *w = nsg_xcalloc(1, sizeof(*w));
    nsg_rc rc;

    *out = NULL;
    w->txn = txn;
    g_mutex_init(&w->ckpt_lock);
    cJSON *sec = nsg_txn_section(txn, NSG_FSTORE_SECTION);
    const cJSON *fmt = cJSON_GetObjectItemCaseSensitive(sec, "format");
    if (fmt &&
        !(cJSON_IsNumber(fmt) &&
          (fmt->valuedouble == 1 || fmt->valuedouble == NSG_FSTORE_FORMAT))) {
        g_mutex_clear(&w->ckpt_lock);
        free(w);
        return nsg_err_set(err, NSG_E_INPUT,
                           "manifest.json: $.flows.format: the stored flows "
                           "have another format than this nsgproof writes "
                           "(%d)",
                           NSG_FSTORE_FORMAT);
    }
    rc = nsg_fstore_ckpts_load(txn->c, sec, &w->ckpts, err);
    if (!rc)
        rc = start_segment(w, opt, err);
    if (rc) {
        nsg_fstore_writer_abort(w);
        return rc;
    }
    *out = w;
    return NSG_OK;
}

nsg_rc nsg_fstore_writer_lane(struct nsg_fstore_writer *w,
                              const struct nsg_fstore_opts *opt,
                              struct nsg_fstore_writer **out,
                              struct nsg_err *err)
{
    struct nsg_fstore_writer *l = nsg_xcalloc(1, sizeof(*l));
    *out = NULL;
    if (w->parent)
        w = w->parent;
    l->txn = w->txn;
    l->parent = w;
    nsg_rc rc = start_segment(l, opt, err);
    if (rc) {
        nsg_fstore_writer_abort(l);
        return rc;
    }
    if (!w->lanes)
        w->lanes = g_ptr_array_new();
    g_ptr_array_add(w->lanes, l);
    *out = l;
    return NSG_OK;
}

uint32_t nsg_fstore_intern(struct nsg_fstore_writer *w, const char *s)
{
    return nsg_fstore_agg_intern(w->agg, s);
}

struct nsg_flowrec *nsg_fstore_reserve(struct nsg_fstore_writer *w, size_t n)
{
    w->batch = nsg_fstore_pipe_batch(w->pipe);
    w->reserved_at = w->batch->len;
    g_array_set_size(w->batch, w->reserved_at + n);
    return &g_array_index(w->batch, struct nsg_flowrec, w->reserved_at);
}

nsg_rc nsg_fstore_put(struct nsg_fstore_writer *w, size_t used,
                      struct nsg_err *err)
{
    g_array_set_size(w->batch, w->reserved_at + used);
    return nsg_fstore_pipe_send(w->pipe, false, err);
}

const struct nsg_fstore_ckpt *nsg_fstore_ckpt_get(struct nsg_fstore_writer *w,
                                                  const char *key)
{
    if (w->parent)
        w = w->parent;
    g_mutex_lock(&w->ckpt_lock);
    const struct nsg_fstore_ckpt *cp = nsg_fstore_ckpts_get(w->ckpts, key);
    g_mutex_unlock(&w->ckpt_lock);
    return cp;
}

void nsg_fstore_ckpt_put(struct nsg_fstore_writer *w, const char *key,
                         const struct nsg_fstore_ckpt *cp)
{
    if (w->parent)
        w = w->parent;
    g_mutex_lock(&w->ckpt_lock);
    nsg_fstore_ckpts_put(w->ckpts, key, cp);
    g_mutex_unlock(&w->ckpt_lock);
}

/* The "segments" array of the section (replaced when not an array). */
static cJSON *segments_of(cJSON *sec)
{
    cJSON *s = cJSON_GetObjectItemCaseSensitive(sec, "segments");
    if (cJSON_IsArray(s))
        return s;
    cJSON_DeleteItemFromObjectCaseSensitive(sec, "segments");
    return cJSON_AddArrayToObject(sec, "segments");
}

nsg_rc nsg_fstore_writer_seal(struct nsg_fstore_writer *w, struct nsg_err *err)
{
    nsg_rc rc;
    if (w->sealed)
        return NSG_OK;
    rc = nsg_fstore_pipe_finish(w->pipe, err);
    w->pipe = NULL;
    if (rc)
        return rc;
    w->records = nsg_fstore_agg_pending(w->agg);
    if (w->records) {
        rc = nsg_fstore_agg_finish(w->agg, w->seg_abs, &w->flows, &w->bytes,
                                   w->sha, err);
        if (rc)
            return rc;
    }
    w->sealed = true;
    return NSG_OK;
}

/* Finish one writer's segment (the parent's or a lane's) unless sealed
 * already, and list it; adds to res. */
static nsg_rc finish_segment(struct nsg_fstore_writer *w, cJSON *sec,
                             struct nsg_fstore_result *res,
                             struct nsg_err *err)
{
    nsg_rc rc = nsg_fstore_writer_seal(w, err);
    if (rc)
        return rc;
    if (w->records) {
        cJSON_AddItemToArray(segments_of(sec),
                             nsg_fstore_segment_entry(w->seg_rel, w->flows,
                                                      w->records, w->bytes,
                                                      w->sha));
        res->segments = nsg_xrealloc(res->segments, (res->n_segments + 1) *
                                                        sizeof(char *));
        res->segments[res->n_segments++] = w->seg_rel;
        w->seg_rel = NULL;
    } else {
        unlink(w->seg_abs); /* named, never written */
    }
    free(w->seg_abs);
    w->seg_abs = NULL;
    res->records += w->records;
    res->flows += w->flows;
    res->bytes += w->bytes;
    res->spill_runs += nsg_fstore_agg_runs(w->agg);
    res->sealed += nsg_fstore_agg_sealed(w->agg);
    return NSG_OK;
}

nsg_rc nsg_fstore_writer_finish(struct nsg_fstore_writer **wp,
                                struct nsg_fstore_result *res,
                                struct nsg_err *err)
{
    struct nsg_fstore_writer *w = *wp;
    cJSON *sec = nsg_txn_section(w->txn, NSG_FSTORE_SECTION);
    nsg_rc rc = NSG_OK;

    *wp = NULL;
    memset(res, 0, sizeof(*res));
    if (w->parent) { /* a lane finishes with its parent */
        rc = nsg_err_set(err, NSG_E_INTERNAL,
                         "flow store: a lane finished on its own (internal)");
        goto fail;
    }
    rc = finish_segment(w, sec, res, err);
    for (guint i = 0; !rc && w->lanes && i < w->lanes->len; i++)
        rc = finish_segment(w->lanes->pdata[i], sec, res, err);
    if (!rc)
        rc = nsg_fstore_ckpts_save(w->ckpts, w->txn, sec, err);
    if (rc)
        goto fail;
    res->segment = res->n_segments ? nsg_xstrdup(res->segments[0]) : NULL;
    if (!cJSON_GetObjectItemCaseSensitive(sec, "segments"))
        cJSON_AddArrayToObject(sec, "segments");
    if (!cJSON_GetObjectItemCaseSensitive(sec, "format"))
        cJSON_AddNumberToObject(sec, "format", NSG_FSTORE_FORMAT);
    nsg_fstore_writer_abort(w); /* frees what is left (nothing on disk) */
    return NSG_OK;
fail:
    /* the segments listed stay in the section of a transaction that will
     * not be committed; their files go with the abort */
    for (size_t i = 0; i < res->n_segments; i++) {
        char *path = nsg_corpus_path(w->txn->c, res->segments[i]);
        unlink(path);
        free(path);
    }
    nsg_fstore_result_release(res);
    nsg_fstore_writer_abort(w);
    return rc;
}

void nsg_fstore_result_release(struct nsg_fstore_result *res)
{
    free(res->segment);
    res->segment = NULL;
    for (size_t i = 0; i < res->n_segments; i++)
        free(res->segments[i]);
    free(res->segments);
    res->segments = NULL;
    res->n_segments = 0;
}

void nsg_fstore_writer_abort(struct nsg_fstore_writer *w)
{
    if (!w)
        return;
    if (w->pipe) {
        struct nsg_err ignored = NSG_ERR_INIT;
        nsg_rc ignored_rc = nsg_fstore_pipe_finish(w->pipe, &ignored);
        (void)ignored_rc;
    }
    if (w->seg_abs)
        unlink(w->seg_abs);
    nsg_fstore_agg_free(w->agg);
    for (guint i = 0; w->lanes && i < w->lanes->len; i++)
        nsg_fstore_writer_abort(w->lanes->pdata[i]);
    if (w->lanes)
        g_ptr_array_free(w->lanes, TRUE);
    if (!w->parent) {
        nsg_fstore_ckpts_free(w->ckpts);
        g_mutex_clear(&w->ckpt_lock);
    }
    free(w->seg_abs);
    free(w->seg_rel);
    g_free(w->tmpdir);
    free(w);
}
