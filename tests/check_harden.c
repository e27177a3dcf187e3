/* check_harden.c - unit tests of harden/: the CIDR block cover (against a
 * brute-force optimum that shares no code with it), the plan document
 * (round trip, and every rule of the product refused when a hand edit
 * breaks it), the plan edits and their refusals (the plan unchanged after
 * each), generated rule names, and applying a plan to a model. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../harden/harden.h"
#include "lib/topo_build.h"

/* ---- the cover ----------------------------------------------------------- */

static struct nsg_ip ip4(const char *s)
{
    struct nsg_ip ip;
    ck_assert_int_eq(nsg_ip_parse(s, &ip), 0);
    return ip;
}

static void allowed_of(struct nsg_addrset *s, const char *cidrs)
{
    char **v = g_strsplit(cidrs, ",", -1);
    for (size_t i = 0; v[i]; i++) {
        struct nsg_cidr c;
        ck_assert_int_eq(nsg_cidr_parse(v[i], &c), 0);
        nsg_addrset_add_cidr(s, &c);
    }
    g_strfreev(v);
}

static int ipcmp(const void *a, const void *b)
{
    return nsg_ip_cmp(a, b);
}

static double total(const struct nsg_cidr *b, size_t n)
{
    double t = 0;
    for (size_t i = 0; i < n; i++)
        t += (double)(nsg_cidr_hi(&b[i]) - nsg_cidr_lo(&b[i])) + 1;
    return t;
}

/* Every address covered, every block inside allowed. */
static void check_cover(const struct nsg_ip *a, size_t n,
                        const struct nsg_addrset *allowed,
                        const struct nsg_cidr *b, size_t nb)
{
    for (size_t i = 0; i < n; i++) {
        bool in = false;
        for (size_t k = 0; k < nb && !in; k++)
            in = nsg_cidr_contains(&b[k], &a[i]);
        ck_assert_msg(in, "address %zu not covered", i);
    }
    for (size_t k = 0; k < nb; k++)
        ck_assert(nsg_addrset_covers(allowed, b[k].family, nsg_cidr_lo(&b[k]),
                                     nsg_cidr_hi(&b[k])));
}

START_TEST(cover_cluster_becomes_one_block)
{
    /* a /24 rule, eight sources in one /29: the /29 (the product's
     * example) */
    struct nsg_ip a[8];
    struct nsg_addrset allowed = NSG_ADDRSET_INIT;
    struct nsg_cidr *b = NULL;
    size_t nb = 0;
    char buf[NSG_CIDR_STRLEN];
    for (int i = 0; i < 8; i++) {
        char s[32];
        snprintf(s, sizeof(s), "140.23.30.%d", 8 + i);
        a[i] = ip4(s);
    }
    allowed_of(&allowed, "140.23.30.0/24");
    ck_assert_int_eq(nsg_harden_cover(a, 8, &allowed, 8, 4.0, &b, &nb, NULL),
                     0);
    ck_assert_uint_eq(nb, 1);
    nsg_cidr_format(&b[0], buf);
    ck_assert_str_eq(buf, "140.23.30.8/29");
    free(b);
    nsg_addrset_release(&allowed);
}
END_TEST

START_TEST(cover_tradeoff)
{
    struct nsg_ip a[3] = {ip4("10.1.2.3"), ip4("10.1.2.100"),
                          ip4("10.1.2.200")};
    struct nsg_addrset allowed = NSG_ADDRSET_INIT;
    struct nsg_cidr *b = NULL;
    size_t nb = 0;
    allowed_of(&allowed, "10.1.2.0/24");
    /* factor 1: the tightest cover within the budget: three /32s */
    ck_assert_int_eq(nsg_harden_cover(a, 3, &allowed, 8, 1.0, &b, &nb, NULL),
                     0);
    ck_assert_uint_eq(nb, 3);
    ck_assert(total(b, nb) == 3);
    free(b);
    /* a very large factor: one block (the /24) */
    ck_assert_int_eq(
        nsg_harden_cover(a, 3, &allowed, 8, 1e9, &b, &nb, NULL), 0);
    ck_assert_uint_eq(nb, 1);
    ck_assert(total(b, nb) == 256);
    check_cover(a, 3, &allowed, b, nb);
    free(b);
    /* budget 1 whatever the factor */
    ck_assert_int_eq(nsg_harden_cover(a, 3, &allowed, 1, 1.0, &b, &nb, NULL),
                     0);
    ck_assert_uint_eq(nb, 1);
    free(b);
    nsg_addrset_release(&allowed);
}
END_TEST

