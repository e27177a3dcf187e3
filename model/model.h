/* model.h - the in-memory model of an Azure network: NSGs and their rules,
 * virtual networks, subnets, NICs, public IPs, VMs, ASGs, route tables and
 * service tags.  The ARM decoder (model_arm.h) builds it from the
 * normalized JSON the importer writes and the corpus stores; the simulator
 * and the solver read it.  Ids are kept as written; lookups are
 * case-insensitive (Azure ids are). */
#ifndef NSG_MODEL_H
#define NSG_MODEL_H

#include <glib.h>

#include "../common/nsg.h"

enum nsg_dir { NSG_DIR_IN = 0, NSG_DIR_OUT = 1 };
enum nsg_access { NSG_ALLOW = 0, NSG_DENY = 1 };

/* "Inbound" / "Outbound" and "Allow" / "Deny", as ARM writes them. */
const char *nsg_dir_name(enum nsg_dir d);
const char *nsg_access_name(enum nsg_access a);

/* One address of a rule as written: "*", a CIDR or single IP, or a tag. */
enum nsg_addr_kind { NSG_ADDR_ANY, NSG_ADDR_CIDR, NSG_ADDR_TAG };
struct nsg_addr_item {
    enum nsg_addr_kind kind;
    struct nsg_cidr cidr; /* NSG_ADDR_CIDR */
    char *text;           /* as written (tag name for NSG_ADDR_TAG) */
    bool plural;          /* from the plural field (...AddressPrefixes) */
};

/* A security rule with every ARM field, singular and plural merged.  A side
 * matches when any address item or any ASG of that side matches; an empty
 * side (no items, no ASGs) never occurs after import ("*" is an item). */
struct nsg_rule {
    char *id;   /* may be NULL */
    char *name; /* as written in the NSG, no UserRule_ prefix */
    char *description;
    int priority;
    enum nsg_dir dir;
    enum nsg_access access;
    int proto; /* NSG_PROTO_ANY or an IANA protocol number */
    struct nsg_addr_item *src, *dst;
    size_t n_src, n_dst;
    char **src_asgs, **dst_asgs; /* ASG resource ids */
    size_t n_src_asgs, n_dst_asgs;
    struct nsg_portrange *sports, *dports; /* never empty ("*" = 0-65535) */
    size_t n_sports, n_dports;
    bool is_default; /* one of the six default rules */
};

struct nsg_nsg {
    char *id, *name, *location, *etag;
    char *guid;            /* properties.resourceGuid (VNet flow logs) */
    int64_t captured_at;   /* unix seconds of this version, 0 if unknown */
    struct nsg_rule *rules; /* user rules then default rules */
    size_t n_rules;
    char **nic_ids, **subnet_ids; /* associations listed by the NSG */
    size_t n_nic_ids, n_subnet_ids;
};

struct nsg_peering {
    char *name;
    char *remote_vnet_id;
    struct nsg_cidr *remote_space; /* remoteAddressSpace.addressPrefixes */
    size_t n_remote_space;
    char *state;             /* peeringState: "Connected", ... */
    bool allow_vnet_access;  /* allowVirtualNetworkAccess (default true) */
    bool allow_forwarded;    /* allowForwardedTraffic (default false) */
    bool allow_gateway_transit; /* allowGatewayTransit (default false) */
    bool use_remote_gateways;   /* useRemoteGateways (default false) */
};

struct nsg_vnet {
    char *id, *name, *location;
    struct nsg_cidr *space; /* addressSpace.addressPrefixes */
    size_t n_space;
    struct nsg_peering *peerings;
    size_t n_peerings;
    char **subnet_ids;
    size_t n_subnet_ids;
};

struct nsg_subnet {
    char *id, *name;
    char *vnet_id; /* derived from the id when not given */
    struct nsg_cidr *prefixes;
    size_t n_prefixes;
    char *nsg_id;         /* may be NULL */
    char *route_table_id; /* may be NULL */
    char *nat_gateway_id; /* natGateway, may be NULL */
    bool private_subnet;  /* defaultOutboundAccess false: no default
                             outbound access */
    char *pe_policies;    /* privateEndpointNetworkPolicies, NULL absent */
};

struct nsg_ipconfig {
    char *id, *name;
    bool has_ip;
    struct nsg_ip ip; /* privateIPAddress */
    char *subnet_id;
    char *public_ip_id;
    char **asg_ids;
    size_t n_asg_ids;
    bool primary;
    /* loadBalancerBackendAddressPools / loadBalancerInboundNatRules ids */
    char **lb_pool_ids, **lb_nat_rule_ids;
    size_t n_lb_pool_ids, n_lb_nat_rule_ids;
};

