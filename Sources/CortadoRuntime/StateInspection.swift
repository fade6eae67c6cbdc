import CortadoASL
import CortadoJSON
import CortadoPath

/// Runs one state of a program the way an execution runs it, and records what AWS's
/// TestState reports: each data-processing stage, the retrier or catcher that applied, the
/// variables, and how the state ended. An execution given one (`ExecutionOptions.inspection`)
/// starts at `startPC` and stops when that state is done. It never waits: a Wait state's
/// duration is read and checked, a Task's outcome comes from the execution's backend (a mock),
/// a Map's or Parallel's from `childrenOutcome` (their children do not run), and Retry only
/// says whether the error is retriable after `retrierRetryCount` retries.
///
/// Used on the execution's thread only.
public final class StateInspection: @unchecked Sendable {
    // MARK: What the request sets

    /// The pc of the tested state.
    public let startPC: Int
    /// Whether stages are recorded (DEBUG and TRACE; INFO records none).
    public let recordsStages: Bool
    /// The `$$` the state sees, in place of the execution's own.
    public var context: JSONObject?
    /// The variables the state starts with.
    public var variables: [String: JSON] = [:]
    /// Retries already made by the retrier that matches the error.
    public var retrierRetryCount = 0
    /// How many of a Map's iterations failed.
    public var mapIterationFailureCount = 0
    /// A Map's or Parallel's result or error (its children do not run).
    public var childrenOutcome: TaskOutcome?
    /// What a Map's ItemReader would have read.
    public var readerItems: [JSON]?

    // MARK: What the run records

    /// The stages, in the order they happened (`afterInputPath`, `result`, ...).
    public private(set) var stages = JSONObject()
    /// Plain values: `maxConcurrency`, `toleratedFailureCount`, `toleratedFailurePercentage`.
    public private(set) var values = JSONObject()
    /// `errorDetails`: `retryIndex`, `retryBackoffIntervalSeconds`, `catchIndex`.
    public private(set) var errorDetails = JSONObject()
    /// The variables when the state ended.
    public private(set) var finalVariables: [String: JSON] = [:]
    /// How the state ended (nil until it has).
    public private(set) var outcome: Outcome?

    public enum Outcome: Sendable {
        case succeeded(output: JSON, next: String?)
        /// An error no retrier or catcher handled (or a Fail state).
        case failed(ASLError)
        /// An error a retrier would retry.
        case retriable(ASLError)
        /// An error a catcher handled: its output and the catcher's Next.
        case caught(ASLError, output: JSON, next: String)
    }

    /// Set by a matching retrier or catcher, read when the state ends.
    var retriable = false
    var caught: ASLError?

    public init(startPC: Int, recordsStages: Bool) {
        self.startPC = startPC
        self.recordsStages = recordsStages
    }

    @inline(__always) func stage(_ key: String, _ value: @autoclosure () -> JSON) {
        if recordsStages { stages[key] = value() }
    }

    func value(_ key: String, _ v: JSON) {
        if recordsStages { values[key] = v }
    }

    func errorDetail(_ key: String, _ value: Int) { errorDetails[key] = .number(JSONNumber(value)) }

    /// The state ended with `control`; `nextName` names a transition's target.
    func settle(_ control: Control, variables: [String: JSON], nextName: (Int) -> String) {
        finalVariables = variables
        switch control {
        case .next(let pc, let output):
            if let e = caught {
                outcome = .caught(e, output: output, next: nextName(pc))
            } else {
                outcome = .succeeded(output: output, next: nextName(pc))
            }
        case .end(let output):
            outcome = .succeeded(output: output, next: nil)
        case .fail(let e), .raise(let e):
            outcome = retriable ? .retriable(e) : .failed(e)
        case .park:
            outcome = .failed(ASLError(.runtime, "The tested state waited for something that does not come in TestState."))
        }
    }
}

extension Execution {
    /// Records a stage when a state is inspected (TestState); nothing otherwise.
    @inline(__always) func inspect(_ key: String, _ value: @autoclosure () -> JSON) {
        if let i = options.inspection { i.stage(key, value()) }
    }

    /// A Map or Parallel under inspection: its mocked outcome, the tolerated failures the
    /// request says happened, then the state's result processing.
    func inspectedChildren(_ i: StateInspection, _ f: Frame, _ h: StateHeader, _ p: ResultProcessing,
                           itemCount: Int, tolerated: (count: Int?, percentage: Double?)?) throws(ASLError) -> Control {
        switch i.childrenOutcome {
        case .failure(let e)?: return .raise(e)
        case .success(let result)?:
            // NOTE: TestState raises the threshold error only for a Map that declares a tolerance
            // (AWS's recordings: with none, any mapIterationFailureCount succeeds).
            if let tolerated, tolerated.count != nil || tolerated.percentage != nil,
               ToleratedFailures.exceeds(failures: i.mapIterationFailureCount, of: itemCount,
                                                       count: tolerated.count, percentage: tolerated.percentage) {
                return .raise(ToleratedFailures.exceeded)
            }
            return try finishResult(f, h, p, result)
        default:
            let type: String
            if case .map = program.code[f.pc] { type = "Map" } else { type = "Parallel" }
            throw ASLError(.runtime, "TestState needs a mock for a \(type) state")
        }
    }

    /// The backoff AWS reports for a retriable error (whole seconds, no jitter).
    static func inspectedBackoff(_ r: Retrier, retries: Int) -> Int {
        let delay = r.delaySeconds(afterRetries: min(retries, 2000))
        guard !delay.isNaN else { return 0 }
        return Int(min(max(delay, 0), 1e9))
    }
}

extension Execution {
    /// A Map under inspection: its items (ItemsPath or Items, or what the ItemReader would
    /// have read), ItemSelector for each, its limits, then its mocked outcome.
    func inspectMap(_ i: StateInspection, _ f: Frame, _ h: StateHeader, _ s: MapState, _ eff: JSON) throws(ASLError) -> Control {
        if h.language != .jsonata { i.stage("afterInputPath", eff) }
        let items: [JSON]
        if s.run?.reader != nil {
            items = i.readerItems ?? []
        } else {
            items = try mapItems(s, h, eff, f)
            if h.language != .jsonata { i.stage("afterItemsPath", .array(items)) }
        }
        if let selector = s.itemSelector {
            var selected: [JSON] = []
            selected.reserveCapacity(items.count)
            for (n, item) in items.enumerated() { selected.append(try selectItem(selector, n, item, eff, f)) }
            if h.language != .jsonata { i.stage("afterItemSelector", .array(selected)) }
        }
        let limit = try mapInt(s.maxConcurrency, eff, f, field: "MaxConcurrencyPath")
        i.value("maxConcurrency", .number(JSONNumber(limit)))
        let tolerated = try toleratedFailures(s, eff, f)
        if let n = tolerated.count { i.value("toleratedFailureCount", .number(JSONNumber(n))) }
        if let p = tolerated.percentage { i.value("toleratedFailurePercentage", .number(JSONNumber(p))) }
        return try inspectedChildren(i, f, h, s.processing, itemCount: items.count, tolerated: tolerated)
    }
}
