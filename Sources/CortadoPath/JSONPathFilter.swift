import CortadoJSON

/// A compiled `[?(...)]` predicate.
struct JSONPathFilter: Sendable {
    let expr: FilterExpr
}

indirect enum FilterExpr: Sendable {
    case and(FilterExpr, FilterExpr)
    case or(FilterExpr, FilterExpr)
    /// `@.a` (expected true) or `!@.a` (expected false).
    case exists(FilterPath, expected: Bool)
    case compare(FilterOperand, FilterOp, FilterOperand)
}

/// A path inside a filter: relative to the current item (`@`) or the document root (`$`).
struct FilterPath: Sendable {
    let fromRoot: Bool
    let path: JSONPath
}

enum FilterOperand: Sendable {
    case path(FilterPath)
    case value(FilterValue)
}

enum FilterOp: Sendable {
    case eq, ne, tseq, tsne, lt, le, gt, ge, regex, `in`, nin, contains, size, empty, subsetof, anyof, noneof

    static func from(_ s: String) -> FilterOp? {
        switch s.uppercased() {
        case "==": return .eq
        case "!=": return .ne
        case "===": return .tseq
        case "!==": return .tsne
        case "<": return .lt
        case "<=": return .le
        case ">": return .gt
        case ">=": return .ge
        case "=~": return .regex
        case "IN": return .in
        case "NIN": return .nin
        case "CONTAINS": return .contains
        case "SIZE": return .size
        case "EMPTY": return .empty
        case "SUBSETOF": return .subsetof
        case "ANYOF": return .anyof
        case "NONEOF": return .noneof
        default: return nil
        }
    }
}

/// A compiled regular expression literal (`/.../` or `/.../i`); Java `matches()` semantics
/// (the whole input must match).
final class FilterRegex: @unchecked Sendable {
    let source: String
    let ignoreCase: Bool
    private let regex: Regex<AnyRegexOutput>

    init?(_ source: String, ignoreCase: Bool) {
        self.source = source
        self.ignoreCase = ignoreCase
        guard let r = try? Regex(source) else { return nil }
        let sem = r.matchingSemantics(.unicodeScalar)
        regex = ignoreCase ? sem.ignoresCase() : sem
    }

    func matches(_ s: String) -> Bool {
        ((try? regex.wholeMatch(in: s)) ?? nil) != nil
    }
}

/// Jayway's `ValueNode`: what filter operands evaluate to.
enum FilterValue: Sendable {
    case undefined
    case null
    case bool(Bool)
    case number(Double, literal: String)
    case string(String)
    /// An array or object.
    case json(JSON)
    case pattern(FilterRegex)

    init(_ v: JSON) {
        switch v {
        case .null: self = .null
        case .bool(let b): self = .bool(b)
        case .number(let n): self = .number(n.double, literal: n.literal)
        case .string(let s): self = .string(s)
        case .array, .object: self = .json(v)
        }
    }

    var kind: Int {
        switch self {
        case .undefined: return 0
        case .null: return 1
        case .bool: return 2
        case .number: return 3
        case .string: return 4
        case .json: return 5
        case .pattern: return 6
        }
    }
}

/// A number literal as Java's `BigDecimal` reads it (digits, '-', '.', 'e', 'E').
func parseDecimal<S: Collection<UInt8>>(_ s: S) -> Double? {
    var digits = 0
    var sawDot = false, sawExp = false, expDigits = 0
    var idx = 0
    for c in s {
        defer { idx += 1 }
        if ASCII.isDigit(c) {
            if sawExp { expDigits += 1 } else { digits += 1 }
        } else if c == ASCII.minus || c == ASCII.plus {
            // Only at the very start or right after the exponent marker.
            if idx != 0 && !(sawExp && expDigits == 0) { return nil }
        } else if c == ASCII.dot {
            if sawDot || sawExp { return nil }
            sawDot = true
        } else if c == UInt8(ascii: "e") || c == UInt8(ascii: "E") {
            if sawExp || digits == 0 { return nil }
            sawExp = true
        } else {
            return nil
        }
    }
    guard digits > 0, !sawExp || expDigits > 0 else { return nil }
    // Normalize for Swift's Double parser: "1." and ".5" forms.
    var text = String(decoding: s, as: UTF8.self)
    if text.hasSuffix(".") { text += "0" }
    text = text.replacingOccurrences(of: "-.", with: "-0.")
    if text.hasPrefix(".") { text = "0" + text }
    text = text.replacingOccurrences(of: ".e", with: ".0e").replacingOccurrences(of: ".E", with: ".0E")
    return Double(text)
}

extension String {
    fileprivate func replacingOccurrences(of a: String, with b: String) -> String {
        guard !a.isEmpty, self.contains(a) else { return self }
        var out = ""
        var rest = Substring(self)
        while let r = rest.firstRange(of: a) {
            out += rest[..<r.lowerBound]
            out += b
            rest = rest[r.upperBound...]
        }
        out += rest
        return out
    }
}

/// Jayway's `Utils.unescape` for string literals in filters.
func unescapeFilterString(_ s: ArraySlice<UInt8>) -> String {
    guard s.contains(ASCII.backslash) else { return String(decoding: s, as: UTF8.self) }
    var out: [UInt8] = []
    out.reserveCapacity(s.count)
    var scalars: [UInt16] = []
    func flushUTF16() {
        if scalars.isEmpty { return }
        out.append(contentsOf: Array(String(decoding: scalars, as: UTF16.self).utf8))
        scalars.removeAll()
    }
    var i = s.startIndex
    while i < s.endIndex {
        let c = s[i]
        if c != ASCII.backslash || i + 1 >= s.endIndex {
            flushUTF16()
            out.append(c)
            i += 1
            continue
        }
        let e = s[i + 1]
        i += 2
        switch e {
        case UInt8(ascii: "n"): flushUTF16(); out.append(0x0A)
        case UInt8(ascii: "t"): flushUTF16(); out.append(0x09)
        case UInt8(ascii: "r"): flushUTF16(); out.append(0x0D)
        case UInt8(ascii: "b"): flushUTF16(); out.append(0x08)
        case UInt8(ascii: "f"): flushUTF16(); out.append(0x0C)
        case UInt8(ascii: "u"):
            var v: UInt16 = 0
            var ok = i + 4 <= s.endIndex
            if ok {
                for k in 0..<4 {
                    let h = s[i + k]
                    let d: UInt16
                    switch h {
                    case 0x30...0x39: d = UInt16(h - 0x30)
                    case 0x41...0x46: d = UInt16(h - 0x41 + 10)
                    case 0x61...0x66: d = UInt16(h - 0x61 + 10)
                    default: ok = false; d = 0
                    }
                    v = v << 4 | d
                }
            }
            if ok {
                scalars.append(v)  // surrogate pairs combine when flushed
                i += 4
            } else {
                flushUTF16()
                out.append(e)
            }
        default:
            flushUTF16()
            out.append(e)
        }
    }
    flushUTF16()
    return String(decoding: out, as: UTF8.self)
}
