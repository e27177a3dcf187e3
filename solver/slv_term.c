/* slv_term.c - small Z3 helpers shared by the solver's files: constant-
 * folding conjunction, disjunction and negation, bit-vector numerals, and
 * the status of the last Z3 calls. */
#include <stdlib.h>
#include <string.h>

#include "slv_int.h"

nsg_rc slv_z3_status(struct nsg_slv *s, const char *what, struct nsg_err *err)
{
    Z3_error_code e = Z3_get_error_code(s->z);
    if (e == Z3_OK)
        return NSG_OK;
    return nsg_err_set(err, NSG_E_INTERNAL, "solver: %s: Z3 error: %s", what,
                       Z3_get_error_msg(s->z, e));
}

Z3_ast slv_and2(struct nsg_slv *s, Z3_ast a, Z3_ast b)
{
    Z3_ast v[2] = {a, b};
    return slv_andv(s, v, 2);
}

Z3_ast slv_or2(struct nsg_slv *s, Z3_ast a, Z3_ast b)
{
    Z3_ast v[2] = {a, b};
    return slv_orv(s, v, 2);
}

Z3_ast slv_not(struct nsg_slv *s, Z3_ast a)
{
    if (a == s->t)
        return s->f;
    if (a == s->f)
        return s->t;
    return Z3_mk_not(s->z, a);
}

/* Conjunction with constant folding (true dropped, false absorbs). */
Z3_ast slv_andv(struct nsg_slv *s, Z3_ast *v, size_t n)
{
    Z3_ast *keep = nsg_xmalloc((n ? n : 1) * sizeof(*keep));
    size_t k = 0;
    Z3_ast r = NULL;
    for (size_t i = 0; i < n; i++) {
        if (v[i] == s->f) {
            r = s->f;
            goto out;
        }
        if (v[i] != s->t)
            keep[k++] = v[i];
    }
    r = k == 0 ? s->t : k == 1 ? keep[0] : Z3_mk_and(s->z, (unsigned)k, keep);
out:
    free(keep);
    return r;
}

/* Disjunction with constant folding. */
Z3_ast slv_orv(struct nsg_slv *s, Z3_ast *v, size_t n)
{
    Z3_ast *keep = nsg_xmalloc((n ? n : 1) * sizeof(*keep));
    size_t k = 0;
    Z3_ast r = NULL;
    for (size_t i = 0; i < n; i++) {
        if (v[i] == s->t) {
            r = s->t;
            goto out;
        }
        if (v[i] != s->f)
            keep[k++] = v[i];
    }
    r = k == 0 ? s->f : k == 1 ? keep[0] : Z3_mk_or(s->z, (unsigned)k, keep);
out:
    free(keep);
    return r;
}

void slv_u128_dec(nsg_u128 v, char out[48])
{
    char tmp[48];
    size_t n = 0;
    do {
        tmp[n++] = (char)('0' + (int)(v % 10));
        v /= 10;
    } while (v);
    for (size_t i = 0; i < n; i++)
        out[i] = tmp[n - 1 - i];
    out[n] = 0;
}

Z3_ast slv_num(struct nsg_slv *s, nsg_u128 v, unsigned bits)
{
    Z3_sort sort = bits == 128  ? s->bv128
                   : bits == 16 ? s->bv16
                   : bits == 8  ? s->bv8
                                : Z3_mk_bv_sort(s->z, bits);
    if (bits <= 64)
        return Z3_mk_unsigned_int64(s->z, (uint64_t)v, sort);
    char dec[48];
    slv_u128_dec(v, dec);
    return Z3_mk_numeral(s->z, dec, sort);
}