struct nsg_nic {
    char *id, *name;
    char mac[13]; /* 12 upper-case hex digits, "" when unknown */
    char *nsg_id; /* may be NULL */
    char *vm_id;  /* may be NULL */
    char *private_endpoint_id; /* properties.privateEndpoint.id, or NULL */
    struct nsg_ipconfig *ipconfigs;
    size_t n_ipconfigs;
    bool ip_forwarding; /* enableIPForwarding (default false) */
};

struct nsg_pip {
    char *id, *name;
    bool has_ip;
    struct nsg_ip ip;
    char *ipconfig_id; /* the ip configuration using it (a NIC's, a load
                          balancer frontend's, an appliance's) */
    char *sku;         /* sku.name: "Basic", "Standard"; NULL unknown */
};

struct nsg_vm {
    char *id, *name;
    char **nic_ids;
    size_t n_nic_ids;
};

struct nsg_asg {
    char *id, *name;
};

struct nsg_route {
    char *name;
    struct nsg_cidr prefix;
    char *next_hop_type;
    bool prefix_is_tag; /* addressPrefix was a service tag: prefix unused */
    char *tag;          /* that tag's name */
    bool has_next_hop_ip;
    struct nsg_ip next_hop_ip; /* nextHopIpAddress (VirtualAppliance) */
};

struct nsg_route_table {
    char *id, *name;
    struct nsg_route *routes;
    size_t n_routes;
};

/* A load balancer: frontends, backend pools, load-balancing rules,
 * inbound NAT rules and outbound rules.  proto is NSG_PROTO_ANY for "All". */
struct nsg_lb_frontend {
    char *id, *name;
    bool has_ip;
    struct nsg_ip ip;   /* privateIPAddress (internal frontends) */
    char *subnet_id;    /* internal frontends */
    char *public_ip_id; /* public frontends */
};
struct nsg_lb_pool {
    char *id, *name;
    char **ipconfig_ids; /* backendIPConfigurations and the NICs' own
                            references, merged */
    size_t n_ipconfig_ids;
    struct nsg_ip *addrs; /* loadBalancerBackendAddresses[].ipAddress */
    size_t n_addrs;
};
struct nsg_lb_rule {
    char *id, *name;
    char *frontend_id;
    char **pool_ids; /* backendAddressPool and backendAddressPools */
    size_t n_pool_ids;
    int proto;
    uint16_t frontend_port, backend_port; /* 0 and 0: HA ports (All) */
    bool floating_ip;          /* enableFloatingIP */
    bool disable_outbound_snat; /* disableOutboundSnat */
};
struct nsg_lb_nat_rule {
    char *id, *name;
    char *frontend_id;
    int proto;
    uint16_t frontend_port, backend_port;
    bool floating_ip;
    char *ipconfig_id; /* backendIPConfiguration (a NIC ip configuration) */
    char *pool_id;     /* backendAddressPool (port range form) */
    uint16_t range_lo, range_hi; /* frontendPortRangeStart/End, 0 unset */
};
struct nsg_lb_outbound {
    char *name;
    char **frontend_ids;
    size_t n_frontend_ids;
    char *pool_id;
    int proto;
};
struct nsg_lb {
    char *id, *name;
    char *sku; /* sku.name: "Basic", "Standard", "Gateway"; NULL unknown */
    struct nsg_lb_frontend *frontends;
    struct nsg_lb_pool *pools;
    struct nsg_lb_rule *rules;
    struct nsg_lb_nat_rule *nat_rules;
    struct nsg_lb_outbound *outbound;
    size_t n_frontends, n_pools, n_rules, n_nat_rules, n_outbound;
};

/* A NAT gateway: its public IPs and the subnets using it. */
struct nsg_natgw {
    char *id, *name;
    char **pip_ids; /* publicIpAddresses (and publicIpAddressesV6) */
    size_t n_pip_ids;
    char **subnet_ids;
    size_t n_subnet_ids;
};

/* Azure Firewall, Application Gateway and Bastion: imported so that paths
 * through them are named (nsgproof does not evaluate their rules). */
