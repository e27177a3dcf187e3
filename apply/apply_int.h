/* apply_int.h - internals of apply: comparing two NSGs with the solver
 * (apply_compare.c) and the journal (apply_journal.c). */
#ifndef NSG_APPLY_INT_H
#define NSG_APPLY_INT_H

#include "../sim/sim.h"
#include "../solver/solver.h"
#include "apply.h"

/* The model NSG of an ARM resource (where: "GET id" for messages). */
nsg_rc ap_decode(const cJSON *json, const char *where, struct nsg_nsg **out,
                 struct nsg_err *err) NSG_WUR;

/* Do a and b (two versions of the NSG `id`) decide every packet the same
 * way in every virtual network t applies that NSG in (no context when it
 * is applied nowhere)?  *equal is set; *diff (caller owns) gets {a, b,
 * equivalent, vnet, differences[], regions[], regions_complete,
 * rules_added, rules_removed, rules_changed} (rules: from a to b). */
nsg_rc ap_compare(const struct nsg_topology *t, struct nsg_slv *slv,
                  const char *id, const struct nsg_nsg *a,
                  const struct nsg_nsg *b, const char *label_a,
                  const char *label_b, bool *equal, cJSON **diff,
                  struct nsg_err *err) NSG_WUR;
/* The same for two ARM resources (decoded first). */
nsg_rc ap_compare_json(const struct nsg_topology *t, struct nsg_slv *slv,
                       const char *id, const cJSON *a, const cJSON *b,
                       const char *label_a, const char *label_b, bool *equal,
                       cJSON **diff, struct nsg_err *err) NSG_WUR;

/* A resource's etag (its "etag" member), or NULL. */
const char *ap_etag(const cJSON *res);
/* item[key] = s (or null), replacing what was there. */
void ap_set_str(cJSON *item, const char *key, const char *s);
/* A PUT's answer for a report: {status, operation, polls}. */
cJSON *ap_put_json(const struct nsg_cap_put *put);

/* The journal DIR/apply.json: written atomically; read back (NSG_E_NOTFOUND
 * when there is none). */
nsg_rc ap_journal_write(const char *dir, const cJSON *journal,
                        struct nsg_err *err) NSG_WUR;
nsg_rc ap_journal_read(const char *dir, cJSON **out,
                       struct nsg_err *err) NSG_WUR;

#endif
