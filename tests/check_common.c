/* check_common.c - unit tests of common/: IP and prefix parsing and
 * formatting, address sets, port ranges, protocols, hashing, the directory
 * walker. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../common/nsg.h"
#include "../common/nsg_walk.h"

static const char *cidr_text(const char *in)
{
    static char out[NSG_CIDR_STRLEN];
    struct nsg_cidr c;
    if (nsg_cidr_parse(in, &c))
        return "bad";
    nsg_cidr_format(&c, out);
    return out;
}

static const char *ip_text(const char *in)
{
    static char out[NSG_IP_STRLEN];
    struct nsg_ip ip;
    if (nsg_ip_parse(in, &ip))
        return "bad";
    nsg_ip_format(&ip, out);
    return out;
}

START_TEST(test_ip_parse)
{
    struct nsg_ip ip;
    ck_assert_int_eq(nsg_ip_parse("0.0.0.0", &ip), 0);
    ck_assert_int_eq(ip.family, 4);
    ck_assert(ip.v == 0);
    ck_assert_int_eq(nsg_ip_parse("255.255.255.255", &ip), 0);
    ck_assert(ip.v == 0xffffffffu);
    ck_assert_int_eq(nsg_ip_parse("10.1.2.3", &ip), 0);
    ck_assert(ip.v == 0x0a010203u);
    static const char *const bad[] = {
        "", "256.1.1.1", "1.2.3", "1.2.3.4.5", " 1.2.3.4", "1.2.3.4 ",
        "1.2.3.-4", "a.b.c.d", "10.0.0.0/8", "2001:db8:::1", "1::2::3",
        "g::1", "12345::", ":::", "1.2.3.4:80"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++)
        ck_assert_msg(nsg_ip_parse(bad[i], &ip) == -1, "'%s' parsed", bad[i]);
    ck_assert_int_eq(nsg_ip_parse(NULL, &ip), -1);
    ck_assert_int_eq(nsg_ip_parse("::", &ip), 0);
    ck_assert_int_eq(ip.family, 6);
    ck_assert(ip.v == 0);
    ck_assert_int_eq(nsg_ip_parse("::1", &ip), 0);
    ck_assert(ip.v == 1);
    ck_assert_int_eq(nsg_ip_parse("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
                                  &ip), 0);
    ck_assert(ip.v == ~(nsg_u128)0);
    ck_assert_int_eq(nsg_ip_parse("8000::", &ip), 0);
    ck_assert(ip.v == (nsg_u128)1 << 127);
}
END_TEST

START_TEST(test_ip_format)
{
    ck_assert_str_eq(ip_text("10.0.0.1"), "10.0.0.1");
    ck_assert_str_eq(ip_text("2001:0DB8:0000:0000:0000:0000:0000:0001"),
                     "2001:db8::1");
    ck_assert_str_eq(ip_text("2001:db8:0:0:1:0:0:1"), "2001:db8::1:0:0:1");
    ck_assert_str_eq(ip_text("fe80::1234:5678:9abc"), "fe80::1234:5678:9abc");
    ck_assert_str_eq(ip_text("::ffff:10.0.0.1"), "::ffff:10.0.0.1");
    ck_assert_str_eq(ip_text("::"), "::");
}
END_TEST

START_TEST(test_ip_cmp)
{
    struct nsg_ip a, b, c;
    ck_assert_int_eq(nsg_ip_parse("255.255.255.255", &a), 0);
    ck_assert_int_eq(nsg_ip_parse("::", &b), 0);
    ck_assert_int_eq(nsg_ip_parse("10.0.0.1", &c), 0);
    ck_assert_int_lt(nsg_ip_cmp(&a, &b), 0); /* IPv4 sorts first */
    ck_assert_int_gt(nsg_ip_cmp(&a, &c), 0);
    ck_assert_int_eq(nsg_ip_cmp(&c, &c), 0);
}
END_TEST

