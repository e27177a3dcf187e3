/* recommend.c - from what was learned to a plan.  For each candidate rule
 * R whose NSG governs only NICs with enough flow data: the covered ports R
 * really admits (earlier rules may decide them: checked concretely, and by
 * Z3 where rules overlap), narrowed allow rules (CIDR blocks covering the
 * observed sources per port, cover.c), a rule keeping AzureLoadBalancer
 * probes when R admits 168.63.129.16, and one deny with R's protocol,
 * source and destination on those ports.  They take free priorities
 * directly above R (rules in between are skipped only when they share no
 * packet with R on those ports, so nothing R did not admit changes).
 * Azure's limits per NSG are kept by coarser blocks. */
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "learn.h"
#include "names.h"

#define SPARE_SLOTS 8 /* free priorities recorded for `plan add` */

static const char *const LB_V4 = "168.63.129.16";
static const char *const LB_V6 = "fe80::1234:5678:9abc";

/* ---- admitted ports ---------------------------------------------------- */

static bool proto_meets(int a, int b)
{
    return a == NSG_PROTO_ANY || b == NSG_PROTO_ANY || a == b;
}

static bool ranges_meet(const struct nsg_portrange *a, size_t na,
                        const struct nsg_portrange *b, size_t nb)
{
    for (size_t i = 0; i < na; i++)
        for (size_t k = 0; k < nb; k++)
            if (a[i].lo <= b[k].hi && b[k].lo <= a[i].hi)
                return true;
    return false;
}

/* Could e and R share a TCP/UDP packet on destination ports `ports`? */
static bool rules_meet(const struct nsg_crule *e, const struct nsg_crule *R,
                       const struct nsg_portrange *ports, size_t n)
{
    if (!proto_meets(e->proto, R->proto))
        return false;
    if (e->proto != NSG_PROTO_ANY && !nsg_proto_has_ports(e->proto))
        return false;
    if (e->src_unknown || e->dst_unknown)
        return true; /* cannot tell: assume they meet */
    return nsg_addrset_overlaps(&e->src, &R->src) &&
           nsg_addrset_overlaps(&e->dst, &R->dst) &&
           ranges_meet(e->sports, e->n_sports, R->sports, R->n_sports) &&
           ranges_meet(e->dports, e->n_dports, ports, n) &&
           ranges_meet(R->dports, R->n_dports, ports, n);
}

/* Does R decide some TCP/UDP packet on the port atom in this NSG? */
static bool admits(struct hd_run *r, const struct nsg_cnsg *cn, size_t idx,
                   const struct nsg_portrange *atom)
{
    const struct nsg_crule *R = &cn->rules[NSG_DIR_IN][idx];
    const struct nsg_slv_nsg *d;
    struct nsg_err err = NSG_ERR_INIT;
    Z3_ast q[3];
    bool sat = true, overlap = false;

    for (size_t i = 0; i < idx && !overlap; i++)
        overlap = rules_meet(&cn->rules[NSG_DIR_IN][i], R, atom, 1);
    if (!overlap)
        return true;
    if (nsg_slv_decide(r->slv, cn, &d, &err))
        return true; /* cannot encode (unknown tag): assume it does */
    q[0] = d->fires[NSG_DIR_IN][idx];
    q[1] = nsg_slv_ports(r->slv, NSG_SLV_DST, atom, 1);
    q[2] = nsg_slv_has_ports(r->slv);
    if (nsg_slv_check(r->slv, q, 3, &sat, NULL, &err))
        return true; /* unknown: the deny covering it is still safe */
    return sat;
}

static void admitted_ports(struct hd_run *r, struct hd_cand *c)
{
    struct nsg_plan_ports *a = &c->admitted;
    a->r = nsg_xcalloc(r->ports.n * c->rule->n_dports + 1, sizeof(*a->r));
    a->n = 0;
    for (size_t i = 0; i < r->ports.n; i++)
        for (size_t k = 0; k < c->rule->n_dports; k++) {
            struct nsg_portrange atom = r->ports.r[i];
            const struct nsg_portrange *d = &c->rule->dports[k];
            bool yes = false;
            if (atom.lo < d->lo)
                atom.lo = d->lo;
            if (atom.hi > d->hi)
                atom.hi = d->hi;
            if (atom.lo > atom.hi)
                continue;
            for (guint v = 0; v < c->vnets->len && !yes; v++) {
                const struct nsg_cnsg *cn;
                size_t idx;
                struct nsg_err err = NSG_ERR_INIT;
                if (nsg_sim_get(r->sim, c->nsg, c->vnets->pdata[v], &cn,
                                &err) ||
                    !hd_crule_of(cn, c->rule, &idx))
                    continue;
                yes = admits(r, cn, idx, &atom);
            }
            if (yes)
                a->r[a->n++] = atom;
        }
    hd_ports_normalize(a);
}

/* ---- the rules of one recommendation ------------------------------------ */

/* A narrowed allow rule in the making. */
struct aspec {
    int proto;
    uint8_t family;
    struct nsg_cidr *blocks;
    size_t nb;
    struct nsg_plan_ports ports;
    uint64_t flows, tuples, sources;
    int64_t first, last;
    GHashTable *days;
};

static void aspec_release(struct aspec *a)
{
    free(a->blocks);
    nsg_plan_ports_release(&a->ports);
    if (a->days)
        g_hash_table_destroy(a->days);
}

static int obs_cmp(const void *pa, const void *pb)
{
    const struct hd_obs *a = *(const struct hd_obs *const *)pa;
    const struct hd_obs *b = *(const struct hd_obs *const *)pb;
    if (a->k.proto != b->k.proto)
        return a->k.proto < b->k.proto ? -1 : 1;
    if (a->k.family != b->k.family)
        return a->k.family < b->k.family ? -1 : 1;
    if (a->k.port != b->k.port)
        return a->k.port < b->k.port ? -1 : 1;
    return (a->k.ip > b->k.ip) - (a->k.ip < b->k.ip);
}

