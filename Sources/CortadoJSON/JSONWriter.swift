/// Serializes JSON compactly, as AWS prints payloads: no spaces, members in
/// order, `"`/`\\`/control characters escaped, everything else written as UTF-8.
public struct JSONWriter {
    public var bytes: [UInt8] = []
    public init() { bytes.reserveCapacity(512) }
    /// A writer that appends to `bytes` (moved in: keep no other reference to them).
    public init(appendingTo bytes: [UInt8]) { self.bytes = bytes }

    public mutating func write(_ v: JSON) {
        switch v {
        case .null: append("null")
        case .bool(let x): append(x ? "true" : "false")
        case .number(let n): append(n.literal)
        case .string(let s): writeString(s)
        case .array(let a):
            bytes.append(UInt8(ascii: "["))
            for (k, e) in a.enumerated() {
                if k > 0 { bytes.append(UInt8(ascii: ",")) }
                write(e)
            }
            bytes.append(UInt8(ascii: "]"))
        case .object(let o):
            bytes.append(UInt8(ascii: "{"))
            var first = true
            for m in o.members {
                if !first { bytes.append(UInt8(ascii: ",")) }
                first = false
                writeString(m.key)
                bytes.append(UInt8(ascii: ":"))
                write(m.value)
            }
            bytes.append(UInt8(ascii: "}"))
        }
    }

    @inline(__always) mutating func append(_ s: String) { bytes.append(contentsOf: s.utf8) }

    public mutating func writeString(_ s: String) {
        var s = s
        s.withUTF8 { writeString(utf8: $0) }
    }

    /// Writes UTF-8 text as a JSON string, quoted and escaped as `writeString` does.
    public mutating func writeString(utf8 u: UnsafeBufferPointer<UInt8>) {
        // Most strings need no escape: copy them in one go, and a short one with its quotes
        // in one append (each append costs far more than the few bytes it copies).
        if !u.contains(where: JSONWriter.needsEscape) {
            if u.count <= 126, let from = u.baseAddress {
                withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 128) { buf in
                    let p = buf.baseAddress!
                    p[0] = UInt8(ascii: "\"")
                    (p + 1).update(from: from, count: u.count)
                    p[u.count + 1] = UInt8(ascii: "\"")
                    bytes.append(contentsOf: UnsafeBufferPointer(start: p, count: u.count + 2))
                }
                return
            }
            bytes.append(UInt8(ascii: "\""))
            bytes.append(contentsOf: u)
        } else {
            bytes.append(UInt8(ascii: "\""))
            for c in u { appendEscaped(c) }
        }
        bytes.append(UInt8(ascii: "\""))
    }

    @inline(__always) public static func needsEscape(_ c: UInt8) -> Bool {
        c < 0x20 || c == UInt8(ascii: "\"") || c == UInt8(ascii: "\\")
    }

    mutating func appendEscaped(_ c: UInt8) {
        switch c {
        case UInt8(ascii: "\""): bytes.append(0x5C); bytes.append(0x22)
        case UInt8(ascii: "\\"): bytes.append(0x5C); bytes.append(0x5C)
        case 0x0A: bytes.append(0x5C); bytes.append(UInt8(ascii: "n"))
        case 0x0D: bytes.append(0x5C); bytes.append(UInt8(ascii: "r"))
        case 0x09: bytes.append(0x5C); bytes.append(UInt8(ascii: "t"))
        case 0x08: bytes.append(0x5C); bytes.append(UInt8(ascii: "b"))
        case 0x0C: bytes.append(0x5C); bytes.append(UInt8(ascii: "f"))
        case 0..<0x20:
            let hex = "0123456789abcdef".utf8
            bytes.append(contentsOf: [0x5C, UInt8(ascii: "u"), 0x30, 0x30])
            bytes.append(hex[hex.index(hex.startIndex, offsetBy: Int(c >> 4))])
            bytes.append(hex[hex.index(hex.startIndex, offsetBy: Int(c & 15))])
        default: bytes.append(c)
        }
    }
}

extension JSON {
    /// Compact serialization as UTF-8 bytes.
    public var serializedBytes: [UInt8] {
        var w = JSONWriter(); w.write(self); return w.bytes
    }
    /// Compact serialization as a string (what AWS shows as a JSON string field).
    public var serialized: String { String(decoding: serializedBytes, as: UTF8.self) }
}

extension JSON: CustomStringConvertible {
    public var description: String { serialized }
}

extension JSON {
    /// The length of `serializedBytes`, computed without building them (payload-limit checks).
    /// - Complexity: O(size of the value); allocates nothing.
    public var serializedByteCount: Int {
        switch self {
        case .null: return 4
        case .bool(let b): return b ? 4 : 5
        case .number(let n): return n.literal.utf8.count
        case .string(let s): return JSON.quotedByteCount(s)
        case .array(let a):
            var n = 2 + max(0, a.count - 1)
            for e in a { n += e.serializedByteCount }
            return n
        case .object(let o):
            var n = 2 + max(0, o.count - 1)
            for m in o.members { n += JSON.quotedByteCount(m.key) + 1 + m.value.serializedByteCount }
            return n
        }
    }

    /// Bytes `JSONWriter.writeString` produces for `s`.
    static func quotedByteCount(_ s: String) -> Int {
        var s = s
        return s.withUTF8 { JSON.quotedByteCount(utf8: $0) }
    }

    /// Bytes `JSONWriter.writeString(utf8:)` produces for `u`.
    public static func quotedByteCount(utf8 u: UnsafeBufferPointer<UInt8>) -> Int {
        var n = 2 + u.count
        for c in u where JSONWriter.needsEscape(c) {
            switch c {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), 0x0A, 0x0D, 0x09, 0x08, 0x0C: n += 1
            default: n += 5
            }
        }
        return n
    }
}
