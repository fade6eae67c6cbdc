import CortadoASL
import CortadoJSON
import CortadoJSONata
import CortadoPath

// The compiled forms of a program's failures on the lane: a Task's attempts played ahead
// (`TRetries`, `TOutcome`), a Fail state that reads its fields, a Map's tolerated failures,
// a failed child's Retry and Catch (`TChildFailure`) and each Catcher (`TCatch`).

/// A Task whose first attempt failed: how its attempts went.
struct TRetries {
    var outcome: TOutcome
    /// Each retry's back-off in turn (`TapeCode.retryWaits`): the line waits them one by
    /// one, as the interpreter does, counted against its time limit, so that a parked
    /// line's events have their times.
    var waits: Span
    /// The errors of the attempts that failed, in order (`TapeCode.attemptErrors`): the
    /// last is the one caught or failing the line, unless a result came after them.
    var failedAttempts: Span
    /// The Parameters (a JSONata Task's Arguments) read the context object: each attempt
    /// builds them again with its own RetryCount, for the errors they raise.
    var argumentsPerAttempt = false

    /// `$$.State.RetryCount` of the attempt that gave the outcome: the retries before it
    /// (every failed attempt was retried but a caught or failing last one).
    var retryCount: Int {
        if case .result = outcome { return Int(failedAttempts.count) }
        return Int(failedAttempts.count) - 1
    }
}

/// A Fail state's ErrorPath/CausePath (a path or an intrinsic) or JSONata Error/Cause
/// expression: the interpreter's rule (`FailState.failure`) reads them from the state's input.
struct TFailFields {
    var state: FailState
    var jsonata: Bool
    /// The whole context object, when a field reads `$$` (`wholeContext`).
    var context: TContextRead?
}

/// How a Task's attempts end.
enum TOutcome {
    /// A result (a constant node), which goes on through ResultSelector, ResultPath, OutputPath.
    case result(Int32)
    /// An error a Catcher takes: its `{Error, Cause}` object (a constant node) through the
    /// Catcher's ResultPath (a JSONata Catcher's Output, `output`), then the Catcher's Next;
    /// `assign`: the Catcher's Assign, in place of the state's.
    case caught(errorOutput: Int32, resultPath: TResultPath, next: Int32, output: Int32, assign: Span)
    /// An error nothing takes (`TapeCode.errors`): the execution fails with it.
    case failed(Int32)
}

/// A Map's tolerated failures as the lane counts them (`ToleratedFailures`): its constant
/// count and percentage (the Path and JSONata forms are read with its limits, `checkLimits`)
/// and the error it fails with past them (`TapeCode.errors`).
struct TTolerance {
    var count: Int?
    var percentage: Double?
    var exceeded: Int32
}

/// How a Map or Parallel takes the failure of an iteration or a branch on the lane: by
/// its Catchers (`ResultProcessing.catcher(for:)`), each compiled in `TapeCode.catches`.
/// Taken only where the general engine, too, would see that failure first (its children
/// run one after another: none waits or starts children of its own) and where no Retry
/// re-runs the state (a Retrier that takes the error hands the line back).
struct TChildFailure {
    let processing: ResultProcessing
    /// The Catchers' ResultPath (or Output), Assign and Next, in order.
    var catches: Span
}

struct TCatch {
    var resultPath: TResultPath
    var next: Int32
    /// A JSONata Catcher's Output (a template, or none) and either language's Assign.
    var output: Int32 = -1
    var assign: Span = .empty
    var jsonata = false
}
