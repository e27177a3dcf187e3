/* replay.c - replays logged flow tuples against the NSG that logged them, as
 * it was at the tuple's time, and compares the simulated decision and rule
 * with the logged ones.  Per tuple there is no allocation: NSGs, MACs and
 * GUIDs are looked up in hash tables built once (case-insensitive hashing
 * without lower-casing copies), the last lookup is cached (stored flows come
 * grouped by NSG and MAC), and compiled NSGs are cached by the simulator. */
#include <stdlib.h>
#include <string.h>

#include "replay.h"

/* One NSG of the model and its stored versions. */
struct entry {
    const struct nsg_nsg *cur; /* the object in t */
    GPtrArray *versions;       /* owned struct nsg_nsg *, by captured_at */
    struct pstats *stats;
};

/* Per-NSG counts (also for NSGs the corpus does not know). */
struct pstats {
    char *name, *id;
    struct nsg_replay_counts c;
};

/* Where a NIC sits: its VirtualNetwork context. */
struct macinfo {
    const struct nsg_nic *nic;
    const struct nsg_subnet *sub;
    const struct nsg_vnet *vnet; /* NULL: subnet or VNet unknown */
    bool kms_on;                 /* the subnet has no 0.0.0.0/0 route */
};

/* One connection (NSG, direction, 5-tuple) of a versioned NSG. */
struct conn {
    const struct entry *e;
    enum nsg_dir dir;
    int proto;
    struct nsg_ip src, dst;
    uint16_t sport, dport;
};
struct conn_start {
    int64_t begin; /* earliest B tuple, INT64_MAX when none */
    int64_t first; /* earliest tuple */
};

struct nsg_replay {
    const struct nsg_topology *t;
    const struct nsg_nsg *only;
    size_t max_listed;
    struct nsg_sim *sim;
    GHashTable *by_id;   /* NSG id (any case) -> struct entry * (owned) */
    GHashTable *by_guid; /* resourceGuid (any case) -> struct entry * */
    GHashTable *by_mac;  /* 12 hex digits -> struct macinfo * (owned) */
    GHashTable *stats;   /* lower-case key -> struct pstats * (owned) */
    GHashTable *conns;   /* struct conn * -> struct conn_start * (owned) */
    GHashTable *admin_names; /* lower-case admin rule names in the corpus */
    bool versioned;
    struct nsg_replay_counts c;
    cJSON *listed;      /* array of disagreements kept */
    uint64_t n_entries; /* disagreeing stored flows (listed or not) */
    /* last NSG resolution (flows come grouped) */
    struct nsg_buf last_key;
    struct entry *last_e;
    struct pstats *last_st;
    bool last_platform, have_last;
    /* last MAC / target resolution */
    char last_mac[13];
    const struct macinfo *last_mi;
    struct macinfo target_mi;
    struct nsg_buf last_target;
};

static void entry_free(void *p)
{
    struct entry *e = p;
    if (!e)
        return;
    if (e->versions)
        g_ptr_array_free(e->versions, TRUE);
    free(e);
}

static void pstats_free(void *p)
{
    struct pstats *s = p;
    if (!s)
        return;
    free(s->name);
    free(s->id);
    free(s);
}

static guint conn_hash(gconstpointer p)
{
    const struct conn *k = p;
    guint h = (guint)(uintptr_t)k->e;
    h = h * 31 + (guint)k->dir * 7 + (guint)k->proto;
    h = h * 31 + (guint)(k->src.v ^ (k->src.v >> 64));
    h = h * 31 + (guint)(k->dst.v ^ (k->dst.v >> 64));
    return h * 31 + ((guint)k->sport << 16 | k->dport);
}

static gboolean conn_equal(gconstpointer a, gconstpointer b)
{
    const struct conn *x = a, *y = b;
    return x->e == y->e && x->dir == y->dir && x->proto == y->proto &&
           x->sport == y->sport && x->dport == y->dport &&
           !nsg_ip_cmp(&x->src, &y->src) && !nsg_ip_cmp(&x->dst, &y->dst);
}

static struct pstats *stats_for(struct nsg_replay *r, const char *key,
                                const char *name, const char *id)
{
    char *k = nsg_xstrdup_lower(key);
    struct pstats *s = g_hash_table_lookup(r->stats, k);
    if (s) {
        free(k);
        return s;
    }
    s = nsg_xcalloc(1, sizeof(*s));
    s->name = nsg_xstrdup(name);
    s->id = nsg_xstrdup(id);
    g_hash_table_insert(r->stats, k, s);
    return s;
}

