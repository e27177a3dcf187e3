/* cmd_compact.c - `nsgproof compact`: merges every stored flow segment of
 * a corpus into one (nsg_fstore_compact) in one atomic transaction. */
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "../corpus/flowstore.h"
#include "cli.h"
#include "cli_opt.h"

static const char *const synopsis[] = {
    "--corpus DIR [--lock-wait SECONDS] [--format text|json]", NULL};
static const struct cli_command_help help = {
    "compact", synopsis,
    "Merge every stored flow segment of a corpus into one, in one atomic\n"
    "transaction (replay answers are unchanged).",
    "JSON schema: docs/compact.md.\n"
    "Exit: 0 compacted or nothing to merge, 2 usage or input error.\n",
    NULL};

/* Flows listed in the published manifest (for the no-op report). */
static double listed_flows(struct nsg_corpus *c)
{
    const cJSON *sec = nsg_corpus_section(c, "flows"), *s;
    double n = 0;
    cJSON_ArrayForEach(s, cJSON_GetObjectItemCaseSensitive(sec, "segments"))
        n += cli_json_num(s, "flows");
    return n;
}

static nsg_rc run(struct nsg_corpus *c, cJSON *rep, struct nsg_err *err)
{
    struct nsg_txn *txn = NULL;
    int64_t gen0 = nsg_corpus_generation(c);
    nsg_rc rc = nsg_corpus_begin(c, &txn, err);
    if (rc)
        return rc;
    rc = nsg_fstore_compact(txn, rep, err);
    bool compacted =
        cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(rep, "compacted"));
    /* Test hook (tests/t_compact.sh): die like a killed process once the
     * new segment is written, before the commit point. */
    const char *hook = getenv("NSGPROOF_TEST_KILL");
    if (!rc && compacted && hook && !strcmp(hook, "compact-before-commit"))
        raise(SIGKILL);
    if (!rc && compacted)
        rc = nsg_corpus_commit(&txn, err);
    nsg_corpus_rollback(txn);
    if (!compacted) {
        double n = listed_flows(c);
        cJSON_AddNumberToObject(rep, "flows_before", n);
        cJSON_AddNumberToObject(rep, "flows_after", n);
    }
    cJSON_AddBoolToObject(rep, "committed", !rc && compacted);
    cJSON_AddNumberToObject(rep, "generation",
                            (double)(rc ? gen0 : nsg_corpus_generation(c)));
    return rc;
}

int cmd_compact(int argc, char **argv)
{
    struct nsg_err err = NSG_ERR_INIT;
    struct nsg_corpus *c = NULL;
    const char *dir = NULL;
    struct cli_output fmt = CLI_OUTPUT_INIT;
    double lock_wait = 30;
    struct cli_option opts[] = {
        CLI_OPT_STR("corpus", &dir, "DIR", "the corpus (must exist)"),
        CLI_OPT_SECONDS("lock-wait", &lock_wait,
                        "wait this long for an import (default 30)"),
        CLI_OPT_OUTPUT(&fmt),
        CLI_OPT_ENDMARK};
    int status = cli_opt_parse(&help, opts, argc, argv, NULL, NULL);

    if (status)
        return cli_opt_status(status);
    if (!dir)
        return cli_opt_error(&help, "--corpus DIR is required");
    if (nsg_corpus_open(dir, false, &c, &err))
        return cli_fail(&err);
    nsg_corpus_set_lock_wait(c, (int)(lock_wait * 1000));

    cJSON *rep = cJSON_CreateObject();
    cJSON_AddStringToObject(rep, "corpus", dir);
    nsg_rc rc = run(c, rep, &err);
    if (rc) {
        status = cli_fail(&err);
    } else if (fmt.format == CLI_FORMAT_JSON) {
        cli_print_json(rep);
    } else if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(rep, "compacted"))) {
        printf("corpus %s: compacted %g segments into one (generation %g)\n"
               "flows: %g before, %g after\n",
               dir, cli_json_num(rep, "segments_before"), cli_json_num(rep, "generation"),
               cli_json_num(rep, "flows_before"), cli_json_num(rep, "flows_after"));
    } else {
        printf("corpus %s: no change (%g segment%s, nothing to merge)\n", dir,
               cli_json_num(rep, "segments_before"),
               cli_json_num(rep, "segments_before") == 1 ? "" : "s");
    }
    cJSON_Delete(rep);
    nsg_corpus_close(c);
    return status;
}
