/* slv_diff.c - semantic diff of two compiled NSGs: is there a packet they
 * decide differently?  Difference regions are pairs (rule of A, rule of B)
 * that decide a packet of one direction with opposite access; each found
 * region is blocked and the solver asked again. */
#include <stdlib.h>
#include <string.h>

#include "slv_int.h"

/* Enumerate at most this many regions beyond the witnesses asked for. */
#define REGION_EXTRA 32

void nsg_slv_diff_release(struct nsg_slv_diff *d)
{
    free(d->w);
    free(d->regions);
    d->w = NULL;
    d->regions = NULL;
    d->n_w = d->n_regions = 0;
}

static void add_region(struct nsg_slv_diff *out, const struct nsg_slv_region *r)
{
    out->regions = nsg_xrealloc(out->regions,
                                (out->n_regions + 1) * sizeof(*out->regions));
    out->regions[out->n_regions++] = *r;
}

static void add_witness(struct nsg_slv_diff *out,
                        const struct nsg_slv_witness *w)
{
    out->w = nsg_xrealloc(out->w, (out->n_w + 1) * sizeof(*out->w));
    out->w[out->n_w++] = *w;
}

/* The fires term of a simulated deciding rule (NULL: no rule decided). */
static Z3_ast fires_of(const struct nsg_slv_nsg *d, enum nsg_dir dir,
                       const struct nsg_crule *r)
{
    long i = nsg_slv_rule_index(d->c, dir, r);
    return i >= 0 ? d->fires[dir][i] : d->fires_none[dir];
}

/* A witness the admin stage may decide (a rule whose application is
 * unknown matches it first): the difference cannot be told. */
static nsg_rc check_admin(const struct nsg_admin_stage *admin,
                          const struct nsg_packet *p, struct nsg_err *err)
{
    struct nsg_admin_match am;
    if (!admin || nsg_platform_class(p, true) != NSG_PLAT_NONE)
        return NSG_OK;
    nsg_admin_eval(admin, p, &am);
    if (am.decision != NSG_DEC_UNKNOWN)
        return NSG_OK;
    struct nsg_buf b = NSG_BUF_INIT;
    nsg_slv_packet_format(p, &b);
    nsg_rc rc = nsg_err_set(
        err, am.unknown_tag ? NSG_E_INPUT : NSG_E_UNKNOWN,
        "the NSGs differ for %s, but security admin rule %s may decide it "
        "first: %s",
        b.buf, am.rule->ar->name,
        am.unknown_tag ? "it names a tag that is not known" : am.rule->why);
    nsg_buf_release(&b);
    return rc;
}

/* One direction: enumerate regions until none is left or the cap. */
static nsg_rc diff_dir(struct nsg_slv *s, const struct nsg_slv_nsg *da,
                       const struct nsg_slv_nsg *db,
                       const struct nsg_admin_stage *admin, Z3_ast pass,
                       enum nsg_dir dir, size_t max, size_t cap, Z3_ast scope,
                       struct nsg_slv_diff *out, struct nsg_err *err)
{
    nsg_rc rc = NSG_OK;
    if (da->allow_dir[dir] == db->allow_dir[dir])
        return NSG_OK; /* the same term (Z3 hash-conses): equal */
    Z3_ast domain = nsg_slv_pkt_domain(s); /* cached: built outside scopes */
    nsg_slv_push(s);
    nsg_slv_assert(s, domain);
    nsg_slv_assert(s, nsg_slv_dir(s, dir));
    if (!da->plat_used[dir] && !db->plat_used[dir] &&
        da->kms_on == db->kms_on) {
        /* no rule names a platform tag: both decide platform traffic and
         * traffic the VNet drops alike, so only ordinary traffic can
         * differ, and there each decides by its plain first match */
        nsg_slv_assert(s, nsg_slv_platform_none(s, da->kms_on));
        nsg_slv_assert(s, nsg_slv_mk_xor(s, da->plain_dir[dir],
                                         db->plain_dir[dir]));
    } else {
        nsg_slv_assert(s, nsg_slv_mk_xor(s, da->allow_dir[dir],
                                         db->allow_dir[dir]));
    }
    nsg_slv_assert(s, pass);
    for (;;) {
        bool sat, in_scope;
        struct nsg_packet p;
        struct nsg_match ma, mb;
        rc = nsg_slv_solve_scoped(s, scope, &sat, &p, &in_scope, err);
        if (rc || !sat)
            break;
        out->equivalent = false;
        if (out->n_regions >= cap) {
            out->regions_complete = false;
            break;
        }
        rc = check_admin(admin, &p, err);
        if (!rc)
            rc = nsg_slv_replay(s, da, &p, &ma, err);
        if (!rc)
            rc = nsg_slv_replay(s, db, &p, &mb, err);
        if (rc)
            break;
        if (ma.decision == mb.decision) {
            rc = nsg_err_set(err, NSG_E_INTERNAL,
                             "internal inconsistency: the solver found a "
                             "difference the simulator does not confirm "
                             "(both %s)",
                             ma.decision == NSG_DEC_ALLOW ? "Allow" : "Deny");
            break;
        }
        struct nsg_slv_region r = {dir,         ma.rule,     mb.rule,
                                   ma.decision, mb.decision, 0};
        if (out->n_w < max) {
            struct nsg_slv_witness w = {p,       ma.decision, mb.decision,
                                        ma.rule, mb.rule,    in_scope};
            add_witness(out, &w);
            r.witnesses = 1;
        }
        add_region(out, &r);
        nsg_slv_assert(s, nsg_slv_not(s, nsg_slv_and2(s, fires_of(da, dir, ma.rule),
                                                      fires_of(db, dir, mb.rule))));
    }
    nsg_slv_pop(s, 1);
    return rc;
}

