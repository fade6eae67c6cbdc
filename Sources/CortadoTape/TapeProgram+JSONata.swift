import CortadoASL
import CortadoJSON
import CortadoJSONata

/// An expression outside the shapes the lane runs, and whether it reads `$states` (its
/// input, and a Task's result where the field may read it). The workflow variables such
/// expressions read are `TapeCode.jsonataVariables`.
struct TJSONataCall {
    let slot: JSONataSlot
    let readsStates: Bool
    /// What it reads of the context object (nothing else): an ItemSelector's
    /// `$states.context.Map.Item`, and `$states.context.Execution.Input`.
    let readsMapItem: Bool
    let readsExecutionInput: Bool
    /// It reads more of the context object: it is given all of it (`TapeLane.contextObject`).
    let readsContext: Bool
    /// Its state's pc: the scope converts `$states.input` as far as that state's
    /// expressions read it (`Program.inputReads`).
    let statePC: Int32
}

/// A JSONata expression over the tape: a `JSONataShape` compiled, in `TapeCode.queries`.
/// Evaluating one gives a node, or -1 for undefined; `TapeLane+JSONata` hands the line over
/// wherever the evaluator's rules would need more than these cases know.
enum TQuery {
    /// `$states.input.a.b` (slot `TQuery.input`), `$states.result.a.b` (`TQuery.result`) or
    /// `$name.a.b`, a workflow variable's slot: field names, through objects only.
    case input(Int32, Span)
    case constant(Int32)
    /// `$count` of the same.
    case count(Int32, Span)
    /// `a & b`: strings; undefined is "".
    case concat(Int32, Int32)
    /// `$merge([a, b, ...])`: objects; the queries in `TapeCode.items`.
    case merge(Span)
    /// `=`, `!=`, `<`, `<=`, `>`, `>=`.
    case compare(JSONataOperator, Int32, Int32)
    case and(Int32, Int32)
    case or(Int32, Int32)
    /// `$states.context.State.RetryCount` in a Task: its attempt's (`TapeLane.taskRetryCount`).
    case retryCount
    /// Any other expression (`TapeCode.jsonataCalls`): the evaluator runs it on the values
    /// it reads, materialized, so its semantics and errors are the evaluator's own.
    case general(Int32)

    /// The slots of `$states.input` and `$states.result`.
    static let input: Int32 = -1
    static let result: Int32 = -2
}

