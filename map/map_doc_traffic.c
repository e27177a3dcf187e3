/* map_doc_traffic.c - the traffic part of the map document: the groups
 * traffic is aggregated into (each drawn as a node: a subnet, a NIC, an
 * ASG, the Internet or an address block), every NIC's inbound and
 * outbound entries, and the edges drawn: one per (from, to, status,
 * protocols and ports), status "observed" (some allowed flow of the corpus
 * fell in it), "unobserved" (allowed, never observed) or "unknown"
 * (depends on a tag the corpus lacks).  Edges that reach every NIC of a
 * subnet alike are drawn once, to the subnet. */
#include <stdlib.h>
#include <string.h>

#include "map_doc_int.h"

struct tedge {
    char *from, *to, *label, *key;
    const char *status;
    const char *tag;
    struct nsg_map_region region;
    uint64_t flows;
    GPtrArray *groups; /* char * group ids */
    GPtrArray *seen;   /* char * "Tcp 443" */
    unsigned nics;     /* to a subnet: how many NICs */
    bool dead;
};

static void tedge_free(void *p)
{
    struct tedge *e = p;
    g_free(e->from);
    g_free(e->to);
    g_free(e->label);
    g_free(e->key);
    nsg_map_region_release(&e->region);
    g_ptr_array_free(e->groups, TRUE);
    g_ptr_array_free(e->seen, TRUE);
    free(e);
}

static void add_unique(GPtrArray *a, const char *s)
{
    for (guint i = 0; i < a->len; i++)
        if (!strcmp(a->pdata[i], s))
            return;
    g_ptr_array_add(a, g_strdup(s));
}

static char *seen_text(uint32_t v)
{
    int proto = (int)(v >> 16);
    char pb[8];
    if (nsg_proto_has_ports(proto))
        return g_strdup_printf("%s %u", nsg_proto_name(proto, pb), v & 0xffff);
    return g_strdup(nsg_proto_name(proto, pb));
}

/* ---- group nodes -------------------------------------------------------- */

struct gnodes {
    char **node;      /* per group: node id */
    char **id;        /* per group: "t<k>" */
    GHashTable *asg;  /* asg -> node id */
    char *internet;   /* the one Internet node */
    unsigned n_ext;
};

static const char *asg_node(struct nsg_map_docb *d, struct gnodes *g,
                            const struct nsg_asg *asg)
{
    const char *id = g_hash_table_lookup(g->asg, asg);
    if (id)
        return id;
    char nid[32];
    snprintf(nid, sizeof(nid), "a%u", g_hash_table_size(g->asg) + 1);
    cJSON *o = nsg_map_doc_node(d, nid, "asg", NULL, asg->name, asg->id, NULL);
    cJSON *mem = cJSON_AddArrayToObject(o, "members");
    const struct nsg_map_net *n = d->net;
    for (size_t i = 0; i < n->n_nics; i++) {
        const struct nsg_nic *nic = n->nics[i].nic;
        bool in = false;
        for (size_t k = 0; k < nic->n_ipconfigs && !in; k++)
            for (size_t q = 0; q < nic->ipconfigs[k].n_asg_ids && !in; q++)
                in = nsg_map_same_id(nic->ipconfigs[k].asg_ids[q], asg->id);
        if (in)
            cJSON_AddItemToArray(mem, cJSON_CreateString(
                                          nsg_map_doc_node_id(d, nic)));
    }
    g_hash_table_insert(g->asg, (void *)asg, g_strdup(nid));
    return g_hash_table_lookup(g->asg, asg);
}

static char *ext_node(struct nsg_map_docb *d, struct gnodes *g,
                      const struct nsg_map_group *grp)
{
    char nid[32];
    snprintf(nid, sizeof(nid), "x%u", ++g->n_ext);
    cJSON *o = nsg_map_doc_node(d, nid, "external", NULL, grp->label, NULL,
                                NULL);
    cJSON *c = cJSON_AddArrayToObject(o, "addresses");
    if (grp->kind == NSG_MAP_G_INTERNET)
        cJSON_AddItemToArray(c, cJSON_CreateString("Internet"));
    else
        nsg_map_addrset_json(&grp->set, c);
    cJSON_AddBoolToObject(o, "internet", grp->kind == NSG_MAP_G_INTERNET);
    return g_strdup(nid);
}

