/* check_path_random.c - differential test of verify along paths: random
 * topologies (virtual networks, peerings in random states, public IPs of
 * every SKU, route tables with None / Internet / VnetLocal / appliance next
 * hops, appliances with and without IP forwarding, private subnets, NSGs)
 * and random queries, answered by verify (path classes, the Z3 encoding)
 * and by a brute-force path evaluator written here, separately from
 * path/: it routes each concrete packet of the (finite) class itself —
 * its own effective routes and longest prefix match, peering checks,
 * outbound connectivity, public IPs — and asks the simulator only for the
 * NSG decision at each NIC on the way (the simulator is checked against
 * its linear reference in check_sim_random and against the solver in
 * check_solver_random). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../solver/verify.h"
#include "lib/topo_build.h"

/* ---- the brute-force evaluator ------------------------------------------- */
enum bf { BF_ALLOW, BF_DENY, BF_NOPATH, BF_MAYBE, BF_UNK_DENY };

struct hop {
    const struct nsg_nic *nic;
    enum nsg_dir dir;
    struct nsg_packet pk; /* as this NIC's NSGs see it */
};

struct bfr {
    enum bf out;
    const struct nsg_nic *at; /* the NIC it reaches (NULL: leaves, drops) */
};

struct bfw {
    bool translated; /* the packet reached a public IP of the corpus */
    const struct nsg_topology *t;
    struct nsg_sim *sim;
    struct hop chain[16];
    int n;
    const struct nsg_nic *visited[8];
    int nv;
};

static bool sameid(const char *a, const char *b)
{
    return a && b && !strcasecmp(a, b);
}

static const struct nsg_subnet *sub_of(const struct nsg_topology *t,
                                       const struct nsg_nic *n)
{
    return nsg_topo_get(t, NSG_RES_SUBNET, n->ipconfigs[0].subnet_id);
}

static const struct nsg_vnet *vnet_of(const struct nsg_topology *t,
                                      const struct nsg_nic *n)
{
    return nsg_topo_vnet_of_subnet(t, sub_of(t, n));
}

static bool in_space(const struct nsg_vnet *v, const struct nsg_ip *ip)
{
    for (size_t i = 0; i < v->n_space; i++)
        if (nsg_cidr_contains(&v->space[i], ip))
            return true;
    return false;
}

static bool is_private(const struct nsg_ip *ip)
{
    uint32_t a = (uint32_t)ip->v;
    return (a >> 24) == 10 || (a >> 20) == (172u << 4 | 1) ||
           (a >> 16) == (192u << 8 | 168) || (a >> 22) == (100u << 2 | 1);
}

static const struct nsg_nic *nic_at(const struct nsg_topology *t,
                                    const struct nsg_vnet *v,
                                    const struct nsg_ip *ip)
{
    for (guint i = 0; i < NSG_TOPO_N(t, NSG_RES_NIC); i++) {
        const struct nsg_nic *n = NSG_TOPO_AT(t, NSG_RES_NIC, i);
        if (!nsg_ip_cmp(&n->ipconfigs[0].ip, ip) && (!v || vnet_of(t, n) == v))
            return n;
    }
    return NULL;
}

static const struct nsg_pip *pip_of(const struct nsg_topology *t,
                                    const struct nsg_nic *n)
{
    return nsg_topo_get(t, NSG_RES_PIP, n->ipconfigs[0].public_ip_id);
}

static const struct nsg_nic *nic_of_pip(const struct nsg_topology *t,
                                        const struct nsg_ip *ip)
{
    for (guint i = 0; i < NSG_TOPO_N(t, NSG_RES_NIC); i++) {
        const struct nsg_nic *n = NSG_TOPO_AT(t, NSG_RES_NIC, i);
        const struct nsg_pip *p = pip_of(t, n);
        if (p && !nsg_ip_cmp(&p->ip, ip))
            return n;
    }
    return NULL;
}

static const struct nsg_peering *peering_to(const struct nsg_vnet *a,
                                            const struct nsg_vnet *b)
{
    for (size_t i = 0; i < a->n_peerings; i++)
        if (sameid(a->peerings[i].remote_vnet_id, b->id))
            return &a->peerings[i];
    return NULL;
}

