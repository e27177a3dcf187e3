/* cmd_import.c - `nsgproof import`: reads configuration files (ARM, az
 * CLI, Service Tags), flow logs and aggregate files (docs/aggregates.md)
 * into a corpus in one transaction, and reports per file what was
 * imported, unchanged, skipped or bad. */
#include <errno.h>
#include <ftw.h>
#include <glib/gstdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "../aggregate/agg.h"
#include "../common/nsg_walk.h"
#include "../importer/importer.h"
#include "cli.h"
#include "cli_opt.h"

static const char *const synopsis[] = {
    "--corpus DIR [--keep-going] [--allow-empty] [--captured-at TIME]\n"
    "         [--lock-wait SECONDS] [--vnet ID] [--format text|json] PATH...",
    NULL};
static const struct cli_command_help help = {
    "import", synopsis,
    "Read configuration files (ARM, az CLI, Service Tags) and flow logs into\n"
    "a corpus, in one transaction, and report per file what was imported,\n"
    "unchanged, skipped or bad.",
    "PATH: a file, a directory (read recursively, in sorted order, hidden\n"
    "files skipped) or - for standard input.  JSON schema: docs/import.md.\n"
    "Exit: 0 imported (or unchanged), 2 usage or input error, a bad file,\n"
    "or nothing importable (unless --allow-empty).\n",
    "PATH..."};

/* Report counters; the keys of "counts" in the order they are printed. */
static const char *const count_keys[] = {
    "nsg",      "rules", "vnet", "subnet",     "nic",
    "publicip", "vm",    "asg",  "routetable", "loadbalancer",
    "natgateway", "firewall", "appgateway", "bastion", "service_tags"};
#define N_COUNTS (sizeof(count_keys) / sizeof(count_keys[0]))

struct import {
    struct nsg_corpus *c;
    struct nsg_txn *txn;
    int64_t captured_at;
    bool keep_going;
    bool recapture;        /* --captured-at given: re-capture known files */
    bool allow_empty;      /* nothing importable is not an error */
    struct nsg_imp_opts opts; /* --vnet */
    GHashTable *seen;      /* sha256 of config files of this import */
    GHashTable *shown;     /* spooled file -> the name the user gave */
    char *spool;           /* directory of spooled input (or NULL) */
    int n_spooled;
    GPtrArray *flow_paths; /* char * (borrowed from files) */
    GPtrArray *agg_paths;  /* char *: aggregate files (borrowed) */
    GHashTable *in_dirs;   /* files found inside a directory argument */
    cJSON *report;
    cJSON *files;              /* array, per file */
    cJSON *failed;             /* array of {path, error} */
    long totals[3];            /* new, changed, unchanged resources */
    int64_t gen0;              /* generation when the transaction began */
    struct nsg_topology *topo; /* the model after this import (cached) */
};

/* ---- collecting the files ---------------------------------------------- */

/* The name a file is reported under: the argument the user gave for
 * standard input and pipes, the path otherwise. */
static const char *shown(const struct import *im, const char *path)
{
    const char *s = im->shown ? g_hash_table_lookup(im->shown, path) : NULL;
    return s ? s : path;
}

/* Standard input ("-"), /dev/stdin, <(...) and other pipes can be read
 * once only, but the importer reads a file twice (to tell its kind, then
 * to import it): copy them to a private temporary file first, named like
 * the original (so a PT1H.json blob is still recognized). */
static nsg_rc spool(struct import *im, const char *arg, GPtrArray *out,
                    struct nsg_err *err)
{
    struct nsg_buf b = NSG_BUF_INIT;
    const char *from = cli_path(arg);
    nsg_rc rc = nsg_buf_read_file(&b, from, 0, err);
    if (rc) {
        nsg_buf_release(&b);
        return rc;
    }
    if (!im->spool) {
        char *tmpl = g_build_filename(g_get_tmp_dir(), "nsgproof-in.XXXXXX",
                                      NULL);
        im->spool = g_mkdtemp(tmpl);
        if (!im->spool) {
            g_free(tmpl);
            nsg_buf_release(&b);
            return nsg_err_set(err, NSG_E_IO,
                               "cannot make a temporary directory for %s: %s",
                               arg, strerror(errno));
        }
    }
    char *base = strcmp(arg, "-") ? g_path_get_basename(arg)
                                   : g_strdup("stdin.json");
    char *num = g_strdup_printf("%d", ++im->n_spooled);
    char *dir = g_build_filename(im->spool, num, NULL);
    char *path = g_build_filename(dir, base, NULL);
    GError *ge = NULL;
    if (g_mkdir(dir, 0700) ||
        !g_file_set_contents(path, b.buf ? b.buf : "", (gssize)b.len, &ge))
        rc = nsg_err_set(err, NSG_E_IO, "cannot copy %s to %s: %s", arg, path,
                         ge ? ge->message : strerror(errno));
    if (!rc) {
        g_hash_table_insert(im->shown, g_strdup(path),
                            g_strdup(strcmp(arg, "-") ? arg : "standard input"));
        g_ptr_array_add(out, g_strdup(path));
    }
    if (ge)
        g_error_free(ge);
    g_free(base);
    g_free(num);
    g_free(dir);
    g_free(path);
    nsg_buf_release(&b);
    return rc;
}

