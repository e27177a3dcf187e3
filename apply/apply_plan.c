/* apply_plan.c - `enforce --apply`: a plan sent to Azure NSG by NSG.
 *   1. check, before anything is sent: the PUT body of each NSG decides
 *      every packet as the proven NSG (the plan applied to the model) does;
 *      each NSG read again (GET) has the etag of the version the corpus
 *      captured; any that changed is shown as a diff and nothing is sent;
 *   2. write the PUT bodies, the rollback copies and the journal;
 *   3. for each NSG in the plan's order: PUT with If-Match, the operation
 *      polled to its end, GET again, and the solver's diff proves that
 *      what Azure holds decides as the proven NSG.  The first failure
 *      stops the run; the journal says what was sent. */
#include <string.h>
#include <time.h>

#include "apply_int.h"

struct item {
    const struct nsg_plan_nsg *pn;
    cJSON *captured, *proposed; /* the PUT bodies (owned) */
    const char *etag;           /* the captured etag (inside captured) */
    const struct nsg_nsg *proven; /* in run.prop */
    cJSON *rep, *jrn;           /* report and journal entries (borrowed) */
};

struct run {
    struct nsg_corpus *c;
    const struct nsg_plan *p;
    const struct nsg_apply_opts *o;
    struct nsg_topology *cur, *prop;
    struct nsg_slv *slv;
    struct nsg_cap_arm_session *s;
    struct item *items;
    size_t n;
    cJSON *report, *journal;
};

static void set_state(struct item *it, const char *st)
{
    ap_set_str(it->rep, "state", st);
    if (it->jrn)
        ap_set_str(it->jrn, "state", st);
}

static void set_error(struct item *it, const char *msg)
{
    ap_set_str(it->rep, "error", msg);
}

static nsg_rc load_models(struct run *r, struct nsg_err *err)
{
    nsg_rc rc = nsg_corpus_load(r->c, NSG_TIME_LATEST, &r->cur, err);
    if (!rc)
        rc = nsg_corpus_load(r->c, NSG_TIME_LATEST, &r->prop, err);
    if (!rc)
        rc = nsg_plan_apply(r->p, r->prop, err);
    return rc;
}

/* The body to send must decide as the proven NSG: a check of the body
 * builder against the model the proof ran on. */
static nsg_rc self_check(struct run *r, struct item *it, struct nsg_err *err)
{
    struct nsg_nsg *body = NULL;
    cJSON *d = NULL;
    bool eq = false;
    char *where = g_strdup_printf("the PUT body of NSG %s", it->pn->name);
    nsg_rc rc = ap_decode(it->proposed, where, &body, err);
    if (!rc)
        rc = ap_compare(r->prop, r->slv, it->pn->id, it->proven, body,
                        "the proven NSG", where, &eq, &d, err);
    if (!rc && !eq)
        rc = nsg_err_set(err, NSG_E_INTERNAL,
                         "%s does not decide every packet as the proven NSG "
                         "does: nothing sent",
                         where);
    cJSON_Delete(d);
    nsg_nsg_free(body);
    g_free(where);
    return rc;
}

/* Step 1 for one NSG: bodies, self-check, GET, etag.  *stale when Azure's
 * etag is not the captured one (the diff goes into the report). */
