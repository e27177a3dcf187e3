/* check_aggregate.c - unit tests of the aggregate interchange format
 * (aggregate/): every accepted spelling of every column turned into the
 * flow a hand reading gives, every bad value refused naming its column,
 * CSV (BOM, CRLF, quoting, blank lines, extra and reordered columns, rows
 * across read-buffer boundaries) and JSON (Lines, pretty objects, az
 * arrays with "None") read with the right line numbers, malformed files
 * refused with file and line, and sniffing. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../aggregate/agg_int.h"

static char tmp[256];

static void mk_tmp(void)
{
    snprintf(tmp, sizeof(tmp), "/tmp/check_aggregate.XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(tmp));
}

static void rm_tmp(void)
{
    char cmd[300];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp);
    ck_assert_int_eq(system(cmd), 0);
}

static char *write_file(const char *name, const char *text)
{
    char *p = g_build_filename(tmp, name, NULL);
    ck_assert(g_file_set_contents(p, text, -1, NULL));
    return p;
}

/* ---- rows ---------------------------------------------------------------- */

/* A row with every column set (as "k=v;k=v" overrides on a base row). */
static nsg_rc parse_row(const char *overrides, struct nsg_flow *f,
                        char scratch[512], struct nsg_err *err)
{
    static char store[NSG_AGG_NCOLS][256];
    static const char *const base[NSG_AGG_NCOLS] = {
        "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/"
        "networkSecurityGroups/web-nsg",
        "00-0d-3a-2b-10-04", "I", "6", "203.0.113.7", "10.0.1.4", "22",
        "40000", "40010", "A", "UserRule_AllowSSH", "3", "1", "10", "1000",
        "12", "2000", "1763643651000", "1763643700999"};
    struct nsg_agg_text t;
    for (int c = 0; c < NSG_AGG_NCOLS; c++) {
        snprintf(store[c], sizeof(store[c]), "%s", base[c]);
        t.v[c] = store[c];
    }
    char *copy = g_strdup(overrides ? overrides : "");
    for (char *tok = strtok(copy, ";"); tok; tok = strtok(NULL, ";")) {
        char *eq = strchr(tok, '=');
        ck_assert_ptr_nonnull(eq);
        *eq = '\0';
        int c = nsg_agg_column_find(tok, strlen(tok));
        ck_assert_msg(c >= 0, "no column %s", tok);
        snprintf(store[c], sizeof(store[c]), "%s", eq + 1);
    }
    g_free(copy);
    return nsg_agg_row_parse(&t, f, scratch, err);
}

START_TEST(row_base)
{
    struct nsg_flow f;
    struct nsg_err err = NSG_ERR_INIT;
    char scratch[512];
    ck_assert_msg(parse_row(NULL, &f, scratch, &err) == 0, "%s", err.msg);
    ck_assert_int_eq(f.version, NSG_FLOW_AGGREGATE);
    ck_assert_str_eq(f.nsg_id, "/subscriptions/s/resourceGroups/rg/providers/"
                               "Microsoft.Network/networkSecurityGroups/"
                               "web-nsg");
    ck_assert_ptr_null(f.acl_id);
    ck_assert_str_eq(f.mac, "000D3A2B1004");
    ck_assert_int_eq(f.dir, NSG_DIR_IN);
    ck_assert_int_eq(f.proto, 6);
    ck_assert_int_eq(f.src.family, 4);
    ck_assert(f.src.v == ((nsg_u128)203 << 24 | 113 << 8 | 7));
    ck_assert_uint_eq(f.dport, 22);
    ck_assert_uint_eq(f.sport, 40000);
    ck_assert_uint_eq(f.sport_span, 10);
    ck_assert_int_eq(f.decision, 'A');
    ck_assert_int_eq(f.state, 0);
    ck_assert_str_eq(f.rule, "UserRule_AllowSSH");
    ck_assert_uint_eq(f.count, 3);
    ck_assert_uint_eq(f.flows, 1);
    ck_assert_uint_eq(f.packets_sd, 10);
    ck_assert_uint_eq(f.bytes_sd, 1000);
    ck_assert_uint_eq(f.packets_ds, 12);
    ck_assert_uint_eq(f.bytes_ds, 2000);
    ck_assert_int_eq(f.first_seen, 1763643651); /* milliseconds dropped */
    ck_assert_int_eq(f.last_seen, 1763643700);
    ck_assert_uint_eq(f.unknown, 0);
}
END_TEST

