/* sim_session.c - a simulator session: caches contexts per virtual network
 * and compiled NSGs per (NSG, virtual network), and walks a packet through
 * the NSG levels of a NIC (inbound subnet then NIC, outbound NIC then
 * subnet). */
#include <stdlib.h>
#include <string.h>

#include "sim.h"

/* Everything compiled for one virtual network (or for none). */
struct vnet_cache {
    struct nsg_ctx ctx;
    GHashTable *cnsgs; /* const struct nsg_nsg * -> struct nsg_cnsg * */
};

struct nsg_sim {
    const struct nsg_topology *t;
    GHashTable *vnets; /* const struct nsg_vnet * (NULL too) -> vnet_cache */
    struct vnet_cache *none;
};

static void vnet_cache_free(void *p)
{
    struct vnet_cache *vc = p;
    if (!vc)
        return;
    g_hash_table_destroy(vc->cnsgs);
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

static nsg_rc get_vnet_cache(struct nsg_sim *s, const struct nsg_vnet *vnet,
                             struct vnet_cache **out, struct nsg_err *err)
{
    struct vnet_cache *vc = vnet ? g_hash_table_lookup(s->vnets, vnet)
                                 : s->none;
    nsg_rc rc;

    if (!vc) {
        vc = nsg_xcalloc(1, sizeof(*vc));
        vc->cnsgs = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL,
                                          (GDestroyNotify)nsg_cnsg_free);
        rc = nsg_ctx_init(&vc->ctx, s->t, vnet, err);
        if (rc) {
            vnet_cache_free(vc);
            return rc;
        }
        if (vnet)
            g_hash_table_insert(s->vnets, (void *)vnet, vc);
        else
            s->none = vc;
    }
    *out = vc;
    return NSG_OK;
}

nsg_rc nsg_sim_get(struct nsg_sim *s, const struct nsg_nsg *nsg,
                   const struct nsg_vnet *vnet, const struct nsg_cnsg **out,
                   struct nsg_err *err)
{
    struct vnet_cache *vc;
    struct nsg_cnsg *c;
    nsg_rc rc = get_vnet_cache(s, vnet, &vc, err);

    if (rc)
        return rc;
    c = g_hash_table_lookup(vc->cnsgs, nsg);
    if (!c) {
        rc = nsg_sim_compile(&vc->ctx, nsg, &c, err);
        if (rc)
            return rc;
        g_hash_table_insert(vc->cnsgs, (void *)nsg, c);
    }
    *out = c;
    return NSG_OK;
}

/* Evaluate one level (nsg may be NULL: no NSG, allows). */
static nsg_rc eval_level(struct nsg_sim *s, const char *name,
                         const struct nsg_nsg *nsg, const struct nsg_vnet *vnet,
                         const struct nsg_packet *p, struct nsg_verdict *v,
                         struct nsg_err *err)
{
    struct nsg_level *l = &v->levels[v->n_levels];
    const struct nsg_cnsg *c;

    memset(l, 0, sizeof(*l));
    l->level = name;
    l->nsg = nsg;
    l->m.decision = NSG_DEC_ALLOW;
    l->vnet = vnet;
    if (nsg) {
        nsg_rc rc = nsg_sim_get(s, nsg, vnet, &c, err);
        if (rc)
            return rc;
        nsg_sim_eval(c, p, &l->m);
        l->cnsg = c;
    }
    v->n_levels++;
    return NSG_OK;
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

/* The ip configuration holding addr, else the primary, else the first. */
static const struct nsg_ipconfig *pick_ipconfig(const struct nsg_nic *nic,
                                                const struct nsg_ip *addr)
{
    const struct nsg_ipconfig *pick = NULL;
    for (size_t i = 0; i < nic->n_ipconfigs; i++)
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

nsg_rc nsg_sim_eval_nic(struct nsg_sim *s, const struct nsg_nic *nic,
                        const struct nsg_packet *p, struct nsg_verdict *v,
                        struct nsg_err *err)
{
    const struct nsg_topology *t = s->t;
    const struct nsg_ipconfig *ic =
        pick_ipconfig(nic, p->dir == NSG_DIR_IN ? &p->dst : &p->src);
    const struct nsg_subnet *sub = NULL;
    const struct nsg_vnet *vnet = NULL;
    const struct nsg_nsg *sub_nsg = NULL, *nic_nsg = NULL;
    const char *nic_name = nic->name ? nic->name : nic->id;
    nsg_rc rc;

    memset(v, 0, sizeof(*v));
    if (ic && ic->subnet_id) {
        sub = nsg_topo_get(t, NSG_RES_SUBNET, ic->subnet_id);
        if (!sub)
            return nsg_err_set(err, NSG_E_NOTFOUND,
                               "NIC %s is in subnet %s, which is not in the "
                               "corpus: import its virtual network to know "
                               "the subnet's NSG",
                               nic_name, ic->subnet_id);
        vnet = nsg_topo_vnet_of_subnet(t, sub);
        rc = nsg_of(t, sub->nsg_id, "subnet", sub->name, &sub_nsg, err);
        if (rc)
            return rc;
    }
    rc = nsg_of(t, nic->nsg_id, "NIC", nic_name, &nic_nsg, err);
    if (rc)
        return rc;
    const char *names[2] = {"subnet", "nic"};
    const struct nsg_nsg *order[2] = {sub_nsg, nic_nsg};
    if (p->dir == NSG_DIR_OUT) {
        names[0] = "nic";
        names[1] = "subnet";
        order[0] = nic_nsg;
        order[1] = sub_nsg;
    }
    for (int i = 0; i < 2; i++) {
        rc = eval_level(s, names[i], order[i], vnet, p, v, err);
        if (rc)
            return rc;
        if (v->levels[i].m.decision == NSG_DEC_DENY)
            break;
    }
    conclude(v);
    return NSG_OK;
}

nsg_rc nsg_sim_eval_nsg(struct nsg_sim *s, const struct nsg_nsg *nsg,
                        const struct nsg_vnet *vnet, const struct nsg_packet *p,
                        struct nsg_verdict *v, struct nsg_err *err)
{
    nsg_rc rc;

    memset(v, 0, sizeof(*v));
    rc = eval_level(s, "nsg", nsg, vnet, p, v, err);
    if (rc)
        return rc;
    conclude(v);
    return NSG_OK;
}
