#!/usr/bin/env python3
"""Test server for CortadoHTTPTests (stdlib only).

Listens on 127.0.0.1 at an ephemeral port, prints the port on its first stdout line,
and serves until killed (or until its parent's stdin closes):

  /echo[?...]            any method: 200 JSON describing the request
  /text                  200 text/plain "plain text"
  /status/<code>         <code> with JSON {"error": "status <code>"}
  /flaky/<n>/<key>       500 for the first <n> calls per key, then 200 {"calls": k}
  /2015-03-31/functions/<name>/invocations   the Lambda Invoke API:
      echo               returns the payload as it came
      context            {"payload", "qualifier", "invocationType"}
      raise              200 + X-Amz-Function-Error: Unhandled, a Python-runtime error body
      throttle           429 TooManyRequestsException
      flaky-<n>          500 ServiceException for the first <n> calls, then {"calls": k}
      anything else      404 ResourceNotFoundException (as sam local start-lambda answers)
"""
import json
import os
import sys
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit, unquote

COUNTS = {}
LOCK = threading.Lock()


def bump(key):
    with LOCK:
        COUNTS[key] = COUNTS.get(key, 0) + 1
        return COUNTS[key]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def reply(self, status, body, content_type="application/json", headers=None):
        data = body if isinstance(body, bytes) else (
            body.encode() if isinstance(body, str) else json.dumps(body).encode())
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("x-amzn-RequestId", "req-" + uuid.uuid4().hex[:8])
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def handle_any(self):
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        url = urlsplit(self.path)
        parts = [unquote(p) for p in url.path.split("/") if p]
        if parts[:2] == ["2015-03-31", "functions"] and len(parts) == 4 and parts[3] == "invocations":
            return self.lambda_invoke(parts[2], raw, parse_qs(url.query))
        if parts == ["echo"]:
            text = raw.decode()
            try:
                parsed = json.loads(text) if text else None
            except ValueError:
                parsed = None
            return self.reply(200, {
                "method": self.command,
                "path": url.path,
                "query": parse_qs(url.query),
                "headers": {k.lower(): v for k, v in self.headers.items()},
                "body": text,
                "json": parsed,
            }, headers={"X-Test": "echo"})
        if parts == ["text"]:
            return self.reply(200, "plain text", content_type="text/plain; charset=utf-8")
        if len(parts) == 2 and parts[0] == "status":
            code = int(parts[1])
            return self.reply(code, {"error": "status %d" % code})
        if len(parts) == 3 and parts[0] == "flaky":
            k = bump("flaky/" + parts[2])
            if k <= int(parts[1]):
                return self.reply(500, {"error": "try again"})
            return self.reply(200, {"calls": k})
        return self.reply(404, {"error": "no route"})

    def lambda_invoke(self, name, raw, query):
        ok = {"X-Amz-Executed-Version": "$LATEST"}
        if name == "echo":
            return self.reply(200, raw, headers=ok)
        if name == "double":  # the same function as examples/workers/example_worker.py's
            p = json.loads(raw) if raw else {}
            return self.reply(200, {"value": p.get("value", 0) * 2}, headers=ok)
        if name == "context":
            return self.reply(200, {
                "payload": json.loads(raw) if raw else None,
                "qualifier": (query.get("Qualifier") or [None])[0],
                "invocationType": self.headers.get("X-Amz-Invocation-Type"),
            }, headers=ok)
        if name == "raise":
            body = {"errorMessage": "Some exception was raised.", "errorType": "Exception",
                    "requestId": "1b4c5e2a-0000-4000-8000-000000000000",
                    "stackTrace": ["  File \"/var/task/handler.py\", line 2, in handler\n"
                                   "    raise Exception(\"Some exception was raised.\")\n"]}
            return self.reply(200, body, headers=dict(ok, **{"X-Amz-Function-Error": "Unhandled"}))
        if name == "throttle":
            return self.reply(429, {"Type": "User", "message": "Rate Exceeded."},
                              headers={"x-amzn-ErrorType": "TooManyRequestsException"})
        if name.startswith("flaky-"):
            k = bump("lambda/" + name)
            if k <= int(name[len("flaky-"):]):
                return self.reply(500, {"Type": "Service", "message": "Internal failure."},
                                  headers={"x-amzn-ErrorType": "ServiceException"})
            return self.reply(200, {"calls": k}, headers=ok)
        return self.reply(404, {"Type": "User",
                                "Message": "Function not found: arn:aws:lambda:us-west-2:012345678901:function:" + name},
                          headers={"x-amzn-errortype": "ResourceNotFoundException"})

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = do_HEAD = handle_any


def main():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    print(server.server_address[1], flush=True)

    # Stop when the test closes our stdin or goes away (SIGTERM may be blocked for us).
    def watch_stdin():
        try:
            sys.stdin.read()
        finally:
            os._exit(0)
    threading.Thread(target=watch_stdin, daemon=True).start()
    server.serve_forever()


if __name__ == "__main__":
    main()
