/* imp_flowlog.c - nsg_imp_flowlogs: streams NSG (v1/v2) and VNet flow-log
 * files record by record into the aggregation table, writes one new
 * segment per import, and keeps a checkpoint per blob (offset and hash of
 * the last complete record read, plus a 64-bit hash of every record read)
 * in the manifest's "flows" section so that re-imports add only what is
 * new.  See docs/corpus-flows.md. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "imp_flowlog.h"

#define DEFAULT_ENTRIES (1u << 19) /* ~100 MB of table */
#define MAX_PROBLEMS 200
#define ZERO_GUID "00000000-0000-0000-0000-000000000000"

/* ---- record hashes ------------------------------------------------------ */

/* 64-bit hash of a record's bytes for the "seen" lists (hand-written: it
 * runs over every byte read; SHA-256 is kept for the one checkpointed
 * record per blob). */
static uint64_t hash64(const void *data, size_t n)
{
    const unsigned char *p = data;
    uint64_t h = 0x243F6A8885A308D3ull ^ (n * 0x9E3779B97F4A7C15ull);
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, p + i, 8);
        w *= 0x87c37b91114253d5ull;
        w = (w << 31) | (w >> 33);
        h = (h ^ w) * 0x4cf5ad432745937full;
        h = (h << 27) | (h >> 37);
    }
    for (; i < n; i++)
        h = (h ^ p[i]) * 0x100000001b3ull;
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    return h;
}

/* ---- import state ------------------------------------------------------- */

struct ctx {
    const struct nsg_topology *t;
    struct fl_agg *agg;
    cJSON *report;
    cJSON *problems;
    uint64_t n_problems;
    const char *file; /* current file (for problems) */
    /* counts */
    uint64_t files, records, records_skipped, records_bad, tuples,
        tuples_bad, admin_tuples, open_blobs, trailing;
    cJSON *open_list;
    GHashTable *unknown_nsg; /* id -> count (guint64 *) */
    GHashTable *unknown_mac;
    GHashTable *known;       /* "n:<id>" / "m:<mac>" / "a:<acl>" -> 1 or 2 */
    struct fl_record rec;
    struct fl_pipe *pipe; /* to the aggregation thread */
};

static void problem(struct ctx *x, uint64_t off, const char *what)
{
    x->n_problems++;
    if (cJSON_GetArraySize(x->problems) >= MAX_PROBLEMS)
        return;
    cJSON *p = cJSON_CreateObject();
    cJSON_AddStringToObject(p, "file", x->file);
    cJSON_AddNumberToObject(p, "offset", (double)off);
    cJSON_AddStringToObject(p, "problem", what);
    cJSON_AddItemToArray(x->problems, p);
}

static void scan_problem(void *ctx, uint64_t off, const char *what)
{
    problem(ctx, off, what);
}

static void count_unknown(GHashTable *h, const char *key, uint64_t n)
{
    guint64 *c = g_hash_table_lookup(h, key);
    if (!c) {
        c = g_new0(guint64, 1);
        g_hash_table_insert(h, g_strdup(key), c);
    }
    *c += n;
}

/* Is the NSG / MAC / aclID known to the topology?  Cached per string. */
static bool known(struct ctx *x, char kind, const char *s)
{
    char *key = g_strdup_printf("%c:%s", kind, s);
    gpointer v = g_hash_table_lookup(x->known, key);
    if (v) {
        g_free(key);
        return GPOINTER_TO_INT(v) == 1;
    }
    bool ok = false;
    if (kind == 'n')
        ok = nsg_topo_get(x->t, NSG_RES_NSG, s) != NULL;
    else if (kind == 'm')
        ok = nsg_topo_nic_by_mac(x->t, s) != NULL;
    else if (!strcmp(s, ZERO_GUID))
        ok = true; /* platform rules */
    else if (s[0] == '/')
        ok = nsg_topo_get(x->t, NSG_RES_NSG, s) != NULL;
    else
        ok = nsg_topo_nsg_by_guid(x->t, s) != NULL;
    g_hash_table_insert(x->known, key, GINT_TO_POINTER(ok ? 1 : 2));
    return ok;
}

