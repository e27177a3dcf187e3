/* cap_flowstore.c - the one place where flow capture meets the flow store
 * (corpus/flowstore.h) and the flow-log ingest (importer/importer.h):
 * checkpoint names, the checkpoints of a batch of blobs (read through a
 * flow-store writer in a transaction that is then abandoned), and the
 * file-based ingest (nsg_imp_flowlogs) fed with the downloaded blobs.  A
 * grown blob is downloaded from its checkpoint offset into a sparse file
 * (the bytes before the offset are never fetched), so the importer reads
 * exactly what was added, from the checkpoint it verifies itself. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../corpus/corpus.h"
#include "../corpus/flowstore.h"
#include "../importer/importer.h"
#include "cap_int.h"

char *cap_flow_key(const char *blob_name)
{
    return nsg_fstore_blob_key(blob_name);
}

bool cap_flow_hour_over(const char *key)
{
    /* final = closed and the hour over: ask as if closed */
    return nsg_fstore_blob_final(key, true, (int64_t)time(NULL));
}

nsg_rc cap_ckpt_lookup(struct nsg_corpus *c, const char *const *keys, size_t n,
                       struct cap_ckpt *out, struct nsg_err *err)
{
    struct nsg_txn *txn = NULL;
    struct nsg_fstore_writer *w = NULL;
    struct nsg_fstore_opts opt = {NSG_FSTORE_MIN_ENTRIES};
    memset(out, 0, n * sizeof(*out));
    if (!n)
        return NSG_OK;
    nsg_rc rc = nsg_corpus_begin(c, &txn, err);
    if (!rc)
        rc = nsg_fstore_writer_open(txn, &opt, &w, err);
    for (size_t i = 0; !rc && i < n; i++) {
        const struct nsg_fstore_ckpt *cp = nsg_fstore_ckpt_get(w, keys[i]);
        if (!cp || !cp->length || strlen(cp->hash) != 64)
            continue;
        out[i].have = true;
        out[i].final = cp->final;
        out[i].offset = cp->offset;
        out[i].length = cp->length;
        memcpy(out[i].hash, cp->hash, sizeof(out[i].hash));
    }
    nsg_fstore_writer_abort(w);
    nsg_corpus_rollback(txn);
    return rc;
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
