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
        return .string(String(decoding: Base64.decodeLeniently(s), as: UTF8.self))
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

    /// Decodes as AWS's States.Base64Decode does (recorded by a suite run against AWS:
    /// surrounding spaces, characters outside the alphabet and text after the padding are
    /// accepted, as a MIME-style lenient decoder reads them): characters outside the
    /// standard alphabet are skipped, the first `=` ends the data, and a last group of one
    /// character gives no byte.
    static func decodeLeniently(_ s: String) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(s.utf8.count * 3 / 4)
        var acc: UInt32 = 0
        var bits = 0
        for c in s.utf8 {
            if c == UInt8(ascii: "=") { break }
            let v = reverse[Int(c)]
            if v < 0 { continue }
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
