import CortadoASL
import CortadoJSONata
import CortadoJSON
import CortadoPath

/// A pool copied into memory the lane owns: reading it never touches a reference count.
struct Pool<T> {
    let p: UnsafeMutableBufferPointer<T>
    init(_ a: [T]) {
        p = .allocate(capacity: max(a.count, 1))
        _ = p.initialize(from: a)
    }
    @inline(__always) subscript(i: Int32) -> T { p[Int(i)] }
    /// Where element 0 is.
    @inline(__always) var base: UnsafeMutablePointer<T> { p.baseAddress.unsafelyUnwrapped }
    @inline(__always) subscript(i: Int) -> T { p[i] }
    func free() { p.deallocate() }
}

/// The batch runner's fast lane: runs a line's whole execution over a tape of byte ranges
/// of the line (DESIGN, "The JSON layer"): untouched values are never decoded and are
/// written back with one copy. It takes only programs of pure data states and Tasks whose
/// answer the host promises is a constant (see `TapeCompiler`), and for any line it is not sure to run exactly as the general engine
/// would (an error of any kind, escapes, duplicate keys, a value over the size limit) it
/// throws `Bail`, and the host runs that line on the general engine from the start.
/// On a real clock whose host parks lines (`Clock.parking`), a line that waits in its top
/// machine ends its run, and the host has a lane go on with it when its time has come
/// (`TapeLane+Suspension`). One per worker; not thread-safe.
public final class TapeLane {
    let tape: Tape
    let code: TapeCode
    let states: Pool<TState>
    let steps: Pool<TStep>
    let keys: Pool<Key>
    let templates: Pool<TTemplate>
    let members: Pool<TMember>
    let items: Pool<Int32>
    let values: Pool<TValue>
    let rules: Pool<TRule>
    let ruleKids: Pool<Int32>
    let choices: Pool<(rule: Int32, next: Int32)>
    let queries: Pool<TQuery>
    let retries: Pool<TRetries>
    /// By pc, by choice, and their variables (`TapeLane+Variables`).
    let assigns: Pool<Span>
    let choiceAssigns: Pool<Span>
    let assignments: Pool<TAssignment>
    let variableReads: Pool<TVariableRead>
    /// The host's backend, for Tasks the lane calls (`TapeLane+Calls`).
    let taskCalls: TaskCalls?
    /// The answers of the called Task running, by attempt (kept when the line parks), and
    /// each called Task's attempts, by trail entry (the words of a later error).
    var callOutcomes: [(delayMs: Int, outcome: Result<JSONPayload, ASLError>)] = []
    var callAttempts: [(entry: Int, failed: [ASLError], succeeded: Bool)] = []
    /// The next call's place in `callOutcomes` (from 0 at each top-level state's entry:
    /// `enteredCallingState`), and whether the program calls any Task.
    var callCursor = 0
    let callsTasks: Bool
    /// The line's calls of backends that work for real (`TapeLane+Awaits`), the one it
    /// parked for, and, resumed without its outcome (the line's limit came first), that
    /// call's place in `callOutcomes`.
    var awaitedCalls: [AwaitedCall] = []
    var awaiting: AwaitedCall?
    var unanswered: Int?
    /// How many workflow variables (slots) the program names.
    let variableCount: Int
    /// Some state assigns variables (states check this before they look for an Assign).
    let anyAssign: Bool
    /// Some Task reads its TimeoutSeconds or HeartbeatSeconds at run time (`TapeCode.taskLimits`).
    let anyTaskLimits: Bool
    /// The line's workflow variables, a node per slot (-1: not set).
    let variables: UnsafeMutablePointer<Int32>
    /// Outer variables while a Map iteration or Parallel branch runs on its copy.
    var savedVariables = UnsafeVec<Int32>(capacity: 16)
    /// A JSONata Task's result while its Output and Assign are built (`$states.result`; -1 otherwise).
    var stateResult: Int32 = -1
    /// A JSONata Catcher's error output while its Output and Assign are built (`$states.errorOutput`).
    var stateErrorOutput: Int32 = -1
    /// `$$.State.RetryCount` while a retried Task's attempts and outcome are built (0
    /// otherwise: `retried`).
    var taskRetryCount = 0
    /// The Map item and its index while a JSONata ItemSelector is built (`$states.context.Map.Item`; -1 otherwise).
    var selectorItem: Int32 = -1
    var selectorIndex = 0
    /// The evaluator's scope for `TQuery.general` and the nodes it was made of (`$states.input`,
    /// -1 when not materialized; the result; each variable any such expression reads).
    var generalScope: JSONataScope?
    var generalScopeNodes = UnsafeVec<Int32>(capacity: 8)
    /// The last `$states.input` node converted for the evaluator, and its value (the scopes
    /// of a Map's items share their input).
    var generalInput: (node: Int32, covers: JSONataProjection, value: JSONataValue)?
    /// An Assign's values while they are built.
    var assigned = UnsafeVec<Int32>(capacity: 8)
    let start: Int32
    let payloadLimit: Int
    /// Per path step: the member index where the name was found last.
    let stepHints: UnsafeMutablePointer<Int32>
    /// Paths and ResultPaths walk `steps` over the tape through this.
    let tree: TapeTree
    /// A Format's values while it is being built.
    var formatArgs = UnsafeVec<Int32>(capacity: 8)

