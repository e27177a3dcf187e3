/* slv_int.h - internals shared by the solver's files: the context layout
 * and small Z3 helpers.  Not for use outside solver/.
 *
 * Z3 discipline (what keeps solver.h's ownership promise true):
 *  - The first Z3 error sets s->failed (sticky, with Z3's message) from the
 *    error handler.  From then on the helpers below build nothing and
 *    return NULL, no NULL is ever passed to Z3 (a NULL argument is itself
 *    recorded as a failure), and every nsg_rc function reports the failure
 *    through nsg_slv_z3_status.
 *  - The context does not count references: Z3 keeps an AST until a pop
 *    takes the solver below the scope it was made in.  So every push and
 *    pop goes through nsg_slv_push/nsg_slv_pop, which track s->depth; the
 *    caches (address sets, ports, protocols, the TCP/UDP term, the domain,
 *    decisions) keep only terms made at depth 0 (a term needed inside a
 *    scope and not cached yet is made there and used there only); and
 *    every public function returns at the depth it was entered at. */
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
    bool no_polish;            /* keep Z3's first model (nsg_slv_solve) */
    bool no_slice;             /* diff without change slicing */
    unsigned enc_without;      /* NSG_SLV_NO_* (slv_variant.c) */
    unsigned depth;            /* solver scopes open (nsg_slv_push) */
    bool failed;               /* a Z3 call failed: sticky */
    char failure[512];         /* the first failure's message */
};

void nsg_slv_free_decision(gpointer p);

/* NSG_E_INTERNAL with the first failure's message when a Z3 call of s has
 * failed (ever: the flag is sticky), else NSG_OK. */
nsg_rc nsg_slv_z3_status(struct nsg_slv *s, const char *what,
                         struct nsg_err *err);
/* Record a failure of ours (the first one is kept). */
void nsg_slv_fail(struct nsg_slv *s, const char *msg);
/* Keep a lazily made term of s in *slot only when it was made at depth 0
 * (see above); returns v. */
Z3_ast nsg_slv_keep_at_top(struct nsg_slv *s, Z3_ast *slot, Z3_ast v);

/* Solver scopes and assertions (nothing is asserted once s has failed). */
void nsg_slv_push(struct nsg_slv *s);
void nsg_slv_pop(struct nsg_slv *s, unsigned n);
void nsg_slv_assert(struct nsg_slv *s, Z3_ast a);
/* Keep v under key in a cache table of s, only when it was made at depth
 * 0 and is not NULL; else key is released with release (may be NULL). */
void nsg_slv_cache_put(struct nsg_slv *s, GHashTable *h, gpointer key, Z3_ast v,
                       GDestroyNotify release);

/* Z3's constructors, one for one, guarded as above. */
Z3_ast nsg_slv_mk_eq(struct nsg_slv *s, Z3_ast a, Z3_ast b);
Z3_ast nsg_slv_mk_ite(struct nsg_slv *s, Z3_ast c, Z3_ast a, Z3_ast b);
Z3_ast nsg_slv_mk_implies(struct nsg_slv *s, Z3_ast a, Z3_ast b);
Z3_ast nsg_slv_mk_xor(struct nsg_slv *s, Z3_ast a, Z3_ast b);
Z3_ast nsg_slv_mk_not(struct nsg_slv *s, Z3_ast a);
Z3_ast nsg_slv_mk_and(struct nsg_slv *s, unsigned n, const Z3_ast *v);
Z3_ast nsg_slv_mk_or(struct nsg_slv *s, unsigned n, const Z3_ast *v);
Z3_ast nsg_slv_mk_bvuge(struct nsg_slv *s, Z3_ast a, Z3_ast b);
Z3_ast nsg_slv_mk_bvule(struct nsg_slv *s, Z3_ast a, Z3_ast b);
Z3_ast nsg_slv_mk_bvult(struct nsg_slv *s, Z3_ast a, Z3_ast b);
Z3_ast nsg_slv_mk_extract(struct nsg_slv *s, unsigned hi, unsigned lo,
                          Z3_ast x);
/* A Boolean constant named name / a fresh one (name prefix). */
Z3_ast nsg_slv_mk_bool(struct nsg_slv *s, const char *name);
Z3_ast nsg_slv_mk_fresh_bool(struct nsg_slv *s, const char *prefix);
/* t with the term from replaced by to. */
Z3_ast nsg_slv_substitute(struct nsg_slv *s, Z3_ast t, Z3_ast from, Z3_ast to);
/* The same with a memo kept between calls (term -> term, for one from and
 * to; only terms made at depth 0 are kept). */
Z3_ast nsg_slv_substitute_memo(struct nsg_slv *s, Z3_ast t, Z3_ast from,
                               Z3_ast to, GHashTable *memo);

/* Constant-folding helpers (true and false absorbed or dropped). */

Z3_ast nsg_slv_and2(struct nsg_slv *s, Z3_ast a, Z3_ast b);
Z3_ast nsg_slv_or2(struct nsg_slv *s, Z3_ast a, Z3_ast b);
Z3_ast nsg_slv_not(struct nsg_slv *s, Z3_ast a);
Z3_ast nsg_slv_andv(struct nsg_slv *s, Z3_ast *v, size_t n);
Z3_ast nsg_slv_orv(struct nsg_slv *s, Z3_ast *v, size_t n);
/* Check the solver's current assertions (no push/pop); model -> pkt. */
nsg_rc nsg_slv_solve(struct nsg_slv *s, bool *sat, struct nsg_packet *pkt,
                     struct nsg_err *err);
/* nsg_slv_solve, first with `scope` asserted as well (when it is not NULL
 * or true): *in_scope tells whether the model satisfies it. */
