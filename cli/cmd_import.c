/* cmd_import.c - `nsgproof import`: reads configuration files (ARM, az
 * CLI, Service Tags) and flow logs into a corpus in one transaction, and
 * reports per file what was imported, unchanged, skipped or bad. */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "../common/nsg_walk.h"
#include "../importer/importer.h"
#include "cli.h"

static const char usage[] =
    "usage: nsgproof import --corpus DIR [--keep-going] [--captured-at TIME]\n"
    "                      [--lock-wait SECONDS] [--json] PATH...\n"
    "  PATH          a file or a directory (read recursively, in sorted "
    "order,\n"
    "                hidden files skipped)\n"
    "  --corpus DIR  the corpus (created when missing)\n"
    "  --keep-going  commit the good files even when some are bad (exit 2)\n"
    "  --captured-at TIME  capture time of this import's resource versions:\n"
    "                ISO 8601 (2026-11-20T13:00:00Z) or unix seconds;\n"
    "                default now\n"
    "  --lock-wait SECONDS  wait this long for another import (default 30)\n"
    "  --vnet ID     the virtual network whose effective security admin\n"
    "                rules (az network manager list-effective-security-\n"
    "                admin-rule) the files hold\n"
    "  --json        print the report as JSON (schema: docs/import.md)\n";

/* Report counters; the keys of "counts" in the order they are printed. */
static const char *const count_keys[] = {
    "nsg",      "rules", "vnet", "subnet",     "nic",
    "publicip", "vm",    "asg",  "routetable", "service_tags"};
#define N_COUNTS (sizeof(count_keys) / sizeof(count_keys[0]))

struct import {
    struct nsg_corpus *c;
    struct nsg_txn *txn;
    int64_t captured_at;
    bool keep_going;
    struct nsg_imp_opts opts; /* --vnet */
    GHashTable *seen;      /* sha256 of config files of this import */
    GPtrArray *flow_paths; /* char * (borrowed from files) */
    cJSON *report;
    cJSON *files;              /* array, per file */
    cJSON *failed;             /* array of {path, error} */
    long totals[3];            /* new, changed, unchanged resources */
    int64_t gen0;              /* generation when the transaction began */
    struct nsg_topology *topo; /* the model after this import (cached) */
};

/* ---- one configuration file -------------------------------------------- */

static cJSON *counts_new(void)
{
    cJSON *c = cJSON_CreateObject();
    for (size_t i = 0; i < N_COUNTS; i++)
        cJSON_AddNumberToObject(c, count_keys[i], 0);
    return c;
}

static void count_add(cJSON *counts, const char *key, int n)
{
    cJSON *v = cJSON_GetObjectItemCaseSensitive(counts, key);
    if (v)
        cJSON_SetNumberValue(v, v->valuedouble + n);
    else if (n) /* a type beyond the usual ones (admin rules...) */
        cJSON_AddNumberToObject(counts, key, n);
}

static cJSON *str_list(GPtrArray *a)
{
    cJSON *arr = cJSON_CreateArray();
    for (guint i = 0; a && i < a->len; i++)
        cJSON_AddItemToArray(arr, cJSON_CreateString(a->pdata[i]));
    return arr;
}

/* Store the items and tags of cfg; fills counts and res {new, changed,
 * unchanged}. */
static nsg_rc store_config(struct import *im, const char *path,
                           const struct nsg_imp_config *cfg, cJSON *counts,
                           long res[3], struct nsg_err *err)
{
    for (guint i = 0; i < cfg->items->len; i++) {
        const struct nsg_imp_item *it = cfg->items->pdata[i];
        const cJSON *id = cJSON_GetObjectItemCaseSensitive(it->json, "id");
        bool existed = cJSON_IsString(id) &&
                       nsg_txn_has_resource(im->txn, id->valuestring);
        bool changed;
        nsg_rc rc = nsg_txn_add_resource(im->txn, it->type, it->json,
                                         im->captured_at, &changed, err);
        if (rc)
            return nsg_err_prefix(err, "%s: %s", path, it->jpath);
        res[!changed ? 2 : existed ? 1 : 0]++;
        count_add(counts, nsg_res_type_name(it->type), 1);
        if (it->type == NSG_RES_NSG) {
            const cJSON *p =
                cJSON_GetObjectItemCaseSensitive(it->json, "properties");
            count_add(counts, "rules",
                      cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(
                          p, "securityRules")));
        }
    }
    if (cfg->service_tags) {
        bool changed;
        nsg_rc rc =
            nsg_txn_add_service_tags(im->txn, cfg->service_tags, &changed, err);
        if (rc)
            return rc;
        count_add(counts, "service_tags",
                  cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(
                      cfg->service_tags, "values")));
    }
    return NSG_OK;
}