static bool is_admin_rule(const char *rule)
{
    if (!rule)
        return false;
    return strncmp(rule, "UserRule_", 9) && strncmp(rule, "DefaultRule_", 12) &&
           strcmp(rule, "PlatformRule");
}

static void ip_bytes(const struct nsg_ip *ip, uint8_t *fam, uint8_t out[16])
{
    size_t n = ip->family == 6 ? 16 : 4;
    if (n == 4) {
        uint32_t v = (uint32_t)ip->v;
        *fam = 4;
        out[0] = (uint8_t)(v >> 24);
        out[1] = (uint8_t)(v >> 16);
        out[2] = (uint8_t)(v >> 8);
        out[3] = (uint8_t)v;
        return;
    }
    nsg_u128 v = ip->v;
    *fam = ip->family;
    for (size_t i = 0; i < n; i++) {
        out[n - 1 - i] = (uint8_t)(v & 0xff);
        v >>= 8;
    }
}

static bool mac_bytes(const char *mac, uint8_t out[6])
{
    char norm[13];
    if (!mac || nsg_mac_normalize(mac, norm))
        return false;
    for (int i = 0; i < 6; i++) {
        unsigned hi = (unsigned)g_ascii_xdigit_value(norm[2 * i]);
        unsigned lo = (unsigned)g_ascii_xdigit_value(norm[2 * i + 1]);
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    return true;
}

/* Per flow group: what every tuple of the group shares. */
struct group {
    uint32_t frame;
    struct nsg_flowrec base;
    bool admin, unknown_nsg, unknown_mac;
    const char *nsg_key, *mac_key;
    char mac_norm[13];
};

static void group_setup(struct ctx *x, const struct fl_record *r,
                        uint32_t frame, struct group *g)
{
    const char *rule, *mac, *acl;
    fl_record_context(r, frame, &rule, &mac, &acl);
    memset(g, 0, sizeof(*g));
    g->frame = frame;
    g->base.rule = fl_agg_intern(x->agg, rule);
    g->base.has_mac = mac_bytes(mac, g->base.mac);
    if (r->vnet) {
        g->base.acl = fl_agg_intern(x->agg, acl);
        g->base.target = fl_agg_intern(x->agg, r->target);
        g->admin = is_admin_rule(rule);
        g->nsg_key = acl;
        g->unknown_nsg = x->t && acl && !known(x, 'a', acl);
    } else {
        g->base.nsg = fl_agg_intern(x->agg, r->resource_id);
        g->admin = is_admin_rule(rule);
        g->nsg_key = r->resource_id;
        g->unknown_nsg = x->t && r->resource_id &&
                         !known(x, 'n', r->resource_id);
    }
    /* unknown MACs are reported normalized (one entry per NIC) */
    g->mac_key = mac && !nsg_mac_normalize(mac, g->mac_norm) ? g->mac_norm
                                                             : mac;
    g->unknown_mac = x->t && mac && !known(x, 'm', g->mac_key);
}

/* Tokenize and aggregate every tuple of the record. */
static nsg_rc record_tuples(struct ctx *x, uint64_t rec_off,
                            struct nsg_err *err)
{
    const struct fl_record *r = &x->rec;
    enum fl_kind kind = r->vnet ? FL_KIND_VNET : FL_KIND_NSG;
    struct group g;
    GArray *batch = fl_pipe_batch(x->pipe);
    bool have_g = false;
    uint64_t n_nsg_unknown = 0, n_mac_unknown = 0;
    const char *last_nsg = NULL, *last_mac = NULL;

    for (guint i = 0; i < r->spans->len; i++) {
        const struct fl_span *sp = &g_array_index(r->spans, struct fl_span, i);
        struct fl_tuple tu;
        const char *why;
        x->tuples++;
        if (!have_g || g.frame != sp->frame) {
            if (have_g && n_nsg_unknown)
                count_unknown(x->unknown_nsg, last_nsg, n_nsg_unknown);
            if (have_g && n_mac_unknown)
                count_unknown(x->unknown_mac, last_mac, n_mac_unknown);
            n_nsg_unknown = n_mac_unknown = 0;
            group_setup(x, r, sp->frame, &g);
            have_g = true;
            last_nsg = g.nsg_key;
            last_mac = g.mac_key;
        }
        if (fl_tuple_parse(sp->p, sp->len, kind, &tu, &why)) {
            char msg[256];
            uint64_t off = rec_off;
            if (sp->p >= r->text && sp->p < r->text + r->len)
                off += (uint64_t)(sp->p - r->text);
            snprintf(msg, sizeof(msg), "bad flow tuple \"%.*s\": %s",
                     (int)(sp->len > 80 ? 80 : sp->len), sp->p, why);
            problem(x, off, msg);
            x->tuples_bad++;
            continue;
        }
        struct nsg_flowrec fr = g.base;
        fr.version = tu.version;
        fr.dir = tu.dir;
        fr.proto = tu.proto;
        fr.decision = (uint8_t)tu.decision;
        fr.state = (uint8_t)tu.state;
        ip_bytes(&tu.src, &fr.src_fam, fr.src);
        ip_bytes(&tu.dst, &fr.dst_fam, fr.dst);
        fr.sport = tu.sport;
        fr.dport = tu.dport;
        fr.first_seen = fr.last_seen = tu.time;
        fr.count = 1;
        fr.packets_sd = tu.c[0];
        fr.bytes_sd = tu.c[1];
        fr.packets_ds = tu.c[2];
        fr.bytes_ds = tu.c[3];
        if (g.admin)
            x->admin_tuples++;
        if (g.unknown_nsg)
            n_nsg_unknown++;
        if (g.unknown_mac)
            n_mac_unknown++;
        g_array_append_val(batch, fr);
    }
    nsg_rc rc = fl_pipe_send(x->pipe, false, err);
    if (rc)
        return rc;
    if (have_g && n_nsg_unknown)
        count_unknown(x->unknown_nsg, last_nsg, n_nsg_unknown);
    if (have_g && n_mac_unknown)
        count_unknown(x->unknown_mac, last_mac, n_mac_unknown);
    return NSG_OK;
}

/* ---- blobs and checkpoints ---------------------------------------------- */

char *fl_blob_key(const char *path)
{
    const char *marks[] = {"resourceId=", "flowLogResourceID="};
    for (size_t i = 0; i < 2; i++) {
        const char *p = strcasestr(path, marks[i]);
        if (p) {
            /* collapse "//" so that paths differing only there match */
            GString *g = g_string_new(NULL);
            for (; *p; p++)
                if (!(*p == '/' && g->len && g->str[g->len - 1] == '/'))
                    g_string_append_c(g, g_ascii_tolower(*p));
            return g_string_free(g, FALSE);
        }
    }
    char *rp = realpath(path, NULL);
    char *out = nsg_xstrdup(rp ? rp : path);
    free(rp);
    return out;
}

static uint64_t num_of(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsNumber(v) && v->valuedouble > 0 ? (uint64_t)v->valuedouble
                                                   : 0;
}

/* SHA-256 of `len` bytes at `off` of path (the checkpointed record). */
static int sha_at(const char *path, uint64_t off, size_t len, char out[65])
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    char *b = nsg_xmalloc(len + 1);
    ssize_t k = pread(fd, b, len, (off_t)off);
    close(fd);
    if (k != (ssize_t)len) {
        free(b);
        return -1;
    }
    nsg_sha256_hex(b, len, out);
    free(b);
    return 0;
}

