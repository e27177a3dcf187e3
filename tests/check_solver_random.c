/* check_solver_random.c - differential tests of the Z3 encoding against
 * the concrete simulator: random rule sets and packets (the formula
 * evaluated under each packet as a model), random equivalence-preserving
 * edits that must diff as equivalent, and small edits that must diff as
 * different with a witness the simulator confirms. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "../solver/solver.h"
#include "data/solver/rulegen.h"

#define N_RULES 30

struct world {
    struct nsg_topology *t;
    struct nsg_vnet *v;
    struct nsg_sim *sim;
    struct nsg_slv *slv;
};

static void world_init(struct world *w)
{
    w->t = rg_topology(&w->v);
    w->sim = nsg_sim_new(w->t);
    w->slv = nsg_slv_new(20000);
}

static void world_free(struct world *w)
{
    nsg_slv_free(w->slv);
    nsg_sim_free(w->sim);
    nsg_topo_free(w->t);
}

static const struct nsg_cnsg *compile(struct world *w, struct nsg_nsg *n)
{
    const struct nsg_cnsg *c;
    struct nsg_err err = NSG_ERR_INIT;
    nsg_rc rc = nsg_sim_get(w->sim, n, w->v, &c, &err);
    ck_assert_msg(rc == 0, "compile: %s", err.msg);
    return c;
}

static gint cmp_pstr(gconstpointer a, gconstpointer b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void gen_rules(GRand *r, struct rg_rule *rules, size_t n)
{
    for (size_t i = 0; i < n; i++)
        rg_random_rule(r, &rules[i], (int)i, 100 + 10 * (int)i);
}

/* The formula's decision and deciding rule equal the simulator's. */
START_TEST(test_formula_equals_simulator)
{
    GRand *r = g_rand_new_with_seed(1234);
    long packets = 0, platform = 0;
    for (int round = 0; round < 20; round++) {
        struct world w;
        world_init(&w);
        struct rg_rule rules[N_RULES];
        char name[16];
        gen_rules(r, rules, N_RULES);
        snprintf(name, sizeof(name), "n%d", round);
        const struct nsg_cnsg *c =
            compile(&w, rg_build(w.t, name, rules, N_RULES));
        const struct nsg_slv_nsg *d;
        struct nsg_err err = NSG_ERR_INIT;
        ck_assert_msg(nsg_slv_decide(w.slv, c, &d, &err) == 0, "%s", err.msg);
        struct rg_points pt;
        rg_points_init(&pt);
        rg_points_add(&pt, c);
        int allows = 0;
        for (int k = 0; k < 520; k++) {
            struct nsg_packet p = rg_packet(r, &pt);
            struct nsg_match m;
            uint64_t allow, idx;
            nsg_sim_eval(c, &p, &m);
            ck_assert_int_eq(nsg_slv_eval(w.slv, &p, d->allow, &allow, &err),
                             0);
            ck_assert_int_eq(nsg_slv_eval(w.slv, &p, d->rule, &idx, &err), 0);
            ck_assert(m.decision != NSG_DEC_UNKNOWN);
            ck_assert_int_eq(allow, m.decision == NSG_DEC_ALLOW);
            if (m.rule) {
                ck_assert_ptr_eq(&c->rules[p.dir][idx], m.rule);
            } else { /* the platform stage decided (or the VNet's drop) */
                ck_assert_uint_eq(idx, c->n[p.dir]);
                ck_assert_int_ne(m.platform, NSG_PLAT_NONE);
                platform++;
            }
            allows += (int)allow;
            packets++;
        }
        /* both outcomes occur: the packets are not all trivially denied */
        ck_assert_int_gt(allows, 0);
        ck_assert_int_lt(allows, 520);
        rg_points_free(&pt);
        world_free(&w);
    }
    ck_assert_int_ge(packets, 10000);
    ck_assert_int_gt(platform, 100); /* the stage is exercised */
    g_rand_free(r);
}
END_TEST