enum nsg_appliance_kind {
    NSG_APPL_FIREWALL,
    NSG_APPL_APPGW,
    NSG_APPL_BASTION,
};
struct nsg_appl_ipconfig {
    bool has_ip;
    struct nsg_ip ip; /* privateIPAddress, when written */
    char *subnet_id;
    char *public_ip_id;
};
struct nsg_appliance {
    char *id, *name;
    enum nsg_appliance_kind kind;
    char *sku; /* sku.name (Bastion: Basic, Standard, ...) or tier */
    struct nsg_appl_ipconfig *ipconfigs; /* gateway/ip/frontend configs */
    size_t n_ipconfigs;
    /* Application Gateway backends: ip configurations, addresses, whether
     * some backend is a name (FQDN), and the backend ports */
    char **backend_ipconfig_ids;
    size_t n_backend_ipconfig_ids;
    struct nsg_ip *backend_ips;
    size_t n_backend_ips;
    bool backend_fqdn;
    uint16_t *backend_ports;
    size_t n_backend_ports;
};

/* A Network Watcher flow log (Microsoft.Network/networkWatchers/flowLogs):
 * which resource's traffic it records.  The target is an NSG (NSG flow
 * logs) or a virtual network, subnet or NIC (VNet flow logs). */
enum nsg_flowlog_state {
    NSG_FLOWLOG_ENABLED,
    NSG_FLOWLOG_DISABLED,
    NSG_FLOWLOG_STATE_UNKNOWN, /* "enabled" absent: not said */
};
struct nsg_flowlog {
    char *id, *name, *location;
    char *target_id; /* properties.targetResourceId (may be NULL) */
    enum nsg_flowlog_state state;
};

/* A service tag from a Service Tags file. */
struct nsg_service_tag {
    char *name; /* "Storage", "Storage.WestUS", ... */
    struct nsg_addrset set;
};

enum nsg_res_type {
    NSG_RES_NSG,
    NSG_RES_VNET,
    NSG_RES_SUBNET,
    NSG_RES_NIC,
    NSG_RES_PIP,
    NSG_RES_VM,
    NSG_RES_ASG,
    NSG_RES_ROUTE_TABLE,
    NSG_RES_LB,        /* struct nsg_lb */
    NSG_RES_NATGW,     /* struct nsg_natgw */
    NSG_RES_FIREWALL,  /* struct nsg_appliance */
    NSG_RES_APPGW,     /* struct nsg_appliance */
    NSG_RES_BASTION,   /* struct nsg_appliance */
    NSG_RES_FLOWLOG,   /* struct nsg_flowlog */
    /* Virtual Network Manager and Azure's own expansions (model_admin.h) */
    NSG_RES_ADMIN_CONFIG,
    NSG_RES_ADMIN_COLLECTION,
    NSG_RES_ADMIN_RULE,
    NSG_RES_NETWORK_GROUP,
    NSG_RES_STATIC_MEMBER,
    NSG_RES_ADMIN_DEPLOYMENT,
    NSG_RES_ADMIN_EFFECTIVE,
    NSG_RES_GROUP_POLICY,
    NSG_RES_TAG_EXPANSION,
    NSG_RES_TYPE_COUNT
};
/* "nsg", "vnet", "subnet", "nic", "publicip", "vm", "asg", "routetable",
 * "loadbalancer", "natgateway", "firewall", "appgateway", "bastion",
 * "flowlog", "adminconfig", "admincollection", "adminrule", "networkgroup",
 * "staticmember", "admindeployment", "admineffective", "grouppolicy",
 * "tagexpansion" */
const char *nsg_res_type_name(enum nsg_res_type t);

/* The whole network.  Owns every resource and string in it. */
struct nsg_topology {
    GPtrArray *res[NSG_RES_TYPE_COUNT]; /* struct nsg_<type> * each */
    GHashTable *by_id;     /* lower-case id -> struct nsg_res_ref * */
    GHashTable *tags;      /* lower-case tag name -> struct nsg_service_tag * */
    GPtrArray *warnings;   /* char *: missing references and the like */
};
/* One resource and its type; the member named after the type is the
 * typed view of ptr. */
struct nsg_res_ref {
    enum nsg_res_type type;
    union {
        void *ptr;
        struct nsg_nsg *nsg;
        struct nsg_vnet *vnet;
        struct nsg_subnet *subnet;
        struct nsg_nic *nic;
        struct nsg_pip *pip;
        struct nsg_vm *vm;
        struct nsg_asg *asg;
        struct nsg_route_table *route_table;
    };
};

