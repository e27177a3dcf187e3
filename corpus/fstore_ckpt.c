/* fstore_ckpt.c - blob checkpoints of the flow store.  The manifest's
 * "flows" section names side files under flows/ckpt/ (with their SHA-256):
 * "final" files hold blobs that can no longer change (offset, length and
 * SHA-256 of the last record, whole-file hash), written once and merged
 * when there are more than FINAL_FILES_MAX of them; one "open" file holds
 * the other blobs with a 64-bit hash of every record read, rewritten when
 * it changes.  So an import rewrites the small open file and adds at most
 * one final file, and the manifest no longer grows with every record.  A
 * corpus of section format 1 (checkpoints in its "blobs" object) is read
 * the same way and converted by the next write.  See docs/corpus-flows.md. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <xxhash.h>

#include "fstore_int.h"

#define FINAL_FILES_MAX 8
#define NUM_MAX 9007199254740992.0 /* 2^53: exact in a JSON double */

struct entry {
    struct nsg_fstore_ckpt cp; /* cp.seen points into seen */
    uint64_t *seen;
    bool dirty; /* put since loading: goes into the next files */
};

struct nsg_fstore_ckpts {
    GHashTable *map; /* key (owned) -> struct entry * (owned) */
    cJSON *files;    /* the section's "checkpoints" list as loaded */
    bool legacy;     /* loaded from the section's "blobs" (format 1) */
    bool changed;    /* some put changed something */
};

/* ---- names and hashes --------------------------------------------------- */

char *nsg_fstore_blob_key(const char *name)
{
    static const char *const marks[] = {"resourceId=", "flowLogResourceID="};
    for (size_t i = 0; i < 2; i++) {
        const char *p = strcasestr(name, marks[i]);
        if (!p)
            continue;
        GString *g = g_string_new(NULL);
        for (; *p; p++) /* collapse "//": such paths name the same blob */
            if (!(*p == '/' && g->len && g->str[g->len - 1] == '/'))
                g_string_append_c(g, g_ascii_tolower(*p));
        return g_string_free(g, FALSE);
    }
    return NULL;
}

/* Read a "/x=NNNN" field of a blob key; -1 when absent. */
static long key_field(const char *key, const char *name)
{
    char pat[8];
    snprintf(pat, sizeof(pat), "/%s=", name);
    const char *p = strstr(key, pat);
    if (!p)
        return -1;
    p += strlen(pat);
    long v = 0;
    int digits = 0;
    for (; *p >= '0' && *p <= '9' && digits < 5; p++, digits++)
        v = v * 10 + (*p - '0');
    return digits && (*p == '/' || !*p) ? v : -1;
}

bool nsg_fstore_blob_final(const char *key, bool closed, int64_t now)
{
    if (!closed || !key)
        return false;
    if (!strncmp(key, NSG_FSTORE_CONTENT_KEY, strlen(NSG_FSTORE_CONTENT_KEY)))
        return true; /* named by its content: it never changes */
    /* the hour: ".../y=2026/m=11/d=20/h=13/m=00/..." (m= twice: the first
     * after y= is the month) */
    const char *y = strstr(key, "/y=");
    if (!y)
        return false;
    long year = key_field(y, "y"), mon = key_field(y, "m"),
         day = key_field(y, "d"), hour = key_field(y, "h");
    if (year < 1970 || year > 9999 || mon < 1 || mon > 12 || day < 1 ||
        day > 31 || hour < 0 || hour > 23)
        return false;
    struct tm tm = {0};
    tm.tm_year = (int)year - 1900;
    tm.tm_mon = (int)mon - 1;
    tm.tm_mday = (int)day;
    tm.tm_hour = (int)hour;
    int64_t start = (int64_t)timegm(&tm);
    return now >= start + 3600 + NSG_FSTORE_FINAL_AFTER;
}

/* Hand-written rather than a library hash: it runs over every record's
 * bytes, and the values are stored, so they must never change. */
uint64_t nsg_fstore_record_hash(const void *data, size_t n)
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

/* XXH3 (libxxhash) for the whole-file hash: every byte of every blob goes
 * through it, at ~10 GB/s; SHA-256 would cost a sixth of the import. */
struct nsg_fstore_fhash {
    XXH3_state_t *st;
};