static cJSON *res_counts(const long res[3])
{
    cJSON *r = cJSON_CreateObject();
    cJSON_AddNumberToObject(r, "new", (double)res[0]);
    cJSON_AddNumberToObject(r, "changed", (double)res[1]);
    cJSON_AddNumberToObject(r, "unchanged", (double)res[2]);
    return r;
}

static nsg_rc import_config(struct import *im, const char *path, cJSON *entry,
                            struct nsg_err *err)
{
    struct nsg_buf b = NSG_BUF_INIT;
    struct nsg_imp_config *cfg = NULL;
    cJSON *counts = NULL;
    long res[3] = {0, 0, 0};
    char sha[65];
    nsg_rc rc = nsg_buf_read_file(&b, path, NSG_IMP_MAX_JSON_BYTES, err);

    if (rc)
        goto out;
    nsg_sha256_hex(b.buf ? b.buf : "", b.len, sha);
    cJSON_AddStringToObject(entry, "sha256", sha);
    if (nsg_corpus_has_source(im->c, sha) ||
        g_hash_table_contains(im->seen, sha)) {
        cJSON_AddStringToObject(entry, "status", "unchanged");
        cJSON_AddStringToObject(entry, "reason",
                                "this content was already "
                                "imported");
        goto out;
    }
    rc = nsg_imp_config_parse_opts(path, b.buf ? b.buf : "", b.len, &im->opts,
                                   &cfg, err);
    if (rc)
        goto out;
    if (!cfg->items->len && !cfg->service_tags) {
        cJSON_AddStringToObject(entry, "status", "skipped");
        cJSON_AddStringToObject(entry, "reason",
                                "no network resources or "
                                "service tags in it");
        cJSON_AddItemToObject(entry, "skipped", str_list(cfg->skipped));
        goto out;
    }
    counts = counts_new();
    rc = store_config(im, path, cfg, counts, res, err);
    if (rc)
        goto out;
    char *abs = realpath(path, NULL);
    rc = nsg_txn_add_source(im->txn, abs ? abs : path, sha, counts, err);
    free(abs);
    if (rc)
        goto out;
    g_hash_table_add(im->seen, g_strdup(sha));
    for (int i = 0; i < 3; i++)
        im->totals[i] += res[i];
    cJSON_AddStringToObject(entry, "status", "imported");
    cJSON_AddItemToObject(entry, "counts", counts);
    counts = NULL;
    cJSON_AddItemToObject(entry, "resources", res_counts(res));
    cJSON_AddItemToObject(entry, "skipped", str_list(cfg->skipped));
    cJSON_AddItemToObject(entry, "warnings", str_list(cfg->warnings));
out:
    cJSON_Delete(counts);
    nsg_imp_config_free(cfg);
    nsg_buf_release(&b);
    return rc;
}

/* ---- the whole import -------------------------------------------------- */

static cJSON *file_entry(struct import *im, const char *path, const char *kind)
{
    cJSON *e = cJSON_CreateObject();
    cJSON_AddStringToObject(e, "path", path);
    cJSON_AddStringToObject(e, "kind", kind);
    cJSON_AddItemToArray(im->files, e);
    return e;
}

static void note_failure(struct import *im, cJSON *entry, const char *path,
                         const struct nsg_err *err)
{
    cJSON *f = cJSON_CreateObject();
    cJSON_AddStringToObject(f, "path", path);
    cJSON_AddStringToObject(f, "error", err->msg);
    cJSON_AddItemToArray(im->failed, f);
    if (entry) {
        cJSON_DeleteItemFromObjectCaseSensitive(entry, "status");
        cJSON_AddStringToObject(entry, "status", "failed");
        cJSON_AddStringToObject(entry, "error", err->msg);
    }
}

/* Run one step under a savepoint when --keep-going; a failure is fatal
 * otherwise.  Returns the fatal error, or NSG_OK. */
