/* cmd_lint.c - `nsgproof lint`: per NSG of the corpus and per virtual
 * network it is used in, rules that can never match, rules whose removal
 * changes nothing, overlapping rules of opposite access, management ports
 * opened to the Internet, rules security admin rules override, and what
 * ARM rejects or ignores. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../sim/sim.h"
#include "../solver/solver.h"
#include "cli.h"
#include "cli_opt.h"

static const char *const synopsis[] = {
    "--corpus DIR [--nsg NAME] [--at TIME] [--timeout MS]\n"
    "         [--format text|json|sarif]",
    NULL};
static const struct cli_command_help help = {
    "lint", synopsis,
    "Rules that can never match, rules whose removal changes nothing,\n"
    "overlapping rules of opposite access, management ports open to the\n"
    "Internet, rules security admin rules override, and what ARM rejects or\n"
    "ignores: per NSG and per virtual network it is used in.",
    "Each witness comes with the `check` command that reproduces it.\n"
    "JSON and SARIF: docs/lint.md.\n"
    "Exit: 0 clean, 1 findings, 2 usage or input error, 3 unknown or\n"
    "internal inconsistency.\n",
    NULL};

struct lint_opts {
    const char *corpus, *nsg;
    struct cli_output fmt;
    int64_t at;
    long timeout_ms;
};

static const char *rname(const struct nsg_crule *r)
{
    return r->rule && r->rule->name ? r->rule->name : "?";
}

static const char *unknown_tag(const struct nsg_crule *r)
{
    return r->src_unknown ? r->src_unknown : r->dst_unknown;
}

/* The finding as one sentence (text output and SARIF messages). */
static void finding_text(const struct nsg_cnsg *c,
                         const struct nsg_slv_finding *f, struct nsg_buf *out)
{
    struct nsg_buf b = NSG_BUF_INIT, why = NSG_BUF_INIT;
    for (size_t i = 0; i < f->n_by; i++)
        nsg_buf_addf(&b, "%s%s (%d)", i ? ", " : "", rname(f->by[i]),
                     f->by[i]->priority);
    nsg_buf_adds(&b, "");
    switch (f->kind) {
    case NSG_LINT_SHADOWED:
        if (f->n_by)
            nsg_buf_addf(out, "can never match: covered by %s", b.buf);
        else if (f->detail[0]) /* the platform stage takes the rest */
            nsg_buf_addf(out, "never decides a packet: %s", f->detail);
        else
            nsg_buf_adds(out, "can never match any packet");
        break;
    case NSG_LINT_REDUNDANT:
        nsg_buf_addf(out, "removing it changes no decision%s%s%s",
                     f->n_by ? " (later: " : "", f->n_by ? b.buf : "",
                     f->n_by ? ")" : "");
        break;
    case NSG_LINT_CONFLICT:
        nsg_buf_addf(out, "overlaps %s with the opposite access", b.buf);
        break;
    case NSG_LINT_MGMT_OPEN:
        nsg_buf_addf(out, "allows TCP port %u from the Internet", f->port);
        break;
    case NSG_LINT_UNKNOWN_TAG:
        nsg_ctx_unknown_hint(c->t, c->vnet, unknown_tag(f->rule), &why);
        nsg_buf_addf(out, "names '%s', which is not known: not checked (%s)",
                     unknown_tag(f->rule), why.buf);
        break;
    case NSG_LINT_ADMIN_OVERRIDDEN:
        nsg_buf_reset(&b);
        nsg_buf_adds(&b, "");
        for (size_t i = 0; i < f->n_admin_by; i++)
            nsg_buf_addf(&b, "%s%s (%s, priority %d)", i ? ", " : "",
                         f->admin_by[i]->ar->name,
                         nsg_admin_access_name(f->admin_by[i]->ar->access),
                         f->admin_by[i]->ar->r.priority);
        nsg_buf_addf(out,
                     "every packet it decides is decided first by security "
                     "admin rules: %s",
                     b.buf);
        break;
    default: /* the static kinds */
        nsg_buf_adds(out, f->detail);
        break;
    }
    nsg_buf_release(&b);
    nsg_buf_release(&why);
}

