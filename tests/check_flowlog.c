/* check_flowlog.c - unit tests of flow-log ingest: the tuple tokenizer, the
 * record walker, the streaming scanner (open blobs, fragments, NDJSON, BOM,
 * trailing commas, corrupt records), and imports into a corpus (counts,
 * aggregation, growing blobs, idempotent re-import, checkpoint fallback,
 * unknown NSGs/MACs, admin rules, spills, a killed import). */
#include <check.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <arpa/inet.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../importer/imp_flowlog.h"
#include "../importer/imp_jstr.h"
#include "lib/topo_build.h"

#define NSG_A                                                                  \
    "/SUBSCRIPTIONS/00000000-0000-0000-0000-000000000000/"                     \
    "RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.NETWORK/"                           \
    "NETWORKSECURITYGROUPS/WEB-NSG"
#define NSG_B                                                                  \
    "/SUBSCRIPTIONS/00000000-0000-0000-0000-000000000000/"                     \
    "RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.NETWORK/"                           \
    "NETWORKSECURITYGROUPS/APP-NSG"

static char tmp[256];

static void mk_tmp(void)
{
    snprintf(tmp, sizeof(tmp), "/tmp/check_flowlog.XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(tmp));
}

static void rm_tmp(void)
{
    char cmd[300];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp);
    ck_assert_int_eq(system(cmd), 0);
}

static char *path_in(const char *rel)
{
    char *p = g_build_filename(tmp, rel, NULL);
    char *d = g_path_get_dirname(p);
    g_mkdir_with_parents(d, 0755);
    g_free(d);
    return p;
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    ck_assert_int_eq(fclose(f), 0);
}

/* ---- tokenizer ---------------------------------------------------------- */

static int tok(const char *s, enum nsg_imp_fl_kind k, struct nsg_imp_fl_tuple *t,
               const char **why)
{
    return nsg_imp_fl_tuple_parse(s, strlen(s), k, t, why);
}

START_TEST(tuple_v1_every_field)
{
    struct nsg_imp_fl_tuple t;
    const char *why = NULL;
    ck_assert_int_eq(tok("1763643651,203.0.113.7,10.0.1.4,51234,22,T,I,A",
                         NSG_IMP_FL_KIND_NSG, &t, &why),
                     0);
    ck_assert_int_eq(t.time, 1763643651);
    ck_assert_int_eq(t.src.family, 4);
    ck_assert(t.src.v == ((203u << 24) | (113u << 8) | 7u));
    ck_assert(t.dst.v == ((10u << 24) | (1u << 8) | 4u));
    ck_assert_int_eq(t.sport, 51234);
    ck_assert_int_eq(t.dport, 22);
    ck_assert_int_eq(t.proto, NSG_PROTO_TCP);
    ck_assert_int_eq(t.dir, NSG_DIR_IN);
    ck_assert_int_eq(t.decision, 'A');
    ck_assert_int_eq(t.state, 0);
    ck_assert_int_eq(t.version, 1);
    ck_assert_int_eq(
        tok("5,1.2.3.4,5.6.7.8,53,1053,U,O,D", NSG_IMP_FL_KIND_NSG, &t, &why), 0);
    ck_assert_int_eq(t.proto, NSG_PROTO_UDP);
    ck_assert_int_eq(t.dir, NSG_DIR_OUT);
    ck_assert_int_eq(t.decision, 'D');
}
END_TEST

START_TEST(tuple_v2_begin_and_end)
{
    struct nsg_imp_fl_tuple t;
    const char *why = NULL;
    ck_assert_int_eq(tok("1763643651,203.0.113.7,10.0.1.4,51234,22,T,I,A,B,,,,",
                         NSG_IMP_FL_KIND_NSG, &t, &why),
                     0);
    ck_assert_int_eq(t.version, 2);
    ck_assert_int_eq(t.state, 'B');
    for (int i = 0; i < 4; i++)
        ck_assert_uint_eq(t.c[i], 0);
    ck_assert_int_eq(tok("1763643951,10.0.1.4,52.1.2.3,40000,443,T,O,A,E,"
                         "12,3400,10,1234567890123",
                         NSG_IMP_FL_KIND_NSG, &t, &why),
                     0);
    ck_assert_int_eq(t.state, 'E');
    ck_assert_uint_eq(t.c[0], 12);
    ck_assert_uint_eq(t.c[1], 3400);
    ck_assert_uint_eq(t.c[2], 10);
    ck_assert_uint_eq(t.c[3], 1234567890123ull);
    ck_assert_int_eq(
        tok("1,1.1.1.1,2.2.2.2,1,2,T,I,A,C,1,2,3,4", NSG_IMP_FL_KIND_NSG, &t, &why), 0);
    ck_assert_int_eq(t.state, 'C');
}
END_TEST

START_TEST(tuple_vnet)
{
    struct nsg_imp_fl_tuple t;
    const char *why = NULL;
    ck_assert_int_eq(tok("1763643651123,10.0.0.4,10.1.0.5,35370,443,6,O,B,NX,"
                         "0,0,0,0",
                         NSG_IMP_FL_KIND_VNET, &t, &why),
                     0);
    ck_assert_int_eq(t.time, 1763643651); /* milliseconds */
    ck_assert_int_eq(t.proto, 6);
    ck_assert_int_eq(t.dir, NSG_DIR_OUT);
    ck_assert_int_eq(t.state, 'B');
    ck_assert_int_eq(t.decision, 'A');
    ck_assert_int_eq(t.version, 4);
    ck_assert_int_eq(tok("1763643651,10.0.0.4,10.1.0.5,0,0,1,I,D,X,1,84,0,0",
                         NSG_IMP_FL_KIND_VNET, &t, &why),
                     0);
    ck_assert_int_eq(t.time, 1763643651); /* seconds stay seconds */
    ck_assert_int_eq(t.proto, 1);
    ck_assert_int_eq(t.decision, 'D');
    ck_assert_uint_eq(t.c[1], 84);
    ck_assert_int_eq(tok("1763643651000,10.0.0.4,10.1.0.5,,,47,I,C,"
                         "NX_HW_NOT_SUPPORTED,1,2,3,4",
                         NSG_IMP_FL_KIND_VNET, &t, &why),
                     0);
    ck_assert_int_eq(t.proto, 47);
    ck_assert_int_eq(t.sport, 0);
}
END_TEST

START_TEST(tuple_ipv6)
{
    struct nsg_imp_fl_tuple t;
    const char *why = NULL;
    struct nsg_ip want;
    ck_assert_int_eq(tok("1763643651,2001:db8::1,fe80::a:b,1000,80,T,I,A,B,,,,",
                         NSG_IMP_FL_KIND_NSG, &t, &why),
                     0);
    ck_assert_int_eq(nsg_ip_parse("2001:db8::1", &want), 0);
    ck_assert_int_eq(t.src.family, 6);
    ck_assert(t.src.v == want.v);
    ck_assert_int_eq(nsg_ip_parse("fe80::a:b", &want), 0);
    ck_assert(t.dst.v == want.v);
    ck_assert_int_eq(tok("1763643651000,2001:db8::1,2001:db8::2,1,2,58,O,E,X,"
                         "1,2,3,4",
                         NSG_IMP_FL_KIND_VNET, &t, &why),
                     0);
    ck_assert_int_eq(t.proto, 58);
    ck_assert_int_eq(
        tok("1,2001:db8::1,10.0.0.1,1,2,T,I,A", NSG_IMP_FL_KIND_NSG, &t, &why), -1);
}
END_TEST

START_TEST(tuple_bad)
{
    static const char *bad[] = {
        "17636x3651,1.2.3.4,5.6.7.8,1,2,T,I,A",  /* time */
        ",1.2.3.4,5.6.7.8,1,2,T,I,A",            /* empty time */
        "1,1.2.3.256,5.6.7.8,1,2,T,I,A",         /* octet */
        "1,1.2.3,5.6.7.8,1,2,T,I,A",             /* three octets */
        "1,01.2.3.4,5.6.7.8,1,2,T,I,A",          /* leading zero */
        "1,1.2.3.4,5.6.7.8:9,1,2,T,I,A",         /* junk */
        "1,1.2.3.4,5.6.7.8,70000,2,T,I,A",       /* port */
        "1,1.2.3.4,5.6.7.8,1,-2,T,I,A",          /* port sign */
        "1,1.2.3.4,5.6.7.8,,2,T,I,A",            /* empty port (NSG) */
        "1,1.2.3.4,5.6.7.8,1,2,X,I,A",           /* protocol */
        "1,1.2.3.4,5.6.7.8,1,2,T,X,A",           /* direction */
        "1,1.2.3.4,5.6.7.8,1,2,T,I,Q",           /* decision */
        "1,1.2.3.4,5.6.7.8,1,2,T,I",             /* 7 fields */
        "1,1.2.3.4,5.6.7.8,1,2,T,I,A,B",         /* 9 fields */
        "1,1.2.3.4,5.6.7.8,1,2,T,I,A,B,,,",      /* 12 fields */
        "1,1.2.3.4,5.6.7.8,1,2,T,I,A,Z,,,,",     /* state */
        "1,1.2.3.4,5.6.7.8,1,2,T,I,A,C,1,x,3,4", /* counter */
        "1,1.2.3.4,5.6.7.8,1,2,T,I,A,C,1,2,3,99999999999999999999999",
        "",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct nsg_imp_fl_tuple t;
        const char *why = NULL;
        ck_assert_msg(tok(bad[i], NSG_IMP_FL_KIND_NSG, &t, &why) == -1, "accepted %s",
                      bad[i]);
        ck_assert_ptr_nonnull(why);
    }
    struct nsg_imp_fl_tuple t;
    const char *why = NULL;
    ck_assert_int_eq(
        tok("1,1.2.3.4,5.6.7.8,1,2,6,I,A,X,1,2,3,4", NSG_IMP_FL_KIND_VNET, &t, &why),
        -1); /* state A */
    ck_assert_int_eq(
        tok("1,1.2.3.4,5.6.7.8,1,2,6,I,B,X,1,2,3", NSG_IMP_FL_KIND_VNET, &t, &why),
        -1); /* 12 fields */
    ck_assert_int_eq(
        tok("1,1.2.3.4,5.6.7.8,1,2,300,I,B,X,1,2,3,4", NSG_IMP_FL_KIND_VNET, &t, &why),
        -1); /* proto range */
}
END_TEST

/* ---- record walker ------------------------------------------------------ */

