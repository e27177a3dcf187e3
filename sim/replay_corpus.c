/* replay_corpus.c - drives replay and what-if from a corpus: loads the
 * stored versions of NSGs that changed, and feeds the stored flows.  The
 * only file of sim/ that includes corpus/ headers (tests/layers.txt). */
#include <stdlib.h>

#include "../corpus/flowstore.h"
#include "replay.h"

/* Give r the versions of one NSG when it has several. */
static nsg_rc load_versions(struct nsg_replay *r, struct nsg_corpus *c,
                            const struct nsg_nsg *n, struct nsg_err *err)
{
    struct nsg_version *v = NULL;
    size_t nv = 0;
    nsg_rc rc = nsg_corpus_history(c, n->id, &v, &nv, err);

    for (size_t i = 0; !rc && nv > 1 && i < nv; i++) {
        struct nsg_res_ref res;
        rc = nsg_corpus_load_version(c, v[i].object, &res, err);
        if (rc)
            break;
        if (res.type != NSG_RES_NSG) {
            nsg_res_free(res.type, res.ptr);
            rc = nsg_err_set(err, NSG_E_INTERNAL,
                             "corpus: version %s of %s is not an NSG",
                             v[i].object, n->id);
            break;
        }
        res.nsg->captured_at = v[i].captured_at;
        nsg_replay_add_version(r, res.nsg);
    }
    free(v);
    return rc;
}

nsg_rc nsg_replay_load_history(struct nsg_replay *r, struct nsg_corpus *c,
                               const struct nsg_topology *t,
                               struct nsg_err *err)
{
    for (guint i = 0; i < NSG_TOPO_N(t, NSG_RES_NSG); i++) {
        nsg_rc rc = load_versions(r, c, NSG_TOPO_AT(t, NSG_RES_NSG, i), err);
        if (rc)
            return rc;
    }
    return NSG_OK;
}

/* One pass over the stored flows: note (prepass) or add. */
static nsg_rc pass(struct nsg_replay *r, struct nsg_whatif *w,
                   struct nsg_corpus *c, bool note, struct nsg_err *err)
{
    struct nsg_flow_iter *it = NULL;
    const struct nsg_flow *f;
    nsg_rc rc = nsg_flows_open(c, &it, err);
    int got;

    while (!rc && (got = nsg_flows_next(it, &f, err)) != 0) {
        if (got < 0) {
            rc = err && err->code ? err->code : NSG_E_IO;
            break;
        }
        if (w)
            nsg_whatif_add(w, f);
        else if (note)
            nsg_replay_note(r, f);
        else
            rc = nsg_replay_add(r, f, err);
    }
    nsg_flows_close(it);
    return rc;
}

nsg_rc nsg_replay_run_corpus(struct nsg_replay *r, struct nsg_corpus *c,
                             struct nsg_err *err)
{
    nsg_rc rc = NSG_OK;
    if (nsg_replay_wants_prepass(r))
        rc = pass(r, NULL, c, true, err);
    return rc ? rc : pass(r, NULL, c, false, err);
}

nsg_rc nsg_whatif_run_corpus(struct nsg_whatif *w, struct nsg_corpus *c,
                             struct nsg_err *err)
{
    nsg_rc rc = pass(NULL, w, c, false, err);
    return rc ? rc : nsg_whatif_finish(w, err);
}
