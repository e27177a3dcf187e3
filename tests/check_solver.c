/* check_solver.c - unit tests of the Z3 encoding pieces (address sets,
 * ports, protocols, families, decisions), checks and model extraction, the
 * timeout -> unknown path, the replay's internal-error path, lint findings
 * on small hand-made NSGs, and the Z3 discipline (a Z3 error is sticky;
 * caches keep only terms made outside solver scopes). */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "../solver/slv_int.h" /* white-box: scopes and caches */
#include "../solver/solver.h"
#include "data/solver/rulegen.h"
#include "lib/topo_build.h"

static struct nsg_slv *slv;

static void setup(void)
{
    slv = nsg_slv_new(30000);
}

static void teardown(void)
{
    nsg_slv_free(slv);
}

static uint64_t eval(const struct nsg_packet *p, Z3_ast t)
{
    uint64_t v = 99;
    struct nsg_err err = NSG_ERR_INIT;
    ck_assert_msg(nsg_slv_eval(slv, p, t, &v, &err) == 0, "%s", err.msg);
    return v;
}

static void add_text(struct nsg_addrset *s, const char *t)
{
    struct nsg_cidr c;
    ck_assert_int_eq(nsg_cidr_parse(t, &c), 0);
    nsg_addrset_add_cidr(s, &c);
}

START_TEST(test_addrset_terms)
{
    struct nsg_addrset set = NSG_ADDRSET_INIT;
    struct nsg_ip lo, hi;
    add_text(&set, "10.0.0.0/8");
    add_text(&set, "192.168.1.5");
    add_text(&set, "2001:db8::/32");
    nsg_ip_parse("1.2.3.4", &lo);
    nsg_ip_parse("1.2.3.10", &hi);
    nsg_addrset_add_range(&set, 4, lo.v, hi.v); /* not one prefix */
    Z3_ast t = nsg_slv_addrset(slv, NSG_SLV_SRC, &set);
    ck_assert_ptr_eq(t, nsg_slv_addrset(slv, NSG_SLV_SRC, &set)); /* shared */
    ck_assert_ptr_ne(t, nsg_slv_addrset(slv, NSG_SLV_DST, &set));
    static const char *const addrs[] = {
        "10.0.0.0",      "10.255.255.255",
        "9.255.255.255", "11.0.0.0",
        "192.168.1.5",   "192.168.1.4",
        "192.168.1.6",   "1.2.3.3",
        "1.2.3.4",       "1.2.3.7",
        "1.2.3.10",      "1.2.3.11",
        "2001:db8::",    "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff",
        "2001:db9::",    "::a00:1",
        "0.0.0.0",       "255.255.255.255"};
    for (size_t i = 0; i < sizeof(addrs) / sizeof(*addrs); i++) {
        struct nsg_packet p = tb_packet("in", "Tcp", addrs[i], 1, addrs[i], 2);
        ck_assert_msg(eval(&p, t) == nsg_addrset_contains(&set, &p.src),
                      "address %s", addrs[i]);
    }
    nsg_addrset_release(&set);
    struct nsg_addrset empty = NSG_ADDRSET_INIT;
    struct nsg_packet p = tb_packet("in", "Tcp", "1.1.1.1", 1, "2.2.2.2", 2);
    ck_assert_int_eq(eval(&p, nsg_slv_addrset(slv, NSG_SLV_DST, &empty)), 0);
}
END_TEST

START_TEST(test_port_terms)
{
    struct nsg_portrange a[] = {{85, 100}, {80, 90}, {443, 443}};
    struct nsg_portrange b[] = {{443, 443}, {80, 100}};
    Z3_ast t = nsg_slv_ports(slv, NSG_SLV_DST, a, 3);
    ck_assert_ptr_eq(t, nsg_slv_ports(slv, NSG_SLV_DST, b, 2)); /* merged */
    static const int ports[] = {79, 80, 95, 100, 101, 442, 443, 444, 0, 65535};
    static const int in[] = {0, 1, 1, 1, 0, 0, 1, 0, 0, 0};
    for (size_t i = 0; i < sizeof(ports) / sizeof(*ports); i++) {
        struct nsg_packet p =
            tb_packet("in", "Udp", "1.1.1.1", 5, "2.2.2.2", ports[i]);
        ck_assert_int_eq(eval(&p, t), in[i]);
    }
    struct nsg_portrange all = {0, 65535};
    struct nsg_packet p = tb_packet("in", "Tcp", "1.1.1.1", 1, "2.2.2.2", 7);
    ck_assert_int_eq(eval(&p, nsg_slv_ports(slv, NSG_SLV_SRC, &all, 1)), 1);
}
END_TEST

