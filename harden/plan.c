/* plan.c - the hardening plan in memory: freeing, finding rules, the
 * covered port list and port-list parsing shared by harden and plan. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "harden_int.h"

/* Adaptive network hardening's covered ports (REFERENCE.md section 7). */
static const uint16_t covered[] = {
    13,   17,   19,   22,   23,   53,    69,    81,    111,   119,
    123,  135,  137,  138,  139,  161,   162,   389,   445,   512,
    514,  593,  636,  873,  1433, 1434,  1900,  2049,  2301,  2323,
    2381, 3268, 3306, 3389, 4333, 5353,  5432,  5555,  5800,  5900,
    5985, 5986, 6379, 7000, 7001, 7199,  8081,  8089,  8545,  9042,
    9160, 9300, 11211, 16379, 26379, 27017, 37215};

const char *nsg_plan_origin_name(enum nsg_plan_origin o)
{
    switch (o) {
    case NSG_PLAN_RECOMMENDED:
        return "recommended";
    case NSG_PLAN_PLATFORM:
        return "platform";
    case NSG_PLAN_ADDED:
        return "added";
    }
    return "?";
}

void nsg_plan_default_ports(struct nsg_plan_ports *out)
{
    size_t n = sizeof(covered) / sizeof(covered[0]);
    out->r = nsg_xcalloc(n, sizeof(*out->r));
    out->n = n;
    for (size_t i = 0; i < n; i++)
        out->r[i] = (struct nsg_portrange){covered[i], covered[i]};
}

void nsg_plan_ports_release(struct nsg_plan_ports *p)
{
    free(p->r);
    p->r = NULL;
    p->n = 0;
}

void nsg_plan_port_text(const struct nsg_portrange *r, char out[16])
{
    if (r->lo == 0 && r->hi == 65535)
        strcpy(out, "*");
    else if (r->lo == r->hi)
        snprintf(out, 16, "%u", (unsigned)r->lo);
    else
        snprintf(out, 16, "%u-%u", (unsigned)r->lo, (unsigned)r->hi);
}

nsg_rc nsg_plan_parse_ports(const char *list, struct nsg_plan_ports *out,
                            struct nsg_err *err)
{
    char **items = g_strsplit(list ? list : "", ",", -1);
    nsg_rc rc = NSG_OK;

    out->n = 0;
    out->r = nsg_xcalloc(g_strv_length(items) + 1, sizeof(*out->r));
    for (size_t i = 0; items[i] && !rc; i++) {
        char *s = g_strstrip(items[i]);
        if (nsg_portrange_parse(s, &out->r[out->n]))
            rc = nsg_err_set(err, NSG_E_USAGE,
                             "'%s' is not a port or port range (0-65535, "
                             "e.g. 22 or 8000-8100)",
                             s);
        else
            out->n++;
    }
    if (!rc && !out->n)
        rc = nsg_err_set(err, NSG_E_USAGE, "the port list is empty");
    g_strfreev(items);
    if (rc)
        nsg_plan_ports_release(out);
    else
        hd_ports_normalize(out);
    return rc;
}

static int range_cmp(const void *a, const void *b)
{
    const struct nsg_portrange *x = a, *y = b;
    if (x->lo != y->lo)
        return x->lo < y->lo ? -1 : 1;
    return (x->hi > y->hi) - (x->hi < y->hi);
}

void hd_ports_normalize(struct nsg_plan_ports *p)
{
    size_t out = 0;
    if (p->n < 2)
        return;
    qsort(p->r, p->n, sizeof(*p->r), range_cmp);
    for (size_t i = 1; i < p->n; i++) {
        struct nsg_portrange *last = &p->r[out];
        if ((unsigned)p->r[i].lo <= (unsigned)last->hi + 1) {
            if (p->r[i].hi > last->hi)
                last->hi = p->r[i].hi;
        } else {
            p->r[++out] = p->r[i];
        }
    }
    p->n = out + 1;
}

bool hd_ports_has(const struct nsg_plan_ports *p, unsigned port)
{
    for (size_t i = 0; i < p->n; i++)
        if (p->r[i].lo <= port && port <= p->r[i].hi)
            return true;
    return false;
}

void hd_ports_copy(struct nsg_plan_ports *dst, const struct nsg_portrange *r,
                   size_t n)
{
    dst->r = nsg_xcalloc(n + 1, sizeof(*dst->r));
    memcpy(dst->r, r, n * sizeof(*r));
    dst->n = n;
}

