/* check_sim.c - unit tests of the simulator: the rule matcher (ports,
 * prefixes, IPv6, protocols), tag and ASG resolution, priority order,
 * default rules, and the two NSG levels of a NIC. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../sim/sim.h"
#include "lib/topo_build.h"

static struct nsg_topology *T;
static struct nsg_vnet *HUB, *OTHER;
static struct nsg_subnet *WEB, *APP;
static struct nsg_sim *S;

/* hub 10.0.0.0/16 (web 10.0.1.0/24, app 10.0.2.0/24) with four peerings
 * in different states and a UDR on web; other 172.20.0.0/16 not peered;
 * two service tags; NICs in ASGs. */
static void setup(void)
{
    T = nsg_topo_new();
    HUB = tb_vnet(T, "hub", "10.0.0.0/16");
    tb_peering(HUB, "10.1.0.0/16", "Connected", true);
    tb_peering(HUB, "10.2.0.0/16", "Connected", false);
    tb_peering(HUB, "10.3.0.0/16", "Initiated", true);
    tb_peering(HUB, "10.4.0.0/16", "connected", true);
    tb_peering(HUB, "2001:db8:4::/48", "Connected", true);
    WEB = tb_subnet(T, HUB, "web", "10.0.1.0/24", NULL);
    APP = tb_subnet(T, HUB, "app", "10.0.2.0/24", NULL);
    tb_route_table(T, "rt", "192.168.50.0/24,Internet", WEB);
    OTHER = tb_vnet(T, "other", "172.20.0.0/16");
    tb_subnet(T, OTHER, "default", "172.20.0.0/24", NULL);
    tb_tag(T, "Storage", "20.38.0.0/16,2603:1000::/40");
    tb_tag(T, "Storage.WestUS", "20.38.96.0/20");
    tb_asg(T, "web-asg");
    tb_asg(T, "app-asg");
    tb_nic(T, "web1", WEB, "10.0.1.4", "web-asg", NULL);
    tb_nic(T, "web2", WEB, "10.0.1.5", "", NULL);
    tb_nic(T, "app1", APP, "10.0.2.4", "app-asg,web-asg", NULL);
    S = nsg_sim_new(T);
}

static void teardown(void)
{
    nsg_sim_free(S);
    nsg_topo_free(T);
}

/* Fresh session after the topology changed (cached compilations). */
static void resim(void)
{
    nsg_sim_free(S);
    tb_link(T);
    S = nsg_sim_new(T);
}

/* Evaluate p against n in the hub context; returns "Allow:<rule>",
 * "Deny:<rule>" or "Unknown:<rule>:<tag>" in a static buffer. */
static const char *eval_in(struct nsg_nsg *n, const struct nsg_vnet *vnet,
                           struct nsg_packet p)
{
    static char out[256];
    struct nsg_verdict v;
    struct nsg_err err = NSG_ERR_INIT;
    resim();
    nsg_rc rc = nsg_sim_eval_nsg(S, n, vnet, &p, &v, &err);
    ck_assert_msg(rc == 0, "eval failed: %s", err.msg);
    const struct nsg_match *m = &v.levels[0].m;
    const char *d = m->decision == NSG_DEC_ALLOW  ? "Allow"
                    : m->decision == NSG_DEC_DENY ? "Deny"
                                                  : "Unknown";
    if (v.platform) { /* the platform stage decided: no level */
        snprintf(out, sizeof(out), "%s:platform-%s",
                 v.decision == NSG_DEC_ALLOW ? "Allow" : "Deny",
                 nsg_platform_name(v.platform));
        return out;
    }
    snprintf(out, sizeof(out), "%s:%s%s%s", d,
             m->rule ? m->rule->rule->name : "-",
             m->unknown_tag ? ":" : "", m->unknown_tag ? m->unknown_tag : "");
    return out;
}
#define EV(n, ...) eval_in(n, HUB, tb_packet(__VA_ARGS__))
#define EVQ(want, n, ...) ck_assert_str_eq(EV(n, __VA_ARGS__), want)

START_TEST(test_port_edges)
{
    struct nsg_nsg *n = tb_nsg(T, "n");
    tb_rule(n, "range", 100, "in", "allow", "Tcp", "*", "*", "*", "1000-2000");
    tb_rule(n, "zero", 110, "in", "allow", "Udp", "*", "*", "*", "0");
    tb_rule(n, "top", 120, "in", "allow", "Udp", "*", "*", "*", "65535");
    tb_rule(n, "sport", 130, "in", "allow", "Tcp", "*", "53", "*", "*");
    EVQ("Deny:DenyAllInBound", n, "in", "tcp", "203.0.113.1", 5, "10.0.1.4", 999);
    EVQ("Allow:range", n, "in", "tcp", "203.0.113.1", 5, "10.0.1.4", 1000);
    EVQ("Allow:range", n, "in", "tcp", "203.0.113.1", 5, "10.0.1.4", 2000);
    EVQ("Deny:DenyAllInBound", n, "in", "tcp", "203.0.113.1", 5, "10.0.1.4", 2001);
    EVQ("Allow:zero", n, "in", "udp", "203.0.113.1", 5, "10.0.1.4", 0);
    EVQ("Deny:DenyAllInBound", n, "in", "udp", "203.0.113.1", 5, "10.0.1.4", 1);
    EVQ("Allow:top", n, "in", "udp", "203.0.113.1", 5, "10.0.1.4", 65535);
    EVQ("Deny:DenyAllInBound", n, "in", "udp", "203.0.113.1", 5, "10.0.1.4", 65534);
    EVQ("Allow:sport", n, "in", "tcp", "203.0.113.1", 53, "10.0.1.4", 7);
    EVQ("Deny:DenyAllInBound", n, "in", "tcp", "203.0.113.1", 54, "10.0.1.4", 7);
}
END_TEST

