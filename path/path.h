/* path.h - the path model: where Azure carries a packet.  From the
 * topology it derives each subnet's effective routes (system routes and
 * user-defined routes, longest prefix match), the state of every peering,
 * the public entry points (public IPs of NICs, load balancer frontends and
 * rules, inbound NAT rules, appliances), outbound connectivity, and from a
 * source it walks a packet hop by hop: subnets, peerings, load balancers,
 * forwarding appliances, gateways and the Internet, naming at every hop the
 * NSG levels that decide it.  It answers Network Watcher's "next hop" for
 * any packet, offline; the NSG decisions themselves stay with sim/ (the
 * concrete packet, path_eval.c) and solver/ (every packet, verify).
 *
 * Ownership: a struct nsg_pnet borrows the topology (which must outlive
 * it); paths, origins and classes own their arrays and strings and borrow
 * resources from the topology. */
#ifndef NSG_PATH_H
#define NSG_PATH_H

#include "../sim/sim.h"

struct nsg_pnet; /* opaque: the derived network */
struct nsg_pnet *nsg_pnet_new(const struct nsg_topology *t);
void nsg_pnet_free(struct nsg_pnet *n); /* NULL-safe */
const struct nsg_topology *nsg_pnet_topology(const struct nsg_pnet *n);

/* ---- internet-facing NICs (path_facing.c) ------------------------------ */
/* Is the NIC internet-facing: a public IP on one of its ip configurations
 * (either side of the association), or a backend of a load-balancing rule
 * or inbound NAT rule on a public frontend?  The one predicate of harden,
 * the map and assess.  why (may be NULL) gets one newly allocated sentence
 * (g_free) per reason: "public IP pip-web-1 (20.50.10.11) on ipconfig1",
 * "behind public load balancer lb (rule http, frontend fe 20.0.0.10)". */
bool nsg_path_nic_facing(const struct nsg_topology *t,
                         const struct nsg_nic *nic, GPtrArray *why);

/* ---- routes (path_route.c) --------------------------------------------- */
enum nsg_nexthop {
    NSG_NH_VNETLOCAL,  /* "VnetLocal" */
    NSG_NH_PEERING,    /* "VNetPeering" (system routes only) */
    NSG_NH_INTERNET,   /* "Internet" */
    NSG_NH_NONE,       /* "None": dropped */
    NSG_NH_APPLIANCE,  /* "VirtualAppliance" */
    NSG_NH_GATEWAY,    /* "VirtualNetworkGateway" */
    NSG_NH_OTHER,      /* a next hop type nsgproof does not know */
};
/* The ARM name of a next hop type ("VnetLocal", "VNetPeering", ...). */
const char *nsg_nexthop_name(enum nsg_nexthop h);

/* One route of a subnet's effective route table. */
struct nsg_proute {
    struct nsg_cidr prefix;
    enum nsg_nexthop hop;
    bool user;                      /* a user-defined route */
    bool has_ip;
    struct nsg_ip ip;               /* next hop IP (VirtualAppliance) */
    const char *name;               /* the UDR's name, NULL for system */
    const char *table_id;           /* its route table, NULL for system */
    const char *type_text;          /* NSG_NH_OTHER: the type as written */
    const char *tag;                /* the service tag it came from */
    const struct nsg_peering *peering; /* NSG_NH_PEERING */
    const struct nsg_vnet *peer_vnet;  /* NSG_NH_PEERING, NULL if missing */
};

/* The effective routes of a subnet, longest prefix first (for equal
 * prefixes the user-defined route first), and the route Azure picks for a
 * destination (NULL: no route, the packet is dropped). */
const struct nsg_proute *nsg_pnet_routes(const struct nsg_pnet *n,
                                         const struct nsg_subnet *s,
                                         size_t *count);
const struct nsg_proute *nsg_pnet_route(const struct nsg_pnet *n,
                                        const struct nsg_subnet *s,
                                        const struct nsg_ip *dst);
/* Route prefixes naming a service tag the corpus does not know make the
 * subnet's table incomplete: the tag's name, or NULL. */
const char *nsg_pnet_unknown_route_tag(const struct nsg_pnet *n,
                                       const struct nsg_subnet *s);

