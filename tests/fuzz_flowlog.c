/* fuzz_flowlog.c - libFuzzer harness for the flow-log scanner, record walker
 * and tuple tokenizer on hostile input (not part of make check).
 * Build and run (clang; ~10 minutes over the shipped samples):
 *   mkdir -p build/fuzz/corpus && find tests/data/flowlogs -name '*.json' \
 *     -exec cp {} build/fuzz/corpus/ \;
 *   clang -std=c11 -D_GNU_SOURCE -g -O1 \
 *     -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
 *     $(pkg-config --cflags glib-2.0 libcjson) tests/fuzz_flowlog.c \
 *     importer/imp_flowlog_scan.c importer/imp_flowlog_record.c \
 *     importer/imp_flowlog_tuple.c $(find common -name '*.c') \
 *     $(pkg-config --libs glib-2.0 libcjson) -lm -o build/fuzz/fuzz_flowlog
 *   build/fuzz/fuzz_flowlog -max_total_time=600 -max_len=65536 \
 *     -timeout=5 build/fuzz/corpus
 * Each input is scanned as a file (every record is walked and every tuple
 * tokenized, resyncing after records that fail to parse, as the importer
 * does), then its first line is tokenized as one tuple of each kind. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../importer/imp_flowlog.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void on_problem(void *ctx, uint64_t off, const char *what)
{
    (void)off;
    (*(size_t *)ctx) += strlen(what) > 0;
}

static void walk(const char *text, size_t len)
{
    struct nsg_imp_fl_record r;
    size_t where;
    const char *why;
    nsg_imp_fl_record_init(&r);
    if (!nsg_imp_fl_record_parse(&r, text, len, &where, &why)) {
        enum nsg_imp_fl_kind k =
            r.vnet ? NSG_IMP_FL_KIND_VNET : NSG_IMP_FL_KIND_NSG;
        for (guint i = 0; i < r.spans->len; i++) {
            const struct nsg_imp_fl_span *sp =
                &g_array_index(r.spans, struct nsg_imp_fl_span, i);
            struct nsg_imp_fl_tuple t;
            const char *rule, *mac, *acl;
            (void)nsg_imp_fl_tuple_parse(sp->p, sp->len, k, &t, &why);
            nsg_imp_fl_record_context(&r, sp->frame, &rule, &mac, &acl);
        }
    } else if (where > len) {
        abort(); /* the offset of a problem must be inside the record */
    }
    nsg_imp_fl_record_release(&r);
}

static void scan(const char *path, uint64_t start, bool in_list)
{
    struct nsg_imp_fl_scanner *sc = NULL;
    struct nsg_err err = {0};
    size_t problems = 0;
    const char *rec;
    size_t len;
    uint64_t off;
    if (nsg_imp_fl_scan_open(path, start, in_list, on_problem, &problems, &sc,
                             &err))
        return;
    int k;
    unsigned guard = 0;
    while ((k = nsg_imp_fl_scan_next(sc, &rec, &len, &off, &err)) == 1) {
        if (++guard > 1000000)
            abort(); /* no progress: a hang */
        struct nsg_imp_fl_record r;
        size_t where;
        const char *why;
        nsg_imp_fl_record_init(&r);
        int bad = nsg_imp_fl_record_parse(&r, rec, len, &where, &why);
        nsg_imp_fl_record_release(&r);
        if (bad)
            nsg_imp_fl_scan_resync(sc);
        else
            walk(rec, len);
    }
    (void)nsg_imp_fl_scan_closed(sc);
    nsg_imp_fl_scan_close(sc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char path[64];
    if (!path[0])
        snprintf(path, sizeof(path), "/tmp/fuzz_flowlog.%d", (int)getpid());
    FILE *f = fopen(path, "wb");
    if (!f)
        return 0;
    fwrite(data, 1, size, f);
    fclose(f);
    scan(path, 0, false);
    if (size > 4)
        scan(path, size / 3, true); /* resumed at an arbitrary offset */

    /* the first line as one tuple (NUL after it, as the contract asks) */
    size_t n = 0;
    while (n < size && data[n] != '\n' && data[n] != '"' && n < 4096)
        n++;
    char *t = malloc(n + 1);
    memcpy(t, data, n);
    t[n] = '\0';
    struct nsg_imp_fl_tuple tu;
    const char *why;
    (void)nsg_imp_fl_tuple_parse(t, n, NSG_IMP_FL_KIND_NSG, &tu, &why);
    (void)nsg_imp_fl_tuple_parse(t, n, NSG_IMP_FL_KIND_VNET, &tu, &why);
    free(t);
    return 0;
}
