/* map_cover.c - flow-log coverage: which NICs, subnets, virtual networks
 * and NSGs have their traffic recorded by an enabled Network Watcher flow
 * log, from the imported networkWatchers/flowLogs resources.  An NSG flow
 * log records what its NSG evaluates; a VNet flow log records the traffic
 * of the virtual network, subnet or NIC it targets.  Which NSG logs a flow
 * that crosses two NSG levels is not guaranteed, so a NIC with two levels
 * of which one is logged is only partly covered.  Flow-log resources are
 * listed per region (az network watcher flow-log list --location L): the
 * coverage of a resource is known only when the corpus holds flow-log
 * configuration of its region; otherwise it is "unknown", never guessed.
 * A flow log whose "enabled" is not said makes the coverage it would
 * decide unknown. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "map_int.h"

const char *nsg_map_cover_name(enum nsg_map_cover c)
{
    switch (c) {
    case NSG_MAP_COVER_NONE:
        return "none";
    case NSG_MAP_COVER_PARTIAL:
        return "partial";
    case NSG_MAP_COVER_FULL:
        return "covered";
    default:
        return "unknown";
    }
}

/* "West Europe" and "westeurope" name one region. */
static char *region_key(const char *loc)
{
    char *k = nsg_xcalloc(strlen(loc) + 1, 1);
    size_t n = 0;
    for (const char *p = loc; *p; p++)
        if (!isspace((unsigned char)*p))
            k[n++] = (char)tolower((unsigned char)*p);
    return k;
}

struct cover {
    const struct nsg_topology *t;
    GHashTable *regions;   /* region key -> 1: flow-log config present */
    bool any;              /* some flow-log resource at all */
    bool any_unlocated;    /* some without a location */
    GHashTable *on[2];     /* [0] enabled, [1] enabled or state unknown:
                              lower-case target id -> 1 */
};

static bool logged(const struct cover *c, int with_unknown, const char *id)
{
    if (!id)
        return false;
    char *k = nsg_xstrdup_lower(id);
    bool r = g_hash_table_contains(c->on[with_unknown], k);
    free(k);
    return r;
}

static bool known(const struct cover *c, const char *location)
{
    if (!c->any)
        return false;
    if (!location || c->any_unlocated)
        return true;
    char *k = region_key(location);
    bool r = g_hash_table_contains(c->regions, k);
    free(k);
    return r;
}

/* Coverage of a NIC with the logs of set u (0 enabled, 1 + unknown). */
static enum nsg_map_cover nic_cover_u(const struct cover *c,
                                      const struct nsg_map_nic *m, int u)
{
    const struct nsg_nic *nic = m->nic;
    bool by_vnet = logged(c, u, nic->id) || (m->vnet && logged(c, u, m->vnet->id));
    if (!by_vnet && nic->n_ipconfigs) {
        bool all = true;
        for (size_t i = 0; i < nic->n_ipconfigs; i++) {
            const char *sid = nic->ipconfigs[i].subnet_id;
            all = all && sid && logged(c, u, sid);
        }
        by_vnet = all;
    }
    if (by_vnet)
        return NSG_MAP_COVER_FULL;
    int levels = 0, covered = 0;
    const struct nsg_nsg *l[2] = {m->nsg_subnet, m->nsg_nic};
    for (int i = 0; i < 2; i++)
        if (l[i]) {
            levels++;
            covered += logged(c, u, l[i]->id);
        }
    if (!levels || !covered)
        return NSG_MAP_COVER_NONE;
    return covered == levels ? NSG_MAP_COVER_FULL : NSG_MAP_COVER_PARTIAL;
}

/* Equal with and without the undecided logs: that answer; else unknown. */
static enum nsg_map_cover settle(enum nsg_map_cover a, enum nsg_map_cover b)
{
    return a == b ? a : NSG_MAP_COVER_UNKNOWN;
}

static const char *nic_location(const struct nsg_map_nic *m)
{
    return m->vnet ? m->vnet->location : NULL;
}

static void set_cover(struct nsg_map_assessment *a, const void *res,
                      enum nsg_map_cover cv)
{
    g_hash_table_insert(a->cover, (void *)res, GINT_TO_POINTER((int)cv + 1));
}

enum nsg_map_cover nsg_map_coverage(const struct nsg_map_assessment *a,
                                    const void *res)
{
    const struct nsg_map_net *n = a->net;
    int v = GPOINTER_TO_INT(g_hash_table_lookup(a->cover, res));
    if (v)
        return (enum nsg_map_cover)(v - 1);
    for (size_t i = 0; i < n->n_nics; i++)
        if (n->nics[i].nic == res)
            return a->nics[i].cover;
    return NSG_MAP_COVER_UNKNOWN;
}

