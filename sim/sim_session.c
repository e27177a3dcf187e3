/* sim_session.c - a simulator session: caches contexts per virtual network
 * (or per NIC with Azure's own tag expansion), compiled NSGs and admin
 * stages, builds the plan of a NIC (subnet, NSG levels, private endpoint
 * policy, KMS state, admin stage) - or of an address no NIC holds, its
 * subnet's NSG alone - and walks a packet through it: traffic
 * the VNet drops, platform traffic, the admin stage, then the NSG levels
 * (inbound subnet then NIC, outbound NIC then subnet). */
#include <stdlib.h>
#include <string.h>

#include "sim.h"

/* Everything compiled for one virtual network (or for none), with Azure's
 * own tag expansion of one NIC when the corpus holds it. */
struct vnet_cache {
    struct nsg_ctx ctx;
    GHashTable *cnsgs; /* const struct nsg_nsg * -> struct nsg_cnsg * */
    struct nsg_admin_stage *admin; /* built on first use */
};

struct nsg_sim {
    const struct nsg_topology *t;
    GHashTable *vnets; /* vnet or expansion ptr -> struct vnet_cache */
    struct vnet_cache *none;
};

static void vnet_cache_free(void *p)
{
    struct vnet_cache *vc = p;
    if (!vc)
        return;
    g_hash_table_destroy(vc->cnsgs);
    nsg_admin_stage_free(vc->admin);
    nsg_ctx_release(&vc->ctx);
    free(vc);
}

struct nsg_sim *nsg_sim_new(const struct nsg_topology *t)
{
    struct nsg_sim *s = nsg_xcalloc(1, sizeof(*s));
    s->t = t;
    s->vnets = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL,
                                     vnet_cache_free);
    return s;
}

void nsg_sim_free(struct nsg_sim *s)
{
    if (!s)
        return;
    g_hash_table_destroy(s->vnets);
    vnet_cache_free(s->none);
    free(s);
}

/* The cache of (vnet, exp): keyed by the expansion when there is one (an
 * expansion belongs to one NIC or subnet, hence to one vnet). */
static nsg_rc get_vnet_cache(struct nsg_sim *s, const struct nsg_vnet *vnet,
                             const struct nsg_tag_expansion *exp,
                             struct vnet_cache **out, struct nsg_err *err)
{
    const void *key = exp ? (const void *)exp : (const void *)vnet;
    struct vnet_cache *vc = key ? g_hash_table_lookup(s->vnets, key)
                                : s->none;
    nsg_rc rc;

    if (!vc) {
        vc = nsg_xcalloc(1, sizeof(*vc));
        vc->cnsgs = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL,
                                          (GDestroyNotify)nsg_cnsg_free);
        rc = nsg_ctx_init_exp(&vc->ctx, s->t, vnet, exp, err);
        if (rc) {
            vnet_cache_free(vc);
            return rc;
        }
        if (key)
            g_hash_table_insert(s->vnets, (void *)key, vc);
        else
            s->none = vc;
    }
    *out = vc;
    return NSG_OK;
}

static nsg_rc cache_get(struct vnet_cache *vc, const struct nsg_nsg *nsg,
                        const struct nsg_cnsg **out, struct nsg_err *err)
{
    struct nsg_cnsg *c = g_hash_table_lookup(vc->cnsgs, nsg);
    if (!c) {
        nsg_rc rc = nsg_sim_compile(&vc->ctx, nsg, &c, err);
        if (rc)
            return rc;
        g_hash_table_insert(vc->cnsgs, (void *)nsg, c);
    }
    *out = c;
    return NSG_OK;
}

nsg_rc nsg_sim_get(struct nsg_sim *s, const struct nsg_nsg *nsg,
                   const struct nsg_vnet *vnet, const struct nsg_cnsg **out,
                   struct nsg_err *err)
{
    struct vnet_cache *vc;
    nsg_rc rc = get_vnet_cache(s, vnet, NULL, &vc, err);
    return rc ? rc : cache_get(vc, nsg, out, err);
}

