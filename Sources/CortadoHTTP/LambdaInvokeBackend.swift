import AsyncHTTPClient
import CortadoJSON
import CortadoPath
import CortadoRuntime
import Foundation
import NIOCore
import NIOHTTP1

/// Runs Lambda tasks against an endpoint that speaks the Lambda Invoke API
/// (`POST {endpoint}/2015-03-31/functions/{FunctionName}/invocations`), such as
/// `sam local start-lambda` (default `http://127.0.0.1:3001`), LocalStack or AWS itself
/// (unsigned, so only local endpoints work in practice).
///
/// Two resource styles, as in AWS ("Invoke an AWS Lambda function with Step Functions"):
/// - `arn:aws:states:::lambda:invoke`: the effective input holds `FunctionName` (required),
///   `Payload` (a string is sent as it is, other JSON serialized), `InvocationType`,
///   `Qualifier`, `ClientContext`, `LogType`. The result is the invoke response as AWS hands
///   it to the state: `{"ExecutedVersion", "Payload", "SdkHttpMetadata",
///   "SdkResponseMetadata", "StatusCode"}` (plus `LogResult` when the endpoint returns one).
/// - `arn:aws:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER]`: the effective input is the
///   payload and the result is the function's response payload itself.
///
/// A function ARN (or `NAME:QUALIFIER`) in FunctionName is reduced to the name plus a
/// `Qualifier` query parameter, which is what a local endpoint keyed by function name needs.
///
/// Errors, named as AWS names them:
/// - A function error (`X-Amz-Function-Error` on the response): the payload's `errorType`
///   (`Lambda.Unknown` when it has none). The cause is the error payload: as the function wrote
///   it for a function ARN resource, re-serialized compactly for `lambda:invoke` (both as AWS
///   records them).
/// - A Lambda service error (non-2xx from the API): `Lambda.<x-amzn-ErrorType>`; without that
///   header 404 → `Lambda.ResourceNotFoundException`, 429 → `Lambda.TooManyRequestsException`,
///   5xx → `Lambda.ServiceException`, other 4xx → `Lambda.AWSLambdaException`. The cause reads
///   `<message> (Service: AWSLambda; Status Code: 404; Error Code: …; Request ID: …; Proxy: null)`.
/// - The endpoint unreachable or too slow: `Lambda.SdkClientException`.
public struct LambdaInvokeBackend: TaskBackend {
    public static let serviceResource = "arn:aws:states:::lambda:invoke"

    let endpoint: String
    let transport: HTTPTransport
    let requestTimeoutSeconds: Int

    /// - Parameters:
    ///   - endpoint: base URL, e.g. `http://127.0.0.1:3001` (a trailing `/` is dropped).
    ///   - requestTimeoutSeconds: the client's own limit on one invocation (Lambda's maximum
    ///     is 900 s); a state's TimeoutSeconds is enforced by the execution, not here.
    public init(endpoint: String, transport: HTTPTransport, requestTimeoutSeconds: Int = 930) {
        var e = endpoint
        while e.hasSuffix("/") { e.removeLast() }
        self.endpoint = e
        self.transport = transport
        self.requestTimeoutSeconds = requestTimeoutSeconds
    }

    /// Whether this backend runs Task states with `resource`: `arn:aws:states:::lambda:invoke`
    /// or a Lambda function ARN (`arn:PARTITION:lambda:REGION:ACCOUNT:function:NAME`).
    public static func handles(_ resource: String) -> Bool {
        resource == serviceResource || functionTarget(resource) != nil
    }

    /// Name and qualifier of a function ARN resource, or nil.
    static func functionTarget(_ resource: String) -> (name: String, qualifier: String?)? {
        let parts = resource.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count >= 7, parts[0] == "arn", parts[2] == "lambda", parts[5] == "function", !parts[6].isEmpty else { return nil }
        return (String(parts[6]), parts.count > 7 ? parts[7...].joined(separator: ":") : nil)
    }

    /// `name`, `name:qualifier`, `ACCOUNT:function:name[:q]` or a full function ARN.
    static func splitFunctionName(_ s: String) -> (name: String, qualifier: String?) {
        if let r = s.range(of: ":function:") {
            let rest = s[r.upperBound...].split(separator: ":", maxSplits: 1)
            return (rest.first.map(String.init) ?? "", rest.count > 1 ? String(rest[1]) : nil)
        }
        let p = s.split(separator: ":", maxSplits: 1)
        return (p.first.map(String.init) ?? s, p.count > 1 ? String(p[1]) : nil)
    }

    /// The Invoke call a task makes: path (encoded), query, headers and body, and whether the
    /// resource is a plain function ARN (its result is the payload) or `lambda:invoke`.
    public struct Plan: Sendable {
        public let path: String
        public let query: [(name: String, value: String)]
        public let headers: [(name: String, value: String)]
        public let body: [UInt8]
        public let functionArn: Bool
    }

