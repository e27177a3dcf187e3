/* imp_flowlog_tuple.c - the flow-tuple tokenizer: splits one tuple string
 * ("1763643651,203.0.113.7,10.0.1.4,51234,22,T,I,A,B,,,,") straight from
 * the record text into typed fields.  Hand-written because it runs once
 * per tuple (millions per GB): no allocation, no cJSON node, IPv4 parsed
 * inline (16 bytes at a time where the CPU has SSSE3, imp_ipv4_ssse3.h;
 * IPv6 goes through nsg_ip_parse). */
#include <string.h>

#include "imp_flowlog.h"
#include "imp_ipv4_ssse3.h"

#define MAX_FIELDS 16

static int nsg_imp_fl_tuple_parse_slow(const char *s, size_t len,
                                       enum nsg_imp_fl_kind kind,
                                       struct nsg_imp_fl_tuple *out,
                                       const char **why);

/* Decimal unsigned; empty allowed only when empty_ok (then 0). */
static int num(const char *s, size_t n, uint64_t max, bool empty_ok,
               uint64_t *out)
{
    uint64_t v = 0;
    if (!n) {
        *out = 0;
        return empty_ok ? 0 : -1;
    }
    if (n > 20)
        return -1;
    for (size_t i = 0; i < n; i++) {
        unsigned d = (unsigned)(s[i] - '0');
        if (d > 9)
            return -1;
        if (v > (UINT64_MAX - d) / 10)
            return -1;
        v = v * 10 + d;
    }
    if (v > max)
        return -1;
    *out = v;
    return 0;
}

static int ipv4(const char *s, size_t n, struct nsg_ip *ip)
{
    uint32_t v = 0, part = 0;
    int dots = 0, digits = 0;
    for (size_t i = 0; i < n; i++) {
        char ch = s[i];
        if (ch == '.') {
            if (!digits || ++dots > 3)
                return -1;
            v = (v << 8) | part;
            part = 0;
            digits = 0;
        } else if (ch >= '0' && ch <= '9') {
            /* no leading zeros (inet_pton rules) */
            if (digits == 1 && part == 0)
                return -1;
            part = part * 10 + (uint32_t)(ch - '0');
            if (++digits > 3 || part > 255)
                return -1;
        } else {
            return -1;
        }
    }
    if (dots != 3 || !digits)
        return -1;
    ip->family = 4;
    ip->v = (v << 8) | part;
    return 0;
}

static int ip(const char *s, size_t n, struct nsg_ip *out)
{
    char tmp[64];
    if (!ipv4(s, n, out))
        return 0;
    if (!n || n >= sizeof(tmp) || !memchr(s, ':', n))
        return -1;
    memcpy(tmp, s, n);
    tmp[n] = '\0';
    return nsg_ip_parse(tmp, out);
}

static int one_char(const char *s, size_t n, const char *allowed, char *out)
{
    if (n != 1 || !strchr(allowed, s[0]))
        return -1;
    *out = s[0];
    return 0;
}

/* ---- fast path (its body: imp_flowlog_tuple_fast.h): helpers */

static inline bool dig(char c)
{
    return (unsigned)(c - '0') < 10;
}

static inline uint64_t ld8(const char *p)
{
    uint64_t w;
    memcpy(&w, p, 8);
    return w;
}

/* The high bit of each byte of w (memory order) that is not '0'..'9':
 * exact up to the first such byte (carries and borrows only run upward
 * from it), so nonzero exactly when some byte is not a digit. */
static inline uint64_t not_digits8(uint64_t w)
{
    return ((w + 0x4646464646464646ull) | (w - 0x3030303030303030ull)) &
           0x8080808080808080ull;
}

/* Value of the first k (1..8) digits of the 8 bytes w (memory order, the
 * first digit most significant): SWAR, three multiplies instead of k. */
static inline uint64_t swar8(uint64_t w, int k)
{
    uint64_t d = (w - 0x3030303030303030ull) << (8 * (8 - k));
    d = (d * 10 + (d >> 8)) & 0x00FF00FF00FF00FFull;
    d = (d * 100 + (d >> 16)) & 0x0000FFFF0000FFFFull;
    return (d * 10000 + (d >> 32)) & 0xFFFFFFFFull;
}

