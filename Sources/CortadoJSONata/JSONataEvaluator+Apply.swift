import Foundation

/// Function calls, lambdas (with tail-call thunks), partial application, `~>` and transforms.
extension Evaluator {
    func evalFunction(_ expr: Node, _ input: JV?, _ env: Frame, applyTo: JV?, hasApplyTo: Bool = false) throws(JSONataError) -> JV? {
        let procNode = expr.procedure!
        let proc = try eval(procNode, input, env)
        let procName = procNode.type == .path ? procNode.steps[0].str : procNode.str
        if proc == nil && procNode.type == .path && env.lookup(procNode.steps[0].str) != nil {
            throw jerr("T1005", expr.position, procName)
        }
        var args: [JV?] = []
        args.reserveCapacity(expr.arguments.count + 1)
        if hasApplyTo { args.append(applyTo) }
        for a in expr.arguments { args.append(try eval(a, input, env)) }
        do throws(JSONataError) {
            return try apply(proc, args, input, env)
        } catch {
            var e = error
            if e.position == nil { e.position = expr.position }
            if e.token == nil { e.token = procName }
            throw e
        }
    }

    func apply(_ proc: JV?, _ args: [JV?], _ input: JV?, _ env: Frame) throws(JSONataError) -> JV? {
        var result = try applyInner(proc, args, input, env)
        while case .function(let f)? = result, f.kind == .lambda, f.thunk {
            try checkTime()
            let body = f.body!
            let next = try eval(body.procedure!, f.input, f.env!)
            var evaluated: [JV?] = []
            evaluated.reserveCapacity(body.arguments.count)
            for a in body.arguments { evaluated.append(try eval(a, f.input, f.env!)) }
            result = try applyInner(next, evaluated, input, env)
        }
        return result
    }

    func applyInner(_ proc: JV?, _ args: [JV?], _ input: JV?, _ env: Frame) throws(JSONataError) -> JV? {
        guard case .function(let f)? = proc else { throw jerr("T1006") }
        var validated = args
        if let sig = f.signature { validated = try sig.validate(args, context: input) }
        switch f.kind {
        case .lambda:
            return try applyProcedure(f, validated)
        case .native:
            return try f.impl!(CallContext(ev: self, input: input, env: env), validated)
        case .partialNative:
            var full = f.bound
            var k = 0
            for h in f.holes {
                full[h] = k < validated.count ? validated[k] : nil
                k += 1
            }
            return try applyInner(.function(f.base!), full, nil, env)
        case .regex:
            guard case .string(let s)? = validated.first else { return nil }
            return try regexMatchObject(f.regex!, s, from: 0)
        }
    }

    func checkTime() throws(JSONataError) {
        steps &+= 1
        if deadline != 0 && steps & 0xFF == 0 && DispatchTime.now().uptimeNanoseconds > deadline { throw jerr("U1001") }
    }

    func applyProcedure(_ f: JFunc, _ args: [JV?]) throws(JSONataError) -> JV? {
        depth += 1
        defer { depth -= 1 }
        if depth > options.maxDepth { throw jerr("U1001") }
        try checkStack()
        try checkTime()
        let frame = Frame(parent: f.env)
        for (i, p) in f.params.enumerated() { frame.bind(p, i < args.count ? args[i] : nil) }
        return try eval(f.body!, f.input, frame)
    }

    func makeLambda(_ expr: Node, _ input: JV?, _ env: Frame) -> JFunc {
        let f = JFunc(kind: .lambda)
        f.params = expr.params
        f.body = expr.body
        f.signature = expr.signature
        f.input = input
        f.env = env
        f.thunk = expr.thunk
        return f
    }

