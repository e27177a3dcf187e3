/* corpus_fsck.c - checks a corpus without changing it: the manifest's
 * shape and every reference in it, every object and segment re-hashed
 * against its recorded SHA-256, every segment header and record decoded
 * (string references in range, counts as listed), every checkpoint file
 * hashed and its entries range-checked.  Problems are collected with the
 * path they concern, never fatal: a corrupt file is reported, not
 * trusted, so nothing here follows a link, builds a path from an unchecked
 * name or allocates by a size read from disk (files are hashed in bounded
 * chunks; segments are read through their bounded reader).  Files nobody
 * references are garbage (gc removes them), not damage. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fstore_int.h"

#define MANIFEST_MAX_BYTES (1u << 30)

struct fsck {
    const char *dir;
    cJSON *damage, *notes;
    uint64_t objects, segments, flows, ckpt_files, blobs, bytes;
};

static void damage(struct fsck *k, const char *path, const char *fmt, ...)
    NSG_PRINTF(3, 4);
static void damage(struct fsck *k, const char *path, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "path", path);
    cJSON_AddStringToObject(o, "problem", msg);
    cJSON_AddItemToArray(k->damage, o);
}

static bool is_sha(const cJSON *s)
{
    return cJSON_IsString(s) && nsg_corpus_is_sha(s->valuestring);
}

/* Open rel for reading: every directory on the way a real directory (not
 * a link), the file a regular file.  -1 with a damage report otherwise. */
static int open_inside(struct fsck *k, const char *rel, struct stat *st)
{
    char *sub = g_strdup(rel);
    for (char *s = strchr(sub, '/'); s; s = strchr(s + 1, '/')) {
        struct stat ds;
        *s = '\0';
        char *p = nsg_corpus_path_join(k->dir, sub);
        int bad = lstat(p, &ds) || !S_ISDIR(ds.st_mode);
        free(p);
        if (bad) {
            damage(k, rel, "missing: %s is not a directory", sub);
            g_free(sub);
            return -1;
        }
        *s = '/';
    }
    g_free(sub);
    char *p = nsg_corpus_path_join(k->dir, rel);
    int fd = open(p, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
    int e = errno;
    free(p);
    if (fd < 0) {
        damage(k, rel, "%s",
               e == ENOENT  ? "missing"
               : e == ELOOP ? "is a symbolic link, not a file"
                            : strerror(e));
        return -1;
    }
    if (fstat(fd, st) || !S_ISREG(st->st_mode)) {
        damage(k, rel, "not a regular file");
        close(fd);
        return -1;
    }
    return fd;
}

/* Hash the open file and compare; true when it matches. */
static bool hash_matches(struct fsck *k, int fd, const char *rel,
                         const cJSON *want, uint64_t *size)
{
    char got[65];
    struct nsg_err e = NSG_ERR_INIT;
    if (nsg_corpus_sha256_fd(fd, rel, got, size, &e)) {
        damage(k, rel, "cannot be read: %s", e.msg);
        return false;
    }
    k->bytes += *size;
    if (strcmp(got, want->valuestring)) {
        damage(k, rel, "content hashes to %s, the manifest records %s", got,
               want->valuestring);
        return false;
    }
    return true;
}

static void check_object(struct fsck *k, const struct nsg_corpus_ref *r)
{
    struct stat st;
    uint64_t size;
    int fd = open_inside(k, r->rel, &st);
    k->objects++;
    if (fd < 0)
        return;
    (void)hash_matches(k, fd, r->rel, r->entry, &size);
    close(fd);
}

static double num(const cJSON *o, const char *key, bool *ok)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    *ok = cJSON_IsNumber(v) && v->valuedouble >= 0 &&
          v->valuedouble <= 9007199254740992.0;
    return *ok ? v->valuedouble : 0;
}

/* Decode every record: counts and string references. */
static void check_records(struct fsck *k, const struct nsg_corpus_ref *r)
{
    struct nsg_flowseg_reader *rd = NULL;
    struct nsg_err e = NSG_ERR_INIT;
    struct nsg_flowrec rec;
    char *p = nsg_corpus_path_join(k->dir, r->rel);
    uint64_t n = 0;
    int got;
    if (nsg_flowseg_open(p, &rd, &e)) {
        damage(k, r->rel, "%s", e.msg);
        free(p);
        return;
    }
    while ((got = nsg_flowseg_next(rd, &rec, &e)) == 1) {
        uint32_t refs[4] = {rec.nsg, rec.acl, rec.target, rec.rule};
        n++;
        for (int i = 0; i < 4; i++)
            if (refs[i] && !nsg_flowseg_string(rd, refs[i])) {
                damage(k, r->rel,
                       "flow record %llu names string %u of a table of "
                       "fewer",
                       (unsigned long long)n, refs[i]);
                got = -1;
                break;
            }
        if (got < 0)
            break;
    }
    if (got < 0 && e.msg[0])
        damage(k, r->rel, "%s", e.msg);
    bool ok;
    double listed = num(r->entry, "flows", &ok);
    if (got == 0 && ok && listed != (double)n)
        damage(k, r->rel, "holds %llu flows, the manifest lists %.0f",
               (unsigned long long)n, listed);
    k->flows += n;
    nsg_flowseg_close(rd);
    free(p);
}

