/* check_replay.c - unit tests of the replay and what-if cores (sim/replay*.c)
 * with topologies and flows built in memory: agreement and disagreement of
 * logged and simulated decisions, rule-name prefixes and cuts, unevaluated
 * reasons, VNet flow logs, rule history and established connections, and
 * what-if per NIC. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "../sim/replay.h"
#include "lib/topo_build.h"

#define MAC_WEB "000D3A000001"
#define MAC_APP "000D3A000002"
#define MAC_LOST "000D3A000003" /* a NIC without a known subnet */
#define GUID_WEB "aaaaaaaa-0000-0000-0000-000000000001"
#define T0 1763640000
#define T1 (T0 + 7200)
/* 75 characters: longer than the 65 flow logs keep */
#define LONG_RULE                                                              \
    "AllowHttpsFromTheCorporateProxyFarm01InTheWestEuropeDatacenterPrimary01"
#define CUT65 "AllowHttpsFromTheCorporateProxyFarm01InTheWestEuropeDatacenterPri"
#define CUT56 "AllowHttpsFromTheCorporateProxyFarm01InTheWestEuropeData"

static void set_guid(struct nsg_nsg *n, const char *guid)
{
    free(n->guid);
    n->guid = nsg_xstrdup(guid);
}

/* Remove an NSG from t without freeing it (it becomes the caller's). */
static struct nsg_nsg *steal_nsg(struct nsg_topology *t, struct nsg_nsg *n)
{
    char *key = nsg_xstrdup_lower(n->id);
    g_ptr_array_remove(t->res[NSG_RES_NSG], n);
    g_hash_table_remove(t->by_id, key);
    free(key);
    return n;
}

/* web-nsg rules; with_ssh = false drops AllowSSH (version 2 / proposal). */
static void web_rules(struct nsg_nsg *n, bool with_ssh)
{
    if (with_ssh)
        tb_rule(n, "AllowSSH", 100, "in", "allow", "Tcp", "203.0.113.0/24", "*",
                "*", "22");
    tb_rule(n, "DenyRdp", 200, "in", "deny", "Tcp", "*", "*", "*", "3389");
    tb_rule(n, LONG_RULE, 300, "in", "allow", "Tcp", "198.51.100.0/24", "*",
            "*", "443");
    tb_rule(n, "AllowFromPartners", 400, "in", "allow", "Tcp", "PartnerTag",
            "*", "*", "8443");
}

/* vnet 10.0.0.0/16, subnet front (sub-nsg allows all inbound TCP) with the
 * NICs web (web-nsg) and app (no NIC NSG, MAC_APP); a NIC "lost" in a
 * subnet that is not in the model. */
static struct nsg_topology *build(bool web_ssh)
{
    struct nsg_topology *t = nsg_topo_new();
    struct nsg_vnet *v = tb_vnet(t, "vnet1", "10.0.0.0/16");
    struct nsg_nsg *sub = tb_nsg(t, "sub-nsg");
    struct nsg_nsg *web = tb_nsg(t, "web-nsg");
    struct nsg_subnet *s;
    struct nsg_nic *nic;

    set_guid(sub, "aaaaaaaa-0000-0000-0000-000000000002");
    set_guid(web, GUID_WEB);
    tb_rule(sub, "AllowTcpIn", 100, "in", "allow", "Tcp", "*", "*", "*", "*");
    web_rules(web, web_ssh);
    s = tb_subnet(t, v, "front", "10.0.1.0/24", sub);
    nic = tb_nic(t, "web", s, "10.0.1.4", "", web);
    strcpy(nic->mac, MAC_WEB);
    nic = tb_nic(t, "app", s, "10.0.1.5", "", NULL);
    strcpy(nic->mac, MAC_APP);
    nic = tb_nic(t, "lost", NULL, "10.0.9.9", "", NULL);
    strcpy(nic->mac, MAC_LOST);
    tb_link(t);
    return t;
}

static char *nsg_id(const char *name)
{
    return tb_id("networkSecurityGroups", name);
}

/* A v2 NSG flow-log tuple, logged by NSG `nsg` (upper-cased as Azure). */
struct tflow {
    struct nsg_flow f;
    char *id;
};

static void mkflow(struct tflow *tf, const char *nsg, const char *mac,
                   const char *rule, const char *src, int sport,
                   const char *dst, int dport, char decision, char state,
                   int64_t time, uint64_t count)
{
    char *id = nsg_id(nsg);
    memset(tf, 0, sizeof(*tf));
    tf->id = g_ascii_strup(id, -1);
    free(id);
    tf->f.nsg_id = tf->id;
    tf->f.rule = rule;
    strcpy(tf->f.mac, mac);
    tf->f.version = 2;
    tf->f.dir = NSG_DIR_IN;
    tf->f.proto = NSG_PROTO_TCP;
    ck_assert_int_eq(nsg_ip_parse(src, &tf->f.src), 0);
    ck_assert_int_eq(nsg_ip_parse(dst, &tf->f.dst), 0);
    tf->f.sport = (uint16_t)sport;
    tf->f.dport = (uint16_t)dport;
    tf->f.decision = decision;
    tf->f.state = state;
    tf->f.first_seen = tf->f.last_seen = time;
    tf->f.count = count;
}

