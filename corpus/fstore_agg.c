/* fstore_agg.c - the flow store's aggregation of flow records with
 * bounded memory: an open-addressing hash table over one flat array of at
 * most max_entries records.  Hand-written rather than GHashTable because it
 * runs once per tuple: no allocation per flow, an exact memory bound,
 * 64-bit slots that carry a hash tag (a probe rarely touches a record),
 * batched inserts that prefetch, and a spill that sorts in place.
 * When the table is full, flow groups (hour, NSG, rule, MAC) that have not
 * been added to for a while are written straight to the new segment and
 * leave the table (fstore_seal.c): flow logs come blob by blob, one hour
 * of one NIC each, so a finished blob's groups are done.  Only when too
 * few groups are idle are the table's records sorted by (key hash, key)
 * with a radix sort and written as a run (a segment file without strings)
 * beside the new segment; at the end the table and the runs are k-way
 * merged, equal keys folded.  Without either the table is written in
 * insertion order. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <xxhash.h>

#include "fstore_agg_int.h"

#define FANIN 32

/* Interned strings are NSG and resource ids of 100-200 bytes, looked up
 * once per flow group: XXH3 reads them 32 bytes at a time where g_str_hash
 * takes a multiply per byte (8 % of an import of small blobs). */
static guint str_hash(gconstpointer p)
{
    return (guint)XXH3_64bits(p, strlen(p));
}

struct nsg_fstore_agg *nsg_fstore_agg_new(size_t max_entries, const char *tmpdir)
{
    struct nsg_fstore_agg *a = nsg_xcalloc(1, sizeof(*a));
    if (max_entries < 2)
        max_entries = 2;
    a->max = max_entries;
    a->nslots = 4;
    while (a->nslots < max_entries * 2)
        a->nslots *= 2;
    /* records from a cache-line boundary: a record (136 bytes) spans
     * three lines, all prefetched before a batch's inserts touch them */
    if (posix_memalign((void **)&a->recs, 64, max_entries * sizeof(*a->recs)))
        abort(); /* as nsg_xmalloc */
    a->hashes = nsg_xmalloc(max_entries * sizeof(*a->hashes));
    a->keyh = nsg_xmalloc(max_entries * sizeof(*a->keyh));
    a->gfp = nsg_xmalloc(max_entries * sizeof(*a->gfp));
    a->slots = nsg_xcalloc(a->nslots, sizeof(*a->slots));
    a->tmpdir = nsg_xstrdup(tmpdir);
    a->runs = g_ptr_array_new_with_free_func(free);
    a->strings = g_hash_table_new(str_hash, g_str_equal);
    a->strv = g_ptr_array_new_with_free_func(free);
    return a;
}

void nsg_fstore_agg_free(struct nsg_fstore_agg *a)
{
    if (!a)
        return;
    for (guint i = 0; i < a->runs->len; i++)
        unlink(a->runs->pdata[i]);
    g_ptr_array_free(a->runs, TRUE);
    g_hash_table_destroy(a->strings);
    g_ptr_array_free(a->strv, TRUE);
    nsg_fstore_seal_free(a->seal);
    free(a->recs);
    free(a->hashes);
    free(a->keyh);
    free(a->gfp);
    free(a->sk);
    free(a->sk2);
    free(a->six2);
    free(a->cnt);
    free(a->ord);
    free(a->slots);
    free(a->hbuf);
    free(a->tmpdir);
    free(a);
}

uint32_t nsg_fstore_agg_intern(struct nsg_fstore_agg *a, const char *s)
{
    gpointer v;
    if (!s)
        return 0;
    if (g_hash_table_lookup_extended(a->strings, s, NULL, &v))
        return GPOINTER_TO_UINT(v);
    char *copy = nsg_xstrdup(s);
    g_ptr_array_add(a->strv, copy);
    uint32_t ref = a->strv->len;
    g_hash_table_insert(a->strings, copy, GUINT_TO_POINTER(ref));
    return ref;
}

size_t nsg_fstore_agg_runs(const struct nsg_fstore_agg *a)
{
    return a->runs->len;
}

