/* solver.h - the Z3 encoding of NSG evaluation: packet variables, address,
 * port and protocol constraints, first-match decisions of compiled NSGs and
 * of both NSG levels of a NIC, checks with model -> packet extraction and
 * the replay of every model through the concrete simulator; on top of it
 * the semantic diff of two NSGs and the rule lint.
 *
 * Ownership and lifetimes, once:
 *  - struct nsg_slv owns a Z3 context, a solver and caches.  Every Z3_ast
 *    returned by an nsg_slv_* function is owned by s and stays valid until
 *    nsg_slv_free(s); callers never Z3_inc_ref/Z3_dec_ref them.  (The
 *    context does not count references: Z3 keeps an AST until a pop takes
 *    the solver below the scope the AST was made in.  No nsg_slv_*
 *    function returns with a scope of its own open, and s caches only
 *    terms made outside scopes: see slv_int.h.  So ASTs you build yourself
 *    with nsg_slv_z3(s) between calls also live as long as s.)
 *  - Z3 errors: s's error handler never exits the process; it keeps the
 *    first error of s, and from then on every nsg_rc function of s fails
 *    with it (NSG_E_INTERNAL) and the functions returning a Z3_ast return
 *    NULL, which no nsg_slv_* function passes to Z3.
 *  - Compiled NSGs (struct nsg_cnsg), the simulator and the topology are
 *    borrowed and must outlive s (decisions cache pointers into them).
 *  - Everything else returned is owned by s unless a _release/_free is
 *    named next to it.
 * Errors: functions return nsg_rc and fill err; NSG_E_INPUT for a rule
 * with an unresolved tag or ASG (the message names the NSG, rule and tag),
 * NSG_E_UNKNOWN for a solver timeout / unknown, NSG_E_INTERNAL for a Z3
 * error or a model the simulator disagrees with (both answers given). */
#ifndef NSG_SOLVER_H
#define NSG_SOLVER_H

#include <z3.h>

#include "../sim/sim.h"

struct nsg_slv; /* opaque */

/* A new solver context; timeout_ms bounds each check (0 = no limit). */
struct nsg_slv *nsg_slv_new(unsigned timeout_ms);
void nsg_slv_free(struct nsg_slv *s); /* NULL-safe */
void nsg_slv_set_timeout(struct nsg_slv *s, unsigned timeout_ms);
/* Forget what the solver learned (terms and caches stay): what follows
 * is answered as by a fresh solver, whatever was asked before (verify
 * does this per query, so that answers do not depend on the order or on
 * how queries are shared between threads).  Nothing inside a scope. */
void nsg_slv_reset(struct nsg_slv *s);
/* Witness polish (on by default): after a satisfying model, cheap
 * incremental tries move it to a realistic packet (source port 49152,
 * destination port at the start of its range, host addresses instead of
 * network addresses); see slv_check.c. */
void nsg_slv_set_polish(struct nsg_slv *s, bool on);
/* Change slicing in diff (on by default): the question is asked over the
 * rules the differences between the two NSGs can involve (slv_slice.c);
 * off asks it over every rule (the benchmark's ablation). */
void nsg_slv_set_slicing(struct nsg_slv *s, bool on);
/* For the benchmark's baseline and ablations (slv_variant.c): encode
 * without some of nsgproof's ideas - prefixes compared as (addr & mask)
 * == net instead of by their bits, terms built per rule instead of every
 * distinct set built once and normalized, one if-then-else per rule
 * instead of per block of one access.  nsg_slv_encode_variant makes c's
 * decision that way for diff to use (with slicing off). */
#define NSG_SLV_NO_EXTRACT 1u
#define NSG_SLV_NO_HASHCONS 2u
#define NSG_SLV_NO_BLOCKS 4u
void nsg_slv_set_encoding(struct nsg_slv *s, unsigned without);
nsg_rc nsg_slv_encode_variant(struct nsg_slv *s, const struct nsg_cnsg *c,
                              struct nsg_err *err) NSG_WUR;
