/* model_arm_lb.c - decodes the resources that carry packets besides
 * subnets and peerings: load balancers (frontends, backend pools,
 * load-balancing rules, inbound NAT rules, outbound rules), NAT gateways,
 * and the appliances nsgproof names on a path without evaluating them
 * (Azure Firewall, Application Gateway, Bastion).  Shapes from the REST
 * API specifications (Microsoft.Network 2024-05-01); inboundNatPools
 * (scale sets) are not read. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model_int.h"

/* Each element of array props[key]: el, its location. */
typedef nsg_rc (*el_fn)(const cJSON *el, const char *where, void *ctx,
                        struct nsg_err *err);

static nsg_rc each(const cJSON *p, const char *pw, const char *key, el_fn fn,
                   void *ctx, struct nsg_err *err)
{
    const cJSON *arr, *el;
    char path[NSG_JPATH_MAX], ew[NSG_JPATH_MAX];
    size_t i = 0;
    nsg_rc rc = nsg_model_json_arr(p, key, pw, false, &arr, err);
    if (rc || !arr)
        return rc;
    nsg_model_jpath_key(path, pw, key);
    cJSON_ArrayForEach(el, arr)
    {
        nsg_model_jpath_idx(ew, path, i++);
        if ((rc = fn(el, ew, ctx, err)))
            return rc;
    }
    return NSG_OK;
}

static void *grow(void *v, size_t *n, size_t size)
{
    v = nsg_xrealloc(v, (*n + 1) * size);
    memset((char *)v + *n * size, 0, size);
    (*n)++;
    return v;
}

static nsg_rc ip_field(const cJSON *p, const char *pw, const char *key,
                       bool *has, struct nsg_ip *ip, struct nsg_err *err)
{
    const char *s;
    char path[NSG_JPATH_MAX];
    nsg_rc rc = nsg_model_json_str(p, key, pw, false, &s, err);
    *has = false;
    if (rc || !s || !*s)
        return rc;
    nsg_model_jpath_key(path, pw, key);
    if (nsg_ip_parse(s, ip))
        return nsg_model_json_fail(err, path,
                                   "\"%s\" is not an IPv4 or IPv6 address", s);
    *has = true;
    return NSG_OK;
}

static nsg_rc port_field(const cJSON *p, const char *pw, const char *key,
                         uint16_t *out, struct nsg_err *err)
{
    bool present;
    int64_t v = 0;
    char path[NSG_JPATH_MAX];
    nsg_rc rc = nsg_model_json_int(p, key, pw, false, &present, &v, err);
    if (rc || !present)
        return rc;
    nsg_model_jpath_key(path, pw, key);
    if (v < 0 || v > 65535)
        return nsg_model_json_fail(err, path,
                                   "%lld is not a port number (0-65535)",
                                   (long long)v);
    *out = (uint16_t)v;
    return NSG_OK;
}

/* "Tcp", "Udp", "All" (any case). */
static nsg_rc proto_field(const cJSON *p, const char *pw, int *out,
                          struct nsg_err *err)
{
    const char *s;
    char path[NSG_JPATH_MAX];
    nsg_rc rc = nsg_model_json_str(p, "protocol", pw, false, &s, err);
    *out = NSG_PROTO_ANY;
    if (rc || !s)
        return rc;
    nsg_model_jpath_key(path, pw, "protocol");
    int v = nsg_proto_parse(s);
    if (v != NSG_PROTO_ANY && v != NSG_PROTO_TCP && v != NSG_PROTO_UDP)
        return nsg_model_json_fail(err, path,
                                   "\"%s\" is not a load balancer protocol "
                                   "(Tcp, Udp or All)",
                                   s);
    *out = v;
    return NSG_OK;
}

/* The properties of a sub-resource without name or id ({properties{...}}
 * or flattened). */