START_TEST(cover_respects_holes_and_refuses_outsiders)
{
    /* 10.1.2.4 is excluded: no block may contain it */
    struct nsg_ip a[2] = {ip4("10.1.2.3"), ip4("10.1.2.5")};
    struct nsg_ip out = ip4("10.9.9.9");
    struct nsg_addrset allowed = NSG_ADDRSET_INIT, hole = NSG_ADDRSET_INIT;
    struct nsg_cidr *b = NULL;
    size_t nb = 0;
    struct nsg_err err = NSG_ERR_INIT;
    allowed_of(&allowed, "10.1.2.0/24");
    allowed_of(&hole, "10.1.2.4/32");
    nsg_addrset_subtract(&allowed, &hole);
    ck_assert_int_eq(
        nsg_harden_cover(a, 2, &allowed, 8, 1e9, &b, &nb, NULL), 0);
    check_cover(a, 2, &allowed, b, nb);
    for (size_t i = 0; i < nb; i++)
        ck_assert(!nsg_cidr_contains(&b[i], &(struct nsg_ip){4, hole.r[0].lo}));
    free(b);
    ck_assert_int_eq(nsg_harden_cover(&out, 1, &allowed, 8, 4, &b, &nb, &err),
                     NSG_E_INPUT);
    ck_assert_ptr_nonnull(strstr(err.msg, "10.9.9.9"));
    nsg_addrset_release(&allowed);
    nsg_addrset_release(&hole);
}
END_TEST

START_TEST(cover_ipv6)
{
    struct nsg_ip a[2];
    struct nsg_addrset allowed = NSG_ADDRSET_INIT;
    struct nsg_cidr *b = NULL;
    size_t nb = 0;
    char buf[NSG_CIDR_STRLEN];
    ck_assert_int_eq(nsg_ip_parse("2001:db8::10", &a[0]), 0);
    ck_assert_int_eq(nsg_ip_parse("2001:db8::11", &a[1]), 0);
    allowed_of(&allowed, "2001:db8::/32");
    ck_assert_int_eq(nsg_harden_cover(a, 2, &allowed, 8, 4, &b, &nb, NULL), 0);
    ck_assert_uint_eq(nb, 1);
    nsg_cidr_format(&b[0], buf);
    ck_assert_str_eq(buf, "2001:db8::10/127");
    free(b);
    nsg_addrset_release(&allowed);
}
END_TEST

/* Brute force: the best cover of sorted a[] with at most k contiguous runs,
 * each run covered by the smallest prefix holding its ends (prefixes are
 * intervals, so an optimal cover is such a partition); INFINITY when a
 * run's prefix leaves `allowed`. */
static double brute(const struct nsg_ip *a, size_t n, long k,
                    const struct nsg_addrset *allowed)
{
    double best = INFINITY;
    for (unsigned mask = 0; mask < (1u << (n - 1)); mask++) {
        long runs = 1 + __builtin_popcount(mask);
        double t = 0;
        size_t start = 0;
        if (runs > k)
            continue;
        for (size_t i = 0; i < n && t < INFINITY; i++) {
            if (i + 1 < n && !((mask >> i) & 1))
                continue; /* the run goes on */
            uint32_t lo = (uint32_t)a[start].v, hi = (uint32_t)a[i].v;
            int len = 32;
            uint64_t mask;
            while (len > 0 && ((uint64_t)lo >> (32 - len)) !=
                                  ((uint64_t)hi >> (32 - len)))
                len--;
            mask = (0xffffffffull << (32 - len)) & 0xffffffffull;
            uint32_t net = (uint32_t)(lo & mask);
            uint32_t top = (uint32_t)(net | (~mask & 0xffffffffull));
            if (!nsg_addrset_covers(allowed, 4, net, top))
                t = INFINITY;
            else
                t += (double)top - net + 1;
            start = i + 1;
        }
        if (t < best)
            best = t;
    }
    return best;
}

