/* cli_plan.h - the readable form of hardening plans, shared by the harden,
 * plan, alerts, prove and enforce commands (cli_plan.c). */
#ifndef NSG_CLI_PLAN_H
#define NSG_CLI_PLAN_H

#include "../harden/harden.h"

/* The NICs of the plan with their status and reasons. */
void cli_plan_print_nics(const struct nsg_plan *p);
/* Every recommendation and its rules; evidence: what each rule covers and
 * closes. */
void cli_plan_print_recs(const struct nsg_plan *p, bool evidence);
/* One rule as a line: "  199 Deny  NAME  Tcp SRC -> DST:PORTS". */
void cli_plan_print_rule(const struct nsg_plan_rule *r, const char *indent);
/* An alerts report (docs/harden.md#alerts). */
void cli_plan_print_alerts(const cJSON *rep, size_t limit);
/* A prove report (docs/prove.md) for people. */
void cli_plan_print_prove(const cJSON *rep, const char *plan_path);
/* Parse an --invariants file (verify's query language). */
nsg_rc cli_plan_invariants(const char *path, struct nsg_queries *qs,
                           struct nsg_err *err) NSG_WUR;
/* prove and enforce: the plan, the invariants, the corpus and the proof. */
struct cli_prove {
    struct nsg_corpus *c;
    struct nsg_plan *p;
    struct nsg_queries qs;
    enum nsg_prove_status status;
    cJSON *report;
};
/* Load everything and prove; 0, or the exit status after printing the
 * error.  Release with cli_prove_release in both cases. */
int cli_prove_run(const char *corpus, const char *plan, const char *inv,
                  const struct nsg_prove_opts *o, struct cli_prove *out);
void cli_prove_release(struct cli_prove *r);
/* The plan `harden` makes with its defaults (every stored flow, --min-days
 * 30, the default ports, no exclusions), for assess and map. */
nsg_rc cli_harden_defaults(struct nsg_corpus *c, const struct nsg_topology *t,
                           const char *corpus, struct nsg_plan **out,
                           struct nsg_err *err) NSG_WUR;
/* The adaptive-hardening hook of map/'s assessment (map.h), ctx being such
 * a plan: the NIC's verdict in it (nsg_plan_nic_verdict). */
nsg_rc cli_harden_hook(void *ctx, const struct nsg_topology *t,
                       const struct nsg_nic *nic, char **message,
                       cJSON **details, char **unscanned, struct nsg_err *err);
/* Load a plan or print the error; returns 0 or the exit status. */
int cli_plan_load(const char *path, struct nsg_plan **p);

#endif
