/* slv_term.c - small Z3 helpers shared by the solver's files: the sticky
 * failure flag and its status, scopes, assertions and caches kept at depth
 * 0, Z3's constructors guarded against NULL terms, constant-folding
 * conjunction, disjunction and negation, and bit-vector numerals (the
 * discipline is described in slv_int.h). */
#include <stdlib.h>
#include <string.h>

#include "slv_int.h"

nsg_rc nsg_slv_z3_status(struct nsg_slv *s, const char *what,
                         struct nsg_err *err)
{
    if (!s->failed)
        return NSG_OK;
    return nsg_err_set(err, NSG_E_INTERNAL, "solver: %s: Z3 error: %s", what,
                       s->failure);
}

void nsg_slv_fail(struct nsg_slv *s, const char *msg)
{
    if (s->failed)
        return;
    s->failed = true;
    g_strlcpy(s->failure, msg, sizeof(s->failure));
}

/* True when terms may be built from v[0..n): s has not failed and none is
 * NULL (a NULL comes from a failed call, or from a bug: recorded). */
static bool usable(struct nsg_slv *s, const Z3_ast *v, size_t n)
{
    if (s->failed)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!v[i]) {
            nsg_slv_fail(s, "a term was not built (internal)");
            return false;
        }
    return true;
}

/* The result of a Z3 constructor: NULL only after a failure. */
static Z3_ast made(struct nsg_slv *s, Z3_ast r)
{
    if (!r)
        nsg_slv_fail(s, "Z3 built no term");
    return r;
}

#define ARGS(...) ((const Z3_ast[]){__VA_ARGS__})
#define NARGS(...) (sizeof(ARGS(__VA_ARGS__)) / sizeof(Z3_ast))
#define GUARD(...)                                                             \
    if (!usable(s, ARGS(__VA_ARGS__), NARGS(__VA_ARGS__)))                     \
    return NULL

void nsg_slv_push(struct nsg_slv *s)
{
    Z3_solver_push(s->z, s->sol);
    s->depth++;
}

void nsg_slv_pop(struct nsg_slv *s, unsigned n)
{
    if (n > s->depth) {
        nsg_slv_fail(s, "more solver scopes popped than pushed (internal)");
        n = s->depth;
    }
    if (n)
        Z3_solver_pop(s->z, s->sol, n);
    s->depth -= n;
}

void nsg_slv_assert(struct nsg_slv *s, Z3_ast a)
{
    if (usable(s, &a, 1))
        Z3_solver_assert(s->z, s->sol, a);
}

void nsg_slv_cache_put(struct nsg_slv *s, GHashTable *h, gpointer key, Z3_ast v,
                       GDestroyNotify release)
{
    if (s->depth == 0 && v && !s->failed)
        g_hash_table_insert(h, key, (gpointer)v);
    else if (release)
        release(key);
}

/* ---- Z3's constructors ---------------------------------------------------
 */

Z3_ast nsg_slv_mk_eq(struct nsg_slv *s, Z3_ast a, Z3_ast b)
{
    GUARD(a, b);
    return made(s, Z3_mk_eq(s->z, a, b));
}

Z3_ast nsg_slv_mk_ite(struct nsg_slv *s, Z3_ast c, Z3_ast a, Z3_ast b)
{
    GUARD(c, a, b);
    return made(s, Z3_mk_ite(s->z, c, a, b));
}

Z3_ast nsg_slv_mk_implies(struct nsg_slv *s, Z3_ast a, Z3_ast b)
{
    GUARD(a, b);
    return made(s, Z3_mk_implies(s->z, a, b));
}

Z3_ast nsg_slv_mk_xor(struct nsg_slv *s, Z3_ast a, Z3_ast b)
{
    GUARD(a, b);
    return made(s, Z3_mk_xor(s->z, a, b));
}

Z3_ast nsg_slv_mk_not(struct nsg_slv *s, Z3_ast a)
{
    GUARD(a);
    return made(s, Z3_mk_not(s->z, a));
}

Z3_ast nsg_slv_mk_and(struct nsg_slv *s, unsigned n, const Z3_ast *v)
{
    if (!usable(s, v, n))
        return NULL;
    return made(s, Z3_mk_and(s->z, n, v));
}

Z3_ast nsg_slv_mk_or(struct nsg_slv *s, unsigned n, const Z3_ast *v)
{
    if (!usable(s, v, n))
        return NULL;
    return made(s, Z3_mk_or(s->z, n, v));
}

Z3_ast nsg_slv_mk_bvuge(struct nsg_slv *s, Z3_ast a, Z3_ast b)
{
    GUARD(a, b);
    return made(s, Z3_mk_bvuge(s->z, a, b));
}

Z3_ast nsg_slv_mk_bvule(struct nsg_slv *s, Z3_ast a, Z3_ast b)
{
    GUARD(a, b);
    return made(s, Z3_mk_bvule(s->z, a, b));
}

Z3_ast nsg_slv_mk_bvult(struct nsg_slv *s, Z3_ast a, Z3_ast b)
{
    GUARD(a, b);
    return made(s, Z3_mk_bvult(s->z, a, b));
}

Z3_ast nsg_slv_mk_extract(struct nsg_slv *s, unsigned hi, unsigned lo, Z3_ast x)
{
    GUARD(x);
    return made(s, Z3_mk_extract(s->z, hi, lo, x));
}