nsg_rc nsg_slv_diff(struct nsg_slv *s, const struct nsg_cnsg *a,
                    const struct nsg_cnsg *b, size_t max, unsigned dir_mask,
                    struct nsg_slv_diff *out, struct nsg_err *err)
{
    return nsg_slv_diff_scoped(s, a, b, max, dir_mask, NULL, NULL, out, err);
}

nsg_rc nsg_slv_diff_admin(struct nsg_slv *s, const struct nsg_cnsg *a,
                          const struct nsg_cnsg *b,
                          const struct nsg_admin_stage *admin, size_t max,
                          unsigned dir_mask, struct nsg_slv_diff *out,
                          struct nsg_err *err)
{
    return nsg_slv_diff_scoped(s, a, b, max, dir_mask, admin, NULL, out, err);
}

/* Does a rule of c name a platform tag (AzurePlatformDNS...)? */
static bool names_platform(const struct nsg_cnsg *c)
{
    for (int dir = 0; dir < 2; dir++)
        for (size_t i = 0; i < c->n[dir]; i++)
            if (c->rules[dir][i].plat_tags)
                return true;
    return false;
}

nsg_rc nsg_slv_diff_scoped(struct nsg_slv *s, const struct nsg_cnsg *a,
                           const struct nsg_cnsg *b, size_t max,
                           unsigned dir_mask,
                           const struct nsg_admin_stage *admin,
                           const struct nsg_slv_scope *scope,
                           struct nsg_slv_diff *out, struct nsg_err *err)
{
    Z3_ast sc = nsg_slv_scope_term(s, scope); /* built outside scopes */
    const struct nsg_slv_nsg *da, *db;
    struct nsg_slv_slice sl;
    bool sliced = false;
    Z3_ast pass = s->t;
    nsg_rc rc = NSG_OK;
    /* the question asked over the rules a change can involve (when no rule
     * names a platform tag: the slice is of ordinary traffic's first
     * match), else over every rule */
    if (!s->no_slice && !names_platform(a) && !names_platform(b))
        rc = nsg_slv_slice(s, a, b, &sliced, &sl, err);
    if (sliced) {
        da = &sl.a;
        db = &sl.b;
    } else {
        if (!rc)
            rc = nsg_slv_decide(s, a, &da, err);
        if (!rc)
            rc = nsg_slv_decide(s, b, &db, err);
    }
    /* ordinary traffic a Deny/AlwaysAllow admin rule decides reaches
     * neither NSG */
    if (!rc)
        rc = nsg_slv_admin_pass(s, admin, &pass, err);
    if (rc)
        return rc;
    out->equivalent = true;
    out->regions_complete = true;
    if (!dir_mask)
        dir_mask = 3;
    for (int dir = 0; dir < 2 && !rc; dir++) {
        if (!(dir_mask & (1u << dir)))
            continue;
        /* Witnesses are shared between directions, at most max in all. */
        size_t want = max > out->n_w ? max - out->n_w : 0;
        rc = diff_dir(s, da, db, admin, pass, (enum nsg_dir)dir,
                      out->n_w + want,
                      out->n_regions + want + REGION_EXTRA, sc, out, err);
    }
    if (sliced)
        nsg_slv_slice_release(&sl);
    return rc;
}
