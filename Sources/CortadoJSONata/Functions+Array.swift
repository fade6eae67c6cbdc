/// Array and higher-order functions.
extension Builtins {
    /// Arguments for a callback, trimmed to its arity (value, index, array).
    static func hofArgs(_ f: JV?, _ a1: JV?, _ a2: JV?, _ a3: JV?) -> [JV?] {
        let n = f?.fn?.arity ?? 1
        var r: [JV?] = [a1]
        if n >= 2 { r.append(a2) }
        if n >= 3 { r.append(a3) }
        return r
    }

    static func registerArray(_ r: inout [String: JFunc]) {
        r["count"] = .native("count", "<a:n>") { (_, a) throws(JSONataError) -> JV? in
            .number(Double(arg(a, 0)?.arr?.count ?? 0))
        }
        r["append"] = .native("append", "<xx:a>") { (ctx, a) throws(JSONataError) -> JV? in
            ctx.ev.append(arg(a, 0), arg(a, 1))
        }
        r["exists"] = .native("exists", "<x:b>") { (_, a) throws(JSONataError) -> JV? in .bool(arg(a, 0) != nil) }
        r["boolean"] = .native("boolean", "<x-:b>") { (ctx, a) throws(JSONataError) -> JV? in
            ctx.ev.truthy(arg(a, 0)).map { .bool($0) }
        }
        r["not"] = .native("not", "<x-:b>") { (ctx, a) throws(JSONataError) -> JV? in
            ctx.ev.truthy(arg(a, 0)).map { .bool(!$0) }
        }
        r["reverse"] = .native("reverse", "<a:a>") { (_, a) throws(JSONataError) -> JV? in
            guard let arr = arg(a, 0)?.arr else { return nil }
            if arr.count <= 1 { return .array(arr) }
            return .array(JArr(arr.items.reversed()))
        }
        r["shuffle"] = .native("shuffle", "<a:a>") { (_, a) throws(JSONataError) -> JV? in
            guard let arr = arg(a, 0)?.arr else { return nil }
            if arr.count <= 1 { return .array(arr) }
            return .array(JArr(arr.items.shuffled()))
        }
        r["distinct"] = .native("distinct", "<x:x>") { (_, a) throws(JSONataError) -> JV? in
            guard let v = arg(a, 0) else { return nil }
            guard case .array(let arr) = v, arr.count > 1 else { return v }
            let out = JArr([], sequence: arr.isSequence)
            for x in arr.items where !out.items.contains(where: { deepEqual($0, x) }) { out.items.append(x) }
            return .array(out)
        }
        r["zip"] = .native("zip", "<a+>") { (_, a) throws(JSONataError) -> JV? in
            let arrays = a.map { $0?.arr }
            let n = arrays.map { $0?.count ?? 0 }.min() ?? 0
            var out: [JV] = []
            for i in 0..<n { out.append(.array(JArr(arrays.map { $0!.items[i] }))) }
            return .array(JArr(out))
        }
        r["sort"] = .native("sort", "<af?:a>") { (ctx, a) throws(JSONataError) -> JV? in
            guard let arr = arg(a, 0)?.arr else { return nil }
            if arr.count <= 1 { return .array(arr) }
            let ev = ctx.ev
            if let cmp = arg(a, 1) {
                return .array(JArr(try ev.mergeSort(arr.items) { (x, y) throws(JSONataError) -> Bool in
                    ev.truthy(try ev.apply(cmp, [x, y], nil, ctx.env)) == true
                }))
            }
            if arr.items.allSatisfy({ $0.isNumber }) {
                return .array(JArr(try ev.mergeSort(arr.items) { (x, y) throws(JSONataError) -> Bool in x.num! > y.num! }))
            }
            if arr.items.allSatisfy({ $0.isString }) {
                return .array(JArr(try ev.mergeSort(arr.items) { (x, y) throws(JSONataError) -> Bool in jsLess(y.str!, x.str!) }))
            }
            throw jerr("D3070")
        }
        r["map"] = .native("map", "<af>") { (ctx, a) throws(JSONataError) -> JV? in
            guard let arr = arg(a, 0)?.arr else { return nil }
            let f = arg(a, 1)
            let out = JArr.seq()
            for (i, x) in arr.items.enumerated() {
                if let v = try ctx.ev.apply(f, hofArgs(f, x, .number(Double(i)), .array(arr)), nil, ctx.env) { out.items.append(v) }
            }
            return .array(out)
        }
        r["filter"] = .native("filter", "<af>") { (ctx, a) throws(JSONataError) -> JV? in
            guard let arr = arg(a, 0)?.arr else { return nil }
            let f = arg(a, 1)
            let out = JArr.seq()
            for (i, x) in arr.items.enumerated() {
                let v = try ctx.ev.apply(f, hofArgs(f, x, .number(Double(i)), .array(arr)), nil, ctx.env)
                if ctx.ev.truthy(v) == true { out.items.append(x) }
            }
            return .array(out)
        }
        r["single"] = .native("single", "<af?>") { (ctx, a) throws(JSONataError) -> JV? in
            guard let arr = arg(a, 0)?.arr else { return nil }
            let f = arg(a, 1)
            var found: JV?
            for (i, x) in arr.items.enumerated() {
                var ok = true
                if f != nil {
                    ok = ctx.ev.truthy(try ctx.ev.apply(f, hofArgs(f, x, .number(Double(i)), .array(arr)), nil, ctx.env)) == true
                }
                if ok {
                    if found != nil { throw jerr("D3138") }
                    found = x
                }
            }
            guard let found else { throw jerr("D3139") }
            return found
        }
        r["reduce"] = .native("reduce", "<afj?:j>") { (ctx, a) throws(JSONataError) -> JV? in
            guard let arr = arg(a, 0)?.arr else { return nil }
            let f = arg(a, 1)
            let arity = f?.fn?.arity ?? 0
            if arity < 2 { throw jerr("D3050") }
            var result: JV?
            var index: Int
            if arg(a, 2) == nil && !arr.items.isEmpty { result = arr.items[0]; index = 1 } else { result = arg(a, 2); index = 0 }
            while index < arr.count {
                var args: [JV?] = [result, arr.items[index]]
                if arity >= 3 { args.append(.number(Double(index))) }
                if arity >= 4 { args.append(.array(arr)) }
                result = try ctx.ev.apply(f, args, nil, ctx.env)
                index += 1
            }
            return result
        }
    }
}
