/* check_importer.c - unit tests of the configuration importer: every file
 * shape (ARM lists, single resources, arrays, REST API examples, az CLI
 * output, effective rules, Service Tags), real-world variations, the bad
 * inputs and their messages, sniffing, and the model helpers it relies on. */
#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "../importer/imp_arm.h"
#include "../importer/importer.h"

#define GOOD "tests/data/config/good/"
#define BAD "tests/data/config/bad/"

/* ---- helpers ------------------------------------------------------------- */

static struct nsg_imp_config *read_ok(const char *path)
{
    struct nsg_imp_config *cfg = NULL;
    struct nsg_err err = NSG_ERR_INIT;
    nsg_rc rc = nsg_imp_config_read(path, &cfg, &err);
    ck_assert_msg(rc == NSG_OK, "%s: rc %d: %s", path, rc, err.msg);
    ck_assert_ptr_nonnull(cfg);
    return cfg;
}

/* The model built from the normalized items (what the corpus stores). */
static struct nsg_topology *topo_of(const struct nsg_imp_config *cfg)
{
    struct nsg_topology *t = nsg_topo_new();
    struct nsg_err err = NSG_ERR_INIT;
    for (guint i = 0; i < cfg->items->len; i++) {
        const struct nsg_imp_item *it = cfg->items->pdata[i];
        nsg_rc rc = nsg_model_add_resource(t, it->type, it->json, 1700000000,
                                           it->jpath, &err);
        ck_assert_msg(rc == NSG_OK, "normalized item %s: %s", it->jpath,
                      err.msg);
    }
    if (cfg->service_tags)
        ck_assert_int_eq(
            nsg_model_add_service_tags(t, cfg->service_tags, "$", &err),
            NSG_OK);
    return t;
}

static struct nsg_topology *load(const char *path, struct nsg_imp_config **keep)
{
    struct nsg_imp_config *cfg = read_ok(path);
    struct nsg_topology *t = topo_of(cfg);
    if (keep)
        *keep = cfg;
    else
        nsg_imp_config_free(cfg);
    return t;
}

static void *get(struct nsg_topology *t, enum nsg_res_type type,
                 const char *name)
{
    void *r = NULL;
    struct nsg_err err = NSG_ERR_INIT;
    ck_assert_msg(nsg_topo_find(t, type, name, &r, &err) == NSG_OK, "%s: %s",
                  name, err.msg);
    return r;
}

static const struct nsg_rule *rule(const struct nsg_nsg *n, const char *name)
{
    for (size_t i = 0; i < n->n_rules; i++)
        if (!strcmp(n->rules[i].name, name))
            return &n->rules[i];
    ck_abort_msg("rule %s not in %s", name, n->name);
    return NULL;
}

static size_t count_defaults(const struct nsg_nsg *n)
{
    size_t k = 0;
    for (size_t i = 0; i < n->n_rules; i++)
        k += n->rules[i].is_default;
    return k;
}

static bool addr_has_cidr(const struct nsg_addr_item *it, size_t n,
                          const char *cidr)
{
    struct nsg_cidr c;
    ck_assert_int_eq(nsg_cidr_parse(cidr, &c), 0);
    for (size_t i = 0; i < n; i++)
        if (it[i].kind == NSG_ADDR_CIDR && it[i].cidr.family == c.family &&
            it[i].cidr.len == c.len && it[i].cidr.v == c.v)
            return true;
    return false;
}

static bool ip_in(const struct nsg_addrset *s, const char *ip)
{
    struct nsg_ip a;
    ck_assert_int_eq(nsg_ip_parse(ip, &a), 0);
    return nsg_addrset_contains(s, &a);
}

/* ---- ARM shapes ------------------------------------------------------------
 */

START_TEST(test_arm_list)
{
    struct nsg_imp_config *cfg;
    struct nsg_topology *t = load(GOOD "arm_list_nsg.json", &cfg);
    ck_assert_uint_eq(cfg->items->len, 2);
    const struct nsg_imp_item *it = cfg->items->pdata[1];
    ck_assert_str_eq(it->jpath, "$.value[1]");
    ck_assert_int_eq(it->type, NSG_RES_NSG);
    nsg_imp_config_free(cfg);

    struct nsg_nsg *web = get(t, NSG_RES_NSG, "web-nsg");
    ck_assert_str_eq(web->guid, "5a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d");
    ck_assert_str_eq(web->location, "westeurope");
    ck_assert_int_eq(web->captured_at, 1700000000);
    ck_assert_uint_eq(web->n_rules, 13);
    ck_assert_uint_eq(count_defaults(web), 6);
    ck_assert_uint_eq(web->n_nic_ids, 1);
    ck_assert_uint_eq(web->n_subnet_ids, 1);
    ck_assert(strstr(web->subnet_ids[0], "/subnets/web-subnet"));

    const struct nsg_rule *r = rule(web, "AllowHttpsFromInternet");
    ck_assert_int_eq(r->priority, 100);
    ck_assert_int_eq(r->dir, NSG_DIR_IN);
    ck_assert_int_eq(r->access, NSG_ALLOW);
    ck_assert_int_eq(r->proto, NSG_PROTO_TCP);
    ck_assert_uint_eq(r->n_src, 1);
    ck_assert_int_eq(r->src[0].kind, NSG_ADDR_TAG);
    ck_assert_str_eq(r->src[0].text, "Internet");
    ck_assert_int_eq(r->dst[0].kind, NSG_ADDR_ANY);
    ck_assert_uint_eq(r->n_dports, 1);
    ck_assert_int_eq(r->dports[0].lo, 443);
    ck_assert_int_eq(r->dports[0].hi, 443);
    ck_assert_int_eq(r->sports[0].lo, 0);
    ck_assert_int_eq(r->sports[0].hi, 65535);

    r = rule(web, "AllowSshFromOffice"); /* singular "" + plural */
    ck_assert_uint_eq(r->n_src, 2);
    ck_assert(addr_has_cidr(r->src, r->n_src, "203.0.113.0/24"));
    ck_assert(addr_has_cidr(r->src, r->n_src, "198.51.100.7/32"));

    r = rule(web, "AllowAppFromWeb"); /* ASGs and plural ports */
    ck_assert_uint_eq(r->n_src, 0);
    ck_assert_uint_eq(r->n_src_asgs, 1);
    ck_assert_uint_eq(r->n_dst_asgs, 1);
    ck_assert(strstr(r->dst_asgs[0], "/applicationSecurityGroups/app-asg"));
    ck_assert_uint_eq(r->n_dports, 2);
    ck_assert_int_eq(r->dports[1].lo, 8443);
    ck_assert_int_eq(r->dports[1].hi, 8444);

    r = rule(web, "AllowIpv6Https");
    ck_assert_int_eq(r->src[0].cidr.family, 6);
    ck_assert_int_eq(r->dst[0].cidr.len, 128);

    r = rule(web, "DenyTelnet"); /* priority 100 again, other direction */
    ck_assert_int_eq(r->dir, NSG_DIR_OUT);
    ck_assert_int_eq(r->priority, 100);
    ck_assert_int_eq(r->proto, NSG_PROTO_ANY);
    ck_assert_str_eq(r->description, "same priority, other direction");

    r = rule(web, "AllowIcmp"); /* 0.0.0.0/0 stays a CIDR (IPv4 only) */
    ck_assert_int_eq(r->dst[0].kind, NSG_ADDR_CIDR);
    ck_assert_int_eq(r->dst[0].cidr.len, 0);
    ck_assert_int_eq(r->dst[0].cidr.family, 4);

    r = rule(web, "AllowStorage");
    ck_assert_int_eq(r->dst[0].kind, NSG_ADDR_TAG);
    ck_assert_str_eq(r->dst[0].text, "Storage.WestEurope");

    r = rule(web, "DenyAllInBound");
    ck_assert(r->is_default);
    ck_assert_int_eq(r->priority, 65500);
    ck_assert_int_eq(r->access, NSG_DENY);

    /* db-nsg has no defaultSecurityRules: the six are synthesized */
    struct nsg_nsg *db = get(t, NSG_RES_NSG, "db-nsg");
    ck_assert_uint_eq(db->n_rules, 7);
    ck_assert_uint_eq(count_defaults(db), 6);
    ck_assert_int_eq(rule(db, "AllowInternetOutBound")->priority, 65001);
    nsg_topo_free(t);
}
END_TEST

START_TEST(test_arm_single_vnet)
{
    struct nsg_imp_config *cfg;
    struct nsg_topology *t = load(GOOD "arm_single_vnet.json", &cfg);
    ck_assert_uint_eq(cfg->items->len, 1);
    ck_assert_str_eq(((struct nsg_imp_item *)cfg->items->pdata[0])->jpath, "$");
    nsg_imp_config_free(cfg);

    struct nsg_vnet *v = get(t, NSG_RES_VNET, "hub-vnet");
    ck_assert_uint_eq(v->n_space, 2);
    ck_assert_int_eq(v->space[1].family, 6);
    ck_assert_uint_eq(v->n_subnet_ids, 2);
    ck_assert_uint_eq(v->n_peerings, 2);
    ck_assert_str_eq(v->peerings[0].state, "Connected");
    ck_assert(v->peerings[0].allow_vnet_access);
    ck_assert_uint_eq(v->peerings[0].n_remote_space, 1);
    ck_assert(strstr(v->peerings[0].remote_vnet_id, "/spoke-vnet"));
    ck_assert(!v->peerings[1].allow_vnet_access);
    ck_assert_str_eq(v->peerings[1].state, "Disconnected");

    /* embedded subnets are resources of their own */
    ck_assert_uint_eq(NSG_TOPO_N(t, NSG_RES_SUBNET), 2);
    struct nsg_subnet *web = get(t, NSG_RES_SUBNET, "web-subnet");
    ck_assert_uint_eq(web->n_prefixes, 1);
    ck_assert(strstr(web->nsg_id, "/networkSecurityGroups/web-nsg"));
    ck_assert(strstr(web->route_table_id, "/routeTables/hub-routes"));
    ck_assert_str_eq(web->vnet_id, v->id);
    struct nsg_subnet *db = get(t, NSG_RES_SUBNET, "db-subnet");
    ck_assert_uint_eq(db->n_prefixes, 2);
    ck_assert_ptr_eq(nsg_topo_vnet_of_subnet(t, db), v);
    nsg_topo_free(t);
}
END_TEST

START_TEST(test_arm_array_and_skips)
{
    struct nsg_imp_config *cfg;
    struct nsg_topology *t = load(GOOD "arm_array.json", &cfg);
    ck_assert_uint_eq(cfg->items->len, 5);
    ck_assert_uint_eq(cfg->skipped->len, 1);
    ck_assert(strstr(cfg->skipped->pdata[0], "$[5]"));
    ck_assert(strstr(cfg->skipped->pdata[0], "Microsoft.Web/sites"));
    nsg_imp_config_free(cfg);

    struct nsg_nic *nic = get(t, NSG_RES_NIC, "web-vm1-nic");
    ck_assert_str_eq(nic->mac, "000D3A123456");
    ck_assert(strstr(nic->nsg_id, "/web-nsg"));
    ck_assert(strstr(nic->vm_id, "Microsoft.Compute/virtualMachines/web-vm1"));
    ck_assert_uint_eq(nic->n_ipconfigs, 2);
    ck_assert(nic->ipconfigs[0].primary);
    ck_assert(nic->ipconfigs[0].has_ip);
    ck_assert_int_eq(nic->ipconfigs[0].ip.family, 4);
    ck_assert_uint_eq(nic->ipconfigs[0].n_asg_ids, 1);
    ck_assert(strstr(nic->ipconfigs[0].public_ip_id, "web-vm1-pip"));
    ck_assert_int_eq(nic->ipconfigs[1].ip.family, 6);
    ck_assert(!nic->ipconfigs[1].primary);

    struct nsg_pip *pip = get(t, NSG_RES_PIP, "web-vm1-pip");
    ck_assert(pip->has_ip);
    ck_assert(strstr(pip->ipconfig_id, "/ipConfigurations/ipconfig1"));
    struct nsg_vm *vm = get(t, NSG_RES_VM, "web-vm1");
    ck_assert_uint_eq(vm->n_nic_ids, 1);
    get(t, NSG_RES_ASG, "web-asg");
    struct nsg_route_table *rt = get(t, NSG_RES_ROUTE_TABLE, "hub-routes");
    ck_assert_uint_eq(rt->n_routes, 2);
    ck_assert(!rt->routes[0].prefix_is_tag);
    ck_assert_int_eq(rt->routes[0].prefix.len, 0);
    ck_assert_str_eq(rt->routes[0].next_hop_type, "VirtualAppliance");
    ck_assert(rt->routes[1].prefix_is_tag);
    /* references to resources not in the file are fine here */
    ck_assert_uint_eq(NSG_TOPO_N(t, NSG_RES_SUBNET), 0);
    nsg_topo_free(t);
}
END_TEST