/* The Z3 context, to build your own terms over the packet variables. */
Z3_context nsg_slv_z3(const struct nsg_slv *s);

/* ---- the packet -------------------------------------------------------- */
/* One symbolic packet per context.  Addresses are 128-bit vectors: an IPv4
 * address sits in the low 32 bits (upper 96 bits zero) when is6 is false.
 * Ports are 16 bits, the protocol is the 8-bit IANA number, `out` is true
 * for an outbound packet.  nsg_slv_check always adds the domain constraint
 * (nsg_slv_pkt_domain): IPv4 upper bits zero, and ports 0 for protocols
 * other than TCP/UDP (ports constrain only TCP and UDP). */
struct nsg_slv_pkt {
    Z3_ast out;          /* Bool */
    Z3_ast is6;          /* Bool */
    Z3_ast src, dst;     /* BV128 */
    Z3_ast sport, dport; /* BV16 */
    Z3_ast proto;        /* BV8 */
};
const struct nsg_slv_pkt *nsg_slv_pkt(const struct nsg_slv *s);
Z3_ast nsg_slv_pkt_domain(struct nsg_slv *s);

/* ---- packets Azure can hand an NSG ---------------------------------------
 * Every check already excludes packets no virtual network carries (source
 * or destination 0.0.0.0/8, 127/8, multicast, 240/4, broadcast, ::/8,
 * ff00::/8).  A scope narrows witnesses further to the packets an NSG can
 * see where it is applied: the families of its virtual network, and the
 * NIC-side address (destination inbound, source outbound) inside the
 * subnets and NICs it governs.  diff and lint look for a witness in scope
 * first and report one outside only when no packet in scope exists. */
struct nsg_slv_scope {
    bool v4, v6;                        /* families the network carries */
    const struct nsg_addrset *governed; /* NULL: anywhere */
};
/* The scope as a term over the packet (true for NULL). */
Z3_ast nsg_slv_scope_term(struct nsg_slv *s, const struct nsg_slv_scope *sc);

/* ---- encoding pieces (hash-consed per context) -------------------------- */
enum nsg_slv_side { NSG_SLV_SRC = 0, NSG_SLV_DST = 1 };
/* The packet's family: true for IPv6 (fam 6), for IPv4 (fam 4). */
Z3_ast nsg_slv_family(struct nsg_slv *s, int fam);
/* Direction: true when the packet goes in direction d. */
Z3_ast nsg_slv_dir(struct nsg_slv *s, enum nsg_dir d);
/* The side's address is in set (family included; empty set = false). */
Z3_ast nsg_slv_addrset(struct nsg_slv *s, enum nsg_slv_side side,
                       const struct nsg_addrset *set);
/* The side's port is in one of the ranges (raw: no protocol condition). */
Z3_ast nsg_slv_ports(struct nsg_slv *s, enum nsg_slv_side side,
                     const struct nsg_portrange *r, size_t n);
/* Protocol: NSG_PROTO_ANY = true, else proto == number. */
Z3_ast nsg_slv_proto(struct nsg_slv *s, int proto);
/* True when the protocol is TCP or UDP (ports matter). */
Z3_ast nsg_slv_has_ports(struct nsg_slv *s);
/* The rule matches the packet (direction not checked), as the simulator's
 * nsg_crule_match: protocol, addresses, and ports when TCP/UDP (protocol
 * "*" with narrow ports: TCP and UDP only).  A side naming an unknown tag
 * is an unconstrained Boolean (see slv_encode.c). */
nsg_rc nsg_slv_crule_match(struct nsg_slv *s, const struct nsg_crule *r,
                           Z3_ast *out, struct nsg_err *err) NSG_WUR;

/* ---- platform traffic (slv_stage.c) ------------------------------------ */
/* Bool: the packet is of platform class cls exactly as nsg_platform_class
 * says (the same table, sim_sem.c); KMS only when kms_on. */
