/* slv_lint.c - rule lint: rules that can never match (and the earlier
 * rules covering them, from an unsat core), rules whose removal changes no
 * decision, overlapping rules of opposite access (with a witness), and
 * inbound allows that open management ports to the Internet.  Candidate
 * rule pairs come from an exact concrete overlap test; the solver only
 * looks at rules that overlap the rule being checked, so each query is
 * small. */
#include <stdlib.h>
#include <string.h>

#include "slv_int.h"

static const uint16_t mgmt_ports[] = {22, 3389, 5985, 5986};

const char *nsg_slv_lint_kind_name(enum nsg_slv_lint_kind k)
{
    switch (k) {
    case NSG_LINT_SHADOWED:
        return "shadowed";
    case NSG_LINT_REDUNDANT:
        return "redundant";
    case NSG_LINT_CONFLICT:
        return "conflict";
    case NSG_LINT_MGMT_OPEN:
        return "management-port-open";
    case NSG_LINT_UNKNOWN_TAG:
        return "unknown-tag";
    }
    return "?";
}

void nsg_slv_lint_release(struct nsg_slv_lint *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->f[i].by);
    free(l->f);
    l->f = NULL;
    l->n = 0;
}

/* Do the sets share an address of family fam?  (Sorted ranges: merge.) */
static bool sets_meet(const struct nsg_addrset *a, const struct nsg_addrset *b,
                      int fam)
{
    size_t i = 0, j = 0;
    while (i < a->n && j < b->n) {
        const struct nsg_range *x = &a->r[i], *y = &b->r[j];
        if (x->family != fam) {
            i++;
            continue;
        }
        if (y->family != fam) {
            j++;
            continue;
        }
        if (x->hi < y->lo)
            i++;
        else if (y->hi < x->lo)
            j++;
        else
            return true;
    }
    return false;
}

static bool ports_meet(const struct nsg_portrange *a, size_t na,
                       const struct nsg_portrange *b, size_t nb)
{
    for (size_t i = 0; i < na; i++)
        for (size_t j = 0; j < nb; j++)
            if (a[i].lo <= b[j].hi && b[j].lo <= a[i].hi)
                return true;
    return false;
}

/* Exact: is there a packet both rules match?  (a == b: does a match any.) */
static bool crule_unknown(const struct nsg_crule *r)
{
    return r->src_unknown || r->dst_unknown;
}

static bool rules_meet(const struct nsg_crule *a, const struct nsg_crule *b)
{
    int proto;
    if (a->proto == NSG_PROTO_ANY)
        proto = b->proto;
    else if (b->proto == NSG_PROTO_ANY || b->proto == a->proto)
        proto = a->proto;
    else
        return false;
    /* A side naming an unknown tag may hold any address: it meets. */
    bool src_any = a->src_unknown || b->src_unknown;
    bool dst_any = a->dst_unknown || b->dst_unknown;
    bool fam = false;
    for (int f = 4; f <= 6 && !fam; f += 2)
        fam = (src_any || sets_meet(&a->src, &b->src, f)) &&
              (dst_any || sets_meet(&a->dst, &b->dst, f));
    if (!fam)
        return false;
    /* Under "*" a protocol without ports (ICMP, ...) meets regardless. */
    if (proto != NSG_PROTO_TCP && proto != NSG_PROTO_UDP)
        return true;
    return ports_meet(a->sports, a->n_sports, b->sports, b->n_sports) &&
           ports_meet(a->dports, a->n_dports, b->dports, b->n_dports);
}

static struct nsg_slv_finding *add_finding(struct nsg_slv_lint *out,
                                           enum nsg_slv_lint_kind k,
                                           enum nsg_dir dir,
                                           const struct nsg_crule *r)
{
    out->f = nsg_xrealloc(out->f, (out->n + 1) * sizeof(*out->f));
    struct nsg_slv_finding *f = &out->f[out->n++];
    memset(f, 0, sizeof(*f));
    f->kind = k;
    f->dir = dir;
    f->rule = r;
    return f;
}

static void add_by(struct nsg_slv_finding *f, const struct nsg_crule *r)
{
    f->by = nsg_xrealloc(f->by, (f->n_by + 1) * sizeof(*f->by));
    f->by[f->n_by++] = r;
}

