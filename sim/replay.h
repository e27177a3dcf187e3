/* replay.h - replays logged flow tuples through the simulator: does the model
 * reproduce Azure's logged decisions (replay), and which observed flows would
 * a proposed NSG change (what-if)?  The cores take one struct nsg_flow at a
 * time, so they run from the flow store or from flows built in memory;
 * replay_corpus.c drives them from a corpus.  Reports are cJSON documents
 * whose schema is in docs/replay.md. */
#ifndef NSG_REPLAY_H
#define NSG_REPLAY_H

#include <cjson/cJSON.h>

#include "../model/model_flow.h"
#include "sim.h"

/* Why a tuple could not be evaluated (keys of "unevaluated_reasons"). */
enum nsg_replay_reason {
    NSG_RR_UNKNOWN_NSG,  /* "unknown_nsg": NSG / aclID not in the corpus */
    NSG_RR_UNKNOWN_MAC,  /* "unknown_mac": no NIC with that MAC (nor a
                            usable VNet flow-log target) */
    NSG_RR_UNKNOWN_VNET, /* "unknown_vnet": the NIC's subnet or virtual
                            network is not in the corpus */
    NSG_RR_PLATFORM,     /* "platform_rule": PlatformRule / zero aclID */
    NSG_RR_ADMIN,        /* "admin_rule": a Virtual Network Manager rule
                            whose configuration is not in the corpus, or
                            whose application to the VNet is unknown */
    NSG_RR_UNKNOWN_TAG,  /* "unknown_tag": the answer depends on a tag or
                            ASG the corpus cannot resolve */
    NSG_RR_COUNT
};
const char *nsg_replay_reason_name(enum nsg_replay_reason r);

/* Counts, in flow tuples as logged (an aggregate counts its `count`).
 * inexact: aggregate rows whose source-port range some rule that could
 * decide them splits (the answer depends on a port the row does not
 * tell): neither agree nor disagree, never guessed. */
struct nsg_replay_counts {
    uint64_t total, agree, disagree, established, unevaluated, inexact;
    uint64_t agree_truncated; /* of agree: by a name the log cut short */
    uint64_t reasons[NSG_RR_COUNT];
};

/* ---- replay: simulated against logged decisions ------------------------ */
struct nsg_replay; /* opaque */

/* t (borrowed, must outlive r) is the newest model.  only: replay only the
 * flows of this NSG (NULL: all).  max_listed: disagreements kept in the
 * report (0: 100). */
struct nsg_replay *nsg_replay_new(const struct nsg_topology *t,
                                  const struct nsg_nsg *only,
                                  size_t max_listed);
void nsg_replay_free(struct nsg_replay *r); /* NULL-safe */

/* Give one version of an NSG from the corpus history (ownership moves to
 * r).  An NSG with versions given is evaluated with the version in force at
 * each tuple's time (the newest captured at or before it, else the oldest);
 * an NSG without is evaluated with its object in t.  The captures after the
 * first are the NSG's rule changes. */
void nsg_replay_add_version(struct nsg_replay *r, struct nsg_nsg *version);

/* True when some NSG has several versions: then call nsg_replay_note() on
 * every flow before the first nsg_replay_add(), so that established
 * connections (begun before a change) are recognized. */
bool nsg_replay_wants_prepass(const struct nsg_replay *r);
void nsg_replay_note(struct nsg_replay *r, const struct nsg_flow *f);

/* Evaluate one stored flow and count it.  Errors only on internal failures
 * (a compile error of an NSG is reported, not counted). */
nsg_rc nsg_replay_add(struct nsg_replay *r, const struct nsg_flow *f,
                      struct nsg_err *err) NSG_WUR;

void nsg_replay_get_counts(const struct nsg_replay *r,
                           struct nsg_replay_counts *out);
/* The report (caller owns): counts, reasons, per_nsg, disagreements. */
cJSON *nsg_replay_report(const struct nsg_replay *r);

/* ---- what-if: current against proposed rules ---------------------------- */
/* Put a proposed NSG into t (a copy of the current model), replacing the NSG
 * with the same id, else the same name (the proposed object takes that id).
 * Ownership of n moves to t on success; NSG_E_NOTFOUND when t has no such
 * NSG, NSG_E_INPUT when the name is ambiguous (n is then still the
 * caller's). */
