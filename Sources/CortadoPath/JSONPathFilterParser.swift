import CortadoJSON

/// Compiles the `( ... )` part of a filter, following Jayway's `FilterCompiler`: `&&` and
/// `||` have no precedence (an expression list is folded from the right at each `)`), and
/// `!` only negates an existence check (`!@.a`).
struct JSONPathFilterParser {
    let b: [UInt8]
    let pathText: String
    let depth: Int
    var i = 0

    init(_ bytes: [UInt8], pathText: String, depth: Int) {
        self.b = bytes
        self.pathText = pathText
        self.depth = depth
    }

    var n: Int { b.count }

    func error(_ what: String) -> PathSyntaxError {
        PathSyntaxError("Invalid JSONPath '\(pathText)': \(what) in filter '\(String(decoding: b, as: UTF8.self))'")
    }

    mutating func skipBlanks() { while i < n && b[i] == ASCII.space { i += 1 } }

    static func isRelational(_ c: UInt8) -> Bool {
        c == ASCII.lt || c == ASCII.gt || c == ASCII.eq || c == ASCII.tilde || c == ASCII.bang
    }

    func nextUnescaped(_ c: UInt8, after p: Int) -> Int? { CortadoPath.nextUnescaped(c, in: b, after: p) }

    mutating func parse() throws(PathSyntaxError) -> JSONPathFilter {
        var ops: [Bool] = []  // true = &&
        var exps: [FilterExpr] = []
        var unbalanced = 0
        while true {
            skipBlanks()
            guard i < n else { break }
            let pos = i
            switch b[i] {
            case ASCII.lparen:
                unbalanced += 1
                i += 1
            case ASCII.rparen:
                unbalanced -= 1
                i += 1
                guard var e = exps.popLast() else { throw error("expected an expression before ')'") }
                if let op = ops.popLast() {
                    guard let r = exps.popLast() else { throw error("expected an expression next to a logical operator") }
                    e = op ? .and(e, r) : .or(e, r)
                    while let op2 = ops.popLast() {
                        guard let r2 = exps.popLast() else { throw error("expected an expression next to a logical operator") }
                        e = op2 ? .and(e, r2) : .or(e, r2)
                    }
                }
                exps.append(e)
            case ASCII.bang:
                i += 1
            case ASCII.amp, ASCII.pipe:
                guard i + 1 < n, b[i + 1] == b[i] else { throw error("expected '&&' or '||' at position \(i)") }
                ops.append(b[i] == ASCII.amp)
                i += 2
            default:
                exps.append(try readExpression())
            }
            if i <= pos { throw error("failed to parse at position \(pos)") }
        }
        guard unbalanced == 0 else { throw error("parentheses are not balanced") }
        guard let e = exps.popLast() else { throw error("empty filter") }
        return JSONPathFilter(expr: e)
    }

    mutating func readExpression() throws(PathSyntaxError) -> FilterExpr {
        let left = try readOperand()
        guard i < n else { throw error("unexpected end") }
        if isTerminated() {
            guard case .path(let p, let bang) = left else {
                throw error("expected a path before position \(i)")
            }
            return .exists(p, expected: !bang)
        }
        let op = try readOperator()
        let right = try readOperand()
        return .compare(left.operand, op, right.operand)
    }

    func isTerminated() -> Bool {
        func ends(_ c: UInt8) -> Bool { c == ASCII.rparen || c == ASCII.amp || c == ASCII.pipe }
        if ends(b[i]) { return true }
        var k = i + 1
        while k < n && b[k] == ASCII.space { k += 1 }
        return k < n && ends(b[k])
    }

    enum Operand {
        case path(FilterPath, bang: Bool)
        case value(FilterValue)
        var operand: FilterOperand {
            switch self {
            case .path(let p, _): return .path(p)
            case .value(let v): return .value(v)
            }
        }
    }

    mutating func readOperand() throws(PathSyntaxError) -> Operand {
        skipBlanks()
        guard i < n else { throw error("expected a value") }
        if b[i] == ASCII.dollar || b[i] == ASCII.at { return try readPath() }
        return .value(try readLiteral())
    }

    mutating func readOperator() throws(PathSyntaxError) -> FilterOp {
        skipBlanks()
        let begin = i
        if i < n && Self.isRelational(b[i]) {
            while i < n && Self.isRelational(b[i]) { i += 1 }
        } else {
            while i < n && b[i] != ASCII.space { i += 1 }
        }
        let s = String(decoding: b[begin..<i], as: UTF8.self)
        guard let op = FilterOp.from(s) else { throw error("unsupported filter operator '\(s)'") }
        return op
    }

    /// Index of the `]` closing the `[` at `p` (nesting and quotes aware).
    func closingSquare(_ p: Int) -> Int? {
        var level = 0
        var k = p
        while k < n {
            let c = b[k]
            if c == ASCII.squote || c == ASCII.dquote {
                guard let e = nextUnescaped(c, after: k) else { return nil }
                k = e + 1
                continue
            }
            if c == ASCII.lbracket { level += 1 }
            if c == ASCII.rbracket {
                level -= 1
                if level == 0 { return k }
            }
            k += 1
        }
        return nil
    }

