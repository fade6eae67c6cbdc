import CortadoJSON
import Foundation

/// Numeric functions and number parsing.
extension Builtins {
    static func toNumber(_ v: JV) throws(JSONataError) -> Double {
        switch v {
        case .number(let n): return n
        case .bool(let b): return b ? 1 : 0
        case .string(let s):
            if let d = parseJSNumberString(s) { return d }
            throw jerr("D3030", nil, s)
        default: throw jerr("D3030")
        }
    }

    static func parseJSNumberString(_ s: String) -> Double? {
        let u = Array(s.utf8)
        var i = 0
        func digits() -> Int { let st = i; while i < u.count, u[i] >= 48, u[i] <= 57 { i += 1 }; return i - st }
        // The reference tests /^(0[xX][0-9A-Fa-f]+)|(0[oO][0-7]+)|(0[bB][0-1]+)$/ (only the first
        // alternative anchored at the start) and then applies Number(), which may give NaN.
        if let r = radixLiteral(s) { return r }
        if i < u.count, u[i] == UInt8(ascii: "-") { i += 1 }
        if digits() > 0 {
            if i < u.count, u[i] == UInt8(ascii: ".") {
                i += 1
                if digits() == 0 { return nil }
            }
            if i < u.count, u[i] == UInt8(ascii: "e") || u[i] == UInt8(ascii: "E") {
                i += 1
                if i < u.count, u[i] == UInt8(ascii: "+") || u[i] == UInt8(ascii: "-") { i += 1 }
                if digits() == 0 { return nil }
            }
            if i == u.count, let d = Double(s), d.isFinite { return d }
            return nil
        }
        // 0x / 0o / 0b prefixes (the reference's regex only anchors the first alternative at the start)
        if u.count > 2, u[0] == UInt8(ascii: "0") {
            let body = String(s.dropFirst(2))
            switch u[1] {
            case UInt8(ascii: "x"), UInt8(ascii: "X"): return Int(body, radix: 16).map(Double.init)
            case UInt8(ascii: "o"), UInt8(ascii: "O"): return Int(body, radix: 8).map(Double.init)
            case UInt8(ascii: "b"), UInt8(ascii: "B"): return Int(body, radix: 2).map(Double.init)
            default: return nil
            }
        }
        return nil
    }

    static func radixLiteral(_ s: String) -> Double? {
        func isHex(_ c: Character) -> Bool { c.isHexDigit }
        let c = Array(s)
        let hexStart = c.count > 2 && c[0] == "0" && (c[1] == "x" || c[1] == "X") && isHex(c[2])
        func endsWith(_ marks: Set<Character>, _ digits: Set<Character>) -> Bool {
            var i = c.count - 1
            while i >= 0 && digits.contains(c[i]) { i -= 1 }
            return i < c.count - 1 && i >= 1 && marks.contains(c[i]) && c[i - 1] == "0"
        }
        let octEnd = endsWith(["o", "O"], Set("01234567"))
        let binEnd = endsWith(["b", "B"], ["0", "1"])
        guard hexStart || octEnd || binEnd else { return nil }
        if c.count > 2 && c[0] == "0" {
            let body = String(c[2...])
            switch c[1] {
            case "x", "X": if let v = UInt64(body, radix: 16) { return Double(v) }
            case "o", "O": if let v = UInt64(body, radix: 8) { return Double(v) }
            case "b", "B": if let v = UInt64(body, radix: 2) { return Double(v) }
            default: break
            }
        }
        return .nan
    }

    /// Round half to even, with optional decimal precision (the reference's $round).
    static func roundHalfEven(_ x: Double, _ precision: Double?) -> Double {
        var arg = x
        let p = precision.map { max(-400, min(400, toInt($0))) } ?? 0
        if p != 0 { arg = shiftDecimal(arg, p) }
        var result = (arg).rounded(.toNearestOrAwayFromZero)
        if arg < 0 && (arg - arg.rounded(.down)) == 0.5 { result = arg.rounded(.up) }  // JS Math.round rounds .5 up
        let diff = result - arg
        if abs(diff) == 0.5 && abs(result.truncatingRemainder(dividingBy: 2)) == 1 { result -= 1 }
        if p != 0 { result = shiftDecimal(result, -p) }
        if result == 0 { result = 0 }
        return result
    }

    /// Multiplies by 10^p exactly by editing the decimal exponent of the JS string form.
    static func shiftDecimal(_ x: Double, _ p: Int) -> Double {
        let s = formatJSNumber(x)
        if let fast = shiftDecimalFast(s, p) { return fast }
        return shiftDecimalByText(s, p, x)
    }