extension TapeCompiler {
    /// A JSONata state: Pass (Output, Assign), Choice (Conditions, Assign), Wait (on a virtual
    /// clock, or of 0 seconds), Succeed, Fail (of literal Error and Cause), a mocked Task, an
    /// inline Map and a Parallel (Arguments, Output, Assign); no Choice or rule Output, and
    /// of the context object only the Map item in an ItemSelector and the execution's input.
    mutating func jsonataState(_ pc: Int, next: Int32) throws(Unsupported) -> TState {
        let h = program.headers[pc]
        switch program.code[pc] {
        case .pass:
            return .jsonataPass(output: try jsonataTemplate(h.output), next: next)
        case .choice(let s):
            var pairs: [(Int32, Int32, Span)] = []
            // A rule's Output, else the state's (the default's), as the interpreter's `choiceJSONata`.
            let stateOutput = try jsonataTemplate(h.output)
            var outputs: [Int32] = []
            for c in s.choices {
                guard let condition = c.condition else { throw Unsupported("JSONata Choice rule without a Condition") }
                switch condition {
                case .expression(let slot): code.rules.append(.query(try query(slot)))
                case .literal(let j):
                    // (Not a boolean: the evaluator's error, on the general engine.)
                    code.queries.append(.constant(constant(j)))
                    code.rules.append(.query(Int32(code.queries.count - 1)))
                default: throw Unsupported("JSONata Condition")
                }
                pairs.append((Int32(code.rules.count - 1), Int32(c.next), try assign(c.assign)))
                outputs.append(c.output == nil ? stateOutput : try jsonataTemplate(c.output))
            }
            let span = Span(start: Int32(code.choices.count), count: Int32(pairs.count))
            for p in pairs { code.choices.append((rule: p.0, next: p.1)); code.choiceAssigns.append(p.2) }
            var choice = TChoice(input: .identity, choices: span, defaultNext: s.defaultNext.map { Int32($0) } ?? -1, output: .identity)
            if stateOutput != none || outputs.contains(where: { $0 != none }) {
                choice.outputs = Int32(code.choiceOutputs.count)
                code.choiceOutputs.append(contentsOf: outputs + [stateOutput])
            }
            return .choice(choice)
        case .wait(let s):
            // As a JSONPath Wait: constant Seconds (or an expression's) where it can wait (`canWait`), or 0.
            switch s.duration {
            case .seconds(let seconds) where canWait || seconds == 0:
                guard let n = Int32(exactly: seconds) else { throw Unsupported("JSONata Wait state '\(h.name)'") }
                return .jsonataWait(seconds: n, expression: none, until: -1, output: try jsonataTemplate(h.output), next: next)
            case .secondsExpression(let e) where canWait:
                return .jsonataWait(seconds: 0, expression: try jsonataTemplate(e), until: -1, output: try jsonataTemplate(h.output), next: next)
            case .timestamp, .timestampExpression:
                guard let until = try waitTarget(s.duration) else { throw Unsupported("JSONata Wait state '\(h.name)'") }
                return .jsonataWait(seconds: 0, expression: none, until: until, output: try jsonataTemplate(h.output), next: next)
            default:
                throw Unsupported("JSONata Wait state '\(h.name)' of seconds on a real clock")
            }
        case .succeed:
            // Output reads `$states.input`, as a Pass's does; the machine ends here.
            if h.output != nil { return .jsonataPass(output: try jsonataTemplate(h.output), next: -1) }
            return .succeed(input: .identity, output: .identity)
        case .fail(let s):
            return fail(s)
        case .task(let s):
            // Arguments and Output read `$states.input`, Output and Assign `$states.result`.
            if let called = try call(h, s, next: next) { return called }
            guard let (result, retries) = try taskAttempts(h.name, s) else { return .bail }
            readsWholeContext = false
            let arguments = try jsonataTemplate(s.processing.arguments)
            argumentsReadContext(retries)
            return .jsonataTask(TJSONataTask(
                arguments: arguments,
                result: result, output: try jsonataTemplate(h.output),
                next: next, retries: retries))
        case .map(let s):
            guard s.run == nil else { throw Unsupported("JSONata Distributed Map '\(h.name)'") }
            code.jsonataMaps[Int32(pc)] = s
            let limits = try mapLimits(s)
            var selector = none
            if let sel = s.itemSelector {
                guard case .jsonata(let t) = sel else { throw Unsupported("JSONata Map '\(h.name)' with a JSONPath ItemSelector") }
                inItemSelector = true
                defer { inItemSelector = false }
                selector = try jsonataTemplate(t)
            }
            return .jsonataMap(TJSONataMap(
                items: try jsonataTemplate(s.items), selector: selector,
                processor: Int32(s.processor.start), output: try jsonataTemplate(h.output),
                next: next, limits: limits, tolerates: s.toleratesFailures))
        case .parallel(let s):
            let branches = Span(start: Int32(code.items.count), count: Int32(s.branches.count))
            code.items.append(contentsOf: s.branches.map { Int32($0.start) })
            return .jsonataParallel(TJSONataParallel(
                arguments: try jsonataTemplate(s.processing.arguments),
                branches: branches, output: try jsonataTemplate(h.output),
                next: next))
        default:
            throw Unsupported("JSONata \(h.type) state '\(h.name)'")
        }
    }

    /// An optional field's template, or `none` when it is absent.
    mutating func jsonataTemplate(_ t: JSONataTemplate?) throws(Unsupported) -> Int32 {
        guard let t else { return none }
        return try jsonataTemplate(t)
    }

    /// A JSONata field value: literals, objects and arrays of them, and `{% %}` expressions.
    mutating func jsonataTemplate(_ t: JSONataTemplate) throws(Unsupported) -> Int32 {
        let compiled: TTemplate
        switch t {
        case .literal(let j): compiled = .constant(constant(j))
        case .object(let ms):
            var kids: [(String, Int32)] = []
            for m in ms { kids.append((m.key, try jsonataTemplate(m.value))) }
            compiled = objectTemplate(kids)
        case .array(let xs):
            var kids: [Int32] = []
            for x in xs { kids.append(try jsonataTemplate(x)) }
            compiled = arrayTemplate(kids)
        case .expression(let slot):
            compiled = .query(try query(slot))
        }
        code.templates.append(compiled)
        return Int32(code.templates.count - 1)
    }

    /// A field's expression: its shape's query where it has one the lane runs, else the
    /// evaluator's (`TQuery.general`). Of the context object only what `contextRead` allows
    /// (the rest holds the execution's times and ids: the general engine's).
    mutating func query(_ slot: JSONataSlot) throws(Unsupported) -> Int32 {
        if let shape = slot.expression.shape, let q = try? query(shape) {
            // Where the lane cannot decide it (undefined: AWS's error), the evaluator runs it.
            if !slot.readsContext {
                code.evaluatorCalls[q] = TJSONataCall(slot: slot, readsStates: registerVariables(slot.expression), readsMapItem: false,
                                                      readsExecutionInput: false, readsContext: false, statePC: statePC)
            }
            return q
        }
        var readsMapItem = false, readsExecutionInput = false, readsContext = false
        if slot.readsContext {
            if let read = Self.contextRead(slot.source), !read.mapItem || inItemSelector {
                (readsMapItem, readsExecutionInput) = (read.mapItem, read.executionInput)
            } else {
                // The whole context object, as the interpreter builds it (TapeLane+Times): the
                // run's constants, the line's name and times, a Task's RetryCount.
                guard wholeContext(item: inItemSelector) != nil else { throw Unsupported("JSONata $states.context") }
                readsContext = true
                readsMapItem = inItemSelector
            }
        }
        let readsStates = registerVariables(slot.expression)
        code.jsonataCalls.append(TJSONataCall(slot: slot, readsStates: readsStates, readsMapItem: readsMapItem,
                                              readsExecutionInput: readsExecutionInput, readsContext: readsContext,
                                              statePC: statePC))
        code.queries.append(.general(Int32(code.jsonataCalls.count - 1)))
        return Int32(code.queries.count - 1)
    }

