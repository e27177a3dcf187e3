/* cmd_sport_boundaries.c - `nsgproof sport-boundaries`: the source ports
 * that the rules of a corpus (every stored version of every NSG) and of
 * proposed NSG files tell apart.  An aggregate job that groups source
 * ports by these boundaries (docs/aggregates.md) produces rows that no
 * rule splits, so that replay, what-if and the hardening proof evaluate
 * every row exactly. */
#include <stdlib.h>
#include <string.h>

#include "../importer/importer.h"
#include "../sim/sim.h"
#include "cli.h"
#include "cli_opt.h"

static const char *const synopsis[] = {
    "--corpus DIR [--proposed FILE...] [--list | --format text|json]", NULL};
static const struct cli_command_help help = {
    "sport-boundaries", synopsis,
    "Print the source-port boundaries the corpus's rules (all stored\n"
    "versions) and proposed NSGs tell apart: group aggregate rows by them\n"
    "and every row replays exactly.",
    "A boundary is the first port of a new bucket: with 1024 and 49152 the\n"
    "buckets are 0-1023, 1024-49151 and 49152-65535.  --list prints only\n"
    "the comma-separated list the jobs in contrib/ take.\n"
    "Exit: 0 printed, 2 usage or input error.\n",
    "FILE..."};

struct collect {
    GArray *bounds; /* guint */
    cJSON *rules;   /* [{nsg, rule, direction, source_ports, from}] */
};

static void add_nsg(struct collect *c, const struct nsg_nsg *n,
                    const char *from)
{
    for (size_t i = 0; i < n->n_rules; i++) {
        const struct nsg_rule *r = &n->rules[i];
        if (!nsg_sim_sport_boundaries(r, c->bounds))
            continue;
        cJSON *o = cJSON_CreateObject(), *p = cJSON_CreateArray();
        cJSON_AddStringToObject(o, "nsg", n->name ? n->name : "");
        cJSON_AddStringToObject(o, "rule", r->name ? r->name : "");
        cJSON_AddStringToObject(o, "direction", nsg_dir_name(r->dir));
        for (size_t k = 0; k < r->n_sports; k++) {
            char buf[16];
            if (r->sports[k].lo == r->sports[k].hi)
                snprintf(buf, sizeof(buf), "%u", (unsigned)r->sports[k].lo);
            else
                snprintf(buf, sizeof(buf), "%u-%u", (unsigned)r->sports[k].lo,
                         (unsigned)r->sports[k].hi);
            cJSON_AddItemToArray(p, cJSON_CreateString(buf));
        }
        cJSON_AddItemToObject(o, "source_ports", p);
        cJSON_AddStringToObject(o, "from", from);
        cJSON_AddItemToArray(c->rules, o);
    }
}

/* Every NSG of t, and every stored version of those that changed. */
static nsg_rc add_corpus(struct collect *col, struct nsg_corpus *c,
                         const struct nsg_topology *t, struct nsg_err *err)
{
    for (guint i = 0; i < NSG_TOPO_N(t, NSG_RES_NSG); i++) {
        const struct nsg_nsg *n = NSG_TOPO_AT(t, NSG_RES_NSG, i);
        struct nsg_version *v = NULL;
        size_t nv = 0;
        add_nsg(col, n, "current");
        nsg_rc rc = n->id ? nsg_corpus_history(c, n->id, &v, &nv, err) : 0;
        for (size_t k = 0; !rc && nv > 1 && k + 1 < nv; k++) {
            struct nsg_res_ref res;
            rc = nsg_corpus_load_version(c, v[k].object, &res, err);
            if (rc)
                break;
            if (res.type == NSG_RES_NSG)
                add_nsg(col, res.nsg, "history");
            nsg_res_free(res.type, res.ptr);
        }
        free(v);
        if (rc)
            return rc;
    }
    return NSG_OK;
}

static gint cmp_guint(gconstpointer a, gconstpointer b)
{
    guint x = *(const guint *)a, y = *(const guint *)b;
    return (x > y) - (x < y);
}

/* Sorted, without repeats. */
static void uniq(GArray *a)
{
    guint n = 0;
    g_array_sort(a, cmp_guint);
    for (guint i = 0; i < a->len; i++)
        if (!n || g_array_index(a, guint, i) != g_array_index(a, guint, n - 1))
            g_array_index(a, guint, n++) = g_array_index(a, guint, i);
    g_array_set_size(a, n);
}

static cJSON *report(const struct collect *c)
{
    cJSON *o = cJSON_CreateObject(), *b = cJSON_CreateArray(),
          *k = cJSON_CreateArray();
    guint lo = 0;
    for (guint i = 0; i <= c->bounds->len; i++) {
        guint hi = i < c->bounds->len ? g_array_index(c->bounds, guint, i) - 1
                                       : 65535;
        cJSON *e = cJSON_CreateObject();
        cJSON_AddNumberToObject(e, "min", lo);
        cJSON_AddNumberToObject(e, "max", hi);
        cJSON_AddItemToArray(k, e);
        if (i < c->bounds->len) {
            cJSON_AddItemToArray(
                b, cJSON_CreateNumber(g_array_index(c->bounds, guint, i)));
            lo = hi + 1;
        }
    }
    cJSON_AddItemToObject(o, "boundaries", b);
    cJSON_AddItemToObject(o, "buckets", k);
    cJSON_AddItemToObject(o, "rules", cJSON_Duplicate(c->rules, 1));
    return o;
}