static bool connected(const struct nsg_peering *p)
{
    return p && p->state && !strcmp(p->state, "Connected");
}

/* The chain's NSG decision: every hop allows? */
static enum nsg_decision chain_decision(struct bfw *w)
{
    for (int i = 0; i < w->n; i++) {
        struct nsg_verdict v;
        struct nsg_err err = NSG_ERR_INIT;
        ck_assert_int_eq(nsg_sim_eval_nic(w->sim, w->chain[i].nic,
                                          &w->chain[i].pk, &v, &err),
                         0);
        if (v.decision != NSG_DEC_ALLOW)
            return v.decision;
    }
    return NSG_DEC_ALLOW;
}

static void push(struct bfw *w, const struct nsg_nic *n, enum nsg_dir d,
                 const struct nsg_packet *pk)
{
    ck_assert_int_lt(w->n, 16);
    w->chain[w->n].nic = n;
    w->chain[w->n].dir = d;
    w->chain[w->n].pk = *pk;
    w->chain[w->n].pk.dir = d;
    w->n++;
}

static struct bfr result(struct bfw *w, const struct nsg_nic *at, bool maybe)
{
    enum nsg_decision d = chain_decision(w);
    struct bfr r = {BF_ALLOW, at};
    if (maybe)
        r.out = d == NSG_DEC_ALLOW ? BF_MAYBE : BF_UNK_DENY;
    else
        r.out = d == NSG_DEC_ALLOW ? BF_ALLOW : BF_DENY;
    return r;
}

static struct bfr nopath(void)
{
    return (struct bfr){BF_NOPATH, NULL};
}

/* Longest prefix match over the subnet's routes, built here: system
 * routes of the vnet, then the route table's (a UDR wins a tie). */
struct rt {
    struct nsg_cidr p;
    int hop; /* 0 vnet, 1 peering, 2 internet, 3 none, 4 appliance */
    const struct nsg_route *udr;
    const struct nsg_vnet *peer;
};

static struct rt lpm(const struct nsg_topology *t, const struct nsg_subnet *s,
                     const struct nsg_ip *dst)
{
    const struct nsg_vnet *v = nsg_topo_vnet_of_subnet(t, s);
    struct rt best = {{0}, -1, NULL, NULL};
    int best_len = -1;
    bool best_user = false;
    struct rt cand[64];
    int n = 0;
    for (size_t i = 0; i < v->n_space; i++)
        cand[n++] = (struct rt){v->space[i], 0, NULL, NULL};
    for (size_t i = 0; i < v->n_peerings; i++) {
        const struct nsg_peering *p = &v->peerings[i];
        if (!connected(p))
            continue;
        for (size_t k = 0; k < p->n_remote_space; k++)
            cand[n++] = (struct rt){p->remote_space[k], 1, NULL,
                                    nsg_topo_get(t, NSG_RES_VNET,
                                                 p->remote_vnet_id)};
    }
    const char *reserved[] = {"10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16",
                              "100.64.0.0/10", "0.0.0.0/0"};
    for (int i = 0; i < 5; i++) {
        struct nsg_cidr c;
        nsg_cidr_parse(reserved[i], &c);
        cand[n++] = (struct rt){c, i == 4 ? 2 : 3, NULL, NULL};
    }
    const struct nsg_route_table *tab =
        nsg_topo_get(t, NSG_RES_ROUTE_TABLE, s->route_table_id);
    int first_user = n;
    for (size_t i = 0; tab && i < tab->n_routes; i++) {
        const struct nsg_route *u = &tab->routes[i];
        int h = !strcmp(u->next_hop_type, "VnetLocal")          ? 0
                : !strcmp(u->next_hop_type, "Internet")         ? 2
                : !strcmp(u->next_hop_type, "None")             ? 3
                                                                : 4;
        cand[n++] = (struct rt){u->prefix, h, u, NULL};
    }
    for (int i = 0; i < n; i++) {
        bool user = i >= first_user;
        if (!nsg_cidr_contains(&cand[i].p, dst))
            continue;
        if (cand[i].p.len > best_len ||
            (cand[i].p.len == best_len && user && !best_user)) {
            best = cand[i];
            best_len = cand[i].p.len;
            best_user = user;
        }
    }
    return best;
}

