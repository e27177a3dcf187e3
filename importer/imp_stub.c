/* imp_stub.c - TEMPORARY placeholder so the tree links before the
 * importers land.  Delete the functions here as importer/ implements them. */
#include "importer.h"

nsg_rc nsg_imp_flowlogs(struct nsg_txn *txn, struct nsg_corpus *c,
                        const struct nsg_topology *t, const char *const *paths,
                        size_t n_paths, cJSON *report, struct nsg_err *err)
{
    (void)txn; (void)c; (void)t; (void)paths; (void)n_paths; (void)report;
    return nsg_err_set(err, NSG_E_INPUT, "flow-log import not built yet");
}