    /// The Invoke call for `request` (shared by this backend and the SigV4-signed one).
    public static func plan(_ request: TaskRequest) -> Result<Plan, ASLError> {
        var name: String
        var qualifier: String?
        var headers: [(name: String, value: String)] = []
        let body: [UInt8]
        var resource = request.resource
        if resource.hasSuffix(".waitForTaskToken") { resource.removeLast(".waitForTaskToken".count) }
        let functionArn: Bool
        if let target = Self.functionTarget(resource) {
            functionArn = true
            (name, qualifier) = target
            body = request.given.serializedBytes
        } else if resource == Self.serviceResource {
            functionArn = false
            guard case .object(let p) = request.input else {
                return .failure(.runtime("lambda:invoke: the Parameters must be an object, got \(request.input.typeName)"))
            }
            guard case .string(let fn)? = p["FunctionName"], !fn.isEmpty else {
                return .failure(.runtime("lambda:invoke: FunctionName is required and must be a string"))
            }
            (name, qualifier) = Self.splitFunctionName(fn)
            if case .string(let q)? = p["Qualifier"] { qualifier = q }
            switch p["Payload"] {
            case nil: body = Array("{}".utf8)
            case .string(let s)?: body = Array(s.utf8)
            case let v?: body = v.serializedBytes
            }
            if case .string(let t)? = p["InvocationType"] { headers.append(("X-Amz-Invocation-Type", t)) }
            if case .string(let c)? = p["ClientContext"] { headers.append(("X-Amz-Client-Context", c)) }
            if case .string(let l)? = p["LogType"] { headers.append(("X-Amz-Log-Type", l)) }
        } else {
            return .failure(.runtime("No Lambda target in resource '\(request.resource)'"))
        }
        if !headers.contains(where: { $0.name == "X-Amz-Invocation-Type" }) { headers.append(("X-Amz-Invocation-Type", "RequestResponse")) }
        headers.append(("Content-Type", "application/json"))
        let query = qualifier.flatMap { $0.isEmpty ? nil : [(name: "Qualifier", value: $0)] } ?? []
        return .success(Plan(path: "/2015-03-31/functions/" + HTTPHelpers.percentEncode(name) + "/invocations",
                             query: query, headers: headers, body: body, functionArn: functionArn))
    }

    public func invoke(_ request: TaskRequest) -> TaskOutcome {
        let plan: Plan
        switch Self.plan(request) {
        case .failure(let e): return .failure(e)
        case .success(let p): plan = p
        }
        var url = endpoint + plan.path
        if !plan.query.isEmpty { url += "?" + plan.query.map { $0.name + "=" + HTTPHelpers.percentEncode($0.value) }.joined(separator: "&") }
        let completion = request.completion
        transport.send(url: url, method: "POST", headers: plan.headers, body: plan.body, timeoutSeconds: requestTimeoutSeconds) { result in
            completion.complete(Self.outcome(result, functionArn: plan.functionArn))
        }
        return .pending
    }

    /// The task's outcome from Invoke's reply: `lambda:invoke`'s response object (Payload,
    /// ExecutedVersion, StatusCode, the SDK metadata), a function ARN's payload, the function's
    /// error (its errorType, the error payload as cause), or `Lambda.<Code>` for the service's.
    public static func outcome(_ result: Result<HTTPReply, any Error>, functionArn: Bool) -> TaskOutcome {
        let reply: HTTPReply
        switch result {
        case .failure(let error):
            return .failure(ASLError(ErrorName("Lambda.SdkClientException"),
                                     "Unable to execute HTTP request: \(HTTPHelpers.describe(error))"))
        case .success(let r): reply = r
        }
        var headers = HTTPHeaders()
        for h in reply.headers { headers.add(name: h.name, value: h.value) }
        let status = reply.status
        let parsed = HTTPHelpers.parseJSON(reply.body)
        let text = String(decoding: reply.body, as: UTF8.self)
        guard (200..<300).contains(status) else { return .failure(serviceError(headers, status: status, parsed: parsed, text: text)) }

        if headers.first(name: "X-Amz-Function-Error") != nil {
            let errorType = parsed?["errorType"]?.stringValue ?? "Lambda.Unknown"
            let cause = functionArn ? text : (parsed?.serialized ?? text)
            return .failure(ASLError(ErrorName(errorType), cause))
        }
        let payload: JSON = reply.body.isEmpty ? (functionArn ? .null : .string("")) : (parsed ?? .string(text))
        guard !functionArn else { return .success(payload) }

        var out = JSONObject()
        if let v = headers.first(name: "X-Amz-Executed-Version") { out["ExecutedVersion"] = .string(v) }
        else if status == 200 { out["ExecutedVersion"] = "$LATEST" }
        if let log = headers.first(name: "X-Amz-Log-Result") { out["LogResult"] = .string(log) }
        out["Payload"] = payload
        out["SdkHttpMetadata"] = .object(JSONObject([
            ("AllHttpHeaders", .object(HTTPHelpers.headerLists(headers))),
            ("HttpHeaders", .object(HTTPHelpers.headerValues(headers))),
            ("HttpStatusCode", .number(JSONNumber(status))),
        ]))
        out["SdkResponseMetadata"] = .object(JSONObject([("RequestId", .string(requestID(headers)))]))
        out["StatusCode"] = .number(JSONNumber(status))
        return .success(.object(out))
    }

    static func requestID(_ headers: HTTPHeaders) -> String {
        headers.first(name: "x-amzn-RequestId") ?? UUID().uuidString.lowercased()
    }

    static func serviceError(_ headers: HTTPHeaders, status: Int, parsed: JSON?, text: String) -> ASLError {
        var code = headers.first(name: "x-amzn-ErrorType").map { String($0.split(separator: ":").first ?? "") } ?? ""
        if code.isEmpty, case .string(let t)? = parsed?["__type"] { code = String(t.split(separator: "#").last ?? "") }
        if code.isEmpty {
            code = switch status {
            case 404: "ResourceNotFoundException"
            case 429: "TooManyRequestsException"
            case 500...: "ServiceException"
            default: "AWSLambdaException"
            }
        }
        let message = parsed?["message"]?.stringValue ?? parsed?["Message"]?.stringValue
            ?? parsed?["errorMessage"]?.stringValue ?? (text.isEmpty ? HTTPResponseStatus(statusCode: status).reasonPhrase : text)
        let cause = "\(message) (Service: AWSLambda; Status Code: \(status); Error Code: \(code); Request ID: \(requestID(headers)); Proxy: null)"
        return ASLError(ErrorName("Lambda.\(code)"), cause)
    }
}
