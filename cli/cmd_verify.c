/* cmd_verify.c - `nsgproof verify`: prove or refute reachability queries
 * (never / can / always SRC -> DST SERVICE) over the corpus topology and
 * print one answer per query, with witness packets and deciding rules. */
#include <stdlib.h>
#include <string.h>

#include "../solver/verify.h"
#include "cli.h"
#include "cli_opt.h"
#include "cli_path.h"

static const char *const synopsis[] = {
    "--corpus DIR (--query Q | --queries FILE)... [--at TIME]\n"
    "         [--timeout MS] [--format text|json|sarif]",
    NULL};
static const struct cli_command_help help = {
    "verify", synopsis,
    "Prove or refute reachability properties (never / can / always\n"
    "SRC -> DST [SERVICE]) over the topology of a corpus.",
    "--query and --queries repeat and mix: every query is answered, in the\n"
    "order given.  Grammar and semantics: docs/queries.md.  With several\n"
    "queries (or SARIF), one that cannot be answered (unknown endpoint or\n"
    "tag, missing context) is reported as an error and the others are\n"
    "still answered.\n"
    "Exit: 2 any query error or bad input, else 1 any violated, else 3 some\n"
    "unknown or an internal inconsistency, else 0 (all hold).\n",
    NULL};

/* One --query or --queries, in the order given. */
struct source {
    bool file;
    const char *text; /* the query, or the file's path */
};

struct opts {
    const char *corpus;
    struct source *src;
    size_t n_src;
    struct cli_output fmt;
    int64_t at;
    long timeout_ms;
    bool nsg_only;
    const struct nsg_topology *t; /* once loaded */
};

static const char *source_cb(const struct cli_option *opt, const char *arg,
                             void *ctx, char *buf, size_t buflen)
{
    struct opts *o = ctx;
    (void)buf, (void)buflen;
    o->src = nsg_xrealloc(o->src, (o->n_src + 1) * sizeof(*o->src));
    o->src[o->n_src++] = (struct source){opt->value != NULL, arg};
    return NULL;
}

/* Every query of every source, in order; origin[i] is the source of
 * query i (NULL for --query). */
static nsg_rc load_queries(const struct opts *o, struct nsg_queries *qs,
                           const char ***origin, struct nsg_err *err)
{
    nsg_rc rc = NSG_OK;
    int n_query = 0;
    *origin = NULL;
    for (size_t k = 0; k < o->n_src && !rc; k++) {
        struct nsg_queries part = NSG_QUERIES_INIT;
        const struct source *s = &o->src[k];
        if (!s->file) {
            part.q = nsg_xcalloc(1, sizeof(*part.q));
            rc = nsg_query_parse(s->text, ++n_query, &part.q[0], err);
            if (rc) {
                free(part.q);
                part.q = NULL;
                nsg_err_prefix(err, "--query '%s'", s->text);
                break;
            }
            part.n = 1;
        } else {
            struct nsg_buf text = NSG_BUF_INIT;
            rc = nsg_buf_read_file(&text, cli_path(s->text), 1 << 24, err);
            if (!rc) {
                rc = nsg_queries_parse(text.buf ? text.buf : "", &part, err);
                if (rc) /* read errors already name the file */
                    nsg_err_prefix(err, "%s", s->text);
            }
            nsg_buf_release(&text);
            if (rc)
                break;
        }
        qs->q = nsg_xrealloc(qs->q, (qs->n + part.n) * sizeof(*qs->q));
        *origin = nsg_xrealloc(*origin, (qs->n + part.n) * sizeof(**origin));
        for (size_t i = 0; i < part.n; i++) {
            (*origin)[qs->n] = s->file ? s->text : NULL;
            qs->q[qs->n++] = part.q[i];
        }
        free(part.q);
    }
    return rc;
}

static const char *nicname(const struct nsg_nic *n)
{
    return n->name ? n->name : n->id;
}

/* ---- JSON -------------------------------------------------------------- */
/* A NIC's name for check, or its id when the name is ambiguous. */
static const char *nic_ref(const struct opts *o, const struct nsg_nic *nic)
{
    void *found = NULL;
    if (!nic->name || nsg_topo_find(o->t, NSG_RES_NIC, nic->name, &found,
                                    NULL) ||
        found != nic)
        return nic->id;
    return nic->name;
}

