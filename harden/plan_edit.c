/* plan_edit.c - the edits a user may make to a plan, with the product's
 * refusals: only allow rules can be modified or added, an allow cannot
 * become a deny, the deny rule cannot be modified (only deleted).  Every
 * edit is validated like a plan read from a file; a refused edit leaves
 * the plan unchanged. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "harden_int.h"
#include "names.h"

static void rule_copy(struct nsg_plan_rule *dst, const struct nsg_plan_rule *s)
{
    *dst = *s;
    dst->name = nsg_xstrdup(s->name);
    hd_side_copy(&dst->src, &s->src);
    hd_side_copy(&dst->dst, &s->dst);
    hd_ports_copy(&dst->sports, s->sports.r, s->sports.n);
    hd_ports_copy(&dst->dports, s->dports.r, s->dports.n);
    dst->description = nsg_xstrdup(s->description);
    dst->extra = s->extra ? cJSON_Duplicate(s->extra, 1) : NULL;
}

static nsg_rc refuse_access(const struct nsg_plan_edit *e, const char *what,
                            struct nsg_err *err)
{
    if (e->access && strcasecmp(e->access, "allow"))
        return nsg_err_set(err, NSG_E_INPUT,
                           "%s: access '%s' refused: an allow rule cannot "
                           "become a deny rule, and only allow rules can be "
                           "added (create deny rules on the NSG itself)",
                           what, e->access);
    return NSG_OK;
}

/* CIDRs only, one family. */
static nsg_rc check_sources(char *const *s, size_t n, int *fam,
                            struct nsg_err *err)
{
    *fam = 0;
    if (!n)
        return nsg_err_set(err, NSG_E_USAGE, "the source list is empty");
    for (size_t i = 0; i < n; i++) {
        struct nsg_cidr c;
        if (nsg_cidr_parse(s[i], &c))
            return nsg_err_set(err, NSG_E_USAGE,
                               "source '%s' is not a CIDR or an IP address",
                               s[i]);
        if (*fam && *fam != c.family)
            return nsg_err_set(err, NSG_E_INPUT,
                               "sources mix IPv4 and IPv6 ('%s'): Azure "
                               "rejects that inside one rule",
                               s[i]);
        *fam = c.family;
    }
    return NSG_OK;
}

static nsg_rc check_proto(int proto, struct nsg_err *err)
{
    if (proto != -2 && proto != NSG_PROTO_TCP && proto != NSG_PROTO_UDP)
        return nsg_err_set(err, NSG_E_USAGE, "protocol must be tcp or udp");
    return NSG_OK;
}

static void drop_evidence(struct nsg_plan_rule *r)
{
    cJSON_DeleteItemFromObjectCaseSensitive(r->extra, "covers");
    cJSON_DeleteItemFromObjectCaseSensitive(r->extra, "closes");
}

nsg_rc nsg_plan_modify(struct nsg_plan *p, const char *rule,
                       const struct nsg_plan_edit *e, struct nsg_err *err)
{
    size_t ri, ki;
    struct nsg_plan_rule saved, *r;
    int fam;
    nsg_rc rc = nsg_plan_find_rule(p, rule, &ri, &ki, err);

    if (rc)
        return rc;
    r = &p->recs[ri].rules[ki];
    if (r->access == NSG_DENY)
        return nsg_err_set(err, NSG_E_INPUT,
                           "rule %s is the recommended deny rule: it cannot "
                           "be modified, only deleted (plan delete %s)",
                           r->name, r->name);
    rc = refuse_access(e, r->name, err);
    if (!rc && !e->n_sources && !e->ports.n && e->proto == -2)
        rc = nsg_err_set(err, NSG_E_USAGE,
                         "nothing to modify: give --source, --ports or "
                         "--protocol");
    if (!rc && e->n_sources)
        rc = check_sources(e->sources, e->n_sources, &fam, err);
    if (!rc)
        rc = check_proto(e->proto, err);
    if (rc)
        return rc;
    rule_copy(&saved, r);
    if (e->n_sources) {
        nsg_plan_side_release(&r->src);
        r->src.addrs = hd_strv_copy(e->sources, e->n_sources);
        r->src.n_addrs = e->n_sources;
    }
    if (e->ports.n) {
        nsg_plan_ports_release(&r->dports);
        hd_ports_copy(&r->dports, e->ports.r, e->ports.n);
        hd_ports_normalize(&r->dports);
    }
    if (e->proto != -2)
        r->proto = e->proto;
    r->modified = true;
    drop_evidence(r);
    rc = nsg_plan_validate(p, "the modified plan", err);
    if (rc) {
        nsg_plan_rule_release(r);
        *r = saved;
    } else {
        nsg_plan_rule_release(&saved);
    }
    return rc;
}