/* Ports constrain only TCP/UDP, "*" matches any protocol number, an IPv4
 * rule never matches an IPv6 packet. */
START_TEST(test_rule_match_semantics)
{
    struct nsg_topology *t = nsg_topo_new();
    struct nsg_nsg *n = tb_nsg(t, "n");
    tb_rule(n, "any22", 100, "in", "allow", "*", "10.0.0.0/8", "*", "*", "22");
    tb_rule(n, "udp53", 110, "in", "allow", "Udp", "*", "*", "*", "53");
    tb_rule(n, "gre", 120, "in", "allow", "47", "0.0.0.0/0", "*", "*", "*");
    tb_link(t);
    struct nsg_sim *sim = nsg_sim_new(t);
    const struct nsg_cnsg *c;
    struct nsg_err err = NSG_ERR_INIT;
    ck_assert_int_eq(nsg_sim_get(sim, n, NULL, &c, &err), 0);
    Z3_ast m[3];
    for (int i = 0; i < 3; i++)
        ck_assert_int_eq(nsg_slv_crule_match(slv, &c->rules[0][i], &m[i], &err),
                         0);
    struct nsg_packet icmp =
        tb_packet("in", "Icmp", "10.1.1.1", 0, "10.2.2.2", 0);
    struct nsg_packet tcp23 =
        tb_packet("in", "Tcp", "10.1.1.1", 9, "10.2.2.2", 23);
    struct nsg_packet tcp22 =
        tb_packet("in", "Tcp", "10.1.1.1", 9, "10.2.2.2", 22);
    struct nsg_packet esp =
        tb_packet("in", "Esp", "10.1.1.1", 0, "10.2.2.2", 0);
    struct nsg_packet udp53 =
        tb_packet("in", "Udp", "1.1.1.1", 5, "2.2.2.2", 53);
    struct nsg_packet tcp53 =
        tb_packet("in", "Tcp", "1.1.1.1", 5, "2.2.2.2", 53);
    struct nsg_packet gre = tb_packet("in", "47", "1.1.1.1", 0, "2.2.2.2", 0);
    struct nsg_packet gre6 =
        tb_packet("in", "47", "2001:db8::1", 0, "2001:db8::2", 0);
    /* "*" with port 22: TCP and UDP only (docs/semantics.md R2) */
    ck_assert_int_eq(eval(&icmp, m[0]), 0);
    ck_assert_int_eq(eval(&esp, m[0]), 0);
    ck_assert_int_eq(eval(&tcp23, m[0]), 0);
    ck_assert_int_eq(eval(&tcp22, m[0]), 1);
    ck_assert_int_eq(eval(&udp53, m[1]), 1);
    ck_assert_int_eq(eval(&tcp53, m[1]), 0);
    ck_assert_int_eq(eval(&gre, m[2]), 1);
    ck_assert_int_eq(eval(&gre6, m[2]), 0); /* IPv4 rule, IPv6 packet */
    ck_assert_int_eq(eval(&tcp22, m[2]), 0);
    nsg_sim_free(sim);
    nsg_topo_free(t);
}
END_TEST

/* A rule with a tag the context cannot resolve is encoded with an
 * unconstrained membership: the NSG still encodes, packets that do not
 * depend on the tag replay fine, and a packet whose answer depends on it is
 * an input error naming the tag (never a guess). */