/* Each accepted spelling, and what it means. */
START_TEST(row_spellings)
{
    struct nsg_flow f;
    struct nsg_err err = NSG_ERR_INIT;
    char scratch[512];
#define OK(o) ck_assert_msg(parse_row(o, &f, scratch, &err) == 0, "%s: %s", o, \
                            err.msg)
    OK("nsg=sub1/rg-demo/WEB-NSG");
    ck_assert_str_eq(f.nsg_id, "/subscriptions/sub1/resourceGroups/rg-demo/"
                               "providers/Microsoft.Network/"
                               "networkSecurityGroups/WEB-NSG");
    OK("nsg=11111111-2222-3333-4444-555555555555");
    ck_assert_ptr_null(f.nsg_id);
    ck_assert_str_eq(f.acl_id, "11111111-2222-3333-4444-555555555555");
    OK("nsg=/SUBSCRIPTIONS/S/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.NETWORK/"
       "NETWORKSECURITYGROUPS/WEB-NSG");
    ck_assert_str_eq(f.nsg_id, "/SUBSCRIPTIONS/S/RESOURCEGROUPS/RG/PROVIDERS/"
                               "MICROSOFT.NETWORK/NETWORKSECURITYGROUPS/WEB-NSG");
    OK("nsg=");
    ck_assert_ptr_null(f.nsg_id);
    ck_assert_ptr_null(f.acl_id);
    OK("mac=00:0d:3a:2b:10:04");
    ck_assert_str_eq(f.mac, "000D3A2B1004");
    OK("mac=000d3a2b1004");
    ck_assert_str_eq(f.mac, "000D3A2B1004");
    OK("mac=");
    ck_assert_str_eq(f.mac, "");
    OK("direction=Outbound");
    ck_assert_int_eq(f.dir, NSG_DIR_OUT);
    OK("direction=o");
    ck_assert_int_eq(f.dir, NSG_DIR_OUT);
    OK("direction=inbound");
    ck_assert_int_eq(f.dir, NSG_DIR_IN);
    OK("protocol=T");
    ck_assert_int_eq(f.proto, 6);
    OK("protocol=U");
    ck_assert_int_eq(f.proto, 17);
    OK("protocol=Udp");
    ck_assert_int_eq(f.proto, 17);
    OK("protocol=TCP");
    ck_assert_int_eq(f.proto, 6);
    OK("protocol=1;dst_port=");
    ck_assert_int_eq(f.proto, 1);
    ck_assert_uint_eq(f.dport, 0);
    OK("protocol=47;dst_port=0");
    ck_assert_int_eq(f.proto, 47);
    OK("decision=Denied");
    ck_assert_int_eq(f.decision, 'D');
    OK("decision=allowed");
    ck_assert_int_eq(f.decision, 'A');
    OK("decision=d");
    ck_assert_int_eq(f.decision, 'D');
    OK("src_ip=2001:db8::7;dst_ip=2001:db8:1::4");
    ck_assert_int_eq(f.src.family, 6);
    /* unknown source-port bounds are the widest */
    OK("src_port_min=;src_port_max=");
    ck_assert_uint_eq(f.sport, 0);
    ck_assert_uint_eq(f.sport_span, 65535);
    OK("src_port_min=;src_port_max=1023");
    ck_assert_uint_eq(f.sport, 0);
    ck_assert_uint_eq(f.sport_span, 1023);
    OK("src_port_min=1024;src_port_max=");
    ck_assert_uint_eq(f.sport, 1024);
    ck_assert_uint_eq(f.sport_span, 65535 - 1024);
    OK("rule=");
    ck_assert_ptr_null(f.rule);
    /* unknown tuples: weighed by flows, else 1 */
    OK("tuples=;flows=7");
    ck_assert_uint_eq(f.count, 7);
    ck_assert_uint_eq(f.unknown, NSG_FLOW_NO_TUPLES);
    OK("tuples=;flows=");
    ck_assert_uint_eq(f.count, 1);
    ck_assert_uint_eq(f.unknown, NSG_FLOW_NO_TUPLES | NSG_FLOW_NO_FLOWS);
    OK("tuples=;flows=0");
    ck_assert_uint_eq(f.count, 1);
    ck_assert_uint_eq(f.flows, 0);
    ck_assert_uint_eq(f.unknown, NSG_FLOW_NO_TUPLES);
    /* the counters are known together or not at all */
    OK("bytes_dst_src=");
    ck_assert_uint_eq(f.unknown, NSG_FLOW_NO_COUNTERS);
    ck_assert_uint_eq(f.packets_sd, 10);
    OK("packets_src_dst=;bytes_src_dst=;packets_dst_src=;bytes_dst_src=");
    ck_assert_uint_eq(f.unknown, NSG_FLOW_NO_COUNTERS);
    /* engines summing in doubles write 12.0 */
    OK("tuples=12.0;bytes_src_dst=1000.000");
    ck_assert_uint_eq(f.count, 12);
    ck_assert_uint_eq(f.bytes_sd, 1000);
    OK("tuples=18446744073709551615");
    ck_assert(f.count == UINT64_MAX);
    OK("first_seen_ms=2026-11-20T13:00:51.123Z;last_seen_ms=2026-11-20T14:00:00Z");
    ck_assert_int_eq(f.first_seen, 1795179651);
    ck_assert_int_eq(f.last_seen, 1795183200);
    OK("last_seen_ms=");
    ck_assert_int_eq(f.last_seen, f.first_seen);
