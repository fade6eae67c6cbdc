import CortadoHTTP
import CortadoJSON
import CortadoRuntime
import Testing

@Suite(.serialized) struct HTTPInvokeBackendTests {
    static let resource = "arn:aws:states:::http:invoke"

    @Test func getSendsQueryParametersAndHeadersAndReturnsTheAWSShape() throws {
        try withServer { server, transport in
            let params = #"{"ApiEndpoint":"\#(server.base)/echo","Method":"GET","Headers":{"X-Custom":"v","X-Num":7},"#
                + #""QueryParameters":{"a":"1 2","b":["x","y"]}}"#
            let r = try run(taskDefinition(resource: Self.resource, parameters: params), backend: HTTPInvokeBackend(transport: transport))
            #expect(r.status == .succeeded)
            let out = try #require(r.output?.objectValue)
            #expect(out.keys == ["Headers", "ResponseBody", "StatusCode", "StatusText"])
            #expect(out["StatusCode"] == 200)
            #expect(out["StatusText"] == "OK")
            #expect(out["Headers"]?["X-Test"] == ["echo"])
            #expect(out["Headers"]?["Content-Type"] == ["application/json"])
            let body = try #require(out["ResponseBody"])
            #expect(body["method"] == "GET")
            #expect(body["query"] == ["a": ["1 2"], "b": ["x", "y"]])
            #expect(body["headers"]?["x-custom"] == "v")
            #expect(body["headers"]?["x-num"] == "7")
            #expect(body["body"] == "")
        }
    }

