/* check_path.c - the path model and verify along paths, on a topology
 * whose answers are worked out by hand from Azure's documented behaviour:
 * effective routes (system routes, UDRs, longest prefix match), peerings
 * (Connected both ways, virtual network access, a missing remote), public
 * IPs (Standard closed without an NSG, Basic open), a public load balancer
 * (rule with DNAT, inbound NAT rule 50001 -> 22), a 0.0.0.0/0 route to an
 * appliance NIC whose NSG denies, a route with next hop None, a subnet
 * without default outbound access, a NAT gateway, a gateway (unknown), an
 * appliance outside the corpus (unknown) and the Azure host. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../solver/verify.h"
#include "lib/topo_build.h"

static struct nsg_topology *T;
static struct nsg_verifier *V;
static struct nsg_pnet *N;

/*
 * hub 10.0.0.0/16
 *   web 10.0.1.0/24 (NSG websub: in 443 from Internet, 22 from
 *       203.0.113.0/24, 8080 from Internet)
 *       web1 10.0.1.4 (public IP 20.0.0.1 Standard)
 *       web2 10.0.1.5 (behind lb-pub: rule tcp 80 -> 8080, NAT 50001 -> 22)
 *   app 10.0.2.0/24 (no NSG)
 *       app1 10.0.2.4 (public IP 20.0.0.2 Standard: closed, no NSG)
 *       app2 10.0.2.5 (public IP 20.0.0.3 Basic: open)
 *   nva 10.0.3.0/24: nva1 10.0.3.4, IP forwarding, NIC NSG denies inbound
 *   priv 10.0.4.0/24, defaultOutboundAccess false: priv1 10.0.4.4
 *   natsub 10.0.6.0/24, private, NAT gateway ng (20.0.0.20): nat1 10.0.6.4
 *   peerings: spoke (both Connected), spoke2 (spoke2's side Disconnected),
 *   spoke3 (spoke3's side without virtual network access), ghost
 *   10.7.0.0/16 (Connected, not in the corpus)
 * spoke 10.1.0.0/16
 *   s1 10.1.1.0/24, route table rt1: 0.0.0.0/0 -> VirtualAppliance
 *       10.0.3.4, 10.1.9.0/24 -> None, 172.16.0.0/12 -> VirtualAppliance
 *       10.0.3.99 (no NIC): sp1 10.1.1.4
 *   s9 10.1.9.0/24: sp9 10.1.9.4
 * spoke2 10.2.0.0/16: sp2 10.2.1.4      spoke3 10.3.0.0/16: sp3 10.3.1.4
 * iso 10.9.0.0/16 (not peered): iso1 10.9.1.4
 * gwnet 10.5.0.0/16 with a GatewaySubnet: gw1 10.5.1.4
 */