START_TEST(record_nsg_context)
{
    /* keys in unusual order: flowTuples before rule and mac; escaped
     * slashes in the id; macAddress absent (inner mac used) */
    const char *txt =
        "{\"properties\":{\"flows\":[{\"flows\":[{\"flowTuples\":"
        "[\"1,1.1.1.1,2.2.2.2,1,22,T,I,A\",\"2,1.1.1.1,2.2.2.2,1,22,T,I,A\"],"
        "\"mac\":\"00-0d-3a-aa-bb-cc\"}],\"rule\":\"UserRule_ssh\"},"
        "{\"rule\":\"DefaultRule_DenyAllInBound\",\"flows\":[{\"mac\":"
        "\"000D3AAABBCC\",\"flowTuples\":[\"3,9.9.9.9,2.2.2.2,5,80,T,I,D\"]}]}]"
        ","
        "\"version\":1},\"resourceId\":\"\\/SUBSCRIPTIONS\\/X\\/NSG\","
        "\"category\":\"NetworkSecurityGroupFlowEvent\"}";
    struct nsg_imp_fl_record r;
    size_t where;
    const char *why, *rule, *mac, *acl;
    nsg_imp_fl_record_init(&r);
    ck_assert_int_eq(nsg_imp_fl_record_parse(&r, txt, strlen(txt), &where, &why), 0);
    ck_assert_str_eq(r.resource_id, "/SUBSCRIPTIONS/X/NSG");
    ck_assert_int_eq(r.version, 1);
    ck_assert(!r.vnet);
    ck_assert_uint_eq(r.spans->len, 3);
    struct nsg_imp_fl_span *sp = &g_array_index(r.spans, struct nsg_imp_fl_span, 1);
    ck_assert_int_eq(sp->len, strlen("2,1.1.1.1,2.2.2.2,1,22,T,I,A"));
    ck_assert(!strncmp(sp->p, "2,1.1.1.1", 9));
    nsg_imp_fl_record_context(&r, sp->frame, &rule, &mac, &acl);
    ck_assert_str_eq(rule, "UserRule_ssh");
    ck_assert_str_eq(mac, "00-0d-3a-aa-bb-cc");
    ck_assert_ptr_null(acl);
    sp = &g_array_index(r.spans, struct nsg_imp_fl_span, 2);
    nsg_imp_fl_record_context(&r, sp->frame, &rule, &mac, &acl);
    ck_assert_str_eq(rule, "DefaultRule_DenyAllInBound");
    nsg_imp_fl_record_release(&r);
}
END_TEST

START_TEST(record_vnet_and_errors)
{
    const char *txt =
        "{\"time\":\"2026-11-20T13:00:00Z\",\"flowLogVersion\":4,"
        "\"category\":\"FlowLogFlowEvent\",\"targetResourceID\":\"/S/VNET\","
        "\"flowRecords\":{\"flows\":[{\"aclID\":\"11111111-2222-3333-4444-"
        "555555555555\",\"flowGroups\":[{\"rule\":\"BlockAll\",\"flowTuples\":"
        "[\"1763643651000,10.0.0.4,10.1.0.5,1,2,6,O,D,NX,0,0,0,0\",]}]}]}}";
    struct nsg_imp_fl_record r;
    size_t where;
    const char *why, *rule, *mac, *acl;
    nsg_imp_fl_record_init(&r);
    ck_assert_int_eq(nsg_imp_fl_record_parse(&r, txt, strlen(txt), &where, &why), 0);
    ck_assert(r.vnet);
    ck_assert_int_eq(r.version, 4);
    ck_assert_str_eq(r.target, "/S/VNET");
    ck_assert_uint_eq(r.n_trailing, 1); /* the trailing comma */
    ck_assert_uint_eq(r.spans->len, 1);
    nsg_imp_fl_record_context(&r, g_array_index(r.spans, struct nsg_imp_fl_span, 0).frame,
                      &rule, &mac, &acl);
    ck_assert_str_eq(rule, "BlockAll");
    ck_assert_str_eq(acl, "11111111-2222-3333-4444-555555555555");
    /* corrupt: a missing colon is found at its offset */
    const char *bad = "{\"time\" \"x\"}";
    ck_assert_int_eq(nsg_imp_fl_record_parse(&r, bad, strlen(bad), &where, &why), -1);
    ck_assert_uint_eq(where, 8);
    const char *bad2 = "{\"a\":[1,2}";
    ck_assert_int_eq(nsg_imp_fl_record_parse(&r, bad2, strlen(bad2), &where, &why), -1);
    nsg_imp_fl_record_release(&r);
}
END_TEST

/* ---- scanner ------------------------------------------------------------ */

struct seen {
    int n;
    uint64_t off[16];
    char text[16][256];
    int problems;
    uint64_t pofs[16];
};

static void on_problem(void *ctx, uint64_t off, const char *what)
{
    struct seen *s = ctx;
    (void)what;
    if (s->problems < 16)
        s->pofs[s->problems] = off;
    s->problems++;
}

static bool scan_file(const char *text, uint64_t start, struct seen *s)
{
    char *p = path_in("scan.json");
    struct nsg_imp_fl_scanner *sc;
    struct nsg_err err = NSG_ERR_INIT;
    const char *rec;
    size_t len;
    uint64_t off;
    memset(s, 0, sizeof(*s));
    write_file(p, text);
    ck_assert_int_eq(
        nsg_imp_fl_scan_open(p, start, start > 0, on_problem, s, &sc, &err), 0);
    while (nsg_imp_fl_scan_next(sc, &rec, &len, &off, &err) == 1) {
        ck_assert_int_lt(s->n, 16);
        s->off[s->n] = off;
        snprintf(s->text[s->n], 256, "%.*s", (int)len, rec);
        s->n++;
    }
    bool closed = nsg_imp_fl_scan_closed(sc);
    nsg_imp_fl_scan_close(sc);
    g_free(p);
    return closed;
}

START_TEST(scan_document_and_open_blob)
{
    struct seen s;
    ck_assert(scan_file("{\"records\":[{\"a\":\"}\"},\n{\"b\":[{}]},{\"c\":"
                        "\"\\\"{\"}]}",
                        0, &s));
    ck_assert_int_eq(s.n, 3);
    ck_assert_str_eq(s.text[0], "{\"a\":\"}\"}");
    ck_assert_uint_eq(s.off[1], 23);
    ck_assert_str_eq(s.text[2], "{\"c\":\"\\\"{\"}");
    ck_assert_int_eq(s.problems, 0);
    /* still being written: the last record is cut, no closing */
    ck_assert(
        !scan_file("{\"records\":[{\"a\":1},{\"b\":2},{\"c\":[1,", 0, &s));
    ck_assert_int_eq(s.n, 2);
    ck_assert_int_eq(s.problems, 1);
    ck_assert_uint_eq(s.pofs[0], 28);
    /* written up to a record boundary but not closed */
    ck_assert(!scan_file("{\"records\":[{\"a\":1},", 0, &s));
    ck_assert_int_eq(s.n, 1);
    ck_assert_int_eq(s.problems, 0);
}
END_TEST

START_TEST(scan_fragment_ndjson_bom)
{
    struct seen s;
    /* an appended block: records without the opening */
    ck_assert(scan_file(",{\"time\":1},{\"time\":2}]}", 0, &s));
    ck_assert_int_eq(s.n, 2);
    ck_assert_uint_eq(s.off[1], 12);
    /* newline-delimited bare records with a BOM, pretty-printed one */
    ck_assert(
        scan_file("\xEF\xBB\xBF{\"time\":1}\n{\n  \"time\": 2\n}\n", 0, &s));
    ck_assert_int_eq(s.n, 2);
    ck_assert_uint_eq(s.off[0], 3);
    ck_assert_int_eq(s.problems, 0);
    /* resuming at an offset inside the list */
    ck_assert(scan_file("{\"records\":[{\"time\":1},{\"time\":2}]}", 23, &s));
    ck_assert_int_eq(s.n, 1);
    ck_assert_str_eq(s.text[0], "{\"time\":2}");
}
END_TEST

START_TEST(scan_trailing_comma_and_garbage)
{
    struct seen s;
    ck_assert(scan_file("{\"records\":[{\"time\":1},{\"time\":2},]}", 0, &s));
    ck_assert_int_eq(s.n, 2);
    ck_assert_int_eq(s.problems, 1);
    ck_assert_uint_eq(s.pofs[0], 34); /* the ']' after the comma */
    ck_assert(scan_file("{\"records\":[{\"time\":1},,xx{\"time\":2}]}", 0, &s));
    ck_assert_int_eq(s.n, 2);
    ck_assert_int_eq(s.problems, 2); /* double comma, stray bytes */
    /* a record cut short in the middle of the file (unbalanced): the
     * records after it are still found */
    ck_assert(scan_file("{\"records\":[{\"time\":1,\"p\":{\"x\":[\"ab{\"time\":"
                        "2},{\"time\":3}]}",
                        0, &s));
    ck_assert_int_ge(s.n, 1);
    ck_assert_str_eq(s.text[s.n - 1], "{\"time\":3}");
    ck_assert_int_ge(s.problems, 1);
}
END_TEST

/* ---- imports into a corpus --------------------------------------------- */

static GString *rec_nsg(const char *nsg, const char *mac, int version,
                        const char *rule, const char *const *tuples, int n)
{
    GString *g = g_string_new(NULL);
    g_string_append_printf(
        g,
        "{\"time\":\"2026-11-20T13:00:51Z\",\"macAddress\":\"%s\","
        "\"category\":\"NetworkSecurityGroupFlowEvent\",\"resourceId\":"
        "\"%s\",\"operationName\":\"NetworkSecurityGroupFlowEvents\","
        "\"properties\":{\"Version\":%d,\"flows\":[{\"rule\":\"%s\","
        "\"flows\":[{\"mac\":\"%s\",\"flowTuples\":[",
        mac, nsg, version, rule, mac);
    for (int i = 0; i < n; i++)
        g_string_append_printf(g, "%s\"%s\"", i ? "," : "", tuples[i]);
    g_string_append(g, "]}]}]}}");
    return g;
}

struct imp {
    cJSON *report;
    uint64_t flows, count, bytes_sd;
    int segments;
};

static void imp_free(struct imp *r)
{
    cJSON_Delete(r->report);
}

static uint64_t rnum(const struct imp *r, const char *k)
{
    const cJSON *v = cJSON_GetObjectItem(r->report, k);
    ck_assert_msg(cJSON_IsNumber(v), "report lacks %s", k);
    return (uint64_t)v->valuedouble;
}

/* Processors the imports below plan for (0: this machine's): 2 makes two
 * lanes aggregate on their own threads, 8 gives each an aggregation
 * thread. */
static unsigned import_procs;

/* Import paths into the corpus `name` under tmp with `lanes` (0: as
 * nsgproof decides), then read every flow; lines (when not NULL) gets one
 * sorted line per flow. */