static bool blocks_equal(const struct aspec *a, const struct nsg_cidr *b,
                         size_t nb)
{
    if (a->nb != nb)
        return false;
    for (size_t i = 0; i < nb; i++)
        if (a->blocks[i].len != b[i].len || a->blocks[i].v != b[i].v)
            return false;
    return true;
}

static void add_evidence(struct aspec *a, const struct hd_cand *c,
                         struct hd_obs *const *o, size_t n)
{
    GHashTable *d = g_hash_table_lookup(
        c->days, GUINT_TO_POINTER((guint)o[0]->k.proto << 16 | o[0]->k.port));
    GHashTableIter it;
    gpointer k;
    for (size_t i = 0; i < n; i++) {
        a->flows += o[i]->flows;
        a->tuples += o[i]->tuples;
        a->sources++;
        if (o[i]->first < a->first)
            a->first = o[i]->first;
        if (o[i]->last > a->last)
            a->last = o[i]->last;
    }
    if (!a->days)
        a->days = g_hash_table_new(g_direct_hash, g_direct_equal);
    if (d) {
        g_hash_table_iter_init(&it, d);
        while (g_hash_table_iter_next(&it, &k, NULL))
            g_hash_table_add(a->days, k);
    }
}

static int ip_cmp(const void *a, const void *b)
{
    return nsg_ip_cmp(a, b);
}

/* Narrowed allows from the observations, one per (protocol, family,
 * block list), ports with the same blocks merged.  merge_ports: one rule
 * per (protocol, family), the sources of all its ports covered together
 * (fewer rules, coarser). */
static nsg_rc make_allows(const struct hd_cand *c,
                          const struct nsg_addrset *allowed, long max_blocks,
                          double factor, bool merge_ports,
                          const struct nsg_addrset *kept, GArray *out,
                          struct nsg_err *err)
{
    guint n = g_hash_table_size(c->obs), i = 0;
    struct hd_obs **all = nsg_xcalloc(n + 1, sizeof(*all));
    struct nsg_ip *ips = nsg_xcalloc(n + 1, sizeof(*ips));
    GHashTableIter it;
    gpointer k, v;
    nsg_rc rc = NSG_OK;

    g_hash_table_iter_init(&it, c->obs);
    while (g_hash_table_iter_next(&it, &k, &v)) {
        const struct hd_obs *o = v;
        struct nsg_ip ip = {o->k.family, o->k.ip};
        if (!nsg_addrset_contains(kept, &ip)) /* else a keep rule has it */
            all[i++] = v;
    }
    n = i;
    qsort(all, n, sizeof(*all), obs_cmp);
    for (size_t s = 0; s < n && !rc;) {
        size_t e = s, ni = 0;
        struct nsg_cidr *blocks = NULL;
        size_t nb = 0;
        while (e < n && all[e]->k.proto == all[s]->k.proto &&
               all[e]->k.family == all[s]->k.family &&
               (merge_ports || all[e]->k.port == all[s]->k.port))
            e++;
        /* distinct sources of the run (sorted within each port) */
        for (size_t j = s; j < e; j++)
            ips[ni++] = (struct nsg_ip){all[j]->k.family, all[j]->k.ip};
        if (merge_ports) {
            qsort(ips, ni, sizeof(*ips), ip_cmp);
            size_t w = 0;
            for (size_t j = 0; j < ni; j++)
                if (!w || nsg_ip_cmp(&ips[w - 1], &ips[j]))
                    ips[w++] = ips[j];
            ni = w;
        }
        rc = nsg_harden_cover(ips, ni, allowed, max_blocks, factor, &blocks,
                              &nb, err);
        if (rc)
            break;
        /* a spec with the same blocks takes the ports of this run */
        struct aspec *a = NULL;
        for (guint j = 0; j < out->len && !a; j++) {
            struct aspec *x = &g_array_index(out, struct aspec, j);
            if (x->proto == all[s]->k.proto &&
                x->family == all[s]->k.family && blocks_equal(x, blocks, nb))
                a = x;
        }
        if (!a) {
            struct aspec z = {0};
            z.proto = all[s]->k.proto;
            z.family = all[s]->k.family;
            z.blocks = blocks;
            z.nb = nb;
            z.ports.r = nsg_xcalloc(n + 1, sizeof(*z.ports.r));
            z.first = INT64_MAX;
            z.last = INT64_MIN;
            g_array_append_val(out, z);
            a = &g_array_index(out, struct aspec, out->len - 1);
        } else {
            free(blocks);
        }
        for (size_t j = s; j < e; j++) {
            uint16_t p = all[j]->k.port;
            if (!a->ports.n || a->ports.r[a->ports.n - 1].hi != p)
                a->ports.r[a->ports.n++] = (struct nsg_portrange){p, p};
        }
        for (size_t j = s; j < e;) { /* evidence per port */
            size_t q = j;
            while (q < e && all[q]->k.port == all[j]->k.port)
                q++;
            add_evidence(a, c, &all[j], q - j);
            j = q;
        }
        hd_ports_normalize(&a->ports);
        s = e;
    }
    free(all);
    free(ips);
    return rc;
}

/* ---- the per-NSG work ------------------------------------------------------ */

struct nsg_work {
    const struct nsg_nsg *nsg;
    GPtrArray *cands;    /* struct hd_cand *, ascending R priority */
    GHashTable *prios;   /* priorities taken by new rules */
    GHashTable *names;   /* lower-case names taken (existing and new) */
    GArray *recs;        /* struct nsg_plan_rec */
    GPtrArray *rec_cands; /* the candidate of each rec */
    long max_blocks;
    bool coarsened;
};

static bool name_taken(const char *name, void *ctx)
{
    struct nsg_work *w = ctx;
    char *l = nsg_xstrdup_lower(name);
    bool t = g_hash_table_contains(w->names, l);
    free(l);
    return t;
}

