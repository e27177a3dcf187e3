/* sim_admin.c - the security admin stage: which Virtual Network Manager
 * security admin rules apply to a virtual network, and their first-match
 * evaluation before the NSGs.
 *
 * A rule applies to a VNet when (a) the VNet's effective security admin
 * rules are in the corpus and list it (preferred: Azure resolved deployment
 * and dynamic membership), or else (b) its rule collection targets a
 * network group the VNet is a static member of, and the network manager's
 * security admin deployment to the VNet's region is "Deployed" with the
 * rule's configuration in it (the region's goal state).  Where the corpus
 * cannot establish (b) - a collection, group or deployment status missing,
 * a group with dynamic membership, a deployment in progress - the rule is
 * kept as "maybe": an answer whose first matching admin rule is a maybe
 * rule is unknown, naming what to capture (docs/semantics.md A1-A8). */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sim.h"

static bool same_id(const char *a, const char *b)
{
    return a && b && !strcasecmp(a, b);
}

/* Region names compare without case and spaces ("East US" = "eastus"). */
static bool same_region(const char *a, const char *b)
{
    if (!a || !b)
        return false;
    for (;;) {
        while (*a == ' ')
            a++;
        while (*b == ' ')
            b++;
        if (g_ascii_tolower(*a) != g_ascii_tolower(*b))
            return false;
        if (!*a)
            return true;
        a++;
        b++;
    }
}

void nsg_admin_stage_free(struct nsg_admin_stage *st)
{
    if (!st)
        return;
    for (int d = 0; d < 2; d++) {
        for (size_t i = 0; i < st->n[d]; i++) {
            nsg_addrset_release(&st->rules[d][i].c.src);
            nsg_addrset_release(&st->rules[d][i].c.dst);
        }
        free(st->rules[d]);
    }
    if (st->notes)
        g_ptr_array_free(st->notes, TRUE);
    free(st);
}

/* A note owned by the stage (the reason a rule is maybe). */
static const char *note(struct nsg_admin_stage *st, char *text /* g_free */)
{
    g_ptr_array_add(st->notes, nsg_xstrdup(text));
    g_free(text);
    return st->notes->pdata[st->notes->len - 1];
}

/* 1: a static member; 0: not; -1 cannot tell (*why set). */
static int membership(const struct nsg_topology *t, const struct nsg_vnet *v,
                      const char *group_id, char **why)
{
    bool known = nsg_topo_get(t, NSG_RES_NETWORK_GROUP, group_id) != NULL;
    for (guint i = 0; i < NSG_TOPO_N(t, NSG_RES_STATIC_MEMBER); i++) {
        const struct nsg_static_member *m =
            NSG_TOPO_AT(t, NSG_RES_STATIC_MEMBER, i);
        if (!same_id(m->group_id, group_id))
            continue;
        known = true;
        if (same_id(m->resource_id, v->id))
            return 1;
    }
    for (guint i = 0; i < NSG_TOPO_N(t, NSG_RES_GROUP_POLICY); i++) {
        const struct nsg_group_policy *p =
            NSG_TOPO_AT(t, NSG_RES_GROUP_POLICY, i);
        for (size_t k = 0; k < p->n_group_ids; k++)
            if (same_id(p->group_ids[k], group_id)) {
                *why = g_strdup_printf(
                    "network group %s has dynamic membership (Azure Policy "
                    "%s): import the effective security admin rules of "
                    "virtual network %s (az network manager "
                    "list-effective-security-admin-rule, imported with "
                    "--vnet)",
                    group_id, p->name ? p->name : p->id, v->name);
                return -1;
            }
    }
    if (!known) {
        *why = g_strdup_printf(
            "network group %s is not in the corpus: import it and its static "
            "members (az network manager group list, az network manager "
            "group static-member list) or the effective security admin rules "
            "of virtual network %s",
            group_id, v->name);
        return -1;
    }
    return 0;
}

/* 1: the configuration is deployed to the VNet's region; 0: not; -1 cannot
 * tell (*why set). */
