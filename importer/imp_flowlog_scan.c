/* imp_flowlog_scan.c - the streaming record scanner: finds the extent of
 * each top-level flow-log record in a file read through one bounded buffer
 * (string- and escape-aware depth counting; strings skipped by imp_jstr.h).
 * Handles {"records":[...]} documents, blobs still being written (no
 * closing "]}"), blob fragments (",{...},{...}]}"), newline-delimited bare
 * records, bare arrays, a UTF-8 BOM, and reports trailing/double commas and
 * stray bytes with their offsets.  Only the current record is in memory:
 * the buffer grows to the largest record, never to the file. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "imp_flowlog.h"
#include "imp_jstr.h"

#define CHUNK (4u << 20)
#define MAX_RECORD ((size_t)NSG_IMP_MAX_JSON_BYTES)

struct nsg_imp_fl_scanner {
    int fd;
    bool own_fd; /* opened here (a path), not given (a stream) */
    char *path;
    char *buf;
    size_t cap, pos, len;
    uint64_t base; /* file offset of buf[0] */
    uint64_t size;
    bool eof;
    nsg_imp_fl_problem_fn problem;
    void *ctx;
    /* list state */
    bool expect_close; /* inside {"records":[ ... (or resumed inside it) */
    bool saw_close;    /* "]" and "}" after the last record */
    bool saw_bracket;  /* "]" seen since the last record */
    bool prev_comma;   /* last significant byte was ',' */
    bool incomplete;   /* the file ended inside a record */
    /* the record last returned: [rec_start, rec_end) relative to buf */
    size_t rec_start, rec_end;
    bool have_rec;
    struct nsg_fstore_fhash *fh; /* whole-file hash, when asked from 0 */
    uint64_t hashed;             /* bytes fed to fh */
};

static void report(struct nsg_imp_fl_scanner *sc, uint64_t off,
                   const char *what)
{
    if (sc->problem)
        sc->problem(sc->ctx, off, what);
}

/* Read more bytes, keeping buf[keep..len); returns 1, 0 at EOF, <0 on error.
 * Positions relative to buf shift by `keep`: callers rebase. */
static int fill(struct nsg_imp_fl_scanner *sc, size_t keep, struct nsg_err *err)
{
    if (sc->eof)
        return 0;
    if (keep) {
        memmove(sc->buf, sc->buf + keep, sc->len - keep);
        sc->len -= keep;
        sc->base += keep;
        sc->pos -= keep;
    }
    if (sc->cap - sc->len < CHUNK / 2) {
        if (sc->cap >= MAX_RECORD)
            return -nsg_err_set(err, NSG_E_INPUT,
                                "%s: a record at offset %llu is larger than "
                                "%zu bytes",
                                sc->path, (unsigned long long)sc->base,
                                MAX_RECORD);
        sc->cap *= 2;
        sc->buf = nsg_xrealloc(sc->buf, sc->cap + 1);
    }
    for (;;) {
        ssize_t k = read(sc->fd, sc->buf + sc->len, sc->cap - sc->len);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0)
            return -nsg_err_set(err, NSG_E_IO, "%s: read: %s", sc->path,
                                strerror(errno));
        if (k == 0) {
            sc->eof = true;
            return 0;
        }
        if (sc->fh) {
            nsg_fstore_fhash_update(sc->fh, sc->buf + sc->len, (size_t)k);
            sc->hashed += (uint64_t)k;
        }
        sc->len += (size_t)k;
        sc->buf[sc->len] = '\0';
        return 1;
    }
}

static struct nsg_imp_fl_scanner *scanner_new(int fd, const char *name,
                                              uint64_t start, bool in_list,
                                              nsg_imp_fl_problem_fn problem,
                                              void *ctx)
{
    struct nsg_imp_fl_scanner *sc = nsg_xcalloc(1, sizeof(*sc));
    sc->fd = fd;
    sc->path = nsg_xstrdup(name);
    sc->base = start;
    sc->expect_close = in_list;
    sc->cap = CHUNK;
    sc->buf = nsg_xmalloc(sc->cap + 1);
    sc->buf[0] = '\0';
    sc->problem = problem;
    sc->ctx = ctx;
    return sc;
}

