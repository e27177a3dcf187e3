/* slv_verify_int.h - internals of the verifier shared by its files: the
 * verifier's layout, its per-vnet resolution contexts and per-NIC
 * decision terms.  Not for use outside solver/. */
#ifndef NSG_SLV_VERIFY_INT_H
#define NSG_SLV_VERIFY_INT_H

#include "../path/path.h"
#include "verify.h"

/* A NIC's two-level decision with the direction fixed both ways. */
struct slv_nic_terms {
    struct nsg_slv_nic d;
    Z3_ast allow[2]; /* d.allow with the direction fixed to In / Out */
};

struct nsg_verifier {
    const struct nsg_topology *t;
    struct nsg_pnet *pnet; /* the path model of t */
    struct nsg_sim *sim;
    struct nsg_slv *slv;
    GHashTable *ctxs;  /* vnet ptr (or a static key) -> struct nsg_ctx * */
    GHashTable *nics;  /* nic ptr -> struct slv_nic_terms * */
    GHashTable *fixed[2]; /* term -> term with the direction fixed (In,
                             Out): NICs share their NSGs' decisions */
    bool nsg_only;     /* NSGs alone, without paths */
};

/* The resolution context of a vnet (NULL: none), cached in v. */
nsg_rc slv_vf_ctx(struct nsg_verifier *v, const struct nsg_vnet *vnet,
                  const struct nsg_ctx **out, struct nsg_err *err) NSG_WUR;
/* The decision terms of a NIC, cached in v. */
nsg_rc slv_vf_nic(struct nsg_verifier *v, const struct nsg_nic *nic,
                  const struct slv_nic_terms **out, struct nsg_err *err) NSG_WUR;

/* What decided the witness of r when it was not an NSG rule (the
 * platform, the VNet's drop, a security admin rule that ended the
 * evaluation), as ": ..." to append to a reason; "" otherwise.  A static
 * buffer. */
const char *slv_vf_stage_note(const struct nsg_vresult *r);

/* The query along the paths of the path model (slv_verify_path.c). */
nsg_rc slv_verify_paths(struct nsg_verifier *v, const struct nsg_query *q,
                        struct nsg_vresult *r, struct nsg_err *err) NSG_WUR;

#endif
