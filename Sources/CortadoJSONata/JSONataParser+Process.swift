/// Post-parse stage: flattens location paths into steps with stages, resolves tuple
/// bindings (`@`, `#`) and parent-operator slots, marks tail calls and compiles regexes.
extension Parser {
    mutating func seekParent(_ node: Node, _ slot: Slot) throws(JSONataError) -> Slot {
        var slot = slot
        switch node.type {
        case .name, .wildcard:
            slot.level -= 1
            if slot.level == 0 {
                if let anc = node.ancestor {
                    ancestry[slot.index].slot!.label = anc.label
                }
                node.ancestor = slot
                node.tuple = true
            }
        case .parent:
            slot.level += 1
        case .block:
            if let last = node.expressions.last {
                node.tuple = true
                slot = try seekParent(last, slot)
            }
        case .path:
            node.tuple = true
            var index = node.steps.count - 1
            slot = try seekParent(node.steps[index], slot)
            index -= 1
            while slot.level > 0 && index >= 0 {
                slot = try seekParent(node.steps[index], slot)
                index -= 1
            }
        default:
            throw jerr("S0217", node.position, "\(node.type)")
        }
        return slot
    }

    func pushAncestry(_ result: Node, _ value: Node) {
        if value.seekingParent != nil || value.type == .parent {
            var slots = value.seekingParent ?? []
            if value.type == .parent, let s = value.slot { slots.append(s) }
            if result.seekingParent == nil { result.seekingParent = slots } else { result.seekingParent!.append(contentsOf: slots) }
        }
    }

    mutating func resolveAncestry(_ path: Node) throws(JSONataError) {
        let last = path.steps[path.steps.count - 1]
        var slots = last.seekingParent ?? []
        if last.type == .parent, let s = last.slot { slots.append(s) }
        for var slot in slots {
            var index = path.steps.count - 2
            while slot.level > 0 {
                if index < 0 {
                    if path.seekingParent == nil { path.seekingParent = [slot] } else { path.seekingParent!.append(slot) }
                    break
                }
                var step = path.steps[index]
                index -= 1
                while index >= 0 && step.focus != nil && path.steps[index].focus != nil {
                    step = path.steps[index]
                    index -= 1
                }
                slot = try seekParent(step, slot)
            }
        }
    }

    func tailCallOptimize(_ expr: Node) -> Node {
        if expr.type == .function && expr.predicate == nil {
            let thunk = Node(.lambda, expr.position)
            thunk.thunk = true
            thunk.body = expr
            return thunk
        } else if expr.type == .condition {
            expr.then = tailCallOptimize(expr.then!)
            if let e = expr.els { expr.els = tailCallOptimize(e) }
        } else if expr.type == .block, let last = expr.expressions.last {
            expr.expressions[expr.expressions.count - 1] = tailCallOptimize(last)
        }
        return expr
    }

