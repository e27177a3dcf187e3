/* check_map.c - unit tests of map/: port regions (against a brute-force
 * bitmap), the exact traffic sides of NIC addresses (differentially against
 * the simulator, nsg_sim_eval_nic, on random rule sets and packets), the
 * internet-facing predicate, the assessment's findings and the traffic
 * entries on hand-built networks. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../importer/importer.h"
#include "../map/map_int.h"
#include "../model/model_arm.h"
#include "lib/topo_build.h"

/* ---- regions against a bitmap ------------------------------------------ */

static unsigned rnd(unsigned n)
{
    return (unsigned)random() % n;
}

/* A small random region over protocols {6, 17, 1} and ports 0..63 (plus
 * the full range sometimes), and its bitmap [proto][sport%8][dport]. */
#define NP 3
static const int protos3[NP] = {6, 17, 1};

static void rand_region(struct nsg_map_region *r, bool bm[NP][64][64])
{
    size_t n = rnd(4);
    struct nsg_map_box *b = nsg_xcalloc(n + 1, sizeof(*b));
    memset(bm, 0, sizeof(bool) * NP * 64 * 64);
    for (size_t i = 0; i < n; i++) {
        int pi = (int)rnd(NP);
        b[i].proto = protos3[pi];
        unsigned slo = rnd(64), shi = slo + rnd(64 - slo);
        unsigned dlo = rnd(64), dhi = dlo + rnd(64 - dlo);
        if (pi == 2)
            slo = dlo = 0, shi = dhi = 63;
        b[i].sports.r = nsg_xmalloc(sizeof(struct nsg_portrange));
        b[i].dports.r = nsg_xmalloc(sizeof(struct nsg_portrange));
        b[i].sports.r[0] = (struct nsg_portrange){(uint16_t)slo, (uint16_t)shi};
        b[i].dports.r[0] = (struct nsg_portrange){(uint16_t)dlo, (uint16_t)dhi};
        b[i].sports.n = b[i].dports.n = 1;
        for (unsigned s = slo; s <= shi; s++)
            for (unsigned d = dlo; d <= dhi; d++)
                bm[pi][s][d] = true;
    }
    nsg_map_region_from_boxes(b, n, r);
    struct nsg_map_region tmp = {b, n};
    nsg_map_region_release(&tmp);
}

static bool in_region(const struct nsg_map_region *r, int pi, unsigned s,
                      unsigned d)
{
    for (size_t i = 0; i < r->n; i++) {
        const struct nsg_map_box *b = &r->b[i];
        if (b->proto != protos3[pi])
            continue;
        bool sin = false, din = false;
        for (size_t k = 0; k < b->sports.n; k++)
            sin |= b->sports.r[k].lo <= s && s <= b->sports.r[k].hi;
        for (size_t k = 0; k < b->dports.n; k++)
            din |= b->dports.r[k].lo <= d && d <= b->dports.r[k].hi;
        if (sin && din)
            return true;
    }
    return false;
}

START_TEST(region_ops_match_bitmaps)
{
    static bool a[NP][64][64], b[NP][64][64];
    srandom(17);
    for (int iter = 0; iter < 300; iter++) {
        struct nsg_map_region ra, rb, out[3], again;
        rand_region(&ra, a);
        rand_region(&rb, b);
        for (int op = 0; op < 3; op++) {
            nsg_map_region_combine(&ra, &rb, (enum nsg_map_op)op, &out[op]);
            for (int p = 0; p < NP; p++)
                for (unsigned s = 0; s < 64; s++)
                    for (unsigned d = 0; d < 64; d++) {
                        bool want = op == 0   ? a[p][s][d] && b[p][s][d]
                                    : op == 1 ? a[p][s][d] || b[p][s][d]
                                              : a[p][s][d] && !b[p][s][d];
                        if (in_region(&out[op], p, s, d) != want)
                            ck_abort_msg("iter %d op %d p %d s %u d %u", iter,
                                         op, p, s, d);
                    }
        }
        /* canonical: (a | b) built in the other order is equal */
        nsg_map_region_combine(&rb, &ra, NSG_MAP_OR, &again);
        ck_assert(nsg_map_region_equal(&again, &out[1]));
        ck_assert(nsg_map_region_empty(&out[2]) ==
                  (ra.n == 0 || nsg_map_region_equal(&out[0], &ra)));
        nsg_map_region_release(&again);
        for (int op = 0; op < 3; op++)
            nsg_map_region_release(&out[op]);
        nsg_map_region_release(&ra);
        nsg_map_region_release(&rb);
    }
}
END_TEST

START_TEST(region_text)
{
    struct nsg_map_box b[2];
    struct nsg_portrange s0 = {0, 65535}, d0 = {22, 22}, d1 = {80, 90};
    struct nsg_map_region r;
    struct nsg_buf t = NSG_BUF_INIT;
    b[0] = (struct nsg_map_box){6, {&s0, 1}, {&d0, 1}};
    b[1] = (struct nsg_map_box){6, {&s0, 1}, {&d1, 1}};
    nsg_map_region_from_boxes(b, 2, &r);
    ck_assert_uint_eq(r.n, 1);
    nsg_map_region_text(&r, &t);
    ck_assert_str_eq(t.buf, "Tcp 22,80-90");
    nsg_buf_release(&t);
    nsg_map_region_release(&r);
}
END_TEST

/* ---- sides against the simulator ---------------------------------------- */

