/* cmd_lint.c - `nsgproof lint`: per NSG of the corpus and per virtual
 * network it is used in, rules that can never match, rules whose removal
 * changes nothing, overlapping rules of opposite access, and management
 * ports opened to the Internet. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../sim/sim.h"
#include "../solver/solver.h"
#include "cli.h"

static const char usage[] =
    "usage: nsgproof lint --corpus DIR [--nsg NAME] [--json] [--timeout MS]\n"
    "  Exit: 0 clean, 1 findings, 2 input error, 3 unknown/internal.\n";

struct lint_opts {
    const char *corpus, *nsg;
    bool json;
    unsigned timeout_ms;
};

static int parse_args(int argc, char **argv, struct lint_opts *o)
{
    static const struct option lo[] = {
        {"corpus", required_argument, NULL, 'c'},
        {"nsg", required_argument, NULL, 'n'},
        {"json", no_argument, NULL, 'j'},
        {"timeout", required_argument, NULL, 't'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    int ch;
    long v;
    optind = 1;
    opterr = 0;
    while ((ch = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
        switch (ch) {
        case 'c':
            o->corpus = optarg;
            break;
        case 'n':
            o->nsg = optarg;
            break;
        case 'j':
            o->json = true;
            break;
        case 't':
            if (!cli_parse_long(optarg, 0, CLI_TIMEOUT_MAX, &v))
                return cli_usage_error(usage, "lint: bad --timeout '%s'",
                                       optarg);
            o->timeout_ms = (unsigned)v;
            break;
        case 'h':
            fputs(usage, stdout);
            exit(CLI_EXIT_OK);
        default:
            return cli_usage_error(usage, "lint: unknown option '%s'",
                                   argv[optind - 1]);
        }
    }
    if (optind < argc)
        return cli_usage_error(usage, "lint: unexpected argument '%s'",
                               argv[optind]);
    if (!o->corpus)
        return cli_usage_error(usage, "lint: --corpus DIR is required");
    return 0;
}

/* Virtual networks an NSG is used in (via subnets and NICs). */
static GPtrArray *contexts_of(const struct nsg_topology *t,
                              const struct nsg_nsg *n)
{
    GPtrArray *out = g_ptr_array_new();
    for (guint i = 0; i < NSG_TOPO_N(t, NSG_RES_SUBNET); i++) {
        const struct nsg_subnet *s = NSG_TOPO_AT(t, NSG_RES_SUBNET, i);
        struct nsg_vnet *v;
        if (s->nsg_id && n->id && !strcasecmp(s->nsg_id, n->id) &&
            (v = nsg_topo_vnet_of_subnet(t, s)) &&
            !g_ptr_array_find(out, v, NULL))
            g_ptr_array_add(out, v);
    }
    for (guint i = 0; i < NSG_TOPO_N(t, NSG_RES_NIC); i++) {
        const struct nsg_nic *nic = NSG_TOPO_AT(t, NSG_RES_NIC, i);
        struct nsg_subnet *s;
        struct nsg_vnet *v;
        if (nic->nsg_id && n->id && !strcasecmp(nic->nsg_id, n->id) &&
            (s = nsg_topo_subnet_of_nic(t, nic)) &&
            (v = nsg_topo_vnet_of_subnet(t, s)) &&
            !g_ptr_array_find(out, v, NULL))
            g_ptr_array_add(out, v);
    }
    if (out->len == 0)
        g_ptr_array_add(out, NULL); /* unused: no context */
    return out;
}

static cJSON *json_packet(const struct nsg_packet *p)
{
    cJSON *o = cJSON_CreateObject();
    nsg_sim_packet_to_json(o, p, NSG_PJ_PROTO_NAMED);
    return o;
}

static const char *rname(const struct nsg_crule *r)
{
    return r->rule && r->rule->name ? r->rule->name : "?";
}

static const char *unknown_tag(const struct nsg_crule *r)
{
    return r->src_unknown ? r->src_unknown : r->dst_unknown;
}

