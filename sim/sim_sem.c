/* sim_sem.c - the evaluation decisions that Azure's documentation states
 * loosely or not at all, each in one place: platform traffic and its
 * service tags, what the virtual network drops, protocol "*" with ports,
 * the Internet tag's non-internet table, private endpoint policies and
 * the flow-log name cut.  docs/semantics.md lists each with its source
 * and confidence; the simulator and the solver both read these. */
#include <string.h>
#include <strings.h>

#include "sim.h"

#define IP4(a, b, c, d)                                                        \
    (((uint32_t)(a) << 24) | ((uint32_t)(b) << 16) | ((uint32_t)(c) << 8) |   \
     (uint32_t)(d))
#define WIRESERVER_IP IP4(168, 63, 129, 16)
#define IMDS_IP IP4(169, 254, 169, 254)
#define BROADCAST_IP IP4(255, 255, 255, 255)

/* P1-P5 (docs/semantics.md): the platform classes (NSG overview, "Azure platform
 * considerations"; "What is IP address 168.63.129.16"; KMS hosts from
 * "Troubleshoot Windows VM activation": azkms.core.windows.net and
 * kms.core.windows.net). */
static const struct nsg_platform_def defs[] = {
    {NSG_PLAT_DHCP, true, false, 68, {67, 0}, 1,
     {WIRESERVER_IP, BROADCAST_IP, 0}, 2, false},
    {NSG_PLAT_DNS, true, true, -1, {53, 0}, 1, {WIRESERVER_IP, 0, 0}, 1,
     false},
    {NSG_PLAT_WIRESERVER, false, true, -1, {80, 32526}, 2,
     {WIRESERVER_IP, 0, 0}, 1, false},
    {NSG_PLAT_IMDS, false, true, -1, {80, 0}, 1, {IMDS_IP, 0, 0}, 1, false},
    {NSG_PLAT_KMS, false, true, -1, {1688, 0}, 1,
     {IP4(20, 118, 99, 224), IP4(40, 83, 235, 53), IP4(23, 102, 135, 246)}, 3,
     true},
};
#define N_DEFS (sizeof(defs) / sizeof(defs[0]))

static const char *const names[NSG_PLAT_COUNT] = {
    "", "dhcp", "dns", "wireserver", "imds", "kms", "vnet-blocked"};
static const char *const tags[NSG_PLAT_COUNT] = {
    NULL, NULL, "AzurePlatformDNS", NULL, "AzurePlatformIMDS",
    "AzurePlatformLKM", NULL};

const char *nsg_platform_name(enum nsg_platform c)
{
    return c < NSG_PLAT_COUNT ? names[c] : "?";
}

const char *nsg_platform_tag(enum nsg_platform c)
{
    return c < NSG_PLAT_COUNT ? tags[c] : NULL;
}

const struct nsg_platform_def *nsg_platform_defs(size_t *n)
{
    *n = N_DEFS;
    return defs;
}

static bool def_matches(const struct nsg_platform_def *d,
                        const struct nsg_packet *p)
{
    bool ip = false, port = false;
    if (p->dir != NSG_DIR_OUT || p->dst.family != 4)
        return false;
    if (!((d->udp && p->proto == NSG_PROTO_UDP) ||
          (d->tcp && p->proto == NSG_PROTO_TCP)))
        return false;
    if (d->sport >= 0 && p->sport != d->sport)
        return false;
    for (size_t i = 0; i < d->n_dports; i++)
        port |= p->dport == d->dports[i];
    for (size_t i = 0; i < d->n_dst4; i++)
        ip |= (uint32_t)p->dst.v == d->dst4[i];
    return ip && port;
}

/* P6: the VNet drops GRE, IP-in-IP, multicast and broadcast (Virtual
 * Network FAQ), in both directions. */
bool nsg_platform_vnet_blocked(const struct nsg_packet *p)
{
    if (p->proto == NSG_PROTO_GRE || p->proto == NSG_PROTO_IPIP)
        return true;
    if (p->dst.family == 4)
        return ((uint32_t)p->dst.v >> 28) == 0xE ||
               (uint32_t)p->dst.v == BROADCAST_IP;
    return (p->dst.v >> 120) == 0xFF; /* ff00::/8 */
}

enum nsg_platform nsg_platform_class(const struct nsg_packet *p, bool kms_on)
{
    if (def_matches(&defs[0], p))
        return NSG_PLAT_DHCP; /* before the broadcast drop */
    if (nsg_platform_vnet_blocked(p))
        return NSG_PLAT_VNET_BLOCKED;
    for (size_t i = 1; i < N_DEFS; i++)
        if ((!defs[i].kms || kms_on) && def_matches(&defs[i], p))
            return defs[i].cls;
    return NSG_PLAT_NONE;
}

/* P5: "For deployments using default route 0.0.0.0/0 configuration, this
 * platform rule is disabled" - any user-defined 0.0.0.0/0 route. */
