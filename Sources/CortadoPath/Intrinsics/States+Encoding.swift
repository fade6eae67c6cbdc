import CortadoJSON

extension Intrinsics {
    /// The longest string (in UTF-16 code units, as Java counts) that
    /// `States.Base64Encode`, `States.Base64Decode` and `States.Hash` accept.
    static let maxEncodingInput = 10_000

    /// `States.Base64Encode(string)`: standard alphabet, padded, of the UTF-8 bytes.
    static func base64Encode(_ args: IntrinsicArgs) throws(ASLError) -> JSON {
        let s = try args.string(0)
        let n = s.utf16.count
        guard n <= maxEncodingInput else {
            throw args.fail("the input string has \(n) characters, more than the maximum of \(maxEncodingInput)")
        }
        return .string(Base64.encode(Array(s.utf8)))
    }

    /// `States.Base64Decode(string)`: the decoded bytes as UTF-8 text.
    static func base64Decode(_ args: IntrinsicArgs) throws(ASLError) -> JSON {
        let s = try args.string(0)
        let n = s.utf16.count
        guard n <= maxEncodingInput else {
            throw args.fail("the input string has \(n) characters, more than the maximum of \(maxEncodingInput)")
        }
        guard let bytes = Base64.decode(s) else {
            throw args.fail("the input string is not valid base64")
        }
        return .string(String(decoding: bytes, as: UTF8.self))
    }
}

enum Base64 {
    static let alphabet: [UInt8] = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    static let reverse: [Int8] = {
        var r = [Int8](repeating: -1, count: 256)
        for (k, c) in alphabet.enumerated() { r[Int(c)] = Int8(k) }
        return r
    }()

    static func encode(_ bytes: [UInt8]) -> String {
        var out: [UInt8] = []
        out.reserveCapacity((bytes.count + 2) / 3 * 4)
        var k = 0
        while k + 3 <= bytes.count {
            let v = UInt32(bytes[k]) << 16 | UInt32(bytes[k + 1]) << 8 | UInt32(bytes[k + 2])
            out.append(alphabet[Int(v >> 18 & 63)]); out.append(alphabet[Int(v >> 12 & 63)])
            out.append(alphabet[Int(v >> 6 & 63)]); out.append(alphabet[Int(v & 63)])
            k += 3
        }
        let rest = bytes.count - k
        if rest == 1 {
            let v = UInt32(bytes[k]) << 16
            out.append(alphabet[Int(v >> 18 & 63)]); out.append(alphabet[Int(v >> 12 & 63)])
            out.append(UInt8(ascii: "=")); out.append(UInt8(ascii: "="))
        } else if rest == 2 {
            let v = UInt32(bytes[k]) << 16 | UInt32(bytes[k + 1]) << 8
            out.append(alphabet[Int(v >> 18 & 63)]); out.append(alphabet[Int(v >> 12 & 63)])
            out.append(alphabet[Int(v >> 6 & 63)]); out.append(UInt8(ascii: "="))
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Java's basic decoder: standard alphabet, no whitespace; padding optional
    /// but, when present, it must be correct and end the input.
    static func decode(_ s: String) -> [UInt8]? {
        var chars = Array(s.utf8)
        var pad = 0
        while chars.last == UInt8(ascii: "=") && pad < 2 { chars.removeLast(); pad += 1 }
        if pad > 0 && (chars.count + pad) % 4 != 0 { return nil }
        if chars.count % 4 == 1 { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(chars.count * 3 / 4)
        var acc: UInt32 = 0
        var bits = 0
        for c in chars {
            let v = reverse[Int(c)]
            if v < 0 { return nil }
            acc = acc << 6 | UInt32(v)
            bits += 6
            if bits >= 8 {
                bits -= 8
                out.append(UInt8(truncatingIfNeeded: acc >> UInt32(bits)))
                acc &= (1 << UInt32(bits)) - 1
            }
        }
        return out
    }
}
