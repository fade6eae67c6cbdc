import AsyncHTTPClient
import CortadoJSON
import CortadoPath
import CortadoRuntime
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

/// The one HTTP client that the HTTP task backends share: a small event-loop group (1–2
/// threads) does every request's I/O, so no thread is held per task. Create one, hand it to
/// `HTTPInvokeBackend` and `LambdaInvokeBackend`, and call `shutdown()` when the run is over.
public final class HTTPTransport: Sendable {
    let client: HTTPClient
    private let group: MultiThreadedEventLoopGroup

    /// - Parameters:
    ///   - threads: event-loop threads (clamped to 1...2).
    ///   - connectTimeoutSeconds: time to open a connection before the request fails as a
    ///     connection failure (`States.Http.Socket`, `Lambda.SdkClientException`). A refused
    ///     connection is retried until then, so this is also how long a down endpoint takes to fail.
    public init(threads: Int = 1, connectTimeoutSeconds: Int = 5) {
        group = MultiThreadedEventLoopGroup(numberOfThreads: min(max(threads, 1), 2))
        var config = HTTPClient.Configuration(timeout: .init(connect: .seconds(Int64(connectTimeoutSeconds))))
        config.redirectConfiguration = .follow(max: 5, allowCycles: false)
        config.decompression = .enabled(limit: .ratio(100))
        client = HTTPClient(eventLoopGroupProvider: .shared(group), configuration: config)
    }

    /// Closes idle connections and stops the event loops. Requests still in flight fail.
    /// Call once, from a thread that is not one of this transport's event loops.
    public func shutdown() {
        try? client.syncShutdown()
        try? group.syncShutdownGracefully()
    }

    /// One exchange, answered on an event-loop thread.
    struct Reply: Sendable {
        var status: HTTPResponseStatus
        var headers: HTTPHeaders
        var body: [UInt8]
    }

    func send(url: String, method: HTTPMethod, headers: HTTPHeaders, body: [UInt8]?, timeoutSeconds: Int,
              _ done: @escaping @Sendable (Result<Reply, any Error>) -> Void) {
        let request: HTTPClient.Request
        do {
            request = try HTTPClient.Request(url: url, method: method, headers: headers, body: body.map { .bytes($0) })
        } catch {
            done(.failure(error))
            return
        }
        client.execute(request: request, deadline: .now() + .seconds(Int64(timeoutSeconds))).whenComplete { result in
            done(result.map { r in
                Reply(status: r.status, headers: r.headers, body: r.body.map { Array($0.readableBytesView) } ?? [])
            })
        }
    }
}

/// Routes Task resources to the HTTP backends and everything else to `fallback` (a mock
/// config, handler registry, subprocess pool…). Either HTTP backend may be absent.
public struct HTTPTaskRouter: TaskBackend {
    public let http: HTTPInvokeBackend?
    public let lambda: LambdaInvokeBackend?
    public let fallback: any TaskBackend

    public init(http: HTTPInvokeBackend?, lambda: LambdaInvokeBackend?, fallback: any TaskBackend) {
        self.http = http; self.lambda = lambda; self.fallback = fallback
    }

    public func invoke(_ request: TaskRequest) -> TaskOutcome {
        if let http, HTTPInvokeBackend.handles(request.resource) { return http.invoke(request) }
        if let lambda, LambdaInvokeBackend.handles(request.resource) { return lambda.invoke(request) }
        return fallback.invoke(request)
    }
}

// MARK: - Shared helpers

extension JSON {
    /// A scalar as text for a header, query or form value (strings unquoted).
    var formText: String {
        switch self {
        case .string(let s): return s
        case .null: return "null"
        case .bool(let b): return b ? "true" : "false"
        case .number(let n): return n.literal
        case .array, .object: return serialized
        }
    }
}

enum HTTPHelpers {
    /// Headers as `{"Name": ["v1", "v2"]}`, names as received, repeated headers merged.
    static func headerLists(_ headers: HTTPHeaders) -> JSONObject {
        var out = JSONObject()
        for (name, value) in headers {
            if case .array(var a)? = out[name] { a.append(.string(value)); out[name] = .array(a) } else { out[name] = .array([.string(value)]) }
        }
        return out
    }

    /// Headers as `{"Name": "v1,v2"}` (the SDK's single-valued view).
    static func headerValues(_ headers: HTTPHeaders) -> JSONObject {
        var out = JSONObject()
        for (name, value) in headers {
            if case .string(let s)? = out[name] { out[name] = .string(s + "," + value) } else { out[name] = .string(value) }
        }
        return out
    }

    static func parseJSON(_ bytes: [UInt8]) -> JSON? { try? JSON.parse(bytes) }

    /// RFC 3986 unreserved characters stay; everything else is percent-encoded (UTF-8).
    static func percentEncode(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for b in s.utf8 {
            switch b {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."),
                 UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(b))
            default:
                let hex = Array("0123456789ABCDEF".utf8)
                out.unicodeScalars.append("%")
                out.unicodeScalars.append(Unicode.Scalar(hex[Int(b >> 4)]))
                out.unicodeScalars.append(Unicode.Scalar(hex[Int(b & 0xF)]))
            }
        }
        return out
    }

    /// A short description of a transport error for a Cause.
    static func describe(_ error: any Error) -> String {
        if let e = error as? HTTPClientError {
            switch e {
            case .deadlineExceeded: return "The request timed out."
            case .connectTimeout: return "Connect timed out."
            case .readTimeout: return "Read timed out."
            default: return String(describing: e)
            }
        }
        return String(describing: error)
    }
}

/// A reply as plain values (for clients outside this module, such as the AWS integrations).
public struct HTTPReply: Sendable {
    public var status: Int
    /// Header fields in the order received.
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]
    public init(status: Int, headers: [(name: String, value: String)], body: [UInt8]) {
        self.status = status; self.headers = headers; self.body = body
    }
}

extension HTTPTransport {
    /// One exchange with plain-value headers; `done` runs on an event-loop thread.
    public func send(url: String, method: String, headers: [(name: String, value: String)], body: [UInt8]?,
                     timeoutSeconds: Int, _ done: @escaping @Sendable (Result<HTTPReply, any Error>) -> Void) {
        var h = HTTPHeaders()
        for x in headers { h.add(name: x.name, value: x.value) }
        send(url: url, method: HTTPMethod(rawValue: method), headers: h, body: body, timeoutSeconds: timeoutSeconds) { r in
            done(r.map { HTTPReply(status: Int($0.status.code), headers: $0.headers.map { ($0.name, $0.value) }, body: $0.body) })
        }
    }
}
