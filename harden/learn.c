/* learn.c - what `harden` learns: which NICs are in scope (internet-facing
 * ones, nsg_path_nic_facing: a public IP on an ip configuration, or a
 * public load-balancer frontend that sends them traffic; every NIC with
 * --all-nics),
 * the candidate rules (inbound allow rules of their NSGs, at either level,
 * that admit covered ports), and one pass over the flow store: per NIC the
 * UTC days with flow records, per candidate the sources Azure logged as
 * allowed on each covered port, attributed through the simulator's
 * evaluation of both NSG levels (so whatever stages it evaluates count). */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../path/path.h"
#include "learn.h"

/* The candidates that allowed a packet at their level (cached). */
#define LEARN_MAX 4
struct learned {
    uint8_t n;
    struct hd_cand *c[LEARN_MAX];
};

void hd_nic_nsgs(const struct nsg_topology *t, const struct nsg_nic *nic,
                 GPtrArray *out)
{
    for (size_t i = 0; i < nic->n_ipconfigs; i++) {
        const struct nsg_subnet *s =
            nsg_topo_get(t, NSG_RES_SUBNET, nic->ipconfigs[i].subnet_id);
        const struct nsg_nsg *n =
            s ? nsg_topo_get(t, NSG_RES_NSG, s->nsg_id) : NULL;
        if (n && !g_ptr_array_find(out, n, NULL))
            g_ptr_array_add(out, (void *)n);
    }
    const struct nsg_nsg *n = nsg_topo_get(t, NSG_RES_NSG, nic->nsg_id);
    if (n && !g_ptr_array_find(out, n, NULL))
        g_ptr_array_add(out, (void *)n);
}

const struct nsg_crule *hd_crule_of(const struct nsg_cnsg *c,
                                    const struct nsg_rule *rule, size_t *idx)
{
    int d = rule->dir == NSG_DIR_OUT;
    for (size_t i = 0; i < c->n[d]; i++)
        if (c->rules[d][i].rule == rule) {
            if (idx)
                *idx = i;
            return &c->rules[d][i];
        }
    return NULL;
}

static bool ports_meet(const struct nsg_rule *r, const struct hd_run *run)
{
    for (size_t i = 0; i < r->n_dports; i++)
        for (size_t k = 0; k < run->ports.n; k++)
            if (r->dports[i].lo <= run->ports.r[k].hi &&
                run->ports.r[k].lo <= r->dports[i].hi)
                return true;
    return false;
}

static void obs_free(void *p)
{
    free(p);
}

static guint obs_hash(gconstpointer p)
{
    const struct hd_obs_key *k = p;
    uint64_t lo = (uint64_t)k->ip, hi = (uint64_t)(k->ip >> 64);
    uint64_t h = lo * 0x9e3779b97f4a7c15ull ^ hi * 0xc2b2ae3d27d4eb4full ^
                 ((uint64_t)k->port << 16 | (uint64_t)k->proto << 8 |
                  k->family) * 0x165667b19e3779f9ull;
    return (guint)(h ^ (h >> 32));
}

static gboolean obs_equal(gconstpointer a, gconstpointer b)
{
    const struct hd_obs_key *x = a, *y = b;
    return x->ip == y->ip && x->port == y->port && x->proto == y->proto &&
           x->family == y->family;
}

static void days_free(void *p)
{
    g_hash_table_destroy(p);
}

