/* nsg.h - shared foundations of nsgproof: error codes, error messages,
 * growable buffers, IP addresses, prefixes, address sets and port ranges.
 * Every module includes this header (implemented over libc and GLib). */
#ifndef NSG_H
#define NSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- result codes ------------------------------------------------------ */
typedef int nsg_rc;
enum {
    NSG_OK = 0,
    NSG_E_INPUT = 1,    /* bad input: malformed file, bad value (exit 2) */
    NSG_E_USAGE = 2,    /* bad command line (exit 2) */
    NSG_E_NOTFOUND = 3, /* a named thing is not in the corpus (exit 2) */
    NSG_E_IO = 4,       /* file system error (exit 2) */
    NSG_E_NOMEM = 5,    /* allocation failed (exit 2) */
    NSG_E_LOCKED = 6,   /* corpus locked by another import (exit 2) */
    NSG_E_UNKNOWN = 7,  /* solver answered unknown / timed out (exit 3) */
    NSG_E_INTERNAL = 8, /* internal inconsistency (exit 3) */
};

#define NSG_WUR __attribute__((warn_unused_result))
#define NSG_PRINTF(a, b) __attribute__((format(printf, a, b)))

/* An error: a code and a human-readable message naming the file, the JSON
 * path and the problem.  Functions take `struct nsg_err *err` last; it may
 * be NULL when the caller does not want the message. */
struct nsg_err {
    nsg_rc code;
    char msg[2048];
};
#define NSG_ERR_INIT {0, {0}}

/* Fill err (if not NULL) and return code. */
nsg_rc nsg_err_set(struct nsg_err *err, nsg_rc code, const char *fmt, ...)
    NSG_PRINTF(3, 4);
/* Prepend "prefix: " to an existing message (adds context on the way up). */
nsg_rc nsg_err_prefix(struct nsg_err *err, const char *fmt, ...)
    NSG_PRINTF(2, 3);
/* Exit status the CLI uses for an error code (2 or 3). */
int nsg_err_exit_status(nsg_rc code);

/* ---- growable byte buffer ---------------------------------------------- */
/* buf is never NULL after the first add; always NUL-terminated. */
struct nsg_buf {
    char *buf;
    size_t len, cap;
};
#define NSG_BUF_INIT {NULL, 0, 0}
void nsg_buf_add(struct nsg_buf *b, const void *data, size_t len);
void nsg_buf_adds(struct nsg_buf *b, const char *s);
void nsg_buf_addf(struct nsg_buf *b, const char *fmt, ...) NSG_PRINTF(2, 3);
void nsg_buf_reset(struct nsg_buf *b); /* len = 0, keeps memory */
void nsg_buf_release(struct nsg_buf *b);
char *nsg_buf_detach(struct nsg_buf *b); /* caller frees; b is reset */
/* Read a whole file (at most max_bytes; 0 = no limit). */
nsg_rc nsg_buf_read_file(struct nsg_buf *b, const char *path, size_t max_bytes,
                         struct nsg_err *err) NSG_WUR;

/* Allocation helpers: abort on out-of-memory (like GLib's g_malloc). */
void *nsg_xmalloc(size_t n);
void *nsg_xcalloc(size_t n, size_t size);
void *nsg_xrealloc(void *p, size_t n);
char *nsg_xstrdup(const char *s); /* NULL in, NULL out */
/* Lower-case copy (ids are case-insensitive: compare lower-cased). */
char *nsg_xstrdup_lower(const char *s);

/* ---- IP addresses ------------------------------------------------------ */
typedef unsigned __int128 nsg_u128;

/* An IPv4 (family 4, value in the low 32 bits) or IPv6 (family 6) address. */
struct nsg_ip {
    uint8_t family;
    nsg_u128 v;
};
#define NSG_IP_STRLEN 48
/* Parse dotted-quad IPv4 or any textual IPv6 (inet_pton rules).
 * Returns 0 on success, -1 when s is not an address. */
int nsg_ip_parse(const char *s, struct nsg_ip *out);
/* Canonical text (RFC 5952 for IPv6). */
void nsg_ip_format(const struct nsg_ip *ip, char out[NSG_IP_STRLEN]);
int nsg_ip_cmp(const struct nsg_ip *a, const struct nsg_ip *b);

/* A prefix: network address (host bits cleared) and length. */
struct nsg_cidr {
    uint8_t family;
    uint8_t len;
    nsg_u128 v;
};
#define NSG_CIDR_STRLEN 56
/* Parse "a.b.c.d/len", "a.b.c.d" (= /32), IPv6 likewise (= /128).
 * Host bits are cleared (Azure accepts 10.0.0.5/24 as 10.0.0.0/24).
 * Returns 0, or -1 when s is not a prefix (bad address, bad length). */
