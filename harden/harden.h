/* harden.h - hardening plans learned from observed traffic, and the proof
 * that a plan is safe before it is enforced (adaptive network hardening,
 * done offline and proven):
 *   - the plan: its model, JSON form (docs/plan.md), validation and the
 *     edits a user may make (plan.c, plan_json.c, plan_edit.c);
 *   - harden: recommendations from the flow store (learn.c, cover.c,
 *     recommend.c);
 *   - alerts: observed traffic outside the recommended ranges (alerts.c);
 *   - prove: exact replay of the observed flows, the Z3 no-widening proof,
 *     invariants and what the plan closes (prove*.c, closes.c);
 *   - enforce: the new NSG resources written to a directory (enforce.c).
 * Built on the simulator (per-NIC evaluation through both levels), the
 * flow store and the solver; the library never prints or exits. */
#ifndef NSG_HARDEN_H
#define NSG_HARDEN_H

#include <cjson/cJSON.h>

#include "../corpus/flowstore.h"
#include "../solver/verify.h"

/* ---- the plan (plan.c, plan_json.c) ------------------------------------- */

#define NSG_PLAN_FORMAT 1
/* Generated rule names are at most this long: flow logs record names of up
 * to 65 characters whole (Azure allows 80). */
#define NSG_PLAN_NAME_MAX 65
#define NSG_AZURE_NAME_MAX 80
/* Azure's limits per NSG (REFERENCE.md section 1). */
#define NSG_AZURE_MAX_RULES 1000
#define NSG_AZURE_MAX_PREFIXES 4000

/* Where a plan rule comes from. */
enum nsg_plan_origin {
    NSG_PLAN_RECOMMENDED, /* "recommended": a narrowed allow or the deny */
    NSG_PLAN_PLATFORM,    /* "platform": keeps AzureLoadBalancer probes */
    NSG_PLAN_ADDED,       /* "added": `plan add` or by hand */
};
const char *nsg_plan_origin_name(enum nsg_plan_origin o);

/* One side of a rule as written: address items ("*", CIDRs, tags) and
 * application security group ids. */
struct nsg_plan_side {
    char **addrs;
    size_t n_addrs;
    char **asgs;
    size_t n_asgs;
};

struct nsg_plan_ports {
    struct nsg_portrange *r;
    size_t n;
};

/* A rule the plan adds to an NSG (always Inbound). */
struct nsg_plan_rule {
    char *name;
    enum nsg_access access;
    enum nsg_plan_origin origin;
    bool modified; /* changed by `plan modify` since harden wrote it */
    int priority;
    int proto; /* NSG_PROTO_ANY or a number */
    struct nsg_plan_side src, dst;
    struct nsg_plan_ports sports, dports;
    char *description;
    cJSON *extra; /* other members as read (covers, closes, ...), owned */
};

/* The replaced rule R, as it was when the plan was made. */
struct nsg_plan_replaced {
    char *name;
    int priority;
    int proto;
    struct nsg_plan_side src, dst;
    struct nsg_plan_ports sports, dports;
};

/* One recommendation: narrowed allows and one deny directly above R. */
struct nsg_plan_rec {
    char *nsg_id, *nsg_name;
    struct nsg_plan_replaced r;
    struct nsg_plan_ports ports; /* covered ports R admits (the deny's) */
    int *slots;                  /* free priorities above R, nearest first */
    size_t n_slots;
    char **nics; /* NICs the edit affects (every NIC the NSG governs) */
    size_t n_nics;
    struct nsg_plan_rule *rules;
    size_t n_rules;
    cJSON *extra; /* learned, closes, notes, ... (owned) */
};

/* An NSG the plan edits, as it was when the plan was made. */
struct nsg_plan_nsg {
    char *id, *name, *resource_group, *etag;
    int64_t captured_at;
    char object[65]; /* the corpus object of that version */
};

/* A NIC in the plan's scope: its status and its private addresses. */
struct nsg_plan_nic {
    char *name, *id;
    char *status; /* "healthy", "unhealthy", "unscanned" */
    struct nsg_ip *addrs;
    size_t n_addrs;
    cJSON *extra; /* reasons, counts, ... (owned) */
};