static void add(struct nsg_replay *r, struct tflow *tf)
{
    struct nsg_err err = NSG_ERR_INIT;
    ck_assert_msg(nsg_replay_add(r, &tf->f, &err) == 0, "%s", err.msg);
    g_free(tf->id);
    tf->id = NULL;
}

static void replay_one(struct nsg_replay *r, const char *nsg, const char *rule,
                       const char *src, int dport, char decision,
                       uint64_t count)
{
    struct tflow tf;
    mkflow(&tf, nsg, MAC_WEB, rule, src, 50000, "10.0.1.4", dport, decision,
           'B', T0, count);
    add(r, &tf);
}

static void check_sum(const struct nsg_replay_counts *c)
{
    ck_assert_uint_eq(c->total,
                      c->agree + c->disagree + c->established + c->unevaluated);
}

START_TEST(test_rule_helpers)
{
    const char *plain;
    ck_assert_int_eq(nsg_replay_rule_kind("UserRule_AllowSSH", &plain),
                     NSG_LR_USER);
    ck_assert_str_eq(plain, "AllowSSH");
    ck_assert_int_eq(nsg_replay_rule_kind("defaultrule_DenyAllInBound", &plain),
                     NSG_LR_DEFAULT);
    ck_assert_str_eq(plain, "DenyAllInBound");
    ck_assert_int_eq(nsg_replay_rule_kind("PlatformRule", &plain),
                     NSG_LR_PLATFORM);
    ck_assert_int_eq(nsg_replay_rule_kind("BlockRdpAdmin", &plain),
                     NSG_LR_ADMIN);
    ck_assert(nsg_replay_rule_agrees("allowssh", "AllowSSH"));
    ck_assert(!nsg_replay_rule_agrees("AllowSS", "AllowSSH"));
    ck_assert_int_eq(sizeof(CUT65) - 1, 65);
    ck_assert_int_eq(sizeof(LONG_RULE) - 1, 71);
    ck_assert_int_eq(nsg_replay_rule_agrees("allowssh", "AllowSSH"), 1);
    /* 64 characters: not a cut name */
    ck_assert_int_eq(nsg_replay_rule_agrees(
                         "AllowHttpsFromTheCorporateProxyFarm01InTheWestEuropeDatacenterPr",
                         LONG_RULE),
                     0);
    ck_assert_int_eq(nsg_replay_rule_agrees(CUT65, LONG_RULE), 2); /* 65 */
    /* 56 characters + "UserRule_" = 65: the prefix may count */
    ck_assert_int_eq(nsg_replay_rule_agrees("UserRule_" CUT56, LONG_RULE), 2);
    ck_assert_int_eq(nsg_replay_rule_agrees(CUT56, LONG_RULE), 0);
    ck_assert_int_eq(nsg_replay_rule_agrees("UserRule_" CUT65, LONG_RULE), 2);
    ck_assert_int_eq(nsg_replay_rule_agrees(
                         "AllowHttpsFromTheCorporateProxyFarm01InTheWestEuropeDatacenterPrX",
                         LONG_RULE),
                     0);
}
END_TEST

