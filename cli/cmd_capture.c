/* cmd_capture.c - `nsgproof capture arm` and `nsgproof capture flowlogs`:
 * live capture from Azure (ARM REST and Blob storage) into a corpus, with
 * credentials from the environment (docs/capture.md).  Progress goes to a
 * terminal only; --verbose shows every request with secrets redacted. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <glib.h>

#include "../capture/capture.h"
#include "cli.h"
#include "cli_capture.h"
#include "cli_opt.h"

/* Each capture's variables, so that one macro per capture builds its
 * option table (parsing) and the manual page's table alike. */
struct arm_vars {
    struct nsg_cap_arm_opts o;
    struct cli_strv rgs;
    const char *corpus;
    double lock;
    bool verbose;
    struct cli_output out;
};
struct flow_vars {
    struct nsg_cap_flow_opts o;
    struct cli_strv containers;
    const char *corpus;
    double lock;
    long parallel;
    bool verbose;
    struct cli_output out;
};

/* The options both captures take. */
#define COMMON_OPTS(v)                                                         \
    CLI_OPT_STR("ca-file", &(v).o.common.ca_file, "FILE",                      \
                "also trust the CAs in this PEM file"),                        \
        CLI_OPT_SECONDS("lock-wait", &(v).lock,                                \
                        "wait this long for another import (default 30)"),     \
        CLI_OPT_FLAG("verbose", &(v).verbose,                                  \
                     "show every request and answer (secrets redacted)"),      \
        CLI_OPT_OUTPUT(&(v).out)

#define ARM_OPTS(v)                                                            \
    CLI_OPT_STR("corpus", &(v).corpus, "DIR",                                  \
                "the corpus (created when missing)"),                          \
        CLI_OPT_STR("subscription", &(v).o.subscription, "ID",                 \
                    "the subscription id"),                                    \
        CLI_OPT_STRS("resource-group", &(v).rgs, "RG",                         \
                     "only this resource group"),                              \
        CLI_OPT_STR("service-tags", &(v).o.service_tags_location, "LOCATION",  \
                    "also the Service Tags of this region (e.g. westeurope)"), \
        CLI_OPT_STR("arm-endpoint", &(v).o.arm_endpoint, "URL",                \
                    "ARM endpoint (default https://management.azure.com)"),    \
        CLI_OPT_STR("login-endpoint", &(v).o.common.login_endpoint, "URL",     \
                    "token endpoint (default "                                 \
                    "https://login.microsoftonline.com)"),                     \
        COMMON_OPTS(v)

#define FLOW_OPTS(v)                                                           \
    CLI_OPT_STR("corpus", &(v).corpus, "DIR",                                  \
                "the corpus (created when missing)"),                          \
        CLI_OPT_STR("account", &(v).o.account, "NAME", "the storage account"), \
        CLI_OPT_STRS("container", &(v).containers, "C",                        \
                     "only this container (default both flow-log "             \
                     "containers)"),                                           \
        CLI_OPT_STR("prefix", &(v).o.prefix, "P",                              \
                    "only blobs whose name begins so"),                        \
        CLI_OPT_TIME("since", &(v).o.since,                                    \
                     "skip blobs last modified before (ISO 8601 or unix "      \
                     "seconds)"),                                              \
        CLI_OPT_STR("blob-endpoint", &(v).o.blob_endpoint, "URL",              \
                    "Blob endpoint (default https://ACCOUNT.blob.core."        \
                    "windows.net)"),                                           \
        CLI_OPT_NUM("parallel", &(v).parallel, "N", 1, 16,                     \
                    "downloads at once (1-16, default 4)"),                    \
        CLI_OPT_STR("login-endpoint", &(v).o.common.login_endpoint, "URL",     \
                    "token endpoint (bearer credentials)"),                    \
        COMMON_OPTS(v)

#define ARM_SYNOPSIS                                                           \
    "arm --corpus DIR --subscription ID [--resource-group RG]...\n"            \
    "         [--service-tags LOCATION] [--arm-endpoint URL] "                 \
    "[--login-endpoint URL]\n"                                                 \
    "         [--ca-file FILE] [--lock-wait SECONDS] [--verbose] "             \
    "[--format text|json]"
