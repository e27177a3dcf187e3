/* check_sim_random.c - differential test of the simulator: random rule sets
 * (prefixes with host bits, IPv6, plural fields, ports, protocols, tags
 * through a random topology, ASGs, unknown tags, platform tags) and random
 * packets (platform traffic and traffic the VNet drops included), each
 * evaluated by nsg_sim_eval and by a brute-force evaluator written here
 * from the rule text and Azure's documented behaviour alone; also the
 * index against the linear scan. */
#include <arpa/inet.h>
#include <check.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../sim/sim.h"
#include "lib/topo_build.h"

/* ---- the brute-force evaluator (no code shared with sim/) ------------- */

struct bip {
    int fam; /* 4 or 6 */
    unsigned char b[16];
};

static int bip_parse(const char *s, struct bip *out)
{
    memset(out, 0, sizeof(*out));
    if (strchr(s, ':')) {
        out->fam = 6;
        return inet_pton(AF_INET6, s, out->b) == 1 ? 0 : -1;
    }
    out->fam = 4;
    return inet_pton(AF_INET, s, out->b) == 1 ? 0 : -1;
}

/* "addr" or "addr/len": does it contain ip?  Host bits are ignored. */
static bool bf_prefix_has(const char *text, const struct bip *ip)
{
    char addr[64];
    const char *slash = strchr(text, '/');
    size_t n = slash ? (size_t)(slash - text) : strlen(text);
    struct bip net;
    memcpy(addr, text, n);
    addr[n] = '\0';
    ck_assert_int_eq(bip_parse(addr, &net), 0);
    int len = slash ? atoi(slash + 1) : (net.fam == 4 ? 32 : 128);
    if (net.fam != ip->fam)
        return false;
    for (int bit = 0; bit < len; bit++) {
        int mask = 0x80 >> (bit % 8);
        if ((net.b[bit / 8] & mask) != (ip->b[bit / 8] & mask))
            return false;
    }
    return true;
}

static bool bf_list_has(const char *const *list, size_t n,
                        const struct bip *ip)
{
    for (size_t i = 0; i < n; i++)
        if (bf_prefix_has(list[i], ip))
            return true;
    return false;
}

/* The world as the brute force sees it, in text. */
#define MAXL 8
struct world {
    const char *space[2];
    const char *peer_space[3];
    const char *peer_state[3];
    bool peer_allow[3];
    const char *udr;
    const char *nic_ip[4];
    const char *nic_asgs[4]; /* comma list of a1,a2,a3 */
};

static const char *const storage[] = {"20.38.0.0/16", "2603:1000::/40"};
static const char *const storage_west[] = {"20.38.96.0/20"};
/* never Internet: the published expansion of the tag leaves these out */
static const char *const private4[] = {
    "0.0.0.0/8",     "10.0.0.0/8",     "25.0.0.0/8",     "100.64.0.0/10",
    "127.0.0.0/8",   "169.254.0.0/16", "172.16.0.0/12",  "192.0.2.0/24",
    "192.168.0.0/16", "198.18.0.0/15", "224.0.0.0/3"};

static bool bf_vnet(const struct world *w, const struct bip *ip)
{
    if (bf_list_has(w->space, 2, ip) || bf_prefix_has("168.63.129.16", ip))
        return true;
    for (int i = 0; i < 3; i++)
        if (w->peer_allow[i] && !strcasecmp(w->peer_state[i], "Connected") &&
            bf_prefix_has(w->peer_space[i], ip))
            return true;
    return bf_prefix_has(w->udr, ip);
}

/* Internet: public space minus the VNet's own address space only */
static bool bf_internet(const struct world *w, const struct bip *ip)
{
    if (bf_list_has(w->space, 2, ip))
        return false;
    if (ip->fam == 4)
        return !bf_list_has(private4, sizeof(private4) / sizeof(*private4), ip);
    return bf_prefix_has("2000::/3", ip);
}

/* 1 member, 0 not, -1 unknown tag */
static int bf_item(const struct world *w, const char *it, const struct bip *ip)
{
    if (!strcmp(it, "*"))
        return 1;
    if (!strncmp(it, "asg:", 4)) {
        for (int i = 0; i < 4; i++) {
            struct bip nic;
            ck_assert_int_eq(bip_parse(w->nic_ip[i], &nic), 0);
            if (strstr(w->nic_asgs[i], it + 4) &&
                !memcmp(&nic, ip, sizeof(nic)))
                return 1;
        }
        return 0;
    }
    if (isdigit((unsigned char)it[0]) || strchr(it, ':'))
        return bf_prefix_has(it, ip);
    if (!strcasecmp(it, "VirtualNetwork"))
        return bf_vnet(w, ip);
    if (!strcasecmp(it, "Internet"))
        return bf_internet(w, ip);
    if (!strcasecmp(it, "AzureLoadBalancer"))
        return bf_prefix_has("168.63.129.16", ip) ||
               bf_prefix_has("fe80::1234:5678:9abc", ip);
    if (!strcasecmp(it, "Storage"))
        return bf_list_has(storage, 2, ip);
    if (!strcasecmp(it, "Storage.WestUS"))
        return bf_prefix_has(storage_west[0], ip);
    if (!strcasecmp(it, "AzurePlatformDNS"))
        return bf_prefix_has("168.63.129.16", ip);
    if (!strcasecmp(it, "AzurePlatformIMDS"))
        return bf_prefix_has("169.254.169.254", ip);
    if (!strcasecmp(it, "AzurePlatformLKM"))
        return bf_prefix_has("20.118.99.224", ip) ||
               bf_prefix_has("40.83.235.53", ip) ||
               bf_prefix_has("23.102.135.246", ip);
    return -1;
}