START_TEST(cover_matches_brute_force)
{
    GRand *rnd = g_rand_new_with_seed(1234);
    for (int trial = 0; trial < 300; trial++) {
        size_t n = (size_t)g_rand_int_range(rnd, 1, 8);
        long K = g_rand_int_range(rnd, 1, 5);
        double factor = trial % 3 == 0 ? 1.0 : trial % 3 == 1 ? 2.0 : 16.0;
        struct nsg_ip a[8];
        struct nsg_addrset allowed = NSG_ADDRSET_INIT, hole = NSG_ADDRSET_INIT;
        struct nsg_cidr *b = NULL;
        size_t nb = 0, m = 0;
        allowed_of(&allowed, "10.0.0.0/20");
        if (trial % 2) { /* a hole the blocks must avoid */
            uint32_t h = 0x0a000000u + (uint32_t)g_rand_int_range(rnd, 0, 4096);
            nsg_addrset_add_range(&hole, 4, h, h);
            nsg_addrset_subtract(&allowed, &hole);
        }
        while (m < n) {
            uint32_t v = 0x0a000000u + (uint32_t)g_rand_int_range(rnd, 0, 4096);
            struct nsg_ip ip = {4, v};
            bool dup = false;
            for (size_t i = 0; i < m; i++)
                dup |= a[i].v == v;
            if (!dup && nsg_addrset_contains(&allowed, &ip))
                a[m++] = ip;
        }
        qsort(a, n, sizeof(a[0]), ipcmp);
        ck_assert_int_eq(
            nsg_harden_cover(a, n, &allowed, K, factor, &b, &nb, NULL), 0);
        check_cover(a, n, &allowed, b, nb);
        long kk = K < (long)n ? K : (long)n;
        while (brute(a, n, kk, &allowed) == INFINITY && kk < (long)n)
            kk = 2 * kk > (long)n ? (long)n : 2 * kk; /* as documented */
        double opt = brute(a, n, kk, &allowed);
        ck_assert_int_le((long)nb, kk);
        ck_assert_msg(total(b, nb) <= factor * opt,
                      "trial %d: %g > %g x %g", trial, total(b, nb), factor,
                      opt);
        /* the fewest blocks that meet the trade-off */
        for (long k = 1; k < (long)nb; k++)
            ck_assert_msg(brute(a, n, k, &allowed) > factor * opt,
                          "trial %d: %ld blocks would do", trial, k);
        free(b);
        nsg_addrset_release(&allowed);
        nsg_addrset_release(&hole);
    }
    g_rand_free(rnd);
}
END_TEST

/* ---- the plan document ------------------------------------------------- */

#define NSGID                                                                  \
    "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/" \
    "providers/Microsoft.Network/networkSecurityGroups/web-nsg"

/* A valid plan: R = AllowSsh (priority 200) * -> 10.0.1.0/24 tcp/22,3389;
 * allow 10.9.0.0/29 on 22 at 198, deny on 22,3389 at 199. */
