/// The name of an ASL error, as Retry/Catch `ErrorEquals` match it.
/// Matching compares names; text is never parsed.
public struct ErrorName: Sendable, Hashable, CustomStringConvertible {
    public let rawValue: String
    public init(_ raw: String) { rawValue = raw }
    public var description: String { rawValue }

    public static let all = ErrorName("States.ALL")
    public static let runtime = ErrorName("States.Runtime")
    public static let taskFailed = ErrorName("States.TaskFailed")
    public static let timeout = ErrorName("States.Timeout")
    public static let heartbeatTimeout = ErrorName("States.HeartbeatTimeout")
    public static let dataLimitExceeded = ErrorName("States.DataLimitExceeded")
    public static let intrinsicFailure = ErrorName("States.IntrinsicFailure")
    public static let noChoiceMatched = ErrorName("States.NoChoiceMatched")
    public static let parameterPathFailure = ErrorName("States.ParameterPathFailure")
    public static let resultPathMatchFailure = ErrorName("States.ResultPathMatchFailure")
    /// What AWS reports when a ResultPath cannot be applied to the state input (e.g. `$.x`
    /// on an array input); the ASL spec's States.ResultPathMatchFailure is not what AWS raises.
    public static let referencePathConflict = ErrorName("States.ReferencePathConflict")
    public static let branchFailed = ErrorName("States.BranchFailed")
    public static let permissions = ErrorName("States.Permissions")
    public static let itemReaderFailed = ErrorName("States.ItemReaderFailed")
    public static let resultWriterFailed = ErrorName("States.ResultWriterFailed")
    public static let exceedToleratedFailureThreshold = ErrorName("States.ExceedToleratedFailureThreshold")
    public static let queryEvaluationError = ErrorName("States.QueryEvaluationError")
}

/// A run-time ASL failure: an error name plus an optional cause (AWS's `$.Cause`).
public struct ASLError: Error, Sendable, Equatable, CustomStringConvertible {
    /// `nil` only for a Fail state without Error (AWS reports `null`).
    public var name: ErrorName?
    public var cause: String?
    /// The field a JSONata expression failed in (`Output/result`), for the EvaluationFailed event.
    public var location: String?
    public init(_ name: ErrorName?, _ cause: String?) { self.name = name; self.cause = cause }
    public init(_ name: ErrorName?, _ cause: String?, location: String?) {
        self.name = name; self.cause = cause; self.location = location
    }

    /// Errors are the same when their names and causes are (the location only annotates).
    public static func == (a: ASLError, b: ASLError) -> Bool { a.name == b.name && a.cause == b.cause }
    public var description: String { "\(name?.rawValue ?? "null"): \(cause ?? "null")" }

    public static func runtime(_ cause: String) -> ASLError { ASLError(.runtime, cause) }
    public static func intrinsic(_ cause: String) -> ASLError { ASLError(.intrinsicFailure, cause) }
}
