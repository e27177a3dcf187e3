/* corpus.c - opening (creating an empty corpus when asked) and closing a
 * corpus.  The manifest and the read-only accessors are in
 * corpus_manifest.c, transactions in corpus_txn.c, loading in
 * corpus_load.c. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "corpus_int.h"

/* True when dir holds something other than what a corpus (possibly one
 * whose first import died) holds: a regular visible file that is not a
 * leftover manifest.json.tmp-PID.  Creating a corpus there would mix it
 * with someone's data (a typo in --corpus). */
static bool foreign_files(const char *dir)
{
    GDir *d = g_dir_open(dir, 0, NULL);
    const char *name;
    bool foreign = false;
    while (d && !foreign && (name = g_dir_read_name(d))) {
        char *p = nsg_corpus_path_join(dir, name);
        foreign = name[0] != '.' && !g_str_has_prefix(name, MANIFEST_TMP) &&
                  !g_file_test(p, G_FILE_TEST_IS_DIR);
        free(p);
    }
    if (d)
        g_dir_close(d);
    return foreign;
}

nsg_rc nsg_corpus_readers_lock(const char *dir, int wait_ms, bool create,
                               int *fd_out, struct nsg_err *err)
{
    char *p = nsg_corpus_path_join(dir, READERS_FILE);
    int fd = create ? open(p, O_RDWR | O_CREAT | O_CLOEXEC, 0666) : -1;
    if (fd < 0)
        fd = open(p, O_RDONLY | O_CLOEXEC);
    *fd_out = -1;
    for (int waited = 0; fd >= 0; waited += 50) {
        if (flock(fd, LOCK_SH | LOCK_NB) == 0) {
            *fd_out = fd;
            break;
        }
        if (errno != EWOULDBLOCK && errno != EINTR) {
            close(fd); /* no flock here (odd file system): read unlocked */
            break;
        }
        if (waited >= wait_ms) {
            close(fd);
            free(p);
            return nsg_err_set(err, NSG_E_LOCKED,
                               "corpus %s is being collected by nsgproof gc "
                               "(waited %d ms for %s)",
                               dir, wait_ms, READERS_FILE);
        }
        struct timespec ts = {0, 50 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    free(p);
    return NSG_OK;
}

nsg_rc nsg_corpus_open(const char *dir, bool create, struct nsg_corpus **out,
                       struct nsg_err *err)
{
    struct nsg_corpus *c = nsg_xcalloc(1, sizeof(*c));
    struct stat st;
    nsg_rc rc = NSG_OK;
    size_t n = strlen(dir);

    *out = NULL;
    while (n > 1 && dir[n - 1] == '/')
        n--;
    c->dir = g_strndup(dir, n);
    c->old = g_ptr_array_new_with_free_func((GDestroyNotify)cJSON_Delete);
    c->objects = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                                       (GDestroyNotify)cJSON_Delete);
    c->sources = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    c->resources = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    c->lock_wait_ms = DEFAULT_LOCK_WAIT_MS;
    c->reader_fd = -1;
    if (stat(c->dir, &st)) {
        if (!create) {
            rc = nsg_err_set(err, NSG_E_NOTFOUND,
                             "corpus %s does not exist (nsgproof import "
                             "creates it: import --corpus DIR PATH...)",
                             c->dir);
            goto out;
        }
        rc = nsg_corpus_mkdirs(c->dir, err);
    } else if (!S_ISDIR(st.st_mode)) {
        rc = nsg_err_set(err, NSG_E_INPUT, "corpus %s is not a directory",
                         c->dir);
    }
    if (!rc)
        rc = nsg_corpus_manifest_read(c->dir, &c->manifest, err);
    if (!rc && !c->manifest) {
        if (!create) {
            rc = nsg_err_set(err, NSG_E_NOTFOUND,
                             "%s is not a corpus (no "
                             "%s)",
                             c->dir, MANIFEST);
            goto out;
        }
        if (foreign_files(c->dir)) {
            rc = nsg_err_set(err, NSG_E_INPUT,
                             "%s is not a corpus (no %s) "
                             "and holds other files: give a new or empty "
                             "directory to --corpus",
                             c->dir, MANIFEST);
            goto out;
        }
        /* Publish an empty manifest under the lock (unless a concurrent
         * import got there first). */
        char *lp = nsg_corpus_path_join(c->dir, LOCK_FILE);
        int fd;
        rc = nsg_corpus_lock_take(lp, c->lock_wait_ms, c->dir, &fd, err);
        free(lp);
        if (!rc) {
            rc = nsg_corpus_manifest_read(c->dir, &c->manifest, err);
            if (!rc && !c->manifest) {
                c->manifest = nsg_corpus_manifest_empty();
                rc = nsg_corpus_manifest_write(c->dir, c->manifest, err);
            }
            close(fd);
        }
    }
    /* A reader from here on: gc removes nothing a reader may still read
     * (docs/corpus.md).  The manifest is read again under the lock, since
     * a gc may have run between the first reading and the lock. */
    if (!rc)
        rc = nsg_corpus_readers_lock(c->dir, c->lock_wait_ms, true,
                                     &c->reader_fd, err);
    if (!rc) {
        cJSON *again = NULL;
        rc = nsg_corpus_manifest_read(c->dir, &again, err);
        if (again) {
            cJSON_Delete(c->manifest);
            c->manifest = again;
        }
    }
out:
    if (rc) {
        nsg_corpus_close(c);
        return rc;
    }
    cJSON *m = c->manifest;
    c->manifest = NULL;
    nsg_corpus_set_manifest(c, m); /* indexes the sources */
    *out = c;
    return NSG_OK;
}

void nsg_corpus_close(struct nsg_corpus *c)
{
    if (!c)
        return;
    nsg_corpus_rollback(c->txn);
    cJSON_Delete(c->manifest);
    g_ptr_array_free(c->old, TRUE);
    g_hash_table_destroy(c->objects);
    g_hash_table_destroy(c->sources);
    g_hash_table_destroy(c->resources);
    if (c->reader_fd >= 0)
        close(c->reader_fd); /* releases the shared flock */
    g_free(c->dir);
    free(c);
}

void nsg_corpus_set_lock_wait(struct nsg_corpus *c, int ms)
{
    c->lock_wait_ms = ms < 0 ? 0 : ms;
}