#undef OK
}
END_TEST

/* Every bad value is refused, naming its column. */
START_TEST(row_errors)
{
    static const struct {
        const char *row, *want;
    } cases[] = {
        {"nsg=web-nsg", "column nsg"},
        {"nsg=a//c", "column nsg"},
        {"mac=00-0d-3a", "column mac"},
        {"direction=", "column direction: a value is required"},
        {"direction=sideways", "column direction"},
        {"protocol=", "column protocol: a value is required"},
        {"protocol=*", "column protocol"},
        {"protocol=256", "column protocol"},
        {"src_ip=", "column src_ip: a value is required"},
        {"src_ip=10.0.0.256", "column src_ip"},
        {"dst_ip=host", "column dst_ip"},
        {"dst_ip=2001:db8::1", "different address families"},
        {"dst_port=", "dst_port: a value is required for Tcp and Udp"},
        {"dst_port=65536", "column dst_port"},
        {"dst_port=-1", "column dst_port"},
        {"src_port_min=70000", "column src_port_min"},
        {"src_port_max=x", "column src_port_max"},
        {"src_port_min=2000;src_port_max=1000", "above src_port_max"},
        {"decision=", "column decision: a value is required"},
        {"decision=Maybe", "column decision"},
        {"tuples=0", "column tuples"},
        {"tuples=1.5", "column tuples"},
        {"tuples=18446744073709551616", "column tuples"},
        {"flows=-2", "column flows"},
        {"bytes_src_dst=1e9", "column bytes_src_dst"},
        {"first_seen_ms=", "column first_seen_ms: a value is required"},
        {"first_seen_ms=1763643651", "seconds?"},
        {"first_seen_ms=yesterday", "column first_seen_ms"},
        {"last_seen_ms=2026-13-01T00:00:00Z", "column last_seen_ms"},
        {"last_seen_ms=1763643000000", "before first_seen_ms"},
    };
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        struct nsg_flow f;
        struct nsg_err err = NSG_ERR_INIT;
        char scratch[512];
        ck_assert_msg(parse_row(cases[i].row, &f, scratch, &err) ==
                          NSG_E_INPUT,
                      "%s was accepted", cases[i].row);
        ck_assert_msg(strstr(err.msg, cases[i].want), "%s: '%s' lacks '%s'",
                      cases[i].row, err.msg, cases[i].want);
    }
}
END_TEST

/* ---- files --------------------------------------------------------------- */