#define FLOW_SYNOPSIS                                                          \
    "flowlogs --corpus DIR --account NAME [--container C]... [--prefix P]\n"   \
    "         [--since TIME] [--blob-endpoint URL] [--parallel N] "            \
    "[--login-endpoint URL]\n"                                                 \
    "         [--ca-file FILE] [--lock-wait SECONDS] [--verbose] "             \
    "[--format text|json]"
#define EXIT_TEXT                                                              \
    "JSON schema: docs/capture.md.\n"                                          \
    "Exit: 0 captured, 2 usage, input, credential or service error, 3\n"       \
    "internal inconsistency.\n"

static const char *const arm_synopsis[] = {ARM_SYNOPSIS, NULL};
static const struct cli_command_help arm_help = {
    "capture", arm_synopsis,
    "Capture a subscription's network configuration from Azure Resource\n"
    "Manager into the corpus, in one transaction (all or nothing).",
    "Credentials (environment): AZURE_ACCESS_TOKEN; or AZURE_TENANT_ID and\n"
    "AZURE_CLIENT_ID with AZURE_CLIENT_SECRET or AZURE_FEDERATED_TOKEN_FILE.\n"
    EXIT_TEXT,
    NULL};

static const char *const flow_synopsis[] = {FLOW_SYNOPSIS, NULL};
static const struct cli_command_help flow_help = {
    "capture", flow_synopsis,
    "Capture NSG and VNet flow logs from a storage account into the\n"
    "corpus: new blobs are downloaded, grown ones read from their\n"
    "checkpoint; a killed capture resumes without counting anything twice.",
    "Credentials (environment): AZURE_STORAGE_KEY (Shared Key), or\n"
    "AZURE_STORAGE_SAS, or Azure credentials as for 'capture arm' (a token\n"
    "for https://storage.azure.com).  Default containers: "
    NSG_CAP_CONTAINER_NSG "\nand " NSG_CAP_CONTAINER_VNET ".\n" EXIT_TEXT,
    NULL};

static const char *const top_synopsis[] = {ARM_SYNOPSIS, FLOW_SYNOPSIS, NULL};
static const struct cli_command_help top_help = {
    "capture", top_synopsis,
    "Capture configuration (ARM) or flow logs (Blob storage) live from\n"
    "Azure.  'nsgproof capture arm --help' and 'nsgproof capture flowlogs\n"
    "--help' list each one's options.",
    NULL, NULL};

/* What both captures check after parsing: a corpus; the lock wait. */
static const char *check_common(const char *corpus, double lock,
                                int *lock_wait_ms)
{
    if (!corpus)
        return "--corpus DIR is required";
    *lock_wait_ms = lock < 0 ? -1 : (int)(lock * 1000);
    return NULL;
}

static int finish(struct cli_cap_out *o, nsg_rc rc, struct nsg_err *err,
                  cJSON *report, bool json, void (*text)(const cJSON *))
{
    cli_cap_clear_progress(o);
    if (json) {
        if (rc) {
            cJSON_AddStringToObject(report, "error", err->msg);
        }
        cli_print_json(report);
    } else if (!rc) {
        text(report);
    }
    int status = rc ? cli_fail(err) : CLI_EXIT_OK;
    cJSON_Delete(report);
    return status;
}

static double num(const cJSON *o, const char *k)
{
    return cli_json_num(o, k);
}

/* ---- capture arm -------------------------------------------------------- */

