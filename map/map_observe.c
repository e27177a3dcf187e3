/* map_observe.c - observed traffic over possible traffic: each allowed
 * flow of the corpus marks the traffic entries it belongs to (the logging
 * NIC's entry, and the other NIC's when both ends are NICs of the corpus).
 * Entries no flow marks are allowed but never observed: what hardening
 * would remove.  Allowed flows that no entry explains are listed (they
 * mean the rules changed, or the model misses something). */
#include <stdlib.h>
#include <string.h>

#include "../sim/replay.h"
#include "map_int.h"

#define MAX_UNMATCHED 50
#define MAX_SEEN_PORTS 32

/* The address index of ip on NIC nic (index), or -1. */
static long addr_on(const struct nsg_map_net *n, size_t nic,
                    const struct nsg_ip *ip)
{
    const struct nsg_map_nic *m = &n->nics[nic];
    for (size_t k = m->first_addr; k < m->first_addr + m->n_addrs; k++)
        if (!nsg_ip_cmp(&n->addrs[k].ip, ip))
            return (long)k;
    return -1;
}

/* The one NIC address equal to ip (-1 when none or ambiguous). */
static long addr_unique(const struct nsg_map_net *n, const struct nsg_ip *ip)
{
    long found = -1;
    for (size_t k = 0; k < n->n_addrs; k++)
        if (!nsg_ip_cmp(&n->addrs[k].ip, ip)) {
            if (found >= 0)
                return -1;
            found = (long)k;
        }
    return found;
}

static void seen_port(struct nsg_map_entry *e, int proto, uint16_t dport)
{
    uint32_t v = (uint32_t)proto << 16 | dport;
    if (!e->seen_ports)
        e->seen_ports = g_array_new(FALSE, FALSE, sizeof(uint32_t));
    for (guint i = 0; i < e->seen_ports->len; i++)
        if (g_array_index(e->seen_ports, uint32_t, i) == v)
            return;
    if (e->seen_ports->len < MAX_SEEN_PORTS)
        g_array_append_val(e->seen_ports, v);
}

/* Mark the entries of address `local` in direction dir that hold the
 * remote address and the packet class.  Returns how many matched. */
static int mark(struct nsg_map_traffic *tr, size_t local, enum nsg_dir dir,
                const struct nsg_ip *remote, const struct nsg_flow *f)
{
    const struct nsg_map_net *n = tr->net;
    const GArray *l = tr->by_nic[dir][n->addrs[local].nic];
    int hits = 0;
    for (guint i = 0; i < l->len; i++) {
        struct nsg_map_entry *e = &g_array_index(
            tr->entries, struct nsg_map_entry, g_array_index(l, guint, i));
        const struct nsg_map_group *g = tr->groups->pdata[e->group];
        if (e->local != local || !nsg_addrset_contains(&g->set, remote) ||
            !nsg_map_region_has(&e->allow, n->named, n->n_named, f->proto,
                                f->sport, f->dport))
            continue;
        e->flows += f->count;
        seen_port(e, f->proto, nsg_proto_has_ports(f->proto) ? f->dport : 0);
        hits++;
    }
    return hits;
}

static void unmatched(struct nsg_map_traffic *tr, const struct nsg_flow *f)
{
    if (cJSON_GetArraySize(tr->unmatched) >= MAX_UNMATCHED)
        return;
    cJSON *o = cJSON_CreateObject();
    nsg_sim_packet_to_json(o,
                           &(struct nsg_packet){f->dir, f->proto, f->src,
                                                f->dst, f->sport, f->dport},
                           NSG_PJ_PROTO_TCPUDP | NSG_PJ_PORTS_IF_USED);
    cJSON_AddStringToObject(o, "rule", f->rule ? f->rule : "");
    cJSON_AddNumberToObject(o, "count", (double)f->count);
    cJSON_AddItemToArray(tr->unmatched, o);
}

void nsg_map_traffic_observe_flow(struct nsg_map_traffic *tr,
                                  const struct nsg_flow *f)
{
    const struct nsg_map_net *n = tr->net;
    const struct nsg_nic *logger = f->mac[0]
                                       ? nsg_topo_nic_by_mac(n->t, f->mac)
                                       : NULL;
    const struct nsg_map_nic *lm = logger ? nsg_map_net_nic(n, logger) : NULL;
    long src = -1, dst = -1;

    tr->flows_total += f->count;
    if (nsg_replay_flow_denied(f)) {
        tr->flows_denied += f->count;
        return;
    }
    tr->flows_allowed += f->count;
    /* the logging NIC holds the local end; the other end may be a NIC */
    if (lm) {
        size_t li = (size_t)(lm - n->nics);
        if (f->dir == NSG_DIR_IN)
            dst = addr_on(n, li, &f->dst);
        else
            src = addr_on(n, li, &f->src);
    }
    if (dst < 0)
        dst = addr_unique(n, &f->dst);
    if (src < 0)
        src = addr_unique(n, &f->src);
    int hits = 0;
    if (dst >= 0)
        hits += mark(tr, (size_t)dst, NSG_DIR_IN, &f->src, f);
    if (src >= 0)
        hits += mark(tr, (size_t)src, NSG_DIR_OUT, &f->dst, f);
    if (hits)
        tr->flows_matched += f->count;
    else
        unmatched(tr, f);
}

nsg_rc nsg_map_traffic_observe(struct nsg_map_traffic *tr, struct nsg_corpus *c,
                               struct nsg_err *err)
{
    struct nsg_flow_iter *it = NULL;
    const struct nsg_flow *f;
    int r;
    nsg_rc rc = nsg_flows_open(c, &it, err);
    if (rc)
        return rc;
    while ((r = nsg_flows_next(it, &f, err)) > 0)
        nsg_map_traffic_observe_flow(tr, f);
    nsg_flows_close(it);
    return r < 0 ? (err && err->code ? err->code : NSG_E_INPUT) : NSG_OK;
}