static void index_nics(struct nsg_replay *r)
{
    const struct nsg_topology *t = r->t;
    for (guint i = 0; i < NSG_TOPO_N(t, NSG_RES_NIC); i++) {
        const struct nsg_nic *nic = NSG_TOPO_AT(t, NSG_RES_NIC, i);
        struct macinfo *mi;
        if (!nic->mac[0] || g_hash_table_contains(r->by_mac, nic->mac))
            continue;
        mi = nsg_xcalloc(1, sizeof(*mi));
        mi->nic = nic;
        mi->sub = nsg_topo_subnet_of_nic(t, nic);
        mi->vnet = nsg_topo_vnet_of_subnet(t, mi->sub);
        mi->kms_on = nsg_platform_kms_on(t, mi->sub);
        g_hash_table_insert(r->by_mac, (char *)nic->mac, mi);
    }
}

struct nsg_replay *nsg_replay_new(const struct nsg_topology *t,
                                  const struct nsg_nsg *only, size_t max_listed)
{
    struct nsg_replay *r = nsg_xcalloc(1, sizeof(*r));
    r->t = t;
    r->only = only;
    r->max_listed = max_listed ? max_listed : 100;
    r->sim = nsg_sim_new(t);
    r->by_id = g_hash_table_new_full(nsg_replay_ci_hash, nsg_replay_ci_equal,
                                     NULL, entry_free);
    r->by_guid = g_hash_table_new(nsg_replay_ci_hash, nsg_replay_ci_equal);
    r->by_mac = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, free);
    r->stats =
        g_hash_table_new_full(g_str_hash, g_str_equal, free, pstats_free);
    r->conns = g_hash_table_new_full(conn_hash, conn_equal, free, free);
    r->admin_names = g_hash_table_new_full(g_str_hash, g_str_equal, free, NULL);
    for (guint i = 0; i < NSG_TOPO_N(t, NSG_RES_ADMIN_RULE); i++) {
        const struct nsg_admin_rule *ar = NSG_TOPO_AT(t, NSG_RES_ADMIN_RULE, i);
        g_hash_table_add(r->admin_names, nsg_xstrdup_lower(ar->name));
    }
    for (guint i = 0; i < NSG_TOPO_N(t, NSG_RES_ADMIN_EFFECTIVE); i++) {
        const struct nsg_admin_effective *e =
            NSG_TOPO_AT(t, NSG_RES_ADMIN_EFFECTIVE, i);
        for (size_t k = 0; k < e->n_rules; k++)
            g_hash_table_add(r->admin_names,
                             nsg_xstrdup_lower(e->rules[k].name));
    }
    r->listed = cJSON_CreateArray();
    for (guint i = 0; i < NSG_TOPO_N(t, NSG_RES_NSG); i++) {
        const struct nsg_nsg *n = NSG_TOPO_AT(t, NSG_RES_NSG, i);
        struct entry *e;
        if (!n->id)
            continue; /* the importer gives every NSG an id */
        e = nsg_xcalloc(1, sizeof(*e));
        e->cur = n;
        e->stats = stats_for(r, n->id, n->name, n->id);
        g_hash_table_replace(r->by_id, n->id, e);
        if (n->guid)
            g_hash_table_replace(r->by_guid, n->guid, e);
    }
    index_nics(r);
    return r;
}

void nsg_replay_free(struct nsg_replay *r)
{
    if (!r)
        return;
    nsg_sim_free(r->sim); /* before the versions it compiled */
    g_hash_table_destroy(r->by_guid);
    g_hash_table_destroy(r->by_id);
    g_hash_table_destroy(r->by_mac);
    g_hash_table_destroy(r->stats);
    g_hash_table_destroy(r->conns);
    g_hash_table_destroy(r->admin_names);
    cJSON_Delete(r->listed);
    nsg_buf_release(&r->last_key);
    nsg_buf_release(&r->last_target);
    free(r);
}

static gint by_capture(gconstpointer a, gconstpointer b)
{
    const struct nsg_nsg *x = *(struct nsg_nsg *const *)a;
    const struct nsg_nsg *y = *(struct nsg_nsg *const *)b;
    return (x->captured_at > y->captured_at) -
           (x->captured_at < y->captured_at);
}

