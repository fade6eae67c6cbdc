#include "cortado_scan.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "cortado_parse_compact stores a node's first four bytes as one little-endian word"
#endif

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

/// The index of the closing quote of a string whose content starts at p[i], or -1 with
/// *why set (CORTADO_COMPACT_REFUSED for a backslash, CORTADO_COMPACT_UNSURE for a control
/// byte or no closing quote). Every byte it reads is ORed into *high (non-ASCII bytes).
static inline ptrdiff_t string_end(const uint8_t *p, ptrdiff_t i, ptrdiff_t n, unsigned *high, int32_t *why) {
#if defined(__SSE2__)
    const __m128i quote = _mm_set1_epi8('"'), backslash = _mm_set1_epi8('\\'), below = _mm_set1_epi8(0x1F);
    while (n - i >= 16) {
        const __m128i v = _mm_loadu_si128((const __m128i *)(p + i));
        const __m128i stop = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, backslash)),
                                          _mm_cmpeq_epi8(_mm_min_epu8(v, below), v));
        *high |= (unsigned)_mm_movemask_epi8(v);
        const unsigned m = (unsigned)_mm_movemask_epi8(stop);
        if (m) {
            i += __builtin_ctz(m);
            if (p[i] == '"') return i;
            *why = p[i] == '\\' ? CORTADO_COMPACT_REFUSED : CORTADO_COMPACT_UNSURE;
            return -1;
        }
        i += 16;
    }
#endif
    for (; i < n; i++) {
        const uint8_t c = p[i];
        if (c == '"') return i;
        if (c == '\\') { *why = CORTADO_COMPACT_REFUSED; return -1; }
        if (c < 0x20) break;
        *high |= c & 0x80;
    }
    *why = CORTADO_COMPACT_UNSURE;
    return -1;
}

/// The end of an RFC 8259 number starting at p[i], or -1.
static inline ptrdiff_t number_end(const uint8_t *p, ptrdiff_t i, ptrdiff_t n) {
#define DIGIT(k) ((k) < n && (uint8_t)(p[k] - '0') < 10)
    if (p[i] == '-') i++;
    if (i >= n) return -1;
    if (p[i] == '0') {
        i++;
    } else if (DIGIT(i)) {
        do i++; while (DIGIT(i));
    } else {
        return -1;
    }
    if (i < n && p[i] == '.') {
        i++;
        if (!DIGIT(i)) return -1;
        do i++; while (DIGIT(i));
    }
    if (i < n && (p[i] | 0x20) == 'e') {
        i++;
        if (i < n && (p[i] == '+' || p[i] == '-')) i++;
        if (!DIGIT(i)) return -1;
        do i++; while (DIGIT(i));
    }
    return i;
#undef DIGIT
}

int32_t cortado_parse_compact(const uint8_t *p, size_t length, cortado_node *nodes, int32_t *nodeCount,
                              int32_t *entries, int32_t *links, int32_t *linkCount) {
    const ptrdiff_t n = (ptrdiff_t)length;
    ptrdiff_t i = 0;
    int32_t ni = *nodeCount;  // the next node
    int32_t *en = entries, *lk = links + *linkCount;
    const int32_t root = ni;
    unsigned high = 0;
    int32_t why = CORTADO_COMPACT_UNSURE;
    // The innermost open container in locals, the ones around it on the stack.
    struct { int32_t *base; int32_t node, isObject; } stack[CORTADO_COMPACT_MAX_DEPTH];
    int depth = 0;
    int32_t *topBase = entries;
    int32_t topNode = -1, topIsObject = 0;
    // One node: the first four bytes (kind; source 0, a line; not escaped, not interned) in one store
    // (little-endian: the kind is its first byte).
#define EMIT(k, from, to) do { \
        cortado_node *const nd_ = nodes + ni++; \
        const uint32_t head_ = (k); __builtin_memcpy(nd_, &head_, 4); \
        nd_->start = (int32_t)(from); nd_->end = (int32_t)(to); \
        nd_->count = 0; nd_->first = 0; nd_->size = (int32_t)((to) - (from)); \
    } while (0)

