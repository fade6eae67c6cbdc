import CortadoASL
import CortadoJSON
import CortadoPath

// Failures on the lane: a Task whose first attempt failed (its attempts, Retry and Catch
// played when the program was compiled), and a failed Map iteration or Parallel branch.
extension TapeLane {
    /// The Task `s`, whose first attempt failed: waits out its Retry back-off, then takes its
    /// outcome (a later attempt's result, a Catcher's output, or the line's failure).
    /// - Returns: the state's output and next state, or `failedLine`.
    func retried(_ s: TTask, _ raw: Int32, _ effective: Int32, pc: Int32, entry: Int) throws(Bail) -> (Int32, Int32) {
        defer { taskRetryCount = 0 }
        switch try outcome(ofRetries: s.retries, arguments: s.parameters, effective, entry: entry) {
        case .result(let result):
            if recordsValues { trailResults.base[entry] = result }
            return (try finish(raw, result, s.resultSelector, s.resultPath, s.output, assigns[pc], entry: entry), s.next)
        case .caught(let errorOutput, let resultPath, let next, _, let assign):
            // A JSONPath Catcher's Assign reads the error output as `$`.
            if anyAssign { try self.assign(assign, errorOutput, entry: entry) }
            return (try applyResultPath(raw, errorOutput, resultPath), next)
        case .failed:
            return (failedLine, -1)
        }
    }

    /// Waits out the Retry back-off of Task attempts `index` (`TapeCode.retries`) and gives
    /// their outcome; a failed one is the line's `failure`. Template `arguments` (the
    /// Parameters or Arguments, of `input`) is built again for each later attempt when it
    /// reads the context object (their errors: the general engine's). Until the caller
    /// resets them, `$$.State.RetryCount` is the outcome's attempt's and the state's entered
    /// time is before the back-off.
    /// Each later attempt's are recorded for the log (`trailAttemptParameters`, by `entry`).
    func outcome(ofRetries index: Int32, arguments: Int32, _ input: Int32, entry: Int) throws(Bail) -> TOutcome {
        let r = retries[index]
        if r.argumentsPerAttempt, arguments != none, r.retryCount > 0 {
            for attempt in 1...r.retryCount {
                taskRetryCount = attempt
                let v = try evaluate(arguments, input, -1, 0)
                if recordsValues {
                    trailAttemptParameters.append(Int32(truncatingIfNeeded: entry))
                    trailAttemptParameters.append(v)
                }
            }
        }
        // Each back-off in turn, jittered as the interpreter's (a logged line's attempts
        // have their times: `waitMarks`).
        for i in 0..<Int(r.waits.count) {
            let w = code.retryWaits[Int(r.waits.start) + i]
            try wait(Retrier.milliseconds(w.retrier.jittered(w.seconds)))
        }
        taskRetryCount = r.retryCount
        sawFailure = true
        if case .failed(let e) = r.outcome { failed(e) }
        return r.outcome
    }

    /// A Fail state whose Error or Cause it reads (`TFailFields`): the interpreter's rule
    /// (`FailState.failure`) on the state's input, variables and context object. In a Map
    /// iteration or Parallel branch its state's Retriers and Catchers take the error
    /// (`childFailed`). An error reading them fails the state on entry, as the interpreter's
    /// does (`stateError`, `evaluationError`, worded with the state's event).
    /// - Returns: `failedLine`, the error being `failedWith`.
    func failReading(_ k: Int32, _ input: Int32, pc: Int32) throws(Bail) -> Int32 {
        guard code.takesFailures, let j = json(input) else { throw Bail() }
        let f = code.failFields[Int(k)]
        var variables: [String: JSON] = [:]
        for slot in 0..<variableCount where self.variables[slot] >= 0 {
            guard case .string(let name)? = json(code.variableNames[slot]), let v = json(self.variables[slot]) else { throw Bail() }
            variables[name] = v
        }
        let context = try f.context.map { r throws(Bail) in try contextJSON(r) } ?? .null
        let scope = f.jsonata ? try scope(readingStates: true, readingItem: false, readingInput: false,
                                          readingContext: f.context != nil, state: pc, input) : nil
        do throws(ASLError) {
            failedWith = try f.state.failure(jsonata: f.jsonata, input: j, variables: variables, context: { context }, scope: scope)
        } catch {
            // As the interpreter qualifies them (`Execution.qualify`); others go back.
            switch error.name {
            case .runtime?, .intrinsicFailure?: throw stateError(ASLError(.runtime, error.cause, location: error.location))
            default: throw evaluationError(error, pc: pc)
            }
        }
        sawFailure = true
        return failedLine
    }