static char *new_name(struct nsg_work *w, const char *replaced,
                      const char *role)
{
    char *n = hd_rule_name(replaced, role, name_taken, w);
    g_hash_table_add(w->names, nsg_xstrdup_lower(n));
    return n;
}

/* Does existing rule x share a packet with R on the admitted ports in any
 * context of the candidate? */
static bool blocks_jump(struct hd_run *r, const struct hd_cand *c,
                        const struct nsg_rule *x)
{
    for (guint v = 0; v < c->vnets->len; v++) {
        const struct nsg_cnsg *cn;
        const struct nsg_crule *cx, *cr;
        struct nsg_err err = NSG_ERR_INIT;
        if (nsg_sim_get(r->sim, c->nsg, c->vnets->pdata[v], &cn, &err))
            return true;
        cx = hd_crule_of(cn, x, NULL);
        cr = hd_crule_of(cn, c->rule, NULL);
        if (!cx || !cr ||
            rules_meet(cx, cr, c->admitted.r, c->admitted.n))
            return true;
    }
    return false;
}

/* Free priorities directly above R (nearest first), at most `want`. */
static size_t find_slots(struct hd_run *r, struct nsg_work *w,
                         const struct hd_cand *c, int *slots, size_t want)
{
    size_t n = 0;
    for (int p = c->rule->priority - 1; p >= 100 && n < want; p--) {
        const struct nsg_rule *x = NULL;
        for (size_t i = 0; i < w->nsg->n_rules && !x; i++)
            if (!w->nsg->rules[i].is_default &&
                w->nsg->rules[i].dir == NSG_DIR_IN &&
                w->nsg->rules[i].priority == p)
                x = &w->nsg->rules[i];
        if (x) {
            if (blocks_jump(r, c, x))
                break; /* a rule that shares packets with R: stop here */
            continue;
        }
        if (!g_hash_table_contains(w->prios, GINT_TO_POINTER(p)))
            slots[n++] = p;
    }
    return n;
}

static cJSON *time_or_null(int64_t t)
{
    return t == INT64_MAX || t == INT64_MIN ? cJSON_CreateNull()
                                            : hd_time_json(t);
}

static double family_count(const struct nsg_addrset *s, uint8_t fam)
{
    double n = 0;
    for (size_t i = 0; i < s->n; i++)
        if (s->r[i].family == fam)
            n += (double)(s->r[i].hi - s->r[i].lo) + 1.0;
    return n;
}

static size_t port_count(const struct nsg_plan_ports *p)
{
    size_t n = 0;
    for (size_t i = 0; i < p->n; i++)
        n += (size_t)p->r[i].hi - p->r[i].lo + 1;
    return n;
}

static void side_from(struct nsg_plan_side *s, const struct nsg_rule *r,
                      bool src)
{
    if (src)
        hd_side_from_rule(s, r->src, r->n_src, r->src_asgs, r->n_src_asgs);
    else
        hd_side_from_rule(s, r->dst, r->n_dst, r->dst_asgs, r->n_dst_asgs);
}

static struct nsg_plan_rule *push_rule(struct nsg_plan_rec *rec)
{
    rec->rules = nsg_xrealloc(rec->rules,
                              (rec->n_rules + 1) * sizeof(*rec->rules));
    memset(&rec->rules[rec->n_rules], 0, sizeof(*rec->rules));
    return &rec->rules[rec->n_rules++];
}

/* The family of R's destination CIDRs (0: none written). */
static int dst_family(const struct nsg_rule *R)
{
    for (size_t i = 0; i < R->n_dst; i++)
        if (R->dst[i].kind == NSG_ADDR_CIDR)
            return R->dst[i].cidr.family;
    return 0;
}

/* Load-balancer addresses R admits in every context (0..2 of them). */
static size_t lb_addrs(const struct hd_cand *c, const char **out)
{
    size_t n = 0;
    int fam = dst_family(c->rule);
    struct nsg_ip ip;
    if (!nsg_ip_parse(LB_V4, &ip) && nsg_addrset_contains(&c->src, &ip) &&
        fam != 6)
        out[n++] = LB_V4;
    if (!nsg_ip_parse(LB_V6, &ip) && nsg_addrset_contains(&c->src, &ip) &&
        fam != 4)
        out[n++] = LB_V6;
    return n;
}

static void replaced_from(struct nsg_plan_replaced *x, const struct nsg_rule *R)
{
    x->name = nsg_xstrdup(R->name);
    x->priority = R->priority;
    x->proto = R->proto;
    side_from(&x->src, R, true);
    side_from(&x->dst, R, false);
    hd_ports_copy(&x->sports, R->sports, R->n_sports);
    hd_ports_copy(&x->dports, R->dports, R->n_dports);
}

static void add_note(cJSON *extra, const char *fmt, ...) NSG_PRINTF(2, 3);
static void add_note(cJSON *extra, const char *fmt, ...)
{
    cJSON *notes = cJSON_GetObjectItemCaseSensitive(extra, "notes");
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    if (!notes)
        notes = cJSON_AddArrayToObject(extra, "notes");
    cJSON_AddItemToArray(notes, cJSON_CreateString(buf));
}

static int prio_cmp(const void *a, const void *b)
{
    return ((const struct nsg_plan_rule *)a)->priority -
           ((const struct nsg_plan_rule *)b)->priority;
}

/* The recommendation of candidate c into rec; false (with c->blocked set)
 * when it cannot be made. */
