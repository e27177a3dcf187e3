/* cap_flowstore.c - the one place where flow capture meets the flow store
 * (corpus/flowstore.h) and the flow-log ingest (importer/importer.h):
 * checkpoint names, the checkpoints of a batch of blobs (read through a
 * flow-store writer in a transaction that is then abandoned), and the
 * streaming ingest (nsg_imp_flowlog_*) fed with each blob's bytes as they
 * are downloaded: from byte 0, or from a grown blob's checkpointed record
 * (the bytes before it are never fetched), which the importer verifies
 * itself. */
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
    struct nsg_fstore_opts opt = {NSG_FSTORE_MIN_ENTRIES, false};
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

struct cap_ingest {
    struct nsg_topology *t;
    struct nsg_imp_flowlog_session *s;
};

nsg_rc cap_ingest_begin(struct nsg_txn *txn, struct cap_ingest **out,
                        struct nsg_err *err)
{
    struct cap_ingest *g = nsg_xcalloc(1, sizeof(*g));
    nsg_rc rc = nsg_txn_load(txn, NSG_TIME_LATEST, &g->t, err);
    if (!rc)
        rc = nsg_imp_flowlog_begin(txn, g->t, &g->s, err);
    if (rc) {
        cap_ingest_abort(g);
        g = NULL;
    }
    *out = g;
    return rc;
}

nsg_rc cap_ingest_stream(struct cap_ingest *g, const char *blob_name, int fd,
                         uint64_t start, struct nsg_err *err)
{
    return nsg_imp_flowlog_stream(g->s, blob_name, fd, start, err);
}

nsg_rc cap_ingest_end(struct cap_ingest *g, cJSON *report, struct nsg_err *err)
{
    nsg_rc rc = nsg_imp_flowlog_end(g->s, report, err);
    g->s = NULL;
    cap_ingest_abort(g);
    return rc;
}

void cap_ingest_abort(struct cap_ingest *g)
{
    if (!g)
        return;
    nsg_imp_flowlog_abort(g->s);
    nsg_topo_free(g->t);
    free(g);
}