    /// `shiftDecimal` without building and parsing a second string, where the JS text allows
    /// it (`JSONNumber.fastPathDouble`); nil otherwise. ($round spent 10k instructions a call
    /// in the two string round trips.)
    static func shiftDecimalFast(_ s: String, _ p: Int) -> Double? {
        var s = s
        return s.withUTF8 { JSONNumber.fastPathDouble($0, timesPowerOfTen: p) }
    }

    static func shiftDecimalByText(_ s: String, _ p: Int, _ x: Double) -> Double {
        let parts = s.split(separator: "e", maxSplits: 1)
        let e = parts.count > 1 ? Int(parts[1])! + p : p
        return Double(parts[0] + "e" + String(e)) ?? x
    }

    static func registerNumeric(_ r: inout [String: JFunc]) {
        r["number"] = .native("number", "<(nsb)-:n>") { (_, a) throws(JSONataError) -> JV? in
            guard let v = arg(a, 0) else { return nil }
            return .number(try toNumber(v))
        }
        r["floor"] = .native("floor", "<n-:n>") { (_, a) throws(JSONataError) -> JV? in argNum(a, 0).map { .number($0.rounded(.down)) } }
        r["ceil"] = .native("ceil", "<n-:n>") { (_, a) throws(JSONataError) -> JV? in argNum(a, 0).map { .number($0.rounded(.up)) } }
        r["abs"] = .native("abs", "<n-:n>") { (_, a) throws(JSONataError) -> JV? in argNum(a, 0).map { .number(abs($0)) } }
        r["round"] = .native("round", "<n-n?:n>") { (_, a) throws(JSONataError) -> JV? in
            guard let x = argNum(a, 0) else { return nil }
            if let p = argNum(a, 1), p != p.rounded() { return .number(.nan) }  // "1e2.5" is NaN in the reference
            return .number(roundHalfEven(x, argNum(a, 1)))
        }
        r["sqrt"] = .native("sqrt", "<n-:n>") { (_, a) throws(JSONataError) -> JV? in
            guard let x = argNum(a, 0) else { return nil }
            if x < 0 { throw jerr("D3060") }
            return .number(x.squareRoot())
        }
        r["power"] = .native("power", "<n-n:n>") { (_, a) throws(JSONataError) -> JV? in
            guard let x = argNum(a, 0), let y = argNum(a, 1) else { return nil }
            let v = pow(x, y)
            if !v.isFinite { throw jerr("D3061") }
            return .number(v)
        }
        r["random"] = .native("random", "<:n>") { (_, _) throws(JSONataError) -> JV? in .number(Double.random(in: 0..<1)) }
        r["sum"] = .native("sum", "<a<n>:n>") { (_, a) throws(JSONataError) -> JV? in
            guard let arr = arg(a, 0)?.arr else { return nil }
            return .number(arr.items.reduce(0) { $0 + ($1.num ?? 0) })
        }
        r["max"] = .native("max", "<a<n>:n>") { (_, a) throws(JSONataError) -> JV? in
            guard let arr = arg(a, 0)?.arr, !arr.items.isEmpty else { return nil }
            return .number(arr.items.compactMap { $0.num }.max()!)
        }
        r["min"] = .native("min", "<a<n>:n>") { (_, a) throws(JSONataError) -> JV? in
            guard let arr = arg(a, 0)?.arr, !arr.items.isEmpty else { return nil }
            return .number(arr.items.compactMap { $0.num }.min()!)
        }
        r["average"] = .native("average", "<a<n>:n>") { (_, a) throws(JSONataError) -> JV? in
            guard let arr = arg(a, 0)?.arr, !arr.items.isEmpty else { return nil }
            return .number(arr.items.reduce(0) { $0 + ($1.num ?? 0) } / Double(arr.count))
        }
        r["formatBase"] = .native("formatBase", "<n-n?:s>") { (_, a) throws(JSONataError) -> JV? in
            guard let x = argNum(a, 0) else { return nil }
            let v = roundHalfEven(x, nil)
            let radix = argNum(a, 1).map { roundHalfEven($0, nil) } ?? 10
            if radix < 2 || radix > 36 { throw jerr("D3100") }
            guard abs(v) < 9e18 else { return .string(formatJSNumber(v)) }
            return .string(String(Int64(v), radix: Int(radix)))
        }
    }
}
