/* plan_validate.c - the product's rules for a plan, checked whenever a plan
 * is read or edited: only allow rules are added, the deny rule is exactly
 * the replaced rule's protocol, source and destination on its covered
 * ports (it can be deleted, not modified), priorities are free slots above
 * the replaced rule and unique, allows come before the deny, names are
 * valid Azure names, Azure's limits hold. */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "harden_int.h"

bool hd_valid_rule_name(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (!n || n > NSG_AZURE_NAME_MAX || !isalnum((unsigned char)s[0]))
        return false;
    if (!isalnum((unsigned char)s[n - 1]) && s[n - 1] != '_')
        return false;
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)s[i]) && !strchr("_.-", s[i]))
            return false;
    return true;
}

/* A tag name: letters, digits, '.', '-' (e.g. Storage.WestEurope). */
static bool is_tag(const char *s)
{
    if (!isalpha((unsigned char)s[0]))
        return false;
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && *s != '.' && *s != '-')
            return false;
    return true;
}

/* Addresses of one side: "*", CIDRs or IPs, or one tag alone.  *fam gets
 * the CIDR family seen (0 none); mixing families is an error. */
static nsg_rc check_side(const struct nsg_plan_side *s, const char *what,
                         int *fam, const char *at, struct nsg_err *err)
{
    for (size_t i = 0; i < s->n_addrs; i++) {
        const char *a = s->addrs[i];
        struct nsg_cidr c;
        if (!strcmp(a, "*"))
            continue;
        if (!nsg_cidr_parse(a, &c)) {
            if (*fam && *fam != c.family)
                return nsg_err_set(err, NSG_E_INPUT,
                                   "%s: %s '%s': IPv4 and IPv6 cannot be "
                                   "mixed inside one rule",
                                   at, what, a);
            *fam = c.family;
            continue;
        }
        if (!is_tag(a))
            return nsg_err_set(err, NSG_E_INPUT,
                               "%s: %s '%s' is not \"*\", a CIDR, an IP "
                               "address or a service tag",
                               at, what, a);
        if (s->n_addrs > 1)
            return nsg_err_set(err, NSG_E_INPUT,
                               "%s: %s: service tag '%s' must be the only "
                               "address of its side (Azure accepts tags "
                               "only in the singular prefix field)",
                               at, what, a);
    }
    return NSG_OK;
}

static bool ports_within(const struct nsg_plan_ports *inner,
                         const struct nsg_plan_ports *outer)
{
    for (size_t i = 0; i < inner->n; i++) {
        bool in = false;
        for (size_t k = 0; k < outer->n && !in; k++)
            in = outer->r[k].lo <= inner->r[i].lo &&
                 inner->r[i].hi <= outer->r[k].hi;
        if (!in)
            return false;
    }
    return true;
}

static bool has_slot(const struct nsg_plan_rec *rec, int prio)
{
    for (size_t i = 0; i < rec->n_slots; i++)
        if (rec->slots[i] == prio)
            return true;
    return false;
}

/* The deny rule must be the replaced rule on the covered ports. */
static const char *deny_differs(const struct nsg_plan_rec *rec,
                                const struct nsg_plan_rule *d)
{
    if (d->proto != rec->r.proto)
        return "protocol";
    if (!hd_side_equal(&d->src, &rec->r.src))
        return "source";
    if (!hd_side_equal(&d->dst, &rec->r.dst))
        return "destination";
    if (!hd_ports_equal(&d->sports, &rec->r.sports))
        return "source ports";
    if (!hd_ports_equal(&d->dports, &rec->ports))
        return "destination ports";
    return NULL;
}

