/* cap_flowstore.c - the one place where flow capture meets the flow store:
 * checkpoint names and records as the importer keeps them in the
 * manifest's "flows" section (docs/corpus-flows.md), and the file-based
 * flow-log ingest (nsg_imp_flowlogs) fed with the downloaded blobs.  A
 * grown blob is downloaded from its checkpoint offset into a sparse file
 * (the bytes before the offset are never fetched), so the importer reads
 * exactly what was appended, from the checkpoint it verifies itself. */
#include <stdlib.h>
#include <string.h>

#include "../corpus/corpus.h"
#include "../importer/importer.h"
#include "cap_int.h"

char *cap_flow_key(const char *path)
{
    return nsg_imp_flowlog_key(path);
}

bool cap_ckpt_lookup(struct nsg_corpus *c, const char *key,
                     struct cap_ckpt *out)
{
    const cJSON *sec = nsg_corpus_section(c, "flows");
    const cJSON *blobs = cJSON_GetObjectItemCaseSensitive(sec, "blobs");
    const cJSON *cp = cJSON_GetObjectItemCaseSensitive(blobs, key);
    const cJSON *off = cJSON_GetObjectItemCaseSensitive(cp, "offset");
    const cJSON *len = cJSON_GetObjectItemCaseSensitive(cp, "length");
    const cJSON *h = cJSON_GetObjectItemCaseSensitive(cp, "hash");
    memset(out, 0, sizeof(*out));
    if (!cJSON_IsNumber(off) || !cJSON_IsNumber(len) || !cJSON_IsString(h) ||
        strlen(h->valuestring) != 64 || off->valuedouble < 0 ||
        len->valuedouble <= 0)
        return false;
    out->offset = (uint64_t)off->valuedouble;
    out->length = (uint64_t)len->valuedouble;
    memcpy(out->hash, h->valuestring, 65);
    return true;
}

nsg_rc cap_flow_ingest(struct nsg_txn *txn, struct nsg_corpus *c,
                       const char *const *paths, size_t n, cJSON *report,
                       struct nsg_err *err)
{
    struct nsg_topology *t = NULL;
    nsg_rc rc = nsg_txn_load(txn, NSG_TIME_LATEST, &t, err);
    if (rc)
        return rc;
    rc = nsg_imp_flowlogs(txn, c, t, paths, n, report, err);
    nsg_topo_free(t);
    return rc;
}