static struct bfr deliver(struct bfw *w, const struct nsg_vnet *v,
                          const struct nsg_packet *pk)
{
    const struct nsg_nic *y = nic_at(w->t, v, &pk->dst);
    if (!y)
        return nopath();
    push(w, y, NSG_DIR_IN, pk);
    return result(w, y, false);
}

static struct bfr from_internet(struct bfw *w, const struct nsg_packet *sent,
                                bool src_snat, const struct nsg_ip *snat)
{
    const struct nsg_nic *y = nic_of_pip(w->t, &sent->dst);
    struct nsg_packet pk = *sent;
    if (!y)
        return nopath();
    w->translated = true;
    const struct nsg_pip *p = pip_of(w->t, y);
    bool nsg = y->nsg_id || sub_of(w->t, y)->nsg_id;
    if (!nsg && !p->sku)
        return result(w, NULL, true);
    if (!nsg && !strcmp(p->sku, "Standard"))
        return nopath();
    pk.dst = y->ipconfigs[0].ip;
    if (src_snat)
        pk.src = *snat;
    push(w, y, NSG_DIR_IN, &pk);
    return result(w, y, false);
}

static struct bfr route(struct bfw *w, const struct nsg_nic *sender,
                        const struct nsg_packet *pk, bool fwd)
{
    const struct nsg_subnet *s = sub_of(w->t, sender);
    const struct nsg_vnet *v = nsg_topo_vnet_of_subnet(w->t, s);
    struct rt r = lpm(w->t, s, &pk->dst);
    switch (r.hop) {
    case 0:
        return in_space(v, &pk->dst) ? deliver(w, v, pk) : nopath();
    case 1: {
        const struct nsg_peering *mine = peering_to(v, r.peer);
        const struct nsg_peering *back = peering_to(r.peer, v);
        if (!mine->allow_vnet_access || !connected(back) ||
            !back->allow_vnet_access || (fwd && !back->allow_forwarded))
            return nopath();
        return deliver(w, r.peer, pk);
    }
    case 2: {
        const struct nsg_nic *y = nic_of_pip(w->t, &pk->dst);
        const struct nsg_pip *mine = pip_of(w->t, sender);
        if (is_private(&pk->dst))
            return nopath();
        if (!mine && s->private_subnet)
            return nopath();
        if (!y)
            return result(w, NULL, false); /* leaves */
        if (!mine) { /* SNAT address unknown, on its way to y */
            w->translated = true;
            return result(w, NULL, true);
        }
        return from_internet(w, pk, true, &mine->ip);
    }
    case 3:
        return nopath();
    default: {
        const struct nsg_nic *a = NULL;
        for (guint i = 0; i < NSG_TOPO_N(w->t, NSG_RES_NIC) && !a; i++) {
            const struct nsg_nic *x = NSG_TOPO_AT(w->t, NSG_RES_NIC, i);
            const struct nsg_vnet *xv = vnet_of(w->t, x);
            bool reach = xv == v;
            if (!reach) {
                const struct nsg_peering *p = peering_to(v, xv),
                                         *q = peering_to(xv, v);
                reach = connected(p) && connected(q) && p->allow_vnet_access &&
                        q->allow_vnet_access;
            }
            if (reach && !nsg_ip_cmp(&x->ipconfigs[0].ip, &r.udr->next_hop_ip))
                a = x;
        }
        if (!a)
            return result(w, NULL, true); /* appliance outside the corpus */
        for (int i = 0; i < w->nv; i++)
            if (w->visited[i] == a)
                return nopath();
        if (!a->ip_forwarding)
            return nopath();
        ck_assert_int_lt(w->nv, 8);
        w->visited[w->nv++] = a;
        push(w, a, NSG_DIR_IN, pk);
        push(w, a, NSG_DIR_OUT, pk);
        return route(w, a, pk, true);
    }
    }
}

