/* cmd_replay.c - `nsgproof replay`: replays the logged flows of a corpus
 * against the rules in force when they were logged (does the model
 * reproduce Azure?), or against proposed NSGs (what-if). */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "../importer/importer.h"
#include "../sim/replay.h"
#include "cli.h"

static const char usage[] =
    "usage: nsgproof replay --corpus DIR [--nsg NAME] [--limit N] [--json]\n"
    "       nsgproof replay --corpus DIR --proposed FILE... [--limit N] "
    "[--json]\n"
    "  --corpus DIR     the corpus holding the configuration and flow logs\n"
    "  --nsg NAME       replay only the flows logged by this NSG (name or id)\n"
    "  --proposed FILE  what-if: NSG files (ARM or az JSON) replacing the "
    "NSGs\n"
    "                   of the same id or name; several files may follow\n"
    "  --limit N        list at most N disagreements or changes (default 20,\n"
    "                   100 with --json)\n"
    "  --json           machine-readable output (schema: docs/replay.md)\n"
    "Exit: 0 nothing disagrees / nothing newly denied, 1 otherwise, 2 usage "
    "or\n"
    "input error, 3 internal error.\n";

struct opts {
    const char *corpus, *nsg;
    GPtrArray *proposed; /* const char * (borrowed from argv) */
    size_t limit;
    bool json;
};

static const char *proto_text(const cJSON *o, char buf[8])
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, "protocol");
    if (cJSON_IsString(v))
        return v->valuestring;
    snprintf(buf, 8, "%d", v ? v->valueint : 0);
    return buf;
}

/* first_seen as ISO 8601 UTC. */
static const char *when(const cJSON *o, char buf[32])
{
    nsg_corpus_time_format((int64_t)cli_json_num(o, "first_seen"), buf);
    return buf;
}

static void print_reasons(const cJSON *o)
{
    const cJSON *r = cJSON_GetObjectItemCaseSensitive(o, "unevaluated_reasons");
    const cJSON *e;
    const char *sep = "";
    if (!r || !r->child)
        return;
    printf("unevaluated:");
    cJSON_ArrayForEach(e, r)
    {
        printf("%s %s %.0f", sep, e->string, e->valuedouble);
        sep = ",";
    }
    printf("\n");
}

static void print_counts_row(const char *name, const cJSON *o)
{
    printf("%-28s %12.0f %12.0f %9.0f %11.0f %11.0f\n", name,
           cli_json_num(o, "flows_total"), cli_json_num(o, "agree"), cli_json_num(o, "disagree"),
           cli_json_num(o, "established"), cli_json_num(o, "unevaluated"));
}

static void print_replay(const cJSON *rep)
{
    const cJSON *e, *d = cJSON_GetObjectItemCaseSensitive(rep, "disagreements");
    char pb[8], tb[32];
    printf("%-28s %12s %12s %9s %11s %11s\n", "NSG", "tuples", "agree",
           "disagree", "established", "unevaluated");
    cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(rep, "per_nsg"))
        print_counts_row(cli_json_str(e, "nsg", ""), e);
    print_counts_row("(all)", rep);
    if (cli_json_num(rep, "agree_truncated") > 0)
        printf("agree by a rule name the log truncated: %.0f\n", cli_json_num(rep, "agree_truncated"));
    print_reasons(rep);
    if (!cJSON_GetArraySize(d)) {
        printf("no disagreements\n");
        return;
    }
    printf("\ndisagreements (%.0f tuples):\n", cli_json_num(rep, "disagree"));
    cJSON_ArrayForEach(e, d)
    {
        const cJSON *l = cJSON_GetObjectItemCaseSensitive(e, "logged");
        const cJSON *s = cJSON_GetObjectItemCaseSensitive(e, "simulated");
        printf("  %s %s %s %s:%.0f -> %s:%.0f %s %s x%.0f: logged %s (%s), "
               "simulated %s (%s)\n",
               cli_json_str(e, "nsg", ""), cli_json_str(e, "direction", ""), proto_text(e, pb),
               cli_json_str(e, "src", ""), cli_json_num(e, "sport"), cli_json_str(e, "dst", ""), cli_json_num(e, "dport"),
               cli_json_str(e, "state", ""), when(e, tb), cli_json_num(e, "count"),
               cli_json_str(l, "decision", ""), cli_json_str(l, "rule", ""), cli_json_str(s, "decision", ""),
               cli_json_str(s, "rule", ""));
    }
    if (cli_json_num(rep, "disagreements_omitted") > 0)
        printf("  ... and %.0f more disagreeing flows (--limit, --json)\n",
               cli_json_num(rep, "disagreements_omitted"));
}

