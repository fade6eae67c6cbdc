/// The variables an expression reads from its surroundings, for the `variableReferences`
/// Step Functions reports per state.
extension JSONataExpression {
    /// Names (without `$`) of the variables the expression reads that it does not bind
    /// itself: not `$` or `$$`, not a name bound with `:=`, as a lambda parameter or by
    /// `@$x` / `#$i`, and not a built-in function called by name.
    public var freeVariables: Set<String> {
        var read: Set<String> = []
        var bound: Set<String> = []
        Self.collect(ast, &read, &bound, depth: 0)
        return read.subtracting(bound).subtracting(["", "$"])
    }

    /// Whether `$name` is a Step Functions built-in function (a variable of that name would
    /// be bound in its place).
    public static func isBuiltinFunction(_ name: String) -> Bool {
        Builtins.stepFunctions[name] != nil
    }

    /// Walks every child of `node` (the parser already bounds the tree's depth; `depth`
    /// guards the walk anyway).
    static func collect(_ node: Node?, _ read: inout Set<String>, _ bound: inout Set<String>, depth: Int) {
        guard let node, depth < 10_000 else { return }
        let d = depth + 1
        switch node.type {
        case .variable:
            read.insert(node.str)
        case .bind:
            if let name = node.lhs, name.type == .variable { bound.insert(name.str) }
            collect(node.rhs, &read, &bound, depth: d)
        case .lambda:
            bound.formUnion(node.params)
            collect(node.body, &read, &bound, depth: d)
        case .function, .partial:
            // `$string(x)`: a built-in called by name is not a variable.
            if let p = node.procedure, p.type == .variable, p.predicate == nil, Builtins.stepFunctions[p.str] != nil {
            } else {
                collect(node.procedure, &read, &bound, depth: d)
            }
        default:
            collect(node.lhs, &read, &bound, depth: d)
            collect(node.rhs, &read, &bound, depth: d)
            collect(node.procedure, &read, &bound, depth: d)
        }
        if let f = node.focus { bound.insert(f) }
        if let i = node.index { bound.insert(i) }
        for n in [node.expression, node.condition, node.then, node.els, node.pattern, node.update, node.delete] {
            collect(n, &read, &bound, depth: d)
        }
        if node.type != .lambda { collect(node.body, &read, &bound, depth: d) }
        for n in node.expressions + node.steps + node.arguments { collect(n, &read, &bound, depth: d) }
        for (k, v) in node.pairs + (node.group?.pairs ?? []) {
            collect(k, &read, &bound, depth: d)
            collect(v, &read, &bound, depth: d)
        }
        for t in node.terms { collect(t.expression, &read, &bound, depth: d) }
        for case .filter(let p, _) in (node.predicate ?? []) + (node.stages ?? []) { collect(p, &read, &bound, depth: d) }
    }
}
