import CortadoAWSModels
import CortadoHTTP
import CortadoJSON
import CortadoPath
import CortadoRuntime

/// Signed calls to one AWS service for the integrations: endpoint and credentials from the
/// environment, a gate on requests in flight, SigV4 at the moment a request leaves the queue.
public struct AWSServiceClient: Sendable {
    /// The endpoint prefix (`dynamodb`, `sqs`) and the SDKs' id for `AWS_ENDPOINT_URL_<ID>`.
    let service: String, envName: String
    let environment: AWSEnvironment
    let transport: HTTPTransport
    let gate: RequestGate
    let clock: @Sendable () -> Int64

    /// The name SigV4 signs for (usually the endpoint prefix; `states` for Step Functions).
    let signingName: String

    init(service: String, envName: String, environment: AWSEnvironment, transport: HTTPTransport, maxInFlight: Int,
         clock: @escaping @Sendable () -> Int64, signingName: String? = nil) {
        self.service = service; self.envName = envName; self.environment = environment; self.transport = transport
        self.signingName = signingName ?? service
        self.gate = RequestGate(limit: maxInFlight)
        self.clock = clock
    }

    /// POSTs `body` (with `X-Amz-Target` when given) and answers on an event-loop thread.
    /// - Returns: an error to fail the task with at once (no credentials, a bad endpoint).
    func post(contentType: String, target: String?, body: [UInt8],
              _ done: @escaping @Sendable (Result<HTTPReply, any Error>) -> Void) -> ASLError? {
        send(method: "POST", path: "", headers: [("Content-Type", contentType)] + (target.map { [("X-Amz-Target", $0)] } ?? []),
             body: body, s3: false, done)
    }

    /// Any request: `path` is appended to the endpoint's (already encoded); `s3` signs by S3's rules.
    func send(method: String, path: String, query: [(name: String, value: String)] = [],
              headers: [(name: String, value: String)], body: [UInt8], s3: Bool,
              _ done: @escaping @Sendable (Result<HTTPReply, any Error>) -> Void) -> ASLError? {
        guard let credentials = environment.credentials else {
            return ASLError(.taskFailed, "No AWS credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or a profile in ~/.aws/credentials.")
        }
        let base = environment.baseURL(service: service, envName: envName)
        guard var request = Self.request(base: base) else { return ASLError(.taskFailed, "The \(service) endpoint '\(base)' is not a URL.") }
        request.method = method
        if !path.isEmpty { request.path = request.path == "/" ? path : request.path + path }
        request.headers = headers
        request.query = query
        request.body = body
        let unsigned = request, region = environment.region, service = self.signingName, clock = self.clock, transport = self.transport
        gate.submit { finished in
            // Signed when it leaves the queue: a signature is only good for five minutes.
            var r = unsigned
            SigV4.sign(&r, service: service, region: region, credentials: credentials, epochSeconds: clock(), s3: s3)
            transport.send(url: r.url, method: r.method, headers: r.headers, body: r.body.isEmpty && r.method != "POST" && r.method != "PUT" ? nil : r.body,
                           timeoutSeconds: 60) { reply in
                done(reply)
                finished()
            }
        }
        return nil
    }

    /// `https://host[:port][/path]` as a request to sign.
    static func request(base: String) -> AWSRequest? {
        guard let schemeEnd = base.firstRange(of: "://") else { return nil }
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

    static func requestId(_ reply: HTTPReply) -> String {
        reply.headers.first { $0.name.lowercased() == "x-amzn-requestid" }?.value ?? ""
    }

    /// The Java SDK's cause text, as Step Functions reports service errors.
    static func cause(_ message: String, service: String, status: Int, code: String, requestId: String) -> String {
        "\(message) (Service: \(service); Status Code: \(status); Error Code: \(code); Request ID: \(requestId); Proxy: null)"
    }

    /// The error code (`__type` after its `#`, else `defaultCode`) and message of an error body
    /// of the JSON protocols.
    static func jsonError(_ body: JSON, defaultCode: String) -> (code: String, message: String) {
        let code = body["__type"]?.stringValue.map { String($0.split(separator: "#").last ?? "") } ?? defaultCode
        return (code, body["message"]?.stringValue ?? body["Message"]?.stringValue ?? "Service error")
    }

    /// An error code as the Java SDK names its exception: `NotFound` → `NotFoundException`.
    static func exceptionName(_ code: String) -> String { AWSModels.exceptionName(code) }

    /// A transport failure (connection refused, timeout) as a task failure Retry can take.
    static func unreachable(_ e: any Error, service: String) -> ASLError {
        ASLError(.taskFailed, "Unable to execute HTTP request: \(e) (Service: \(service))")
    }

    /// A response object with the SDK metadata Step Functions adds (DynamoDB, SNS, SQS).
    static func withMetadata(_ body: JSONObject, _ reply: HTTPReply) -> JSON {
        var out = body
        out["SdkHttpMetadata"] = SDKMetadata.http(reply)
        out["SdkResponseMetadata"] = .object(JSONObject([(key: "RequestId", value: .string(requestId(reply)))]))
        return .object(out)
    }
}

/// An integration over one service's signed client: its endpoint prefix and
/// `AWS_ENDPOINT_URL_<ID>`, and the initializer every integration shares.
public protocol AWSIntegration {
    static var service: (endpointPrefix: String, envName: String) { get }
    init(client: AWSServiceClient)
}

extension AWSIntegration {
    /// - Parameters:
    ///   - maxInFlight: requests in flight at most; the rest queue without a thread.
    ///   - clock: seconds since the epoch, for signing (injectable for tests).
    public init(environment: AWSEnvironment, transport: HTTPTransport, maxInFlight: Int = 64,
                clock: @escaping @Sendable () -> Int64 = { wallClockMilliseconds() / 1000 }) {
        self.init(client: AWSServiceClient(service: Self.service.endpointPrefix, envName: Self.service.envName,
                                           environment: environment, transport: transport, maxInFlight: maxInFlight, clock: clock))
    }
}