/* The answer for one concrete packet from a NIC (NULL: from the Internet);
 * excluded when it is a NIC to itself or never touches the corpus. */
static bool bf_eval(const struct nsg_topology *t, struct nsg_sim *sim,
                    const struct nsg_nic *from, const struct nsg_packet *pk,
                    struct bfr *out, bool *translated)
{
    struct bfw w;
    memset(&w, 0, sizeof(w));
    w.t = t;
    w.sim = sim;
    if (from) {
        if (!nsg_ip_cmp(&from->ipconfigs[0].ip, &pk->dst))
            return false;
        push(&w, from, NSG_DIR_OUT, pk);
        *out = route(&w, from, pk, false);
        *translated = w.translated;
        return true;
    }
    if (!is_private(&pk->dst) && !nic_of_pip(t, &pk->dst))
        return false;
    if (is_private(&pk->dst)) {
        *out = nopath();
        *translated = false;
        return true;
    }
    *out = from_internet(&w, pk, false, NULL);
    *translated = w.translated;
    return true;
}

/* ---- random topologies ------------------------------------------------------ */
#define NV_MAX 4

struct world {
    struct nsg_topology *t;
    struct nsg_nic *nics[32];
    int n_nics;
    struct nsg_subnet *subs[16];
    int n_subs;
};

static const char *pick(GRand *r, const char *const *v, int n)
{
    return v[g_rand_int_range(r, 0, n)];
}

static void random_nsg_rules(GRand *r, struct world *w, struct nsg_nsg *n)
{
    static const char *const protos[] = {"Tcp", "Udp", "*"};
    static const char *const ports[] = {"*", "22", "80", "53"};
    int k = g_rand_int_range(r, 1, 5);
    for (int i = 0; i < k; i++) {
        char name[16], sub[2][NSG_CIDR_STRLEN];
        snprintf(name, sizeof(name), "r%d", i);
        for (int s = 0; s < 2; s++) {
            int c = g_rand_int_range(r, 0, 5);
            if (c == 0)
                snprintf(sub[s], NSG_CIDR_STRLEN, "*");
            else if (c == 1)
                snprintf(sub[s], NSG_CIDR_STRLEN, "203.0.113.0/24");
            else if (c == 2)
                snprintf(sub[s], NSG_CIDR_STRLEN, "10.0.0.0/8");
            else if (c == 3)
                snprintf(sub[s], NSG_CIDR_STRLEN, "8.8.8.0/24");
            else
                nsg_cidr_format(
                    &w->subs[g_rand_int_range(r, 0, w->n_subs)]->prefixes[0],
                    sub[s]);
        }
        tb_rule(n, name, 100 + 10 * i, g_rand_boolean(r) ? "in" : "out",
                g_rand_int_range(r, 0, 3) ? "allow" : "deny",
                pick(r, protos, 3), sub[0], "*", sub[1], pick(r, ports, 4));
    }
}