void nsg_replay_add_version(struct nsg_replay *r, struct nsg_nsg *version)
{
    struct entry *e =
        version->id ? g_hash_table_lookup(r->by_id, version->id) : NULL;
    if (!e) { /* a version of an NSG no longer in the model: keep it known */
        e = nsg_xcalloc(1, sizeof(*e));
        e->cur = version;
        e->stats = stats_for(r, version->id ? version->id : version->name,
                             version->name, version->id);
        g_hash_table_replace(r->by_id,
                             version->id ? version->id : version->name, e);
    }
    if (!e->versions)
        e->versions =
            g_ptr_array_new_with_free_func((GDestroyNotify)nsg_nsg_free);
    g_ptr_array_add(e->versions, version);
    g_ptr_array_sort(e->versions, by_capture);
    if (e->versions->len > 1)
        r->versioned = true;
}

bool nsg_replay_wants_prepass(const struct nsg_replay *r)
{
    return r->versioned;
}

static bool all_zero_guid(const char *s)
{
    for (; *s; s++)
        if (*s != '0' && *s != '-')
            return false;
    return true;
}

/* Resolve the NSG that logged f into r->last_* (cached). */
static void resolve_nsg(struct nsg_replay *r, const struct nsg_flow *f)
{
    const char *key = f->nsg_id ? f->nsg_id : f->acl_id;
    if (!key)
        key = "";
    if (r->have_last && !strcmp(r->last_key.buf, key))
        return;
    nsg_buf_reset(&r->last_key);
    nsg_buf_adds(&r->last_key, key);
    r->have_last = true;
    r->last_platform = false;
    r->last_e = NULL;
    r->last_st = NULL;
    if (!f->nsg_id && all_zero_guid(key)) {
        r->last_platform = true;
        r->last_st = stats_for(r, "(platform)", "(platform)", NULL);
        return;
    }
    if (key[0] == '/')
        r->last_e = g_hash_table_lookup(r->by_id, key);
    else
        r->last_e = g_hash_table_lookup(r->by_guid, key);
    if (r->last_e) {
        r->last_st = r->last_e->stats;
    } else {
        char *name = key[0] == '/' ? nsg_id_name(key) : nsg_xstrdup(key);
        r->last_st = stats_for(r, key, name, key);
        free(name);
    }
}

/* The VirtualNetwork context of f (cached); NULL with *why set. */
static const struct macinfo *resolve_mac(struct nsg_replay *r,
                                         const struct nsg_flow *f,
                                         enum nsg_replay_reason *why)
{
    const struct macinfo *mi = NULL;
    *why = NSG_RR_UNKNOWN_MAC;
    if (f->mac[0]) {
        if (!r->last_mi || strcmp(r->last_mac, f->mac)) {
            mi = g_hash_table_lookup(r->by_mac, f->mac);
            if (mi) {
                memcpy(r->last_mac, f->mac, sizeof(r->last_mac));
                r->last_mi = mi;
            }
        } else {
            mi = r->last_mi;
        }
    }
    if (!mi && f->target_id) { /* VNet flow logs: a NIC, subnet or VNet */
        const struct nsg_topology *t = r->t;
        if (!r->last_target.buf || strcmp(r->last_target.buf, f->target_id)) {
            const struct nsg_subnet *s;
            nsg_buf_reset(&r->last_target);
            nsg_buf_adds(&r->last_target, f->target_id);
            memset(&r->target_mi, 0, sizeof(r->target_mi));
            r->target_mi.nic = nsg_topo_get(t, NSG_RES_NIC, f->target_id);
            s = r->target_mi.nic
                    ? nsg_topo_subnet_of_nic(t, r->target_mi.nic)
                    : nsg_topo_get(t, NSG_RES_SUBNET, f->target_id);
            r->target_mi.sub = s;
            r->target_mi.kms_on = nsg_platform_kms_on(t, s);
            r->target_mi.vnet = s ? nsg_topo_vnet_of_subnet(t, s)
                                  : nsg_topo_get(t, NSG_RES_VNET, f->target_id);
        }
        if (r->target_mi.vnet)
            mi = &r->target_mi;
    }
    if (mi && !nsg_sim_vnet_known(mi->vnet)) {
        *why = NSG_RR_UNKNOWN_VNET;
        return NULL;
    }
    return mi;
}