static nsg_rc props_of(const cJSON *el, const char *where, const cJSON **p,
                       char pw[NSG_JPATH_MAX], struct nsg_err *err)
{
    if (!cJSON_IsObject(el))
        return nsg_model_json_fail(err, where, "expected an object, got %s",
                                   nsg_model_json_kind(el));
    *p = nsg_model_json_field(el, "properties");
    if (cJSON_IsObject(*p)) {
        nsg_model_jpath_key(pw, where, "properties");
    } else {
        *p = el;
        nsg_model_jpath_printf(pw, "%s", where);
    }
    return NSG_OK;
}

/* Where a frontend or ip configuration sits: privateIPAddress, subnet,
 * publicIPAddress. */
static nsg_rc placement(const cJSON *p, const char *pw, bool *has,
                        struct nsg_ip *ip, char **subnet, char **pip,
                        struct nsg_err *err)
{
    nsg_rc rc = ip_field(p, pw, "privateIPAddress", has, ip, err);
    if (!rc)
        rc = nsg_model_json_ref(p, "subnet", pw, subnet, err);
    if (!rc)
        rc = nsg_model_json_ref(p, "publicIPAddress", pw, pip, err);
    return rc;
}

/* ---- load balancers ---------------------------------------------------- */
static nsg_rc lb_frontend(const cJSON *el, const char *where, void *ctx,
                          struct nsg_err *err)
{
    struct nsg_lb *lb = ctx;
    lb->frontends = grow(lb->frontends, &lb->n_frontends, sizeof(*lb->frontends));
    struct nsg_lb_frontend *f = &lb->frontends[lb->n_frontends - 1];
    const cJSON *p;
    char pw[NSG_JPATH_MAX];
    nsg_rc rc = nsg_model_head(el, where, &f->id, &f->name, &p, pw, err);
    return rc ? rc
              : placement(p, pw, &f->has_ip, &f->ip, &f->subnet_id,
                          &f->public_ip_id, err);
}

static nsg_rc pool_address(const cJSON *el, const char *where, void *ctx,
                           struct nsg_err *err)
{
    struct nsg_lb_pool *pool = ctx;
    const cJSON *p;
    char pw[NSG_JPATH_MAX];
    bool has = false;
    struct nsg_ip ip;
    char *ic = NULL;
    nsg_rc rc;
    if ((rc = props_of(el, where, &p, pw, err)))
        return rc;
    rc = ip_field(p, pw, "ipAddress", &has, &ip, err);
    if (!rc)
        rc = nsg_model_json_ref(p, "networkInterfaceIPConfiguration", pw, &ic,
                                err);
    if (rc)
        return rc;
    if (has) {
        pool->addrs = grow(pool->addrs, &pool->n_addrs, sizeof(*pool->addrs));
        pool->addrs[pool->n_addrs - 1] = ip;
    }
    if (ic) {
        pool->ipconfig_ids = grow(pool->ipconfig_ids, &pool->n_ipconfig_ids,
                                  sizeof(char *));
        pool->ipconfig_ids[pool->n_ipconfig_ids - 1] = ic;
    }
    return NSG_OK;
}

static nsg_rc lb_pool(const cJSON *el, const char *where, void *ctx,
                      struct nsg_err *err)
{
    struct nsg_lb *lb = ctx;
    lb->pools = grow(lb->pools, &lb->n_pools, sizeof(*lb->pools));
    struct nsg_lb_pool *pool = &lb->pools[lb->n_pools - 1];
    const cJSON *p;
    char pw[NSG_JPATH_MAX];
    nsg_rc rc = nsg_model_head(el, where, &pool->id, &pool->name, &p, pw, err);
    if (!rc)
        rc = nsg_model_json_refs(p, "backendIPConfigurations", pw,
                                 &pool->ipconfig_ids, &pool->n_ipconfig_ids,
                                 err);
    if (!rc)
        rc = each(p, pw, "loadBalancerBackendAddresses", pool_address, pool,
                  err);
    return rc;
}