uint64_t nsg_fstore_agg_pending(const struct nsg_fstore_agg *a)
{
    return a->added;
}

/* 64x64->128 multiply folded to 64 bits (the wyhash mixer). */
static inline uint64_t mum(uint64_t a, uint64_t b)
{
    unsigned __int128 r = (unsigned __int128)a * b;
    return (uint64_t)r ^ (uint64_t)(r >> 64);
}

/* Hash of the aggregation key: the key bytes and the hour.  Two key words
 * per multiply (it was one multiply and shift per word: ~5 % of an
 * import's instructions). */
static uint64_t hash_key(const struct nsg_flowrec *r)
{
    uint64_t h = (uint64_t)(r->first_seen / 3600) ^ 0x9E3779B97F4A7C15ull;
    const unsigned char *p = (const unsigned char *)r;
    size_t i = 0;
    for (; i + 16 <= NSG_FLOWREC_KEYLEN; i += 16) {
        uint64_t a, b;
        memcpy(&a, p + i, 8);
        memcpy(&b, p + i + 8, 8);
        h = mum(a ^ h ^ 0xa0761d6478bd642full, b ^ 0xe7037ed1a0b428dbull);
    }
    for (; i + 8 <= NSG_FLOWREC_KEYLEN; i += 8) {
        uint64_t a;
        memcpy(&a, p + i, 8);
        h = mum(a ^ h ^ 0xa0761d6478bd642full, 0x8ebc6af09c88c6e3ull);
    }
    for (; i < NSG_FLOWREC_KEYLEN; i++)
        h = (h ^ p[i]) * 0x100000001b3ull;
    return mum(h ^ 0x589965cc75374cc3ull, NSG_FLOWREC_KEYLEN ^
                                              0x1d8e4e27c47d124full);
}

uint64_t nsg_fstore_agg_hash_key(const struct nsg_flowrec *r)
{
    return hash_key(r);
}

/* The sort key of runs and of the merged segment: the high half hashes
 * the flow group (hour, NSG / acl / target, rule, MAC) so that a group's
 * flows sit together (the segment encodes repeated fields in a bit), the
 * low half the key hash h (hash_key).  Equal keys have equal sort keys; ties
 * are broken by nsg_flowrec_cmp. */
static uint64_t order_key(const struct nsg_flowrec *r, uint64_t h)
{
    uint64_t g = (uint64_t)(r->first_seen / 3600) * 0x9E3779B97F4A7C15ull;
    uint64_t m = 0;
    memcpy(&m, r->mac, 6);
    g = (g ^ ((uint64_t)r->nsg << 32 | r->acl)) * 0xff51afd7ed558ccdull;
    g ^= g >> 29;
    g = (g ^ ((uint64_t)r->target << 32 | r->rule)) * 0xc4ceb9fe1a85ec53ull;
    g ^= g >> 31;
    g = (g ^ m) * 0x9E3779B97F4A7C15ull;
    g ^= g >> 32;
    return (g & 0xFFFFFFFF00000000ull) | (h & 0xFFFFFFFFull);
}

static bool same_key(const struct nsg_flowrec *a, const struct nsg_flowrec *b)
{
    return a->first_seen / 3600 == b->first_seen / 3600 &&
           !memcmp(a, b, NSG_FLOWREC_KEYLEN);
}

/* The order of runs and of the merge: hash, then hour, then key bytes. */
static int order(uint64_t ha, const struct nsg_flowrec *a, uint64_t hb,
                 const struct nsg_flowrec *b)
{
    if (ha != hb)
        return ha < hb ? -1 : 1;
    return nsg_flowrec_cmp(a, b);
}

/* Sort the table by order() into a->ord (indices; the records stay in
 * place): LSD radix sort of (hash, index) pairs on 16-bit digits, then
 * equal hashes (collisions: practically never) put in key order. */