static const char *const addr_pool[] = {
    "*",           "Internet",      "VirtualNetwork", "10.0.0.0/16",
    "10.0.1.0/24", "10.0.1.4",      "203.0.113.0/24", "asg:web",
    "Storage",     "NoSuchTag",     "10.1.0.0/16",    "0.0.0.0/1",
    "10.0.2.5",    "198.51.100.7",  "AzureLoadBalancer",
    /* the platform's tags and the VNet's drop */
    "AzurePlatformDNS", "AzurePlatformIMDS", "AzurePlatformLKM",
    "224.0.0.0/4"};
static const char *const port_pool[] = {"*",         "22",   "80",  "443",
                                        "1000-2000", "80-90", "8080"};
static const char *const proto_pool[] = {"Tcp", "Udp", "*", "Icmp", "Esp"};

/* A random address of the pool (no ASG in admin rules; NoSuchTag only
 * with_unknown). */
static const char *rand_addr(bool with_unknown, bool admin)
{
    size_t npool = sizeof(addr_pool) / sizeof(*addr_pool);
    const char *a = addr_pool[rnd((unsigned)npool)];
    if ((!with_unknown && !strcmp(a, "NoSuchTag")) ||
        (admin && !strncmp(a, "asg:", 4)))
        return "*";
    return a;
}

static void rand_rules(struct nsg_nsg *g, int n, bool with_unknown)
{
    for (int i = 0; i < n; i++) {
        char name[16];
        const char *src = rand_addr(with_unknown, false);
        const char *dst = rand_addr(with_unknown, false);
        snprintf(name, sizeof(name), "r%d", i);
        tb_rule(g, name, 100 + 10 * i, rnd(2) ? "in" : "out",
                rnd(3) ? "allow" : "deny", proto_pool[rnd(5)], src,
                rnd(5) ? "*" : port_pool[rnd(7)], dst, port_pool[rnd(7)]);
    }
}

/* Security admin rules for v (and sometimes v2): deployed, or (1 in 4)
 * without a deployment status, so their application is unknown. */
static void rand_admin(struct nsg_topology *t, struct nsg_vnet *v,
                       struct nsg_vnet *v2, bool with_unknown)
{
    static const char *const acc[3] = {"deny", "allow", "alwaysallow"};
    struct nsg_admin_config *cfg = tb_admin_config(t, "nm", "cfg");
    struct nsg_admin_collection *col = tb_admin_collection(t, cfg, "c", "g");
    struct nsg_network_group *g = tb_network_group(t, "nm", "g");
    tb_static_member(t, g, v);
    if (rnd(2))
        tb_static_member(t, g, v2);
    if (rnd(4))
        tb_admin_deployment(t, "nm", "westeurope", "Deployed", "cfg");
    int n = 1 + (int)rnd(4);
    for (int i = 0; i < n; i++) {
        char name[16];
        snprintf(name, sizeof(name), "a%d", i);
        tb_admin_rule(t, col, name, 1 + (int)rnd(20), rnd(2) ? "in" : "out",
                      acc[rnd(3)], proto_pool[rnd(5)],
                      rand_addr(with_unknown, true),
                      rnd(5) ? "*" : port_pool[rnd(7)],
                      rand_addr(with_unknown, true), port_pool[rnd(7)]);
    }
}

struct world {
    struct nsg_topology *t;
    struct nsg_nic *nics[4];
};

static void build_world(struct world *w, bool with_unknown)
{
    struct nsg_topology *t = nsg_topo_new();
    struct nsg_vnet *v = tb_vnet(t, "v1", "10.0.0.0/16");
    struct nsg_vnet *v2 = tb_vnet(t, "v2", "10.1.0.0/16");
    struct nsg_nsg *sn = tb_nsg(t, "sub-nsg"), *nn = tb_nsg(t, "nic-nsg");
    tb_peering(v, "10.1.0.0/16", "Connected", true);
    rand_rules(sn, 1 + (int)rnd(8), with_unknown);
    rand_rules(nn, (int)rnd(6), with_unknown);
    struct nsg_subnet *s1 = tb_subnet(t, v, "web", "10.0.1.0/24", sn);
    struct nsg_subnet *s2 = tb_subnet(t, v, "app", "10.0.2.0/24", NULL);
    struct nsg_subnet *s3 = tb_subnet(t, v2, "far", "10.1.1.0/24", nn);
    tb_asg(t, "web");
    tb_tag(t, "Storage", "20.38.0.0/16,20.60.0.0/14");
    if (rnd(2))
        rand_admin(t, v, v2, with_unknown);
    if (!rnd(4)) /* KMS off in app (and VirtualNetwork: everything) */
        tb_route_table(t, "rt", "0.0.0.0/0", s2);
    w->nics[0] = tb_nic(t, "n1", s1, "10.0.1.4", "web", nn);
    w->nics[1] = tb_nic(t, "n2", s1, "10.0.1.5", "", NULL);
    w->nics[2] = tb_nic(t, "n3", s2, "10.0.2.5", "web", nn);
    w->nics[3] = tb_nic(t, "n4", s3, "10.1.1.4", "", NULL);
    tb_link(t);
    w->t = t;
}

static const char *const remote_pool[] = {
    "203.0.113.9", "10.0.1.5", "10.0.1.4", "10.0.2.5",  "10.1.1.4",
    "20.38.1.1",   "20.61.0.3", "168.63.129.16", "8.8.8.8", "192.168.1.1",
    "198.51.100.7", "0.0.0.1",  "10.0.9.9",  "127.0.0.1", "100.64.0.1",
    /* platform addresses, multicast and broadcast */
    "169.254.169.254", "20.118.99.224", "255.255.255.255", "224.0.0.5"};
static const int proto_nums[] = {6, 17, 1, 50, 47, 4, 6, 17};
static const int port_vals[] = {0,    21,   22,    23,    79,   80,   85,
                                90,   91,   443,   999,   1000, 1500, 2000,
                                2001, 8080, 49152, 65535, 53,   67,   68,
                                1688, 32526};
