import CortadoAWSModels
import CortadoHTTP
import CortadoJSON
import CortadoPath
import CortadoRuntime
import Synchronization

/// `arn:aws:states:::aws-sdk:<service>:<action>` for the services with a generated model
/// (AWSModels: DynamoDB, Step Functions, Secrets Manager, EventBridge and SQS over the JSON
/// protocols; SNS over query, Lambda over REST-JSON, S3 over REST-XML, AWSProtocols.swift):
/// Parameters in PascalCase are renamed to the API's members, the output is
/// PascalCased with no SDK metadata, and errors are `<Client>.<Name>Exception` (unmodeled ones
/// `<Client>.<Client>Exception`) with the Java SDK v2's cause, as Step Functions reports them.
public final class AWSSDKIntegration: TaskBackend, @unchecked Sendable {
    static let prefix = "arn:aws:states:::aws-sdk:"
    let environment: AWSEnvironment
    let transport: HTTPTransport
    let clock: @Sendable () -> Int64
    private let clients = Mutex<[String: AWSServiceClient]>([:])

    public init(environment: AWSEnvironment, transport: HTTPTransport,
                clock: @escaping @Sendable () -> Int64 = { wallClockMilliseconds() / 1000 }) {
        self.environment = environment; self.transport = transport; self.clock = clock
    }

    /// The service and operation of an aws-sdk resource, when a model has them.
    public static func resolve(_ resource: String) -> (AWSModels.Service, String)? {
        guard resource.hasPrefix(prefix) else { return nil }
        let parts = resource.dropFirst(prefix.count).split(separator: ":")
        guard parts.count == 2, let s = AWSModels.service(String(parts[0])), let op = s.operation(String(parts[1])) else { return nil }
        return (s, op)
    }

    public func invoke(_ request: TaskRequest) -> TaskOutcome {
        guard let (service, op) = Self.resolve(request.resource) else {
            return .failure(ASLError(.runtime, "The resource '\(request.resource)' names a service or action Cortado has no model of (aws-sdk services so far: \(AWSModels.services.keys.sorted().joined(separator: ", ")))."))
        }
        let client = clients.withLock { c -> AWSServiceClient in
            if let x = c[service.name] { return x }
            let x = AWSServiceClient(service: service.endpointPrefix, envName: service.envName, environment: environment,
                                     transport: transport, maxInFlight: 64, clock: clock, signingName: service.signingName)
            c[service.name] = x
            return x
        }
        let (input, output) = service.operations[op]!
        let body = service.request(request.input, shape: input)
        let completion = request.completion
        if service.wireProtocol != "json" {
            // S3's object calls keep their own integration (Body as text, metadata headers).
            let action = String(request.resource.split(separator: ":").last ?? "")
            if service.name == "s3", S3Integration.actions.contains(action) {
                return S3Integration(client: client).invoke(request)
            }
            let wire = service.wireRequest(op, body)
            let refused = client.send(method: wire.method, path: wire.path, query: wire.query, headers: wire.headers,
                                      body: wire.body, s3: service.name == "s3") { r in
                completion.complete(Self.outcome(r, service: service, op: op, output: output))
            }
            return refused.map { .failure($0) } ?? .pending
        }
        let refused = client.post(contentType: "application/x-amz-json-\(service.jsonVersion)", target: "\(service.target).\(op)",
                                  body: body.serializedBytes) { r in
            completion.complete(Self.outcome(r, service: service, op: op, output: output))
        }
        return refused.map { .failure($0) } ?? .pending
    }

    /// A reply as the task's outcome: the output shape PascalCased, or the service's error.
    static func outcome(_ r: Result<HTTPReply, any Error>, service: AWSModels.Service, op: String, output: String) -> TaskOutcome {
        switch r {
        case .failure(let e): return .failure(AWSServiceClient.unreachable(e, service: service.client))
        case .success(let reply):
            guard (200..<300).contains(reply.status) else { return .failure(failure(reply, service: service)) }
            if service.wireProtocol == "json" {
                return .success(service.response((try? JSON.parse(reply.body)) ?? .object(JSONObject()), shape: output))
            }
            return .success(service.response(service.wireResponse(op, reply), shape: output))
        }
    }

    /// A service's error as Step Functions reports an aws-sdk task's: `<Client>.<Name>Exception`
    /// (unmodeled codes `<Client>.<Client>Exception`) with the Java SDK v2's cause, S3's with its
    /// Extended Request ID (recorded).
    static func failure(_ reply: HTTPReply, service: AWSModels.Service) -> ASLError {
        let e = service.wireError(reply)
        var cause = "\(e.message) (Service: \(service.client), Status Code: \(reply.status), Request ID: \(e.requestId)"
        if let x = e.extended { cause += ", Extended Request ID: \(x)" }
        return ASLError(ErrorName(service.errorName(e.code)), cause + ")")
    }
}
