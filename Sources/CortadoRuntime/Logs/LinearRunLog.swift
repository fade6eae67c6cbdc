import CortadoASL

/// The history of an execution whose states ran one after another and which succeeded,
/// written as the interpreter emits it (`Execution.start`, `step`, `exit`, `finish`):
/// `ExecutionStarted` (following event 0) with the input and role; each state's
/// `<Type>StateEntered` with its input (the first following event 0, as AWS's do), for a
/// Task its scheduled, started and succeeded events (`LambdaFunction...` for a Lambda
/// function ARN, with the effective parameters as `input`; `Task...` otherwise, as
/// `parameters`; the result as `output`), and `<Type>StateExited` with its output;
/// `ExecutionSucceeded` with the output. Events are numbered from 1, each following the one
/// before.
///
/// For a host that ran the execution on its own values (the tape lane, which takes only
/// programs with no Map or Parallel state when every state is logged) and has each stage's
/// JSON text. Its lines go through the same formatter and sink as the interpreter's;
/// `LaneLogTests` holds them byte-equal (timestamps aside) to the interpreter's own for every
/// recorded case the lane keeps. One per worker.
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
    ///     result, as the host names values.
    ///   - input, output: the execution's input and output values.
    ///   - text: a value's JSON text, valid until the next call.
    public func record(into sink: CloudWatchLogSink, executionArn: String, timestamp: Int64,
                       states: UnsafeBufferPointer<Int32>,
                       values: (Int) -> (input: Int32, output: Int32, parameters: Int32, result: Int32),
                       input: Int32, output: Int32, text: (Int32) -> LogText) {
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
            let v = values(k)
            let h = headers[pc]
            event(entered[pc], previous: previous) { h.enteredDetails(value(v.input)) }
            if let task = tasks[pc] {
                event(task.scheduledEvent, previous: id) { task.scheduledDetails(value(v.parameters)) }
                event(task.startedEvent, previous: id) { task.startedDetails() }
                event(task.succeededEvent, previous: id) { task.succeededDetails(value(v.result)) }
            }
            event(exited[pc], previous: id) { h.exitedDetails(value(v.output)) }
            previous = id
        }
        event(.executionSucceeded, previous: id) { .executionSucceeded(value(output)) }
    }
}
