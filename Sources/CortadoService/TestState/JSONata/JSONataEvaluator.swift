import CortadoJSON

/// A JSONata value: JSON, a sequence (a path's matches, which collapses to one value when it
/// holds exactly one), or a function. `nil` stands for JSONata's `undefined`.
enum JSONataValue {
    case json(JSON)
    case sequence([JSON])
    case function(JSONataFunction)

    /// The value as JSON: a sequence collapses (none = undefined, one = that item).
    var json: JSON? {
        switch self {
        case .json(let j): return j
        case .sequence(let items):
            if items.isEmpty { return nil }
            return items.count == 1 ? items[0] : .array(items)
        case .function: return nil
        }
    }
}

/// A callable: a built-in (`$count`) or a lambda with the scope it closed over.
enum JSONataFunction {
    case builtin(String)
    case lambda(params: [String], body: JSONataNode, scope: JSONataScope)

    var arity: Int {
        switch self {
        case .builtin: return 3
        case .lambda(let params, _, _): return params.count
        }
    }
}

/// Variable bindings; a block or a lambda call opens a child scope.
final class JSONataScope {
    private var vars: [String: JSONataValue] = [:]
    let parent: JSONataScope?

    init(parent: JSONataScope? = nil) { self.parent = parent }

    func lookup(_ name: String) -> JSONataValue? {
        var s: JSONataScope? = self
        while let c = s {
            if let v = c.vars[name] { return v }
            s = c.parent
        }
        return nil
    }

    func bind(_ name: String, _ value: JSONataValue?) { vars[name] = value }
}

/// Evaluates parsed JSONata against a context item with variables in scope.
struct JSONataEvaluator {
    /// The document `$$` refers to.
    var root: JSON?
    /// Guards against runaway recursion in user lambdas.
    private var depth = 0

    init(root: JSON?) { self.root = root }

    /// Evaluates `text` with `bindings` (`states` → the `$states` object, workflow variables).
    /// - Returns: the value, or nil for `undefined`.
    static func evaluate(_ text: String, bindings: [String: JSON]) throws(JSONataError) -> JSON? {
        let node = try JSONataParser.parse(text)
        let scope = JSONataScope()
        for (k, v) in bindings { scope.bind(k, .json(v)) }
        var ev = JSONataEvaluator(root: nil)
        let v = try ev.eval(node, nil, scope)
        if case .function? = v {
            throw JSONataError("T0410", "A function cannot be the result of an expression")
        }
        return v?.json
    }

    /// Evaluates `node` on the context item `input`; an empty sequence is `undefined` (nil).
    mutating func eval(_ node: JSONataNode, _ input: JSON?, _ scope: JSONataScope) throws(JSONataError) -> JSONataValue? {
        let v = try evalNode(node, input, scope)
        if case .sequence(let items)? = v, items.isEmpty { return nil }
        return v
    }