START_TEST(test_rest_example)
{
    struct nsg_imp_config *cfg;
    struct nsg_topology *t = load(GOOD "rest_example.json", &cfg);
    /* 200 and 201 carry the same body: one resource, no warning */
    ck_assert_uint_eq(cfg->items->len, 1);
    ck_assert_uint_eq(cfg->warnings->len, 0);
    ck_assert(strstr(((struct nsg_imp_item *)cfg->items->pdata[0])->jpath,
                     "$.responses['"));
    nsg_imp_config_free(cfg);
    struct nsg_nsg *n = get(t, NSG_RES_NSG, "testnsg");
    ck_assert_uint_eq(n->n_rules, 7);
    ck_assert_int_eq(rule(n, "rule1")->priority, 130);
    nsg_topo_free(t);
}
END_TEST

/* Same rules read from the ARM and the az shape give the same model. */
static void assert_same_rules(const struct nsg_nsg *a, const struct nsg_nsg *b)
{
    ck_assert_uint_eq(a->n_rules, b->n_rules);
    for (size_t i = 0; i < a->n_rules; i++) {
        const struct nsg_rule *x = &a->rules[i], *y = rule(b, x->name);
        ck_assert_int_eq(x->priority, y->priority);
        ck_assert_int_eq(x->dir, y->dir);
        ck_assert_int_eq(x->access, y->access);
        ck_assert_int_eq(x->proto, y->proto);
        ck_assert_uint_eq(x->n_src, y->n_src);
        ck_assert_uint_eq(x->n_dst, y->n_dst);
        ck_assert_uint_eq(x->n_dports, y->n_dports);
        ck_assert_uint_eq(x->n_src_asgs, y->n_src_asgs);
        ck_assert_int_eq(x->is_default, y->is_default);
    }
}

START_TEST(test_az_nsg_show_flattened)
{
    struct nsg_imp_config *cfg;
    struct nsg_topology *az = load(GOOD "az_nsg_show.json", &cfg);
    struct nsg_topology *arm = load(GOOD "arm_list_nsg.json", NULL);
    ck_assert_uint_eq(cfg->items->len, 1);
    /* normalized to the ARM GET shape */
    const cJSON *j = ((struct nsg_imp_item *)cfg->items->pdata[0])->json;
    ck_assert_ptr_nonnull(cJSON_GetObjectItem(j, "id"));
    ck_assert(cJSON_IsObject(cJSON_GetObjectItem(j, "properties")));
    ck_assert_ptr_null(cJSON_GetObjectItem(j, "resourceGroup"));
    ck_assert_ptr_null(cJSON_GetObjectItem(j, "securityRules"));
    const cJSON *p = cJSON_GetObjectItem(j, "properties");
    const cJSON *r0 =
        cJSON_GetArrayItem(cJSON_GetObjectItem(p, "securityRules"), 0);
    ck_assert(cJSON_IsObject(cJSON_GetObjectItem(r0, "properties")));
    ck_assert_ptr_nonnull(
        cJSON_GetObjectItem(cJSON_GetObjectItem(r0, "properties"), "priority"));
    ck_assert_ptr_null(cJSON_GetObjectItem(r0, "priority"));
    nsg_imp_config_free(cfg);
    assert_same_rules(get(arm, NSG_RES_NSG, "web-nsg"),
                      get(az, NSG_RES_NSG, "web-nsg"));
    nsg_topo_free(az);
    nsg_topo_free(arm);
}
END_TEST

START_TEST(test_az_nsg_list)
{
    struct nsg_topology *t = load(GOOD "az_nsg_list.json", NULL);
    ck_assert_uint_eq(NSG_TOPO_N(t, NSG_RES_NSG), 2);
    struct nsg_nsg *db = get(t, NSG_RES_NSG, "db-nsg");
    ck_assert_uint_eq(db->n_rules, 7);
    ck_assert_uint_eq(db->n_subnet_ids, 1);
    nsg_topo_free(t);
}
END_TEST

START_TEST(test_az_rule_list_grouped)
{
    struct nsg_imp_config *cfg;
    struct nsg_topology *t = load(GOOD "az_rule_list.json", &cfg);
    ck_assert_uint_eq(cfg->items->len, 2);
    nsg_imp_config_free(cfg);
    struct nsg_nsg *web = get(t, NSG_RES_NSG, "web-nsg");
    ck_assert_uint_eq(web->n_rules, 3 + 6);
    ck_assert_int_eq(rule(web, "AllowSshFromOffice")->priority, 110);
    ck_assert(strstr(web->id, "/resourceGroups/prod-rg/"));
    struct nsg_nsg *db = get(t, NSG_RES_NSG, "db-nsg");
    ck_assert_uint_eq(db->n_rules, 1 + 6);
    nsg_topo_free(t);
}
END_TEST

START_TEST(test_az_vnet_and_nic_list)
{
    struct nsg_topology *t = load(GOOD "az_vnet_list.json", NULL);
    struct nsg_vnet *v = get(t, NSG_RES_VNET, "hub-vnet");
    ck_assert_uint_eq(v->n_space, 2);
    ck_assert_uint_eq(v->n_peerings, 2);
    ck_assert_uint_eq(v->peerings[0].n_remote_space, 1);
    struct nsg_subnet *s = get(t, NSG_RES_SUBNET, "db-subnet");
    ck_assert_uint_eq(s->n_prefixes, 2);
    ck_assert(strstr(s->nsg_id, "db-nsg"));
    nsg_topo_free(t);

    t = load(GOOD "az_nic_list.json", NULL);
    struct nsg_nic *a = get(t, NSG_RES_NIC, "web-vm1-nic");
    ck_assert_str_eq(a->mac, "000D3A123456");
    ck_assert_uint_eq(a->n_ipconfigs, 2);
    ck_assert(a->ipconfigs[0].has_ip); /* "privateIpAddress" of old az */
    {
        struct nsg_imp_config *cfg = read_ok(GOOD "az_nic_list.json");
        const cJSON *j = ((struct nsg_imp_item *)cfg->items->pdata[0])->json;
        const cJSON *c = cJSON_GetArrayItem(
            cJSON_GetObjectItem(cJSON_GetObjectItem(j, "properties"),
                                "ipConfigurations"),
            0);
        /* stored with ARM's spelling */
        ck_assert_ptr_nonnull(cJSON_GetObjectItemCaseSensitive(
            cJSON_GetObjectItem(c, "properties"), "privateIPAddress"));
        nsg_imp_config_free(cfg);
    }
    struct nsg_nic *b = get(t, NSG_RES_NIC, "app-vm1-nic");
    ck_assert_str_eq(b->mac, "000D3A654321");
    ck_assert_ptr_null(b->nsg_id);
    ck_assert_ptr_null(b->vm_id);
    struct nsg_ip want;
    ck_assert_int_eq(nsg_ip_parse("10.1.3.5", &want), 0);
    ck_assert(nsg_ip_cmp(&b->ipconfigs[0].ip, &want) == 0);
    nsg_topo_free(t);
}
END_TEST

START_TEST(test_az_effective_nsg)
{
    struct nsg_imp_config *cfg;
    struct nsg_topology *t = load(GOOD "az_effective_nsg.json", &cfg);
    /* same NSG twice: merged; and Azure's expansion of the NIC's tags */
    ck_assert_uint_eq(cfg->items->len, 2);
    nsg_imp_config_free(cfg);
    const struct nsg_tag_expansion *e =
        NSG_TOPO_AT(t, NSG_RES_TAG_EXPANSION, 0);
    ck_assert_ptr_nonnull(strstr(e->target_id, "/networkInterfaces/web-vm1-nic"));
    struct nsg_ip ip;
    ck_assert_int_eq(nsg_ip_parse("168.63.129.16", &ip), 0);
    ck_assert(nsg_addrset_contains(nsg_tag_expansion_get(e, "VirtualNetwork"),
                                   &ip));
    struct nsg_nsg *n = get(t, NSG_RES_NSG, "web-nsg");
    ck_assert_uint_eq(n->n_rules, 8);
    ck_assert_uint_eq(count_defaults(n), 6);
    const struct nsg_rule *r = rule(n, "AllowSSH"); /* prefix stripped */
    ck_assert(!r->is_default);
    ck_assert_int_eq(r->dports[0].lo, 22);
    ck_assert_int_eq(r->dports[0].hi, 22);
    ck_assert_int_eq(rule(n, "AllowWeb")->proto, NSG_PROTO_ANY); /* "All" */
    /* effective rules write "*" as 0.0.0.0/0 (singular and plural) */
    r = rule(n, "DenyAllInBound");
    ck_assert(r->is_default);
    ck_assert_uint_eq(r->n_src, 1);
    ck_assert_int_eq(r->src[0].kind, NSG_ADDR_ANY);
    ck_assert_int_eq(rule(n, "AllowSSH")->dst[0].kind, NSG_ADDR_ANY);
    /* the default rules are the file's: AllowVnetInBound names the tag */
    ck_assert_str_eq(rule(n, "AllowVnetInBound")->src[0].text,
                     "VirtualNetwork");
    ck_assert_uint_eq(n->n_nic_ids, 1);
    ck_assert_uint_eq(n->n_subnet_ids, 1);
    nsg_topo_free(t);
}
END_TEST

START_TEST(test_az_subnet_list)
{
    struct nsg_imp_config *cfg;
    struct nsg_topology *t = load(GOOD "az_subnet_list.json", &cfg);
    ck_assert_uint_eq(cfg->items->len, 2);
    ck_assert_int_eq(((struct nsg_imp_item *)cfg->items->pdata[1])->type,
                     NSG_RES_SUBNET);
    nsg_imp_config_free(cfg);
    struct nsg_subnet *s = get(t, NSG_RES_SUBNET, "db-subnet");
    ck_assert_uint_eq(s->n_prefixes, 2);
    ck_assert(g_str_has_suffix(s->vnet_id, "/virtualNetworks/hub-vnet"));
    s = get(t, NSG_RES_SUBNET, "web-subnet");
    ck_assert(strstr(s->route_table_id, "hub-routes"));
    nsg_topo_free(t);
}
END_TEST

START_TEST(test_duplicates_and_assembled_warnings)
{
    const char *text =
        "[{\"id\":\"/subscriptions/s/resourceGroups/rg/providers/Microsoft."
        "Network/applicationSecurityGroups/a\",\"location\":\"x\"},"
        "{\"id\":\"/subscriptions/s/resourceGroups/rg/providers/Microsoft."
        "Network/applicationSecurityGroups/A\",\"location\":\"y\"},"
        "{\"id\":\"/subscriptions/s/resourceGroups/rg/providers/Microsoft."
        "Network/networkSecurityGroups/n/securityRules/r\",\"name\":\"r\","
        "\"protocol\":\"*\",\"access\":\"Deny\",\"direction\":\"Inbound\","
        "\"priority\":300,\"sourceAddressPrefix\":\"*\","
        "\"destinationAddressPrefix"
        "\":\"*\",\"sourcePortRange\":\"*\",\"destinationPortRange\":\"*\"},"
        "{\"name\":\"orphan\",\"protocol\":\"*\",\"access\":\"Deny\","
        "\"direction\":\"Inbound\",\"priority\":300}]";
    struct nsg_imp_config *cfg = NULL;
    struct nsg_err err = NSG_ERR_INIT;
    ck_assert_int_eq(
        nsg_imp_config_parse("dup.json", text, strlen(text), &cfg, &err),
        NSG_OK);
    /* the ASG twice (ids differ only in case): the later one is kept */
    ck_assert_uint_eq(cfg->items->len, 2);
    const struct nsg_imp_item *it = cfg->items->pdata[0];
    ck_assert_str_eq(it->jpath, "$[1]");
    ck_assert_str_eq(cJSON_GetObjectItem(it->json, "location")->valuestring,
                     "y");
    ck_assert_uint_eq(cfg->warnings->len, 2);
    ck_assert(strstr(cfg->warnings->pdata[0], "appears again at $[1]"));
    ck_assert(strstr(cfg->warnings->pdata[1], "assembled from rules"));
    /* a rule without an id cannot be filed under an NSG: skipped */
    ck_assert_uint_eq(cfg->skipped->len, 1);
    ck_assert(strstr(cfg->skipped->pdata[0], "$[3]"));
    nsg_imp_config_free(cfg);
}
END_TEST