static nsg_rc check_rule(const struct nsg_plan_rec *rec,
                         const struct nsg_plan_rule *pr, const char *at,
                         struct nsg_err *err)
{
    int fam = 0;
    nsg_rc rc;
    if (!hd_valid_rule_name(pr->name))
        return nsg_err_set(err, NSG_E_INPUT,
                           "%s: name '%s' is not a valid Azure rule name "
                           "(1-80 letters, digits, '_', '.', '-'; begins "
                           "with a letter or digit, ends with a letter, "
                           "digit or '_')",
                           at, pr->name);
    if (!has_slot(rec, pr->priority))
        return nsg_err_set(err, NSG_E_INPUT,
                           "%s: priority %d is not one of the free "
                           "priorities directly above rule %s (%d) listed in "
                           "free_priorities",
                           at, pr->priority, rec->r.name, rec->r.priority);
    if (pr->access == NSG_DENY) {
        const char *what = deny_differs(rec, pr);
        if (pr->origin != NSG_PLAN_RECOMMENDED)
            return nsg_err_set(err, NSG_E_INPUT,
                               "%s: rule %s is a deny rule of origin '%s': "
                               "only allow rules can be added (create deny "
                               "rules on the NSG itself)",
                               at, pr->name, nsg_plan_origin_name(pr->origin));
        if (what || pr->modified)
            return nsg_err_set(err, NSG_E_INPUT,
                               "%s: rule %s is the recommended deny rule and "
                               "its %s differs from what it replaces (%s): "
                               "the deny rule cannot be modified, only "
                               "deleted",
                               at, pr->name, what ? what : "content",
                               rec->r.name);
        return NSG_OK;
    }
    rc = check_side(&pr->src, "source", &fam, at, err);
    if (!rc)
        rc = check_side(&pr->dst, "destination", &fam, at, err);
    return rc;
}

static nsg_rc check_rec(const struct nsg_plan *p, const struct nsg_plan_rec *rec,
                        size_t i, const char *where, struct nsg_err *err)
{
    char at[512];
    const struct nsg_plan_rule *deny = NULL;
    bool known = false;

    snprintf(at, sizeof(at), "%s: $.recommendations[%zu]", where, i);
    for (size_t k = 0; k < p->n_nsgs && !known; k++)
        known = !strcasecmp(p->nsgs[k].id, rec->nsg_id);
    if (!known)
        return nsg_err_set(err, NSG_E_INPUT,
                           "%s.nsg_id: NSG %s is not listed in $.nsgs (the "
                           "versions the plan was made from)",
                           at, rec->nsg_id);
    if (!hd_valid_rule_name(rec->r.name))
        return nsg_err_set(err, NSG_E_INPUT,
                           "%s.replaces.name: '%s' is not a rule name", at,
                           rec->r.name);
    if (!ports_within(&rec->ports, &rec->r.dports))
        return nsg_err_set(err, NSG_E_INPUT,
                           "%s.ports: not all within the destination ports "
                           "of the replaced rule %s",
                           at, rec->r.name);
    for (size_t k = 0; k < rec->n_slots; k++)
        if (rec->slots[k] >= rec->r.priority)
            return nsg_err_set(err, NSG_E_INPUT,
                               "%s.free_priorities: %d is not above the "
                               "replaced rule's priority %d",
                               at, rec->slots[k], rec->r.priority);
    for (size_t k = 0; k < rec->n_rules; k++) {
        const struct nsg_plan_rule *pr = &rec->rules[k];
        char rat[600];
        nsg_rc rc;
        snprintf(rat, sizeof(rat), "%s.rules[%zu]", at, k);
        rc = check_rule(rec, pr, rat, err);
        if (rc)
            return rc;
        if (pr->access == NSG_DENY) {
            if (deny)
                return nsg_err_set(err, NSG_E_INPUT,
                                   "%s: a second deny rule (%s): a "
                                   "recommendation has one deny rule",
                                   rat, pr->name);
            deny = pr;
        }
    }
    for (size_t k = 0; deny && k < rec->n_rules; k++) {
        const struct nsg_plan_rule *pr = &rec->rules[k];
        if (pr->access == NSG_ALLOW && pr->priority > deny->priority)
            return nsg_err_set(err, NSG_E_INPUT,
                               "%s.rules[%zu]: allow rule %s (priority %d) "
                               "comes after the deny rule %s (priority %d): "
                               "it would never match what the deny closes",
                               at, k, pr->name, pr->priority, deny->name,
                               deny->priority);
    }
    return NSG_OK;
}

