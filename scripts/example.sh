#!/usr/bin/env bash
# Sets up a fresh machine, builds Cortado (release) and runs the bundled example:
# one execution of examples/orders.asl.json per line of examples/events.jsonl.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh --product cortado
.build/release/cortado validate examples/orders.asl.json
.build/release/cortado run examples/orders.asl.json --events examples/events.jsonl --out results.jsonl
echo "first results (results.jsonl):"
head -n 3 results.jsonl
