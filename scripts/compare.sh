#!/usr/bin/env bash
# Cortado vs jq, Python+orjson and our own parse+serialize floor, as whole processes on
# the same events file in one run; outputs checked against ../shared/bench/expected first.
# usage: scripts/compare.sh [N] [--repeat R] [--skip-jq] [--keep DIR]   (default N: 1000000)
# Needs a release build (scripts/build.sh --product cortado), jq, and orjson (pip).
set -euo pipefail
cd "$(dirname "$0")/.."
exec python3 scripts/compare.py "$@"
