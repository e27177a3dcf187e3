/* fstore_pipe.c - runs the flow store's aggregation (hash table, spills,
 * runs) on a second thread while the feeding thread (the flow-log
 * importer's reads, scans and tokenizes) produces records: the two halves
 * cost about the same, so ingest runs up to twice as fast on two cores.
 * Batches of flow records travel through two GAsyncQueues (filled / empty)
 * over a fixed set of buffers, so memory stays bounded.  Only the
 * aggregation thread touches the table; only the feeding thread interns
 * strings (nsg_fstore_agg_intern), and it finishes the aggregator after
 * nsg_fstore_pipe_finish has joined the thread.
 * Without a thread (import lanes on a machine they already fill) the
 * same calls aggregate each small batch on the feeding thread: two lanes
 * with a thread each put four busy threads on two processors, and every
 * record crossed from one core's cache to another's (3 % of the wall
 * time, 4 % of the CPU of a 1 GB import, docs/PERFORMANCE.md). */
#include <string.h>

#include "fstore_int.h"

#define N_BUFS 4
#define BATCH_FLUSH 8192
#define SAME_THREAD_FLUSH 2048 /* 272 KB of records: stays in cache */

struct nsg_fstore_pipe {
    struct nsg_fstore_agg *agg;
    GAsyncQueue *full, *empty;
    GThread *thread;
    GArray *cur; /* being filled by the feeding thread */
    GArray *bufs[N_BUFS];
    gint failed; /* set by the aggregation thread */
    nsg_rc rc;   /* its error (read after the join or once failed) */
    struct nsg_err err;
    char end; /* address used as the end marker */
    bool threaded;
};

static gpointer consume(gpointer data)
{
    struct nsg_fstore_pipe *p = data;
    for (;;) {
        gpointer item = g_async_queue_pop(p->full);
        if (item == &p->end)
            return NULL;
        GArray *b = item;
        if (!g_atomic_int_get(&p->failed)) {
            nsg_rc rc = nsg_fstore_agg_add_batch(
                p->agg, (const struct nsg_flowrec *)b->data, b->len, &p->err);
            if (rc) {
                p->rc = rc;
                g_atomic_int_set(&p->failed, 1);
            }
        }
        g_array_set_size(b, 0);
        g_async_queue_push(p->empty, b);
    }
}

struct nsg_fstore_pipe *nsg_fstore_pipe_start(struct nsg_fstore_agg *agg,
                                              bool threaded)
{
    struct nsg_fstore_pipe *p = nsg_xcalloc(1, sizeof(*p));
    p->agg = agg;
    p->threaded = threaded;
    if (!threaded) {
        p->cur = g_array_sized_new(FALSE, FALSE, sizeof(struct nsg_flowrec),
                                   SAME_THREAD_FLUSH + 4096);
        return p;
    }
    p->full = g_async_queue_new();
    p->empty = g_async_queue_new();
    for (int i = 0; i < N_BUFS; i++) {
        p->bufs[i] = g_array_sized_new(FALSE, FALSE, sizeof(struct nsg_flowrec),
                                       BATCH_FLUSH + 4096);
        if (i)
            g_async_queue_push(p->empty, p->bufs[i]);
    }
    p->cur = p->bufs[0];
    p->thread = g_thread_new("nsgproof-agg", consume, p);
    return p;
}

GArray *nsg_fstore_pipe_batch(struct nsg_fstore_pipe *p)
{
    return p->cur;
}

static nsg_rc failure(struct nsg_fstore_pipe *p, struct nsg_err *err)
{
    if (err)
        *err = p->err;
    return p->rc;
}

nsg_rc nsg_fstore_pipe_send(struct nsg_fstore_pipe *p, bool force,
                            struct nsg_err *err)
{
    if (g_atomic_int_get(&p->failed))
        return failure(p, err);
    if (!p->threaded) {
        if (!p->cur->len || (!force && p->cur->len < SAME_THREAD_FLUSH))
            return NSG_OK;
        p->rc = nsg_fstore_agg_add_batch(
            p->agg, (const struct nsg_flowrec *)p->cur->data, p->cur->len,
            &p->err);
        g_array_set_size(p->cur, 0);
        if (p->rc)
            p->failed = 1;
        return p->rc ? failure(p, err) : NSG_OK;
    }
    if (!p->cur->len || (!force && p->cur->len < BATCH_FLUSH))
        return NSG_OK;
    g_async_queue_push(p->full, p->cur);
    p->cur = g_async_queue_pop(p->empty);
    return NSG_OK;
}

nsg_rc nsg_fstore_pipe_finish(struct nsg_fstore_pipe *p, struct nsg_err *err)
{
    nsg_rc rc = NSG_OK;
    if (!p)
        return NSG_OK;
    if (!p->threaded) {
        rc = nsg_fstore_pipe_send(p, true, err);
        g_array_free(p->cur, TRUE);
        free(p);
        return rc;
    }
    if (p->cur->len && !g_atomic_int_get(&p->failed))
        g_async_queue_push(p->full, p->cur);
    else
        g_async_queue_push(p->empty, p->cur);
    g_async_queue_push(p->full, &p->end);
    g_thread_join(p->thread);
    if (p->failed)
        rc = failure(p, err);
    for (int i = 0; i < N_BUFS; i++)
        g_array_free(p->bufs[i], TRUE);
    g_async_queue_unref(p->full);
    g_async_queue_unref(p->empty);
    free(p);
    return rc;
}
