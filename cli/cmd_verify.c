/* cmd_verify.c - `nsgproof verify`: prove or refute reachability queries
 * (never / can / always SRC -> DST SERVICE) over the corpus topology and
 * print one answer per query, with witness packets and deciding rules. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "../solver/verify.h"
#include "cli.h"

static const char usage[] =
    "usage: nsgproof verify --corpus DIR (--query 'Q' | --queries FILE)\n"
    "                       [--json] [--timeout MS]\n"
    "  --corpus DIR     the corpus to load (newest model)\n"
    "  --query Q        one query, e.g. 'never Internet -> nic:web-1 tcp/22'\n"
    "  --queries FILE   one query per line; '#' comments, blank lines\n"
    "  --json           machine-readable output (schema in docs/queries.md)\n"
    "  --timeout MS     solver time limit per check (default 30000; 0 = none)\n"
    "Grammar and semantics: docs/queries.md.  With --queries a query that\n"
    "cannot be answered (unknown endpoint or tag) is reported as an error\n"
    "and the others are still answered.  Exit: 2 any query error or bad\n"
    "input, else 1 any violated, else 3 some unknown or an internal\n"
    "inconsistency, else 0 (all hold).\n";

struct opts {
    const char *corpus, *query, *queries;
    bool json;
    unsigned timeout_ms;
};

static int parse_opts(int argc, char **argv, struct opts *o)
{
    static const struct option lo[] = {
        {"corpus", required_argument, NULL, 'c'},
        {"query", required_argument, NULL, 'q'},
        {"queries", required_argument, NULL, 'f'},
        {"json", no_argument, NULL, 'j'},
        {"timeout", required_argument, NULL, 't'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
        switch (c) {
        case 'c': o->corpus = optarg; break;
        case 'q': o->query = optarg; break;
        case 'f': o->queries = optarg; break;
        case 'j': o->json = true; break;
        case 't': {
            long v;
            if (!cli_parse_long(optarg, 0, CLI_TIMEOUT_MAX, &v))
                return cli_usage_error(usage, "--timeout: '%s' is not a "
                                              "number of milliseconds",
                                       optarg);
            o->timeout_ms = (unsigned)v;
            break;
        }
        case 'h': fputs(usage, stdout); return -1;
        default:
            return cli_usage_error(usage, "verify: unknown or incomplete "
                                          "option '%s'",
                                   argv[optind - 1]);
        }
    }
    if (optind < argc)
        return cli_usage_error(usage, "verify: unexpected argument '%s'",
                               argv[optind]);
    if (!o->corpus)
        return cli_usage_error(usage, "verify: --corpus DIR is required");
    if (!o->query == !o->queries)
        return cli_usage_error(usage, "verify: give either --query or "
                                      "--queries");
    return 0;
}

static nsg_rc load_queries(const struct opts *o, struct nsg_queries *qs,
                           struct nsg_err *err)
{
    if (o->query) {
        qs->q = nsg_xcalloc(1, sizeof(*qs->q));
        nsg_rc rc = nsg_query_parse(o->query, 1, &qs->q[0], err);
        if (rc) {
            free(qs->q);
            qs->q = NULL;
            return nsg_err_prefix(err, "--query");
        }
        qs->n = 1;
        return NSG_OK;
    }
    struct nsg_buf text = NSG_BUF_INIT;
    nsg_rc rc = nsg_buf_read_file(&text, o->queries, 1 << 24, err);
    if (!rc)
        rc = nsg_queries_parse(text.buf ? text.buf : "", qs, err);
    if (rc)
        nsg_err_prefix(err, "%s", o->queries);
    nsg_buf_release(&text);
    return rc;
}

static const char *nicname(const struct nsg_nic *n)
{
    return n->name ? n->name : n->id;
}

/* ---- JSON -------------------------------------------------------------- */
static cJSON *witness_json(const struct nsg_vresult *r)
{
    cJSON *w = cJSON_CreateObject();
    nsg_sim_packet_to_json(w, &r->witness, NSG_PJ_PROTO_TEXT);
    cJSON_AddStringToObject(w, "decision", nsg_decision_name(r->decision));
    return w;
}

