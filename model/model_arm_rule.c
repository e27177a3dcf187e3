/* model_arm_rule.c - parses NSGs and their security rules (ARM or az shape)
 * into the model, with Azure's validation: priorities 100-4096 unique per
 * direction, unique names, no rule mixing IPv4 and IPv6. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "model_int.h"

/* ---- address items ------------------------------------------------------ */

/* A plausible service tag name: a letter, then letters, digits, dots,
 * dashes, underscores ("Storage.WestUS", "AzureCloud.eastus"). */
static bool is_tag_name(const char *s)
{
    if (!isalpha((unsigned char)*s))
        return false;
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && !strchr("._-", *s))
            return false;
    return true;
}

/* Text that someone meant as an address or prefix (so a parse failure is
 * a bad address, not an unknown tag). */
static bool looks_like_ip(const char *s)
{
    return isdigit((unsigned char)*s) || strchr(s, ':') || strchr(s, '/');
}

/* b->text may not be set yet: btext is its text. */
static bool same_item(const struct nsg_addr_item *a,
                      const struct nsg_addr_item *b, const char *btext)
{
    if (a->kind != b->kind)
        return false;
    if (a->kind == NSG_ADDR_ANY)
        return true;
    if (a->kind == NSG_ADDR_TAG)
        return !strcasecmp(a->text, btext);
    return a->cidr.family == b->cidr.family && a->cidr.len == b->cidr.len &&
           a->cidr.v == b->cidr.v;
}

/* Append one address string to a side (dropping duplicates); plural: it
 * comes from the plural field (lint: tags belong in the singular one). */
static nsg_rc add_addr(const char *s, const char *where, bool plural,
                       struct nsg_addr_item **items, size_t *n,
                       struct nsg_err *err)
{
    struct nsg_addr_item it = {0};
    nsg_rc rc;

    it.plural = plural;
    if (!strcmp(s, "*")) {
        it.kind = NSG_ADDR_ANY;
    } else if (looks_like_ip(s)) {
        rc = nsg_model_cidr(s, where, &it.cidr, err);
        if (rc)
            return rc;
        it.kind = NSG_ADDR_CIDR;
    } else if (is_tag_name(s)) {
        it.kind = NSG_ADDR_TAG;
    } else {
        return nsg_model_json_fail(
            err, where,
            "\"%s\" is not an address prefix, \"*\" or a "
            "service tag name%s",
            s,
            strncmp(s, "System.Collections.", 19)
                ? ""
                : " (PowerShell's type name in place of the "
                  "list: export with ConvertTo-Json -Depth "
                  "10)");
    }
    for (size_t i = 0; i < *n; i++)
        if (same_item(&(*items)[i], &it, s))
            return NSG_OK;
    it.text = nsg_xstrdup(s);
    *items = nsg_xrealloc(*items, (*n + 1) * sizeof(**items));
    (*items)[(*n)++] = it;
    return NSG_OK;
}

/* The strings of an address array ("" entries are unused slots). */
static nsg_rc addr_array(const cJSON *arr, const char *path, bool plural,
                         struct nsg_addr_item **items, size_t *n,
                         struct nsg_err *err)
{
    char pi[NSG_JPATH_MAX];
    const char *s;
    nsg_rc rc;

    for (size_t i = 0; i < (size_t)cJSON_GetArraySize(arr); i++) {
        rc = nsg_model_json_arr_str(arr, i, path, &s, err);
        if (rc)
            return rc;
        nsg_model_jpath_idx(pi, path, i);
        if (*s && (rc = add_addr(s, pi, plural, items, n, err)))
            return rc;
    }
    return NSG_OK;
}

/* One side's addresses: the singular field ("" = unused), the plural
 * field ([] = unused), both merged when both are filled.  PowerShell's
 * objects (Get-AzNetworkSecurityGroup | ConvertTo-Json) hold a list in the
 * singular field: accepted like the plural. */
static nsg_rc side_addrs(const cJSON *p, const char *pw, const char *one,
                         const char *many, struct nsg_addr_item **items,
                         size_t *n, struct nsg_err *err)
{
    const char *s;
    const cJSON *arr = nsg_model_json_field(p, one);
    char path[NSG_JPATH_MAX];
    nsg_rc rc;

    nsg_model_jpath_key(path, pw, one);
    if (cJSON_IsArray(arr)) {
        if ((rc = addr_array(arr, path, false, items, n, err)))
            return rc;
    } else {
        if ((rc = nsg_model_json_str(p, one, pw, false, &s, err)))
            return rc;
        if (s && *s && (rc = add_addr(s, path, false, items, n, err)))
            return rc;
    }
    rc = nsg_model_json_arr(p, many, pw, false, &arr, err);
    if (rc || !arr)
        return rc;
    nsg_model_jpath_key(path, pw, many);
    return addr_array(arr, path, true, items, n, err);
}