/* One `check` question that reproduces a decision the witness met. */
struct wcheck {
    const char *nic; /* as check names it */
    const char *shown; /* as printed */
    enum nsg_decision decision;
    struct nsg_packet p; /* as that NIC saw it */
};

/* The checks of a witness: one per NIC it crosses (NSG-only answers), or
 * one per evaluation point at a NIC along its path (after any load
 * balancer's translation: the packet as those NSGs saw it).  Returns the
 * count; *out is owned by the caller. */
static size_t witness_checks(const struct opts *o, const struct nsg_vresult *r,
                             struct wcheck **out)
{
    size_t n = 0;
    *out = nsg_xcalloc(r->n_hops + r->trace.n + 1, sizeof(**out));
    if (!r->has_path) {
        for (size_t i = 0; i < r->n_hops; i++) {
            struct wcheck *c = &(*out)[n++];
            c->nic = nic_ref(o, r->hops[i].nic);
            c->shown = nicname(r->hops[i].nic);
            c->decision = r->hops[i].v.decision;
            c->p = r->witness;
            c->p.dir = r->hops[i].dir;
        }
        return n;
    }
    for (size_t i = 0; i < r->trace.n; i++) {
        const struct nsg_pverdict *pv = &r->trace.v[i];
        if (!pv->at || !pv->at->nic)
            continue; /* an address no NIC holds: its subnet NSG alone */
        struct wcheck *c = &(*out)[n++];
        c->nic = nic_ref(o, pv->at->nic);
        c->shown = nicname(pv->at->nic);
        c->decision = pv->v.decision;
        c->p = pv->pkt;
        c->p.dir = pv->at->dir;
    }
    return n;
}

static cJSON *witness_json(const struct opts *o, const struct nsg_vresult *r)
{
    cJSON *w = cJSON_CreateObject();
    nsg_sim_packet_to_json(w, &r->witness, NSG_PJ_PROTO_TEXT);
    cJSON_AddStringToObject(w, "decision", nsg_decision_name(r->decision));
    /* each NIC the flow crosses, with the check that reproduces its
     * answer */
    struct wcheck *cs;
    size_t n = witness_checks(o, r, &cs);
    cJSON *checks = cJSON_AddArrayToObject(w, "checks");
    for (size_t i = 0; i < n; i++) {
        struct nsg_buf b = NSG_BUF_INIT;
        struct cli_check_ref ref = {o->corpus, o->at, NULL, cs[i].nic, NULL,
                                    NULL};
        cJSON *h = cJSON_CreateObject();
        cJSON_AddStringToObject(h, "nic", cs[i].shown);
        cJSON_AddStringToObject(h, "direction", nsg_dir_name(cs[i].p.dir));
        cJSON_AddStringToObject(h, "decision",
                                nsg_decision_name(cs[i].decision));
        cJSON_AddItemToObject(h, "check", cli_check_json(&ref, &cs[i].p));
        cli_check_text(&ref, &cs[i].p, &b);
        cJSON_AddStringToObject(h, "check_command", b.buf);
        cJSON_AddItemToArray(checks, h);
        nsg_buf_release(&b);
    }
    free(cs);
    return w;
}

/* Every decision the witness met, in order: stages before the NSGs
 * (platform, admin) and NSG levels. */
static cJSON *path_json(const struct nsg_vresult *r)
{
    cJSON *a = cJSON_CreateArray();
    for (size_t i = 0; !r->has_path && i < r->n_hops; i++) {
        const struct nsg_vhop *h = &r->hops[i];
        nsg_pverdict_json(a, nicname(h->nic), NULL, h->dir, &h->v);
    }
    for (size_t i = 0; r->has_path && i < r->trace.n; i++) {
        const struct nsg_pverdict *pv = &r->trace.v[i];
        nsg_pverdict_json(a, pv->at->nic ? nicname(pv->at->nic) : NULL,
                          pv->at->subnet ? pv->at->subnet->name : NULL,
                          pv->at->dir, &pv->v);
    }
    return a;
}

/* A query that could not be answered: the result schema with status
 * "error" and the message (no witness, path or failing NICs). */