static bool build_rec(struct hd_run *r, struct nsg_work *w, struct hd_cand *c,
                      struct nsg_plan_rec *rec, struct nsg_err *err,
                      nsg_rc *rc)
{
    const struct nsg_rule *R = c->rule;
    struct nsg_addrset allowed = NSG_ADDRSET_INIT, kept = NSG_ADDRSET_INIT;
    GArray *allows = g_array_new(FALSE, TRUE, sizeof(struct aspec));
    const char *lb[2];
    size_t n_lb = lb_addrs(c, lb), needed, n_slots;
    int slots[64 + SPARE_SLOTS];
    bool merged = false, ok = false;
    struct nsg_err e2 = NSG_ERR_INIT;
    double before = 0, after = 0;
    size_t nports = port_count(&c->admitted);

    nsg_addrset_copy(&allowed, &c->src);
    nsg_addrset_subtract(&allowed, &r->o->exclude);
    for (size_t i = 0; i < n_lb; i++) {
        struct nsg_ip ip;
        if (!nsg_ip_parse(lb[i], &ip))
            nsg_addrset_add_range(&kept, ip.family, ip.v, ip.v);
    }
    *rc = make_allows(c, &allowed, w->max_blocks, r->o->open_factor, false,
                      &kept, allows, &e2);
    if (*rc == NSG_E_INPUT) {
        snprintf(c->why, sizeof(c->why), "%.500s", e2.msg);
        c->blocked = c->why;
        *rc = NSG_OK;
        goto out;
    }
    if (*rc)
        goto out;
    needed = allows->len + 1 + n_lb;
    n_slots = find_slots(r, w, c, slots,
                         needed + SPARE_SLOTS < 64 ? needed + SPARE_SLOTS : 64);
    if (n_slots < needed && allows->len > 1) { /* fewer, coarser rules */
        for (guint i = 0; i < allows->len; i++)
            aspec_release(&g_array_index(allows, struct aspec, i));
        g_array_set_size(allows, 0);
        *rc = make_allows(c, &allowed, w->max_blocks, r->o->open_factor, true,
                          &kept, allows, err);
        if (*rc)
            goto out;
        merged = true;
        needed = allows->len + 1 + n_lb;
    }
    if (n_slots < needed) {
        snprintf(c->why, sizeof(c->why),
                 "only %zu free priorities directly above %s (priority %d) "
                 "in NSG %s; the recommendation needs %zu: give %s a larger "
                 "priority number to make room above it",
                 n_slots, R->name, R->priority, c->nsg->name, needed,
                 R->name);
        c->blocked = c->why;
        goto out;
    }
    /* the recommendation */
    memset(rec, 0, sizeof(*rec));
    rec->nsg_id = nsg_xstrdup(c->nsg->id);
    rec->nsg_name = nsg_xstrdup(c->nsg->name);
    replaced_from(&rec->r, R);
    hd_ports_copy(&rec->ports, c->admitted.r, c->admitted.n);
    rec->slots = nsg_xcalloc(n_slots + 1, sizeof(int));
    memcpy(rec->slots, slots, n_slots * sizeof(int));
    rec->n_slots = n_slots;
    rec->nics = nsg_xcalloc(c->governed->len + 1, sizeof(char *));
    for (guint i = 0; i < c->governed->len; i++) {
        struct hd_nic *hn = c->governed->pdata[i];
        rec->nics[rec->n_nics++] = nsg_xstrdup(hn->nic->name);
    }
    rec->extra = cJSON_CreateObject();
    /* deny directly above R, then the allows above it */
    size_t next = 0;
    struct nsg_plan_rule *d = push_rule(rec);
    d->name = new_name(w, R->name, "deny");
    d->access = NSG_DENY;
    d->origin = NSG_PLAN_RECOMMENDED;
    d->priority = slots[next++];
    d->proto = R->proto;
    side_from(&d->src, R, true);
    side_from(&d->dst, R, false);
    hd_ports_copy(&d->sports, R->sports, R->n_sports);
    hd_ports_copy(&d->dports, c->admitted.r, c->admitted.n);
    d->description = g_strdup_printf(
        "nsgproof harden: closes %s (priority %d) on covered ports except "
        "the narrowed sources above",
        R->name, R->priority);
    for (size_t i = 0; i < n_lb; i++) {
        struct nsg_plan_rule *k = push_rule(rec);
        k->name = new_name(w, R->name, "lb");
        k->access = NSG_ALLOW;
        k->origin = NSG_PLAN_PLATFORM;
        k->priority = slots[next++];
        k->proto = R->proto;
        k->src.addrs = hd_strv_copy((char *const *)&lb[i], 1);
        k->src.n_addrs = 1;
        side_from(&k->dst, R, false);
        hd_ports_copy(&k->sports, R->sports, R->n_sports);
        hd_ports_copy(&k->dports, c->admitted.r, c->admitted.n);
        k->description = g_strdup_printf(
            "nsgproof harden: keeps Azure load balancer probes (%s) that %s "
            "admits",
            lb[i], R->name);
        after += (double)nports;
    }
    for (guint i = 0; i < allows->len; i++) {
        struct aspec *a = &g_array_index(allows, struct aspec, i);
        struct nsg_plan_rule *x = push_rule(rec);
        char role[16], pb[8], bl[NSG_CIDR_STRLEN];
        cJSON *cov = cJSON_CreateObject(), *opens = cJSON_CreateObject();
        double open = 0;
        snprintf(role, sizeof(role), "allow%u", i + 1);
        x->name = new_name(w, R->name, role);
        x->access = NSG_ALLOW;
        x->origin = NSG_PLAN_RECOMMENDED;
        x->priority = slots[next++];
        x->proto = R->proto == NSG_PROTO_ANY ? a->proto : R->proto;
        x->src.addrs = nsg_xcalloc(a->nb + 1, sizeof(char *));
        for (size_t b = 0; b < a->nb; b++) {
            nsg_cidr_format(&a->blocks[b], bl);
            x->src.addrs[x->src.n_addrs++] = nsg_xstrdup(bl);
            open += ldexp(1.0, (a->family == 4 ? 32 : 128) - a->blocks[b].len);
        }
        side_from(&x->dst, R, false);
        hd_ports_copy(&x->sports, R->sports, R->n_sports);
        hd_ports_copy(&x->dports, a->ports.r, a->ports.n);
        x->description = g_strdup_printf(
            "nsgproof harden: narrows %s (priority %d) to the %s sources seen "
            "%s",
            R->name, R->priority, nsg_proto_name(a->proto, pb),
            merged ? "on its ports together" : "on these ports");
        cJSON_AddNumberToObject(cov, "flows", (double)a->flows);
        cJSON_AddNumberToObject(cov, "tuples", (double)a->tuples);
        cJSON_AddNumberToObject(cov, "sources", (double)a->sources);
        cJSON_AddItemToObject(cov, "first_seen", time_or_null(a->first));
        cJSON_AddItemToObject(cov, "last_seen", time_or_null(a->last));
        cJSON_AddNumberToObject(cov, "days",
                                a->days ? g_hash_table_size(a->days) : 0);
        cJSON_AddNumberToObject(opens, "addresses", open);
        cJSON_AddNumberToObject(opens, "of", family_count(&c->src, a->family));
        x->extra = cJSON_CreateObject();
        cJSON_AddItemToObject(x->extra, "covers", cov);
        cJSON_AddItemToObject(x->extra, "allows", opens);
        after += open * (double)port_count(&a->ports);
    }
    for (size_t i = 0; i < rec->n_rules; i++)
        g_hash_table_add(w->prios, GINT_TO_POINTER(rec->rules[i].priority));
    /* what it learned and what it closes */
    {
        cJSON *l = cJSON_CreateObject(), *cl = cJSON_CreateObject();
        GHashTable *days = g_hash_table_new(g_direct_hash, g_direct_equal);
        GHashTableIter it;
        gpointer k, v;
        g_hash_table_iter_init(&it, c->days);
        while (g_hash_table_iter_next(&it, &k, &v)) {
            GHashTableIter i2;
            gpointer dk;
            g_hash_table_iter_init(&i2, v);
            while (g_hash_table_iter_next(&i2, &dk, NULL))
                g_hash_table_add(days, dk);
        }
        double nsrc = 0;
        GHashTable *seen = g_hash_table_new_full(g_str_hash, g_str_equal,
                                                 free, NULL);
        g_hash_table_iter_init(&it, c->obs);
        while (g_hash_table_iter_next(&it, &k, &v)) {
            const struct hd_obs *o = v;
            char ip[NSG_IP_STRLEN];
            struct nsg_ip a = {o->k.family, o->k.ip};
            nsg_ip_format(&a, ip);
            if (!g_hash_table_contains(seen, ip)) {
                g_hash_table_add(seen, nsg_xstrdup(ip));
                nsrc++;
            }
        }
        g_hash_table_destroy(seen);
        cJSON_AddNumberToObject(l, "flows", (double)c->flows);
        cJSON_AddNumberToObject(l, "tuples", (double)c->tuples);
        cJSON_AddNumberToObject(l, "sources", nsrc);
        cJSON_AddItemToObject(l, "first_seen", time_or_null(c->first));
        cJSON_AddItemToObject(l, "last_seen", time_or_null(c->last));
        cJSON_AddNumberToObject(l, "days", g_hash_table_size(days));
        g_hash_table_destroy(days);
        cJSON_AddItemToObject(rec->extra, "learned", l);
        before = (dst_family(R) ? family_count(&c->src, (uint8_t)dst_family(R))
                                : nsg_addrset_count(&c->src)) *
                 (double)nports;
        cJSON_AddNumberToObject(cl, "ports", (double)nports);
        cJSON_AddNumberToObject(cl, "source_port_pairs_before", before);
        cJSON_AddNumberToObject(cl, "source_port_pairs_after", after);
        cJSON_AddNumberToObject(cl, "source_port_pairs_closed",
                                before > after ? before - after : 0);
        cJSON_AddItemToObject(rec->extra, "closes", cl);
        d = &rec->rules[0]; /* rec->rules moved as rules were added */
        d->extra = cJSON_CreateObject();
        cJSON_AddItemToObject(d->extra, "closes", cJSON_Duplicate(cl, 1));
    }
    qsort(rec->rules, rec->n_rules, sizeof(*rec->rules), prio_cmp);
    if (merged)
        add_note(rec->extra,
                 "only %zu free priorities above %s: the ports share one "
                 "rule per protocol (coarser)",
                 n_slots, R->name);
    if (w->coarsened)
        add_note(rec->extra,
                 "at most %ld source blocks per rule, to stay within Azure's "
                 "limits of %d rules and %d prefixes per NSG",
                 w->max_blocks, NSG_AZURE_MAX_RULES, NSG_AZURE_MAX_PREFIXES);
    ok = true;
out:
    for (guint i = 0; i < allows->len; i++)
        aspec_release(&g_array_index(allows, struct aspec, i));
    g_array_free(allows, TRUE);
    nsg_addrset_release(&allowed);
    nsg_addrset_release(&kept);
    return ok;
}