static void arm_text(const cJSON *r)
{
    const cJSON *t;
    printf("captured subscription %s (%s credentials) at %s\n",
           cli_json_str(r, "subscription", ""), cli_json_str(r, "credential", ""),
           cli_json_str(r, "captured_at", ""));
    cJSON_ArrayForEach(t, cJSON_GetObjectItemCaseSensitive(r, "lists"))
    {
        if (num(t, "resources") || num(t, "pages") > 1)
            printf("  %-28s %5g listed (%g pages)\n", t->string,
                   num(t, "resources"), num(t, "pages"));
    }
    const cJSON *e = cJSON_GetObjectItemCaseSensitive(r, "effective_admin_rules");
    printf("  effective admin rules: %g rules for %g virtual networks\n",
           num(e, "rules"), num(e, "vnets"));
    const cJSON *st = cJSON_GetObjectItemCaseSensitive(r, "service_tags");
    if (st)
        printf("  service tags of %s: %g tags\n", cli_json_str(st, "location", ""),
               num(st, "tags"));
    const cJSON *res = cJSON_GetObjectItemCaseSensitive(r, "resources");
    printf("resources: %g new, %g changed, %g unchanged; imported:",
           num(res, "new"), num(res, "changed"), num(res, "unchanged"));
    const char *sep = " ";
    cJSON_ArrayForEach(t, cJSON_GetObjectItemCaseSensitive(r, "imported"))
    {
        printf("%s%g %s", sep, t->valuedouble, t->string);
        sep = ", ";
    }
    printf("%s\n", *sep == ' ' ? "nothing" : "");
    cJSON_ArrayForEach(t, cJSON_GetObjectItemCaseSensitive(r, "notes"))
        printf("  note: %s\n", t->valuestring);
    int n_skipped = cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(r, "skipped"));
    if (n_skipped)
        printf("  %d listed items not modelled (--json lists them)\n", n_skipped);
    const cJSON *h = cJSON_GetObjectItemCaseSensitive(r, "http");
    printf("http: %g requests, %g retries\n", num(h, "requests"), num(h, "retries"));
}

static int capture_arm(int argc, char **argv)
{
    struct arm_vars v;
    struct nsg_err err = NSG_ERR_INIT;
    memset(&v, 0, sizeof(v));
    v.lock = -1;
    v.o.captured_at = (int64_t)time(NULL);
    struct cli_option opts[] = {ARM_OPTS(v), CLI_OPT_ENDMARK};
    const char *bad = NULL;
    int status = cli_opt_parse(&arm_help, opts, argc, argv, NULL, NULL);
    if (!status)
        bad = check_common(v.corpus, v.lock, &v.o.common.lock_wait_ms);
    if (!status && !bad && !v.o.subscription)
        bad = "--subscription ID is required";
    if (status || bad) {
        cli_strv_release(&v.rgs);
        return bad ? cli_opt_error(&arm_help, "%s", bad)
                   : cli_opt_status(status);
    }
    struct nsg_cap_hooks hooks;
    struct cli_cap_out out;
    cli_cap_hooks_init(&hooks, &out, v.verbose);
    v.o.common.corpus = v.corpus;
    v.o.common.hooks = &hooks;
    v.o.resource_groups = v.rgs.v;
    v.o.n_resource_groups = v.rgs.n;
    cJSON *report = cJSON_CreateObject();
    nsg_rc rc = nsg_cap_arm(&v.o, report, &err);
    status = finish(&out, rc, &err, report, v.out.format == CLI_FORMAT_JSON,
                    arm_text);
    cli_strv_release(&v.rgs);
    return status;
}

/* ---- capture flowlogs --------------------------------------------------- */

static void flow_text(const cJSON *r)
{
    const cJSON *c;
    printf("captured flow logs of storage account %s (%s)\n",
           cli_json_str(r, "account", ""), cli_json_str(r, "auth", ""));
    cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(r, "containers"))
    {
        if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(c, "missing"))) {
            printf("  %s: no such container\n", cli_json_str(c, "name", ""));
            continue;
        }
        printf("  %s: %g blobs listed (%g pages)\n", cli_json_str(c, "name", ""),
               num(c, "blobs"), num(c, "pages"));
    }
    const cJSON *b = cJSON_GetObjectItemCaseSensitive(r, "blobs");
    printf("blobs: %g downloaded whole, %g read from their checkpoint, %g "
           "unchanged, %g skipped (--since)\n",
           num(b, "downloaded"), num(b, "ranged"), num(b, "unchanged"),
           num(b, "before_since"));
    if (num(b, "final_changed"))
        printf("  %g blobs changed after they were final (closed, their hour "
               "over): not read again\n",
               num(b, "final_changed"));
    if (num(b, "not_flowlog"))
        printf("  %g blobs are not flow logs (name without resourceId= or "
               "flowLogResourceID=, or not .json): not read\n",
               num(b, "not_flowlog"));
    const cJSON *f = cJSON_GetObjectItemCaseSensitive(r, "flows");
    printf("records: %g new, %g already imported, %g bad; tuples %g; %g "
           "batches committed\n",
           num(f, "records"), num(f, "records_already_imported"),
           num(f, "records_bad"), num(f, "tuples"), num(r, "batches"));
    const cJSON *h = cJSON_GetObjectItemCaseSensitive(r, "http");
    printf("http: %g requests, %g retries, %g bytes\n", num(h, "requests"),
           num(h, "retries"), num(h, "bytes"));
}

