/* model_arm_net.c - parses the network resources other than NSGs (virtual
 * networks with subnets and peerings, subnets, NICs, public IPs, VMs, ASGs,
 * route tables) from the normalized ARM shape (az's flattened shape too). */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "model_int.h"

/* Singular and plural prefix fields merged, duplicates dropped. */
static nsg_rc prefixes(const cJSON *p, const char *pw, const char *one,
                       const char *many, struct nsg_cidr **v, size_t *n,
                       struct nsg_err *err)
{
    const char *s = NULL;
    char path[NSG_JPATH_MAX];
    struct nsg_cidr c;
    size_t out = 0;
    nsg_rc rc = NSG_OK;

    if (cJSON_IsArray(nsg_model_json_field(p, one))) /* PowerShell: a list */
        rc = nsg_model_cidrs(p, one, pw, v, n, err);
    else
        rc = nsg_model_json_str(p, one, pw, false, &s, err);
    if (rc)
        return rc;
    if (s && *s) {
        nsg_model_jpath_key(path, pw, one);
        if ((rc = nsg_model_cidr(s, path, &c, err)))
            return rc;
        *v = nsg_xrealloc(*v, (*n + 1) * sizeof(**v));
        (*v)[(*n)++] = c;
    }
    if (many && (rc = nsg_model_cidrs(p, many, pw, v, n, err)))
        return rc;
    for (size_t i = 0; i < *n; i++) {
        bool dup = false;
        for (size_t k = 0; k < out && !dup; k++)
            dup = (*v)[k].family == (*v)[i].family &&
                  (*v)[k].len == (*v)[i].len && (*v)[k].v == (*v)[i].v;
        if (!dup)
            (*v)[out++] = (*v)[i];
    }
    *n = out;
    return NSG_OK;
}

/* ---- subnets and virtual networks ---------------------------------------- */

nsg_rc nsg_model_parse_subnet(const cJSON *json, const char *vnet_id,
                              const char *where, struct nsg_subnet **out,
                              struct nsg_err *err)
{
    struct nsg_subnet *s = nsg_xcalloc(1, sizeof(*s));
    char pw[NSG_JPATH_MAX];
    const cJSON *p;
    nsg_rc rc;

    *out = NULL;
    rc = nsg_model_head(json, where, &s->id, &s->name, &p, pw, err);
    if (rc)
        goto out;
    if (s->id)
        s->vnet_id = nsg_id_parent(s->id);
    if (!s->vnet_id && vnet_id)
        s->vnet_id = nsg_xstrdup(vnet_id);
    if (!s->id && s->vnet_id) {
        size_t len = strlen(s->vnet_id) + strlen(s->name) + sizeof("/subnets/");
        s->id = nsg_xmalloc(len);
        snprintf(s->id, len, "%s/subnets/%s", s->vnet_id, s->name);
    }
    rc = prefixes(p, pw, "addressPrefix", "addressPrefixes", &s->prefixes,
                  &s->n_prefixes, err);
    if (!rc)
        rc = nsg_model_json_ref(p, "networkSecurityGroup", pw, &s->nsg_id, err);
    if (!rc)
        rc = nsg_model_json_ref(p, "routeTable", pw, &s->route_table_id, err);
    if (!rc)
        rc = nsg_model_json_ref(p, "natGateway", pw, &s->nat_gateway_id, err);
    if (!rc) {
        bool doa = true;
        rc = nsg_model_json_bool(p, "defaultOutboundAccess", pw, true, &doa,
                                 err);
        s->private_subnet = !doa;
    }
    if (!rc) {
        const char *pol;
        rc = nsg_model_json_str(p, "privateEndpointNetworkPolicies", pw, false,
                                &pol, err);
        if (!rc && pol && *pol)
            s->pe_policies = nsg_xstrdup(pol);
    }
out:
    if (rc) {
        nsg_subnet_free(s);
        return rc;
    }
    *out = s;
    return NSG_OK;
}

static nsg_rc peering(const cJSON *json, const char *where,
                      struct nsg_peering *pe, struct nsg_err *err)
{
    const cJSON *p, *space;
    char pw[NSG_JPATH_MAX];
    nsg_rc rc;

