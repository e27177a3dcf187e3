/* cmd_replay.c - `nsgproof replay`: replays the logged flows of a corpus
 * against the rules in force when they were logged (does the model
 * reproduce Azure?), or against proposed NSGs (what-if). */
#include <stdlib.h>
#include <string.h>

#include "../importer/importer.h"
#include "../sim/replay.h"
#include "cli.h"
#include "cli_opt.h"

static const char *const synopsis[] = {
    "--corpus DIR [--nsg NAME] [--limit N] [--allow-empty]\n"
    "         [--format text|json]",
    "--corpus DIR --proposed FILE... [--limit N] [--allow-empty]\n"
    "         [--format text|json]",
    NULL};
static const struct cli_command_help help = {
    "replay", synopsis,
    "Replay the logged flows of a corpus against the rules in force when\n"
    "they were logged (does the model reproduce Azure?), or against\n"
    "proposed NSGs (what would the change block?).",
    "--proposed FILE may be followed by more files.  JSON schema:\n"
    "docs/replay.md.\n"
    "Exit: 0 nothing disagrees / nothing newly denied, 1 otherwise, 2 usage\n"
    "or input error (also: no logged flow to replay, unless --allow-empty),\n"
    "3 internal error, or (what-if) nothing newly denied but inexact\n"
    "aggregate rows.\n",
    NULL};

struct opts {
    const char *corpus, *nsg;
    GPtrArray *proposed; /* const char * (borrowed from argv) */
    size_t limit;
    bool json;
    bool allow_empty;
};

/* Replaying nothing is an error (a CI job pointed at the wrong corpus
 * fails) unless --allow-empty. */
static int nothing_to_replay(const struct opts *o)
{
    if (o->nsg)
        cli_error("nothing to replay: the corpus holds no flow logged by NSG "
                  "%s (import its flow logs: nsgproof import --corpus %s "
                  "DIR; --allow-empty accepts this)",
                  o->nsg, o->corpus);
    else
        cli_error("nothing to replay: the corpus holds no flow logs (import "
                  "them: nsgproof import --corpus %s DIR; --allow-empty "
                  "accepts this)",
                  o->corpus);
    return CLI_EXIT_INPUT;
}

/* --proposed FILE, and the files that follow it. */
static const char *proposed_cb(const struct cli_option *opt, const char *arg,
                               void *ctx, char *buf, size_t buflen)
{
    struct opts *o = ctx;
    if (!opt->long_name && !o->proposed->len) {
        snprintf(buf, buflen, "unexpected argument '%s'", arg);
        return buf;
    }
    g_ptr_array_add(o->proposed, (char *)arg);
    return NULL;
}

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

/* "49152", or "1024-2047" for an aggregate row's source-port range. */
static const char *sports(const cJSON *o, char buf[16])
{
    if (cJSON_GetObjectItemCaseSensitive(o, "sport_max"))
        snprintf(buf, 16, "%.0f-%.0f", cli_json_num(o, "sport"),
                 cli_json_num(o, "sport_max"));
    else
        snprintf(buf, 16, "%.0f", cli_json_num(o, "sport"));
    return buf;
}

