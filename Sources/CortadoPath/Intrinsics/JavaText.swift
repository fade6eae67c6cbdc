import CortadoJSON

/// How AWS's (JVM) intrinsics turn values into text: numbers as Java prints a
/// parsed `long`/`BigInteger`/`double`, and for `States.Format` objects and arrays
/// as Java's `Map.toString()` / `List.toString()` (`{a=1, b=[x, y]}`).
enum JavaText {
    /// A JSON number as Java prints it after parsing: integer literals as
    /// integers (any size), anything with a fraction or exponent as a `double`.
    static func number(_ n: JSONNumber) -> String {
        let lit = n.literal
        if n.isIntegerLiteral {
            if let v = Int(lit) { return String(v) }
            // BigInteger: the digits, without a "-0..." artefact.
            var digits = Substring(lit)
            let negative = digits.hasPrefix("-")
            if negative { digits = digits.dropFirst() }
            let trimmed = digits.drop(while: { $0 == "0" })
            if trimmed.isEmpty { return "0" }
            return (negative ? "-" : "") + trimmed
        }
        return double(n.double)
    }

    /// Java's `Double.toString(d)`: plain notation for 1e-3 <= |d| < 1e7 (always
    /// with a fraction digit), otherwise `d.dddE±n`; shortest round-trip digits.
    static func double(_ d: Double) -> String {
        if d.isNaN { return "NaN" }
        if d.isInfinite { return d < 0 ? "-Infinity" : "Infinity" }
        if d == 0 { return d.sign == .minus ? "-0.0" : "0.0" }
        let (digits, exp) = decimalDigits(abs(d))
        let sign = d < 0 ? "-" : ""
        let a = abs(d)
        if a >= 1e-3 && a < 1e7 {
            if exp >= 0 {
                let intCount = exp + 1
                var intPart = String(digits.prefix(intCount))
                if intPart.count < intCount { intPart += String(repeating: "0", count: intCount - intPart.count) }
                let frac = digits.count > intCount ? String(digits.dropFirst(intCount)) : "0"
                return sign + intPart + "." + frac
            } else {
                return sign + "0." + String(repeating: "0", count: -exp - 1) + digits
            }
        }
        let first = String(digits.prefix(1))
        let rest = digits.count > 1 ? String(digits.dropFirst()) : "0"
        return sign + first + "." + rest + "E" + String(exp)
    }

    /// Shortest significant digits of a positive finite double and the decimal
    /// exponent of its first digit (value = 0.d1d2... * 10^(exp+1)).
    static func decimalDigits(_ d: Double) -> (String, Int) {
        let text = d.description  // shortest round-trip, e.g. "1.5", "1e-05", "1.2345e+20"
        var mantissa = Substring(text)
        var e = 0
        if let k = text.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            mantissa = text[..<k]
            e = Int(text[text.index(after: k)...]) ?? 0
        }
        var digits = ""
        var pointPos: Int? = nil
        for c in mantissa {
            if c == "." { pointPos = digits.count } else { digits.append(c) }
        }
        var intCount = pointPos ?? digits.count
        // Drop leading zeros, moving the exponent.
        while digits.count > 1, digits.first == "0" {
            digits.removeFirst()
            intCount -= 1
        }
        while digits.count > 1, digits.last == "0" { digits.removeLast() }
        return (digits, e + intCount - 1)
    }

    /// `String.valueOf(x)` of the Java object AWS builds from a JSON value.
    static func toString(_ v: JSON) -> String {
        var out = ""
        append(v, to: &out)
        return out
    }

    static func append(_ v: JSON, to out: inout String) {
        switch v {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .number(let n): out += number(n)
        case .string(let s): out += s
        case .array(let a):
            out += "["
            for (k, e) in a.enumerated() {
                if k > 0 { out += ", " }
                append(e, to: &out)
            }
            out += "]"
        case .object(let o):
            out += "{"
            for (k, m) in o.members.enumerated() {
                if k > 0 { out += ", " }
                out += m.key
                out += "="
                append(m.value, to: &out)
            }
            out += "}"
        }
    }

    /// The value as Jackson writes it: compact, numbers normalized as Java prints them.
    static func json(_ v: JSON) -> String {
        switch v {
        case .number(let n): return number(n)
        case .null, .bool, .string: return v.serialized
        case .array(let a):
            return "[" + a.map(json).joined(separator: ",") + "]"
        case .object(let o):
            var out = "{"
            for (k, m) in o.members.enumerated() {
                if k > 0 { out += "," }
                out += JSON.string(m.key).serialized
                out += ":"
                out += json(m.value)
            }
            return out + "}"
        }
    }
}
