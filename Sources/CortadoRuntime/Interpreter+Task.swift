import CortadoASL
import CortadoJSON
import CortadoPath

extension Execution {
    // MARK: - Tasks

    /// A task's outcome: events, the payload limit, ResultSelector, ResultPath, OutputPath
    /// (success), or Retry/Catch (failure).
    func taskFinished(_ outcome: TaskOutcome, _ f: Frame, _ h: StateHeader, _ s: TaskState) throws(ASLError) -> Control {
        if case .failure(let e) = outcome {
            endToken(f, timedOut: e.name == .timeout || e.name == .heartbeatTimeout)
        } else {
            endToken(f, timedOut: false)
        }
        switch outcome {
        case .success(let out):
            if out.serializedByteCount > options.maxPayloadBytes {
                return .fail(Execution.outputLimitError(state: h.name))
            }
            emit(s.succeededEvent, f) { s.succeededDetails(.json(out)) }
            inspect("result", out)
            if h.language == .jsonata { return try finishJSONata(f, h, result: out, output: h.output, assign: h.assign) }
            var result = out
            if let sel = s.processing.resultSelector {
                result = try sel.evaluate(input: out, variables: f.variables, context: { self.context(f) })
            }
            inspect("afterResultSelector", result)
            let values = try assignments(h.assign, f, jsonPathInput: result, scope: scope(f, input: f.input))
            return try exit(f, h, result: result, s.processing.resultPath, assigned: values)
        case .failure(let e):
            emit(s.failedEvent(e), f) { s.failedDetails(e) }
            return .raise(e)
        case .pending, .after, .delivered:
            return .raise(ASLError(.runtime, "The task backend for '\(s.resource)' answered a completion with .pending or .after; complete takes .success or .failure."))
        }
    }

    /// Retires the frame's task token (if it has one) with the token issuer.
    func endToken(_ f: Frame, timedOut: Bool) {
        guard let token = f.taskToken else { return }
        f.taskToken = nil
        // A `.sync` task's token was never issued to anyone.
        guard case .task(let s) = program.code[f.pc], s.waitsForToken else { return }
        options.taskTokens?.tokenEnded(token, timedOut: timedOut)
    }

    /// A parked task frame woke: its answer arrived, or a deadline passed.
    func taskResumed(_ f: Frame, _ h: StateHeader, _ s: TaskState) throws(ASLError) -> Control {
        if let o = f.taskResult {
            f.taskResult = nil
            return try taskFinished(o, f, h, s)
        }
        // (None yet: an earlier deadline was moved on, by a heartbeat.)
        guard let (end, at) = TaskWaitEnd.first(answer: f.delayed?.at, timeout: f.taskTimeoutAt, heartbeat: f.heartbeatAt),
              at <= now else { return .park }
        var outcome: TaskOutcome
        if let e = end.error { outcome = .failure(e) } else { outcome = f.delayed?.outcome ?? .failure(ASLError(.runtime, nil)) }
        if case .after = outcome { outcome = .failure(ASLError(.runtime, "A task's .after outcome may not nest another .after.")) }
        if f.taskPending {
            // A late answer from the backend is ignored from now on.
            f.taskPending = false
            f.taskGen &+= 1
            pendingTasks -= 1
        }
        f.delayed = nil
        return try taskFinished(outcome, f, h, s)
    }

    /// TimeoutSeconds(Path) / HeartbeatSeconds(Path) for this attempt.
    func taskSeconds(_ v: DynamicValue<Int>?, _ input: JSON, _ f: Frame, field: String) throws(ASLError) -> Int? {
        guard let v else { return nil }
        switch v {
        case .constant(let n): return n
        case .expression(let e): return try e.evaluateInteger(scope(f, input: input))
        case .path(let p):
            return try TaskSeconds.pathValue(try read(p, input, f), name: field, path: p.source).get()
        }
    }
}
