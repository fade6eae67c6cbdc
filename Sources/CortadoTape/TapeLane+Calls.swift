import CortadoASL
import CortadoJSON
import CortadoPath

// Tasks the lane calls as it runs: a backend that answers each call at once and without
// side effects (a simulated service, `answersAtOnce`). Each attempt's Parameters (Arguments) go to the host as JSON text
// (`Tape.text`, handed to the backend as it is: `JSONPayload.text`), and its answer
// comes back with the delay after which it arrives, which the line waits (counted on a
// virtual clock, parked on a real one; in a Map iteration or Parallel branch, the child's
// own wait, `childWait`); Retry and Catch are the interpreter's rules
// (`ResultProcessing.retry`, `catcher(for:)`, `ErrorOutput`), taken as the answers come. A
// parked line runs the top-level state it parked in again from its entry with the answers
// its calls had, in order (`callOutcomes`): the backend is asked once per attempt.

/// A Task the lane calls (`TState.call`, `TapeCode.taskCalls`).
struct TCall {
    var jsonata: Bool
    /// JSONPath: InputPath, Parameters (none: the effective input), ResultSelector,
    /// ResultPath, OutputPath. JSONata: Arguments (none: the input) and Output (none: the
    /// result) in `parameters` and `jsonataOutput`.
    var input: TFilter
    var parameters: Int32
    /// The Parameters read the context object: built again for each attempt (RetryCount).
    var perAttempt: Bool
    var resultSelector: Int32
    var resultPath: TResultPath
    var output: TFilter
    var jsonataOutput: Int32
    var next: Int32
    var name: String
    var resource: String
    /// TimeoutSeconds and HeartbeatSeconds in milliseconds (nil: none): an answer that
    /// comes later is that error then (`TaskWaitEnd`, the interpreter's rule); those read
    /// at run time (their Path or JSONata forms, `TapeCode.limits`) for each attempt.
    var timeoutMs: Int64?
    var heartbeatMs: Int64?
    var limits: Span
    /// Its backend works for real (`TapeLane+Awaits`): asked through `TaskCalls.start`.
    var awaited: Bool
    var processing: ResultProcessing
    /// The Catchers compiled, in `TapeCode.catches`.
    var catches: Span
}

extension TapeLane {
    /// Calls of the host's backend for Tasks the lane runs: whether a resource's backend
    /// answers at once and without side effects (`TaskBackend.answersAtOnce`), and the call:
    /// (state name, resource, attempt, input as JSON text, line number) -> the answer and the
    /// milliseconds after which it arrives, or nil (the line goes back).
    public struct TaskCalls: Sendable {
        public let answersAtOnce: @Sendable (String) -> Bool
        public let call: @Sendable (_ stateName: String, _ resource: String, _ attempt: Int, _ input: [UInt8], _ line: Int)
            -> (delayMs: Int, outcome: Result<JSON, ASLError>)?
        /// A call of a backend that works for real, which may answer later (`TapeLane+Awaits`):
        /// (state name, resource, attempt, input as JSON text, line number, TimeoutSeconds and
        /// HeartbeatSeconds of the attempt, the call) -> its answer at once, or nil when it
        /// will come through `AwaitedCall.receive`.
        public typealias Start = @Sendable (_ stateName: String, _ resource: String, _ attempt: Int, _ input: [UInt8], _ line: Int,
                                            _ timeoutSeconds: Int?, _ heartbeatSeconds: Int?, _ call: AwaitedCall)
            -> (delayMs: Int, outcome: Result<JSON, ASLError>)?
        /// Whether the lane may call a resource's backend this way (nil `start`: none).
        public let awaits: @Sendable (String) -> Bool
        public let start: Start?
        public init(answersAtOnce: @escaping @Sendable (String) -> Bool,
                    call: @escaping @Sendable (String, String, Int, [UInt8], Int) -> (delayMs: Int, outcome: Result<JSON, ASLError>)?,
                    awaits: @escaping @Sendable (String) -> Bool = { _ in false }, start: Start? = nil) {
            self.answersAtOnce = answersAtOnce
            self.call = call
            self.awaits = awaits
            self.start = start
        }
    }

