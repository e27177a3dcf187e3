/* map_int.h - internal to map/: the analysed network (NICs, their
 * addresses, NSG levels and traffic sides) shared by the assessment, the
 * traffic computation and the document builder.  Not a public header. */
#ifndef NSG_MAP_INT_H
#define NSG_MAP_INT_H

#include "../path/path.h"
#include "map.h"

/* One part of a side: a set of remote addresses that all get the same
 * answer, for every protocol and port.  Parts of a side are disjoint;
 * remote addresses in no part are denied everything. */
struct nsg_map_part {
    struct nsg_addrset set;
    struct nsg_map_region allow;   /* allowed through every NSG level */
    struct nsg_map_region unknown; /* depends on a tag the corpus lacks */
};

/* The traffic one NIC address may receive (inbound: remote = source) or
 * send (outbound: remote = destination), shared by every address of the
 * same class (same NSG levels, same rules matching the local address). */
struct nsg_map_side {
    struct nsg_map_part *p;
    size_t n;
    const char *tag; /* an unknown tag it depends on (borrowed), or NULL */
};
/* Index of the part holding ip, or -1 (denied everything). */
long nsg_map_side_find(const struct nsg_map_side *s, const struct nsg_ip *ip);

/* One address of a NIC (an ip configuration with a private address). */
struct nsg_map_addr {
    size_t nic;                        /* index into net->nics */
    const struct nsg_ipconfig *ic;
    struct nsg_ip ip;
    const struct nsg_subnet *subnet;   /* of this ip configuration */
    const struct nsg_vnet *vnet;
    const struct nsg_map_side *side[2]; /* [NSG_DIR_IN], [NSG_DIR_OUT];
                                           NULL when the NIC has an error */
    const struct nsg_map_side *side_nsgs; /* inbound without the security
                                             admin stage: what the NSGs
                                             admit (restrict-all-ports) */
    const struct nsg_addrset *internet; /* the Internet tag in its vnet */
};

struct nsg_map_nic {
    const struct nsg_nic *nic;
    const struct nsg_vm *vm;          /* may be NULL */
    const struct nsg_subnet *subnet;  /* of the primary configuration */
    const struct nsg_vnet *vnet;
    const struct nsg_nsg *nsg_subnet, *nsg_nic; /* the two levels (NULL:
                                                   no NSG at that level) */
    bool has_nsg;         /* some level names an NSG (even a missing one) */
    bool facing;
    GPtrArray *why;       /* char *: why it is internet-facing */
    char *error;          /* why its traffic cannot be computed, or NULL */
    size_t first_addr, n_addrs;
};

struct nsg_map_net {
    const struct nsg_topology *t;
    struct nsg_sim *sim;
    int *named; /* protocol numbers named by rules, sorted */
    size_t n_named;
    struct nsg_map_nic *nics; /* sorted by lower-case id */
    size_t n_nics;
    struct nsg_map_addr *addrs;
    size_t n_addrs;
    GHashTable *sides;    /* class key (char *) -> struct nsg_map_side * */
    GHashTable *ctxs;     /* vnet (or NULL key sentinel) -> struct nsg_ctx * */
    GHashTable *nic_of;   /* const struct nsg_nic * -> index + 1 */
};

/* The NIC record of a model NIC, or NULL. */
const struct nsg_map_nic *nsg_map_net_nic(const struct nsg_map_net *n,
                                          const struct nsg_nic *nic);
/* The public Internet of a virtual network's context (vnet may be NULL):
 * its Internet tag without the Azure host (nsg_sem_without_azure_host). */
const struct nsg_addrset *nsg_map_net_internet(struct nsg_map_net *n,
                                               const struct nsg_vnet *vnet);
/* Compute (or find) the side of an address in direction dir (map_side.c),
 * through every stage, or (admin false) without the security admin stage:
 * what the NSGs alone admit.  Owned by n. */
nsg_rc nsg_map_side_get(struct nsg_map_net *n, struct nsg_map_addr *a,
                        enum nsg_dir dir, bool admin,
                        const struct nsg_map_side **out,
                        struct nsg_err *err) NSG_WUR;
void nsg_map_side_free(void *side);

/* Is the region every packet Azure carries (every class named, and other,
 * whole; GRE and IP-in-IP, which the virtual network drops, aside)? */
bool nsg_map_region_is_all(const struct nsg_map_region *r, const int *named,
                          size_t n_named);
