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