static struct hd_cand *cand_new(struct hd_run *r, const struct nsg_nsg *n,
                                const struct nsg_rule *rule)
{
    struct hd_cand *c = nsg_xcalloc(1, sizeof(*c));
    GPtrArray *gov = g_ptr_array_new();
    c->nsg = n;
    c->rule = rule;
    c->governed = g_ptr_array_new();
    c->vnets = g_ptr_array_new();
    c->obs = g_hash_table_new_full(obs_hash, obs_equal, NULL, obs_free);
    c->days = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL,
                                    days_free);
    c->first = INT64_MAX;
    c->last = INT64_MIN;
    c->last_day = INT64_MIN;
    nsg_harden_governed(r->t, n->id, gov);
    for (guint i = 0; i < gov->len; i++) {
        const struct nsg_nic *nic = gov->pdata[i];
        struct hd_nic *hn = g_hash_table_lookup(r->nic_by_ptr, nic);
        g_ptr_array_add(c->governed, hn);
        hn->relevant = true;
        /* the virtual networks it is evaluated in for this NIC */
        for (size_t k = 0; k < nic->n_ipconfigs; k++) {
            const struct nsg_subnet *s = nsg_topo_get(
                r->t, NSG_RES_SUBNET, nic->ipconfigs[k].subnet_id);
            bool here = s && ((s->nsg_id && !strcasecmp(s->nsg_id, n->id)) ||
                              (nic->nsg_id && !strcasecmp(nic->nsg_id, n->id)));
            const struct nsg_vnet *v =
                s ? nsg_topo_vnet_of_subnet(r->t, s) : NULL;
            if (here && !g_ptr_array_find(c->vnets, v, NULL))
                g_ptr_array_add(c->vnets, (void *)v);
        }
        if (!nic->n_ipconfigs && !g_ptr_array_find(c->vnets, NULL, NULL))
            g_ptr_array_add(c->vnets, NULL);
    }
    g_ptr_array_free(gov, TRUE);
    return c;
}

static void cand_free(void *p)
{
    struct hd_cand *c = p;
    g_ptr_array_free(c->governed, TRUE);
    g_ptr_array_free(c->vnets, TRUE);
    nsg_addrset_release(&c->src);
    nsg_addrset_release(&c->src_any);
    nsg_plan_ports_release(&c->admitted);
    g_hash_table_destroy(c->obs);
    g_hash_table_destroy(c->days);
    free(c);
}

/* R's sources in each context the NSG is evaluated in. */
static nsg_rc resolve_sources(struct hd_run *r, struct hd_cand *c,
                              struct nsg_err *err)
{
    bool first = true;
    for (guint i = 0; i < c->vnets->len; i++) {
        const struct nsg_cnsg *cn;
        const struct nsg_crule *cr;
        nsg_rc rc = nsg_sim_get(r->sim, c->nsg, c->vnets->pdata[i], &cn, err);
        if (rc)
            return rc;
        cr = hd_crule_of(cn, c->rule, NULL);
        if (!cr)
            return nsg_err_set(err, NSG_E_INTERNAL,
                               "rule %s of NSG %s is not in its compiled form",
                               c->rule->name, c->nsg->name);
        if (cr->src_unknown && !c->blocked) {
            snprintf(c->why, sizeof(c->why),
                     "its source names '%s', which is not known (import a "
                     "Service Tags file that defines it)",
                     cr->src_unknown);
            c->blocked = c->why;
        }
        if (first)
            nsg_addrset_copy(&c->src, &cr->src);
        else
            hd_addrset_keep(&c->src, &cr->src);
        nsg_addrset_union(&c->src_any, &cr->src);
        first = false;
    }
    return NSG_OK;
}

static nsg_rc add_candidates(struct hd_run *r, struct hd_nic *hn,
                             const struct nsg_nsg *only, struct nsg_err *err)
{
    GPtrArray *nsgs = g_ptr_array_new();
    nsg_rc rc = NSG_OK;
    hd_nic_nsgs(r->t, hn->nic, nsgs);
    for (guint i = 0; i < nsgs->len && !rc; i++) {
        const struct nsg_nsg *n = nsgs->pdata[i];
        if (only && n != only)
            continue;
        for (size_t k = 0; k < n->n_rules && !rc; k++) {
            const struct nsg_rule *rule = &n->rules[k];
            struct hd_cand *c;
            if (rule->is_default || rule->dir != NSG_DIR_IN ||
                rule->access != NSG_ALLOW ||
                (rule->proto != NSG_PROTO_ANY &&
                 !nsg_proto_has_ports(rule->proto)) ||
                !ports_meet(rule, r) ||
                g_hash_table_contains(r->cand_by_rule, rule))
                continue;
            c = cand_new(r, n, rule);
            g_ptr_array_add(r->cands, c);
            g_hash_table_insert(r->cand_by_rule, (void *)rule, c);
            rc = resolve_sources(r, c, err);
        }
    }
    g_ptr_array_free(nsgs, TRUE);
    return rc;
}