/* Read every row of path; lines[] gets each row's line. */
static int read_all(const char *path, struct nsg_flow *rows, uint64_t *lines,
                    int max, struct nsg_err *err)
{
    struct nsg_agg_reader *rd;
    int n = 0, k;
    if (nsg_agg_open(path, &rd, err))
        return -1;
    while ((k = nsg_agg_next(rd, &rows[n < max ? n : max - 1], err)) == 1) {
        if (n < max)
            lines[n] = nsg_agg_reader_line(rd);
        n++;
    }
    nsg_agg_close(rd);
    return k < 0 ? -1 : n;
}

#define HDR                                                                   \
    "nsg,mac,direction,protocol,src_ip,dst_ip,dst_port,src_port_min,"        \
    "src_port_max,decision,rule,tuples,flows,packets_src_dst,bytes_src_dst," \
    "packets_dst_src,bytes_dst_src,first_seen_ms,last_seen_ms"

START_TEST(csv_shapes)
{
    /* BOM, CRLF, a reordered header with an extra column, quoted fields
     * (comma, doubled quote, a line break in the extra column), blank
     * lines, blanks around values, no final line break */
    char *p = write_file(
        "shapes.csv",
        "\xEF\xBB\xBF"
        "note,first_seen_ms,src_ip,dst_ip,direction,protocol,decision,"
        "dst_port,rule\r\n"
        "\"a, b\",1763643651000,10.0.0.1,10.0.0.2,I,T,A,443,\"Rule \"\"x\"\"\"\r\n"
        "\r\n"
        "\"two\r\nlines\", 1763643652000 ,10.0.0.3,10.0.0.4,O,U,D,53,\r\n"
        "\n"
        "plain,1763643653000,10.0.0.5,10.0.0.6,I,6,A,22,UserRule_A");
    struct nsg_flow rows[4];
    uint64_t lines[4];
    struct nsg_err err = NSG_ERR_INIT;
    ck_assert_int_eq(read_all(p, rows, lines, 4, &err), 3);
    ck_assert_uint_eq(lines[0], 2);
    ck_assert_uint_eq(lines[1], 4);
    ck_assert_uint_eq(lines[2], 7);
    ck_assert_int_eq(rows[1].first_seen, 1763643652);
    ck_assert_int_eq(rows[1].proto, 17);
    ck_assert_int_eq(rows[1].dir, NSG_DIR_OUT);
    /* absent columns are unknown: all source ports, no sums */
    ck_assert_uint_eq(rows[2].sport, 0);
    ck_assert_uint_eq(rows[2].sport_span, 65535);
    ck_assert_uint_eq(rows[2].unknown, NSG_FLOW_UNKNOWN_ALL);
    g_free(p);
    /* the rule of the first row, with its doubled quotes undone (the
     * strings of a row live until the next call: read it alone) */
    p = write_file("one.csv", "rule,first_seen_ms,src_ip,dst_ip,direction,"
                              "protocol,decision,dst_port\n"
                              "\"Rule \"\"x\"\", y\",1763643651000,10.0.0.1,"
                              "10.0.0.2,I,T,A,443\n");
    struct nsg_agg_reader *rd;
    struct nsg_flow f;
    ck_assert_int_eq(nsg_agg_open(p, &rd, &err), 0);
    ck_assert_int_eq(nsg_agg_reader_shape(rd), NSG_AGG_CSV);
    ck_assert_int_eq(nsg_agg_next(rd, &f, &err), 1);
    ck_assert_str_eq(f.rule, "Rule \"x\", y");
    ck_assert_int_eq(nsg_agg_next(rd, &f, &err), 0);
    nsg_agg_close(rd);
    g_free(p);
}
END_TEST

