/* replay_whatif.c - what-if: observed flows, deduplicated per NIC, evaluated
 * through both NSG levels with the current model and with the proposed one;
 * reports the flows whose decision would change (newly denied, newly
 * allowed) per responsible NSG and overall. */
#include <stdlib.h>
#include <string.h>

#include "replay.h"

#define TOP_N 5

/* One observed flow of one NIC in one hour (the same tuple logged by the
 * subnet NSG and the NIC NSG merges here). */
struct wkey {
    char mac[13];
    char state;
    uint8_t dir;
    int proto;
    struct nsg_ip src, dst;
    uint16_t sport, dport;
    uint16_t sport_span; /* aggregate rows: ports sport..sport+span */
    int64_t hour;
};
/* The same flow may be logged by the subnet NSG and by the NIC NSG (take
 * the larger count), while one NSG's log of it may be split across flow
 * segments (add them up): counts are summed per logging NSG. */
#define WFLOW_LOGGERS 2
struct wflow {
    struct wkey k;
    const char *logger[WFLOW_LOGGERS]; /* interned NSG id / aclID */
    uint64_t logged[WFLOW_LOGGERS];    /* summed count per logger */
    uint64_t count;     /* max over the loggers */
    int64_t first_seen; /* earliest over the logs */
    bool logged_denied; /* some log recorded it denied */
    int skip;           /* a reason it cannot be evaluated, or -1 */
};

/* Changed flows of one kind (newly denied or newly allowed). */
struct wstats {
    uint64_t count, flows;
    GHashTable *srcs, *ports, *rules; /* text -> count (gsize) */
};
struct group {
    char *nsg;
    struct wstats denied, allowed;
};

struct nsg_whatif {
    const struct nsg_topology *cur, *prop;
    struct nsg_sim *sim_cur, *sim_prop;
    size_t max_listed;
    GHashTable *flows;  /* struct wkey * -> struct wflow * (owned) */
    GHashTable *groups; /* NSG name -> struct group * (owned) */
    GStringChunk *loggers; /* interned logger ids */
    struct wstats denied, allowed;
    struct nsg_whatif_counts c;
    cJSON *listed;
    uint64_t n_changed; /* changed flows (listed or not) */
    char last_mac[13];  /* flows are evaluated sorted by MAC: cache */
    const struct nsg_nic *last_cur, *last_prop;
};

static guint wkey_hash(gconstpointer p)
{
    const struct wkey *k = p;
    guint h = g_str_hash(k->mac);
    h = h * 31 + (guint)k->dir * 7 + (guint)k->proto + (guint)k->state;
    h = h * 31 + (guint)(k->src.v ^ (k->src.v >> 64));
    h = h * 31 + (guint)(k->dst.v ^ (k->dst.v >> 64));
    h = h * 31 + ((guint)k->sport << 16 | k->dport) + k->sport_span;
    return h * 31 + (guint)k->hour;
}

static gboolean wkey_equal(gconstpointer a, gconstpointer b)
{
    const struct wkey *x = a, *y = b;
    return x->dir == y->dir && x->proto == y->proto && x->state == y->state &&
           x->sport == y->sport && x->dport == y->dport && x->hour == y->hour &&
           x->sport_span == y->sport_span &&
           !strcmp(x->mac, y->mac) && !nsg_ip_cmp(&x->src, &y->src) &&
           !nsg_ip_cmp(&x->dst, &y->dst);
}

static void wstats_init(struct wstats *s)
{
    memset(s, 0, sizeof(*s));
    s->srcs = g_hash_table_new_full(g_str_hash, g_str_equal, free, NULL);
    s->ports = g_hash_table_new_full(g_str_hash, g_str_equal, free, NULL);
    s->rules = g_hash_table_new_full(g_str_hash, g_str_equal, free, NULL);
}

static void wstats_release(struct wstats *s)
{
    g_hash_table_destroy(s->srcs);
    g_hash_table_destroy(s->ports);
    g_hash_table_destroy(s->rules);
}

