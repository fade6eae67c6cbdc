import CortadoJSON

/// A JSONata error, with the code JSONata gives it (`S0201`, `T2002`, ...). Step Functions
/// reports these as `States.QueryEvaluationError`.
struct JSONataError: Error, Sendable, Equatable, CustomStringConvertible {
    var code: String
    var message: String
    init(_ code: String, _ message: String) { self.code = code; self.message = message }
    var description: String { "\(code): \(message)" }
}

/// One lexical token of a JSONata expression.
enum JSONataToken: Equatable {
    case number(String)
    case string(String)
    /// A field name (plain or back-quoted).
    case name(String)
    /// `$name`; the empty name is `$` (context item) and `"$"` is `$$` (root).
    case variable(String)
    /// An operator or punctuation: `.`, `[`, `:=`, `!=`, `and`, ...
    case op(String)
    case end
}

/// Splits a JSONata expression into tokens. Regular expressions (`/.../`) are not supported.
struct JSONataLexer {
    private let scalars: [Unicode.Scalar]
    private var i = 0

    init(_ text: String) { scalars = Array(text.unicodeScalars) }

    static let twoCharOperators: Set<String> = [":=", "!=", "<=", ">=", "..", "~>", "**", "?:", "??"]
    static let oneCharOperators: Set<Unicode.Scalar> = [
        ".", "[", "]", "{", "}", "(", ")", ",", "@", "#", ";", ":", "?", "+", "-", "*", "/", "%", "|", "=", "<",
        ">", "^", "&", "!", "~",
    ]

    /// All tokens, ending with `.end`.
    mutating func tokenize() throws(JSONataError) -> [JSONataToken] {
        var out: [JSONataToken] = []
        while true {
            let t = try next()
            out.append(t)
            if t == .end { return out }
        }
    }

    private func peek(_ k: Int = 0) -> Unicode.Scalar? { i + k < scalars.count ? scalars[i + k] : nil }

    private mutating func next() throws(JSONataError) -> JSONataToken {
        skipSpaceAndComments()
        guard let c = peek() else { return .end }
        if let d = peek(1) {
            let two = String(c) + String(d)
            if Self.twoCharOperators.contains(two) {
                // `..` only as the range operator; `.5` style numbers do not exist in JSONata.
                i += 2
                return .op(two)
            }
        }
        if c == "\"" || c == "'" { return .string(try readString(quote: c)) }
        if c == "`" {
            i += 1
            var name = ""
            while let x = peek(), x != "`" { name.unicodeScalars.append(x); i += 1 }
            guard peek() == "`" else { throw JSONataError("S0105", "Quoted property name must be terminated with a backquote (`)") }
            i += 1
            return .name(name)
        }
        if isDigit(c) { return .number(readNumber()) }
        if c == "$" {
            i += 1
            if peek() == "$" { i += 1; return .variable("$") }
            return .variable(readName())
        }
        if Self.oneCharOperators.contains(c) {
            i += 1
            return .op(String(c))
        }
        let name = readName()
        guard !name.isEmpty else {
            throw JSONataError("S0204", "Unknown operator: \"\(c)\"")
        }
        switch name {
        case "and", "or", "in": return .op(name)
        default: return .name(name)
        }
    }

    private mutating func skipSpaceAndComments() {
        while let c = peek() {
            if c == " " || c == "\t" || c == "\n" || c == "\r" { i += 1; continue }
            if c == "/", peek(1) == "*" {
                i += 2
                while i < scalars.count, !(peek() == "*" && peek(1) == "/") { i += 1 }
                i = min(i + 2, scalars.count)
                continue
            }
            return
        }
    }

    private func isDigit(_ c: Unicode.Scalar) -> Bool { c >= "0" && c <= "9" }

    /// Names run until whitespace or an operator character, as in JSONata.
    private mutating func readName() -> String {
        var s = ""
        while let c = peek() {
            if c == " " || c == "\t" || c == "\n" || c == "\r" || c == "\"" || c == "'" || c == "`" || c == "$" { break }
            if Self.oneCharOperators.contains(c) { break }
            s.unicodeScalars.append(c)
            i += 1
        }
        return s
    }

    private mutating func readNumber() -> String {
        var s = ""
        while let c = peek(), isDigit(c) { s.unicodeScalars.append(c); i += 1 }
        if peek() == ".", let d = peek(1), isDigit(d) {
            s.unicodeScalars.append("."); i += 1
            while let c = peek(), isDigit(c) { s.unicodeScalars.append(c); i += 1 }
        }
        if let e = peek(), e == "e" || e == "E" {
            var k = 1
            if let sign = peek(1), sign == "+" || sign == "-" { k = 2 }
            if let d = peek(k), isDigit(d) {
                for _ in 0..<k { s.unicodeScalars.append(scalars[i]); i += 1 }
                while let c = peek(), isDigit(c) { s.unicodeScalars.append(c); i += 1 }
            }
        }
        return s
    }

    private mutating func readString(quote: Unicode.Scalar) throws(JSONataError) -> String {
        i += 1
        var s = ""
        while let c = peek() {
            i += 1
            if c == quote { return s }
            if c == "\\" {
                guard let e = peek() else { break }
                i += 1
                switch e {
                case "\"", "\\", "/", "'": s.unicodeScalars.append(e)
                case "b": s.unicodeScalars.append("\u{08}")
                case "f": s.unicodeScalars.append("\u{0C}")
                case "n": s.unicodeScalars.append("\n")
                case "r": s.unicodeScalars.append("\r")
                case "t": s.unicodeScalars.append("\t")
                case "u":
                    guard i + 4 <= scalars.count,
                        let code = UInt32(String(String.UnicodeScalarView(scalars[i..<i + 4])), radix: 16)
                    else { throw JSONataError("S0104", "The escape sequence \\u must be followed by 4 hex digits") }
                    i += 4
                    s.unicodeScalars.append(Unicode.Scalar(code) ?? "\u{FFFD}")
                default:
                    throw JSONataError("S0103", "Unsupported escape sequence: \\\(e)")
                }
                continue
            }
            s.unicodeScalars.append(c)
        }
        throw JSONataError("S0101", "String literal must be terminated by a matching quote")
    }
}
