/* cli_plan.c - printing hardening plans and alerts for people: NIC
 * statuses, recommendations with their rules, what they learned and what
 * they close. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_plan.h"

int cli_plan_load(const char *path, struct nsg_plan **p)
{
    struct nsg_err err = NSG_ERR_INIT;
    if (nsg_plan_load(path, p, &err))
        return cli_fail(&err);
    return 0;
}

static void print_list(char *const *v, size_t n, char *const *asgs,
                       size_t n_asgs)
{
    for (size_t i = 0; i < n; i++)
        printf("%s%s", i ? "," : "", v[i]);
    for (size_t i = 0; i < n_asgs; i++) {
        char *name = nsg_id_name(asgs[i]);
        printf("%sasg:%s", n || i ? "," : "", name);
        free(name);
    }
}

static void print_ports(const struct nsg_plan_ports *p)
{
    char buf[16];
    for (size_t i = 0; i < p->n; i++) {
        nsg_plan_port_text(&p->r[i], buf);
        printf("%s%s", i ? "," : "", buf);
    }
}

void cli_plan_print_rule(const struct nsg_plan_rule *r, const char *indent)
{
    char pb[8];
    printf("%s%5d %-5s %s  %s ", indent, r->priority,
           nsg_access_name(r->access), r->name, nsg_proto_name(r->proto, pb));
    print_list(r->src.addrs, r->src.n_addrs, r->src.asgs, r->src.n_asgs);
    if (!(r->sports.n == 1 && r->sports.r[0].lo == 0 &&
          r->sports.r[0].hi == 65535)) {
        printf(":");
        print_ports(&r->sports);
    }
    printf(" -> ");
    print_list(r->dst.addrs, r->dst.n_addrs, r->dst.asgs, r->dst.n_asgs);
    printf(":");
    print_ports(&r->dports);
    if (r->origin != NSG_PLAN_RECOMMENDED || r->modified)
        printf("  (%s%s)", nsg_plan_origin_name(r->origin),
               r->modified ? ", modified" : "");
    printf("\n");
}

static const char *tstr(const cJSON *o, const char *key)
{
    const char *s = cli_json_str(o, key, NULL);
    return s ? s : "-";
}

static void print_count(double n)
{
    if (n < 1e15)
        printf("%.0f", n);
    else
        printf("%.3g", n);
}

static void print_evidence(const struct nsg_plan_rule *r)
{
    const cJSON *cov = cJSON_GetObjectItemCaseSensitive(r->extra, "covers");
    const cJSON *al = cJSON_GetObjectItemCaseSensitive(r->extra, "allows");
    const cJSON *cl = cJSON_GetObjectItemCaseSensitive(r->extra, "closes");
    if (cov) {
        printf("              covers %.0f flow records (%.0f tuples) from %.0f "
               "sources, %s .. %s, %.0f days",
               cli_json_num(cov, "flows"), cli_json_num(cov, "tuples"),
               cli_json_num(cov, "sources"), tstr(cov, "first_seen"),
               tstr(cov, "last_seen"), cli_json_num(cov, "days"));
        if (al) {
            printf("; allows ");
            print_count(cli_json_num(al, "addresses"));
            printf(" of ");
            print_count(cli_json_num(al, "of"));
            printf(" source addresses");
        }
        printf("\n");
    }
    if (cl) {
        double b = cli_json_num(cl, "source_port_pairs_before");
        double c = cli_json_num(cl, "source_port_pairs_closed");
        printf("              closes ");
        print_count(c);
        printf(" of ");
        print_count(b);
        printf(" (source, port) pairs R admitted (%.4g%%) on %.0f ports\n",
               b > 0 ? 100.0 * c / b : 0.0, cli_json_num(cl, "ports"));
    }
}

void cli_plan_print_recs(const struct nsg_plan *p, bool evidence)
{
    char pb[8];
    if (!p->n_recs) {
        printf("no recommendations\n");
        return;
    }
    printf("recommendations (%zu):\n", p->n_recs);
    for (size_t i = 0; i < p->n_recs; i++) {
        const struct nsg_plan_rec *rec = &p->recs[i];
        const cJSON *l = cJSON_GetObjectItemCaseSensitive(rec->extra,
                                                          "learned");
        const cJSON *notes = cJSON_GetObjectItemCaseSensitive(rec->extra,
                                                              "notes");
        const cJSON *n;
        printf("%2zu. NSG %s: narrow %s (priority %d, %s ", i + 1,
               rec->nsg_name, rec->r.name, rec->r.priority,
               nsg_proto_name(rec->r.proto, pb));
        print_list(rec->r.src.addrs, rec->r.src.n_addrs, rec->r.src.asgs,
                   rec->r.src.n_asgs);
        printf(" -> ");
        print_list(rec->r.dst.addrs, rec->r.dst.n_addrs, rec->r.dst.asgs,
                   rec->r.dst.n_asgs);
        printf(") on covered ports ");
        print_ports(&rec->ports);
        printf("\n    affects NICs: ");
        for (size_t k = 0; k < rec->n_nics; k++)
            printf("%s%s", k ? ", " : "", rec->nics[k]);
        printf("\n");
        if (evidence && l)
            printf("    learned from %.0f flow records (%.0f tuples), %.0f "
                   "sources, %s .. %s, %.0f days of data\n",
                   cli_json_num(l, "flows"), cli_json_num(l, "tuples"),
                   cli_json_num(l, "sources"), tstr(l, "first_seen"),
                   tstr(l, "last_seen"), cli_json_num(l, "days"));
        for (int prio = 100; prio <= 4096; prio++) /* in priority order */
            for (size_t k = 0; k < rec->n_rules; k++) {
                if (rec->rules[k].priority != prio)
                    continue;
                cli_plan_print_rule(&rec->rules[k], "    + ");
                if (evidence)
                    print_evidence(&rec->rules[k]);
            }
        cJSON_ArrayForEach(n, notes)
        {
            if (cJSON_IsString(n))
                printf("    note: %s\n", n->valuestring);
        }
    }
}