static void conn_key(struct conn *k, const struct entry *e,
                     const struct nsg_flow *f)
{
    memset(k, 0, sizeof(*k));
    k->e = e;
    k->dir = f->dir;
    k->proto = f->proto;
    k->src = f->src;
    k->dst = f->dst;
    k->sport = f->sport;
    k->dport = f->dport;
}

void nsg_replay_note(struct nsg_replay *r, const struct nsg_flow *f)
{
    struct conn k;
    struct conn_start *cs;
    resolve_nsg(r, f);
    if (!r->last_e || !r->last_e->versions || r->last_e->versions->len < 2)
        return;
    conn_key(&k, r->last_e, f);
    cs = g_hash_table_lookup(r->conns, &k);
    if (!cs) {
        struct conn *kk = nsg_xmalloc(sizeof(*kk));
        *kk = k;
        cs = nsg_xmalloc(sizeof(*cs));
        cs->begin = INT64_MAX;
        cs->first = INT64_MAX;
        g_hash_table_insert(r->conns, kk, cs);
    }
    if (f->first_seen < cs->first)
        cs->first = f->first_seen;
    if (f->state == 'B' && f->first_seen < cs->begin)
        cs->begin = f->first_seen;
}

/* Index of the version in force at time t. */
static size_t version_at(const GPtrArray *v, int64_t t)
{
    size_t idx = 0;
    for (size_t i = 0; i < v->len; i++)
        if (((const struct nsg_nsg *)v->pdata[i])->captured_at <= t)
            idx = i;
    return idx;
}

/* Did the connection of f begin before a rule change that happened at or
 * before f was logged (so Azure may still let it through as established)? */
static bool is_established(struct nsg_replay *r, const struct entry *e,
                           const struct nsg_flow *f)
{
    struct conn k;
    const struct conn_start *cs;
    int64_t start;
    if (f->state != 'C' && f->state != 'E')
        return false;
    if (!e->versions || e->versions->len < 2)
        return false;
    conn_key(&k, e, f);
    cs = g_hash_table_lookup(r->conns, &k);
    start = f->first_seen;
    if (cs)
        start = cs->begin != INT64_MAX ? cs->begin : cs->first;
    for (size_t i = 1; i < e->versions->len; i++) {
        int64_t tchange =
            ((const struct nsg_nsg *)e->versions->pdata[i])->captured_at;
        if (start < tchange && tchange <= f->last_seen)
            return true;
    }
    return false;
}

/* Add n to a counter of the whole replay and to the NSG's. */
static void bump(uint64_t *whole, uint64_t *per_nsg, uint64_t n)
{
    *whole += n;
    *per_nsg += n;
}

static void unevaluated(struct nsg_replay *r, struct pstats *st,
                        enum nsg_replay_reason why, uint64_t n)
{
    bump(&r->c.unevaluated, &st->c.unevaluated, n);
    r->c.reasons[why] += n;
    st->c.reasons[why] += n;
}

static cJSON *decision_json(bool deny, const char *rule)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "decision", deny ? "Deny" : "Allow");
    cJSON_AddStringToObject(o, "rule", rule ? rule : "");
    return o;
}

static void list_disagreement(struct nsg_replay *r, const struct pstats *st,
                              const struct nsg_flow *f, const char *logged,
                              bool sim_deny, const char *sim_rule)
{
    const struct nsg_packet p = {f->dir, f->proto, f->src,
                                 f->dst, f->sport, f->dport};
    cJSON *o;
    if ((size_t)cJSON_GetArraySize(r->listed) >= r->max_listed)
        return;
    o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "nsg", st->name ? st->name : "");
    nsg_sim_packet_to_json(o, &p, NSG_PJ_PROTO_TCPUDP);
    nsg_replay_sport_json(o, f);
    cJSON_AddNumberToObject(o, "count", (double)f->count);
    if (f->state) {
        char st[2] = {f->state, 0};
        cJSON_AddStringToObject(o, "state", st);
    } else {
        cJSON_AddNullToObject(o, "state");
    }
    cJSON_AddNumberToObject(o, "first_seen", (double)f->first_seen);
    cJSON_AddNumberToObject(o, "last_seen", (double)f->last_seen);
    cJSON_AddItemToObject(o, "logged",
                          decision_json(nsg_replay_flow_denied(f), logged));
    cJSON_AddItemToObject(o, "simulated", decision_json(sim_deny, sim_rule));
    cJSON_AddItemToArray(r->listed, o);
}