static nsg_rc one_file(struct import *im, const char *path, struct nsg_err *err)
{
    enum nsg_imp_kind kind = nsg_imp_sniff(path);
    struct nsg_err ferr = NSG_ERR_INIT;
    struct nsg_txn_mark *mark;
    struct stat st;
    cJSON *e;

    if (kind == NSG_IMP_KIND_FLOWLOG) {
        e = file_entry(im, path, "flowlog");
        cJSON_AddStringToObject(e, "status", "imported");
        g_ptr_array_add(im->flow_paths, (char *)path);
        return NSG_OK;
    }
    if (kind == NSG_IMP_KIND_UNKNOWN) {
        e = file_entry(im, path, "unknown");
        cJSON_AddStringToObject(e, "status", "skipped");
        cJSON_AddStringToObject(e, "reason",
                                stat(path, &st) == 0 && st.st_size == 0
                                    ? "empty file"
                                    : "not a configuration (ARM, az, Service "
                                      "Tags) or flow-log JSON file");
        return NSG_OK;
    }
    e = file_entry(im, path, "config");
    mark = im->keep_going ? nsg_txn_mark(im->txn) : NULL;
    nsg_rc rc = import_config(im, path, e, &ferr);
    if (!rc) {
        nsg_txn_mark_free(mark);
        return NSG_OK;
    }
    note_failure(im, e, path, &ferr);
    if (mark) {
        nsg_txn_restore(im->txn, mark);
        return NSG_OK;
    }
    *err = ferr;
    return rc;
}

/* Each flow-log file's status from the importer's per-file breakdown:
 * "unchanged" when it contributed no new record (all of them were
 * already imported, or it holds none), "imported" otherwise. */
static void flow_statuses(struct import *im, const cJSON *rep)
{
    const cJSON *pf = cJSON_GetObjectItemCaseSensitive(rep, "per_file");
    cJSON *e;
    const cJSON *f;
    cJSON_ArrayForEach(e, im->files)
    {
        if (strcmp(cJSON_GetObjectItemCaseSensitive(e, "kind")->valuestring,
                   "flowlog"))
            continue;
        const char *path =
            cJSON_GetObjectItemCaseSensitive(e, "path")->valuestring;
        cJSON_ArrayForEach(f, pf)
        {
            const cJSON *p = cJSON_GetObjectItemCaseSensitive(f, "path");
            if (cJSON_IsString(p) && !strcmp(p->valuestring, path))
                break;
        }
        if (!f)
            continue;
        double n_new = cJSON_GetObjectItemCaseSensitive(f, "records_new")
                           ->valuedouble;
        double n_old =
            cJSON_GetObjectItemCaseSensitive(f, "records_already_imported")
                ->valuedouble;
        cJSON_AddNumberToObject(e, "records_new", n_new);
        cJSON_AddNumberToObject(e, "records_already_imported", n_old);
        if (n_new > 0)
            continue;
        cJSON_ReplaceItemInObjectCaseSensitive(e, "status",
                                               cJSON_CreateString("unchanged"));
        cJSON_AddStringToObject(e, "reason",
                                n_old > 0 ? "its records were already imported"
                                          : "no new flow record in it");
    }
}

static nsg_rc import_flows(struct import *im, struct nsg_err *err)
{
    struct nsg_topology *t = NULL;
    struct nsg_err ferr = NSG_ERR_INIT;
    struct nsg_txn_mark *mark = NULL;
    nsg_rc rc;

    if (!im->flow_paths->len)
        return NSG_OK;
    cJSON *rep = cJSON_AddObjectToObject(im->report, "flowlogs");
    /* The model as it will be after commit: the corpus plus this
     * import's configuration files. */
    rc = nsg_txn_load(im->txn, NSG_TIME_LATEST, &t, err);
    if (rc)
        return rc;
    im->topo = t; /* flow import adds no resources: reused for warnings */
    mark = im->keep_going ? nsg_txn_mark(im->txn) : NULL;
    rc = nsg_imp_flowlogs(im->txn, im->c, t,
                          (const char *const *)im->flow_paths->pdata,
                          im->flow_paths->len, rep, &ferr);
    if (!rc) {
        nsg_txn_mark_free(mark);
        flow_statuses(im, rep);
        return NSG_OK;
    }
    /* The flow importer reads its files as one stream: all of them fail
     * together (its message names the bad file and offset). */
    cJSON *e;
    cJSON_ArrayForEach(e, im->files)
    {
        const cJSON *k = cJSON_GetObjectItemCaseSensitive(e, "kind");
        if (!strcmp(k->valuestring, "flowlog"))
            note_failure(
                im, e, cJSON_GetObjectItemCaseSensitive(e, "path")->valuestring,
                &ferr);
    }
    if (mark) {
        nsg_txn_restore(im->txn, mark);
        return NSG_OK;
    }
    *err = ferr;
    return rc;
}

