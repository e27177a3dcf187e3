/* sim.h - the concrete NSG evaluator: resolves tags and ASGs in the context
 * of a virtual network, compiles NSGs into first-match rule lists, and
 * answers "is this packet allowed, and by which rule?" as Azure would, for
 * one NSG or through both levels (subnet and NIC) of a NIC. */
#ifndef NSG_SIM_H
#define NSG_SIM_H

#include <cjson/cJSON.h>

#include "../model/model.h"

/* The resolution context: the topology and the virtual network whose
 * VirtualNetwork tag applies (vnet may be NULL: then VirtualNetwork holds
 * only 168.63.129.16 and Internet excludes only non-internet space), and
 * Azure's own expansion of tags for one NIC when the corpus holds it
 * (exp, may be NULL): a tag it expands resolves to that expansion. */
struct nsg_ctx {
    const struct nsg_topology *t;
    const struct nsg_vnet *vnet;
    const struct nsg_tag_expansion *exp;
    struct nsg_addrset vnet_tag; /* resolved VirtualNetwork */
    struct nsg_addrset internet; /* resolved Internet */
    /* The corpus lacks part of the context (nsg_ctx_gaps): vnet_tag holds
     * only what is certainly VirtualNetwork, and the tag resolves as
     * unknown (NSG_E_NOTFOUND) beyond that.  Azure's own expansion of the
     * tag at the NIC (exp) makes it known whatever the corpus lacks. */
    bool partial;
    /* Internet subtracts only the virtual network's own space
     * (docs/semantics.md T3): it is unknown only when that virtual network
     * is missing; internet is empty then and the tag resolves as unknown. */
    bool internet_partial;
};
nsg_rc nsg_ctx_init(struct nsg_ctx *ctx, const struct nsg_topology *t,
                    const struct nsg_vnet *vnet, struct nsg_err *err) NSG_WUR;
/* The same with Azure's expansion of tags for one NIC (exp may be NULL). */
nsg_rc nsg_ctx_init_exp(struct nsg_ctx *ctx, const struct nsg_topology *t,
                        const struct nsg_vnet *vnet,
                        const struct nsg_tag_expansion *exp,
                        struct nsg_err *err) NSG_WUR;
void nsg_ctx_release(struct nsg_ctx *ctx);
/* Resolve a tag name (any case; regional forms like Storage.WestUS) into
 * out (added to it).  NSG_E_NOTFOUND with a message naming the tag when the
 * tag is not known (no Service Tags file imported holds it). */
nsg_rc nsg_ctx_resolve_tag(const struct nsg_ctx *ctx, const char *tag,
                           struct nsg_addrset *out, struct nsg_err *err) NSG_WUR;
/* Addresses of every NIC ip configuration that is a member of the ASG
 * (added to out).  NSG_E_NOTFOUND naming what is missing when the members
 * are not all known: no NIC of the corpus is a member, a member has no
 * address, or a NIC the corpus names (a VM's, an NSG's) is not in it. */
nsg_rc nsg_ctx_resolve_asg(const struct nsg_ctx *ctx, const char *asg_id,
                           struct nsg_addrset *out, struct nsg_err *err) NSG_WUR;
/* False for NULL and for the placeholder nsg_topo_link makes for a
 * virtual network that subnets name but the corpus does not hold. */
bool nsg_sim_vnet_known(const struct nsg_vnet *v);
/* What the corpus lacks to resolve VirtualNetwork and Internet in vnet:
 * the virtual network itself, a connected peering's remote space, a route
 * table of one of its subnets.  Appends one sentence per missing resource
 * (naming it and how to import it) to why (may be NULL); false when
 * nothing is missing (or vnet is NULL: no context). */
bool nsg_ctx_gaps(const struct nsg_topology *t, const struct nsg_vnet *vnet,
                  struct nsg_buf *why);
