/* cli.h - what the nsgproof subcommands share: the command table entries,
 * error and usage reporting, JSON printing and corpus loading.  Only cli/
 * prints or decides exit codes. */
#ifndef NSG_CLI_H
#define NSG_CLI_H

#include <cjson/cJSON.h>
#include <stdio.h>

#include "../common/nsg.h"
#include "../corpus/corpus.h"
#include "../model/model.h"

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
int cmd_gc(int argc, char **argv);      /* remove unreferenced files */
int cmd_fsck(int argc, char **argv);    /* check a corpus */

/* The running subcommand's name, for "nsgproof CMD: error: ..." (set once
 * by main before dispatch). */
void cli_set_command(const char *name);
/* Print "nsgproof CMD: error: <message>" and a newline to stderr. */
void cli_error(const char *fmt, ...) NSG_PRINTF(1, 2);
/* cli_error() with err's message; returns the exit status for the error's
 * code (2 or 3). */
int cli_fail(const struct nsg_err *err);
/* Print "nsgproof CMD: error: <message>" and the usage text; return 2.
 * (Older commands; new ones use cli_opt_error from cli_opt.h.) */
int cli_usage_error(const char *usage, const char *fmt, ...) NSG_PRINTF(2, 3);
/* At exit: flush and close standard output; a write error (full disk,
 * closed pipe) is reported and turns status into 2 (3 stays 3), so a
 * truncated --json never exits 0. */
int cli_finish_stdout(int status);
/* Print a JSON value (formatted) and a newline to stdout. */
void cli_print_json(const cJSON *j);
/* Open the corpus at dir (must exist) and load its newest model. */
nsg_rc cli_load_corpus(const char *dir, struct nsg_corpus **c,
                       struct nsg_topology **t, struct nsg_err *err) NSG_WUR;
/* A string member of a JSON object, or dflt when absent or not a string. */
const char *cli_json_str(const cJSON *o, const char *key, const char *dflt);
/* A number member of a JSON object, or 0 when absent or not a number. */
double cli_json_num(const cJSON *o, const char *key);
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
