import CortadoJSON

/// AWS's causes for a path that selects nothing, by where the path is written.
public enum PathMiss {
    /// A path in a payload template (`key.$`), an intrinsic's argument there, or a Fail
    /// state's ErrorPath/CausePath. AWS quotes the state's effective input even for a `$$`
    /// path (recorded: `$$.Execution.Input.x` quotes the input, not the context object).
    public static func inField(_ p: JSONPath, field: String, input: JSON) -> ASLError {
        .runtime("The JSONPath '\(p.source)' specified for the field '\(field)' could not be found in the input '\(input.serialized)'")
    }

    /// What a path that must match (InputPath, OutputPath, ItemsPath, a `*Path` field)
    /// selects from `root`, or AWS's cause with Jayway's reason when it selects nothing.
    public static func select(_ p: JSONPath, _ root: JSON) -> Result<JSON, ASLError> {
        switch p.select(root) {
        case .success(let v): return .success(v)
        case .failure(let miss): return .failure(.runtime("Invalid path '\(p.source)' : \(miss.message)"))
        }
    }

    /// The root a path reads: a workflow variable (`$name...`), the context object (`$$`) or the input.
    /// - Throws: States.Runtime naming the variable when no state assigned it.
    // NOTE: AWS rejects a reference to a variable no state assigns when the definition is
    // created; one assigned on another branch of the graph only is missing at run time. That
    // cause was not recorded; it names the path the way the other path causes do.
    @inline(__always)
    public static func root(_ p: JSONPath, input: JSON, variables: [String: JSON], context: () -> JSON) throws(ASLError) -> JSON {
        if let name = p.variable {
            guard let v = variables[name] else {
                throw .runtime("Invalid path '\(p.source)': The variable '$\(name)' is not defined.")
            }
            return v
        }
        return p.isContextPath ? context() : input
    }
}
