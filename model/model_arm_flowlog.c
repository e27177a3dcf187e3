/* model_arm_flowlog.c - decodes Network Watcher flow-log resources
 * (Microsoft.Network/networkWatchers/flowLogs: `az network watcher flow-log
 * list`, the REST list response or an ARM template): which NSG, virtual
 * network, subnet or NIC each one records, and whether it is enabled.  The
 * assessment reads them for flow-log coverage. */
#include <stdlib.h>

#include "model_int.h"

nsg_rc nsg_model_parse_flowlog(const cJSON *json, const char *where,
                             struct nsg_flowlog **out, struct nsg_err *err)
{
    struct nsg_flowlog *f = nsg_xcalloc(1, sizeof(*f));
    const cJSON *p, *loc;
    const char *target = NULL;
    char pw[NSG_JPATH_MAX], path[NSG_JPATH_MAX];
    bool enabled = false;
    nsg_rc rc;

    *out = NULL;
    rc = nsg_model_head(json, where, &f->id, &f->name, &p, pw, err);
    if (!rc)
        rc = nsg_model_json_str(p, "targetResourceId", pw, false, &target, err);
    if (!rc && target && *target) {
        nsg_model_jpath_key(path, pw, "targetResourceId");
        rc = nsg_model_json_check_id(target, path, err);
        if (!rc)
            f->target_id = nsg_xstrdup(target);
    }
    if (!rc)
        rc = nsg_model_json_bool(p, "enabled", pw, false, &enabled, err);
    if (rc) {
        nsg_flowlog_free(f);
        return rc;
    }
    /* Absent "enabled" is not said to be either: coverage stays unknown. */
    f->state = !nsg_model_json_field(p, "enabled") ? NSG_FLOWLOG_STATE_UNKNOWN
               : enabled                     ? NSG_FLOWLOG_ENABLED
                                             : NSG_FLOWLOG_DISABLED;
    loc = nsg_model_json_field(json, "location");
    if (cJSON_IsString(loc) && *loc->valuestring)
        f->location = nsg_xstrdup(loc->valuestring);
    *out = f;
    return NSG_OK;
}
