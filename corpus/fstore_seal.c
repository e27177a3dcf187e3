/* fstore_seal.c - flow groups written early.  Every record belongs to a
 * group: the key fields a flow-log group shares (NSG / aclID / target,
 * rule, MAC) and the hour.  Flow logs arrive blob by blob (one NIC, one
 * hour), so once a blob is read its groups get nothing more.  When the
 * aggregation table is full, the groups nothing was added to during the
 * last half table's worth of records are *sealed*: their records are
 * written to the new segment at once, grouped (so the segment's "same as
 * the previous record" bits still apply), and leave the table.  The
 * segment then grows while the input is read, and no spill run is written
 * or read back for them.  Exactness: keys of different groups never meet,
 * and a sealed group is remembered (a 64-bit fingerprint), so a record
 * arriving for one ("late": the same blob twice, an hour split over blobs
 * read far apart) is noticed; the finish then rewrites the segment,
 * merging the late groups' records with what was sealed of them.  Groups
 * whose records went to a classic sorted run are never sealed (their keys
 * are merged at the end).  Fingerprint collisions only ever make a group
 * look late or spilled: slower, never wrong. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fstore_agg_int.h"

enum {
    G_NOSEAL = 1, /* keys in a run, or late: merged at the end */
    G_SEALING = 2,
};

#define gent nsg_fstore_gent

struct fpset { /* open addressing over 64-bit fingerprints (0 = empty) */
    uint64_t *v;
    size_t cap, n;
};

struct nsg_fstore_seal {
    char *path;                   /* the new segment */
    struct nsg_flowseg_writer *w; /* open once a group was sealed */
    struct gent *g;               /* active groups, open addressing */
    size_t gcap, gn;
    struct fpset sealed, spilled, late; /* groups that left the table */
    bool any_late;
    uint64_t records, evictions;
    uint32_t *order; /* eviction scratch (table indices) */
};

static inline uint64_t mum(uint64_t a, uint64_t b)
{
    unsigned __int128 r = (unsigned __int128)a * b;
    return (uint64_t)r ^ (uint64_t)(r >> 64);
}

/* The group of a record: bytes [0, 23) of the key (refs, MAC, has_mac)
 * and the hour (nsg_fstore_group_words). */
_Static_assert(offsetof(struct nsg_flowrec, has_mac) == 22 &&
                   offsetof(struct nsg_flowrec, version) == 23,
               "group fields are the key's first 23 bytes");

static uint64_t group_fp(const struct nsg_flowrec *r)
{
    uint64_t k[3];
    nsg_fstore_group_words(r, k);
    uint64_t hour = (uint64_t)(r->first_seen / 3600);
    uint64_t h = mum(k[0] ^ 0xa0761d6478bd642full, k[1] ^ hour);
    h = mum(h ^ k[2] ^ 0xe7037ed1a0b428dbull, 0x8ebc6af09c88c6e3ull);
    return h | 1;
}

/* ---- fingerprint sets ---------------------------------------------------- */

static void fp_grow(struct fpset *s);

static bool fp_has(const struct fpset *s, uint64_t fp)
{
    if (!s->n)
        return false;
    size_t mask = s->cap - 1;
    for (size_t i = (size_t)(fp ^ (fp >> 29)) & mask;; i = (i + 1) & mask) {
        if (s->v[i] == fp)
            return true;
        if (!s->v[i])
            return false;
    }
}

static void fp_add(struct fpset *s, uint64_t fp)
{
    if ((s->n + 1) * 2 > s->cap)
        fp_grow(s);
    size_t mask = s->cap - 1;
    for (size_t i = (size_t)(fp ^ (fp >> 29)) & mask;; i = (i + 1) & mask) {
        if (s->v[i] == fp)
            return;
        if (!s->v[i]) {
            s->v[i] = fp;
            s->n++;
            return;
        }
    }
}

static void fp_grow(struct fpset *s)
{
    struct fpset o = *s;
    s->cap = o.cap ? o.cap * 2 : 1024;
    s->v = nsg_xcalloc(s->cap, sizeof(*s->v));
    s->n = 0;
    for (size_t i = 0; i < o.cap; i++)
        if (o.v[i])
            fp_add(s, o.v[i]);
    free(o.v);
}

