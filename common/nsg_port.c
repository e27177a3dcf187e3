/* nsg_port.c - port ranges, protocol names and hashing helpers. */
#include <ctype.h>
#include <glib.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "nsg.h"

static int parse_port(const char *s, size_t n, long *out)
{
    long v = 0;
    if (n == 0 || n > 5)
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (!isdigit((unsigned char)s[i]))
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    if (v > 65535)
        return -1;
    *out = v;
    return 0;
}

int nsg_portrange_parse(const char *s, struct nsg_portrange *out)
{
    long lo, hi;
    const char *dash;

    if (!s)
        return -1;
    while (*s == ' ')
        s++;
    if (!strcmp(s, "*")) {
        out->lo = 0;
        out->hi = 65535;
        return 0;
    }
    dash = strchr(s, '-');
    if (!dash) {
        if (parse_port(s, strlen(s), &lo))
            return -1;
        hi = lo;
    } else {
        if (parse_port(s, (size_t)(dash - s), &lo) ||
            parse_port(dash + 1, strlen(dash + 1), &hi) || lo > hi)
            return -1;
    }
    out->lo = (uint16_t)lo;
    out->hi = (uint16_t)hi;
    return 0;
}

int nsg_proto_parse(const char *s)
{
    static const struct {
        const char *name;
        int proto;
    } names[] = {{"*", NSG_PROTO_ANY},   {"all", NSG_PROTO_ANY},
                 {"any", NSG_PROTO_ANY}, {"tcp", NSG_PROTO_TCP},
                 {"udp", NSG_PROTO_UDP}, {"icmp", NSG_PROTO_ICMP},
                 {"esp", NSG_PROTO_ESP}, {"ah", NSG_PROTO_AH},
                 {"icmpv6", NSG_PROTO_ICMPV6}};
    if (!s)
        return -2;
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (!strcasecmp(s, names[i].name))
            return names[i].proto;
    if (*s && strlen(s) <= 3) {
        long v = 0;
        for (const char *p = s; *p; p++) {
            if (!isdigit((unsigned char)*p))
                return -2;
            v = v * 10 + (*p - '0');
        }
        if (v <= 255)
            return (int)v;
    }
    return -2;
}

const char *nsg_proto_name(int proto, char buf[8])
{
    switch (proto) {
    case NSG_PROTO_ANY:
        return "*";
    case NSG_PROTO_TCP:
        return "Tcp";
    case NSG_PROTO_UDP:
        return "Udp";
    case NSG_PROTO_ICMP:
        return "Icmp";
    case NSG_PROTO_ESP:
        return "Esp";
    case NSG_PROTO_AH:
        return "Ah";
    case NSG_PROTO_ICMPV6:
        return "Icmpv6";
    default:
        snprintf(buf, 8, "%d", proto);
        return buf;
    }
}

/* OpenSSL's SHA-256 uses the CPU's SHA extensions where there are some
 * (GLib's is generic C: ~15 % of loading a corpus of 100,000 rules, which
 * checks every object it reads). */
void nsg_sha256_hex(const void *data, size_t len, char out[65])
{
    static const char hexd[] = "0123456789abcdef";
    unsigned char dg[EVP_MAX_MD_SIZE];
    unsigned int dl = 0;
    if (!EVP_Digest(data, len, dg, &dl, EVP_sha256(), NULL) || dl != 32) {
        gchar *hex = g_compute_checksum_for_data(G_CHECKSUM_SHA256, data, len);
        memcpy(out, hex, 64);
        out[64] = '\0';
        g_free(hex);
        return;
    }
    for (int i = 0; i < 32; i++) {
        out[2 * i] = hexd[dg[i] >> 4];
        out[2 * i + 1] = hexd[dg[i] & 15];
    }
    out[64] = '\0';
}
