/* nsg_walk.c - the directory walker (nsg_walk.h).  Written here rather
 * than with GLib's GDir or nftw(): the rules (sorted order, hidden entries
 * skipped, links followed with loop detection, errors naming the path) are
 * a few lines over readdir and stat, and neither offers them together. */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "nsg_walk.h"

struct walk {
    const char *suffix;
    GPtrArray *out;
    GHashTable *seen; /* "dev:ino" of every directory read */
    struct nsg_err *err;
};

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static nsg_rc walk_dir(struct walk *w, const char *dir, const struct stat *st)
{
    char *key = g_strdup_printf("%ju:%ju", (uintmax_t)st->st_dev,
                                (uintmax_t)st->st_ino);
    if (g_hash_table_contains(w->seen, key)) {
        g_free(key); /* read already: a symlink loop or a second link */
        return NSG_OK;
    }
    g_hash_table_add(w->seen, key);

    DIR *d = opendir(dir);
    if (!d)
        return nsg_err_set(w->err, NSG_E_IO, "%s: %s", dir, strerror(errno));
    GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
    struct dirent *e;
    errno = 0;
    while ((e = readdir(d)))
        if (e->d_name[0] != '.')
            g_ptr_array_add(names, g_build_filename(dir, e->d_name, NULL));
    int read_errno = errno;
    closedir(d);
    nsg_rc rc = NSG_OK;
    if (read_errno)
        rc = nsg_err_set(w->err, NSG_E_IO, "%s: %s", dir,
                         strerror(read_errno));
    if (names->len)
        qsort(names->pdata, names->len, sizeof(char *), cmp_str);
    for (guint i = 0; !rc && i < names->len; i++) {
        const char *p = names->pdata[i];
        struct stat cst;
        if (stat(p, &cst))
            rc = nsg_err_set(w->err, NSG_E_IO, "%s: %s", p, strerror(errno));
        else if (S_ISDIR(cst.st_mode))
            rc = walk_dir(w, p, &cst);
        else if (S_ISREG(cst.st_mode) &&
                 (!w->suffix || g_str_has_suffix(p, w->suffix)))
            g_ptr_array_add(w->out, g_strdup(p));
    }
    g_ptr_array_free(names, TRUE);
    return rc;
}

nsg_rc nsg_walk_files(const char *path, const char *suffix, GPtrArray *out,
                      struct nsg_err *err)
{
    struct stat st;
    if (stat(path, &st))
        return nsg_err_set(err, NSG_E_IO, "%s: %s", path, strerror(errno));
    if (!S_ISDIR(st.st_mode)) {
        g_ptr_array_add(out, g_strdup(path));
        return NSG_OK;
    }
    struct walk w = {suffix, out,
                     g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                                           NULL),
                     err};
    nsg_rc rc = walk_dir(&w, path, &st);
    g_hash_table_destroy(w.seen);
    return rc;
}