static nsg_rc lb_rule(const cJSON *el, const char *where, void *ctx,
                      struct nsg_err *err)
{
    struct nsg_lb *lb = ctx;
    lb->rules = grow(lb->rules, &lb->n_rules, sizeof(*lb->rules));
    struct nsg_lb_rule *r = &lb->rules[lb->n_rules - 1];
    const cJSON *p;
    char pw[NSG_JPATH_MAX];
    char *one = NULL;
    nsg_rc rc = nsg_model_head(el, where, &r->id, &r->name, &p, pw, err);
    if (rc)
        return rc;
    if ((rc = nsg_model_json_ref(p, "frontendIPConfiguration", pw,
                                 &r->frontend_id, err)) ||
        (rc = nsg_model_json_ref(p, "backendAddressPool", pw, &one, err)) ||
        (rc = nsg_model_json_refs(p, "backendAddressPools", pw, &r->pool_ids,
                                  &r->n_pool_ids, err)) ||
        (rc = proto_field(p, pw, &r->proto, err)) ||
        (rc = port_field(p, pw, "frontendPort", &r->frontend_port, err)) ||
        (rc = port_field(p, pw, "backendPort", &r->backend_port, err)) ||
        (rc = nsg_model_json_bool(p, "enableFloatingIP", pw, false,
                                  &r->floating_ip, err)) ||
        (rc = nsg_model_json_bool(p, "disableOutboundSnat", pw, false,
                                  &r->disable_outbound_snat, err))) {
        free(one);
        return rc;
    }
    if (one) {
        bool dup = false;
        for (size_t i = 0; i < r->n_pool_ids && !dup; i++)
            dup = !g_ascii_strcasecmp(r->pool_ids[i], one);
        if (dup) {
            free(one);
        } else {
            r->pool_ids = grow(r->pool_ids, &r->n_pool_ids, sizeof(char *));
            r->pool_ids[r->n_pool_ids - 1] = one;
        }
    }
    return NSG_OK;
}

static nsg_rc lb_nat_rule(const cJSON *el, const char *where, void *ctx,
                          struct nsg_err *err)
{
    struct nsg_lb *lb = ctx;
    lb->nat_rules = grow(lb->nat_rules, &lb->n_nat_rules, sizeof(*lb->nat_rules));
    struct nsg_lb_nat_rule *r = &lb->nat_rules[lb->n_nat_rules - 1];
    const cJSON *p;
    char pw[NSG_JPATH_MAX];
    nsg_rc rc = nsg_model_head(el, where, &r->id, &r->name, &p, pw, err);
    if (rc)
        return rc;
    if ((rc = nsg_model_json_ref(p, "frontendIPConfiguration", pw,
                                 &r->frontend_id, err)) ||
        (rc = nsg_model_json_ref(p, "backendIPConfiguration", pw,
                                 &r->ipconfig_id, err)) ||
        (rc = nsg_model_json_ref(p, "backendAddressPool", pw, &r->pool_id,
                                 err)) ||
        (rc = proto_field(p, pw, &r->proto, err)) ||
        (rc = port_field(p, pw, "frontendPort", &r->frontend_port, err)) ||
        (rc = port_field(p, pw, "backendPort", &r->backend_port, err)) ||
        (rc = port_field(p, pw, "frontendPortRangeStart", &r->range_lo, err)) ||
        (rc = port_field(p, pw, "frontendPortRangeEnd", &r->range_hi, err)))
        return rc;
    return nsg_model_json_bool(p, "enableFloatingIP", pw, false,
                               &r->floating_ip, err);
}

static nsg_rc lb_outbound(const cJSON *el, const char *where, void *ctx,
                          struct nsg_err *err)
{
    struct nsg_lb *lb = ctx;
    lb->outbound = grow(lb->outbound, &lb->n_outbound, sizeof(*lb->outbound));
    struct nsg_lb_outbound *r = &lb->outbound[lb->n_outbound - 1];
    const cJSON *p;
    char pw[NSG_JPATH_MAX];
    char *id = NULL;
    nsg_rc rc = nsg_model_head(el, where, &id, &r->name, &p, pw, err);
    free(id);
    if (!rc)
        rc = nsg_model_json_refs(p, "frontendIPConfigurations", pw,
                                 &r->frontend_ids, &r->n_frontend_ids, err);
    if (!rc)
        rc = nsg_model_json_ref(p, "backendAddressPool", pw, &r->pool_id, err);
    if (!rc)
        rc = proto_field(p, pw, &r->proto, err);
    return rc;
}

