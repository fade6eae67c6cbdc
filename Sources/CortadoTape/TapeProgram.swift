import CortadoASL
import CortadoJSON
import CortadoJSONata
import CortadoPath

/// Compiles a `Program` for the tape lane. Only pure data states (Pass, Choice, Succeed,
/// Fail, inline Map, Parallel; Wait of constant Seconds on a virtual clock; Task whose host
/// backend answers with a constant, as a mock does) with paths of
/// names, indices and one `[*]`, payload templates, intrinsics without `$$`, `$$.State.Name`,
/// and `$$.Map.Item` in ItemSelectors are taken; anything else keeps the whole program on
/// the general engine.
struct TapeCompiler {
    let program: Program
    let tape: Tape
    let code = TapeCode()
    let payloadLimit: Int
    /// Time is virtual: a Wait of constant Seconds changes nothing the lane can see.
    let virtualClock: Bool
    /// Time is real, and the host parks a line that waits in its top machine (a Wait, a
    /// Task's Retry back-off) until its time comes (`TapeLane.Clock.parking`).
    let parks: Bool
    var constants: [String: Int32] = [:]
    var keyIndex: [String: Int32] = [:]
    /// Workflow variables by name: their slots (`TapeProgram+Variables`).
    var variableSlots: [String: Int32] = [:]
    /// A JSONata Map's ItemSelector is being compiled (its expressions may read the item
    /// through `$states.context.Map.Item`).
    var inItemSelector = false
    /// The state being compiled, whose name `$$.State.Name` is.
    var stateName = ""
    /// The pc of the state being compiled (its `Program.inputReads` go with its expressions).
    var statePC: Int32 = 0
    /// A Task's constant result from the host's backend (`TapeLane.TaskResults`).
    let taskResults: TapeLane.TaskResults?
    /// Calls of the host's backend for Tasks it answers at once (`TapeLane+Calls`).
    let taskCalls: TapeLane.TaskCalls?
    /// The lane can name the execution (`$$.Execution.Name`).
    let namesExecutions: Bool
    /// The run's ARNs, names and role (`$$.Execution.Id`, `$$.StateMachine`, `$$.Execution.RoleArn`).
    let runConstants: TapeLane.ExecutionConstants?
    /// Lines may end FAILED on the lane (Fail states, Tasks whose attempts end in an error);
    /// otherwise reaching either hands the line back.
    let handlesFailures: Bool
    /// The host writes each line's events from the lane's record (`TapeLane.make`).
    let logged: Bool
    /// A template compiled since this was last cleared reads the whole context object
    /// (`wholeContext`).
    var readsWholeContext = false

    init(program: Program, tape: Tape, payloadLimit: Int, virtualClock: Bool, parks: Bool = false,
         taskResults: TapeLane.TaskResults? = nil, taskCalls: TapeLane.TaskCalls? = nil, namesExecutions: Bool = false, constants: TapeLane.ExecutionConstants? = nil,
         handlesFailures: Bool = false, logged: Bool = false) {
        self.program = program; self.tape = tape; self.payloadLimit = payloadLimit; self.virtualClock = virtualClock
        self.parks = parks
        self.taskResults = taskResults; self.taskCalls = taskCalls; self.namesExecutions = namesExecutions; self.runConstants = constants
        self.handlesFailures = handlesFailures; self.logged = logged
    }

