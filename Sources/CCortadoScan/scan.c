#include "cortado_scan.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

size_t cortado_scan_quotes(const uint8_t *p, size_t n, uint32_t *quotes, uint32_t *flags) {
    size_t count = 0, i = 0;
    uint32_t f = 0;
#if defined(__SSE2__)
    const __m128i quote = _mm_set1_epi8('"'), backslash = _mm_set1_epi8('\\'), below = _mm_set1_epi8(0x1F);
    __m128i slashes = _mm_setzero_si128(), controls = _mm_setzero_si128(), highs = _mm_setzero_si128();
    // 64 bytes a round: one mask of their quotes, then one store per quote.
    for (; i + 64 <= n; i += 64) {
        const __m128i a = _mm_loadu_si128((const __m128i *)(p + i)), b = _mm_loadu_si128((const __m128i *)(p + i + 16));
        const __m128i c = _mm_loadu_si128((const __m128i *)(p + i + 32)), d = _mm_loadu_si128((const __m128i *)(p + i + 48));
        uint64_t m = (uint64_t)(unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(a, quote))
            | (uint64_t)(unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(b, quote)) << 16
            | (uint64_t)(unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(c, quote)) << 32
            | (uint64_t)(unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(d, quote)) << 48;
        slashes = _mm_or_si128(slashes, _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(a, backslash), _mm_cmpeq_epi8(b, backslash)),
                                                     _mm_or_si128(_mm_cmpeq_epi8(c, backslash), _mm_cmpeq_epi8(d, backslash))));
        // v <= 0x1F, unsigned: min(v, 0x1F) == v, for the four at once: min over them
        const __m128i low = _mm_min_epu8(_mm_min_epu8(a, b), _mm_min_epu8(c, d));
        controls = _mm_or_si128(controls, _mm_cmpeq_epi8(_mm_min_epu8(low, below), low));
        highs = _mm_or_si128(highs, _mm_or_si128(_mm_or_si128(a, b), _mm_or_si128(c, d)));
        while (m) {
            quotes[count++] = (uint32_t)(i + (size_t)__builtin_ctzll(m));
            m &= m - 1;
        }
    }
    for (; i + 16 <= n; i += 16) {
        const __m128i v = _mm_loadu_si128((const __m128i *)(p + i));
        unsigned m = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, quote));
        slashes = _mm_or_si128(slashes, _mm_cmpeq_epi8(v, backslash));
        // v <= 0x1F, unsigned: min(v, 0x1F) == v
        controls = _mm_or_si128(controls, _mm_cmpeq_epi8(_mm_min_epu8(v, below), v));
        highs = _mm_or_si128(highs, v);
        while (m) {
            quotes[count++] = (uint32_t)(i + (size_t)__builtin_ctz(m));
            m &= m - 1;
        }
    }
    if (_mm_movemask_epi8(slashes)) f |= CORTADO_SCAN_BACKSLASH;
    if (_mm_movemask_epi8(controls)) f |= CORTADO_SCAN_CONTROL;
    if (_mm_movemask_epi8(highs)) f |= CORTADO_SCAN_NON_ASCII;
#endif
    for (; i < n; i++) {
        const uint8_t c = p[i];
        if (c == '"') quotes[count++] = (uint32_t)i;
        else if (c == '\\') f |= CORTADO_SCAN_BACKSLASH;
        else if (c < 0x20) f |= CORTADO_SCAN_CONTROL;
        else if (c >= 0x80) f |= CORTADO_SCAN_NON_ASCII;
    }
    *flags = f;
    return count;
}

static inline int continuation(const uint8_t *p, size_t n, size_t j) { return j < n && (p[j] & 0xC0) == 0x80; }

int cortado_utf8_valid(const uint8_t *p, size_t n) {
    size_t k = 0;
    while (k < n) {
#if defined(__SSE2__)
        if (k + 16 <= n && _mm_movemask_epi8(_mm_loadu_si128((const __m128i *)(p + k))) == 0) {
            k += 16;
            continue;
        }
#endif
        const uint8_t c = p[k];
        if (c < 0x80) {
            k += 1;
        } else if (c >= 0xC2 && c <= 0xDF) {
            if (!continuation(p, n, k + 1)) return 0;
            k += 2;
        } else if (c >= 0xE0 && c <= 0xEF) {
            if (!continuation(p, n, k + 1) || !continuation(p, n, k + 2)) return 0;
            if (c == 0xE0 && p[k + 1] < 0xA0) return 0;   // overlong
            if (c == 0xED && p[k + 1] >= 0xA0) return 0;  // surrogate
            k += 3;
        } else if (c >= 0xF0 && c <= 0xF4) {
            if (!continuation(p, n, k + 1) || !continuation(p, n, k + 2) || !continuation(p, n, k + 3)) return 0;
            if (c == 0xF0 && p[k + 1] < 0x90) return 0;   // overlong
            if (c == 0xF4 && p[k + 1] >= 0x90) return 0;  // above U+10FFFF
            k += 4;
        } else {
            return 0;
        }
    }
    return 1;
}
