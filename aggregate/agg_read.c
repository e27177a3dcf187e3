/* agg_read.c - reading aggregate files: which shape a file has (CSV, JSON
 * Lines, a JSON array), the buffered input with line numbers the shapes
 * share, and rows turned into flows with errors naming file and line. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "agg_int.h"

#define BUF_INITIAL (4u << 20)
#define SNIFF_BYTES 8192

const char *nsg_agg_shape_name(enum nsg_agg_shape s)
{
    return s == NSG_AGG_CSV ? "csv" : s == NSG_AGG_JSONL ? "jsonl" : "json";
}

/* Past a UTF-8 BOM and blanks. */
static const char *skip_lead(const char *s, const char *end)
{
    if (end - s >= 3 && !memcmp(s, "\xEF\xBB\xBF", 3))
        s += 3;
    while (s < end && (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n'))
        s++;
    return s;
}

/* Does the text hold the quoted key followed by a colon? */
static bool has_key(const char *s, const char *end, const char *key)
{
    size_t n = strlen(key);
    for (const char *p = s; p + n + 2 <= end; p++) {
        p = memchr(p, '"', (size_t)(end - p));
        if (!p || p + n + 2 > end)
            return false;
        if (strncasecmp(p + 1, key, n) || p[n + 1] != '"')
            continue;
        const char *q = p + n + 2;
        while (q < end && (*q == ' ' || *q == '\t' || *q == '\r' || *q == '\n'))
            q++;
        if (q < end && *q == ':')
            return true;
    }
    return false;
}

/* Does the first line name the columns src_ip and dst_ip? */
static bool csv_header_like(const char *s, const char *end)
{
    const char *nl = memchr(s, '\n', (size_t)(end - s));
    bool src = false, dst = false;
    if (!nl)
        nl = end;
    while (s < nl) {
        const char *c = memchr(s, ',', (size_t)(nl - s));
        const char *e = c ? c : nl;
        const char *a = s, *b = e;
        while (a < b && (*a == ' ' || *a == '"'))
            a++;
        while (b > a && (b[-1] == ' ' || b[-1] == '"' || b[-1] == '\r'))
            b--;
        int col = nsg_agg_column_find(a, (size_t)(b - a));
        src |= col == NSG_AGG_SRC_IP;
        dst |= col == NSG_AGG_DST_IP;
        s = c ? c + 1 : nl;
    }
    return src && dst;
}

bool nsg_agg_sniff(const char *head, size_t n)
{
    const char *end = head + n, *s = skip_lead(head, end);
    if (memchr(head, '\0', n))
        return false;
    if (s < end && *s == '[') {
        s = skip_lead(s + 1, end);
        if (s >= end || *s != '{')
            return false;
    }
    if (s < end && *s == '{')
        return has_key(s, end, "src_ip") && has_key(s, end, "dst_ip");
    return s < end && csv_header_like(s, end);
}

bool nsg_agg_sniff_file(const char *path)
{
    char buf[SNIFF_BYTES];
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    ssize_t n = read(fd, buf, sizeof(buf));
    close(fd);
    return n > 0 && nsg_agg_sniff(buf, (size_t)n);
}

int nsg_agg_in_more(struct nsg_agg_in *in, struct nsg_err *err)
{
    if (in->eof)
        return 0;
    if (in->pos) { /* keep only the unread part */
        memmove(in->buf, in->buf + in->pos, in->len - in->pos);
        in->len -= in->pos;
        in->pos = 0;
    }
    if (in->len + 1 >= in->cap) {
        if (in->cap >= NSG_AGG_MAX_RECORD) {
            nsg_err_set(err, NSG_E_INPUT,
                        "%s: line %llu: a row longer than %u MiB", in->path,
                        (unsigned long long)in->line,
                        NSG_AGG_MAX_RECORD >> 20);
            return -NSG_E_INPUT;
        }
        in->cap *= 2;
        in->buf = nsg_xrealloc(in->buf, in->cap);
    }
    for (;;) {
        ssize_t k = read(in->fd, in->buf + in->len, in->cap - in->len - 1);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0) {
            nsg_err_set(err, NSG_E_IO, "%s: read: %s", in->path,
                        strerror(errno));
            return -NSG_E_IO;
        }
        if (k == 0) {
            in->eof = true;
            return 0;
        }
        in->len += (size_t)k;
        return 1;
    }
}

int nsg_agg_in_find(struct nsg_agg_in *in, nsg_agg_find_fn find, size_t *end,
                    unsigned *nls, struct nsg_err *err)
{
    for (;;) {
        int k = find(in, end, nls);
        if (k)
            return k > 0 ? 1 : 0;
        int m = nsg_agg_in_more(in, err);
        if (m < 0)
            return m;
    }
}

nsg_rc nsg_agg_open(const char *path, struct nsg_agg_reader **out,
                    struct nsg_err *err)
{
    struct nsg_agg_reader *rd = nsg_xcalloc(1, sizeof(*rd));
    nsg_rc rc = NSG_OK;

    *out = NULL;
    rd->path = nsg_xstrdup(path);
    rd->in.path = rd->path;
    rd->in.line = 1;
    rd->in.fd = open(path, O_RDONLY | O_CLOEXEC);
    rd->fields = g_array_new(FALSE, FALSE, sizeof(char *));
    if (rd->in.fd < 0) {
        rc = nsg_err_set(err, NSG_E_IO, "%s: %s", path, strerror(errno));
        goto out;
    }
    rd->in.cap = BUF_INITIAL;
    rd->in.buf = nsg_xmalloc(rd->in.cap);
    /* the shape from the first bytes (a BOM skipped) */
    while (rd->in.len < 4 && !rd->in.eof) {
        int k = nsg_agg_in_more(&rd->in, err);
        if (k < 0) {
            rc = (nsg_rc)-k;
            goto out;
        }
    }
    if (rd->in.len >= 3 && !memcmp(rd->in.buf, "\xEF\xBB\xBF", 3))
        rd->in.pos = 3;
    for (;;) {
        const char *s = skip_lead(rd->in.buf + rd->in.pos,
                                  rd->in.buf + rd->in.len);
        if (s < rd->in.buf + rd->in.len) {
            rd->shape = *s == '[' ? NSG_AGG_ARRAY
                        : *s == '{' ? NSG_AGG_JSONL
                                    : NSG_AGG_CSV;
            break;
        }
        int k = nsg_agg_in_more(&rd->in, err);
        if (k < 0) {
            rc = (nsg_rc)-k;
            goto out;
        }
        if (k == 0) {
            rc = nsg_err_set(err, NSG_E_INPUT,
                             "%s: empty (an aggregate file needs a header "
                             "line or JSON objects)",
                             path);
            goto out;
        }
    }
    if (rd->shape == NSG_AGG_CSV)
        rc = nsg_agg_csv_header(rd, err);
    else
        rd->num = g_string_chunk_new(256);
out:
    if (rc)
        nsg_agg_close(rd);
    else
        *out = rd;
    return rc;
}

int nsg_agg_next(struct nsg_agg_reader *rd, struct nsg_flow *f,
                 struct nsg_err *err)
{
    struct nsg_agg_text t;
    int k = rd->shape == NSG_AGG_CSV ? nsg_agg_csv_next(rd, &t, err)
                                     : nsg_agg_json_next(rd, &t, err);
    if (k <= 0)
        return k;
    nsg_rc rc = nsg_agg_row_parse(&t, f, rd->scratch, err);
    if (rc) {
        nsg_err_prefix(err, "%s: line %llu", rd->path,
                       (unsigned long long)rd->row_line);
        return -(int)rc;
    }
    return 1;
}

enum nsg_agg_shape nsg_agg_reader_shape(const struct nsg_agg_reader *rd)
{
    return rd->shape;
}

uint64_t nsg_agg_reader_line(const struct nsg_agg_reader *rd)
{
    return rd->row_line;
}

void nsg_agg_close(struct nsg_agg_reader *rd)
{
    if (!rd)
        return;
    if (rd->in.fd >= 0)
        close(rd->in.fd);
    free(rd->in.buf);
    free(rd->path);
    g_array_free(rd->fields, TRUE);
    cJSON_Delete(rd->obj);
    if (rd->num)
        g_string_chunk_free(rd->num);
    free(rd);
}