static void sort_table(struct nsg_fstore_agg *a)
{
    size_t n = a->n;
    if (!a->sk) { /* scratch for a full table, kept until the end */
        a->sk = nsg_xmalloc((a->max + 1) * sizeof(*a->sk));
        a->sk2 = nsg_xmalloc((a->max + 1) * sizeof(*a->sk2));
        a->six2 = nsg_xmalloc((a->max + 1) * sizeof(*a->six2));
        a->cnt = nsg_xmalloc(65536 * sizeof(*a->cnt));
    }
    if (!a->ord)
        a->ord = nsg_xmalloc((a->max + 1) * sizeof(*a->ord));
    uint64_t *k = a->sk, *k2 = a->sk2;
    uint32_t *ix = a->ord, *ix2 = a->six2;
    size_t *cnt = a->cnt;
    for (size_t i = 0; i < n; i++) {
        k[i] = a->hashes[i];
        ix[i] = (uint32_t)i;
    }
    for (int pass = 0; pass < 4; pass++) {
        int sh = pass * 16;
        memset(cnt, 0, 65536 * sizeof(*cnt));
        for (size_t i = 0; i < n; i++)
            cnt[(k[i] >> sh) & 0xffff]++;
        size_t sum = 0;
        for (size_t d = 0; d < 65536; d++) {
            size_t c = cnt[d];
            cnt[d] = sum;
            sum += c;
        }
        for (size_t i = 0; i < n; i++) {
            size_t at = cnt[(k[i] >> sh) & 0xffff]++;
            k2[at] = k[i];
            ix2[at] = ix[i];
        }
        uint64_t *tk = k;
        k = k2;
        k2 = tk;
        uint32_t *ti = ix;
        ix = ix2;
        ix2 = ti;
    }
    /* four passes: the result is back in the first buffers */
    for (size_t i = 1; i < n; i++) { /* insertion sort within equal hashes */
        for (size_t j = i;
             j > 0 && k[j] == k[j - 1] &&
             nsg_flowrec_cmp(&a->recs[ix[j]], &a->recs[ix[j - 1]]) < 0;
             j--) {
            uint32_t t = ix[j];
            ix[j] = ix[j - 1];
            ix[j - 1] = t;
        }
    }
}

/* A new scratch run's name beside the segment.  The number is the
 * process's, not the table's: the lanes of an import are tables of their
 * own in the same folder, and with a number per table two lanes spilling
 * at once wrote the same file (a corrupt run, a failed import). */
char *nsg_fstore_run_path(const struct nsg_fstore_agg *a)
{
    static gint seq;
    return g_strdup_printf("%s/nsgproof-run-%d-%d.tmp", a->tmpdir,
                           (int)getpid(), g_atomic_int_add(&seq, 1));
}

static nsg_rc spill(struct nsg_fstore_agg *a, struct nsg_err *err)
{
    struct nsg_flowseg_writer *w = NULL;
    char *path = nsg_fstore_run_path(a);
    nsg_rc rc;
    sort_table(a);
    rc = nsg_flowseg_create(path, &w, err);
    if (!rc)
        nsg_flowseg_no_fsync(w); /* scratch: never published */
    for (size_t i = 0; !rc && i < a->n; i++) {
        if (i + 16 < a->n) /* a random gather: fetch ahead */
            __builtin_prefetch(&a->recs[a->ord[i + 16]]);
        rc = nsg_flowseg_add(w, &a->recs[a->ord[i]], err);
    }
    if (!rc)
        rc = nsg_flowseg_finish(w, NULL, 0, NULL, NULL, err);
    else
        nsg_flowseg_abort(w);
    if (rc) {
        g_free(path);
        return rc;
    }
    g_ptr_array_add(a->runs, nsg_xstrdup(path));
    g_free(path);
    a->n = 0;
    memset(a->slots, 0, a->nslots * sizeof(*a->slots));
    if (a->seal)
        nsg_fstore_seal_spilled(a);
    return NSG_OK;
}

nsg_rc nsg_fstore_agg_spill(struct nsg_fstore_agg *a, struct nsg_err *err)
{
    return a->n ? spill(a, err) : NSG_OK;
}