/* Why an unresolved tag (crule src_unknown / dst_unknown: a tag name or an
 * ASG id) is not known in vnet, and how to import what is missing. */
void nsg_ctx_unknown_hint(const struct nsg_topology *t,
                          const struct nsg_vnet *vnet, const char *tag,
                          struct nsg_buf *out);

/* A rule with every address resolved. */
struct nsg_crule {
    const struct nsg_rule *rule; /* borrowed from the NSG */
    int priority;
    enum nsg_access access;
    int proto;
    struct nsg_addrset src, dst;
    const struct nsg_portrange *sports, *dports; /* borrowed from rule */
    size_t n_sports, n_dports;
    /* First tag (or ASG id) on each side that could not be resolved, NULL
     * when the side is fully resolved.  A packet that matches every other
     * field but none of the resolved addresses of such a side cannot be
     * decided: the evaluator reports it as unknown. */
    const char *src_unknown, *dst_unknown;
    /* Protocol "*" with a port range narrower than 0-65535 on a side:
     * matches TCP and UDP only (nsg_sem_any_with_ports_tcpudp_only). */
    bool tcpudp_only;
    /* Bit (1 << class) for each platform class whose service tag the rule
     * names (AzurePlatformDNS, ...): the rules considered for such traffic. */
    unsigned plat_tags;
};

/* Compile one rule's sides in ctx into cr (the rule stays borrowed). */
nsg_rc nsg_sim_compile_rule(const struct nsg_ctx *ctx,
                            const struct nsg_rule *r, struct nsg_crule *cr,
                            struct nsg_err *err) NSG_WUR;

/* An NSG compiled in one context: rules per direction, ascending priority
 * (default rules included). */
struct nsg_cnsg {
    const struct nsg_nsg *nsg;
    const struct nsg_topology *t; /* the context it was compiled in */
    const struct nsg_vnet *vnet;
    struct nsg_crule *rules[2];
    size_t n[2];
    void *index[2]; /* private to the evaluator */
};
nsg_rc nsg_sim_compile(const struct nsg_ctx *ctx, const struct nsg_nsg *nsg,
                       struct nsg_cnsg **out, struct nsg_err *err) NSG_WUR;
void nsg_cnsg_free(struct nsg_cnsg *c);

struct nsg_packet {
    enum nsg_dir dir;
    int proto; /* IANA number */
    struct nsg_ip src, dst;
    uint16_t sport, dport;
};

enum nsg_decision { NSG_DEC_ALLOW, NSG_DEC_DENY, NSG_DEC_UNKNOWN };

/* ---- Azure's platform traffic and what the VNet drops (sim_sem.c) ------
 * Traffic between a VM and the host's virtual IPs is not subject to NSG
 * rules unless a rule names the class's service tag; the VNet drops some
 * traffic whatever the NSGs say.  The classes, their packets and tags are
 * one table (docs/semantics.md, P1-P7). */
enum nsg_platform {
    NSG_PLAT_NONE = 0,     /* ordinary traffic: NSG rules apply */
    NSG_PLAT_DHCP,         /* UDP 68 -> 67 to 168.63.129.16/255.255.255.255 */
    NSG_PLAT_DNS,          /* UDP/TCP 53 to 168.63.129.16 */
    NSG_PLAT_WIRESERVER,   /* TCP 80, 32526 to 168.63.129.16 */
    NSG_PLAT_IMDS,         /* TCP 80 to 169.254.169.254 */
    NSG_PLAT_KMS,          /* TCP 1688 to Azure's KMS hosts */
    NSG_PLAT_VNET_BLOCKED, /* GRE, IP-in-IP, multicast, broadcast: dropped */
    NSG_PLAT_COUNT
};
/* "dhcp", "dns", "wireserver", "imds", "kms", "vnet-blocked" ("" NONE). */
const char *nsg_platform_name(enum nsg_platform c);
/* The service tag that makes NSG rules apply to the class (NULL: none). */
const char *nsg_platform_tag(enum nsg_platform c);
/* One platform class's packets, as data (the solver encodes the same). */
struct nsg_platform_def {
    enum nsg_platform cls;
    bool udp, tcp;        /* protocols */
    int sport;            /* required source port, -1 any */
    uint16_t dports[2];   /* destination ports (n_dports of them) */
    size_t n_dports;
    uint32_t dst4[3];     /* IPv4 destinations (n_dst4 of them) */
    size_t n_dst4;
    bool kms;             /* off when the subnet has a 0.0.0.0/0 route */
};
/* The classes DHCP..KMS in evaluation order (DHCP before VNET_BLOCKED). */
const struct nsg_platform_def *nsg_platform_defs(size_t *n);
/* Does the VNet drop this packet (GRE, IP-in-IP, multicast destination,
 * 255.255.255.255)? */
