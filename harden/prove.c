/* prove.c - `prove`: is the plan still made from the NSGs in the corpus
 * (else stale, or --rebase), then the four parts (docs/prove.md).  Part 1
 * is here: every flow Azure logged as allowed since the plan's window
 * start, for every NIC an edited NSG governs, replayed exactly through
 * both levels of the plan applied (a compiled concrete replay over the
 * flow store: the set is finite, so the replay is complete); a flow the
 * current rules allow and the plan denies refutes the plan. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "prove.h"

const char *nsg_prove_status_name(enum nsg_prove_status s)
{
    switch (s) {
    case NSG_PROVE_PROVEN:
        return "proven";
    case NSG_PROVE_REFUTED:
        return "refuted";
    case NSG_PROVE_UNKNOWN:
        return "unknown";
    }
    return "?";
}

void hd_nic_addrs(const struct nsg_nic *nic, struct nsg_addrset *out)
{
    for (size_t i = 0; i < nic->n_ipconfigs; i++)
        if (nic->ipconfigs[i].has_ip)
            nsg_addrset_add_range(out, nic->ipconfigs[i].ip.family,
                                  nic->ipconfigs[i].ip.v,
                                  nic->ipconfigs[i].ip.v);
}

cJSON *hd_verdict_json(const struct nsg_verdict *v)
{
    cJSON *o = cJSON_CreateObject();
    const struct nsg_level *l =
        v->deciding >= 0 ? &v->levels[v->deciding] : NULL;
    cJSON_AddStringToObject(o, "decision", nsg_decision_name(v->decision));
    cJSON_AddItemToObject(o, "nsg", l && l->nsg ? cJSON_CreateString(l->nsg->name)
                                                : cJSON_CreateNull());
    cJSON_AddItemToObject(o, "rule", l && l->m.rule
                                         ? cJSON_CreateString(l->m.rule->rule->name)
                                         : cJSON_CreateNull());
    return o;
}

cJSON *hd_witness_json(const char *corpus_dir, const struct nsg_nic *nic,
                       const struct nsg_packet *p)
{
    cJSON *o = cJSON_CreateObject();
    char src[NSG_IP_STRLEN], dst[NSG_IP_STRLEN], pb[8];
    struct nsg_buf b = NSG_BUF_INIT;
    cJSON_AddStringToObject(o, "nic", nic->name);
    nsg_sim_packet_to_json(o, p, NSG_PJ_PROTO_TEXT | NSG_PJ_PORTS_IF_USED);
    nsg_ip_format(&p->src, src);
    nsg_ip_format(&p->dst, dst);
    nsg_buf_addf(&b,
                 "nsgproof check --corpus %s --nic %s --direction %s "
                 "--protocol %s --src %s",
                 corpus_dir, nic->name,
                 p->dir == NSG_DIR_IN ? "inbound" : "outbound",
                 nsg_proto_name(p->proto, pb), src);
    if (nsg_proto_has_ports(p->proto))
        nsg_buf_addf(&b, " --sport %u", (unsigned)p->sport);
    nsg_buf_addf(&b, " --dst %s", dst);
    if (nsg_proto_has_ports(p->proto))
        nsg_buf_addf(&b, " --dport %u", (unsigned)p->dport);
    for (char *q = b.buf; *q; q++) /* lower-case protocol name */
        if (!strncmp(q, "--protocol ", 11)) {
            for (q += 11; *q && *q != ' '; q++)
                *q = (char)g_ascii_tolower(*q);
            break;
        }
    cJSON_AddStringToObject(o, "check", b.buf);
    nsg_buf_release(&b);
    return o;
}

/* ---- part 1: the observed flows ----------------------------------------- */

struct vkey {
    const struct nsg_nic *nic;
    uint8_t dir;
    int proto;
    struct nsg_ip src, dst;
    uint16_t dport;
};
struct viol {
    struct vkey k;
    uint16_t sport;
    uint64_t tuples, flows;
    int64_t first, last;
    char nsg[128], rule[128];
};