void nsg_fstore_agg_rebuild_slots(struct nsg_fstore_agg *a)
{
    size_t mask = a->nslots - 1;
    memset(a->slots, 0, a->nslots * sizeof(*a->slots));
    for (size_t k = 0; k < a->n; k++) {
        uint64_t h = a->keyh[k];
        size_t i = (size_t)h & mask;
        while (a->slots[i])
            i = (i + 1) & mask;
        a->slots[i] = (h >> 32) << 32 | (uint64_t)(k + 1);
    }
}

/* Room for one more record: seal idle groups, else spill the table. */
static nsg_rc make_room(struct nsg_fstore_agg *a, struct nsg_err *err)
{
    if (a->seal) {
        bool freed = false;
        nsg_rc rc = nsg_fstore_seal_evict(a, &freed, err);
        if (rc || freed)
            return rc;
    }
    return spill(a, err);
}

/* Add r (key hash h): merged into its key's record, or a new record.
 * *idx receives its index and *fresh whether it is new; a full table is
 * made room in first (which may move every record). */
static nsg_rc insert(struct nsg_fstore_agg *a, const struct nsg_flowrec *r,
                     uint64_t h, size_t *idx, bool *fresh, struct nsg_err *err)
{
    size_t mask = a->nslots - 1;
    uint64_t tag = h >> 32;
    for (size_t i = (size_t)h & mask;; i = (i + 1) & mask) {
        uint64_t s = a->slots[i];
        if (!s) {
            if (a->n == a->max) {
                nsg_rc rc = make_room(a, err);
                if (rc)
                    return rc;
                return insert(a, r, h, idx, fresh, err);
            }
            a->recs[a->n] = *r;
            a->hashes[a->n] = order_key(r, h);
            a->keyh[a->n] = h;
            *idx = a->n;
            *fresh = true;
            a->slots[i] = tag << 32 | (uint64_t)++a->n;
            return NSG_OK;
        }
        if ((s >> 32) != tag)
            continue;
        struct nsg_flowrec *e = &a->recs[(uint32_t)s - 1];
        if (same_key(e, r)) {
            nsg_flowrec_merge(e, r);
            *idx = (uint32_t)s - 1;
            *fresh = false;
            return NSG_OK;
        }
    }
}

/* insert() with the group bookkeeping of sealing. */
static nsg_rc insert_grouped(struct nsg_fstore_agg *a,
                             const struct nsg_flowrec *r, uint64_t h,
                             struct nsg_err *err)
{
    size_t idx;
    bool fresh;
    if (!a->seal)
        return insert(a, r, h, &idx, &fresh, err);
    /* touch the group first, so that making room never seals it */
    uint32_t gi = nsg_fstore_touch(a, r);
    uint64_t gen = a->ggen;
    nsg_rc rc = insert(a, r, h, &idx, &fresh, err);
    if (rc || !fresh)
        return rc;
    if (gen != a->ggen)
        gi = nsg_fstore_touch(a, r);
    nsg_fstore_seal_added(a, gi, idx);
    return NSG_OK;
}

nsg_rc nsg_fstore_agg_insert_plain(struct nsg_fstore_agg *a,
                                   const struct nsg_flowrec *r,
                                   struct nsg_err *err)
{
    size_t idx;
    bool fresh;
    return insert(a, r, hash_key(r), &idx, &fresh, err);
}

nsg_rc nsg_fstore_agg_add(struct nsg_fstore_agg *a, const struct nsg_flowrec *r,
                  struct nsg_err *err)
{
    a->added++;
    return insert_grouped(a, r, hash_key(r), err);
}

