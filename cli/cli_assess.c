/* cli_assess.c - loading a corpus and assessing it with adaptive
 * hardening, for the assess and map commands. */
#include <string.h>

#include "cli_assess.h"
#include "cli_plan.h"

nsg_rc cli_assess_corpus(const char *dir, struct cli_assessed *x,
                         struct nsg_err *err)
{
    memset(x, 0, sizeof(*x));
    nsg_rc rc = cli_load_corpus(dir, &x->c, &x->t, err);
    if (!rc)
        rc = cli_harden_defaults(x->c, x->t, dir, &x->plan, err);
    if (rc)
        return rc;
    struct nsg_map_assess_opts aopts = {cli_harden_hook, x->plan};
    if (!(rc = nsg_map_net_new(x->t, &x->net, err)))
        rc = nsg_map_assess(x->net, &aopts, &x->a, err);
    return rc;
}

void cli_assessed_release(struct cli_assessed *x)
{
    nsg_map_assessment_free(x->a);
    nsg_plan_free(x->plan);
    nsg_map_net_free(x->net);
    nsg_topo_free(x->t);
    nsg_corpus_close(x->c);
    memset(x, 0, sizeof(*x));
}
