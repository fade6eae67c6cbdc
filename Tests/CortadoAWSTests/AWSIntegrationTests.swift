@testable import CortadoAWS
@testable import CortadoAWSModels
import CortadoHTTP
import CortadoJSON
import Foundation
import Testing

@Suite struct AWSEnvironmentTests {
    @Test func credentialsRegionAndEndpointsAsTheSDKsFindThem() throws {
        let home = NSTemporaryDirectory() + "cortado-aws-home-\(getpid())"
        try FileManager.default.createDirectory(atPath: home + "/.aws", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: home) }
        try "[default]\naws_access_key_id = AKDEFAULT\naws_secret_access_key = s1\n\n[dev]\n# comment\naws_access_key_id=AKDEV\naws_secret_access_key=s2\naws_session_token=tok\n"
            .write(toFile: home + "/.aws/credentials", atomically: true, encoding: .utf8)
        try "[default]\nregion = eu-west-1\n[profile dev]\nregion = ap-south-1\n".write(toFile: home + "/.aws/config", atomically: true, encoding: .utf8)
        let d = AWSEnvironment.load(environment: [:], home: home)
        #expect(d.credentials == AWSCredentials(accessKeyId: "AKDEFAULT", secretAccessKey: "s1"))
        #expect(d.region == "eu-west-1")
        #expect(d.baseURL(service: "dynamodb", envName: "DYNAMODB") == "https://dynamodb.eu-west-1.amazonaws.com")
        let dev = AWSEnvironment.load(environment: ["AWS_PROFILE": "dev"], home: home)
        #expect(dev.credentials == AWSCredentials(accessKeyId: "AKDEV", secretAccessKey: "s2", sessionToken: "tok"))
        #expect(dev.region == "ap-south-1")
        let env = AWSEnvironment.load(environment: ["AWS_ACCESS_KEY_ID": "AKENV", "AWS_SECRET_ACCESS_KEY": "s3", "AWS_REGION": "us-west-2",
                                                    "AWS_ENDPOINT_URL": "http://127.0.0.1:4566/", "AWS_ENDPOINT_URL_DYNAMODB": "http://127.0.0.1:5000"],
                                      home: home)
        #expect(env.credentials?.accessKeyId == "AKENV" && env.region == "us-west-2")
        #expect(env.baseURL(service: "dynamodb", envName: "DYNAMODB") == "http://127.0.0.1:5000")
        #expect(env.baseURL(service: "sqs", envName: "SQS") == "http://127.0.0.1:4566")
        #expect(AWSEnvironment.load(environment: [:], home: "/nonexistent").credentials == nil)
    }
}

@Suite struct DynamoDBIntegrationTests {
    @Test func resourcesAndEndpoints() {
        #expect(DynamoDBIntegration.handles("arn:aws:states:::dynamodb:putItem"))
        #expect(!DynamoDBIntegration.handles("arn:aws:states:::dynamodb:scan"))
        let r = AWSServiceClient.request(base: "http://127.0.0.1:5000")
        #expect(r?.host == "127.0.0.1" && r?.port == 5000 && r?.path == "/" && r?.url == "http://127.0.0.1:5000/")
        #expect(AWSServiceClient.request(base: "https://dynamodb.us-east-1.amazonaws.com")?.hostHeader == "dynamodb.us-east-1.amazonaws.com")
        #expect(AWSServiceClient.request(base: "nonsense") == nil)
    }

    /// Errors are named and worded as the AWS-recorded task cases show them.
    @Test func errorsAsStepFunctionsNamesThem() {
        let notFound = DynamoDBIntegration.error(400, ["__type": "com.amazonaws.dynamodb.v20120810#ResourceNotFoundException",
                                                       "message": "Requested resource not found"], "RID")
        #expect(notFound.name?.rawValue == "DynamoDB.ResourceNotFoundException")
        #expect(notFound.cause == "Requested resource not found (Service: AmazonDynamoDBv2; Status Code: 400; Error Code: ResourceNotFoundException; Request ID: RID; Proxy: null)")
        let invalid = DynamoDBIntegration.error(400, ["__type": "com.amazon.coral.validate#ValidationException", "message": "1 validation error detected"], "R2")
        #expect(invalid.name?.rawValue == "DynamoDB.AmazonDynamoDBException")
        #expect(invalid.cause?.contains("Error Code: ValidationException;") == true)
    }