static cJSON *json_finding(const struct nsg_cnsg *c,
                           const struct nsg_slv_finding *f,
                           const struct cli_check_ref *ref)
{
    cJSON *o = cJSON_CreateObject();
    struct nsg_buf msg = NSG_BUF_INIT;
    /* a finding on the NSG as a whole has no rule: its id and pointer are
     * the NSG's */
    char *id = f->rule ? cli_rule_id(c->nsg, f->rule->rule)
                       : g_strdup(c->nsg->id ? c->nsg->id : "");
    char *ptr = f->rule ? cli_rule_pointer(c->nsg, f->rule->rule)
                        : g_strdup("");
    cJSON_AddStringToObject(o, "kind", nsg_slv_lint_kind_name(f->kind));
    if (!f->rule) {
        cJSON_AddNullToObject(o, "direction");
        cJSON_AddNullToObject(o, "rule");
        cJSON_AddNullToObject(o, "priority");
    } else {
        cJSON_AddStringToObject(o, "direction", nsg_dir_name(f->dir));
        cJSON_AddStringToObject(o, "rule", rname(f->rule));
        cJSON_AddNumberToObject(o, "priority", f->rule->priority);
    }
    cJSON_AddStringToObject(o, "rule_id", id);
    cJSON_AddStringToObject(o, "json_pointer", ptr);
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
    finding_text(c, f, &msg);
    cJSON_AddStringToObject(o, "message", msg.buf);
    if (f->has_witness) {
        cJSON *w = cJSON_CreateObject();
        struct nsg_buf b = NSG_BUF_INIT;
        nsg_sim_packet_to_json(w, &f->witness, NSG_PJ_PROTO_NAMED);
        cJSON_AddBoolToObject(w, "in_scope", f->in_scope);
        struct nsg_match m; /* what check answers for it */
        nsg_sim_eval(c, &f->witness, &m);
        cJSON_AddStringToObject(w, "decision", nsg_decision_name(m.decision));
        cJSON_AddStringToObject(w, "rule",
                                m.rule && m.rule->rule ? rname(m.rule) : "");
        nsg_slv_packet_format(&f->witness, &b);
        cJSON_AddStringToObject(w, "text", b.buf);
        nsg_buf_reset(&b);
        cJSON_AddItemToObject(w, "check", cli_check_json(ref, &f->witness));
        cli_check_text(ref, &f->witness, &b);
        cJSON_AddStringToObject(w, "check_command", b.buf);
        nsg_buf_release(&b);
        cJSON_AddItemToObject(o, "witness", w);
    } else {
        cJSON_AddNullToObject(o, "witness");
    }
    nsg_buf_release(&msg);
    g_free(id);
    g_free(ptr);
    return o;
}

/* One NSG in one context: the security admin rules in front of it found
 * first (on the main thread: the simulator's cache is not shared), then
 * compiled, linted and freed by whichever worker takes it (each with its
 * own solver context), reported in order; the static findings with the
 * NSG's first context only (first). */
struct lint_job {
    const struct nsg_nsg *n;
    const struct nsg_vnet *v;
    bool several, first;
    const struct nsg_admin_stage *admin;
    nsg_rc admin_rc; /* its error, reported unless the NSG fails to compile */
    struct nsg_err admin_err;
    nsg_rc rc;
    struct nsg_err err;
    cJSON *entry; /* the NSG's JSON entry */
    size_t count;
};

