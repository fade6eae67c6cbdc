#!/usr/bin/env python3
"""End-to-end tests of `cortado serve` (the AWS Step Functions `states` API, AWS JSON 1.0).

usage: scripts/serve_tests.py [--quick] [--only NAME[,NAME]] [--skip NAME[,NAME]] [--binary PATH]
                              [--threads T] [--keep] [--timeout SECONDS]

Tests (each starts its own `cortado serve --port 0` with a temp --data-dir, and kills it at the end):
  boto3       the human-approval flow with boto3: .waitForTaskToken task, token from
              GetExecutionHistory, SendTaskSuccess -> SUCCEEDED, SendTaskFailure -> Catch,
              StartSyncExecution (EXPRESS), heartbeats and States.HeartbeatTimeout, StopExecution,
              ListExecutions, ValidateStateMachineDefinition and the AWS error codes.
  cli         the same approval flow with `aws stepfunctions` and `cortado send-task-success/-failure`.
  restart     N executions wait on tokens (N=1,000), kill -9, restart on the same --data-dir,
              N SendTaskSuccess (boto3, T threads): all N SUCCEEDED with the right outputs. Then
              N/10 more, with a kill -9 right after the last StartExecution answer and again
              right after the last SendTaskSuccess answer: nothing acknowledged is lost.
  load        N executions wait on tokens (N=10,000), then N SendTaskSuccess from T threads over raw
              AWS JSON 1.0 keep-alive connections; requests/s, p50/p99; all N SUCCEEDED.
  test_state  ../shared/conformance/check_test_state against the server: at least 90% passed
              (skipped when ../shared/conformance is absent).
--quick: N=100 for restart and load. Prints PASS/FAIL lines, then `N passed, N failed`;
exits 1 when something failed. The whole run is bounded by --timeout (default 600 s).
"""
import argparse, json, math, os, re, shutil, signal, subprocess, sys, tempfile, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from serve_harness import (BINARY, ROLE, ROOT, RawClient, Report, Server, boto3_client,  # noqa: E402
                           client_error, percentile, poll, run_threads, token_from_history)

ACCOUNT_SM = "arn:aws:states:us-east-1:111111111111:stateMachine:"
ACCOUNT_EX = "arn:aws:states:us-east-1:111111111111:execution:"
WAIT_RESOURCE = "arn:aws:states:::sqs:sendMessage.waitForTaskToken"

# The human-approval machine: the token goes out in the (unrouted, so waiting) SQS message;
# SendTaskSuccess's output lands in $.approval, a "Rejected" SendTaskFailure is caught.
APPROVAL = {
    "Comment": "human approval",
    "StartAt": "AskForApproval",
    "States": {
        "AskForApproval": {
            "Type": "Task",
            "Resource": WAIT_RESOURCE,
            "Parameters": {
                "QueueUrl": "https://sqs.us-east-1.amazonaws.com/123456789012/approvals",
                "MessageBody": {"token.$": "$$.Task.Token", "order.$": "$.order", "amount.$": "$.amount"},
            },
            "ResultPath": "$.approval",
            "Catch": [{"ErrorEquals": ["Rejected"], "ResultPath": "$.rejection", "Next": "Rejected"}],
            "Next": "Approved",
        },
        "Approved": {
            "Type": "Pass",
            "Parameters": {"order.$": "$.order", "status": "approved", "approvedBy.$": "$.approval.by"},
            "End": True,
        },
        "Rejected": {"Type": "Pass", "Parameters": {"order.$": "$.order", "status": "rejected",
                                                    "error.$": "$.rejection.Error", "cause.$": "$.rejection.Cause"},
                     "End": True},
    },
}

# For the restart and load tests: the smallest waiting machine whose output shows both the
# execution's input and the task's answer.
WAITER = {
    "StartAt": "Wait",
    "States": {"Wait": {"Type": "Task", "Resource": WAIT_RESOURCE,
                        "Parameters": {"MessageBody": {"token.$": "$$.Task.Token", "i.$": "$.i"}},
                        "ResultPath": "$.answer", "End": True}},
}

HEARTBEAT = {
    "StartAt": "Wait",
    "States": {"Wait": {"Type": "Task", "Resource": WAIT_RESOURCE, "HeartbeatSeconds": 1, "TimeoutSeconds": 30,
                        "Parameters": {"MessageBody": {"token.$": "$$.Task.Token"}}, "End": True}},
}

EXPRESS = {
    "StartAt": "Price",
    "States": {
        "Price": {"Type": "Pass", "Parameters": {"order.$": "$.order", "total.$": "States.MathAdd($.a, $.b)",
                                                 "label.$": "States.Format('order {}', $.order)"}, "Next": "Big?"},
        "Big?": {"Type": "Choice", "Choices": [{"Variable": "$.total", "NumericGreaterThan": 100, "Next": "TooBig"}],
                 "Default": "Done"},
        "Done": {"Type": "Succeed"},
        "TooBig": {"Type": "Fail", "Error": "TooBig", "Cause": "total over 100"},
    },
}


def sfn_history(c, arn):
    events, kw = [], {"executionArn": arn, "maxResults": 1000}
    while True:
        r = c.get_execution_history(**kw)
        events += r["events"]
        if not r.get("nextToken"):
            return events
        kw["nextToken"] = r["nextToken"]


def wait_token(c, arn, timeout=10):
    """Polls GetExecutionHistory until the TaskScheduled event is there; returns the token."""
    return poll(lambda: token_from_history(c.get_execution_history(executionArn=arn, maxResults=1000)["events"]), timeout)


def wait_done(c, arn, timeout=10):
    """Polls DescribeExecution until the execution is no longer RUNNING; returns the description."""
    d = poll(lambda: (lambda d: d if d["status"] != "RUNNING" else None)(c.describe_execution(executionArn=arn)), timeout)
    return d or c.describe_execution(executionArn=arn)


def loads(s):
    try:
        return json.loads(s) if s is not None else None
    except ValueError:
        return s


# ---------------------------------------------------------------- boto3


