/* cli_util.c - error reporting, JSON printing and corpus loading shared by
 * the subcommands. */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "cli.h"
#include "cli_opt.h"

static const char *current_command;

void cli_set_command(const char *name)
{
    current_command = name;
}

static void error_prefix(void)
{
    if (current_command)
        fprintf(stderr, "nsgproof %s: error: ", current_command);
    else
        fprintf(stderr, "nsgproof: error: ");
}

void cli_error(const char *fmt, ...)
{
    va_list ap;
    error_prefix();
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

void cli_note(const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "nsgproof %s: note: ", current_command ? current_command
                                                           : "");
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

void cli_notes(const GPtrArray *notes)
{
    for (guint i = 0; notes && i < notes->len; i++)
        cli_note("%s", (const char *)notes->pdata[i]);
}

int cli_fail(const struct nsg_err *err)
{
    cli_error("%s", err && err->msg[0] ? err->msg : "unknown error");
    return nsg_err_exit_status(err && err->code ? err->code : NSG_E_INTERNAL);
}

int cli_finish_stdout(int status)
{
    int bad = fflush(stdout) != 0 || ferror(stdout);
    int e = errno;
    if (fclose(stdout) != 0 && !bad) {
        bad = 1;
        e = errno;
    }
    if (!bad)
        return status;
    cli_error("cannot write the output to standard output: %s", strerror(e));
    return status == CLI_EXIT_UNKNOWN ? status : CLI_EXIT_INPUT;
}

void cli_print_json(const cJSON *j)
{
    char *s = cJSON_Print(j);
    if (s) {
        fputs(s, stdout);
        fputc('\n', stdout);
        free(s);
    }
}

int cli_open_upkeep(const struct cli_command_help *help, int status,
                    const char *dir, double lock_wait, struct nsg_corpus **c)
{
    struct nsg_err err = NSG_ERR_INIT;
    if (status)
        return cli_opt_status(status);
    if (!dir)
        return cli_opt_error(help, "--corpus DIR is required");
    if (nsg_corpus_open(dir, false, c, &err))
        return cli_fail(&err);
    nsg_corpus_set_lock_wait(*c, (int)(lock_wait * 1000));
    return -1;
}

nsg_rc cli_load_corpus(const char *dir, struct nsg_corpus **c,
                       struct nsg_topology **t, struct nsg_err *err)
{
    nsg_rc rc = nsg_corpus_open(dir, false, c, err);
    if (rc)
        return rc;
    rc = nsg_corpus_load(*c, NSG_TIME_LATEST, t, err);
    if (rc) {
        nsg_corpus_close(*c);
        *c = NULL;
    }
    return rc;
}

int cli_parse_direction(const char *s)
{
    if (!s)
        return -1;
    if (!strcasecmp(s, "inbound") || !strcasecmp(s, "in"))
        return NSG_DIR_IN;
    if (!strcasecmp(s, "outbound") || !strcasecmp(s, "out"))
        return NSG_DIR_OUT;
    return -1;
}

bool cli_parse_long(const char *s, long min, long max, long *out)
{
    char *end;
    long v;
    if (!s || !(isdigit((unsigned char)s[0]) ||
                (s[0] == '-' && isdigit((unsigned char)s[1]))))
        return false;
    errno = 0;
    v = strtol(s, &end, 10);
    if (errno || *end || v < min || v > max)
        return false;
    *out = v;
    return true;
}

bool cli_parse_seconds(const char *s, double *out)
{
    char *end;
    double v = strtod(s, &end);
    if (*end || end == s || !(v >= 0 && v <= 86400))
        return false;
    *out = v;
    return true;
}

const char *cli_json_str(const cJSON *o, const char *key, const char *dflt)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsString(v) ? v->valuestring : dflt;
}

double cli_json_num(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsNumber(v) ? v->valuedouble : 0;
}

/* Colour (https://no-color.org): only on a terminal, never with NO_COLOR
 * set to anything, decided once. */
bool cli_color(void)
{
    static int on = -1;
    if (on < 0) {
        const char *nc = getenv("NO_COLOR");
        const char *term = getenv("TERM");
        on = isatty(STDOUT_FILENO) && !(nc && nc[0]) &&
             !(term && !strcmp(term, "dumb"));
    }
    return on;
}

void cli_word(const char *w, int width)
{
    static const struct {
        const char *word, *sgr;
    } hues[] = {
        {"Allow", "32"},    {"HOLDS", "32"},   {"equivalent", "32"},
        {"clean", "32"},    {"Deny", "31"},    {"VIOLATED", "31"},
        {"different", "31"}, {"UNKNOWN", "33"}, {"ERROR", "33"},
        {"Unknown", "33"},
    };
    const char *sgr = NULL;
    for (size_t i = 0; cli_color() && i < sizeof(hues) / sizeof(*hues); i++)
        if (!strcmp(w, hues[i].word))
            sgr = hues[i].sgr;
    if (sgr)
        printf("\033[%sm%s\033[0m", sgr, w);
    else
        fputs(w, stdout);
    for (int n = (int)strlen(w); n < width; n++)
        putchar(' ');
}

nsg_rc cli_threads(unsigned *out, struct nsg_err *err)
{
    const char *env = getenv("NSGPROOF_THREADS");
    unsigned long v = 0;
    *out = (unsigned)g_get_num_processors();
    if (!env || !*env)
        return NSG_OK;
    for (const char *p = env; *p; p++) {
        if (*p < '0' || *p > '9' || v > 256) {
            v = 0;
            break;
        }
        v = v * 10 + (unsigned long)(*p - '0');
    }
    if (v < 1 || v > 256)
        return nsg_err_set(err, NSG_E_USAGE,
                           "NSGPROOF_THREADS: '%.40s' is not a number of "
                           "threads from 1 to 256",
                           env);
    *out = (unsigned)v;
    return NSG_OK;
}
