#!/usr/bin/env python3
"""Example Cortado subprocess worker (Python 3, standard library only).

Run it with:  cortado exec machine.asl.json --worker "python3 examples/workers/example_worker.py"

PROTOCOL (JSON lines; one JSON object per line, UTF-8, no newlines inside a message)

Cortado starts the worker once and keeps it running. It writes one request per line on
the worker's stdin:

  {"id": "17",                       # unique per task attempt; echo it back verbatim
   "resource": "arn:aws:lambda:us-east-1:123456789012:function:double",
   "input": {...},                   # the Task's effective input (after Parameters)
   "context": {"State": {"Name": "Charge", "RetryCount": 0},
               "Execution": {"Id": "arn:aws:states:...", "Name": "e1"},
               "StateMachine": {"Name": "order"},
               "TimeoutSeconds": 30,          # only when the state sets it
               "HeartbeatSeconds": 10}}       # only when the state sets it

The worker answers each request with exactly one line on stdout, in any order (many tasks
are in flight at once, so answer concurrently if tasks are slow):

  {"id": "17", "output": <any JSON>}                          # success: the task's result
  {"id": "17", "error": "Payment.Declined", "cause": "text"}  # failure: Retry/Catch see the name

and may send heartbeats (they reset HeartbeatSeconds) before answering:

  {"id": "17", "heartbeat": true}

Flush stdout after every line. Write diagnostics to stderr (Cortado passes it through).
Lines that are not JSON or have no "id" are reported and ignored. When stdin closes, finish
the tasks in flight and exit. If the process dies, its in-flight tasks fail with
States.TaskFailed and Cortado starts a new process.

RESOURCES (matched on the Lambda function name, the part after "function:")

  double   {"value": n}                -> {"value": 2n}
  decline  {"card": "..."}             -> error Payment.Declined
  sleep    {"seconds": s, "value": v}  -> after s seconds, {"value": v, "slept": s, "pid": ...}
                                          (heartbeats meanwhile when HeartbeatSeconds is set)
  crash    {"status": n, "succeedOnAttempt": k}
                                       -> exits the worker process with status n (default 3),
                                          unless $$.State.RetryCount >= k: then {"recovered": true}
  noise    {"value": v}                -> writes junk lines (not JSON, no id) first, then {"value": v}
  echo     anything                    -> {"input": ..., "context": ..., "pid": ...}

"arn:aws:states:::lambda:invoke" is supported too: the function comes from input.FunctionName,
the event from input.Payload, and the result is wrapped as {"Payload": ..., "StatusCode": 200}.
Any other resource fails with Worker.UnknownResource; an exception in a handler fails the task
with the exception's class name as the error (as Lambda reports errorType).
"""

import json
import os
import sys
import threading
import time

_stdout_lock = threading.Lock()


def send(message):
    line = json.dumps(message, separators=(",", ":"))  # ensure_ascii: never a raw newline
    with _stdout_lock:
        sys.stdout.write(line + "\n")
        sys.stdout.flush()


def log(text):
    sys.stderr.write("example_worker[%d]: %s\n" % (os.getpid(), text))
    sys.stderr.flush()


class TaskError(Exception):
    """Raise to fail the task with a named error Retry and Catch can match."""

    def __init__(self, name, cause):
        super().__init__(cause)
        self.name = name
        self.cause = cause


# --- handlers: handler(event, context, task) -> output ------------------------------------

def double(event, context, task):
    return {"value": event["value"] * 2}


def decline(event, context, task):
    raise TaskError("Payment.Declined", "Card %s was declined" % event.get("card", "****"))


def sleep(event, context, task):
    seconds = float(event.get("seconds", 0.1))
    beat = context.get("HeartbeatSeconds")
    deadline = time.monotonic() + seconds
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            break
        if beat:
            time.sleep(min(left, beat / 2.0))
            task.heartbeat()
        else:
            time.sleep(left)
    return {"value": event.get("value"), "slept": seconds, "pid": os.getpid()}


def crash(event, context, task):
    attempt = context.get("State", {}).get("RetryCount", 0)
    succeed_on = event.get("succeedOnAttempt")
    if succeed_on is not None and attempt >= succeed_on:
        return {"recovered": True, "attempt": attempt, "pid": os.getpid()}
    status = int(event.get("status", 3))
    log("crashing on purpose (attempt %d, status %d)" % (attempt, status))
    os._exit(status)


def noise(event, context, task):
    with _stdout_lock:
        sys.stdout.write("this line is not JSON\n")
        sys.stdout.write('{"no":"id"}\n')
        sys.stdout.flush()
    return {"value": event.get("value")}


def echo(event, context, task):
    return {"input": event, "context": context, "pid": os.getpid()}


HANDLERS = {"double": double, "decline": decline, "sleep": sleep, "crash": crash, "noise": noise, "echo": echo}


def function_name(arn):
    """'arn:aws:lambda:region:acct:function:NAME[:qualifier]' -> NAME; a bare name stays as is."""
    parts = str(arn).split(":")
    if "function" in parts:
        i = parts.index("function")
        return parts[i + 1] if i + 1 < len(parts) else ""
    return str(arn)


class Task:
    def __init__(self, request):
        self.id = request["id"]

    def heartbeat(self):
        send({"id": self.id, "heartbeat": True})


def run(request):
    task = Task(request)
    resource = request.get("resource", "")
    event = request.get("input")
    context = request.get("context", {})
    wrap = resource.startswith("arn:aws:states:::lambda:invoke")
    name = function_name(event.get("FunctionName", "") if wrap and isinstance(event, dict) else resource)
    if wrap:
        event = event.get("Payload", {}) if isinstance(event, dict) else {}
    handler = HANDLERS.get(name)
    try:
        if handler is None:
            raise TaskError("Worker.UnknownResource", "example_worker has no function '%s' (resource %s)" % (name, resource))
        output = handler(event, context, task)
        if wrap:
            output = {"ExecutedVersion": "$LATEST", "Payload": output, "StatusCode": 200}
        send({"id": task.id, "output": output})
    except TaskError as e:
        send({"id": task.id, "error": e.name, "cause": e.cause})
    except Exception as e:  # a bug in a handler: report it like Lambda's errorType
        send({"id": task.id, "error": type(e).__name__, "cause": str(e)})


def main():
    threads = []
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        try:
            request = json.loads(line)
            request["id"]
        except (ValueError, KeyError, TypeError) as e:
            log("ignoring a bad request line (%s): %.200s" % (e, line))
            continue
        t = threading.Thread(target=run, args=(request,))
        t.start()
        threads.append(t)
        threads = [t for t in threads if t.is_alive()]
    for t in threads:  # stdin closed: answer what is in flight, then exit
        t.join()


if __name__ == "__main__":
    main()
