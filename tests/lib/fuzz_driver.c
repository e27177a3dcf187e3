/* fuzz_driver.c - the deterministic mutation driver of fuzz_driver.h
 * (hand-written: libFuzzer needs clang, and `make check` must run on a
 * fresh Debian machine with gcc alone). */
#include "fuzz_driver.h"

#include <glib.h>
#include <stdlib.h>
#include <string.h>

static uint64_t next(uint64_t *s)
{
    uint64_t x = *s;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return *s = x;
}

static void collect(const char *dir, size_t max, GPtrArray *out)
{
    GDir *d = g_dir_open(dir, 0, NULL);
    const char *name;
    GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
    while (d && (name = g_dir_read_name(d)))
        g_ptr_array_add(names, g_build_filename(dir, name, NULL));
    if (d)
        g_dir_close(d);
    g_ptr_array_sort(names, (GCompareFunc)g_strcmp0); /* stable order */
    for (guint i = 0; i < names->len; i++) {
        const char *p = names->pdata[i];
        gchar *text;
        gsize len;
        if (g_file_test(p, G_FILE_TEST_IS_SYMLINK))
            continue;
        if (g_file_test(p, G_FILE_TEST_IS_DIR))
            collect(p, max, out);
        else if (g_file_get_contents(p, &text, &len, NULL)) {
            if (len <= max)
                g_ptr_array_add(out, g_bytes_new_take(text, len));
            else
                g_free(text);
        }
    }
    g_ptr_array_free(names, TRUE);
}

static const uint8_t special[] = {'{', '}', '[', ']', '"', ',',  ':', '\\',
                                  '0', '9', '-', '.', ' ', '\n', 0,   0xff};

/* One mutation of a (or of a spliced with b) into a new buffer. */
static uint8_t *mutate(const uint8_t *a, size_t na, const uint8_t *b, size_t nb,
                       uint64_t *s, size_t *out_len)
{
    uint8_t *o = malloc(na + nb + 64);
    size_t n = na;
    memcpy(o, a, na);
    unsigned steps = 1 + (unsigned)(next(s) % 4);
    for (unsigned k = 0; k < steps; k++) {
        size_t at = n ? (size_t)(next(s) % n) : 0;
        switch (next(s) % 6) {
        case 0: /* flip a bit */
            if (n)
                o[at] ^= (uint8_t)(1u << (next(s) % 8));
            break;
        case 1: /* a structural byte */
            if (n)
                o[at] = special[next(s) % sizeof(special)];
            break;
        case 2: { /* delete a range */
            size_t len = n ? (size_t)(next(s) % (n - at + 1)) % 64 : 0;
            memmove(o + at, o + at + len, n - at - len);
            n -= len;
            break;
        }
        case 3: { /* duplicate a range (bounded growth) */
            size_t len = n ? (size_t)(next(s) % (n - at + 1)) % 32 : 0;
            if (n + len <= na + nb + 64 - 1) {
                memmove(o + at + len, o + at, n - at);
                n += len;
            }
            break;
        }
        case 4: /* truncate */
            n = at;
            break;
        default: { /* splice: a's head, b's tail */
            size_t from = nb ? (size_t)(next(s) % nb) : 0;
            size_t len = nb - from;
            if (at + len <= na + nb + 64) {
                memcpy(o + at, b + from, len);
                n = at + len;
            }
            break;
        }
        }
    }
    *out_len = n;
    return o;
}

unsigned long fuzz_run(fuzz_target_fn fn, const char *const *dirs,
                       unsigned mutations_per_seed, size_t max_seed,
                       uint64_t seed)
{
    GPtrArray *seeds =
        g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
    unsigned long runs = 0;
    uint64_t s = seed ? seed : 0x9E3779B97F4A7C15ull;
    for (size_t i = 0; dirs[i]; i++)
        collect(dirs[i], max_seed, seeds);
    for (guint i = 0; i < seeds->len; i++) {
        gsize na, nb;
        const uint8_t *a = g_bytes_get_data(seeds->pdata[i], &na);
        fn(a, na);
        runs++;
        for (unsigned m = 0; m < mutations_per_seed; m++) {
            GBytes *other = seeds->pdata[next(&s) % seeds->len];
            const uint8_t *b = g_bytes_get_data(other, &nb);
            size_t n;
            uint8_t *in = mutate(a, na, b, nb, &s, &n);
            fn(in, n);
            free(in);
            runs++;
        }
    }
    g_ptr_array_free(seeds, TRUE);
    return runs;
}
