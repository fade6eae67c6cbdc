/// Pratt parser producing the raw syntax tree (see `JSONataParser+Process.swift` for the
/// post-processing into paths, stages and tuple bindings).
struct Parser {
    var lexer: Lexer
    var node: Node
    let sourceLength: Int
    // parent-operator bookkeeping (used by the processing stage)
    var ancestorLabel = 0
    var ancestorIndex = 0
    var ancestry: [Node] = []
    /// Nesting guards: deeper expressions are rejected rather than risking the stack.
    var nesting = 0
    static let maxNesting = 1000
    let stack = StackGuard(limit: 8 << 20)

    static let bindingPowers: [String: Int] = [
        ".": 75, "[": 80, "{": 70, "(": 80, "@": 80, "#": 80, "?": 20, "+": 50, "-": 50, "*": 60, "/": 60, "%": 60,
        "=": 40, "<": 40, ">": 40, "^": 40, "!=": 40, "<=": 40, ">=": 40, "~>": 40, "and": 30, "or": 25, "in": 40,
        "&": 50, ":=": 10,
    ]
    static let knownSymbols: Set<String> = [":", ";", ",", ")", "]", "}", "..", ".", "+", "-", "*", "/", "%", "=", "<", ">", "!=",
                                            "<=", ">=", "&", "and", "or", "in", "~>", "**", "(", "[", "^", "{", ":=", "@", "#", "?", "|"]

    init(_ source: String) {
        lexer = Lexer(source)
        sourceLength = lexer.src.count
        node = Node(.end, 0)
    }

    static func parse(_ source: String) throws(JSONataError) -> Node {
        var p = Parser(source)
        try p.advance()
        let expr = try p.expression(0)
        if p.node.type != .end { throw jerr("S0201", p.node.position, p.tokenText(p.node)) }
        let processed = try p.process(expr)
        markSimplePaths(processed)
        if processed.type == .parent || processed.seekingParent != nil {
            throw jerr("S0217", processed.position, "\(processed.type)")
        }
        return processed
    }

    /// Flags single-step field-name paths for the evaluator's fast path.
    static func markSimplePaths(_ n: Node) {
        if n.type == .path, n.steps.count == 1 {
            let s = n.steps[0]
            n.simpleName = s.type == .name && s.stages == nil && s.predicate == nil && !s.tuple && s.group == nil && !s.keepArray
                && n.group == nil && !n.keepSingletonArray && !n.keepArray && !n.tuple && n.predicate == nil && n.stages == nil
        }
        if n.type == .path, !n.steps.isEmpty, n.group == nil, !n.keepSingletonArray, !n.tuple, n.predicate == nil {
            func plain(_ s: Node, _ i: Int) -> Bool {
                (s.type == .name || (i == 0 && s.type == .variable)) && s.stages == nil && s.predicate == nil && !s.tuple
                    && s.focus == nil && s.index == nil && s.ancestor == nil && s.group == nil && !s.keepArray && !s.consarray
            }
            n.plainPath = n.steps.enumerated().allSatisfy { plain($0.element, $0.offset) }
        }
        for c in [n.lhs, n.rhs, n.expression, n.condition, n.then, n.els, n.procedure, n.body, n.pattern, n.update, n.delete] {
            if let c { markSimplePaths(c) }
        }
        for c in n.expressions { markSimplePaths(c) }
        for c in n.steps { markSimplePaths(c) }
        for c in n.arguments { markSimplePaths(c) }
        for (k, v) in n.pairs { markSimplePaths(k); markSimplePaths(v) }
        for t in n.terms { markSimplePaths(t.expression) }
        if let g = n.group { for (k, v) in g.pairs { markSimplePaths(k); markSimplePaths(v) } }
        for st in (n.stages ?? []) + (n.predicate ?? []) { if case .filter(let p, _) = st { markSimplePaths(p) } }
    }

    func tokenText(_ n: Node) -> String {
        switch n.type {
        case .op: return n.op
        case .number: return formatJSNumber(n.num)
        case .value: if case .bool(let b) = n.literal { return b ? "true" : "false" } else { return "null" }
        default: return n.str
        }
    }

    func lbp(_ n: Node) -> Int {
        guard n.type == .op else { return 0 }
        return Parser.bindingPowers[n.op] ?? 0
    }

    mutating func advance(_ id: String? = nil, infix: Bool = false) throws(JSONataError) {
        if let id, node.id != id {
            throw jerr(node.type == .end ? "S0203" : "S0202", node.position, node.type == .end ? id : tokenText(node))
        }
        let t = try lexer.next(prefix: infix)
        if t.kind == .end {
            node = Node(.end, sourceLength)
            return
        }
        if t.kind == .op && !Parser.knownSymbols.contains(t.text) {
            throw jerr("S0204", t.position, t.text)
        }
        node = Node(token: t)
    }

    mutating func expression(_ rbp: Int) throws(JSONataError) -> Node {
        nesting += 1
        defer { nesting -= 1 }
        if nesting > Parser.maxNesting || stack.exceeded() { throw JSONataError(code: "S0201", message: "Expression nested too deeply", position: node.position) }
        var t = node
        try advance(nil, infix: true)
        var left = try nud(t)
        while rbp < lbp(node) {
            t = node
            try advance()
            left = try led(t, left)
        }
        return left
    }

    // MARK: prefix (nud)

