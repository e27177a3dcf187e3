/* cmd_map.c - `nsgproof map`: the network map of the corpus, topology or
 * traffic view, written as one self-contained HTML file, Graphviz DOT or
 * JSON.  The file is written beside its final name and renamed into place,
 * so a failed run never leaves half a map. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../map/map.h"
#include "cli.h"
#include "cli_opt.h"
#include "cli_plan.h"

static const char *const synopsis[] = {
    "--corpus DIR --format html|dot|json --out FILE\n"
    "         [--view topology|traffic] [--collapse N] [--title TEXT]",
    NULL};
static const struct cli_command_help help = {
    "map", synopsis,
    "Draw the network: virtual networks, subnets and NICs with their\n"
    "findings (topology view), or every possible traffic between them,\n"
    "computed exactly from both NSG levels, with the observed flows laid\n"
    "over it (traffic view).",
    "--out - writes to standard output.  HTML is one file with nothing to\n"
    "fetch; DOT renders with Graphviz (dot -Tsvg); JSON: docs/map.md.\n"
    "Exit: 0 written, 2 usage or input error, 3 internal error.\n",
    NULL};

typedef nsg_rc (*writer_fn)(const cJSON *doc, FILE *f, const char *name,
                            struct nsg_err *err);

/* Write with fn into path (or stdout for "-"), through a temporary file
 * renamed into place. */
static nsg_rc write_out(const char *path, writer_fn fn, const cJSON *doc,
                        struct nsg_err *err)
{
    if (!strcmp(path, "-"))
        return fn(doc, stdout, "standard output", err);
    char *tmp = g_strdup_printf("%s.tmp.XXXXXX", path);
    int fd = mkstemp(tmp);
    nsg_rc rc = NSG_OK;
    if (fd < 0) {
        rc = nsg_err_set(err, NSG_E_IO, "cannot write %s: %s", path,
                         strerror(errno));
        g_free(tmp);
        return rc;
    }
    mode_t mask = umask(0);
    umask(mask);
    if (fchmod(fd, 0666 & ~mask)) /* mkstemp makes it 0600 */
        rc = nsg_err_set(err, NSG_E_IO, "cannot write %s: %s", path,
                         strerror(errno));
    FILE *f = rc ? NULL : fdopen(fd, "w");
    if (!f) {
        if (!rc)
            rc = nsg_err_set(err, NSG_E_IO, "cannot write %s: %s", path,
                             strerror(errno));
        close(fd);
    } else {
        rc = fn(doc, f, path, err);
        if (!rc && (fflush(f) || fsync(fileno(f))))
            rc = nsg_err_set(err, NSG_E_IO, "cannot write %s: %s", path,
                             strerror(errno));
        if (fclose(f) && !rc)
            rc = nsg_err_set(err, NSG_E_IO, "cannot write %s: %s", path,
                             strerror(errno));
    }
    if (!rc && rename(tmp, path))
        rc = nsg_err_set(err, NSG_E_IO, "cannot write %s: %s", path,
                         strerror(errno));
    if (rc)
        unlink(tmp);
    g_free(tmp);
    return rc;
}

int cmd_map(int argc, char **argv)
{
    const char *corpus = NULL, *format = NULL, *out = NULL, *view = NULL,
               *title = NULL;
    long collapse = NSG_MAP_COLLAPSE_DEFAULT;
    struct cli_option opts[] = {
        CLI_OPT_STR("corpus", &corpus, "DIR", "the corpus"),
        CLI_OPT_STR("format", &format, "FMT", "html, dot or json"),
        CLI_OPT_STR("out", &out, "FILE", "where to write the map (- = stdout)"),
        CLI_OPT_STR("view", &view, "VIEW", "topology (default) or traffic"),
        CLI_OPT_NUM("collapse", &collapse, "N", 1, 100000,
                    "show a subnet with more NICs as one counted node "
                    "(default 16)"),
        CLI_OPT_STR("title", &title, "TEXT", "the map's title"),
        CLI_OPT_ENDMARK};
    struct nsg_err err = NSG_ERR_INIT;
    struct nsg_corpus *c = NULL;
    struct nsg_topology *t = NULL;
    struct nsg_map_net *net = NULL;
    struct nsg_map_assessment *a = NULL;
    struct nsg_plan *plan = NULL;
    struct nsg_map_traffic *tr = NULL;
    cJSON *doc = NULL;
    writer_fn fn;
    int status = cli_opt_parse(&help, opts, argc, argv, NULL, NULL);

    if (status)
        return cli_opt_status(status);
    if (!corpus)
        return cli_opt_error(&help, "--corpus DIR is required");
    if (!format)
        return cli_opt_error(&help, "--format html|dot|json is required");
    if (!out)
        return cli_opt_error(&help, "--out FILE is required (- for standard "
                                    "output)");
    if (!strcmp(format, "html"))
        fn = nsg_map_write_html;
    else if (!strcmp(format, "dot"))
        fn = nsg_map_write_dot;
    else if (!strcmp(format, "json"))
        fn = nsg_map_write_json;
    else
        return cli_opt_error(&help, "--format must be html, dot or json, not "
                                    "'%s'",
                             format);
    if (view && strcmp(view, "topology") && strcmp(view, "traffic"))
        return cli_opt_error(&help,
                             "--view must be topology or traffic, not '%s'",
                             view);
    struct nsg_map_doc_opts o = {
        view && !strcmp(view, "traffic") ? NSG_MAP_VIEW_TRAFFIC
                                         : NSG_MAP_VIEW_TOPOLOGY,
        (unsigned)collapse, title};
    if (cli_load_corpus(corpus, &c, &t, &err) ||
        cli_harden_defaults(c, t, corpus, &plan, &err)) {
        status = cli_fail(&err);
        goto done;
    }
    /* the assessment with adaptive hardening, as `assess` makes it */
    struct nsg_map_assess_opts aopts = {cli_harden_hook, plan};
    if (nsg_map_net_new(t, &net, &err) ||
        nsg_map_assess(net, &aopts, &a, &err) ||
        (o.view == NSG_MAP_VIEW_TRAFFIC &&
         (nsg_map_traffic_new(net, &tr, &err) ||
          nsg_map_traffic_observe(tr, c, &err)))) {
        status = cli_fail(&err);
        goto done;
    }
    doc = nsg_map_doc(net, a, tr, &o);
    if (write_out(out, fn, doc, &err)) {
        status = cli_fail(&err);
        goto done;
    }
    if (strcmp(out, "-"))
        printf("wrote %s: %s view as %s, %d nodes, %d edges\n", out,
               o.view == NSG_MAP_VIEW_TRAFFIC ? "traffic" : "topology", format,
               cJSON_GetArraySize(cJSON_GetObjectItem(doc, "nodes")),
               cJSON_GetArraySize(cJSON_GetObjectItem(doc, "edges")));
    status = CLI_EXIT_OK;
done:
    cJSON_Delete(doc);
    nsg_map_traffic_free(tr);
    nsg_map_assessment_free(a);
    nsg_plan_free(plan);
    nsg_map_net_free(net);
    nsg_topo_free(t);
    nsg_corpus_close(c);
    return status;
}
