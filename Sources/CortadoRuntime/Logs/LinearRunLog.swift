import CortadoASL
import CortadoPath
import CortadoJSON
import CortadoTape

/// The history of an execution whose states ran one after another, written as the
/// interpreter emits it (`Execution.start`, `step`, `handle`, `exit`, `startChildren`,
/// `finish`): `ExecutionStarted` (following event 0) with the input and role; each state's
/// `<Type>StateEntered` with its input (the first following event 0, as AWS's do), for a
/// Task each attempt's scheduled, started and failed events, then the succeeded one
/// (`LambdaFunction...` for a Lambda function ARN, with the effective parameters as
/// `input`; `Task...` otherwise, as `parameters`; the result as `output`); for a Map or
/// Parallel its started event, each child's states (a Map's iterations between their
/// started and succeeded events, launched as its MaxConcurrency lets the interpreter), and
/// its succeeded event; `<Type>StateExited` with its output (a Catcher's, for a caught
/// Task); then `ExecutionSucceeded` with the output, or, after a Fail state's entered event
/// or a Task's last failed attempt, `ExecutionFailed` with the error. A child that failed
/// ends at its failing state (after an EvaluationFailed for an error that state raised),
/// then `MapIterationFailed`; unless its Map tolerated it, the state's failed event follows
/// (no events for the siblings cancelled), then its Retrier's next run of the state (from
/// its started event), its Catcher's exit or the execution's failure.
///
/// For a host that ran the execution on its own values (the tape lane) and has each stage's
/// JSON text. The interpreter runs a Map's or Parallel's children one after another only
/// when none of them waits or starts children of its own, so a host logs only such runs
/// this way. Its lines go through the same formatter and
/// sink as the interpreter's; `LaneLogTests` holds them byte-equal (timestamps aside) to
/// the interpreter's own for every recorded case the lane keeps. One per worker.
public final class LinearRunLog {
    let entered: [EventType]
    let exited: [EventType]
    let headers: [StateHeader]
    /// Task states by pc.
    let tasks: [TaskState?]
    /// By pc: a state that ends its machine (Succeed, Fail, End), so a child's run ends there.
    let ends: [Bool]
    /// By pc: a Map's MaxConcurrency (0: all at once; nil: read at run time), a Parallel's
    /// branch count; nil for others.
    let children: [(isMap: Bool, limit: Int?, branches: Int)?]
    let roleArn: String
    let region: String

    public init(program: Program, options: ExecutionOptions) {
        entered = program.code.map { EventType.entered($0) }
        exited = program.code.map { EventType.exited($0) }
        headers = program.headers
        tasks = program.code.map { code in
            guard case .task(let t) = code else { return nil }
            return t
        }
        ends = program.code.indices.map { pc in
            switch program.code[pc] {
            case .succeed, .fail: return true
            case .choice: return false
            default: return program.headers[pc].next == nil
            }
        }
        children = program.code.map { code in
            switch code {
            case .map(let s):
                guard case .constant(let limit) = s.maxConcurrency else { return (true, nil, 0) }
                return (true, limit, 0)
            case .parallel(let s): return (false, 0, s.branches.count)
            default: return nil
            }
        }
        roleArn = options.roleArn
        region = options.region
    }