/* Does the simulated match agree with the logged decision and rule?
 * 0 no, 1 yes, 2 yes by a name the log cut short.  A row that names no
 * rule (an aggregate row whose engine did not keep it) agrees on the
 * decision alone. */
static int agrees(const struct nsg_match *m, bool denied,
                  enum nsg_logged_rule kind, const char *logged)
{
    const struct nsg_rule *rule = m->rule ? m->rule->rule : NULL;
    if ((m->decision == NSG_DEC_DENY) != denied)
        return 0;
    if (!logged || !*logged)
        return 1;
    if (!rule)
        return 0;
    if (rule->is_default != (kind == NSG_LR_DEFAULT))
        return 0;
    return nsg_replay_rule_agrees(logged, rule->name);
}

static void count_agree(struct nsg_replay *r, struct pstats *st, int how,
                        uint64_t n)
{
    bump(&r->c.agree, &st->c.agree, n);
    if (how == 2)
        bump(&r->c.agree_truncated, &st->c.agree_truncated, n);
}

static void count_disagree(struct nsg_replay *r, struct pstats *st,
                           const struct nsg_flow *f, const char *plain,
                           bool sim_deny, const char *sim_rule, uint64_t n)
{
    bump(&r->c.disagree, &st->c.disagree, n);
    r->n_entries++;
    list_disagreement(r, st, f, plain, sim_deny, sim_rule);
}

/* The admin stage at the NIC or VNet of mi (NULL: admin rules do not apply
 * there, or there are none). */
static nsg_rc admin_of(struct nsg_replay *r, const struct macinfo *mi,
                       const struct nsg_admin_stage **out, struct nsg_err *err)
{
    *out = NULL;
    if (!mi->vnet || (!NSG_TOPO_N(r->t, NSG_RES_ADMIN_RULE) &&
                      !NSG_TOPO_N(r->t, NSG_RES_ADMIN_EFFECTIVE)))
        return NSG_OK;
    if (!nsg_admin_applies_to(mi->nic, mi->sub))
        return NSG_OK;
    return nsg_sim_admin(r->sim, mi->vnet, out, err);
}

/* A tuple logged under a security admin rule's name: the admin stage must
 * decide it by that rule (for an Allow rule, which hands the packet on, the
 * NIC's NSGs decide it when the NIC is known). */
static nsg_rc replay_admin(struct nsg_replay *r, const struct nsg_flow *f,
                           struct pstats *st, const char *plain, uint64_t n,
                           struct nsg_err *err)
{
    enum nsg_replay_reason why;
    const struct macinfo *mi;
    const struct nsg_admin_stage *stage;
    struct nsg_admin_match am;
    char *key = nsg_xstrdup_lower(plain);
    bool known = g_hash_table_contains(r->admin_names, key);
    free(key);
    if (!known) { /* the configuration that logged it is not in the corpus */
        unevaluated(r, st, NSG_RR_ADMIN, n);
        return NSG_OK;
    }
    mi = resolve_mac(r, f, &why);
    if (!mi) {
        unevaluated(r, st, why, n);
        return NSG_OK;
    }
    const struct nsg_packet p = {f->dir, f->proto, f->src,
                                 f->dst, f->sport, f->dport};
    bool denied = nsg_replay_flow_denied(f);
    nsg_rc rc = admin_of(r, mi, &stage, err);
    if (rc)
        return rc;
    enum nsg_platform cls = nsg_platform_class(&p, mi->kms_on);
    if (cls != NSG_PLAT_NONE) { /* not subject to admin rules */
        count_disagree(r, st, f, plain, cls == NSG_PLAT_VNET_BLOCKED,
                       nsg_platform_name(cls), n);
        return NSG_OK;
    }
    nsg_admin_eval(stage, &p, &am);
    if (am.decision == NSG_DEC_UNKNOWN) {
        unevaluated(r, st, NSG_RR_ADMIN, n);
        return NSG_OK;
    }
    bool sim_deny = am.decision == NSG_DEC_DENY;
    if (am.rule && !am.ends && mi->nic) { /* Allow: the NSGs decide */
        struct nsg_verdict v;
        rc = nsg_sim_eval_nic(r->sim, mi->nic, &p, &v, err);
        if (rc)
            return nsg_err_prefix(err, "replay: NIC %s", mi->nic->name);
        if (v.decision == NSG_DEC_UNKNOWN) {
            unevaluated(r, st, NSG_RR_UNKNOWN_TAG, n);
            return NSG_OK;
        }
        sim_deny = v.decision == NSG_DEC_DENY;
    }
    int how = am.rule ? nsg_sem_logged_name_agrees(plain, 0, am.rule->ar->name)
                      : 0;
    if (how && sim_deny == denied) {
        count_agree(r, st, how, n);
        return NSG_OK;
    }
    count_disagree(r, st, f, plain, sim_deny,
                   am.rule ? am.rule->ar->name : "", n);
    return NSG_OK;
}