static void group_free(void *p)
{
    struct group *g = p;
    free(g->nsg);
    wstats_release(&g->denied);
    wstats_release(&g->allowed);
    free(g);
}

struct nsg_whatif *nsg_whatif_new(const struct nsg_topology *cur,
                                  const struct nsg_topology *prop,
                                  size_t max_listed)
{
    struct nsg_whatif *w = nsg_xcalloc(1, sizeof(*w));
    w->cur = cur;
    w->prop = prop;
    w->sim_cur = nsg_sim_new(cur);
    w->sim_prop = nsg_sim_new(prop);
    w->max_listed = max_listed ? max_listed : 100;
    w->flows = g_hash_table_new_full(wkey_hash, wkey_equal, NULL, free);
    w->groups =
        g_hash_table_new_full(g_str_hash, g_str_equal, NULL, group_free);
    w->loggers = g_string_chunk_new(4096);
    wstats_init(&w->denied);
    wstats_init(&w->allowed);
    w->listed = cJSON_CreateArray();
    return w;
}

void nsg_whatif_free(struct nsg_whatif *w)
{
    if (!w)
        return;
    nsg_sim_free(w->sim_cur);
    nsg_sim_free(w->sim_prop);
    g_hash_table_destroy(w->flows);
    g_hash_table_destroy(w->groups);
    g_string_chunk_free(w->loggers);
    wstats_release(&w->denied);
    wstats_release(&w->allowed);
    cJSON_Delete(w->listed);
    free(w);
}

/* Add n tuples logged by `logger` (case-insensitive id) to wf. */
static void add_logged(struct nsg_whatif *w, struct wflow *wf,
                       const char *logger, uint64_t n)
{
    char *lower = nsg_xstrdup_lower(logger);
    const char *id = g_string_chunk_insert_const(w->loggers, lower);
    int slot = WFLOW_LOGGERS - 1; /* more loggers than slots: fold */

    free(lower);
    for (int i = 0; i < WFLOW_LOGGERS; i++)
        if (!wf->logger[i] || wf->logger[i] == id) {
            slot = i;
            break;
        }
    wf->logger[slot] = id;
    wf->logged[slot] += n;
    for (int i = 0; i < WFLOW_LOGGERS; i++)
        if (wf->logged[i] > wf->count)
            wf->count = wf->logged[i];
}

void nsg_whatif_add(struct nsg_whatif *w, const struct nsg_flow *f)
{
    struct wkey k;
    struct wflow *wf;
    const char *plain;
    /* a row that names no rule (an aggregate row) is not an admin rule */
    enum nsg_logged_rule kind = f->rule && *f->rule
                                    ? nsg_replay_rule_kind(f->rule, &plain)
                                    : NSG_LR_USER;
    uint64_t n = f->count ? f->count : 1;
    int skip = -1;

    memset(&k, 0, sizeof(k));
    memcpy(k.mac, f->mac, sizeof(k.mac));
    k.state = f->state == 'D' ? 'B' : f->state; /* VNet D: a denied begin */
    k.dir = (uint8_t)f->dir;
    k.proto = f->proto;
    k.src = f->src;
    k.dst = f->dst;
    k.sport = f->sport;
    k.dport = f->dport;
    k.sport_span = f->sport_span;
    k.hour = f->first_seen / 3600;
    if (kind == NSG_LR_PLATFORM ||
        (f->acl_id && strspn(f->acl_id, "0-") == strlen(f->acl_id)))
        skip = NSG_RR_PLATFORM;
    else if (kind == NSG_LR_ADMIN)
        skip = NSG_RR_ADMIN;
    wf = g_hash_table_lookup(w->flows, &k);
    if (!wf) {
        wf = nsg_xcalloc(1, sizeof(*wf));
        wf->k = k;
        wf->skip = skip;
        wf->first_seen = f->first_seen;
        g_hash_table_insert(w->flows, &wf->k, wf);
    } else if (skip < 0) {
        wf->skip = -1; /* an NSG logged it: evaluable */
    }
    add_logged(w, wf, f->nsg_id ? f->nsg_id : f->acl_id ? f->acl_id : "", n);
    if (f->first_seen < wf->first_seen)
        wf->first_seen = f->first_seen;
    if (nsg_replay_flow_denied(f))
        wf->logged_denied = true;
}