struct nsg_plan {
    int64_t created_at;
    char *corpus_dir;
    int64_t generation;
    int64_t window_start, window_end;
    cJSON *settings;                  /* owned; exclude_sources inside */
    struct nsg_addrset exclude;       /* from settings.exclude_sources */
    struct nsg_plan_nsg *nsgs;
    size_t n_nsgs;
    struct nsg_plan_nic *nics;
    size_t n_nics;
    struct nsg_plan_rec *recs;
    size_t n_recs;
    cJSON *alerts; /* owned, may be NULL */
    cJSON *extra;  /* other top-level members as read (owned) */
};

void nsg_plan_free(struct nsg_plan *p); /* NULL-safe */
void nsg_plan_rule_release(struct nsg_plan_rule *r);
void nsg_plan_rec_release(struct nsg_plan_rec *rec);
void nsg_plan_side_release(struct nsg_plan_side *s);

/* The document (caller owns). */
cJSON *nsg_plan_to_json(const struct nsg_plan *p);
/* Parse and validate a document; `where` names it in messages ("PLAN.json").
 * Every rule of the product is checked (docs/plan.md): only allow rules
 * are added, the deny rule is exactly the replaced rule's protocol, source
 * and destination on its covered ports, priorities are free and unique,
 * allows come before the deny, names are valid Azure names, Azure's
 * limits hold.  NSG_E_INPUT naming the JSON path and the problem. */
nsg_rc nsg_plan_from_json(const cJSON *j, const char *where,
                          struct nsg_plan **out, struct nsg_err *err) NSG_WUR;
/* Validate a plan in memory (the same rules). */
nsg_rc nsg_plan_validate(const struct nsg_plan *p, const char *where,
                         struct nsg_err *err) NSG_WUR;
nsg_rc nsg_plan_load(const char *path, struct nsg_plan **out,
                     struct nsg_err *err) NSG_WUR;
/* Write atomically (temporary file, fsync, rename): on failure the file
 * is unchanged. */
nsg_rc nsg_plan_save(const struct nsg_plan *p, const char *path,
                     struct nsg_err *err) NSG_WUR;

/* The rule named `name` ("RULE" or "NSG/RULE"): NSG_E_NOTFOUND, or
 * NSG_E_INPUT when the name is ambiguous (candidates named). */
nsg_rc nsg_plan_find_rule(const struct nsg_plan *p, const char *name,
                          size_t *rec, size_t *rule,
                          struct nsg_err *err) NSG_WUR;
/* Does the plan add a rule to this NSG (id, any case)? */
bool nsg_plan_edits_nsg(const struct nsg_plan *p, const char *nsg_id);

/* Parse "tcp"/"udp" etc., comma lists of CIDRs and of ports (helpers the
 * CLI shares).  NSG_E_USAGE naming the bad item. */
nsg_rc nsg_plan_parse_ports(const char *list, struct nsg_plan_ports *out,
                            struct nsg_err *err) NSG_WUR;
/* The covered ports of adaptive network hardening (REFERENCE.md 7). */
void nsg_plan_default_ports(struct nsg_plan_ports *out);
void nsg_plan_ports_release(struct nsg_plan_ports *p);
/* "22", "1000-2000", "*" */
void nsg_plan_port_text(const struct nsg_portrange *r, char out[16]);

/* ---- edits (plan_edit.c) ------------------------------------------------ */
struct nsg_plan_edit {
    char **sources; /* CIDRs (owned by the caller) or NULL: unchanged */
    size_t n_sources;
    struct nsg_plan_ports ports; /* n == 0: unchanged */
    int proto;                   /* -2: unchanged */
    const char *access;          /* NULL or "allow"; "deny" is refused */
};
/* Each refusal is NSG_E_INPUT with the reason; p is then unchanged. */
nsg_rc nsg_plan_modify(struct nsg_plan *p, const char *rule,
                       const struct nsg_plan_edit *e,
                       struct nsg_err *err) NSG_WUR;
/* Add an allow rule for NIC `nic` above every deny of the plan that closes
 * those ports at one of its NSGs; the new rules' names are appended to
 * names (char *, caller frees). */
nsg_rc nsg_plan_add(struct nsg_plan *p, const char *nic,
                    const struct nsg_plan_edit *e, GPtrArray *names,
                    struct nsg_err *err) NSG_WUR;
