import CortadoJSON
import CortadoPath
import CortadoRuntime

/// Runs the tested state once, recording every input/output processing stage for
/// `inspectionData`. Tasks, Maps and Parallels take their result (or error) from the mock;
/// Retry and Catch decide between RETRIABLE, CAUGHT_ERROR and FAILED without waiting.
struct StateStepper {
    let target: TestTarget
    let input: JSON
    let mock: TestStateMock?
    /// The mocked result, parsed.
    let mockResult: JSON?
    let configuration: StateConfiguration
    let context: JSON
    var variables: JSONObject
    /// True once an Assign ran (then `inspectionData.variables` is reported).
    var assigned = false
    var inspection: Inspection

    var state: JSONObject { target.state }
    var isJSONata: Bool { target.language == .jsonata }
    var paths: JSONPathFields { JSONPathFields(context: context, variables: variables) }
    var expressions: JSONataFields { JSONataFields(context: context, variables: variables) }
    /// The state's `Next`, or nil when it ends the machine.
    var next: String? { state["Next"]?.stringValue }

    /// Runs the state.
    mutating func run() -> StateOutcome {
        inspection.stage("input", input)
        do throws(ASLError) {
            switch target.type {
            case "Pass": return try runPass()
            case "Succeed": return try runSucceed()
            case "Fail": return try runFail()
            case "Choice": return try runChoice()
            case "Wait": return try runWait()
            case "Task": return try runTask()
            case "Parallel": return try runParallel()
            case "Map": return try runMap()
            default: return .failed(ASLError.runtime("Unsupported state type '\(target.type)'"))
            }
        } catch {
            // NOTE: States.Runtime (a path that selects nothing, a bad ResultPath, ...) ends
            // the state at once; neither Retry nor Catch applies, as in the interpreter.
            if error.name == .runtime { return .failed(error) }
            return handle(error)
        }
    }

    // MARK: - Shared steps

    /// The mocked outcome of the state's work: its result, or its error thrown.
    func invoke() throws(ASLError) -> JSON {
        guard let mock else { throw ASLError.runtime("TestState needs a mock for a \(target.type) state") }
        switch mock.outcome {
        case .error(let error, let cause): throw ASLError(error.map(ErrorName.init), cause)
        case .result: return mockResult ?? .null
        }
    }

    /// Applies new variable values (all computed with the old ones first).
    mutating func apply(_ values: JSONObject?) {
        guard let values else { return }
        for (k, v) in values { variables[k.hasSuffix(".$") ? String(k.dropLast(2)) : k] = v }
        assigned = true
    }

    /// JSONPath states: ResultSelector, ResultPath, Assign and OutputPath after a result.
    mutating func finishJSONPath(result: JSON, report: Bool = true) throws(ASLError) -> StateOutcome {
        var selected = result
        if let t = state["ResultSelector"] { selected = try paths.template(t, result) }
        if report { inspection.stage("afterResultSelector", selected) }
        let combined = try paths.resultPath(state["ResultPath"], input: input, result: selected)
        if report { inspection.stage("afterResultPath", combined) }
        let assigned = try paths.assign(state["Assign"], selected)
        let output = try paths.filter(state["OutputPath"], combined)
        apply(assigned)
        return .succeeded(output: output, next: next)
    }

    /// JSONata states: Output (default: the result) and Assign, both seeing the old variables.
    mutating func finishJSONata(result: JSON?) throws(ASLError) -> StateOutcome {
        let assigned = try expressions.assign(state["Assign"], input: input, result: result)
        var output = result ?? input
        if let o = state["Output"] { output = try expressions.evaluate(o, field: "Output", input: input, result: result) }
        apply(assigned)
        return .succeeded(output: output, next: next)
    }

    // MARK: - Retry and Catch

    /// Retry (given `retrierRetryCount`), then Catch, then failure.
    mutating func handle(_ e: ASLError) -> StateOutcome {
        guard ["Task", "Map", "Parallel"].contains(target.type) else { return .failed(e) }
        for (i, r) in (state["Retry"]?.arrayValue ?? []).enumerated() {
            guard case .object(let retrier) = r, Self.matches(retrier["ErrorEquals"], e) else { continue }
            inspection.errorDetail("retryIndex", i)
            let maxAttempts = retrier["MaxAttempts"]?.numberValue?.int ?? 3
            let count = configuration.retrierRetryCount
            if count < maxAttempts {
                inspection.errorDetail("retryBackoffIntervalSeconds", Self.backoff(retrier, count))
                return .retriable(e)
            }
            break  // only the first matching retrier counts
        }
        for (i, c) in (state["Catch"]?.arrayValue ?? []).enumerated() {
            guard case .object(let catcher) = c, Self.matches(catcher["ErrorEquals"], e),
                let next = catcher["Next"]?.stringValue
            else { continue }
            inspection.errorDetail("catchIndex", i)
            let errorOutput = ErrorOutput.object(e)
            do throws(ASLError) {
                let output: JSON
                let values: JSONObject?
                if isJSONata {
                    values = try expressions.assign(catcher["Assign"], input: input, errorOutput: errorOutput)
                    output = try catcher["Output"].map { (o) throws(ASLError) -> JSON in
                        try expressions.evaluate(o, field: "Output", input: input, errorOutput: errorOutput)
                    } ?? errorOutput
                } else {
                    values = try paths.assign(catcher["Assign"], errorOutput)
                    output = try paths.resultPath(catcher["ResultPath"], input: input, result: errorOutput)
                }
                apply(values)
                return .caught(e, output: output, next: next)
            } catch {
                return .failed(error)
            }
        }
        return .failed(e)
    }

    /// ErrorEquals matching: exact names, `States.ALL`, and `States.TaskFailed` for every
    /// named error but `States.Timeout`.
    static func matches(_ errorEquals: JSON?, _ e: ASLError) -> Bool {
        for n in errorEquals?.arrayValue ?? [] {
            guard let name = n.stringValue else { continue }
            if name == ErrorName.all.rawValue || name == e.name?.rawValue { return true }
            if name == ErrorName.taskFailed.rawValue, let en = e.name, en != .timeout { return true }
        }
        return false
    }

    /// IntervalSeconds × BackoffRate^retries, capped by MaxDelaySeconds, in whole seconds.
    static func backoff(_ retrier: JSONObject, _ retries: Int) -> Int {
        var delay = retrier["IntervalSeconds"]?.numberValue?.double ?? 1
        let rate = retrier["BackoffRate"]?.numberValue?.double ?? 2.0
        // NOTE: bounded loop and clamp: the count and rate come from the request.
        for _ in 0..<min(retries, 2000) where delay < 1e9 { delay *= rate }
        if let cap = retrier["MaxDelaySeconds"]?.numberValue?.double { delay = min(delay, cap) }
        guard delay.isFinite else { return 0 }
        return Int(min(max(delay, 0), 1e9))
    }
}
