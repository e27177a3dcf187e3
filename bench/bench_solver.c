/* bench_solver.c - diff of two NSGs against the plain first-match
 * encoding a user would write, asked the same question side by side: the
 * differences per pair of deciding rules (regions enumerated, blocked and
 * asked again), the same number of witnesses (10, the CLI's default),
 * witness polish on neither (and a row with it on both).  The plain
 * encoding compares address prefixes as (addr & mask) == net on 32 bits
 * for IPv4 and 128 for IPv6, has one if-then-else per rule, shares terms
 * (Z3 hash-conses) and is built once per NSG.  Ablation rows switch off
 * each of nsgproof's ideas in turn: change slicing, block merging,
 * hash-consed sets, prefixes by their bits.  Every diff runs in a fresh
 * context (as the CLI), encoding included; medians of several runs of
 * CPU time.  Also: the formula against the simulator on 10^6 packets.
 * usage: bench_solver [runs] [packets] [sizes...] (default 5 0 1000) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../solver/solver.h"
#include "../tests/data/solver/rulegen.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double cpu(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
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

/* A realistic rule: mostly TCP allows of one port, a small range, a
 * list or overlapping ranges, from a /24, a host, private /24s, an ASG or
 * a service tag, to a subnet, a host or an ASG; some denies. */
static void real_rule(GRand *r, struct rg_rule *o, int idx, int prio)
{
    static const char *const tags[] = {
        "VirtualNetwork", "Internet", "AzureLoadBalancer",
        "Storage",        "Sql",      "*"};
    static const char *const ports[] = {
        "22",   "80",        "443",        "3389", "1433",
        "5432", "8080-8090", "1024-65535", "53",   "*"};
    memset(o, 0, sizeof(*o));
    snprintf(o->name, sizeof(o->name), "rule%d", idx);
    o->prio = prio;
    o->dir = g_rand_int_range(r, 0, 3) ? "in" : "out";
    o->access = g_rand_int_range(r, 0, 10) < 7 ? "allow" : "deny";
    int p = g_rand_int_range(r, 0, 10);
    o->proto = p < 7 ? "Tcp" : p < 9 ? "Udp" : "*";
    int k = g_rand_int_range(r, 0, 10);
    if (k < 4)
        snprintf(o->src, sizeof(o->src), "%d.%d.%d.0/24",
                 g_rand_int_range(r, 11, 200), g_rand_int_range(r, 0, 256),
                 g_rand_int_range(r, 0, 256));
    else if (k < 6)
        snprintf(o->src, sizeof(o->src), "%d.%d.%d.%d",
                 g_rand_int_range(r, 11, 200), g_rand_int_range(r, 0, 256),
                 g_rand_int_range(r, 0, 256), g_rand_int_range(r, 1, 255));
    else if (k < 7)
        snprintf(o->src, sizeof(o->src), "10.0.%d.0/24,10.1.%d.0/24",
                 g_rand_int_range(r, 0, 256), g_rand_int_range(r, 0, 256));
    else if (k < 8)
        snprintf(o->src, sizeof(o->src), "asg:%s",
                 g_rand_boolean(r) ? "web" : "db");
    else
        snprintf(o->src, sizeof(o->src), "%s", RG_PICK(r, tags));
    int d = g_rand_int_range(r, 0, 10);
    if (d < 5)
        snprintf(o->dst, sizeof(o->dst), "10.0.%d.0/24",
                 g_rand_int_range(r, 0, 64));
    else if (d < 9)
        snprintf(o->dst, sizeof(o->dst), "10.0.%d.%d",
                 g_rand_int_range(r, 0, 64), g_rand_int_range(r, 4, 250));
    else
        snprintf(o->dst, sizeof(o->dst), "asg:web");
    strcpy(o->sports, "*");
    if (g_rand_int_range(r, 0, 10) < 2) { /* overlapping ranges */
        int lo = 1000 + 100 * g_rand_int_range(r, 0, 40);
        snprintf(o->dports, sizeof(o->dports), "%d-%d,%d-%d", lo, lo + 300,
                 lo + 200, lo + 500 + g_rand_int_range(r, 0, 400));
    } else {
        snprintf(o->dports, sizeof(o->dports), "%s", RG_PICK(r, ports));
    }
}