START_TEST(test_json_accessors)
{
    cJSON *o = cJSON_Parse(
        "{\"a\":\"txt\",\"n\":42,\"s\":\" 7 \",\"f\":1.5,"
        "\"b\":\"TRUE\",\"z\":null,\"arr\":[{\"id\":"
        "\"/subscriptions/s/resourceGroups/r/providers/p/t/x\"},"
        "{\"id\":\"/SUBSCRIPTIONS/s/resourceGroups/r/providers/p/t/X\"},"
        "{\"id\":\"\"}],\"Mixed\":1}");
    struct nsg_err err = NSG_ERR_INIT;
    const char *str;
    int64_t v;
    bool present, b;
    const cJSON *j;
    char **ids = NULL;
    size_t n = 0;

    ck_assert_int_eq(nsg_model_json_str(o, "a", "f: $", true, &str, &err),
                     NSG_OK);
    ck_assert_str_eq(str, "txt");
    ck_assert_int_eq(nsg_model_json_str(o, "n", "f: $", true, &str, &err),
                     NSG_E_INPUT);
    ck_assert_str_eq(err.msg, "f: $.n: expected a string, got number");
    ck_assert_int_eq(nsg_model_json_str(o, "z", "f: $", false, &str, &err),
                     NSG_OK);
    ck_assert_ptr_null(str); /* null = absent */
    ck_assert_int_eq(nsg_model_json_str(o, "z", "f: $", true, &str, &err),
                     NSG_E_INPUT);
    ck_assert_str_eq(err.msg, "f: $.z: missing required field \"z\"");
    ck_assert_int_eq(
        nsg_model_json_int(o, "n", "f: $", true, &present, &v, &err), NSG_OK);
    ck_assert(present);
    ck_assert_int_eq(v, 42);
    ck_assert_int_eq(nsg_model_json_int(o, "s", "f: $", true, NULL, &v, &err),
                     NSG_OK);
    ck_assert_int_eq(v, 7);
    ck_assert_int_eq(nsg_model_json_int(o, "f", "f: $", true, NULL, &v, &err),
                     NSG_E_INPUT);
    ck_assert_int_eq(nsg_model_json_int(o, "a", "f: $", true, NULL, &v, &err),
                     NSG_E_INPUT);
    ck_assert_int_eq(
        nsg_model_json_int(o, "nope", "f: $", false, &present, &v, &err),
        NSG_OK);
    ck_assert(!present);
    ck_assert_int_eq(nsg_model_json_bool(o, "b", "f: $", false, &b, &err),
                     NSG_OK);
    ck_assert(b);
    ck_assert_int_eq(nsg_model_json_bool(o, "n", "f: $", false, &b, &err),
                     NSG_E_INPUT);
    ck_assert_int_eq(nsg_model_json_arr(o, "a", "f: $", false, &j, &err),
                     NSG_E_INPUT);
    ck_assert_int_eq(nsg_model_json_obj(o, "arr", "f: $", false, &j, &err),
                     NSG_E_INPUT);
    ck_assert_ptr_nonnull(nsg_model_json_field(o, "mixed")); /* any case */
    ck_assert_int_eq(nsg_model_json_refs(o, "arr", "f: $", &ids, &n, &err),
                     NSG_OK);
    ck_assert_uint_eq(n, 1); /* same id in another case; "" ignored */
    free(ids[0]);
    free(ids);
    cJSON_Delete(o);
}
END_TEST

/* `az network nsg rule list --include-default`: default rules are filed
 * under defaultSecurityRules; the given one is not synthesized again, the
 * five missing ones are (every NSG holds the six). */
START_TEST(test_az_rule_list_include_default)
{
    const char *text =
        "[{\"id\":\"/subscriptions/s/resourceGroups/rg/providers/Microsoft."
        "Network/networkSecurityGroups/n/securityRules/ssh\",\"name\":\"ssh\","
        "\"protocol\":\"Tcp\",\"access\":\"Allow\",\"direction\":"
        "\"Inbound\",\"priority\":100,\"sourceAddressPrefix\":\"*\","
        "\"destinationAddressPrefix\":\"*\",\"sourcePortRange\":\"*\","
        "\"destinationPortRange\":\"22\"},"
        "{\"id\":\"/subscriptions/s/resourceGroups/rg/providers/Microsoft."
        "Network/networkSecurityGroups/n/defaultSecurityRules/DenyAllInBound\","
        "\"name\":\"DenyAllInBound\",\"protocol\":\"*\",\"access\":"
        "\"Deny\",\"direction\":\"Inbound\",\"priority\":65500,"
        "\"sourceAddressPrefix\":\"*\",\"destinationAddressPrefix\":\"*\","
        "\"sourcePortRange\":\"*\",\"destinationPortRange\":\"*\"}]";
    struct nsg_imp_config *cfg = NULL;
    struct nsg_err err = NSG_ERR_INIT;
    ck_assert_int_eq(
        nsg_imp_config_parse("rl.json", text, strlen(text), &cfg, &err),
        NSG_OK);
    struct nsg_topology *t = topo_of(cfg);
    struct nsg_nsg *n = get(t, NSG_RES_NSG, "n");
    ck_assert_uint_eq(n->n_rules, 7);
    ck_assert_uint_eq(count_defaults(n), 6);
    ck_assert(rule(n, "DenyAllInBound")->is_default);
    size_t deny_in = 0;
    for (size_t i = 0; i < n->n_rules; i++)
        deny_in +=
            n->rules[i].dir == NSG_DIR_IN && n->rules[i].priority == 65500;
    ck_assert_uint_eq(deny_in, 1);
    ck_assert(!rule(n, "ssh")->is_default);
    nsg_topo_free(t);
    nsg_imp_config_free(cfg);
}
END_TEST

/* A default rule that differs from Azure's (Azure's cannot be changed) is
 * evaluated as Azure's, and the import says so; Azure's own, under an
 * older name, is kept without a warning. */
START_TEST(test_default_rules_are_azures)
{
    const char *text =
        "{\"id\":\"/subscriptions/s/resourceGroups/rg/providers/Microsoft."
        "Network/networkSecurityGroups/n\",\"name\":\"n\",\"properties\":{"
        "\"securityRules\":[],\"defaultSecurityRules\":["
        "{\"name\":\"DenyAllInBound\",\"properties\":{\"protocol\":\"*\","
        "\"access\":\"Allow\",\"direction\":\"Inbound\",\"priority\":65500,"
        "\"sourceAddressPrefix\":\"*\",\"destinationAddressPrefix\":\"*\","
        "\"sourcePortRange\":\"*\",\"destinationPortRange\":\"*\"}},"
        "{\"name\":\"DefaultOutboundDenyAll\",\"properties\":{\"protocol\":"
        "\"*\",\"access\":\"Deny\",\"direction\":\"Outbound\",\"priority\":"
        "65500,\"sourceAddressPrefix\":\"*\",\"destinationAddressPrefix\":"
        "\"*\",\"sourcePortRange\":\"*\",\"destinationPortRange\":\"*\"}},"
        "{\"name\":\"Odd\",\"properties\":{\"protocol\":\"Tcp\","
        "\"access\":\"Allow\",\"direction\":\"Inbound\",\"priority\":64000,"
        "\"sourceAddressPrefix\":\"*\",\"destinationAddressPrefix\":\"*\","
        "\"sourcePortRange\":\"*\",\"destinationPortRange\":\"22\"}}]}}";
    struct nsg_imp_config *cfg = NULL;
    struct nsg_err err = NSG_ERR_INIT;
    ck_assert_int_eq(
        nsg_imp_config_parse("d.json", text, strlen(text), &cfg, &err), NSG_OK);
    struct nsg_topology *t = topo_of(cfg);
    struct nsg_nsg *n = get(t, NSG_RES_NSG, "n");
    ck_assert_uint_eq(count_defaults(n), 6);
    ck_assert_uint_eq(n->n_rules, 6);
    ck_assert_int_eq(rule(n, "DenyAllInBound")->access, NSG_DENY);
    ck_assert_ptr_nonnull(rule(n, "DefaultOutboundDenyAll")); /* kept */
    for (size_t i = 0; i < n->n_rules; i++) /* dropped */
        ck_assert_str_ne(n->rules[i].name, "Odd");
    ck_assert_uint_eq(cfg->warnings->len, 1);
    const char *w = cfg->warnings->pdata[0];
    ck_assert_msg(strstr(w, "DenyAllInBound (Inbound, priority 65500) differs "
                            "from Azure's") &&
                      strstr(w, "Odd (Inbound, priority 64000) is not one of "
                                "Azure's") &&
                      !strstr(w, "DefaultOutboundDenyAll"),
                  "%s", w);
    nsg_topo_free(t);
    nsg_imp_config_free(cfg);
}
END_TEST

/* No "type": the resource type comes from the id, else from the shape. */
START_TEST(test_classify_without_type)
{
    const char *text =
        "[{\"id\":\"/subscriptions/s/resourceGroups/rg/providers/Microsoft."
        "Network/networkInterfaces/n1\",\"ipConfigurations\":[]},"
        "{\"name\":\"v1\",\"addressSpace\":{\"addressPrefixes\":[\"10.0.0.0/"
        "8\"]}},"
        "{\"name\":\"g1\",\"securityRules\":[]},"
        "{\"id\":\"/subscriptions/s/resourceGroups/rg/providers/Microsoft."
        "Storage/storageAccounts/st\"},"
        "{\"name\":\"mystery\",\"color\":\"blue\"}]";
    struct nsg_imp_config *cfg = NULL;
    struct nsg_err err = NSG_ERR_INIT;
    ck_assert_int_eq(
        nsg_imp_config_parse("c.json", text, strlen(text), &cfg, &err), NSG_OK);
    ck_assert_uint_eq(cfg->items->len, 3);
    enum nsg_res_type want[3] = {NSG_RES_NIC, NSG_RES_VNET, NSG_RES_NSG};
    for (int i = 0; i < 3; i++) {
        const struct nsg_imp_item *it = cfg->items->pdata[i];
        ck_assert_int_eq(it->type, want[i]);
        /* the normalized form names its ARM type */
        ck_assert_str_eq(cJSON_GetObjectItem(it->json, "type")->valuestring,
                         nsg_imp_arm_type(want[i]));
    }
    ck_assert_uint_eq(cfg->skipped->len, 2);
    ck_assert(
        strstr(cfg->skipped->pdata[0], "Microsoft.Storage/storageAccounts"));
    ck_assert(strstr(cfg->skipped->pdata[1], "$[4]"));
    nsg_imp_config_free(cfg);
}
END_TEST

/* ---- variations -------------------------------------------------------------
 */

START_TEST(test_bom)
{
    struct nsg_topology *t = load(GOOD "bom_nsg.json", NULL);
    ck_assert_uint_eq(NSG_TOPO_N(t, NSG_RES_NSG), 1);
    nsg_topo_free(t);
}
END_TEST

START_TEST(test_old_az_both_fields)
{
    struct nsg_topology *t = load(GOOD "az_old_both_fields.json", NULL);
    struct nsg_nsg *n = get(t, NSG_RES_NSG, "legacy-nsg");
    const struct nsg_rule *r = rule(n, "r1");
    ck_assert_uint_eq(r->n_src, 2);    /* "" + [a, b] */
    ck_assert_uint_eq(r->n_dst, 1);    /* "*" + [] */
    ck_assert_uint_eq(r->n_sports, 1); /* "*" + null */
    ck_assert_uint_eq(r->n_dports, 2); /* null + [80, 443] */
    r = rule(n, "r2");
    ck_assert_int_eq(r->priority, 110);    /* "110" */
    ck_assert_int_eq(r->dir, NSG_DIR_IN);  /* "inbound" */
    ck_assert_int_eq(r->access, NSG_DENY); /* "deny" */
    ck_assert_int_eq(r->proto, NSG_PROTO_UDP);
    ck_assert_uint_eq(r->n_src, 1); /* same value twice: once */
    ck_assert_uint_eq(r->n_dst, 2); /* union */
    ck_assert_uint_eq(r->n_sports, 1);
    ck_assert_uint_eq(r->n_dports, 1);
    ck_assert_int_eq(r->dports[0].lo, 53);
    ck_assert_int_eq(r->dports[0].hi, 53);
    nsg_topo_free(t);
}
END_TEST

