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

    public func invoke(_ request: TaskRequest) -> TaskOutcome {
        let style: Style
        var name: String
        var qualifier: String?
        var headers = HTTPHeaders()
        let body: [UInt8]
        if let target = Self.functionTarget(request.resource) {
            style = .functionArn
            (name, qualifier) = target
            body = request.input.serializedBytes
        } else if request.resource == Self.serviceResource {
            style = .service
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
            if case .string(let t)? = p["InvocationType"] { headers.add(name: "X-Amz-Invocation-Type", value: t) }
            if case .string(let c)? = p["ClientContext"] { headers.add(name: "X-Amz-Client-Context", value: c) }
            if case .string(let l)? = p["LogType"] { headers.add(name: "X-Amz-Log-Type", value: l) }
        } else {
            return .failure(.runtime("No Lambda target in resource '\(request.resource)'"))
        }
        if headers.first(name: "X-Amz-Invocation-Type") == nil { headers.add(name: "X-Amz-Invocation-Type", value: "RequestResponse") }
        headers.add(name: "Content-Type", value: "application/json")
        var url = endpoint + "/2015-03-31/functions/" + HTTPHelpers.percentEncode(name) + "/invocations"
        if let q = qualifier, !q.isEmpty { url += "?Qualifier=" + HTTPHelpers.percentEncode(q) }
        let completion = request.completion
        transport.send(url: url, method: .POST, headers: headers, body: body, timeoutSeconds: requestTimeoutSeconds) { result in
            completion.complete(Self.outcome(result, style: style))
        }
        return .pending
    }

    enum Style { case service, functionArn }

    static func outcome(_ result: Result<HTTPTransport.Reply, any Error>, style: Style) -> TaskOutcome {
        let reply: HTTPTransport.Reply
        switch result {
        case .failure(let error):
            return .failure(ASLError(ErrorName("Lambda.SdkClientException"),
                                     "Unable to execute HTTP request: \(HTTPHelpers.describe(error))"))
        case .success(let r): reply = r
        }
        let status = Int(reply.status.code)
        let parsed = HTTPHelpers.parseJSON(reply.body)
        let text = String(decoding: reply.body, as: UTF8.self)
        guard (200..<300).contains(status) else { return .failure(serviceError(reply, status: status, parsed: parsed, text: text)) }

        if reply.headers.first(name: "X-Amz-Function-Error") != nil {
            let errorType = parsed?["errorType"]?.stringValue ?? "Lambda.Unknown"
            let cause = style == .service ? (parsed?.serialized ?? text) : text
            return .failure(ASLError(ErrorName(errorType), cause))
        }
        let payload: JSON = reply.body.isEmpty ? (style == .service ? .string("") : .null) : (parsed ?? .string(text))
        guard style == .service else { return .success(payload) }

        var out = JSONObject()
        if let v = reply.headers.first(name: "X-Amz-Executed-Version") { out["ExecutedVersion"] = .string(v) }
        else if status == 200 { out["ExecutedVersion"] = "$LATEST" }
        if let log = reply.headers.first(name: "X-Amz-Log-Result") { out["LogResult"] = .string(log) }
        out["Payload"] = payload
        out["SdkHttpMetadata"] = .object(JSONObject([
            ("AllHttpHeaders", .object(HTTPHelpers.headerLists(reply.headers))),
            ("HttpHeaders", .object(HTTPHelpers.headerValues(reply.headers))),
            ("HttpStatusCode", .number(JSONNumber(status))),
        ]))
        out["SdkResponseMetadata"] = .object(JSONObject([("RequestId", .string(requestID(reply.headers)))]))
        out["StatusCode"] = .number(JSONNumber(status))
        return .success(.object(out))
    }

    static func requestID(_ headers: HTTPHeaders) -> String {
        headers.first(name: "x-amzn-RequestId") ?? UUID().uuidString.lowercased()
    }

    static func serviceError(_ reply: HTTPTransport.Reply, status: Int, parsed: JSON?, text: String) -> ASLError {
        var code = reply.headers.first(name: "x-amzn-ErrorType").map { String($0.split(separator: ":").first ?? "") } ?? ""
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
            ?? parsed?["errorMessage"]?.stringValue ?? (text.isEmpty ? reply.status.reasonPhrase : text)
        let cause = "\(message) (Service: AWSLambda; Status Code: \(status); Error Code: \(code); Request ID: \(requestID(reply.headers)); Proxy: null)"
        return ASLError(ErrorName("Lambda.\(code)"), cause)
    }
}