#define NSG_TOPO_N(t, type) ((t)->res[type]->len)
#define NSG_TOPO_AT(t, type, i) ((t)->res[type]->pdata[i])

struct nsg_topology *nsg_topo_new(void);
void nsg_topo_free(struct nsg_topology *t); /* NULL-safe */

/* Add a resource (ownership moves to t).  A resource whose id is already
 * present replaces the older one (the older one is freed). */
void nsg_topo_add(struct nsg_topology *t, enum nsg_res_type type, void *res);
void nsg_topo_add_tag(struct nsg_topology *t, struct nsg_service_tag *tag);

/* Cross-link after adding: fill subnet->nsg_id from nsg->subnet_ids and
 * nic->nsg_id from nsg->nic_ids when the other side did not say, derive
 * vnet ids of subnets, and add a warning for each reference to a resource
 * that is not in the topology. Idempotent. */
void nsg_topo_link(struct nsg_topology *t);

/* Look up by id (any case); NULL when absent. */
void *nsg_topo_get(const struct nsg_topology *t, enum nsg_res_type type,
                   const char *id);
/* Find by full id or by name.  An unknown name is NSG_E_NOTFOUND; an
 * ambiguous name is NSG_E_INPUT with the candidates' ids in the message. */
nsg_rc nsg_topo_find(const struct nsg_topology *t, enum nsg_res_type type,
                     const char *name_or_id, void **out,
                     struct nsg_err *err) NSG_WUR;
const struct nsg_service_tag *nsg_topo_tag(const struct nsg_topology *t,
                                           const char *name);

/* Convenience navigation (NULL when unknown). */
struct nsg_vnet *nsg_topo_vnet_of_subnet(const struct nsg_topology *t,
                                         const struct nsg_subnet *s);
/* The subnet of a NIC (of its primary ip configuration, else the first). */
struct nsg_subnet *nsg_topo_subnet_of_nic(const struct nsg_topology *t,
                                          const struct nsg_nic *nic);
struct nsg_nic *nsg_topo_nic_by_mac(const struct nsg_topology *t,
                                    const char *mac /* any format */);
/* The virtual networks an NSG is applied in (through its subnets, those
 * it lists that t lacks included, and its NICs' subnets), each once,
 * appended to out (struct nsg_vnet *, borrowed from t). */
void nsg_topo_vnets_of_nsg(const struct nsg_topology *t,
                           const struct nsg_nsg *n, GPtrArray *out);
struct nsg_nsg *nsg_topo_nsg_by_guid(const struct nsg_topology *t,
                                     const char *guid);

/* Normalize a MAC ("00-0d-3a-..", "000D3A..", "00:0d:..") to 12 upper-case
 * hex digits.  Returns 0, or -1 when it is not a MAC. */
int nsg_mac_normalize(const char *in, char out[13]);

/* Parent id: ".../virtualNetworks/v/subnets/s" -> ".../virtualNetworks/v"
 * (newly allocated; NULL when there is no parent). */
char *nsg_id_parent(const char *id);
/* Last path segment (the resource name) of an id, newly allocated. */
char *nsg_id_name(const char *id);
/* True when s looks like an Azure resource id:
 * /subscriptions/{sub}/resourceGroups/{rg}/providers/{ns}/{type}/{name}... */
bool nsg_id_is_valid(const char *s);

/* Free functions for each resource (NULL-safe), used by nsg_topo_free and by
 * importers on error paths. */
void nsg_rule_release(struct nsg_rule *r);
void nsg_nsg_free(struct nsg_nsg *n);
void nsg_vnet_free(struct nsg_vnet *v);
void nsg_subnet_free(struct nsg_subnet *s);
void nsg_nic_free(struct nsg_nic *n);
void nsg_pip_free(struct nsg_pip *p);
void nsg_vm_free(struct nsg_vm *v);
void nsg_asg_free(struct nsg_asg *a);
void nsg_route_table_free(struct nsg_route_table *r);
void nsg_lb_free(struct nsg_lb *lb);
void nsg_natgw_free(struct nsg_natgw *g);
void nsg_appliance_free(struct nsg_appliance *a);
void nsg_flowlog_free(struct nsg_flowlog *f);
void nsg_service_tag_free(struct nsg_service_tag *t);
void nsg_res_free(enum nsg_res_type type, void *res);

/* The six default rules (Azure's table), appended to n->rules. */
void nsg_nsg_add_default_rules(struct nsg_nsg *n);

#include "model_admin.h"

#endif
