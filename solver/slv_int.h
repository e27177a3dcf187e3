/* slv_int.h - internals shared by the solver's files: the context layout
 * and small Z3 helpers.  Not for use outside solver/. */
#ifndef NSG_SLV_INT_H
#define NSG_SLV_INT_H

#include <glib.h>

#include "solver.h"

struct nsg_slv {
    Z3_context z;
    Z3_solver sol;
    unsigned timeout_ms;
    struct nsg_slv_pkt pkt;
    Z3_sort bv128, bv16, bv8;
    Z3_ast t, f;
    Z3_ast domain;
    Z3_ast has_ports;
    GHashTable *addr_cache[2]; /* GBytes (ranges) -> Z3_ast */
    GHashTable *port_cache[2]; /* GBytes (ranges) -> Z3_ast */
    GHashTable *proto_cache;   /* GINT (proto) -> Z3_ast */
    GHashTable *decisions;     /* cnsg ptr -> struct nsg_slv_nsg * (KMS on) */
    GHashTable *decisions_nokms; /* the same with KMS off */
    GHashTable *admins;        /* admin stage ptr -> struct nsg_slv_admin * */
    Z3_ast plat[NSG_PLAT_COUNT][2]; /* [class][kms_on] (slv_stage.c) */
    Z3_ast plat_any[2], plat_none[2];
    bool no_polish;            /* keep Z3's first model (slv_solve) */
};

void slv_free_decision(gpointer p);

/* NSG_E_INTERNAL with Z3's message when the last call failed, else OK. */
nsg_rc slv_z3_status(struct nsg_slv *s, const char *what, struct nsg_err *err);

Z3_ast slv_and2(struct nsg_slv *s, Z3_ast a, Z3_ast b);
Z3_ast slv_or2(struct nsg_slv *s, Z3_ast a, Z3_ast b);
Z3_ast slv_not(struct nsg_slv *s, Z3_ast a);
Z3_ast slv_andv(struct nsg_slv *s, Z3_ast *v, size_t n);
Z3_ast slv_orv(struct nsg_slv *s, Z3_ast *v, size_t n);
/* Check the solver's current assertions (no push/pop); model -> pkt. */
nsg_rc slv_solve(struct nsg_slv *s, bool *sat, struct nsg_packet *pkt,
                 struct nsg_err *err);
/* A BV numeral of `bits` bits (up to 128). */
Z3_ast slv_num(struct nsg_slv *s, nsg_u128 v, unsigned bits);
/* Decimal text of a 128-bit value (out: 40 bytes). */
void slv_u128_dec(nsg_u128 v, char out[48]);
/* The deciding rule index (into c->rules[dir]) for p, by the formula. */
nsg_rc slv_formula_rule(struct nsg_slv *s, const struct nsg_slv_nsg *d,
                        const struct nsg_packet *p, size_t *idx, bool *allow,
                        struct nsg_err *err);
/* fires[dir][i], built on first use (prefix-OR chain). */
Z3_ast slv_fires(struct nsg_slv *s, const struct nsg_slv_nsg *d,
                 enum nsg_dir dir, size_t i);
/* The rule of c for dir whose crule is r, or -1. */
long slv_rule_index(const struct nsg_cnsg *c, enum nsg_dir dir,
                    const struct nsg_crule *r);
/* A new zeroed finding of kind k appended to out. */
struct nsg_slv_finding *nsg_slv_lint_add(struct nsg_slv_lint *out,
                                         enum nsg_slv_lint_kind k,
                                         enum nsg_dir dir,
                                         const struct nsg_crule *r);
/* Rule name for messages: "Name (priority P)". */
const char *slv_rule_name(const struct nsg_crule *r);

#endif