/* Decimal digits at *pp (at most 19); returns the count.  Bytes before
 * lim are readable: 8 at a time go through swar8 (a third of the
 * tokenizer's instructions were the byte-at-a-time loop below). */
static inline int f_dec(const char **pp, const char *lim, uint64_t *v)
{
    static const uint64_t p10[9] = {1,      10,      100,      1000,     10000,
                                    100000, 1000000, 10000000, 100000000};
    const char *p = *pp;
    uint64_t x = 0;
    int n = 0;
    while (n <= 11 && lim - p >= 8) {
        uint64_t w = ld8(p);
        uint64_t nd = not_digits8(w); /* only its first bit is used */
        int k = nd ? __builtin_ctzll(nd) >> 3 : 8;
        if (k) {
            x = x * p10[k] + swar8(w, k);
            n += k;
            p += k;
        }
        if (k < 8) {
            *pp = p;
            *v = x;
            return n;
        }
    }
    while (dig(*p) && n < 19) {
        x = x * 10 + (uint64_t)(*p++ - '0');
        n++;
    }
    *pp = p;
    *v = x;
    return n;
}

/* A dotted-quad IPv4 address, byte by byte. */
static inline bool f_ip4_loop(const char **pp, struct nsg_ip *ip)
{
    const char *p = *pp;
    uint32_t v = 0;
    for (int k = 0; k < 4; k++) {
        if (!dig(p[0]))
            return false;
        uint32_t part = (uint32_t)(*p++ - '0');
        if (dig(*p)) {
            if (part == 0) /* no leading zeros (inet_pton rules) */
                return false;
            part = part * 10 + (uint32_t)(*p++ - '0');
            if (dig(*p))
                part = part * 10 + (uint32_t)(*p++ - '0');
        }
        if (part > 255)
            return false;
        v = v << 8 | part;
        if (k < 3 && *p++ != '.')
            return false;
    }
    ip->family = 4;
    ip->v = v;
    *pp = p;
    return true;
}

/* The fast path twice (imp_flowlog_tuple_fast.h): portable, and with
 * the SSSE3 address reader where the compiler can target it. */
#define NSG_FT_NAME fast_portable
#define NSG_FT_ATTR
#define NSG_FT_IP4(pp, lim, ip) f_ip4_loop(pp, ip)
#include "imp_flowlog_tuple_fast.h"

#ifdef NSG_IMP_HAVE_IPV4_SSSE3
/* 16 bytes readable from *pp (lim is one past the last): the SSSE3
 * reader, else the byte loop. */
__attribute__((target("ssse3"), always_inline)) static inline bool
f_ip4_ssse3(const char **pp, const char *lim, struct nsg_ip *ip)
{
    uint32_t v;
    if (lim - *pp < 16)
        return f_ip4_loop(pp, ip);
    unsigned n = nsg_imp_ipv4_ssse3(*pp, &v);
    if (!n)
        return false;
    ip->family = 4;
    ip->v = v;
    *pp += n;
    return true;
}

#define NSG_FT_NAME fast_ssse3
#define NSG_FT_ATTR __attribute__((target("ssse3")))
#define NSG_FT_IP4(pp, lim, ip) f_ip4_ssse3(pp, lim, ip)
#include "imp_flowlog_tuple_fast.h"
#endif

static bool portable_only; /* tests: nsg_imp_fl_tuple_portable */

void nsg_imp_fl_tuple_portable(bool on)
{
    portable_only = on;
}

int nsg_imp_fl_tuple_parse(const char *s, size_t len, enum nsg_imp_fl_kind kind,
                           struct nsg_imp_fl_tuple *out, const char **why)
{
    /* no memset here: `rep stos` on the 128-byte struct costed a fifth of
     * the tokenizer; the fast path sets every field but these */
    out->state = 0;
    out->c[0] = out->c[1] = out->c[2] = out->c[3] = 0;
#ifdef NSG_IMP_HAVE_IPV4_SSSE3
    if (!portable_only && nsg_imp_ipv4_ssse3_ok()) {
        if (!fast_ssse3(s, len, kind, out))
            return 0;
    } else
#endif
        if (!fast_portable(s, len, kind, out))
        return 0;
    memset(out, 0, sizeof(*out));
    return nsg_imp_fl_tuple_parse_slow(s, len, kind, out, why);
}

