/* plan_apply.c - a plan against the corpus: its rules as model rules and
 * ARM objects, added to the NSGs of a model (after checking that what it
 * replaces is still there and its priorities are still free), the staleness
 * check against the NSG versions the plan was made from, and the pair of
 * models (current, plan applied) that alerts, prove and enforce use. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "harden_int.h"

static void side_to_model(const struct nsg_plan_side *s,
                          struct nsg_addr_item **items, size_t *n,
                          char ***asgs, size_t *n_asgs)
{
    *items = nsg_xcalloc(s->n_addrs + 1, sizeof(**items));
    *n = s->n_addrs;
    for (size_t i = 0; i < s->n_addrs; i++) {
        struct nsg_addr_item *it = &(*items)[i];
        it->text = nsg_xstrdup(s->addrs[i]);
        if (!strcmp(s->addrs[i], "*"))
            it->kind = NSG_ADDR_ANY;
        else if (!nsg_cidr_parse(s->addrs[i], &it->cidr))
            it->kind = NSG_ADDR_CIDR;
        else
            it->kind = NSG_ADDR_TAG;
    }
    *asgs = hd_strv_copy(s->asgs, s->n_asgs);
    *n_asgs = s->n_asgs;
}

void nsg_plan_rule_to_model(const struct nsg_plan_rule *pr,
                            struct nsg_rule *out)
{
    memset(out, 0, sizeof(*out));
    out->name = nsg_xstrdup(pr->name);
    out->description = nsg_xstrdup(pr->description);
    out->priority = pr->priority;
    out->dir = NSG_DIR_IN;
    out->access = pr->access;
    out->proto = pr->proto;
    side_to_model(&pr->src, &out->src, &out->n_src, &out->src_asgs,
                  &out->n_src_asgs);
    side_to_model(&pr->dst, &out->dst, &out->n_dst, &out->dst_asgs,
                  &out->n_dst_asgs);
    out->sports = nsg_xcalloc(pr->sports.n + 1, sizeof(*out->sports));
    memcpy(out->sports, pr->sports.r, pr->sports.n * sizeof(*out->sports));
    out->n_sports = pr->sports.n;
    out->dports = nsg_xcalloc(pr->dports.n + 1, sizeof(*out->dports));
    memcpy(out->dports, pr->dports.r, pr->dports.n * sizeof(*out->dports));
    out->n_dports = pr->dports.n;
}

/* ARM: a single item goes into the singular field (tags must), several
 * into the plural one; both are written, the unused one empty, as Azure
 * returns them. */
static void arm_addrs(cJSON *p, const char *one, const char *many,
                      const struct nsg_plan_side *s)
{
    cJSON *a = cJSON_CreateArray();
    if (s->n_addrs == 1) {
        cJSON_AddStringToObject(p, one, s->addrs[0]);
    } else {
        for (size_t i = 0; i < s->n_addrs; i++)
            cJSON_AddItemToArray(a, cJSON_CreateString(s->addrs[i]));
    }
    cJSON_AddItemToObject(p, many, a);
}

static void arm_asgs(cJSON *p, const char *key, const struct nsg_plan_side *s)
{
    cJSON *a;
    if (!s->n_asgs)
        return;
    a = cJSON_AddArrayToObject(p, key);
    for (size_t i = 0; i < s->n_asgs; i++) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "id", s->asgs[i]);
        cJSON_AddItemToArray(a, o);
    }
}

static void arm_ports(cJSON *p, const char *one, const char *many,
                      const struct nsg_plan_ports *r)
{
    char buf[16];
    cJSON *a = cJSON_CreateArray();
    if (r->n == 1) {
        nsg_plan_port_text(&r->r[0], buf);
        cJSON_AddStringToObject(p, one, buf);
    } else {
        for (size_t i = 0; i < r->n; i++) {
            nsg_plan_port_text(&r->r[i], buf);
            cJSON_AddItemToArray(a, cJSON_CreateString(buf));
        }
    }
    cJSON_AddItemToObject(p, many, a);
}

