/* nsg_buf.c - growable NUL-terminated byte buffers and allocation helpers. */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "nsg.h"

void *nsg_xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        abort();
    return p;
}

void *nsg_xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p)
        abort();
    return p;
}

void *nsg_xrealloc(void *p, size_t n)
{
    p = realloc(p, n ? n : 1);
    if (!p)
        abort();
    return p;
}

char *nsg_xstrdup(const char *s)
{
    if (!s)
        return NULL;
    size_t n = strlen(s) + 1;
    return memcpy(nsg_xmalloc(n), s, n);
}

char *nsg_xstrdup_lower(const char *s)
{
    char *d = nsg_xstrdup(s);
    for (char *p = d; p && *p; p++)
        *p = (char)tolower((unsigned char)*p);
    return d;
}

static void buf_grow(struct nsg_buf *b, size_t extra)
{
    size_t need = b->len + extra + 1;
    if (need <= b->cap)
        return;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < need)
        cap *= 2;
    b->buf = nsg_xrealloc(b->buf, cap);
    b->cap = cap;
}

void nsg_buf_add(struct nsg_buf *b, const void *data, size_t len)
{
    buf_grow(b, len);
    if (len)
        memcpy(b->buf + b->len, data, len);
    b->len += len;
    b->buf[b->len] = '\0';
}

void nsg_buf_adds(struct nsg_buf *b, const char *s)
{
    nsg_buf_add(b, s, strlen(s));
}

void nsg_buf_addf(struct nsg_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    buf_grow(b, (size_t)n);
    va_start(ap, fmt);
    vsnprintf(b->buf + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

void nsg_buf_reset(struct nsg_buf *b)
{
    b->len = 0;
    if (b->buf)
        b->buf[0] = '\0';
}

void nsg_buf_release(struct nsg_buf *b)
{
    free(b->buf);
    b->buf = NULL;
    b->len = b->cap = 0;
}

char *nsg_buf_detach(struct nsg_buf *b)
{
    char *p = b->buf ? b->buf : nsg_xstrdup("");
    b->buf = NULL;
    b->len = b->cap = 0;
    return p;
}

nsg_rc nsg_buf_read_file(struct nsg_buf *b, const char *path, size_t max_bytes,
                         struct nsg_err *err)
{
    FILE *f = fopen(path, "rb");
    char chunk[65536];
    size_t n;

    struct stat st;

    if (!f)
        return nsg_err_set(err, NSG_E_IO, "%s: cannot open: %s", path,
                           strerror(errno));
    if (max_bytes && fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode) &&
        (unsigned long long)st.st_size > max_bytes) {
        fclose(f);
        return nsg_err_set(err, NSG_E_INPUT,
                           "%s: file is larger than the limit of %zu bytes",
                           path, max_bytes);
    }
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
        if (max_bytes && b->len + n > max_bytes) {
            fclose(f);
            return nsg_err_set(err, NSG_E_INPUT,
                               "%s: file is larger than the limit of %zu bytes",
                               path, max_bytes);
        }
        nsg_buf_add(b, chunk, n);
    }
    if (ferror(f)) {
        fclose(f);
        return nsg_err_set(err, NSG_E_IO, "%s: read error: %s", path,
                           strerror(errno));
    }
    fclose(f);
    if (!b->buf)
        nsg_buf_add(b, "", 0);
    return NSG_OK;
}
