/* cli_opt.c - the table-driven option parser and its --help text (see
 * cli_opt.h).  Hand-written rather than getopt_long: getopt accepts
 * abbreviations, lets a repeated option silently replace the first and
 * has no notion of a help table; the rules here are short. */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_opt.h"

void cli_strv_release(struct cli_strv *s)
{
    free(s->v);
    s->v = NULL;
    s->n = 0;
}

static void strv_push(struct cli_strv *s, const char *v)
{
    s->v = nsg_xrealloc(s->v, (s->n + 1) * sizeof(*s->v));
    s->v[s->n++] = v;
}

static void print_synopsis(const struct cli_command_help *cmd, FILE *f)
{
    for (size_t i = 0; cmd->synopsis && cmd->synopsis[i]; i++)
        fprintf(f, "%s nsgproof %s %s\n", i ? "   or:" : "usage:", cmd->name,
                cmd->synopsis[i]);
}

void cli_opt_help(const struct cli_command_help *cmd,
                  const struct cli_option *opts, FILE *f)
{
    print_synopsis(cmd, f);
    if (cmd->summary)
        fprintf(f, "\n%s\n", cmd->summary);
    fprintf(f, "\noptions:\n");
    for (const struct cli_option *o = opts; o->kind != CLI_OPT_END; o++) {
        char head[64];
        if (o->kind == CLI_OPT_GROUP) {
            fprintf(f, "\n%s\n", o->help);
            continue;
        }
        if (!o->long_name)
            snprintf(head, sizeof(head), "%s", o->argh ? o->argh : "ARG");
        else if (o->argh && o->kind != CLI_OPT_BOOL)
            snprintf(head, sizeof(head), "--%s %s", o->long_name, o->argh);
        else
            snprintf(head, sizeof(head), "--%s", o->long_name);
        if (strlen(head) <= 22)
            fprintf(f, "  %-22s %s%s\n", head, o->help ? o->help : "",
                    o->kind == CLI_OPT_LIST ? " (repeatable)" : "");
        else
            fprintf(f, "  %s\n  %-22s %s%s\n", head, "", o->help ? o->help : "",
                    o->kind == CLI_OPT_LIST ? " (repeatable)" : "");
    }
    fprintf(f, "  %-22s %s\n", "-h, --help", "show this help and exit");
    if (cmd->details)
        fprintf(f, "\n%s", cmd->details);
}

/* ---- the manual page ---------------------------------------------------- */

/* Text with troff's special characters escaped ('-' as "\-", '\\'). */
static void man_text(const char *s, size_t n, FILE *f)
{
    for (size_t i = 0; i < n && s[i]; i++) {
        if (s[i] == '-')
            fputs("\\-", f);
        else if (s[i] == '\\')
            fputs("\\e", f);
        else
            fputc(s[i], f);
    }
}

/* A word of a synopsis: an option ("--corpus") in bold, a placeholder
 * ("DIR", "PATH...") in italics, anything else as is. */
static void man_word(const char *w, size_t n, FILE *f)
{
    bool upper = isupper((unsigned char)w[0]);
    for (size_t i = 0; i < n && upper; i++)
        upper = isupper((unsigned char)w[i]) || isdigit((unsigned char)w[i]) ||
                w[i] == '.' || w[i] == '_' || w[i] == ':';
    const char *font = w[0] == '-' && n > 1 ? "\\fB" : upper ? "\\fI" : NULL;
    if (font)
        fputs(font, f);
    man_text(w, n, f);
    if (font)
        fputs("\\fR", f);
}

static void man_synopsis_line(const char *s, FILE *f)
{
    while (*s) {
        size_t n = strcspn(s, " \n[]()|");
        if (n) {
            man_word(s, n, f);
            s += n;
            continue;
        }
        if (*s == '\n') { /* a continuation: one line in the manual */
            fputc(' ', f);
            s++;
            while (*s == ' ')
                s++;
            continue;
        }
        fputc(*s++, f);
    }
}

void cli_opt_man(const struct cli_command_help *cmd,
                 const struct cli_option *opts, FILE *f)
{
    fprintf(f, ".\\\" SYNOPSIS of %s\n", cmd->name);
    for (size_t i = 0; cmd->synopsis && cmd->synopsis[i]; i++) {
        fprintf(f, ".B nsgproof %s\n", cmd->name);
        man_synopsis_line(cmd->synopsis[i], f);
        fputs("\n.br\n", f);
    }
    fprintf(f, ".\\\" OPTIONS of %s\n.SS %s\n", cmd->name, cmd->name);
    for (const struct cli_option *o = opts; o->kind != CLI_OPT_END; o++) {
        if (o->kind == CLI_OPT_GROUP || !o->long_name)
            continue;
        fputs(".TP\n\\fB", f);
        man_text("--", 2, f);
        man_text(o->long_name, strlen(o->long_name), f);
        fputs("\\fR", f);
        if (o->argh && o->kind != CLI_OPT_BOOL) {
            fputs(" \\fI", f);
            man_text(o->argh, strlen(o->argh), f);
            fputs("\\fR", f);
        }
        fputc('\n', f);
        if (o->help && (o->help[0] == '.' || o->help[0] == '\''))
            fputs("\\&", f); /* not a control line */
        man_text(o->help ? o->help : "", strlen(o->help ? o->help : ""), f);
        if (o->kind == CLI_OPT_LIST)
            fputs(" (repeatable)", f);
        fputc('\n', f);
    }
    fputs(".TP\n\\fB\\-h\\fR, \\fB\\-\\-help\\fR\nshow the help and exit\n", f);
}

