/* slv_ctx.c - the solver context: Z3 setup with an error handler that
 * records the first failure instead of exiting, the symbolic packet, and
 * the names of rules in messages. */
#include <stdlib.h>
#include <string.h>

#include "slv_int.h"

/* Z3's default handler exits the process.  Ours records the first error
 * of a context in its struct nsg_slv (s->failed is sticky: slv_int.h); the
 * handler gets only the context, hence this registry of live contexts. */
static GMutex registry_lock;
static GHashTable *registry; /* Z3_context -> struct nsg_slv * */

static void on_z3_error(Z3_context c, Z3_error_code e)
{
    g_mutex_lock(&registry_lock);
    struct nsg_slv *s = registry ? g_hash_table_lookup(registry, c) : NULL;
    if (s && !s->failed) {
        s->failed = true;
        g_strlcpy(s->failure, Z3_get_error_msg(c, e), sizeof(s->failure));
    }
    g_mutex_unlock(&registry_lock);
}

static void registry_set(Z3_context c, struct nsg_slv *s)
{
    g_mutex_lock(&registry_lock);
    if (!registry)
        registry = g_hash_table_new(g_direct_hash, g_direct_equal);
    if (s)
        g_hash_table_insert(registry, c, s);
    else
        g_hash_table_remove(registry, c);
    if (!g_hash_table_size(registry)) {
        g_hash_table_destroy(registry);
        registry = NULL;
    }
    g_mutex_unlock(&registry_lock);
}

static Z3_ast mk_var(struct nsg_slv *s, const char *name, Z3_sort sort)
{
    return Z3_mk_const(s->z, Z3_mk_string_symbol(s->z, name), sort);
}

void nsg_slv_free_decision(gpointer p)
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
    registry_set(s->z, s);
    Z3_set_error_handler(s->z, on_z3_error);
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
                                         nsg_slv_free_decision);
    s->decisions_nokms = g_hash_table_new_full(g_direct_hash, g_direct_equal,
                                               NULL, nsg_slv_free_decision);
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
    registry_set(s->z, NULL);
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

void nsg_slv_reset(struct nsg_slv *s)
{
    if (s->depth || s->failed)
        return;
    Z3_solver_reset(s->z, s->sol);
    nsg_slv_set_timeout(s, s->timeout_ms);
}

void nsg_slv_set_polish(struct nsg_slv *s, bool on)
{
    s->no_polish = !on;
}

void nsg_slv_set_slicing(struct nsg_slv *s, bool on)
{
    s->no_slice = !on;
}

Z3_context nsg_slv_z3(const struct nsg_slv *s)
{
    return s->z;
}

const struct nsg_slv_pkt *nsg_slv_pkt(const struct nsg_slv *s)
{
    return &s->pkt;
}

long nsg_slv_rule_index(const struct nsg_cnsg *c, enum nsg_dir dir,
                        const struct nsg_crule *r)
{
    if (!r)
        return -1;
    for (size_t i = 0; i < c->n[dir]; i++)
        if (&c->rules[dir][i] == r)
            return (long)i;
    return -1;
}

const char *nsg_slv_rule_name(const struct nsg_crule *r)
{
    if (!r)
        return "(none)";
    return r->rule && r->rule->name ? r->rule->name : "(unnamed)";
}

Z3_ast nsg_slv_scope_term(struct nsg_slv *s, const struct nsg_slv_scope *sc)
{
    if (!sc)
        return s->t;
    Z3_ast fam = sc->v4 && sc->v6 ? s->t
                 : sc->v6         ? nsg_slv_family(s, 6)
                 : sc->v4         ? nsg_slv_family(s, 4)
                                  : s->t;
    if (!sc->governed)
        return fam;
    Z3_ast side = nsg_slv_mk_ite(s, s->pkt.out,
                                 nsg_slv_addrset(s, NSG_SLV_SRC, sc->governed),
                                 nsg_slv_addrset(s, NSG_SLV_DST, sc->governed));
    return nsg_slv_and2(s, fam, side);
}

nsg_rc nsg_slv_solve_scoped(struct nsg_slv *s, Z3_ast scope, bool *sat,
                            struct nsg_packet *pkt, bool *in_scope,
                            struct nsg_err *err)
{
    *in_scope = true;
    if (scope && scope != s->t) {
        nsg_slv_push(s);
        nsg_slv_assert(s, scope);
        nsg_rc rc = nsg_slv_solve(s, sat, pkt, err);
        nsg_slv_pop(s, 1);
        if (rc || *sat)
            return rc;
        *in_scope = false;
    }
    return nsg_slv_solve(s, sat, pkt, err);
}
