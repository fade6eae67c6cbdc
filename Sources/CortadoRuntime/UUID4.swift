/// Random version-4 UUID strings (execution names, task tokens) without Foundation.
public enum UUID4 {
    public static func random() -> String {
        var g = SystemRandomNumberGenerator()
        return format(g.next(), g.next())
    }

    static func format(_ a: UInt64, _ b: UInt64) -> String {
        var bytes = [UInt8](repeating: 0, count: 16)
        for i in 0..<8 { bytes[i] = UInt8(truncatingIfNeeded: a >> (8 * i)); bytes[8 + i] = UInt8(truncatingIfNeeded: b >> (8 * i)) }
        bytes[6] = bytes[6] & 0x0F | 0x40
        bytes[8] = bytes[8] & 0x3F | 0x80
        let hex = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(36)
        for (i, x) in bytes.enumerated() {
            if i == 4 || i == 6 || i == 8 || i == 10 { out.append(UInt8(ascii: "-")) }
            out.append(hex[Int(x >> 4)]); out.append(hex[Int(x & 15)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