struct bf_rule {
    char name[16];
    int prio;
    int dir;   /* 0 in, 1 out */
    int allow; /* 1 allow */
    char proto[8];
    char src[MAXL][48], dst[MAXL][48];
    int n_src, n_dst;
    int sp[MAXL][2], dp[MAXL][2];
    int n_sp, n_dp;
    int is_default;
    bool narrow; /* some side's ports do not cover 0-65535 */
};

static int bf_side(const struct world *w, const char it[][48], int n,
                   const struct bip *ip)
{
    int r = 0;
    for (int i = 0; i < n; i++) {
        int m = bf_item(w, it[i], ip);
        if (m == 1)
            return 1;
        if (m < 0)
            r = -1;
    }
    return r;
}

static bool bf_ports(const int p[][2], int n, int port)
{
    for (int i = 0; i < n; i++)
        if (p[i][0] <= port && port <= p[i][1])
            return true;
    return false;
}

static int proto_num(const char *p)
{
    if (!strcasecmp(p, "Tcp"))
        return 6;
    if (!strcasecmp(p, "Udp"))
        return 17;
    if (!strcasecmp(p, "Icmp"))
        return 1;
    if (!strcasecmp(p, "Esp"))
        return 50;
    if (!strcasecmp(p, "Ah"))
        return 51;
    if (!strcasecmp(p, "Icmpv6"))
        return 58;
    if (!strcmp(p, "*"))
        return -1;
    return atoi(p);
}

struct bf_packet {
    int dir, proto, sport, dport;
    struct bip src, dst;
};

/* Do the ranges cover every port 0-65535? */
static bool bf_all_ports(const int p[][2], int n)
{
    for (int port = 0; port <= 65535; port++)
        if (!bf_ports(p, n, port))
            return false;
    return true;
}

static int bf_match(const struct world *w, const struct bf_rule *r,
                    const struct bf_packet *p)
{
    int pr = proto_num(r->proto);
    if (r->dir != p->dir || (pr != -1 && pr != p->proto))
        return 0;
    /* "*" with ports narrower than 0-65535: TCP and UDP only */
    if (pr == -1 && p->proto != 6 && p->proto != 17 && r->narrow)
        return 0;
    if ((p->proto == 6 || p->proto == 17) &&
        (!bf_ports(r->sp, r->n_sp, p->sport) ||
         !bf_ports(r->dp, r->n_dp, p->dport)))
        return 0;
    int s = bf_side(w, r->src, r->n_src, &p->src);
    if (!s)
        return 0;
    int d = bf_side(w, r->dst, r->n_dst, &p->dst);
    if (!d)
        return 0;
    return s < 0 || d < 0 ? -1 : 1;
}

static int bf_cmp(const void *pa, const void *pb)
{
    const struct bf_rule *a = pa, *b = pb;
    if (a->is_default != b->is_default)
        return a->is_default - b->is_default;
    return a->prio - b->prio;
}

/* The platform class of a packet (NSG overview, "Azure platform
 * considerations"; Virtual Network FAQ): its tag (NULL: none), or "" for
 * ordinary traffic; *blocked for what the VNet drops. */
static const char *bf_platform(const struct bf_packet *p, bool *blocked,
                               bool *platform)
{
    bool v4 = p->dst.fam == 4, out = p->dir == 1;
    bool wire = v4 && bf_prefix_has("168.63.129.16", &p->dst);
    *blocked = *platform = false;
    if (out && p->proto == 17 && p->sport == 68 && p->dport == 67 &&
        (wire || (v4 && bf_prefix_has("255.255.255.255", &p->dst)))) {
        *platform = true; /* DHCP, even broadcast */
        return NULL;
    }
    if (p->proto == 47 || p->proto == 4 ||
        (v4 && (bf_prefix_has("224.0.0.0/4", &p->dst) ||
                bf_prefix_has("255.255.255.255", &p->dst))) ||
        (!v4 && bf_prefix_has("ff00::/8", &p->dst))) {
        *blocked = true;
        return NULL;
    }
    if (!out || !v4)
        return "";
    *platform = true;
    if (wire && (p->proto == 6 || p->proto == 17) && p->dport == 53)
        return "AzurePlatformDNS";
    if (wire && p->proto == 6 && (p->dport == 80 || p->dport == 32526))
        return NULL;
    if (p->proto == 6 && p->dport == 80 &&
        bf_prefix_has("169.254.169.254", &p->dst))
        return "AzurePlatformIMDS";
    if (p->proto == 6 && p->dport == 1688 &&
        (bf_prefix_has("20.118.99.224", &p->dst) ||
         bf_prefix_has("40.83.235.53", &p->dst) ||
         bf_prefix_has("23.102.135.246", &p->dst)))
        return "AzurePlatformLKM";
    *platform = false;
    return "";
}