static void build(GRand *r, struct world *w)
{
    struct nsg_vnet *v[NV_MAX];
    int nv = g_rand_int_range(r, 2, NV_MAX + 1);
    /* half the rounds: a hub (v0) and spokes that route through NICs of
     * the hub (forwarded traffic over peerings) */
    bool hub = g_rand_boolean(r);
    char name[32], pfx[NSG_CIDR_STRLEN], ip[32];
    memset(w, 0, sizeof(*w));
    w->t = nsg_topo_new();
    for (int i = 0; i < nv; i++) {
        snprintf(name, sizeof(name), "v%d", i);
        snprintf(pfx, sizeof(pfx), "10.%d.0.0/16", i);
        v[i] = tb_vnet(w->t, name, pfx);
    }
    static const char *const states[] = {"Connected", "Connected",
                                         "Connected", "Disconnected",
                                         "Initiated"};
    for (int a = 0; a < nv; a++)
        for (int b = a + 1; b < nv; b++)
            if (hub && a == 0) { /* the hub: Connected, with access */
                tb_peer(v[a], v[b], "Connected", true)->allow_forwarded =
                    g_rand_boolean(r);
                tb_peer(v[b], v[a], "Connected", true)->allow_forwarded =
                    g_rand_boolean(r);
            } else if (g_rand_int_range(r, 0, 10) < 6) {
                struct nsg_peering *p = tb_peer(v[a], v[b], pick(r, states, 5),
                                                g_rand_int_range(r, 0, 5) > 0);
                p->allow_forwarded = g_rand_boolean(r);
                p = tb_peer(v[b], v[a], pick(r, states, 5),
                            g_rand_int_range(r, 0, 5) > 0);
                p->allow_forwarded = g_rand_boolean(r);
            }
    for (int i = 0; i < nv; i++) {
        int ns = g_rand_int_range(r, 1, 3);
        for (int j = 1; j <= ns; j++) {
            snprintf(name, sizeof(name), "s%d%d", i, j);
            snprintf(pfx, sizeof(pfx), "10.%d.%d.0/24", i, j);
            struct nsg_subnet *s = tb_subnet(w->t, v[i], name, pfx, NULL);
            s->private_subnet = g_rand_int_range(r, 0, 5) == 0;
            w->subs[w->n_subs++] = s;
            int nn = g_rand_int_range(r, 1, 3);
            for (int k = 1; k <= nn; k++) {
                snprintf(name, sizeof(name), "n%d%d%d", i, j, k);
                snprintf(ip, sizeof(ip), "10.%d.%d.%d", i, j, 3 + k);
                struct nsg_nic *n = tb_nic(w->t, name, s, ip, "", NULL);
                n->ip_forwarding = g_rand_int_range(r, 0, 10) < 7;
                w->nics[w->n_nics++] = n;
                if (g_rand_int_range(r, 0, 10) < 3) {
                    static const char *const skus[] = {"Standard", "Basic",
                                                       NULL};
                    snprintf(name, sizeof(name), "pip%d%d%d", i, j, k);
                    snprintf(ip, sizeof(ip), "20.%d.%d.%d", i, j, k);
                    tb_pip(w->t, name, ip, n, skus[g_rand_int_range(r, 0, 3)]);
                }
            }
        }
    }
    /* NSGs, route tables (after all NICs exist: appliance next hops) */
    for (int i = 0; i < w->n_subs; i++) {
        if (g_rand_boolean(r)) {
            snprintf(name, sizeof(name), "nsg-%s", w->subs[i]->name);
            struct nsg_nsg *n = tb_nsg(w->t, name);
            random_nsg_rules(r, w, n);
            w->subs[i]->nsg_id = nsg_xstrdup(n->id);
        }
        const struct nsg_vnet *sv =
            nsg_topo_vnet_of_subnet(w->t, w->subs[i]);
        if (hub && sv != v[0] && g_rand_int_range(r, 0, 10) < 8) {
            /* through an appliance of the hub (v0's first NICs) */
            struct nsg_route_table *rt;
            char hop[NSG_IP_STRLEN];
            snprintf(name, sizeof(name), "rt-%s", w->subs[i]->name);
            rt = tb_route_table(w->t, name, "", w->subs[i]);
            snprintf(hop, sizeof(hop), "10.0.1.%d", g_rand_int_range(r, 4, 6));
            tb_route(rt, "0.0.0.0/0", "VirtualAppliance", hop);
            for (int o = 1; o < nv; o++)
                if (v[o] != sv && g_rand_boolean(r)) {
                    snprintf(pfx, sizeof(pfx), "10.%d.0.0/16", o);
                    tb_route(rt, pfx, "VirtualAppliance", hop);
                }
        } else if (g_rand_int_range(r, 0, 10) < 4) {
            snprintf(name, sizeof(name), "rt-%s", w->subs[i]->name);
            struct nsg_route_table *rt =
                tb_route_table(w->t, name, "", w->subs[i]);
            int nr = g_rand_int_range(r, 1, 3);
            for (int k = 0; k < nr; k++) {
                int c = g_rand_int_range(r, 0, 4);
                if (c == 0)
                    snprintf(pfx, sizeof(pfx), "0.0.0.0/0");
                else if (c == 1)
                    snprintf(pfx, sizeof(pfx), "10.%d.0.0/16",
                             g_rand_int_range(r, 0, nv));
                else if (c == 2)
                    nsg_cidr_format(
                        &w->subs[g_rand_int_range(r, 0, w->n_subs)]
                             ->prefixes[0],
                        pfx);
                else
                    snprintf(pfx, sizeof(pfx), "8.8.8.0/24");
                int h = g_rand_int_range(r, 0, 7);
                if (h == 0)
                    tb_route(rt, pfx, "None", NULL);
                else if (h == 1)
                    tb_route(rt, pfx, "Internet", NULL);
                else if (h == 2)
                    tb_route(rt, pfx, "VnetLocal", NULL);
                else {
                    char hop[NSG_IP_STRLEN];
                    if (h < 6)
                        nsg_ip_format(
                            &w->nics[g_rand_int_range(r, 0, w->n_nics)]
                                 ->ipconfigs[0]
                                 .ip,
                            hop);
                    else
                        snprintf(hop, sizeof(hop), "10.%d.99.4",
                                 g_rand_int_range(r, 0, nv));
                    tb_route(rt, pfx, "VirtualAppliance", hop);
                }
            }
        }
    }
    for (int i = 0; i < w->n_nics; i++)
        if (g_rand_int_range(r, 0, 10) < 3) {
            snprintf(name, sizeof(name), "nsg-%s", w->nics[i]->name);
            struct nsg_nsg *n = tb_nsg(w->t, name);
            random_nsg_rules(r, w, n);
            w->nics[i]->nsg_id = nsg_xstrdup(n->id);
        }
    tb_link(w->t);
}