    memset(pe, 0, sizeof(*pe));
    pe->allow_vnet_access = true;
    if (!cJSON_IsObject(json))
        return nsg_model_json_fail(err, where, "expected an object, got %s",
                                   nsg_model_json_kind(json));
    pe->name = nsg_model_opt_str(json, "name");
    if ((rc = nsg_model_json_obj(json, "properties", where, false, &p, err)))
        return rc;
    if (p) {
        nsg_model_jpath_key(pw, where, "properties");
    } else {
        p = json;
        nsg_model_jpath_printf(pw, "%s", where);
    }
    if ((rc = nsg_model_json_ref(p, "remoteVirtualNetwork", pw,
                                 &pe->remote_vnet_id, err)))
        return rc;
    const char *key = nsg_model_json_field(p, "remoteAddressSpace")
                          ? "remoteAddressSpace"
                          : "remoteVirtualNetworkAddressSpace";
    if ((rc = nsg_model_json_obj(p, key, pw, false, &space, err)))
        return rc;
    if (space) {
        char sw[NSG_JPATH_MAX];
        nsg_model_jpath_key(sw, pw, key);
        if ((rc = nsg_model_cidrs(space, "addressPrefixes", sw,
                                  &pe->remote_space, &pe->n_remote_space, err)))
            return rc;
    }
    pe->state = nsg_model_opt_str(p, "peeringState");
    if ((rc = nsg_model_json_bool(p, "allowForwardedTraffic", pw, false,
                                  &pe->allow_forwarded, err)) ||
        (rc = nsg_model_json_bool(p, "allowGatewayTransit", pw, false,
                                  &pe->allow_gateway_transit, err)) ||
        (rc = nsg_model_json_bool(p, "useRemoteGateways", pw, false,
                                  &pe->use_remote_gateways, err)))
        return rc;
    return nsg_model_json_bool(p, "allowVirtualNetworkAccess", pw, true,
                               &pe->allow_vnet_access, err);
}

static void free_subnets(struct nsg_subnet **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        nsg_subnet_free(v[i]);
    free(v);
}

static nsg_rc vnet_subnets(struct nsg_vnet *v, const cJSON *p, const char *pw,
                           struct nsg_subnet ***subs, size_t *n_subs,
                           struct nsg_err *err)
{
    const cJSON *arr, *el;
    char path[NSG_JPATH_MAX], ew[NSG_JPATH_MAX];
    size_t i = 0;
    nsg_rc rc = nsg_model_json_arr(p, "subnets", pw, false, &arr, err);

    if (rc || !arr)
        return rc;
    nsg_model_jpath_key(path, pw, "subnets");
    cJSON_ArrayForEach(el, arr)
    {
        struct nsg_subnet *s;
        nsg_model_jpath_idx(ew, path, i++);
        if ((rc = nsg_model_parse_subnet(el, v->id, ew, &s, err)))
            return rc;
        *subs = nsg_xrealloc(*subs, (*n_subs + 1) * sizeof(**subs));
        (*subs)[(*n_subs)++] = s;
        if (s->id) {
            v->subnet_ids = nsg_xrealloc(
                v->subnet_ids, (v->n_subnet_ids + 1) * sizeof(*v->subnet_ids));
            v->subnet_ids[v->n_subnet_ids++] = nsg_xstrdup(s->id);
        }
    }
    return NSG_OK;
}

