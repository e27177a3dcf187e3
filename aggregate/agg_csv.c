/* agg_csv.c - RFC 4180 CSV with a header line, read in place: records end
 * with CRLF or LF (quoted fields may hold either, commas and doubled
 * quotes), blank lines are skipped, every record must have the header's
 * number of fields.  Hand-written rather than libcsv (Debian's CSV
 * library): libcsv drops blank lines without saying so, which would break
 * the line numbers every error must give, and calls back per field and
 * per row; here a line without a quote is split with memchr in the read
 * buffer, which is what makes a 10^7-row import fast. */
#include <string.h>

#include "agg_int.h"

/* Where the record starting at in->pos ends: *end is the index of its
 * '\n' (or len at the end of the file), *nls the line breaks inside
 * quoted fields.  A quote opens a quoted field only at the start of a
 * field (split() refuses one elsewhere).  1: found; 0: more input needed;
 * -1: a quoted field runs to the end of the file. */
static int record_end(const struct nsg_agg_in *in, size_t *end, unsigned *nls)
{
    const char *s = in->buf + in->pos, *lim = in->buf + in->len;
    const char *nl = memchr(s, '\n', (size_t)(lim - s));
    *nls = 0;
    if (!memchr(s, '"', (size_t)((nl ? nl : lim) - s))) {
        if (nl || in->eof) { /* the fast path: no quote on the line */
            *end = (size_t)((nl ? nl : lim) - in->buf);
            return 1;
        }
        return 0;
    }
    bool quoted = false, at_start = true;
    for (const char *p = s; p < lim; p++) {
        char c = *p;
        if (quoted) {
            if (c == '"') {
                if (p + 1 == lim && !in->eof)
                    return 0; /* a doubled quote may follow */
                if (p + 1 < lim && p[1] == '"')
                    p++;
                else
                    quoted = false;
            } else if (c == '\n') {
                (*nls)++;
            }
            continue;
        }
        if (c == '\n') {
            *end = (size_t)(p - in->buf);
            return 1;
        }
        if (c == '"' && at_start)
            quoted = true;
        at_start = c == ',';
    }
    if (!in->eof)
        return 0;
    if (quoted)
        return -1;
    *end = in->len;
    return 1;
}

static int fail(struct nsg_agg_reader *rd, uint64_t line, struct nsg_err *err,
                const char *what)
{
    nsg_err_set(err, NSG_E_INPUT, "%s: line %llu: %s", rd->path,
                (unsigned long long)line, what);
    return -NSG_E_INPUT;
}

/* Split the record [s, e) (*e is writable) into rd->fields, unquoting in
 * place.  0, or <0 with err set. */
static int split(struct nsg_agg_reader *rd, char *s, char *e,
                 struct nsg_err *err)
{
    char *p = s;
    g_array_set_size(rd->fields, 0);
    *e = '\0';
    for (;;) {
        char *start = p;
        if (*p == '"') {
            char *w = p++;
            for (;;) {
                if (p >= e)
                    return fail(rd, rd->row_line, err,
                                "a quoted field is not closed");
                if (*p == '"') {
                    if (p + 1 < e && p[1] == '"') {
                        *w++ = '"';
                        p += 2;
                        continue;
                    }
                    p++;
                    break;
                }
                *w++ = *p++;
            }
            if (p < e && *p != ',')
                return fail(rd, rd->row_line, err,
                            "text after the closing quote of a field (quotes "
                            "inside a quoted field are doubled: \"\")");
            *w = '\0'; /* w < p: the separator is untouched */
        } else {
            char *c = memchr(p, ',', (size_t)(e - p));
            char *fe = c ? c : e;
            if (memchr(p, '"', (size_t)(fe - p)))
                return fail(rd, rd->row_line, err,
                            "a quote inside a field that does not start "
                            "with one");
            p = fe;
        }
        g_array_append_val(rd->fields, start);
        if (p >= e)
            return 0;
        *p++ = '\0'; /* the comma */
    }
}

/* The next non-blank record into rd->fields: 1, 0 at the end, <0 error. */
static int next_record(struct nsg_agg_reader *rd, struct nsg_err *err)
{
    struct nsg_agg_in *in = &rd->in;
    for (;;) {
        size_t end;
        unsigned nls;
        if (in->pos >= in->len && in->eof)
            return 0;
        int k = nsg_agg_in_find(in, record_end, &end, &nls, err);
        if (k < 0)
            return k;
        if (k == 0)
            return fail(rd, in->line, err,
                        "a quoted field is not closed before the end of the "
                        "file");
        char *s = in->buf + in->pos, *e = in->buf + end;
        rd->row_line = in->line;
        in->pos = end < in->len ? end + 1 : end;
        in->line += 1 + nls;
        if (e > s && e[-1] == '\r')
            e--;
        if (e == s)
            continue; /* a blank line */
        k = split(rd, s, e, err);
        return k < 0 ? k : 1;
    }
}

/* A field without surrounding blanks (in place). */
static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        s[--n] = '\0';
    return s;
}

nsg_rc nsg_agg_csv_header(struct nsg_agg_reader *rd, struct nsg_err *err)
{
    static const enum nsg_agg_col need[] = {
        NSG_AGG_DIRECTION, NSG_AGG_PROTOCOL, NSG_AGG_SRC_IP,
        NSG_AGG_DST_IP,    NSG_AGG_DECISION, NSG_AGG_FIRST_SEEN};
    int k = next_record(rd, err);
    if (k < 0)
        return (nsg_rc)-k;
    if (k == 0)
        return nsg_err_set(err, NSG_E_INPUT, "%s: no header line", rd->path);
    for (int c = 0; c < NSG_AGG_NCOLS; c++)
        rd->field_of[c] = -1;
    rd->n_header = rd->fields->len;
    for (guint i = 0; i < rd->fields->len; i++) {
        char *name = trim(g_array_index(rd->fields, char *, i));
        int c = nsg_agg_column_find(name, strlen(name));
        if (c < 0)
            continue; /* extra columns are ignored */
        if (rd->field_of[c] >= 0)
            return nsg_err_set(err, NSG_E_INPUT,
                               "%s: line %llu: the header names column %s "
                               "twice",
                               rd->path, (unsigned long long)rd->row_line,
                               nsg_agg_column_name(c));
        rd->field_of[c] = (int)i;
    }
    for (size_t i = 0; i < G_N_ELEMENTS(need); i++)
        if (rd->field_of[need[i]] < 0)
            return nsg_err_set(err, NSG_E_INPUT,
                               "%s: line %llu: the header has no column %s "
                               "(required; docs/aggregates.md)",
                               rd->path, (unsigned long long)rd->row_line,
                               nsg_agg_column_name(need[i]));
    return NSG_OK;
}

int nsg_agg_csv_next(struct nsg_agg_reader *rd, struct nsg_agg_text *t,
                     struct nsg_err *err)
{
    int k = next_record(rd, err);
    if (k <= 0)
        return k;
    if (rd->fields->len != rd->n_header) {
        nsg_err_set(err, NSG_E_INPUT,
                    "%s: line %llu: %u fields, the header has %zu", rd->path,
                    (unsigned long long)rd->row_line, rd->fields->len,
                    rd->n_header);
        return -NSG_E_INPUT;
    }
    for (int c = 0; c < NSG_AGG_NCOLS; c++)
        t->v[c] = rd->field_of[c] < 0
                      ? NULL
                      : trim(g_array_index(rd->fields, char *,
                                           rd->field_of[c]));
    return 1;
}