static void setup(void)
{
    T = nsg_topo_new();
    struct nsg_vnet *hub = tb_vnet(T, "hub", "10.0.0.0/16");
    struct nsg_vnet *spoke = tb_vnet(T, "spoke", "10.1.0.0/16");
    struct nsg_vnet *spoke2 = tb_vnet(T, "spoke2", "10.2.0.0/16");
    struct nsg_vnet *spoke3 = tb_vnet(T, "spoke3", "10.3.0.0/16");
    struct nsg_vnet *iso = tb_vnet(T, "iso", "10.9.0.0/16");
    struct nsg_vnet *gwnet = tb_vnet(T, "gwnet", "10.5.0.0/16");
    tb_peer(hub, spoke, "Connected", true);
    tb_peer(spoke, hub, "Connected", true);
    tb_peer(hub, spoke2, "Connected", true);
    tb_peer(spoke2, hub, "Disconnected", true);
    tb_peer(hub, spoke3, "Connected", true);
    tb_peer(spoke3, hub, "Connected", false);
    tb_peering(hub, "10.7.0.0/16", "Connected", true); /* remote missing */

    struct nsg_nsg *websub = tb_nsg(T, "websub");
    tb_rule(websub, "AllowHttps", 100, "in", "allow", "Tcp", "Internet", "*",
            "*", "443");
    tb_rule(websub, "AllowSsh", 110, "in", "allow", "Tcp", "203.0.113.0/24",
            "*", "*", "22");
    tb_rule(websub, "Allow8080", 120, "in", "allow", "Tcp", "Internet", "*",
            "*", "8080");
    struct nsg_nsg *nvansg = tb_nsg(T, "nva-nsg");
    tb_rule(nvansg, "DenyAll", 100, "in", "deny", "*", "*", "*", "*", "*");

    struct nsg_subnet *web = tb_subnet(T, hub, "web", "10.0.1.0/24", websub);
    struct nsg_subnet *app = tb_subnet(T, hub, "app", "10.0.2.0/24", NULL);
    struct nsg_subnet *nva = tb_subnet(T, hub, "nva", "10.0.3.0/24", NULL);
    struct nsg_subnet *priv = tb_subnet(T, hub, "priv", "10.0.4.0/24", NULL);
    struct nsg_subnet *natsub = tb_subnet(T, hub, "natsub", "10.0.6.0/24", NULL);
    struct nsg_subnet *s1 = tb_subnet(T, spoke, "s1", "10.1.1.0/24", NULL);
    struct nsg_subnet *s9 = tb_subnet(T, spoke, "s9", "10.1.9.0/24", NULL);
    struct nsg_subnet *s2 = tb_subnet(T, spoke2, "s2", "10.2.1.0/24", NULL);
    struct nsg_subnet *s3 = tb_subnet(T, spoke3, "s3", "10.3.1.0/24", NULL);
    struct nsg_subnet *si = tb_subnet(T, iso, "si", "10.9.1.0/24", NULL);
    struct nsg_subnet *sg = tb_subnet(T, gwnet, "sg", "10.5.1.0/24", NULL);
    tb_subnet(T, gwnet, "GatewaySubnet", "10.5.255.0/27", NULL);
    priv->private_subnet = true;
    natsub->private_subnet = true;

    struct nsg_nic *web1 = tb_nic(T, "web1", web, "10.0.1.4", "", NULL);
    struct nsg_nic *web2 = tb_nic(T, "web2", web, "10.0.1.5", "", NULL);
    struct nsg_nic *app1 = tb_nic(T, "app1", app, "10.0.2.4", "", NULL);
    struct nsg_nic *app2 = tb_nic(T, "app2", app, "10.0.2.5", "", NULL);
    struct nsg_nic *nva1 = tb_nic(T, "nva1", nva, "10.0.3.4", "", nvansg);
    nva1->ip_forwarding = true;
    tb_nic(T, "priv1", priv, "10.0.4.4", "", NULL);
    tb_nic(T, "nat1", natsub, "10.0.6.4", "", NULL);
    tb_nic(T, "sp1", s1, "10.1.1.4", "", NULL);
    tb_nic(T, "sp9", s9, "10.1.9.4", "", NULL);
    tb_nic(T, "sp2", s2, "10.2.1.4", "", NULL);
    tb_nic(T, "sp3", s3, "10.3.1.4", "", NULL);
    tb_nic(T, "iso1", si, "10.9.1.4", "", NULL);
    tb_nic(T, "gw1", sg, "10.5.1.4", "", NULL);

    tb_pip(T, "pip-web1", "20.0.0.1", web1, "Standard");
    tb_pip(T, "pip-app1", "20.0.0.2", app1, "Standard");
    tb_pip(T, "pip-app2", "20.0.0.3", app2, "Basic");
    struct nsg_pip *pl = tb_pip(T, "pip-lb", "20.0.0.10", NULL, "Standard");
    struct nsg_lb *lb = tb_lb(T, "lb-pub", "Standard", pl, NULL, NULL);
    tb_lb_pool(lb, "be", web2, NULL);
    tb_lb_rule(lb, "http", "be", "Tcp", 80, 8080, false);
    tb_lb_nat(lb, "ssh-web2", web2, "Tcp", 50001, 22);
    struct nsg_pip *pn = tb_pip(T, "pip-ng", "20.0.0.20", NULL, "Standard");
    tb_natgw(T, "ng", pn, natsub);

    struct nsg_route_table *rt = tb_route_table(T, "rt1", "", s1);
    tb_route(rt, "0.0.0.0/0", "VirtualAppliance", "10.0.3.4");
    tb_route(rt, "10.1.9.0/24", "None", NULL);
    tb_route(rt, "172.16.0.0/12", "VirtualAppliance", "10.0.3.99");
    tb_link(T);
    V = nsg_verifier_new(T, 0);
    N = nsg_pnet_new(T);
}

static void teardown(void)
{
    nsg_pnet_free(N);
    nsg_verifier_free(V);
    nsg_topo_free(T);
}

static const struct nsg_subnet *subnet(const char *name)
{
    for (guint i = 0; i < NSG_TOPO_N(T, NSG_RES_SUBNET); i++) {
        const struct nsg_subnet *s = NSG_TOPO_AT(T, NSG_RES_SUBNET, i);
        if (!strcmp(s->name, name))
            return s;
    }
    ck_abort_msg("no subnet %s", name);
    return NULL;
}

static const struct nsg_nic *nic(const char *name)
{
    void *p = NULL;
    ck_assert_int_eq(nsg_topo_find(T, NSG_RES_NIC, name, &p, NULL), 0);
    return p;
}

static struct nsg_ip ip(const char *s)
{
    struct nsg_ip a;
    ck_assert_int_eq(nsg_ip_parse(s, &a), 0);
    return a;
}

/* ---- routes ---------------------------------------------------------------- */
static const char *route_of(const char *sub, const char *dst)
{
    struct nsg_ip a = ip(dst);
    const struct nsg_proute *r = nsg_pnet_route(N, subnet(sub), &a);
    static char b[128];
    char c[NSG_CIDR_STRLEN];
    if (!r)
        return "none";
    nsg_cidr_format(&r->prefix, c);
    snprintf(b, sizeof(b), "%s %s%s", c, nsg_nexthop_name(r->hop),
             r->user ? " user" : "");
    return b;
}

