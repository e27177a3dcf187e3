/* check_import_admin.c - the importer and the decoder on the shapes of
 * issue-10/11 data: effective security admin rules (which need --vnet),
 * az network manager list-deploy-status, Azure Policy definitions that add
 * network group members, az's flattened admin rules, the REST reference's
 * static member example, private endpoint NICs and subnet policies, a tag
 * in a plural field, Icmpv6, and bad admin rules. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../importer/importer.h"
#include "../model/model_arm.h"

#define DIR "tests/data/config/admin/"
#define VNET                                                                   \
    "/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/"      \
    "rg-net/providers/Microsoft.Network/virtualNetworks/v1"

static nsg_rc parse(const char *file, const char *vnet,
                    struct nsg_imp_config **cfg, struct nsg_err *err)
{
    struct nsg_buf b = NSG_BUF_INIT;
    struct nsg_imp_opts o = {vnet};
    nsg_rc rc = nsg_buf_read_file(&b, file, 0, err);
    ck_assert_int_eq(rc, 0);
    rc = nsg_imp_config_parse_opts(file, b.buf, b.len, &o, cfg, err);
    nsg_buf_release(&b);
    return rc;
}

/* The model of one file's normalized items (what the corpus stores). */
static struct nsg_topology *load(const char *file, const char *vnet)
{
    struct nsg_imp_config *cfg = NULL;
    struct nsg_err err = NSG_ERR_INIT;
    ck_assert_msg(parse(file, vnet, &cfg, &err) == 0, "%s", err.msg);
    struct nsg_topology *t = nsg_topo_new();
    for (guint i = 0; i < cfg->items->len; i++) {
        const struct nsg_imp_item *it = cfg->items->pdata[i];
        ck_assert_msg(nsg_model_add_resource(t, it->type, it->json, 0,
                                             it->jpath, &err) == 0,
                      "%s", err.msg);
    }
    nsg_imp_config_free(cfg);
    nsg_topo_link(t);
    return t;
}

START_TEST(test_effective_admin_rules)
{
    struct nsg_imp_config *cfg = NULL;
    struct nsg_err err = NSG_ERR_INIT;
    /* the response does not name its VNet: without --vnet, an error */
    ck_assert_int_eq(parse(DIR "effective_admin_rules.json", NULL, &cfg, &err),
                     NSG_E_INPUT);
    ck_assert_ptr_nonnull(strstr(err.msg, "--vnet"));
    ck_assert_ptr_nonnull(strstr(err.msg, "effective_admin_rules.json: $"));
    struct nsg_topology *t = load(DIR "effective_admin_rules.json", VNET);
    ck_assert_uint_eq(NSG_TOPO_N(t, NSG_RES_ADMIN_EFFECTIVE), 1);
    const struct nsg_admin_effective *e =
        NSG_TOPO_AT(t, NSG_RES_ADMIN_EFFECTIVE, 0);
    ck_assert_str_eq(e->vnet_id, VNET);
    ck_assert_uint_eq(e->n_rules, 2);
    const struct nsg_admin_rule *r = &e->rules[0];
    ck_assert_str_eq(r->name, "DenySshInternet");
    ck_assert_str_eq(r->configuration, "baseline");
    ck_assert_str_eq(r->collection, "rc1");
    ck_assert_int_eq(r->access, NSG_ADMIN_DENY);
    ck_assert_int_eq(r->r.priority, 10);
    ck_assert_int_eq(r->r.src[0].kind, NSG_ADDR_TAG);
    ck_assert_str_eq(r->r.src[0].text, "Internet");
    ck_assert_int_eq(r->r.n_sports, 1); /* [] is every port */
    ck_assert_int_eq(r->r.sports[0].hi, 65535);
    r = &e->rules[1]; /* kind Default: the same fields */
    ck_assert_int_eq(r->access, NSG_ADMIN_ALWAYS_ALLOW);
    ck_assert_int_eq(r->r.proto, NSG_PROTO_ANY);
    ck_assert_int_eq(r->r.dst[0].kind, NSG_ADDR_ANY); /* none: any */
    nsg_topo_free(t);
}
END_TEST

START_TEST(test_deploy_status)
{
    struct nsg_topology *t = load(DIR "deploy_status.json", NULL);
    /* SecurityAdmin only; the entry without configurations is skipped */
    ck_assert_uint_eq(NSG_TOPO_N(t, NSG_RES_ADMIN_DEPLOYMENT), 2);
    const struct nsg_admin_deployment *d =
        NSG_TOPO_AT(t, NSG_RES_ADMIN_DEPLOYMENT, 0);
    ck_assert_str_eq(d->region, "westeurope");
    ck_assert_str_eq(d->status, "Deployed");
    ck_assert_ptr_nonnull(strstr(d->manager_id, "/networkManagers/nm1"));
    ck_assert_ptr_null(strstr(d->manager_id, "deploymentStatus"));
    ck_assert_uint_eq(d->n_config_ids, 1);
    d = NSG_TOPO_AT(t, NSG_RES_ADMIN_DEPLOYMENT, 1);
    ck_assert_str_eq(d->status, "Deploying");
    nsg_topo_free(t);
}
END_TEST

