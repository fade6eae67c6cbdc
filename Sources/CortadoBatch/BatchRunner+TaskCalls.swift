import CortadoASL
import CortadoJSON
import CortadoPath
import CortadoRuntime
import CortadoTape

/// The calls the tape lane makes of the run's task backend: a simulated service's answers,
/// and real backends' calls, answered at once or later (`TapeLane+Calls`, `TapeLane+Awaits`).
extension BatchRunner {
    /// The backend's calls for Tasks the lane runs itself (`TapeLane+Calls`): only for
    /// resources it answers at once and without side effects; an answer after a delay
    /// (`.after`) arrives that many milliseconds later, as the interpreter takes it.
    ///
    /// Any other backend (a worker, HTTP, Lambda, AWS; not an activity) is called by the lane
    /// in a line's top machine (`TapeLane+Awaits`): an answer that comes later reaches the
    /// line's `AwaitedCall`, which resumes it (`laneLine`); a heartbeat moves its deadline.
    static func taskCalls(_ backend: any TaskBackend, _ o: ExecutionOptions, executionNamePrefix: String) -> TapeLane.TaskCalls {
        let arnPrefix = o.executionArn + executionNamePrefix, machine = o.stateMachineName
        return TapeLane.TaskCalls(answersAtOnce: { backend.answersAtOnce(resource: $0) }, call: { name, resource, attempt, input, line in
            let request = TaskRequest(resource: resource, given: .text(input), stateName: name, attempt: attempt,
                                      executionName: executionNamePrefix + String(line), stateMachineName: machine,
                                      executionArn: arnPrefix + String(line))
            return backend.invoke(request).immediate
        }, awaits: { !TaskState.isActivityArn($0) }, start: { name, resource, attempt, input, line, timeout, heartbeat, call in
            let completion = TaskCompletion(observer: { event in
                switch event {
                case .outcome(let o): call.receive(Self.answer(o, resource: resource))
                case .heartbeat: call.beat()
                }
            })
            let request = TaskRequest(resource: resource, given: .text(input), stateName: name, attempt: attempt,
                                      executionName: executionNamePrefix + String(line), stateMachineName: machine,
                                      executionArn: arnPrefix + String(line), timeoutSeconds: timeout,
                                      heartbeatSeconds: heartbeat, completion: completion)
            let outcome = backend.invoke(request)
            switch outcome {
            case .pending: return nil
            case .delivered: return (0, Self.answer(outcome, resource: resource))
            default: return outcome.immediate ?? (0, Self.answer(outcome, resource: resource))
            }
        })
    }

    /// A backend's answer as a called Task's outcome (the interpreter's words for one it
    /// cannot take).
    static func answer(_ o: TaskOutcome, resource: String) -> Result<JSON, ASLError> {
        switch o {
        case .success(let v): return .success(v)
        case .failure(let e): return .failure(e)
        case .delivered:
            return .failure(TaskOutcome.deliveredWithoutToken(resource: resource))
        case .pending, .after:
            return .failure(ASLError(.runtime, "The task backend for '\(resource)' answered \(o) through its completion."))
        }
    }
}
