/* check_flowstore.c - unit tests of the flow store: segment files round
 * trip exactly (every field, IPv4 and IPv6, with and without MAC, strings,
 * large counters, negative deltas), corrupt or truncated segments are
 * refused with the file and offset, and nsg_flows_* iterates over every
 * segment the manifest lists. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../corpus/fstore_int.h"

static char tmp[256];

static void mk_tmp(void)
{
    snprintf(tmp, sizeof(tmp), "/tmp/check_flowstore.XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(tmp));
}

static void rm_tmp(void)
{
    char cmd[300];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp);
    ck_assert_int_eq(system(cmd), 0);
}

/* A deterministic pseudo-random record i (strings refer to 3 entries). */
static void make_rec(unsigned i, struct nsg_flowrec *r)
{
    uint64_t x = i * 0x9E3779B97F4A7C15ull + 7;
    memset(r, 0, sizeof(*r));
    r->nsg = (uint32_t)(i % 4); /* 0 = none */
    r->acl = (uint32_t)((i + 1) % 4);
    r->target = (uint32_t)((i + 2) % 4);
    r->rule = 1 + (uint32_t)(i % 3);
    r->has_mac = i % 5 != 0;
    for (int k = 0; k < 6 && r->has_mac; k++)
        r->mac[k] = (uint8_t)(x >> (8 * k));
    r->version = (uint8_t)(1 + i % 4);
    r->dir = (uint8_t)(i & 1);
    r->proto = (uint8_t)(i * 7);
    r->decision = i % 3 ? 'A' : 'D';
    r->state = "BCED"[i % 4];
    r->src_fam = i % 7 == 0 ? 6 : 4;
    r->dst_fam = r->src_fam;
    for (int k = 0; k < 16; k++) {
        r->src[k] = (uint8_t)(x >> (k % 8));
        r->dst[k] = (uint8_t)(x >> ((k + 3) % 8));
    }
    if (r->src_fam == 4) { /* only 4 bytes are meaningful */
        memset(r->src + 4, 0, 12);
        memset(r->dst + 4, 0, 12);
    }
    r->sport = (uint16_t)x;
    r->dport = (uint16_t)(x >> 16);
    r->first_seen = (int64_t)(1763600000 + (x % 100000)) * (i % 11 ? 1 : -1);
    r->last_seen = r->first_seen + (int64_t)(i % 3600);
    r->count = 1 + (x % 1000);
    r->packets_sd = x >> 20;
    r->bytes_sd = i % 2 ? UINT64_MAX : 0;
    r->packets_ds = x % 77;
    r->bytes_ds = x;
}

static const char *STR[] = {"/SUBSCRIPTIONS/S/NSG/A", "UserRule_ssh",
                            "DefaultRule_DenyAllInBound"};

static char *write_seg(const char *name, unsigned n)
{
    char *p = g_build_filename(tmp, name, NULL);
    struct nsg_flowseg_writer *w;
    struct nsg_err err = NSG_ERR_INIT;
    uint64_t nf = 0, nb = 0;
    ck_assert_int_eq(nsg_flowseg_create(p, &w, &err), 0);
    for (unsigned i = 0; i < n; i++) {
        struct nsg_flowrec r;
        make_rec(i, &r);
        ck_assert_int_eq(nsg_flowseg_add(w, &r, &err), 0);
    }
    ck_assert_int_eq(nsg_flowseg_finish(w, STR, 3, &nf, &nb, &err), 0);
    ck_assert_uint_eq(nf, n);
    ck_assert_uint_gt(nb, 64);
    return p;
}

START_TEST(segment_round_trip)
{
    const unsigned N = 50000; /* several I/O buffers */
    char *p = write_seg("a.seg", N);
    struct nsg_flowseg_reader *rd;
    struct nsg_err err = NSG_ERR_INIT;
    struct nsg_flowrec got, want;
    ck_assert_int_eq(nsg_flowseg_open(p, &rd, &err), 0);
    ck_assert_uint_eq(nsg_flowseg_count(rd), N);
    ck_assert_str_eq(nsg_flowseg_string(rd, 1), STR[0]);
    ck_assert_str_eq(nsg_flowseg_string(rd, 3), STR[2]);
    ck_assert_ptr_null(nsg_flowseg_string(rd, 0));
    ck_assert_ptr_null(nsg_flowseg_string(rd, 4));
    for (unsigned i = 0; i < N; i++) {
        ck_assert_int_eq(nsg_flowseg_next(rd, &got, &err), 1);
        make_rec(i, &want);
        ck_assert_msg(!memcmp(&got, &want, sizeof(got)), "record %u differs",
                      i);
    }
    ck_assert_int_eq(nsg_flowseg_next(rd, &got, &err), 0);
    nsg_flowseg_close(rd);
    g_free(p);
}
END_TEST

