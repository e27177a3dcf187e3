/* slv_lint.c - rule lint: rules that can never match (and the earlier
 * rules covering them, from an unsat core), rules whose removal changes no
 * decision, overlapping rules of opposite access (with a witness), and
 * inbound allows that open management ports to the Internet.  Candidate
 * rule pairs come from an exact concrete overlap test; the solver only
 * looks at rules that overlap the rule being checked, so each query is
 * small. */
#include <stdio.h>
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
    case NSG_LINT_ADMIN_OVERRIDDEN:
        return "overridden-by-admin-rule";
    case NSG_LINT_TAG_PLURAL:
        return "tag-in-plural-field";
    case NSG_LINT_ASG_MIXED:
        return "asg-mixed-with-prefix";
    case NSG_LINT_ASG_VNETS:
        return "asg-across-vnets";
    case NSG_LINT_PREFIX_LIMIT:
        return "prefix-limit";
    case NSG_LINT_EMPTY_ASG:
        return "empty-asg";
    case NSG_LINT_GATEWAY_NSG:
        return "gateway-subnet-nsg";
    case NSG_LINT_PORTS_IGNORED:
        return "ports-ignored";
    case NSG_LINT_KIND_COUNT:
        break;
    }
    return "?";
}

void nsg_slv_lint_release(struct nsg_slv_lint *l)
{
    for (size_t i = 0; i < l->n; i++) {
        free(l->f[i].by);
        free(l->f[i].admin_by);
    }
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
    bool tcpudp = a->tcpudp_only || b->tcpudp_only;
    if (a->proto == NSG_PROTO_ANY)
        proto = b->proto;
    else if (b->proto == NSG_PROTO_ANY || b->proto == a->proto)
        proto = a->proto;
    else
        return false;
    if (tcpudp && proto != NSG_PROTO_ANY && !nsg_proto_has_ports(proto))
        return false; /* "*" with ports: TCP and UDP only */
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
    if (proto != NSG_PROTO_TCP && proto != NSG_PROTO_UDP && !tcpudp)
        return true;
    return ports_meet(a->sports, a->n_sports, b->sports, b->n_sports) &&
           ports_meet(a->dports, a->n_dports, b->dports, b->n_dports);
}

struct nsg_slv_finding *nsg_slv_lint_add(struct nsg_slv_lint *out,
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
    /* The rule at hand names no platform tag: it can only decide ordinary
     * traffic, where every rule counts as its plain match, so the queries
     * assert `ctx` (ordinary traffic) and use plain matches - the same
     * answers as the considered matches (eff), at the old cost. */
    bool plain;
    bool may_plat; /* may_be_platform(the rule at hand) */
    Z3_ast ctx;
    Z3_ast pass; /* the admin stage hands the packet on (true: none) */
};

/* What rule j counts as in the query about the rule at hand. */
static Z3_ast M(const struct lint_dir *L, size_t j)
{
    return L->plain ? L->d->matches[L->dir][j] : L->d->eff[L->dir][j];
}

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

/* The destinations the platform stage can take: every address of the
 * simulator's platform table (nsg_platform_defs: the Azure host,
 * 255.255.255.255, IMDS, KMS) and multicast (224.0.0.0/4, ff00::/8),
 * which the virtual network drops.  Built once; never changes. */
static const struct nsg_addrset *platform_dsts(void)
{
    static struct nsg_addrset set = NSG_ADDRSET_INIT;
    static gsize done;
    if (g_once_init_enter(&done)) {
        static const char *const multicast[] = {"224.0.0.0/4", "ff00::/8"};
        size_t n;
        const struct nsg_platform_def *defs = nsg_platform_defs(&n);
        struct nsg_cidr c;
        for (size_t i = 0; i < n; i++)
            for (size_t k = 0; k < defs[i].n_dst4; k++)
                nsg_addrset_add_range(&set, 4, defs[i].dst4[k],
                                      defs[i].dst4[k]);
        for (size_t i = 0; i < 2; i++)
            if (!nsg_cidr_parse(multicast[i], &c))
                nsg_addrset_add_cidr(&set, &c);
        g_once_init_leave(&done, 1);
    }
    return &set;
}