    private mutating func evalNode(_ node: JSONataNode, _ input: JSON?, _ scope: JSONataScope) throws(JSONataError) -> JSONataValue? {
        switch node {
        case .literal(let j): return .json(j)
        case .variable(let name):
            if name.isEmpty { return input.map { .json($0) } }
            if name == "$" { return root.map { .json($0) } }
            if let v = scope.lookup(name) { return v }
            if JSONataBuiltins.names.contains(name) { return .function(.builtin(name)) }
            return nil
        case .name(let n):
            guard let input else { return nil }
            return Self.lookup(input, n)
        case .wildcard:
            guard case .object(let o)? = input else { return nil }
            var out: [JSON] = []
            for m in o.members {
                if case .array(let a) = m.value { out += a } else { out.append(m.value) }
            }
            return .sequence(out)
        case .path(let steps):
            return try evalPath(steps, input, scope)
        case .filter(let base, let predicate):
            guard let v = try eval(base, input, scope) else { return nil }
            return try applyPredicate(predicate, to: Self.items(v), scope)
        case .negate(let x):
            guard let v = try eval(x, input, scope)?.json else { return nil }
            guard case .number(let n) = v else {
                throw JSONataError("D1002", "Cannot negate a non-numeric value: \(v.serialized)")
            }
            if n.literal.hasPrefix("-") { return .json(.number(JSONNumber(literal: String(n.literal.dropFirst())))) }
            return .json(.number(JSONNumber(literal: "-" + n.literal)))
        case .binary(let op, let l, let r):
            return try binary(op, l, r, input, scope)
        case .condition(let c, let then, let otherwise):
            let cv = try eval(c, input, scope)
            if Self.truthy(cv) { return try eval(then, input, scope) }
            guard let otherwise else { return nil }
            return try eval(otherwise, input, scope)
        case .bind(let name, let value):
            let v = try eval(value, input, scope)
            scope.bind(name, v)
            return v
        case .call(let callee, let args):
            guard case .function(let f)? = try eval(callee, input, scope) else {
                throw JSONataError("T1006", "Attempted to invoke a non-function")
            }
            var values: [JSONataValue?] = []
            for a in args { values.append(try eval(a, input, scope)) }
            return try call(f, values, input)
        case .lambda(let params, let body):
            return .function(.lambda(params: params, body: body, scope: scope))
        case .block(let items):
            let inner = JSONataScope(parent: scope)
            var last: JSONataValue? = nil
            for x in items { last = try eval(x, input, inner) }
            return last
        case .array(let items):
            var out: [JSON] = []
            for x in items {
                if case .range(let a, let b) = x {
                    out += try range(a, b, input, scope)
                    continue
                }
                guard let v = try eval(x, input, scope) else { continue }
                if case .array = x {
                    if let j = v.json { out.append(j) }
                } else {
                    out += Self.items(v)
                }
            }
            return .json(.array(out))
        case .object(let pairs):
            var o = JSONObject()
            for (kn, vn) in pairs {
                guard case .string(let key)? = try eval(kn, input, scope)?.json else {
                    throw JSONataError("T1003", "Key in object structure must evaluate to a string")
                }
                if let v = try eval(vn, input, scope) {
                    guard let j = v.json else { continue }
                    o[key] = j
                }
            }
            return .json(.object(o))
        case .range(let a, let b):
            return .json(.array(try range(a, b, input, scope)))
        }
    }

    // MARK: - Paths

    /// JSONata's step semantics: each step runs on every item of the previous step; array
    /// results are flattened, except that a single array result stays an array.
    private mutating func evalPath(_ steps: [JSONataNode], _ input: JSON?, _ scope: JSONataScope) throws(JSONataError) -> JSONataValue? {
        var current: [JSON] = []
        if case .array(let a)? = input { current = a } else if let input { current = [input] }
        var isSequence = true
        for (i, step) in steps.enumerated() {
            var results: [JSONataValue] = []
            if i == 0, case .variable = step {
                // A leading variable (`$states.input`) is read once, not per item.
                if let v = try eval(step, input, scope) { results.append(v) }
            } else {
                for item in current {
                    if let v = try eval(step, item, scope) { results.append(v) }
                }
            }
            if results.count == 1, case .json(.array(let a)) = results[0] {
                current = a
                isSequence = false
                continue
            }
            var flat: [JSON] = []
            for r in results { flat += Self.items(r) }
            current = flat
            isSequence = true
        }
        return isSequence ? .sequence(current) : .json(.array(current))
    }

    private mutating func applyPredicate(_ predicate: JSONataNode, to items: [JSON], _ scope: JSONataScope) throws(JSONataError) -> JSONataValue? {
        if case .literal(.number(let n)) = predicate {
            return Self.index(items, n.double).map { .json($0) }
        }
        if case .negate(.literal(.number(let n))) = predicate {
            return Self.index(items, -n.double).map { .json($0) }
        }
        var out: [JSON] = []
        for (i, item) in items.enumerated() {
            let v = try eval(predicate, item, scope)
            if case .json(.number(let n))? = v {
                var k = Self.clampedInt(n.double)
                if k < 0 { k += items.count }
                if k == i { out.append(item) }
            } else if Self.truthy(v) {
                out.append(item)
            }
        }
        return .sequence(out)
    }