/* Warnings of the linked model after this import (missing references). */
static nsg_rc add_warnings(struct import *im, struct nsg_err *err)
{
    if (!im->topo) {
        nsg_rc rc = nsg_txn_load(im->txn, NSG_TIME_LATEST, &im->topo, err);
        if (rc)
            return rc;
    }
    cJSON_AddItemToObject(im->report, "warnings", str_list(im->topo->warnings));
    return NSG_OK;
}

/* ---- output ------------------------------------------------------------ */

static void print_file(const cJSON *e)
{
    const char *status = cli_json_str(e, "status", "");
    printf("  %s: %s", cli_json_str(e, "path", ""), cli_json_str(e, "kind", ""));
    if (!strcmp(status, "imported") && !strcmp(cli_json_str(e, "kind", ""), "config")) {
        const cJSON *c = cJSON_GetObjectItemCaseSensitive(e, "counts");
        const cJSON *r = cJSON_GetObjectItemCaseSensitive(e, "resources");
        double nn = cJSON_GetObjectItemCaseSensitive(c, "nsg")->valuedouble;
        double nr = cJSON_GetObjectItemCaseSensitive(c, "rules")->valuedouble;
        const char *sep = ": ";
        if (nn) {
            printf("%s%g nsg (%g rules)", sep, nn, nr);
            sep = ", ";
        }
        const cJSON *v;
        cJSON_ArrayForEach(v, c)
        {
            if (!strcmp(v->string, "nsg") || !strcmp(v->string, "rules") ||
                v->valuedouble == 0)
                continue;
            printf("%s%g %s", sep, v->valuedouble, v->string);
            sep = ", ";
        }
        if (!strcmp(sep, ": "))
            printf(": nothing to import");
        printf("; resources %g new, %g changed, %g unchanged\n",
               cJSON_GetObjectItemCaseSensitive(r, "new")->valuedouble,
               cJSON_GetObjectItemCaseSensitive(r, "changed")->valuedouble,
               cJSON_GetObjectItemCaseSensitive(r, "unchanged")->valuedouble);
        cJSON_ArrayForEach(v, cJSON_GetObjectItemCaseSensitive(e, "skipped"))
            printf("    skipped %s\n", v->valuestring);
        cJSON_ArrayForEach(v, cJSON_GetObjectItemCaseSensitive(e, "warnings"))
            printf("    warning: %s\n", v->valuestring);
    } else if (!strcmp(status, "imported") &&
               cJSON_GetObjectItemCaseSensitive(e, "records_new")) {
        printf(": imported (%g new records, %g already imported)\n",
               cJSON_GetObjectItemCaseSensitive(e, "records_new")->valuedouble,
               cJSON_GetObjectItemCaseSensitive(e, "records_already_imported")
                   ->valuedouble);
    } else if (!strcmp(status, "failed")) {
        printf(": FAILED: %s\n", cli_json_str(e, "error", ""));
    } else if (cJSON_GetObjectItemCaseSensitive(e, "reason")) {
        const cJSON *v;
        printf(": %s (%s)\n", status, cli_json_str(e, "reason", ""));
        cJSON_ArrayForEach(v, cJSON_GetObjectItemCaseSensitive(e, "skipped"))
            printf("    skipped %s\n", v->valuestring);
    } else {
        printf(": %s\n", status);
    }
}

/* The flow importer's report, generically: scalars on one line, then each
 * non-empty list (problems, unknown NSGs...) one item per line. */
static void print_flow_report(const cJSON *fl)
{
    const cJSON *v, *x;
    const char *sep = "";
    printf("flow logs: ");
    cJSON_ArrayForEach(v, fl)
    {
        if (cJSON_IsNumber(v))
            printf("%s%s %g", sep, v->string, v->valuedouble);
        else if (cJSON_IsString(v))
            printf("%s%s %s", sep, v->string, v->valuestring);
        else
            continue;
        sep = ", ";
    }
    printf("\n");
    cJSON_ArrayForEach(v, fl)
    {
        if (!cJSON_IsArray(v) || !v->child || !strcmp(v->string, "per_file"))
            continue; /* per_file: shown with each file */
        printf("  %s:\n", v->string);
        cJSON_ArrayForEach(x, v)
        {
            char *s = cJSON_IsString(x) ? NULL : cJSON_PrintUnformatted(x);
            printf("    %s\n", s ? s : x->valuestring ? x->valuestring : "");
            free(s);
        }
    }
}