static void add_source(cJSON *o, const struct nsg_query *q,
                       const char *origin)
{
    cJSON_AddStringToObject(o, "query", q->text);
    cJSON_AddStringToObject(o, "source", origin ? origin : "--query");
    cJSON_AddNumberToObject(o, "line", q->line);
}

static cJSON *error_json(const struct nsg_query *q, const char *origin,
                         const char *msg)
{
    cJSON *o = cJSON_CreateObject();
    add_source(o, q, origin);
    cJSON_AddStringToObject(o, "status", "error");
    cJSON_AddStringToObject(o, "reason", msg);
    cJSON_AddStringToObject(o, "error", msg);
    cJSON_AddNullToObject(o, "witness");
    cJSON_AddArrayToObject(o, "path");
    cJSON_AddArrayToObject(o, "hops");
    cJSON_AddArrayToObject(o, "not_verified");
    cJSON_AddArrayToObject(o, "failing");
    cJSON_AddNumberToObject(o, "checks", 0);
    cJSON_AddNumberToObject(o, "unknown_checks", 0);
    return o;
}

static cJSON *result_json(const struct opts *opt, const struct nsg_query *q,
                         const char *origin, const struct nsg_vresult *r,
                         const GPtrArray *notes)
{
    cJSON *o = cJSON_CreateObject();
    add_source(o, q, origin);
    cJSON_AddStringToObject(o, "status", nsg_vstatus_name(r->status));
    cJSON_AddStringToObject(o, "reason", r->reason);
    if (r->has_witness) {
        cJSON *w = witness_json(opt, r);
        struct nsg_buf b = NSG_BUF_INIT;
        nsg_slv_flow_format(&r->witness, &b);
        cJSON_AddStringToObject(w, "text", b.buf);
        nsg_buf_release(&b);
        cJSON_AddItemToObject(o, "witness", w);
    }
    else
        cJSON_AddNullToObject(o, "witness");
    cJSON_AddItemToObject(o, "path", path_json(r));
    if (r->has_path) {
        cJSON *sent = cJSON_CreateObject();
        nsg_sim_packet_to_json(sent, &r->sent, NSG_PJ_PROTO_TEXT);
        cJSON_AddItemToObject(o, "sent", sent);
        cJSON_AddItemToObject(o, "hops",
                              nsg_path_hops_json(&r->path, &r->trace));
        cJSON_AddStringToObject(o, "path_end", nsg_pend_name(r->path.end));
        cJSON_AddBoolToObject(o, "no_path", r->no_path);
        if (r->path.reason)
            cJSON_AddStringToObject(o, "path_reason", r->path.reason);
        if (r->path.note)
            cJSON_AddStringToObject(o, "note", r->path.note);
    } else {
        cJSON_AddArrayToObject(o, "hops");
    }
    cJSON *nv = cJSON_AddArrayToObject(o, "not_verified");
    for (size_t i = 0; i < r->n_open; i++)
        cJSON_AddItemToArray(nv, cJSON_CreateString(r->open[i]));
    cJSON *f = cJSON_AddArrayToObject(o, "failing");
    for (size_t i = 0; i < r->n_failing; i++)
        cJSON_AddItemToArray(f, cJSON_CreateString(r->failing[i]));
    cJSON_AddNumberToObject(o, "checks", (double)r->n_units);
    cJSON_AddNumberToObject(o, "unknown_checks", (double)r->n_unknown);
    cJSON *jn = cJSON_AddArrayToObject(o, "notes");
    for (guint i = 0; notes && i < notes->len; i++)
        cJSON_AddItemToArray(jn, cJSON_CreateString(notes->pdata[i]));
    return o;
}

/* Notes on the context of the NICs a query names (answers never rest on
 * what the corpus lacks: they would be errors). */
static GPtrArray *query_notes(const struct nsg_topology *t,
                              const struct nsg_query *q)
{
    GPtrArray *notes = g_ptr_array_new_with_free_func(g_free);
    const struct nsg_endpoint *eps[2] = {&q->src, &q->dst};
    for (int k = 0; k < 2; k++) {
        struct nsg_ep_members ms = NSG_EP_MEMBERS_INIT;
        if (!nsg_ep_is_resource(eps[k]->kind) ||
            nsg_verify_members(t, eps[k], &ms, NULL))
            continue;
        for (size_t i = 0; i < ms.n; i++)
            cli_context_note(t, nsg_verify_nic_vnet(t, ms.m[i].nic), notes);
        nsg_ep_members_release(&ms);
    }
    return notes;
}

