/* fstore_compact.c - flow-store compaction: every segment listed in the
 * transaction's "flows" section is read through the aggregation table
 * (strings re-interned, equal keys of an hour summed, spills as in an
 * import) into one new segment that replaces the list.  Nothing is
 * rewritten in place: the manifest swap at commit is the switch, and the
 * old segments stay until `nsgproof gc` collects them. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fstore_int.h"

/* Feed one segment to agg, its string refs mapped to agg's. */
static nsg_rc add_segment(struct nsg_fstore_agg *agg, const char *path,
                          uint64_t *n_in, struct nsg_err *err)
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
        uint32_t ref = nsg_fstore_agg_intern(agg, nsg_flowseg_string(rd, i));
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
        rc = nsg_fstore_agg_add(agg, &r, err);
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

nsg_rc nsg_fstore_compact(struct nsg_txn *txn, cJSON *report,
                          struct nsg_err *err)
{
    struct nsg_corpus *c = txn->c;
    cJSON *sec = nsg_txn_section(txn, NSG_FSTORE_SECTION);
    char sha[65];
    cJSON *segs = cJSON_GetObjectItemCaseSensitive(sec, "segments");
    char *abs = NULL, *rel = NULL, *tmpdir = NULL;
    struct nsg_fstore_agg *agg = NULL;
    uint64_t n_in = 0, n_out = 0, n_bytes = 0, tuples = 0;
    nsg_rc rc = NSG_OK;
    const cJSON *s;
    int n_segs = cJSON_GetArraySize(segs);

    if (n_segs < 2)
        goto report; /* nothing to merge */
    rc = nsg_txn_new_file(txn, NSG_FSTORE_SECTION, ".seg", &abs, &rel, err);
    if (rc)
        goto out;
    tmpdir = g_path_get_dirname(abs);
    agg = nsg_fstore_agg_new(NSG_FSTORE_DEFAULT_ENTRIES, tmpdir);
    nsg_fstore_agg_set_output(agg, abs);
    cJSON_ArrayForEach(s, segs)
    {
        const cJSON *name = cJSON_GetObjectItemCaseSensitive(s, "name");
        const cJSON *t = cJSON_GetObjectItemCaseSensitive(s, "tuples");
        if (!cJSON_IsString(name) ||
            !nsg_corpus_safe_rel(name->valuestring, NSG_FSTORE_SECTION)) {
            rc = nsg_err_set(err, NSG_E_INPUT,
                             "manifest.json: $.flows.segments: an entry "
                             "without a name of a file under flows/");
            goto out;
        }
        char *path = nsg_corpus_path(c, name->valuestring);
        rc = add_segment(agg, path, &n_in, err);
        free(path);
        if (rc)
            goto out;
        if (cJSON_IsNumber(t) && t->valuedouble >= 0 &&
            t->valuedouble <= 9007199254740992.0)
            tuples += (uint64_t)t->valuedouble;
    }
    rc = nsg_fstore_agg_finish(agg, abs, &n_out, &n_bytes, sha, err);
    if (rc)
        goto out;
    cJSON *one = cJSON_CreateArray();
    cJSON_AddItemToArray(
        one, nsg_fstore_segment_entry(rel, n_out, tuples, n_bytes, sha));
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
    nsg_fstore_agg_free(agg);
    free(abs);
    free(rel);
    g_free(tmpdir);
    return rc;
}
