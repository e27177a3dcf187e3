/* gen_subscription.c - deterministic generator of a subscription for the
 * benchmarks, as ARM list responses the importer reads: a hub virtual
 * network peered with spokes, subnets of NICs (MAC addresses, application
 * security groups), NSGs on subnets and on NICs with a realistic mix of
 * rules (CIDRs and hosts, service tags, ASGs, port lists and overlapping
 * ranges, both directions, mostly allows), a verify query file and a flow
 * plan (one line per NIC: NSG id, MAC, address) for gen_flowlogs --plan.
 * usage: gen_subscription OUT [--nsgs N] [--nics N] [--rules AVG]
 *          [--big N] [--per-subnet N] [--subnets-per-vnet N]
 *          [--queries N] [--seed N]
 * Writes OUT/{vnets,nsgs,nics,asgs}.json, OUT/properties.txt,
 * OUT/flowplan.txt; prints "nsgs N rules N nics N subnets N vnets N". */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define SUB "/subscriptions/44444444-4444-4444-4444-444444444444"
#define RG SUB "/resourceGroups/rg-bench/providers/Microsoft.Network"
#define N_ASG 24

static uint64_t rs;
static int spv = 20; /* subnets per virtual network */
static unsigned rnd(unsigned n)
{
    uint64_t z = (rs += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return (unsigned)((z ^ (z >> 31)) % n);
}

static FILE *open_out(const char *dir, const char *name, bool list)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    if (!f) {
        fprintf(stderr, "gen_subscription: %s: %s\n", path, strerror(errno));
        exit(1);
    }
    if (list)
        fputs("{\"value\": [\n", f);
    return f;
}

static void close_out(FILE *f, bool list)
{
    if (list)
        fputs("\n]}\n", f);
    if (fclose(f)) {
        perror("gen_subscription");
        exit(1);
    }
}

struct net {
    int nsgs, nics, rules, big, per, queries;
    int subnets, vnets;
    int *subnet_nsg; /* subnet -> NSG index */
    int *nic_nsg;    /* NIC -> NSG index or -1 */
};

static int vnet_of(int s) { return s / spv; }
static int snet_in(int s) { return s % spv; }
static void nic_ip(const struct net *n, int i, char *out, size_t cap)
{
    int s = i / n->per;
    snprintf(out, cap, "10.%d.%d.%d", vnet_of(s), snet_in(s), 4 + i % n->per);
}

/* One address side of a rule: text for a prefix field, or an ASG. */
/* A first octet of a public address (not loopback). */
static unsigned pub(void)
{
    unsigned o = 20 + rnd(180);
    return o == 127 ? 128 : o;
}

/* One address side of a rule: text for a prefix field, or an ASG.  Broad
 * sides ("*", VirtualNetwork) only in the last rules (broad deny-all
 * rules sit at the end of real NSGs). */
static void side(bool src, bool late, int vnet, char *pfx, size_t cap,
                 int *asg)
{
    static const char *const tags[] = {"Internet", "AzureLoadBalancer",
                                       "Storage", "Sql"};
    unsigned k = rnd(100);
    *asg = -1;
    if (late && k < 50)
        snprintf(pfx, cap, "%s", rnd(2) ? "*" : "VirtualNetwork");
    else if (src && k < 35)
        snprintf(pfx, cap, "%u.%u.%u.0/%u", pub(), rnd(256), rnd(256),
                 rnd(3) ? 24 : 16 + 4 * rnd(2));
    else if (src && k < 52)
        snprintf(pfx, cap, "%u.%u.%u.%u", pub(), rnd(256), rnd(256),
                 1 + rnd(254));
    else if (k < 66)
        snprintf(pfx, cap, "10.%d.%u.0/24", vnet, rnd((unsigned)spv));
    else if (k < 82)
        snprintf(pfx, cap, "10.%d.%u.%u", vnet, rnd((unsigned)spv),
                 4 + rnd(20));
    else if (k < 86)
        snprintf(pfx, cap, "10.%u.0.0/16", rnd(8));
    else if (k < 94)
        *asg = (int)rnd(N_ASG);
    else if (src)
        snprintf(pfx, cap, "%s", tags[rnd(4)]);
    else
        snprintf(pfx, cap, "10.%d.%u.%u", vnet, rnd((unsigned)spv),
                 4 + rnd(20));
}

