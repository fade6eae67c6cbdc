import CortadoASL
import CortadoPath
import CortadoJSON
import CortadoTape

/// The history of an execution the tape lane ran, written as the interpreter emits it
/// (`Execution.start`, `step`, `handle`, `exit`, `startChildren`, `finish`):
/// `ExecutionStarted` (following event 0) with the input and role; each state's
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
/// JSON text. The lane runs children depth first; the interpreter runs its frames first
/// come, first served, each until it ends or starts children, and `record` replays that
/// order from the lane's trail. It cannot where children wait (the interpreter orders those
/// by time), so a host logs only runs whose children do not wait this way. Its lines go
/// through the same formatter and sink as the interpreter's; `LaneLogTests` holds them
/// byte-equal (timestamps aside) to the interpreter's own for every recorded case the lane
/// keeps, and for random programs. One per worker.
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
    /// The replay's machines, frames and queue, kept from line to line (`record`).
    var machinePool: [ReplayMachine] = []
    var framePool: [ReplayFrame] = []
    var queue: [ReplayFrame] = []

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
    ///   - states: the pcs of the states run, in the lane's order (a Map's or Parallel's
    ///     children right after it, one child after another, depth first).
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
    ///   - eventTime: when trail entry `k`'s events after its first `phase` waits happened
    ///     (phase 0: its entered event and first attempt or run; `Int.max`: its exited event;
    ///     a Task's attempt `a` at phase `a` times `waitsPerAttempt(k)`, its result or error
    ///     a phase later when that is 2: the answer's own wait),
    ///     for a run that waited (`TapeLane.eventTime`); the execution's last event is at
    ///     `timestamp` or, if later, after its last state. Nil: every event at `timestamp`.
    /// - Returns: the id of the last state's entered event.
    @discardableResult
    public func record(into sink: CloudWatchLogSink?, executionArn: String, timestamp: Int64,
                       states: UnsafeBufferPointer<Int32>,
                       values: (Int) -> (input: Int32, output: Int32, parameters: Int32, result: Int32),
                       taskAttempts: (Int) -> (failed: [ASLError], succeeded: Bool), iterations: (Int) -> (count: Int, maxConcurrency: Int?),
                       assigned: (Int) -> JSONObject? = { _ in nil }, failedChild: (Int) -> FailedChild? = { _ in nil },
                       attemptParameters: (Int, Int) -> Int32? = { _, _ in nil },
                       input: Int32, output: Int32, failure: ASLError?, raised: Bool = false, failedOnEntry: Bool = false,
                       eventTime: ((_ k: Int, _ phase: Int) -> Int64)? = nil, waitsPerAttempt: (Int) -> Int = { _ in 1 },
                       text: (Int32) -> LogText) -> Int {
        let data = sink?.formatter.includeExecutionData ?? false
        // Execution data only when it is logged: making a value's text costs a copy.
        func value(_ v: Int32) -> LogValue? { data ? .text(text(v)) : nil }
        var id = 0, lastEntered = 0
        var machinesUsed = 0, framesUsed = 0
        /// The Map and Parallel states' runs of children (`ReplayStep.firstRun`).
        var runs: [ReplayRun] = []
        // The time of the events being written.
        var now = timestamp
        func at(_ k: Int, _ phase: Int) {
            if let eventTime { now = eventTime(k, phase) }
        }
        /// The execution's last event: after its last state.
        func atEnd() {
            if let eventTime, !states.isEmpty { now = max(timestamp, eventTime(states.count - 1, Int.max)) }
        }
        @discardableResult
        func event(_ type: EventType, previous: Int, _ details: () -> EventDetails) -> Int {
            id += 1
            guard let sink, sink.wants(type) else { return id }
            sink.record(HistoryEvent(id: id, previousEventID: previous, type: type, timestamp: now, details: details()),
                        executionArn: executionArn, region: region)
            return id
        }
        /// An event of frame `f`'s thread, following its last (`Execution.emit(_:_:_:)`).
        @discardableResult
        func event(_ type: EventType, _ f: ReplayFrame, _ details: () -> EventDetails) -> Int {
            f.last = event(type, previous: f.last, details)
            return f.last
        }

        /// The trail from entry `k` on as one machine's run: its states until one ends it (or
        /// the trail ends, or the execution or the machine fails), each Map's or Parallel's
        /// children's runs taken after it.
        func parse(_ k: inout Int) -> ReplayMachine {
            if machinesUsed == machinePool.count { machinePool.append(ReplayMachine()) }
            let m = machinePool[machinesUsed]
            machinesUsed += 1
            m.steps.removeAll(keepingCapacity: true)
            m.end = .ended
            func ends(_ step: ReplayStep, _ end: ReplayMachine.End) -> ReplayMachine {
                m.steps.append(step)
                m.end = end
                return m
            }
            while k < states.count {
                let pc = Int(states[k])
                let at = k
                k += 1
                let last = at == states.count - 1
                var step = ReplayStep(at: at)
                if last, failedOnEntry, failure != nil { return ends(step, .executionFailed) }
                // A child that failed in this state: its machine ends here (a Task's calls
                // first, unless the state raised its error before them).
                let failedHere = failedChild(at)
                if let c = failedHere, c.raised != nil, !c.afterWork { return ends(step, .childFailed(c)) }
                if tasks[pc] != nil {
                    // A Catcher's Next goes on where an End would have ended the machine.
                    step.caught = !taskAttempts(at).succeeded
                } else if let c = children[pc] {
                    let read = c.isMap ? iterations(at) : (count: c.branches, maxConcurrency: nil)
                    let limit = c.isMap ? c.limit ?? read.maxConcurrency ?? 0 : 0
                    // Each run of the state: again after a failed child its Retrier took.
                    var previous = -1
                    while true {
                        let r = runs.count
                        runs.append(ReplayRun(count: read.count, limit: limit))
                        if previous < 0 { step.firstRun = r } else { runs[previous].next = r }
                        previous = r
                        for _ in 0..<read.count {
                            let child = parse(&k)
                            runs[r].children.append(child)
                            if case .executionFailed = child.end { return ends(step, .executionFailed) }
                            if case .childFailed(let f) = child.end, !f.tolerated {
                                runs[r].failure = f
                                break
                            }
                        }
                        guard let f = runs[r].failure, f.retried else { break }
                    }
                    if let f = runs[previous].failure {
                        guard f.caught else { return ends(step, .executionFailed) }
                        step.caught = true
                    }
                }
                if let c = failedHere { return ends(step, .childFailed(c)) }
                if last, failure != nil { return ends(step, .executionFailed) }
                m.steps.append(step)
                if self.ends[pc] && !step.caught { break }
            }
            return m
        }

        // The interpreter's order: frames run first come, first served, each until it ends
        // or starts children (which queue behind the frames already waiting; the parent
        // queues again when the last of them ends). Where no child starts children of its
        // own, that is the trail's order.
        var over = false
        var top: ReplayFrame!
        func frame(_ machine: ReplayMachine?, last: Int, in join: ReplayJoin?, slot: Int) -> ReplayFrame {
            if framesUsed == framePool.count { framePool.append(ReplayFrame()) }
            let f = framePool[framesUsed]
            framesUsed += 1
            f.reset(machine, last: last, in: join, slot: slot)
            return f
        }

        /// The execution ends with `failure`, in the top machine's thread.
        func executionFailed() {
            atEnd()
            if let failure { event(.executionFailed, previous: top.last) { Execution.errorDetails(failure) } }
            over = true
        }
        /// The execution fails with `failure` in frame `f`'s state, which raised it when
        /// `raised` or `failedOnEntry`.
        func failed(_ f: ReplayFrame, state: String) {
            if let failure, raised || failedOnEntry { evaluationFailed(failure, f, state: state) }
            executionFailed()
        }
        // An error the engine raised: AWS records a failed evaluation before the state fails.
        func evaluationFailed(_ e: ASLError, _ f: ReplayFrame, state: String) {
            guard e.name == .queryEvaluationError else { return }
            event(.evaluationFailed, f) { Execution.evaluationFailedDetails(e, state: state) }
        }
        /// Starts run `r` of the children of `f`'s current state, a Map or Parallel: its
        /// started event, the children launched, and `f` waits for them.
        func startRun(_ f: ReplayFrame, _ step: ReplayStep, _ r: Int) {
            let pc = Int(states[step.at])
            let c = children[pc]!
            var index = step.firstRun
            for _ in 0..<r { index = runs[index].next }
            let run = runs[index]
            at(step.at, r)
            let started = c.isMap ? event(.mapStateStarted, f) { .mapStarted(length: run.count) }
                : event(.parallelStateStarted, f) { EventDetails() }
            let join = ReplayJoin(parent: f, run: run, r: r, isMap: c.isMap, name: headers[pc].name, started: started)
            f.join = join
            f.resuming = true
            for _ in 0..<Execution.launchedAtStart(limit: run.limit, count: run.count) { launch(join) }
            if run.count == 0 { queue.append(f) }
        }
        func launch(_ join: ReplayJoin) {
            let slot = join.launched.count
            let first = join.isMap ? event(.mapIterationStarted, previous: join.started) { .mapIteration(join.name, index: slot) }
                : join.started
            // (A child after a failed one was cancelled before it ran: no machine.)
            let child = frame(slot < join.run.children.count ? join.run.children[slot] : nil, last: first, in: join, slot: slot)
            join.launched.append(child)
            queue.append(child)
        }
        func childDone(_ join: ReplayJoin) {
            join.remaining -= 1
            if join.launched.count < join.run.count { launch(join) }
            if join.remaining == 0 { queue.append(join.parent) }
        }
        func cancel(_ f: ReplayFrame) {
            f.cancelled = true
            if let j = f.join { j.launched.forEach(cancel) }
        }
        func ended(_ f: ReplayFrame) {
            guard let join = f.inJoin else {
                atEnd()
                event(.executionSucceeded, previous: f.last) { .executionSucceeded(value(output)) }
                over = true
                return
            }
            guard join.failure == nil, !join.parent.cancelled else { return }
            if join.isMap { event(.mapIterationSucceeded, f) { .mapIteration(join.name, index: f.slot) } }
            join.parent.last = f.last
            childDone(join)
        }
        func childFailed(_ f: ReplayFrame, _ c: FailedChild, state: String) {
            if let e = c.raised { evaluationFailed(e, f, state: state) }
            guard let join = f.inJoin, join.failure == nil, !join.parent.cancelled else { return }
            if join.isMap { event(.mapIterationFailed, f) { .mapIteration(join.name, index: f.slot) } }
            join.parent.last = f.last
            if c.tolerated { childDone(join); return }
            // The state fails with it; its other children are cancelled without events (and
            // launch no more: `ended` and `childFailed` stop at `join.failure`).
            join.failure = c
            join.launched.forEach(cancel)
            queue.append(join.parent)
        }
        /// Runs frame `f` until it ends, fails, or waits for children.
        func run(_ f: ReplayFrame) {
            guard let m = f.machine else { return }
            while !over {
                guard f.step < m.steps.count else { return ended(f) }
                let step = m.steps[f.step]
                let pc = Int(states[step.at])
                let h = headers[pc]
                let v = data ? values(step.at) : (input: -1, output: -1, parameters: -1, result: -1)
                let lastStep = f.step == m.steps.count - 1
                if f.resuming {
                    // Its children are done (or one failed).
                    f.resuming = false
                    let join = f.join!
                    f.join = nil
                    at(step.at, join.r)
                    if let child = join.failure {
                        event(join.isMap ? .mapStateFailed : .parallelStateFailed, f) { EventDetails() }
                        if child.retried { return startRun(f, step, join.r + 1) }
                        guard child.caught else { return executionFailed() }
                    } else {
                        event(join.isMap ? .mapStateSucceeded : .parallelStateSucceeded, f) { EventDetails() }
                    }
                } else {
                    at(step.at, 0)
                    let entered = event(entered[pc], f) { h.enteredDetails(value(v.input)) }
                    if step.at == states.count - 1 {
                        lastEntered = entered
                        if failedOnEntry, failure != nil { return failed(f, state: h.name) }
                    }
                    if lastStep, case .childFailed(let c) = m.end, c.raised != nil, !c.afterWork {
                        return childFailed(f, c, state: h.name)
                    }
                    if let task = tasks[pc] {
                        let attempts = taskAttempts(step.at)
                        // Each attempt's parameters (they differ where they read its RetryCount).
                        func parameters(_ attempt: Int) -> LogValue? {
                            value(attempt == 0 ? v.parameters : attemptParameters(step.at, attempt) ?? v.parameters)
                        }
                        let w = eventTime == nil ? 1 : waitsPerAttempt(step.at)
                        for (attempt, e) in attempts.failed.enumerated() {
                            at(step.at, attempt * w)
                            event(task.scheduledEvent, f) { task.scheduledDetails(parameters(attempt)) }
                            event(task.startedEvent, f) { task.startedDetails() }
                            at(step.at, attempt * w + w - 1)
                            event(task.failedEvent(e), f) { task.failedDetails(e) }
                        }
                        if attempts.succeeded {
                            let attempt = attempts.failed.count
                            at(step.at, attempt * w)
                            event(task.scheduledEvent, f) { task.scheduledDetails(parameters(attempt)) }
                            event(task.startedEvent, f) { task.startedDetails() }
                            at(step.at, attempt * w + w - 1)
                            event(task.succeededEvent, f) { task.succeededDetails(value(v.result)) }
                        }
                    } else if children[pc] != nil {
                        return startRun(f, step, 0)
                    }
                }
                // After its work: the child's failure, the execution's, or its exited event.
                if lastStep {
                    switch m.end {
                    case .childFailed(let c): return childFailed(f, c, state: h.name)
                    case .executionFailed:
                        if failure != nil { return failed(f, state: h.name) }
                    case .ended: break
                    }
                }
                at(step.at, Int.max)
                event(exited[pc], f) { h.exitedDetails(value(v.output), assigned: assigned(step.at)) }
                f.step += 1
            }
        }

        if !states.isEmpty { at(0, 0) }
        event(.executionStarted, previous: 0) { .executionStarted(value(input), roleArn: roleArn) }
        var k = 0
        top = frame(parse(&k), last: HistoryEvent.firstStatePrevious, in: nil, slot: 0)
        queue.removeAll(keepingCapacity: true)
        queue.append(top)
        var next = 0
        while next < queue.count, !over {
            let f = queue[next]
            next += 1
            if !f.cancelled { run(f) }
        }
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

/// One machine's run as the trail records it (`LinearRunLog.record`): its states, and how
/// it ended.
final class ReplayMachine {
    enum End { case ended, childFailed(FailedChild), executionFailed }
    var steps: [ReplayStep] = []
    var end = End.ended
}

/// A state of a machine's run: its trail entry, a Map's or Parallel's runs of children
/// (more than one where its Retrier ran it again, linked), and whether a Catcher took its
/// error.
struct ReplayStep {
    let at: Int
    /// Its first run of children (an index of the replay's runs; -1: none).
    var firstRun = -1
    var caught = false
}

struct ReplayRun {
    let count: Int
    /// A Map's MaxConcurrency as it ran (0: all at once; a Parallel's: 0).
    let limit: Int
    /// The state's next run (-1: none).
    var next = -1
    var children: [ReplayMachine] = []
    /// The child whose failure failed the state (nil: none, or only tolerated ones).
    var failure: FailedChild?
}

/// A thread of the replay, as the interpreter's `Frame`: a machine's run, the state it is
/// at, its last event, and the children it waits for (`join`) or runs among (`inJoin`).
final class ReplayFrame {
    var machine: ReplayMachine?
    var step = 0
    var last = 0
    var inJoin: ReplayJoin?
    var slot = 0
    var join: ReplayJoin?
    var resuming = false
    var cancelled = false
    func reset(_ machine: ReplayMachine?, last: Int, in join: ReplayJoin?, slot: Int) {
        self.machine = machine; self.last = last; inJoin = join; self.slot = slot
        step = 0; self.join = nil; resuming = false; cancelled = false
    }
}

/// A Map's or Parallel's run of children (`Execution.Join`).
final class ReplayJoin {
    unowned let parent: ReplayFrame
    let run: ReplayRun
    let r: Int
    let isMap: Bool
    let name: String
    let started: Int
    var launched: [ReplayFrame] = []
    var remaining: Int
    var failure: FailedChild?
    init(parent: ReplayFrame, run: ReplayRun, r: Int, isMap: Bool, name: String, started: Int) {
        self.parent = parent; self.run = run; self.r = r; self.isMap = isMap; self.name = name; self.started = started
        remaining = run.count
    }
}