/* ---- ports -------------------------------------------------------------- */

static nsg_rc add_port(const cJSON *j, const char *where, const char *field,
                       struct nsg_portrange **v, size_t *n, struct nsg_err *err)
{
    char num[32];
    const char *s;
    struct nsg_portrange pr;

    if (cJSON_IsNumber(j)) {
        snprintf(num, sizeof(num), "%.17g", j->valuedouble);
        s = num;
    } else if (cJSON_IsString(j)) {
        s = j->valuestring;
        if (!*s)
            return NSG_OK; /* the unused one of singular/plural */
    } else {
        return nsg_model_json_fail(err, where,
                                   "expected a port range string, got %s",
                                   nsg_model_json_kind(j));
    }
    if (nsg_portrange_parse(s, &pr))
        return nsg_model_json_fail(
            err, where,
            "%s \"%s\" is not a port or port range (0-65535, "
            "\"lo-hi\" with lo <= hi, or \"*\")",
            field, s);
    for (size_t i = 0; i < *n; i++)
        if ((*v)[i].lo == pr.lo && (*v)[i].hi == pr.hi)
            return NSG_OK;
    *v = nsg_xrealloc(*v, (*n + 1) * sizeof(**v));
    (*v)[(*n)++] = pr;
    return NSG_OK;
}

static nsg_rc side_ports(const cJSON *p, const char *pw, const char *one,
                         const char *many, struct nsg_portrange **v, size_t *n,
                         struct nsg_err *err)
{
    const cJSON *j = nsg_model_json_field(p, one), *arr, *el;
    char path[NSG_JPATH_MAX], pi[NSG_JPATH_MAX];
    size_t i = 0;
    nsg_rc rc;

    nsg_model_jpath_key(path, pw, one);
    if (cJSON_IsArray(j)) { /* PowerShell: a list in the singular field */
        cJSON_ArrayForEach(el, j)
        {
            nsg_model_jpath_idx(pi, path, i++);
            if ((rc = add_port(el, pi, one, v, n, err)))
                return rc;
        }
        i = 0;
    } else if (j && (rc = add_port(j, path, one, v, n, err))) {
        return rc;
    }
    rc = nsg_model_json_arr(p, many, pw, false, &arr, err);
    if (rc || !arr)
        return rc;
    nsg_model_jpath_key(path, pw, many);
    cJSON_ArrayForEach(el, arr)
    {
        nsg_model_jpath_idx(pi, path, i++);
        rc = add_port(el, pi, many, v, n, err);
        if (rc)
            return rc;
    }
    if (*n == 0)
        return nsg_model_json_fail(err, pw,
                                   "no %s: neither \"%s\" nor \"%s\" is given",
                                   one, one, many);
    return NSG_OK;
}

/* ---- one rule ------------------------------------------------------------ */

/* The families of a side's CIDRs: bit 1 IPv4, bit 2 IPv6. */
static int families(const struct nsg_addr_item *it, size_t n)
{
    int f = 0;
    for (size_t i = 0; i < n; i++)
        if (it[i].kind == NSG_ADDR_CIDR)
            f |= it[i].cidr.family == 4 ? 1 : 2;
    return f;
}

static nsg_rc rule_enums(const cJSON *p, const char *pw, bool is_default,
                         struct nsg_rule *r, struct nsg_err *err)
{
    const char *s;
    char path[NSG_JPATH_MAX];
    int64_t prio;
    nsg_rc rc;

    if ((rc = nsg_model_json_str(p, "protocol", pw, true, &s, err)))
        return rc;
    nsg_model_jpath_key(path, pw, "protocol");
    r->proto = nsg_proto_parse(s);
    if (r->proto == -2)
        return nsg_model_json_fail(
            err, path,
            "protocol \"%s\" is not one of Tcp, Udp, Icmp, "
            "Esp, Ah, Icmpv6, * (or All)",
            s);
    if ((rc = nsg_model_json_str(p, "access", pw, true, &s, err)))
        return rc;
    nsg_model_jpath_key(path, pw, "access");
    if (!strcasecmp(s, "Allow"))
        r->access = NSG_ALLOW;
    else if (!strcasecmp(s, "Deny"))
        r->access = NSG_DENY;
    else
        return nsg_model_json_fail(err, path,
                                   "access \"%s\" is not Allow or Deny", s);
    if ((rc = nsg_model_direction(p, pw, &r->dir, err)))
        return rc;
    if ((rc = nsg_model_json_int(p, "priority", pw, true, NULL, &prio, err)))
        return rc;
    nsg_model_jpath_key(path, pw, "priority");
    if (!is_default && (prio < 100 || prio > 4096))
        return nsg_model_json_fail(err, path,
                                   "priority %lld is out of range (100-4096)",
                                   (long long)prio);
    if (is_default && (prio < 100 || prio > 65535))
        return nsg_model_json_fail(err, path,
                                   "default rule priority %lld is out of range "
                                   "(100-65535)",
                                   (long long)prio);
    r->priority = (int)prio;
    return NSG_OK;
}

