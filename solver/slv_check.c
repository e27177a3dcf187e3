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
    if (!t)
        nsg_slv_fail(s, "a term was not built (internal)");
    nsg_rc rc = nsg_slv_z3_status(s, "evaluating a term", err);
    if (rc)
        return rc;
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

/* ---- witness polish ------------------------------------------------------
 * Z3 picks whatever satisfies the constraints: source port 0, addresses
 * like 10.1.1.0.  After a model is found, try to move it to a packet that
 * looks real: each try pins one field (with the direction, family and
 * protocol of the model kept), is checked incrementally in its own scope
 * under a short time limit, and is kept only when sat; a failed or timed
 * out try is popped and the previous model stays.  Every kept model still
 * satisfies every assertion, so soundness is untouched. */
#define POLISH_TIMEOUT_MS 100u
#define EPHEMERAL_PORT 49152u

static bool polish_try(struct nsg_slv *s, Z3_ast base, Z3_ast pin,
                       struct nsg_packet *pkt, unsigned *depth)
{
    if (s->failed)
        return false;
    nsg_slv_push(s);
    nsg_slv_assert(s, nsg_slv_and2(s, base, pin));
    Z3_lbool r = s->failed ? Z3_L_UNDEF : Z3_solver_check(s->z, s->sol);
    struct nsg_packet p;
    struct nsg_err e = NSG_ERR_INIT;
    if (!s->failed && r == Z3_L_TRUE) {
        Z3_model m = Z3_solver_get_model(s->z, s->sol);
        Z3_model_inc_ref(s->z, m);
        nsg_rc rc = model_packet(s, m, &p, &e);
        Z3_model_dec_ref(s->z, m);
        if (!rc) {
            *pkt = p;
            (*depth)++;
            return true;
        }
    }
    nsg_slv_pop(s, 1);
    return false;
}

/* The IPv4 private ranges (RFC 1918, shared 100.64/10) where Azure
 * reserves the first four addresses of each subnet. */
static bool v4_private(uint32_t a)
{
    return (a >> 24) == 10 || (a >> 20) == ((172u << 4) | 1) ||
           (a >> 16) == ((192u << 8) | 168) || (a >> 22) == ((100u << 2) | 1);
}

/* A usable host for address a: try the lowest address of its /16 (v4) or
 * /64 (v6) block + 4, then of its /24 (/112) block + 4; a v4 public
 * address already a host (last octet 1..254) is kept, as is a private one
 * with last octet 4..254. */
static void polish_addr(struct nsg_slv *s, Z3_ast var, Z3_ast base,
                        struct nsg_packet *pkt, bool dst, unsigned *depth)
{
    struct nsg_ip *ip = dst ? &pkt->dst : &pkt->src;
    bool v6 = ip->family == 6;
    unsigned low = (unsigned)(ip->v & 0xff);
    if (!v6) {
        unsigned first = v4_private((uint32_t)ip->v) ? 4 : 1;
        if (low >= first && low < 255)
            return;
    } else if ((ip->v & 0xffff) >= 4) {
        return;
    }
    unsigned hostbits[2] = {v6 ? 64 : 16, v6 ? 16 : 8};
    for (int k = 0; k < 2; k++) {
        nsg_u128 mask = (((nsg_u128)1) << hostbits[k]) - 1;
        nsg_u128 cand = (ip->v & ~mask) | 4;
        if (cand == ip->v)
            return;
        if (polish_try(s, base,
                       nsg_slv_mk_eq(s, var, nsg_slv_num(s, cand, 128)), pkt,
                       depth))
            return;
    }
}

static void polish(struct nsg_slv *s, struct nsg_packet *pkt)
{
    unsigned depth = 0;
    Z3_ast base_v[3] = {nsg_slv_dir(s, pkt->dir),
                        nsg_slv_family(s, pkt->src.family),
                        nsg_slv_proto(s, pkt->proto)};
    Z3_ast base = nsg_slv_andv(s, base_v, 3);
    Z3_params prm = Z3_mk_params(s->z);
    Z3_params_inc_ref(s->z, prm);
    unsigned to = s->timeout_ms && s->timeout_ms < POLISH_TIMEOUT_MS
                      ? s->timeout_ms
                      : POLISH_TIMEOUT_MS;
    Z3_params_set_uint(s->z, prm, Z3_mk_string_symbol(s->z, "timeout"), to);
    Z3_solver_set_params(s->z, s->sol, prm);
    Z3_params_dec_ref(s->z, prm);
    if (nsg_proto_has_ports(pkt->proto)) {
        if (pkt->sport != EPHEMERAL_PORT &&
            !polish_try(s, base,
                        nsg_slv_mk_eq(s, s->pkt.sport,
                                      nsg_slv_num(s, EPHEMERAL_PORT, 16)),
                        pkt, &depth) &&
            pkt->sport < EPHEMERAL_PORT)
            (void)polish_try(
                s, base,
                nsg_slv_mk_bvuge(s, s->pkt.sport,
                                 nsg_slv_num(s, EPHEMERAL_PORT, 16)),
                pkt, &depth);
        /* Destination port: the start of its range (the lowest port below
         * the model's value that keeps every constraint), never 0 unless
         * nothing else fits, found by a bounded bisection: at most 6
         * tries, then the lowest found. */
        unsigned floor = 1;
        if (pkt->dport == 0 &&
            !polish_try(s, base,
                        nsg_slv_mk_bvuge(s, s->pkt.dport, nsg_slv_num(s, 1, 16)),
                        pkt, &depth))
            floor = 0;
        unsigned lo = floor, hi = pkt->dport;
        /* Usually the model's port already starts its range: one unsat
         * try settles it instead of a bisection of failing tries. */
        Z3_ast below[2] = {
            nsg_slv_mk_bvuge(s, s->pkt.dport, nsg_slv_num(s, floor, 16)),
            nsg_slv_mk_bvult(s, s->pkt.dport, nsg_slv_num(s, hi, 16))};
        if (hi > lo &&
            !polish_try(s, base, nsg_slv_andv(s, below, 2), pkt, &depth))
            lo = hi;
        else
            hi = pkt->dport;
        for (int i = 0; i < 6 && lo < hi; i++) {
            unsigned mid = lo + (hi - lo) / 2;
            Z3_ast r[2] = {
                nsg_slv_mk_bvuge(s, s->pkt.dport, nsg_slv_num(s, lo, 16)),
                nsg_slv_mk_bvule(s, s->pkt.dport, nsg_slv_num(s, mid, 16))};
            if (polish_try(s, base, nsg_slv_andv(s, r, 2), pkt, &depth))
                hi = pkt->dport;
            else
                lo = mid + 1;
        }
    }
    polish_addr(s, s->pkt.src, base, pkt, false, &depth);
    polish_addr(s, s->pkt.dst, base, pkt, true, &depth);
    nsg_slv_pop(s, depth);
    nsg_slv_set_timeout(s, s->timeout_ms);
}

