/* cap_flow.c - `capture flowlogs`: lists the flow-log containers of a
 * storage account (NextMarker paging), picks the blobs that are new or
 * changed since the last capture (their ETags are kept in the manifest's
 * "capture" section), downloads them with a bounded number of parallel
 * downloads - a blob read before from its checkpoint offset with a ranged
 * GET, after its checkpointed record's SHA-256 matched (Azure inserts new
 * blocks before the closing "]}", so the bytes after the offset are not a
 * plain append) - and feeds each blob's bytes to the streaming flow-log
 * ingest as they arrive (through a socket pair per blob: no download file,
 * no blob held whole in memory), in batches, one corpus transaction per
 * batch: a kill -9 loses at most the batch in flight, and the importer's
 * checkpoints make sure nothing is counted twice. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../corpus/corpus.h"
#include "cap_int.h"

#define SPOOL_DIR ".capture-spool"
#define DEFAULT_BATCH 64
#define DEFAULT_PAGE 5000

struct job {
    const char *container;
    const struct cap_blob *b;
    char *state_key; /* "container/name" */
    char *key;       /* checkpoint name */
    struct cap_ckpt ck;
    bool skip;       /* final blob that changed: not read again */
    bool ranged;
    uint64_t bytes;
    int rd, wr;      /* the stream: the download writes, the ingest reads */
    bool done;       /* the download ended (under run.lock) */
    nsg_rc rc;
    struct nsg_err err;
};

struct run {
    const struct nsg_cap_flow_opts *o;
    struct cap_http *http;
    struct cap_cred *cred;
    struct cap_storage *st;
    struct nsg_corpus *c;
    GPtrArray *blobs; /* struct cap_blob *, owned */
    GPtrArray *jobs;  /* struct job * of the current batch */
    gint next_job;
    gint stop;        /* the ingest failed: downloads stop */
    GMutex lock;
    GCond cond;       /* a download ended */
    cJSON *report, *blob_counts, *flow_counts;
    int batches;
};

/* ---- leftovers ---------------------------------------------------------- */

static void rm_tree(const char *path)
{
    DIR *d = opendir(path);
    struct dirent *e;
    if (!d) {
        unlink(path);
        return;
    }
    while ((e = readdir(d)) != NULL) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        char *p = g_build_filename(path, e->d_name, NULL);
        struct stat st;
        if (!lstat(p, &st) && S_ISDIR(st.st_mode))
            rm_tree(p);
        else
            unlink(p);
        g_free(p);
    }
    closedir(d);
    rmdir(path);
}

/* Earlier versions downloaded into DIR/.capture-spool/PID/: remove what
 * captures that are not running any more left there. */
static void spool_cleanup(struct run *r)
{
    char *root = g_build_filename(r->o->common.corpus, SPOOL_DIR, NULL);
    DIR *d = opendir(root);
    if (d) {
        struct dirent *e;
        while ((e = readdir(d)) != NULL) {
            long pid = strtol(e->d_name, NULL, 10);
            if (pid > 0 && kill((pid_t)pid, 0) && errno == ESRCH) {
                char *p = g_build_filename(root, e->d_name, NULL);
                rm_tree(p);
                g_free(p);
            }
        }
        closedir(d);
        rmdir(root); /* when empty */
    }
    g_free(root);
}

/* ---- listing ------------------------------------------------------------ */