nsg_rc nsg_imp_fl_scan_open(const char *path, uint64_t start, bool in_list,
                            nsg_imp_fl_problem_fn problem, void *ctx,
                            struct nsg_imp_fl_scanner **out,
                            struct nsg_err *err)
{
    struct nsg_imp_fl_scanner *sc;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    *out = NULL;
    if (fd < 0)
        return nsg_err_set(err, NSG_E_IO, "%s: %s", path, strerror(errno));
    off_t end = lseek(fd, 0, SEEK_END);
    uint64_t size = end > 0 ? (uint64_t)end : 0;
    if (start > size)
        start = size;
    sc = scanner_new(fd, path, start, in_list, problem, ctx);
    sc->own_fd = true;
    sc->size = size;
    if (lseek(fd, (off_t)start, SEEK_SET) < 0) {
        nsg_rc rc =
            nsg_err_set(err, NSG_E_IO, "%s: seek: %s", path, strerror(errno));
        nsg_imp_fl_scan_close(sc);
        return rc;
    }
    *out = sc;
    return NSG_OK;
}

struct nsg_imp_fl_scanner *nsg_imp_fl_scan_stream(int fd, const char *name,
                                                  uint64_t start, bool in_list,
                                                  nsg_imp_fl_problem_fn problem,
                                                  void *ctx)
{
    return scanner_new(fd, name, start, in_list, problem, ctx);
}

void nsg_imp_fl_scan_close(struct nsg_imp_fl_scanner *sc)
{
    if (!sc)
        return;
    if (sc->own_fd && sc->fd >= 0)
        close(sc->fd);
    nsg_fstore_fhash_free(sc->fh);
    free(sc->path);
    free(sc->buf);
    free(sc);
}

void nsg_imp_fl_scan_hash(struct nsg_imp_fl_scanner *sc)
{
    if (sc->base == 0 && sc->len == 0 && !sc->fh)
        sc->fh = nsg_fstore_fhash_new();
}

bool nsg_imp_fl_scan_file_hash(struct nsg_imp_fl_scanner *sc, char out[48],
                               uint64_t *size)
{
    if (!sc->fh || !sc->eof)
        return false;
    nsg_fstore_fhash_final(sc->fh, out);
    sc->fh = NULL;
    *size = sc->hashed;
    return true;
}

bool nsg_imp_fl_scan_closed(const struct nsg_imp_fl_scanner *sc)
{
    return !sc->incomplete && (!sc->expect_close || sc->saw_close);
}

bool nsg_imp_fl_scan_in_list(const struct nsg_imp_fl_scanner *sc)
{
    return sc->expect_close;
}

uint64_t nsg_imp_fl_scan_size(const struct nsg_imp_fl_scanner *sc)
{
    return sc->size;
}

static bool is_ws(char c)
{
    return c == ' ' || c == '\n' || c == '\r' || c == '\t';
}

/* Does a record plausibly start at p ('{' then a first key we know)?
 * Used only to resynchronise after a corrupt record.  Azure writes "time"
 * (NSG and VNet flow logs) or "category" first; "records" opens a list. */
static bool record_start(const char *p, const char *end)
{
    static const char *keys[] = {"\"time\"", "\"category\"", "\"records\""};
    if (p >= end || *p != '{')
        return false;
    p++;
    while (p < end && is_ws(*p))
        p++;
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
        size_t n = strlen(keys[i]);
        if ((size_t)(end - p) >= n && !memcmp(p, keys[i], n))
            return true;
    }
    return false;
}

/* Next plausible record start in buf[from, to), or to. */
static size_t find_start(const struct nsg_imp_fl_scanner *sc, size_t from,
                         size_t to)
{
    for (size_t i = from; i < to; i++) {
        const char *q = memchr(sc->buf + i, '{', to - i);
        if (!q)
            return to;
        i = (size_t)(q - sc->buf);
        if (record_start(q, sc->buf + sc->len))
            return i;
    }
    return to;
}

/* Is "{ "records" : [" at pos?  1 yes (*adv = its length), 0 no, 2 need
 * more bytes. */
static int wrapper_at(const struct nsg_imp_fl_scanner *sc, size_t *adv)
{
    const char *p = sc->buf + sc->pos, *end = sc->buf + sc->len;
    const char *want[] = {"{", "\"records\"", ":", "["};
    for (size_t k = 0; k < 4; k++) {
        while (p < end && is_ws(*p))
            p++;
        size_t n = strlen(want[k]);
        if ((size_t)(end - p) < n)
            return sc->eof ? 0 : 2;
        if (memcmp(p, want[k], n))
            return 0;
        p += n;
    }
    *adv = (size_t)(p - (sc->buf + sc->pos));
    return 1;
}

/* Find the end of the object starting at buf[pos] ('{').  Returns 1 with
 * *end set just past its closing brace, 0 when the file ends first, <0 on
 * error.  May refill (pos is kept at the record start). */
