/* cmd_assess.c - `nsgproof assess`: Defender for Cloud's networking
 * recommendations, offline: per resource, what is wrong and how severe,
 * from the corpus (internet-facing NICs, exact exposure through both NSG
 * levels, NSG associations, IP forwarding, flow-log coverage, and adaptive
 * hardening: the plan `nsgproof harden` makes with its defaults). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../map/map.h"
#include "assess_sarif.h"
#include "cli.h"
#include "cli_opt.h"
#include "cli_plan.h"

static const char *const synopsis[] = {
    "--corpus DIR [--format text|json|sarif]", NULL};
static const struct cli_command_help help = {
    "assess", synopsis,
    "The networking recommendations, with their severities, for every NIC,\n"
    "subnet, virtual network and NSG of the corpus.",
    "Recommendations (severity): management-ports (Medium), "
    "internet-facing-vm-nsg\n"
    "(High), restrict-all-ports (High), subnet-nsg (Low), ip-forwarding "
    "(Medium),\n"
    "internal-vm-nsg (Low), adaptive-hardening (High), flow-log-coverage "
    "(Medium).\n"
    "Exit: 0 no High finding, 1 a High finding, 2 usage or input error (also\n"
    "when a High check depends on a service tag the corpus lacks), 3 internal\n"
    "error.  Schema of --json: docs/assess.md.\n"
    "Adaptive hardening is what `nsgproof harden` recommends with its\n"
    "defaults (every stored flow, --min-days 30); an unscanned NIC is listed\n"
    "as not evaluated, with the reason.\n",
    NULL};

static void print_text(const struct nsg_map_assessment *a,
                       const struct nsg_topology *t, const cJSON *j)
{
    size_t n;
    const struct nsg_map_finding *f = nsg_map_findings(a, &n);
    struct nsg_buf b = NSG_BUF_INIT;
    const cJSON *s = cJSON_GetObjectItemCaseSensitive(j, "summary"), *x;

    for (size_t i = 0; i < n; i++) {
        const struct nsg_map_rec_info *ri = nsg_map_rec(f[i].rec);
        nsg_buf_reset(&b);
        nsg_map_res_label(t, f[i].type, f[i].res, &b);
        printf("%-6s  %-22s  %s: %s\n", nsg_map_sev_name(ri->sev), ri->id,
               b.buf, f[i].message);
    }
    if (n)
        printf("\n");
    printf("%zu finding%s: %g High, %g Medium, %g Low, on %g resource%s "
           "(%g NIC%s, %g internet-facing)\n",
           n, n == 1 ? "" : "s", cli_json_num(s, "high"),
           cli_json_num(s, "medium"), cli_json_num(s, "low"),
           cli_json_num(s, "resources_with_findings"),
           cli_json_num(s, "resources_with_findings") == 1 ? "" : "s",
           cli_json_num(s, "nics"), cli_json_num(s, "nics") == 1 ? "" : "s",
           cli_json_num(s, "internet_facing"));
    const cJSON *cov = cJSON_GetObjectItemCaseSensitive(j, "flow_log_coverage");
    if (cli_json_str(cov, "note", NULL))
        printf("flow-log coverage: unknown: %s\n", cli_json_str(cov, "note", ""));
    else
        printf("flow-log coverage: from %g flow log%s\n",
               cli_json_num(cov, "flow_logs"),
               cli_json_num(cov, "flow_logs") == 1 ? "" : "s");
    cJSON_ArrayForEach(x, cJSON_GetObjectItemCaseSensitive(j, "undetermined"))
        printf("undetermined: %s\n", x->valuestring);
    cJSON_ArrayForEach(x, cJSON_GetObjectItemCaseSensitive(j, "not_evaluated"))
        printf("not evaluated: %s (%s): %s%s%s\n",
               cli_json_str(x, "recommendation", ""),
               cli_json_str(x, "severity", ""),
               cli_json_str(x, "resource", ""),
               cli_json_str(x, "resource", NULL) ? ": " : "",
               cli_json_str(x, "reason", ""));
    nsg_buf_release(&b);
}

int cmd_assess(int argc, char **argv)
{
    const char *corpus = NULL;
    struct cli_output fmt = CLI_OUTPUT_INIT;
    struct cli_option opts[] = {
        CLI_OPT_STR("corpus", &corpus, "DIR", "the corpus"),
        CLI_OPT_OUTPUT_SARIF(&fmt),
        CLI_OPT_ENDMARK};
    struct nsg_err err = NSG_ERR_INIT;
    struct nsg_corpus *c = NULL;
    struct nsg_topology *t = NULL;
    struct nsg_map_net *net = NULL;
    struct nsg_map_assessment *a = NULL;
    struct nsg_plan *plan = NULL;
    cJSON *j = NULL;
    int status = cli_opt_parse(&help, opts, argc, argv, NULL, NULL);

    if (status)
        return cli_opt_status(status);
    if (!corpus)
        return cli_opt_error(&help, "--corpus DIR is required");
    if (cli_load_corpus(corpus, &c, &t, &err) ||
        cli_harden_defaults(c, t, corpus, &plan, &err)) {
        status = cli_fail(&err);
        goto out;
    }
    struct nsg_map_assess_opts aopts = {cli_harden_hook, plan};
    if (nsg_map_net_new(t, &net, &err) ||
        nsg_map_assess(net, &aopts, &a, &err)) {
        status = cli_fail(&err);
        goto out;
    }
    j = nsg_map_assessment_json(a);
    if (fmt.format == CLI_FORMAT_JSON) {
        cli_print_json(j);
    } else if (fmt.format == CLI_FORMAT_SARIF) {
        cJSON *sarif = cli_assess_sarif(a, t);
        cli_print_json(sarif);
        cJSON_Delete(sarif);
    } else {
        print_text(a, t, j);
    }
    bool high_undetermined;
    const GPtrArray *u = nsg_map_undetermined(a, &high_undetermined);
    status = cli_json_num(cJSON_GetObjectItemCaseSensitive(j, "summary"),
                          "high") > 0
                 ? CLI_EXIT_FOUND
                 : CLI_EXIT_OK;
    if (status == CLI_EXIT_OK && high_undetermined) {
        for (guint i = 0; i < u->len; i++)
            cli_error("undetermined: %s", (const char *)u->pdata[i]);
        status = CLI_EXIT_INPUT;
    }
out:
    cJSON_Delete(j);
    nsg_map_assessment_free(a);
    nsg_plan_free(plan);
    nsg_map_net_free(net);
    nsg_topo_free(t);
    nsg_corpus_close(c);
    return status;
}