    mutating func process(_ expr: Node) throws(JSONataError) -> Node {
        nesting += 1
        defer { nesting -= 1 }
        if nesting > Parser.maxNesting || stack.exceeded() { throw JSONataError(code: "S0201", message: "Expression nested too deeply", position: expr.position) }
        var result: Node
        switch expr.type {
        case .binary:
            switch expr.op {
            case ".":
                let lstep = try process(expr.lhs!)
                if lstep.type == .path { result = lstep } else {
                    result = Node(.path, lstep.position)
                    result.steps = [lstep]
                }
                if lstep.type == .parent { result.seekingParent = [lstep.slot!] }
                let rest = try process(expr.rhs!)
                if rest.type == .path {
                    result.steps.append(contentsOf: rest.steps)
                } else {
                    if rest.predicate != nil {
                        rest.stages = rest.predicate
                        rest.predicate = nil
                    }
                    result.steps.append(rest)
                }
                for step in result.steps {
                    if step.type == .number || step.type == .value {
                        throw jerr("S0213", step.position, tokenText(step))
                    }
                    if step.type == .string { step.type = .name }
                }
                if result.steps.contains(where: { $0.keepArray }) { result.keepSingletonArray = true }
                let first = result.steps[0]
                if first.type == .unary && first.op == "[" { first.consarray = true }
                let last = result.steps[result.steps.count - 1]
                if last.type == .unary && last.op == "[" { last.consarray = true }
                try resolveAncestry(result)
            case "[":
                result = try process(expr.lhs!)
                var step = result
                var usesStages = false
                if result.type == .path {
                    step = result.steps[result.steps.count - 1]
                    usesStages = true
                }
                if step.group != nil { throw jerr("S0209", expr.position) }
                let predicate = try process(expr.rhs!)
                if let seeking = predicate.seekingParent {
                    for slot in seeking {
                        if slot.level == 1 { _ = try seekParent(step, slot) } else { slot.level -= 1 }
                    }
                    pushAncestry(step, predicate)
                }
                let stage = Stage.filter(predicate, expr.position)
                if usesStages { step.stages = (step.stages ?? []) + [stage] } else { step.predicate = (step.predicate ?? []) + [stage] }
            case "{":
                result = try process(expr.lhs!)
                if result.group != nil { throw jerr("S0210", expr.position) }
                var pairs: [(Node, Node)] = []
                for (k, v) in expr.pairs { pairs.append((try process(k), try process(v))) }
                result.group = GroupSpec(pairs: pairs, position: expr.position)
            case "^":
                result = try process(expr.lhs!)
                if result.type != .path {
                    let p = Node(.path, result.position)
                    p.steps = [result]
                    result = p
                }
                let sortStep = Node(.sort, expr.position)
                for term in expr.terms {
                    let e = try process(term.expression)
                    pushAncestry(sortStep, e)
                    sortStep.terms.append(SortTerm(descending: term.descending, expression: e))
                }
                result.steps.append(sortStep)
                try resolveAncestry(result)
            case ":=":
                result = Node(.bind, expr.position)
                result.lhs = try process(expr.lhs!)
                result.rhs = try process(expr.rhs!)
                pushAncestry(result, result.rhs!)
            case "@":
                result = try process(expr.lhs!)
                var step = result
                if result.type == .path { step = result.steps[result.steps.count - 1] }
                if step.stages != nil || step.predicate != nil { throw jerr("S0215", expr.position) }
                if step.type == .sort { throw jerr("S0216", expr.position) }
                if expr.keepArray { step.keepArray = true }
                step.focus = expr.rhs!.str
                step.tuple = true
            case "#":
                result = try process(expr.lhs!)
                var step = result
                if result.type == .path {
                    step = result.steps[result.steps.count - 1]
                } else {
                    let p = Node(.path, result.position)
                    p.steps = [result]
                    result = p
                    if step.predicate != nil {
                        step.stages = step.predicate
                        step.predicate = nil
                    }
                }
                if step.stages == nil { step.index = expr.rhs!.str } else { step.stages!.append(.index(expr.rhs!.str)) }
                step.tuple = true
            case "~>":
                result = Node(.apply, expr.position)
                result.op = "~>"
                result.lhs = try process(expr.lhs!)
                result.rhs = try process(expr.rhs!)
                result.keepArray = result.lhs!.keepArray || result.rhs!.keepArray
            default:
                result = Node(.binary, expr.position)
                result.op = expr.op
                result.lhs = try process(expr.lhs!)
                result.rhs = try process(expr.rhs!)
                pushAncestry(result, result.lhs!)
                pushAncestry(result, result.rhs!)
            }
        case .unary:
            result = Node(.unary, expr.position)
            result.op = expr.op
            if expr.op == "[" {
                for item in expr.expressions {
                    let v = try process(item)
                    pushAncestry(result, v)
                    result.expressions.append(v)
                }
            } else if expr.op == "{" {
                for (k, v) in expr.pairs {
                    let pk = try process(k)
                    pushAncestry(result, pk)
                    let pv = try process(v)
                    pushAncestry(result, pv)
                    result.pairs.append((pk, pv))
                }
            } else {
                let e = try process(expr.expression!)
                if expr.op == "-" && e.type == .number {
                    result = e
                    result.num = -result.num
                    result.literal = .number(result.num)
                } else {
                    result.expression = e
                    pushAncestry(result, e)
                }
            }
        case .function, .partial:
            result = Node(expr.type, expr.position)
            for arg in expr.arguments {
                let a = try process(arg)
                pushAncestry(result, a)
                result.arguments.append(a)
            }
            result.procedure = try process(expr.procedure!)
        case .lambda:
            result = Node(.lambda, expr.position)
            result.params = expr.params
            result.signature = expr.signature
            result.body = tailCallOptimize(try process(expr.body!))
        case .condition:
            result = Node(.condition, expr.position)
            result.condition = try process(expr.condition!)
            pushAncestry(result, result.condition!)
            result.then = try process(expr.then!)
            pushAncestry(result, result.then!)
            if let e = expr.els {
                result.els = try process(e)
                pushAncestry(result, result.els!)
            }
        case .transform:
            result = Node(.transform, expr.position)
            result.pattern = try process(expr.pattern!)
            result.update = try process(expr.update!)
            if let d = expr.delete { result.delete = try process(d) }
        case .block:
            result = Node(.block, expr.position)
            for item in expr.expressions {
                let part = try process(item)
                pushAncestry(result, part)
                if part.consarray || (part.type == .path && part.steps[0].consarray) { result.consarray = true }
                result.expressions.append(part)
            }
        case .name:
            result = Node(.path, expr.position)
            result.steps = [expr]
            if expr.keepArray { result.keepSingletonArray = true }
        case .parent:
            result = Node(.parent, expr.position)
            result.slot = Slot(label: "!\(ancestorLabel)", level: 1, index: ancestorIndex)
            ancestorLabel += 1
            ancestorIndex += 1
            ancestry.append(result)
        case .regex:
            expr.regex = try JRegex(pattern: expr.str, flags: expr.op, position: expr.position)
            result = expr
        case .string, .number, .value, .wildcard, .descendant, .variable:
            result = expr
        case .op:
            if expr.op == "and" || expr.op == "or" || expr.op == "in" {
                expr.type = .name
                expr.str = expr.op
                result = try process(expr)
            } else if expr.op == "?" {
                expr.type = .placeholder
                result = expr
            } else {
                throw jerr("S0201", expr.position, expr.op)
            }
        case .placeholder:
            result = expr
        case .end:
            throw jerr("S0207", expr.position)
        default:
            throw jerr("S0206", expr.position)
        }
        if expr.keepArray { result.keepArray = true }
        return result
    }
}