static int capture_flowlogs(int argc, char **argv)
{
    struct flow_vars v;
    struct nsg_err err = NSG_ERR_INIT;
    memset(&v, 0, sizeof(v));
    v.lock = -1;
    v.parallel = 4;
    struct cli_option opts[] = {FLOW_OPTS(v), CLI_OPT_ENDMARK};
    const char *bad = NULL;
    int status = cli_opt_parse(&flow_help, opts, argc, argv, NULL, NULL);
    if (!status)
        bad = check_common(v.corpus, v.lock, &v.o.common.lock_wait_ms);
    if (!status && !bad && !v.o.account)
        bad = "--account NAME is required";
    if (status || bad) {
        cli_strv_release(&v.containers);
        return bad ? cli_opt_error(&flow_help, "%s", bad)
                   : cli_opt_status(status);
    }
    struct nsg_cap_hooks hooks;
    struct cli_cap_out out;
    cli_cap_hooks_init(&hooks, &out, v.verbose);
    v.o.common.corpus = v.corpus;
    v.o.common.hooks = &hooks;
    v.o.containers = v.containers.v;
    v.o.n_containers = v.containers.n;
    v.o.parallel = (int)v.parallel;
    cJSON *report = cJSON_CreateObject();
    nsg_rc rc = nsg_cap_flowlogs(&v.o, report, &err);
    status = finish(&out, rc, &err, report, v.out.format == CLI_FORMAT_JSON,
                    flow_text);
    cli_strv_release(&v.containers);
    return status;
}

/* `capture` without arm or flowlogs: parsed against every option of both
 * (so --help, and errors, are the same as everywhere), then a usage error
 * asking which. */
static int top_level(int argc, char **argv)
{
    struct arm_vars a;
    struct flow_vars f;
    memset(&a, 0, sizeof(a));
    memset(&f, 0, sizeof(f));
    struct cli_option arm[] = {ARM_OPTS(a), CLI_OPT_ENDMARK};
    struct cli_option flow[] = {FLOW_OPTS(f), CLI_OPT_ENDMARK};
    /* one table: arm's options, then those only flowlogs has */
    struct cli_option all[G_N_ELEMENTS(arm) + G_N_ELEMENTS(flow)];
    size_t n = 0;
    for (size_t i = 0; arm[i].kind != CLI_OPT_END; i++)
        all[n++] = arm[i];
    for (size_t i = 0; flow[i].kind != CLI_OPT_END; i++) {
        bool dup = false;
        for (size_t k = 0; k < n; k++)
            dup = dup || !strcmp(all[k].long_name, flow[i].long_name);
        if (!dup)
            all[n++] = flow[i];
    }
    all[n] = (struct cli_option)CLI_OPT_ENDMARK;
    int status = cli_opt_parse(&top_help, all, argc, argv, NULL, NULL);
    cli_strv_release(&a.rgs);
    cli_strv_release(&f.containers);
    if (status)
        return cli_opt_status(status);
    return cli_opt_error(&top_help, "give what to capture: arm or flowlogs");
}

int cmd_capture(int argc, char **argv)
{
    if (argc >= 2 && !strcmp(argv[1], "arm"))
        return capture_arm(argc - 1, argv + 1);
    if (argc >= 2 && !strcmp(argv[1], "flowlogs"))
        return capture_flowlogs(argc - 1, argv + 1);
    return top_level(argc, argv);
}
