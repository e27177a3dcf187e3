/* cli_opt.h - the one option parser of every nsgproof subcommand (git's
 * parse-options is the model).  Each command declares a table of options
 * next to its synopsis; cli_opt_parse() gives every command the same
 * -h/--help, the same "--name VALUE" and "--name=VALUE" forms, the same
 * errors ("nsgproof CMD: error: option '--corpus' needs a value") and the
 * same rule for repeats: a single-valued option given twice is a usage
 * error; only CLI_OPT_LIST options (and callbacks that say so) repeat.
 * The --help text and the manual page's SYNOPSIS and OPTIONS sections are
 * generated from the table (cli_opt_help, cli_opt_man), and a test
 * compares the table with docs/nsgproof.1.
 *
 * Writing a command:
 *
 *     static const char *const synopsis[] = {"--corpus DIR [--json]", NULL};
 *     static const struct cli_command_help help = {
 *         "frob", synopsis, "One sentence.", "Exit: 0 ..., 2 ...\n", NULL};
 *     int cmd_frob(int argc, char **argv)
 *     {
 *         const char *corpus = NULL;
 *         struct cli_output out = CLI_OUTPUT_INIT;
 *         struct cli_option opts[] = {
 *             CLI_OPT_STR("corpus", &corpus, "DIR", "the corpus"),
 *             CLI_OPT_OUTPUT(&out),
 *             CLI_OPT_ENDMARK};
 *         int st = cli_opt_parse(&help, opts, argc, argv, NULL, NULL);
 *         if (st)
 *             return cli_opt_status(st);
 *         if (!corpus)
 *             return cli_opt_error(&help, "--corpus DIR is required");
 *         ...
 *     }
 *
 * Values are borrowed from argv; nothing needs freeing except a
 * struct cli_strv (cli_strv_release). */
#ifndef NSG_CLI_OPT_H
#define NSG_CLI_OPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum cli_opt_kind {
    CLI_OPT_END = 0,
    CLI_OPT_STRING,   /* const char **value; at most once */
    CLI_OPT_BOOL,     /* bool *value set to true; repeating is harmless */
    CLI_OPT_LIST,     /* struct cli_strv *value; repeatable, order kept */
    CLI_OPT_NUMBER,   /* long *value in [min, max]; at most once */
    CLI_OPT_CALLBACK, /* cb(opt, arg, ctx) per occurrence, in order */
    CLI_OPT_GROUP,    /* a heading in --help ("flow options:"); no value */
};

/* Values of a repeatable option or the positional arguments, in the order
 * given.  v is owned (cli_strv_release); the strings are argv's. */
struct cli_strv {
    const char **v;
    size_t n;
};
#define CLI_STRV_INIT {NULL, 0}
void cli_strv_release(struct cli_strv *s);

struct cli_option;
/* A callback returns 0, or a usage-error message (static or in buf).  It
 * sees opt->seen (occurrences so far, this one included) and opt->value
 * (the pointer given in the table), so it can refuse repeats itself. */
typedef const char *(*cli_opt_cb)(const struct cli_option *opt,
                                  const char *arg, void *ctx, char *buf,
                                  size_t buflen);

struct cli_option {
    enum cli_opt_kind kind;
    const char *long_name; /* without the leading "--" */
    void *value;
    const char *argh;      /* the value's placeholder in help ("DIR") */
    const char *help;      /* one line */
    long min, max;         /* CLI_OPT_NUMBER (callbacks may use them) */
    cli_opt_cb cb;         /* CLI_OPT_CALLBACK */
    bool takes_value;      /* CLI_OPT_CALLBACK: needs a value */
    /* set by the parser: how often the option was given */
    unsigned seen;
};

#define CLI_OPT_STR(l, v, a, h) {CLI_OPT_STRING, (l), (v), (a), (h), 0, 0, NULL, true, 0}
#define CLI_OPT_FLAG(l, v, h) {CLI_OPT_BOOL, (l), (v), NULL, (h), 0, 0, NULL, false, 0}
#define CLI_OPT_STRS(l, v, a, h) {CLI_OPT_LIST, (l), (v), (a), (h), 0, 0, NULL, true, 0}
#define CLI_OPT_NUM(l, v, a, mn, mx, h) \
    {CLI_OPT_NUMBER, (l), (v), (a), (h), (mn), (mx), NULL, true, 0}
#define CLI_OPT_CB(l, a, fn, h) {CLI_OPT_CALLBACK, (l), NULL, (a), (h), 0, 0, (fn), true, 0}
/* A callback with a value pointer of its own (opt->value): with a value
 * (CLI_OPT_CBV) or without (CLI_OPT_CBFLAG, arg is NULL). */
#define CLI_OPT_CBV(l, v, a, fn, h) {CLI_OPT_CALLBACK, (l), (v), (a), (h), 0, 0, (fn), true, 0}
#define CLI_OPT_CBFLAG(l, v, fn, h) {CLI_OPT_CALLBACK, (l), (v), NULL, (h), 0, 0, (fn), false, 0}
#define CLI_OPT_HEADING(h) {CLI_OPT_GROUP, NULL, NULL, NULL, (h), 0, 0, NULL, false, 0}
#define CLI_OPT_ENDMARK {CLI_OPT_END, NULL, NULL, NULL, NULL, 0, 0, NULL, false, 0}

