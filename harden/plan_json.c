/* plan_json.c - the plan document (docs/plan.md): writing it, reading it
 * back with every field checked (errors name the file and the JSON path),
 * and saving it atomically.  Members nsgproof does not know are kept and
 * written back, so hand annotations survive edits. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "harden_int.h"

/* ---- writing ------------------------------------------------------------ */

cJSON *hd_time_json(int64_t t)
{
    char buf[32];
    nsg_corpus_time_format(t, buf);
    return cJSON_CreateString(buf);
}

cJSON *hd_side_json(const struct nsg_plan_side *s, bool asgs)
{
    cJSON *a = cJSON_CreateArray();
    char *const *v = asgs ? s->asgs : s->addrs;
    size_t n = asgs ? s->n_asgs : s->n_addrs;
    for (size_t i = 0; i < n; i++)
        cJSON_AddItemToArray(a, cJSON_CreateString(v[i]));
    return a;
}

cJSON *hd_ports_json(const struct nsg_plan_ports *p)
{
    cJSON *a = cJSON_CreateArray();
    char buf[16];
    for (size_t i = 0; i < p->n; i++) {
        nsg_plan_port_text(&p->r[i], buf);
        cJSON_AddItemToArray(a, cJSON_CreateString(buf));
    }
    return a;
}

static cJSON *proto_json(int proto)
{
    char buf[8];
    return cJSON_CreateString(nsg_proto_name(proto, buf));
}

/* Copy every member of extra that o does not have yet. */
static void add_extra(cJSON *o, const cJSON *extra)
{
    const cJSON *e;
    cJSON_ArrayForEach(e, extra)
    {
        if (e->string && !cJSON_GetObjectItemCaseSensitive(o, e->string))
            cJSON_AddItemToObject(o, e->string, cJSON_Duplicate(e, 1));
    }
}

static void add_sides(cJSON *o, const struct nsg_plan_side *src,
                      const struct nsg_plan_ports *sports,
                      const struct nsg_plan_side *dst,
                      const struct nsg_plan_ports *dports)
{
    cJSON_AddItemToObject(o, "source", hd_side_json(src, false));
    cJSON_AddItemToObject(o, "source_asgs", hd_side_json(src, true));
    cJSON_AddItemToObject(o, "source_ports", hd_ports_json(sports));
    cJSON_AddItemToObject(o, "destination", hd_side_json(dst, false));
    cJSON_AddItemToObject(o, "destination_asgs", hd_side_json(dst, true));
    cJSON_AddItemToObject(o, "destination_ports", hd_ports_json(dports));
}

static cJSON *rule_json(const struct nsg_plan_rule *r)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "name", r->name);
    cJSON_AddStringToObject(o, "access", nsg_access_name(r->access));
    cJSON_AddStringToObject(o, "origin", nsg_plan_origin_name(r->origin));
    cJSON_AddBoolToObject(o, "modified", r->modified);
    cJSON_AddStringToObject(o, "direction", "Inbound");
    cJSON_AddNumberToObject(o, "priority", r->priority);
    cJSON_AddItemToObject(o, "protocol", proto_json(r->proto));
    add_sides(o, &r->src, &r->sports, &r->dst, &r->dports);
    if (r->description)
        cJSON_AddStringToObject(o, "description", r->description);
    add_extra(o, r->extra);
    return o;
}

static cJSON *rec_json(const struct nsg_plan_rec *rec)
{
    cJSON *o = cJSON_CreateObject(), *r = cJSON_CreateObject();
    cJSON *slots = cJSON_CreateArray(), *rules = cJSON_CreateArray();
    cJSON_AddStringToObject(o, "nsg", rec->nsg_name);
    cJSON_AddStringToObject(o, "nsg_id", rec->nsg_id);
    cJSON_AddStringToObject(r, "name", rec->r.name);
    cJSON_AddNumberToObject(r, "priority", rec->r.priority);
    cJSON_AddItemToObject(r, "protocol", proto_json(rec->r.proto));
    add_sides(r, &rec->r.src, &rec->r.sports, &rec->r.dst, &rec->r.dports);
    cJSON_AddItemToObject(o, "replaces", r);
    cJSON_AddItemToObject(o, "ports", hd_ports_json(&rec->ports));
    for (size_t i = 0; i < rec->n_slots; i++)
        cJSON_AddItemToArray(slots, cJSON_CreateNumber(rec->slots[i]));
    cJSON_AddItemToObject(o, "free_priorities", slots);
    cJSON *nics = cJSON_AddArrayToObject(o, "nics");
    for (size_t i = 0; i < rec->n_nics; i++)
        cJSON_AddItemToArray(nics, cJSON_CreateString(rec->nics[i]));
    for (size_t i = 0; i < rec->n_rules; i++)
        cJSON_AddItemToArray(rules, rule_json(&rec->rules[i]));
    cJSON_AddItemToObject(o, "rules", rules);
    add_extra(o, rec->extra);
    return o;
}

