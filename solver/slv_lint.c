/* slv_lint.c - rule lint: placeholder being written. */
#include <stdlib.h>

#include "slv_int.h"

void nsg_slv_lint_release(struct nsg_slv_lint *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->f[i].by);
    free(l->f);
    l->f = NULL;
    l->n = 0;
}

nsg_rc nsg_slv_lint(struct nsg_slv *s, const struct nsg_cnsg *c,
                    struct nsg_slv_lint *out, struct nsg_err *err)
{
    (void)s; (void)c; (void)out;
    return nsg_err_set(err, NSG_E_INTERNAL, "lint: not built yet");
}
