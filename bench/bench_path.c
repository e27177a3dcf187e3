/* bench_path.c - figures of verify along paths: a hub-and-spoke network
 * (a hub with two forwarding appliances behind route tables, S spokes of
 * N NICs each, NSGs on every subnet, public IPs on a tenth of the NICs)
 * and typical queries, answered along paths and with the NSG question
 * alone (--nsg-only, what verify did before the path model) side by side;
 * plus the rate of concrete walks (`nsgproof path`).  Medians of several
 * runs.  usage: bench_path [runs] [spokes] [nics-per-spoke] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../solver/verify.h"
#include "../tests/lib/topo_build.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof(*v), cmp_d);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static struct nsg_topology *build(int spokes, int per)
{
    struct nsg_topology *t = nsg_topo_new();
    char name[64], pfx[64], ip[64];
    struct nsg_vnet *hub = tb_vnet(t, "hub", "10.0.0.0/16");
    struct nsg_nsg *hn = tb_nsg(t, "hub-nsg");
    tb_rule(hn, "AllowVnet", 100, "in", "allow", "*", "VirtualNetwork", "*",
            "*", "*");
    struct nsg_subnet *nva = tb_subnet(t, hub, "nva", "10.0.1.0/24", hn);
    for (int k = 0; k < 2; k++) {
        snprintf(name, sizeof(name), "nva%d", k);
        snprintf(ip, sizeof(ip), "10.0.1.%d", 4 + k);
        struct nsg_nic *n = tb_nic(t, name, nva, ip, "", NULL);
        n->ip_forwarding = true;
        snprintf(name, sizeof(name), "pip-nva%d", k);
        snprintf(ip, sizeof(ip), "20.0.0.%d", 1 + k);
        tb_pip(t, name, ip, n, "Standard");
    }
    for (int s = 1; s <= spokes; s++) {
        snprintf(name, sizeof(name), "spoke%d", s);
        snprintf(pfx, sizeof(pfx), "10.%d.0.0/16", s);
        struct nsg_vnet *v = tb_vnet(t, name, pfx);
        tb_peer(hub, v, "Connected", true)->allow_forwarded = true;
        tb_peer(v, hub, "Connected", true)->allow_forwarded = true;
        snprintf(name, sizeof(name), "nsg-s%d", s);
        struct nsg_nsg *ns = tb_nsg(t, name);
        tb_rule(ns, "AllowHttps", 100, "in", "allow", "Tcp", "*", "*", "*",
                "443");
        tb_rule(ns, "AllowSshAdmin", 110, "in", "allow", "Tcp",
                "203.0.113.0/24", "*", "*", "22");
        tb_rule(ns, "DenySql", 120, "in", "deny", "Tcp", "*", "*", "*",
                "1433");
        snprintf(name, sizeof(name), "app%d", s);
        snprintf(pfx, sizeof(pfx), "10.%d.1.0/24", s);
        struct nsg_subnet *sub = tb_subnet(t, v, name, pfx, ns);
        snprintf(name, sizeof(name), "rt%d", s);
        struct nsg_route_table *rt = tb_route_table(t, name, "", sub);
        tb_route(rt, "0.0.0.0/0", "VirtualAppliance", "10.0.1.4");
        tb_route(rt, "10.0.0.0/8", "VirtualAppliance", "10.0.1.5");
        for (int k = 0; k < per; k++) {
            snprintf(name, sizeof(name), "n%d-%d", s, k);
            snprintf(ip, sizeof(ip), "10.%d.1.%d", s, 4 + k);
            struct nsg_nic *n = tb_nic(t, name, sub, ip, "", NULL);
            if (k % 10 == 0) {
                snprintf(name, sizeof(name), "pip-%d-%d", s, k);
                snprintf(ip, sizeof(ip), "20.%d.1.%d", s, 4 + k);
                tb_pip(t, name, ip, n, "Standard");
            }
        }
    }
    tb_link(t);
    return t;
}

/* Median seconds of one query on a fresh verifier (cold caches). */
static double time_query(struct nsg_topology *t, const char *text,
                         bool nsg_only, int runs, const char **status)
{
    double *v = calloc((size_t)runs, sizeof(double));
    for (int i = 0; i < runs; i++) {
        struct nsg_query q;
        struct nsg_vresult r;
        struct nsg_err err = NSG_ERR_INIT;
        if (nsg_query_parse(text, 1, &q, &err)) {
            fprintf(stderr, "bench_path: %s\n", err.msg);
            exit(2);
        }
        double t0 = now();
        struct nsg_verifier *vf = nsg_verifier_new(t, 0);
        nsg_verifier_set_nsg_only(vf, nsg_only);
        if (nsg_verify_run(vf, &q, &r, &err)) {
            fprintf(stderr, "bench_path: '%s': %s\n", text, err.msg);
            exit(2);
        }
        v[i] = now() - t0;
        *status = nsg_vstatus_name(r.status);
        nsg_vresult_release(&r);
        nsg_verifier_free(vf);
        nsg_query_release(&q);
    }
    double m = median(v, runs);
    free(v);
    return m;
}