/* Can the platform stage take packets from this rule (the rule names a
 * platform tag, its protocol may be GRE / IP-in-IP, or its destinations
 * hold a platform address, a multicast address or 255.255.255.255)?
 * Otherwise it counts for every packet it matches. */
static bool may_be_platform(const struct nsg_crule *r)
{
    if (r->plat_tags || r->dst_unknown || r->proto == NSG_PROTO_ANY ||
        r->proto == NSG_PROTO_GRE || r->proto == NSG_PROTO_IPIP)
        return true;
    return sets_meet(&r->dst, platform_dsts(), 4) ||
           sets_meet(&r->dst, platform_dsts(), 6);
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
        nsg_slv_lint_add(out, NSG_LINT_SHADOWED, L->dir, r);
        *shadowed = true;
        goto out;
    }
    if (nb == 0 && !L->may_plat)
        goto out; /* it matches ordinary traffic no earlier rule takes */
    struct nsg_packet cp; /* a packet it decides: not shadowed, no solver */
    bool inside;
    if (nsg_slv_lint_decides(L->c, L->dir, i, NULL, -1, -1, NULL, &cp, &inside))
        goto out;
    /* the first earlier rule that covers it alone: shadowed by it (exact,
     * no solver; the same answer whatever was asked before).  Only for a
     * rule naming no platform tag: it decides ordinary traffic alone,
     * where every earlier rule counts as its plain match. */
    for (size_t k = 0; L->plain && k < nb; k++) {
        const struct nsg_crule *o =
            &L->c->rules[L->dir][g_array_index(L->before, size_t, k)];
        if (nsg_slv_lint_covers(o, r)) {
            *shadowed = true;
            add_by(nsg_slv_lint_add(out, NSG_LINT_SHADOWED, L->dir, r), o);
            goto out;
        }
    }
    q[0] = nsg_slv_and2(s, L->ctx, M(L, i));
    for (size_t k = 0; k < nb; k++) {
        size_t j = g_array_index(L->before, size_t, k);
        char name[32];
        snprintf(name, sizeof(name), "lint_%zu", j);
        lits[k] = nsg_slv_mk_bool(s, name);
        q[k + 1] = nsg_slv_mk_implies(s, lits[k], nsg_slv_not(s, M(L, j)));
    }
    if (nb)
        rc = solve(s, q, nb + 1, lits, nb, &sat, NULL, &core, err);
    else /* the platform stage may leave it nothing */
        rc = solve(s, q, 1, NULL, 0, &sat, NULL, NULL, err);
    if (rc || sat)
        goto out;
    *shadowed = true;
    struct nsg_slv_finding *f = nsg_slv_lint_add(out, NSG_LINT_SHADOWED, L->dir, r);

    /* by: the core's rules, in priority order */
    unsigned nc = core ? Z3_ast_vector_size(s->z, core) : 0;
    for (size_t k = 0; k < nb; k++)
        for (unsigned x = 0; x < nc; x++)
            if (Z3_ast_vector_get(s->z, core, x) == lits[k]) {
                add_by(
                    f,
                    &L->c->rules[L->dir][g_array_index(L->before, size_t, k)]);
                break;
            }
    if (!f->n_by) /* it matches packets, but none reaches it */
        snprintf(f->detail, sizeof(f->detail),
                 "every packet it matches is Azure platform traffic or "
                 "traffic the virtual network drops, decided before the NSG");
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
    Z3_ast *v = nsg_xcalloc(nb + 2, sizeof(Z3_ast));
    v[0] = M(L, i);
    for (size_t k = 0; k < nb; k++)
        v[k + 1] = nsg_slv_not(L->s, M(L, g_array_index(L->before, size_t, k)));
    v[nb + 1] = L->ctx;
    Z3_ast r = nsg_slv_andv(L->s, v, nb + 2);
    free(v);
    return r;
}