START_TEST(effective_routes)
{
    ck_assert_str_eq(route_of("web", "10.0.2.4"), "10.0.0.0/16 VnetLocal");
    ck_assert_str_eq(route_of("web", "10.1.1.4"), "10.1.0.0/16 VNetPeering");
    ck_assert_str_eq(route_of("web", "10.9.1.4"), "10.0.0.0/8 None");
    ck_assert_str_eq(route_of("web", "172.20.0.1"), "172.16.0.0/12 None");
    ck_assert_str_eq(route_of("web", "100.64.0.1"), "100.64.0.0/10 None");
    ck_assert_str_eq(route_of("web", "8.8.8.8"), "0.0.0.0/0 Internet");
    ck_assert_str_eq(route_of("web", "10.7.1.1"), "10.7.0.0/16 VNetPeering");
    /* spoke2's and hub's peerings: the hub side is Connected */
    ck_assert_str_eq(route_of("web", "10.2.1.4"), "10.2.0.0/16 VNetPeering");
    ck_assert_str_eq(route_of("s2", "10.0.1.4"), "10.0.0.0/8 None");
    /* UDRs: the user 0.0.0.0/0 beats the system one; /24 None beats the
     * vnet's /16; 172.16/12 user beats the system None */
    ck_assert_str_eq(route_of("s1", "8.8.8.8"),
                     "0.0.0.0/0 VirtualAppliance user");
    ck_assert_str_eq(route_of("s1", "10.1.9.4"), "10.1.9.0/24 None user");
    ck_assert_str_eq(route_of("s1", "10.1.2.4"), "10.1.0.0/16 VnetLocal");
    ck_assert_str_eq(route_of("s1", "172.16.5.5"),
                     "172.16.0.0/12 VirtualAppliance user");
    size_t n;
    nsg_pnet_routes(N, subnet("s1"), &n);
    /* 10.1/16, 10.0/16 peering, 10/8 172.16/12 192.168/16 100.64/10 None,
     * 0/0 and ::/0 Internet, three UDRs */
    ck_assert_uint_eq(n, 11);
}
END_TEST

START_TEST(addrset_intersect)
{
    struct nsg_addrset a = NSG_ADDRSET_INIT, b = NSG_ADDRSET_INIT,
                       x = NSG_ADDRSET_INIT;
    struct nsg_cidr c;
    const char *as[] = {"10.0.0.0/8", "192.168.1.0/24", "2001:db8::/32"};
    const char *bs[] = {"10.1.0.0/16", "10.3.0.0/16", "192.168.0.0/16",
                        "172.16.0.0/12", "2001:db8:1::/48"};
    for (size_t i = 0; i < 3; i++) {
        nsg_cidr_parse(as[i], &c);
        nsg_addrset_add_cidr(&a, &c);
    }
    for (size_t i = 0; i < 5; i++) {
        nsg_cidr_parse(bs[i], &c);
        nsg_addrset_add_cidr(&b, &c);
    }
    nsg_addrset_intersect(&x, &a, &b);
    ck_assert_uint_eq(x.n, 4); /* 10.1/16 10.3/16 192.168.1/24 db8:1::/48 */
    struct nsg_ip in = ip("10.3.9.9"), out = ip("10.2.0.1"),
                  v6 = ip("2001:db8:1::5"), no6 = ip("2001:db8:2::5");
    ck_assert(nsg_addrset_contains(&x, &in));
    ck_assert(!nsg_addrset_contains(&x, &out));
    ck_assert(nsg_addrset_contains(&x, &v6));
    ck_assert(!nsg_addrset_contains(&x, &no6));
    nsg_addrset_intersect(&x, &a, &(struct nsg_addrset)NSG_ADDRSET_INIT);
    ck_assert(nsg_addrset_is_empty(&x));
    nsg_addrset_release(&a);
    nsg_addrset_release(&b);
    nsg_addrset_release(&x);
}
END_TEST

/* ---- origins and walks ------------------------------------------------------ */
START_TEST(origins_split)
{
    struct nsg_addrset s = NSG_ADDRSET_INIT;
    struct nsg_origins os = NSG_ORIGINS_INIT;
    struct nsg_cidr c;
    const char *all[] = {"10.0.1.0/24", "10.0.200.0/24", "10.7.0.0/24",
                         "192.168.0.0/24", "8.8.8.0/24", "168.63.129.16",
                         "127.0.0.1"};
    for (size_t i = 0; i < sizeof(all) / sizeof(*all); i++) {
        ck_assert_int_eq(nsg_cidr_parse(all[i], &c), 0);
        nsg_addrset_add_cidr(&s, &c);
    }
    nsg_pnet_origins(N, &s, &os);
    int kinds[7] = {0};
    for (size_t i = 0; i < os.n; i++)
        kinds[os.o[i].kind]++;
    ck_assert_int_eq(kinds[NSG_ORIGIN_NIC], 2);  /* web1, web2 */
    ck_assert_int_eq(kinds[NSG_ORIGIN_HOST], 1); /* the rest of web */
    ck_assert_int_eq(kinds[NSG_ORIGIN_PLATFORM], 1);
    ck_assert_int_eq(kinds[NSG_ORIGIN_PEER], 1);     /* ghost */
    ck_assert_int_eq(kinds[NSG_ORIGIN_INTERNET], 1); /* 8.8.8.0/24 */
    ck_assert_int_eq(kinds[NSG_ORIGIN_ONPREM], 1);   /* 192.168.0.0/24 */
    ck_assert_int_eq(kinds[NSG_ORIGIN_NONE], 2); /* 10.0.200/24, 127.0.0.1 */
    nsg_origins_release(&os);
    nsg_addrset_release(&s);
}
END_TEST