cJSON *nsg_plan_rule_to_arm(const struct nsg_plan_rule *pr)
{
    cJSON *o = cJSON_CreateObject(), *p = cJSON_CreateObject();
    char buf[8];
    cJSON_AddStringToObject(o, "name", pr->name);
    if (pr->description)
        cJSON_AddStringToObject(p, "description", pr->description);
    cJSON_AddStringToObject(p, "protocol", nsg_proto_name(pr->proto, buf));
    arm_ports(p, "sourcePortRange", "sourcePortRanges", &pr->sports);
    arm_ports(p, "destinationPortRange", "destinationPortRanges", &pr->dports);
    if (pr->src.n_addrs)
        arm_addrs(p, "sourceAddressPrefix", "sourceAddressPrefixes", &pr->src);
    arm_asgs(p, "sourceApplicationSecurityGroups", &pr->src);
    if (pr->dst.n_addrs)
        arm_addrs(p, "destinationAddressPrefix", "destinationAddressPrefixes",
                  &pr->dst);
    arm_asgs(p, "destinationApplicationSecurityGroups", &pr->dst);
    cJSON_AddStringToObject(p, "access", nsg_access_name(pr->access));
    cJSON_AddNumberToObject(p, "priority", pr->priority);
    cJSON_AddStringToObject(p, "direction", "Inbound");
    cJSON_AddItemToObject(o, "properties", p);
    return o;
}

/* ---- applying ----------------------------------------------------------- */

static bool ports_eq_rule(const struct nsg_plan_ports *a,
                          const struct nsg_portrange *r, size_t n)
{
    struct nsg_plan_ports b = {(struct nsg_portrange *)r, n};
    return hd_ports_equal(a, &b);
}

/* What differs between the recorded replaced rule and the model rule. */
static const char *replaced_differs(const struct nsg_plan_replaced *x,
                                    const struct nsg_rule *r)
{
    struct nsg_plan_side s = {0};
    const char *what = NULL;
    if (r->priority != x->priority)
        return "priority";
    if (r->proto != x->proto)
        return "protocol";
    hd_side_from_rule(&s, r->src, r->n_src, r->src_asgs, r->n_src_asgs);
    if (!hd_side_equal(&s, &x->src))
        what = "source";
    nsg_plan_side_release(&s);
    if (what)
        return what;
    hd_side_from_rule(&s, r->dst, r->n_dst, r->dst_asgs, r->n_dst_asgs);
    if (!hd_side_equal(&s, &x->dst))
        what = "destination";
    nsg_plan_side_release(&s);
    if (what)
        return what;
    if (!ports_eq_rule(&x->sports, r->sports, r->n_sports))
        return "source ports";
    if (!ports_eq_rule(&x->dports, r->dports, r->n_dports))
        return "destination ports";
    return NULL;
}

static size_t cidr_items(const struct nsg_addr_item *it, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        k += it[i].kind == NSG_ADDR_CIDR;
    return k;
}

/* Check one recommendation against NSG n (before any plan rule is in). */
static nsg_rc check_rec(const struct nsg_plan_rec *rec,
                        const struct nsg_nsg *n, struct nsg_err *err)
{
    const struct nsg_rule *r = NULL;
    const char *what;
    for (size_t i = 0; i < n->n_rules && !r; i++)
        if (!n->rules[i].is_default && n->rules[i].dir == NSG_DIR_IN &&
            !strcasecmp(n->rules[i].name, rec->r.name))
            r = &n->rules[i];
    if (!r)
        return nsg_err_set(err, NSG_E_INPUT,
                           "NSG %s no longer has the inbound rule %s that the "
                           "plan replaces: run harden again",
                           n->name, rec->r.name);
    what = r->access != NSG_ALLOW ? "access" : replaced_differs(&rec->r, r);
    if (what)
        return nsg_err_set(err, NSG_E_INPUT,
                           "rule %s of NSG %s changed since the plan was made "
                           "(its %s): run harden again",
                           r->name, n->name, what);
    for (size_t k = 0; k < rec->n_rules; k++) {
        const struct nsg_plan_rule *pr = &rec->rules[k];
        for (size_t i = 0; i < n->n_rules; i++) {
            const struct nsg_rule *x = &n->rules[i];
            if (x->is_default)
                continue;
            if (x->dir == NSG_DIR_IN && x->priority == pr->priority)
                return nsg_err_set(err, NSG_E_INPUT,
                                   "priority %d of plan rule %s is taken by "
                                   "rule %s of NSG %s",
                                   pr->priority, pr->name, x->name, n->name);
            if (!strcasecmp(x->name, pr->name))
                return nsg_err_set(err, NSG_E_INPUT,
                                   "NSG %s already has a rule named %s",
                                   n->name, pr->name);
        }
    }
    return NSG_OK;
}

