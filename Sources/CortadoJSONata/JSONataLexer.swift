/// Swift strings cannot hold lone UTF-16 surrogates (which JavaScript strings can): the lexer
/// maps `\uD800`–`\uDFFF` escapes without a partner to U+10F800–U+10FFFF (the end of plane 16's
/// private use area); URL encoding rejects them and $string writes them back as `\udXXX`.
let loneSurrogateBase: UInt32 = 0x10F800

/// A lexical token of a JSONata expression.
struct Token {
    enum Kind { case name, variable, op, string, number, value, regex, end }
    var kind: Kind
    var text: String = ""        // names, variables, operators, strings, regex pattern
    var number: Double = 0
    var literal: JV = .null      // for `value` (true/false/null)
    var flags: String = ""       // regex flags
    var position: Int
}

/// The JSONata tokenizer. `next(prefix:)` decides whether `/` starts a regex.
struct Lexer {
    let src: [Unicode.Scalar]
    var pos = 0

    init(_ source: String) { src = Array(source.unicodeScalars) }

    static let operatorChars: Set<Unicode.Scalar> = [".", "[", "]", "{", "}", "(", ")", ",", "@", "#", ";", ":", "?", "+", "-",
                                                    "*", "/", "%", "|", "=", "<", ">", "^", "&", "!", "~"]

    @inline(__always) func ch(_ i: Int) -> Unicode.Scalar? { i < src.count && i >= 0 ? src[i] : nil }

    static func isSpace(_ c: Unicode.Scalar) -> Bool { c == " " || c == "\t" || c == "\n" || c == "\r" || c == "\u{0B}" }

