import CortadoJSON
import Testing

/// Strings are written quoted and escaped whatever their length: a short one without
/// escapes goes out in one append with its quotes, longer ones and escaped ones byte by
/// byte; every length around the 126-byte boundary gives the same text as the plain rule.
@Suite struct JSONWriterTests {
    static func reference(_ s: String) -> String {
        var out = "\""
        for c in s.unicodeScalars {
            switch c {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            default: out.unicodeScalars.append(c)
            }
        }
        return out + "\""
    }

    @Test func stringsOfEveryLengthAreQuotedAndEscaped() {
        for n in [0, 1, 2, 60, 124, 125, 126, 127, 128, 200] {
            for s in [String(repeating: "a", count: n), String(repeating: "é", count: n / 2),
                      String(repeating: "a", count: n) + "\"", "\t" + String(repeating: "b", count: n)] {
                var w = JSONWriter()
                w.write(.array([.string(s), .string(s)]))
                let r = Self.reference(s)
                #expect(String(decoding: w.bytes, as: UTF8.self) == "[\(r),\(r)]", "length \(n)")
            }
        }
    }
}