    /// The states this line entered, in order, valid until the next `run` (for per-state
    /// counts: the host commits them only when the line succeeds on the lane).
    public var trail: UnsafeBufferPointer<Int32> { UnsafeBufferPointer(start: trailStates.base, count: trailStates.count) }
    /// Monotonic nanoseconds at which each state of `trail` was entered (when `timeStates`
    /// was set for the line; empty otherwise). Valid until the next `run`.
    public var trailTimes: UnsafeBufferPointer<UInt64> { UnsafeBufferPointer(start: trailClock.base, count: trailClock.count) }
    /// Read the clock at every state entry of the next lines (a host may time only a sample).
    public var timeStates = false
    /// How many lines a line's per-state times stand for, to the host (it samples them);
    /// a parked line keeps its own (`Suspension`).
    public var timeScale = 1
    var trailStates = UnsafeVec<Int32>(capacity: 16)
    var trailClock = UnsafeVec<UInt64>(capacity: 16)

    /// Keep each state's input and output value of the next lines (`trailValues`, by trail
    /// entry), for a host that logs them from the trail (`LinearRunLog`; on a lane made with
    /// `logged` or `logsEveryState`).
    public var recordsValues = false
    var trailInputs = UnsafeVec<Int32>(capacity: 16)
    var trailOutputs = UnsafeVec<Int32>(capacity: 16)
    /// A Task state's effective parameters and the result it took (-1 for other states).
    var trailParameters = UnsafeVec<Int32>(capacity: 16)
    var trailResults = UnsafeVec<Int32>(capacity: 16)
    /// The object of the variables a state assigned (-1 for none).
    var trailAssigned = UnsafeVec<Int32>(capacity: 16)
    /// The line's own value and its result, when `recordsValues`.
    public internal(set) var lineValue: Int32 = -1
    public internal(set) var resultValue: Int32 = -1
    /// The item count of each Map entry of the trail (the last for an entry run again), kept
    /// whatever the logs, so that the host can number the events before an error
    /// (`LinearRunLog.qualified`), and the MaxConcurrency each whose limit is read at run
    /// time ran with (few: searched).
    var trailMapCounts = UnsafeVec<Int32>(capacity: 8)  // (entry, count) pairs
    var trailMapLimits: [(entry: Int, limit: Int)] = []
    /// A retried Task's later attempts' Parameters (or Arguments), where they read the
    /// context object: (entry, value) pairs in attempt order, when `recordsValues`.
    var trailAttemptParameters = UnsafeVec<Int32>(capacity: 8)