#define N_OF(a) ((unsigned)(sizeof(a) / sizeof(*(a))))

START_TEST(sides_agree_with_simulator)
{
    long checked = 0, unknown = 0, allowed = 0;
    srandom(4242);
    for (int iter = 0; iter < 150; iter++) {
        struct world w;
        struct nsg_map_net *net = NULL;
        struct nsg_err err = NSG_ERR_INIT;
        build_world(&w, iter % 3 == 0);
        ck_assert_msg(nsg_map_net_new(w.t, &net, &err) == NSG_OK, "%s",
                      err.msg);
        struct nsg_sim *sim = nsg_sim_new(w.t);
        for (int k = 0; k < 300; k++) {
            size_t ai = rnd((unsigned)net->n_addrs);
            const struct nsg_map_addr *a = &net->addrs[ai];
            const struct nsg_nic *nic = net->nics[a->nic].nic;
            struct nsg_packet p;
            struct nsg_verdict v;
            struct nsg_ip remote;
            memset(&p, 0, sizeof(p));
            p.dir = rnd(2) ? NSG_DIR_OUT : NSG_DIR_IN;
            p.proto = proto_nums[rnd(N_OF(proto_nums))];
            nsg_ip_parse(remote_pool[rnd(N_OF(remote_pool))], &remote);
            if (p.dir == NSG_DIR_IN) {
                p.src = remote;
                p.dst = a->ip;
            } else {
                p.src = a->ip;
                p.dst = remote;
            }
            if (nsg_proto_has_ports(p.proto)) {
                p.sport = (uint16_t)port_vals[rnd(N_OF(port_vals))];
                p.dport = (uint16_t)port_vals[rnd(N_OF(port_vals))];
            }
            if (nsg_sim_eval_nic(sim, nic, &p, &v, &err))
                ck_abort_msg("simulator: %s", err.msg);
            const struct nsg_map_side *s = a->side[p.dir];
            if (!s)
                ck_abort_msg("no side for %s", nic->name);
            long part = nsg_map_side_find(s, &remote);
            enum nsg_decision got = NSG_DEC_DENY;
            if (part >= 0 && nsg_map_region_has(&s->p[part].allow, net->named,
                                                net->n_named, p.proto, p.sport,
                                                p.dport))
                got = NSG_DEC_ALLOW;
            else if (part >= 0 &&
                     nsg_map_region_has(&s->p[part].unknown, net->named,
                                        net->n_named, p.proto, p.sport,
                                        p.dport))
                got = NSG_DEC_UNKNOWN;
            char rs[NSG_IP_STRLEN];
            nsg_ip_format(&remote, rs);
            if (got != v.decision)
                ck_abort_msg("iter %d: NIC %s %s proto %d %s port %u->%u: map "
                          "says %s, simulator %s (%s%s%s)",
                          iter, nic->name, p.dir ? "out" : "in", p.proto,
                          rs, p.sport, p.dport,
                          nsg_decision_name(got), nsg_decision_name(v.decision),
                          v.platform ? nsg_platform_name(v.platform) : "",
                          v.admin.rule ? " admin rule " : "",
                          v.admin.rule ? v.admin.rule->ar->name
                          : v.deciding >= 0 && v.levels[v.deciding].m.rule
                              ? v.levels[v.deciding].m.rule->rule->name
                              : "");
            checked++;
            unknown += got == NSG_DEC_UNKNOWN;
            allowed += got == NSG_DEC_ALLOW;
        }
        nsg_sim_free(sim);
        nsg_map_net_free(net);
        nsg_topo_free(w.t);
    }
    /* the random worlds must exercise every answer */
    ck_assert_int_gt(allowed, 1000);
    ck_assert_int_gt(unknown, 50);
    ck_assert_int_gt(checked - allowed - unknown, 1000);
}
END_TEST

/* ---- traffic entries against the simulator -------------------------------- */

/* Is the packet (between two addresses) covered by an entry of NIC nic in
 * direction dir with local address local? */
static bool entry_covers(const struct nsg_map_traffic *tr, size_t nic,
                         enum nsg_dir dir, size_t local,
                         const struct nsg_ip *remote,
                         const struct nsg_packet *p, bool unknown)
{
    const struct nsg_map_net *n = tr->net;
    const GArray *l = tr->by_nic[dir][nic];
    for (guint i = 0; i < l->len; i++) {
        const struct nsg_map_entry *e = &g_array_index(
            tr->entries, struct nsg_map_entry, g_array_index(l, guint, i));
        const struct nsg_map_group *g = tr->groups->pdata[e->group];
        if (e->local == local && nsg_addrset_contains(&g->set, remote) &&
            nsg_map_region_has(unknown ? &e->unknown : &e->allow, n->named,
                               n->n_named, p->proto, p->sport, p->dport))
            return true;
    }
    return false;
}