void cli_plan_print_nics(const struct nsg_plan *p)
{
    printf("%-20s %-10s %5s %10s %6s  %s\n", "NIC", "status", "days",
           "flows", "recs", "reasons");
    for (size_t i = 0; i < p->n_nics; i++) {
        const struct nsg_plan_nic *n = &p->nics[i];
        const cJSON *r = cJSON_GetObjectItemCaseSensitive(n->extra, "reasons");
        const cJSON *e;
        const char *sep = "";
        printf("%-20s %-10s %5.0f %10.0f %6.0f  ", n->name,
               n->status ? n->status : "",
               cli_json_num(n->extra, "days_with_flow_records"),
               cli_json_num(n->extra, "flow_records"),
               cli_json_num(n->extra, "recommendations"));
        cJSON_ArrayForEach(e, r)
        {
            printf("%s%s", sep, cJSON_GetStringValue(e));
            sep = "; ";
        }
        if (cli_json_num(n->extra, "alerts") > 0)
            printf("%s%.0f alert tuples", sep, cli_json_num(n->extra, "alerts"));
        printf("\n");
    }
}

void cli_plan_print_alerts(const cJSON *rep, size_t limit)
{
    const cJSON *a = cJSON_GetObjectItemCaseSensitive(rep, "alerts"), *e;
    size_t n = 0;
    if (!cJSON_GetArraySize(a)) {
        printf("no alerts: no observed traffic outside the recommended "
               "ranges\n");
        return;
    }
    printf("alerts: %.0f tuples in %.0f groups outside the recommended ranges "
           "(%.0f from excluded sources)\n",
           cli_json_num(rep, "tuples"), cli_json_num(rep, "groups"),
           cli_json_num(rep, "excluded_tuples"));
    printf("  %-16s %-5s %5s  %-39s %8s  %-20s  %-20s  %s\n", "NIC", "proto",
           "port", "source", "tuples", "first seen", "last seen", "logged");
    cJSON_ArrayForEach(e, a)
    {
        const cJSON *lg = cJSON_GetObjectItemCaseSensitive(e, "logged");
        if (limit && n++ >= limit) {
            printf("  ... (--json lists every group)\n");
            break;
        }
        printf("  %-16s %-5s %5.0f  %-39s %8.0f  %-20s  %-20s  "
               "allowed %.0f, denied %.0f%s  (%s/%s)\n",
               tstr(e, "nic"), tstr(e, "protocol"), cli_json_num(e, "port"),
               tstr(e, "src"), cli_json_num(e, "tuples"), tstr(e, "first_seen"),
               tstr(e, "last_seen"), cli_json_num(lg, "allowed"),
               cli_json_num(lg, "denied"),
               cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(e, "excluded"))
                   ? ", EXCLUDED source"
                   : "",
               tstr(e, "nsg"), tstr(e, "rule"));
    }
}

