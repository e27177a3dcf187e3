/* fuzz_config.c - libFuzzer harness for nsg_imp_config_parse (the
 * configuration importer: ARM, az, PowerShell, templates, Service Tags).
 * Not built by `make`; see README.md in this directory. */
#include <stddef.h>
#include <stdint.h>

#include "../../../../importer/importer.h"
#include "../../../../model/model_arm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct nsg_imp_config *cfg = NULL;
    struct nsg_err err = NSG_ERR_INIT;
    nsg_rc rc = nsg_imp_config_parse("fuzz.json", (const char *)data, size,
                                     &cfg, &err);
    if (rc != NSG_OK && rc != NSG_E_INPUT)
        __builtin_trap(); /* only input errors are expected */
    if (!rc) {
        /* what validated must load from its normalized form too */
        struct nsg_topology *t = nsg_topo_new();
        for (guint i = 0; i < cfg->items->len; i++) {
            const struct nsg_imp_item *it = cfg->items->pdata[i];
            if (nsg_model_add_resource(t, it->type, it->json, 0, it->jpath,
                                     &err))
                __builtin_trap();
        }
        nsg_topo_link(t);
        nsg_topo_free(t);
    }
    nsg_imp_config_free(cfg);
    return 0;
}
