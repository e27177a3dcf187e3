/* check_admin.c - golden scenarios for Virtual Network Manager security
 * admin rules, each worked out by hand from the documentation ("Security
 * admin rules are evaluated before NSG rules ... Allow rules continue for
 * evaluation by matching network security group rules.  Always allow and
 * Deny ... terminate traffic evaluation"; configurations "don't take effect
 * until they're deployed" to the VNet's region; docs/semantics.md A1-A8),
 * checked through the simulator and, for every decided answer, against
 * the solver's formula for the same NIC; then replay, lint and diff with
 * the stage. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../sim/replay.h"
#include "../solver/solver.h"
#include "lib/topo_build.h"

static struct nsg_topology *T;
static struct nsg_vnet *PROD, *DEV, *ASIA;
static struct nsg_nsg *WEB;
static struct nsg_nic *P1, *D1, *A1;
static struct nsg_admin_collection *CPROD, *CDEV;
static struct nsg_network_group *GPROD, *GDEV;

/* Network manager nm, configuration cfg1 with two collections:
 *   c-prod -> group g-prod (static: prod, asia)
 *     5  Deny        in tcp 10.9.0.7        -> * 22
 *     10 AlwaysAllow in tcp 10.9.0.0/24     -> * 22
 *     20 Deny        in tcp 198.51.100.0/24 -> * 80
 *     30 Allow       in tcp *               -> * 8080
 *     40 Deny        in tcp 198.51.100.0/24 -> * 8080 (never reached)
 *     50 Deny        out udp *              -> * 53
 *   c-dev -> group g-dev (static: dev)
 *     10 Deny        in * * -> *
 * Deployed to westeurope (prod, dev); eastasia (asia) is deployed with no
 * configuration.  Every subnet NSG is "web" (DenySsh 100, AllowBadHttp 105
 * from 198.51.100.0/24 tcp/80, AllowWeb 110 tcp/443, AllowApp 120
 * tcp/8080); the prod NIC's own NSG denies tcp/8080 from 203.0.113.0/24. */
static void setup(void)
{
    T = nsg_topo_new();
    PROD = tb_vnet(T, "prod", "10.0.0.0/16");
    DEV = tb_vnet(T, "dev", "10.1.0.0/16");
    ASIA = tb_vnet(T, "asia", "10.2.0.0/16");
    free(ASIA->location);
    ASIA->location = nsg_xstrdup("eastasia");
    WEB = tb_nsg(T, "web");
    tb_rule(WEB, "DenySsh", 100, "in", "deny", "Tcp", "*", "*", "*", "22");
    tb_rule(WEB, "AllowBadHttp", 105, "in", "allow", "Tcp", "198.51.100.0/24",
            "*", "*", "80");
    tb_rule(WEB, "AllowWeb", 110, "in", "allow", "Tcp", "*", "*", "*", "443");
    tb_rule(WEB, "AllowApp", 120, "in", "allow", "Tcp", "*", "*", "*", "8080");
    struct nsg_nsg *nicnsg = tb_nsg(T, "p1-nsg");
    tb_rule(nicnsg, "DenyPartnerApp", 100, "in", "deny", "Tcp",
            "203.0.113.0/24", "*", "*", "8080");
    P1 = tb_nic(T, "p1", tb_subnet(T, PROD, "s", "10.0.1.0/24", WEB),
                "10.0.1.4", "", nicnsg);
    D1 = tb_nic(T, "d1", tb_subnet(T, DEV, "s", "10.1.1.0/24", WEB),
                "10.1.1.4", "", NULL);
    A1 = tb_nic(T, "a1", tb_subnet(T, ASIA, "s", "10.2.1.0/24", WEB),
                "10.2.1.4", "", NULL);
    struct nsg_admin_config *cfg = tb_admin_config(T, "nm", "cfg1");
    CPROD = tb_admin_collection(T, cfg, "c-prod", "g-prod");
    CDEV = tb_admin_collection(T, cfg, "c-dev", "g-dev");
    tb_admin_rule(T, CPROD, "DenyBastionHost7", 5, "in", "deny", "Tcp",
                  "10.9.0.7", "*", "*", "22");
    tb_admin_rule(T, CPROD, "AlwaysAllowBastion", 10, "in", "alwaysallow",
                  "Tcp", "10.9.0.0/24", "*", "*", "22");
    tb_admin_rule(T, CPROD, "DenyBadHttp", 20, "in", "deny", "Tcp",
                  "198.51.100.0/24", "*", "*", "80");
    tb_admin_rule(T, CPROD, "AllowAppHandOn", 30, "in", "allow", "Tcp", "*",
                  "*", "*", "8080");
    tb_admin_rule(T, CPROD, "DenyBadApp", 40, "in", "deny", "Tcp",
                  "198.51.100.0/24", "*", "*", "8080");
    tb_admin_rule(T, CPROD, "DenyDnsOut", 50, "out", "deny", "Udp", "*", "*",
                  "*", "53");
    tb_admin_rule(T, CDEV, "DenyAllDev", 10, "in", "deny", "*", "*", "*", "*",
                  "*");
    GPROD = tb_network_group(T, "nm", "g-prod");
    GDEV = tb_network_group(T, "nm", "g-dev");
    tb_static_member(T, GPROD, PROD);
    tb_static_member(T, GPROD, ASIA);
    tb_static_member(T, GDEV, DEV);
    tb_admin_deployment(T, "nm", "westeurope", "Deployed", "cfg1");
    tb_admin_deployment(T, "nm", "eastasia", "Deployed", "");
}

