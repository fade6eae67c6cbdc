/// The execution-history event types of Step Functions (the `type` of a history or log event).
///
/// An enum rather than a string so the interpreter can name an event, and a sink can filter
/// it by level, without building any text.
public enum EventType: String, Sendable, CaseIterable, CustomStringConvertible {
    case executionStarted = "ExecutionStarted"
    case executionSucceeded = "ExecutionSucceeded"
    case executionFailed = "ExecutionFailed"
    case executionTimedOut = "ExecutionTimedOut"
    case executionAborted = "ExecutionAborted"

    case passStateEntered = "PassStateEntered", passStateExited = "PassStateExited"
    case taskStateEntered = "TaskStateEntered", taskStateExited = "TaskStateExited"
    case taskStateAborted = "TaskStateAborted"
    case choiceStateEntered = "ChoiceStateEntered", choiceStateExited = "ChoiceStateExited"
    case waitStateEntered = "WaitStateEntered", waitStateExited = "WaitStateExited"
    case waitStateAborted = "WaitStateAborted"
    case succeedStateEntered = "SucceedStateEntered", succeedStateExited = "SucceedStateExited"
    case failStateEntered = "FailStateEntered"
    case parallelStateEntered = "ParallelStateEntered", parallelStateExited = "ParallelStateExited"
    case mapStateEntered = "MapStateEntered", mapStateExited = "MapStateExited"

    case taskScheduled = "TaskScheduled", taskStarted = "TaskStarted"
    case taskSucceeded = "TaskSucceeded", taskFailed = "TaskFailed", taskTimedOut = "TaskTimedOut"
    case taskStartFailed = "TaskStartFailed", taskSubmitFailed = "TaskSubmitFailed"

    case lambdaFunctionScheduled = "LambdaFunctionScheduled", lambdaFunctionStarted = "LambdaFunctionStarted"
    case lambdaFunctionSucceeded = "LambdaFunctionSucceeded", lambdaFunctionFailed = "LambdaFunctionFailed"
    case lambdaFunctionTimedOut = "LambdaFunctionTimedOut"
    case lambdaFunctionScheduleFailed = "LambdaFunctionScheduleFailed"
    case lambdaFunctionStartFailed = "LambdaFunctionStartFailed"

    case parallelStateStarted = "ParallelStateStarted", parallelStateSucceeded = "ParallelStateSucceeded"
    case parallelStateFailed = "ParallelStateFailed", parallelStateAborted = "ParallelStateAborted"

    case mapStateStarted = "MapStateStarted", mapStateSucceeded = "MapStateSucceeded"
    case mapStateFailed = "MapStateFailed", mapStateAborted = "MapStateAborted"
    case mapIterationStarted = "MapIterationStarted", mapIterationSucceeded = "MapIterationSucceeded"
    case mapIterationFailed = "MapIterationFailed", mapIterationAborted = "MapIterationAborted"
    case mapRunStarted = "MapRunStarted", mapRunSucceeded = "MapRunSucceeded", mapRunFailed = "MapRunFailed"
    /// A JSONata expression failed (before the state's failure).
    case evaluationFailed = "EvaluationFailed"

    public var description: String { rawValue }

    /// Logged at level FATAL (and ERROR, ALL): the execution itself ended badly.
    public var isFatal: Bool {
        switch self {
        case .executionFailed, .executionTimedOut, .executionAborted: return true
        default: return false
        }
    }

    /// Logged at level ERROR (and ALL), per the "Log levels" table of the Step Functions
    /// developer guide: the FATAL events plus every failed, timed-out or aborted step and
    /// `FailStateEntered`.
    public var isError: Bool {
        switch self {
        case .executionFailed, .executionTimedOut, .executionAborted,
             .failStateEntered,
             .taskFailed, .taskTimedOut, .taskStartFailed, .taskSubmitFailed, .taskStateAborted,
             .lambdaFunctionFailed, .lambdaFunctionTimedOut, .lambdaFunctionScheduleFailed, .lambdaFunctionStartFailed,
             .parallelStateFailed, .parallelStateAborted,
             .mapStateFailed, .mapStateAborted, .mapIterationFailed, .mapIterationAborted, .mapRunFailed, .evaluationFailed,
             .waitStateAborted:
            return true
        default: return false
        }
    }
}

/// What a state machine's logging configuration records (`LoggingConfiguration.Level`).
public enum LogLevel: String, Sendable, CaseIterable {
    /// Every event.
    case all = "ALL"
    /// Failures of the execution and of its steps (see `EventType.isError`).
    case error = "ERROR"
    /// Only the execution's own failure, time-out or abort.
    case fatal = "FATAL"
    /// Nothing.
    case off = "OFF"

    @inline(__always)
    public func includes(_ type: EventType) -> Bool {
        switch self {
        case .all: return true
        case .error: return type.isError
        case .fatal: return type.isFatal
        case .off: return false
        }
    }
}

extension EventType {
    /// `<Type>StateEntered` for a state of `kind`.
    static func entered(_ kind: Instruction) -> EventType {
        switch kind {
        case .pass: return .passStateEntered
        case .task: return .taskStateEntered
        case .choice: return .choiceStateEntered
        case .wait: return .waitStateEntered
        case .succeed: return .succeedStateEntered
        case .fail: return .failStateEntered
        case .parallel: return .parallelStateEntered
        case .map: return .mapStateEntered
        }
    }

    /// `<Type>StateExited` for a state of `kind` (a Fail state never exits; it has none).
    static func exited(_ kind: Instruction) -> EventType {
        switch kind {
        case .pass: return .passStateExited
        case .task: return .taskStateExited
        case .choice: return .choiceStateExited
        case .wait: return .waitStateExited
        case .succeed, .fail: return .succeedStateExited
        case .parallel: return .parallelStateExited
        case .map: return .mapStateExited
        }
    }
}

import CortadoASL
