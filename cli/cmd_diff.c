/* cmd_diff.c - `nsgproof diff`: do two NSGs decide every packet the same
 * way?  If not, witness packets from distinct difference regions, each
 * replayed through the simulator, and a summary of the regions. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../importer/importer.h"
#include "../sim/sim.h"
#include "../solver/solver.h"
#include "cli.h"
#include "cli_opt.h"

static const char *const synopsis[] = {
    "A B [--corpus DIR [--nic NAME | --vnet NAME] [--at TIME]]\n"
    "         [--direction DIR] [--max N] [--timeout MS] [--format text|json]",
    NULL};
static const struct cli_command_help help = {
    "diff", synopsis,
    "Do two NSGs decide every packet the same way?  If not, witness packets\n"
    "from distinct difference regions, each re-checked by the simulator.",
    "A and B: an NSG file (ARM JSON or az CLI output; - for standard input)\n"
    "or --nsg NAME for an NSG of the corpus; each is one side, in order.\n"
    "Rules with service tags or ASGs need --corpus (and --nic or --vnet\n"
    "when the NSG could sit in several virtual networks).\n"
    "JSON schema: docs/diff.md.\n"
    "Exit: 0 equivalent, 1 different, 2 usage or input error, 3 unknown or\n"
    "internal inconsistency.\n",
    NULL};

struct side {
    const char *arg; /* file path or corpus NSG name */
    bool from_corpus;
    struct nsg_nsg *owned; /* loaded from a file */
    const struct nsg_nsg *nsg;
    const struct nsg_cnsg *c;
    struct cli_check_ref check; /* how `check` reproduces its answers */
    char label[512];
};

struct diff_opts {
    struct cli_output fmt;
    long max;
    const char *corpus, *nic, *vnet;
    int64_t at;
    int dir; /* -1 both */
    unsigned timeout_ms;
    struct side sides[2];
    int n_sides;
};

/* A side: a file (positional) or --nsg NAME, in the order given. */
static const char *add_side(struct diff_opts *o, const char *arg,
                            bool from_corpus)
{
    if (o->n_sides == 2)
        return "more than two NSGs given (files or --nsg NAME)";
    o->sides[o->n_sides].arg = arg;
    o->sides[o->n_sides++].from_corpus = from_corpus;
    return NULL;
}

static const char *file_cb(const struct cli_option *opt, const char *arg,
                           void *ctx, char *buf, size_t buflen)
{
    (void)ctx, (void)buf, (void)buflen;
    return add_side(opt->value, arg, false);
}

static const char *nsg_cb(const struct cli_option *opt, const char *arg,
                          void *ctx, char *buf, size_t buflen)
{
    (void)ctx, (void)buf, (void)buflen;
    return add_side(opt->value, arg, true);
}