START_TEST(flow_view)
{
    char *p = write_seg("b.seg", 8);
    struct nsg_flowseg_reader *rd;
    struct nsg_err err = NSG_ERR_INIT;
    struct nsg_flowrec r;
    struct nsg_flow f;
    ck_assert_int_eq(nsg_flowseg_open(p, &rd, &err), 0);
    ck_assert_int_eq(nsg_flowseg_next(rd, &r, &err), 1); /* i = 0 */
    nsg_flowrec_to_flow(rd, &r, &f);
    ck_assert_ptr_null(f.nsg_id);
    ck_assert_str_eq(f.acl_id, STR[0]);
    ck_assert_str_eq(f.target_id, STR[1]);
    ck_assert_str_eq(f.rule, STR[0]);
    ck_assert_str_eq(f.mac, ""); /* i % 5 == 0: no MAC */
    ck_assert_int_eq(f.src.family, 6);
    ck_assert_int_eq(nsg_flowseg_next(rd, &r, &err), 1); /* i = 1 */
    nsg_flowrec_to_flow(rd, &r, &f);
    char hex[13];
    for (int k = 0; k < 6; k++)
        snprintf(hex + 2 * k, 3, "%02X", r.mac[k]);
    ck_assert_str_eq(f.mac, hex);
    ck_assert_int_eq(f.src.family, 4);
    ck_assert(f.src.v ==
              (nsg_u128)((uint32_t)r.src[0] << 24 | (uint32_t)r.src[1] << 16 |
                         (uint32_t)r.src[2] << 8 | r.src[3]));
    ck_assert_int_eq(f.dir, NSG_DIR_OUT);
    ck_assert_int_eq(f.state, 'C');
    ck_assert_int_eq(f.decision, 'A');
    ck_assert_uint_eq(f.bytes_sd, UINT64_MAX);
    ck_assert_int_eq(f.last_seen - f.first_seen, 1);
    nsg_flowseg_close(rd);
    g_free(p);
}
END_TEST

START_TEST(segment_corrupt)
{
    char *p = write_seg("c.seg", 1000);
    struct nsg_flowseg_reader *rd;
    struct nsg_err err = NSG_ERR_INIT;
    struct nsg_flowrec r;
    /* not a segment */
    char *q = g_build_filename(tmp, "junk.seg", NULL);
    g_file_set_contents(q, "{\"records\":[]}", -1, NULL);
    ck_assert_int_eq(nsg_flowseg_open(q, &rd, &err), NSG_E_INPUT);
    ck_assert_ptr_nonnull(strstr(err.msg, "junk.seg"));
    /* truncated in the middle of the flows: the string table is gone */
    ck_assert_int_eq(truncate(p, 5000), 0);
    ck_assert_int_ne(nsg_flowseg_open(p, &rd, &err), 0);
    /* a flag byte with unknown bits in the first record */
    g_free(p);
    p = write_seg("d.seg", 10);
    FILE *f = fopen(p, "r+b");
    ck_assert_ptr_nonnull(f);
    fseek(f, 64, SEEK_SET);
    fputc(0xF0, f);
    fclose(f);
    ck_assert_int_eq(nsg_flowseg_open(p, &rd, &err), 0);
    ck_assert_int_lt(nsg_flowseg_next(rd, &r, &err), 0);
    ck_assert_ptr_nonnull(strstr(err.msg, "offset 64"));
    nsg_flowseg_close(rd);
    g_free(p);
    g_free(q);
}
END_TEST

/* Patch `len` bytes at offset `at` of file p. */
static void patch(const char *p, long at, const void *bytes, size_t len)
{
    FILE *f = fopen(p, "r+b");
    ck_assert_ptr_nonnull(f);
    fseek(f, at, SEEK_SET);
    ck_assert_uint_eq(fwrite(bytes, 1, len, f), len);
    fclose(f);
}

/* A segment of another format (magic digit or version field) is refused
 * with both formats named, before any record is decoded. */
START_TEST(segment_other_format)
{
    struct nsg_flowseg_reader *rd = NULL;
    struct nsg_err err = NSG_ERR_INIT;
    char want[64];
    /* an older magic ("NSGFLOW0") */
    char *p = write_seg("old.seg", 10);
    patch(p, 7, "0", 1);
    ck_assert_int_eq(nsg_flowseg_open(p, &rd, &err), NSG_E_INPUT);
    ck_assert_ptr_null(rd);
    ck_assert_ptr_nonnull(strstr(err.msg, "old.seg has format 0"));
    snprintf(want, sizeof(want), "this nsgproof reads 1 to %d",
             NSG_FLOWSEG_VERSION);
    ck_assert_ptr_nonnull(strstr(err.msg, want));
    g_free(p);
    /* the right magic, another version field */
    p = write_seg("v7.seg", 10);
    uint8_t v[8] = {7, 0, 0, 0, 0, 0, 0, 0};
    patch(p, 8, v, 8);
    ck_assert_int_eq(nsg_flowseg_open(p, &rd, &err), NSG_E_INPUT);
    ck_assert_ptr_nonnull(strstr(err.msg, "v7.seg has format 7"));
    ck_assert_ptr_nonnull(strstr(err.msg, want));
    g_free(p);
    /* reserved header bytes set (a newer writer) */
    p = write_seg("rsv.seg", 10);
    patch(p, 50, "\1", 1);
    ck_assert_int_eq(nsg_flowseg_open(p, &rd, &err), NSG_E_INPUT);
    ck_assert_ptr_nonnull(strstr(err.msg, "reserved"));
    g_free(p);
    /* the same segment untouched opens */
    p = write_seg("ok.seg", 10);
    ck_assert_int_eq(nsg_flowseg_open(p, &rd, &err), 0);
    nsg_flowseg_close(rd);
    g_free(p);
}
END_TEST

