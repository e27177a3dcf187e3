/* cmd_compact.c - `nsgproof compact`: merges every stored flow segment of
 * a corpus into one (nsg_fstore_compact) in one atomic transaction. */
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "../corpus/flowstore.h"
#include "cli.h"

static const char usage[] =
    "usage: nsgproof compact --corpus DIR [--lock-wait SECONDS] [--json]\n"
    "  --corpus DIR  the corpus (must exist)\n"
    "  --lock-wait SECONDS  wait this long for an import (default 30)\n"
    "  --json        print the report as JSON (schema: docs/compact.md)\n";

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
    static const struct option opts[] = {
        {"corpus", required_argument, NULL, 'c'},
        {"lock-wait", required_argument, NULL, 'w'},
        {"json", no_argument, NULL, 'j'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    struct nsg_err err = NSG_ERR_INIT;
    struct nsg_corpus *c = NULL;
    const char *dir = NULL;
    bool json = false;
    double lock_wait = 30;
    int opt;

    optind = 1;
    while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (opt) {
        case 'c':
            dir = optarg;
            break;
        case 'j':
            json = true;
            break;
        case 'w':
            if (!cli_parse_seconds(optarg, &lock_wait))
                return cli_usage_error(usage,
                                       "--lock-wait: '%s' is not a "
                                       "number of seconds",
                                       optarg);
            break;
        case 'h':
            fputs(usage, stdout);
            return CLI_EXIT_OK;
        default:
            return cli_usage_error(usage, "bad option");
        }
    }
    if (!dir)
        return cli_usage_error(usage, "--corpus DIR is required");
    if (optind < argc)
        return cli_usage_error(usage, "unexpected argument '%s'",
                               argv[optind]);
    if (nsg_corpus_open(dir, false, &c, &err))
        return cli_fail(&err);
    nsg_corpus_set_lock_wait(c, (int)(lock_wait * 1000));

    cJSON *rep = cJSON_CreateObject();
    cJSON_AddStringToObject(rep, "corpus", dir);
    nsg_rc rc = run(c, rep, &err);
    int status = CLI_EXIT_OK;
    if (rc) {
        status = cli_fail(&err);
    } else if (json) {
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