bool nsg_platform_vnet_blocked(const struct nsg_packet *p);
/* The class of a packet: DHCP first, then VNET_BLOCKED, then the others
 * (outbound only); KMS only when kms_on. */
enum nsg_platform nsg_platform_class(const struct nsg_packet *p, bool kms_on);
/* Is the KMS platform rule on for NICs of subnet s (no 0.0.0.0/0 UDR)? */
bool nsg_platform_kms_on(const struct nsg_topology *t,
                         const struct nsg_subnet *s);

/* Protocol "*" with ports narrower than 0-65535 on either side matches
 * only TCP and UDP (field reports; docs/semantics.md R2). */
bool nsg_sem_any_with_ports_tcpudp_only(int proto,
                                         const struct nsg_portrange *sp,
                                         size_t n_sp,
                                         const struct nsg_portrange *dp,
                                         size_t n_dp);
/* The IPv4 ranges that are never Internet (the published expansion of the
 * Internet tag; docs/semantics.md T3), added to out. */
void nsg_sem_not_internet_v4(struct nsg_addrset *out);
/* Internet without Azure's own expansion: public IPv4 (all but the table)
 * and 2000::/3, minus the virtual network's own address space (v may be
 * NULL). */
void nsg_sem_internet(const struct nsg_vnet *v, struct nsg_addrset *out);
/* The public Internet as a place traffic comes from or goes to (verify's
 * paths, the map, assess): the Internet tag without the Azure host
 * 168.63.129.16, which the tag holds (T3) but whose traffic is the
 * platform's (health probes, DNS, the VM agent).  Removes it from set. */
void nsg_sem_without_azure_host(struct nsg_addrset *set);
/* Built-in addresses of AzurePlatformDNS / AzurePlatformIMDS /
 * AzurePlatformLKM; false for any other name. */
bool nsg_sem_platform_tag(const char *name, struct nsg_addrset *out);
/* Is the subnet's NSG applied to a private endpoint's NIC
 * (privateEndpointNetworkPolicies "Enabled" or "NetworkSecurityGroupEnabled";
 * absent = "Disabled")? */
bool nsg_sem_pe_subnet_nsg_applies(const char *policies);
/* A logged rule name of at least NSG_SEM_LOGGED_NAME_CUT characters (with
 * or without its UserRule_/DefaultRule_ prefix of prefix_len characters)
 * that is a prefix of a longer simulated name names that rule (flow logs
 * cut long names: "a rule name must be up to 65 characters").  Returns 1
 * for an exact match, 2 for a truncated match, 0 otherwise. */
#define NSG_SEM_LOGGED_NAME_CUT 65
int nsg_sem_logged_name_agrees(const char *logged_plain, size_t prefix_len,
                               const char *sim_name);

struct nsg_match {
    enum nsg_decision decision;
    const struct nsg_crule *rule; /* deciding rule; for UNKNOWN the rule
                                     whose unresolved tag blocks the answer;
                                     NULL when the platform stage decided */
    const char *unknown_tag;      /* for UNKNOWN */
    enum nsg_platform platform;   /* the packet's platform class (NONE:
                                     ordinary traffic, all rules apply) */
};