    static func index(_ items: [JSON], _ d: Double) -> JSON? {
        var k = clampedInt(d)
        if k < 0 { k += items.count }
        // NOTE: not a ternary with `nil`: JSON is ExpressibleByNilLiteral, so that `nil`
        // would become JSON null instead of "no item".
        guard k >= 0 && k < items.count else { return nil }
        return items[k]
    }

    /// Member look-up; on an array, the look-up is mapped over its items and flattened.
    static func lookup(_ value: JSON, _ name: String) -> JSONataValue? {
        switch value {
        case .object(let o): return o[name].map { .json($0) }
        case .array(let a):
            var out: [JSON] = []
            for x in a {
                if let v = lookup(x, name) { out += items(v) }
            }
            return .sequence(out)
        default: return nil
        }
    }

    /// A value's items: the elements of an array or sequence, else the value itself.
    static func items(_ v: JSONataValue) -> [JSON] {
        switch v {
        case .json(.array(let a)): return a
        case .json(let j): return [j]
        case .sequence(let s): return s
        case .function: return []
        }
    }

    private mutating func range(_ a: JSONataNode, _ b: JSONataNode, _ input: JSON?, _ scope: JSONataScope) throws(JSONataError) -> [JSON] {
        guard let lo = try eval(a, input, scope)?.json, let hi = try eval(b, input, scope)?.json else { return [] }
        guard case .number(let l) = lo, case .number(let h) = hi, let x = l.int, let y = h.int else {
            throw JSONataError("T2003", "The left and right sides of the range operator (..) must evaluate to integers")
        }
        guard x <= y else { return [] }
        guard y - x < 10_000_000 else { throw JSONataError("D2014", "The size of the sequence allocated by the range operator (..) must not exceed 1e7") }
        return (x...y).map { JSON($0) }
    }

    // MARK: - Operators

    private mutating func binary(_ op: String, _ l: JSONataNode, _ r: JSONataNode, _ input: JSON?, _ scope: JSONataScope) throws(JSONataError) -> JSONataValue? {
        switch op {
        case "and":
            guard Self.truthy(try eval(l, input, scope)) else { return .json(.bool(false)) }
            return .json(.bool(Self.truthy(try eval(r, input, scope))))
        case "or":
            if Self.truthy(try eval(l, input, scope)) { return .json(.bool(true)) }
            return .json(.bool(Self.truthy(try eval(r, input, scope))))
        case "??":
            if let v = try eval(l, input, scope) { return v }
            return try eval(r, input, scope)
        case "~>":
            let lv = try eval(l, input, scope)
            if case .call(let callee, let args) = r {
                guard case .function(let f)? = try eval(callee, input, scope) else {
                    throw JSONataError("T2006", "The right side of the function application operator ~> must be a function")
                }
                var values: [JSONataValue?] = [lv]
                for a in args { values.append(try eval(a, input, scope)) }
                return try call(f, values, input)
            }
            guard case .function(let f)? = try eval(r, input, scope) else {
                throw JSONataError("T2006", "The right side of the function application operator ~> must be a function")
            }
            return try call(f, [lv], input)
        default: break
        }
        let lv = try eval(l, input, scope)?.json
        let rv = try eval(r, input, scope)?.json
        switch op {
        case "+", "-", "*", "/", "%":
            guard let lv, let rv else { return nil }
            guard case .number(let a) = lv else {
                throw JSONataError("T2001", "The left side of the \"\(op)\" operator must evaluate to a number")
            }
            guard case .number(let b) = rv else {
                throw JSONataError("T2002", "The right side of the \"\(op)\" operator must evaluate to a number")
            }
            let x = a.double, y = b.double
            let v: Double
            switch op {
            case "+": v = x + y
            case "-": v = x - y
            case "*": v = x * y
            case "/": v = x / y
            default: v = x.truncatingRemainder(dividingBy: y)
            }
            return .json(try Self.number(v))
        case "&":
            return .json(.string(Self.string(lv) + Self.string(rv)))
        case "=", "!=":
            guard let lv, let rv else { return .json(.bool(false)) }
            return .json(.bool((lv == rv) == (op == "=")))
        case "<", "<=", ">", ">=":
            guard let lv, let rv else { return .json(.bool(false)) }
            let c: Int
            switch (lv, rv) {
            case (.number(let a), .number(let b)):
                c = a.double < b.double ? -1 : (a.double > b.double ? 1 : 0)
            case (.string(let a), .string(let b)):
                c = a < b ? -1 : (a > b ? 1 : 0)
            default:
                throw JSONataError("T2010", "The expressions either side of operator \"\(op)\" must be of the same data type (numbers or strings)")
            }
            switch op {
            case "<": return .json(.bool(c < 0))
            case "<=": return .json(.bool(c <= 0))
            case ">": return .json(.bool(c > 0))
            default: return .json(.bool(c >= 0))
            }
        case "in":
            guard let lv, let rv else { return .json(.bool(false)) }
            if case .array(let a) = rv { return .json(.bool(a.contains(lv))) }
            return .json(.bool(lv == rv))
        default:
            throw JSONataError("S0201", "Unsupported operator \(op)")
        }
    }

