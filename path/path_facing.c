/* path_facing.c - the internet-facing predicate, in one place (the scope of
 * `harden`, the map and `assess` all ask it): a NIC is internet-facing when
 * one of its ip configurations has a public IP address (named by either
 * side of the association: exports may carry only one), or is a backend of
 * a load-balancing rule or an inbound NAT rule whose frontend has a public
 * IP.  Outbound rules alone do not make a NIC reachable from the Internet. */
#include <stdio.h>
#include <strings.h>

#include "path_int.h"

static bool same(const char *a, const char *b)
{
    return a && b && !strcasecmp(a, b);
}

/* Add a reason (taking it) unless it is there already. */
static void say(GPtrArray *why, char *text)
{
    if (!why) {
        g_free(text);
        return;
    }
    for (guint i = 0; i < why->len; i++)
        if (!strcmp(why->pdata[i], text)) {
            g_free(text);
            return;
        }
    g_ptr_array_add(why, text);
}

static char *pip_text(const struct nsg_pip *pip, const char *id,
                      const struct nsg_ipconfig *ic)
{
    char ip[NSG_IP_STRLEN] = "";
    const char *ic_name = ic->name ? ic->name : "ip configuration";
    if (!pip)
        return g_strdup_printf("public IP %s on %s (the public IP resource "
                               "is not in the corpus)",
                               id, ic_name);
    if (pip->has_ip)
        nsg_ip_format(&pip->ip, ip);
    return g_strdup_printf("public IP %s%s%s%s on %s", pip->name,
                           ip[0] ? " (" : "", ip, ip[0] ? ")" : "", ic_name);
}

/* Is the ip configuration ic in load balancer pool pool_id (named by the
 * pool, by the configuration, or by its address)? */
static bool in_pool(const struct nsg_lb *lb, const char *pool_id,
                    const struct nsg_ipconfig *ic)
{
    for (size_t j = 0; j < ic->n_lb_pool_ids; j++)
        if (same(ic->lb_pool_ids[j], pool_id))
            return true;
    for (size_t p = 0; p < lb->n_pools; p++) {
        const struct nsg_lb_pool *pool = &lb->pools[p];
        if (!same(pool->id, pool_id))
            continue;
        for (size_t j = 0; j < pool->n_ipconfig_ids; j++)
            if (same(pool->ipconfig_ids[j], ic->id))
                return true;
        for (size_t j = 0; ic->has_ip && j < pool->n_addrs; j++)
            if (!nsg_ip_cmp(&pool->addrs[j], &ic->ip))
                return true;
    }
    return false;
}

/* The public frontend fe_id of lb, or NULL when it is internal. */
static const struct nsg_lb_frontend *public_frontend(const struct nsg_lb *lb,
                                                     const char *fe_id)
{
    for (size_t f = 0; f < lb->n_frontends; f++)
        if (same(lb->frontends[f].id, fe_id) && lb->frontends[f].public_ip_id)
            return &lb->frontends[f];
    return NULL;
}

static char *lb_text(const struct nsg_topology *t, const struct nsg_lb *lb,
                     const struct nsg_lb_frontend *fe, const char *what,
                     const char *rule)
{
    const struct nsg_pip *pip = nsg_topo_get(t, NSG_RES_PIP, fe->public_ip_id);
    char ip[NSG_IP_STRLEN] = "";
    if (pip && pip->has_ip)
        nsg_ip_format(&pip->ip, ip);
    return g_strdup_printf("behind public load balancer %s (%s %s, frontend "
                           "%s%s%s)",
                           lb->name ? lb->name : lb->id, what,
                           rule ? rule : "?", fe->name ? fe->name : "?",
                           ip[0] ? " at " : "", ip);
}

/* Backends of the public rules and inbound NAT rules of every load
 * balancer. */
static bool behind_public_lb(const struct nsg_topology *t,
                             const struct nsg_ipconfig *ic, GPtrArray *why)
{
    bool facing = false;
    for (guint i = 0; i < NSG_TOPO_N(t, NSG_RES_LB); i++) {
        const struct nsg_lb *lb = NSG_TOPO_AT(t, NSG_RES_LB, i);
        for (size_t r = 0; r < lb->n_rules; r++) {
            const struct nsg_lb_rule *lr = &lb->rules[r];
            const struct nsg_lb_frontend *fe =
                public_frontend(lb, lr->frontend_id);
            for (size_t p = 0; fe && p < lr->n_pool_ids; p++)
                if (in_pool(lb, lr->pool_ids[p], ic)) {
                    facing = true;
                    say(why, lb_text(t, lb, fe, "rule", lr->name));
                    break;
                }
        }
        for (size_t r = 0; r < lb->n_nat_rules; r++) {
            const struct nsg_lb_nat_rule *n = &lb->nat_rules[r];
            const struct nsg_lb_frontend *fe =
                public_frontend(lb, n->frontend_id);
            if (fe && (same(n->ipconfig_id, ic->id) ||
                       (n->pool_id && in_pool(lb, n->pool_id, ic)))) {
                facing = true;
                say(why, lb_text(t, lb, fe, "inbound NAT rule", n->name));
            }
        }
    }
    return facing;
}

bool nsg_path_nic_facing(const struct nsg_topology *t,
                         const struct nsg_nic *nic, GPtrArray *why)
{
    bool facing = false;

    for (size_t i = 0; i < nic->n_ipconfigs; i++) {
        const struct nsg_ipconfig *ic = &nic->ipconfigs[i];
        /* the ip configuration names its public IP */
        if (ic->public_ip_id) {
            facing = true;
            say(why, pip_text(nsg_topo_get(t, NSG_RES_PIP, ic->public_ip_id),
                              ic->public_ip_id, ic));
        }
        /* a public IP names the ip configuration (the other side of the
         * same association) */
        for (guint k = 0; ic->id && k < NSG_TOPO_N(t, NSG_RES_PIP); k++) {
            const struct nsg_pip *pip = NSG_TOPO_AT(t, NSG_RES_PIP, k);
            if (same(pip->ipconfig_id, ic->id) &&
                !same(pip->id, ic->public_ip_id)) {
                facing = true;
                say(why, pip_text(pip, pip->id, ic));
            }
        }
        if (behind_public_lb(t, ic, why))
            facing = true;
    }
    return facing;
}