/* Does this rule match the packet (direction is not checked)?  Returns 1,
 * 0, or -1 when it depends on an unresolved tag. */
int nsg_crule_match(const struct nsg_crule *r, const struct nsg_packet *p);
/* Is rule r considered for traffic of platform class cls?  Ordinary
 * traffic: every rule; a class with a tag: the rules naming the tag; a
 * class without one (DHCP, wireserver, vnet-blocked): none. */
static inline bool nsg_crule_considered(const struct nsg_crule *r,
                                        enum nsg_platform cls)
{
    return cls == NSG_PLAT_NONE || (r->plat_tags >> cls) & 1u;
}
/* First-match evaluation of one compiled NSG (one level) in the packet's
 * direction, for a packet of class cls (nsg_platform_class): only the
 * rules considered for the class; none matching: a platform class allows
 * (the platform decided, rule NULL), vnet-blocked denies. */
void nsg_sim_eval_class(const struct nsg_cnsg *c, const struct nsg_packet *p,
                        enum nsg_platform cls, struct nsg_match *m);
/* nsg_sim_eval_class with the packet's class (KMS on). */
void nsg_sim_eval(const struct nsg_cnsg *c, const struct nsg_packet *p,
                  struct nsg_match *m);
/* The same by a plain linear scan of the rules (the reference the indexed
 * evaluator is tested against; slower at hundreds of rules). */
void nsg_sim_eval_linear(const struct nsg_cnsg *c, const struct nsg_packet *p,
                         struct nsg_match *m);

/* A simulator session: the topology and a cache of compiled NSGs. */
struct nsg_sim;
struct nsg_sim *nsg_sim_new(const struct nsg_topology *t);
void nsg_sim_free(struct nsg_sim *s);
/* The compiled NSG for (nsg, vnet), cached in s. */
nsg_rc nsg_sim_get(struct nsg_sim *s, const struct nsg_nsg *nsg,
                   const struct nsg_vnet *vnet, const struct nsg_cnsg **out,
                   struct nsg_err *err) NSG_WUR;

/* ---- the security admin stage (sim_admin.c) -----------------------------
 * Virtual Network Manager security admin rules that apply to a virtual
 * network, compiled in its context, evaluated before the NSGs: Deny ends
 * (denied), AlwaysAllow ends (allowed, NSGs skipped), Allow hands the
 * packet on to the NSGs. */
struct nsg_admin_crule {
    struct nsg_crule c;               /* matcher; c.rule = &ar->r */
    const struct nsg_admin_rule *ar;  /* borrowed from the topology */
    bool maybe;       /* whether it applies to the VNet cannot be
                         established from the corpus */
    const char *why;  /* for maybe: what is missing and how to import it
                         (owned by the stage) */
};
struct nsg_admin_stage {
    const struct nsg_vnet *vnet;
    struct nsg_admin_crule *rules[2]; /* per direction, by priority */
    size_t n[2];
    bool from_effective; /* taken from the VNet's effective admin rules */
    GPtrArray *notes;    /* char *: the `why` texts */
};
void nsg_admin_stage_free(struct nsg_admin_stage *st); /* NULL-safe */
/* The admin rules that apply (or may apply) to vnet, compiled in ctx. */
nsg_rc nsg_admin_stage_build(const struct nsg_ctx *ctx,
                             struct nsg_admin_stage **out,
                             struct nsg_err *err) NSG_WUR;
/* Do security admin rules apply to a NIC in subnet sub at all?  Not to
 * private endpoints, nor in the gateway/firewall/bastion/route server
 * subnets (docs/semantics.md A5). */
bool nsg_admin_applies_to(const struct nsg_nic *nic,
                          const struct nsg_subnet *sub);
