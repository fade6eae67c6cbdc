import CortadoASL
import CortadoPath

/// AWS credentials: an access key, its secret, and a session token for temporary ones.
public struct AWSCredentials: Sendable, Equatable {
    public var accessKeyId: String
    public var secretAccessKey: String
    public var sessionToken: String?
    public init(accessKeyId: String, secretAccessKey: String, sessionToken: String? = nil) {
        self.accessKeyId = accessKeyId; self.secretAccessKey = secretAccessKey; self.sessionToken = sessionToken
    }
}

/// One HTTP request to sign: the parts of its URL kept apart, its headers and body.
public struct AWSRequest: Sendable {
    public var method: String
    /// `https` or `http`.
    public var scheme: String
    public var host: String
    public var port: Int?
    /// The path as sent (percent-encoded where needed), e.g. `/` or `/bucket/key%20name`.
    public var path: String
    /// Query parameters, not encoded.
    public var query: [(name: String, value: String)]
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]

    public init(method: String, scheme: String = "https", host: String, port: Int? = nil, path: String = "/",
                query: [(name: String, value: String)] = [], headers: [(name: String, value: String)] = [], body: [UInt8] = []) {
        self.method = method; self.scheme = scheme; self.host = host; self.port = port; self.path = path
        self.query = query; self.headers = headers; self.body = body
    }

    /// `host[:port]`, the port left out when it is the scheme's default.
    public var hostHeader: String {
        guard let port, !(scheme == "https" && port == 443), !(scheme == "http" && port == 80) else { return host }
        return "\(host):\(port)"
    }

    /// The URL to send it to.
    public var url: String {
        let q = query.map { SigV4.encode($0.name) + "=" + SigV4.encode($0.value) }.joined(separator: "&")
        return "\(scheme)://\(hostHeader)\(path)\(q.isEmpty ? "" : "?" + q)"
    }
}

/// Signature Version 4 (the `Authorization` header), as botocore computes it: canonical
/// request, string to sign, a key derived by HMAC-SHA256 from the secret, the date, region
/// and service. Checked against botocore's own signer on generated requests (tests).
public enum SigV4 {
    /// Headers never signed (botocore's list): hop-by-hop ones and the user agent.
    static let unsigned: Set<String> = ["connection", "expect", "keep-alive", "proxy-authenticate", "proxy-authorization",
                                        "te", "trailer", "transfer-encoding", "upgrade", "user-agent", "x-amzn-trace-id",
                                        "authorization"]

    /// Signs `request` at `epochSeconds`: adds `X-Amz-Date`, `X-Amz-Security-Token` (for
    /// temporary credentials), `X-Amz-Content-SHA256` when `s3` (S3 wants the payload hash
    /// sent) and `Authorization`.
    /// - Parameter s3: S3's rules: the path is neither normalized nor encoded again.
    public static func sign(_ request: inout AWSRequest, service: String, region: String, credentials: AWSCredentials,
                            epochSeconds: Int64, s3: Bool = false) {
        let amzDate = timestamp(epochSeconds)
        let day = String(amzDate.prefix(8))
        request.headers.removeAll { ["x-amz-date", "authorization", "x-amz-security-token"].contains($0.name.lowercased()) }
        request.headers.append(("X-Amz-Date", amzDate))
        if let token = credentials.sessionToken { request.headers.append(("X-Amz-Security-Token", token)) }
        let payloadHash: String
        if let given = request.headers.first(where: { $0.name.lowercased() == "x-amz-content-sha256" }) {
            payloadHash = given.value
        } else {
            payloadHash = Digest.hex(Digest.sha256(request.body))
            if s3 { request.headers.append(("X-Amz-Content-SHA256", payloadHash)) }
        }
        var byName: [String: [String]] = [:]
        for h in request.headers {
            let n = h.name.lowercased()
            guard !unsigned.contains(n) else { continue }
            byName[n, default: []].append(h.value.split(whereSeparator: { $0 == " " || $0 == "\t" }).joined(separator: " "))
        }
        if byName["host"] == nil { byName["host"] = [request.hostHeader] }
        let names = byName.keys.sorted()
        let canonicalHeaders = names.map { "\($0):\(byName[$0]!.joined(separator: ","))\n" }.joined()
        let signedHeaders = names.joined(separator: ";")
        let canonicalRequest = [
            request.method.uppercased(), canonicalPath(request.path, s3: s3), canonicalQuery(request.query),
            canonicalHeaders, signedHeaders, payloadHash,
        ].joined(separator: "\n")
        let scope = "\(day)/\(region)/\(service)/aws4_request"
        let stringToSign = "AWS4-HMAC-SHA256\n\(amzDate)\n\(scope)\n" + Digest.hex(Digest.sha256(Array(canonicalRequest.utf8)))
        var key = hmac(Array(("AWS4" + credentials.secretAccessKey).utf8), Array(day.utf8))
        for part in [region, service, "aws4_request"] { key = hmac(key, Array(part.utf8)) }
        let signature = Digest.hex(hmac(key, Array(stringToSign.utf8)))
        request.headers.append(("Authorization",
            "AWS4-HMAC-SHA256 Credential=\(credentials.accessKeyId)/\(scope), SignedHeaders=\(signedHeaders), Signature=\(signature)"))
    }