START_TEST(test_prefix_lengths)
{
    struct nsg_nsg *n = tb_nsg(T, "n");
    tb_rule(n, "host32", 100, "in", "deny", "*", "198.51.100.7/32", "*", "*", "*");
    tb_rule(n, "host128", 110, "in", "deny", "*", "2001:db8::7/128", "*", "*", "*");
    tb_rule(n, "all4", 120, "in", "allow", "*", "0.0.0.0/0", "*", "*", "*");
    tb_rule(n, "all6", 130, "in", "allow", "*", "::/0", "*", "*", "*");
    EVQ("Deny:host32", n, "in", "tcp", "198.51.100.7", 1, "10.0.1.4", 80);
    EVQ("Allow:all4", n, "in", "tcp", "198.51.100.6", 1, "10.0.1.4", 80);
    EVQ("Allow:all4", n, "in", "tcp", "198.51.100.8", 1, "10.0.1.4", 80);
    EVQ("Allow:all4", n, "in", "tcp", "255.255.255.255", 1, "0.0.0.0", 80);
    EVQ("Deny:host128", n, "in", "tcp", "2001:db8::7", 1, "2001:db8::1", 80);
    EVQ("Allow:all6", n, "in", "tcp", "2001:db8::8", 1, "2001:db8::1", 80);
    EVQ("Allow:all6", n, "in", "udp", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
        1, "::", 80);
}
END_TEST

START_TEST(test_ipv6_prefixes)
{
    struct nsg_nsg *n = tb_nsg(T, "n");
    tb_rule(n, "v6", 100, "in", "allow", "Tcp", "2001:db8:aa::/48", "*",
            "2001:db8:1::/64", "443");
    EVQ("Allow:v6", n, "in", "tcp", "2001:db8:aa:ffff::1", 9, "2001:db8:1::4", 443);
    EVQ("Deny:DenyAllInBound", n, "in", "tcp", "2001:db8:ab::1", 9, "2001:db8:1::4", 443);
    EVQ("Deny:DenyAllInBound", n, "in", "tcp", "2001:db8:aa::1", 9, "2001:db8:2::4", 443);
    /* an IPv4 packet never matches an IPv6 rule */
    EVQ("Deny:DenyAllInBound", n, "in", "tcp", "32.1.13.184", 9, "10.0.1.4", 443);
}
END_TEST

START_TEST(test_virtual_network_tag)
{
    struct nsg_nsg *n = tb_nsg(T, "n"); /* default rules only */
    const char *to = "10.0.1.4";
    EVQ("Allow:AllowVnetInBound", n, "in", "tcp", "10.0.9.9", 1, to, 22);
    EVQ("Allow:AllowVnetInBound", n, "in", "tcp", "10.1.5.5", 1, to, 22);
    /* peering without virtual network access, or not connected */
    EVQ("Deny:DenyAllInBound", n, "in", "tcp", "10.2.5.5", 1, to, 22);
    EVQ("Deny:DenyAllInBound", n, "in", "tcp", "10.3.5.5", 1, to, 22);
    /* peering state compared case-insensitively */
    EVQ("Allow:AllowVnetInBound", n, "in", "tcp", "10.4.5.5", 1, to, 22);
    EVQ("Allow:AllowVnetInBound", n, "in", "tcp", "2001:db8:4::9", 1,
        "2001:db8:4::1", 22);
    /* UDR prefix on a subnet of the vnet; the tag route is skipped */
    EVQ("Allow:AllowVnetInBound", n, "in", "tcp", "192.168.50.7", 1, to, 22);
    EVQ("Deny:DenyAllInBound", n, "in", "tcp", "192.168.51.7", 1, to, 22);
    /* the host's virtual IP is in VirtualNetwork */
    EVQ("Allow:AllowVnetInBound", n, "in", "tcp", "168.63.129.16", 1, to, 22);
    /* a vnet that is not peered */
    EVQ("Deny:DenyAllInBound", n, "in", "tcp", "172.20.0.5", 1, to, 22);
    /* in the other vnet's context, its own space is VirtualNetwork */
    ck_assert_str_eq(eval_in(n, OTHER, tb_packet("in", "tcp", "172.20.0.5", 1,
                                                 "172.20.0.4", 22)),
                     "Allow:AllowVnetInBound");
    ck_assert_str_eq(eval_in(n, OTHER, tb_packet("in", "tcp", "10.0.0.5", 1,
                                                 "172.20.0.4", 22)),
                     "Deny:DenyAllInBound");
    /* no vnet context: only 168.63.129.16 */
    ck_assert_str_eq(eval_in(n, NULL, tb_packet("in", "tcp", "10.0.0.5", 1,
                                                "10.0.0.4", 22)),
                     "Deny:DenyAllInBound");
}
END_TEST

