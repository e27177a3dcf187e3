/* learn.h - the state of one `harden` run, shared by learn.c (scope,
 * candidate rules, the pass over the flow store) and recommend.c (the
 * recommendations and the plan). */
#ifndef NSG_HARDEN_LEARN_H
#define NSG_HARDEN_LEARN_H

#include "harden_int.h"

/* A NIC of the model with what the flow store says about it. */
struct hd_nic {
    const struct nsg_nic *nic;
    bool in_scope;   /* reported (internet-facing, or --all-nics) */
    bool relevant;   /* governed by an NSG with a candidate rule */
    bool internet_facing;
    GHashTable *days;     /* UTC day number -> itself */
    int64_t last_day;     /* cache of the last day added */
    uint64_t flows_ever;  /* stored records for its MAC, any time */
    uint64_t flows, tuples;          /* in the window */
    uint64_t inbound, inbound_allowed, excluded;
    uint64_t learned;                /* records learned from */
    uint64_t inexact;                /* aggregate rows not learned from:
                                        a rule splits their source-port
                                        range */
    const char *no_data;             /* why it cannot be used, or NULL */
    char why[256];
    GPtrArray *notes;                /* char * */
    size_t findings;                 /* rules to harden by hand */
    size_t n_recs;
};

/* An observation: a source seen on one port of a candidate rule. */
struct hd_obs_key {
    uint8_t proto, family;
    uint16_t port;
    nsg_u128 ip;
};
struct hd_obs {
    struct hd_obs_key k;
    uint64_t flows, tuples;
    int64_t first, last;
};

/* A candidate: an inbound allow rule that admits covered ports. */
struct hd_cand {
    const struct nsg_nsg *nsg;
    const struct nsg_rule *rule;
    GPtrArray *governed;         /* struct hd_nic * */
    GPtrArray *vnets;            /* contexts the NSG is evaluated in */
    struct nsg_addrset src;      /* R's sources in every context */
    struct nsg_addrset src_any;  /* in some context */
    struct nsg_plan_ports admitted;
    GHashTable *obs;             /* struct hd_obs_key * -> struct hd_obs * */
    GHashTable *days;            /* (proto << 16 | port) -> GHashTable days */
    gpointer last_day_key;       /* the (port, day) counted last */
    int64_t last_day;
    uint64_t flows, tuples;
    int64_t first, last;
    const char *blocked;         /* why no recommendation is made */
    bool blocked_by_data;        /* ... because a NIC lacks flow data */
    char why[512];
    bool in_scope_nsg;           /* --nsg allows it */
};

struct hd_run {
    struct nsg_corpus *c;
    const struct nsg_topology *t;
    const struct nsg_harden_opts *o;
    struct nsg_plan_ports ports;  /* covered ports */
    uint8_t covered[65536 / 8];   /* bitmap of covered ports */
    struct nsg_sim *sim;
    struct nsg_slv *slv;
    struct hd_cache *cache;       /* packet -> candidates that allowed it */
    struct hd_nic *nics;          /* one per NIC of t, topology order */
    size_t n_nics;
    GHashTable *nic_by_ptr;       /* const struct nsg_nic * -> hd_nic * */
    GPtrArray *cands;             /* struct hd_cand * */
    GHashTable *cand_by_rule;     /* const struct nsg_rule * -> hd_cand * */
    int64_t since, window_start, window_end;
    bool any_flow;
};

static inline bool hd_covered(const struct hd_run *r, unsigned port)
{
    return (r->covered[port >> 3] >> (port & 7)) & 1;
}

/* learn.c */
nsg_rc hd_learn_init(struct hd_run *r, struct nsg_corpus *c,
                     const struct nsg_topology *t,
                     const struct nsg_harden_opts *o,
                     struct nsg_err *err) NSG_WUR;
nsg_rc hd_learn_flows(struct hd_run *r, struct nsg_err *err) NSG_WUR;
void hd_learn_release(struct hd_run *r);
/* The NSGs of a NIC's levels (subnets of its ip configurations, then its
 * own), without repeats. */
void hd_nic_nsgs(const struct nsg_topology *t, const struct nsg_nic *nic,
                 GPtrArray *out /* const struct nsg_nsg * */);
/* The compiled rule of R in a compiled NSG (NULL when absent). */
const struct nsg_crule *hd_crule_of(const struct nsg_cnsg *c,
                                    const struct nsg_rule *rule, size_t *idx);

/* recommend.c */
nsg_rc hd_recommend(struct hd_run *r, struct nsg_plan **out,
                    struct nsg_err *err) NSG_WUR;

#endif
