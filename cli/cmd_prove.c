/* cmd_prove.c - `nsgproof prove`: a hardening plan proven safe, or refuted
 * with the observed flows or witness packets it would get wrong.  The four
 * parts are in docs/prove.md; the work is harden/prove*.c. */
#include "../harden/harden.h"
#include "cli.h"
#include "cli_opt.h"
#include "cli_plan.h"

static const char *const synopsis[] = {
    "--corpus DIR --plan PLAN.json [--invariants FILE] [--rebase]\n"
    "         [--timeout MS] [--limit N] [--format text|json]",
    NULL};
static const struct cli_command_help help = {
    "prove", synopsis,
    "Prove that a hardening plan blocks no observed legitimate flow, never\n"
    "widens, keeps the platform's traffic and your invariants, and show\n"
    "exactly what it closes.",
    "Every NIC an edited NSG governs is checked through both NSG levels.\n"
    "A plan made from NSG versions that changed since is stale (exit 2);\n"
    "--rebase re-checks it against the current corpus and says what moved.\n"
    "JSON schema: docs/prove.md.\n"
    "Exit: 0 proven, 1 refuted, 2 usage or input error (stale plan\n"
    "included), 3 unknown (solver timeout) or internal inconsistency.\n",
    NULL};

int cmd_prove(int argc, char **argv)
{
    const char *corpus = NULL, *plan = NULL, *inv = NULL;
    long timeout = 60000, limit = 20;
    bool rebase = false;
    struct cli_output fmt = CLI_OUTPUT_INIT;
    struct cli_option opts[] = {
        CLI_OPT_STR("corpus", &corpus, "DIR", "the corpus"),
        CLI_OPT_STR("plan", &plan, "PLAN.json", "the plan to prove"),
        CLI_OPT_STR("invariants", &inv, "FILE",
                    "queries that must hold with the plan (docs/queries.md)"),
        CLI_OPT_FLAG("rebase", &rebase,
                     "re-check a stale plan against the current corpus"),
        CLI_OPT_NUM("timeout", &timeout, "MS", 0, CLI_TIMEOUT_MAX,
                    "per solver check (default 60000; 0 = none)"),
        CLI_OPT_NUM("limit", &limit, "N", 1, 1000000,
                    "flows, witnesses and regions listed (default 20)"),
        CLI_OPT_OUTPUT(&fmt),
        CLI_OPT_ENDMARK};
    struct nsg_prove_opts po = {0};
    struct cli_prove r;
    int status = cli_opt_parse(&help, opts, argc, argv, NULL, NULL);

    if (status)
        return cli_opt_status(status);
    if (!corpus || !plan)
        return cli_opt_error(&help, "--corpus DIR and --plan PLAN.json are "
                                    "required");
    po.rebase = rebase;
    po.timeout_ms = (unsigned)timeout;
    po.max_listed = (size_t)limit;
    status = cli_prove_run(corpus, plan, inv, &po, &r);
    if (!status) {
        if (fmt.format == CLI_FORMAT_JSON)
            cli_print_json(r.report);
        else
            cli_plan_print_prove(r.report, plan);
        status = r.status == NSG_PROVE_PROVEN    ? CLI_EXIT_OK
                 : r.status == NSG_PROVE_REFUTED ? CLI_EXIT_FOUND
                                                 : CLI_EXIT_UNKNOWN;
    }
    cli_prove_release(&r);
    return status;
}