static gint wflow_cmp(gconstpointer a, gconstpointer b)
{
    const struct wkey *x = &(*(struct wflow *const *)a)->k;
    const struct wkey *y = &(*(struct wflow *const *)b)->k;
    int d = strcmp(x->mac, y->mac);
    if (!d)
        d = (x->hour > y->hour) - (x->hour < y->hour);
    if (!d)
        d = (int)x->dir - (int)y->dir;
    if (!d)
        d = x->proto - y->proto;
    if (!d)
        d = nsg_ip_cmp(&x->src, &y->src);
    if (!d)
        d = nsg_ip_cmp(&x->dst, &y->dst);
    if (!d)
        d = (int)x->dport - (int)y->dport;
    if (!d)
        d = (int)x->sport - (int)y->sport;
    if (!d)
        d = (int)x->sport_span - (int)y->sport_span;
    if (!d)
        d = (int)x->state - (int)y->state;
    return d;
}

/* The values of h in a new array (GLib 2.74 lacks get_values_as_ptr_array). */
static GPtrArray *values_of(GHashTable *h)
{
    GPtrArray *a = g_ptr_array_sized_new(g_hash_table_size(h));
    GHashTableIter it;
    gpointer k, v;
    g_hash_table_iter_init(&it, h);
    while (g_hash_table_iter_next(&it, &k, &v))
        g_ptr_array_add(a, v);
    return a;
}

static void bump_text(GHashTable *h, char *key, uint64_t n)
{
    gpointer old;
    if (g_hash_table_lookup_extended(h, key, NULL, &old)) {
        g_hash_table_insert(h, key,
                            GSIZE_TO_POINTER(GPOINTER_TO_SIZE(old) + n));
        return;
    }
    g_hash_table_insert(h, key, GSIZE_TO_POINTER((gsize)n));
}

static void wstats_add(struct wstats *s, const struct wflow *wf,
                       const char *nsg, const char *rule)
{
    char ip[NSG_IP_STRLEN], pb[8];
    s->count += wf->count;
    s->flows++;
    nsg_ip_format(&wf->k.src, ip);
    bump_text(s->srcs, nsg_xstrdup(ip), wf->count);
    bump_text(s->ports,
              g_strdup_printf("%s/%u", nsg_proto_name(wf->k.proto, pb),
                              nsg_proto_has_ports(wf->k.proto)
                                  ? (unsigned)wf->k.dport
                                  : 0u),
              wf->count);
    bump_text(s->rules, g_strdup_printf("%s\n%s", nsg, rule), wf->count);
}

static struct group *group_for(struct nsg_whatif *w, const char *nsg)
{
    struct group *g = g_hash_table_lookup(w->groups, nsg);
    if (!g) {
        g = nsg_xcalloc(1, sizeof(*g));
        g->nsg = nsg_xstrdup(nsg);
        wstats_init(&g->denied);
        wstats_init(&g->allowed);
        g_hash_table_insert(w->groups, g->nsg, g);
    }
    return g;
}

void nsg_whatif_track(struct nsg_whatif *w, const char *nsg_name)
{
    if (nsg_name)
        group_for(w, nsg_name);
}

static const char *level_rule(const struct nsg_level *l)
{
    if (!l->nsg)
        return "(no NSG)";
    return l->m.rule && l->m.rule->rule ? l->m.rule->rule->name : "";
}

static const char *level_nsg(const struct nsg_level *l, const char *level)
{
    return l->nsg ? l->nsg->name : level;
}

static cJSON *verdict_json(const struct nsg_verdict *v)
{
    cJSON *o = cJSON_CreateObject();
    const struct nsg_level *l =
        v->deciding >= 0 ? &v->levels[v->deciding] : NULL;
    cJSON_AddStringToObject(o, "decision",
                            v->decision == NSG_DEC_DENY ? "Deny" : "Allow");
    cJSON_AddStringToObject(o, "nsg", l ? level_nsg(l, l->level) : "");
    cJSON_AddStringToObject(o, "rule", l ? level_rule(l) : "");
    return o;
}

