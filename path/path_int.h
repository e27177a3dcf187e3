/* path_int.h - internals of the path model: the derived network (indexes
 * built once from the topology) shared by the files of path/.  Not a
 * public header. */
#ifndef NSG_PATH_INT_H
#define NSG_PATH_INT_H

#include "path.h"

/* An ip configuration of a NIC, where it sits. */
struct pn_ic {
    const struct nsg_nic *nic;
    const struct nsg_ipconfig *ic;
    const struct nsg_subnet *subnet; /* may be NULL */
    const struct nsg_vnet *vnet;     /* may be NULL */
};

/* A resolved peering of vnet `from` (the side that holds it). */
struct pn_peer {
    const struct nsg_vnet *from;
    const struct nsg_peering *p;
    const struct nsg_vnet *to;       /* NULL: the remote is not in the corpus */
    const struct nsg_peering *back;  /* the remote's peering to `from` */
};

/* What answers at a public address. */
enum pn_entry_kind {
    PN_E_NIC,       /* a NIC ip configuration's public IP */
    PN_E_LB,        /* a load balancer frontend */
    PN_E_APPLIANCE, /* a firewall / application gateway / bastion */
    PN_E_NATGW,     /* a NAT gateway's public IP (outbound only) */
};
struct pn_entry {
    enum pn_entry_kind kind;
    const struct nsg_pip *pip;          /* the public IP (public entries) */
    const struct pn_ic *ic;             /* NIC */
    const struct nsg_lb *lb;            /* LB */
    const struct nsg_lb_frontend *fe;   /* LB */
    const struct nsg_vnet *vnet;        /* LB internal, APPLIANCE private */
    const struct nsg_appliance *appl;   /* APPLIANCE */
    enum nsg_res_type appl_type;        /* APPLIANCE */
    const struct nsg_natgw *natgw;      /* NATGW */
};

/* Per subnet: the effective routes. */
struct pn_subnet {
    const struct nsg_subnet *s;
    const struct nsg_vnet *vnet;
    struct nsg_proute *routes;
    size_t n_routes;
    const char *unknown_tag; /* a route prefix tag the corpus lacks */
};

struct nsg_pnet {
    const struct nsg_topology *t;
    GPtrArray *ics;        /* struct pn_ic *, owned, topology order */
    GHashTable *ic_by_id;  /* lower-case ipconfig id -> struct pn_ic * */
    GHashTable *ic_by_ip;  /* ip text -> GPtrArray of struct pn_ic * */
    GHashTable *pub;       /* public ip text -> GPtrArray of pn_entry * */
    GHashTable *priv;      /* private frontend / appliance ip text ->
                              GPtrArray of struct pn_entry * */
    GPtrArray *entries;    /* every struct pn_entry *, owned */
    GPtrArray *peers;      /* struct pn_peer *, owned */
    GHashTable *subnets;   /* subnet ptr -> struct pn_subnet *, owned */
    GHashTable *vnet_subnets; /* vnet ptr -> GPtrArray of subnets */
    GHashTable *lb_pool;   /* lower-case pool id -> GPtrArray of pn_ic */
    GHashTable *lb_of_pool;/* lower-case pool id -> const struct nsg_lb * */
    GHashTable *natgw_of_subnet; /* subnet ptr -> const struct nsg_natgw * */
    struct nsg_addrset vnet_space; /* every vnet's space */
    struct nsg_addrset internet;   /* public space (Internet-routable) */
    nsg_u128 *cut4, *cut6;         /* sorted atom starts per family */
    size_t n_cut4, n_cut6;
};

/* path_net.c */
const struct pn_ic *pn_ic_by_id(const struct nsg_pnet *n, const char *id);
/* The ip configurations holding ip (any vnet). */
const GPtrArray *pn_ics_at(const struct nsg_pnet *n, const struct nsg_ip *ip);
const GPtrArray *pn_public_at(const struct nsg_pnet *n,
                              const struct nsg_ip *ip);
const GPtrArray *pn_private_at(const struct nsg_pnet *n,
                               const struct nsg_ip *ip);
const struct pn_subnet *pn_subnet(const struct nsg_pnet *n,
                                  const struct nsg_subnet *s);
/* Subnets of a vnet (may be NULL). */
const GPtrArray *pn_vnet_subnets(const struct nsg_pnet *n,
                                 const struct nsg_vnet *v);
const struct nsg_subnet *pn_subnet_at(const struct nsg_pnet *n,
                                      const struct nsg_vnet *v,
                                      const struct nsg_ip *ip);
bool pn_in_space(const struct nsg_vnet *v, const struct nsg_ip *ip);
/* The resolved peering for a peering of v. */
const struct pn_peer *pn_peer_of(const struct nsg_pnet *n,
                                 const struct nsg_vnet *v,
                                 const struct nsg_peering *p);
/* Is vnet v reachable from vnet `from` (same, or Connected both ways with
 * virtual network access)? */
bool pn_vnets_joined(const struct nsg_pnet *n, const struct nsg_vnet *from,
                     const struct nsg_vnet *v);
/* May a gateway connect v to addresses outside Azure (a GatewaySubnet, or
 * a Connected peering that uses the remote's gateways)? */
bool pn_vnet_has_gateway(const struct nsg_pnet *n, const struct nsg_vnet *v);
/* The ip configurations of a backend pool. */
const GPtrArray *pn_pool_members(const struct nsg_pnet *n, const char *pool_id);
const struct nsg_natgw *pn_natgw_of(const struct nsg_pnet *n,
                                    const struct nsg_subnet *s);
bool pn_same_id(const char *a, const char *b);
const char *pn_name(const char *name, const char *id);
/* NSG of a subnet / NIC level present? */
bool pn_has_nsg(const struct nsg_pnet *n, const struct pn_ic *ic);

/* The NIC addresses an appliance entry (a public IP of a firewall,
 * application gateway or bastion) may lead to, added to out. */
void pn_appliance_reach(const struct nsg_pnet *n, const struct pn_entry *e,
                        struct nsg_addrset *out);

/* path_route.c: build the effective routes of every subnet. */
void pn_build_routes(struct nsg_pnet *n);
void pn_subnet_free(void *p);

#endif