/* ---- origins: where a source address sends from (path_origin.c) --------- */
enum nsg_origin_kind {
    NSG_ORIGIN_NIC,      /* an ip configuration of a NIC of the corpus */
    NSG_ORIGIN_HOST,     /* an address of a subnet no NIC of the corpus
                            holds (its subnet NSG applies) */
    NSG_ORIGIN_INTERNET, /* a public address outside the corpus */
    NSG_ORIGIN_PLATFORM, /* the host: 168.63.129.16 (health probes) */
    NSG_ORIGIN_ONPREM,   /* a private address outside every virtual network
                            of the corpus: on-premises, via a gateway */
    NSG_ORIGIN_PEER,     /* the space of a peered virtual network that is
                            not in the corpus */
    NSG_ORIGIN_NONE,     /* cannot send: no subnet holds the address, or it
                            is not a valid source */
};
const char *nsg_origin_kind_name(enum nsg_origin_kind k);

struct nsg_origin {
    enum nsg_origin_kind kind;
    const struct nsg_nic *nic;          /* NIC */
    const struct nsg_ipconfig *ic;      /* NIC */
    const struct nsg_subnet *subnet;    /* NIC, HOST */
    const struct nsg_vnet *vnet;        /* NIC, HOST, PEER (entered) */
    const struct nsg_peering *peering;  /* PEER */
    struct nsg_addrset addrs;           /* its source addresses (owned) */
    const char *why;                    /* NONE: why (static text) */
};
struct nsg_origins {
    struct nsg_origin *o;
    size_t n;
};
#define NSG_ORIGINS_INIT {NULL, 0}
void nsg_origins_release(struct nsg_origins *os);
/* Split a set of source addresses by where they send from.  An address
 * held by NICs of several virtual networks (overlapping spaces) gives one
 * origin per ip configuration. */
void nsg_pnet_origins(const struct nsg_pnet *n, const struct nsg_addrset *src,
                      struct nsg_origins *out);
/* The origins of one NIC: one per ip configuration with an address in
 * addrs (NULL: every address of the NIC). */
void nsg_pnet_nic_origins(const struct nsg_pnet *n, const struct nsg_nic *nic,
                          const struct nsg_addrset *addrs,
                          struct nsg_origins *out);

/* ---- paths (path_walk.c) ------------------------------------------------ */
/* The packet as the NSGs of a hop see it: fields replaced by translation
 * (DNAT by a public IP or a load balancer, SNAT by a public IP). */
enum { NSG_PV_SRC = 1, NSG_PV_DST = 2, NSG_PV_DPORT = 4 };
struct nsg_pview {
    unsigned set; /* NSG_PV_* bits */
    struct nsg_ip src, dst;
    uint16_t dport;
};
/* Apply a view to a packet. */
void nsg_pview_apply(const struct nsg_pview *v, struct nsg_packet *p);

/* Where NSGs decide: both levels of a NIC, or (an address no NIC of the
 * corpus holds) the subnet's NSG alone. */
struct nsg_peval {
    const struct nsg_nic *nic;       /* or NULL and: */
    const struct nsg_subnet *subnet; /* the subnet level alone */
    enum nsg_dir dir;
    struct nsg_pview view;
};

enum nsg_phop_kind {
    NSG_PHOP_SUBNET,    /* leaving or entering a subnet (a NIC in it) */
    NSG_PHOP_PEERING,   /* crossing a virtual network peering */
    NSG_PHOP_LB,        /* a load-balancing rule: frontend -> backend */
    NSG_PHOP_NAT_RULE,  /* an inbound NAT rule: frontend port -> backend */
    NSG_PHOP_APPLIANCE, /* a forwarding NIC, a firewall, a gateway... */
    NSG_PHOP_GATEWAY,   /* a virtual network gateway */
    NSG_PHOP_INTERNET,  /* the Internet (public IP, SNAT) */
    NSG_PHOP_PLATFORM,  /* the Azure host (168.63.129.16, 169.254.169.254) */
};
/* "subnet", "peering", "lb", "nat-rule", "appliance", "gateway",
 * "internet", "platform" */