    @Test func postSendsAJSONBodyAndAStringBodyAsItIs() throws {
        try withServer { server, transport in
            let backend = HTTPInvokeBackend(transport: transport)
            let json = try run(taskDefinition(resource: Self.resource, parameters:
                #"{"ApiEndpoint":"\#(server.base)/echo","Method":"POST","RequestBody":{"k":[1,2.50],"s.$":"$.s"}}"#),
                input: #"{"s":"from input"}"#, backend: backend)
            let body = try #require(json.output?["ResponseBody"])
            #expect(body["method"] == "POST")
            #expect(body["body"] == #"{"k":[1,2.50],"s":"from input"}"#)
            #expect(body["headers"]?["content-type"] == "application/json; charset=UTF-8")

            let text = try run(taskDefinition(resource: Self.resource, parameters:
                #"{"ApiEndpoint":"\#(server.base)/echo","Method":"PUT","Headers":{"Content-Type":"text/plain"},"RequestBody":"raw text"}"#),
                backend: backend)
            #expect(text.output?["ResponseBody"]?["body"] == "raw text")
            #expect(text.output?["ResponseBody"]?["headers"]?["content-type"] == "text/plain")
        }
    }

    @Test func urlEncodedBodiesFollowTheArrayFormat() throws {
        try withServer { server, transport in
            let backend = HTTPInvokeBackend(transport: transport)
            func send(_ transform: String) throws -> JSON? {
                let params = #"{"ApiEndpoint":"\#(server.base)/echo","Method":"POST","RequestBody":{"a":["x","y"],"n":{"m":"v w"},"b":true},"Transform":\#(transform)}"#
                let r = try run(taskDefinition(resource: Self.resource, parameters: params), backend: backend)
                #expect(r.output?["ResponseBody"]?["headers"]?["content-type"] == "application/x-www-form-urlencoded")
                return r.output?["ResponseBody"]?["body"]
            }
            let indices = try send(#"{"RequestBodyEncoding":"URL_ENCODED"}"#)
            let brackets = try send(#"{"RequestBodyEncoding":"URL_ENCODED","RequestEncodingOptions":{"ArrayFormat":"BRACKETS"}}"#)
            let repeated = try send(#"{"RequestBodyEncoding":"URL_ENCODED","RequestEncodingOptions":{"ArrayFormat":"REPEAT"}}"#)
            let commas = try send(#"{"RequestBodyEncoding":"URL_ENCODED","RequestEncodingOptions":{"ArrayFormat":"COMMAS"}}"#)
            #expect(indices == "a[0]=x&a[1]=y&n[m]=v%20w&b=true")
            #expect(brackets == "a[]=x&a[]=y&n[m]=v%20w&b=true")
            #expect(repeated == "a=x&a=y&n[m]=v%20w&b=true")
            #expect(commas == "a=x,y&n[m]=v%20w&b=true")
        }
    }

    @Test func aTextResponseBodyStaysAString() throws {
        try withServer { server, transport in
            let r = try run(taskDefinition(resource: Self.resource, parameters: #"{"ApiEndpoint":"\#(server.base)/text","Method":"GET"}"#),
                            backend: HTTPInvokeBackend(transport: transport))
            #expect(r.output?["ResponseBody"] == "plain text")
            #expect(r.output?["StatusCode"] == 200)
        }
    }

    @Test func aNon2xxStatusFailsWithItsStatusCodeErrorAndCanBeCaught() throws {
        try withServer { server, transport in
            let backend = HTTPInvokeBackend(transport: transport)
            let params = #"{"ApiEndpoint":"\#(server.base)/status/404","Method":"GET"}"#
            let failed = try run(taskDefinition(resource: Self.resource, parameters: params), backend: backend)
            #expect(failed.status == .failed)
            #expect(failed.errorName == "States.Http.StatusCode.404")
            let cause = try JSON.parse(try #require(failed.cause))
            #expect(cause["StatusCode"] == 404)
            #expect(cause["StatusText"] == "Not Found")
            #expect(cause["ResponseBody"] == ["error": "status 404"])

            let caught = try run(taskDefinition(resource: Self.resource, parameters: params,
                extra: #","Catch":[{"ErrorEquals":["States.Http.StatusCode.500"],"Next":"C"},{"ErrorEquals":["States.Http.StatusCode.404"],"ResultPath":"$.err","Next":"C"}]"#),
                input: #"{"kept":1}"#, backend: backend)
            #expect(caught.status == .succeeded)
            #expect(caught.output?["kept"] == 1)
            #expect(caught.output?["err"]?["Error"] == "States.Http.StatusCode.404")
        }
    }

    @Test func aStatusCodeErrorIsRetried() throws {
        try withServer { server, transport in
            let r = try run(taskDefinition(resource: Self.resource,
                parameters: #"{"ApiEndpoint":"\#(server.base)/flaky/2/retry","Method":"GET"}"#,
                extra: #","Retry":[{"ErrorEquals":["States.Http.StatusCode.500"],"IntervalSeconds":1,"MaxAttempts":3}]"#),
                backend: HTTPInvokeBackend(transport: transport))
            #expect(r.status == .succeeded)
            #expect(r.output?["ResponseBody"] == ["calls": 3])
        }
    }

    @Test func anUnreachableEndpointIsASocketError() throws {
        let closed = try TestServer()
        let port = closed.port
        closed.stop()
        let transport = HTTPTransport(connectTimeoutSeconds: 1)
        defer { transport.shutdown() }
        let backend = HTTPInvokeBackend(transport: transport)
        let params = #"{"ApiEndpoint":"http://127.0.0.1:\#(port)/echo","Method":"GET"}"#
        let r = try run(taskDefinition(resource: Self.resource, parameters: params), backend: backend)
        #expect(r.errorName == "States.Http.Socket")
        let caught = try run(taskDefinition(resource: Self.resource, parameters: params,
                                            extra: #","Catch":[{"ErrorEquals":["States.ALL"],"Next":"C"}]"#), backend: backend)
        #expect(caught.output?["Error"] == "States.Http.Socket")
    }

    @Test func invalidParametersAreARuntimeError() throws {
        let transport = HTTPTransport()
        defer { transport.shutdown() }
        let backend = HTTPInvokeBackend(transport: transport)
        let noMethod = try run(taskDefinition(resource: Self.resource, parameters: #"{"ApiEndpoint":"http://127.0.0.1:1/x"}"#), backend: backend)
        #expect(noMethod.errorName == "States.Runtime")
        let badURL = try run(taskDefinition(resource: Self.resource, parameters: #"{"ApiEndpoint":"ftp://x","Method":"GET"}"#), backend: backend)
        #expect(badURL.errorName == "States.Runtime")
    }

    @Test func theRouterSendsOtherResourcesToTheFallback() throws {
        try withServer { server, transport in
            let registry = HandlerRegistry()
            registry.register("other") { r in .success(["other": r.input]) }
            let router = HTTPTaskRouter(http: HTTPInvokeBackend(transport: transport), lambda: nil, fallback: registry)
            let def = #"{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"other","ResultPath":"$.a","Next":"B"},"#
                + #""B":{"Type":"Task","Resource":"\#(Self.resource)","Parameters":{"ApiEndpoint":"\#(server.base)/text","Method":"GET"},"ResultSelector":{"body.$":"$.ResponseBody"},"ResultPath":"$.b","End":true}}}"#
            let r = try run(def, input: #"{"x":1}"#, backend: router)
            #expect(r.output == ["x": 1, "a": ["other": ["x": 1]], "b": ["body": "plain text"]])
        }
    }
}
