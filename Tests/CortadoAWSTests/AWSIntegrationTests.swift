@testable import CortadoAWS
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
