"""Shared pieces of the `cortado serve` end-to-end tests (scripts/serve_tests.py).

Server: starts `cortado serve --port 0` (optionally with --data-dir), reads the bound port
from the "listening on http://HOST:PORT" line on stderr, and kills the process at the end.
Report: PASS/FAIL lines and the final "N passed, N failed" count.
RawClient: one keep-alive HTTP connection speaking AWS JSON 1.0 directly (no boto3), for the
load phases where boto3's per-call overhead would hide the server's speed.
"""
import http.client, json, math, os, re, signal, subprocess, time, urllib.parse

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BINARY = os.path.join(ROOT, ".build", "release", "cortado")
ROLE = "arn:aws:iam::123456789012:role/cortado"
LISTENING = re.compile(r"listening on (http://(\S+?):(\d+))")

# Dummy credentials and region for boto3, the AWS CLI and `cortado send-task-*`.
# botocore puts "sync-" in front of the host for StartSyncExecution unless told not to.
CLIENT_ENV = {
    "AWS_ACCESS_KEY_ID": "x", "AWS_SECRET_ACCESS_KEY": "x", "AWS_SESSION_TOKEN": "x",
    "AWS_DEFAULT_REGION": "us-east-1", "AWS_REGION": "us-east-1",
    "AWS_DISABLE_HOST_PREFIX_INJECTION": "true", "AWS_PAGER": "",
    "AWS_CONFIG_FILE": os.devnull, "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
}
os.environ.update(CLIENT_ENV)


