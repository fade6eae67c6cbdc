#!/usr/bin/env python3
"""Cortado against its peers, as whole processes on the same events file, in one run.

usage: scripts/compare.sh [N] [--repeat R] [--skip-jq] [--keep DIR]

Generates N events (default 1,000,000) with ../shared/bench/gen_events.py, then times:
  cortado run   pass-choice, pass-choice.jsonata, map, order (mocked Tasks: test cases default,
                flaky with Retry, rejected with Catch and Fail), parallel and wait
                (virtual clock), logs OFF, all cores; pass-choice on 1 worker and with logs ALL
                and execution data (to a file, and to /dev/null); a one-Pass definition (our own read + parse + serialize floor);
  cortado exec  a Distributed Map reading the events file with a Pass child (ResultWriter JSONL);
  jq            ../shared/bench/peers/pass_choice.jq and map.jq;
  Python+orjson ../shared/bench/peers/pass_choice_orjson.py, map_orjson.py, orjson_floor.py;
  cat           the bytes alone.
Every output is checked first: its first 1,000 lines against ../shared/bench/expected
(the floors: against the input), and its line count against N. Then it prints a table of
events/s and peak RSS, and the ratios issues 6, 16 and 17 ask for. With --repeat R each command runs
R times and the fastest counts (RSS: the largest); the R rounds each run every command once,
so a slow spell of a shared machine falls on all of them alike. Exit status 1 when any
output is wrong.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BENCH = os.path.normpath(os.path.join(ROOT, "..", "shared", "bench"))
BIN = os.path.join(ROOT, ".build", "release", "cortado")
ONE_PASS = '{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}'
# A Distributed Map reading the events file (bucket "src") with a Pass child, its outputs
# written one per line (COMPACT, JSONL) to bucket "dst": the same transform as ONE_PASS.
DMAP = """{"StartAt":"Map","States":{"Map":{"Type":"Map",
 "ItemReader":{"Resource":"arn:aws:states:::s3:getObject","ReaderConfig":{"InputType":"JSONL"},"Parameters":{"Bucket":"src","Key":"%s"}},
 "ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"EXPRESS"},"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},
 "ResultWriter":{"Resource":"arn:aws:states:::s3:putObject","Parameters":{"Bucket":"dst","Prefix":"out"},
                 "WriterConfig":{"Transformation":"COMPACT","OutputType":"JSONL"}},"End":true}}}"""


def timed(argv, stdin_path, stdout_path):
    """Runs argv with files as stdin/stdout; returns (seconds, peak RSS in MiB)."""
    # Each command starts from the same state: its previous round's output removed (not
    # truncated by the open below, which frees its blocks while the clock runs) and every
    # earlier command's output flushed to disk, so the kernel's writeback of those (a few
    # GB over a run) does not take CPU from whichever command runs next.
    if os.path.exists(stdout_path):
        os.remove(stdout_path)
    os.sync()
    with open(stdin_path, "rb") as fin, open(stdout_path, "wb") as fout, open(stdout_path + ".err", "wb") as ferr:
        t0 = time.perf_counter()
        p = subprocess.Popen(argv, stdin=fin, stdout=fout, stderr=ferr)
        _, status, ru = os.wait4(p.pid, 0)
        dt = time.perf_counter() - t0
    p.returncode = os.waitstatus_to_exitcode(status)
    if p.returncode != 0:
        err = open(stdout_path + ".err", "rb").read().decode(errors="replace")[-2000:]
        sys.exit(f"compare: {' '.join(argv)} exited with {p.returncode}\n{err}")
    return dt, ru.ru_maxrss / 1024.0


def first_lines(path, n):
    out = []
    with open(path, "rb") as f:
        for line in f:
            if len(out) == n:
                break
            out.append(line.rstrip(b"\n"))
    return out


def count_lines(path):
    n = 0
    with open(path, "rb") as f:
        while True:
            b = f.read(1 << 20)
            if not b:
                return n
            n += b.count(b"\n")


def check(name, out_path, expected_lines, n_events):
    """Compares the first lines of an output with the expected results (JSON-equal)."""
    got = first_lines(out_path, len(expected_lines))
    bad = 0
    for i, (want, line) in enumerate(zip(expected_lines, got), start=1):
        g = json.loads(line)
        if g.pop("line", i) != i or g != want:
            bad += 1
            if bad == 1:
                print(f"  {name}: line {i} differs:\n    want {json.dumps(want)}\n    got  {line.decode()}")
    total = count_lines(out_path)
    ok = bad == 0 and len(got) == len(expected_lines) and total == n_events
    print(f"  {name:<28} {'ok' if ok else 'WRONG'}: first {len(got)} lines, {bad} mismatched, {total:,} lines in all")
    return ok


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("n", nargs="?", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--skip-jq", action="store_true", help="leave jq out (it takes minutes on 1M events)")
    ap.add_argument("--keep", help="directory for the events and outputs (kept); default a temporary one")
    a = ap.parse_args()
    if not os.path.isdir(BENCH):
        sys.exit(f"compare: {BENCH} not found")
    if not os.access(BIN, os.X_OK):
        subprocess.run(["bash", os.path.join(ROOT, "scripts", "build.sh"), "--product", "cortado"], check=True)
    work = a.keep or tempfile.mkdtemp(prefix="cortado-compare-")
    os.makedirs(work, exist_ok=True)
    events = os.path.join(work, f"events-{a.n}.jsonl")
    if not os.path.exists(events):
        print(f"generating {a.n:,} events ...", flush=True)
        with open(events, "wb") as f:
            subprocess.run([sys.executable, os.path.join(BENCH, "gen_events.py"), str(a.n), "1"], stdout=f, check=True)
    one_pass = os.path.join(work, "one-pass.asl.json")
    with open(one_pass, "w") as f:
        f.write(ONE_PASS)
    size = os.path.getsize(events)
    cores = os.cpu_count() or 1
    dmap = os.path.join(work, "dmap.asl.json")
    with open(dmap, "w") as f:
        f.write(DMAP % os.path.basename(events))
    dmap_out = os.path.join(work, "dmap-out")

    def cortado(workload, workers=cores, definition=None, extra=()):
        d = definition or os.path.join(BENCH, "workloads", workload + ".asl.json")
        return [BIN, "run", d, "--events", "-", "--out", "-", "--workers", str(workers),
                "--log-level", "OFF", "--metrics-interval", "3600", *extra]

    logs_path = os.path.join(work, "pc-logs.jsonl")
    def mocks(test_case):
        return ["--mock-config", os.path.join(BENCH, "workloads", "order.mocks.json"), "--test-case", test_case, "--name", "order"]

    py = sys.executable
    peers = os.path.join(BENCH, "peers")
    # The order workload's Tasks answered by a worker process (examples/workers/mock_worker.py
    # answers as the mocks do, so the outputs are the mocked run's), on a tenth of the lines:
    # each line makes three round trips through a pipe.
    n_worker = max(1, a.n // 10)
    events_worker = os.path.join(work, f"events-{n_worker}.jsonl")
    with open(events, "rb") as src, open(events_worker, "wb") as dst:
        for _, line in zip(range(n_worker), src):
            dst.write(line)
    worker = ["--worker", " ".join([py, os.path.join(ROOT, "examples", "workers", "mock_worker.py"),
                                    os.path.join(BENCH, "workloads", "order.mocks.json"), "default", "order"])]
    subset = {"order_worker": n_worker, "order_worker_general": n_worker}
    runs = [  # key, label, argv, what to check against
        ("pc", f"cortado pass-choice ({cores} workers)", cortado("pass-choice"), "pass-choice"),
        ("pc1", "cortado pass-choice (1 worker)", cortado("pass-choice", 1), "pass-choice"),
        ("pcj", f"cortado pass-choice.jsonata ({cores} w.)", cortado("pass-choice.jsonata"), "pass-choice.jsonata"),
        ("map", f"cortado map ({cores} workers)", cortado("map"), "map"),
        ("order", f"cortado order, mocked ({cores} w.)", cortado("order", extra=mocks("default")), "order"),
        # Test case flaky: the first attempt throws and Retry waits 2 s (virtual: the waits
        # count against the time limit only); rejected: Catch to a Fail state.
        ("order_flaky", f"cortado order flaky, Retry, virtual clock",
         cortado("order", extra=mocks("flaky") + ["--clock", "virtual"]), "order.flaky"),
        ("order_rejected", f"cortado order rejected, Catch + Fail", cortado("order", extra=mocks("rejected")), "order.rejected"),
        ("order_worker", f"cortado order, worker process (n/10)", cortado("order", extra=worker), "order"),
        ("order_worker_general", f"the same, --engine general (n/10)", cortado("order", extra=worker + ["--engine", "general"]), "order"),
        ("parallel", f"cortado parallel ({cores} workers)", cortado("parallel"), "parallel"),
        ("wait", f"cortado wait, virtual clock ({cores} w.)", cortado("wait", extra=["--clock", "virtual"]), "wait"),
        ("pclogs", f"cortado pass-choice, logs ALL ({cores} w.)",
         cortado("pass-choice", extra=["--log-level", "ALL", "--include-execution-data", "--logs", logs_path]), "pass-choice"),
        # The same with the log lines thrown away: the engine's cost of logging, apart from
        # the disk (1M lines make 5 GB of logs, more than the page cache takes at disk speed).
        ("pclogsnull", f"cortado pass-choice, logs ALL, /dev/null",
         cortado("pass-choice", extra=["--log-level", "ALL", "--include-execution-data", "--logs", "/dev/null"]), "pass-choice"),
        ("floor", f"cortado one-Pass floor ({cores} w.)", cortado("", definition=one_pass), "input"),
        ("dmap", "cortado Distributed Map, Pass child", [BIN, "exec", dmap, "--s3-dir", "src=" + work, "--s3-dir", "dst=" + dmap_out,
                                                         "--no-time-limit"], "dmap"),
        ("py_pc", "python+orjson pass-choice", [py, os.path.join(peers, "pass_choice_orjson.py")], "pass-choice"),
        ("py_map", "python+orjson map", [py, os.path.join(peers, "map_orjson.py")], "map"),
        ("py_floor", "python+orjson floor", [py, os.path.join(peers, "orjson_floor.py")], "input"),
        ("jq_pc", "jq pass-choice", ["jq", "-c", "-f", os.path.join(peers, "pass_choice.jq")], "pass-choice"),
        ("jq_map", "jq map", ["jq", "-c", "-f", os.path.join(peers, "map.jq")], "map"),
        ("cat", "cat", ["cat"], "input"),
    ]
    if a.skip_jq or not shutil.which("jq"):
        runs = [r for r in runs if not r[0].startswith("jq")]

    expected = {}
    for w in ("pass-choice", "pass-choice.jsonata", "map", "order", "order.flaky", "order.rejected", "parallel", "wait"):
        expected[w] = [json.loads(l) for l in first_lines(os.path.join(BENCH, "expected", w + ".jsonl"), 1000)]
    inputs = [json.loads(l) for l in first_lines(events, 1000)]

    results, ok = {}, True
    print(f"{a.n:,} events ({size / a.n:.0f} bytes each), {cores} cores, best of {a.repeat} (rounds interleaved)")
    # Round-robin: each round times every command once, so a slow spell of the (shared)
    # machine falls on all of them rather than on whichever ran during it.
    best = {}
    for _ in range(a.repeat):
        for key, label, argv, against in runs:
            if key == "dmap":
                shutil.rmtree(dmap_out, ignore_errors=True)  # one map run's files per round
            dt, rss = timed(argv, events_worker if key in subset else events, os.path.join(work, key + ".out.jsonl"))
            if key == "pclogs" and os.path.exists(logs_path):
                os.remove(logs_path)  # the logs of one round only
            b = best.get(key)
            best[key] = (dt, rss) if b is None else (min(b[0], dt), max(b[1], rss))
    for key, label, argv, against in runs:
        out = os.path.join(work, key + ".out.jsonl")
        if against == "dmap":
            files = [os.path.join(r, f) for r, _, fs in os.walk(dmap_out) for f in fs if f.startswith("SUCCEEDED")]
            good = len(files) == 1 and first_lines(files[0], 1000) == first_lines(events, 1000) and count_lines(files[0]) == a.n
            print(f"  {label:<28} {'ok' if good else 'WRONG'}: result file lines match the input")
            shutil.rmtree(dmap_out, ignore_errors=True)
        elif against == "input":
            want = [{"status": "SUCCEEDED", "output": e} for e in inputs] if key == "floor" else inputs
            if key == "cat":
                good = count_lines(out) == a.n
                print(f"  {label:<28} {'ok' if good else 'WRONG'}")
            elif key == "py_floor":
                good = check(label, out, inputs, a.n)
            else:
                good = check(label, out, want, a.n)
        else:
            good = check(label, out, expected[against][:subset.get(key, a.n)], subset.get(key, a.n))
        ok = ok and good
        results[key] = (label, subset.get(key, a.n) / best[key][0], best[key][0], best[key][1])
        if not a.keep:
            os.remove(out)

    print()
    print(f"| {'run':<40} | {'events/s':>11} | {'seconds':>7} | {'peak RSS':>9} |")
    print(f"|{'-' * 42}|{'-' * 13}|{'-' * 9}|{'-' * 11}|")
    for key, (label, rate, secs, rss) in results.items():
        print(f"| {label:<40} | {rate:>11,.0f} | {secs:>7.2f} | {rss:>6.0f} MiB |")
    print()

    def ratio(x, y, target, what):
        if x in results and y in results:
            r = results[x][1] / results[y][1]
            mark = "" if target is None else ("  (target >= %gx: %s)" % (target, "met" if r >= target else "NOT met"))
            print(f"  {what:<44} {r:7.2f}x{mark}")

    ratio("pc", "py_pc", 8, "pass-choice vs python+orjson")
    ratio("pc", "jq_pc", 30, "pass-choice vs jq")
    ratio("pc", "floor", 0.5, "pass-choice vs our one-Pass floor")
    ratio("pcj", "pc", 0.5, "pass-choice.jsonata vs pass-choice (JSONPath)")
    ratio("dmap", "floor", 0.5, "Distributed Map vs run, same lines, Pass")
    ratio("map", "py_map", 5, "map vs python+orjson")
    ratio("map", "jq_map", None, "map vs jq")
    ratio("pc", "pc1", 1.7, "pass-choice, 2 workers vs 1")
    ratio("order", "pc", 0.5, "order (mocked Tasks) vs pass-choice")
    ratio("order_flaky", "pc", None, "order flaky (Retry) vs pass-choice")
    ratio("order_rejected", "pc", None, "order rejected (Catch, Fail) vs pass-choice")
    ratio("order_worker", "order", None, "order, worker process vs mocked")
    ratio("order_worker", "order_worker_general", None, "order, worker process: lane vs general")
    ratio("map", "pc", 0.6, "map vs pass-choice")
    ratio("parallel", "pc", 0.4, "parallel vs pass-choice")
    ratio("wait", "pc", 0.5, "wait (virtual clock) vs pass-choice")
    ratio("pclogs", "pc", 0.25, "pass-choice logs ALL vs logs OFF")
    ratio("pclogsnull", "pc", 0.25, "the same, logs to /dev/null")
    ratio("floor", "py_floor", None, "our floor vs the orjson floor")
    if not a.keep:
        shutil.rmtree(work, ignore_errors=True)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
