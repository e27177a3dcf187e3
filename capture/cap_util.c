/* cap_util.c - small helpers the capture files share: numbers from the
 * environment, report counters, endpoint normalization and headers that
 * carry a secret (wiped after use). */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cap_int.h"

long cap_env_long(const char *name, long dflt, long min, long max)
{
    const char *v = getenv(name);
    char *end;
    if (!v || !*v)
        return dflt;
    long x = strtol(v, &end, 10);
    return *end || x < min || x > max ? dflt : x;
}

void cap_json_bump(cJSON *o, const char *key, double n)
{
    cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (v)
        cJSON_SetNumberValue(v, v->valuedouble + n);
    else
        cJSON_AddNumberToObject(o, key, n);
}

char *cap_endpoint_dup(const char *url)
{
    char *s = nsg_xstrdup(url);
    size_t n = strlen(s);
    while (n && s[n - 1] == '/')
        s[--n] = '\0';
    return s;
}

void cap_header_secret(struct curl_slist **hdrs, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *h = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    *hdrs = curl_slist_append(*hdrs, h);
    memset(h, 0, strlen(h));
    g_free(h);
}
