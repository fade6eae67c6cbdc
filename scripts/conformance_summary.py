#!/usr/bin/env python3
"""Summarise a ../shared/conformance/run --json report the way the issues count it:
cases outside cases/tasks that use neither JSONata nor Variables, per feature; then tasks.
usage: scripts/conformance_summary.py REPORT.json [CASES_DIR]"""
import json, os, sys, glob, collections
rep = json.load(open(sys.argv[1]))
cases_dir = sys.argv[2] if len(sys.argv) > 2 else os.path.join(os.path.dirname(__file__), "..", "..", "shared", "conformance", "cases")
feat = {}
for f in glob.glob(os.path.join(cases_dir, "**", "*.json"), recursive=True):
    c = json.load(open(f))
    feat[c.get("name") or os.path.relpath(f, cases_dir)[:-5]] = c.get("features", [])
res = rep["cases"]
def bucket(name):
    fs = feat.get(name, [])
    if "jsonata" in fs or "variables" in fs: return "jsonata/variables"
    return "tasks" if name.startswith("tasks/") else "core"
tot = collections.Counter(); ok = collections.Counter(); per = collections.defaultdict(lambda: [0, 0])
fails = collections.defaultdict(list)
for name, c in res.items():
    b = bucket(name); passed = c.get("result") == "pass"
    tot[b] += 1; ok[b] += passed
    if b != "jsonata/variables":
        for x in feat.get(name, []):
            per[(b, x)][0] += passed; per[(b, x)][1] += 1
    if not passed: fails[b].append(name)
for b in ["core", "tasks", "jsonata/variables"]:
    print("%-18s %4d/%4d  (%.1f%%)" % (b, ok[b], tot[b], 100.0 * ok[b] / max(tot[b], 1)))
for (b, x), (p, t) in sorted(per.items()):
    print("   %-6s %-24s %4d/%4d" % (b, x, p, t))
if "-v" in sys.argv:
    for b in ["core", "tasks"]:
        for n in fails[b]: print("FAIL", b, n, "--", res[n].get("reason", "")[:300])
