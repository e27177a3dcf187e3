/* replay_bench.c - replay throughput: tuple evaluations per second of the
 * replay core (sim/replay.c) against one NSG of N rules (10, 100, 1000 by
 * default), with deterministic generated rules and flow tuples whose logged
 * decisions are the simulator's (so every tuple is evaluated in full and
 * agrees).  Prints one line per size with the median of several runs.
 * usage: replay_bench [FLOWS [RUNS [SIZE...]]] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../sim/replay.h"
#include "../tests/lib/topo_build.h"

#define MAC "000D3A0B0001"

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;
static uint32_t rnd(void) /* xorshift64*: deterministic, no libc state */
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return (uint32_t)((rng_state * 2685821657736338717ull) >> 32);
}

/* An NSG of n user rules: allow/deny TCP/UDP from random /16../28 public
 * prefixes to the subnet on random ports or port ranges. */
static struct nsg_topology *build(int n)
{
    struct nsg_topology *t = nsg_topo_new();
    struct nsg_vnet *v = tb_vnet(t, "vnet", "10.0.0.0/16");
    struct nsg_nsg *nsg = tb_nsg(t, "bench-nsg");
    struct nsg_subnet *s = tb_subnet(t, v, "s", "10.0.1.0/24", NULL);
    struct nsg_nic *nic = tb_nic(t, "nic", s, "10.0.1.4", "", nsg);
    strcpy(nic->mac, MAC);
    for (int i = 0; i < n; i++) {
        char name[32], src[32], port[16];
        int len = 16 + (int)(rnd() % 13);
        snprintf(name, sizeof(name), "Rule%04d", i);
        snprintf(src, sizeof(src), "%u.%u.%u.0/%d", 20 + rnd() % 180,
                 rnd() % 256, rnd() % 256, len);
        if (rnd() % 4 == 0) {
            unsigned lo = 1024 + rnd() % 50000;
            snprintf(port, sizeof(port), "%u-%u", lo, lo + rnd() % 500);
        } else {
            snprintf(port, sizeof(port), "%u", 1 + rnd() % 9000);
        }
        tb_rule(nsg, name, 100 + i, rnd() % 5 ? "in" : "out",
                rnd() % 3 ? "allow" : "deny", rnd() % 4 ? "Tcp" : "Udp", src,
                "*", "10.0.1.0/24", port);
    }
    tb_link(t);
    return t;
}

/* Flows: half from sources of some rule's prefix on that rule's port (a
 * match somewhere in the list), half random (most fall to a default). */
static struct nsg_flow *make_flows(const struct nsg_topology *t, size_t nf,
                                   char **nsg_id_up)
{
    const struct nsg_nsg *nsg = NSG_TOPO_AT(t, NSG_RES_NSG, 0);
    struct nsg_flow *f = nsg_xcalloc(nf, sizeof(*f));
    size_t nu = 0;
    for (size_t i = 0; i < nsg->n_rules; i++)
        nu += !nsg->rules[i].is_default;
    *nsg_id_up = g_ascii_strup(nsg->id, -1);
    for (size_t i = 0; i < nf; i++) {
        struct nsg_flow *x = &f[i];
        x->nsg_id = *nsg_id_up;
        memcpy(x->mac, MAC, sizeof(x->mac));
        x->version = 2;
        x->state = "BCE"[rnd() % 3];
        x->first_seen = x->last_seen = 1763640000 + (int64_t)(i % 3600);
        x->count = 1;
        x->proto = rnd() % 4 ? NSG_PROTO_TCP : NSG_PROTO_UDP;
        x->src.family = x->dst.family = 4;
        x->src.v = ((nsg_u128)(20 + rnd() % 180) << 24) | (rnd() & 0xffffff);
        x->dst.v = (10u << 24) | (1u << 8) | 4u;
        x->sport = (uint16_t)(1024 + rnd() % 60000);
        x->dport = (uint16_t)(1 + rnd() % 9000);
        x->dir = rnd() % 5 ? NSG_DIR_IN : NSG_DIR_OUT;
        if (nu && rnd() % 2) {
            const struct nsg_rule *r = &nsg->rules[rnd() % nu];
            const struct nsg_cidr *c = &r->src[0].cidr;
            x->dir = r->dir;
            x->proto = r->proto;
            x->src.v = c->v | (rnd() & ((1u << (32 - c->len)) - 1));
            x->dport = r->dports[0].lo;
            if (x->dir == NSG_DIR_OUT) { /* the NIC is the source */
                struct nsg_ip tmp = x->src;
                x->src = x->dst;
                x->dst = tmp;
            }
        }
    }
    return f;
}

