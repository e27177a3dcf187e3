/* cap_secret.c - the process's registry of secrets (storage keys, SAS,
 * tokens, client secrets, federated assertions) and the scrubber every log
 * line and error message of capture passes through: no secret is ever
 * printed, logged or stored, even when a server echoes one back. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cap_int.h"

#define MIN_SECRET 6 /* shorter strings would redact ordinary words */
#define MASK "[REDACTED]"

static GMutex lock;
static GPtrArray *secrets; /* char *, never freed: process lifetime */

/* Longest first, so that a secret containing another is masked whole. */
static gint by_length_desc(gconstpointer a, gconstpointer b)
{
    size_t la = strlen(*(char *const *)a), lb = strlen(*(char *const *)b);
    return la < lb ? 1 : la > lb ? -1 : 0;
}

static void add_one(const char *s)
{
    if (!s || strlen(s) < MIN_SECRET)
        return;
    for (guint i = 0; i < secrets->len; i++)
        if (!strcmp(secrets->pdata[i], s))
            return;
    g_ptr_array_add(secrets, nsg_xstrdup(s));
    g_ptr_array_sort(secrets, by_length_desc);
}

/* s and the forms it takes in a URL or a form body. */
static void add_forms(const char *s)
{
    add_one(s);
    char *esc = cap_url_escape(s, false);
    add_one(esc);
    g_free(esc);
    char *dec = cap_url_unescape(s);
    add_one(dec);
    char *esc2 = cap_url_escape(dec, false);
    add_one(esc2);
    g_free(esc2);
    g_free(dec);
}

void cap_secret_register(const char *s)
{
    if (!s)
        return;
    g_mutex_lock(&lock);
    if (!secrets)
        secrets = g_ptr_array_new();
    add_forms(s);
    /* a SAS: its signature alone, too */
    const char *sig = strstr(s, "sig=");
    if (sig && (sig == s || sig[-1] == '&' || sig[-1] == '?')) {
        char *v = g_strndup(sig + 4, strcspn(sig + 4, "&"));
        add_forms(v);
        g_free(v);
    }
    g_mutex_unlock(&lock);
}

static void replace_all(char *s, const char *secret)
{
    size_t n = strlen(secret), m = strlen(MASK);
    char *p;
    /* the result never grows: a secret shorter than the mask is
     * overwritten with as many '*' */
    while ((p = strstr(s, secret)) != NULL) {
        if (n >= m) {
            memcpy(p, MASK, m);
            memmove(p + m, p + n, strlen(p + n) + 1);
        } else {
            memset(p, '*', n);
        }
    }
}

void cap_scrub(char *s)
{
    if (!s)
        return;
    g_mutex_lock(&lock);
    for (guint i = 0; secrets && i < secrets->len; i++)
        replace_all(s, secrets->pdata[i]);
    g_mutex_unlock(&lock);
}

void cap_secret_free(char *s)
{
    if (!s)
        return;
    volatile char *v = s;
    while (*v)
        *v++ = 0;
    free(s);
}

nsg_rc cap_err(struct nsg_err *err, nsg_rc code, const char *fmt, ...)
{
    if (!err)
        return code;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
    va_end(ap);
    err->code = code;
    cap_scrub(err->msg);
    return code;
}