/* Both NSG levels of a NIC: formula equals nsg_sim_eval_nic. */
START_TEST(test_nic_levels_equal_simulator)
{
    GRand *r = g_rand_new_with_seed(99);
    long unknown = 0, decided = 0;
    for (int round = 0; round < 8; round++) {
        struct nsg_topology *t = nsg_topo_new();
        struct nsg_vnet *v = tb_vnet(t, "v1", "10.0.0.0/16");
        struct rg_rule rules[12];
        gen_rules(r, rules, 12);
        struct nsg_nsg *sn = rg_build(t, "sub-nsg", rules, 12);
        gen_rules(r, rules, 12);
        struct nsg_nsg *nn = rg_build(t, "nic-nsg", rules, 12);
        struct nsg_subnet *s1 = tb_subnet(t, v, "s1", "10.0.1.0/24", sn);
        struct nsg_subnet *s2 = tb_subnet(t, v, "s2", "10.0.2.0/24", NULL);
        tb_asg(t, "web");
        tb_asg(t, "db");
        tb_tag(t, "Storage", "20.38.0.0/16");
        tb_tag(t, "Sql", "40.78.0.0/15");
        struct nsg_nic *nic =
            tb_nic(t, "web1", s1, "10.0.1.4", "web", round % 2 ? nn : NULL);
        tb_nic_ipconfig(nic, s2, "10.0.2.7", "db");
        /* the stages around the NSGs: security admin rules (some rounds
         * with one whose deployment is unknown: "maybe"), KMS off under a
         * 0.0.0.0/0 route, a private endpoint */
        if (round >= 2) {
            struct nsg_admin_config *cfg = tb_admin_config(t, "nm", "cfg");
            struct nsg_admin_collection *col =
                tb_admin_collection(t, cfg, "c", "g");
            tb_static_member(t, tb_network_group(t, "nm", "g"), v);
            if (round != 7) /* round 7: no deployment status: "maybe" */
                tb_admin_deployment(t, "nm", "westeurope", "Deployed", "cfg");
            static const char *const acc[3] = {"deny", "allow", "alwaysallow"};
            for (int k = 0; k < 14; k++) {
                struct rg_rule ar;
                rg_random_rule(r, &ar, k, 1 + g_rand_int_range(r, 0, 30));
                tb_admin_rule(t, col, ar.name, ar.prio, ar.dir,
                              acc[g_rand_int_range(r, 0, 3)], ar.proto, ar.src,
                              ar.sports, ar.dst, ar.dports);
            }
        }
        if (round == 3)
            tb_route_table(t, "rt", "0.0.0.0/0", s1);
        tb_link(t);
        struct nsg_sim *sim = nsg_sim_new(t);
        struct nsg_slv *slv = nsg_slv_new(20000);
        struct nsg_slv_nic d;
        struct nsg_err err = NSG_ERR_INIT;
        ck_assert_msg(nsg_slv_decide_nic(slv, sim, t, nic, &d, &err) == 0, "%s",
                      err.msg);
        const struct nsg_cnsg *c;
        ck_assert_int_eq(nsg_sim_get(sim, sn, v, &c, &err), 0);
        struct rg_points pt;
        rg_points_init(&pt);
        rg_points_add(&pt, c);
        const struct nsg_admin_stage *st;
        ck_assert_int_eq(nsg_sim_admin(sim, v, &st, &err), 0);
        for (int dd = 0; dd < 2; dd++) /* packets near the admin rules too */
            for (size_t k = 0; k < st->n[dd]; k++) {
                const struct nsg_crule *cr = &st->rules[dd][k].c;
                rg_points_add_set(&pt, &cr->src);
                rg_points_add_set(&pt, &cr->dst);
                for (size_t q = 0; q < cr->n_dports; q++) {
                    guint pv[2] = {cr->dports[q].lo, cr->dports[q].hi};
                    g_array_append_vals(pt.ports, pv, 2);
                }
            }
        nsg_u128 nicips[2] = {((nsg_u128)10 << 24) | (1 << 8) | 4,
                              ((nsg_u128)10 << 24) | (2 << 8) | 7};
        for (int k = 0; k < 800; k++) {
            struct nsg_packet p = rg_packet(r, &pt);
            if (p.src.family == 4 && k % 2)
                (p.dir == NSG_DIR_IN ? &p.dst : &p.src)->v = nicips[k % 4 / 2];
            struct nsg_verdict vd;
            uint64_t allow;
            ck_assert_int_eq(nsg_sim_eval_nic(sim, nic, &p, &vd, &err), 0);
            if (vd.decision == NSG_DEC_UNKNOWN) { /* a maybe admin rule */
                ck_assert_int_ne(
                    nsg_slv_replay_nic(slv, sim, &d, &p, NULL, &err), 0);
                unknown++;
                continue;
            }
            ck_assert_int_eq(nsg_slv_eval(slv, &p, d.allow, &allow, &err), 0);
            ck_assert_int_eq(allow, vd.decision == NSG_DEC_ALLOW);
            ck_assert_int_eq(nsg_slv_replay_nic(slv, sim, &d, &p, NULL, &err),
                             0);
            decided += vd.admin.rule != NULL;
        }
        rg_points_free(&pt);
        nsg_slv_free(slv);
        nsg_sim_free(sim);
        nsg_topo_free(t);
    }
    fprintf(stderr, "nic levels: %ld packets met an admin rule, %ld unknown\n",
            decided, unknown);
    ck_assert_int_gt(decided, 30);
    ck_assert_int_gt(unknown, 5);
    g_rand_free(r);
}
END_TEST