nsg_rc cli_plan_invariants(const char *path, struct nsg_queries *qs,
                           struct nsg_err *err)
{
    struct nsg_buf text = NSG_BUF_INIT;
    nsg_rc rc = nsg_buf_read_file(&text, path, 1 << 24, err);
    if (!rc)
        rc = nsg_queries_parse(text.buf ? text.buf : "", qs, err);
    if (rc && err && !strstr(err->msg, path))
        nsg_err_prefix(err, "%s", path);
    nsg_buf_release(&text);
    return rc;
}

static const cJSON *obj(const cJSON *o, const char *k)
{
    return cJSON_GetObjectItemCaseSensitive(o, k);
}

/* "Inbound Tcp 1.2.3.4:49152 -> 10.0.0.4:22" from a witness object. */
static void print_packet(const cJSON *w)
{
    const cJSON *sp = obj(w, "sport"), *dp = obj(w, "dport");
    printf("%s %s %s", tstr(w, "direction"), tstr(w, "protocol"),
           tstr(w, "src"));
    if (cJSON_IsNumber(sp))
        printf(":%d", sp->valueint);
    printf(" -> %s", tstr(w, "dst"));
    if (cJSON_IsNumber(dp))
        printf(":%d", dp->valueint);
}

static void print_verdict(const char *when, const cJSON *v)
{
    printf("%s %s", when, tstr(v, "decision"));
    if (cJSON_IsString(obj(v, "rule")))
        printf(" by %s/%s", tstr(v, "nsg"), tstr(v, "rule"));
}

/* JSON statuses as words for people. */
static const char *word(const char *status)
{
    if (!strcmp(status, "proven"))
        return "holds";
    if (!strcmp(status, "refuted"))
        return "VIOLATED";
    if (!strcmp(status, "not_applicable"))
        return "not applicable";
    return status;
}

static void print_names(const char *what, const cJSON *l)
{
    const cJSON *x;
    const char *sep = " ";
    if (!cJSON_GetArraySize(l))
        return;
    printf("; %s:", what);
    cJSON_ArrayForEach(x, l)
    {
        printf("%s%s", sep, cJSON_GetStringValue(x));
        sep = ", ";
    }
}

static void print_witnesses(const cJSON *list)
{
    const cJSON *w;
    cJSON_ArrayForEach(w, list)
    {
        printf("     witness at NIC %s: ", tstr(w, "nic"));
        print_packet(w);
        printf("\n       ");
        print_verdict("today", obj(w, "current"));
        printf("; ");
        print_verdict("with the plan", obj(w, "proposed"));
        printf("\n       reproduce today's answer: %s\n", tstr(w, "check"));
    }
}

