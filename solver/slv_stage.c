/* slv_stage.c - the stages around the NSGs as formulas: the platform
 * classes and the VNet's drop (built from the same table the simulator
 * uses, sim_sem.c) and the security admin stage (first match over the
 * admin rules that apply to a virtual network). */
#include <stdlib.h>

#include "slv_int.h"

static Z3_ast eq_num(struct nsg_slv *s, Z3_ast var, nsg_u128 v, unsigned bits)
{
    return Z3_mk_eq(s->z, var, slv_num(s, v, bits));
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
    parts[n++] = slv_orv(s, protos, np);
    parts[n++] = slv_orv(s, ports, d->n_dports);
    parts[n++] = slv_orv(s, dsts, d->n_dst4);
    if (d->sport >= 0)
        parts[n++] = eq_num(s, s->pkt.sport, (nsg_u128)d->sport, 16);
    return slv_andv(s, parts, n);
}

/* GRE, IP-in-IP, multicast (224.0.0.0/4, ff00::/8), 255.255.255.255. */
static Z3_ast raw_blocked(struct nsg_slv *s)
{
    Z3_ast v4[2] = {nsg_slv_family(s, 4),
                    slv_or2(s,
                            Z3_mk_eq(s->z,
                                     Z3_mk_extract(s->z, 31, 28, s->pkt.dst),
                                     slv_num(s, 0xE, 4)),
                            eq_num(s, s->pkt.dst, 0xFFFFFFFFu, 128))};
    Z3_ast v6[2] = {nsg_slv_family(s, 6),
                    Z3_mk_eq(s->z, Z3_mk_extract(s->z, 127, 120, s->pkt.dst),
                             slv_num(s, 0xFF, 8))};
    Z3_ast any[4] = {nsg_slv_proto(s, NSG_PROTO_GRE),
                     nsg_slv_proto(s, NSG_PROTO_IPIP), slv_andv(s, v4, 2),
                     slv_andv(s, v6, 2)};
    return slv_orv(s, any, 4);
}

static void build(struct nsg_slv *s)
{
    size_t n;
    const struct nsg_platform_def *defs = nsg_platform_defs(&n);
    for (size_t i = 0; i < n; i++) {
        Z3_ast t = def_term(s, &defs[i]);
        s->plat[defs[i].cls][1] = t;
        s->plat[defs[i].cls][0] = defs[i].kms ? s->f : t;
    }
    /* DHCP to 255.255.255.255 is DHCP, not a dropped broadcast */
    Z3_ast blocked = slv_and2(s, raw_blocked(s),
                              slv_not(s, s->plat[NSG_PLAT_DHCP][1]));
    s->plat[NSG_PLAT_VNET_BLOCKED][0] = s->plat[NSG_PLAT_VNET_BLOCKED][1] =
        blocked;
    s->plat[NSG_PLAT_NONE][0] = s->plat[NSG_PLAT_NONE][1] = s->f;
    for (int k = 0; k < 2; k++) {
        Z3_ast v[NSG_PLAT_COUNT];
        size_t m = 0;
        for (int c = 1; c < NSG_PLAT_COUNT; c++)
            if (c != NSG_PLAT_VNET_BLOCKED)
                v[m++] = s->plat[c][k];
        s->plat_any[k] = slv_orv(s, v, m);
        s->plat_none[k] = slv_and2(s, slv_not(s, s->plat_any[k]),
                                   slv_not(s, blocked));
    }
}

Z3_ast nsg_slv_platform(struct nsg_slv *s, enum nsg_platform cls, bool kms_on)
{
    if (!s->plat_any[0])
        build(s);
    if (cls == NSG_PLAT_NONE)
        return s->plat_none[kms_on];
    return s->plat[cls][kms_on];
}

Z3_ast nsg_slv_platform_any(struct nsg_slv *s, bool kms_on)
{
    if (!s->plat_any[0])
        build(s);
    return s->plat_any[kms_on];
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
            m = slv_and2(s, m, Z3_mk_fresh_const(s->z, "admin_applies",
                                                 Z3_mk_bool_sort(s->z)));
        if (m == s->f)
            continue;
        bool dn = acr->ar->access == NSG_ADMIN_DENY;
        bool al = acr->ar->access == NSG_ADMIN_ALWAYS_ALLOW;
        *deny = Z3_mk_ite(s->z, m, dn ? s->t : s->f, *deny);
        *always = Z3_mk_ite(s->z, m, al ? s->t : s->f, *always);
    }
    return NSG_OK;
}

nsg_rc nsg_slv_admin_decide(struct nsg_slv *s,
                            const struct nsg_admin_stage *st,
                            struct nsg_slv_admin *out, struct nsg_err *err)
{
    struct nsg_slv_admin *a = g_hash_table_lookup(s->admins, st);
    Z3_ast deny[2], always[2];
    if (a) {
        *out = *a;
        return NSG_OK;
    }
    for (int d = 0; d < 2; d++) {
        nsg_rc rc = admin_dir(s, st, d, &deny[d], &always[d], err);
        if (rc)
            return rc;
    }
    a = nsg_xcalloc(1, sizeof(*a));
    a->deny = Z3_mk_ite(s->z, s->pkt.out, deny[1], deny[0]);
    a->always = Z3_mk_ite(s->z, s->pkt.out, always[1], always[0]);
    g_hash_table_insert(s->admins, (gpointer)st, a);
    *out = *a;
    return slv_z3_status(s, "encoding the admin stage", err);
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
        *pass = Z3_mk_implies(
            s->z, nsg_slv_platform_none(s, true),
            slv_and2(s, slv_not(s, ad.deny), slv_not(s, ad.always)));
    return rc;
}