static struct imp import_in(const char *name, const char *const *paths,
                            size_t n, size_t table, unsigned lanes,
                            const struct nsg_topology *t, GPtrArray *lines)
{
    struct imp r = {cJSON_CreateObject(), 0, 0, 0, 0};
    struct nsg_corpus *c = NULL;
    struct nsg_txn *txn = NULL;
    struct nsg_err err = NSG_ERR_INIT;
    struct nsg_imp_fl_options opt = {table, lanes, import_procs};
    char *dir = g_build_filename(tmp, name, NULL);
    ck_assert_msg(!nsg_corpus_open(dir, true, &c, &err), "%s", err.msg);
    ck_assert_msg(!nsg_corpus_begin(c, &txn, &err), "%s", err.msg);
    ck_assert_msg(!nsg_imp_fl_import(txn, c, t, paths, n, r.report, &opt, &err), "%s",
                  err.msg);
    ck_assert_msg(!nsg_corpus_commit(&txn, &err), "%s", err.msg);
    nsg_corpus_close(c);
    ck_assert_msg(!nsg_corpus_open(dir, false, &c, &err), "%s", err.msg);
    struct nsg_flow_iter *it;
    const struct nsg_flow *f;
    int k;
    ck_assert(!nsg_flows_open(c, &it, &err));
    while ((k = nsg_flows_next(it, &f, &err)) == 1) {
        r.flows++;
        r.count += f->count;
        r.bytes_sd += f->bytes_sd;
        char src[NSG_IP_STRLEN], dst[NSG_IP_STRLEN];
        nsg_ip_format(&f->src, src);
        nsg_ip_format(&f->dst, dst);
        if (lines)
            g_ptr_array_add(
                lines,
                g_strdup_printf("%s %s %s %d %d %u %s:%u>%s:%u %c %c %lld %lld "
                                "%llu %llu",
                                f->nsg_id ? f->nsg_id : "-", f->rule ? f->rule : "-",
                                f->mac, f->version, f->proto, (unsigned)f->dir,
                                src,
                                f->sport, dst, f->dport,
                                f->decision ? f->decision : '-',
                                f->state ? f->state : '-',
                                (long long)f->first_seen,
                                (long long)f->last_seen,
                                (unsigned long long)f->count,
                                (unsigned long long)f->bytes_sd));
    }
    ck_assert_msg(k == 0, "%s", err.msg);
    nsg_flows_close(it);
    const cJSON *sec = nsg_corpus_section(c, "flows");
    r.segments = cJSON_GetArraySize(cJSON_GetObjectItem(sec, "segments"));
    nsg_corpus_close(c);
    g_free(dir);
    return r;
}

static struct imp import(const char *const *paths, size_t n, size_t table,
                         const struct nsg_topology *t)
{
    return import_in("corpus", paths, n, table, 0, t, NULL);
}

static const char *T1[] = {
    "1763643651,203.0.113.7,10.0.1.4,51234,22,T,I,A,B,,,,",
    "1763643951,203.0.113.7,10.0.1.4,51234,22,T,I,A,C,5,500,4,400",
    "1763644251,203.0.113.7,10.0.1.4,51234,22,T,I,A,C,7,700,6,600",
    "1763643655,198.51.100.9,10.0.1.4,40000,22,T,I,A,B,,,,",
};
static const char *T2[] = {
    "1763644551,203.0.113.7,10.0.1.4,51234,22,T,I,A,E,1,100,1,100",
    "1763644552,198.51.100.9,10.0.1.4,40000,22,T,I,A,E,2,200,2,200",
};

START_TEST(import_counts_and_aggregation)
{
    GString *a = rec_nsg(NSG_A, "000D3AAABBCC", 2, "UserRule_ssh", T1, 4);
    GString *doc = g_string_new("{\"records\":[");
    g_string_append_printf(doc, "%s]}", a->str);
    char *p = path_in("logs/resourceId=/SUBSCRIPTIONS/X/NETWORKSECURITYGROUPS/"
                      "WEB-NSG/y=2026/m=11/d=20/h=13/m=00/macAddress="
                      "000D3AAABBCC/PT1H.json");
    char *logs = g_build_filename(tmp, "logs", NULL);
    write_file(p, doc->str);
    const char *paths[] = {logs};
    struct imp r = import(paths, 1, 0, NULL);
    ck_assert_uint_eq(rnum(&r, "files"), 1);
    ck_assert_uint_eq(rnum(&r, "records"), 1);
    ck_assert_uint_eq(rnum(&r, "tuples"), 4);
    /* the two C tuples of one connection in one hour merge; B differs */
    ck_assert_uint_eq(rnum(&r, "flows_written"), 3);
    ck_assert_uint_eq(r.flows, 3);
    ck_assert_uint_eq(r.count, 4);
    ck_assert_uint_eq(r.bytes_sd, 1200);
    /* every field of the merged C flow reads back as logged */
    struct nsg_corpus *c;
    struct nsg_err err = NSG_ERR_INIT;
    char *dir = g_build_filename(tmp, "corpus", NULL);
    ck_assert(!nsg_corpus_open(dir, false, &c, &err));
    struct nsg_flow_iter *it;
    const struct nsg_flow *f;
    int seen_c = 0;
    struct nsg_ip src, dst;
    ck_assert(!nsg_ip_parse("203.0.113.7", &src));
    ck_assert(!nsg_ip_parse("10.0.1.4", &dst));
    ck_assert(!nsg_flows_open(c, &it, &err));
    while (nsg_flows_next(it, &f, &err) == 1) {
        ck_assert_str_eq(f->nsg_id, NSG_A);
        ck_assert_ptr_null(f->acl_id);
        ck_assert_str_eq(f->rule, "UserRule_ssh");
        ck_assert_str_eq(f->mac, "000D3AAABBCC");
        ck_assert_int_eq(f->version, 2);
        if (f->state != 'C')
            continue;
        seen_c++;
        ck_assert(!nsg_ip_cmp(&f->src, &src) && !nsg_ip_cmp(&f->dst, &dst));
        ck_assert_int_eq(f->sport, 51234);
        ck_assert_int_eq(f->dport, 22);
        ck_assert_int_eq(f->proto, NSG_PROTO_TCP);
        ck_assert_int_eq(f->dir, NSG_DIR_IN);
        ck_assert_int_eq(f->decision, 'A');
        ck_assert_uint_eq(f->count, 2);
        ck_assert_int_eq(f->first_seen, 1763643951);
        ck_assert_int_eq(f->last_seen, 1763644251);
        ck_assert_uint_eq(f->packets_sd, 12);
        ck_assert_uint_eq(f->bytes_sd, 1200);
        ck_assert_uint_eq(f->packets_ds, 10);
        ck_assert_uint_eq(f->bytes_ds, 1000);
    }
    ck_assert_int_eq(seen_c, 1);
    nsg_flows_close(it);
    nsg_corpus_close(c);
    g_free(dir);
    imp_free(&r);
    g_string_free(a, TRUE);
    g_string_free(doc, TRUE);
    g_free(p);
    g_free(logs);
}
END_TEST

START_TEST(import_growing_blob_and_idempotent)
{
    GString *a = rec_nsg(NSG_A, "000D3AAABBCC", 2, "UserRule_ssh", T1, 4);
    GString *b = rec_nsg(NSG_A, "000D3AAABBCC", 2, "UserRule_ssh", T2, 2);
    char *p = path_in("resourceId=/S/NSG/macAddress=M/PT1H.json");
    const char *paths[] = {p};
    /* hour in progress: first block and one record, no closing */
    GString *doc = g_string_new(NULL);
    g_string_printf(doc, "{\"records\":[%s", a->str);
    write_file(p, doc->str);
    struct imp r = import(paths, 1, 0, NULL);
    ck_assert_uint_eq(rnum(&r, "tuples"), 4);
    ck_assert_uint_eq(rnum(&r, "open_blobs"), 1);
    imp_free(&r);
    /* the same again: nothing new, no new segment */
    r = import(paths, 1, 0, NULL);
    ck_assert_uint_eq(rnum(&r, "records"), 0);
    ck_assert_uint_eq(rnum(&r, "tuples"), 0);
    ck_assert_int_eq(r.segments, 1);
    ck_assert_uint_eq(r.count, 4);
    imp_free(&r);
    /* Azure appends a block and closes: only the new record counts */
    g_string_printf(doc, "{\"records\":[%s,%s]}", a->str, b->str);
    write_file(p, doc->str);
    r = import(paths, 1, 0, NULL);
    ck_assert_uint_eq(rnum(&r, "records"), 1);
    ck_assert_uint_eq(rnum(&r, "tuples"), 2);
    ck_assert_uint_eq(rnum(&r, "open_blobs"), 0);
    ck_assert_int_eq(r.segments, 2);
    ck_assert_uint_eq(r.count, 6);
    imp_free(&r);
    /* closed and unchanged: nothing */
    r = import(paths, 1, 0, NULL);
    ck_assert_uint_eq(rnum(&r, "tuples"), 0);
    ck_assert_uint_eq(r.count, 6);
    imp_free(&r);
    g_string_free(a, TRUE);
    g_string_free(b, TRUE);
    g_string_free(doc, TRUE);
    g_free(p);
}
END_TEST

START_TEST(import_checkpoint_mismatch_fallback)
{
    GString *a = rec_nsg(NSG_A, "000D3AAABBCC", 2, "UserRule_ssh", T1, 4);
    GString *b = rec_nsg(NSG_A, "000D3AAABBCC", 2, "UserRule_ssh", T2, 2);
    char *p = path_in("blob.json");
    const char *paths[] = {p};
    GString *doc = g_string_new(NULL);
    g_string_printf(doc, "{\"records\":[%s]}", a->str);
    write_file(p, doc->str);
    struct imp r = import(paths, 1, 0, NULL);
    ck_assert_uint_eq(rnum(&r, "tuples"), 4);
    imp_free(&r);
    /* rewritten with a new record BEFORE the old one and reformatted: the
     * checkpoint offset no longer holds the old record */
    g_string_printf(doc, "{ \"records\" : [\n  %s,\n  %s\n] }", b->str, a->str);
    write_file(p, doc->str);
    r = import(paths, 1, 0, NULL);
    ck_assert_uint_eq(rnum(&r, "records"), 1);
    ck_assert_uint_eq(rnum(&r, "records_already_imported"), 1);
    ck_assert_uint_eq(rnum(&r, "tuples"), 2);
    ck_assert_uint_eq(r.count, 6);
    imp_free(&r);
    g_string_free(a, TRUE);
    g_string_free(b, TRUE);
    g_string_free(doc, TRUE);
    g_free(p);
}
END_TEST

/* Import one blob from a stream (a pipe holding bytes [start, end) of
 * doc) into the corpus under tmp/corpus; *rc_out gets the stream's result
 * (the transaction is committed only when it is 0). */