nsg_rc nsg_fstore_agg_add_batch(struct nsg_fstore_agg *a, const struct nsg_flowrec *r, size_t n,
                        struct nsg_err *err)
{
    size_t mask = a->nslots - 1;
    if (a->hcap < n) {
        a->hcap = n;
        a->hbuf = nsg_xrealloc(a->hbuf, n * sizeof(*a->hbuf));
    }
    /* hashes first, then a software pipeline: the slot of record i + 16
     * and the record that slot of i + 8 names are fetched while record i
     * is inserted (fetching the whole batch ahead evicted the first
     * fetches before they were used) */
    for (size_t i = 0; i < n; i++)
        a->hbuf[i] = hash_key(&r[i]);
    for (size_t i = 0; i < n && i < 16; i++)
        __builtin_prefetch(&a->slots[a->hbuf[i] & mask]);
    for (size_t i = 0; i < n; i++) {
        if (i + 16 < n)
            __builtin_prefetch(&a->slots[a->hbuf[i + 16] & mask]);
        if (i + 8 < n) {
            uint64_t h8 = a->hbuf[i + 8], s8 = a->slots[h8 & mask];
            if (s8 && (s8 >> 32) == h8 >> 32) {
                const char *rec = (const char *)&a->recs[(uint32_t)s8 - 1];
                __builtin_prefetch(rec);
                __builtin_prefetch(rec + 64);
                __builtin_prefetch(rec + sizeof(*a->recs) - 1);
            }
        }
        a->added++; /* per record: sealing measures idleness in records */
        nsg_rc rc = insert_grouped(a, &r[i], a->hbuf[i], err);
        if (rc)
            return rc;
    }
    return NSG_OK;
}

/* One input of the merge: the sorted table or a run. */
struct src {
    struct nsg_flowseg_reader *rd; /* NULL: the table */
    size_t next;                   /* table position */
    struct nsg_flowrec cur;
    uint64_t h;
    bool live;
};

static int src_advance(struct nsg_fstore_agg *a, struct src *s, struct nsg_err *err)
{
    if (!s->rd) {
        s->live = s->next < a->n;
        if (s->live) {
            if (s->next + 16 < a->n)
                __builtin_prefetch(&a->recs[a->ord[s->next + 16]]);
            uint32_t i = a->ord[s->next++];
            s->h = a->hashes[i];
            s->cur = a->recs[i];
        }
        return 0;
    }
    int k = nsg_flowseg_next(s->rd, &s->cur, err);
    if (k < 0)
        return -1;
    s->live = k == 1;
    if (s->live)
        s->h = order_key(&s->cur, hash_key(&s->cur));
    return 0;
}

static bool src_less(const struct src *x, const struct src *y)
{
    return order(x->h, &x->cur, y->h, &y->cur) < 0;
}

static void heap_up(struct src **h, size_t i)
{
    while (i && src_less(h[i], h[(i - 1) / 2])) {
        struct src *t = h[i];
        h[i] = h[(i - 1) / 2];
        h[(i - 1) / 2] = t;
        i = (i - 1) / 2;
    }
}

static void heap_down(struct src **h, size_t n, size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, m = i;
        if (l < n && src_less(h[l], h[m]))
            m = l;
        if (l + 1 < n && src_less(h[l + 1], h[m]))
            m = l + 1;
        if (m == i)
            return;
        struct src *t = h[i];
        h[i] = h[m];
        h[m] = t;
        i = m;
    }
}

/* Merge runs [0, nruns) and, with table, the sorted table into w. */
static nsg_rc merge(struct nsg_fstore_agg *a, size_t nruns, bool table,
                    struct nsg_flowseg_writer *w, struct nsg_err *err)
{
    size_t ns = nruns + (table ? 1 : 0);
    struct src *srcs = nsg_xcalloc(ns ? ns : 1, sizeof(*srcs));
    struct nsg_flowrec acc;
    uint64_t acc_h = 0;
    bool have = false;
    nsg_rc rc = NSG_OK;