    @Test func successOutputsCarryTheSDKMetadata() {
        let reply = HTTPReply(status: 200, headers: [("Content-Type", "application/x-amz-json-1.0"), ("x-amzn-RequestId", "RID"), ("Set-Cookie", "a"), ("Set-Cookie", "b")],
                              body: Array(#"{"Item":{"id":{"S":"1"}}}"#.utf8))
        guard case .success(let out) = DynamoDBIntegration.outcome(.success(reply)) else { Issue.record("failed"); return }
        #expect(out["Item"] == ["id": ["S": "1"]])
        #expect(out["SdkResponseMetadata"] == ["RequestId": "RID"])
        #expect(out["SdkHttpMetadata"]?["HttpStatusCode"] == 200)
        #expect(out["SdkHttpMetadata"]?["AllHttpHeaders"]?["Set-Cookie"] == ["a", "b"])
        #expect(out["SdkHttpMetadata"]?["HttpHeaders"]?["Content-Type"] == "application/x-amz-json-1.0")
    }
}

@Suite struct MessagingIntegrationTests {
    @Test func snsFormFlattensAttributesAndSendsJSONAsText() {
        let form = SNSIntegration.form(JSONObject([
            (key: "TopicArn", value: "arn:aws:sns:us-east-1:1:t"), (key: "Message", value: ["a": 1]),
            (key: "MessageAttributes", value: ["kind": ["DataType": "String", "StringValue": "x y"]]),
        ]))
        #expect(form == "Action=Publish&Version=2010-03-31&TopicArn=arn%3Aaws%3Asns%3Aus-east-1%3A1%3At&Message=%7B%22a%22%3A1%7D"
            + "&MessageAttributes.entry.1.Name=kind&MessageAttributes.entry.1.Value.DataType=String&MessageAttributes.entry.1.Value.StringValue=x%20y")
    }

    @Test func snsErrorsAndReplies() {
        let notFound = HTTPReply(status: 404, headers: [], body: Array("<ErrorResponse><Error><Type>Sender</Type><Code>NotFound</Code><Message>Topic does not exist</Message></Error><RequestId>R1</RequestId></ErrorResponse>".utf8))
        guard case .failure(let e) = SNSIntegration.outcome(.success(notFound)) else { Issue.record("succeeded"); return }
        #expect(e.name?.rawValue == "SNS.NotFoundException")
        #expect(e.cause == "Topic does not exist (Service: AmazonSNS; Status Code: 404; Error Code: NotFound; Request ID: R1; Proxy: null)")
        let ok = HTTPReply(status: 200, headers: [], body: Array("<PublishResponse><PublishResult><MessageId>m-1</MessageId></PublishResult><ResponseMetadata><RequestId>R2</RequestId></ResponseMetadata></PublishResponse>".utf8))
        guard case .success(let out) = SNSIntegration.outcome(.success(ok)) else { Issue.record("failed"); return }
        #expect(out["MessageId"] == "m-1" && out["SdkResponseMetadata"] == ["RequestId": "R2"])
        #expect(Integrations.xmlValue("<a>x &amp; &lt;y&gt;</a>", "a") == "x & <y>")
    }

    @Test func eventBridgeNamesTheExecutionAndItsMachine() {
        #expect(EventBridgeIntegration.arns("arn:aws:states:us-east-1:111111111111:execution:sm:e1")
                == ["arn:aws:states:us-east-1:111111111111:execution:sm:e1", "arn:aws:states:us-east-1:111111111111:stateMachine:sm"])
        #expect(EventBridgeIntegration.arns("").isEmpty)
    }
}

@Suite struct AWSSDKModelTests {
    @Test func resourcesResolveToGeneratedOperations() throws {
        let (ddb, op) = try #require(AWSSDKIntegration.resolve("arn:aws:states:::aws-sdk:dynamodb:putItem"))
        #expect(ddb.client == "DynamoDb" && op == "PutItem")
        #expect(AWSSDKIntegration.resolve("arn:aws:states:::aws-sdk:sfn:startExecution")?.0.signingName == "states")
        #expect(AWSSDKIntegration.resolve("arn:aws:states:::aws-sdk:dynamodb:noSuchAction") == nil)
        #expect(AWSSDKIntegration.resolve("arn:aws:states:::aws-sdk:nosuchservice:x") == nil)
    }