static nsg_rc cache_admin(struct vnet_cache *vc,
                          const struct nsg_admin_stage **out,
                          struct nsg_err *err)
{
    if (!vc->admin) {
        nsg_rc rc = nsg_admin_stage_build(&vc->ctx, &vc->admin, err);
        if (rc) {
            nsg_admin_stage_free(vc->admin);
            vc->admin = NULL;
            return rc;
        }
    }
    *out = vc->admin;
    return NSG_OK;
}

nsg_rc nsg_sim_admin(struct nsg_sim *s, const struct nsg_vnet *vnet,
                     const struct nsg_admin_stage **out, struct nsg_err *err)
{
    struct vnet_cache *vc;
    nsg_rc rc = get_vnet_cache(s, vnet, NULL, &vc, err);
    return rc ? rc : cache_admin(vc, out, err);
}

/* Evaluate one level (c may be NULL: no NSG, allows). */
static void eval_level(const char *name, const struct nsg_nsg *nsg,
                       const struct nsg_cnsg *c, const struct nsg_vnet *vnet,
                       const struct nsg_packet *p, enum nsg_platform cls,
                       struct nsg_verdict *v)
{
    struct nsg_level *l = &v->levels[v->n_levels++];

    memset(l, 0, sizeof(*l));
    l->level = name;
    l->nsg = nsg;
    l->m.decision = NSG_DEC_ALLOW;
    l->m.platform = cls;
    l->vnet = vnet;
    if (c) {
        nsg_sim_eval_class(c, p, cls, &l->m);
        l->cnsg = c;
    }
}

/* Overall decision: a deny anywhere denies; else an unknown level makes the
 * answer unknown; else allowed.  deciding: the denying (or unknown) level,
 * else the last level that has an NSG. */
static void conclude(struct nsg_verdict *v)
{
    v->decision = NSG_DEC_ALLOW;
    v->deciding = -1;
    for (size_t i = 0; i < v->n_levels; i++)
        if (v->levels[i].nsg)
            v->deciding = (int)i;
    for (size_t i = 0; i < v->n_levels; i++)
        if (v->levels[i].m.decision == NSG_DEC_UNKNOWN) {
            v->decision = NSG_DEC_UNKNOWN;
            v->deciding = (int)i;
            break;
        }
    for (size_t i = 0; i < v->n_levels; i++)
        if (v->levels[i].m.decision == NSG_DEC_DENY) {
            v->decision = NSG_DEC_DENY;
            v->deciding = (int)i;
            break;
        }
}

const struct nsg_ipconfig *nsg_sim_pick_ipconfig(const struct nsg_nic *nic,
                                                 const struct nsg_ip *addr)
{
    const struct nsg_ipconfig *pick = NULL;
    for (size_t i = 0; addr && i < nic->n_ipconfigs; i++)
        if (nic->ipconfigs[i].has_ip &&
            !nsg_ip_cmp(&nic->ipconfigs[i].ip, addr))
            return &nic->ipconfigs[i];
    for (size_t i = 0; i < nic->n_ipconfigs; i++)
        if (!pick || nic->ipconfigs[i].primary) {
            pick = &nic->ipconfigs[i];
            if (pick->primary)
                break;
        }
    return pick;
}

static nsg_rc nsg_of(const struct nsg_topology *t, const char *id,
                     const char *what, const char *owner,
                     const struct nsg_nsg **out, struct nsg_err *err)
{
    *out = NULL;
    if (!id)
        return NSG_OK;
    *out = nsg_topo_get(t, NSG_RES_NSG, id);
    if (!*out)
        return nsg_err_set(err, NSG_E_NOTFOUND,
                           "%s %s uses NSG %s, which is not in the corpus: "
                           "import it to evaluate this level",
                           what, owner, id);
    return NSG_OK;
}

nsg_rc nsg_sim_nic_plan(struct nsg_sim *s, const struct nsg_nic *nic,
                        const struct nsg_ipconfig *ic,
                        struct nsg_nic_plan *out, struct nsg_err *err)
{
    const struct nsg_topology *t = s->t;
    const char *nic_name = nic->name ? nic->name : nic->id;
    const struct nsg_nsg *sub_nsg = NULL;
    struct vnet_cache *vc;
    nsg_rc rc;