    mutating func compile() throws(Unsupported) -> TapeCode {
        code.trueNode = constant(.bool(true))
        code.falseNode = constant(.bool(false))
        code.assigns = Array(repeating: .empty, count: program.code.count)
        code.taskLimits = Array(repeating: .empty, count: program.code.count)
        code.inputReads = program.inputReads
        code.stateNames = program.headers.map(\.name)
        let evaluationError = ASLError(.queryEvaluationError, nil)
        code.evaluationErrorsFail = program.code.map { state in
            let processing: ResultProcessing
            switch state {
            case .task(let s): processing = s.processing
            case .map(let s): processing = s.processing
            case .parallel(let s): processing = s.processing
            default: return true
            }
            return processing.retrier(for: evaluationError) == nil && processing.catcher(for: evaluationError) == nil
        }
        code.inChildren = program.inChildren()
        for pc in program.code.indices { code.states.append(try state(pc)) }
        code.onFailure = Array(repeating: -1, count: code.states.count)
        code.takesFailures = handlesFailures
        code.childrenInOrder = firstWithWaitingChildren(code) == nil
        // (Children that start children of their own count too: those may wait by a Retry's back-off.)
        code.childrenMayWait = code.states.indices.map { pc in childStarts(code, pc).contains { waits(from: $0) } }
        if handlesFailures {
            if logged { try noFailuresInChildren() }
            compileChildFailures()
        }
        // Every variable is named by now (a Catcher's Assign among the last).
        // The evaluator is handed only the variables an expression reads: a variable named
        // as a built-in function would be bound in the function's place otherwise.
        if variableSlots.keys.contains(where: JSONataExpression.isBuiltinFunction) {
            guard code.jsonataCalls.isEmpty else { throw Unsupported("a workflow variable named as a JSONata function") }
            code.evaluatorCalls = [:]  // (what the lane cannot decide then goes back)
        }
        code.variableNames = Array(repeating: -1, count: variableSlots.count)
        for (name, slot) in variableSlots { code.variableNames[Int(slot)] = constant(.string(name)) }
        return code
    }