/* Rows cross the 4 MiB read buffer: none lost, none split, lines right. */
START_TEST(csv_large)
{
    const int N = 120000;
    GString *g = g_string_new(HDR "\n");
    for (int i = 0; i < N; i++)
        g_string_append_printf(
            g, "sub/rg/nsg%d,000D3A%06X,I,6,10.%d.%d.%d,10.255.0.1,443,%d,%d,"
               "A,UserRule_R%d,%d,1,1,2,3,4,%lld,%lld\n",
            i % 7, i, (i >> 16) & 255, (i >> 8) & 255, i & 255, i % 60000,
            i % 60000 + i % 3, i % 11, 1 + i % 5, 1763643651000LL + i,
            1763643651000LL + 2 * i);
    char *p = write_file("large.csv", g->str);
    g_string_free(g, TRUE);
    struct nsg_agg_reader *rd;
    struct nsg_flow f;
    struct nsg_err err = NSG_ERR_INIT;
    int n = 0, k;
    uint64_t tuples = 0;
    ck_assert_int_eq(nsg_agg_open(p, &rd, &err), 0);
    while ((k = nsg_agg_next(rd, &f, &err)) == 1) {
        ck_assert_uint_eq(nsg_agg_reader_line(rd), (uint64_t)n + 2);
        ck_assert_uint_eq(f.sport, (unsigned)(n % 60000));
        ck_assert_uint_eq(f.sport_span, (unsigned)(n % 3));
        ck_assert(f.src.v == (nsg_u128)(10u << 24 | (unsigned)n));
        tuples += f.count;
        n++;
    }
    ck_assert_msg(k == 0, "%s", err.msg);
    ck_assert_int_eq(n, N);
    uint64_t want = 0;
    for (int i = 0; i < N; i++)
        want += 1 + i % 5;
    ck_assert_uint_eq(tuples, want);
    nsg_agg_close(rd);
    g_free(p);
}
END_TEST

/* Malformed CSV: refused with the file and the line. */
START_TEST(csv_errors)
{
    static const struct {
        const char *text, *want;
    } cases[] = {
        {"", "empty"},
        {"src_ip,dst_ip\n10.0.0.1,10.0.0.2\n",
         "line 1: the header has no column direction"},
        {HDR ",src_ip\n", "line 1: the header names column src_ip twice"},
        {HDR "\n\n,,I,6,10.0.0.1,10.0.0.2,22,,,A,,,,,,,,1763643651000,\n"
             ",,I,6,10.0.0.1\n",
         "line 4: 5 fields, the header has 19"},
        {HDR "\n,,I,6,10.0.0.1,10.0.0.2,22,,,A,\"open,,,,,,,1763643651000,\n",
         "line 2: a quoted field is not closed"},
        {HDR "\n,,I,6,10.0.0.1,10.0.0.2,22,,,A,\"r\"x,,,,,,,1763643651000,\n",
         "line 2: text after the closing quote"},
        {HDR "\n,,I,6,10.0.0.1,10.0.0.2,22,,,A,r\"x,,,,,,,1763643651000,\n",
         "line 2: a quote inside a field"},
        {HDR "\n,,I,6,10.0.0.1,10.0.0.2,22,,,A,,,,,,,,1763643651000,\n"
             ",,X,6,10.0.0.1,10.0.0.2,22,,,A,,,,,,,,1763643651000,\n",
         "line 3: column direction"},
    };
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        char name[32];
        snprintf(name, sizeof(name), "bad%zu.csv", i);
        char *p = write_file(name, cases[i].text);
        struct nsg_flow rows[4];
        uint64_t lines[4];
        struct nsg_err err = NSG_ERR_INIT;
        ck_assert_msg(read_all(p, rows, lines, 4, &err) < 0, "case %zu read",
                      i);
        ck_assert_msg(strstr(err.msg, name), "case %zu: '%s' lacks the file",
                      i, err.msg);
        ck_assert_msg(strstr(err.msg, cases[i].want), "case %zu: '%s' lacks '%s'",
                      i, err.msg, cases[i].want);
        g_free(p);
    }
}
END_TEST