/* The paths of one packet from a NIC. */
static void walk_nic(const char *from, const char *to, struct nsg_paths *ps)
{
    struct nsg_origins os = NSG_ORIGINS_INIT;
    struct nsg_ip dst = ip(to);
    nsg_pnet_nic_origins(N, nic(from), NULL, &os);
    ck_assert_uint_eq(os.n, 1);
    nsg_pnet_walk(N, &os.o[0], &dst, ps);
    nsg_origins_release(&os);
}

static enum nsg_pend end_of(const char *from, const char *to, char *reason,
                            size_t cap)
{
    struct nsg_paths ps = NSG_PATHS_INIT;
    walk_nic(from, to, &ps);
    ck_assert_uint_eq(ps.n, 1);
    enum nsg_pend e = ps.p[0].end;
    snprintf(reason, cap, "%s", ps.p[0].reason ? ps.p[0].reason : "");
    nsg_paths_release(&ps);
    return e;
}

START_TEST(walks)
{
    char why[512];
    ck_assert_int_eq(end_of("app1", "10.1.1.4", why, sizeof(why)), NSG_PEND_NIC);
    ck_assert_int_eq(end_of("app1", "10.9.1.4", why, sizeof(why)),
                     NSG_PEND_DROP);
    ck_assert_msg(strstr(why, "None"), "%s", why);
    ck_assert_int_eq(end_of("app1", "10.2.1.4", why, sizeof(why)),
                     NSG_PEND_DROP);
    ck_assert_msg(strstr(why, "Disconnected"), "%s", why);
    ck_assert_int_eq(end_of("app1", "10.3.1.4", why, sizeof(why)),
                     NSG_PEND_DROP);
    ck_assert_msg(strstr(why, "allowVirtualNetworkAccess"), "%s", why);
    ck_assert_int_eq(end_of("sp2", "10.0.1.4", why, sizeof(why)),
                     NSG_PEND_DROP);
    ck_assert_int_eq(end_of("app1", "10.7.1.1", why, sizeof(why)),
                     NSG_PEND_OUTSIDE);
    ck_assert_int_eq(end_of("priv1", "8.8.8.8", why, sizeof(why)),
                     NSG_PEND_DROP);
    ck_assert_msg(strstr(why, "no outbound connectivity"), "%s", why);
    ck_assert_int_eq(end_of("nat1", "8.8.8.8", why, sizeof(why)),
                     NSG_PEND_INTERNET);
    ck_assert_int_eq(end_of("app1", "8.8.8.8", why, sizeof(why)),
                     NSG_PEND_INTERNET);
    ck_assert_int_eq(end_of("app1", "168.63.129.16", why, sizeof(why)),
                     NSG_PEND_PLATFORM);
    ck_assert_int_eq(end_of("sp1", "172.16.1.1", why, sizeof(why)),
                     NSG_PEND_OPEN);
    ck_assert_msg(strstr(why, "10.0.3.99"), "%s", why);
    ck_assert_int_eq(end_of("app1", "10.0.200.9", why, sizeof(why)),
                     NSG_PEND_DROP); /* in the space, in no subnet */
    /* a NIC to itself: no path at all */
    struct nsg_paths ps = NSG_PATHS_INIT;
    walk_nic("app1", "10.0.2.4", &ps);
    ck_assert_uint_eq(ps.n, 0);
}
END_TEST

START_TEST(appliance_hops)
{
    struct nsg_paths ps = NSG_PATHS_INIT;
    walk_nic("sp1", "8.8.8.8", &ps);
    ck_assert_uint_eq(ps.n, 1);
    const struct nsg_path *p = &ps.p[0];
    /* s1 (sp1 out) -> nva1 (in, out) -> Internet through nva1's SNAT */
    ck_assert_uint_ge(p->n_hops, 2);
    ck_assert_int_eq(p->hops[0].kind, NSG_PHOP_SUBNET);
    ck_assert_int_eq(p->hops[1].kind, NSG_PHOP_APPLIANCE);
    ck_assert_str_eq(p->hops[1].name, "nva1");
    ck_assert_uint_eq(p->hops[1].n_eval, 2);
    ck_assert_int_eq(p->hops[1].eval[0].dir, NSG_DIR_IN);
    ck_assert_int_eq(p->end, NSG_PEND_INTERNET);
    /* the appliance NIC's NSG denies: the packet never leaves it */
    struct nsg_sim *sim = nsg_sim_new(T);
    struct nsg_ptrace tr;
    struct nsg_packet pk = tb_packet("out", "Tcp", "10.1.1.4", 49152,
                                     "8.8.8.8", 443);
    ck_assert_int_eq(nsg_pnet_eval(N, sim, p, &pk, &tr, NULL), 0);
    ck_assert_int_eq(tr.decision, NSG_DEC_DENY);
    ck_assert_ptr_eq(tr.v[tr.n - 1].at, &p->hops[1].eval[0]);
    nsg_ptrace_release(&tr);
    nsg_sim_free(sim);
    nsg_paths_release(&ps);
}
END_TEST