    /// Step Functions takes PascalCase Parameters even for camelCase APIs (Step Functions' own)
    /// and PascalCases outputs, but never the keys of maps (DynamoDB attribute names).
    @Test func namesFollowTheShapes() throws {
        let sfn = try #require(AWSModels.service("sfn"))
        let req = sfn.request(["StateMachineArn": "arn", "Name": "n", "Input": "{}"], shape: "StartExecutionInput")
        #expect(req == ["stateMachineArn": "arn", "name": "n", "input": "{}"])
        let out = sfn.response(["stateMachines": [["stateMachineArn": "a", "name": "m"]]], shape: "ListStateMachinesOutput")
        #expect(out == ["StateMachines": [["StateMachineArn": "a", "Name": "m"]]])
        let ddb = try #require(AWSModels.service("dynamodb"))
        let item = ddb.response(["Item": ["id": ["S": "1"], "lowercase": ["M": ["inner": ["N": "2"]]]]], shape: "GetItemOutput")
        #expect(item == ["Item": ["id": ["S": "1"], "lowercase": ["M": ["inner": ["N": "2"]]]]])
        #expect(ddb.errorName("ResourceNotFoundException") == "DynamoDb.ResourceNotFoundException")
        #expect(ddb.errorName("ValidationException") == "DynamoDb.DynamoDbException")
        #expect(try #require(AWSModels.service("sqs")).errorName("QueueDoesNotExist") == "Sqs.QueueDoesNotExistException")
    }
}

// MARK: - The query, REST-JSON and REST-XML protocols (AWSProtocols.swift)

@Suite struct AWSProtocolTests {
    func service(_ name: String) throws -> AWSModels.Service { try #require(AWSModels.service(name)) }

    @Test func queryFlattensStructuresListsAndMaps() throws {
        let sns = try service("sns")
        #expect(sns.wireProtocol == "query")
        let input = sns.request(["TopicArn": "arn:t", "Message": "hi",
                                 "MessageAttributes": ["kind": ["DataType": "String", "StringValue": "a b"]]], shape: "PublishInput")
        let body = String(decoding: sns.wireRequest("Publish", input).body, as: UTF8.self)
        for field in ["Action=Publish", "Version=2010-03-31", "TopicArn=arn%3At", "Message=hi",
                      "MessageAttributes.entry.1.Name=kind", "MessageAttributes.entry.1.Value.DataType=String",
                      "MessageAttributes.entry.1.Value.StringValue=a%20b"] {
            #expect(body.contains(field), "\(field) in \(body)")
        }
        let tags = String(decoding: sns.wireRequest("CreateTopic", sns.request(["Name": "t", "Tags": [["Key": "k", "Value": "v"]]],
                                                                                   shape: "CreateTopicInput")).body, as: UTF8.self)
        #expect(tags.contains("Tags.member.1.Key=k") && tags.contains("Tags.member.1.Value=v"))
        let reply = HTTPReply(status: 200, headers: [], body: Array("""
            <ListTopicsResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><ListTopicsResult><Topics>
            <member><TopicArn>arn:a</TopicArn></member><member><TopicArn>arn:b&amp;c</TopicArn></member></Topics>
            </ListTopicsResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></ListTopicsResponse>
            """.utf8))
        #expect(sns.wireResponse("ListTopics", reply) == ["Topics": [["TopicArn": "arn:a"], ["TopicArn": "arn:b&c"]]])
    }

    @Test func restXMLBindsURIQueryAndHeaders() throws {
        let s3 = try service("s3")
        let r = s3.wireRequest("ListObjectsV2", s3.request(["Bucket": "b", "Prefix": "day 1/", "MaxKeys": 5,
                                                             "ExpectedBucketOwner": "123"], shape: "ListObjectsV2Request"))
        #expect(r.method == "GET" && r.path == "/b")
        #expect(r.query.contains { $0 == ("list-type", "2") } && r.query.contains { $0 == ("prefix", "day 1/") }
                && r.query.contains { $0 == ("max-keys", "5") })
        #expect(r.headers.contains { $0 == ("x-amz-expected-bucket-owner", "123") })
        let key = s3.wireRequest("HeadObject", s3.request(["Bucket": "b", "Key": "a b/c.txt"], shape: "HeadObjectRequest"))
        #expect(key.method == "HEAD" && key.path == "/b/a%20b/c.txt")
        let list = HTTPReply(status: 200, headers: [], body: Array("""
            <?xml version="1.0" encoding="UTF-8"?><ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
            <Name>b</Name><KeyCount>2</KeyCount><IsTruncated>false</IsTruncated>
            <Contents><Key>x</Key><Size>3</Size></Contents><Contents><Key><![CDATA[y<z]]></Key><Size>4</Size></Contents>
            </ListBucketResult>
            """.utf8))
        let out = s3.wireResponse("ListObjectsV2", list)
        #expect(out["Contents"] == [["Key": "x", "Size": 3], ["Key": "y<z", "Size": 4]])
        #expect(out["KeyCount"] == 2 && out["IsTruncated"] == false && out["Name"] == "b")
        let head = HTTPReply(status: 200, headers: [("Content-Length", "3"), ("ETag", "\"e\""), ("x-amz-meta-owner", "ops")], body: [])
        let h = s3.wireResponse("HeadObject", head)
        #expect(h["ContentLength"] == 3 && h["ETag"] == "\"e\"" && h["Metadata"] == ["owner": "ops"])
    }

