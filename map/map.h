/* map.h - the network map and the security assessment (Defender for
 * Cloud's network map and networking recommendations, offline):
 *  - which NICs are internet-facing (the one predicate of every command:
 *    nsg_path_nic_facing, path/path.h);
 *  - the traffic every NIC address may receive and send, computed exactly
 *    from both NSG levels as regions of packets (no sampling), with the
 *    observed flows of the corpus laid over it;
 *  - the recommendations with their severities, and flow-log coverage;
 *  - the map document (JSON, docs/map.md) and its DOT and HTML renderings.
 * Built on the public headers of sim/ (compiled rules and their address
 * sets, evaluation), path/ (the internet-facing predicate) and corpus/
 * (stored flows).  Nothing here prints or
 * exits: errors come back as nsg_rc with a message. */
#ifndef NSG_MAP_H
#define NSG_MAP_H

#include <cjson/cJSON.h>
#include <stdio.h>

#include "../corpus/flowstore.h"
#include "../sim/sim.h"

/* ---- port regions (map_region.c) --------------------------------------- */

/* Sorted, disjoint, non-adjacent port ranges. */
struct nsg_map_ranges {
    struct nsg_portrange *r;
    size_t n;
};

/* The protocol of a box: an IANA number, or NSG_MAP_PROTO_OTHER for every
 * protocol that no rule of the topology names (the named numbers are
 * listed by nsg_map_net_protocols; they always include 1, 6 and 17). */
#define NSG_MAP_PROTO_OTHER 256

/* A box of packets: one protocol class, source ports x destination ports.
 * Protocols without ports (all but TCP and UDP) carry 0-65535 on both. */
struct nsg_map_box {
    int proto;
    struct nsg_map_ranges sports, dports;
};

/* A set of (protocol, source port, destination port) as boxes in canonical
 * form: per protocol, one box per distinct destination-port set, holding
 * every source port with that set.  Equal sets have equal forms. */
struct nsg_map_region {
    struct nsg_map_box *b;
    size_t n;
};
#define NSG_MAP_REGION_INIT {NULL, 0}

void nsg_map_region_release(struct nsg_map_region *r);
void nsg_map_region_copy(struct nsg_map_region *dst,
                         const struct nsg_map_region *src);
bool nsg_map_region_empty(const struct nsg_map_region *r);
bool nsg_map_region_equal(const struct nsg_map_region *a,
                          const struct nsg_map_region *b);
enum nsg_map_op { NSG_MAP_AND, NSG_MAP_OR, NSG_MAP_MINUS };
/* out = a op b (out may not alias a or b; it is overwritten). */
void nsg_map_region_combine(const struct nsg_map_region *a,
                            const struct nsg_map_region *b, enum nsg_map_op op,
                            struct nsg_map_region *out);
/* Is the packet class (proto as a number 0-255) in the region?  named /
 * n_named: the numbers the topology names (for NSG_MAP_PROTO_OTHER). */
bool nsg_map_region_has(const struct nsg_map_region *r, const int *named,
                        size_t n_named, int proto, uint16_t sport,
                        uint16_t dport);
/* "Tcp 22,80-90; Udp *; Icmp" (source ports shown only when not all). */
void nsg_map_region_text(const struct nsg_map_region *r, struct nsg_buf *out);
/* [{"protocol": "Tcp"|"Udp"|"Icmp"|...|"other", "ports": "22,80-90",
 *   "source_ports": "*"}] (ports only for Tcp and Udp). */
cJSON *nsg_map_region_json(const struct nsg_map_region *r);
/* "22,80-90" or "*" for the whole range. */
void nsg_map_ranges_text(const struct nsg_map_ranges *r, struct nsg_buf *out);

/* ---- the analysed network (map_net.c) ---------------------------------- */

struct nsg_map_net; /* opaque */

/* Analyse t (borrowed; must outlive the result): every NIC address, its
 * subnet and NSG levels, and the traffic it may receive and send.  A NIC
 * whose NSGs or subnet are not in the corpus is kept with a reason (its
 * traffic is unknown) rather than failing the whole analysis. */
