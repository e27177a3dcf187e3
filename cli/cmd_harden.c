/* cmd_harden.c - `nsgproof harden`: adaptive network hardening offline.
 * Learns from the observed traffic which sources reach the covered ports
 * of each internet-facing NIC and recommends narrowed allow rules and a
 * deny, written as a plan (docs/plan.md) to review, edit, prove, enforce. */
#include <stdlib.h>
#include <string.h>

#include "../harden/harden.h"
#include "cli.h"
#include "cli_opt.h"
#include "cli_plan.h"

static const char *const synopsis[] = {
    "--corpus DIR [--nic NAME | --nsg NAME] [--all-nics] [--since TIME]\n"
    "         [--min-days N] [--ports LIST] [--exclude-sources FILE]\n"
    "         [--max-blocks N] [--open-factor F] [--out PLAN.json]\n"
    "         [--format text|json]",
    NULL};
static const struct cli_command_help help = {
    "harden", synopsis,
    "Recommend narrower inbound allow rules for internet-facing NICs from\n"
    "the traffic Azure logged as allowed (adaptive network hardening).",
    "Statuses: unhealthy (recommendations or alerts), healthy, unscanned\n"
    "(with the reason).  The plan (docs/plan.md) records the corpus\n"
    "generation, the window and each NSG's etag and version; review it,\n"
    "edit it with `nsgproof plan`, then `nsgproof prove` and `enforce`.\n"
    "--format json prints the plan (schema: docs/plan.md).\n"
    "Exit: 0 every scanned NIC healthy, 1 some NIC unhealthy\n"
    "(recommendations, alerts, or a rule to harden by hand), 2 usage or\n"
    "input error.\n",
    NULL};

static bool parse_factor(const char *s, double *out)
{
    char *end;
    double v;
    if (!s || !*s)
        return false;
    v = strtod(s, &end);
    if (*end || !(v >= 1.0) || v > 1e12)
        return false;
    *out = v;
    return true;
}

int cmd_harden(int argc, char **argv)
{
    struct nsg_harden_opts o = {0};
    const char *corpus = NULL, *since = NULL, *ports = NULL, *exclude = NULL,
               *factor = NULL, *out = NULL;
    long min_days = NSG_HARDEN_MIN_DAYS, max_blocks = NSG_HARDEN_MAX_BLOCKS;
    struct cli_output fmt = CLI_OUTPUT_INIT;
    struct cli_option opts[] = {
        CLI_OPT_STR("corpus", &corpus, "DIR", "the corpus"),
        CLI_OPT_STR("nic", &o.nic, "NAME", "only this NIC (name or id)"),
        CLI_OPT_STR("nsg", &o.nsg, "NAME",
                    "only the rules of this NSG, for the NICs it governs"),
        CLI_OPT_FLAG("all-nics", &o.all_nics,
                     "every NIC, not only internet-facing ones"),
        CLI_OPT_STR("since", &since, "TIME",
                    "learn from flows since TIME (default: all stored)"),
        CLI_OPT_NUM("min-days", &min_days, "N", 0, 3650,
                    "distinct UTC days with flow records a NIC needs "
                    "(default 30)"),
        CLI_OPT_STR("ports", &ports, "LIST",
                    "covered ports (default: adaptive network hardening's)"),
        CLI_OPT_STR("exclude-sources", &exclude, "FILE",
                    "sources never learned: CIDRs one per line, or a JSON "
                    "array"),
        CLI_OPT_NUM("max-blocks", &max_blocks, "N", 1, 256,
                    "source blocks per narrowed rule at most (default 8)"),
        CLI_OPT_STR("open-factor", &factor, "F",
                    "accept F times the smallest open space to save blocks "
                    "(default 4)"),
        CLI_OPT_STR("out", &out, "PLAN.json", "write the plan (atomically)"),
        CLI_OPT_OUTPUT(&fmt),
        CLI_OPT_ENDMARK};
    struct nsg_corpus *c = NULL;
    struct nsg_topology *t = NULL;
    struct nsg_plan *p = NULL;
    struct nsg_err err = NSG_ERR_INIT;
    int status = cli_opt_parse(&help, opts, argc, argv, NULL, NULL);

    if (status)
        return cli_opt_status(status);
    if (!corpus)
        return cli_opt_error(&help, "--corpus DIR is required");
    if (o.nic && o.nsg)
        return cli_opt_error(&help, "--nic and --nsg do not combine");
    o.min_days = min_days;
    o.max_blocks = max_blocks;
    o.open_factor = NSG_HARDEN_OPEN_FACTOR;
    o.corpus_dir = corpus;
    if (factor && !parse_factor(factor, &o.open_factor))
        return cli_opt_error(&help,
                             "--open-factor wants a number of at least 1, "
                             "not '%s'",
                             factor);
    if (since) {
        if (nsg_corpus_time_parse(since, &o.since, &err))
            return cli_opt_error(&help, "--since: %s", err.msg);
        o.has_since = true;
    }
    if (ports && nsg_plan_parse_ports(ports, &o.ports, &err))
        return cli_opt_error(&help, "--ports: %s", err.msg);
    if (exclude && nsg_harden_read_exclude(exclude, &o, &err)) {
        status = cli_fail(&err);
        goto out;
    }
    if (cli_load_corpus(corpus, &c, &t, &err) ||
        nsg_harden_run(c, t, &o, &p, &err)) {
        status = cli_fail(&err);
        goto out;
    }
    if (out && nsg_plan_save(p, out, &err)) {
        status = cli_fail(&err);
        goto out;
    }
    if (fmt.format == CLI_FORMAT_JSON) {
        cJSON *j = nsg_plan_to_json(p);
        cli_print_json(j);
        cJSON_Delete(j);
    } else {
        char a[32], b[32];
        nsg_corpus_time_format(p->window_start, a);
        nsg_corpus_time_format(p->window_end, b);
        printf("corpus generation %lld, flows %s .. %s, --min-days %ld\n\n",
               (long long)p->generation, a, b, o.min_days);
        cli_plan_print_nics(p);
        printf("\n");
        cli_plan_print_recs(p, true);
        printf("\n");
        if (p->alerts)
            cli_plan_print_alerts(p->alerts, 20);
        else
            printf("no alerts\n");
        if (out)
            printf("\nplan written to %s: review it, edit it with `nsgproof "
                   "plan`, then `nsgproof prove` and `nsgproof enforce`\n",
                   out);
        else if (p->n_recs)
            printf("\nwrite the plan with --out PLAN.json to review, prove "
                   "and enforce it\n");
    }
    status = CLI_EXIT_OK;
    for (size_t i = 0; i < p->n_nics; i++)
        if (p->nics[i].status && !strcmp(p->nics[i].status, "unhealthy"))
            status = CLI_EXIT_FOUND; /* recommendations, alerts or findings */
out:
    nsg_plan_free(p);
    nsg_topo_free(t);
    nsg_corpus_close(c);
    nsg_harden_opts_release(&o);
    return status;
}