static nsg_rc check_limits(const struct nsg_nsg *n, struct nsg_err *err)
{
    size_t rules = 0, src = 0, dst = 0;
    for (size_t i = 0; i < n->n_rules; i++) {
        const struct nsg_rule *r = &n->rules[i];
        if (r->is_default)
            continue;
        rules++;
        src += cidr_items(r->src, r->n_src);
        dst += cidr_items(r->dst, r->n_dst);
    }
    if (rules > NSG_AZURE_MAX_RULES)
        return nsg_err_set(err, NSG_E_INPUT,
                           "NSG %s would have %zu rules with the plan: Azure "
                           "allows %d",
                           n->name, rules, NSG_AZURE_MAX_RULES);
    if (src > NSG_AZURE_MAX_PREFIXES || dst > NSG_AZURE_MAX_PREFIXES)
        return nsg_err_set(err, NSG_E_INPUT,
                           "NSG %s would have %zu source and %zu destination "
                           "prefixes with the plan: Azure allows %d per side",
                           n->name, src, dst, NSG_AZURE_MAX_PREFIXES);
    return NSG_OK;
}

nsg_rc nsg_plan_apply(const struct nsg_plan *p, struct nsg_topology *t,
                      struct nsg_err *err)
{
    nsg_rc rc = NSG_OK;
    for (size_t i = 0; i < p->n_recs && !rc; i++) {
        const struct nsg_plan_rec *rec = &p->recs[i];
        struct nsg_nsg *n = nsg_topo_get(t, NSG_RES_NSG, rec->nsg_id);
        if (!rec->n_rules)
            continue;
        if (!n)
            return nsg_err_set(err, NSG_E_NOTFOUND,
                               "NSG %s of the plan is not in the corpus "
                               "(%s)",
                               rec->nsg_name, rec->nsg_id);
        rc = check_rec(rec, n, err);
    }
    for (size_t i = 0; i < p->n_recs && !rc; i++) {
        const struct nsg_plan_rec *rec = &p->recs[i];
        struct nsg_nsg *n = nsg_topo_get(t, NSG_RES_NSG, rec->nsg_id);
        if (!rec->n_rules)
            continue;
        n->rules = nsg_xrealloc(n->rules, (n->n_rules + rec->n_rules) *
                                              sizeof(*n->rules));
        for (size_t k = 0; k < rec->n_rules; k++)
            nsg_plan_rule_to_model(&rec->rules[k], &n->rules[n->n_rules++]);
    }
    for (size_t i = 0; i < p->n_recs && !rc; i++) {
        const struct nsg_nsg *n =
            nsg_topo_get(t, NSG_RES_NSG, p->recs[i].nsg_id);
        if (n)
            rc = check_limits(n, err);
    }
    return rc;
}

/* ---- staleness ----------------------------------------------------------- */

static bool rules_same(const struct nsg_rule *a, const struct nsg_rule *b)
{
    struct nsg_plan_replaced x = {0};
    const char *d;
    if (a->dir != b->dir || a->access != b->access)
        return false;
    x.name = a->name;
    x.priority = a->priority;
    x.proto = a->proto;
    hd_side_from_rule(&x.src, a->src, a->n_src, a->src_asgs, a->n_src_asgs);
    hd_side_from_rule(&x.dst, a->dst, a->n_dst, a->dst_asgs, a->n_dst_asgs);
    hd_ports_copy(&x.sports, a->sports, a->n_sports);
    hd_ports_copy(&x.dports, a->dports, a->n_dports);
    d = replaced_differs(&x, b);
    x.name = NULL;
    hd_replaced_release(&x);
    return !d;
}