def test_boto3(a, rep, work):
    with Server(work, data_dir=os.path.join(work, "data"), binary=a.binary) as srv:
        rep.info(f"server: {srv.banner}")
        c = boto3_client(srv.endpoint)

        # --- approval flow: success
        sm = c.create_state_machine(name="approval", definition=json.dumps(APPROVAL), roleArn=ROLE, type="STANDARD")
        sm_arn = sm["stateMachineArn"]
        rep.check("boto3 CreateStateMachine", sm_arn == ACCOUNT_SM + "approval", sm_arn)
        desc = c.describe_state_machine(stateMachineArn=sm_arn)
        rep.check("boto3 DescribeStateMachine", desc["status"] == "ACTIVE" and desc["type"] == "STANDARD"
                  and json.loads(desc["definition"]) == APPROVAL, f"status {desc['status']}, type {desc['type']}")

        t0 = time.monotonic()
        ex = c.start_execution(stateMachineArn=sm_arn, name="order-1", input=json.dumps({"order": "o-1", "amount": 42}))
        arn1 = ex["executionArn"]
        token = wait_token(c, arn1)
        token_s = time.monotonic() - t0
        events = sfn_history(c, arn1)
        sched = [e for e in events if e["type"] == "TaskScheduled"]
        params = json.loads(sched[0]["taskScheduledEventDetails"]["parameters"]) if sched else {}
        rep.check("boto3 token in TaskScheduled parameters",
                  bool(token) and params.get("QueueUrl", "").endswith("/approvals")
                  and params.get("MessageBody", {}).get("order") == "o-1"
                  # AWS names an optimized integration by service and action in task events.
                  and sched[0]["taskScheduledEventDetails"].get("resourceType") == "sqs"
                  and sched[0]["taskScheduledEventDetails"].get("resource") == "sendMessage.waitForTaskToken",
                  f"token {str(token)[:20]}... after {token_s * 1000:.0f} ms; events {[e['type'] for e in events]}")
        d = c.describe_execution(executionArn=arn1)
        rep.check("boto3 execution waits (RUNNING)", d["status"] == "RUNNING", d["status"])

        c.send_task_success(taskToken=token, output=json.dumps({"by": "alice"}))
        d = wait_done(c, arn1)
        want = {"order": "o-1", "status": "approved", "approvedBy": "alice"}
        rep.check("boto3 SendTaskSuccess -> SUCCEEDED", d["status"] == "SUCCEEDED" and loads(d.get("output")) == want,
                  f"{d['status']} {d.get('output')}")
        types = [e["type"] for e in sfn_history(c, arn1)]
        rep.check("boto3 history after success", "TaskSucceeded" in types and types[-1] == "ExecutionSucceeded",
                  " ".join(types))
        code, msg, _ = client_error(c.send_task_success, taskToken=token, output="{}")
        # AWS answers a token whose task has already completed with TaskTimedOut
        # ("Task Timed Out: 'Provided task does not exist anymore'").
        rep.check("boto3 reused token rejected as AWS does", code == "TaskTimedOut"
                  and msg == "Task Timed Out: 'Provided task does not exist anymore'", f"{code}: {msg}")

        # --- idempotent StartExecution (same name and input while running)
        ex2 = c.start_execution(stateMachineArn=sm_arn, name="order-2", input=json.dumps({"order": "o-2", "amount": 7}))
        again = c.start_execution(stateMachineArn=sm_arn, name="order-2", input=json.dumps({"order": "o-2", "amount": 7}))
        code, msg, _ = client_error(c.start_execution, stateMachineArn=sm_arn, name="order-2", input=json.dumps({"order": "x"}))
        rep.check("boto3 StartExecution idempotent / ExecutionAlreadyExists",
                  again["executionArn"] == ex2["executionArn"] and code == "ExecutionAlreadyExists", f"{code}: {msg}")

        # --- approval flow: failure reaching the Catch
        arn2 = ex2["executionArn"]
        token2 = wait_token(c, arn2)
        c.send_task_failure(taskToken=token2, error="Rejected", cause="amount too small")
        d = wait_done(c, arn2)
        want = {"order": "o-2", "status": "rejected", "error": "Rejected", "cause": "amount too small"}
        rep.check("boto3 SendTaskFailure -> Catch -> SUCCEEDED", d["status"] == "SUCCEEDED" and loads(d.get("output")) == want,
                  f"{d['status']} {d.get('output')}")
        failed_ev = [e for e in sfn_history(c, arn2) if e["type"] == "TaskFailed"]
        det = failed_ev[0].get("taskFailedEventDetails", {}) if failed_ev else {}
        rep.check("boto3 TaskFailed event", det.get("error") == "Rejected" and det.get("cause") == "amount too small", str(det))

        # --- failure that no Catch matches
        arn3 = c.start_execution(stateMachineArn=sm_arn, name="order-3", input=json.dumps({"order": "o-3", "amount": 1}))["executionArn"]
        c.send_task_failure(taskToken=wait_token(c, arn3), error="Broken", cause="printer on fire")
        d = wait_done(c, arn3)
        rep.check("boto3 uncaught SendTaskFailure -> FAILED", d["status"] == "FAILED" and d.get("error") == "Broken"
                  and d.get("cause") == "printer on fire", f"{d['status']} {d.get('error')} {d.get('cause')}")

        # --- StopExecution -> ABORTED
        arn4 = c.start_execution(stateMachineArn=sm_arn, name="order-4", input=json.dumps({"order": "o-4", "amount": 3}))["executionArn"]
        token4 = wait_token(c, arn4)
        c.stop_execution(executionArn=arn4, error="Manual", cause="operator stopped it")
        d = c.describe_execution(executionArn=arn4)
        types = [e["type"] for e in sfn_history(c, arn4)]
        rep.check("boto3 StopExecution -> ABORTED", d["status"] == "ABORTED" and d.get("error") == "Manual"
                  and d.get("cause") == "operator stopped it" and types[-1] == "ExecutionAborted",
                  f"{d['status']} {d.get('error')} {d.get('cause')}; last event {types[-1]}")
        code, msg, _ = client_error(c.send_task_success, taskToken=token4, output="{}")
        rep.check("boto3 token of an aborted execution rejected", code == "TaskTimedOut", f"{code}: {msg}")

        # --- ListExecutions
        listed = c.list_executions(stateMachineArn=sm_arn)["executions"]
        by_name = {e["name"]: e["status"] for e in listed}
        want = {"order-1": "SUCCEEDED", "order-2": "SUCCEEDED", "order-3": "FAILED", "order-4": "ABORTED"}
        succeeded = {e["name"] for e in c.list_executions(stateMachineArn=sm_arn, statusFilter="SUCCEEDED")["executions"]}
        rep.check("boto3 ListExecutions", by_name == want and succeeded == {"order-1", "order-2"},
                  f"{by_name}; SUCCEEDED filter {sorted(succeeded)}")
        p1 = c.list_executions(stateMachineArn=sm_arn, maxResults=3)
        p2 = c.list_executions(stateMachineArn=sm_arn, maxResults=3, nextToken=p1.get("nextToken", "")) if p1.get("nextToken") else {"executions": []}
        rep.check("boto3 ListExecutions paging", len(p1["executions"]) == 3 and len(p2["executions"]) == 1
                  and not p2.get("nextToken"), f"{len(p1['executions'])} + {len(p2['executions'])}")
        sms = [m["name"] for m in c.list_state_machines()["stateMachines"]]
        rep.check("boto3 ListStateMachines", "approval" in sms, str(sms))

        # --- heartbeats: one execution kept alive, one left without heartbeats (HeartbeatSeconds 1)
        hb_arn = c.create_state_machine(name="heartbeat", definition=json.dumps(HEARTBEAT), roleArn=ROLE)["stateMachineArn"]
        alive = c.start_execution(stateMachineArn=hb_arn, name="kept-alive", input="{}")["executionArn"]
        silent = c.start_execution(stateMachineArn=hb_arn, name="silent", input="{}")["executionArn"]
        t0 = time.monotonic()
        alive_token = wait_token(c, alive)
        beats, silent_done = 0, None
        while time.monotonic() - t0 < 3.0:
            c.send_task_heartbeat(taskToken=alive_token)
            beats += 1
            if silent_done is None and c.describe_execution(executionArn=silent)["status"] != "RUNNING":
                silent_done = time.monotonic() - t0
            time.sleep(0.3)
        d_alive = c.describe_execution(executionArn=alive)
        rep.check("boto3 SendTaskHeartbeat keeps the task alive", d_alive["status"] == "RUNNING",
                  f"{d_alive['status']} after {time.monotonic() - t0:.1f}s with HeartbeatSeconds 1 and {beats} heartbeats")
        c.send_task_success(taskToken=alive_token, output=json.dumps({"done": True}))
        d_alive = wait_done(c, alive)
        rep.check("boto3 heartbeated task then succeeds", d_alive["status"] == "SUCCEEDED"
                  and loads(d_alive.get("output")) == {"done": True}, f"{d_alive['status']} {d_alive.get('output')}")
        d_silent = wait_done(c, silent)
        rep.check("boto3 missing heartbeat -> States.HeartbeatTimeout",
                  d_silent["status"] == "FAILED" and d_silent.get("error") == "States.HeartbeatTimeout",
                  f"{d_silent['status']} {d_silent.get('error')}" + (f", noticed after {silent_done:.1f}s" if silent_done else ""))

        # --- StartSyncExecution (EXPRESS)
        ex_arn = c.create_state_machine(name="pricing", definition=json.dumps(EXPRESS), roleArn=ROLE, type="EXPRESS")["stateMachineArn"]
        t0 = time.monotonic()
        r = c.start_sync_execution(stateMachineArn=ex_arn, input=json.dumps({"order": "o-9", "a": 40, "b": 2}))
        sync_ms = (time.monotonic() - t0) * 1000
        rep.check("boto3 StartSyncExecution (EXPRESS) output", r["status"] == "SUCCEEDED"
                  and loads(r.get("output")) == {"order": "o-9", "total": 42, "label": "order o-9"},
                  f"{r['status']} {r.get('output')} in {sync_ms:.1f} ms")
        r = c.start_sync_execution(stateMachineArn=ex_arn, input=json.dumps({"order": "o-10", "a": 100, "b": 2}))
        rep.check("boto3 StartSyncExecution (EXPRESS) failure", r["status"] == "FAILED" and r.get("error") == "TooBig"
                  and r.get("cause") == "total over 100", f"{r['status']} {r.get('error')} {r.get('cause')}")
        code, msg, _ = client_error(c.start_sync_execution, stateMachineArn=sm_arn, input="{}")
        rep.check("boto3 StartSyncExecution on STANDARD -> StateMachineTypeNotSupported",
                  code == "StateMachineTypeNotSupported", f"{code}: {msg}")
        code, msg, _ = client_error(c.list_executions, stateMachineArn=ex_arn)
        rep.check("boto3 ListExecutions on EXPRESS -> StateMachineTypeNotSupported",
                  code == "StateMachineTypeNotSupported", f"{code}: {msg}")

        # --- error shapes
        missing = ACCOUNT_EX + "approval:no-such-execution"
        for label, fn, kw, want_code in [
            ("DescribeExecution missing", c.describe_execution, {"executionArn": missing}, "ExecutionDoesNotExist"),
            ("DescribeExecution bad ARN", c.describe_execution, {"executionArn": "not-an-arn"}, "InvalidArn"),
            ("GetExecutionHistory bad ARN", c.get_execution_history, {"executionArn": "arn:aws:states:us-east-1:123456789012:nope"}, "InvalidArn"),
            ("DescribeStateMachine missing", c.describe_state_machine, {"stateMachineArn": ACCOUNT_SM + "nope"}, "StateMachineDoesNotExist"),
            ("CreateStateMachine invalid definition", c.create_state_machine,
             {"name": "broken", "definition": json.dumps({"StartAt": "Nowhere", "States": {"A": {"Type": "Pass", "End": True}}}), "roleArn": ROLE},
             "InvalidDefinition"),
            ("CreateStateMachine non-JSON definition", c.create_state_machine, {"name": "broken2", "definition": "{not json", "roleArn": ROLE},
             "InvalidDefinition"),
            ("StartExecution invalid input", c.start_execution, {"stateMachineArn": sm_arn, "input": "{oops"}, "InvalidExecutionInput"),
            ("SendTaskSuccess bad token", c.send_task_success, {"taskToken": "not-a-token", "output": "{}"}, "InvalidToken"),
            ("SendTaskFailure bad token", c.send_task_failure, {"taskToken": "not-a-token", "error": "E"}, "InvalidToken"),
            ("SendTaskHeartbeat bad token", c.send_task_heartbeat, {"taskToken": "not-a-token"}, "InvalidToken"),
        ]:
            code, msg, status = client_error(fn, **kw)
            rep.check(f"boto3 {label} -> {want_code}", code == want_code and status == 400, f"HTTP {status} {code}: {msg}")
        # InvalidOutput needs a live token.
        arn5 = c.start_execution(stateMachineArn=sm_arn, name="order-5", input=json.dumps({"order": "o-5", "amount": 5}))["executionArn"]
        token5 = wait_token(c, arn5)
        code, msg, status = client_error(c.send_task_success, taskToken=token5, output="{not json")
        d = c.describe_execution(executionArn=arn5)
        rep.check("boto3 SendTaskSuccess non-JSON output -> InvalidOutput", code == "InvalidOutput" and d["status"] == "RUNNING",
                  f"HTTP {status} {code}: {msg}; execution {d['status']}")
        c.stop_execution(executionArn=arn5)

        # --- ValidateStateMachineDefinition
        ok = c.validate_state_machine_definition(definition=json.dumps(APPROVAL), type="STANDARD")
        bad = c.validate_state_machine_definition(definition=json.dumps({"StartAt": "Nowhere", "States": {"A": {"Type": "Pass", "End": True}}}))
        codes = [x.get("code") for x in bad.get("diagnostics", [])]
        rep.check("boto3 ValidateStateMachineDefinition", ok["result"] == "OK" and ok.get("diagnostics") == []
                  and bad["result"] == "FAIL" and codes and all(x.get("severity") == "ERROR" for x in bad["diagnostics"]),
                  f"valid: {ok['result']}; invalid: {bad['result']} {codes}")
        if not srv.alive():
            rep.check("boto3 server still running", False, srv.log_tail())