/* ---- general path: split, then check each field (exact messages) */

static int nsg_imp_fl_tuple_parse_slow(const char *s, size_t len,
                                       enum nsg_imp_fl_kind kind,
                                       struct nsg_imp_fl_tuple *out,
                                       const char **why)
{
    const char *f[MAX_FIELDS];
    size_t fl[MAX_FIELDS];
    size_t nf = 0, start = 0;
    uint64_t v;
    char ch;

    memset(out, 0, sizeof(*out));
    for (size_t i = 0; i <= len; i++) {
        if (i == len || s[i] == ',') {
            if (nf == MAX_FIELDS) {
                *why = "too many fields";
                return -1;
            }
            f[nf] = s + start;
            fl[nf++] = i - start;
            start = i + 1;
        }
    }
    if (kind == NSG_IMP_FL_KIND_NSG && nf != 8 && nf != 13) {
        *why = "wrong field count (want 8 for v1, 13 for v2)";
        return -1;
    }
    if (kind == NSG_IMP_FL_KIND_VNET && nf != 13) {
        *why = "wrong field count (want 13 for a VNet flow log)";
        return -1;
    }
    if (num(f[0], fl[0], INT64_MAX, false, &v)) {
        *why = "bad time";
        return -1;
    }
    /* VNet flow logs usually log milliseconds: anything past year 5138 in
     * seconds is taken as milliseconds */
    out->time = (int64_t)(v > 99999999999ull ? v / 1000 : v);
    if (ip(f[1], fl[1], &out->src)) {
        *why = "bad source IP";
        return -1;
    }
    if (ip(f[2], fl[2], &out->dst)) {
        *why = "bad destination IP";
        return -1;
    }
    if (out->src.family != out->dst.family) {
        *why = "source and destination of different families";
        return -1;
    }
    bool vnet = kind == NSG_IMP_FL_KIND_VNET;
    if (num(f[3], fl[3], 65535, vnet, &v)) {
        *why = "bad source port";
        return -1;
    }
    out->sport = (uint16_t)v;
    if (num(f[4], fl[4], 65535, vnet, &v)) {
        *why = "bad destination port";
        return -1;
    }
    out->dport = (uint16_t)v;
    if (fl[5] == 1 && (f[5][0] == 'T' || f[5][0] == 'U'))
        out->proto = f[5][0] == 'T' ? NSG_PROTO_TCP : NSG_PROTO_UDP;
    else if (!num(f[5], fl[5], 255, false, &v))
        out->proto = (uint8_t)v;
    else {
        *why = "bad protocol";
        return -1;
    }
    if (one_char(f[6], fl[6], "IO", &ch)) {
        *why = "bad direction";
        return -1;
    }
    out->dir = ch == 'I' ? NSG_DIR_IN : NSG_DIR_OUT;
    size_t cfirst;
    if (!vnet) {
        if (one_char(f[7], fl[7], "AD", &out->decision)) {
            *why = "bad decision";
            return -1;
        }
        out->version = nf == 8 ? 1 : 2;
        if (nf == 8)
            return 0;
        if (one_char(f[8], fl[8], "BCE", &out->state)) {
            *why = "bad flow state";
            return -1;
        }
        cfirst = 9;
    } else {
        if (one_char(f[7], fl[7], "BCED", &out->state)) {
            *why = "bad flow state";
            return -1;
        }
        out->decision = out->state == 'D' ? 'D' : 'A';
        out->version = 4;
        /* f[8]: encryption (X, NX, NX_HW_NOT_SUPPORTED, ...): not kept */
        cfirst = 9;
    }
    for (size_t i = 0; i < 4; i++) {
        if (num(f[cfirst + i], fl[cfirst + i], UINT64_MAX, true, &out->c[i])) {
            *why = "bad packet or byte counter";
            return -1;
        }
    }
    return 0;
}