nsg_rc nsg_slv_solve_scoped(struct nsg_slv *s, Z3_ast scope, bool *sat,
                            struct nsg_packet *pkt, bool *in_scope,
                            struct nsg_err *err);
/* A BV numeral of `bits` bits (up to 128). */
Z3_ast nsg_slv_num(struct nsg_slv *s, nsg_u128 v, unsigned bits);
/* Decimal text of a 128-bit value (out: 40 bytes). */
void nsg_slv_u128_dec(nsg_u128 v, char out[48]);
/* The deciding rule index (into c->rules[dir]) for p, by the formula. */
nsg_rc nsg_slv_formula_rule(struct nsg_slv *s, const struct nsg_slv_nsg *d,
                            const struct nsg_packet *p, size_t *idx,
                            bool *allow, struct nsg_err *err);
/* fires[dir][i], built on first use (prefix-OR chain). */
Z3_ast nsg_slv_fires(struct nsg_slv *s, const struct nsg_slv_nsg *d,
                     enum nsg_dir dir, size_t i);
/* The rule of c for dir whose crule is r, or -1. */
long nsg_slv_rule_index(const struct nsg_cnsg *c, enum nsg_dir dir,
                        const struct nsg_crule *r);
/* A new zeroed finding of kind k appended to out. */
struct nsg_slv_finding *nsg_slv_lint_add(struct nsg_slv_lint *out,
                                         enum nsg_slv_lint_kind k,
                                         enum nsg_dir dir,
                                         const struct nsg_crule *r);
/* Rule name for messages: "Name (priority P)". */
const char *nsg_slv_rule_name(const struct nsg_crule *r);
/* Exact concrete test: is there a packet both rules match (slv_lint.c)? */
bool nsg_slv_rules_meet(const struct nsg_crule *a, const struct nsg_crule *b);

/* One address range over x (BV128): prefixes by their bits (slv_encode.c). */
Z3_ast nsg_slv_range_term(struct nsg_slv *s, Z3_ast x,
                          const struct nsg_range *r);

/* Addresses no packet of a virtual network carries (the packet domain's
 * exclusions, slv_encode.c): one shared, immutable set. */
const struct nsg_addrset *nsg_slv_not_unicast(void);

/* ---- encoding variants (slv_variant.c) ---------------------------------- */
/* The rule's match in the encoding s->enc_without selects
 * (nsg_slv_crule_match when 0). */
nsg_rc nsg_slv_match(struct nsg_slv *s, const struct nsg_crule *r, Z3_ast *out,
                     struct nsg_err *err) NSG_WUR;
/* The first match of c for dir over the rules keep marks (NULL: all),
 * from d->matches[dir], within dom (NULL: everywhere): sets
 * d->allow_dir[dir] and d->fires[dir] (allocated), *rule_chain the
 * deciding rule's index (c->n[dir] when none).  Blocks of one access, or
 * one if-then-else per rule with NSG_SLV_NO_BLOCKS. */
void nsg_slv_first_match(struct nsg_slv *s, const struct nsg_cnsg *c,
                         enum nsg_dir dir, const bool *keep, Z3_ast dom,
                         struct nsg_slv_nsg *d, Z3_ast *rule_chain);

/* ---- concrete packets for lint (slv_lint_fast.c) ------------------------ */
/* A realistic packet of direction dir both rules match; with a scope,
 * inside it when one can be (*inside: it is), else outside only when no
 * packet can be inside.  False when none of the candidates will do (the
 * solver decides then). */
bool nsg_slv_lint_both(const struct nsg_crule *a, const struct nsg_crule *b,
                       enum nsg_dir dir, const struct nsg_slv_scope *sc,
                       struct nsg_packet *p, bool *inside);
/* The same for a packet rule i of c decides (the simulator says so), with
 * the source in src_extra, protocol proto and destination port dport when
 * given (NULL / -1). */
bool nsg_slv_lint_decides(const struct nsg_cnsg *c, enum nsg_dir dir, size_t i,
                          const struct nsg_addrset *src_extra, int proto,
                          int dport, const struct nsg_slv_scope *sc,
                          struct nsg_packet *p, bool *inside);
/* Is there a packet rule i decides that the later overlapping rules
 * after[0..n_after) would decide otherwise without it? (true: rule i is
 * not redundant; false: the solver must tell) */
bool nsg_slv_lint_matters(const struct nsg_cnsg *c, enum nsg_dir dir, size_t i,
                          const size_t *after, size_t n_after);

/* Host addresses of set (family fam) as witness polish makes them, one
 * per range (addresses no packet has left out), at most max. */
size_t nsg_slv_host_cands(const struct nsg_addrset *set, int fam,
                          nsg_u128 *out, size_t max);
/* Does outer match every packet inner matches (exact, on their sets;
 * false when a side names an unknown tag)? */
bool nsg_slv_lint_covers(const struct nsg_crule *outer,
                         const struct nsg_crule *inner);

/* ---- change slicing for diff (slv_slice.c) ------------------------------ */
struct nsg_slv_slice {
    struct nsg_slv_nsg a, b; /* decisions over the kept rules, within the
                                packets some changed rule matches */
    size_t changed, kept;    /* rules, both sides and directions */
};
/* Build the sliced decisions of a and b (outside solver scopes); *made
 * false when the rules differ too much for it to pay.  Released with
 * nsg_slv_slice_release when made. */
nsg_rc nsg_slv_slice(struct nsg_slv *s, const struct nsg_cnsg *a,
                     const struct nsg_cnsg *b, bool *made,
                     struct nsg_slv_slice *sl, struct nsg_err *err) NSG_WUR;
void nsg_slv_slice_release(struct nsg_slv_slice *sl);

#endif