/* Rule r is redundant: by the later overlapping rules of its access. */
static nsg_rc add_redundant(const struct lint_dir *L, const struct nsg_crule *r,
                            struct nsg_slv_lint *out)
{
    struct nsg_slv_finding *f = nsg_slv_lint_add(out, NSG_LINT_REDUNDANT, L->dir, r);
    for (size_t k = 0; k < L->after->len; k++) {
        const struct nsg_crule *o =
            &L->c->rules[L->dir][g_array_index(L->after, size_t, k)];
        if (o->access == r->access)
            add_by(f, o);
    }
    return NSG_OK;
}

static nsg_rc check_redundant(struct lint_dir *L, size_t i,
                              struct nsg_slv_lint *out, struct nsg_err *err)
{
    struct nsg_slv *s = L->s;
    const struct nsg_crule *r = &L->c->rules[L->dir][i];
    /* exact, no solver (a rule naming no platform tag: ordinary traffic):
     * a later rule covers rule i and it and every later rule overlapping i
     * before it have i's access, so whichever of them takes a packet of
     * i's without i decides it the same */
    for (size_t k = 0; L->plain && k < L->after->len; k++) {
        const struct nsg_crule *o =
            &L->c->rules[L->dir][g_array_index(L->after, size_t, k)];
        if (o->access != r->access)
            break;
        if (nsg_slv_lint_covers(o, r))
            return add_redundant(L, r, out);
    }
    /* a packet (ordinary traffic) whose decision changes without rule i:
     * no solver */
    if (nsg_slv_lint_matters(L->c, L->dir, i, (const size_t *)L->after->data,
                             L->after->len))
        return NSG_OK;
    /* What the later overlapping rules decide without rule i (none: the
     * platform stage allows platform traffic). */
    Z3_ast rest = nsg_slv_platform_any(s, true);
    for (size_t k = L->after->len; k-- > 0;) {
        size_t j = g_array_index(L->after, size_t, k);
        rest = nsg_slv_mk_ite(
            s, M(L, j),
            L->c->rules[L->dir][j].access == NSG_ALLOW ? s->t : s->f, rest);
    }
    Z3_ast q[2] = {
        local_fires(L, i),
        nsg_slv_mk_xor(s, rest, r->access == NSG_ALLOW ? s->t : s->f)};
    bool sat;
    nsg_rc rc = solve(s, q, 2, NULL, 0, &sat, NULL, NULL, err);
    if (rc || sat)
        return rc;
    return add_redundant(L, r, out);
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
            /* witness: a packet both match (exists: they meet), ordinary
             * traffic built from their sets when one of the candidates is
             * (in scope), else asked of the solver */
            struct nsg_packet p;
            bool sat = true, in_scope = true;
            if (!nsg_slv_lint_both(r, o, L->dir, L->scope_c, &p, &in_scope)) {
                Z3_ast qq[4] = {M(L, i), M(L, j), nsg_slv_dir(L->s, L->dir),
                                L->ctx};
                nsg_rc rc = witness(L, qq, 4, &sat, &p, &in_scope, err);
                if (rc)
                    return rc;
                if (!sat)
                    continue; /* they share only addresses no packet has
                                 (loopback, multicast...): no conflict */
            }
            if (nsg_crule_match(r, &p) != 1 ||
                nsg_crule_match(o, &p) != 1)
                return nsg_err_set(err, NSG_E_INTERNAL,
                                   "internal inconsistency: rules %s and %s "
                                   "overlap but the solver's witness does "
                                   "not match both",
                                   nsg_slv_rule_name(o), nsg_slv_rule_name(r));
            f = nsg_slv_lint_add(out, NSG_LINT_CONFLICT, L->dir, r);
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
        struct nsg_packet cp; /* a packet it decides: no solver (without
                                 admin rules in front of the NSG) */
        bool inside;
        if (L->pass == s->t &&
            nsg_slv_lint_decides(L->c, NSG_DIR_IN, i, L->inet, NSG_PROTO_TCP,
                                 port, L->scope_c, &cp, &inside)) {
            struct nsg_slv_finding *f =
                nsg_slv_lint_add(out, NSG_LINT_MGMT_OPEN, L->dir, r);
            f->port = port;
            f->has_witness = true;
            f->witness = cp;
            f->in_scope = inside;
            continue;
        }
        /* a packet the security admin stage decides never reaches it */
        Z3_ast q[6] = {nsg_slv_dir(s, NSG_DIR_IN), local_fires(L, i),
                       nsg_slv_proto(s, NSG_PROTO_TCP),
                       nsg_slv_mk_eq(s, s->pkt.dport, nsg_slv_num(s, port, 16)),
                       L->internet, L->pass};
        struct nsg_packet p;
        bool sat, in_scope;
        nsg_rc rc = witness(L, q, 6, &sat, &p, &in_scope, err);
        if (rc)
            return rc;
        if (!sat)
            continue;
        struct nsg_match m; /* an earlier rule with an unknown tag might */
        nsg_sim_eval(L->c, &p, &m); /* decide this packet: then say nothing */
        if (m.decision == NSG_DEC_UNKNOWN)
            continue;
        struct nsg_slv_finding *f =
            nsg_slv_lint_add(out, NSG_LINT_MGMT_OPEN, L->dir, r);
        f->port = port;
        f->has_witness = true;
        f->witness = p;
        f->in_scope = in_scope;
    }
    return NSG_OK;
}