/* A NIC the simulator cannot evaluate: its subnet or an NSG it names is
 * not in the corpus, or its MAC is unknown (flows cannot reach it). */
static void broken(const struct nsg_topology *t, struct hd_nic *hn)
{
    const struct nsg_nic *nic = hn->nic;
    if (hn->no_data)
        return;
    for (size_t i = 0; i < nic->n_ipconfigs; i++) {
        const char *sid = nic->ipconfigs[i].subnet_id;
        const struct nsg_subnet *s = nsg_topo_get(t, NSG_RES_SUBNET, sid);
        if (sid && !s) {
            snprintf(hn->why, sizeof(hn->why),
                     "its subnet %s is not in the corpus (import its "
                     "virtual network)",
                     sid);
            hn->no_data = hn->why;
            return;
        }
        if (s && s->nsg_id && !nsg_topo_get(t, NSG_RES_NSG, s->nsg_id)) {
            snprintf(hn->why, sizeof(hn->why),
                     "its subnet's NSG %s is not in the corpus", s->nsg_id);
            hn->no_data = hn->why;
            return;
        }
    }
    if (nic->nsg_id && !nsg_topo_get(t, NSG_RES_NSG, nic->nsg_id)) {
        snprintf(hn->why, sizeof(hn->why), "its NSG %s is not in the corpus",
                 nic->nsg_id);
        hn->no_data = hn->why;
    } else if (!nic->mac[0]) {
        hn->no_data = "no MAC address in the corpus: flow records cannot "
                      "be attached to it (import the NIC with "
                      "properties.macAddress)";
    }
}

nsg_rc hd_learn_init(struct hd_run *r, struct nsg_corpus *c,
                     const struct nsg_topology *t,
                     const struct nsg_harden_opts *o, struct nsg_err *err)
{
    const struct nsg_nic *only_nic = NULL;
    const struct nsg_nsg *only_nsg = NULL;
    GPtrArray *gov = g_ptr_array_new();
    nsg_rc rc = NSG_OK;

    memset(r, 0, sizeof(*r));
    r->c = c;
    r->t = t;
    r->o = o;
    if (o->ports.n)
        hd_ports_copy(&r->ports, o->ports.r, o->ports.n);
    else
        nsg_plan_default_ports(&r->ports);
    hd_ports_normalize(&r->ports);
    for (size_t i = 0; i < r->ports.n; i++)
        for (unsigned p = r->ports.r[i].lo; p <= r->ports.r[i].hi; p++)
            r->covered[p >> 3] |= (uint8_t)(1u << (p & 7));
    r->sim = nsg_sim_new(t);
    r->cache = hd_cache_new(18, sizeof(struct learned), t, NULL);
    r->slv = nsg_slv_new(60000);
    r->cands = g_ptr_array_new_with_free_func(cand_free);
    r->cand_by_rule = g_hash_table_new(g_direct_hash, g_direct_equal);
    r->nic_by_ptr = g_hash_table_new(g_direct_hash, g_direct_equal);
    r->window_start = INT64_MAX;
    r->window_end = INT64_MIN;
    r->since = o->has_since ? o->since : INT64_MIN;
    if (o->nic)
        rc = nsg_topo_find(t, NSG_RES_NIC, o->nic, (void **)&only_nic, err);
    if (!rc && o->nsg)
        rc = nsg_topo_find(t, NSG_RES_NSG, o->nsg, (void **)&only_nsg, err);
    if (rc)
        goto out;
    if (only_nsg)
        nsg_harden_governed(t, only_nsg->id, gov);
    r->n_nics = NSG_TOPO_N(t, NSG_RES_NIC);
    r->nics = nsg_xcalloc(r->n_nics + 1, sizeof(*r->nics));
    for (size_t i = 0; i < r->n_nics; i++) {
        struct hd_nic *hn = &r->nics[i];
        hn->nic = NSG_TOPO_AT(t, NSG_RES_NIC, i);
        hn->days = g_hash_table_new(g_direct_hash, g_direct_equal);
        hn->last_day = INT64_MIN;
        hn->notes = g_ptr_array_new_with_free_func(g_free);
        hn->internet_facing = nsg_path_nic_facing(t, hn->nic, NULL);
        hn->in_scope = o->all_nics || hn->internet_facing;
        if (only_nic)
            hn->in_scope = hn->nic == only_nic;
        if (only_nsg && !g_ptr_array_find(gov, hn->nic, NULL))
            hn->in_scope = false;
        if (only_nic && hn->in_scope && !hn->internet_facing &&
            !o->all_nics) {
            hn->no_data = "not internet-facing: no public IP on its ip "
                          "configurations and no public load-balancer "
                          "frontend leads to it (--all-nics includes it)";
        }
        broken(t, hn);
        g_hash_table_insert(r->nic_by_ptr, (void *)hn->nic, hn);
    }
    for (size_t i = 0; i < r->n_nics && !rc; i++)
        if (r->nics[i].in_scope && !r->nics[i].no_data)
            rc = add_candidates(r, &r->nics[i], only_nsg, err);
out:
    g_ptr_array_free(gov, TRUE);
    return rc;
}

