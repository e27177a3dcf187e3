/* check_query.c - unit tests of the verify query parser: every form of
 * quantifier, endpoint and service, comments and query files, and bad
 * queries with the line and column of the error. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "../solver/verify.h"

static struct nsg_query Q;

static void parse_ok(const char *text)
{
    struct nsg_err err = NSG_ERR_INIT;
    nsg_query_release(&Q);
    nsg_rc rc = nsg_query_parse(text, 1, &Q, &err);
    ck_assert_msg(rc == NSG_OK, "'%s' should parse: %s", text, err.msg);
}

static void teardown(void)
{
    nsg_query_release(&Q);
}

START_TEST(quantifiers)
{
    parse_ok("never Internet -> nic:web-1 tcp/22");
    ck_assert_int_eq(Q.quant, NSG_Q_NEVER);
    parse_ok("can 10.1.0.0/16 -> subnet:db tcp/1433");
    ck_assert_int_eq(Q.quant, NSG_Q_CAN);
    parse_ok("ALWAYS vnet:hub -> nic:dns-1 udp/53");
    ck_assert_int_eq(Q.quant, NSG_Q_ALWAYS);
    ck_assert_str_eq(nsg_q_quant_name(Q.quant), "always");
}
END_TEST

START_TEST(endpoints)
{
    char buf[NSG_CIDR_STRLEN];
    parse_ok("never Internet -> nic:web-1");
    ck_assert_int_eq(Q.src.kind, NSG_EP_TAG);
    ck_assert_str_eq(Q.src.name, "Internet");
    ck_assert_int_eq(Q.src.col, 7);
    ck_assert_int_eq(Q.dst.kind, NSG_EP_NIC);
    ck_assert_str_eq(Q.dst.name, "web-1");
    ck_assert_int_eq(Q.dst.col, 19);
    parse_ok("never 10.1.0.7/16 -> 10.2.0.4");
    ck_assert_int_eq(Q.src.kind, NSG_EP_CIDR);
    nsg_cidr_format(&Q.src.cidr, buf);
    ck_assert_str_eq(buf, "10.1.0.0/16");
    nsg_cidr_format(&Q.dst.cidr, buf);
    ck_assert_str_eq(buf, "10.2.0.4/32");
    parse_ok("can 2001:db8::/32 -> fd00::4 tcp");
    ck_assert_int_eq(Q.src.kind, NSG_EP_CIDR);
    ck_assert_int_eq(Q.src.cidr.family, 6);
    ck_assert_int_eq(Q.dst.cidr.family, 6);
    ck_assert_int_eq(Q.dst.cidr.len, 128);
    parse_ok("never * -> any");
    ck_assert_int_eq(Q.src.kind, NSG_EP_ANY);
    ck_assert_int_eq(Q.dst.kind, NSG_EP_ANY);
    parse_ok("never asg:web-asg -> vm:db1");
    ck_assert_int_eq(Q.src.kind, NSG_EP_ASG);
    ck_assert_int_eq(Q.dst.kind, NSG_EP_VM);
    ck_assert_str_eq(Q.dst.name, "db1");
    parse_ok("never vnet:hub -> subnet:hub/default");
    ck_assert_int_eq(Q.src.kind, NSG_EP_VNET);
    ck_assert_int_eq(Q.dst.kind, NSG_EP_SUBNET);
    ck_assert_str_eq(Q.dst.name, "hub/default");
    parse_ok("never Storage.WestUS -> AzureLoadBalancer");
    ck_assert_int_eq(Q.src.kind, NSG_EP_TAG);
    ck_assert_str_eq(Q.src.name, "Storage.WestUS");
    ck_assert_str_eq(Q.dst.name, "AzureLoadBalancer");
    /* a full resource id after the kind */
    parse_ok("never * -> nic:/subscriptions/s/resourceGroups/rg/providers/"
             "Microsoft.Network/networkInterfaces/web-1 tcp/22");
    ck_assert_int_eq(Q.dst.kind, NSG_EP_NIC);
    ck_assert_ptr_nonnull(strstr(Q.dst.name, "/networkInterfaces/web-1"));
}
END_TEST

