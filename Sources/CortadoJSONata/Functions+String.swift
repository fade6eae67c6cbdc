// $string serialization (JSON.stringify-compatible) and the string functions.

import Foundation

// MARK: - JSON.stringify-compatible serialization ($string)

extension Evaluator {
    /// `$string(v)`: strings as-is, functions as "", everything else JSON.stringify'd with
    /// numbers at 15 significant digits.
    func stringify(_ v: JV, pretty: Bool = false) throws(JSONataError) -> String {
        switch v {
        case .string(let s): return s
        case .function: return ""
        case .number(let n) where !n.isFinite: throw jerr("D3001")
        case .array(let a) where a.outerWrapper && !a.items.isEmpty:
            return try stringify(a.items[0], pretty: pretty)
        default:
            var out = ""
            try writeJSON(v, &out, pretty: pretty, indent: 0, round15: true)
            return out
        }
    }

    func writeJSON(_ v: JV, _ out: inout String, pretty: Bool, indent: Int, round15: Bool) throws(JSONataError) {
        switch v {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .number(let n):
            if !n.isFinite { if round15 { throw jerr("D1001") }; out += "null" } else { out += round15 ? formatJSNumberPrecision15(n) : formatJSNumber(n) }
        case .string(let s): writeJSONString(s, &out)
        case .function: out += "\"\""
        case .array(let a):
            if a.items.isEmpty { out += "[]"; return }
            out += "["
            for (i, x) in a.items.enumerated() {
                if i > 0 { out += "," }
                if pretty { out += "\n" + String(repeating: " ", count: indent + 2) }
                try writeJSON(x, &out, pretty: pretty, indent: indent + 2, round15: round15)
            }
            if pretty { out += "\n" + String(repeating: " ", count: indent) }
            out += "]"
        case .object(let o):
            if o.count == 0 { out += "{}"; return }
            out += "{"
            for (i, k) in o.keys.enumerated() {
                if i > 0 { out += "," }
                if pretty { out += "\n" + String(repeating: " ", count: indent + 2) }
                writeJSONString(k, &out)
                out += pretty ? ": " : ":"
                try writeJSON(o[k]!, &out, pretty: pretty, indent: indent + 2, round15: round15)
            }
            if pretty { out += "\n" + String(repeating: " ", count: indent) }
            out += "}"
        }
    }
}

func writeJSONString(_ s: String, _ out: inout String) {
    out += "\""
    for u in s.unicodeScalars {
        switch u {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        case "\u{08}": out += "\\b"
        case "\u{0C}": out += "\\f"
        default:
            if u.value >= loneSurrogateBase {
                out += "\\u" + String(0xD800 + (u.value - loneSurrogateBase), radix: 16)
            } else if u.value < 0x20 {
                let h = String(u.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - h.count) + h
            } else {
                out.unicodeScalars.append(u)
            }
        }
    }
    out += "\""
}

// MARK: - String functions

@inline(__always) func argStr(_ a: [JV?], _ i: Int) -> String? { i < a.count ? a[i]?.str : nil }
@inline(__always) func argNum(_ a: [JV?], _ i: Int) -> Double? { i < a.count ? a[i]?.num : nil }
@inline(__always) func arg(_ a: [JV?], _ i: Int) -> JV? { i < a.count ? a[i] : nil }

func substringScalars(_ str: String, _ startIn: Double, _ length: Double?) -> String {
    let chars = Array(str.unicodeScalars)
    let n = chars.count
    var start = startIn
    if Double(n) + start < 0 { start = 0 }
    func slice(_ s: Double, _ e: Double) -> String {
        var a = s < 0 ? max(0, Double(n) + s) : min(s, Double(n))
        var b = e < 0 ? max(0, Double(n) + e) : min(e, Double(n))
        a = a.rounded(.towardZero); b = b.rounded(.towardZero)
        if a >= b { return "" }
        var v = String.UnicodeScalarView()
        v.append(contentsOf: chars[Int(a)..<Int(b)])
        return String(v)
    }
    if let length {
        if length <= 0 { return "" }
        let end = start >= 0 ? start + length : Double(n) + start + length
        return slice(start, end)
    }
    return slice(start, Double(n))
}