static void print_change_kind(const char *title, const cJSON *k,
                              const char *indent)
{
    const cJSON *e;
    const char *sep = " ";
    printf("%s%s: %.0f tuples in %.0f flows, %.0f sources, %.0f ports\n",
           indent, title, cli_json_num(k, "count"), cli_json_num(k, "flows"),
           cli_json_num(k, "distinct_sources"), cli_json_num(k, "distinct_ports"));
    if (!cli_json_num(k, "count"))
        return;
    printf("%s  rules:", indent);
    cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(k, "rules"))
    {
        printf("%s%s/%s (%.0f)", sep, cli_json_str(e, "nsg", ""), cli_json_str(e, "rule", ""),
               cli_json_num(e, "count"));
        sep = ", ";
    }
    printf("\n%s  top talkers:", indent);
    sep = " ";
    cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(k, "top_talkers"))
    {
        printf("%s%s (%.0f)", sep, cli_json_str(e, "src", ""), cli_json_num(e, "count"));
        sep = ", ";
    }
    printf("\n");
}

static void print_whatif(const cJSON *rep)
{
    const cJSON *e;
    char pb[8], tb[32];
    printf("observed tuples: %.0f (unchanged %.0f, unevaluated %.0f)\n",
           cli_json_num(rep, "flows_total"), cli_json_num(rep, "unchanged"),
           cli_json_num(rep, "unevaluated"));
    print_reasons(rep);
    print_change_kind("newly denied",
                      cJSON_GetObjectItemCaseSensitive(rep, "newly_denied"),
                      "");
    print_change_kind("newly allowed",
                      cJSON_GetObjectItemCaseSensitive(rep, "newly_allowed"),
                      "");
    cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(rep, "per_nsg"))
    {
        printf("NSG %s:\n", cli_json_str(e, "nsg", ""));
        print_change_kind("newly denied",
                          cJSON_GetObjectItemCaseSensitive(e, "newly_denied"),
                          "  ");
        print_change_kind("newly allowed",
                          cJSON_GetObjectItemCaseSensitive(e, "newly_allowed"),
                          "  ");
    }
    if (cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(rep, "changes")))
        printf("\nchanged flows:\n");
    cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(rep, "changes"))
    {
        const cJSON *p = cJSON_GetObjectItemCaseSensitive(e, "proposed");
        printf("  %s %s %s %s %s:%.0f -> %s:%.0f %s %s x%.0f: %s by %s/%s\n",
               cli_json_str(e, "change", ""), cli_json_str(e, "nic", ""), cli_json_str(e, "direction", ""),
               proto_text(e, pb), cli_json_str(e, "src", ""), cli_json_num(e, "sport"), cli_json_str(e, "dst", ""),
               cli_json_num(e, "dport"), cli_json_str(e, "state", ""), when(e, tb), cli_json_num(e, "count"),
               cli_json_str(p, "decision", ""), cli_json_str(p, "nsg", ""), cli_json_str(p, "rule", ""));
    }
    if (cli_json_num(rep, "changes_omitted") > 0)
        printf("  ... and %.0f more changed flows (--limit, --json)\n",
               cli_json_num(rep, "changes_omitted"));
}