START_TEST(traffic_agrees_with_simulator)
{
    long pairs = 0, allowed = 0, outside = 0, unknown = 0;
    srandom(99);
    for (int iter = 0; iter < 120; iter++) {
        struct world w;
        struct nsg_map_net *net = NULL;
        struct nsg_map_traffic *tr = NULL;
        struct nsg_err err = NSG_ERR_INIT;
        build_world(&w, iter % 4 == 0);
        ck_assert_msg(nsg_map_net_new(w.t, &net, &err) == NSG_OK, "%s", err.msg);
        ck_assert_int_eq(nsg_map_traffic_new(net, &tr, &err), NSG_OK);
        struct nsg_sim *sim = nsg_sim_new(w.t);
        for (int k = 0; k < 200; k++) {
            size_t di = rnd((unsigned)net->n_addrs), si = rnd((unsigned)net->n_addrs + 3);
            const struct nsg_map_addr *d = &net->addrs[di];
            struct nsg_packet p;
            struct nsg_verdict vin, vout;
            memset(&p, 0, sizeof(p));
            p.proto = proto_nums[rnd(N_OF(proto_nums))];
            if (nsg_proto_has_ports(p.proto)) {
                p.sport = (uint16_t)port_vals[rnd(N_OF(port_vals))];
                p.dport = (uint16_t)port_vals[rnd(N_OF(port_vals))];
            }
            p.dst = d->ip;
            bool internal = si < net->n_addrs;
            if (internal) {
                const struct nsg_map_addr *s = &net->addrs[si];
                if (s->nic == d->nic ||
                    !nsg_map_vnets_route(w.t, s->vnet, d->vnet))
                    continue;
                p.src = s->ip;
            } else {
                nsg_ip_parse(remote_pool[rnd(N_OF(remote_pool))], &p.src);
                /* an outside address is no routed NIC's (nor its own) */
                bool nic_addr = false;
                for (size_t q = 0; q < net->n_addrs; q++)
                    if (!nsg_ip_cmp(&net->addrs[q].ip, &p.src) &&
                        (net->addrs[q].nic == d->nic ||
                         nsg_map_vnets_route(w.t, net->addrs[q].vnet, d->vnet)))
                        nic_addr = true;
                if (nic_addr)
                    continue;
            }
            p.dir = NSG_DIR_IN;
            if (nsg_sim_eval_nic(sim, net->nics[d->nic].nic, &p, &vin, &err))
                ck_abort_msg("%s", err.msg);
            enum nsg_decision want = vin.decision;
            if (internal) {
                p.dir = NSG_DIR_OUT;
                const struct nsg_map_addr *s = &net->addrs[si];
                if (nsg_sim_eval_nic(sim, net->nics[s->nic].nic, &p, &vout, &err))
                    ck_abort_msg("%s", err.msg);
                want = vin.decision == NSG_DEC_DENY || vout.decision == NSG_DEC_DENY
                           ? NSG_DEC_DENY
                       : vin.decision == NSG_DEC_UNKNOWN ||
                               vout.decision == NSG_DEC_UNKNOWN
                           ? NSG_DEC_UNKNOWN
                           : NSG_DEC_ALLOW;
                /* the source's outbound entries say the same */
                bool out_allow = entry_covers(tr, s->nic, NSG_DIR_OUT, si, &p.dst,
                                              &p, false);
                if (out_allow != (want == NSG_DEC_ALLOW))
                    ck_abort_msg("iter %d: outbound entry of %s: map %d, "
                                 "simulator %s",
                                 iter, net->nics[s->nic].nic->name, out_allow,
                                 nsg_decision_name(want));
            }
            p.dir = NSG_DIR_IN;
            bool in_allow = entry_covers(tr, d->nic, NSG_DIR_IN, di, &p.src, &p,
                                         false);
            bool in_unknown = entry_covers(tr, d->nic, NSG_DIR_IN, di, &p.src,
                                           &p, true);
            enum nsg_decision got = in_allow     ? NSG_DEC_ALLOW
                                    : in_unknown ? NSG_DEC_UNKNOWN
                                                 : NSG_DEC_DENY;
            if (got != want) {
                char a[NSG_IP_STRLEN], b[NSG_IP_STRLEN];
                nsg_ip_format(&p.src, a);
                nsg_ip_format(&p.dst, b);
                ck_abort_msg("iter %d: %s -> %s (%s) proto %d %u->%u: map %s, "
                             "simulator %s",
                             iter, a, b, net->nics[d->nic].nic->name, p.proto,
                             p.sport, p.dport, nsg_decision_name(got),
                             nsg_decision_name(want));
            }
            pairs += internal;
            outside += !internal;
            allowed += got == NSG_DEC_ALLOW;
            unknown += got == NSG_DEC_UNKNOWN;
        }
        nsg_sim_free(sim);
        nsg_map_traffic_free(tr);
        nsg_map_net_free(net);
        nsg_topo_free(w.t);
    }
    ck_assert_int_gt(pairs, 1000);
    ck_assert_int_gt(outside, 1000);
    ck_assert_int_gt(allowed, 1000);
    ck_assert_int_gt(unknown, 20);
}
END_TEST

/* ---- internet-facing ------------------------------------------------------ */

START_TEST(facing_by_either_side_of_the_association)
{
    struct nsg_topology *t = nsg_topo_new();
    struct nsg_vnet *v = tb_vnet(t, "v1", "10.0.0.0/16");
    struct nsg_subnet *s = tb_subnet(t, v, "s", "10.0.1.0/24", NULL);
    struct nsg_nic *a = tb_nic(t, "a", s, "10.0.1.4", "", NULL);
    struct nsg_nic *b = tb_nic(t, "b", s, "10.0.1.5", "", NULL);
    struct nsg_nic *c = tb_nic(t, "c", s, "10.0.1.6", "", NULL);
    struct nsg_pip *pip = nsg_xcalloc(1, sizeof(*pip));
    GPtrArray *why = g_ptr_array_new_with_free_func(g_free);

    a->ipconfigs[0].public_ip_id = tb_id("publicIPAddresses", "pip-a");
    pip->id = tb_id("publicIPAddresses", "pip-b");
    pip->name = nsg_xstrdup("pip-b");
    pip->has_ip = true;
    nsg_ip_parse("20.1.2.3", &pip->ip);
    pip->ipconfig_id = g_strdup(b->ipconfigs[0].id);
    nsg_topo_add(t, NSG_RES_PIP, pip);
    tb_link(t);
    ck_assert(nsg_path_nic_facing(t, a, why));
    ck_assert_uint_eq(why->len, 1);
    ck_assert_ptr_nonnull(strstr(why->pdata[0], "not in the corpus"));
    g_ptr_array_set_size(why, 0);
    ck_assert(nsg_path_nic_facing(t, b, why));
    ck_assert_str_eq(why->pdata[0], "public IP pip-b (20.1.2.3) on ipconfig1");
    ck_assert(!nsg_path_nic_facing(t, c, NULL));
    g_ptr_array_free(why, TRUE);
    nsg_topo_free(t);
}
END_TEST