START_TEST(arrow_spacing)
{
    parse_ok("never Internet->nic:web-1 tcp/22");
    ck_assert_str_eq(Q.src.name, "Internet");
    ck_assert_str_eq(Q.dst.name, "web-1");
    parse_ok("  never\t10.0.0.0/8 ->10.0.1.4   udp/53   ");
    ck_assert_int_eq(Q.dst.kind, NSG_EP_CIDR);
    ck_assert_str_eq(Q.text, "never\t10.0.0.0/8 ->10.0.1.4   udp/53");
}
END_TEST

START_TEST(services)
{
    parse_ok("never * -> * tcp/22");
    ck_assert_int_eq(Q.proto, NSG_PROTO_TCP);
    ck_assert_uint_eq(Q.n_dports, 1);
    ck_assert_uint_eq(Q.dports[0].lo, 22);
    ck_assert_uint_eq(Q.dports[0].hi, 22);
    parse_ok("never * -> * udp/1000-2000");
    ck_assert_int_eq(Q.proto, NSG_PROTO_UDP);
    ck_assert_uint_eq(Q.dports[0].lo, 1000);
    ck_assert_uint_eq(Q.dports[0].hi, 2000);
    parse_ok("never * -> * TCP/22,3389,5985-5986");
    ck_assert_uint_eq(Q.n_dports, 3);
    ck_assert_uint_eq(Q.dports[1].lo, 3389);
    ck_assert_uint_eq(Q.dports[2].hi, 5986);
    parse_ok("never * -> * tcp");
    ck_assert_int_eq(Q.proto, NSG_PROTO_TCP);
    ck_assert_uint_eq(Q.n_dports, 0);
    parse_ok("never * -> * icmp");
    ck_assert_int_eq(Q.proto, NSG_PROTO_ICMP);
    parse_ok("never * -> * esp");
    ck_assert_int_eq(Q.proto, NSG_PROTO_ESP);
    parse_ok("never * -> * 47");
    ck_assert_int_eq(Q.proto, 47);
    parse_ok("never * -> * any");
    ck_assert_int_eq(Q.proto, NSG_PROTO_ANY);
    parse_ok("never * -> *");
    ck_assert_int_eq(Q.proto, NSG_PROTO_ANY);
    parse_ok("never * -> * tcp/443 from port 1024-65535");
    ck_assert_uint_eq(Q.n_sports, 1);
    ck_assert_uint_eq(Q.sports[0].lo, 1024);
    ck_assert_uint_eq(Q.sports[0].hi, 65535);
}
END_TEST

START_TEST(comments)
{
    parse_ok("never * -> nic:a tcp/22 # no ssh");
    ck_assert_str_eq(Q.text, "never * -> nic:a tcp/22");
    ck_assert_uint_eq(Q.n_dports, 1);
    parse_ok("never * -> nic:b # tcp/22 -> x");
    ck_assert_int_eq(Q.proto, NSG_PROTO_ANY);
    ck_assert_str_eq(Q.text, "never * -> nic:b");
}
END_TEST

/* A bad query: the error names line 1, this column, and says `what`. */
static void bad(const char *text, int col, const char *what)
{
    struct nsg_query q;
    struct nsg_err err = NSG_ERR_INIT;
    char where[64];
    nsg_rc rc = nsg_query_parse(text, 1, &q, &err);
    ck_assert_msg(rc == NSG_E_INPUT, "'%s' should fail (rc %d)", text, rc);
    snprintf(where, sizeof(where), "line 1, column %d:", col);
    ck_assert_msg(strstr(err.msg, where), "'%s': want '%s' in '%s'", text,
                  where, err.msg);
    ck_assert_msg(strstr(err.msg, what), "'%s': want '%s' in '%s'", text,
                  what, err.msg);
}

