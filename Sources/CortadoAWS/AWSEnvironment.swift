#if canImport(Glibc)
import Glibc
#endif

/// Where AWS calls go and as whom, found the way the AWS SDKs and CLI find it: credentials
/// from `AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY`/`AWS_SESSION_TOKEN`, else the shared
/// credentials and config files (`AWS_PROFILE`, default `default`); the region from
/// `AWS_REGION`, `AWS_DEFAULT_REGION` or the profile; endpoints from
/// `AWS_ENDPOINT_URL_<SERVICE>` (e.g. `AWS_ENDPOINT_URL_DYNAMODB`), `AWS_ENDPOINT_URL`, else AWS's.
public struct AWSEnvironment: Sendable {
    public var credentials: AWSCredentials?
    public var region: String
    /// `AWS_ENDPOINT_URL_<SERVICE>` by the upper-cased service id, and `AWS_ENDPOINT_URL`.
    public var serviceEndpoints: [String: String]
    public var endpoint: String?

    public init(credentials: AWSCredentials?, region: String, serviceEndpoints: [String: String] = [:], endpoint: String? = nil) {
        self.credentials = credentials; self.region = region; self.serviceEndpoints = serviceEndpoints; self.endpoint = endpoint
    }

    /// Reads `environment` and, under `home`, `.aws/credentials` and `.aws/config`.
    public static func load(environment env: [String: String], home: String?) -> AWSEnvironment {
        let profile = env["AWS_PROFILE"] ?? env["AWS_DEFAULT_PROFILE"] ?? "default"
        func file(_ variable: String, _ name: String) -> [String: [String: String]] {
            guard let path = env[variable] ?? home.map({ "\($0)/.aws/\(name)" }), let text = readText(path) else { return [:] }
            return parseINI(text)
        }
        let credentialsFile = file("AWS_SHARED_CREDENTIALS_FILE", "credentials")
        let configFile = file("AWS_CONFIG_FILE", "config")
        let configSection = configFile[profile == "default" ? "default" : "profile \(profile)"] ?? [:]
        var credentials: AWSCredentials?
        if let key = env["AWS_ACCESS_KEY_ID"], let secret = env["AWS_SECRET_ACCESS_KEY"] {
            credentials = AWSCredentials(accessKeyId: key, secretAccessKey: secret, sessionToken: env["AWS_SESSION_TOKEN"])
        } else {
            for section in [credentialsFile[profile] ?? [:], configSection] {
                if let key = section["aws_access_key_id"], let secret = section["aws_secret_access_key"] {
                    credentials = AWSCredentials(accessKeyId: key, secretAccessKey: secret, sessionToken: section["aws_session_token"])
                    break
                }
            }
        }
        let region = env["AWS_REGION"] ?? env["AWS_DEFAULT_REGION"] ?? configSection["region"] ?? "us-east-1"
        var services: [String: String] = [:]
        for (k, v) in env where k.hasPrefix("AWS_ENDPOINT_URL_") { services[String(k.dropFirst("AWS_ENDPOINT_URL_".count))] = v }
        return AWSEnvironment(credentials: credentials, region: region, serviceEndpoints: services,
                              endpoint: env["AWS_ENDPOINT_URL"] ?? configSection["endpoint_url"])
    }

    /// The base URL for `service` (its endpoint prefix, e.g. `dynamodb`); `envName` is the
    /// SDKs' upper-cased service id for `AWS_ENDPOINT_URL_<ID>` (e.g. `DYNAMODB`, `SECRETS_MANAGER`).
    public func baseURL(service: String, envName: String) -> String {
        if let u = serviceEndpoints[envName] ?? endpoint { return u.hasSuffix("/") ? String(u.dropLast()) : u }
        return "https://\(service).\(region).amazonaws.com"
    }

    /// `[section]` → key = value, comments (`#`, `;`) and blank lines skipped.
    static func parseINI(_ text: String) -> [String: [String: String]] {
        var out: [String: [String: String]] = [:]
        var current: String?
        for raw in text.split(whereSeparator: { $0 == "\n" || $0 == "\r" }) {
            let line = raw.trimmingCharacters()
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") { continue }
            if line.hasPrefix("["), line.hasSuffix("]") { current = String(line.dropFirst().dropLast()).trimmingCharacters(); continue }
            guard let current, let eq = line.firstIndex(of: "=") else { continue }
            out[current, default: [:]][String(line[..<eq]).trimmingCharacters()] = String(line[line.index(after: eq)...]).trimmingCharacters()
        }
        return out
    }

    static func readText(_ path: String) -> String? {
        guard let f = fopen(path, "r") else { return nil }
        defer { fclose(f) }
        var bytes: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = fread(&buf, 1, buf.count, f)
            if n <= 0 { break }
            bytes += buf[0..<n]
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

extension StringProtocol {
    func trimmingCharacters() -> String {
        var s = Substring(self)
        while let c = s.first, c == " " || c == "\t" { s = s.dropFirst() }
        while let c = s.last, c == " " || c == "\t" { s = s.dropLast() }
        return String(s)
    }
}
