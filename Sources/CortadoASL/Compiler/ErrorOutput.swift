import CortadoJSON
import CortadoPath

/// The `{"Error", "Cause"}` object AWS builds from an error: what a Catcher passes on (through
/// its ResultPath), what a tolerated Map failure leaves in the results, and TestState's
/// errorOutput. One rule for the interpreter and TestState.
public enum ErrorOutput {
    /// - Returns: `{"Error": name, "Cause": cause}`; a missing name or cause is null, except
    ///   that a States.Timeout or States.HeartbeatTimeout without one has `"Cause": ""`, as
    ///   AWS records for a caught task timeout (cases/tasks). The execution's own failure
    ///   keeps its cause null.
    public static func object(_ e: ASLError) -> JSON {
        let noCause: JSON = (e.name == .timeout || e.name == .heartbeatTimeout) ? "" : .null
        return .object(JSONObject([
            (key: "Error", value: e.name.map { .string($0.rawValue) } ?? .null),
            (key: "Cause", value: e.cause.map { .string($0) } ?? noCause),
        ]))
    }
}