START_TEST(test_load_balancer_tag)
{
    struct nsg_nsg *n = tb_nsg(T, "n");
    tb_rule(n, "NoVnet", 100, "in", "deny", "*", "VirtualNetwork", "*", "*", "*");
    /* 168.63.129.16 is VirtualNetwork too: the deny takes it first */
    EVQ("Deny:NoVnet", n, "in", "tcp", "168.63.129.16", 1, "10.0.1.4", 80);
    EVQ("Allow:AllowAzureLoadBalancerInBound", n, "in", "tcp",
        "fe80::1234:5678:9abc", 1, "2001:db8::4", 80);
    EVQ("Deny:DenyAllInBound", n, "in", "tcp", "fe80::1234:5678:9abd", 1,
        "2001:db8::4", 80);
    struct nsg_nsg *m = tb_nsg(T, "m");
    tb_rule(m, "Probe", 100, "in", "allow", "Tcp", "AzureLoadBalancer", "*", "*",
            "8080");
    tb_rule(m, "DenyAll", 200, "in", "deny", "*", "*", "*", "*", "*");
    EVQ("Allow:Probe", m, "in", "tcp", "168.63.129.16", 1, "10.0.1.4", 8080);
    EVQ("Deny:DenyAll", m, "in", "tcp", "168.63.129.17", 1, "10.0.1.4", 8080);
    EVQ("Deny:DenyAll", m, "in", "tcp", "168.63.129.16", 1, "10.0.1.4", 8081);
}
END_TEST

START_TEST(test_internet_tag)
{
    struct nsg_nsg *n = tb_nsg(T, "n");
    const char *from = "10.0.1.4";
    EVQ("Allow:AllowInternetOutBound", n, "out", "tcp", from, 1, "203.0.113.5", 443);
    EVQ("Allow:AllowInternetOutBound", n, "out", "tcp", from, 1, "198.51.100.5", 443);
    EVQ("Allow:AllowInternetOutBound", n, "out", "tcp", "2001:db8:4::1", 1,
        "2001:db8::1", 443);
    /* the published expansion's non-internet table (docs/semantics.md T3) */
    static const char *const priv[] = {"10.99.0.1",    "100.64.0.1",
                                       "127.0.0.1",    "169.254.169.254",
                                       "172.16.0.1",   "172.31.255.255",
                                       "192.168.1.1",  "240.0.0.1",
                                       "0.1.2.3",      "25.1.2.3",
                                       "192.0.2.7",    "198.18.0.1",
                                       "198.19.255.1", "fd00::1",
                                       "fe80::1",      "::1"};
    for (size_t i = 0; i < sizeof(priv) / sizeof(*priv); i++)
        EVQ("Deny:DenyAllOutBound", n, "out", "tcp", strchr(priv[i], ':') ?
            "2001:db8:4::1" : from, 1, priv[i], 443);
    /* multicast is dropped by the virtual network before any NSG */
    EVQ("Deny:platform-vnet-blocked", n, "out", "tcp", from, 1, "224.0.0.5",
        443);
    /* Internet minus the VNet's own space only: peered space, UDR prefixes
     * and 168.63.129.16 are in VirtualNetwork (so AllowVnetOutBound takes
     * them first) but also in Internet (a Deny Internet rule takes them) */
    struct nsg_nsg *m = tb_nsg(T, "m");
    tb_rule(m, "NoInternet", 100, "out", "deny", "*", "*", "*", "Internet", "*");
    EVQ("Deny:NoInternet", m, "out", "tcp", from, 1, "203.0.113.5", 443);
    EVQ("Allow:AllowVnetOutBound", m, "out", "tcp", from, 1, "10.1.0.5", 443);
    EVQ("Allow:AllowVnetOutBound", m, "out", "tcp", from, 1, "192.168.50.1", 443);
    EVQ("Deny:NoInternet", m, "out", "tcp", from, 1, "168.63.129.16", 443);
    EVQ("Allow:AllowVnetOutBound", n, "out", "tcp", from, 1, "168.63.129.16",
        443);
    /* DNS to 168.63.129.16 is platform traffic: the Deny Internet rule does
     * not name AzurePlatformDNS, so it does not apply */
    EVQ("Allow:platform-dns", m, "out", "tcp", from, 1, "168.63.129.16", 53);
    EVQ("Deny:DenyAllOutBound", m, "out", "tcp", from, 1, "172.20.0.1", 443);
}
END_TEST

START_TEST(test_service_tags)
{
    struct nsg_nsg *n = tb_nsg(T, "n");
    tb_rule(n, "West", 100, "out", "deny", "Tcp", "*", "*", "storage.westus", "443");
    tb_rule(n, "Storage", 110, "out", "allow", "Tcp", "*", "*", "Storage", "443");
    tb_rule(n, "NoInternet", 120, "out", "deny", "*", "*", "*", "Internet", "*");
    const char *from = "10.0.1.4";
    EVQ("Deny:West", n, "out", "tcp", from, 1, "20.38.97.1", 443);
    EVQ("Allow:Storage", n, "out", "tcp", from, 1, "20.38.1.1", 443);
    EVQ("Allow:Storage", n, "out", "tcp", "2001:db8:4::1", 1, "2603:1000::5", 443);
    EVQ("Deny:NoInternet", n, "out", "tcp", from, 1, "20.39.0.1", 443);
    EVQ("Deny:NoInternet", n, "out", "tcp", from, 1, "20.38.1.1", 80);

    struct nsg_ctx ctx;
    struct nsg_addrset s = NSG_ADDRSET_INIT;
    struct nsg_err err = NSG_ERR_INIT;
    struct nsg_ip ip;
    ck_assert_int_eq(nsg_ctx_init(&ctx, T, HUB, &err), 0);
    ck_assert_int_eq(nsg_ctx_resolve_tag(&ctx, "STORAGE", &s, &err), 0);
    ck_assert_int_eq(nsg_ip_parse("20.38.255.255", &ip), 0);
    ck_assert(nsg_addrset_contains(&s, &ip));
    ck_assert_int_eq(nsg_ctx_resolve_tag(&ctx, "Foo", &s, &err),
                     NSG_E_NOTFOUND);
    ck_assert_ptr_nonnull(strstr(err.msg, "'Foo'"));
    ck_assert_ptr_nonnull(strstr(err.msg, "ServiceTags_Public"));
    nsg_addrset_release(&s);
    nsg_ctx_release(&ctx);
}
END_TEST