struct lint_dir {
    struct nsg_slv *s;
    const struct nsg_cnsg *c;
    const struct nsg_slv_nsg *d;
    enum nsg_dir dir;
    Z3_ast internet;
    const struct nsg_addrset *inet; /* the same, as addresses */
    Z3_ast scope;           /* witnesses: in scope when possible */
    const struct nsg_slv_scope *scope_c; /* the same, as addresses */
    GArray *before, *after; /* size_t: overlapping rule indexes */
};

/* A witness: the conjunction q (plus the domain), in L's scope when a
 * packet of the scope satisfies it. */
static nsg_rc witness(struct lint_dir *L, Z3_ast *q, size_t n, bool *sat,
                      struct nsg_packet *p, bool *in_scope,
                      struct nsg_err *err)
{
    struct nsg_slv *s = L->s;
    nsg_slv_push(s); /* the domain is asserted below every scope (lint) */
    for (size_t i = 0; i < n; i++)
        nsg_slv_assert(s, q[i]);
    nsg_rc rc = nsg_slv_solve_scoped(s, L->scope, sat, p, in_scope, err);
    nsg_slv_pop(s, 1);
    return rc;
}

/* Check the given formulas (plus domain) with optional assumptions. */
static nsg_rc solve(struct nsg_slv *s, Z3_ast *q, size_t n, Z3_ast *assume,
                    size_t na, bool *sat, struct nsg_packet *pkt,
                    Z3_ast_vector *core, struct nsg_err *err)
{
    nsg_rc rc = nsg_slv_z3_status(s, "lint check", err);
    if (rc)
        return rc;
    nsg_slv_push(s); /* the domain is asserted below every scope (lint) */
    for (size_t i = 0; i < n; i++)
        nsg_slv_assert(s, q[i]);
    for (size_t i = 0; i < na; i++)
        if (!assume[i])
            nsg_slv_fail(s, "a term was not built (internal)");
    if (na) {
        Z3_lbool r = s->failed ? Z3_L_UNDEF
                               : Z3_solver_check_assumptions(
                                     s->z, s->sol, (unsigned)na, assume);
        rc = nsg_slv_z3_status(s, "lint check", err);
        if (!rc && r == Z3_L_UNDEF)
            rc = nsg_err_set(err, NSG_E_UNKNOWN, "solver answered unknown (%s)",
                             Z3_solver_get_reason_unknown(s->z, s->sol));
        if (!rc) {
            *sat = r == Z3_L_TRUE;
            if (!*sat && core) {
                *core = Z3_solver_get_unsat_core(s->z, s->sol);
                Z3_ast_vector_inc_ref(s->z, *core);
            }
        }
        if (!rc && *sat && pkt) {
            /* re-solve without assumptions to extract a model the common
             * way: cheap, and keeps model handling in one place */
            for (size_t i = 0; i < na; i++)
                nsg_slv_assert(s, assume[i]);
            rc = nsg_slv_solve(s, sat, pkt, err);
        }
    } else {
        rc = nsg_slv_solve(s, sat, pkt, err);
    }
    nsg_slv_pop(s, 1);
    return rc;
}

static nsg_rc check_shadowed(struct lint_dir *L, size_t i, bool *shadowed,
                             struct nsg_slv_lint *out, struct nsg_err *err)
{
    struct nsg_slv *s = L->s;
    const struct nsg_crule *r = &L->c->rules[L->dir][i];
    size_t nb = L->before->len;
    Z3_ast *lits = nsg_xcalloc(nb + 1, sizeof(Z3_ast));
    Z3_ast *q = nsg_xcalloc(nb + 2, sizeof(Z3_ast));
    Z3_ast_vector core = NULL;
    bool sat = true;
    nsg_rc rc = NSG_OK;