/* ---- ready-made callbacks ------------------------------------------------- */

static const char *const format_names[] = {"text", "json", "sarif"};

static const char *set_format(const struct cli_option *opt,
                              enum cli_format fmt, const char *how, char *buf,
                              size_t buflen)
{
    struct cli_output *out = opt->value;
    if (out->given && out->format != fmt) {
        snprintf(buf, buflen, "%s conflicts with the output format given "
                 "before (%s)", how, format_names[out->format]);
        return buf;
    }
    out->format = fmt;
    out->given = true;
    return NULL;
}

const char *cli_opt_format_cb(const struct cli_option *opt, const char *arg,
                              void *ctx, char *buf, size_t buflen)
{
    (void)ctx;
    if (opt->seen > 1)
        return "option '--format' given twice; it takes one value";
    for (long i = 0; i <= opt->max; i++)
        if (!strcmp(arg, format_names[i])) {
            char how[64];
            snprintf(how, sizeof(how), "--format %s", arg);
            return set_format(opt, (enum cli_format)i, how, buf, buflen);
        }
    snprintf(buf, buflen, "option '--format' takes %s, not '%s'",
             opt->max == CLI_FORMAT_SARIF ? "text, json or sarif"
                                          : "text or json",
             arg);
    return buf;
}

const char *cli_opt_json_cb(const struct cli_option *opt, const char *arg,
                            void *ctx, char *buf, size_t buflen)
{
    (void)arg;
    (void)ctx;
    return set_format(opt, CLI_FORMAT_JSON, "--json", buf, buflen);
}

static const char *once(const struct cli_option *opt, char *buf,
                        size_t buflen)
{
    if (opt->seen <= 1)
        return NULL;
    snprintf(buf, buflen, "option '--%s' given twice; it takes one value",
             opt->long_name);
    return buf;
}

const char *cli_opt_time_cb(const struct cli_option *opt, const char *arg,
                            void *ctx, char *buf, size_t buflen)
{
    struct nsg_err err = NSG_ERR_INIT;
    (void)ctx;
    if (once(opt, buf, buflen))
        return buf;
    if (nsg_corpus_time_parse(arg, opt->value, &err)) {
        snprintf(buf, buflen, "option '--%s': %s", opt->long_name, err.msg);
        return buf;
    }
    return NULL;
}

const char *cli_opt_seconds_cb(const struct cli_option *opt, const char *arg,
                               void *ctx, char *buf, size_t buflen)
{
    (void)ctx;
    if (once(opt, buf, buflen))
        return buf;
    if (!cli_parse_seconds(arg, opt->value)) {
        snprintf(buf, buflen,
                 "option '--%s' needs a number of seconds from 0 to 86400, "
                 "not '%s'",
                 opt->long_name, arg);
        return buf;
    }
    return NULL;
}

const char *cli_opt_direction_cb(const struct cli_option *opt,
                                 const char *arg, void *ctx, char *buf,
                                 size_t buflen)
{
    (void)ctx;
    if (once(opt, buf, buflen))
        return buf;
    int d = cli_parse_direction(arg);
    if (d < 0) {
        snprintf(buf, buflen,
                 "option '--%s' takes inbound or outbound, not '%s'",
                 opt->long_name, arg);
        return buf;
    }
    *(int *)opt->value = d;
    return NULL;
}

/* ---- parsing -------------------------------------------------------------- */

static int verror(const struct cli_command_help *cmd, const char *fmt,
                  va_list ap)
{
    fprintf(stderr, "nsgproof %s: error: ", cmd->name);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    print_synopsis(cmd, stderr);
    fprintf(stderr, "Run 'nsgproof %s --help' for the options.\n", cmd->name);
    return CLI_PARSE_ERROR;
}

int cli_opt_error(const struct cli_command_help *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = verror(cmd, fmt, ap);
    va_end(ap);
    return rc;
}

static struct cli_option *find_long(struct cli_option *opts, const char *name,
                                    size_t len)
{
    for (struct cli_option *o = opts; o->kind != CLI_OPT_END; o++)
        if (o->long_name && strlen(o->long_name) == len &&
            !strncmp(o->long_name, name, len))
            return o;
    return NULL;
}