static void group_nodes(struct nsg_map_docb *d, struct gnodes *g, cJSON *out)
{
    const struct nsg_map_traffic *tr = d->tr;
    const struct nsg_map_net *n = d->net;
    static const char *const kinds[] = {"nic", "subnet", "asg", "internet",
                                        "block"};
    guint ng = tr->groups->len;
    g->node = nsg_xcalloc(ng + 1, sizeof(char *));
    g->id = nsg_xcalloc(ng + 1, sizeof(char *));
    g->asg = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, g_free);
    for (guint i = 0; i < ng; i++) {
        const struct nsg_map_group *grp = tr->groups->pdata[i];
        switch (grp->kind) {
        case NSG_MAP_G_NIC:
            g->node[i] = g_strdup(nsg_map_doc_node_id(
                d, n->nics[GPOINTER_TO_SIZE(grp->res) - 1].nic));
            break;
        case NSG_MAP_G_SUBNET:
            g->node[i] = g_strdup(nsg_map_doc_node_id(d, grp->res));
            break;
        case NSG_MAP_G_ASG:
            g->node[i] = g_strdup(asg_node(d, g, grp->res));
            break;
        case NSG_MAP_G_INTERNET:
            if (!g->internet)
                g->internet = ext_node(d, g, grp);
            g->node[i] = g_strdup(g->internet);
            break;
        case NSG_MAP_G_BLOCK:
            g->node[i] = ext_node(d, g, grp);
            break;
        }
        g->id[i] = g_strdup_printf("t%u", i + 1);
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "id", g->id[i]);
        cJSON_AddStringToObject(o, "kind", kinds[grp->kind]);
        cJSON_AddStringToObject(o, "name", grp->label);
        cJSON_AddStringToObject(o, "node", g->node[i] ? g->node[i] : "");
        nsg_map_addrset_json(&grp->set, cJSON_AddArrayToObject(o, "cidrs"));
        cJSON_AddItemToArray(out, o);
    }
}

static void gnodes_free(struct gnodes *g, guint ng)
{
    for (guint i = 0; i < ng; i++) {
        g_free(g->node[i]);
        g_free(g->id[i]);
    }
    free(g->node);
    free(g->id);
    g_free(g->internet);
    g_hash_table_destroy(g->asg);
}

/* ---- entries -------------------------------------------------------------- */

static const char *entry_status(const struct nsg_map_entry *e)
{
    if (nsg_map_region_empty(&e->allow))
        return "unknown";
    return e->flows ? "observed" : "unobserved";
}

static cJSON *entry_json(const struct nsg_map_docb *d, const struct gnodes *g,
                         const struct nsg_map_entry *e)
{
    cJSON *o = cJSON_CreateObject();
    char ip[NSG_IP_STRLEN];
    nsg_ip_format(&d->net->addrs[e->local].ip, ip);
    cJSON_AddStringToObject(o, "group", g->id[e->group]);
    cJSON_AddStringToObject(o, "node", g->node[e->group] ? g->node[e->group] : "");
    cJSON_AddStringToObject(o, "local", ip);
    cJSON_AddItemToObject(o, "allow", nsg_map_region_json(&e->allow));
    cJSON_AddItemToObject(o, "unknown", nsg_map_region_json(&e->unknown));
    if (e->tag)
        cJSON_AddStringToObject(o, "unknown_tag", e->tag);
    cJSON_AddStringToObject(o, "status", entry_status(e));
    cJSON_AddNumberToObject(o, "flows", (double)e->flows);
    cJSON *seen = cJSON_AddArrayToObject(o, "observed_ports");
    for (guint i = 0; e->seen_ports && i < e->seen_ports->len; i++) {
        char *s = seen_text(g_array_index(e->seen_ports, uint32_t, i));
        cJSON_AddItemToArray(seen, cJSON_CreateString(s));
        g_free(s);
    }
    return o;
}

/* ---- edges ----------------------------------------------------------------- */

static const struct nsg_map_net *label_net; /* for "all traffic" labels */

static struct tedge *edge_get(GHashTable *h, GPtrArray *order, const char *from,
                              const char *to, const char *status,
                              const struct nsg_map_region *r)
{
    struct nsg_buf label = NSG_BUF_INIT;
    if (nsg_map_region_is_all(r, label_net->named, label_net->n_named))
        nsg_buf_adds(&label, "all traffic");
    else
        nsg_map_region_text(r, &label);
    char *key = g_strdup_printf("%s|%s|%s|%s", from, to, status, label.buf);
    struct tedge *e = g_hash_table_lookup(h, key);
    if (e) {
        g_free(key);
        nsg_buf_release(&label);
        return e;
    }
    e = nsg_xcalloc(1, sizeof(*e));
    e->from = g_strdup(from);
    e->to = g_strdup(to);
    e->status = status;
    e->label = nsg_buf_detach(&label);
    e->key = key;
    nsg_map_region_copy(&e->region, r);
    e->groups = g_ptr_array_new_with_free_func(g_free);
    e->seen = g_ptr_array_new_with_free_func(g_free);
    g_hash_table_insert(h, key, e);
    g_ptr_array_add(order, e);
    return e;
}