START_TEST(test_unknown_tag)
{
    struct nsg_nsg *n = tb_nsg(T, "n");
    tb_rule(n, "FrontDoor", 100, "in", "allow", "Tcp", "AzureFrontDoor.Backend",
            "*", "*", "443");
    tb_rule(n, "Mixed", 110, "in", "deny", "Tcp", "10.9.0.0/16,FooTag", "*", "*",
            "*");
    EVQ("Unknown:FrontDoor:AzureFrontDoor.Backend", n, "in", "tcp",
        "203.0.113.1", 1, "10.0.1.4", 443);
    /* another port: the rule cannot match, whatever the tag holds */
    EVQ("Unknown:Mixed:FooTag", n, "in", "tcp", "203.0.113.1", 1, "10.0.1.4", 80);
    /* in the resolved part of the side: decided */
    EVQ("Deny:Mixed", n, "in", "tcp", "10.9.1.1", 1, "10.0.1.4", 80);
    EVQ("Allow:AllowVnetInBound", n, "in", "udp", "10.0.9.9", 1, "10.0.1.4", 80);

    const struct nsg_cnsg *c;
    struct nsg_err err = NSG_ERR_INIT;
    ck_assert_int_eq(nsg_sim_get(S, n, HUB, &c, &err), 0);
    ck_assert_str_eq(c->rules[NSG_DIR_IN][0].src_unknown,
                     "AzureFrontDoor.Backend");
    ck_assert_ptr_null(c->rules[NSG_DIR_IN][0].dst_unknown);
    struct nsg_packet p =
        tb_packet("in", "tcp", "203.0.113.1", 1, "10.0.1.4", 443);
    ck_assert_int_eq(nsg_crule_match(&c->rules[NSG_DIR_IN][0], &p), -1);
    p.dport = 444;
    ck_assert_int_eq(nsg_crule_match(&c->rules[NSG_DIR_IN][0], &p), 0);
}
END_TEST

START_TEST(test_asgs)
{
    struct nsg_nsg *n = tb_nsg(T, "n");
    tb_rule(n, "ToWeb", 100, "in", "allow", "Tcp", "*", "*", "asg:web-asg", "80");
    tb_rule(n, "FromApp", 110, "in", "allow", "Tcp", "asg:app-asg", "*", "*",
            "5432");
    tb_rule(n, "DenyAll", 4096, "in", "deny", "*", "*", "*", "*", "*");
    EVQ("Allow:ToWeb", n, "in", "tcp", "203.0.113.1", 1, "10.0.1.4", 80);
    EVQ("Allow:ToWeb", n, "in", "tcp", "203.0.113.1", 1, "10.0.2.4", 80);
    EVQ("Deny:DenyAll", n, "in", "tcp", "203.0.113.1", 1, "10.0.1.5", 80);
    EVQ("Allow:FromApp", n, "in", "tcp", "10.0.2.4", 1, "10.0.1.5", 5432);
    EVQ("Deny:DenyAll", n, "in", "tcp", "10.0.1.4", 1, "10.0.1.5", 5432);

    /* ASG ids compare case-insensitively; secondary ip configurations too */
    struct nsg_nic *nic = tb_nic(T, "web3", WEB, "10.0.1.6", "", NULL);
    tb_nic_ipconfig(nic, WEB, "10.0.1.7", "WEB-ASG");
    EVQ("Allow:ToWeb", n, "in", "tcp", "203.0.113.1", 1, "10.0.1.7", 80);
    EVQ("Deny:DenyAll", n, "in", "tcp", "203.0.113.1", 1, "10.0.1.6", 80);
}
END_TEST

/* An ASG that no NIC of the corpus belongs to: its NICs may be missing,
 * so a packet its rule would decide is unknown, not "no member". */
START_TEST(test_asg_without_members)
{
    tb_asg(T, "empty-asg");
    struct nsg_nsg *n = tb_nsg(T, "n");
    tb_rule(n, "ToEmpty", 100, "in", "deny", "Tcp", "*", "*", "asg:empty-asg",
            "80");
    tb_rule(n, "AllowWeb", 200, "in", "allow", "Tcp", "*", "*", "*", "80");
    ck_assert_str_eq(EV(n, "in", "tcp", "203.0.113.1", 1, "10.0.1.5", 80),
                     "Unknown:ToEmpty:/subscriptions/00000000-0000-0000-0000-"
                     "000000000000/resourceGroups/rg/providers/"
                     "Microsoft.Network/applicationSecurityGroups/empty-asg");
    /* a packet the rule cannot match is still answered */
    EVQ("Deny:DenyAllInBound", n, "in", "udp", "203.0.113.1", 1, "10.0.1.5", 80);
    struct nsg_buf why = NSG_BUF_INIT;
    nsg_ctx_unknown_hint(T, HUB, n->rules[0].dst_asgs[0], &why);
    ck_assert_msg(strstr(why.buf, "no NIC of the corpus is a member"), "%s",
                  why.buf);
    nsg_buf_release(&why);
}
END_TEST