START_TEST(test_agree_and_disagree)
{
    struct nsg_topology *t = build(true);
    struct nsg_replay *r = nsg_replay_new(t, NULL, 0);
    struct nsg_replay_counts c;
    cJSON *rep, *d, *e;

    replay_one(r, "web-nsg", "UserRule_AllowSSH", "203.0.113.7", 22, 'A', 3);
    replay_one(r, "web-nsg", "DefaultRule_DenyAllInBound", "192.0.2.9", 22, 'D',
               2);
    replay_one(r, "web-nsg", "UserRule_DenyRdp", "192.0.2.9", 3389, 'D', 1);
    /* wrong decision: logged allowed, the model denies */
    replay_one(r, "web-nsg", "UserRule_AllowSSH", "192.0.2.10", 22, 'A', 4);
    /* right decision, wrong rule */
    replay_one(r, "web-nsg", "UserRule_DenyRdp", "192.0.2.9", 22, 'D', 1);
    /* a name that is a user rule's but logged as a default rule */
    replay_one(r, "web-nsg", "DefaultRule_AllowSSH", "203.0.113.7", 22, 'A', 1);
    nsg_replay_get_counts(r, &c);
    ck_assert_uint_eq(c.total, 12);
    ck_assert_uint_eq(c.agree, 6);
    ck_assert_uint_eq(c.disagree, 6);
    ck_assert_uint_eq(c.established, 0);
    check_sum(&c);

    rep = nsg_replay_report(r);
    d = cJSON_GetObjectItem(rep, "disagreements");
    ck_assert_int_eq(cJSON_GetArraySize(d), 3);
    e = cJSON_GetArrayItem(d, 0);
    ck_assert_str_eq(cJSON_GetObjectItem(e, "nsg")->valuestring, "web-nsg");
    ck_assert_str_eq(cJSON_GetObjectItem(e, "src")->valuestring, "192.0.2.10");
    ck_assert_str_eq(cJSON_GetObjectItem(e, "protocol")->valuestring, "Tcp");
    ck_assert_str_eq(cJSON_GetObjectItem(e, "direction")->valuestring,
                     "Inbound");
    ck_assert_int_eq(cJSON_GetObjectItem(e, "count")->valueint, 4);
    ck_assert_str_eq(
        cJSON_GetObjectItem(cJSON_GetObjectItem(e, "logged"), "rule")
            ->valuestring,
        "AllowSSH");
    ck_assert_str_eq(
        cJSON_GetObjectItem(cJSON_GetObjectItem(e, "logged"), "decision")
            ->valuestring,
        "Allow");
    ck_assert_str_eq(
        cJSON_GetObjectItem(cJSON_GetObjectItem(e, "simulated"), "rule")
            ->valuestring,
        "DenyAllInBound");
    ck_assert_str_eq(
        cJSON_GetObjectItem(cJSON_GetObjectItem(e, "simulated"), "decision")
            ->valuestring,
        "Deny");
    ck_assert_int_eq(cJSON_GetObjectItem(rep, "flows_total")->valueint, 12);
    cJSON_Delete(rep);
    nsg_replay_free(r);
    nsg_topo_free(t);
}
END_TEST

START_TEST(test_cut_rule_names)
{
    struct nsg_topology *t = build(true);
    struct nsg_replay *r = nsg_replay_new(t, NULL, 0);
    struct nsg_replay_counts c;

    replay_one(r, "web-nsg", "UserRule_" LONG_RULE, "198.51.100.3", 443, 'A',
               1);
    replay_one(r, "web-nsg", "UserRule_" CUT65, "198.51.100.3", 443, 'A', 1);
    replay_one(r, "web-nsg", "UserRule_" CUT56, "198.51.100.3", 443, 'A', 1);
    replay_one(r, "web-nsg", "UserRule_AllowHttps", "198.51.100.3", 443, 'A',
               1);
    nsg_replay_get_counts(r, &c);
    /* flows_total = agree + disagree + established + unevaluated, and the
     * cut names are inside agree */
    ck_assert_uint_eq(c.agree, 3);
    ck_assert_uint_eq(c.agree_truncated, 2);
    ck_assert_uint_eq(c.disagree, 1);
    ck_assert_uint_eq(c.total,
                      c.agree + c.disagree + c.established + c.unevaluated);
    nsg_replay_free(r);
    nsg_topo_free(t);
}
END_TEST

START_TEST(test_unevaluated_reasons)
{
    struct nsg_topology *t = build(true);
    struct nsg_replay *r = nsg_replay_new(t, NULL, 0);
    struct nsg_replay_counts c;
    struct tflow tf;
    cJSON *rep, *reasons;

    replay_one(r, "ghost-nsg", "UserRule_AllowSSH", "203.0.113.7", 22, 'A', 2);
    mkflow(&tf, "web-nsg", "000D3AFFFFFF", "UserRule_AllowSSH", "203.0.113.7",
           1, "10.0.1.4", 22, 'A', 'B', T0, 3);
    add(r, &tf);
    mkflow(&tf, "web-nsg", MAC_LOST, "UserRule_AllowSSH", "203.0.113.7", 1,
           "10.0.9.9", 22, 'A', 'B', T0, 13);
    add(r, &tf);
    replay_one(r, "web-nsg", "PlatformRule", "168.63.129.16", 80, 'A', 5);
    replay_one(r, "web-nsg", "AdminBlockTelnet", "192.0.2.1", 23, 'D', 7);
    /* PartnerTag is in no service tags file: matches only if in the tag */
    replay_one(r, "web-nsg", "UserRule_AllowFromPartners", "192.0.2.1", 8443,
               'A', 11);
    nsg_replay_get_counts(r, &c);
    ck_assert_uint_eq(c.total, 41);
    ck_assert_uint_eq(c.unevaluated, 41);
    ck_assert_uint_eq(c.reasons[NSG_RR_UNKNOWN_VNET], 13);
    ck_assert_uint_eq(c.reasons[NSG_RR_UNKNOWN_NSG], 2);
    ck_assert_uint_eq(c.reasons[NSG_RR_UNKNOWN_MAC], 3);
    ck_assert_uint_eq(c.reasons[NSG_RR_PLATFORM], 5);
    ck_assert_uint_eq(c.reasons[NSG_RR_ADMIN], 7);
    ck_assert_uint_eq(c.reasons[NSG_RR_UNKNOWN_TAG], 11);
    check_sum(&c);
    rep = nsg_replay_report(r);
    reasons = cJSON_GetObjectItem(rep, "unevaluated_reasons");
    ck_assert_int_eq(cJSON_GetObjectItem(reasons, "unknown_tag")->valueint, 11);
    ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItem(rep, "per_nsg")),
                     2); /* ghost-nsg and web-nsg */
    cJSON_Delete(rep);
    nsg_replay_free(r);
    nsg_topo_free(t);
}
END_TEST