static const char *base_plan =
    "{\"nsgproof_plan\": 1, \"created_at\": \"2026-11-20T00:00:00Z\","
    " \"corpus\": {\"dir\": \"/c\", \"generation\": 3},"
    " \"window\": {\"start\": \"2026-10-20T00:00:00Z\","
    "              \"end\": \"2026-11-20T00:00:00Z\"},"
    " \"settings\": {\"exclude_sources\": {\"prefixes\": [\"185.0.0.0/8\"]},"
    "               \"note\": \"hand annotation\"},"
    " \"nsgs\": [{\"id\": \"" NSGID "\", \"name\": \"web-nsg\","
    "   \"resource_group\": \"rg\", \"etag\": \"W/\\\"1\\\"\","
    "   \"captured_at\": \"2026-11-19T00:00:00Z\", \"object\": "
    "\"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\"}],"
    " \"nics\": [{\"name\": \"web-1\", \"status\": \"unhealthy\","
    "   \"addresses\": [\"10.0.1.4\"], \"reasons\": []}],"
    " \"recommendations\": [{\"nsg\": \"web-nsg\", \"nsg_id\": \"" NSGID "\","
    "   \"replaces\": {\"name\": \"AllowSsh\", \"priority\": 200,"
    "     \"protocol\": \"Tcp\", \"source\": [\"*\"], \"source_asgs\": [],"
    "     \"source_ports\": [\"*\"], \"destination\": [\"10.0.1.0/24\"],"
    "     \"destination_asgs\": [], \"destination_ports\": [\"22\", \"3389\"]},"
    "   \"ports\": [\"22\", \"3389\"], \"free_priorities\": [199, 198, 197, 196],"
    "   \"nics\": [\"web-1\"], \"learned\": {\"flows\": 7},"
    "   \"rules\": ["
    "    {\"name\": \"harden-AllowSsh-allow1\", \"access\": \"Allow\","
    "     \"origin\": \"recommended\", \"priority\": 198, \"protocol\": \"Tcp\","
    "     \"source\": [\"10.9.0.0/29\"], \"destination\": [\"10.0.1.0/24\"],"
    "     \"destination_ports\": [\"22\"], \"covers\": {\"flows\": 7}},"
    "    {\"name\": \"harden-AllowSsh-deny\", \"access\": \"Deny\","
    "     \"origin\": \"recommended\", \"priority\": 199, \"protocol\": \"Tcp\","
    "     \"source\": [\"*\"], \"source_ports\": [\"*\"],"
    "     \"destination\": [\"10.0.1.0/24\"],"
    "     \"destination_ports\": [\"22\", \"3389\"]}]}]}";

static nsg_rc parse_text(const char *text, struct nsg_plan **p,
                         struct nsg_err *err)
{
    cJSON *j = cJSON_Parse(text);
    nsg_rc rc;
    ck_assert_ptr_nonnull(j);
    rc = nsg_plan_from_json(j, "PLAN.json", p, err);
    cJSON_Delete(j);
    return rc;
}

static char *plan_text(const struct nsg_plan *p)
{
    cJSON *j = nsg_plan_to_json(p);
    char *s = cJSON_PrintUnformatted(j);
    cJSON_Delete(j);
    return s;
}

START_TEST(plan_round_trip)
{
    struct nsg_plan *p = NULL, *q = NULL;
    struct nsg_err err = NSG_ERR_INIT;
    char *a, *b;
    ck_assert_msg(!parse_text(base_plan, &p, &err), "%s", err.msg);
    ck_assert_uint_eq(p->n_recs, 1);
    ck_assert_uint_eq(p->recs[0].n_rules, 2);
    ck_assert(nsg_addrset_contains(&p->exclude, &(struct nsg_ip){4,
                                                               0xb9010203u}));
    a = plan_text(p);
    ck_assert_msg(!parse_text(a, &q, &err), "%s", err.msg);
    b = plan_text(q);
    ck_assert_str_eq(a, b);
    /* unknown members survive */
    ck_assert_ptr_nonnull(strstr(a, "hand annotation"));
    ck_assert_ptr_nonnull(strstr(a, "\"covers\""));
    free(a);
    free(b);
    nsg_plan_free(p);
    nsg_plan_free(q);
}
END_TEST

/* Replace the first `from` in base_plan by `to` and expect a refusal
 * whose message contains `want`. */
static void refused(const char *from, const char *to, const char *want)
{
    const char *at = strstr(base_plan, from);
    struct nsg_plan *p = NULL;
    struct nsg_err err = NSG_ERR_INIT;
    char *text;
    ck_assert_msg(at != NULL, "fixture has no '%s'", from);
    text = g_strdup_printf("%.*s%s%s", (int)(at - base_plan), base_plan, to,
                           at + strlen(from));
    ck_assert_int_eq(parse_text(text, &p, &err), NSG_E_INPUT);
    ck_assert_ptr_null(p);
    ck_assert_msg(strstr(err.msg, want), "'%s' not in: %s", want, err.msg);
    ck_assert_ptr_nonnull(strstr(err.msg, "PLAN.json"));
    g_free(text);
}

