/* path_origin.c - where a source address sends from: an ip configuration
 * of a NIC, another address of a subnet (a host the corpus does not
 * hold), the Azure host (168.63.129.16), a peered virtual network that is
 * not in the corpus, on-premises (a private address outside every virtual
 * network), the Internet, or nowhere (an address no subnet holds, or one
 * that is never a source). */
#include <stdlib.h>
#include <string.h>

#include "path_int.h"

static const char *const kind_names[] = {"nic",    "host",   "internet",
                                         "platform", "onprem", "peer",
                                         "none"};

const char *nsg_origin_kind_name(enum nsg_origin_kind k)
{
    return kind_names[k];
}

void nsg_origins_release(struct nsg_origins *os)
{
    if (!os)
        return;
    for (size_t i = 0; i < os->n; i++)
        nsg_addrset_release(&os->o[i].addrs);
    free(os->o);
    os->o = NULL;
    os->n = 0;
}

/* Append an origin; addrs is moved; nothing is added when it is empty. */
static struct nsg_origin *add(struct nsg_origins *os, enum nsg_origin_kind k,
                              struct nsg_addrset *addrs)
{
    if (nsg_addrset_is_empty(addrs)) {
        nsg_addrset_release(addrs);
        return NULL;
    }
    os->o = nsg_xrealloc(os->o, (os->n + 1) * sizeof(*os->o));
    struct nsg_origin *o = &os->o[os->n++];
    memset(o, 0, sizeof(*o));
    o->kind = k;
    o->addrs = *addrs;
    *addrs = (struct nsg_addrset)NSG_ADDRSET_INIT;
    return o;
}

static void add_text(struct nsg_addrset *s, const char *cidr)
{
    struct nsg_cidr c;
    if (nsg_cidr_parse(cidr, &c) == 0)
        nsg_addrset_add_cidr(s, &c);
}

static void add_ic(struct nsg_origins *os, const struct pn_ic *ic)
{
    struct nsg_addrset a = NSG_ADDRSET_INIT;
    nsg_addrset_add_range(&a, ic->ic->ip.family, ic->ic->ip.v, ic->ic->ip.v);
    struct nsg_origin *o = add(os, NSG_ORIGIN_NIC, &a);
    o->nic = ic->nic;
    o->ic = ic->ic;
    o->subnet = ic->subnet;
    o->vnet = ic->vnet;
}

void nsg_pnet_nic_origins(const struct nsg_pnet *n, const struct nsg_nic *nic,
                          const struct nsg_addrset *addrs,
                          struct nsg_origins *out)
{
    for (guint i = 0; i < n->ics->len; i++) {
        const struct pn_ic *ic = n->ics->pdata[i];
        if (ic->nic == nic && ic->ic->has_ip &&
            (!addrs || nsg_addrset_contains(addrs, &ic->ic->ip)))
            add_ic(out, ic);
    }
}

/* Addresses of subnet s (of vnet v) in src that no NIC of v holds. */
static void subnet_hosts(const struct nsg_pnet *n, const struct nsg_subnet *s,
                         const struct nsg_vnet *v,
                         const struct nsg_addrset *src, struct nsg_addrset *out)
{
    struct nsg_addrset pre = NSG_ADDRSET_INIT, held = NSG_ADDRSET_INIT;
    for (size_t i = 0; i < s->n_prefixes; i++)
        nsg_addrset_add_cidr(&pre, &s->prefixes[i]);
    nsg_addrset_intersect(out, &pre, src);
    for (guint i = 0; i < n->ics->len && !nsg_addrset_is_empty(out); i++) {
        const struct pn_ic *ic = n->ics->pdata[i];
        if (ic->vnet == v && ic->ic->has_ip)
            nsg_addrset_add_range(&held, ic->ic->ip.family, ic->ic->ip.v,
                                  ic->ic->ip.v);
    }
    nsg_addrset_subtract(out, &held);
    nsg_addrset_release(&pre);
    nsg_addrset_release(&held);
}

void nsg_pnet_origins(const struct nsg_pnet *n, const struct nsg_addrset *src,
                      struct nsg_origins *out)
{
    const struct nsg_topology *t = n->t;
    struct nsg_addrset rest = NSG_ADDRSET_INIT, plat = NSG_ADDRSET_INIT,
                       a = NSG_ADDRSET_INIT, bad = NSG_ADDRSET_INIT;

