/* flowstore_seg.c - flow segment files: compact varint-encoded flow records
 * followed by a per-segment string table, behind a versioned header
 * (format in docs/corpus-flows.md).  Also used for the importer's sorted
 * spill runs (segments with an empty string table).  Reading and writing
 * go through one bounded buffer each; nothing is held per flow. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "flowstore.h"

#define HDR_SIZE 64
#define IOBUF (1u << 20)
#define REC_MAX 192 /* largest encoded record (extension included) */
#define REC_MIN 14  /* smallest: flags, state, IPv4 source, 8 varints */
#define STRINGS_MAX (512u << 20) /* string table bound (ids, rule names) */

/* ---- records ----------------------------------------------------------- */

int nsg_flowrec_cmp(const struct nsg_flowrec *a, const struct nsg_flowrec *b)
{
    int64_t ha = a->first_seen / 3600, hb = b->first_seen / 3600;
    if (ha != hb)
        return ha < hb ? -1 : 1;
    return memcmp(a, b, NSG_FLOWREC_KEYLEN);
}

void nsg_flowrec_merge(struct nsg_flowrec *a, const struct nsg_flowrec *b)
{
    if (b->first_seen < a->first_seen)
        a->first_seen = b->first_seen;
    if (b->last_seen > a->last_seen)
        a->last_seen = b->last_seen;
    a->count += b->count;
    a->packets_sd += b->packets_sd;
    a->bytes_sd += b->bytes_sd;
    a->packets_ds += b->packets_ds;
    a->bytes_ds += b->bytes_ds;
    a->flows += b->flows;
}

static uint8_t *put_var(uint8_t *p, uint64_t v)
{
    while (v >= 0x80) {
        *p++ = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    *p++ = (uint8_t)v;
    return p;
}

/* Returns the next position, or NULL when the varint runs past end. */
static const uint8_t *get_var(const uint8_t *p, const uint8_t *end, uint64_t *v)
{
    uint64_t x = 0;
    for (int shift = 0; shift < 64; shift += 7) {
        if (p >= end)
            return NULL;
        uint8_t b = *p++;
        x |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) {
            *v = x;
            return p;
        }
    }
    return NULL;
}

static uint64_t zig(int64_t v)
{
    return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
}
static int64_t unzig(uint64_t v)
{
    return (int64_t)(v >> 1) ^ -(int64_t)(v & 1);
}

/* Flag bits of an encoded record (see docs/corpus-flows.md): what it has,
 * and which fields repeat the previous record of the file (the writer
 * chooses; records of one flow group sit together). */
enum {
    F_MAC = 1,          /* has a MAC */
    F_SRC6 = 2,         /* source is IPv6 */
    F_DST6 = 4,         /* destination is IPv6 */
    F_SAME_REFS = 8,    /* nsg, acl, target, rule as the previous record */
    F_SAME_MAC = 16,    /* MAC as the previous record */
    F_SAME_HDR = 32,    /* version, dir, proto, decision as the previous */
    F_SAME_DST = 64,    /* destination (family and address) as the previous */
    F_SAME_DPORT = 128, /* destination port as the previous */
};

/* Format 2: a state byte with this bit set is followed by an extension
 * byte (aggregate rows): its low bits are the record's NSG_FLOW_NO_* bits,
 * X_SPAN puts a LEB128 source-port span after the source port, X_FLOWS a
 * LEB128 flow count after the last counter. */
enum {
    S_EXT = 0x80,
    X_UNKNOWN = 0x07,
    X_SPAN = 0x08,
    X_FLOWS = 0x10,
};

/* The extension byte a record needs (0: none, a format-1 record). */
static inline unsigned rec_ext(const struct nsg_flowrec *r)
{
    return (r->unknown & X_UNKNOWN) | (r->sport_span ? X_SPAN : 0) |
           (r->flows ? X_FLOWS : 0);
}