static guint vkey_hash(gconstpointer p)
{
    const struct vkey *k = p;
    uint64_t h = (uint64_t)(uintptr_t)k->nic * 0x9e3779b97f4a7c15ull;
    h ^= ((uint64_t)k->dir << 40 | (uint64_t)k->proto << 16 | k->dport) *
         0xc2b2ae3d27d4eb4full;
    h ^= (uint64_t)k->src.v * 0x165667b19e3779f9ull;
    h ^= (uint64_t)k->dst.v * 0x27d4eb2f165667c5ull;
    return (guint)(h ^ (h >> 32));
}

static gboolean vkey_equal(gconstpointer a, gconstpointer b)
{
    const struct vkey *x = a, *y = b;
    return x->nic == y->nic && x->dir == y->dir && x->proto == y->proto &&
           x->dport == y->dport && !nsg_ip_cmp(&x->src, &y->src) &&
           !nsg_ip_cmp(&x->dst, &y->dst);
}

struct flows {
    struct hd_prove *pr;
    struct hd_macmap *mm;
    GHashTable *affected; /* current NIC -> pair index + 1 */
    GHashTable *edited;   /* lower-case id and guid of edited NSGs */
    GHashTable *viols;    /* struct vkey * -> struct viol * */
    struct hd_cache *cache;
    uint64_t records, tuples, already_records, already_tuples;
    uint64_t newly_records, newly_tuples, unknown_records, unknown_tuples;
    uint64_t unattributed, excluded_tuples;
    uint64_t inexact_records, inexact_tuples; /* aggregate rows whose
                                                 source-port range a rule
                                                 splits */
    uint8_t ports[65536 / 8]; /* destination ports some plan rule matches */
    bool portless;            /* a plan rule also matches portless protocols */
};

/* What the replay keeps per distinct packet (the cache's payload). */
struct answer {
    uint8_t cur, prop; /* enum nsg_decision */
    const char *nsg, *rule; /* the proposed deciding rule (when denied) */
};

static void violation(struct flows *fl, const struct nsg_nic *nic,
                      const struct nsg_flow *f, const struct answer *a)
{
    struct vkey k = {nic, (uint8_t)f->dir, f->proto, f->src, f->dst, 0};
    struct viol *v;
    uint64_t n = f->count ? f->count : 1;
    k.dport = nsg_proto_has_ports(f->proto) ? f->dport : 0;
    v = g_hash_table_lookup(fl->viols, &k);
    if (!v) {
        v = nsg_xcalloc(1, sizeof(*v));
        v->k = k;
        v->sport = f->sport;
        v->first = f->first_seen;
        v->last = f->last_seen;
        g_strlcpy(v->nsg, a->nsg ? a->nsg : "", sizeof(v->nsg));
        g_strlcpy(v->rule, a->rule ? a->rule : "", sizeof(v->rule));
        g_hash_table_insert(fl->viols, &v->k, v);
    }
    v->tuples += n;
    v->flows++;
    if (f->first_seen < v->first)
        v->first = f->first_seen;
    if (f->last_seen > v->last)
        v->last = f->last_seen;
}

static nsg_rc replay_one(struct flows *fl, const struct nsg_flow *f,
                         struct nsg_err *err)
{
    const struct nsg_nic *nic = hd_macmap_get(fl->mm, f->mac);
    gpointer ix = nic ? g_hash_table_lookup(fl->affected, nic) : NULL;
    const struct hd_pair_nic *pn;
    struct nsg_packet p;
    struct nsg_verdict vp, vc;
    struct answer *a;
    bool hit;
    uint64_t n = f->count ? f->count : 1;
    nsg_rc rc;