/* Canonical region of any boxes (map_region.c). */
void nsg_map_region_from_boxes(const struct nsg_map_box *boxes, size_t n,
                               struct nsg_map_region *out);

/* Address-set helpers (map_net.c): intersection, and whether two sets
 * meet / a is inside b. */
void nsg_map_addrset_and(struct nsg_addrset *dst, const struct nsg_addrset *a,
                         const struct nsg_addrset *b);
bool nsg_map_addrset_meets(const struct nsg_addrset *a,
                           const struct nsg_addrset *b);
bool nsg_map_addrset_within(const struct nsg_addrset *a,
                            const struct nsg_addrset *b);
/* Append the set as CIDR strings to a JSON array / as text ("a, b +N"). */
void nsg_map_addrset_json(const struct nsg_addrset *s, cJSON *arr);
void nsg_map_addrset_text(const struct nsg_addrset *s, size_t max,
                          struct nsg_buf *out);

/* Case-insensitive id equality (NULL never equal). */
bool nsg_map_same_id(const char *a, const char *b);
/* Can traffic route between the two virtual networks (same, or a
 * connected peering that allows virtual network access)? */
bool nsg_map_vnets_route(const struct nsg_topology *t,
                         const struct nsg_vnet *a, const struct nsg_vnet *b);

/* Traffic entries, for the document builder (map_traffic.c). */
enum nsg_map_gkind {
    NSG_MAP_G_NIC,      /* one NIC (all its addresses of the family) */
    NSG_MAP_G_SUBNET,   /* every NIC of a subnet */
    NSG_MAP_G_ASG,      /* every NIC of an application security group */
    NSG_MAP_G_INTERNET, /* the whole Internet tag of the context */
    NSG_MAP_G_BLOCK,    /* an address block (CIDRs) */
};
struct nsg_map_group {
    enum nsg_map_gkind kind;
    const void *res;         /* nic index + 1 (as pointer-size int) /
                                subnet / asg; NULL for blocks */
    struct nsg_addrset set;  /* the addresses it stands for */
    char *label;
};
struct nsg_map_entry {
    size_t nic;        /* the NIC whose traffic it is */
    size_t local;      /* its address (index into net->addrs) */
    enum nsg_dir dir;  /* inbound: group -> nic; outbound: nic -> group */
    size_t group;      /* index into groups */
    struct nsg_map_region allow, unknown;
    const char *tag;   /* the unknown tag, when unknown is not empty */
    uint64_t flows;    /* observed flow tuples */
    GArray *seen_ports; /* uint32 (proto << 16 | dport) observed, <= 32 */
};
struct nsg_map_traffic {
    struct nsg_map_net *net;
    GPtrArray *groups;  /* struct nsg_map_group * */
    GHashTable *gindex; /* key text -> group index + 1 */
    GArray *entries;    /* struct nsg_map_entry */
    GArray **by_nic[2]; /* per NIC and direction: indexes into entries */
    uint64_t flows_total, flows_allowed, flows_matched, flows_denied;
    cJSON *unmatched;   /* allowed flows no entry explains (first 50) */
};

/* The assessment (map_assess.c; coverage in map_cover.c). */
struct nsg_map_nic_assess {
    bool exposed;                 /* admits traffic from an Internet address */
    struct nsg_map_region exposed_ports; /* what it admits from there */
    enum nsg_map_cover cover;
};
struct nsg_map_assessment {
    struct nsg_map_net *net;
    GArray *findings;          /* struct nsg_map_finding */
    GPtrArray *undetermined;   /* char * */
    bool high_undetermined;
    struct nsg_map_nic_assess *nics; /* parallel to net->nics */
    GHashTable *cover;         /* subnet / vnet / nsg -> cover + 1 */
    size_t n_flowlogs;         /* flow-log resources in the corpus */
    cJSON *not_evaluated;      /* [{recommendation, reason}] */
};
/* A NIC's internet-facing and exposure facts into o (the assessment's
 * JSON: exposed ports as a region; the map's: as text). */
void nsg_map_nic_facts_json(const struct nsg_map_assessment *a, size_t i,
                            cJSON *o, bool ports_text);
/* Fill the coverage of every NIC, subnet, vnet and NSG and add the
 * flow-log findings (map_cover.c). */
void nsg_map_cover_assess(struct nsg_map_assessment *a);
/* Add a finding (message and details owned by the assessment). */
void nsg_map_add_finding(struct nsg_map_assessment *a, enum nsg_map_rec rec,
                         enum nsg_res_type type, const void *res,
                         char *message, cJSON *details);

#endif
