import CortadoASL
import CortadoJSON
import CortadoPath

/// What a Task state asks a backend to do.
public struct TaskRequest: Sendable {
    public let resource: String
    /// The effective input (after InputPath and Parameters), in the form its engine has it:
    /// the interpreter's JSON tree, or the JSON text the tape lane wrote of the line's values
    /// (`JSONPayload`). A backend that sends text (a worker process, a Lambda function,
    /// DynamoDB) writes it as it came (`given.write(to:)`, `given.serializedBytes`), one that
    /// reads values parses it once (`input`); neither converts it twice.
    public let given: JSONPayload
    public let stateName: String
    /// `$$.State.RetryCount`: 0 on the first attempt.
    public let attempt: Int
    public let executionName: String
    public let stateMachineName: String
    /// The execution's ARN (for backends that pass a context along).
    public let executionArn: String
    /// TimeoutSeconds / HeartbeatSeconds of this attempt, resolved; the execution enforces
    /// them (States.Timeout, States.HeartbeatTimeout), a backend may use them as hints.
    public let timeoutSeconds: Int?
    public let heartbeatSeconds: Int?
    /// Where a backend that answered `.pending` delivers the outcome, from any thread.
    public var completion: TaskCompletion
    /// `$$.Task.Token` when the resource ends in `.waitForTaskToken`: the backend hands the
    /// token over (it is usually inside `input` too) and answers `.delivered`.
    public var taskToken: String?

    public init(resource: String, input: JSON, stateName: String, attempt: Int, executionName: String,
                stateMachineName: String, executionArn: String = "", timeoutSeconds: Int? = nil,
                heartbeatSeconds: Int? = nil, completion: TaskCompletion = TaskCompletion()) {
        self.init(resource: resource, given: .json(input), stateName: stateName, attempt: attempt, executionName: executionName,
                  stateMachineName: stateMachineName, executionArn: executionArn, timeoutSeconds: timeoutSeconds,
                  heartbeatSeconds: heartbeatSeconds, completion: completion)
    }

    public init(resource: String, given: JSONPayload, stateName: String, attempt: Int, executionName: String,
                stateMachineName: String, executionArn: String = "", timeoutSeconds: Int? = nil,
                heartbeatSeconds: Int? = nil, completion: TaskCompletion = TaskCompletion()) {
        self.resource = resource; self.given = given; self.stateName = stateName; self.attempt = attempt
        self.executionName = executionName; self.stateMachineName = stateMachineName
        self.executionArn = executionArn; self.timeoutSeconds = timeoutSeconds
        self.heartbeatSeconds = heartbeatSeconds; self.completion = completion
    }

    /// The effective input as a JSON tree (parsed on each read where it came as text: a
    /// backend reads it once).
    public var input: JSON { given.json }

    /// Whether the resource is a Lambda function's own ARN, whose result is the invoke's Payload.
    public var invokesLambdaFunction: Bool { TaskState.isLambdaFunctionArn(resource) }

    /// Whether the resource waits for a task token (`.waitForTaskToken`).
    public var waitsForToken: Bool { taskToken != nil }
}

/// A task's result: its output, or an error that Retry and Catch see.
public enum TaskOutcome: Sendable {
    case success(JSON)
    case failure(ASLError)
    /// The backend took the task and will answer through `request.completion` (any thread,
    /// once). The execution parks meanwhile and holds no thread.
    case pending
    /// The outcome, delivered after `seconds` of the execution's clock: a task that "takes"
    /// that long, so TimeoutSeconds and HeartbeatSeconds can fire first (tests, simulations;
    /// on the virtual clock this costs no real time).
    indirect case after(seconds: Double, TaskOutcome)
    /// For a `.waitForTaskToken` task: the integration took the token; the task now waits
    /// for SendTaskSuccess/SendTaskFailure (its completion), a heartbeat timeout or its
    /// timeout. (A `.success` instead is taken as the task's result, as mocks do.)
    case delivered
}

/// Hands out task tokens for `.waitForTaskToken` tasks and keeps them answerable
/// (the server's token table). Called on the execution's thread.
public protocol TaskTokenIssuer: AnyObject, Sendable {
    /// A new token for the task of `stateName` in `execution`; SendTask* for it must reach
    /// `completion` (`complete`, `heartbeat`).
    func issueToken(execution: Execution, stateName: String, completion: TaskCompletion) -> String
    /// The task of `token` is over: it completed or failed (`timedOut` false), or its
    /// TimeoutSeconds/HeartbeatSeconds passed (`timedOut` true).
    func tokenEnded(_ token: String, timedOut: Bool)
}

/// The handle through which an asynchronous backend answers a task. Thread-safe; the first
/// `complete` wins, later ones (and any after a timeout) are ignored.
public final class TaskCompletion: @unchecked Sendable {
    // NOTE: the completion itself names its execution, frame and task generation (set when
    // the task starts, read-only afterwards), so a Task costs one allocation for this, not three.
    var execution: Execution?
    var frame: Frame?
    var gen: UInt64 = 0
    /// An observer that replaces delivery to an execution (tests of backends use it).
    var deliver: (@Sendable (TaskEvent) -> Void)?

    public init() {}