    /// The line (or the child running) fails with constant error `e` (`TapeCode.errors`).
    @inline(__always)
    func failed(_ e: Int32) {
        failure = e
        if failedWith != nil { failedWith = nil }
    }

    /// The error output (`ErrorOutput`) of the failure of the line or child that just failed;
    /// an error read when it failed (`failedWith`) has its output made here.
    func failureOutput() throws(Bail) -> Int32 {
        guard let e = failedWith else { return code.errorOutputs[Int(failure)] }
        return try tape.adopt(ErrorOutput.object(e))
    }

    /// A JSONata Task (`TJSONataTask`).
    /// - Returns: the state's output and next state, or `failedLine`.
    func jsonataTask(_ s: TJSONataTask, _ input: Int32, pc: Int32, entry: Int) throws(Bail) -> (Int32, Int32) {
        let arguments = s.arguments == none ? input : try evaluate(s.arguments, input, -1, 0)
        if anyTaskLimits, code.taskLimits[Int(pc)].count > 0 { try checkLimits(code.taskLimits[Int(pc)], input, entry: entry) }
        workMark = entry
        if recordsValues { trailParameters.base[entry] = arguments }
        var result = s.result
        defer { taskRetryCount = 0 }
        if s.retries >= 0 {
            switch try outcome(ofRetries: s.retries, arguments: s.arguments, input, entry: entry) {
            case .result(let r): result = r
            case .caught(let errorOutput, _, let next, let output, let assign):
                return (try caughtJSONata(input, errorOutput, output, assign, entry: entry), next)
            case .failed: return (failedLine, -1)
            }
        }
        if recordsValues { trailResults.base[entry] = result }
        return (try finishJSONata(input, result, s.output, pc: pc, entry: entry), s.next)
    }

    /// A JSONata Catcher's end: its Output (or none: the error output) and Assign, both
    /// reading `$states.input` and `$states.errorOutput` with the old variables, as the
    /// interpreter's (`Interpreter+Retry`).
    func caughtJSONata(_ input: Int32, _ errorOutput: Int32, _ output: Int32, _ assign: Span, entry: Int) throws(Bail) -> Int32 {
        stateErrorOutput = errorOutput
        defer { stateErrorOutput = -1 }
        do {
            return try jsonataEnd(input, output, assign, result: errorOutput, entry: entry)
        } catch {
            // The interpreter fails the state with a Catcher's evaluation error without the
            // EvaluationFailed event it writes for the state's own (`handle`): the line goes back.
            raised = nil
            childRaised = nil
            throw error
        }
    }

    /// The end of a JSONata state: its Assign's values built (their errors come first), then
    /// its Output (none: `result`, or the input where there is none), both with the old
    /// variables, then the values stored: the interpreter's order (`finishJSONata`).
    @inline(__always)
    func jsonataEnd(_ input: Int32, _ output: Int32, _ assign: Span, result: Int32 = -1, entry: Int) throws(Bail) -> Int32 {
        let mark = anyAssign ? try assignValues(assign, input) : -1
        let out = output != none ? try evaluate(output, input, -1, 0) : result >= 0 ? result : input
        if anyAssign { storeAssigned(assign, mark, entry: entry) }
        return out
    }

