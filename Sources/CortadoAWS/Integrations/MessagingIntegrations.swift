import CortadoHTTP
import CortadoJSON
import CortadoPath
import CortadoRuntime

/// `arn:aws:states:::sqs:sendMessage` (and `.waitForTaskToken`): SQS's JSON protocol. A
/// MessageBody given as JSON is sent as its text, as Step Functions does; the output is
/// SQS's answer plus the SDK metadata.
public struct SQSIntegration: TaskBackend, AWSIntegration {
    let client: AWSServiceClient

    public static let service = (endpointPrefix: "sqs", envName: "SQS")

    public init(client: AWSServiceClient) { self.client = client }

    public func invoke(_ request: TaskRequest) -> TaskOutcome {
        guard case .object(var p) = request.input else { return .failure(ASLError(.runtime, "sqs:sendMessage: the Parameters must be an object")) }
        if let body = p["MessageBody"], body.stringValue == nil { p["MessageBody"] = .string(body.serialized) }
        let completion = request.completion
        let refused = client.post(contentType: "application/x-amz-json-1.0", target: "AmazonSQS.SendMessage",
                                  body: JSON.object(p).serializedBytes) { r in
            completion.complete(Integrations.jsonOutcome(r, error: { status, body, rid in
                let (code, message) = AWSServiceClient.jsonError(body, defaultCode: "AmazonSQSException")
                return ASLError(ErrorName("SQS.AmazonSQSException"),
                                AWSServiceClient.cause(message, service: "AmazonSQS", status: status, code: code, requestId: rid))
            }, service: "AmazonSQS", metadata: true))
        }
        return refused.map { .failure($0) } ?? .pending
    }
}

/// `arn:aws:states:::sns:publish` (and `.waitForTaskToken`): SNS's query protocol. A Message
/// given as JSON is sent as its text; MessageAttributes are flattened as the API expects.
public struct SNSIntegration: TaskBackend, AWSIntegration {
    let client: AWSServiceClient

    public static let service = (endpointPrefix: "sns", envName: "SNS")

    public init(client: AWSServiceClient) { self.client = client }

    public func invoke(_ request: TaskRequest) -> TaskOutcome {
        guard case .object(let p) = request.input else { return .failure(ASLError(.runtime, "sns:publish: the Parameters must be an object")) }
        let completion = request.completion
        let refused = client.post(contentType: "application/x-www-form-urlencoded; charset=utf-8", target: nil,
                                  body: Array(Self.form(p).utf8)) { r in completion.complete(Self.outcome(r)) }
        return refused.map { .failure($0) } ?? .pending
    }

    /// `Action=Publish&Version=2010-03-31&TopicArn=...&Message=...`, attributes as
    /// `MessageAttributes.entry.N.Name/Value.DataType/Value.StringValue`.
    static func form(_ p: JSONObject) -> String {
        var fields: [(String, String)] = [("Action", "Publish"), ("Version", "2010-03-31")]
        for (k, v) in p.members {
            if k == "MessageAttributes", case .object(let attrs) = v {
                for (i, a) in attrs.members.enumerated() {
                    let prefix = "MessageAttributes.entry.\(i + 1)."
                    fields.append((prefix + "Name", a.key))
                    for (ak, av) in (a.value.objectValue?.members ?? []) { fields.append((prefix + "Value." + ak, av.stringValue ?? av.serialized)) }
                }
            } else {
                fields.append((k, v.stringValue ?? v.serialized))
            }
        }
        return fields.map { SigV4.encode($0.0) + "=" + SigV4.encode($0.1) }.joined(separator: "&")
    }

    static func outcome(_ r: Result<HTTPReply, any Error>) -> TaskOutcome {
        switch r {
        case .failure(let e): return .failure(AWSServiceClient.unreachable(e, service: "AmazonSNS"))
        case .success(let reply):
            let xml = String(decoding: reply.body, as: UTF8.self)
            let rid = Integrations.xmlValue(xml, "RequestId") ?? AWSServiceClient.requestId(reply)
            guard (200..<300).contains(reply.status) else {
                let code = Integrations.xmlValue(xml, "Code") ?? "AmazonSNSException"
                return .failure(ASLError(ErrorName("SNS." + AWSServiceClient.exceptionName(code)), AWSServiceClient.cause(
                    Integrations.xmlValue(xml, "Message") ?? "Service error", service: "AmazonSNS", status: reply.status, code: code, requestId: rid)))
            }
            var out = JSONObject()
            if let id = Integrations.xmlValue(xml, "MessageId") { out["MessageId"] = .string(id) }
            if let seq = Integrations.xmlValue(xml, "SequenceNumber") { out["SequenceNumber"] = .string(seq) }
            var with = reply
            if !with.headers.contains(where: { $0.name.lowercased() == "x-amzn-requestid" }) { with.headers.append(("x-amzn-RequestId", rid)) }
            return .success(AWSServiceClient.withMetadata(out, with))
        }
    }
}

