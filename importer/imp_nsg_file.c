/* imp_nsg_file.c - loads a file holding exactly one NSG, in any shape the
 * configuration reader understands (ARM, az, PowerShell, templates), for
 * `diff` and `replay --proposed`.  It lives in the importer because it
 * needs the importer's shape detection and normalization; the NSG itself
 * is decoded by the model. */
#include <stdlib.h>
#include <string.h>

#include "imp_arm.h"

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
        const cJSON *name = nsg_model_json_field(it->json, "name");
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
        nsg_model_jpath_printf(where, "%s: %s", path, found->jpath);
        rc = nsg_model_parse_nsg(found->json, where, out, err);
    }
    nsg_buf_release(&names);
    nsg_imp_config_free(cfg);
    return rc;
}