/* Aggregate rows (source-port spans, unknown sums, flow counts) need the
 * extension of format 2: a segment holding one is written as format 2 and
 * reads back exactly, interleaved with plain records; a segment without
 * one stays format 1; an extension bit in a format-1 segment, or an
 * extension byte with unknown bits, is refused as corrupt. */
static void make_agg(unsigned i, struct nsg_flowrec *r)
{
    make_rec(i, r);
    if (i % 3 == 0)
        return; /* a plain record between aggregate ones */
    r->version = 0;
    r->state = 0;
    r->sport = (uint16_t)(i % 2 ? 0 : 1024 + i);
    r->sport_span = (uint16_t)(i % 2 ? 65535 : i % 5);
    r->unknown = (uint8_t)(i % 8);
    r->flows = i % 4 ? (uint64_t)i * 1000003u : 0;
}

START_TEST(segment_format2_aggregate_rows)
{
    const unsigned N = 30000;
    char *p = g_build_filename(tmp, "agg.seg", NULL);
    struct nsg_flowseg_writer *w;
    struct nsg_flowseg_reader *rd;
    struct nsg_err err = NSG_ERR_INIT;
    struct nsg_flowrec got, want;
    char magic[9] = {0};
    ck_assert_int_eq(nsg_flowseg_create(p, &w, &err), 0);
    for (unsigned i = 0; i < N; i++) {
        make_agg(i, &want);
        ck_assert_int_eq(nsg_flowseg_add(w, &want, &err), 0);
    }
    ck_assert_int_eq(nsg_flowseg_finish(w, STR, 3, NULL, NULL, &err), 0);
    FILE *f = fopen(p, "rb");
    ck_assert_uint_eq(fread(magic, 1, 8, f), 8);
    fclose(f);
    ck_assert_str_eq(magic, "NSGFLOW2");
    ck_assert_int_eq(nsg_flowseg_open(p, &rd, &err), 0);
    for (unsigned i = 0; i < N; i++) {
        ck_assert_int_eq(nsg_flowseg_next(rd, &got, &err), 1);
        make_agg(i, &want);
        ck_assert_msg(!memcmp(&got, &want, sizeof(got)), "record %u differs",
                      i);
    }
    ck_assert_int_eq(nsg_flowseg_next(rd, &got, &err), 0);
    /* the flow view carries the span, the unknown bits and the flows */
    nsg_flowseg_close(rd);
    ck_assert_int_eq(nsg_flowseg_open(p, &rd, &err), 0);
    ck_assert_int_eq(nsg_flowseg_next(rd, &got, &err), 1); /* i = 0 */
    ck_assert_int_eq(nsg_flowseg_next(rd, &got, &err), 1); /* i = 1 */
    struct nsg_flow fl;
    nsg_flowrec_to_flow(rd, &got, &fl);
    ck_assert_int_eq(fl.version, NSG_FLOW_AGGREGATE);
    ck_assert_uint_eq(fl.sport, 0);
    ck_assert_uint_eq(nsg_flow_sport_max(&fl), 65535);
    ck_assert_uint_eq(fl.unknown, 1);
    ck_assert_uint_eq(fl.flows, 1000003u);
    nsg_flowseg_close(rd);
    g_free(p);
    /* only plain records: format 1 */
    p = write_seg("plain.seg", 10);
    f = fopen(p, "rb");
    ck_assert_uint_eq(fread(magic, 1, 8, f), 8);
    fclose(f);
    ck_assert_str_eq(magic, "NSGFLOW1");
    /* a format-1 segment whose first record sets the extension bit */
    patch(p, 65, "\xC2", 1);
    ck_assert_int_eq(nsg_flowseg_open(p, &rd, &err), 0);
    ck_assert_int_lt(nsg_flowseg_next(rd, &got, &err), 0);
    ck_assert_ptr_nonnull(strstr(err.msg, "offset 64"));
    nsg_flowseg_close(rd);
    g_free(p);
}
END_TEST

START_TEST(segment_format2_bad_extension)
{
    char *p = g_build_filename(tmp, "ext.seg", NULL);
    struct nsg_flowseg_writer *w;
    struct nsg_flowseg_reader *rd;
    struct nsg_err err = NSG_ERR_INIT;
    struct nsg_flowrec r;
    ck_assert_int_eq(nsg_flowseg_create(p, &w, &err), 0);
    make_agg(1, &r);
    ck_assert_int_eq(nsg_flowseg_add(w, &r, &err), 0);
    ck_assert_int_eq(nsg_flowseg_finish(w, STR, 3, NULL, NULL, &err), 0);
    patch(p, 66, "\xE0", 1); /* extension byte with unknown bits */
    ck_assert_int_eq(nsg_flowseg_open(p, &rd, &err), 0);
    ck_assert_int_lt(nsg_flowseg_next(rd, &r, &err), 0);
    ck_assert_ptr_nonnull(strstr(err.msg, "corrupt flow record at offset 64"));
    nsg_flowseg_close(rd);
    g_free(p);
}
END_TEST

/* The writer merges aggregate rows of one key and hour: counts, sums and
 * flows added, seen widened; rows differing in span or unknown bits stay
 * apart (both are part of the key). */
