import CortadoASL
import CortadoJSON
import CortadoPath

// The lane's program is plain values in flat pools indexed by Int32: running it retains
// nothing (an enum tree of arrays cost a retain and a release per step it read).

/// A range of a pool.
struct Span {
    var start: Int32
    var count: Int32
    static let empty = Span(start: 0, count: 0)
}

/// A value a state reads: by a path from its input, from the Map item (`$$.Map.Item...`,
/// only in an ItemSelector), or a constant.
enum TValue {
    case input(Span)
    case itemValue(Span)
    case itemIndex
    case constant(Int32)
    /// `$$.Execution.Name`: the host's prefix and the line's number (`TapeLane.lineNumber`).
    case executionName
}

enum TStep {
    /// A key in `TapeCode.keys`.
    case name(Int32)
    case index(Int)
    case wildcard
}

enum TTemplate {
    case constant(Int32)
    /// Members in `TapeCode.members`.
    case object(Span)
    /// Element templates in `TapeCode.items`.
    case array(Span)
    case value(TValue)
    case arrayLength(TValue)
    /// `States.Format` with a literal template: pieces are keys (`TapeCode.keys`), one more
    /// than the values (`TapeCode.values`).
    /// `plain`: no byte of the pieces needs an escape in JSON.
    case format(pieces: Span, args: Span, plain: Bool)
    /// A JSONata expression (`TapeCode.queries`).
    case query(Int32)
    /// `States.JsonMerge(a, b, false)`: templates of the two objects (paths or nested calls).
    case jsonMerge(Int32, Int32)
    /// Any other intrinsic (without `$$`): evaluated by the general engine's code on the
    /// materialized input, so its semantics and errors are that code's.
    case general(Int32)
}

struct TMember {
    /// Constant string node of the key.
    var key: Int32
    var template: Int32
    /// Bytes the key writes (quoted), so a built object's size adds up as it is built.
    var keySize: Int32
}

enum TFilter {
    case identity
    case empty
    case path(Span)
}

enum TResultPath {
    case replace
    case discard
    /// Keys (`TapeCode.keys`) of a path of names.
    case names(Span)
}

enum TRule {
    /// Sub-rules in `TapeCode.ruleKids`.
    case and(Span)
    case or(Span)
    case not(Int32)
    /// The operand is a key (its bytes).
    case stringEquals(TValue, Int32)
    case numeric(TValue, ChoiceOperator, Double)
    case booleanEquals(TValue, Bool)
    case kind(TValue, ChoiceOperator, Bool)
    /// Everything else: the general engine's comparison on materialized values.
    case general(TValue, ChoiceOperator, TValue)
    /// A JSONata Condition (`TapeCode.queries`), which must give a boolean.
    case query(Int32)
}

/// No template / no constant.
let none: Int32 = -1

struct TPass {
    var input: TFilter
    var parameters: Int32
    var result: Int32
    var resultPath: TResultPath
    var output: TFilter
    var next: Int32
}

struct TChoice {
    var input: TFilter
    /// (rule, next) pairs in `TapeCode.choices`.
    var choices: Span
    var defaultNext: Int32
    var output: TFilter
}

/// A Task whose backend answers its first attempt with a constant (a mock's Return): the
/// result is a constant node, and the Task runs as a Pass that builds its Parameters (for
/// the errors they raise) and then takes that result.
struct TTask {
    var input: TFilter
    var parameters: Int32
    var result: Int32
    var resultSelector: Int32
    var resultPath: TResultPath
    var output: TFilter
    var next: Int32
}

struct TMap {
    var input: TFilter
    var items: TFilter
    var selector: Int32
    var processor: Int32
    var resultSelector: Int32
    var resultPath: TResultPath
    var output: TFilter
    var next: Int32
}

/// Branches run one after another on the same input node (the lane never changes a node
/// in place, so one branch cannot see another's work), and their outputs form the array.
struct TParallel {
    var input: TFilter
    var parameters: Int32
    /// Each branch's first pc, in `TapeCode.items`.
    var branches: Span
    var resultSelector: Int32
    var resultPath: TResultPath
    var output: TFilter
    var next: Int32
}

