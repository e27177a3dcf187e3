/* check_fidelity.c - golden scenarios for what Azure does around and
 * beyond the NSG text (docs/semantics.md), each answer worked out by hand
 * from the cited documentation and checked against both the simulator
 * (nsg_sim_eval_nic) and the solver's formula for the same NIC:
 *  1. platform traffic (DHCP, DNS, wireserver, IMDS, KMS) and its tags;
 *  2. protocol "*" with ports;
 *  3. the Internet tag, with and without Azure's own expansion;
 *  4. Icmpv6;
 *  5. private endpoints and what the virtual network drops. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../solver/solver.h"
#include "lib/topo_build.h"

static struct nsg_topology *T;
static struct nsg_vnet *V;

/* vnet "v": 10.0.0.0/16 and 2001:db8:aa::/48, a Connected peering to
 * 10.1.0.0/16 (VirtualNetwork grows, Internet does not shrink). */
static void setup(void)
{
    T = nsg_topo_new();
    V = tb_vnet(T, "v", "10.0.0.0/16,2001:db8:aa::/48");
    tb_peering(V, "10.1.0.0/16", "Connected", true);
}

static void teardown(void)
{
    nsg_topo_free(T);
}

/* "Decision[/platform class]@level:rule..." through a NIC, after checking
 * that the solver's formula for the NIC gives the same decision. */
static const char *ev(struct nsg_nic *nic, struct nsg_packet p)
{
    static char out[512];
    struct nsg_verdict v;
    struct nsg_err err = NSG_ERR_INIT;
    tb_link(T);
    struct nsg_sim *sim = nsg_sim_new(T);
    struct nsg_slv *slv = nsg_slv_new(20000);
    struct nsg_slv_nic d;
    uint64_t allow;
    size_t k;
    ck_assert_msg(nsg_sim_eval_nic(sim, nic, &p, &v, &err) == 0, "%s", err.msg);
    ck_assert_msg(nsg_slv_decide_nic(slv, sim, T, nic, &d, &err) == 0, "%s",
                  err.msg);
    ck_assert_int_eq(nsg_slv_eval(slv, &p, d.allow, &allow, &err), 0);
    ck_assert_int_eq(allow, v.decision == NSG_DEC_ALLOW);
    k = (size_t)snprintf(out, sizeof(out), "%s%s%s",
                         nsg_decision_name(v.decision), v.platform ? "/" : "",
                         v.platform ? nsg_platform_name(v.platform) : "");
    for (size_t i = 0; i < v.n_levels && k < sizeof(out); i++)
        k += (size_t)snprintf(out + k, sizeof(out) - k, " %s:%s",
                              v.levels[i].level,
                              v.levels[i].m.rule
                                  ? v.levels[i].m.rule->rule->name
                                  : v.levels[i].nsg ? "-" : "none");
    nsg_slv_free(slv);
    nsg_sim_free(sim);
    return out;
}
#define EVQ(want, nic, ...) ck_assert_str_eq(ev(nic, tb_packet(__VA_ARGS__)), want)

/* A NIC at 10.0.1.4 in a subnet whose NSG denies all outbound traffic
 * before the default rules. */
static struct nsg_nic *locked_down(struct nsg_nsg **out)
{
    struct nsg_nsg *n = tb_nsg(T, "locked");
    tb_rule(n, "DenyAllOut", 4000, "out", "deny", "*", "*", "*", "*", "*");
    struct nsg_subnet *s = tb_subnet(T, V, "s1", "10.0.1.0/24", n);
    if (out)
        *out = n;
    return tb_nic(T, "vm1", s, "10.0.1.4", "", NULL);
}

/* 1. NSG overview, "Azure platform considerations": DHCP, DNS, IMDS and
 * the VM agent "aren't subject to the configured network security groups
 * unless targeted by service tags specific to each service". */