/* Lint job j into its JSON entry. */
static void lint_one(const struct lint_opts *o, const struct nsg_topology *t,
                     struct lint_job *j)
{
    const struct nsg_nsg *n = j->n;
    const struct nsg_vnet *v = j->v;
    struct nsg_err *err = &j->err;
    struct nsg_ctx ctx;
    size_t maybe = 0;
    struct nsg_slv_lint l = NSG_SLV_LINT_INIT;
    struct nsg_slv *slv = NULL;
    struct nsg_addrset governed = NSG_ADDRSET_INIT;
    struct nsg_slv_scope scope;
    struct cli_check_ref ref = {o->corpus, o->at, NULL, NULL,
                                cli_nsg_ref(t, n),
                                j->several && v ? v->name : NULL};
    char label[512];
    struct nsg_cnsg *c = NULL;
    nsg_rc rc = nsg_ctx_init(&ctx, t, v, err);
    if (rc) {
        j->rc = rc;
        return;
    }
    /* compiled here, on the worker's thread, and freed once linted: all
     * of them kept at once were ~3 GB at 5,000 NSGs */
    rc = nsg_sim_compile(&ctx, n, &c, err);
    if (!rc && j->admin_rc) {
        rc = j->admin_rc;
        *err = j->admin_err;
    }
    if (rc) {
        j->rc = rc;
        nsg_cnsg_free(c);
        nsg_ctx_release(&ctx);
        return;
    }
    for (int d = 0; j->admin && d < 2; d++)
        for (size_t i = 0; i < j->admin->n[d]; i++)
            maybe += j->admin->rules[d][i].maybe;
    cli_nsg_scope(t, n, v, &governed, &scope);
    if (j->first)
        nsg_slv_lint_static(t, n, c, &l);
    slv = nsg_slv_new((unsigned)o->timeout_ms);
    rc = nsg_slv_lint_scoped(slv, c, &ctx.internet, j->admin, &scope, &l,
                             err);
    if (!rc) {
        GPtrArray *notes = g_ptr_array_new_with_free_func(g_free);
        j->count = l.n;
        cJSON *e = cJSON_CreateObject();
        cJSON_AddStringToObject(e, "nsg", n->name ? n->name : "");
        cJSON_AddStringToObject(e, "label", cli_nsg_label(t, n, label,
                                                          sizeof(label)));
        cJSON_AddStringToObject(e, "id", n->id ? n->id : "");
        if (v)
            cJSON_AddStringToObject(e, "vnet", v->name ? v->name : "");
        else
            cJSON_AddNullToObject(e, "vnet");
        cJSON *fs = cJSON_AddArrayToObject(e, "findings");
        for (size_t i = 0; i < l.n; i++)
            cJSON_AddItemToArray(fs, json_finding(c, &l.f[i], &ref));
        if (nsg_ctx_gaps(t, v, NULL)) {
            struct nsg_buf why = NSG_BUF_INIT;
            nsg_ctx_gaps(t, v, &why);
            g_ptr_array_add(notes,
                            g_strdup_printf("the corpus lacks part of the "
                                            "context: %s; rules naming "
                                            "VirtualNetwork or Internet are "
                                            "not checked",
                                            why.buf));
            nsg_buf_release(&why);
        }
        if (maybe)
            g_ptr_array_add(notes,
                            g_strdup_printf("%zu security admin rule%s may "
                                            "apply to this virtual network "
                                            "(unknown); "
                                            "overridden-by-admin-rule does not "
                                            "rest on %s",
                                            maybe, maybe == 1 ? "" : "s",
                                            maybe == 1 ? "it" : "them"));
        cJSON_AddNumberToObject(e, "admin_rules_unknown", (double)maybe);
        cJSON *jn = cJSON_AddArrayToObject(e, "notes");
        for (guint i = 0; i < notes->len; i++)
            cJSON_AddItemToArray(jn, cJSON_CreateString(notes->pdata[i]));
        g_ptr_array_free(notes, TRUE);
        j->entry = e;
    }
    j->rc = rc;
    nsg_slv_lint_release(&l);
    nsg_slv_free(slv);
    nsg_cnsg_free(c);
    nsg_ctx_release(&ctx);
    nsg_addrset_release(&governed);
}

/* Workers take jobs in order from a shared counter. */
struct lint_pool {
    const struct lint_opts *o;
    const struct nsg_topology *t;
    struct lint_job *jobs;
    guint n, next;
};

static gpointer lint_worker(gpointer data)
{
    struct lint_pool *p = data;
    for (;;) {
        guint i = (guint)g_atomic_int_add(&p->next, 1);
        if (i >= p->n)
            return NULL;
        lint_one(p->o, p->t, &p->jobs[i]);
    }
}

/* Lint every job on `threads` threads (NSGPROOF_THREADS, default one per
 * processor): each NSG's findings come from its own solver context, so
 * they are the same whatever the order or the number of threads. */
static void lint_all(const struct lint_opts *o, const struct nsg_topology *t,
                     struct lint_job *jobs, guint n, unsigned threads)
{
    struct lint_pool p = {o, t, jobs, n, 0};
    if (threads > n)
        threads = n;
    GThread **th = g_new0(GThread *, threads ? threads : 1);
    for (guint k = 1; k < threads; k++)
        th[k] = g_thread_new("nsgproof-lint", lint_worker, &p);
    lint_worker(&p);
    for (guint k = 1; k < threads; k++)
        g_thread_join(th[k]);
    g_free(th);
}

/* ---- output -------------------------------------------------------------- */