    /// Task `code.taskCalls[k]` with `raw` its state's input: its attempts, Retry and Catch.
    /// - Returns: the state's output and next state, or `failedLine` (`failedWith`).
    func call(_ k: Int32, _ raw: Int32, pc: Int32, entry: Int) throws(Bail) -> (Int32, Int32) {
        let c = code.taskCalls[Int(k)]
        guard let taskCalls else { throw Bail() }
        let effective = c.jsonata ? raw : try filter(raw, c.input)
        defer { taskRetryCount = 0 }
        // The first attempt's Parameters before the state's work (their errors fail it on
        // entry, as the interpreter's do).
        var parameters = c.parameters == none ? effective : try evaluate(c.parameters, effective, -1, 0)
        /// The attempt's time limits: constants, or read from the effective input after the
        /// Parameters, as the interpreter reads them (their errors fail the state on entry).
        func limits() throws(Bail) -> (timeout: Int64?, heartbeat: Int64?) {
            guard c.limits.count > 0 else { return (c.timeoutMs, c.heartbeatMs) }
            let read = try checkLimits(c.limits, effective, entry: entry)
            return (read.timeout.map { instant(0, plusSeconds: $0) } ?? c.timeoutMs,
                    read.heartbeat.map { instant(0, plusSeconds: $0) } ?? c.heartbeatMs)
        }
        var limit = try limits()
        workMark = entry
        if recordsValues { trailParameters.base[entry] = parameters }
        var counts: [Int] = []
        var failed: [ASLError] = []
        var attempt = 0
        while true {
            taskRetryCount = attempt
            if attempt > 0 && c.perAttempt {
                // (A later attempt's error would follow task events the record does not hold.)
                do { parameters = try evaluate(c.parameters, effective, -1, 0) } catch {
                    raised = nil
                    throw Bail()
                }
                if recordsValues {
                    trailAttemptParameters.append(Int32(truncatingIfNeeded: entry))
                    trailAttemptParameters.append(parameters)
                }
            }
            if attempt > 0 && c.limits.count > 0 {
                do { limit = try limits() } catch {
                    raised = nil
                    throw Bail()
                }
            }
            var answer: (delayMs: Int, outcome: Result<JSONPayload, ASLError>)
            if callCursor < callOutcomes.count {
                // (A line resumed in the top-level state this call is in: the answer it had.)
                answer = callOutcomes[callCursor]
                // (An awaited call's the line's time limit cut short: the general engine decides.)
                if unanswered == callCursor { throw Bail() }
            } else if c.awaited {
                guard let start = taskCalls.start else { throw Bail() }
                answer = try awaitAnswer(c, attempt: attempt, parameters, timeout: limit.timeout, heartbeat: limit.heartbeat, start)
                callOutcomes.append(answer)
            } else {
                guard let a = taskCalls.call(c.name, c.resource, attempt, try tape.text(parameters), lineNumber) else { throw Bail() }
                answer = (a.delayMs, a.outcome.map(JSONPayload.json))
                callOutcomes.append(answer)
            }
            callCursor += 1
            // (An awaited call's outcome has its limits taken already, heartbeats and all.)
            if !c.awaited, let (end, at) = TaskWaitEnd.first(answer: Int64(answer.delayMs), timeout: limit.timeout, heartbeat: limit.heartbeat),
               let e = end.error {
                answer = (Int(at), .failure(e))
            }
            // (A logged line's answer is a wait even of nothing: each attempt has two, its
            // answer's and its back-off, which place its events, `waitsPerAttempt`.)
            if answer.delayMs > 0 || recordsValues { try wait(answer.delayMs) }
            switch answer.outcome {
            case .success(let v):
                // (A result over the size limit: the general engine words it.)
                guard v.serializedByteCount <= payloadLimit else { throw Bail() }
                let result = try tape.adopt(v)
                if recordsValues { trailResults.base[entry] = result }
                callAttempts.append((entry, failed, true))
                if c.jsonata { return (try finishJSONata(raw, result, c.jsonataOutput, pc: pc, entry: entry), c.next) }
                return (try finish(raw, result, c.resultSelector, c.resultPath, c.output, assigns[pc], entry: entry), c.next)
            case .failure(let e):
                guard e.name != nil else { throw Bail() }
                sawFailure = true
                failed.append(e)
                if let (i, seconds) = c.processing.retry(e, counts: &counts) {
                    try wait(Retrier.milliseconds(c.processing.retry[i].jittered(seconds)))
                    attempt += 1
                    continue
                }
                callAttempts.append((entry, failed, false))
                if let j = c.processing.catcher(for: e) {
                    return try caught(by: code.catches[Int(c.catches.start) + j], raw, try tape.adopt(ErrorOutput.object(e)), entry: entry)
                }
                failedWith = e
                return (failedLine, -1)
            }
        }
    }