Z3_ast nsg_slv_platform(struct nsg_slv *s, enum nsg_platform cls, bool kms_on);
/* Bool: some platform class the NSGs do not filter by default (DHCP, DNS,
 * wireserver, IMDS, KMS when kms_on) - allowed unless a rule naming the
 * class's tag decides. */
Z3_ast nsg_slv_platform_any(struct nsg_slv *s, bool kms_on);
/* Bool: ordinary traffic (no platform class, not dropped by the VNet). */
Z3_ast nsg_slv_platform_none(struct nsg_slv *s, bool kms_on);

/* ---- decisions --------------------------------------------------------- */
/* The decision of a compiled NSG (one level) for the symbolic packet, both
 * directions, with the platform stage as nsg_sim_eval_class: a rule counts
 * only where it is considered (ordinary traffic: every rule; platform
 * traffic: the rules naming its tag), first considered match decides; none:
 * platform traffic allowed, VNet-dropped traffic denied.  Cached in s per
 * (cnsg pointer, KMS state); owned by s. */
struct nsg_slv_nsg {
    const struct nsg_cnsg *c; /* borrowed */
    bool kms_on;
    Z3_ast allow;             /* Bool: the NSG allows the packet */
    Z3_ast allow_dir[2];      /* Bool: allows, assuming the packet goes in
                                 direction d (allow = ite(out, [OUT], [IN])) */
    Z3_ast rule;        /* BV16: index into c->rules[dir] of the deciding rule
                           for the packet's direction; n[dir] when no rule
                           decides (the platform stage, or an NSG without
                           default rules: then deny) */
    Z3_ast *matches[2]; /* matches[d][i]: rule i of direction d matches */
    Z3_ast *eff[2];     /* eff[d][i]: it matches and is considered for the
                           packet's platform class */
    Z3_ast *fires[2];   /* fires[d][i]: packet goes in direction d and rule
                           i is the first considered rule that matches */
    Z3_ast fires_none[2]; /* in direction d and no considered rule matches */
    Z3_ast plain_dir[2];  /* the first match over every rule: allow_dir for
                             ordinary traffic (platform class none) */
    unsigned plat_used[2]; /* platform classes (bits) some rule of d names */
    size_t n[2];
};
/* KMS on (an NSG alone: diff, lint). */
nsg_rc nsg_slv_decide(struct nsg_slv *s, const struct nsg_cnsg *c,
                      const struct nsg_slv_nsg **out,
                      struct nsg_err *err) NSG_WUR;
nsg_rc nsg_slv_decide_kms(struct nsg_slv *s, const struct nsg_cnsg *c,
                          bool kms_on, const struct nsg_slv_nsg **out,
                          struct nsg_err *err) NSG_WUR;

/* The security admin stage of a virtual network as Booleans over the
 * packet: the first matching admin rule is a Deny (deny) or an AlwaysAllow
 * (always); otherwise the NSGs decide.  A rule whose application to the
 * VNet cannot be established is guarded by a fresh Boolean (it may or may
 * not apply): an answer that rests on it is reported unknown by the replay
 * through the simulator.  Cached per stage; owned by s. */
struct nsg_slv_admin {
    Z3_ast deny, always;
};
nsg_rc nsg_slv_admin_decide(struct nsg_slv *s,
                            const struct nsg_admin_stage *st,
                            struct nsg_slv_admin *out,
                            struct nsg_err *err) NSG_WUR;
/* *pass: the packet reaches the NSGs past the admin stage (ordinary traffic
 * no Deny or AlwaysAllow admin rule decides; platform traffic always);
 * true without a stage. */
nsg_rc nsg_slv_admin_pass(struct nsg_slv *s, const struct nsg_admin_stage *st,
                          Z3_ast *pass, struct nsg_err *err) NSG_WUR;

