import CortadoHTTP
import CortadoJSON
import CortadoPath
import CortadoRuntime

/// The optimized DynamoDB integration (`arn:aws:states:::dynamodb:getItem|putItem|
/// updateItem|deleteItem`), called as Step Functions calls it: the resolved Parameters are the
/// request (AWS JSON 1.0, signed with SigV4), the output is DynamoDB's response plus the SDK
/// metadata Step Functions adds (`SdkHttpMetadata`, `SdkResponseMetadata`), and errors are
/// named `DynamoDB.<Exception>` with the Java SDK's cause text — the shapes of the
/// AWS-recorded cases in ../shared/conformance/cases/tasks. The call is in flight without a
/// thread; the execution parks until it answers.
public struct DynamoDBIntegration: TaskBackend {
    public static let operations = ["getItem", "putItem", "updateItem", "deleteItem"]
    static let prefix = "arn:aws:states:::dynamodb:"

    let environment: AWSEnvironment
    let transport: HTTPTransport
    /// Requests in flight at most; the rest queue (see `RequestGate`).
    let gate: RequestGate
    /// Seconds since the epoch, for signing (injectable for tests).
    let clock: @Sendable () -> Int64

    public init(environment: AWSEnvironment, transport: HTTPTransport, maxInFlight: Int = 64,
                clock: @escaping @Sendable () -> Int64 = { wallClockMilliseconds() / 1000 }) {
        self.environment = environment
        self.transport = transport
        self.gate = RequestGate(limit: maxInFlight)
        self.clock = clock
    }

    /// Whether `resource` is one of the integration's four operations.
    public static func handles(_ resource: String) -> Bool {
        resource.hasPrefix(prefix) && operations.contains(String(resource.dropFirst(prefix.count)))
    }

    public func invoke(_ request: TaskRequest) -> TaskOutcome {
        let op = String(request.resource.dropFirst(Self.prefix.count))
        guard Self.operations.contains(op) else {
            return .failure(ASLError(.runtime, "The resource '\(request.resource)' is not a DynamoDB operation Step Functions integrates (\(Self.operations.joined(separator: ", ")))."))
        }
        guard let credentials = environment.credentials else {
            return .failure(ASLError(.taskFailed, "No AWS credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or a profile in ~/.aws/credentials."))
        }
        let base = environment.baseURL(service: "dynamodb", envName: "DYNAMODB")
        guard var signed = Self.request(base: base) else {
            return .failure(ASLError(.taskFailed, "The DynamoDB endpoint '\(base)' is not a URL."))
        }
        signed.method = "POST"
        signed.headers = [("Content-Type", "application/x-amz-json-1.0"),
                          ("X-Amz-Target", "DynamoDB_20120810." + op.prefix(1).uppercased() + op.dropFirst())]
        signed.body = request.input.serializedBytes
        let unsigned = signed
        let completion = request.completion, region = environment.region, clock = self.clock, transport = self.transport
        gate.submit { done in
            // Signed when it leaves the queue: a signature is only good for five minutes.
            var r = unsigned
            SigV4.sign(&r, service: "dynamodb", region: region, credentials: credentials, epochSeconds: clock())
            transport.send(url: r.url, method: "POST", headers: r.headers, body: r.body, timeoutSeconds: 60) { reply in
                completion.complete(Self.outcome(reply))
                done()
            }
        }
        return .pending
    }

    /// `https://host[:port][/path]` as a request to sign.
    static func request(base: String) -> AWSRequest? {
        guard let schemeEnd = base.range(of: "://") else { return nil }
        let scheme = String(base[..<schemeEnd.lowerBound])
        let rest = base[schemeEnd.upperBound...]
        let hostPort = rest.split(separator: "/", maxSplits: 1).first.map(String.init) ?? ""
        let path = rest.dropFirst(hostPort.count)
        var host = hostPort, port: Int?
        if let colon = hostPort.lastIndex(of: ":"), let p = Int(hostPort[hostPort.index(after: colon)...]) {
            host = String(hostPort[..<colon]); port = p
        }
        guard !host.isEmpty else { return nil }
        return AWSRequest(method: "POST", scheme: scheme, host: host, port: port, path: path.isEmpty ? "/" : String(path))
    }

    static func outcome(_ r: Result<HTTPReply, any Error>) -> TaskOutcome {
        switch r {
        case .failure(let e):
            return .failure(ASLError(.taskFailed, "Unable to execute HTTP request: \(e) (Service: AmazonDynamoDBv2)"))
        case .success(let reply):
            let parsed = (try? JSON.parse(reply.body)) ?? .object(JSONObject())
            let requestId = reply.headers.first { $0.name.lowercased() == "x-amzn-requestid" }?.value ?? ""
            guard (200..<300).contains(reply.status) else { return .failure(error(reply.status, parsed, requestId)) }
            var out: JSONObject
            if case .object(let o) = parsed { out = o } else { out = JSONObject() }
            out["SdkHttpMetadata"] = SDKMetadata.http(reply)
            out["SdkResponseMetadata"] = .object(JSONObject([(key: "RequestId", value: .string(requestId))]))
            return .success(.object(out))
        }
    }

    /// `DynamoDB.<Exception>` (a ValidationException is `DynamoDB.AmazonDynamoDBException`),
    /// with the cause the Java SDK words: `<message> (Service: AmazonDynamoDBv2; Status Code:
    /// 400; Error Code: <code>; Request ID: <id>; Proxy: null)`.
    static func error(_ status: Int, _ body: JSON, _ requestId: String) -> ASLError {
        let type = body["__type"]?.stringValue ?? "AmazonDynamoDBException"
        let code = type.split(separator: "#").last.map(String.init) ?? type
        let message = body["message"]?.stringValue ?? body["Message"]?.stringValue ?? "Service error"
        let name = code == "ValidationException" || code == "SerializationException" ? "AmazonDynamoDBException" : code
        return ASLError(ErrorName("DynamoDB." + name),
                        "\(message) (Service: AmazonDynamoDBv2; Status Code: \(status); Error Code: \(code); Request ID: \(requestId); Proxy: null)")
    }
}

/// The response metadata Step Functions adds to the outputs of the DynamoDB, SNS and SQS
/// integrations, as the AWS-recorded cases show it.
enum SDKMetadata {
    static func http(_ reply: HTTPReply) -> JSON {
        var all: [(key: String, value: JSON)] = [], single: [(key: String, value: JSON)] = []
        for h in reply.headers {
            if let i = all.firstIndex(where: { $0.key == h.name }), case .array(var a) = all[i].value {
                a.append(.string(h.value))
                all[i].value = .array(a)
            } else {
                all.append((h.name, .array([.string(h.value)])))
                single.append((h.name, .string(h.value)))
            }
        }
        single.sort { $0.key.lowercased() < $1.key.lowercased() }
        return .object(JSONObject([
            (key: "AllHttpHeaders", value: .object(JSONObject(all))),
            (key: "HttpHeaders", value: .object(JSONObject(single))),
            (key: "HttpStatusCode", value: .number(JSONNumber(reply.status))),
        ]))
    }
}