    /// Records the run into `sink` (the events its level admits), each event's details made
    /// by the functions the interpreter uses (`StateEvents.swift`).
    /// - Parameters:
    ///   - states: the pcs of the states run, in order (a Map's or Parallel's children right
    ///     after it, one child after another).
    ///   - values: state `k`'s input and output value, and a Task's effective parameters and
    ///     result, as the host names values (only read for execution data).
    ///   - taskAttempts: state `k`'s attempts, when it is a Task: the errors of those that
    ///     failed, in order, and whether a result came after them.
    ///   - iterations: how many items state `k`, a Map, ran, and the MaxConcurrency it ran
    ///     with when that was read at run time.
    ///   - assigned: the workflow variables state `k` assigned (nil: none).
    ///   - failedChild: the Map iteration or Parallel branch that failed in state `k`, if
    ///     one did (`TapeLane.failedChild`).
    ///   - attemptParameters: state `k`'s parameters for attempt `a` (from 1), a Task's
    ///     retry, where they differ from the first's (`TapeLane.attemptParameters`).
    ///   - input, output: the execution's input and output values.
    ///   - failure: the error the execution failed with in its last state (no output then).
    ///   - raised: the last state raised `failure` itself (an error the engine raises,
    ///     `Execution.qualified`), after its work (a Task's calls) unless `failedOnEntry`.
    ///   - failedOnEntry: the last state raised `failure` itself, before it did its work:
    ///     no task or child events then.
    ///   - text: a value's JSON text, valid until the next call.
    /// - Returns: the id of the last state's entered event.
    @discardableResult
    public func record(into sink: CloudWatchLogSink?, executionArn: String, timestamp: Int64,
                       states: UnsafeBufferPointer<Int32>,
                       values: (Int) -> (input: Int32, output: Int32, parameters: Int32, result: Int32),
                       taskAttempts: (Int) -> (failed: [ASLError], succeeded: Bool), iterations: (Int) -> (count: Int, maxConcurrency: Int?),
                       assigned: (Int) -> JSONObject? = { _ in nil }, failedChild: (Int) -> FailedChild? = { _ in nil },
                       attemptParameters: (Int, Int) -> Int32? = { _, _ in nil },
                       input: Int32, output: Int32, failure: ASLError?, raised: Bool = false, failedOnEntry: Bool = false,
                       text: (Int32) -> LogText) -> Int {
        let data = sink?.formatter.includeExecutionData ?? false
        // Execution data only when it is logged: making a value's text costs a copy.
        func value(_ v: Int32) -> LogValue? { data ? .text(text(v)) : nil }
        var id = 0, lastEntered = 0
        @discardableResult
        func event(_ type: EventType, previous: Int, _ details: () -> EventDetails) -> Int {
            id += 1
            guard let sink, sink.wants(type) else { return id }
            sink.record(HistoryEvent(id: id, previousEventID: previous, type: type, timestamp: timestamp, details: details()),
                        executionArn: executionArn, region: region)
            return id
        }

        /// The child whose machine the last `machine` call ended in failure.
        var childFailure: FailedChild?

        /// Writes one machine's states from entry `k` until one ends it (or the trail does,
        /// or a child's fails: `childFailure`); returns the id of its last event (nil when the
        /// execution failed in it).
        func machine(_ k: inout Int, previous first: Int) -> Int? {
            var previous = first
            while k < states.count {
                let pc = Int(states[k])
                let v = data ? values(k) : (input: -1, output: -1, parameters: -1, result: -1)
                let h = headers[pc]
                let last = k == states.count - 1
                let at = k
                lastEntered = event(entered[pc], previous: previous) { h.enteredDetails(value(v.input)) }
                k += 1
                // An error the engine raised: AWS records a failed evaluation before the state fails.
                func evaluationFailed(_ failure: ASLError) {
                    guard failure.name == .queryEvaluationError else { return }
                    event(.evaluationFailed, previous: id) { Execution.evaluationFailedDetails(failure, state: h.name) }
                }
                func failed(_ failure: ASLError) {
                    if raised || failedOnEntry { evaluationFailed(failure) }
                    event(.executionFailed, previous: id) { Execution.errorDetails(failure) }
                }
                if last, failedOnEntry, let failure {
                    failed(failure)
                    return nil
                }
                // A child that failed in this state: its machine ends here (a Task's calls first,
                // unless the state raised its error before them).
                let failedHere = failedChild(at)
                func childFailed(_ c: FailedChild) -> Int {
                    if let e = c.raised { evaluationFailed(e) }
                    childFailure = c
                    return id
                }
                if let c = failedHere, c.raised != nil, !c.afterWork { return childFailed(c) }
                // A Catcher's Next goes on where an End would have ended the machine.
                var caught = false
                if let task = tasks[pc] {
                    let attempts = taskAttempts(at)
                    caught = !attempts.succeeded
                    // Each attempt's parameters (they differ where they read its RetryCount).
                    func parameters(_ attempt: Int) -> LogValue? {
                        value(attempt == 0 ? v.parameters : attemptParameters(at, attempt) ?? v.parameters)
                    }
                    for (attempt, e) in attempts.failed.enumerated() {
                        event(task.scheduledEvent, previous: id) { task.scheduledDetails(parameters(attempt)) }
                        event(task.startedEvent, previous: id) { task.startedDetails() }
                        event(task.failedEvent(e), previous: id) { task.failedDetails(e) }
                    }
                    if attempts.succeeded {
                        event(task.scheduledEvent, previous: id) { task.scheduledDetails(parameters(attempts.failed.count)) }
                        event(task.startedEvent, previous: id) { task.startedDetails() }
                        event(task.succeededEvent, previous: id) { task.succeededDetails(value(v.result)) }
                    }
                } else if let c = children[pc] {
                    let run = c.isMap ? iterations(at) : (count: c.branches, maxConcurrency: nil)
                    let n = run.count
                    // Each run of the state: again after a failed child its Retrier took.
                    attempts: while true {
                        let started = c.isMap ? event(.mapStateStarted, previous: id) { .mapStarted(length: n) }
                            : event(.parallelStateStarted, previous: id) { EventDetails() }
                        var launches: [Int] = []
                        func launch() {
                            let index = launches.count
                            launches.append(event(.mapIterationStarted, previous: started) { .mapIteration(h.name, index: index) })
                        }
                        if c.isMap { for _ in 0..<Execution.launchedAtStart(limit: c.limit ?? run.maxConcurrency ?? 0, count: n) { launch() } }
                        var end = started
                        var stateFailure: FailedChild?
                        for i in 0..<n {
                            childFailure = nil
                            guard let childEnd = machine(&k, previous: c.isMap ? launches[i] : started) else { return nil }
                            end = childEnd
                            if c.isMap {
                                end = event(childFailure == nil ? .mapIterationSucceeded : .mapIterationFailed, previous: childEnd) {
                                    .mapIteration(h.name, index: i)
                                }
                            }
                            if let f = childFailure, !f.tolerated {
                                // The state fails with it; its siblings are cancelled without events.
                                stateFailure = f
                                break
                            }
                            if c.isMap, launches.count < n { launch() }
                        }
                        childFailure = nil
                        guard let f = stateFailure else {
                            event(c.isMap ? .mapStateSucceeded : .parallelStateSucceeded, previous: end) { EventDetails() }
                            break attempts
                        }
                        event(c.isMap ? .mapStateFailed : .parallelStateFailed, previous: end) { EventDetails() }
                        if f.retried { continue attempts }
                        guard f.caught else {
                            if let failure { event(.executionFailed, previous: id) { Execution.errorDetails(failure) } }
                            return nil
                        }
                        caught = true
                        break attempts
                    }
                }
                if let c = failedHere { return childFailed(c) }
                if last, let failure {
                    failed(failure)
                    return nil
                }
                event(exited[pc], previous: id) { h.exitedDetails(value(v.output), assigned: assigned(at)) }
                previous = id
                if ends[pc] && !caught { break }
            }
            return id
        }

        event(.executionStarted, previous: 0) { .executionStarted(value(input), roleArn: roleArn) }
        var k = 0
        guard machine(&k, previous: HistoryEvent.firstStatePrevious) != nil else { return lastEntered }
        event(.executionSucceeded, previous: id) { .executionSucceeded(value(output)) }
        return lastEntered
    }

