import Foundation

/// Tree-walking evaluator over the processed syntax tree. One instance per evaluation.
final class Evaluator {
    let options: JSONataOptions
    let timestamp: Double
    var depth = 0
    var steps = 0
    let deadline: UInt64
    let stack: StackGuard

    init(options: JSONataOptions) {
        self.options = options
        self.timestamp = (Date().timeIntervalSince1970 * 1000).rounded(.down)
        self.deadline = options.timeLimitMillis.map { DispatchTime.now().uptimeNanoseconds + UInt64($0) * 1_000_000 } ?? 0
        stack = StackGuard(limit: options.stackBudgetBytes)
    }

    @inline(__always) func checkStack() throws(JSONataError) {
        if stack.exceeded() { throw jerr("U1001") }
    }

    // MARK: dispatch

    func eval(_ expr: Node, _ input: JV?, _ env: Frame) throws(JSONataError) -> JV? {
        if stack.exceeded() { throw jerr("U1001") }
        var result: JV?
        switch expr.type {
        case .path: result = try evalPath(expr, input, env)
        case .binary: result = try evalBinary(expr, input, env)
        case .unary: result = try evalUnary(expr, input, env)
        case .name: result = lookupField(input, expr.str)
        case .string, .number, .value: result = expr.literal
        case .wildcard: result = evalWildcard(input)
        case .descendant: result = evalDescendants(input)
        case .parent: result = env.lookup(expr.slot!.label)
        case .condition:
            let c = try eval(expr.condition!, input, env)
            if truthy(c) == true { result = try eval(expr.then!, input, env) } else if let e = expr.els {
                result = try eval(e, input, env)
            }
        case .block:
            let frame = Frame(parent: env)
            for e in expr.expressions { result = try eval(e, input, frame) }
        case .bind:
            let v = try eval(expr.rhs!, input, env)
            env.bind(expr.lhs!.str, v)
            result = v
        case .regex:
            let f = JFunc(kind: .regex)
            f.regex = expr.regex
            result = .function(f)
        case .function: result = try evalFunction(expr, input, env, applyTo: nil)
        case .variable:
            if expr.str.isEmpty {
                if case .array(let a)? = input, a.outerWrapper { result = a.items.first } else { result = input }
            } else {
                result = env.lookup(expr.str)
            }
        case .lambda: result = .function(makeLambda(expr, input, env))
        case .partial: result = try evalPartial(expr, input, env)
        case .apply: result = try evalApply(expr, input, env)
        case .transform: result = .function(makeTransformer(expr, env))
        case .sort, .placeholder, .op, .end: result = nil
        }
        if let preds = expr.predicate {
            for case .filter(let p, _) in preds { result = .array(try evalFilter(p, result, env)) }
        }
        if expr.type != .path, let g = expr.group {
            result = try evalGroup(g, result, env)
        }
        if case .array(let a)? = result, a.isSequence, !a.tupleStream {
            if expr.keepArray { a.keepSingleton = true }
            if a.items.isEmpty { return nil }
            if a.items.count == 1 && !a.keepSingleton { return a.items[0] }
        }
        return result
    }

    // MARK: helpers

    func lookupField(_ input: JV?, _ key: String) -> JV? {
        guard let input else { return nil }
        switch input {
        case .object(let o): return o[key]
        case .array(let a):
            let r = JArr.seq()
            for item in a.items {
                if let v = lookupField(item, key) {
                    if case .array(let inner) = v { r.items.append(contentsOf: inner.items) } else { r.items.append(v) }
                }
            }
            return .array(r)
        default: return nil
        }
    }

    /// `$boolean` semantics; nil for undefined.
    func truthy(_ v: JV?) -> Bool? {
        guard let v else { return nil }
        switch v {
        case .null: return false
        case .bool(let b): return b
        case .number(let n): return n != 0 && !n.isNaN
        case .string(let s): return !s.isEmpty
        case .object(let o): return o.count > 0
        case .function: return false
        case .array(let a):
            if a.items.count == 1 { return truthy(a.items[0]) ?? false }
            return a.items.contains { truthy($0) == true }
        }
    }

    func evalWildcard(_ input: JV?) -> JV? {
        let results = JArr.seq()
        var inp = input
        if case .array(let a)? = input, a.outerWrapper, !a.items.isEmpty { inp = a.items[0] }
        if case .array(let arr)? = inp {
            for v in arr.items {
                if case .array(let inner) = v {
                    flatten(inner, into: &results.items)
                    results.isSequence = false
                } else {
                    results.items.append(v)
                }
            }
        } else if case .object(let o)? = inp {
            for k in o.keys {
                let v = o[k]!
                if case .array(let arr) = v {
                    flatten(arr, into: &results.items)
                    results.isSequence = false   // JavaScript's concat yields a plain array
                } else {
                    results.items.append(v)
                }
            }
        }
        return .array(results)
    }

    func flatten(_ a: JArr, into out: inout [JV]) {
        for v in a.items { if case .array(let inner) = v { flatten(inner, into: &out) } else { out.append(v) } }
    }

    func evalDescendants(_ input: JV?) -> JV? {
        guard let input else { return nil }
        let r = JArr.seq()
        recurseDescendants(input, r)
        return r.items.count == 1 ? r.items[0] : .array(r)
    }

    func recurseDescendants(_ v: JV, _ r: JArr) {
        switch v {
        case .array(let a): for m in a.items { recurseDescendants(m, r) }
        case .object(let o):
            r.items.append(v)
            for k in o.keys { recurseDescendants(o[k]!, r) }
        default: r.items.append(v)
        }
    }