/* Aggregate rows whose source-port range a rule splits (only when some). */
static void print_inexact(const cJSON *o)
{
    if (cli_json_num(o, "inexact") > 0)
        printf("inexact: %.0f tuples in aggregate rows whose source-port "
               "range a rule splits (not evaluated; group the rows by "
               "`nsgproof sport-boundaries`)\n",
               cli_json_num(o, "inexact"));
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
    print_inexact(rep);
    if (!cJSON_GetArraySize(d)) {
        printf("no disagreements\n");
        return;
    }
    printf("\ndisagreements (%.0f tuples):\n", cli_json_num(rep, "disagree"));
    cJSON_ArrayForEach(e, d)
    {
        char sp[16];
        const cJSON *l = cJSON_GetObjectItemCaseSensitive(e, "logged");
        const cJSON *s = cJSON_GetObjectItemCaseSensitive(e, "simulated");
        printf("  %s %s %s %s:%s -> %s:%.0f %s %s x%.0f: logged %s (%s), "
               "simulated %s (%s)\n",
               cli_json_str(e, "nsg", ""), cli_json_str(e, "direction", ""), proto_text(e, pb),
               cli_json_str(e, "src", ""), sports(e, sp), cli_json_str(e, "dst", ""), cli_json_num(e, "dport"),
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
    print_inexact(rep);
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
        char sp[16];
        printf("  %s %s %s %s %s:%s -> %s:%.0f %s %s x%.0f: %s by %s/%s\n",
               cli_json_str(e, "change", ""), cli_json_str(e, "nic", ""), cli_json_str(e, "direction", ""),
               proto_text(e, pb), cli_json_str(e, "src", ""), sports(e, sp), cli_json_str(e, "dst", ""),
               cli_json_num(e, "dport"), cli_json_str(e, "state", ""), when(e, tb), cli_json_num(e, "count"),
               cli_json_str(p, "decision", ""), cli_json_str(p, "nsg", ""), cli_json_str(p, "rule", ""));
    }
    if (cli_json_num(rep, "changes_omitted") > 0)
        printf("  ... and %.0f more changed flows (--limit, --json)\n",
               cli_json_num(rep, "changes_omitted"));
}

static int parse_opts(int argc, char **argv, struct opts *o)
{
    long limit = 0;
    struct cli_output fmt = CLI_OUTPUT_INIT;
    struct cli_option opts[] = {
        CLI_OPT_STR("corpus", &o->corpus, "DIR",
                    "the corpus holding the configuration and flow logs"),
        CLI_OPT_STR("nsg", &o->nsg, "NAME",
                    "replay only the flows logged by this NSG (name or id)"),
        CLI_OPT_CBV("proposed", NULL, "FILE", proposed_cb,
                    "what-if: NSG files (ARM or az JSON; - for standard "
                    "input) replacing the NSGs of the same id or name "
                    "(repeatable)"),
        CLI_OPT_CBV(NULL, NULL, "FILE", proposed_cb,
                    "more --proposed files"),
        CLI_OPT_FLAG("allow-empty", &o->allow_empty,
                     "exit 0 even when there is no logged flow to replay"),
        CLI_OPT_NUM("limit", &limit, "N", 1, 1000000000L,
                    "list at most N disagreements or changes (default 20, "
                    "100 with --json)"),
        CLI_OPT_OUTPUT(&fmt),
        CLI_OPT_ENDMARK};
    int st = cli_opt_parse(&help, opts, argc, argv, NULL, o);
    if (st)
        return st < 0 ? -1 : st;
    o->json = fmt.format == CLI_FORMAT_JSON;
    o->limit = (size_t)limit;
    if (!o->corpus)
        return cli_opt_error(&help, "--corpus DIR is required");
    if (o->nsg && o->proposed->len)
        return cli_opt_error(&help, "--nsg and --proposed do not combine");
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
    if (!n.total && !o->allow_empty) {
        cJSON_Delete(rep);
        nsg_replay_free(r);
        return nothing_to_replay(o);
    }
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
        rc = nsg_imp_load_nsg_file(cli_path(path), &n, err);
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
    if (!n.total && !o->allow_empty) {
        cJSON_Delete(rep);
        nsg_whatif_free(w);
        nsg_topo_free(tp);
        return nothing_to_replay(o);
    }
    if (o->json)
        cli_print_json(rep);
    else
        print_whatif(rep);
    cJSON_Delete(rep);
    nsg_whatif_free(w);
    nsg_topo_free(tp);
    /* newly denied tuples: 1; none, but aggregate rows that could be
     * (their source ports decide): unknown, 3; else 0 */
    return n.newly_denied ? CLI_EXIT_FOUND
           : n.inexact    ? CLI_EXIT_UNKNOWN
                          : CLI_EXIT_OK;
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