static void gen(GRand *r, struct rg_rule *v, int n)
{
    for (int i = 0; i < n; i++)
        real_rule(r, &v[i], i, 100 + 2 * i);
}

static void die(const char *what, const struct nsg_err *err)
{
    fprintf(stderr, "bench_solver: %s: %s\n", what, err->msg);
    exit(1);
}

struct pair {
    struct nsg_topology *t;
    struct nsg_vnet *v;
    struct nsg_sim *sim;
    const struct nsg_cnsg *a, *b;
};

/* A and B.  kind 1: B is A with adjacent same-access rules reordered
 * (every 8th pair); kind 2: B is A plus, after every 10th rule, a shadowed
 * copy with the opposite access (same decisions, different chain shape);
 * kind 0: B is A with its middle rule's access flipped; kind 3: B is A
 * with five rules edited (a port, a source, an access, one removed, one
 * added): a change as proposed. */
static void make_pair(GRand *r, int n, int kind, struct pair *p)
{
    struct rg_rule *a = calloc((size_t)n, sizeof(*a));
    struct rg_rule *b = calloc((size_t)n + (size_t)n / 10 + 1, sizeof(*b));
    struct nsg_err err = NSG_ERR_INIT;
    int nb = n;
    gen(r, a, n);
    /* the middle rule alone reaches 10.0.200.1 (other rules stay within
     * 10.0.0.0/18), so flipping it (kind 0) is a real difference */
    snprintf(a[n / 2].dst, sizeof(a[n / 2].dst), "10.0.200.1");
    memcpy(b, a, (size_t)n * sizeof(*a));
    if (kind == 1) {
        for (int i = 0; i + 1 < n; i += 8)
            if (!strcmp(b[i].access, b[i + 1].access) &&
                !strcmp(b[i].dir, b[i + 1].dir)) {
                int t = b[i].prio;
                b[i].prio = b[i + 1].prio;
                b[i + 1].prio = t;
            }
    } else if (kind == 2) {
        for (int i = 0; i < n; i += 10) {
            b[nb] = a[i];
            snprintf(b[nb].name, sizeof(b[nb].name), "copy%d", i);
            b[nb].prio = a[i].prio + 1;
            b[nb].access = !strcmp(a[i].access, "allow") ? "deny" : "allow";
            nb++;
        }
    } else if (kind == 3) {
        int i = n / 5;
        snprintf(b[i].dports, sizeof(b[i].dports), "443");
        snprintf(b[2 * i].src, sizeof(b[2 * i].src), "203.0.113.0/24");
        b[3 * i].access = !strcmp(a[3 * i].access, "allow") ? "deny" : "allow";
        memmove(&b[4 * i], &b[4 * i + 1],
                (size_t)(n - 4 * i - 1) * sizeof(*b)); /* one removed */
        real_rule(r, &b[n - 1], n, a[n / 2].prio + 1); /* one added */
    } else {
        int i = n / 2;
        b[i].access = !strcmp(a[i].access, "allow") ? "deny" : "allow";
    }
    p->t = rg_topology(&p->v);
    struct nsg_nsg *na = rg_build(p->t, "a", a, (size_t)n);
    struct nsg_nsg *nsgb = rg_build(p->t, "b", b, (size_t)nb);
    p->sim = nsg_sim_new(p->t);
    if (nsg_sim_get(p->sim, na, p->v, &p->a, &err) ||
        nsg_sim_get(p->sim, nsgb, p->v, &p->b, &err))
        die("compile", &err);
    free(a);
    free(b);
}

static void free_pair(struct pair *p)
{
    nsg_sim_free(p->sim);
    nsg_topo_free(p->t);
}