/* n (6, 4 or 16) bytes equal: fixed-size loads instead of a memcmp call
 * (rec_encode runs once per record written, spill runs included). */
static inline bool same_bytes(const uint8_t *a, const uint8_t *b, size_t n)
{
    uint64_t x, y, x2 = 0, y2 = 0;
    if (n == 16) {
        memcpy(&x, a, 8);
        memcpy(&y, b, 8);
        memcpy(&x2, a + 8, 8);
        memcpy(&y2, b + 8, 8);
        return x == y && x2 == y2;
    }
    x = y = 0;
    memcpy(&x, a, n);
    memcpy(&y, b, n);
    return x == y;
}

static size_t rec_encode(const struct nsg_flowrec *r,
                         const struct nsg_flowrec *prev, uint8_t *out)
{
    unsigned ext = rec_ext(r);
    uint8_t *p = out + 2;
    size_t sl = r->src_fam == 6 ? 16 : 4, dl = r->dst_fam == 6 ? 16 : 4;
    unsigned fl = (r->has_mac ? F_MAC : 0) | (r->src_fam == 6 ? F_SRC6 : 0) |
                  (r->dst_fam == 6 ? F_DST6 : 0);
    if (r->nsg == prev->nsg && r->acl == prev->acl &&
        r->target == prev->target && r->rule == prev->rule)
        fl |= F_SAME_REFS;
    if (r->has_mac && prev->has_mac && same_bytes(r->mac, prev->mac, 6))
        fl |= F_SAME_MAC;
    if (r->version == prev->version && r->dir == prev->dir &&
        r->proto == prev->proto && r->decision == prev->decision)
        fl |= F_SAME_HDR;
    if (r->dst_fam == prev->dst_fam && same_bytes(r->dst, prev->dst, dl))
        fl |= F_SAME_DST;
    if (r->dport == prev->dport)
        fl |= F_SAME_DPORT;
    out[0] = (uint8_t)fl;
    out[1] = r->state;
    if (ext) {
        out[1] |= S_EXT;
        *p++ = (uint8_t)ext;
    }
    if (!(fl & F_SAME_HDR)) {
        *p++ = r->version;
        *p++ = r->dir;
        *p++ = r->proto;
        *p++ = r->decision;
    }
    if (r->has_mac && !(fl & F_SAME_MAC)) {
        memcpy(p, r->mac, 6);
        p += 6;
    }
    memcpy(p, r->src, sl);
    p += sl;
    if (!(fl & F_SAME_DST)) {
        memcpy(p, r->dst, dl);
        p += dl;
    }
    p = put_var(p, r->sport);
    if (ext & X_SPAN)
        p = put_var(p, r->sport_span);
    if (!(fl & F_SAME_DPORT))
        p = put_var(p, r->dport);
    if (!(fl & F_SAME_REFS)) {
        p = put_var(p, r->nsg);
        p = put_var(p, r->acl);
        p = put_var(p, r->target);
        p = put_var(p, r->rule);
    }
    p = put_var(p, zig(r->first_seen - prev->first_seen));
    p = put_var(p, zig(r->last_seen - r->first_seen));
    p = put_var(p, r->count);
    p = put_var(p, r->packets_sd);
    p = put_var(p, r->bytes_sd);
    p = put_var(p, r->packets_ds);
    p = put_var(p, r->bytes_ds);
    if (ext & X_FLOWS)
        p = put_var(p, r->flows);
    return (size_t)(p - out);
}

/* Bytes consumed, 0 when more input is needed, -1 when corrupt.  r may be
 * written even when 0 is returned; prev is only read.  fmt: the segment's
 * format (1 has no extension byte). */