nsg_rc nsg_replay_propose(struct nsg_topology *t, struct nsg_nsg *n,
                          struct nsg_err *err) NSG_WUR;

struct nsg_whatif; /* opaque */
struct nsg_whatif_counts {
    uint64_t total;       /* tuples seen (after dedup across NSG logs) */
    uint64_t unchanged;   /* same decision current and proposed */
    uint64_t newly_denied, newly_allowed, unevaluated;
    uint64_t inexact;     /* aggregate rows whose source-port range a
                             current or proposed rule splits */
    uint64_t reasons[NSG_RR_COUNT];
};
/* cur and prop (borrowed) are the current model and the model with the
 * proposed NSGs in it.  max_listed: changed flows listed (0: 100). */
struct nsg_whatif *nsg_whatif_new(const struct nsg_topology *cur,
                                  const struct nsg_topology *prop,
                                  size_t max_listed);
void nsg_whatif_free(struct nsg_whatif *w); /* NULL-safe */
/* Name a proposed NSG so that per_nsg lists it even when nothing changes. */
void nsg_whatif_track(struct nsg_whatif *w, const char *nsg_name);
/* Collect one stored flow (deduplicated per NIC: the same tuple logged by
 * the subnet NSG and the NIC NSG counts once). */
void nsg_whatif_add(struct nsg_whatif *w, const struct nsg_flow *f);
/* Evaluate every collected flow through both levels, current and proposed. */
nsg_rc nsg_whatif_finish(struct nsg_whatif *w, struct nsg_err *err) NSG_WUR;
void nsg_whatif_get_counts(const struct nsg_whatif *w,
                           struct nsg_whatif_counts *out);
cJSON *nsg_whatif_report(const struct nsg_whatif *w);

/* ---- drivers over a corpus (replay_corpus.c) ----------------------------
 * The one place where sim/ reads the corpus (tests/layers.txt names it). */
struct nsg_corpus;
/* Give r every stored version of each NSG of t that has several. */
nsg_rc nsg_replay_load_history(struct nsg_replay *r, struct nsg_corpus *c,
                               const struct nsg_topology *t,
                               struct nsg_err *err) NSG_WUR;
/* Feed every stored flow to r (two passes when r wants a prepass). */
nsg_rc nsg_replay_run_corpus(struct nsg_replay *r, struct nsg_corpus *c,
                             struct nsg_err *err) NSG_WUR;
/* Feed every stored flow to w and finish it. */
nsg_rc nsg_whatif_run_corpus(struct nsg_whatif *w, struct nsg_corpus *c,
                             struct nsg_err *err) NSG_WUR;

/* ---- helpers shared by the replay files -------------------------------- */
/* Kind of a logged rule name; *plain is the name without its prefix. */
enum nsg_logged_rule { NSG_LR_USER, NSG_LR_DEFAULT, NSG_LR_PLATFORM,
                       NSG_LR_ADMIN };
enum nsg_logged_rule nsg_replay_rule_kind(const char *logged,
                                          const char **plain);
/* Does a logged rule name name the simulated rule (1 exactly, 2 by a
 * prefix the log cut at 65 characters, 0 no; nsg_sem_logged_name_agrees)? */
int nsg_replay_rule_agrees(const char *logged, const char *sim_name);
/* Was the tuple denied (decision D, or VNet state D)? */
bool nsg_replay_flow_denied(const struct nsg_flow *f);
/* Does f (an aggregate row with a source-port range) depend on a source
 * port when evaluated by c (nsg_sim_sport_splits on f's packet)? */
bool nsg_replay_inexact(const struct nsg_cnsg *c, const struct nsg_flow *f);
/* Add "sport_max" to a listed flow that stands for a source-port range. */
void nsg_replay_sport_json(cJSON *o, const struct nsg_flow *f);
/* Case-insensitive string hash and equality for GHashTable (Azure ids). */
guint nsg_replay_ci_hash(gconstpointer s);
gboolean nsg_replay_ci_equal(gconstpointer a, gconstpointer b);
/* "Tcp", "Udp" as JSON strings, any other protocol as its number. */
cJSON *nsg_replay_proto_json(int proto);

#endif