static void print_human(const cJSON *rep)
{
    const cJSON *v, *t = cJSON_GetObjectItemCaseSensitive(rep, "totals");
    bool committed =
        cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(rep, "committed"));
    bool changed =
        cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(rep, "changed"));
    printf("corpus %s: %s (generation %g)\n", cli_json_str(rep, "corpus", ""),
           !committed ? "import aborted, nothing committed"
           : changed  ? "import committed"
                      : "no change",
           cJSON_GetObjectItemCaseSensitive(rep, "generation")->valuedouble);
    cJSON_ArrayForEach(v, cJSON_GetObjectItemCaseSensitive(rep, "files"))
        print_file(v);
    const cJSON *fl = cJSON_GetObjectItemCaseSensitive(rep, "flowlogs");
    if (cJSON_IsObject(fl) && fl->child)
        print_flow_report(fl);
    const cJSON *w = cJSON_GetObjectItemCaseSensitive(rep, "warnings");
    if (cJSON_GetArraySize(w)) {
        printf("warnings:\n");
        cJSON_ArrayForEach(v, w) printf("  %s\n", v->valuestring);
    }
    const cJSON *f = cJSON_GetObjectItemCaseSensitive(rep, "failed");
    if (cJSON_GetArraySize(f)) {
        printf("failed files:\n");
        cJSON_ArrayForEach(v, f) printf("  %s\n", cli_json_str(v, "path", ""));
    }
    const cJSON *r = cJSON_GetObjectItemCaseSensitive(t, "resources");
    printf("%g files: %g imported, %g unchanged, %g skipped, %g failed; "
           "resources: %g new, %g changed, %g unchanged\n",
           cJSON_GetObjectItemCaseSensitive(t, "files")->valuedouble,
           cJSON_GetObjectItemCaseSensitive(t, "imported")->valuedouble,
           cJSON_GetObjectItemCaseSensitive(t, "unchanged")->valuedouble,
           cJSON_GetObjectItemCaseSensitive(t, "skipped")->valuedouble,
           cJSON_GetObjectItemCaseSensitive(t, "failed")->valuedouble,
           cJSON_GetObjectItemCaseSensitive(r, "new")->valuedouble,
           cJSON_GetObjectItemCaseSensitive(r, "changed")->valuedouble,
           cJSON_GetObjectItemCaseSensitive(r, "unchanged")->valuedouble);
}

static void add_totals(struct import *im)
{
    const char *st[] = {"imported", "unchanged", "skipped", "failed"};
    double n[4] = {0, 0, 0, 0};
    const cJSON *e;
    cJSON_ArrayForEach(e, im->files)
    {
        for (int i = 0; i < 4; i++)
            if (!strcmp(cli_json_str(e, "status", ""), st[i]))
                n[i]++;
    }
    cJSON *t = cJSON_AddObjectToObject(im->report, "totals");
    cJSON_AddNumberToObject(t, "files", cJSON_GetArraySize(im->files));
    for (int i = 0; i < 4; i++)
        cJSON_AddNumberToObject(t, st[i], n[i]);
    cJSON_AddItemToObject(t, "resources", res_counts(im->totals));
}

/* ---- main -------------------------------------------------------------- */

static nsg_rc run(struct import *im, char **paths, int n, bool *committed,
                  struct nsg_err *err)
{
    GPtrArray *files = g_ptr_array_new_with_free_func(g_free);
    nsg_rc rc = NSG_OK;