START_TEST(test_platform_exempt)
{
    struct nsg_nsg *n;
    struct nsg_nic *nic = locked_down(&n);
    const char *me = "10.0.1.4";
    /* a deny-all outbound NSG does not stop them */
    EVQ("Allow/dns", nic, "out", "udp", me, 50000, "168.63.129.16", 53);
    EVQ("Allow/dns", nic, "out", "tcp", me, 50000, "168.63.129.16", 53);
    EVQ("Allow/wireserver", nic, "out", "tcp", me, 50000, "168.63.129.16", 80);
    EVQ("Allow/wireserver", nic, "out", "tcp", me, 50000, "168.63.129.16",
        32526);
    EVQ("Allow/imds", nic, "out", "tcp", me, 50000, "169.254.169.254", 80);
    EVQ("Allow/dhcp", nic, "out", "udp", "0.0.0.0", 68, "255.255.255.255", 67);
    EVQ("Allow/kms", nic, "out", "tcp", me, 50000, "23.102.135.246", 1688);
    /* anything else to the same addresses is ordinary traffic */
    EVQ("Deny nic:none subnet:DenyAllOut", nic, "out", "tcp", me, 50000,
        "168.63.129.16", 443);
    EVQ("Deny nic:none subnet:DenyAllOut", nic, "out", "udp", me, 50000,
        "169.254.169.254", 80);
    /* health probes come in from 168.63.129.16: filtered by the NSG (the
     * default rules let them in: 168.63.129.16 is in VirtualNetwork) */
    EVQ("Allow subnet:AllowVnetInBound nic:none", nic, "in", "tcp",
        "168.63.129.16", 50000, me, 8080);
    tb_rule(n, "DenyAllIn", 4000, "in", "deny", "*", "*", "*", "*", "*");
    EVQ("Deny subnet:DenyAllIn", nic, "in", "tcp", "168.63.129.16", 50000, me,
        8080);
}
END_TEST

/* 1. "To override this basic infrastructure communication, you can create
 * a security rule to deny traffic by using the following service tags":
 * only rules naming the class's tag are considered, in priority order. */
START_TEST(test_platform_tags_override)
{
    struct nsg_nsg *n;
    struct nsg_nic *nic = locked_down(&n);
    const char *me = "10.0.1.4";
    tb_rule(n, "DenyDns", 200, "out", "deny", "*", "*", "*",
            "AzurePlatformDNS", "*");
    tb_rule(n, "AllowDnsTcp", 100, "out", "allow", "Tcp", "*", "*",
            "AzurePlatformDNS", "53");
    tb_rule(n, "DenyImds", 300, "out", "deny", "Tcp", "*", "*",
            "AzurePlatformIMDS", "80");
    tb_rule(n, "DenyKms", 310, "out", "deny", "*", "*", "*", "AzurePlatformLKM",
            "*");
    EVQ("Deny nic:none subnet:DenyDns", nic, "out", "udp", me, 50000, "168.63.129.16",
        53);
    EVQ("Allow nic:none subnet:AllowDnsTcp", nic, "out", "tcp", me, 50000,
        "168.63.129.16", 53);
    EVQ("Deny nic:none subnet:DenyImds", nic, "out", "tcp", me, 50000,
        "169.254.169.254", 80);
    EVQ("Deny nic:none subnet:DenyKms", nic, "out", "tcp", me, 50000, "20.118.99.224",
        1688);
    /* DHCP and wireserver have no tag: nothing overrides them */
    EVQ("Allow/dhcp", nic, "out", "udp", me, 68, "168.63.129.16", 67);
    EVQ("Allow/wireserver", nic, "out", "tcp", me, 50000, "168.63.129.16", 80);
    /* the tags resolve built in: a rule naming one is not "unknown" */
    tb_rule(n, "NoWireDns", 120, "out", "deny", "Udp", "*", "*",
            "AzurePlatformDNS", "*");
    EVQ("Deny nic:none subnet:NoWireDns", nic, "out", "udp", me, 50000,
        "168.63.129.16", 53);
}
END_TEST

/* 1. "For deployments using default route 0.0.0.0/0 configuration, this
 * platform rule is disabled": KMS traffic is then ordinary traffic. */
START_TEST(test_kms_default_route)
{
    struct nsg_nsg *n;
    struct nsg_nic *nic = locked_down(&n);
    struct nsg_subnet *s =
        nsg_topo_get(T, NSG_RES_SUBNET, nic->ipconfigs[0].subnet_id);
    tb_route_table(T, "rt", "0.0.0.0/0", s);
    EVQ("Deny nic:none subnet:DenyAllOut", nic, "out", "tcp", "10.0.1.4", 50000,
        "40.83.235.53", 1688);
    /* DNS is unaffected by the route */
    EVQ("Allow/dns", nic, "out", "udp", "10.0.1.4", 50000, "168.63.129.16", 53);
}
END_TEST

/* 2. "*" with a port range narrower than 0-65535 matches TCP and UDP only
 * (field reports: a "*" rule on port 9000 did not admit ICMP). */