/* ---- text -------------------------------------------------------------- */
/* "  (line 3)" for a query of a file ("  (FILE line 3)" when queries
 * come from several files), nothing for --query. */
static void print_head(const char *word, const struct nsg_query *q,
                       const char *origin, bool many_files)
{
    cli_word(word, 8);
    printf("  %s", q->text);
    if (origin && many_files)
        printf("  (%s line %d)", origin, q->line);
    else if (origin)
        printf("  (line %d)", q->line);
    printf("\n");
}

static void print_result(const struct opts *o, const struct nsg_query *q,
                         const char *origin, bool many_files,
                         const struct nsg_vresult *r, const GPtrArray *notes)
{
    static const char *const word[] = {"HOLDS", "VIOLATED", "UNKNOWN"};
    print_head(word[r->status], q, origin, many_files);
    for (guint i = 0; notes && i < notes->len; i++)
        printf("  note: %s\n", (const char *)notes->pdata[i]);
    if (r->status == NSG_V_UNKNOWN ||
        (r->status == NSG_V_VIOLATED &&
         (!r->has_witness || r->no_path ||
          strchr(r->reason, ':')))) /* why, beyond NSGs */
        printf("  %s\n", r->reason);
    for (size_t i = 0; i < r->n_open && r->status != NSG_V_UNKNOWN; i++)
        printf("  not verified: %s\n", r->open[i]);
    if (r->status == NSG_V_VIOLATED && r->n_failing) {
        printf("  fails at:");
        for (size_t i = 0; i < r->n_failing; i++)
            printf(" %s", r->failing[i]);
        printf("\n");
    }
    if (!r->has_witness)
        return;
    struct nsg_buf b = NSG_BUF_INIT;
    /* The packet without a direction: a NIC -> NIC flow leaves the source
     * NIC outbound and enters the destination inbound (hop lines below). */
    nsg_slv_flow_format(&r->witness, &b);
    printf("  %s: %s  => %s\n",
           r->status == NSG_V_VIOLATED ? "witness" : "example", b.buf,
           r->no_path ? "no path" : nsg_decision_name(r->decision));
    if (r->has_path && (nsg_ip_cmp(&r->sent.dst, &r->witness.dst) ||
                        nsg_ip_cmp(&r->sent.src, &r->witness.src) ||
                        r->sent.dport != r->witness.dport)) {
        nsg_buf_reset(&b);
        nsg_slv_flow_format(&r->sent, &b);
        printf("    sent as %s\n", b.buf);
    }
    if (r->has_path)
        cli_print_path_brief(&r->path, &r->trace, "    ");
    for (size_t i = 0; !r->has_path && i < r->n_hops; i++)
        cli_print_verdict("    ", nicname(r->hops[i].nic), NULL,
                          r->hops[i].dir, &r->hops[i].v);
    struct wcheck *cs;
    size_t n = witness_checks(o, r, &cs);
    for (size_t i = 0; i < n; i++) {
        struct cli_check_ref ref = {o->corpus, o->at, NULL, cs[i].nic, NULL,
                                    NULL};
        nsg_buf_reset(&b);
        cli_check_text(&ref, &cs[i].p, &b);
        printf("    %s\n", b.buf);
    }
    free(cs);
    nsg_buf_release(&b);
}

/* ---- SARIF --------------------------------------------------------------- */