/* overridden-by-admin-rule: every packet the rule would decide is decided
 * first by a security admin Deny or AlwaysAllow (a rule whose application
 * is unknown may not apply: it never overrides). */
static nsg_rc check_admin(struct lint_dir *L, size_t i, Z3_ast pass,
                          const struct nsg_admin_stage *admin,
                          struct nsg_slv_lint *out, struct nsg_err *err)
{
    const struct nsg_crule *r = &L->c->rules[L->dir][i];
    Z3_ast q[3] = {nsg_slv_dir(L->s, L->dir), local_fires(L, i), pass};
    bool sat;
    nsg_rc rc = solve(L->s, q, 3, NULL, 0, &sat, NULL, NULL, err);
    if (rc || sat)
        return rc;
    struct nsg_slv_finding *f =
        nsg_slv_lint_add(out, NSG_LINT_ADMIN_OVERRIDDEN, L->dir, r);
    int d = L->dir == NSG_DIR_OUT;
    for (size_t k = 0; k < admin->n[d]; k++) {
        const struct nsg_admin_crule *a = &admin->rules[d][k];
        if (a->maybe || a->ar->access == NSG_ADMIN_ALLOW ||
            !rules_meet(&a->c, r))
            continue;
        f->admin_by = nsg_xrealloc(f->admin_by,
                                   (f->n_admin_by + 1) * sizeof(*f->admin_by));
        f->admin_by[f->n_admin_by++] = a;
    }
    return NSG_OK;
}

/* A literal standing for m, asserted equal to it below every scope (m
 * itself when it is a constant). */
static Z3_ast literal(struct nsg_slv *s, Z3_ast m)
{
    if (m == s->t || m == s->f)
        return m;
    Z3_ast l = nsg_slv_mk_fresh_bool(s, "match");
    nsg_slv_assert(s, nsg_slv_mk_eq(s, l, m));
    return l;
}

nsg_rc nsg_slv_lint(struct nsg_slv *s, const struct nsg_cnsg *c,
                    const struct nsg_addrset *internet,
                    struct nsg_slv_lint *out, struct nsg_err *err)
{
    return nsg_slv_lint_scoped(s, c, internet, NULL, NULL, out, err);
}

nsg_rc nsg_slv_lint_admin(struct nsg_slv *s, const struct nsg_cnsg *c,
                          const struct nsg_addrset *internet,
                          const struct nsg_admin_stage *admin,
                          struct nsg_slv_lint *out, struct nsg_err *err)
{
    return nsg_slv_lint_scoped(s, c, internet, admin, NULL, out, err);
}

