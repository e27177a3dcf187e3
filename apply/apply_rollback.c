/* apply_rollback.c - `enforce --rollback DIR`: the rollback copies put
 * back the way the apply sent the change.  Which NSGs: those the journal
 * says were sent (every NSG of a directory written by `enforce --out`,
 * which has none).  Before anything is sent, each NSG is read again and
 * must hold what was applied (the etag the journal recorded, or an NSG
 * that decides as the applied file does); one changed since is shown as a
 * diff and nothing is sent.  Then each is PUT with If-Match, its
 * operation polled, read again and proven to decide as the rollback copy. */
#include <string.h>

#include "apply_int.h"

struct rb {
    char *file, *rollback;       /* paths */
    cJSON *applied, *captured;   /* their documents (owned) */
    const char *id, *name;       /* in captured */
    const char *etag_applied;    /* from the journal, or NULL */
    char *etag_now;              /* read in step 1 */
    bool send;
    cJSON *rep, *jrn;            /* borrowed */
};

static nsg_rc read_doc(const char *path, cJSON **out, struct nsg_err *err)
{
    struct nsg_buf b = NSG_BUF_INIT;
    nsg_rc rc = nsg_buf_read_file(&b, path, 64u << 20, err);
    *out = NULL;
    if (!rc) {
        *out = cJSON_ParseWithLength(b.buf, b.len);
        if (!cJSON_IsObject(*out)) {
            cJSON_Delete(*out);
            *out = NULL;
            rc = nsg_err_set(err, NSG_E_INPUT, "%s: not a JSON object", path);
        }
    }
    nsg_buf_release(&b);
    return rc;
}

static void rb_free(gpointer p)
{
    struct rb *x = p;
    g_free(x->file);
    g_free(x->rollback);
    cJSON_Delete(x->applied);
    cJSON_Delete(x->captured);
    g_free(x->etag_now);
    g_free(x);
}

static nsg_rc rb_load(struct rb *x, struct nsg_err *err)
{
    nsg_rc rc = read_doc(x->rollback, &x->captured, err);
    if (!rc)
        rc = read_doc(x->file, &x->applied, err);
    if (rc)
        return rc;
    x->id = cJSON_GetStringValue(
        cJSON_GetObjectItemCaseSensitive(x->captured, "id"));
    x->name = cJSON_GetStringValue(
        cJSON_GetObjectItemCaseSensitive(x->captured, "name"));
    if (!x->id || !x->name)
        return nsg_err_set(err, NSG_E_INPUT, "%s: no \"id\" and \"name\"",
                           x->rollback);
    return NSG_OK;
}

/* What a journal-less directory (enforce --out) holds: RG/NSG.json beside
 * RG/NSG.rollback.json. */
static nsg_rc scan_dir(const char *dir, GPtrArray *out, struct nsg_err *err)
{
    GDir *d = g_dir_open(dir, 0, NULL);
    const char *sub;
    GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
    if (!d)
        return nsg_err_set(err, NSG_E_INPUT, "%s: not a directory", dir);
    while ((sub = g_dir_read_name(d))) {
        char *p = g_build_filename(dir, sub, NULL);
        GDir *d2 = g_file_test(p, G_FILE_TEST_IS_DIR) ? g_dir_open(p, 0, NULL)
                                                       : NULL;
        const char *f;
        while (d2 && (f = g_dir_read_name(d2)))
            if (g_str_has_suffix(f, ".rollback.json"))
                g_ptr_array_add(names, g_build_filename(p, f, NULL));
        if (d2)
            g_dir_close(d2);
        g_free(p);
    }
    g_dir_close(d);
    g_ptr_array_sort(names, (GCompareFunc)g_strcmp0);
    for (guint i = 0; i < names->len; i++) {
        const char *rbk = *(char **)&names->pdata[i];
        struct rb *x = g_new0(struct rb, 1);
        x->rollback = g_strdup(rbk);
        x->file = g_strdup_printf("%.*s.json",
                                  (int)(strlen(rbk) - strlen(".rollback.json")),
                                  rbk);
        g_ptr_array_add(out, x);
    }
    g_ptr_array_free(names, TRUE);
    if (!out->len)
        return nsg_err_set(err, NSG_E_INPUT,
                           "%s holds no rollback copies (no %s, no "
                           "RESOURCE-GROUP/NSG.rollback.json)",
                           dir, NSG_APPLY_JOURNAL);
    return NSG_OK;
}

/* The states of a journal entry whose NSG the apply did not change. */
static bool untouched(const char *state)
{
    return state && (!strcmp(state, "not_sent") || !strcmp(state, "stale") ||
                     !strcmp(state, "conflict"));
}

struct rrun {
    const struct nsg_apply_opts *o;
    struct nsg_topology *t;
    struct nsg_slv *slv;
    struct nsg_cap_arm_session *s;
    cJSON *journal, *nsgs;
};

