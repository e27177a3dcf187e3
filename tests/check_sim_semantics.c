/* check_sim_semantics.c - the simulator against points of Azure's NSG
 * documentation that are easy to get wrong: ICMPv6 and Icmp rules, public
 * and IPv6 virtual network space versus Internet, peering states, one NSG
 * on both levels, and intra-subnet traffic (docs/check.md "Semantics
 * notes" names the pages). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../sim/sim.h"
#include "lib/topo_build.h"

static struct nsg_topology *T;
static struct nsg_vnet *V;
static struct nsg_subnet *SUB;
static struct nsg_sim *S;

/* vnet "dual": 10.0.0.0/16, public 20.50.0.0/16 and 2001:db8:aa::/48,
 * peerings Connected (10.1/16), Disconnected (10.5/16), Initiated
 * (2001:db8:bb::/48). */
static void setup(void)
{
    T = nsg_topo_new();
    V = tb_vnet(T, "dual", "10.0.0.0/16,20.50.0.0/16,2001:db8:aa::/48");
    tb_peering(V, "10.1.0.0/16", "Connected", true);
    tb_peering(V, "10.5.0.0/16", "Disconnected", true);
    tb_peering(V, "2001:db8:bb::/48", "Initiated", true);
    SUB = tb_subnet(T, V, "s", "10.0.1.0/24", NULL);
    S = NULL;
}

static void teardown(void)
{
    nsg_sim_free(S);
    nsg_topo_free(T);
}

static void resim(void)
{
    nsg_sim_free(S);
    tb_link(T);
    S = nsg_sim_new(T);
}

/* "Decision:rule" of one NSG in the vnet's context. */
static const char *ev(struct nsg_nsg *n, struct nsg_packet p)
{
    static char out[128];
    struct nsg_verdict v;
    struct nsg_err err = NSG_ERR_INIT;
    resim();
    ck_assert_msg(nsg_sim_eval_nsg(S, n, V, &p, &v, &err) == 0, "%s", err.msg);
    snprintf(out, sizeof(out), "%s:%s", nsg_decision_name(v.decision),
             v.levels[0].m.rule ? v.levels[0].m.rule->rule->name : "-");
    return out;
}

/* "Decision@deciding level:nsg:rule ..." through a NIC. */
static const char *ev_nic(struct nsg_nic *nic, struct nsg_packet p)
{
    static char out[512];
    struct nsg_verdict v;
    struct nsg_err err = NSG_ERR_INIT;
    size_t k;
    resim();
    ck_assert_msg(nsg_sim_eval_nic(S, nic, &p, &v, &err) == 0, "%s", err.msg);
    k = (size_t)snprintf(out, sizeof(out), "%s@%d",
                         nsg_decision_name(v.decision), v.deciding);
    for (size_t i = 0; i < v.n_levels && k < sizeof(out); i++)
        k += (size_t)snprintf(out + k, sizeof(out) - k, " %s:%s:%s",
                              v.levels[i].level,
                              v.levels[i].nsg ? v.levels[i].nsg->name : "-",
                              v.levels[i].m.rule
                                  ? v.levels[i].m.rule->rule->name
                                  : "-");
    return out;
}
#define EVQ(want, n, ...) ck_assert_str_eq(ev(n, tb_packet(__VA_ARGS__)), want)

/* An Icmp rule is ICMP (1) only; ICMPv6 (58) is matched by protocol "*"
 * rules without ports and by Icmpv6 rules (newer API versions). */
START_TEST(test_icmpv6)
{
    struct nsg_nsg *n = tb_nsg(T, "n");
    tb_rule(n, "AllowIcmp6", 100, "in", "allow", "Icmp", "*", "*",
            "2001:db8:aa::/48", "*");
    tb_rule(n, "AllowIcmp4", 110, "in", "allow", "Icmp", "*", "*", "*", "*");
    const char *a = "2001:db8:ff::1", *b = "2001:db8:aa::4";
    EVQ("Deny:DenyAllInBound", n, "in", "58", a, 0, b, 0);
    EVQ("Allow:AllowIcmp4", n, "in", "icmp", "203.0.113.1", 0, "10.0.1.4", 0);
    struct nsg_nsg *m = tb_nsg(T, "m");
    tb_rule(m, "AllowAny", 100, "in", "allow", "*", "*", "*",
            "2001:db8:aa::/48", "443");
    /* "*" with a port narrower than 0-65535 takes TCP and UDP only */
    EVQ("Deny:DenyAllInBound", m, "in", "58", a, 0, b, 0);
    EVQ("Allow:AllowAny", m, "in", "tcp", a, 1, b, 443);
    EVQ("Deny:DenyAllInBound", m, "in", "tcp", a, 1, b, 22);
    struct nsg_nsg *k = tb_nsg(T, "k");
    tb_rule(k, "AllowIcmpv6", 100, "in", "allow", "Icmpv6", "*", "*",
            "2001:db8:aa::/48", "*");
    EVQ("Allow:AllowIcmpv6", k, "in", "58", a, 0, b, 0);
    EVQ("Deny:DenyAllInBound", k, "in", "icmp", a, 0, b, 0);
}
END_TEST

