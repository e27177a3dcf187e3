/* map_doc.c - the map document (docs/map.md): virtual networks, subnets
 * and NICs as nested nodes with their findings, severities, coverage and
 * effective rules (per NSG and virtual network), peerings as edges; in the
 * traffic view also the traffic groups (Internet, address blocks, ASGs)
 * and one edge per possible traffic, marked observed, never observed or
 * unknown.  JSON, DOT and HTML are all written from this one document. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "map_doc_int.h"

static cJSON *str_or_null(const char *s)
{
    return s ? cJSON_CreateString(s) : cJSON_CreateNull();
}

static const char *sev_key(int sev)
{
    return sev == NSG_MAP_SEV_HIGH     ? "high"
           : sev == NSG_MAP_SEV_MEDIUM ? "medium"
           : sev == NSG_MAP_SEV_LOW    ? "low"
                                       : NULL;
}

/* "/subscriptions/S/resourceGroups/G/..." -> S and G. */
static void id_parts(cJSON *o, const char *id)
{
    char **p = id ? g_strsplit(id, "/", -1) : NULL;
    guint n = p ? g_strv_length(p) : 0;
    cJSON_AddItemToObject(o, "subscription", str_or_null(n > 2 ? p[2] : NULL));
    cJSON_AddItemToObject(o, "resource_group", str_or_null(n > 4 ? p[4] : NULL));
    g_strfreev(p);
}

cJSON *nsg_map_doc_node(struct nsg_map_docb *d, const char *id, const char *kind,
                       const char *parent, const char *name,
                       const char *res_id, const void *res)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "id", id);
    cJSON_AddStringToObject(o, "kind", kind);
    cJSON_AddItemToObject(o, "parent", str_or_null(parent));
    cJSON_AddStringToObject(o, "name", name ? name : "?");
    cJSON_AddItemToObject(o, "resource_id", str_or_null(res_id));
    if (res_id)
        id_parts(o, res_id);
    cJSON_AddItemToArray(d->nodes, o);
    if (res)
        g_hash_table_insert(d->node_of, (void *)res, g_strdup(id));
    return o;
}

const char *nsg_map_doc_node_id(const struct nsg_map_docb *d, const void *res)
{
    return res ? g_hash_table_lookup(d->node_of, res) : NULL;
}

static cJSON *cidr_list(const struct nsg_cidr *c, size_t n)
{
    cJSON *a = cJSON_CreateArray();
    char s[NSG_CIDR_STRLEN];
    for (size_t i = 0; i < n; i++) {
        nsg_cidr_format(&c[i], s);
        cJSON_AddItemToArray(a, cJSON_CreateString(s));
    }
    return a;
}

/* ---- findings and severities --------------------------------------------- */

static void index_findings(struct nsg_map_docb *d)
{
    size_t n;
    const struct nsg_map_finding *f = nsg_map_findings(d->a, &n);
    d->findings = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL,
                                        (GDestroyNotify)cJSON_Delete);
    for (size_t i = 0; i < n; i++) {
        const struct nsg_map_rec_info *ri = nsg_map_rec(f[i].rec);
        cJSON *arr = g_hash_table_lookup(d->findings, f[i].res);
        if (!arr) {
            arr = cJSON_CreateArray();
            g_hash_table_insert(d->findings, (void *)f[i].res, arr);
        }
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "recommendation", ri->id);
        cJSON_AddStringToObject(o, "severity", sev_key(ri->sev));
        cJSON_AddStringToObject(o, "title", ri->title);
        cJSON_AddStringToObject(o, "message", f[i].message);
        if (f[i].type == NSG_RES_NSG)
            cJSON_AddStringToObject(
                o, "via", ((const struct nsg_nsg *)f[i].res)->name);
        cJSON_AddItemToArray(arr, o);
    }
}

static int sev_of(const char *s)
{
    return !s                      ? 0
           : !strcmp(s, "high")   ? NSG_MAP_SEV_HIGH
           : !strcmp(s, "medium") ? NSG_MAP_SEV_MEDIUM
                                  : NSG_MAP_SEV_LOW;
}

/* The node's findings: its own and those of the NSGs it names; sets
 * "findings" and "severity" (the highest). */