nsg_rc nsg_plan_delete(struct nsg_plan *p, const char *rule,
                       struct nsg_err *err) NSG_WUR;

/* ---- the plan applied (plan_apply.c) ------------------------------------ */
/* The model rule of a plan rule (owned by the caller: nsg_rule_release). */
void nsg_plan_rule_to_model(const struct nsg_plan_rule *pr,
                            struct nsg_rule *out);
/* The rule as an ARM security rule object {name, properties{...}}. */
cJSON *nsg_plan_rule_to_arm(const struct nsg_plan_rule *pr);

/* Check the plan against the NSGs of t (the current model) and add its
 * rules to them: each replaced rule must still be there as recorded, each
 * priority free, each name new, Azure's limits kept.  NSG_E_INPUT saying
 * what does not fit.  On failure t may hold some of the rules: load a
 * fresh model to retry. */
nsg_rc nsg_plan_apply(const struct nsg_plan *p, struct nsg_topology *t,
                      struct nsg_err *err) NSG_WUR;

/* Is the plan stale?  For each NSG it edits, the version in force in the
 * corpus must be the one the plan was made from.  *stale is set; `moved`
 * (an array, may be NULL) gets one object per changed NSG saying what
 * moved (etag, version, rules added / removed / changed). */
nsg_rc nsg_plan_check_versions(struct nsg_corpus *c, const struct nsg_plan *p,
                               bool *stale, cJSON *moved,
                               struct nsg_err *err) NSG_WUR;

/* The user rules of two versions of an NSG compared by name:
 * o["rules_added"], o["rules_removed"] (names) and o["rules_changed"]
 * (same name, different match or access). */
void nsg_harden_rule_changes(const struct nsg_nsg *then,
                             const struct nsg_nsg *now, cJSON *o);

/* Every NIC an NSG governs: through a subnet of any of its ip
 * configurations, or directly.  NICs of t, in topology order. */
void nsg_harden_governed(const struct nsg_topology *t, const char *nsg_id,
                         GPtrArray *out /* const struct nsg_nic * */);

/* One NIC's verdict in a plan (verdict.c), as `assess` reports adaptive
 * hardening: the NIC is unhealthy (the plan narrows rules that govern it,
 * an alert concerns it, or a rule of it can only be narrowed by hand):
 * *message is a sentence and *details its evidence {status,
 * recommendations, alerts, reasons}; unscanned: *unscanned says why
 * (the plan's reasons); healthy or not in the plan: all NULL.  Strings are
 * g_malloc'd (g_free), details owned by the caller. */
void nsg_plan_nic_verdict(const struct nsg_plan *p, const struct nsg_nic *nic,
                          char **message, cJSON **details, char **unscanned);

/* ---- harden (learn.c, cover.c, recommend.c) ----------------------------- */
struct nsg_harden_opts {
    const char *nic, *nsg; /* scope (NULL: every NIC in scope) */
    bool all_nics;         /* every NIC, not only internet-facing ones */
    bool has_since;
    int64_t since;          /* window start (default: the oldest flow) */
    long min_days;          /* distinct UTC days with flow records */
    struct nsg_plan_ports ports; /* covered ports (n == 0: the default) */
    struct nsg_addrset exclude;  /* never learned (threat intelligence) */
    char **exclude_prefixes;     /* the same as written, for the plan */
    size_t n_exclude_prefixes;
    const char *exclude_file;
    long max_blocks;    /* source blocks per narrowed rule (default 8) */
    double open_factor; /* trade-off, see docs/harden.md (default 4) */
    const char *corpus_dir;
};
#define NSG_HARDEN_MIN_DAYS 30
#define NSG_HARDEN_MAX_BLOCKS 8
#define NSG_HARDEN_OPEN_FACTOR 4.0

/* Read an --exclude-sources file: CIDRs one per line ('#' comments) or a
 * JSON array of CIDR strings. */
nsg_rc nsg_harden_read_exclude(const char *path, struct nsg_harden_opts *o,
                               struct nsg_err *err) NSG_WUR;
void nsg_harden_opts_release(struct nsg_harden_opts *o);