nsg_rc nsg_model_parse_vnet(const cJSON *json, const char *where,
                            struct nsg_vnet **out, struct nsg_subnet ***subnets,
                            size_t *n_subnets, struct nsg_err *err)
{
    struct nsg_vnet *v = nsg_xcalloc(1, sizeof(*v));
    struct nsg_subnet **subs = NULL;
    size_t n_subs = 0;
    const cJSON *p, *space, *arr, *el;
    char pw[NSG_JPATH_MAX], path[NSG_JPATH_MAX], ew[NSG_JPATH_MAX];
    size_t i = 0;
    nsg_rc rc;

    *out = NULL;
    *subnets = NULL;
    *n_subnets = 0;
    rc = nsg_model_head(json, where, &v->id, &v->name, &p, pw, err);
    if (rc)
        goto out;
    v->location = nsg_model_opt_str(json, "location");
    if ((rc = nsg_model_json_obj(p, "addressSpace", pw, false, &space, err)))
        goto out;
    if (space) {
        nsg_model_jpath_key(path, pw, "addressSpace");
        if ((rc = nsg_model_cidrs(space, "addressPrefixes", path, &v->space,
                                  &v->n_space, err)))
            goto out;
    }
    if ((rc = vnet_subnets(v, p, pw, &subs, &n_subs, err)))
        goto out;
    if ((rc = nsg_model_json_arr(p, "virtualNetworkPeerings", pw, false, &arr,
                                 err)))
        goto out;
    nsg_model_jpath_key(path, pw, "virtualNetworkPeerings");
    cJSON_ArrayForEach(el, arr)
    {
        nsg_model_jpath_idx(ew, path, i++);
        v->peerings = nsg_xrealloc(v->peerings,
                                   (v->n_peerings + 1) * sizeof(*v->peerings));
        rc = peering(el, ew, &v->peerings[v->n_peerings++], err);
        if (rc)
            goto out;
    }
out:
    if (rc) {
        nsg_vnet_free(v);
        free_subnets(subs, n_subs);
        return rc;
    }
    *out = v;
    *subnets = subs;
    *n_subnets = n_subs;
    return NSG_OK;
}

/* ---- NICs ------------------------------------------------------------------
 */

static nsg_rc ipconfig(const cJSON *json, const char *where,
                       struct nsg_ipconfig *c, struct nsg_err *err)
{
    const cJSON *p;
    const char *ip, *ver;
    char pw[NSG_JPATH_MAX], path[NSG_JPATH_MAX];
    nsg_rc rc;

    rc = nsg_model_head(json, where, &c->id, &c->name, &p, pw, err);
    if (rc)
        return rc;
    if ((rc = nsg_model_json_str(p, "privateIPAddress", pw, false, &ip, err)) ||
        (rc = nsg_model_json_str(p, "privateIPAddressVersion", pw, false, &ver,
                                 err)))
        return rc;
    if (ip && *ip) {
        struct nsg_cidr pfx;
        nsg_model_jpath_key(path, pw, "privateIPAddress");
        /* an ip configuration with an IP prefix (NIC prefix delegation)
         * writes "172.20.2.16/28" plus privateIPAddressPrefixLength: the
         * model keeps the prefix's first address */
        if (strchr(ip, '/') && !nsg_cidr_parse(ip, &pfx)) {
            char addr[NSG_CIDR_STRLEN];
            snprintf(addr, sizeof(addr), "%.*s", (int)(strchr(ip, '/') - ip),
                     ip);
            if (nsg_ip_parse(addr, &c->ip))
                return nsg_model_json_fail(
                    err, path, "\"%s\" is not an IPv4 or IPv6 address", ip);
        } else if (nsg_ip_parse(ip, &c->ip))
            return nsg_model_json_fail(
                err, path, "\"%s\" is not an IPv4 or IPv6 address", ip);
        c->has_ip = true;
        if (ver && *ver && strcasecmp(ver, c->ip.family == 4 ? "IPv4" : "IPv6"))
            return nsg_model_json_fail(err, path,
                                       "address %s does not match "
                                       "privateIPAddressVersion \"%s\"",
                                       ip, ver);
    }
    if ((rc = nsg_model_json_ref(p, "subnet", pw, &c->subnet_id, err)) ||
        (rc = nsg_model_json_ref(p, "publicIPAddress", pw, &c->public_ip_id,
                                 err)) ||
        (rc = nsg_model_json_refs(p, "applicationSecurityGroups", pw,
                                  &c->asg_ids, &c->n_asg_ids, err)) ||
        (rc = nsg_model_json_refs(p, "loadBalancerBackendAddressPools", pw,
                                  &c->lb_pool_ids, &c->n_lb_pool_ids, err)) ||
        (rc = nsg_model_json_refs(p, "loadBalancerInboundNatRules", pw,
                                  &c->lb_nat_rule_ids, &c->n_lb_nat_rule_ids,
                                  err)))
        return rc;
    return nsg_model_json_bool(p, "primary", pw, false, &c->primary, err);
}