    if (!ix) {
        /* logged by an edited NSG but not attributable to a NIC */
        const char *by = f->nsg_id ? f->nsg_id : f->acl_id;
        if (!nic && by) {
            char *l = nsg_xstrdup_lower(by);
            if (g_hash_table_contains(fl->edited, l))
                fl->unattributed += n;
            free(l);
        }
        return NSG_OK;
    }
    pn = &fl->pr->m.nics[GPOINTER_TO_SIZE(ix) - 1];
    p = hd_flow_packet(f);
    fl->records++;
    fl->tuples += n;
    /* A packet no plan rule can match is decided as today (the plan only
     * adds inbound rules): nothing to evaluate. */
    if (p.dir != NSG_DIR_IN ||
        (nsg_proto_has_ports(p.proto)
             ? !((fl->ports[p.dport >> 3] >> (p.dport & 7)) & 1)
             : !fl->portless))
        return NSG_OK;
    /* An aggregate row standing for a source-port range that a current or
     * a proposed rule splits: its answer depends on a port it does not
     * tell.  Counted, never guessed (the cache would answer it by its
     * first port). */
    if (f->sport_span && nsg_proto_has_ports(p.proto)) {
        unsigned smax = nsg_flow_sport_max(f);
        rc = nsg_sim_eval_nic(fl->pr->m.sim_cur, pn->cur, &p, &vc, err);
        if (!rc)
            rc = nsg_sim_eval_nic(fl->pr->m.sim_prop, pn->prop, &p, &vp, err);
        if (rc)
            return rc;
        if (nsg_sim_verdict_sport_splits(&vc, &p, smax) ||
            nsg_sim_verdict_sport_splits(&vp, &p, smax)) {
            fl->inexact_records++;
            fl->inexact_tuples += n;
            return NSG_OK;
        }
    }
    a = hd_cache_find(fl->cache, pn->cur, &p, &hit);
    if (!hit) {
        rc = nsg_sim_eval_nic(fl->pr->m.sim_prop, pn->prop, &p, &vp, err);
        if (rc)
            return rc;
        a->prop = (uint8_t)vp.decision;
        a->cur = NSG_DEC_ALLOW;
        if (vp.decision != NSG_DEC_ALLOW) {
            const struct nsg_level *l = &vp.levels[vp.deciding];
            a->nsg = l->nsg ? l->nsg->name : NULL;
            a->rule = l->m.rule ? l->m.rule->rule->name : NULL;
            rc = nsg_sim_eval_nic(fl->pr->m.sim_cur, pn->cur, &p, &vc, err);
            if (rc)
                return rc;
            a->cur = (uint8_t)vc.decision;
        }
    }
    if (a->prop == NSG_DEC_ALLOW)
        return NSG_OK;
    if (a->cur == NSG_DEC_DENY) { /* denied today: not the plan's */
        fl->already_records++;
        fl->already_tuples += n;
    } else if (a->cur == NSG_DEC_UNKNOWN || a->prop == NSG_DEC_UNKNOWN) {
        fl->unknown_records++;
        fl->unknown_tuples += n;
    } else if (nsg_addrset_contains(&fl->pr->p->exclude, &f->src)) {
        fl->excluded_tuples += n; /* not legitimate: the plan excluded it */
    } else {
        fl->newly_records++;
        fl->newly_tuples += n;
        violation(fl, pn->cur, f, a);
    }
    return NSG_OK;
}

static gint viol_cmp(gconstpointer a, gconstpointer b)
{
    const struct viol *x = *(struct viol *const *)a;
    const struct viol *y = *(struct viol *const *)b;
    if (x->tuples != y->tuples)
        return x->tuples < y->tuples ? 1 : -1;
    int d = strcmp(x->k.nic->name, y->k.nic->name);
    if (!d)
        d = nsg_ip_cmp(&x->k.src, &y->k.src);
    if (!d)
        d = (int)x->k.dport - (int)y->k.dport;
    return d;
}