static struct imp stream_import(const char *name, const char *doc,
                                size_t start, nsg_rc *rc_out)
{
    struct imp r = {cJSON_CreateObject(), 0, 0, 0, 0};
    struct nsg_corpus *c = NULL;
    struct nsg_txn *txn = NULL;
    struct nsg_err err = NSG_ERR_INIT;
    struct nsg_imp_flowlog_session *s = NULL;
    char *dir = g_build_filename(tmp, "corpus", NULL);
    size_t len = strlen(doc) - start;
    int fd[2];
    ck_assert(len < 60000); /* fits in the pipe: written before it is read */
    ck_assert(!pipe(fd));
    ck_assert_int_eq(write(fd[1], doc + start, len), (ssize_t)len);
    close(fd[1]);
    ck_assert_msg(!nsg_corpus_open(dir, true, &c, &err), "%s", err.msg);
    ck_assert_msg(!nsg_corpus_begin(c, &txn, &err), "%s", err.msg);
    ck_assert_msg(!nsg_imp_flowlog_begin(txn, NULL, &s, &err), "%s", err.msg);
    *rc_out = nsg_imp_flowlog_stream(s, name, fd[0], start, &err);
    close(fd[0]);
    if (!*rc_out) {
        ck_assert_msg(!nsg_imp_flowlog_end(s, r.report, &err), "%s", err.msg);
        ck_assert_msg(!nsg_corpus_commit(&txn, &err), "%s", err.msg);
    } else {
        nsg_imp_flowlog_abort(s);
        nsg_corpus_rollback(txn);
    }
    nsg_corpus_close(c);
    ck_assert_msg(!nsg_corpus_open(dir, false, &c, &err), "%s", err.msg);
    struct nsg_flow_iter *it;
    const struct nsg_flow *f;
    ck_assert(!nsg_flows_open(c, &it, &err));
    while (nsg_flows_next(it, &f, &err) == 1)
        r.count += f->count;
    nsg_flows_close(it);
    nsg_corpus_close(c);
    g_free(dir);
    return r;
}

/* A blob streamed as it grows (from byte 0, then from its checkpointed
 * record) counts what the same blob imported from a file counts, and the
 * file and the stream share the checkpoint. */
START_TEST(import_stream_matches_file)
{
    GString *a = rec_nsg(NSG_A, "000D3AAABBCC", 2, "UserRule_ssh", T1, 4);
    GString *b = rec_nsg(NSG_A, "000D3AAABBCC", 2, "UserRule_ssh", T2, 2);
    const char *name = "insights-logs/resourceId=/S/NSG/macAddress=M/PT1H.json";
    GString *open_doc = g_string_new(NULL), *doc = g_string_new(NULL);
    nsg_rc rc;
    g_string_printf(open_doc, "{\"records\":[%s", a->str);
    g_string_printf(doc, "{\"records\":[%s,%s]}", a->str, b->str);
    /* the hour in progress, from byte 0 */
    struct imp r = stream_import(name, open_doc->str, 0, &rc);
    ck_assert_int_eq(rc, 0);
    ck_assert_uint_eq(rnum(&r, "records"), 1);
    ck_assert_uint_eq(rnum(&r, "tuples"), 4);
    ck_assert_uint_eq(rnum(&r, "open_blobs"), 1);
    imp_free(&r);
    /* not from the checkpointed record: refused, nothing committed */
    r = stream_import(name, doc->str, 13, &rc);
    ck_assert_int_eq(rc, NSG_E_INPUT);
    ck_assert_uint_eq(r.count, 4);
    imp_free(&r);
    /* grown and closed, from the checkpointed record (byte 12): only the
     * new record is read */
    r = stream_import(name, doc->str, 12, &rc);
    ck_assert_int_eq(rc, 0);
    ck_assert_uint_eq(rnum(&r, "records"), 1);
    ck_assert_uint_eq(rnum(&r, "records_already_imported"), 1);
    ck_assert_uint_eq(rnum(&r, "tuples"), 2);
    ck_assert_uint_eq(rnum(&r, "open_blobs"), 0);
    ck_assert_uint_eq(r.count, 6);
    imp_free(&r);
    /* the whole blob again from byte 0: every record skipped by its hash */
    r = stream_import(name, doc->str, 0, &rc);
    ck_assert_int_eq(rc, 0);
    ck_assert_uint_eq(rnum(&r, "records"), 0);
    ck_assert_uint_eq(rnum(&r, "records_already_imported"), 2);
    ck_assert_uint_eq(r.count, 6);
    ck_assert_int_eq(rnum(&r, "problems_total"), 0);
    imp_free(&r);
    /* the same blob as a file: its checkpoint is the stream's */
    char *p = path_in(name);
    const char *paths[] = {p};
    write_file(p, doc->str);
    r = import(paths, 1, 0, NULL);
    ck_assert_uint_eq(rnum(&r, "records"), 0);
    ck_assert_uint_eq(r.count, 6);
    imp_free(&r);
    g_free(p);
    g_string_free(a, TRUE);
    g_string_free(b, TRUE);
    g_string_free(open_doc, TRUE);
    g_string_free(doc, TRUE);
}
END_TEST

START_TEST(import_variants_and_problems)
{
    /* v1 and v2 mixed, lower-case "version", MAC with dashes, no
     * macAddress, a bad tuple, a corrupt record, a trailing comma */
    const char *v1[] = {"1763643651,1.2.3.4,10.0.1.4,1,22,T,I,D"};
    const char *bad[] = {"1763643651,1.2.3.4,10.0.1.4,1,22,T,I,A,B,,,,",
                         "1763643651,1.2.3.999,10.0.1.4,1,22,T,I,A,B,,,,"};
    GString *r1 =
        rec_nsg(NSG_A, "00-0d-3a-aa-bb-cc", 1, "DefaultRule_Deny", v1, 1);
    GString *r2 = rec_nsg(NSG_A, "000d3aaabbcc", 2, "UserRule_ssh", bad, 2);
    GString *doc = g_string_new(NULL);
    g_string_printf(doc,
                    "{\"records\":[%s,{\"time\":\"x\",\"properties\":{]},"
                    "%s,]}",
                    r1->str, r2->str);
    char *p = path_in("mixed.json");
    write_file(p, doc->str);
    const char *paths[] = {p};
    struct imp r = import(paths, 1, 0, NULL);
    ck_assert_uint_eq(rnum(&r, "records"), 2);
    ck_assert_uint_eq(rnum(&r, "records_bad"), 1);
    ck_assert_uint_eq(rnum(&r, "tuples"), 3);
    ck_assert_uint_eq(rnum(&r, "tuples_bad"), 1);
    ck_assert_uint_eq(r.count, 2);
    const cJSON *probs = cJSON_GetObjectItem(r.report, "problems");
    ck_assert_int_eq(cJSON_GetArraySize(probs), 3);
    /* each problem names the file and a byte offset inside it */
    const char *at = strstr(doc->str, "1.2.3.999") - 11;
    const cJSON *pr;
    bool found_tuple = false;
    cJSON_ArrayForEach(pr, probs)
    {
        ck_assert_str_eq(cJSON_GetObjectItem(pr, "file")->valuestring, p);
        double off = cJSON_GetObjectItem(pr, "offset")->valuedouble;
        ck_assert(off > 0 && off < (double)doc->len);
        if (strstr(cJSON_GetObjectItem(pr, "problem")->valuestring,
                   "bad source IP")) {
            found_tuple = true;
            ck_assert_int_eq((long)off, (long)(at - doc->str));
        }
    }
    ck_assert(found_tuple);
    imp_free(&r);
    g_string_free(r1, TRUE);
    g_string_free(r2, TRUE);
    g_string_free(doc, TRUE);
    g_free(p);
}
END_TEST

START_TEST(import_unknown_and_admin)
{
    struct nsg_topology *t = nsg_topo_new();
    struct nsg_nsg *nsg = tb_nsg(t, "web-nsg");
    free(nsg->guid);
    nsg->guid = nsg_xstrdup("11111111-2222-3333-4444-555555555555");
    struct nsg_nic *nic = tb_nic(t, "web1", NULL, "10.0.1.4", "", nsg);
    strcpy(nic->mac, "000D3AAABBCC");
    tb_link(t);
    char *up = nsg_xstrdup(nsg->id);
    for (char *q = up; *q; q++)
        *q = (char)g_ascii_toupper(*q);
    GString *known = rec_nsg(up, "00-0D-3A-AA-BB-CC", 2, "UserRule_ssh", T1, 4);
    GString *unk = rec_nsg("/SUBSCRIPTIONS/Z/NETWORKSECURITYGROUPS/OTHER",
                           "000D3A000001", 2, "UserRule_ssh", T2, 2);
    const char *vnet =
        "{\"time\":\"t\",\"category\":\"FlowLogFlowEvent\","
        "\"targetResourceID\":"
        "\"/S/VNET\",\"flowRecords\":{\"flows\":[{\"aclID\":\"11111111-2222-"
        "3333-4444-555555555555\",\"flowGroups\":[{\"rule\":\"AdminDeny\","
        "\"flowTuples\":[\"1763643651000,10.0.0.4,10.1.0.5,1,2,6,O,D,NX,0,0,0,"
        "0\"]},{\"rule\":\"UserRule_a\",\"flowTuples\":[\"1763643651000,"
        "10.0.0.4,10.1.0.5,1,3,6,O,B,NX,0,0,0,0\"]}]},{\"aclID\":\"99999999-"
        "2222-3333-4444-555555555555\",\"flowGroups\":[{\"rule\":"
        "\"PlatformRule\",\"flowTuples\":[\"1763643651000,10.0.0.4,10.1.0.5,"
        "1,4,17,O,B,NX,0,0,0,0\"]}]}]}}";
    GString *doc = g_string_new(NULL);
    g_string_printf(doc, "%s\n%s\n%s\n", known->str, unk->str, vnet);
    char *p = path_in("ndjson.json");
    write_file(p, doc->str);
    const char *paths[] = {p};
    struct imp r = import(paths, 1, 0, t);
    ck_assert_uint_eq(rnum(&r, "tuples"), 9);
    ck_assert_uint_eq(rnum(&r, "admin_rule_tuples"), 1);
    const cJSON *un = cJSON_GetObjectItem(r.report, "unknown_nsgs");
    ck_assert_int_eq(cJSON_GetArraySize(un), 2); /* OTHER and the 9999 guid */
    const cJSON *u0 = cJSON_GetArrayItem(un, 0);
    ck_assert_str_eq(cJSON_GetObjectItem(u0, "nsg")->valuestring,
                     "/SUBSCRIPTIONS/Z/NETWORKSECURITYGROUPS/OTHER");
    ck_assert_int_eq(cJSON_GetObjectItem(u0, "tuples")->valueint, 2);
    const cJSON *um = cJSON_GetObjectItem(r.report, "unknown_macs");
    ck_assert_int_eq(cJSON_GetArraySize(um), 1);
    /* unknown flows are kept */
    ck_assert_uint_eq(r.count, 9);
    imp_free(&r);
    g_string_free(known, TRUE);
    g_string_free(unk, TRUE);
    g_string_free(doc, TRUE);
    g_free(p);
    free(up);
    nsg_topo_free(t);
}
END_TEST