static void ports(char *out, size_t cap, bool *plural, bool late)
{
    static const char *const one[] = {"22",   "80",   "443",  "3389", "1433",
                                      "5432", "8080", "53",   "6379", "9000"};
    unsigned k = rnd(100);
    *plural = false;
    if (late && k < 50) {
        snprintf(out, cap, "*");
    } else if (k < 55) {
        snprintf(out, cap, "%s", one[rnd(10)]);
    } else if (k < 75) { /* overlapping ranges */
        unsigned lo = 1000 + 100 * rnd(60);
        snprintf(out, cap, "%u-%u", lo, lo + 50 + rnd(900));
    } else if (k < 90) {
        snprintf(out, cap, "\"%s\", \"%s\", \"%u-%u\"", one[rnd(10)],
                 one[rnd(10)], 8000 + rnd(100), 8100 + rnd(100));
        *plural = true;
    } else if (k < 95) {
        snprintf(out, cap, "1024-65535");
    } else {
        snprintf(out, cap, "*");
    }
}

static void rule(FILE *f, int nsg, int i, int nr, int vnet)
{
    static const char *const protos[] = {"Tcp", "Tcp", "Tcp", "Tcp", "Tcp",
                                         "Tcp", "Tcp", "Udp", "Udp", "*",
                                         "*",   "Icmp"};
    char src[96], dst[96], dp[160];
    int sa, da;
    bool plural;
    bool out = rnd(3) == 0, late = i >= nr - nr / 20;
    side(!out, late, vnet, src, sizeof(src), &sa);
    side(out, late, vnet, dst, sizeof(dst), &da);
    ports(dp, sizeof(dp), &plural, late);
    fprintf(f,
            "%s{\"name\": \"r%d\", \"id\": \"" RG
            "/networkSecurityGroups/nsg-%d/securityRules/r%d\", \"properties\": "
            "{\"priority\": %d, \"direction\": \"%s\", \"access\": \"%s\", "
            "\"protocol\": \"%s\", \"sourcePortRange\": \"*\", ",
            i ? ",\n   " : "", i, nsg, i, 100 + 3 * i,
            out ? "Outbound" : "Inbound",
            late ? (rnd(4) ? "Deny" : "Allow") : rnd(4) ? "Allow" : "Deny",
            protos[rnd(12)]);
    if (plural)
        fprintf(f, "\"destinationPortRanges\": [%s], ", dp);
    else
        fprintf(f, "\"destinationPortRange\": \"%s\", ", dp);
    for (int k = 0; k < 2; k++) {
        int asg = k ? da : sa;
        const char *pf = k ? dst : src, *w = k ? "destination" : "source";
        if (asg >= 0)
            fprintf(f,
                    "\"%sApplicationSecurityGroups\": [{\"id\": \"" RG
                    "/applicationSecurityGroups/asg-%d\"}]%s",
                    w, asg, k ? "" : ", ");
        else
            fprintf(f, "\"%sAddressPrefix\": \"%s\"%s", w, pf, k ? "" : ", ");
    }
    fputs("}}", f);
}

static void queries(const struct net *n, const char *dir)
{
    FILE *f = open_out(dir, "properties.txt", false);
    fprintf(f, "# %d generated properties (gen_subscription)\n", n->queries);
    for (int q = 0; q < n->queries; q++) {
        int a = (int)rnd((unsigned)n->nics), b = (int)rnd((unsigned)n->nics);
        int s = (int)rnd((unsigned)n->subnets);
        switch (q % 8) {
        case 0:
            fprintf(f, "never Internet -> nic:nic-%d tcp/22\n", a);
            break;
        case 1:
            fprintf(f, "never Internet -> subnet:snet-%d-%d tcp/3389\n",
                    vnet_of(s), snet_in(s));
            break;
        case 2:
            fprintf(f, "can nic:nic-%d -> nic:nic-%d tcp/443\n", a, b);
            break;
        case 3:
            fprintf(f, "never nic:nic-%d -> nic:nic-%d tcp/1433\n", a, b);
            break;
        case 4:
            fprintf(f, "always 168.63.129.16 -> nic:nic-%d tcp/80\n", a);
            break;
        case 5:
            fprintf(f, "never vnet:vnet-%d -> nic:nic-%d tcp/22\n",
                    (int)rnd((unsigned)n->vnets), a);
            break;
        case 6:
            fprintf(f, "can Internet -> nic:nic-%d tcp/443\n", a);
            break;
        default:
            fprintf(f, "never asg:asg-%u -> nic:nic-%d udp/53\n", rnd(N_ASG), a);
        }
    }
    close_out(f, false);
}