/* The files of one PATH argument: standard input and pipes spooled, a
 * directory expanded by the walker (nsg_walk.h), any other file as is. */
static nsg_rc collect(struct import *im, const char *path, GPtrArray *out,
                      struct nsg_err *err)
{
    struct stat st;
    if (!strcmp(path, "-"))
        return spool(im, path, out, err);
    if (stat(path, &st))
        return nsg_err_set(err, NSG_E_IO, "%s: %s", path, strerror(errno));
    if (!S_ISDIR(st.st_mode) && !S_ISREG(st.st_mode)) /* a pipe, <(...) */
        return spool(im, path, out, err);
    return nsg_walk_files(path, NULL, out, err);
}

/* Messages of the importer name the file it read: give the name the user
 * gave for a spooled file. */
static void unspool_text(const struct import *im, char *msg, size_t cap)
{
    GHashTableIter it;
    gpointer k, v;
    if (!im->shown)
        return;
    g_hash_table_iter_init(&it, im->shown);
    while (g_hash_table_iter_next(&it, &k, &v)) {
        char *at;
        while ((at = strstr(msg, k))) {
            GString *g = g_string_new_len(msg, at - msg);
            g_string_append(g, v);
            g_string_append(g, at + strlen(k));
            g_strlcpy(msg, g->str, cap);
            g_string_free(g, TRUE);
        }
    }
}

static void unspool_json(const struct import *im, cJSON *j)
{
    for (cJSON *x = j ? j->child : NULL; x; x = x->next) {
        if (cJSON_IsString(x) && im->shown && g_hash_table_size(im->shown)) {
            char buf[4096];
            g_strlcpy(buf, x->valuestring, sizeof(buf));
            unspool_text(im, buf, sizeof(buf));
            if (strcmp(buf, x->valuestring))
                cJSON_SetValuestring(x, buf);
        }
        unspool_json(im, x);
    }
}

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
    else if (n) /* a type outside count_keys (flowlog, admin rules...) */
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
    /* Known content adds nothing, unless --captured-at says when it was
     * seen: then each resource whose version in force at that time
     * differs gets a version (a rollback, a corrected capture time). */
    bool known = nsg_corpus_has_source(im->c, sha);
    if (g_hash_table_contains(im->seen, sha) || (known && !im->recapture)) {
        cJSON_AddStringToObject(entry, "status", "unchanged");
        cJSON_AddStringToObject(entry, "reason",
                                "this content was already "
                                "imported");
        goto out;
    }
    rc = nsg_imp_config_parse_opts(shown(im, path), b.buf ? b.buf : "", b.len,
                                   &im->opts, &cfg, err);
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
    rc = store_config(im, shown(im, path), cfg, counts, res, err);
    if (rc)
        goto out;
    if (!known) {
        char *abs = g_hash_table_contains(im->shown, path)
                        ? NULL
                        : realpath(path, NULL);
        rc = nsg_txn_add_source(im->txn, abs ? abs : shown(im, path), sha,
                                counts, err);
        free(abs);
        if (rc)
            goto out;
    }
    g_hash_table_add(im->seen, g_strdup(sha));
    for (int i = 0; i < 3; i++)
        im->totals[i] += res[i];
    if (known && !res[0] && !res[1]) {
        cJSON_AddStringToObject(entry, "status", "unchanged");
        cJSON_AddStringToObject(entry, "reason",
                                "this content was already imported and is "
                                "the one in force at the capture time");
        goto out;
    }
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
    cJSON_AddStringToObject(e, "path", shown(im, path));
    cJSON_AddStringToObject(e, "kind", kind);
    cJSON_AddItemToArray(im->files, e);
    return e;
}