START_TEST(json_shapes)
{
    /* JSON Lines: numbers, strings, null, extra keys, a pretty object */
    char *p = write_file(
        "rows.jsonl",
        "{\"src_ip\":\"10.0.0.1\",\"dst_ip\":\"10.0.0.2\",\"direction\":\"I\","
        "\"protocol\":6,\"dst_port\":443,\"decision\":\"A\",\"tuples\":5,"
        "\"flows\":null,\"first_seen_ms\":1763643651000,\"extra\":[1,2]}\n"
        "\n"
        "{\n  \"src_ip\": \"10.0.0.3\",\n  \"dst_ip\": \"10.0.0.4\",\n"
        "  \"direction\": \"Outbound\",\n  \"protocol\": \"Udp\",\n"
        "  \"dst_port\": \"53\",\n  \"decision\": \"Denied\",\n"
        "  \"rule\": \"None\",\n  \"first_seen_ms\": \"1763643652000\"\n}\n");
    struct nsg_flow rows[3];
    uint64_t lines[3];
    struct nsg_err err = NSG_ERR_INIT;
    ck_assert_msg(read_all(p, rows, lines, 3, &err) == 2, "%s", err.msg);
    ck_assert_uint_eq(lines[0], 1);
    ck_assert_uint_eq(lines[1], 3);
    ck_assert_uint_eq(rows[0].count, 5);
    ck_assert_uint_eq(rows[0].unknown, NSG_FLOW_NO_FLOWS | NSG_FLOW_NO_COUNTERS);
    ck_assert_int_eq(rows[1].proto, 17);
    g_free(p);
    /* in JSON Lines "None" is a rule name; in an az array it is a null */
    p = write_file("none.jsonl",
                   "{\"src_ip\":\"10.0.0.1\",\"dst_ip\":\"10.0.0.2\","
                   "\"direction\":\"I\",\"protocol\":6,\"dst_port\":443,"
                   "\"decision\":\"A\",\"rule\":\"None\","
                   "\"first_seen_ms\":1763643651000}\n");
    struct nsg_agg_reader *rd;
    ck_assert_int_eq(nsg_agg_open(p, &rd, &err), 0);
    ck_assert_int_eq(nsg_agg_reader_shape(rd), NSG_AGG_JSONL);
    ck_assert_int_eq(nsg_agg_next(rd, &rows[0], &err), 1);
    ck_assert_str_eq(rows[0].rule, "None");
    nsg_agg_close(rd);
    g_free(p);
    p = write_file(
        "az.json",
        "[\n  {\n    \"TableName\": \"PrimaryResult\",\n"
        "    \"nsg\": \"sub/rg/web-nsg\",\n    \"mac\": \"00-0D-3A-2B-10-04\",\n"
        "    \"direction\": \"Inbound\",\n    \"protocol\": \"T\",\n"
        "    \"src_ip\": \"203.0.113.7\",\n    \"dst_ip\": \"10.0.1.4\",\n"
        "    \"dst_port\": \"22\",\n    \"src_port_min\": \"0\",\n"
        "    \"src_port_max\": \"65535\",\n    \"decision\": \"Allowed\",\n"
        "    \"rule\": \"None\",\n    \"tuples\": \"None\",\n"
        "    \"flows\": \"4\",\n    \"packets_src_dst\": \"None\",\n"
        "    \"first_seen_ms\": \"1763643651000\",\n"
        "    \"last_seen_ms\": \"1763647199000\"\n  },\n"
        "  {\"src_ip\": \"10.0.0.1\", \"dst_ip\": \"10.0.0.2\", "
        "\"direction\": \"O\", \"protocol\": \"1\", \"dst_port\": \"None\", "
        "\"decision\": \"D\", \"first_seen_ms\": \"1763643651000\"}\n]\n");
    ck_assert_msg(read_all(p, rows, lines, 3, &err) == 2, "%s", err.msg);
    ck_assert_uint_eq(lines[0], 2);
    ck_assert_uint_eq(lines[1], 21);
    ck_assert_int_eq(nsg_agg_open(p, &rd, &err), 0);
    ck_assert_int_eq(nsg_agg_reader_shape(rd), NSG_AGG_ARRAY);
    ck_assert_int_eq(nsg_agg_next(rd, &rows[0], &err), 1);
    ck_assert_ptr_null(rows[0].rule);
    ck_assert_uint_eq(rows[0].count, 4);
    ck_assert_uint_eq(rows[0].unknown,
                      NSG_FLOW_NO_TUPLES | NSG_FLOW_NO_COUNTERS);
    ck_assert_str_eq(rows[0].nsg_id,
                     "/subscriptions/sub/resourceGroups/rg/providers/"
                     "Microsoft.Network/networkSecurityGroups/web-nsg");
    ck_assert_uint_eq(rows[0].sport_span, 65535);
    nsg_agg_close(rd);
    g_free(p);
}
END_TEST

