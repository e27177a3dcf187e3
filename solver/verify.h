/* verify.h - reachability properties over a topology: the query language
 * (never / can / always SRC -> DST SERVICE, see docs/queries.md), endpoint
 * resolution into NICs and address sets, and the verifier that proves or
 * refutes a query with Z3 and replays every witness through the simulator.
 *
 * Ownership: parsed queries own their strings (nsg_query_release); results
 * own their lists (nsg_vresult_release) but borrow NICs from the topology
 * and rules from the verifier's simulator, so a result is valid until the
 * verifier is freed.  The topology must outlive the verifier. */
#ifndef NSG_VERIFY_H
#define NSG_VERIFY_H

#include "../path/path.h"
#include "solver.h"

/* ---- queries (slv_query.c) -------------------------------------------- */
enum nsg_q_quant {
    NSG_Q_NEVER,  /* no packet of the class is allowed */
    NSG_Q_CAN,    /* some packet of the class is allowed */
    NSG_Q_ALWAYS, /* every packet of the class is allowed */
};
const char *nsg_q_quant_name(enum nsg_q_quant q);

enum nsg_ep_kind {
    NSG_EP_ANY,  /* "*" or "any" */
    NSG_EP_CIDR, /* an IP or a prefix, v4 or v6 */
    NSG_EP_TAG,  /* a service tag: Internet, VirtualNetwork, Storage.WestUS */
    NSG_EP_NIC,  /* nic:NAME     the NIC's ip configurations */
    NSG_EP_SUBNET, /* subnet:NAME or subnet:VNET/NAME: NICs in the subnet */
    NSG_EP_VNET, /* vnet:NAME    NICs in the vnet's subnets */
    NSG_EP_ASG,  /* asg:NAME     ip configurations that are members */
    NSG_EP_VM,   /* vm:NAME      the VM's NICs */
};
/* True for the kinds that name resources (nic, subnet, vnet, asg, vm). */
static inline bool nsg_ep_is_resource(enum nsg_ep_kind k)
{
    return k >= NSG_EP_NIC;
}
/* "nic", "subnet", ... for resource kinds; "any", "cidr", "tag" else. */
const char *nsg_ep_kind_name(enum nsg_ep_kind k);

struct nsg_endpoint {
    enum nsg_ep_kind kind;
    struct nsg_cidr cidr; /* NSG_EP_CIDR */
    char *name;           /* tag, or resource name / id; NULL for ANY/CIDR */
    char *text;           /* as written */
    int col;              /* 1-based column in the query line */
};

struct nsg_query {
    char *text; /* the query as written (comment and outer blanks removed) */
    int line;   /* 1-based line in its file (1 for --query) */
    enum nsg_q_quant quant;
    struct nsg_endpoint src, dst;
    int proto; /* NSG_PROTO_ANY or an IANA number */
    struct nsg_portrange *dports, *sports; /* NULL = any port */
    size_t n_dports, n_sports;
};
void nsg_query_release(struct nsg_query *q);

/* Parse one query (text without newline; a '#' starts a comment).  Errors
 * are NSG_E_INPUT with "line L, column C: expected ..., found '...'". */
nsg_rc nsg_query_parse(const char *text, int line, struct nsg_query *out,
                       struct nsg_err *err) NSG_WUR;

/* A list of queries: a --queries file, one query per line, '#' comments
 * and blank lines skipped.  The first bad line is the error. */
struct nsg_queries {
    struct nsg_query *q;
    size_t n;
};
#define NSG_QUERIES_INIT {NULL, 0}
nsg_rc nsg_queries_parse(const char *text, struct nsg_queries *out,
                         struct nsg_err *err) NSG_WUR;
void nsg_queries_release(struct nsg_queries *qs);

/* ---- endpoint resolution (slv_verify_ep.c) ----------------------------- */
/* One NIC of a resource endpoint and the private addresses of its ip
 * configurations that the endpoint covers. */
struct nsg_ep_member {
    const struct nsg_nic *nic;
    struct nsg_addrset addrs;
};
struct nsg_ep_members {
    struct nsg_ep_member *m;
    size_t n;
};
#define NSG_EP_MEMBERS_INIT {NULL, 0}
void nsg_ep_members_release(struct nsg_ep_members *ms);
/* The NICs of a resource endpoint (nic, subnet, vnet, asg, vm), in
 * topology order.  An unknown name is NSG_E_NOTFOUND, an ambiguous one
 * NSG_E_INPUT listing the candidates; an endpoint without any NIC address
 * is NSG_E_INPUT. */