/* How often each stage decided (the test asserts each path is taken). */
static long n_blocked, n_platform, n_platform_rule;

/* Does the rule name the tag in its address text? */
static bool bf_names(const struct bf_rule *r, const char *tag)
{
    for (int i = 0; i < r->n_src; i++)
        if (!strcasecmp(r->src[i], tag))
            return true;
    for (int i = 0; i < r->n_dst; i++)
        if (!strcasecmp(r->dst[i], tag))
            return true;
    return false;
}

/* "Allow:name", "Deny:name", "Unknown:name"; "Allow:-" when the platform
 * decides, "Deny:-" when the VNet drops it */
static void bf_eval(const struct world *w, const struct bf_rule *rules,
                    int n, const struct bf_packet *p, char *out, size_t cap)
{
    bool blocked, platform;
    const char *tag = bf_platform(p, &blocked, &platform);
    if (blocked) {
        n_blocked++;
        snprintf(out, cap, "Deny:-");
        return;
    }
    for (int i = 0; i < n; i++) {
        if (platform && (!tag || !bf_names(&rules[i], tag)))
            continue; /* only rules naming the class's tag apply */
        int m = bf_match(w, &rules[i], p);
        if (m) {
            n_platform_rule += platform;
            snprintf(out, cap, "%s:%s",
                     m < 0 ? "Unknown" : rules[i].allow ? "Allow" : "Deny",
                     rules[i].name);
            return;
        }
    }
    n_platform += platform;
    snprintf(out, cap, platform ? "Allow:-" : "none");
}

/* ---- random generation ------------------------------------------------ */

static unsigned rnd(unsigned n)
{
    return (unsigned)(g_random_int() % n);
}

static const char *const bases4[] = {
    "10.0.0.0",     "10.1.0.0",    "10.2.0.0",        "192.168.50.0",
    "203.0.113.0",  "20.38.96.0",  "20.38.0.0",       "168.63.129.16",
    "172.16.0.0",   "100.64.0.0",  "8.8.8.0",         "224.0.0.0",
    "168.63.129.16", "169.254.169.254", "40.83.235.53", "255.255.255.255",
    "25.0.0.0",     "198.18.0.0"};
#define N_BASES4 (sizeof(bases4) / sizeof(*bases4))
static const char *const bases6[] = {"fd00:1::",  "2001:db8::",
                                     "2603:1000::", "fe80::1234:5678:9abc",
                                     "fd00:2::",  "2a01:110::"};

/* A random address near one of the bases, as text. */
static void rand_addr(int fam, char *out, size_t cap)
{
    struct bip a;
    if (fam == 4) {
        unsigned bi = rnd(N_BASES4);
        ck_assert_int_eq(bip_parse(bases4[bi], &a), 0);
        int k = bi >= 12 && rnd(2) ? 0 : rnd(4); /* randomize 0..3 bytes */
        for (int i = 4 - k; i < 4; i++)
            a.b[i] = (unsigned char)(rnd(4) ? rnd(8) : rnd(256));
        inet_ntop(AF_INET, a.b, out, (socklen_t)cap);
    } else {
        ck_assert_int_eq(bip_parse(bases6[rnd(6)], &a), 0);
        int k = rnd(3) * 4;
        for (int i = 16 - k; i < 16; i++)
            a.b[i] = (unsigned char)(rnd(4) ? rnd(8) : rnd(256));
        if (!rnd(4))
            a.b[15] = (unsigned char)rnd(8);
        inet_ntop(AF_INET6, a.b, out, (socklen_t)cap);
    }
}

static void rand_prefix(int fam, char *out, size_t cap)
{
    char a[64];
    rand_addr(fam, a, sizeof(a));
    int max = fam == 4 ? 32 : 128;
    int len = rnd(5) == 0 ? max : rnd(8) == 0 ? 0 : (int)rnd((unsigned)max + 1);
    if (rnd(4) == 0)
        snprintf(out, cap, "%s", a); /* single address */
    else
        snprintf(out, cap, "%s/%d", a, len);
}