/* Load balancers: a backend of a rule or inbound NAT rule on a public
 * frontend is internet-facing; one on an internal frontend, or only in the
 * pool of an outbound rule, is not. */
START_TEST(facing_behind_public_load_balancer)
{
    struct nsg_topology *t = nsg_topo_new();
    struct nsg_vnet *v = tb_vnet(t, "v1", "10.0.0.0/16");
    struct nsg_subnet *s = tb_subnet(t, v, "s", "10.0.1.0/24", NULL);
    struct nsg_nic *web = tb_nic(t, "web", s, "10.0.1.4", "", NULL);
    struct nsg_nic *ssh = tb_nic(t, "ssh", s, "10.0.1.5", "", NULL);
    struct nsg_nic *in = tb_nic(t, "in", s, "10.0.1.6", "", NULL);
    struct nsg_nic *out = tb_nic(t, "out", s, "10.0.1.7", "", NULL);
    struct nsg_pip *pp = tb_pip(t, "pip-lb", "20.0.0.10", NULL, "Standard");
    struct nsg_pip *po = tb_pip(t, "pip-out", "20.0.0.11", NULL, "Standard");
    struct nsg_lb *pub = tb_lb(t, "lb-pub", "Standard", pp, NULL, NULL);
    tb_lb_pool(pub, "be", web, NULL);
    tb_lb_rule(pub, "http", "be", "Tcp", 80, 8080, false);
    tb_lb_nat(pub, "ssh-nat", ssh, "Tcp", 50001, 22);
    struct nsg_lb *ilb = tb_lb(t, "lb-int", "Standard", NULL, "10.0.1.100", s);
    tb_lb_pool(ilb, "be", in, NULL);
    tb_lb_rule(ilb, "http", "be", "Tcp", 80, 80, false);
    struct nsg_lb *olb = tb_lb(t, "lb-out", "Standard", po, NULL, NULL);
    tb_lb_pool(olb, "be", out, NULL);
    tb_lb_outbound(olb, "be");
    tb_link(t);
    GPtrArray *why = g_ptr_array_new_with_free_func(g_free);
    ck_assert(nsg_path_nic_facing(t, web, why));
    ck_assert_uint_eq(why->len, 1);
    ck_assert_str_eq(why->pdata[0], "behind public load balancer lb-pub "
                                    "(rule http, frontend fe at 20.0.0.10)");
    g_ptr_array_set_size(why, 0);
    ck_assert(nsg_path_nic_facing(t, ssh, why));
    ck_assert_ptr_nonnull(strstr(why->pdata[0], "inbound NAT rule ssh-nat"));
    ck_assert(!nsg_path_nic_facing(t, in, NULL));
    ck_assert(!nsg_path_nic_facing(t, out, NULL));
    /* the map and the assessment see the same */
    struct nsg_map_net *net = NULL;
    struct nsg_err err = NSG_ERR_INIT;
    ck_assert_int_eq(nsg_map_net_new(t, &net, &err), NSG_OK);
    ck_assert(nsg_map_net_nic(net, web)->facing);
    ck_assert(!nsg_map_net_nic(net, in)->facing);
    nsg_map_net_free(net);
    g_ptr_array_free(why, TRUE);
    nsg_topo_free(t);
}
END_TEST

/* ---- flow-log resources ------------------------------------------------------ */

/* Import the text as a configuration file into t (via the importer's
 * normalization, then the model's decoder, as the corpus does). */
static void import_text(struct nsg_topology *t, const char *text)
{
    struct nsg_imp_config *cfg = NULL;
    struct nsg_err err = NSG_ERR_INIT;
    ck_assert_msg(nsg_imp_config_parse("t.json", text, strlen(text), &cfg,
                                       &err) == NSG_OK,
                  "%s", err.msg);
    for (guint i = 0; i < cfg->items->len; i++) {
        const struct nsg_imp_item *it = cfg->items->pdata[i];
        ck_assert_msg(nsg_model_add_resource(t, it->type, it->json, 0, "t.json",
                                             &err) == NSG_OK,
                      "%s", err.msg);
    }
    nsg_imp_config_free(cfg);
}

#define FL_ID "/subscriptions/00000000-0000-0000-0000-000000000000/" \
              "resourceGroups/NetworkWatcherRG/providers/Microsoft.Network/" \
              "networkWatchers/NetworkWatcher_westeurope/flowLogs/"
#define NSG_ID(n) "/subscriptions/00000000-0000-0000-0000-000000000000/" \
                  "resourceGroups/rg/providers/Microsoft.Network/" \
                  "networkSecurityGroups/" n