/* Many tuples over several connections and hours (deterministic). */
static char *big_blob(const char *name, int records, int per)
{
    char *p = path_in(name);
    FILE *f = fopen(p, "w");
    ck_assert_ptr_nonnull(f);
    fputs("{\"records\":[", f);
    unsigned x = 12345;
    for (int r = 0; r < records; r++) {
        fprintf(f,
                "%s{\"time\":\"t\",\"macAddress\":\"000D3AAABBCC\","
                "\"resourceId\":\"%s\",\"properties\":{\"Version\":2,"
                "\"flows\":[{\"rule\":\"UserRule_r%d\",\"flows\":[{"
                "\"flowTuples\":[",
                r ? "," : "", NSG_A, r % 3);
        for (int i = 0; i < per; i++) {
            x = x * 1103515245u + 12345u;
            unsigned c = (x >> 8) % 97;
            fprintf(f, "%s\"%d,10.9.%u.%u,10.0.1.4,%u,443,T,I,A,C,1,%u,1,1\"",
                    i ? "," : "", 1763600000 + r * 600 + i, c / 10, c % 10,
                    1000 + c, 100 + c);
        }
        fputs("]}]}]}}", f);
    }
    fputs("]}", f);
    ck_assert_int_eq(fclose(f), 0);
    return p;
}

START_TEST(import_spill_matches)
{
    char *p = big_blob("big.json", 40, 200);
    const char *paths[] = {p};
    /* independent expectation: distinct (connection, hour) keys */
    GHashTable *keys =
        g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    unsigned x = 12345;
    for (int r = 0; r < 40; r++)
        for (int i = 0; i < 200; i++) {
            x = x * 1103515245u + 12345u;
            unsigned c = (x >> 8) % 97;
            g_hash_table_add(
                keys, g_strdup_printf("%u/%d/%d", c, r % 3,
                                      (1763600000 + r * 600 + i) / 3600));
        }
    struct imp big = import(paths, 1, 0, NULL);
    ck_assert_uint_eq(rnum(&big, "spill_runs"), 0);
    ck_assert_uint_eq(big.flows, g_hash_table_size(keys));
    ck_assert_uint_eq(big.count, 8000);
    /* a second corpus with a table of 16 entries: many runs, same flows */
    rm_tmp();
    mk_tmp();
    char *p2 = big_blob("big.json", 40, 200);
    paths[0] = p2;
    struct imp small = import(paths, 1, 16, NULL);
    ck_assert_uint_gt(rnum(&small, "spill_runs"), 10);
    ck_assert_uint_eq(small.flows, big.flows);
    ck_assert_uint_eq(small.count, 8000);
    ck_assert_uint_eq(small.bytes_sd, big.bytes_sd);
    /* no run files left behind */
    char *cmd = g_strdup_printf("ls %s/corpus/flows | grep -c tmp", tmp);
    FILE *ls = popen(cmd, "r");
    int n = -1;
    ck_assert_int_eq(fscanf(ls, "%d", &n), 1);
    pclose(ls);
    ck_assert_int_eq(n, 0);
    g_free(cmd);
    /* two lanes spilling at once (two blobs, a table of 16 each): every
     * run file is its own (two lanes once numbered their runs alike in
     * the same folder and read each other's), so the flows are those of
     * each blob imported alone */
    char *l1 = big_blob("lane1.json", 300, 200), *l2 = big_blob("lane2.json", 250, 200);
    const char *lp[] = {l1, l2};
    struct imp one1 = import_in("c1a", lp, 1, 0, 1, NULL, NULL);
    struct imp one2 = import_in("c1b", lp + 1, 1, 0, 1, NULL, NULL);
    for (int m = 0; m < 2; m++) { /* aggregation threads, then none */
        import_procs = m ? 2 : 8;
        struct imp two = import_in(m ? "c2m" : "c2l", lp, 2, 32, 2, NULL, NULL);
        ck_assert_int_eq(two.segments, 2);
        ck_assert_uint_gt(rnum(&two, "spill_runs"), 20);
        ck_assert_uint_eq(two.flows, one1.flows + one2.flows);
        ck_assert_uint_eq(two.count, 110000);
        ck_assert_uint_eq(two.bytes_sd, one1.bytes_sd + one2.bytes_sd);
        imp_free(&two);
    }
    import_procs = 0;
    imp_free(&one1);
    imp_free(&one2);
    g_free(l1);
    g_free(l2);
    imp_free(&big);
    imp_free(&small);
    g_hash_table_destroy(keys);
    g_free(p);
    g_free(p2);
}
END_TEST

static char *slurp(const char *path, size_t *len)
{
    gchar *s = NULL;
    gsize n = 0;
    if (!g_file_get_contents(path, &s, &n, NULL))
        return NULL;
    *len = n;
    return s;
}

static gint cmp_str(gconstpointer a, gconstpointer b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Two lanes read the files of one import (each half in its own thread and
 * segment): the flows and the report are those of one lane reading them
 * all in order: per-file entries and problems in file order, counts
 * summed.  A blob named in both halves keeps the import to one lane. */
START_TEST(import_lanes_match_one)
{
    char *paths[8];
    for (int i = 0; i < 8; i++) {
        GString *doc = g_string_new("{\"records\":[");
        for (int r = 0; r < 3; r++) {
            char tup[3][80];
            const char *tv[3];
            for (int k = 0; k < 3; k++) {
                /* some keys repeat across files: the same key may land in
                 * both lanes' segments, and readers sum them */
                snprintf(tup[k], sizeof(tup[k]),
                         "%d,203.0.113.%d,10.0.1.4,%d,22,T,I,A,C,1,%d,1,1",
                         1763643651 + 60 * r, 1 + (i + k) % 5,
                         40000 + (i % 3) * 10 + k, 100 + i);
                tv[k] = tup[k];
            }
            if (i == 5 && r == 1)
                snprintf(tup[2], sizeof(tup[2]), "bad tuple %d", i);
            GString *rec = rec_nsg(i % 2 ? NSG_A : NSG_B, "000d3aaabbcc", 2,
                                   "UserRule_ssh", tv, 3);
            g_string_append_printf(doc, "%s%s", r ? "," : "", rec->str);
            g_string_free(rec, TRUE);
        }
        g_string_append(doc, i == 2 ? ",{\"time\":]" : "]}");
        char name[32];
        snprintf(name, sizeof(name), "lanes/f%d.json", i);
        paths[i] = path_in(name);
        write_file(paths[i], doc->str);
        g_string_free(doc, TRUE);
    }
    GPtrArray *one = g_ptr_array_new_with_free_func(g_free);
    GPtrArray *two = g_ptr_array_new_with_free_func(g_free);
    struct imp a = import_in("c1", (const char *const *)paths, 8, 0, 1, NULL,
                             one);
    GPtrArray *two_same = g_ptr_array_new_with_free_func(g_free);
    import_procs = 8; /* each lane with an aggregation thread */
    struct imp b = import_in("c2", (const char *const *)paths, 8, 0, 2, NULL,
                             two);
    import_procs = 2; /* each lane aggregates on its own thread */
    struct imp b2 = import_in("c2s", (const char *const *)paths, 8, 0, 2,
                              NULL, two_same);
    import_procs = 0;
    ck_assert_int_eq(b2.segments, 2);
    g_ptr_array_sort(two_same, cmp_str);
    ck_assert_int_eq(a.segments, 1);
    ck_assert_int_eq(b.segments, 2);
    ck_assert_int_eq(
        cJSON_GetArraySize(cJSON_GetObjectItem(b.report, "segments")), 2);
    ck_assert_uint_eq(a.count, b.count);
    ck_assert_uint_eq(a.bytes_sd, b.bytes_sd);
    ck_assert_uint_eq(rnum(&a, "tuples_bad"), 1);
    ck_assert_uint_eq(rnum(&a, "records_bad"), 1);
    /* the report without segment names is the same */
    static const char *const drop[] = {"segment", "segments", "flows_written"};
    for (size_t k = 0; k < 3; k++) {
        cJSON_DeleteItemFromObject(a.report, drop[k]);
        cJSON_DeleteItemFromObject(b.report, drop[k]);
    }
    char *ja = cJSON_PrintUnformatted(a.report);
    char *jb = cJSON_PrintUnformatted(b.report);
    ck_assert_str_eq(ja, jb);
    free(ja);
    free(jb);
    /* the same flows once a key both lanes saw is summed, as readers do */
    GPtrArray *sum = g_ptr_array_new_with_free_func(g_free);
    g_ptr_array_sort(two, cmp_str);
    ck_assert_uint_eq(two->len, two_same->len); /* the same either way */
    for (guint i = 0; i < two->len; i++)
        ck_assert_str_eq(two->pdata[i], two_same->pdata[i]);
    g_ptr_array_free(two_same, TRUE);
    imp_free(&b2);
    for (guint i = 0; i < two->len; i++) {
        char key[512];
        long long f0, l0, c0, b0, f1, l1, c1, b1;
        const char *x = two->pdata[i];
        const char *sp = x;
        for (int k = 0; k < 9; k++) /* the key's fields */
            sp = strchr(sp, ' ') + 1;
        snprintf(key, sizeof(key), "%.*s", (int)(sp - x), x);
        ck_assert_int_eq(sscanf(sp, "%lld %lld %lld %lld", &f0, &l0, &c0, &b0),
                         4);
        while (i + 1 < two->len && !strncmp(two->pdata[i + 1], key,
                                             strlen(key))) {
            ck_assert_int_eq(sscanf((char *)two->pdata[i + 1] + strlen(key),
                                    "%lld %lld %lld %lld", &f1, &l1, &c1, &b1),
                             4);
            f0 = f1 < f0 ? f1 : f0;
            l0 = l1 > l0 ? l1 : l0;
            c0 += c1;
            b0 += b1;
            i++;
        }
        g_ptr_array_add(sum, g_strdup_printf("%s%lld %lld %lld %lld", key, f0,
                                             l0, c0, b0));
    }
    g_ptr_array_sort(one, cmp_str);
    ck_assert_uint_eq(sum->len, one->len);
    for (guint i = 0; i < one->len; i++)
        ck_assert_str_eq(sum->pdata[i], one->pdata[i]);
    g_ptr_array_free(sum, TRUE);
    imp_free(&a);
    imp_free(&b);
    /* the same blob named twice, once in each half: one lane */
    const char *dup[] = {paths[0], paths[1], paths[2], paths[0]};
    struct imp d = import_in("c3", dup, 4, 0, 2, NULL, NULL);
    ck_assert_int_eq(d.segments, 1);
    imp_free(&d);
    g_ptr_array_free(one, TRUE);
    g_ptr_array_free(two, TRUE);
    for (int i = 0; i < 8; i++)
        g_free(paths[i]);
}
END_TEST

START_TEST(import_killed_leaves_corpus)
{
    const char *first[1];
    char *small = big_blob("first.json", 2, 10);
    first[0] = small;
    struct imp r0 = import(first, 1, 0, NULL);
    imp_free(&r0);
    char *man = g_build_filename(tmp, "corpus", "manifest.json", NULL);
    size_t l0, l1;
    char *before = slurp(man, &l0);
    ck_assert_ptr_nonnull(before);
    char *p = big_blob("big.json", 300, 2000);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        const char *paths[] = {p};
        struct imp r = import(paths, 1, 64, NULL); /* slow: many spills */
        imp_free(&r);
        _exit(0);
    }
    usleep(300 * 1000);
    kill(pid, SIGKILL);
    int st;
    waitpid(pid, &st, 0);
    ck_assert_msg(WIFSIGNALED(st), "the import finished before the kill");
    char *after = slurp(man, &l1);
    ck_assert_ptr_nonnull(after);
    ck_assert_uint_eq(l0, l1);
    ck_assert(!memcmp(before, after, l0));
    /* and the corpus still reads the same flows */
    struct nsg_corpus *c;
    struct nsg_err err = NSG_ERR_INIT;
    char *dir = g_build_filename(tmp, "corpus", NULL);
    ck_assert(!nsg_corpus_open(dir, false, &c, &err));
    struct nsg_flow_iter *it;
    const struct nsg_flow *f;
    uint64_t count = 0;
    ck_assert(!nsg_flows_open(c, &it, &err));
    while (nsg_flows_next(it, &f, &err) == 1)
        count += f->count;
    nsg_flows_close(it);
    nsg_corpus_close(c);
    ck_assert_uint_eq(count, 20);
    g_free(dir);
    g_free(before);
    g_free(after);
    g_free(man);
    g_free(small);
    g_free(p);
}
END_TEST

