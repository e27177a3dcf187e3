/* imp_arm_shape.c - recognizes what one JSON object is (by "type", by the
 * resource type in its id, or by its shape) and rewrites az's flattened
 * objects into the ARM GET shape {id,name,type,location,etag,properties}. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "imp_arm.h"

static const struct {
    const char *arm; /* ARM type, compared case-insensitively */
    int kind;        /* 0 resource, 1 security rule */
    enum nsg_res_type type;
} types[] = {
    {"Microsoft.Network/networkSecurityGroups", 0, NSG_RES_NSG},
    {"Microsoft.Network/virtualNetworks", 0, NSG_RES_VNET},
    {"Microsoft.Network/virtualNetworks/subnets", 0, NSG_RES_SUBNET},
    {"Microsoft.Network/networkInterfaces", 0, NSG_RES_NIC},
    {"Microsoft.Network/publicIPAddresses", 0, NSG_RES_PIP},
    {"Microsoft.Compute/virtualMachines", 0, NSG_RES_VM},
    {"Microsoft.Network/applicationSecurityGroups", 0, NSG_RES_ASG},
    {"Microsoft.Network/routeTables", 0, NSG_RES_ROUTE_TABLE},
    {"Microsoft.Network/loadBalancers", 0, NSG_RES_LB},
    {"Microsoft.Network/natGateways", 0, NSG_RES_NATGW},
    {"Microsoft.Network/azureFirewalls", 0, NSG_RES_FIREWALL},
    {"Microsoft.Network/applicationGateways", 0, NSG_RES_APPGW},
    {"Microsoft.Network/bastionHosts", 0, NSG_RES_BASTION},
    {"Microsoft.Network/networkWatchers/flowLogs", 0, NSG_RES_FLOWLOG},
    {"Microsoft.Network/networkManagers/securityAdminConfigurations", 0,
     NSG_RES_ADMIN_CONFIG},
    {"Microsoft.Network/networkManagers/securityAdminConfigurations/"
     "ruleCollections",
     0, NSG_RES_ADMIN_COLLECTION},
    {"Microsoft.Network/networkManagers/securityAdminConfigurations/"
     "ruleCollections/rules",
     0, NSG_RES_ADMIN_RULE},
    {"Microsoft.Network/networkManagers/networkGroups", 0,
     NSG_RES_NETWORK_GROUP},
    {"Microsoft.Network/networkManagers/networkGroups/staticMembers", 0,
     NSG_RES_STATIC_MEMBER},
    {"Microsoft.Authorization/policyDefinitions", 5, NSG_RES_GROUP_POLICY},
    {"nsgproof/networkManagerDeploymentStatus", 0, NSG_RES_ADMIN_DEPLOYMENT},
    {"nsgproof/effectiveSecurityAdminRules", 0, NSG_RES_ADMIN_EFFECTIVE},
    {"nsgproof/effectiveTagExpansion", 0, NSG_RES_TAG_EXPANSION},
    {"Microsoft.Network/networkSecurityGroups/securityRules", 1, NSG_RES_NSG},
    {"Microsoft.Network/networkSecurityGroups/defaultSecurityRules", 1,
     NSG_RES_NSG},
};
#define N_TYPES (sizeof(types) / sizeof(types[0]))

const char *nsg_imp_arm_type(enum nsg_res_type t)
{
    for (size_t i = 0; i < N_TYPES; i++)
        if (types[i].kind == 0 && types[i].type == t)
            return types[i].arm;
    return "?";
}

static int lookup(const char *arm, enum nsg_res_type *type)
{
    for (size_t i = 0; i < N_TYPES; i++)
        if (!strcasecmp(arm, types[i].arm)) {
            *type = types[i].type;
            return types[i].kind;
        }
    return -1;
}

/* "Microsoft.Network/virtualNetworks/subnets" from a resource id. */
static void type_of_id(const char *id, char out[256])
{
    char **parts = g_strsplit(id, "/", -1);
    guint n = g_strv_length(parts), i;
    size_t len = 0;

    out[0] = '\0';
    for (i = 0; i < n; i++)
        if (!strcasecmp(parts[i], "providers"))
            break;
    if (i + 1 < n) {
        len += (size_t)snprintf(out, 256, "%s", parts[i + 1]);
        for (guint k = i + 2; k < n && len < 256; k += 2)
            len += (size_t)snprintf(out + len, 256 - len, "/%s", parts[k]);
    }
    g_strfreev(parts);
}