    /// `jsonataEnd` of a state's own Assign (`pc`'s) and Output.
    @inline(__always)
    func jsonataEnd(_ input: Int32, _ output: Int32, pc: Int32, entry: Int) throws(Bail) -> Int32 {
        try jsonataEnd(input, output, assigns[pc], entry: entry)
    }

    /// The end of a JSONata state with a result (Task, Map, Parallel): Assign and Output (or
    /// none: the result), which read `$states.input` and `$states.result` and both see the
    /// old variables (`jsonataEnd`).
    func finishJSONata(_ input: Int32, _ result: Int32, _ output: Int32, pc: Int32, entry: Int) throws(Bail) -> Int32 {
        stateResult = result
        defer { stateResult = -1 }
        return try jsonataEnd(input, output, assigns[pc], result: result, entry: entry)
    }

    /// A Map iteration or a Parallel branch failed with `failure`: by the interpreter's rules
    /// (`TChildFailure`, `Execution.handle`), a Retrier that takes it has the state run again
    /// after its back-off (waited here); else the Catcher that takes it gives the output and
    /// next state; with none, the line fails with it.
    /// - Returns: nil when the state runs again (`retries`: each Retrier's retries so far in
    ///   this state entry), else its output and next state, or `failedLine`.
    /// - Throws: `Bail` where the general engine must decide (`TapeCode.onFailure` -1; a retry
    ///   in a child of a logged run, where the general engine runs the siblings during the
    ///   back-off and so orders their events by time; one with jitter; one where the program
    ///   reads `$$.State.EnteredTime`, which stays the first attempt's for the state while its
    ///   children's moves on). (Unlogged, a retry in a child changes no output: results go by
    ///   index, and the lane's waits, added up, reach the time limit no later than the
    ///   general engine's side by side; its siblings' failures, whose order the back-off
    ///   could change, hand the line back, as children that start children have no
    ///   `TChildFailure`.)
    /// `raw`: the state's input; `entry`: its trail entry (for a Catcher's Assign).
    func childFailed(_ pc: Int32, _ raw: Int32, entry: Int, retries: inout [Int]) throws(Bail) -> (Int32, Int32)? {
        let onFailure = code.onFailure[Int(pc)]
        guard onFailure >= 0 else { throw Bail() }
        let rule = code.childFailures[Int(onFailure)]
        let e = failedWith ?? code.errors[Int(failure)]
        if let (i, seconds) = rule.processing.retry(e, counts: &retries) {
            guard childDepth == 0 || !recordsValues, !rule.processing.retry[i].fullJitter, !code.readsEnteredTime
            else { throw Bail() }
            if !failedChildren.isEmpty { failedChildren[failedChildren.count - 1].retried = true }
            try wait(Retrier.milliseconds(seconds))
            return nil
        }
        guard let k = rule.processing.catcher(for: e) else { return (failedLine, -1) }
        if !failedChildren.isEmpty { failedChildren[failedChildren.count - 1].caught = true }
        // As a Task's Catcher (`retried`, `jsonataTask`): the interpreter handles both alike.
        return try caught(by: code.catches[Int(rule.catches.start) + k], raw, try failureOutput(), entry: entry)
    }

    /// Catcher `c` of the state of trail entry `entry` took an error (`errorOutput`, its error
    /// output; `raw`, the state's input): its Output and Assign (JSONata), or its Assign, which
    /// reads the error output as `$`, and ResultPath (JSONPath).
    /// - Returns: the state's output and the Catcher's next state.
    func caught(by c: TCatch, _ raw: Int32, _ errorOutput: Int32, entry: Int) throws(Bail) -> (Int32, Int32) {
        if c.jsonata { return (try caughtJSONata(raw, errorOutput, c.output, c.assign, entry: entry), c.next) }
        if anyAssign { try assign(c.assign, errorOutput, entry: entry) }
        return (try applyResultPath(raw, errorOutput, c.resultPath), c.next)
    }
}