/* Version i of e's NSG (its object in t when it has no versions),
 * compiled for vnet. */
static nsg_rc compiled_version(struct nsg_replay *r, const struct entry *e,
                               size_t i, const struct nsg_vnet *vnet,
                               const struct nsg_cnsg **c, struct nsg_err *err)
{
    const struct nsg_nsg *v =
        e->versions && e->versions->len ? e->versions->pdata[i] : e->cur;
    nsg_rc rc = nsg_sim_get(r->sim, v, vnet, c, err);
    return rc ? nsg_err_prefix(err, "replay: NSG %s", v->name) : NSG_OK;
}

nsg_rc nsg_replay_add(struct nsg_replay *r, const struct nsg_flow *f,
                      struct nsg_err *err)
{
    const uint64_t n = f->count ? f->count : 1;
    const char *plain;
    enum nsg_logged_rule kind;
    enum nsg_replay_reason why;
    const struct macinfo *mi;
    struct entry *e;
    struct pstats *st;
    struct nsg_packet p;
    struct nsg_match m, first = {NSG_DEC_UNKNOWN, NULL, NULL, NSG_PLAT_NONE};
    bool denied, any_unknown = false;
    size_t lo = 0, hi = 0;

    resolve_nsg(r, f);
    e = r->last_e;
    st = r->last_st;
    if (r->only && (!e || e->cur != r->only))
        return NSG_OK;
    bump(&r->c.total, &st->c.total, n);
    kind = nsg_replay_rule_kind(f->rule, &plain);
    if (!f->rule || !*f->rule) { /* not known: judge the decision alone */
        kind = NSG_LR_USER;
        plain = NULL;
    }
    if (kind == NSG_LR_PLATFORM ||
        (r->last_platform && kind != NSG_LR_ADMIN)) {
        unevaluated(r, st, NSG_RR_PLATFORM, n);
        return NSG_OK;
    }
    if (kind == NSG_LR_ADMIN)
        return replay_admin(r, f, st, plain, n, err);
    if (!e) {
        unevaluated(r, st, NSG_RR_UNKNOWN_NSG, n);
        return NSG_OK;
    }
    mi = resolve_mac(r, f, &why);
    if (!mi) {
        unevaluated(r, st, why, n);
        return NSG_OK;
    }
    p = (struct nsg_packet){f->dir, f->proto, f->src,
                            f->dst, f->sport, f->dport};
    denied = nsg_replay_flow_denied(f);
    enum nsg_platform cls = nsg_platform_class(&p, mi->kms_on);
    if (cls == NSG_PLAT_NONE) {
        /* Admin Deny / AlwaysAllow decide before any NSG sees the packet. */
        const struct nsg_admin_stage *stage;
        struct nsg_admin_match am;
        nsg_rc rc = admin_of(r, mi, &stage, err);
        if (rc)
            return rc;
        nsg_admin_eval(stage, &p, &am);
        if (am.decision == NSG_DEC_UNKNOWN) {
            unevaluated(r, st, NSG_RR_ADMIN, n);
            return NSG_OK;
        }
        if (am.ends) {
            count_disagree(r, st, f, plain, am.decision == NSG_DEC_DENY,
                           am.rule->ar->name, n);
            return NSG_OK;
        }
    }
    if (e->versions && e->versions->len) {
        lo = version_at(e->versions, f->first_seen);
        hi = version_at(e->versions, f->last_seen);
    }
    /* A row standing for a source-port range that some version's rules
     * split is not evaluated at all: any answer would be a guess. */
    for (size_t i = lo; f->sport_span && i <= hi; i++) {
        const struct nsg_cnsg *c;
        nsg_rc rc = compiled_version(r, e, i, mi->vnet, &c, err);
        if (rc)
            return rc;
        if (nsg_replay_inexact(c, f)) {
            bump(&r->c.inexact, &st->c.inexact, n);
            return NSG_OK;
        }
    }
    /* An aggregate spanning a change agrees when any version in force
     * during its span gives the logged answer. */
    for (size_t i = lo; i <= hi; i++) {
        const struct nsg_cnsg *c;
        nsg_rc rc = compiled_version(r, e, i, mi->vnet, &c, err);
        if (rc)
            return rc;
        nsg_sim_eval_class(c, &p, cls, &m);
        if (m.decision == NSG_DEC_UNKNOWN) {
            any_unknown = true;
            continue;
        }
        int how = agrees(&m, denied, kind, f->rule);
        if (how) {
            count_agree(r, st, how, n);
            return NSG_OK;
        }
        if (first.decision == NSG_DEC_UNKNOWN)
            first = m;
    }
    if (any_unknown) {
        unevaluated(r, st, NSG_RR_UNKNOWN_TAG, n);
        return NSG_OK;
    }
    if (is_established(r, e, f)) {
        bump(&r->c.established, &st->c.established, n);
        return NSG_OK;
    }
    count_disagree(r, st, f, plain, first.decision == NSG_DEC_DENY,
                   first.rule && first.rule->rule
                       ? first.rule->rule->name
                       : nsg_platform_name(first.platform),
                   n);
    return NSG_OK;
}