nsg_rc nsg_model_parse_nic(const cJSON *json, const char *where,
                           struct nsg_nic **out, struct nsg_err *err)
{
    struct nsg_nic *n = nsg_xcalloc(1, sizeof(*n));
    const cJSON *p, *arr, *el;
    const char *mac;
    char pw[NSG_JPATH_MAX], path[NSG_JPATH_MAX], ew[NSG_JPATH_MAX];
    size_t i = 0;
    nsg_rc rc;

    *out = NULL;
    rc = nsg_model_head(json, where, &n->id, &n->name, &p, pw, err);
    if (rc)
        goto out;
    if ((rc = nsg_model_json_str(p, "macAddress", pw, false, &mac, err)))
        goto out;
    if (mac && *mac && nsg_mac_normalize(mac, n->mac)) {
        n->mac[0] = '\0';
        nsg_model_jpath_key(path, pw, "macAddress");
        rc = nsg_model_json_fail(err, path, "\"%s\" is not a MAC address", mac);
        goto out;
    }
    if ((rc = nsg_model_json_ref(p, "networkSecurityGroup", pw, &n->nsg_id,
                                 err)) ||
        (rc = nsg_model_json_ref(p, "virtualMachine", pw, &n->vm_id, err)) ||
        (rc = nsg_model_json_bool(p, "enableIPForwarding", pw, false,
                                  &n->ip_forwarding, err)) ||
        (rc = nsg_model_json_ref(p, "privateEndpoint", pw,
                                 &n->private_endpoint_id, err)) ||
        (rc = nsg_model_json_arr(p, "ipConfigurations", pw, false, &arr, err)))
        goto out;
    nsg_model_jpath_key(path, pw, "ipConfigurations");
    cJSON_ArrayForEach(el, arr)
    {
        nsg_model_jpath_idx(ew, path, i++);
        n->ipconfigs = nsg_xrealloc(n->ipconfigs, (n->n_ipconfigs + 1) *
                                                      sizeof(*n->ipconfigs));
        memset(&n->ipconfigs[n->n_ipconfigs], 0, sizeof(*n->ipconfigs));
        rc = ipconfig(el, ew, &n->ipconfigs[n->n_ipconfigs++], err);
        if (rc)
            goto out;
    }
out:
    if (rc)
        nsg_nic_free(n);
    else
        *out = n;
    return rc;
}

/* ---- public IPs, VMs, ASGs, route tables ------------------------------------
 */

nsg_rc nsg_model_parse_pip(const cJSON *json, const char *where,
                           struct nsg_pip **out, struct nsg_err *err)
{
    struct nsg_pip *pip = nsg_xcalloc(1, sizeof(*pip));
    const cJSON *p;
    const char *ip;
    char pw[NSG_JPATH_MAX], path[NSG_JPATH_MAX];
    nsg_rc rc;

    *out = NULL;
    rc = nsg_model_head(json, where, &pip->id, &pip->name, &p, pw, err);
    if (!rc)
        rc = nsg_model_json_str(p, "ipAddress", pw, false, &ip, err);
    if (!rc && ip && *ip) {
        nsg_model_jpath_key(path, pw, "ipAddress");
        if (nsg_ip_parse(ip, &pip->ip))
            rc = nsg_model_json_fail(
                err, path, "\"%s\" is not an IPv4 or IPv6 address", ip);
        pip->has_ip = !rc;
    }
    if (!rc)
        rc = nsg_model_json_ref(p, "ipConfiguration", pw, &pip->ipconfig_id,
                                err);
    if (!rc)
        rc = nsg_model_sku(json, where, &pip->sku, err);
    if (rc)
        nsg_pip_free(pip);
    else
        *out = pip;
    return rc;
}

nsg_rc nsg_model_parse_vm(const cJSON *json, const char *where,
                          struct nsg_vm **out, struct nsg_err *err)
{
    struct nsg_vm *vm = nsg_xcalloc(1, sizeof(*vm));
    const cJSON *p, *np = NULL;
    char pw[NSG_JPATH_MAX], path[NSG_JPATH_MAX];
    nsg_rc rc;