START_TEST(plan_hand_edits_refused)
{
    /* the deny rule cannot be modified: its source, ports, protocol */
    refused("\"source\": [\"*\"], \"source_ports\": [\"*\"],",
            "\"source\": [\"1.2.3.0/24\"], \"source_ports\": [\"*\"],",
            "cannot be modified, only deleted");
    refused("\"destination_ports\": [\"22\", \"3389\"]}]}]}",
            "\"destination_ports\": [\"22\"]}]}]}",
            "cannot be modified, only deleted");
    refused("\"priority\": 199, \"protocol\": \"Tcp\"",
            "\"priority\": 199, \"protocol\": \"Udp\"",
            "cannot be modified, only deleted");
    /* only allow rules can be added */
    refused("\"origin\": \"recommended\", \"priority\": 199",
            "\"origin\": \"added\", \"priority\": 199",
            "only allow rules can be added");
    /* placement */
    refused("\"priority\": 198", "\"priority\": 150", "free priorities");
    refused("\"priority\": 198", "\"priority\": 199", "same priority");
    refused("[199, 198, 197, 196]", "[199, 198, 197, 196, 201]",
            "not above the replaced rule");
    /* names, addresses, format */
    refused("harden-AllowSsh-allow1", "-bad-name", "valid Azure rule name");
    refused("\"source\": [\"10.9.0.0/29\"]",
            "\"source\": [\"10.9.0.0/29\", \"2001:db8::/64\"]",
            "cannot be mixed");
    refused("\"source\": [\"10.9.0.0/29\"]",
            "\"source\": [\"Internet\", \"10.9.0.0/29\"]", "singular");
    refused("\"source\": [\"10.9.0.0/29\"]", "\"source\": [\"10.9.0.0/33\"]",
            "not \"*\", a CIDR");
    refused("\"nsgproof_plan\": 1", "\"nsgproof_plan\": 2", "format 2");
    refused("\"access\": \"Allow\"", "\"access\": \"Maybe\"", "\"Allow\" or");
    refused("\"priority\": 198", "\"priority\": \"high\"", "priority");
    refused("\"nsg_id\": \"" NSGID "\"", "\"nsg_id\": \"/x/other\"",
            "not listed in $.nsgs");
    refused("\"ports\": [\"22\", \"3389\"], \"free",
            "\"ports\": [\"22\", \"8080\"], \"free",
            "not all within the destination ports");
}
END_TEST

START_TEST(plan_allow_after_deny_refused)
{
    /* an allow with a larger number than the deny would never match */
    const char *from = "\"priority\": 198";
    const char *at = strstr(base_plan, from);
    char *text = g_strdup_printf("%.*s\"priority\": 197%s",
                                 (int)(at - base_plan), base_plan,
                                 at + strlen(from));
    char *t2;
    struct nsg_plan *p = NULL;
    struct nsg_err err = NSG_ERR_INIT;
    /* deny at 196 (allowed slot), allow at 197 */
    at = strstr(text, "\"priority\": 199");
    t2 = g_strdup_printf("%.*s\"priority\": 196%s", (int)(at - text), text,
                         at + strlen("\"priority\": 199"));
    ck_assert_int_eq(parse_text(t2, &p, &err), NSG_E_INPUT);
    ck_assert_ptr_nonnull(strstr(err.msg, "would never match"));
    g_free(text);
    g_free(t2);
}
END_TEST

/* ---- edits ------------------------------------------------------------------ */

static struct nsg_plan *base(void)
{
    struct nsg_plan *p = NULL;
    struct nsg_err err = NSG_ERR_INIT;
    ck_assert_msg(!parse_text(base_plan, &p, &err), "%s", err.msg);
    return p;
}

/* e's refusal leaves p's document unchanged. */
static void edit_refused(nsg_rc rc, struct nsg_plan *p, const char *before,
                         const struct nsg_err *err, const char *want)
{
    char *after = plan_text(p);
    ck_assert_int_ne(rc, NSG_OK);
    ck_assert_msg(strstr(err->msg, want), "'%s' not in: %s", want, err->msg);
    ck_assert_str_eq(before, after);
    free(after);
}