static int extent(struct nsg_imp_fl_scanner *sc, size_t *end,
                  struct nsg_err *err)
{
    size_t i = sc->pos;
    int depth = 0;
    for (;;) {
        while (i < sc->len) {
            char c = sc->buf[i];
            if (c == '"') {
                /* skip the string: find an unescaped closing quote */
                bool esc;
                const char *q = nsg_imp_jstr_end(sc->buf + i + 1,
                                                 sc->buf + sc->len, &esc);
                size_t j = q ? (size_t)(q - sc->buf) + 1
                             : sc->len + 1; /* need more */
                if (j > sc->len)
                    break; /* string continues past the buffer */
                i = j;
                continue;
            }
            if (c == '{' || c == '[')
                depth++;
            else if (c == '}' || c == ']') {
                if (--depth == 0) {
                    *end = i + 1;
                    return 1;
                }
            }
            i++;
        }
        /* out of bytes: restart the scan of this record after refilling
         * (rare: records are much smaller than the buffer) */
        size_t keep = sc->pos;
        int f = fill(sc, keep, err);
        if (f <= 0)
            return f;
        i = sc->pos;
        depth = 0;
    }
}

static int ensure(struct nsg_imp_fl_scanner *sc, struct nsg_err *err)
{
    if (sc->pos < sc->len)
        return 1;
    return fill(sc, sc->pos, err);
}

int nsg_imp_fl_scan_next(struct nsg_imp_fl_scanner *sc, const char **rec,
                         size_t *len, uint64_t *off, struct nsg_err *err)
{
    if (sc->have_rec) {
        sc->pos = sc->rec_end;
        sc->have_rec = false;
    }
    for (;;) {
        int f = ensure(sc, err);
        if (f < 0)
            return f;
        if (f == 0)
            return 0;
        char c = sc->buf[sc->pos];
        uint64_t here = sc->base + sc->pos;
        if (here == 0 && sc->len - sc->pos >= 3 &&
            !memcmp(sc->buf + sc->pos, "\xEF\xBB\xBF", 3)) {
            sc->pos += 3; /* UTF-8 byte-order mark */
            continue;
        }
        if (is_ws(c)) {
            sc->pos++;
            continue;
        }
        if (c == ',') {
            if (sc->prev_comma)
                report(sc, here, "empty list element (two commas)");
            sc->prev_comma = true;
            sc->pos++;
            continue;
        }
        if (c == '[') {
            sc->prev_comma = false;
            sc->pos++;
            continue;
        }
        if (c == ']') {
            if (sc->prev_comma)
                report(sc, here,
                       "trailing comma before ']' (not standard "
                       "JSON; accepted)");
            sc->prev_comma = false;
            sc->saw_bracket = true;
            sc->pos++;
            continue;
        }
        if (c == '}') {
            if (sc->saw_bracket)
                sc->saw_close = true;
            else
                report(sc, here, "unexpected '}' between records");
            sc->pos++;
            continue;
        }
        if (c != '{') {
            report(sc, here,
                   "unexpected bytes between records (skipped to "
                   "the next record)");
            size_t nx = find_start(sc, sc->pos + 1, sc->len);
            sc->pos = nx;
            continue;
        }
        size_t adv;
        int w = wrapper_at(sc, &adv);
        if (w == 2) {
            f = fill(sc, sc->pos, err);
            if (f < 0)
                return f;
            if (f == 0 && !sc->eof)
                return 0;
            continue;
        }
        if (w == 1) {
            sc->pos += adv;
            sc->expect_close = true;
            sc->saw_close = sc->saw_bracket = sc->prev_comma = false;
            continue;
        }
        size_t end;
        int e = extent(sc, &end, err);
        if (e < 0)
            return e;
        here = sc->base + sc->pos;
        if (e == 0) {
            /* the file ends inside this record: a blob still being written,
             * unless a later record starts inside it (a corrupt record) */
            size_t nx = find_start(sc, sc->pos + 1, sc->len);
            if (nx < sc->len) {
                report(sc, here, "corrupt record (unterminated; skipped)");
                sc->pos = nx;
                continue;
            }
            sc->incomplete = true;
            char msg[160];
            snprintf(msg, sizeof(msg),
                     "incomplete last record (%zu bytes; blob still being "
                     "written?) not read",
                     sc->len - sc->pos);
            report(sc, here, msg);
            sc->pos = sc->len;
            return 0;
        }
        sc->rec_start = sc->pos;
        sc->rec_end = end;
        sc->have_rec = true;
        sc->prev_comma = sc->saw_bracket = sc->saw_close = false;
        *rec = sc->buf + sc->pos;
        *len = end - sc->pos;
        *off = here;
        return 1;
    }
}

void nsg_imp_fl_scan_resync(struct nsg_imp_fl_scanner *sc)
{
    if (!sc->have_rec)
        return;
    sc->have_rec = false;
    size_t nx = find_start(sc, sc->rec_start + 1, sc->rec_end);
    sc->pos = nx < sc->rec_end ? nx : sc->rec_end;
}
