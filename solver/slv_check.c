/* slv_check.c - satisfiability checks with model -> packet extraction,
 * evaluation of terms under a concrete packet, and packet text. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "slv_int.h"

static nsg_u128 parse_dec(const char *t)
{
    nsg_u128 v = 0;
    for (; *t >= '0' && *t <= '9'; t++)
        v = v * 10 + (nsg_u128)(*t - '0');
    return v;
}

/* Value of a BV or Bool constant term. */
static nsg_rc const_value(struct nsg_slv *s, Z3_ast v, nsg_u128 *out,
                          struct nsg_err *err)
{
    if (Z3_get_sort_kind(s->z, Z3_get_sort(s->z, v)) == Z3_BOOL_SORT) {
        Z3_lbool b = Z3_get_bool_value(s->z, v);
        if (b == Z3_L_UNDEF)
            return nsg_err_set(
                err, NSG_E_INTERNAL,
                "solver: term did not evaluate to a constant: %s",
                Z3_ast_to_string(s->z, v));
        *out = b == Z3_L_TRUE;
        return NSG_OK;
    }
    if (!Z3_is_numeral_ast(s->z, v))
        return nsg_err_set(err, NSG_E_INTERNAL,
                           "solver: term did not evaluate to a number: %s",
                           Z3_ast_to_string(s->z, v));
    uint64_t u;
    if (Z3_get_numeral_uint64(s->z, v, &u))
        *out = u;
    else
        *out = parse_dec(Z3_get_numeral_string(s->z, v));
    return NSG_OK;
}

static nsg_rc model_value(struct nsg_slv *s, Z3_model m, Z3_ast t,
                          nsg_u128 *out, struct nsg_err *err)
{
    Z3_ast v = NULL;
    if (!Z3_model_eval(s->z, m, t, true, &v) || !v)
        return nsg_err_set(err, NSG_E_INTERNAL,
                           "solver: model evaluation "
                           "failed");
    return const_value(s, v, out, err);
}

static nsg_rc model_packet(struct nsg_slv *s, Z3_model m, struct nsg_packet *p,
                           struct nsg_err *err)
{
    nsg_u128 out, is6, src, dst, sp, dp, pr;
    nsg_rc rc = model_value(s, m, s->pkt.out, &out, err);
    if (!rc)
        rc = model_value(s, m, s->pkt.is6, &is6, err);
    if (!rc)
        rc = model_value(s, m, s->pkt.src, &src, err);
    if (!rc)
        rc = model_value(s, m, s->pkt.dst, &dst, err);
    if (!rc)
        rc = model_value(s, m, s->pkt.sport, &sp, err);
    if (!rc)
        rc = model_value(s, m, s->pkt.dport, &dp, err);
    if (!rc)
        rc = model_value(s, m, s->pkt.proto, &pr, err);
    if (rc)
        return rc;
    memset(p, 0, sizeof(*p));
    p->dir = out ? NSG_DIR_OUT : NSG_DIR_IN;
    p->proto = (int)pr;
    p->src.family = p->dst.family = is6 ? 6 : 4;
    p->src.v = src;
    p->dst.v = dst;
    p->sport = (uint16_t)sp;
    p->dport = (uint16_t)dp;
    return NSG_OK;
}

nsg_rc slv_solve(struct nsg_slv *s, bool *sat, struct nsg_packet *pkt,
                 struct nsg_err *err)
{
    *sat = false;
    Z3_lbool r = Z3_solver_check(s->z, s->sol);
    nsg_rc rc = slv_z3_status(s, "check", err);
    if (rc)
        return rc;
    if (r == Z3_L_UNDEF)
        return nsg_err_set(
            err, NSG_E_UNKNOWN, "solver answered unknown (%s; timeout %u ms)",
            Z3_solver_get_reason_unknown(s->z, s->sol), s->timeout_ms);
    *sat = r == Z3_L_TRUE;
    if (*sat && pkt) {
        Z3_model m = Z3_solver_get_model(s->z, s->sol);
        Z3_model_inc_ref(s->z, m);
        rc = model_packet(s, m, pkt, err);
        Z3_model_dec_ref(s->z, m);
    }
    return rc;
}

nsg_rc nsg_slv_check(struct nsg_slv *s, const Z3_ast *q, size_t n, bool *sat,
                     struct nsg_packet *pkt, struct nsg_err *err)
{
    Z3_ast domain = nsg_slv_pkt_domain(s); /* cached: built outside scopes */
    Z3_solver_push(s->z, s->sol);
    Z3_solver_assert(s->z, s->sol, domain);
    for (size_t i = 0; i < n; i++)
        Z3_solver_assert(s->z, s->sol, q[i]);
    nsg_rc rc = slv_solve(s, sat, pkt, err);
    Z3_solver_pop(s->z, s->sol, 1);
    return rc;
}

static void add_interp(struct nsg_slv *s, Z3_model m, Z3_ast var, Z3_ast val)
{
    Z3_func_decl d = Z3_get_app_decl(s->z, Z3_to_app(s->z, var));
    Z3_add_const_interp(s->z, m, d, val);
}

nsg_rc nsg_slv_eval(struct nsg_slv *s, const struct nsg_packet *p, Z3_ast t,
                    uint64_t *value, struct nsg_err *err)
{
    Z3_model m = Z3_mk_model(s->z);
    Z3_model_inc_ref(s->z, m);
    bool has_ports = nsg_proto_has_ports(p->proto);
    add_interp(s, m, s->pkt.out, p->dir == NSG_DIR_OUT ? s->t : s->f);
    add_interp(s, m, s->pkt.is6, p->src.family == 6 ? s->t : s->f);
    add_interp(s, m, s->pkt.src, slv_num(s, p->src.v, 128));
    add_interp(s, m, s->pkt.dst, slv_num(s, p->dst.v, 128));
    add_interp(s, m, s->pkt.sport, slv_num(s, has_ports ? p->sport : 0, 16));
    add_interp(s, m, s->pkt.dport, slv_num(s, has_ports ? p->dport : 0, 16));
    add_interp(s, m, s->pkt.proto, slv_num(s, (nsg_u128)p->proto & 255, 8));
    nsg_u128 v = 0;
    nsg_rc rc = model_value(s, m, t, &v, err);
    Z3_model_dec_ref(s->z, m);
    if (!rc)
        *value = (uint64_t)v;
    return rc;
}

void nsg_slv_packet_format(const struct nsg_packet *p, struct nsg_buf *out)
{
    char a[NSG_IP_STRLEN], b[NSG_IP_STRLEN], pn[8];
    nsg_ip_format(&p->src, a);
    nsg_ip_format(&p->dst, b);
    const char *l = p->src.family == 6 ? "[" : "",
               *r = p->src.family == 6 ? "]" : "";
    if (nsg_proto_has_ports(p->proto))
        nsg_buf_addf(out, "%s %s %s%s%s:%u -> %s%s%s:%u",
                     p->dir == NSG_DIR_OUT ? "Outbound" : "Inbound",
                     nsg_proto_name(p->proto, pn), l, a, r, p->sport, l, b, r,
                     p->dport);
    else
        nsg_buf_addf(out, "%s %s %s -> %s",
                     p->dir == NSG_DIR_OUT ? "Outbound" : "Inbound",
                     nsg_proto_name(p->proto, pn), a, b);
}