const char *nsg_phop_kind_name(enum nsg_phop_kind k);

struct nsg_phop {
    enum nsg_phop_kind kind;
    char *resource; /* owned: id of the resource, or NULL */
    char *name;     /* owned: its display name, or NULL */
    struct nsg_peval eval[2]; /* NSG levels decided at this hop */
    size_t n_eval;
    const struct nsg_proute *route; /* the route that sends the packet on
                                       from here, or NULL */
    char *detail; /* owned: "frontend 20.0.0.1:50001 -> 10.0.0.4:22", ... */
};

/* How a path ends. */
enum nsg_pend {
    NSG_PEND_NIC,      /* delivered to a NIC of the corpus */
    NSG_PEND_HOST,     /* to an address of a subnet no NIC of the corpus
                          holds (its subnet NSG decided) */
    NSG_PEND_INTERNET, /* leaves to the Internet */
    NSG_PEND_PLATFORM, /* to the Azure host (DNS, metadata, ...) */
    NSG_PEND_OUTSIDE,  /* into a peered virtual network outside the corpus */
    NSG_PEND_DROP,     /* dropped (no route, next hop None, ...) */
    NSG_PEND_OPEN,     /* where it goes is not modelled (unknown) */
};
const char *nsg_pend_name(enum nsg_pend e);

/* The packets a path carries, besides its addresses: for a load balancer
 * the rule's protocol and port.  Empty: every packet. */
struct nsg_psvc_item {
    int proto; /* NSG_PROTO_ANY or a number */
    uint16_t lo, hi;
};
struct nsg_psvc {
    struct nsg_psvc_item *items; /* any of these ... */
    size_t n;
    bool negate; /* ... or (negate) none of them */
};
bool nsg_psvc_match(const struct nsg_psvc *s, const struct nsg_packet *p);

struct nsg_path {
    struct nsg_phop *hops;
    size_t n_hops;
    enum nsg_pend end;
    bool unknown;   /* the path passes something not modelled (a
                       gateway, an appliance outside the corpus): "not
                       verified"; end says what is known of its end */
    const struct nsg_nic *dst_nic;       /* NIC */
    const struct nsg_ipconfig *dst_ic;   /* NIC */
    const struct nsg_subnet *dst_subnet; /* NIC, HOST */
    struct nsg_pview delivered; /* the packet as it arrives (NIC/HOST) */
    struct nsg_psvc svc;
    char *reason; /* owned: why it drops / is unknown, or NULL */
    char *note;   /* owned: what the answer assumes, or NULL */
    char *missing; /* owned: id of a resource the path needs that is not
                      in the corpus (the answer is an input error) */
    /* NSG_PEND_OPEN through an appliance that proxies (application
     * gateway, bastion, firewall DNAT): the NIC addresses and the
     * services it may reach */
    struct nsg_addrset reach;
    struct nsg_psvc reach_svc;
};
void nsg_path_release(struct nsg_path *p);
/* A deep copy (dst is overwritten). */
void nsg_path_copy(struct nsg_path *dst, const struct nsg_path *src);

struct nsg_paths {
    struct nsg_path *p;
    size_t n;
};
#define NSG_PATHS_INIT {NULL, 0}
void nsg_paths_release(struct nsg_paths *ps);

/* Every path a packet from origin o to dst can take (one per load
 * balancer rule and backend; the service condition of each path says
 * which packets it carries).  A NIC sending to its own address has no
 * path (nothing is added). */
void nsg_pnet_walk(const struct nsg_pnet *n, const struct nsg_origin *o,
                   const struct nsg_ip *dst, struct nsg_paths *out);
/* The paths of one concrete packet (walk, then keep the paths whose
 * service condition holds for p). */
void nsg_pnet_trace(const struct nsg_pnet *n, const struct nsg_origin *o,
                    const struct nsg_packet *p, struct nsg_paths *out);
/* A text key of a path: equal keys, equal paths (same hops, evaluation
 * points, translations, end).  Caller frees. */
char *nsg_path_key(const struct nsg_path *p);