static void print_list(const cJSON *rep)
{
    const cJSON *v;
    const char *sep = "";
    cJSON_ArrayForEach(v, cJSON_GetObjectItemCaseSensitive(rep, "boundaries"))
    {
        printf("%s%d", sep, v->valueint);
        sep = ",";
    }
    printf("\n");
}

static void print_text(const cJSON *rep)
{
    const cJSON *v, *p;
    const char *sep = "";
    const cJSON *rules = cJSON_GetObjectItemCaseSensitive(rep, "rules");
    if (!cJSON_GetArraySize(
            cJSON_GetObjectItemCaseSensitive(rep, "boundaries"))) {
        printf("no rule constrains source ports: one bucket, 0-65535 (every "
               "row is exact)\n");
        return;
    }
    printf("source-port boundaries: ");
    print_list(rep);
    printf("buckets:");
    cJSON_ArrayForEach(v, cJSON_GetObjectItemCaseSensitive(rep, "buckets"))
    {
        double lo = cli_json_num(v, "min"), hi = cli_json_num(v, "max");
        if (lo == hi)
            printf("%s %.0f", sep, lo);
        else
            printf("%s %.0f-%.0f", sep, lo, hi);
        sep = ",";
    }
    printf("\nrules with source ports (%d):\n", cJSON_GetArraySize(rules));
    cJSON_ArrayForEach(v, rules)
    {
        printf("  %s/%s (%s, %s):", cli_json_str(v, "nsg", ""),
               cli_json_str(v, "rule", ""), cli_json_str(v, "direction", ""),
               cli_json_str(v, "from", ""));
        cJSON_ArrayForEach(p,
                           cJSON_GetObjectItemCaseSensitive(v, "source_ports"))
            printf(" %s", p->valuestring);
        printf("\n");
    }
}

int cmd_sport_boundaries(int argc, char **argv)
{
    const char *corpus = NULL;
    struct cli_strv proposed = CLI_STRV_INIT, pos = CLI_STRV_INIT;
    struct cli_output fmt = CLI_OUTPUT_INIT;
    bool list = false;
    struct cli_option opts[] = {
        CLI_OPT_STR("corpus", &corpus, "DIR", "the corpus"),
        CLI_OPT_STRS("proposed", &proposed, "FILE",
                     "a proposed NSG file (ARM or az JSON); more may follow"),
        CLI_OPT_FLAG("list", &list,
                     "print only the comma-separated boundaries"),
        CLI_OPT_OUTPUT(&fmt),
        CLI_OPT_ENDMARK};
    struct collect col = {g_array_new(FALSE, FALSE, sizeof(guint)),
                          cJSON_CreateArray()};
    struct nsg_err err = NSG_ERR_INIT;
    struct nsg_corpus *c = NULL;
    struct nsg_topology *t = NULL;
    int status = cli_opt_parse(&help, opts, argc, argv, &pos, NULL);

    if (status) {
        status = cli_opt_status(status);
        goto out;
    }
    if (!corpus)
        status = cli_opt_error(&help, "--corpus DIR is required");
    else if (pos.n && !proposed.n)
        status = cli_opt_error(&help, "unexpected argument '%s' (proposed "
                                      "files follow --proposed)",
                               pos.v[0]);
    else if (fmt.given && list)
        status = cli_opt_error(&help, "--list and --format do not combine");
    if (status)
        goto out;
    if (cli_load_corpus(corpus, &c, &t, &err) || add_corpus(&col, c, t, &err)) {
        status = cli_fail(&err);
        goto out;
    }
    for (size_t i = 0; i < proposed.n + pos.n; i++) {
        const char *path = i < proposed.n ? proposed.v[i]
                                          : pos.v[i - proposed.n];
        struct nsg_nsg *n = NULL;
        if (nsg_imp_load_nsg_file(path, &n, &err)) {
            if (!strstr(err.msg, path))
                nsg_err_prefix(&err, "%s", path);
            status = cli_fail(&err);
            goto out;
        }
        add_nsg(&col, n, "proposed");
        nsg_nsg_free(n);
    }
    uniq(col.bounds);
    cJSON *rep = report(&col);
    if (fmt.format == CLI_FORMAT_JSON)
        cli_print_json(rep);
    else if (list)
        print_list(rep);
    else
        print_text(rep);
    cJSON_Delete(rep);
out:
    cli_strv_release(&proposed);
    cli_strv_release(&pos);
    g_array_free(col.bounds, TRUE);
    cJSON_Delete(col.rules);
    nsg_topo_free(t);
    nsg_corpus_close(c);
    return status;
}