static void edge_add(GHashTable *h, GPtrArray *order, const char *from,
                     const char *to, const char *status,
                     const struct nsg_map_region *r, const char *group,
                     const struct nsg_map_entry *en)
{
    struct tedge *e = edge_get(h, order, from, to, status, r);
    add_unique(e->groups, group);
    if (strcmp(status, "unknown")) {
        e->flows += en->flows;
        for (guint i = 0; en->seen_ports && i < en->seen_ports->len; i++) {
            char *s = seen_text(g_array_index(en->seen_ports, uint32_t, i));
            add_unique(e->seen, s);
            g_free(s);
        }
    } else if (!e->tag) {
        e->tag = en->tag;
    }
}

/* Inbound edges that reach every NIC of a subnet (two or more) alike
 * become one edge to the subnet. */
static void to_subnets(struct nsg_map_docb *d, GHashTable *h, GPtrArray *order)
{
    const struct nsg_map_net *n = d->net;
    const struct nsg_topology *t = n->t;
    for (guint si = 0; si < NSG_TOPO_N(t, NSG_RES_SUBNET); si++) {
        const struct nsg_subnet *s = NSG_TOPO_AT(t, NSG_RES_SUBNET, si);
        GPtrArray *nics = g_ptr_array_new();
        for (size_t i = 0; i < n->n_nics; i++)
            if (n->nics[i].subnet == s)
                g_ptr_array_add(nics, (void *)nsg_map_doc_node_id(d, n->nics[i].nic));
        if (nics->len < 2) {
            g_ptr_array_free(nics, TRUE);
            continue;
        }
        const char *sid = nsg_map_doc_node_id(d, s);
        guint n_order = order->len;
        for (guint k = 0; k < n_order; k++) {
            struct tedge *e = order->pdata[k];
            if (e->dead || strcmp(e->to, nics->pdata[0]))
                continue;
            /* e reaches the subnet's first NIC: do the others have it? */
            struct tedge **same = nsg_xcalloc(nics->len, sizeof(*same));
            bool all = true;
            same[0] = e;
            for (guint q = 1; q < nics->len && all; q++) {
                char *key = g_strdup_printf("%s|%s|%s|%s", e->from,
                                            (char *)nics->pdata[q], e->status,
                                            e->label);
                same[q] = g_hash_table_lookup(h, key);
                all = same[q] && !same[q]->dead;
                g_free(key);
            }
            if (!all) {
                free(same);
                continue;
            }
            struct tedge *agg = edge_get(h, order, e->from, sid, e->status,
                                         &e->region);
            agg->nics = nics->len;
            for (guint q = 0; q < nics->len; q++) {
                struct tedge *x = same[q];
                x->dead = true;
                agg->flows += x->flows;
                for (guint i = 0; i < x->groups->len; i++)
                    add_unique(agg->groups, x->groups->pdata[i]);
                for (guint i = 0; i < x->seen->len; i++)
                    add_unique(agg->seen, x->seen->pdata[i]);
                if (!agg->tag)
                    agg->tag = x->tag;
            }
            free(same);
        }
        g_ptr_array_free(nics, TRUE);
    }
}

static int tedge_cmp(const void *pa, const void *pb)
{
    const struct tedge *a = *(const struct tedge *const *)pa;
    const struct tedge *b = *(const struct tedge *const *)pb;
    return strcmp(a->key, b->key);
}

static cJSON *tedge_json(const struct tedge *e, unsigned id)
{
    cJSON *o = cJSON_CreateObject();
    char eid[32];
    snprintf(eid, sizeof(eid), "t%u", id);
    cJSON_AddStringToObject(o, "id", eid);
    cJSON_AddStringToObject(o, "kind", "traffic");
    cJSON_AddStringToObject(o, "from", e->from);
    cJSON_AddStringToObject(o, "to", e->to);
    cJSON_AddStringToObject(o, "status", e->status);
    cJSON_AddStringToObject(o, "label", e->label);
    cJSON_AddItemToObject(o, "ports", nsg_map_region_json(&e->region));
    cJSON_AddBoolToObject(o, "to_all", e->nics > 0);
    if (e->nics)
        cJSON_AddNumberToObject(o, "nics", e->nics);
    cJSON *gs = cJSON_AddArrayToObject(o, "groups");
    for (guint i = 0; i < e->groups->len; i++)
        cJSON_AddItemToArray(gs, cJSON_CreateString(e->groups->pdata[i]));
    cJSON_AddNumberToObject(o, "flows", (double)e->flows);
    cJSON *seen = cJSON_AddArrayToObject(o, "observed_ports");
    for (guint i = 0; i < e->seen->len; i++)
        cJSON_AddItemToArray(seen, cJSON_CreateString(e->seen->pdata[i]));
    if (e->tag)
        cJSON_AddStringToObject(o, "unknown_tag", e->tag);
    return o;
}

