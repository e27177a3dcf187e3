/* fstore_agg_int.h - the aggregation table's insides, shared by its two
 * files only: fstore_agg.c (the bounded hash table, classic sorted spill
 * runs, the k-way merge) and fstore_seal.c (flow groups written early:
 * groups no longer added to leave the table straight for the new segment,
 * so that most imports never write or re-read a spill run). */
#ifndef NSG_FSTORE_AGG_INT_H
#define NSG_FSTORE_AGG_INT_H

#include <string.h>

#include "fstore_int.h"

struct nsg_fstore_seal; /* fstore_seal.c */

/* An active flow group (fstore_seal.c): it has records in the table. */
struct nsg_fstore_gent {
    uint64_t fp;
    uint64_t last; /* a->added when last added to */
    uint32_t n;    /* its records in the table */
    uint32_t flags;
    uint32_t ord, cnt; /* eviction scratch: output position, placed */
};

/* The group of the last record added (most records share the previous
 * record's group): its key words, hour, fingerprint and slot. */
struct nsg_fstore_gcache {
    uint64_t k[3];
    int64_t hour;
    uint64_t fp, gen;
    uint32_t gi;
    bool valid;
};

struct nsg_fstore_agg {
    struct nsg_flowrec *recs; /* dense: the first n are in use */
    uint64_t *hashes;         /* order_key() of recs[i] */
    uint64_t *keyh;           /* hash_key() of recs[i] (slot rebuilds) */
    uint64_t *gfp;            /* group fingerprint of recs[i] (sealing) */
    uint32_t *ord;            /* after sort_table: recs in order() */
    uint64_t *slots;          /* 0 empty, else tag << 32 | (index + 1) */
    size_t n, max, nslots;
    char *tmpdir;
    GPtrArray *runs;     /* char *: run file paths */
    GHashTable *strings; /* char * -> ref (GUINT_TO_POINTER) */
    GPtrArray *strv;     /* char *, owned: ref - 1 -> string */
    uint64_t added;
    uint64_t *hbuf;   /* batch scratch */
    size_t hcap;
    /* sort scratch, kept between spills (a fresh 16 MB per spill was
     * paid again in page faults) */
    uint64_t *sk, *sk2;
    uint32_t *six2;
    size_t *cnt;
    struct nsg_fstore_seal *seal; /* NULL: groups are never sealed */
    struct nsg_fstore_gent *gents; /* the seal's active groups */
    uint64_t ggen;                 /* bumped when gents is rebuilt */
    struct nsg_fstore_gcache gc;
};

/* The group words of a record: bytes [0, 23) of the key (refs, MAC,
 * has_mac; not the version byte). */
static inline void nsg_fstore_group_words(const struct nsg_flowrec *r,
                                          uint64_t k[3])
{
    memcpy(k, r, 24);
    k[2] &= 0x00FFFFFFFFFFFFFFull;
}

/* ---- fstore_agg.c, for fstore_seal.c ------------------------------------ */
uint64_t nsg_fstore_agg_hash_key(const struct nsg_flowrec *r);
/* Put every record back into the (cleared) slots after the table was
 * compacted. */
void nsg_fstore_agg_rebuild_slots(struct nsg_fstore_agg *a);
/* Insert without any group bookkeeping (the fallback's re-aggregation). */
nsg_rc nsg_fstore_agg_insert_plain(struct nsg_fstore_agg *a,
                                   const struct nsg_flowrec *r,
                                   struct nsg_err *err) NSG_WUR;
/* A new scratch run file's path (caller frees; unique in the process). */
char *nsg_fstore_run_path(const struct nsg_fstore_agg *a);
/* Write the table as a sorted run (a classic spill). */
nsg_rc nsg_fstore_agg_spill(struct nsg_fstore_agg *a,
                            struct nsg_err *err) NSG_WUR;
/* Merge the runs and the table (sorted) into w. */
nsg_rc nsg_fstore_agg_merge_all(struct nsg_fstore_agg *a,
                                struct nsg_flowseg_writer *w,
                                struct nsg_err *err) NSG_WUR;

/* ---- fstore_seal.c ------------------------------------------------------ */
struct nsg_fstore_seal *nsg_fstore_seal_new(const char *segment_path);
void nsg_fstore_seal_free(struct nsg_fstore_seal *s); /* NULL-safe */
/* a->seal was just set: a's view of its groups. */
void nsg_fstore_seal_attach(struct nsg_fstore_agg *a);
/* The group of r is about to receive r: its index in the active groups
 * (created on first use; a sealed group coming back is "late").  The slow
 * path of nsg_fstore_touch. */
uint32_t nsg_fstore_seal_touch(struct nsg_fstore_agg *a,
                               const struct nsg_flowrec *r);
/* r became record `idx` of the table (a new key) in group gi. */
static inline void nsg_fstore_seal_added(struct nsg_fstore_agg *a,
                                         uint32_t gi, size_t idx)
{
    a->gents[gi].n++;
    a->gfp[idx] = a->gents[gi].fp;
}
/* The table is full: write the groups not added to for a while to the
 * segment and drop them from the table.  *freed: false when too few were
 * idle (the caller spills instead). */
nsg_rc nsg_fstore_seal_evict(struct nsg_fstore_agg *a, bool *freed,
                             struct nsg_err *err) NSG_WUR;
/* A classic spill took every record out of the table: their groups may
 * never be sealed from now on (their keys are in runs). */
void nsg_fstore_seal_spilled(struct nsg_fstore_agg *a);
/* Finish: true when something was sealed (then *handled and the segment
 * is complete in `path`, the SHA-256 not yet computed); false: the caller
 * writes the segment the classic way. */
nsg_rc nsg_fstore_seal_finish(struct nsg_fstore_agg *a, bool *handled,
                              uint64_t *n_flows, uint64_t *n_bytes,
                              struct nsg_err *err) NSG_WUR;
uint64_t nsg_fstore_seal_records(const struct nsg_fstore_seal *s);
uint64_t nsg_fstore_seal_evictions(const struct nsg_fstore_seal *s);
bool nsg_fstore_seal_late(const struct nsg_fstore_seal *s);

/* nsg_fstore_seal_touch with the previous record's group cached. */
static inline uint32_t nsg_fstore_touch(struct nsg_fstore_agg *a,
                                        const struct nsg_flowrec *r)
{
    uint64_t k[3];
    nsg_fstore_group_words(r, k);
    struct nsg_fstore_gcache *c = &a->gc;
    if (c->valid && c->gen == a->ggen && k[0] == c->k[0] && k[1] == c->k[1] &&
        k[2] == c->k[2] && r->first_seen / 3600 == c->hour) {
        a->gents[c->gi].last = a->added;
        return c->gi;
    }
    return nsg_fstore_seal_touch(a, r);
}

#endif