START_TEST(merge_aggregate_rows)
{
    struct nsg_flowrec a, b;
    make_agg(2, &a);
    b = a;
    b.flows = 5;
    b.count = 3;
    b.first_seen = a.first_seen - 10;
    uint64_t fa = a.flows, ca = a.count;
    ck_assert_int_eq(nsg_flowrec_cmp(&a, &b), 0);
    nsg_flowrec_merge(&a, &b);
    ck_assert_uint_eq(a.flows, fa + 5);
    ck_assert_uint_eq(a.count, ca + 3);
    ck_assert_int_eq(a.first_seen, b.first_seen);
    b.sport_span++;
    ck_assert_int_ne(nsg_flowrec_cmp(&a, &b), 0);
    b.sport_span--;
    b.unknown ^= NSG_FLOW_NO_FLOWS;
    ck_assert_int_ne(nsg_flowrec_cmp(&a, &b), 0);
}
END_TEST

/* A manifest whose flows section has another format is refused by
 * nsg_flows_open. */
START_TEST(manifest_other_format)
{
    struct nsg_corpus *c;
    struct nsg_txn *txn;
    struct nsg_err err = NSG_ERR_INIT;
    struct nsg_flow_iter *it = NULL;
    char *dir = g_build_filename(tmp, "corpus", NULL);
    ck_assert_int_eq(nsg_corpus_open(dir, true, &c, &err), 0);
    ck_assert_int_eq(nsg_corpus_begin(c, &txn, &err), 0);
    cJSON *sec = nsg_txn_section(txn, "flows");
    cJSON_AddNumberToObject(sec, "format", 0);
    cJSON_AddArrayToObject(sec, "segments");
    ck_assert_int_eq(nsg_corpus_commit(&txn, &err), 0);
    ck_assert_int_eq(nsg_flows_open(c, &it, &err), NSG_E_INPUT);
    ck_assert_ptr_null(it);
    ck_assert_ptr_nonnull(strstr(err.msg, "format 0, this nsgproof reads"));
    nsg_corpus_close(c);
    g_free(dir);
}
END_TEST

START_TEST(iterate_corpus_segments)
{
    struct nsg_corpus *c;
    struct nsg_txn *txn;
    struct nsg_err err = NSG_ERR_INIT;
    char *dir = g_build_filename(tmp, "corpus", NULL);
    ck_assert_int_eq(nsg_corpus_open(dir, true, &c, &err), 0);
    ck_assert_int_eq(nsg_corpus_begin(c, &txn, &err), 0);
    cJSON *segs =
        cJSON_AddArrayToObject(nsg_txn_section(txn, "flows"), "segments");
    unsigned sizes[] = {3, 0, 700};
    for (int s = 0; s < 3; s++) {
        char *abs, *rel;
        struct nsg_flowseg_writer *w;
        ck_assert_int_eq(
            nsg_txn_new_file(txn, "flows", ".seg", &abs, &rel, &err), 0);
        ck_assert_int_eq(nsg_flowseg_create(abs, &w, &err), 0);
        for (unsigned i = 0; i < sizes[s]; i++) {
            struct nsg_flowrec r;
            make_rec(i + 1000u * (unsigned)s, &r);
            ck_assert_int_eq(nsg_flowseg_add(w, &r, &err), 0);
        }
        ck_assert_int_eq(nsg_flowseg_finish(w, STR, 3, NULL, NULL, &err), 0);
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "name", rel);
        cJSON_AddItemToArray(segs, o);
        free(abs);
        free(rel);
    }
    ck_assert_int_eq(nsg_corpus_commit(&txn, &err), 0);
    nsg_corpus_close(c);
    ck_assert_int_eq(nsg_corpus_open(dir, false, &c, &err), 0);
    struct nsg_flow_iter *it;
    const struct nsg_flow *f;
    unsigned n = 0;
    uint64_t count = 0, want = 0;
    ck_assert_int_eq(nsg_flows_open(c, &it, &err), 0);
    while (nsg_flows_next(it, &f, &err) == 1) {
        n++;
        count += f->count;
    }
    nsg_flows_close(it);
    for (int s = 0; s < 3; s++)
        for (unsigned i = 0; i < sizes[s]; i++) {
            struct nsg_flowrec r;
            make_rec(i + 1000u * (unsigned)s, &r);
            want += r.count;
        }
    ck_assert_uint_eq(n, 703);
    ck_assert_uint_eq(count, want);
    nsg_corpus_close(c);
    g_free(dir);
}
END_TEST

START_TEST(spill_failure_reported)
{
    /* runs cannot be written: the error comes back through the
     * aggregation thread (_i 0) or from the call that aggregated on the
     * feeding thread (_i 1), nothing leaks, the thread is joined */
    struct nsg_fstore_agg *a =
        nsg_fstore_agg_new(4, "/nonexistent-dir/for/runs");
    struct nsg_fstore_pipe *p = nsg_fstore_pipe_start(a, _i == 0);
    struct nsg_err err = NSG_ERR_INIT;
    nsg_rc rc = NSG_OK;
    for (unsigned i = 0; i < 100000 && !rc; i++) {
        struct nsg_flowrec r;
        memset(&r, 0, sizeof(r));
        r.sport = (uint16_t)i;
        r.first_seen = r.last_seen = 1763600000;
        r.count = 1;
        g_array_append_val(nsg_fstore_pipe_batch(p), r);
        rc = nsg_fstore_pipe_send(p, false, &err);
    }
    nsg_rc rc2 = nsg_fstore_pipe_finish(p, &err);
    ck_assert(rc == NSG_E_IO || rc2 == NSG_E_IO);
    ck_assert_ptr_nonnull(strstr(err.msg, "/nonexistent-dir/for/runs"));
    nsg_fstore_agg_free(a);
}
END_TEST

