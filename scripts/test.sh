#!/usr/bin/env bash
# Sets up a fresh machine, builds everything once (debug) and runs the test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
swift build --build-tests 2>&1 | grep -Ev '^\[[0-9]+/[0-9]+\] (Compiling|Emitting|Linking|Write|Planning)' || true
swift build --build-tests >/dev/null  # fail here, with output above, if the build failed
swift test --skip-build "$@"