START_TEST(test_vnet_flow_logs)
{
    struct nsg_topology *t = build(true);
    struct nsg_replay *r = nsg_replay_new(t, NULL, 0);
    struct nsg_replay_counts c;
    struct tflow tf;
    char *web_id = nsg_id("web-nsg");

    /* aclID = resourceGuid, state D = denied, default rule */
    mkflow(&tf, "web-nsg", MAC_WEB, "DefaultRule_DenyAllInBound", "192.0.2.5",
           1000, "10.0.1.4", 22, 'D', 'D', T0, 1);
    tf.f.nsg_id = NULL;
    tf.f.acl_id = "AAAAAAAA-0000-0000-0000-000000000001";
    tf.f.version = 4;
    add(r, &tf);
    /* aclID = the NSG's id; no MAC, the NIC is the flow log's target */
    mkflow(&tf, "web-nsg", "", "UserRule_AllowSSH", "203.0.113.9", 1000,
           "10.0.1.4", 22, 'A', 'B', T0, 2);
    tf.f.nsg_id = NULL;
    tf.f.acl_id = web_id;
    tf.f.target_id = t->res[NSG_RES_NIC]->pdata[0]
                         ? ((struct nsg_nic *)t->res[NSG_RES_NIC]->pdata[0])->id
                         : NULL;
    tf.f.version = 4;
    add(r, &tf);
    /* zeros: platform */
    mkflow(&tf, "web-nsg", MAC_WEB, "PlatformRule", "10.0.1.4", 1000,
           "168.63.129.16", 53, 'A', 'B', T0, 4);
    tf.f.nsg_id = NULL;
    tf.f.acl_id = "00000000-0000-0000-0000-000000000000";
    add(r, &tf);
    nsg_replay_get_counts(r, &c);
    ck_assert_uint_eq(c.total, 7);
    ck_assert_uint_eq(c.agree, 3);
    ck_assert_uint_eq(c.reasons[NSG_RR_PLATFORM], 4);
    free(web_id);
    nsg_replay_free(r);
    nsg_topo_free(t);
}
END_TEST

/* web-nsg v1 (captured T0, SSH allowed) and v2 (captured T1, no SSH). */
static struct nsg_replay *history_replay(struct nsg_topology **t)
{
    struct nsg_topology *scratch = build(true), *scratch2;
    struct nsg_nsg *v1, *v2;
    struct nsg_replay *r;
    *t = build(false);
    r = nsg_replay_new(*t, NULL, 0);
    char *id = nsg_id("web-nsg");
    v1 = steal_nsg(scratch, nsg_topo_get(scratch, NSG_RES_NSG, id));
    free(id);
    v1->captured_at = T0;
    scratch2 = build(false);
    v2 = steal_nsg(scratch2, nsg_topo_get(scratch2, NSG_RES_NSG, v1->id));
    v2->captured_at = T1;
    nsg_replay_add_version(r, v2); /* order of giving does not matter */
    nsg_replay_add_version(r, v1);
    nsg_topo_free(scratch);
    nsg_topo_free(scratch2);
    return r;
}