static void set_state(struct rb *x, const char *st)
{
    ap_set_str(x->rep, "state", st);
    if (x->jrn)
        ap_set_str(x->jrn, "rollback_state", st);
}

static void add_diff(struct rrun *r, struct rb *x, const cJSON *a,
                     const cJSON *b, const char *la, const char *lb,
                     const char *key)
{
    struct nsg_err e2 = NSG_ERR_INIT;
    cJSON *d = NULL;
    bool eq;
    if (ap_compare_json(r->t, r->slv, x->id, a, b, la, lb, &eq, &d, &e2))
        ap_set_str(x->rep, "diff_error", e2.msg);
    else
        cJSON_AddItemToObject(x->rep, key, d);
}

/* Does `now` decide as `doc`?  false when it cannot be told. */
static bool decides_as(struct rrun *r, struct rb *x, const cJSON *doc,
                       const cJSON *now)
{
    struct nsg_err e2 = NSG_ERR_INIT;
    cJSON *d = NULL;
    bool eq = false;
    if (ap_compare_json(r->t, r->slv, x->id, doc, now, "file", "Azure now",
                        &eq, &d, &e2))
        eq = false;
    cJSON_Delete(d);
    return eq;
}

/* Step 1: what does Azure hold?  *stale when it is neither what was
 * applied nor the rollback copy. */
static nsg_rc check_one(struct rrun *r, struct rb *x, bool *stale,
                        struct nsg_err *err)
{
    cJSON *now = NULL;
    const char *e, *cap = ap_etag(x->captured);
    nsg_rc rc = nsg_cap_arm_get(r->s, x->id, NSG_APPLY_API, &now, err);
    *stale = false;
    if (rc)
        return rc;
    e = ap_etag(now);
    x->etag_now = g_strdup(e);
    ap_set_str(x->rep, "etag_before", e);
    if (e && cap && !strcmp(e, cap)) {
        set_state(x, "unchanged"); /* Azure holds the captured version */
    } else if (e && x->etag_applied && !strcmp(e, x->etag_applied)) {
        x->send = true;
    } else if (decides_as(r, x, x->applied, now)) {
        x->send = true;
        ap_set_str(x->rep, "note", "the etag is not the one recorded when it "
                                   "was applied, but the NSG decides every "
                                   "packet as what was applied");
    } else if (decides_as(r, x, x->captured, now)) {
        set_state(x, "already_restored");
    } else {
        *stale = true;
        set_state(x, "changed");
        add_diff(r, x, x->applied, now, "applied", "Azure now", "diff");
    }
    cJSON_Delete(now);
    return NSG_OK;
}

static nsg_rc send_one(struct rrun *r, struct rb *x, enum nsg_apply_status *st,
                       struct nsg_err *err)
{
    struct nsg_cap_put put;
    cJSON *now = NULL;
    nsg_rc rc;
    set_state(x, "sent");
    rc = r->journal ? ap_journal_write(r->o->dir, r->journal, err) : NSG_OK;
    if (!rc)
        rc = nsg_cap_arm_put(r->s, x->id, NSG_APPLY_API, x->captured,
                             x->etag_now, &put, err);
    if (rc) {
        ap_set_str(x->rep, "error", err->msg);
        return rc;
    }
    cJSON_AddItemToObject(x->rep, "put", ap_put_json(&put));
    if (put.outcome == NSG_CAP_PUT_CONFLICT) {
        set_state(x, "conflict");
        ap_set_str(x->rep, "error", "the PUT was refused with 412 Precondition "
                                    "Failed: the NSG changed between the check "
                                    "and the PUT");
        *st = NSG_APPLY_CONFLICT;
    } else if (put.outcome == NSG_CAP_PUT_FAILED) {
        set_state(x, "failed");
        ap_set_str(x->rep, "error", put.error ? put.error : "the PUT failed");
        *st = NSG_APPLY_FAILED;
    } else {
        rc = nsg_cap_arm_get(r->s, x->id, NSG_APPLY_API, &now, err);
        if (rc) {
            ap_set_str(x->rep, "error", err->msg);
        } else {
            struct nsg_err e2 = NSG_ERR_INIT;
            cJSON *d = NULL;
            bool eq = false;
            ap_set_str(x->rep, "etag_after", ap_etag(now));
            if (ap_compare_json(r->t, r->slv, x->id, x->captured, now,
                                "rollback copy", "Azure after the PUT", &eq,
                                &d, &e2)) {
                set_state(x, "unverified");
                ap_set_str(x->rep, "error", e2.msg);
            } else {
                cJSON_AddItemToObject(x->rep, "verify", d);
                set_state(x, eq ? "restored" : "mismatch");
            }
            if (!eq)
                *st = NSG_APPLY_MISMATCH;
        }
    }
    nsg_cap_put_release(&put);
    cJSON_Delete(now);
    return rc;
}