/* "B", "C", "E", or null (version 1 tuples have no state). */
static cJSON *state_json(char state)
{
    char s[2] = {state, 0};
    return state ? cJSON_CreateString(s) : cJSON_CreateNull();
}

static void list_change(struct nsg_whatif *w, const struct wflow *wf,
                        const struct nsg_nic *nic, bool newly_denied,
                        const struct nsg_verdict *vc,
                        const struct nsg_verdict *vp)
{
    const struct nsg_packet p = {wf->k.dir, wf->k.proto, wf->k.src,
                                 wf->k.dst, wf->k.sport, wf->k.dport};
    cJSON *o;
    w->n_changed++;
    if ((size_t)cJSON_GetArraySize(w->listed) >= w->max_listed)
        return;
    o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "change",
                            newly_denied ? "newly_denied" : "newly_allowed");
    cJSON_AddStringToObject(o, "nic", nic->name ? nic->name : "");
    nsg_sim_packet_to_json(o, &p, NSG_PJ_PROTO_TCPUDP);
    if (wf->k.sport_span && nsg_proto_has_ports(wf->k.proto))
        cJSON_AddNumberToObject(o, "sport_max",
                                (unsigned)wf->k.sport + wf->k.sport_span);
    cJSON_AddNumberToObject(o, "count", (double)wf->count);
    cJSON_AddItemToObject(o, "state", state_json(wf->k.state));
    cJSON_AddNumberToObject(o, "first_seen", (double)wf->first_seen);
    cJSON_AddStringToObject(o, "logged", wf->logged_denied ? "Deny" : "Allow");
    cJSON_AddItemToObject(o, "current", verdict_json(vc));
    cJSON_AddItemToObject(o, "proposed", verdict_json(vp));
    cJSON_AddItemToArray(w->listed, o);
}

static void uneval(struct nsg_whatif *w, enum nsg_replay_reason why, uint64_t n)
{
    w->c.unevaluated += n;
    w->c.reasons[why] += n;
}

/* Evaluate one deduplicated flow, current and proposed. */
static nsg_rc eval_flow(struct nsg_whatif *w, const struct wflow *wf,
                        struct nsg_err *err)
{
    const struct nsg_nic *nc, *np;
    struct nsg_verdict vc, vp;
    struct nsg_packet p = {wf->k.dir, wf->k.proto, wf->k.src,
                           wf->k.dst, wf->k.sport, wf->k.dport};
    const struct nsg_level *l;
    struct group *g;
    nsg_rc rc;