START_TEST(test_history_and_established)
{
    struct nsg_topology *t;
    struct nsg_replay *r = history_replay(&t);
    struct nsg_replay_counts c;
    struct tflow fl[6];
    const char *ssh = "UserRule_AllowSSH";

    ck_assert(nsg_replay_wants_prepass(r));
    /* connection 1 begins under v1, continues after the change to v2 */
    mkflow(&fl[0], "web-nsg", MAC_WEB, ssh, "203.0.113.7", 40001, "10.0.1.4",
           22, 'A', 'B', T0 + 60, 1);
    mkflow(&fl[1], "web-nsg", MAC_WEB, ssh, "203.0.113.7", 40001, "10.0.1.4",
           22, 'A', 'C', T1 + 300, 1);
    mkflow(&fl[2], "web-nsg", MAC_WEB, ssh, "203.0.113.7", 40001, "10.0.1.4",
           22, 'A', 'E', T1 + 600, 1);
    /* connection 2 begins after the change: denied by v2, logged so */
    mkflow(&fl[3], "web-nsg", MAC_WEB, "DefaultRule_DenyAllInBound",
           "203.0.113.8", 40002, "10.0.1.4", 22, 'D', 'B', T1 + 60, 2);
    /* connection 3: first seen after the change, logged allowed: wrong */
    mkflow(&fl[4], "web-nsg", MAC_WEB, ssh, "203.0.113.9", 40003, "10.0.1.4",
           22, 'A', 'C', T1 + 60, 3);
    /* before the oldest capture: evaluated with the oldest version */
    mkflow(&fl[5], "web-nsg", MAC_WEB, ssh, "203.0.113.10", 40004, "10.0.1.4",
           22, 'A', 'B', T0 - 3600, 5);
    /* stored flows come in any order: E before its B */
    for (int i = 5; i >= 0; i--)
        nsg_replay_note(r, &fl[i].f);
    for (int i = 5; i >= 0; i--)
        add(r, &fl[i]);
    nsg_replay_get_counts(r, &c);
    ck_assert_uint_eq(c.total, 13);
    ck_assert_uint_eq(c.agree, 1 + 2 + 5);
    ck_assert_uint_eq(c.established, 2);
    ck_assert_uint_eq(c.disagree, 3);
    check_sum(&c);
    nsg_replay_free(r);
    nsg_topo_free(t);
}
END_TEST

/* An aggregate whose hour spans the change agrees with either version. */
START_TEST(test_span_across_change)
{
    struct nsg_topology *t;
    struct nsg_replay *r = history_replay(&t);
    struct nsg_replay_counts c;
    struct tflow fl[3];

    mkflow(&fl[0], "web-nsg", MAC_WEB, "UserRule_AllowSSH", "203.0.113.7",
           40001, "10.0.1.4", 22, 'A', 'B', T1 - 60, 2);
    mkflow(&fl[1], "web-nsg", MAC_WEB, "DefaultRule_DenyAllInBound",
           "203.0.113.8", 40002, "10.0.1.4", 22, 'D', 'B', T1 - 60, 3);
    /* neither version logs RDP as allowed by AllowSSH */
    mkflow(&fl[2], "web-nsg", MAC_WEB, "UserRule_AllowSSH", "203.0.113.9",
           40003, "10.0.1.4", 3389, 'A', 'B', T1 - 60, 5);
    for (int i = 0; i < 3; i++) {
        fl[i].f.last_seen = T1 + 60;
        nsg_replay_note(r, &fl[i].f);
    }
    for (int i = 0; i < 3; i++)
        add(r, &fl[i]);
    nsg_replay_get_counts(r, &c);
    ck_assert_uint_eq(c.agree, 5);
    ck_assert_uint_eq(c.disagree, 5);
    nsg_replay_free(r);
    nsg_topo_free(t);
}
END_TEST

START_TEST(test_no_history_no_established)
{
    struct nsg_topology *t = build(false);
    struct nsg_replay *r = nsg_replay_new(t, NULL, 0);
    struct nsg_replay_counts c;
    struct tflow tf;

    ck_assert(!nsg_replay_wants_prepass(r));
    mkflow(&tf, "web-nsg", MAC_WEB, "UserRule_AllowSSH", "203.0.113.7", 40001,
           "10.0.1.4", 22, 'A', 'C', T1 + 300, 1);
    add(r, &tf);
    nsg_replay_get_counts(r, &c);
    ck_assert_uint_eq(c.disagree, 1);
    ck_assert_uint_eq(c.established, 0);
    nsg_replay_free(r);
    nsg_topo_free(t);
}
END_TEST

START_TEST(test_only_one_nsg)
{
    struct nsg_topology *t = build(true);
    const struct nsg_nsg *web = NULL;
    struct nsg_replay *r;
    struct nsg_replay_counts c;
    struct nsg_err err = NSG_ERR_INIT;

    ck_assert_int_eq(
        nsg_topo_find(t, NSG_RES_NSG, "web-nsg", (void **)&web, &err), 0);
    r = nsg_replay_new(t, web, 0);
    replay_one(r, "web-nsg", "UserRule_AllowSSH", "203.0.113.7", 22, 'A', 3);
    replay_one(r, "sub-nsg", "UserRule_AllowTcpIn", "203.0.113.7", 22, 'A', 3);
    replay_one(r, "ghost-nsg", "UserRule_AllowTcpIn", "203.0.113.7", 22, 'A',
               3);
    nsg_replay_get_counts(r, &c);
    ck_assert_uint_eq(c.total, 3);
    ck_assert_uint_eq(c.agree, 3);
    nsg_replay_free(r);
    nsg_topo_free(t);
}
END_TEST

