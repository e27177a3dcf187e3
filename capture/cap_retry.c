/* cap_retry.c - when to try an HTTP request again and how long to wait:
 * capped exponential backoff with jitter for 5xx answers and connection
 * errors, the server's Retry-After for 429 (and 503).  Pure functions:
 * the client draws the randomness and sleeps. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cap_int.h"

long cap_backoff_ms(const struct cap_retry_cfg *c, int attempt, double rand01)
{
    long d = c->base_ms > 0 ? c->base_ms : 1;
    for (int i = 0; i < attempt && d < c->cap_ms; i++)
        d *= 2;
    if (d > c->cap_ms)
        d = c->cap_ms;
    if (rand01 < 0)
        rand01 = 0;
    if (rand01 >= 1)
        rand01 = 0.999999;
    /* "equal jitter": half the delay fixed, half random, so that clients
     * that failed together do not retry together */
    return (long)((double)d * (0.5 + rand01 / 2));
}

long cap_retry_after_ms(const char *value, int64_t now)
{
    if (!value)
        return -1;
    while (*value == ' ')
        value++;
    if (*value >= '0' && *value <= '9') {
        char *end;
        double s = strtod(value, &end);
        while (*end == ' ' || *end == '\r' || *end == '\n')
            end++;
        if (*end || s < 0 || s > 86400)
            return -1;
        return (long)(s * 1000);
    }
    /* an HTTP-date: "Wed, 21 Oct 2015 07:28:00 GMT" */
    time_t t = curl_getdate(value, NULL);
    if (t == (time_t)-1)
        return -1;
    return t <= now ? 0 : (long)((t - now) * 1000);
}

bool cap_status_retryable(long status)
{
    return status == 408 || status == 429 || status == 500 || status == 502 ||
           status == 503 || status == 504;
}
