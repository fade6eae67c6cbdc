import AsyncHTTPClient
import CortadoJSON
import CortadoPath
import CortadoRuntime
import Foundation
import NIOCore
import NIOHTTP1

/// The HTTP Task, `arn:aws:states:::http:invoke` (AWS: "Call HTTPS APIs in Step Functions
/// workflows"). The state's Parameters (its effective input) name the request:
///
/// - `ApiEndpoint` (required): the URL. AWS accepts only `https://`; Cortado also accepts
///   `http://`, since it runs against local servers (a stub, a container on localhost).
/// - `Method` (required): GET, POST, PUT, DELETE, PATCH, OPTIONS or HEAD.
/// - `Headers`, `QueryParameters`: objects; array values repeat the header or query key.
/// - `RequestBody`: a string is sent as it is, any other JSON value serialized
///   (`Content-Type: application/json; charset=UTF-8` unless Headers set one).
/// - `Transform`: `{"RequestBodyEncoding": "URL_ENCODED", "RequestEncodingOptions":
///   {"ArrayFormat": "INDICES" | "REPEAT" | "COMMAS" | "BRACKETS"}}` sends an object body as
///   `application/x-www-form-urlencoded` (INDICES is the default).
/// - `Authentication` / `InvocationConfig` (EventBridge connections) are accepted and ignored:
///   there are no connections locally; put credentials in `Headers` instead.
///
/// The result is `{"Headers": {name: [values]}, "ResponseBody": …, "StatusCode": 200,
/// "StatusText": "OK"}`; ResponseBody is parsed when the response is JSON (by Content-Type, or
/// by parsing when there is none), else the text. A non-2xx status fails the task with
/// `States.Http.StatusCode.<code>`, its cause being that same result object serialized. A
/// connection failure or a response slower than `requestTimeoutSeconds` fails with
/// `States.Http.Socket` (AWS documents a 60-second limit on the HTTP call).
public struct HTTPInvokeBackend: TaskBackend {
    public static let resource = "arn:aws:states:::http:invoke"

    let transport: HTTPTransport
    let requestTimeoutSeconds: Int

    public init(transport: HTTPTransport, requestTimeoutSeconds: Int = 60) {
        self.transport = transport
        self.requestTimeoutSeconds = requestTimeoutSeconds
    }

    /// Whether this backend runs Task states with `resource`.
    public static func handles(_ resource: String) -> Bool { resource == Self.resource }

    public func invoke(_ request: TaskRequest) -> TaskOutcome {
        let spec: Spec
        switch Spec.parse(request.input) {
        case .success(let s): spec = s
        case .failure(let e): return .failure(e)
        }
        let completion = request.completion
        transport.send(url: spec.url, method: spec.method, headers: spec.headers, body: spec.body,
                       timeoutSeconds: requestTimeoutSeconds) { result in
            completion.complete(Self.outcome(result))
        }
        return .pending
    }

    static func outcome(_ result: Result<HTTPTransport.Reply, any Error>) -> TaskOutcome {
        switch result {
        case .failure(let error):
            return .failure(ASLError(ErrorName("States.Http.Socket"), HTTPHelpers.describe(error)))
        case .success(let reply):
            let output = Self.output(reply)
            let code = Int(reply.status.code)
            if (200..<300).contains(code) { return .success(output) }
            return .failure(ASLError(ErrorName("States.Http.StatusCode.\(code)"), output.serialized))
        }
    }

    static func output(_ reply: HTTPTransport.Reply) -> JSON {
        let text = String(decoding: reply.body, as: UTF8.self)
        var body: JSON = .string(text)
        let contentType = reply.headers.first(name: "Content-Type")?.lowercased()
        let looksJSON = contentType.map { ct in
            let media = ct.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
            return media == "application/json" || media.hasSuffix("+json")
        } ?? !reply.body.isEmpty
        if looksJSON, let parsed = HTTPHelpers.parseJSON(reply.body) { body = parsed }
        return .object(JSONObject([
            ("Headers", .object(HTTPHelpers.headerLists(reply.headers))),
            ("ResponseBody", body),
            ("StatusCode", .number(JSONNumber(Int(reply.status.code)))),
            ("StatusText", .string(reply.status.reasonPhrase)),
        ]))
    }

    /// A parsed, validated request.
    struct Spec {
        var url: String
        var method: HTTPMethod
        var headers: HTTPHeaders
        var body: [UInt8]?

        static let methods = ["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD"]