enum TState {
    case pass(TPass)
    case choice(TChoice)
    case succeed(input: TFilter, output: TFilter)
    /// A Wait of constant Seconds on a virtual clock, or of none: nothing to wait for but its paths.
    case wait(input: TFilter, output: TFilter, seconds: Int32, next: Int32)
    case map(TMap)
    case parallel(TParallel)
    case task(TTask)
    /// A JSONata Pass: its Output template (or none: the input), then `next`.
    case jsonataPass(output: Int32, next: Int32)
    /// Reaching it hands the line to the general engine (Fail, a Pass over the size limit).
    case bail
}

/// Why a program cannot run on the tape lane.
public struct Unsupported: Error, CustomStringConvertible {
    public let description: String
    init(_ s: String) { description = s }
}

/// The compiled program: states by pc (the general program's pcs) and the pools they index.
final class TapeCode {
    var states: [TState] = []
    var steps: [TStep] = []
    var keys: [Key] = []
    var templates: [TTemplate] = []
    var members: [TMember] = []
    var items: [Int32] = []
    var values: [TValue] = []
    var rules: [TRule] = []
    var ruleKids: [Int32] = []
    var choices: [(rule: Int32, next: Int32)] = []
    var calls: [IntrinsicCall] = []
    var queries: [TQuery] = []
    /// Constant `true` and `false` nodes (JSONata comparisons give them).
    var trueNode: Int32 = -1
    var falseNode: Int32 = -1
    /// Key bytes live here, for as long as the code.
    var keyStorage: [UnsafeMutablePointer<UInt8>] = []