static const struct nsg_rule *rule_named(const struct nsg_nsg *n,
                                         const char *name)
{
    for (size_t i = 0; i < n->n_rules; i++)
        if (!n->rules[i].is_default && !strcasecmp(n->rules[i].name, name))
            return &n->rules[i];
    return NULL;
}

void nsg_harden_rule_changes(const struct nsg_nsg *then,
                             const struct nsg_nsg *now, cJSON *o)
{
    cJSON *add = cJSON_CreateArray(), *rem = cJSON_CreateArray(),
          *chg = cJSON_CreateArray();
    for (size_t i = 0; now && i < now->n_rules; i++) {
        const struct nsg_rule *r = &now->rules[i];
        const struct nsg_rule *old = then ? rule_named(then, r->name) : NULL;
        if (r->is_default)
            continue;
        if (!old && then)
            cJSON_AddItemToArray(add, cJSON_CreateString(r->name));
        else if (old && !rules_same(old, r))
            cJSON_AddItemToArray(chg, cJSON_CreateString(r->name));
    }
    for (size_t i = 0; then && i < then->n_rules; i++)
        if (!then->rules[i].is_default &&
            (!now || !rule_named(now, then->rules[i].name)))
            cJSON_AddItemToArray(rem, cJSON_CreateString(then->rules[i].name));
    cJSON_AddItemToObject(o, "rules_added", add);
    cJSON_AddItemToObject(o, "rules_removed", rem);
    cJSON_AddItemToObject(o, "rules_changed", chg);
}

/* {nsg, etag_then, etag_now, ..., rules_added/removed/changed} */
static cJSON *what_moved(const struct nsg_plan_nsg *pn,
                         const struct nsg_nsg *then, const struct nsg_nsg *now,
                         int64_t now_at)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "nsg", pn->name);
    cJSON_AddItemToObject(o, "etag_then", pn->etag ? cJSON_CreateString(pn->etag)
                                                   : cJSON_CreateNull());
    cJSON_AddItemToObject(o, "etag_now", now && now->etag
                                             ? cJSON_CreateString(now->etag)
                                             : cJSON_CreateNull());
    cJSON_AddItemToObject(o, "captured_then", hd_time_json(pn->captured_at));
    if (now)
        cJSON_AddItemToObject(o, "captured_now", hd_time_json(now_at));
    else
        cJSON_AddNullToObject(o, "captured_now");
    nsg_harden_rule_changes(then, now, o);
    return o;
}

static nsg_rc load_nsg_version(struct nsg_corpus *c, const char *object,
                               struct nsg_nsg **out, struct nsg_err *err)
{
    struct nsg_res_ref ref = {0};
    nsg_rc rc = nsg_corpus_load_version(c, object, &ref, err);
    *out = NULL;
    if (rc)
        return rc;
    if (ref.type != NSG_RES_NSG) {
        nsg_res_free(ref.type, ref.ptr);
        return nsg_err_set(err, NSG_E_INPUT, "object %s is not an NSG",
                           object);
    }
    *out = ref.ptr;
    return NSG_OK;
}

nsg_rc nsg_plan_check_versions(struct nsg_corpus *c, const struct nsg_plan *p,
                               bool *stale, cJSON *moved, struct nsg_err *err)
{
    nsg_rc rc = NSG_OK;
    *stale = false;
    for (size_t i = 0; i < p->n_nsgs && !rc; i++) {
        const struct nsg_plan_nsg *pn = &p->nsgs[i];
        struct nsg_version *v = NULL;
        size_t nv = 0;
        struct nsg_nsg *then = NULL, *now = NULL;
        struct nsg_err e2 = NSG_ERR_INIT;
        if (!nsg_plan_edits_nsg(p, pn->id))
            continue;
        if (nsg_corpus_history(c, pn->id, &v, &nv, &e2) == NSG_E_NOTFOUND ||
            !nv) {
            *stale = true;
            if (moved) {
                cJSON *o = what_moved(pn, NULL, NULL, 0);
                cJSON_AddStringToObject(o, "note", "the NSG is no longer in "
                                                   "the corpus");
                cJSON_AddItemToArray(moved, o);
            }
            free(v);
            continue;
        }
        if (strcmp(v[nv - 1].object, pn->object)) {
            *stale = true;
            rc = load_nsg_version(c, v[nv - 1].object, &now, err);
            if (!rc && load_nsg_version(c, pn->object, &then, &e2))
                then = NULL; /* the old version is not in this corpus */
            if (!rc && moved)
                cJSON_AddItemToArray(
                    moved, what_moved(pn, then, now, v[nv - 1].captured_at));
            nsg_nsg_free(then);
            nsg_nsg_free(now);
        }
        free(v);
    }
    return rc;
}

