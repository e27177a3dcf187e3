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
 * only 168.63.129.16 and Internet excludes only private space). */
struct nsg_ctx {
    const struct nsg_topology *t;
    const struct nsg_vnet *vnet;
    struct nsg_addrset vnet_tag; /* resolved VirtualNetwork */
    struct nsg_addrset internet; /* resolved Internet */
    /* The corpus lacks part of the context (nsg_ctx_gaps): vnet_tag holds
     * only what is certainly VirtualNetwork, internet is empty, and both
     * tags resolve as unknown (NSG_E_NOTFOUND) beyond that. */
    bool partial;
};
nsg_rc nsg_ctx_init(struct nsg_ctx *ctx, const struct nsg_topology *t,
                    const struct nsg_vnet *vnet, struct nsg_err *err) NSG_WUR;
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
};

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

struct nsg_match {
    enum nsg_decision decision;
    const struct nsg_crule *rule; /* deciding rule; for UNKNOWN the rule
                                     whose unresolved tag blocks the answer */
    const char *unknown_tag;      /* for UNKNOWN */
};

/* Does this rule match the packet (direction is not checked)?  Returns 1,
 * 0, or -1 when it depends on an unresolved tag. */
int nsg_crule_match(const struct nsg_crule *r, const struct nsg_packet *p);
/* First-match evaluation of one compiled NSG in the packet's direction. */
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

/* One NSG level on a packet's path. */
struct nsg_level {
    const char *level;          /* "subnet" or "nic" */
    const struct nsg_nsg *nsg;  /* NULL: no NSG at this level (allows) */
    struct nsg_match m;
    const struct nsg_vnet *vnet;  /* VirtualNetwork context used (or NULL) */
    const struct nsg_cnsg *cnsg;  /* the compiled NSG used (owned by the
                                     session), NULL when no NSG */
};
struct nsg_verdict {
    enum nsg_decision decision;
    struct nsg_level levels[2]; /* in evaluation order */
    size_t n_levels;
    int deciding; /* index of the denying level, or of the last level
                     evaluated when all allow; -1 when no NSG applies */
};
/* Evaluate a packet through both levels of a NIC: inbound subnet then NIC,
 * outbound NIC then subnet.  The subnet is the one of the NIC's ip
 * configuration holding the NIC-side address (dst inbound, src outbound),
 * else the primary one. */
nsg_rc nsg_sim_eval_nic(struct nsg_sim *s, const struct nsg_nic *nic,
                        const struct nsg_packet *p, struct nsg_verdict *v,
                        struct nsg_err *err) NSG_WUR;
/* Evaluate one NSG alone; vnet gives the VirtualNetwork context. */
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