    *shadowed = false;
    if (!rules_meet(r, r)) { /* matches nothing at all */
        add_finding(out, NSG_LINT_SHADOWED, L->dir, r);
        *shadowed = true;
        goto out;
    }
    if (nb == 0)
        goto out;
    struct nsg_packet cp; /* a packet it decides: not shadowed, no solver */
    bool inside;
    if (nsg_slv_lint_decides(L->c, L->dir, i, NULL, -1, -1, NULL, &cp, &inside))
        goto out;
    /* the first earlier rule that covers it alone: shadowed by it (exact,
     * no solver; the same answer whatever was asked before) */
    for (size_t k = 0; k < nb; k++) {
        const struct nsg_crule *o =
            &L->c->rules[L->dir][g_array_index(L->before, size_t, k)];
        if (nsg_slv_lint_covers(o, r)) {
            *shadowed = true;
            add_by(add_finding(out, NSG_LINT_SHADOWED, L->dir, r), o);
            goto out;
        }
    }
    q[0] = L->d->matches[L->dir][i];
    for (size_t k = 0; k < nb; k++) {
        size_t j = g_array_index(L->before, size_t, k);
        char name[32];
        snprintf(name, sizeof(name), "lint_%zu", j);
        lits[k] = nsg_slv_mk_bool(s, name);
        q[k + 1] = nsg_slv_mk_implies(s, lits[k],
                                      nsg_slv_not(s, L->d->matches[L->dir][j]));
    }
    rc = solve(s, q, nb + 1, lits, nb, &sat, NULL, &core, err);
    if (rc || sat)
        goto out;
    *shadowed = true;
    struct nsg_slv_finding *f = add_finding(out, NSG_LINT_SHADOWED, L->dir, r);
    /* by: the core's rules, in priority order */
    unsigned nc = Z3_ast_vector_size(s->z, core);
    for (size_t k = 0; k < nb; k++)
        for (unsigned x = 0; x < nc; x++)
            if (Z3_ast_vector_get(s->z, core, x) == lits[k]) {
                add_by(
                    f,
                    &L->c->rules[L->dir][g_array_index(L->before, size_t, k)]);
                break;
            }
out:
    if (core)
        Z3_ast_vector_dec_ref(s->z, core);
    free(lits);
    free(q);
    return rc;
}

/* fires_i restricted to overlapping earlier rules (the others cannot
 * match a packet rule i matches). */
static Z3_ast local_fires(struct lint_dir *L, size_t i)
{
    size_t nb = L->before->len;
    Z3_ast *v = nsg_xcalloc(nb + 1, sizeof(Z3_ast));
    v[0] = L->d->matches[L->dir][i];
    for (size_t k = 0; k < nb; k++)
        v[k + 1] = nsg_slv_not(
            L->s, L->d->matches[L->dir][g_array_index(L->before, size_t, k)]);
    Z3_ast r = nsg_slv_andv(L->s, v, nb + 1);
    free(v);
    return r;
}

static nsg_rc check_redundant(struct lint_dir *L, size_t i,
                              struct nsg_slv_lint *out, struct nsg_err *err)
{
    struct nsg_slv *s = L->s;
    const struct nsg_crule *r = &L->c->rules[L->dir][i];
    /* a packet whose decision changes without rule i: no solver */
    if (nsg_slv_lint_matters(L->c, L->dir, i, (const size_t *)L->after->data,
                             L->after->len))
        return NSG_OK;
    /* What the later overlapping rules decide without rule i. */
    Z3_ast rest = s->f;
    for (size_t k = L->after->len; k-- > 0;) {
        size_t j = g_array_index(L->after, size_t, k);
        rest = nsg_slv_mk_ite(
            s, L->d->matches[L->dir][j],
            L->c->rules[L->dir][j].access == NSG_ALLOW ? s->t : s->f, rest);
    }
    Z3_ast q[2] = {
        local_fires(L, i),
        nsg_slv_mk_xor(s, rest, r->access == NSG_ALLOW ? s->t : s->f)};
    bool sat;
    nsg_rc rc = solve(s, q, 2, NULL, 0, &sat, NULL, NULL, err);
    if (rc || sat)
        return rc;
    struct nsg_slv_finding *f = add_finding(out, NSG_LINT_REDUNDANT, L->dir, r);
    for (size_t k = 0; k < L->after->len; k++) {
        const struct nsg_crule *o =
            &L->c->rules[L->dir][g_array_index(L->after, size_t, k)];
        if (o->access == r->access)
            add_by(f, o);
    }
    return NSG_OK;
}