/// `arn:aws:states:::events:putEvents` (and `.waitForTaskToken`): EventBridge's JSON 1.1
/// protocol. A Detail given as JSON is sent as its text and the execution's and state
/// machine's ARNs are added to each entry's Resources, as Step Functions does; an entry that
/// failed fails the task with `EventBridge.FailedEntry` and the response as its cause.
public struct EventBridgeIntegration: TaskBackend, AWSIntegration {
    let client: AWSServiceClient

    public static let service = (endpointPrefix: "events", envName: "EVENTBRIDGE")

    public init(client: AWSServiceClient) { self.client = client }

    public func invoke(_ request: TaskRequest) -> TaskOutcome {
        guard case .object(var p) = request.input, let entries = p["Entries"]?.arrayValue else {
            return .failure(ASLError(.runtime, "events:putEvents: the Parameters need an Entries array"))
        }
        let arns = Self.arns(request.executionArn)
        p["Entries"] = .array(entries.map { e in
            guard case .object(var o) = e else { return e }
            if let d = o["Detail"], d.stringValue == nil { o["Detail"] = .string(d.serialized) }
            o["Resources"] = .array((o["Resources"]?.arrayValue ?? []) + arns.map { .string($0) })
            return .object(o)
        })
        let completion = request.completion
        let refused = client.post(contentType: "application/x-amz-json-1.1", target: "AWSEvents.PutEvents",
                                  body: JSON.object(p).serializedBytes) { r in
            let outcome = Integrations.jsonOutcome(r, error: { status, body, rid in
                let (code, message) = AWSServiceClient.jsonError(body, defaultCode: "EventBridgeException")
                return ASLError(ErrorName("EventBridge." + AWSServiceClient.exceptionName(code)),
                                AWSServiceClient.cause(message, service: "EventBridge", status: status, code: code, requestId: rid))
            }, service: "EventBridge", metadata: false)
            if case .success(let out) = outcome, let failed = out["FailedEntryCount"]?.numberValue?.int, failed > 0 {
                completion.complete(.failure(ASLError(ErrorName("EventBridge.FailedEntry"), out.serialized)))
            } else {
                completion.complete(outcome)
            }
        }
        return refused.map { .failure($0) } ?? .pending
    }

    /// The execution's ARN and its state machine's (`...:execution:SM:name` → `...:stateMachine:SM`).
    static func arns(_ execution: String) -> [String] {
        guard !execution.isEmpty else { return [] }
        let parts = execution.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count >= 8 else { return [execution] }
        let machine = (parts[0..<5] + ["stateMachine", parts[6]]).joined(separator: ":")
        return [execution, machine]
    }
}

/// Shared by the integrations: JSON replies and the few XML values of query-protocol replies.
enum Integrations {
    static func jsonOutcome(_ r: Result<HTTPReply, any Error>, error: (Int, JSON, String) -> ASLError, service: String,
                            metadata: Bool) -> TaskOutcome {
        switch r {
        case .failure(let e): return .failure(AWSServiceClient.unreachable(e, service: service))
        case .success(let reply):
            let parsed = (try? JSON.parse(reply.body)) ?? .object(JSONObject())
            guard (200..<300).contains(reply.status) else { return .failure(error(reply.status, parsed, AWSServiceClient.requestId(reply))) }
            let body: JSONObject
            if case .object(let o) = parsed { body = o } else { body = JSONObject() }
            return .success(metadata ? AWSServiceClient.withMetadata(body, reply) : .object(body))
        }
    }

    /// The text of the first `<name>` element (entities decoded).
    static func xmlValue(_ xml: String, _ name: String) -> String? {
        guard let open = xml.firstRange(of: "<\(name)>"), let close = xml[open.upperBound...].firstRange(of: "</\(name)>") else { return nil }
        return String(xml[open.upperBound..<close.lowerBound])
            .replacingOccurrences("&lt;", "<").replacingOccurrences("&gt;", ">").replacingOccurrences("&quot;", "\"")
            .replacingOccurrences("&apos;", "'").replacingOccurrences("&amp;", "&")
    }
}

extension String {
    func replacingOccurrences(_ a: String, _ b: String) -> String {
        var out = "", rest = Substring(self)
        while let r = rest.firstRange(of: a) { out += rest[..<r.lowerBound]; out += b; rest = rest[r.upperBound...] }
        return out + rest
    }
}