    /// Bound on states per line, so a loop of Pass and Choice states cannot spin forever
    /// here (the general engine applies the execution timeout). A 256 KiB line holds at
    /// most ~130,000 Map items, so no finite workload comes near it.
    static let maxSteps = 2_000_000
    var stepCount = 0

    /// The host's clock. On a virtual one a Wait of constant Seconds waits for nothing the
    /// lane can see, so it runs here; `hostLimitSeconds` is the host's time limit on an
    /// execution (Express's five minutes; nil: none), which with the machine's TimeoutSeconds
    /// (`Program.executionTimeLimit`) bounds a line's waits.
    public enum Clock: Sendable {
        case real
        case virtual(hostLimitSeconds: Int?)
        /// A real clock whose host parks a line that waits (a Wait, a Task's Retry back-off)
        /// in its top machine: its run ends `.waits`, the host keeps what `suspend` copies
        /// out and, once the time has come, has a lane `resume` it. A logged line's record
        /// goes with it, and its events have the times its waits ended (`eventTime`).
        case parking(hostLimitSeconds: Int?)
    }

    /// Milliseconds of waiting (Wait states, Retry back-off) a line may do here; past it the
    /// general engine decides whether the execution times out (its branches and iterations
    /// wait side by side, the lane's add up).
    let waitBudgetMs: Int
    var waitedMs = 0
    /// The clock is `.parking`: a wait in the top machine ends the run (`parkedMs`).
    let parks: Bool
    /// How long the line last run waits before it goes on (`LineEnd.waits`; 0: it does not),
    /// and how many waits of its state that one makes.
    var parkedMs = 0
    var parkedWaits = 0
    /// The trail entry of the state a resumed line parked in (-1: none), when that state
    /// entered (monotonic ns), how many of its waits the line had waited when it parked, and
    /// how many of them are still to pass (`park`).
    var resumeEntry = -1
    var resumeEntryNanos: UInt64 = 0
    var resumeWaits = 0
    var resumeWaitsLeft = 0
    /// The waits of the Map iteration or Parallel branch running (`childWait`), where children
    /// may wait (`timedChild`).
    var childWaitedMs = 0
    /// Where the line's top machine waited, when `recordsValues`: the trail entry of the
    /// state that waited, how many entries the trail had then, and `waitedMs` after it, in
    /// order (`eventTime`).
    var waitMarks: [(entry: Int, before: Int, waitedMs: Int)] = []
    /// `waitedMs` when the state running entered (`$$.State.EnteredTime`: a Wait's Assign and
    /// Output, and a retried Task's, see the time before their waits).
    var enteredWaitedMs = 0
    /// The input and trail entry of the state running (of the top-level state a line parks
    /// in: `suspend`; a Map's or Parallel's again once its children are back).
    var enteredInput: Int32 = -1
    var enteredEntry = -1
    /// When the line started (epoch ms), read at its first Wait for a timestamp (0: not yet).
    var lineStartMs: Int64 = 0

    /// The host's backend asked for a Task's outcome: (state name, resource, attempt) -> the
    /// result or error it gives that attempt (the state's RetryCount) at once, whatever the
    /// input (a mock's Return or Throw), or nil.
    public typealias TaskResults = (_ stateName: String, _ resource: String, _ attempt: Int) -> Result<JSON, ASLError>?

