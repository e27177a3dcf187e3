/* topo_build.h - helpers for tests and benchmarks that build network
 * models in C: virtual networks, subnets, NICs, NSGs with rules written as
 * text, service tags.  Everything returned is owned by the topology.
 * Lists are comma-separated strings.  Ids are synthesized as
 * /subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/
 * providers/Microsoft.Network/<type>/<name>.  Call nsg_topo_link() (or
 * tb_link) when done.  A malformed argument aborts: these are fixtures. */
#ifndef TOPO_BUILD_H
#define TOPO_BUILD_H

#include "../../sim/sim.h"

/* Resource id of a top-level Microsoft.Network resource (caller frees).
 * type: "networkSecurityGroups", "virtualNetworks", "networkInterfaces",
 * "applicationSecurityGroups", "routeTables". */
char *tb_id(const char *type, const char *name);
/* Split a comma-separated list, items trimmed, empty ones dropped ("" or
 * NULL: none); free with g_strfreev. */
char **tb_split(const char *list, size_t *n);

struct nsg_vnet *tb_vnet(struct nsg_topology *t, const char *name,
                         const char *spaces);
/* A peering with remoteAddressSpace `spaces`, peeringState `state`. */
void tb_peering(struct nsg_vnet *v, const char *spaces, const char *state,
                bool allow_vnet_access);
/* A subnet of v; nsg may be NULL. */
struct nsg_subnet *tb_subnet(struct nsg_topology *t, struct nsg_vnet *v,
                             const char *name, const char *prefix,
                             const struct nsg_nsg *nsg);
/* A route table with routes "prefix" or "Tag" (tag routes are flagged
 * prefix_is_tag), attached to subnet s when s is not NULL. */
struct nsg_route_table *tb_route_table(struct nsg_topology *t,
                                       const char *name, const char *routes,
                                       struct nsg_subnet *s);
/* A NIC with one primary ip configuration in subnet s (may be NULL) with
 * address ip and the ASGs named in asgs (names, "" for none); nsg may be
 * NULL. */
struct nsg_nic *tb_nic(struct nsg_topology *t, const char *name,
                       struct nsg_subnet *s, const char *ip, const char *asgs,
                       const struct nsg_nsg *nsg);
/* Another (secondary) ip configuration. */
void tb_nic_ipconfig(struct nsg_nic *nic, struct nsg_subnet *s, const char *ip,
                     const char *asgs);
/* An ASG resource (membership comes from NIC ip configurations). */
struct nsg_asg *tb_asg(struct nsg_topology *t, const char *name);
/* An NSG with the six default rules. */
struct nsg_nsg *tb_nsg(struct nsg_topology *t, const char *name);
/* Add a user rule (inserted before the default rules).  dir "in"/"out",
 * access "allow"/"deny", proto as ARM ("Tcp", "*", ...).  Address lists
 * hold "*", CIDRs, single IPs, tags, or "asg:NAME"; port lists "*", "22",
 * "1000-2000".  Returns the rule (valid until the next tb_rule). */
struct nsg_rule *tb_rule(struct nsg_nsg *n, const char *name, int priority,
                         const char *dir, const char *access,
                         const char *proto, const char *src,
                         const char *sports, const char *dst,
                         const char *dports);
/* A service tag with prefixes `prefixes`. */
void tb_tag(struct nsg_topology *t, const char *name, const char *prefixes);
/* ---- paths ---------------------------------------------------------- */
/* A peering of `from` to `to` (its id and address space), peeringState
 * `state`; allowVirtualNetworkAccess `access`. */
struct nsg_peering *tb_peer(struct nsg_vnet *from, const struct nsg_vnet *to,
                            const char *state, bool access);
/* A route of rt: prefix (or tag), nextHopType, next hop IP (may be NULL). */
void tb_route(struct nsg_route_table *rt, const char *prefix,
              const char *type, const char *ip);
/* A public IP (sku "Standard", "Basic" or NULL), attached to the first ip
 * configuration of nic when nic is not NULL. */
struct nsg_pip *tb_pip(struct nsg_topology *t, const char *name,
                       const char *ip, struct nsg_nic *nic, const char *sku);
/* A load balancer (sku may be NULL) with one frontend: public IP pip, or
 * (pip NULL) private address ip in subnet s. */
struct nsg_lb *tb_lb(struct nsg_topology *t, const char *name,
                     const char *sku, const struct nsg_pip *pip,
                     const char *ip, const struct nsg_subnet *s);
/* A backend pool of lb holding the first ip configuration of each NIC
 * (NULL-terminated). */
void tb_lb_pool(struct nsg_lb *lb, const char *name, ...);
/* A load-balancing rule on lb's frontend to pool `pool` (proto "Tcp",
 * "Udp", "All"); frontend 0 and backend 0 with "All": HA ports. */
void tb_lb_rule(struct nsg_lb *lb, const char *name, const char *pool,
                const char *proto, int fport, int bport, bool floating);
/* An inbound NAT rule on lb's frontend to nic's first ip configuration. */
void tb_lb_nat(struct nsg_lb *lb, const char *name, const struct nsg_nic *nic,
               const char *proto, int fport, int bport);
/* An outbound rule on lb's frontend for pool `pool`. */
void tb_lb_outbound(struct nsg_lb *lb, const char *pool);
/* A NAT gateway with public IP pip on subnet s. */
struct nsg_natgw *tb_natgw(struct nsg_topology *t, const char *name,
                           const struct nsg_pip *pip, struct nsg_subnet *s);

/* nsg_topo_link(t). */
void tb_link(struct nsg_topology *t);

/* A packet from text (aborts on bad text). */
struct nsg_packet tb_packet(const char *dir, const char *proto,
                            const char *src, int sport, const char *dst,
                            int dport);

#endif

/* ---- Virtual Network Manager (topo_build_admin.c) ------------------------
 * Ids: networkManagers/{manager}/securityAdminConfigurations/{config}/
 * ruleCollections/{collection}/rules/{rule}, networkManagers/{manager}/
 * networkGroups/{group}. */
struct nsg_admin_config *tb_admin_config(struct nsg_topology *t,
                                         const char *manager,
                                         const char *name);
/* A rule collection targeting the comma-separated network group names. */
struct nsg_admin_collection *tb_admin_collection(struct nsg_topology *t,
                                                 struct nsg_admin_config *c,
                                                 const char *name,
                                                 const char *groups);
/* access "allow", "deny" or "alwaysallow"; the rest as tb_rule. */
struct nsg_admin_rule *tb_admin_rule(struct nsg_topology *t,
                                     struct nsg_admin_collection *c,
                                     const char *name, int priority,
                                     const char *dir, const char *access,
                                     const char *proto, const char *src,
                                     const char *sports, const char *dst,
                                     const char *dports);
struct nsg_network_group *tb_network_group(struct nsg_topology *t,
                                           const char *manager,
                                           const char *name);
void tb_static_member(struct nsg_topology *t, struct nsg_network_group *g,
                      const struct nsg_vnet *v);
/* The deployment status of a manager's region: status "Deployed", ...;
 * configs: comma-separated configuration names of that manager. */
void tb_admin_deployment(struct nsg_topology *t, const char *manager,
                         const char *region, const char *status,
                         const char *configs);
/* An Azure Policy definition adding members to group g dynamically. */
void tb_group_policy(struct nsg_topology *t, const char *name,
                     const struct nsg_network_group *g);
/* The effective admin rules of v: copies of the given rules. */
void tb_admin_effective(struct nsg_topology *t, const struct nsg_vnet *v,
                        const struct nsg_admin_rule *const *rules, size_t n);
