#!/usr/bin/env bash
# Sets up a fresh machine, builds everything once (debug) and runs the test suite, then
# builds the release binary and runs the crash test (a 1,000,000-line run killed with
# SIGKILL 20 times and resumed; its output must equal a clean run's).
# CORTADO_QUICK=1 skips the crash test.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
swift build --build-tests 2>&1 | grep -Ev '^\[[0-9]+/[0-9]+\] (Compiling|Emitting|Linking|Write|Planning)' || true
swift build --build-tests >/dev/null  # fail here, with output above, if the build failed
swift test --skip-build "$@"
if [ "${CORTADO_QUICK:-0}" != 1 ]; then
  swift build -c release --product cortado 2>&1 | tail -1
  python3 scripts/crash_test.py --lines 1000000 --kills 20
fi