struct nsg_fstore_fhash *nsg_fstore_fhash_new(void)
{
    struct nsg_fstore_fhash *h = nsg_xmalloc(sizeof(*h));
    h->st = XXH3_createState();
    if (!h->st)
        abort(); /* out of memory, as nsg_xmalloc */
    XXH3_128bits_reset(h->st);
    return h;
}

void nsg_fstore_fhash_update(struct nsg_fstore_fhash *h, const void *data,
                             size_t len)
{
    XXH3_128bits_update(h->st, data, len);
}

void nsg_fstore_fhash_final(struct nsg_fstore_fhash *h, char out[48])
{
    XXH128_canonical_t c;
    XXH128_canonicalFromHash(&c, XXH3_128bits_digest(h->st));
    memcpy(out, "xxh3-128:", 9);
    for (int i = 0; i < 16; i++)
        snprintf(out + 9 + 2 * i, 3, "%02x", c.digest[i]);
    nsg_fstore_fhash_free(h);
}

void nsg_fstore_fhash_free(struct nsg_fstore_fhash *h)
{
    if (!h)
        return;
    XXH3_freeState(h->st);
    free(h);
}

/* ---- entries ------------------------------------------------------------ */

static void entry_free(gpointer p)
{
    struct entry *e = p;
    free(e->seen);
    free(e);
}

static bool is_hex(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!g_ascii_isxdigit(s[i]) || g_ascii_isupper(s[i]))
            return false;
    return true;
}

/* A non-negative integral number member <= max; absent is 0. */
static nsg_rc get_num(const cJSON *o, const char *k, double max, uint64_t *out,
                      const char *where, const char *key, struct nsg_err *err)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    *out = 0;
    if (!v)
        return NSG_OK;
    if (!cJSON_IsNumber(v) || v->valuedouble < 0 || v->valuedouble > max ||
        v->valuedouble != (double)(uint64_t)v->valuedouble)
        return nsg_err_set(err, NSG_E_INPUT,
                           "%s: blob \"%s\": %s is not a whole number from 0 "
                           "to %.0f",
                           where, key, k, max);
    *out = (uint64_t)v->valuedouble;
    return NSG_OK;
}

/* Parse one checkpoint object (`where` names the file in errors). */
static nsg_rc entry_parse(const cJSON *o, const char *key, const char *where,
                          struct entry **out, struct nsg_err *err)
{
    struct entry *e = nsg_xcalloc(1, sizeof(*e));
    struct nsg_fstore_ckpt *cp = &e->cp;
    const cJSON *h = cJSON_GetObjectItemCaseSensitive(o, "hash");
    const cJSON *fh = cJSON_GetObjectItemCaseSensitive(o, "file_hash");
    const cJSON *sv = cJSON_GetObjectItemCaseSensitive(o, "seen");
    nsg_rc rc = NSG_OK;

    *out = NULL;
    if (!cJSON_IsObject(o))
        rc = nsg_err_set(err, NSG_E_INPUT, "%s: blob \"%s\": not an object",
                         where, key);
    if (!rc)
        rc = get_num(o, "offset", NUM_MAX, &cp->offset, where, key, err);
    if (!rc)
        rc = get_num(o, "length", NSG_FSTORE_MAX_RECORD, &cp->length, where,
                     key, err);
    if (!rc)
        rc = get_num(o, "records", NUM_MAX, &cp->records, where, key, err);
    if (!rc)
        rc = get_num(o, "size", NUM_MAX, &cp->size, where, key, err);
    if (!rc && h && !(cJSON_IsString(h) && nsg_corpus_is_sha(h->valuestring)))
        rc = nsg_err_set(err, NSG_E_INPUT,
                         "%s: blob \"%s\": hash is not a SHA-256 (64 "
                         "lower-case hex digits)",
                         where, key);
    if (!rc && fh &&
        !(cJSON_IsString(fh) && strlen(fh->valuestring) == 41 &&
          !strncmp(fh->valuestring, "xxh3-128:", 9) &&
          is_hex(fh->valuestring + 9, 32)))
        rc = nsg_err_set(err, NSG_E_INPUT,
                         "%s: blob \"%s\": file_hash is not \"xxh3-128:\" "
                         "and 32 hex digits",
                         where, key);
    size_t sl = cJSON_IsString(sv) ? strlen(sv->valuestring) : 0;
    if (!rc && sv &&
        (!cJSON_IsString(sv) || sl % 16 || !is_hex(sv->valuestring, sl)))
        rc = nsg_err_set(err, NSG_E_INPUT,
                         "%s: blob \"%s\": seen is not a string of 16-digit "
                         "hex hashes",
                         where, key);
    if (rc) {
        entry_free(e);
        return rc;
    }
    if (h)
        memcpy(cp->hash, h->valuestring, 65);
    if (fh)
        memcpy(cp->file_hash, fh->valuestring, 42);
    cp->list = !cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(o, "list"));
    cp->closed = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "closed"));
    cp->final = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "final"));
    e->seen = nsg_xcalloc(sl / 16 + 1, sizeof(uint64_t));
    for (size_t i = 0; i + 16 <= sl; i += 16) {
        char tmp[17];
        memcpy(tmp, sv->valuestring + i, 16);
        tmp[16] = '\0';
        e->seen[i / 16] = strtoull(tmp, NULL, 16);
    }
    cp->n_seen = sl / 16;
    cp->seen = e->seen;
    *out = e;
    return NSG_OK;
}

