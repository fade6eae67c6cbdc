#!/usr/bin/env bash
# Crash-fuzzes the C compact-line parser (Sources/CCortadoScan) under AddressSanitizer and
# UndefinedBehaviorSanitizer with the toolchain's clang. usage: scripts/fuzz_c.sh [ROUNDS]
set -euo pipefail
cd "$(dirname "$0")/.."
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
clang -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all -I Sources/CCortadoScan/include \
  scripts/fuzz/compact_fuzz.c Sources/CCortadoScan/scan.c -o "$out/compact_fuzz" 2>"$out/cc.log" \
  || { cat "$out/cc.log"; exit 1; }
"$out/compact_fuzz" "${1:-300000}"
