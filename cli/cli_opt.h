/* cli_opt.h - the one option parser of every nsgproof subcommand (git's
 * parse-options is the model).  Each command declares a table of options
 * next to its synopsis; cli_opt_parse() gives every command the same
 * -h/--help, the same "--name VALUE" and "--name=VALUE" forms, the same
 * errors ("nsgproof CMD: error: option '--corpus' needs a value") and the
 * same rule for repeats: a single-valued option given twice is a usage
 * error; only CLI_OPT_LIST options repeat.  The --help text is generated
 * from the table, and tests compare the table with the manual page. */
#ifndef NSG_CLI_OPT_H
#define NSG_CLI_OPT_H

#include <stdbool.h>
#include <stddef.h>
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
/* A callback returns 0, or a usage-error message (static or in buf). */
typedef const char *(*cli_opt_cb)(const struct cli_option *opt,
                                  const char *arg, void *ctx, char *buf,
                                  size_t buflen);

struct cli_option {
    enum cli_opt_kind kind;
    const char *long_name; /* without the leading "--" */
    void *value;
    const char *argh;      /* the value's placeholder in help ("DIR") */
    const char *help;      /* one line */
    long min, max;         /* CLI_OPT_NUMBER */
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
#define CLI_OPT_HEADING(h) {CLI_OPT_GROUP, NULL, NULL, NULL, (h), 0, 0, NULL, false, 0}
#define CLI_OPT_ENDMARK {CLI_OPT_END, NULL, NULL, NULL, NULL, 0, 0, NULL, false, 0}

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
 * callbacks.  Returns CLI_PARSE_OK, CLI_PARSE_HELP or CLI_PARSE_ERROR. */
int cli_opt_parse(const struct cli_command_help *cmd, struct cli_option *opts,
                  int argc, char **argv, struct cli_strv *pos, void *ctx);

/* The full help (synopsis, summary, options, details) to f. */
void cli_opt_help(const struct cli_command_help *cmd,
                  const struct cli_option *opts, FILE *f);
/* A usage error after parsing (a missing or conflicting option): prints
 * "nsgproof CMD: error: MSG" and the synopsis to stderr, returns 2. */
int cli_opt_error(const struct cli_command_help *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