/* ---- queries and the expected answer ------------------------------------------ */
static const char *expect(struct world *w, struct nsg_sim *sim,
                          enum nsg_q_quant quant, const struct nsg_nic *from,
                          const struct nsg_ip *src, const struct nsg_nic *to,
                          const struct nsg_ip *dst_addr, int proto,
                          uint16_t port, bool *touches)
{
    struct nsg_ip dsts[4];
    int nd = 0;
    if (to) {
        const struct nsg_pip *p = pip_of(w->t, to);
        dsts[nd++] = from || !p ? to->ipconfigs[0].ip : p->ip;
    } else {
        dsts[nd++] = *dst_addr;
        /* public IPs that translate into the address */
        for (int i = 0; i < w->n_nics; i++) {
            const struct nsg_pip *p = pip_of(w->t, w->nics[i]);
            if (p && !nsg_ip_cmp(&w->nics[i]->ipconfigs[0].ip, dst_addr))
                dsts[nd++] = p->ip;
        }
    }
    bool allow = false, maybe = false, bad = false;
    *touches = false;
    for (int i = 0; i < nd; i++) {
        struct nsg_packet pk = {from ? NSG_DIR_OUT : NSG_DIR_IN, proto, *src,
                                dsts[i], 49152, port};
        struct bfr r;
        bool translated = false;
        if (!bf_eval(w->t, sim, from, &pk, &r, &translated))
            continue;
        /* sent to a public IP: in the class only once translated into
         * the address (it may be dropped before) */
        if (!to && i > 0 && !translated)
            continue;
        *touches = true;
        /* a resource counts where it is reached; an address wherever
         * the packet (sent to it, or translated into it) goes */
        bool at_target = to ? r.at == to : true;
        if (r.out == BF_ALLOW && at_target)
            allow = true;
        if (r.out == BF_MAYBE)
            maybe = true;
        if (r.out == BF_DENY || r.out == BF_NOPATH || r.out == BF_UNK_DENY)
            bad = true;
    }
    switch (quant) {
    case NSG_Q_NEVER: return allow ? "violated" : maybe ? "unknown" : "holds";
    case NSG_Q_CAN: return allow ? "holds" : maybe ? "unknown" : "violated";
    default: return bad ? "violated" : maybe ? "unknown" : "holds";
    }
}

