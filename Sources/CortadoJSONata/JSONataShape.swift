import CortadoJSON

/// The shape of an expression simple enough for a host to run over values of its own (the
/// tape lane runs these over byte ranges of a line): field paths from a variable, values
/// without inputs, and a few operators and built-in functions. Anything else has no shape,
/// and the host evaluates the expression with `JSONataExpression.evaluate`.
///
/// A host that runs a shape must give the evaluator's result exactly, or hand the work back:
/// a path must step through objects only (JSONata maps over arrays), numbers must print as
/// the evaluator prints them, strings compare as the evaluator compares them.
public indirect enum JSONataShape: Sendable {
    /// `$name.a.b`: fields of a variable (no fields: the variable itself).
    case variablePath(variable: String, fields: [String])
    /// A value without inputs (literals, and object and array constructors of them), as the
    /// evaluator gives it (so numbers are printed its way).
    case constant(JSON)
    /// A call of a built-in function (`$count`, `$merge`, ...) by name.
    case function(name: String, arguments: [JSONataShape])
    /// `[a, b, ...]`: an array constructor; arrays its items give are flattened into it.
    case array([JSONataShape])
    /// `lhs op rhs` for `=`, `!=`, `<`, `<=`, `>`, `>=`, `and`, `or` and `&`.
    case binary(JSONataOperator, JSONataShape, JSONataShape)
}

public enum JSONataOperator: Sendable {
    case equal, notEqual, less, lessOrEqual, greater, greaterOrEqual, and, or, concat
}

extension JSONataExpression {
    /// The expression's shape, or nil when it uses anything else.
    public var shape: JSONataShape? { JSONataShape.of(ast, options) }
}

extension JSONataShape {
    static func of(_ n: Node, _ options: JSONataOptions) -> JSONataShape? {
        // Predicates, group-by, sorting and array-keeping change what any node gives.
        guard n.predicate == nil, n.group == nil, n.stages == nil, !n.keepArray, !n.tuple else { return nil }
        if let constant = constant(n, options) { return .constant(constant) }
        switch n.type {
        case .variable:
            return n.str.isEmpty ? nil : .variablePath(variable: n.str, fields: [])
        case .path:
            guard n.plainPath, let first = n.steps.first, first.type == .variable, !first.str.isEmpty,
                  n.steps.dropFirst().allSatisfy({ $0.type == .name }) else { return nil }
            return .variablePath(variable: first.str, fields: n.steps.dropFirst().map(\.str))
        case .function:
            // Only a built-in by its own name (a block could rebind it; blocks have no shape).
            guard let p = n.procedure, p.type == .variable, !p.str.isEmpty else { return nil }
            var args: [JSONataShape] = []
            for a in n.arguments {
                guard let s = of(a, options) else { return nil }
                args.append(s)
            }
            return .function(name: p.str, arguments: args)
        case .unary where n.op == "[":
            guard !n.consarray else { return nil }
            var items: [JSONataShape] = []
            for e in n.expressions {
                // A nested array constructor is kept as one item: not flattened.
                guard !(e.type == .unary && e.op == "["), let s = of(e, options) else { return nil }
                items.append(s)
            }
            return .array(items)
        case .binary:
            let op: JSONataOperator
            switch n.binop {
            case .eq: op = .equal
            case .ne: op = .notEqual
            case .lt: op = .less
            case .le: op = .lessOrEqual
            case .gt: op = .greater
            case .ge: op = .greaterOrEqual
            case .and: op = .and
            case .or: op = .or
            case .concat: op = .concat
            default: return nil
            }
            guard let l = n.lhs.flatMap({ of($0, options) }), let r = n.rhs.flatMap({ of($0, options) }) else { return nil }
            return .binary(op, l, r)
        default:
            return nil
        }
    }

    /// A subtree that reads nothing (literals, constructors of them, a negated number),
    /// evaluated once here so its value is exactly the evaluator's.
    static func constant(_ n: Node, _ options: JSONataOptions) -> JSON? {
        func pure(_ n: Node) -> Bool {
            guard n.predicate == nil, n.group == nil, n.stages == nil, !n.keepArray, !n.tuple else { return false }
            switch n.type {
            case .string, .number, .value: return true
            case .unary where n.op == "[": return !n.consarray && n.expressions.allSatisfy(pure)
            case .unary where n.op == "{": return n.pairs.allSatisfy { pure($0.0) && pure($0.1) }
            case .unary where n.op == "-": return n.expression.map(pure) ?? false
            default: return false
            }
        }
        guard pure(n) else { return nil }
        let e = JSONataExpression(ast: n, options: options)
        return try? e.evaluate(nil)
    }
}

extension JSONataExpression {
    /// An expression made from a node of another one's tree (trees are immutable once processed).
    init(ast: Node, options: JSONataOptions) {
        self.ast = ast
        self.source = ""
        self.options = options
    }
}