struct blob_state {
    bool in_list; /* in: resume inside a list; out: the file is a list */
    uint64_t last_off, last_len, records;
    GString *seen; /* 16 hex digits per record */
    bool any;
};

/* Read one file from `start`; skip_first: the record at start is the
 * checkpointed one (verified by hash); seen: hashes to skip (fallback). */
static nsg_rc read_blob(struct ctx *x, const char *path, uint64_t start,
                        const char *want_sha, GHashTable *seen,
                        struct blob_state *bs, bool *resumed, bool *closed,
                        struct nsg_err *err)
{
    struct fl_scanner *sc = NULL;
    const char *text;
    size_t len;
    uint64_t off;
    nsg_rc rc = fl_scan_open(path, start, bs->in_list, scan_problem, x, &sc,
                             err);
    bool first = true;
    int k;
    if (rc)
        return rc;
    *resumed = false;
    while ((k = fl_scan_next(sc, &text, &len, &off, err)) == 1) {
        if (first && want_sha) {
            char sha[65];
            first = false;
            if (off != start) {
                rc = -1;
                break;
            }
            nsg_sha256_hex(text, len, sha);
            if (strcmp(sha, want_sha)) {
                rc = -1;
                break;
            }
            *resumed = true;
            continue;
        }
        first = false;
        uint64_t h = hash64(text, len);
        if (seen && g_hash_table_contains(seen, &h)) {
            x->records_skipped++;
            continue;
        }
        size_t where;
        const char *why;
        if (fl_record_parse(&x->rec, text, len, &where, &why)) {
            char msg[200];
            snprintf(msg, sizeof(msg), "corrupt record (%s at record byte "
                     "%zu); skipped", why, where);
            problem(x, off + where, msg);
            x->records_bad++;
            fl_scan_resync(sc);
            continue;
        }
        if (x->rec.n_trailing) {
            x->trailing++;
            problem(x, off + x->rec.trailing_off,
                    "trailing comma inside a record (not standard JSON; "
                    "accepted)");
        }
        x->records++;
        g_string_append_printf(bs->seen, "%016" PRIx64, h);
        bs->records++;
        bs->last_off = off;
        bs->last_len = len;
        bs->any = true;
        rc = record_tuples(x, off, err);
        if (rc)
            break;
    }
    if (!rc && k < 0)
        rc = err ? err->code : NSG_E_IO;
    if (want_sha && !*resumed && (rc == 0 || rc == (nsg_rc)-1)) {
        fl_scan_close(sc);
        return -1; /* the checkpoint does not match: caller falls back */
    }
    *closed = fl_scan_closed(sc);
    bs->in_list = fl_scan_in_list(sc);
    fl_scan_close(sc);
    return rc;
}