void hd_learn_release(struct hd_run *r)
{
    for (size_t i = 0; i < r->n_nics; i++) {
        if (r->nics[i].days)
            g_hash_table_destroy(r->nics[i].days);
        if (r->nics[i].notes)
            g_ptr_array_free(r->nics[i].notes, TRUE);
    }
    free(r->nics);
    if (r->cands)
        g_ptr_array_free(r->cands, TRUE);
    if (r->cand_by_rule)
        g_hash_table_destroy(r->cand_by_rule);
    if (r->nic_by_ptr)
        g_hash_table_destroy(r->nic_by_ptr);
    nsg_plan_ports_release(&r->ports);
    nsg_slv_free(r->slv);
    nsg_sim_free(r->sim);
    hd_cache_free(r->cache);
    memset(r, 0, sizeof(*r));
}

static void add_day(GHashTable *days, int64_t t)
{
    int64_t d = t / 86400;
    g_hash_table_add(days, GINT_TO_POINTER((gint)d));
}

static void nic_day(struct hd_nic *hn, int64_t t)
{
    int64_t d = t / 86400;
    if (d == hn->last_day)
        return;
    hn->last_day = d;
    g_hash_table_add(hn->days, GINT_TO_POINTER((gint)d));
}

/* One allowed inbound flow on a covered port, decided by R at its level. */
static void observe(struct hd_cand *c, const struct nsg_flow *f)
{
    struct hd_obs_key k = {(uint8_t)f->proto, f->src.family, f->dport,
                           f->src.v};
    struct hd_obs *o = g_hash_table_lookup(c->obs, &k);
    uint64_t n = f->count ? f->count : 1;
    GHashTable *days;
    gpointer dk = GUINT_TO_POINTER((guint)f->proto << 16 | f->dport);
    if (!o) {
        o = nsg_xcalloc(1, sizeof(*o));
        o->k = k;
        o->first = INT64_MAX;
        o->last = INT64_MIN;
        g_hash_table_insert(c->obs, &o->k, o);
    }
    o->flows++;
    o->tuples += n;
    if (f->first_seen < o->first)
        o->first = f->first_seen;
    if (f->last_seen > o->last)
        o->last = f->last_seen;
    c->flows++;
    c->tuples += n;
    if (f->first_seen < c->first)
        c->first = f->first_seen;
    if (f->last_seen > c->last)
        c->last = f->last_seen;
    if (c->last_day_key == dk && c->last_day == f->first_seen / 86400)
        return; /* flows come in time order: this day is counted */
    days = g_hash_table_lookup(c->days, dk);
    if (!days) {
        days = g_hash_table_new(g_direct_hash, g_direct_equal);
        g_hash_table_insert(c->days, dk, days);
    }
    add_day(days, f->first_seen);
    c->last_day_key = dk;
    c->last_day = f->first_seen / 86400;
}

