// Crash fuzzing of the tape lane's C parser (Sources/CCortadoScan) under AddressSanitizer
// and UndefinedBehaviorSanitizer: mutated JSON lines, each in an allocation of exactly its
// size so any read past a line's end is caught. Built and run by scripts/fuzz_c.sh.
// (That the parser takes exactly the lines the Swift byte-by-byte parser takes, and builds
// the same tape, is checked by TapeParserFuzzTests in Tests/CortadoTapeTests.)
#include "cortado_scan.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static unsigned long long state = 88172645463325252ull;
static unsigned long long next(void) { state ^= state << 13; state ^= state >> 7; state ^= state << 17; return state; }

int main(int argc, char **argv) {
    const long rounds = argc > 1 ? atol(argv[1]) : 300000;
    const char *seeds[] = {
        "{\"orderId\":\"o-00000000\",\"customer\":{\"id\":\"c-208496\",\"name\":\"S\xc3\xb8ren N\xc3\xba\xc3\xb1" "ez\","
        "\"tier\":\"platinum\"},\"items\":[{\"sku\":\"SKU-0070\",\"qty\":1,\"price\":7.23}],\"total\":1216.75,"
        "\"express\":false,\"tags\":[],\"n\":null,\"t\":true}",
        "[[[[[[1]]]]],{\"a\":{\"b\":{\"c\":[-0.5e+10,0,1E-2]}}}]",
        "{\"description\":\"a string well past sixteen bytes, and then some more\",\"x\":\"\",\"y\":\"\xe2\x82\xac\"}",
    };
    const char alphabet[] = "{}[]:,\"\\ 0123456789-+.eEtrufalsn\x09\x0a\x1f\x7f\xc3\xa9\xed\xa0\xf0\x9f";
    const size_t room = 1 << 16;
    cortado_node *nodes = malloc(sizeof(cortado_node) * (room + 2));
    int32_t *entries = malloc(sizeof(int32_t) * (room + 2)), *links = malloc(sizeof(int32_t) * (2 * room + 4));
    long parsed = 0;
    for (long round = 0; round < rounds; round++) {
        const char *seed = seeds[round % 3];
        size_t n = strlen(seed);
        unsigned char *b = malloc(n + 16);
        memcpy(b, seed, n);
        const int mutations = 1 + (int)(next() % 4);
        for (int m = 0; m < mutations; m++) {
            const size_t at = next() % (n + 1);
            const unsigned char c = (unsigned char)(next() % 8 == 0 ? 0 : alphabet[next() % (sizeof alphabet - 1)]);
            switch (next() % 4) {
            case 0: b = realloc(b, n + 16); memmove(b + at + 1, b + at, n - at); b[at] = c; n++; break;
            case 1: if (at < n) { memmove(b + at, b + at + 1, n - at - 1); n--; } break;
            case 2: if (at < n) b[at] = c; break;
            default: n = at; break;  // cut short
            }
        }
        unsigned char *line = malloc(n ? n : 1);
        memcpy(line, b, n);
        int32_t nodeCount = 0, linkCount = 0;
        const int32_t root = cortado_parse_compact(line, n, nodes, &nodeCount, entries, links, &linkCount);
        if (root >= 0) {
            parsed++;
            if (root != 0 || nodeCount > (int32_t)n + 2 || linkCount > 2 * (int32_t)n + 4) {
                fprintf(stderr, "round %ld: root %d, %d nodes, %d links for %zu bytes\n", round, root, nodeCount, linkCount, n);
                return 1;
            }
            for (int32_t k = 0; k < nodeCount; k++) {
                const cortado_node *x = &nodes[k];
                if (x->start < 0 || x->end > (int32_t)n || x->start >= x->end || x->size != x->end - x->start) {
                    fprintf(stderr, "round %ld: node %d spans %d..<%d (size %d) of %zu bytes\n", round, k, x->start, x->end, x->size, n);
                    return 1;
                }
            }
        } else if (root != CORTADO_COMPACT_REFUSED && root != CORTADO_COMPACT_UNSURE) {
            fprintf(stderr, "round %ld: result %d\n", round, root);
            return 1;
        }
        free(line);
        free(b);
    }
    free(nodes); free(entries); free(links);
    printf("compact parser fuzz: %ld mutated lines, %ld parsed, no sanitizer report\n", rounds, parsed);
    return 0;
}
