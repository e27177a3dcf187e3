/* corpus_refs.c - what a manifest references (objects, flow segments,
 * checkpoint files) and what else lies in the corpus directories nsgproof
 * writes (objects/, flows/, flows/ckpt/, leftover temporary files beside
 * manifest.json), for gc and fsck.  Not common/nsg_walk.h's walker: gc
 * deletes what this lists, so the walk must never follow a symbolic link
 * (nsg_walk_files follows them, for inputs) and must see links and other
 * non-files as such; it reads only those fixed directories, with lstat, so
 * it cannot loop or leave the corpus. */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fstore_int.h"

static void add_ref(GPtrArray *refs, enum nsg_corpus_ref_kind kind, char *rel,
                    const cJSON *entry, char *where)
{
    struct nsg_corpus_ref *r = nsg_xcalloc(1, sizeof(*r));
    r->kind = kind;
    r->rel = rel;
    r->entry = entry;
    r->where = where;
    g_ptr_array_add(refs, r);
}

void nsg_corpus_ref_free(gpointer p)
{
    struct nsg_corpus_ref *r = p;
    g_free(r->rel);
    g_free(r->where);
    free(r);
}

static void object_ref(GPtrArray *refs, const cJSON *o, char *where)
{
    if (cJSON_IsString(o) && nsg_corpus_is_sha(o->valuestring))
        add_ref(refs, NSG_REF_OBJECT, nsg_corpus_object_rel(o->valuestring), o,
                where);
    else
        add_ref(refs, NSG_REF_BAD, NULL, o, where);
}

static void file_refs(GPtrArray *refs, const cJSON *list,
                      enum nsg_corpus_ref_kind kind, const char *dir,
                      const char *what)
{
    const cJSON *e;
    int i = 0;
    cJSON_ArrayForEach(e, list)
    {
        const cJSON *name = cJSON_GetObjectItemCaseSensitive(e, "name");
        char *where = g_strdup_printf("$.sections.flows.%s[%d]", what, i++);
        if (cJSON_IsString(name) && nsg_corpus_safe_rel(name->valuestring, dir))
            add_ref(refs, kind, g_strdup(name->valuestring), e, where);
        else
            add_ref(refs, NSG_REF_BAD, NULL, e, where);
    }
}

GPtrArray *nsg_corpus_refs(const cJSON *m)
{
    GPtrArray *refs = g_ptr_array_new_with_free_func(nsg_corpus_ref_free);
    const cJSON *r, *v;
    cJSON_ArrayForEach(r, cJSON_GetObjectItemCaseSensitive(m, "resources"))
    {
        int i = 0;
        cJSON_ArrayForEach(v, cJSON_GetObjectItemCaseSensitive(r, "versions"))
            object_ref(refs, cJSON_GetObjectItemCaseSensitive(v, "object"),
                       g_strdup_printf("$.resources[\"%s\"].versions[%d]"
                                       ".object",
                                       r->string, i++));
    }
    const cJSON *st = cJSON_GetObjectItemCaseSensitive(m, "service_tags");
    if (cJSON_IsObject(st))
        object_ref(refs, cJSON_GetObjectItemCaseSensitive(st, "object"),
                   g_strdup("$.service_tags.object"));
    const cJSON *sec = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(m, "sections"), NSG_FSTORE_SECTION);
    file_refs(refs, cJSON_GetObjectItemCaseSensitive(sec, "segments"),
              NSG_REF_SEGMENT, NSG_FSTORE_SECTION, "segments");
    file_refs(refs, cJSON_GetObjectItemCaseSensitive(sec, "checkpoints"),
              NSG_REF_CKPT, NSG_FSTORE_CKPT_DIR, "checkpoints");
    return refs;
}

/* ---- the walk ----------------------------------------------------------- */