static nsg_rc list_container(struct run *r, const char *container,
                             bool explicit_name, GPtrArray *out,
                             struct nsg_err *err)
{
    long page_size = cap_env_long("NSGPROOF_BLOB_PAGE", DEFAULT_PAGE, 1, 5000);
    cJSON *c = cJSON_CreateObject();
    char *marker = NULL, *esc_c = cap_url_escape(container, false);
    nsg_rc rc = NSG_OK;
    struct cap_conn *conn = cap_conn_new(r->http);
    cJSON_AddStringToObject(c, "name", container);
    cJSON_AddItemToArray(cJSON_GetObjectItemCaseSensitive(r->report, "containers"), c);
    int pages = 0;
    size_t before = out->len;
    do {
        GString *pq = g_string_new(NULL);
        g_string_printf(pq, "/%s?restype=container&comp=list&maxresults=%ld", esc_c,
                        page_size);
        if (r->o->prefix) {
            char *p = cap_url_escape(r->o->prefix, false);
            g_string_append_printf(pq, "&prefix=%s", p);
            g_free(p);
        }
        if (marker) {
            char *m = cap_url_escape(marker, false);
            g_string_append_printf(pq, "&marker=%s", m);
            g_free(m);
        }
        struct cap_resp resp;
        cap_resp_init(&resp);
        rc = cap_storage_get(r->st, conn, pq->str, NULL, NULL, NULL, &resp, err);
        g_string_free(pq, TRUE);
        g_free(marker);
        marker = NULL;
        if (!rc && resp.status == 404 && !pages && !explicit_name) {
            cJSON_AddBoolToObject(c, "missing", true);
            cap_resp_release(&resp);
            break;
        }
        if (!rc && resp.status != 200) {
            char *d = cap_resp_describe(&resp);
            const char *hint =
                resp.status == 403 || resp.status == 401
                    ? ": the storage account refused the credentials"
                    : resp.status == 404 ? ": no such container" : "";
            rc = cap_err(err, NSG_E_INPUT, "listing container %s of %s: %s%s (%s)",
                         container, cap_storage_endpoint(r->st), d, hint,
                         cap_storage_auth_name(r->st));
            g_free(d);
        }
        if (!rc)
            rc = cap_blob_parse_list(resp.body.buf ? resp.body.buf : "",
                                     resp.body.len, out, &marker, err);
        cap_resp_release(&resp);
        pages++;
        cap_http_progress(r->http, "%s: %u blobs listed, %d pages", container,
                          out->len - (guint)before, pages);
    } while (!rc && marker);
    g_free(marker);
    g_free(esc_c);
    cap_conn_free(conn);
    cJSON_AddNumberToObject(c, "pages", pages);
    cJSON_AddNumberToObject(c, "blobs", (double)(out->len - before));
    return rc;
}

/* ---- downloads ---------------------------------------------------------- */

/* The stream of one blob: a header (STREAM_MAGIC, then the blob offset of
 * the first byte, 8 bytes in host order), then the bytes.  A download
 * that fails closes it, and its job says why. */
#define STREAM_MAGIC 'S'
#define HEADER_LEN 9

/* send() all of it; EPIPE when the ingest stopped reading (no SIGPIPE). */
static int send_all(int fd, const void *data, size_t len)
{
    const char *p = data;
    while (len) {
        ssize_t k = send(fd, p, len, MSG_NOSIGNAL);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0)
            return errno;
        p += k;
        len -= (size_t)k;
    }
    return 0;
}

struct dl {
    int fd;                    /* the stream's writing end */
    uint64_t range_start;      /* asked with Range: bytes=N- (ranged) */
    const struct cap_ckpt *ck; /* ranged: verify the first ck->length bytes */
    GChecksum *sha;            /* of those bytes */
    GByteArray *held;          /* those bytes, held until verified */
    bool verified;
    uint64_t next;             /* the body position the next call should
                                  have: a smaller one starts a retry */
    /* what went into the stream, across retried attempts */
    bool started;
    uint64_t start;            /* the blob offset of its first byte */
    uint64_t sent;             /* body bytes sent */
    GChecksum *sent_sha;       /* of them */
    GChecksum *again;          /* a retry's bytes up to `sent` */
};

static void dl_release(struct dl *d)
{
    if (d->sha)
        g_checksum_free(d->sha);
    if (d->sent_sha)
        g_checksum_free(d->sent_sha);
    if (d->again)
        g_checksum_free(d->again);
    if (d->held)
        g_byte_array_free(d->held, TRUE);
}

static nsg_rc stream_error(struct nsg_err *err, int e)
{
    return cap_err(err, NSG_E_IO, "streaming a download to the ingest: %s",
                   e == EPIPE ? "the ingest stopped reading" : strerror(e));
}

/* Send the body bytes at body position pos: the header first; bytes that
 * an earlier attempt sent already are compared (by hash), not sent. */