START_TEST(flowlogs_decoded_in_both_shapes)
{
    struct nsg_topology *t = nsg_topo_new();
    /* ARM list response, and az's flattened output without "type" */
    import_text(t, "{\"value\": [{\"name\": \"fl-a\", \"id\": \"" FL_ID "fl-a\", "
                   "\"type\": \"Microsoft.Network/networkWatchers/flowLogs\", "
                   "\"location\": \"westeurope\", \"properties\": "
                   "{\"targetResourceId\": \"" NSG_ID("a") "\", \"enabled\": true, "
                   "\"storageId\": \"x\"}}]}");
    import_text(t, "[{\"name\": \"fl-b\", \"id\": \"" FL_ID "fl-b\", "
                   "\"targetResourceId\": \"" NSG_ID("b") "\", "
                   "\"storageId\": \"x\", \"enabled\": false},"
                   " {\"name\": \"fl-c\", \"id\": \"" FL_ID "fl-c\", "
                   "\"type\": \"Microsoft.Network/networkWatchers/flowLogs\", "
                   "\"targetResourceId\": \"" NSG_ID("c") "\"}]");
    ck_assert_uint_eq(NSG_TOPO_N(t, NSG_RES_FLOWLOG), 3);
    const struct nsg_flowlog *a = nsg_topo_get(t, NSG_RES_FLOWLOG, FL_ID "fl-a");
    const struct nsg_flowlog *b = nsg_topo_get(t, NSG_RES_FLOWLOG, FL_ID "fl-b");
    const struct nsg_flowlog *c = nsg_topo_get(t, NSG_RES_FLOWLOG, FL_ID "fl-c");
    ck_assert_ptr_nonnull(a);
    ck_assert_ptr_nonnull(b);
    ck_assert_ptr_nonnull(c);
    ck_assert_int_eq(a->state, NSG_FLOWLOG_ENABLED);
    ck_assert_str_eq(a->target_id, NSG_ID("a"));
    ck_assert_str_eq(a->location, "westeurope");
    ck_assert_int_eq(b->state, NSG_FLOWLOG_DISABLED);
    ck_assert_int_eq(c->state, NSG_FLOWLOG_STATE_UNKNOWN);
    ck_assert_ptr_null(c->location);
    nsg_topo_free(t);
}
END_TEST

START_TEST(flowlog_bad_target_is_an_input_error)
{
    const char *text = "{\"value\": [{\"name\": \"fl\", \"type\": "
                       "\"Microsoft.Network/networkWatchers/flowLogs\", "
                       "\"properties\": {\"targetResourceId\": \"web-nsg\"}}]}";
    struct nsg_imp_config *cfg = NULL;
    struct nsg_err err = NSG_ERR_INIT;
    ck_assert_int_eq(nsg_imp_config_parse("fl.json", text, strlen(text), &cfg,
                                          &err),
                     NSG_E_INPUT);
    ck_assert_ptr_nonnull(strstr(err.msg, "fl.json: $.value[0].properties."
                                          "targetResourceId"));
    nsg_imp_config_free(cfg);
}
END_TEST

/* ---- the assessment on hand-built networks ------------------------------------ */

/* Findings (recommendation ids) of one resource, "a,b" in order. */
static char *findings_of(const struct nsg_map_assessment *a, const void *res)
{
    size_t n;
    const struct nsg_map_finding *f = nsg_map_findings(a, &n);
    GString *s = g_string_new(NULL);
    for (size_t i = 0; i < n; i++)
        if (f[i].res == res)
            g_string_append_printf(s, "%s%s", s->len ? "," : "",
                                   nsg_map_rec(f[i].rec)->id);
    return g_string_free(s, FALSE);
}

static struct nsg_flowlog *add_flowlog(struct nsg_topology *t, const char *name,
                                       const char *target, const char *loc,
                                       enum nsg_flowlog_state st)
{
    struct nsg_flowlog *f = nsg_xcalloc(1, sizeof(*f));
    char *id = g_strdup_printf(FL_ID "%s", name);
    f->id = nsg_xstrdup(id);
    g_free(id);
    f->name = nsg_xstrdup(name);
    f->target_id = nsg_xstrdup(target);
    f->location = nsg_xstrdup(loc);
    f->state = st;
    nsg_topo_add(t, NSG_RES_FLOWLOG, f);
    return f;
}