cJSON *nsg_plan_to_json(const struct nsg_plan *p)
{
    cJSON *o = cJSON_CreateObject(), *c = cJSON_CreateObject(),
          *w = cJSON_CreateObject(), *nsgs = cJSON_CreateArray(),
          *nics = cJSON_CreateArray(), *recs = cJSON_CreateArray();

    cJSON_AddNumberToObject(o, "nsgproof_plan", NSG_PLAN_FORMAT);
    cJSON_AddItemToObject(o, "created_at", hd_time_json(p->created_at));
    cJSON_AddStringToObject(c, "dir", p->corpus_dir ? p->corpus_dir : "");
    cJSON_AddNumberToObject(c, "generation", (double)p->generation);
    cJSON_AddItemToObject(o, "corpus", c);
    cJSON_AddItemToObject(w, "start", hd_time_json(p->window_start));
    cJSON_AddItemToObject(w, "end", hd_time_json(p->window_end));
    cJSON_AddItemToObject(o, "window", w);
    cJSON_AddItemToObject(o, "settings", p->settings
                                             ? cJSON_Duplicate(p->settings, 1)
                                             : cJSON_CreateObject());
    for (size_t i = 0; i < p->n_nsgs; i++) {
        const struct nsg_plan_nsg *n = &p->nsgs[i];
        cJSON *e = cJSON_CreateObject();
        cJSON_AddStringToObject(e, "name", n->name);
        cJSON_AddStringToObject(e, "id", n->id);
        cJSON_AddStringToObject(e, "resource_group",
                                n->resource_group ? n->resource_group : "");
        if (n->etag)
            cJSON_AddStringToObject(e, "etag", n->etag);
        else
            cJSON_AddNullToObject(e, "etag");
        cJSON_AddItemToObject(e, "captured_at", hd_time_json(n->captured_at));
        cJSON_AddStringToObject(e, "object", n->object);
        cJSON_AddItemToArray(nsgs, e);
    }
    cJSON_AddItemToObject(o, "nsgs", nsgs);
    for (size_t i = 0; i < p->n_nics; i++) {
        const struct nsg_plan_nic *n = &p->nics[i];
        cJSON *e = cJSON_CreateObject(), *a = cJSON_CreateArray();
        char ip[NSG_IP_STRLEN];
        cJSON_AddStringToObject(e, "name", n->name);
        cJSON_AddStringToObject(e, "id", n->id ? n->id : "");
        cJSON_AddStringToObject(e, "status", n->status ? n->status : "");
        for (size_t k = 0; k < n->n_addrs; k++) {
            nsg_ip_format(&n->addrs[k], ip);
            cJSON_AddItemToArray(a, cJSON_CreateString(ip));
        }
        cJSON_AddItemToObject(e, "addresses", a);
        add_extra(e, n->extra);
        cJSON_AddItemToArray(nics, e);
    }
    cJSON_AddItemToObject(o, "nics", nics);
    for (size_t i = 0; i < p->n_recs; i++)
        cJSON_AddItemToArray(recs, rec_json(&p->recs[i]));
    cJSON_AddItemToObject(o, "recommendations", recs);
    if (p->alerts)
        cJSON_AddItemToObject(o, "alerts", cJSON_Duplicate(p->alerts, 1));
    add_extra(o, p->extra);
    return o;
}

/* ---- reading ------------------------------------------------------------ */

/* A reader with the JSON path of the value being read. */
struct rd {
    const char *where;
    char path[256];
    struct nsg_err *err;
};

static nsg_rc bad(struct rd *r, const char *key, const char *fmt, ...)
    NSG_PRINTF(3, 4);
static nsg_rc bad(struct rd *r, const char *key, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    return nsg_err_set(r->err, NSG_E_INPUT, "%s: %s%s%s: %s", r->where,
                       r->path, key ? "." : "", key ? key : "", msg);
}