int main(int argc, char **argv)
{
    int runs = argc > 1 ? atoi(argv[1]) : 5;
    int spokes = argc > 2 ? atoi(argv[2]) : 20;
    int per = argc > 3 ? atoi(argv[3]) : 25;
    static const char *const queries[] = {
        "never Internet -> vnet:spoke1 tcp/22",
        "can nic:n1-0 -> nic:n2-0 tcp/443",
        "always nic:n1-1 -> vnet:spoke2 tcp/443",
        "never * -> nic:n3-3 tcp/1433",
        "never vnet:spoke1 -> 0.0.0.0/0 tcp/1433",
    };
    struct nsg_topology *t = build(spokes, per);
    printf("network: hub + %d spokes x %d NICs (%u NICs), runs %d\n", spokes,
           per, NSG_TOPO_N(t, NSG_RES_NIC), runs);
    printf("%-42s %12s %-9s %12s %-9s %7s\n", "query", "paths s", "answer",
           "nsg-only s", "answer", "ratio");
    for (size_t i = 0; i < sizeof(queries) / sizeof(*queries); i++) {
        const char *sp, *sn;
        double p = time_query(t, queries[i], false, runs, &sp);
        double n = time_query(t, queries[i], true, runs, &sn);
        printf("%-42s %12.4f %-9s %12.4f %-9s %7.2f\n", queries[i], p, sp, n,
               sn, n > 0 ? p / n : 0);
    }
    /* the concrete walk (`nsgproof path`): packets per second */
    struct nsg_pnet *pn = nsg_pnet_new(t);
    struct nsg_origins os = NSG_ORIGINS_INIT;
    void *nic = NULL;
    if (nsg_topo_find(t, NSG_RES_NIC, "n1-1", &nic, NULL)) {
        fprintf(stderr, "bench_path: no NIC n1-1\n");
        return 2;
    }
    nsg_pnet_nic_origins(pn, nic, NULL, &os);
    long walks = 0;
    double t0 = now();
    while (now() - t0 < 1.0) {
        for (int s = 2; s <= spokes; s++) {
            struct nsg_paths ps = NSG_PATHS_INIT;
            struct nsg_packet pk = tb_packet("out", "Tcp", "10.1.1.5", 49152,
                                             "10.2.1.4", 443);
            pk.dst.v = (pk.dst.v & ~(nsg_u128)0xff0000) | ((nsg_u128)s << 16);
            nsg_pnet_trace(pn, &os.o[0], &pk, &ps);
            nsg_paths_release(&ps);
            walks++;
        }
    }
    printf("walks through two appliances: %.0f per second\n",
           (double)walks / (now() - t0));
    nsg_origins_release(&os);
    nsg_pnet_free(pn);
    nsg_topo_free(t);
    return 0;
}
