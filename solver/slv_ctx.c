/* slv_ctx.c - the solver context: Z3 setup with a non-exiting error
 * handler, the symbolic packet, its domain constraint and Z3 helpers. */
#include <stdlib.h>
#include <string.h>

#include "slv_int.h"

/* Z3's default handler exits the process; ours does nothing and callers
 * look at Z3_get_error_code after the calls that can fail. */
static void quiet_handler(Z3_context c, Z3_error_code e)
{
    (void)c;
    (void)e;
}

nsg_rc slv_z3_status(struct nsg_slv *s, const char *what, struct nsg_err *err)
{
    Z3_error_code e = Z3_get_error_code(s->z);
    if (e == Z3_OK)
        return NSG_OK;
    return nsg_err_set(err, NSG_E_INTERNAL, "solver: %s: Z3 error: %s", what,
                       Z3_get_error_msg(s->z, e));
}

static Z3_ast mk_var(struct nsg_slv *s, const char *name, Z3_sort sort)
{
    return Z3_mk_const(s->z, Z3_mk_string_symbol(s->z, name), sort);
}

void slv_free_decision(gpointer p)
{
    struct nsg_slv_nsg *d = p;
    for (int i = 0; i < 2; i++) {
        free(d->matches[i]);
        free(d->eff[i]);
        free(d->fires[i]);
    }
    free(d);
}

struct nsg_slv *nsg_slv_new(unsigned timeout_ms)
{
    struct nsg_slv *s = nsg_xcalloc(1, sizeof(*s));
    Z3_config cfg = Z3_mk_config();
    Z3_set_param_value(cfg, "model", "true");
    s->z = Z3_mk_context(cfg);
    Z3_del_config(cfg);
    Z3_set_error_handler(s->z, quiet_handler);
    s->bv128 = Z3_mk_bv_sort(s->z, 128);
    s->bv16 = Z3_mk_bv_sort(s->z, 16);
    s->bv8 = Z3_mk_bv_sort(s->z, 8);
    s->t = Z3_mk_true(s->z);
    s->f = Z3_mk_false(s->z);
    s->pkt.out = mk_var(s, "out", Z3_mk_bool_sort(s->z));
    s->pkt.is6 = mk_var(s, "is6", Z3_mk_bool_sort(s->z));
    s->pkt.src = mk_var(s, "src", s->bv128);
    s->pkt.dst = mk_var(s, "dst", s->bv128);
    s->pkt.sport = mk_var(s, "sport", s->bv16);
    s->pkt.dport = mk_var(s, "dport", s->bv16);
    s->pkt.proto = mk_var(s, "proto", s->bv8);
    for (int i = 0; i < 2; i++) {
        s->addr_cache[i] = g_hash_table_new_full(
            g_bytes_hash, g_bytes_equal, (GDestroyNotify)g_bytes_unref, NULL);
        s->port_cache[i] = g_hash_table_new_full(
            g_bytes_hash, g_bytes_equal, (GDestroyNotify)g_bytes_unref, NULL);
    }
    s->proto_cache = g_hash_table_new(g_direct_hash, g_direct_equal);
    s->decisions = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL,
                                         slv_free_decision);
    s->decisions_nokms = g_hash_table_new_full(g_direct_hash, g_direct_equal,
                                               NULL, slv_free_decision);
    s->admins = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL,
                                      free);
    s->sol = Z3_mk_solver_for_logic(s->z, Z3_mk_string_symbol(s->z, "QF_BV"));
    Z3_solver_inc_ref(s->z, s->sol);
    nsg_slv_set_timeout(s, timeout_ms);
    return s;
}

void nsg_slv_free(struct nsg_slv *s)
{
    if (!s)
        return;
    for (int i = 0; i < 2; i++) {
        g_hash_table_destroy(s->addr_cache[i]);
        g_hash_table_destroy(s->port_cache[i]);
    }
    g_hash_table_destroy(s->proto_cache);
    g_hash_table_destroy(s->decisions);
    g_hash_table_destroy(s->decisions_nokms);
    g_hash_table_destroy(s->admins);
    Z3_solver_dec_ref(s->z, s->sol);
    Z3_del_context(s->z);
    free(s);
}

void nsg_slv_set_timeout(struct nsg_slv *s, unsigned timeout_ms)
{
    Z3_params p = Z3_mk_params(s->z);
    Z3_params_inc_ref(s->z, p);
    s->timeout_ms = timeout_ms;
    Z3_params_set_uint(s->z, p, Z3_mk_string_symbol(s->z, "timeout"),
                       timeout_ms ? timeout_ms : 4294967295u);
    Z3_solver_set_params(s->z, s->sol, p);
    Z3_params_dec_ref(s->z, p);
}

void nsg_slv_set_polish(struct nsg_slv *s, bool on)
{
    s->no_polish = !on;
}

Z3_context nsg_slv_z3(const struct nsg_slv *s)
{
    return s->z;
}

const struct nsg_slv_pkt *nsg_slv_pkt(const struct nsg_slv *s)
{
    return &s->pkt;
}

Z3_ast nsg_slv_has_ports(struct nsg_slv *s)
{
    if (!s->has_ports)
        s->has_ports = slv_or2(s, nsg_slv_proto(s, NSG_PROTO_TCP),
                               nsg_slv_proto(s, NSG_PROTO_UDP));
    return s->has_ports;
}

Z3_ast nsg_slv_pkt_domain(struct nsg_slv *s)
{
    if (s->domain)
        return s->domain;
    Z3_ast zero96 = slv_num(s, 0, 96);
    Z3_ast v4[2] = {
        Z3_mk_eq(s->z, Z3_mk_extract(s->z, 127, 32, s->pkt.src), zero96),
        Z3_mk_eq(s->z, Z3_mk_extract(s->z, 127, 32, s->pkt.dst), zero96)};
    Z3_ast noports[2] = {Z3_mk_eq(s->z, s->pkt.sport, slv_num(s, 0, 16)),
                         Z3_mk_eq(s->z, s->pkt.dport, slv_num(s, 0, 16))};
    Z3_ast parts[2] = {
        Z3_mk_implies(s->z, slv_not(s, s->pkt.is6), slv_andv(s, v4, 2)),
        Z3_mk_implies(s->z, slv_not(s, nsg_slv_has_ports(s)),
                      slv_andv(s, noports, 2))};
    s->domain = slv_andv(s, parts, 2);
    return s->domain;
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

long slv_rule_index(const struct nsg_cnsg *c, enum nsg_dir dir,
                    const struct nsg_crule *r)
{
    if (!r)
        return -1;
    for (size_t i = 0; i < c->n[dir]; i++)
        if (&c->rules[dir][i] == r)
            return (long)i;
    return -1;
}

const char *slv_rule_name(const struct nsg_crule *r)
{
    if (!r)
        return "(none)";
    return r->rule && r->rule->name ? r->rule->name : "(unnamed)";
}
