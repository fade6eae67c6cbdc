import CortadoASL
import CortadoPath

/// The 256 KiB payload limit (`ExecutionOptions.maxPayloadBytes`): an execution's input, a
/// state's result (a Task's answer, a Pass's Result), the final output and TestState's
/// output over it fail with States.DataLimitExceeded, in these words.
extension Execution {
    /// How an execution whose final output is over the payload limit fails.
    public static func outputLimitError(_ program: Program) -> ASLError {
        outputLimitError(state: program.headers[0].name)
    }

    /// How a value over the payload limit fails, naming `state` (the state whose result it
    /// is; the machine's first, for an execution's final output; the tested one, for
    /// TestState's; `ExecutionStarted` for an execution's input).
    static func outputLimitError(state: String) -> ASLError {
        ASLError(.dataLimitExceeded,
            "The state/task '\(state)' returned a result with a size exceeding the maximum number of bytes service limit.")
    }
}