/* Replace a single-range port list "a-b" by "a-m,m+1-b". */
static bool split_ports(char *ports, size_t cap)
{
    struct nsg_portrange pr;
    if (strchr(ports, ',') || nsg_portrange_parse(ports, &pr) || pr.lo == pr.hi)
        return false;
    unsigned m = pr.lo + (pr.hi - pr.lo) / 2u;
    snprintf(ports, cap, "%u-%u,%u-%u", pr.lo, m, m + 1, pr.hi);
    return true;
}

/* Replace a single CIDR side "p/len" by its two halves. */
static bool split_cidr(char *side, size_t cap)
{
    struct nsg_cidr c;
    if (strchr(side, ',') || nsg_cidr_parse(side, &c) ||
        c.len == (c.family == 6 ? 128 : 32))
        return false;
    struct nsg_cidr a = c, b = c;
    a.len = b.len = c.len + 1;
    b.v = c.v | ((nsg_u128)1 << ((c.family == 6 ? 128 : 32) - a.len));
    char sa[NSG_CIDR_STRLEN], sb[NSG_CIDR_STRLEN];
    nsg_cidr_format(&a, sa);
    nsg_cidr_format(&b, sb);
    snprintf(side, cap, "%s,%s", sa, sb);
    return true;
}

/* Count packets (of many random ones) that a and b decide differently. */
static int sample_diffs(GRand *r, const struct nsg_cnsg *a,
                        const struct nsg_cnsg *b, int n)
{
    struct rg_points pt;
    int diffs = 0;
    rg_points_init(&pt);
    rg_points_add(&pt, a);
    rg_points_add(&pt, b);
    for (int k = 0; k < n; k++) {
        struct nsg_packet p = rg_packet(r, &pt);
        struct nsg_match ma, mb;
        nsg_sim_eval(a, &p, &ma);
        nsg_sim_eval(b, &p, &mb);
        diffs += ma.decision != mb.decision;
    }
    rg_points_free(&pt);
    return diffs;
}

static void check_witnesses(const struct nsg_cnsg *a, const struct nsg_cnsg *b,
                            const struct nsg_slv_diff *d)
{
    for (size_t i = 0; i < d->n_w; i++) {
        struct nsg_match ma, mb;
        nsg_sim_eval(a, &d->w[i].p, &ma);
        nsg_sim_eval(b, &d->w[i].p, &mb);
        ck_assert_int_ne(ma.decision, mb.decision);
        ck_assert_int_eq(ma.decision, d->w[i].a);
        ck_assert_int_eq(mb.decision, d->w[i].b);
        ck_assert_ptr_eq(ma.rule, d->w[i].ra);
        ck_assert_ptr_eq(mb.rule, d->w[i].rb);
    }
}