static void print_text(const cJSON *root)
{
    const cJSON *e, *f, *x;
    cJSON_ArrayForEach(e, cJSON_GetObjectItem(root, "nsgs"))
    {
        const cJSON *fs = cJSON_GetObjectItem(e, "findings");
        const cJSON *ns = cJSON_GetObjectItem(e, "notes");
        if (!cJSON_GetArraySize(fs) && !cJSON_GetArraySize(ns))
            continue;
        const char *v = cli_json_str(e, "vnet", NULL);
        printf("%s%s%s%s:\n", cli_json_str(e, "label", "?"), v ? " (vnet " : "",
               v ? v : "", v ? ")" : "");
        cJSON_ArrayForEach(x, ns)
            printf("  note: %s\n", x->valuestring);
        cJSON_ArrayForEach(f, fs)
        {
            if (!cli_json_str(f, "rule", NULL)) { /* the NSG as a whole */
                printf("  %-9s %s\n", cli_json_str(f, "kind", ""),
                       cli_json_str(f, "message", ""));
                continue;
            }
            printf("  %-9s %-8s %s (priority %d): %s\n",
                   cli_json_str(f, "kind", ""), cli_json_str(f, "direction", ""),
                   cli_json_str(f, "rule", ""),
                   (int)cli_json_num(f, "priority"),
                   cli_json_str(f, "message", ""));
            const cJSON *w = cJSON_GetObjectItem(f, "witness");
            if (!cJSON_IsObject(w))
                continue;
            printf("            e.g. %s  => %s by %s%s\n",
                   cli_json_str(w, "text", ""), cli_json_str(w, "decision", ""),
                   cli_json_str(w, "rule", ""),
                   cJSON_IsTrue(cJSON_GetObjectItem(w, "in_scope"))
                       ? ""
                       : "  (no such packet reaches the NSG where it is "
                         "applied)");
            printf("            %s\n", cli_json_str(w, "check_command", ""));
        }
    }
    double count = cli_json_num(root, "count");
    double with = cli_json_num(root, "nsgs_with_findings");
    double all = cli_json_num(root, "nsgs_linted");
    if (count == 0 && !cJSON_GetArraySize(cJSON_GetObjectItem(root, "errors"))) {
        cli_word("clean", 0);
        printf(": no findings in %g NSG%s\n", all, all == 1 ? "" : "s");
    } else {
        printf("%g finding%s in %g NSG%s (%g linted)\n", count,
               count == 1 ? "" : "s", with, with == 1 ? "" : "s", all);
    }
}

static const char *kind_level(const char *kind)
{
    if (!strcmp(kind, "management-port-open"))
        return "error";
    if (!strcmp(kind, "conflict") || !strcmp(kind, "shadowed") ||
        !strcmp(kind, "overridden-by-admin-rule") ||
        !strcmp(kind, "asg-mixed-with-prefix") ||
        !strcmp(kind, "asg-across-vnets") || !strcmp(kind, "prefix-limit") ||
        !strcmp(kind, "gateway-subnet-nsg"))
        return "warning";
    return "note";
}

static const char *kind_text(const char *kind)
{
    if (!strcmp(kind, "shadowed"))
        return "A rule that can never match: earlier rules cover it";
    if (!strcmp(kind, "redundant"))
        return "A rule whose removal changes no decision";
    if (!strcmp(kind, "conflict"))
        return "A rule overlapping earlier rules of the opposite access";
    if (!strcmp(kind, "management-port-open"))
        return "An inbound allow that opens a management port (22, 3389, "
               "5985, 5986) to the Internet";
    if (!strcmp(kind, "overridden-by-admin-rule"))
        return "A rule every packet of which a security admin Deny or "
               "AlwaysAllow rule decides first";
    if (!strcmp(kind, "tag-in-plural-field"))
        return "A service tag in sourceAddressPrefixes or "
               "destinationAddressPrefixes";
    if (!strcmp(kind, "asg-mixed-with-prefix"))
        return "Application security groups and address prefixes on the "
               "same side of a rule (ARM rejects it)";
    if (!strcmp(kind, "asg-across-vnets"))
        return "A rule whose application security groups are in different "
               "virtual networks (ARM rejects it)";
    if (!strcmp(kind, "prefix-limit"))
        return "More than 4,000 address prefixes on one side of an NSG";
    if (!strcmp(kind, "empty-asg"))
        return "A rule naming an application security group without "
               "members";
    if (!strcmp(kind, "gateway-subnet-nsg"))
        return "An NSG on GatewaySubnet (not supported)";
    if (!strcmp(kind, "ports-ignored"))
        return "Ports on an Icmp, Esp or Ah rule: Azure ignores them";
    return "A rule naming a tag or ASG the corpus cannot resolve: not "
           "checked";
}

