/* cli_util.c - error reporting, JSON printing and corpus loading shared by
 * the subcommands. */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <strings.h>

#include "cli.h"

int cli_fail(const struct nsg_err *err)
{
    fprintf(stderr, "nsgproof: error: %s\n",
            err && err->msg[0] ? err->msg : "unknown error");
    return nsg_err_exit_status(err && err->code ? err->code : NSG_E_INTERNAL);
}

int cli_usage_error(const char *usage, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "nsgproof: error: ");
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\n%s", usage);
    return CLI_EXIT_INPUT;
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