    /// `$append` semantics (result is a plain array, like JavaScript's concat).
    func append(_ a: JV?, _ b: JV?) -> JV? {
        guard let a else { return b }
        guard let b else { return a }
        let r = JArr()
        if case .array(let x) = a { r.items = x.items } else { r.items = [a] }
        if case .array(let y) = b { r.items.append(contentsOf: y.items) } else { r.items.append(b) }
        return .array(r)
    }

    // MARK: operators

    func isNumeric(_ v: JV?) throws(JSONataError) -> Double? {
        guard case .number(let n)? = v, !n.isNaN else { return nil }
        if !n.isFinite { throw jerr("D1001") }
        return n
    }

    func evalBinary(_ expr: Node, _ input: JV?, _ env: Frame) throws(JSONataError) -> JV? {
        let lhs = try eval(expr.lhs!, input, env)
        let op = expr.op
        let bop = expr.binop
        if bop == .and {
            guard truthy(lhs) == true else { return .bool(false) }
            return .bool(truthy(try eval(expr.rhs!, input, env)) == true)
        }
        if bop == .or {
            if truthy(lhs) == true { return .bool(true) }
            return .bool(truthy(try eval(expr.rhs!, input, env)) == true)
        }
        let rhs = try eval(expr.rhs!, input, env)
        do throws(JSONataError) {
            switch bop {
            case .add, .sub, .mul, .div, .mod:
                let l = try isNumeric(lhs)
                if lhs != nil && l == nil { throw jerr("T2001", expr.position, op) }
                let r = try isNumeric(rhs)
                if rhs != nil && r == nil { throw jerr("T2002", expr.position, op) }
                guard let l, let r else { return nil }
                switch bop {
                case .add: return .number(l + r)
                case .sub: return .number(l - r)
                case .mul: return .number(l * r)
                case .div: return .number(l / r)
                default: return .number(l.truncatingRemainder(dividingBy: r))
                }
            case .eq, .ne:
                guard lhs != nil, rhs != nil else { return .bool(false) }
                let eq = deepEqual(lhs, rhs)
                return .bool(bop == .eq ? eq : !eq)
            case .lt, .le, .gt, .ge:
                func comparable(_ v: JV?) -> Bool {
                    guard let v else { return true }
                    return v.isString || v.isNumber
                }
                if !comparable(lhs) || !comparable(rhs) { throw jerr("T2010", expr.position, op) }
                guard let lhs, let rhs else { return nil }
                switch (lhs, rhs) {
                case (.number(let a), .number(let b)):
                    switch bop {
                    case .lt: return .bool(a < b)
                    case .le: return .bool(a <= b)
                    case .gt: return .bool(a > b)
                    default: return .bool(a >= b)
                    }
                case (.string(let a), .string(let b)):
                    switch bop {
                    case .lt: return .bool(jsLess(a, b))
                    case .le: return .bool(!jsLess(b, a))
                    case .gt: return .bool(jsLess(b, a))
                    default: return .bool(!jsLess(a, b))
                    }
                default: throw jerr("T2009", expr.position, op)
                }
            case .concat:
                let l = lhs == nil ? "" : try stringify(lhs!)
                let r = rhs == nil ? "" : try stringify(rhs!)
                return .string(l + r)
            case .range:
                return try evalRange(lhs, rhs, expr)
            case .in:
                guard let lhs, let rhs else { return .bool(false) }
                if case .array(let a) = rhs { return .bool(a.items.contains { strictEqual($0, lhs) }) }
                return .bool(strictEqual(rhs, lhs))
            default:
                return nil
            }
        } catch {
            var e = error
            if e.position == nil { e.position = expr.position }
            if e.token == nil { e.token = op }
            throw e
        }
    }

    func evalRange(_ lhs: JV?, _ rhs: JV?, _ expr: Node) throws(JSONataError) -> JV? {
        func isInt(_ v: JV?) -> Double? {
            if case .number(let n)? = v, n.isFinite, n == n.rounded() { return n }
            return nil
        }
        let l = isInt(lhs), r = isInt(rhs)
        if lhs != nil && l == nil { throw jerr("T2003", expr.position) }
        if rhs != nil && r == nil { throw jerr("T2004", expr.position) }
        guard let l, let r, l <= r else { return nil }
        let size = r - l + 1
        if size > 1e7 { throw jerr("D2014", expr.position) }
        let a = JArr.seq()
        a.items.reserveCapacity(Int(size))
        var i = l
        while i <= r { a.items.append(.number(i)); i += 1 }
        return .array(a)
    }

    func evalUnary(_ expr: Node, _ input: JV?, _ env: Frame) throws(JSONataError) -> JV? {
        switch expr.op {
        case "-":
            let v = try eval(expr.expression!, input, env)
            guard let v else { return nil }
            if let n = try isNumeric(v) { return .number(-n) }
            throw jerr("D1002", expr.position, "-")
        case "[":
            var r = JArr()
            for item in expr.expressions {
                guard let v = try eval(item, input, env) else { continue }
                if item.type == .unary && item.op == "[" {
                    r.items.append(v)
                } else if case .array(let a) = v {
                    r.items.append(contentsOf: a.items)
                    _ = r
                } else {
                    r.items.append(v)
                }
            }
            if expr.consarray {
                let c = JArr(r.items)
                c.cons = true
                r = c
            }
            return .array(r)
        case "{":
            return try evalGroup(GroupSpec(pairs: expr.pairs, position: expr.position), input, env)
        default:
            return nil
        }
    }
}