START_TEST(load_balancer)
{
    struct nsg_origins os = NSG_ORIGINS_INIT;
    struct nsg_addrset s = NSG_ADDRSET_INIT;
    struct nsg_paths ps = NSG_PATHS_INIT;
    struct nsg_cidr c;
    nsg_cidr_parse("8.8.8.8", &c);
    nsg_addrset_add_cidr(&s, &c);
    nsg_pnet_origins(N, &s, &os);
    ck_assert_uint_eq(os.n, 1);
    ck_assert_int_eq(os.o[0].kind, NSG_ORIGIN_INTERNET);
    struct nsg_packet pk = tb_packet("in", "Tcp", "8.8.8.8", 49152,
                                     "20.0.0.10", 50001);
    nsg_pnet_trace(N, &os.o[0], &pk, &ps);
    ck_assert_uint_eq(ps.n, 1); /* the NAT rule only */
    const struct nsg_path *p = &ps.p[0];
    ck_assert_int_eq(p->end, NSG_PEND_NIC);
    ck_assert_str_eq(p->dst_nic->name, "web2");
    ck_assert_int_eq(p->hops[1].kind, NSG_PHOP_NAT_RULE);
    ck_assert_uint_eq(p->delivered.dport, 22);
    ck_assert(p->delivered.set & NSG_PV_DST);
    nsg_paths_release(&ps);
    /* tcp/81: no rule at this frontend */
    pk.dport = 81;
    nsg_pnet_trace(N, &os.o[0], &pk, &ps);
    ck_assert_uint_eq(ps.n, 1);
    ck_assert_int_eq(ps.p[0].end, NSG_PEND_DROP);
    nsg_paths_release(&ps);
    /* the walk alone: the rule, the NAT rule, the rest */
    struct nsg_ip d = ip("20.0.0.10");
    nsg_pnet_walk(N, &os.o[0], &d, &ps);
    ck_assert_uint_eq(ps.n, 3);
    nsg_paths_release(&ps);
    /* a Standard public IP on a NIC without NSG: closed */
    pk = tb_packet("in", "Tcp", "8.8.8.8", 49152, "20.0.0.2", 22);
    nsg_pnet_trace(N, &os.o[0], &pk, &ps);
    ck_assert_uint_eq(ps.n, 1);
    ck_assert_int_eq(ps.p[0].end, NSG_PEND_DROP);
    ck_assert_msg(strstr(ps.p[0].reason, "Standard"), "%s", ps.p[0].reason);
    nsg_paths_release(&ps);
    /* Basic: open */
    pk.dst = ip("20.0.0.3");
    nsg_pnet_trace(N, &os.o[0], &pk, &ps);
    ck_assert_int_eq(ps.p[0].end, NSG_PEND_NIC);
    nsg_paths_release(&ps);
    nsg_origins_release(&os);
    nsg_addrset_release(&s);
}
END_TEST

START_TEST(classes_group)
{
    struct nsg_origins os = NSG_ORIGINS_INIT;
    struct nsg_pclasses cs = NSG_PCLASSES_INIT;
    struct nsg_addrset all = NSG_ADDRSET_INIT;
    nsg_addrset_add_all(&all, 4);
    nsg_pnet_nic_origins(N, nic("app1"), NULL, &os);
    nsg_pnet_classes(N, &os.o[0], &all, &cs);
    /* every destination but app1's own address lands in one class */
    struct nsg_addrset u = NSG_ADDRSET_INIT;
    size_t internet = 0;
    for (size_t i = 0; i < cs.n; i++) {
        nsg_addrset_union(&u, &cs.c[i].dst);
        if (cs.c[i].path.end == NSG_PEND_INTERNET)
            internet++;
    }
    struct nsg_ip self = ip("10.0.2.4"), other = ip("10.0.2.5");
    ck_assert(!nsg_addrset_contains(&u, &self));
    ck_assert(nsg_addrset_contains(&u, &other));
    ck_assert_uint_eq(internet, 1); /* all of the Internet: one path */
    ck_assert_uint_lt(cs.n, 60);
    nsg_addrset_release(&u);
    nsg_addrset_release(&all);
    nsg_pclasses_release(&cs);
    nsg_origins_release(&os);
}
END_TEST

/* ---- verify along paths ------------------------------------------------------ */
static void run(const char *text, bool nsg_only, struct nsg_vresult *r)
{
    struct nsg_query q;
    struct nsg_err err = NSG_ERR_INIT;
    ck_assert_msg(nsg_query_parse(text, 1, &q, &err) == NSG_OK, "%s", err.msg);
    nsg_verifier_set_nsg_only(V, nsg_only);
    nsg_rc rc = nsg_verify_run(V, &q, r, &err);
    nsg_verifier_set_nsg_only(V, false);
    nsg_query_release(&q);
    ck_assert_msg(rc == NSG_OK, "'%s' failed: %s", text, err.msg);
}

static const char *status(const char *text, bool nsg_only)
{
    struct nsg_vresult r;
    run(text, nsg_only, &r);
    const char *s = nsg_vstatus_name(r.status);
    nsg_vresult_release(&r);
    return s;
}

#define PATHS(q, want) ck_assert_str_eq(status(q, false), want)
#define NSGONLY(q, want) ck_assert_str_eq(status(q, true), want)

static bool hop_kind(const struct nsg_vresult *r, enum nsg_phop_kind k)
{
    for (size_t i = 0; i < r->path.n_hops; i++)
        if (r->path.hops[i].kind == k)
            return true;
    return false;
}