    /// A top-level state (trail entry `entry`) is entered: the answers of its calls start
    /// anew, but for the state a resumed line parked in, which has the answers it had.
    @inline(never)
    func enteredCallingState(_ entry: Int) {
        callCursor = 0
        if entry != resumeEntry && !callOutcomes.isEmpty { callOutcomes.removeAll(keepingCapacity: true) }
    }

    /// How many waits each attempt of trail entry `k`'s Task makes, for its events' times
    /// (`eventTime`): a called Task's answer and back-off (its scheduled and started events
    /// before the first, its result or error after it); one Task's back-off otherwise.
    public func waitsPerAttempt(_ k: Int) -> Int {
        if case .call = states[trailStates[k]] { return 2 }
        return 1
    }

    /// The attempts of trail entry `k`, a Task the lane called (nil: no such entry).
    func calledAttempts(_ k: Int) -> (failed: [ASLError], succeeded: Bool)? {
        callAttempts.last { $0.entry == k }.map { ($0.failed, $0.succeeded) }
    }
}

extension TapeCompiler {
    /// Task `s` (state `h`) as a call of the host's backend as the lane runs, or nil where
    /// its backend answers with constants (or is not called here: `taskAttempts` decides).
    /// - Throws: `Unsupported` where the lane cannot call it: on a lane that takes no failures.
    mutating func call(_ h: StateHeader, _ s: TaskState, next: Int32) throws(Unsupported) -> TState? {
        try plainTask(h.name, s)
        guard let calls = taskCalls, taskResults?(h.name, s.resource, 0) == nil else { return nil }
        let awaited = !calls.answersAtOnce(s.resource)
        if awaited {
            guard calls.start != nil, calls.awaits(s.resource) else { return nil }
            // (A line parks for the answer, in its top machine, on a clock its host parks it
            // on or a virtual one.)
            guard parks || virtualClock
            else { throw Unsupported("Task state '\(h.name)' whose backend answers later, on a host that does not park lines") }
            guard !code.inChildren[Int(statePC)]
            else { throw Unsupported("Task state '\(h.name)' whose backend answers later, in a Map or Parallel") }
        }
        func milliseconds(_ v: DynamicValue<Int>?) -> Int64? {
            guard case .constant(let n)? = v else { return nil }
            return instant(0, plusSeconds: n)
        }
        guard handlesFailures else { throw Unsupported("Task state '\(h.name)' called on a lane that takes no failures") }
        let (timeoutMs, heartbeatMs) = (milliseconds(s.timeoutSeconds), milliseconds(s.heartbeatSeconds))
        let p = s.processing
        let jsonata = h.language == .jsonata
        guard let catches = catchers(p, jsonata: jsonata) else { throw Unsupported("Task state '\(h.name)' with a Catcher the lane does not take") }
        readsWholeContext = false
        let parameters = jsonata ? try jsonataTemplate(p.arguments) : try template(p.parameters, item: false)
        let perAttempt = readsWholeContext
        code.taskCalls.append(TCall(
            jsonata: jsonata, input: jsonata ? .identity : try filter(h.inputPath), parameters: parameters,
            perAttempt: perAttempt,
            resultSelector: jsonata ? none : try template(p.resultSelector, item: false),
            resultPath: jsonata ? .replace : try resultPath(p.resultPath), output: jsonata ? .identity : try filter(h.outputPath),
            jsonataOutput: jsonata ? try jsonataTemplate(h.output) : none,
            next: next, name: h.name, resource: s.resource, timeoutMs: timeoutMs, heartbeatMs: heartbeatMs,
            limits: try taskLimits(s), awaited: awaited,
            processing: p, catches: catches))
        return .call(Int32(code.taskCalls.count - 1))
    }
}