START_TEST(test_cidr_parse)
{
    ck_assert_str_eq(cidr_text("10.0.0.5/24"), "10.0.0.0/24");
    ck_assert_str_eq(cidr_text("10.0.0.5"), "10.0.0.5/32");
    ck_assert_str_eq(cidr_text("10.0.0.5/32"), "10.0.0.5/32");
    ck_assert_str_eq(cidr_text("255.255.255.255/0"), "0.0.0.0/0");
    ck_assert_str_eq(cidr_text("10.0.0.5/31"), "10.0.0.4/31");
    ck_assert_str_eq(cidr_text("2001:db8::1/64"), "2001:db8::/64");
    ck_assert_str_eq(cidr_text("2001:db8::1"), "2001:db8::1/128");
    ck_assert_str_eq(cidr_text("::/0"), "::/0");
    ck_assert_str_eq(cidr_text("ffff::1/1"), "8000::/1");
    ck_assert_str_eq(cidr_text("2001:db8::1/127"), "2001:db8::/127");
    static const char *const bad[] = {
        "10.0.0.0/33", "10.0.0.0/-1", "10.0.0.0/", "/24", "10.0.0.0/24/1",
        "10.0.0.0/ 8", "10.0.0.0/8 ", "2001:db8::/129", "10.0.0/8", "*",
        "VirtualNetwork", "10.0.0.0/8a", "10.0.0.0/0x8", "", "10.0.0.0/1000"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++)
        ck_assert_msg(!strcmp(cidr_text(bad[i]), "bad"), "'%s' parsed as %s",
                      bad[i], cidr_text(bad[i]));
}
END_TEST

START_TEST(test_cidr_bounds)
{
    struct nsg_cidr c;
    struct nsg_ip ip;
    ck_assert_int_eq(nsg_cidr_parse("0.0.0.0/0", &c), 0);
    ck_assert(nsg_cidr_lo(&c) == 0 && nsg_cidr_hi(&c) == 0xffffffffu);
    ck_assert_int_eq(nsg_cidr_parse("::/0", &c), 0);
    ck_assert(nsg_cidr_hi(&c) == ~(nsg_u128)0);
    ck_assert_int_eq(nsg_cidr_parse("10.1.2.3/32", &c), 0);
    ck_assert(nsg_cidr_lo(&c) == nsg_cidr_hi(&c));
    ck_assert_int_eq(nsg_cidr_parse("2001:db8::7/128", &c), 0);
    ck_assert(nsg_cidr_lo(&c) == nsg_cidr_hi(&c));
    ck_assert_int_eq(nsg_cidr_parse("192.168.0.0/16", &c), 0);
    ck_assert_int_eq(nsg_ip_parse("192.168.255.255", &ip), 0);
    ck_assert(nsg_cidr_contains(&c, &ip));
    ck_assert_int_eq(nsg_ip_parse("192.169.0.0", &ip), 0);
    ck_assert(!nsg_cidr_contains(&c, &ip));
    /* family matters: ::c0a8:1 is not 192.168.0.1 */
    ck_assert_int_eq(nsg_ip_parse("::c0a8:1", &ip), 0);
    ck_assert(!nsg_cidr_contains(&c, &ip));
    ck_assert(nsg_family_max(4) == 0xffffffffu);
    ck_assert(nsg_family_max(6) == ~(nsg_u128)0);
}
END_TEST

static void collect(const struct nsg_cidr *c, void *ctx)
{
    char s[NSG_CIDR_STRLEN];
    struct nsg_buf *b = ctx;
    nsg_cidr_format(c, s);
    nsg_buf_addf(b, "%s%s", b->len ? " " : "", s);
}

/* The set as its minimal prefixes, space-separated. */
static char *set_text(const struct nsg_addrset *s)
{
    struct nsg_buf b = NSG_BUF_INIT;
    nsg_buf_adds(&b, "");
    nsg_addrset_to_cidrs(s, collect, &b);
    return nsg_buf_detach(&b);
}