/* One diff in a fresh context with a configuration: returns CPU
 * seconds (wall in *wall); *eq and *regions the answer.  Capped at
 * CAP_MS per check: -1 when it did not finish. */
#define CAP_MS 60000
struct conf {
    const char *name;
    bool slice, polish;
    unsigned without; /* NSG_SLV_NO_* */
};

static double run_diff(const struct pair *p, const struct conf *c, double *wall,
                       bool *eq, size_t *regions, size_t *witnesses)
{
    struct nsg_err err = NSG_ERR_INIT;
    struct nsg_slv_diff d = NSG_SLV_DIFF_INIT;
    double w0 = now(), c0 = cpu();
    struct nsg_slv *s = nsg_slv_new(CAP_MS);
    nsg_slv_set_slicing(s, c->slice);
    nsg_slv_set_polish(s, c->polish);
    nsg_slv_set_encoding(s, c->without);
    nsg_rc rc = NSG_OK;
    if (c->without && !c->slice) { /* built once per NSG, before the diff */
        rc = nsg_slv_encode_variant(s, p->a, &err);
        if (!rc)
            rc = nsg_slv_encode_variant(s, p->b, &err);
    }
    if (!rc)
        rc = nsg_slv_diff(s, p->a, p->b, 10, 0, &d, &err);
    double t = cpu() - c0;
    *wall = now() - w0;
    nsg_slv_free(s);
    if (rc == NSG_E_UNKNOWN) {
        nsg_slv_diff_release(&d);
        return -1;
    }
    if (rc)
        die(c->name, &err);
    *eq = d.equivalent;
    *regions = d.n_regions;
    *witnesses = d.n_w;
    nsg_slv_diff_release(&d);
    return t;
}

static const struct conf confs[] = {
    {"nsgproof", true, false, 0},
    {"plain first-match encoding", false, false,
     NSG_SLV_NO_EXTRACT | NSG_SLV_NO_HASHCONS | NSG_SLV_NO_BLOCKS},
    {"nsgproof without change slicing", false, false, 0},
    {"nsgproof without block merging", true, false, NSG_SLV_NO_BLOCKS},
    {"  the same, without slicing either", false, false, NSG_SLV_NO_BLOCKS},
    {"nsgproof without hash-consed sets", true, false, NSG_SLV_NO_HASHCONS},
    {"  the same, without slicing either", false, false, NSG_SLV_NO_HASHCONS},
    {"nsgproof with prefix masks", true, false, NSG_SLV_NO_EXTRACT},
    {"  the same, without slicing either", false, false, NSG_SLV_NO_EXTRACT},
    {"nsgproof, witness polish", true, true, 0},
    {"plain first-match encoding, witness polish", false, true,
     NSG_SLV_NO_EXTRACT | NSG_SLV_NO_HASHCONS | NSG_SLV_NO_BLOCKS},
};
#define N_CONFS (sizeof(confs) / sizeof(*confs))