static nsg_rc forward(struct dl *d, uint64_t stream_start, uint64_t pos,
                      const char *data, size_t len, struct nsg_err *err)
{
    int e;
    if (!d->started) {
        char h[HEADER_LEN];
        h[0] = STREAM_MAGIC;
        memcpy(h + 1, &stream_start, 8);
        if ((e = send_all(d->fd, h, sizeof(h))))
            return stream_error(err, e);
        d->started = true;
        d->start = stream_start;
        d->sent_sha = g_checksum_new(G_CHECKSUM_SHA256);
    } else if (stream_start != d->start) {
        return cap_err(err, NSG_E_IO, "a retried download answered from "
                                      "another offset: read it again");
    }
    if (pos < d->sent) {
        size_t k = d->sent - pos < len ? (size_t)(d->sent - pos) : len;
        if (!d->again)
            d->again = g_checksum_new(G_CHECKSUM_SHA256);
        g_checksum_update(d->again, (const guchar *)data, (gssize)k);
        if (pos + k == d->sent) {
            GChecksum *c = g_checksum_copy(d->sent_sha);
            bool same = !strcmp(g_checksum_get_string(c),
                                g_checksum_get_string(d->again));
            g_checksum_free(c);
            g_checksum_free(d->again);
            d->again = NULL;
            if (!same)
                return cap_err(err, NSG_E_IO,
                               "the blob changed while it was downloaded "
                               "(a retry read other bytes): capture again");
        }
        data += k;
        len -= k;
        pos += k;
    }
    if (!len)
        return NSG_OK;
    if ((e = send_all(d->fd, data, len)))
        return stream_error(err, e);
    g_checksum_update(d->sent_sha, (const guchar *)data, (gssize)len);
    d->sent += len;
    return NSG_OK;
}

static nsg_rc sink(void *ctx, long status, uint64_t pos, const char *data,
                   size_t len, struct nsg_err *err)
{
    struct dl *d = ctx;
    uint64_t stream_start = status == 206 ? d->range_start : 0;
    if (pos < d->next) { /* a retried attempt, from 0 */
        d->verified = false;
        if (d->held)
            g_byte_array_set_size(d->held, 0);
        if (d->again) {
            g_checksum_free(d->again);
            d->again = NULL;
        }
    }
    d->next = pos + len;
    if (status == 206 && d->ck && !d->verified) {
        /* nothing is used before the checkpointed record is verified */
        if (pos == 0) {
            if (d->sha)
                g_checksum_free(d->sha);
            d->sha = g_checksum_new(G_CHECKSUM_SHA256);
            if (!d->held)
                d->held = g_byte_array_new();
        }
        uint64_t need = d->ck->length > pos ? d->ck->length - pos : 0;
        size_t take = need < len ? (size_t)need : len;
        g_checksum_update(d->sha, (const guchar *)data, (gssize)take);
        g_byte_array_append(d->held, (const guint8 *)data, (guint)take);
        if (pos + take < d->ck->length)
            return NSG_OK;
        if (strcmp(g_checksum_get_string(d->sha), d->ck->hash))
            return CAP_SINK_STOP; /* not the checkpointed record */
        d->verified = true;
        nsg_rc rc = forward(d, stream_start, 0, (const char *)d->held->data,
                            d->held->len, err);
        g_byte_array_set_size(d->held, 0);
        if (!rc)
            rc = forward(d, stream_start, pos + take, data + take, len - take,
                         err);
        return rc;
    }
    return forward(d, stream_start, pos, data, len, err);
}

/* GET the blob whole, or from its checkpoint (ranged, the checkpointed
 * record verified first), into its stream. */
static nsg_rc fetch(struct run *r, struct cap_conn *conn, struct job *j,
                    struct dl *d, bool ranged, bool *mismatch,
                    struct nsg_err *err)
{
    char *name = cap_url_escape(j->b->name, true);
    char *c = cap_url_escape(j->container, false);
    char *pq = g_strdup_printf("/%s/%s", c, name);
    char range[64];
    const char *hdrs[] = {range, NULL};
    struct cap_resp resp;
    nsg_rc rc;
    *mismatch = false;
    snprintf(range, sizeof(range), "Range: bytes=%llu-",
             (unsigned long long)j->ck.offset);
    d->range_start = ranged ? j->ck.offset : 0;
    d->ck = ranged ? &j->ck : NULL;
    d->verified = false;
    d->next = 0;
    cap_resp_init(&resp);
    rc = cap_storage_get(r->st, conn, pq, ranged ? hdrs : NULL, sink, d, &resp,
                         err);
    if (rc == CAP_SINK_STOP) {
        *mismatch = true;
        rc = NSG_OK;
    } else if (!rc && ranged && resp.status == 416) {
        *mismatch = true; /* the blob is shorter than the checkpoint */
    } else if (!rc && resp.status / 100 != 2) {
        char *dsc = cap_resp_describe(&resp);
        rc = cap_err(err, NSG_E_INPUT, "GET blob %s/%s: %s", j->container,
                     j->b->name, dsc);
        g_free(dsc);
    } else if (!rc && ranged && resp.status == 206 && !d->verified) {
        *mismatch = true; /* shorter than the checkpointed record */
    } else if (!rc) {
        /* an empty blob still gets its header */
        rc = forward(d, resp.status == 206 ? d->range_start : 0, 0, "", 0, err);
        j->ranged = ranged && resp.status == 206;
        j->bytes = d->sent;
    }
    cap_resp_release(&resp);
    g_free(pq);
    g_free(c);
    g_free(name);
    return rc;
}

