/// One problem found in a definition, in the shape of AWS's
/// ValidateStateMachineDefinition diagnostics.
public struct Diagnostic: Sendable, Equatable, CustomStringConvertible {
    public enum Severity: String, Sendable { case error = "ERROR", warning = "WARNING" }

    public var severity: Severity
    public var code: Code
    public var message: String
    /// JSON Pointer into the definition, e.g. `/States/Route/Choices/0`.
    public var location: String
    /// 1-based position in the definition file, when known.
    public var line: Int?
    public var column: Int?

    public init(_ code: Code, _ message: String, at location: String, severity: Severity = .error) {
        self.code = code; self.message = message; self.location = location; self.severity = severity
    }

    /// AWS diagnostic codes (open set: AWS adds codes over time).
    public struct Code: RawRepresentable, Sendable, Hashable {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public static let schemaValidationFailed = Code(rawValue: "SCHEMA_VALIDATION_FAILED")
        public static let invalidJSONDescription = Code(rawValue: "INVALID_JSON_DESCRIPTION")
        public static let missingTransitionTarget = Code(rawValue: "MISSING_TRANSITION_TARGET")
        public static let invalidJSONPath = Code(rawValue: "INVALID_JSON_PATH")
        public static let invalidReferencePath = Code(rawValue: "INVALID_REFERENCE_PATH")
        public static let invalidIntrinsic = Code(rawValue: "INVALID_INTRINSIC_FUNCTION")
        public static let duplicateStateName = Code(rawValue: "DUPLICATE_STATE_NAME")
        public static let unreachableState = Code(rawValue: "UNREACHABLE_STATE")
        public static let noTerminalState = Code(rawValue: "NO_TERMINAL_STATE")
        public static let unsupportedFeature = Code(rawValue: "UNSUPPORTED_FEATURE")
    }

    public var description: String {
        var s = "\(severity.rawValue) \(code.rawValue) at \(location.isEmpty ? "/" : location)"
        if let line, let column { s += " (\(line):\(column))" }
        return s + ": " + message
    }
}