START_TEST(test_unknown_tag_is_input_error)
{
    struct nsg_topology *t = nsg_topo_new();
    struct nsg_nsg *n = tb_nsg(t, "n");
    tb_rule(n, "st", 100, "out", "allow", "Tcp", "*", "*", "Storage.WestUS",
            "443");
    tb_link(t);
    struct nsg_sim *sim = nsg_sim_new(t);
    const struct nsg_cnsg *c;
    const struct nsg_slv_nsg *d;
    struct nsg_err err = NSG_ERR_INIT;
    struct nsg_packet in = tb_packet("in", "Tcp", "203.0.113.9", 50000,
                                     "10.0.0.4", 443);
    struct nsg_packet out = tb_packet("out", "Tcp", "10.0.0.4", 50000,
                                      "20.60.0.4", 443);
    struct nsg_packet out80 = tb_packet("out", "Tcp", "10.0.0.4", 50000,
                                        "20.60.0.4", 80);
    ck_assert_int_eq(nsg_sim_get(sim, n, NULL, &c, &err), 0);
    ck_assert_int_eq(nsg_slv_decide(slv, c, &d, &err), 0);
    ck_assert_int_eq(nsg_slv_replay(slv, d, &in, NULL, &err), 0);
    ck_assert_int_eq(nsg_slv_replay(slv, d, &out80, NULL, &err), 0);
    ck_assert_int_eq(nsg_slv_replay(slv, d, &out, NULL, &err), NSG_E_INPUT);
    ck_assert_ptr_nonnull(strstr(err.msg, "Storage.WestUS"));
    nsg_sim_free(sim);
    nsg_topo_free(t);
}
END_TEST

/* Decisions, checks with model extraction, replay, and the replay's
 * internal error when formula and simulator disagree. */
START_TEST(test_decide_check_replay)
{
    struct nsg_topology *t = nsg_topo_new();
    struct nsg_nsg *a = tb_nsg(t, "a");
    tb_rule(a, "ssh", 100, "in", "allow", "Tcp", "203.0.113.0/24", "*", "*",
            "22");
    struct nsg_nsg *b = tb_nsg(t, "b");
    tb_link(t);
    struct nsg_sim *sim = nsg_sim_new(t);
    const struct nsg_cnsg *ca, *cb;
    const struct nsg_slv_nsg *da, *db;
    struct nsg_err err = NSG_ERR_INIT;
    ck_assert_int_eq(nsg_sim_get(sim, a, NULL, &ca, &err), 0);
    ck_assert_int_eq(nsg_sim_get(sim, b, NULL, &cb, &err), 0);
    ck_assert_int_eq(nsg_slv_decide(slv, ca, &da, &err), 0);
    ck_assert_int_eq(nsg_slv_decide(slv, cb, &db, &err), 0);
    const struct nsg_slv_nsg *again;
    ck_assert_int_eq(nsg_slv_decide(slv, ca, &again, &err), 0);
    ck_assert_ptr_eq(again, da); /* cached */
    /* Inbound allowed by a from 192.0.0.0/2: only the ssh rule's region
     * (AllowVnetInBound covers 168.63.129.16 here). */
    struct nsg_addrset far = NSG_ADDRSET_INIT;
    add_text(&far, "192.0.0.0/2");
    Z3_ast q[3] = {nsg_slv_dir(slv, NSG_DIR_IN), da->allow,
                   nsg_slv_addrset(slv, NSG_SLV_SRC, &far)};
    bool sat;
    struct nsg_packet p;
    ck_assert_int_eq(nsg_slv_check(slv, q, 3, &sat, &p, &err), 0);
    nsg_addrset_release(&far);
    ck_assert(sat);
    struct nsg_match m;
    ck_assert_int_eq(nsg_slv_replay(slv, da, &p, &m, &err), 0);
    ck_assert_int_eq(m.decision, NSG_DEC_ALLOW);
    ck_assert_int_eq(p.proto, 6);
    ck_assert_int_eq(p.dport, 22);
    ck_assert_str_eq(m.rule->rule->name, "ssh");
    ck_assert_int_eq((int)(p.src.v >> 8), (203 << 16) | (0 << 8) | 113);
    /* Unsatisfiable: allowed by b (defaults only) from the Internet-side
     * 203.0.113.0/24 inbound. */
    struct nsg_addrset s = NSG_ADDRSET_INIT;
    add_text(&s, "203.0.113.0/24");
    Z3_ast q2[3] = {nsg_slv_dir(slv, NSG_DIR_IN), db->allow,
                    nsg_slv_addrset(slv, NSG_SLV_SRC, &s)};
    ck_assert_int_eq(nsg_slv_check(slv, q2, 3, &sat, &p, &err), 0);
    ck_assert(!sat);
    nsg_addrset_release(&s);
    /* Replaying a's formula against b's rules disagrees: internal error. */
    struct nsg_slv_nsg forged = *da;
    forged.c = cb;
    struct nsg_packet ssh =
        tb_packet("in", "Tcp", "203.0.113.9", 5000, "10.0.0.4", 22);
    ck_assert_int_eq(nsg_slv_replay(slv, &forged, &ssh, NULL, &err),
                     NSG_E_INTERNAL);
    ck_assert_ptr_nonnull(strstr(err.msg, "solver says Allow"));
    ck_assert_ptr_nonnull(strstr(err.msg, "simulator says Deny"));
    /* Diff: a and b differ exactly in the ssh region. */
    struct nsg_slv_diff d = NSG_SLV_DIFF_INIT;
    ck_assert_int_eq(nsg_slv_diff(slv, ca, cb, 10, 0, &d, &err), 0);
    ck_assert(!d.equivalent);
    ck_assert_int_eq(d.n_w, 1);
    ck_assert_int_eq(d.n_regions, 1);
    ck_assert(d.regions_complete);
    ck_assert_str_eq(d.w[0].ra->rule->name, "ssh");
    ck_assert_str_eq(d.w[0].rb->rule->name, "DenyAllInBound");
    nsg_slv_diff_release(&d);
    ck_assert_int_eq(nsg_slv_diff(slv, ca, ca, 10, 0, &d, &err), 0);
    ck_assert(d.equivalent);
    nsg_slv_diff_release(&d);
    nsg_sim_free(sim);
    nsg_topo_free(t);
}
END_TEST