/* Names of the NICs (indexes) not fully covered, for messages. */
static void list_nics(const struct nsg_map_assessment *a, GArray *idx,
                      struct nsg_buf *out, cJSON *arr)
{
    for (guint i = 0; i < idx->len; i++) {
        size_t k = g_array_index(idx, size_t, i);
        struct nsg_buf b = NSG_BUF_INIT;
        nsg_map_res_label(a->net->t, NSG_RES_NIC, a->net->nics[k].nic, &b);
        if (i < 5)
            nsg_buf_addf(out, "%s%s (%s)", i ? ", " : "", b.buf,
                         nsg_map_cover_name(a->nics[k].cover));
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "nic", a->net->nics[k].nic->name);
        cJSON_AddStringToObject(o, "coverage",
                                nsg_map_cover_name(a->nics[k].cover));
        cJSON_AddItemToArray(arr, o);
        nsg_buf_release(&b);
    }
    if (idx->len > 5)
        nsg_buf_addf(out, " and %u more", idx->len - 5);
}

/* An NSG's coverage: its own flow log, else the VNet flow logs of every
 * NIC it governs.  *used: it governs some NIC or subnet. */
static enum nsg_map_cover nsg_cover(const struct cover *c,
                                    const struct nsg_map_assessment *a,
                                    const struct nsg_nsg *g, int u,
                                    bool *used)
{
    const struct nsg_map_net *n = a->net;
    size_t total = 0, full = 0;
    *used = false;
    for (guint i = 0; i < NSG_TOPO_N(n->t, NSG_RES_SUBNET); i++) {
        const struct nsg_subnet *s = NSG_TOPO_AT(n->t, NSG_RES_SUBNET, i);
        *used = *used || nsg_map_same_id(s->nsg_id, g->id);
    }
    for (size_t i = 0; i < n->n_nics; i++) {
        const struct nsg_map_nic *m = &n->nics[i];
        if (m->nsg_subnet != g && m->nsg_nic != g)
            continue;
        *used = true;
        total++;
        const struct nsg_nic *nic = m->nic;
        bool v = logged(c, u, nic->id) ||
                 (m->vnet && logged(c, u, m->vnet->id)) ||
                 (m->subnet && logged(c, u, m->subnet->id));
        full += v;
    }
    if (logged(c, u, g->id))
        return NSG_MAP_COVER_FULL;
    if (total && full == total)
        return NSG_MAP_COVER_FULL;
    return full ? NSG_MAP_COVER_PARTIAL : NSG_MAP_COVER_NONE;
}

/* A disabled flow log on target id, or NULL. */
static const struct nsg_flowlog *disabled_log(const struct nsg_topology *t,
                                              const char *id)
{
    for (guint i = 0; i < NSG_TOPO_N(t, NSG_RES_FLOWLOG); i++) {
        const struct nsg_flowlog *f = NSG_TOPO_AT(t, NSG_RES_FLOWLOG, i);
        if (f->state == NSG_FLOWLOG_DISABLED &&
            nsg_map_same_id(f->target_id, id))
            return f;
    }
    return NULL;
}

static void assess_nsgs(struct nsg_map_assessment *a, const struct cover *c)
{
    const struct nsg_topology *t = a->net->t;
    for (guint i = 0; i < NSG_TOPO_N(t, NSG_RES_NSG); i++) {
        const struct nsg_nsg *g = NSG_TOPO_AT(t, NSG_RES_NSG, i);
        bool used;
        enum nsg_map_cover cv = NSG_MAP_COVER_UNKNOWN;
        if (known(c, g->location))
            cv = settle(nsg_cover(c, a, g, 0, &used), nsg_cover(c, a, g, 1, &used));
        else
            nsg_cover(c, a, g, 0, &used);
        set_cover(a, g, cv);
        if (!used || (cv != NSG_MAP_COVER_NONE && cv != NSG_MAP_COVER_PARTIAL))
            continue;
        cJSON *d = cJSON_CreateObject();
        cJSON_AddStringToObject(d, "coverage", nsg_map_cover_name(cv));
        const struct nsg_flowlog *off = disabled_log(t, g->id);
        if (off)
            cJSON_AddStringToObject(d, "disabled_flow_log", off->id);
        nsg_map_add_finding(
            a, NSG_MAP_REC_FLOW_LOGS, NSG_RES_NSG, g,
            g_strdup_printf("%s%s%s%s",
                            cv == NSG_MAP_COVER_NONE
                                ? "no enabled flow log records the traffic "
                                  "it evaluates"
                                : "only part of the traffic it evaluates is "
                                  "recorded (VNet flow logs on some of its "
                                  "NICs)",
                            off ? " (its flow log " : "",
                            off ? off->name : "", off ? " is disabled)" : ""),
            d);
    }
}

