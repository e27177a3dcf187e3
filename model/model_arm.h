/* model_arm.h - the canonical ARM-JSON decoder: turns one resource in the
 * ARM GET shape ({id, name, type, location, etag, properties{...}}, the
 * shape the importer normalizes every input to and the corpus stores) into
 * model structs, with Azure's validation, and a Service Tags document into
 * tags.  az's flattened shape (fields beside the id instead of under
 * "properties") is read as well.  `where` names the file and JSON path of
 * the object for messages ("web.json: $.value[2]"); every error is
 * NSG_E_INPUT "where.field: what is wrong".  Unknown fields are ignored. */
#ifndef NSG_MODEL_ARM_H
#define NSG_MODEL_ARM_H

#include <cjson/cJSON.h>

#include "model.h"

/* ---- whole resources (model_arm_add.c, model_tags.c) -------------------- */

/* Parse one resource of the given type and add it to t (a virtual network
 * also adds its embedded subnets); on error t is unchanged.  captured_at
 * is kept in an NSG (unix seconds, 0 if unknown). */
nsg_rc nsg_model_add_resource(struct nsg_topology *t, enum nsg_res_type type,
                              const cJSON *json, int64_t captured_at,
                              const char *where, struct nsg_err *err) NSG_WUR;
/* Parse one resource alone: out->type = type and out->ptr the new struct
 * (the caller frees it with nsg_res_free).  A virtual network's embedded
 * subnets are validated but not returned. */
nsg_rc nsg_model_parse_resource(enum nsg_res_type type, const cJSON *json,
                                int64_t captured_at, const char *where,
                                struct nsg_res_ref *out,
                                struct nsg_err *err) NSG_WUR;
/* Parse a Service Tags document ({"values": [{name, properties:
 * {addressPrefixes}}]}) into t's tag table; on error t is unchanged. */
nsg_rc nsg_model_add_service_tags(struct nsg_topology *t, const cJSON *json,
                                  const char *where,
                                  struct nsg_err *err) NSG_WUR;

/* ---- one parser per resource type (*out owned by the caller) ------------ */

/* One security rule ({name, id, properties{...}} or flattened).  Default
 * rules (is_default) may use priorities above 4096. */
nsg_rc nsg_model_parse_rule(const cJSON *json, bool is_default,
                            const char *where, struct nsg_rule *out,
                            struct nsg_err *err) NSG_WUR;
/* A network security group: user rules validated (priority unique per
 * direction, names unique), then defaultSecurityRules, then those of
 * Azure's six default rules that are not given. */
/* What nsg_model_parse_nsg changes in the default rules of an NSG's JSON:
 * those that differ from Azure's (which cannot be changed) are replaced by
 * Azure's.  Appends one description per changed rule to why (nothing when
 * the export's defaults are Azure's or absent). */
nsg_rc nsg_model_nsg_defaults(const cJSON *json, const char *where,
                              struct nsg_buf *why, struct nsg_err *err) NSG_WUR;
nsg_rc nsg_model_parse_nsg(const cJSON *json, const char *where,
                           struct nsg_nsg **out, struct nsg_err *err) NSG_WUR;
/* A virtual network; its embedded subnets go to *subnets / *n_subnets. */
nsg_rc nsg_model_parse_vnet(const cJSON *json, const char *where,
                            struct nsg_vnet **out,
                            struct nsg_subnet ***subnets, size_t *n_subnets,
                            struct nsg_err *err) NSG_WUR;
/* A subnet; vnet_id (may be NULL) is used when the id does not say. */
nsg_rc nsg_model_parse_subnet(const cJSON *json, const char *vnet_id,
                              const char *where, struct nsg_subnet **out,
                              struct nsg_err *err) NSG_WUR;
nsg_rc nsg_model_parse_nic(const cJSON *json, const char *where,
                           struct nsg_nic **out, struct nsg_err *err) NSG_WUR;
nsg_rc nsg_model_parse_pip(const cJSON *json, const char *where,
                           struct nsg_pip **out, struct nsg_err *err) NSG_WUR;
nsg_rc nsg_model_parse_vm(const cJSON *json, const char *where,
                          struct nsg_vm **out, struct nsg_err *err) NSG_WUR;
nsg_rc nsg_model_parse_asg(const cJSON *json, const char *where,
                           struct nsg_asg **out, struct nsg_err *err) NSG_WUR;
nsg_rc nsg_model_parse_route_table(const cJSON *json, const char *where,
                                   struct nsg_route_table **out,
                                   struct nsg_err *err) NSG_WUR;
/* A load balancer (model_arm_lb.c): frontends, backend pools, rules,
 * inbound NAT rules, outbound rules, sku. */
nsg_rc nsg_model_parse_lb(const cJSON *json, const char *where,
                          struct nsg_lb **out, struct nsg_err *err) NSG_WUR;
nsg_rc nsg_model_parse_natgw(const cJSON *json, const char *where,
                             struct nsg_natgw **out,
                             struct nsg_err *err) NSG_WUR;
/* An Azure Firewall, Application Gateway or Bastion (type says which). */
nsg_rc nsg_model_parse_appliance(const cJSON *json, enum nsg_res_type type,
                                 const char *where, struct nsg_appliance **out,
                                 struct nsg_err *err) NSG_WUR;
/* A Network Watcher flow log (model_arm_flowlog.c). */
nsg_rc nsg_model_parse_flowlog(const cJSON *json, const char *where,
                               struct nsg_flowlog **out,
                               struct nsg_err *err) NSG_WUR;
/* The Virtual Network Manager resources, network group policies and tag
 * expansions (model_admin.h types; model_arm_admin.c). */
nsg_rc nsg_model_parse_admin(enum nsg_res_type type, const cJSON *json,
                             const char *where, void **out,
                             struct nsg_err *err) NSG_WUR;
/* The synthesized id of a region's deployment status of a manager. */
char *nsg_model_admin_deployment_id(const char *manager_id,
                                    const char *region);

/* ---- the property fields nsgproof knows (model_fields.c) ---------------- */
enum nsg_model_field_use {
    NSG_MODEL_FIELD_MODEL, /* its value goes into the model: answers depend
                              on it */
    NSG_MODEL_FIELD_INFO,  /* descriptive (a rule's description) or only
                              recognized (provisioningState, allocation
                              methods): no answer depends on it */
};
/* The ARM spelling of a property field nsgproof knows (key matched
 * case-insensitively) and, when use is not NULL, how it is used; NULL for
 * any other field (ignored by the decoder). */
const char *nsg_model_arm_field(const char *key,
                                enum nsg_model_field_use *use);

#endif