START_TEST(unpeered_vnets)
{
    /* NSGs alone allow it (no NSG on app1 or iso1); no route carries it */
    NSGONLY("can nic:app1 -> nic:iso1 udp/5000", "holds");
    struct nsg_vresult r;
    run("can nic:app1 -> nic:iso1 udp/5000", false, &r);
    ck_assert_str_eq(nsg_vstatus_name(r.status), "violated");
    ck_assert(r.has_witness && r.no_path);
    ck_assert_int_eq(r.path.end, NSG_PEND_DROP);
    ck_assert_msg(strstr(r.path.reason, "None"), "%s", r.path.reason);
    nsg_vresult_release(&r);
    PATHS("never nic:app1 -> nic:iso1", "holds");
    PATHS("always nic:app1 -> nic:iso1 tcp/22", "violated");
}
END_TEST

START_TEST(peering_states)
{
    NSGONLY("can nic:app1 -> nic:sp2 tcp/22", "holds");
    PATHS("can nic:app1 -> nic:sp2 tcp/22", "violated"); /* Disconnected */
    PATHS("can nic:sp2 -> nic:app1 tcp/22", "violated");
    PATHS("can nic:app1 -> nic:sp3 tcp/22", "violated"); /* no access */
    PATHS("can nic:app1 -> nic:sp1 tcp/22", "holds");
    struct nsg_vresult r;
    run("can nic:app1 -> nic:sp1 tcp/22", false, &r);
    ck_assert(hop_kind(&r, NSG_PHOP_PEERING));
    ck_assert_int_eq(r.path.end, NSG_PEND_NIC);
    nsg_vresult_release(&r);
    /* a peering whose remote is not in the corpus: this side decides */
    run("can nic:app1 -> 10.7.1.1 tcp/22", false, &r);
    ck_assert_str_eq(nsg_vstatus_name(r.status), "holds");
    ck_assert_ptr_nonnull(r.path.note);
    ck_assert_msg(strstr(r.path.note, "not in the corpus"), "%s", r.path.note);
    nsg_vresult_release(&r);
    PATHS("can 10.7.1.1 -> nic:app1 tcp/22", "holds");
}
END_TEST

START_TEST(nic_without_public_ip)
{
    /* (with its 0.0.0.0/0 route spoke's VirtualNetwork tag holds every
     * address, so the NSG question is asked with an address) */
    NSGONLY("never 8.8.8.0/24 -> nic:sp1 tcp/22", "violated");
    PATHS("never 8.8.8.0/24 -> nic:sp1 tcp/22", "holds");
    PATHS("never Internet -> nic:sp1 tcp/22", "holds");
    PATHS("can Internet -> nic:sp1 tcp/22", "violated");
    PATHS("always Internet -> nic:sp1 tcp/22", "violated");
}
END_TEST

START_TEST(lb_nat_rule)
{
    struct nsg_vresult r;
    run("never Internet -> nic:web2 tcp/22", false, &r);
    ck_assert_str_eq(nsg_vstatus_name(r.status), "violated");
    /* only the admin range passes websub; the packet went to the frontend
     * port 50001 and the NSG saw port 22 */
    struct nsg_cidr adm;
    nsg_cidr_parse("203.0.113.0/24", &adm);
    ck_assert(nsg_cidr_contains(&adm, &r.witness.src));
    ck_assert_int_eq(r.witness.dport, 22);
    ck_assert_int_eq(r.sent.dport, 50001);
    char b[NSG_IP_STRLEN];
    nsg_ip_format(&r.sent.dst, b);
    ck_assert_str_eq(b, "20.0.0.10");
    nsg_ip_format(&r.witness.dst, b);
    ck_assert_str_eq(b, "10.0.1.5");
    ck_assert(hop_kind(&r, NSG_PHOP_NAT_RULE));
    ck_assert_int_eq(r.decision, NSG_DEC_ALLOW);
    nsg_vresult_release(&r);
    /* the rule 80 -> 8080: allowed (websub allows 8080 from the Internet);
     * 8080 at the frontend is no rule's port */
    PATHS("can Internet -> 20.0.0.10 tcp/80", "holds");
    PATHS("never Internet -> 20.0.0.10 tcp/8080", "holds");
    PATHS("never Internet -> 20.0.0.10 tcp/80", "violated");
    PATHS("never 198.51.100.0/24 -> nic:web2 tcp/22", "holds");
    /* web1: Standard public IP, websub allows 443 from the Internet */
    PATHS("always Internet -> nic:web1 tcp/443", "holds");
    PATHS("never Internet -> nic:web1 tcp/3389", "holds");
}
END_TEST

START_TEST(standard_closed_basic_open)
{
    PATHS("can Internet -> nic:app1 tcp/22", "violated");
    PATHS("always Internet -> nic:app2 tcp/22", "holds");
    NSGONLY("can Internet -> nic:app1 tcp/22", "holds");
}
END_TEST

START_TEST(appliance_denies)
{
    NSGONLY("can nic:sp1 -> 8.8.8.0/24 tcp/443", "holds");
    struct nsg_vresult r;
    run("can nic:sp1 -> 8.8.8.0/24 tcp/443", false, &r);
    ck_assert_str_eq(nsg_vstatus_name(r.status), "violated");
    ck_assert(r.has_witness && !r.no_path);
    ck_assert_int_eq(r.decision, NSG_DEC_DENY);
    ck_assert(hop_kind(&r, NSG_PHOP_APPLIANCE));
    /* the last decision is nva1's inbound DenyAll */
    const struct nsg_pverdict *last = &r.trace.v[r.trace.n - 1];
    ck_assert_str_eq(last->at->nic->name, "nva1");
    ck_assert_int_eq(last->at->dir, NSG_DIR_IN);
    nsg_vresult_release(&r);
    PATHS("never nic:sp1 -> 8.0.0.0/8", "holds");
    PATHS("never nic:sp1 -> 0.0.0.0/0", "violated"); /* the hub, peered */
}
END_TEST