/* Enter a member or index (restore with leave). */
static size_t enter(struct rd *r, const char *key, int index)
{
    size_t len = strlen(r->path);
    if (key)
        snprintf(r->path + len, sizeof(r->path) - len, ".%s", key);
    else
        snprintf(r->path + len, sizeof(r->path) - len, "[%d]", index);
    return len;
}

static void leave(struct rd *r, size_t len)
{
    r->path[len] = '\0';
}

static const cJSON *member(const cJSON *o, const char *key)
{
    return cJSON_GetObjectItemCaseSensitive(o, key);
}

static nsg_rc get_str(struct rd *r, const cJSON *o, const char *key,
                      bool required, char **out)
{
    const cJSON *v = member(o, key);
    *out = NULL;
    if (!v || cJSON_IsNull(v)) {
        if (required)
            return bad(r, key, "missing (a string is required)");
        return NSG_OK;
    }
    if (!cJSON_IsString(v))
        return bad(r, key, "must be a string");
    *out = nsg_xstrdup(v->valuestring);
    return NSG_OK;
}

static nsg_rc get_int(struct rd *r, const cJSON *o, const char *key,
                      long min, long max, long *out)
{
    const cJSON *v = member(o, key);
    if (!cJSON_IsNumber(v) || v->valuedouble != (double)(long)v->valuedouble ||
        v->valuedouble < (double)min || v->valuedouble > (double)max)
        return bad(r, key, "must be a whole number %ld-%ld", min, max);
    *out = (long)v->valuedouble;
    return NSG_OK;
}

static nsg_rc get_time(struct rd *r, const cJSON *o, const char *key,
                       int64_t *out)
{
    const cJSON *v = member(o, key);
    if (!cJSON_IsString(v) || nsg_corpus_time_parse(v->valuestring, out, NULL))
        return bad(r, key, "must be a time such as \"2026-11-20T13:00:00Z\"");
    return NSG_OK;
}

static nsg_rc get_strv(struct rd *r, const cJSON *o, const char *key,
                       char ***out, size_t *n)
{
    const cJSON *v = member(o, key), *e;
    *out = NULL;
    *n = 0;
    if (!v)
        return NSG_OK;
    if (!cJSON_IsArray(v))
        return bad(r, key, "must be an array of strings");
    *out = nsg_xcalloc((size_t)cJSON_GetArraySize(v) + 1, sizeof(char *));
    cJSON_ArrayForEach(e, v)
    {
        if (!cJSON_IsString(e)) {
            nsg_rc rc = bad(r, key, "item %zu must be a string", *n);
            hd_strv_free(*out, *n);
            *out = NULL;
            *n = 0;
            return rc;
        }
        (*out)[(*n)++] = nsg_xstrdup(e->valuestring);
    }
    return NSG_OK;
}

static nsg_rc get_ports(struct rd *r, const cJSON *o, const char *key,
                        struct nsg_plan_ports *out)
{
    const cJSON *v = member(o, key), *e;
    out->n = 0;
    out->r = NULL;
    if (!cJSON_IsArray(v) || !cJSON_GetArraySize(v))
        return bad(r, key, "must be a non-empty array of ports (\"22\", "
                           "\"8000-8100\", \"*\")");
    out->r = nsg_xcalloc((size_t)cJSON_GetArraySize(v), sizeof(*out->r));
    cJSON_ArrayForEach(e, v)
    {
        char buf[16];
        const char *s = cJSON_IsString(e) ? e->valuestring : NULL;
        if (cJSON_IsNumber(e)) {
            snprintf(buf, sizeof(buf), "%.0f", e->valuedouble);
            s = buf;
        }
        if (!s || nsg_portrange_parse(s, &out->r[out->n])) {
            nsg_plan_ports_release(out);
            return bad(r, key, "item %d is not a port or port range",
                       cJSON_GetArraySize(v) ? (int)out->n : 0);
        }
        out->n++;
    }
    return NSG_OK;
}

static nsg_rc get_proto(struct rd *r, const cJSON *o, const char *key,
                        int *out)
{
    const cJSON *v = member(o, key);
    *out = cJSON_IsString(v) ? nsg_proto_parse(v->valuestring) : -2;
    if (*out == -2)
        return bad(r, key, "must be a protocol (\"Tcp\", \"Udp\", \"*\", "
                           "\"Icmp\", ...)");
    return NSG_OK;
}