#define SET_EQ(s, want)                                                        \
    do {                                                                       \
        char *got_ = set_text(s);                                              \
        ck_assert_str_eq(got_, want);                                          \
        free(got_);                                                            \
    } while (0)

static void add(struct nsg_addrset *s, const char *cidr)
{
    struct nsg_cidr c;
    ck_assert_int_eq(nsg_cidr_parse(cidr, &c), 0);
    nsg_addrset_add_cidr(s, &c);
}

START_TEST(test_addrset_merge)
{
    struct nsg_addrset s = NSG_ADDRSET_INIT;
    ck_assert(nsg_addrset_is_empty(&s));
    add(&s, "10.0.1.0/24");
    add(&s, "10.0.0.0/24"); /* adjacent: merged */
    SET_EQ(&s, "10.0.0.0/23");
    ck_assert_uint_eq(s.n, 1);
    add(&s, "10.0.0.128/25"); /* inside */
    ck_assert_uint_eq(s.n, 1);
    add(&s, "2001:db8::/32");
    add(&s, "10.0.3.0/24");
    SET_EQ(&s, "10.0.0.0/23 10.0.3.0/24 2001:db8::/32");
    ck_assert_uint_eq(s.n, 3);
    ck_assert_int_eq(s.r[2].family, 6); /* IPv4 first */
    add(&s, "10.0.2.0/24");
    SET_EQ(&s, "10.0.0.0/22 2001:db8::/32");
    /* the top of the space does not wrap */
    add(&s, "255.255.255.255/32");
    add(&s, "0.0.0.0/32");
    SET_EQ(&s, "0.0.0.0/32 10.0.0.0/22 255.255.255.255/32 2001:db8::/32");
    nsg_addrset_clear(&s);
    ck_assert(nsg_addrset_is_empty(&s));
    nsg_addrset_add_all(&s, 0);
    SET_EQ(&s, "0.0.0.0/0 ::/0");
    nsg_addrset_release(&s);
}
END_TEST

START_TEST(test_addrset_subtract)
{
    struct nsg_addrset s = NSG_ADDRSET_INIT, o = NSG_ADDRSET_INIT;
    nsg_addrset_add_all(&s, 4);
    add(&o, "10.0.0.0/8");
    add(&o, "0.0.0.0/8");
    add(&o, "255.0.0.0/8");
    add(&o, "::/0"); /* other family: no effect on IPv4 */
    nsg_addrset_subtract(&s, &o);
    ck_assert_uint_eq(s.n, 2);
    struct nsg_ip ip;
    ck_assert_int_eq(nsg_ip_parse("9.255.255.255", &ip), 0);
    ck_assert(nsg_addrset_contains(&s, &ip));
    ck_assert_int_eq(nsg_ip_parse("10.0.0.0", &ip), 0);
    ck_assert(!nsg_addrset_contains(&s, &ip));
    ck_assert_int_eq(nsg_ip_parse("11.0.0.0", &ip), 0);
    ck_assert(nsg_addrset_contains(&s, &ip));
    ck_assert_int_eq(nsg_ip_parse("254.255.255.255", &ip), 0);
    ck_assert(nsg_addrset_contains(&s, &ip));
    ck_assert_int_eq(nsg_ip_parse("255.0.0.0", &ip), 0);
    ck_assert(!nsg_addrset_contains(&s, &ip));
    ck_assert_int_eq(nsg_ip_parse("0.0.0.1", &ip), 0);
    ck_assert(!nsg_addrset_contains(&s, &ip));
    /* subtracting everything leaves nothing */
    nsg_addrset_add_all(&o, 4);
    nsg_addrset_subtract(&s, &o);
    ck_assert(nsg_addrset_is_empty(&s));
    nsg_addrset_release(&s);
    nsg_addrset_release(&o);
}
END_TEST