static bool has(const cJSON *o, const char *key)
{
    return nsg_model_json_field(o, key) != NULL;
}

/* By the fields that only one kind of resource has (az output of old
 * versions prints neither type nor a parseable id in some commands). */
static int by_shape(const cJSON *j, enum nsg_res_type *type)
{
    const cJSON *p = nsg_model_json_field(j, "properties");
    if (!cJSON_IsObject(p))
        p = j;
    if (has(p, "securityRules") || has(p, "defaultSecurityRules"))
        return *type = NSG_RES_NSG, 0;
    if (has(p, "addressSpace"))
        return *type = NSG_RES_VNET, 0;
    if (has(p, "ipConfigurations") && has(p, "macAddress"))
        return *type = NSG_RES_NIC, 0;
    if (has(p, "access") && has(p, "direction"))
        return *type = NSG_RES_NSG, 1;
    if (has(p, "routes"))
        return *type = NSG_RES_ROUTE_TABLE, 0;
    if (has(p, "gatewayIPConfigurations"))
        return *type = NSG_RES_APPGW, 0;
    if (has(p, "frontendIPConfigurations") &&
        (has(p, "loadBalancingRules") || has(p, "backendAddressPools")))
        return *type = NSG_RES_LB, 0;
    if (has(p, "threatIntelMode") || has(p, "hubIPAddresses"))
        return *type = NSG_RES_FIREWALL, 0;
    if (has(p, "targetResourceId") && has(p, "storageId"))
        return *type = NSG_RES_FLOWLOG, 0;
    if (has(p, "networkProfile"))
        return *type = NSG_RES_VM, 0;
    if (has(p, "publicIPAllocationMethod") ||
        has(p, "publicIpAllocationMethod"))
        return *type = NSG_RES_PIP, 0;
    if (has(p, "ipConfigurations"))
        return *type = NSG_RES_NIC, 0;
    if (has(p, "addressPrefix") || has(p, "addressPrefixes"))
        return *type = NSG_RES_SUBNET, 0;
    return -1;
}

/* Why a known sub-resource listed on its own is not imported. */
static int sub_reason(const char *arm, char reason[256])
{
    if (strcasestr(arm, "/virtualNetworkPeerings"))
        snprintf(reason, 256,
                 "a virtual network peering listed on its own: nsgproof "
                 "reads peerings from their virtual network (az network "
                 "vnet show/list, or a VirtualNetworks GET)");
    else if (strcasestr(arm, "/ipConfigurations"))
        snprintf(reason, 256,
                 "an ip configuration listed on its own: nsgproof reads "
                 "them from their network interface");
    else
        return 0;
    return 1;
}

int nsg_imp_classify(const cJSON *j, enum nsg_res_type *type, char reason[256])
{
    const cJSON *t = nsg_model_json_field(j, "type"),
                *id = nsg_model_json_field(j, "id");
    char derived[256];
    int k;

    if (!cJSON_IsObject(j)) {
        snprintf(reason, 256, "not an object (%s)", nsg_model_json_kind(j));
        return -1;
    }
    if (has(j, "effectiveSecurityRules"))
        return 2;
    if (has(j, "deploymentStatus") &&
        (has(j, "configurationIds") || has(j, "deploymentType")))
        return 3; /* az network manager list-deploy-status */
    if (has(j, "ruleCollectionAppliesToGroups") ||
        has(j, "ruleCollectionDescription"))
        return 4; /* an effective security admin rule */
    if (cJSON_IsString(t) && strchr(t->valuestring, '/')) {
        if ((k = lookup(t->valuestring, type)) >= 0)
            return k;
        if (sub_reason(t->valuestring, reason))
            return -1;
        snprintf(reason, 256,
                 "type %.150s is not a network resource nsgproof "
                 "models",
                 t->valuestring);
        return -1;
    }
    if (cJSON_IsString(id) && nsg_id_is_valid(id->valuestring)) {
        type_of_id(id->valuestring, derived);
        if ((k = lookup(derived, type)) >= 0)
            return k;
        if (sub_reason(derived, reason))
            return -1;
        snprintf(reason, 256,
                 "resource type %.150s (from its id) is not a "
                 "network resource nsgproof models",
                 derived);
        return -1;
    }
    if ((k = by_shape(j, type)) >= 0)
        return k;
    snprintf(reason, 256,
             "not a resource nsgproof recognizes (no \"type\", no "
             "resource id and no known fields)");
    return -1;
}

