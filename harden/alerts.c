/* alerts.c - observed traffic outside a plan's recommended ranges: inbound
 * flows of the NICs the plan affects that one of its deny rules decides.
 * Before enforcement these are flows Azure logged as allowed that the
 * plan would deny (evaluated through both levels of the plan applied);
 * after enforcement, flows Azure logged as denied by a plan deny rule.
 * Grouped by NIC, port and source; excluded sources are marked. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../sim/replay.h"
#include "harden_int.h"

#define MAX_GROUPS 10000

struct akey {
    const struct nsg_nic *nic;
    int proto;
    uint16_t port;
    struct nsg_ip src;
};
struct agroup {
    struct akey k;
    uint64_t tuples, flows, allowed, denied;
    int64_t first, last;
    const char *nsg, *rule; /* the deny rule (borrowed from the models) */
};

static guint akey_hash(gconstpointer p)
{
    const struct akey *k = p;
    uint64_t h = (uint64_t)(uintptr_t)k->nic * 0x9e3779b97f4a7c15ull;
    h ^= ((uint64_t)k->proto << 16 | k->port) * 0xc2b2ae3d27d4eb4full;
    h ^= (uint64_t)k->src.v * 0x165667b19e3779f9ull;
    h ^= (uint64_t)(k->src.v >> 64);
    return (guint)(h ^ (h >> 32));
}

static gboolean akey_equal(gconstpointer a, gconstpointer b)
{
    const struct akey *x = a, *y = b;
    return x->nic == y->nic && x->proto == y->proto && x->port == y->port &&
           !nsg_ip_cmp(&x->src, &y->src);
}

struct alerts {
    struct hd_models m;
    const struct nsg_plan *p;
    struct hd_macmap *mm;
    GHashTable *affected; /* current NIC -> pair index + 1 */
    GHashTable *groups;   /* struct akey * -> struct agroup * */
    uint8_t ports[65536 / 8];
    struct hd_cache *cache;
    uint64_t total;
    uint64_t inexact; /* aggregate-row tuples whose source-port range a
                         plan rule splits: not alerted on, counted */
};

static void add(struct alerts *a, const struct nsg_nic *nic,
                const struct nsg_flow *f, bool allowed, const char *nsg,
                const char *rule)
{
    struct akey k = {nic, f->proto, f->dport, f->src};
    struct agroup *g = g_hash_table_lookup(a->groups, &k);
    uint64_t n = f->count ? f->count : 1;
    if (!g) {
        g = nsg_xcalloc(1, sizeof(*g));
        g->k = k;
        g->first = f->first_seen;
        g->last = f->last_seen;
        g->nsg = nsg;
        g->rule = rule;
        g_hash_table_insert(a->groups, &g->k, g);
    }
    g->tuples += n;
    g->flows++;
    if (allowed)
        g->allowed += n;
    else
        g->denied += n;
    if (f->first_seen < g->first)
        g->first = f->first_seen;
    if (f->last_seen > g->last)
        g->last = f->last_seen;
    a->total += n;
}

/* Logged denied by a plan deny rule of the NSG that logged it? */
static const char *logged_by_plan(const struct alerts *a,
                                  const struct nsg_flow *f, const char **nsg)
{
    const char *plain;
    const struct nsg_nsg *by = NULL;
    if (nsg_replay_rule_kind(f->rule, &plain) != NSG_LR_USER)
        return NULL;
    if (f->nsg_id)
        by = nsg_topo_get(a->m.cur, NSG_RES_NSG, f->nsg_id);
    else if (f->acl_id)
        by = nsg_topo_nsg_by_guid(a->m.cur, f->acl_id);
    for (size_t i = 0; by && i < a->p->n_recs; i++) {
        const struct nsg_plan_rec *rec = &a->p->recs[i];
        if (strcasecmp(rec->nsg_id, by->id))
            continue;
        for (size_t k = 0; k < rec->n_rules; k++)
            if (rec->rules[k].access == NSG_DENY &&
                nsg_replay_rule_agrees(plain, rec->rules[k].name)) {
                *nsg = rec->nsg_name;
                return rec->rules[k].name;
            }
    }
    return NULL;
}