static void teardown(void)
{
    nsg_topo_free(T);
}

/* "Decision by <stage or level:rule>" through a NIC; for a decided answer
 * the solver's formula must agree; an unknown one must be unknown to the
 * formula's replay too. */
static const char *ev(struct nsg_nic *nic, struct nsg_packet p)
{
    static char out[512];
    struct nsg_verdict v;
    struct nsg_err err = NSG_ERR_INIT;
    tb_link(T);
    struct nsg_sim *sim = nsg_sim_new(T);
    struct nsg_slv *slv = nsg_slv_new(20000);
    struct nsg_slv_nic d;
    ck_assert_msg(nsg_sim_eval_nic(sim, nic, &p, &v, &err) == 0, "%s", err.msg);
    ck_assert_msg(nsg_slv_decide_nic(slv, sim, T, nic, &d, &err) == 0, "%s",
                  err.msg);
    nsg_rc rc = nsg_slv_replay_nic(slv, sim, &d, &p, NULL, &err);
    if (v.decision == NSG_DEC_UNKNOWN) {
        ck_assert_int_eq(rc, NSG_E_UNKNOWN);
        snprintf(out, sizeof(out), "Unknown by %s",
                 v.admin.rule ? v.admin.rule->ar->name : "?");
    } else {
        ck_assert_msg(rc == 0, "%s", err.msg);
        size_t k = (size_t)snprintf(out, sizeof(out), "%s by",
                                    nsg_decision_name(v.decision));
        if (v.admin.rule)
            k += (size_t)snprintf(out + k, sizeof(out) - k, " admin:%s",
                                  v.admin.rule->ar->name);
        if (v.platform)
            k += (size_t)snprintf(out + k, sizeof(out) - k, " platform:%s",
                                  nsg_platform_name(v.platform));
        for (size_t i = 0; i < v.n_levels && k < sizeof(out); i++)
            k += (size_t)snprintf(out + k, sizeof(out) - k, " %s:%s",
                                  v.levels[i].level,
                                  v.levels[i].m.rule
                                      ? v.levels[i].m.rule->rule->name
                                      : "-");
    }
    nsg_slv_free(slv);
    nsg_sim_free(sim);
    return out;
}
#define EVQ(want, nic, ...) ck_assert_str_eq(ev(nic, tb_packet(__VA_ARGS__)), want)

START_TEST(test_always_allow_over_nsg_deny)
{
    /* the NSG's DenySsh would deny; AlwaysAllow skips the NSGs */
    EVQ("Allow by admin:AlwaysAllowBastion", P1, "in", "tcp", "10.9.0.8", 5000,
        "10.0.1.4", 22);
}
END_TEST

START_TEST(test_deny_over_nsg_allow)
{
    /* AllowBadHttp would allow; the admin Deny ends the evaluation */
    EVQ("Deny by admin:DenyBadHttp", P1, "in", "tcp", "198.51.100.5", 5000,
        "10.0.1.4", 80);
    /* no admin rule matches: the NSGs decide as before */
    EVQ("Deny by subnet:AllowWeb nic:DenyAllInBound", P1, "in", "tcp",
        "203.0.113.5", 5000, "10.0.1.4", 443);
}
END_TEST