value:
    if (i >= n) goto fail;
    {
        const ptrdiff_t start = i;
        const uint8_t c = p[i];
        if (c == '"') {
            const ptrdiff_t q = string_end(p, i + 1, n, &high, &why);
            if (q < 0) goto fail;
            i = q + 1;
            EMIT(CORTADO_KIND_STRING, start, i);
        } else if ((uint8_t)(c - '0') < 10 || c == '-') {
            if ((i = number_end(p, i, n)) < 0) goto fail;
            EMIT(CORTADO_KIND_NUMBER, start, i);
        } else if (c == '{' || c == '[') {
            if (depth >= CORTADO_COMPACT_MAX_DEPTH) goto fail;
            if (depth > 0) {
                stack[depth - 1].base = topBase; stack[depth - 1].node = topNode; stack[depth - 1].isObject = topIsObject;
            }
            depth++;
            topNode = ni;
            topBase = en;
            topIsObject = c == '{';
            EMIT(topIsObject ? CORTADO_KIND_OBJECT : CORTADO_KIND_ARRAY, start, 0);
            i++;
            if (i >= n) goto fail;
            if (topIsObject) {
                if (p[i] != '}') goto key;
            } else if (p[i] != ']') {
                *en++ = ni;
                goto value;
            }
            // Empty: closed below.
        } else if (c == 't' || c == 'f' || c == 'n') {
            if (n - i < 4) goto fail;
            uint32_t w;
            __builtin_memcpy(&w, p + i, 4);
            uint32_t k;
            if (w == 0x65757274u) { i += 4; k = CORTADO_KIND_TRUE; }                          // "true"
            else if (w == 0x6C6C756Eu) { i += 4; k = CORTADO_KIND_NULL; }                     // "null"
            else if (w == 0x736C6166u && n - i >= 5 && p[i + 4] == 'e') { i += 5; k = CORTADO_KIND_FALSE; }  // "false"
            else goto fail;
            EMIT(k, start, i);
        } else {
            goto fail;
        }
    }

after:
    // After a value: a comma, or the end of containers.
    if (depth == 0) {
        if (i != n) goto fail;
        if (high && !cortado_utf8_valid(p, length)) return CORTADO_COMPACT_REFUSED;
        *nodeCount = ni;
        *linkCount = (int32_t)(lk - links);
        return root;
    }
    if (i >= n) goto fail;
    if (p[i] == ',') {
        i++;
        if (topIsObject) goto key;
        *en++ = ni;
        goto value;
    }
    if (p[i] != (topIsObject ? '}' : ']')) goto fail;
    i++;
    {
        cortado_node *const k = nodes + topNode;
        k->first = (int32_t)(lk - links);
        k->count = (int32_t)(en - topBase);
        k->end = (int32_t)i;
        k->size = (int32_t)i - k->start;
        if (topIsObject) {
            // A value's first node follows its key.
            for (const int32_t *e = topBase; e < en; e++) { lk[0] = *e; lk[1] = *e + 1; lk += 2; }
            k->escaped = 1;  // keys not yet checked for duplicates
        } else {
            for (const int32_t *e = topBase; e < en; e++) *lk++ = *e;
        }
        en = topBase;
    }
    depth--;
    if (depth > 0) {
        topBase = stack[depth - 1].base; topNode = stack[depth - 1].node; topIsObject = stack[depth - 1].isObject;
    }
    goto after;

key:
    if (i >= n || p[i] != '"') goto fail;
    {
        const ptrdiff_t start = i;
        const ptrdiff_t q = string_end(p, i + 1, n, &high, &why);
        if (q < 0) goto fail;
        i = q + 1;
        // An object's entry is its key node (its value's first node follows it).
        *en++ = ni;
        EMIT(CORTADO_KIND_STRING, start, i);
    }
    if (i >= n || p[i] != ':') goto fail;
    i++;
    goto value;

fail:
    return why;
#undef EMIT
}
