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
    let names: [String]
    /// A Task state's resource and whether it names a Lambda function, by pc.
    let tasks: [(resource: String, lambda: Bool)?]
    let roleArn: String
    let region: String

    public init(program: Program, options: ExecutionOptions) {
        entered = program.code.map { EventType.entered($0) }
        exited = program.code.map { EventType.exited($0) }
        names = program.headers.map(\.name)
        tasks = program.code.map { code in
            guard case .task(let t) = code else { return nil }
            return (t.resource, t.invokesLambdaFunction)
        }
        roleArn = options.roleArn
        region = options.region
    }

    /// Records the run into `sink` (the events its level admits).
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
        var id = 0
        func event(_ type: EventType, previous: Int, _ details: () -> EventDetails) {
            id += 1
            guard sink.wants(type) else { return }
            sink.record(HistoryEvent(id: id, previousEventID: previous, type: type, timestamp: timestamp, details: details()),
                        executionArn: executionArn, region: region)
        }
        event(.executionStarted, previous: 0) {
            var d = EventDetails(roleArn: roleArn)
            if data { d.inputText = text(input) }
            return d
        }
        var previous = 0
        for k in states.indices {
            let pc = Int(states[k])
            let v = values(k)
            event(entered[pc], previous: previous) {
                var d = EventDetails(name: names[pc])
                if data { d.inputText = text(v.input) }
                return d
            }
            if let task = tasks[pc] {
                if task.lambda {
                    event(.lambdaFunctionScheduled, previous: id) {
                        var d = EventDetails(resource: task.resource)
                        if data { d.inputText = text(v.parameters) }
                        return d
                    }
                    event(.lambdaFunctionStarted, previous: id) { EventDetails() }
                    event(.lambdaFunctionSucceeded, previous: id) {
                        var d = EventDetails()
                        if data { d.outputText = text(v.result) }
                        return d
                    }
                } else {
                    event(.taskScheduled, previous: id) {
                        var d = EventDetails(resource: task.resource)
                        if data { d.parametersText = text(v.parameters) }
                        return d
                    }
                    event(.taskStarted, previous: id) { EventDetails(resource: task.resource) }
                    event(.taskSucceeded, previous: id) {
                        var d = EventDetails(resource: task.resource)
                        if data { d.outputText = text(v.result) }
                        return d
                    }
                }
            }
            event(exited[pc], previous: id) {
                var d = EventDetails(name: names[pc])
                if data { d.outputText = text(v.output) }
                return d
            }
            previous = id
        }
        event(.executionSucceeded, previous: id) {
            var d = EventDetails()
            if data { d.outputText = text(output) }
            return d
        }
    }
}
