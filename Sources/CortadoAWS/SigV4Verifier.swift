import CortadoASL
/// Checks the SigV4 signature of a request a server received (`cortado serve --auth`): the
/// signature is computed again from the secret of the access key it names and compared.
public struct SigV4Verifier: Sendable {
    /// Secrets by access key id.
    public let secrets: [String: String]
    /// How far a request's X-Amz-Date may be from now (AWS: 15 minutes).
    public var maxSkewSeconds: Int64 = 900

    public init(secrets: [String: String]) { self.secrets = secrets }

    /// The access keys of an AWS shared-credentials file (`[profile]` sections with
    /// `aws_access_key_id` and `aws_secret_access_key`).
    public init(credentialsFile text: String) {
        var s: [String: String] = [:]
        for (_, section) in AWSEnvironment.parseINI(text) {
            if let k = section["aws_access_key_id"], let v = section["aws_secret_access_key"] { s[k] = v }
        }
        secrets = s
    }

    /// Why a request is refused, as AWS answers: the error code and message.
    public struct Refusal: Error, Sendable, Equatable {
        public let code: String
        public let message: String
    }

    /// - Parameters:
    ///   - path: the request path as received (percent-encoded); `query` the raw query string.
    ///   - headers: every header as received.
    /// - Returns: nil when the signature is valid.
    public func check(method: String, path: String, query: String, headers: [(name: String, value: String)], body: [UInt8],
                      now: Int64) -> Refusal? {
        func header(_ n: String) -> String? { headers.first { $0.name.lowercased() == n }?.value }
        guard let auth = header("authorization"), auth.hasPrefix("AWS4-HMAC-SHA256 ") else {
            return Refusal(code: "MissingAuthenticationTokenException", message: "Missing Authentication Token")
        }
        var fields: [String: String] = [:]
        for part in auth.dropFirst("AWS4-HMAC-SHA256 ".count).split(separator: ",") {
            let kv = part.trimmingCharacters().split(separator: "=", maxSplits: 1)
            if kv.count == 2 { fields[String(kv[0])] = String(kv[1]) }
        }
        let scope = (fields["Credential"] ?? "").split(separator: "/").map(String.init)
        guard scope.count == 5, let signed = fields["SignedHeaders"], let given = fields["Signature"], let amzDate = header("x-amz-date") else {
            return Refusal(code: "IncompleteSignatureException", message: "Authorization header requires 'Credential', 'Signature', 'SignedHeaders' and an X-Amz-Date header.")
        }
        guard let secret = secrets[scope[0]] else {
            return Refusal(code: "UnrecognizedClientException", message: "The security token included in the request is invalid.")
        }
        guard let when = Self.epoch(amzDate), abs(when - now) <= maxSkewSeconds else {
            return Refusal(code: "InvalidSignatureException", message: "Signature expired: \(amzDate) is not within \(maxSkewSeconds / 60) minutes of the server's time.")
        }
        let names = Set(signed.split(separator: ";").map { String($0) })
        var request = AWSRequest(method: method, host: "", path: path.isEmpty ? "/" : path, query: Self.queryItems(query),
                                 headers: headers.filter { names.contains($0.name.lowercased()) && $0.name.lowercased() != "x-amz-date" },
                                 body: body)
        if !names.contains("x-amz-content-sha256") {
            request.headers.removeAll { $0.name.lowercased() == "x-amz-content-sha256" }
        }
        let token = header("x-amz-security-token")
        SigV4.sign(&request, service: scope[3], region: scope[2],
                   credentials: AWSCredentials(accessKeyId: scope[0], secretAccessKey: secret, sessionToken: names.contains("x-amz-security-token") ? token : nil),
                   epochSeconds: when, s3: scope[3] == "s3")
        let mine = request.headers.first { $0.name == "Authorization" }?.value ?? ""
        guard mine.hasSuffix("Signature=" + given), mine.contains("SignedHeaders=\(signed),") else {
            return Refusal(code: "InvalidSignatureException",
                           message: "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.")
        }
        return nil
    }

    /// `YYYYMMDDTHHMMSSZ` in seconds since the epoch (read as the ISO-8601 form it abbreviates).
    static func epoch(_ s: String) -> Int64? {
        let u = Array(s)
        guard u.count == 16, u[8] == "T", u[15] == "Z" else { return nil }
        let iso = String(u[0..<4]) + "-" + String(u[4..<6]) + "-" + String(u[6..<8]) + "T"
            + String(u[9..<11]) + ":" + String(u[11..<13]) + ":" + String(u[13..<15]) + "Z"
        return Timestamp.parse(iso).map { $0.milliseconds / 1000 }
    }

    /// `a=1&b=x%20y` as decoded pairs.
    static func queryItems(_ q: String) -> [(name: String, value: String)] {
        q.split(separator: "&").map { pair in
            let kv = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            return (decode(String(kv[0])), kv.count > 1 ? decode(String(kv[1])) : "")
        }
    }

    static func decode(_ s: String) -> String {
        var out: [UInt8] = []
        var u = Array(s.utf8)[...]
        while let b = u.first {
            u = u.dropFirst()
            if b == UInt8(ascii: "%"), u.count >= 2, let v = UInt8(String(decoding: u.prefix(2), as: UTF8.self), radix: 16) {
                out.append(v); u = u.dropFirst(2)
            } else {
                out.append(b)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
