/* imp_arm.h - internals of the configuration importer (ARM JSON, az CLI
 * output, Service Tags): one parser per resource type, the shape detection
 * and the normalization to the ARM GET shape.  Not a public header. */
#ifndef NSG_IMP_ARM_H
#define NSG_IMP_ARM_H

#include "imp_json.h"
#include "importer.h"

/* ---- resource parsers (json = normalized resource; where = its location
 * "file: $.value[2]"; *out owned by the caller) -----------------------------
 */

/* One security rule ({name, id, properties{...}} or flattened).  Default
 * rules (is_default) may use priorities above 4096. */
nsg_rc nsg_imp_parse_rule(const cJSON *json, bool is_default, const char *where,
                          struct nsg_rule *out, struct nsg_err *err) NSG_WUR;
/* A network security group: user rules validated (priority unique per
 * direction, names unique), then defaultSecurityRules or the six
 * synthesized default rules. */
nsg_rc nsg_imp_parse_nsg(const cJSON *json, const char *where,
                         struct nsg_nsg **out, struct nsg_err *err) NSG_WUR;
/* A virtual network; its embedded subnets go to *subnets / *n_subnets. */
nsg_rc nsg_imp_parse_vnet(const cJSON *json, const char *where,
                          struct nsg_vnet **out, struct nsg_subnet ***subnets,
                          size_t *n_subnets, struct nsg_err *err) NSG_WUR;
/* A subnet; vnet_id (may be NULL) is used when the id does not say. */
nsg_rc nsg_imp_parse_subnet(const cJSON *json, const char *vnet_id,
                            const char *where, struct nsg_subnet **out,
                            struct nsg_err *err) NSG_WUR;
nsg_rc nsg_imp_parse_nic(const cJSON *json, const char *where,
                         struct nsg_nic **out, struct nsg_err *err) NSG_WUR;
nsg_rc nsg_imp_parse_pip(const cJSON *json, const char *where,
                         struct nsg_pip **out, struct nsg_err *err) NSG_WUR;
nsg_rc nsg_imp_parse_vm(const cJSON *json, const char *where,
                        struct nsg_vm **out, struct nsg_err *err) NSG_WUR;
nsg_rc nsg_imp_parse_asg(const cJSON *json, const char *where,
                         struct nsg_asg **out, struct nsg_err *err) NSG_WUR;
nsg_rc nsg_imp_parse_route_table(const cJSON *json, const char *where,
                                 struct nsg_route_table **out,
                                 struct nsg_err *err) NSG_WUR;
/* A Network Watcher flow log (imp_arm_flowlog.c). */
nsg_rc nsg_imp_parse_flowlog(const cJSON *json, const char *where,
                             struct nsg_flowlog **out,
                             struct nsg_err *err) NSG_WUR;

/* Common head of every resource: id (validated when present), name (from
 * the id when absent; one of them is required), and the properties object
 * (the resource itself when it is flattened).  Strings newly allocated. */
nsg_rc nsg_imp_head(const cJSON *json, const char *where, char **id,
                    char **name, const cJSON **props,
                    char props_where[NSG_JPATH_MAX],
                    struct nsg_err *err) NSG_WUR;
/* A CIDR list field (array of strings) appended to *v / *n. */
nsg_rc nsg_imp_cidrs(const cJSON *obj, const char *key, const char *where,
                     struct nsg_cidr **v, size_t *n,
                     struct nsg_err *err) NSG_WUR;
/* One CIDR or single IP string, with a message naming what is wrong. */
nsg_rc nsg_imp_cidr(const char *s, const char *where, struct nsg_cidr *out,
                    struct nsg_err *err) NSG_WUR;

/* ---- shapes (imp_arm_shape.c) ----------------------------------------------
 */

/* Resource type of one object: by "type", else by the id's type segment,
 * else by its shape.  Returns 0 and sets *type, 1 for a standalone security
 * rule, 2 for an effective-NSG entry, or -1 with a reason (static text or
 * written into reason_buf) for anything that is not a network resource. */
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

/* ---- walking one file (imp_arm.c, imp_arm_group.c) -------------------------
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
