/* cli.h - what the nsgproof subcommands share: the command table entries,
 * error and usage reporting, JSON printing and corpus loading.  Only cli/
 * prints or decides exit codes. */
#ifndef NSG_CLI_H
#define NSG_CLI_H

#include <cjson/cJSON.h>
#include <glib.h>
#include <stdio.h>

#include "../common/nsg.h"
#include "../corpus/corpus.h"
#include "../model/model.h"
#include "../sim/sim.h"

/* Exit codes (every command). */
enum {
    CLI_EXIT_OK = 0,      /* holds / allowed / no difference */
    CLI_EXIT_FOUND = 1,   /* violated / denied / differences found */
    CLI_EXIT_INPUT = 2,   /* usage or input error */
    CLI_EXIT_UNKNOWN = 3, /* solver unknown or internal inconsistency */
};

/* Each subcommand: argv[0] is the subcommand name. */
int cmd_import(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_rules(int argc, char **argv);
int cmd_replay(int argc, char **argv);
int cmd_diff(int argc, char **argv);
int cmd_verify(int argc, char **argv);
int cmd_lint(int argc, char **argv);
int cmd_compact(int argc, char **argv); /* flow-store compaction */
int cmd_list(int argc, char **argv);    /* what a corpus holds */
int cmd_show(int argc, char **argv);    /* one resource, its history */
int cmd_harden(int argc, char **argv);  /* hardening plans (harden/) */
int cmd_plan(int argc, char **argv);
int cmd_alerts(int argc, char **argv);
int cmd_prove(int argc, char **argv);
int cmd_enforce(int argc, char **argv);
int cmd_gc(int argc, char **argv);      /* remove unreferenced files */
int cmd_fsck(int argc, char **argv);    /* check a corpus */
int cmd_path(int argc, char **argv);    /* next hop + IP flow verify */
int cmd_assess(int argc, char **argv);  /* networking recommendations */
int cmd_map(int argc, char **argv);     /* the network map */
int cmd_capture(int argc, char **argv); /* live capture (arm, flowlogs) */
int cmd_export_flows(int argc, char **argv); /* stored flows as aggregates */
int cmd_sport_boundaries(int argc, char **argv); /* for aggregate jobs */

/* The running subcommand's name, for "nsgproof CMD: error: ..." (set once
 * by main before dispatch). */
void cli_set_command(const char *name);
/* Print "nsgproof CMD: error: <message>" and a newline to stderr. */
void cli_error(const char *fmt, ...) NSG_PRINTF(1, 2);
/* "nsgproof CMD: note: <message>" on stderr (something the user should
 * know that does not change the answer: --at taking a later version). */
void cli_note(const char *fmt, ...) NSG_PRINTF(1, 2);
/* cli_note() for each string of notes (may be NULL). */
void cli_notes(const GPtrArray *notes);
/* cli_error() with err's message; returns the exit status for the error's
 * code (2 or 3). */
int cli_fail(const struct nsg_err *err);
/* At exit: flush and close standard output; a write error (full disk,
 * closed pipe) is reported and turns status into 2 (3 stays 3), so a
 * truncated --json never exits 0. */
int cli_finish_stdout(int status);
/* Colour in text output: stdout is a terminal, NO_COLOR is not set and
 * TERM is not "dumb". */
bool cli_color(void);
/* Print a word of text output (Allow, Deny, HOLDS, VIOLATED, ...), in
 * colour when cli_color(), padded with blanks to width. */
void cli_word(const char *w, int width);
/* Print a JSON value (formatted) and a newline to stdout. */
void cli_print_json(const cJSON *j);
/* Open the corpus at dir (must exist) and load its newest model. */
nsg_rc cli_load_corpus(const char *dir, struct nsg_corpus **c,
                       struct nsg_topology **t, struct nsg_err *err) NSG_WUR;
/* For the corpus upkeep commands (gc, compact), after their option parsing
 * (status): --corpus DIR required, the corpus opened (it must exist) with
 * --lock-wait seconds.  -1 with *c open, else the exit status. */
struct cli_command_help; /* cli_opt.h */
int cli_open_upkeep(const struct cli_command_help *help, int status,
                    const char *dir, double lock_wait, struct nsg_corpus **c);
/* A string member of a JSON object, or dflt when absent or not a string. */
const char *cli_json_str(const cJSON *o, const char *key, const char *dflt);
/* A number member of a JSON object, or 0 when absent or not a number. */
double cli_json_num(const cJSON *o, const char *key);
/* ---- the model (cli_model.c) ---------------------------------------------- */
/* "-" means standard input: the path to open for a file argument. */
const char *cli_path(const char *arg);
/* Open the corpus at dir and load the model as of `at` (NSG_TIME_LATEST:
 * the newest).  For an earlier time, notes (char *, g_free) get one line
 * naming the resources first captured after it (taken as first seen). */
nsg_rc cli_load_model(const char *dir, int64_t at, struct nsg_corpus **c,
                      struct nsg_topology **t, GPtrArray *notes,
                      struct nsg_err *err) NSG_WUR;
/* nsg_topo_find, and for an unknown name "did you mean ...?" (type -1:
 * any type) in the message. */
nsg_rc cli_find(const struct nsg_topology *t, int type, const char *name,
                void **out, struct nsg_err *err) NSG_WUR;
/* "did you mean a, b or c?" for a name (nothing when none is close). */
void cli_suggest(const struct nsg_topology *t, int type, const char *name,
                 struct nsg_buf *out);
/* The NICs a --nic value names: NAME, an id, nic:NAME, or vm:NAME (the
 * VM's NICs, in order), appended to out (struct nsg_nic *). */
nsg_rc cli_find_nics(const struct nsg_topology *t, const char *spec,
                     GPtrArray *out, struct nsg_err *err) NSG_WUR;
/* One NIC: as cli_find_nics; for a VM with several NICs, the one holding
 * addr (the NIC-side address of a packet), else an error naming them. */
nsg_rc cli_find_nic(const struct nsg_topology *t, const char *spec,
                    const struct nsg_ip *addr, struct nsg_nic **out,
                    struct nsg_err *err) NSG_WUR;
/* The resource group named in an id (newly allocated), or NULL. */
char *cli_resource_group(const char *id);
/* Worker threads for commands that split their work (lint, verify):
 * NSGPROOF_THREADS (a whole number from 1 to 256) or one per processor;
 * NSG_E_USAGE naming the variable for anything else. */
nsg_rc cli_threads(unsigned *out, struct nsg_err *err) NSG_WUR;
/* An NSG's name, with " (resource group RG)" when another NSG of t has
 * the same name.  Returns buf. */
const char *cli_nsg_label(const struct nsg_topology *t,
                          const struct nsg_nsg *n, char *buf, size_t cap);
/* When the corpus lacks part of vnet's context, add a note (once) saying
 * what and that the answer does not depend on it; true then. */
bool cli_context_note(const struct nsg_topology *t, const struct nsg_vnet *v,
                      GPtrArray *notes);
/* Load an NSG file (ARM or az JSON; "-" = standard input) into t in place
 * of the NSG of the same id or name, or added (applied nowhere) when t
 * has none.  *name (may be NULL) receives its name (caller frees). */
nsg_rc cli_propose(struct nsg_topology *t, const char *path, char **name,
                   struct nsg_err *err) NSG_WUR;

/* The packets an NSG can see in vnet (its families; the NIC-side address
 * in the subnets and NICs of vnet it is applied to, into governed): the
 * scope in which diff and lint look for witnesses.  vnet NULL: anywhere. */
struct nsg_slv_scope;
void cli_nsg_scope(const struct nsg_topology *t, const struct nsg_nsg *n,
                   const struct nsg_vnet *vnet, struct nsg_addrset *governed,
                   struct nsg_slv_scope *sc);
/* The same for one NIC (its addresses). */
void cli_nic_scope(const struct nsg_topology *t, const struct nsg_nic *nic,
                   struct nsg_addrset *governed, struct nsg_slv_scope *sc);

/* The virtual networks an NSG is applied in (through its subnets and its
 * NICs' subnets), each once, appended to out (struct nsg_vnet *). */
void cli_vnets_of_nsg(const struct nsg_topology *t, const struct nsg_nsg *n,
                      GPtrArray *out);
/* cli_vnets_of_nsg, and when that finds none but the NSG is applied to a
 * NIC the corpus lacks, a placeholder for that NIC's unknown virtual
 * network (added to owned as well: free with nsg_vnet_free). */
void cli_nsg_contexts(const struct nsg_topology *t, const struct nsg_nsg *n,
                      GPtrArray *out, GPtrArray *owned);
/* nsg_addrset_to_cidrs callback: append the prefix's text to a cJSON
 * array. */
void cli_emit_cidr(const struct nsg_cidr *c, void *array);

/* The `check` question that reproduces an answer printed by diff, verify
 * or lint. */
struct cli_check_ref {
    const char *corpus;           /* --corpus as given, or NULL */
    int64_t at;                   /* --at, or NSG_TIME_LATEST */
    const char *proposed;         /* --proposed FILE, or NULL */
    const char *nic, *nsg, *vnet; /* --nic or --nsg [--vnet] */
};
/* The question as a `check --batch` line (nic|nsg, vnet, direction,
 * protocol, src, sport, dst, dport). */
cJSON *cli_check_json(const struct cli_check_ref *r,
                      const struct nsg_packet *p);
/* The question as a command line ("nsgproof check --corpus ..."). */
void cli_check_text(const struct cli_check_ref *r, const struct nsg_packet *p,
                    struct nsg_buf *out);
/* How check names an NSG unambiguously: its name, or its id when another
 * NSG of t has the same name. */
const char *cli_nsg_ref(const struct nsg_topology *t, const struct nsg_nsg *n);

/* ---- SARIF 2.1.0 (cli_sarif.c) ---------------------------------------------- */
#define NSGPROOF_VERSION "0.1.0"
/* A log with one run of nsgproof COMMAND: *rules and *results are its
 * arrays (owned by the log). */
cJSON *cli_sarif_new(const char *command, cJSON **rules, cJSON **results);
/* The index of rule id in rules, added (with its description and default
 * level) when absent. */
int cli_sarif_rule(cJSON *rules, const char *id, const char *text,
                   const char *level);
/* Append a result (kind may be NULL: "fail"); returns it. */
cJSON *cli_sarif_result(cJSON *results, const char *rule_id, int rule_index,
                        const char *level, const char *kind,
                        const char *message);
/* Add a logical location (a rule's resource id) to a result. */
void cli_sarif_logical(cJSON *result, const char *fqn, const char *name);
/* The same for another kind of location ("resource": an Azure resource
 * id). */
void cli_sarif_logical_kind(cJSON *result, const char *fqn, const char *name,
                            const char *kind);
/* A tool notification (an NSG or query that could not be analysed). */
void cli_sarif_notification(cJSON *log, const char *level, const char *text);
/* A rule's resource id (its own, or the NSG's id + /securityRules/NAME),
 * and the JSON pointer of the rule in the stored NSG object; g_free. */
char *cli_rule_id(const struct nsg_nsg *n, const struct nsg_rule *r);
char *cli_rule_pointer(const struct nsg_nsg *n, const struct nsg_rule *r);

/* Parse a number of seconds from 0 to 86400 (--lock-wait); false when s
 * is not one. */
bool cli_parse_seconds(const char *s, double *out);
/* Parse "inbound"/"outbound" (any case, also "in"/"out"); -1 when bad. */
int cli_parse_direction(const char *s);
/* Largest --timeout in milliseconds (a day). */
#define CLI_TIMEOUT_MAX 86400000L
/* Parse s as a whole decimal number in [min, max] (digits only, an optional
 * leading '-', no blanks); false when it is not one (out is then
 * unchanged). */
bool cli_parse_long(const char *s, long min, long max, long *out);

#endif