START_TEST(json_errors)
{
    static const char row[] =
        "\"src_ip\":\"10.0.0.1\",\"dst_ip\":\"10.0.0.2\",\"direction\":\"I\","
        "\"protocol\":6,\"dst_port\":443,\"decision\":\"A\","
        "\"first_seen_ms\":1763643651000";
    static const struct {
        const char *head, *mid, *tail, *want;
    } cases[] = {
        {"{", ",\"tuples\":true}\n", "", "line 1: key \"tuples\": not a"},
        {"{", ",\"src_ip\":\"10.0.0.9\"}\n", "", "line 1: key \"src_ip\" given twice"},
        {"{", "}\n{", ", \"x\": }\n", "line 2: not a valid JSON object"},
        {"{", "}\n\n[1]\n", "", "line 3: expected a JSON object"},
        {"[{", "}", "", "the array is not closed"},
        {"[{", "} {", "}]", "line 1: expected ',' or ']'"},
        {"[{", "}]\n{", "}", "line 2: text after the end of the array"},
        {"[{", "},\n", "]", "line 2: expected an object"},
        {"{", "}\n{\"src_ip\":\n", "", "line 2: an object is not closed"},
        {"{", ",\"mac\":\"zz\"}\n", "", "line 1: column mac"},
    };
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        char name[32];
        snprintf(name, sizeof(name), "bad%zu.json", i);
        char *text = g_strconcat(cases[i].head, row, cases[i].mid,
                                 cases[i].tail[0] ? row : "", cases[i].tail,
                                 NULL);
        char *p = write_file(name, text);
        struct nsg_flow rows[4];
        uint64_t lines[4];
        struct nsg_err err = NSG_ERR_INIT;
        ck_assert_msg(read_all(p, rows, lines, 4, &err) < 0, "case %zu read",
                      i);
        ck_assert_msg(strstr(err.msg, name), "case %zu: '%s' lacks the file",
                      i, err.msg);
        ck_assert_msg(strstr(err.msg, cases[i].want), "case %zu: '%s' lacks '%s'",
                      i, err.msg, cases[i].want);
        g_free(p);
        g_free(text);
    }
}
END_TEST

START_TEST(sniffing)
{
    static const struct {
        const char *head;
        bool is;
    } cases[] = {
        {HDR "\n", true},
        {"\xEF\xBB\xBF" HDR "\r\n", true},
        {"\"src_ip\",\"dst_ip\",\"x\"\n", true},
        {"note,SRC_IP , dst_ip\n", true},
        {"src_ip,destination\n", false},
        {"a,b\nsrc_ip,dst_ip\n", false}, /* only the first line counts */
        {"{\"src_ip\":\"1.2.3.4\", \"dst_ip\" : \"1.2.3.5\"}", true},
        {"  [ {\"src_ip\":\"1.2.3.4\",\"dst_ip\":\"1.2.3.5\"}]", true},
        {"[1,2]", false},
        {"{\"records\":[{\"flowTuples\":[\"1,src_ip,dst_ip\"]}]}", false},
        {"{\"value\":[]}", false},
        {"", false},
    };
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++)
        ck_assert_msg(nsg_agg_sniff(cases[i].head, strlen(cases[i].head)) ==
                          cases[i].is,
                      "case %zu: %s", i, cases[i].head);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("aggregate");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, mk_tmp, rm_tmp);
    tcase_add_test(tc, row_base);
    tcase_add_test(tc, row_spellings);
    tcase_add_test(tc, row_errors);
    tcase_add_test(tc, csv_shapes);
    tcase_add_test(tc, csv_large);
    tcase_add_test(tc, csv_errors);
    tcase_add_test(tc, json_shapes);
    tcase_add_test(tc, json_errors);
    tcase_add_test(tc, sniffing);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(suite());
    int failed;
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