nsg_rc nsg_slv_lint_scoped(struct nsg_slv *s, const struct nsg_cnsg *c,
                           const struct nsg_addrset *internet,
                           const struct nsg_admin_stage *admin,
                           const struct nsg_slv_scope *scope,
                           struct nsg_slv_lint *out, struct nsg_err *err)
{
    struct lint_dir L = {.s = s, .c = c};
    L.scope = nsg_slv_scope_term(s, scope);
    L.scope_c = scope;
    struct nsg_addrset inet = NSG_ADDRSET_INIT;
    struct nsg_slv_nsg lits;
    Z3_ast pass = NULL;
    nsg_rc rc = nsg_slv_decide(s, c, &L.d, err);
    if (!rc && admin && (admin->n[0] || admin->n[1]))
        rc = nsg_slv_admin_pass(s, admin, &pass, err);
    if (rc)
        return rc;
    if (s->depth)
        return nsg_err_set(err, NSG_E_INTERNAL,
                           "solver: lint inside a solver scope (internal)");
    /* Incremental: the domain, and one literal per rule standing for its
     * match (and its considered match), asserted once below every query,
     * so each rule is bit-blasted once per lint instead of once per query
     * it appears in; the queries are built over the literals (a copy of
     * the decision with them as the matches). */
    nsg_slv_assert(s, nsg_slv_pkt_domain(s));
    lits = *L.d;
    for (int dir = 0; dir < 2; dir++) {
        lits.matches[dir] = nsg_xcalloc(c->n[dir] + 1, sizeof(Z3_ast));
        lits.eff[dir] = nsg_xcalloc(c->n[dir] + 1, sizeof(Z3_ast));
        for (size_t j = 0; j < c->n[dir]; j++) {
            lits.matches[dir][j] = literal(s, L.d->matches[dir][j]);
            lits.eff[dir][j] = L.d->eff[dir][j] == L.d->matches[dir][j]
                                   ? lits.matches[dir][j]
                                   : literal(s, L.d->eff[dir][j]);
        }
    }
    L.d = &lits;
    if (internet)
        nsg_addrset_copy(&inet, internet);
    else
        nsg_sem_internet(NULL, &inet);
    /* management ports open to the public Internet: not the Azure host's
     * health probes (AzureLoadBalancer), which the tag also holds */
    nsg_sem_without_azure_host(&inet);
    L.internet = nsg_slv_addrset(s, NSG_SLV_SRC, &inet);
    L.inet = &inet;
    L.pass = pass ? pass : s->t;
    L.before = g_array_new(FALSE, FALSE, sizeof(size_t));
    L.after = g_array_new(FALSE, FALSE, sizeof(size_t));
    for (int dir = 0; dir < 2 && !rc; dir++) {
        L.dir = (enum nsg_dir)dir;
        for (size_t i = 0; i < c->n[dir] && !rc; i++) {
            const struct nsg_crule *r = &c->rules[dir][i];
            if (r->rule->is_default)
                continue;
            if (crule_unknown(r)) {
                nsg_slv_lint_add(out, NSG_LINT_UNKNOWN_TAG, L.dir, r);
                continue;
            }
            g_array_set_size(L.before, 0);
            g_array_set_size(L.after, 0);
            L.plain = r->plat_tags == 0;
            L.may_plat = may_be_platform(r);
            L.ctx = L.plain ? nsg_slv_platform_none(s, true) : s->t;
            /* the rule's direction where the platform stage can take some
             * of its packets (the stage depends on it); elsewhere every
             * packet of either direction it matches is ordinary */
            if (!L.plain || L.may_plat)
                L.ctx = nsg_slv_and2(s, nsg_slv_dir(s, L.dir), L.ctx);
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
            if (!rc && pass)
                rc = check_admin(&L, i, pass, admin, out, err);
        }
    }
    g_array_free(L.before, TRUE);
    g_array_free(L.after, TRUE);
    nsg_addrset_release(&inet);
    for (int dir = 0; dir < 2; dir++) {
        free(lits.matches[dir]);
        free(lits.eff[dir]);
    }
    return rc;
}

bool nsg_slv_rules_meet(const struct nsg_crule *a, const struct nsg_crule *b)
{
    return rules_meet(a, b);
}