START_TEST(blob_key_normalized)
{
    char *a = nsg_imp_fl_blob_key("/data/x/resourceId=/SUBSCRIPTIONS/A//B/PT1H.json");
    char *b = nsg_imp_fl_blob_key("/other/resourceid=/subscriptions/a/b/PT1H.json");
    ck_assert_str_eq(a, b);
    free(a);
    free(b);
}
END_TEST

START_TEST(compaction_merges_segments)
{
    static const char *more[] = {
        "1763644551,203.0.113.7,10.0.1.4,51234,22,T,I,A,C,1,100,1,100"};
    GString *a = rec_nsg(NSG_A, "000D3AAABBCC", 2, "UserRule_ssh", T1, 4);
    GString *b = rec_nsg(NSG_A, "000D3AAABBCC", 2, "UserRule_ssh", more, 1);
    char *p = path_in("blob.json");
    const char *paths[] = {p};
    GString *doc = g_string_new(NULL);
    g_string_printf(doc, "{\"records\":[%s]}", a->str);
    write_file(p, doc->str);
    struct imp r = import(paths, 1, 0, NULL);
    imp_free(&r);
    g_string_printf(doc, "{\"records\":[%s,%s]}", a->str, b->str);
    write_file(p, doc->str);
    r = import(paths, 1, 0, NULL);
    ck_assert_int_eq(r.segments, 2);
    ck_assert_uint_eq(r.flows, 4); /* 3 + the C flow again, same hour */
    ck_assert_uint_eq(r.count, 5);
    uint64_t bytes = r.bytes_sd;
    imp_free(&r);
    /* compact in its own transaction */
    struct nsg_corpus *c;
    struct nsg_txn *txn;
    struct nsg_err err = NSG_ERR_INIT;
    char *dir = g_build_filename(tmp, "corpus", NULL);
    cJSON *rep = cJSON_CreateObject();
    ck_assert(!nsg_corpus_open(dir, false, &c, &err));
    ck_assert(!nsg_corpus_begin(c, &txn, &err));
    ck_assert_msg(!nsg_fstore_compact(txn, rep, &err), "%s", err.msg);
    ck_assert(!nsg_corpus_commit(&txn, &err));
    nsg_corpus_close(c);
    ck_assert_int_eq(cJSON_GetObjectItem(rep, "flows_before")->valueint, 4);
    ck_assert_int_eq(cJSON_GetObjectItem(rep, "flows_after")->valueint, 3);
    cJSON_Delete(rep);
    /* an import of nothing new reads the compacted store */
    r = import(paths, 1, 0, NULL);
    ck_assert_int_eq(r.segments, 1);
    ck_assert_uint_eq(r.flows, 3);
    ck_assert_uint_eq(r.count, 5);
    ck_assert_uint_eq(r.bytes_sd, bytes);
    imp_free(&r);
    g_free(dir);
    g_string_free(a, TRUE);
    g_string_free(b, TRUE);
    g_string_free(doc, TRUE);
    g_free(p);
}
END_TEST

/* ---- real-world samples ------------------------------------------------ */

/* Published samples (tests/data/flowlogs/realworld/README.md); each
 * FILE.expect lists the flows an independent Python reading of FILE
 * (expect.py there) finds, in the same line format as flow_line. */
#define REALWORLD "tests/data/flowlogs/realworld/"
static const char *const realworld[] = {
    "nsg-v1-docs",          "nsg-v1-gist-crlf", "nsg-v2-docs",
    "nsg-v2-gist-macaddress", "vnet-docs",      "vnet-docs-bandwidth",
};

static char *flow_line(const struct nsg_flow *f)
{
    char src[NSG_IP_STRLEN], dst[NSG_IP_STRLEN], state[2] = {f->state, 0};
    nsg_ip_format(&f->src, src);
    nsg_ip_format(&f->dst, dst);
    return g_strdup_printf(
        "%s|%s|%s|%s|%s|%u|%s|%d|%s|%u|%s|%u|%c|%s|%lld|%lld|%llu|%llu|%llu|"
        "%llu|%llu",
        f->nsg_id ? f->nsg_id : "", f->acl_id ? f->acl_id : "",
        f->target_id ? f->target_id : "", f->rule ? f->rule : "", f->mac,
        f->version, f->dir == NSG_DIR_IN ? "I" : "O", f->proto, src, f->sport,
        dst, f->dport, f->decision, f->state ? state : "-",
        (long long)f->first_seen, (long long)f->last_seen,
        (unsigned long long)f->count, (unsigned long long)f->packets_sd,
        (unsigned long long)f->bytes_sd, (unsigned long long)f->packets_ds,
        (unsigned long long)f->bytes_ds);
}

static gint cmp_line(gconstpointer a, gconstpointer b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

START_TEST(realworld_sample_reads_as_written)
{
    char *file = g_strdup_printf(REALWORLD "%s.json", realworld[_i]);
    char *want_path = g_strdup_printf(REALWORLD "%s.expect", realworld[_i]);
    char *want_text = NULL;
    ck_assert_msg(g_file_get_contents(want_path, &want_text, NULL, NULL),
                  "cannot read %s", want_path);
    const char *paths[] = {file};
    struct imp r = import(paths, 1, 0, NULL);
    ck_assert_uint_eq(rnum(&r, "records_bad"), 0);
    ck_assert_uint_eq(rnum(&r, "tuples_bad"), 0);
    ck_assert_uint_eq(rnum(&r, "problems_total"), 0);

    GPtrArray *got = g_ptr_array_new_with_free_func(g_free);
    struct nsg_corpus *c;
    struct nsg_err err = NSG_ERR_INIT;
    struct nsg_flow_iter *it;
    const struct nsg_flow *f;
    char *dir = g_build_filename(tmp, "corpus", NULL);
    ck_assert(!nsg_corpus_open(dir, false, &c, &err));
    ck_assert(!nsg_flows_open(c, &it, &err));
    while (nsg_flows_next(it, &f, &err) == 1)
        g_ptr_array_add(got, flow_line(f));
    nsg_flows_close(it);
    nsg_corpus_close(c);
    g_ptr_array_sort(got, cmp_line);

    char **want = g_strsplit(g_strstrip(want_text), "\n", -1);
    guint n_want = g_strv_length(want);
    ck_assert_uint_gt(n_want, 0);
    for (guint i = 0; i < n_want && i < got->len; i++)
        ck_assert_msg(!strcmp(want[i], got->pdata[i]),
                      "%s: flow %u:\n  want %s\n  got  %s", realworld[_i], i,
                      want[i], (char *)got->pdata[i]);
    ck_assert_msg(got->len == n_want, "%s: %u flows stored, %u expected",
                  realworld[_i], got->len, n_want);
    /* the report's tuple count is the file's */
    uint64_t tuples = 0;
    for (guint i = 0; i < n_want; i++) {
        char **fld = g_strsplit(want[i], "|", -1);
        tuples += g_ascii_strtoull(fld[16], NULL, 10); /* count */
        g_strfreev(fld);
    }
    ck_assert_uint_eq(rnum(&r, "tuples"), tuples);
    g_strfreev(want);
    g_ptr_array_free(got, TRUE);
    g_free(dir);
    g_free(want_text);
    g_free(want_path);
    g_free(file);
    imp_free(&r);
}
END_TEST

/* ---- hostile input: deterministic mutations (tests/fuzz_flowlog.c is
 * the libFuzzer version of the same walk) -------------------------------- */

static uint64_t rng_state;
static uint64_t rng(void) /* xorshift64*: the same cases on every run */
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545F4914F6CDD1Dull;
}

static const char *const mut_samples[] = {
    "tests/data/flowlogs/ndjson-e-before-b.json",
    "tests/data/flowlogs/open-blob.json",
    "tests/data/flowlogs/problems.json",
    "tests/data/flowlogs/v1-dashes.json",
    "tests/data/flowlogs/vnet.json",
    REALWORLD "nsg-v1-docs.json",
    REALWORLD "nsg-v1-gist-crlf.json",
    REALWORLD "nsg-v2-docs.json",
    REALWORLD "nsg-v2-gist-macaddress.json",
    REALWORLD "vnet-docs-bandwidth.json",
    REALWORLD "vnet-docs.json",
};
#define N_MUT_SAMPLES (sizeof(mut_samples) / sizeof(mut_samples[0]))

/* Mutate a copy of one sample: byte flips to JSON-significant bytes,
 * truncation, splices with another sample, duplicated and deleted ranges. */