static int deployed(const struct nsg_topology *t, const struct nsg_vnet *v,
                    const char *config_id, char **why)
{
    char *manager = nsg_id_parent(config_id);
    const struct nsg_admin_deployment *dep = NULL;
    int r = -1;

    for (guint i = 0; manager && i < NSG_TOPO_N(t, NSG_RES_ADMIN_DEPLOYMENT);
         i++) {
        const struct nsg_admin_deployment *d =
            NSG_TOPO_AT(t, NSG_RES_ADMIN_DEPLOYMENT, i);
        if (same_id(d->manager_id, manager) &&
            same_region(d->region, v->location))
            dep = d;
    }
    if (!v->location) {
        *why = g_strdup_printf("virtual network %s has no location: the "
                               "region whose deployment applies is unknown "
                               "(import the virtual network's full resource)",
                               v->name);
    } else if (!dep) {
        char *mname = manager ? nsg_id_name(manager) : nsg_xstrdup("?");
        *why = g_strdup_printf(
            "the security admin configuration %s has no deployment status "
            "for region %s: import az network manager list-deploy-status "
            "--network-manager-name %s --deployment-types SecurityAdmin "
            "--regions %s",
            config_id, v->location, mname, v->location);
        free(mname);
    } else if (!dep->status || strcasecmp(dep->status, "Deployed")) {
        *why = g_strdup_printf(
            "the security admin deployment of network manager %s to region "
            "%s is %s, not Deployed: capture its status again when it is "
            "done",
            manager, dep->region, dep->status ? dep->status : "(no status)");
    } else {
        r = 0;
        for (size_t k = 0; k < dep->n_config_ids; k++)
            if (same_id(dep->config_ids[k], config_id))
                r = 1;
    }
    free(manager);
    return r;
}

/* Does admin rule ar apply to v: 1 yes, 0 no, -1 cannot tell (*why). */
static int applies(const struct nsg_topology *t, const struct nsg_vnet *v,
                   const struct nsg_admin_rule *ar, char **why)
{
    const struct nsg_admin_collection *coll =
        nsg_topo_get(t, NSG_RES_ADMIN_COLLECTION, ar->collection_id);
    char *mwhy = NULL;
    int member = 0;

    if (!coll) {
        *why = g_strdup_printf(
            "the rule collection %s of security admin rule %s is not in the "
            "corpus: import it (az network manager security-admin-config "
            "rule-collection list) to know which network groups it targets",
            ar->collection_id ? ar->collection_id : "?", ar->name);
        return -1;
    }
    for (size_t i = 0; i < coll->n_group_ids && member != 1; i++) {
        char *w = NULL;
        int m = membership(t, v, coll->group_ids[i], &w);
        if (m == 1)
            member = 1;
        else if (m < 0 && !mwhy) {
            member = -1;
            mwhy = w;
            w = NULL;
        }
        g_free(w);
    }
    if (member == 0)
        return 0;
    if (member == 1) {
        g_free(mwhy);
        mwhy = NULL;
    }
    char *dwhy = NULL;
    int dep = deployed(t, v, coll->config_id, &dwhy);
    if (dep == 0) {
        g_free(mwhy);
        return 0;
    }
    if (member == 1 && dep == 1)
        return 1;
    *why = mwhy ? mwhy : dwhy;
    g_free(mwhy ? dwhy : NULL);
    return -1;
}

static nsg_rc add_rule(const struct nsg_ctx *ctx, struct nsg_admin_stage *st,
                       const struct nsg_admin_rule *ar, const char *why,
                       struct nsg_err *err)
{
    int d = ar->r.dir == NSG_DIR_OUT;
    struct nsg_admin_crule *acr;
    st->rules[d] = nsg_xrealloc(st->rules[d],
                                (st->n[d] + 1) * sizeof(*st->rules[d]));
    acr = &st->rules[d][st->n[d]++];
    memset(acr, 0, sizeof(*acr));
    acr->ar = ar;
    acr->maybe = why != NULL;
    acr->why = why;
    nsg_rc rc = nsg_sim_compile_rule(ctx, &ar->r, &acr->c, err);
    return rc ? nsg_err_prefix(err, "security admin rule %s", ar->name) : rc;
}

/* A2: by priority; equal priorities (possible across configurations of
 * different network managers) are ordered Deny, AlwaysAllow, Allow - the
 * documentation does not say; the most restrictive first. */
static int access_rank(enum nsg_admin_access a)
{
    return a == NSG_ADMIN_DENY ? 0 : a == NSG_ADMIN_ALWAYS_ALLOW ? 1 : 2;
}