static void check_segment(struct fsck *k, const struct nsg_corpus_ref *r)
{
    const cJSON *sha = cJSON_GetObjectItemCaseSensitive(r->entry, "sha256");
    struct stat st;
    uint64_t size = 0;
    bool ok;
    k->segments++;
    int fd = open_inside(k, r->rel, &st);
    if (fd < 0)
        return;
    double bytes = num(r->entry, "bytes", &ok);
    if (ok && bytes != (double)st.st_size)
        damage(k, r->rel, "is %lld bytes, the manifest lists %.0f",
               (long long)st.st_size, bytes);
    if (sha && !is_sha(sha))
        damage(k, r->rel,
               "the manifest's sha256 (%s) is not a SHA-256 (64 lower-case "
               "hex digits)",
               r->where);
    if (is_sha(sha)) {
        if (!hash_matches(k, fd, r->rel, sha, &size)) {
            close(fd);
            return; /* damaged: its records are not worth decoding */
        }
    } else if (!sha) {
        cJSON_AddItemToArray(k->notes,
                             cJSON_CreateString(r->rel)); /* older nsgproof */
        k->bytes += (uint64_t)st.st_size;
    }
    close(fd);
    check_records(k, r);
}

static void check_ckpt(struct fsck *k, const struct nsg_corpus_ref *r)
{
    const cJSON *sha = cJSON_GetObjectItemCaseSensitive(r->entry, "sha256");
    struct nsg_buf b = NSG_BUF_INIT;
    struct nsg_err e = NSG_ERR_INIT;
    struct stat st;
    uint64_t size;
    size_t n;
    k->ckpt_files++;
    int fd = open_inside(k, r->rel, &st);
    if (fd < 0)
        return;
    if (!is_sha(sha)) {
        damage(k, r->rel, "the manifest records no SHA-256 for it (%s)",
               r->where);
        close(fd);
        return;
    }
    if ((uint64_t)st.st_size > NSG_FSTORE_CKPT_MAX_BYTES) {
        damage(k, r->rel, "is %lld bytes, more than a checkpoint file may be",
               (long long)st.st_size);
        close(fd);
        return;
    }
    bool ok = hash_matches(k, fd, r->rel, sha, &size);
    close(fd);
    if (!ok)
        return;
    char *p = nsg_corpus_path_join(k->dir, r->rel);
    if (nsg_buf_read_file(&b, p, NSG_FSTORE_CKPT_MAX_BYTES, &e)) {
        damage(k, r->rel, "%s", e.msg);
    } else {
        cJSON *doc = cJSON_ParseWithLength(b.buf ? b.buf : "", b.len);
        if (!doc)
            damage(k, r->rel, "not valid JSON");
        else if (nsg_fstore_ckpts_check(
                     cJSON_GetObjectItemCaseSensitive(doc, "blobs"), r->rel, &n,
                     &e))
            damage(k, r->rel, "%s", e.msg);
        else
            k->blobs += n;
        cJSON_Delete(doc);
    }
    nsg_buf_release(&b);
    free(p);
}

/* The manifest's top-level shape (each problem reported, none fatal). */
static void check_shape(struct fsck *k, const cJSON *m)
{
    static const struct {
        const char *key;
        int type;
    } want[] = {{"format", cJSON_Number},
                {"generation", cJSON_Number},
                {"sources", cJSON_Array},
                {"resources", cJSON_Object},
                {"sections", cJSON_Object}};
    if (!cJSON_IsObject(m)) {
        damage(k, MANIFEST, "$: not a JSON object");
        return;
    }
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
        const cJSON *j = cJSON_GetObjectItemCaseSensitive(m, want[i].key);
        if (!j || (j->type & 0xFF) != want[i].type)
            damage(k, MANIFEST, "$.%s: missing or wrong type", want[i].key);
    }
    const cJSON *f = cJSON_GetObjectItemCaseSensitive(m, "format");
    if (cJSON_IsNumber(f) && f->valuedouble != NSG_CORPUS_FORMAT)
        damage(k, MANIFEST, "$.format: %g, this nsgproof reads %d",
               f->valuedouble, NSG_CORPUS_FORMAT);
    const cJSON *sec = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(m, "sections"), NSG_FSTORE_SECTION);
    const cJSON *ff = cJSON_GetObjectItemCaseSensitive(sec, "format");
    if (ff && !(cJSON_IsNumber(ff) &&
                (ff->valuedouble == 1 || ff->valuedouble == NSG_FSTORE_FORMAT)))
        damage(k, MANIFEST, "$.sections.flows.format: not 1 or %d",
               NSG_FSTORE_FORMAT);
    const cJSON *legacy = cJSON_GetObjectItemCaseSensitive(sec, "blobs");
    struct nsg_err e = NSG_ERR_INIT;
    size_t n;
    if (legacy && nsg_fstore_ckpts_check(
                      legacy, "manifest.json: $.sections.flows", &n, &e))
        damage(k, MANIFEST, "%s", e.msg);
    else if (legacy)
        k->blobs += n;
}