static const char *const tags[] = {"VirtualNetwork",   "Internet",
                                   "AzureLoadBalancer", "Storage",
                                   "Storage.WestUS",    "internet",
                                   "AzurePlatformDNS",  "azureplatformimds",
                                   "AzurePlatformLKM",  "NoSuchTag"};

static void rand_side(int fam, char it[][48], int *n)
{
    *n = 1 + (int)rnd(3);
    for (int i = 0; i < *n; i++) {
        unsigned k = rnd(20);
        if (k == 0)
            snprintf(it[i], 48, "*");
        else if (k < 4)
            snprintf(it[i], 48, "%s", tags[rnd(rnd(10) ? 9 : 10)]);
        else if (k < 6)
            snprintf(it[i], 48, "asg:a%u", 1 + rnd(3));
        else
            rand_prefix(fam, it[i], 48);
    }
}

static const int port_pts[] = {0,    1,     21,    22,    23,   53,
                               80,   443,   1024,  3389,  8080, 49152,
                               65534, 65535, 67,   68,    1688, 32526};
#define N_PORT_PTS (sizeof(port_pts) / sizeof(*port_pts))

static int rand_port(void)
{
    return rnd(3) ? port_pts[rnd(N_PORT_PTS)] : (int)rnd(65536);
}

static void rand_ports(int p[][2], int *n, bool wide)
{
    if (wide || rnd(3) == 0) {
        *n = 1;
        p[0][0] = 0;
        p[0][1] = 65535;
        return;
    }
    *n = 1 + (int)rnd(3);
    for (int i = 0; i < *n; i++) {
        int a = rand_port(), b = rnd(2) ? a : rand_port();
        p[i][0] = a < b ? a : b;
        p[i][1] = a < b ? b : a;
    }
}

static void ports_text(int p[][2], int n, char *out, size_t cap)
{
    size_t k = 0;
    out[0] = '\0';
    for (int i = 0; i < n && k < cap; i++) {
        if (p[i][0] == 0 && p[i][1] == 65535)
            k += (size_t)snprintf(out + k, cap - k, "%s*", i ? "," : "");
        else if (p[i][0] == p[i][1] && rnd(2))
            k += (size_t)snprintf(out + k, cap - k, "%s%d", i ? "," : "",
                                  p[i][0]);
        else
            k += (size_t)snprintf(out + k, cap - k, "%s%d-%d", i ? "," : "",
                                  p[i][0], p[i][1]);
    }
}

static void side_text(char it[][48], int n, char *out, size_t cap)
{
    size_t k = 0;
    out[0] = '\0';
    for (int i = 0; i < n && k < cap; i++)
        k += (size_t)snprintf(out + k, cap - k, "%s%s", i ? "," : "", it[i]);
}

static const char *const protos[] = {"Tcp", "Udp", "*",  "Icmp",
                                     "Esp", "Ah",  "47", "tcp",
                                     "*",   "Icmpv6"};
static const char *const states[] = {"Connected", "connected", "Initiated",
                                     "Disconnected"};

static void add_defaults(struct bf_rule *r, int *n)
{
    static const struct {
        const char *name, *src, *dst;
        int prio, dir, allow;
    } d[] = {
        {"AllowVnetInBound", "VirtualNetwork", "VirtualNetwork", 65000, 0, 1},
        {"AllowAzureLoadBalancerInBound", "AzureLoadBalancer", "*", 65001, 0,
         1},
        {"DenyAllInBound", "*", "*", 65500, 0, 0},
        {"AllowVnetOutBound", "VirtualNetwork", "VirtualNetwork", 65000, 1, 1},
        {"AllowInternetOutBound", "*", "Internet", 65001, 1, 1},
        {"DenyAllOutBound", "*", "*", 65500, 1, 0},
    };
    for (size_t i = 0; i < 6; i++) {
        struct bf_rule *x = &r[(*n)++];
        memset(x, 0, sizeof(*x));
        snprintf(x->name, sizeof(x->name), "%.15s", d[i].name);
        x->prio = d[i].prio;
        x->dir = d[i].dir;
        x->allow = d[i].allow;
        snprintf(x->proto, sizeof(x->proto), "*");
        snprintf(x->src[0], 48, "%s", d[i].src);
        snprintf(x->dst[0], 48, "%s", d[i].dst);
        x->n_src = x->n_dst = 1;
        x->sp[0][1] = x->dp[0][1] = 65535;
        x->n_sp = x->n_dp = 1;
        x->is_default = 1;
    }
}

/* A drawn rule as the topology builder takes it (its sides and ports as
 * text), and r->narrow: some side's ports do not cover 0-65535. */
struct rule_text {
    char src[512], dst[512], sp[128], dp[128];
};