/* A tiny timeout on a big problem is reported as unknown, not guessed. */
START_TEST(test_timeout_is_unknown)
{
    struct nsg_vnet *v;
    struct nsg_topology *t = rg_topology(&v);
    GRand *r = g_rand_new_with_seed(5);
    struct rg_rule *rules = calloc(1500, sizeof(*rules));
    for (int i = 0; i < 1500; i++)
        rg_random_rule(r, &rules[i], i, 100 + i);
    struct nsg_nsg *a = rg_build(t, "a", rules, 1500);
    for (int i = 0; i < 1500; i += 3)
        rules[i].access = !strcmp(rules[i].access, "allow") ? "deny" : "allow";
    struct nsg_nsg *b = rg_build(t, "b", rules, 1500);
    struct nsg_sim *sim = nsg_sim_new(t);
    const struct nsg_cnsg *ca, *cb;
    struct nsg_err err = NSG_ERR_INIT;
    ck_assert_int_eq(nsg_sim_get(sim, a, v, &ca, &err), 0);
    ck_assert_int_eq(nsg_sim_get(sim, b, v, &cb, &err), 0);
    nsg_slv_set_timeout(slv, 1);
    struct nsg_slv_diff d = NSG_SLV_DIFF_INIT;
    nsg_rc rc = nsg_slv_diff(slv, ca, cb, 1000, 0, &d, &err);
    ck_assert_msg(rc == NSG_E_UNKNOWN, "rc %d: %s", rc, err.msg);
    ck_assert_ptr_nonnull(strstr(err.msg, "unknown"));
    nsg_slv_diff_release(&d);
    nsg_sim_free(sim);
    nsg_topo_free(t);
    free(rules);
    g_rand_free(r);
}
END_TEST

static const struct nsg_slv_finding *
find(const struct nsg_slv_lint *l, enum nsg_slv_lint_kind k, const char *rule)
{
    for (size_t i = 0; i < l->n; i++)
        if (l->f[i].kind == k && !strcmp(l->f[i].rule->rule->name, rule))
            return &l->f[i];
    return NULL;
}