/* A subnet whose virtual network the corpus lacks: the link step adds a
 * placeholder; VirtualNetwork and Internet are then known only in part
 * (the subnets' prefixes are certainly in it, nothing is certainly
 * Internet), and what depends on the rest is unknown. */
START_TEST(test_missing_vnet)
{
    struct nsg_topology *t = nsg_topo_new();
    struct nsg_vnet *gone = nsg_xcalloc(1, sizeof(*gone)); /* not in t */
    gone->id = tb_id("virtualNetworks", "gone");
    struct nsg_subnet *s = tb_subnet(t, gone, "lone", "10.9.1.0/24", NULL);
    nsg_vnet_free(gone);
    nsg_topo_link(t);
    struct nsg_vnet *v = nsg_topo_vnet_of_subnet(t, s);
    ck_assert_ptr_nonnull(v);
    ck_assert(!nsg_sim_vnet_known(v));
    ck_assert_str_eq(v->name, "gone");
    struct nsg_buf why = NSG_BUF_INIT;
    ck_assert(nsg_ctx_gaps(t, v, &why));
    ck_assert_msg(strstr(why.buf, "virtualNetworks/gone is not in the corpus"),
                  "%s", why.buf);
    nsg_buf_release(&why);
    struct nsg_nsg *n = tb_nsg(t, "n");
    tb_rule(n, "DenySsh", 100, "in", "deny", "Tcp", "*", "*", "*", "22");
    struct nsg_sim *sim = nsg_sim_new(t);
    struct nsg_verdict vd;
    struct nsg_packet p = tb_packet("in", "tcp", "10.9.1.5", 1, "10.9.1.4", 22);
    ck_assert_int_eq(nsg_sim_eval_nsg(sim, n, v, &p, &vd, NULL), 0);
    ck_assert_int_eq(vd.decision, NSG_DEC_DENY); /* does not need the vnet */
    p = tb_packet("in", "tcp", "10.9.1.5", 1, "10.9.1.4", 80);
    ck_assert_int_eq(nsg_sim_eval_nsg(sim, n, v, &p, &vd, NULL), 0);
    ck_assert_int_eq(vd.decision, NSG_DEC_ALLOW); /* subnet to subnet */
    p = tb_packet("in", "tcp", "10.77.0.5", 1, "10.9.1.4", 80);
    ck_assert_int_eq(nsg_sim_eval_nsg(sim, n, v, &p, &vd, NULL), 0);
    ck_assert_int_eq(vd.decision, NSG_DEC_UNKNOWN); /* in the vnet or not? */
    nsg_sim_free(sim);
    nsg_topo_free(t);
}
END_TEST

/* A route table the corpus lacks: its prefixes are part of VirtualNetwork. */
START_TEST(test_missing_route_table)
{
    struct nsg_subnet *s = tb_subnet(T, OTHER, "routed", "172.20.9.0/24", NULL);
    s->route_table_id = tb_id("routeTables", "gone-rt");
    resim();
    struct nsg_buf why = NSG_BUF_INIT;
    ck_assert(nsg_ctx_gaps(T, OTHER, &why));
    ck_assert_msg(strstr(why.buf, "route table") && strstr(why.buf, "gone-rt"),
                  "%s", why.buf);
    nsg_buf_release(&why);
    ck_assert(!nsg_ctx_gaps(T, HUB, NULL));
    struct nsg_nsg *n = tb_nsg(T, "n");
    ck_assert_str_eq(eval_in(n, OTHER, tb_packet("in", "tcp", "192.0.2.9", 1,
                                                 "172.20.9.4", 80)),
                     "Unknown:AllowVnetInBound:VirtualNetwork");
    ck_assert_str_eq(eval_in(n, OTHER, tb_packet("in", "tcp", "172.20.0.9", 1,
                                                 "172.20.9.4", 80)),
                     "Allow:AllowVnetInBound");
}
END_TEST

START_TEST(test_plural_fields)
{
    struct nsg_nsg *n = tb_nsg(T, "n");
    tb_rule(n, "Plural", 100, "in", "allow", "Tcp", "10.5.0.0/16,198.51.100.9",
            "*", "10.0.1.4,10.0.1.8/30", "22,80,8000-8100");
    EVQ("Allow:Plural", n, "in", "tcp", "10.5.3.3", 1, "10.0.1.4", 22);
    EVQ("Allow:Plural", n, "in", "tcp", "198.51.100.9", 1, "10.0.1.11", 8100);
    EVQ("Allow:Plural", n, "in", "tcp", "198.51.100.9", 1, "10.0.1.8", 80);
    EVQ("Deny:DenyAllInBound", n, "in", "tcp", "198.51.100.10", 1, "10.0.1.4", 80);
    EVQ("Deny:DenyAllInBound", n, "in", "tcp", "10.5.3.3", 1, "10.0.1.12", 80);
    EVQ("Deny:DenyAllInBound", n, "in", "tcp", "10.5.3.3", 1, "10.0.1.4", 81);
    EVQ("Deny:DenyAllInBound", n, "in", "tcp", "10.5.3.3", 1, "10.0.1.4", 7999);
}
END_TEST

