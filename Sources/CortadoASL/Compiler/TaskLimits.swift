// A Task's time limits: TimeoutSeconds(Path) and HeartbeatSeconds(Path) values as AWS reads
// them, the instants they give, and which ends a task's wait first.
import CortadoJSON
import CortadoPath

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
        var best: (end: TaskWaitEnd, at: Int64)? = answer.map { (.answer, $0) }
        if let t = timeout, best.map({ t < $0.at }) ?? true { best = (.timeout, t) }
        if let h = heartbeat, best.map({ h < $0.at }) ?? true { best = (.heartbeat, h) }
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