class Server:
    """One `cortado serve` process. Use as a context manager: the process is killed on exit,
    also when the test inside fails."""

    def __init__(self, workdir, data_dir=None, args=(), binary=BINARY, name="serve"):
        self.workdir, self.data_dir, self.args, self.binary = workdir, data_dir, list(args), binary
        self.log_path = os.path.join(workdir, name + ".log")
        self.proc = None
        self.endpoint = self.port = None
        self.banner = ""

    def start(self, timeout=30):
        """Starts the server and waits for its "listening on" line; returns seconds taken."""
        cmd = [self.binary, "serve", "--port", "0"] + (["--data-dir", self.data_dir] if self.data_dir else []) + self.args
        log = open(self.log_path, "ab")
        offset = log.tell()
        t0 = time.monotonic()
        self.proc = subprocess.Popen(cmd, stdout=log, stderr=log, stdin=subprocess.DEVNULL)
        log.close()
        while time.monotonic() - t0 < timeout:
            with open(self.log_path, "rb") as f:
                f.seek(offset)
                text = f.read().decode("utf-8", "replace")
            m = LISTENING.search(text)
            if m:
                self.endpoint, self.port = m.group(1), int(m.group(3))
                self.banner = text[text.rfind("\n", 0, m.start()) + 1:].split("\n", 1)[0].strip()
                return time.monotonic() - t0
            if self.proc.poll() is not None:
                raise RuntimeError(f"cortado serve exited with {self.proc.returncode} before listening:\n{self.log_tail()}")
            time.sleep(0.01)
        self.stop()
        raise RuntimeError(f"cortado serve did not print 'listening on' within {timeout}s:\n{self.log_tail()}")

    def kill9(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait()

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.kill9()

    def cpu_seconds(self):
        """User + system CPU time the server process has used so far (Linux /proc), or None."""
        try:
            fields = open(f"/proc/{self.proc.pid}/stat").read().rsplit(")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except (OSError, IndexError, ValueError, AttributeError):
            return None

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def log_tail(self, n=20):
        try:
            return "\n".join(open(self.log_path, encoding="utf-8", errors="replace").read().splitlines()[-n:])
        except OSError:
            return ""

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()
        return False


class Report:
    """PASS/FAIL lines with measured numbers; `failed` decides the exit status."""

    def __init__(self):
        self.passed = self.failed = 0
        self.notes = []

    def check(self, name, ok, detail=""):
        ok = bool(ok)
        self.passed += ok
        self.failed += not ok
        detail = str(detail).replace("\n", "\\n")
        print(f"{'PASS' if ok else 'FAIL'} {name}" + (f": {detail}" if detail else ""), flush=True)
        return ok

    def note(self, text):
        """Something worth knowing that is not a required check (an AWS difference, a number)."""
        self.notes.append(text)
        print(f"NOTE {text}", flush=True)

    def info(self, text):
        print(f"     {text}", flush=True)


_session = None


def boto3_client(endpoint, timeout=30):
    """A boto3 Step Functions client for the server (no "sync-" host prefix, no retries, so
    every error shows). Clients come from one shared Session: building the first loads the
    service model (~0.2 s), the next ones are cheap. Clients are thread-safe; one per thread
    is faster."""
    global _session
    import boto3
    from botocore.config import Config
    if _session is None:
        _session = boto3.session.Session()
    return _session.client(
        "stepfunctions", endpoint_url=endpoint, region_name="us-east-1",
        aws_access_key_id="x", aws_secret_access_key="x",
        config=Config(inject_host_prefix=False, retries={"max_attempts": 1, "mode": "standard"},
                      connect_timeout=5, read_timeout=timeout, max_pool_connections=4))


def client_error(fn, **kw):
    """Calls a boto3 method expecting an error: returns (code, message, http status), or
    (None, response, 200) when it unexpectedly succeeded."""
    import botocore.exceptions
    try:
        r = fn(**kw)
    except botocore.exceptions.ClientError as e:
        return e.response["Error"].get("Code"), e.response["Error"].get("Message"), e.response["ResponseMetadata"].get("HTTPStatusCode")
    r.pop("ResponseMetadata", None)
    return None, r, 200


class ApiError(Exception):
    def __init__(self, status, code, message):
        super().__init__(f"HTTP {status} {code}: {message}")
        self.status, self.code, self.message = status, code, message


class RawClient:
    """AWS JSON 1.0 over one keep-alive http.client connection (not thread-safe: one per thread)."""

    def __init__(self, endpoint, timeout=30):
        u = urllib.parse.urlsplit(endpoint)
        self.host, self.port, self.timeout = u.hostname, u.port, timeout
        self.conn = None

    def call(self, action, body):
        if self.conn is None:
            self.conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        data = json.dumps(body).encode()
        try:
            self.conn.request("POST", "/", body=data, headers={
                "Content-Type": "application/x-amz-json-1.0",
                "X-Amz-Target": "AWSStepFunctions." + action,
                "Host": f"{self.host}:{self.port}",
            })
            resp = self.conn.getresponse()
            raw = resp.read()
        except Exception:
            self.close()
            raise
        out = json.loads(raw) if raw else {}
        if resp.status != 200:
            code = (out.get("__type") or "").rsplit("#", 1)[-1]
            raise ApiError(resp.status, code, out.get("message") or out.get("Message"))
        return out

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def token_from_history(events):
    """The task token in the (last) TaskScheduled event's parameters: the value of any key
    whose string value the test put there from $$.Task.Token (we always name it "token")."""
    for ev in reversed(events):
        if ev.get("type") == "TaskScheduled":
            params = json.loads(ev["taskScheduledEventDetails"]["parameters"])
            return find_key(params, "token")
    return None


def find_key(v, key):
    if isinstance(v, dict):
        if key in v:
            return v[key]
        for x in v.values():
            r = find_key(x, key)
            if r is not None:
                return r
    elif isinstance(v, list):
        for x in v:
            r = find_key(x, key)
            if r is not None:
                return r
    return None


def poll(fn, timeout, interval=0.02):
    """Calls fn until it returns something truthy or timeout seconds pass; returns the last value."""
    deadline = time.monotonic() + timeout
    while True:
        v = fn()
        if v or time.monotonic() >= deadline:
            return v
        time.sleep(interval)


def percentile(sorted_values, p):
    if not sorted_values:
        return float("nan")
    i = min(len(sorted_values) - 1, max(0, math.ceil(p / 100 * len(sorted_values)) - 1))  # nearest rank
    return sorted_values[i]


def run_threads(n, target):
    """Runs target(i) for i in range(n) on n threads; re-raises the first exception."""
    import threading
    errors = []

    def wrap(i):
        try:
            target(i)
        except BaseException as e:  # noqa: surface it in the main thread
            errors.append(e)
    ts = [threading.Thread(target=wrap, args=(i,), daemon=True) for i in range(n)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    if errors:
        raise errors[0]