    memset(out, 0, sizeof(*out));
    out->kms_on = true;
    out->private_endpoint = nic->private_endpoint_id != NULL;
    if (ic && ic->subnet_id) {
        out->subnet = nsg_topo_get(t, NSG_RES_SUBNET, ic->subnet_id);
        if (!out->subnet)
            return nsg_err_set(err, NSG_E_NOTFOUND,
                               "NIC %s is in subnet %s, which is not in the "
                               "corpus: import its virtual network to know "
                               "the subnet's NSG",
                               nic_name, ic->subnet_id);
        out->vnet = nsg_topo_vnet_of_subnet(t, out->subnet);
        out->kms_on = nsg_platform_kms_on(t, out->subnet);
        rc = nsg_of(t, out->subnet->nsg_id, "subnet", out->subnet->name,
                    &sub_nsg, err);
        if (rc)
            return rc;
        if (sub_nsg && out->private_endpoint &&
            !nsg_sem_pe_subnet_nsg_applies(out->subnet->pe_policies)) {
            out->subnet_note = "private endpoint: the subnet's "
                               "privateEndpointNetworkPolicies do not enable "
                               "NSGs, so its NSG does not apply";
            sub_nsg = NULL;
        }
    }
    rc = nsg_of(t, nic->nsg_id, "NIC", nic_name, &out->nsg[1], err);
    if (rc)
        return rc;
    out->nsg[0] = sub_nsg;
    rc = get_vnet_cache(s, out->vnet,
                        nsg_topo_tag_expansion(t, nic, out->subnet), &vc, err);
    for (int i = 0; !rc && i < 2; i++)
        if (out->nsg[i])
            rc = cache_get(vc, out->nsg[i], &out->cnsg[i], err);
    if (!rc && out->vnet && nsg_admin_applies_to(nic, out->subnet))
        rc = cache_admin(vc, &out->admin, err);
    return rc;
}

nsg_rc nsg_sim_subnet_plan(struct nsg_sim *s, const struct nsg_subnet *sub,
                           struct nsg_nic_plan *out, struct nsg_err *err)
{
    const struct nsg_topology *t = s->t;
    struct vnet_cache *vc;
    nsg_rc rc;

    memset(out, 0, sizeof(*out));
    out->subnet_only = true;
    out->subnet = sub;
    out->vnet = nsg_topo_vnet_of_subnet(t, sub);
    out->kms_on = nsg_platform_kms_on(t, sub);
    rc = nsg_of(t, sub->nsg_id, "subnet", sub->name ? sub->name : sub->id,
                &out->nsg[0], err);
    if (!rc)
        rc = get_vnet_cache(s, out->vnet, nsg_topo_tag_expansion(t, NULL, sub),
                            &vc, err);
    if (!rc && out->nsg[0])
        rc = cache_get(vc, out->nsg[0], &out->cnsg[0], err);
    if (!rc && out->vnet && nsg_admin_applies_to(NULL, sub))
        rc = cache_admin(vc, &out->admin, err);
    return rc;
}

/* The NSG levels of a plan, in the packet's order, for class cls. */
static void eval_levels(const struct nsg_nic_plan *pl,
                        const struct nsg_packet *p, enum nsg_platform cls,
                        struct nsg_verdict *v)
{
    static const char *const names[2] = {"subnet", "nic"};
    for (int k = 0; k < 2; k++) {
        int i = p->dir == NSG_DIR_OUT ? 1 - k : k;
        if (i == 1 && pl->subnet_only)
            continue;
        eval_level(names[i], pl->nsg[i], pl->cnsg[i], pl->vnet, p, cls, v);
        if (i == 0)
            v->levels[v->n_levels - 1].note = pl->subnet_note;
        if (v->levels[v->n_levels - 1].m.decision == NSG_DEC_DENY)
            break;
    }
    conclude(v);
}

