/* slv_stage.c - the stages around the NSGs as formulas: the platform
 * classes and the VNet's drop (built from the same table the simulator
 * uses, sim_sem.c) and the security admin stage (first match over the
 * admin rules that apply to a virtual network). */
#include <stdlib.h>
#include <string.h>

#include "slv_int.h"

static Z3_ast eq_num(struct nsg_slv *s, Z3_ast var, nsg_u128 v, unsigned bits)
{
    return nsg_slv_mk_eq(s, var, nsg_slv_num(s, v, bits));
}

/* The packet of one table row (direction Out, IPv4). */
static Z3_ast def_term(struct nsg_slv *s, const struct nsg_platform_def *d)
{
    Z3_ast protos[2], ports[2], dsts[3], parts[6];
    size_t np = 0, n = 0;
    if (d->udp)
        protos[np++] = nsg_slv_proto(s, NSG_PROTO_UDP);
    if (d->tcp)
        protos[np++] = nsg_slv_proto(s, NSG_PROTO_TCP);
    for (size_t i = 0; i < d->n_dports; i++)
        ports[i] = eq_num(s, s->pkt.dport, d->dports[i], 16);
    for (size_t i = 0; i < d->n_dst4; i++)
        dsts[i] = eq_num(s, s->pkt.dst, d->dst4[i], 128);
    parts[n++] = nsg_slv_dir(s, NSG_DIR_OUT);
    parts[n++] = nsg_slv_family(s, 4);
    parts[n++] = nsg_slv_orv(s, protos, np);
    parts[n++] = nsg_slv_orv(s, ports, d->n_dports);
    parts[n++] = nsg_slv_orv(s, dsts, d->n_dst4);
    if (d->sport >= 0)
        parts[n++] = eq_num(s, s->pkt.sport, (nsg_u128)d->sport, 16);
    return nsg_slv_andv(s, parts, n);
}

/* GRE, IP-in-IP, multicast (224.0.0.0/4, ff00::/8), 255.255.255.255. */
static Z3_ast raw_blocked(struct nsg_slv *s)
{
    Z3_ast v4[2] = {nsg_slv_family(s, 4),
                    nsg_slv_or2(s,
                            nsg_slv_mk_eq(s, nsg_slv_mk_extract(s, 31, 28, s->pkt.dst),
                                     nsg_slv_num(s, 0xE, 4)),
                            eq_num(s, s->pkt.dst, 0xFFFFFFFFu, 128))};
    Z3_ast v6[2] = {nsg_slv_family(s, 6),
                    nsg_slv_mk_eq(s, nsg_slv_mk_extract(s, 127, 120, s->pkt.dst),
                             nsg_slv_num(s, 0xFF, 8))};
    Z3_ast any[4] = {nsg_slv_proto(s, NSG_PROTO_GRE),
                     nsg_slv_proto(s, NSG_PROTO_IPIP), nsg_slv_andv(s, v4, 2),
                     nsg_slv_andv(s, v6, 2)};
    return nsg_slv_orv(s, any, 4);
}

/* The terms of every class, [class][kms_on]; kept in s only when made at
 * depth 0 (slv_int.h). */
struct plat_terms {
    Z3_ast plat[NSG_PLAT_COUNT][2], any[2], none[2];
};

static void build(struct nsg_slv *s, struct plat_terms *pt)
{
    size_t n;
    const struct nsg_platform_def *defs = nsg_platform_defs(&n);
    for (size_t i = 0; i < n; i++) {
        Z3_ast t = def_term(s, &defs[i]);
        pt->plat[defs[i].cls][1] = t;
        pt->plat[defs[i].cls][0] = defs[i].kms ? s->f : t;
    }
    /* DHCP to 255.255.255.255 is DHCP, not a dropped broadcast */
    Z3_ast blocked = nsg_slv_and2(s, raw_blocked(s),
                                  nsg_slv_not(s, pt->plat[NSG_PLAT_DHCP][1]));
    pt->plat[NSG_PLAT_VNET_BLOCKED][0] = pt->plat[NSG_PLAT_VNET_BLOCKED][1] =
        blocked;
    pt->plat[NSG_PLAT_NONE][0] = pt->plat[NSG_PLAT_NONE][1] = s->f;
    for (int k = 0; k < 2; k++) {
        Z3_ast v[NSG_PLAT_COUNT];
        size_t m = 0;
        for (int c = 1; c < NSG_PLAT_COUNT; c++)
            if (c != NSG_PLAT_VNET_BLOCKED)
                v[m++] = pt->plat[c][k];
        pt->any[k] = nsg_slv_orv(s, v, m);
        pt->none[k] = nsg_slv_and2(s, nsg_slv_not(s, pt->any[k]),
                                   nsg_slv_not(s, blocked));
    }
    if (s->depth == 0 && !s->failed) {
        memcpy(s->plat, pt->plat, sizeof(s->plat));
        memcpy(s->plat_any, pt->any, sizeof(s->plat_any));
        memcpy(s->plat_none, pt->none, sizeof(s->plat_none));
    }
}