static cJSON *entry_json(const struct entry *e)
{
    const struct nsg_fstore_ckpt *cp = &e->cp;
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "offset", (double)cp->offset);
    cJSON_AddNumberToObject(o, "length", (double)cp->length);
    if (cp->hash[0])
        cJSON_AddStringToObject(o, "hash", cp->hash);
    cJSON_AddNumberToObject(o, "records", (double)cp->records);
    cJSON_AddBoolToObject(o, "list", cp->list);
    cJSON_AddBoolToObject(o, "closed", cp->closed);
    cJSON_AddBoolToObject(o, "final", cp->final);
    if (cp->size)
        cJSON_AddNumberToObject(o, "size", (double)cp->size);
    if (cp->file_hash[0])
        cJSON_AddStringToObject(o, "file_hash", cp->file_hash);
    if (!cp->final) {
        char *hex = nsg_xmalloc(cp->n_seen * 16 + 1);
        for (size_t i = 0; i < cp->n_seen; i++)
            snprintf(hex + 16 * i, 17, "%016llx",
                     (unsigned long long)cp->seen[i]);
        hex[cp->n_seen * 16] = '\0';
        cJSON_AddStringToObject(o, "seen", hex);
        free(hex);
    }
    return o;
}

/* Put e under key (replacing what was there). */
static void map_set(struct nsg_fstore_ckpts *s, const char *key,
                    struct entry *e)
{
    g_hash_table_replace(s->map, nsg_xstrdup(key), e);
}

/* ---- loading ------------------------------------------------------------ */

/* Add every blob of a {"blobs": {...}} object to s (NULL: only check
 * them); *n (may be NULL) counts them. */
static nsg_rc load_blobs(struct nsg_fstore_ckpts *s, const cJSON *blobs,
                         const char *where, bool dirty, size_t *n,
                         struct nsg_err *err)
{
    const cJSON *b;
    if (!cJSON_IsObject(blobs))
        return nsg_err_set(err, NSG_E_INPUT, "%s: blobs is not an object",
                           where);
    cJSON_ArrayForEach(b, blobs)
    {
        struct entry *e;
        nsg_rc rc = entry_parse(b, b->string, where, &e, err);
        if (rc)
            return rc;
        if (n)
            (*n)++;
        if (!s) {
            entry_free(e);
            continue;
        }
        e->dirty = dirty;
        map_set(s, b->string, e);
    }
    return NSG_OK;
}

nsg_rc nsg_fstore_ckpts_check(const cJSON *blobs, const char *where, size_t *n,
                              struct nsg_err *err)
{
    *n = 0;
    return load_blobs(NULL, blobs, where, false, n, err);
}

