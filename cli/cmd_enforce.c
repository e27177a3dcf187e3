/* cmd_enforce.c - `nsgproof enforce`: prove the plan, then write each
 * edited NSG as an ARM PUT body (the captured resource with only its
 * security rules changed) and a rollback copy (--out), or send it to Azure
 * (--apply: etag check, PUT with If-Match, the operation polled, what
 * Azure then holds proven equivalent to what was proven); --rollback DIR
 * puts an apply's rollback copies back the same way.  Nothing is written
 * or sent when the proof is refuted (exit 1) or unknown (exit 3), unless
 * --force-unproven, which says loudly what it overrides. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "../apply/apply.h"
#include "../harden/harden.h"
#include "cli.h"
#include "cli_capture.h"
#include "cli_opt.h"
#include "cli_plan.h"

static const char *const synopsis[] = {
    "--corpus DIR --plan PLAN.json (--out DIR | --apply [--out DIR])\n"
    "         [--force-unproven] [--invariants FILE] [--rebase] [--timeout MS]\n"
    "         [--arm-endpoint URL] [--login-endpoint URL] [--ca-file FILE]\n"
    "         [--verbose] [--format text|json]",
    "--rollback DIR [--corpus DIR] [--arm-endpoint URL] [--login-endpoint URL]\n"
    "         [--ca-file FILE] [--verbose] [--format text|json]",
    NULL};
static const struct cli_command_help help = {
    "enforce", synopsis,
    "Prove a hardening plan, then write the new NSG resources\n"
    "(DIR/<resource-group>/<nsg>.json and <nsg>.rollback.json) or apply\n"
    "them to Azure: etag check, PUT with If-Match, the operation polled,\n"
    "and what Azure then holds proven to decide as what was proven.",
    "The written files are ARM PUT bodies; `nsgproof replay --proposed` and\n"
    "`nsgproof diff` read them.  --apply writes them too (into --out DIR, or\n"
    "PLAN.apply-TIME beside the plan) with a journal, before anything is\n"
    "sent; --rollback DIR puts the rollback copies back.  Credentials come\n"
    "from the environment as for `nsgproof capture arm`.\n"
    "JSON schema: docs/enforce.md.\n"
    "Exit: 0 proven and written (applied, restored), 1 refuted (nothing\n"
    "written or sent), 2 usage or input error, an NSG changed in Azure since\n"
    "it was captured (nothing sent), a refused or failed PUT, 3 unknown\n"
    "(nothing written or sent) or what Azure holds after the PUT is not\n"
    "what was proven.\n",
    NULL};

/* ---- the apply report for people ---------------------------------------- */

static const char *s_or(const cJSON *o, const char *key, const char *dflt)
{
    return cli_json_str(o, key, dflt);
}

static void print_side(const char *label, const cJSON *s)
{
    printf("        %-22s %s by %s", label, s_or(s, "decision", "?"),
           s_or(s, "rule", "(no rule)"));
    if (cJSON_GetObjectItemCaseSensitive(s, "priority"))
        printf(" (priority %.0f)", cli_json_num(s, "priority"));
    printf("\n");
}

static void print_names(const char *what, const cJSON *a)
{
    const cJSON *e;
    const char *sep = "";
    if (!cJSON_GetArraySize(a))
        return;
    printf("      rules %s: ", what);
    cJSON_ArrayForEach(e, a)
    {
        printf("%s%s", sep, cJSON_GetStringValue(e));
        sep = ", ";
    }
    printf("\n");
}

/* A comparison (apply_compare.c's JSON) for people. */
static void print_diff(const cJSON *d)
{
    const char *a = s_or(d, "a", "a"), *b = s_or(d, "b", "b");
    const cJSON *w;
    if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(d, "equivalent"))) {
        printf("      equivalent: %s and %s decide every packet the same "
               "way\n",
               a, b);
    } else {
        printf("      different: %s and %s decide some packets differently%s"
               "%s\n",
               a, b, cli_json_str(d, "vnet", NULL) ? " in virtual network " : "",
               cli_json_str(d, "vnet", ""));
        cJSON_ArrayForEach(w, cJSON_GetObjectItemCaseSensitive(d, "differences"))
        {
            printf("      %s %s %s", s_or(w, "direction", "?"),
                   cJSON_IsString(cJSON_GetObjectItemCaseSensitive(w,
                                                                   "protocol"))
                       ? s_or(w, "protocol", "?")
                       : "",
                   s_or(w, "src", "?"));
            if (cJSON_GetObjectItemCaseSensitive(w, "sport"))
                printf(":%.0f", cli_json_num(w, "sport"));
            printf(" -> %s", s_or(w, "dst", "?"));
            if (cJSON_GetObjectItemCaseSensitive(w, "dport"))
                printf(":%.0f", cli_json_num(w, "dport"));
            printf("\n");
            print_side(a, cJSON_GetObjectItemCaseSensitive(w, "a"));
            print_side(b, cJSON_GetObjectItemCaseSensitive(w, "b"));
        }
    }
    print_names("added", cJSON_GetObjectItemCaseSensitive(d, "rules_added"));
    print_names("removed", cJSON_GetObjectItemCaseSensitive(d, "rules_removed"));
    print_names("changed", cJSON_GetObjectItemCaseSensitive(d, "rules_changed"));
}