    *out = NULL;
    rc = nsg_model_head(json, where, &vm->id, &vm->name, &p, pw, err);
    if (!rc)
        rc = nsg_model_json_obj(p, "networkProfile", pw, false, &np, err);
    if (!rc && np) {
        nsg_model_jpath_key(path, pw, "networkProfile");
        rc = nsg_model_json_refs(np, "networkInterfaces", path, &vm->nic_ids,
                                 &vm->n_nic_ids, err);
    }
    if (rc)
        nsg_vm_free(vm);
    else
        *out = vm;
    return rc;
}

nsg_rc nsg_model_parse_asg(const cJSON *json, const char *where,
                           struct nsg_asg **out, struct nsg_err *err)
{
    struct nsg_asg *a = nsg_xcalloc(1, sizeof(*a));
    const cJSON *p;
    char pw[NSG_JPATH_MAX];
    nsg_rc rc = nsg_model_head(json, where, &a->id, &a->name, &p, pw, err);

    *out = NULL;
    if (rc)
        nsg_asg_free(a);
    else
        *out = a;
    return rc;
}

static nsg_rc route(const cJSON *json, const char *where, struct nsg_route *r,
                    struct nsg_err *err)
{
    const cJSON *p;
    const char *prefix, *hop;
    char pw[NSG_JPATH_MAX], path[NSG_JPATH_MAX];
    nsg_rc rc;

    if (!cJSON_IsObject(json))
        return nsg_model_json_fail(err, where, "expected an object, got %s",
                                   nsg_model_json_kind(json));
    r->name = nsg_model_opt_str(json, "name");
    if ((rc = nsg_model_json_obj(json, "properties", where, false, &p, err)))
        return rc;
    if (p) {
        nsg_model_jpath_key(pw, where, "properties");
    } else {
        p = json;
        nsg_model_jpath_printf(pw, "%s", where);
    }
    if ((rc = nsg_model_json_str(p, "addressPrefix", pw, true, &prefix, err)))
        return rc;
    r->next_hop_type = nsg_model_opt_str(p, "nextHopType");
    if ((rc = nsg_model_json_str(p, "nextHopIpAddress", pw, false, &hop, err)))
        return rc;
    if (hop && *hop) {
        nsg_model_jpath_key(path, pw, "nextHopIpAddress");
        if (nsg_ip_parse(hop, &r->next_hop_ip))
            return nsg_model_json_fail(
                err, path, "\"%s\" is not an IPv4 or IPv6 address", hop);
        r->has_next_hop_ip = true;
    }
    nsg_model_jpath_key(path, pw, "addressPrefix");
    if (isalpha((unsigned char)prefix[0]) && !strchr(prefix, ':')) {
        r->prefix_is_tag = true; /* a service tag as route prefix */
        r->tag = nsg_xstrdup(prefix);
        return NSG_OK;
    }
    return nsg_model_cidr(prefix, path, &r->prefix, err);
}

nsg_rc nsg_model_parse_route_table(const cJSON *json, const char *where,
                                   struct nsg_route_table **out,
                                   struct nsg_err *err)
{
    struct nsg_route_table *t = nsg_xcalloc(1, sizeof(*t));
    const cJSON *p, *arr = NULL, *el;
    char pw[NSG_JPATH_MAX], path[NSG_JPATH_MAX], ew[NSG_JPATH_MAX];
    size_t i = 0;
    nsg_rc rc;

    *out = NULL;
    rc = nsg_model_head(json, where, &t->id, &t->name, &p, pw, err);
    if (!rc)
        rc = nsg_model_json_arr(p, "routes", pw, false, &arr, err);
    nsg_model_jpath_key(path, pw, "routes");
    for (el = (!rc && arr) ? arr->child : NULL; el && !rc; el = el->next) {
        nsg_model_jpath_idx(ew, path, i++);
        t->routes =
            nsg_xrealloc(t->routes, (t->n_routes + 1) * sizeof(*t->routes));
        memset(&t->routes[t->n_routes], 0, sizeof(*t->routes));
        rc = route(el, ew, &t->routes[t->n_routes++], err);
    }
    if (rc)
        nsg_route_table_free(t);
    else
        *out = t;
    return rc;
}
