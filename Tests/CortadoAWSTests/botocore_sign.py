#!/usr/bin/env python3
"""Generates requests and signs them with botocore's SigV4Auth, one JSON object a line:
{"method","scheme","host","port","path","query":[[k,v]],"headers":[[k,v]],"body","service",
 "region","key","secret","token","epoch","authorization"}. usage: botocore_sign.py N SEED"""
import datetime, json, random, sys
from unittest import mock
import botocore.auth, botocore.awsrequest, botocore.credentials
from urllib.parse import quote

n, seed = int(sys.argv[1]), int(sys.argv[2])
rng = random.Random(seed)
services = [("dynamodb", "application/x-amz-json-1.0", "DynamoDB_20120810.PutItem"), ("sqs", "application/x-amz-json-1.0", "AmazonSQS.SendMessage"),
            ("states", "application/x-amz-json-1.0", "AWSStepFunctions.StartExecution"), ("events", "application/x-amz-json-1.1", "AWSEvents.PutEvents"),
            ("sns", "application/x-www-form-urlencoded; charset=utf-8", None), ("lambda", "application/json", None),
            ("secretsmanager", "application/x-amz-json-1.1", "secretsmanager.GetSecretValue")]
words = ["a", "b c", "x/y", "ü", "~t", "a+b", "50%", "key=v", "q&r", "."]
for i in range(n):
    service, ctype, target = rng.choice(services)
    region = rng.choice(["us-east-1", "eu-west-1", "ap-southeast-2"])
    local = rng.random() < 0.4
    scheme = "http" if local else "https"
    host = "127.0.0.1" if local else f"{service}.{region}.amazonaws.com"
    port = rng.choice([5000, 8083, 4566]) if local else None
    segs = [quote(rng.choice(words), safe="") for _ in range(rng.randint(0, 3))]
    path = "/" + "/".join(segs) + ("/" if rng.random() < 0.2 and segs else "")
    if rng.random() < 0.1:
        path = "/a/./b/../c"
    query = [(rng.choice(["Action", "Version", "x", "b c", "Z"]), rng.choice(words)) for _ in range(rng.randint(0, 3))]
    method = "GET" if rng.random() < 0.2 else "POST"
    body = json.dumps({"n": i, "s": rng.choice(words)}) if method == "POST" else ""
    headers = [("Content-Type", ctype)]
    if target:
        headers.append(("X-Amz-Target", target))
    if rng.random() < 0.3:
        headers.append(("X-Custom", "  spaced   value  "))
    if rng.random() < 0.3:
        headers.append(("User-Agent", "cortado-test"))
    key, secret = "AKID" + str(rng.randint(1000, 9999)), "secret/" + str(rng.random())
    token = ("token" + str(i)) if rng.random() < 0.3 else None
    epoch = 1_700_000_000 + rng.randint(0, 100_000_000)
    netloc = host + (f":{port}" if port else "")
    url = f"{scheme}://{netloc}{path}" + ("?" + "&".join(f"{quote(k, safe='-_.~')}={quote(v, safe='-_.~')}" for k, v in query) if query else "")
    req = botocore.awsrequest.AWSRequest(method=method, url=url, data=body.encode(), headers=dict(headers))
    auth = botocore.auth.SigV4Auth(botocore.credentials.Credentials(key, secret, token), service, region)
    when = datetime.datetime.fromtimestamp(epoch, datetime.timezone.utc)
    with mock.patch("botocore.auth.get_current_datetime", return_value=when):
        auth.add_auth(req)
    print(json.dumps({"method": method, "scheme": scheme, "host": host, "port": port, "path": path, "query": query,
                      "headers": headers, "body": body, "service": service, "region": region, "key": key, "secret": secret,
                      "token": token, "epoch": epoch, "authorization": req.headers["Authorization"]}))