extension Builtins {
    static func registerString(_ r: inout [String: JFunc]) {
        r["string"] = .native("string", "<x-b?:s>", arity: 1) { (ctx, a) throws(JSONataError) -> JV? in
            guard let v = arg(a, 0) else { return nil }
            let pretty: Bool
            if case .bool(let b)? = arg(a, 1) { pretty = b } else { pretty = false }
            return .string(try ctx.ev.stringify(v, pretty: pretty))
        }
        r["substring"] = .native("substring", "<s-nn?:s>") { (_, a) throws(JSONataError) -> JV? in
            guard let s = argStr(a, 0) else { return nil }
            guard let start = argNum(a, 1) else { return .string(argNum(a, 2) == nil ? s : "") }  // JS NaN arithmetic
            return .string(substringScalars(s, start, argNum(a, 2)))
        }
        r["substringBefore"] = .native("substringBefore", "<s-s:s>") { (_, a) throws(JSONataError) -> JV? in
            guard let s = argStr(a, 0) else { return nil }
            guard let c = argStr(a, 1) else { return .string(s) }
            if c.isEmpty { return .string("") }
            if let r = s.range(of: c, options: .literal) { return .string(String(s[..<r.lowerBound])) }
            return .string(s)
        }
        r["substringAfter"] = .native("substringAfter", "<s-s:s>") { (_, a) throws(JSONataError) -> JV? in
            guard let s = argStr(a, 0) else { return nil }
            guard let c = argStr(a, 1) else { return .string(s) }
            if c.isEmpty { return .string(s) }
            if let r = s.range(of: c, options: .literal) { return .string(String(s[r.upperBound...])) }
            return .string(s)
        }
        r["lowercase"] = .native("lowercase", "<s-:s>") { (_, a) throws(JSONataError) -> JV? in
            argStr(a, 0).map { .string($0.lowercased()) }
        }
        r["uppercase"] = .native("uppercase", "<s-:s>") { (_, a) throws(JSONataError) -> JV? in
            argStr(a, 0).map { .string($0.uppercased()) }
        }
        r["length"] = .native("length", "<s-:n>") { (_, a) throws(JSONataError) -> JV? in
            argStr(a, 0).map { .number(Double($0.unicodeScalars.count)) }
        }
        r["trim"] = .native("trim", "<s-:s>") { (_, a) throws(JSONataError) -> JV? in
            guard let s = argStr(a, 0) else { return nil }
            var out = String.UnicodeScalarView()
            var inWS = false
            for u in s.unicodeScalars {
                if u == " " || u == "\t" || u == "\n" || u == "\r" {
                    if !inWS { out.append(" "); inWS = true }
                } else { out.append(u); inWS = false }
            }
            var str = String(out)
            if str.hasPrefix(" ") { str.removeFirst() }
            if str.hasSuffix(" ") { str.removeLast() }
            return .string(str)
        }
        r["pad"] = .native("pad", "<s-ns?:s>") { (_, a) throws(JSONataError) -> JV? in
            guard let s = argStr(a, 0) else { return nil }
            let width = argNum(a, 1) ?? 0
            var ch = argStr(a, 2) ?? " "
            if ch.isEmpty { ch = " " }
            let padLength = min(toInt(abs(width)), 10_000_000) - s.unicodeScalars.count
            guard padLength > 0 else { return .string(s) }
            var padding = String(repeating: ch, count: padLength)
            if ch.unicodeScalars.count > 1 { padding = substringScalars(padding, 0, Double(padLength)) }
            return .string(width > 0 ? s + padding : padding + s)
        }
        r["contains"] = .native("contains", "<s-(sf):b>") { (ctx, a) throws(JSONataError) -> JV? in
            guard let s = argStr(a, 0) else { return nil }
            switch arg(a, 1) {
            case .string(let t)?: return .bool(t.isEmpty || s.contains(t))
            case .function(let f)?:
                return .bool(!(try ctx.ev.matches(f, s, limit: 1, env: ctx.env)).isEmpty)
            default: return nil
            }
        }
        r["split"] = .native("split", "<s-(sf)n?:a<s>>") { (ctx, a) throws(JSONataError) -> JV? in
            guard let s = argStr(a, 0) else { return nil }
            var limit: Int?
            if let l = argNum(a, 2) {
                if l < 0 { throw jerr("D3020") }
                limit = toInt(l.rounded(.down))
            }
            var result: [JV] = []
            if let l = limit, l == 0 { return .array(JArr()) }
            switch arg(a, 1) {
            case .string(let sep)?:
                let parts: [String]
                if sep.isEmpty {
                    parts = s.utf16.isEmpty ? [] : s.unicodeScalars.map { String($0) }
                } else {
                    parts = s.components(separatedBy: sep)
                }
                result = parts.map { .string($0) }
                if let l = limit, result.count > l { result = Array(result.prefix(l)) }
            case .function(let f)?:
                let ns = s as NSString
                let ms = try ctx.ev.matches(f, s, limit: limit, env: ctx.env)
                if ms.isEmpty { result = [.string(s)] } else {
                    var start = 0
                    for m in ms {
                        result.append(.string(ns.substring(with: NSRange(location: start, length: max(0, m.start - start)))))
                        start = m.end
                    }
                    if limit == nil || ms.count < limit! { result.append(.string(ns.substring(from: min(start, ns.length)))) }
                }
            default: break
            }
            return .array(JArr(result))
        }
        r["join"] = .native("join", "<a<s>s?:s>") { (_, a) throws(JSONataError) -> JV? in
            guard let arr = arg(a, 0)?.arr else { return nil }
            let sep = argStr(a, 1) ?? ""
            return .string(arr.items.map { $0.str ?? "" }.joined(separator: sep))
        }
        r["match"] = .native("match", "<s-f<s:o>n?:a<o>>") { (ctx, a) throws(JSONataError) -> JV? in
            guard let s = argStr(a, 0) else { return nil }
            var limit: Int?
            if let l = argNum(a, 2) {
                if l < 0 { throw jerr("D3040") }
                limit = toInt(l.rounded(.down))
            }
            let result = JArr.seq()
            if let l = limit, l == 0 { return .array(result) }
            guard let f = arg(a, 1)?.fn else { throw jerr("T1010") }
            for m in try ctx.ev.matches(f, s, limit: limit, env: ctx.env) {
                let o = JObj()
                o["match"] = .string(m.match)
                o["index"] = .number(Double(m.start))
                o["groups"] = .array(JArr(m.groups.map { .string($0) }))
                result.items.append(.object(o))
            }
            return .array(result)
        }
        r["replace"] = .native("replace", "<s-(sf)(sf)n?:s>") { (ctx, a) throws(JSONataError) -> JV? in
            guard let s = argStr(a, 0) else { return nil }
            let pattern = arg(a, 1)
            if case .string(let p)? = pattern, p.isEmpty { throw jerr("D3010") }
            var limit: Int?
            if let l = argNum(a, 3) {
                if l < 0 { throw jerr("D3011") }
                limit = toInt(l.rounded(.down))
            }
            if let l = limit, l == 0 { return .string(s) }
            let replacement = arg(a, 2)
            switch pattern {
            case .string(let p)?:
                guard case .string(let rep)? = replacement else {
                    if s.range(of: p, options: .literal) == nil { return .string(s) }
                    throw jerr("D3012")
                }
                var out = ""
                var rest = s[...]
                var count = 0
                while limit == nil || count < limit! {
                    guard let r = rest.range(of: p, options: .literal) else { break }
                    out += rest[..<r.lowerBound]
                    out += rep
                    rest = rest[r.upperBound...]
                    count += 1
                }
                out += rest
                return .string(out)
            case .function(let f)?:
                let ns = s as NSString
                let ms = try ctx.ev.matches(f, s, limit: limit, env: ctx.env)
                if ms.isEmpty { return .string(s) }
                var out = ""
                var position = 0
                for m in ms {
                    out += ns.substring(with: NSRange(location: position, length: max(0, m.start - position)))
                    switch replacement {
                    case .string(let rep)?: out += expandReplacement(rep, m)
                    case .function?:
                        let mo = JObj()
                        mo["match"] = .string(m.match)
                        mo["start"] = .number(Double(m.start))
                        mo["end"] = .number(Double(m.end))
                        mo["groups"] = .array(JArr(m.groups.map { .string($0) }))
                        let v = try ctx.ev.apply(replacement, [.object(mo)], nil, ctx.env)
                        guard case .string(let str)? = v else { throw jerr("D3012") }
                        out += str
                    default: throw jerr("D3012")
                    }
                    position = m.start + (m.match as NSString).length
                }
                out += ns.substring(from: min(position, ns.length))
                return .string(out)
            default: return nil
            }
        }
        r["base64encode"] = .native("base64encode", "<s-:s>") { (_, a) throws(JSONataError) -> JV? in
            guard let s = argStr(a, 0) else { return nil }
            // 'binary' encoding: each code unit becomes one byte (low 8 bits)
            let bytes = s.utf16.map { UInt8(truncatingIfNeeded: $0) }
            return .string(Data(bytes).base64EncodedString())
        }
        r["base64decode"] = .native("base64decode", "<s-:s>") { (_, a) throws(JSONataError) -> JV? in
            guard let s = argStr(a, 0) else { return nil }
            // Like Node's Buffer.from(s, 'base64'): skip invalid characters, stop at padding.
            var t = ""
            for c in s.unicodeScalars {
                if c == "=" { break }
                if c == "-" { t += "+" } else if c == "_" { t += "/" } else if c.isASCII,
                    c.properties.isAlphabetic || ("0"..."9").contains(c) || c == "+" || c == "/" { t.unicodeScalars.append(c) }
            }
            if t.count % 4 == 1 { t.removeLast() }
            while t.count % 4 != 0 { t += "=" }
            guard let d = Data(base64Encoded: t) else { return .string("") }
            var out = String.UnicodeScalarView()
            for b in d { out.append(Unicode.Scalar(b)) }
            return .string(String(out))
        }
        registerURL(&r)
    }