/* Log each flow as the simulator decides it (rule names kept alive in
 * `names`), so that replay agrees on every tuple. */
static void log_decisions(const struct nsg_topology *t, struct nsg_flow *f,
                          size_t nf, GPtrArray *names)
{
    struct nsg_sim *sim = nsg_sim_new(t);
    const struct nsg_nsg *nsg = NSG_TOPO_AT(t, NSG_RES_NSG, 0);
    const struct nsg_vnet *v = NSG_TOPO_AT(t, NSG_RES_VNET, 0);
    const struct nsg_cnsg *c;
    struct nsg_err err = NSG_ERR_INIT;
    GHashTable *seen = g_hash_table_new(g_direct_hash, g_direct_equal);

    if (nsg_sim_get(sim, nsg, v, &c, &err)) {
        fprintf(stderr, "replay_bench: %s\n", err.msg);
        exit(3);
    }
    for (size_t i = 0; i < nf; i++) {
        struct nsg_packet p = {f[i].dir, f[i].proto, f[i].src,
                               f[i].dst, f[i].sport, f[i].dport};
        struct nsg_match m;
        char *name;
        nsg_sim_eval(c, &p, &m);
        name = g_hash_table_lookup(seen, m.rule->rule);
        if (!name) {
            name = g_strdup_printf(
                "%s_%s", m.rule->rule->is_default ? "DefaultRule" : "UserRule",
                m.rule->rule->name);
            g_ptr_array_add(names, name);
            g_hash_table_insert(seen, (void *)m.rule->rule, name);
        }
        f[i].rule = name;
        f[i].decision = m.decision == NSG_DEC_DENY ? 'D' : 'A';
    }
    g_hash_table_destroy(seen);
    nsg_sim_free(sim);
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* One replay over all flows (a fresh session: compile included). */
static double run_once(const struct nsg_topology *t, const struct nsg_flow *f,
                       size_t nf)
{
    struct nsg_replay *r = nsg_replay_new(t, NULL, 0);
    struct nsg_replay_counts c;
    struct nsg_err err = NSG_ERR_INIT;
    double t0 = now(), dt;
    for (size_t i = 0; i < nf; i++)
        if (nsg_replay_add(r, &f[i], &err)) {
            fprintf(stderr, "replay_bench: %s\n", err.msg);
            exit(3);
        }
    dt = now() - t0;
    nsg_replay_get_counts(r, &c);
    if (c.agree != nf) {
        fprintf(stderr, "replay_bench: %llu of %zu tuples agree\n",
                (unsigned long long)c.agree, nf);
        exit(3);
    }
    nsg_replay_free(r);
    return (double)nf / dt;
}

int main(int argc, char **argv)
{
    size_t nf = argc > 1 ? strtoul(argv[1], NULL, 10) : 1000000;
    int runs = argc > 2 ? atoi(argv[2]) : 5;
    int sizes[16] = {10, 100, 1000}, ns = 3;
    double first = 0;

    if (argc > 3)
        for (ns = 0; ns < 16 && ns + 3 < argc; ns++)
            sizes[ns] = atoi(argv[ns + 3]);
    if (runs < 1 || runs > 64)
        runs = 5;
    for (int s = 0; s < ns; s++) {
        struct nsg_topology *t = build(sizes[s]);
        GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
        char *id_up = NULL;
        struct nsg_flow *f = make_flows(t, nf, &id_up);
        double rate[64];
        log_decisions(t, f, nf, names);
        for (int i = 0; i < runs; i++)
            rate[i] = run_once(t, f, nf);
        qsort(rate, (size_t)runs, sizeof(double), cmp_double);
        if (s == 0)
            first = rate[runs / 2];
        printf("replay rules=%d tuples=%zu runs=%d median_evals_per_s=%.0f "
               "min=%.0f max=%.0f slowdown_vs_first=%.2f\n",
               sizes[s], nf, runs, rate[runs / 2], rate[0], rate[runs - 1],
               first / rate[runs / 2]);
        fflush(stdout);
        free(f);
        g_free(id_up);
        g_ptr_array_free(names, TRUE);
        nsg_topo_free(t);
    }
    return 0;
}
