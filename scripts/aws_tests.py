#!/usr/bin/env python3
"""End-to-end tests of Cortado's AWS integrations against moto's server, signatures checked.

usage: scripts/aws_tests.py [--quick] [--binary PATH]

Starts `moto_server` on a free loopback port with INITIAL_NO_AUTH_ACTION_COUNT, so that after
creating an IAM user with an access key every request must carry a valid SigV4 signature;
then runs workflows through `cortado exec --aws` and `cortado run --aws` with
AWS_ENDPOINT_URL_DYNAMODB pointing at it:
  - putItem, getItem, an updateItem whose failing condition a Catch takes, deleteItem: the
    outputs carry SdkHttpMetadata and SdkResponseMetadata, the error and cause are worded as
    the AWS-recorded cases word them;
  - a missing table: DynamoDB.ResourceNotFoundException;
  - a wrong secret: refused (the signature is checked);
  - sns:publish to a topic an SQS queue subscribes to, sqs:sendMessage with a JSON body,
    events:putEvents; sqs:sendMessage.waitForTaskToken on `cortado serve --aws`, its token
    read from the queue by a consumer that calls SendTaskSuccess; aws-sdk:dynamodb and
    aws-sdk:secretsmanager from the generated models; aws-sdk:s3 putObject and getObject;
    the generic protocols: aws-sdk:s3 listObjectsV2/headObject (REST-XML), aws-sdk:sns
    createTopic/publish/listTopics and a NotFound (query), aws-sdk:lambda (REST-JSON);
    lambda:invoke and a function ARN signed with SigV4 against a fake Lambda that checks
    every signature with botocore's signer;
  - a Distributed Map reading a CSV from S3 (ItemReader, ItemBatcher, ResultWriter to
    another bucket) and one over s3:listObjectsV2;
  - a batch of 10,000 updateItem executions (1,000 with --quick) that each add 1 to one of
    100 counters: every line SUCCEEDED and the counters add up exactly (none lost or doubled).
Prints PASS/FAIL lines and `N passed, N failed`; exits 1 on a failure. Skips (exit 0) with a
message when moto's server cannot be started (pip install 'moto[server]').
"""
import argparse, json, os, re, shutil, socket, subprocess, sys, tempfile, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CAUSE = re.compile(r"^.+ \(Service: AmazonDynamoDBv2; Status Code: 400; Error Code: (\w+); Request ID: \S+; Proxy: null\)$")


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Report:
    def __init__(self):
        self.passed = self.failed = 0

    def check(self, name, ok, detail=""):
        print(("PASS " if ok else "FAIL ") + name + ("" if ok else f": {detail}"), flush=True)
        if ok:
            self.passed += 1
        else:
            self.failed += 1


def wait_for_port(port):
    """Waits (up to 10 s) until something listens on the loopback port."""
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.1)