static cJSON *viols_json(struct flows *fl, size_t max, size_t *omitted)
{
    cJSON *a = cJSON_CreateArray();
    GPtrArray *all = g_ptr_array_new();
    GHashTableIter it;
    gpointer k, v;
    g_hash_table_iter_init(&it, fl->viols);
    while (g_hash_table_iter_next(&it, &k, &v))
        g_ptr_array_add(all, v);
    g_ptr_array_sort(all, viol_cmp);
    for (guint i = 0; i < all->len && i < max; i++) {
        const struct viol *x = all->pdata[i];
        struct nsg_packet p = {x->k.dir, x->k.proto, x->k.src, x->k.dst,
                               x->sport, x->k.dport};
        cJSON *o = hd_witness_json(nsg_corpus_dir(fl->pr->c), x->k.nic, &p);
        cJSON *by = cJSON_CreateObject();
        cJSON_AddNumberToObject(o, "tuples", (double)x->tuples);
        cJSON_AddNumberToObject(o, "flow_records", (double)x->flows);
        cJSON_AddItemToObject(o, "first_seen", hd_time_json(x->first));
        cJSON_AddItemToObject(o, "last_seen", hd_time_json(x->last));
        cJSON_AddStringToObject(by, "nsg", x->nsg);
        cJSON_AddStringToObject(by, "rule", x->rule);
        cJSON_AddItemToObject(o, "blocked_by", by);
        cJSON_AddItemToArray(a, o);
    }
    *omitted = all->len > max ? all->len - max : 0;
    g_ptr_array_free(all, TRUE);
    return a;
}

nsg_rc hd_prove_flows(struct hd_prove *pr, enum nsg_prove_status *st,
                      cJSON *rep, struct nsg_err *err)
{
    struct flows fl;
    struct nsg_flow_iter *it = NULL;
    const struct nsg_flow *f;
    int more = 0;
    size_t omitted = 0;
    nsg_rc rc;

    memset(&fl, 0, sizeof(fl));
    fl.pr = pr;
    fl.mm = hd_macmap_new(pr->m.cur);
    fl.affected = g_hash_table_new(g_direct_hash, g_direct_equal);
    fl.edited = g_hash_table_new_full(g_str_hash, g_str_equal, free, NULL);
    fl.viols = g_hash_table_new_full(vkey_hash, vkey_equal, NULL, free);
    fl.cache = hd_cache_new(18, sizeof(struct answer), pr->m.cur, pr->m.prop);
    for (size_t i = 0; i < pr->p->n_recs; i++)
        for (size_t k = 0; k < pr->p->recs[i].n_rules; k++) {
            const struct nsg_plan_rule *r = &pr->p->recs[i].rules[k];
            if (!nsg_proto_has_ports(r->proto))
                fl.portless = true;
            for (size_t j = 0; j < r->dports.n; j++)
                for (unsigned q = r->dports.r[j].lo; q <= r->dports.r[j].hi;
                     q++)
                    fl.ports[q >> 3] |= (uint8_t)(1u << (q & 7));
        }
    for (size_t i = 0; i < pr->m.n_nics; i++)
        g_hash_table_insert(fl.affected, (void *)pr->m.nics[i].cur,
                            GSIZE_TO_POINTER(i + 1));
    for (size_t i = 0; i < pr->p->n_recs; i++) {
        const struct nsg_nsg *n =
            nsg_topo_get(pr->m.cur, NSG_RES_NSG, pr->p->recs[i].nsg_id);
        if (!n || !pr->p->recs[i].n_rules)
            continue;
        g_hash_table_add(fl.edited, nsg_xstrdup_lower(n->id));
        if (n->guid)
            g_hash_table_add(fl.edited, nsg_xstrdup_lower(n->guid));
    }
    rc = nsg_flows_open(pr->c, &it, err);
    while (!rc && (more = nsg_flows_next(it, &f, err)) > 0)
        if (hd_flow_allowed(f) && f->last_seen >= pr->p->window_start)
            rc = replay_one(&fl, f, err);
    if (!rc && more < 0)
        rc = err ? err->code : NSG_E_INPUT;
    nsg_flows_close(it);
    if (!rc) {
        cJSON *nd = cJSON_CreateObject(), *ad = cJSON_CreateObject();
        *st = fl.newly_records   ? NSG_PROVE_REFUTED
              : fl.unknown_records || fl.unattributed || fl.inexact_records
                  ? NSG_PROVE_UNKNOWN
                                                        : NSG_PROVE_PROVEN;
        cJSON_AddStringToObject(rep, "status", nsg_prove_status_name(*st));
        cJSON_AddItemToObject(rep, "since", hd_time_json(pr->p->window_start));
        cJSON_AddNumberToObject(rep, "allowed_flow_records",
                                (double)fl.records);
        cJSON_AddNumberToObject(rep, "allowed_tuples", (double)fl.tuples);
        cJSON_AddNumberToObject(nd, "flow_records", (double)fl.newly_records);
        cJSON_AddNumberToObject(nd, "tuples", (double)fl.newly_tuples);
        cJSON_AddItemToObject(rep, "newly_denied", nd);
        cJSON_AddNumberToObject(ad, "flow_records",
                                (double)fl.already_records);
        cJSON_AddNumberToObject(ad, "tuples", (double)fl.already_tuples);
        cJSON_AddItemToObject(rep, "denied_today", ad);
        cJSON_AddNumberToObject(rep, "excluded_tuples",
                                (double)fl.excluded_tuples);
        cJSON_AddNumberToObject(rep, "unknown_tuples",
                                (double)fl.unknown_tuples);
        cJSON_AddNumberToObject(rep, "unattributed_tuples",
                                (double)fl.unattributed);
        cJSON_AddNumberToObject(rep, "inexact_tuples",
                                (double)fl.inexact_tuples);
        cJSON_AddItemToObject(rep, "blocked",
                              viols_json(&fl, pr->max_listed, &omitted));
        cJSON_AddNumberToObject(rep, "blocked_omitted", (double)omitted);
    }
    if (!rc) {
        uint64_t hits, misses;
        hd_cache_stats(fl.cache, &hits, &misses);
        cJSON_AddNumberToObject(rep, "evaluations", (double)misses);
    }
    hd_cache_free(fl.cache);
    g_hash_table_destroy(fl.viols);
    g_hash_table_destroy(fl.edited);
    g_hash_table_destroy(fl.affected);
    hd_macmap_free(fl.mm);
    return rc;
}

