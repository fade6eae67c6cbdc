#ifndef CORTADO_SCAN_H
#define CORTADO_SCAN_H

#include <stddef.h>
#include <stdint.h>

// The tape lane's parser of compact lines (Sources/CortadoTape/TapeParser.swift) and its UTF-8
// check: 16 bytes at a time where the CPU has SSE2, byte by byte elsewhere (same results).

/// 1 when p[0..<n] is strict UTF-8 (no overlong forms, no surrogates, nothing above
/// U+10FFFF), else 0. ASCII runs are skipped 16 bytes at a time.
int cortado_utf8_valid(const uint8_t *p, size_t n);

/// A tape node as `CortadoTape.Node` lays it out (a test checks the two agree).
typedef struct {
    uint8_t kind, src, escaped, interned;
    int32_t start, end, count, first, size;
} cortado_node;

/// `CortadoTape.NodeKind` raw values the compact parser writes (checked by the same test).
#define CORTADO_KIND_NULL 0
#define CORTADO_KIND_TRUE 1
#define CORTADO_KIND_FALSE 2
#define CORTADO_KIND_NUMBER 3
#define CORTADO_KIND_STRING 4
#define CORTADO_KIND_OBJECT 5
#define CORTADO_KIND_ARRAY 6

/// `cortado_parse_compact` results other than a root node.
#define CORTADO_COMPACT_REFUSED (-1)
#define CORTADO_COMPACT_UNSURE (-2)
/// Deepest nesting either tape parser takes (`TapeParser.maxDepth` is this).
#define CORTADO_COMPACT_MAX_DEPTH 256

/// Parses a compact JSON line p[0..<n] (no whitespace between tokens, no escapes, no
/// control bytes: machine-written JSON) into tape nodes, in one pass: a string is found
/// by a 16-byte search for its closing quote. Nodes go to nodes[*nodeCount...] (room
/// for n + 2), an object's key/value node pairs and an array's element nodes to
/// links[*linkCount...] (room for 2n + 4); `entries` (room for n + 2) is scratch. Returns
/// the root node's index and advances both counts; or CORTADO_COMPACT_REFUSED (a
/// backslash, or invalid UTF-8: the lane does not take the line) or
/// CORTADO_COMPACT_UNSURE (anything else, the counts untouched: the byte-by-byte parser
/// decides). A line's objects are marked (`escaped` = 1) for their duplicate-key check.
int32_t cortado_parse_compact(const uint8_t *p, size_t n, cortado_node *nodes, int32_t *nodeCount,
                              int32_t *entries, int32_t *links, int32_t *linkCount);

#endif