/* VirtualNetwork holds every prefix of the address space, public and IPv6
 * ones included, and Internet is the routable space outside it. */
START_TEST(test_vnet_space_not_internet)
{
    struct nsg_nsg *n = tb_nsg(T, "n");
    tb_rule(n, "DenyInternet", 100, "out", "deny", "*", "*", "*", "Internet",
            "*");
    const char *from = "10.0.1.4";
    EVQ("Allow:AllowVnetOutBound", n, "out", "tcp", from, 1, "20.50.3.4", 443);
    EVQ("Deny:DenyInternet", n, "out", "tcp", from, 1, "20.51.3.4", 443);
    EVQ("Allow:AllowVnetOutBound", n, "out", "tcp", "2001:db8:aa::4", 1,
        "2001:db8:aa::5", 443);
    EVQ("Deny:DenyInternet", n, "out", "tcp", "2001:db8:aa::4", 1,
        "2001:db8:cc::5", 443);
}
END_TEST

/* Only Connected peerings (with virtual network access) widen
 * VirtualNetwork; Initiated and Disconnected ones do not. */
START_TEST(test_peering_states)
{
    struct nsg_nsg *n = tb_nsg(T, "n");
    const char *to = "10.0.1.4";
    EVQ("Allow:AllowVnetInBound", n, "in", "tcp", "10.1.0.9", 1, to, 22);
    EVQ("Deny:DenyAllInBound", n, "in", "tcp", "10.5.0.9", 1, to, 22);
    EVQ("Deny:DenyAllInBound", n, "in", "tcp", "2001:db8:bb::9", 1,
        "2001:db8:aa::4", 22);
}
END_TEST

/* The same NSG on the subnet and on the NIC is evaluated at both levels,
 * in Azure's order, and both must allow. */
START_TEST(test_same_nsg_both_levels)
{
    struct nsg_nsg *n = tb_nsg(T, "both");
    tb_rule(n, "AllowHttps", 100, "in", "allow", "Tcp", "*", "*", "*", "443");
    struct nsg_subnet *s = tb_subnet(T, V, "b", "10.0.2.0/24", n);
    struct nsg_nic *nic = tb_nic(T, "b1", s, "10.0.2.4", "", n);
    ck_assert_str_eq(
        ev_nic(nic, tb_packet("in", "tcp", "203.0.113.1", 1, "10.0.2.4", 443)),
        "Allow@1 subnet:both:AllowHttps nic:both:AllowHttps");
    ck_assert_str_eq(
        ev_nic(nic, tb_packet("in", "tcp", "203.0.113.1", 1, "10.0.2.4", 22)),
        "Deny@0 subnet:both:DenyAllInBound");
    ck_assert_str_eq(
        ev_nic(nic, tb_packet("out", "udp", "10.0.2.4", 1, "203.0.113.1", 53)),
        "Allow@1 nic:both:AllowInternetOutBound "
        "subnet:both:AllowInternetOutBound");
}
END_TEST

/* Intra-subnet traffic passes the subnet NSG too ("This includes
 * intra-subnet traffic as well"): a subnet rule denying the vnet inbound
 * cuts two VMs of that subnet off from each other, whatever the NIC NSG
 * says; outbound leaves through the NIC NSG first, then the subnet's. */
START_TEST(test_intra_subnet)
{
    struct nsg_nsg *sn = tb_nsg(T, "sub");
    struct nsg_nsg *nn = tb_nsg(T, "nic");
    tb_rule(sn, "DenyVnetIn", 100, "in", "deny", "*", "VirtualNetwork", "*",
            "VirtualNetwork", "*");
    tb_rule(nn, "AllowAllIn", 100, "in", "allow", "*", "*", "*", "*", "*");
    tb_rule(nn, "DenySmbOut", 100, "out", "deny", "Tcp", "*", "*", "*", "445");
    struct nsg_subnet *s = tb_subnet(T, V, "i", "10.0.3.0/24", sn);
    struct nsg_nic *a = tb_nic(T, "i1", s, "10.0.3.4", "", nn);
    struct nsg_nic *b = tb_nic(T, "i2", s, "10.0.3.5", "", nn);
    ck_assert_str_eq(
        ev_nic(b, tb_packet("in", "tcp", "10.0.3.4", 1, "10.0.3.5", 80)),
        "Deny@0 subnet:sub:DenyVnetIn");
    ck_assert_str_eq(
        ev_nic(a, tb_packet("out", "tcp", "10.0.3.4", 1, "10.0.3.5", 445)),
        "Deny@0 nic:nic:DenySmbOut");
    ck_assert_str_eq(
        ev_nic(a, tb_packet("out", "tcp", "10.0.3.4", 1, "10.0.3.5", 80)),
        "Allow@1 nic:nic:AllowVnetOutBound subnet:sub:AllowVnetOutBound");
}
END_TEST

static Suite *semantics_suite(void)
{
    Suite *s = suite_create("sim_semantics");
    TCase *tc = tcase_create("azure");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_icmpv6);
    tcase_add_test(tc, test_vnet_space_not_internet);
    tcase_add_test(tc, test_peering_states);
    tcase_add_test(tc, test_same_nsg_both_levels);
    tcase_add_test(tc, test_intra_subnet);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(semantics_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
