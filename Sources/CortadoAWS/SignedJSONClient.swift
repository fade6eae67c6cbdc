import CortadoHTTP
import CortadoRuntime

/// Calls of an AWS JSON API (`X-Amz-Target`) at one endpoint, signed with SigV4 when given
/// credentials: how `cortado load` drives `cortado serve` or AWS Step Functions itself.
public struct SignedJSONClient: Sendable {
    let endpoint: String
    let transport: HTTPTransport
    let signing: (credentials: AWSCredentials, region: String, service: String)?

    public init(endpoint: String, transport: HTTPTransport, signing: (credentials: AWSCredentials, region: String, service: String)?) {
        self.endpoint = endpoint; self.transport = transport; self.signing = signing
    }

    /// One call; `done` runs on an event-loop thread.
    public func call(target: String, body: [UInt8], jsonVersion: String = "1.0", timeoutSeconds: Int,
                     _ done: @escaping @Sendable (Result<HTTPReply, any Error>) -> Void) {
        guard var r = AWSServiceClient.request(base: endpoint) else {
            done(.failure(SignedJSONClientError(description: "'\(endpoint)' is not a URL")))
            return
        }
        r.headers = [("Content-Type", "application/x-amz-json-\(jsonVersion)"), ("X-Amz-Target", target)]
        r.body = body
        if let s = signing {
            SigV4.sign(&r, service: s.service, region: s.region, credentials: s.credentials, epochSeconds: wallClockMilliseconds() / 1000)
        }
        transport.send(url: r.url, method: "POST", headers: r.headers, body: r.body, timeoutSeconds: timeoutSeconds, done)
    }
}

struct SignedJSONClientError: Error, CustomStringConvertible { let description: String }