# ---------------------------------------------------------------- AWS CLI and cortado send-task-*


def test_cli(a, rep, work):
    # `aws` on PATH, else the awscli module (pip --user puts the script in ~/.local/bin).
    aws = [shutil.which("aws")] if shutil.which("aws") else [sys.executable, "-m", "awscli"]
    if subprocess.run(aws + ["--version"], capture_output=True, timeout=60).returncode != 0:
        rep.check("cli aws found", False, "the AWS CLI (`aws`) is not installed: run scripts/setup.sh")
        return
    with Server(work, data_dir=os.path.join(work, "data"), binary=a.binary) as srv:
        rep.info(f"server: {srv.banner}")
        calls = []

        def sfn(*args):
            t0 = time.monotonic()
            p = subprocess.run(aws + ["stepfunctions", "--endpoint-url", srv.endpoint, "--region", "us-east-1",
                                "--output", "json", *args], capture_output=True, text=True, timeout=60)
            calls.append(time.monotonic() - t0)
            if p.returncode != 0:
                raise RuntimeError(f"aws stepfunctions {args[0]} exited {p.returncode}: {p.stderr.strip()}")
            return json.loads(p.stdout) if p.stdout.strip() else {}

        def cortado(*args):
            return subprocess.run([a.binary, *args, "--endpoint-url", srv.endpoint], capture_output=True, text=True, timeout=60)

        def token_of(arn):
            def once():
                return token_from_history(sfn("get-execution-history", "--execution-arn", arn)["events"])
            return poll(once, 15, interval=0.1)

        def done(arn):
            def once():
                d = sfn("describe-execution", "--execution-arn", arn)
                return d if d["status"] != "RUNNING" else None
            return poll(once, 15, interval=0.1) or sfn("describe-execution", "--execution-arn", arn)

        sm_arn = sfn("create-state-machine", "--name", "approval-cli", "--definition", json.dumps(APPROVAL),
                     "--role-arn", ROLE)["stateMachineArn"]
        rep.check("cli create-state-machine", sm_arn == ACCOUNT_SM + "approval-cli", sm_arn)

        # aws send-task-success
        arn = sfn("start-execution", "--state-machine-arn", sm_arn, "--name", "cli-1",
                  "--input", json.dumps({"order": "c-1", "amount": 10}))["executionArn"]
        token = token_of(arn)
        rep.check("cli get-execution-history has the token", bool(token), f"{str(token)[:20]}...")
        sfn("send-task-success", "--task-token", token, "--task-output", json.dumps({"by": "bob"}))
        d = done(arn)
        rep.check("cli send-task-success -> SUCCEEDED", d["status"] == "SUCCEEDED"
                  and loads(d.get("output")) == {"order": "c-1", "status": "approved", "approvedBy": "bob"},
                  f"{d['status']} {d.get('output')}")

        # aws send-task-failure (caught)
        arn = sfn("start-execution", "--state-machine-arn", sm_arn, "--name", "cli-2",
                  "--input", json.dumps({"order": "c-2", "amount": 11}))["executionArn"]
        sfn("send-task-failure", "--task-token", token_of(arn), "--error", "Rejected", "--cause", "no budget")
        d = done(arn)
        rep.check("cli send-task-failure -> Catch", d["status"] == "SUCCEEDED"
                  and loads(d.get("output")) == {"order": "c-2", "status": "rejected", "error": "Rejected", "cause": "no budget"},
                  f"{d['status']} {d.get('output')}")

        # `cortado send-task-success/-failure` (boto3 starts the executions and reads the tokens)
        c = boto3_client(srv.endpoint)

        def start(name, order):
            arn = c.start_execution(stateMachineArn=sm_arn, name=name, input=json.dumps({"order": order, "amount": 12}))["executionArn"]
            return arn, wait_token(c, arn)

        arn, token = start("cli-3", "c-3")
        p = cortado("send-task-success", token, json.dumps({"by": "carol"}))
        d = wait_done(c, arn)
        rep.check("cli cortado send-task-success -> SUCCEEDED", p.returncode == 0 and d["status"] == "SUCCEEDED"
                  and loads(d.get("output")) == {"order": "c-3", "status": "approved", "approvedBy": "carol"},
                  f"exit {p.returncode} {p.stderr.strip()}; {d['status']} {d.get('output')}")

        arn, token = start("cli-4", "c-4")
        out_file = os.path.join(work, "answer.json")
        with open(out_file, "w") as f:
            json.dump({"by": "dave"}, f)
        p = cortado("send-task-success", token, "@" + out_file)
        d = wait_done(c, arn)
        rep.check("cli cortado send-task-success @FILE", p.returncode == 0 and loads(d.get("output")) == {
            "order": "c-4", "status": "approved", "approvedBy": "dave"}, f"exit {p.returncode} {p.stderr.strip()}; {d.get('output')}")

        arn, token = start("cli-5", "c-5")
        p = cortado("send-task-failure", token, "--error", "Rejected", "--cause", "too late")
        d = wait_done(c, arn)
        rep.check("cli cortado send-task-failure -> Catch", p.returncode == 0 and d["status"] == "SUCCEEDED"
                  and loads(d.get("output")) == {"order": "c-5", "status": "rejected", "error": "Rejected", "cause": "too late"},
                  f"exit {p.returncode} {p.stderr.strip()}; {d['status']} {d.get('output')}")

        arn, token = start("cli-6", "c-6")
        p = cortado("send-task-failure", token, "--error", "Jammed", "--cause", "paper")
        d = wait_done(c, arn)
        rep.check("cli cortado send-task-failure uncaught -> FAILED", p.returncode == 0 and d["status"] == "FAILED"
                  and d.get("error") == "Jammed" and d.get("cause") == "paper",
                  f"exit {p.returncode}; {d['status']} {d.get('error')} {d.get('cause')}")

        p = cortado("send-task-success", "not-a-token", "{}")
        rep.check("cli cortado send-task-success bad token fails", p.returncode != 0 and "InvalidToken" in p.stderr,
                  f"exit {p.returncode}: {p.stderr.strip()}")
        p = cortado("send-task-heartbeat", token)
        rep.check("cli cortado send-task-heartbeat on a finished task fails", p.returncode != 0,
                  f"exit {p.returncode}: {p.stderr.strip()}")
        listed = sfn("list-executions", "--state-machine-arn", sm_arn)["executions"]
        rep.check("cli list-executions", len(listed) == 6, f"{len(listed)} executions")
        rep.info(f"aws CLI calls: {len(calls)}, {sum(calls) / max(1, len(calls)):.2f}s each on average")


