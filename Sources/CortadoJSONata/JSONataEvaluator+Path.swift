/// Location paths: steps, tuple streams (`@`, `#`, `%`), predicates, group-by and order-by.
extension Evaluator {
    func evalPath(_ expr: Node, _ input: JV?, _ env: Frame) throws(JSONataError) -> JV? {
        // Fast path: a lone field name on an object (`price`), the commonest path of all.
        if expr.simpleName, case .object(let o)? = input {
            let v = o[expr.steps[0].str]
            if case .array(let a)? = v, a.isSequence {} else { return v }
        }
        if expr.plainPath { return try evalPlainPath(expr, input, env) }
        return try evalGeneralPath(expr, input, env)
    }

    /// Plain field-name paths: walk single values without allocating sequences until a step
    /// yields an array, then continue with the general step machinery.
    func evalPlainPath(_ expr: Node, _ input: JV?, _ env: Frame) throws(JSONataError) -> JV? {
        let steps = expr.steps
        let count = steps.count
        var cur: JV?
        var i = 0
        if steps[0].type == .variable {
            cur = try eval(steps[0], input, env)
            i = 1
        } else {
            if case .array? = input { return try evalGeneralPath(expr, input, env) }
            cur = input
        }
        // `cur` may be an array only when it came from the leading variable
        if case .array(let a)? = cur {
            if i == count && !a.isSequence { return cur }
            var seq = a.cons ? JArr.seq(cur) : JArr(a.items, sequence: true)
            while i < count {
                if seq.items.isEmpty { return nil }
                seq = try evalStep(steps[i], seq, env, i == count - 1)
                i += 1
            }
            return .array(seq)
        }
        while i < count {
            guard case .object(let o)? = cur, let v = o[steps[i].str] else { return nil }
            i += 1
            if case .array(let a) = v {
                if i == count { return a.isSequence ? .array(JArr(a.items, sequence: true)) : v }
                var seq = a.cons ? JArr.seq(v) : JArr(a.items, sequence: true)
                while i < count {
                    if seq.items.isEmpty { return nil }
                    seq = try evalStep(steps[i], seq, env, i == count - 1)
                    i += 1
                }
                return .array(seq)
            }
            cur = v
        }
        return cur
    }

    func evalGeneralPath(_ expr: Node, _ input: JV?, _ env: Frame) throws(JSONataError) -> JV? {
        // nil inputSeq stands for the sequence [undefined]
        var inputSeq: JArr?
        var resultSeq: JArr?
        var isTupleStream = false
        var tupleBindings: JArr?
        let count = expr.steps.count
        var first = 0
        let step0 = expr.steps[0]
        if case .array(let a)? = input, step0.type != .variable {
            inputSeq = a
        } else if let input {
            if !step0.tuple && !step0.consarray && step0.type != .sort {
                // common case: one context item; evaluate the first step without building a sequence
                resultSeq = try evalStepOne(step0, input, env, count == 1)
                inputSeq = resultSeq
                first = resultSeq!.items.isEmpty ? count : 1
            } else {
                inputSeq = JArr.seq(input)
            }
        } else {
            inputSeq = nil
        }
        for ii in first..<count {
            let step = expr.steps[ii]
            if step.tuple { isTupleStream = true }
            if ii == 0 && step.consarray {
                let v = try eval(step, inputSeq.map { .array($0) }, env)
                if case .array(let a)? = v { resultSeq = a } else if let v { resultSeq = JArr.seq(v) } else { resultSeq = nil }
            } else if isTupleStream {
                tupleBindings = try evalTupleStep(step, inputSeq, tupleBindings, env)
            } else {
                resultSeq = try evalStep(step, inputSeq, env, ii == count - 1)
            }
            if !isTupleStream && (resultSeq == nil || resultSeq!.items.isEmpty) { break }
            if step.focus == nil { inputSeq = resultSeq }
        }
        if isTupleStream {
            if expr.tuple {
                resultSeq = tupleBindings
            } else {
                let r = JArr.seq()
                if let tb = tupleBindings {
                    r.items.reserveCapacity(tb.count)
                    for t in tb.items { if let v = t.obj?["@"] { r.items.append(v) } }
                }
                resultSeq = r
            }
        }
        if expr.keepSingletonArray, var rs = resultSeq {
            if rs.cons && !rs.isSequence { rs = JArr.seq(.array(rs)) }
            // The flag only matters on sequences; never write to (possibly shared) input arrays.
            if rs.isSequence { rs.keepSingleton = true }
            resultSeq = rs
        }
        if let g = expr.group {
            let src = isTupleStream ? tupleBindings : resultSeq
            return try evalGroup(g, src.map { .array($0) }, env)
        }
        return resultSeq.map { .array($0) }
    }

    func frameFromTuple(_ env: Frame, _ tuple: JObj?) -> Frame {
        let f = Frame(parent: env)
        if let tuple { for (i, k) in tuple.keys.enumerated() { f.bind(k, tuple.value(at: i)) } }
        return f
    }