static void rule_text(struct bf_rule *r, struct rule_text *x)
{
    r->narrow = !bf_all_ports(r->sp, r->n_sp) || !bf_all_ports(r->dp, r->n_dp);
    side_text(r->src, r->n_src, x->src, sizeof(x->src));
    side_text(r->dst, r->n_dst, x->dst, sizeof(x->dst));
    ports_text(r->sp, r->n_sp, x->sp, sizeof(x->sp));
    ports_text(r->dp, r->n_dp, x->dp, sizeof(x->dp));
}

/* n_rules random rules into NSG n and into br (as the reference sees
 * them), the default rules after them, br sorted as Azure evaluates. */
static void rand_rules(struct nsg_nsg *n, int n_rules, struct bf_rule *br,
                       int *nb)
{
    bool used[2][4097] = {{0}};
    for (int i = 0; i < n_rules; i++) {
        struct bf_rule *r = &br[(*nb)++];
        int fam = rnd(3) ? 4 : 6;
        struct rule_text x;
        snprintf(r->name, sizeof(r->name), "r%d", i);
        r->dir = (int)rnd(2);
        do
            r->prio = 100 + (int)rnd(3997);
        while (used[r->dir][r->prio]);
        used[r->dir][r->prio] = true;
        r->allow = (int)rnd(2);
        snprintf(r->proto, sizeof(r->proto), "%s", protos[rnd(10)]);
        rand_side(fam, r->src, &r->n_src);
        rand_side(fam, r->dst, &r->n_dst);
        rand_ports(r->sp, &r->n_sp, rnd(6) != 0);
        rand_ports(r->dp, &r->n_dp, false);
        rule_text(r, &x);
        tb_rule(n, r->name, r->prio, r->dir ? "out" : "in",
                r->allow ? "allow" : "deny", r->proto, x.src, x.sp, x.dst,
                x.dp);
    }
    add_defaults(br, nb);
    qsort(br, (size_t)*nb, sizeof(*br), bf_cmp);
}

/* One round: a random world and NSG, `packets` random packets. */
static void round_trip(int n_rules, int packets, long *checked, long *unknown)
{
    struct nsg_topology *t = nsg_topo_new();
    struct world w;
    char buf[4][64], nicip[4][64], udr[64];
    memset(&w, 0, sizeof(w));

    w.space[0] = "10.0.0.0/16";
    w.space[1] = "fd00:1::/48";
    static const char *const peer[] = {"10.1.0.0/16", "10.2.0.0/16",
                                       "fd00:2::/48"};
    struct nsg_vnet *v = tb_vnet(t, "v", "10.0.0.0/16,fd00:1::/48");
    for (int i = 0; i < 3; i++) {
        w.peer_space[i] = peer[i];
        w.peer_state[i] = states[rnd(4)];
        w.peer_allow[i] = rnd(3) != 0;
        tb_peering(v, peer[i], w.peer_state[i], w.peer_allow[i]);
    }
    rand_prefix(rnd(2) ? 4 : 6, udr, sizeof(udr));
    w.udr = udr;
    struct nsg_subnet *s = tb_subnet(t, v, "s", "10.0.0.0/24", NULL);
    tb_route_table(t, "rt", udr, s);
    static const char *const asgsets[] = {"", "a1", "a2", "a1,a3", "a3"};
    for (int i = 0; i < 4; i++) {
        rand_addr(i < 3 ? 4 : 6, nicip[i], sizeof(nicip[i]));
        w.nic_ip[i] = nicip[i];
        /* every ASG has a member: an ASG no NIC of the corpus belongs to
         * is not known (its NICs may be missing), tested in check_sim */
        w.nic_asgs[i] = i == 0 ? "a1,a3" : i == 1 ? "a2" : asgsets[rnd(5)];
        snprintf(buf[i], sizeof(buf[i]), "nic%d", i);
        tb_nic(t, buf[i], s, nicip[i], w.nic_asgs[i], NULL);
    }
    tb_tag(t, "Storage", "20.38.0.0/16,2603:1000::/40");
    tb_tag(t, "Storage.WestUS", "20.38.96.0/20");

    struct nsg_nsg *n = tb_nsg(t, "n");
    struct bf_rule *br = calloc((size_t)n_rules + 6, sizeof(*br));
    int nb = 0;
    rand_rules(n, n_rules, br, &nb);
    tb_link(t);

    struct nsg_sim *sim = nsg_sim_new(t);
    const struct nsg_cnsg *c;
    struct nsg_err err = NSG_ERR_INIT;
    ck_assert_msg(nsg_sim_get(sim, n, v, &c, &err) == 0, "%s", err.msg);
    static const int pkt_protos[] = {6, 6, 6, 17, 17, 1, 50, 51, 47, 4, 58};
    for (int k = 0; k < packets; k++) {
        struct bf_packet bp;
        struct nsg_packet p;
        char a[64], b[64], want[64], got[64];
        int fam = rnd(3) ? 4 : 6;
        /* addresses: random, or taken from the rules' own text */
        rand_addr(fam, a, sizeof(a));
        rand_addr(fam, b, sizeof(b));
        if (rnd(3) == 0)
            snprintf(a, sizeof(a), "%s", nicip[fam == 4 ? rnd(3) : 3]);
        if (rnd(3) == 0)
            snprintf(b, sizeof(b), "%s", nicip[fam == 4 ? rnd(3) : 3]);
        bp.dir = (int)rnd(2);
        bp.proto = pkt_protos[rnd(11)];
        bp.sport = rand_port();
        bp.dport = rand_port();
        if (fam == 4 && rnd(6) == 0) { /* aimed at a platform service */
            static const char *const svc[] = {
                "168.63.129.16", "169.254.169.254", "20.118.99.224",
                "23.102.135.246", "255.255.255.255"};
            static const int svc_ports[] = {53, 80, 32526, 1688, 67, 443};
            snprintf(b, sizeof(b), "%s", svc[rnd(5)]);
            bp.dir = rnd(5) != 0;
            bp.proto = rnd(3) ? 6 : 17;
            bp.dport = svc_ports[rnd(6)];
            if (rnd(2))
                bp.sport = 68;
        }
        ck_assert_int_eq(bip_parse(a, &bp.src), 0);
        ck_assert_int_eq(bip_parse(b, &bp.dst), 0);
        char pn[8];
        snprintf(pn, sizeof(pn), "%d", bp.proto);
        p = tb_packet(bp.dir ? "out" : "in", pn, a, bp.sport, b, bp.dport);

        struct nsg_match m, ml;
        nsg_sim_eval(c, &p, &m);
        nsg_sim_eval_linear(c, &p, &ml);
        ck_assert_int_eq(m.decision, ml.decision);
        ck_assert_ptr_eq(m.rule, ml.rule);
        snprintf(got, sizeof(got), "%s:%.15s",
                 m.decision == NSG_DEC_ALLOW  ? "Allow"
                 : m.decision == NSG_DEC_DENY ? "Deny"
                                              : "Unknown",
                 m.rule ? m.rule->rule->name : "-");
        bf_eval(&w, br, nb, &bp, want, sizeof(want));
        ck_assert_msg(!strcmp(got, want),
                      "packet %s %s %s:%d -> %s:%d: sim %s, brute force %s",
                      bp.dir ? "out" : "in", pn, a, bp.sport, b, bp.dport,
                      got, want);
        if (m.decision == NSG_DEC_UNKNOWN)
            (*unknown)++;
        (*checked)++;
    }
    nsg_sim_free(sim);
    free(br);
    nsg_topo_free(t);
}