START_TEST(merge_and_order)
{
    struct nsg_flowrec a, b;
    make_rec(3, &a);
    b = a;
    b.first_seen = a.first_seen - 10;
    b.last_seen = a.last_seen + 10;
    b.count = 5;
    b.bytes_ds = 1;
    uint64_t c0 = a.count, bd = a.bytes_ds;
    nsg_flowrec_merge(&a, &b);
    ck_assert_int_eq(a.first_seen, b.first_seen);
    ck_assert_int_eq(a.last_seen, b.last_seen);
    ck_assert_uint_eq(a.count, c0 + 5);
    ck_assert_uint_eq(a.bytes_ds, bd + 1);
    struct nsg_flowrec x, y;
    make_rec(1, &x);
    y = x;
    ck_assert_int_eq(nsg_flowrec_cmp(&x, &y), 0);
    y.dport++;
    ck_assert_int_ne(nsg_flowrec_cmp(&x, &y), 0);
    ck_assert_int_eq(nsg_flowrec_cmp(&x, &y), -nsg_flowrec_cmp(&y, &x));
    y = x;
    y.first_seen += 7200; /* another hour */
    ck_assert_int_lt(nsg_flowrec_cmp(&x, &y), 0);
}
END_TEST

/* ---- groups sealed early ------------------------------------------------- */

/* Blob b of the sealing test: one group per (blob, rule) (the blob's own
 * MAC and hour), 300 tuples over 150 keys; a blob listed twice repeats
 * its keys (late groups).  seq selects the blob order. */
static void blob_recs(unsigned b, GArray *out)
{
    for (unsigned t = 0; t < 300; t++) {
        struct nsg_flowrec r;
        memset(&r, 0, sizeof(r));
        unsigned k = t % 150;
        r.nsg = 1;
        r.rule = 1 + k % 3;
        r.has_mac = 1;
        r.mac[5] = (uint8_t)b;
        r.mac[4] = (uint8_t)(b >> 8);
        r.version = 2;
        r.proto = 6;
        r.decision = 'A';
        r.state = 'C';
        r.src_fam = r.dst_fam = 4;
        r.src[0] = 20;
        r.src[3] = (uint8_t)k;
        r.dst[0] = 10;
        r.sport = (uint16_t)(1024 + k);
        r.dport = 443;
        r.first_seen = 1763600000 + (int64_t)(b % 24) * 3600 + t;
        r.last_seen = r.first_seen;
        r.count = 1;
        r.bytes_sd = t;
        g_array_append_val(out, r);
    }
}