    mutating func state(_ pc: Int) throws(Unsupported) -> TState {
        let h = program.headers[pc]
        let next = h.next.map { Int32($0) } ?? -1
        stateName = h.name
        statePC = Int32(pc)
        // (Succeed and Fail states have no Assign; a Choice's is its Default's.)
        code.assigns[pc] = try assign(h.assign)
        if h.language == .jsonata { return try jsonataState(pc, next: next) }
        switch program.code[pc] {
        case .pass(let s):
            if s.resultByteCount > payloadLimit { return .bail }
            let p = s.processing
            guard p.resultSelector == nil, p.retry.isEmpty, p.catchers.isEmpty else { throw Unsupported("Pass with ResultSelector/Retry/Catch") }
            return .pass(TPass(
                input: try filter(h.inputPath), parameters: try template(p.parameters, item: false),
                result: s.result.map { constant($0) } ?? none, resultPath: try resultPath(p.resultPath),
                output: try filter(h.outputPath), next: next))
        case .choice(let s):
            var pairs: [(Int32, Int32, Span)] = []
            for c in s.choices {
                guard let r = c.rule else { throw Unsupported("Choice rule without a rule") }
                pairs.append((try rule(r), Int32(c.next), try assign(c.assign)))
            }
            let span = Span(start: Int32(code.choices.count), count: Int32(pairs.count))
            for (r, n, a) in pairs { code.choices.append((r, n)); code.choiceAssigns.append(a) }
            return .choice(TChoice(input: try filter(h.inputPath), choices: span, defaultNext: s.defaultNext.map { Int32($0) } ?? -1,
                                   output: try filter(h.outputPath)))
        case .succeed:
            return .succeed(input: try filter(h.inputPath), output: try filter(h.outputPath))
        case .fail(let s):
            return fail(s)
        case .map(let s):
            let p = s.processing
            guard s.run == nil else { throw Unsupported("Distributed Map with ItemReader/ItemBatcher/ResultWriter") }
            guard p.parameters == nil || s.itemSelector != nil else { throw Unsupported("Map Parameters") }
            var itemSelector: PayloadTemplate? = nil
            if let sel = s.itemSelector {
                guard case .jsonPath(let t) = sel else { throw Unsupported("JSONata ItemSelector") }
                itemSelector = t
            }
            // (Its Retry, Catch and tolerated failures: `compileChildFailures`; limits read
            // from the input are checked, TapeLane+Limits.)
            let limits = try mapLimits(s)
            code.itemsNotAnArray[Int32(pc)] = s.itemsNotAnArray
            return .map(TMap(
                input: try filter(h.inputPath), items: try filter(s.itemsPath),
                selector: try template(itemSelector, item: true),
                processor: Int32(s.processor.start),
                resultSelector: try template(p.resultSelector, item: false),
                resultPath: try resultPath(p.resultPath), output: try filter(h.outputPath), next: next,
                limits: limits, tolerates: s.toleratesFailures))
        case .parallel(let s):
            // (Its Retry and Catch: `compileChildFailures`.)
            let p = s.processing
            let branches = Span(start: Int32(code.items.count), count: Int32(s.branches.count))
            code.items.append(contentsOf: s.branches.map { Int32($0.start) })
            return .parallel(TParallel(
                input: try filter(h.inputPath),
                parameters: try template(p.parameters, item: false),
                branches: branches,
                resultSelector: try template(p.resultSelector, item: false),
                resultPath: try resultPath(p.resultPath), output: try filter(h.outputPath), next: next))
        case .wait(let s):
            // A constant Seconds is at most 99999999 (checked with the definition), far below
            // the longest delay AWS accepts; the lane adds up a line's waits against its time
            // limit. `"Seconds": 0` waits for nothing on any clock.
            // A SecondsPath on a virtual clock: its value read from the effective input.
            if canWait, case .secondsPath(let p) = s.duration {
                code.values.append(try value(p, item: false))
                code.pathSources[Int32(code.values.count - 1)] = p.source
                return .wait(input: try filter(h.inputPath), output: try filter(h.outputPath), seconds: 0,
                             secondsPath: Int32(code.values.count - 1), until: -1, next: next)
            }
            // A Timestamp or TimestampPath: on any clock (TapeLane+Wait).
            if let until = try waitTarget(s.duration) {
                return .wait(input: try filter(h.inputPath), output: try filter(h.outputPath), seconds: 0, secondsPath: -1,
                             until: until, next: next)
            }
            guard case .seconds(let seconds) = s.duration, canWait || seconds == 0, let n = Int32(exactly: seconds)
            else { throw Unsupported("Wait state '\(h.name)' of seconds on a real clock") }
            return .wait(input: try filter(h.inputPath), output: try filter(h.outputPath), seconds: n, secondsPath: -1, until: -1, next: next)
        case .task(let s):
            if let called = try call(h, s, next: next) { return called }
            guard let (result, retries) = try taskAttempts(h.name, s) else { return .bail }
            let p = s.processing
            readsWholeContext = false
            let parameters = try template(p.parameters, item: false)
            argumentsReadContext(retries)
            return .task(TTask(
                input: try filter(h.inputPath),
                parameters: parameters,
                result: result,
                resultSelector: try template(p.resultSelector, item: false),
                resultPath: try resultPath(p.resultPath), output: try filter(h.outputPath), next: next,
                retries: retries))
        }
    }

    /// The state being compiled may wait on the lane: on a virtual clock, or in the top
    /// machine of a lane whose host parks lines (a child's wait hands its line back there:
    /// the interpreter runs its siblings meanwhile).
    /// (In a Map iteration or Parallel branch, a wait is the child's own: its state waits
    /// until the last child ends, `TapeLane.childrenWait`.)
    var canWait: Bool { virtualClock || parks }

    mutating func constant(_ v: JSON) -> Int32 {
        let text = v.serialized
        if let n = constants[text] { return n }
        let n = tape.addConstant(v)
        constants[text] = n
        switch v {
        case .string: tape.nodes[Int(n)].interned = true
        case .object, .array: internKeys(v, n)
        default: break
        }
        return n
    }

    /// Makes each key of the constant's objects the interned node of its text, so a
    /// compiled name finds it by index at its hint, without reading bytes (a mocked Task
    /// result read by a ResultSelector, a Pass state's Result read later). The constant's
    /// bytes, which are what is written, do not change.
    mutating func internKeys(_ v: JSON, _ n: Int32) {
        let node = tape.nodes[Int(n)]
        switch v {
        case .object(let o) where Int(node.count) == o.members.count:
            for (k, m) in o.members.enumerated() {
                let at = Int(node.first) + 2 * k
                tape.links[at] = constant(.string(m.key))
                internKeys(m.value, tape.links[at + 1])
            }
        case .array(let a) where Int(node.count) == a.count:
            for (k, x) in a.enumerated() { internKeys(x, tape.links[Int(node.first) + k]) }
        default:
            break
        }
    }