START_TEST(test_lint_findings)
{
    struct nsg_topology *t = nsg_topo_new();
    struct nsg_nsg *n = tb_nsg(t, "n");
    tb_rule(n, "r1", 100, "in", "allow", "Tcp", "10.0.0.0/8", "*", "*",
            "80-90");
    tb_rule(n, "r2", 105, "in", "allow", "Tcp", "10.1.0.0/16", "*", "*", "85");
    tb_rule(n, "r3", 110, "in", "allow", "Tcp", "192.168.0.0/24", "*", "*",
            "443");
    tb_rule(n, "r4", 111, "in", "allow", "Tcp", "192.168.1.0/24", "*", "*",
            "443");
    tb_rule(n, "r5", 112, "in", "deny", "Tcp", "192.168.0.0/23", "*", "*",
            "443");
    tb_rule(n, "r6", 130, "in", "allow", "Udp", "172.16.0.0/16", "*", "*",
            "53");
    tb_rule(n, "r7", 140, "in", "allow", "Udp", "172.16.0.0/12", "*", "*",
            "53");
    tb_rule(n, "r8", 150, "in", "deny", "Tcp", "203.0.113.0/24", "*", "*",
            "1000-2000");
    tb_rule(n, "r9", 160, "in", "allow", "Tcp", "203.0.112.0/23", "*", "*",
            "1500");
    tb_rule(n, "r10", 200, "in", "allow", "Tcp", "*", "*", "*", "3389");
    tb_rule(n, "r11", 210, "in", "allow", "Tcp", "10.0.0.0/8", "*", "*", "22");
    tb_rule(n, "never", 220, "in", "allow", "Tcp", "10.0.0.0/8", "*",
            "2001:db8::/32", "*");
    /* a later allow covers "a", but a deny in between takes part of it:
     * removing "a" changes a decision (not redundant) */
    tb_rule(n, "a", 300, "in", "allow", "Tcp", "100.64.0.0/24", "*", "*",
            "8080");
    tb_rule(n, "b", 310, "in", "deny", "Tcp", "100.64.0.5", "*", "*", "8080");
    tb_rule(n, "c", 320, "in", "allow", "Tcp", "100.64.0.0/16", "*", "*",
            "8080");
    /* the same with an allow in between: "a2" is redundant */
    tb_rule(n, "a2", 340, "in", "allow", "Tcp", "100.65.0.0/24", "*", "*",
            "8080");
    tb_rule(n, "b2", 350, "in", "allow", "Tcp", "100.65.0.5", "*", "*", "8080");
    tb_rule(n, "c2", 360, "in", "allow", "Tcp", "100.65.0.0/16", "*", "*",
            "8080");
    /* TCP to the Azure host's port 53 is platform DNS: the platform stage
     * decides all of it, this rule nothing */
    tb_rule(n, "dns-host", 400, "out", "deny", "Tcp", "10.0.2.40", "*",
            "AzureLoadBalancer", "53");
    tb_link(t);
    struct nsg_sim *sim = nsg_sim_new(t);
    const struct nsg_cnsg *c;
    struct nsg_err err = NSG_ERR_INIT;
    struct nsg_slv_lint l = NSG_SLV_LINT_INIT;
    ck_assert_int_eq(nsg_sim_get(sim, n, NULL, &c, &err), 0);
    ck_assert_msg(nsg_slv_lint(slv, c, NULL, &l, &err) == 0, "%s", err.msg);

    const struct nsg_slv_finding *f = find(&l, NSG_LINT_SHADOWED, "r2");
    ck_assert_ptr_nonnull(f);
    ck_assert_int_eq(f->n_by, 1);
    ck_assert_str_eq(f->by[0]->rule->name, "r1");
    f = find(&l, NSG_LINT_SHADOWED, "r5"); /* by the union of r3 and r4 */
    ck_assert_ptr_nonnull(f);
    ck_assert_int_eq(f->n_by, 2);
    ck_assert_str_eq(f->by[0]->rule->name, "r3");
    ck_assert_str_eq(f->by[1]->rule->name, "r4");
    f = find(&l, NSG_LINT_SHADOWED, "never"); /* IPv4 source, IPv6 dest */
    ck_assert_ptr_nonnull(f);
    ck_assert_int_eq(f->n_by, 0);
    f = find(&l, NSG_LINT_REDUNDANT, "r6");
    ck_assert_ptr_nonnull(f);
    ck_assert_int_ge(f->n_by, 1);
    ck_assert_str_eq(f->by[0]->rule->name, "r7");
    f = find(&l, NSG_LINT_CONFLICT, "r9");
    ck_assert_ptr_nonnull(f);
    ck_assert_int_eq(f->n_by, 1);
    ck_assert_str_eq(f->by[0]->rule->name, "r8");
    ck_assert(f->has_witness);
    ck_assert_int_eq(nsg_crule_match(f->rule, &f->witness), 1);
    ck_assert_int_eq(nsg_crule_match(f->by[0], &f->witness), 1);
    f = find(&l, NSG_LINT_MGMT_OPEN, "r10");
    ck_assert_ptr_nonnull(f);
    ck_assert_int_eq(f->port, 3389);
    ck_assert(f->has_witness);
    ck_assert_int_eq(f->witness.dport, 3389);
    ck_assert_ptr_null(find(&l, NSG_LINT_REDUNDANT, "a"));
    ck_assert_ptr_nonnull(find(&l, NSG_LINT_SHADOWED, "b"));
    ck_assert_ptr_nonnull(find(&l, NSG_LINT_CONFLICT, "c"));
    f = find(&l, NSG_LINT_REDUNDANT, "a2");
    ck_assert_ptr_nonnull(f);
    ck_assert_int_eq(f->n_by, 2);
    ck_assert_ptr_nonnull(find(&l, NSG_LINT_SHADOWED, "b2"));
    f = find(&l, NSG_LINT_SHADOWED, "dns-host");
    ck_assert_ptr_nonnull(f);
    ck_assert_int_eq(f->n_by, 0);
    ck_assert_ptr_nonnull(strstr(f->detail, "platform traffic"));
    /* nothing else: r1, r3, r4, r7, r8, r11, a, c2 are clean */
    ck_assert_int_eq(l.n, 11);
    nsg_slv_lint_release(&l);

    /* a clean NSG has no findings */
    struct nsg_nsg *clean = tb_nsg(t, "clean");
    tb_rule(clean, "web", 100, "in", "allow", "Tcp", "Internet", "*",
            "10.0.1.0/24", "443");
    tb_rule(clean, "dns", 110, "out", "allow", "Udp", "*", "*", "10.0.0.4",
            "53");
    ck_assert_int_eq(nsg_sim_get(sim, clean, NULL, &c, &err), 0);
    ck_assert_msg(nsg_slv_lint(slv, c, NULL, &l, &err) == 0, "%s", err.msg);
    ck_assert_int_eq(l.n, 0);
    nsg_slv_lint_release(&l);
    nsg_sim_free(sim);
    nsg_topo_free(t);
}
END_TEST