/* ---- the two models -------------------------------------------------------*/

void hd_models_release(struct hd_models *m)
{
    nsg_sim_free(m->sim_cur);
    nsg_sim_free(m->sim_prop);
    nsg_topo_free(m->cur);
    nsg_topo_free(m->prop);
    free(m->nics);
    if (m->deny_names)
        g_hash_table_destroy(m->deny_names);
    memset(m, 0, sizeof(*m));
}

/* "nsg id/rule name", lower case. */
static char *deny_key(const char *nsg_id, const char *rule)
{
    char *k = g_strdup_printf("%s/%s", nsg_id, rule);
    char *l = nsg_xstrdup_lower(k);
    g_free(k);
    return l;
}

nsg_rc hd_models_load(struct nsg_corpus *c, const struct nsg_plan *p,
                      struct hd_models *m, struct nsg_err *err)
{
    GPtrArray *gov = g_ptr_array_new();
    GHashTable *seen = g_hash_table_new(g_direct_hash, g_direct_equal);
    nsg_rc rc;

    memset(m, 0, sizeof(*m));
    rc = nsg_corpus_load(c, NSG_TIME_LATEST, &m->cur, err);
    if (!rc)
        rc = nsg_corpus_load(c, NSG_TIME_LATEST, &m->prop, err);
    if (!rc)
        rc = nsg_plan_apply(p, m->prop, err);
    if (rc)
        goto out;
    m->sim_cur = nsg_sim_new(m->cur);
    m->sim_prop = nsg_sim_new(m->prop);
    m->deny_names = g_hash_table_new_full(g_str_hash, g_str_equal, free, NULL);
    for (size_t i = 0; i < p->n_recs; i++) {
        const struct nsg_plan_rec *rec = &p->recs[i];
        if (!rec->n_rules)
            continue;
        nsg_harden_governed(m->cur, rec->nsg_id, gov);
        for (size_t k = 0; k < rec->n_rules; k++)
            if (rec->rules[k].access == NSG_DENY)
                g_hash_table_insert(m->deny_names,
                                    deny_key(rec->nsg_id, rec->rules[k].name),
                                    GSIZE_TO_POINTER(i + 1));
    }
    m->nics = nsg_xcalloc(gov->len + 1, sizeof(*m->nics));
    for (guint i = 0; i < gov->len; i++) {
        const struct nsg_nic *nc = gov->pdata[i];
        if (g_hash_table_contains(seen, nc))
            continue;
        g_hash_table_add(seen, (void *)nc);
        m->nics[m->n_nics].cur = nc;
        m->nics[m->n_nics].prop = nsg_topo_get(m->prop, NSG_RES_NIC, nc->id);
        if (m->nics[m->n_nics].prop)
            m->n_nics++;
    }
out:
    g_ptr_array_free(gov, TRUE);
    g_hash_table_destroy(seen);
    if (rc)
        hd_models_release(m);
    return rc;
}

bool hd_is_plan_deny(const struct hd_models *m, const struct nsg_level *l)
{
    char *k;
    bool yes;
    if (!l->nsg || !l->m.rule || !l->m.rule->rule ||
        l->m.rule->access != NSG_DENY || l->m.rule->rule->is_default)
        return false;
    k = deny_key(l->nsg->id, l->m.rule->rule->name);
    yes = g_hash_table_contains(m->deny_names, k);
    free(k);
    return yes;
}