/* Read and check one side file named by the section. */
static nsg_rc load_file(struct nsg_corpus *c, struct nsg_fstore_ckpts *s,
                        const cJSON *f, size_t i, struct nsg_err *err)
{
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(f, "name");
    const cJSON *sha = cJSON_GetObjectItemCaseSensitive(f, "sha256");
    struct nsg_buf b = NSG_BUF_INIT;
    char got[65];
    nsg_rc rc = NSG_OK;
    char *path = NULL;
    cJSON *doc = NULL;

    if (!cJSON_IsString(name) ||
        !nsg_corpus_safe_rel(name->valuestring, NSG_FSTORE_CKPT_DIR))
        return nsg_err_set(err, NSG_E_INPUT,
                           "manifest.json: $.sections.flows.checkpoints[%zu]"
                           ".name: not a file under " NSG_FSTORE_CKPT_DIR "/",
                           i);
    path = nsg_corpus_path(c, name->valuestring);
    rc = nsg_buf_read_file(&b, path, NSG_FSTORE_CKPT_MAX_BYTES, err);
    if (rc) {
        nsg_err_prefix(err, "corpus %s: checkpoint file %s", nsg_corpus_dir(c),
                       name->valuestring);
        goto out;
    }
    nsg_sha256_hex(b.buf ? b.buf : "", b.len, got);
    if (!cJSON_IsString(sha) || strcmp(got, sha->valuestring)) {
        rc = nsg_err_set(err, NSG_E_INPUT,
                         "corpus %s: checkpoint file %s is corrupt (its "
                         "SHA-256 is not the one the manifest records; "
                         "nsgproof fsck tells more)",
                         nsg_corpus_dir(c), name->valuestring);
        goto out;
    }
    doc = cJSON_ParseWithLength(b.buf ? b.buf : "", b.len);
    rc = load_blobs(s, cJSON_GetObjectItemCaseSensitive(doc, "blobs"),
                    name->valuestring, false, NULL, err);
out:
    cJSON_Delete(doc);
    nsg_buf_release(&b);
    free(path);
    return rc;
}

nsg_rc nsg_fstore_ckpts_load(struct nsg_corpus *c, const cJSON *sec,
                             struct nsg_fstore_ckpts **out, struct nsg_err *err)
{
    struct nsg_fstore_ckpts *s = nsg_xcalloc(1, sizeof(*s));
    const cJSON *legacy = cJSON_GetObjectItemCaseSensitive(sec, "blobs");
    const cJSON *files = cJSON_GetObjectItemCaseSensitive(sec, "checkpoints");
    nsg_rc rc = NSG_OK;

    *out = NULL;
    s->map = g_hash_table_new_full(g_str_hash, g_str_equal, free, entry_free);
    if (files && !cJSON_IsArray(files))
        rc = nsg_err_set(err, NSG_E_INPUT,
                         "manifest.json: $.sections.flows.checkpoints is not "
                         "an array");
    for (int i = 0; !rc && i < cJSON_GetArraySize(files); i++)
        rc = load_file(c, s, cJSON_GetArrayItem(files, i), (size_t)i, err);
    if (!rc && legacy) { /* format 1: converted by the next save */
        s->legacy = true;
        rc = load_blobs(s, legacy, "manifest.json: $.sections.flows", true,
                        NULL, err);
        /* a blob that is final by now keeps no per-record hashes */
        GHashTableIter it;
        gpointer k, v;
        g_hash_table_iter_init(&it, s->map);
        while (!rc && g_hash_table_iter_next(&it, &k, &v)) {
            struct entry *e = v;
            if (nsg_fstore_blob_final(k, e->cp.closed, (int64_t)time(NULL))) {
                e->cp.final = true;
                e->cp.n_seen = 0;
            }
        }
    }
    if (rc) {
        nsg_fstore_ckpts_free(s);
        return rc;
    }
    s->files = files ? cJSON_Duplicate(files, true) : cJSON_CreateArray();
    *out = s;
    return NSG_OK;
}

void nsg_fstore_ckpts_free(struct nsg_fstore_ckpts *s)
{
    if (!s)
        return;
    g_hash_table_destroy(s->map);
    cJSON_Delete(s->files);
    free(s);
}

const struct nsg_fstore_ckpt *
nsg_fstore_ckpts_get(const struct nsg_fstore_ckpts *s, const char *key)
{
    const struct entry *e = g_hash_table_lookup(s->map, key);
    return e ? &e->cp : NULL;
}

static bool same_ckpt(const struct nsg_fstore_ckpt *a,
                      const struct nsg_fstore_ckpt *b)
{
    return a->offset == b->offset && a->length == b->length &&
           !strcmp(a->hash, b->hash) && a->records == b->records &&
           a->list == b->list && a->closed == b->closed &&
           a->final == b->final && a->size == b->size &&
           !strcmp(a->file_hash, b->file_hash) && a->n_seen == b->n_seen &&
           (!a->n_seen ||
            !memcmp(a->seen, b->seen, a->n_seen * sizeof(*a->seen)));
}