static nsg_rc check_conflict(struct lint_dir *L, size_t i,
                             struct nsg_slv_lint *out, struct nsg_err *err)
{
    const struct nsg_crule *r = &L->c->rules[L->dir][i];
    struct nsg_slv_finding *f = NULL;
    for (size_t k = 0; k < L->before->len; k++) {
        size_t j = g_array_index(L->before, size_t, k);
        const struct nsg_crule *o = &L->c->rules[L->dir][j];
        if (o->access == r->access || o->rule->is_default || crule_unknown(o))
            continue; /* an unknown tag's overlap cannot be shown */
        if (!f) {
            /* witness: a packet both match (exists: they meet), built from
             * their sets when one of the candidates is (in scope), else
             * asked of the solver */
            struct nsg_packet p;
            bool sat = true, in_scope = true;
            if (!nsg_slv_lint_both(r, o, L->dir, L->scope_c, &p, &in_scope)) {
                Z3_ast q[2] = {L->d->matches[L->dir][i],
                               L->d->matches[L->dir][j]};
                Z3_ast dq = nsg_slv_dir(L->s, L->dir);
                Z3_ast qq[3] = {q[0], q[1], dq};
                nsg_rc rc = witness(L, qq, 3, &sat, &p, &in_scope, err);
                if (rc)
                    return rc;
                if (!sat)
                    continue; /* they share only addresses no packet has
                                 (loopback, multicast...): no conflict */
            }
            if (!sat || nsg_crule_match(r, &p) != 1 ||
                nsg_crule_match(o, &p) != 1)
                return nsg_err_set(err, NSG_E_INTERNAL,
                                   "internal inconsistency: rules %s and %s "
                                   "overlap but the solver's witness does "
                                   "not match both",
                                   nsg_slv_rule_name(o), nsg_slv_rule_name(r));
            f = add_finding(out, NSG_LINT_CONFLICT, L->dir, r);
            f->has_witness = true;
            f->witness = p;
            f->in_scope = in_scope;
        }
        add_by(f, o);
    }
    return NSG_OK;
}

static nsg_rc check_mgmt(struct lint_dir *L, size_t i, struct nsg_slv_lint *out,
                         struct nsg_err *err)
{
    struct nsg_slv *s = L->s;
    const struct nsg_crule *r = &L->c->rules[L->dir][i];
    if (L->dir != NSG_DIR_IN || r->access != NSG_ALLOW ||
        (r->proto != NSG_PROTO_ANY && r->proto != NSG_PROTO_TCP))
        return NSG_OK;
    for (size_t k = 0; k < sizeof(mgmt_ports) / sizeof(*mgmt_ports); k++) {
        uint16_t port = mgmt_ports[k];
        bool in = false;
        for (size_t x = 0; x < r->n_dports && !in; x++)
            in = r->dports[x].lo <= port && port <= r->dports[x].hi;
        if (!in)
            continue;
        if (!r->src_unknown && !nsg_addrset_overlaps(&r->src, L->inet))
            return NSG_OK; /* no source on the Internet: never open */
        struct nsg_packet cp; /* a packet it decides: no solver */
        bool inside;
        if (nsg_slv_lint_decides(L->c, NSG_DIR_IN, i, L->inet, NSG_PROTO_TCP,
                                 port, L->scope_c, &cp, &inside)) {
            struct nsg_slv_finding *f =
                add_finding(out, NSG_LINT_MGMT_OPEN, L->dir, r);
            f->port = port;
            f->has_witness = true;
            f->witness = cp;
            f->in_scope = inside;
            continue;
        }
        Z3_ast q[5] = {nsg_slv_dir(s, NSG_DIR_IN), local_fires(L, i),
                       nsg_slv_proto(s, NSG_PROTO_TCP),
                       nsg_slv_mk_eq(s, s->pkt.dport, nsg_slv_num(s, port, 16)),
                       L->internet};
        struct nsg_packet p;
        bool sat, in_scope;
        nsg_rc rc = witness(L, q, 5, &sat, &p, &in_scope, err);
        if (rc)
            return rc;
        if (!sat)
            continue;
        struct nsg_match m; /* an earlier rule with an unknown tag might */
        nsg_sim_eval(L->c, &p, &m); /* decide this packet: then say nothing */
        if (m.decision == NSG_DEC_UNKNOWN)
            continue;
        struct nsg_slv_finding *f =
            add_finding(out, NSG_LINT_MGMT_OPEN, L->dir, r);
        f->port = port;
        f->has_witness = true;
        f->witness = p;
        f->in_scope = in_scope;
    }
    return NSG_OK;
}