nsg_rc nsg_corpus_fsck(const char *dir, cJSON *report, struct nsg_err *err)
{
    struct fsck k;
    struct stat st;
    struct nsg_buf b = NSG_BUF_INIT;
    struct nsg_err e = NSG_ERR_INIT;
    int fd = -1;
    cJSON *m = NULL;
    nsg_rc rc;

    memset(&k, 0, sizeof(k));
    k.dir = dir;
    if (stat(dir, &st) || !S_ISDIR(st.st_mode))
        return nsg_err_set(err, NSG_E_NOTFOUND, "corpus %s does not exist",
                           dir);
    char *mp = nsg_corpus_path_join(dir, MANIFEST);
    if (access(mp, F_OK)) {
        free(mp);
        return nsg_err_set(err, NSG_E_NOTFOUND,
                           "%s is not a corpus (no " MANIFEST ")", dir);
    }
    rc = nsg_corpus_readers_lock(dir, DEFAULT_LOCK_WAIT_MS, false, &fd, err);
    if (rc) {
        free(mp);
        return rc;
    }
    k.damage = cJSON_CreateArray();
    k.notes = cJSON_CreateArray();
    cJSON *garbage = cJSON_CreateArray();
    uint64_t g_files = 0, g_bytes = 0;
    if (nsg_buf_read_file(&b, mp, MANIFEST_MAX_BYTES, &e))
        damage(&k, MANIFEST, "%s", e.msg);
    else if (!(m = cJSON_ParseWithLength(b.buf ? b.buf : "", b.len)))
        damage(&k, MANIFEST, "not valid JSON");
    if (m) {
        check_shape(&k, m);
        GPtrArray *refs = nsg_corpus_refs(m);
        GHashTable *named = g_hash_table_new(g_str_hash, g_str_equal);
        for (guint i = 0; i < refs->len; i++) {
            const struct nsg_corpus_ref *r = refs->pdata[i];
            bool again = r->rel && g_hash_table_contains(named, r->rel);
            if (r->rel)
                g_hash_table_add(named, r->rel);
            switch (r->kind) {
            case NSG_REF_OBJECT:
                if (!again)
                    check_object(&k, r);
                break;
            case NSG_REF_SEGMENT:
                check_segment(&k, r);
                break;
            case NSG_REF_CKPT:
                check_ckpt(&k, r);
                break;
            case NSG_REF_BAD:
                damage(&k, MANIFEST, "%s: %s", r->where,
                       g_str_has_suffix(r->where, ".object")
                           ? "not a SHA-256 (64 lower-case hex digits)"
                           : "no name of a file nsgproof writes");
                break;
            }
        }
        const cJSON *g = cJSON_GetObjectItemCaseSensitive(m, "generation");
        int64_t gen = cJSON_IsNumber(g) ? (int64_t)g->valuedouble : 0;
        GPtrArray *files = nsg_corpus_files(dir);
        for (guint i = 0; i < files->len; i++) {
            const struct nsg_corpus_file *f = files->pdata[i];
            if (g_hash_table_contains(named, f->rel))
                continue;
            cJSON *o = cJSON_CreateObject();
            cJSON_AddStringToObject(o, "path", f->rel);
            cJSON_AddNumberToObject(o, "bytes", (double)f->bytes);
            cJSON_AddStringToObject(
                o, "why", nsg_corpus_garbage_why(nsg_corpus_classify(f, gen)));
            cJSON_AddItemToArray(garbage, o);
            g_files++;
            g_bytes += f->bytes;
        }
        cJSON_AddNumberToObject(report, "generation", (double)gen);
        g_ptr_array_free(files, TRUE);
        g_hash_table_destroy(named);
        g_ptr_array_free(refs, TRUE);
    }
    cJSON *checked = cJSON_AddObjectToObject(report, "checked");
    cJSON_AddNumberToObject(checked, "objects", (double)k.objects);
    cJSON_AddNumberToObject(checked, "segments", (double)k.segments);
    cJSON_AddNumberToObject(checked, "flows", (double)k.flows);
    cJSON_AddNumberToObject(checked, "checkpoint_files", (double)k.ckpt_files);
    cJSON_AddNumberToObject(checked, "blobs", (double)k.blobs);
    cJSON_AddNumberToObject(checked, "bytes_hashed", (double)k.bytes);
    cJSON_AddNumberToObject(report, "damaged", cJSON_GetArraySize(k.damage));
    cJSON_AddItemToObject(report, "damage", k.damage);
    cJSON_AddNumberToObject(report, "garbage_files", (double)g_files);
    cJSON_AddNumberToObject(report, "garbage_bytes", (double)g_bytes);
    cJSON_AddItemToObject(report, "garbage", garbage);
    cJSON_AddItemToObject(report, "segments_without_sha256", k.notes);
    cJSON_Delete(m);
    nsg_buf_release(&b);
    free(mp);
    if (fd >= 0)
        close(fd);
    return NSG_OK;
}