START_TEST(plan_edit_refusals)
{
    struct nsg_plan *p = base();
    char *before = plan_text(p);
    char *src[] = {"10.9.0.0/28"}, *v6[] = {"10.9.0.0/28", "2001:db8::1"};
    struct nsg_plan_edit e = {src, 1, {NULL, 0}, -2, NULL};
    struct nsg_err err = NSG_ERR_INIT;
    GPtrArray *names = g_ptr_array_new_with_free_func(g_free);

    /* the deny cannot be modified */
    edit_refused(nsg_plan_modify(p, "harden-AllowSsh-deny", &e, &err), p,
                 before, &err, "cannot be modified, only deleted");
    /* an allow cannot become a deny */
    e.access = "deny";
    edit_refused(nsg_plan_modify(p, "harden-AllowSsh-allow1", &e, &err), p,
                 before, &err, "cannot become a deny");
    edit_refused(nsg_plan_add(p, "web-1", &e, names, &err), p, before, &err,
                 "only allow rules can be added");
    e.access = NULL;
    /* bad sources, protocol, nothing to change, unknown rule */
    e.sources = v6;
    e.n_sources = 2;
    edit_refused(nsg_plan_modify(p, "harden-AllowSsh-allow1", &e, &err), p,
                 before, &err, "mix IPv4 and IPv6");
    e.sources = NULL;
    e.n_sources = 0;
    edit_refused(nsg_plan_modify(p, "harden-AllowSsh-allow1", &e, &err), p,
                 before, &err, "nothing to modify");
    e.proto = NSG_PROTO_ICMP;
    edit_refused(nsg_plan_modify(p, "harden-AllowSsh-allow1", &e, &err), p,
                 before, &err, "tcp or udp");
    edit_refused(nsg_plan_modify(p, "NoSuchRule", &e, &err), p, before, &err,
                 "no rule named");
    /* add: a NIC outside the plan, ports no deny closes */
    e.proto = NSG_PROTO_TCP;
    e.sources = src;
    e.n_sources = 1;
    ck_assert_int_eq(nsg_plan_parse_ports("443", &e.ports, NULL), 0);
    edit_refused(nsg_plan_add(p, "web-9", &e, names, &err), p, before, &err,
                 "not in the plan");
    edit_refused(nsg_plan_add(p, "web-1", &e, names, &err), p, before, &err,
                 "no deny rule of the plan closes");
    nsg_plan_ports_release(&e.ports);
    /* a modified allow outside its free priorities is impossible; a valid
     * modify is accepted and marks the rule */
    ck_assert_int_eq(nsg_plan_modify(p, "web-nsg/harden-AllowSsh-allow1", &e,
                                     &err),
                     NSG_OK);
    ck_assert(p->recs[0].rules[0].modified);
    ck_assert_str_eq(p->recs[0].rules[0].src.addrs[0], "10.9.0.0/28");
    ck_assert_ptr_null(cJSON_GetObjectItem(p->recs[0].rules[0].extra,
                                           "covers"));
    free(before);
    g_ptr_array_free(names, TRUE);
    nsg_plan_free(p);
}
END_TEST