static nsg_rc gather(struct rrun *r, GPtrArray *items, struct nsg_err *err)
{
    const char *dir = r->o->dir;
    const cJSON *e;
    nsg_rc rc = ap_journal_read(dir, &r->journal, err);
    if (rc == NSG_E_NOTFOUND)
        return scan_dir(dir, items, err);
    if (rc)
        return rc;
    cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(r->journal, "nsgs"))
    {
        const char *f = cJSON_GetStringValue(
            cJSON_GetObjectItemCaseSensitive(e, "file"));
        const char *b = cJSON_GetStringValue(
            cJSON_GetObjectItemCaseSensitive(e, "rollback"));
        struct rb *x;
        if (!f || !b || strstr(f, "..") || strstr(b, ".."))
            return nsg_err_set(err, NSG_E_INPUT,
                               "%s/%s: an entry without usable \"file\" and "
                               "\"rollback\"",
                               dir, NSG_APPLY_JOURNAL);
        x = g_new0(struct rb, 1);
        x->file = g_build_filename(dir, f, NULL);
        x->rollback = g_build_filename(dir, b, NULL);
        x->jrn = (cJSON *)e;
        x->etag_applied = cJSON_GetStringValue(
            cJSON_GetObjectItemCaseSensitive(e, "etag_applied"));
        g_ptr_array_add(items, x);
    }
    return NSG_OK;
}

nsg_rc nsg_apply_rollback(struct nsg_corpus *c, const struct nsg_apply_opts *o,
                          cJSON *report, enum nsg_apply_status *st,
                          struct nsg_err *err)
{
    struct rrun r;
    GPtrArray *items = g_ptr_array_new_with_free_func(rb_free);
    size_t n_stale = 0;
    nsg_rc rc;

    memset(&r, 0, sizeof(r));
    r.o = o;
    *st = NSG_APPLY_OK;
    cJSON_AddStringToObject(report, "status", "error");
    cJSON_AddStringToObject(report, "dir", o->dir);
    r.nsgs = cJSON_AddArrayToObject(report, "nsgs");
    rc = gather(&r, items, err);
    for (guint i = 0; !rc && i < items->len; i++) {
        struct rb *x = items->pdata[i];
        const char *js = x->jrn ? cJSON_GetStringValue(
                                      cJSON_GetObjectItemCaseSensitive(
                                          x->jrn, "state"))
                                : NULL;
        rc = rb_load(x, err);
        if (rc)
            break;
        x->rep = cJSON_CreateObject();
        cJSON_AddStringToObject(x->rep, "nsg", x->name);
        cJSON_AddStringToObject(x->rep, "id", x->id);
        {
            /* DIR/<resource-group>/<nsg>.rollback.json */
            char *d = g_path_get_dirname(x->rollback);
            char *rg = g_path_get_basename(d);
            cJSON_AddStringToObject(x->rep, "resource_group", rg);
            g_free(rg);
            g_free(d);
        }
        cJSON_AddStringToObject(x->rep, "rollback", x->rollback);
        ap_set_str(x->rep, "applied_state", js);
        cJSON_AddStringToObject(x->rep, "state",
                                untouched(js) ? "skipped" : "not_sent");
        cJSON_AddItemToArray(r.nsgs, x->rep);
    }
    if (!rc)
        rc = nsg_corpus_load(c, NSG_TIME_LATEST, &r.t, err);
    if (!rc)
        rc = nsg_cap_arm_open(&o->common, o->arm_endpoint, &r.s, err);
    if (rc)
        goto out;
    nsg_cap_arm_describe(r.s, report);
    r.slv = nsg_slv_new(o->timeout_ms);
    for (guint i = 0; !rc && i < items->len; i++) {
        struct rb *x = items->pdata[i];
        bool stale = false;
        if (strcmp(cJSON_GetStringValue(
                       cJSON_GetObjectItemCaseSensitive(x->rep, "state")),
                   "skipped"))
            rc = check_one(&r, x, &stale, err);
        n_stale += stale;
    }
    if (rc)
        goto out;
    if (n_stale) {
        *st = NSG_APPLY_STALE;
        goto out;
    }
    for (guint i = 0; !rc && *st == NSG_APPLY_OK && i < items->len; i++) {
        struct rb *x = items->pdata[i];
        if (x->send)
            rc = send_one(&r, x, st, err);
    }
    if (r.journal) {
        struct nsg_err e2 = NSG_ERR_INIT;
        nsg_rc jrc = ap_journal_write(o->dir, r.journal, &e2);
        if (jrc && !rc) {
            rc = jrc;
            *err = e2;
        }
    }
out:
    ap_set_str(report, "status", rc ? "error"
                                    : *st == NSG_APPLY_OK
                                        ? "restored"
                                        : nsg_apply_status_name(*st));
    if (r.s)
        nsg_cap_arm_http_report(r.s, report);
    g_ptr_array_free(items, TRUE);
    cJSON_Delete(r.journal);
    nsg_slv_free(r.slv);
    nsg_cap_arm_close(r.s);
    nsg_topo_free(r.t);
    return rc;
}
