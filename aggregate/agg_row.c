/* agg_row.c - one row of the aggregate interchange format: the column
 * names, and the text of a row turned into an aggregate flow (the accepted
 * spellings of docs/aggregates.md: NSG ids as ARM ids, SUB/RG/NAME or
 * resourceGuid, MACs with any separators, I/O or Inbound/Outbound, IANA
 * numbers or T/U/Tcp/Udp, A/D or Allowed/Denied, unix milliseconds or ISO
 * 8601 times; an empty value is unknown). */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "agg_int.h"

static const char *const names[NSG_AGG_NCOLS] = {
    "nsg",           "mac",
    "direction",     "protocol",
    "src_ip",        "dst_ip",
    "dst_port",      "src_port_min",
    "src_port_max",  "decision",
    "rule",          "tuples",
    "flows",         "packets_src_dst",
    "bytes_src_dst", "packets_dst_src",
    "bytes_dst_src", "first_seen_ms",
    "last_seen_ms"};

const char *nsg_agg_column_name(enum nsg_agg_col c)
{
    return c < NSG_AGG_NCOLS ? names[c] : "?";
}

int nsg_agg_column_find(const char *s, size_t n)
{
    for (int c = 0; c < NSG_AGG_NCOLS; c++)
        if (strlen(names[c]) == n && !strncasecmp(names[c], s, n))
            return c;
    return -1;
}

/* Times before this many unix milliseconds (1973) are refused: such a
 * value is almost surely unix seconds given as milliseconds. */
#define MS_MIN 100000000000LL
#define MS_MAX 253402300799999LL /* 9999-12-31T23:59:59.999Z */

static bool empty(const char *v)
{
    return !v || !*v;
}

static nsg_rc bad(struct nsg_err *err, enum nsg_agg_col c, const char *v,
                  const char *what)
{
    return nsg_err_set(err, NSG_E_INPUT, "column %s: '%.80s' %s", names[c],
                       v ? v : "", what);
}

static nsg_rc required(struct nsg_err *err, enum nsg_agg_col c)
{
    return nsg_err_set(err, NSG_E_INPUT, "column %s: a value is required",
                       names[c]);
}

/* A whole number in [0, max]: digits, optionally followed by a fraction of
 * zeros ("12.0": engines that sum in doubles write it so). */
static bool parse_u64(const char *s, uint64_t max, uint64_t *out)
{
    uint64_t v = 0;
    const char *p = s;
    if (!isdigit((unsigned char)*p))
        return false;
    for (; isdigit((unsigned char)*p); p++) {
        unsigned d = (unsigned)(*p - '0');
        if (v > (UINT64_MAX - d) / 10)
            return false;
        v = v * 10 + d;
    }
    if (*p == '.') {
        p++;
        if (!*p)
            return false;
        while (*p == '0')
            p++;
    }
    if (*p || v > max)
        return false;
    *out = v;
    return true;
}

static nsg_rc get_u64(const struct nsg_agg_text *t, enum nsg_agg_col c,
                      uint64_t max, uint64_t *out, struct nsg_err *err)
{
    if (!parse_u64(t->v[c], max, out))
        return bad(err, c, t->v[c],
                   max == 65535 ? "is not a port number (0-65535)"
                                : "is not a whole number");
    return NSG_OK;
}

static bool is_guid(const char *s)
{
    static const char shape[] = "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx";
    if (strlen(s) != sizeof(shape) - 1)
        return false;
    for (size_t i = 0; shape[i]; i++)
        if (shape[i] == '-' ? s[i] != '-' : !isxdigit((unsigned char)s[i]))
            return false;
    return true;
}

/* nsg: an ARM id (anything starting with '/'), a resourceGuid (the aclID
 * of VNet flow logs), or SUB/RG/NAME (Traffic Analytics' NSGList). */
static nsg_rc parse_nsg(const char *v, struct nsg_flow *f, char scratch[512],
                        struct nsg_err *err)
{
    if (empty(v))
        return NSG_OK;
    if (v[0] == '/') {
        f->nsg_id = v;
        return NSG_OK;
    }
    if (is_guid(v)) {
        f->acl_id = v;
        return NSG_OK;
    }
    const char *a = strchr(v, '/'), *b = a ? strchr(a + 1, '/') : NULL;
    if (a && b && a > v && b > a + 1 && b[1] && !strchr(b + 1, '/')) {
        int n = snprintf(scratch, 512,
                         "/subscriptions/%.*s/resourceGroups/%.*s/providers/"
                         "Microsoft.Network/networkSecurityGroups/%s",
                         (int)(a - v), v, (int)(b - a - 1), a + 1, b + 1);
        if (n > 0 && n < 512) {
            f->nsg_id = scratch;
            return NSG_OK;
        }
    }
    return bad(err, NSG_AGG_NSG, v,
               "is not an NSG id, SUB/RG/NAME or an NSG resourceGuid");
}