static void add_seen(GHashTable *seen, const char *hex)
{
    size_t n = hex ? strlen(hex) : 0;
    for (size_t i = 0; i + 16 <= n; i += 16) {
        char tmp[17];
        memcpy(tmp, hex + i, 16);
        tmp[16] = '\0';
        gint64 *v = g_new(gint64, 1);
        *v = (gint64)strtoull(tmp, NULL, 16);
        g_hash_table_add(seen, v);
    }
}

static nsg_rc import_file(struct ctx *x, const char *path, cJSON *blobs,
                          struct nsg_err *err)
{
    char *key = fl_blob_key(path);
    cJSON *cp = cJSON_GetObjectItemCaseSensitive(blobs, key);
    struct blob_state bs = {false, 0, 0, 0, g_string_new(NULL), false};
    bool resumed = false, closed = false;
    GHashTable *seen = NULL;
    nsg_rc rc;

    x->file = path;
    x->files++;
    if (cp) {
        const cJSON *h = cJSON_GetObjectItemCaseSensitive(cp, "hash");
        uint64_t off = num_of(cp, "offset");
        bs.in_list = !cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(cp,
                                                                     "list"));
        rc = cJSON_IsString(h) ? read_blob(x, path, off, h->valuestring, NULL,
                                           &bs, &resumed, &closed, err)
                               : -1;
        if (rc == (nsg_rc)-1) {
            /* the blob changed under its checkpoint: re-read it all,
             * skipping the records already imported (by hash) */
            const cJSON *sv = cJSON_GetObjectItemCaseSensitive(cp, "seen");
            seen = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free,
                                         NULL);
            add_seen(seen, cJSON_IsString(sv) ? sv->valuestring : NULL);
            problem(x, off, "blob changed since its checkpoint: re-read, "
                            "skipping records already imported");
            g_string_truncate(bs.seen, 0);
            bs.records = 0;
            bs.in_list = false;
            rc = read_blob(x, path, 0, NULL, seen, &bs, &resumed, &closed,
                           err);
        }
    } else {
        rc = read_blob(x, path, 0, NULL, NULL, &bs, &resumed, &closed, err);
    }
    if (rc)
        goto out;
    if (!closed) {
        x->open_blobs++;
        cJSON_AddItemToArray(x->open_list, cJSON_CreateString(path));
    }
    /* update the checkpoint */
    if (!cp) {
        cp = cJSON_CreateObject();
        cJSON_AddItemToObject(blobs, key, cp);
    }
    if (bs.any) {
        char sha[65];
        if (sha_at(path, bs.last_off, (size_t)bs.last_len, sha)) {
            rc = nsg_err_set(err, NSG_E_IO, "%s: cannot re-read record at "
                             "offset %" PRIu64, path, bs.last_off);
            goto out;
        }
        const cJSON *old_seen = cJSON_GetObjectItemCaseSensitive(cp, "seen");
        GString *all = g_string_new(
            cJSON_IsString(old_seen) ? old_seen->valuestring : "");
        g_string_append(all, bs.seen->str);
        uint64_t nrec = num_of(cp, "records") + bs.records;
        cJSON_DeleteItemFromObjectCaseSensitive(cp, "offset");
        cJSON_DeleteItemFromObjectCaseSensitive(cp, "length");
        cJSON_DeleteItemFromObjectCaseSensitive(cp, "hash");
        cJSON_DeleteItemFromObjectCaseSensitive(cp, "records");
        cJSON_DeleteItemFromObjectCaseSensitive(cp, "seen");
        cJSON_AddNumberToObject(cp, "offset", (double)bs.last_off);
        cJSON_AddNumberToObject(cp, "length", (double)bs.last_len);
        cJSON_AddStringToObject(cp, "hash", sha);
        cJSON_AddNumberToObject(cp, "records", (double)nrec);
        cJSON_AddStringToObject(cp, "seen", all->str);
        g_string_free(all, TRUE);
    }
    cJSON_DeleteItemFromObjectCaseSensitive(cp, "closed");
    cJSON_DeleteItemFromObjectCaseSensitive(cp, "list");
    cJSON_AddBoolToObject(cp, "closed", closed);
    cJSON_AddBoolToObject(cp, "list", bs.in_list);