static size_t cidrs(const struct nsg_plan_side *s)
{
    struct nsg_cidr c;
    size_t n = 0;
    for (size_t i = 0; i < s->n_addrs; i++)
        n += !nsg_cidr_parse(s->addrs[i], &c);
    return n;
}

/* Would the NSG exceed Azure's limits with w's recommendations? */
static bool over_limits(const struct nsg_work *w)
{
    size_t rules = 0, src = 0, dst = 0;
    for (size_t i = 0; i < w->nsg->n_rules; i++) {
        const struct nsg_rule *x = &w->nsg->rules[i];
        if (x->is_default)
            continue;
        rules++;
        for (size_t k = 0; k < x->n_src; k++)
            src += x->src[k].kind == NSG_ADDR_CIDR;
        for (size_t k = 0; k < x->n_dst; k++)
            dst += x->dst[k].kind == NSG_ADDR_CIDR;
    }
    for (guint i = 0; i < w->recs->len; i++) {
        const struct nsg_plan_rec *rec =
            &g_array_index(w->recs, struct nsg_plan_rec, i);
        for (size_t k = 0; k < rec->n_rules; k++) {
            rules++;
            src += cidrs(&rec->rules[k].src);
            dst += cidrs(&rec->rules[k].dst);
        }
    }
    return rules > NSG_AZURE_MAX_RULES || src > NSG_AZURE_MAX_PREFIXES ||
           dst > NSG_AZURE_MAX_PREFIXES;
}