static void sarif_result(cJSON *rules, cJSON *results,
                         const struct nsg_query *q, const char *origin,
                         const struct nsg_vresult *r)
{
    static const char *const level[] = {"none", "error", "warning"};
    static const char *const kind[] = {"pass", "fail", "open"};
    char id[64];
    struct nsg_buf msg = NSG_BUF_INIT, b = NSG_BUF_INIT;
    snprintf(id, sizeof(id), "query/%s%d", origin ? "" : "--query ", q->line);
    if (origin)
        snprintf(id, sizeof(id), "query/line %d", q->line);
    int idx = cli_sarif_rule(rules, id, q->text, "error");
    nsg_buf_addf(&msg, "%s: %s", r->status == NSG_V_HOLDS ? "holds"
                                 : r->status == NSG_V_VIOLATED ? "violated"
                                                               : "unknown",
                 q->text);
    if (r->has_witness) {
        nsg_slv_flow_format(&r->witness, &b);
        nsg_buf_addf(&msg, "; %s: %s => %s",
                     r->status == NSG_V_VIOLATED ? "witness" : "example",
                     b.buf, nsg_decision_name(r->decision));
    } else if (r->status != NSG_V_HOLDS) {
        nsg_buf_addf(&msg, " (%s)", r->reason);
    }
    cJSON *res = cli_sarif_result(results, id, idx, level[r->status],
                                  kind[r->status], msg.buf);
    /* the rules that decided the witness, one location each */
    size_t n_pts = r->has_path ? r->trace.n : r->n_hops;
    for (size_t i = 0; r->status == NSG_V_VIOLATED && i < n_pts; i++) {
        const struct nsg_verdict *v =
            r->has_path ? &r->trace.v[i].v : &r->hops[i].v;
        for (size_t k = 0; k < v->n_levels; k++) {
            const struct nsg_level *l = &v->levels[k];
            if (!l->nsg || !l->m.rule || !l->m.rule->rule)
                continue;
            char *rid = cli_rule_id(l->nsg, l->m.rule->rule);
            cli_sarif_logical(res, rid, l->m.rule->rule->name);
            g_free(rid);
        }
    }
    cJSON *p = cJSON_AddObjectToObject(res, "properties");
    cJSON_AddStringToObject(p, "source", origin ? origin : "--query");
    cJSON_AddNumberToObject(p, "line", q->line);
    nsg_buf_release(&msg);
    nsg_buf_release(&b);
}

/* Queries are shared between workers by their place in the list (query
 * i goes to the worker a hash of i names: the same split for the same
 * list, and no worker gets every costly query of a list that repeats a
 * pattern), each worker with its own verifier (and
 * solver context), which starts every query from a reset solver: the
 * answers are those of one thread; the example packets are too for a given
 * number of threads (NSGPROOF_THREADS, default one per processor), and
 * may differ between numbers of threads (the solver's models depend on
 * what its context saw before). */
struct vjob {
    struct nsg_vresult r;
    nsg_rc rc;
    struct nsg_err err;
};

struct vworker {
    const struct opts *o;
    const struct nsg_queries *qs;
    struct vjob *jobs;
    struct nsg_verifier *v; /* results borrow from it: freed at the end */
    unsigned k, threads;
};

static gpointer verify_worker(gpointer data)
{
    struct vworker *w = data;
    for (size_t i = 0; i < w->qs->n; i++) {
        uint64_t h = (uint64_t)(i + 1) * 0x9E3779B97F4A7C15ull;
        if ((unsigned)((h >> 32) % w->threads) != w->k)
            continue;
        struct vjob *j = &w->jobs[i];
        j->err = (struct nsg_err)NSG_ERR_INIT;
        j->rc = nsg_verify_run(w->v, &w->qs->q[i], &j->r, &j->err);
    }
    return NULL;
}

/* Answer every query; returns the workers' verifiers (NULL-terminated),
 * which the results borrow from. */
static struct nsg_verifier **verify_all(const struct opts *o,
                                        const struct nsg_topology *t,
                                        const struct nsg_queries *qs,
                                        struct vjob *jobs, unsigned threads)
{
    if (threads > qs->n)
        threads = qs->n ? (unsigned)qs->n : 1;
    struct vworker *w = nsg_xcalloc(threads, sizeof(*w));
    struct nsg_verifier **vs = nsg_xcalloc(threads + 1, sizeof(*vs));
    GThread **th = g_new0(GThread *, threads);
    for (unsigned k = 0; k < threads; k++) {
        vs[k] = nsg_verifier_new(t, (unsigned)o->timeout_ms);
        nsg_verifier_set_nsg_only(vs[k], o->nsg_only);
        w[k] = (struct vworker){o, qs, jobs, vs[k], k, threads};
    }
    for (unsigned k = 1; k < threads; k++)
        th[k] = g_thread_new("nsgproof-verify", verify_worker, &w[k]);
    verify_worker(&w[0]);
    for (unsigned k = 1; k < threads; k++)
        g_thread_join(th[k]);
    g_free(th);
    free(w);
    return vs;
}