START_TEST(test_equivalent_edits)
{
    GRand *r = g_rand_new_with_seed(4242);
    int edits[4] = {0};
    for (int round = 0; round < 40; round++) {
        struct world w;
        world_init(&w);
        struct rg_rule a[N_RULES + 1], b[N_RULES + 1];
        gen_rules(r, a, N_RULES);
        /* A gets a copy of rule k placed after it: fully shadowed. */
        int k = g_rand_int_range(r, 0, N_RULES);
        a[N_RULES] = a[k];
        snprintf(a[N_RULES].name, sizeof(a[N_RULES].name), "shadowed");
        a[N_RULES].prio = a[k].prio + 5;
        memcpy(b, a, sizeof(a));
        size_t nb = N_RULES + 1;
        int kind = round % 4;
        if (kind == 0) { /* drop the shadowed rule */
            nb = N_RULES;
            edits[0]++;
        }
        for (int i = 0; i < N_RULES; i++) {
            if (kind == 1 && split_ports(b[i].dports, sizeof(b[i].dports)))
                edits[1]++;
            if (kind == 2 && split_cidr(b[i].src, sizeof(b[i].src)))
                edits[2]++;
        }
        if (kind == 3) { /* swap adjacent rules of one access or disjoint */
            for (int i = 0; i + 1 < N_RULES; i++) {
                bool same = !strcmp(b[i].access, b[i + 1].access);
                bool disjoint =
                    strcmp(b[i].dir, b[i + 1].dir) != 0 ||
                    (strcmp(b[i].proto, "*") && strcmp(b[i + 1].proto, "*") &&
                     strcmp(b[i].proto, b[i + 1].proto));
                if (same || disjoint) {
                    int t = b[i].prio;
                    b[i].prio = b[i + 1].prio;
                    b[i + 1].prio = t;
                    edits[3]++;
                    i++;
                }
            }
        }
        const struct nsg_cnsg *ca =
            compile(&w, rg_build(w.t, "a", a, N_RULES + 1));
        const struct nsg_cnsg *cb = compile(&w, rg_build(w.t, "b", b, nb));
        ck_assert_int_eq(sample_diffs(r, ca, cb, 300), 0); /* generator sane */
        struct nsg_slv_diff d = NSG_SLV_DIFF_INIT;
        struct nsg_err err = NSG_ERR_INIT;
        ck_assert_msg(nsg_slv_diff(w.slv, ca, cb, 10, 0, &d, &err) == 0, "%s",
                      err.msg);
        ck_assert_msg(d.equivalent, "round %d (edit %d) not equivalent", round,
                      kind);
        ck_assert_int_eq(d.n_w, 0);
        nsg_slv_diff_release(&d);
        world_free(&w);
    }
    for (int i = 0; i < 4; i++)
        ck_assert_int_gt(edits[i], 0);
    g_rand_free(r);
}
END_TEST