static nsg_rc check_one(struct run *r, struct item *it, bool *stale,
                        struct nsg_err *err)
{
    size_t added = 0;
    cJSON *now = NULL, *d = NULL;
    bool eq;
    nsg_rc rc = nsg_enforce_bodies(r->c, r->p, it->pn, &it->captured,
                                   &it->proposed, &added, err);
    *stale = false;
    if (rc)
        return rc;
    cJSON_AddNumberToObject(it->rep, "rules_added", (double)added);
    it->etag = ap_etag(it->captured);
    ap_set_str(it->rep, "etag_captured", it->etag);
    if (!it->etag)
        return nsg_err_set(err, NSG_E_INPUT,
                           "NSG %s: the corpus holds no etag for it (imported "
                           "from a file without one), so a change in Azure "
                           "since could not be told: capture it with "
                           "`nsgproof capture arm` and make the plan again",
                           it->pn->name);
    it->proven = nsg_topo_get(r->prop, NSG_RES_NSG, it->pn->id);
    if (!it->proven)
        return nsg_err_set(err, NSG_E_INTERNAL, "NSG %s is not in the model",
                           it->pn->name);
    rc = self_check(r, it, err);
    if (!rc)
        rc = nsg_cap_arm_get(r->s, it->pn->id, NSG_APPLY_API, &now, err);
    if (rc == NSG_E_NOTFOUND)
        nsg_err_prefix(err, "NSG %s was deleted since it was captured",
                       it->pn->name);
    if (rc)
        return rc;
    ap_set_str(it->rep, "etag_before", ap_etag(now));
    if (!ap_etag(now) || strcmp(ap_etag(now), it->etag)) {
        struct nsg_err e2 = NSG_ERR_INIT;
        *stale = true;
        set_state(it, "stale");
        if (ap_compare_json(r->cur, r->slv, it->pn->id, it->captured, now,
                            "captured", "Azure now", &eq, &d, &e2))
            ap_set_str(it->rep, "diff_error", e2.msg);
        else
            cJSON_AddItemToObject(it->rep, "diff", d);
    } else {
        set_state(it, "not_sent");
    }
    cJSON_Delete(now);
    return NSG_OK;
}

static nsg_rc journal_new(struct run *r, cJSON *written, struct nsg_err *err)
{
    const struct nsg_apply_opts *o = r->o;
    char when[32];
    cJSON *j = cJSON_CreateObject(), *ns;
    char *corpus = o->corpus_path ? g_canonicalize_filename(o->corpus_path,
                                                            NULL)
                                  : NULL;
    size_t dl = strlen(o->dir);
    nsg_corpus_time_format((int64_t)time(NULL), when);
    cJSON_AddNumberToObject(j, "format", 1);
    ap_set_str(j, "corpus", corpus);
    ap_set_str(j, "plan", o->plan_path);
    cJSON_AddItemToObject(j, "arm_endpoint",
                          cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(
                                              r->report, "arm_endpoint"),
                                          1));
    cJSON_AddStringToObject(j, "started_at", when);
    cJSON_AddBoolToObject(j, "forced", o->forced);
    ns = cJSON_AddArrayToObject(j, "nsgs");
    for (size_t i = 0; i < r->n; i++) {
        struct item *it = &r->items[i];
        const cJSON *w;
        cJSON *e = cJSON_CreateObject();
        cJSON_AddStringToObject(e, "nsg", it->pn->name);
        cJSON_AddStringToObject(e, "id", it->pn->id);
        cJSON_ArrayForEach(w, written)
        {
            const char *wid = cJSON_GetStringValue(
                cJSON_GetObjectItemCaseSensitive(w, "id"));
            if (!wid || strcmp(wid, it->pn->id))
                continue;
            for (int k = 0; k < 2; k++) {
                const char *key = k ? "rollback" : "file";
                const char *f = cJSON_GetStringValue(
                    cJSON_GetObjectItemCaseSensitive(w, key));
                ap_set_str(it->rep, key, f);
                /* relative in the journal: the directory may move */
                ap_set_str(e, key, f && strlen(f) > dl ? f + dl + 1 : f);
            }
        }
        ap_set_str(e, "etag_captured", it->etag);
        cJSON_AddNullToObject(e, "etag_applied");
        cJSON_AddStringToObject(e, "state", "not_sent");
        cJSON_AddItemToArray(ns, e);
        it->jrn = e;
    }
    r->journal = j;
    g_free(corpus);
    return ap_journal_write(o->dir, j, err);
}

/* The etag after a PUT that failed (for the report). */
static void after_failure(struct run *r, struct item *it)
{
    struct nsg_err e2 = NSG_ERR_INIT;
    cJSON *now = NULL;
    if (!nsg_cap_arm_get(r->s, it->pn->id, NSG_APPLY_API, &now, &e2))
        ap_set_str(it->rep, "etag_after", ap_etag(now));
    cJSON_Delete(now);
}

