/* fuzz_aggregate.c - libFuzzer harness for the aggregate readers (CSV, JSON
 * Lines, JSON arrays) on hostile input; `make check` runs it over a fixed
 * mutated corpus (tests/check_fuzz.c).  By hand (clang):
 *   mkdir -p build/fuzz/agg && cp -r tests/data/aggregates/ok/. \
 *     build/fuzz/agg/ && find build/fuzz/agg -type f -exec mv {} \
 *     build/fuzz/agg/ \; 2>/dev/null
 *   clang -std=c11 -D_GNU_SOURCE -g -O1 \
 *     -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
 *     $(pkg-config --cflags glib-2.0 libcjson) tests/fuzz_aggregate.c \
 *     aggregate/agg_read.c aggregate/agg_csv.c aggregate/agg_json.c \
 *     aggregate/agg_row.c corpus/corpus_time.c model/model.c \
 *     $(find common -name '*.c') $(pkg-config --libs glib-2.0 libcjson) \
 *     -lm -o build/fuzz/fuzz_aggregate
 *   build/fuzz/fuzz_aggregate -max_total_time=600 build/fuzz/agg
 * (add whatever else the linker asks for).  Each input is written to a
 * file, sniffed, opened and read to the end.  The contract: every row the
 * reader returns is a well-formed aggregate flow (one address family,
 * source ports within 0-65535, last seen not before first seen, a weight
 * of at least 1), and every error names the file and a line of it. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../aggregate/agg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The error names the file and a line no further than the file's end. */
static void check_error(const struct nsg_err *err, const char *path,
                        size_t lines)
{
    const char *at = strstr(err->msg, path);
    if (!at)
        abort();
    const char *l = strstr(at, ": line ");
    if (l && strtoull(l + 7, NULL, 10) > lines + 1)
        abort();
}

static void check_row(const struct nsg_flow *f)
{
    if (f->version != NSG_FLOW_AGGREGATE || f->src.family != f->dst.family ||
        (f->src.family != 4 && f->src.family != 6) ||
        (unsigned)f->sport + f->sport_span > 65535 ||
        f->last_seen < f->first_seen || !f->count ||
        (f->decision != 'A' && f->decision != 'D') ||
        (f->unknown & ~NSG_FLOW_UNKNOWN_ALL) || f->proto < 0 ||
        f->proto > 255)
        abort();
    if (f->mac[0] && strlen(f->mac) != 12)
        abort();
    if (f->rule)
        (void)strlen(f->rule);
    if (f->nsg_id)
        (void)strlen(f->nsg_id);
    if (f->acl_id)
        (void)strlen(f->acl_id);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[64];
    snprintf(path, sizeof(path), "/tmp/fuzz_aggregate.%d", (int)getpid());
    FILE *fp = fopen(path, "wb");
    if (!fp)
        return 0;
    fwrite(data, 1, size, fp);
    fclose(fp);
    size_t lines = 1;
    for (size_t i = 0; i < size; i++)
        lines += data[i] == '\n';
    (void)nsg_agg_sniff((const char *)data, size);
    struct nsg_agg_reader *rd = NULL;
    struct nsg_err err = NSG_ERR_INIT;
    if (nsg_agg_open(path, &rd, &err)) {
        check_error(&err, path, lines);
        return 0;
    }
    struct nsg_flow f;
    int k;
    uint64_t last_line = 0;
    while ((k = nsg_agg_next(rd, &f, &err)) == 1) {
        check_row(&f);
        uint64_t line = nsg_agg_reader_line(rd);
        if (line < last_line || line > lines)
            abort(); /* rows come in file order, on a line of the file */
        last_line = line;
    }
    if (k < 0)
        check_error(&err, path, lines);
    nsg_agg_close(rd);
    return 0;
}