START_TEST(test_any_with_ports)
{
    struct nsg_nsg *n = tb_nsg(T, "n");
    tb_rule(n, "AllowAny9000", 100, "in", "allow", "*", "*", "*", "*", "9000");
    tb_rule(n, "AllowAnyAllPorts", 200, "in", "allow", "*", "203.0.113.0/24",
            "*", "*", "0-65535");
    struct nsg_subnet *s = tb_subnet(T, V, "s2", "10.0.2.0/24", n);
    struct nsg_nic *nic = tb_nic(T, "vm2", s, "10.0.2.4", "", NULL);
    EVQ("Allow subnet:AllowAny9000 nic:none", nic, "in", "tcp", "198.51.100.1",
        1, "10.0.2.4", 9000);
    EVQ("Allow subnet:AllowAny9000 nic:none", nic, "in", "udp", "198.51.100.1",
        1, "10.0.2.4", 9000);
    EVQ("Deny subnet:DenyAllInBound", nic, "in", "icmp", "198.51.100.1", 0,
        "10.0.2.4", 0);
    /* 0-65535 is every port: ICMP matches */
    EVQ("Allow subnet:AllowAnyAllPorts nic:none", nic, "in", "icmp",
        "203.0.113.9", 0, "10.0.2.4", 0);
}
END_TEST

/* 3. Internet = "the IP address space that's outside the virtual network
 * and reachable by the public internet": the VNet's own space only is
 * subtracted; a 0.0.0.0/0 route no longer empties it. */
START_TEST(test_internet_tag)
{
    struct nsg_nsg *n = tb_nsg(T, "n");
    tb_rule(n, "DenyInternetOut", 100, "out", "deny", "*", "*", "*",
            "Internet", "*");
    struct nsg_subnet *s = tb_subnet(T, V, "s3", "10.0.3.0/24", n);
    tb_route_table(T, "rt3", "0.0.0.0/0", s);
    struct nsg_nic *nic = tb_nic(T, "vm3", s, "10.0.3.4", "", NULL);
    const char *me = "10.0.3.4";
    EVQ("Deny nic:none subnet:DenyInternetOut", nic, "out", "tcp", me, 1,
        "203.0.113.5", 443);
    /* 168.0.0.0/8 is Internet, 168.63.129.16 included */
    EVQ("Deny nic:none subnet:DenyInternetOut", nic, "out", "tcp", me, 1,
        "168.63.129.16", 443);
    /* the peered space is private (10/8): never Internet */
    EVQ("Allow nic:none subnet:AllowVnetOutBound", nic, "out", "tcp", me, 1,
        "10.1.0.9", 443);
    /* the non-internet table: 25/8, 192.0.2.0/24, 198.18/15 */
    /* 25/8 is not Internet (the table); the 0/0 route puts it in
     * VirtualNetwork, so AllowVnetOutBound takes it */
    EVQ("Allow nic:none subnet:AllowVnetOutBound", nic, "out", "tcp", me, 1,
        "25.4.4.4", 443);
    EVQ("Deny nic:none subnet:DenyInternetOut", nic, "out", "tcp",
        "2001:db8:aa::4", 1, "2001:db8:cc::1", 443);
}
END_TEST

/* 3. Azure's own expansion of a NIC's tags (effective security rules)
 * replaces the built-in one for that NIC. */
START_TEST(test_internet_expansion)
{
    struct nsg_nsg *n = tb_nsg(T, "n");
    tb_rule(n, "AllowWebFromInternet", 100, "in", "allow", "Tcp", "Internet",
            "*", "*", "443");
    struct nsg_subnet *s = tb_subnet(T, V, "s4", "10.0.4.0/24", n);
    struct nsg_nic *nic = tb_nic(T, "vm4", s, "10.0.4.4", "", NULL);
    const char *me = "10.0.4.4";
    EVQ("Allow subnet:AllowWebFromInternet nic:none", nic, "in", "tcp",
        "198.51.100.7", 1, me, 443);
    struct nsg_tag_expansion *e = nsg_xcalloc(1, sizeof(*e));
    struct nsg_cidr c;
    e->target_id = nsg_xstrdup(nic->id);
    e->id = nsg_id_child(nic->id, "effectiveTagExpansion", "current");
    e->name = nsg_xstrdup("current");
    e->n = 1;
    e->tags = nsg_xcalloc(2, sizeof(char *));
    e->tags[0] = nsg_xstrdup("Internet");
    e->sets = nsg_xcalloc(1, sizeof(*e->sets));
    ck_assert_int_eq(nsg_cidr_parse("203.0.113.0/24", &c), 0);
    nsg_addrset_add_cidr(&e->sets[0], &c);
    nsg_topo_add(T, NSG_RES_TAG_EXPANSION, e);
    EVQ("Deny subnet:DenyAllInBound", nic, "in", "tcp", "198.51.100.7", 1, me,
        443);
    EVQ("Allow subnet:AllowWebFromInternet nic:none", nic, "in", "tcp",
        "203.0.113.7", 1, me, 443);
}
END_TEST