START_TEST(test_random_small)
{
    long checked = 0, unknown = 0;
    g_random_set_seed(20261123u);
    for (int i = 0; i < 300; i++)
        round_trip(1 + (int)rnd(40), 300, &checked, &unknown);
    ck_assert_int_ge(checked, 90000);
    /* the stages are exercised: dropped, platform-decided, decided by a
     * rule naming a platform tag */
    fprintf(stderr, "sim_random: %ld blocked, %ld platform, %ld by a "
                    "platform-tag rule\n", n_blocked, n_platform,
            n_platform_rule);
    ck_assert_int_gt(n_blocked, 100);
    ck_assert_int_gt(n_platform, 100);
    ck_assert_int_gt(n_platform_rule, 10);
    /* the unknown-tag path is exercised, but not everywhere */
    ck_assert_int_gt(unknown, 0);
    ck_assert_int_lt(unknown, checked / 2);
}
END_TEST

/* ---- the whole pipeline at a NIC: drop, platform, admin, NSG ------------ */

/* A security admin rule as the brute force sees it. */
struct bf_admin {
    struct bf_rule r; /* allow: 0 Deny, 1 Allow, 2 AlwaysAllow */
};

/* Deny before AlwaysAllow before Allow at equal priority, then by name. */
static int bf_admin_cmp(const void *pa, const void *pb)
{
    const struct bf_admin *a = pa, *b = pb;
    static const int rank[3] = {0, 2, 1};
    if (a->r.prio != b->r.prio)
        return a->r.prio - b->r.prio;
    if (rank[a->r.allow] != rank[b->r.allow])
        return rank[a->r.allow] - rank[b->r.allow];
    return strcmp(a->r.name, b->r.name);
}

/* Azure's pipeline at a NIC whose subnet NSG is `rules` (no NIC NSG), in
 * a VNet the admin rules apply to. */