/* A NIC as nsg_sim_eval_nic evaluates it: traffic the VNet drops, platform
 * traffic, the admin stage, both NSG levels (inbound subnet then NIC,
 * outbound NIC then subnet; a level without NSG allows).  When the NIC's ip
 * configurations sit in different subnets, the plan is chosen as the
 * simulator does (the configuration holding the NIC-side address, else the
 * primary).  Plans and compiled NSGs come from sim (nsg_sim_nic_plan),
 * which must outlive s. */
struct nsg_slv_nic {
    const struct nsg_nic *nic; /* borrowed */
    Z3_ast allow;              /* Bool: allowed at the NIC */
    Z3_ast subnet_allow;       /* Bool: the subnet level allows */
    Z3_ast nic_allow;          /* Bool: the NIC level allows */
};
nsg_rc nsg_slv_decide_nic(struct nsg_slv *s, struct nsg_sim *sim,
                          const struct nsg_topology *t,
                          const struct nsg_nic *nic, struct nsg_slv_nic *out,
                          struct nsg_err *err) NSG_WUR;

/* An address of subnet sub that no NIC holds, as nsg_sim_eval_subnet
 * evaluates it: the same stages with the subnet's NSG as the only level.
 * *allow: Bool, allowed there. */
nsg_rc nsg_slv_decide_subnet(struct nsg_slv *s, struct nsg_sim *sim,
                             const struct nsg_subnet *sub, Z3_ast *allow,
                             struct nsg_err *err) NSG_WUR;

/* ---- checking ---------------------------------------------------------- */
/* Is the conjunction of the domain constraint and q[0..n) satisfiable?
 * Sets *sat; when sat and pkt is not NULL, fills it from the model.
 * NSG_E_UNKNOWN (never a guess) when Z3 answers unknown or times out. */
nsg_rc nsg_slv_check(struct nsg_slv *s, const Z3_ast *q, size_t n, bool *sat,
                     struct nsg_packet *pkt, struct nsg_err *err) NSG_WUR;
/* Evaluate a term under a concrete packet (a model assigning the packet
 * variables; Z3_model_eval with completion).  Bool terms give 0/1, BV
 * terms their value.  NSG_E_INTERNAL when the term does not evaluate to a
 * constant. */
nsg_rc nsg_slv_eval(struct nsg_slv *s, const struct nsg_packet *p, Z3_ast t,
                    uint64_t *value, struct nsg_err *err) NSG_WUR;

/* Replay: the decision (and deciding rule) the formula gives p must equal
 * the simulator's, else NSG_E_INTERNAL with both answers in the message.
 * m / v receive the simulator's answer (may be NULL). */
nsg_rc nsg_slv_replay(struct nsg_slv *s, const struct nsg_slv_nsg *d,
                      const struct nsg_packet *p, struct nsg_match *m,
                      struct nsg_err *err) NSG_WUR;
nsg_rc nsg_slv_replay_nic(struct nsg_slv *s, struct nsg_sim *sim,
                          const struct nsg_slv_nic *d,
                          const struct nsg_packet *p, struct nsg_verdict *v,
                          struct nsg_err *err) NSG_WUR;
/* The same at an address of subnet sub no NIC holds (allow from
 * nsg_slv_decide_subnet). */
nsg_rc nsg_slv_replay_subnet(struct nsg_slv *s, struct nsg_sim *sim,
                             const struct nsg_subnet *sub, Z3_ast allow,
                             const struct nsg_packet *p, struct nsg_verdict *v,
                             struct nsg_err *err) NSG_WUR;

/* Human text of a packet: "Inbound Tcp 10.0.0.1:1234 -> 10.0.0.2:22". */
void nsg_slv_packet_format(const struct nsg_packet *p, struct nsg_buf *out);
/* The same without the direction: "Tcp 10.0.0.1:49152 -> 10.0.0.2:22"
 * (for a flow that crosses NICs in both directions). */
void nsg_slv_flow_format(const struct nsg_packet *p, struct nsg_buf *out);