START_TEST(test_different_edits)
{
    GRand *r = g_rand_new_with_seed(777);
    int confirmed = 0, found = 0;
    for (int round = 0; round < 45; round++) {
        struct world w;
        world_init(&w);
        struct rg_rule a[N_RULES], b[N_RULES];
        gen_rules(r, a, N_RULES);
        memcpy(b, a, sizeof(a));
        int kind = round % 3;
        int i = g_rand_int_range(r, 0, 6); /* early: less often shadowed */
        if (kind == 0) {                   /* change an access */
            b[i].access = !strcmp(a[i].access, "allow") ? "deny" : "allow";
        } else if (kind == 1) { /* widen a port */
            struct nsg_portrange pr;
            if (nsg_portrange_parse(b[i].dports, &pr) || pr.hi == 65535)
                snprintf(b[i].dports, sizeof(b[i].dports), "22");
            else
                snprintf(b[i].dports, sizeof(b[i].dports), "%u-%u", pr.lo,
                         pr.hi + 1u);
        } else { /* change the order of two overlapping rules */
            b[i + 1] = b[i];
            snprintf(b[i + 1].name, sizeof(b[i + 1].name), "r%d", i + 1);
            b[i + 1].prio = a[i + 1].prio;
            b[i + 1].access = !strcmp(a[i].access, "allow") ? "deny" : "allow";
            strcpy(b[i + 1].dports, "*");
            memcpy(a, b, sizeof(a));
            b[i].prio = a[i + 1].prio;
            b[i + 1].prio = a[i].prio;
        }
        const struct nsg_cnsg *ca = compile(&w, rg_build(w.t, "a", a, N_RULES));
        const struct nsg_cnsg *cb = compile(&w, rg_build(w.t, "b", b, N_RULES));
        int sampled = sample_diffs(r, ca, cb, 2000);
        struct nsg_slv_diff d = NSG_SLV_DIFF_INIT;
        struct nsg_err err = NSG_ERR_INIT;
        ck_assert_msg(nsg_slv_diff(w.slv, ca, cb, 5, 0, &d, &err) == 0, "%s",
                      err.msg);
        if (sampled) { /* the simulator knows they differ */
            ck_assert_msg(!d.equivalent, "round %d: missed a difference",
                          round);
            confirmed++;
        }
        if (!d.equivalent) {
            ck_assert_int_gt(d.n_w, 0);
            ck_assert_int_le(d.n_w, 5);
            ck_assert_int_ge(d.n_regions, d.n_w);
            check_witnesses(ca, cb, &d);
            found++;
        }
        nsg_slv_diff_release(&d);
        world_free(&w);
    }
    /* every found difference was confirmed by the simulator above */
    fprintf(stderr, "different edits: %d of 45 found, %d seen by sampling\n",
            found, confirmed);
    ck_assert_int_ge(found, 35);
    ck_assert_int_ge(confirmed, 5);
    g_rand_free(r);
}
END_TEST

/* The regions of a diff as sorted text (direction, rule of A, rule of B,
 * decisions). */
static GPtrArray *region_set(const struct nsg_slv_diff *d)
{
    GPtrArray *v = g_ptr_array_new_with_free_func(g_free);
    for (size_t i = 0; i < d->n_regions; i++) {
        const struct nsg_slv_region *r = &d->regions[i];
        g_ptr_array_add(v, g_strdup_printf("%d %s/%d %s/%d %d %d", r->dir,
                                           r->ra->rule->name, r->ra->priority,
                                           r->rb->rule->name, r->rb->priority,
                                           r->a, r->b));
    }
    g_ptr_array_sort(v, (GCompareFunc)cmp_pstr);
    return v;
}

/* Change slicing and every encoding variant of the benchmark answer as
 * the full encoding: the same equivalence and the same regions (all of
 * them enumerated), on edits of one to several rules of all kinds. */