/* Learn from the flow store and recommend: the plan (statuses, alerts and
 * recommendations).  t is the newest model of c. */
nsg_rc nsg_harden_run(struct nsg_corpus *c, const struct nsg_topology *t,
                      const struct nsg_harden_opts *o, struct nsg_plan **out,
                      struct nsg_err *err) NSG_WUR;

/* Cover the sorted, distinct addresses a[0..n) (one family) with at most
 * max_blocks CIDR blocks that lie inside `allowed`: the fewest blocks whose
 * total size is at most open_factor times the smallest total size any
 * cover within the budget achieves (when no cover within the budget stays
 * inside `allowed`, the budget doubles until one does).  Blocks are
 * written to out (caller frees); NSG_E_INPUT when an address is outside
 * `allowed`. */
nsg_rc nsg_harden_cover(const struct nsg_ip *a, size_t n,
                        const struct nsg_addrset *allowed, long max_blocks,
                        double open_factor, struct nsg_cidr **out,
                        size_t *n_out, struct nsg_err *err) NSG_WUR;

/* ---- alerts (alerts.c) -------------------------------------------------- */
/* Observed inbound flows of the plan's NICs that reach one of its deny
 * rules: flows logged allowed that the plan would deny, and flows logged
 * denied by a plan deny rule (after enforcement).  `since` bounds the
 * flows (the plan's window start for `alerts`).  The report (docs/
 * harden.md#alerts) is cJSON owned by the caller; *n the alert count in
 * flow tuples. */
nsg_rc nsg_alerts_run(struct nsg_corpus *c, const struct nsg_plan *p,
                      int64_t since, int64_t until, cJSON **report,
                      uint64_t *n, struct nsg_err *err) NSG_WUR;

/* ---- prove (prove.c, prove_solver.c, closes.c) -------------------------- */
enum nsg_prove_status { NSG_PROVE_PROVEN, NSG_PROVE_REFUTED,
                        NSG_PROVE_UNKNOWN };
const char *nsg_prove_status_name(enum nsg_prove_status s);

struct nsg_prove_opts {
    const struct nsg_queries *invariants; /* may be NULL */
    bool rebase;          /* re-check a stale plan against the corpus */
    unsigned timeout_ms;  /* per solver check (0: none) */
    size_t max_listed;    /* flows / witnesses listed (0: 20) */
};

/* Prove the plan safe (docs/prove.md).  A stale plan (an NSG changed since
 * it was made) is NSG_E_INPUT unless rebase.  *status and *report (caller
 * owns) are set when the proof ran. */
nsg_rc nsg_prove_run(struct nsg_corpus *c, const struct nsg_plan *p,
                     const struct nsg_prove_opts *o,
                     enum nsg_prove_status *status, cJSON **report,
                     struct nsg_err *err) NSG_WUR;

/* ---- enforce (enforce.c) ------------------------------------------------ */
/* The two ARM PUT bodies of an NSG the plan edits: *captured, the resource
 * as stored in the corpus (the version in force), and *proposed, the same
 * with only properties.securityRules changed (the plan's rules for it
 * appended, *added of them).  Both owned by the caller. */
nsg_rc nsg_enforce_bodies(struct nsg_corpus *c, const struct nsg_plan *p,
                          const struct nsg_plan_nsg *pn, cJSON **captured,
                          cJSON **proposed, size_t *added,
                          struct nsg_err *err) NSG_WUR;
/* Write a JSON document to path atomically (a temporary file, fsync,
 * rename, fsync of the directory), pretty-printed. */
nsg_rc nsg_enforce_write_json(const char *path, const cJSON *j,
                              struct nsg_err *err) NSG_WUR;
/* Write, for each NSG the plan edits, DIR/<resource-group>/<nsg>.json (the
 * captured resource with only properties.securityRules changed) and
 * DIR/<resource-group>/<nsg>.rollback.json (the captured resource), each
 * atomically.  `written` (array) gets {nsg, id, file, rollback,
 * rules_added}, in the plan's order. */
nsg_rc nsg_enforce_write(struct nsg_corpus *c, const struct nsg_plan *p,
                         const char *dir, cJSON *written,
                         struct nsg_err *err) NSG_WUR;

#endif
