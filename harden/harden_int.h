/* harden_int.h - internals shared by the files of harden/: port and side
 * helpers, the flow pass over the corpus with NICs found by MAC, and the
 * pair of models (current, plan applied) that alerts, prove and enforce
 * evaluate. */
#ifndef NSG_HARDEN_INT_H
#define NSG_HARDEN_INT_H

#include <stdio.h>

#include "harden.h"

/* ---- ports and sides (plan.c) ----------------------------------------- */
void hd_ports_normalize(struct nsg_plan_ports *p); /* sort, merge */
bool hd_ports_has(const struct nsg_plan_ports *p, unsigned port);
void hd_ports_copy(struct nsg_plan_ports *dst, const struct nsg_portrange *r,
                   size_t n);
bool hd_ports_equal(const struct nsg_plan_ports *a,
                    const struct nsg_plan_ports *b);
void hd_strv_free(char **v, size_t n);
char **hd_strv_copy(char *const *v, size_t n);
void hd_side_copy(struct nsg_plan_side *dst, const struct nsg_plan_side *src);
bool hd_side_equal(const struct nsg_plan_side *a,
                   const struct nsg_plan_side *b);
/* A side as written in a model rule. */
void hd_side_from_rule(struct nsg_plan_side *out,
                       const struct nsg_addr_item *items, size_t n,
                       char *const *asgs, size_t n_asgs);
void hd_replaced_release(struct nsg_plan_replaced *r);
/* Keep in s only the addresses that are also in o. */
void hd_addrset_keep(struct nsg_addrset *s, const struct nsg_addrset *o);

/* ---- JSON helpers (plan_json.c) ---------------------------------------- */
cJSON *hd_side_json(const struct nsg_plan_side *s, bool asgs);
cJSON *hd_ports_json(const struct nsg_plan_ports *p);
cJSON *hd_time_json(int64_t t);
/* A valid Azure rule name (1-80 characters: letters, digits, '_', '.',
 * '-'; begins with a letter or digit, ends with a letter, digit or '_'). */
bool hd_valid_rule_name(const char *s);
/* Write text to path atomically (path.tmp-PID, fsync, rename, fsync dir). */
nsg_rc hd_write_atomic(const char *path, const char *text,
                       struct nsg_err *err) NSG_WUR;

/* ---- flows by NIC (flowpass.c) ------------------------------------------ */
/* MAC -> NIC of a model (a hash; nsg_topo_nic_by_mac scans). */
struct hd_macmap;
struct hd_macmap *hd_macmap_new(const struct nsg_topology *t);
void hd_macmap_free(struct hd_macmap *m);
const struct nsg_nic *hd_macmap_get(struct hd_macmap *m, const char *mac);
/* Was the tuple allowed by Azure (decision A, VNet state not D)? */
static inline bool hd_flow_allowed(const struct nsg_flow *f)
{
    return f->decision == 'A' && f->state != 'D';
}
static inline struct nsg_packet hd_flow_packet(const struct nsg_flow *f)
{
    struct nsg_packet p = {f->dir, f->proto, f->src, f->dst, f->sport,
                           f->dport};
    if (!nsg_proto_has_ports(p.proto))
        p.sport = p.dport = 0;
    return p;
}

/* A cache of per-packet answers (flowpass.c): the key is what a decision
 * can depend on (NIC, direction, protocol, addresses, destination port,
 * source-port class); payload bytes are the caller's, zeroed on a miss.
 * The source-port classes come from every rule of the models given. */
struct hd_pkey {
    const void *nic;
    uint8_t dir, fam;
    int16_t proto;
    uint16_t sport_class, dport;
    nsg_u128 src, dst;
};
struct hd_cache;
struct hd_cache *hd_cache_new(unsigned log2_slots, size_t payload,
                              const struct nsg_topology *a,
                              const struct nsg_topology *b);
void hd_cache_free(struct hd_cache *c);
/* The payload for p at nic; *hit says whether it holds an answer. */
void *hd_cache_find(struct hd_cache *c, const void *nic,
                    const struct nsg_packet *p, bool *hit);
void hd_cache_stats(const struct hd_cache *c, uint64_t *hits,
                    uint64_t *misses);

/* ---- the plan applied (plan_apply.c) ----------------------------------- */
/* The current model and the model with the plan applied, each with its
 * simulator, and the NICs the plan affects (every NIC an edited NSG
 * governs), paired by id. */
struct hd_pair_nic {
    const struct nsg_nic *cur, *prop;
};
struct hd_models {
    struct nsg_topology *cur, *prop;
    struct nsg_sim *sim_cur, *sim_prop;
    struct hd_pair_nic *nics;
    size_t n_nics;
    GHashTable *deny_names; /* "nsg id/deny name" (lower case) -> rec+1 */
};
/* Load both models from c and apply p (see nsg_plan_apply). */
nsg_rc hd_models_load(struct nsg_corpus *c, const struct nsg_plan *p,
                      struct hd_models *m, struct nsg_err *err) NSG_WUR;
void hd_models_release(struct hd_models *m);
/* Is the deciding rule of a verdict's level a deny rule of the plan? */
bool hd_is_plan_deny(const struct hd_models *m, const struct nsg_level *l);

/* ---- text ---------------------------------------------------------------- */
/* "2.6e+10" style for huge counts, else the integer. */
void hd_count_text(double n, char out[32]);

#endif