START_TEST(assessment_findings_and_severities)
{
    struct nsg_topology *t = nsg_topo_new();
    struct nsg_vnet *v = tb_vnet(t, "v", "10.0.0.0/16");
    struct nsg_nsg *web = tb_nsg(t, "web"), *locked = tb_nsg(t, "locked");
    tb_rule(web, "Https", 100, "in", "allow", "Tcp", "Internet", "*", "*", "443");
    tb_rule(web, "Rdp", 110, "in", "allow", "Tcp", "198.51.100.0/24", "*", "*",
            "3389");
    tb_rule(locked, "NoInternet", 100, "in", "deny", "*", "Internet", "*", "*", "*");
    struct nsg_subnet *s1 = tb_subnet(t, v, "front", "10.0.1.0/24", web);
    struct nsg_subnet *s2 = tb_subnet(t, v, "back", "10.0.2.0/24", NULL);
    struct nsg_subnet *gw = tb_subnet(t, v, "GatewaySubnet", "10.0.255.0/27", NULL);
    struct nsg_nic *f1 = tb_nic(t, "f1", s1, "10.0.1.4", "", NULL);
    struct nsg_nic *f2 = tb_nic(t, "f2", s2, "10.0.2.4", "", NULL);
    struct nsg_nic *b1 = tb_nic(t, "b1", s2, "10.0.2.5", "", NULL);
    struct nsg_nic *b2 = tb_nic(t, "b2", s2, "10.0.2.6", "", locked);
    f1->ipconfigs[0].public_ip_id = tb_id("publicIPAddresses", "p1");
    f2->ipconfigs[0].public_ip_id = tb_id("publicIPAddresses", "p2");
    b1->ip_forwarding = true;
    tb_link(t);

    struct nsg_map_net *net = NULL;
    struct nsg_map_assessment *a = NULL;
    struct nsg_err err = NSG_ERR_INIT;
    ck_assert_int_eq(nsg_map_net_new(t, &net, &err), NSG_OK);
    ck_assert_int_eq(nsg_map_assess(net, NULL, &a, &err), NSG_OK);
    char *s;
#define HAS(res, want)                                                         \
    s = findings_of(a, res);                                                   \
    ck_assert_str_eq(s, want);                                                 \
    g_free(s);
    /* facing, NSG on the subnet: 443 open to all, RDP from a block */
    HAS(f1, "restrict-all-ports,management-ports");
    /* facing, no NSG at all */
    HAS(f2, "internet-facing-vm-nsg,restrict-all-ports,management-ports");
    /* internal, no NSG: rules admit the Internet on management ports */
    HAS(b1, "management-ports,ip-forwarding,internal-vm-nsg");
    /* internal, NIC NSG denying the Internet */
    HAS(b2, "");
    HAS(s2, "subnet-nsg");
    HAS(gw, ""); /* no NSG is supported there */
    HAS(s1, "");
    /* no flow-log configuration: coverage unknown, no coverage finding */
    HAS(v, "");
    ck_assert_int_eq(nsg_map_coverage(a, f1), NSG_MAP_COVER_UNKNOWN);
    cJSON *j = nsg_map_assessment_json(a);
    ck_assert_str_eq(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "flow_log_coverage"),
                                         "state")->valuestring,
                     "unknown");
    ck_assert_int_eq(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "summary"), "high")
                         ->valueint,
                     3);
    cJSON_Delete(j);
    nsg_map_assessment_free(a);

    /* flow logs of another region only: still unknown here */
    add_flowlog(t, "fl-other", web->id, "East US", NSG_FLOWLOG_ENABLED);
    ck_assert_int_eq(nsg_map_assess(net, NULL, &a, &err), NSG_OK);
    ck_assert_int_eq(nsg_map_coverage(a, f1), NSG_MAP_COVER_UNKNOWN);
    HAS(v, "");
    nsg_map_assessment_free(a);

    /* this region: web logged, locked's log says nothing about "enabled" */
    add_flowlog(t, "fl-web", web->id, "West Europe", NSG_FLOWLOG_ENABLED);
    add_flowlog(t, "fl-locked", locked->id, "westeurope",
                NSG_FLOWLOG_STATE_UNKNOWN);
    ck_assert_int_eq(nsg_map_assess(net, NULL, &a, &err), NSG_OK);
    ck_assert_int_eq(nsg_map_coverage(a, f1), NSG_MAP_COVER_FULL);
    ck_assert_int_eq(nsg_map_coverage(a, f2), NSG_MAP_COVER_NONE);
    ck_assert_int_eq(nsg_map_coverage(a, b2), NSG_MAP_COVER_UNKNOWN);
    ck_assert_int_eq(nsg_map_coverage(a, v), NSG_MAP_COVER_UNKNOWN);
    HAS(web, "");
    HAS(locked, "");
    nsg_map_assessment_free(a);

    /* a VNet flow log on the back subnet covers its NICs */
    add_flowlog(t, "fl-back", s2->id, "westeurope", NSG_FLOWLOG_ENABLED);
    ((struct nsg_flowlog *)nsg_topo_get(t, NSG_RES_FLOWLOG, FL_ID "fl-locked"))
        ->state = NSG_FLOWLOG_DISABLED;
    ck_assert_int_eq(nsg_map_assess(net, NULL, &a, &err), NSG_OK);
    ck_assert_int_eq(nsg_map_coverage(a, b1), NSG_MAP_COVER_FULL);
    ck_assert_int_eq(nsg_map_coverage(a, b2), NSG_MAP_COVER_FULL);
    ck_assert_int_eq(nsg_map_coverage(a, f2), NSG_MAP_COVER_FULL);
    ck_assert_int_eq(nsg_map_coverage(a, v), NSG_MAP_COVER_FULL);
    /* locked's own log is disabled, but every NIC it governs is recorded */
    HAS(locked, "");
    nsg_map_assessment_free(a);
#undef HAS
    nsg_map_net_free(net);
    nsg_topo_free(t);
}
END_TEST

/* restrict-all-ports judges the NSGs: a security admin Deny of a few
 * Internet addresses does not hide an NSG that admits the Internet, and
 * the message says the admin rules deny part of it; management ports are
 * judged through every stage (the admin Deny closes SSH). */