/* A hop decided before the NSGs: the VNet's drop, platform traffic, or a
 * security admin rule (its level "platform" or "admin"). */
static cJSON *stage_json(const struct nsg_vhop *h)
{
    const struct nsg_verdict *v = &h->v;
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "nic", nicname(h->nic));
    cJSON_AddStringToObject(o, "direction", nsg_dir_name(h->dir));
    if (v->platform) {
        cJSON_AddStringToObject(o, "level", "platform");
        cJSON_AddStringToObject(o, "platform", nsg_platform_name(v->platform));
        cJSON_AddNullToObject(o, "nsg");
        cJSON_AddNullToObject(o, "rule");
    } else {
        const struct nsg_admin_rule *ar = v->admin.rule->ar;
        cJSON_AddStringToObject(o, "level", "admin");
        cJSON_AddStringToObject(o, "configuration",
                                ar->configuration ? ar->configuration : "");
        cJSON_AddNullToObject(o, "nsg");
        cJSON_AddStringToObject(o, "rule", ar->name);
        cJSON_AddNumberToObject(o, "priority", ar->r.priority);
        cJSON_AddStringToObject(o, "access", nsg_admin_access_name(ar->access));
    }
    cJSON_AddStringToObject(o, "decision", nsg_decision_name(v->decision));
    return o;
}

static cJSON *path_json(const struct nsg_vresult *r)
{
    cJSON *a = cJSON_CreateArray();
    for (size_t i = 0; i < r->n_hops; i++) {
        const struct nsg_vhop *h = &r->hops[i];
        if (h->v.platform || (h->v.admin.rule && h->v.admin.ends)) {
            cJSON_AddItemToArray(a, stage_json(h));
            continue;
        }
        for (size_t k = 0; k < h->v.n_levels; k++) {
            const struct nsg_level *l = &h->v.levels[k];
            cJSON *o = cJSON_CreateObject();
            cJSON_AddStringToObject(o, "nic", nicname(h->nic));
            cJSON_AddStringToObject(o, "direction", nsg_dir_name(h->dir));
            cJSON_AddStringToObject(o, "level", l->level);
            if (l->nsg) {
                cJSON_AddStringToObject(o, "nsg", l->nsg->name ? l->nsg->name
                                                               : l->nsg->id);
                const struct nsg_crule *cr = l->m.rule;
                if (cr && cr->rule && cr->rule->name)
                    cJSON_AddStringToObject(o, "rule", cr->rule->name);
                else
                    cJSON_AddNullToObject(o, "rule");
                if (cr)
                    cJSON_AddNumberToObject(o, "priority", cr->priority);
                cJSON_AddStringToObject(o, "decision", nsg_decision_name(l->m.decision));
            } else {
                cJSON_AddNullToObject(o, "nsg");
                cJSON_AddNullToObject(o, "rule");
                cJSON_AddStringToObject(o, "decision", "Allow");
            }
            cJSON_AddItemToArray(a, o);
        }
    }
    return a;
}

/* A query that could not be answered: the result schema with status
 * "error" and the message (no witness, path or failing NICs). */
static cJSON *error_json(const struct nsg_query *q, const char *msg)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "query", q->text);
    cJSON_AddNumberToObject(o, "line", q->line);
    cJSON_AddStringToObject(o, "status", "error");
    cJSON_AddStringToObject(o, "reason", msg);
    cJSON_AddStringToObject(o, "error", msg);
    cJSON_AddNullToObject(o, "witness");
    cJSON_AddArrayToObject(o, "path");
    cJSON_AddArrayToObject(o, "failing");
    cJSON_AddNumberToObject(o, "checks", 0);
    cJSON_AddNumberToObject(o, "unknown_checks", 0);
    return o;
}