/* One side: NAME (addresses) and NAME_asgs. */
static nsg_rc get_side(struct rd *r, const cJSON *o, const char *key,
                       struct nsg_plan_side *s)
{
    char ak[64];
    nsg_rc rc = get_strv(r, o, key, &s->addrs, &s->n_addrs);
    snprintf(ak, sizeof(ak), "%s_asgs", key);
    if (!rc)
        rc = get_strv(r, o, ak, &s->asgs, &s->n_asgs);
    if (!rc && !s->n_addrs && !s->n_asgs)
        rc = bad(r, key, "is empty: give addresses (\"*\", CIDRs, a tag) "
                         "or %s",
                 ak);
    return rc;
}

/* Members of o that are not in known[] (owned copy, NULL when none). */
static cJSON *extras(const cJSON *o, const char *const *known)
{
    cJSON *x = NULL;
    const cJSON *e;
    cJSON_ArrayForEach(e, o)
    {
        bool k = false;
        for (size_t i = 0; known[i] && !k; i++)
            k = e->string && !strcmp(e->string, known[i]);
        if (k || !e->string)
            continue;
        if (!x)
            x = cJSON_CreateObject();
        cJSON_AddItemToObject(x, e->string, cJSON_Duplicate(e, 1));
    }
    return x;
}

static nsg_rc read_rule(struct rd *r, const cJSON *o, struct nsg_plan_rule *pr)
{
    static const char *const known[] = {
        "name",        "access",           "origin",
        "modified",    "direction",        "priority",
        "protocol",    "source",           "source_asgs",
        "source_ports", "destination",     "destination_asgs",
        "destination_ports", "description", NULL};
    char *s = NULL;
    long prio = 0;
    nsg_rc rc;

    if (!cJSON_IsObject(o))
        return bad(r, NULL, "must be an object");
    rc = get_str(r, o, "name", true, &pr->name);
    if (!rc)
        rc = get_str(r, o, "access", true, &s);
    if (!rc) {
        if (!strcasecmp(s, "allow"))
            pr->access = NSG_ALLOW;
        else if (!strcasecmp(s, "deny"))
            pr->access = NSG_DENY;
        else
            rc = bad(r, "access", "must be \"Allow\" or \"Deny\"");
    }
    free(s);
    s = NULL;
    if (!rc)
        rc = get_str(r, o, "origin", false, &s);
    if (!rc) {
        if (!s || !strcmp(s, "recommended"))
            pr->origin = NSG_PLAN_RECOMMENDED;
        else if (!strcmp(s, "platform"))
            pr->origin = NSG_PLAN_PLATFORM;
        else if (!strcmp(s, "added"))
            pr->origin = NSG_PLAN_ADDED;
        else
            rc = bad(r, "origin",
                     "must be \"recommended\", \"platform\" or \"added\"");
    }
    free(s);
    s = NULL;
    pr->modified = cJSON_IsTrue(member(o, "modified"));
    if (!rc)
        rc = get_str(r, o, "direction", false, &s);
    if (!rc && s && strcasecmp(s, "Inbound"))
        rc = bad(r, "direction", "plans change inbound rules only");
    free(s);
    if (!rc)
        rc = get_int(r, o, "priority", 100, 4096, &prio);
    pr->priority = (int)prio;
    if (!rc)
        rc = get_proto(r, o, "protocol", &pr->proto);
    if (!rc)
        rc = get_side(r, o, "source", &pr->src);
    if (!rc)
        rc = get_side(r, o, "destination", &pr->dst);
    if (!rc && member(o, "source_ports")) {
        rc = get_ports(r, o, "source_ports", &pr->sports);
    } else if (!rc) { /* absent: any source port */
        struct nsg_portrange any = {0, 65535};
        hd_ports_copy(&pr->sports, &any, 1);
    }
    if (!rc)
        rc = get_ports(r, o, "destination_ports", &pr->dports);
    if (!rc)
        rc = get_str(r, o, "description", false, &pr->description);
    if (!rc)
        pr->extra = extras(o, known);
    return rc;
}