static long rec_decode(const uint8_t *in, size_t avail,
                       const struct nsg_flowrec *prev, struct nsg_flowrec *r,
                       int fmt)
{
    const uint8_t *p = in + 2, *end = in + avail;
    uint64_t v;
    unsigned ext = 0;
    if (avail < 2)
        return 0;
    if (in[1] & S_EXT) {
        if (fmt < 2)
            return -1;
        if (avail < 3)
            return 0;
        ext = in[2];
        if (!ext || (ext & ~(unsigned)(X_UNKNOWN | X_SPAN | X_FLOWS)))
            return -1;
        p++;
    }
    unsigned fl = in[0];
    size_t sl = (fl & F_SRC6) ? 16 : 4, dl = (fl & F_DST6) ? 16 : 4;
    size_t need = (size_t)(p - in) + ((fl & F_SAME_HDR) ? 0 : 4) +
                  ((fl & F_MAC) && !(fl & F_SAME_MAC) ? 6 : 0) + sl +
                  ((fl & F_SAME_DST) ? 0 : dl);
    if (avail < need)
        return 0;
    if ((fl & F_SAME_MAC) && !((fl & F_MAC) && prev->has_mac))
        return -1;
    if ((fl & F_SAME_DST) && prev->dst_fam != ((fl & F_DST6) ? 6 : 4))
        return -1;
    *r = *prev;
    r->state = in[1] & (uint8_t)~S_EXT;
    r->unknown = (uint8_t)(ext & X_UNKNOWN);
    r->sport_span = 0;
    r->flows = 0;
    r->has_mac = (fl & F_MAC) ? 1 : 0;
    r->src_fam = (fl & F_SRC6) ? 6 : 4;
    r->dst_fam = (fl & F_DST6) ? 6 : 4;
    if (!(fl & F_SAME_HDR)) {
        r->version = p[0];
        r->dir = p[1];
        r->proto = p[2];
        r->decision = p[3];
        p += 4;
    }
    if (!(fl & F_MAC))
        memset(r->mac, 0, 6);
    else if (!(fl & F_SAME_MAC)) {
        memcpy(r->mac, p, 6);
        p += 6;
    }
    memset(r->src, 0, 16);
    memcpy(r->src, p, sl);
    p += sl;
    if (!(fl & F_SAME_DST)) {
        memset(r->dst, 0, 16);
        memcpy(r->dst, p, dl);
        p += dl;
    }
#define GET(dst, max)                                                          \
    do {                                                                       \
        p = get_var(p, end, &v);                                               \
        if (!p)                                                                \
            return avail >= REC_MAX ? -1 : 0;                                  \
        if (v > (max))                                                         \
            return -1;                                                         \
        dst = v;                                                               \
    } while (0)
    GET(r->sport, 65535u);
    if (ext & X_SPAN)
        GET(r->sport_span, 65535u - r->sport);
    if (!(fl & F_SAME_DPORT))
        GET(r->dport, 65535u);
    if (!(fl & F_SAME_REFS)) {
        GET(r->nsg, UINT32_MAX);
        GET(r->acl, UINT32_MAX);
        GET(r->target, UINT32_MAX);
        GET(r->rule, UINT32_MAX);
    }
    GET(v, UINT64_MAX);
    r->first_seen = prev->first_seen + unzig(v);
    GET(v, UINT64_MAX);
    r->last_seen = r->first_seen + unzig(v);
    GET(r->count, UINT64_MAX);
    GET(r->packets_sd, UINT64_MAX);
    GET(r->bytes_sd, UINT64_MAX);
    GET(r->packets_ds, UINT64_MAX);
    GET(r->bytes_ds, UINT64_MAX);
    if (ext & X_FLOWS)
        GET(r->flows, UINT64_MAX);
#undef GET
    return (long)(p - in);
}

static void le64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}
static uint64_t rd64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
}

/* ---- writer ------------------------------------------------------------ */

struct nsg_flowseg_writer {
    int fd;
    char *path;
    uint8_t *buf;
    size_t len;
    uint64_t off; /* file offset of buf[0] */
    uint64_t n_flows;
    bool no_fsync;
    bool ext; /* some record has an extension byte: format 2 */
    struct nsg_flowrec prev; /* the last record written (zero at first) */
};