static const struct nsg_plan_nic *find_nic(const struct nsg_plan *p,
                                           const char *nic)
{
    for (size_t i = 0; i < p->n_nics; i++)
        if (!strcasecmp(p->nics[i].name, nic) ||
            (p->nics[i].id && !strcasecmp(p->nics[i].id, nic)))
            return &p->nics[i];
    return NULL;
}

static const struct nsg_plan_rule *deny_of(const struct nsg_plan_rec *rec)
{
    for (size_t i = 0; i < rec->n_rules; i++)
        if (rec->rules[i].access == NSG_DENY)
            return &rec->rules[i];
    return NULL;
}

static bool rec_has_nic(const struct nsg_plan_rec *rec,
                        const struct nsg_plan_nic *n)
{
    for (size_t i = 0; i < rec->n_nics; i++)
        if (!strcasecmp(rec->nics[i], n->name))
            return true;
    return false;
}

/* Ports of the request that the deny closes (may be empty). */
static void overlap(const struct nsg_plan_ports *a,
                    const struct nsg_plan_ports *b,
                    struct nsg_plan_ports *out)
{
    out->r = nsg_xcalloc(a->n * b->n + 1, sizeof(*out->r));
    out->n = 0;
    for (size_t i = 0; i < a->n; i++)
        for (size_t k = 0; k < b->n; k++) {
            unsigned lo = a->r[i].lo > b->r[k].lo ? a->r[i].lo : b->r[k].lo;
            unsigned hi = a->r[i].hi < b->r[k].hi ? a->r[i].hi : b->r[k].hi;
            if (lo <= hi)
                out->r[out->n++] =
                    (struct nsg_portrange){(uint16_t)lo, (uint16_t)hi};
        }
    hd_ports_normalize(out);
}

struct taken_ctx {
    const struct nsg_plan *p;
    const char *nsg_id;
};

static bool name_taken(const char *name, void *vctx)
{
    const struct taken_ctx *t = vctx;
    for (size_t i = 0; i < t->p->n_recs; i++) {
        const struct nsg_plan_rec *r = &t->p->recs[i];
        if (strcasecmp(r->nsg_id, t->nsg_id))
            continue;
        if (!strcasecmp(r->r.name, name))
            return true;
        for (size_t k = 0; k < r->n_rules; k++)
            if (!strcasecmp(r->rules[k].name, name))
                return true;
    }
    return false;
}

static bool prio_taken(const struct nsg_plan *p, const char *nsg_id, int prio)
{
    for (size_t i = 0; i < p->n_recs; i++) {
        const struct nsg_plan_rec *r = &p->recs[i];
        if (strcasecmp(r->nsg_id, nsg_id))
            continue;
        for (size_t k = 0; k < r->n_rules; k++)
            if (r->rules[k].priority == prio)
                return true;
    }
    return false;
}

/* Add one allow rule to rec; NSG_E_INPUT when no slot is left. */
static nsg_rc add_to(struct nsg_plan *p, struct nsg_plan_rec *rec,
                     const struct nsg_plan_nic *nic, int fam,
                     const struct nsg_plan_edit *e,
                     const struct nsg_plan_ports *ports, GPtrArray *names,
                     struct nsg_err *err)
{
    const struct nsg_plan_rule *deny = deny_of(rec);
    struct taken_ctx tc = {p, rec->nsg_id};
    struct nsg_plan_rule r = {0};
    int prio = -1;
    size_t nd = 0;