static int parse_dir(const char *v)
{
    if (!strcasecmp(v, "I") || !strcasecmp(v, "Inbound") ||
        !strcasecmp(v, "In"))
        return NSG_DIR_IN;
    if (!strcasecmp(v, "O") || !strcasecmp(v, "Outbound") ||
        !strcasecmp(v, "Out"))
        return NSG_DIR_OUT;
    return -1;
}

static int parse_proto(const char *v)
{
    if (!strcasecmp(v, "T"))
        return NSG_PROTO_TCP;
    if (!strcasecmp(v, "U"))
        return NSG_PROTO_UDP;
    int p = nsg_proto_parse(v);
    return p >= 0 && p <= 255 ? p : -1; /* "*" is not a protocol of a row */
}

static int parse_decision(const char *v)
{
    if (!strcasecmp(v, "A") || !strcasecmp(v, "Allowed") ||
        !strcasecmp(v, "Allow"))
        return 'A';
    if (!strcasecmp(v, "D") || !strcasecmp(v, "Denied") ||
        !strcasecmp(v, "Deny"))
        return 'D';
    return -1;
}

/* Unix milliseconds, or ISO 8601 (to the second), into unix seconds. */
static nsg_rc parse_time(const struct nsg_agg_text *t, enum nsg_agg_col c,
                         int64_t *out, struct nsg_err *err)
{
    const char *v = t->v[c];
    uint64_t ms;
    if (parse_u64(v, (uint64_t)MS_MAX, &ms)) {
        if (ms < (uint64_t)MS_MIN)
            return bad(err, c, v,
                       "is not a time in unix milliseconds (too small: "
                       "seconds?)");
        *out = (int64_t)(ms / 1000);
        return NSG_OK;
    }
    struct nsg_err ignored = NSG_ERR_INIT;
    if (isdigit((unsigned char)v[0]) && strchr(v, '-') &&
        !nsg_corpus_time_parse(v, out, &ignored) && *out >= MS_MIN / 1000)
        return NSG_OK;
    return bad(err, c, v,
               "is not a time (unix milliseconds, or ISO 8601 such as "
               "2026-11-20T13:00:00Z)");
}