static void work_reset(struct nsg_work *w)
{
    for (guint i = 0; i < w->recs->len; i++)
        nsg_plan_rec_release(&g_array_index(w->recs, struct nsg_plan_rec, i));
    g_array_set_size(w->recs, 0);
    g_ptr_array_set_size(w->rec_cands, 0);
    g_hash_table_remove_all(w->prios);
    g_hash_table_remove_all(w->names);
    for (size_t i = 0; i < w->nsg->n_rules; i++)
        g_hash_table_add(w->names, nsg_xstrdup_lower(w->nsg->rules[i].name));
}

static int cand_cmp(const void *a, const void *b)
{
    const struct hd_cand *x = *(const struct hd_cand *const *)a;
    const struct hd_cand *y = *(const struct hd_cand *const *)b;
    return x->rule->priority - y->rule->priority;
}

/* Every recommendation of one NSG, within Azure's limits. */
static nsg_rc work_nsg(struct hd_run *r, struct nsg_work *w,
                       struct nsg_err *err)
{
    size_t keep = w->cands->len;
    g_ptr_array_sort(w->cands, cand_cmp);
    for (;;) {
        nsg_rc rc = NSG_OK;
        work_reset(w);
        for (size_t i = 0; i < keep; i++)
            ((struct hd_cand *)w->cands->pdata[i])->blocked = NULL;
        for (size_t i = 0; i < keep && !rc; i++) {
            struct hd_cand *c = w->cands->pdata[i];
            struct nsg_plan_rec rec;
            if (build_rec(r, w, c, &rec, err, &rc)) {
                g_array_append_val(w->recs, rec);
                g_ptr_array_add(w->rec_cands, c);
            }
        }
        if (rc)
            return rc;
        if (!over_limits(w))
            return NSG_OK;
        if (w->max_blocks > 1) {
            w->max_blocks /= 2;
            w->coarsened = true;
        } else if (keep > 0) {
            struct hd_cand *c = w->cands->pdata[--keep];
            snprintf(c->why, sizeof(c->why),
                     "NSG %s would exceed Azure's limits (%d rules, %d "
                     "prefixes per side) even with coarse blocks",
                     w->nsg->name, NSG_AZURE_MAX_RULES,
                     NSG_AZURE_MAX_PREFIXES);
            c->blocked = c->why;
        } else {
            return NSG_OK;
        }
    }
}

/* ---- statuses and the plan --------------------------------------------- */

static void nic_note(struct hd_nic *hn, const char *fmt, ...) NSG_PRINTF(2, 3);
static void nic_note(struct hd_nic *hn, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    g_ptr_array_add(hn->notes, g_strdup_vprintf(fmt, ap));
    va_end(ap);
}

/* Why a NIC's flow data cannot be relied on (NULL: it can). */
static const char *data_problem(struct hd_run *r, struct hd_nic *hn)
{
    guint days = g_hash_table_size(hn->days);
    if (hn->no_data)
        return hn->no_data;
    if (!hn->flows_ever)
        snprintf(hn->why, sizeof(hn->why),
                 "no flow logs cover it: no flow records for its MAC %s "
                 "(enable NSG or VNet flow logs and import them)",
                 hn->nic->mac);
    else if (!hn->flows)
        snprintf(hn->why, sizeof(hn->why),
                 "no flow records in the window (--since)");
    else if ((long)days < r->o->min_days)
        snprintf(hn->why, sizeof(hn->why),
                 "fewer than %ld distinct UTC days with flow records (%u "
                 "found; --min-days)",
                 r->o->min_days, days);
    else if (!hn->inbound)
        snprintf(hn->why, sizeof(hn->why),
                 "nothing to learn from: no inbound flow records in the "
                 "window");
    else
        return NULL;
    hn->no_data = hn->why;
    return hn->no_data;
}

/* Decide which candidates may be recommended. */
static void gate(struct hd_run *r)
{
    for (guint i = 0; i < r->cands->len; i++) {
        struct hd_cand *c = r->cands->pdata[i];
        if (c->blocked)
            continue;
        for (guint k = 0; k < c->governed->len && !c->blocked; k++) {
            struct hd_nic *hn = c->governed->pdata[k];
            const char *why = data_problem(r, hn);
            if (!why)
                continue;
            if (hn->in_scope && c->governed->len == 1)
                snprintf(c->why, sizeof(c->why), "%s", why);
            else
                snprintf(c->why, sizeof(c->why),
                         "NSG %s also governs NIC %s, which cannot be "
                         "scanned (%s): its rule %s is not narrowed",
                         c->nsg->name, hn->nic->name, why, c->rule->name);
            c->blocked = c->why;
            c->blocked_by_data = true;
        }
    }
}

static char *rg_of(const char *id)
{
    const char *p = id ? strcasestr(id, "/resourceGroups/") : NULL;
    const char *e;
    if (!p)
        return nsg_xstrdup("");
    p += strlen("/resourceGroups/");
    e = strchr(p, '/');
    return e ? g_strndup(p, (gsize)(e - p)) : nsg_xstrdup(p);
}

static nsg_rc plan_nsg(struct hd_run *r, const struct nsg_nsg *n,
                       struct nsg_plan_nsg *out, struct nsg_err *err)
{
    struct nsg_version *v = NULL;
    size_t nv = 0;
    nsg_rc rc = nsg_corpus_history(r->c, n->id, &v, &nv, err);
    if (rc)
        return rc;
    if (!nv) {
        free(v);
        return nsg_err_set(err, NSG_E_INTERNAL, "NSG %s has no version",
                           n->name);
    }
    out->id = nsg_xstrdup(n->id);
    out->name = nsg_xstrdup(n->name);
    out->resource_group = rg_of(n->id);
    out->etag = nsg_xstrdup(n->etag);
    out->captured_at = v[nv - 1].captured_at;
    memcpy(out->object, v[nv - 1].object, 65);
    free(v);
    return NSG_OK;
}

