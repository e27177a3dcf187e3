/* imp_arm_add.c - adds one normalized resource to a topology (the corpus
 * loader and the validation of a configuration file both use it), and
 * loads a file holding exactly one NSG for `diff` and `replay`. */
#include <stdlib.h>
#include <string.h>

#include "imp_arm.h"

nsg_rc nsg_imp_add_resource(struct nsg_topology *t, enum nsg_res_type type,
                            const cJSON *json, int64_t captured_at,
                            const char *where, struct nsg_err *err)
{
    void *res = NULL;
    struct nsg_subnet **subs = NULL;
    size_t n_subs = 0;
    nsg_rc rc;

    switch (type) {
    case NSG_RES_NSG:
        rc = nsg_imp_parse_nsg(json, where, (struct nsg_nsg **)&res, err);
        if (!rc)
            ((struct nsg_nsg *)res)->captured_at = captured_at;
        break;
    case NSG_RES_VNET:
        rc = nsg_imp_parse_vnet(json, where, (struct nsg_vnet **)&res, &subs,
                                &n_subs, err);
        break;
    case NSG_RES_SUBNET:
        rc = nsg_imp_parse_subnet(json, NULL, where, (struct nsg_subnet **)&res,
                                  err);
        break;
    case NSG_RES_NIC:
        rc = nsg_imp_parse_nic(json, where, (struct nsg_nic **)&res, err);
        break;
    case NSG_RES_PIP:
        rc = nsg_imp_parse_pip(json, where, (struct nsg_pip **)&res, err);
        break;
    case NSG_RES_VM:
        rc = nsg_imp_parse_vm(json, where, (struct nsg_vm **)&res, err);
        break;
    case NSG_RES_ASG:
        rc = nsg_imp_parse_asg(json, where, (struct nsg_asg **)&res, err);
        break;
    case NSG_RES_ROUTE_TABLE:
        rc = nsg_imp_parse_route_table(json, where,
                                       (struct nsg_route_table **)&res, err);
        break;
    case NSG_RES_FLOWLOG:
        rc = nsg_imp_parse_flowlog(json, where, (struct nsg_flowlog **)&res,
                                   err);
        break;
    default:
        return nsg_err_set(err, NSG_E_INTERNAL, "%s: unknown resource type %d",
                           where, (int)type);
    }
    if (rc)
        return rc;
    nsg_topo_add(t, type, res);
    for (size_t i = 0; i < n_subs; i++)
        nsg_topo_add(t, NSG_RES_SUBNET, subs[i]);
    free(subs);
    return NSG_OK;
}

nsg_rc nsg_imp_load_nsg_file(const char *path, struct nsg_nsg **out,
                             struct nsg_err *err)
{
    struct nsg_imp_config *cfg = NULL;
    const struct nsg_imp_item *found = NULL;
    struct nsg_buf names = NSG_BUF_INIT;
    size_t count = 0;
    char where[NSG_JPATH_MAX];
    nsg_rc rc;

    *out = NULL;
    rc = nsg_imp_config_read(path, &cfg, err);
    if (rc)
        return rc;
    for (guint i = 0; i < cfg->items->len; i++) {
        const struct nsg_imp_item *it = cfg->items->pdata[i];
        if (it->type != NSG_RES_NSG)
            continue;
        const cJSON *name = nsg_json_field(it->json, "name");
        nsg_buf_addf(&names, "%s%s", count ? ", " : "",
                     cJSON_IsString(name) ? name->valuestring : it->jpath);
        found = it;
        count++;
    }
    if (count == 0) {
        rc = nsg_err_set(err, NSG_E_INPUT,
                         "%s: $: holds no network security group (expected "
                         "exactly one)",
                         path);
    } else if (count > 1) {
        rc = nsg_err_set(err, NSG_E_INPUT,
                         "%s: $: holds %zu network security groups (%s); "
                         "expected exactly one",
                         path, count, names.buf);
    } else {
        nsg_jpath_printf(where, "%s: %s", path, found->jpath);
        rc = nsg_imp_parse_nsg(found->json, where, out, err);
    }
    nsg_buf_release(&names);
    nsg_imp_config_free(cfg);
    return rc;
}