/* Walk a packet through a plan: traffic the VNet drops, platform
 * traffic, the admin stage, the NSG levels. */
static void eval_plan(const struct nsg_nic_plan *pl,
                      const struct nsg_packet *p, struct nsg_verdict *v)
{
    v->private_endpoint = pl->private_endpoint;
    v->platform_class = nsg_platform_class(p, pl->kms_on);
    v->admin.decision = NSG_DEC_ALLOW;
    if (v->platform_class == NSG_PLAT_VNET_BLOCKED) {
        v->decision = NSG_DEC_DENY;
        v->platform = NSG_PLAT_VNET_BLOCKED;
        return;
    }
    if (v->platform_class != NSG_PLAT_NONE) {
        /* P2: only rules naming the class's tag, per level; admin rules
         * do not apply to platform traffic (P8). */
        eval_levels(pl, p, v->platform_class, v);
        bool ruled = false;
        for (size_t i = 0; i < v->n_levels; i++)
            ruled |= v->levels[i].m.rule != NULL;
        if (!ruled) {
            v->platform = v->platform_class;
            v->n_levels = 0;
            v->deciding = -1;
        }
        return;
    }
    if (pl->admin) {
        nsg_admin_eval(pl->admin, p, &v->admin);
        if (v->admin.decision == NSG_DEC_UNKNOWN) {
            v->decision = NSG_DEC_UNKNOWN;
            v->unknown_reason = v->admin.rule->why;
            return;
        }
        if (v->admin.ends) {
            v->decision = v->admin.decision;
            return;
        }
    }
    eval_levels(pl, p, NSG_PLAT_NONE, v);
}

nsg_rc nsg_sim_eval_nic(struct nsg_sim *s, const struct nsg_nic *nic,
                        const struct nsg_packet *p, struct nsg_verdict *v,
                        struct nsg_err *err)
{
    const struct nsg_ipconfig *ic =
        nsg_sim_pick_ipconfig(nic, p->dir == NSG_DIR_IN ? &p->dst : &p->src);
    struct nsg_nic_plan pl;

    memset(v, 0, sizeof(*v));
    v->deciding = -1;
    nsg_rc rc = nsg_sim_nic_plan(s, nic, ic, &pl, err);
    if (!rc)
        eval_plan(&pl, p, v);
    return rc;
}

nsg_rc nsg_sim_eval_subnet(struct nsg_sim *s, const struct nsg_subnet *sub,
                           const struct nsg_packet *p, struct nsg_verdict *v,
                           struct nsg_err *err)
{
    struct nsg_nic_plan pl;

    memset(v, 0, sizeof(*v));
    v->deciding = -1;
    nsg_rc rc = nsg_sim_subnet_plan(s, sub, &pl, err);
    if (!rc)
        eval_plan(&pl, p, v);
    return rc;
}

nsg_rc nsg_sim_eval_nsg(struct nsg_sim *s, const struct nsg_nsg *nsg,
                        const struct nsg_vnet *vnet, const struct nsg_packet *p,
                        struct nsg_verdict *v, struct nsg_err *err)
{
    const struct nsg_cnsg *c;
    nsg_rc rc = nsg_sim_get(s, nsg, vnet, &c, err);

    memset(v, 0, sizeof(*v));
    v->deciding = -1;
    v->admin.decision = NSG_DEC_ALLOW;
    if (rc)
        return rc;
    v->platform_class = nsg_platform_class(p, true);
    if (v->platform_class == NSG_PLAT_VNET_BLOCKED) {
        v->decision = NSG_DEC_DENY;
        v->platform = NSG_PLAT_VNET_BLOCKED;
        return NSG_OK;
    }
    eval_level("nsg", nsg, c, vnet, p, v->platform_class, v);
    conclude(v);
    if (v->platform_class != NSG_PLAT_NONE && !v->levels[0].m.rule) {
        v->platform = v->platform_class;
        v->n_levels = 0;
        v->deciding = -1;
    }
    return NSG_OK;
}