    deinit { for p in keyStorage { p.deallocate() } }
}

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
    var constants: [String: Int32] = [:]
    var keyIndex: [String: Int32] = [:]
    /// The state being compiled, whose name `$$.State.Name` is.
    var stateName = ""
    /// A Task's constant result from the host's backend (`TapeLane.TaskResults`).
    let taskResults: TapeLane.TaskResults?
    /// The lane can name the execution (`$$.Execution.Name`).
    let namesExecutions: Bool

    init(program: Program, tape: Tape, payloadLimit: Int, virtualClock: Bool,
         taskResults: TapeLane.TaskResults? = nil, namesExecutions: Bool = false) {
        self.program = program; self.tape = tape; self.payloadLimit = payloadLimit; self.virtualClock = virtualClock
        self.taskResults = taskResults; self.namesExecutions = namesExecutions
    }

    mutating func compile() throws(Unsupported) -> TapeCode {
        code.trueNode = constant(.bool(true))
        code.falseNode = constant(.bool(false))
        for pc in program.code.indices { code.states.append(try state(pc)) }
        return code
    }

    mutating func state(_ pc: Int) throws(Unsupported) -> TState {
        let h = program.headers[pc]
        let next = h.next.map { Int32($0) } ?? -1
        stateName = h.name
        guard h.assign == nil else { throw Unsupported("Assign in state '\(h.name)'") }
        if h.language == .jsonata { return try jsonataState(pc, next: next) }
        switch program.code[pc] {
        case .pass(let s):
            if s.resultByteCount > payloadLimit { return .bail }
            let p = s.processing
            guard p.resultSelector == nil, p.retry.isEmpty, p.catchers.isEmpty else { throw Unsupported("Pass with ResultSelector/Retry/Catch") }
            return .pass(TPass(
                input: try filter(h.inputPath), parameters: try p.parameters.map { (t) throws(Unsupported) in try template(t, item: false) } ?? none,
                result: s.result.map { constant($0) } ?? none, resultPath: try resultPath(p.resultPath),
                output: try filter(h.outputPath), next: next))
        case .choice(let s):
            var pairs: [(Int32, Int32)] = []
            for c in s.choices {
                guard let r = c.rule, c.assign == nil else { throw Unsupported("Choice rule with Assign") }
                pairs.append((try rule(r), Int32(c.next)))
            }
            let span = Span(start: Int32(code.choices.count), count: Int32(pairs.count))
            for (r, n) in pairs { code.choices.append((r, n)) }
            return .choice(TChoice(input: try filter(h.inputPath), choices: span, defaultNext: s.defaultNext.map { Int32($0) } ?? -1,
                                   output: try filter(h.outputPath)))
        case .succeed:
            return .succeed(input: try filter(h.inputPath), output: try filter(h.outputPath))
        case .fail:
            return .bail
        case .map(let s):
            let p = s.processing
            guard s.run == nil else { throw Unsupported("Distributed Map with ItemReader/ItemBatcher/ResultWriter") }
            guard p.parameters == nil || s.itemSelector != nil else { throw Unsupported("Map Parameters") }
            var itemSelector: PayloadTemplate? = nil
            if let sel = s.itemSelector {
                guard case .jsonPath(let t) = sel else { throw Unsupported("JSONata ItemSelector") }
                itemSelector = t
            }
            // Retry, Catch and tolerated failures only act on a failure, which hands the line
            // back anyway; values read from the input could fail, so they stay general.
            guard Self.isConstant(s.maxConcurrency), Self.isConstant(s.toleratedFailureCount),
                  Self.isConstant(s.toleratedFailurePercentage)
            else { throw Unsupported("Map with MaxConcurrency or tolerated failures read from the input") }
            return .map(TMap(
                input: try filter(h.inputPath), items: try filter(s.itemsPath),
                selector: try itemSelector.map { (t) throws(Unsupported) in try template(t, item: true) } ?? none,
                processor: Int32(s.processor.start),
                resultSelector: try p.resultSelector.map { (t) throws(Unsupported) in try template(t, item: false) } ?? none,
                resultPath: try resultPath(p.resultPath), output: try filter(h.outputPath), next: next))
        case .parallel(let s):
            // (Retry and Catch only act on a failure, which hands the line back.)
            let p = s.processing
            let branches = Span(start: Int32(code.items.count), count: Int32(s.branches.count))
            code.items.append(contentsOf: s.branches.map { Int32($0.start) })
            return .parallel(TParallel(
                input: try filter(h.inputPath),
                parameters: try p.parameters.map { (t) throws(Unsupported) in try template(t, item: false) } ?? none,
                branches: branches,
                resultSelector: try p.resultSelector.map { (t) throws(Unsupported) in try template(t, item: false) } ?? none,
                resultPath: try resultPath(p.resultPath), output: try filter(h.outputPath), next: next))
        case .wait(let s):
            // A constant Seconds is at most 99999999 (checked with the definition), far below
            // the longest delay AWS accepts; the lane adds up a line's waits against its time
            // limit. `"Seconds": 0` waits for nothing on any clock.
            guard case .seconds(let seconds) = s.duration, virtualClock || seconds == 0, let n = Int32(exactly: seconds)
            else { throw Unsupported("Wait state '\(h.name)' on a real clock, or with a path or timestamp") }
            return .wait(input: try filter(h.inputPath), output: try filter(h.outputPath), seconds: n, next: next)
        case .task(let s):
            let p = s.processing
            // Token and .sync tasks, credentials and timeouts read from the input need the
            // general engine; so does a backend that must really be called.
            guard !s.waitsForToken, !s.runsSync, s.credentials == nil, Self.isConstant(s.timeoutSeconds), Self.isConstant(s.heartbeatSeconds),
                  let result = taskResults?(h.name, s.resource)
            else { throw Unsupported("Task state '\(h.name)' without a constant (mocked) first result") }
            if result.serializedByteCount > payloadLimit { return .bail }  // States.DataLimitExceeded
            return .task(TTask(
                input: try filter(h.inputPath),
                parameters: try p.parameters.map { (t) throws(Unsupported) in try template(t, item: false) } ?? none,
                result: constant(result),
                resultSelector: try p.resultSelector.map { (t) throws(Unsupported) in try template(t, item: false) } ?? none,
                resultPath: try resultPath(p.resultPath), output: try filter(h.outputPath), next: next))
        }
    }

    mutating func constant(_ v: JSON) -> Int32 {
        let text = v.serialized
        if let n = constants[text] { return n }
        let n = tape.addConstant(v)
        if case .string = v { tape.nodes[Int(n)].interned = true }
        constants[text] = n
        return n
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

    mutating func steps(_ p: JSONPath, dropping: Int = 0) throws(Unsupported) -> Span {
        guard p.variable == nil, let plain = p.plainSteps else { throw Unsupported("path \(p.source)") }
        var out: [TStep] = []
        var wildcards = 0
        for s in plain.dropFirst(dropping) {
            switch s {
            case .name(let n): out.append(.name(key(n)))
            case .index(let k): out.append(.index(k))
            case .wildcard: out.append(.wildcard); wildcards += 1
            }
        }
        guard wildcards <= 1 else { throw Unsupported("path \(p.source)") }
        let span = Span(start: Int32(code.steps.count), count: Int32(out.count))
        code.steps.append(contentsOf: out)
        return span
    }

    mutating func value(_ p: JSONPath, item: Bool) throws(Unsupported) -> TValue {
        guard p.isContextPath else { return .input(try steps(p)) }
        // `$$.State.Name` is the state's name, known here (a Map's ItemSelector sees the Map's).
        if let plain = p.plainSteps, plain == [.name("State"), .name("Name")] { return .constant(constant(.string(stateName))) }
        if namesExecutions, let plain = p.plainSteps, plain == [.name("Execution"), .name("Name")] { return .executionName }
        guard item, let plain = p.plainSteps, plain.count >= 3, plain[0] == .name("Map"), plain[1] == .name("Item")
        else { throw Unsupported("context path \(p.source)") }
        if plain[2] == .name("Index"), plain.count == 3 { return .itemIndex }
        guard plain[2] == .name("Value") else { throw Unsupported("context path \(p.source)") }
        return .itemValue(try steps(p, dropping: 3))
    }

    mutating func filter(_ f: PathFilter) throws(Unsupported) -> TFilter {
        switch f {
        case .identity: return .identity
        case .empty: return .empty
        case .path(let p):
            guard !p.isContextPath else { throw Unsupported("context path \(p.source)") }
            return .path(try steps(p))
        }
    }

    mutating func resultPath(_ r: ResultTarget) throws(Unsupported) -> TResultPath {
        switch r {
        case .replace: return .replace
        case .discard: return .discard
        case .path(let p):
            guard !p.isContextPath, p.isReferencePath, let plain = p.plainSteps else { throw Unsupported("ResultPath \(p.source)") }
            var names: [Int32] = []
            for s in plain {
                guard case .name(let n) = s else { throw Unsupported("ResultPath \(p.source)") }
                names.append(key(n))
            }
            return names.isEmpty ? .replace : .names(consecutive(names))
        }
    }

    /// Absent, or written as a number in the definition (not read from the input).
    static func isConstant<T>(_ v: DynamicValue<T>?) -> Bool {
        guard let v else { return true }
        if case .constant = v { return true } else { return false }
    }

    /// An object template of compiled members (key, template), in order.
    mutating func objectTemplate(_ members: [(key: String, template: Int32)]) -> TTemplate {
        let span = Span(start: Int32(code.members.count), count: Int32(members.count))
        for m in members {
            let key = constant(.string(m.key))
            code.members.append(TMember(key: key, template: m.template, keySize: tape.nodes[Int(key)].size))
        }
        return .object(span)
    }

    /// An array template of compiled element templates.
    mutating func arrayTemplate(_ elements: [Int32]) -> TTemplate {
        let span = Span(start: Int32(code.items.count), count: Int32(elements.count))
        code.items.append(contentsOf: elements)
        return .array(span)
    }

    mutating func template(_ t: PayloadTemplate, item: Bool) throws(Unsupported) -> Int32 {
        let compiled: TTemplate
        switch t {
        case .literal(let j): compiled = .constant(constant(j))
        case .object(let ms):
            var kids: [(String, Int32)] = []
            for m in ms { kids.append((m.key, try template(m.value, item: item))) }
            compiled = objectTemplate(kids)
        case .array(let xs):
            var kids: [Int32] = []
            for x in xs { kids.append(try template(x, item: item)) }
            compiled = arrayTemplate(kids)
        case .path(let p, _): compiled = .value(try value(p, item: item))
        case .intrinsic(let call, _): compiled = try intrinsic(call, item: item)
        }
        code.templates.append(compiled)
        return Int32(code.templates.count - 1)
    }

    mutating func intrinsic(_ call: IntrinsicCall, item: Bool) throws(Unsupported) -> TTemplate {
        switch call.function {
        case .arrayLength:
            if case .path(let p) = call.arguments[0] { return .arrayLength(try value(p, item: item)) }
        case .format:
            let simple = call.arguments.dropFirst().allSatisfy { if case .call = $0 { return false } else { return true } }
            if let pieces = call.formatPieces, simple {
                var args: [TValue] = []
                for a in call.arguments.dropFirst() {
                    switch a {
                    case .path(let p): args.append(try value(p, item: item))
                    case .literal(let j): args.append(.constant(constant(j)))
                    case .call: break
                    }
                }
                var keys: [Int32] = []
                for piece in pieces { keys.append(key(piece)) }
                let pieceSpan = consecutive(keys)
                let argSpan = Span(start: Int32(code.values.count), count: Int32(args.count))
                code.values.append(contentsOf: args)
                let plain = !pieces.contains { $0.utf8.contains(where: JSONWriter.needsEscape) }
                return .format(pieces: pieceSpan, args: argSpan, plain: plain)
            }
        case .jsonMerge:
            if case .literal(.bool(false)) = call.arguments[2],
               let a = try mergeOperand(call.arguments[0], item: item), let b = try mergeOperand(call.arguments[1], item: item) {
                return .jsonMerge(a, b)
            }
        default: break
        }
        guard !TapeCompiler.readsContext(call) else { throw Unsupported("\(call.function) reading $$") }
        code.calls.append(call)
        return .general(Int32(code.calls.count - 1))
    }

    /// A JsonMerge argument as a template: a path or a nested call (a literal is never an
    /// object, so the general engine words that error).
    mutating func mergeOperand(_ a: IntrinsicArgument, item: Bool) throws(Unsupported) -> Int32? {
        let compiled: TTemplate
        switch a {
        case .literal: return nil
        case .path(let p): compiled = .value(try value(p, item: item))
        case .call(let c): compiled = try intrinsic(c, item: item)
        }
        code.templates.append(compiled)
        return Int32(code.templates.count - 1)
    }

    static func readsContext(_ call: IntrinsicCall) -> Bool {
        call.arguments.contains { a in
            switch a {
            case .literal: return false
            case .path(let p): return p.isContextPath || p.variable != nil
            case .call(let c): return readsContext(c)
            }
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
            case .path(let p): compiled = .general(v, op, try value(p, item: false))
            case .literal(let lit):
                switch (op, lit) {
                case (.stringEquals, .string(let s)): compiled = .stringEquals(v, key(s))
                case (.numericEquals, .number(let n)), (.numericLessThan, .number(let n)),
                     (.numericGreaterThan, .number(let n)), (.numericLessThanEquals, .number(let n)),
                     (.numericGreaterThanEquals, .number(let n)):
                    compiled = .numeric(v, op, n.double)
                case (.booleanEquals, .bool(let b)): compiled = .booleanEquals(v, b)
                case (.isNull, .bool(let b)), (.isPresent, .bool(let b)), (.isString, .bool(let b)),
                     (.isNumeric, .bool(let b)), (.isBoolean, .bool(let b)):
                    compiled = .kind(v, op, b)
                default: compiled = .general(v, op, .constant(constant(lit)))
                }
            }
        }
        code.rules.append(compiled)
        return Int32(code.rules.count - 1)
    }
}
