import CortadoASL
import CortadoJSON
import CortadoPath

// What each event of a state's step carries, written once for every host that logs one:
// the interpreter (`Interpreter`, `Interpreter+Task`, `Interpreter+Retry`) and a host that
// replays a straight-line run from its own values (`LinearRunLog`). Execution data is a
// `LogValue`, a JSON value or JSON text, so both hosts hand their values as they hold them.

extension StateHeader {
    /// `<Type>StateEntered`: the state's name and input.
    @inline(__always)
    func enteredDetails(_ input: LogValue?) -> EventDetails {
        EventDetails(name: name, input: input)
    }

    /// `<Type>StateExited`: the state's name, output, and the variables its Assign set (AWS
    /// records `assignedVariables` only for a non-empty Assign).
    @inline(__always)
    func exitedDetails(_ output: LogValue?, assigned: JSONObject? = nil) -> EventDetails {
        guard let assigned, !assigned.isEmpty else { return EventDetails(name: name, input: nil, output: output) }
        var d = EventDetails(name: name, input: nil, output: output)
        d.assignedVariables = assigned
        return d
    }
}

/// A Task state's call events: a Lambda function's own ARN as the resource writes
/// `LambdaFunction*` events (the effective parameters as `input`, the resource only when
/// scheduled), any other resource `Task*` events (the parameters as `parameters`, the
/// resource on each).
extension TaskState {
    var scheduledEvent: EventType { invokesLambdaFunction ? .lambdaFunctionScheduled : .taskScheduled }
    var startedEvent: EventType { invokesLambdaFunction ? .lambdaFunctionStarted : .taskStarted }
    var succeededEvent: EventType { invokesLambdaFunction ? .lambdaFunctionSucceeded : .taskSucceeded }

    /// `TaskFailed`/`TaskTimedOut` (or the Lambda function's): a time-out is
    /// `States.Timeout` or `States.HeartbeatTimeout`.
    func failedEvent(_ e: ASLError) -> EventType {
        let timedOut = e.name == .timeout || e.name == .heartbeatTimeout
        if invokesLambdaFunction { return timedOut ? .lambdaFunctionTimedOut : .lambdaFunctionFailed }
        return timedOut ? .taskTimedOut : .taskFailed
    }

    func scheduledDetails(_ parameters: LogValue?) -> EventDetails {
        invokesLambdaFunction ? EventDetails(resource: resource, input: parameters)
            : EventDetails(resource: resource, input: nil, parameters: parameters)
    }

    func startedDetails() -> EventDetails {
        invokesLambdaFunction ? EventDetails() : EventDetails(resource: resource)
    }

    func succeededDetails(_ result: LogValue?) -> EventDetails {
        EventDetails(resource: invokesLambdaFunction ? nil : resource, input: nil, output: result)
    }

    func failedDetails(_ e: ASLError) -> EventDetails {
        var d = Execution.errorDetails(e)
        if !invokesLambdaFunction { d.resource = resource }
        return d
    }
}

extension EventDetails {
    /// `ExecutionStarted`: the execution's input and its role.
    static func executionStarted(_ input: LogValue?, roleArn: String) -> EventDetails {
        EventDetails(roleArn: roleArn, input: input)
    }

    /// `MapStateStarted`: how many items the Map runs.
    static func mapStarted(length: Int) -> EventDetails {
        EventDetails(length: length)
    }

    /// `MapIterationStarted`, `...Succeeded`, `...Failed`: the Map's name and the item's index.
    static func mapIteration(_ mapName: String, index: Int) -> EventDetails {
        EventDetails(name: mapName, index: index)
    }

    /// `ExecutionSucceeded`: the execution's output.
    static func executionSucceeded(_ output: LogValue?) -> EventDetails {
        EventDetails(input: nil, output: output)
    }
}

extension HistoryEvent {
    /// The event the first state entered follows: as in AWS, event 0, not `ExecutionStarted`.
    static let firstStatePrevious = 0
}