    mutating func nud(_ t: Node) throws(JSONataError) -> Node {
        switch t.type {
        case .name, .variable, .string, .number, .value, .regex, .end:
            return t
        case .op:
            break
        default:
            return t
        }
        switch t.op {
        case "and", "or", "in": return t
        case "-":
            t.expression = try expression(70)
            t.type = .unary
            return t
        case "*": t.type = .wildcard; return t
        case "**": t.type = .descendant; return t
        case "%": t.type = .parent; return t
        case "(":
            var exprs: [Node] = []
            while node.id != ")" {
                exprs.append(try expression(0))
                if node.id != ";" { break }
                try advance(";")
            }
            try advance(")", infix: true)
            t.type = .block
            t.expressions = exprs
            return t
        case "[":
            var a: [Node] = []
            if node.id != "]" {
                while true {
                    var item = try expression(0)
                    if node.id == ".." {
                        let range = Node(.binary, node.position)
                        range.op = ".."
                        range.lhs = item
                        try advance("..")
                        range.rhs = try expression(0)
                        item = range
                    }
                    a.append(item)
                    if node.id != "," { break }
                    try advance(",")
                }
            }
            try advance("]", infix: true)
            t.expressions = a
            t.type = .unary
            return t
        case "{":
            t.pairs = try objectPairs()
            t.type = .unary
            return t
        case "|":
            t.type = .transform
            t.pattern = try expression(0)
            try advance("|")
            t.update = try expression(0)
            if node.id == "," {
                try advance(",")
                t.delete = try expression(0)
            }
            try advance("|")
            return t
        default:
            throw jerr("S0211", t.position, t.op)
        }
    }

    mutating func objectPairs() throws(JSONataError) -> [(Node, Node)] {
        var a: [(Node, Node)] = []
        if node.id != "}" {
            while true {
                let n = try expression(0)
                try advance(":")
                let v = try expression(0)
                a.append((n, v))
                if node.id != "," { break }
                try advance(",")
            }
        }
        try advance("}", infix: true)
        return a
    }

    // MARK: infix (led)

    mutating func led(_ t: Node, _ left: Node) throws(JSONataError) -> Node {
        let op = t.op
        switch op {
        case "(":
            t.procedure = left
            t.type = .function
            if node.id != ")" {
                while true {
                    if node.type == .op && node.op == "?" {
                        t.type = .partial
                        let ph = node
                        try advance("?")
                        ph.type = .placeholder
                        t.arguments.append(ph)
                    } else {
                        t.arguments.append(try expression(0))
                    }
                    if node.id != "," { break }
                    try advance(",")
                }
            }
            try advance(")", infix: true)
            if left.type == .name && (left.str == "function" || left.str == "\u{03BB}") {
                for (i, arg) in t.arguments.enumerated() where arg.type != .variable {
                    throw jerr("S0208", arg.position, "\(i + 1)")
                }
                t.type = .lambda
                t.params = t.arguments.map(\.str)
                if node.id == "<" {
                    let sigPos = node.position
                    var depth = 1
                    var sig = "<"
                    while depth > 0 && node.id != "{" && node.id != "(end)" {
                        try advance()
                        let tok = node
                        if tok.id == ">" { depth -= 1 } else if tok.id == "<" { depth += 1 }
                        sig += tokenText(tok)
                    }
                    try advance(">")
                    do throws(JSONataError) {
                        t.signature = try Signature(sig)
                    } catch {
                        var e = error
                        e.position = sigPos + (e.position ?? 0)
                        throw e
                    }
                }
                try advance("{")
                t.body = try expression(0)
                try advance("}")
            }
            return t
        case "[":
            if node.id == "]" {
                var step: Node? = left
                while let s = step, s.type == .binary, s.op == "[" { step = s.lhs }
                step?.keepArray = true
                try advance("]")
                return left
            }
            t.lhs = left
            t.rhs = try expression(0)
            t.type = .binary
            try advance("]", infix: true)
            return t
        case "^":
            try advance("(")
            var terms: [SortTerm] = []
            while true {
                var desc = false
                if node.id == "<" { try advance("<") } else if node.id == ">" { desc = true; try advance(">") }
                terms.append(SortTerm(descending: desc, expression: try expression(0)))
                if node.id != "," { break }
                try advance(",")
            }
            try advance(")")
            t.lhs = left
            t.terms = terms
            t.type = .binary
            return t
        case "{":
            t.lhs = left
            t.pairs = try objectPairs()
            t.type = .binary
            return t
        case ":=":
            if left.type != .variable { throw jerr("S0212", left.position, left.str) }
            t.lhs = left
            t.rhs = try expression(Parser.bindingPowers[":="]! - 1)
            t.type = .binary
            return t
        case "@", "#":
            t.lhs = left
            t.rhs = try expression(Parser.bindingPowers[op]!)
            if t.rhs!.type != .variable { throw jerr("S0214", t.rhs!.position, op) }
            t.type = .binary
            return t
        case "?":
            t.type = .condition
            t.condition = left
            t.then = try expression(0)
            if node.id == ":" {
                try advance(":")
                t.els = try expression(0)
            }
            return t
        default:
            guard let bp = Parser.bindingPowers[op] else { throw jerr("S0201", t.position, op) }
            t.lhs = left
            t.rhs = try expression(bp)
            t.type = .binary
            return t
        }
    }
}