out:
    if (seen)
        g_hash_table_destroy(seen);
    g_string_free(bs.seen, TRUE);
    free(key);
    return rc;
}

/* ---- inputs ------------------------------------------------------------- */

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static nsg_rc walk_dir(const char *dir, GPtrArray *out, struct nsg_err *err)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
    nsg_rc rc = NSG_OK;
    if (!d)
        return nsg_err_set(err, NSG_E_IO, "%s: %s", dir, strerror(errno));
    while ((e = readdir(d)))
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
            g_ptr_array_add(names, g_build_filename(dir, e->d_name, NULL));
    closedir(d);
    if (names->len)
        qsort(names->pdata, names->len, sizeof(char *), cmp_str);
    for (guint i = 0; !rc && i < names->len; i++) {
        const char *p = names->pdata[i];
        struct stat st;
        if (stat(p, &st))
            continue;
        if (S_ISDIR(st.st_mode))
            rc = walk_dir(p, out, err);
        else if (S_ISREG(st.st_mode) && g_str_has_suffix(p, ".json"))
            g_ptr_array_add(out, g_strdup(p));
    }
    g_ptr_array_free(names, TRUE);
    return rc;
}

static void add_unknown(cJSON *report, const char *name, GHashTable *h,
                        const char *field)
{
    cJSON *arr = cJSON_AddArrayToObject(report, name);
    GList *keys = g_list_sort(g_hash_table_get_keys(h), (GCompareFunc)strcmp);
    for (GList *l = keys; l; l = l->next) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, field, l->data);
        cJSON_AddNumberToObject(o, "tuples",
                                (double)*(guint64 *)g_hash_table_lookup(
                                    h, l->data));
        cJSON_AddItemToArray(arr, o);
    }
    g_list_free(keys);
}