START_TEST(test_priority_order)
{
    struct nsg_nsg *n = tb_nsg(T, "n");
    /* added out of order: the lowest number wins, a deny shadows an allow */
    tb_rule(n, "AllowWeb", 300, "in", "allow", "Tcp", "*", "*", "*", "80");
    tb_rule(n, "DenyBad", 200, "in", "deny", "*", "203.0.113.0/24", "*", "*", "*");
    tb_rule(n, "AllowPartner", 100, "in", "allow", "Tcp", "203.0.113.128/25", "*",
            "*", "80");
    tb_rule(n, "DenyVnet", 4096, "in", "deny", "*", "VirtualNetwork", "*", "*", "*");
    EVQ("Allow:AllowPartner", n, "in", "tcp", "203.0.113.200", 1, "10.0.1.4", 80);
    EVQ("Deny:DenyBad", n, "in", "tcp", "203.0.113.100", 1, "10.0.1.4", 80);
    EVQ("Allow:AllowWeb", n, "in", "tcp", "198.51.100.1", 1, "10.0.1.4", 80);
    /* user rules (even at 4096) come before default rules */
    EVQ("Deny:DenyVnet", n, "in", "tcp", "10.0.2.4", 1, "10.0.1.4", 22);
    /* direction: an inbound rule never matches outbound */
    EVQ("Allow:AllowInternetOutBound", n, "out", "tcp", "10.0.1.4", 1,
        "203.0.113.100", 80);
}
END_TEST

START_TEST(test_default_rules)
{
    struct nsg_nsg *n = tb_nsg(T, "n");
    EVQ("Allow:AllowVnetInBound", n, "in", "udp", "10.0.2.4", 1, "10.0.1.4", 53);
    EVQ("Allow:AllowAzureLoadBalancerInBound", n, "in", "tcp",
        "fe80::1234:5678:9abc", 1, "2001:db8:99::1", 80);
    EVQ("Deny:DenyAllInBound", n, "in", "tcp", "203.0.113.1", 1, "10.0.1.4", 80);
    EVQ("Allow:AllowVnetOutBound", n, "out", "tcp", "10.0.1.4", 1, "10.1.0.4", 80);
    EVQ("Allow:AllowInternetOutBound", n, "out", "icmp", "10.0.1.4", 0,
        "203.0.113.1", 0);
    EVQ("Deny:DenyAllOutBound", n, "out", "tcp", "10.0.1.4", 1, "172.20.0.4", 80);
    /* the source of AllowVnetOutBound must be VirtualNetwork too */
    EVQ("Deny:DenyAllOutBound", n, "out", "tcp", "172.20.0.9", 1, "10.0.1.4", 80);
}
END_TEST

START_TEST(test_protocols)
{
    struct nsg_nsg *n = tb_nsg(T, "n");
    tb_rule(n, "Any22", 100, "in", "allow", "*", "*", "*", "*", "22");
    tb_rule(n, "Icmp", 110, "in", "allow", "Icmp", "*", "*", "*", "*");
    tb_rule(n, "Esp", 120, "in", "allow", "Esp", "*", "*", "*", "*");
    tb_rule(n, "Ah", 130, "in", "deny", "Ah", "*", "*", "*", "*");
    tb_rule(n, "Udp", 140, "in", "allow", "Udp", "*", "*", "*", "500");
    tb_rule(n, "DenyAll", 4000, "in", "deny", "*", "*", "*", "*", "*");
    const char *a = "203.0.113.1", *b = "10.0.1.4";
    EVQ("Allow:Any22", n, "in", "tcp", a, 1, b, 22);
    EVQ("Allow:Any22", n, "in", "udp", a, 1, b, 22);
    EVQ("Deny:DenyAll", n, "in", "tcp", a, 1, b, 23);
    /* "*" with a port narrower than 0-65535 matches TCP and UDP only */
    EVQ("Allow:Icmp", n, "in", "icmp", a, 0, b, 0);
    EVQ("Allow:Esp", n, "in", "esp", a, 0, b, 0);
    EVQ("Deny:DenyAll", n, "in", "132", a, 0, b, 0); /* SCTP */
    tb_rule(n, "Any22v6", 200, "in", "allow", "*", "*", "*", "2001:db8::/32",
            "*");
    EVQ("Allow:Any22v6", n, "in", "icmpv6", "2001:db8:9::1", 0, "2001:db8::1",
        0); /* no ports: "*" takes every protocol */
    /* GRE is dropped by the virtual network whatever the NSGs say */
    EVQ("Deny:platform-vnet-blocked", n, "in", "47", a, 0, b, 0);
    struct nsg_nsg *m = tb_nsg(T, "m");
    tb_rule(m, "Icmp", 110, "in", "allow", "Icmp", "*", "*", "*", "*");
    tb_rule(m, "Esp", 120, "in", "allow", "Esp", "*", "*", "*", "*");
    tb_rule(m, "Ah", 130, "in", "deny", "Ah", "*", "*", "*", "*");
    tb_rule(m, "Udp", 140, "in", "allow", "Udp", "*", "*", "*", "500");
    tb_rule(m, "Gre", 150, "in", "allow", "47", "*", "*", "*", "*");
    EVQ("Allow:Icmp", m, "in", "icmp", a, 0, b, 0);
    EVQ("Allow:Esp", m, "in", "esp", a, 0, b, 0);
    EVQ("Deny:Ah", m, "in", "ah", a, 0, b, 0);
    EVQ("Allow:Udp", m, "in", "udp", a, 1, b, 500);
    EVQ("Deny:DenyAllInBound", m, "in", "tcp", a, 1, b, 500);
    EVQ("Deny:DenyAllInBound", m, "in", "udp", a, 1, b, 501);
    EVQ("Deny:platform-vnet-blocked", m, "in", "47", a, 0, b, 0);
    EVQ("Deny:platform-vnet-blocked", m, "in", "4", a, 0, b, 0);
    EVQ("Deny:DenyAllInBound", m, "in", "58", a, 0, b, 0);
}
END_TEST