START_TEST(test_z3_error_is_sticky)
{
    struct nsg_err err = NSG_ERR_INIT;
    const struct nsg_slv_pkt *pk = nsg_slv_pkt(slv);
    Z3_context z = nsg_slv_z3(slv);
    Z3_ast q = nsg_slv_proto(slv, NSG_PROTO_TCP);
    struct nsg_packet p;
    bool sat = false;
    uint64_t v;
    ck_assert_int_eq(nsg_slv_check(slv, &q, 1, &sat, &p, &err), 0);
    ck_assert(sat);
    /* a sort mismatch: Z3 reports an error and builds nothing */
    ck_assert_ptr_null(Z3_mk_eq(z, pk->src, pk->sport));
    /* Z3 forgets it at its next call; the solver context does not */
    ck_assert_ptr_nonnull(Z3_mk_true(z));
    ck_assert_int_eq(Z3_get_error_code(z), Z3_OK);
    ck_assert_int_eq(nsg_slv_check(slv, &q, 1, &sat, &p, &err),
                     NSG_E_INTERNAL);
    ck_assert_msg(strstr(err.msg, "Z3 error"), "%s", err.msg);
    ck_assert_int_eq(nsg_slv_eval(slv, &p, q, &v, &err), NSG_E_INTERNAL);
    /* nothing is built any more: NULL, and a NULL is never passed on */
    struct nsg_addrset set = NSG_ADDRSET_INIT;
    add_text(&set, "10.9.0.0/16");
    ck_assert_ptr_null(nsg_slv_addrset(slv, NSG_SLV_SRC, &set));
    ck_assert_ptr_null(nsg_slv_proto(slv, 47));
    Z3_ast none = NULL;
    ck_assert_int_eq(nsg_slv_check(slv, &none, 1, &sat, &p, &err),
                     NSG_E_INTERNAL);
    ck_assert_uint_eq(slv->depth, 0);
    /* another context is not affected */
    struct nsg_slv *other = nsg_slv_new(30000);
    Z3_ast q2 = nsg_slv_proto(other, NSG_PROTO_UDP);
    ck_assert_int_eq(nsg_slv_check(other, &q2, 1, &sat, &p, &err), 0);
    ck_assert(sat);
    nsg_slv_free(other);
    nsg_addrset_release(&set);
}
END_TEST

