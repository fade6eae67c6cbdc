import CortadoASL
import CortadoPath

/// The history of an execution whose states ran one after another, written as the
/// interpreter emits it (`Execution.start`, `step`, `handle`, `exit`, `finish`):
/// `ExecutionStarted` (following event 0) with the input and role; each state's
/// `<Type>StateEntered` with its input (the first following event 0, as AWS's do), for a
/// Task each attempt's scheduled, started and failed events, then the succeeded one
/// (`LambdaFunction...` for a Lambda function ARN, with the effective parameters as
/// `input`; `Task...` otherwise, as `parameters`; the result as `output`), and
/// `<Type>StateExited` with its output (a Catcher's, for a caught Task); then
/// `ExecutionSucceeded` with the output, or, after a Fail state's entered event or a Task's
/// last failed attempt, `ExecutionFailed` with the error. Events are numbered from 1, each
/// following the one before.
///
/// For a host that ran the execution on its own values (the tape lane, which takes only
/// programs with no Map or Parallel state when every state is logged, and hands back a
/// line that fails inside one) and has each stage's JSON text. Its lines go through the
/// same formatter and sink as the interpreter's; `LaneLogTests` holds them byte-equal
/// (timestamps aside) to the interpreter's own for every recorded case the lane keeps. One
/// per worker.
public final class LinearRunLog {
    let entered: [EventType]
    let exited: [EventType]
    let headers: [StateHeader]
    /// Task states by pc.
    let tasks: [TaskState?]
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
        roleArn = options.roleArn
        region = options.region
    }

    /// Records the run into `sink` (the events its level admits), each event's details made
    /// by the functions the interpreter uses (`StateEvents.swift`).
    /// - Parameters:
    ///   - states: the pcs of the states run, in order.
    ///   - values: state `k`'s input and output value, and a Task's effective parameters and
    ///     result, as the host names values (only read for execution data).
    ///   - taskAttempts: state `k`'s attempts, when it is a Task: the errors of those that
    ///     failed, in order, and whether a result came after them.
    ///   - input, output: the execution's input and output values.
    ///   - failure: the error the execution failed with in its last state (no output then).
    ///   - text: a value's JSON text, valid until the next call.
    public func record(into sink: CloudWatchLogSink, executionArn: String, timestamp: Int64,
                       states: UnsafeBufferPointer<Int32>,
                       values: (Int) -> (input: Int32, output: Int32, parameters: Int32, result: Int32),
                       taskAttempts: (Int) -> (failed: [ASLError], succeeded: Bool) = { _ in ([], true) },
                       input: Int32, output: Int32, failure: ASLError? = nil, text: (Int32) -> LogText) {
        let data = sink.formatter.includeExecutionData
        // Execution data only when it is logged: making a value's text costs a copy.
        func value(_ v: Int32) -> LogValue? { data ? .text(text(v)) : nil }
        var id = 0
        func event(_ type: EventType, previous: Int, _ details: () -> EventDetails) {
            id += 1
            guard sink.wants(type) else { return }
            sink.record(HistoryEvent(id: id, previousEventID: previous, type: type, timestamp: timestamp, details: details()),
                        executionArn: executionArn, region: region)
        }
        event(.executionStarted, previous: 0) { .executionStarted(value(input), roleArn: roleArn) }
        var previous = HistoryEvent.firstStatePrevious
        for k in states.indices {
            let pc = Int(states[k])
            // (Values are read only for execution data: a host records them only then.)
            let v = data ? values(k) : (input: -1, output: -1, parameters: -1, result: -1)
            let h = headers[pc]
            let last = k == states.count - 1
            event(entered[pc], previous: previous) { h.enteredDetails(value(v.input)) }
            if let task = tasks[pc] {
                let attempts = taskAttempts(k)
                for e in attempts.failed {
                    event(task.scheduledEvent, previous: id) { task.scheduledDetails(value(v.parameters)) }
                    event(task.startedEvent, previous: id) { task.startedDetails() }
                    event(task.failedEvent(e), previous: id) { task.failedDetails(e) }
                }
                if attempts.succeeded {
                    event(task.scheduledEvent, previous: id) { task.scheduledDetails(value(v.parameters)) }
                    event(task.startedEvent, previous: id) { task.startedDetails() }
                    event(task.succeededEvent, previous: id) { task.succeededDetails(value(v.result)) }
                }
            }
            if last, let failure {
                event(.executionFailed, previous: id) { Execution.errorDetails(failure) }
                return
            }
            event(exited[pc], previous: id) { h.exitedDetails(value(v.output)) }
            previous = id
        }
        event(.executionSucceeded, previous: id) { .executionSucceeded(value(output)) }
    }
}
