/* imp_jstr.h - the end of a JSON string: the first unescaped '"' from p
 * (just past the opening quote), and whether a backslash came before it.
 * Used by the flow-log scanner (record extents) and the record walker (once
 * per flow tuple, so millions of times per GB): 16 bytes per step with
 * SSE2 where the compiler targets it (every x86-64), one quote-or-backslash
 * test instead of two memchr calls; a byte loop elsewhere and after a
 * backslash, which decides escapes exactly (a backslash escapes the next
 * byte, so \\" ends a string and \" does not). */
#ifndef NSG_IMP_JSTR_H
#define NSG_IMP_JSTR_H

#include <stdbool.h>
#include <stddef.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

/* The closing quote, or NULL when the string does not end before `end`
 * (more bytes are needed, or it is unterminated).  *esc: a backslash came
 * before it (then the string needs unescaping). */
static inline const char *nsg_imp_jstr_end(const char *p, const char *end,
                                           bool *esc)
{
    bool bs = false;
#ifdef __SSE2__
    const __m128i quote = _mm_set1_epi8('"'), back = _mm_set1_epi8('\\');
    while (end - p >= 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
        unsigned mq = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, quote));
        unsigned mb = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, back));
        if (mq && (!mb || __builtin_ctz(mq) < __builtin_ctz(mb))) {
            *esc = false;
            return p + __builtin_ctz(mq);
        }
        if (mb) /* a backslash first: the byte loop from here */
            break;
        p += 16;
    }
#endif
    for (; p < end; p++) {
        if (*p == '\\') {
            bs = true;
            if (++p == end)
                return NULL;
        } else if (*p == '"') {
            *esc = bs;
            return p;
        }
    }
    return NULL;
}

#endif
