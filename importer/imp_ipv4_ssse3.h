/* imp_ipv4_ssse3.h - a dotted-quad IPv4 address read from one 16-byte load
 * (SSSE3), for the flow-tuple tokenizer: the dots give the four octet
 * lengths, a table (one entry per combination of lengths, 3^4) gives the
 * shuffle that puts each octet's digits in a lane of its own, and two
 * multiply-adds turn the lanes into values: the pshufb approach of
 * published SIMD number and address parsers, written here from the idea.
 * Nothing depends on how many digits an octet has, which the byte loop
 * paid for in branches and a serial chain of multiplies.  Only compiled on
 * x86 with GCC or clang; callers check the CPU (nsg_imp_ipv4_ssse3_ok). */
#ifndef NSG_IMP_IPV4_SSSE3_H
#define NSG_IMP_IPV4_SSSE3_H

#if (defined(__x86_64__) || defined(__i386__)) && defined(__GNUC__)
#define NSG_IMP_HAVE_IPV4_SSSE3 1

#include <stdbool.h>
#include <stdint.h>
#include <tmmintrin.h>

/* Lane j (bytes 4j..4j+3) holds octet j's digits right-aligned in bytes
 * 0..2 (hundreds, tens, ones), byte 3 empty; 0x80 makes pshufb write 0.
 * Octet j of length k starts at st: byte q of its lane is digit
 * q - (3 - k) when that is >= 0. */
#define NSG_IP4_B(q, k, st) ((q) >= 3 - (k) ? (st) + (q) - 3 + (k) : 0x80)
#define NSG_IP4_LANE(k, st)                                                    \
    NSG_IP4_B(0, k, st), NSG_IP4_B(1, k, st), NSG_IP4_B(2, k, st), 0x80
#define NSG_IP4_E(a, b, c, d)                                                  \
    {{NSG_IP4_LANE(a, 0), NSG_IP4_LANE(b, (a) + 1),                            \
      NSG_IP4_LANE(c, (a) + (b) + 2), NSG_IP4_LANE(d, (a) + (b) + (c) + 3)},   \
     /* first digits of octets of 2 or 3 digits (no leading zeros) */        \
     (uint16_t)(((a) > 1 ? 1u : 0u) | ((b) > 1 ? 1u << ((a) + 1) : 0u) |      \
                ((c) > 1 ? 1u << ((a) + (b) + 2) : 0u) |                       \
                ((d) > 1 ? 1u << ((a) + (b) + (c) + 3) : 0u))}
#define NSG_IP4_E4(a, b, c)                                                    \
    NSG_IP4_E(a, b, c, 1), NSG_IP4_E(a, b, c, 2), NSG_IP4_E(a, b, c, 3)
#define NSG_IP4_E3(a, b) NSG_IP4_E4(a, b, 1), NSG_IP4_E4(a, b, 2), NSG_IP4_E4(a, b, 3)
#define NSG_IP4_E2(a) NSG_IP4_E3(a, 1), NSG_IP4_E3(a, 2), NSG_IP4_E3(a, 3)

struct nsg_ip4_pattern {
    _Alignas(16) uint8_t shuf[16];
    uint16_t lead;
};

/* Indexed by (k0-1)*27 + (k1-1)*9 + (k2-1)*3 + (k3-1). */
static const struct nsg_ip4_pattern nsg_ip4_patterns[81] = {
    NSG_IP4_E2(1), NSG_IP4_E2(2), NSG_IP4_E2(3)};

static inline bool nsg_imp_ipv4_ssse3_ok(void)
{
    return __builtin_cpu_supports("ssse3");
}

/* The address at p, of which 16 bytes are readable: its length (7..15;
 * the byte after it is neither a digit nor a dot, the caller checks which
 * it is) with *out in host order, or 0 when p does not start with four
 * octets of 1 to 3 digits, each at most 255 and without a leading zero
 * (inet_pton's rules), separated by single dots. */
__attribute__((target("ssse3"), always_inline)) static inline unsigned
nsg_imp_ipv4_ssse3(const char *p, uint32_t *out)
{
    __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
    __m128i d = _mm_sub_epi8(v, _mm_set1_epi8('0'));
    unsigned dig = (unsigned)_mm_movemask_epi8(
        _mm_cmpeq_epi8(_mm_min_epu8(d, _mm_set1_epi8(9)), d));
    unsigned dot =
        (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8('.')));
    unsigned len = (unsigned)__builtin_ctz(~(dig | dot)); /* at most 16 */
    dot &= (1u << len) - 1;
    if (len < 7 || len > 15 || !dot)
        return 0;
    unsigned d1 = (unsigned)__builtin_ctz(dot);
    dot &= dot - 1;
    if (!dot)
        return 0;
    unsigned d2 = (unsigned)__builtin_ctz(dot);
    dot &= dot - 1;
    if (!dot)
        return 0;
    unsigned d3 = (unsigned)__builtin_ctz(dot);
    if (dot & (dot - 1))
        return 0;
    /* octet lengths less one: each 0..2 (an empty octet wraps around) */
    unsigned k0 = d1 - 1, k1 = d2 - d1 - 2, k2 = d3 - d2 - 2, k3 = len - d3 - 2;
    if (k0 > 2 || k1 > 2 || k2 > 2 || k3 > 2)
        return 0;
    const struct nsg_ip4_pattern *t =
        &nsg_ip4_patterns[k0 * 27 + k1 * 9 + k2 * 3 + k3];
    unsigned zero =
        (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8('0')));
    if (zero & t->lead)
        return 0;
    __m128i x = _mm_shuffle_epi8(
        d, _mm_load_si128((const __m128i *)(const void *)t->shuf));
    x = _mm_maddubs_epi16(x, _mm_setr_epi8(100, 10, 1, 0, 100, 10, 1, 0, 100,
                                           10, 1, 0, 100, 10, 1, 0));
    x = _mm_madd_epi16(x, _mm_set1_epi16(1)); /* four 32-bit octets */
    if (_mm_movemask_epi8(_mm_cmpgt_epi32(x, _mm_set1_epi32(255))))
        return 0;
    x = _mm_packs_epi32(x, x);
    x = _mm_packus_epi16(x, x); /* octets in bytes 0..3, first lowest */
    *out = __builtin_bswap32((uint32_t)_mm_cvtsi128_si32(x));
    return len;
}

#endif
#endif