static void print_nsg(const cJSON *n)
{
    const cJSON *put = cJSON_GetObjectItemCaseSensitive(n, "put");
    const char *st = s_or(n, "state", "?");
    printf("  %s (%s): %s\n", s_or(n, "nsg", "?"),
           s_or(n, "resource_group", "-"), st);
    if (cli_json_str(n, "etag_captured", NULL) && !strcmp(st, "stale"))
        printf("    etag captured %s, in Azure now %s: changed since it was "
               "captured\n",
               s_or(n, "etag_captured", ""), s_or(n, "etag_before", "none"));
    if (put) {
        printf("    PUT answered %.0f", cli_json_num(put, "status"));
        if (cli_json_str(put, "operation", NULL))
            printf(", operation %s after %.0f polls", s_or(put, "operation", ""),
                   cli_json_num(put, "polls"));
        printf("\n");
    }
    if (cli_json_str(n, "etag_after", NULL))
        printf("    etag now %s\n", s_or(n, "etag_after", ""));
    if (cli_json_str(n, "note", NULL))
        printf("    note: %s\n", s_or(n, "note", ""));
    if (cli_json_str(n, "error", NULL))
        printf("    error: %s\n", s_or(n, "error", ""));
    if (cJSON_GetObjectItemCaseSensitive(n, "diff")) {
        printf("    diff:\n");
        print_diff(cJSON_GetObjectItemCaseSensitive(n, "diff"));
    }
    if (cJSON_GetObjectItemCaseSensitive(n, "verify")) {
        printf("    verified with the solver's diff:\n");
        print_diff(cJSON_GetObjectItemCaseSensitive(n, "verify"));
    }
    if (cli_json_str(n, "diff_error", NULL))
        printf("    (no diff: %s)\n", s_or(n, "diff_error", ""));
}

static void print_report(const cJSON *rep, bool rollback)
{
    const cJSON *n;
    const char *st = s_or(rep, "status", "error");
    printf("\n%s %s (%s credentials)", rollback ? "rollback to" : "apply to",
           s_or(rep, "arm_endpoint", "Azure"), s_or(rep, "credential", "no"));
    if (rollback || cli_json_str(rep, "journal", NULL))
        printf("; %s in %s", rollback ? "rollback copies" :
               "PUT bodies, rollback copies and journal", s_or(rep, "dir", ""));
    printf("\n");
    cJSON_ArrayForEach(n, cJSON_GetObjectItemCaseSensitive(rep, "nsgs"))
        print_nsg(n);
    if (!strcmp(st, "applied"))
        printf("result: APPLIED; undo with: nsgproof enforce --rollback %s\n",
               s_or(rep, "dir", ""));
    else if (!strcmp(st, "restored"))
        printf("result: RESTORED\n");
    else if (!strcmp(st, "stale"))
        printf("result: STALE: nothing sent; %s\n",
               rollback ? "what Azure holds is not what was applied (changed "
                          "since)"
                        : "capture again (nsgproof capture arm), make the plan "
                          "again and prove it");
    else
        printf("result: %s%s\n", st,
               cli_json_str(rep, "journal", NULL)
                   ? "; the journal and the rollback copies are in the "
                     "directory above (nsgproof enforce --rollback DIR)"
                   : "");
}