void nsg_map_doc_traffic(struct nsg_map_docb *d, cJSON *root)
{
    const struct nsg_map_traffic *tr = d->tr;
    const struct nsg_map_net *n = d->net;
    cJSON *t = cJSON_AddObjectToObject(root, "traffic");
    struct gnodes g;
    memset(&g, 0, sizeof(g));
    label_net = n;
    group_nodes(d, &g, cJSON_AddArrayToObject(t, "groups"));

    GHashTable *h = g_hash_table_new(g_str_hash, g_str_equal);
    GPtrArray *order = g_ptr_array_new_with_free_func(tedge_free);
    cJSON *res = cJSON_AddObjectToObject(t, "resources");
    for (size_t i = 0; i < n->n_nics; i++) {
        const char *nid = nsg_map_doc_node_id(d, n->nics[i].nic);
        cJSON *o = cJSON_AddObjectToObject(res, nid);
        if (n->nics[i].error)
            cJSON_AddStringToObject(o, "error", n->nics[i].error);
        for (int dir = 0; dir < 2; dir++) {
            cJSON *arr = cJSON_AddArrayToObject(o, dir ? "outbound" : "inbound");
            const GArray *l = tr->by_nic[dir][i];
            for (guint k = 0; k < l->len; k++) {
                const struct nsg_map_entry *e = &g_array_index(
                    tr->entries, struct nsg_map_entry, g_array_index(l, guint, k));
                const struct nsg_map_group *grp = tr->groups->pdata[e->group];
                cJSON_AddItemToArray(arr, entry_json(d, &g, e));
                if (!g.node[e->group])
                    continue;
                bool outside = grp->kind == NSG_MAP_G_INTERNET ||
                               grp->kind == NSG_MAP_G_BLOCK;
                if (dir == NSG_DIR_OUT && !outside)
                    continue; /* drawn as the other NIC's inbound edge */
                const char *from = dir == NSG_DIR_IN ? g.node[e->group] : nid;
                const char *to = dir == NSG_DIR_IN ? nid : g.node[e->group];
                if (!nsg_map_region_empty(&e->allow))
                    edge_add(h, order, from, to,
                             e->flows ? "observed" : "unobserved", &e->allow,
                             g.id[e->group], e);
                if (!nsg_map_region_empty(&e->unknown))
                    edge_add(h, order, from, to, "unknown", &e->unknown,
                             g.id[e->group], e);
            }
        }
    }
    to_subnets(d, h, order);
    GPtrArray *live = g_ptr_array_new();
    for (guint i = 0; i < order->len; i++)
        if (!((struct tedge *)order->pdata[i])->dead)
            g_ptr_array_add(live, order->pdata[i]);
    qsort(live->pdata, live->len, sizeof(void *), tedge_cmp);
    for (guint i = 0; i < live->len; i++)
        cJSON_AddItemToArray(d->edges, tedge_json(live->pdata[i], i + 1));
    g_ptr_array_free(live, TRUE);

    cJSON *fl = cJSON_AddObjectToObject(t, "flows");
    cJSON_AddNumberToObject(fl, "total", (double)tr->flows_total);
    cJSON_AddNumberToObject(fl, "allowed", (double)tr->flows_allowed);
    cJSON_AddNumberToObject(fl, "denied", (double)tr->flows_denied);
    cJSON_AddNumberToObject(fl, "matched", (double)tr->flows_matched);
    cJSON_AddItemToObject(fl, "unmatched", cJSON_Duplicate(tr->unmatched, true));
    cJSON *ex = cJSON_AddArrayToObject(t, "other_protocols_except");
    for (size_t i = 0; i < n->n_named; i++)
        cJSON_AddItemToArray(ex, cJSON_CreateNumber(n->named[i]));

    g_hash_table_destroy(h);
    g_ptr_array_free(order, TRUE);
    gnodes_free(&g, tr->groups->len);
}
