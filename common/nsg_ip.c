/* nsg_ip.c - IPv4/IPv6 addresses and prefixes: parse, format, compare. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nsg.h"

int nsg_ip_parse(const char *s, struct nsg_ip *out)
{
    unsigned char b[16];

    if (!s || !*s)
        return -1;
    if (strchr(s, ':')) {
        if (inet_pton(AF_INET6, s, b) != 1)
            return -1;
        nsg_u128 v = 0;
        for (int i = 0; i < 16; i++)
            v = (v << 8) | b[i];
        out->family = 6;
        out->v = v;
        return 0;
    }
    if (inet_pton(AF_INET, s, b) != 1)
        return -1;
    out->family = 4;
    out->v = ((nsg_u128)b[0] << 24) | ((nsg_u128)b[1] << 16) |
             ((nsg_u128)b[2] << 8) | b[3];
    return 0;
}

void nsg_ip_format(const struct nsg_ip *ip, char out[NSG_IP_STRLEN])
{
    unsigned char b[16];

    if (ip->family == 4) {
        uint32_t v = (uint32_t)ip->v;
        snprintf(out, NSG_IP_STRLEN, "%u.%u.%u.%u", v >> 24, (v >> 16) & 255,
                 (v >> 8) & 255, v & 255);
        return;
    }
    nsg_u128 v = ip->v;
    for (int i = 15; i >= 0; i--) {
        b[i] = (unsigned char)(v & 255);
        v >>= 8;
    }
    if (!inet_ntop(AF_INET6, b, out, NSG_IP_STRLEN))
        snprintf(out, NSG_IP_STRLEN, "?");
}

int nsg_ip_cmp(const struct nsg_ip *a, const struct nsg_ip *b)
{
    if (a->family != b->family)
        return a->family < b->family ? -1 : 1;
    if (a->v != b->v)
        return a->v < b->v ? -1 : 1;
    return 0;
}

nsg_u128 nsg_family_max(uint8_t family)
{
    return family == 4 ? (nsg_u128)0xffffffffu : ~(nsg_u128)0;
}

static nsg_u128 host_mask(uint8_t family, uint8_t len)
{
    unsigned bits = family == 4 ? 32 : 128;
    if (len >= bits)
        return 0;
    return nsg_family_max(family) >> len;
}

int nsg_cidr_parse(const char *s, struct nsg_cidr *out)
{
    char addr[NSG_CIDR_STRLEN];
    const char *slash;
    struct nsg_ip ip;
    long len;

    if (!s)
        return -1;
    slash = strchr(s, '/');
    size_t alen = slash ? (size_t)(slash - s) : strlen(s);
    if (alen == 0 || alen >= sizeof(addr))
        return -1;
    memcpy(addr, s, alen);
    addr[alen] = '\0';
    if (nsg_ip_parse(addr, &ip))
        return -1;
    unsigned bits = ip.family == 4 ? 32 : 128;
    if (slash) {
        const char *p = slash + 1;
        char *end;
        if (*p < '0' || *p > '9' || strlen(p) > 3)
            return -1;
        len = strtol(p, &end, 10);
        if (*end || len < 0 || len > (long)bits)
            return -1;
    } else {
        len = bits;
    }
    out->family = ip.family;
    out->len = (uint8_t)len;
    out->v = ip.v & ~host_mask(ip.family, (uint8_t)len) &
             nsg_family_max(ip.family);
    return 0;
}

void nsg_cidr_format(const struct nsg_cidr *c, char out[NSG_CIDR_STRLEN])
{
    struct nsg_ip ip = {c->family, c->v};
    char a[NSG_IP_STRLEN];
    nsg_ip_format(&ip, a);
    snprintf(out, NSG_CIDR_STRLEN, "%s/%u", a, c->len);
}

nsg_u128 nsg_cidr_lo(const struct nsg_cidr *c)
{
    return c->v;
}

nsg_u128 nsg_cidr_hi(const struct nsg_cidr *c)
{
    return c->v | host_mask(c->family, c->len);
}

bool nsg_cidr_contains(const struct nsg_cidr *c, const struct nsg_ip *ip)
{
    return ip->family == c->family && ip->v >= nsg_cidr_lo(c) &&
           ip->v <= nsg_cidr_hi(c);
}