/* Verify what Azure holds after a successful PUT. */
static void verify(struct run *r, struct item *it, const cJSON *now,
                   enum nsg_apply_status *st)
{
    struct nsg_err e2 = NSG_ERR_INIT;
    struct nsg_nsg *got = NULL;
    cJSON *d = NULL;
    bool eq = false;
    nsg_rc rc = ap_decode(now, "the NSG Azure holds after the PUT", &got, &e2);
    if (!rc)
        rc = ap_compare(r->prop, r->slv, it->pn->id, it->proven, got, "proven",
                        "Azure after the PUT", &eq, &d, &e2);
    nsg_nsg_free(got);
    if (rc) {
        set_state(it, "unverified");
        set_error(it, e2.msg);
        *st = NSG_APPLY_MISMATCH;
        return;
    }
    cJSON_AddItemToObject(it->rep, "verify", d);
    set_state(it, eq ? "verified" : "mismatch");
    if (!eq)
        *st = NSG_APPLY_MISMATCH;
}

/* A 412: the etag moved between the check and the PUT.  When Azure holds
 * what was proven after all (an earlier attempt of a retried PUT was
 * applied, and its retry refused), it counts as applied; otherwise the
 * diff against the captured version says what someone else changed. */
static nsg_rc conflict(struct run *r, struct item *it,
                       enum nsg_apply_status *st, struct nsg_err *err)
{
    struct nsg_err e2 = NSG_ERR_INIT;
    struct nsg_nsg *got = NULL;
    cJSON *now = NULL, *d = NULL;
    bool eq = false;
    nsg_rc rc = nsg_cap_arm_get(r->s, it->pn->id, NSG_APPLY_API, &now, err);
    if (rc) {
        set_error(it, err->msg);
        return rc;
    }
    ap_set_str(it->rep, "etag_after", ap_etag(now));
    if (!ap_decode(now, "the NSG Azure holds", &got, &e2) &&
        !ap_compare(r->prop, r->slv, it->pn->id, it->proven, got, "proven",
                    "Azure now", &eq, &d, &e2) &&
        eq) {
        ap_set_str(it->jrn, "etag_applied", ap_etag(now));
        ap_set_str(it->rep, "note",
                   "the PUT was answered 412, but Azure holds what was "
                   "proven: an earlier attempt of it (sent again after its "
                   "answer was lost) had been applied");
        cJSON_AddItemToObject(it->rep, "verify", d);
        set_state(it, "verified");
    } else {
        cJSON_Delete(d);
        d = NULL;
        set_state(it, "conflict");
        set_error(it, "the PUT was refused with 412 Precondition Failed: the "
                      "NSG changed between the check and the PUT; this PUT "
                      "changed nothing");
        if (ap_compare_json(r->cur, r->slv, it->pn->id, it->captured, now,
                            "captured", "Azure now", &eq, &d, &e2))
            ap_set_str(it->rep, "diff_error", e2.msg);
        else
            cJSON_AddItemToObject(it->rep, "diff", d);
        *st = NSG_APPLY_CONFLICT;
    }
    nsg_nsg_free(got);
    cJSON_Delete(now);
    return NSG_OK;
}

/* Step 3 for one NSG. */
static nsg_rc send_one(struct run *r, struct item *it,
                       enum nsg_apply_status *st, struct nsg_err *err)
{
    struct nsg_cap_put put;
    cJSON *now = NULL;
    nsg_rc rc;
    set_state(it, "sent");
    rc = ap_journal_write(r->o->dir, r->journal, err);
    if (!rc)
        rc = nsg_cap_arm_put(r->s, it->pn->id, NSG_APPLY_API, it->proposed,
                             it->etag, &put, err);
    if (rc) {
        set_error(it, err->msg);
        return rc;
    }
    cJSON_AddItemToObject(it->rep, "put", ap_put_json(&put));
    switch (put.outcome) {
    case NSG_CAP_PUT_CONFLICT:
        rc = conflict(r, it, st, err);
        break;
    case NSG_CAP_PUT_FAILED:
        set_state(it, "failed");
        set_error(it, put.error ? put.error : "the PUT failed");
        after_failure(r, it);
        *st = NSG_APPLY_FAILED;
        break;
    case NSG_CAP_PUT_DONE:
        rc = nsg_cap_arm_get(r->s, it->pn->id, NSG_APPLY_API, &now, err);
        if (rc) {
            set_error(it, err->msg);
            break;
        }
        ap_set_str(it->rep, "etag_after", ap_etag(now));
        ap_set_str(it->jrn, "etag_applied", ap_etag(now));
        set_state(it, "applied");
        verify(r, it, now, st);
        break;
    }
    nsg_cap_put_release(&put);
    cJSON_Delete(now);
    return rc;
}