int cmd_verify(int argc, char **argv)
{
    struct opts o = {.timeout_ms = 30000, .fmt = CLI_OUTPUT_INIT,
                     .at = NSG_TIME_LATEST};
    struct cli_option opts[] = {
        CLI_OPT_STR("corpus", &o.corpus, "DIR", "the corpus"),
        CLI_OPT_CBV("query", NULL, "Q", source_cb,
                    "one query, e.g. 'never Internet -> nic:web-1 tcp/22' "
                    "(repeatable)"),
        CLI_OPT_CBV("queries", &o, "FILE", source_cb,
                    "one query per line; '#' comments, blank lines; - for "
                    "standard input (repeatable)"),
        CLI_OPT_TIME("at", &o.at, "the rules and topology in force at TIME "
                                  "(default: the newest)"),
        CLI_OPT_NUM("timeout", &o.timeout_ms, "MS", 0, CLI_TIMEOUT_MAX,
                    "solver time limit per check (default 30000; 0 = none)"),
        CLI_OPT_FLAG("nsg-only", &o.nsg_only,
                     "NSGs alone: ignore routes, peerings and public IPs"),
        CLI_OPT_OUTPUT_SARIF(&o.fmt),
        CLI_OPT_ENDMARK};
    struct nsg_queries qs = NSG_QUERIES_INIT;
    struct nsg_err err = NSG_ERR_INIT;
    struct nsg_corpus *c = NULL;
    struct nsg_topology *t = NULL;
    struct nsg_vresult *res = NULL;
    struct nsg_verifier **verifiers = NULL;
    const char **origin = NULL;
    size_t n[3] = {0, 0, 0}, n_err = 0, n_files = 0;
    char **errs = NULL; /* errs[i]: message of query i that failed */
    GPtrArray **qnotes = NULL, *notes = g_ptr_array_new_with_free_func(g_free);
    bool json;
    int status;
    nsg_rc rc;

    status = cli_opt_parse(&help, opts, argc, argv, NULL, &o);
    if (status) {
        status = cli_opt_status(status);
        goto out;
    }
    json = o.fmt.format == CLI_FORMAT_JSON;
    if (!o.corpus) {
        status = cli_opt_error(&help, "--corpus DIR is required");
        goto out;
    }
    if (!o.n_src) {
        status = cli_opt_error(&help, "give --query Q or --queries FILE");
        goto out;
    }
    for (size_t i = 0; i < o.n_src; i++)
        n_files += o.src[i].file;
    rc = load_queries(&o, &qs, &origin, &err);
    if (!rc)
        rc = cli_load_model(o.corpus, o.at, &c, &t, notes, &err);
    if (rc) {
        status = cli_fail(&err);
        goto out;
    }
    cli_notes(notes);
    o.t = t;
    qnotes = nsg_xcalloc(qs.n, sizeof(*qnotes));
    res = nsg_xcalloc(qs.n, sizeof(*res));
    errs = nsg_xcalloc(qs.n, sizeof(*errs));
    unsigned threads = 1;
    rc = cli_threads(&threads, &err);
    if (rc) {
        status = cli_fail(&err);
        goto out;
    }
    /* each worker builds its own terms for the NICs its queries meet: below
     * a few hundred queries one thread is faster (unless asked for) */
    if (!getenv("NSGPROOF_THREADS") && threads > 1 + qs.n / 200)
        threads = 1 + (unsigned)(qs.n / 200);
    struct vjob *jobs = nsg_xcalloc(qs.n + 1, sizeof(*jobs));
    verifiers = verify_all(&o, t, &qs, jobs, threads);
    /* in order, as one thread would have */
    for (size_t i = 0; i < qs.n; i++) {
        res[i] = jobs[i].r;
        rc = jobs[i].rc;
        err = jobs[i].err;
        if (rc && (qs.n > 1 || n_files || o.fmt.format == CLI_FORMAT_SARIF) &&
            (rc == NSG_E_INPUT || rc == NSG_E_NOTFOUND)) {
            /* This query cannot be answered; the others still can. */
            errs[i] = nsg_xstrdup(err.msg);
            n_err++;
            err = (struct nsg_err)NSG_ERR_INIT;
            continue;
        }
        if (rc) {
            /* results before and after i were filled; release them */
            for (size_t k = 0; k < qs.n; k++)
                if (k != i && !jobs[k].rc)
                    nsg_vresult_release(&jobs[k].r);
            free(jobs);
            status = cli_fail(&err);
            goto out;
        }
        n[res[i].status]++;
        qnotes[i] = query_notes(t, &qs.q[i]);
    }
    free(jobs);
    if (json) {
        cJSON *root = cJSON_CreateObject();
        cJSON *arr = cJSON_AddArrayToObject(root, "results");
        for (size_t i = 0; i < qs.n; i++)
            cJSON_AddItemToArray(arr, errs[i] ? error_json(&qs.q[i], origin[i],
                                                           errs[i])
                                              : result_json(&o, &qs.q[i],
                                                            origin[i], &res[i],
                                                            qnotes[i]));
        cJSON_AddNumberToObject(root, "holds", (double)n[NSG_V_HOLDS]);
        cJSON_AddNumberToObject(root, "violated", (double)n[NSG_V_VIOLATED]);
        cJSON_AddNumberToObject(root, "unknown", (double)n[NSG_V_UNKNOWN]);
        cJSON_AddNumberToObject(root, "errors", (double)n_err);
        cli_print_json(root);
        cJSON_Delete(root);
    } else if (o.fmt.format == CLI_FORMAT_SARIF) {
        cJSON *rules, *results;
        cJSON *log = cli_sarif_new("verify", &rules, &results);
        for (size_t i = 0; i < qs.n; i++) {
            if (errs[i]) {
                char *m = g_strdup_printf("%s: %s", qs.q[i].text, errs[i]);
                cli_sarif_notification(log, "error", m);
                g_free(m);
            } else {
                sarif_result(rules, results, &qs.q[i], origin[i], &res[i]);
            }
        }
        cli_print_json(log);
        cJSON_Delete(log);
    } else {
        for (size_t i = 0; i < qs.n; i++) {
            if (errs[i]) {
                print_head("ERROR", &qs.q[i], origin[i], n_files > 1);
                printf("  %s\n", errs[i]);
            } else {
                print_result(&o, &qs.q[i], origin[i], n_files > 1, &res[i],
                             qnotes[i]);
            }
        }
        printf("%zu quer%s: %zu hold, %zu violated, %zu unknown", qs.n,
               qs.n == 1 ? "y" : "ies", n[NSG_V_HOLDS], n[NSG_V_VIOLATED],
               n[NSG_V_UNKNOWN]);
        if (n_err)
            printf(", %zu error%s", n_err, n_err == 1 ? "" : "s");
        printf("\n");
    }
    if (n_err)
        cli_error("%zu of %zu queries could not be answered (see above)",
                  n_err, qs.n);
    for (size_t i = 0; i < qs.n; i++)
        if (!errs[i])
            nsg_vresult_release(&res[i]);
    /* Precedence: an error > a violation > unknown > all hold. */
    status = n_err                ? CLI_EXIT_INPUT
             : n[NSG_V_VIOLATED] ? CLI_EXIT_FOUND
             : n[NSG_V_UNKNOWN]  ? CLI_EXIT_UNKNOWN
                                 : CLI_EXIT_OK;
out:
    for (size_t i = 0; qnotes && i < qs.n; i++)
        if (qnotes[i])
            g_ptr_array_free(qnotes[i], TRUE);
    free(qnotes);
    g_ptr_array_free(notes, TRUE);
    for (size_t i = 0; errs && i < qs.n; i++)
        free(errs[i]);
    free(errs);
    free(res);
    for (size_t k = 0; verifiers && verifiers[k]; k++)
        nsg_verifier_free(verifiers[k]); /* after the results */
    free(verifiers);
    free(origin);
    free(o.src);
    nsg_queries_release(&qs);
    nsg_topo_free(t);
    nsg_corpus_close(c);
    return status;
}