static nsg_rc w_flush(struct nsg_flowseg_writer *w, struct nsg_err *err)
{
    size_t done = 0;
    while (done < w->len) {
        ssize_t k = write(w->fd, w->buf + done, w->len - done);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0)
            return nsg_err_set(err, NSG_E_IO, "%s: write: %s", w->path,
                               strerror(errno));
        done += (size_t)k;
    }
    /* start writing back what is already complete, so that the fsync at
     * finish has little left to wait for (segments only, not scratch) */
    if (!w->no_fsync)
        (void)sync_file_range(w->fd, (off_t)w->off, (off_t)w->len,
                              SYNC_FILE_RANGE_WRITE);
    w->off += w->len;
    w->len = 0;
    return NSG_OK;
}

static nsg_rc w_put(struct nsg_flowseg_writer *w, const void *d, size_t n,
                    struct nsg_err *err)
{
    const uint8_t *s = d;
    while (n) {
        if (w->len == IOBUF) {
            nsg_rc rc = w_flush(w, err);
            if (rc)
                return rc;
        }
        size_t k = IOBUF - w->len < n ? IOBUF - w->len : n;
        memcpy(w->buf + w->len, s, k);
        w->len += k;
        s += k;
        n -= k;
    }
    return NSG_OK;
}

static void w_free(struct nsg_flowseg_writer *w)
{
    if (w->fd >= 0)
        close(w->fd);
    free(w->path);
    free(w->buf);
    free(w);
}

nsg_rc nsg_flowseg_create(const char *path, struct nsg_flowseg_writer **out,
                          struct nsg_err *err)
{
    struct nsg_flowseg_writer *w = nsg_xcalloc(1, sizeof(*w));
    uint8_t zero[HDR_SIZE] = {0};
    *out = NULL;
    w->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (w->fd < 0) {
        nsg_rc rc = nsg_err_set(err, NSG_E_IO, "%s: %s", path, strerror(errno));
        free(w);
        return rc;
    }
    w->path = nsg_xstrdup(path);
    w->buf = nsg_xmalloc(IOBUF);
    nsg_rc rc = w_put(w, zero, HDR_SIZE, err); /* header written at finish */
    if (rc) {
        nsg_flowseg_abort(w);
        return rc;
    }
    *out = w;
    return NSG_OK;
}

nsg_rc nsg_flowseg_add(struct nsg_flowseg_writer *w,
                       const struct nsg_flowrec *r, struct nsg_err *err)
{
    uint8_t tmp[REC_MAX];
    size_t n = rec_encode(r, &w->prev, tmp);
    if (tmp[1] & S_EXT)
        w->ext = true;
    w->prev = *r;
    w->n_flows++;
    if (IOBUF - w->len >= n) { /* fast path */
        memcpy(w->buf + w->len, tmp, n);
        w->len += n;
        return NSG_OK;
    }
    return w_put(w, tmp, n, err);
}