static cJSON *settings_json(const struct hd_run *r)
{
    const struct nsg_harden_opts *o = r->o;
    cJSON *s = cJSON_CreateObject(), *sc = cJSON_CreateObject(),
          *ex = cJSON_CreateObject();
    cJSON_AddItemToObject(sc, "nic",
                          o->nic ? cJSON_CreateString(o->nic) : cJSON_CreateNull());
    cJSON_AddItemToObject(sc, "nsg",
                          o->nsg ? cJSON_CreateString(o->nsg) : cJSON_CreateNull());
    cJSON_AddBoolToObject(sc, "all_nics", o->all_nics);
    cJSON_AddItemToObject(s, "scope", sc);
    cJSON_AddItemToObject(s, "since", o->has_since ? hd_time_json(o->since)
                                                   : cJSON_CreateNull());
    cJSON_AddNumberToObject(s, "min_days", (double)o->min_days);
    cJSON_AddItemToObject(s, "ports", hd_ports_json(&r->ports));
    cJSON_AddNumberToObject(s, "max_blocks", (double)o->max_blocks);
    cJSON_AddNumberToObject(s, "open_factor", o->open_factor);
    cJSON_AddItemToObject(ex, "file", o->exclude_file
                                          ? cJSON_CreateString(o->exclude_file)
                                          : cJSON_CreateNull());
    cJSON *pf = cJSON_AddArrayToObject(ex, "prefixes");
    for (size_t i = 0; i < o->n_exclude_prefixes; i++)
        cJSON_AddItemToArray(pf, cJSON_CreateString(o->exclude_prefixes[i]));
    cJSON_AddItemToObject(s, "exclude_sources", ex);
    return s;
}

static void nic_entry(const struct hd_run *r, struct hd_nic *hn,
                      struct nsg_plan_nic *out)
{
    const struct nsg_nic *nic = hn->nic;
    cJSON *x = cJSON_CreateObject(), *pips = cJSON_CreateArray(),
          *nsgs = cJSON_CreateArray(), *reasons = cJSON_CreateArray();
    GPtrArray *ns = g_ptr_array_new();
    out->name = nsg_xstrdup(nic->name);
    out->id = nsg_xstrdup(nic->id);
    out->addrs = nsg_xcalloc(nic->n_ipconfigs + 1, sizeof(*out->addrs));
    for (size_t i = 0; i < nic->n_ipconfigs; i++) {
        const struct nsg_ipconfig *ic = &nic->ipconfigs[i];
        const struct nsg_pip *pip = nsg_topo_get(r->t, NSG_RES_PIP,
                                                 ic->public_ip_id);
        char ip[NSG_IP_STRLEN];
        if (ic->has_ip)
            out->addrs[out->n_addrs++] = ic->ip;
        if (pip && pip->has_ip) {
            nsg_ip_format(&pip->ip, ip);
            cJSON_AddItemToArray(pips, cJSON_CreateString(ip));
        } else if (ic->public_ip_id) {
            char *n = nsg_id_name(ic->public_ip_id);
            cJSON_AddItemToArray(pips, cJSON_CreateString(n));
            free(n);
        }
    }
    hd_nic_nsgs(r->t, nic, ns);
    for (guint i = 0; i < ns->len; i++)
        cJSON_AddItemToArray(
            nsgs, cJSON_CreateString(((struct nsg_nsg *)ns->pdata[i])->name));
    g_ptr_array_free(ns, TRUE);
    if (hn->no_data)
        cJSON_AddItemToArray(reasons, cJSON_CreateString(hn->no_data));
    for (guint i = 0; i < hn->notes->len; i++)
        cJSON_AddItemToArray(reasons, cJSON_CreateString(hn->notes->pdata[i]));
    if (hn->no_data)
        out->status = nsg_xstrdup("unscanned");
    else if (hn->n_recs || hn->findings)
        out->status = nsg_xstrdup("unhealthy");
    else if (hn->notes->len)
        out->status = nsg_xstrdup("unscanned");
    else
        out->status = nsg_xstrdup("healthy");
    cJSON_AddBoolToObject(x, "internet_facing", hn->internet_facing);
    cJSON_AddItemToObject(x, "public_ips", pips);
    cJSON_AddItemToObject(x, "nsgs", nsgs);
    cJSON_AddItemToObject(x, "reasons", reasons);
    cJSON_AddNumberToObject(x, "days_with_flow_records",
                            g_hash_table_size(hn->days));
    cJSON_AddNumberToObject(x, "flow_records", (double)hn->flows);
    cJSON_AddNumberToObject(x, "inbound_allowed_records",
                            (double)hn->inbound_allowed);
    cJSON_AddNumberToObject(x, "learned_records", (double)hn->learned);
    cJSON_AddNumberToObject(x, "excluded_records", (double)hn->excluded);
    cJSON_AddNumberToObject(x, "inexact_records", (double)hn->inexact);
    cJSON_AddNumberToObject(x, "recommendations", (double)hn->n_recs);
    cJSON_AddNumberToObject(x, "alerts", 0);
    out->extra = x;
}

/* Every in-scope NIC governed by a blocked candidate gets the reason. */
static void blocked_notes(struct hd_run *r)
{
    for (guint i = 0; i < r->cands->len; i++) {
        struct hd_cand *c = r->cands->pdata[i];
        if (!c->blocked)
            continue;
        for (guint k = 0; k < c->governed->len; k++) {
            struct hd_nic *hn = c->governed->pdata[k];
            if (!hn->in_scope || hn->no_data)
                continue;
            nic_note(hn, "rule %s of NSG %s: %s", c->rule->name,
                     c->nsg->name, c->blocked);
            if (!c->blocked_by_data)
                hn->findings++; /* something to harden, by hand */
        }
    }
}