static nsg_rc rule_sides(const cJSON *p, const char *pw, struct nsg_rule *r,
                         struct nsg_err *err)
{
    nsg_rc rc;

    if ((rc = side_addrs(p, pw, "sourceAddressPrefix", "sourceAddressPrefixes",
                         &r->src, &r->n_src, err)) ||
        (rc = side_addrs(p, pw, "destinationAddressPrefix",
                         "destinationAddressPrefixes", &r->dst, &r->n_dst,
                         err)) ||
        (rc = nsg_model_json_refs(p, "sourceApplicationSecurityGroups", pw,
                                  &r->src_asgs, &r->n_src_asgs, err)) ||
        (rc = nsg_model_json_refs(p, "destinationApplicationSecurityGroups", pw,
                                  &r->dst_asgs, &r->n_dst_asgs, err)))
        return rc;
    if (r->n_src == 0 && r->n_src_asgs == 0)
        return nsg_model_json_fail(err, pw,
                                   "no source: none of sourceAddressPrefix, "
                                   "sourceAddressPrefixes, "
                                   "sourceApplicationSecurityGroups is given");
    if (r->n_dst == 0 && r->n_dst_asgs == 0)
        return nsg_model_json_fail(
            err, pw,
            "no destination: none of destinationAddressPrefix, "
            "destinationAddressPrefixes, "
            "destinationApplicationSecurityGroups is given");
    int f = families(r->src, r->n_src) | families(r->dst, r->n_dst);
    if (f == 3)
        return nsg_model_json_fail(
            err, pw,
            "rule '%s' mixes IPv4 and IPv6 prefixes (Azure "
            "requires one family per rule)",
            r->name);
    if ((rc = side_ports(p, pw, "sourcePortRange", "sourcePortRanges",
                         &r->sports, &r->n_sports, err)) ||
        (rc = side_ports(p, pw, "destinationPortRange", "destinationPortRanges",
                         &r->dports, &r->n_dports, err)))
        return rc;
    return NSG_OK;
}

nsg_rc nsg_model_parse_rule(const cJSON *json, bool is_default,
                            const char *where, struct nsg_rule *r,
                            struct nsg_err *err)
{
    char *id = NULL, *name = NULL, pw[NSG_JPATH_MAX];
    const cJSON *p;
    const char *desc;
    nsg_rc rc;

    memset(r, 0, sizeof(*r));
    if (!cJSON_IsObject(json))
        return nsg_model_json_fail(
            err, where, "expected a rule object, got %s%s",
            nsg_model_json_kind(json), nsg_model_json_hint(json));
    rc = nsg_model_head(json, where, &id, &name, &p, pw, err);
    if (rc)
        return rc;
    r->id = id;
    r->name = name;
    r->is_default = is_default;
    rc = rule_enums(p, pw, is_default, r, err);
    if (!rc)
        rc = rule_sides(p, pw, r, err);
    if (!rc)
        rc = nsg_model_json_str(p, "description", pw, false, &desc, err);
    if (!rc && desc && *desc)
        r->description = nsg_xstrdup(desc);
    if (rc)
        nsg_rule_release(r);
    return rc;
}

/* ---- NSG ----------------------------------------------------------------- */

static void push_rule(struct nsg_nsg *n, struct nsg_rule *r)
{
    n->rules = nsg_xrealloc(n->rules, (n->n_rules + 1) * sizeof(*n->rules));
    n->rules[n->n_rules++] = *r;
}

/* Azure's uniqueness rules among the rules of one list parsed so far
 * (a list holds rules of one kind: custom or default).  Names (ASCII,
 * any case) and (direction, priority) pairs are looked up in two tables
 * (a scan of every earlier rule made parsing a 1,000-rule NSG
 * quadratic); the earlier rule reported is the first that conflicts, its
 * name before its priority, as a scan in order would find it. */