    w->c.total += wf->count;
    if (wf->skip >= 0) {
        uneval(w, wf->skip, wf->count);
        return NSG_OK;
    }
    if (strcmp(w->last_mac, wf->k.mac)) {
        memcpy(w->last_mac, wf->k.mac, sizeof(w->last_mac));
        w->last_cur = nsg_topo_nic_by_mac(w->cur, wf->k.mac);
        w->last_prop = nsg_topo_nic_by_mac(w->prop, wf->k.mac);
    }
    nc = wf->k.mac[0] ? w->last_cur : NULL;
    np = wf->k.mac[0] ? w->last_prop : NULL;
    if (!nc || !np) {
        uneval(w, NSG_RR_UNKNOWN_MAC, wf->count);
        return NSG_OK;
    }
    if (!nsg_topo_subnet_of_nic(w->cur, nc)) {
        uneval(w, NSG_RR_UNKNOWN_VNET, wf->count);
        return NSG_OK;
    }
    rc = nsg_sim_eval_nic(w->sim_cur, nc, &p, &vc, err);
    if (!rc)
        rc = nsg_sim_eval_nic(w->sim_prop, np, &p, &vp, err);
    if (rc)
        return nsg_err_prefix(err, "what-if: NIC %s", nc->name);
    unsigned smax = (unsigned)wf->k.sport + wf->k.sport_span;
    if (wf->k.sport_span && (nsg_sim_verdict_sport_splits(&vc, &p, smax) ||
                             nsg_sim_verdict_sport_splits(&vp, &p, smax))) {
        w->c.inexact += wf->count; /* never guessed */
        return NSG_OK;
    }
    if (vc.decision == NSG_DEC_UNKNOWN || vp.decision == NSG_DEC_UNKNOWN) {
        uneval(w, vc.unknown_reason || vp.unknown_reason ? NSG_RR_ADMIN
                                                          : NSG_RR_UNKNOWN_TAG,
               wf->count);
        return NSG_OK;
    }
    /* the stages before the NSGs are the same in both models: a change
     * comes from an NSG level */
    if (vc.decision == vp.decision || vp.n_levels == 0) {
        w->c.unchanged += wf->count;
        return NSG_OK;
    }
    if (vp.decision == NSG_DEC_DENY) { /* the proposed rule that denies */
        l = &vp.levels[vp.deciding];
        g = group_for(w, level_nsg(l, l->level));
        wstats_add(&w->denied, wf, g->nsg, level_rule(l));
        wstats_add(&g->denied, wf, g->nsg, level_rule(l));
        w->c.newly_denied += wf->count;
    } else { /* the level that denied now allows: its proposed rule */
        int i = vc.deciding >= 0 && (size_t)vc.deciding < vp.n_levels
                    ? vc.deciding
                    : vp.deciding;
        l = &vp.levels[i < 0 ? 0 : i];
        g = group_for(w, level_nsg(l, l->level));
        wstats_add(&w->allowed, wf, g->nsg, level_rule(l));
        wstats_add(&g->allowed, wf, g->nsg, level_rule(l));
        w->c.newly_allowed += wf->count;
    }
    list_change(w, wf, nc, vp.decision == NSG_DEC_DENY, &vc, &vp);
    return NSG_OK;
}

nsg_rc nsg_whatif_finish(struct nsg_whatif *w, struct nsg_err *err)
{
    GPtrArray *all = values_of(w->flows);
    nsg_rc rc = NSG_OK;
    g_ptr_array_sort(all, wflow_cmp); /* deterministic listing */
    for (guint i = 0; i < all->len && !rc; i++)
        rc = eval_flow(w, all->pdata[i], err);
    g_ptr_array_free(all, TRUE);
    return rc;
}

void nsg_whatif_get_counts(const struct nsg_whatif *w,
                           struct nsg_whatif_counts *out)
{
    *out = w->c;
}

struct kv {
    const char *k;
    gsize v;
};

static gint kv_cmp(gconstpointer a, gconstpointer b)
{
    const struct kv *x = a, *y = b;
    if (x->v != y->v)
        return x->v < y->v ? 1 : -1;
    return strcmp(x->k, y->k);
}

/* Entries of h by descending count (then by key). */
static GArray *sorted(GHashTable *h)
{
    GArray *a = g_array_new(FALSE, FALSE, sizeof(struct kv));
    GHashTableIter it;
    gpointer k, v;
    g_hash_table_iter_init(&it, h);
    while (g_hash_table_iter_next(&it, &k, &v)) {
        struct kv e = {k, GPOINTER_TO_SIZE(v)};
        g_array_append_val(a, e);
    }
    g_array_sort(a, kv_cmp);
    return a;
}