    mutating func readPath() throws(PathSyntaxError) -> Operand {
        var k = i - 1
        while k >= 0 && b[k] == ASCII.space { k -= 1 }
        let bang = k >= 0 && b[k] == ASCII.bang
        let begin = i
        i += 1
        while i < n {
            if b[i] == ASCII.lbracket {
                guard let close = closingSquare(i) else { throw error("square brackets do not match") }
                i = close + 1
                continue
            }
            let c = b[i]
            if c == ASCII.rparen {
                // `)` of a function call such as `@.a.length()` belongs to the path.
                var p = i - 1
                while p > begin && b[p] == ASCII.space { p -= 1 }
                if p > begin && b[p] == ASCII.lparen && b[begin..<p].contains(ASCII.dot) {
                    i += 1
                    continue
                }
                break
            }
            if Self.isRelational(c) || c == ASCII.space { break }
            i += 1
        }
        let text = String(decoding: b[begin..<i], as: UTF8.self)
        var pp = JSONPathParser(text, depth: depth)
        let parsed: (fromRoot: Bool, segments: [JSONPathSegment])
        do {
            parsed = try pp.parseFilterPath()
        } catch {
            throw self.error("invalid path '\(text)': \(error.message)")
        }
        let path = JSONPath(source: text, isContextPath: false, segments: parsed.segments)
        return .path(FilterPath(fromRoot: parsed.fromRoot, path: path), bang: bang)
    }

    mutating func readLiteral() throws(PathSyntaxError) -> FilterValue {
        let c = b[i]
        switch c {
        case ASCII.squote, ASCII.dquote:
            guard let close = nextUnescaped(c, after: i) else { throw error("string not closed, expected \(Character(UnicodeScalar(c)))") }
            let s = unescapeFilterString(b[(i + 1)..<close])
            i = close + 1
            return .string(s)
        case UInt8(ascii: "t"), UInt8(ascii: "f"):
            let word: [UInt8] = c == UInt8(ascii: "t") ? Array("true".utf8) : Array("false".utf8)
            guard i + word.count <= n, Array(b[i..<(i + word.count)]) == word else { throw error("expected a boolean literal at position \(i)") }
            i += word.count
            return .bool(c == UInt8(ascii: "t"))
        case UInt8(ascii: "n"):
            let word = Array("null".utf8)
            guard i + 4 <= n, Array(b[i..<(i + 4)]) == word else { throw error("expected null at position \(i)") }
            i += 4
            return .null
        case ASCII.lbracket, ASCII.lbrace:
            let close: UInt8 = c == ASCII.lbracket ? ASCII.rbracket : ASCII.rbrace
            var level = 0
            var k = i
            var end: Int? = nil
            while k < n {
                let x = b[k]
                if x == ASCII.squote || x == ASCII.dquote {
                    guard let e = nextUnescaped(x, after: k) else { break }
                    k = e + 1
                    continue
                }
                if x == c { level += 1 }
                if x == close {
                    level -= 1
                    if level == 0 { end = k; break }
                }
                k += 1
            }
            guard let e = end else { throw error("JSON literal not closed at position \(i)") }
            guard let v = Self.lenientJSON(b[i...e]) else {
                throw error("invalid JSON literal '\(String(decoding: b[i...e], as: UTF8.self))'")
            }
            i = e + 1
            return .json(v)
        case ASCII.slash:
            guard var close = nextUnescaped(ASCII.slash, after: i) else { throw error("regular expression not closed, expected /") }
            let pattern = String(decoding: b[(i + 1)..<close], as: UTF8.self)
            var ignoreCase = false
            if close + 1 < n && b[close + 1] == UInt8(ascii: "i") { ignoreCase = true; close += 1 }
            guard let r = FilterRegex(pattern, ignoreCase: ignoreCase) else {
                throw error("invalid regular expression '\(pattern)'")
            }
            i = close + 1
            return .pattern(r)
        default:
            let begin = i
            while i < n {
                let x = b[i]
                if ASCII.isDigit(x) || x == ASCII.minus || x == ASCII.dot || x == UInt8(ascii: "e") || x == UInt8(ascii: "E") {
                    i += 1
                } else {
                    break
                }
            }
            let lit = b[begin..<i]
            guard let d = parseDecimal(lit) else {
                throw error("expected a value at position \(begin)")
            }
            return .number(d, literal: String(decoding: lit, as: UTF8.self))
        }
    }

    /// json-smart style leniency: single-quoted strings are accepted.
    static func lenientJSON(_ s: ArraySlice<UInt8>) -> JSON? {
        var out: [UInt8] = []
        out.reserveCapacity(s.count + 8)
        var k = s.startIndex
        while k < s.endIndex {
            let c = s[k]
            if c == ASCII.dquote {
                out.append(c)
                k += 1
                while k < s.endIndex && s[k] != ASCII.dquote {
                    if s[k] == ASCII.backslash && k + 1 < s.endIndex { out.append(s[k]); k += 1 }
                    out.append(s[k])
                    k += 1
                }
                if k < s.endIndex { out.append(ASCII.dquote); k += 1 }
                continue
            }
            if c == ASCII.squote {
                out.append(ASCII.dquote)
                k += 1
                while k < s.endIndex && s[k] != ASCII.squote {
                    if s[k] == ASCII.backslash && k + 1 < s.endIndex {
                        if s[k + 1] == ASCII.squote { out.append(ASCII.squote) } else { out.append(s[k]); out.append(s[k + 1]) }
                        k += 2
                        continue
                    }
                    if s[k] == ASCII.dquote { out.append(ASCII.backslash) }
                    out.append(s[k])
                    k += 1
                }
                out.append(ASCII.dquote)
                k += 1
                continue
            }
            out.append(c)
            k += 1
        }
        return try? JSON.parse(out)
    }
}