START_TEST(test_policies_and_az_rules)
{
    struct nsg_topology *t = load(DIR "policies.json", NULL);
    ck_assert_uint_eq(NSG_TOPO_N(t, NSG_RES_GROUP_POLICY), 1);
    const struct nsg_group_policy *p = NSG_TOPO_AT(t, NSG_RES_GROUP_POLICY, 0);
    ck_assert_ptr_nonnull(strstr(p->group_ids[0], "/networkGroups/prod"));
    nsg_topo_free(t);
    t = load(DIR "az_admin_rules.json", NULL);
    ck_assert_uint_eq(NSG_TOPO_N(t, NSG_RES_ADMIN_RULE), 1);
    const struct nsg_admin_rule *r = NSG_TOPO_AT(t, NSG_RES_ADMIN_RULE, 0);
    ck_assert_str_eq(r->name, "DenyRemoteMgmt");
    ck_assert_uint_eq(r->r.n_dports, 2);
    ck_assert_int_eq(r->r.dports[1].lo, 5985);
    ck_assert_ptr_nonnull(strstr(r->collection_id, "/ruleCollections/rc1"));
    nsg_topo_free(t);
    /* the REST reference's own example (its ids write resourceGroup/) */
    t = load(DIR "static_member_rest.json", NULL);
    const struct nsg_static_member *m =
        NSG_TOPO_AT(t, NSG_RES_STATIC_MEMBER, 0);
    ck_assert_ptr_nonnull(strstr(m->group_id, "/networkGroups/testNetworkGroup"));
    ck_assert_ptr_nonnull(strstr(m->resource_id, "/virtualnetworks/vnet1"));
    nsg_topo_free(t);
}
END_TEST

START_TEST(test_private_endpoint_fields)
{
    struct nsg_topology *t = load(DIR "private_endpoint.json", NULL);
    const struct nsg_nic *nic = NSG_TOPO_AT(t, NSG_RES_NIC, 0);
    ck_assert_ptr_nonnull(strstr(nic->private_endpoint_id,
                                 "/privateEndpoints/pe-sql"));
    const struct nsg_subnet *s = NSG_TOPO_AT(t, NSG_RES_SUBNET, 0);
    ck_assert_str_eq(s->pe_policies, "NetworkSecurityGroupEnabled");
    nsg_topo_free(t);
}
END_TEST

START_TEST(test_plural_tag_and_icmpv6)
{
    struct nsg_topology *t = load(DIR "plural_tag.json", NULL);
    const struct nsg_nsg *n = NSG_TOPO_AT(t, NSG_RES_NSG, 0);
    ck_assert_str_eq(n->rules[0].name, "AllowInternetWeb");
    ck_assert(n->rules[0].src[0].plural);
    /* singular and plural both hold it (as az prints): the singular counts */
    ck_assert_uint_eq(n->rules[1].n_src, 1);
    ck_assert(!n->rules[1].src[0].plural);
    ck_assert_int_eq(n->rules[3].proto, NSG_PROTO_ICMPV6);
    nsg_topo_free(t);
}
END_TEST

START_TEST(test_bad_admin_rules)
{
    static const struct {
        const char *file, *want;
    } cases[] = {
        {"bad_admin_priority.json",
         "$.value[0].properties.priority: priority 0 is out of range (1-4096)"},
        {"bad_admin_access.json",
         "$.value[0].properties.access: access \"Block\" is not Allow, Deny or "
         "AlwaysAllow"},
        {"bad_admin_prefix_type.json",
         "$.value[0].properties.sources[0].addressPrefixType: \"Range\" is not "
         "IPPrefix or ServiceTag"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
        char path[256];
        struct nsg_imp_config *cfg = NULL;
        struct nsg_err err = NSG_ERR_INIT;
        snprintf(path, sizeof(path), DIR "%s", cases[i].file);
        ck_assert_int_eq(parse(path, NULL, &cfg, &err), NSG_E_INPUT);
        ck_assert_msg(strstr(err.msg, cases[i].want), "%s", err.msg);
        ck_assert_ptr_nonnull(strstr(err.msg, cases[i].file));
    }
}
END_TEST

int main(void)
{
    Suite *s = suite_create("import_admin");
    TCase *tc = tcase_create("shapes");
    tcase_add_test(tc, test_effective_admin_rules);
    tcase_add_test(tc, test_deploy_status);
    tcase_add_test(tc, test_policies_and_az_rules);
    tcase_add_test(tc, test_private_endpoint_fields);
    tcase_add_test(tc, test_plural_tag_and_icmpv6);
    tcase_add_test(tc, test_bad_admin_rules);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