    /* the host's virtual IP (health probes) */
    add_text(&plat, "168.63.129.16/32");
    add_text(&plat, "fe80::1234:5678:9abc/128");
    nsg_addrset_intersect(&a, src, &plat);
    add(out, NSG_ORIGIN_PLATFORM, &a);
    nsg_addrset_copy(&rest, src);
    nsg_addrset_subtract(&rest, &plat);

    /* NICs, then the other addresses of each subnet, then the rest of
     * each vnet's space */
    for (guint i = 0; i < n->ics->len; i++) {
        const struct pn_ic *ic = n->ics->pdata[i];
        if (ic->ic->has_ip && nsg_addrset_contains(&rest, &ic->ic->ip))
            add_ic(out, ic);
    }
    for (guint i = 0; i < NSG_TOPO_N(t, NSG_RES_SUBNET); i++) {
        const struct nsg_subnet *s = NSG_TOPO_AT(t, NSG_RES_SUBNET, i);
        const struct nsg_vnet *v = nsg_topo_vnet_of_subnet(t, s);
        struct nsg_origin *o;
        subnet_hosts(n, s, v, &rest, &a);
        if ((o = add(out, NSG_ORIGIN_HOST, &a))) {
            o->subnet = s;
            o->vnet = v;
        }
    }
    for (guint i = 0; i < NSG_TOPO_N(t, NSG_RES_VNET); i++) {
        const struct nsg_vnet *v = NSG_TOPO_AT(t, NSG_RES_VNET, i);
        struct nsg_addrset sp = NSG_ADDRSET_INIT, subs = NSG_ADDRSET_INIT;
        const GPtrArray *ss = pn_vnet_subnets(n, v);
        struct nsg_origin *o;
        for (size_t k = 0; k < v->n_space; k++)
            nsg_addrset_add_cidr(&sp, &v->space[k]);
        for (guint k = 0; ss && k < ss->len; k++) {
            const struct nsg_subnet *s = ss->pdata[k];
            for (size_t j = 0; j < s->n_prefixes; j++)
                nsg_addrset_add_cidr(&subs, &s->prefixes[j]);
        }
        nsg_addrset_intersect(&a, &sp, &rest);
        nsg_addrset_subtract(&a, &subs);
        if ((o = add(out, NSG_ORIGIN_NONE, &a))) {
            o->vnet = v;
            o->why = "no subnet of the virtual network holds the address";
        }
        nsg_addrset_release(&sp);
        nsg_addrset_release(&subs);
    }
    nsg_addrset_subtract(&rest, &n->vnet_space);

    /* spaces of peered vnets that are not in the corpus */
    for (guint i = 0; i < n->peers->len; i++) {
        const struct pn_peer *p = n->peers->pdata[i];
        struct nsg_addrset sp = NSG_ADDRSET_INIT;
        struct nsg_origin *o;
        if (p->to)
            continue;
        for (size_t k = 0; k < p->p->n_remote_space; k++)
            nsg_addrset_add_cidr(&sp, &p->p->remote_space[k]);
        nsg_addrset_intersect(&a, &sp, &rest);
        nsg_addrset_subtract(&rest, &a);
        if ((o = add(out, NSG_ORIGIN_PEER, &a))) {
            o->vnet = p->from;
            o->peering = p->p;
        }
        nsg_addrset_release(&sp);
    }

    /* the Internet; addresses that are never sources; on-premises */
    nsg_addrset_intersect(&a, &rest, &n->internet);
    nsg_addrset_subtract(&rest, &a);
    add(out, NSG_ORIGIN_INTERNET, &a);
    add_text(&bad, "0.0.0.0/8");
    add_text(&bad, "127.0.0.0/8");
    add_text(&bad, "169.254.0.0/16");
    add_text(&bad, "224.0.0.0/3");
    add_text(&bad, "::/8");
    add_text(&bad, "fe80::/10");
    add_text(&bad, "ff00::/8");
    nsg_addrset_intersect(&a, &rest, &bad);
    nsg_addrset_subtract(&rest, &a);
    struct nsg_origin *o = add(out, NSG_ORIGIN_NONE, &a);
    if (o)
        o->why = "not a valid source address (this network, loopback, "
                 "link-local, multicast or reserved)";
    add(out, NSG_ORIGIN_ONPREM, &rest);
    nsg_addrset_release(&rest);
    nsg_addrset_release(&plat);
    nsg_addrset_release(&bad);
}
