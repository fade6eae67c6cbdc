import CortadoPath

/// Which errors a Retrier's or a Catcher's `ErrorEquals` names, the one rule Retry and Catch
/// match with: in the interpreter, in TestState, and in the tape lane (which runs a mocked
/// Task's Retry and Catch ahead of time).
public enum ErrorEquals {
    /// Whether `names` match `e`: its own name, `States.ALL`, or `States.TaskFailed`, which
    /// matches every named error but `States.Timeout` (the developer guide's "Error names").
    /// NOTE: errors reaching here were reported by a task or a child; the engine's own
    /// terminal errors (States.Runtime, its DataLimitExceeded) never get this far.
    public static func matches(_ names: [ErrorName], _ e: ASLError) -> Bool {
        for n in names {
            if n == e.name || n == .all { return true }
            if n == .taskFailed, e.name != .timeout, e.name != nil { return true }
        }
        return false
    }
}