static int parse_opts(int argc, char **argv, struct opts *o)
{
    static const struct option longs[] = {
        {"corpus", required_argument, NULL, 'c'},
        {"nsg", required_argument, NULL, 'n'},
        {"proposed", required_argument, NULL, 'p'},
        {"limit", required_argument, NULL, 'l'},
        {"json", no_argument, NULL, 'j'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int ch;
    long v;

    optind = 1;
    opterr = 0;
    while ((ch = getopt_long(argc, argv, "+", longs, NULL)) != -1) {
        switch (ch) {
        case 'c':
            o->corpus = optarg;
            break;
        case 'n':
            o->nsg = optarg;
            break;
        case 'j':
            o->json = true;
            break;
        case 'h':
            fputs(usage, stdout);
            return -1;
        case 'l':
            if (!cli_parse_long(optarg, 1, 1000000000L, &v))
                return cli_usage_error(usage,
                                       "--limit wants a positive "
                                       "number, not '%s'",
                                       optarg);
            o->limit = (size_t)v;
            break;
        case 'p': /* FILE... : this one and the operands that follow */
            g_ptr_array_add(o->proposed, optarg);
            while (optind < argc && strncmp(argv[optind], "--", 2))
                g_ptr_array_add(o->proposed, argv[optind++]);
            break;
        default:
            return cli_usage_error(usage, "unknown or incomplete option '%s'",
                                   argv[optind - 1]);
        }
    }
    if (optind < argc)
        return cli_usage_error(usage, "unexpected argument '%s'", argv[optind]);
    if (!o->corpus)
        return cli_usage_error(usage, "--corpus DIR is required");
    if (o->nsg && o->proposed->len)
        return cli_usage_error(usage, "--nsg and --proposed do not combine");
    if (!o->limit)
        o->limit = o->json ? 100 : 20;
    return 0;
}

static int run_replay(const struct opts *o, struct nsg_corpus *c,
                      const struct nsg_topology *t, struct nsg_err *err)
{
    const struct nsg_nsg *only = NULL;
    struct nsg_replay *r;
    struct nsg_replay_counts n;
    cJSON *rep;
    nsg_rc rc;

    if (o->nsg &&
        (rc = nsg_topo_find(t, NSG_RES_NSG, o->nsg, (void **)&only, err)))
        return cli_fail(err);
    r = nsg_replay_new(t, only, o->limit);
    rc = nsg_replay_load_history(r, c, t, err);
    if (!rc)
        rc = nsg_replay_run_corpus(r, c, err);
    if (rc) {
        nsg_replay_free(r);
        return cli_fail(err);
    }
    rep = nsg_replay_report(r);
    nsg_replay_get_counts(r, &n);
    if (o->json)
        cli_print_json(rep);
    else
        print_replay(rep);
    cJSON_Delete(rep);
    nsg_replay_free(r);
    return n.disagree ? CLI_EXIT_FOUND : CLI_EXIT_OK;
}

/* The model with every proposed NSG in place of the stored one. */
static nsg_rc load_proposed(const struct opts *o, struct nsg_corpus *c,
                            struct nsg_topology **out, GPtrArray *names,
                            struct nsg_err *err)
{
    struct nsg_topology *tp = NULL;
    nsg_rc rc = nsg_corpus_load(c, NSG_TIME_LATEST, &tp, err);

    for (guint i = 0; !rc && i < o->proposed->len; i++) {
        const char *path = o->proposed->pdata[i];
        struct nsg_nsg *n = NULL;
        rc = nsg_imp_load_nsg_file(path, &n, err);
        if (!rc) {
            char *name = nsg_xstrdup(n->name);
            rc = nsg_replay_propose(tp, n, err);
            if (rc) {
                nsg_nsg_free(n);
                free(name);
            } else {
                g_ptr_array_add(names, name);
            }
        }
        if (rc && !strstr(err->msg, path))
            nsg_err_prefix(err, "%s", path);
    }
    if (rc) {
        nsg_topo_free(tp);
        return rc;
    }
    *out = tp;
    return NSG_OK;
}

static int run_whatif(const struct opts *o, struct nsg_corpus *c,
                      const struct nsg_topology *t, struct nsg_err *err)
{
    struct nsg_topology *tp = NULL;
    struct nsg_whatif *w;
    struct nsg_whatif_counts n;
    cJSON *rep;
    GPtrArray *names = g_ptr_array_new_with_free_func(free);
    nsg_rc rc = load_proposed(o, c, &tp, names, err);

    if (rc) {
        g_ptr_array_free(names, TRUE);
        return cli_fail(err);
    }
    w = nsg_whatif_new(t, tp, o->limit);
    for (guint i = 0; i < names->len; i++)
        nsg_whatif_track(w, names->pdata[i]);
    g_ptr_array_free(names, TRUE);
    rc = nsg_whatif_run_corpus(w, c, err);
    if (rc) {
        nsg_whatif_free(w);
        nsg_topo_free(tp);
        return cli_fail(err);
    }
    rep = nsg_whatif_report(w);
    nsg_whatif_get_counts(w, &n);
    if (o->json)
        cli_print_json(rep);
    else
        print_whatif(rep);
    cJSON_Delete(rep);
    nsg_whatif_free(w);
    nsg_topo_free(tp);
    return n.newly_denied ? CLI_EXIT_FOUND : CLI_EXIT_OK;
}

int cmd_replay(int argc, char **argv)
{
    struct opts o = {0};
    struct nsg_err err = NSG_ERR_INIT;
    struct nsg_corpus *c = NULL;
    struct nsg_topology *t = NULL;
    int status;

    o.proposed = g_ptr_array_new();
    status = parse_opts(argc, argv, &o);
    if (status) {
        g_ptr_array_free(o.proposed, TRUE);
        return status < 0 ? CLI_EXIT_OK : status;
    }
    if (cli_load_corpus(o.corpus, &c, &t, &err)) {
        status = cli_fail(&err);
    } else {
        status = o.proposed->len ? run_whatif(&o, c, t, &err)
                                 : run_replay(&o, c, t, &err);
    }
    nsg_topo_free(t);
    nsg_corpus_close(c);
    g_ptr_array_free(o.proposed, TRUE);
    return status;
}
