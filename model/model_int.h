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
/* nsg_model_head for Virtual Network Manager resources: the id need only
 * look like "/subscriptions/..." (the REST reference's own examples write
 * "resourceGroup/"), and is required when need_id. */
nsg_rc nsg_model_head_lenient(const cJSON *json, const char *where,
                              bool need_id, char **id, char **name,
                              const cJSON **props,
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

/* ---- model_arm_parts.c ------------------------------------------------- */
/* One element of an array of sub-resources: el, its path where. */
typedef nsg_rc (*nsg_model_el_fn)(const cJSON *el, const char *where,
                                  void *ctx, struct nsg_err *err);
/* fn on each element of the optional array p[key] (p at path pw), in
 * order; stops at the first error. */
nsg_rc nsg_model_each(const cJSON *p, const char *pw, const char *key,
                      nsg_model_el_fn fn, void *ctx,
                      struct nsg_err *err) NSG_WUR;
/* v (an array of *n elements of size bytes) grown by one zeroed element;
 * *n counts it. */
void *nsg_model_grow(void *v, size_t *n, size_t size);
/* arr (of n elements) grown by one zeroed element: a pointer to it. */
#define NSG_MODEL_PUSH(arr, n)                                               \
    ((arr) = nsg_model_grow((arr), &(n), sizeof(*(arr))), &(arr)[(n) - 1])
/* An optional IP-address string field p[key]: *has says whether it was
 * there (an empty string is absent). */
nsg_rc nsg_model_ip_field(const cJSON *p, const char *pw, const char *key,
                          bool *has, struct nsg_ip *ip,
                          struct nsg_err *err) NSG_WUR;

#endif
