/* cmd_enforce.c - `nsgproof enforce`: prove the plan, then write each
 * edited NSG as an ARM PUT body (the captured resource with only its
 * security rules changed) and a rollback copy.  Nothing is written when
 * the proof is refuted (exit 1) or unknown (exit 3), unless
 * --force-unproven, which says loudly what it overrides.  --apply (sending
 * the change to Azure) needs live capture's client and is not available
 * yet. */
#include <stdio.h>

#include "../harden/harden.h"
#include "cli.h"
#include "cli_opt.h"
#include "cli_plan.h"

static const char *const synopsis[] = {
    "--corpus DIR --plan PLAN.json (--out DIR | --apply) [--force-unproven]\n"
    "         [--invariants FILE] [--rebase] [--timeout MS] [--json]",
    NULL};
static const struct cli_command_help help = {
    "enforce", synopsis,
    "Prove a hardening plan, then write the new NSG resources:\n"
    "DIR/<resource-group>/<nsg>.json and <nsg>.rollback.json.",
    "The written files are ARM PUT bodies; `nsgproof replay --proposed` and\n"
    "`nsgproof diff` read them.  --apply is not available yet (it needs\n"
    "live capture's Azure client): apply the files with az or ARM.\n"
    "Exit: 0 proven and written, 1 refuted (nothing written), 2 usage or\n"
    "input error, 3 unknown (nothing written).\n",
    NULL};

int cmd_enforce(int argc, char **argv)
{
    const char *corpus = NULL, *plan = NULL, *out = NULL, *inv = NULL;
    bool apply = false, force = false, json = false, rebase = false;
    long timeout = 60000;
    struct cli_option opts[] = {
        CLI_OPT_STR("corpus", &corpus, "DIR", "the corpus"),
        CLI_OPT_STR("plan", &plan, "PLAN.json", "the plan to enforce"),
        CLI_OPT_STR("out", &out, "DIR", "write the NSG files here"),
        CLI_OPT_FLAG("apply", &apply, "send to Azure (not available yet)"),
        CLI_OPT_FLAG("force-unproven", &force,
                     "write even when the proof is refuted or unknown"),
        CLI_OPT_STR("invariants", &inv, "FILE",
                    "queries that must hold with the plan"),
        CLI_OPT_FLAG("rebase", &rebase,
                     "prove a stale plan against the current corpus"),
        CLI_OPT_NUM("timeout", &timeout, "MS", 0, CLI_TIMEOUT_MAX,
                    "per solver check (default 60000; 0 = none)"),
        CLI_OPT_FLAG("json", &json, "print JSON (schema: docs/enforce.md)"),
        CLI_OPT_ENDMARK};
    struct nsg_prove_opts po = {0};
    struct cli_prove r;
    struct nsg_err err = NSG_ERR_INIT;
    cJSON *written = NULL;
    enum nsg_prove_status st;
    int status = cli_opt_parse(&help, opts, argc, argv, NULL, NULL);

    if (status)
        return status == CLI_PARSE_HELP ? CLI_EXIT_OK : CLI_EXIT_INPUT;
    if (!corpus || !plan)
        return cli_opt_error(&help, "--corpus DIR and --plan PLAN.json are "
                                    "required");
    if (!out == !apply)
        return cli_opt_error(&help, "give exactly one of --out DIR or --apply");
    if (apply) {
        cli_error("--apply is not available yet: sending the change to Azure "
                  "needs live capture's client, which this build does not "
                  "have; write the files with --out DIR and apply them with "
                  "az or an ARM deployment");
        return CLI_EXIT_INPUT;
    }
    po.rebase = rebase;
    po.timeout_ms = (unsigned)timeout;
    status = cli_prove_run(corpus, plan, inv, &po, &r);
    if (status)
        goto done;
    st = r.status;
    if (!json)
        cli_plan_print_prove(r.report, plan);
    if (st != NSG_PROVE_PROVEN && !force) {
        cli_error("the plan is %s: nothing written (--force-unproven writes "
                  "it anyway)",
                  nsg_prove_status_name(st));
        if (json)
            cli_print_json(r.report);
        status = st == NSG_PROVE_REFUTED ? CLI_EXIT_FOUND : CLI_EXIT_UNKNOWN;
        goto done;
    }
    if (st != NSG_PROVE_PROVEN)
        fprintf(stderr,
                "nsgproof enforce: WARNING: --force-unproven: the plan is "
                "%s, and it is written anyway. The files may block observed "
                "legitimate traffic, open what is closed today or break the "
                "platform's traffic (see the proof above). Do not apply them "
                "unless you accept that.\n",
                nsg_prove_status_name(st));
    written = cJSON_CreateArray();
    if (nsg_enforce_write(r.c, r.p, out, written, &err)) {
        status = cli_fail(&err);
        goto done;
    }
    if (json) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddItemToObject(o, "prove", r.report);
        r.report = NULL;
        cJSON_AddBoolToObject(o, "forced", st != NSG_PROVE_PROVEN);
        cJSON_AddItemToObject(o, "written", written);
        written = NULL;
        cli_print_json(o);
        cJSON_Delete(o);
    } else {
        const cJSON *e;
        printf("\nwritten%s:\n", st != NSG_PROVE_PROVEN ? " (UNPROVEN)" : "");
        cJSON_ArrayForEach(e, written)
        {
            printf("  %s (%.0f rules added)\n    rollback: %s\n",
                   cli_json_str(e, "file", ""), cli_json_num(e, "rules_added"),
                   cli_json_str(e, "rollback", ""));
        }
    }
    status = CLI_EXIT_OK;
done:
    cJSON_Delete(written);
    cli_prove_release(&r);
    return status;
}