static void bf_nic(const struct world *w, const struct bf_rule *rules, int n,
                   const struct bf_admin *adm, int na,
                   const struct bf_packet *p, char *out, size_t cap)
{
    bool blocked, platform;
    (void)bf_platform(p, &blocked, &platform);
    if (!blocked && !platform) {
        for (int i = 0; i < na; i++) {
            int m = bf_match(w, &adm[i].r, p);
            if (!m)
                continue;
            if (m < 0)
                snprintf(out, cap, "Unknown:admin:%s", adm[i].r.name);
            else if (adm[i].r.allow == 0)
                snprintf(out, cap, "Deny:admin:%s", adm[i].r.name);
            else if (adm[i].r.allow == 2)
                snprintf(out, cap, "Allow:admin:%s", adm[i].r.name);
            else
                break; /* Allow: the NSGs decide */
            return;
        }
    }
    bf_eval(w, rules, n, p, out, cap);
}

static void admin_round(int n_rules, int n_admin, int packets, long *checked,
                        long *by_admin)
{
    struct nsg_topology *t = nsg_topo_new();
    struct world w;
    memset(&w, 0, sizeof(w));
    w.space[0] = "10.0.0.0/16";
    w.space[1] = "fd00:1::/48";
    for (int i = 0; i < 3; i++) {
        w.peer_space[i] = "10.9.0.0/16";
        w.peer_state[i] = "Disconnected";
    }
    w.udr = "192.0.2.0/24";
    w.nic_ip[0] = "10.0.0.4";
    w.nic_ip[1] = w.nic_ip[2] = "10.0.0.5";
    w.nic_ip[3] = "fd00:1::4";
    /* every ASG has a member (an ASG without one is unknown, not empty) */
    for (int i = 0; i < 4; i++)
        w.nic_asgs[i] = i == 1 ? "a1,a2,a3" : "";
    struct nsg_vnet *v = tb_vnet(t, "v", "10.0.0.0/16,fd00:1::/48");
    for (int i = 0; i < 3; i++)
        tb_peering(v, w.peer_space[i], w.peer_state[i], false);
    struct nsg_nsg *n = tb_nsg(t, "n");
    struct nsg_subnet *s = tb_subnet(t, v, "s", "10.0.0.0/24", n);
    tb_route_table(t, "rt", w.udr, s);
    struct nsg_nic *nic = tb_nic(t, "nic0", s, "10.0.0.4", "", NULL);
    tb_nic(t, "nic1", s, "10.0.0.5", "a1,a2,a3", NULL);
    struct nsg_nic *nic6 = tb_nic(t, "nic3", s, "fd00:1::4", "", NULL);
    tb_tag(t, "Storage", "20.38.0.0/16,2603:1000::/40");
    tb_tag(t, "Storage.WestUS", "20.38.96.0/20");

    struct bf_rule *br = calloc((size_t)n_rules + 6, sizeof(*br));
    struct bf_admin *ba = calloc((size_t)n_admin + 1, sizeof(*ba));
    int nb = 0;
    rand_rules(n, n_rules, br, &nb);

    struct nsg_admin_config *cfg = tb_admin_config(t, "nm", "cfg");
    struct nsg_admin_collection *col = tb_admin_collection(t, cfg, "c", "g");
    struct nsg_network_group *g = tb_network_group(t, "nm", "g");
    tb_static_member(t, g, v);
    tb_admin_deployment(t, "nm", "westeurope", "Deployed", "cfg");
    static const char *const acc[3] = {"deny", "allow", "alwaysallow"};
    for (int i = 0; i < n_admin; i++) {
        struct bf_rule *r = &ba[i].r;
        int fam = rnd(3) ? 4 : 6;
        struct rule_text x;
        snprintf(r->name, sizeof(r->name), "a%03d", i);
        r->dir = (int)rnd(2);
        r->prio = 1 + (int)rnd(60); /* equal priorities happen */
        r->allow = (int)rnd(3);
        snprintf(r->proto, sizeof(r->proto), "%s", protos[rnd(10)]);
        rand_side(fam, r->src, &r->n_src);
        rand_side(fam, r->dst, &r->n_dst);
        for (int k = 0; k < r->n_src; k++) /* no ASGs in admin rules */
            if (!strncmp(r->src[k], "asg:", 4))
                snprintf(r->src[k], 48, "*");
        for (int k = 0; k < r->n_dst; k++)
            if (!strncmp(r->dst[k], "asg:", 4))
                snprintf(r->dst[k], 48, "*");
        rand_ports(r->sp, &r->n_sp, rnd(4) != 0);
        rand_ports(r->dp, &r->n_dp, false);
        rule_text(r, &x);
        tb_admin_rule(t, col, r->name, r->prio, r->dir ? "out" : "in",
                      acc[r->allow], r->proto, x.src, x.sp, x.dst, x.dp);
    }
    qsort(ba, (size_t)n_admin, sizeof(*ba), bf_admin_cmp);
    tb_link(t);

    struct nsg_sim *sim = nsg_sim_new(t);
    struct nsg_err err = NSG_ERR_INIT;
    static const int pkt_protos[] = {6, 6, 6, 17, 17, 1, 50, 47, 58};
    for (int k = 0; k < packets; k++) {
        struct bf_packet bp;
        char a[64], b[64], want[96], got[96];
        int fam = rnd(4) ? 4 : 6;
        rand_addr(fam, a, sizeof(a));
        rand_addr(fam, b, sizeof(b));
        bp.dir = (int)rnd(2);
        /* the NIC-side address is the NIC's */
        snprintf(bp.dir ? a : b, 64, "%s", fam == 4 ? "10.0.0.4" : "fd00:1::4");
        bp.proto = pkt_protos[rnd(9)];
        bp.sport = rand_port();
        bp.dport = rand_port();
        if (fam == 4 && bp.dir && rnd(8) == 0) {
            snprintf(b, sizeof(b), "%s", rnd(2) ? "168.63.129.16" : "169.254.169.254");
            bp.proto = 6;
            bp.dport = rnd(2) ? 53 : 80;
        }
        ck_assert_int_eq(bip_parse(a, &bp.src), 0);
        ck_assert_int_eq(bip_parse(b, &bp.dst), 0);
        char pn[8];
        snprintf(pn, sizeof(pn), "%d", bp.proto);
        struct nsg_packet p =
            tb_packet(bp.dir ? "out" : "in", pn, a, bp.sport, b, bp.dport);
        struct nsg_nic *target = fam == 6 ? nic6 : nic;
        struct nsg_verdict vd;
        ck_assert_msg(nsg_sim_eval_nic(sim, target, &p, &vd, &err) == 0, "%s",
                      err.msg);
        if (vd.platform)
            snprintf(got, sizeof(got), "%s:-", nsg_decision_name(vd.decision));
        else if (vd.admin.rule &&
                 (vd.admin.ends || vd.admin.decision == NSG_DEC_UNKNOWN))
            snprintf(got, sizeof(got), "%s:admin:%s",
                     nsg_decision_name(vd.decision), vd.admin.rule->ar->name);
        else {
            const struct nsg_match *m = &vd.levels[vd.deciding].m;
            snprintf(got, sizeof(got), "%s:%.15s",
                     nsg_decision_name(m->decision),
                     m->rule ? m->rule->rule->name : "-");
        }
        bf_nic(&w, br, nb, ba, n_admin, &bp, want, sizeof(want));
        ck_assert_msg(!strcmp(got, want),
                      "packet %s %s %s:%d -> %s:%d: sim %s, brute force %s",
                      bp.dir ? "out" : "in", pn, a, bp.sport, b, bp.dport,
                      got, want);
        *by_admin += !strncmp(got + (got[0] == 'U' ? 8 : got[0] == 'A' ? 6 : 5),
                              "admin", 5);
        (*checked)++;
    }
    nsg_sim_free(sim);
    free(br);
    free(ba);
    nsg_topo_free(t);
}