struct uniq {
    GHashTable *names; /* lower-case name -> index + 1 */
    GHashTable *prios; /* dir << 16 | priority -> index + 1 */
};

static nsg_rc check_unique(struct uniq *u, const struct nsg_nsg *n,
                           const struct nsg_rule *r, const char *rw,
                           struct nsg_err *err)
{
    char *low = g_ascii_strdown(r->name, -1);
    gpointer pk = GSIZE_TO_POINTER(((gsize)r->dir << 16) | (gsize)(r->priority & 0xffff));
    gsize by_name = GPOINTER_TO_SIZE(g_hash_table_lookup(u->names, low));
    gsize by_prio = r->priority >= 0 && r->priority <= 0xffff
                        ? GPOINTER_TO_SIZE(g_hash_table_lookup(u->prios, pk))
                        : 0;
    if (by_prio && n->rules[by_prio - 1].priority != r->priority)
        by_prio = 0;
    if (by_name && (!by_prio || by_name <= by_prio)) {
        g_free(low);
        return nsg_model_json_fail(err, rw,
                                   "duplicate rule name '%s' in NSG '%s'",
                                   r->name, n->name);
    }
    if (by_prio) {
        const struct nsg_rule *o = &n->rules[by_prio - 1];
        g_free(low);
        return nsg_model_json_fail(
            err, rw,
            "duplicate priority %d (%s): rule '%s' and "
            "rule '%s' in NSG '%s'",
            r->priority, nsg_dir_name(r->dir), o->name, r->name, n->name);
    }
    /* r will be n->rules[n->n_rules] */
    g_hash_table_insert(u->names, low, GSIZE_TO_POINTER(n->n_rules + 1));
    if (!g_hash_table_contains(u->prios, pk))
        g_hash_table_insert(u->prios, pk, GSIZE_TO_POINTER(n->n_rules + 1));
    return NSG_OK;
}

static nsg_rc nsg_rules(struct nsg_nsg *n, const cJSON *p, const char *pw,
                        const char *key, bool is_default, size_t *count,
                        struct nsg_err *err)
{
    const cJSON *arr, *el;
    char path[NSG_JPATH_MAX], rw[NSG_JPATH_MAX];
    size_t i = 0;
    nsg_rc rc = nsg_model_json_arr(p, key, pw, false, &arr, err);
    struct uniq u;

    *count = 0;
    if (rc || !arr)
        return rc;
    u.names = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    u.prios = g_hash_table_new(g_direct_hash, g_direct_equal);
    nsg_model_jpath_key(path, pw, key);
    cJSON_ArrayForEach(el, arr)
    {
        struct nsg_rule r;
        nsg_model_jpath_idx(rw, path, i++);
        rc = nsg_model_parse_rule(el, is_default, rw, &r, err);
        if (!rc && (rc = check_unique(&u, n, &r, rw, err)))
            nsg_rule_release(&r);
        if (rc)
            break;
        push_rule(n, &r);
        (*count)++;
    }
    g_hash_table_destroy(u.names);
    g_hash_table_destroy(u.prios);
    return rc;
}

/* Do two rules match the same packets with the same access (names aside)? */
static bool items_same(const struct nsg_addr_item *a, size_t na,
                       const struct nsg_addr_item *b, size_t nb)
{
    if (na != nb)
        return false;
    for (size_t i = 0; i < na; i++) {
        if (a[i].kind != b[i].kind)
            return false;
        if (a[i].kind == NSG_ADDR_TAG && strcasecmp(a[i].text, b[i].text))
            return false;
        if (a[i].kind == NSG_ADDR_CIDR &&
            (a[i].cidr.family != b[i].cidr.family ||
             a[i].cidr.len != b[i].cidr.len || a[i].cidr.v != b[i].cidr.v))
            return false;
    }
    return true;
}

static bool ports_same(const struct nsg_portrange *a, size_t na,
                       const struct nsg_portrange *b, size_t nb)
{
    if (na != nb)
        return false;
    for (size_t i = 0; i < na; i++)
        if (a[i].lo != b[i].lo || a[i].hi != b[i].hi)
            return false;
    return true;
}

static bool rule_same(const struct nsg_rule *a, const struct nsg_rule *b)
{
    return a->access == b->access && a->proto == b->proto &&
           a->dir == b->dir && a->n_src_asgs == 0 && a->n_dst_asgs == 0 &&
           items_same(a->src, a->n_src, b->src, b->n_src) &&
           items_same(a->dst, a->n_dst, b->dst, b->n_dst) &&
           ports_same(a->sports, a->n_sports, b->sports, b->n_sports) &&
           ports_same(a->dports, a->n_dports, b->dports, b->n_dports);
}