static void walk_dir(const char *root, const char *rel, int depth,
                     GPtrArray *out)
{
    char *abs = rel ? nsg_corpus_path_join(root, rel) : g_strdup(root);
    DIR *d = opendir(abs);
    struct dirent *e;
    while (d && (e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        char *r = rel ? g_strdup_printf("%s/%s", rel, e->d_name)
                      : g_strdup(e->d_name);
        char *p = nsg_corpus_path_join(root, r);
        struct stat st;
        if (lstat(p, &st)) {
            g_free(r);
            free(p);
            continue;
        }
        /* the directories nsgproof writes: objects/ab, flows, flows/ckpt */
        bool descend =
            S_ISDIR(st.st_mode) && depth < 2 &&
            ((!rel && (!strcmp(r, "objects") || !strcmp(r, "flows"))) ||
             (rel && !strcmp(rel, "objects")) ||
             (rel && !strcmp(r, NSG_FSTORE_CKPT_DIR)));
        if (descend) {
            walk_dir(root, r, depth + 1, out);
            g_free(r);
        } else if (rel || g_str_has_prefix(e->d_name, MANIFEST_TMP)) {
            struct nsg_corpus_file *f = nsg_xcalloc(1, sizeof(*f));
            f->rel = r;
            f->bytes = (uint64_t)st.st_size;
            f->regular = S_ISREG(st.st_mode);
            g_ptr_array_add(out, f);
        } else {
            g_free(r); /* manifest.json, .lock, .readers, anything else */
        }
        free(p);
    }
    if (d)
        closedir(d);
    free(abs);
}

static void file_free(gpointer p)
{
    struct nsg_corpus_file *f = p;
    g_free(f->rel);
    free(f);
}

static int file_cmp(const void *a, const void *b)
{
    const struct nsg_corpus_file *x = *(const struct nsg_corpus_file *const *)a;
    const struct nsg_corpus_file *y = *(const struct nsg_corpus_file *const *)b;
    return strcmp(x->rel, y->rel);
}

GPtrArray *nsg_corpus_files(const char *dir)
{
    GPtrArray *out = g_ptr_array_new_with_free_func(file_free);
    walk_dir(dir, NULL, 0, out);
    if (out->len)
        qsort(out->pdata, out->len, sizeof(gpointer), file_cmp);
    return out;
}

/* ---- what an unreferenced file is --------------------------------------- */

/* "…/g000012-…" names: the generation the writing transaction would have
 * published; -1 for other names. */
static long long name_generation(const char *rel)
{
    const char *base = strrchr(rel, '/');
    base = base ? base + 1 : rel;
    if (base[0] != 'g')
        return -1;
    char *end;
    long long g = strtoll(base + 1, &end, 10);
    return end != base + 1 && *end == '-' ? g : -1;
}

/* a name ending in ".tmp-<digits>" (write_atomic, objects being written) */
static bool tmp_pid_name(const char *rel)
{
    const char *t = strstr(rel, ".tmp-");
    if (!t || !t[5])
        return false;
    for (t += 5; *t; t++)
        if (*t < '0' || *t > '9')
            return false;
    return true;
}

enum nsg_corpus_garbage nsg_corpus_classify(const struct nsg_corpus_file *f,
                                            int64_t generation)
{
    const char *rel = f->rel;
    const char *base = strrchr(rel, '/');
    base = base ? base + 1 : rel;
    if (!f->regular)
        return NSG_GARBAGE_FOREIGN;
    if (tmp_pid_name(rel) || (g_str_has_prefix(base, "nsgproof-run-") &&
                              g_str_has_suffix(base, ".tmp")))
        return NSG_GARBAGE_TEMP;
    if (g_str_has_prefix(rel, "objects/")) {
        char sha[65];
        if (strlen(base) == 69 && g_str_has_suffix(base, ".json")) {
            memcpy(sha, base, 64);
            sha[64] = '\0';
            if (nsg_corpus_is_sha(sha) && !strncmp(rel + 8, sha, 2) &&
                rel[10] == '/')
                return NSG_GARBAGE_OLD;
        }
        return NSG_GARBAGE_FOREIGN;
    }
    long long g = name_generation(rel);
    if (g < 0)
        return NSG_GARBAGE_FOREIGN;
    return g > generation ? NSG_GARBAGE_UNPUBLISHED : NSG_GARBAGE_OLD;
}

const char *nsg_corpus_garbage_why(enum nsg_corpus_garbage g)
{
    switch (g) {
    case NSG_GARBAGE_TEMP:
        return "temporary file of a command that did not finish";
    case NSG_GARBAGE_UNPUBLISHED:
        return "written by a command that did not commit";
    case NSG_GARBAGE_OLD:
        return "no longer referenced (superseded, or left by a command that "
               "did not commit)";
    case NSG_GARBAGE_FOREIGN:
        break;
    }
    return "not a file nsgproof writes";
}