static int acr_cmp(const void *pa, const void *pb)
{
    const struct nsg_admin_crule *a = pa, *b = pb;
    if (a->ar->r.priority != b->ar->r.priority)
        return a->ar->r.priority < b->ar->r.priority ? -1 : 1;
    if (access_rank(a->ar->access) != access_rank(b->ar->access))
        return access_rank(a->ar->access) - access_rank(b->ar->access);
    return g_strcmp0(a->ar->id, b->ar->id);
}

nsg_rc nsg_admin_stage_build(const struct nsg_ctx *ctx,
                             struct nsg_admin_stage **out,
                             struct nsg_err *err)
{
    const struct nsg_topology *t = ctx->t;
    const struct nsg_vnet *v = ctx->vnet;
    struct nsg_admin_stage *st = nsg_xcalloc(1, sizeof(*st));
    nsg_rc rc = NSG_OK;

    st->vnet = v;
    st->notes = g_ptr_array_new_with_free_func(free);
    *out = st;
    if (!t || !v)
        return NSG_OK;
    for (guint i = 0; i < NSG_TOPO_N(t, NSG_RES_ADMIN_EFFECTIVE); i++) {
        const struct nsg_admin_effective *e =
            NSG_TOPO_AT(t, NSG_RES_ADMIN_EFFECTIVE, i);
        if (!same_id(e->vnet_id, v->id))
            continue;
        st->from_effective = true;
        for (size_t k = 0; k < e->n_rules && !rc; k++)
            rc = add_rule(ctx, st, &e->rules[k], NULL, err);
    }
    for (guint i = 0; !st->from_effective && !rc &&
                      i < NSG_TOPO_N(t, NSG_RES_ADMIN_RULE);
         i++) {
        const struct nsg_admin_rule *ar = NSG_TOPO_AT(t, NSG_RES_ADMIN_RULE, i);
        char *why = NULL;
        int a = applies(t, v, ar, &why);
        if (a)
            rc = add_rule(ctx, st, ar, a < 0 ? note(st, why) : NULL, err);
        else
            g_free(why);
    }
    for (int d = 0; d < 2; d++)
        if (st->n[d])
            qsort(st->rules[d], st->n[d], sizeof(*st->rules[d]), acr_cmp);
    return rc;
}

/* A5: "security admin rules don't apply to Azure private endpoints", nor
 * to subnets of the gateway, firewall, bastion and route server services
 * (recognized by their required subnet names). */
bool nsg_admin_applies_to(const struct nsg_nic *nic,
                          const struct nsg_subnet *sub)
{
    static const char *const skipped[] = {
        "GatewaySubnet", "AzureFirewallSubnet",
        "AzureFirewallManagementSubnet", "AzureBastionSubnet",
        "RouteServerSubnet"};
    if (nic && nic->private_endpoint_id)
        return false;
    for (size_t i = 0; sub && sub->name && i < sizeof(skipped) / sizeof(*skipped);
         i++)
        if (!strcasecmp(sub->name, skipped[i]))
            return false;
    return true;
}

void nsg_admin_eval(const struct nsg_admin_stage *st,
                    const struct nsg_packet *p, struct nsg_admin_match *m)
{
    int d = p->dir == NSG_DIR_OUT;
    memset(m, 0, sizeof(*m));
    m->decision = NSG_DEC_ALLOW;
    for (size_t i = 0; st && i < st->n[d]; i++) {
        const struct nsg_admin_crule *acr = &st->rules[d][i];
        int r = nsg_crule_match(&acr->c, p);
        if (!r)
            continue;
        m->rule = acr;
        if (r < 0 || acr->maybe) {
            m->decision = NSG_DEC_UNKNOWN;
            if (r < 0)
                m->unknown_tag =
                    acr->c.src_unknown &&
                            !nsg_addrset_contains(&acr->c.src, &p->src)
                        ? acr->c.src_unknown
                        : acr->c.dst_unknown;
            return;
        }
        m->ends = acr->ar->access != NSG_ADMIN_ALLOW;
        m->decision = acr->ar->access == NSG_ADMIN_DENY ? NSG_DEC_DENY
                                                        : NSG_DEC_ALLOW;
        return;
    }
}