START_TEST(test_variations_unknown_fields)
{
    struct nsg_imp_config *cfg;
    struct nsg_topology *t = load(GOOD "variations.json", &cfg);
    ck_assert_uint_eq(cfg->skipped->len, 0);
    nsg_imp_config_free(cfg);
    struct nsg_nsg *n = get(t, NSG_RES_NSG, "var-nsg"); /* name from id */
    ck_assert_int_eq(rule(n, "tcp-upper")->proto, NSG_PROTO_TCP);
    ck_assert_int_eq(rule(n, "tcp-upper")->dports[0].hi, 22);
    ck_assert_int_eq(rule(n, "all-proto")->proto, NSG_PROTO_ANY);
    ck_assert_int_eq(rule(n, "all-proto")->priority, 4096);
    ck_assert_int_eq(rule(n, "esp")->proto, NSG_PROTO_ESP);
    ck_assert_int_eq(rule(n, "ah")->proto, NSG_PROTO_AH);
    ck_assert_ptr_null(n->etag);
    ck_assert_ptr_null(n->guid);
    nsg_topo_free(t);
}
END_TEST

START_TEST(test_parse_buffer_and_missing_refs)
{
    const char *text =
        "{\"name\":\"lonely-nic\",\"id\":\"/subscriptions/s/resourceGroups/rg/"
        "providers/Microsoft.Network/networkInterfaces/lonely-nic\","
        "\"properties\":{\"ipConfigurations\":[{\"name\":\"c\",\"properties\":"
        "{\"subnet\":{\"id\":\"/subscriptions/s/resourceGroups/rg/providers/"
        "Microsoft.Network/virtualNetworks/v/subnets/gone\"}}}]}}";
    struct nsg_imp_config *cfg = NULL;
    struct nsg_err err = NSG_ERR_INIT;
    ck_assert_int_eq(
        nsg_imp_config_parse("mem.json", text, strlen(text), &cfg, &err),
        NSG_OK);
    ck_assert_uint_eq(cfg->items->len, 1);
    ck_assert_int_eq(((struct nsg_imp_item *)cfg->items->pdata[0])->type,
                     NSG_RES_NIC);
    struct nsg_topology *t = topo_of(cfg);
    nsg_topo_link(t);
    ck_assert_uint_eq(t->warnings->len, 1); /* the missing subnet */
    nsg_topo_free(t);
    nsg_imp_config_free(cfg);

    const char *bad = "{\"value\":[{\"name\":\"x\",\"type\":\"Microsoft."
                      "Network/networkSecurityGroups\",\"properties\":[]}]}";
    ck_assert_int_eq(
        nsg_imp_config_parse("mem.json", bad, strlen(bad), &cfg, &err),
        NSG_E_INPUT);
    ck_assert_ptr_null(cfg);
    ck_assert_msg(strstr(err.msg, "mem.json: $.value[0].properties: expected "
                                  "an object, got array"),
                  "%s", err.msg);
}
END_TEST

/* ---- Service Tags
 * ------------------------------------------------------------ */

START_TEST(test_service_tags)
{
    struct nsg_imp_config *cfg;
    struct nsg_topology *t =
        load(GOOD "ServiceTags_Public_20261116.json", &cfg);
    ck_assert_uint_eq(cfg->items->len, 0);
    ck_assert_ptr_nonnull(cfg->service_tags);
    nsg_imp_config_free(cfg);
    const struct nsg_service_tag *s = nsg_topo_tag(t, "storage");
    ck_assert_ptr_nonnull(s);
    ck_assert_str_eq(s->name, "Storage");
    ck_assert(ip_in(&s->set, "13.65.200.1"));
    ck_assert(ip_in(&s->set, "2603:1000:4::1"));
    ck_assert(!ip_in(&s->set, "13.66.0.1"));
    s = nsg_topo_tag(t, "Storage.WestEurope");
    ck_assert(ip_in(&s->set, "20.38.111.255"));
    ck_assert(!ip_in(&s->set, "20.38.112.0"));
    ck_assert_ptr_nonnull(nsg_topo_tag(t, "AzureCloud.westeurope"));
    ck_assert(nsg_addrset_is_empty(&nsg_topo_tag(t, "EmptyTag")->set));
    nsg_topo_free(t);
}
END_TEST