nsg_rc nsg_agg_row_parse(const struct nsg_agg_text *t, struct nsg_flow *f,
                         char scratch[512], struct nsg_err *err)
{
    uint64_t lo = 0, hi = 65535, dport = 0, tuples = 0;
    const char *const *x = t->v;
    nsg_rc rc;
    int k;

    memset(f, 0, sizeof(*f));
    f->version = NSG_FLOW_AGGREGATE;
    for (int c = NSG_AGG_DIRECTION; c <= NSG_AGG_DST_IP; c++)
        if (empty(x[c]))
            return required(err, c);
    if (empty(x[NSG_AGG_DECISION]))
        return required(err, NSG_AGG_DECISION);
    if (empty(x[NSG_AGG_FIRST_SEEN]))
        return required(err, NSG_AGG_FIRST_SEEN);
    if ((rc = parse_nsg(x[NSG_AGG_NSG], f, scratch, err)))
        return rc;
    if (!empty(x[NSG_AGG_MAC]) && nsg_mac_normalize(x[NSG_AGG_MAC], f->mac))
        return bad(err, NSG_AGG_MAC, x[NSG_AGG_MAC],
                   "is not a MAC address (12 hex digits)");
    if ((k = parse_dir(x[NSG_AGG_DIRECTION])) < 0)
        return bad(err, NSG_AGG_DIRECTION, x[NSG_AGG_DIRECTION],
                   "is not a direction (I, O, Inbound, Outbound)");
    f->dir = (enum nsg_dir)k;
    if ((f->proto = parse_proto(x[NSG_AGG_PROTOCOL])) < 0)
        return bad(err, NSG_AGG_PROTOCOL, x[NSG_AGG_PROTOCOL],
                   "is not a protocol (an IANA number 0-255, T, U, Tcp, "
                   "Udp)");
    if (nsg_ip_parse(x[NSG_AGG_SRC_IP], &f->src))
        return bad(err, NSG_AGG_SRC_IP, x[NSG_AGG_SRC_IP],
                   "is not an IPv4 or IPv6 address");
    if (nsg_ip_parse(x[NSG_AGG_DST_IP], &f->dst))
        return bad(err, NSG_AGG_DST_IP, x[NSG_AGG_DST_IP],
                   "is not an IPv4 or IPv6 address");
    if (f->src.family != f->dst.family)
        return nsg_err_set(err, NSG_E_INPUT,
                           "src_ip %s and dst_ip %s are of different address "
                           "families",
                           x[NSG_AGG_SRC_IP], x[NSG_AGG_DST_IP]);
    if (!empty(x[NSG_AGG_DST_PORT])) {
        if ((rc = get_u64(t, NSG_AGG_DST_PORT, 65535, &dport, err)))
            return rc;
    } else if (nsg_proto_has_ports(f->proto)) {
        return nsg_err_set(err, NSG_E_INPUT,
                           "column dst_port: a value is required for Tcp and "
                           "Udp rows");
    }
    /* an unknown bound of the source-port range is the widest */
    if (!empty(x[NSG_AGG_SPORT_MIN]) &&
        (rc = get_u64(t, NSG_AGG_SPORT_MIN, 65535, &lo, err)))
        return rc;
    if (!empty(x[NSG_AGG_SPORT_MAX]) &&
        (rc = get_u64(t, NSG_AGG_SPORT_MAX, 65535, &hi, err)))
        return rc;
    if (lo > hi)
        return nsg_err_set(err, NSG_E_INPUT,
                           "src_port_min %llu is above src_port_max %llu",
                           (unsigned long long)lo, (unsigned long long)hi);
    f->sport = (uint16_t)lo;
    f->sport_span = (uint16_t)(hi - lo);
    f->dport = (uint16_t)dport;
    if ((k = parse_decision(x[NSG_AGG_DECISION])) < 0)
        return bad(err, NSG_AGG_DECISION, x[NSG_AGG_DECISION],
                   "is not a decision (A, D, Allowed, Denied)");
    f->decision = (char)k;
    f->rule = empty(x[NSG_AGG_RULE]) ? NULL : x[NSG_AGG_RULE];
    if (empty(x[NSG_AGG_TUPLES])) {
        f->unknown |= NSG_FLOW_NO_TUPLES;
    } else {
        if ((rc = get_u64(t, NSG_AGG_TUPLES, UINT64_MAX, &tuples, err)))
            return rc;
        if (!tuples)
            return bad(err, NSG_AGG_TUPLES, x[NSG_AGG_TUPLES],
                       "is not a count of tuples (at least 1; empty when "
                       "not known)");
    }
    if (empty(x[NSG_AGG_FLOWS]))
        f->unknown |= NSG_FLOW_NO_FLOWS;
    else if ((rc = get_u64(t, NSG_AGG_FLOWS, UINT64_MAX, &f->flows, err)))
        return rc;
    uint64_t *sums[4] = {&f->packets_sd, &f->bytes_sd, &f->packets_ds,
                         &f->bytes_ds};
    for (int i = 0; i < 4; i++) {
        enum nsg_agg_col c = (enum nsg_agg_col)(NSG_AGG_PACKETS_SD + i);
        if (empty(x[c]))
            f->unknown |= NSG_FLOW_NO_COUNTERS; /* known together or not */
        else if ((rc = get_u64(t, c, UINT64_MAX, sums[i], err)))
            return rc;
    }
    /* the row's weight in tuples: its tuples, else its flows (each began
     * with a tuple), else 1 */
    f->count = tuples ? tuples : f->flows ? f->flows : 1;
    if ((rc = parse_time(t, NSG_AGG_FIRST_SEEN, &f->first_seen, err)))
        return rc;
    f->last_seen = f->first_seen;
    if (!empty(x[NSG_AGG_LAST_SEEN]) &&
        (rc = parse_time(t, NSG_AGG_LAST_SEEN, &f->last_seen, err)))
        return rc;
    if (f->last_seen < f->first_seen)
        return nsg_err_set(err, NSG_E_INPUT,
                           "last_seen_ms %s is before first_seen_ms %s",
                           x[NSG_AGG_LAST_SEEN], x[NSG_AGG_FIRST_SEEN]);
    return NSG_OK;
}