static void download(struct run *r, struct cap_conn *conn, struct job *j)
{
    struct dl d;
    bool mismatch = false;
    memset(&d, 0, sizeof(d));
    d.fd = j->wr;
    /* ranged only while the blob's hour is not over: once it is, the
     * importer records the whole-file hash, which needs every byte */
    bool ranged = j->ck.have && !cap_flow_hour_over(j->key) &&
                  j->b->size >= j->ck.offset + j->ck.length;
    j->rc = fetch(r, conn, j, &d, ranged, &mismatch, &j->err);
    if (!j->rc && mismatch) {
        cap_http_log(r->http, "  %s: the checkpointed record changed: "
                              "downloading the whole blob",
                     j->b->name);
        j->rc = fetch(r, conn, j, &d, false, &mismatch, &j->err);
    }
    dl_release(&d);
}

static void job_done(struct run *r, struct job *j)
{
    if (j->wr >= 0) {
        close(j->wr); /* the ingest reads to the end */
        j->wr = -1;
    }
    g_mutex_lock(&r->lock);
    j->done = true;
    g_cond_broadcast(&r->cond);
    g_mutex_unlock(&r->lock);
}

static gpointer worker(gpointer data)
{
    struct run *r = data;
    struct cap_conn *conn = cap_conn_new(r->http);
    for (;;) {
        gint i = g_atomic_int_add(&r->next_job, 1);
        if (i >= (gint)r->jobs->len)
            break;
        struct job *j = r->jobs->pdata[i];
        if (!j->skip && !g_atomic_int_get(&r->stop))
            download(r, conn, j);
        job_done(r, j);
        cap_http_progress(r->http, "batch %d: %d of %u blobs downloaded",
                          r->batches + 1, i + 1, r->jobs->len);
    }
    cap_conn_free(conn);
    return NULL;
}

static void job_close(struct job *j)
{
    if (j->rd >= 0)
        close(j->rd);
    if (j->wr >= 0)
        close(j->wr);
    j->rd = j->wr = -1;
}

static void job_free(gpointer p)
{
    struct job *j = p;
    job_close(j);
    free(j->key);
    g_free(j->state_key);
    g_free(j);
}

/* Read a stream's header: *got false at the end before it (the download
 * failed before its first byte). */
static nsg_rc read_header(int fd, bool *got, uint64_t *start,
                          struct nsg_err *err)
{
    char h[HEADER_LEN];
    size_t n = 0;
    *got = false;
    while (n < sizeof(h)) {
        ssize_t k = read(fd, h + n, sizeof(h) - n);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0)
            return cap_err(err, NSG_E_IO, "reading a download stream: %s",
                           strerror(errno));
        if (k == 0)
            return NSG_OK;
        n += (size_t)k;
    }
    if (h[0] != STREAM_MAGIC)
        return cap_err(err, NSG_E_INTERNAL, "a download stream without its "
                                            "header");
    memcpy(start, h + 1, 8);
    *got = true;
    return NSG_OK;
}

/* Ingest the batch's streams in order, as the downloads fill them. */
static nsg_rc ingest_all(struct run *r, struct cap_ingest *g,
                         struct nsg_err *err)
{
    nsg_rc rc = NSG_OK;
    for (guint i = 0; !rc && i < r->jobs->len; i++) {
        struct job *j = r->jobs->pdata[i];
        bool got = false;
        uint64_t start = 0;
        if (j->skip)
            continue;
        rc = read_header(j->rd, &got, &start, err);
        if (!rc && got)
            rc = cap_ingest_stream(g, j->b->name, j->rd, start, err);
        g_mutex_lock(&r->lock);
        while (!rc && !j->done)
            g_cond_wait(&r->cond, &r->lock);
        g_mutex_unlock(&r->lock);
        if (!rc && j->rc) {
            *err = j->err;
            rc = j->rc;
        } else if (!rc && !got) {
            rc = cap_err(err, NSG_E_INTERNAL, "blob %s: its download ended "
                                              "without a stream",
                         j->b->name);
        }
        close(j->rd);
        j->rd = -1;
    }
    return rc;
}