nsg_rc nsg_flowseg_finish(struct nsg_flowseg_writer *w,
                          const char *const *strings, size_t n_strings,
                          uint64_t *n_flows, uint64_t *n_bytes,
                          struct nsg_err *err)
{
    uint8_t hdr[HDR_SIZE] = {0}, vb[10];
    nsg_rc rc = w_flush(w, err);
    uint64_t flows_end = w->off;
    for (size_t i = 0; !rc && i < n_strings; i++) {
        size_t l = strlen(strings[i]);
        rc = w_put(w, vb, (size_t)(put_var(vb, l) - vb), err);
        if (!rc)
            rc = w_put(w, strings[i], l, err);
    }
    if (!rc)
        rc = w_flush(w, err);
    if (!rc) {
        memcpy(hdr, w->ext ? NSG_FLOWSEG_MAGIC : NSG_FLOWSEG_MAGIC_V1, 8);
        le64(hdr + 8, w->ext ? NSG_FLOWSEG_VERSION : 1);
        le64(hdr + 16, w->n_flows);
        le64(hdr + 24, n_strings);
        le64(hdr + 32, flows_end);          /* string table offset */
        le64(hdr + 40, w->off - flows_end); /* string table bytes */
        if (pwrite(w->fd, hdr, HDR_SIZE, 0) != HDR_SIZE)
            rc = nsg_err_set(err, NSG_E_IO, "%s: write header: %s", w->path,
                             strerror(errno));
    }
    if (!rc && !w->no_fsync && fsync(w->fd))
        rc = nsg_err_set(err, NSG_E_IO, "%s: fsync: %s", w->path,
                         strerror(errno));
    if (!rc) {
        if (n_flows)
            *n_flows = w->n_flows;
        if (n_bytes)
            *n_bytes = w->off;
        w_free(w);
    } else {
        nsg_flowseg_abort(w);
    }
    return rc;
}

void nsg_flowseg_no_fsync(struct nsg_flowseg_writer *w)
{
    w->no_fsync = true;
}

void nsg_flowseg_abort(struct nsg_flowseg_writer *w)
{
    if (!w)
        return;
    unlink(w->path);
    w_free(w);
}

/* ---- reader ------------------------------------------------------------ */

struct nsg_flowseg_reader {
    int fd;
    char *path;
    uint8_t *buf;
    size_t pos, len;
    uint64_t off;       /* file offset of buf[0] */
    uint64_t flows_end; /* string table offset */
    uint64_t n_flows, read;
    int fmt;                 /* 1 or 2 */
    struct nsg_flowrec prev; /* the last record read (zero at first) */
    char **strings;
    uint64_t n_strings;
    char *strbuf;
};