nsg_rc nsg_apply_plan(struct nsg_corpus *c, const struct nsg_plan *p,
                      const struct nsg_apply_opts *o, cJSON *report,
                      enum nsg_apply_status *st, struct nsg_err *err)
{
    struct run r;
    cJSON *nsgs, *written = NULL;
    size_t n_stale = 0;
    nsg_rc rc;

    memset(&r, 0, sizeof(r));
    r.c = c;
    r.p = p;
    r.o = o;
    r.report = report;
    *st = NSG_APPLY_OK;
    cJSON_AddStringToObject(report, "status", "error");
    cJSON_AddStringToObject(report, "dir", o->dir);
    nsgs = cJSON_AddArrayToObject(report, "nsgs");
    r.items = nsg_xcalloc(p->n_nsgs + 1, sizeof(*r.items));
    for (size_t i = 0; i < p->n_nsgs; i++) {
        struct item *it;
        if (!nsg_plan_edits_nsg(p, p->nsgs[i].id))
            continue;
        it = &r.items[r.n++];
        it->pn = &p->nsgs[i];
        it->rep = cJSON_CreateObject();
        cJSON_AddStringToObject(it->rep, "nsg", it->pn->name);
        cJSON_AddStringToObject(it->rep, "id", it->pn->id);
        ap_set_str(it->rep, "resource_group", it->pn->resource_group);
        ap_set_str(it->rep, "etag_plan", it->pn->etag);
        cJSON_AddStringToObject(it->rep, "state", "not_sent");
        cJSON_AddItemToArray(nsgs, it->rep);
    }
    {
        /* an earlier apply's journal is what its rollback needs */
        char *jp = g_build_filename(o->dir, NSG_APPLY_JOURNAL, NULL);
        rc = g_file_test(jp, G_FILE_TEST_EXISTS)
                 ? nsg_err_set(err, NSG_E_USAGE,
                               "%s holds the journal of an earlier apply "
                               "(its rollback needs it): give another "
                               "directory",
                               o->dir)
                 : NSG_OK;
        g_free(jp);
    }
    if (!rc)
        rc = load_models(&r, err);
    if (!rc)
        rc = nsg_cap_arm_open(&o->common, o->arm_endpoint, &r.s, err);
    if (rc)
        goto out;
    nsg_cap_arm_describe(r.s, report);
    r.slv = nsg_slv_new(o->timeout_ms);
    for (size_t i = 0; i < r.n && !rc; i++) {
        bool stale;
        rc = check_one(&r, &r.items[i], &stale, err);
        n_stale += stale;
    }
    if (rc)
        goto out;
    if (n_stale) {
        *st = NSG_APPLY_STALE;
        goto out;
    }
    written = cJSON_CreateArray();
    rc = nsg_enforce_write(c, p, o->dir, written, err);
    if (!rc)
        rc = journal_new(&r, written, err);
    if (rc)
        goto out;
    {
        char *jp = g_build_filename(o->dir, NSG_APPLY_JOURNAL, NULL);
        cJSON_AddStringToObject(report, "journal", jp);
        g_free(jp);
    }
    for (size_t i = 0; i < r.n && !rc && *st == NSG_APPLY_OK; i++)
        rc = send_one(&r, &r.items[i], st, err);
    {
        struct nsg_err e2 = NSG_ERR_INIT;
        nsg_rc jrc = ap_journal_write(o->dir, r.journal, &e2);
        if (jrc && !rc) {
            rc = jrc;
            *err = e2;
        }
    }
out:
    ap_set_str(report, "status", rc ? "error" : nsg_apply_status_name(*st));
    if (r.s)
        nsg_cap_arm_http_report(r.s, report);
    for (size_t i = 0; i < r.n; i++) {
        cJSON_Delete(r.items[i].captured);
        cJSON_Delete(r.items[i].proposed);
    }
    free(r.items);
    cJSON_Delete(written);
    cJSON_Delete(r.journal);
    nsg_slv_free(r.slv);
    nsg_cap_arm_close(r.s);
    nsg_topo_free(r.cur);
    nsg_topo_free(r.prop);
    return rc;
}
