/* corpus_stub.c - TEMPORARY placeholder so the tree links before corpus.c
 * lands.  Delete this file when corpus/ implements corpus.h. */
#include "corpus.h"

nsg_rc nsg_corpus_open(const char *dir, bool create, struct nsg_corpus **out,
                       struct nsg_err *err)
{
    (void)dir; (void)create; *out = NULL;
    return nsg_err_set(err, NSG_E_INTERNAL, "corpus not built yet");
}
void nsg_corpus_close(struct nsg_corpus *c) { (void)c; }
nsg_rc nsg_corpus_load(struct nsg_corpus *c, int64_t at,
                       struct nsg_topology **out, struct nsg_err *err)
{
    (void)c; (void)at; *out = NULL;
    return nsg_err_set(err, NSG_E_INTERNAL, "corpus not built yet");
}