nsg_rc nsg_map_net_new(const struct nsg_topology *t, struct nsg_map_net **out,
                       struct nsg_err *err) NSG_WUR;
void nsg_map_net_free(struct nsg_map_net *n); /* NULL-safe */
const struct nsg_topology *nsg_map_net_topology(const struct nsg_map_net *n);
/* The protocol numbers named by the rules (sorted; 1, 6, 17 included). */
const int *nsg_map_net_protocols(const struct nsg_map_net *n, size_t *count);


/* ---- the assessment (map_assess.c, map_cover.c) ------------------------- */

enum nsg_map_sev { NSG_MAP_SEV_LOW = 1, NSG_MAP_SEV_MEDIUM, NSG_MAP_SEV_HIGH };
/* "Low", "Medium", "High". */
const char *nsg_map_sev_name(enum nsg_map_sev s);

enum nsg_map_rec {
    NSG_MAP_REC_MGMT_PORTS,      /* management ports open to the Internet */
    NSG_MAP_REC_FACING_NSG,      /* internet-facing VM without NSG */
    NSG_MAP_REC_RESTRICT_PORTS,  /* internet-facing VM: ports open to all
                                    of the Internet */
    NSG_MAP_REC_SUBNET_NSG,      /* subnet without NSG */
    NSG_MAP_REC_IP_FORWARDING,   /* NIC with IP forwarding enabled */
    NSG_MAP_REC_INTERNAL_NSG,    /* non-internet-facing VM without NSG */
    NSG_MAP_REC_HARDENING,       /* adaptive hardening recommendations */
    NSG_MAP_REC_FLOW_LOGS,       /* flow-log coverage gap */
    NSG_MAP_REC_COUNT
};
struct nsg_map_rec_info {
    const char *id;          /* "management-ports" (stable: JSON, SARIF) */
    const char *title;       /* Defender's wording */
    const char *remediation; /* one sentence */
    enum nsg_map_sev sev;
};
const struct nsg_map_rec_info *nsg_map_rec(enum nsg_map_rec r);

/* One recommendation for one resource. */
struct nsg_map_finding {
    enum nsg_map_rec rec;
    enum nsg_res_type type; /* NIC, subnet, vnet or nsg */
    const void *res;        /* borrowed from the topology */
    char *message;          /* what is wrong, concretely */
    cJSON *details;         /* owned: ports, reasons, ... (may be NULL) */
};

/* The adaptive-hardening hook (the CLI passes harden/'s plan): called for
 * each internet-facing NIC, it says whether hardening would narrow the
 * NIC's rules.  *message: a newly allocated sentence (g_free) when it
 * would, with *details (may stay NULL), both owned by the assessment
 * afterwards; *unscanned: a newly allocated reason when the NIC cannot be
 * evaluated (its flow data cannot be relied on): not a finding, listed
 * under not_evaluated; both NULL: nothing to recommend.  Without a hook
 * the recommendation is reported as not evaluated. */
typedef nsg_rc (*nsg_map_harden_fn)(void *ctx, const struct nsg_topology *t,
                                    const struct nsg_nic *nic, char **message,
                                    cJSON **details, char **unscanned,
                                    struct nsg_err *err);
struct nsg_map_assess_opts {
    nsg_map_harden_fn harden; /* NULL: not evaluated */
    void *harden_ctx;
};

/* Flow-log coverage of one resource. */
enum nsg_map_cover {
    NSG_MAP_COVER_UNKNOWN, /* no flow-log configuration of its region */
    NSG_MAP_COVER_NONE,    /* no enabled flow log records it */
    NSG_MAP_COVER_PARTIAL, /* some of its traffic (one NSG level of two) */
    NSG_MAP_COVER_FULL,
};
/* "unknown", "none", "partial", "covered". */
const char *nsg_map_cover_name(enum nsg_map_cover c);