static struct cli_option *find_positional(struct cli_option *opts)
{
    for (struct cli_option *o = opts; o->kind != CLI_OPT_END; o++)
        if (o->kind == CLI_OPT_CALLBACK && !o->long_name)
            return o;
    return NULL;
}

static bool needs_value(const struct cli_option *o)
{
    switch (o->kind) {
    case CLI_OPT_STRING:
    case CLI_OPT_LIST:
    case CLI_OPT_NUMBER:
        return true;
    case CLI_OPT_CALLBACK:
        return o->takes_value;
    default:
        return false;
    }
}

/* Store one value; returns CLI_PARSE_OK or prints the error. */
static int store(const struct cli_command_help *cmd, struct cli_option *o,
                 const char *arg, void *ctx)
{
    char buf[512];
    const char *msg;
    long v;

    o->seen++;
    switch (o->kind) {
    case CLI_OPT_STRING:
        if (o->seen > 1)
            return cli_opt_error(cmd,
                                 "option '--%s' given twice ('%s', then '%s'); "
                                 "it takes one value",
                                 o->long_name, *(const char **)o->value, arg);
        *(const char **)o->value = arg;
        return CLI_PARSE_OK;
    case CLI_OPT_NUMBER:
        if (o->seen > 1)
            return cli_opt_error(cmd,
                                 "option '--%s' given twice; it takes one value",
                                 o->long_name);
        if (!cli_parse_long(arg, o->min, o->max, &v))
            return cli_opt_error(cmd,
                                 "option '--%s' needs a whole number from %ld "
                                 "to %ld, not '%s'",
                                 o->long_name, o->min, o->max, arg);
        *(long *)o->value = v;
        return CLI_PARSE_OK;
    case CLI_OPT_BOOL:
        *(bool *)o->value = true;
        return CLI_PARSE_OK;
    case CLI_OPT_LIST:
        strv_push(o->value, arg);
        return CLI_PARSE_OK;
    case CLI_OPT_CALLBACK:
        buf[0] = 0;
        msg = o->cb(o, arg, ctx, buf, sizeof(buf));
        if (msg)
            return cli_opt_error(cmd, "%s", msg);
        return CLI_PARSE_OK;
    default:
        return cli_opt_error(cmd, "internal: bad option table");
    }
}

static int positional(const struct cli_command_help *cmd,
                      struct cli_option *opts, struct cli_strv *pos,
                      const char *arg, void *ctx)
{
    struct cli_option *cb = find_positional(opts);
    if (cb)
        return store(cmd, cb, arg, ctx);
    if (!pos || !cmd->positional)
        return cli_opt_error(cmd, "unexpected argument '%s'", arg);
    strv_push(pos, arg);
    return CLI_PARSE_OK;
}

int cli_opt_status(int parse_result)
{
    return parse_result == CLI_PARSE_HELP ? 0 : parse_result ? 2 : 0;
}

int cli_opt_parse(const struct cli_command_help *cmd, struct cli_option *opts,
                  int argc, char **argv, struct cli_strv *pos, void *ctx)
{
    bool only_pos = false;
    int rc;

    for (struct cli_option *o = opts; o->kind != CLI_OPT_END; o++)
        o->seen = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (only_pos || a[0] != '-' || !a[1]) { /* "-" is standard input */
            rc = positional(cmd, opts, pos, a, ctx);
            if (rc)
                return rc;
            continue;
        }
        if (!strcmp(a, "--")) {
            only_pos = true;
            continue;
        }
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            const char *h = getenv("NSGPROOF_HELP");
            if (h && !strcmp(h, "man"))
                cli_opt_man(cmd, opts, stdout);
            else
                cli_opt_help(cmd, opts, stdout);
            return CLI_PARSE_HELP;
        }
        if (a[1] != '-')
            return cli_opt_error(cmd, "unknown option '%s'", a);
        const char *name = a + 2, *eq = strchr(name, '=');
        size_t len = eq ? (size_t)(eq - name) : strlen(name);
        struct cli_option *o = find_long(opts, name, len);
        if (!o || !o->long_name)
            return cli_opt_error(cmd, "unknown option '--%.*s'", (int)len,
                                 name);
        const char *val = NULL;
        if (needs_value(o)) {
            if (eq) {
                val = eq + 1;
            } else if (i + 1 < argc &&
                       !(argv[i + 1][0] == '-' && argv[i + 1][1] == '-')) {
                val = argv[++i];
            } else {
                return cli_opt_error(cmd, "option '--%s' needs a value (%s)",
                                     o->long_name, o->argh ? o->argh : "ARG");
            }
        } else if (eq) {
            return cli_opt_error(cmd, "option '--%s' takes no value",
                                 o->long_name);
        }
        rc = store(cmd, o, val, ctx);
        if (rc)
            return rc;
    }
    return CLI_PARSE_OK;
}
