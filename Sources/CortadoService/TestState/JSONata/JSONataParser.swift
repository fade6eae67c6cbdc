import CortadoJSON

/// A parsed JSONata expression.
indirect enum JSONataNode: Sendable {
    case literal(JSON)
    /// `$name`; `""` is `$` (the context item), `"$"` is `$$` (the root).
    case variable(String)
    /// A field name step (`input`, `` `a b` ``).
    case name(String)
    /// `*`: every member value of the context item.
    case wildcard
    /// `a.b.c`: each step is evaluated on every item the previous step produced.
    case path([JSONataNode])
    /// `base[predicate]`: an index or a filter.
    case filter(JSONataNode, JSONataNode)
    case negate(JSONataNode)
    case binary(String, JSONataNode, JSONataNode)
    case condition(JSONataNode, JSONataNode, JSONataNode?)
    /// `$name := value`
    case bind(String, JSONataNode)
    case call(JSONataNode, [JSONataNode])
    case lambda([String], JSONataNode)
    /// `(a; b; c)`: the value of the last expression, in a new scope.
    case block([JSONataNode])
    case array([JSONataNode])
    case object([(JSONataNode, JSONataNode)])
    /// `[a..b]` inside an array constructor.
    case range(JSONataNode, JSONataNode)
}

/// A Pratt parser for the JSONata subset Cortado evaluates: paths, filters, arithmetic,
/// comparison, boolean and string operators, conditions, variable binding, blocks, array and
/// object constructors, function calls, lambdas and `~>` chains.
struct JSONataParser {
    private var tokens: [JSONataToken]
    private var k = 0
    /// Open sub-expressions; deeper input is rejected, so no expression exhausts the stack.
    private var depth = 0
    static let maxDepth = 150

    /// Parses a whole expression.
    /// - Throws: `JSONataError` for a syntax error or an unsupported construct.
    static func parse(_ text: String) throws(JSONataError) -> JSONataNode {
        var lexer = JSONataLexer(text)
        var p = JSONataParser(tokens: try lexer.tokenize())
        let node = try p.expression(0)
        guard p.current == .end else { throw JSONataError("S0201", "Syntax error: unexpected \(p.describe(p.current))") }
        return node
    }

    private init(tokens: [JSONataToken]) { self.tokens = tokens }

    private var current: JSONataToken { tokens[k] }
    private mutating func advance() { if k < tokens.count - 1 { k += 1 } }

    private func describe(_ t: JSONataToken) -> String {
        switch t {
        case .number(let n): return n
        case .string(let s): return "\"\(s)\""
        case .name(let n): return n
        case .variable(let v): return "$" + v
        case .op(let o): return "'\(o)'"
        case .end: return "end of expression"
        }
    }

    private mutating func expect(_ op: String) throws(JSONataError) {
        guard current == .op(op) else {
            throw JSONataError("S0202", "Expected '\(op)', got \(describe(current))")
        }
        advance()
    }

    /// Left binding power of an infix operator.
    private func bindingPower(_ t: JSONataToken) -> Int {
        guard case .op(let o) = t else { return 0 }
        switch o {
        case ".": return 75
        case "[", "(": return 80
        case "*", "/", "%": return 60
        case "+", "-", "&": return 50
        case "=", "!=", "<", "<=", ">", ">=", "in", "~>": return 40
        case "and": return 30
        case "or": return 25
        case "?", "?:", "??": return 20
        case ":=": return 10
        default: return 0
        }
    }

    private mutating func expression(_ rbp: Int) throws(JSONataError) -> JSONataNode {
        depth += 1
        defer { depth -= 1 }
        guard depth <= Self.maxDepth else { throw JSONataError("S0208", "The expression is nested too deeply") }
        var left = try prefix()
        let entered = depth
        defer { depth = entered }
        while bindingPower(current) > rbp {
            // NOTE: each operator in a chain (`1+1+1...`) nests the tree one level deeper,
            // and evaluation recurses once per level: count it against the same limit.
            depth += 1
            guard depth <= Self.maxDepth else { throw JSONataError("S0208", "The expression is nested too deeply") }
            left = try infix(left)
        }
        return left
    }