/* Alerts of the new plan: counts per NIC and the plan's alerts object. */
static nsg_rc plan_alerts(struct hd_run *r, struct nsg_plan *p,
                          struct nsg_err *err)
{
    cJSON *rep = NULL, *g;
    uint64_t n = 0;
    nsg_rc rc = nsg_alerts_run(r->c, p, p->window_start, p->window_end, &rep,
                               &n, err);
    if (rc)
        return rc;
    cJSON_ArrayForEach(g, cJSON_GetObjectItemCaseSensitive(rep, "alerts"))
    {
        const cJSON *nic = cJSON_GetObjectItemCaseSensitive(g, "nic");
        const cJSON *cnt = cJSON_GetObjectItemCaseSensitive(g, "tuples");
        for (size_t i = 0; cJSON_IsString(nic) && i < p->n_nics; i++) {
            struct nsg_plan_nic *pn = &p->nics[i];
            cJSON *a = cJSON_GetObjectItemCaseSensitive(pn->extra, "alerts");
            if (strcmp(pn->name, nic->valuestring))
                continue;
            cJSON_SetNumberValue(a, a->valuedouble + cnt->valuedouble);
            if (!strcmp(pn->status, "healthy")) {
                free(pn->status);
                pn->status = nsg_xstrdup("unhealthy");
            }
        }
    }
    p->alerts = rep;
    return NSG_OK;
}

nsg_rc hd_recommend(struct hd_run *r, struct nsg_plan **out,
                    struct nsg_err *err)
{
    struct nsg_plan *p = nsg_xcalloc(1, sizeof(*p));
    GArray *works = g_array_new(FALSE, TRUE, sizeof(struct nsg_work));
    GArray *recs = g_array_new(FALSE, TRUE, sizeof(struct nsg_plan_rec));
    nsg_rc rc = NSG_OK;

    *out = NULL;
    gate(r);
    for (guint i = 0; i < r->cands->len; i++) {
        struct hd_cand *c = r->cands->pdata[i];
        struct nsg_work *w = NULL;
        if (c->blocked)
            continue;
        admitted_ports(r, c);
        if (!c->admitted.n)
            continue; /* earlier rules decide every covered port */
        for (guint k = 0; k < works->len && !w; k++)
            if (g_array_index(works, struct nsg_work, k).nsg == c->nsg)
                w = &g_array_index(works, struct nsg_work, k);
        if (!w) {
            struct nsg_work z = {0};
            z.nsg = c->nsg;
            z.cands = g_ptr_array_new();
            z.prios = g_hash_table_new(g_direct_hash, g_direct_equal);
            z.names = g_hash_table_new_full(g_str_hash, g_str_equal, free,
                                            NULL);
            z.recs = g_array_new(FALSE, TRUE, sizeof(struct nsg_plan_rec));
            z.rec_cands = g_ptr_array_new();
            z.max_blocks = r->o->max_blocks;
            g_array_append_val(works, z);
            w = &g_array_index(works, struct nsg_work, works->len - 1);
        }
        g_ptr_array_add(w->cands, c);
    }
    for (guint i = 0; i < works->len && !rc; i++)
        rc = work_nsg(r, &g_array_index(works, struct nsg_work, i), err);
    if (rc)
        goto out;
    blocked_notes(r);
    /* the plan */
    p->created_at = (int64_t)time(NULL);
    p->corpus_dir = nsg_xstrdup(r->o->corpus_dir ? r->o->corpus_dir
                                                 : nsg_corpus_dir(r->c));
    p->generation = nsg_corpus_generation(r->c);
    p->window_start = r->o->has_since ? r->o->since
                      : r->any_flow   ? r->window_start
                                      : 0;
    p->window_end = r->any_flow ? r->window_end : p->window_start;
    p->settings = settings_json(r);
    nsg_addrset_copy(&p->exclude, &r->o->exclude);
    p->nsgs = nsg_xcalloc(works->len + 1, sizeof(*p->nsgs));
    for (guint i = 0; i < works->len && !rc; i++) {
        struct nsg_work *w = &g_array_index(works, struct nsg_work, i);
        if (!w->recs->len)
            continue;
        rc = plan_nsg(r, w->nsg, &p->nsgs[p->n_nsgs], err);
        if (!rc)
            p->n_nsgs++;
        for (guint k = 0; k < w->rec_cands->len; k++) {
            struct hd_cand *c = w->rec_cands->pdata[k];
            for (guint j = 0; j < c->governed->len; j++)
                ((struct hd_nic *)c->governed->pdata[j])->n_recs++;
        }
        g_array_append_vals(recs, w->recs->data, w->recs->len);
        g_array_set_size(w->recs, 0); /* moved into recs */
    }
    p->n_recs = recs->len;
    p->recs = (struct nsg_plan_rec *)g_array_free(recs, FALSE);
    recs = NULL;
    for (size_t i = 0; i < r->n_nics; i++)
        if (r->nics[i].in_scope && !r->nics[i].no_data)
            (void)data_problem(r, &r->nics[i]);
    p->nics = nsg_xcalloc(r->n_nics + 1, sizeof(*p->nics));
    for (size_t i = 0; i < r->n_nics; i++)
        if (r->nics[i].in_scope)
            nic_entry(r, &r->nics[i], &p->nics[p->n_nics++]);
    if (!rc)
        rc = nsg_plan_validate(p, "the new plan", err);
    if (!rc && p->n_recs)
        rc = plan_alerts(r, p, err);
out:
    for (guint i = 0; i < works->len; i++) {
        struct nsg_work *w = &g_array_index(works, struct nsg_work, i);
        g_ptr_array_free(w->cands, TRUE);
        g_ptr_array_free(w->rec_cands, TRUE);
        g_hash_table_destroy(w->prios);
        g_hash_table_destroy(w->names);
        for (guint k = 0; k < w->recs->len; k++)
            nsg_plan_rec_release(&g_array_index(w->recs, struct nsg_plan_rec, k));
        g_array_free(w->recs, TRUE);
    }
    g_array_free(works, TRUE);
    if (recs)
        g_array_free(recs, TRUE);
    if (rc) {
        nsg_plan_free(p);
        return rc;
    }
    *out = p;
    return NSG_OK;
}