/* ---- orchestration ------------------------------------------------------ */

static void moved_text(const cJSON *moved, struct nsg_buf *b)
{
    const cJSON *e;
    cJSON_ArrayForEach(e, moved)
    {
        const char *lists[] = {"rules_added", "rules_removed",
                               "rules_changed"};
        nsg_buf_addf(b, "; NSG %s changed since the plan was made",
                     cJSON_GetStringValue(
                         cJSON_GetObjectItemCaseSensitive(e, "nsg")));
        for (int i = 0; i < 3; i++) {
            const cJSON *l = cJSON_GetObjectItemCaseSensitive(e, lists[i]), *x;
            if (!cJSON_GetArraySize(l))
                continue;
            nsg_buf_addf(b, " (%s:", lists[i] + 6);
            cJSON_ArrayForEach(x, l) nsg_buf_addf(b, " %s", x->valuestring);
            nsg_buf_adds(b, ")");
        }
    }
}

static cJSON *plan_summary(const struct nsg_plan *p, const struct hd_models *m)
{
    cJSON *o = cJSON_CreateObject(), *nics = cJSON_CreateArray();
    size_t rules = 0, nsgs = 0;
    for (size_t i = 0; i < p->n_recs; i++)
        rules += p->recs[i].n_rules;
    for (size_t i = 0; i < p->n_nsgs; i++)
        nsgs += nsg_plan_edits_nsg(p, p->nsgs[i].id);
    cJSON_AddNumberToObject(o, "recommendations", (double)p->n_recs);
    cJSON_AddNumberToObject(o, "rules", (double)rules);
    cJSON_AddNumberToObject(o, "nsgs", (double)nsgs);
    cJSON_AddNumberToObject(o, "generation", (double)p->generation);
    cJSON_AddItemToObject(o, "window_start", hd_time_json(p->window_start));
    for (size_t i = 0; i < m->n_nics; i++)
        cJSON_AddItemToArray(nics, cJSON_CreateString(m->nics[i].cur->name));
    cJSON_AddItemToObject(o, "nics", nics);
    return o;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

nsg_rc nsg_prove_run(struct nsg_corpus *c, const struct nsg_plan *p,
                     const struct nsg_prove_opts *o,
                     enum nsg_prove_status *status, cJSON **report,
                     struct nsg_err *err)
{
    struct hd_prove pr;
    cJSON *rep = NULL, *moved = cJSON_CreateArray();
    enum nsg_prove_status st = NSG_PROVE_PROVEN, s1 = NSG_PROVE_PROVEN,
                          s2 = NSG_PROVE_PROVEN, s3 = NSG_PROVE_PROVEN;
    bool stale = false;
    nsg_rc rc;

    memset(&pr, 0, sizeof(pr));
    *report = NULL;
    pr.c = c;
    pr.p = p;
    pr.o = o;
    pr.max_listed = o->max_listed ? o->max_listed : 20;
    rc = nsg_plan_check_versions(c, p, &stale, moved, err);
    if (!rc && stale && !o->rebase) {
        struct nsg_buf b = NSG_BUF_INIT;
        moved_text(moved, &b);
        rc = nsg_err_set(err, NSG_E_INPUT,
                         "the plan is stale: it was made from corpus "
                         "generation %lld and the corpus is at %lld%s: run "
                         "harden again, or prove --rebase to re-check it "
                         "against the current corpus",
                         (long long)p->generation,
                         (long long)nsg_corpus_generation(c), b.buf);
        nsg_buf_release(&b);
    }
    if (!rc)
        rc = hd_models_load(c, p, &pr.m, err);
    if (rc && stale && o->rebase)
        nsg_err_prefix(err, "cannot rebase the plan onto the current corpus");
    if (rc)
        goto out;
    pr.slv = nsg_slv_new(o->timeout_ms);
    rc = hd_prove_groups(&pr, err);
    if (rc)
        goto out;
    rep = cJSON_CreateObject();
    cJSON_AddStringToObject(rep, "status", "proven");
    cJSON_AddItemToObject(rep, "plan", plan_summary(p, &pr.m));
    cJSON_AddBoolToObject(rep, "stale", stale);
    cJSON_AddBoolToObject(rep, "rebased", stale && o->rebase);
    cJSON_AddItemToObject(rep, "moved", moved);
    moved = NULL;
    {
        cJSON *obs = cJSON_AddObjectToObject(rep, "observed");
        cJSON *wid = cJSON_AddObjectToObject(rep, "no_widening");
        cJSON *inv = cJSON_AddObjectToObject(rep, "invariants");
        cJSON *cl = cJSON_AddObjectToObject(rep, "closes");
        cJSON *tm = cJSON_CreateObject();
        double t0 = now(), t1, t2, t3, t4;
        rc = hd_prove_flows(&pr, &s1, obs, err);
        t1 = now();
        if (!rc)
            rc = hd_prove_widening(&pr, &s2, wid, err);
        t2 = now();
        if (!rc)
            rc = hd_prove_invariants(&pr, &s3, inv, err);
        t3 = now();
        if (!rc)
            rc = hd_prove_closes(&pr, cl, err);
        t4 = now();
        cJSON_AddNumberToObject(tm, "observed", t1 - t0);
        cJSON_AddNumberToObject(tm, "no_widening", t2 - t1);
        cJSON_AddNumberToObject(tm, "invariants", t3 - t2);
        cJSON_AddNumberToObject(tm, "closes", t4 - t3);
        cJSON_AddItemToObject(rep, "seconds", tm);
    }
    if (rc)
        goto out;
    st = hd_worse(hd_worse(s1, s2), s3);
    cJSON_SetValuestring(cJSON_GetObjectItemCaseSensitive(rep, "status"),
                         nsg_prove_status_name(st));
    *status = st;
    *report = rep;
    rep = NULL;
out:
    cJSON_Delete(rep);
    cJSON_Delete(moved);
    hd_prove_groups_release(&pr);
    nsg_slv_free(pr.slv);
    hd_models_release(&pr.m);
    return rc;
}