static int parse_args(int argc, char **argv, struct diff_opts *o)
{
    long max = 10, timeout = 60000;
    struct cli_option opts[] = {
        CLI_OPT_CBV(NULL, o, "A B", file_cb,
                    "NSG files (ARM or az JSON; - for standard input)"),
        CLI_OPT_CBV("nsg", o, "NAME", nsg_cb,
                    "an NSG of the corpus (name or id) as one side; "
                    "twice for both"),
        CLI_OPT_STR("corpus", &o->corpus, "DIR",
                    "the corpus: context for tags and ASGs, --nsg sides"),
        CLI_OPT_STR("nic", &o->nic, "NAME",
                    "resolve tags as seen by this NIC's virtual network"),
        CLI_OPT_STR("vnet", &o->vnet, "NAME",
                    "resolve tags in this virtual network"),
        CLI_OPT_TIME("at", &o->at,
                     "--nsg sides and context as in force at TIME (default: "
                     "the newest)"),
        CLI_OPT_DIRECTION("direction", &o->dir,
                          "compare one direction only (default both)"),
        CLI_OPT_NUM("max", &max, "N", 0, 100000,
                    "at most N witness packets (default 10)"),
        CLI_OPT_NUM("timeout", &timeout, "MS", 0, CLI_TIMEOUT_MAX,
                    "solver time limit per check (default 60000; 0 = none)"),
        CLI_OPT_OUTPUT(&o->fmt),
        CLI_OPT_ENDMARK};
    int st = cli_opt_parse(&help, opts, argc, argv, NULL, NULL);
    if (st)
        return st; /* CLI_PARSE_HELP (-1) or CLI_PARSE_ERROR */
    o->max = max;
    o->timeout_ms = (unsigned)timeout;
    if (o->n_sides != 2)
        return cli_opt_error(&help, "give two NSGs (files or --nsg NAME)");
    if (o->nic && o->vnet)
        return cli_opt_error(&help, "give --nic or --vnet, not both");
    if ((o->nic || o->vnet) && !o->corpus)
        return cli_opt_error(&help, "--nic and --vnet need --corpus");
    if (o->at != NSG_TIME_LATEST && !o->corpus)
        return cli_opt_error(&help, "--at needs --corpus");
    for (int i = 0; i < 2; i++)
        if (o->sides[i].from_corpus && !o->corpus)
            return cli_opt_error(&help, "--nsg needs --corpus");
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

/* The virtual network whose VirtualNetwork tag applies. */
static nsg_rc pick_vnet(const struct diff_opts *o, const struct nsg_topology *t,
                        const struct nsg_vnet **out,
                        const struct nsg_nic **nic, GPtrArray *owned,
                        struct nsg_err *err)
{
    void *p;
    nsg_rc rc = NSG_OK;
    *out = NULL;
    *nic = NULL;
    if (o->vnet) {
        rc = cli_find(t, NSG_RES_VNET, o->vnet, &p, err);
        if (!rc)
            *out = p;
        return rc;
    }
    if (o->nic) {
        struct nsg_nic *n;
        rc = cli_find_nic(t, o->nic, NULL, &n, err);
        if (rc)
            return rc;
        *nic = n;
        *out = nsg_topo_vnet_of_subnet(t, nsg_topo_subnet_of_nic(t, n));
        return NSG_OK;
    }
    GPtrArray *cand = g_ptr_array_new();
    for (int i = 0; i < 2; i++)
        if (o->sides[i].from_corpus)
            cli_nsg_contexts(t, o->sides[i].nsg, cand, owned);
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

/* How `check` reproduces side i's answers: --nsg NAME from the corpus,
 * --proposed FILE for a file, --vnet when check would not pick the same
 * virtual network itself. */
static void side_check(struct diff_opts *o, const struct nsg_topology *t,
                       const struct nsg_vnet *vnet, int i)
{
    struct side *s = &o->sides[i];
    const struct nsg_nsg *in_corpus = s->nsg;
    void *p = NULL;
    struct nsg_err e = NSG_ERR_INIT;
    s->check = (struct cli_check_ref){o->corpus, o->at, NULL, NULL, NULL,
                                      NULL};
    if (!s->from_corpus) {
        s->check.proposed = s->arg;
        in_corpus = NULL;
        if (s->nsg->id)
            in_corpus = nsg_topo_get(t, NSG_RES_NSG, s->nsg->id);
        if (!in_corpus && s->nsg->name &&
            !nsg_topo_find(t, NSG_RES_NSG, s->nsg->name, &p, &e))
            in_corpus = p;
    }
    s->check.nsg = in_corpus ? cli_nsg_ref(t, in_corpus)
                   : s->nsg->name ? s->nsg->name
                                  : s->nsg->id;
    GPtrArray *vs = g_ptr_array_new();
    if (in_corpus)
        cli_vnets_of_nsg(t, in_corpus, vs);
    if (vnet && !(vs->len == 1 && vs->pdata[0] == vnet))
        s->check.vnet = vnet->id && !vnet->name ? vnet->id : vnet->name;
    g_ptr_array_free(vs, TRUE);
}

static cJSON *json_decision(enum nsg_decision d, const struct nsg_crule *r,
                            const struct side *s, const struct nsg_packet *p)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "decision", nsg_decision_name(d));
    if (r && r->rule) {
        cJSON_AddStringToObject(o, "rule", r->rule->name ? r->rule->name : "");
        cJSON_AddNumberToObject(o, "priority", r->priority);
    } else { /* the platform stage decided (platform traffic) */
        cJSON_AddNullToObject(o, "rule");
    }
    if (s && p)
        cJSON_AddItemToObject(o, "check", cli_check_json(&s->check, p));
    return o;
}

static cJSON *scope_json(const struct nsg_slv_scope *sc, const char *vnet)
{
    cJSON *o = cJSON_CreateObject();
    cJSON *f = cJSON_AddArrayToObject(o, "families");
    if (sc->v4)
        cJSON_AddItemToArray(f, cJSON_CreateString("IPv4"));
    if (sc->v6)
        cJSON_AddItemToArray(f, cJSON_CreateString("IPv6"));
    if (vnet)
        cJSON_AddStringToObject(o, "vnet", vnet);
    else
        cJSON_AddNullToObject(o, "vnet");
    cJSON *g = cJSON_AddArrayToObject(o, "governed");
    if (sc->governed)
        nsg_addrset_to_cidrs(sc->governed, cli_emit_cidr, g);
    return o;
}