# ---------------------------------------------------------------- waiting executions in bulk (restart, load)


def clients(endpoint, threads, use_boto3):
    """One client per thread, made before a timed phase: boto3 clients or RawClients."""
    return [boto3_client(endpoint) if use_boto3 else RawClient(endpoint) for _ in range(threads)]


def start_waiting(pool, sm_arn, n, prefix):
    """Starts n executions named prefix-00000.. with input {"i": i} (one thread per client in
    pool); returns their ARNs."""
    arns = [None] * n
    threads = len(pool)

    def worker(t):
        c = pool[t]
        if not isinstance(c, RawClient):
            for i in range(t, n, threads):
                arns[i] = c.start_execution(stateMachineArn=sm_arn, name=f"{prefix}-{i:05d}", input=json.dumps({"i": i}))["executionArn"]
        else:
            for i in range(t, n, threads):
                arns[i] = c.call("StartExecution", {"stateMachineArn": sm_arn, "name": f"{prefix}-{i:05d}",
                                                    "input": json.dumps({"i": i})})["executionArn"]
    run_threads(threads, worker)
    return arns


def collect_tokens(pool, arns, timeout=60):
    """Reads each execution's token from its TaskScheduled event (polling until it is there)."""
    tokens = [None] * len(arns)
    deadline = time.monotonic() + timeout
    threads = len(pool)

    def worker(t):
        c = pool[t]
        for i in range(t, len(arns), threads):
            while tokens[i] is None and time.monotonic() < deadline:
                if not isinstance(c, RawClient):
                    events = c.get_execution_history(executionArn=arns[i], maxResults=1000)["events"]
                else:
                    events = c.call("GetExecutionHistory", {"executionArn": arns[i], "maxResults": 1000})["events"]
                tokens[i] = token_from_history(events)
                if tokens[i] is None:
                    time.sleep(0.01)
    run_threads(threads, worker)
    return tokens