/* ---- diff (slv_diff.c) ------------------------------------------------- */
struct nsg_slv_witness {
    struct nsg_packet p;
    enum nsg_decision a, b;          /* both allow/deny */
    const struct nsg_crule *ra, *rb; /* deciding rules (borrowed) */
    bool in_scope; /* false: no packet of the scope is in this region */
};
/* A difference region: packets of one direction decided by rule ra of A
 * and rule rb of B with different outcomes. */
struct nsg_slv_region {
    enum nsg_dir dir;
    const struct nsg_crule *ra, *rb;
    enum nsg_decision a, b;
    size_t witnesses; /* how many of the reported witnesses lie in it */
};
struct nsg_slv_diff {
    bool equivalent;
    struct nsg_slv_witness *w; /* up to max witnesses, distinct regions */
    size_t n_w;
    struct nsg_slv_region *regions; /* every region found */
    size_t n_regions;
    bool regions_complete; /* false when enumeration stopped at a cap */
};
#define NSG_SLV_DIFF_INIT                                                      \
    {                                                                          \
        true, NULL, 0, NULL, 0, true                                           \
    }
void nsg_slv_diff_release(struct nsg_slv_diff *d);
/* Do a and b decide every packet the same way?  Every witness is replayed
 * through the simulator for both NSGs first.  max = witnesses wanted;
 * dir_mask bit (1 << NSG_DIR_IN / NSG_DIR_OUT) limits the directions
 * (0 = both). */
nsg_rc nsg_slv_diff(struct nsg_slv *s, const struct nsg_cnsg *a,
                    const struct nsg_cnsg *b, size_t max, unsigned dir_mask,
                    struct nsg_slv_diff *out, struct nsg_err *err) NSG_WUR;
/* The same in front of an admin stage (may be NULL): packets a Deny or
 * AlwaysAllow admin rule decides reach neither NSG, so they differ in
 * nothing; an admin rule whose application is unknown makes a difference
 * it hides unknown (NSG_E_UNKNOWN naming what to capture). */
nsg_rc nsg_slv_diff_admin(struct nsg_slv *s, const struct nsg_cnsg *a,
                          const struct nsg_cnsg *b,
                          const struct nsg_admin_stage *admin, size_t max,
                          unsigned dir_mask, struct nsg_slv_diff *out,
                          struct nsg_err *err) NSG_WUR;
/* The same with both: the admin stage (may be NULL) and witnesses taken in
 * scope when the region has one (scope may be NULL). */
nsg_rc nsg_slv_diff_scoped(struct nsg_slv *s, const struct nsg_cnsg *a,
                           const struct nsg_cnsg *b, size_t max,
                           unsigned dir_mask,
                           const struct nsg_admin_stage *admin,
                           const struct nsg_slv_scope *scope,
                           struct nsg_slv_diff *out,
                           struct nsg_err *err) NSG_WUR;

/* ---- lint (slv_lint.c) ------------------------------------------------- */
enum nsg_slv_lint_kind {
    NSG_LINT_SHADOWED,  /* can never match: earlier rules `by` cover it (by
                           empty: the rule matches no packet at all) */
    NSG_LINT_REDUNDANT, /* removing it alone changes no decision; `by`: the
                           later overlapping rules of the same access */
    NSG_LINT_CONFLICT,  /* overlaps earlier rules `by` of opposite access;
                           witness: a packet both match */
    NSG_LINT_MGMT_OPEN, /* inbound allow that decides TCP to port 22, 3389,
                           5985 or 5986 from an Internet address (witness) */
    NSG_LINT_UNKNOWN_TAG, /* the rule names a tag (or ASG) that is not known:
                             it is not checked, and other findings never
                             rest on guesses about it */
    NSG_LINT_ADMIN_OVERRIDDEN, /* every packet it would decide is decided
                                  first by security admin rules `admin_by`
                                  (Deny or AlwaysAllow) */
    /* Static findings (slv_lint_static.c): what ARM rejects or ignores. */
    NSG_LINT_TAG_PLURAL,    /* a service tag in ...AddressPrefixes */
    NSG_LINT_ASG_MIXED,     /* ASGs and prefixes on the same side */
    NSG_LINT_ASG_VNETS,     /* the rule's ASGs are in different VNets */
    NSG_LINT_PREFIX_LIMIT,  /* more than 4,000 prefixes on one side */
    NSG_LINT_EMPTY_ASG,     /* an ASG no ip configuration is a member of */
    NSG_LINT_GATEWAY_NSG,   /* an NSG on GatewaySubnet */
    NSG_LINT_PORTS_IGNORED, /* ports on an Icmp/Esp/Ah rule */
    NSG_LINT_KIND_COUNT
};
/* "shadowed", "redundant", "conflict", "management-port-open",
 * "unknown-tag", "overridden-by-admin-rule" and the static kinds below */