static void add_findings(struct nsg_map_docb *d, cJSON *node, const void *res,
                         const struct nsg_nsg *const *nsgs, size_t n_nsgs)
{
    cJSON *all = cJSON_AddArrayToObject(node, "findings"), *f;
    int worst = 0;
    const void *srcs[3] = {res, n_nsgs > 0 ? nsgs[0] : NULL,
                           n_nsgs > 1 ? nsgs[1] : NULL};
    for (int k = 0; k < 3; k++) {
        const cJSON *arr = srcs[k] ? g_hash_table_lookup(d->findings, srcs[k])
                                   : NULL;
        if (k == 2 && srcs[2] == srcs[1])
            continue;
        cJSON_ArrayForEach(f, arr)
        {
            int s = sev_of(cJSON_GetObjectItem(f, "severity")->valuestring);
            if (s > worst)
                worst = s;
            cJSON_AddItemToArray(all, cJSON_Duplicate(f, true));
        }
    }
    cJSON_AddItemToObject(node, "severity", str_or_null(sev_key(worst)));
}

/* ---- effective rules, per NSG and virtual network -------------------------- */

static void side_text(cJSON *o, const char *key, const struct nsg_addr_item *it,
                      size_t n, char *const *asgs, size_t n_asgs,
                      const struct nsg_topology *t)
{
    struct nsg_buf b = NSG_BUF_INIT;
    for (size_t i = 0; i < n; i++)
        nsg_buf_addf(&b, "%s%s", b.len ? ", " : "", it[i].text);
    for (size_t i = 0; i < n_asgs; i++) {
        const struct nsg_asg *a = nsg_topo_get(t, NSG_RES_ASG, asgs[i]);
        char *name = a ? NULL : nsg_id_name(asgs[i]);
        nsg_buf_addf(&b, "%sASG %s", b.len ? ", " : "", a ? a->name : name);
        free(name);
    }
    cJSON_AddStringToObject(o, key, b.buf ? b.buf : "");
    nsg_buf_release(&b);
}

static void ports_text(cJSON *o, const char *key, const struct nsg_portrange *p,
                       size_t n)
{
    struct nsg_map_ranges r = {(struct nsg_portrange *)p, n};
    struct nsg_buf b = NSG_BUF_INIT;
    nsg_map_ranges_text(&r, &b);
    cJSON_AddStringToObject(o, key, b.buf ? b.buf : "");
    nsg_buf_release(&b);
}

static cJSON *crule_json(const struct nsg_crule *cr, const struct nsg_topology *t)
{
    const struct nsg_rule *r = cr->rule;
    cJSON *o = cJSON_CreateObject();
    char pb[8];
    struct nsg_buf b = NSG_BUF_INIT;
    cJSON_AddNumberToObject(o, "priority", r->priority);
    cJSON_AddStringToObject(o, "name", r->name ? r->name : "");
    cJSON_AddStringToObject(o, "direction", nsg_dir_name(r->dir));
    cJSON_AddStringToObject(o, "access", nsg_access_name(r->access));
    cJSON_AddStringToObject(o, "protocol", nsg_proto_name(r->proto, pb));
    side_text(o, "source", r->src, r->n_src, r->src_asgs, r->n_src_asgs, t);
    ports_text(o, "source_ports", r->sports, r->n_sports);
    side_text(o, "destination", r->dst, r->n_dst, r->dst_asgs, r->n_dst_asgs, t);
    ports_text(o, "destination_ports", r->dports, r->n_dports);
    nsg_map_addrset_text(&cr->src, 6, &b);
    cJSON_AddStringToObject(o, "source_expanded", b.buf);
    nsg_buf_reset(&b);
    nsg_map_addrset_text(&cr->dst, 6, &b);
    cJSON_AddStringToObject(o, "destination_expanded", b.buf);
    nsg_buf_release(&b);
    cJSON_AddBoolToObject(o, "default", r->is_default);
    const char *unk = cr->src_unknown ? cr->src_unknown : cr->dst_unknown;
    if (unk)
        cJSON_AddStringToObject(o, "unknown_tag", unk);
    return o;
}

/* The id of the NSG's entry in the document's NSG table for this virtual
 * network (rules expanded in its context), made on first use. */
static const char *nsg_entry(struct nsg_map_docb *d, const struct nsg_nsg *g,
                             const struct nsg_vnet *v)
{
    char *key = g_strdup_printf("%p|%p", (const void *)g, (const void *)v);
    const char *id = g_hash_table_lookup(d->nsg_ref, key);
    if (id) {
        g_free(key);
        return id;
    }
    char *nid = g_strdup_printf("g%u", cJSON_GetArraySize(d->nsgs) + 1);
    g_hash_table_insert(d->nsg_ref, key, nid);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "id", nid);
    cJSON_AddStringToObject(o, "name", g->name ? g->name : "?");
    cJSON_AddItemToObject(o, "resource_id", str_or_null(g->id));
    cJSON_AddItemToObject(o, "vnet", str_or_null(nsg_map_doc_node_id(d, v)));
    cJSON_AddStringToObject(
        o, "flow_log_coverage",
        nsg_map_cover_name(nsg_map_coverage(d->a, g)));
    cJSON *rules = cJSON_AddArrayToObject(o, "rules");
    const struct nsg_cnsg *c = NULL;
    if (!nsg_sim_get(d->net->sim, g, v, &c, NULL))
        for (int dir = 0; dir < 2; dir++)
            for (size_t i = 0; i < c->n[dir]; i++)
                cJSON_AddItemToArray(rules,
                                     crule_json(&c->rules[dir][i], d->net->t));
    cJSON_AddItemToArray(d->nsgs, o);
    return nid;
}

