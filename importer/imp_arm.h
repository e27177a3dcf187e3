/* imp_arm.h - internals of the configuration importer (ARM JSON, az CLI
 * output, Service Tags, templates): the shape detection, the normalization
 * to the ARM GET shape and the walk over one file.  The resources
 * themselves are decoded by the model (model/model_arm.h).  Not a public
 * header. */
#ifndef NSG_IMP_ARM_H
#define NSG_IMP_ARM_H

#include "../model/model_arm.h"
#include "../model/model_json.h"
#include "importer.h"

/* ---- shapes (imp_arm_shape.c) ----------------------------------------------
 */

/* Resource type of one object: by "type", else by the id's type segment,
 * else by its shape.  Returns 0 and sets *type, 1 for a standalone security
 * rule, 2 for an effective-NSG entry, 3 for a network manager deployment
 * status entry, 4 for an effective security admin rule, 5 for an Azure
 * Policy definition, or -1 with a reason (static text or written into
 * reason_buf) for anything that is not a network resource. */
int nsg_imp_classify(const cJSON *j, enum nsg_res_type *type, char reason[256]);
/* A copy of j in the ARM GET shape: {id,name,type,location,etag,
 * properties{...}} with az's flattened fields moved under properties, and
 * the sub-resources (rules, subnets, peerings, ip configurations, routes)
 * normalized likewise. */
cJSON *nsg_imp_normalize(const cJSON *j, enum nsg_res_type type);
/* A flattened or ARM-shaped rule in the ARM sub-resource shape (copy). */
cJSON *nsg_imp_normalize_sub(const cJSON *j);
/* The ARM "type" string of a resource type. */
const char *nsg_imp_arm_type(enum nsg_res_type t);

/* ---- walking one file (imp_arm.c, imp_arm_item.c, imp_arm_group.c) ---------
 */

struct imp_group; /* an NSG being assembled from separately listed rules */
struct imp_walk {
    const char *name; /* file name for messages */
    struct nsg_imp_config *cfg;
    GHashTable *groups; /* lower-case NSG id -> struct imp_group * */
    GPtrArray *order;   /* struct imp_group *, owned */
    GHashTable *seen;   /* "type|lower-case id" -> struct nsg_imp_item * */
    GPtrArray *orig;    /* per item: the object as written in the file
                           (borrowed from the parsed tree), or NULL */
    struct nsg_err *err;
    const struct nsg_imp_opts *opts; /* may be NULL */
    cJSON *admin_rules;      /* effective security admin rules of the file */
    char *admin_jpath;       /* where the first of them was */
    GHashTable *expansions;  /* lower-case target id -> cJSON tags object */
    GPtrArray *exp_order;    /* char *: target ids in file order */
};

/* Add a formatted message to a list of char * (skipped, warnings). */
void nsg_imp_note(GPtrArray *list, const char *fmt, ...) NSG_PRINTF(2, 3);
/* "type|lower-case id" (or name) of a resource, g_free'd; NULL if neither. */
char *nsg_imp_item_key(enum nsg_res_type type, const cJSON *json);
/* Add a normalized resource (json owned; orig = the object as written, for
 * validation with the file's own paths, or NULL). */
void nsg_imp_add_item(struct imp_walk *w, enum nsg_res_type type, cJSON *json,
                      const cJSON *orig, const char *jpath);
/* A security rule listed on its own / one effective-rules entry. */
nsg_rc nsg_imp_walk_rule(struct imp_walk *w, const cJSON *j,
                         const char *jpath) NSG_WUR;
nsg_rc nsg_imp_walk_effective(struct imp_walk *w, const cJSON *j,
                              const char *jpath) NSG_WUR;
/* Move the assembled NSGs into the items. */
void nsg_imp_finish_groups(struct imp_walk *w);
void nsg_imp_group_free(void *g);

/* ---- Virtual Network Manager and tag expansions (imp_arm_admin.c) --------
 */
/* One entry of az network manager list-deploy-status. */
nsg_rc nsg_imp_walk_deployment(struct imp_walk *w, const cJSON *j,
                               const char *jpath) NSG_WUR;
/* One entry of the effective security admin rules of a VNet. */
nsg_rc nsg_imp_walk_admin_effective(struct imp_walk *w, const cJSON *j,
                                    const char *jpath) NSG_WUR;
/* An Azure Policy definition (kept when it adds network group members). */
nsg_rc nsg_imp_walk_policy(struct imp_walk *w, const cJSON *j,
                           const char *jpath) NSG_WUR;
/* Azure's expansion of tag `tag` for target (a NIC or subnet id), from an
 * effective security rule ("expanded...AddressPrefix"). */
void nsg_imp_note_expansion(struct imp_walk *w, const char *target,
                            const char *tag, const cJSON *prefixes);
/* Turn what was collected into items (effective admin rules need
 * opts->vnet_id). */
nsg_rc nsg_imp_finish_admin(struct imp_walk *w) NSG_WUR;
void nsg_imp_admin_release(struct imp_walk *w);

/* ---- ARM deployment templates (imp_arm_template.c) ------------------------
 */

/* An ARM template: an object with "resources" [] and a template $schema or
 * a contentVersion. */
bool nsg_imp_is_template(const cJSON *root);
/* Import its resources (literal fields, parameters() defaults,
 * variables(), concat()); the rest is skipped with the reason. */
nsg_rc nsg_imp_walk_template(struct imp_walk *w, const cJSON *root) NSG_WUR;

/* ---- reading (imp_arm.c) ----------------------------------------------------
 */

/* nsg_imp_config_read with a size limit (tests use a small one). */
nsg_rc nsg_imp_config_read_max(const char *path, size_t max_bytes,
                               struct nsg_imp_config **out,
                               struct nsg_err *err) NSG_WUR;

#endif
