/// The limits of an Express workflow that Cortado enforces the same way in every host
/// (`exec`, `run`, `serve`, the load tests): one rule, one switch.
public enum ExpressLimits {
    /// An Express execution runs at most five minutes; past that it ends TIMED_OUT with
    /// `States.Timeout` and cause "Execution timed out." (`ExecutionOptions.executionTimeoutSeconds`
    /// carries it; nil lifts it, as for a STANDARD machine or `--no-time-limit`).
    public static let executionSeconds = 300
}