static void print_sarif(const cJSON *root)
{
    cJSON *rules, *results;
    cJSON *log = cli_sarif_new("lint", &rules, &results);
    const cJSON *e, *f, *x;
    cJSON_ArrayForEach(e, cJSON_GetObjectItem(root, "nsgs"))
    {
        cJSON_ArrayForEach(f, cJSON_GetObjectItem(e, "findings"))
        {
            const char *kind = cli_json_str(f, "kind", "");
            const cJSON *w = cJSON_GetObjectItem(f, "witness");
            int idx = cli_sarif_rule(rules, kind, kind_text(kind),
                                     kind_level(kind));
            char *where =
                cli_json_str(f, "rule", NULL)
                    ? g_strdup_printf(", %s rule %s (priority %g)",
                                      cli_json_str(f, "direction", ""),
                                      cli_json_str(f, "rule", ""),
                                      cli_json_num(f, "priority"))
                    : g_strdup("");
            char *msg = g_strdup_printf(
                "NSG %s%s%s%s: %s%s%s", cli_json_str(e, "label", ""),
                cli_json_str(e, "vnet", NULL) ? " in vnet " : "",
                cli_json_str(e, "vnet", ""), where,
                cli_json_str(f, "message", ""),
                cJSON_IsObject(w) ? "; e.g. " : "",
                cJSON_IsObject(w) ? cli_json_str(w, "text", "") : "");
            g_free(where);
            cJSON *r = cli_sarif_result(results, kind, idx, kind_level(kind),
                                        NULL, msg);
            g_free(msg);
            if (cli_json_str(f, "rule", NULL))
                cli_sarif_logical(r, cli_json_str(f, "rule_id", ""),
                                  cli_json_str(f, "rule", ""));
            else /* a finding on the NSG as a whole */
                cli_sarif_logical_kind(r, cli_json_str(f, "rule_id", ""),
                                       cli_json_str(e, "nsg", ""), "resource");
            cJSON *p = cJSON_AddObjectToObject(r, "properties");
            cJSON_AddStringToObject(p, "jsonPointer",
                                    cli_json_str(f, "json_pointer", ""));
            cJSON_AddStringToObject(p, "nsg", cli_json_str(e, "id", ""));
            if (cJSON_IsObject(w)) {
                cJSON_AddItemToObject(p, "witness", cJSON_Duplicate(w, true));
            }
        }
        cJSON_ArrayForEach(x, cJSON_GetObjectItem(e, "notes"))
            cli_sarif_notification(log, "warning", x->valuestring);
    }
    cJSON_ArrayForEach(x, cJSON_GetObjectItem(root, "errors"))
        cli_sarif_notification(log, "error", x->valuestring);
    cli_print_json(log);
    cJSON_Delete(log);
}