def fake_lambda(access_key, secret):
    """A Lambda Invoke endpoint on a loopback port that checks each request's SigV4 signature
    with botocore's signer: `echo` returns its payload, `boom` fails as a Python function does."""
    import datetime, threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
    from unittest import mock
    import botocore.auth, botocore.awsrequest, botocore.credentials

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            auth = self.headers.get("Authorization") or ""
            signed = auth.split("SignedHeaders=")[1].split(",")[0].split(";") if "SignedHeaders=" in auth else []
            req = botocore.awsrequest.AWSRequest(method="POST", url=f"http://{self.headers['Host']}{self.path}", data=body,
                                                 headers={h: self.headers[h] for h in signed if h != "host" and self.headers[h] is not None})
            when = datetime.datetime.strptime(self.headers.get("X-Amz-Date", "19700101T000000Z"), "%Y%m%dT%H%M%SZ").replace(tzinfo=datetime.timezone.utc)
            with mock.patch("botocore.auth.get_current_datetime", return_value=when):
                botocore.auth.SigV4Auth(botocore.credentials.Credentials(access_key, secret), "lambda", "us-east-1").add_auth(req)
            if req.headers["Authorization"] != auth:
                self.server.bad_signatures += 1
                return self.reply(403, {"message": "The request signature we calculated does not match"}, [("x-amzn-ErrorType", "InvalidSignatureException")])
            name = self.path.split("/functions/")[1].split("/")[0]
            if name == "echo":
                return self.reply(200, json.loads(body or b"null"), [("X-Amz-Executed-Version", "$LATEST")])
            if name == "boom":
                return self.reply(200, {"errorType": "ValueError", "errorMessage": "bad"}, [("X-Amz-Function-Error", "Unhandled")])
            return self.reply(404, {"Message": "Function not found: " + name}, [("x-amzn-ErrorType", "ResourceNotFoundException")])

        def reply(self, status, obj, headers):
            data = json.dumps(obj).encode()
            self.send_response(status)
            for k, v in headers + [("Content-Type", "application/json"), ("x-amzn-RequestId", "req-1")]:
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.bad_signatures = 0
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--binary", default=os.path.join(ROOT, ".build", "release", "cortado"))
    a = ap.parse_args()
    try:
        import boto3, botocore  # noqa: F401
    except ImportError:
        print("SKIP aws_tests: boto3 is not installed (scripts/setup.sh installs it)")
        print("0 passed, 0 failed")
        return 0
    moto = shutil.which("moto_server")
    if not moto:
        print("SKIP aws_tests: moto_server is not installed (pip install 'moto[server]')")
        print("0 passed, 0 failed")
        return 0
    work = tempfile.mkdtemp(prefix="cortado-aws-")
    port = free_port()
    endpoint = f"http://127.0.0.1:{port}"
    log = open(os.path.join(work, "moto.log"), "w")
    server = subprocess.Popen([moto, "-H", "127.0.0.1", "-p", str(port)], stdout=log, stderr=subprocess.STDOUT,
                              env=dict(os.environ, INITIAL_NO_AUTH_ACTION_COUNT="4"))
    rep = Report()
    try:
        wait_for_port(port)
        import boto3
        iam = boto3.client("iam", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="setup", aws_secret_access_key="setup")
        iam.create_user(UserName="cortado")
        policy = iam.create_policy(PolicyName="all", PolicyDocument=json.dumps(
            {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}))["Policy"]["Arn"]
        iam.attach_user_policy(UserName="cortado", PolicyArn=policy)
        key = iam.create_access_key(UserName="cortado")["AccessKey"]
        ddb = boto3.client("dynamodb", endpoint_url=endpoint, region_name="us-east-1",
                           aws_access_key_id=key["AccessKeyId"], aws_secret_access_key=key["SecretAccessKey"])
        for table in ("items", "counters"):
            ddb.create_table(TableName=table, KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                             AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}], BillingMode="PAY_PER_REQUEST")
        env = dict(os.environ, AWS_ACCESS_KEY_ID=key["AccessKeyId"], AWS_SECRET_ACCESS_KEY=key["SecretAccessKey"],
                   AWS_REGION="us-east-1", AWS_ENDPOINT_URL_DYNAMODB=endpoint)
        env.pop("AWS_SESSION_TOKEN", None)
        env.pop("AWS_PROFILE", None)

        def exec_(definition, inp, environ=env):
            d, i = os.path.join(work, "d.json"), os.path.join(work, "i.json")
            json.dump(definition, open(d, "w"))
            json.dump(inp, open(i, "w"))
            p = subprocess.run([a.binary, "exec", d, "--input", i, "--aws", "--no-time-limit"], capture_output=True, text=True,
                               env=environ, timeout=120)
            try:
                return json.loads(p.stdout)
            except ValueError:
                return {"status": "NO OUTPUT", "stderr": p.stderr[-500:]}

        flow = {"StartAt": "Put", "States": {
            "Put": {"Type": "Task", "Resource": "arn:aws:states:::dynamodb:putItem",
                    "Parameters": {"TableName": "items", "Item": {"id": {"S.$": "$.id"}, "n": {"N": "1"}}}, "ResultPath": "$.put", "Next": "Get"},
            "Get": {"Type": "Task", "Resource": "arn:aws:states:::dynamodb:getItem",
                    "Parameters": {"TableName": "items", "Key": {"id": {"S.$": "$.id"}}}, "ResultPath": "$.get", "Next": "Update"},
            "Update": {"Type": "Task", "Resource": "arn:aws:states:::dynamodb:updateItem",
                       "Parameters": {"TableName": "items", "Key": {"id": {"S.$": "$.id"}}, "UpdateExpression": "SET n = :v",
                                      "ConditionExpression": "n = :old", "ExpressionAttributeValues": {":v": {"N": "2"}, ":old": {"N": "5"}}},
                       "Catch": [{"ErrorEquals": ["DynamoDB.ConditionalCheckFailedException"], "ResultPath": "$.caught", "Next": "Delete"}],
                       "Next": "Delete"},
            "Delete": {"Type": "Task", "Resource": "arn:aws:states:::dynamodb:deleteItem",
                       "Parameters": {"TableName": "items", "Key": {"id": {"S.$": "$.id"}}}, "ResultPath": "$.del", "End": True}}}
        r = exec_(flow, {"id": "a1"})
        o = r.get("output") or {}
        meta = (o.get("put") or {}).get("SdkHttpMetadata") or {}
        rep.check("putItem output: SdkHttpMetadata (AllHttpHeaders lists, HttpHeaders, 200) and SdkResponseMetadata.RequestId",
                  r.get("status") == "SUCCEEDED" and meta.get("HttpStatusCode") == 200
                  and all(isinstance(v, list) for v in (meta.get("AllHttpHeaders") or {"x": 1}).values())
                  and isinstance(meta.get("HttpHeaders"), dict)
                  and bool(((o.get("put") or {}).get("SdkResponseMetadata") or {}).get("RequestId")), json.dumps(r)[:600])
        rep.check("getItem returns the item put", (o.get("get") or {}).get("Item") == {"id": {"S": "a1"}, "n": {"N": "1"}}, json.dumps(o.get("get"))[:300])
        caught = o.get("caught") or {}
        m = CAUSE.match(caught.get("Cause") or "")
        rep.check("updateItem's failed condition caught as DynamoDB.ConditionalCheckFailedException with AWS's cause",
                  caught.get("Error") == "DynamoDB.ConditionalCheckFailedException" and m and m.group(1) == "ConditionalCheckFailedException",
                  json.dumps(caught))
        rep.check("deleteItem output has the SDK metadata", "SdkResponseMetadata" in (o.get("del") or {}), json.dumps(o.get("del"))[:300])
        gone = ddb.get_item(TableName="items", Key={"id": {"S": "a1"}})
        rep.check("the item is deleted in moto", "Item" not in gone, str(gone)[:200])

        missing = exec_({"StartAt": "G", "States": {"G": {"Type": "Task", "Resource": "arn:aws:states:::dynamodb:getItem",
                                                           "Parameters": {"TableName": "nope", "Key": {"id": {"S": "x"}}}, "End": True}}}, {})
        m = CAUSE.match(missing.get("cause") or "")
        rep.check("a missing table: DynamoDB.ResourceNotFoundException, 'Requested resource not found (Service: AmazonDynamoDBv2; ...)'",
                  missing.get("error") == "DynamoDB.ResourceNotFoundException" and m is not None
                  and missing["cause"].startswith("Requested resource not found"), json.dumps(missing))

        wrong = exec_(flow, {"id": "a2"}, dict(env, AWS_SECRET_ACCESS_KEY="not-the-secret"))
        rep.check("a wrong secret is refused (moto checks the signature)", wrong.get("status") == "FAILED"
                  and "Status Code: 403" in (wrong.get("cause") or ""), json.dumps(wrong)[:300])

        # SNS publish delivered to an SQS queue; SQS sendMessage with a JSON body; EventBridge.
        sqs = boto3.client("sqs", endpoint_url=endpoint, region_name="us-east-1",
                           aws_access_key_id=key["AccessKeyId"], aws_secret_access_key=key["SecretAccessKey"])
        sns = boto3.client("sns", endpoint_url=endpoint, region_name="us-east-1",
                           aws_access_key_id=key["AccessKeyId"], aws_secret_access_key=key["SecretAccessKey"])
        queue = sqs.create_queue(QueueName="orders")["QueueUrl"]
        queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        topic = sns.create_topic(Name="shipped")["TopicArn"]
        sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn, Attributes={"RawMessageDelivery": "true"})
        env.update(AWS_ENDPOINT_URL_SQS=endpoint, AWS_ENDPOINT_URL_SNS=endpoint, AWS_ENDPOINT_URL_EVENTBRIDGE=endpoint)
        r = exec_({"StartAt": "Pub", "States": {
            "Pub": {"Type": "Task", "Resource": "arn:aws:states:::sns:publish",
                    "Parameters": {"TopicArn": topic, "Message": {"order.$": "$.order"}}, "ResultPath": "$.pub", "Next": "Send"},
            "Send": {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage",
                     "Parameters": {"QueueUrl": queue, "MessageBody": {"again.$": "$.order"}}, "ResultPath": "$.send", "Next": "Put"},
            "Put": {"Type": "Task", "Resource": "arn:aws:states:::events:putEvents",
                    "Parameters": {"Entries": [{"Source": "cortado.test", "DetailType": "shipped", "Detail": {"order.$": "$.order"}}]},
                    "ResultPath": "$.events", "End": True}}}, {"order": 7})
        o = r.get("output") or {}
        got = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10, WaitTimeSeconds=1).get("Messages", [])
        bodies = sorted(json.loads(m["Body"]) and m["Body"] for m in got)
        rep.check("sns:publish reaches the subscribed queue as the message's JSON text; output MessageId + SDK metadata",
                  r.get("status") == "SUCCEEDED" and bool((o.get("pub") or {}).get("MessageId"))
                  and "SdkHttpMetadata" in (o.get("pub") or {}) and '{"order":7}' in bodies, json.dumps(r)[:400] + " " + str(bodies))
        rep.check("sqs:sendMessage sends a JSON MessageBody as text; output MessageId, MD5OfMessageBody + SDK metadata",
                  bool((o.get("send") or {}).get("MD5OfMessageBody")) and "SdkResponseMetadata" in (o.get("send") or {})
                  and '{"again":7}' in bodies, json.dumps(o.get("send"))[:300] + " " + str(bodies))
        ev = o.get("events") or {}
        rep.check("events:putEvents returns Entries and FailedEntryCount 0, no SDK metadata",
                  ev.get("FailedEntryCount") == 0 and len(ev.get("Entries") or []) == 1 and "SdkHttpMetadata" not in ev, json.dumps(ev)[:300])

        # aws-sdk:* from the generated models: PascalCase in and out, errors <Client>.<Name>Exception.
        env.update(AWS_ENDPOINT_URL_SECRETS_MANAGER=endpoint, AWS_ENDPOINT_URL_SFN=endpoint)
        r = exec_({"StartAt": "Put", "States": {
            "Put": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:dynamodb:putItem",
                    "Parameters": {"TableName": "items", "Item": {"id": {"S": "k1"}, "data": {"S": "x"}}}, "ResultPath": "$.put", "Next": "Get"},
            "Get": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:dynamodb:getItem",
                    "Parameters": {"TableName": "items", "Key": {"id": {"S": "k1"}}}, "ResultPath": "$.get", "Next": "Secret"},
            "Secret": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:secretsmanager:createSecret",
                       "Parameters": {"Name": "s1", "SecretString": "hello"}, "ResultPath": "$.secret", "Next": "Missing"},
            "Missing": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:dynamodb:putItem",
                        "Parameters": {"TableName": "nope", "Item": {"id": {"S": "k1"}}},
                        "Catch": [{"ErrorEquals": ["States.TaskFailed"], "ResultPath": "$.err", "Next": "Done"}], "Next": "Done"},
            "Done": {"Type": "Pass", "End": True}}}, {})
        o = r.get("output") or {}
        rep.check("aws-sdk:dynamodb putItem/getItem: outputs without SDK metadata, attribute names kept",
                  o.get("put") == {} and (o.get("get") or {}).get("Item") == {"id": {"S": "k1"}, "data": {"S": "x"}}, json.dumps(r)[:400])
        rep.check("aws-sdk:secretsmanager createSecret: output members PascalCased (ARN, Name, VersionId)",
                  set((o.get("secret") or {}).keys()) >= {"ARN", "Name", "VersionId"}, json.dumps(o.get("secret")))
        err = o.get("err") or {}
        rep.check("aws-sdk:dynamodb on a missing table: DynamoDb.ResourceNotFoundException, '(Service: DynamoDb, Status Code: 400, Request ID: ...)'",
                  err.get("Error") == "DynamoDb.ResourceNotFoundException"
                  and re.match(r"^Requested resource not found \(Service: DynamoDb, Status Code: 400, Request ID: \S+\)$", err.get("Cause") or "") is not None,
                  json.dumps(err))

        # aws-sdk:s3 putObject / getObject (REST-XML, path-style, S3's signing).
        s3 = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1",
                          aws_access_key_id=key["AccessKeyId"], aws_secret_access_key=key["SecretAccessKey"])
        s3.create_bucket(Bucket="reports")
        env.update(AWS_ENDPOINT_URL_S3=endpoint)
        r = exec_({"StartAt": "Put", "States": {
            "Put": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:s3:putObject",
                    "Parameters": {"Bucket": "reports", "Key": "day 1/summary.json", "Body": {"total.$": "$.total"}}, "ResultPath": "$.put", "Next": "Get"},
            "Get": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:s3:getObject",
                    "Parameters": {"Bucket": "reports", "Key": "day 1/summary.json"}, "ResultPath": "$.get", "Next": "Missing"},
            "Missing": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:s3:getObject",
                        "Parameters": {"Bucket": "no-such-bucket", "Key": "x"},
                        "Catch": [{"ErrorEquals": ["States.TaskFailed"], "ResultPath": "$.err", "Next": "Done"}], "Next": "Done"},
            "Done": {"Type": "Pass", "End": True}}}, {"total": 42})
        o = r.get("output") or {}
        stored = s3.get_object(Bucket="reports", Key="day 1/summary.json")["Body"].read().decode()
        rep.check("aws-sdk:s3 putObject stores the Body (JSON as text) and returns its ETag; getObject returns it as Body",
                  stored == '{"total":42}' and bool((o.get("put") or {}).get("ETag"))
                  and (o.get("get") or {}).get("Body") == '{"total":42}', json.dumps(r)[:500] + " stored " + stored)
        err = o.get("err") or {}
        rep.check("aws-sdk:s3 on a missing bucket: S3.NoSuchBucketException, '(Service: S3, Status Code: 404, Request ID: ..., Extended Request ID: ...)'",
                  err.get("Error") == "S3.NoSuchBucketException" and "(Service: S3, Status Code: 404, Request ID: " in (err.get("Cause") or "")
                  and "Extended Request ID: " in (err.get("Cause") or ""), json.dumps(err))

        # The generic protocols of aws-sdk, from the generated models: S3 over REST-XML (URI,
        # query string and header members, flattened lists), SNS over query (XML results,
        # error codes such as NotFound), Lambda over REST-JSON.
        s3.put_object(Bucket="reports", Key="day 2/a.txt", Body=b"abc", Metadata={"owner": "ops"})
        r = exec_({"StartAt": "List", "States": {
            "List": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:s3:listObjectsV2",
                     "Parameters": {"Bucket": "reports", "Prefix": "day "}, "ResultPath": "$.list", "Next": "Head"},
            "Head": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:s3:headObject",
                     "Parameters": {"Bucket": "reports", "Key": "day 2/a.txt"}, "ResultPath": "$.head", "Next": "Topic"},
            "Topic": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:sns:createTopic",
                      "Parameters": {"Name": "sdk-topic", "Tags": [{"Key": "team", "Value": "ops"}]}, "ResultPath": "$.topic", "Next": "Publish"},
            "Publish": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:sns:publish",
                        "Parameters": {"TopicArn.$": "$.topic.TopicArn", "Message": "hi",
                                       "MessageAttributes": {"kind": {"DataType": "String", "StringValue": "greeting"}}},
                        "ResultPath": "$.publish", "Next": "Topics"},
            "Topics": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:sns:listTopics", "Parameters": {}, "ResultPath": "$.topics", "Next": "NoTopic"},
            "NoTopic": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:sns:getTopicAttributes",
                        "Parameters": {"TopicArn": "arn:aws:sns:us-east-1:123456789012:nope"},
                        "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.snsErr", "Next": "Done"}], "Next": "Done"},
            "Done": {"Type": "Pass", "End": True}}}, {})
        o = r.get("output") or {}
        # moto refuses its own Lambda API's signatures (boto3's too): Lambda goes to a second
        # moto server that checks none.
        lambda_port = free_port()
        lambda_server = subprocess.Popen([moto, "-H", "127.0.0.1", "-p", str(lambda_port)], stdout=log, stderr=subprocess.STDOUT)
        wait_for_port(lambda_port)
        r = exec_({"StartAt": "Functions", "States": {
            "Functions": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:lambda:listFunctions", "Parameters": {},
                          "ResultPath": "$.functions", "Next": "NoFunction"},
            "NoFunction": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:lambda:getFunction",
                           "Parameters": {"FunctionName": "nope"},
                           "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.lambdaErr", "Next": "Done"}], "Next": "Done"},
            "Done": {"Type": "Pass", "End": True}}}, {}, dict(env, AWS_ENDPOINT_URL_LAMBDA=f"http://127.0.0.1:{lambda_port}"))
        lambda_server.terminate()
        for k, v in (r.get("output") or {}).items():
            o[k] = v
        contents = (o.get("list") or {}).get("Contents") or []
        rep.check("aws-sdk:s3 listObjectsV2 (REST-XML): Contents as a list with Key, Size as a number, KeyCount",
                  r.get("status") == "SUCCEEDED" and sorted(c.get("Key") for c in contents) == ["day 1/summary.json", "day 2/a.txt"]
                  and all(isinstance(c.get("Size"), int) for c in contents) and (o.get("list") or {}).get("KeyCount") == 2,
                  json.dumps(r)[:600])
        head = o.get("head") or {}
        rep.check("aws-sdk:s3 headObject: header members (ContentLength 3, ETag) and Metadata from x-amz-meta-*",
                  head.get("ContentLength") == 3 and bool(head.get("ETag")) and head.get("Metadata") == {"owner": "ops"}, json.dumps(head)[:400])
        topics = [t.get("TopicArn") for t in (o.get("topics") or {}).get("Topics") or []]
        rep.check("aws-sdk:sns createTopic/publish/listTopics (query): TopicArn, MessageId, Topics as a list",
                  (o.get("topic") or {}).get("TopicArn") in topics and bool((o.get("publish") or {}).get("MessageId")), json.dumps(o)[:600])
        err = o.get("snsErr") or {}
        rep.check("aws-sdk:sns on a missing topic: Sns.NotFoundException, '(Service: Sns, Status Code: 404, Request ID: ...)'",
                  err.get("Error") == "Sns.NotFoundException" and "(Service: Sns, Status Code: 404, Request ID: " in (err.get("Cause") or ""), json.dumps(err))
        rep.check("aws-sdk:lambda listFunctions (REST-JSON): Functions as a list", isinstance((o.get("functions") or {}).get("Functions"), list),
                  json.dumps(o.get("functions"))[:300])
        err = o.get("lambdaErr") or {}
        rep.check("aws-sdk:lambda getFunction on a missing function: Lambda.ResourceNotFoundException",
                  err.get("Error") == "Lambda.ResourceNotFoundException" and "(Service: Lambda, Status Code: 404, Request ID: " in (err.get("Cause") or ""),
                  json.dumps(err))

        # A service added by a rerun of the generator: STS over query.
        r = exec_({"StartAt": "Who", "States": {"Who": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:sts:getCallerIdentity",
                                                          "Parameters": {}, "End": True}}}, {}, dict(env, AWS_ENDPOINT_URL_STS=endpoint))
        rep.check("aws-sdk:sts getCallerIdentity (query): Account, Arn, UserId",
                  set((r.get("output") or {}).keys()) >= {"Account", "Arn", "UserId"}, json.dumps(r)[:300])

        # lambda:invoke and a plain function ARN through SigV4 (moto's Lambda needs Docker to
        # invoke): a fake Lambda endpoint checks each signature with botocore's signer.
        fake = fake_lambda(key["AccessKeyId"], key["SecretAccessKey"])
        lenv = dict(env, AWS_ENDPOINT_URL_LAMBDA=f"http://127.0.0.1:{fake.server_port}")
        r = exec_({"StartAt": "Invoke", "States": {
            "Invoke": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                       "Parameters": {"FunctionName": "echo", "Payload": {"n.$": "$.n"}}, "ResultPath": "$.invoke", "Next": "Arn"},
            "Arn": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:echo",
                    "Parameters": {"m.$": "$.n"}, "ResultPath": "$.arn", "Next": "Boom"},
            "Boom": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Parameters": {"FunctionName": "boom", "Payload": {}},
                     "Catch": [{"ErrorEquals": ["ValueError"], "ResultPath": "$.boom", "Next": "Done"}], "Next": "Done"},
            "Done": {"Type": "Pass", "End": True}}}, {"n": 5}, lenv)
        o = r.get("output") or {}
        inv = o.get("invoke") or {}
        rep.check("lambda:invoke signed (botocore's signer agrees): Payload, StatusCode 200, ExecutedVersion, SDK metadata",
                  inv.get("Payload") == {"n": 5} and inv.get("StatusCode") == 200 and inv.get("ExecutedVersion") == "$LATEST"
                  and "SdkHttpMetadata" in inv and fake.bad_signatures == 0, json.dumps(r)[:500] + f" bad signatures: {fake.bad_signatures}")
        rep.check("a plain function ARN returns the payload; a function error is its errorType with the error payload as cause",
                  o.get("arn") == {"m": 5} and (o.get("boom") or {}).get("Error") == "ValueError"
                  and json.loads((o.get("boom") or {}).get("Cause") or "{}").get("errorMessage") == "bad", json.dumps(o)[:500])
        fake.shutdown()

        # A Distributed Map over a CSV in S3 (AWS's documented example): ItemReader with a
        # header row, ItemBatcher, a child workflow, ResultWriter to another bucket.
        s3.create_bucket(Bucket="csv-src")
        s3.create_bucket(Bucket="csv-results")
        rows = "userId,movieId,rating,timestamp\n" + "".join(f"{i},{100 + i},{i % 5}.5,12566772{i:02d}\n" for i in range(25))
        s3.put_object(Bucket="csv-src", Key="csvDataset/ratings.csv", Body=rows.encode())
        for k in range(3):
            s3.put_object(Bucket="csv-src", Key=f"listing/part-{k}.txt", Body=b"x" * (k + 1))
        r = exec_({"StartAt": "Map", "States": {"Map": {"Type": "Map", "Label": "Map", "MaxConcurrency": 1000,
            "ItemReader": {"Resource": "arn:aws:states:::s3:getObject",
                           "ReaderConfig": {"InputType": "CSV", "CSVHeaderLocation": "FIRST_ROW"},
                           "Parameters": {"Bucket": "csv-src", "Key": "csvDataset/ratings.csv"}},
            "ItemBatcher": {"MaxItemsPerBatch": 10},
            "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "EXPRESS"}, "StartAt": "Count",
                              "States": {"Count": {"Type": "Pass", "Parameters": {"n.$": "States.ArrayLength($.Items)"}, "End": True}}},
            "ResultWriter": {"Resource": "arn:aws:states:::s3:putObject", "Parameters": {"Bucket": "csv-results", "Prefix": "csvProcessJobs"}},
            "Next": "List"},
            "List": {"Type": "Map", "ResultPath": "$.listed", "End": True,
                     # (Prefix without "/": moto's signature check gets a "/" in a query value wrong, for boto3 too.)
                     "ItemReader": {"Resource": "arn:aws:states:::s3:listObjectsV2", "Parameters": {"Bucket": "csv-src", "Prefix": "listing"}},
                     "ItemSelector": {"key.$": "$$.Map.Item.Value.Key", "size.$": "$$.Map.Item.Value.Size"},
                     "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "EXPRESS"}, "StartAt": "P",
                                       "States": {"P": {"Type": "Pass", "End": True}}}}}}, {})
        o = r.get("output") or {}
        details = o.get("ResultWriterDetails") or {}
        manifest, records = {}, []
        try:
            manifest = json.loads(s3.get_object(Bucket="csv-results", Key=details.get("Key", "x"))["Body"].read())
            succeeded = (manifest.get("ResultFiles") or {}).get("SUCCEEDED") or [{}]
            body = s3.get_object(Bucket="csv-results", Key=succeeded[0].get("Key", "x"))["Body"].read()
            records = json.loads(body)
        except Exception as e:  # reported by the check below
            manifest = {"error": str(e)}
        run_id = (o.get("MapRunArn") or "").rsplit(":", 1)[-1]
        rep.check("Distributed Map over a CSV in moto's S3: ResultWriter writes manifest.json and SUCCEEDED_0.json (3 batches of 10/10/5)",
                  r.get("status") == "SUCCEEDED" and details.get("Bucket") == "csv-results"
                  and details.get("Key") == f"csvProcessJobs/{run_id}/manifest.json"
                  and manifest.get("DestinationBucket") == "csv-results" and manifest.get("MapRunArn") == o.get("MapRunArn")
                  and [json.loads(x["Output"])["n"] for x in records] == [10, 10, 5]
                  and all(x["Status"] == "SUCCEEDED" for x in records),
                  json.dumps(r)[:400] + " manifest " + json.dumps(manifest)[:300])
        rep.check("Distributed Map over s3:listObjectsV2 in moto: one item per object under the prefix, with Key and Size",
                  o.get("listed") == [{"key": f"listing/part-{k}.txt", "size": k + 1} for k in range(3)], json.dumps(o.get("listed"))[:300])

        # sqs:sendMessage.waitForTaskToken on `cortado serve --aws`, answered by a consumer.
        sport = free_port()
        srv = subprocess.Popen([a.binary, "serve", "--port", str(sport), "--aws"], env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
        try:
            wait_for_port(sport)
            sfn = boto3.client("stepfunctions", endpoint_url=f"http://127.0.0.1:{sport}", region_name="us-east-1",
                               aws_access_key_id="x", aws_secret_access_key="x")
            machine = sfn.create_state_machine(name="approve", roleArn="arn:aws:iam::111111111111:role/x", definition=json.dumps(
                {"StartAt": "Ask", "States": {"Ask": {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
                 "Parameters": {"QueueUrl": queue, "MessageBody": {"token.$": "$$.Task.Token", "amount.$": "$.amount"}}, "End": True}}}))["stateMachineArn"]
            arn = sfn.start_execution(stateMachineArn=machine, input=json.dumps({"amount": 120}))["executionArn"]
            token = None
            for _ in range(50):
                for m in sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10, WaitTimeSeconds=1).get("Messages", []):
                    b = json.loads(m["Body"])
                    if isinstance(b, dict) and "token" in b:
                        token = b["token"]
                if token:
                    break
            waiting = sfn.describe_execution(executionArn=arn)["status"]
            if token:
                sfn.send_task_success(taskToken=token, output=json.dumps({"approved": True}))
            final = None
            for _ in range(50):
                d = sfn.describe_execution(executionArn=arn)
                if d["status"] != "RUNNING":
                    final = d
                    break
                time.sleep(0.1)
            rep.check("sqs:sendMessage.waitForTaskToken (cortado serve --aws): the token reaches the queue, SendTaskSuccess finishes it",
                      token is not None and waiting == "RUNNING" and final is not None and final["status"] == "SUCCEEDED"
                      and json.loads(final.get("output", "null")) == {"approved": True}, f"token {bool(token)}, {waiting}, {final and final['status']}")

            # TestState of a Task without a mock calls the integration, as AWS does.
            from botocore.config import Config
            ts = boto3.client("stepfunctions", endpoint_url=f"http://127.0.0.1:{sport}", region_name="us-east-1",
                              aws_access_key_id="x", aws_secret_access_key="x", config=Config(inject_host_prefix=False))
            ddb.put_item(TableName="items", Item={"id": {"S": "ts1"}, "n": {"N": "7"}})
            r = ts.test_state(definition=json.dumps({"Type": "Task", "Resource": "arn:aws:states:::dynamodb:getItem",
                              "Parameters": {"TableName": "items", "Key": {"id": {"S.$": "$.id"}}},
                              "ResultSelector": {"n.$": "$.Item.n.N"}, "End": True}),
                              roleArn="arn:aws:iam::111111111111:role/x", input=json.dumps({"id": "ts1"}), inspectionLevel="DEBUG")
            data = r.get("inspectionData") or {}
            rep.check("TestState of a dynamodb:getItem Task without a mock calls moto (cortado serve --aws)",
                      r.get("status") == "SUCCEEDED" and json.loads(r.get("output", "null")) == {"n": "7"}
                      and json.loads(data.get("result", "{}")).get("Item") == {"id": {"S": "ts1"}, "n": {"N": "7"}},
                      json.dumps(r)[:400])
        finally:
            srv.terminate()
            srv.wait(timeout=10)

        n = 1000 if a.quick else 10000
        counters = 100
        events = os.path.join(work, "events.jsonl")
        with open(events, "w") as f:
            for i in range(n):
                f.write(json.dumps({"counter": f"c{i % counters}", "i": i}) + "\n")
        add = {"StartAt": "Add", "States": {"Add": {"Type": "Task", "Resource": "arn:aws:states:::dynamodb:updateItem",
               "Parameters": {"TableName": "counters", "Key": {"id": {"S.$": "$.counter"}}, "UpdateExpression": "ADD c :one",
                              "ExpressionAttributeValues": {":one": {"N": "1"}}}, "ResultPath": None, "End": True}}}
        d = os.path.join(work, "add.asl.json")
        json.dump(add, open(d, "w"))
        out = os.path.join(work, "out.jsonl")
        t0 = time.monotonic()
        p = subprocess.run([a.binary, "run", d, "--events", events, "--out", out, "--aws", "--metrics", os.devnull],
                           capture_output=True, text=True, env=env, timeout=900)
        secs = time.monotonic() - t0
        lines = [json.loads(x) for x in open(out)] if os.path.exists(out) else []
        ok_lines = sum(1 for x in lines if x.get("status") == "SUCCEEDED")
        items = []
        kwargs = {"TableName": "counters"}
        while True:
            page = ddb.scan(**kwargs)
            items += page["Items"]
            if "LastEvaluatedKey" not in page:
                break
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        total = sum(int(x["c"]["N"]) for x in items)
        each = {int(x["c"]["N"]) for x in items}
        rep.check(f"{n} updateItem executions through `cortado run --aws`: every line SUCCEEDED, every counter +{n // counters}",
                  p.returncode == 0 and len(lines) == n and ok_lines == n and total == n and each == {n // counters}
                  and len(items) == counters,
                  f"exit {p.returncode}, {len(lines)} lines, {ok_lines} succeeded, sum {total}, counts {sorted(each)[:5]}; {p.stderr[-300:]}")
        print(f"info: {n} executions against moto in {secs:.1f}s ({n / secs:.0f}/s)", flush=True)
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()
        if rep.failed == 0:
            shutil.rmtree(work, ignore_errors=True)
        else:
            print(f"kept {work} (moto.log)")
    print(f"{rep.passed} passed, {rep.failed} failed")
    return 1 if rep.failed else 0


if __name__ == "__main__":
    sys.exit(main())