void nsg_replay_get_counts(const struct nsg_replay *r,
                           struct nsg_replay_counts *out)
{
    *out = r->c;
}

static void add_counts(cJSON *o, const struct nsg_replay_counts *c)
{
    cJSON *reasons = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "flows_total", (double)c->total);
    cJSON_AddNumberToObject(o, "agree", (double)c->agree);
    cJSON_AddNumberToObject(o, "agree_truncated", (double)c->agree_truncated);
    cJSON_AddNumberToObject(o, "disagree", (double)c->disagree);
    cJSON_AddNumberToObject(o, "established", (double)c->established);
    cJSON_AddNumberToObject(o, "unevaluated", (double)c->unevaluated);
    cJSON_AddNumberToObject(o, "inexact", (double)c->inexact);
    for (int i = 0; i < NSG_RR_COUNT; i++)
        if (c->reasons[i])
            cJSON_AddNumberToObject(reasons, nsg_replay_reason_name(i),
                                    (double)c->reasons[i]);
    cJSON_AddItemToObject(o, "unevaluated_reasons", reasons);
}

static gint by_name(gconstpointer a, gconstpointer b)
{
    const struct pstats *x = *(struct pstats *const *)a;
    const struct pstats *y = *(struct pstats *const *)b;
    int d = g_ascii_strcasecmp(x->name ? x->name : "", y->name ? y->name : "");
    return d ? d : g_strcmp0(x->id, y->id);
}

cJSON *nsg_replay_report(const struct nsg_replay *r)
{
    cJSON *o = cJSON_CreateObject(), *per = cJSON_CreateArray();
    GPtrArray *all = g_ptr_array_new();
    GHashTableIter it;
    gpointer k, v;
    size_t listed = (size_t)cJSON_GetArraySize(r->listed);

    add_counts(o, &r->c);
    g_hash_table_iter_init(&it, r->stats);
    while (g_hash_table_iter_next(&it, &k, &v))
        if (((struct pstats *)v)->c.total)
            g_ptr_array_add(all, v);
    g_ptr_array_sort(all, by_name);
    for (guint i = 0; i < all->len; i++) {
        const struct pstats *s = all->pdata[i];
        cJSON *e = cJSON_CreateObject();
        cJSON_AddStringToObject(e, "nsg", s->name ? s->name : "");
        if (s->id)
            cJSON_AddStringToObject(e, "id", s->id);
        add_counts(e, &s->c);
        cJSON_AddItemToArray(per, e);
    }
    g_ptr_array_free(all, TRUE);
    cJSON_AddItemToObject(o, "per_nsg", per);
    cJSON_AddItemToObject(o, "disagreements", cJSON_Duplicate(r->listed, 1));
    cJSON_AddNumberToObject(o, "disagreements_listed", (double)listed);
    cJSON_AddNumberToObject(o, "disagreements_omitted",
                            (double)(r->n_entries - listed));
    return o;
}