struct nsg_admin_match {
    const struct nsg_admin_crule *rule; /* the first that matches, or NULL */
    enum nsg_decision decision; /* ALLOW: handed on to the NSGs (or no rule
                                   matched); DENY; UNKNOWN (the first match
                                   may not apply, or depends on an unknown
                                   tag) */
    bool ends;                  /* Deny or AlwaysAllow: NSGs not evaluated */
    const char *unknown_tag;    /* UNKNOWN by an unknown tag of the rule */
};
void nsg_admin_eval(const struct nsg_admin_stage *st,
                    const struct nsg_packet *p, struct nsg_admin_match *m);

/* One NSG level on a packet's path. */
struct nsg_level {
    const char *level;          /* "subnet" or "nic" */
    const struct nsg_nsg *nsg;  /* NULL: no NSG at this level (allows) */
    struct nsg_match m;
    const struct nsg_vnet *vnet;  /* VirtualNetwork context used (or NULL) */
    const struct nsg_cnsg *cnsg;  /* the compiled NSG used (owned by the
                                     session), NULL when no NSG */
    const char *note;           /* why the level does not apply (a private
                                   endpoint's subnet), or NULL */
};
struct nsg_verdict {
    enum nsg_decision decision;
    struct nsg_level levels[2]; /* in evaluation order */
    size_t n_levels;
    int deciding; /* index of the denying level, or of the last level
                     evaluated when all allow; -1 when no NSG decided */
    enum nsg_platform platform_class; /* the packet's class at this NIC */
    enum nsg_platform platform;  /* the class when the platform stage
                                    decided (no rule), else NONE */
    struct nsg_admin_match admin; /* the admin stage (rule NULL: none) */
    const char *unknown_reason;   /* UNKNOWN from the admin stage: what is
                                     missing (owned by the session) */
    bool private_endpoint;        /* the NIC is a private endpoint's */
};

/* What applies at a NIC for one of its ip configurations: the subnet, the
 * compiled NSGs of both levels (after the private-endpoint policy), the KMS
 * state and the admin stage.  The simulator and the solver both evaluate
 * this plan, so they see the same thing.  Owned by the session. */
struct nsg_nic_plan {
    const struct nsg_subnet *subnet;   /* NULL when the NIC has none */
    const struct nsg_vnet *vnet;
    const struct nsg_nsg *nsg[2];      /* [0] subnet, [1] NIC; NULL none */
    const struct nsg_cnsg *cnsg[2];
    const char *subnet_note;           /* subnet NSG skipped: why */
    bool kms_on;
    bool private_endpoint;
    const struct nsg_admin_stage *admin; /* NULL: admin rules do not apply */
    bool subnet_only; /* an address no NIC holds: the subnet level alone
                         (nsg_sim_subnet_plan) */
};
nsg_rc nsg_sim_nic_plan(struct nsg_sim *s, const struct nsg_nic *nic,
                        const struct nsg_ipconfig *ic,
                        struct nsg_nic_plan *out,
                        struct nsg_err *err) NSG_WUR;
/* The plan of an address of subnet sub that no NIC of the corpus holds:
 * its subnet's NSG as the only level, the subnet's KMS state and the admin
 * stage of its virtual network (where admin rules apply). */
nsg_rc nsg_sim_subnet_plan(struct nsg_sim *s, const struct nsg_subnet *sub,
                           struct nsg_nic_plan *out,
                           struct nsg_err *err) NSG_WUR;
/* The ip configuration holding addr, else the primary, else the first. */
const struct nsg_ipconfig *nsg_sim_pick_ipconfig(const struct nsg_nic *nic,
                                                 const struct nsg_ip *addr);
/* The admin stage of a virtual network (in its plain context), cached. */
nsg_rc nsg_sim_admin(struct nsg_sim *s, const struct nsg_vnet *vnet,
                     const struct nsg_admin_stage **out,
                     struct nsg_err *err) NSG_WUR;