/* Exit status of an apply or rollback. */
static int apply_exit(nsg_rc rc, enum nsg_apply_status st,
                      struct nsg_err *err)
{
    if (rc)
        return cli_fail(err);
    switch (st) {
    case NSG_APPLY_OK:
        return CLI_EXIT_OK;
    case NSG_APPLY_MISMATCH:
        cli_error("what Azure holds is not what was proven (see above); the "
                  "rollback copies are kept");
        return CLI_EXIT_UNKNOWN;
    case NSG_APPLY_STALE:
        cli_error("an NSG changed in Azure since it was captured (see the "
                  "diff above): nothing sent");
        return CLI_EXIT_INPUT;
    case NSG_APPLY_CONFLICT:
        cli_error("Azure refused a PUT with 412: the NSG changed meanwhile "
                  "(see above)");
        return CLI_EXIT_INPUT;
    case NSG_APPLY_FAILED:
        cli_error("a PUT failed (see above)");
        return CLI_EXIT_INPUT;
    }
    return CLI_EXIT_UNKNOWN;
}

/* PLAN.apply-YYYYMMDDTHHMMSSZ beside the plan (a new name). */
static char *default_dir(const char *plan)
{
    char stamp[32];
    time_t now = time(NULL);
    struct tm tm;
    char *base = g_str_has_suffix(plan, ".json")
                     ? g_strndup(plan, strlen(plan) - 5)
                     : g_strdup(plan);
    char *dir = NULL;
    gmtime_r(&now, &tm);
    strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
    for (int i = 1; !dir || g_file_test(dir, G_FILE_TEST_EXISTS); i++) {
        g_free(dir);
        dir = i == 1 ? g_strdup_printf("%s.apply-%s", base, stamp)
                     : g_strdup_printf("%s.apply-%s-%d", base, stamp, i);
    }
    g_free(base);
    return dir;
}

static int run_rollback(const char *corpus, struct nsg_apply_opts *ao,
                        bool json)
{
    struct nsg_err err = NSG_ERR_INIT;
    struct nsg_corpus *c = NULL;
    enum nsg_apply_status st = NSG_APPLY_OK;
    char *from_journal = NULL;
    cJSON *rep = cJSON_CreateObject();
    nsg_rc rc = NSG_OK;

    if (!corpus) {
        rc = nsg_apply_journal_corpus(ao->dir, &from_journal, &err);
        if (rc == NSG_E_NOTFOUND)
            rc = nsg_err_set(&err, NSG_E_USAGE,
                             "%s has no journal naming its corpus: give "
                             "--corpus DIR",
                             ao->dir);
        corpus = from_journal;
    }
    if (!rc)
        rc = nsg_corpus_open(corpus, false, &c, &err);
    if (!rc)
        rc = nsg_apply_rollback(c, ao, rep, &st, &err);
    cli_cap_clear_progress(ao->common.hooks->ctx);
    if (json) {
        cJSON *o = cJSON_CreateObject();
        if (rc)
            cJSON_AddStringToObject(rep, "error", err.msg);
        cJSON_AddItemToObject(o, "rollback", rep);
        rep = NULL;
        cli_print_json(o);
        cJSON_Delete(o);
    } else if (cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(rep,
                                                                   "nsgs"))) {
        print_report(rep, true);
    }
    cJSON_Delete(rep);
    nsg_corpus_close(c);
    g_free(from_journal);
    return apply_exit(rc, st, &err);
}

