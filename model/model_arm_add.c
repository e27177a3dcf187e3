/* model_arm_add.c - decodes one normalized resource of a given type with
 * its parser (model_arm_rule.c, model_arm_net.c) and adds it to a
 * topology, or hands it over alone. */
#include <stdlib.h>
#include <string.h>

#include "model_int.h"

/* The resource and, for a virtual network, its embedded subnets. */
static nsg_rc decode(enum nsg_res_type type, const cJSON *json,
                     int64_t captured_at, const char *where, void **out,
                     struct nsg_subnet ***subs, size_t *n_subs,
                     struct nsg_err *err)
{
    void *res = NULL;
    nsg_rc rc;

    *out = NULL;
    switch (type) {
    case NSG_RES_NSG:
        rc = nsg_model_parse_nsg(json, where, (struct nsg_nsg **)&res, err);
        if (!rc)
            ((struct nsg_nsg *)res)->captured_at = captured_at;
        break;
    case NSG_RES_VNET:
        rc = nsg_model_parse_vnet(json, where, (struct nsg_vnet **)&res, subs,
                                  n_subs, err);
        break;
    case NSG_RES_SUBNET:
        rc = nsg_model_parse_subnet(json, NULL, where,
                                    (struct nsg_subnet **)&res, err);
        break;
    case NSG_RES_NIC:
        rc = nsg_model_parse_nic(json, where, (struct nsg_nic **)&res, err);
        break;
    case NSG_RES_PIP:
        rc = nsg_model_parse_pip(json, where, (struct nsg_pip **)&res, err);
        break;
    case NSG_RES_VM:
        rc = nsg_model_parse_vm(json, where, (struct nsg_vm **)&res, err);
        break;
    case NSG_RES_ASG:
        rc = nsg_model_parse_asg(json, where, (struct nsg_asg **)&res, err);
        break;
    case NSG_RES_ROUTE_TABLE:
        rc = nsg_model_parse_route_table(
            json, where, (struct nsg_route_table **)&res, err);
        break;
    case NSG_RES_LB:
        rc = nsg_model_parse_lb(json, where, (struct nsg_lb **)&res, err);
        break;
    case NSG_RES_NATGW:
        rc = nsg_model_parse_natgw(json, where, (struct nsg_natgw **)&res, err);
        break;
    case NSG_RES_FIREWALL:
    case NSG_RES_APPGW:
    case NSG_RES_BASTION:
        rc = nsg_model_parse_appliance(json, type, where,
                                       (struct nsg_appliance **)&res, err);
        break;
    case NSG_RES_FLOWLOG:
        rc = nsg_model_parse_flowlog(json, where, (struct nsg_flowlog **)&res,
                                     err);
        break;
    default:
        rc = nsg_model_parse_admin(type, json, where, &res, err);
        break;
    }
    if (!rc)
        *out = res;
    return rc;
}

nsg_rc nsg_model_add_resource(struct nsg_topology *t, enum nsg_res_type type,
                              const cJSON *json, int64_t captured_at,
                              const char *where, struct nsg_err *err)
{
    void *res;
    struct nsg_subnet **subs = NULL;
    size_t n_subs = 0;
    nsg_rc rc = decode(type, json, captured_at, where, &res, &subs, &n_subs,
                       err);

    if (rc)
        return rc;
    nsg_topo_add(t, type, res);
    for (size_t i = 0; i < n_subs; i++)
        nsg_topo_add(t, NSG_RES_SUBNET, subs[i]);
    free(subs);
    return NSG_OK;
}

nsg_rc nsg_model_parse_resource(enum nsg_res_type type, const cJSON *json,
                                int64_t captured_at, const char *where,
                                struct nsg_res_ref *out, struct nsg_err *err)
{
    struct nsg_subnet **subs = NULL;
    size_t n_subs = 0;
    nsg_rc rc;

    out->type = type;
    rc = decode(type, json, captured_at, where, &out->ptr, &subs, &n_subs,
                err);
    for (size_t i = 0; i < n_subs; i++)
        nsg_subnet_free(subs[i]);
    free(subs);
    return rc;
}