    static func expandReplacement(_ rep: String, _ m: JRegex.Match) -> String {
        let chars = Array(rep.unicodeScalars)
        var out = String.UnicodeScalarView()
        var i = 0
        while i < chars.count {
            let c = chars[i]
            guard c == "$", i + 1 < chars.count else { out.append(c); i += 1; continue }
            let d = chars[i + 1]
            if d == "$" { out.append("$"); i += 2; continue }
            if d == "0" { out.append(contentsOf: m.match.unicodeScalars); i += 2; continue }
            let maxDigits = m.groups.isEmpty ? 1 : Int(log10(Double(m.groups.count)).rounded(.down)) + 1
            var digits = ""
            var j = i + 1
            while j < chars.count, digits.count < maxDigits, ("0"..."9").contains(chars[j]) { digits.unicodeScalars.append(chars[j]); j += 1 }
            guard var index = Int(digits) else { out.append("$"); i += 1; continue }
            if maxDigits > 1 && index > m.groups.count && digits.count > 1 {
                digits.removeLast()
                index = Int(digits) ?? 0
            }
            if !m.groups.isEmpty, index >= 1, index <= m.groups.count { out.append(contentsOf: m.groups[index - 1].unicodeScalars) }
            i += 1 + String(index).count
        }
        return String(out)
    }
}
