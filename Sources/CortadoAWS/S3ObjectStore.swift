import CortadoASL
import CortadoHTTP
import CortadoJSON
import CortadoPath
import CortadoRuntime
import Dispatch

/// A Distributed Map's ItemReader and ResultWriter against S3 (or any S3-compatible endpoint:
/// `AWS_ENDPOINT_URL_S3`, moto), path-style and signed with S3's SigV4 rules. Calls block the
/// map run's thread: a map run waits for its items and its files anyway.
public struct S3ObjectStore: ObjectStore {
    let client: AWSServiceClient

    public init(environment: AWSEnvironment, transport: HTTPTransport) {
        client = AWSServiceClient(service: S3Integration.service.endpointPrefix, envName: S3Integration.service.envName,
                                  environment: environment, transport: transport, maxInFlight: 8,
                                  clock: { wallClockMilliseconds() / 1000 })
    }

    /// One request, waited for. `failure` names the error for a refusal (reader or writer).
    func call(_ method: String, _ path: String, query: [(name: String, value: String)] = [], body: [UInt8] = [],
              failure: ErrorName) throws(ASLError) -> HTTPReply {
        let box = ReplyBox()
        if let refused = client.send(method: method, path: path, query: query, headers: [], body: body, s3: true, { r in box.set(r) }) {
            throw ASLError(failure, refused.cause)
        }
        box.done.wait()
        switch box.reply! {
        case .failure(let e): throw ASLError(failure, AWSServiceClient.unreachable(e, service: "S3").cause)
        case .success(let reply):
            guard (200..<300).contains(reply.status) else {
                let xml = String(decoding: reply.body, as: UTF8.self)
                let message = Integrations.xmlValue(xml, "Message") ?? "Service error"
                let code = Integrations.xmlValue(xml, "Code") ?? "S3"
                throw ASLError(failure, "\(message) (Service: S3, Status Code: \(reply.status), Error Code: \(code))")
            }
            return reply
        }
    }

    static func path(_ bucket: String, _ key: String) -> String {
        "/" + SigV4.encode(bucket) + "/" + SigV4.encode(key, keepSlash: true)
    }

    public func open(bucket: String, key: String) throws(ASLError) -> any ObjectChunks {
        BytesChunks(try call("GET", Self.path(bucket, key), failure: .itemReaderFailed).body)
    }

    public func list(bucket: String, prefix: String) throws(ASLError) -> [ObjectSummary] {
        var out: [ObjectSummary] = []
        var token: String? = nil
        repeat {
            var query: [(name: String, value: String)] = [("list-type", "2"), ("prefix", prefix)]
            if let token { query.append(("continuation-token", token)) }
            let reply = try call("GET", "/" + SigV4.encode(bucket), query: query, failure: .itemReaderFailed)
            let xml = String(decoding: reply.body, as: UTF8.self)
            var rest = Substring(xml)
            while let open = rest.firstRange(of: "<Contents>"), let close = rest[open.upperBound...].firstRange(of: "</Contents>") {
                let c = String(rest[open.upperBound..<close.lowerBound])
                rest = rest[close.upperBound...]
                guard let key = Integrations.xmlValue(c, "Key") else { continue }
                let modified = Integrations.xmlValue(c, "LastModified").flatMap { Timestamp.parse($0) }?.milliseconds ?? 0
                out.append(ObjectSummary(key: key, size: Int(Integrations.xmlValue(c, "Size") ?? "") ?? 0,
                                         lastModified: modified, etag: Integrations.xmlValue(c, "ETag") ?? ""))
            }
            token = Integrations.xmlValue(xml, "IsTruncated") == "true" ? Integrations.xmlValue(xml, "NextContinuationToken") : nil
        } while token != nil
        return out
    }

    public func put(bucket: String, key: String, bytes: [UInt8]) throws(ASLError) {
        _ = try call("PUT", Self.path(bucket, key), body: bytes, failure: .resultWriterFailed)
    }

    public func create(bucket: String, key: String) throws(ASLError) -> any ObjectWriter {
        // NOTE: one PUT at close (no multipart upload yet): a result file is held in memory.
        BufferedObjectWriter(store: self, bucket: bucket, key: key)
    }
}

/// Buckets mapped to directories first (`--s3-dir`), the rest to another store (S3 with `--aws`).
public struct RoutedObjectStore: ObjectStore {
    let local: DirectoryObjectStore
    let remote: any ObjectStore

    public init(local: DirectoryObjectStore, remote: any ObjectStore) { self.local = local; self.remote = remote }

    func store(_ bucket: String) -> any ObjectStore { local.directories[bucket] != nil ? local : remote }
    public func open(bucket: String, key: String) throws(ASLError) -> any ObjectChunks { try store(bucket).open(bucket: bucket, key: key) }
    public func list(bucket: String, prefix: String) throws(ASLError) -> [ObjectSummary] { try store(bucket).list(bucket: bucket, prefix: prefix) }
    public func put(bucket: String, key: String, bytes: [UInt8]) throws(ASLError) { try store(bucket).put(bucket: bucket, key: key, bytes: bytes) }
    public func create(bucket: String, key: String) throws(ASLError) -> any ObjectWriter { try store(bucket).create(bucket: bucket, key: key) }
}

/// A reply handed from the HTTP thread to the waiting map run.
final class ReplyBox: @unchecked Sendable {
    let done = DispatchSemaphore(value: 0)
    var reply: Result<HTTPReply, any Error>?
    func set(_ r: Result<HTTPReply, any Error>) { reply = r; done.signal() }
}