START_TEST(test_addrset_ops)
{
    struct nsg_addrset a = NSG_ADDRSET_INIT, b = NSG_ADDRSET_INIT,
                       c = NSG_ADDRSET_INIT;
    add(&a, "10.0.0.0/24");
    add(&b, "10.0.1.0/24");
    add(&b, "fd00::/8");
    nsg_addrset_union(&a, &b);
    SET_EQ(&a, "10.0.0.0/23 fd00::/8");
    nsg_addrset_copy(&c, &a);
    ck_assert(nsg_addrset_equal(&a, &c));
    add(&c, "10.0.2.0/32");
    ck_assert(!nsg_addrset_equal(&a, &c));
    struct nsg_ip ip;
    ck_assert_int_eq(nsg_ip_parse("fdff:ffff::1", &ip), 0);
    ck_assert(nsg_addrset_contains(&c, &ip));
    ck_assert_int_eq(nsg_ip_parse("fe00::", &ip), 0);
    ck_assert(!nsg_addrset_contains(&c, &ip));
    ck_assert_int_eq(nsg_ip_parse("10.0.2.0", &ip), 0);
    ck_assert(nsg_addrset_contains(&c, &ip));
    ck_assert(!nsg_addrset_contains(&a, &ip));
    /* copy replaces the destination */
    nsg_addrset_copy(&c, &b);
    ck_assert(nsg_addrset_equal(&b, &c));
    nsg_addrset_release(&a);
    nsg_addrset_release(&b);
    nsg_addrset_release(&c);
}
END_TEST

START_TEST(test_addrset_to_cidrs)
{
    struct nsg_addrset s = NSG_ADDRSET_INIT;
    struct nsg_ip lo, hi;
    ck_assert_int_eq(nsg_ip_parse("10.0.0.1", &lo), 0);
    ck_assert_int_eq(nsg_ip_parse("10.0.0.6", &hi), 0);
    nsg_addrset_add_range(&s, 4, lo.v, hi.v);
    SET_EQ(&s, "10.0.0.1/32 10.0.0.2/31 10.0.0.4/31 10.0.0.6/32");
    nsg_addrset_clear(&s);
    nsg_addrset_add_range(&s, 4, 5, 4); /* empty range: ignored */
    ck_assert(nsg_addrset_is_empty(&s));
    nsg_addrset_add_range(&s, 6, ~(nsg_u128)0 - 2, ~(nsg_u128)0);
    SET_EQ(&s, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffd/128 "
               "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe/127");
    nsg_addrset_clear(&s);
    nsg_addrset_add_range(&s, 4, 1, 0xffffffffu);
    char *t = set_text(&s);
    ck_assert_ptr_nonnull(strstr(t, "128.0.0.0/1"));
    ck_assert_ptr_nonnull(strstr(t, "0.0.0.1/32"));
    free(t);
    nsg_addrset_release(&s);
}
END_TEST

static const char *port_text(const char *in)
{
    static char out[32];
    struct nsg_portrange p;
    if (nsg_portrange_parse(in, &p))
        return "bad";
    snprintf(out, sizeof(out), "%u-%u", p.lo, p.hi);
    return out;
}

START_TEST(test_ports)
{
    ck_assert_str_eq(port_text("*"), "0-65535");
    ck_assert_str_eq(port_text("22"), "22-22");
    ck_assert_str_eq(port_text("22-22"), "22-22");
    ck_assert_str_eq(port_text("0"), "0-0");
    ck_assert_str_eq(port_text("65535"), "65535-65535");
    ck_assert_str_eq(port_text("0-65535"), "0-65535");
    ck_assert_str_eq(port_text("1000-2000"), "1000-2000");
    static const char *const bad[] = {"65536", "2000-1000", "-1",  "a",
                                      "",      "1-",        "-5",  "1 - 2",
                                      "123456", "1-65536",  "22,80", "1.5",
                                      "**"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++)
        ck_assert_msg(!strcmp(port_text(bad[i]), "bad"), "'%s' parsed as %s",
                      bad[i], port_text(bad[i]));
    ck_assert_str_eq(port_text(NULL), "bad");
}
END_TEST