START_TEST(plan_add_and_delete)
{
    struct nsg_plan *p = base();
    char *src[] = {"10.8.0.1"};
    struct nsg_plan_edit e = {src, 1, {NULL, 0}, NSG_PROTO_TCP, "allow"};
    struct nsg_err err = NSG_ERR_INIT;
    GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
    const struct nsg_plan_rule *r;

    ck_assert_int_eq(nsg_plan_parse_ports("22,8080", &e.ports, NULL), 0);
    ck_assert_msg(!nsg_plan_add(p, "web-1", &e, names, &err), "%s", err.msg);
    ck_assert_uint_eq(names->len, 1);
    ck_assert_uint_eq(p->recs[0].n_rules, 3);
    r = &p->recs[0].rules[2];
    ck_assert_int_eq(r->access, NSG_ALLOW);
    ck_assert_int_eq(r->origin, NSG_PLAN_ADDED);
    ck_assert_int_eq(r->priority, 197); /* the free slot above the allows */
    ck_assert_str_eq(r->dst.addrs[0], "10.0.1.4"); /* the NIC's address */
    ck_assert_uint_eq(r->dports.n, 1); /* only the ports the deny closes */
    ck_assert_int_eq(r->dports.r[0].lo, 22);
    ck_assert_int_le((int)strlen(r->name), NSG_PLAN_NAME_MAX);
    /* slots run out: 196 then none */
    ck_assert_int_eq(nsg_plan_add(p, "web-1", &e, names, &err), NSG_OK);
    ck_assert_int_eq(nsg_plan_add(p, "web-1", &e, names, &err), NSG_E_INPUT);
    ck_assert_ptr_nonnull(strstr(err.msg, "no free priority"));
    /* delete: the deny may go; the recommendation goes with its last rule */
    ck_assert_int_eq(nsg_plan_delete(p, "harden-AllowSsh-deny", &err), NSG_OK);
    ck_assert_uint_eq(p->recs[0].n_rules, 3);
    ck_assert_int_eq(nsg_plan_delete(p, "harden-AllowSsh-deny", &err),
                     NSG_E_NOTFOUND);
    for (int i = 0; i < 3; i++)
        ck_assert_int_eq(nsg_plan_delete(p, p->recs[0].rules[0].name, &err),
                         NSG_OK);
    ck_assert_uint_eq(p->n_recs, 0);
    nsg_plan_ports_release(&e.ports);
    g_ptr_array_free(names, TRUE);
    nsg_plan_free(p);
}
END_TEST

/* ---- names ------------------------------------------------------------------ */

#include "../harden/names.h"

static bool taken_one(const char *name, void *ctx)
{
    return !strcmp(name, (const char *)ctx);
}

START_TEST(generated_names)
{
    char longa[101], longb[101];
    char *a, *b, *c;
    memset(longa, 'a', 100);
    longa[100] = '\0';
    memcpy(longb, longa, 101);
    longb[99] = 'b';
    a = hd_rule_name(longa, "deny", NULL, NULL);
    b = hd_rule_name(longb, "deny", NULL, NULL);
    ck_assert_int_le((int)strlen(a), NSG_PLAN_NAME_MAX);
    ck_assert_str_ne(a, b); /* cut names stay distinct */
    ck_assert_ptr_nonnull(strstr(a, "-deny"));
    c = hd_rule_name("AllowSsh", "deny", taken_one,
                     (void *)"harden-AllowSsh-deny");
    ck_assert_str_eq(c, "harden-AllowSsh-deny2");
    free(a);
    free(b);
    free(c);
    a = hd_rule_name("Allow ssh/rdp", "allow1", NULL, NULL);
    ck_assert_str_eq(a, "harden-Allow_ssh_rdp-allow1");
    free(a);
}
END_TEST

/* ---- applying a plan ------------------------------------------------------- */

static struct nsg_topology *web_topo(int r_priority, bool taken)
{
    struct nsg_topology *t = nsg_topo_new();
    struct nsg_vnet *v = tb_vnet(t, "hub", "10.0.0.0/16");
    struct nsg_nsg *n = tb_nsg(t, "web-nsg");
    ck_assert_str_eq(n->id, NSGID);
    tb_rule(n, "AllowSsh", r_priority, "in", "allow", "Tcp", "*", "*",
            "10.0.1.0/24", "22,3389");
    if (taken)
        tb_rule(n, "Other", 198, "in", "deny", "Udp", "1.1.1.1", "*", "*",
                "53");
    struct nsg_subnet *s = tb_subnet(t, v, "web", "10.0.1.0/24", n);
    tb_nic(t, "web-1", s, "10.0.1.4", "", NULL);
    tb_link(t);
    return t;
}