/* Evaluate through a NIC; returns "Decision level:nsg:rule ..." */
static const char *nic_eval(struct nsg_nic *nic, struct nsg_packet p)
{
    static char out[512];
    struct nsg_verdict v;
    struct nsg_err err = NSG_ERR_INIT;
    size_t k;
    resim();
    ck_assert_msg(nsg_sim_eval_nic(S, nic, &p, &v, &err) == 0, "%s", err.msg);
    k = (size_t)snprintf(out, sizeof(out), "%s@%d",
                         v.decision == NSG_DEC_ALLOW  ? "Allow"
                         : v.decision == NSG_DEC_DENY ? "Deny"
                                                      : "Unknown",
                         v.deciding);
    for (size_t i = 0; i < v.n_levels && k < sizeof(out); i++) {
        const struct nsg_level *l = &v.levels[i];
        k += (size_t)snprintf(out + k, sizeof(out) - k, " %s:%s:%s", l->level,
                              l->nsg ? l->nsg->name : "-",
                              l->m.rule ? l->m.rule->rule->name : "-");
    }
    return out;
}

START_TEST(test_two_levels)
{
    struct nsg_nsg *sn = tb_nsg(T, "subnet-nsg");
    struct nsg_nsg *nn = tb_nsg(T, "nic-nsg");
    tb_rule(sn, "AllowHttp", 100, "in", "allow", "Tcp", "*", "*", "*", "80,443");
    tb_rule(sn, "DenyOut", 100, "out", "deny", "Tcp", "*", "*", "*", "25");
    tb_rule(nn, "DenyHttps", 100, "in", "deny", "Tcp", "*", "*", "*", "443");
    tb_rule(nn, "AllowOut", 100, "out", "allow", "Tcp", "*", "*", "*", "25");
    tb_rule(nn, "AllowAll", 200, "in", "allow", "*", "*", "*", "*", "*");
    struct nsg_subnet *s = tb_subnet(T, HUB, "lv", "10.0.3.0/24", sn);
    struct nsg_nic *nic = tb_nic(T, "lv1", s, "10.0.3.4", "", nn);
    const char *a = "203.0.113.1";
    /* inbound: subnet then NIC; both must allow */
    ck_assert_str_eq(nic_eval(nic, tb_packet("in", "tcp", a, 1, "10.0.3.4", 80)),
                     "Allow@1 subnet:subnet-nsg:AllowHttp nic:nic-nsg:AllowAll");
    ck_assert_str_eq(
        nic_eval(nic, tb_packet("in", "tcp", a, 1, "10.0.3.4", 443)),
        "Deny@1 subnet:subnet-nsg:AllowHttp nic:nic-nsg:DenyHttps");
    /* a subnet deny stops before the NIC level */
    ck_assert_str_eq(nic_eval(nic, tb_packet("in", "tcp", a, 1, "10.0.3.4", 22)),
                     "Deny@0 subnet:subnet-nsg:DenyAllInBound");
    /* outbound: NIC first, then subnet */
    ck_assert_str_eq(
        nic_eval(nic, tb_packet("out", "tcp", "10.0.3.4", 1, a, 25)),
        "Deny@1 nic:nic-nsg:AllowOut subnet:subnet-nsg:DenyOut");
    ck_assert_str_eq(
        nic_eval(nic, tb_packet("out", "tcp", "10.0.3.4", 1, a, 26)),
        "Allow@1 nic:nic-nsg:AllowInternetOutBound "
        "subnet:subnet-nsg:AllowInternetOutBound");
}
END_TEST

START_TEST(test_missing_levels)
{
    struct nsg_nsg *nn = tb_nsg(T, "nic-only");
    tb_rule(nn, "AllowSsh", 100, "in", "allow", "Tcp", "*", "*", "*", "22");
    struct nsg_nic *bare = tb_nic(T, "bare", APP, "10.0.2.9", "", NULL);
    struct nsg_nic *one = tb_nic(T, "one", APP, "10.0.2.10", "", nn);
    const char *a = "203.0.113.1";
    /* no NSG anywhere: allowed, nothing decided it */
    ck_assert_str_eq(nic_eval(bare, tb_packet("in", "tcp", a, 1, "10.0.2.9", 3389)),
                     "Allow@-1 subnet:-:- nic:-:-");
    /* only the NIC level: it decides */
    ck_assert_str_eq(nic_eval(one, tb_packet("in", "tcp", a, 1, "10.0.2.10", 22)),
                     "Allow@1 subnet:-:- nic:nic-only:AllowSsh");
    ck_assert_str_eq(
        nic_eval(one, tb_packet("out", "tcp", "10.0.2.10", 1, a, 22)),
        "Allow@0 nic:nic-only:AllowInternetOutBound subnet:-:-");
    /* an NSG reference that is not in the topology is an error */
    struct nsg_nic *dangling = tb_nic(T, "dangling", APP, "10.0.2.11", "", NULL);
    dangling->nsg_id = tb_id("networkSecurityGroups", "gone");
    struct nsg_verdict v;
    struct nsg_err err = NSG_ERR_INIT;
    struct nsg_packet p = tb_packet("in", "tcp", a, 1, "10.0.2.11", 22);
    resim();
    ck_assert_int_eq(nsg_sim_eval_nic(S, dangling, &p, &v, &err),
                     NSG_E_NOTFOUND);
    ck_assert_ptr_nonnull(strstr(err.msg, "gone"));
}
END_TEST