/* ---- ready-made options --------------------------------------------------
 * --format text|json (|sarif) and its short form --json.  The two may be
 * combined when they agree; --format given twice, or --json with --format
 * text, is a usage error. */
enum cli_format { CLI_FORMAT_TEXT = 0, CLI_FORMAT_JSON = 1, CLI_FORMAT_SARIF = 2 };
struct cli_output {
    enum cli_format format;
    bool given; /* --format or --json was given */
};
#define CLI_OUTPUT_INIT {CLI_FORMAT_TEXT, false}
const char *cli_opt_format_cb(const struct cli_option *opt, const char *arg,
                              void *ctx, char *buf, size_t buflen);
const char *cli_opt_json_cb(const struct cli_option *opt, const char *arg,
                            void *ctx, char *buf, size_t buflen);
/* Two table rows: --format FORMAT (text or json) and --json. */
#define CLI_OPT_OUTPUT(out)                                                    \
    {CLI_OPT_CALLBACK, "format", (out), "FORMAT", "output format: text (default) or json", \
     0, CLI_FORMAT_JSON, cli_opt_format_cb, true, 0},                          \
    {CLI_OPT_CALLBACK, "json", (out), NULL, "short for --format json", 0,      \
     CLI_FORMAT_JSON, cli_opt_json_cb, false, 0}
/* The same with sarif allowed (SARIF 2.1.0, for code-scanning tools). */
#define CLI_OPT_OUTPUT_SARIF(out)                                              \
    {CLI_OPT_CALLBACK, "format", (out), "FORMAT",                              \
     "output format: text (default), json or sarif", 0, CLI_FORMAT_SARIF,      \
     cli_opt_format_cb, true, 0},                                              \
    {CLI_OPT_CALLBACK, "json", (out), NULL, "short for --format json", 0,      \
     CLI_FORMAT_SARIF, cli_opt_json_cb, false, 0}

/* A point in time (int64_t unix seconds; ISO 8601 or unix seconds on the
 * command line, see nsg_corpus_time_parse); at most once. */
const char *cli_opt_time_cb(const struct cli_option *opt, const char *arg,
                            void *ctx, char *buf, size_t buflen);
#define CLI_OPT_TIME(l, v, h) CLI_OPT_CBV((l), (v), "TIME", cli_opt_time_cb, (h))
/* A number of seconds from 0 to 86400 (double); at most once. */
const char *cli_opt_seconds_cb(const struct cli_option *opt, const char *arg,
                               void *ctx, char *buf, size_t buflen);
#define CLI_OPT_SECONDS(l, v, h) \
    CLI_OPT_CBV((l), (v), "SECONDS", cli_opt_seconds_cb, (h))
/* A direction (int: NSG_DIR_IN or NSG_DIR_OUT; keep -1 as "not given"):
 * inbound|outbound, in|out, any case; at most once. */
const char *cli_opt_direction_cb(const struct cli_option *opt,
                                 const char *arg, void *ctx, char *buf,
                                 size_t buflen);
#define CLI_OPT_DIRECTION(l, v, h) \
    CLI_OPT_CBV((l), (v), "DIR", cli_opt_direction_cb, (h))

/* What a command tells the parser besides its options. */
struct cli_command_help {
    const char *name;              /* "check" */
    const char *const *synopsis;   /* NULL-terminated: "--corpus DIR ..." */
    const char *summary;           /* one sentence, shown under the usage */
    const char *details;           /* text after the options, or NULL */
    const char *positional;        /* "PATH...", or NULL: none accepted */
};

enum {
    CLI_PARSE_OK = 0,
    CLI_PARSE_HELP = -1,  /* --help printed to stdout: exit 0 */
    CLI_PARSE_ERROR = 2,  /* usage error printed to stderr: exit 2 */
};

/* Parse argv[1..argc) (argv[0] is the command name) against opts (ended
 * by CLI_OPT_ENDMARK).  Positional arguments ("-" is one: standard input)
 * go to pos in order (NULL: none accepted), or to a CLI_OPT_CALLBACK with
 * long_name NULL when the table has one (so options and positionals can
 * be interleaved in order).  "--" ends the options.  `ctx` goes to
 * callbacks.  Returns CLI_PARSE_OK, CLI_PARSE_HELP or CLI_PARSE_ERROR.
 * With NSGPROOF_HELP=man in the environment, --help prints the command's
 * manual-page sections (troff) instead of the text. */
int cli_opt_parse(const struct cli_command_help *cmd, struct cli_option *opts,
                  int argc, char **argv, struct cli_strv *pos, void *ctx);
/* The exit status for a non-zero cli_opt_parse result (0 for help, 2). */
int cli_opt_status(int parse_result);

/* The full help (synopsis, summary, options, details) to f. */
void cli_opt_help(const struct cli_command_help *cmd,
                  const struct cli_option *opts, FILE *f);
/* The command's SYNOPSIS lines and OPTIONS subsection in troff (man(7)). */
void cli_opt_man(const struct cli_command_help *cmd,
                 const struct cli_option *opts, FILE *f);
/* A usage error after parsing (a missing or conflicting option): prints
 * "nsgproof CMD: error: MSG" and the synopsis to stderr, returns 2. */
int cli_opt_error(const struct cli_command_help *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