START_TEST(plan_apply_checks_the_model)
{
    struct nsg_plan *p = base();
    struct nsg_err err = NSG_ERR_INIT;
    struct nsg_topology *t = web_topo(200, false);
    struct nsg_sim *sim;
    struct nsg_verdict v;
    struct nsg_nic *nic = NULL;
    ck_assert_msg(!nsg_plan_apply(p, t, &err), "%s", err.msg);
    /* the simulator sees the plan: SSH from 10.9.0.1 allowed by the narrowed
     * rule, from elsewhere denied by the plan's deny, 443 untouched */
    ck_assert_int_eq(nsg_topo_find(t, NSG_RES_NIC, "web-1", (void **)&nic,
                                   NULL),
                     0);
    sim = nsg_sim_new(t);
    struct nsg_packet a = tb_packet("in", "Tcp", "10.9.0.1", 5000, "10.0.1.4",
                                    22);
    struct nsg_packet b = tb_packet("in", "Tcp", "8.8.8.8", 5000, "10.0.1.4",
                                    3389);
    ck_assert_int_eq(nsg_sim_eval_nic(sim, nic, &a, &v, NULL), 0);
    ck_assert_int_eq(v.decision, NSG_DEC_ALLOW);
    ck_assert_str_eq(v.levels[0].m.rule->rule->name, "harden-AllowSsh-allow1");
    ck_assert_int_eq(nsg_sim_eval_nic(sim, nic, &b, &v, NULL), 0);
    ck_assert_int_eq(v.decision, NSG_DEC_DENY);
    ck_assert_str_eq(v.levels[0].m.rule->rule->name, "harden-AllowSsh-deny");
    nsg_sim_free(sim);
    nsg_topo_free(t);
    /* the replaced rule changed, a priority is taken */
    t = web_topo(210, false);
    ck_assert_int_eq(nsg_plan_apply(p, t, &err), NSG_E_INPUT);
    ck_assert_ptr_nonnull(strstr(err.msg, "changed since the plan"));
    nsg_topo_free(t);
    t = web_topo(200, true);
    ck_assert_int_eq(nsg_plan_apply(p, t, &err), NSG_E_INPUT);
    ck_assert_ptr_nonnull(strstr(err.msg, "is taken by rule Other"));
    nsg_topo_free(t);
    nsg_plan_free(p);
}
END_TEST

START_TEST(plan_rule_to_arm)
{
    struct nsg_plan *p = base();
    cJSON *o = nsg_plan_rule_to_arm(&p->recs[0].rules[1]);
    const cJSON *pr = cJSON_GetObjectItem(o, "properties");
    ck_assert_str_eq(cJSON_GetObjectItem(o, "name")->valuestring,
                     "harden-AllowSsh-deny");
    ck_assert_str_eq(cJSON_GetObjectItem(pr, "access")->valuestring, "Deny");
    ck_assert_str_eq(cJSON_GetObjectItem(pr, "sourceAddressPrefix")->valuestring,
                     "*");
    ck_assert_int_eq(
        cJSON_GetArraySize(cJSON_GetObjectItem(pr, "destinationPortRanges")),
        2);
    ck_assert_int_eq(cJSON_GetObjectItem(pr, "priority")->valueint, 199);
    ck_assert_str_eq(cJSON_GetObjectItem(pr, "direction")->valuestring,
                     "Inbound");
    cJSON_Delete(o);
    nsg_plan_free(p);
}
END_TEST

static Suite *harden_suite(void)
{
    Suite *s = suite_create("harden");
    TCase *tc = tcase_create("cover");
    tcase_add_test(tc, cover_cluster_becomes_one_block);
    tcase_add_test(tc, cover_tradeoff);
    tcase_add_test(tc, cover_respects_holes_and_refuses_outsiders);
    tcase_add_test(tc, cover_ipv6);
    tcase_add_test(tc, cover_matches_brute_force);
    suite_add_tcase(s, tc);
    tc = tcase_create("plan");
    tcase_add_test(tc, plan_round_trip);
    tcase_add_test(tc, plan_hand_edits_refused);
    tcase_add_test(tc, plan_allow_after_deny_refused);
    tcase_add_test(tc, plan_edit_refusals);
    tcase_add_test(tc, plan_add_and_delete);
    tcase_add_test(tc, generated_names);
    tcase_add_test(tc, plan_apply_checks_the_model);
    tcase_add_test(tc, plan_rule_to_arm);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(harden_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
