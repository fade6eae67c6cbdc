#ifndef CORTADO_SCAN_H
#define CORTADO_SCAN_H

#include <stddef.h>
#include <stdint.h>

// The byte-level first pass of the tape lane's line parser (Sources/CortadoTape/TapeParser.swift):
// 16 bytes at a time where the CPU has SSE2, byte by byte elsewhere (same results).

/// The line has a backslash.
#define CORTADO_SCAN_BACKSLASH 1u
/// The line has a byte below 0x20 (a control character, or tab/CR/LF whitespace).
#define CORTADO_SCAN_CONTROL 2u
/// The line has a byte of 0x80 or more.
#define CORTADO_SCAN_NON_ASCII 4u

/// Writes the offsets of every '"' byte in p[0..<n] to `quotes` (room for n), in order,
/// sets `*flags` to the CORTADO_SCAN_* bits of what else the bytes hold, and returns how
/// many quotes it wrote.
size_t cortado_scan_quotes(const uint8_t *p, size_t n, uint32_t *quotes, uint32_t *flags);

/// 1 when p[0..<n] is strict UTF-8 (no overlong forms, no surrogates, nothing above
/// U+10FFFF), else 0. ASCII runs are skipped 16 bytes at a time.
int cortado_utf8_valid(const uint8_t *p, size_t n);

#endif