START_TEST(test_random_pipeline)
{
    long checked = 0, by_admin = 0;
    g_random_set_seed(1011u);
    for (int i = 0; i < 120; i++)
        admin_round(1 + (int)rnd(20), 1 + (int)rnd(12), 250, &checked,
                    &by_admin);
    fprintf(stderr, "sim_random pipeline: %ld packets, %ld decided by admin "
                    "rules\n", checked, by_admin);
    ck_assert_int_ge(checked, 30000);
    ck_assert_int_gt(by_admin, 1000);
}
END_TEST

START_TEST(test_random_large)
{
    long checked = 0, unknown = 0;
    g_random_set_seed(7u);
    /* many rules: the index spans several bitset words */
    for (int i = 0; i < 4; i++)
        round_trip(300 + (int)rnd(700), 2500, &checked, &unknown);
    ck_assert_int_ge(checked, 10000);
}
END_TEST

START_TEST(test_bf_self)
{
    /* the brute force itself: prefix bits, host bits ignored */
    struct bip ip;
    ck_assert_int_eq(bip_parse("10.0.1.200", &ip), 0);
    ck_assert(bf_prefix_has("10.0.1.5/24", &ip));
    ck_assert(!bf_prefix_has("10.0.1.5/25", &ip));
    ck_assert(bf_prefix_has("0.0.0.0/0", &ip));
    ck_assert(!bf_prefix_has("::/0", &ip));
    ck_assert_int_eq(bip_parse("2001:db8::1", &ip), 0);
    ck_assert(bf_prefix_has("2000::/3", &ip));
    ck_assert(bf_prefix_has("2001:db8::/127", &ip));
    ck_assert(!bf_prefix_has("2001:db8::/128", &ip));
}
END_TEST

int main(void)
{
    Suite *s = suite_create("sim_random");
    TCase *tc = tcase_create("differential");
    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, test_bf_self);
    tcase_add_test(tc, test_random_small);
    tcase_add_test(tc, test_random_large);
    tcase_add_test(tc, test_random_pipeline);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