def send_successes(pool, tokens, output_of):
    """SendTaskSuccess for every token, no retries; returns (latencies in s, errors, wall seconds)."""
    lat = [None] * len(tokens)
    errors = []
    threads = len(pool)

    def worker(t):
        c = pool[t]
        for i in range(t, len(tokens), threads):
            out = json.dumps(output_of(i))
            t0 = time.perf_counter()
            try:
                if not isinstance(c, RawClient):
                    c.send_task_success(taskToken=tokens[i], output=out)
                else:
                    c.call("SendTaskSuccess", {"taskToken": tokens[i], "output": out})
            except Exception as e:
                errors.append(f"#{i}: {type(e).__name__}: {e}")
                continue
            lat[i] = time.perf_counter() - t0
    t0 = time.perf_counter()
    run_threads(threads, worker)
    return [x for x in lat if x is not None], errors, time.perf_counter() - t0


def count_status(endpoint, sm_arn, status):
    c = RawClient(endpoint)
    n, body = 0, {"stateMachineArn": sm_arn, "statusFilter": status, "maxResults": 1000}
    while True:
        r = c.call("ListExecutions", body)
        n += len(r["executions"])
        if not r.get("nextToken"):
            c.close()
            return n
        body["nextToken"] = r["nextToken"]


def wait_all_succeeded(endpoint, sm_arn, n, timeout):
    """Polls ListExecutions until n executions are SUCCEEDED (bounded); returns (count, seconds)."""
    t0 = time.monotonic()
    got = 0
    while time.monotonic() - t0 < timeout:
        got = count_status(endpoint, sm_arn, "SUCCEEDED")
        if got >= n:
            break
        time.sleep(0.1)
    return got, time.monotonic() - t0


def verify_outputs(endpoint, arns, threads, expected_of):
    """DescribeExecution (raw, threads connections) for every ARN; returns the mismatches."""
    bad = []

    def worker(t):
        c = RawClient(endpoint)
        for i in range(t, len(arns), threads):
            d = c.call("DescribeExecution", {"executionArn": arns[i]})
            if d["status"] != "SUCCEEDED" or loads(d.get("output")) != expected_of(i):
                bad.append(f"#{i} {d['status']} {d.get('output')} {d.get('error', '')} {d.get('cause', '')}")
        c.close()
    run_threads(threads, worker)
    return bad


# ---------------------------------------------------------------- restart (kill -9)