START_TEST(test_protocols)
{
    ck_assert_int_eq(nsg_proto_parse("Tcp"), NSG_PROTO_TCP);
    ck_assert_int_eq(nsg_proto_parse("TCP"), NSG_PROTO_TCP);
    ck_assert_int_eq(nsg_proto_parse("udp"), NSG_PROTO_UDP);
    ck_assert_int_eq(nsg_proto_parse("Icmp"), NSG_PROTO_ICMP);
    ck_assert_int_eq(nsg_proto_parse("Esp"), NSG_PROTO_ESP);
    ck_assert_int_eq(nsg_proto_parse("AH"), NSG_PROTO_AH);
    ck_assert_int_eq(nsg_proto_parse("*"), NSG_PROTO_ANY);
    ck_assert_int_eq(nsg_proto_parse("All"), NSG_PROTO_ANY);
    ck_assert_int_eq(nsg_proto_parse("0"), 0);
    ck_assert_int_eq(nsg_proto_parse("47"), 47);
    ck_assert_int_eq(nsg_proto_parse("255"), 255);
    ck_assert_int_eq(nsg_proto_parse("256"), -2);
    ck_assert_int_eq(nsg_proto_parse("-1"), -2);
    ck_assert_int_eq(nsg_proto_parse(""), -2);
    ck_assert_int_eq(nsg_proto_parse("foo"), -2);
    ck_assert_int_eq(nsg_proto_parse("1000"), -2);
    ck_assert_int_eq(nsg_proto_parse(NULL), -2);
    char buf[8];
    ck_assert_str_eq(nsg_proto_name(NSG_PROTO_ANY, buf), "*");
    ck_assert_str_eq(nsg_proto_name(6, buf), "Tcp");
    ck_assert_str_eq(nsg_proto_name(51, buf), "Ah");
    ck_assert_str_eq(nsg_proto_name(47, buf), "47");
    ck_assert(nsg_proto_has_ports(6) && nsg_proto_has_ports(17));
    ck_assert(!nsg_proto_has_ports(1) && !nsg_proto_has_ports(NSG_PROTO_ANY));
}
END_TEST

START_TEST(test_sha256_and_err)
{
    char hex[65];
    nsg_sha256_hex("abc", 3, hex);
    ck_assert_str_eq(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9c"
                          "b410ff61f20015ad");
    struct nsg_err err = NSG_ERR_INIT;
    ck_assert_int_eq(nsg_err_set(&err, NSG_E_INPUT, "bad %s", "cidr"),
                     NSG_E_INPUT);
    nsg_err_prefix(&err, "file.json: %s", "$.value[0]");
    ck_assert_str_eq(err.msg, "file.json: $.value[0]: bad cidr");
    ck_assert_int_eq(nsg_err_exit_status(NSG_E_INPUT), 2);
    ck_assert_int_eq(nsg_err_exit_status(NSG_E_UNKNOWN), 3);
    ck_assert_int_eq(nsg_err_set(NULL, NSG_E_IO, "x"), NSG_E_IO);
}
END_TEST

/* ---- the directory walker ---------------------------------------------- */

static char walk_root[64];

static void touch(const char *rel)
{
    char *p = g_build_filename(walk_root, rel, NULL);
    ck_assert(g_file_set_contents(p, "{}", 2, NULL));
    g_free(p);
}

static void mkdir_rel(const char *rel)
{
    char *p = g_build_filename(walk_root, rel, NULL);
    ck_assert_int_eq(mkdir(p, 0755), 0);
    g_free(p);
}

static void link_rel(const char *target, const char *rel)
{
    char *p = g_build_filename(walk_root, rel, NULL);
    ck_assert_int_eq(symlink(target, p), 0);
    g_free(p);
}