int cmd_lint(int argc, char **argv)
{
    struct lint_opts o = {.timeout_ms = 60000, .fmt = CLI_OUTPUT_INIT,
                          .at = NSG_TIME_LATEST};
    struct cli_option opts[] = {
        CLI_OPT_STR("corpus", &o.corpus, "DIR", "the corpus"),
        CLI_OPT_STR("nsg", &o.nsg, "NAME",
                    "lint this NSG (name or id) only; default: every NSG"),
        CLI_OPT_TIME("at", &o.at, "the rules in force at TIME (default: "
                                  "the newest)"),
        CLI_OPT_NUM("timeout", &o.timeout_ms, "MS", 0, CLI_TIMEOUT_MAX,
                    "solver time limit per check (default 60000; 0 = none)"),
        CLI_OPT_OUTPUT_SARIF(&o.fmt),
        CLI_OPT_ENDMARK};
    struct nsg_err err = NSG_ERR_INIT;
    struct nsg_corpus *corpus = NULL;
    struct nsg_topology *t = NULL;
    struct nsg_sim *sim = NULL;
    GPtrArray *nsgs = g_ptr_array_new();
    GPtrArray *notes = g_ptr_array_new_with_free_func(g_free);
    GPtrArray *owned =
        g_ptr_array_new_with_free_func((GDestroyNotify)nsg_vnet_free);
    cJSON *root = cJSON_CreateObject();
    cJSON *jnsgs = cJSON_AddArrayToObject(root, "nsgs");
    cJSON *jerrs = cJSON_AddArrayToObject(root, "errors");
    size_t count = 0, n_errors = 0, with = 0;
    int status = cli_opt_parse(&help, opts, argc, argv, NULL, NULL);
    nsg_rc rc = NSG_OK;

    if (status) {
        status = cli_opt_status(status);
        goto out;
    }
    if (!o.corpus) {
        status = cli_opt_error(&help, "--corpus DIR is required");
        goto out;
    }
    unsigned threads = 1;
    rc = cli_threads(&threads, &err);
    if (!rc)
        rc = cli_load_model(o.corpus, o.at, &corpus, &t, notes, &err);
    if (!rc && o.nsg) {
        void *p;
        rc = cli_find(t, NSG_RES_NSG, o.nsg, &p, &err);
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
    cli_notes(notes);
    sim = nsg_sim_new(t);
    GArray *jobs = g_array_new(FALSE, TRUE, sizeof(struct lint_job));
    for (guint i = 0; i < nsgs->len; i++) {
        const struct nsg_nsg *n = nsgs->pdata[i];
        GPtrArray *vs = g_ptr_array_new();
        cli_nsg_contexts(t, n, vs, owned);
        bool several = vs->len > 1;
        if (!vs->len)
            g_ptr_array_add(vs, NULL); /* applied nowhere: no context */
        for (guint k = 0; k < vs->len; k++) {
            struct lint_job j = {.n = n, .v = vs->pdata[k], .several = several,
                                 .first = k == 0};
            j.err = (struct nsg_err)NSG_ERR_INIT;
            j.admin_err = (struct nsg_err)NSG_ERR_INIT;
            if (j.v) /* the security admin rules in front of it */
                j.admin_rc = nsg_sim_admin(sim, j.v, &j.admin, &j.admin_err);
            g_array_append_val(jobs, j);
        }
        g_ptr_array_free(vs, TRUE);
    }
    lint_all(&o, t, (struct lint_job *)(void *)jobs->data, jobs->len,
             threads);
    /* reported in order, as one thread would have */
    const struct nsg_nsg *prev = NULL;
    size_t before = 0;
    for (guint i = 0; i < jobs->len; i++) {
        struct lint_job *j = &g_array_index(jobs, struct lint_job, i);
        char label[512];
        if (j->n != prev) {
            with += count > before;
            before = count;
            prev = j->n;
        }
        if (j->rc)
            nsg_err_prefix(&j->err, "NSG %s%s%s",
                           cli_nsg_label(t, j->n, label, sizeof(label)),
                           j->v ? " in vnet " : "",
                           j->v && j->v->name ? j->v->name : "");
        if (j->rc == NSG_E_UNKNOWN || j->rc == NSG_E_INTERNAL) {
            status = cli_fail(&j->err); /* exit 3: never a partial guess */
            for (guint k = 0; k < jobs->len; k++)
                cJSON_Delete(g_array_index(jobs, struct lint_job, k).entry);
            g_array_free(jobs, TRUE);
            goto out;
        }
        if (j->rc) { /* an NSG that cannot be resolved: go on, report it */
            n_errors++;
            cJSON_AddItemToArray(jerrs, cJSON_CreateString(j->err.msg));
            if (o.fmt.format == CLI_FORMAT_TEXT)
                cli_error("%s", j->err.msg);
            continue;
        }
        count += j->count;
        cJSON_AddItemToArray(jnsgs, j->entry);
        j->entry = NULL;
    }
    with += count > before;
    g_array_free(jobs, TRUE);
    cJSON_AddBoolToObject(root, "clean", count == 0 && n_errors == 0);
    cJSON_AddNumberToObject(root, "count", (double)count);
    cJSON_AddNumberToObject(root, "nsgs_with_findings", (double)with);
    cJSON_AddNumberToObject(root, "nsgs_linted", (double)nsgs->len);
    if (o.fmt.format == CLI_FORMAT_JSON)
        cli_print_json(root);
    else if (o.fmt.format == CLI_FORMAT_SARIF)
        print_sarif(root);
    else
        print_text(root);
    status = count ? CLI_EXIT_FOUND : n_errors ? CLI_EXIT_INPUT : CLI_EXIT_OK;
out:
    cJSON_Delete(root);
    g_ptr_array_free(nsgs, TRUE);
    g_ptr_array_free(notes, TRUE);
    nsg_sim_free(sim);
    g_ptr_array_free(owned, TRUE); /* after the session that cached them */
    nsg_topo_free(t);
    nsg_corpus_close(corpus);
    return status;
}