static gint cmp_line(gconstpointer a, gconstpointer b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Aggregate the blobs of `seq` (n of them) with a table of `entries`,
 * sealing or not; returns the flows as sorted text lines. */
static GPtrArray *agg_lines(const unsigned *seq, size_t n, size_t entries,
                            bool sealing, size_t *runs, uint64_t *sealed)
{
    struct nsg_err err = NSG_ERR_INIT;
    char *path = g_strdup_printf("%s/seal-%d-%zu.seg", tmp, sealing, entries);
    struct nsg_fstore_agg *a = nsg_fstore_agg_new(entries, tmp);
    if (sealing)
        nsg_fstore_agg_set_output(a, path);
    GArray *recs = g_array_new(FALSE, FALSE, sizeof(struct nsg_flowrec));
    for (size_t i = 0; i < n; i++) {
        g_array_set_size(recs, 0);
        blob_recs(seq[i], recs);
        ck_assert_msg(!nsg_fstore_agg_add_batch(
                          a, (struct nsg_flowrec *)recs->data, recs->len, &err),
                      "%s", err.msg);
    }
    uint64_t nf = 0, nb = 0;
    char sha[65];
    ck_assert_msg(!nsg_fstore_agg_finish(a, path, &nf, &nb, sha, &err), "%s",
                  err.msg);
    *runs = nsg_fstore_agg_runs(a);
    *sealed = nsg_fstore_agg_sealed(a);
    nsg_fstore_agg_free(a);
    g_array_free(recs, TRUE);
    struct nsg_flowseg_reader *rd;
    ck_assert_int_eq(nsg_flowseg_open(path, &rd, &err), 0);
    GPtrArray *lines = g_ptr_array_new_with_free_func(g_free);
    struct nsg_flowrec r;
    while (nsg_flowseg_next(rd, &r, &err) == 1)
        g_ptr_array_add(
            lines, g_strdup_printf("%u/%u/%u/%u/%u/%lld|%lld/%lld/%llu/%llu",
                                   r.mac[4], r.mac[5], r.rule, r.src[3],
                                   r.sport, (long long)(r.first_seen / 3600),
                                   (long long)r.first_seen,
                                   (long long)r.last_seen,
                                   (unsigned long long)r.count,
                                   (unsigned long long)r.bytes_sd));
    ck_assert_uint_eq(lines->len, nf);
    nsg_flowseg_close(rd);
    g_ptr_array_sort(lines, cmp_line);
    /* keys (before '|') unique within the segment */
    for (guint i = 1; i < lines->len; i++) {
        const char *x = lines->pdata[i - 1], *y = lines->pdata[i];
        ck_assert_msg(strncmp(x, y, (size_t)(strchr(x, '|') - x) + 1),
                      "duplicate key %s", y);
    }
    g_free(path);
    return lines;
}

static void same_lines(GPtrArray *x, GPtrArray *y)
{
    ck_assert_uint_eq(x->len, y->len);
    for (guint i = 0; i < x->len; i++)
        ck_assert_str_eq(x->pdata[i], y->pdata[i]);
}

START_TEST(sealed_groups_match)
{
    /* 40 blobs read once: idle groups are sealed, no run is written, and
     * the flows are those of an unbounded table */
    unsigned seq[40];
    for (unsigned i = 0; i < 40; i++)
        seq[i] = i;
    size_t runs, runs_ref;
    uint64_t sealed, sealed_ref;
    GPtrArray *ref = agg_lines(seq, 40, 100000, false, &runs_ref, &sealed_ref);
    GPtrArray *got = agg_lines(seq, 40, 1200, true, &runs, &sealed);
    ck_assert_uint_eq(ref->len, 40 * 150);
    ck_assert_uint_eq(runs_ref, 0);
    ck_assert_uint_eq(sealed_ref, 0);
    ck_assert_uint_eq(runs, 0);
    ck_assert_uint_gt(sealed, 3000);
    same_lines(ref, got);
    g_ptr_array_free(got, TRUE);
    /* a table smaller than one blob: classic runs, nothing sealed early
     * that a later record could meet */
    got = agg_lines(seq, 40, 100, true, &runs, &sealed);
    ck_assert_uint_gt(runs, 0);
    same_lines(ref, got);
    g_ptr_array_free(got, TRUE);
    g_ptr_array_free(ref, TRUE);
}
END_TEST

START_TEST(late_groups_merged)
{
    /* blobs 0..29, then 3, 7 and 12 again (their groups were sealed long
     * before): the segment is rewritten with those groups merged */
    unsigned seq[33];
    for (unsigned i = 0; i < 30; i++)
        seq[i] = i;
    seq[30] = 3;
    seq[31] = 7;
    seq[32] = 12;
    size_t runs, runs_ref;
    uint64_t sealed, sealed_ref;
    GPtrArray *ref = agg_lines(seq, 33, 100000, false, &runs_ref, &sealed_ref);
    ck_assert_uint_eq(ref->len, 30 * 150);
    for (size_t entries = 400; entries <= 2400; entries += 1000) {
        GPtrArray *got = agg_lines(seq, 33, entries, true, &runs, &sealed);
        ck_assert_uint_gt(sealed, 0);
        same_lines(ref, got);
        g_ptr_array_free(got, TRUE);
    }
    g_ptr_array_free(ref, TRUE);
}
END_TEST

/* ---- the writer and its checkpoints ------------------------------------ */

#define FINAL_KEY                                                              \
    "resourceid=/subscriptions/s/resourcegroups/rg/providers/"                 \
    "microsoft.network/networksecuritygroups/n/y=2020/m=01/d=02/h=03/m=00/"    \
    "macaddress=000d3a000001/pt1h.json"
#define OPEN_KEY "/data/not-in-the-blob-layout.json"

/* Flow i of the writer test: 40 distinct keys, each given 3 times in one
 * hour (counts 1, 2, 3), IPv6 for every fifth. */
static void make_flow(unsigned i, struct nsg_flow *f)
{
    unsigned k = i % 40;
    memset(f, 0, sizeof(*f));
    f->nsg_id = k % 2 ? "/SUBSCRIPTIONS/S/NSG/A" : NULL;
    f->acl_id = k % 2 ? NULL : "00000000-0000-0000-0000-000000000001";
    f->rule = k % 3 ? "UserRule_a" : "DefaultRule_DenyAllInBound";
    if (k % 4)
        memcpy(f->mac, "000D3A000001", 13);
    f->version = k % 2 ? 2 : 4;
    f->dir = k % 2 ? NSG_DIR_IN : NSG_DIR_OUT;
    f->proto = 6;
    ck_assert_int_eq(nsg_ip_parse(k % 5 ? "10.0.0.4" : "2001:db8::4", &f->src),
                     0);
    ck_assert_int_eq(nsg_ip_parse(k % 5 ? "10.0.1.5" : "2001:db8::5", &f->dst),
                     0);
    f->sport = (uint16_t)(40000 + k);
    f->dport = 443;
    f->decision = k % 7 ? 'A' : 'D';
    f->state = 'C';
    f->first_seen = 1763600000 + (int64_t)(i / 40) * 60;
    f->last_seen = f->first_seen + 30;
    f->count = 1 + i / 40;
    f->packets_sd = 10 * f->count;
    f->bytes_sd = 1000 * f->count;
}

START_TEST(writer_flows_and_checkpoints)
{
    struct nsg_corpus *c;
    struct nsg_txn *txn;
    struct nsg_fstore_writer *w;
    struct nsg_fstore_result res;
    struct nsg_err err = NSG_ERR_INIT;
    char *dir = g_build_filename(tmp, "corpus", NULL);
    struct nsg_fstore_opts opt = {8, false}; /* spills */
    ck_assert_int_eq(nsg_corpus_open(dir, true, &c, &err), 0);
    ck_assert_int_eq(nsg_corpus_begin(c, &txn, &err), 0);
    ck_assert_int_eq(nsg_fstore_writer_open(txn, &opt, &w, &err), 0);
    uint64_t want_count = 0, want_bytes = 0;
    for (unsigned i = 0; i < 120; i++) {
        struct nsg_flow f;
        make_flow(i, &f);
        want_count += f.count;
        want_bytes += f.bytes_sd;
        ck_assert_msg(!nsg_fstore_add_flow(w, &f, &err), "%s", err.msg);
    }
    struct nsg_flow bad;
    make_flow(1, &bad);
    bad.dst.family = 6; /* families differ */
    ck_assert_int_eq(nsg_fstore_add_flow(w, &bad, &err), NSG_E_INPUT);
    static const uint64_t hashes[] = {11, 22, 33};
    struct nsg_fstore_ckpt cp;
    memset(&cp, 0, sizeof(cp));
    cp.offset = 1000;
    cp.length = 200;
    memset(cp.hash, 'a', 64);
    cp.records = 3;
    cp.list = cp.closed = true;
    cp.seen = hashes;
    cp.n_seen = 3;
    char *key = nsg_fstore_blob_key("/x/resourceId=/SUBSCRIPTIONS/S/"
                                    "RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT."
                                    "NETWORK/NETWORKSECURITYGROUPS/N/y=2020/"
                                    "m=01/d=02/h=03/m=00/macAddress="
                                    "000D3A000001/PT1H.json");
    ck_assert_str_eq(key, FINAL_KEY);
    nsg_fstore_ckpt_put(w, key, &cp); /* closed, its hour long over */
    cp.closed = false;
    nsg_fstore_ckpt_put(w, OPEN_KEY, &cp);
    ck_assert(nsg_fstore_ckpt_get(w, FINAL_KEY)->final);
    ck_assert_uint_eq(nsg_fstore_ckpt_get(w, FINAL_KEY)->n_seen, 0);
    ck_assert_msg(!nsg_fstore_writer_finish(&w, &res, &err), "%s", err.msg);
    ck_assert_ptr_null(w);
    ck_assert_uint_eq(res.records, 120);
    ck_assert_uint_eq(res.flows, 40); /* three of each key in one hour */
    ck_assert_uint_gt(res.spill_runs, 0);
    ck_assert_ptr_nonnull(res.segment);
    nsg_fstore_result_release(&res);
    ck_assert_int_eq(nsg_corpus_commit(&txn, &err), 0);
    nsg_corpus_close(c);

    /* read back: every flow, counts summed per key */
    ck_assert_int_eq(nsg_corpus_open(dir, false, &c, &err), 0);
    struct nsg_flow_iter *it;
    const struct nsg_flow *f;
    uint64_t n = 0, count = 0, bytes = 0, v6 = 0;
    ck_assert_int_eq(nsg_flows_open(c, &it, &err), 0);
    while (nsg_flows_next(it, &f, &err) == 1) {
        n++;
        count += f->count;
        bytes += f->bytes_sd;
        v6 += f->src.family == 6;
        ck_assert_uint_eq(f->count, 6); /* 1 + 2 + 3 */
        ck_assert_int_eq(f->last_seen - f->first_seen, 120 + 30);
        ck_assert_str_eq(f->mac, (f->sport - 40000) % 4 ? "000D3A000001" : "");
    }
    nsg_flows_close(it);
    ck_assert_uint_eq(n, 40);
    ck_assert_uint_eq(count, want_count);
    ck_assert_uint_eq(bytes, want_bytes);
    ck_assert_uint_eq(v6, 8);
    /* the checkpoints come back from their side files */
    ck_assert_int_eq(nsg_corpus_begin(c, &txn, &err), 0);
    ck_assert_int_eq(nsg_fstore_writer_open(txn, NULL, &w, &err), 0);
    const struct nsg_fstore_ckpt *fin = nsg_fstore_ckpt_get(w, FINAL_KEY);
    const struct nsg_fstore_ckpt *op = nsg_fstore_ckpt_get(w, OPEN_KEY);
    ck_assert_ptr_nonnull(fin);
    ck_assert_ptr_nonnull(op);
    ck_assert(fin->final && fin->n_seen == 0 && fin->offset == 1000);
    ck_assert(!op->final && op->n_seen == 3 && op->seen[2] == 33);
    ck_assert_ptr_null(nsg_fstore_ckpt_get(w, "no-such-blob"));
    nsg_fstore_writer_abort(w);
    nsg_corpus_rollback(txn);
    nsg_corpus_close(c);
    free(key);
    g_free(dir);
}
END_TEST

static int count_kind(struct nsg_corpus *c, const char *kind)
{
    const cJSON *f;
    int n = 0;
    cJSON_ArrayForEach(
        f, cJSON_GetObjectItem(nsg_corpus_section(c, "flows"), "checkpoints"))
        n += !strcmp(cJSON_GetObjectItem(f, "kind")->valuestring, kind);
    return n;
}

/* Each import adds at most one final file; more than 8 are merged into
 * one; every blob stays readable; a side file that does not hash as the
 * manifest says is refused. */
START_TEST(checkpoint_files_merge_and_verify)
{
    struct nsg_corpus *c;
    struct nsg_err err = NSG_ERR_INIT;
    char *dir = g_build_filename(tmp, "corpus", NULL);
    ck_assert_int_eq(nsg_corpus_open(dir, true, &c, &err), 0);
    for (int i = 0; i < 12; i++) {
        struct nsg_txn *txn;
        struct nsg_fstore_writer *w;
        struct nsg_fstore_result res;
        struct nsg_fstore_ckpt cp;
        char key[200];
        memset(&cp, 0, sizeof(cp));
        cp.closed = cp.list = true;
        cp.records = (uint64_t)i;
        snprintf(key, sizeof(key),
                 "resourceid=/s/y=2020/m=01/d=%02d/h=00/m=00/pt1h.json", i + 1);
        ck_assert_int_eq(nsg_corpus_begin(c, &txn, &err), 0);
        ck_assert_int_eq(nsg_fstore_writer_open(txn, NULL, &w, &err), 0);
        nsg_fstore_ckpt_put(w, key, &cp);
        ck_assert_int_eq(nsg_fstore_writer_finish(&w, &res, &err), 0);
        ck_assert_ptr_null(res.segment); /* no records, no segment */
        ck_assert_int_eq(nsg_corpus_commit(&txn, &err), 0);
        ck_assert_int_le(count_kind(c, "final"), 8);
        ck_assert_int_eq(count_kind(c, "open"), 0);
    }
    ck_assert_int_lt(count_kind(c, "final"), 8); /* merged on the way */
    struct nsg_txn *txn;
    struct nsg_fstore_writer *w;
    ck_assert_int_eq(nsg_corpus_begin(c, &txn, &err), 0);
    ck_assert_int_eq(nsg_fstore_writer_open(txn, NULL, &w, &err), 0);
    for (int i = 0; i < 12; i++) {
        char key[200];
        snprintf(key, sizeof(key),
                 "resourceid=/s/y=2020/m=01/d=%02d/h=00/m=00/pt1h.json", i + 1);
        const struct nsg_fstore_ckpt *cp = nsg_fstore_ckpt_get(w, key);
        ck_assert_ptr_nonnull(cp);
        ck_assert_uint_eq(cp->records, (uint64_t)i);
    }
    nsg_fstore_writer_abort(w);
    nsg_corpus_rollback(txn);
    /* one byte of a checkpoint file changed */
    const cJSON *f = cJSON_GetArrayItem(
        cJSON_GetObjectItem(nsg_corpus_section(c, "flows"), "checkpoints"), 0);
    char *p = nsg_corpus_path(c, cJSON_GetObjectItem(f, "name")->valuestring);
    patch(p, 10, "X", 1);
    ck_assert_int_eq(nsg_corpus_begin(c, &txn, &err), 0);
    ck_assert_int_eq(nsg_fstore_writer_open(txn, NULL, &w, &err), NSG_E_INPUT);
    ck_assert_ptr_nonnull(strstr(err.msg, "fsck"));
    nsg_corpus_rollback(txn);
    nsg_corpus_close(c);
    free(p);
    g_free(dir);
}
END_TEST

START_TEST(blob_final_needs_closed_and_an_hour_over)
{
    const char *k = "resourceid=/s/y=2026/m=11/d=20/h=13/m=00/pt1h.json";
    int64_t end = 1795183200; /* 2026-11-20T14:00:00Z */
    ck_assert(!nsg_fstore_blob_final(k, false, end + 86400));
    ck_assert(!nsg_fstore_blob_final(k, true, end));
    ck_assert(
        !nsg_fstore_blob_final(k, true, end + NSG_FSTORE_FINAL_AFTER - 1));
    ck_assert(nsg_fstore_blob_final(k, true, end + NSG_FSTORE_FINAL_AFTER));
    ck_assert(!nsg_fstore_blob_final("/tmp/blob.json", true, end * 2));
    ck_assert(!nsg_fstore_blob_final("resourceid=/s/y=2026/m=13/d=20/h=13/x",
                                     true, end * 2));
    ck_assert_ptr_null(nsg_fstore_blob_key("/tmp/blob.json"));
}
END_TEST

static Suite *flowstore_suite(void)
{
    Suite *s = suite_create("flowstore");
    TCase *tc = tcase_create("segments");
    tcase_add_checked_fixture(tc, mk_tmp, rm_tmp);
    tcase_add_test(tc, segment_round_trip);
    tcase_add_test(tc, flow_view);
    tcase_add_test(tc, segment_corrupt);
    tcase_add_test(tc, segment_other_format);
    tcase_add_test(tc, segment_format2_aggregate_rows);
    tcase_add_test(tc, segment_format2_bad_extension);
    tcase_add_test(tc, merge_aggregate_rows);
    tcase_add_test(tc, manifest_other_format);
    tcase_add_test(tc, iterate_corpus_segments);
    tcase_add_test(tc, merge_and_order);
    tcase_add_test(tc, sealed_groups_match);
    tcase_add_test(tc, late_groups_merged);
    tcase_add_loop_test(tc, spill_failure_reported, 0, 2);
    tcase_add_test(tc, writer_flows_and_checkpoints);
    tcase_add_test(tc, checkpoint_files_merge_and_verify);
    tcase_add_test(tc, blob_final_needs_closed_and_an_hour_over);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(flowstore_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