static GString *mutate(char *const *smp, const size_t *slen)
{
    static const char alpha[] = "{}[]\",:\\0123456789.-TUIOADBCE \n\x00\xff";
    size_t i = rng() % N_MUT_SAMPLES;
    GString *g = g_string_new_len(smp[i], (gssize)slen[i]);
    int ops = 1 + (int)(rng() % 4);
    for (int k = 0; k < ops && g->len; k++) {
        size_t at = rng() % g->len, n = 1 + rng() % 64;
        switch (rng() % 6) {
        case 0:
        case 1: /* flip bytes */
            for (size_t j = 0; j < 1 + rng() % 4; j++)
                g->str[rng() % g->len] = alpha[rng() % (sizeof(alpha) - 1)];
            break;
        case 2: /* truncate */
            g_string_truncate(g, at);
            break;
        case 3: { /* splice: this prefix, another sample's suffix */
            size_t o = rng() % N_MUT_SAMPLES;
            size_t from = rng() % (slen[o] + 1);
            g_string_truncate(g, at);
            g_string_append_len(g, smp[o] + from, (gssize)(slen[o] - from));
            break;
        }
        case 4: /* duplicate a range */
            if (at + n > g->len)
                n = g->len - at;
            g_string_insert_len(g, (gssize)at, g->str + at, (gssize)n);
            break;
        default: /* delete a range */
            if (at + n > g->len)
                n = g->len - at;
            g_string_erase(g, (gssize)at, (gssize)n);
            break;
        }
    }
    return g;
}

static void count_problem(void *ctx, uint64_t off, const char *what)
{
    ck_assert_ptr_nonnull(what);
    ck_assert(what[0] != '\0');
    (*(uint64_t *)ctx) = off;
}

/* Scan, walk and tokenize a file as the importer does: every answer is a
 * record, the end or a reported problem; offsets stay inside the file and
 * the scanner always makes progress. */
static void hostile_walk(const char *path, size_t size, uint64_t start)
{
    struct nsg_imp_fl_scanner *sc = NULL;
    struct nsg_err err = NSG_ERR_INIT;
    uint64_t poff = 0, last = 0;
    const char *rec;
    size_t len;
    uint64_t off;
    int k, n = 0;
    ck_assert_int_eq(nsg_imp_fl_scan_open(path, start, start > 0, count_problem, &poff,
                                  &sc, &err),
                     0);
    while ((k = nsg_imp_fl_scan_next(sc, &rec, &len, &off, &err)) == 1) {
        ck_assert_int_lt(++n, 100000);
        ck_assert_uint_le(off + len, size);
        ck_assert_uint_ge(off, last);
        last = off + 1;
        struct nsg_imp_fl_record r;
        size_t where = 0;
        const char *why = NULL;
        nsg_imp_fl_record_init(&r);
        if (nsg_imp_fl_record_parse(&r, rec, len, &where, &why)) {
            ck_assert_ptr_nonnull(why);
            ck_assert_uint_le(where, len);
            nsg_imp_fl_scan_resync(sc);
        } else {
            enum nsg_imp_fl_kind kind = r.vnet ? NSG_IMP_FL_KIND_VNET : NSG_IMP_FL_KIND_NSG;
            for (guint i = 0; i < r.spans->len; i++) {
                const struct nsg_imp_fl_span *sp =
                    &g_array_index(r.spans, struct nsg_imp_fl_span, i);
                struct nsg_imp_fl_tuple t;
                const char *rule, *mac, *acl;
                why = NULL;
                if (nsg_imp_fl_tuple_parse(sp->p, sp->len, kind, &t, &why))
                    ck_assert_ptr_nonnull(why);
                else
                    ck_assert(t.version == 1 || t.version == 2 ||
                              t.version == 4);
                nsg_imp_fl_record_context(&r, sp->frame, &rule, &mac, &acl);
            }
        }
        nsg_imp_fl_record_release(&r);
    }
    ck_assert_int_eq(k, 0); /* never an I/O error on a regular file */
    ck_assert_uint_le(poff, size + 1);
    (void)nsg_imp_fl_scan_closed(sc);
    nsg_imp_fl_scan_close(sc);
}

START_TEST(hostile_mutations_never_crash)
{
    char *smp[N_MUT_SAMPLES];
    size_t slen[N_MUT_SAMPLES];
    for (size_t i = 0; i < N_MUT_SAMPLES; i++)
        ck_assert_ptr_nonnull(smp[i] = slurp(mut_samples[i], &slen[i]));
    char *p = path_in("hostile.json");
    rng_state = 0x9E3779B97F4A7C15ull;
    for (int c = 0; c < 3000; c++) {
        GString *g = mutate(smp, slen);
        FILE *f = fopen(p, "wb");
        ck_assert_ptr_nonnull(f);
        ck_assert_uint_eq(fwrite(g->str, 1, g->len, f), g->len);
        ck_assert_int_eq(fclose(f), 0);
        hostile_walk(p, g->len, 0);
        if (g->len > 2) /* resumed at an arbitrary offset, inside a list */
            hostile_walk(p, g->len, rng() % g->len);
        g_string_free(g, TRUE);
    }
    for (size_t i = 0; i < N_MUT_SAMPLES; i++)
        g_free(smp[i]);
    g_free(p);
}
END_TEST

/* The tokenizer's numbers (read 8 digits at a time where 8 bytes are
 * readable) equal strtoull's for every length 0..20 and every distance to
 * the end of the buffer; the buffer is exactly len + 1 bytes so that ASan
 * catches any read past s[len]. */
START_TEST(tuple_numbers_any_length_and_alignment)
{
    rng_state = 0x1234567ull;
    for (int c = 0; c < 20000; c++) {
        char digits[4][24];
        char txt[160];
        for (int i = 0; i < 4; i++) {
            int nd = (int)(rng() % 21);
            for (int j = 0; j < nd; j++)
                digits[i][j] = (char)('0' + rng() % 10);
            digits[i][nd] = '\0';
        }
        int port = (int)(rng() % 65536);
        unsigned t = 1000000000u + (unsigned)(rng() % 900000000u);
        snprintf(txt, sizeof(txt),
                 "%u,10.%d.0.4,192.168.%d.1,%d,%d,T,I,A,C,%s,%s,%s,%s", t, (int)(rng() % 256), (int)(rng() % 256), port,
                 (int)(rng() % 65536), digits[0], digits[1], digits[2],
                 digits[3]);
        size_t len = strlen(txt);
        char *s = malloc(len + 1);
        memcpy(s, txt, len + 1);
        struct nsg_imp_fl_tuple tu;
        const char *why = NULL;
        int rc = nsg_imp_fl_tuple_parse(s, len, NSG_IMP_FL_KIND_NSG, &tu, &why);
        bool fits = true;
        for (int i = 0; i < 4; i++) {
            errno = 0;
            unsigned long long v = strtoull(digits[i], NULL, 10);
            if (errno == ERANGE) {
                fits = false;
                continue;
            }
            if (!rc)
                ck_assert_uint_eq(tu.c[i], v);
        }
        if (fits)
            ck_assert_msg(rc == 0, "%s: %s", txt, why);
        else
            ck_assert_int_eq(rc, -1);
        ck_assert_int_eq(tu.time, (int64_t)t);
        ck_assert_int_eq(tu.sport, port);
        free(s);
    }
}
END_TEST

/* The end of a JSON string (imp_jstr.h, 16 bytes per step) against a
 * reference written here: the closing quote is the first '"' preceded by
 * an even number of backslashes.  Random strings of quotes, backslashes
 * and letters at every length and offset, in a buffer of exactly the
 * bytes given (ASan catches a read past it). */
static const char *ref_jstr_end(const char *p, const char *end, bool *esc)
{
    for (const char *q = p; q < end; q++) {
        if (*q != '"')
            continue;
        size_t bs = 0;
        while (q - bs > p && q[-(ptrdiff_t)bs - 1] == '\\')
            bs++;
        if (bs % 2 == 0) {
            *esc = memchr(p, '\\', (size_t)(q - p)) != NULL;
            return q;
        }
    }
    return NULL;
}

START_TEST(json_string_end_matches_reference)
{
    rng_state = 0xfeedull;
    for (int c = 0; c < 50000; c++) {
        size_t n = (size_t)(rng() % 70);
        char *b = malloc(n ? n : 1);
        unsigned dens = (unsigned)(rng() % 4); /* how often quote or \\ */
        for (size_t i = 0; i < n; i++) {
            unsigned r = (unsigned)(rng() % 32);
            b[i] = r < dens ? '"' : r < 2 * dens ? '\\' : (char)('a' + r % 26);
        }
        bool e1 = false, e2 = false;
        const char *got = nsg_imp_jstr_end(b, b + n, &e1);
        const char *want = ref_jstr_end(b, b + n, &e2);
        ck_assert_ptr_eq(got, want);
        if (want)
            ck_assert_int_eq(e1, e2);
        free(b);
    }
}
END_TEST

/* The tokenizer against a reference written here from the documented
 * tuple rules (NSG flow logs v1 and v2, VNet flow logs): split at commas,
 * decimal fields checked digit by digit, addresses by inet_pton.  Random
 * tuples near the valid shape (addresses with 1- to 4-digit octets,
 * leading zeros, 256, missing or extra octets, IPv6; times of 1 to 21
 * digits; empty, long and non-numeric ports and counters; wrong letters;
 * v1, v2 and VNet shapes), each in a buffer of exactly len + 1 bytes
 * (ASan catches a read past the closing quote), read both with the SSSE3
 * address reader (where the CPU has it) and without. */
static bool ref_num(const char *s, size_t n, uint64_t max, bool empty_ok,
                    uint64_t *out)
{
    uint64_t v = 0;
    *out = 0;
    if (!n)
        return empty_ok;
    if (n > 20) /* UINT64_MAX has 20 digits: longer is refused, zeros too */
        return false;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        unsigned d = (unsigned)(s[i] - '0');
        if (v > (UINT64_MAX - d) / 10)
            return false;
        v = v * 10 + d;
    }
    *out = v;
    return v <= max;
}

static bool ref_ip(const char *s, size_t n, struct nsg_ip *ip)
{
    char b[64];
    unsigned char a[16];
    if (n >= sizeof(b))
        return false;
    memcpy(b, s, n);
    b[n] = '\0';
    if (memchr(b, ':', n)) {
        if (inet_pton(AF_INET6, b, a) != 1)
            return false;
        ip->family = 6;
        ip->v = 0;
        for (int i = 0; i < 16; i++)
            ip->v = ip->v << 8 | a[i];
        return true;
    }
    if (inet_pton(AF_INET, b, a) != 1)
        return false;
    ip->family = 4;
    ip->v = (nsg_u128)a[0] << 24 | (nsg_u128)a[1] << 16 | a[2] << 8 | a[3];
    return true;
}

static bool ref_char(const char *s, size_t n, const char *allowed, char *c)
{
    if (n != 1 || !s[0] || !strchr(allowed, s[0]))
        return false;
    *c = s[0];
    return true;
}