static nsg_rc read_replaced(struct rd *r, const cJSON *o,
                            struct nsg_plan_replaced *x)
{
    long prio = 0;
    nsg_rc rc;
    if (!cJSON_IsObject(o))
        return bad(r, NULL, "must be an object (the replaced rule)");
    rc = get_str(r, o, "name", true, &x->name);
    if (!rc)
        rc = get_int(r, o, "priority", 100, 4096, &prio);
    x->priority = (int)prio;
    if (!rc)
        rc = get_proto(r, o, "protocol", &x->proto);
    if (!rc)
        rc = get_side(r, o, "source", &x->src);
    if (!rc)
        rc = get_side(r, o, "destination", &x->dst);
    if (!rc)
        rc = get_ports(r, o, "source_ports", &x->sports);
    if (!rc)
        rc = get_ports(r, o, "destination_ports", &x->dports);
    return rc;
}

static nsg_rc read_array(struct rd *r, const cJSON *o, const char *key,
                         size_t sz, void **items, size_t *n,
                         nsg_rc (*fn)(struct rd *, const cJSON *, void *));
static nsg_rc rd_rule(struct rd *r, const cJSON *o, void *x)
{
    return read_rule(r, o, x);
}

static nsg_rc read_rec(struct rd *r, const cJSON *o, struct nsg_plan_rec *rec)
{
    static const char *const known[] = {
        "nsg", "nsg_id", "replaces", "ports", "free_priorities", "nics",
        "rules", NULL};
    const cJSON *v, *e;
    size_t len;
    nsg_rc rc;

    if (!cJSON_IsObject(o))
        return bad(r, NULL, "must be an object");
    rc = get_str(r, o, "nsg", true, &rec->nsg_name);
    if (!rc)
        rc = get_str(r, o, "nsg_id", true, &rec->nsg_id);
    if (!rc) {
        len = enter(r, "replaces", 0);
        rc = read_replaced(r, member(o, "replaces"), &rec->r);
        leave(r, len);
    }
    if (!rc)
        rc = get_ports(r, o, "ports", &rec->ports);
    v = member(o, "free_priorities");
    if (!rc && !cJSON_IsArray(v))
        rc = bad(r, "free_priorities", "must be an array of priorities");
    if (!rc) {
        rec->slots = nsg_xcalloc((size_t)cJSON_GetArraySize(v) + 1,
                                 sizeof(int));
        cJSON_ArrayForEach(e, v)
        {
            if (!cJSON_IsNumber(e) || e->valuedouble < 100 ||
                e->valuedouble > 4096 ||
                e->valuedouble != (double)(int)e->valuedouble) {
                rc = bad(r, "free_priorities",
                         "item %zu must be a priority 100-4096",
                         rec->n_slots);
                break;
            }
            rec->slots[rec->n_slots++] = e->valueint;
        }
    }
    if (!rc)
        rc = get_strv(r, o, "nics", &rec->nics, &rec->n_nics);
    if (!rc)
        rc = read_array(r, o, "rules", sizeof(*rec->rules),
                        (void **)&rec->rules, &rec->n_rules, rd_rule);
    if (!rc)
        rec->extra = extras(o, known);
    return rc;
}

static nsg_rc read_nic(struct rd *r, const cJSON *o, struct nsg_plan_nic *n)
{
    static const char *const known[] = {"name", "id", "status", "addresses",
                                        NULL};
    char **a = NULL;
    size_t na = 0;
    nsg_rc rc;
    if (!cJSON_IsObject(o))
        return bad(r, NULL, "must be an object");
    rc = get_str(r, o, "name", true, &n->name);
    if (!rc)
        rc = get_str(r, o, "id", false, &n->id);
    if (!rc)
        rc = get_str(r, o, "status", false, &n->status);
    if (!rc)
        rc = get_strv(r, o, "addresses", &a, &na);
    if (!rc) {
        n->addrs = nsg_xcalloc(na + 1, sizeof(*n->addrs));
        for (size_t i = 0; i < na && !rc; i++) {
            if (nsg_ip_parse(a[i], &n->addrs[i]))
                rc = bad(r, "addresses", "'%s' is not an IP address", a[i]);
            else
                n->n_addrs++;
        }
    }
    hd_strv_free(a, na);
    if (!rc)
        n->extra = extras(o, known);
    return rc;
}