static void nsg_level(struct nsg_map_docb *d, cJSON *arr, const char *level,
                      const struct nsg_nsg *g, const char *missing_id,
                      const struct nsg_vnet *v)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "level", level);
    if (g) {
        cJSON_AddStringToObject(o, "name", g->name ? g->name : "?");
        cJSON_AddStringToObject(o, "ref", nsg_entry(d, g, v));
    } else {
        char *name = nsg_id_name(missing_id);
        cJSON_AddStringToObject(o, "name", name ? name : "?");
        cJSON_AddNullToObject(o, "ref"); /* not in the corpus */
        free(name);
    }
    cJSON_AddItemToArray(arr, o);
}

/* ---- topology ---------------------------------------------------------------- */

static int id_cmp(const void *pa, const void *pb)
{
    const char *a = **(char *const *const *)pa, *b = **(char *const *const *)pb;
    return strcasecmp(a ? a : "", b ? b : "");
}

/* The resources of a type sorted by id (array owned by the caller). */
static void **sorted(const struct nsg_topology *t, enum nsg_res_type type,
                     guint *n)
{
    *n = NSG_TOPO_N(t, type);
    void **v = nsg_xcalloc(*n + 1, sizeof(*v));
    for (guint i = 0; i < *n; i++)
        v[i] = NSG_TOPO_AT(t, type, i);
    qsort(v, *n, sizeof(*v), id_cmp);
    return v;
}

static bool vnet_peered(const struct nsg_vnet *v)
{
    for (size_t i = 0; i < v->n_peerings; i++)
        if (v->peerings[i].state &&
            !strcasecmp(v->peerings[i].state, "Connected"))
            return true;
    return false;
}

static void add_vnets(struct nsg_map_docb *d)
{
    const struct nsg_topology *t = d->net->t;
    guint n;
    void **v = sorted(t, NSG_RES_VNET, &n);
    for (guint i = 0; i < n; i++) {
        const struct nsg_vnet *vn = v[i];
        char id[32];
        snprintf(id, sizeof(id), "v%u", i + 1);
        cJSON *o = nsg_map_doc_node(d, id, "vnet", NULL, vn->name, vn->id, vn);
        cJSON_AddItemToObject(o, "location", str_or_null(vn->location));
        cJSON_AddItemToObject(o, "addresses", cidr_list(vn->space, vn->n_space));
        cJSON_AddBoolToObject(o, "peered", vnet_peered(vn));
        cJSON_AddBoolToObject(o, "in_corpus", true);
        cJSON_AddStringToObject(o, "flow_log_coverage",
                                nsg_map_cover_name(nsg_map_coverage(d->a, vn)));
        add_findings(d, o, vn, NULL, 0);
    }
    free(v);
}

static void add_subnets(struct nsg_map_docb *d)
{
    const struct nsg_topology *t = d->net->t;
    guint n;
    void **v = sorted(t, NSG_RES_SUBNET, &n);
    for (guint i = 0; i < n; i++) {
        const struct nsg_subnet *s = v[i];
        const struct nsg_vnet *vn = nsg_topo_vnet_of_subnet(t, s);
        const struct nsg_nsg *g = nsg_topo_get(t, NSG_RES_NSG, s->nsg_id);
        char id[32];
        snprintf(id, sizeof(id), "s%u", i + 1);
        cJSON *o = nsg_map_doc_node(d, id, "subnet", nsg_map_doc_node_id(d, vn), s->name, s->id, s);
        cJSON_AddItemToObject(o, "addresses",
                              cidr_list(s->prefixes, s->n_prefixes));
        cJSON *nsgs = cJSON_AddArrayToObject(o, "nsgs");
        if (s->nsg_id)
            nsg_level(d, nsgs, "subnet", g, s->nsg_id, vn);
        cJSON_AddStringToObject(o, "flow_log_coverage",
                                nsg_map_cover_name(nsg_map_coverage(d->a, s)));
        const struct nsg_nsg *gs[1] = {g};
        add_findings(d, o, s, gs, g ? 1 : 0);
    }
    free(v);
}