    private mutating func prefix() throws(JSONataError) -> JSONataNode {
        let t = current
        advance()
        switch t {
        case .number(let n): return .literal(.number(JSONNumber(literal: n)))
        case .string(let s): return .literal(.string(s))
        case .variable(let v): return .variable(v)
        case .name(let n):
            switch n {
            case "true": return .literal(.bool(true))
            case "false": return .literal(.bool(false))
            case "null": return .literal(.null)
            case "function", "λ": return try lambda()
            default: return .name(n)
            }
        case .op("-"): return .negate(try expression(70))
        case .op("*"): return .wildcard
        case .op("("):
            var items: [JSONataNode] = []
            while current != .op(")") {
                items.append(try expression(0))
                if current == .op(";") { advance() } else { break }
            }
            try expect(")")
            return .block(items)
        case .op("["):
            var items: [JSONataNode] = []
            if current != .op("]") {
                while true {
                    let item = try expression(0)
                    if current == .op("..") {
                        advance()
                        items.append(.range(item, try expression(0)))
                    } else {
                        items.append(item)
                    }
                    if current == .op(",") { advance(); continue }
                    break
                }
            }
            try expect("]")
            return .array(items)
        case .op("{"):
            var pairs: [(JSONataNode, JSONataNode)] = []
            if current != .op("}") {
                while true {
                    let key = try expression(0)
                    try expect(":")
                    pairs.append((key, try expression(0)))
                    if current == .op(",") { advance(); continue }
                    break
                }
            }
            try expect("}")
            return .object(pairs)
        default:
            throw JSONataError("S0211", "The symbol \(describe(t)) cannot be used as a unary operator")
        }
    }

    private mutating func lambda() throws(JSONataError) -> JSONataNode {
        try expect("(")
        var params: [String] = []
        while case .variable(let v) = current {
            params.append(v)
            advance()
            if current == .op(",") { advance() } else { break }
        }
        try expect(")")
        try expect("{")
        let body = try expression(0)
        try expect("}")
        return .lambda(params, body)
    }

    private mutating func infix(_ left: JSONataNode) throws(JSONataError) -> JSONataNode {
        guard case .op(let o) = current else { throw JSONataError("S0201", "Syntax error: \(describe(current))") }
        let bp = bindingPower(current)
        advance()
        switch o {
        case ".":
            let right = try expression(bp)
            var steps: [JSONataNode] = []
            if case .path(let a) = left { steps += a } else { steps.append(left) }
            if case .path(let b) = right { steps += b } else { steps.append(right) }
            return .path(steps)
        case "[":
            if current == .op("]") {
                // `a[]`: keep the result an array; the value is the same here.
                advance()
                return left
            }
            let predicate = try expression(0)
            try expect("]")
            return .filter(left, predicate)
        case "(":
            var args: [JSONataNode] = []
            if current != .op(")") {
                while true {
                    args.append(try expression(0))
                    if current == .op(",") { advance(); continue }
                    break
                }
            }
            try expect(")")
            return .call(left, args)
        case "?":
            let then = try expression(0)
            var otherwise: JSONataNode? = nil
            if current == .op(":") {
                advance()
                otherwise = try expression(0)
            }
            return .condition(left, then, otherwise)
        case ":=":
            guard case .variable(let name) = left else {
                throw JSONataError("S0212", "The left side of := must be a variable name (start with $)")
            }
            return .bind(name, try expression(bp - 1))
        case "?:":
            return .condition(left, left, try expression(bp))
        case "??":
            return .binary("??", left, try expression(bp))
        default:
            return .binary(o, left, try expression(bp))
        }
    }
}
