import CortadoJSON
import CortadoPath

/// What a Task state asks a backend to do.
public struct TaskRequest: Sendable {
    public let resource: String
    /// The effective input (after InputPath and Parameters).
    public let input: JSON
    public let stateName: String
    /// `$$.State.RetryCount`: 0 on the first attempt.
    public let attempt: Int
    public let executionName: String
    public let stateMachineName: String
}

/// A task's result: its output, or an error that Retry and Catch see.
public enum TaskOutcome: Sendable {
    case success(JSON)
    case failure(ASLError)
}

/// Runs Task states. Implementations must be thread-safe; `invoke` is called on the
/// worker running the execution (the synchronous fast path).
public protocol TaskBackend: Sendable {
    func invoke(_ request: TaskRequest) -> TaskOutcome
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