Z3_ast nsg_slv_mk_bool(struct nsg_slv *s, const char *name)
{
    if (s->failed)
        return NULL;
    return made(s, Z3_mk_const(s->z, Z3_mk_string_symbol(s->z, name),
                               Z3_mk_bool_sort(s->z)));
}

Z3_ast nsg_slv_mk_fresh_bool(struct nsg_slv *s, const char *prefix)
{
    if (s->failed)
        return NULL;
    return made(s, Z3_mk_fresh_const(s->z, prefix, Z3_mk_bool_sort(s->z)));
}

Z3_ast nsg_slv_substitute(struct nsg_slv *s, Z3_ast t, Z3_ast from, Z3_ast to)
{
    GUARD(t, from, to);
    return made(s, Z3_substitute(s->z, t, 1, &from, &to));
}

/* Memoized in `memo` (term -> term), so that a DAG shared between calls
 * (the NSG decisions many NICs use) is walked once. */
Z3_ast nsg_slv_substitute_memo(struct nsg_slv *s, Z3_ast t, Z3_ast from,
                               Z3_ast to, GHashTable *memo)
{
    GUARD(t, from, to);
    if (t == from)
        return to;
    Z3_ast r = g_hash_table_lookup(memo, t);
    if (r)
        return r;
    if (Z3_get_ast_kind(s->z, t) != Z3_APP_AST) {
        r = t; /* numerals and the like: nothing to replace below */
    } else {
        Z3_app app = Z3_to_app(s->z, t);
        unsigned n = Z3_get_app_num_args(s->z, app);
        if (!n) {
            r = t; /* a constant other than `from` */
        } else {
            Z3_ast small[8], *args = n <= 8 ? small : nsg_xmalloc(n * sizeof(*args));
            bool changed = false;
            for (unsigned i = 0; i < n && !s->failed; i++) {
                Z3_ast a = Z3_get_app_arg(s->z, app, i);
                args[i] = nsg_slv_substitute_memo(s, a, from, to, memo);
                changed |= args[i] != a;
            }
            r = s->failed ? NULL
                : changed ? made(s, Z3_update_term(s->z, t, n, args))
                          : t;
            if (args != small)
                free(args);
        }
    }
    if (r && s->depth == 0)
        g_hash_table_insert(memo, t, r);
    return r;
}

/* ---- constant folding ----------------------------------------------------
 */

Z3_ast nsg_slv_and2(struct nsg_slv *s, Z3_ast a, Z3_ast b)
{
    Z3_ast v[2] = {a, b};
    return nsg_slv_andv(s, v, 2);
}

Z3_ast nsg_slv_or2(struct nsg_slv *s, Z3_ast a, Z3_ast b)
{
    Z3_ast v[2] = {a, b};
    return nsg_slv_orv(s, v, 2);
}

Z3_ast nsg_slv_not(struct nsg_slv *s, Z3_ast a)
{
    GUARD(a);
    if (a == s->t)
        return s->f;
    if (a == s->f)
        return s->t;
    return made(s, Z3_mk_not(s->z, a));
}

/* n-ary and/or with constant folding: `unit` (true for and) is dropped,
 * `zero` (false for and) absorbs. */
static Z3_ast fold(struct nsg_slv *s, Z3_ast *v, size_t n, bool is_and)
{
    if (!usable(s, v, n))
        return NULL;
    Z3_ast unit = is_and ? s->t : s->f, zero = is_and ? s->f : s->t;
    Z3_ast *keep = nsg_xmalloc((n ? n : 1) * sizeof(*keep));
    size_t k = 0;
    Z3_ast r = NULL;
    for (size_t i = 0; i < n; i++) {
        if (v[i] == zero) {
            r = zero;
            goto out;
        }
        if (v[i] != unit)
            keep[k++] = v[i];
    }
    if (k == 0)
        r = unit;
    else if (k == 1)
        r = keep[0];
    else
        r = made(s, is_and ? Z3_mk_and(s->z, (unsigned)k, keep)
                           : Z3_mk_or(s->z, (unsigned)k, keep));
out:
    free(keep);
    return r;
}

/* Conjunction with constant folding (true dropped, false absorbs). */
Z3_ast nsg_slv_andv(struct nsg_slv *s, Z3_ast *v, size_t n)
{
    return fold(s, v, n, true);
}

/* Disjunction with constant folding. */
Z3_ast nsg_slv_orv(struct nsg_slv *s, Z3_ast *v, size_t n)
{
    return fold(s, v, n, false);
}

void nsg_slv_u128_dec(nsg_u128 v, char out[48])
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

Z3_ast nsg_slv_num(struct nsg_slv *s, nsg_u128 v, unsigned bits)
{
    if (s->failed)
        return NULL;
    Z3_sort sort = bits == 128  ? s->bv128
                   : bits == 16 ? s->bv16
                   : bits == 8  ? s->bv8
                                : Z3_mk_bv_sort(s->z, bits);
    if (bits <= 64)
        return made(s, Z3_mk_unsigned_int64(s->z, (uint64_t)v, sort));
    char dec[48];
    nsg_slv_u128_dec(v, dec);
    return made(s, Z3_mk_numeral(s->z, dec, sort));
}