START_TEST(bad_queries)
{
    bad("", 1, "expected 'never', 'can' or 'always'");
    bad("maybe * -> * tcp", 1, "found 'maybe'");
    bad("never", 6, "expected a source endpoint");
    bad("never -> nic:a", 7, "found '->'");
    bad("never * nic:a tcp", 9, "expected '->', found 'nic:a'");
    bad("never * ->", 11, "expected a destination endpoint");
    bad("never * -> nic: tcp/22", 16, "a name after 'nic:'");
    bad("never host:a -> nic:b", 7, "unknown endpoint kind 'host'");
    bad("never 10.0.0.300 -> nic:b", 7, "not a valid IP address or prefix");
    bad("never 10.0.0.0/33 -> nic:b", 7, "not a valid IP");
    bad("never 2001:db8:::1 -> nic:b", 7, "not a valid IP");
    bad("never $x -> nic:b", 7, "expected a source endpoint");
    bad("never * -> nic:b tpc/22", 18, "expected a service");
    bad("never * -> nic:b tcp/", 22, "expected a port");
    bad("never * -> nic:b tcp/70000", 22, "found '70000'");
    bad("never * -> nic:b tcp/22,,80", 25, "expected a port");
    bad("never * -> nic:b tcp/2000-1000", 22, "found '2000-1000'");
    bad("never * -> nic:b icmp/8", 22, "ports are only allowed with tcp or udp");
    bad("never * -> nic:b 256", 18, "expected a service");
    bad("never * -> nic:b tcp/22 extra", 25, "expected the end of the query");
    bad("never * -> nic:b tcp/22 -> x", 25, "found '->'");
    bad("never * -> nic:b tcp/22 from 1024", 30, "expected 'port' after 'from'");
    bad("never * -> nic:b tcp/22 from port", 34, "source ports");
    bad("never * -> nic:b icmp from port 5", 33, "need the service tcp or udp");
}
END_TEST

START_TEST(file_lines)
{
    struct nsg_queries qs = NSG_QUERIES_INIT;
    struct nsg_err err = NSG_ERR_INIT;
    const char *text = "# policy\n"
                       "\n"
                       "never Internet -> nic:web-1 tcp/22\r\n"
                       "   # indented comment\n"
                       "can * -> subnet:db tcp/1433 # trailing\n";
    ck_assert_int_eq(nsg_queries_parse(text, &qs, &err), NSG_OK);
    ck_assert_uint_eq(qs.n, 2);
    ck_assert_int_eq(qs.q[0].line, 3);
    ck_assert_str_eq(qs.q[0].text, "never Internet -> nic:web-1 tcp/22");
    ck_assert_int_eq(qs.q[1].line, 5);
    ck_assert_int_eq(qs.q[1].quant, NSG_Q_CAN);
    nsg_queries_release(&qs);

    const char *bad = "never * -> nic:a\n\n# x\ncan * => nic:b\n";
    ck_assert_int_eq(nsg_queries_parse(bad, &qs, &err), NSG_E_INPUT);
    ck_assert_msg(strstr(err.msg, "line 4, column 7"), "%s", err.msg);
    ck_assert_ptr_null(qs.q);

    ck_assert_int_eq(nsg_queries_parse("# only\n\n", &qs, &err), NSG_E_INPUT);
    ck_assert_ptr_nonnull(strstr(err.msg, "no query"));
}
END_TEST

static Suite *query_suite(void)
{
    Suite *s = suite_create("query");
    TCase *tc = tcase_create("parse");
    tcase_add_checked_fixture(tc, NULL, teardown);
    tcase_add_test(tc, quantifiers);
    tcase_add_test(tc, endpoints);
    tcase_add_test(tc, arrow_spacing);
    tcase_add_test(tc, services);
    tcase_add_test(tc, comments);
    tcase_add_test(tc, bad_queries);
    tcase_add_test(tc, file_lines);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(query_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