static void note_failure(struct import *im, cJSON *entry, const char *path,
                         struct nsg_err *err)
{
    path = shown(im, path);
    unspool_text(im, err->msg, sizeof(err->msg));
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
/* Why a file is not imported: empty, not JSON at all (what it begins
 * with: an error message captured with 2>&1, a text file), or JSON of
 * another kind. */
static char *unknown_reason(const char *path, struct stat *st)
{
    char head[81] = "";
    FILE *f;
    if (stat(path, st) == 0 && st->st_size == 0)
        return g_strdup("empty file");
    if ((f = fopen(path, "rb"))) {
        size_t n = fread(head, 1, sizeof(head) - 1, f);
        head[n] = 0;
        fclose(f);
    }
    head[strcspn(head, "\r\n")] = 0;
    char *t = g_strstrip(head);
    if (*t && *t != '{' && *t != '[' && g_utf8_validate(t, -1, NULL) &&
        !memchr(t, 0, strlen(t)))
        return g_strdup_printf("not JSON: it begins with '%s'", t);
    return g_strdup("not a configuration (ARM, az, Service Tags) or "
                    "flow-log JSON file");
}

static nsg_rc one_file(struct import *im, const char *path, struct nsg_err *err)
{
    enum nsg_imp_kind kind = nsg_imp_sniff(path);
    struct nsg_err ferr = NSG_ERR_INIT;
    struct nsg_txn_mark *mark;
    struct stat st;
    cJSON *e;

    /* An empty file inside a directory (a job's _SUCCESS marker beside its
     * part files) holds nothing to import; one named on the command line
     * is reported by its reader. */
    if (g_hash_table_contains(im->in_dirs, path) && stat(path, &st) == 0 &&
        st.st_size == 0) {
        e = file_entry(im, path, "unknown");
        cJSON_AddStringToObject(e, "status", "skipped");
        cJSON_AddStringToObject(e, "reason", "empty file");
        return NSG_OK;
    }
    if (nsg_agg_sniff_file(path)) {
        e = file_entry(im, path, "aggregate");
        cJSON_AddStringToObject(e, "status", "imported");
        g_ptr_array_add(im->agg_paths, (char *)path);
        return NSG_OK;
    }
    if (kind == NSG_IMP_KIND_FLOWLOG) {
        e = file_entry(im, path, "flowlog");
        cJSON_AddStringToObject(e, "status", "imported");
        g_ptr_array_add(im->flow_paths, (char *)path);
        return NSG_OK;
    }
    if (kind == NSG_IMP_KIND_UNKNOWN) {
        char *why = unknown_reason(path, &st);
        e = file_entry(im, path, "unknown");
        cJSON_AddStringToObject(e, "status", "skipped");
        cJSON_AddStringToObject(e, "reason", why);
        g_free(why);
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
    /* the report's entry of each file by the name shown (the first when
     * two have it): one pass, not one per file */
    GHashTable *by_path = g_hash_table_new(g_str_hash, g_str_equal);
    cJSON_ArrayForEach(f, pf)
    {
        const cJSON *p = cJSON_GetObjectItemCaseSensitive(f, "path");
        if (cJSON_IsString(p) &&
            !g_hash_table_contains(by_path, shown(im, p->valuestring)))
            g_hash_table_insert(by_path, (gpointer)shown(im, p->valuestring),
                                (gpointer)f);
    }
    cJSON_ArrayForEach(e, im->files)
    {
        if (strcmp(cJSON_GetObjectItemCaseSensitive(e, "kind")->valuestring,
                   "flowlog"))
            continue;
        const char *path =
            cJSON_GetObjectItemCaseSensitive(e, "path")->valuestring;
        f = g_hash_table_lookup(by_path, path);
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
    g_hash_table_destroy(by_path);
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
    unspool_json(im, rep);
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

/* Each aggregate file's status and rows from the aggregate report. */
static void agg_statuses(struct import *im, const cJSON *rep)
{
    const cJSON *f;
    cJSON *e;
    cJSON_ArrayForEach(f, cJSON_GetObjectItemCaseSensitive(rep, "per_file"))
    {
        const char *path = cli_json_str(f, "path", "");
        cJSON_ArrayForEach(e, im->files)
        {
            if (strcmp(cli_json_str(e, "kind", ""), "aggregate") ||
                strcmp(cli_json_str(e, "path", ""), path) ||
                cJSON_GetObjectItemCaseSensitive(e, "rows"))
                continue;
            cJSON_AddNumberToObject(e, "rows", cli_json_num(f, "rows"));
            if (!strcmp(cli_json_str(f, "status", ""), "unchanged")) {
                cJSON_ReplaceItemInObjectCaseSensitive(
                    e, "status", cJSON_CreateString("unchanged"));
                cJSON_AddStringToObject(e, "reason",
                                        "this content was already imported");
            }
            break;
        }
    }
}

/* The aggregate files, read into the flow store as one stream (like flow
 * logs: a bad row fails all of them; its message names file and line). */
static nsg_rc import_aggregates(struct import *im, struct nsg_err *err)
{
    struct nsg_err ferr = NSG_ERR_INIT;
    struct nsg_txn_mark *mark;
    nsg_rc rc;

    if (!im->agg_paths->len)
        return NSG_OK;
    cJSON *rep = cJSON_AddObjectToObject(im->report, "aggregates");
    mark = im->keep_going ? nsg_txn_mark(im->txn) : NULL;
    rc = nsg_agg_import(im->txn, NULL, (const char *const *)im->agg_paths->pdata,
                        im->agg_paths->len, rep, &ferr);
    if (!rc) {
        nsg_txn_mark_free(mark);
        agg_statuses(im, rep);
        return NSG_OK;
    }
    cJSON *e;
    cJSON_ArrayForEach(e, im->files)
    {
        if (!strcmp(cli_json_str(e, "kind", ""), "aggregate"))
            note_failure(im, e, cli_json_str(e, "path", ""), &ferr);
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
               cJSON_GetObjectItemCaseSensitive(e, "rows")) {
        double n = cli_json_num(e, "rows");
        printf(": imported (%g row%s)\n", n, n == 1 ? "" : "s");
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

static const char *plural(double n, const char *one, const char *many)
{
    return n == 1 ? one : many;
}

/* The flow importer's report as sentences: the counts, then each problem
 * (file, byte offset, what is wrong), unknown NSGs and MACs, open blobs. */
static void print_flow_report(const cJSON *fl)
{
    const cJSON *x;
    double files = cli_json_num(fl, "files"), recs = cli_json_num(fl, "records");
    double tuples = cli_json_num(fl, "tuples");
    printf("flow logs: %g %s, %g %s (%g already imported, %g bad), %g %s "
           "(%g bad), %g flows written",
           files, plural(files, "file", "files"), recs,
           plural(recs, "record", "records"),
           cli_json_num(fl, "records_already_imported"),
           cli_json_num(fl, "records_bad"), tuples,
           plural(tuples, "tuple", "tuples"), cli_json_num(fl, "tuples_bad"),
           cli_json_num(fl, "flows_written"));
    if (cli_json_num(fl, "admin_rule_tuples"))
        printf(", %g tuples of security admin rules",
               cli_json_num(fl, "admin_rule_tuples"));
    printf("\n");
    cJSON_ArrayForEach(x, cJSON_GetObjectItemCaseSensitive(fl, "problems"))
        printf("  problem: %s, byte %g: %s\n", cli_json_str(x, "file", "?"),
               cli_json_num(x, "offset"), cli_json_str(x, "problem", "?"));
    double listed = cJSON_GetArraySize(cJSON_GetObjectItem(fl, "problems"));
    if (cli_json_num(fl, "problems_total") > listed)
        printf("  ... and %g more problems (not listed)\n",
               cli_json_num(fl, "problems_total") - listed);
    cJSON_ArrayForEach(x, cJSON_GetObjectItemCaseSensitive(fl, "unknown_nsgs"))
        printf("  NSG %s is not in the corpus: %g tuples not attached (import "
               "the NSG)\n",
               cli_json_str(x, "nsg", "?"), cli_json_num(x, "tuples"));
    cJSON_ArrayForEach(x, cJSON_GetObjectItemCaseSensitive(fl, "unknown_macs"))
        printf("  MAC %s is no NIC's in the corpus: %g tuples not attached "
               "(import the NIC)\n",
               cli_json_str(x, "mac", "?"), cli_json_num(x, "tuples"));
    cJSON_ArrayForEach(x,
                       cJSON_GetObjectItemCaseSensitive(fl, "open_blob_files"))
        printf("  open blob (still being written; read again later): %s\n",
               x->valuestring ? x->valuestring : "?");
}

/* The aggregate importer's report as a sentence. */
static void print_agg_report(const cJSON *ag)
{
    double files = cli_json_num(ag, "files"), rows = cli_json_num(ag, "rows");
    printf("aggregates: %g %s (%g already imported), %g %s (%g with a "
           "source-port range, %g without tuples), %g flows written\n",
           files, plural(files, "file", "files"),
           cli_json_num(ag, "files_unchanged"), rows,
           plural(rows, "row", "rows"),
           cli_json_num(ag, "rows_source_port_range"),
           cli_json_num(ag, "rows_without_tuples"),
           cli_json_num(ag, "flows_written"));
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
    const cJSON *ag = cJSON_GetObjectItemCaseSensitive(rep, "aggregates");
    if (cJSON_IsObject(ag) && ag->child)
        print_agg_report(ag);
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

/* "Nothing happened" is an error (a CI job with a typo fails): no file was
 * imported, or found already imported. */
static nsg_rc nothing_importable(const struct import *im, char **paths, int n,
                                 struct nsg_err *err)
{
    const cJSON *e;
    int files = 0, skipped = 0;
    cJSON_ArrayForEach(e, im->files)
    {
        const char *st = cli_json_str(e, "status", "");
        if (!strcmp(st, "imported") || !strcmp(st, "unchanged"))
            return NSG_OK;
        files++;
        skipped += !strcmp(st, "skipped");
    }
    if (cJSON_GetArraySize(im->failed))
        return NSG_OK; /* --keep-going: reported as failed files */
    if (!files)
        return nsg_err_set(err, NSG_E_INPUT,
                           "nothing to import: %s%s holds no file (give "
                           "--allow-empty to accept this)",
                           paths[0], n > 1 ? " and the other paths" : "");
    return nsg_err_set(err, NSG_E_INPUT,
                       "nothing importable: %d file%s skipped, none holds "
                       "network resources, service tags or flow logs (see "
                       "the report; give --allow-empty to accept this)",
                       skipped, skipped == 1 ? "" : "s");
}

static int rm_entry(const char *path, const struct stat *st, int flag,
                    struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    return remove(path);
}

/* The directories of path that do not exist yet, deepest first. */
static GPtrArray *missing_dirs(const char *path)
{
    GPtrArray *out = g_ptr_array_new_with_free_func(g_free);
    char *p = g_strdup(path);
    struct stat st;
    while (*p && strcmp(p, "/") && strcmp(p, ".") && stat(p, &st)) {
        g_ptr_array_add(out, g_strdup(p));
        char *parent = g_path_get_dirname(p);
        g_free(p);
        p = parent;
    }
    g_free(p);
    return out;
}

/* An import that created the corpus directory and committed nothing
 * leaves no empty corpus behind (nor the parents it created). */
static void remove_new_corpus(GPtrArray *created)
{
    if (!created->len)
        return;
    nftw(created->pdata[0], rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    for (guint i = 1; i < created->len; i++)
        rmdir(created->pdata[i]);
}

static nsg_rc run(struct import *im, char **paths, int n, bool *committed,
                  struct nsg_err *err)
{
    GPtrArray *files = g_ptr_array_new_with_free_func(g_free);
    nsg_rc rc = NSG_OK;

    for (int i = 0; i < n && !rc; i++) {
        struct nsg_err perr = NSG_ERR_INIT;
        struct stat st;
        guint before = files->len;
        nsg_rc prc = collect(im, paths[i], files, &perr);
        if (!prc && stat(paths[i], &st) == 0 && S_ISDIR(st.st_mode))
            for (guint k = before; k < files->len; k++)
                g_hash_table_add(im->in_dirs, files->pdata[k]);
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
        rc = import_aggregates(im, err);
    if (!rc)
        rc = add_warnings(im, err);
    if (!rc && !im->allow_empty)
        rc = nothing_importable(im, paths, n, err);
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
    struct import im = {0};
    struct nsg_err err = NSG_ERR_INIT;
    GPtrArray *created = NULL;
    const char *dir = NULL;
    bool committed = false;
    double lock_wait = 30;
    int64_t captured_at = INT64_MIN;
    struct cli_output fmt = CLI_OUTPUT_INIT;
    struct cli_strv paths = CLI_STRV_INIT;
    struct cli_option opts[] = {
        CLI_OPT_STR("corpus", &dir, "DIR", "the corpus (created when missing)"),
        CLI_OPT_FLAG("keep-going",
                     &im.keep_going,
                     "commit the good files even when some are bad (exit 2)"),
        CLI_OPT_FLAG("allow-empty", &im.allow_empty,
                     "exit 0 even when nothing is importable"),
        CLI_OPT_TIME("captured-at", &captured_at,
                     "capture time of this import's resource versions: ISO "
                     "8601 or unix seconds (default now); known files are "
                     "read again"),
        CLI_OPT_SECONDS("lock-wait", &lock_wait,
                        "wait this long for another import (default 30)"),
        CLI_OPT_STR("vnet", &im.opts.vnet_id, "ID",
                    "the virtual network whose effective security admin "
                    "rules (az network manager "
                    "list-effective-security-admin-rule) the files hold"),
        CLI_OPT_OUTPUT(&fmt),
        CLI_OPT_ENDMARK};
    int status = cli_opt_parse(&help, opts, argc, argv, &paths, NULL);
    bool json = fmt.format == CLI_FORMAT_JSON;

    if (status) {
        cli_strv_release(&paths);
        return cli_opt_status(status);
    }
    im.captured_at =
        captured_at == INT64_MIN ? (int64_t)time(NULL) : captured_at;
    im.recapture = captured_at != INT64_MIN;
    if (!dir || !paths.n) {
        cli_strv_release(&paths);
        return cli_opt_error(&help, !dir ? "--corpus DIR is required"
                                         : "nothing to import: give a PATH");
    }
    if (im.opts.vnet_id && (!nsg_id_is_valid(im.opts.vnet_id) ||
                            !strcasestr(im.opts.vnet_id, "/virtualNetworks/"))) {
        cli_strv_release(&paths);
        return cli_opt_error(&help,
                             "--vnet: give one virtual network resource id, "
                             "not '%s'",
                             im.opts.vnet_id);
    }
    created = missing_dirs(dir);
    if (nsg_corpus_open(dir, true, &im.c, &err)) {
        cli_strv_release(&paths);
        g_ptr_array_free(created, TRUE);
        return cli_fail(&err);
    }
    nsg_corpus_set_lock_wait(im.c, (int)(lock_wait * 1000));

    char iso[32];
    nsg_corpus_time_format(im.captured_at, iso);
    im.seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    im.shown = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    im.flow_paths = g_ptr_array_new();
    im.agg_paths = g_ptr_array_new();
    im.in_dirs = g_hash_table_new(g_str_hash, g_str_equal);
    im.report = cJSON_CreateObject();
    cJSON_AddStringToObject(im.report, "corpus", dir);
    cJSON_AddStringToObject(im.report, "captured_at", iso);
    im.files = cJSON_AddArrayToObject(im.report, "files");
    im.failed = cJSON_AddArrayToObject(im.report, "failed");

    nsg_rc rc = run(&im, (char **)paths.v, (int)paths.n, &committed, &err);

    cJSON_AddBoolToObject(im.report, "committed", committed);
    cJSON_AddBoolToObject(im.report, "changed",
                          committed && nsg_corpus_generation(im.c) > im.gen0);
    cJSON_AddNumberToObject(im.report, "generation",
                            (double)nsg_corpus_generation(im.c));
    if (!cJSON_GetObjectItemCaseSensitive(im.report, "warnings"))
        cJSON_AddArrayToObject(im.report, "warnings");
    if (!cJSON_GetObjectItemCaseSensitive(im.report, "flowlogs"))
        cJSON_AddNullToObject(im.report, "flowlogs");
    if (!cJSON_GetObjectItemCaseSensitive(im.report, "aggregates"))
        cJSON_AddNullToObject(im.report, "aggregates");
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
    bool empty = nsg_corpus_generation(im.c) == 0;
    cJSON_Delete(im.report);
    g_ptr_array_free(im.flow_paths, TRUE);
    g_ptr_array_free(im.agg_paths, TRUE);
    g_hash_table_destroy(im.in_dirs);
    g_hash_table_destroy(im.seen);
    g_hash_table_destroy(im.shown);
    nsg_corpus_close(im.c);
    if (status && empty)
        remove_new_corpus(created);
    g_ptr_array_free(created, TRUE);
    if (im.spool) { /* spooled standard input and pipes */
        nftw(im.spool, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
        g_free(im.spool);
    }
    cli_strv_release(&paths);
    return status;
}