static cJSON *wstats_json(struct wstats *s)
{
    cJSON *o = cJSON_CreateObject(), *top = cJSON_CreateArray(),
          *ports = cJSON_CreateArray(), *rules = cJSON_CreateArray();
    GArray *a;
    cJSON_AddNumberToObject(o, "count", (double)s->count);
    cJSON_AddNumberToObject(o, "flows", (double)s->flows);
    cJSON_AddNumberToObject(o, "distinct_sources", g_hash_table_size(s->srcs));
    cJSON_AddNumberToObject(o, "distinct_ports", g_hash_table_size(s->ports));
    a = sorted(s->srcs);
    for (guint i = 0; i < a->len && i < TOP_N; i++) {
        struct kv *e = &g_array_index(a, struct kv, i);
        cJSON *t = cJSON_CreateObject();
        cJSON_AddStringToObject(t, "src", e->k);
        cJSON_AddNumberToObject(t, "count", (double)e->v);
        cJSON_AddItemToArray(top, t);
    }
    g_array_free(a, TRUE);
    a = sorted(s->ports);
    for (guint i = 0; i < a->len; i++) {
        struct kv *e = &g_array_index(a, struct kv, i);
        cJSON *t = cJSON_CreateObject();
        cJSON_AddStringToObject(t, "port", e->k);
        cJSON_AddNumberToObject(t, "count", (double)e->v);
        cJSON_AddItemToArray(ports, t);
    }
    g_array_free(a, TRUE);
    a = sorted(s->rules);
    for (guint i = 0; i < a->len; i++) {
        struct kv *e = &g_array_index(a, struct kv, i);
        const char *nl = strchr(e->k, '\n');
        char *nsg = g_strndup(e->k, (gsize)(nl - e->k));
        cJSON *t = cJSON_CreateObject();
        cJSON_AddStringToObject(t, "nsg", nsg);
        cJSON_AddStringToObject(t, "rule", nl + 1);
        cJSON_AddNumberToObject(t, "count", (double)e->v);
        cJSON_AddItemToArray(rules, t);
        g_free(nsg);
    }
    g_array_free(a, TRUE);
    cJSON_AddItemToObject(o, "top_talkers", top);
    cJSON_AddItemToObject(o, "ports", ports);
    cJSON_AddItemToObject(o, "rules", rules);
    return o;
}

static gint group_cmp(gconstpointer a, gconstpointer b)
{
    return strcmp((*(struct group *const *)a)->nsg,
                  (*(struct group *const *)b)->nsg);
}

cJSON *nsg_whatif_report(const struct nsg_whatif *w)
{
    struct nsg_whatif *mw = (struct nsg_whatif *)w; /* stats sort in place */
    cJSON *o = cJSON_CreateObject(), *reasons = cJSON_CreateObject(),
          *per = cJSON_CreateArray();
    GPtrArray *gs = values_of(mw->groups);
    size_t listed = (size_t)cJSON_GetArraySize(w->listed);

    cJSON_AddNumberToObject(o, "flows_total", (double)w->c.total);
    cJSON_AddNumberToObject(o, "unchanged", (double)w->c.unchanged);
    cJSON_AddNumberToObject(o, "unevaluated", (double)w->c.unevaluated);
    cJSON_AddNumberToObject(o, "inexact", (double)w->c.inexact);
    for (int i = 0; i < NSG_RR_COUNT; i++)
        if (w->c.reasons[i])
            cJSON_AddNumberToObject(reasons, nsg_replay_reason_name(i),
                                    (double)w->c.reasons[i]);
    cJSON_AddItemToObject(o, "unevaluated_reasons", reasons);
    cJSON_AddItemToObject(o, "newly_denied", wstats_json(&mw->denied));
    cJSON_AddItemToObject(o, "newly_allowed", wstats_json(&mw->allowed));
    g_ptr_array_sort(gs, group_cmp);
    for (guint i = 0; i < gs->len; i++) {
        struct group *g = gs->pdata[i];
        cJSON *e = cJSON_CreateObject();
        cJSON_AddStringToObject(e, "nsg", g->nsg);
        cJSON_AddItemToObject(e, "newly_denied", wstats_json(&g->denied));
        cJSON_AddItemToObject(e, "newly_allowed", wstats_json(&g->allowed));
        cJSON_AddItemToArray(per, e);
    }
    g_ptr_array_free(gs, TRUE);
    cJSON_AddItemToObject(o, "per_nsg", per);
    cJSON_AddItemToObject(o, "changes", cJSON_Duplicate(w->listed, 1));
    cJSON_AddNumberToObject(o, "changes_listed", (double)listed);
    cJSON_AddNumberToObject(o, "changes_omitted",
                            (double)(w->n_changed - listed));
    return o;
}