int nsg_cidr_parse(const char *s, struct nsg_cidr *out);
void nsg_cidr_format(const struct nsg_cidr *c, char out[NSG_CIDR_STRLEN]);
bool nsg_cidr_contains(const struct nsg_cidr *c, const struct nsg_ip *ip);
/* Lowest and highest address of the prefix. */
nsg_u128 nsg_cidr_lo(const struct nsg_cidr *c);
nsg_u128 nsg_cidr_hi(const struct nsg_cidr *c);
/* Largest value of a family: 2^32-1 or 2^128-1. */
nsg_u128 nsg_family_max(uint8_t family);

/* ---- address sets ------------------------------------------------------ */
/* An inclusive range of addresses of one family. */
struct nsg_range {
    uint8_t family;
    nsg_u128 lo, hi;
};
/* A set of addresses as sorted, disjoint, non-adjacent ranges (IPv4 ranges
 * first, then IPv6).  Always normalized after every public operation. */
struct nsg_addrset {
    struct nsg_range *r;
    size_t n, cap;
};
#define NSG_ADDRSET_INIT {NULL, 0, 0}
void nsg_addrset_release(struct nsg_addrset *s);
void nsg_addrset_clear(struct nsg_addrset *s);
void nsg_addrset_add_range(struct nsg_addrset *s, uint8_t family, nsg_u128 lo,
                           nsg_u128 hi);
void nsg_addrset_add_cidr(struct nsg_addrset *s, const struct nsg_cidr *c);
void nsg_addrset_add_all(struct nsg_addrset *s, uint8_t family); /* 0 = both */
void nsg_addrset_union(struct nsg_addrset *s, const struct nsg_addrset *o);
void nsg_addrset_subtract(struct nsg_addrset *s, const struct nsg_addrset *o);
void nsg_addrset_copy(struct nsg_addrset *dst, const struct nsg_addrset *src);
/* out = a ∩ b (out's previous content is replaced; out may not be a or b). */
void nsg_addrset_intersect(struct nsg_addrset *out, const struct nsg_addrset *a,
                           const struct nsg_addrset *b);
bool nsg_addrset_contains(const struct nsg_addrset *s, const struct nsg_ip *ip);
bool nsg_addrset_is_empty(const struct nsg_addrset *s);
bool nsg_addrset_equal(const struct nsg_addrset *a, const struct nsg_addrset *b);
/* Do a and b share an address? */
bool nsg_addrset_overlaps(const struct nsg_addrset *a,
                          const struct nsg_addrset *b);
/* Is every address of [lo, hi] (one family) in s? */
bool nsg_addrset_covers(const struct nsg_addrset *s, uint8_t family,
                        nsg_u128 lo, nsg_u128 hi);
/* Number of addresses in s (a double: a whole IPv6 space is 2^128). */
double nsg_addrset_count(const struct nsg_addrset *s);
/* Append the set as minimal CIDR prefixes, text, to out (one per call of
 * emit).  Used by `rules` to print expanded prefixes. */
void nsg_addrset_to_cidrs(const struct nsg_addrset *s,
                          void (*emit)(const struct nsg_cidr *c, void *ctx),
                          void *ctx);

/* ---- ports and protocols ----------------------------------------------- */
struct nsg_portrange {
    uint16_t lo, hi;
};
/* Parse "*" (0-65535), "22", "1000-2000", "22-22".  Returns 0 or -1. */
int nsg_portrange_parse(const char *s, struct nsg_portrange *out);

#define NSG_PROTO_ANY (-1)
#define NSG_PROTO_ICMP 1
#define NSG_PROTO_TCP 6
#define NSG_PROTO_UDP 17
#define NSG_PROTO_ESP 50
#define NSG_PROTO_AH 51
#define NSG_PROTO_ICMPV6 58
#define NSG_PROTO_IPIP 4 /* IP-in-IP encapsulation */
#define NSG_PROTO_GRE 47
/* Parse an ARM protocol ("Tcp", "TCP", "*", "All", "Icmp", "Esp", "Ah",
 * "Icmpv6", any case) or a number 0-255.  Returns NSG_PROTO_ANY, the number, or -2
 * when s is not a protocol. */
int nsg_proto_parse(const char *s);
/* "Tcp", "Udp", "Icmp", "Esp", "Ah", "Icmpv6", "*" or the decimal
 * number. */
const char *nsg_proto_name(int proto, char buf[8]);
/* Ports constrain only TCP and UDP. */
static inline bool nsg_proto_has_ports(int proto)
{
    return proto == NSG_PROTO_TCP || proto == NSG_PROTO_UDP;
}

/* ---- hashing ----------------------------------------------------------- */
/* Lower-case hex SHA-256 of data (65 bytes with NUL). */
void nsg_sha256_hex(const void *data, size_t len, char out[65]);

#endif
