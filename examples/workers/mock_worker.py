#!/usr/bin/env python3
"""A Cortado subprocess worker that answers from a Step Functions Local mock config.

Run it with:
  cortado run machine.asl.json --events in.jsonl \
      --worker "python3 examples/workers/mock_worker.py MOCKS.json TEST_CASE STATE_MACHINE"

It answers each Task the way `--mock-config MOCKS.json --test-case TEST_CASE --name
STATE_MACHINE` would, through the worker protocol (see example_worker.py): the state's
mocked response for the attempt (`context.State.RetryCount`: a key "N" or a range "N-M")
is its output (Return) or its error (Throw). A state the test case does not mock fails
with Worker.Unmocked. It reads and answers in batches: all the lines it has, then one write.

Use it to run a mocked workload through a real worker process (benchmarks:
scripts/compare.sh's worker rows; their outputs equal the mocked run's).
"""
import json
import os
import sys


def load(path, test_case, machine):
    """state name -> [(first, last, answer JSON text after the id, without braces)]."""
    with open(path) as f:
        config = json.load(f)
    cases = config["StateMachines"][machine]["TestCases"][test_case]
    responses = config["MockedResponses"]
    answers = {}
    for state, name in cases.items():
        ranges = []
        for key, response in responses[name].items():
            first, _, last = key.partition("-")
            if "Return" in response:
                answer = {"output": response["Return"]}
            else:
                t = response["Throw"]
                answer = {"error": t["Error"], "cause": t.get("Cause")}
            ranges.append((int(first), int(last or first), answer))
        answers[state] = ranges
    return answers


def lambda_function(resource):
    """A Lambda function's own ARN: its result is the invoke's Payload, as a mock's is."""
    parts = resource.split(":")
    return len(parts) > 2 and parts[2] == "lambda"


def respond(answers, cache, state, attempt, resource):
    """The answer's JSON text after its id (cached by state, attempt and resource kind)."""
    key = (state, attempt, lambda_function(resource))
    text = cache.get(key)
    if text is None:
        chosen = None
        for first, last, a in answers.get(state, []):
            if first <= attempt <= last:
                chosen = a
        if chosen is None and state in answers:  # past the mocked attempts: the last one again
            chosen = answers[state][-1][2]
        if chosen is None:
            chosen = {"error": "Worker.Unmocked", "cause": "no mocked response for state " + state}
        if key[2] and "output" in chosen and isinstance(chosen["output"], dict) and "Payload" in chosen["output"]:
            chosen = {"output": chosen["output"]["Payload"]}
        text = json.dumps(chosen, separators=(",", ":"))[1:-1].encode()
        cache[key] = text
    return text


STATE = b'"context":{"State":{"Name":'


def handle(answers, cache, line):
    # The request's id, resource, state name and attempt, read off the line Cortado writes
    # (id first, resource second, context last), without parsing the input.
    i = line.index(b'"id":"') + 6
    rid = line[i:line.index(b'"', i)]
    c = line.rindex(STATE)
    name_end = line.index(b'","RetryCount":', c)
    name = line[c + len(STATE):name_end + 1]
    attempt = int(line[name_end + 15:line.index(b"}", name_end)])
    r = line.index(b'"resource":') + 11
    resource = line[r:line.index(b'","input":', r) + 1]
    if b"\\" in name or b"\\" in resource:
        request = json.loads(line)  # (escapes: read it whole)
        state, resource_text = request["context"]["State"]["Name"], request["resource"]
    else:
        state, resource_text = json.loads(name), json.loads(resource)
    return b'{"id":"' + rid + b'",' + respond(answers, cache, state, attempt, resource_text) + b"}"


def main():
    if len(sys.argv) != 4:
        sys.exit("usage: mock_worker.py MOCKS.json TEST_CASE STATE_MACHINE")
    answers = load(*sys.argv[1:])
    cache = {}
    fd = sys.stdin.fileno()
    out = sys.stdout.buffer
    pending = b""
    while True:
        chunk = os.read(fd, 1 << 16)
        if not chunk:
            break
        lines = (pending + chunk).split(b"\n")
        pending = lines.pop()
        replies = [handle(answers, cache, l) for l in lines if l.strip()]
        if replies:
            out.write(b"\n".join(replies) + b"\n")
            out.flush()


if __name__ == "__main__":
    main()