START_TEST(test_slicing_and_variants_agree)
{
    static const unsigned variants[] = {
        NSG_SLV_NO_EXTRACT, NSG_SLV_NO_HASHCONS, NSG_SLV_NO_BLOCKS,
        NSG_SLV_NO_EXTRACT | NSG_SLV_NO_HASHCONS | NSG_SLV_NO_BLOCKS};
    GRand *r = g_rand_new_with_seed(2718);
    int differing = 0;
    for (int round = 0; round < 36; round++) {
        struct world w;
        world_init(&w);
        struct rg_rule a[N_RULES + 4], b[N_RULES + 4];
        gen_rules(r, a, N_RULES);
        memcpy(b, a, sizeof(a));
        size_t nb = N_RULES;
        int edits = 1 + round % 4;
        for (int e = 0; e < edits; e++) {
            int i = g_rand_int_range(r, 0, N_RULES);
            switch (g_rand_int_range(r, 0, 4)) {
            case 0:
                b[i].access = !strcmp(a[i].access, "allow") ? "deny" : "allow";
                break;
            case 1:
                rg_random_rule(r, &b[i], i, b[i].prio);
                break;
            case 2: /* a new rule between two */
                if (nb < N_RULES + 4) {
                    rg_random_rule(r, &b[nb], (int)nb, b[i].prio + 5);
                    nb++;
                }
                break;
            default: /* a rule moved */
                b[i].prio = 100 + 10 * g_rand_int_range(r, 0, N_RULES) + 3;
            }
        }
        const struct nsg_cnsg *ca = compile(&w, rg_build(w.t, "a", a, N_RULES));
        const struct nsg_cnsg *cb = compile(&w, rg_build(w.t, "b", b, nb));
        struct nsg_err err = NSG_ERR_INIT;
        struct nsg_slv_diff full = NSG_SLV_DIFF_INIT;
        struct nsg_slv *s0 = nsg_slv_new(20000);
        nsg_slv_set_slicing(s0, false);
        ck_assert_msg(!nsg_slv_diff(s0, ca, cb, 200, 0, &full, &err), "%s",
                      err.msg);
        nsg_slv_free(s0);
        ck_assert(full.regions_complete);
        GPtrArray *want = region_set(&full);
        differing += !full.equivalent;
        for (int v = -1; v < (int)(sizeof(variants) / sizeof(*variants)); v++) {
            for (int slice = 0; slice < 2; slice++) {
                struct nsg_slv *s = nsg_slv_new(20000);
                struct nsg_slv_diff d = NSG_SLV_DIFF_INIT;
                nsg_slv_set_slicing(s, slice);
                nsg_slv_set_polish(s, round % 2);
                if (v >= 0) {
                    nsg_slv_set_encoding(s, variants[v]);
                    if (!slice) {
                        ck_assert(!nsg_slv_encode_variant(s, ca, &err));
                        ck_assert(!nsg_slv_encode_variant(s, cb, &err));
                    }
                }
                ck_assert_msg(!nsg_slv_diff(s, ca, cb, 200, 0, &d, &err), "%s",
                              err.msg);
                ck_assert_int_eq(d.equivalent, full.equivalent);
                check_witnesses(ca, cb, &d);
                GPtrArray *got = region_set(&d);
                ck_assert_msg(got->len == want->len,
                              "round %d variant %d slice %d: %u regions, "
                              "want %u",
                              round, v, slice, got->len, want->len);
                for (guint k = 0; k < got->len; k++)
                    ck_assert_str_eq(got->pdata[k], want->pdata[k]);
                g_ptr_array_free(got, TRUE);
                nsg_slv_diff_release(&d);
                nsg_slv_free(s);
            }
        }
        g_ptr_array_free(want, TRUE);
        nsg_slv_diff_release(&full);
        world_free(&w);
    }
    ck_assert_int_ge(differing, 20);
    g_rand_free(r);
}
END_TEST

/* Is p a packet a virtual network can carry (unicast addresses: not
 * 0/8, 127/8, 224/3, ::/8 or ff00::/8)?  A rule matching only others can
 * never match (lint: shadowed by nothing). */
static bool real_packet(const struct nsg_packet *p)
{
    const nsg_u128 a[2] = {p->src.v, p->dst.v};
    for (int i = 0; i < 2; i++) {
        if (p->src.family == 4) {
            unsigned top = (unsigned)(a[i] >> 24) & 255;
            if (top == 0 || top == 127 || top >= 224)
                return false;
        } else {
            unsigned top = (unsigned)(a[i] >> 120) & 255;
            if (top == 0 || top == 0xff)
                return false;
        }
    }
    return true;
}

/* Lint against diff: a rule reported shadowed or redundant can be removed
 * without changing any decision; every other user rule cannot (so both
 * directions of the claim are checked); conflict witnesses match both
 * rules; a shadowed rule decides none of many sampled packets. */
