import CortadoJSON

/// An error of the `states` API, as AWS names it: the code (`InvalidArn`,
/// `StateMachineDoesNotExist`, ...), a message and the HTTP status it travels with.
/// On the wire (AWS JSON 1.0) it is `{"__type": code, "message": message}`.
public struct APIError: Error, Sendable, Equatable {
    public var code: String
    public var message: String
    public var status: Int

    public init(_ code: String, _ message: String, status: Int = 400) {
        self.code = code; self.message = message; self.status = status
    }

    /// The JSON body of the error response.
    public var body: JSON {
        .object(["__type": .string(code), "message": .string(message)])
    }

    public static func validation(_ message: String) -> APIError { APIError("ValidationException", message) }
    public static func invalidArn(_ message: String) -> APIError { APIError("InvalidArn", message) }
    public static func invalidDefinition(_ message: String) -> APIError { APIError("InvalidDefinition", message) }
    public static func stateMachineDoesNotExist(_ arn: String) -> APIError {
        APIError("StateMachineDoesNotExist", "State Machine Does Not Exist: '\(arn)'")
    }
    public static func executionDoesNotExist(_ arn: String) -> APIError {
        APIError("ExecutionDoesNotExist", "Execution Does Not Exist: '\(arn)'")
    }
    public static func invalidToken(_ message: String = "Invalid Token") -> APIError { APIError("InvalidToken", message) }
    public static func taskDoesNotExist() -> APIError { APIError("TaskDoesNotExist", "Task Does Not Exist") }
    public static func taskTimedOut(_ message: String = "Task Timed Out") -> APIError { APIError("TaskTimedOut", message) }
    public static func unknownOperation(_ target: String) -> APIError {
        APIError("UnknownOperationException", "Unknown operation: \(target)")
    }
    /// An action the machine's type does not support (StartSyncExecution on STANDARD,
    /// ListExecutions on EXPRESS).
    public static let typeNotSupported = APIError("StateMachineTypeNotSupported", "This operation is not supported by this type of state machine")
    public static func serialization(_ message: String) -> APIError { APIError("SerializationException", message) }
    public static func internalFailure(_ message: String) -> APIError { APIError("InternalFailure", message, status: 500) }
}
