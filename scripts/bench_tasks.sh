#!/usr/bin/env bash
# Batch rate of the mocked order workload (Task states from a mock config, Retry, Catch,
# a Choice loop) as a ratio of pass-choice's, in one run on the same events file.
# usage: scripts/bench_tasks.sh [N]   (default 200000 events; needs ../shared/bench)
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-200000}
BENCH=../shared/bench
BIN=.build/release/cortado
[ -x "$BIN" ] || swift build -c release --product cortado
EV=$(mktemp -d)/events.jsonl
python3 $BENCH/gen_events.py "$N" 1 > "$EV"
rate() { # workload, extra args...
  local w=$1; shift
  "$BIN" run $BENCH/workloads/$w.asl.json --events "$EV" --out /dev/null --metrics /dev/stdout --metrics-interval 3600 "$@" \
    | python3 -c 'import json,sys; print(json.loads(sys.stdin.read().splitlines()[-1])["rate"])'
}
PC=$(rate pass-choice)
OD=$(rate order --mock-config $BENCH/workloads/order.mocks.json --test-case default --clock virtual)
python3 - "$N" "$PC" "$OD" <<'PY'
import sys
n, pc, od = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3])
print(f"{n} events, all cores: pass-choice {pc:,.0f}/s, order (mocked tasks) {od:,.0f}/s, ratio {od/pc:.2f}")
PY
rm -rf "$(dirname "$EV")"