static nsg_rc learn_one(struct hd_run *r, struct hd_nic *hn,
                        const struct nsg_flow *f, struct nsg_err *err)
{
    struct nsg_packet p = hd_flow_packet(f);
    bool hit;
    /* An aggregate row whose source-port range a rule of the NIC splits
     * cannot be attributed to one rule: not learned from, counted. */
    if (f->sport_span && nsg_proto_has_ports(p.proto)) {
        struct nsg_verdict v;
        nsg_rc rc = nsg_sim_eval_nic(r->sim, hn->nic, &p, &v, err);
        if (rc)
            return rc;
        if (nsg_sim_verdict_sport_splits(&v, &p, nsg_flow_sport_max(f))) {
            hn->inexact++;
            return NSG_OK;
        }
    }
    struct learned *a = hd_cache_find(r->cache, hn->nic, &p, &hit);
    if (!hit) {
        struct nsg_verdict v;
        nsg_rc rc = nsg_sim_eval_nic(r->sim, hn->nic, &p, &v, err);
        if (rc)
            return rc;
        for (size_t i = 0; i < v.n_levels && a->n < LEARN_MAX; i++) {
            const struct nsg_level *l = &v.levels[i];
            struct hd_cand *c;
            if (!l->nsg || !l->m.rule || l->m.decision != NSG_DEC_ALLOW)
                continue;
            c = g_hash_table_lookup(r->cand_by_rule, l->m.rule->rule);
            if (c)
                a->c[a->n++] = c;
        }
    }
    for (uint8_t i = 0; i < a->n; i++) {
        observe(a->c[i], f);
        hn->learned++;
    }
    return NSG_OK;
}

nsg_rc hd_learn_flows(struct hd_run *r, struct nsg_err *err)
{
    struct nsg_flow_iter *it = NULL;
    struct hd_macmap *mm = hd_macmap_new(r->t);
    const struct nsg_nic *last = NULL;
    struct hd_nic *hn = NULL;
    const struct nsg_flow *f;
    int more = 0;
    nsg_rc rc = nsg_flows_open(r->c, &it, err);

    while (!rc && (more = nsg_flows_next(it, &f, err)) > 0) {
        const struct nsg_nic *nic = hd_macmap_get(mm, f->mac);
        if (!nic)
            continue;
        if (nic != last) {
            last = nic;
            hn = g_hash_table_lookup(r->nic_by_ptr, nic);
        }
        hn->flows_ever++;
        if (f->last_seen < r->since)
            continue;
        r->any_flow = true;
        if (f->first_seen < r->window_start)
            r->window_start = f->first_seen;
        if (f->last_seen > r->window_end)
            r->window_end = f->last_seen;
        nic_day(hn, f->first_seen);
        nic_day(hn, f->last_seen);
        hn->flows++;
        hn->tuples += f->count ? f->count : 1;
        if (f->dir != NSG_DIR_IN)
            continue;
        hn->inbound++;
        if (!hd_flow_allowed(f))
            continue;
        hn->inbound_allowed++;
        if (!hn->relevant || hn->no_data || !nsg_proto_has_ports(f->proto) ||
            !hd_covered(r, f->dport))
            continue;
        if (nsg_addrset_contains(&r->o->exclude, &f->src)) {
            hn->excluded++;
            continue; /* never learned: shows up under alerts */
        }
        rc = learn_one(r, hn, f, err);
    }
    if (!rc && more < 0)
        rc = err ? err->code : NSG_E_INPUT;
    nsg_flows_close(it);
    hd_macmap_free(mm);
    return rc;
}