nsg_rc nsg_model_parse_lb(const cJSON *json, const char *where,
                          struct nsg_lb **out, struct nsg_err *err)
{
    struct nsg_lb *lb = nsg_xcalloc(1, sizeof(*lb));
    const cJSON *p;
    char pw[NSG_JPATH_MAX];
    nsg_rc rc;

    *out = NULL;
    rc = nsg_model_head(json, where, &lb->id, &lb->name, &p, pw, err);
    if (!rc)
        rc = nsg_model_sku(json, where, &lb->sku, err);
    if (!rc)
        rc = each(p, pw, "frontendIPConfigurations", lb_frontend, lb, err);
    if (!rc)
        rc = each(p, pw, "backendAddressPools", lb_pool, lb, err);
    if (!rc)
        rc = each(p, pw, "loadBalancingRules", lb_rule, lb, err);
    if (!rc)
        rc = each(p, pw, "inboundNatRules", lb_nat_rule, lb, err);
    if (!rc)
        rc = each(p, pw, "outboundRules", lb_outbound, lb, err);
    if (rc)
        nsg_lb_free(lb);
    else
        *out = lb;
    return rc;
}

/* ---- NAT gateways ------------------------------------------------------ */
nsg_rc nsg_model_parse_natgw(const cJSON *json, const char *where,
                             struct nsg_natgw **out, struct nsg_err *err)
{
    struct nsg_natgw *g = nsg_xcalloc(1, sizeof(*g));
    const cJSON *p;
    char pw[NSG_JPATH_MAX];
    nsg_rc rc;

    *out = NULL;
    rc = nsg_model_head(json, where, &g->id, &g->name, &p, pw, err);
    if (!rc)
        rc = nsg_model_json_refs(p, "publicIpAddresses", pw, &g->pip_ids,
                                 &g->n_pip_ids, err);
    if (!rc)
        rc = nsg_model_json_refs(p, "publicIpAddressesV6", pw, &g->pip_ids,
                                 &g->n_pip_ids, err);
    if (!rc)
        rc = nsg_model_json_refs(p, "subnets", pw, &g->subnet_ids,
                                 &g->n_subnet_ids, err);
    if (rc)
        nsg_natgw_free(g);
    else
        *out = g;
    return rc;
}

/* ---- appliances ---------------------------------------------------------- */
/* An ip/frontend/gateway configuration: address, subnet, public IP. */
static nsg_rc appl_ipconfig(const cJSON *el, const char *where, void *ctx,
                            struct nsg_err *err)
{
    struct nsg_appliance *a = ctx;
    a->ipconfigs = grow(a->ipconfigs, &a->n_ipconfigs, sizeof(*a->ipconfigs));
    struct nsg_appl_ipconfig *c = &a->ipconfigs[a->n_ipconfigs - 1];
    const cJSON *p;
    char pw[NSG_JPATH_MAX];
    char *id = NULL, *name = NULL;
    nsg_rc rc = nsg_model_head(el, where, &id, &name, &p, pw, err);
    free(id);
    free(name);
    return rc ? rc
              : placement(p, pw, &c->has_ip, &c->ip, &c->subnet_id,
                          &c->public_ip_id, err);
}

static nsg_rc appgw_backend(const cJSON *el, const char *where, void *ctx,
                            struct nsg_err *err)
{
    struct nsg_appliance *a = ctx;
    const cJSON *p;
    char pw[NSG_JPATH_MAX];
    bool has = false;
    struct nsg_ip ip;
    const char *fqdn;
    nsg_rc rc;
    if ((rc = props_of(el, where, &p, pw, err)))
        return rc;
    if ((rc = ip_field(p, pw, "ipAddress", &has, &ip, err)) ||
        (rc = nsg_model_json_str(p, "fqdn", pw, false, &fqdn, err)))
        return rc;
    if (has) {
        a->backend_ips = grow(a->backend_ips, &a->n_backend_ips,
                              sizeof(*a->backend_ips));
        a->backend_ips[a->n_backend_ips - 1] = ip;
    }
    if (fqdn && *fqdn)
        a->backend_fqdn = true;
    return NSG_OK;
}