    mutating func next(prefix: Bool) throws(JSONataError) -> Token {
        while let c = ch(pos), Lexer.isSpace(c) { pos += 1 }
        guard let c = ch(pos) else { return Token(kind: .end, position: src.count) }
        if c == "/", ch(pos + 1) == "*" {
            let start = pos
            pos += 2
            while !(ch(pos) == "*" && ch(pos + 1) == "/") {
                if pos >= src.count { throw jerr("S0106", start) }
                pos += 1
            }
            pos += 2
            return try next(prefix: prefix)
        }
        if !prefix && c == "/" {
            pos += 1
            return try scanRegex()
        }
        let start = pos
        let two: [(Unicode.Scalar, Unicode.Scalar, String)] = [(".", ".", ".."), (":", "=", ":="), ("!", "=", "!="), (">", "=", ">="),
                                                              ("<", "=", "<="), ("*", "*", "**"), ("~", ">", "~>")]
        if let n = ch(pos + 1) {
            for (a, b, s) in two where c == a && n == b {
                pos += 2
                return Token(kind: .op, text: s, position: start)
            }
        }
        if Lexer.operatorChars.contains(c) {
            pos += 1
            return Token(kind: .op, text: String(Character(c)), position: start)
        }
        if c == "\"" || c == "'" {
            pos += 1
            var s = String.UnicodeScalarView()
            while pos < src.count {
                var cur = src[pos]
                if cur == "\\" {
                    pos += 1
                    guard let e = ch(pos) else { break }
                    cur = e
                    switch e {
                    case "\"", "\\", "/": s.append(e)
                    case "b": s.append("\u{08}")
                    case "f": s.append("\u{0C}")
                    case "n": s.append("\n")
                    case "r": s.append("\r")
                    case "t": s.append("\t")
                    case "u":
                        guard let cp = hex4(pos + 1) else { throw jerr("S0104", pos) }
                        pos += 4
                        var code = cp
                        // surrogate pair
                        if (0xD800..<0xDC00).contains(cp), ch(pos + 1) == "\\", ch(pos + 2) == "u", let lo = hex4(pos + 3),
                           (0xDC00..<0xE000).contains(lo) {
                            code = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00)
                            pos += 6
                        }
                        s.append(Unicode.Scalar(code) ?? Unicode.Scalar(loneSurrogateBase + (code - 0xD800))!)
                    default: throw jerr("S0103", pos, String(Character(e)))
                    }
                } else if cur == c {
                    pos += 1
                    return Token(kind: .string, text: String(s), position: start)
                } else {
                    s.append(cur)
                }
                pos += 1
            }
            throw jerr("S0101", pos)
        }
        // number: -?(0|[1-9][0-9]*)(\.[0-9]+)?([Ee][-+]?[0-9]+)?  (the '-' is never reached: it is an operator)
        if c.properties.numericType != nil, ("0"..."9").contains(c) {
            var i = pos
            if src[i] == "0" { i += 1 } else { while let d = ch(i), ("0"..."9").contains(d) { i += 1 } }
            if ch(i) == ".", let d = ch(i + 1), ("0"..."9").contains(d) {
                i += 1
                while let d = ch(i), ("0"..."9").contains(d) { i += 1 }
            }
            if let e = ch(i), e == "e" || e == "E" {
                var j = i + 1
                if let s = ch(j), s == "+" || s == "-" { j += 1 }
                if let d = ch(j), ("0"..."9").contains(d) {
                    while let d = ch(j), ("0"..."9").contains(d) { j += 1 }
                    i = j
                }
            }
            let text = String(String.UnicodeScalarView(src[pos..<i]))
            let v = Double(text) ?? .infinity
            if !v.isFinite { throw jerr("S0102", pos, text) }
            pos = i
            return Token(kind: .number, number: v, position: start)
        }
        if c == "`" {
            pos += 1
            var i = pos
            while i < src.count, src[i] != "`" { i += 1 }
            if i < src.count {
                let name = String(String.UnicodeScalarView(src[pos..<i]))
                pos = i + 1
                return Token(kind: .name, text: name, position: start)
            }
            pos = src.count
            throw jerr("S0105", pos)
        }
        var i = pos
        while i < src.count, !Lexer.isSpace(src[i]), !Lexer.operatorChars.contains(src[i]) { i += 1 }
        if c == "$" {
            let name = String(String.UnicodeScalarView(src[(pos + 1)..<i]))
            pos = i
            return Token(kind: .variable, text: name, position: start)
        }
        let name = String(String.UnicodeScalarView(src[pos..<i]))
        pos = i
        switch name {
        case "or", "in", "and": return Token(kind: .op, text: name, position: start)
        case "true": return Token(kind: .value, literal: .bool(true), position: start)
        case "false": return Token(kind: .value, literal: .bool(false), position: start)
        case "null": return Token(kind: .value, literal: .null, position: start)
        default:
            if name.isEmpty { return Token(kind: .end, position: src.count) }
            return Token(kind: .name, text: name, position: start)
        }
    }

    func hex4(_ at: Int) -> UInt32? {
        guard at + 4 <= src.count else { return nil }
        var v: UInt32 = 0
        for k in at..<(at + 4) {
            guard let h = src[k].properties.numericType != nil ? UInt32(String(src[k]), radix: 16) : UInt32(String(src[k]), radix: 16)
            else { return nil }
            v = v * 16 + h
        }
        return v
    }

    mutating func scanRegex() throws(JSONataError) -> Token {
        let start = pos
        var depth = 0
        while pos < src.count {
            let c = src[pos]
            if c == "/" && depth == 0 {
                var bs = 0
                while ch(pos - bs - 1) == "\\" { bs += 1 }
                if bs % 2 == 0 {
                    let pattern = String(String.UnicodeScalarView(src[start..<pos]))
                    if pattern.isEmpty { throw jerr("S0301", pos) }
                    pos += 1
                    let fstart = pos
                    while let f = ch(pos), f == "i" || f == "m" { pos += 1 }
                    let flags = String(String.UnicodeScalarView(src[fstart..<pos]))
                    return Token(kind: .regex, text: pattern, flags: flags, position: start - 1)
                }
            }
            if (c == "(" || c == "[" || c == "{") && ch(pos - 1) != "\\" { depth += 1 }
            if (c == ")" || c == "]" || c == "}") && ch(pos - 1) != "\\" { depth -= 1 }
            pos += 1
        }
        throw jerr("S0302", pos)
    }
}
