/* cmd_diff.c - `nsgproof diff`: do two NSGs decide every packet the same
 * way?  If not, witness packets from distinct difference regions, each
 * replayed through the simulator, and a summary of the regions. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../importer/importer.h"
#include "../sim/sim.h"
#include "../solver/solver.h"
#include "cli.h"

static const char usage[] =
    "usage: nsgproof diff A B [--json] [--max N] [--corpus DIR]\n"
    "                    [--nic NAME | --vnet NAME] [--direction "
    "inbound|outbound]\n"
    "                    [--timeout MS]\n"
    "  A, B: an NSG file (ARM JSON or az CLI output), or --nsg NAME for an\n"
    "  NSG of the corpus (each --nsg or file is one side, in order).\n"
    "  Rules with service tags or ASGs need --corpus (and --nic or --vnet\n"
    "  when the NSG could sit in several virtual networks).\n"
    "  Exit: 0 equivalent, 1 different, 2 input error, 3 unknown/internal.\n";

struct side {
    const char *arg; /* file path or corpus NSG name */
    bool from_corpus;
    struct nsg_nsg *owned; /* loaded from a file */
    const struct nsg_nsg *nsg;
    const struct nsg_cnsg *c;
};

struct diff_opts {
    bool json;
    long max;
    const char *corpus, *nic, *vnet;
    int dir; /* -1 both */
    unsigned timeout_ms;
    struct side sides[2];
    int n_sides;
};

static int parse_args(int argc, char **argv, struct diff_opts *o)
{
    static const struct option lo[] = {
        {"json", no_argument, NULL, 'j'},
        {"max", required_argument, NULL, 'm'},
        {"corpus", required_argument, NULL, 'c'},
        {"nsg", required_argument, NULL, 'n'},
        {"nic", required_argument, NULL, 'i'},
        {"vnet", required_argument, NULL, 'v'},
        {"direction", required_argument, NULL, 'd'},
        {"timeout", required_argument, NULL, 't'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    int ch;
    long v;
    optind = 1;
    opterr = 0;
    /* "-" first: positional arguments come back in order as 1 */
    while ((ch = getopt_long(argc, argv, "-h", lo, NULL)) != -1) {
        switch (ch) {
        case 1:
        case 'n':
            if (o->n_sides == 2)
                return cli_usage_error(usage, "diff: more than two NSGs given");
            o->sides[o->n_sides].arg = optarg;
            o->sides[o->n_sides++].from_corpus = ch == 'n';
            break;
        case 'j':
            o->json = true;
            break;
        case 'c':
            o->corpus = optarg;
            break;
        case 'i':
            o->nic = optarg;
            break;
        case 'v':
            o->vnet = optarg;
            break;
        case 'm':
            if (!cli_parse_long(optarg, 0, 100000, &o->max))
                return cli_usage_error(usage, "diff: bad --max '%s'", optarg);
            break;
        case 't':
            if (!cli_parse_long(optarg, 0, CLI_TIMEOUT_MAX, &v))
                return cli_usage_error(usage, "diff: bad --timeout '%s'",
                                       optarg);
            o->timeout_ms = (unsigned)v;
            break;
        case 'd':
            o->dir = cli_parse_direction(optarg);
            if (o->dir < 0)
                return cli_usage_error(usage, "diff: bad --direction '%s'",
                                       optarg);
            break;
        case 'h':
            fputs(usage, stdout);
            exit(CLI_EXIT_OK);
        default:
            return cli_usage_error(usage, "diff: unknown option '%s'",
                                   argv[optind - 1]);
        }
    }
    if (o->n_sides != 2)
        return cli_usage_error(usage,
                               "diff: give two NSGs (files or --nsg NAME)");
    if (o->nic && o->vnet)
        return cli_usage_error(usage, "diff: give --nic or --vnet, not both");
    if ((o->nic || o->vnet) && !o->corpus)
        return cli_usage_error(usage, "diff: --nic and --vnet need --corpus");
    for (int i = 0; i < 2; i++)
        if (o->sides[i].from_corpus && !o->corpus)
            return cli_usage_error(usage, "diff: --nsg needs --corpus");
    return 0;
}

/* Without a corpus, tags and ASGs of user rules cannot be resolved, except
 * AzureLoadBalancer: a constant (168.63.129.16 and its IPv6 address) that
 * the simulator resolves in any context. */
static nsg_rc need_no_context(const struct side *s, struct nsg_err *err)
{
    for (size_t i = 0; i < s->nsg->n_rules; i++) {
        const struct nsg_rule *r = &s->nsg->rules[i];
        if (r->is_default)
            continue;
        for (int side = 0; side < 2; side++) {
            const struct nsg_addr_item *it = side ? r->dst : r->src;
            size_t n = side ? r->n_dst : r->n_src;
            for (size_t k = 0; k < n; k++)
                if (it[k].kind == NSG_ADDR_TAG &&
                    strcasecmp(it[k].text, "AzureLoadBalancer"))
                    return nsg_err_set(err, NSG_E_INPUT,
                                       "%s: rule %s uses service tag '%s': "
                                       "give --corpus DIR (with --nic or "
                                       "--vnet) to resolve it",
                                       s->arg, r->name, it[k].text);
            if (side ? r->n_dst_asgs : r->n_src_asgs)
                return nsg_err_set(
                    err, NSG_E_INPUT,
                    "%s: rule %s uses application security "
                    "group '%s': give --corpus DIR to resolve it",
                    s->arg, r->name, side ? r->dst_asgs[0] : r->src_asgs[0]);
        }
    }
    return NSG_OK;
}

/* Virtual networks an NSG of the corpus is used in (via subnets, NICs). */
static void vnets_of_nsg(const struct nsg_topology *t, const struct nsg_nsg *n,
                         GPtrArray *out)
{
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
}

/* The virtual network whose VirtualNetwork tag applies. */
static nsg_rc pick_vnet(const struct diff_opts *o, const struct nsg_topology *t,
                        const struct nsg_vnet **out, struct nsg_err *err)
{
    void *p;
    nsg_rc rc = NSG_OK;
    *out = NULL;
    if (o->vnet) {
        rc = nsg_topo_find(t, NSG_RES_VNET, o->vnet, &p, err);
        if (!rc)
            *out = p;
        return rc;
    }
    if (o->nic) {
        rc = nsg_topo_find(t, NSG_RES_NIC, o->nic, &p, err);
        if (rc)
            return rc;
        struct nsg_subnet *s = nsg_topo_subnet_of_nic(t, p);
        *out = s ? nsg_topo_vnet_of_subnet(t, s) : NULL;
        return NSG_OK;
    }
    GPtrArray *cand = g_ptr_array_new();
    for (int i = 0; i < 2; i++)
        if (o->sides[i].from_corpus)
            vnets_of_nsg(t, o->sides[i].nsg, cand);
    if (cand->len == 0)
        for (guint i = 0; i < NSG_TOPO_N(t, NSG_RES_VNET); i++)
            g_ptr_array_add(cand, NSG_TOPO_AT(t, NSG_RES_VNET, i));
    if (cand->len == 1) {
        *out = cand->pdata[0];
    } else if (cand->len > 1) {
        struct nsg_buf b = NSG_BUF_INIT;
        for (guint i = 0; i < cand->len; i++)
            nsg_buf_addf(&b, "%s%s", i ? ", " : "",
                         ((struct nsg_vnet *)cand->pdata[i])->name);
        rc = nsg_err_set(err, NSG_E_USAGE,
                         "the context is ambiguous: the VirtualNetwork tag "
                         "differs between virtual networks %s; give --vnet "
                         "NAME or --nic NAME",
                         b.buf);
        nsg_buf_release(&b);
    }
    g_ptr_array_free(cand, TRUE);
    return rc;
}

static cJSON *json_decision(enum nsg_decision d, const struct nsg_crule *r)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "decision", nsg_decision_name(d));
    if (r && r->rule) {
        cJSON_AddStringToObject(o, "rule", r->rule->name ? r->rule->name : "");
        cJSON_AddNumberToObject(o, "priority", r->priority);
    } else { /* the platform stage decided (platform traffic) */
        cJSON_AddNullToObject(o, "rule");
    }
    return o;
}