START_TEST(test_subnet_of_ipconfig)
{
    /* a NIC with ip configurations in two subnets with different NSGs */
    struct nsg_nsg *na = tb_nsg(T, "nsg-a");
    struct nsg_nsg *nb = tb_nsg(T, "nsg-b");
    tb_rule(na, "A", 100, "in", "allow", "*", "*", "*", "*", "*");
    tb_rule(nb, "B", 100, "in", "deny", "*", "*", "*", "*", "*");
    struct nsg_subnet *sa = tb_subnet(T, HUB, "sa", "10.0.4.0/24", na);
    struct nsg_subnet *sb = tb_subnet(T, HUB, "sb", "10.0.5.0/24", nb);
    struct nsg_nic *nic = tb_nic(T, "multi", sa, "10.0.4.4", "", NULL);
    tb_nic_ipconfig(nic, sb, "10.0.5.4", "");
    const char *a = "203.0.113.1";
    ck_assert_str_eq(nic_eval(nic, tb_packet("in", "tcp", a, 1, "10.0.4.4", 1)),
                     "Allow@0 subnet:nsg-a:A nic:-:-");
    ck_assert_str_eq(nic_eval(nic, tb_packet("in", "tcp", a, 1, "10.0.5.4", 1)),
                     "Deny@0 subnet:nsg-b:B");
    /* outbound uses the source address; unknown address: primary */
    ck_assert_str_eq(nic_eval(nic, tb_packet("out", "tcp", "10.0.5.4", 1, a, 1)),
                     "Allow@1 nic:-:- subnet:nsg-b:AllowInternetOutBound");
    ck_assert_str_eq(nic_eval(nic, tb_packet("in", "tcp", a, 1, "10.0.9.9", 1)),
                     "Allow@0 subnet:nsg-a:A nic:-:-");
}
END_TEST

START_TEST(test_unknown_levels)
{
    /* an unknown first level does not hide a definite deny after it */
    struct nsg_nsg *sn = tb_nsg(T, "sn");
    struct nsg_nsg *nn = tb_nsg(T, "nn");
    tb_rule(sn, "FrontDoor", 100, "in", "allow", "Tcp", "AzureFrontDoor.Backend",
            "*", "*", "*");
    tb_rule(nn, "Deny8080", 100, "in", "deny", "Tcp", "*", "*", "*", "8080");
    tb_rule(nn, "AllowRest", 110, "in", "allow", "*", "*", "*", "*", "*");
    struct nsg_subnet *s = tb_subnet(T, HUB, "uk", "10.0.6.0/24", sn);
    struct nsg_nic *nic = tb_nic(T, "uk1", s, "10.0.6.4", "", nn);
    const char *a = "203.0.113.1";
    ck_assert_str_eq(
        nic_eval(nic, tb_packet("in", "tcp", a, 1, "10.0.6.4", 8080)),
        "Deny@1 subnet:sn:FrontDoor nic:nn:Deny8080");
    ck_assert_str_eq(
        nic_eval(nic, tb_packet("in", "tcp", a, 1, "10.0.6.4", 443)),
        "Unknown@0 subnet:sn:FrontDoor nic:nn:AllowRest");
}
END_TEST

START_TEST(test_session_cache)
{
    struct nsg_nsg *n = tb_nsg(T, "n");
    const struct nsg_cnsg *c1, *c2, *c3;
    struct nsg_err err = NSG_ERR_INIT;
    ck_assert_int_eq(nsg_sim_get(S, n, HUB, &c1, &err), 0);
    ck_assert_int_eq(nsg_sim_get(S, n, HUB, &c2, &err), 0);
    ck_assert_int_eq(nsg_sim_get(S, n, OTHER, &c3, &err), 0);
    ck_assert_ptr_eq(c1, c2);
    ck_assert_ptr_ne(c1, c3);
    /* default rules sorted after user rules, by priority */
    ck_assert_uint_eq(c1->n[NSG_DIR_IN], 3);
    ck_assert_int_eq(c1->rules[NSG_DIR_IN][0].priority, 65000);
    ck_assert_int_eq(c1->rules[NSG_DIR_IN][2].priority, 65500);
}
END_TEST

static Suite *sim_suite(void)
{
    Suite *s = suite_create("sim");
    TCase *tc = tcase_create("matcher");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_port_edges);
    tcase_add_test(tc, test_prefix_lengths);
    tcase_add_test(tc, test_ipv6_prefixes);
    tcase_add_test(tc, test_virtual_network_tag);
    tcase_add_test(tc, test_load_balancer_tag);
    tcase_add_test(tc, test_internet_tag);
    tcase_add_test(tc, test_service_tags);
    tcase_add_test(tc, test_unknown_tag);
    tcase_add_test(tc, test_asgs);
    tcase_add_test(tc, test_asg_without_members);
    tcase_add_test(tc, test_missing_vnet);
    tcase_add_test(tc, test_missing_route_table);
    tcase_add_test(tc, test_plural_fields);
    tcase_add_test(tc, test_priority_order);
    tcase_add_test(tc, test_default_rules);
    tcase_add_test(tc, test_protocols);
    tcase_add_test(tc, test_two_levels);
    tcase_add_test(tc, test_missing_levels);
    tcase_add_test(tc, test_subnet_of_ipconfig);
    tcase_add_test(tc, test_unknown_levels);
    tcase_add_test(tc, test_session_cache);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(sim_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
