/* corpus_time.c - the corpus's time stamps: ISO 8601 UTC text (as stored
 * in manifest.json) or unix seconds, to and from int64_t seconds. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "corpus.h"

void nsg_corpus_time_format(int64_t t, char out[32])
{
    time_t tt = (time_t)t;
    struct tm tm;
    if (!gmtime_r(&tt, &tm) || !strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm))
        snprintf(out, 32, "%lld", (long long)t);
}

/* Read exactly n digits at *p. */
static bool digits(const char **p, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (!isdigit((unsigned char)(*p)[i]))
            return false;
        v = v * 10 + ((*p)[i] - '0');
    }
    *p += n;
    *out = v;
    return true;
}

static bool parse_iso(const char *s, int64_t *out)
{
    const char *p = s;
    int y, mo, d, h = 0, mi = 0, sec = 0, oh = 0, om = 0, sign = 0;
    if (!digits(&p, 4, &y) || *p++ != '-' || !digits(&p, 2, &mo) ||
        *p++ != '-' || !digits(&p, 2, &d))
        return false;
    if (*p == 'T' || *p == 't' || *p == ' ') {
        p++;
        if (!digits(&p, 2, &h) || *p++ != ':' || !digits(&p, 2, &mi))
            return false;
        if (*p == ':') {
            p++;
            if (!digits(&p, 2, &sec))
                return false;
            if (*p == '.' || *p == ',') { /* fraction: dropped */
                p++;
                if (!isdigit((unsigned char)*p))
                    return false;
                while (isdigit((unsigned char)*p))
                    p++;
            }
        }
        if (*p == 'Z' || *p == 'z') {
            p++;
        } else if (*p == '+' || *p == '-') {
            sign = *p++ == '+' ? 1 : -1;
            if (!digits(&p, 2, &oh))
                return false;
            if (*p == ':')
                p++;
            if (*p && !digits(&p, 2, &om))
                return false;
        }
    }
    if (*p || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 ||
        sec > 60 || oh > 23 || om > 59)
        return false;
    struct tm tm = {0};
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = sec;
    time_t t = timegm(&tm);
    if (tm.tm_mday != d) /* 2026-02-31 normalized to March */
        return false;
    *out = (int64_t)t - sign * (oh * 3600 + om * 60);
    return true;
}

nsg_rc nsg_corpus_time_parse(const char *s, int64_t *out, struct nsg_err *err)
{
    if (s && *s && strspn(s, "0123456789") == strlen(s) && strlen(s) <= 12) {
        *out = strtoll(s, NULL, 10);
        return NSG_OK;
    }
    if (s && parse_iso(s, out))
        return NSG_OK;
    return nsg_err_set(err, NSG_E_INPUT,
                       "'%s' is not a time (want ISO 8601 such as "
                       "2026-11-20T13:00:00Z, or unix seconds)",
                       s ? s : "");
}