/* Evaluate a packet at a NIC as Azure does: traffic the VNet drops, then
 * platform traffic (only rules naming its tag), then the security admin
 * stage, then both NSG levels (inbound subnet then NIC, outbound NIC then
 * subnet).  The plan is the one of the ip configuration holding the
 * NIC-side address (dst inbound, src outbound), else the primary one. */
nsg_rc nsg_sim_eval_nic(struct nsg_sim *s, const struct nsg_nic *nic,
                        const struct nsg_packet *p, struct nsg_verdict *v,
                        struct nsg_err *err) NSG_WUR;
/* The same stages at an address of subnet sub that no NIC holds, with the
 * subnet's NSG as the only level (nsg_sim_subnet_plan). */
nsg_rc nsg_sim_eval_subnet(struct nsg_sim *s, const struct nsg_subnet *sub,
                           const struct nsg_packet *p, struct nsg_verdict *v,
                           struct nsg_err *err) NSG_WUR;
/* Evaluate one NSG alone; vnet gives the VirtualNetwork context (the
 * platform stage with KMS on, no admin stage). */
nsg_rc nsg_sim_eval_nsg(struct nsg_sim *s, const struct nsg_nsg *nsg,
                        const struct nsg_vnet *vnet, const struct nsg_packet *p,
                        struct nsg_verdict *v, struct nsg_err *err) NSG_WUR;

/* ---- source-port ranges of aggregate rows (sim_sport.c) ----------------- */
/* Does a rule of c in p's direction that matches p in everything but the
 * source port (or might: an unresolved tag) have a source-port range that
 * holds some ports of [p->sport, sport_max] but not all?  Then the answer
 * for a row standing for those ports depends on a port it does not tell.
 * False for one port, and for protocols without ports. */
bool nsg_sim_sport_splits(const struct nsg_cnsg *c, const struct nsg_packet *p,
                          unsigned sport_max);
/* The same for the levels a NIC verdict evaluated (nsg_sim_eval_nic with p
 * at the range's first port): every port of the range reaches those
 * levels unless an earlier one splits it, and then that one says so. */
bool nsg_sim_verdict_sport_splits(const struct nsg_verdict *v,
                                  const struct nsg_packet *p,
                                  unsigned sport_max);
/* Append (guint) the source-port boundaries of a rule to out: for each
 * range lo-hi, lo and hi+1 (the first port of a new bucket), except 0 and
 * 65536 (so "*" adds none).  Unsorted, with repeats; returns how many. */
size_t nsg_sim_sport_boundaries(const struct nsg_rule *r, GArray *out);

/* ---- text and JSON forms (sim_json.c) ----------------------------------- */
/* "Allow" / "Deny" / "Unknown". */
const char *nsg_decision_name(enum nsg_decision d);

/* Flags of nsg_sim_packet_to_json: one protocol style, optionally ORed with
 * NSG_PJ_PORTS_IF_USED. */
enum {
    NSG_PJ_PROTO_TEXT = 0,   /* always a string: "Tcp", ..., "47" */
    NSG_PJ_PROTO_NAMED = 1,  /* "Tcp" "Udp" "Icmp" "Esp" "Ah", else the number */
    NSG_PJ_PROTO_TCPUDP = 2, /* "Tcp" "Udp", else the number (flow-log style) */
    NSG_PJ_PROTO_MASK = 3,
    NSG_PJ_PORTS_IF_USED = 4, /* omit sport/dport unless Tcp or Udp */
};
/* The protocol as a JSON value in one of the styles above (caller owns). */
cJSON *nsg_sim_proto_json(int proto, unsigned style);
/* Add "direction", "protocol", "src", "sport", "dst", "dport" (in that
 * order) to obj. */
void nsg_sim_packet_to_json(cJSON *obj, const struct nsg_packet *p,
                            unsigned flags);

#endif
