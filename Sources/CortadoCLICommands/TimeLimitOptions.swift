import ArgumentParser
import CortadoRuntime

/// Express's five-minute execution limit, the same switch for `exec` and `run`.
struct TimeLimitOptions: ParsableArguments {
    @Option(name: .customLong("time-limit"), help: ArgumentHelp(
        "End an execution TIMED_OUT (States.Timeout, \"Execution timed out.\") after this many seconds.",
        discussion: "Default: 300, the limit of Express workflows on AWS. The definition's own TimeoutSeconds applies too, whichever is shorter."))
    var seconds: Int = ExpressLimits.executionSeconds
    @Flag(name: .customLong("no-time-limit"),
          help: "Run without Express's limit, as a STANDARD workflow (only the definition's TimeoutSeconds applies).")
    var unlimited = false

    /// The limit to put in `ExecutionOptions.executionTimeoutSeconds` (nil: none).
    var limit: Int? { unlimited ? nil : seconds }

    func validate() throws {
        guard unlimited || seconds > 0 else { throw ValidationError("--time-limit must be a positive number of seconds") }
    }
}
