/* imp_flowlog_compact.c - flow-store compaction: every segment listed in
 * the transaction's "flows" section is read through the aggregation table
 * (strings re-interned, equal keys of an hour summed, spills as in an
 * import) into one new segment that replaces the list.  Nothing is
 * rewritten in place: the manifest swap at commit is the switch. */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "imp_flowlog.h"

#define COMPACT_ENTRIES (1u << 19)

/* Feed one segment to agg, its string refs mapped to agg's. */
static nsg_rc add_segment(struct fl_agg *agg, const char *path, uint64_t *n_in,
                          struct nsg_err *err)
{
    struct nsg_flowseg_reader *rd = NULL;
    struct nsg_flowrec r;
    GArray *map = g_array_new(FALSE, TRUE, sizeof(uint32_t));
    nsg_rc rc = nsg_flowseg_open(path, &rd, err);
    int k = 0;
    if (rc)
        goto out;
    g_array_set_size(map, 1); /* ref 0 = none */
    for (uint32_t i = 1; nsg_flowseg_string(rd, i); i++) {
        uint32_t ref = fl_agg_intern(agg, nsg_flowseg_string(rd, i));
        g_array_append_val(map, ref);
    }
    while ((k = nsg_flowseg_next(rd, &r, err)) == 1) {
        uint32_t *m = (uint32_t *)map->data;
        if (r.nsg >= map->len || r.acl >= map->len || r.target >= map->len ||
            r.rule >= map->len) {
            rc = nsg_err_set(err, NSG_E_INPUT,
                             "%s: string reference out of "
                             "range",
                             path);
            goto out;
        }
        r.nsg = m[r.nsg];
        r.acl = m[r.acl];
        r.target = m[r.target];
        r.rule = m[r.rule];
        (*n_in)++;
        rc = fl_agg_add(agg, &r, err);
        if (rc)
            goto out;
    }
    if (k < 0)
        rc = err ? err->code : NSG_E_INPUT;
out:
    nsg_flowseg_close(rd);
    g_array_free(map, TRUE);
    return rc;
}

nsg_rc nsg_imp_flows_compact(struct nsg_txn *txn, struct nsg_corpus *c,
                             cJSON *report, struct nsg_err *err)
{
    cJSON *sec = nsg_txn_section(txn, "flows");
    cJSON *segs = cJSON_GetObjectItemCaseSensitive(sec, "segments");
    char *abs = NULL, *rel = NULL, *tmpdir = NULL;
    struct fl_agg *agg = NULL;
    uint64_t n_in = 0, n_out = 0, n_bytes = 0, tuples = 0;
    nsg_rc rc = NSG_OK;
    const cJSON *s;
    int n_segs = cJSON_GetArraySize(segs);

    if (n_segs < 2)
        goto report; /* nothing to merge */
    rc = nsg_txn_new_file(txn, "flows", ".seg", &abs, &rel, err);
    if (rc)
        goto out;
    tmpdir = g_path_get_dirname(abs);
    agg = fl_agg_new(COMPACT_ENTRIES, tmpdir);
    cJSON_ArrayForEach(s, segs)
    {
        const cJSON *name = cJSON_GetObjectItemCaseSensitive(s, "name");
        const cJSON *t = cJSON_GetObjectItemCaseSensitive(s, "tuples");
        if (!cJSON_IsString(name)) {
            rc = nsg_err_set(err, NSG_E_INPUT,
                             "manifest.json: "
                             "$.flows.segments: an entry without a name");
            goto out;
        }
        char *path = nsg_corpus_path(c, name->valuestring);
        rc = add_segment(agg, path, &n_in, err);
        free(path);
        if (rc)
            goto out;
        if (cJSON_IsNumber(t))
            tuples += (uint64_t)t->valuedouble;
    }
    rc = fl_agg_finish(agg, abs, &n_out, &n_bytes, err);
    if (rc)
        goto out;
    cJSON *one = cJSON_CreateArray(), *e = cJSON_CreateObject();
    cJSON_AddStringToObject(e, "name", rel);
    cJSON_AddNumberToObject(e, "flows", (double)n_out);
    cJSON_AddNumberToObject(e, "tuples", (double)tuples);
    cJSON_AddNumberToObject(e, "bytes", (double)n_bytes);
    cJSON_AddNumberToObject(e, "created", (double)time(NULL));
    cJSON_AddItemToArray(one, e);
    cJSON_ReplaceItemInObjectCaseSensitive(sec, "segments", one);
report:
    if (report) {
        cJSON_AddNumberToObject(report, "segments_before", n_segs);
        cJSON_AddBoolToObject(report, "compacted", n_segs >= 2);
        if (n_segs >= 2) {
            cJSON_AddNumberToObject(report, "flows_before", (double)n_in);
            cJSON_AddNumberToObject(report, "flows_after", (double)n_out);
            cJSON_AddStringToObject(report, "segment", rel);
        }
    }
out:
    if (rc && abs)
        unlink(abs);
    fl_agg_free(agg);
    free(abs);
    free(rel);
    g_free(tmpdir);
    return rc;
}