    // MARK: - Calls

    mutating func call(_ f: JSONataFunction, _ args: [JSONataValue?], _ input: JSON?) throws(JSONataError) -> JSONataValue? {
        switch f {
        case .builtin(let name):
            return try JSONataBuiltins.call(name, args, &self)
        case .lambda(let params, let body, let closure):
            depth += 1
            defer { depth -= 1 }
            guard depth < 100 else { throw JSONataError("U1001", "Stack overflow error: check for non-terminating recursive function") }
            let scope = JSONataScope(parent: closure)
            for (i, p) in params.enumerated() { scope.bind(p, i < args.count ? args[i] : nil) }
            return try eval(body, input, scope)
        }
    }

    // MARK: - Conversions

    /// `d` rounded down to an Int, clamped so that no input value can trap the conversion.
    static func clampedInt(_ d: Double) -> Int {
        guard d.isFinite else { return d > 0 ? Int(Int32.max) : Int(Int32.min) }
        return Int(min(max(d.rounded(.down), -1e15), 1e15))
    }

    /// JSONata's boolean cast.
    static func truthy(_ v: JSONataValue?) -> Bool {
        guard let v else { return false }
        switch v {
        case .function: return true
        case .sequence(let s): return s.contains { truthy(.json($0)) }
        case .json(let j):
            switch j {
            case .null: return false
            case .bool(let b): return b
            case .number(let n): return n.double != 0
            case .string(let s): return !s.isEmpty
            case .array(let a): return a.contains { truthy(.json($0)) }
            case .object(let o): return !o.isEmpty
            }
        }
    }

    /// A double as JSONata writes it: integral values without a fraction.
    static func number(_ v: Double) throws(JSONataError) -> JSON {
        guard v.isFinite else { throw JSONataError("D1001", "Number out of range: \(v)") }
        if v == v.rounded(), abs(v) < 1e15 { return .number(JSONNumber(Int(v))) }
        return .number(JSONNumber(literal: "\(v)"))
    }

    /// `$string` semantics: strings as they are, everything else as compact JSON.
    static func string(_ v: JSON?) -> String {
        guard let v else { return "" }
        if case .string(let s) = v { return s }
        if case .number(let n) = v, let i = n.int, n.double == Double(i) { return String(i) }
        return v.serialized
    }
}