START_TEST(test_lint_agrees_with_diff)
{
    GRand *r = g_rand_new_with_seed(31337);
    int removable = 0, needed = 0;
    for (int round = 0; round < 24; round++) {
        struct world w;
        world_init(&w);
        struct rg_rule rules[16], less[16];
        gen_rules(r, rules, 16);
        /* a guaranteed shadowed rule: a copy of rule 3 after it */
        rules[15] = rules[3];
        snprintf(rules[15].name, sizeof(rules[15].name), "copy");
        rules[15].prio = rules[3].prio + 1;
        char name[40];
        snprintf(name, sizeof(name), "n%d", round);
        const struct nsg_cnsg *c = compile(&w, rg_build(w.t, name, rules, 16));
        struct nsg_slv_lint l = NSG_SLV_LINT_INIT;
        struct nsg_err err = NSG_ERR_INIT;
        ck_assert_msg(nsg_slv_lint(w.slv, c, NULL, &l, &err) == 0, "%s",
                      err.msg);
        bool copy_found = false;
        for (int k = 0; k < 16; k++) {
            bool rem = false;
            for (size_t i = 0; i < l.n; i++)
                if (!strcmp(l.f[i].rule->rule->name, rules[k].name) &&
                    (l.f[i].kind == NSG_LINT_SHADOWED ||
                     l.f[i].kind == NSG_LINT_REDUNDANT))
                    rem = true;
            copy_found |= rem && k == 15;
            size_t m = 0;
            for (int x = 0; x < 16; x++)
                if (x != k)
                    less[m++] = rules[x];
            snprintf(name, sizeof(name), "n%d-%d", round, k);
            const struct nsg_cnsg *cl =
                compile(&w, rg_build(w.t, name, less, m));
            struct nsg_slv_diff d = NSG_SLV_DIFF_INIT;
            ck_assert_msg(nsg_slv_diff(w.slv, c, cl, 1, 0, &d, &err) == 0, "%s",
                          err.msg);
            ck_assert_msg(d.equivalent == rem, "round %d rule %s: lint says %s",
                          round, rules[k].name, rem ? "removable" : "needed");
            if (!rem)
                check_witnesses(c, cl, &d);
            removable += rem;
            needed += !rem;
            nsg_slv_diff_release(&d);
        }
        ck_assert(copy_found);
        struct rg_points pt;
        rg_points_init(&pt);
        rg_points_add(&pt, c);
        for (size_t i = 0; i < l.n; i++) {
            const struct nsg_slv_finding *f = &l.f[i];
            if (f->kind == NSG_LINT_CONFLICT) {
                ck_assert(f->has_witness);
                ck_assert_int_eq(nsg_crule_match(f->rule, &f->witness), 1);
                ck_assert_int_eq(nsg_crule_match(f->by[0], &f->witness), 1);
            }
            if (f->kind == NSG_LINT_SHADOWED)
                for (int k = 0; k < 300; k++) {
                    struct nsg_packet p = rg_packet(r, &pt);
                    struct nsg_match m;
                    if (!real_packet(&p))
                        continue; /* no VNet carries it: lint's domain */
                    nsg_sim_eval(c, &p, &m);
                    ck_assert_ptr_ne(m.rule, f->rule);
                }
        }
        rg_points_free(&pt);
        nsg_slv_lint_release(&l);
        world_free(&w);
    }
    ck_assert_int_gt(removable, 8);
    ck_assert_int_gt(needed, 8);
    g_rand_free(r);
}
END_TEST

static Suite *solver_random_suite(void)
{
    Suite *s = suite_create("solver_random");
    TCase *tc = tcase_create("differential");
    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, test_formula_equals_simulator);
    tcase_add_test(tc, test_nic_levels_equal_simulator);
    tcase_add_test(tc, test_equivalent_edits);
    tcase_add_test(tc, test_different_edits);
    tcase_add_test(tc, test_slicing_and_variants_agree);
    tcase_add_test(tc, test_lint_agrees_with_diff);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(solver_random_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