static void print_json(const struct diff_opts *o, const struct nsg_slv_diff *d)
{
    cJSON *root = cJSON_CreateObject();
    cJSON_AddBoolToObject(root, "equivalent", d->equivalent);
    cJSON *sides = cJSON_AddObjectToObject(root, "nsgs");
    for (int i = 0; i < 2; i++) {
        cJSON *s = cJSON_AddObjectToObject(sides, i ? "b" : "a");
        cJSON_AddStringToObject(
            s, "name", o->sides[i].nsg->name ? o->sides[i].nsg->name : "");
        cJSON_AddStringToObject(s, o->sides[i].from_corpus ? "corpus" : "file",
                                o->sides[i].arg);
    }
    cJSON *diffs = cJSON_AddArrayToObject(root, "differences");
    for (size_t i = 0; i < d->n_w; i++) {
        const struct nsg_slv_witness *w = &d->w[i];
        cJSON *x = cJSON_CreateObject();
        nsg_sim_packet_to_json(x, &w->p, NSG_PJ_PROTO_NAMED);
        cJSON_AddItemToObject(x, "a", json_decision(w->a, w->ra));
        cJSON_AddItemToObject(x, "b", json_decision(w->b, w->rb));
        cJSON_AddItemToArray(diffs, x);
    }
    cJSON *regs = cJSON_AddArrayToObject(root, "regions");
    for (size_t i = 0; i < d->n_regions; i++) {
        const struct nsg_slv_region *r = &d->regions[i];
        cJSON *x = cJSON_CreateObject();
        cJSON_AddStringToObject(x, "direction", nsg_dir_name(r->dir));
        cJSON_AddItemToObject(x, "a", json_decision(r->a, r->ra));
        cJSON_AddItemToObject(x, "b", json_decision(r->b, r->rb));
        cJSON_AddNumberToObject(x, "witnesses", (double)r->witnesses);
        cJSON_AddItemToArray(regs, x);
    }
    cJSON_AddBoolToObject(root, "regions_complete", d->regions_complete);
    cli_print_json(root);
    cJSON_Delete(root);
}