START_TEST(route_none)
{
    NSGONLY("can nic:sp1 -> nic:sp9 tcp/22", "holds");
    struct nsg_vresult r;
    run("can nic:sp1 -> nic:sp9 tcp/22", false, &r);
    ck_assert_str_eq(nsg_vstatus_name(r.status), "violated");
    ck_assert(r.no_path);
    ck_assert_msg(strstr(r.path.reason, "None"), "%s", r.path.reason);
    ck_assert_ptr_nonnull(r.path.hops[0].route);
    ck_assert(r.path.hops[0].route->user);
    nsg_vresult_release(&r);
    PATHS("can nic:sp9 -> nic:sp1 tcp/22", "holds"); /* s9 has no UDR */
}
END_TEST

START_TEST(outbound_access)
{
    PATHS("can nic:priv1 -> Internet tcp/443", "violated");
    PATHS("can nic:priv1 -> nic:app1 tcp/443", "holds"); /* inside: fine */
    PATHS("can nic:nat1 -> Internet tcp/443", "holds");
    PATHS("can nic:app1 -> Internet tcp/443", "holds");
    struct nsg_vresult r;
    run("can nic:nat1 -> 8.8.8.8 udp/53", false, &r);
    ck_assert(hop_kind(&r, NSG_PHOP_INTERNET));
    bool natgw = false;
    for (size_t i = 0; i < r.path.n_hops; i++)
        natgw = natgw || (r.path.hops[i].detail &&
                          strstr(r.path.hops[i].detail, "NAT gateway ng"));
    ck_assert(natgw);
    nsg_vresult_release(&r);
}
END_TEST

START_TEST(three_valued)
{
    struct nsg_vresult r;
    /* on-premises through the gateway of gwnet: not verified */
    run("can 192.168.5.5 -> nic:gw1 tcp/22", false, &r);
    ck_assert_str_eq(nsg_vstatus_name(r.status), "unknown");
    ck_assert_uint_ge(r.n_open, 1);
    ck_assert_msg(strstr(r.open[0], "gateway"), "%s", r.open[0]);
    nsg_vresult_release(&r);
    PATHS("never 192.168.5.5 -> nic:gw1 tcp/22", "unknown");
    /* the hub has no gateway: nothing from on-premises reaches app1 */
    PATHS("can 192.168.5.5 -> nic:app1 tcp/22", "violated");
    /* a next hop outside the corpus */
    run("can nic:sp1 -> 172.16.1.1 tcp/443", false, &r);
    ck_assert_str_eq(nsg_vstatus_name(r.status), "unknown");
    ck_assert_msg(strstr(r.reason, "appliance"), "%s", r.reason);
    nsg_vresult_release(&r);
    /* a definite violation wins over what is not verified */
    PATHS("never * -> nic:gw1 tcp/22", "violated");
}
END_TEST

START_TEST(platform_and_always)
{
    PATHS("always 168.63.129.16 -> nic:app1 tcp/80", "holds");
    PATHS("always nic:web1 -> nic:app1 tcp/22", "holds");
    PATHS("always nic:app1 -> nic:sp1 tcp/22", "holds");
    PATHS("always Internet -> nic:web2 tcp/22", "violated");
    /* a query that touches no NIC of the corpus is an input error */
    struct nsg_query q;
    struct nsg_vresult r;
    struct nsg_err err = NSG_ERR_INIT;
    ck_assert_int_eq(nsg_query_parse("never 8.8.8.8 -> 1.1.1.1 tcp/22", 1, &q,
                                     &err), 0);
    ck_assert_int_eq(nsg_verify_run(V, &q, &r, &err), NSG_E_INPUT);
    nsg_query_release(&q);
}
END_TEST

/* Every witness must be a packet the concrete path and the simulator
 * agree on: re-walk it and re-evaluate it independently here. */
START_TEST(witness_replays)
{
    const char *qs[] = {"never Internet -> nic:web2 tcp/22",
                        "can nic:app1 -> nic:sp1 tcp/22",
                        "can nic:sp1 -> 8.8.8.0/24 tcp/443",
                        "never * -> nic:app2",
                        "always Internet -> nic:web1 tcp/443,22"};
    struct nsg_sim *sim = nsg_sim_new(T);
    for (size_t i = 0; i < sizeof(qs) / sizeof(*qs); i++) {
        struct nsg_vresult r;
        run(qs[i], false, &r);
        ck_assert_msg(r.has_witness, "%s", qs[i]);
        struct nsg_ptrace tr;
        ck_assert_int_eq(nsg_pnet_eval(N, sim, &r.path, &r.sent, &tr, NULL), 0);
        ck_assert_int_eq(tr.decision, r.decision);
        nsg_ptrace_release(&tr);
        nsg_vresult_release(&r);
    }
    nsg_sim_free(sim);
}
END_TEST