/* Fields that stay at the top of the ARM shape: their ARM spelling (the
 * corpus reads them case-sensitively; PowerShell writes "Id", "Name"), or
 * NULL.  A sub-resource keeps only the first four. */
static const char *top_level(const char *key, bool resource)
{
    static const char *const keys[] = {
        "id",       "name",  "etag",     "type", "location",
        "tags",     "zones", "sku",      "kind", "extendedLocation",
        "identity", "plan",  "managedBy"};
    size_t n = resource ? sizeof(keys) / sizeof(keys[0]) : 4;
    for (size_t i = 0; i < n; i++)
        if (!strcasecmp(key, keys[i]))
            return keys[i];
    return NULL;
}

/* Normalize the elements of props[key] in place (sub-resources). */
static void norm_array(cJSON *props, const char *key)
{
    cJSON *arr = cJSON_GetObjectItem(props, key), *el;
    if (!cJSON_IsArray(arr))
        return;
    for (el = arr->child; el;) {
        cJSON *next = el->next;
        if (cJSON_IsObject(el) && !cJSON_GetObjectItem(el, "properties"))
            cJSON_ReplaceItemViaPointer(arr, el, nsg_imp_normalize_sub(el));
        el = next;
    }
}

/* az (older versions) and PowerShell (PascalCase) spell some keys
 * differently from ARM: the fields nsgproof knows (the model's list) get
 * ARM's spelling (readers match keys case-insensitively; other tools may
 * not). */
static const char *canonical_key(const char *key)
{
    const char *arm = nsg_model_arm_field(key, NULL);
    return arm ? arm : key;
}

/* Shared by resources and sub-resources: top-level keys stay, the rest
 * goes under properties (unless there is a properties object already). */
static cJSON *split(const cJSON *j, bool resource)
{
    const cJSON *p = cJSON_GetObjectItem(j, "properties");
    cJSON *out, *props, *c;

    if ((p && !cJSON_IsNull(p)) || !cJSON_IsObject(j))
        return cJSON_Duplicate(j, true); /* ARM shape already (or bad) */
    out = cJSON_CreateObject();
    props = cJSON_CreateObject();
    for (c = j->child; c; c = c->next) {
        if (!c->string || !strcasecmp(c->string, "properties"))
            continue;
        if (!strcasecmp(c->string, "resourceGroup"))
            continue; /* az adds it; the id says it */
        const char *top = top_level(c->string, resource);
        const char *canon = top ? top : canonical_key(c->string);
        cJSON *dst = top ? out : props;
        /* rename to the canonical spelling only where the readers (exact
         * case first, then the first of any case) would pick this very
         * key: no exact key in the object, no earlier key renamed */
        const char *k = c->string;
        if (strcmp(canon, k) && !cJSON_GetObjectItemCaseSensitive(j, canon) &&
            !cJSON_GetObjectItemCaseSensitive(dst, canon))
            k = canon;
        cJSON_AddItemToObject(dst, k, cJSON_Duplicate(c, true));
    }
    cJSON_AddItemToObject(out, "properties", props);
    return out;
}

cJSON *nsg_imp_normalize_sub(const cJSON *j)
{
    return split(j, false);
}

cJSON *nsg_imp_normalize(const cJSON *j, enum nsg_res_type type)
{
    cJSON *out = split(j, true), *props;

    if (!cJSON_IsObject(out))
        return out;
    if (!cJSON_GetObjectItem(out, "type"))
        cJSON_AddStringToObject(out, "type", nsg_imp_arm_type(type));
    props = cJSON_GetObjectItem(out, "properties");
    if (!cJSON_IsObject(props))
        return out;
    switch (type) {
    case NSG_RES_NSG:
        norm_array(props, "securityRules");
        norm_array(props, "defaultSecurityRules");
        break;
    case NSG_RES_VNET:
        norm_array(props, "subnets");
        norm_array(props, "virtualNetworkPeerings");
        break;
    case NSG_RES_NIC:
        norm_array(props, "ipConfigurations");
        break;
    case NSG_RES_ROUTE_TABLE:
        norm_array(props, "routes");
        break;
    default:
        break;
    }
    return out;
}
