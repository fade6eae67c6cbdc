#!/usr/bin/env python3
"""Generates Sources/CortadoAWSModels/AWSModels+Generated.swift: compact tables of the AWS
service models botocore ships, for the `arn:aws:states:::aws-sdk:<service>:<action>` tasks
and for TestState's check of mocked results.

usage: python3 scripts/gen_aws_models.py     (needs botocore: pip install boto3)

Per service: the Step Functions name, the Java SDK v2 client name (errors are
`<Client>.<Name>Exception`), the endpoint prefix and the `AWS_ENDPOINT_URL_<ID>` id, the
protocol and JSON target, each operation's input and output shape, the structure, list and
map shapes (member names and targets, required members), scalars with an enum, a length or
a range (plain scalars are one-letter type codes: s string, i integer or long, d float or
double, b boolean, t timestamp, B blob), the wire bindings of the query and REST services
(HTTP method and URI, member locations, XML names, flattened lists, payload members, wire
error codes) and the modeled exceptions.
More services are one more line in SERVICES and a rerun.
"""
import json, os
import botocore.session

# Step Functions service name, botocore name, Java SDK v2 client name, AWS_ENDPOINT_URL_<ID>
SERVICES = [
    ("dynamodb", "dynamodb", "DynamoDb", "DYNAMODB"),
    ("sfn", "stepfunctions", "Sfn", "SFN"),
    ("secretsmanager", "secretsmanager", "SecretsManager", "SECRETS_MANAGER"),
    ("eventbridge", "events", "EventBridge", "EVENTBRIDGE"),
    ("sqs", "sqs", "Sqs", "SQS"),
    # query, REST-JSON and REST-XML services: their HTTP bindings are kept too
    ("sns", "sns", "Sns", "SNS"),
    ("lambda", "lambda", "Lambda", "LAMBDA"),
    ("s3", "s3", "S3", "S3"),
    ("kms", "kms", "Kms", "KMS"),
    ("ecs", "ecs", "Ecs", "ECS"),
    ("batch", "batch", "Batch", "BATCH"),
    ("athena", "athena", "Athena", "ATHENA"),
    ("bedrockruntime", "bedrock-runtime", "BedrockRuntime", "BEDROCK_RUNTIME"),
    ("apigateway", "apigateway", "ApiGateway", "API_GATEWAY"),
    ("sts", "sts", "Sts", "STS"),
    ("eks", "eks", "Eks", "EKS"),
    ("codebuild", "codebuild", "CodeBuild", "CODEBUILD"),
    ("emr", "emr", "Emr", "EMR"),
]
SCALARS = {"string": "s", "integer": "i", "long": "i", "float": "d", "double": "d", "boolean": "b",
           "timestamp": "t", "blob": "B"}

OUT = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "Sources", "CortadoAWSModels",
                   "AWSModels+Generated.swift")