START_TEST(test_allow_then_nsg_denies)
{
    /* Allow hands on: the subnet allows, the NIC's NSG denies */
    EVQ("Deny by admin:AllowAppHandOn subnet:AllowApp nic:DenyPartnerApp", P1,
        "in", "tcp", "203.0.113.9", 5000, "10.0.1.4", 8080);
    EVQ("Allow by admin:AllowAppHandOn subnet:AllowApp nic:AllowVnetInBound",
        P1, "in", "tcp", "10.0.2.9", 5000, "10.0.1.4", 8080);
}
END_TEST

START_TEST(test_priority_order)
{
    /* 5 Deny before 10 AlwaysAllow for the one host */
    EVQ("Deny by admin:DenyBastionHost7", P1, "in", "tcp", "10.9.0.7", 5000,
        "10.0.1.4", 22);
    /* 30 Allow before 40 Deny: the Deny is never reached */
    EVQ("Deny by admin:AllowAppHandOn subnet:AllowApp nic:DenyAllInBound", P1,
        "in", "tcp", "198.51.100.5", 5000, "10.0.1.4", 8080);
}
END_TEST

START_TEST(test_two_collections)
{
    /* dev is in g-dev only: c-dev's DenyAllDev, none of c-prod's rules */
    EVQ("Deny by admin:DenyAllDev", D1, "in", "tcp", "10.9.0.8", 5000,
        "10.1.1.4", 22);
    EVQ("Deny by admin:DenyAllDev", D1, "in", "tcp", "203.0.113.5", 5000,
        "10.1.1.4", 443);
    /* outbound: no c-dev rule; DenyDnsOut is c-prod's */
    EVQ("Allow by nic:- subnet:AllowInternetOutBound", D1, "out", "udp",
        "10.1.1.4", 5000, "8.8.8.8", 53);
    EVQ("Deny by admin:DenyDnsOut", P1, "out", "udp", "10.0.1.4", 5000,
        "8.8.8.8", 53);
    /* DNS to Azure's resolver is platform traffic: admin rules do not
     * apply to it (docs/semantics.md P8) */
    EVQ("Allow by platform:dns", P1, "out", "udp", "10.0.1.4", 5000,
        "168.63.129.16", 53);
}
END_TEST

START_TEST(test_not_deployed_to_region)
{
    /* asia is in g-prod, but eastasia's goal state holds no configuration */
    EVQ("Allow by subnet:AllowBadHttp nic:-", A1, "in", "tcp", "198.51.100.5",
        5000, "10.2.1.4", 80);
    EVQ("Deny by subnet:DenySsh", A1, "in", "tcp", "10.9.0.8", 5000, "10.2.1.4",
        22);
}
END_TEST

/* What the corpus cannot establish is unknown, never guessed. */
START_TEST(test_unknown_application)
{
    struct nsg_admin_deployment *d =
        nsg_topo_get(T, NSG_RES_ADMIN_DEPLOYMENT,
                     "/subscriptions/00000000-0000-0000-0000-000000000000/"
                     "resourceGroups/rg/providers/Microsoft.Network/"
                     "networkManagers/nm/deploymentStatus/eastasia");
    ck_assert_ptr_nonnull(d);
    free(d->status);
    d->status = nsg_xstrdup("Deploying");
    EVQ("Unknown by DenyBadHttp", A1, "in", "tcp", "198.51.100.5", 5000,
        "10.2.1.4", 80);
    /* an answer no maybe-rule matches stays decided */
    EVQ("Allow by subnet:AllowWeb nic:-", A1, "in", "tcp", "203.0.113.5", 5000,
        "10.2.1.4", 443);
    /* a VNet in no static membership of a group with dynamic membership */
    struct nsg_vnet *other = tb_vnet(T, "other", "10.3.0.0/16");
    struct nsg_nic *o1 = tb_nic(T, "o1", tb_subnet(T, other, "s", "10.3.1.0/24",
                                                   WEB),
                                "10.3.1.4", "", NULL);
    EVQ("Allow by subnet:AllowBadHttp nic:-", o1, "in", "tcp", "198.51.100.5",
        5000, "10.3.1.4", 80);
    tb_group_policy(T, "add-prod-vnets", GPROD);
    EVQ("Unknown by DenyBadHttp", o1, "in", "tcp", "198.51.100.5", 5000,
        "10.3.1.4", 80);
    /* the VNet's effective admin rules settle it (preferred) */
    const struct nsg_admin_rule *bad =
        nsg_topo_get(T, NSG_RES_ADMIN_RULE,
                     "/subscriptions/00000000-0000-0000-0000-000000000000/"
                     "resourceGroups/rg/providers/Microsoft.Network/"
                     "networkManagers/nm/securityAdminConfigurations/cfg1/"
                     "ruleCollections/c-prod/rules/DenyBadHttp");
    ck_assert_ptr_nonnull(bad);
    tb_admin_effective(T, other, &bad, 1);
    EVQ("Deny by admin:DenyBadHttp", o1, "in", "tcp", "198.51.100.5", 5000,
        "10.3.1.4", 80);
    EVQ("Deny by subnet:DenySsh", o1, "in", "tcp", "10.9.0.8", 5000, "10.3.1.4",
        22);
    /* no deployment status at all for the region */
    free(ASIA->location);
    ASIA->location = nsg_xstrdup("japaneast");
    EVQ("Unknown by DenyBadHttp", A1, "in", "tcp", "198.51.100.5", 5000,
        "10.2.1.4", 80);
}
END_TEST