    /// HMAC-SHA256 (RFC 2104).
    public static func hmac(_ key: [UInt8], _ message: [UInt8]) -> [UInt8] {
        var k = key.count > 64 ? Digest.sha256(key) : key
        k += [UInt8](repeating: 0, count: 64 - k.count)
        let inner = Digest.sha256(k.map { $0 ^ 0x36 } + message)
        return Digest.sha256(k.map { $0 ^ 0x5c } + inner)
    }

    /// `YYYYMMDDTHHMMSSZ`.
    static func timestamp(_ t: Int64) -> String {
        let iso = Timestamp(milliseconds: t * 1000).iso8601  // 2015-08-30T12:36:00.000Z
        let digits = iso.prefix(19).filter { $0 != "-" && $0 != ":" }
        return digits + "Z"
    }

    /// The path with `.` and `..` segments resolved and every byte outside `A-Za-z0-9-._~/`
    /// percent-encoded (so an already encoded `%20` becomes `%2520`), as botocore does for
    /// every service but S3, whose path is taken as sent.
    static func canonicalPath(_ path: String, s3: Bool) -> String {
        if s3 { return path.isEmpty ? "/" : path }
        var segments: [Substring] = []
        for seg in path.split(separator: "/", omittingEmptySubsequences: false).dropFirst() {
            if seg == "." { continue }
            if seg == ".." { _ = segments.popLast(); continue }
            segments.append(seg)
        }
        var normalized = "/" + segments.filter { !$0.isEmpty }.joined(separator: "/")
        if path.hasSuffix("/"), normalized != "/" { normalized += "/" }
        return encode(normalized, keepSlash: true)
    }

    /// Pairs encoded and sorted by name, then value.
    static func canonicalQuery(_ items: [(name: String, value: String)]) -> String {
        items.map { (encode($0.name), encode($0.value)) }
            .sorted { $0.0 != $1.0 ? $0.0 < $1.0 : $0.1 < $1.1 }
            .map { "\($0.0)=\($0.1)" }.joined(separator: "&")
    }

    /// RFC 3986 encoding: everything but `A-Za-z0-9-._~` (and `/` when `keepSlash`).
    public static func encode(_ s: String, keepSlash: Bool = false) -> String {
        let hex = Array("0123456789ABCDEF".utf8)
        var out: [UInt8] = []
        for b in s.utf8 {
            switch b {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.append(b)
            case UInt8(ascii: "/") where keepSlash:
                out.append(b)
            default:
                out += [UInt8(ascii: "%"), hex[Int(b >> 4)], hex[Int(b & 15)]]
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