static cJSON *section_child(cJSON *sec, const char *name, bool array)
{
    cJSON *c = cJSON_GetObjectItemCaseSensitive(sec, name);
    if (c && (array ? cJSON_IsArray(c) : cJSON_IsObject(c)))
        return c;
    cJSON_DeleteItemFromObjectCaseSensitive(sec, name);
    c = array ? cJSON_CreateArray() : cJSON_CreateObject();
    cJSON_AddItemToObject(sec, name, c);
    return c;
}

nsg_rc fl_import(struct nsg_txn *txn, struct nsg_corpus *c,
                 const struct nsg_topology *t, const char *const *paths,
                 size_t n_paths, cJSON *report, const struct fl_options *opt,
                 struct nsg_err *err)
{
    struct ctx x;
    GPtrArray *files = g_ptr_array_new_with_free_func(g_free);
    char *seg_abs = NULL, *seg_rel = NULL, *tmpdir = NULL;
    uint64_t n_flows = 0, n_bytes = 0;
    nsg_rc rc = NSG_OK;
    (void)c;

    memset(&x, 0, sizeof(x));
    x.t = t;
    x.report = report;
    x.problems = cJSON_CreateArray();
    x.open_list = cJSON_CreateArray();
    x.unknown_nsg = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                                          g_free);
    x.unknown_mac = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                                          g_free);
    x.known = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    fl_record_init(&x.rec);

    for (size_t i = 0; !rc && i < n_paths; i++) {
        struct stat st;
        if (stat(paths[i], &st))
            rc = nsg_err_set(err, NSG_E_IO, "%s: %s", paths[i],
                             strerror(errno));
        else if (S_ISDIR(st.st_mode))
            rc = walk_dir(paths[i], files, err);
        else
            g_ptr_array_add(files, g_strdup(paths[i]));
    }
    if (rc)
        goto out;

    cJSON *sec = nsg_txn_section(txn, "flows");
    cJSON *blobs = section_child(sec, "blobs", false);
    cJSON *segs = section_child(sec, "segments", true);
    if (!cJSON_GetObjectItemCaseSensitive(sec, "format"))
        cJSON_AddNumberToObject(sec, "format", NSG_FLOWSEG_VERSION);

    /* the new segment's name first: spill runs go beside it (same file
     * system, inside the corpus, never in a RAM-backed /tmp) */
    rc = nsg_txn_new_file(txn, "flows", ".seg", &seg_abs, &seg_rel, err);
    if (rc)
        goto out;
    tmpdir = g_path_get_dirname(seg_abs);
    x.agg = fl_agg_new(opt && opt->max_entries ? opt->max_entries
                                               : DEFAULT_ENTRIES,
                       tmpdir);
    x.pipe = fl_pipe_start(x.agg);
    for (guint i = 0; !rc && i < files->len; i++)
        rc = import_file(&x, files->pdata[i], blobs, err);
    if (rc)
        goto out;
    rc = fl_pipe_finish(x.pipe, err);
    x.pipe = NULL;
    if (rc)
        goto out;
    size_t runs = fl_agg_runs(x.agg);
    if (fl_agg_pending(x.agg)) {
        rc = fl_agg_finish(x.agg, seg_abs, &n_flows, &n_bytes, err);
        if (rc)
            goto out;
        cJSON *s = cJSON_CreateObject();
        cJSON_AddStringToObject(s, "name", seg_rel);
        cJSON_AddNumberToObject(s, "flows", (double)n_flows);
        cJSON_AddNumberToObject(s, "tuples",
                                (double)fl_agg_pending(x.agg));
        cJSON_AddNumberToObject(s, "bytes", (double)n_bytes);
        cJSON_AddNumberToObject(s, "created", (double)time(NULL));
        cJSON_AddItemToArray(segs, s);
    }

    cJSON_AddNumberToObject(report, "files", (double)x.files);
    cJSON_AddNumberToObject(report, "records", (double)x.records);
    cJSON_AddNumberToObject(report, "records_already_imported",
                            (double)x.records_skipped);
    cJSON_AddNumberToObject(report, "records_bad", (double)x.records_bad);
    cJSON_AddNumberToObject(report, "tuples", (double)x.tuples);
    cJSON_AddNumberToObject(report, "tuples_bad", (double)x.tuples_bad);
    cJSON_AddNumberToObject(report, "flows_written", (double)n_flows);
    cJSON_AddStringToObject(report, "segment",
                            n_flows || fl_agg_pending(x.agg) ? seg_rel : "");
    cJSON_AddNumberToObject(report, "spill_runs", (double)runs);
    cJSON_AddNumberToObject(report, "admin_rule_tuples",
                            (double)x.admin_tuples);
    cJSON_AddNumberToObject(report, "open_blobs", (double)x.open_blobs);
    cJSON_AddItemToObject(report, "open_blob_files", x.open_list);
    x.open_list = NULL;
    if (t) {
        add_unknown(report, "unknown_nsgs", x.unknown_nsg, "nsg");
        add_unknown(report, "unknown_macs", x.unknown_mac, "mac");
    }
    cJSON_AddNumberToObject(report, "problems_total", (double)x.n_problems);
    cJSON_AddItemToObject(report, "problems", x.problems);
    x.problems = NULL;