    for (size_t i = 0; i < rec->n_slots && prio < 0; i++)
        if (rec->slots[i] < deny->priority &&
            !prio_taken(p, rec->nsg_id, rec->slots[i]))
            prio = rec->slots[i];
    if (prio < 0)
        return nsg_err_set(err, NSG_E_INPUT,
                           "no free priority is left above rule %s of NSG %s "
                           "(free_priorities are all used): delete a rule of "
                           "that recommendation first",
                           deny->name, rec->nsg_name);
    r.access = NSG_ALLOW;
    r.origin = NSG_PLAN_ADDED;
    r.priority = prio;
    r.proto = e->proto;
    r.src.addrs = hd_strv_copy(e->sources, e->n_sources);
    r.src.n_addrs = e->n_sources;
    r.dst.addrs = nsg_xcalloc(nic->n_addrs + 1, sizeof(char *));
    for (size_t i = 0; i < nic->n_addrs; i++) {
        char ip[NSG_IP_STRLEN];
        if (nic->addrs[i].family != fam)
            continue;
        nsg_ip_format(&nic->addrs[i], ip);
        r.dst.addrs[nd++] = nsg_xstrdup(ip);
    }
    r.dst.n_addrs = nd;
    if (!nd) {
        nsg_plan_rule_release(&r);
        return nsg_err_set(err, NSG_E_INPUT,
                           "NIC %s has no IPv%d address for these sources",
                           nic->name, fam);
    }
    struct nsg_portrange any = {0, 65535};
    hd_ports_copy(&r.sports, &any, 1);
    hd_ports_copy(&r.dports, ports->r, ports->n);
    {
        char *role = g_strdup_printf("add-%s", nic->name);
        r.name = hd_rule_name(rec->r.name, role, name_taken, &tc);
        g_free(role);
    }
    r.description = g_strdup_printf("nsgproof plan add: allow for NIC %s "
                                    "above %s",
                                    nic->name, deny->name);
    rec->rules = nsg_xrealloc(rec->rules, (rec->n_rules + 1) * sizeof(r));
    rec->rules[rec->n_rules++] = r;
    g_ptr_array_add(names, g_strdup_printf("%s/%s", rec->nsg_name, r.name));
    return NSG_OK;
}

nsg_rc nsg_plan_add(struct nsg_plan *p, const char *nic,
                    const struct nsg_plan_edit *e, GPtrArray *names,
                    struct nsg_err *err)
{
    const struct nsg_plan_nic *n;
    size_t *before = nsg_xcalloc(p->n_recs + 1, sizeof(size_t));
    guint names_before = names->len;
    int fam = 0, hits = 0;
    nsg_rc rc = refuse_access(e, "plan add", err);

    if (!rc && (!e->n_sources || !e->ports.n || e->proto == -2))
        rc = nsg_err_set(err, NSG_E_USAGE,
                         "plan add needs --nic, --source, --ports and "
                         "--protocol");
    if (!rc)
        rc = check_sources(e->sources, e->n_sources, &fam, err);
    if (!rc)
        rc = check_proto(e->proto, err);
    n = rc ? NULL : find_nic(p, nic);
    if (!rc && !n)
        rc = nsg_err_set(err, NSG_E_NOTFOUND,
                         "NIC %s is not in the plan (its scope is listed by "
                         "`plan list`)",
                         nic);
    for (size_t i = 0; i < p->n_recs; i++)
        before[i] = p->recs[i].n_rules;
    for (size_t i = 0; !rc && i < p->n_recs; i++) {
        struct nsg_plan_rec *rec = &p->recs[i];
        const struct nsg_plan_rule *d = deny_of(rec);
        struct nsg_plan_ports ov;
        if (!d || !rec_has_nic(rec, n) ||
            (d->proto != NSG_PROTO_ANY && d->proto != e->proto))
            continue;
        overlap(&e->ports, &d->dports, &ov);
        if (ov.n) {
            hits++;
            rc = add_to(p, rec, n, fam, e, &ov, names, err);
        }
        nsg_plan_ports_release(&ov);
    }
    if (!rc && !hits)
        rc = nsg_err_set(err, NSG_E_INPUT,
                         "no deny rule of the plan closes those ports for "
                         "this protocol at NIC %s: an allow rule is added "
                         "above a recommended deny rule, and there is none "
                         "to add it to",
                         nic);
    if (!rc)
        rc = nsg_plan_validate(p, "the plan with the added rule", err);
    if (rc) { /* undo */
        for (size_t i = 0; i < p->n_recs; i++)
            while (p->recs[i].n_rules > before[i])
                nsg_plan_rule_release(&p->recs[i].rules[--p->recs[i].n_rules]);
        while (names->len > names_before)
            g_ptr_array_remove_index(names, names->len - 1);
    }
    free(before);
    return rc;
}

nsg_rc nsg_plan_delete(struct nsg_plan *p, const char *rule,
                       struct nsg_err *err)
{
    size_t ri, ki;
    struct nsg_plan_rec *rec;
    nsg_rc rc = nsg_plan_find_rule(p, rule, &ri, &ki, err);
    if (rc)
        return rc;
    rec = &p->recs[ri];
    nsg_plan_rule_release(&rec->rules[ki]);
    memmove(&rec->rules[ki], &rec->rules[ki + 1],
            (rec->n_rules - ki - 1) * sizeof(*rec->rules));
    rec->n_rules--;
    if (!rec->n_rules) { /* nothing left of the recommendation */
        nsg_plan_rec_release(rec);
        memmove(rec, rec + 1, (p->n_recs - ri - 1) * sizeof(*rec));
        p->n_recs--;
    }
    return NSG_OK;
}