static void print_regions(const cJSON *cl)
{
    const cJSON *r;
    cJSON_ArrayForEach(r, obj(cl, "regions"))
    {
        const cJSON *e;
        const char *sep = "";
        printf("     ");
        cJSON_ArrayForEach(e, obj(r, "nics"))
        {
            printf("%s%s", sep, e->valuestring);
            sep = ", ";
        }
        printf("  %s", tstr(r, "protocol"));
        if (cJSON_IsArray(obj(r, "ports"))) {
            sep = " ";
            cJSON_ArrayForEach(e, obj(r, "ports"))
            {
                printf("%s%s", sep, e->valuestring);
                sep = ",";
            }
        }
        printf("  from ");
        sep = "";
        cJSON_ArrayForEach(e, obj(r, "sources"))
        {
            printf("%s%s", sep, e->valuestring);
            sep = ", ";
        }
        if (cli_json_num(r, "sources_omitted") > 0)
            printf(" and %.0f more blocks", cli_json_num(r, "sources_omitted"));
        printf(" (");
        print_count(cli_json_num(r, "source_addresses"));
        printf(" addresses; size ");
        print_count(cli_json_num(r, "size"));
        printf(")\n");
    }
    if (cli_json_num(cl, "regions_omitted") > 0)
        printf("     ... and %.0f more regions (--limit, --json)\n",
               cli_json_num(cl, "regions_omitted"));
}

void cli_plan_print_prove(const cJSON *rep, const char *plan_path)
{
    const cJSON *pl = obj(rep, "plan"), *ob = obj(rep, "observed"),
                *wd = obj(rep, "no_widening"), *iv = obj(rep, "invariants"),
                *cl = obj(rep, "closes"), *e;
    const char *sep = "";
    printf("prove %s: %.0f recommendations, %.0f rules in %.0f NSGs; NICs ",
           plan_path, cli_json_num(pl, "recommendations"),
           cli_json_num(pl, "rules"), cli_json_num(pl, "nsgs"));
    cJSON_ArrayForEach(e, obj(pl, "nics"))
    {
        printf("%s%s", sep, e->valuestring);
        sep = ", ";
    }
    printf("\n");
    if (cJSON_IsTrue(obj(rep, "rebased"))) {
        printf("rebased onto the current corpus; what moved since the plan "
               "was made:\n");
        cJSON_ArrayForEach(e, obj(rep, "moved"))
        {
            printf("   NSG %s: etag %s -> %s, captured %s -> %s", tstr(e, "nsg"),
                   tstr(e, "etag_then"), tstr(e, "etag_now"),
                   tstr(e, "captured_then"), tstr(e, "captured_now"));
            print_names("rules added", obj(e, "rules_added"));
            print_names("removed", obj(e, "rules_removed"));
            print_names("changed", obj(e, "rules_changed"));
            printf("\n");
        }
    }
    printf("1. observed flows  %s: %.0f allowed flow records (%.0f tuples) "
           "since %s replayed through both levels; %.0f newly denied, %.0f "
           "denied today already",
           word(tstr(ob, "status")), cli_json_num(ob, "allowed_flow_records"),
           cli_json_num(ob, "allowed_tuples"), tstr(ob, "since"),
           cli_json_num(obj(ob, "newly_denied"), "tuples"),
           cli_json_num(obj(ob, "denied_today"), "tuples"));
    if (cli_json_num(ob, "excluded_tuples") > 0)
        printf(", %.0f from excluded sources denied by design",
               cli_json_num(ob, "excluded_tuples"));
    if (cli_json_num(ob, "unknown_tuples") > 0)
        printf(", %.0f undecidable (unknown tag)",
               cli_json_num(ob, "unknown_tuples"));
    if (cli_json_num(ob, "unattributed_tuples") > 0)
        printf(", %.0f logged by an edited NSG without a known NIC",
               cli_json_num(ob, "unattributed_tuples"));
    if (cli_json_num(ob, "inexact_tuples") > 0)
        printf(", %.0f in aggregate rows whose source-port range a rule "
               "splits (inexact: group them by `nsgproof sport-boundaries`)",
               cli_json_num(ob, "inexact_tuples"));
    printf("\n");
    cJSON_ArrayForEach(e, obj(ob, "blocked"))
    {
        printf("     BLOCKED at NIC %s: ", tstr(e, "nic"));
        print_packet(e);
        printf(" (%.0f tuples, %s .. %s) by %s/%s\n", cli_json_num(e, "tuples"),
               tstr(e, "first_seen"), tstr(e, "last_seen"),
               tstr(obj(e, "blocked_by"), "nsg"),
               tstr(obj(e, "blocked_by"), "rule"));
    }
    if (cli_json_num(ob, "blocked_omitted") > 0)
        printf("     ... and %.0f more blocked flows (--limit, --json)\n",
               cli_json_num(ob, "blocked_omitted"));
    printf("2. no widening     %s: %s (%.0f NICs, every protocol, port and "
           "direction)\n",
           word(tstr(wd, "status")),
           !strcmp(tstr(wd, "status"), "refuted")
               ? "packets denied today are allowed with the plan"
               : "no packet denied today is allowed with the plan",
           cli_json_num(wd, "nics_checked"));
    print_witnesses(obj(wd, "witnesses"));
    printf("3. invariants      %s: AzureLoadBalancer traffic %s; outbound "
           "(KMS) %s",
           word(tstr(iv, "status")), word(tstr(obj(iv, "platform"), "status")),
           word(tstr(obj(iv, "outbound"), "status")));
    printf("; %d user invariants\n", cJSON_GetArraySize(obj(iv, "user")));
    print_witnesses(obj(obj(iv, "platform"), "witnesses"));
    cJSON_ArrayForEach(e, obj(iv, "user"))
    {
        printf("     %-8s %s", word(tstr(e, "status")), tstr(e, "query"));
        if (obj(e, "witness")) {
            printf("  witness: ");
            print_packet(obj(e, "witness"));
            printf(" (%s)", tstr(obj(e, "witness"), "decision"));
        }
        printf("\n");
    }
    printf("4. closes          %.0f regions, size ", cli_json_num(cl, "regions_total"));
    print_count(cli_json_num(cl, "size"));
    printf(" (source address x port x NIC)%s\n",
           cJSON_IsTrue(obj(cl, "exact")) ? ", exact (certified by Z3)"
                                          : ", APPROXIMATE (not certified)");
    print_regions(cl);
    printf("result: %s\n", !strcmp(tstr(rep, "status"), "proven")
                                ? "PROVEN"
                            : !strcmp(tstr(rep, "status"), "refuted")
                                ? "REFUTED"
                                : "UNKNOWN");
}