static bool ref_tuple(const char *s, size_t len, bool vnet,
                      struct nsg_imp_fl_tuple *t)
{
    const char *f[20];
    size_t fl[20], nf = 0, start = 0;
    uint64_t v;
    char c;
    memset(t, 0, sizeof(*t));
    for (size_t i = 0; i <= len; i++)
        if (i == len || s[i] == ',') {
            if (nf == 20)
                return false;
            f[nf] = s + start;
            fl[nf++] = i - start;
            start = i + 1;
        }
    if (vnet ? nf != 13 : nf != 8 && nf != 13)
        return false;
    if (!ref_num(f[0], fl[0], INT64_MAX, false, &v))
        return false;
    t->time = (int64_t)(v >= 100000000000ull ? v / 1000 : v); /* ms */
    if (!ref_ip(f[1], fl[1], &t->src) || !ref_ip(f[2], fl[2], &t->dst) ||
        t->src.family != t->dst.family)
        return false;
    if (!ref_num(f[3], fl[3], 65535, vnet, &v))
        return false;
    t->sport = (uint16_t)v;
    if (!ref_num(f[4], fl[4], 65535, vnet, &v))
        return false;
    t->dport = (uint16_t)v;
    if (fl[5] == 1 && (f[5][0] == 'T' || f[5][0] == 'U'))
        t->proto = f[5][0] == 'T' ? 6 : 17;
    else if (ref_num(f[5], fl[5], 255, false, &v))
        t->proto = (uint8_t)v;
    else
        return false;
    if (!ref_char(f[6], fl[6], "IO", &c))
        return false;
    t->dir = c == 'I' ? NSG_DIR_IN : NSG_DIR_OUT;
    if (vnet) {
        if (!ref_char(f[7], fl[7], "BCED", &t->state))
            return false;
        t->decision = t->state == 'D' ? 'D' : 'A';
        t->version = 4;
    } else {
        if (!ref_char(f[7], fl[7], "AD", &t->decision))
            return false;
        t->version = nf == 8 ? 1 : 2;
        if (nf == 8)
            return true;
        if (!ref_char(f[8], fl[8], "BCE", &t->state))
            return false;
    }
    for (int i = 0; i < 4; i++)
        if (!ref_num(f[9 + i], fl[9 + i], UINT64_MAX, true, &t->c[i]))
            return false;
    return true;
}

static void gen_digits(GString *g, int n)
{
    for (int i = 0; i < n; i++)
        g_string_append_c(g, (char)('0' + rng() % 10));
}

static void gen_ip(GString *g)
{
    unsigned r = (unsigned)(rng() % 60);
    if (r == 0) {
        g_string_append(g, rng() % 2 ? "2001:db8::17" : "fe80::1:2:3:4");
        return;
    }
    int octets = r == 1 ? 3 : r == 2 ? 5 : 4;
    for (int i = 0; i < octets; i++) {
        if (i)
            g_string_append_c(g, rng() % 197 ? '.' : rng() % 2 ? ',' : 'x');
        unsigned k = (unsigned)(rng() % 100);
        if (k == 0) /* empty octet */
            continue;
        if (k == 1) {
            g_string_append(g, rng() % 2 ? "0" : "00");
            gen_digits(g, (int)(rng() % 3));
        } else if (k == 2) {
            gen_digits(g, 4);
        } else if (k == 3) {
            g_string_append_printf(g, "%u", 250 + (unsigned)(rng() % 10));
        } else {
            g_string_append_printf(g, "%u", (unsigned)(rng() % 256));
        }
    }
    if (rng() % 80 == 0)
        g_string_append_c(g, rng() % 2 ? '.' : '5');
}

static void gen_field_num(GString *g, int typical, bool empty_often)
{
    unsigned r = (unsigned)(rng() % 80);
    if (empty_often && rng() % 3 == 0)
        return;
    if (r == 0)
        return; /* empty */
    if (r == 1)
        gen_digits(g, 17 + (int)(rng() % 5)); /* around 2^64 */
    else if (r == 2)
        g_string_append(g, rng() % 2 ? "x" : "-1");
    else
        gen_digits(g, 1 + (int)(rng() % (unsigned)typical));
}

/* One of the first `valid` entries of v four times in five, else any. */
static const char *pick(const char *const *v, size_t n, size_t valid)
{
    return v[rng() % 5 ? rng() % valid : rng() % n];
}

static GString *gen_tuple(bool vnet)
{
    /* valid ones first (for VNet, protocol numbers and state D) */
    static const char *const protos[] = {"T", "U", "6", "17", "300", "X", ""};
    static const char *const dirs[] = {"I", "O", "X", "", "IO"};
    static const char *const decs[] = {"A", "D", "X", ""};
    static const char *const states[] = {"B", "C", "E", "D", "", "X"};
    static const char *const encs[] = {"X", "NX", "NX_HW_NOT_SUPPORTED", ""};
    GString *g = g_string_new(NULL);
    unsigned tr = (unsigned)(rng() % 40);
    if (tr == 0)
        gen_digits(g, 1 + (int)(rng() % 21));
    else if (tr == 1)
        gen_digits(g, 13); /* milliseconds */
    else if (tr == 2)
        g_string_append(g, "17636x3651");
    else
        g_string_append_printf(g, "%u", 1000000000u + (unsigned)(rng() % 900000000u));
    g_string_append_c(g, ',');
    gen_ip(g);
    g_string_append_c(g, ',');
    gen_ip(g);
    g_string_append_c(g, ',');
    gen_field_num(g, 5, vnet);
    g_string_append_c(g, ',');
    gen_field_num(g, 5, vnet);
    g_string_append_printf(g, ",%s,%s,",
                           vnet ? pick(protos + 2, 5, 2) : pick(protos, 7, 2),
                           pick(dirs, 5, 2));
    if (vnet) {
        g_string_append_printf(g, "%s,%s", pick(states, 6, 4),
                               pick(encs, 4, 4));
    } else {
        g_string_append(g, pick(decs, 4, 2));
        if (rng() % 6 == 0) /* v1: 8 fields */
            return g;
        g_string_append_printf(g, ",%s", pick(states, 6, 3));
    }
    for (int i = 0; i < 4; i++) {
        g_string_append_c(g, ',');
        gen_field_num(g, 7, true);
    }
    if (rng() % 60 == 0)
        g_string_append(g, rng() % 2 ? "," : "1,2");
    return g;
}

static void tuple_eq_ref(bool portable)
{
    rng_state = 0x7e57ab1e5eedull;
    nsg_imp_fl_tuple_portable(portable);
    unsigned accepted = 0, n = 100000;
    for (unsigned c = 0; c < n; c++) {
        bool vnet = rng() % 4 == 0;
        GString *g = gen_tuple(vnet);
        char *s = malloc(g->len + 1);
        memcpy(s, g->str, g->len);
        s[g->len] = '"'; /* as in the record text */
        struct nsg_imp_fl_tuple got, want;
        const char *why = NULL;
        int rc = nsg_imp_fl_tuple_parse(
            s, g->len, vnet ? NSG_IMP_FL_KIND_VNET : NSG_IMP_FL_KIND_NSG, &got,
            &why);
        bool ok = ref_tuple(g->str, g->len, vnet, &want);
        ck_assert_msg((rc == 0) == ok, "%s (%s): tokenizer %s, reference %s",
                      g->str, vnet ? "vnet" : "nsg", rc ? why : "accepts",
                      ok ? "accepts" : "refuses");
        if (ok) {
            accepted++;
            ck_assert_msg(got.time == want.time && got.sport == want.sport &&
                              got.dport == want.dport &&
                              got.proto == want.proto && got.dir == want.dir &&
                              got.decision == want.decision &&
                              got.state == want.state &&
                              got.version == want.version,
                          "%s: fields differ", g->str);
            ck_assert_msg(got.src.family == want.src.family &&
                              got.src.v == want.src.v &&
                              got.dst.family == want.dst.family &&
                              got.dst.v == want.dst.v,
                          "%s: addresses differ", g->str);
            for (int i = 0; i < 4; i++)
                ck_assert_msg(got.c[i] == want.c[i], "%s: counter %d", g->str,
                              i);
        }
        free(s);
        g_string_free(g, TRUE);
    }
    nsg_imp_fl_tuple_portable(false);
    /* both outcomes are exercised, not only refusals */
    ck_assert_uint_gt(accepted, n / 10);
    ck_assert_uint_lt(accepted, n - n / 10);
}

START_TEST(tuple_matches_reference)
{
    tuple_eq_ref(_i == 1);
}
END_TEST

static Suite *flowlog_suite(void)
{
    Suite *s = suite_create("flowlog");
    TCase *tc = tcase_create("tokenizer");
    tcase_add_test(tc, tuple_v1_every_field);
    tcase_add_test(tc, tuple_v2_begin_and_end);
    tcase_add_test(tc, tuple_vnet);
    tcase_add_test(tc, tuple_ipv6);
    tcase_add_test(tc, tuple_bad);
    tcase_add_test(tc, record_nsg_context);
    tcase_add_test(tc, record_vnet_and_errors);
    tcase_add_test(tc, blob_key_normalized);
    suite_add_tcase(s, tc);
    tc = tcase_create("scanner");
    tcase_add_checked_fixture(tc, mk_tmp, rm_tmp);
    tcase_add_test(tc, scan_document_and_open_blob);
    tcase_add_test(tc, scan_fragment_ndjson_bom);
    tcase_add_test(tc, scan_trailing_comma_and_garbage);
    suite_add_tcase(s, tc);
    tc = tcase_create("hostile");
    tcase_add_checked_fixture(tc, mk_tmp, rm_tmp);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, hostile_mutations_never_crash);
    tcase_add_test(tc, tuple_numbers_any_length_and_alignment);
    tcase_add_test(tc, json_string_end_matches_reference);
    suite_add_tcase(s, tc);
    tc = tcase_create("import");
    tcase_add_checked_fixture(tc, mk_tmp, rm_tmp);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, import_counts_and_aggregation);
    tcase_add_test(tc, import_growing_blob_and_idempotent);
    tcase_add_test(tc, import_checkpoint_mismatch_fallback);
    tcase_add_test(tc, import_stream_matches_file);
    tcase_add_test(tc, import_variants_and_problems);
    tcase_add_test(tc, import_unknown_and_admin);
    tcase_add_test(tc, import_spill_matches);
    tcase_add_test(tc, import_lanes_match_one);
    tcase_add_loop_test(tc, tuple_matches_reference, 0, 2);
    tcase_add_test(tc, import_killed_leaves_corpus);
    tcase_add_test(tc, compaction_merges_segments);
    tcase_add_loop_test(tc, realworld_sample_reads_as_written, 0,
                        (int)(sizeof(realworld) / sizeof(realworld[0])));
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(flowlog_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