bool nsg_platform_kms_on(const struct nsg_topology *t,
                         const struct nsg_subnet *s)
{
    const struct nsg_route_table *rt =
        s && t ? nsg_topo_get(t, NSG_RES_ROUTE_TABLE, s->route_table_id)
               : NULL;
    for (size_t i = 0; rt && i < rt->n_routes; i++) {
        const struct nsg_route *r = &rt->routes[i];
        if (!r->prefix_is_tag && r->prefix.family == 4 && r->prefix.len == 0)
            return false;
    }
    return true;
}

/* R2: protocol "*" with a port range narrower than 0-65535. */
static bool covers_all(const struct nsg_portrange *r, size_t n)
{
    unsigned next = 0; /* lowest port not yet covered */
    bool progress = true;
    while (progress && next <= 65535) {
        progress = false;
        for (size_t i = 0; i < n; i++)
            if (r[i].lo <= next && r[i].hi >= next) {
                next = (unsigned)r[i].hi + 1;
                progress = true;
            }
    }
    return next > 65535;
}

bool nsg_sem_any_with_ports_tcpudp_only(int proto,
                                         const struct nsg_portrange *sp,
                                         size_t n_sp,
                                         const struct nsg_portrange *dp,
                                         size_t n_dp)
{
    return proto == NSG_PROTO_ANY &&
           (!covers_all(sp, n_sp) || !covers_all(dp, n_dp));
}

/* T3: the only published full expansion of Internet (the REST reference's
 * security group view example) leaves these out. */
static const char *const not_internet_v4[] = {
    "0.0.0.0/8",   "10.0.0.0/8",      "25.0.0.0/8",     "100.64.0.0/10",
    "127.0.0.0/8", "169.254.0.0/16",  "172.16.0.0/12",  "192.0.2.0/24",
    "192.168.0.0/16", "198.18.0.0/15", "224.0.0.0/3"};

static void add_text(struct nsg_addrset *s, const char *cidr)
{
    struct nsg_cidr c;
    if (nsg_cidr_parse(cidr, &c) == 0)
        nsg_addrset_add_cidr(s, &c);
}

void nsg_sem_not_internet_v4(struct nsg_addrset *out)
{
    for (size_t i = 0; i < sizeof(not_internet_v4) / sizeof(*not_internet_v4);
         i++)
        add_text(out, not_internet_v4[i]);
}

void nsg_sem_internet(const struct nsg_vnet *v, struct nsg_addrset *out)
{
    struct nsg_addrset not = NSG_ADDRSET_INIT;
    nsg_addrset_add_all(out, 4);
    nsg_sem_not_internet_v4(&not);
    for (size_t i = 0; v && i < v->n_space; i++)
        nsg_addrset_add_cidr(&not, &v->space[i]);
    add_text(out, "2000::/3");
    nsg_addrset_subtract(out, &not);
    nsg_addrset_release(&not);
}

void nsg_sem_without_azure_host(struct nsg_addrset *set)
{
    struct nsg_addrset host = NSG_ADDRSET_INIT;
    add_text(&host, "168.63.129.16/32");
    nsg_addrset_subtract(set, &host);
    nsg_addrset_release(&host);
}

/* T4: the platform tags (service tags overview); they are not in the
 * Service Tags file. */
bool nsg_sem_platform_tag(const char *name, struct nsg_addrset *out)
{
    if (!strcasecmp(name, "AzurePlatformDNS")) {
        add_text(out, "168.63.129.16/32");
        return true;
    }
    if (!strcasecmp(name, "AzurePlatformIMDS")) {
        add_text(out, "169.254.169.254/32");
        return true;
    }
    if (!strcasecmp(name, "AzurePlatformLKM")) {
        add_text(out, "20.118.99.224/32");
        add_text(out, "40.83.235.53/32");
        add_text(out, "23.102.135.246/32");
        return true;
    }
    return false;
}

/* E1: privateEndpointNetworkPolicies (absent = Disabled, the default). */
bool nsg_sem_pe_subnet_nsg_applies(const char *policies)
{
    return policies && (!strcasecmp(policies, "Enabled") ||
                        !strcasecmp(policies, "NetworkSecurityGroupEnabled"));
}

/* F1: flow logs may cut rule names longer than 65 characters; whether the
 * 65 count the UserRule_ prefix is not said: both are accepted. */
int nsg_sem_logged_name_agrees(const char *logged_plain, size_t prefix_len,
                               const char *sim_name)
{
    size_t ll, sl;
    if (!logged_plain || !sim_name)
        return 0;
    if (!strcasecmp(logged_plain, sim_name))
        return 1;
    ll = strlen(logged_plain);
    sl = strlen(sim_name);
    return ll + prefix_len >= NSG_SEM_LOGGED_NAME_CUT && sl > ll &&
                   !strncasecmp(logged_plain, sim_name, ll)
               ? 2
               : 0;
}
