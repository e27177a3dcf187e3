/* rulegen.h - random NSG rules and packets for the solver's differential
 * tests and benchmark (header-only: included by tests/check_solver_random.c
 * and bench/bench_solver.c).  Rules are text specs built with topo_build. */
#ifndef RULEGEN_H
#define RULEGEN_H

#include <glib.h>
#include <stdio.h>
#include <string.h>

#include "../../../sim/sim.h"
#include "../../lib/topo_build.h"

struct rg_rule {
    char name[32];
    int prio;
    const char *dir, *access, *proto;
    char src[512], sports[96], dst[512], dports[96];
};

/* A small topology: one VNet (IPv4 + IPv6), a subnet, two NICs in ASGs
 * web and db, service tags Storage (v4+v6) and Sql. */
static inline struct nsg_topology *rg_topology(struct nsg_vnet **vnet)
{
    struct nsg_topology *t = nsg_topo_new();
    struct nsg_vnet *v = tb_vnet(t, "v1", "10.0.0.0/16,fd00:1::/48");
    struct nsg_subnet *s = tb_subnet(t, v, "s1", "10.0.1.0/24", NULL);
    tb_asg(t, "web");
    tb_asg(t, "db");
    tb_nic(t, "web1", s, "10.0.1.4", "web", NULL);
    tb_nic(t, "db1", s, "10.0.1.5", "db", NULL);
    tb_tag(t, "Storage", "20.38.0.0/16,20.40.0.0/14,2603:1000::/40");
    tb_tag(t, "Sql", "40.78.0.0/15,13.65.0.0/16");
    tb_link(t);
    *vnet = v;
    return t;
}

static const char *const rg_v4[] = {"*",
                                    "10.0.0.0/16",
                                    "10.0.1.0/24",
                                    "10.0.1.4",
                                    "10.0.1.0/28",
                                    "10.0.0.0/8",
                                    "192.168.0.0/16",
                                    "20.38.5.0/24",
                                    "0.0.0.0/1",
                                    "203.0.113.0/24",
                                    "VirtualNetwork",
                                    "Internet",
                                    "AzureLoadBalancer",
                                    "Storage",
                                    "Sql",
                                    "asg:web",
                                    "asg:db",
                                    "AzurePlatformDNS",
                                    "AzurePlatformIMDS",
                                    "AzurePlatformLKM",
                                    "168.63.129.16",
                                    "169.254.169.254",
                                    "224.0.0.0/4"};
static const char *const rg_v6[] = {"*",
                                    "fd00:1::/48",
                                    "fd00:1::4",
                                    "2001:db8::/32",
                                    "2603:1000::/40",
                                    "fd00::/8",
                                    "::/1",
                                    "VirtualNetwork",
                                    "Internet",
                                    "Storage"};
static const char *const rg_protos[] = {"*",   "Tcp", "Tcp", "Udp", "Icmp",
                                        "Esp", "Ah",  "47",  "58",  "*",
                                        "Icmpv6"};
static const char *const rg_ports[] = {
    "*",         "22",   "80",     "443",       "80-90",
    "1000-2000", "3389", "0-1023", "8080-8090", "53",
    "67",        "1688", "32526",  "0-65535"};

static inline const char *rg_pick(GRand *r, const char *const *v, size_t n)
{
    return v[g_rand_int_range(r, 0, (gint32)n)];
}
#define RG_PICK(r, a) rg_pick(r, a, sizeof(a) / sizeof(a[0]))

/* One side: 1-3 items of one family (random prefixes too). */
static inline void rg_side(GRand *r, bool v6, char *out, size_t cap)
{
    int n = g_rand_int_range(r, 0, 4) ? 1 : g_rand_int_range(r, 2, 4);
    out[0] = 0;
    for (int i = 0; i < n; i++) {
        char item[64];
        if (g_rand_int_range(r, 0, 3) == 0) {
            if (v6)
                snprintf(item, sizeof(item), "fd00:1:0:%x::/%d",
                         g_rand_int_range(r, 0, 16),
                         g_rand_int_range(r, 52, 129));
            else {
                int len = g_rand_int_range(r, 20, 33);
                snprintf(item, sizeof(item), "10.0.%d.%d/%d",
                         g_rand_int_range(r, 0, 4),
                         g_rand_int_range(r, 0, 256) &
                             ~((1 << (len > 24 ? 32 - len : 8)) - 1) & 255,
                         len);
            }
        } else {
            snprintf(item, sizeof(item), "%s",
                     v6 ? RG_PICK(r, rg_v6) : RG_PICK(r, rg_v4));
        }
        if (out[0])
            g_strlcat(out, ",", cap);
        g_strlcat(out, item, cap);
    }
}

static inline void rg_ports_of(GRand *r, char *out, size_t cap)
{
    int n = g_rand_int_range(r, 0, 3) ? 1 : 2;
    out[0] = 0;
    for (int i = 0; i < n; i++) {
        if (out[0])
            g_strlcat(out, ",", cap);
        g_strlcat(out, RG_PICK(r, rg_ports), cap);
    }
}

static inline void rg_random_rule(GRand *r, struct rg_rule *o, int idx,
                                  int prio)
{
    bool v6 = g_rand_int_range(r, 0, 4) == 0;
    memset(o, 0, sizeof(*o));
    snprintf(o->name, sizeof(o->name), "r%d", idx);
    o->prio = prio;
    o->dir = g_rand_boolean(r) ? "in" : "out";
    o->access = g_rand_int_range(r, 0, 3) ? "allow" : "deny";
    o->proto = RG_PICK(r, rg_protos);
    rg_side(r, v6, o->src, sizeof(o->src));
    rg_side(r, v6, o->dst, sizeof(o->dst));
    if (g_rand_int_range(r, 0, 4))
        strcpy(o->sports, "*");
    else
        rg_ports_of(r, o->sports, sizeof(o->sports));
    rg_ports_of(r, o->dports, sizeof(o->dports));
}