static cJSON *json_finding(const struct nsg_slv_finding *f)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "kind", nsg_slv_lint_kind_name(f->kind));
    if (!f->rule) { /* a finding on the NSG as a whole */
        cJSON_AddNullToObject(o, "direction");
        cJSON_AddNullToObject(o, "rule");
        cJSON_AddNullToObject(o, "priority");
    } else {
        cJSON_AddStringToObject(o, "direction", nsg_dir_name(f->dir));
        cJSON_AddStringToObject(o, "rule", rname(f->rule));
        cJSON_AddNumberToObject(o, "priority", f->rule->priority);
    }
    cJSON *by = cJSON_AddArrayToObject(o, "by");
    for (size_t i = 0; i < f->n_by; i++) {
        cJSON *b = cJSON_CreateObject();
        cJSON_AddStringToObject(b, "rule", rname(f->by[i]));
        cJSON_AddNumberToObject(b, "priority", f->by[i]->priority);
        cJSON_AddItemToArray(by, b);
    }
    if (f->kind == NSG_LINT_MGMT_OPEN)
        cJSON_AddNumberToObject(o, "port", f->port);
    if (f->kind == NSG_LINT_UNKNOWN_TAG)
        cJSON_AddStringToObject(o, "tag", unknown_tag(f->rule));
    if (f->kind == NSG_LINT_ADMIN_OVERRIDDEN) {
        cJSON *a = cJSON_AddArrayToObject(o, "admin_rules");
        for (size_t i = 0; i < f->n_admin_by; i++) {
            const struct nsg_admin_rule *ar = f->admin_by[i]->ar;
            cJSON *x = cJSON_CreateObject();
            cJSON_AddStringToObject(x, "configuration",
                                    ar->configuration ? ar->configuration : "");
            cJSON_AddStringToObject(x, "collection",
                                    ar->collection ? ar->collection : "");
            cJSON_AddStringToObject(x, "rule", ar->name ? ar->name : "");
            cJSON_AddNumberToObject(x, "priority", ar->r.priority);
            cJSON_AddStringToObject(x, "access",
                                    nsg_admin_access_name(ar->access));
            cJSON_AddItemToArray(a, x);
        }
    }
    if (f->detail[0])
        cJSON_AddStringToObject(o, "detail", f->detail);
    if (f->has_witness)
        cJSON_AddItemToObject(o, "witness", json_packet(&f->witness));
    else
        cJSON_AddNullToObject(o, "witness");
    return o;
}

static void print_finding(const struct nsg_slv_finding *f)
{
    struct nsg_buf b = NSG_BUF_INIT;
    for (size_t i = 0; i < f->n_by; i++)
        nsg_buf_addf(&b, "%s%s (%d)", i ? ", " : "", rname(f->by[i]),
                     f->by[i]->priority);
    if (!f->rule) {
        printf("  %-9s %s\n", nsg_slv_lint_kind_name(f->kind), f->detail);
        nsg_buf_release(&b);
        return;
    }
    printf("  %-9s %-8s %s (priority %d): ", nsg_slv_lint_kind_name(f->kind),
           nsg_dir_name(f->dir), rname(f->rule), f->rule->priority);
    switch (f->kind) {
    case NSG_LINT_SHADOWED:
        if (f->n_by)
            printf("can never match: covered by %s\n", b.buf);
        else
            printf("can never match any packet\n");
        break;
    case NSG_LINT_REDUNDANT:
        printf("removing it changes no decision%s%s%s\n",
               f->n_by ? " (later: " : "", f->n_by ? b.buf : "",
               f->n_by ? ")" : "");
        break;
    case NSG_LINT_CONFLICT:
        printf("overlaps %s with the opposite access\n", b.buf);
        break;
    case NSG_LINT_MGMT_OPEN:
        printf("allows TCP port %u from the Internet\n", f->port);
        break;
    case NSG_LINT_UNKNOWN_TAG:
        printf("names '%s', which is not known: not checked (import a "
               "Service Tags file that defines it)\n", unknown_tag(f->rule));
        break;
    case NSG_LINT_ADMIN_OVERRIDDEN:
        nsg_buf_reset(&b);
        nsg_buf_adds(&b, "");
        for (size_t i = 0; i < f->n_admin_by; i++)
            nsg_buf_addf(&b, "%s%s (%s, priority %d)", i ? ", " : "",
                         f->admin_by[i]->ar->name,
                         nsg_admin_access_name(f->admin_by[i]->ar->access),
                         f->admin_by[i]->ar->r.priority);
        printf("every packet it decides is decided first by security admin "
               "rules: %s\n", b.buf);
        break;
    default: /* the static kinds */
        printf("%s\n", f->detail);
        break;
    }
    if (f->has_witness) {
        nsg_buf_reset(&b);
        nsg_slv_packet_format(&f->witness, &b);
        printf("            e.g. %s\n", b.buf);
    }
    nsg_buf_release(&b);
}

