#!/usr/bin/env bash
# The one build configuration of this project: release, with testing enabled so the same
# build runs the test suite, the crash test and the example (async-http-client makes every
# extra configuration cost minutes on 2 cores). Extra arguments go to `swift build`.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release -Xswiftc -enable-testing "$@" 2>&1 \
  | grep -Ev '^\[[0-9]+/[0-9]+\] (Compiling|Emitting|Linking|Write|Planning)|^(Fetching|Fetched|Computing|Computed|Creating|Working copy)' || true
swift build -c release -Xswiftc -enable-testing "$@" >/dev/null  # fail here if the build failed