int cli_prove_run(const char *corpus, const char *plan, const char *inv,
                  const struct nsg_prove_opts *o, struct cli_prove *out)
{
    struct nsg_err err = NSG_ERR_INIT;
    struct nsg_prove_opts po = *o;
    int status;
    memset(out, 0, sizeof(*out));
    out->status = NSG_PROVE_UNKNOWN;
    if (inv && cli_plan_invariants(inv, &out->qs, &err))
        return cli_fail(&err);
    status = cli_plan_load(plan, &out->p);
    if (status)
        return status;
    po.invariants = &out->qs;
    if (nsg_corpus_open(corpus, false, &out->c, &err) ||
        nsg_prove_run(out->c, out->p, &po, &out->status, &out->report, &err))
        return cli_fail(&err);
    return 0;
}

void cli_prove_release(struct cli_prove *r)
{
    cJSON_Delete(r->report);
    nsg_corpus_close(r->c);
    nsg_plan_free(r->p);
    nsg_queries_release(&r->qs);
    memset(r, 0, sizeof(*r));
}

nsg_rc cli_harden_defaults(struct nsg_corpus *c, const struct nsg_topology *t,
                           const char *corpus, struct nsg_plan **out,
                           struct nsg_err *err)
{
    struct nsg_harden_opts o = {0};
    o.min_days = NSG_HARDEN_MIN_DAYS;
    o.max_blocks = NSG_HARDEN_MAX_BLOCKS;
    o.open_factor = NSG_HARDEN_OPEN_FACTOR;
    o.corpus_dir = corpus;
    nsg_rc rc = nsg_harden_run(c, t, &o, out, err);
    nsg_harden_opts_release(&o);
    if (rc)
        nsg_err_prefix(err, "adaptive hardening");
    return rc;
}

nsg_rc cli_harden_hook(void *ctx, const struct nsg_topology *t,
                       const struct nsg_nic *nic, char **message,
                       cJSON **details, char **unscanned, struct nsg_err *err)
{
    (void)t;
    (void)err;
    nsg_plan_nic_verdict(ctx, nic, message, details, unscanned);
    return NSG_OK;
}