/* ---- active groups ------------------------------------------------------- */

struct nsg_fstore_seal *nsg_fstore_seal_new(const char *segment_path)
{
    struct nsg_fstore_seal *s = nsg_xcalloc(1, sizeof(*s));
    s->path = nsg_xstrdup(segment_path);
    s->gcap = 64;
    s->g = nsg_xcalloc(s->gcap, sizeof(*s->g));
    return s;
}

/* The active groups moved or changed: the agg's view follows. */
static void republish(struct nsg_fstore_agg *a)
{
    a->gents = a->seal->g;
    a->ggen++;
}

void nsg_fstore_seal_attach(struct nsg_fstore_agg *a)
{
    republish(a);
}

void nsg_fstore_seal_free(struct nsg_fstore_seal *s)
{
    if (!s)
        return;
    nsg_flowseg_abort(s->w); /* finish took it, unless we failed */
    free(s->path);
    free(s->g);
    free(s->sealed.v);
    free(s->spilled.v);
    free(s->late.v);
    free(s->order);
    free(s);
}

uint64_t nsg_fstore_seal_records(const struct nsg_fstore_seal *s)
{
    return s->records;
}

uint64_t nsg_fstore_seal_evictions(const struct nsg_fstore_seal *s)
{
    return s->evictions;
}

bool nsg_fstore_seal_late(const struct nsg_fstore_seal *s)
{
    return s->any_late;
}

static size_t g_find(const struct nsg_fstore_seal *s, uint64_t fp)
{
    size_t mask = s->gcap - 1;
    size_t i = (size_t)(fp ^ (fp >> 31)) & mask;
    while (s->g[i].fp && s->g[i].fp != fp)
        i = (i + 1) & mask;
    return i;
}

/* Rebuild the active table with room for `want` groups, keeping the
 * entries `keep` accepts. */
static void g_rebuild(struct nsg_fstore_agg *a, size_t want,
                      bool (*keep)(const struct gent *))
{
    struct nsg_fstore_seal *s = a->seal;
    struct gent *old = s->g;
    size_t ocap = s->gcap;
    size_t cap = 64;
    while (cap < want * 2)
        cap *= 2;
    s->g = nsg_xcalloc(cap, sizeof(*s->g));
    s->gcap = cap;
    s->gn = 0;
    for (size_t i = 0; i < ocap; i++)
        if (old[i].fp && (!keep || keep(&old[i]))) {
            size_t j = g_find(s, old[i].fp);
            s->g[j] = old[i];
            s->gn++;
        }
    free(old);
    republish(a);
}

uint32_t nsg_fstore_seal_touch(struct nsg_fstore_agg *a,
                               const struct nsg_flowrec *r)
{
    struct nsg_fstore_seal *s = a->seal;
    uint64_t fp = group_fp(r);
    size_t i = g_find(s, fp);
    if (!s->g[i].fp) {
        if ((s->gn + 1) * 2 > s->gcap) {
            g_rebuild(a, s->gn + 1, NULL);
            i = g_find(s, fp);
        }
        memset(&s->g[i], 0, sizeof(s->g[i]));
        s->g[i].fp = fp;
        s->gn++;
        if (fp_has(&s->spilled, fp))
            s->g[i].flags |= G_NOSEAL;
        if (fp_has(&s->sealed, fp)) { /* late: merged at the finish */
            s->g[i].flags |= G_NOSEAL;
            fp_add(&s->late, fp);
            s->any_late = true;
        }
    }
    s->g[i].last = a->added;
    struct nsg_fstore_gcache *c = &a->gc;
    nsg_fstore_group_words(r, c->k);
    c->hour = r->first_seen / 3600;
    c->gi = (uint32_t)i;
    c->fp = fp;
    c->gen = a->ggen;
    c->valid = true;
    return (uint32_t)i;
}

static bool not_sealing(const struct gent *g)
{
    return !(g->flags & G_SEALING);
}