    /// Gives the evaluator the workflow variables `e` reads (`TapeCode.jsonataVariables`).
    /// - Returns: whether it reads `$states`.
    @discardableResult
    mutating func registerVariables(_ e: JSONataExpression) -> Bool {
        var readsStates = false
        for name in e.freeVariables.sorted() {
            if name == "states" { readsStates = true; continue }
            let s = self.slot(named: name)
            if !code.jsonataVariables.contains(where: { $0.slot == s }) { code.jsonataVariables.append((name, s)) }
        }
        return readsStates
    }

    /// What `source` reads of the context object when every `context` in it is
    /// `$states.context.Map.Item.Value` or `.Index` (an item, in an ItemSelector) or
    /// `$states.context.Execution.Input` (the line); nil when it reads anything else (the
    /// execution's times and ids: the general engine's business).
    static func contextRead(_ source: String) -> (mapItem: Bool, executionInput: Bool)? {
        var rest = Substring(source)
        var kept = ""
        var mapItem = false, executionInput = false
        let prefixes = ["$states.context.Map.Item.Value", "$states.context.Map.Item.Index", "$states.context.Execution.Input"]
        while let r = rest.range(of: "$states.context.") {
            kept += rest[..<r.lowerBound]
            var after = rest[r.lowerBound...]
            guard let prefix = prefixes.first(where: { after.hasPrefix($0) }) else { return nil }
            after = after.dropFirst(prefix.count)
            if let c = after.unicodeScalars.first, c == "_" || c.properties.isAlphabetic || ("0"..."9").contains(c) { return nil }
            if prefix.hasSuffix("Input") { executionInput = true } else { mapItem = true }
            rest = after
        }
        kept += rest
        return kept.contains("context") ? nil : (mapItem, executionInput)
    }

    mutating func query(_ s: JSONataShape) throws(Unsupported) -> Int32 {
        let q: TQuery
        switch s {
        case .variablePath("states", ["context", "State", "RetryCount"]):
            guard case .task = program.code[Int(statePC)] else { throw Unsupported("JSONata $states.context") }
            // (A Task's fields that read it are built again for each attempt.)
            readsWholeContext = true
            q = .retryCount
        case .variablePath(let v, let fields):
            q = .input(querySlot(v, fields), try inputFields(v, fields))
        case .constant(let j):
            q = .constant(constant(j))
        case .function(let name, let args) where name == "count" && args.count == 1:
            guard case .variablePath(let v, let fields) = args[0] else { throw Unsupported("$count of an expression") }
            q = .count(querySlot(v, fields), try inputFields(v, fields))
        case .function(let name, let args) where name == "merge" && args.count == 1:
            guard case .array(let items) = args[0] else { throw Unsupported("$merge of an expression") }
            var kids: [Int32] = []
            for i in items { kids.append(try query(i)) }
            q = .merge(Span(start: Int32(code.items.count), count: Int32(kids.count)))
            code.items.append(contentsOf: kids)
        case .binary(let op, let l, let r):
            let a = try query(l), b = try query(r)
            switch op {
            case .concat: q = .concat(a, b)
            case .and: q = .and(a, b)
            case .or: q = .or(a, b)
            default: q = .compare(op, a, b)
            }
        default:
            throw Unsupported("JSONata expression")
        }
        code.queries.append(q)
        return Int32(code.queries.count - 1)
    }

    /// The slot of what `$variable` reads: -1 for `$states` (its input), else a workflow variable's.
    /// (A name that is no workflow variable's, such as `$$`, reads as unset: the line goes to
    /// the general engine.)
    mutating func querySlot(_ variable: String, _ fields: [String]) -> Int32 {
        guard variable == "states" else { return slot(named: variable) }
        return fields.first == "result" ? TQuery.result : TQuery.input
    }

    /// The fields below `$states.input` or a workflow variable; the rest of `$states` needs
    /// the general engine.
    mutating func inputFields(_ variable: String, _ fields: [String]) throws(Unsupported) -> Span {
        if variable == "states" {
            guard fields.first == "input" || fields.first == "result" else { throw Unsupported("JSONata $states.\(fields.first ?? "")") }
        }
        let out = fields.dropFirst(variable == "states" ? 1 : 0).map { TStep.name(key($0)) }
        let span = Span(start: Int32(code.steps.count), count: Int32(out.count))
        code.steps.append(contentsOf: out)
        return span
    }
}