    /// A name or text piece known at compile time.
    mutating func key(_ s: String) -> Int32 {
        if let k = keyIndex[s] { return k }
        let bytes = Array(s.utf8)
        let p = UnsafeMutablePointer<UInt8>.allocate(capacity: max(bytes.count, 1))
        p.initialize(from: bytes, count: bytes.count)
        code.keyStorage.append(p)
        let node = constant(.string(s))
        code.keys.append(Key(bytes: UnsafePointer(p), count: Int32(bytes.count), node: node))
        keyIndex[s] = Int32(code.keys.count - 1)
        return Int32(code.keys.count - 1)
    }

    /// Copies of keys (deduplicated ones may sit anywhere in the pool) one after another,
    /// for whatever reads them as a span: a ResultPath's names, a Format's pieces.
    func consecutive(_ keys: [Int32]) -> Span {
        let span = Span(start: Int32(code.keys.count), count: Int32(keys.count))
        for k in keys { code.keys.append(code.keys[Int(k)]) }
        return span
    }

    /// A path's steps (after its variable, with `allowingVariable`). Plain paths (names,
    /// indices, one wildcard or slice) are walked by `PathSelection`; others are one
    /// `.evaluate` step, for `JSONPathEvaluator`. (A `$$.Execution.Input` path (`dropping`)
    /// must be plain: a filter's `$` would be the context object there.)
    mutating func steps(_ p: JSONPath, dropping: Int = 0, allowingVariable: Bool = false) throws(Unsupported) -> Span {
        guard allowingVariable || p.variable == nil else { throw Unsupported("path \(p.source)") }
        var out: [TStep] = []
        var wildcards = 0
        for s in p.plainSteps ?? [] {
            switch s {
            case .wildcard, .slice: wildcards += 1
            default: break
            }
        }
        guard let plain = p.plainSteps, wildcards <= 1 else {
            guard dropping == 0 else { throw Unsupported("path \(p.source)") }
            code.evaluated.append((p, 0))
            let span = Span(start: Int32(code.steps.count), count: 1)
            code.steps.append(.evaluate(Int32(code.evaluated.count - 1)))
            return span
        }
        for s in plain.dropFirst(dropping) {
            switch s {
            case .name(let n): out.append(.name(key(n)))
            case .index(let k): out.append(.index(k))
            case .wildcard: out.append(.wildcard)
            case .slice(let a, let b):
                func bound(_ x: Int?) throws(Unsupported) -> Int32 {
                    guard let x else { return TStep.noBound }
                    guard let v = Int32(exactly: x), v != TStep.noBound else { throw Unsupported("path \(p.source)") }
                    return v
                }
                out.append(.slice(try bound(a), try bound(b)))
            }
        }
        if wildcards > 0 {
            code.evaluated.append((p, dropping))
            code.indefinite[Int32(code.steps.count)] = Int32(code.evaluated.count - 1)
        }
        let span = Span(start: Int32(code.steps.count), count: Int32(out.count))
        code.steps.append(contentsOf: out)
        return span
    }