/* The flows of the what-if tests: SSH from 203.0.113.7 logged by both NSGs
 * of the web NIC (dedup), RDP denied, HTTPS allowed, a flow of the app NIC
 * (no NIC NSG) and one of an unknown MAC. */
static void whatif_flows(struct nsg_whatif *w)
{
    struct tflow tf;
    mkflow(&tf, "sub-nsg", MAC_WEB, "UserRule_AllowTcpIn", "203.0.113.7", 40001,
           "10.0.1.4", 22, 'A', 'B', T0, 5);
    nsg_whatif_add(w, &tf.f);
    g_free(tf.id);
    mkflow(&tf, "web-nsg", MAC_WEB, "UserRule_AllowSSH", "203.0.113.7", 40001,
           "10.0.1.4", 22, 'A', 'B', T0 + 10, 5);
    nsg_whatif_add(w, &tf.f);
    g_free(tf.id);
    mkflow(&tf, "web-nsg", MAC_WEB, "UserRule_AllowSSH", "203.0.113.8", 40002,
           "10.0.1.4", 22, 'A', 'B', T0 + 10, 2);
    nsg_whatif_add(w, &tf.f);
    g_free(tf.id);
    mkflow(&tf, "web-nsg", MAC_WEB, "UserRule_DenyRdp", "192.0.2.1", 40003,
           "10.0.1.4", 3389, 'D', 'B', T0, 7);
    nsg_whatif_add(w, &tf.f);
    g_free(tf.id);
    mkflow(&tf, "sub-nsg", MAC_APP, "UserRule_AllowTcpIn", "192.0.2.1", 40004,
           "10.0.1.5", 80, 'A', 'B', T0, 1);
    nsg_whatif_add(w, &tf.f);
    g_free(tf.id);
    mkflow(&tf, "sub-nsg", "000D3AFFFFFF", "UserRule_AllowTcpIn", "192.0.2.1",
           40004, "10.0.1.99", 80, 'A', 'B', T0, 1);
    nsg_whatif_add(w, &tf.f);
    g_free(tf.id);
}

static struct nsg_nsg *proposal(bool ssh, bool rdp_allowed)
{
    struct nsg_topology *scratch = nsg_topo_new();
    struct nsg_nsg *n = tb_nsg(scratch, "web-nsg");
    if (rdp_allowed)
        tb_rule(n, "AllowRdpAll", 150, "in", "allow", "Tcp", "*", "*", "*",
                "3389");
    web_rules(n, ssh);
    steal_nsg(scratch, n);
    nsg_topo_free(scratch);
    free(n->id);
    n->id = NULL; /* matched by name */
    return n;
}

static struct nsg_whatif *run_whatif(struct nsg_topology **cur,
                                     struct nsg_topology **prop,
                                     struct nsg_nsg *n)
{
    struct nsg_err err = NSG_ERR_INIT;
    struct nsg_whatif *w;
    *cur = build(true);
    *prop = build(true);
    ck_assert_msg(nsg_replay_propose(*prop, n, &err) == 0, "%s", err.msg);
    w = nsg_whatif_new(*cur, *prop, 0);
    whatif_flows(w);
    ck_assert_msg(nsg_whatif_finish(w, &err) == 0, "%s", err.msg);
    return w;
}

START_TEST(test_whatif_newly_denied)
{
    struct nsg_topology *cur, *prop;
    struct nsg_whatif *w = run_whatif(&cur, &prop, proposal(false, false));
    struct nsg_whatif_counts c;
    cJSON *rep, *nd, *top, *rules, *per;

    nsg_whatif_get_counts(w, &c);
    ck_assert_uint_eq(c.total, 5 + 2 + 7 + 1 + 1);
    ck_assert_uint_eq(c.newly_denied, 7); /* 5 (once, not 10) + 2 */
    ck_assert_uint_eq(c.newly_allowed, 0);
    ck_assert_uint_eq(c.unchanged, 7 + 1);
    ck_assert_uint_eq(c.reasons[NSG_RR_UNKNOWN_MAC], 1);
    rep = nsg_whatif_report(w);
    nd = cJSON_GetObjectItem(rep, "newly_denied");
    ck_assert_int_eq(cJSON_GetObjectItem(nd, "count")->valueint, 7);
    ck_assert_int_eq(cJSON_GetObjectItem(nd, "flows")->valueint, 2);
    ck_assert_int_eq(cJSON_GetObjectItem(nd, "distinct_sources")->valueint, 2);
    ck_assert_int_eq(cJSON_GetObjectItem(nd, "distinct_ports")->valueint, 1);
    top = cJSON_GetArrayItem(cJSON_GetObjectItem(nd, "top_talkers"), 0);
    ck_assert_str_eq(cJSON_GetObjectItem(top, "src")->valuestring,
                     "203.0.113.7");
    ck_assert_int_eq(cJSON_GetObjectItem(top, "count")->valueint, 5);
    rules = cJSON_GetArrayItem(cJSON_GetObjectItem(nd, "rules"), 0);
    ck_assert_str_eq(cJSON_GetObjectItem(rules, "nsg")->valuestring, "web-nsg");
    ck_assert_str_eq(cJSON_GetObjectItem(rules, "rule")->valuestring,
                     "DenyAllInBound");
    per = cJSON_GetObjectItem(rep, "per_nsg");
    ck_assert_int_eq(cJSON_GetArraySize(per), 1);
    ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItem(rep, "changes")),
                     2);
    cJSON_Delete(rep);
    nsg_whatif_free(w);
    nsg_topo_free(cur);
    nsg_topo_free(prop);
}
END_TEST