static void bench_size(GRand *r, int n, int runs)
{
    static const char *const kinds[] = {"one access flipped",
                                        "adjacent rules reordered",
                                        "shadowed copies added",
                                        "five rules edited"};
    for (int kind = 0; kind < 4; kind++) {
        struct pair p;
        double base = 0;
        make_pair(r, n, kind, &p);
        printf("diff %d rules, B is A with %s (%zu + %zu rules in both "
               "directions)\n",
               n, kinds[kind], p.a->n[0] + p.a->n[1], p.b->n[0] + p.b->n[1]);
        /* rounds over every configuration in turn (the machine's noise
         * spread over all), after one warm-up run */
        double t[N_CONFS][16], w[N_CONFS][16];
        bool eq[N_CONFS], capped[N_CONFS];
        size_t reg[N_CONFS], wit[N_CONFS];
        int nr[N_CONFS];
        {
            double w0;
            bool e;
            size_t r0, w1;
            (void)run_diff(&p, &confs[0], &w0, &e, &r0, &w1);
        }
        for (size_t c = 0; c < N_CONFS; c++) {
            /* the plain encoding takes long at 4,000 rules: fewer runs */
            nr[c] = n >= 4000 && !confs[c].slice ? 1 : runs;
            capped[c] = false;
        }
        for (int k = 0; k < runs; k++)
            for (size_t c = 0; c < N_CONFS; c++) {
                if (k >= nr[c])
                    continue;
                t[c][k] = run_diff(&p, &confs[c], &w[c][k], &eq[c], &reg[c],
                                   &wit[c]);
                if (t[c][k] < 0) {
                    capped[c] = true;
                    t[c][k] = w[c][k] = CAP_MS / 1000.0;
                }
            }
        for (size_t c = 0; c < N_CONFS; c++) {
            double mt = median(t[c], nr[c]), mw = median(w[c], nr[c]);
            if (c == 0)
                base = mt;
            else if (!capped[c] && (eq[c] != eq[0] || reg[c] != reg[0])) {
                fprintf(stderr,
                        "bench_solver: %s answers otherwise (%d rules, %s: "
                        "equivalent %d/%d, regions %zu/%zu)\n",
                        confs[c].name, n, kinds[kind], eq[c], eq[0], reg[c],
                        reg[0]);
                exit(1);
            }
            printf("  %-44s cpu %s%8.4f s  wall %8.4f s  %s  regions %zu "
                   "witnesses %zu  ratio %s%.1fx\n",
                   confs[c].name, capped[c] ? ">" : " ", mt, mw,
                   eq[c] ? "equivalent" : "different ", reg[c], wit[c],
                   capped[c] ? ">" : " ", mt / base);
        }
        free_pair(&p);
    }
}

/* Formula evaluated under concrete packets vs the simulator. */
static void bench_packets(GRand *r, long packets)
{
    struct nsg_topology *t;
    struct nsg_vnet *v;
    struct nsg_err err = NSG_ERR_INIT;
    long done = 0, bad = 0;
    double t0 = now();
    while (done < packets) {
        struct rg_rule rules[40];
        const struct nsg_cnsg *c;
        const struct nsg_slv_nsg *d;
        for (int i = 0; i < 40; i++)
            rg_random_rule(r, &rules[i], i, 100 + 10 * i);
        t = rg_topology(&v);
        struct nsg_nsg *n = rg_build(t, "n", rules, 40);
        struct nsg_sim *sim = nsg_sim_new(t);
        struct nsg_slv *s = nsg_slv_new(0);
        if (nsg_sim_get(sim, n, v, &c, &err) || nsg_slv_decide(s, c, &d, &err))
            die("packets", &err);
        struct rg_points pt;
        rg_points_init(&pt);
        rg_points_add(&pt, c);
        for (int k = 0; k < 20000 && done < packets; k++, done++) {
            struct nsg_packet pk = rg_packet(r, &pt);
            struct nsg_match m;
            uint64_t allow;
            nsg_sim_eval(c, &pk, &m);
            if (nsg_slv_eval(s, &pk, d->allow, &allow, &err))
                die("eval", &err);
            bad += (int)allow != (m.decision == NSG_DEC_ALLOW);
        }
        rg_points_free(&pt);
        nsg_slv_free(s);
        nsg_sim_free(sim);
        nsg_topo_free(t);
    }
    double el = now() - t0;
    printf("packets: %ld formula evaluations vs simulator, %ld disagree, "
           "%.1f s (%.0f per s)\n",
           done, bad, el, (double)done / el);
    if (bad)
        exit(1);
}

int main(int argc, char **argv)
{
    int runs = argc > 1 ? atoi(argv[1]) : 5;
    long packets = argc > 2 ? atol(argv[2]) : 0;
    if (runs < 1 || runs > 16)
        runs = 5;
    GRand *r = g_rand_new_with_seed(2026);
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc > 3)
        for (int i = 3; i < argc; i++)
            bench_size(r, atoi(argv[i]), runs);
    else
        bench_size(r, 1000, runs);
    if (packets > 0)
        bench_packets(r, packets);
    g_rand_free(r);
    return 0;
}