/* ---- one batch: download, import, commit -------------------------------- */

static void sum_counts(cJSON *into, const cJSON *rep)
{
    static const char *const keys[] = {"records", "records_already_imported",
                                       "records_bad", "tuples", "tuples_bad",
                                       "flows_written", "open_blobs"};
    for (size_t i = 0; i < G_N_ELEMENTS(keys); i++)
        {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(rep, keys[i]);
        cap_json_bump(into, keys[i], cJSON_IsNumber(v) ? v->valuedouble : 0);
    }
}

static nsg_rc run_batch(struct run *r, struct nsg_err *err)
{
    int n_threads = r->o->parallel > 0 ? r->o->parallel : 4;
    GThread *th[16];
    nsg_rc rc = NSG_OK;
    GPtrArray *keys = g_ptr_array_new();
    struct cap_ckpt *cks = g_new0(struct cap_ckpt, r->jobs->len);
    struct nsg_txn *txn = NULL;
    struct cap_ingest *g = NULL;
    cJSON *rep = cJSON_CreateObject();
    for (guint i = 0; i < r->jobs->len; i++)
        g_ptr_array_add(keys, ((struct job *)r->jobs->pdata[i])->key);
    rc = cap_ckpt_lookup(r->c, (const char *const *)keys->pdata, keys->len,
                         cks, err);
    for (guint i = 0; !rc && i < r->jobs->len; i++) {
        struct job *j = r->jobs->pdata[i];
        int sv[2];
        j->ck = cks[i];
        /* a final blob (closed, its hour over) that changed is not read
         * again: its records are in the corpus (the importer's rule) */
        j->skip = j->ck.have && j->ck.final;
        j->done = false;
        j->rc = NSG_OK;
        if (j->skip)
            continue;
        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv))
            rc = cap_err(err, NSG_E_IO, "socketpair: %s", strerror(errno));
        else {
            j->rd = sv[0];
            j->wr = sv[1];
        }
    }
    g_free(cks);
    g_ptr_array_free(keys, TRUE);
    /* one transaction: the batch's flows, checkpoints and ETags */
    if (!rc)
        rc = nsg_corpus_begin(r->c, &txn, err);
    if (!rc)
        rc = cap_ingest_begin(txn, &g, err);
    if (rc)
        goto out;
    if ((guint)n_threads > r->jobs->len)
        n_threads = (int)r->jobs->len;
    r->next_job = 0;
    r->stop = 0;
    for (int i = 0; i < n_threads; i++)
        th[i] = g_thread_new("download", worker, r);
    rc = ingest_all(r, g, err);
    if (rc) {
        /* stop the downloads: no more jobs, no reader for their streams */
        g_atomic_int_set(&r->stop, 1);
        for (guint i = 0; i < r->jobs->len; i++) {
            struct job *j = r->jobs->pdata[i];
            if (j->rd >= 0) {
                close(j->rd);
                j->rd = -1;
            }
        }
    }
    for (int i = 0; i < n_threads; i++)
        g_thread_join(th[i]);
    if (!rc) {
        rc = cap_ingest_end(g, rep, err);
        g = NULL;
    }
    if (!rc) {
        cJSON *sec = nsg_txn_section(txn, "capture");
        cJSON *blobs = cJSON_GetObjectItemCaseSensitive(sec, "blobs");
        if (!cJSON_IsObject(blobs)) {
            cJSON_DeleteItemFromObjectCaseSensitive(sec, "blobs");
            blobs = cJSON_AddObjectToObject(sec, "blobs");
        }
        for (guint i = 0; i < r->jobs->len; i++) {
            struct job *j = r->jobs->pdata[i];
            cJSON *e = cJSON_CreateObject();
            cJSON_AddStringToObject(e, "etag", j->b->etag ? j->b->etag : "");
            cJSON_AddNumberToObject(e, "size", (double)j->b->size);
            cJSON_DeleteItemFromObjectCaseSensitive(blobs, j->state_key);
            cJSON_AddItemToObject(blobs, j->state_key, e);
            cap_json_bump(r->blob_counts,
                          j->skip     ? "final_changed"
                          : j->ranged ? "ranged"
                                      : "downloaded",
                          1);
            cap_json_bump(r->blob_counts, "bytes", (double)j->bytes);
        }
        rc = nsg_corpus_commit(&txn, err);
    }
    if (!rc) {
        sum_counts(r->flow_counts, rep);
        r->batches++;
        /* a test hook: time to kill the capture between two batches */
        long pause = cap_env_long("NSGPROOF_CAPTURE_PAUSE_MS", 0, 0, 60000);
        if (pause)
            g_usleep((gulong)pause * 1000);
    }