START_TEST(test_whatif_newly_allowed_and_nothing)
{
    struct nsg_topology *cur, *prop;
    struct nsg_whatif *w = run_whatif(&cur, &prop, proposal(true, true));
    struct nsg_whatif_counts c;

    nsg_whatif_get_counts(w, &c);
    ck_assert_uint_eq(c.newly_denied, 0);
    ck_assert_uint_eq(c.newly_allowed, 7);
    nsg_whatif_free(w);
    nsg_topo_free(cur);
    nsg_topo_free(prop);

    w = run_whatif(&cur, &prop, proposal(true, false));
    nsg_whatif_get_counts(w, &c);
    ck_assert_uint_eq(c.newly_denied + c.newly_allowed, 0);
    ck_assert_uint_eq(c.unchanged, 15);
    nsg_whatif_free(w);
    nsg_topo_free(cur);
    nsg_topo_free(prop);
}
END_TEST

START_TEST(test_propose_unknown_nsg)
{
    struct nsg_topology *t = build(true), *scratch = nsg_topo_new();
    struct nsg_nsg *n = steal_nsg(scratch, tb_nsg(scratch, "nope-nsg"));
    struct nsg_err err = NSG_ERR_INIT;

    ck_assert_int_eq(nsg_replay_propose(t, n, &err), NSG_E_NOTFOUND);
    ck_assert(strstr(err.msg, "nope-nsg") != NULL);
    nsg_nsg_free(n);
    nsg_topo_free(scratch);
    nsg_topo_free(t);
}
END_TEST

/* An aggregate row (interchange format): no state, no rule, a source-port
 * range lo..hi. */
static void mkrow(struct tflow *tf, const char *nsg, const char *src, int lo,
                  int hi, int dport, char decision, uint64_t count)
{
    mkflow(tf, nsg, MAC_WEB, NULL, src, lo, "10.0.1.4", dport, decision, 0,
           T0, count);
    tf->f.version = NSG_FLOW_AGGREGATE;
    tf->f.sport_span = (uint16_t)(hi - lo);
}

/* Replay of aggregate rows: a row whose source-port range a rule that
 * could decide it splits is counted inexact (not agree, not disagree); a
 * range inside one side of every such rule, a rule that does not match
 * the row otherwise, or a protocol without ports leave it exact; a row
 * without a rule name is judged on its decision. */
START_TEST(test_replay_inexact_rows)
{
    struct nsg_topology *t = build(true);
    struct nsg_nsg *web = NULL;
    struct nsg_err err = NSG_ERR_INIT;
    struct nsg_replay *r;
    struct nsg_replay_counts c;
    struct tflow tf;

    ck_assert_int_eq(
        nsg_topo_find(t, NSG_RES_NSG, "web-nsg", (void **)&web, &err), 0);
    tb_rule(web, "AllowHighSports", 50, "in", "allow", "Tcp", "192.0.2.0/24",
            "1024-65535", "*", "22");
    r = nsg_replay_new(t, NULL, 0);
    /* 192.0.2.1 -> 22, all source ports: AllowHighSports splits: inexact */
    mkrow(&tf, "web-nsg", "192.0.2.1", 0, 65535, 22, 'A', 4);
    add(r, &tf);
    /* ports 2000-3000: inside the rule: exact, and it allows: agree */
    mkrow(&tf, "web-nsg", "192.0.2.1", 2000, 3000, 22, 'A', 5);
    add(r, &tf);
    /* ports 0-1023: outside the rule: exact; DenyAllInBound denies, the
     * row says allowed: disagree */
    mkrow(&tf, "web-nsg", "192.0.2.1", 0, 1023, 22, 'A', 6);
    add(r, &tf);
    /* 203.0.113.7: the rule does not match the source: exact (AllowSSH) */
    mkrow(&tf, "web-nsg", "203.0.113.7", 0, 65535, 22, 'A', 7);
    add(r, &tf);
    /* UDP to 22 from 192.0.2.1: the rule is Tcp only: exact, denied */
    mkrow(&tf, "web-nsg", "192.0.2.1", 0, 65535, 22, 'D', 8);
    tf.f.proto = NSG_PROTO_UDP;
    add(r, &tf);
    nsg_replay_get_counts(r, &c);
    ck_assert_uint_eq(c.total, 4 + 5 + 6 + 7 + 8);
    ck_assert_uint_eq(c.inexact, 4);
    ck_assert_uint_eq(c.agree, 5 + 7 + 8);
    ck_assert_uint_eq(c.disagree, 6);
    ck_assert_uint_eq(c.unevaluated, 0);
    cJSON *rep = nsg_replay_report(r);
    ck_assert_int_eq(cJSON_GetObjectItem(rep, "inexact")->valueint, 4);
    cJSON *d = cJSON_GetArrayItem(cJSON_GetObjectItem(rep, "disagreements"), 0);
    ck_assert_int_eq(cJSON_GetObjectItem(d, "sport")->valueint, 0);
    ck_assert_int_eq(cJSON_GetObjectItem(d, "sport_max")->valueint, 1023);
    cJSON_Delete(rep);
    nsg_replay_free(r);
    nsg_topo_free(t);
}
END_TEST

