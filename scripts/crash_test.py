#!/usr/bin/env python3
"""Crash test for `cortado run --resume` (at-least-once, nothing lost, nothing doubled).

usage: scripts/crash_test.py [--lines N] [--kills K] [--binary PATH] [--workers W] [--seed S]

Makes an N-line events file, runs it once cleanly, then runs it again while sending
SIGKILL at K random moments, resuming after each kill. Passes when the crashed-and-resumed
output is byte-identical to the clean one: every line exactly once, in order.
Prints "N passed, N failed" at the end (one check per kill plus the final comparison).
"""
import argparse, os, random, shutil, signal, subprocess, sys, tempfile, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def make_events(path, n):
    """The bundled example events, repeated with fresh order ids until there are n lines."""
    base = open(os.path.join(ROOT, "examples", "events.jsonl"), "rb").read().splitlines()
    with open(path, "wb") as f:
        for i in range(n):
            line = base[i % len(base)]
            f.write(line.replace(b'"o-0', b'"o-%d-0' % (i // len(base)), 1) + b"\n")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lines", type=int, default=1_000_000)
    ap.add_argument("--kills", type=int, default=20)
    ap.add_argument("--binary", default=os.path.join(ROOT, ".build", "release", "cortado"))
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--seed", type=int, default=int(time.time()))
    a = ap.parse_args()
    rng = random.Random(a.seed)
    definition = os.path.join(ROOT, "examples", "orders.asl.json")
    tmp = tempfile.mkdtemp(prefix="cortado-crash-")
    events, clean, crashed = (os.path.join(tmp, x) for x in ("events.jsonl", "clean.jsonl", "crashed.jsonl"))
    make_events(events, a.lines)
    base = [a.binary, "run", definition, "--events", events, "--workers", str(a.workers), "--metrics", os.devnull]

    t0 = time.time()
    subprocess.run(base + ["--out", clean], check=True)
    clean_s = time.time() - t0
    print(f"clean run: {a.lines} lines in {clean_s:.1f}s (seed {a.seed})", flush=True)

    passed = failed = 0
    kills = 0
    first = True
    while True:
        cmd = base + ["--out", crashed] + ([] if first else ["--resume"])
        first = False
        p = subprocess.Popen(cmd)
        if kills < a.kills:
            # Spread the kills over the run: each one after a random slice of a clean run's time.
            time.sleep(rng.uniform(0.02, max(0.05, clean_s / (a.kills / 2))))
            if p.poll() is None:
                p.send_signal(signal.SIGKILL)
                p.wait()
                kills += 1
                # A kill during process start-up (a run now takes about 2 s, so a kill
                # 20 ms in can land before `run` opened its output) leaves nothing to
                # resume; once any output exists, its checkpoint must exist too.
                has_ckpt = os.path.exists(crashed + ".checkpoint")
                started = os.path.exists(crashed) and os.path.getsize(crashed) > 0
                ok = has_ckpt or not started
                passed += ok; failed += not ok
                state = "present" if has_ckpt else ("none yet (killed during start-up, no output)" if ok else "MISSING")
                print(f"kill {kills}: checkpoint {state}", flush=True)
                continue
        if p.wait() != 0:
            print(f"run exited with {p.returncode}"); failed += 1
            break
        if kills >= a.kills:
            break
        # The run finished before all kills were spent: start over (fresh) to use the rest.
        first = True
    same = open(crashed, "rb").read() == open(clean, "rb").read()
    lines = open(crashed, "rb").read().count(b"\n")
    print(f"after {kills} kills: {lines} result lines, {'identical to' if same else 'DIFFERENT from'} the clean run")
    passed += same; failed += not same

    # The events file cut short while a run reads it (the file is mapped): the run stops
    # with exit status 2 and a message (or finishes, if it was past the cut); once the
    # file is whole again, --resume completes it to the clean output.
    cut, cut_out = os.path.join(tmp, "cut.jsonl"), os.path.join(tmp, "cut.out.jsonl")
    data = open(events, "rb").read()
    open(cut, "wb").write(data)
    cut_cmd = [a.binary, "run", definition, "--events", cut, "--out", cut_out, "--workers", str(a.workers), "--metrics", os.devnull]
    p = subprocess.Popen(cut_cmd, stderr=subprocess.PIPE)
    time.sleep(clean_s * 0.3)
    os.truncate(cut, len(data) // 3)
    _, err = p.communicate()
    stopped = p.returncode == 2 and b"shrank" in err
    ok = stopped or p.returncode == 0
    print(f"events file cut during the run: {'stopped with its message' if stopped else f'exit {p.returncode}'}"
          f"{'' if ok else ' (WRONG: ' + err.decode(errors='replace')[-300:] + ')'}", flush=True)
    passed += ok; failed += not ok
    open(cut, "wb").write(data)
    subprocess.run(cut_cmd + ["--resume"], check=True)
    same = open(cut_out, "rb").read() == open(clean, "rb").read()
    print(f"resumed once the file was whole: {'identical to' if same else 'DIFFERENT from'} the clean run")
    passed += same; failed += not same
    print(f"{passed} passed, {failed} failed")
    if failed == 0:
        shutil.rmtree(tmp)  # about 1.6 GB at the default size; kept (and named) when a check failed
    else:
        print(f"files kept for a look: {tmp}")
    sys.exit(0 if failed == 0 else 1)


if __name__ == "__main__":
    main()