nsg_rc nsg_flowseg_open(const char *path, struct nsg_flowseg_reader **out,
                        struct nsg_err *err)
{
    struct nsg_flowseg_reader *rd = nsg_xcalloc(1, sizeof(*rd));
    uint8_t hdr[HDR_SIZE];
    nsg_rc rc = NSG_OK;
    *out = NULL;
    rd->path = nsg_xstrdup(path);
    rd->fd = open(path, O_RDONLY | O_CLOEXEC);
    if (rd->fd < 0) {
        rc = nsg_err_set(err, NSG_E_IO, "%s: %s", path, strerror(errno));
        goto out;
    }
    ssize_t got = pread(rd->fd, hdr, HDR_SIZE, 0);
    /* "NSGFLOW" + a digit is a segment of some format: the digit of the
     * magic and the version field must both be one this reader knows (1
     * or 2), else the records would be decoded as garbage */
    if (got >= 8 && !memcmp(hdr, NSG_FLOWSEG_MAGIC, 7) &&
        hdr[7] >= '0' && hdr[7] <= '9' &&
        (hdr[7] < '1' || hdr[7] > NSG_FLOWSEG_MAGIC[7])) {
        rc = nsg_err_set(err, NSG_E_INPUT,
                         "segment %s has format %c, this nsgproof reads 1 to "
                         "%d (re-import the flow logs into a new corpus)",
                         path, hdr[7], NSG_FLOWSEG_VERSION);
        goto out;
    }
    if (got != HDR_SIZE || memcmp(hdr, NSG_FLOWSEG_MAGIC, 7) ||
        hdr[7] < '1' || hdr[7] > NSG_FLOWSEG_MAGIC[7]) {
        rc = nsg_err_set(err, NSG_E_INPUT,
                         "segment %s is not a flow segment (%s)", path,
                         got != HDR_SIZE ? "shorter than its header"
                                         : "bad magic");
        goto out;
    }
    rd->fmt = hdr[7] - '0';
    if (rd64(hdr + 8) != (uint64_t)rd->fmt) {
        rc = nsg_err_set(err, NSG_E_INPUT,
                         "segment %s has format %llu, this nsgproof reads 1 to "
                         "%d (re-import the flow logs into a new corpus)",
                         path, (unsigned long long)rd64(hdr + 8),
                         NSG_FLOWSEG_VERSION);
        goto out;
    }
    for (int i = 48; i < HDR_SIZE; i++)
        if (hdr[i]) {
            rc = nsg_err_set(err, NSG_E_INPUT,
                             "segment %s: reserved header byte %d is not 0 "
                             "(written by a newer nsgproof?)",
                             path, i);
            goto out;
        }
    rd->n_flows = rd64(hdr + 16);
    rd->n_strings = rd64(hdr + 24);
    rd->flows_end = rd64(hdr + 32);
    uint64_t sbytes = rd64(hdr + 40);
    struct stat st;
    if (fstat(rd->fd, &st)) {
        rc = nsg_err_set(err, NSG_E_IO, "%s: %s", path, strerror(errno));
        goto out;
    }
    /* every size is checked against the file before anything is
     * allocated: the records fill [64, flows_end), the strings the rest */
    uint64_t fsize = (uint64_t)st.st_size;
    if (rd->flows_end < HDR_SIZE || rd->flows_end > fsize ||
        sbytes != fsize - rd->flows_end || sbytes > STRINGS_MAX ||
        rd->n_strings > sbytes ||
        rd->n_flows > (rd->flows_end - HDR_SIZE) / REC_MIN) {
        rc = nsg_err_set(err, NSG_E_INPUT,
                         "%s: corrupt segment header (its sizes do not fit "
                         "the file's %llu bytes)",
                         path, (unsigned long long)fsize);
        goto out;
    }
    /* the string table is small (ids and rule names): read it whole */
    rd->strbuf = nsg_xmalloc(sbytes + rd->n_strings + 1);
    rd->strings = nsg_xcalloc(rd->n_strings + 1, sizeof(char *));
    uint8_t *raw = nsg_xmalloc(sbytes + 1);
    if (pread(rd->fd, raw, sbytes, (off_t)rd->flows_end) != (ssize_t)sbytes) {
        free(raw);
        rc = nsg_err_set(err, NSG_E_INPUT, "%s: truncated string table", path);
        goto out;
    }
    const uint8_t *p = raw, *end = raw + sbytes;
    char *dst = rd->strbuf;
    for (uint64_t i = 0; i < rd->n_strings; i++) {
        uint64_t l;
        p = get_var(p, end, &l);
        if (!p || l > (uint64_t)(end - p)) {
            free(raw);
            rc =
                nsg_err_set(err, NSG_E_INPUT, "%s: corrupt string table", path);
            goto out;
        }
        memcpy(dst, p, l);
        dst[l] = '\0';
        rd->strings[i] = dst;
        dst += l + 1;
        p += l;
    }
    free(raw);
    rd->buf = nsg_xmalloc(IOBUF);
    rd->off = HDR_SIZE;
out:
    if (rc)
        nsg_flowseg_close(rd);
    else
        *out = rd;
    return rc;
}

static int r_fill(struct nsg_flowseg_reader *rd, struct nsg_err *err)
{
    memmove(rd->buf, rd->buf + rd->pos, rd->len - rd->pos);
    rd->off += rd->pos;
    rd->len -= rd->pos;
    rd->pos = 0;
    uint64_t left = rd->flows_end - (rd->off + rd->len);
    size_t want = IOBUF - rd->len;
    if (want > left)
        want = (size_t)left;
    if (!want)
        return 0;
    ssize_t k =
        pread(rd->fd, rd->buf + rd->len, want, (off_t)(rd->off + rd->len));
    if (k <= 0)
        return nsg_err_set(err, NSG_E_INPUT, "%s: truncated at offset %llu",
                           rd->path, (unsigned long long)(rd->off + rd->len)) *
               -1;
    rd->len += (size_t)k;
    return 1;
}