int cmd_enforce(int argc, char **argv)
{
    const char *corpus = NULL, *plan = NULL, *out = NULL, *inv = NULL;
    const char *rollback = NULL;
    bool apply = false, force = false, rebase = false;
    bool verbose = false;
    struct cli_output fmt = CLI_OUTPUT_INIT;
    long timeout = 60000;
    struct nsg_apply_opts ao = {0};
    struct cli_option opts[] = {
        CLI_OPT_STR("corpus", &corpus, "DIR", "the corpus"),
        CLI_OPT_STR("plan", &plan, "PLAN.json", "the plan to enforce"),
        CLI_OPT_STR("out", &out, "DIR", "write the NSG files here"),
        CLI_OPT_FLAG("apply", &apply, "send the change to Azure (docs/enforce.md)"),
        CLI_OPT_STR("rollback", &rollback, "DIR", "put the rollback copies of an apply back"),
        CLI_OPT_FLAG("force-unproven", &force,
                     "write or apply even when the proof is refuted or unknown"),
        CLI_OPT_STR("invariants", &inv, "FILE",
                    "queries that must hold with the plan"),
        CLI_OPT_FLAG("rebase", &rebase,
                     "prove a stale plan against the current corpus"),
        CLI_OPT_NUM("timeout", &timeout, "MS", 0, CLI_TIMEOUT_MAX,
                    "per solver check (default 60000; 0 = none)"),
        CLI_OPT_STR("arm-endpoint", &ao.arm_endpoint, "URL", "ARM endpoint (default https://management.azure.com)"),
        CLI_OPT_STR("login-endpoint", &ao.common.login_endpoint, "URL", "token endpoint (default https://login.microsoftonline.com)"),
        CLI_OPT_STR("ca-file", &ao.common.ca_file, "FILE", "also trust the CAs in this PEM file"),
        CLI_OPT_FLAG("verbose", &verbose, "show every request and answer (secrets redacted)"),
        CLI_OPT_OUTPUT(&fmt),
        CLI_OPT_ENDMARK};
    struct nsg_prove_opts po = {0};
    struct cli_prove r;
    struct nsg_err err = NSG_ERR_INIT;
    struct cli_cap_out cap_out;
    struct nsg_cap_hooks hooks;
    cJSON *written = NULL;
    char *dir = NULL;
    enum nsg_prove_status st;
    int status = cli_opt_parse(&help, opts, argc, argv, NULL, NULL);

    if (status)
        return cli_opt_status(status);
    bool json = fmt.format == CLI_FORMAT_JSON;
    cli_cap_hooks_init(&hooks, &cap_out, verbose);
    ao.common.hooks = &hooks;
    ao.timeout_ms = (unsigned)timeout;
    if (rollback) {
        if (plan || out || apply || force || inv || rebase)
            return cli_opt_error(&help, "--rollback DIR takes no plan: it puts "
                                        "back what DIR holds");
        ao.dir = rollback;
        return run_rollback(corpus, &ao, json);
    }
    if (!corpus || !plan)
        return cli_opt_error(&help, "--corpus DIR and --plan PLAN.json are "
                                    "required");
    if (!out && !apply)
        return cli_opt_error(&help, "give --out DIR, --apply or --rollback DIR");
    if (!apply && (ao.arm_endpoint || ao.common.login_endpoint ||
                   ao.common.ca_file || verbose))
        return cli_opt_error(&help, "--arm-endpoint, --login-endpoint, "
                                    "--ca-file and --verbose go with --apply "
                                    "or --rollback");
    po.rebase = rebase;
    po.timeout_ms = (unsigned)timeout;
    status = cli_prove_run(corpus, plan, inv, &po, &r);
    if (status)
        goto done;
    st = r.status;
    if (!json)
        cli_plan_print_prove(r.report, plan);
    if (st != NSG_PROVE_PROVEN && !force) {
        cli_error("the plan is %s: nothing %s (--force-unproven %s it anyway)",
                  nsg_prove_status_name(st), apply ? "sent" : "written",
                  apply ? "applies" : "writes");
        if (json)
            cli_print_json(r.report);
        status = st == NSG_PROVE_REFUTED ? CLI_EXIT_FOUND : CLI_EXIT_UNKNOWN;
        goto done;
    }
    if (st != NSG_PROVE_PROVEN)
        fprintf(stderr,
                "nsgproof enforce: WARNING: --force-unproven: the plan is "
                "%s, and it is %s anyway. The %s may block observed "
                "legitimate traffic, open what is closed today or break the "
                "platform's traffic (see the proof above).%s\n",
                nsg_prove_status_name(st),
                apply ? "APPLIED TO AZURE" : "written",
                apply ? "change" : "files",
                apply ? "" : " Do not apply them unless you accept that.");
    if (apply) {
        enum nsg_apply_status ast = NSG_APPLY_OK;
        cJSON *rep = cJSON_CreateObject();
        nsg_rc rc;
        dir = out ? g_strdup(out) : default_dir(plan);
        ao.dir = dir;
        ao.corpus_path = corpus;
        ao.plan_path = plan;
        ao.forced = st != NSG_PROVE_PROVEN;
        rc = nsg_apply_plan(r.c, r.p, &ao, rep, &ast, &err);
        cli_cap_clear_progress(&cap_out);
        if (json) {
            cJSON *o = cJSON_CreateObject();
            if (rc)
                cJSON_AddStringToObject(rep, "error", err.msg);
            cJSON_AddItemToObject(o, "prove", r.report);
            r.report = NULL;
            cJSON_AddBoolToObject(o, "forced", st != NSG_PROVE_PROVEN);
            cJSON_AddItemToObject(o, "apply", rep);
            cli_print_json(o);
            cJSON_Delete(o);
        } else {
            if (cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(rep,
                                                                    "nsgs")))
                print_report(rep, false);
            cJSON_Delete(rep);
        }
        status = apply_exit(rc, ast, &err);
        goto done;
    }
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
    g_free(dir);
    cJSON_Delete(written);
    cli_prove_release(&r);
    return status;
}