/* Count the CIDR items of a side (Azure's prefix limit). */
static size_t prefixes(const struct nsg_plan_side *s)
{
    size_t n = 0;
    struct nsg_cidr c;
    for (size_t i = 0; i < s->n_addrs; i++)
        n += !nsg_cidr_parse(s->addrs[i], &c);
    return n;
}

/* Priorities and names unique per NSG; the plan alone within the limits. */
static nsg_rc check_nsg(const struct nsg_plan *p, const char *nsg_id,
                        const char *where, struct nsg_err *err)
{
    size_t rules = 0, src = 0, dst = 0;
    for (size_t i = 0; i < p->n_recs; i++) {
        const struct nsg_plan_rec *a = &p->recs[i];
        if (strcasecmp(a->nsg_id, nsg_id))
            continue;
        for (size_t k = 0; k < a->n_rules; k++) {
            const struct nsg_plan_rule *x = &a->rules[k];
            rules++;
            src += prefixes(&x->src);
            dst += prefixes(&x->dst);
            for (size_t j = i; j < p->n_recs; j++) {
                const struct nsg_plan_rec *b = &p->recs[j];
                if (strcasecmp(b->nsg_id, nsg_id))
                    continue;
                for (size_t l = j == i ? k + 1 : 0; l < b->n_rules; l++) {
                    const struct nsg_plan_rule *y = &b->rules[l];
                    if (x->priority == y->priority)
                        return nsg_err_set(
                            err, NSG_E_INPUT,
                            "%s: rules %s and %s of NSG %s have the same "
                            "priority %d (Azure rejects equal priorities: "
                            "SecurityRuleConflict)",
                            where, x->name, y->name, a->nsg_name,
                            x->priority);
                    if (!strcasecmp(x->name, y->name))
                        return nsg_err_set(err, NSG_E_INPUT,
                                           "%s: two rules of NSG %s are "
                                           "named %s",
                                           where, a->nsg_name, x->name);
                }
            }
        }
    }
    if (rules > NSG_AZURE_MAX_RULES || src > NSG_AZURE_MAX_PREFIXES ||
        dst > NSG_AZURE_MAX_PREFIXES)
        return nsg_err_set(err, NSG_E_INPUT,
                           "%s: the plan adds %zu rules with %zu source and "
                           "%zu destination prefixes to NSG %s: Azure allows "
                           "%d rules and %d prefixes per side",
                           where, rules, src, dst, nsg_id, NSG_AZURE_MAX_RULES,
                           NSG_AZURE_MAX_PREFIXES);
    return NSG_OK;
}

nsg_rc nsg_plan_validate(const struct nsg_plan *p, const char *where,
                         struct nsg_err *err)
{
    nsg_rc rc = NSG_OK;
    for (size_t i = 0; i < p->n_nsgs && !rc; i++)
        for (size_t k = i + 1; k < p->n_nsgs && !rc; k++)
            if (!strcasecmp(p->nsgs[i].id, p->nsgs[k].id))
                rc = nsg_err_set(err, NSG_E_INPUT,
                                 "%s: $.nsgs[%zu]: NSG %s is listed twice",
                                 where, k, p->nsgs[k].id);
    for (size_t i = 0; i < p->n_recs && !rc; i++)
        rc = check_rec(p, &p->recs[i], i, where, err);
    for (size_t i = 0; i < p->n_nsgs && !rc; i++)
        rc = check_nsg(p, p->nsgs[i].id, where, err);
    return rc;
}