    func evalStep(_ expr: Node, _ input: JArr?, _ env: Frame, _ lastStep: Bool) throws(JSONataError) -> JArr {
        if expr.type == .sort {
            var r = try evalSort(expr, input ?? JArr.seq(), env)
            if let stages = expr.stages { r = try evalStages(stages, r, env) }
            return r
        }
        guard let input, input.items.count != 1 else { return try evalStepOne(expr, input?.items[0], env, lastStep) }
        var results: [JV] = []
        func one(_ item: JV?) throws(JSONataError) {
            var res = try eval(expr, item, env)
            if let stages = expr.stages {
                for case .filter(let p, _) in stages { res = .array(try evalFilter(p, res, env)) }
            }
            if let res { results.append(res) }
        }
        results.reserveCapacity(input.items.count)
        for item in input.items { try one(item) }
        if lastStep && results.count == 1, case .array(let a) = results[0], !a.isSequence { return a }
        let out = JArr.seq()
        out.items.reserveCapacity(results.count)
        for res in results {
            if case .array(let a) = res, !a.cons { out.items.append(contentsOf: a.items) } else { out.items.append(res) }
        }
        return out
    }

    /// `evalStep` over a single context item.
    func evalStepOne(_ expr: Node, _ item: JV?, _ env: Frame, _ lastStep: Bool) throws(JSONataError) -> JArr {
        var res = try eval(expr, item, env)
        if let stages = expr.stages {
            for case .filter(let p, _) in stages { res = .array(try evalFilter(p, res, env)) }
        }
        guard let res else { return JArr.seq() }
        if case .array(let a) = res {
            if lastStep && !a.isSequence { return a }
            if !a.cons { return JArr(a.items, sequence: true) }
        }
        return JArr.seq(res)
    }

    func evalStages(_ stages: [Stage], _ input: JArr, _ env: Frame) throws(JSONataError) -> JArr {
        var result = input
        for stage in stages {
            switch stage {
            case .filter(let p, _): result = try evalFilter(p, .array(result), env)
            case .index(let name):
                for (i, t) in result.items.enumerated() { t.obj?[name] = .number(Double(i)) }
            }
        }
        return result
    }

    func evalTupleStep(_ expr: Node, _ input: JArr?, _ tupleBindings: JArr?, _ env: Frame) throws(JSONataError) -> JArr {
        if expr.type == .sort {
            var result: JArr
            if let tb = tupleBindings {
                result = try evalSort(expr, tb, env)
            } else {
                let sorted = try evalSort(expr, input ?? JArr.seq(), env)
                result = JArr.seq()
                result.tupleStream = true
                for (i, v) in sorted.items.enumerated() {
                    let t = JObj()
                    t["@"] = v
                    if let ix = expr.index { t[ix] = .number(Double(i)) }
                    result.items.append(.object(t))
                }
            }
            if let stages = expr.stages { result = try evalStages(stages, result, env) }
            return result
        }
        var result = JArr.seq()
        result.tupleStream = true
        let bindings: [JObj]
        if let tb = tupleBindings {
            bindings = tb.items.compactMap { $0.obj }
        } else if let input {
            bindings = input.items.map { v in let t = JObj(); t["@"] = v; return t }
        } else {
            bindings = [JObj()]
        }
        for tb in bindings {
            let stepEnv = frameFromTuple(env, tb)
            guard let res = try eval(expr, tb["@"], stepEnv) else { continue }
            let items: [JV]
            var resIsTuple = false
            if case .array(let a) = res { items = a.items; resIsTuple = a.tupleStream } else { items = [res] }
            for (bb, v) in items.enumerated() {
                let t = tb.copy()
                if resIsTuple, let o = v.obj {
                    for k in o.keys { t[k] = o[k] }
                } else {
                    if let f = expr.focus {
                        t[f] = v
                        t["@"] = tb["@"]
                    } else {
                        t["@"] = v
                    }
                    if let ix = expr.index { t[ix] = .number(Double(bb)) }
                    if let anc = expr.ancestor { t[anc.label] = tb["@"] }
                }
                result.items.append(.object(t))
            }
        }
        if let stages = expr.stages { result = try evalStages(stages, result, env) }
        return result
    }

    func evalFilter(_ predicate: Node, _ input: JV?, _ env: Frame) throws(JSONataError) -> JArr {
        var results = JArr.seq()
        guard let input else {
            // the reference filters the sequence [undefined]: the predicate still runs (and may fail)
            if predicate.type != .number { _ = try eval(predicate, nil, env) }
            return results
        }
        let inputArr: JArr
        if case .array(let a) = input { inputArr = a } else { inputArr = JArr.seq(input) }
        if inputArr.tupleStream { results.tupleStream = true }
        let items = inputArr.items
        if predicate.type == .number {
            var index = toInt(predicate.num.rounded(.down))
            if index < 0 { index += items.count }
            if index >= 0 && index < items.count {
                let item = items[index]
                if case .array(let a) = item { results = a } else { results.items.append(item) }
            }
            return results
        }
        for (index, item) in items.enumerated() {
            var context: JV? = item
            var e = env
            if inputArr.tupleStream {
                context = item.obj?["@"]
                e = frameFromTuple(env, item.obj)
            }
            var res = try eval(predicate, context, e)
            if try isNumeric(res) != nil { res = .array(JArr([res!])) }
            var allNumbers = false
            if case .array(let ra)? = res {
                allNumbers = true
                for v in ra.items where try isNumeric(v) == nil { allNumbers = false; break }
            }
            if allNumbers, case .array(let ra)? = res {
                for n in ra.items {
                    var ii = toInt(n.num!.rounded(.down))
                    if ii < 0 { ii += items.count }
                    if ii == index { results.items.append(item) }
                }
            } else if truthy(res) == true {
                results.items.append(item)
            }
        }
        return results
    }