/* Private endpoints and gateway subnets do not get admin rules. */
START_TEST(test_not_applied)
{
    struct nsg_subnet *gw = tb_subnet(T, PROD, "GatewaySubnet", "10.0.255.0/27",
                                      NULL);
    struct nsg_nic *g1 = tb_nic(T, "g1", gw, "10.0.255.4", "", NULL);
    EVQ("Allow by subnet:- nic:-", g1, "in", "tcp", "198.51.100.5", 5000,
        "10.0.255.4", 80);
    struct nsg_nic *pe = tb_nic(
        T, "pe", nsg_topo_get(T, NSG_RES_SUBNET, P1->ipconfigs[0].subnet_id),
        "10.0.1.9", "", NULL);
    pe->private_endpoint_id = nsg_xstrdup(
        "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/"
        "rg/providers/Microsoft.Network/privateEndpoints/pe");
    /* neither admin rules nor (policies Disabled) the subnet's NSG */
    EVQ("Allow by subnet:- nic:-", pe, "in", "tcp", "198.51.100.5", 5000,
        "10.0.1.9", 80);
}
END_TEST

/* ---- replay, lint and diff with the stage -------------------------------- */

static void vflow(struct nsg_flow *f, const char *rule, const char *src,
                  int dport, char state)
{
    memset(f, 0, sizeof(*f));
    f->acl_id = "11111111-2222-3333-4444-555555555555";
    f->target_id = PROD->id;
    f->rule = rule;
    f->version = 4;
    f->dir = NSG_DIR_IN;
    f->proto = NSG_PROTO_TCP;
    ck_assert_int_eq(nsg_ip_parse(src, &f->src), 0);
    ck_assert_int_eq(nsg_ip_parse("10.0.1.4", &f->dst), 0);
    f->sport = 5000;
    f->dport = (uint16_t)dport;
    f->decision = state == 'D' ? 'D' : 'A';
    f->state = state;
    f->first_seen = f->last_seen = 1795179600;
    f->count = 1;
}

START_TEST(test_replay_admin_names)
{
    tb_link(T);
    struct nsg_replay *r = nsg_replay_new(T, NULL, 0);
    struct nsg_err err = NSG_ERR_INIT;
    struct nsg_flow f;
    struct nsg_replay_counts c;
    vflow(&f, "DenyBadHttp", "198.51.100.5", 80, 'D'); /* agrees */
    ck_assert_int_eq(nsg_replay_add(r, &f, &err), 0);
    vflow(&f, "DenyBadHttp", "203.0.113.5", 80, 'D'); /* not that rule */
    ck_assert_int_eq(nsg_replay_add(r, &f, &err), 0);
    vflow(&f, "AlwaysAllowBastion", "10.9.0.8", 22, 'B'); /* agrees */
    ck_assert_int_eq(nsg_replay_add(r, &f, &err), 0);
    vflow(&f, "NoSuchAdminRule", "10.9.0.8", 22, 'B'); /* not in corpus */
    ck_assert_int_eq(nsg_replay_add(r, &f, &err), 0);
    nsg_replay_get_counts(r, &c);
    ck_assert_uint_eq(c.total, 4);
    ck_assert_uint_eq(c.agree, 2);
    ck_assert_uint_eq(c.disagree, 1);
    ck_assert_uint_eq(c.unevaluated, 1);
    nsg_replay_free(r);
}
END_TEST