/* Lint one NSG in one context; appends to the JSON and prints text. */
static nsg_rc lint_one(const struct lint_opts *o, const struct nsg_topology *t,
                       struct nsg_sim *sim, const struct nsg_nsg *n,
                       const struct nsg_vnet *v, bool first, cJSON *jnsgs,
                       size_t *count, struct nsg_err *err)
{
    struct nsg_ctx ctx;
    const struct nsg_cnsg *c;
    const struct nsg_admin_stage *admin = NULL;
    struct nsg_slv_lint l = NSG_SLV_LINT_INIT;
    struct nsg_slv *slv = NULL;
    size_t maybe = 0;
    nsg_rc rc = nsg_ctx_init(&ctx, t, v, err);
    if (rc)
        return rc;
    rc = nsg_sim_get(sim, n, v, &c, err);
    if (!rc && v)
        rc = nsg_sim_admin(sim, v, &admin, err);
    for (int d = 0; admin && d < 2; d++)
        for (size_t i = 0; i < admin->n[d]; i++)
            maybe += admin->rules[d][i].maybe;
    if (!rc) {
        if (first)
            nsg_slv_lint_static(t, n, c, &l);
        slv = nsg_slv_new(o->timeout_ms);
        rc = nsg_slv_lint_admin(slv, c, &ctx.internet, admin, &l, err);
    }
    if (!rc) {
        *count += l.n;
        if (o->json) {
            cJSON *j = cJSON_CreateObject();
            cJSON_AddStringToObject(j, "nsg", n->name ? n->name : "");
            cJSON_AddStringToObject(j, "id", n->id ? n->id : "");
            if (v)
                cJSON_AddStringToObject(j, "vnet", v->name ? v->name : "");
            else
                cJSON_AddNullToObject(j, "vnet");
            cJSON *fs = cJSON_AddArrayToObject(j, "findings");
            for (size_t i = 0; i < l.n; i++)
                cJSON_AddItemToArray(fs, json_finding(&l.f[i]));
            cJSON_AddNumberToObject(j, "admin_rules_unknown", (double)maybe);
            cJSON_AddItemToArray(jnsgs, j);
        } else if (l.n || maybe) {
            printf("%s%s%s%s:\n", n->name ? n->name : "?", v ? " (vnet " : "",
                   v && v->name ? v->name : "", v ? ")" : "");
            for (size_t i = 0; i < l.n; i++)
                print_finding(&l.f[i]);
            if (maybe)
                printf("  note: %zu security admin rule%s may apply to this "
                       "virtual network (unknown); overridden-by-admin-rule "
                       "does not rest on %s\n",
                       maybe, maybe == 1 ? "" : "s", maybe == 1 ? "it" : "them");
        }
    } else {
        nsg_err_prefix(err, "NSG %s%s%s", n->name ? n->name : "?",
                       v ? " in vnet " : "", v && v->name ? v->name : "");
    }
    nsg_slv_lint_release(&l);
    nsg_slv_free(slv);
    nsg_ctx_release(&ctx);
    return rc;
}

int cmd_lint(int argc, char **argv)
{
    struct lint_opts o = {.timeout_ms = 60000};
    struct nsg_err err = NSG_ERR_INIT;
    struct nsg_corpus *corpus = NULL;
    struct nsg_topology *t = NULL;
    struct nsg_sim *sim = NULL;
    GPtrArray *nsgs = g_ptr_array_new();
    cJSON *root = cJSON_CreateObject();
    cJSON *jnsgs = cJSON_AddArrayToObject(root, "nsgs");
    cJSON *jerrs = cJSON_AddArrayToObject(root, "errors");
    size_t count = 0, n_errors = 0;
    int status = parse_args(argc, argv, &o);
    nsg_rc rc = NSG_OK;

    if (status)
        goto out;
    rc = cli_load_corpus(o.corpus, &corpus, &t, &err);
    if (!rc && o.nsg) {
        void *p;
        rc = nsg_topo_find(t, NSG_RES_NSG, o.nsg, &p, &err);
        if (!rc)
            g_ptr_array_add(nsgs, p);
    } else if (!rc) {
        for (guint i = 0; i < NSG_TOPO_N(t, NSG_RES_NSG); i++)
            g_ptr_array_add(nsgs, NSG_TOPO_AT(t, NSG_RES_NSG, i));
    }
    if (rc) {
        status = cli_fail(&err);
        goto out;
    }
    sim = nsg_sim_new(t);
    for (guint i = 0; i < nsgs->len; i++) {
        const struct nsg_nsg *n = nsgs->pdata[i];
        GPtrArray *vs = contexts_of(t, n);
        for (guint k = 0; k < vs->len; k++) {
            rc = lint_one(&o, t, sim, n, vs->pdata[k], k == 0, jnsgs, &count,
                          &err);
            if (rc == NSG_E_UNKNOWN || rc == NSG_E_INTERNAL) {
                status = cli_fail(&err); /* exit 3: never a partial guess */
                g_ptr_array_free(vs, TRUE);
                goto out;
            }
            if (rc) { /* an NSG that cannot be resolved: go on, report it */
                n_errors++;
                cJSON_AddItemToArray(jerrs, cJSON_CreateString(err.msg));
                if (!o.json)
                    cli_error("%s", err.msg);
            }
        }
        g_ptr_array_free(vs, TRUE);
    }
    cJSON_AddBoolToObject(root, "clean", count == 0 && n_errors == 0);
    cJSON_AddNumberToObject(root, "count", (double)count);
    if (o.json)
        cli_print_json(root);
    else if (count == 0 && n_errors == 0)
        printf("clean: no findings in %u NSG%s\n", nsgs->len,
               nsgs->len == 1 ? "" : "s");
    else
        printf("%zu finding%s in %u NSG%s\n", count, count == 1 ? "" : "s",
               nsgs->len, nsgs->len == 1 ? "" : "s");
    status = count ? CLI_EXIT_FOUND : n_errors ? CLI_EXIT_INPUT : CLI_EXIT_OK;
out:
    cJSON_Delete(root);
    g_ptr_array_free(nsgs, TRUE);
    nsg_sim_free(sim);
    nsg_topo_free(t);
    nsg_corpus_close(corpus);
    return status;
}