/* ---- classes: every path for a set of destinations (path_class.c) ------ */
/* The destinations of one origin that take one path. */
struct nsg_pclass {
    struct nsg_addrset dst; /* destination addresses (as sent) */
    struct nsg_path path;
};
struct nsg_pclasses {
    struct nsg_pclass *c;
    size_t n;
};
#define NSG_PCLASSES_INIT {NULL, 0}
void nsg_pclasses_release(struct nsg_pclasses *cs);
/* Split dst into ranges on which every routing decision is constant, walk
 * one address of each and group them by path.  Appends to out. */
void nsg_pnet_classes(const struct nsg_pnet *n, const struct nsg_origin *o,
                      const struct nsg_addrset *dst, struct nsg_pclasses *out);

/* ---- addresses the corpus answers for (path_net.c) --------------------- */
/* The addresses that reach a NIC through a translation, added to out:
 * public (its ip configurations' public IPs, public load balancer
 * frontends whose rules or NAT rules lead to it), or private (frontends of
 * internal load balancers that do). */
void nsg_pnet_nic_entry_addrs(const struct nsg_pnet *n,
                              const struct nsg_nic *nic, bool public,
                              struct nsg_addrset *out);
/* The public IPs of appliances (application gateway, bastion, firewall)
 * that may lead to the NIC (not verified), added to out. */
void nsg_pnet_nic_appliance_addrs(const struct nsg_pnet *n,
                                  const struct nsg_nic *nic,
                                  struct nsg_addrset *out);
/* Every address of the corpus that a destination set may reach through a
 * translation: public IPs and frontends whose backends hold an address of
 * dst, added to out. */
void nsg_pnet_translated_addrs(const struct nsg_pnet *n,
                               const struct nsg_addrset *dst,
                               struct nsg_addrset *out);

/* ---- concrete evaluation (path_eval.c) --------------------------------- */
/* One evaluation point's verdict for a concrete packet. */
struct nsg_pverdict {
    const struct nsg_peval *at;
    struct nsg_packet pkt; /* as these NSGs saw it */
    struct nsg_verdict v;  /* rules borrowed from the simulator */
};
struct nsg_ptrace {
    const struct nsg_path *path;         /* borrowed */
    struct nsg_pverdict *v;              /* one per evaluation point */
    size_t n;
    enum nsg_decision decision; /* Allow when every point allows */
};
void nsg_ptrace_release(struct nsg_ptrace *t);
/* Evaluate every NSG level on path for packet p (as sent) with the
 * simulator (a session over n's topology).  An unresolvable tag gives decision Unknown at that point. */
nsg_rc nsg_pnet_eval(const struct nsg_pnet *n, struct nsg_sim *sim,
                     const struct nsg_path *path, const struct nsg_packet *p,
                     struct nsg_ptrace *out, struct nsg_err *err) NSG_WUR;

/* ---- JSON (path_json.c) ------------------------------------------------- */
/* The hops of a path as the JSON array of docs/path.md; t (may be NULL)
 * adds each hop's NSG levels and decisions. */
cJSON *nsg_path_hops_json(const struct nsg_path *p, const struct nsg_ptrace *t);
/* One NSG level's decision as JSON {"nic", ["subnet",] "direction",
 * "level", "nsg", "rule", "priority", "decision"} (nic NULL: an address
 * no NIC holds, decided by the subnet's NSG alone). */
cJSON *nsg_plevel_json(const char *nic, const char *subnet, enum nsg_dir dir,
                       const struct nsg_level *l);
/* The decisions of one evaluation point appended to array a: a stage that
 * decided before the NSGs (traffic the VNet drops or platform traffic:
 * level "platform" with "platform" the class; a security admin Deny or
 * AlwaysAllow: level "admin" with "configuration", "rule", "priority",
 * "access"), else an admin Allow that handed the packet on (level "admin")
 * and each NSG level as nsg_plevel_json. */
void nsg_pverdict_json(cJSON *a, const char *nic, const char *subnet,
                       enum nsg_dir dir, const struct nsg_verdict *v);
/* A route as JSON {"prefix", "next_hop_type", "next_hop_ip", "source",
 * "name", "route_table"}. */
cJSON *nsg_proute_json(const struct nsg_proute *r);

#endif