START_TEST(test_lint_overridden)
{
    tb_link(T);
    struct nsg_sim *sim = nsg_sim_new(T);
    struct nsg_slv *slv = nsg_slv_new(20000);
    const struct nsg_cnsg *c;
    const struct nsg_admin_stage *st;
    struct nsg_slv_lint l = NSG_SLV_LINT_INIT;
    struct nsg_err err = NSG_ERR_INIT;
    ck_assert_int_eq(nsg_sim_get(sim, WEB, PROD, &c, &err), 0);
    ck_assert_int_eq(nsg_sim_admin(sim, PROD, &st, &err), 0);
    ck_assert_int_eq(nsg_slv_lint_admin(slv, c, NULL, st, &l, &err), 0);
    int found = 0;
    for (size_t i = 0; i < l.n; i++)
        if (l.f[i].kind == NSG_LINT_ADMIN_OVERRIDDEN) {
            found++;
            ck_assert_str_eq(l.f[i].rule->rule->name, "AllowBadHttp");
            ck_assert_uint_eq(l.f[i].n_admin_by, 1);
            ck_assert_str_eq(l.f[i].admin_by[0]->ar->name, "DenyBadHttp");
        }
    ck_assert_int_eq(found, 1);
    nsg_slv_lint_release(&l);
    /* in dev, DenyAllDev overrides every inbound user rule */
    ck_assert_int_eq(nsg_sim_admin(sim, DEV, &st, &err), 0);
    ck_assert_int_eq(nsg_sim_get(sim, WEB, DEV, &c, &err), 0);
    ck_assert_int_eq(nsg_slv_lint_admin(slv, c, NULL, st, &l, &err), 0);
    found = 0;
    for (size_t i = 0; i < l.n; i++)
        found += l.f[i].kind == NSG_LINT_ADMIN_OVERRIDDEN;
    ck_assert_int_eq(found, 4); /* every inbound user rule of web */
    nsg_slv_lint_release(&l);
    nsg_slv_free(slv);
    nsg_sim_free(sim);
}
END_TEST

START_TEST(test_diff_behind_admin)
{
    struct nsg_nsg *b = tb_nsg(T, "web-b");
    tb_rule(b, "DenySsh", 100, "in", "deny", "Tcp", "*", "*", "*", "22");
    tb_rule(b, "AllowWeb", 110, "in", "allow", "Tcp", "*", "*", "*", "443");
    tb_rule(b, "AllowApp", 120, "in", "allow", "Tcp", "*", "*", "*", "8080");
    tb_link(T);
    struct nsg_sim *sim = nsg_sim_new(T);
    struct nsg_slv *slv = nsg_slv_new(20000);
    const struct nsg_cnsg *ca, *cb;
    const struct nsg_admin_stage *st;
    struct nsg_slv_diff d = NSG_SLV_DIFF_INIT;
    struct nsg_err err = NSG_ERR_INIT;
    ck_assert_int_eq(nsg_sim_get(sim, WEB, PROD, &ca, &err), 0);
    ck_assert_int_eq(nsg_sim_get(sim, b, PROD, &cb, &err), 0);
    /* alone, dropping AllowBadHttp changes 198.51.100.0/24 tcp/80 */
    ck_assert_int_eq(nsg_slv_diff(slv, ca, cb, 3, 0, &d, &err), 0);
    ck_assert(!d.equivalent);
    nsg_slv_diff_release(&d);
    /* behind the prod admin stage the admin Deny takes that traffic first */
    ck_assert_int_eq(nsg_sim_admin(sim, PROD, &st, &err), 0);
    ck_assert_msg(nsg_slv_diff_admin(slv, ca, cb, st, 3, 0, &d, &err) == 0,
                  "%s", err.msg);
    ck_assert(d.equivalent);
    nsg_slv_diff_release(&d);
    nsg_slv_free(slv);
    nsg_sim_free(sim);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("admin");
    TCase *tc = tcase_create("avnm");
    tcase_set_timeout(tc, 120);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_always_allow_over_nsg_deny);
    tcase_add_test(tc, test_deny_over_nsg_allow);
    tcase_add_test(tc, test_allow_then_nsg_denies);
    tcase_add_test(tc, test_priority_order);
    tcase_add_test(tc, test_two_collections);
    tcase_add_test(tc, test_not_deployed_to_region);
    tcase_add_test(tc, test_unknown_application);
    tcase_add_test(tc, test_not_applied);
    tcase_add_test(tc, test_replay_admin_names);
    tcase_add_test(tc, test_lint_overridden);
    tcase_add_test(tc, test_diff_behind_admin);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