static cJSON *result_json(const struct nsg_query *q, const struct nsg_vresult *r)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "query", q->text);
    cJSON_AddNumberToObject(o, "line", q->line);
    cJSON_AddStringToObject(o, "status", nsg_vstatus_name(r->status));
    cJSON_AddStringToObject(o, "reason", r->reason);
    if (r->has_witness) {
        cJSON *w = witness_json(r);
        struct nsg_buf b = NSG_BUF_INIT;
        nsg_slv_flow_format(&r->witness, &b);
        cJSON_AddStringToObject(w, "text", b.buf);
        nsg_buf_release(&b);
        cJSON_AddItemToObject(o, "witness", w);
    }
    else
        cJSON_AddNullToObject(o, "witness");
    cJSON_AddItemToObject(o, "path", path_json(r));
    cJSON *f = cJSON_AddArrayToObject(o, "failing");
    for (size_t i = 0; i < r->n_failing; i++)
        cJSON_AddItemToArray(f, cJSON_CreateString(r->failing[i]));
    cJSON_AddNumberToObject(o, "checks", (double)r->n_units);
    cJSON_AddNumberToObject(o, "unknown_checks", (double)r->n_unknown);
    return o;
}

/* ---- text -------------------------------------------------------------- */
static void print_level(const struct nsg_level *l)
{
    if (!l->nsg) {
        printf("%s level: no NSG (Allow)", l->level);
        return;
    }
    const struct nsg_crule *cr = l->m.rule;
    printf("%s NSG %s: rule %s", l->level,
           l->nsg->name ? l->nsg->name : l->nsg->id,
           cr && cr->rule && cr->rule->name ? cr->rule->name : "(none)");
    if (cr)
        printf(" (priority %d)", cr->priority);
    printf(" -> %s", nsg_decision_name(l->m.decision));
}

static void print_result(const struct nsg_query *q, const struct nsg_vresult *r)
{
    static const char *const word[] = {"HOLDS", "VIOLATED", "UNKNOWN"};
    printf("%-8s  %s  (line %d)\n", word[r->status], q->text, q->line);
    if (r->status == NSG_V_UNKNOWN ||
        (r->status == NSG_V_VIOLATED &&
         (!r->has_witness || strchr(r->reason, ':')))) /* why, beyond NSGs */
        printf("  %s\n", r->reason);
    if (r->status == NSG_V_VIOLATED && r->n_failing) {
        printf("  fails at NIC%s:", r->n_failing > 1 ? "s" : "");
        for (size_t i = 0; i < r->n_failing; i++)
            printf(" %s", r->failing[i]);
        printf("\n");
    }
    if (!r->has_witness)
        return;
    struct nsg_buf b = NSG_BUF_INIT;
    /* The packet without a direction: a NIC -> NIC flow leaves the source
     * NIC outbound and enters the destination inbound (hop lines below). */
    nsg_slv_flow_format(&r->witness, &b);
    printf("  %s: %s  => %s\n",
           r->status == NSG_V_VIOLATED ? "witness" : "example", b.buf,
           nsg_decision_name(r->decision));
    nsg_buf_release(&b);
    for (size_t i = 0; i < r->n_hops; i++) {
        const struct nsg_vhop *h = &r->hops[i];
        const struct nsg_verdict *v = &h->v;
        if (v->platform)
            printf("    NIC %s %s, platform traffic (%s) -> %s\n",
                   nicname(h->nic), nsg_dir_name(h->dir),
                   nsg_platform_name(v->platform),
                   nsg_decision_name(v->decision));
        else if (v->admin.rule)
            printf("    NIC %s %s, security admin rule %s (%s, priority %d)%s\n",
                   nicname(h->nic), nsg_dir_name(h->dir),
                   v->admin.rule->ar->name,
                   nsg_admin_access_name(v->admin.rule->ar->access),
                   v->admin.rule->ar->r.priority,
                   v->admin.ends ? "" : ": handed on to the NSGs");
        for (size_t k = 0; k < h->v.n_levels; k++) {
            printf("    NIC %s %s, ", nicname(h->nic), nsg_dir_name(h->dir));
            print_level(&h->v.levels[k]);
            printf("\n");
        }
    }
}