void nsg_fstore_seal_spilled(struct nsg_fstore_agg *a)
{
    struct nsg_fstore_seal *s = a->seal;
    for (size_t i = 0; i < s->gcap; i++)
        if (s->g[i].fp)
            fp_add(&s->spilled, s->g[i].fp);
    /* every group left the table: none is active any more */
    memset(s->g, 0, s->gcap * sizeof(*s->g));
    s->gn = 0;
    republish(a);
}

/* The active group of table record k (neighbours usually share one). */
static inline struct gent *group_of(struct nsg_fstore_seal *s,
                                    const struct nsg_fstore_agg *a, size_t k,
                                    struct gent **last)
{
    if (*last && (*last)->fp == a->gfp[k])
        return *last;
    return *last = &s->g[g_find(s, a->gfp[k])];
}

/* Write the table's records of the groups marked G_SEALING to the
 * segment, grouped in the order the groups first appear in the table,
 * and drop them from the table. */
static nsg_rc seal_marked(struct nsg_fstore_agg *a, size_t total,
                          struct nsg_err *err)
{
    struct nsg_fstore_seal *s = a->seal;
    nsg_rc rc = NSG_OK;
    if (!s->w) {
        rc = nsg_flowseg_create(s->path, &s->w, err);
        if (rc)
            return rc;
    }
    if (!s->order)
        s->order = nsg_xmalloc((a->max + 1) * sizeof(*s->order));
    /* ranks of the sealing groups, and where each one's records start */
    size_t start = 0;
    struct gent *last = NULL;
    for (size_t k = 0; k < a->n; k++) {
        struct gent *g = group_of(s, a, k, &last);
        if (!(g->flags & G_SEALING) || g->cnt)
            continue;
        g->ord = (uint32_t)start; /* first free position of the group */
        g->cnt = 1;
        start += g->n;
    }
    if (start != total)
        return nsg_err_set(err, NSG_E_INTERNAL,
                           "flow store: group counts disagree with the table "
                           "(%zu, %zu)",
                           start, total);
    /* place records, compact the rest to the front (in order) */
    size_t keep = 0;
    last = NULL;
    for (size_t k = 0; k < a->n; k++) {
        struct gent *g = group_of(s, a, k, &last);
        if (g->flags & G_SEALING)
            s->order[g->ord++] = (uint32_t)k;
    }
    for (size_t k = 0; !rc && k < total; k++) {
        if (k + 8 < total)
            __builtin_prefetch(&a->recs[s->order[k + 8]]);
        rc = nsg_flowseg_add(s->w, &a->recs[s->order[k]], err);
    }
    if (rc)
        return rc;
    last = NULL;
    for (size_t k = 0; k < a->n; k++) {
        struct gent *g = group_of(s, a, k, &last);
        if (g->flags & G_SEALING)
            continue;
        if (keep != k) {
            a->recs[keep] = a->recs[k];
            a->hashes[keep] = a->hashes[k];
            a->keyh[keep] = a->keyh[k];
            a->gfp[keep] = a->gfp[k];
        }
        keep++;
    }
    a->n = keep;
    nsg_fstore_agg_rebuild_slots(a);
    for (size_t i = 0; i < s->gcap; i++)
        if (s->g[i].fp && (s->g[i].flags & G_SEALING))
            fp_add(&s->sealed, s->g[i].fp);
    g_rebuild(a, s->gn, not_sealing);
    s->records += total;
    s->evictions++;
    return NSG_OK;
}

nsg_rc nsg_fstore_seal_evict(struct nsg_fstore_agg *a, bool *freed,
                             struct nsg_err *err)
{
    struct nsg_fstore_seal *s = a->seal;
    uint64_t idle = a->max / 2 + 1;
    uint64_t cutoff = a->added > idle ? a->added - idle : 0;
    size_t total = 0;
    *freed = false;
    for (size_t i = 0; i < s->gcap; i++) {
        struct gent *g = &s->g[i];
        g->cnt = 0;
        g->flags &= ~(uint32_t)G_SEALING;
        if (g->fp && g->n && !(g->flags & G_NOSEAL) && g->last < cutoff) {
            g->flags |= G_SEALING;
            total += g->n;
        }
    }
    if (!total || total < a->max / 8)
        return NSG_OK; /* too few idle: the caller spills */
    nsg_rc rc = seal_marked(a, total, err);
    *freed = !rc;
    return rc;
}