static nsg_rc read_nsg(struct rd *r, const cJSON *o, struct nsg_plan_nsg *n)
{
    char *obj = NULL;
    nsg_rc rc;
    if (!cJSON_IsObject(o))
        return bad(r, NULL, "must be an object");
    rc = get_str(r, o, "id", true, &n->id);
    if (!rc)
        rc = get_str(r, o, "name", true, &n->name);
    if (!rc)
        rc = get_str(r, o, "resource_group", false, &n->resource_group);
    if (!rc)
        rc = get_str(r, o, "etag", false, &n->etag);
    if (!rc)
        rc = get_time(r, o, "captured_at", &n->captured_at);
    if (!rc)
        rc = get_str(r, o, "object", true, &obj);
    if (!rc && (strlen(obj) != 64 || strspn(obj, "0123456789abcdef") != 64))
        rc = bad(r, "object", "must be the SHA-256 (64 hex digits) of the "
                              "NSG's corpus object");
    if (!rc)
        memcpy(n->object, obj, 65);
    free(obj);
    return rc;
}

/* Read the array `key` of o with fn into *items (elements of size sz). */
static nsg_rc read_array(struct rd *r, const cJSON *o, const char *key,
                         size_t sz, void **items, size_t *n,
                         nsg_rc (*fn)(struct rd *, const cJSON *, void *))
{
    const cJSON *v = member(o, key), *e;
    int i = 0;
    nsg_rc rc = NSG_OK;
    *items = NULL;
    *n = 0;
    if (!cJSON_IsArray(v))
        return bad(r, key, "must be an array");
    *items = nsg_xcalloc((size_t)cJSON_GetArraySize(v) + 1, sz);
    cJSON_ArrayForEach(e, v)
    {
        size_t len = strlen(r->path);
        snprintf(r->path + len, sizeof(r->path) - len, ".%s[%d]", key, i++);
        rc = fn(r, e, (char *)*items + *n * sz);
        (*n)++;
        leave(r, len);
        if (rc)
            break;
    }
    return rc;
}

static nsg_rc rd_rec(struct rd *r, const cJSON *o, void *x)
{
    return read_rec(r, o, x);
}
static nsg_rc rd_nic(struct rd *r, const cJSON *o, void *x)
{
    return read_nic(r, o, x);
}
static nsg_rc rd_nsg(struct rd *r, const cJSON *o, void *x)
{
    return read_nsg(r, o, x);
}

/* settings.exclude_sources.prefixes -> p->exclude */
static nsg_rc read_exclude(struct rd *r, struct nsg_plan *p)
{
    const cJSON *ex = member(p->settings, "exclude_sources");
    const cJSON *pf = member(ex, "prefixes"), *e;
    cJSON_ArrayForEach(e, pf)
    {
        struct nsg_cidr c;
        if (!cJSON_IsString(e) || nsg_cidr_parse(e->valuestring, &c))
            return bad(r, "settings.exclude_sources.prefixes",
                       "every item must be a CIDR");
        nsg_addrset_add_cidr(&p->exclude, &c);
    }
    return NSG_OK;
}

nsg_rc nsg_plan_from_json(const cJSON *j, const char *where,
                          struct nsg_plan **out, struct nsg_err *err)
{
    static const char *const known[] = {
        "nsgproof_plan", "created_at", "corpus", "window", "settings",
        "nsgs", "nics", "recommendations", "alerts", NULL};
    struct rd r = {where, "$", err};
    struct nsg_plan *p = nsg_xcalloc(1, sizeof(*p));
    const cJSON *c = member(j, "corpus"), *w = member(j, "window");
    long fmt = 0, gen = 0;
    nsg_rc rc;