int cmd_verify(int argc, char **argv)
{
    struct opts o = {NULL, NULL, NULL, false, 30000};
    struct nsg_queries qs = NSG_QUERIES_INIT;
    struct nsg_err err = NSG_ERR_INIT;
    struct nsg_corpus *c = NULL;
    struct nsg_topology *t = NULL;
    struct nsg_verifier *v = NULL;
    struct nsg_vresult *res = NULL;
    size_t n[3] = {0, 0, 0}, n_err = 0;
    char **errs = NULL; /* errs[i]: message of query i that failed */
    int status;
    nsg_rc rc;

    status = parse_opts(argc, argv, &o);
    if (status)
        return status < 0 ? CLI_EXIT_OK : status;
    rc = load_queries(&o, &qs, &err);
    if (!rc)
        rc = cli_load_corpus(o.corpus, &c, &t, &err);
    if (rc) {
        status = cli_fail(&err);
        goto out;
    }
    v = nsg_verifier_new(t, o.timeout_ms);
    res = nsg_xcalloc(qs.n, sizeof(*res));
    errs = nsg_xcalloc(qs.n, sizeof(*errs));
    for (size_t i = 0; i < qs.n; i++) {
        rc = nsg_verify_run(v, &qs.q[i], &res[i], &err);
        if (rc && o.queries && (rc == NSG_E_INPUT || rc == NSG_E_NOTFOUND)) {
            /* This query cannot be answered; the others still can. */
            errs[i] = nsg_xstrdup(err.msg);
            n_err++;
            err = (struct nsg_err)NSG_ERR_INIT;
            continue;
        }
        if (rc) {
            /* results before i were filled; release them */
            for (size_t k = 0; k < i; k++)
                nsg_vresult_release(&res[k]);
            status = cli_fail(&err);
            goto out;
        }
        n[res[i].status]++;
    }
    if (o.json) {
        cJSON *root = cJSON_CreateObject();
        cJSON *arr = cJSON_AddArrayToObject(root, "results");
        for (size_t i = 0; i < qs.n; i++)
            cJSON_AddItemToArray(arr, errs[i] ? error_json(&qs.q[i], errs[i])
                                              : result_json(&qs.q[i], &res[i]));
        cJSON_AddNumberToObject(root, "holds", (double)n[NSG_V_HOLDS]);
        cJSON_AddNumberToObject(root, "violated", (double)n[NSG_V_VIOLATED]);
        cJSON_AddNumberToObject(root, "unknown", (double)n[NSG_V_UNKNOWN]);
        cJSON_AddNumberToObject(root, "errors", (double)n_err);
        cli_print_json(root);
        cJSON_Delete(root);
    } else {
        for (size_t i = 0; i < qs.n; i++) {
            if (errs[i])
                printf("%-8s  %s  (line %d)\n  %s\n", "ERROR", qs.q[i].text,
                       qs.q[i].line, errs[i]);
            else
                print_result(&qs.q[i], &res[i]);
        }
        printf("%zu quer%s: %zu hold, %zu violated, %zu unknown", qs.n,
               qs.n == 1 ? "y" : "ies", n[NSG_V_HOLDS], n[NSG_V_VIOLATED],
               n[NSG_V_UNKNOWN]);
        if (n_err)
            printf(", %zu error%s", n_err, n_err == 1 ? "" : "s");
        printf("\n");
    }
    if (n_err)
        cli_error("%zu of %zu queries could not be answered (see above)",
                n_err, qs.n);
    for (size_t i = 0; i < qs.n; i++)
        nsg_vresult_release(&res[i]);
    /* Precedence: an error > a violation > unknown > all hold. */
    status = n_err                ? CLI_EXIT_INPUT
             : n[NSG_V_VIOLATED] ? CLI_EXIT_FOUND
             : n[NSG_V_UNKNOWN] ? CLI_EXIT_UNKNOWN
                                : CLI_EXIT_OK;
out:
    for (size_t i = 0; errs && i < qs.n; i++)
        free(errs[i]);
    free(errs);
    free(res);
    nsg_verifier_free(v);
    nsg_queries_release(&qs);
    nsg_topo_free(t);
    nsg_corpus_close(c);
    return status;
}
