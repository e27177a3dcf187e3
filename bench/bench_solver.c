/* bench_solver.c - solver figures: diff and lint of NSGs of 100, 1,000 and
 * 4,000 realistic random rules against a naive baseline encoding measured
 * side by side, a no-regression sweep over a corpus of 500 NSGs, and the
 * rate of formula-vs-simulator packet checks.  Medians of several runs.
 * usage: bench_solver [runs] [packets] */
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

/* A realistic rule: mostly TCP allows of one port or a small range from a
 * /24, a host or a tag to a subnet or host; some denies. */
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
    else if (k < 7)
        snprintf(o->src, sizeof(o->src), "%d.%d.%d.%d",
                 g_rand_int_range(r, 11, 200), g_rand_int_range(r, 0, 256),
                 g_rand_int_range(r, 0, 256), g_rand_int_range(r, 1, 255));
    else if (k < 8)
        snprintf(o->src, sizeof(o->src), "10.0.%d.0/24,10.1.%d.0/24",
                 g_rand_int_range(r, 0, 256), g_rand_int_range(r, 0, 256));
    else
        snprintf(o->src, sizeof(o->src), "%s", RG_PICK(r, tags));
    if (g_rand_boolean(r))
        snprintf(o->dst, sizeof(o->dst), "10.0.%d.0/24",
                 g_rand_int_range(r, 0, 64));
    else
        snprintf(o->dst, sizeof(o->dst), "10.0.%d.%d",
                 g_rand_int_range(r, 0, 64), g_rand_int_range(r, 4, 250));
    strcpy(o->sports, "*");
    snprintf(o->dports, sizeof(o->dports), "%s", RG_PICK(r, ports));
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
 * kind 0: B is A with its middle rule's access flipped. */
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

/* Ours: encode + diff (up to `max` witnesses) in a fresh context. */
static double time_ours(const struct pair *p, size_t max, bool *eq)
{
    struct nsg_err err = NSG_ERR_INIT;
    struct nsg_slv_diff d = NSG_SLV_DIFF_INIT;
    double t0 = now();
    struct nsg_slv *s = nsg_slv_new(0);
    if (nsg_slv_diff(s, p->a, p->b, max, 0, &d, &err))
        die("diff", &err);
    double t = now() - t0;
    *eq = d.equivalent;
    nsg_slv_diff_release(&d);
    nsg_slv_free(s);
    return t;
}

/* Baseline: both naive chains, one check of "they differ".  Capped at
 * NAIVE_CAP_MS: returns -1 when the baseline did not finish. */
#define NAIVE_CAP_MS 60000
static double time_naive(const struct pair *p, bool *eq)
{
    struct nsg_err err = NSG_ERR_INIT;
    double t0 = now();
    struct nsg_slv *s = nsg_slv_new(NAIVE_CAP_MS);
    Z3_ast a, b;
    bool sat;
    if (nsg_slv_naive_allow(s, p->a, &a, &err) ||
        nsg_slv_naive_allow(s, p->b, &b, &err))
        die("naive", &err);
    Z3_ast q = Z3_mk_xor(nsg_slv_z3(s), a, b);
    nsg_rc rc = nsg_slv_check(s, &q, 1, &sat, NULL, &err);
    double t = now() - t0;
    nsg_slv_free(s);
    if (rc == NSG_E_UNKNOWN)
        return -1;
    if (rc)
        die("naive check", &err);
    *eq = !sat;
    return t;
}

static double time_lint(const struct pair *p, size_t *findings)
{
    struct nsg_err err = NSG_ERR_INIT;
    struct nsg_slv_lint l = NSG_SLV_LINT_INIT;
    double t0 = now();
    struct nsg_slv *s = nsg_slv_new(0);
    if (nsg_slv_lint(s, p->a, NULL, &l, &err))
        die("lint", &err);
    double t = now() - t0;
    *findings = l.n;
    nsg_slv_lint_release(&l);
    nsg_slv_free(s);
    return t;
}

static void bench_size(GRand *r, int n, int runs)
{
    static const char *const kinds[] = {"different", "reordered", "shadowed+"};
    for (int kind = 1; kind <= 3; kind++) {
        int k3 = kind % 3; /* 1 reordered, 2 shadowed copies, 0 different */
        bool harmless = k3 != 0;
        double ours[16], naive[16];
        bool eq1 = false, eq2 = false;
        struct pair p;
        make_pair(r, n, k3, &p);
        /* the baseline needs minutes at 4,000 rules: one run, capped */
        int nruns = n >= 4000 ? 1 : runs;
        bool capped = false;
        eq2 = harmless;
        for (int k = 0; k < runs; k++) {
            if (k < nruns) {
                naive[k] = time_naive(&p, &eq2);
                if (naive[k] < 0) {
                    capped = true;
                    naive[k] = NAIVE_CAP_MS / 1000.0;
                }
            }
            ours[k] = time_ours(&p, 10, &eq1); /* the CLI's default */
        }
        if (eq1 != eq2 || eq1 != (bool)harmless) {
            fprintf(stderr,
                    "bench_solver: answers disagree (%d rules: ours "
                    "%d naive %d expected %d)\n",
                    n, eq1, eq2, harmless);
            exit(1);
        }
        double mo = median(ours, runs), mn = median(naive, nruns);
        printf("diff %5d rules %-10s ours %8.4f s  naive %s%8.4f s  "
               "ratio %s%6.1fx\n",
               n, kinds[k3], mo, capped ? ">" : " ", mn, capped ? ">" : " ",
               mn / mo);
        fflush(stdout);
        if (!harmless) {
            double ml[16];
            size_t nf = 0;
            for (int k = 0; k < (n >= 4000 ? 1 : runs); k++)
                ml[k] = time_lint(&p, &nf);
            printf("lint %5d rules            %8.4f s  (%zu findings)\n", n,
                   median(ml, n >= 4000 ? 1 : runs), nf);
        }
        free_pair(&p);
    }
}

/* 500 NSGs of 20-80 rules, each against itself with a harmless edit. */
static void bench_corpus(GRand *r)
{
    double t0 = now();
    int eq = 0;
    for (int i = 0; i < 500; i++) {
        struct pair p;
        bool e;
        make_pair(r, g_rand_int_range(r, 20, 81), 1 + i % 2, &p);
        time_ours(&p, 10, &e);
        eq += e;
        free_pair(&p);
    }
    fflush(stdout);
    printf("corpus 500 NSGs vs harmless edit: %d equivalent, %.2f s total "
           "(%.1f ms each, building included)\n",
           eq, now() - t0, (now() - t0) * 2);
    if (eq != 500)
        exit(1);
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
    long packets = argc > 2 ? atol(argv[2]) : 1000000;
    if (runs < 1 || runs > 16)
        runs = 5;
    GRand *r = g_rand_new_with_seed(2026);
    setvbuf(stdout, NULL, _IOLBF, 0);
    bench_size(r, 100, runs);
    bench_size(r, 1000, runs);
    bench_size(r, 4000, runs > 3 ? 3 : runs);
    bench_corpus(r);
    if (packets > 0)
        bench_packets(r, packets);
    g_rand_free(r);
    return 0;
}