out:
    cap_ingest_abort(g);
    if (txn)
        nsg_corpus_rollback(txn);
    for (guint i = 0; i < r->jobs->len; i++)
        job_close(r->jobs->pdata[i]);
    cJSON_Delete(rep);
    return rc;
}

static gint by_name(gconstpointer a, gconstpointer b)
{
    const struct job *x = *(struct job *const *)a, *y = *(struct job *const *)b;
    int c = strcmp(x->container, y->container);
    return c ? c : strcmp(x->b->name, y->b->name);
}

/* A name that is safe as a path under the spool (no "..", ".", empty or
 * absolute segments: a blob name is the server's text). */
static bool safe_name(const char *name)
{
    char **seg = g_strsplit(name, "/", -1);
    bool ok = *name != '/';
    for (char **s = seg; ok && *s; s++)
        ok = **s && strcmp(*s, ".") && strcmp(*s, "..");
    g_strfreev(seg);
    return ok;
}

static bool is_json(const char *name)
{
    size_t n = strlen(name);
    return n >= 5 && !strcasecmp(name + n - 5, ".json");
}

/* Decide per blob, then run the batches. */
static nsg_rc capture(struct run *r, const char *const *containers, size_t n,
                      struct nsg_err *err)
{
    long batch = cap_env_long("NSGPROOF_CAPTURE_BATCH", DEFAULT_BATCH, 1, 100000);
    GPtrArray *all = g_ptr_array_new_with_free_func(job_free);
    nsg_rc rc = NSG_OK;
    for (size_t ci = 0; !rc && ci < n; ci++) {
        size_t before = r->blobs->len;
        rc = list_container(r, containers[ci], r->o->n_containers > 0, r->blobs,
                            err);
        for (guint i = (guint)before; !rc && i < r->blobs->len; i++) {
            const struct cap_blob *b = r->blobs->pdata[i];
            char *key = g_strdup_printf("%s/%s", containers[ci], b->name);
            const cJSON *sec = nsg_corpus_section(r->c, "capture");
            const cJSON *old = cJSON_GetObjectItemCaseSensitive(
                cJSON_GetObjectItemCaseSensitive(sec, "blobs"), key);
            const cJSON *etag = cJSON_GetObjectItemCaseSensitive(old, "etag");
            char *fk = is_json(b->name) && safe_name(b->name)
                           ? cap_flow_key(b->name)
                           : NULL;
            if (!fk) {
                cap_json_bump(r->blob_counts, "not_flowlog", 1);
            } else if (r->o->since && b->last_modified &&
                       b->last_modified < r->o->since) {
                cap_json_bump(r->blob_counts, "before_since", 1);
            } else if (cJSON_IsString(etag) && b->etag &&
                       !strcmp(etag->valuestring, b->etag)) {
                cap_json_bump(r->blob_counts, "unchanged", 1);
            } else {
                struct job *j = g_new0(struct job, 1);
                j->container = containers[ci];
                j->b = b;
                j->state_key = key;
                key = NULL;
                j->rd = j->wr = -1;
                j->key = fk;
                fk = NULL;
                g_ptr_array_add(all, j);
            }
            g_free(key);
            free(fk);
        }
    }
    g_ptr_array_sort(all, by_name);
    cJSON_AddNumberToObject(r->blob_counts, "to_read", all->len);
    for (guint start = 0; !rc && start < all->len; start += (guint)batch) {
        r->jobs = g_ptr_array_new();
        for (guint i = start; i < all->len && i < start + (guint)batch; i++)
            g_ptr_array_add(r->jobs, all->pdata[i]);
        rc = run_batch(r, err);
        g_ptr_array_free(r->jobs, TRUE);
        r->jobs = NULL;
    }
    g_ptr_array_free(all, TRUE);
    return rc;
}