nsg_rc nsg_verify_members(const struct nsg_topology *t,
                          const struct nsg_endpoint *ep,
                          struct nsg_ep_members *out,
                          struct nsg_err *err) NSG_WUR;
/* The addresses of an ANY / CIDR / TAG endpoint in ctx (added to out); a
 * resource endpoint gives the union of its members' addresses. */
nsg_rc nsg_verify_addrs(const struct nsg_ctx *ctx,
                        const struct nsg_endpoint *ep, struct nsg_addrset *out,
                        struct nsg_err *err) NSG_WUR;
/* The virtual network of a NIC (of its primary ip configuration's subnet),
 * NULL when unknown. */
const struct nsg_vnet *nsg_verify_nic_vnet(const struct nsg_topology *t,
                                           const struct nsg_nic *nic);
/* Are two vnets the same or joined by a Connected peering (either side)
 * that allows virtual network access? */
bool nsg_verify_vnets_joined(const struct nsg_vnet *a,
                             const struct nsg_vnet *b);

/* ---- the verifier (slv_verify.c) --------------------------------------- */
struct nsg_verifier; /* opaque: topology (borrowed), simulator, solver */
struct nsg_verifier *nsg_verifier_new(const struct nsg_topology *t,
                                      unsigned timeout_ms);
void nsg_verifier_free(struct nsg_verifier *v); /* NULL-safe */
/* NSGs alone (--nsg-only): every packet of the class is asked at the NICs
 * whose NSGs would see it, whether or not Azure carries it. */
void nsg_verifier_set_nsg_only(struct nsg_verifier *v, bool on);

enum nsg_vstatus { NSG_V_HOLDS, NSG_V_VIOLATED, NSG_V_UNKNOWN };
const char *nsg_vstatus_name(enum nsg_vstatus s); /* "holds", ... */

/* One NIC's evaluation of the witness: its NSG levels in order. */
struct nsg_vhop {
    const struct nsg_nic *nic;
    enum nsg_dir dir;
    struct nsg_verdict v; /* rules borrowed from the verifier's simulator */
};

struct nsg_vresult {
    enum nsg_vstatus status;
    /* The witness: for `never` an allowed packet, for `always` a denied
     * one, for `can` that holds an allowed example, for `can` that is
     * violated a denied sample (none when the class is empty).  Its dir is
     * In when it ends at a NIC of the topology, Out when it leaves the
     * topology. */
    bool has_witness;
    struct nsg_packet witness;
    enum nsg_decision decision; /* of the witness, as the simulator says */
    struct nsg_vhop hops[2];    /* source NIC (outbound) then destination */
    size_t n_hops;
    /* NICs where the property fails (destination NICs; source NICs for
     * traffic leaving the topology); owned strings. */
    char **failing;
    size_t n_failing;
    size_t n_units;   /* separate checks made (one per NIC on the path) */
    size_t n_unknown; /* of those, unknown (timeout) */
    char reason[1024];
    /* The path model (not with nsg-only): the witness's path, hop by hop,
     * and the NSG decisions on it; `sent` is the witness as its source
     * sent it (witness is as the last NSGs saw it, after translation);
     * no_path: the witness has no path (its path says where it ends). */
    bool has_path, no_path;
    struct nsg_path path;
    struct nsg_ptrace trace; /* trace.v[i].at point into path */
    struct nsg_packet sent;
    /* Paths that decide the answer but are not verified (a gateway, an
     * appliance outside the corpus): why, one owned string each. */
    char **open;
    size_t n_open;
};
void nsg_vresult_release(struct nsg_vresult *r);

/* Prove or refute one query.  Input errors (unknown endpoint, nothing of
 * the topology on the path, unresolvable tag in a rule) are returned; a
 * solver timeout is not an error but status unknown; a witness the
 * simulator disagrees with is NSG_E_INTERNAL with both answers. */
nsg_rc nsg_verify_run(struct nsg_verifier *v, const struct nsg_query *q,
                      struct nsg_vresult *out, struct nsg_err *err) NSG_WUR;

#endif
