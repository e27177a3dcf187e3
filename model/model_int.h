/* model_int.h - internals of the ARM decoder shared by model_arm_*.c and
 * model_tags.c: the common head of a resource and the CIDR fields.  Not
 * for use outside model/. */
#ifndef NSG_MODEL_INT_H
#define NSG_MODEL_INT_H

#include "model_arm.h"
#include "model_json.h"

/* Common head of every resource: id (validated when present), name (from
 * the id when absent; one of them is required), and the properties object
 * (the resource itself when it is flattened).  Strings newly allocated. */
nsg_rc nsg_model_head(const cJSON *json, const char *where, char **id,
                      char **name, const cJSON **props,
                      char props_where[NSG_JPATH_MAX],
                      struct nsg_err *err) NSG_WUR;
/* The properties object of a resource (the resource itself when it is
 * flattened, as az prints it) and its path. */
nsg_rc nsg_model_props(const cJSON *json, const char *where,
                       const cJSON **props, char props_where[NSG_JPATH_MAX],
                       struct nsg_err *err) NSG_WUR;
/* The "direction" field of a rule: Inbound or Outbound. */
nsg_rc nsg_model_direction(const cJSON *p, const char *pw, enum nsg_dir *dir,
                           struct nsg_err *err) NSG_WUR;
/* A CIDR list field (array of strings) appended to *v / *n. */
nsg_rc nsg_model_cidrs(const cJSON *obj, const char *key, const char *where,
                       struct nsg_cidr **v, size_t *n,
                       struct nsg_err *err) NSG_WUR;
/* One CIDR or single IP string, with a message naming what is wrong. */
nsg_rc nsg_model_cidr(const char *s, const char *where, struct nsg_cidr *out,
                      struct nsg_err *err) NSG_WUR;
/* sku.name of a resource (top level, else under properties; a plain
 * string is accepted), newly allocated, or NULL when absent. */
nsg_rc nsg_model_sku(const cJSON *json, const char *where, char **out,
                     struct nsg_err *err) NSG_WUR;
/* A non-empty string field, newly allocated, or NULL. */
char *nsg_model_opt_str(const cJSON *obj, const char *key);

#endif