START_TEST(test_caches_keep_top_level_terms)
{
    struct nsg_topology *t = nsg_topo_new();
    struct nsg_nsg *a = tb_nsg(t, "a");
    tb_rule(a, "gre", 100, "in", "allow", "47", "10.7.0.0/16", "*", "*", "*");
    tb_link(t);
    struct nsg_sim *sim = nsg_sim_new(t);
    const struct nsg_cnsg *ca;
    const struct nsg_slv_nsg *da;
    struct nsg_err err = NSG_ERR_INIT;
    struct nsg_addrset set = NSG_ADDRSET_INIT;
    add_text(&set, "10.7.0.0/16");
    ck_assert_int_eq(nsg_sim_get(sim, a, NULL, &ca, &err), 0);
    guint n_addr = g_hash_table_size(slv->addr_cache[NSG_SLV_SRC]);

    /* inside a scope: terms are made and usable, but not kept */
    nsg_slv_push(slv);
    ck_assert_ptr_nonnull(nsg_slv_proto(slv, 47));
    ck_assert_ptr_nonnull(nsg_slv_addrset(slv, NSG_SLV_SRC, &set));
    ck_assert_ptr_null(
        g_hash_table_lookup(slv->proto_cache, GINT_TO_POINTER(47 + 1)));
    ck_assert_uint_eq(g_hash_table_size(slv->addr_cache[NSG_SLV_SRC]), n_addr);
    /* a decision (cached for s's life) is refused there */
    ck_assert_int_eq(nsg_slv_decide(slv, ca, &da, &err), NSG_E_INTERNAL);
    nsg_slv_pop(slv, 1);
    ck_assert_uint_eq(slv->depth, 0);

    /* at depth 0 they are kept */
    Z3_ast p47 = nsg_slv_proto(slv, 47);
    ck_assert_ptr_eq(
        g_hash_table_lookup(slv->proto_cache, GINT_TO_POINTER(47 + 1)), p47);
    ck_assert_ptr_nonnull(nsg_slv_addrset(slv, NSG_SLV_SRC, &set));
    ck_assert_uint_eq(g_hash_table_size(slv->addr_cache[NSG_SLV_SRC]),
                      n_addr + 1);
    ck_assert_msg(nsg_slv_decide(slv, ca, &da, &err) == 0, "%s", err.msg);
    /* and a check leaves the solver at depth 0 */
    Z3_ast q[2] = {nsg_slv_dir(slv, NSG_DIR_IN), da->allow};
    bool sat = false;
    struct nsg_packet p;
    ck_assert_msg(nsg_slv_check(slv, q, 2, &sat, &p, &err) == 0, "%s",
                  err.msg);
    ck_assert(sat);
    ck_assert_uint_eq(slv->depth, 0);
    nsg_addrset_release(&set);
    nsg_sim_free(sim);
    nsg_topo_free(t);
}
END_TEST

static Suite *solver_suite(void)
{
    Suite *s = suite_create("solver");
    TCase *tc = tcase_create("encoding");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_addrset_terms);
    tcase_add_test(tc, test_port_terms);
    tcase_add_test(tc, test_rule_match_semantics);
    tcase_add_test(tc, test_unknown_tag_is_input_error);
    tcase_add_test(tc, test_decide_check_replay);
    tcase_add_test(tc, test_timeout_is_unknown);
    tcase_add_test(tc, test_lint_findings);
    tcase_add_test(tc, test_z3_error_is_sticky);
    tcase_add_test(tc, test_caches_keep_top_level_terms);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(solver_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