const char *nsg_slv_lint_kind_name(enum nsg_slv_lint_kind k);
struct nsg_slv_finding {
    enum nsg_slv_lint_kind kind;
    enum nsg_dir dir;
    const struct nsg_crule *rule; /* borrowed from the cnsg */
    const struct nsg_crule **by;  /* owned array of borrowed rules */
    size_t n_by;
    bool has_witness;
    struct nsg_packet witness;
    bool in_scope; /* the witness is in the lint's scope */
    uint16_t port; /* NSG_LINT_MGMT_OPEN: the port */
    const struct nsg_admin_crule **admin_by; /* ADMIN_OVERRIDDEN (owned) */
    size_t n_admin_by;
    char detail[256]; /* static kinds: what exactly (the tag, the ASG...) */
};
struct nsg_slv_lint {
    struct nsg_slv_finding *f;
    size_t n;
};
#define NSG_SLV_LINT_INIT                                                      \
    {                                                                          \
        NULL, 0                                                                \
    }
void nsg_slv_lint_release(struct nsg_slv_lint *l);
/* Lint the user rules of one compiled NSG (default rules only shadow or
 * take over).  internet: the resolved Internet tag of the context (from
 * struct nsg_ctx); NULL uses nsg_sem_internet(NULL).  admin (may be NULL):
 * the admin stage of the context, for overridden-by-admin-rule.  Findings
 * are appended to out in rule order. */
nsg_rc nsg_slv_lint(struct nsg_slv *s, const struct nsg_cnsg *c,
                    const struct nsg_addrset *internet,
                    struct nsg_slv_lint *out, struct nsg_err *err) NSG_WUR;
/* The same in front of an admin stage (may be NULL): an NSG rule made
 * dead by an AlwaysAllow/Deny admin rule is a finding. */
nsg_rc nsg_slv_lint_admin(struct nsg_slv *s, const struct nsg_cnsg *c,
                          const struct nsg_addrset *internet,
                          const struct nsg_admin_stage *admin,
                          struct nsg_slv_lint *out,
                          struct nsg_err *err) NSG_WUR;
/* The same with both: the admin stage (may be NULL) and witnesses taken in
 * scope when one exists (scope may be NULL). */
nsg_rc nsg_slv_lint_scoped(struct nsg_slv *s, const struct nsg_cnsg *c,
                           const struct nsg_addrset *internet,
                           const struct nsg_admin_stage *admin,
                           const struct nsg_slv_scope *scope,
                           struct nsg_slv_lint *out,
                           struct nsg_err *err) NSG_WUR;
/* The static findings of one NSG in topology t (no solver needed). */
void nsg_slv_lint_static(const struct nsg_topology *t, const struct nsg_nsg *n,
                         const struct nsg_cnsg *c, struct nsg_slv_lint *out);

/* ---- baseline (slv_naive.c, for the benchmark only) --------------------- */
/* The naive encoding: a plain first-match if-then-else chain rebuilt from
 * raw per-rule terms (address items expanded per CIDR, no sharing, no
 * caching).  Bool: the NSG allows. */
nsg_rc nsg_slv_naive_allow(struct nsg_slv *s, const struct nsg_cnsg *c,
                           Z3_ast *out, struct nsg_err *err) NSG_WUR;

#endif
