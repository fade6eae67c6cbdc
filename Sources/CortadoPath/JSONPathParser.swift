import CortadoJSON

// ASCII bytes the path grammar uses.
enum ASCII {
    static let dollar = UInt8(ascii: "$"), at = UInt8(ascii: "@"), dot = UInt8(ascii: ".")
    static let lbracket = UInt8(ascii: "["), rbracket = UInt8(ascii: "]")
    static let lparen = UInt8(ascii: "("), rparen = UInt8(ascii: ")")
    static let lbrace = UInt8(ascii: "{"), rbrace = UInt8(ascii: "}")
    static let star = UInt8(ascii: "*"), question = UInt8(ascii: "?"), comma = UInt8(ascii: ",")
    static let colon = UInt8(ascii: ":"), minus = UInt8(ascii: "-"), plus = UInt8(ascii: "+")
    static let squote = UInt8(ascii: "'"), dquote = UInt8(ascii: "\"")
    static let backslash = UInt8(ascii: "\\"), slash = UInt8(ascii: "/"), space = UInt8(ascii: " ")
    static let bang = UInt8(ascii: "!"), amp = UInt8(ascii: "&"), pipe = UInt8(ascii: "|")
    static let lt = UInt8(ascii: "<"), gt = UInt8(ascii: ">"), eq = UInt8(ascii: "="), tilde = UInt8(ascii: "~")

    static func isDigit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }
    static func isWhitespace(_ c: UInt8) -> Bool { c == 0x20 || c == 0x09 || c == 0x0A || c == 0x0D }
}

/// Maximum nesting of filters inside filter paths (`[?(@[?(...)])]`).
let jsonPathMaxFilterDepth = 16

/// Java's `Integer.parseInt`: optional sign, ASCII digits, 32-bit range.
func javaParseInt(_ s: ArraySlice<UInt8>) -> Int? {
    var i = s.startIndex
    guard i < s.endIndex else { return nil }
    var neg = false
    if s[i] == ASCII.minus || s[i] == ASCII.plus { neg = s[i] == ASCII.minus; i += 1 }
    guard i < s.endIndex else { return nil }
    var v = 0
    while i < s.endIndex {
        guard ASCII.isDigit(s[i]) else { return nil }
        v = v * 10 + Int(s[i] - 0x30)
        if v > 2_147_483_648 { return nil }
        i += 1
    }
    if neg { v = -v }
    guard v >= -2_147_483_648 && v <= 2_147_483_647 else { return nil }
    return v
}

/// Compiles path text into segments, following Jayway's `PathCompiler` token rules.
struct JSONPathParser {
    let b: [UInt8]
    let text: String
    var i = 0
    /// Filter nesting level of this path (0 at top level).
    let depth: Int

    init(_ text: String, depth: Int) {
        self.text = text
        self.b = Array(text.utf8)
        self.depth = depth
    }

    var n: Int { b.count }

    func error(_ what: String) -> PathSyntaxError {
        PathSyntaxError("Invalid JSONPath '\(text)': \(what)")
    }

    /// A top-level path: `$...`, `$$...` (context object) or, when allowed, `$name...` (variable).
    mutating func parseTopLevel(allowingVariables: Bool) throws(PathSyntaxError)
        -> (isContext: Bool, variable: String?, segments: [JSONPathSegment])
    {
        guard !b.isEmpty else { throw error("a path must not be empty") }
        guard b[0] == ASCII.dollar else { throw error("a path must start with '$'") }
        let ctx = n >= 2 && b[1] == ASCII.dollar
        i = ctx ? 2 : 1
        var variable: String? = nil
        if !ctx, i < n, Self.isVariableStart(b[i]) {
            var j = i
            while j < n && (Self.isVariableStart(b[j]) || ASCII.isDigit(b[j])) { j += 1 }
            let name = String(decoding: b[i..<j], as: UTF8.self)
            guard allowingVariables else {
                throw error("'$\(name)' is a variable reference, not a JSONPath")
            }
            variable = name
            i = j
        }
        return (ctx, variable, try parseSegments())
    }