void nsg_fstore_ckpts_put(struct nsg_fstore_ckpts *s, const char *key,
                          const struct nsg_fstore_ckpt *cp)
{
    struct entry *e = nsg_xcalloc(1, sizeof(*e));
    e->cp = *cp;
    e->cp.hash[64] = '\0';
    e->cp.file_hash[sizeof(e->cp.file_hash) - 1] = '\0';
    e->cp.final = nsg_fstore_blob_final(key, cp->closed, (int64_t)time(NULL));
    if (e->cp.final)
        e->cp.n_seen = 0;
    e->seen = nsg_xmalloc((e->cp.n_seen + 1) * sizeof(uint64_t));
    if (e->cp.n_seen)
        memcpy(e->seen, cp->seen, e->cp.n_seen * sizeof(uint64_t));
    e->cp.seen = e->seen;
    const struct entry *old = g_hash_table_lookup(s->map, key);
    if (old && same_ckpt(&old->cp, &e->cp)) {
        entry_free(e);
        return;
    }
    e->dirty = true;
    s->changed = true;
    map_set(s, key, e);
}

/* ---- saving ------------------------------------------------------------- */

static int cmp_key(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Write the entries for which pick() holds into a new side file of the
 * transaction and return its list entry (NULL and no file when none). */
static nsg_rc write_file(struct nsg_fstore_ckpts *s, struct nsg_txn *txn,
                         const char *kind, bool (*pick)(const struct entry *),
                         cJSON **out, struct nsg_err *err)
{
    GPtrArray *keys = g_ptr_array_new();
    GHashTableIter it;
    gpointer k, v;
    char *abs = NULL, *rel = NULL, *text = NULL;
    nsg_rc rc = NSG_OK;

    *out = NULL;
    g_hash_table_iter_init(&it, s->map);
    while (g_hash_table_iter_next(&it, &k, &v))
        if (pick(v))
            g_ptr_array_add(keys, k);
    if (!keys->len)
        goto out;
    qsort(keys->pdata, keys->len, sizeof(char *), cmp_key);
    cJSON *doc = cJSON_CreateObject(), *blobs;
    cJSON_AddNumberToObject(doc, "format", 1);
    cJSON_AddStringToObject(doc, "kind", kind);
    blobs = cJSON_AddObjectToObject(doc, "blobs");
    for (guint i = 0; i < keys->len; i++)
        cJSON_AddItemToObject(
            blobs, keys->pdata[i],
            entry_json(g_hash_table_lookup(s->map, keys->pdata[i])));
    text = cJSON_PrintUnformatted(doc);
    cJSON_Delete(doc);
    if (!text) {
        rc = nsg_err_set(err, NSG_E_NOMEM, "cannot serialize checkpoints");
        goto out;
    }
    rc = nsg_txn_new_file(txn, NSG_FSTORE_CKPT_DIR, ".json", &abs, &rel, err);
    if (!rc)
        rc = nsg_corpus_write_plain(abs, text, strlen(text), err);
    if (!rc) {
        char sha[65];
        nsg_sha256_hex(text, strlen(text), sha);
        cJSON *f = cJSON_CreateObject();
        cJSON_AddStringToObject(f, "name", rel);
        cJSON_AddStringToObject(f, "kind", kind);
        cJSON_AddNumberToObject(f, "blobs", keys->len);
        cJSON_AddNumberToObject(f, "bytes", (double)strlen(text));
        cJSON_AddStringToObject(f, "sha256", sha);
        *out = f;
    }
out:
    free(text);
    free(abs);
    free(rel);
    g_ptr_array_free(keys, TRUE);
    return rc;
}

static bool pick_open(const struct entry *e)
{
    return !e->cp.final;
}
static bool pick_new_final(const struct entry *e)
{
    return e->cp.final && e->dirty;
}
static bool pick_final(const struct entry *e)
{
    return e->cp.final;
}

static bool file_kind(const cJSON *f, const char *kind)
{
    const cJSON *k = cJSON_GetObjectItemCaseSensitive(f, "kind");
    return cJSON_IsString(k) && !strcmp(k->valuestring, kind);
}

static void to_current(struct nsg_txn *txn, cJSON *sec);

nsg_rc nsg_fstore_ckpts_save(struct nsg_fstore_ckpts *s, struct nsg_txn *txn,
                             cJSON *sec, struct nsg_err *err)
{
    GHashTableIter it;
    gpointer k, v;
    cJSON *list = cJSON_CreateArray(), *f, *fin = NULL, *open = NULL;
    int n_final = 0;
    nsg_rc rc = NSG_OK;

    if (!s->changed && !s->legacy) {
        cJSON_Delete(list);
        return NSG_OK;
    }
    /* blobs whose hour has ended since they were read become final */
    g_hash_table_iter_init(&it, s->map);
    while (g_hash_table_iter_next(&it, &k, &v)) {
        struct entry *e = v;
        if (!e->cp.final &&
            nsg_fstore_blob_final(k, e->cp.closed, (int64_t)time(NULL))) {
            e->cp.final = true;
            e->cp.n_seen = 0;
            e->dirty = true;
        }
    }
    cJSON_ArrayForEach(f, s->files) if (file_kind(f, "final")) n_final++;
    bool merge = n_final + 1 > FINAL_FILES_MAX;
    rc = write_file(s, txn, "final", merge ? pick_final : pick_new_final, &fin,
                    err);
    if (!rc)
        rc = write_file(s, txn, "open", pick_open, &open, err);
    if (rc) {
        cJSON_Delete(fin);
        cJSON_Delete(list);
        return rc;
    }
    cJSON_ArrayForEach(f, s->files) if (!merge && file_kind(f, "final"))
        cJSON_AddItemToArray(list, cJSON_Duplicate(f, true));
    if (fin)
        cJSON_AddItemToArray(list, fin);
    if (open)
        cJSON_AddItemToArray(list, open);
    cJSON_DeleteItemFromObjectCaseSensitive(sec, "blobs");
    cJSON_DeleteItemFromObjectCaseSensitive(sec, "checkpoints");
    cJSON_AddItemToObject(sec, "checkpoints", list);
    to_current(txn, sec);
    /* written: what is on disk now matches the map */
    cJSON_Delete(s->files);
    s->files = cJSON_Duplicate(list, true);
    g_hash_table_iter_init(&it, s->map);
    while (g_hash_table_iter_next(&it, NULL, &v))
        ((struct entry *)v)->dirty = false;
    s->changed = s->legacy = false;
    return NSG_OK;
}

/* ---- upgrade ------------------------------------------------------------ */

/* Give the section the current format: a SHA-256 for each listed segment
 * that has none (written before they were recorded; a file that cannot
 * be read stays without one: fsck reports it), then format 2. */
static void to_current(struct nsg_txn *txn, cJSON *sec)
{
    const cJSON *fmt = cJSON_GetObjectItemCaseSensitive(sec, "format");
    cJSON *seg;
    if (cJSON_IsNumber(fmt) && fmt->valuedouble == NSG_FSTORE_FORMAT)
        return;
    cJSON_ArrayForEach(seg, cJSON_GetObjectItemCaseSensitive(sec, "segments"))
    {
        const cJSON *name = cJSON_GetObjectItemCaseSensitive(seg, "name");
        char sha[65];
        if (cJSON_GetObjectItemCaseSensitive(seg, "sha256") ||
            !cJSON_IsString(name) ||
            !nsg_corpus_safe_rel(name->valuestring, NSG_FSTORE_SECTION))
            continue;
        char *path = nsg_corpus_path(txn->c, name->valuestring);
        if (!nsg_corpus_sha256_file(path, sha, NULL, NULL))
            cJSON_AddStringToObject(seg, "sha256", sha);
        free(path);
    }
    cJSON_DeleteItemFromObjectCaseSensitive(sec, "format");
    cJSON_AddNumberToObject(sec, "format", NSG_FSTORE_FORMAT);
}

nsg_rc nsg_fstore_upgrade(struct nsg_txn *txn, struct nsg_err *err)
{
    cJSON *secs = cJSON_GetObjectItemCaseSensitive(txn->manifest, "sections");
    cJSON *sec = cJSON_GetObjectItemCaseSensitive(secs, NSG_FSTORE_SECTION);
    const cJSON *fmt = cJSON_GetObjectItemCaseSensitive(sec, "format");
    struct nsg_fstore_ckpts *s = NULL;
    nsg_rc rc;

    if (!cJSON_IsObject(sec) ||
        (fmt && !(cJSON_IsNumber(fmt) && fmt->valuedouble == 1)))
        return NSG_OK; /* none, current, or unknown (readers refuse it) */
    rc = nsg_fstore_ckpts_load(txn->c, sec, &s, err);
    if (!rc)
        rc = nsg_fstore_ckpts_save(s, txn, sec, err);
    nsg_fstore_ckpts_free(s);
    if (!rc)
        to_current(txn, sec);
    return rc;
}