    mutating func value(_ p: JSONPath, item: Bool) throws(Unsupported) -> TValue {
        if let name = p.variable {
            code.variableReads.append(TVariableRead(slot: slot(named: name), steps: try steps(p, allowingVariable: true)))
            return .variable(Int32(code.variableReads.count - 1))
        }
        guard p.isContextPath else { return .input(try steps(p)) }
        // `$$.State.Name` is the state's name, known here (a Map's ItemSelector sees the Map's).
        if let plain = p.plainSteps, plain == [.name("State"), .name("Name")] { return .constant(constant(.string(stateName))) }
        if namesExecutions, let plain = p.plainSteps, plain == [.name("Execution"), .name("Name")] { return .executionName }
        if Self.readsExecutionInput(p) { return .executionInput(try steps(p, dropping: 2)) }
        if let time = timeValue(p) { return time }
        if let plain = p.plainSteps, plain == [.name("State"), .name("RetryCount")], case .task = program.code[Int(statePC)] {
            // (A Task's templates that read it are built again for each attempt.)
            readsWholeContext = true
            return .retryCount
        }
        if let k = runConstants, let plain = p.plainSteps, plain.count == 2 {
            switch (plain[0], plain[1]) {
            case (.name("Execution"), .name("Id")): return .executionId
            case (.name("Execution"), .name("RoleArn")): return .constant(constant(.string(k.roleArn)))
            case (.name("StateMachine"), .name("Id")): return .constant(constant(.string(k.stateMachineArn)))
            case (.name("StateMachine"), .name("Name")): return .constant(constant(.string(k.stateMachineName)))
            default: break
            }
        }
        guard item, let plain = p.plainSteps, plain.count >= 3, plain[0] == .name("Map"), plain[1] == .name("Item") else {
            guard let whole = wholeContext(item: item) else { throw Unsupported("context path \(p.source)") }
            code.contextPaths.append((try steps(p), whole))
            return .context(Int32(code.contextPaths.count - 1))
        }
        if plain[2] == .name("Index"), plain.count == 3 { return .itemIndex }
        guard plain[2] == .name("Value") else { throw Unsupported("context path \(p.source)") }
        return .itemValue(try steps(p, dropping: 3))
    }

    mutating func filter(_ f: PathFilter) throws(Unsupported) -> TFilter {
        switch f {
        case .identity: return .identity
        case .empty: return .empty
        case .path(let p):
            if p.isContextPath || p.variable != nil {
                code.values.append(try value(p, item: false))
                return .value(Int32(code.values.count - 1))
            }
            let span = try steps(p)
            code.filterPaths[span.start] = p
            return .path(span)
        }
    }

    mutating func resultPath(_ r: ResultTarget) throws(Unsupported) -> TResultPath {
        switch r {
        case .replace: return .replace
        case .discard: return .discard
        case .path(let p):
            guard !p.isContextPath, p.isReferencePath else { throw Unsupported("ResultPath \(p.source)") }
            let span = try steps(p)
            return span.count == 0 ? .replace : .steps(span)
        }
    }

    /// Absent, or written as a number in the definition (not read from the input).
    static func isConstant<T>(_ v: DynamicValue<T>?) -> Bool {
        guard let v else { return true }
        if case .constant = v { return true } else { return false }
    }

    /// A Choice rule's literal operand, decoded.
    mutating func literal(_ v: JSON) -> TLiteral {
        switch v {
        case .null: return TLiteral(choiceKind: .null)
        case .bool(let b): return TLiteral(choiceKind: .bool, choiceBool: b)
        case .number(let n): return TLiteral(choiceKind: .number, choiceDouble: n.double)
        case .string(let s):
            let k = code.keys[Int(key(s))]
            return TLiteral(choiceKind: .string, bytes: k.bytes, count: k.count)
        case .array, .object: return TLiteral(choiceKind: .container)
        }
    }

    mutating func rule(_ r: ChoiceRule) throws(Unsupported) -> Int32 {
        let compiled: TRule
        switch r {
        case .and(let rs), .or(let rs):
            var kids: [Int32] = []
            for x in rs { kids.append(try rule(x)) }
            let span = Span(start: Int32(code.ruleKids.count), count: Int32(kids.count))
            code.ruleKids.append(contentsOf: kids)
            if case .and = r { compiled = .and(span) } else { compiled = .or(span) }
        case .not(let x): compiled = .not(try rule(x))
        case .compare(let variable, let op, let operand):
            let v = try value(variable, item: false)
            switch operand {
            case .path(let p): compiled = .comparePaths(v, op, try value(p, item: false))
            case .literal(let lit): compiled = .compare(v, op, literal(lit))
            }
        }
        code.rules.append(compiled)
        return Int32(code.rules.count - 1)
    }
}
