/* sim_index.h - internal to sim/: the per-direction candidate index of a
 * compiled NSG and the helpers the evaluators share. */
#ifndef NSG_SIM_INDEX_H
#define NSG_SIM_INDEX_H

#include "sim.h"

/* Build the index of n rules sorted by priority (borrowed, must outlive
 * the index) (sim_index.c). */
void *nsg_sim_index_build(const struct nsg_crule *rules, size_t n);
void nsg_sim_index_free(void *index); /* NULL-safe */
/* Fill out from rule r whose nsg_crule_match() answer for p is m (1/-1)
 * (sim_match.c). */
void nsg_sim_set_match(const struct nsg_crule *r, int m,
                       const struct nsg_packet *p, struct nsg_match *out);
/* No rule considered for class cls matched (sim_compile.c). */
void nsg_sim_set_nomatch(enum nsg_platform cls, struct nsg_match *m);
/* The indexed first-match scan of ordinary traffic (sim_index.c). */
void nsg_sim_eval_indexed(const struct nsg_cnsg *c, const struct nsg_packet *p,
                          struct nsg_match *m);

#endif