/* Every NSG holds Azure's six default rules, and only them: Azure's
 * default rules cannot be changed, so a default rule of an export that is
 * not one of them (another access, addresses, ports, protocol, or a
 * priority Azure does not use) is replaced by Azure's, and those not
 * given (none, or a listing cut short, as effective-rule output often is)
 * are added.  A default is identified by direction and priority, so older
 * names ("DefaultOutboundDenyAll" at 65500) count as given.  Each change
 * is described in why (may be NULL). */
static void standard_defaults(struct nsg_nsg *n, struct nsg_buf *why)
{
    struct nsg_nsg *std = nsg_xcalloc(1, sizeof(*std));

    nsg_nsg_add_default_rules(std);
    for (size_t k = 0; k < n->n_rules;) {
        struct nsg_rule *r = &n->rules[k];
        const struct nsg_rule *d = NULL;
        for (size_t i = 0; i < std->n_rules && !d; i++)
            if (std->rules[i].dir == r->dir &&
                std->rules[i].priority == r->priority)
                d = &std->rules[i];
        if (!r->is_default || (d && rule_same(r, d))) {
            k++;
            continue;
        }
        if (why)
            nsg_buf_addf(why, "%sdefault rule %s (%s, priority %d) %s",
                         why->len ? "; " : "", r->name ? r->name : "?",
                         nsg_dir_name(r->dir), r->priority,
                         d ? "differs from Azure's" : "is not one of Azure's");
        nsg_rule_release(r); /* dropped: Azure's is added below */
        memmove(r, r + 1, (n->n_rules - k - 1) * sizeof(*r));
        n->n_rules--;
    }
    for (size_t i = 0; i < std->n_rules; i++) {
        const struct nsg_rule *d = &std->rules[i];
        bool have = false;
        for (size_t k = 0; k < n->n_rules && !have; k++)
            have = n->rules[k].is_default && n->rules[k].dir == d->dir &&
                   n->rules[k].priority == d->priority;
        if (have)
            continue;
        push_rule(n, &std->rules[i]); /* moved: std keeps a zeroed rule */
        memset(&std->rules[i], 0, sizeof(std->rules[i]));
    }
    nsg_nsg_free(std);
}

nsg_rc nsg_model_nsg_defaults(const cJSON *json, const char *where,
                              struct nsg_buf *why, struct nsg_err *err)
{
    struct nsg_nsg *n = nsg_xcalloc(1, sizeof(*n));
    char pw[NSG_JPATH_MAX];
    const cJSON *p;
    size_t n_def;
    char *id = NULL, *name = NULL;
    nsg_rc rc = nsg_model_head(json, where, &id, &name, &p, pw, err);
    if (!rc)
        rc = nsg_rules(n, p, pw, "defaultSecurityRules", true, &n_def, err);
    if (!rc)
        standard_defaults(n, why);
    free(id);
    free(name);
    nsg_nsg_free(n);
    return rc;
}

nsg_rc nsg_model_parse_nsg(const cJSON *json, const char *where,
                           struct nsg_nsg **out, struct nsg_err *err)
{
    struct nsg_nsg *n = nsg_xcalloc(1, sizeof(*n));
    char pw[NSG_JPATH_MAX];
    const cJSON *p;
    const char *guid;
    size_t n_user, n_def;
    nsg_rc rc;

    *out = NULL;
    rc = nsg_model_head(json, where, &n->id, &n->name, &p, pw, err);
    if (rc)
        goto out;
    n->location = nsg_model_opt_str(json, "location");
    n->etag = nsg_model_opt_str(json, "etag");
    if ((rc = nsg_model_json_str(p, "resourceGuid", pw, false, &guid, err)))
        goto out;
    n->guid = guid && *guid ? nsg_xstrdup(guid) : NULL;
    rc = nsg_rules(n, p, pw, "securityRules", false, &n_user, err);
    if (!rc)
        rc = nsg_rules(n, p, pw, "defaultSecurityRules", true, &n_def, err);
    if (rc)
        goto out;
    (void)n_user;
    (void)n_def;
    standard_defaults(n, NULL);
    rc = nsg_model_json_refs(p, "networkInterfaces", pw, &n->nic_ids,
                             &n->n_nic_ids, err);
    if (!rc)
        rc = nsg_model_json_refs(p, "subnets", pw, &n->subnet_ids,
                                 &n->n_subnet_ids, err);
out:
    if (rc)
        nsg_nsg_free(n);
    else
        *out = n;
    return rc;
}
