#!/usr/bin/env python3
"""Run the recorded AWS TestState cases through `cortado test-state` (no server).

usage: python3 scripts/test_state_corpus.py [-v] [--cases DIR] [--binary PATH]

For each case in ../shared/conformance/test_state (relative to the repository root), the
request is built exactly as ../shared/conformance/check_test_state's build_request builds it
(definition/input JSON-encoded, roleArn unless the case omits it), piped to
`.build/release/cortado test-state -`, and compared with the checker's own `compare`.
Prints each failure and `N passed, N failed`; skips (exit 0) when the corpus is absent.
"""
import argparse
import glob
import importlib.machinery
import importlib.util
import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CONFORMANCE = os.path.join(ROOT, "..", "shared", "conformance")


def load_checker():
    """The checker file has no .py suffix, so load it through an explicit SourceFileLoader."""
    path = os.path.join(CONFORMANCE, "check_test_state")
    loader = importlib.machinery.SourceFileLoader("check_test_state", path)
    spec = importlib.util.spec_from_loader("check_test_state", loader)
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


def run_case(binary, checker, case):
    request = checker.build_request(case)
    proc = subprocess.run([binary, "test-state", "-"], input=json.dumps(request).encode(),
                          capture_output=True, timeout=60)
    out = proc.stdout.decode().strip()
    if not out:
        raise RuntimeError(f"no output (exit {proc.returncode}): {proc.stderr.decode()[:300]}")
    return json.loads(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cases", default=os.path.join(CONFORMANCE, "test_state"))
    ap.add_argument("--binary", default=os.path.join(ROOT, ".build", "release", "cortado"))
    ap.add_argument("-v", "--verbose", action="store_true")
    a = ap.parse_args()
    files = sorted(glob.glob(os.path.join(a.cases, "*.json")))
    if not files or not os.path.exists(os.path.join(CONFORMANCE, "check_test_state")):
        print(f"skipped: no TestState corpus at {a.cases}")
        return 0
    if not os.path.exists(a.binary):
        print(f"{a.binary} not found: build first (swift build -c release ...)", file=sys.stderr)
        return 2
    checker = load_checker()
    passed = failed = 0
    for f in files:
        with open(f) as fh:
            case = json.load(fh)
        try:
            diff = checker.compare(case, run_case(a.binary, checker, case))
        except Exception as e:  # a crash or unparsable output is a failure, not a harness error
            diff = f"error: {type(e).__name__}: {e}"
        if diff is None:
            passed += 1
            if a.verbose:
                print(f"PASS {case['name']}")
        else:
            failed += 1
            print(f"FAIL {case['name']}: {diff[:400]}")
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
