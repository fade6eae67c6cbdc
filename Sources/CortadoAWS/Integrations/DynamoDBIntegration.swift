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
public struct DynamoDBIntegration: TaskBackend, AWSIntegration {
    public static let operations = ["getItem", "putItem", "updateItem", "deleteItem"]
    static let prefix = "arn:aws:states:::dynamodb:"

    let client: AWSServiceClient

    public static let service = (endpointPrefix: "dynamodb", envName: "DYNAMODB")

    public init(client: AWSServiceClient) { self.client = client }

    /// Whether `resource` is one of the integration's four operations.
    public static func handles(_ resource: String) -> Bool {
        resource.hasPrefix(prefix) && operations.contains(String(resource.dropFirst(prefix.count)))
    }

    public func invoke(_ request: TaskRequest) -> TaskOutcome {
        let op = String(request.resource.dropFirst(Self.prefix.count))
        guard Self.operations.contains(op) else {
            return .failure(ASLError(.runtime, "The resource '\(request.resource)' is not a DynamoDB operation Step Functions integrates (\(Self.operations.joined(separator: ", ")))."))
        }
        let completion = request.completion
        let refused = client.post(contentType: "application/x-amz-json-1.0", target: "DynamoDB_20120810." + op.prefix(1).uppercased() + op.dropFirst(),
                                  body: request.given.serializedBytes) { completion.complete(Self.outcome($0)) }
        return refused.map { .failure($0) } ?? .pending
    }

    static func outcome(_ r: Result<HTTPReply, any Error>) -> TaskOutcome {
        switch r {
        case .failure(let e): return .failure(AWSServiceClient.unreachable(e, service: "AmazonDynamoDBv2"))
        case .success(let reply):
            let parsed = (try? JSON.parse(reply.body)) ?? .object(JSONObject())
            guard (200..<300).contains(reply.status) else { return .failure(error(reply.status, parsed, AWSServiceClient.requestId(reply))) }
            if case .object(let o) = parsed { return .success(AWSServiceClient.withMetadata(o, reply)) }
            return .success(AWSServiceClient.withMetadata(JSONObject(), reply))
        }
    }

    /// `DynamoDB.<Exception>` (a ValidationException is `DynamoDB.AmazonDynamoDBException`),
    /// with the cause the Java SDK words: `<message> (Service: AmazonDynamoDBv2; Status Code:
    /// 400; Error Code: <code>; Request ID: <id>; Proxy: null)`.
    static func error(_ status: Int, _ body: JSON, _ requestId: String) -> ASLError {
        let (code, message) = AWSServiceClient.jsonError(body, defaultCode: "AmazonDynamoDBException")
        let name = code == "ValidationException" || code == "SerializationException" ? "AmazonDynamoDBException" : code
        return ASLError(ErrorName("DynamoDB." + name),
                        AWSServiceClient.cause(message, service: "AmazonDynamoDBv2", status: status, code: code, requestId: requestId))
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