int main(int argc, char **argv)
{
    struct net n = {.nsgs = 50, .nics = 500, .rules = 200, .big = 0,
                    .per = 10, .queries = 100};
    uint64_t seed = 7;
    if (argc < 2) {
        fprintf(stderr, "usage: gen_subscription OUT [--nsgs N] [--nics N] "
                        "[--rules AVG] [--big N] [--per-subnet N] "
                        "[--subnets-per-vnet N] [--queries N] [--seed N]\n");
        return 2;
    }
    const char *dir = argv[1];
    for (int i = 2; i + 1 < argc; i += 2) {
        int v = atoi(argv[i + 1]);
        if (!strcmp(argv[i], "--nsgs"))
            n.nsgs = v;
        else if (!strcmp(argv[i], "--nics"))
            n.nics = v;
        else if (!strcmp(argv[i], "--rules"))
            n.rules = v;
        else if (!strcmp(argv[i], "--big"))
            n.big = v;
        else if (!strcmp(argv[i], "--per-subnet"))
            n.per = v;
        else if (!strcmp(argv[i], "--subnets-per-vnet"))
            spv = v;
        else if (!strcmp(argv[i], "--queries"))
            n.queries = v;
        else if (!strcmp(argv[i], "--seed"))
            seed = strtoull(argv[i + 1], NULL, 10);
        else {
            fprintf(stderr, "gen_subscription: unknown option %s\n", argv[i]);
            return 2;
        }
    }
    if (n.nsgs < 1 || n.nics < 1 || n.rules < 1 || n.per < 1 || n.per > 250 ||
        spv < 1 || spv > 256 || (n.nics + n.per - 1) / n.per > 255 * spv) {
        fprintf(stderr, "gen_subscription: bad counts\n");
        return 2;
    }
    rs = seed;
    n.subnets = (n.nics + n.per - 1) / n.per;
    n.vnets = (n.subnets + spv - 1) / spv;
    n.subnet_nsg = calloc((size_t)n.subnets, sizeof(int));
    n.nic_nsg = calloc((size_t)n.nics, sizeof(int));
    /* NSGs on subnets first; what is left goes on NICs, one each */
    for (int s = 0; s < n.subnets; s++)
        n.subnet_nsg[s] = s % n.nsgs;
    for (int i = 0; i < n.nics; i++)
        n.nic_nsg[i] = n.nsgs > n.subnets && i < n.nsgs - n.subnets
                           ? n.subnets + i
                           : -1;
    if (mkdir(dir, 0777) && errno != EEXIST) {
        fprintf(stderr, "gen_subscription: %s: %s\n", dir, strerror(errno));
        return 1;
    }

    FILE *f = open_out(dir, "vnets.json", true);
    for (int v = 0; v < n.vnets; v++) {
        fprintf(f,
                "%s{\"name\": \"vnet-%d\", \"id\": \"" RG
                "/virtualNetworks/vnet-%d\", \"location\": \"westeurope\", "
                "\"properties\": {\"addressSpace\": {\"addressPrefixes\": "
                "[\"10.%d.0.0/16\"]}, \"subnets\": [",
                v ? ",\n" : "", v, v, v);
        for (int s = v * spv;
             s < n.subnets && s < (v + 1) * spv; s++)
            fprintf(f,
                    "%s{\"name\": \"snet-%d-%d\", \"id\": \"" RG
                    "/virtualNetworks/vnet-%d/subnets/snet-%d-%d\", "
                    "\"properties\": {\"addressPrefix\": \"10.%d.%d.0/24\", "
                    "\"networkSecurityGroup\": {\"id\": \"" RG
                    "/networkSecurityGroups/nsg-%d\"}}}",
                    s % spv ? ", " : "", v, snet_in(s), v, v,
                    snet_in(s), v, snet_in(s), n.subnet_nsg[s]);
        fputs("], \"virtualNetworkPeerings\": [", f);
        bool first = true;
        for (int w = 0; w < n.vnets; w++) {
            if (w == v || (v && w))
                continue; /* hub and spokes */
            fprintf(f,
                    "%s{\"name\": \"p-%d-%d\", \"id\": \"" RG
                    "/virtualNetworks/vnet-%d/virtualNetworkPeerings/p-%d-%d\", "
                    "\"properties\": {\"peeringState\": \"Connected\", "
                    "\"allowVirtualNetworkAccess\": true, "
                    "\"allowForwardedTraffic\": true, \"remoteVirtualNetwork\": "
                    "{\"id\": \"" RG "/virtualNetworks/vnet-%d\"}, "
                    "\"remoteAddressSpace\": {\"addressPrefixes\": "
                    "[\"10.%d.0.0/16\"]}}}",
                    first ? "" : ", ", v, w, v, v, w, w, w);
            first = false;
        }
        fputs("]}}", f);
    }
    close_out(f, true);

    long total_rules = 0;
    f = open_out(dir, "nsgs.json", true);
    for (int k = 0; k < n.nsgs; k++) {
        int nr = k < n.big ? 1000 : n.rules / 2 + (int)rnd((unsigned)n.rules + 1);
        /* the virtual network the NSG's rules talk about */
        int vnet = k < n.subnets ? vnet_of(k)
                                 : vnet_of((k - n.subnets) / n.per);
        fprintf(f,
                "%s{\"name\": \"nsg-%d\", \"id\": \"" RG
                "/networkSecurityGroups/nsg-%d\", \"location\": \"westeurope\", "
                "\"properties\": {\"securityRules\": [",
                k ? ",\n" : "", k, k);
        for (int i = 0; i < nr; i++)
            rule(f, k, i, nr, vnet);
        fputs("]}}", f);
        total_rules += nr;
    }
    close_out(f, true);

    f = open_out(dir, "asgs.json", true);
    for (int a = 0; a < N_ASG; a++)
        fprintf(f,
                "%s{\"name\": \"asg-%d\", \"id\": \"" RG
                "/applicationSecurityGroups/asg-%d\", \"location\": "
                "\"westeurope\", \"properties\": {}}",
                a ? ",\n" : "", a, a);
    close_out(f, true);

    f = open_out(dir, "nics.json", true);
    FILE *plan = open_out(dir, "flowplan.txt", false);
    for (int i = 0; i < n.nics; i++) {
        int s = i / n.per;
        char ip[32], nsg[32] = "";
        nic_ip(&n, i, ip, sizeof(ip));
        if (n.nic_nsg[i] >= 0)
            snprintf(nsg, sizeof(nsg), "%d", n.nic_nsg[i]);
        fprintf(f,
                "%s{\"name\": \"nic-%d\", \"id\": \"" RG
                "/networkInterfaces/nic-%d\", \"location\": \"westeurope\", "
                "\"properties\": {\"macAddress\": \"00-0D-3A-%02X-%02X-%02X\", ",
                i ? ",\n" : "", i, i, (i >> 16) & 0xff, (i >> 8) & 0xff,
                i & 0xff);
        if (nsg[0])
            fprintf(f,
                    "\"networkSecurityGroup\": {\"id\": \"" RG
                    "/networkSecurityGroups/nsg-%s\"}, ",
                    nsg);
        fprintf(f,
                "\"ipConfigurations\": [{\"name\": \"ipconfig1\", \"id\": \"" RG
                "/networkInterfaces/nic-%d/ipConfigurations/ipconfig1\", "
                "\"properties\": {\"privateIPAddress\": \"%s\", "
                "\"privateIPAddressVersion\": \"IPv4\", \"primary\": true, "
                "\"subnet\": {\"id\": \"" RG
                "/virtualNetworks/vnet-%d/subnets/snet-%d-%d\"}",
                i, ip, vnet_of(s), vnet_of(s), snet_in(s));
        if (i % 2)
            fprintf(f,
                    ", \"applicationSecurityGroups\": [{\"id\": \"" RG
                    "/applicationSecurityGroups/asg-%d\"}]",
                    (i / 2) % N_ASG);
        fputs("}}]}}", f);
        /* flow logs name the NSG of the NIC, else of its subnet */
        char id[256];
        snprintf(id, sizeof(id), RG "/networkSecurityGroups/nsg-%d",
                 n.nic_nsg[i] >= 0 ? n.nic_nsg[i] : n.subnet_nsg[s]);
        for (char *p = id; *p; p++)
            if (*p >= 'a' && *p <= 'z')
                *p = (char)(*p - 'a' + 'A');
        fprintf(plan, "%s 000D3A%02X%02X%02X %s\n", id, (i >> 16) & 0xff,
                (i >> 8) & 0xff, i & 0xff, ip);
    }
    close_out(f, true);
    close_out(plan, false);
    queries(&n, dir);
    printf("nsgs %d rules %ld nics %d subnets %d vnets %d\n", n.nsgs,
           total_rules, n.nics, n.subnets, n.vnets);
    free(n.subnet_nsg);
    free(n.nic_nsg);
    return 0;
}