struct nsg_map_assessment; /* opaque */
nsg_rc nsg_map_assess(struct nsg_map_net *net,
                      const struct nsg_map_assess_opts *opts,
                      struct nsg_map_assessment **out,
                      struct nsg_err *err) NSG_WUR;
void nsg_map_assessment_free(struct nsg_map_assessment *a); /* NULL-safe */
/* Findings, most severe first, then by resource id. */
const struct nsg_map_finding *nsg_map_findings(const struct nsg_map_assessment *a,
                                               size_t *count);
/* Checks that could not be decided (they depend on a service tag the
 * corpus does not define): char * messages naming the NIC and the tag.
 * high_undetermined: one of them is a High check. */
const GPtrArray *nsg_map_undetermined(const struct nsg_map_assessment *a,
                                      bool *high_undetermined);
/* Coverage of a NIC, subnet, vnet or NSG (UNKNOWN for other types). */
enum nsg_map_cover nsg_map_coverage(const struct nsg_map_assessment *a,
                                    const void *res);
/* The report (schema: docs/assess.md); caller owns. */
cJSON *nsg_map_assessment_json(const struct nsg_map_assessment *a);
/* Short human-readable name of a resource ("vm-web-1 (NIC web-1)"). */
void nsg_map_res_label(const struct nsg_topology *t, enum nsg_res_type type,
                       const void *res, struct nsg_buf *out);

/* ---- traffic (map_traffic.c, map_observe.c) ----------------------------- */

struct nsg_map_traffic; /* opaque */
/* Possible traffic between every pair of NIC addresses that can route to
 * each other (same virtual network or a connected peering) and between
 * NICs and address blocks outside, aggregated per subnet, ASG and address
 * block. */
nsg_rc nsg_map_traffic_new(struct nsg_map_net *net,
                           struct nsg_map_traffic **out,
                           struct nsg_err *err) NSG_WUR;
void nsg_map_traffic_free(struct nsg_map_traffic *tr); /* NULL-safe */
/* Lay the corpus's stored flows over the traffic: each allowed flow marks
 * the traffic entry it belongs to as observed. */
nsg_rc nsg_map_traffic_observe(struct nsg_map_traffic *tr,
                               struct nsg_corpus *c,
                               struct nsg_err *err) NSG_WUR;
/* The same for one flow (tests build flows in memory). */
void nsg_map_traffic_observe_flow(struct nsg_map_traffic *tr,
                                  const struct nsg_flow *f);

/* ---- the map document and its writers (map_doc.c, map_dot.c, map_html.c) */

enum nsg_map_view { NSG_MAP_VIEW_TOPOLOGY, NSG_MAP_VIEW_TRAFFIC };
struct nsg_map_doc_opts {
    enum nsg_map_view view;
    unsigned collapse; /* a subnet with more NICs shows one counted node */
    const char *title; /* NULL: "nsgproof network map" */
};
#define NSG_MAP_COLLAPSE_DEFAULT 16

/* The map document (schema: docs/map.md).  tr is needed for the traffic
 * view (NULL otherwise).  Caller owns. */
cJSON *nsg_map_doc(const struct nsg_map_net *net,
                   const struct nsg_map_assessment *a,
                   const struct nsg_map_traffic *tr,
                   const struct nsg_map_doc_opts *opts);

/* Writers: NSG_E_IO (naming `name`) when writing fails. */
nsg_rc nsg_map_write_json(const cJSON *doc, FILE *f, const char *name,
                          struct nsg_err *err) NSG_WUR;
nsg_rc nsg_map_write_dot(const cJSON *doc, FILE *f, const char *name,
                         struct nsg_err *err) NSG_WUR;
/* One self-contained HTML file: the viewer's script and style inline, the
 * document as inline JSON; nothing is fetched at view time. */
nsg_rc nsg_map_write_html(const cJSON *doc, FILE *f, const char *name,
                          struct nsg_err *err) NSG_WUR;

#endif