/* 4. Icmpv6 rules (protocol 58) in newer API versions. */
START_TEST(test_icmpv6)
{
    struct nsg_nsg *n = tb_nsg(T, "n");
    tb_rule(n, "AllowIcmpv6", 100, "in", "allow", "Icmpv6", "*", "*", "*", "*");
    struct nsg_subnet *s = tb_subnet(T, V, "s5", "10.0.5.0/24", n);
    struct nsg_nic *nic = tb_nic(T, "vm5", s, "2001:db8:aa::5", "", NULL);
    EVQ("Allow subnet:AllowIcmpv6 nic:none", nic, "in", "icmpv6",
        "2001:db8:ff::1", 0, "2001:db8:aa::5", 0);
    EVQ("Deny subnet:DenyAllInBound", nic, "in", "icmp", "2001:db8:ff::1", 0,
        "2001:db8:aa::5", 0);
}
END_TEST

/* 5. "the subnet's NSG applies to a private endpoint only when
 * privateEndpointNetworkPolicies is Enabled or NetworkSecurityGroupEnabled"
 * (absent = Disabled, the default). */
START_TEST(test_private_endpoint)
{
    struct nsg_nsg *n = tb_nsg(T, "pe-nsg");
    tb_rule(n, "DenySql", 100, "in", "deny", "Tcp", "*", "*", "*", "1433");
    struct nsg_subnet *s = tb_subnet(T, V, "pe", "10.0.6.0/24", n);
    struct nsg_nic *nic = tb_nic(T, "pe-nic", s, "10.0.6.4", "", NULL);
    nic->private_endpoint_id =
        nsg_xstrdup("/subscriptions/00000000-0000-0000-0000-000000000000/"
                    "resourceGroups/rg/providers/Microsoft.Network/"
                    "privateEndpoints/pe1");
    const char *me = "10.0.6.4";
    EVQ("Allow subnet:none nic:none", nic, "in", "tcp", "10.0.1.4", 1, me,
        1433);
    s->pe_policies = nsg_xstrdup("RouteTableEnabled");
    EVQ("Allow subnet:none nic:none", nic, "in", "tcp", "10.0.1.4", 1, me,
        1433);
    free(s->pe_policies);
    s->pe_policies = nsg_xstrdup("NetworkSecurityGroupEnabled");
    EVQ("Deny subnet:DenySql", nic, "in", "tcp", "10.0.1.4", 1, me, 1433);
    free(s->pe_policies);
    s->pe_policies = nsg_xstrdup("Enabled");
    EVQ("Deny subnet:DenySql", nic, "in", "tcp", "10.0.1.4", 1, me, 1433);
}
END_TEST

/* 5. Virtual Network FAQ: multicast, broadcast, IP-in-IP and GRE packets
 * are blocked within VNets, whatever the NSGs allow; DHCP comes first. */
START_TEST(test_vnet_blocked)
{
    struct nsg_nsg *n = tb_nsg(T, "open");
    tb_rule(n, "AllowAllIn", 100, "in", "allow", "*", "*", "*", "*", "*");
    tb_rule(n, "AllowAllOut", 100, "out", "allow", "*", "*", "*", "*", "*");
    struct nsg_subnet *s = tb_subnet(T, V, "s7", "10.0.7.0/24", n);
    struct nsg_nic *nic = tb_nic(T, "vm7", s, "10.0.7.4", "", NULL);
    const char *me = "10.0.7.4";
    EVQ("Deny/vnet-blocked", nic, "in", "47", "203.0.113.1", 0, me, 0);
    EVQ("Deny/vnet-blocked", nic, "out", "4", me, 0, "10.0.1.4", 0);
    EVQ("Deny/vnet-blocked", nic, "out", "udp", me, 5000, "224.0.0.251", 5353);
    EVQ("Deny/vnet-blocked", nic, "out", "udp", me, 5000, "255.255.255.255",
        9);
    EVQ("Deny/vnet-blocked", nic, "out", "udp", "2001:db8:aa::7", 5000,
        "ff02::1", 9);
    EVQ("Allow/dhcp", nic, "out", "udp", me, 68, "255.255.255.255", 67);
    EVQ("Allow nic:none subnet:AllowAllOut", nic, "out", "udp", me, 5000,
        "10.0.1.255", 9);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("fidelity");
    TCase *tc = tcase_create("azure");
    tcase_set_timeout(tc, 120);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_platform_exempt);
    tcase_add_test(tc, test_platform_tags_override);
    tcase_add_test(tc, test_kms_default_route);
    tcase_add_test(tc, test_any_with_ports);
    tcase_add_test(tc, test_internet_tag);
    tcase_add_test(tc, test_internet_expansion);
    tcase_add_test(tc, test_icmpv6);
    tcase_add_test(tc, test_private_endpoint);
    tcase_add_test(tc, test_vnet_blocked);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
