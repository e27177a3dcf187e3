/* cli_opt.c - the table-driven option parser and its --help text (see
 * cli_opt.h).  Hand-written rather than getopt_long: getopt accepts
 * abbreviations, lets a repeated option silently replace the first and
 * has no notion of a help table; the rules here are short. */
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