    /// Letters (ASCII or any non-ASCII UTF-8 byte) and '_' may start a variable name.
    static func isVariableStart(_ c: UInt8) -> Bool {
        (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || c == UInt8(ascii: "_") || c >= 0x80
    }

    /// A path inside a filter: `@...` (current item) or `$...` (document root).
    mutating func parseFilterPath() throws(PathSyntaxError) -> (fromRoot: Bool, segments: [JSONPathSegment]) {
        guard !b.isEmpty, b[0] == ASCII.dollar || b[0] == ASCII.at else {
            throw error("a filter path must start with '@' or '$'")
        }
        i = 1
        return (b[0] == ASCII.dollar, try parseSegments())
    }

    mutating func parseSegments() throws(PathSyntaxError) -> [JSONPathSegment] {
        if i == n { return [] }
        if b[n - 1] == ASCII.dot { throw error("a path must not end with '.' or '..'") }
        guard b[i] == ASCII.dot || b[i] == ASCII.lbracket else {
            throw error("illegal character at position \(i), expected '.' or '['")
        }
        var segs: [JSONPathSegment] = []
        while i < n {
            if let last = segs.last, case .length = last {
                throw error("length() must be the last step (position \(i))")
            }
            switch b[i] {
            case ASCII.lbracket:
                segs.append(try readBracket())
            case ASCII.dot:
                if i + 1 < n && b[i + 1] == ASCII.dot {
                    segs.append(.scan)
                    i += 2
                } else {
                    i += 1
                }
                guard i < n else { throw error("a path must not end with '.'") }
                if b[i] == ASCII.dot { throw error("character '.' at position \(i) is not valid") }
                if ASCII.isWhitespace(b[i]) {
                    throw error("whitespace at position \(i); use bracket notation ['my prop'] for names with blanks")
                }
            case ASCII.star:
                segs.append(.wildcard)
                i += 1
            default:
                segs.append(try readName())
            }
        }
        return segs
    }

    func skipSpaces(_ p: Int) -> Int {
        var p = p
        while p < n && b[p] == ASCII.space { p += 1 }
        return p
    }

    /// The index of the next unescaped `c` after position `p`, or nil.
    func nextUnescaped(_ c: UInt8, after p: Int) -> Int? { CortadoPath.nextUnescaped(c, in: b, after: p) }

    /// `name` (dot notation) or `length()`.
    mutating func readName() throws(PathSyntaxError) -> JSONPathSegment {
        let start = i
        var j = i
        while j < n {
            let c = b[j]
            if c == ASCII.dot || c == ASCII.lbracket || c == ASCII.lparen { break }
            if ASCII.isWhitespace(c) {
                throw error("whitespace at position \(j); use bracket notation ['my prop'] for names with blanks")
            }
            if c == ASCII.rbracket { throw error("unexpected ']' at position \(j)") }
            j += 1
        }
        let name = String(decoding: b[start..<j], as: UTF8.self)
        if j < n && b[j] == ASCII.lparen {
            guard name == "length" else {
                throw error("unsupported function '\(name)()' at position \(start); only length() is supported")
            }
            guard j + 1 < n && b[j + 1] == ASCII.rparen else {
                throw error("length() takes no arguments (position \(j))")
            }
            i = j + 2
            return .length
        }
        guard !name.isEmpty else { throw error("empty name at position \(start)") }
        i = j
        return .name(name, quote: ASCII.squote)
    }

    mutating func readBracket() throws(PathSyntaxError) -> JSONPathSegment {
        let open = i
        let j = skipSpaces(i + 1)
        guard j < n else { throw error("unclosed '[' at position \(open)") }
        let c = b[j]
        if c == ASCII.squote || c == ASCII.dquote { return try readBracketNames(j) }
        if ASCII.isDigit(c) || c == ASCII.minus || c == ASCII.colon { return try readArrayToken() }
        if c == ASCII.star {
            let k = skipSpaces(j + 1)
            guard k < n && b[k] == ASCII.rbracket else {
                throw error("expected wildcard token to end with ']' at position \(j + 1)")
            }
            i = k + 1
            return .wildcard
        }
        if c == ASCII.question { return try readFilter(j) }
        throw error("could not parse token starting at position \(open), expected ?, ', 0-9, *")
    }

    /// `['a']`, `["a"]`, `['a','b']`. Names are kept raw (no unescaping), as AWS's Jayway does.
    mutating func readBracketNames(_ j: Int) throws(PathSyntaxError) -> JSONPathSegment {
        let q = b[j]
        var names: [String] = []
        var p = j
        while true {
            guard p < n, b[p] == q else { throw error("expected a quoted name at position \(p)") }
            let start = p + 1
            var k = start
            while k < n && b[k] != q { k += b[k] == ASCII.backslash ? 2 : 1 }
            guard k < n else { throw error("name has not been closed, missing closing \(Character(UnicodeScalar(q)))") }
            names.append(String(decoding: b[start..<k], as: UTF8.self))
            p = skipSpaces(k + 1)
            guard p < n else { throw error("name has not been closed, missing closing ]") }
            if b[p] == ASCII.comma { p = skipSpaces(p + 1); continue }
            if b[p] == ASCII.rbracket { i = p + 1; break }
            throw error("names must be separated by ',' or terminated by ']' at position \(p)")
        }
        return names.count == 1 ? .name(names[0], quote: q) : .names(names, quote: q)
    }

    /// `[1]`, `[1,2]`, `[1:2]`, `[1:]`, `[:2]`.
    mutating func readArrayToken() throws(PathSyntaxError) -> JSONPathSegment {
        let open = i
        var e = open + 1
        while e < n && b[e] != ASCII.rbracket { e += 1 }
        guard e < n else { throw error("unclosed '[' at position \(open)") }
        var lo = open + 1, hi = e
        while lo < hi && b[lo] <= 0x20 { lo += 1 }
        while hi > lo && b[hi - 1] <= 0x20 { hi -= 1 }
        let expr = b[lo..<hi]
        var isSlice = false
        for c in expr {
            if c == ASCII.colon { isSlice = true; continue }
            guard ASCII.isDigit(c) || c == ASCII.comma || c == ASCII.minus || c == ASCII.space else {
                throw error("could not parse token starting at position \(open), expected ?, ', 0-9, *")
            }
        }
        let text = String(decoding: expr, as: UTF8.self)
        i = e + 1
        if isSlice {
            for c in expr where !(ASCII.isDigit(c) || c == ASCII.minus || c == ASCII.colon) {
                throw error("failed to parse slice '\(text)'")
            }
            // Java String.split(":"): trailing empty strings are dropped; a step is ignored.
            var parts = expr.split(separator: ASCII.colon, omittingEmptySubsequences: false)
            while let last = parts.last, last.isEmpty { parts.removeLast() }
            func bound(_ k: Int) throws(PathSyntaxError) -> Int? {
                guard k < parts.count, !parts[k].isEmpty else { return nil }
                guard let v = javaParseInt(parts[k]) else { throw error("failed to parse slice '\(text)'") }
                return v
            }
            let from = try bound(0), to = try bound(1)
            guard from != nil || to != nil else { throw error("failed to parse slice '\(text)'") }
            return .slice(from: from, to: to)
        }
        var indices: [Int] = []
        for part in expr.split(separator: ASCII.comma, omittingEmptySubsequences: false) {
            var lo = part.startIndex, hi = part.endIndex
            while lo < hi && part[lo] == ASCII.space { lo += 1 }
            while hi > lo && part[hi - 1] == ASCII.space { hi -= 1 }
            guard let v = javaParseInt(part[lo..<hi]) else { throw error("failed to parse array index '\(text)'") }
            indices.append(v)
        }
        return indices.count == 1 ? .index(indices[0]) : .indices(indices)
    }

    /// The index of the `)` matching the `(` at `k`, skipping quoted strings and `/regex/`.
    func matchingParen(_ k: Int) throws(PathSyntaxError) -> Int {
        var level = 0
        var p = k
        while p < n {
            let c = b[p]
            if c == ASCII.squote || c == ASCII.dquote || c == ASCII.slash {
                guard let close = nextUnescaped(c, after: p) else {
                    throw error("could not find the closing \(Character(UnicodeScalar(c))) in the filter at position \(p)")
                }
                p = close + 1
                continue
            }
            if c == ASCII.lparen { level += 1 }
            if c == ASCII.rparen {
                level -= 1
                if level == 0 { return p }
            }
            p += 1
        }
        throw error("unbalanced parentheses in the filter starting at position \(k)")
    }

    /// `[?( ... )]`.
    mutating func readFilter(_ q: Int) throws(PathSyntaxError) -> JSONPathSegment {
        let k = skipSpaces(q + 1)
        guard k < n && b[k] == ASCII.lparen else {
            throw error("expected '(' after '?' at position \(q) (filter placeholders are not supported)")
        }
        let close = try matchingParen(k)
        let e = skipSpaces(close + 1)
        guard e < n && b[e] == ASCII.rbracket else { throw error("a filter must end with ')]' (position \(close))") }
        guard depth < jsonPathMaxFilterDepth else { throw error("filters are nested too deeply") }
        var fp = JSONPathFilterParser(Array(b[k...close]), pathText: text, depth: depth + 1)
        let filter = try fp.parse()
        i = e + 1
        return .filter(filter)
    }
}

/// The index of the next `c` after position `p` in `b` that no backslash escapes, or nil.
/// Shared by the path parser and the filter parser.
func nextUnescaped(_ c: UInt8, in b: [UInt8], after p: Int) -> Int? {
    var k = p + 1
    var escaped = false
    while k < b.count {
        if escaped { escaped = false } else if b[k] == ASCII.backslash { escaped = true } else if b[k] == c { return k }
        k += 1
    }
    return nil
}