    /// A completion whose events go to `observer` instead of an execution (backend
    /// wrappers that look at an inner backend's answer, tests).
    public convenience init(observer: @escaping @Sendable (TaskEvent) -> Void) {
        self.init()
        deliver = observer
    }

    /// Delivers the task's outcome (`.success` or `.failure`).
    public func complete(_ outcome: TaskOutcome) { send(.outcome(outcome)) }
    /// Resets the HeartbeatSeconds timer, as SendTaskHeartbeat does.
    public func heartbeat() { send(.heartbeat) }

    private func send(_ event: TaskEvent) {
        if let deliver { deliver(event) } else { execution?.receive(self, event) }
    }

    /// Delivers several tasks' outcomes at once, as `complete` does for each, but wakes the
    /// executions' hosts together (`ExecutionWaker.wake(all:)`): a backend that reads many
    /// answers in one go (a worker process's stdout) then costs one thread wake-up, not one
    /// per answer.
    public static func complete(_ answers: [(TaskCompletion, TaskOutcome)]) {
        var woken: [Execution] = []
        woken.reserveCapacity(answers.count)
        for (c, outcome) in answers {
            if let deliver = c.deliver {
                deliver(.outcome(outcome))
            } else if let e = c.execution, e.enqueue(c, .outcome(outcome)) {
                woken.append(e)
            }
        }
        // Runs of executions with the same host go together (a run has one host).
        var start = 0
        while start < woken.count {
            let waker = woken[start].waker
            var end = start + 1
            while end < woken.count, woken[end].waker === waker { end += 1 }
            waker?.wake(all: Array(woken[start..<end]))
            start = end
        }
    }
}

/// What a backend reports about a task in flight.
public enum TaskEvent: Sendable {
    case outcome(TaskOutcome)
    case heartbeat
}

/// Runs Task states. Implementations must be thread-safe. `invoke` is called on the worker
/// running the execution: answer at once (the synchronous fast path, no thread hop), or
/// return `.pending` and answer later through `request.completion`.
public protocol TaskBackend: Sendable {
    func invoke(_ request: TaskRequest) -> TaskOutcome
    /// The outcome `invoke` gives attempt `attempt` (the state's RetryCount) of
    /// `stateName`'s task whatever its input, at once and without side effects (a mock's
    /// Return or Throw), or nil (the default). A host that knows it may skip the request:
    /// the tape lane runs such tasks, their Retry and their Catch over the line's bytes.
    func constantOutcome(stateName: String, resource: String, attempt: Int) -> Result<JSON, ASLError>?
    /// Whether `invoke` answers `resource`'s tasks at once (`.success` or `.failure`, or one
    /// of them `.after` a delay) and without side effects, so that calling it again changes
    /// nothing (a simulated service): a host may call it from the tape lane, which parks the
    /// line for the delay. False by default.
    func answersAtOnce(resource: String) -> Bool
}

extension TaskBackend {
    public func constantOutcome(stateName: String, resource: String, attempt: Int) -> Result<JSON, ASLError>? { nil }
    public func answersAtOnce(resource: String) -> Bool { false }
}

extension TaskOutcome {
    /// A backend answered `.delivered` for a resource that waits for no task token: the task
    /// fails with this (the interpreter's and the tape lane's words).
    public static func deliveredWithoutToken(resource: String) -> ASLError {
        ASLError(.runtime, "The task backend for '\(resource)' answered .delivered, but the resource does not wait for a task token.")
    }

    /// An `.after(seconds:)` delay in whole milliseconds, as an execution waits it.
    public static func milliseconds(afterSeconds seconds: Double) -> Int64 { Int64((max(0, seconds) * 1000).rounded()) }

    /// An answer given at once: its outcome and the milliseconds after which it arrives (0:
    /// now); nil for one that comes later (`.pending`, `.delivered`) or nests `.after`.
    public var immediate: (delayMs: Int, outcome: Result<JSON, ASLError>)? {
        switch self {
        case .success(let v): return (0, .success(v))
        case .failure(let e): return (0, .failure(e))
        case .after(let seconds, let inner):
            guard let (d, o) = inner.immediate, d == 0 else { return nil }
            return (Int(Self.milliseconds(afterSeconds: seconds)), o)
        case .pending, .delivered: return nil
        }
    }
}

/// In-process Swift handlers registered by resource name (exact ARN or a prefix ending in `*`).
public final class HandlerRegistry: TaskBackend, @unchecked Sendable {
    public typealias Handler = @Sendable (TaskRequest) -> TaskOutcome
    // NOTE: registration happens before executions start; afterwards the tables are only read.
    private var exact: [String: Handler] = [:]
    private var prefixes: [(String, Handler)] = []

    public init() {}

    /// Registers `handler` for `resource`; a trailing `*` matches any resource with that prefix.
    public func register(_ resource: String, _ handler: @escaping Handler) {
        if resource.hasSuffix("*") { prefixes.append((String(resource.dropLast()), handler)) } else { exact[resource] = handler }
    }

    public func invoke(_ request: TaskRequest) -> TaskOutcome {
        if let h = exact[request.resource] { return h(request) }
        for (p, h) in prefixes where request.resource.hasPrefix(p) { return h(request) }
        return .failure(ASLError(.runtime,
            "No task backend for resource '\(request.resource)' (state '\(request.stateName)'). Route it with --mock-config, a registered handler, or a worker."))
    }
}