    *out = NULL;
    if (!cJSON_IsObject(j)) {
        nsg_plan_free(p);
        return bad(&r, NULL, "not a plan (a JSON object with "
                             "\"nsgproof_plan\": 1)");
    }
    rc = get_int(&r, j, "nsgproof_plan", 1, 1000, &fmt);
    if (!rc && fmt != NSG_PLAN_FORMAT)
        rc = bad(&r, "nsgproof_plan",
                 "format %ld: this nsgproof reads format %d", fmt,
                 NSG_PLAN_FORMAT);
    if (!rc)
        rc = get_time(&r, j, "created_at", &p->created_at);
    if (!rc && !cJSON_IsObject(c))
        rc = bad(&r, "corpus", "must be an object {dir, generation}");
    if (!rc) {
        size_t len = enter(&r, "corpus", 0);
        rc = get_str(&r, c, "dir", false, &p->corpus_dir);
        if (!rc)
            rc = get_int(&r, c, "generation", 0, 1L << 52, &gen);
        p->generation = gen;
        leave(&r, len);
    }
    if (!rc && !cJSON_IsObject(w))
        rc = bad(&r, "window", "must be an object {start, end}");
    if (!rc) {
        size_t len = enter(&r, "window", 0);
        rc = get_time(&r, w, "start", &p->window_start);
        if (!rc)
            rc = get_time(&r, w, "end", &p->window_end);
        leave(&r, len);
    }
    if (!rc) {
        const cJSON *s = member(j, "settings");
        if (s && !cJSON_IsObject(s))
            rc = bad(&r, "settings", "must be an object");
        p->settings = s ? cJSON_Duplicate(s, 1) : cJSON_CreateObject();
    }
    if (!rc)
        rc = read_exclude(&r, p);
    if (!rc)
        rc = read_array(&r, j, "nsgs", sizeof(*p->nsgs), (void **)&p->nsgs,
                        &p->n_nsgs, rd_nsg);
    if (!rc)
        rc = read_array(&r, j, "nics", sizeof(*p->nics), (void **)&p->nics,
                        &p->n_nics, rd_nic);
    if (!rc)
        rc = read_array(&r, j, "recommendations", sizeof(*p->recs),
                        (void **)&p->recs, &p->n_recs, rd_rec);
    if (!rc && member(j, "alerts"))
        p->alerts = cJSON_Duplicate(member(j, "alerts"), 1);
    if (!rc)
        p->extra = extras(j, known);
    if (!rc)
        rc = nsg_plan_validate(p, where, err);
    if (rc) {
        nsg_plan_free(p);
        return rc;
    }
    *out = p;
    return NSG_OK;
}

nsg_rc nsg_plan_load(const char *path, struct nsg_plan **out,
                     struct nsg_err *err)
{
    struct nsg_buf b = NSG_BUF_INIT;
    cJSON *j;
    nsg_rc rc = nsg_buf_read_file(&b, path, 256u << 20, err);
    *out = NULL;
    if (rc)
        return rc;
    j = cJSON_ParseWithLength(b.buf, b.len);
    if (!j) {
        rc = nsg_err_set(err, NSG_E_INPUT, "%s: not valid JSON", path);
    } else {
        rc = nsg_plan_from_json(j, path, out, err);
    }
    cJSON_Delete(j);
    nsg_buf_release(&b);
    return rc;
}

nsg_rc hd_write_atomic(const char *path, const char *text,
                       struct nsg_err *err)
{
    char *tmp = g_strdup_printf("%s.tmp-%ld", path, (long)getpid());
    char *dir = g_path_get_dirname(path);
    size_t len = strlen(text), off = 0;
    nsg_rc rc = NSG_OK;
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);

    if (fd < 0) {
        rc = nsg_err_set(err, NSG_E_IO, "cannot create %s: %s", tmp,
                         strerror(errno));
        goto out;
    }
    while (off < len) {
        ssize_t w = write(fd, text + off, len - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            rc = nsg_err_set(err, NSG_E_IO, "cannot write %s: %s", tmp,
                             strerror(errno));
            break;
        }
        off += (size_t)w;
    }
    if (!rc && fsync(fd))
        rc = nsg_err_set(err, NSG_E_IO, "cannot sync %s: %s", tmp,
                         strerror(errno));
    if (close(fd) && !rc)
        rc = nsg_err_set(err, NSG_E_IO, "cannot close %s: %s", tmp,
                         strerror(errno));
    if (!rc && rename(tmp, path))
        rc = nsg_err_set(err, NSG_E_IO, "cannot rename %s to %s: %s", tmp,
                         path, strerror(errno));
    if (rc) {
        unlink(tmp);
    } else {
        int dfd = open(dir, O_RDONLY | O_DIRECTORY);
        if (dfd >= 0) {
            (void)fsync(dfd);
            close(dfd);
        }
    }
out:
    g_free(tmp);
    g_free(dir);
    return rc;
}

nsg_rc nsg_plan_save(const struct nsg_plan *p, const char *path,
                     struct nsg_err *err)
{
    cJSON *j = nsg_plan_to_json(p);
    char *s = cJSON_Print(j);
    struct nsg_buf b = NSG_BUF_INIT;
    nsg_rc rc;
    nsg_buf_adds(&b, s);
    nsg_buf_adds(&b, "\n");
    rc = hd_write_atomic(path, b.buf, err);
    nsg_buf_release(&b);
    free(s);
    cJSON_Delete(j);
    return rc;
}