    /// Has `lane` word the errors its states raise as `qualified` does, from its trail (its
    /// `qualifier`: the batch runner's, the tests').
    public func wordsErrors(of lane: TapeLane) {
        lane.qualifier = { [unowned lane] e in
            self.qualified(e, states: lane.trail, taskAttempts: { lane.taskAttempts($0) }, iterations: { lane.iterations($0) },
                           failedChild: { lane.failedChild($0) })
        }
    }

    /// `e`, which the last of `states` raised when it was entered, in AWS's words
    /// (`Execution.qualified`), with the id its entered event has in this run's history.
    public func qualified(_ e: ASLError, states: UnsafeBufferPointer<Int32>,
                          taskAttempts: (Int) -> (failed: [ASLError], succeeded: Bool),
                          iterations: (Int) -> (count: Int, maxConcurrency: Int?),
                          failedChild: (Int) -> FailedChild? = { _ in nil }) -> ASLError {
        let id = record(into: nil, executionArn: "", timestamp: 0, states: states,
                        values: { _ in (-1, -1, -1, -1) }, taskAttempts: taskAttempts, iterations: iterations,
                        failedChild: failedChild, input: -1, output: -1, failure: e, failedOnEntry: true) { _ in LogText(UnsafeBufferPointer(start: nil, count: 0)) }
        guard let last = states.last else { return e }
        return Execution.qualified(e, state: headers[Int(last)].name, enteredEventID: id)
    }
}
