import CortadoJSON
import CortadoPath

/// AWS Step Functions additions: $partition, $range, $hash, $random, $uuid, $parse.
extension Builtins {
    static func awsError(_ message: String) -> JSONataError { JSONataError(code: "D3137", message: message) }

    static func registerAWS(_ r: inout [String: JFunc]) {
        r["partition"] = .native("partition", "<an:a>") { (_, a) throws(JSONataError) -> JV? in
            guard let arr = arg(a, 0)?.arr, let size = argNum(a, 1) else { return nil }
            guard size >= 1, size == size.rounded(), size < 1e9 else { throw awsError("$partition: chunk size must be a positive integer") }
            let n = toInt(size)
            var out: [JV] = []
            var i = 0
            while i < arr.count {
                out.append(.array(JArr(Array(arr.items[i..<min(i + n, arr.count)]))))
                i += n
            }
            return .array(JArr(out))
        }
        r["range"] = .native("range", "<nnn?:a>") { (_, a) throws(JSONataError) -> JV? in
            guard let start = argNum(a, 0), let end = argNum(a, 1) else { return nil }
            let step = argNum(a, 2) ?? 1
            guard step != 0, step.isFinite, start.isFinite, end.isFinite else { throw awsError("$range: step must be a non-zero number") }
            let count = ((end - start) / step).rounded(.down) + 1
            if count > 1e7 { throw awsError("$range: too many elements") }
            let out = JArr.seq()
            if count >= 1 {
                out.items.reserveCapacity(Int(count))
                for i in 0..<Int(count) { out.items.append(.number(start + Double(i) * step)) }
            }
            return .array(out)
        }
        r["hash"] = .native("hash", "<s-s?:s>") { (_, a) throws(JSONataError) -> JV? in
            guard let s = argStr(a, 0) else { return nil }
            let alg = argStr(a, 1) ?? "SHA-256"
            let bytes = Array(s.utf8)
            let digest: [UInt8]
            switch alg.uppercased() {
            case "MD5": digest = Digest.md5(bytes)
            case "SHA-1", "SHA1": digest = Digest.sha1(bytes)
            case "SHA-256", "SHA256": digest = Digest.sha256(bytes)
            case "SHA-384", "SHA384": digest = Digest.sha512(bytes, variant384: true)
            case "SHA-512", "SHA512": digest = Digest.sha512(bytes, variant384: false)
            default: throw awsError("$hash: unsupported algorithm \(alg); use MD5, SHA-1, SHA-256, SHA-384 or SHA-512")
            }
            return .string(Digest.hex(digest))
        }
        r["random"] = .native("random", "<n?:n>") { (_, a) throws(JSONataError) -> JV? in
            if let seed = argNum(a, 0) {
                var g = SeededGenerator(seed: UInt64(bitPattern: Int64(seed.isFinite ? max(min(seed, 9e18), -9e18) : 0)))
                return .number(Double(g.next() >> 11) / Double(1 << 53))
            }
            return .number(Double.random(in: 0..<1))
        }
        r["uuid"] = .native("uuid", "<:s>") { (_, _) throws(JSONataError) -> JV? in
            var b = (0..<16).map { _ in UInt8.random(in: 0...255) }
            b[6] = (b[6] & 0x0F) | 0x40
            b[8] = (b[8] & 0x3F) | 0x80
            let h = Digest.hex(b)
            let c = Array(h)
            return .string(String(c[0..<8]) + "-" + String(c[8..<12]) + "-" + String(c[12..<16]) + "-" + String(c[16..<20]) + "-" + String(c[20..<32]))
        }
        r["parse"] = .native("parse", "<s-:x>") { (_, a) throws(JSONataError) -> JV? in
            guard let s = argStr(a, 0) else { return nil }
            do { return JV(json: try JSON.parse(s)) } catch { throw awsError("$parse: invalid JSON text") }
        }
    }
}

/// SplitMix64: deterministic values for `$random(seed)`.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