        static func parse(_ input: JSON) -> Result<Spec, ASLError> {
            func bad(_ why: String) -> Result<Spec, ASLError> { .failure(.runtime("http:invoke: \(why)")) }
            guard case .object(let p) = input else { return bad("the Parameters must be an object, got \(input.typeName)") }
            guard case .string(let endpoint)? = p["ApiEndpoint"] else { return bad("ApiEndpoint is required and must be a string") }
            let lower = endpoint.lowercased()
            guard lower.hasPrefix("https://") || lower.hasPrefix("http://") else {
                return bad("ApiEndpoint must be an http:// or https:// URL, got '\(endpoint)'")
            }
            guard case .string(let m)? = p["Method"], methods.contains(m.uppercased()) else {
                return bad("Method is required and must be one of \(methods.joined(separator: ", "))")
            }
            var headers = HTTPHeaders()
            if let h = p["Headers"], !h.isNull {
                guard case .object(let ho) = h else { return bad("Headers must be an object") }
                for (k, v) in ho {
                    if case .array(let items) = v { for i in items { headers.add(name: k, value: i.formText) } }
                    else { headers.add(name: k, value: v.formText) }
                }
            }
            var url = endpoint
            if let q = p["QueryParameters"], !q.isNull {
                guard case .object(let qo) = q else { return bad("QueryParameters must be an object") }
                var pairs: [String] = []
                for (k, v) in qo {
                    let values: [JSON] = if case .array(let a) = v { a } else { [v] }
                    for item in values { pairs.append(HTTPHelpers.percentEncode(k) + "=" + HTTPHelpers.percentEncode(item.formText)) }
                }
                if !pairs.isEmpty { url += (url.contains("?") ? "&" : "?") + pairs.joined(separator: "&") }
            }
            var body: [UInt8]?
            var defaultType: String?
            if let b = p["RequestBody"], !b.isNull {
                var form = false
                var arrayFormat = "INDICES"
                if case .object(let t)? = p["Transform"] {
                    if case .string(let enc)? = t["RequestBodyEncoding"] {
                        switch enc {
                        case "URL_ENCODED": form = true
                        case "NONE": break
                        default: return bad("unsupported RequestBodyEncoding '\(enc)'")
                        }
                    }
                    if case .object(let o)? = t["RequestEncodingOptions"], case .string(let f)? = o["ArrayFormat"] {
                        guard ["INDICES", "REPEAT", "COMMAS", "BRACKETS"].contains(f) else { return bad("unsupported ArrayFormat '\(f)'") }
                        arrayFormat = f
                    }
                }
                switch b {
                case .string(let s):
                    body = Array(s.utf8)
                    defaultType = form ? "application/x-www-form-urlencoded" : "application/json; charset=UTF-8"
                case .object(let o) where form:
                    var pairs: [String] = []
                    formEncode(o, prefix: nil, arrayFormat: arrayFormat, into: &pairs)
                    body = Array(pairs.joined(separator: "&").utf8)
                    defaultType = "application/x-www-form-urlencoded"
                default:
                    body = b.serializedBytes
                    defaultType = "application/json; charset=UTF-8"
                }
            }
            if let t = defaultType, !headers.contains(name: "Content-Type") { headers.add(name: "Content-Type", value: t) }
            return .success(Spec(url: url, method: HTTPMethod(rawValue: m.uppercased()), headers: headers, body: body))
        }

        /// `a[b]=c` for nested objects; arrays in the chosen ArrayFormat.
        static func formEncode(_ o: JSONObject, prefix: String?, arrayFormat: String, into pairs: inout [String]) {
            for (k, v) in o {
                let key = prefix.map { "\($0)[\(k)]" } ?? k
                formEncodeValue(v, key: key, arrayFormat: arrayFormat, into: &pairs)
            }
        }

        static func formEncodeValue(_ v: JSON, key: String, arrayFormat: String, into pairs: inout [String]) {
            switch v {
            case .object(let inner):
                formEncode(inner, prefix: key, arrayFormat: arrayFormat, into: &pairs)
            case .array(let items):
                switch arrayFormat {
                case "COMMAS":
                    pairs.append(encodeKey(key) + "=" + items.map { HTTPHelpers.percentEncode($0.formText) }.joined(separator: ","))
                case "REPEAT":
                    for i in items { formEncodeValue(i, key: key, arrayFormat: arrayFormat, into: &pairs) }
                case "BRACKETS":
                    for i in items { formEncodeValue(i, key: key + "[]", arrayFormat: arrayFormat, into: &pairs) }
                default:
                    for (n, i) in items.enumerated() { formEncodeValue(i, key: "\(key)[\(n)]", arrayFormat: arrayFormat, into: &pairs) }
                }
            default:
                pairs.append(encodeKey(key) + "=" + HTTPHelpers.percentEncode(v.formText))
            }
        }

        /// Percent-encodes a key but keeps the `[` `]` that the encoding itself added readable.
        static func encodeKey(_ key: String) -> String {
            HTTPHelpers.percentEncode(key).replacingOccurrences(of: "%5B", with: "[").replacingOccurrences(of: "%5D", with: "]")
        }
    }
}