/* A file the size of the real one: ~3,000 tags, ~100,000 prefixes. */
START_TEST(test_service_tags_big_is_fast)
{
    struct nsg_buf b = NSG_BUF_INIT;
    struct nsg_imp_config *cfg = NULL;
    struct nsg_err err = NSG_ERR_INIT;
    unsigned seed = 7, n_pfx = 0;

    nsg_buf_adds(&b, "{\"changeNumber\":1,\"cloud\":\"Public\",\"values\":[");
    for (int i = 0; i < 3000; i++) {
        int n = i == 0 ? 20000 : 27;
        nsg_buf_addf(
            &b,
            "%s{\"name\":\"Tag%d.region%d\",\"id\":\"x\",\"properties\""
            ":{\"addressPrefixes\":[",
            i ? "," : "", i, i % 50);
        for (int k = 0; k < n; k++, n_pfx++) {
            seed = seed * 1103515245u + 12345u;
            if (k % 5 == 4)
                nsg_buf_addf(&b, "%s\"2603:%x:%x::/48\"", k ? "," : "",
                             seed >> 20, (seed >> 4) & 0xffff);
            else
                nsg_buf_addf(&b, "%s\"%u.%u.%u.0/%u\"", k ? "," : "",
                             1 + (seed >> 25), (seed >> 17) & 255,
                             (seed >> 9) & 255, 20 + (seed & 7));
        }
        nsg_buf_adds(&b, "]}}");
    }
    nsg_buf_adds(&b, "]}");
    ck_assert_uint_gt(n_pfx, 100000);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    ck_assert_int_eq(nsg_imp_config_parse("big.json", b.buf, b.len, &cfg, &err),
                     NSG_OK);
    struct nsg_topology *t = topo_of(cfg);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double secs = (double)(t1.tv_sec - t0.tv_sec) +
                  (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    ck_assert_uint_eq(g_hash_table_size(t->tags), 3000);
    ck_assert(!nsg_addrset_is_empty(&nsg_topo_tag(t, "Tag0.region0")->set));
    /* generous bound: this runs under ASan on a shared machine */
    ck_assert_msg(secs < 10.0, "%.2f s for %u prefixes (b.len %zu)", secs,
                  n_pfx, b.len);
    nsg_topo_free(t);
    nsg_imp_config_free(cfg);
    nsg_buf_release(&b);
}
END_TEST

/* ---- real-world files (tests/data/config/realworld, see its README) -------
 * Expected values are read from the files, not from nsgproof's output. */

#define RW "tests/data/config/realworld/"

static bool ends_with(const char *s, const char *suffix)
{
    size_t a = s ? strlen(s) : 0, b = strlen(suffix);
    return s && a >= b && !strcasecmp(s + a - b, suffix);
}

static bool has_port(const struct nsg_portrange *v, size_t n, int lo, int hi)
{
    for (size_t i = 0; i < n; i++)
        if (v[i].lo == lo && v[i].hi == hi)
            return true;
    return false;
}

static bool has_skip(const struct nsg_imp_config *cfg, const char *needle)
{
    for (guint i = 0; i < cfg->skipped->len; i++)
        if (strstr(cfg->skipped->pdata[i], needle))
            return true;
    return false;
}

/* NetworkInterfaceGet.json (REST spec 2024-05-01): two ip configurations,
 * the second one holding an IP prefix ("172.20.2.16/28"). */
START_TEST(test_rw_rest_nic)
{
    struct nsg_topology *t = load(RW "rest_NetworkInterfaceGet.json", NULL);
    struct nsg_nic *n = get(t, NSG_RES_NIC, "test-nic");
    struct nsg_ip ip;
    ck_assert_str_eq(n->mac, "000D3A1BC721");
    ck_assert(ends_with(n->nsg_id, "/networkSecurityGroups/nsg"));
    ck_assert(ends_with(n->vm_id, "/Microsoft.Compute/virtualMachines/vm1"));
    ck_assert_uint_eq(n->n_ipconfigs, 2);
    ck_assert_str_eq(n->ipconfigs[0].name, "ipconfig1");
    ck_assert(n->ipconfigs[0].primary && !n->ipconfigs[1].primary);
    ck_assert_int_eq(nsg_ip_parse("172.20.2.4", &ip), 0);
    ck_assert(n->ipconfigs[0].has_ip && !nsg_ip_cmp(&n->ipconfigs[0].ip, &ip));
    ck_assert_int_eq(nsg_ip_parse("172.20.2.16", &ip), 0);
    ck_assert(n->ipconfigs[1].has_ip && !nsg_ip_cmp(&n->ipconfigs[1].ip, &ip));
    ck_assert(
        ends_with(n->ipconfigs[0].public_ip_id, "/publicIPAddresses/test-ip"));
    ck_assert_ptr_null(n->ipconfigs[1].public_ip_id);
    for (int i = 0; i < 2; i++)
        ck_assert(ends_with(n->ipconfigs[i].subnet_id,
                            "/virtualNetworks/rg1-vnet/subnets/default"));
    nsg_topo_free(t);
}
END_TEST

/* VirtualNetworkGetWithSubnetPeering body: a load-balancer frontend in the
 * subnet's ipConfigurations, a peering with both address-space fields. */
START_TEST(test_rw_rest_vnet_peering)
{
    struct nsg_topology *t =
        load(RW "rest_VirtualNetworkGetWithSubnetPeering.json", NULL);
    struct nsg_vnet *v = get(t, NSG_RES_VNET, "test-vnet");
    struct nsg_subnet *s = get(t, NSG_RES_SUBNET, "subnet1");
    struct nsg_cidr c;
    ck_assert_uint_eq(v->n_space, 1);
    ck_assert_int_eq(nsg_cidr_parse("10.0.0.0/16", &c), 0);
    ck_assert(v->space[0].v == c.v && v->space[0].len == 16);
    ck_assert_uint_eq(s->n_prefixes, 1);
    ck_assert_int_eq(s->prefixes[0].len, 24);
    ck_assert_ptr_null(s->nsg_id);
    ck_assert(ends_with(s->vnet_id, "/virtualNetworks/test-vnet"));
    ck_assert_uint_eq(v->n_peerings, 1);
    ck_assert(
        ends_with(v->peerings[0].remote_vnet_id, "/virtualNetworks/vnet3"));
    ck_assert_uint_eq(v->peerings[0].n_remote_space, 1);
    ck_assert_int_eq(nsg_cidr_parse("13.0.0.0/8", &c), 0);
    ck_assert(v->peerings[0].remote_space[0].v == c.v &&
              v->peerings[0].remote_space[0].len == 8);
    ck_assert_str_eq(v->peerings[0].state, "Initiated");
    ck_assert(v->peerings[0].allow_vnet_access);
    nsg_topo_free(t);
}
END_TEST

/* A peering alone (REST GET, az network vnet peering create) is skipped
 * with a reason that says where peerings are read from. */
START_TEST(test_rw_peering_alone)
{
    const char *files[] = {RW "rest_VirtualNetworkPeeringGet.json",
                           RW "az_vnet_peering_create.json"};
    for (int i = 0; i < 2; i++) {
        struct nsg_imp_config *cfg = read_ok(files[i]);
        ck_assert_uint_eq(cfg->items->len, 0);
        ck_assert_msg(
            has_skip(cfg, "virtual network peering listed on its own"), "%s",
            files[i]);
        nsg_imp_config_free(cfg);
    }
}
END_TEST

START_TEST(test_rw_rest_rules_pip_routes)
{
    struct nsg_topology *t =
        load(RW "rest_NetworkSecurityGroupRuleList.json", NULL);
    struct nsg_nsg *n = get(t, NSG_RES_NSG, "testnsg");
    const struct nsg_rule *r = rule(n, "rule1");
    ck_assert_uint_eq(n->n_rules, 7);
    ck_assert_uint_eq(count_defaults(n), 6);
    ck_assert_int_eq(r->priority, 130);
    ck_assert_int_eq(r->proto, NSG_PROTO_ANY);
    ck_assert(r->dir == NSG_DIR_IN && r->access == NSG_ALLOW);
    ck_assert(r->n_dports == 1 && has_port(r->dports, 1, 80, 80));
    ck_assert(r->n_src == 1 && r->src[0].kind == NSG_ADDR_ANY);
    nsg_topo_free(t);

    t = load(RW "rest_PublicIpAddressGet.json", NULL);
    struct nsg_pip *pip = get(t, NSG_RES_PIP, "testDNS-ip");
    ck_assert(!pip->has_ip); /* Dynamic, not allocated: no ipAddress */
    ck_assert(ends_with(pip->ipconfig_id,
                        "/networkInterfaces/testDNS649/ipConfigurations/"
                        "ipconfig1"));
    nsg_topo_free(t);

    t = load(RW "rest_RouteTableGet.json", NULL);
    struct nsg_route_table *rt = get(t, NSG_RES_ROUTE_TABLE, "testrt");
    struct nsg_cidr c;
    ck_assert_uint_eq(rt->n_routes, 1);
    ck_assert_str_eq(rt->routes[0].name, "route1");
    ck_assert_str_eq(rt->routes[0].next_hop_type, "VirtualNetworkGateway");
    ck_assert_int_eq(nsg_cidr_parse("10.0.3.0/24", &c), 0);
    ck_assert(rt->routes[0].prefix.v == c.v && rt->routes[0].prefix.len == 24);
    nsg_topo_free(t);
}
END_TEST

/* NetworkInterfaceEffectiveNSGList.json (REST 2022-01-01): one NSG
 * associated with a subnet and a NIC; "0.0.0.0/32" is a host, not "*". */
START_TEST(test_rw_rest_effective)
{
    struct nsg_topology *t =
        load(RW "rest_NetworkInterfaceEffectiveNSGList.json", NULL);
    struct nsg_nsg *n = get(t, NSG_RES_NSG, "test-nsg");
    ck_assert(n->n_subnet_ids == 1 &&
              ends_with(n->subnet_ids[0], "/rg1-vnet/subnets/default"));
    ck_assert(n->n_nic_ids == 1 &&
              ends_with(n->nic_ids[0], "/networkInterfaces/nic1"));
    const struct nsg_rule *r = rule(n, "rule1");
    ck_assert_int_eq(r->priority, 234);
    ck_assert(has_port(r->sports, r->n_sports, 456, 456));
    ck_assert(has_port(r->dports, r->n_dports, 6579, 6579));
    ck_assert(addr_has_cidr(r->src, r->n_src, "0.0.0.0/32"));
    r = rule(n, "default-allow-rdp");
    ck_assert(addr_has_cidr(r->src, r->n_src, "1.1.1.1/32"));
    ck_assert(r->dst[0].kind == NSG_ADDR_ANY);
    r = rule(n, "AllowInternetOutBound");
    ck_assert(r->is_default && r->dst[0].kind == NSG_ADDR_TAG);
    nsg_topo_free(t);
}
END_TEST

/* Effective rules with Azure's older names: "UserRule_x", "DefaultRule_x",
 * "DefaultOutboundDenyAll" (a default by its priority). */
START_TEST(test_rw_effective_old_names)
{
    struct nsg_topology *t = load(RW "az_effective_nsg_old_names.json", NULL);
    struct nsg_nsg *n = get(t, NSG_RES_NSG, "testvm2-nsg");
    const struct nsg_rule *r = rule(n, "default-allow-rdp");
    ck_assert(!r->is_default && r->priority == 1000);
    ck_assert(has_port(r->dports, r->n_dports, 3389, 3389));
    r = rule(n, "AllowVnetOutBound");
    ck_assert(r->is_default && r->priority == 65000 && r->dir == NSG_DIR_OUT);
    r = rule(n, "DefaultOutboundDenyAll");
    ck_assert(r->is_default && r->priority == 65500 && r->access == NSG_DENY);
    /* the four defaults not listed are added; 65500 outbound is given */
    ck_assert_uint_eq(count_defaults(n), 6);
    ck_assert(rule(n, "DenyAllInBound")->is_default);
    for (size_t i = 0; i < n->n_rules; i++)
        ck_assert_str_ne(n->rules[i].name, "DenyAllOutBound");
    nsg_topo_free(t);
}
END_TEST

/* ServiceTagsList.json (REST example) and the same body as `az network
 * list-service-tags` prints it: the Discovery API shape (changeNumber as
 * a string, an ARM id and type at the top). */
START_TEST(test_rw_service_tags_api)
{
    const char *files[] = {RW "rest_ServiceTagsList.json",
                           RW "az_network_list-service-tags.json"};
    for (int i = 0; i < 2; i++) {
        struct nsg_imp_config *cfg;
        struct nsg_topology *t = load(files[i], &cfg);
        ck_assert_ptr_nonnull(cfg->service_tags);
        ck_assert_uint_eq(cfg->items->len, 0);
        nsg_imp_config_free(cfg);
        const struct nsg_service_tag *tag =
            nsg_topo_tag(t, "ServiceBus.EastUS2");
        ck_assert_ptr_nonnull(tag);
        ck_assert(ip_in(&tag->set, "13.68.110.36"));
        ck_assert(ip_in(&tag->set, "40.70.146.71")); /* last of the /29 */
        ck_assert(!ip_in(&tag->set, "40.70.146.72"));
        tag = nsg_topo_tag(t, "ApiManagement");
        ck_assert(tag && ip_in(&tag->set, "40.74.146.81")); /* the /31 */
        nsg_topo_free(t);
    }
}
END_TEST

/* Get-AzNetworkSecurityGroup | ConvertTo-Json: PascalCase, lists in the
 * singular fields, "TCP", the *Text companions as strings. */
START_TEST(test_rw_powershell_nsg)
{
    struct nsg_imp_config *cfg;
    struct nsg_topology *t =
        load(RW "ps_Get-AzNetworkSecurityGroup.json", &cfg);
    struct nsg_nsg *n = get(t, NSG_RES_NSG, "nsg1");
    /* the corpus reads the normalized head case-sensitively */
    const struct nsg_imp_item *it = cfg->items->pdata[0];
    ck_assert_ptr_nonnull(cJSON_GetObjectItemCaseSensitive(it->json, "id"));
    ck_assert_ptr_nonnull(cJSON_GetObjectItemCaseSensitive(it->json, "name"));
    nsg_imp_config_free(cfg);
    ck_assert(ends_with(n->id, "/rg1/providers/Microsoft.Network/"
                               "networkSecurityGroups/nsg1"));
    ck_assert_str_eq(n->guid, "00000000-0000-0000-0000-000000000000");
    ck_assert_uint_eq(n->n_rules, 7);
    ck_assert_uint_eq(count_defaults(n), 6);
    const struct nsg_rule *r = rule(n, "AllowFTP");
    ck_assert_int_eq(r->priority, 200);
    ck_assert_int_eq(r->proto, NSG_PROTO_TCP);
    ck_assert_uint_eq(r->n_src, 6);
    ck_assert(addr_has_cidr(r->src, r->n_src, "10.164.129.103/32"));
    ck_assert(addr_has_cidr(r->src, r->n_src, "96.77.155.0/29"));
    ck_assert(r->n_dports == 1 && has_port(r->dports, 1, 21, 21));
    ck_assert(r->n_sports == 1 && has_port(r->sports, 1, 0, 65535));
    r = rule(n, "AllowAzureLoadBalancerInBound");
    ck_assert(r->is_default && r->priority == 65001);
    ck_assert(r->src[0].kind == NSG_ADDR_TAG &&
              !strcmp(r->src[0].text, "AzureLoadBalancer"));
    nsg_topo_free(t);
}
END_TEST

/* Windows PowerShell 5.1's `>` writes UTF-16LE with a BOM (and CRLF): the
 * same NSG as the UTF-8 file, sniffed as configuration. */
START_TEST(test_rw_powershell_utf16)
{
    struct nsg_topology *t =
        load(RW "ps51_Get-AzNetworkSecurityGroup_utf16.json", NULL);
    struct nsg_topology *u =
        load(RW "ps_Get-AzNetworkSecurityGroup.json", NULL);
    ck_assert_int_eq(
        nsg_imp_sniff(RW "ps51_Get-AzNetworkSecurityGroup_utf16.json"),
        NSG_IMP_KIND_CONFIG);
    assert_same_rules(get(t, NSG_RES_NSG, "nsg1-ps51"),
                      get(u, NSG_RES_NSG, "nsg1"));
    nsg_topo_free(t);
    nsg_topo_free(u);
}
END_TEST

/* Get-AzEffectiveNetworkSecurityGroup | ConvertTo-Json: "0.0.0.0/0" in a
 * list still means "*" (IPv6 too), names carry the rule-set prefix. */
START_TEST(test_rw_powershell_effective)
{
    struct nsg_topology *t =
        load(RW "ps_Get-AzEffectiveNetworkSecurityGroup.json", NULL);
    struct nsg_nsg *n = get(t, NSG_RES_NSG, "myVm-nsg");
    ck_assert_uint_eq(n->n_nic_ids, 1);
    ck_assert(ends_with(n->nic_ids[0], "/networkInterfaces/myVm"));
    const struct nsg_rule *r = rule(n, "default-allow-3389");
    ck_assert(!r->is_default && r->priority == 1000);
    ck_assert(r->n_src == 1 && r->src[0].kind == NSG_ADDR_ANY);
    ck_assert(has_port(r->dports, r->n_dports, 3389, 3389));
    r = rule(n, "DenyAllInBound");
    ck_assert(r->is_default && r->access == NSG_DENY);
    ck_assert(r->n_dst == 1 && r->dst[0].kind == NSG_ADDR_ANY);
    r = rule(n, "AllowInternetOutBound");
    ck_assert(r->dir == NSG_DIR_OUT && r->dst[0].kind == NSG_ADDR_TAG);
    nsg_topo_free(t);
}
END_TEST

/* azure-quickstart-templates security-group-create: the NSG is named by
 * variables(); the virtual network needs parameters() (skipped). */
START_TEST(test_rw_quickstart_template)
{
    struct nsg_imp_config *cfg;
    struct nsg_topology *t =
        load(RW "quickstart_security-group-create.json", &cfg);
    ck_assert_uint_eq(cfg->items->len, 1);
    ck_assert(has_skip(cfg, "$.resources[1]"));
    ck_assert(has_skip(cfg, "parameter 'addressPrefix'"));
    nsg_imp_config_free(cfg);
    struct nsg_nsg *n = get(t, NSG_RES_NSG, "networkSecurityGroup1");
    ck_assert(
        strstr(n->id, "/subscriptions/template/resourceGroups/template/"));
    ck_assert_uint_eq(n->n_rules, 7);
    const struct nsg_rule *r = rule(n, "first_rule");
    ck_assert_int_eq(r->priority, 123);
    ck_assert_int_eq(r->proto, NSG_PROTO_TCP);
    ck_assert(has_port(r->sports, r->n_sports, 23, 45));
    ck_assert(has_port(r->dports, r->n_dports, 46, 56));
    ck_assert_str_eq(r->description, "This is the first rule");
    nsg_topo_free(t);
}
END_TEST

static struct nsg_imp_config *parse_ok(const char *text)
{
    struct nsg_imp_config *cfg = NULL;
    struct nsg_err err = NSG_ERR_INIT;
    nsg_rc rc = nsg_imp_config_parse("t.json", text, strlen(text), &cfg, &err);
    ck_assert_msg(rc == NSG_OK, "rc %d: %s", rc, err.msg);
    return cfg;
}

/* Get-AzVirtualNetwork | ConvertTo-Json: subnet AddressPrefix is a list,
 * the peering carries only RemoteVirtualNetworkAddressSpace. */
START_TEST(test_powershell_vnet)
{
    static const char text[] =
        "{\"Name\":\"vnet1\",\"ResourceGroupName\":\"rg1\",\"Id\":\"/"
        "subscriptions/s/resourceGroups/rg1/providers/Microsoft.Network/"
        "virtualNetworks/vnet1\",\"Tag\":null,\"AddressSpace\":{"
        "\"AddressPrefixes\":[\"10.0.0.0/16\"]},\"Subnets\":[{\"Name\":\"web\","
        "\"Id\":\"/subscriptions/s/resourceGroups/rg1/providers/"
        "Microsoft.Network/virtualNetworks/vnet1/subnets/web\","
        "\"AddressPrefix\":[\"10.0.1.0/24\",\"fd00:1::/64\"],"
        "\"ServiceEndpoints\":[],\"NetworkSecurityGroup\":{\"Id\":\"/"
        "subscriptions/s/resourceGroups/rg1/providers/Microsoft.Network/"
        "networkSecurityGroups/nsg1\"},\"RouteTable\":null}],"
        "\"VirtualNetworkPeerings\":[{\"Name\":\"p1\",\"RemoteVirtualNetwork\":"
        "{\"Id\":\"/subscriptions/s/resourceGroups/rg1/providers/"
        "Microsoft.Network/virtualNetworks/vnet2\"},"
        "\"AllowVirtualNetworkAccess\":false,\"PeeringState\":\"Connected\","
        "\"RemoteVirtualNetworkAddressSpace\":{\"AddressPrefixes\":"
        "[\"10.2.0.0/16\"]}}]}";
    struct nsg_imp_config *cfg = parse_ok(text);
    struct nsg_topology *t = topo_of(cfg);
    nsg_imp_config_free(cfg);
    struct nsg_vnet *v = get(t, NSG_RES_VNET, "vnet1");
    struct nsg_subnet *s = get(t, NSG_RES_SUBNET, "web");
    ck_assert_uint_eq(s->n_prefixes, 2);
    ck_assert_int_eq(s->prefixes[1].family, 6);
    ck_assert(ends_with(s->nsg_id, "/networkSecurityGroups/nsg1"));
    ck_assert_uint_eq(v->n_peerings, 1);
    ck_assert_uint_eq(v->peerings[0].n_remote_space, 1);
    ck_assert_int_eq(v->peerings[0].remote_space[0].len, 16);
    ck_assert(!v->peerings[0].allow_vnet_access);
    ck_assert_str_eq(v->peerings[0].state, "Connected");
    nsg_topo_free(t);
}
END_TEST

/* Found by fuzzing: a flattened object with the same key in two spellings
 * ("sourceAddressprefix" IPv6, "sourceAddressPrefix" IPv4).  Readers take
 * the exact spelling; normalizing must not rename the other one onto it
 * (the normalized NSG failed to load: "mixes IPv4 and IPv6"). */
START_TEST(test_fuzz_key_spellings)
{
    static const char text[] =
        "{\"name\": \"n\", \"id\": \"/subscriptions/s/resourceGroups/r/"
        "providers/Microsoft.Network/networkSecurityGroups/n\", "
        "\"securityRules\": [{\"name\": \"a\", \"protocol\": \"Tcp\", "
        "\"sourcePortRange\": \"*\", \"destinationPortRange\": \"443\", "
        "\"sourceAddressprefix\": \"2001:db8:100::/48\", "
        "\"sourceAddressPrefix\": \"10.1.0.0/16\", "
        "\"destinationAddressPrefix\": \"0.0.0.0/0\", \"access\": \"Allow\", "
        "\"priority\": 130, \"direction\": \"Inbound\"}], "
        "\"Id\": \"/subscriptions/s/resourceGroups/r/providers/"
        "Microsoft.Network/networkSecurityGroups/other\"}";
    struct nsg_imp_config *cfg = parse_ok(text);
    struct nsg_topology *t = topo_of(cfg);
    nsg_imp_config_free(cfg);
    struct nsg_nsg *n = get(t, NSG_RES_NSG, "n");
    ck_assert(ends_with(n->id, "/networkSecurityGroups/n"));
    const struct nsg_rule *r = rule(n, "a");
    ck_assert_uint_eq(r->n_src, 1);
    ck_assert(addr_has_cidr(r->src, r->n_src, "10.1.0.0/16"));
    nsg_topo_free(t);
}
END_TEST

/* The shape `az group export` writes: child resources beside and inside
 * their parent, concat()/variables()/resourceId(), a copy loop, a
 * parameter-named resource, an escaped "[[" literal. */
START_TEST(test_template_children_and_expressions)
{
    static const char text[] =
        "{\"$schema\": \"https://schema.management.azure.com/schemas/"
        "2019-04-01/deploymentTemplate.json#\", \"contentVersion\": "
        "\"1.0.0.0\", \"parameters\": {\"other\": {\"type\": \"String\", "
        "\"defaultValue\": \"x-nsg\"}}, \"variables\": {\"nsg\": \"web-nsg\", "
        "\"ssh\": \"[concat('Allow', 'SSH')]\", \"net\": \"10.1.0.0/16\"},"
        "\"resources\": ["
        "{\"type\": \"Microsoft.Network/networkSecurityGroups\", "
        "\"apiVersion\":"
        " \"2023-09-01\", \"name\": \"[variables('nsg')]\", \"location\": "
        "\"[resourceGroup().location]\", \"properties\": {\"securityRules\": "
        "[], \"flushConnection\": false}, \"resources\": [{\"type\": "
        "\"securityRules\", \"name\": \"AllowWeb\", \"properties\": "
        "{\"protocol\": \"Tcp\", \"sourcePortRange\": \"*\", "
        "\"destinationPortRanges\": [\"80\", \"443\"], \"sourceAddressPrefix\":"
        " \"Internet\", \"destinationAddressPrefix\": \"*\", \"access\": "
        "\"Allow\", \"priority\": 110, \"direction\": \"Inbound\"}}]},"
        "{\"type\": \"Microsoft.Network/networkSecurityGroups/securityRules\", "
        "\"name\": \"[concat(variables('nsg'), '/', variables('ssh'))]\", "
        "\"dependsOn\": [\"[resourceId('Microsoft.Network/"
        "networkSecurityGroups', variables('nsg'))]\"], \"properties\": "
        "{\"protocol\": \"TCP\", \"sourcePortRange\": \"*\", "
        "\"destinationPortRange\": \"22\", \"sourceAddressPrefixes\": "
        "[\"[variables('net')]\"], \"destinationAddressPrefix\": \"*\", "
        "\"access\": \"Allow\", \"priority\": 100, \"direction\": "
        "\"Inbound\", \"description\": \"[[not an expression]\"}},"
        "{\"type\": \"Microsoft.Network/virtualNetworks\", \"name\": \"vnet\","
        " \"properties\": {\"addressSpace\": {\"addressPrefixes\": "
        "[\"[variables('net')]\"]}, \"subnets\": [{\"name\": \"web\", "
        "\"properties\": {\"addressPrefix\": \"10.1.1.0/24\", "
        "\"networkSecurityGroup\": {\"id\": \"[resourceId('Microsoft.Network/"
        "networkSecurityGroups', variables('nsg'))]\"}}}]}},"
        "{\"type\": \"Microsoft.Network/networkSecurityGroups\", \"name\": "
        "\"[parameters('other')]\", \"properties\": {}, \"resources\": "
        "[{\"type\": \"securityRules\", \"name\": \"r\"}]},"
        "{\"type\": \"Microsoft.Network/networkSecurityGroups\", \"name\": "
        "\"[concat('n', copyIndex())]\", \"copy\": {\"name\": \"c\", "
        "\"count\": 2}, \"properties\": {}},"
        "{\"type\": \"Microsoft.Storage/storageAccounts\", \"name\": \"st\"}"
        "]}";
    struct nsg_imp_config *cfg = parse_ok(text);
    struct nsg_topology *t = topo_of(cfg);
    ck_assert_uint_eq(cfg->items->len, 2); /* web-nsg and vnet */
    ck_assert(has_skip(cfg, "$.resources[3]: cannot be imported offline"));
    ck_assert(has_skip(cfg, "parameter 'other'"));
    ck_assert(has_skip(cfg, "$.resources[3].resources[0]: its parent"));
    ck_assert(has_skip(cfg, "$.resources[4]: uses a copy loop"));
    ck_assert(has_skip(cfg, "$.resources[5]"));
    nsg_imp_config_free(cfg);
    struct nsg_nsg *n = get(t, NSG_RES_NSG, "web-nsg");
    ck_assert_uint_eq(n->n_rules, 8);
    const struct nsg_rule *r = rule(n, "AllowWeb");
    ck_assert(r->priority == 110 && r->n_dports == 2);
    ck_assert(has_port(r->dports, 2, 443, 443));
    r = rule(n, "AllowSSH");
    ck_assert_int_eq(r->priority, 100);
    ck_assert(addr_has_cidr(r->src, r->n_src, "10.1.0.0/16"));
    ck_assert_str_eq(r->description, "[not an expression]");
    struct nsg_subnet *s = get(t, NSG_RES_SUBNET, "web");
    ck_assert_ptr_nonnull(s->nsg_id);
    ck_assert_str_eq(s->nsg_id, n->id); /* resourceId() lines up */
    nsg_topo_free(t);
}
END_TEST

/* Expressions the evaluator must refuse without crashing: unterminated,
 * self-referencing variables, deep nesting, property access. */
START_TEST(test_template_hostile_expressions)
{
    static const char *const names[] = {
        "[concat('a'",
        "[variables('loop')]",
        "[variables('nope')]",
        "[concat(concat(concat(concat(concat(concat(concat(concat(concat("
        "concat(concat(concat(concat(concat(concat(concat(concat(concat("
        "concat(concat(concat(concat(concat(concat(concat('x')))))))))))))"
        ")))))))))))))]",
        "[variables('obj').name]",
        "[concat('a', 1, 'b')] trailing]",
        "[]",
        "[resourceId('a')]",
        "[toLower(1)]",
        "[concat(['a'])]"};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        char *text = g_strdup_printf(
            "{\"contentVersion\": \"1.0.0.0\", \"variables\": {\"loop\": "
            "\"[variables('loop')]\", \"obj\": {\"name\": \"n\"}}, "
            "\"resources\": [{\"type\": \"Microsoft.Network/"
            "networkSecurityGroups\", \"name\": \"%s\", \"properties\": {}}]}",
            names[i]);
        struct nsg_imp_config *cfg = NULL;
        struct nsg_err err = NSG_ERR_INIT;
        nsg_rc rc =
            nsg_imp_config_parse("h.json", text, strlen(text), &cfg, &err);
        /* either skipped with a reason, or (a literal that is no
         * expression) imported under that name */
        ck_assert_msg(rc == NSG_OK || rc == NSG_E_INPUT, "%s: %s", names[i],
                      err.msg);
        if (!rc) {
            ck_assert_msg(cfg->skipped->len + cfg->items->len == 1, "%s",
                          names[i]);
            nsg_imp_config_free(cfg);
        }
        g_free(text);
    }
}
END_TEST