    func evalGroup(_ g: GroupSpec, _ input: JV?, _ env: Frame) throws(JSONataError) -> JV? {
        let result = JObj()
        var reduce = false
        var items: [JV?]
        if case .array(let a)? = input {
            reduce = a.tupleStream
            items = a.items.map { Optional($0) }
        } else {
            items = [input]
        }
        if items.isEmpty { items = [nil] }
        var order: [String] = []
        var groups: [String: (data: JV?, exprIndex: Int)] = [:]
        for item in items {
            let e = reduce ? frameFromTuple(env, item?.obj) : env
            for (pairIndex, pair) in g.pairs.enumerated() {
                let key = try eval(pair.0, reduce ? item?.obj?["@"] : item, e)
                guard let key else { continue }
                guard case .string(let k) = key else { throw jerr("T1003", g.position) }
                if let existing = groups[k] {
                    if existing.exprIndex != pairIndex { throw jerr("D1009", g.position, k) }
                    groups[k] = (append(existing.data, item), pairIndex)
                } else {
                    groups[k] = (item, pairIndex)
                    order.append(k)
                }
            }
        }
        for k in order {
            let entry = groups[k]!
            var context = entry.data
            var e = env
            if reduce {
                let tuple = reduceTupleStream(entry.data)
                context = tuple["@"]
                tuple["@"] = nil
                e = frameFromTuple(env, tuple)
            }
            if let v = try eval(g.pairs[entry.exprIndex].1, context, e) { result[k] = v }
        }
        return .object(result)
    }

    func reduceTupleStream(_ data: JV?) -> JObj {
        guard let data else { return JObj() }
        guard case .array(let a) = data else { return data.obj?.copy() ?? JObj() }
        let result = a.items.first?.obj?.copy() ?? JObj()
        for t in a.items.dropFirst() {
            guard let o = t.obj else { continue }
            for k in o.keys { result[k] = append(result[k], o[k]) }
        }
        return result
    }

    func evalSort(_ expr: Node, _ input: JArr, _ env: Frame) throws(JSONataError) -> JArr {
        let isTuple = input.tupleStream
        if input.items.count <= 1 { return input }
        func key(_ term: SortTerm, _ v: JV) throws(JSONataError) -> JV? {
            if isTuple { return try eval(term.expression, v.obj?["@"], frameFromTuple(env, v.obj)) }
            return try eval(term.expression, v, env)
        }
        let comparator: (JV, JV) throws(JSONataError) -> Bool = { a, b throws(JSONataError) in
            var comp = 0
            for term in expr.terms {
                let aa = try key(term, a), bb = try key(term, b)
                guard let aa else { comp = bb == nil ? 0 : 1; if comp != 0 { break } else { continue } }
                guard let bb else { comp = -1; break }
                switch (aa, bb) {
                case (.number(let x), .number(let y)):
                    if x == y { continue }
                    comp = x < y ? -1 : 1
                case (.string(let x), .string(let y)):
                    if x == y { continue }
                    comp = jsLess(x, y) ? -1 : 1
                default:
                    if !(aa.isString || aa.isNumber) || !(bb.isString || bb.isNumber) { throw jerr("T2008", expr.position) }
                    throw jerr("T2007", expr.position)
                }
                if term.descending { comp = -comp }
                if comp != 0 { break }
            }
            return comp == 1
        }
        return JArr(try mergeSort(input.items, comparator))
    }

    /// Stable merge sort; `swap(a, b)` returns true when `a` must come after `b`.
    func mergeSort(_ items: [JV], _ swap: (JV, JV) throws(JSONataError) -> Bool) throws(JSONataError) -> [JV] {
        if items.count <= 1 { return items }
        let mid = items.count / 2
        let left = try mergeSort(Array(items[..<mid]), swap)
        let right = try mergeSort(Array(items[mid...]), swap)
        var out: [JV] = []
        out.reserveCapacity(items.count)
        var i = 0, j = 0
        while i < left.count && j < right.count {
            if try swap(left[i], right[j]) { out.append(right[j]); j += 1 } else { out.append(left[i]); i += 1 }
        }
        out.append(contentsOf: left[i...])
        out.append(contentsOf: right[j...])
        return out
    }
}