/* What-if over aggregate rows: a proposed rule that splits a row's range
 * makes it inexact; rows inside one side of it are evaluated exactly. */
START_TEST(test_whatif_inexact_rows)
{
    struct nsg_topology *cur = build(true), *prop = build(true);
    struct nsg_topology *scratch = nsg_topo_new();
    struct nsg_nsg *n = tb_nsg(scratch, "web-nsg");
    struct nsg_err err = NSG_ERR_INIT;
    struct nsg_whatif_counts c;
    struct tflow tf;

    tb_rule(n, "DenyLowSports", 90, "in", "deny", "Tcp", "*", "0-1023", "*",
            "22");
    web_rules(n, true);
    steal_nsg(scratch, n);
    nsg_topo_free(scratch);
    ck_assert_msg(nsg_replay_propose(prop, n, &err) == 0, "%s", err.msg);
    struct nsg_whatif *w = nsg_whatif_new(cur, prop, 0);
    mkrow(&tf, "web-nsg", "203.0.113.7", 0, 65535, 22, 'A', 3);
    nsg_whatif_add(w, &tf.f);
    g_free(tf.id);
    mkrow(&tf, "web-nsg", "203.0.113.7", 2000, 3000, 22, 'A', 4);
    nsg_whatif_add(w, &tf.f);
    g_free(tf.id);
    mkrow(&tf, "web-nsg", "203.0.113.7", 10, 20, 22, 'A', 5);
    nsg_whatif_add(w, &tf.f);
    g_free(tf.id);
    ck_assert_msg(nsg_whatif_finish(w, &err) == 0, "%s", err.msg);
    nsg_whatif_get_counts(w, &c);
    ck_assert_uint_eq(c.total, 12);
    ck_assert_uint_eq(c.inexact, 3);
    ck_assert_uint_eq(c.unchanged, 4);
    ck_assert_uint_eq(c.newly_denied, 5);
    cJSON *rep = nsg_whatif_report(w);
    ck_assert_int_eq(cJSON_GetObjectItem(rep, "inexact")->valueint, 3);
    cJSON *ch = cJSON_GetArrayItem(cJSON_GetObjectItem(rep, "changes"), 0);
    ck_assert_int_eq(cJSON_GetObjectItem(ch, "sport_max")->valueint, 20);
    cJSON_Delete(rep);
    nsg_whatif_free(w);
    nsg_topo_free(cur);
    nsg_topo_free(prop);
}
END_TEST

static Suite *replay_suite(void)
{
    Suite *s = suite_create("replay");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_rule_helpers);
    tcase_add_test(tc, test_agree_and_disagree);
    tcase_add_test(tc, test_cut_rule_names);
    tcase_add_test(tc, test_unevaluated_reasons);
    tcase_add_test(tc, test_vnet_flow_logs);
    tcase_add_test(tc, test_history_and_established);
    tcase_add_test(tc, test_span_across_change);
    tcase_add_test(tc, test_no_history_no_established);
    tcase_add_test(tc, test_only_one_nsg);
    tcase_add_test(tc, test_whatif_newly_denied);
    tcase_add_test(tc, test_whatif_newly_allowed_and_nothing);
    tcase_add_test(tc, test_propose_unknown_nsg);
    tcase_add_test(tc, test_replay_inexact_rows);
    tcase_add_test(tc, test_whatif_inexact_rows);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(replay_suite());
    int failed;
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
