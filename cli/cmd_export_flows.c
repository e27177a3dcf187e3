/* cmd_export_flows.c - `nsgproof export-flows`: writes the flows stored in a
 * corpus as aggregate rows (docs/aggregates.md), CSV or JSON Lines, so that
 * aggregates move between corpora and tools; importing the output into
 * another corpus stores the same flows. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../aggregate/agg.h"
#include "cli.h"
#include "cli_opt.h"

static const char *const synopsis[] = {
    "--corpus DIR [--format csv|jsonl] [--since TIME]\n"
    "         [--sport-boundaries LIST] [--out FILE [--json]]",
    NULL};
static const struct cli_command_help help = {
    "export-flows", synopsis,
    "Write the flows stored in a corpus as aggregate rows (the interchange\n"
    "format of docs/aggregates.md), one row per key and hour.",
    "--sport-boundaries takes the list `nsgproof sport-boundaries --list`\n"
    "prints (ports that start a new source-port bucket, e.g. 1024,49152):\n"
    "no row then spans two buckets of source ports.\n"
    "Exit: 0 written, 2 usage or input error.\n",
    NULL};

static gint cmp_uint(gconstpointer a, gconstpointer b)
{
    unsigned x = *(const unsigned *)a, y = *(const unsigned *)b;
    return (x > y) - (x < y);
}

/* "1024,49152" into sorted, distinct boundaries 1..65535. */
static bool parse_bounds(const char *s, GArray *out)
{
    char **parts = g_strsplit(s, ",", -1);
    bool ok = true;
    for (char **p = parts; *p && ok; p++) {
        long v;
        char *t = g_strstrip(*p);
        if (!*t)
            continue;
        ok = cli_parse_long(t, 1, 65535, &v);
        if (ok) {
            unsigned u = (unsigned)v;
            g_array_append_val(out, u);
        }
    }
    g_strfreev(parts);
    if (!ok)
        return false;
    g_array_sort(out, cmp_uint);
    guint n = 0;
    for (guint i = 0; i < out->len; i++)
        if (!n || g_array_index(out, unsigned, i) !=
                      g_array_index(out, unsigned, n - 1))
            g_array_index(out, unsigned, n++) = g_array_index(out, unsigned, i);
    g_array_set_size(out, n);
    return true;
}

int cmd_export_flows(int argc, char **argv)
{
    const char *corpus = NULL, *format = NULL, *bounds = NULL,
               *out_path = NULL;
    bool json = false;
    struct nsg_agg_export_opts eo = {NSG_AGG_OUT_CSV, INT64_MIN, NULL, 0};
    struct cli_option opts[] = {
        CLI_OPT_STR("corpus", &corpus, "DIR", "the corpus"),
        CLI_OPT_STR("format", &format, "FMT", "csv (default) or jsonl"),
        CLI_OPT_TIME("since", &eo.since,
                     "only flows last seen at or after TIME (ISO 8601 or "
                     "unix seconds)"),
        CLI_OPT_STR("sport-boundaries", &bounds, "LIST",
                    "source ports that start a new bucket (comma-separated)"),
        CLI_OPT_STR("out", &out_path, "FILE",
                    "write the rows to FILE (default: standard output)"),
        CLI_OPT_FLAG("json", &json,
                     "with --out: print a JSON summary (docs/aggregates.md)"),
        CLI_OPT_ENDMARK};
    struct nsg_err err = NSG_ERR_INIT;
    struct nsg_corpus *c = NULL;
    GArray *b = g_array_new(FALSE, FALSE, sizeof(unsigned));
    uint64_t rows = 0;
    FILE *out = stdout;
    int status = cli_opt_parse(&help, opts, argc, argv, NULL, NULL);

    if (status) {
        g_array_free(b, TRUE);
        return cli_opt_status(status);
    }
    if (!corpus)
        status = cli_opt_error(&help, "--corpus DIR is required");
    else if (format && strcmp(format, "csv") && strcmp(format, "jsonl"))
        status = cli_opt_error(&help, "--format must be csv or jsonl, not '%s'",
                               format);
    else if (bounds && !parse_bounds(bounds, b))
        status = cli_opt_error(&help,
                               "--sport-boundaries wants port numbers 1-65535 "
                               "separated by commas, not '%s'",
                               bounds);
    else if (json && !out_path)
        status = cli_opt_error(&help, "--json needs --out FILE (the rows go "
                                      "to standard output otherwise)");
    if (status) {
        g_array_free(b, TRUE);
        return status;
    }
    if (format && !strcmp(format, "jsonl"))
        eo.format = NSG_AGG_OUT_JSONL;
    eo.sport_bounds = (const unsigned *)(void *)b->data;
    eo.n_bounds = b->len;
    if (nsg_corpus_open(corpus, false, &c, &err)) {
        g_array_free(b, TRUE);
        return cli_fail(&err);
    }
    if (out_path && !(out = fopen(out_path, "w"))) {
        cli_error("cannot write %s: %s", out_path, strerror(errno));
        status = CLI_EXIT_INPUT;
    } else if (nsg_agg_export(c, &eo, out, &rows, &err)) {
        status = cli_fail(&err);
    }
    if (out && out != stdout && fclose(out) && !status) {
        cli_error("cannot write %s: %s", out_path, strerror(errno));
        status = CLI_EXIT_INPUT;
    }
    if (!status && json) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "out", out_path);
        cJSON_AddStringToObject(o, "format",
                                eo.format == NSG_AGG_OUT_CSV ? "csv" : "jsonl");
        cJSON_AddNumberToObject(o, "rows", (double)rows);
        cli_print_json(o);
        cJSON_Delete(o);
    } else if (!status && out_path) {
        printf("%llu rows written to %s\n", (unsigned long long)rows,
               out_path);
    }
    g_array_free(b, TRUE);
    nsg_corpus_close(c);
    return status;
}