def compact(sfn_name, boto_name, client, env_id, session):
    m = session.get_service_model(boto_name)
    if m.protocol not in ("json", "query", "rest-json", "rest-xml"):
        raise SystemExit(f"{boto_name}: protocol {m.protocol} is not generated yet")
    bound = m.protocol != "json"  # the wire format is more than member names: keep bindings and types
    shapes, errors = {}, []

    def target(shape):
        # A plain scalar is written inline as a type code; one with an enum or a length or
        # range gets a shape of its own (TestState checks mocked results against them).
        if shape.type_name in SCALARS and not getattr(shape, "enum", None) \
                and shape.metadata.get("min") is None and shape.metadata.get("max") is None:
            return SCALARS[shape.type_name]
        return shape.name

    def visit(shape):
        if shape is None or shape.name in shapes:
            return
        if shape.type_name in SCALARS:
            d = {"t": SCALARS[shape.type_name]}
            if getattr(shape, "enum", None):
                d["e"] = list(shape.enum)
            for k in ("min", "max"):
                if shape.metadata.get(k) is not None:
                    d[k] = shape.metadata[k]
            shapes[shape.name] = d
            return
        if shape.type_name == "structure":
            if shape.metadata.get("exception"):
                errors.append(shape.name)
            d = {"s": {n: target(s) for n, s in shape.members.items()}}
            if shape.required_members:
                d["r"] = list(shape.required_members)
            shapes[shape.name] = d
            if bound:
                loc, names, flat = {}, {}, []
                for n, s in shape.members.items():
                    ser = s.serialization
                    if ser.get("location"):
                        loc[n] = [ser["location"], ser.get("name", n)]
                    elif ser.get("name") and ser["name"] != n:
                        names[n] = ser["name"]
                    if ser.get("flattened") or (s.type_name in ("list", "map") and s.serialization.get("flattened")):
                        flat.append(n)
                if loc: d["loc"] = loc
                if names: d["xn"] = names
                if flat: d["fl"] = flat
                if shape.serialization.get("payload"): d["p"] = shape.serialization["payload"]
                if shape.serialization.get("name"): d["root"] = shape.serialization["name"]
                ns = shape.serialization.get("xmlNamespace")
                if ns: d["ns"] = ns.get("uri", "") if isinstance(ns, dict) else ns
            for s in shape.members.values():
                visit(s)
        elif shape.type_name == "list":
            d = {"l": target(shape.member)}
            if bound:
                if shape.member.serialization.get("name"): d["mn"] = shape.member.serialization["name"]
                if shape.serialization.get("flattened"): d["flat"] = True
            shapes[shape.name] = d
            visit(shape.member)
        elif shape.type_name == "map":
            d = {"m": target(shape.value)}
            if bound:
                if shape.key.serialization.get("name"): d["kn"] = shape.key.serialization["name"]
                if shape.value.serialization.get("name"): d["vn"] = shape.value.serialization["name"]
                if shape.serialization.get("flattened"): d["flat"] = True
            shapes[shape.name] = d
            visit(shape.value)

    ops = {}
    for name in m.operation_names:
        op = m.operation_model(name)
        ops[name] = [op.input_shape.name if op.input_shape else "", op.output_shape.name if op.output_shape else ""]
        if bound:
            ops[name] += [op.http.get("method", "POST"), op.http.get("requestUri", "/")]
            if op.output_shape is not None and m.protocol == "query":
                ops[name].append(op.output_shape.serialization.get("resultWrapper", ""))
        visit(op.input_shape)
        visit(op.output_shape)
        for e in op.error_shapes:
            visit(e)
    for name in m.shape_names:
        s = m.shape_for(name)
        if s.type_name == "structure" and s.metadata.get("exception") and name not in errors:
            errors.append(name)
    # Exception shapes carry only their message: the tables keep just their names.
    for e in errors:
        shapes.pop(e, None)
    # An exception's wire code can differ from its shape name (SNS's NotFoundException is "NotFound").
    codes = {}
    for e in errors:
        code = m.shape_for(e).metadata.get("error", {}).get("code")
        if code and code != e:
            codes[code] = e
    out = {"name": sfn_name, "client": client, "env": env_id, "endpointPrefix": m.metadata["endpointPrefix"],
           "signingName": m.metadata.get("signingName", m.metadata["endpointPrefix"]),
           "target": m.metadata.get("targetPrefix", ""), "jsonVersion": m.metadata.get("jsonVersion", "1.0"),
           "protocol": m.protocol, "apiVersion": m.metadata.get("apiVersion", ""),
           "ops": ops, "shapes": shapes, "errors": sorted(errors)}
    if codes:
        out["codes"] = codes
    return out


def main():
    session = botocore.session.get_session()
    lines = ["// GENERATED by scripts/gen_aws_models.py — DO NOT EDIT",
             f"// From botocore {botocore.__version__}'s service models.", "",
             "extension AWSModels {", "    /// Compact service models by Step Functions service name (JSON text, parsed on first use).",
             "    static let sources: [String: String] = ["]
    for sfn_name, boto_name, client, env_id in SERVICES:
        text = json.dumps(compact(sfn_name, boto_name, client, env_id, session), separators=(",", ":"), sort_keys=True)
        lines.append(f'        "{sfn_name}": #"{text}"#,')
    lines += ["    ]", "}", ""]
    with open(OUT, "w") as f:
        f.write("\n".join(lines))
    print(f"wrote {OUT} ({os.path.getsize(OUT)} bytes)")


if __name__ == "__main__":
    main()