static void add_nic(struct nsg_map_docb *d, size_t i)
{
    const struct nsg_map_net *n = d->net;
    const struct nsg_map_nic *m = &n->nics[i];
    const struct nsg_map_nic_assess *x = &d->a->nics[i];
    char id[32];
    snprintf(id, sizeof(id), "n%zu", i + 1);
    cJSON *o = nsg_map_doc_node(d, id, "nic", nsg_map_doc_node_id(d, m->subnet),
                        m->vm ? m->vm->name : m->nic->name, m->nic->id, m->nic);
    cJSON_AddStringToObject(o, "nic", m->nic->name ? m->nic->name : "?");
    cJSON_AddItemToObject(o, "vm", str_or_null(m->vm ? m->vm->name : NULL));
    cJSON *addrs = cJSON_AddArrayToObject(o, "addresses");
    for (size_t k = m->first_addr; k < m->first_addr + m->n_addrs; k++) {
        char s[NSG_IP_STRLEN];
        nsg_ip_format(&n->addrs[k].ip, s);
        cJSON_AddItemToArray(addrs, cJSON_CreateString(s));
    }
    nsg_map_nic_facts_json(d->a, i, o, true);
    cJSON_AddBoolToObject(o, "ip_forwarding", m->nic->ip_forwarding);
    cJSON *nsgs = cJSON_AddArrayToObject(o, "nsgs");
    if (m->subnet && m->subnet->nsg_id)
        nsg_level(d, nsgs, "subnet", m->nsg_subnet, m->subnet->nsg_id, m->vnet);
    if (m->nic->nsg_id)
        nsg_level(d, nsgs, "nic", m->nsg_nic, m->nic->nsg_id, m->vnet);
    cJSON_AddStringToObject(o, "flow_log_coverage",
                            nsg_map_cover_name(x->cover));
    const struct nsg_nsg *gs[2] = {m->nsg_subnet, m->nsg_nic};
    add_findings(d, o, m->nic, gs, 2);
}

/* A peering to a virtual network outside the corpus gets a stub node. */
static const char *stub_vnet(struct nsg_map_docb *d, const char *remote_id)
{
    char *key = nsg_xstrdup_lower(remote_id);
    const char *id = g_hash_table_lookup(d->stubs, key);
    if (id) {
        free(key);
        return id;
    }
    char nid[32];
    snprintf(nid, sizeof(nid), "w%u", g_hash_table_size(d->stubs) + 1);
    char *name = nsg_id_name(remote_id);
    cJSON *o = nsg_map_doc_node(d, nid, "vnet", NULL, name, remote_id, NULL);
    free(name);
    cJSON_AddItemToObject(o, "location", cJSON_CreateNull());
    cJSON_AddItemToObject(o, "addresses", cJSON_CreateArray());
    cJSON_AddBoolToObject(o, "peered", true);
    cJSON_AddBoolToObject(o, "in_corpus", false);
    cJSON_AddStringToObject(o, "flow_log_coverage", "unknown");
    cJSON_AddItemToObject(o, "findings", cJSON_CreateArray());
    cJSON_AddNullToObject(o, "severity");
    g_hash_table_insert(d->stubs, key, g_strdup(nid));
    return g_hash_table_lookup(d->stubs, key);
}

static void add_peerings(struct nsg_map_docb *d)
{
    const struct nsg_topology *t = d->net->t;
    guint n;
    void **v = sorted(t, NSG_RES_VNET, &n);
    GHashTable *done = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                                             NULL);
    for (guint i = 0; i < n; i++) {
        const struct nsg_vnet *a = v[i];
        for (size_t k = 0; k < a->n_peerings; k++) {
            const struct nsg_peering *p = &a->peerings[k];
            const struct nsg_vnet *b =
                nsg_topo_get(t, NSG_RES_VNET, p->remote_vnet_id);
            const char *from = nsg_map_doc_node_id(d, a);
            const char *to = b ? nsg_map_doc_node_id(d, b)
                           : p->remote_vnet_id ? stub_vnet(d, p->remote_vnet_id)
                                               : NULL;
            if (!to)
                continue;
            char *key = strcmp(from, to) < 0 ? g_strdup_printf("%s|%s", from, to)
                                             : g_strdup_printf("%s|%s", to, from);
            if (!g_hash_table_add(done, key))
                continue;
            char id[32];
            snprintf(id, sizeof(id), "p%u", ++d->n_edge);
            cJSON *e = cJSON_CreateObject();
            cJSON_AddStringToObject(e, "id", id);
            cJSON_AddStringToObject(e, "kind", "peering");
            cJSON_AddStringToObject(e, "from", from);
            cJSON_AddStringToObject(e, "to", to);
            cJSON_AddItemToObject(e, "name", str_or_null(p->name));
            cJSON_AddItemToObject(e, "state", str_or_null(p->state));
            cJSON_AddBoolToObject(e, "allow_vnet_access", p->allow_vnet_access);
            cJSON_AddBoolToObject(e, "routes",
                                  b && nsg_map_vnets_route(t, a, b));
            cJSON_AddItemToArray(d->edges, e);
        }
    }
    g_hash_table_destroy(done);
    free(v);
}