static nsg_rc appgw_pool(const cJSON *el, const char *where, void *ctx,
                         struct nsg_err *err)
{
    struct nsg_appliance *a = ctx;
    const cJSON *p;
    char pw[NSG_JPATH_MAX];
    char *id = NULL, *name = NULL;
    nsg_rc rc = nsg_model_head(el, where, &id, &name, &p, pw, err);
    free(id);
    free(name);
    if (!rc)
        rc = nsg_model_json_refs(p, "backendIPConfigurations", pw,
                                 &a->backend_ipconfig_ids,
                                 &a->n_backend_ipconfig_ids, err);
    if (!rc)
        rc = each(p, pw, "backendAddresses", appgw_backend, a, err);
    return rc;
}

static nsg_rc appgw_setting(const cJSON *el, const char *where, void *ctx,
                            struct nsg_err *err)
{
    struct nsg_appliance *a = ctx;
    const cJSON *p;
    char pw[NSG_JPATH_MAX];
    char *id = NULL, *name = NULL;
    uint16_t port = 0;
    nsg_rc rc = nsg_model_head(el, where, &id, &name, &p, pw, err);
    free(id);
    free(name);
    if (!rc)
        rc = port_field(p, pw, "port", &port, err);
    if (!rc && port) {
        a->backend_ports = grow(a->backend_ports, &a->n_backend_ports,
                                sizeof(*a->backend_ports));
        a->backend_ports[a->n_backend_ports - 1] = port;
    }
    return rc;
}

nsg_rc nsg_model_parse_appliance(const cJSON *json, enum nsg_res_type type,
                                 const char *where, struct nsg_appliance **out,
                                 struct nsg_err *err)
{
    struct nsg_appliance *a = nsg_xcalloc(1, sizeof(*a));
    const cJSON *p, *hub;
    char pw[NSG_JPATH_MAX], hw[NSG_JPATH_MAX];
    nsg_rc rc;

    *out = NULL;
    a->kind = type == NSG_RES_FIREWALL ? NSG_APPL_FIREWALL
              : type == NSG_RES_APPGW  ? NSG_APPL_APPGW
                                       : NSG_APPL_BASTION;
    rc = nsg_model_head(json, where, &a->id, &a->name, &p, pw, err);
    if (!rc)
        rc = nsg_model_sku(json, where, &a->sku, err);
    if (rc)
        goto out;
    if (type == NSG_RES_APPGW) {
        if ((rc = each(p, pw, "gatewayIPConfigurations", appl_ipconfig, a,
                       err)) ||
            (rc = each(p, pw, "frontendIPConfigurations", appl_ipconfig, a,
                       err)) ||
            (rc = each(p, pw, "backendAddressPools", appgw_pool, a, err)) ||
            (rc = each(p, pw, "backendHttpSettingsCollection", appgw_setting,
                       a, err)))
            goto out;
    } else if ((rc = each(p, pw, "ipConfigurations", appl_ipconfig, a, err))) {
        goto out;
    }
    /* a firewall in a virtual hub: its private address */
    if (type == NSG_RES_FIREWALL &&
        !(rc = nsg_model_json_obj(p, "hubIPAddresses", pw, false, &hub, err)) &&
        hub) {
        struct nsg_appl_ipconfig c = {0};
        nsg_model_jpath_key(hw, pw, "hubIPAddresses");
        rc = ip_field(hub, hw, "privateIPAddress", &c.has_ip, &c.ip, err);
        if (!rc && c.has_ip) {
            a->ipconfigs = grow(a->ipconfigs, &a->n_ipconfigs,
                                sizeof(*a->ipconfigs));
            a->ipconfigs[a->n_ipconfigs - 1] = c;
        }
    }
out:
    if (rc)
        nsg_appliance_free(a);
    else
        *out = a;
    return rc;
}