out:
    if (rc && seg_abs)
        unlink(seg_abs);
    if (x.pipe) {
        struct nsg_err ignored = NSG_ERR_INIT;
        nsg_rc ignored_rc = fl_pipe_finish(x.pipe, &ignored); /* rc wins */
        (void)ignored_rc;
    }
    fl_agg_free(x.agg);
    fl_record_release(&x.rec);
    g_hash_table_destroy(x.unknown_nsg);
    g_hash_table_destroy(x.unknown_mac);
    g_hash_table_destroy(x.known);
    cJSON_Delete(x.problems);
    cJSON_Delete(x.open_list);
    g_ptr_array_free(files, TRUE);
    free(seg_abs);
    free(seg_rel);
    g_free(tmpdir);
    return rc;
}

nsg_rc nsg_imp_flowlogs(struct nsg_txn *txn, struct nsg_corpus *c,
                        const struct nsg_topology *t, const char *const *paths,
                        size_t n_paths, cJSON *report, struct nsg_err *err)
{
    struct fl_options opt = {0};
    cJSON *scratch = NULL;
    nsg_rc rc;
    if (!report)
        report = scratch = cJSON_CreateObject();
    const char *env = getenv("NSGPROOF_FLOW_TABLE");
    if (env && *env)
        opt.max_entries = (size_t)strtoull(env, NULL, 10);
    rc = fl_import(txn, c, t, paths, n_paths, report, &opt, err);
    cJSON_Delete(scratch);
    return rc;
}