    /// The error of the line last run, when it failed: `TapeCode.errors` entry `failure`,
    /// or `failedWith` (a Fail state's that it read from its input).
    var failure: Int32 = -1
    var failedWith: ASLError?
    /// The line last run failed, or a Task of it failed an attempt (it has error events to log).
    public internal(set) var sawFailure = false
    /// A States.Runtime error a top-level state raised itself (`runtimeError`), and whether
    /// the line failed with it (`lastFailure`): its last state raised it; the host words it
    /// with that state's event (`LinearRunLog.qualified`). `failedOnEntry`: before its work
    /// (no task events to log); else a Task raised it after its call (`raisedAfterWork`).
    var raised: ASLError?
    var raisedAfterWork = false
    public internal(set) var failedByState = false
    public internal(set) var failedOnEntry = false
    /// An error a state in a Map iteration or Parallel branch raised, worded (`childError`),
    /// on its way out of the child.
    var childRaised: ASLError?
    /// Whether `childRaised` came after a child Task's call (`FailedChild.afterWork`).
    var childRaisedAfterWork = false
    /// The error the child that just failed raised itself (`childMachine`), till its Map or
    /// Parallel records the failure (`noteFailedChild`).
    var lastChildRaised: ASLError?
    /// The failed Map iterations and Parallel branches of the line last run, in order (they
    /// number its events where children run one after another).
    var failedChildren: [FailedChild] = []
    /// Words an error that the trail's last state raised (`LinearRunLog.qualified` of the
    /// trail, with `taskAttempts` and `iterations`), for an error raised in a child, which
    /// the line goes on with (nil: such an error sends the line back).
    public var qualifier: ((ASLError) -> ASLError)?
    /// How deep in Map iterations and Parallel branches the lane runs (0: the top machine).
    var childDepth = 0
    /// The trail entry of the last top-level state that started its work (a Task's call, a
    /// Map's or Parallel's children) or came back from its children: an error after that
    /// follows events the lane does not write as the interpreter would (-1: none).
    var workMark = -1
    /// `$$.Execution.Name` of the next line: `executionNamePrefix` then this number.
    public var lineNumber = 0
    let executionNamePrefix: [UInt8]
    /// `$$.Execution.Id` of a line: this, then `lineNumber` (empty: not known).
    let executionIdPrefix: [UInt8]
    /// This line's execution-name and -id nodes, made when first read (-1: not yet).
    var executionNameNode: Int32 = -1
    var executionIdNode: Int32 = -1
    /// This line's `$$.Execution.StartTime` node and its last `$$.State.EnteredTime` node
    /// with the time it shows (-1: not made yet).
    var times: (start: Int32, entered: Int32, enteredMs: Int64) = (-1, -1, 0)

    /// What the context object holds that is the same for every line of a run (the
    /// general engine's `ExecutionOptions` for it): `$$.Execution.Id` is `executionArnPrefix`,
    /// the name prefix and the line's number; `$$.StateMachine.Id`, `.Name` and
    /// `$$.Execution.RoleArn` are constants.
    public struct ExecutionConstants: Sendable {
        public var executionArnPrefix: String
        public var stateMachineArn: String
        public var stateMachineName: String
        public var roleArn: String
        /// `$$.Execution.RedriveCount` (nil: none; the host's `ExecutionOptions.redriveCount`).
        public var redriveCount: Int?
        public init(executionArnPrefix: String, stateMachineArn: String, stateMachineName: String, roleArn: String,
                    redriveCount: Int?) {
            self.executionArnPrefix = executionArnPrefix; self.stateMachineArn = stateMachineArn
            self.stateMachineName = stateMachineName; self.roleArn = roleArn; self.redriveCount = redriveCount
        }
    }

    init(tape: Tape, code: TapeCode, start: Int32, payloadLimit: Int, waitBudgetMs: Int, parks: Bool = false,
         taskCalls: TaskCalls? = nil, executionNamePrefix: [UInt8], executionIdPrefix: [UInt8]) {
        // `tape` already holds the constants the compiler added.
        self.tape = tape; self.code = code; self.start = start; self.payloadLimit = payloadLimit; self.waitBudgetMs = waitBudgetMs
        self.parks = parks
        self.taskCalls = taskCalls
        callsTasks = !code.taskCalls.isEmpty
        self.executionNamePrefix = executionNamePrefix
        self.executionIdPrefix = executionIdPrefix
        states = Pool(code.states); steps = Pool(code.steps); keys = Pool(code.keys)
        templates = Pool(code.templates); members = Pool(code.members); items = Pool(code.items)
        values = Pool(code.values); rules = Pool(code.rules); ruleKids = Pool(code.ruleKids)
        choices = Pool(code.choices); queries = Pool(code.queries); retries = Pool(code.retries)
        assigns = Pool(code.assigns); choiceAssigns = Pool(code.choiceAssigns); assignments = Pool(code.assignments)
        variableReads = Pool(code.variableReads); variableCount = code.variableNames.count
        variables = .allocate(capacity: max(variableCount, 1))
        anyAssign = !code.assignments.isEmpty
        anyTaskLimits = code.taskLimits.contains { $0.count > 0 }
        stepHints = .allocate(capacity: max(code.steps.count, 1))
        stepHints.initialize(repeating: 0, count: max(code.steps.count, 1))
        tree = TapeTree(tape: tape, steps: steps.base, keys: keys.base, hints: stepHints)
    }

