import CortadoHTTP
import CortadoJSON
import CortadoRuntime
import Testing

@Suite(.serialized) struct LambdaInvokeBackendTests {
    static let service = "arn:aws:states:::lambda:invoke"
    static func arn(_ name: String) -> String { "arn:aws:lambda:us-east-1:000000000000:function:\(name)" }

    /// The error payload the test server's `raise` function returns, as Python's json.dumps wrote it.
    static let raisedBody = #"{"errorMessage": "Some exception was raised.", "errorType": "Exception", "requestId": "1b4c5e2a-0000-4000-8000-000000000000", "stackTrace": ["  File \"/var/task/handler.py\", line 2, in handler\n    raise Exception(\"Some exception was raised.\")\n"]}"#
    static let raisedCompact = #"{"errorMessage":"Some exception was raised.","errorType":"Exception","requestId":"1b4c5e2a-0000-4000-8000-000000000000","stackTrace":["  File \"/var/task/handler.py\", line 2, in handler\n    raise Exception(\"Some exception was raised.\")\n"]}"#

    @Test func lambdaInvokeReturnsTheInvokeResponseAsAWSShapesIt() throws {
        try withServer { server, transport in
            let backend = LambdaInvokeBackend(endpoint: server.base + "/", transport: transport)
            let r = try run(taskDefinition(resource: Self.service, parameters: #"{"FunctionName":"echo","Payload":{"a":1,"b.$":"$.b"}}"#),
                            input: #"{"b":[true]}"#, backend: backend)
            #expect(r.status == .succeeded)
            let out = try #require(r.output?.objectValue)
            #expect(out.keys == ["ExecutedVersion", "Payload", "SdkHttpMetadata", "SdkResponseMetadata", "StatusCode"])
            #expect(out["ExecutedVersion"] == "$LATEST")
            #expect(out["Payload"] == ["a": 1, "b": [true]])
            #expect(out["StatusCode"] == 200)
            let meta = try #require(out["SdkHttpMetadata"]?.objectValue)
            #expect(meta.keys == ["AllHttpHeaders", "HttpHeaders", "HttpStatusCode"])
            #expect(meta["HttpStatusCode"] == 200)
            #expect(meta["AllHttpHeaders"]?["X-Amz-Executed-Version"] == ["$LATEST"])
            #expect(meta["HttpHeaders"]?["Content-Type"] == "application/json")
            let requestID = try #require(out["SdkResponseMetadata"]?["RequestId"]?.stringValue)
            #expect(requestID.hasPrefix("req-"))
            #expect(meta["HttpHeaders"]?["x-amzn-RequestId"] == .string(requestID))
        }
    }

    @Test func aStringPayloadIsSentAsItIs() throws {
        // As in AWS: Payload "\"HelloWorld\"" reaches the function as the JSON string "HelloWorld".
        try withServer { server, transport in
            let backend = LambdaInvokeBackend(endpoint: server.base, transport: transport)
            let def = taskDefinition(resource: Self.service, parameters: #"{"FunctionName.$":"$.FunctionName","Payload.$":"$.Payload"}"#,
                                     extra: #","OutputPath":"$.Payload""#)
            let hello = try run(def, input: #"{"FunctionName":"echo","Payload":"\"HelloWorld\""}"#, backend: backend)
            let zero = try run(def, input: #"{"FunctionName":"echo","Payload":"0.0"}"#, backend: backend)
            #expect(hello.output == "HelloWorld")
            #expect(zero.output?.serialized == "0.0")
        }
    }

    @Test func functionArnsQualifiersAndInvocationTypeReachTheEndpoint() throws {
        try withServer { server, transport in
            let backend = LambdaInvokeBackend(endpoint: server.base, transport: transport)
            let viaArn = try run(taskDefinition(resource: Self.service,
                parameters: #"{"FunctionName":"arn:aws:lambda:us-east-1:123456789012:function:context:live","Payload":{"p":1}}"#),
                backend: backend)
            #expect(viaArn.output?["Payload"] == ["payload": ["p": 1], "qualifier": "live", "invocationType": "RequestResponse"])
            let explicit = try run(taskDefinition(resource: Self.service,
                parameters: #"{"FunctionName":"context","Qualifier":"7","InvocationType":"RequestResponse"}"#), backend: backend)
            #expect(explicit.output?["Payload"] == ["payload": [:], "qualifier": "7", "invocationType": "RequestResponse"])
            let resourceQualifier = try run(taskDefinition(resource: Self.arn("context:prod")), input: #"{"q":1}"#, backend: backend)
            #expect(resourceQualifier.output == ["payload": ["q": 1], "qualifier": "prod", "invocationType": "RequestResponse"])
        }
    }

    @Test func aFunctionArnResourceSendsTheInputAndReturnsThePayload() throws {
        try withServer { server, transport in
            let backend = LambdaInvokeBackend(endpoint: server.base, transport: transport)
            let r = try run(taskDefinition(resource: Self.arn("echo"), extra: #","ResultPath":"$.echoed""#),
                            input: #"{"x":[1,"two",null]}"#, backend: backend)
            #expect(r.output == ["x": [1, "two", nil], "echoed": ["x": [1, "two", nil]]])
            let scalar = try run(taskDefinition(resource: Self.arn("echo")), input: "true", backend: backend)
            #expect(scalar.output == true)
        }
    }

    @Test func aFunctionErrorOnAFunctionArnKeepsThePayloadAsTheCause() throws {
        // Recorded (tasks/error_handling_task_lambda_raise_exception*): error "Exception", the
        // cause the function's payload as written; Lambda.Unknown does not match, TaskFailed does.
        try withServer { server, transport in
            let backend = LambdaInvokeBackend(endpoint: server.base, transport: transport)
            let failed = try run(taskDefinition(resource: Self.arn("raise")), backend: backend)
            #expect(failed.errorName == "Exception")
            #expect(failed.cause == Self.raisedBody)
            let caught = try run(taskDefinition(resource: Self.arn("raise"),
                extra: #","Catch":[{"ErrorEquals":["Lambda.Unknown"],"Next":"C"},{"ErrorEquals":["States.TaskFailed"],"ResultPath":"$.task_failed_error","Next":"C"}]"#),
                input: #"{"in":1}"#, backend: backend)
            #expect(caught.output == ["in": 1, "task_failed_error": ["Error": "Exception", "Cause": .string(Self.raisedBody)]])
        }
    }

    @Test func aFunctionErrorOnLambdaInvokeHasACompactCause() throws {
        // Recorded (tasks/error_handling_task_service_lambda_raise_exception_catch): compact JSON.
        try withServer { server, transport in
            let backend = LambdaInvokeBackend(endpoint: server.base, transport: transport)
            let r = try run(taskDefinition(resource: Self.service, parameters: #"{"FunctionName":"raise","Payload":null}"#,
                extra: #","Catch":[{"ErrorEquals":["Exception"],"Next":"C"}]"#), backend: backend)
            #expect(r.output == ["Error": "Exception", "Cause": .string(Self.raisedCompact)])
        }
    }

    @Test func anUnknownFunctionIsResourceNotFound() throws {
        try withServer { server, transport in
            let backend = LambdaInvokeBackend(endpoint: server.base, transport: transport)
            let r = try run(taskDefinition(resource: Self.service, parameters: #"{"FunctionName":"nope"}"#), backend: backend)
            #expect(r.errorName == "Lambda.ResourceNotFoundException")
            let cause = try #require(r.cause)
            #expect(cause.hasPrefix("Function not found: arn:aws:lambda:us-west-2:012345678901:function:nope (Service: AWSLambda; Status Code: 404; Error Code: ResourceNotFoundException; Request ID: req-"))
            #expect(cause.hasSuffix("; Proxy: null)"))
            let viaArn = try run(taskDefinition(resource: Self.arn("nope")), backend: backend)
            #expect(viaArn.errorName == "Lambda.ResourceNotFoundException")
        }
    }

    @Test func serviceErrorsAreRetriedByName() throws {
        try withServer { server, transport in
            let backend = LambdaInvokeBackend(endpoint: server.base, transport: transport)
            let throttled = try run(taskDefinition(resource: Self.service, parameters: #"{"FunctionName":"throttle"}"#), backend: backend)
            #expect(throttled.errorName == "Lambda.TooManyRequestsException")
            #expect(throttled.cause?.hasPrefix("Rate Exceeded. (Service: AWSLambda; Status Code: 429; Error Code: TooManyRequestsException;") == true)

            let retried = try run(taskDefinition(resource: Self.service, parameters: #"{"FunctionName":"flaky-2"}"#,
                extra: #","Retry":[{"ErrorEquals":["Lambda.ServiceException","Lambda.SdkClientException"],"IntervalSeconds":2,"MaxAttempts":3}],"OutputPath":"$.Payload""#),
                backend: backend)
            #expect(retried.output == ["calls": 3])
        }
    }

    @Test func anUnreachableEndpointIsAnSdkClientException() throws {
        let closed = try TestServer()
        let port = closed.port
        closed.stop()
        let transport = HTTPTransport(connectTimeoutSeconds: 1)
        defer { transport.shutdown() }
        let backend = LambdaInvokeBackend(endpoint: "http://127.0.0.1:\(port)", transport: transport)
        let r = try run(taskDefinition(resource: Self.arn("echo")), backend: backend)
        #expect(r.errorName == "Lambda.SdkClientException")
        #expect(r.cause?.hasPrefix("Unable to execute HTTP request: ") == true)
    }

    @Test func aMapInvokesConcurrentlyAndKeepsOrder() throws {
        try withServer { server, transport in
            let router = HTTPTaskRouter(http: nil, lambda: LambdaInvokeBackend(endpoint: server.base, transport: transport),
                                        fallback: HandlerRegistry())
            let def = #"{"StartAt":"M","States":{"M":{"Type":"Map","ItemProcessor":{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"\#(Self.arn("echo"))","End":true}}},"End":true}}}"#
            let r = try run(def, input: "[1,2,3,4,5,6,7,8,9,10,11,12]", backend: router)
            #expect(r.output == [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12])
        }
    }

    @Test func handlesRecognizesLambdaResources() {
        #expect(LambdaInvokeBackend.handles("arn:aws:states:::lambda:invoke"))
        #expect(LambdaInvokeBackend.handles("arn:aws:lambda:eu-west-1:123456789012:function:f"))
        #expect(LambdaInvokeBackend.handles("arn:aws:lambda:eu-west-1:123456789012:function:f:alias"))
        #expect(!LambdaInvokeBackend.handles("arn:aws:states:::lambda:invoke.waitForTaskToken"))
        #expect(!LambdaInvokeBackend.handles("arn:aws:states:::http:invoke"))
        #expect(HTTPInvokeBackend.handles("arn:aws:states:::http:invoke"))
    }
}
