import Dispatch
import NIOHTTP1

/// A blocking client for one call of an AWS JSON 1.0 API (`cortado send-task-success`
/// and friends talking to `cortado serve`).
public enum AWSJSONClient {
    public struct Reply: Sendable {
        public let status: Int
        public let body: [UInt8]
    }

    /// POSTs `body` to `endpoint` with `X-Amz-Target: <target>`; throws when the endpoint
    /// cannot be reached.
    public static func call(endpoint: String, target: String, body: [UInt8], timeoutSeconds: Int = 30) throws -> Reply {
        let transport = HTTPTransport(threads: 1, connectTimeoutSeconds: 5)
        defer { transport.shutdown() }
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "application/x-amz-json-1.0")
        headers.add(name: "X-Amz-Target", value: target)
        let done = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var result: Result<HTTPTransport.Reply, any Error>?
        transport.send(url: endpoint, method: .POST, headers: headers, body: body, timeoutSeconds: timeoutSeconds) { r in
            result = r
            done.signal()
        }
        done.wait()
        let reply = try result!.get()
        return Reply(status: Int(reply.status.code), body: reply.body)
    }
}
