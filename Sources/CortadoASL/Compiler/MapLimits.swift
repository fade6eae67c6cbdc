import CortadoJSON
import CortadoPath

/// How a Map's MaxConcurrency, ToleratedFailureCount and ToleratedFailurePercentage are
/// read when they come from the input (the Path forms) or from a JSONata expression:
/// AWS's rules, written once for the interpreter (and TestState, Distributed Maps) and the
/// tape lane, which checks them and hands a line the interpreter would fail back to it.
public enum MapLimits {
    public enum Field: Sendable {
        case maxConcurrency, toleratedFailureCount, toleratedFailurePercentage

        /// The Path form's name, as AWS's causes name it.
        public var pathName: String {
            switch self {
            case .maxConcurrency: return "MaxConcurrencyPath"
            case .toleratedFailureCount: return "ToleratedFailureCountPath"
            case .toleratedFailurePercentage: return "ToleratedFailurePercentagePath"
            }
        }
    }

    /// A Path form's value as an integer (MaxConcurrencyPath, ToleratedFailureCountPath).
    /// NOTE: AWS reads the value's text: "1" counts as 1 (recorded from a variable).
    public static func integer(_ j: JSON) -> Int? {
        if case .string(let text) = j { return Int(text) }
        guard case .number(let n) = j, let i = n.int, n.isIntegerLiteral || n.double == n.double.rounded() else { return nil }
        return i
    }

    /// A Path form's value as a percentage (ToleratedFailurePercentagePath).
    /// NOTE: AWS reads the value's text as a number: "1" counts as 1 (recorded), "NoNumber" and {} fail.
    public static func percentage(_ j: JSON) -> Double? {
        if case .number(let n) = j { return n.double }
        if case .string(let text) = j, let d = Double(text), d.isFinite { return d }
        return nil
    }

    /// A Path form's integer (MaxConcurrencyPath, ToleratedFailureCountPath, a Distributed
    /// Map's MaxItemsPath and batch paths), or AWS's cause, which names the field (`name`)
    /// and the path.
    public static func integer(_ j: JSON, name: String, path: String) -> Result<Int, ASLError> {
        guard let i = integer(j) else {
            return .failure(.runtime("The \(name) field refers to value \"\(j.stringValue ?? j.serialized)\" which is not a valid integer: \(path)"))
        }
        return .success(i)
    }

    /// ToleratedFailurePercentagePath's value, or AWS's cause.
    public static func percentage(_ j: JSON, path: String) -> Result<Double, ASLError> {
        guard let d = percentage(j) else {
            return .failure(.runtime(
                "The ToleratedFailurePercentagePath field refers to value \"\(j.stringValue ?? j.serialized)\" which is not a valid float: \(path)"))
        }
        return .success(d)
    }

    /// A Path form's value for `field`, read as the interpreter reads it (`integer`,
    /// `percentage`), then held to its range (`rangeCause`): what the tape lane checks.
    public static func pathValue(_ field: Field, _ j: JSON, path: String) -> Result<Double, ASLError> {
        let read: Result<Double, ASLError> = field == .toleratedFailurePercentage
            ? percentage(j, path: path) : integer(j, name: field.pathName, path: path).map(Double.init)
        guard case .success(let v) = read else { return read }
        if let cause = rangeCause(field, v) { return .failure(.runtime(cause)) }
        return .success(v)
    }

    /// A JSONata expression's value for an integer field: a number with no fraction.
    public static func expressionInteger(_ j: JSON) -> Int? {
        guard case .number(let n) = j, let i = n.int, n.double == n.double.rounded() else { return nil }
        return i
    }

    /// The cause when a value read for `field` is out of its range, or nil when it is in it.
    /// (A negative MaxConcurrency is not refused: it runs without a limit, as 0 does.)
    public static func rangeCause(_ field: Field, _ value: Double) -> String? {
        switch field {
        case .maxConcurrency: return nil
        case .toleratedFailureCount: return value >= 0 ? nil : "ToleratedFailureCount cannot be negative."
        case .toleratedFailurePercentage:
            return value >= 0 && value <= 100 ? nil : "ToleratedFailurePercentage must be between 0 and 100."
        }
    }
}

/// How a Task's TimeoutSecondsPath and HeartbeatSecondsPath values are read (the JSONata
/// forms as `MapLimits.expressionInteger`), for the interpreter and the tape lane.
public enum TaskSeconds {
    /// A positive integer number (its text is not read).
    public static func pathValue(_ j: JSON) -> Int? {
        guard case .number(let n) = j, let i = n.int, i > 0 else { return nil }
        return i
    }

    /// A Path form's value, or AWS's cause naming the field (`name`) and the path.
    public static func pathValue(_ j: JSON, name: String, path: String) -> Result<Int, ASLError> {
        guard let i = pathValue(j) else {
            return .failure(.runtime("The \(name) field refers to value \"\(j.stringValue ?? j.serialized)\" which is not a valid positive integer: \(path)"))
        }
        return .success(i)
    }
}

/// The instant `seconds` after `ms` (epoch milliseconds). A time limit, timeout or wait may
/// be any integer a flag or an input gives; one beyond 2^40 seconds (some 35,000 years, past
/// any execution's life) counts as that, so the clock never overflows.
@inline(__always) public func instant(_ ms: Int64, plusSeconds seconds: Int) -> Int64 {
    ms + Int64(min(max(seconds, 0), 1 << 40)) * 1000
}

/// What ends a Task's wait for its answer first: the answer, its TimeoutSeconds, or a
/// HeartbeatSeconds without a heartbeat. One rule for the interpreter and the tape lane.
public enum TaskWaitEnd: Sendable, Equatable {
    case answer
    case timeout
    case heartbeat

    /// The first of the instants (nil: none) and when it is; ties go to the answer, then to
    /// the timeout. Nil when there is none.
    public static func first(answer: Int64?, timeout: Int64?, heartbeat: Int64?) -> (end: TaskWaitEnd, at: Int64)? {
        var best: (TaskWaitEnd, Int64)? = nil
        for (end, at) in [(TaskWaitEnd.answer, answer), (.timeout, timeout), (.heartbeat, heartbeat)] {
            guard let at else { continue }
            if best == nil || at < best!.1 { best = (end, at) }
        }
        return best
    }

    /// The error a task fails with when this ends its wait (nil: its answer).
    public var error: ASLError? {
        switch self {
        case .answer: return nil
        case .timeout: return ASLError(.timeout, nil)
        case .heartbeat: return ASLError(.heartbeatTimeout, nil)
        }
    }
}