def test_restart(a, rep, work):
    n, threads = a.restart_n, a.threads
    data = os.path.join(work, "data")
    srv = Server(work, data_dir=data, binary=a.binary)
    timings = {}
    try:
        timings["first start"] = srv.start()
        rep.info(f"server: {srv.banner}")
        c = boto3_client(srv.endpoint)
        sm_arn = c.create_state_machine(name="restart", definition=json.dumps(WAITER), roleArn=ROLE)["stateMachineArn"]
        pool = clients(srv.endpoint, threads, use_boto3=True)
        t0 = time.monotonic()
        arns = start_waiting(pool, sm_arn, n, "r")
        timings["start executions"] = time.monotonic() - t0
        t0 = time.monotonic()
        tokens = collect_tokens(pool, arns)
        timings["collect tokens"] = time.monotonic() - t0
        have = sum(t is not None for t in tokens)
        rep.check(f"restart {n} executions waiting, tokens collected", have == n and len(set(tokens)) == n,
                  f"{have} tokens ({len(set(t for t in tokens if t))} distinct); start {timings['start executions']:.2f}s "
                  f"({n / timings['start executions']:.0f}/s), tokens {timings['collect tokens']:.2f}s "
                  f"({n / timings['collect tokens']:.0f}/s), boto3 x{threads} threads")
        running = count_status(srv.endpoint, sm_arn, "RUNNING")

        srv.kill9()
        t0 = time.monotonic()
        timings["restart"] = srv.start()
        m = re.search(r"(\d+) running executions resumed", srv.banner)
        resumed = int(m.group(1)) if m else None
        rep.check("restart kill -9 and restart on the same data dir", resumed == n and running == n,
                  f"{running} RUNNING before the kill; restart to listening in {timings['restart']:.2f}s; "
                  f"banner: {srv.banner!r}")
        c = boto3_client(srv.endpoint)
        d = c.describe_state_machine(stateMachineArn=sm_arn)
        rep.check("restart state machine survived", json.loads(d["definition"]) == WAITER, d["stateMachineArn"])

        pool = clients(srv.endpoint, threads, use_boto3=True)  # the port is a new one
        lat, errors, wall = send_successes(pool, tokens, lambda i: {"approved": i})
        timings["send"] = wall
        lat.sort()
        rep.check(f"restart {n} SendTaskSuccess after the restart", not errors and len(lat) == n,
                  f"{len(lat)} ok, {len(errors)} errors {errors[:3]}; {n / wall:.0f} req/s (boto3 x{threads} threads), "
                  f"p50 {percentile(lat, 50) * 1000:.1f} ms, p99 {percentile(lat, 99) * 1000:.1f} ms")
        got, secs = wait_all_succeeded(srv.endpoint, sm_arn, n, timeout=60)
        timings["complete"] = secs
        t0 = time.monotonic()
        bad = verify_outputs(srv.endpoint, arns, threads, lambda i: {"i": i, "answer": {"approved": i}})
        timings["verify"] = time.monotonic() - t0
        rep.check(f"restart all {n} SUCCEEDED with the right outputs", got == n and not bad,
                  f"{got} SUCCEEDED (listed {secs:.2f}s after the last send), {len(bad)} wrong {bad[:3]}; "
                  f"describe x{n} {timings['verify']:.2f}s")

        # Acknowledged means journaled: kill -9 right after the last StartExecution answer, and
        # again right after the last SendTaskSuccess answer; nothing acknowledged may be lost.
        m = max(10, n // 10)
        pool = clients(srv.endpoint, threads, use_boto3=True)
        late = start_waiting(pool, sm_arn, m, "late")
        srv.kill9()
        timings["restart after starts"] = srv.start()
        resumed = re.search(r"(\d+) running executions resumed", srv.banner)
        pool = clients(srv.endpoint, threads, use_boto3=True)
        late_tokens = collect_tokens(pool, late)
        rep.check(f"restart {m} executions started just before a kill -9 survive",
                  resumed and int(resumed.group(1)) == m and all(late_tokens),
                  f"{resumed.group(1) if resumed else '?'} resumed, {sum(t is not None for t in late_tokens)} tokens")
        _, errors, _ = send_successes(pool, late_tokens, lambda i: {"late": i})
        srv.kill9()
        timings["restart after answers"] = srv.start()
        got, secs = wait_all_succeeded(srv.endpoint, sm_arn, n + m, timeout=60)
        bad = verify_outputs(srv.endpoint, late, threads, lambda i: {"i": i, "answer": {"late": i}})
        sample = list(range(0, n, max(1, n // 100)))
        bad += verify_outputs(srv.endpoint, [arns[i] for i in sample], threads,
                              lambda j: {"i": sample[j], "answer": {"approved": sample[j]}})
        rep.check(f"restart {m} answers sent just before a kill -9 survive", got == n + m and not bad and not errors,
                  f"{got} of {n + m} SUCCEEDED after the restart ({secs:.2f}s), {len(errors)} send errors, "
                  f"{len(bad)} wrong outputs {bad[:3]} (all {m} late ones and {len(sample)} earlier ones checked)")
        journal = sum(os.path.getsize(os.path.join(dp, f)) for dp, _, fs in os.walk(data) for f in fs)
        rep.info("restart timings: " + ", ".join(f"{k} {v:.2f}s" for k, v in timings.items()) + f"; data dir {journal / 1e6:.1f} MB")
    finally:
        srv.stop()


# ---------------------------------------------------------------- load


def test_load(a, rep, work):
    n, threads = a.load_n, a.threads
    with Server(work, data_dir=os.path.join(work, "data"), binary=a.binary) as srv:
        rep.info(f"server: {srv.banner}")
        raw = RawClient(srv.endpoint)
        sm_arn = raw.call("CreateStateMachine", {"name": "load", "definition": json.dumps(WAITER), "roleArn": ROLE})["stateMachineArn"]
        raw.close()
        phases = {}
        pool = clients(srv.endpoint, threads, use_boto3=False)
        t0 = time.monotonic()
        arns = start_waiting(pool, sm_arn, n, "l")
        phases["StartExecution"] = time.monotonic() - t0
        t0 = time.monotonic()
        tokens = collect_tokens(pool, arns)
        phases["GetExecutionHistory"] = time.monotonic() - t0
        have = sum(t is not None for t in tokens)
        rep.check(f"load {n} executions waiting on tokens", have == n and len(set(tokens)) == n,
                  f"{have} tokens; StartExecution {n / phases['StartExecution']:.0f}/s, "
                  f"GetExecutionHistory {n / phases['GetExecutionHistory']:.0f}/s")

        cpu0 = srv.cpu_seconds()
        lat, errors, wall = send_successes(pool, tokens, lambda i: {"ok": i})
        cpu1 = srv.cpu_seconds()
        phases["SendTaskSuccess"] = wall
        lat.sort()
        rps = len(lat) / wall if wall else 0
        rep.check(f"load {n} SendTaskSuccess, none lost, no error", not errors and len(lat) == n,
                  f"{len(lat)} ok, {len(errors)} errors {errors[:3]}; {rps:.0f} req/s from {threads} threads "
                  f"(raw http.client AWS JSON 1.0, keep-alive); latency p50 {percentile(lat, 50) * 1000:.2f} ms, "
                  f"p99 {percentile(lat, 99) * 1000:.2f} ms, max {lat[-1] * 1000 if lat else 0:.1f} ms")
        if cpu0 is not None and cpu1 is not None and n:
            rep.info(f"server CPU during the SendTaskSuccess phase: {cpu1 - cpu0:.2f}s for {n} calls "
                     f"({(cpu1 - cpu0) / n * 1e6:.0f} us per call; busy {(cpu1 - cpu0) / wall * 100:.0f}% of one core)")

        got, secs = wait_all_succeeded(srv.endpoint, sm_arn, n, timeout=60)
        t0 = time.monotonic()
        bad = verify_outputs(srv.endpoint, arns, threads, lambda i: {"i": i, "answer": {"ok": i}})
        phases["DescribeExecution"] = time.monotonic() - t0
        others = {s: count_status(srv.endpoint, sm_arn, s) for s in ("RUNNING", "FAILED")}
        rep.check(f"load all {n} SUCCEEDED", got == n and not bad and not any(others.values()),
                  f"{got} SUCCEEDED ({secs:.2f}s after the last send), {others}, {len(bad)} wrong outputs {bad[:3]}")
        rep.info("load phases: " + ", ".join(f"{k} {v:.2f}s ({n / v:.0f}/s)" for k, v in phases.items()))
        if not srv.alive():
            rep.check("load server still running", False, srv.log_tail())


# ---------------------------------------------------------------- cortado load --endpoint-url


def test_load_cli(a, rep, work):
    """`cortado load` against the server through StartSyncExecution (issue 18): 500/s for
    20 s (5 s with --quick), no errors, latency reported."""
    seconds = 5 if a.quick else 20
    definition = os.path.join(work, "load-target.asl.json")
    with open(definition, "w") as f:
        json.dump({"StartAt": "Shape", "States": {
            "Shape": {"Type": "Pass", "Parameters": {"id.$": "$.id", "n.$": "States.MathAdd($.n, 1)"}, "Next": "Route"},
            "Route": {"Type": "Choice", "Choices": [{"Variable": "$.n", "NumericGreaterThan": 5, "Next": "Big"}], "Default": "Small"},
            "Big": {"Type": "Pass", "Result": "big", "End": True},
            "Small": {"Type": "Pass", "Result": "small", "End": True}}}, f)
    template = os.path.join(work, "load-template.json")
    with open(template, "w") as f:
        json.dump({"id": "{{uuid}}", "n": "{{int 1 10}}"}, f)
    report = os.path.join(work, "load-report.json")
    with Server(work, binary=a.binary) as srv:
        p = subprocess.run([a.binary, "load", definition, "--template", template, "--rate", "500",
                            "--duration", f"{seconds}s", "--endpoint-url", srv.endpoint, "--report-json", report,
                            "--threshold", "error_rate==0", "--metrics", os.devnull],
                           capture_output=True, text=True, timeout=seconds + 120)
        try:
            r = json.load(open(report))
        except (OSError, ValueError):
            r = {}
        lat = r.get("latency_ms", {})
        rep.check(f"cortado load --endpoint-url: 500/s for {seconds}s, no errors",
                  p.returncode == 0 and r.get("executions") == 500 * seconds and r.get("errors") == 0
                  and abs(r.get("achieved_rate", 0) - 500) < 5 and lat.get("p99", 0) > 0,
                  f"exit {p.returncode}, {r.get('executions')} executions, {r.get('errors')} errors, "
                  f"achieved {r.get('achieved_rate')}/s, latency ms {lat}; {p.stderr.strip()[-300:]}")


# ---------------------------------------------------------------- cortado serve --auth


def test_auth(a, rep, work):
    """`cortado serve --auth FILE`: SigV4 signatures checked (issue 19)."""
    import boto3
    import botocore
    from botocore import UNSIGNED
    from botocore.config import Config
    creds = os.path.join(work, "auth.ini")
    with open(creds, "w") as f:
        f.write("[default]\naws_access_key_id = AKIDCORTADO\naws_secret_access_key = s3cr3t/key\n")
    with Server(work, binary=a.binary, args=["--auth", creds]) as srv:
        def client(key, secret, **kw):
            return boto3.client("stepfunctions", endpoint_url=srv.endpoint, region_name="us-east-1",
                                aws_access_key_id=key, aws_secret_access_key=secret, **kw)
        ok = client("AKIDCORTADO", "s3cr3t/key")
        try:
            ok.list_state_machines()
            signed_ok = True
        except botocore.exceptions.ClientError as e:
            signed_ok = str(e)
        rep.check("serve --auth: a request signed with a listed key is served", signed_ok is True, str(signed_ok))
        for label, c, want in [("a wrong secret", client("AKIDCORTADO", "wrong"), "InvalidSignatureException"),
                               ("an unknown key", client("OTHER", "s3cr3t/key"), "UnrecognizedClientException"),
                               ("an unsigned request", boto3.client("stepfunctions", endpoint_url=srv.endpoint, region_name="us-east-1",
                                                                    config=Config(signature_version=UNSIGNED)), "MissingAuthenticationTokenException")]:
            try:
                c.list_state_machines()
                got = ("served", 200)
            except botocore.exceptions.ClientError as e:
                got = (e.response["Error"]["Code"], e.response["ResponseMetadata"]["HTTPStatusCode"])
            rep.check(f"serve --auth: {label} -> 403 {want}", got == (want, 403), str(got))
        # cortado load --sign drives the same server through signed StartSyncExecution calls.
        definition = os.path.join(work, "auth-load.asl.json")
        with open(definition, "w") as f:
            json.dump({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}, f)
        events = os.path.join(work, "auth-load.jsonl")
        with open(events, "w") as f:
            f.write('{"a":1}\n')
        p = subprocess.run([a.binary, "load", definition, "--events", events, "--rate", "100", "--count", "50",
                            "--endpoint-url", srv.endpoint, "--sign", "--threshold", "error_rate==0", "--metrics", os.devnull],
                           capture_output=True, text=True, timeout=60,
                           env=dict(os.environ, AWS_ACCESS_KEY_ID="AKIDCORTADO", AWS_SECRET_ACCESS_KEY="s3cr3t/key", AWS_REGION="us-east-1"))
        rep.check("cortado load --sign against serve --auth: 50 signed StartSyncExecution calls, no errors", p.returncode == 0,
                  p.stderr.strip()[-300:])


# ---------------------------------------------------------------- TestState conformance


def test_state_conformance(a, rep, work):
    checker = os.path.join(a.conformance, "check_test_state")
    if not os.path.exists(checker):
        print(f"SKIP test_state: {checker} is absent", flush=True)
        return
    with Server(work, binary=a.binary) as srv:
        t0 = time.monotonic()
        try:
            p = subprocess.run([sys.executable, checker, "--endpoint", srv.endpoint], capture_output=True, text=True, timeout=300)
            out, err = p.stdout, p.stderr
        except subprocess.TimeoutExpired as e:
            out = e.stdout.decode(errors="replace") if isinstance(e.stdout, bytes) else (e.stdout or "")
            err = "(timed out after 300s)"
        secs = time.monotonic() - t0
        m = re.search(r"^(\d+) passed, (\d+) failed\s*$", out, re.M)
        if not m:
            rep.check("test_state check_test_state ran", False, (out.strip()[-800:] + "\n" + err.strip()[-800:]).strip())
            return
        passed, failed = int(m.group(1)), int(m.group(2))
        need = math.ceil(0.9 * (passed + failed))
        fails = [l[5:] for l in out.splitlines() if l.startswith("FAIL ")]
        rep.check("test_state conformance (check_test_state)", passed >= need,
                  f"{m.group(0).strip()} (need {need} of {passed + failed}) in {secs:.1f}s"
                  + (f"; failing e.g. {', '.join(fails[:5])}" if fails else ""))


class RunTimeout(BaseException):
    """Raised by SIGALRM when the whole run exceeds --timeout (not an Exception, so that no
    test's error handling swallows it)."""


TESTS = {"boto3": test_boto3, "cli": test_cli, "restart": test_restart, "load": test_load, "load_cli": test_load_cli, "auth": test_auth,
         "test_state": test_state_conformance}


def names(arg):
    out = [x.strip() for x in (arg or "").split(",") if x.strip()]
    for x in out:
        if x not in TESTS:
            raise SystemExit(f"unknown test {x!r}; tests: {', '.join(TESTS)}")
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[1], formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog="tests: " + ", ".join(TESTS))
    ap.add_argument("--quick", action="store_true", help="100 executions instead of 1,000 (restart) and 10,000 (load)")
    ap.add_argument("--only", action="append", help="run only these tests (comma-separated, repeatable)")
    ap.add_argument("--skip", action="append", help="skip these tests")
    ap.add_argument("--binary", default=BINARY)
    ap.add_argument("--threads", type=int, default=8, help="client threads (default 8)")
    ap.add_argument("--restart-n", type=int)
    ap.add_argument("--load-n", type=int)
    ap.add_argument("--conformance", default=os.path.join(os.path.dirname(ROOT), "shared", "conformance"),
                    help="where check_test_state is (default ../shared/conformance); absent: test_state is skipped")
    ap.add_argument("--keep", action="store_true", help="keep the temp dir (server logs, data dirs)")
    ap.add_argument("--timeout", type=float, default=600, help="limit for the whole run, seconds")
    a = ap.parse_args()
    a.restart_n = a.restart_n or (100 if a.quick else 1000)
    a.load_n = a.load_n or (100 if a.quick else 10000)
    only = [x for arg in (a.only or []) for x in names(arg)]
    skip = {x for arg in (a.skip or []) for x in names(arg)}
    selected = [t for t in TESTS if (not only or t in only) and t not in skip]
    if not os.access(a.binary, os.X_OK):
        print(f"FAIL {a.binary} is missing: build first (scripts/build.sh)")
        print("0 passed, 1 failed")
        return 1
    try:
        import boto3  # noqa: F401
    except ImportError:
        print("FAIL boto3 is not installed: run scripts/setup.sh")
        print("0 passed, 1 failed")
        return 1

    def on_alarm(*_):
        raise RunTimeout(f"the run took longer than --timeout {a.timeout:.0f}s")
    signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, a.timeout)

    rep = Report()
    tmp = tempfile.mkdtemp(prefix="cortado-serve-tests-")
    t_all = time.monotonic()
    durations = {}
    for name in selected:
        work = os.path.join(tmp, name)
        os.makedirs(work)
        print(f"== {name}", flush=True)
        t0 = time.monotonic()
        try:
            TESTS[name](a, rep, work)
        except RunTimeout as e:  # the servers are already stopped (with/finally); stop here
            rep.check(f"{name} finished", False, str(e))
            durations[name] = time.monotonic() - t0
            break
        except Exception as e:
            rep.check(f"{name} finished", False, f"{type(e).__name__}: {e}")
            logs = [os.path.join(work, f) for f in os.listdir(work) if f.endswith(".log")]
            for log in logs:
                tail = open(log, errors="replace").read().splitlines()[-10:]
                if tail:
                    rep.info(f"{log} (last lines):\n" + "\n".join("       " + l for l in tail))
        durations[name] = time.monotonic() - t0
    signal.setitimer(signal.ITIMER_REAL, 0)
    total = time.monotonic() - t_all
    print("durations: " + ", ".join(f"{k} {v:.1f}s" for k, v in durations.items()) + f"; total {total:.1f}s", flush=True)
    if rep.failed or a.keep:
        print(f"server logs and data dirs kept in {tmp}")
    else:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"{rep.passed} passed, {rep.failed} failed")
    return 1 if rep.failed else 0


if __name__ == "__main__":
    sys.exit(main())