    for (int i = 0; i < n && !rc; i++) {
        struct nsg_err perr = NSG_ERR_INIT;
        nsg_rc prc = nsg_walk_files(paths[i], NULL, files, &perr);
        if (prc) {
            note_failure(im, file_entry(im, paths[i], "unknown"), paths[i],
                         &perr);
            if (!im->keep_going) {
                *err = perr;
                rc = prc;
            }
        }
    }
    if (!rc)
        rc = nsg_corpus_begin(im->c, &im->txn, err);
    im->gen0 = nsg_corpus_generation(im->c);
    for (guint i = 0; !rc && i < files->len; i++)
        rc = one_file(im, files->pdata[i], err);
    if (!rc)
        rc = import_flows(im, err);
    if (!rc)
        rc = add_warnings(im, err);
    if (!rc) {
        rc = nsg_corpus_commit(&im->txn, err);
        *committed = !rc;
    }
    nsg_corpus_rollback(im->txn);
    im->txn = NULL;
    nsg_topo_free(im->topo);
    im->topo = NULL;
    g_ptr_array_free(files, TRUE);
    return rc;
}

int cmd_import(int argc, char **argv)
{
    static const struct option opts[] = {
        {"corpus", required_argument, NULL, 'c'},
        {"keep-going", no_argument, NULL, 'k'},
        {"captured-at", required_argument, NULL, 't'},
        {"lock-wait", required_argument, NULL, 'w'},
        {"json", no_argument, NULL, 'j'},
        {"help", no_argument, NULL, 'h'},
        {"vnet", required_argument, NULL, 'v'},
        {NULL, 0, NULL, 0}};
    struct import im = {0};
    struct nsg_err err = NSG_ERR_INIT;
    const char *dir = NULL;
    bool json = false, committed = false;
    double lock_wait = 30;
    int opt, status;

    im.captured_at = (int64_t)time(NULL);
    optind = 1;
    while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (opt) {
        case 'c':
            dir = optarg;
            break;
        case 'k':
            im.keep_going = true;
            break;
        case 'j':
            json = true;
            break;
        case 't':
            if (nsg_corpus_time_parse(optarg, &im.captured_at, &err))
                return cli_usage_error(usage, "--captured-at: %s", err.msg);
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
        case 'v': /* the VNet of effective security admin rules */
            if (im.opts.vnet_id || !nsg_id_is_valid(optarg) ||
                !strcasestr(optarg, "/virtualNetworks/"))
                return cli_usage_error(usage, "--vnet: give one virtual "
                                              "network resource id, not '%s'",
                                       optarg);
            im.opts.vnet_id = optarg;
            break;
        default:
            return cli_usage_error(usage, "bad option");
        }
    }
    if (!dir)
        return cli_usage_error(usage, "--corpus DIR is required");
    if (optind >= argc)
        return cli_usage_error(usage, "nothing to import: give a PATH");
    if (nsg_corpus_open(dir, true, &im.c, &err))
        return cli_fail(&err);
    nsg_corpus_set_lock_wait(im.c, (int)(lock_wait * 1000));

    char iso[32];
    nsg_corpus_time_format(im.captured_at, iso);
    im.seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    im.flow_paths = g_ptr_array_new();
    im.report = cJSON_CreateObject();
    cJSON_AddStringToObject(im.report, "corpus", dir);
    cJSON_AddStringToObject(im.report, "captured_at", iso);
    im.files = cJSON_AddArrayToObject(im.report, "files");
    im.failed = cJSON_AddArrayToObject(im.report, "failed");

    nsg_rc rc = run(&im, argv + optind, argc - optind, &committed, &err);

    cJSON_AddBoolToObject(im.report, "committed", committed);
    cJSON_AddBoolToObject(im.report, "changed",
                          committed && nsg_corpus_generation(im.c) > im.gen0);
    cJSON_AddNumberToObject(im.report, "generation",
                            (double)nsg_corpus_generation(im.c));
    if (!cJSON_GetObjectItemCaseSensitive(im.report, "warnings"))
        cJSON_AddArrayToObject(im.report, "warnings");
    if (!cJSON_GetObjectItemCaseSensitive(im.report, "flowlogs"))
        cJSON_AddNullToObject(im.report, "flowlogs");
    add_totals(&im);
    if (json)
        cli_print_json(im.report);
    else
        print_human(im.report);
    if (rc) {
        status = cli_fail(&err);
    } else if (cJSON_GetArraySize(im.failed)) {
        cli_error("%d file(s) failed; the others were committed "
                  "(--keep-going)",
                cJSON_GetArraySize(im.failed));
        status = CLI_EXIT_INPUT;
    } else {
        status = CLI_EXIT_OK;
    }
    cJSON_Delete(im.report);
    g_ptr_array_free(im.flow_paths, TRUE);
    g_hash_table_destroy(im.seen);
    nsg_corpus_close(im.c);
    return status;
}