    @Test func restJSONAndErrors() throws {
        let lambda = try service("lambda")
        let r = lambda.wireRequest("GetFunction", lambda.request(["FunctionName": "f:1", "Qualifier": "2"], shape: "GetFunctionRequest"))
        #expect(r.method == "GET" && r.path == "/2015-03-31/functions/f%3A1" && r.query.contains { $0 == ("Qualifier", "2") })
        let missing = HTTPReply(status: 404, headers: [("x-amzn-ErrorType", "ResourceNotFoundException:http://internal"), ("x-amzn-RequestId", "R")],
                                body: Array(#"{"Message":"Function not found"}"#.utf8))
        let e = lambda.wireError(missing)
        #expect(e.code == "ResourceNotFoundException" && e.message == "Function not found" && e.requestId == "R")
        #expect(lambda.errorName(e.code) == "Lambda.ResourceNotFoundException")
        let sns = try service("sns")
        let notFound = HTTPReply(status: 404, headers: [], body: Array(
            "<ErrorResponse><Error><Type>Sender</Type><Code>NotFound</Code><Message>no</Message></Error><RequestId>R1</RequestId></ErrorResponse>".utf8))
        let se = sns.wireError(notFound)
        #expect(sns.errorName(se.code) == "Sns.NotFoundException" && se.requestId == "R1")
    }

    @Test func xmlParserNeverTraps() {
        #expect(XMLElement.parse(Array("<a><b>1 &lt; 2 &#65;&#x42;</b><c/></a>".utf8))?.child("b")?.text == "1 < 2 AB")
        #expect(XMLElement.parse(Array("<a><b></a>".utf8)) == nil)
        var rng = SystemRandomNumberGenerator()
        let seed = Array("<?xml version=\"1.0\"?><r a=\"x>y\"><m><k>&amp;</k><![CDATA[<z>]]></m><!-- c --></r>".utf8)
        for _ in 0..<5_000 {
            var b = seed
            for _ in 0..<Int.random(in: 1...6, using: &rng) {
                let i = Int.random(in: 0..<b.count, using: &rng)
                switch Int.random(in: 0..<3, using: &rng) {
                case 0: b[i] = UInt8.random(in: 0...255, using: &rng)
                case 1: b.remove(at: i)
                default: b.insert(b[Int.random(in: 0..<b.count, using: &rng)], at: i)
                }
                if b.isEmpty { b = seed }
            }
            _ = XMLElement.parse(b)
        }
        let deep = Array(String(repeating: "<a>", count: 100_000).utf8)
        #expect(XMLElement.parse(deep) == nil)
    }
}