static const char *rname(const struct nsg_crule *r)
{
    return r && r->rule && r->rule->name ? r->rule->name
                                         : "(no rule: platform traffic)";
}

static void print_text(const struct diff_opts *o, const struct nsg_slv_diff *d)
{
    const char *na =
        o->sides[0].nsg->name ? o->sides[0].nsg->name : o->sides[0].arg;
    const char *nb =
        o->sides[1].nsg->name ? o->sides[1].nsg->name : o->sides[1].arg;
    if (d->equivalent) {
        printf("equivalent: A (%s) and B (%s) decide every packet the same "
               "way\n",
               na, nb);
        return;
    }
    printf("different: A (%s) and B (%s) decide some packets differently\n", na,
           nb);
    for (size_t i = 0; i < d->n_w; i++) {
        const struct nsg_slv_witness *w = &d->w[i];
        struct nsg_buf b = NSG_BUF_INIT;
        nsg_slv_packet_format(&w->p, &b);
        printf("  %s\n    A: %-5s by %s (priority %d)\n"
               "    B: %-5s by %s (priority %d)\n",
               b.buf, nsg_decision_name(w->a), rname(w->ra), w->ra ? w->ra->priority : 0,
               nsg_decision_name(w->b), rname(w->rb), w->rb ? w->rb->priority : 0);
        nsg_buf_release(&b);
    }
    printf("regions (%zu%s):\n", d->n_regions,
           d->regions_complete ? "" : ", more not enumerated");
    for (size_t i = 0; i < d->n_regions; i++) {
        const struct nsg_slv_region *r = &d->regions[i];
        printf("  %-8s A %s (%s) vs B %s (%s): %zu witness%s\n",
               nsg_dir_name(r->dir), rname(r->ra), nsg_decision_name(r->a), rname(r->rb),
               nsg_decision_name(r->b), r->witnesses, r->witnesses == 1 ? "" : "es");
    }
}

int cmd_diff(int argc, char **argv)
{
    struct diff_opts o = {.max = 10, .dir = -1, .timeout_ms = 60000};
    struct nsg_err err = NSG_ERR_INIT;
    struct nsg_corpus *corpus = NULL;
    struct nsg_topology *t = NULL;
    struct nsg_sim *sim = NULL;
    struct nsg_slv *slv = NULL;
    struct nsg_slv_diff d = NSG_SLV_DIFF_INIT;
    const struct nsg_vnet *vnet = NULL;
    int status;
    nsg_rc rc = NSG_OK;

    status = parse_args(argc, argv, &o);
    if (status)
        return status;
    if (o.corpus)
        rc = cli_load_corpus(o.corpus, &corpus, &t, &err);
    else
        t = nsg_topo_new();
    for (int i = 0; i < 2 && !rc; i++) {
        struct side *s = &o.sides[i];
        if (s->from_corpus) {
            void *p;
            rc = nsg_topo_find(t, NSG_RES_NSG, s->arg, &p, &err);
            s->nsg = p;
        } else {
            rc = nsg_imp_load_nsg_file(s->arg, &s->owned, &err);
            s->nsg = s->owned;
            if (!rc && !o.corpus)
                rc = need_no_context(s, &err);
        }
    }
    if (!rc && o.corpus)
        rc = pick_vnet(&o, t, &vnet, &err);
    if (!rc) {
        sim = nsg_sim_new(t);
        slv = nsg_slv_new(o.timeout_ms);
        for (int i = 0; i < 2 && !rc; i++) {
            rc = nsg_sim_get(sim, o.sides[i].nsg, vnet, &o.sides[i].c, &err);
            if (rc)
                nsg_err_prefix(&err, "%s", o.sides[i].arg);
        }
    }
    /* with a corpus, the security admin stage of the VNet is in front */
    const struct nsg_admin_stage *admin = NULL;
    if (!rc && o.corpus && vnet)
        rc = nsg_sim_admin(sim, vnet, &admin, &err);
    if (!rc)
        rc = nsg_slv_diff_admin(slv, o.sides[0].c, o.sides[1].c, admin,
                                (size_t)o.max, o.dir < 0 ? 0u : 1u << o.dir,
                                &d, &err);
    if (rc) {
        status = cli_fail(&err);
    } else {
        if (o.json)
            print_json(&o, &d);
        else
            print_text(&o, &d);
        status = d.equivalent ? CLI_EXIT_OK : CLI_EXIT_FOUND;
    }
    nsg_slv_diff_release(&d);
    nsg_slv_free(slv);
    nsg_sim_free(sim);
    for (int i = 0; i < 2; i++)
        nsg_nsg_free(o.sides[i].owned);
    nsg_topo_free(t);
    nsg_corpus_close(corpus);
    return status;
}
