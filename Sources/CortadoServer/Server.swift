import CortadoAWS
import CortadoRuntime
import CortadoService
import HTTPTypes
import Hummingbird
import Logging
import NIOCore

/// `cortado serve`: the `states` API over HTTP, AWS JSON 1.0 (POST /, `X-Amz-Target:
/// AWSStepFunctions.<Action>`, `application/x-amz-json-1.0`). Everything else is in
/// `StatesService`; this file only moves bytes.
public enum StatesServer {
    /// The largest request body read (a definition may be 1 MiB; inputs 256 KiB).
    public static let maxRequestBytes = 4 << 20

    /// Runs until SIGINT/SIGTERM. `onListening` is called once the port is bound (with the
    /// port actually bound, which matters for port 0).
    /// - Parameter verifier: when set (`--auth FILE`), every request must carry a valid SigV4
    ///   signature of one of its keys; others are refused as AWS refuses them.
    public static func run(service: StatesService, host: String, port: Int, verifier: SigV4Verifier? = nil,
                           onListening: @escaping @Sendable (Int) -> Void = { _ in }) async throws {
        let router = Router()
        router.post("/") { request, _ -> Response in
            await respond(to: request, service: service, verifier: verifier)
        }
        // Some clients post to the path of the operation or with a trailing path; accept any.
        router.post("**") { request, _ -> Response in
            await respond(to: request, service: service, verifier: verifier)
        }
        var logger = Logger(label: "cortado.serve")
        logger.logLevel = .warning
        let app = Application(
            router: router,
            configuration: .init(address: .hostname(host, port: port), serverName: "cortado"),
            onServerRunning: { channel in onListening(channel.localAddress?.port ?? port) },
            logger: logger)
        try await app.runService()
    }

    static func respond(to request: Request, service: StatesService, verifier: SigV4Verifier?) async -> Response {
        // NOTE: botocore puts StartSyncExecution on host `sync-<endpoint host>`; the host is
        // never looked at here, so such requests are served like any other.
        let target = request.headers[HTTPField.Name("X-Amz-Target")!] ?? ""
        var request = request
        let reply: APIResponse
        do {
            let buffer = try await request.collectBody(upTo: maxRequestBytes)
            let body = Array(buffer.readableBytesView)
            if let verifier, let refused = verifier.check(
                method: request.method.rawValue, path: request.uri.path, query: request.uri.query ?? "",
                // NOTE: HTTP/1's Host header is the request's authority in HTTPTypes, not a field.
                headers: request.headers.map { ($0.name.rawName, $0.value) } + (request.head.authority.map { [("host", $0)] } ?? []),
                body: body, now: wallClockMilliseconds() / 1000) {
                reply = APIResponse(error: APIError(refused.code, refused.message, status: 403))
            } else {
                reply = await service.handle(target: target, body: body)
            }
        } catch {
            reply = APIResponse(error: APIError("RequestEntityTooLargeException",
                "The request is larger than \(maxRequestBytes) bytes.", status: 413))
        }
        var headers = HTTPFields()
        headers[.contentType] = "application/x-amz-json-1.0"
        headers[HTTPField.Name("x-amzn-RequestId")!] = reply.requestID
        if let code = reply.errorCode { headers[HTTPField.Name("x-amzn-ErrorType")!] = code }
        return Response(status: .init(code: reply.status), headers: headers,
                        body: .init(byteBuffer: ByteBuffer(bytes: reply.body)))
    }
}
