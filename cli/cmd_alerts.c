/* cmd_alerts.c - `nsgproof alerts`: observed traffic outside a plan's
 * recommended ranges, including flows imported after the plan was made,
 * grouped by NIC, port and source; excluded sources are marked. */
#include <stdint.h>

#include "../harden/harden.h"
#include "cli.h"
#include "cli_opt.h"
#include "cli_plan.h"

static const char *const synopsis[] = {
    "--corpus DIR --plan PLAN.json [--format text|json]", NULL};
static const struct cli_command_help help = {
    "alerts", synopsis,
    "Observed inbound traffic that one of the plan's deny rules decides:\n"
    "flows logged as allowed that the plan would deny, and (after\n"
    "enforcement) flows logged as denied by a plan deny rule.",
    "Flows since the plan's window start count, also those imported after\n"
    "the plan was made.  Schema: docs/harden.md.\n"
    "Exit: 0 no alerts, 1 alerts, 2 usage or input error.\n",
    NULL};

int cmd_alerts(int argc, char **argv)
{
    const char *corpus = NULL, *plan = NULL;
    struct cli_output fmt = CLI_OUTPUT_INIT;
    struct cli_option opts[] = {
        CLI_OPT_STR("corpus", &corpus, "DIR", "the corpus"),
        CLI_OPT_STR("plan", &plan, "PLAN.json", "the plan"),
        CLI_OPT_OUTPUT(&fmt),
        CLI_OPT_ENDMARK};
    struct nsg_corpus *c = NULL;
    struct nsg_plan *p = NULL;
    struct nsg_err err = NSG_ERR_INIT;
    cJSON *rep = NULL;
    uint64_t n = 0;
    int status = cli_opt_parse(&help, opts, argc, argv, NULL, NULL);

    if (status)
        return cli_opt_status(status);
    if (!corpus || !plan)
        return cli_opt_error(&help, "--corpus DIR and --plan PLAN.json are "
                                    "required");
    status = cli_plan_load(plan, &p);
    if (status)
        return status;
    if (nsg_corpus_open(corpus, false, &c, &err) ||
        nsg_alerts_run(c, p, p->window_start, INT64_MAX, &rep, &n, &err)) {
        status = cli_fail(&err);
    } else {
        if (fmt.format == CLI_FORMAT_JSON)
            cli_print_json(rep);
        else
            cli_plan_print_alerts(rep, 200);
        status = n ? CLI_EXIT_FOUND : CLI_EXIT_OK;
    }
    cJSON_Delete(rep);
    nsg_corpus_close(c);
    nsg_plan_free(p);
    return status;
}
