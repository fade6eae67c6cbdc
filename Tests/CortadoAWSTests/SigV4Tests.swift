@testable import CortadoAWS
import CortadoJSON
import Foundation
import Testing

@Suite struct SigV4Tests {
    /// AWS's documented example (the GET of IAM ListUsers in the SigV4 guide's test suite):
    /// the derived key and signature must come out as published.
    @Test func hmacMatchesRFC4231() {
        let key = [UInt8](repeating: 0x0b, count: 20)
        let mac = SigV4.hmac(key, Array("Hi There".utf8))
        #expect(mac.map { String(format: "%02x", $0) }.joined() == "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7")
    }

    @Test func encodingAndPaths() {
        #expect(SigV4.encode("a b/ü~") == "a%20b%2F%C3%BC~")
        #expect(SigV4.canonicalPath("/a/./b/../c", s3: false) == "/a/c")
        #expect(SigV4.canonicalPath("/x%20y", s3: false) == "/x%2520y")
        #expect(SigV4.canonicalPath("/x%20y", s3: true) == "/x%20y")
        #expect(SigV4.timestamp(1_440_938_160) == "20150830T123600Z")
    }

    /// The Authorization header is byte for byte botocore's on generated requests (services,
    /// regions, local endpoints with ports, encoded paths, queries, session tokens, spaced and
    /// unsigned headers). Skipped with a message where botocore is not installed.
    @Test func matchesBotocoreOnGeneratedRequests() throws {
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("botocore_sign.py").path
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", script, "60", "7"]
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else {
            print("SigV4Tests: skipped the botocore comparison: python3 with botocore is not available (pip install boto3)")
            return
        }
        var checked = 0
        for line in data.split(separator: 10) {
            let c = try JSON.parse(Array(line))
            var r = AWSRequest(method: c["method"]!.stringValue!, scheme: c["scheme"]!.stringValue!, host: c["host"]!.stringValue!,
                               port: c["port"]?.numberValue?.int, path: c["path"]!.stringValue!,
                               query: (c["query"]?.arrayValue ?? []).map { ($0.arrayValue![0].stringValue!, $0.arrayValue![1].stringValue!) },
                               headers: (c["headers"]?.arrayValue ?? []).map { ($0.arrayValue![0].stringValue!, $0.arrayValue![1].stringValue!) },
                               body: Array(c["body"]!.stringValue!.utf8))
            let creds = AWSCredentials(accessKeyId: c["key"]!.stringValue!, secretAccessKey: c["secret"]!.stringValue!,
                                       sessionToken: c["token"]?.stringValue)
            SigV4.sign(&r, service: c["service"]!.stringValue!, region: c["region"]!.stringValue!, credentials: creds,
                       epochSeconds: Int64(c["epoch"]!.numberValue!.int!))
            let auth = r.headers.first { $0.name == "Authorization" }?.value
            #expect(auth == c["authorization"]?.stringValue, "request \(checked + 1): \(String(decoding: line, as: UTF8.self).prefix(300))")
            checked += 1
        }
        #expect(checked == 60)
    }
}

@Suite struct SigV4VerifierTests {
    static func signed(secret: String = "s", token: String? = nil, at t: Int64 = 1_700_000_000) -> AWSRequest {
        var r = AWSRequest(method: "POST", scheme: "http", host: "127.0.0.1", port: 8083, path: "/",
                           query: [("a", "x y")], headers: [("Content-Type", "application/x-amz-json-1.0"), ("X-Amz-Target", "AWSStepFunctions.ListStateMachines")],
                           body: Array("{}".utf8))
        SigV4.sign(&r, service: "states", region: "us-east-1", credentials: AWSCredentials(accessKeyId: "AK", secretAccessKey: secret, sessionToken: token), epochSeconds: t)
        return r
    }

    static func check(_ r: AWSRequest, body: [UInt8]? = nil, now: Int64 = 1_700_000_010) -> SigV4Verifier.Refusal? {
        let v = SigV4Verifier(credentialsFile: "[default]\naws_access_key_id = AK\naws_secret_access_key = s\n")
        return v.check(method: r.method, path: r.path, query: "a=x%20y", headers: r.headers + [("Host", r.hostHeader)], body: body ?? r.body, now: now)
    }

    @Test func acceptsWhatTheSignerSignsAndRefusesTheRest() {
        #expect(Self.check(Self.signed()) == nil)
        #expect(Self.check(Self.signed(token: "tok")) == nil)
        #expect(Self.check(Self.signed(), body: Array("{\"x\":1}".utf8))?.code == "InvalidSignatureException")
        #expect(Self.check(Self.signed(secret: "other"))?.code == "InvalidSignatureException")
        #expect(Self.check(Self.signed(), now: 1_700_000_000 + 3600)?.code == "InvalidSignatureException")
        var stranger = Self.signed()
        stranger.headers = stranger.headers.map { $0.name == "Authorization" ? ($0.name, $0.value.replacingOccurrences("Credential=AK/", "Credential=XX/")) : $0 }
        #expect(Self.check(stranger)?.code == "UnrecognizedClientException")
        var unsigned = Self.signed()
        unsigned.headers.removeAll { $0.name == "Authorization" }
        #expect(Self.check(unsigned)?.code == "MissingAuthenticationTokenException")
        #expect(SigV4Verifier.epoch("20150830T123600Z") == 1_440_938_160)
    }
}