/* The cache's payload: the plan deny rule that decides, or NULLs. */
struct answer {
    const char *nsg, *rule;
};

static nsg_rc one(struct alerts *a, const struct nsg_flow *f,
                  struct nsg_err *err)
{
    const struct nsg_nic *nic = hd_macmap_get(a->mm, f->mac);
    gpointer ix = nic ? g_hash_table_lookup(a->affected, nic) : NULL;
    const char *nsg = NULL, *rule;
    struct nsg_packet p;
    struct nsg_verdict v;
    struct answer *ans;
    bool hit;
    nsg_rc rc;

    if (!ix || f->dir != NSG_DIR_IN || !nsg_proto_has_ports(f->proto) ||
        !((a->ports[f->dport >> 3] >> (f->dport & 7)) & 1))
        return NSG_OK;
    if (!hd_flow_allowed(f)) {
        rule = logged_by_plan(a, f, &nsg);
        if (rule)
            add(a, nic, f, false, nsg, rule);
        return NSG_OK;
    }
    p = hd_flow_packet(f);
    if (f->sport_span) { /* a range of source ports: the same answer for
                            all of them, or none (not by its first port) */
        rc = nsg_sim_eval_nic(a->m.sim_prop,
                              a->m.nics[GPOINTER_TO_SIZE(ix) - 1].prop, &p,
                              &v, err);
        if (rc)
            return rc;
        if (nsg_sim_verdict_sport_splits(&v, &p, nsg_flow_sport_max(f))) {
            a->inexact += f->count ? f->count : 1;
            return NSG_OK;
        }
    }
    ans = hd_cache_find(a->cache, nic, &p, &hit);
    if (!hit) {
        rc = nsg_sim_eval_nic(a->m.sim_prop,
                              a->m.nics[GPOINTER_TO_SIZE(ix) - 1].prop, &p,
                              &v, err);
        if (rc)
            return rc;
        if (v.decision == NSG_DEC_DENY &&
            hd_is_plan_deny(&a->m, &v.levels[v.deciding])) {
            ans->nsg = v.levels[v.deciding].nsg->name;
            ans->rule = v.levels[v.deciding].m.rule->rule->name;
        }
    }
    if (ans->rule)
        add(a, nic, f, true, ans->nsg, ans->rule);
    return NSG_OK;
}

static gint group_cmp(gconstpointer pa, gconstpointer pb)
{
    const struct agroup *x = *(struct agroup *const *)pa;
    const struct agroup *y = *(struct agroup *const *)pb;
    int d = strcmp(x->k.nic->name, y->k.nic->name);
    if (!d)
        d = x->k.proto - y->k.proto;
    if (!d)
        d = (int)x->k.port - (int)y->k.port;
    if (!d)
        d = nsg_ip_cmp(&x->k.src, &y->k.src);
    return d;
}