bool hd_ports_equal(const struct nsg_plan_ports *a,
                    const struct nsg_plan_ports *b)
{
    struct nsg_plan_ports x, y;
    bool eq;
    hd_ports_copy(&x, a->r, a->n);
    hd_ports_copy(&y, b->r, b->n);
    hd_ports_normalize(&x);
    hd_ports_normalize(&y);
    eq = x.n == y.n && !memcmp(x.r, y.r, x.n * sizeof(*x.r));
    nsg_plan_ports_release(&x);
    nsg_plan_ports_release(&y);
    return eq;
}

void hd_strv_free(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

char **hd_strv_copy(char *const *v, size_t n)
{
    char **c = nsg_xcalloc(n + 1, sizeof(*c));
    for (size_t i = 0; i < n; i++)
        c[i] = nsg_xstrdup(v[i]);
    return c;
}

void nsg_plan_side_release(struct nsg_plan_side *s)
{
    hd_strv_free(s->addrs, s->n_addrs);
    hd_strv_free(s->asgs, s->n_asgs);
    memset(s, 0, sizeof(*s));
}

void hd_side_copy(struct nsg_plan_side *dst, const struct nsg_plan_side *src)
{
    dst->addrs = hd_strv_copy(src->addrs, src->n_addrs);
    dst->n_addrs = src->n_addrs;
    dst->asgs = hd_strv_copy(src->asgs, src->n_asgs);
    dst->n_asgs = src->n_asgs;
}

/* Same items, in any order; addresses compared as CIDRs when they are. */
bool hd_side_equal(const struct nsg_plan_side *a,
                   const struct nsg_plan_side *b)
{
    if (a->n_addrs != b->n_addrs || a->n_asgs != b->n_asgs)
        return false;
    for (size_t i = 0; i < a->n_addrs; i++) {
        bool found = false;
        struct nsg_cidr x, y;
        bool xc = !nsg_cidr_parse(a->addrs[i], &x);
        for (size_t j = 0; j < b->n_addrs && !found; j++) {
            if (xc && !nsg_cidr_parse(b->addrs[j], &y))
                found = x.family == y.family && x.len == y.len && x.v == y.v;
            else
                found = !strcasecmp(a->addrs[i], b->addrs[j]);
        }
        if (!found)
            return false;
    }
    for (size_t i = 0; i < a->n_asgs; i++) {
        bool found = false;
        for (size_t j = 0; j < b->n_asgs && !found; j++)
            found = !strcasecmp(a->asgs[i], b->asgs[j]);
        if (!found)
            return false;
    }
    return true;
}

void hd_side_from_rule(struct nsg_plan_side *out,
                       const struct nsg_addr_item *items, size_t n,
                       char *const *asgs, size_t n_asgs)
{
    out->addrs = nsg_xcalloc(n + 1, sizeof(char *));
    out->n_addrs = n;
    for (size_t i = 0; i < n; i++) {
        char buf[NSG_CIDR_STRLEN];
        if (items[i].kind == NSG_ADDR_ANY) {
            out->addrs[i] = nsg_xstrdup("*");
        } else if (items[i].kind == NSG_ADDR_CIDR) {
            nsg_cidr_format(&items[i].cidr, buf);
            out->addrs[i] = nsg_xstrdup(buf);
        } else {
            out->addrs[i] = nsg_xstrdup(items[i].text);
        }
    }
    out->asgs = hd_strv_copy(asgs, n_asgs);
    out->n_asgs = n_asgs;
}

void nsg_plan_rule_release(struct nsg_plan_rule *r)
{
    free(r->name);
    nsg_plan_side_release(&r->src);
    nsg_plan_side_release(&r->dst);
    nsg_plan_ports_release(&r->sports);
    nsg_plan_ports_release(&r->dports);
    free(r->description);
    cJSON_Delete(r->extra);
    memset(r, 0, sizeof(*r));
}

void hd_replaced_release(struct nsg_plan_replaced *r)
{
    free(r->name);
    nsg_plan_side_release(&r->src);
    nsg_plan_side_release(&r->dst);
    nsg_plan_ports_release(&r->sports);
    nsg_plan_ports_release(&r->dports);
    memset(r, 0, sizeof(*r));
}

void nsg_plan_rec_release(struct nsg_plan_rec *rec)
{
    free(rec->nsg_id);
    free(rec->nsg_name);
    hd_replaced_release(&rec->r);
    nsg_plan_ports_release(&rec->ports);
    free(rec->slots);
    hd_strv_free(rec->nics, rec->n_nics);
    for (size_t i = 0; i < rec->n_rules; i++)
        nsg_plan_rule_release(&rec->rules[i]);
    free(rec->rules);
    cJSON_Delete(rec->extra);
    memset(rec, 0, sizeof(*rec));
}

void nsg_plan_free(struct nsg_plan *p)
{
    if (!p)
        return;
    free(p->corpus_dir);
    cJSON_Delete(p->settings);
    nsg_addrset_release(&p->exclude);
    for (size_t i = 0; i < p->n_nsgs; i++) {
        struct nsg_plan_nsg *n = &p->nsgs[i];
        free(n->id);
        free(n->name);
        free(n->resource_group);
        free(n->etag);
    }
    free(p->nsgs);
    for (size_t i = 0; i < p->n_nics; i++) {
        free(p->nics[i].name);
        free(p->nics[i].id);
        free(p->nics[i].status);
        free(p->nics[i].addrs);
        cJSON_Delete(p->nics[i].extra);
    }
    free(p->nics);
    for (size_t i = 0; i < p->n_recs; i++)
        nsg_plan_rec_release(&p->recs[i]);
    free(p->recs);
    cJSON_Delete(p->alerts);
    cJSON_Delete(p->extra);
    free(p);
}

nsg_rc nsg_plan_find_rule(const struct nsg_plan *p, const char *name,
                          size_t *rec, size_t *rule, struct nsg_err *err)
{
    const char *slash = strchr(name, '/');
    size_t nsg_len = slash ? (size_t)(slash - name) : 0;
    const char *rule_name = slash ? slash + 1 : name;
    struct nsg_buf cands = NSG_BUF_INIT;
    size_t found = 0;
    nsg_rc rc = NSG_OK;

    for (size_t i = 0; i < p->n_recs; i++) {
        const struct nsg_plan_rec *r = &p->recs[i];
        if (slash && (strlen(r->nsg_name) != nsg_len ||
                      strncasecmp(r->nsg_name, name, nsg_len)))
            continue;
        for (size_t k = 0; k < r->n_rules; k++) {
            if (strcasecmp(r->rules[k].name, rule_name))
                continue;
            if (!found++) {
                *rec = i;
                *rule = k;
            }
            nsg_buf_addf(&cands, "%s%s/%s", cands.len ? ", " : "",
                         r->nsg_name, r->rules[k].name);
        }
    }
    if (!found)
        rc = nsg_err_set(err, NSG_E_NOTFOUND,
                         "the plan has no rule named '%s' (list them with "
                         "`nsgproof plan --plan FILE list`)",
                         name);
    else if (found > 1)
        rc = nsg_err_set(err, NSG_E_INPUT,
                         "rule name '%s' is ambiguous: %s (give NSG/RULE)",
                         name, cands.buf);
    nsg_buf_release(&cands);
    return rc;
}

bool nsg_plan_edits_nsg(const struct nsg_plan *p, const char *nsg_id)
{
    for (size_t i = 0; i < p->n_recs; i++)
        if (p->recs[i].n_rules && !strcasecmp(p->recs[i].nsg_id, nsg_id))
            return true;
    return false;
}

void nsg_harden_governed(const struct nsg_topology *t, const char *nsg_id,
                         GPtrArray *out)
{
    for (guint i = 0; i < NSG_TOPO_N(t, NSG_RES_NIC); i++) {
        const struct nsg_nic *nic = NSG_TOPO_AT(t, NSG_RES_NIC, i);
        bool gov = nic->nsg_id && !strcasecmp(nic->nsg_id, nsg_id);
        for (size_t k = 0; k < nic->n_ipconfigs && !gov; k++) {
            const struct nsg_subnet *s = nsg_topo_get(
                t, NSG_RES_SUBNET, nic->ipconfigs[k].subnet_id);
            gov = s && s->nsg_id && !strcasecmp(s->nsg_id, nsg_id);
        }
        if (gov)
            g_ptr_array_add(out, (void *)nic);
    }
}

void hd_addrset_keep(struct nsg_addrset *s, const struct nsg_addrset *o)
{
    struct nsg_addrset r = NSG_ADDRSET_INIT;
    nsg_addrset_intersect(&r, s, o);
    nsg_addrset_release(s);
    *s = r;
}