/* ---- the finish ---------------------------------------------------------- */

/* Seal every group left in the table (they never met a run). */
static nsg_rc seal_rest(struct nsg_fstore_agg *a, struct nsg_err *err)
{
    struct nsg_fstore_seal *s = a->seal;
    size_t total = 0;
    for (size_t i = 0; i < s->gcap; i++) {
        struct gent *g = &s->g[i];
        g->cnt = 0;
        g->flags &= ~(uint32_t)G_SEALING;
        if (g->fp && g->n) {
            g->flags |= G_SEALING;
            total += g->n;
        }
    }
    return total ? seal_marked(a, total, err) : NSG_OK;
}

/* Late groups exist: the segment written so far becomes a scratch file;
 * it is copied into a new one except for the late groups' records, which
 * are aggregated again with everything still in the table and the runs
 * (all of it first spilled to a run), and merged behind. */
static nsg_rc rewrite(struct nsg_fstore_agg *a, struct nsg_err *err)
{
    struct nsg_fstore_seal *s = a->seal;
    struct nsg_fstore_seal *keep_seal = a->seal;
    struct nsg_flowseg_reader *rd = NULL;
    struct nsg_flowseg_writer *w = NULL;
    char *tmp = nsg_fstore_run_path(a);
    nsg_rc rc;
    a->seal = NULL; /* plain aggregation from here */
    rc = nsg_fstore_agg_spill(a, err);
    if (!rc) {
        nsg_flowseg_no_fsync(s->w);
        rc = nsg_flowseg_finish(s->w, (const char *const *)a->strv->pdata,
                                a->strv->len, NULL, NULL, err);
        s->w = NULL;
    }
    if (!rc && rename(s->path, tmp))
        rc = nsg_err_set(err, NSG_E_IO, "%s: rename: %s", s->path,
                         g_strerror(errno));
    if (!rc)
        rc = nsg_flowseg_open(tmp, &rd, err);
    if (!rc)
        rc = nsg_flowseg_create(s->path, &w, err);
    struct nsg_flowrec r;
    int k = 0;
    while (!rc && (k = nsg_flowseg_next(rd, &r, err)) == 1) {
        if (fp_has(&s->late, group_fp(&r)))
            rc = nsg_fstore_agg_insert_plain(a, &r, err);
        else
            rc = nsg_flowseg_add(w, &r, err);
    }
    if (!rc && k < 0)
        rc = err ? err->code : NSG_E_INPUT;
    nsg_flowseg_close(rd);
    unlink(tmp);
    g_free(tmp);
    if (!rc)
        rc = nsg_fstore_agg_merge_all(a, w, err);
    a->seal = keep_seal;
    if (rc) {
        nsg_flowseg_abort(w);
        return rc;
    }
    s->w = w;
    return NSG_OK;
}

nsg_rc nsg_fstore_seal_finish(struct nsg_fstore_agg *a, bool *handled,
                              uint64_t *n_flows, uint64_t *n_bytes,
                              struct nsg_err *err)
{
    struct nsg_fstore_seal *s = a->seal;
    nsg_rc rc = NSG_OK;
    *handled = s->w != NULL;
    if (!s->w)
        return NSG_OK; /* nothing sealed: the classic way */
    if (s->any_late)
        rc = rewrite(a, err);
    else if (a->runs->len)
        rc = nsg_fstore_agg_merge_all(a, s->w, err);
    else
        rc = seal_rest(a, err);
    if (!rc) {
        rc = nsg_flowseg_finish(s->w, (const char *const *)a->strv->pdata,
                                a->strv->len, n_flows, n_bytes, err);
        s->w = NULL; /* finish frees it, also on failure */
    }
    return rc;
}