/* ---- robustness: mutated good files never crash
 * ------------------------------------- */

static const char *const good_files[] = {"arm_list_nsg.json",
                                         "arm_single_vnet.json",
                                         "arm_array.json",
                                         "rest_example.json",
                                         "az_nsg_show.json",
                                         "az_rule_list.json",
                                         "az_vnet_list.json",
                                         "az_nic_list.json",
                                         "az_effective_nsg.json",
                                         "az_old_both_fields.json",
                                         "variations.json",
                                         "az_subnet_list.json",
                                         "ServiceTags_Public_20261116.json"};
#define N_GOOD (int)(sizeof(good_files) / sizeof(good_files[0]))

/* Every node with its parent: all[2k] = parent, all[2k+1] = node. */
static void collect(cJSON *j, GPtrArray *all)
{
    for (cJSON *c = j->child; c; c = c->next) {
        g_ptr_array_add(all, j);
        g_ptr_array_add(all, c);
        collect(c, all);
    }
}

static cJSON *random_value(unsigned r)
{
    switch (r % 8) {
    case 0:
        return cJSON_CreateNull();
    case 1:
        return cJSON_CreateNumber(r % 3 ? 4097 : -1.5);
    case 2:
        return cJSON_CreateString(r % 3 ? "" : "10.0.0.0/99");
    case 3:
        return cJSON_CreateArray();
    case 4:
        return cJSON_CreateObject();
    case 5:
        return cJSON_CreateTrue();
    case 6:
        return cJSON_CreateString("*");
    default: {
        cJSON *a = cJSON_CreateArray();
        cJSON_AddItemToArray(a, cJSON_CreateNumber(7));
        return a;
    }
    }
}

static unsigned next_rand(unsigned *seed)
{
    *seed = *seed * 1103515245u + 12345u;
    return *seed >> 8;
}