nsg_rc nsg_slv_solve(struct nsg_slv *s, bool *sat, struct nsg_packet *pkt,
                     struct nsg_err *err)
{
    *sat = false;
    nsg_rc rc = nsg_slv_z3_status(s, "check", err);
    if (rc)
        return rc;
    Z3_lbool r = Z3_solver_check(s->z, s->sol);
    rc = nsg_slv_z3_status(s, "check", err);
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
        if (!rc && !s->no_polish) {
            polish(s, pkt);
            rc = nsg_slv_z3_status(s, "polishing a witness", err);
        }
    }
    return rc;
}

nsg_rc nsg_slv_check(struct nsg_slv *s, const Z3_ast *q, size_t n, bool *sat,
                     struct nsg_packet *pkt, struct nsg_err *err)
{
    nsg_rc rc = nsg_slv_z3_status(s, "check", err);
    if (rc)
        return rc;
    Z3_ast domain = nsg_slv_pkt_domain(s); /* cached: built outside scopes */
    nsg_slv_push(s);
    nsg_slv_assert(s, domain);
    for (size_t i = 0; i < n; i++)
        nsg_slv_assert(s, q[i]);
    rc = nsg_slv_solve(s, sat, pkt, err);
    nsg_slv_pop(s, 1);
    return rc;
}

static void add_interp(struct nsg_slv *s, Z3_model m, Z3_ast var, Z3_ast val)
{
    if (!val)
        nsg_slv_fail(s, "a term was not built (internal)");
    if (s->failed)
        return;
    Z3_func_decl d = Z3_get_app_decl(s->z, Z3_to_app(s->z, var));
    Z3_add_const_interp(s->z, m, d, val);
}

nsg_rc nsg_slv_eval(struct nsg_slv *s, const struct nsg_packet *p, Z3_ast t,
                    uint64_t *value, struct nsg_err *err)
{
    nsg_rc rc = nsg_slv_z3_status(s, "evaluating a term", err);
    if (rc)
        return rc;
    Z3_model m = Z3_mk_model(s->z);
    Z3_model_inc_ref(s->z, m);
    bool has_ports = nsg_proto_has_ports(p->proto);
    add_interp(s, m, s->pkt.out, p->dir == NSG_DIR_OUT ? s->t : s->f);
    add_interp(s, m, s->pkt.is6, p->src.family == 6 ? s->t : s->f);
    add_interp(s, m, s->pkt.src, nsg_slv_num(s, p->src.v, 128));
    add_interp(s, m, s->pkt.dst, nsg_slv_num(s, p->dst.v, 128));
    add_interp(s, m, s->pkt.sport,
               nsg_slv_num(s, has_ports ? p->sport : 0, 16));
    add_interp(s, m, s->pkt.dport,
               nsg_slv_num(s, has_ports ? p->dport : 0, 16));
    add_interp(s, m, s->pkt.proto, nsg_slv_num(s, (nsg_u128)p->proto & 255, 8));
    nsg_u128 v = 0;
    rc = model_value(s, m, t, &v, err);
    Z3_model_dec_ref(s->z, m);
    if (!rc)
        *value = (uint64_t)v;
    return rc;
}

static void format(const struct nsg_packet *p, const char *dir,
                   struct nsg_buf *out)
{
    char a[NSG_IP_STRLEN], b[NSG_IP_STRLEN], pn[8];
    nsg_ip_format(&p->src, a);
    nsg_ip_format(&p->dst, b);
    const char *l = p->src.family == 6 ? "[" : "",
               *r = p->src.family == 6 ? "]" : "";
    if (nsg_proto_has_ports(p->proto))
        nsg_buf_addf(out, "%s%s %s%s%s:%u -> %s%s%s:%u", dir,
                     nsg_proto_name(p->proto, pn), l, a, r, p->sport, l, b, r,
                     p->dport);
    else
        nsg_buf_addf(out, "%s%s %s -> %s", dir, nsg_proto_name(p->proto, pn),
                     a, b);
}

void nsg_slv_packet_format(const struct nsg_packet *p, struct nsg_buf *out)
{
    format(p, p->dir == NSG_DIR_OUT ? "Outbound " : "Inbound ", out);
}

void nsg_slv_flow_format(const struct nsg_packet *p, struct nsg_buf *out)
{
    format(p, "", out);
}