/* The stages before the NSGs along paths: an address no NIC holds is
 * decided by its subnet's NSG after the security admin rules of its
 * virtual network; platform traffic passes a NIC's "deny Internet".
 *   av 10.20.0.0/16, subnet as 10.20.1.0/24 (NSG asn: inbound 22 allowed,
 *   3389 denied; outbound Internet denied): an1 10.20.1.4; 10.20.1.9 is
 *   no NIC's.  Admin rules (deployed): Deny tcp/22 to 10.20.1.9,
 *   AlwaysAllow tcp/3389 to 10.20.1.9. */
START_TEST(admin_and_platform_along_paths)
{
    struct nsg_topology *t = nsg_topo_new();
    struct nsg_vnet *av = tb_vnet(t, "av", "10.20.0.0/16");
    struct nsg_nsg *asn = tb_nsg(t, "asn");
    tb_rule(asn, "AllowSsh", 100, "in", "allow", "Tcp", "*", "*", "*", "22");
    tb_rule(asn, "DenyRdp", 110, "in", "deny", "Tcp", "*", "*", "*", "3389");
    tb_rule(asn, "DenyInternetOut", 100, "out", "deny", "*", "*", "*",
            "Internet", "*");
    struct nsg_subnet *as = tb_subnet(t, av, "as", "10.20.1.0/24", asn);
    tb_nic(t, "an1", as, "10.20.1.4", "", NULL);
    struct nsg_admin_config *cfg = tb_admin_config(t, "nm", "cfg");
    struct nsg_admin_collection *col = tb_admin_collection(t, cfg, "c", "g");
    struct nsg_network_group *g = tb_network_group(t, "nm", "g");
    tb_static_member(t, g, av);
    tb_admin_deployment(t, "nm", "westeurope", "Deployed", "cfg");
    tb_admin_rule(t, col, "DenySshHost", 10, "in", "deny", "Tcp", "*", "*",
                  "10.20.1.9", "22");
    tb_admin_rule(t, col, "AlwaysRdpHost", 20, "in", "alwaysallow", "Tcp",
                  "*", "*", "10.20.1.9", "3389");
    tb_link(t);
    struct nsg_verifier *v = nsg_verifier_new(t, 0);
    struct {
        const char *q, *want;
    } cases[] = {
        /* the subnet NSG allows 22, the admin Deny decides first */
        {"never nic:an1 -> 10.20.1.9 tcp/22", "holds"},
        {"never nic:an1 -> 10.20.1.8 tcp/22", "violated"},
        /* the subnet NSG denies 3389, the admin AlwaysAllow decides */
        {"can nic:an1 -> 10.20.1.9 tcp/3389", "holds"},
        {"can nic:an1 -> 10.20.1.8 tcp/3389", "violated"},
        /* DNS to the host is platform traffic: "deny Internet" (which
         * holds 168.63.129.16) does not apply to it */
        {"can nic:an1 -> 168.63.129.16 udp/53", "holds"},
        {"can nic:an1 -> 168.63.129.16 tcp/443", "violated"}};
    for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
        struct nsg_query q;
        struct nsg_vresult r;
        struct nsg_err err = NSG_ERR_INIT;
        ck_assert_int_eq(nsg_query_parse(cases[i].q, 1, &q, &err), NSG_OK);
        ck_assert_msg(nsg_verify_run(v, &q, &r, &err) == NSG_OK, "%s: %s",
                      cases[i].q, err.msg);
        ck_assert_msg(!strcmp(nsg_vstatus_name(r.status), cases[i].want),
                      "%s: %s (%s)", cases[i].q, nsg_vstatus_name(r.status),
                      r.reason);
        if (i == 2) { /* the witness met the admin rule at the address */
            const struct nsg_pverdict *last = &r.trace.v[r.trace.n - 1];
            ck_assert_ptr_null(last->at->nic);
            ck_assert_ptr_nonnull(last->v.admin.rule);
            ck_assert_str_eq(last->v.admin.rule->ar->name, "AlwaysRdpHost");
            ck_assert(last->v.admin.ends);
        }
        if (i == 4) { /* decided by the platform at the NIC */
            ck_assert_int_eq(r.trace.v[0].v.platform, NSG_PLAT_DNS);
        }
        nsg_vresult_release(&r);
        nsg_query_release(&q);
    }
    nsg_verifier_free(v);
    nsg_topo_free(t);
}
END_TEST

static Suite *path_suite(void)
{
    Suite *s = suite_create("path");
    TCase *tc = tcase_create("path");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, effective_routes);
    tcase_add_test(tc, addrset_intersect);
    tcase_add_test(tc, origins_split);
    tcase_add_test(tc, walks);
    tcase_add_test(tc, appliance_hops);
    tcase_add_test(tc, load_balancer);
    tcase_add_test(tc, classes_group);
    tcase_add_test(tc, unpeered_vnets);
    tcase_add_test(tc, peering_states);
    tcase_add_test(tc, nic_without_public_ip);
    tcase_add_test(tc, lb_nat_rule);
    tcase_add_test(tc, standard_closed_basic_open);
    tcase_add_test(tc, appliance_denies);
    tcase_add_test(tc, route_none);
    tcase_add_test(tc, outbound_access);
    tcase_add_test(tc, three_valued);
    tcase_add_test(tc, platform_and_always);
    tcase_add_test(tc, witness_replays);
    tcase_add_test(tc, admin_and_platform_along_paths);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(path_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