/* ---- summary ---------------------------------------------------------------- */

static void add_summary(struct nsg_map_docb *d, cJSON *root)
{
    const struct nsg_topology *t = d->net->t;
    size_t n, sev[4] = {0}, facing = 0;
    const struct nsg_map_finding *f = nsg_map_findings(d->a, &n);
    for (size_t i = 0; i < n; i++)
        sev[nsg_map_rec(f[i].rec)->sev]++;
    for (size_t i = 0; i < d->net->n_nics; i++)
        facing += d->net->nics[i].facing;
    cJSON *s = cJSON_AddObjectToObject(root, "summary");
    cJSON_AddNumberToObject(s, "vnets", NSG_TOPO_N(t, NSG_RES_VNET));
    cJSON_AddNumberToObject(s, "subnets", NSG_TOPO_N(t, NSG_RES_SUBNET));
    cJSON_AddNumberToObject(s, "nics", (double)d->net->n_nics);
    cJSON_AddNumberToObject(s, "internet_facing", (double)facing);
    cJSON *fs = cJSON_AddObjectToObject(s, "findings");
    cJSON_AddNumberToObject(fs, "high", (double)sev[NSG_MAP_SEV_HIGH]);
    cJSON_AddNumberToObject(fs, "medium", (double)sev[NSG_MAP_SEV_MEDIUM]);
    cJSON_AddNumberToObject(fs, "low", (double)sev[NSG_MAP_SEV_LOW]);
    cJSON *recs = cJSON_AddArrayToObject(root, "recommendations");
    for (int r = 0; r < NSG_MAP_REC_COUNT; r++) {
        const struct nsg_map_rec_info *ri = nsg_map_rec((enum nsg_map_rec)r);
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "id", ri->id);
        cJSON_AddStringToObject(o, "title", ri->title);
        cJSON_AddStringToObject(o, "severity", sev_key(ri->sev));
        cJSON_AddItemToArray(recs, o);
    }
}

cJSON *nsg_map_doc(const struct nsg_map_net *net,
                   const struct nsg_map_assessment *a,
                   const struct nsg_map_traffic *tr,
                   const struct nsg_map_doc_opts *opts)
{
    struct nsg_map_docb d;
    cJSON *root = cJSON_CreateObject();
    memset(&d, 0, sizeof(d));
    d.net = net;
    d.a = a;
    d.tr = tr;
    d.node_of = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL,
                                      g_free);
    d.nsg_ref = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    d.stubs = g_hash_table_new_full(g_str_hash, g_str_equal, free, g_free);
    index_findings(&d);
    cJSON_AddStringToObject(root, "format", "nsgproof-map");
    cJSON_AddNumberToObject(root, "version", 1);
    cJSON_AddStringToObject(root, "title", opts && opts->title
                                               ? opts->title
                                               : "nsgproof network map");
    bool traffic = opts && opts->view == NSG_MAP_VIEW_TRAFFIC && tr;
    cJSON_AddStringToObject(root, "view", traffic ? "traffic" : "topology");
    cJSON_AddNumberToObject(root, "collapse",
                            opts ? opts->collapse : NSG_MAP_COLLAPSE_DEFAULT);
    add_summary(&d, root);
    d.nodes = cJSON_AddArrayToObject(root, "nodes");
    d.edges = cJSON_AddArrayToObject(root, "edges");
    d.nsgs = cJSON_AddArrayToObject(root, "nsgs");
    add_vnets(&d);
    add_subnets(&d);
    for (size_t i = 0; i < net->n_nics; i++)
        add_nic(&d, i);
    add_peerings(&d);
    if (traffic)
        nsg_map_doc_traffic(&d, root);
    g_hash_table_destroy(d.node_of);
    g_hash_table_destroy(d.nsg_ref);
    g_hash_table_destroy(d.stubs);
    g_hash_table_destroy(d.findings);
    return root;
}