/* The cached terms, or terms made now (inside a scope: used there only). */
static const struct plat_terms *terms(struct nsg_slv *s, struct plat_terms *tmp)
{
    if (!s->plat_any[0]) {
        build(s, tmp);
        return tmp;
    }
    memcpy(tmp->plat, s->plat, sizeof(s->plat));
    memcpy(tmp->any, s->plat_any, sizeof(s->plat_any));
    memcpy(tmp->none, s->plat_none, sizeof(s->plat_none));
    return tmp;
}

Z3_ast nsg_slv_platform(struct nsg_slv *s, enum nsg_platform cls, bool kms_on)
{
    struct plat_terms tmp;
    const struct plat_terms *pt = terms(s, &tmp);
    if (cls == NSG_PLAT_NONE)
        return pt->none[kms_on];
    return pt->plat[cls][kms_on];
}

Z3_ast nsg_slv_platform_any(struct nsg_slv *s, bool kms_on)
{
    struct plat_terms tmp;
    return terms(s, &tmp)->any[kms_on];
}

Z3_ast nsg_slv_platform_none(struct nsg_slv *s, bool kms_on)
{
    return nsg_slv_platform(s, NSG_PLAT_NONE, kms_on);
}

/* ---- the security admin stage ------------------------------------------ */

static nsg_rc admin_dir(struct nsg_slv *s, const struct nsg_admin_stage *st,
                        int d, Z3_ast *deny, Z3_ast *always,
                        struct nsg_err *err)
{
    *deny = s->f;
    *always = s->f;
    for (size_t i = st->n[d]; i-- > 0;) {
        const struct nsg_admin_crule *acr = &st->rules[d][i];
        Z3_ast m;
        nsg_rc rc = nsg_slv_crule_match(s, &acr->c, &m, err);
        if (rc)
            return nsg_err_prefix(err, "security admin rule %s",
                                  acr->ar->name);
        if (acr->maybe) /* may or may not apply to the VNet */
            m = nsg_slv_and2(s, m, nsg_slv_mk_fresh_bool(s, "admin_applies"));
        if (m == s->f)
            continue;
        bool dn = acr->ar->access == NSG_ADMIN_DENY;
        bool al = acr->ar->access == NSG_ADMIN_ALWAYS_ALLOW;
        *deny = nsg_slv_mk_ite(s, m, dn ? s->t : s->f, *deny);
        *always = nsg_slv_mk_ite(s, m, al ? s->t : s->f, *always);
    }
    return NSG_OK;
}

nsg_rc nsg_slv_admin_decide(struct nsg_slv *s,
                            const struct nsg_admin_stage *st,
                            struct nsg_slv_admin *out, struct nsg_err *err)
{
    struct nsg_slv_admin *a = g_hash_table_lookup(s->admins, st);
    Z3_ast deny[2], always[2];
    nsg_rc rc0 = nsg_slv_z3_status(s, "encoding the admin stage", err);
    if (rc0)
        return rc0;
    if (a) {
        *out = *a;
        return NSG_OK;
    }
    if (s->depth) /* it would not outlive the scope: slv_int.h */
        return nsg_err_set(err, NSG_E_INTERNAL,
                           "solver: the admin stage asked for inside a "
                           "solver scope (internal)");
    for (int d = 0; d < 2; d++) {
        nsg_rc rc = admin_dir(s, st, d, &deny[d], &always[d], err);
        if (rc)
            return rc;
    }
    struct nsg_slv_admin r = {
        nsg_slv_mk_ite(s, s->pkt.out, deny[1], deny[0]),
        nsg_slv_mk_ite(s, s->pkt.out, always[1], always[0])};
    nsg_rc rc = nsg_slv_z3_status(s, "encoding the admin stage", err);
    if (rc)
        return rc;
    a = nsg_xmalloc(sizeof(*a));
    *a = r;
    g_hash_table_insert(s->admins, (gpointer)st, a);
    *out = r;
    return NSG_OK;
}

nsg_rc nsg_slv_admin_pass(struct nsg_slv *s, const struct nsg_admin_stage *st,
                          Z3_ast *pass, struct nsg_err *err)
{
    struct nsg_slv_admin ad;
    *pass = s->t;
    if (!st || (!st->n[0] && !st->n[1]))
        return NSG_OK;
    nsg_rc rc = nsg_slv_admin_decide(s, st, &ad, err);
    if (!rc)
        *pass = nsg_slv_mk_implies(
            s, nsg_slv_platform_none(s, true),
            nsg_slv_and2(s, nsg_slv_not(s, ad.deny), nsg_slv_not(s, ad.always)));
    return rc;
}