    for (size_t i = 0; !rc && i < nruns; i++)
        rc = nsg_flowseg_open(a->runs->pdata[i], &srcs[i].rd, err);
    for (size_t i = 0; !rc && i < ns; i++)
        if (src_advance(a, &srcs[i], err))
            rc = err ? err->code : NSG_E_INPUT;
    /* a binary min-heap of the live inputs by their head */
    struct src **heap = nsg_xcalloc(ns ? ns : 1, sizeof(*heap));
    size_t nh = 0;
    for (size_t i = 0; !rc && i < ns; i++)
        if (srcs[i].live) {
            heap[nh++] = &srcs[i];
            heap_up(heap, nh - 1);
        }
    while (!rc && nh) {
        struct src *best = heap[0];
        if (have && acc_h == best->h && same_key(&acc, &best->cur)) {
            nsg_flowrec_merge(&acc, &best->cur);
        } else {
            if (have)
                rc = nsg_flowseg_add(w, &acc, err);
            acc = best->cur;
            acc_h = best->h;
            have = true;
        }
        if (!rc && src_advance(a, best, err))
            rc = err ? err->code : NSG_E_INPUT;
        if (!best->live)
            heap[0] = heap[--nh];
        heap_down(heap, nh, 0);
    }
    free(heap);
    if (!rc && have)
        rc = nsg_flowseg_add(w, &acc, err);
    for (size_t i = 0; i < ns; i++)
        nsg_flowseg_close(srcs[i].rd);
    free(srcs);
    return rc;
}

/* Merge the oldest FANIN runs into one until at most FANIN remain (bounds
 * open files and the per-record pick). */
static nsg_rc reduce_runs(struct nsg_fstore_agg *a, struct nsg_err *err)
{
    while (a->runs->len > FANIN) {
        struct nsg_flowseg_writer *w = NULL;
        char *path = nsg_fstore_run_path(a);
        nsg_rc rc = nsg_flowseg_create(path, &w, err);
        if (!rc) {
            nsg_flowseg_no_fsync(w);
            rc = merge(a, FANIN, false, w, err);
        }
        if (!rc)
            rc = nsg_flowseg_finish(w, NULL, 0, NULL, NULL, err);
        else
            nsg_flowseg_abort(w);
        if (rc) {
            g_free(path);
            return rc;
        }
        for (size_t i = 0; i < FANIN; i++)
            unlink(a->runs->pdata[i]);
        g_ptr_array_remove_range(a->runs, 0, FANIN);
        g_ptr_array_add(a->runs, nsg_xstrdup(path));
        g_free(path);
    }
    return NSG_OK;
}

nsg_rc nsg_fstore_agg_merge_all(struct nsg_fstore_agg *a,
                                struct nsg_flowseg_writer *w,
                                struct nsg_err *err)
{
    sort_table(a);
    nsg_rc rc = reduce_runs(a, err);
    if (!rc)
        rc = merge(a, a->runs->len, true, w, err);
    return rc;
}

void nsg_fstore_agg_set_output(struct nsg_fstore_agg *a, const char *path)
{
    if (!a->seal && !a->added) {
        a->seal = nsg_fstore_seal_new(path);
        nsg_fstore_seal_attach(a);
    }
}

uint64_t nsg_fstore_agg_sealed(const struct nsg_fstore_agg *a)
{
    return a->seal ? nsg_fstore_seal_records(a->seal) : 0;
}

nsg_rc nsg_fstore_agg_finish(struct nsg_fstore_agg *a, const char *path,
                             uint64_t *n_flows, uint64_t *n_bytes,
                             char sha256[65], struct nsg_err *err)
{
    struct nsg_flowseg_writer *w = NULL;
    bool handled = false;
    nsg_rc rc = NSG_OK;
    if (a->seal)
        rc = nsg_fstore_seal_finish(a, &handled, n_flows, n_bytes, err);
    if (rc)
        return rc;
    if (!handled) {
        rc = nsg_flowseg_create(path, &w, err);
        if (rc)
            return rc;
        if (a->runs->len) {
            rc = nsg_fstore_agg_merge_all(a, w, err);
        } else {
            for (size_t i = 0; !rc && i < a->n; i++)
                rc = nsg_flowseg_add(w, &a->recs[i], err);
        }
        if (rc) {
            nsg_flowseg_abort(w);
            return rc;
        }
        rc = nsg_flowseg_finish(w, (const char *const *)a->strv->pdata,
                                a->strv->len, n_flows, n_bytes, err);
    }
    if (!rc && sha256)
        rc = nsg_corpus_sha256_file(path, sha256, NULL, err);
    return rc;
}