    func evalPartial(_ expr: Node, _ input: JV?, _ env: Frame) throws(JSONataError) -> JV? {
        var args: [JV?] = []
        var holes: [Int] = []
        for (i, a) in expr.arguments.enumerated() {
            if a.type == .placeholder { holes.append(i); args.append(nil) } else { args.append(try eval(a, input, env)) }
        }
        let procNode = expr.procedure!
        let proc = try eval(procNode, input, env)
        let procName = procNode.type == .path ? procNode.steps[0].str : procNode.str
        if proc == nil && procNode.type == .path && env.lookup(procNode.steps[0].str) != nil {
            throw jerr("T1007", expr.position, procName)
        }
        guard case .function(let f)? = proc else { throw jerr("T1008", expr.position, procName) }
        if f.kind == .lambda {
            let frame = Frame(parent: f.env)
            var unbound: [String] = []
            for (i, p) in f.params.enumerated() {
                if holes.contains(i) { unbound.append(p) } else { frame.bind(p, i < args.count ? args[i] : nil) }
            }
            let r = JFunc(kind: .lambda)
            r.params = unbound
            r.body = f.body
            r.input = f.input
            r.env = frame
            return .function(r)
        }
        let r = JFunc(kind: .partialNative)
        r.base = f
        r.bound = args
        r.holes = holes
        return .function(r)
    }

    func evalApply(_ expr: Node, _ input: JV?, _ env: Frame) throws(JSONataError) -> JV? {
        let lhs = try eval(expr.lhs!, input, env)
        let rhsNode = expr.rhs!
        if rhsNode.type == .function {
            return try evalFunction(rhsNode, input, env, applyTo: lhs, hasApplyTo: true)
        }
        let fn = try eval(rhsNode, input, env)
        guard case .function(let g)? = fn else { throw jerr("T2006", expr.position) }
        if case .function(let f)? = lhs {
            // function composition: x => g(f(x))
            let composed = JFunc.native("", nil, arity: 1) { (ctx, args) throws(JSONataError) -> JV? in
                let mid = try ctx.ev.apply(.function(f), [args.first ?? nil], nil, ctx.env)
                return try ctx.ev.apply(.function(g), [mid], nil, ctx.env)
            }
            return .function(composed)
        }
        return try apply(fn, [lhs], input, env)
    }

    func makeTransformer(_ expr: Node, _ env: Frame) -> JFunc {
        return JFunc.native("transform", "<(oa):o>", arity: 1) { [unowned self] (ctx, args) throws(JSONataError) -> JV? in
            guard let obj = args.first ?? nil else { return nil }
            if let c = env.lookup("clone"), !c.isFunction { throw jerr("T2013", expr.position) }
            let result = try deepClone(obj)
            guard let matchesV = try self.eval(expr.pattern!, result, env) else { return result }
            let matches: [JV]
            if case .array(let a) = matchesV { matches = a.items } else { matches = [matchesV] }
            for match in matches {
                if let update = try self.eval(expr.update!, match, env) {
                    guard case .object(let u) = update else { throw jerr("T2011", expr.update!.position) }
                    if case .object(let m) = match { for k in u.keys { m[k] = u[k] } }
                }
                if let del = expr.delete, let deletions = try self.eval(del, match, env) {
                    var names: [String] = []
                    if case .array(let a) = deletions {
                        for d in a.items { guard case .string(let s) = d else { throw jerr("T2012", del.position) }; names.append(s) }
                    } else if case .string(let s) = deletions {
                        names = [s]
                    } else {
                        throw jerr("T2012", del.position)
                    }
                    if case .object(let m) = match { for n in names { m[n] = nil } }
                }
            }
            return result
        }
    }
}

/// `JSON.parse($string(v))`: deep copy, numbers rounded to 15 significant digits, functions dropped.
func deepClone(_ v: JV) throws(JSONataError) -> JV {
    switch v {
    case .number(let d):
        if !d.isFinite { throw jerr("D3001") }
        return .number(Double(formatJSNumberPrecision15(d)) ?? d)
    case .array(let a):
        var items: [JV] = []
        items.reserveCapacity(a.count)
        for x in a.items { items.append(x.isFunction ? .string("") : try deepClone(x)) }
        return .array(JArr(items))
    case .object(let o):
        let r = JObj(capacity: o.count)
        for k in o.keys { let x = o[k]!; r[k] = x.isFunction ? .string("") : try deepClone(x) }
        return .object(r)
    case .function: return .string("")
    default: return v
    }
}