static inline struct nsg_nsg *rg_build(struct nsg_topology *t, const char *name,
                                       const struct rg_rule *rules, size_t n)
{
    struct nsg_nsg *nsg = tb_nsg(t, name);
    for (size_t i = 0; i < n; i++)
        tb_rule(nsg, rules[i].name, rules[i].prio, rules[i].dir,
                rules[i].access, rules[i].proto, rules[i].src, rules[i].sports,
                rules[i].dst, rules[i].dports);
    return nsg;
}

/* Interesting values: the bounds of every range of every rule (and their
 * neighbours), so random packets hit edges. */
struct rg_points {
    GArray *v4, *v6; /* nsg_u128 */
    GArray *ports;   /* guint */
};
static inline void rg_points_add_set(struct rg_points *pt,
                                     const struct nsg_addrset *s)
{
    for (size_t i = 0; i < s->n; i++) {
        GArray *a = s->r[i].family == 6 ? pt->v6 : pt->v4;
        nsg_u128 max = nsg_family_max(s->r[i].family);
        nsg_u128 v[4] = {s->r[i].lo, s->r[i].hi, s->r[i].lo - 1,
                         s->r[i].hi + 1};
        for (int k = 0; k < 4; k++)
            if (k < 2 || (k == 2 && s->r[i].lo > 0) ||
                (k == 3 && s->r[i].hi < max))
                g_array_append_val(a, v[k]);
    }
}
static inline void rg_points_add(struct rg_points *pt, const struct nsg_cnsg *c)
{
    for (int d = 0; d < 2; d++)
        for (size_t i = 0; i < c->n[d]; i++) {
            const struct nsg_crule *cr = &c->rules[d][i];
            rg_points_add_set(pt, &cr->src);
            rg_points_add_set(pt, &cr->dst);
            for (size_t k = 0; k < cr->n_dports; k++) {
                guint v[4] = {cr->dports[k].lo, cr->dports[k].hi,
                              cr->dports[k].lo ? cr->dports[k].lo - 1u : 0u,
                              cr->dports[k].hi < 65535 ? cr->dports[k].hi + 1u
                                                       : 65535u};
                g_array_append_vals(pt->ports, v, 4);
            }
        }
}
static inline void rg_points_init(struct rg_points *pt)
{
    pt->v4 = g_array_new(FALSE, FALSE, sizeof(nsg_u128));
    pt->v6 = g_array_new(FALSE, FALSE, sizeof(nsg_u128));
    pt->ports = g_array_new(FALSE, FALSE, sizeof(guint));
    /* the platform's addresses (sim_sem.c): wireserver, IMDS, a KMS host,
     * broadcast, multicast */
    static const nsg_u128 plat[] = {
        ((nsg_u128)168 << 24) | (63 << 16) | (129 << 8) | 16,
        ((nsg_u128)169 << 24) | (254 << 16) | (169 << 8) | 254,
        ((nsg_u128)40 << 24) | (83 << 16) | (235 << 8) | 53,
        0xffffffffu, ((nsg_u128)224 << 24) | 5};
    g_array_append_vals(pt->v4, plat, sizeof(plat) / sizeof(*plat));
    static const guint ports[] = {53, 67, 68, 80, 1688, 32526};
    g_array_append_vals(pt->ports, ports, sizeof(ports) / sizeof(*ports));
}
static inline void rg_points_free(struct rg_points *pt)
{
    g_array_free(pt->v4, TRUE);
    g_array_free(pt->v6, TRUE);
    g_array_free(pt->ports, TRUE);
}

static inline nsg_u128 rg_addr(GRand *r, const struct rg_points *pt, bool v6)
{
    GArray *a = v6 ? pt->v6 : pt->v4;
    if (a->len && g_rand_int_range(r, 0, 4))
        return g_array_index(a, nsg_u128,
                             g_rand_int_range(r, 0, (gint32)a->len));
    nsg_u128 x = ((nsg_u128)g_rand_int(r) << 96) |
                 ((nsg_u128)g_rand_int(r) << 64) |
                 ((nsg_u128)g_rand_int(r) << 32) | g_rand_int(r);
    return v6 ? x : (x & 0xffffffffu);
}

static inline struct nsg_packet rg_packet(GRand *r, const struct rg_points *pt)
{
    static const int protos[] = {6, 6, 17, 17, 1, 50, 51, 47, 58, 0, 255, 4};
    struct nsg_packet p;
    memset(&p, 0, sizeof(p));
    bool v6 = g_rand_int_range(r, 0, 4) == 0 && pt->v6->len;
    p.dir = g_rand_boolean(r) ? NSG_DIR_OUT : NSG_DIR_IN;
    p.proto = protos[g_rand_int_range(r, 0, 12)];
    p.src.family = p.dst.family = v6 ? 6 : 4;
    p.src.v = rg_addr(r, pt, v6);
    p.dst.v = rg_addr(r, pt, v6);
    if (nsg_proto_has_ports(p.proto)) {
        guint n = pt->ports->len;
        p.sport =
            (uint16_t)(n && g_rand_boolean(r)
                           ? g_array_index(pt->ports, guint,
                                           g_rand_int_range(r, 0, (gint32)n))
                           : (guint)g_rand_int_range(r, 0, 65536));
        p.dport =
            (uint16_t)(n && g_rand_int_range(r, 0, 4)
                           ? g_array_index(pt->ports, guint,
                                           g_rand_int_range(r, 0, (gint32)n))
                           : (guint)g_rand_int_range(r, 0, 65536));
    }
    return p;
}

#endif