/* The walk of rel (under walk_root) as "a,b/c,..." relative names. */
static char *walk_names(const char *rel, const char *suffix, nsg_rc *rc)
{
    char *top = g_build_filename(walk_root, rel, NULL);
    GPtrArray *out = g_ptr_array_new_with_free_func(g_free);
    struct nsg_err err = NSG_ERR_INIT;
    GString *s = g_string_new(NULL);
    *rc = nsg_walk_files(top, suffix, out, &err);
    for (guint i = 0; i < out->len; i++) {
        const char *p = out->pdata[i];
        g_string_append_printf(s, "%s%s", i ? "," : "",
                               p + strlen(walk_root) + 1);
    }
    if (*rc)
        g_string_append_printf(s, "|%s", err.msg + strlen(walk_root) + 1);
    g_ptr_array_free(out, TRUE);
    g_free(top);
    return g_string_free(s, FALSE);
}

START_TEST(test_walk)
{
    nsg_rc rc;
    char *got;
    snprintf(walk_root, sizeof(walk_root), "/tmp/check_walk.XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(walk_root));
    mkdir_rel("t");
    mkdir_rel("t/b");
    mkdir_rel("t/.git");
    touch("t/z.json");
    touch("t/a.json");
    touch("t/b/c.json");
    touch("t/b/notes.txt");
    touch("t/.hidden.json");
    touch("t/.git/config.json");
    char *fifo = g_build_filename(walk_root, "t/fifo", NULL);
    ck_assert_int_eq(mkfifo(fifo, 0600), 0);
    g_free(fifo);
    /* links: a loop back to the top and a second way to b/ */
    link_rel("..", "t/b/up");
    link_rel("b", "t/b2");

    /* sorted, depth first, hidden and non-regular entries skipped, each
     * directory read once however many links lead to it */
    got = walk_names("t", NULL, &rc);
    ck_assert_int_eq(rc, NSG_OK);
    ck_assert_str_eq(got, "t/a.json,t/b/c.json,t/b/notes.txt,t/z.json");
    g_free(got);
    /* a suffix filters what directories hold */
    got = walk_names("t", ".json", &rc);
    ck_assert_str_eq(got, "t/a.json,t/b/c.json,t/z.json");
    g_free(got);
    /* a path that is not a directory is taken as given, hidden or not */
    got = walk_names("t/.hidden.json", ".txt", &rc);
    ck_assert_int_eq(rc, NSG_OK);
    ck_assert_str_eq(got, "t/.hidden.json");
    g_free(got);
    /* a hidden directory named by the caller is read */
    got = walk_names("t/.git", NULL, &rc);
    ck_assert_str_eq(got, "t/.git/config.json");
    g_free(got);
    /* a dangling link is an error naming it; a missing path too */
    link_rel("nowhere", "t/b/dangling");
    got = walk_names("t", NULL, &rc);
    ck_assert_int_eq(rc, NSG_E_IO);
    ck_assert_msg(strstr(got, "|t/b/dangling: No such file or directory"),
                  "%s", got);
    g_free(got);
    got = walk_names("missing", NULL, &rc);
    ck_assert_int_eq(rc, NSG_E_IO);
    ck_assert_str_eq(got, "|missing: No such file or directory");
    g_free(got);
    char *cmd = g_strdup_printf("rm -rf '%s'", walk_root);
    ck_assert_int_eq(system(cmd), 0);
    g_free(cmd);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("common");
    TCase *tc = tcase_create("parsing");
    tcase_add_test(tc, test_ip_parse);
    tcase_add_test(tc, test_ip_format);
    tcase_add_test(tc, test_ip_cmp);
    tcase_add_test(tc, test_cidr_parse);
    tcase_add_test(tc, test_cidr_bounds);
    tcase_add_test(tc, test_addrset_merge);
    tcase_add_test(tc, test_addrset_subtract);
    tcase_add_test(tc, test_addrset_ops);
    tcase_add_test(tc, test_addrset_to_cidrs);
    tcase_add_test(tc, test_ports);
    tcase_add_test(tc, test_protocols);
    tcase_add_test(tc, test_sha256_and_err);
    tcase_add_test(tc, test_walk);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