/* One mutated document must give OK or NSG_E_INPUT naming the file. */
static int try_text(const char *text, size_t len)
{
    struct nsg_imp_config *cfg = NULL;
    struct nsg_err err = NSG_ERR_INIT;
    nsg_rc rc = nsg_imp_config_parse("mut.json", text, len, &cfg, &err);
    ck_assert_msg(rc == NSG_OK || rc == NSG_E_INPUT, "rc %d: %s", rc, err.msg);
    if (rc) {
        ck_assert_msg(!strncmp(err.msg, "mut.json: $", 11), "%s", err.msg);
        ck_assert_ptr_null(cfg);
        return 1;
    }
    /* what validated must also load from its normalized form */
    nsg_topo_free(topo_of(cfg));
    nsg_imp_config_free(cfg);
    return 0;
}

/* Replace one random node of a good file by a value of another type, or
 * cut the text short: the importer must answer OK or NSG_E_INPUT naming the
 * file, never crash or leak (ASan). */
static void mutate_file(const char *path, unsigned seed)
{
    struct nsg_buf text = NSG_BUF_INIT;
    struct nsg_err err = NSG_ERR_INIT;
    int n_bad = 0;

    ck_assert_int_eq(nsg_buf_read_file(&text, path, 0, &err), NSG_OK);
    for (int round = 0; round < 150; round++) {
        cJSON *root = cJSON_ParseWithLength(text.buf, text.len);
        GPtrArray *all = g_ptr_array_new();
        ck_assert_ptr_nonnull(root);
        collect(root, all);
        size_t k = next_rand(&seed) % (all->len / 2);
        cJSON *parent = all->pdata[2 * k], *victim = all->pdata[2 * k + 1];
        cJSON *repl = random_value(next_rand(&seed));
        if (victim->string) /* keep the key: the value changes type */
            cJSON_ReplaceItemInObjectCaseSensitive(parent, victim->string,
                                                   repl);
        else
            cJSON_ReplaceItemViaPointer(parent, victim, repl);
        char *out = cJSON_PrintUnformatted(root);
        n_bad += try_text(out, strlen(out));
        /* and the original cut short at a random byte */
        n_bad += try_text(text.buf, next_rand(&seed) % text.len);
        free(out);
        g_ptr_array_free(all, TRUE);
        cJSON_Delete(root);
    }
    /* most cuts are errors: the mutations did reach the validator */
    ck_assert_int_gt(n_bad, 150);
    nsg_buf_release(&text);
}

START_TEST(test_mutations)
{
    char path[512];
    snprintf(path, sizeof(path), GOOD "%s", good_files[_i]);
    mutate_file(path, 12345u + (unsigned)_i);
}
END_TEST

static const char *const rw_files[] = {
    "rest_NetworkInterfaceGet.json",
    "rest_VirtualNetworkGetWithSubnetPeering.json",
    "rest_NetworkSecurityGroupRuleList.json",
    "rest_PublicIpAddressGet.json",
    "rest_RouteTableGet.json",
    "rest_ServiceTagsList.json",
    "ps_Get-AzNetworkSecurityGroup.json",
    "ps_Get-AzEffectiveNetworkSecurityGroup.json",
    "az_effective_nsg_old_names.json",
    "rest_NetworkInterfaceEffectiveNSGList.json",
    "quickstart_security-group-create.json"};
#define N_RW (int)(sizeof(rw_files) / sizeof(rw_files[0]))

START_TEST(test_mutations_realworld)
{
    char path[512];
    snprintf(path, sizeof(path), RW "%s", rw_files[_i]);
    mutate_file(path, 777u + (unsigned)_i);
}
END_TEST

/* ---- one NSG per file
 * ------------------------------------------------------------ */

START_TEST(test_load_nsg_file)
{
    struct nsg_nsg *n = NULL;
    struct nsg_err err = NSG_ERR_INIT;
    ck_assert_int_eq(nsg_imp_load_nsg_file(GOOD "rest_example.json", &n, &err),
                     NSG_OK);
    ck_assert_str_eq(n->name, "testnsg");
    ck_assert_uint_eq(n->n_rules, 7);
    nsg_nsg_free(n);
    ck_assert_int_eq(nsg_imp_load_nsg_file(GOOD "az_nsg_show.json", &n, &err),
                     NSG_OK);
    ck_assert_str_eq(n->name, "web-nsg");
    nsg_nsg_free(n);
    ck_assert_int_eq(nsg_imp_load_nsg_file(GOOD "bom_nsg.json", &n, &err),
                     NSG_OK);
    nsg_nsg_free(n);
    n = NULL;
    ck_assert_int_eq(nsg_imp_load_nsg_file(GOOD "two_nsgs.json", &n, &err),
                     NSG_E_INPUT);
    ck_assert_ptr_null(n);
    ck_assert_msg(strstr(err.msg, "two_nsgs.json") &&
                      strstr(err.msg, "holds 2 network security groups"),
                  "%s", err.msg);
    ck_assert_int_eq(nsg_imp_load_nsg_file(GOOD "no_nsg.json", &n, &err),
                     NSG_E_INPUT);
    ck_assert_msg(strstr(err.msg, "holds no network security group"), "%s",
                  err.msg);
    ck_assert_int_eq(nsg_imp_load_nsg_file(BAD "priority_5000.json", &n, &err),
                     NSG_E_INPUT);
}
END_TEST

/* ---- bad inputs
 * ------------------------------------------------------------------- */

struct bad_case {
    const char *file, *path, *problem;
};
static const struct bad_case bad_cases[] = {
    {"ps_depth2.json", "$.securityRules[0]", "ConvertTo-Json -Depth 10"},
    {"utf16_broken.json", "$", "is not valid UTF-16LE"},
    {"template_bad_priority.json",
     "$.resources[0].properties.securityRules[0].properties.priority",
     "priority 5000 is out of range"},
    {"malformed.json", "line 2", "malformed JSON"},
    {"truncated.json", "$", "ends too early (truncated file?)"},
    {"truncated_in_string.json", "line 1", "ends too early (truncated file?)"},
    {"unbalanced_close.json", "byte 16", "malformed JSON at line 1"},
    {"empty.json", "$", "file is empty"},
    {"whitespace_only.json", "$", "file is empty"},
    {"top_number.json", "$", "got number"},
    {"top_string.json", "$", "got string"},
    {"trailing_garbage.json", "byte 14", "malformed JSON"},
    {"value_not_array.json", "$.value", "expected an array, got object"},
    {"list_element_number.json", "$.value[0]",
     "expected a resource object, got number"},
    {"priority_string.json",
     "$.value[1].properties.securityRules[0].properties.priority",
     "priority \"high\" is not an integer"},
    {"priority_99.json",
     "$.value[1].properties.securityRules[0].properties.priority",
     "priority 99 is out of range (100-4096)"},
    {"priority_4097.json",
     "$.value[1].properties.securityRules[0].properties.priority",
     "priority 4097 is out of range (100-4096)"},
    {"priority_negative.json",
     "$.value[1].properties.securityRules[0].properties.priority",
     "priority -100 is out of range"},
    {"priority_fraction.json",
     "$.value[1].properties.securityRules[0].properties.priority",
     "priority 100.5 is not an integer"},
    {"priority_5000.json",
     "$.value[1].properties.securityRules[0].properties.priority",
     "priority 5000 is out of range (100-4096)"},
    {"duplicate_priority.json", "$.value[1].properties.securityRules[1]",
     "duplicate priority 100 (Inbound)"},
    {"duplicate_name.json", "$.value[1].properties.securityRules[1]",
     "duplicate rule name 'rule-a'"},
    {"duplicate_first_conflict.json", "$.value[1].properties.securityRules[2]",
     "duplicate priority 100 (Inbound): rule 'rule-a' and rule 'RULE-B'"},
    {"duplicate_name_case.json", "$.value[1].properties.securityRules[2]",
     "duplicate rule name 'Rule-A'"},
    {"rules_not_array.json", "$.value[0].properties.securityRules",
     "expected an array, got object"},
    {"properties_not_object.json", "$.value[0].properties",
     "expected an object, got string"},
    {"prefixes_not_strings.json",
     "$.value[1].properties.securityRules[0].properties.sourceAddressPrefixes["
     "1]",
     "expected a string, got number"},
    {"prefixes_not_array.json",
     "$.value[1].properties.securityRules[0].properties.sourceAddressPrefixes",
     "expected an array, got string"},
    {"cidr_len_33.json",
     "$.value[1].properties.securityRules[0].properties."
     "destinationAddressPrefix",
     "prefix length \"33\" is out of range (0-32)"},
    {"cidr_octet_256.json",
     "$.value[1].properties.securityRules[0].properties."
     "destinationAddressPrefix",
     "bad IPv4 address"},
    {"ip_300.json",
     "$.value[1].properties.securityRules[0].properties.sourceAddressPrefix",
     "bad IPv4 address \"300.1.1.1\""},
    {"cidr_no_length.json",
     "$.value[1].properties.securityRules[0].properties."
     "destinationAddressPrefix",
     "missing prefix length"},
    {"bad_ipv6.json",
     "$.value[1].properties.securityRules[0].properties."
     "destinationAddressPrefix",
     "bad IPv6 address"},
    {"ipv6_len_129.json",
     "$.value[1].properties.securityRules[0].properties."
     "destinationAddressPrefix",
     "out of range (0-128)"},
    {"bad_address_text.json",
     "$.value[1].properties.securityRules[0].properties.sourceAddressPrefix",
     "is not an address prefix, \"*\" or a service tag name"},
    {"mixed_families.json", "$.value[1].properties.securityRules[0].properties",
     "mixes IPv4 and IPv6"},
    {"mixed_families_one_side.json",
     "$.value[1].properties.securityRules[0].properties",
     "mixes IPv4 and IPv6"},
    {"port_70000.json",
     "$.value[1].properties.securityRules[0].properties.destinationPortRange",
     "\"70000\" is not a port or port range"},
    {"port_reversed.json",
     "$.value[1].properties.securityRules[0].properties.destinationPortRange",
     "\"10-5\" is not a port or port range"},
    {"port_text.json",
     "$.value[1].properties.securityRules[0].properties.sourcePortRanges[1]",
     "\"abc\" is not a port or port range"},
    {"protocol_tcpx.json",
     "$.value[1].properties.securityRules[0].properties.protocol",
     "protocol \"Tcpx\" is not one of"},
    {"access_bad.json",
     "$.value[1].properties.securityRules[0].properties.access",
     "access \"Permit\" is not Allow or Deny"},
    {"direction_bad.json",
     "$.value[1].properties.securityRules[0].properties.direction",
     "direction \"Sideways\" is not Inbound or Outbound"},
    {"missing_access.json",
     "$.value[1].properties.securityRules[0].properties.access",
     "missing required field \"access\""},
    {"missing_direction.json",
     "$.value[1].properties.securityRules[0].properties.direction",
     "missing required field \"direction\""},
    {"missing_priority.json",
     "$.value[1].properties.securityRules[0].properties.priority",
     "missing required field \"priority\""},
    {"missing_protocol.json",
     "$.value[1].properties.securityRules[0].properties.protocol",
     "missing required field \"protocol\""},
    {"missing_source.json", "$.value[1].properties.securityRules[0].properties",
     "no source"},
    {"bad_resource_id.json", "$.value[0].id", "is not an Azure resource id"},
    {"bad_reference_id.json", "$[0].properties.networkSecurityGroup.id",
     "\"web-nsg\" is not an Azure resource id"},
    {"bad_mac.json", "$[0].properties.macAddress",
     "\"00-0D-3A-ZZ-34-56\" is not a MAC address"},
    {"bad_private_ip.json",
     "$[0].properties.ipConfigurations[0].properties.privateIPAddress",
     "\"10.0.0.999\" is not an IPv4 or IPv6 address"},
    {"ip_version_mismatch.json",
     "$[0].properties.ipConfigurations[0].properties.privateIPAddress",
     "does not match privateIPAddressVersion \"IPv6\""},
    {"bom_malformed.json", "byte 14", "malformed JSON"},
    {"bad_peering_bool.json",
     "$.properties.virtualNetworkPeerings[0].properties."
     "allowVirtualNetworkAccess",
     "expected true or false, got string"},
    {"bad_route_prefix.json", "$.properties.routes[0].properties.addressPrefix",
     "out of range (0-32)"},
    {"effective_bad_rule.json",
     "$.value[0].effectiveSecurityRules[0].direction",
     "direction \"Upward\" is not Inbound or Outbound"},
    {"bad_vnet_space.json", "$.properties.addressSpace.addressPrefixes[1]",
     "prefix length \"8x\" is not a number"},
    {"bad_subnet_prefix.json",
     "$.properties.subnets[1].properties.addressPrefix", "out of range (0-32)"},
    {"bad_service_tag_prefix.json", "$.values[1].properties.addressPrefixes[2]",
     "\"13.67.0.0/40\" is not a valid CIDR"},
    {"service_tags_values_not_array.json", "$.values",
     "expected an array, got string"},
    {"az_rule_priority.json", "$[1].priority",
     "priority 5000 is out of range (100-4096)"},
    {"az_rule_duplicate_priority.json", "NSG assembled from rules",
     "duplicate priority 100 (Inbound)"},
    {"az_show_bad_port.json", "$.securityRules[0].destinationPortRange",
     "\"65536\" is not a port"},
    {"too_big.json", "$", "larger than the limit"},
};