static void assess_vnets(struct nsg_map_assessment *a, const struct cover *c)
{
    const struct nsg_map_net *n = a->net;
    const struct nsg_topology *t = n->t;
    for (guint i = 0; i < NSG_TOPO_N(t, NSG_RES_VNET); i++) {
        const struct nsg_vnet *v = NSG_TOPO_AT(t, NSG_RES_VNET, i);
        GArray *gaps = g_array_new(FALSE, FALSE, sizeof(size_t));
        size_t nics = 0, full = 0;
        bool unknown = !known(c, v->location);
        for (size_t k = 0; k < n->n_nics; k++) {
            if (n->nics[k].vnet != v)
                continue;
            nics++;
            enum nsg_map_cover cv = a->nics[k].cover;
            unknown = unknown || cv == NSG_MAP_COVER_UNKNOWN;
            if (cv == NSG_MAP_COVER_FULL)
                full++;
            else
                g_array_append_val(gaps, k);
        }
        bool some = false; /* some NIC at least partly recorded */
        for (guint g = 0; g < gaps->len; g++)
            some = some || a->nics[g_array_index(gaps, size_t, g)].cover ==
                               NSG_MAP_COVER_PARTIAL;
        enum nsg_map_cover cv;
        if (unknown)
            cv = NSG_MAP_COVER_UNKNOWN;
        else if (logged(c, 0, v->id) || (nics && full == nics))
            cv = NSG_MAP_COVER_FULL;
        else if (full || some)
            cv = NSG_MAP_COVER_PARTIAL;
        else
            cv = NSG_MAP_COVER_NONE;
        set_cover(a, v, cv);
        if (nics && (cv == NSG_MAP_COVER_NONE || cv == NSG_MAP_COVER_PARTIAL)) {
            struct nsg_buf b = NSG_BUF_INIT;
            cJSON *d = cJSON_CreateObject();
            cJSON_AddStringToObject(d, "coverage", nsg_map_cover_name(cv));
            list_nics(a, gaps, &b, cJSON_AddArrayToObject(d, "nics"));
            nsg_map_add_finding(
                a, NSG_MAP_REC_FLOW_LOGS, NSG_RES_VNET, v,
                nics == 1
                    ? g_strdup_printf("the traffic of its NIC is not fully "
                                      "recorded by flow logs: %s",
                                      b.buf)
                    : g_strdup_printf("the traffic of %zu of its %zu NICs is "
                                      "not fully recorded by flow logs: %s",
                                      (size_t)gaps->len, nics, b.buf),
                d);
            nsg_buf_release(&b);
        }
        g_array_free(gaps, TRUE);
    }
}

void nsg_map_cover_assess(struct nsg_map_assessment *a)
{
    const struct nsg_map_net *n = a->net;
    const struct nsg_topology *t = n->t;
    struct cover c = {t, NULL, false, false, {NULL, NULL}};

    c.regions = g_hash_table_new_full(g_str_hash, g_str_equal, free, NULL);
    for (int u = 0; u < 2; u++)
        c.on[u] = g_hash_table_new_full(g_str_hash, g_str_equal, free, NULL);
    for (guint i = 0; i < NSG_TOPO_N(t, NSG_RES_FLOWLOG); i++) {
        const struct nsg_flowlog *f = NSG_TOPO_AT(t, NSG_RES_FLOWLOG, i);
        c.any = true;
        if (f->location)
            g_hash_table_add(c.regions, region_key(f->location));
        else
            c.any_unlocated = true;
        if (!f->target_id || f->state == NSG_FLOWLOG_DISABLED)
            continue;
        if (f->state == NSG_FLOWLOG_ENABLED)
            g_hash_table_add(c.on[0], nsg_xstrdup_lower(f->target_id));
        g_hash_table_add(c.on[1], nsg_xstrdup_lower(f->target_id));
    }
    a->n_flowlogs = NSG_TOPO_N(t, NSG_RES_FLOWLOG);
    for (size_t i = 0; i < n->n_nics; i++) {
        const struct nsg_map_nic *m = &n->nics[i];
        a->nics[i].cover =
            known(&c, nic_location(m))
                ? settle(nic_cover_u(&c, m, 0), nic_cover_u(&c, m, 1))
                : NSG_MAP_COVER_UNKNOWN;
    }
    for (guint i = 0; i < NSG_TOPO_N(t, NSG_RES_SUBNET); i++) {
        const struct nsg_subnet *s = NSG_TOPO_AT(t, NSG_RES_SUBNET, i);
        const struct nsg_vnet *v = nsg_topo_vnet_of_subnet(t, s);
        enum nsg_map_cover cv[2];
        for (int u = 0; u < 2; u++)
            cv[u] = logged(&c, u, s->id) || (v && logged(&c, u, v->id)) ||
                            logged(&c, u, s->nsg_id)
                        ? NSG_MAP_COVER_FULL
                        : NSG_MAP_COVER_NONE;
        set_cover(a, s,
                  known(&c, v ? v->location : NULL) ? settle(cv[0], cv[1])
                                                    : NSG_MAP_COVER_UNKNOWN);
    }
    assess_nsgs(a, &c);
    assess_vnets(a, &c);
    g_hash_table_destroy(c.regions);
    for (int u = 0; u < 2; u++)
        g_hash_table_destroy(c.on[u]);
}