int nsg_flowseg_next(struct nsg_flowseg_reader *rd, struct nsg_flowrec *r,
                     struct nsg_err *err)
{
    if (rd->read == rd->n_flows) {
        uint64_t at = rd->off + rd->pos;
        if (at == rd->flows_end)
            return 0;
        nsg_err_set(err, NSG_E_INPUT,
                    "%s: %llu bytes after the last flow record (offset %llu)",
                    rd->path, (unsigned long long)(rd->flows_end - at),
                    (unsigned long long)at);
        return -NSG_E_INPUT;
    }
    for (int tries = 0; tries < 2; tries++) {
        long k = rec_decode(rd->buf + rd->pos, rd->len - rd->pos, &rd->prev, r,
                            rd->fmt);
        if (k > 0) {
            rd->pos += (size_t)k;
            rd->read++;
            rd->prev = *r;
            return 1;
        }
        if (k < 0)
            break;
        int f = r_fill(rd, err);
        if (f < 0)
            return f;
        if (f == 0)
            break;
    }
    nsg_err_set(err, NSG_E_INPUT, "%s: corrupt flow record at offset %llu",
                rd->path, (unsigned long long)(rd->off + rd->pos));
    return -NSG_E_INPUT;
}

const char *nsg_flowseg_string(const struct nsg_flowseg_reader *rd,
                               uint32_t ref)
{
    if (!ref || ref > rd->n_strings)
        return NULL;
    return rd->strings[ref - 1];
}

uint64_t nsg_flowseg_count(const struct nsg_flowseg_reader *rd)
{
    return rd->n_flows;
}

void nsg_flowseg_close(struct nsg_flowseg_reader *rd)
{
    if (!rd)
        return;
    if (rd->fd >= 0)
        close(rd->fd);
    free(rd->path);
    free(rd->buf);
    free(rd->strings);
    free(rd->strbuf);
    free(rd);
}

static void bytes_to_ip(uint8_t fam, const uint8_t *b, struct nsg_ip *ip)
{
    size_t n = fam == 6 ? 16 : 4;
    ip->family = fam;
    ip->v = 0;
    for (size_t i = 0; i < n; i++)
        ip->v = (ip->v << 8) | b[i];
}

void nsg_flowrec_to_flow(const struct nsg_flowseg_reader *rd,
                         const struct nsg_flowrec *r, struct nsg_flow *f)
{
    static const char hex[] = "0123456789ABCDEF";
    memset(f, 0, sizeof(*f));
    f->nsg_id = nsg_flowseg_string(rd, r->nsg);
    f->acl_id = nsg_flowseg_string(rd, r->acl);
    f->target_id = nsg_flowseg_string(rd, r->target);
    f->rule = nsg_flowseg_string(rd, r->rule);
    if (r->has_mac) {
        for (int i = 0; i < 6; i++) {
            f->mac[2 * i] = hex[r->mac[i] >> 4];
            f->mac[2 * i + 1] = hex[r->mac[i] & 15];
        }
    }
    f->version = r->version;
    f->dir = r->dir ? NSG_DIR_OUT : NSG_DIR_IN;
    f->proto = r->proto;
    bytes_to_ip(r->src_fam, r->src, &f->src);
    bytes_to_ip(r->dst_fam, r->dst, &f->dst);
    f->sport = r->sport;
    f->dport = r->dport;
    f->decision = (char)r->decision;
    f->state = (char)r->state;
    f->first_seen = r->first_seen;
    f->last_seen = r->last_seen;
    f->count = r->count;
    f->packets_sd = r->packets_sd;
    f->bytes_sd = r->bytes_sd;
    f->packets_ds = r->packets_ds;
    f->bytes_ds = r->bytes_ds;
    f->sport_span = r->sport_span;
    f->unknown = r->unknown;
    f->flows = r->flows;
}