static void print_json(const struct diff_opts *o, const struct nsg_slv_diff *d,
                       const struct nsg_slv_scope *sc, const char *vnet,
                       const GPtrArray *notes)
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
    cJSON_AddItemToObject(root, "scope", scope_json(sc, vnet));
    cJSON *diffs = cJSON_AddArrayToObject(root, "differences");
    for (size_t i = 0; i < d->n_w; i++) {
        const struct nsg_slv_witness *w = &d->w[i];
        cJSON *x = cJSON_CreateObject();
        nsg_sim_packet_to_json(x, &w->p, NSG_PJ_PROTO_NAMED);
        cJSON_AddBoolToObject(x, "in_scope", w->in_scope);
        cJSON_AddItemToObject(x, "a",
                              json_decision(w->a, w->ra, &o->sides[0], &w->p));
        cJSON_AddItemToObject(x, "b",
                              json_decision(w->b, w->rb, &o->sides[1], &w->p));
        cJSON_AddItemToArray(diffs, x);
    }
    cJSON *regs = cJSON_AddArrayToObject(root, "regions");
    for (size_t i = 0; i < d->n_regions; i++) {
        const struct nsg_slv_region *r = &d->regions[i];
        cJSON *x = cJSON_CreateObject();
        cJSON_AddStringToObject(x, "direction", nsg_dir_name(r->dir));
        cJSON_AddItemToObject(x, "a", json_decision(r->a, r->ra, NULL, NULL));
        cJSON_AddItemToObject(x, "b", json_decision(r->b, r->rb, NULL, NULL));
        cJSON_AddNumberToObject(x, "witnesses", (double)r->witnesses);
        cJSON_AddItemToArray(regs, x);
    }
    cJSON_AddBoolToObject(root, "regions_complete", d->regions_complete);
    cJSON *jn = cJSON_AddArrayToObject(root, "notes");
    for (guint i = 0; i < notes->len; i++)
        cJSON_AddItemToArray(jn, cJSON_CreateString(notes->pdata[i]));
    cli_print_json(root);
    cJSON_Delete(root);
}

static const char *rname(const struct nsg_crule *r)
{
    return r && r->rule && r->rule->name ? r->rule->name
                                         : "(no rule: platform traffic)";
}

static void print_side(char which, enum nsg_decision dec,
                       const struct nsg_crule *r, const struct side *s,
                       const struct nsg_packet *p)
{
    struct nsg_buf b = NSG_BUF_INIT;
    printf("    %c: ", which);
    cli_word(nsg_decision_name(dec), 5);
    printf(" by %s (priority %d)\n", rname(r), r ? r->priority : 0);
    cli_check_text(&s->check, p, &b);
    printf("       %s\n", b.buf);
    nsg_buf_release(&b);
}

static void print_text(const struct diff_opts *o, const struct nsg_slv_diff *d,
                       const char *where, const GPtrArray *notes)
{
    const char *na = o->sides[0].label, *nb = o->sides[1].label;
    if (d->equivalent) {
        cli_word("equivalent", 0);
        printf(": A (%s) and B (%s) decide every packet the same way\n", na,
               nb);
    } else {
        cli_word("different", 0);
        printf(": A (%s) and B (%s) decide some packets differently\n", na,
               nb);
    }
    for (size_t i = 0; i < d->n_w; i++) {
        const struct nsg_slv_witness *w = &d->w[i];
        struct nsg_buf b = NSG_BUF_INIT;
        nsg_slv_packet_format(&w->p, &b);
        printf("  %s%s\n", b.buf,
               w->in_scope ? ""
                           : "  (no packet of this region reaches the NSG "
                             "where it is applied)");
        nsg_buf_release(&b);
        print_side('A', w->a, w->ra, &o->sides[0], &w->p);
        print_side('B', w->b, w->rb, &o->sides[1], &w->p);
    }
    if (!d->equivalent) {
        printf("regions (%zu%s):\n", d->n_regions,
               d->regions_complete ? "" : ", more not enumerated");
        for (size_t i = 0; i < d->n_regions; i++) {
            const struct nsg_slv_region *r = &d->regions[i];
            printf("  %-8s A %s (%s) vs B %s (%s): %zu witness%s\n",
                   nsg_dir_name(r->dir), rname(r->ra), nsg_decision_name(r->a),
                   rname(r->rb), nsg_decision_name(r->b), r->witnesses,
                   r->witnesses == 1 ? "" : "es");
        }
    }
    if (where && d->n_w)
        printf("witnesses are packets %s\n", where);
    for (guint i = 0; i < notes->len; i++)
        printf("note: %s\n", (const char *)notes->pdata[i]);
}