static bool account_ok(const char *a)
{
    size_t n = a ? strlen(a) : 0;
    if (n < 3 || n > 24)
        return false;
    for (; *a; a++)
        if (!g_ascii_islower(*a) && !g_ascii_isdigit(*a))
            return false;
    return true;
}

nsg_rc nsg_cap_flowlogs(const struct nsg_cap_flow_opts *o, cJSON *report,
                        struct nsg_err *err)
{
    static const char *const dflt[] = {NSG_CAP_CONTAINER_NSG,
                                       NSG_CAP_CONTAINER_VNET};
    struct run r;
    char *endpoint = NULL;
    nsg_rc rc;
    memset(&r, 0, sizeof(r));
    g_mutex_init(&r.lock);
    g_cond_init(&r.cond);
    if (!account_ok(o->account))
        return cap_err(err, NSG_E_USAGE,
                       "--account: '%s' is not a storage account name (3-24 "
                       "lower-case letters and digits)",
                       o->account ? o->account : "");
    for (size_t i = 0; i < o->n_containers; i++)
        if (!*o->containers[i] || strchr(o->containers[i], '/'))
            return cap_err(err, NSG_E_USAGE, "--container: '%s' is not a "
                                             "container name",
                           o->containers[i]);
    rc = cap_http_for(&o->common, &r.http, err);
    if (rc)
        return rc;
    r.o = o;
    r.report = report;
    r.blobs = g_ptr_array_new_with_free_func((GDestroyNotify)cap_blob_free);
    endpoint = o->blob_endpoint
                   ? g_strdup(o->blob_endpoint)
                   : g_strdup_printf("https://%s.blob.core.windows.net",
                                     o->account);
    const char *key = getenv("AZURE_STORAGE_KEY"), *sas = getenv("AZURE_STORAGE_SAS");
    if (!(key && *key) && !(sas && *sas)) {
        struct nsg_err cerr = NSG_ERR_INIT;
        if (cap_cred_from_env(o->common.login_endpoint, &r.cred, &cerr))
            r.cred = NULL; /* cap_storage_new says what to set */
    }
    rc = cap_storage_new(o->account, endpoint, r.cred, &r.st, err);
    cJSON_AddStringToObject(report, "account", o->account);
    cJSON_AddStringToObject(report, "blob_endpoint", endpoint);
    cJSON_AddArrayToObject(report, "containers");
    r.blob_counts = cJSON_AddObjectToObject(report, "blobs");
    r.flow_counts = cJSON_AddObjectToObject(report, "flows");
    for (const char *const *k = (const char *const[]){"to_read", "downloaded",
                                                      "ranged", "unchanged",
                                                      "before_since",
                                                      "final_changed",
                                                      "not_flowlog", "bytes",
                                                      NULL};
         *k; k++)
        cJSON_AddNumberToObject(r.blob_counts, *k, 0);
    for (const char *const *k =
             (const char *const[]){"records", "records_already_imported",
                                   "records_bad", "tuples", "tuples_bad",
                                   "flows_written", "open_blobs", NULL};
         *k; k++)
        cJSON_AddNumberToObject(r.flow_counts, *k, 0);
    if (!rc) {
        cJSON_AddStringToObject(report, "auth", cap_storage_auth_name(r.st));
        rc = nsg_corpus_open(o->common.corpus, true, &r.c, err);
    }
    if (!rc && o->common.lock_wait_ms >= 0)
        nsg_corpus_set_lock_wait(r.c, o->common.lock_wait_ms);
    if (!rc)
        spool_cleanup(&r);
    if (!rc)
        rc = o->n_containers ? capture(&r, o->containers, o->n_containers, err)
                             : capture(&r, dflt, 2, err);
    cJSON_AddNumberToObject(report, "batches", r.batches);
    cap_http_report(r.http, report);
    g_ptr_array_free(r.blobs, TRUE);
    nsg_corpus_close(r.c);
    cap_storage_free(r.st);
    cap_cred_free(r.cred);
    cap_http_free(r.http);
    g_free(endpoint);
    g_mutex_clear(&r.lock);
    g_cond_clear(&r.cond);
    return rc;
}