START_TEST(paths_agree_with_brute_force)
{
    GRand *r = g_rand_new_with_seed(20261202);
    int asked = 0, counts[3] = {0, 0, 0};
    for (int round = 0; round < 80; round++) {
        struct world w;
        build(r, &w);
        struct nsg_verifier *v = nsg_verifier_new(w.t, 0);
        struct nsg_sim *sim = nsg_sim_new(w.t);
        for (int k = 0; k < 15; k++) {
            static const char *const qn[] = {"never", "can", "always"};
            enum nsg_q_quant quant = (enum nsg_q_quant)g_rand_int_range(r, 0, 3);
            const struct nsg_nic *from =
                g_rand_int_range(r, 0, 3) ? w.nics[g_rand_int_range(r, 0, w.n_nics)]
                                          : NULL;
            const struct nsg_nic *to = NULL;
            struct nsg_ip src, dst = {4, 0};
            char q[256], s[64], d[64];
            int proto = g_rand_boolean(r) ? NSG_PROTO_TCP : NSG_PROTO_UDP;
            uint16_t port = (uint16_t[]){22, 80, 53}[g_rand_int_range(r, 0, 3)];
            if (from) {
                src = from->ipconfigs[0].ip;
                snprintf(s, sizeof(s), "nic:%s", from->name);
            } else {
                nsg_ip_parse(g_rand_boolean(r) ? "203.0.113.5" : "198.51.100.9",
                             &src);
                nsg_ip_format(&src, s);
            }
            int c = g_rand_int_range(r, 0, 4);
            const struct nsg_nic *y = w.nics[g_rand_int_range(r, 0, w.n_nics)];
            if (c <= 1) {
                to = y;
                snprintf(d, sizeof(d), "nic:%s", y->name);
            } else if (c == 2) {
                dst = y->ipconfigs[0].ip;
                nsg_ip_format(&dst, d);
            } else {
                const struct nsg_pip *p = pip_of(w.t, y);
                nsg_ip_parse("8.8.8.8", &dst);
                if (p && g_rand_boolean(r))
                    dst = p->ip;
                nsg_ip_format(&dst, d);
            }
            snprintf(q, sizeof(q), "%s %s -> %s %s/%u", qn[quant], s, d,
                     proto == NSG_PROTO_TCP ? "tcp" : "udp", port);
            bool touches;
            const char *want = expect(&w, sim, quant, from, &src, to, &dst,
                                      proto, port, &touches);
            struct nsg_query qq;
            struct nsg_vresult res;
            struct nsg_err err = NSG_ERR_INIT;
            ck_assert_int_eq(nsg_query_parse(q, 1, &qq, &err), 0);
            nsg_rc rc = nsg_verify_run(v, &qq, &res, &err);
            nsg_query_release(&qq);
            if (!from && !to) {
                /* two addresses: an input error when no packet of the
                 * class touches the corpus */
                if (rc) {
                    ck_assert_msg(rc == NSG_E_INPUT && !touches,
                                  "round %d '%s': %s", round, q, err.msg);
                    continue;
                }
            }
            ck_assert_msg(rc == NSG_OK, "round %d '%s': %s", round, q, err.msg);
            ck_assert_msg(!strcmp(nsg_vstatus_name(res.status), want),
                          "round %d '%s': verify says %s (%s), the brute "
                          "force %s",
                          round, q, nsg_vstatus_name(res.status), res.reason,
                          want);
            counts[res.status]++;
            asked++;
            nsg_vresult_release(&res);
        }
        nsg_sim_free(sim);
        nsg_verifier_free(v);
        nsg_topo_free(w.t);
    }
    /* the generator must exercise every answer */
    ck_assert_int_gt(asked, 400);
    ck_assert_int_gt(counts[NSG_V_HOLDS], 20);
    ck_assert_int_gt(counts[NSG_V_VIOLATED], 20);
    ck_assert_int_gt(counts[NSG_V_UNKNOWN], 3);
    g_rand_free(r);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("path_random");
    TCase *tc = tcase_create("path_random");
    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, paths_agree_with_brute_force);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
