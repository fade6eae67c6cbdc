import CortadoJSON

/// AWS's causes for a path that selects nothing, by where the path is written.
public enum PathMiss {
    /// A path in a payload template (`key.$`), an intrinsic's argument there, or a Fail
    /// state's ErrorPath/CausePath. AWS quotes the state's effective input even for a `$$`
    /// path (recorded: `$$.Execution.Input.x` quotes the input, not the context object).
    public static func inField(_ p: JSONPath, field: String, input: JSON) -> ASLError {
        .runtime("The JSONPath '\(p.source)' specified for the field '\(field)' could not be found in the input '\(input.serialized)'")
    }
}