    deinit {
        states.free(); steps.free(); keys.free(); templates.free(); members.free(); items.free()
        values.free(); rules.free(); ruleKids.free(); choices.free(); queries.free(); retries.free()
        assigns.free(); choiceAssigns.free(); assignments.free(); variableReads.free(); variables.deallocate(); savedVariables.free(); assigned.free(); trailAssigned.free()
        trailStates.free(); trailClock.free(); trailInputs.free(); trailOutputs.free(); trailParameters.free(); trailResults.free(); trailMapCounts.free(); trailAttemptParameters.free(); formatArgs.free(); generalScopeNodes.free(); stepHints.deallocate()
    }

    @inline(__always) static func now() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
    }

    // MARK: - States

    func runMachine(_ first: Int32, _ input: Int32) throws(Bail) -> Int32 {
        var pc = first
        var value = input
        while true {
            stepCount += 1
            if stepCount > TapeLane.maxSteps { throw Bail() }
            // Values are recorded by entry: a Map's or Parallel's children enter after it and
            // leave before it.
            let entry = trailStates.count
            trailStates.append(pc)
            enteredWaitedMs = waitedMs
            enteredInput = value
            enteredEntry = entry
            if callsTasks && childDepth == 0 { enteredCallingState(entry) }
            if timeStates { trailClock.append(TapeLane.now()) }
            if recordsValues {
                trailInputs.append(value)
                trailOutputs.append(-1)
                trailParameters.append(-1)
                trailResults.append(-1)
                trailAssigned.append(-1)
            }
            let next: Int32
            switch states[pc] {
            case .pass(let s):
                let eff = try filter(value, s.input)
                var result = eff
                if s.parameters != none { result = try evaluate(s.parameters, eff, -1, 0) }
                if s.result != none { result = s.result }
                let mark = anyAssign ? try assignValues(assigns[pc], result) : -1
                value = try filter(try applyResultPath(value, result, s.resultPath), s.output)
                if mark >= 0 { storeAssigned(assigns[pc], mark, entry: entry) }
                next = s.next
            case .choice(let s):
                let eff = try filter(value, s.input)
                var target = s.defaultNext
                var matched = -1
                for k in 0..<Int(s.choices.count) {
                    let c = choices[Int(s.choices.start) + k]
                    if try matches(c.rule, eff) { target = c.next; matched = Int(s.choices.start) + k; break }
                }
                guard target >= 0 else { throw Bail() }  // States.NoChoiceMatched
                if s.outputs >= 0 {
                    value = try choiceOutput(s, matched, eff, pc: pc, entry: entry)
                } else {
                    let span = matched >= 0 ? choiceAssigns[matched] : assigns[pc]
                    let mark = anyAssign ? try assignValues(span, eff) : -1
                    value = try filter(eff, s.output)
                    if mark >= 0 { storeAssigned(span, mark, entry: entry) }
                }
                next = target
            case .succeed(let input, let output):
                let out = try filter(try filter(value, input), output)
                if recordsValues { trailOutputs.base[entry] = out }
                return out
            case .wait(let input, let output, let seconds, let secondsPath, let until, let n):
                if seconds > 0 { try wait(Int(seconds) * 1000) }
                let eff = try filter(value, input)
                if secondsPath >= 0 { try wait(try secondsPathValue(secondsPath, eff) * 1000) }
                if until >= 0 { try waitUntil(until, eff, pc: pc) }
                let mark = anyAssign ? try assignValues(assigns[pc], eff) : -1
                value = try filter(eff, output)
                if mark >= 0 { storeAssigned(assigns[pc], mark, entry: entry) }
                next = n
            case .map(let s):
                (value, next) = try map(s, value, pc: pc, entry: entry)
                if value == failedLine { return value }
            case .parallel(let s):
                (value, next) = try parallel(s, value, pc: pc, entry: entry)
                if value == failedLine { return value }
            case .jsonataWait(let seconds, let expression, let until, let output, let n):
                var s = Int(seconds)
                if expression != none { s = try waitSeconds(try evaluate(expression, value, -1, 0)) }
                if s > 0 { try wait(s * 1000) }
                if until >= 0 { try waitUntil(until, value, pc: pc) }
                value = try jsonataEnd(value, output, pc: pc, entry: entry)
                next = n
            case .jsonataPass(let output, let n):
                value = try jsonataEnd(value, output, pc: pc, entry: entry)
                next = n
            case .task(let s):
                let eff = try filter(value, s.input)
                // The backend's answer does not depend on its input; the Parameters are still
                // built, for the errors they raise (the general engine words them). Then the
                // limits read from the input, as the interpreter reads them.
                var parameters = eff
                if s.parameters != none { parameters = try evaluate(s.parameters, eff, -1, 0) }
                if anyTaskLimits, code.taskLimits[Int(pc)].count > 0 { try checkLimits(code.taskLimits[Int(pc)], eff, entry: entry) }
                workMark = entry
                if recordsValues { trailParameters.base[entry] = parameters }
                if s.retries < 0 {
                    if recordsValues { trailResults.base[entry] = s.result }
                    value = try finish(value, s.result, s.resultSelector, s.resultPath, s.output, assigns[pc], entry: entry)
                    next = s.next
                } else {
                    (value, next) = try retried(s, value, eff, pc: pc, entry: entry)
                    if value == failedLine { return value }
                }
            case .jsonataTask(let s):
                (value, next) = try jsonataTask(s, value, pc: pc, entry: entry)
                if value == failedLine { return value }
            case .call(let k):
                (value, next) = try call(k, value, pc: pc, entry: entry)
                if value == failedLine { return value }
            case .jsonataParallel(let s):
                (value, next) = try jsonataParallel(s, value, pc: pc, entry: entry)
                if value == failedLine { return value }
            case .jsonataMap(let s):
                (value, next) = try jsonataMap(s, value, pc: pc, entry: entry)
                if value == failedLine { return value }
            case .fail(let e):
                sawFailure = true
                failed(e)
                return failedLine
            case .failFields(let k):
                return try failReading(k, value, pc: pc)
            case .bail:
                throw Bail()
            }
            if recordsValues { trailOutputs.base[entry] = value }
            if next < 0 { return value }
            pc = next
        }
    }

    /// The end of a Map or Parallel with its array of results, or of a Task with its result:
    /// ResultSelector, the state's Assign (`assignment`, of trail entry `entry`), ResultPath,
    /// OutputPath (which reads the variables as they were: the Assign stores after it).
    @inline(__always)
    func finish(_ raw: Int32, _ results: Int32, _ selector: Int32, _ resultPath: TResultPath, _ output: TFilter,
                _ assignment: Span, entry: Int) throws(Bail) -> Int32 {
        var result = results
        if selector != none { result = try evaluate(selector, results, -1, 0) }
        let mark = anyAssign ? try assignValues(assignment, result) : -1
        let out = try filter(try applyResultPath(raw, result, resultPath), output)
        if mark >= 0 { storeAssigned(assignment, mark, entry: entry) }
        return out
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