int cmd_diff(int argc, char **argv)
{
    struct diff_opts o = {.max = 10, .dir = -1, .timeout_ms = 60000,
                          .at = NSG_TIME_LATEST, .fmt = CLI_OUTPUT_INIT};
    struct nsg_err err = NSG_ERR_INIT;
    struct nsg_corpus *corpus = NULL;
    struct nsg_topology *t = NULL;
    struct nsg_sim *sim = NULL;
    struct nsg_slv *slv = NULL;
    struct nsg_slv_diff d = NSG_SLV_DIFF_INIT;
    struct nsg_addrset governed = NSG_ADDRSET_INIT;
    struct nsg_slv_scope scope = {true, true, NULL};
    const struct nsg_vnet *vnet = NULL;
    const struct nsg_nic *nic = NULL;
    GPtrArray *notes = g_ptr_array_new_with_free_func(g_free);
    GPtrArray *owned =
        g_ptr_array_new_with_free_func((GDestroyNotify)nsg_vnet_free);
    char *where = NULL;
    int status;
    nsg_rc rc = NSG_OK;

    status = parse_args(argc, argv, &o);
    if (status) {
        status = cli_opt_status(status);
        goto out;
    }
    if (o.corpus) {
        rc = cli_load_model(o.corpus, o.at, &corpus, &t, notes, &err);
        cli_notes(notes);
        g_ptr_array_set_size(notes, 0);
    } else {
        t = nsg_topo_new();
    }
    for (int i = 0; i < 2 && !rc; i++) {
        struct side *s = &o.sides[i];
        if (s->from_corpus) {
            void *p;
            rc = cli_find(t, NSG_RES_NSG, s->arg, &p, &err);
            s->nsg = p;
        } else {
            rc = nsg_imp_load_nsg_file(cli_path(s->arg), &s->owned, &err);
            s->nsg = s->owned;
            if (!rc && !o.corpus)
                rc = need_no_context(s, &err);
        }
        if (!rc)
            cli_nsg_label(s->from_corpus ? t : NULL, s->nsg, s->label,
                          sizeof(s->label));
    }
    if (!rc && o.corpus)
        rc = pick_vnet(&o, t, &vnet, &nic, owned, &err);
    if (rc) {
        status = cli_fail(&err);
        goto out;
    }
    /* Witnesses: packets the NSG sees where it is applied (the first side
     * from the corpus, or the NIC given). */
    for (int i = 0; i < 2; i++)
        side_check(&o, t, vnet, i);
    if (nic) {
        cli_nic_scope(t, nic, &governed, &scope);
        where = g_strdup_printf("that NIC %s can see", nic->name);
    } else if (o.corpus) {
        const struct nsg_nsg *n = o.sides[0].from_corpus ? o.sides[0].nsg
                                  : o.sides[1].from_corpus ? o.sides[1].nsg
                                                            : NULL;
        cli_nsg_scope(t, n, vnet, &governed, &scope);
        if (n && scope.governed)
            where = g_strdup_printf("that NSG %s can see where it is applied%s%s",
                                    n->name, vnet ? " in " : "",
                                    vnet ? vnet->name : "");
    }
    if (vnet)
        cli_context_note(t, vnet, notes);
    sim = nsg_sim_new(t);
    slv = nsg_slv_new(o.timeout_ms);
    for (int i = 0; i < 2 && !rc; i++) {
        rc = nsg_sim_get(sim, o.sides[i].nsg, vnet, &o.sides[i].c, &err);
        if (rc)
            nsg_err_prefix(&err, "%s", o.sides[i].arg);
    }
    /* with a corpus, the security admin stage of the VNet is in front */
    const struct nsg_admin_stage *admin = NULL;
    if (!rc && o.corpus && vnet)
        rc = nsg_sim_admin(sim, vnet, &admin, &err);
    if (!rc)
        rc = nsg_slv_diff_scoped(slv, o.sides[0].c, o.sides[1].c,
                                 (size_t)o.max, o.dir < 0 ? 0u : 1u << o.dir,
                                 admin, &scope, &d, &err);
    if (rc) {
        status = cli_fail(&err);
    } else {
        if (o.fmt.format == CLI_FORMAT_JSON)
            print_json(&o, &d, &scope, vnet ? vnet->name : NULL, notes);
        else
            print_text(&o, &d, where, notes);
        status = d.equivalent ? CLI_EXIT_OK : CLI_EXIT_FOUND;
    }
out:
    nsg_slv_diff_release(&d);
    nsg_slv_free(slv);
    nsg_sim_free(sim);
    g_ptr_array_free(owned, TRUE);
    for (int i = 0; i < 2; i++)
        nsg_nsg_free(o.sides[i].owned);
    nsg_topo_free(t);
    nsg_corpus_close(corpus);
    nsg_addrset_release(&governed);
    g_ptr_array_free(notes, TRUE);
    g_free(where);
    return status;
}