static cJSON *report(const struct alerts *a)
{
    cJSON *o = cJSON_CreateObject(), *list = cJSON_CreateArray(),
          *per = cJSON_CreateObject();
    GPtrArray *all = g_ptr_array_new();
    GHashTableIter it;
    gpointer k, v;
    uint64_t excluded = 0;
    g_hash_table_iter_init(&it, a->groups);
    while (g_hash_table_iter_next(&it, &k, &v))
        g_ptr_array_add(all, v);
    g_ptr_array_sort(all, group_cmp);
    for (guint i = 0; i < all->len; i++) {
        const struct agroup *g = all->pdata[i];
        cJSON *e, *lg;
        char ip[NSG_IP_STRLEN], pb[8];
        bool ex = nsg_addrset_contains(&a->p->exclude, &g->k.src);
        cJSON *cnt = cJSON_GetObjectItemCaseSensitive(per, g->k.nic->name);
        if (!cnt)
            cnt = cJSON_AddNumberToObject(per, g->k.nic->name, 0);
        cJSON_SetNumberValue(cnt, cnt->valuedouble + (double)g->tuples);
        if (ex)
            excluded += g->tuples;
        if (i >= MAX_GROUPS)
            continue;
        e = cJSON_CreateObject();
        lg = cJSON_CreateObject();
        nsg_ip_format(&g->k.src, ip);
        cJSON_AddStringToObject(e, "nic", g->k.nic->name);
        cJSON_AddStringToObject(e, "protocol", nsg_proto_name(g->k.proto, pb));
        cJSON_AddNumberToObject(e, "port", g->k.port);
        cJSON_AddStringToObject(e, "src", ip);
        cJSON_AddBoolToObject(e, "excluded", ex);
        cJSON_AddNumberToObject(e, "tuples", (double)g->tuples);
        cJSON_AddNumberToObject(e, "flows", (double)g->flows);
        cJSON_AddItemToObject(e, "first_seen", hd_time_json(g->first));
        cJSON_AddItemToObject(e, "last_seen", hd_time_json(g->last));
        cJSON_AddNumberToObject(lg, "allowed", (double)g->allowed);
        cJSON_AddNumberToObject(lg, "denied", (double)g->denied);
        cJSON_AddItemToObject(e, "logged", lg);
        cJSON_AddStringToObject(e, "nsg", g->nsg);
        cJSON_AddStringToObject(e, "rule", g->rule);
        cJSON_AddItemToArray(list, e);
    }
    cJSON_AddNumberToObject(o, "tuples", (double)a->total);
    cJSON_AddNumberToObject(o, "excluded_tuples", (double)excluded);
    cJSON_AddNumberToObject(o, "inexact_tuples", (double)a->inexact);
    cJSON_AddNumberToObject(o, "groups", all->len);
    cJSON_AddNumberToObject(o, "groups_omitted",
                            all->len > MAX_GROUPS ? all->len - MAX_GROUPS : 0);
    cJSON_AddItemToObject(o, "per_nic", per);
    cJSON_AddItemToObject(o, "alerts", list);
    g_ptr_array_free(all, TRUE);
    return o;
}

nsg_rc nsg_alerts_run(struct nsg_corpus *c, const struct nsg_plan *p,
                      int64_t since, int64_t until, cJSON **rep, uint64_t *n,
                      struct nsg_err *err)
{
    struct alerts a;
    struct nsg_flow_iter *it = NULL;
    const struct nsg_flow *f;
    int more = 0;
    nsg_rc rc;

    memset(&a, 0, sizeof(a));
    *rep = NULL;
    *n = 0;
    a.p = p;
    rc = hd_models_load(c, p, &a.m, err);
    if (rc)
        return rc;
    a.mm = hd_macmap_new(a.m.cur);
    a.affected = g_hash_table_new(g_direct_hash, g_direct_equal);
    a.groups = g_hash_table_new_full(akey_hash, akey_equal, NULL, free);
    a.cache = hd_cache_new(16, sizeof(struct answer), a.m.cur, a.m.prop);
    for (size_t i = 0; i < a.m.n_nics; i++)
        g_hash_table_insert(a.affected, (void *)a.m.nics[i].cur,
                            GSIZE_TO_POINTER(i + 1));
    for (size_t i = 0; i < p->n_recs; i++)
        for (size_t k = 0; k < p->recs[i].n_rules; k++) {
            const struct nsg_plan_rule *r = &p->recs[i].rules[k];
            if (r->access != NSG_DENY)
                continue;
            for (size_t j = 0; j < r->dports.n; j++)
                for (unsigned q = r->dports.r[j].lo; q <= r->dports.r[j].hi;
                     q++)
                    a.ports[q >> 3] |= (uint8_t)(1u << (q & 7));
        }
    rc = nsg_flows_open(c, &it, err);
    while (!rc && (more = nsg_flows_next(it, &f, err)) > 0)
        if (f->last_seen >= since && f->first_seen <= until)
            rc = one(&a, f, err);
    if (!rc && more < 0)
        rc = err ? err->code : NSG_E_INPUT;
    nsg_flows_close(it);
    if (!rc) {
        *rep = report(&a);
        *n = a.total;
    }
    hd_cache_free(a.cache);
    g_hash_table_destroy(a.groups);
    g_hash_table_destroy(a.affected);
    hd_macmap_free(a.mm);
    hd_models_release(&a.m);
    return rc;
}