#define N_BAD (int)(sizeof(bad_cases) / sizeof(bad_cases[0]))

START_TEST(test_bad_input)
{
    const struct bad_case *c = &bad_cases[_i];
    char path[512];
    struct nsg_imp_config *cfg = NULL;
    struct nsg_err err = NSG_ERR_INIT;
    nsg_rc rc;

    snprintf(path, sizeof(path), BAD "%s", c->file);
    if (!strcmp(c->file, "too_big.json"))
        rc = nsg_imp_config_read_max(path, 100, &cfg, &err);
    else
        rc = nsg_imp_config_read(path, &cfg, &err);
    ck_assert_msg(rc == NSG_E_INPUT, "%s: rc %d (%s)", c->file, rc, err.msg);
    ck_assert_ptr_null(cfg);
    ck_assert_msg(!strncmp(err.msg, path, strlen(path)),
                  "%s: message does not start with the file: %s", c->file,
                  err.msg);
    /* after the file name (which may contain the same words) */
    const char *rest = err.msg + strlen(path);
    ck_assert_msg(strstr(rest, c->path), "%s: path '%s' not in: %s", c->file,
                  c->path, err.msg);
    ck_assert_msg(strstr(rest, c->problem), "%s: problem '%s' not in: %s",
                  c->file, c->problem, err.msg);
}
END_TEST

START_TEST(test_bad_count)
{
    ck_assert_int_ge(N_BAD, 25);
}
END_TEST

START_TEST(test_size_limit_sparse)
{
    char path[] = "/tmp/nsgproof_big_XXXXXX";
    int fd = mkstemp(path);
    struct nsg_imp_config *cfg = NULL;
    struct nsg_err err = NSG_ERR_INIT;

    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(ftruncate(fd, (off_t)NSG_IMP_MAX_JSON_BYTES + 1), 0);
    close(fd);
    ck_assert_int_eq(nsg_imp_config_read(path, &cfg, &err), NSG_E_INPUT);
    unlink(path);
    ck_assert_msg(strstr(err.msg, path) &&
                      strstr(err.msg, "larger than the limit"),
                  "%s", err.msg);
}
END_TEST

START_TEST(test_malformed_position)
{
    struct nsg_imp_config *cfg = NULL;
    struct nsg_err err = NSG_ERR_INIT;
    ck_assert_int_eq(nsg_imp_config_read(BAD "malformed.json", &cfg, &err),
                     NSG_E_INPUT);
    /* the second comma is column 16; cJSON stops right after it */
    ck_assert_msg(strstr(err.msg, "line 2, column 1"), "%s", err.msg);
    ck_assert_msg(strstr(err.msg, "(byte 2"), "%s", err.msg);
    ck_assert_int_eq(
        nsg_imp_config_read(GOOD "does-not-exist.json", &cfg, &err), NSG_E_IO);
}
END_TEST

/* ---- sniffing
 * ---------------------------------------------------------------------- */

static enum nsg_imp_kind sniff_text(const char *text, size_t len)
{
    char path[] = "/tmp/nsgproof_sniff_XXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, text, len), (ssize_t)len);
    close(fd);
    enum nsg_imp_kind k = nsg_imp_sniff(path);
    unlink(path);
    return k;
}
#define SNIFF(s) sniff_text(s, sizeof(s) - 1)

START_TEST(test_sniff)
{
    ck_assert_int_eq(SNIFF("{\"records\":[{\"time\":\"2026-11-20T13:00:51Z\","
                           "\"category\":\"NetworkSecurityGroupFlowEvent\"}]}"),
                     NSG_IMP_KIND_FLOWLOG);
    ck_assert_int_eq(SNIFF("\xEF\xBB\xBF{\"records\":[{\"category\": "
                           "\"FlowLogFlowEvent\",\"flowRecords\":{}}]}"),
                     NSG_IMP_KIND_FLOWLOG);
    ck_assert_int_eq(
        SNIFF("{\"time\":\"x\",\"properties\":{\"flows\":[{\"flows\""
              ":[{\"flowTuples\" : []}]}]}}\n{\"time\":\"y\"}\n"),
        NSG_IMP_KIND_FLOWLOG);
    ck_assert_int_eq(
        SNIFF("{\"changeNumber\":1,\"cloud\":\"Public\",\"values\":[]}"),
        NSG_IMP_KIND_CONFIG);
    ck_assert_int_eq(SNIFF("  [ {\"name\": \"x\"} ]"), NSG_IMP_KIND_CONFIG);
    ck_assert_int_eq(SNIFF("{\"value\":[{\"description\":\"mentions flowTuples "
                           "in text\"}]}"),
                     NSG_IMP_KIND_CONFIG);
    ck_assert_int_eq(SNIFF("name,priority\nx,100\n"), NSG_IMP_KIND_UNKNOWN);
    ck_assert_int_eq(sniff_text("\x7f"
                                "ELF\0\0\0",
                                7),
                     NSG_IMP_KIND_UNKNOWN);
    ck_assert_int_eq(nsg_imp_sniff(GOOD "az_nsg_show.json"),
                     NSG_IMP_KIND_CONFIG);
    ck_assert_int_eq(nsg_imp_sniff("/nonexistent/file.json"),
                     NSG_IMP_KIND_UNKNOWN);
}
END_TEST

/* ---- model helpers the importer relies on
 * --------------------------------------------- */

START_TEST(test_mac_normalize)
{
    char out[13];
    ck_assert_int_eq(nsg_mac_normalize("00-0d-3a-12-34-56", out), 0);
    ck_assert_str_eq(out, "000D3A123456");
    ck_assert_int_eq(nsg_mac_normalize("000D3A123456", out), 0);
    ck_assert_str_eq(out, "000D3A123456");
    ck_assert_int_eq(nsg_mac_normalize("00:0d:3a:ab:cd:ef", out), 0);
    ck_assert_str_eq(out, "000D3AABCDEF");
    ck_assert_int_eq(nsg_mac_normalize("00-0D-3A-12-34", out), -1);
    ck_assert_int_eq(nsg_mac_normalize("00-0D-3A-12-34-56-78", out), -1);
    ck_assert_int_eq(nsg_mac_normalize("00-0D-3A-ZZ-34-56", out), -1);
    ck_assert_int_eq(nsg_mac_normalize("", out), -1);
    ck_assert_int_eq(nsg_mac_normalize(NULL, out), -1);
}
END_TEST

START_TEST(test_id_helpers)
{
    const char *sub = "/subscriptions/s1/resourceGroups/rg/providers/"
                      "Microsoft.Network/virtualNetworks/v/subnets/s";
    ck_assert(nsg_id_is_valid(sub));
    ck_assert(
        nsg_id_is_valid("/SUBSCRIPTIONS/S1/RESOURCEGROUPS/RG/PROVIDERS/"
                        "MICROSOFT.NETWORK/NETWORKSECURITYGROUPS/WEB-NSG"));
    ck_assert(!nsg_id_is_valid("/subscriptions/s1/resourceGroups/rg"));
    ck_assert(!nsg_id_is_valid("/subscriptions/s1/resourceGroups/rg/providers/"
                               "Microsoft.Network/virtualNetworks"));
    ck_assert(!nsg_id_is_valid("web-nsg"));
    ck_assert(!nsg_id_is_valid("/subscriptions//resourceGroups/rg/providers/"
                               "Microsoft.Network/virtualNetworks/v"));
    ck_assert(!nsg_id_is_valid(NULL));
    char *p = nsg_id_parent(sub);
    ck_assert_str_eq(p, "/subscriptions/s1/resourceGroups/rg/providers/"
                        "Microsoft.Network/virtualNetworks/v");
    /* a top-level resource has no parent resource (model.c currently
     * returns ".../providers/Microsoft.Network", which is not an id) */
    char *pp = nsg_id_parent(p);
    ck_assert(pp == NULL || !nsg_id_is_valid(pp));
    free(pp);
    free(p);
    p = nsg_id_parent("/subscriptions/s/resourceGroups/rg/providers/Microsoft."
                      "Network/networkSecurityGroups/n/securityRules/r");
    ck_assert_str_eq(p, "/subscriptions/s/resourceGroups/rg/providers/"
                        "Microsoft.Network/networkSecurityGroups/n");
    free(p);
    ck_assert_ptr_null(nsg_id_parent("web-nsg"));
    char *name = nsg_id_name(sub);
    ck_assert_str_eq(name, "s");
    free(name);
}
END_TEST

static Suite *importer_suite(void)
{
    Suite *s = suite_create("importer");
    TCase *tc = tcase_create("shapes");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_arm_list);
    tcase_add_test(tc, test_default_rules_are_azures);
    tcase_add_test(tc, test_arm_single_vnet);
    tcase_add_test(tc, test_arm_array_and_skips);
    tcase_add_test(tc, test_rest_example);
    tcase_add_test(tc, test_az_nsg_show_flattened);
    tcase_add_test(tc, test_az_nsg_list);
    tcase_add_test(tc, test_az_rule_list_grouped);
    tcase_add_test(tc, test_az_vnet_and_nic_list);
    tcase_add_test(tc, test_az_effective_nsg);
    tcase_add_test(tc, test_az_subnet_list);
    tcase_add_test(tc, test_duplicates_and_assembled_warnings);
    tcase_add_test(tc, test_json_accessors);
    tcase_add_test(tc, test_classify_without_type);
    tcase_add_test(tc, test_az_rule_list_include_default);
    tcase_add_test(tc, test_bom);
    tcase_add_test(tc, test_old_az_both_fields);
    tcase_add_test(tc, test_variations_unknown_fields);
    tcase_add_test(tc, test_parse_buffer_and_missing_refs);
    tcase_add_test(tc, test_service_tags);
    tcase_add_test(tc, test_service_tags_big_is_fast);
    tcase_add_test(tc, test_load_nsg_file);
    suite_add_tcase(s, tc);
    tc = tcase_create("realworld");
    tcase_add_test(tc, test_rw_rest_nic);
    tcase_add_test(tc, test_rw_rest_vnet_peering);
    tcase_add_test(tc, test_rw_peering_alone);
    tcase_add_test(tc, test_rw_rest_rules_pip_routes);
    tcase_add_test(tc, test_rw_rest_effective);
    tcase_add_test(tc, test_rw_effective_old_names);
    tcase_add_test(tc, test_rw_service_tags_api);
    tcase_add_test(tc, test_rw_powershell_nsg);
    tcase_add_test(tc, test_rw_powershell_utf16);
    tcase_add_test(tc, test_rw_powershell_effective);
    tcase_add_test(tc, test_rw_quickstart_template);
    tcase_add_test(tc, test_powershell_vnet);
    tcase_add_test(tc, test_fuzz_key_spellings);
    tcase_add_test(tc, test_template_children_and_expressions);
    tcase_add_test(tc, test_template_hostile_expressions);
    suite_add_tcase(s, tc);
    tc = tcase_create("bad");
    tcase_add_loop_test(tc, test_bad_input, 0, N_BAD);
    tcase_add_test(tc, test_bad_count);
    tcase_add_test(tc, test_size_limit_sparse);
    tcase_add_test(tc, test_malformed_position);
    tcase_add_loop_test(tc, test_mutations, 0, N_GOOD);
    tcase_add_loop_test(tc, test_mutations_realworld, 0, N_RW);
    suite_add_tcase(s, tc);
    tc = tcase_create("helpers");
    tcase_add_test(tc, test_sniff);
    tcase_add_test(tc, test_mac_normalize);
    tcase_add_test(tc, test_id_helpers);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(importer_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