START_TEST(restrict_all_ports_behind_admin_rules)
{
    struct nsg_topology *t = nsg_topo_new();
    struct nsg_vnet *v = tb_vnet(t, "v", "10.0.0.0/16");
    struct nsg_nsg *g = tb_nsg(t, "g");
    tb_rule(g, "AllowWeb", 100, "in", "allow", "Tcp", "Internet", "*", "*",
            "443");
    tb_rule(g, "AllowSsh", 110, "in", "allow", "Tcp", "Internet", "*", "*",
            "22");
    struct nsg_subnet *s = tb_subnet(t, v, "s", "10.0.1.0/24", g);
    struct nsg_nic *f = tb_nic(t, "f", s, "10.0.1.4", "", NULL);
    f->ipconfigs[0].public_ip_id = tb_id("publicIPAddresses", "p");
    struct nsg_admin_config *cfg = tb_admin_config(t, "nm", "cfg");
    struct nsg_admin_collection *col = tb_admin_collection(t, cfg, "c", "ng");
    tb_static_member(t, tb_network_group(t, "nm", "ng"), v);
    tb_admin_deployment(t, "nm", "westeurope", "Deployed", "cfg");
    tb_admin_rule(t, col, "DenyBad", 10, "in", "deny", "Tcp", "203.0.113.0/24",
                  "*", "*", "443");
    tb_admin_rule(t, col, "DenySsh", 20, "in", "deny", "Tcp", "*", "*", "*",
                  "22");
    tb_link(t);
    struct nsg_map_net *net = NULL;
    struct nsg_map_assessment *a = NULL;
    struct nsg_err err = NSG_ERR_INIT;
    ck_assert_int_eq(nsg_map_net_new(t, &net, &err), NSG_OK);
    ck_assert_int_eq(nsg_map_assess(net, NULL, &a, &err), NSG_OK);
    size_t n;
    const struct nsg_map_finding *fs = nsg_map_findings(a, &n);
    bool restrict_ = false, mgmt = false;
    for (size_t i = 0; i < n; i++) {
        const char *id = nsg_map_rec(fs[i].rec)->id;
        if (!strcmp(id, "restrict-all-ports")) {
            restrict_ = true;
            ck_assert_str_eq(fs[i].message,
                             "every Internet address may reach Tcp 22,443 "
                             "through the NSGs (security admin rules deny "
                             "part of it)");
        }
        mgmt |= !strcmp(id, "management-ports");
    }
    ck_assert(restrict_);
    ck_assert(!mgmt); /* the admin Deny closes SSH for everyone */
    nsg_map_assessment_free(a);
    nsg_map_net_free(net);
    nsg_topo_free(t);
}
END_TEST

/* The hardening hook: called for internet-facing NICs only. */
static int hook_calls;
static nsg_rc fake_harden(void *ctx, const struct nsg_topology *t,
                          const struct nsg_nic *nic, char **message,
                          cJSON **details, char **unscanned,
                          struct nsg_err *err)
{
    (void)t;
    (void)err;
    hook_calls++;
    if (ctx) { /* "unscanned": not a finding, not evaluated */
        *unscanned = g_strdup("fewer than 30 days of flow records");
        return NSG_OK;
    }
    *message = g_strdup_printf("narrow %s", nic->name);
    *details = cJSON_CreateObject();
    return NSG_OK;
}

START_TEST(hardening_hook)
{
    struct nsg_topology *t = nsg_topo_new();
    struct nsg_vnet *v = tb_vnet(t, "v", "10.0.0.0/16");
    struct nsg_subnet *s = tb_subnet(t, v, "s", "10.0.1.0/24", tb_nsg(t, "g"));
    struct nsg_nic *f = tb_nic(t, "f", s, "10.0.1.4", "", NULL);
    tb_nic(t, "i", s, "10.0.1.5", "", NULL);
    f->ipconfigs[0].public_ip_id = tb_id("publicIPAddresses", "p");
    tb_link(t);
    struct nsg_map_net *net = NULL;
    struct nsg_map_assessment *a = NULL;
    struct nsg_err err = NSG_ERR_INIT;
    ck_assert_int_eq(nsg_map_net_new(t, &net, &err), NSG_OK);
    ck_assert_int_eq(nsg_map_assess(net, NULL, &a, &err), NSG_OK);
    cJSON *j = nsg_map_assessment_json(a);
    ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItem(j, "not_evaluated")), 1);
    cJSON_Delete(j);
    nsg_map_assessment_free(a);
    struct nsg_map_assess_opts o = {fake_harden, NULL};
    ck_assert_int_eq(nsg_map_assess(net, &o, &a, &err), NSG_OK);
    ck_assert_int_eq(hook_calls, 1);
    char *got = findings_of(a, f);
    ck_assert_str_eq(got, "adaptive-hardening");
    g_free(got);
    nsg_map_assessment_free(a);
    /* an unscanned NIC: no finding, listed as not evaluated with why */
    int unscanned_ctx = 1;
    struct nsg_map_assess_opts u = {fake_harden, &unscanned_ctx};
    ck_assert_int_eq(nsg_map_assess(net, &u, &a, &err), NSG_OK);
    got = findings_of(a, f);
    ck_assert_str_eq(got, "");
    g_free(got);
    j = nsg_map_assessment_json(a);
    cJSON *ne = cJSON_GetObjectItem(j, "not_evaluated");
    ck_assert_int_eq(cJSON_GetArraySize(ne), 1);
    ck_assert_str_eq(cJSON_GetObjectItem(cJSON_GetArrayItem(ne, 0),
                                         "reason")->valuestring,
                     "fewer than 30 days of flow records");
    ck_assert_str_eq(cJSON_GetObjectItem(cJSON_GetArrayItem(ne, 0),
                                         "resource")->valuestring,
                     "NIC f");
    cJSON_Delete(j);
    nsg_map_assessment_free(a);
    nsg_map_net_free(net);
    nsg_topo_free(t);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("map");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, region_ops_match_bitmaps);
    tcase_add_test(tc, region_text);
    tcase_add_test(tc, sides_agree_with_simulator);
    tcase_add_test(tc, traffic_agrees_with_simulator);
    tcase_add_test(tc, facing_by_either_side_of_the_association);
    tcase_add_test(tc, facing_behind_public_load_balancer);
    tcase_add_test(tc, flowlogs_decoded_in_both_shapes);
    tcase_add_test(tc, flowlog_bad_target_is_an_input_error);
    tcase_add_test(tc, assessment_findings_and_severities);
    tcase_add_test(tc, hardening_hook);
    tcase_add_test(tc, restrict_all_ports_behind_admin_rules);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
