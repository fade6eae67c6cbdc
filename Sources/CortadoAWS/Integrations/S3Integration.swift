import CortadoAWSModels
import CortadoHTTP
import CortadoJSON
import CortadoPath
import CortadoRuntime

/// `arn:aws:states:::aws-sdk:s3:putObject|getObject|deleteObject` over S3's REST-XML API,
/// path-style (`<endpoint>/<Bucket>/<Key>`, which custom endpoints such as moto need), signed
/// with S3's SigV4 rules. Outputs are what the Java SDK's response holds, PascalCased (Body
/// as text); errors are named and worded as every aws-sdk task's (`AWSSDKIntegration.failure`:
/// `S3.<Code>Exception`, Extended Request ID included, as the recorded cases show).
public struct S3Integration: TaskBackend, AWSIntegration {
    public static let actions = ["putObject", "getObject", "deleteObject"]
    let client: AWSServiceClient

    public static let service = (endpointPrefix: "s3", envName: "S3")

    public init(client: AWSServiceClient) { self.client = client }

    /// S3's generated model: its errors are named by the rule every aws-sdk task follows.
    static let model = AWSModels.service("s3")!

    public func invoke(_ request: TaskRequest) -> TaskOutcome {
        let action = String(request.resource.split(separator: ":").last ?? "")
        guard Self.actions.contains(action) else {
            return .failure(ASLError(.runtime, "aws-sdk:s3:\(action) is not built yet (S3 actions so far: \(Self.actions.joined(separator: ", ")))."))
        }
        guard case .object(let p) = request.input, let bucket = p["Bucket"]?.stringValue, let key = p["Key"]?.stringValue else {
            return .failure(ASLError(.runtime, "aws-sdk:s3:\(action) needs the Parameters Bucket and Key"))
        }
        let path = "/" + SigV4.encode(bucket) + "/" + SigV4.encode(key, keepSlash: true)
        var method = "GET", body: [UInt8] = [], headers: [(name: String, value: String)] = []
        switch action {
        case "putObject":
            method = "PUT"
            if let b = p["Body"] { body = Array((b.stringValue ?? b.serialized).utf8) }
            headers.append(("Content-Type", p["ContentType"]?.stringValue ?? "application/octet-stream"))
        case "deleteObject": method = "DELETE"
        default: break
        }
        let completion = request.completion
        let refused = client.send(method: method, path: path, headers: headers, body: body, s3: true) { r in
            completion.complete(Self.outcome(r, action: action))
        }
        return refused.map { .failure($0) } ?? .pending
    }

    static func outcome(_ r: Result<HTTPReply, any Error>, action: String) -> TaskOutcome {
        switch r {
        case .failure(let e): return .failure(AWSServiceClient.unreachable(e, service: "S3"))
        case .success(let reply):
            func header(_ n: String) -> String? { reply.headers.first { $0.name.lowercased() == n }?.value }
            guard (200..<300).contains(reply.status) else {
                return .failure(AWSSDKIntegration.failure(reply, service: Self.model))
            }
            var out = JSONObject()
            if action == "getObject" {
                out["AcceptRanges"] = header("accept-ranges").map { .string($0) }
                out["Body"] = .string(String(decoding: reply.body, as: UTF8.self))
                out["ContentLength"] = .number(JSONNumber(Int(header("content-length") ?? "") ?? reply.body.count))
                out["ContentType"] = header("content-type").map { .string($0) }
                out["LastModified"] = header("last-modified").map { .string($0) }
            }
            out["ETag"] = header("etag").map { .string($0) }
            out["VersionId"] = header("x-amz-version-id").map { .string($0) }
            out["ServerSideEncryption"] = header("x-amz-server-side-encryption").map { .string($0) }
            if action == "getObject" {
                var meta = JSONObject()
                for h in reply.headers where h.name.lowercased().hasPrefix("x-amz-meta-") {
                    meta[String(h.name.dropFirst("x-amz-meta-".count))] = .string(h.value)
                }
                out["Metadata"] = .object(meta)
            }
            return .success(.object(out))
        }
    }
}
