#!/usr/bin/env bash
# Sets up a fresh machine, builds once (scripts/build.sh: release with testing enabled),
# runs the test suite, then crash-fuzzes the C line parser under ASan/UBSan
# (scripts/fuzz_c.sh), then the crash test: a 1,000,000-line run killed with SIGKILL 20
# times and resumed, whose output must equal a clean run's; then the `cortado serve`
# end-to-end tests (boto3, AWS CLI, kill -9 + restart with 1,000 waiting executions,
# 10,000-execution load test, TestState conformance), then the AWS integrations against
# moto's server with signatures checked (scripts/aws_tests.py). CORTADO_QUICK=1 skips the
# crash test and runs the serve and AWS tests with --quick (fewer executions).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh --build-tests
swift test -c release -Xswiftc -enable-testing --skip-build "$@"
bash scripts/fuzz_c.sh
if [ "${CORTADO_QUICK:-0}" != 1 ]; then
  python3 scripts/crash_test.py --lines 1000000 --kills 20
  python3 scripts/serve_tests.py
  python3 scripts/aws_tests.py
else
  python3 scripts/serve_tests.py --quick
  python3 scripts/aws_tests.py --quick
fi