static void default_internet(struct nsg_addrset *set)
{
    static const char *const priv[] = {
        "0.0.0.0/8",      "10.0.0.0/8",    "100.64.0.0/10",  "127.0.0.0/8",
        "169.254.0.0/16", "172.16.0.0/12", "192.168.0.0/16", "224.0.0.0/3"};
    struct nsg_addrset p = NSG_ADDRSET_INIT;
    struct nsg_cidr c;
    nsg_addrset_add_all(set, 4);
    for (size_t i = 0; i < sizeof(priv) / sizeof(*priv); i++)
        if (!nsg_cidr_parse(priv[i], &c))
            nsg_addrset_add_cidr(&p, &c);
    nsg_addrset_subtract(set, &p);
    if (!nsg_cidr_parse("2000::/3", &c))
        nsg_addrset_add_cidr(set, &c);
    nsg_addrset_release(&p);
}

nsg_rc nsg_slv_lint(struct nsg_slv *s, const struct nsg_cnsg *c,
                    const struct nsg_addrset *internet,
                    struct nsg_slv_lint *out, struct nsg_err *err)
{
    return nsg_slv_lint_scoped(s, c, internet, NULL, out, err);
}

nsg_rc nsg_slv_lint_scoped(struct nsg_slv *s, const struct nsg_cnsg *c,
                           const struct nsg_addrset *internet,
                           const struct nsg_slv_scope *scope,
                           struct nsg_slv_lint *out, struct nsg_err *err)
{
    struct lint_dir L = {.s = s, .c = c};
    L.scope = nsg_slv_scope_term(s, scope);
    L.scope_c = scope;
    struct nsg_addrset inet = NSG_ADDRSET_INIT;
    struct nsg_slv_nsg lits;
    nsg_rc rc = nsg_slv_decide(s, c, &L.d, err);
    if (rc)
        return rc;
    if (s->depth)
        return nsg_err_set(err, NSG_E_INTERNAL,
                           "solver: lint inside a solver scope (internal)");
    /* Incremental: the domain, and one literal per rule standing for its
     * match, asserted once below every query, so each rule is bit-blasted
     * once per lint instead of once per query it appears in; the queries
     * are built over the literals (a copy of the decision with them as
     * the matches). */
    nsg_slv_assert(s, nsg_slv_pkt_domain(s));
    lits = *L.d;
    for (int dir = 0; dir < 2; dir++) {
        lits.matches[dir] = nsg_xcalloc(c->n[dir] + 1, sizeof(Z3_ast));
        for (size_t j = 0; j < c->n[dir]; j++) {
            Z3_ast m = L.d->matches[dir][j];
            if (m == s->t || m == s->f) {
                lits.matches[dir][j] = m;
                continue;
            }
            lits.matches[dir][j] = nsg_slv_mk_fresh_bool(s, "match");
            nsg_slv_assert(s, nsg_slv_mk_eq(s, lits.matches[dir][j], m));
        }
    }
    L.d = &lits;
    if (!internet) {
        default_internet(&inet);
        internet = &inet;
    }
    L.internet = nsg_slv_addrset(s, NSG_SLV_SRC, internet);
    L.inet = internet;
    L.before = g_array_new(FALSE, FALSE, sizeof(size_t));
    L.after = g_array_new(FALSE, FALSE, sizeof(size_t));
    for (int dir = 0; dir < 2 && !rc; dir++) {
        L.dir = (enum nsg_dir)dir;
        for (size_t i = 0; i < c->n[dir] && !rc; i++) {
            const struct nsg_crule *r = &c->rules[dir][i];
            if (r->rule->is_default)
                continue;
            if (crule_unknown(r)) {
                add_finding(out, NSG_LINT_UNKNOWN_TAG, L.dir, r);
                continue;
            }
            g_array_set_size(L.before, 0);
            g_array_set_size(L.after, 0);
            for (size_t j = 0; j < c->n[dir]; j++)
                if (j != i && rules_meet(r, &c->rules[dir][j]))
                    g_array_append_val(j < i ? L.before : L.after, j);
            bool shadowed;
            rc = check_shadowed(&L, i, &shadowed, out, err);
            if (rc || shadowed)
                continue;
            rc = check_redundant(&L, i, out, err);
            if (!rc)
                rc = check_conflict(&L, i, out, err);
            if (!rc)
                rc = check_mgmt(&L, i, out, err);
        }
    }
    g_array_free(L.before, TRUE);
    g_array_free(L.after, TRUE);
    nsg_addrset_release(&inet);
    for (int dir = 0; dir < 2; dir++)
        free(lits.matches[dir]);
    return rc;
}

bool nsg_slv_rules_meet(const struct nsg_crule *a, const struct nsg_crule *b)
{
    return rules_meet(a, b);
}
