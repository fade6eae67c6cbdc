import CortadoJSON
import CortadoPath
import CortadoRuntime
import Synchronization

/// Routes each Task to a backend by its `Resource`: the first rule whose pattern matches
/// (`*` matches any run of characters), else the fallback. The decision for a resource
/// string is made once and cached.
public final class TaskRouter: TaskBackend, @unchecked Sendable {
    public struct Rule: Sendable {
        public let pattern: String
        public let backend: any TaskBackend
        public init(pattern: String, backend: any TaskBackend) { self.pattern = pattern; self.backend = backend }
    }

    let rules: [Rule]
    let fallback: any TaskBackend
    private let cache = Mutex<[String: Int]>([:])

    public init(rules: [Rule], fallback: any TaskBackend) {
        self.rules = rules
        self.fallback = fallback
    }

    public func invoke(_ request: TaskRequest) -> TaskOutcome {
        route(request.resource).invoke(request)
    }

    public func constantOutcome(stateName: String, resource: String, attempt: Int) -> Result<JSON, ASLError>? {
        route(resource).constantOutcome(stateName: stateName, resource: resource, attempt: attempt)
    }

    public func answersAtOnce(resource: String) -> Bool { route(resource).answersAtOnce(resource: resource) }

    func route(_ resource: String) -> any TaskBackend {
        let i = cache.withLock { c -> Int in
            if let i = c[resource] { return i }
            let i = rules.firstIndex { TaskRouter.matches(resource, $0.pattern) } ?? -1
            c[resource] = i
            return i
        }
        return i >= 0 ? rules[i].backend : fallback
    }

    /// Glob match where `*` stands for any run of characters.
    public static func matches(_ text: String, _ pattern: String) -> Bool {
        let t = Array(text.utf8), p = Array(pattern.utf8)
        var ti = 0, pi = 0, star = -1, mark = 0
        while ti < t.count {
            if pi < p.count, p[pi] != UInt8(ascii: "*"), p[pi] == t[ti] { ti += 1; pi += 1 }
            else if pi < p.count, p[pi] == UInt8(ascii: "*") { star = pi; mark = ti; pi += 1 }
            else if star >= 0 { pi = star + 1; mark += 1; ti = mark }
            else { return false }
        }
        while pi < p.count, p[pi] == UInt8(ascii: "*") { pi += 1 }
        return pi == p.count
    }
}

/// The last resort: a Task whose resource nothing routes fails that execution with a cause
/// that names the resource and how to route it. It never hangs — except, when
/// `tokensWait` (the server), a `.waitForTaskToken` task: as in AWS it waits for
/// SendTaskSuccess/Failure, its token readable in the TaskScheduled event's parameters.
public struct UnroutedTasks: TaskBackend {
    public let tokensWait: Bool
    public init(tokensWait: Bool = false) { self.tokensWait = tokensWait }
    public func invoke(_ request: TaskRequest) -> TaskOutcome {
        if tokensWait, request.waitsForToken { return .delivered }
        return .failure(Self.unrouted(request.resource, request.stateName))
    }

    /// Every attempt fails the same way (a token task's may wait instead: no constant).
    public func constantOutcome(stateName: String, resource: String, attempt: Int) -> Result<JSON, ASLError>? {
        resource.hasSuffix(".waitForTaskToken") ? nil : .failure(Self.unrouted(resource, stateName))
    }

    static func unrouted(_ resource: String, _ stateName: String) -> ASLError {
        ASLError(.runtime,
            "No task backend for resource '\(resource)' (state '\(stateName)'). Route it with --tasks FILE, --mock-config/--test-case, --worker CMD or --lambda-endpoint URL.")
    }
}

/// Puts a backend that *calls* something (a worker, Lambda, HTTP) in front of
/// `.waitForTaskToken` tasks: the call hands the token over, so its success means
/// "delivered" and the task goes on waiting for SendTaskSuccess/Failure; its failure fails
/// the task. Other tasks pass through unchanged. (Mocks answer the task itself: not wrapped.)
public struct TokenDelivery: TaskBackend {
    public let inner: any TaskBackend
    public init(_ inner: any TaskBackend) { self.inner = inner }

    public func invoke(_ request: TaskRequest) -> TaskOutcome {
        guard request.waitsForToken else { return inner.invoke(request) }
        let task = request.completion
        var call = request
        call.completion = TaskCompletion(observer: { event in
            switch event {
            case .outcome(.success), .outcome(.delivered): task.complete(.delivered)
            case .outcome(let o): task.complete(o)
            case .heartbeat: task.heartbeat()
            }
        })
        switch inner.invoke(call) {
        case .success: return .delivered
        case let other: return other
        }
    }

    /// (A `.waitForTaskToken` task never has one: it waits for its token.)
    public func constantOutcome(stateName: String, resource: String, attempt: Int) -> Result<JSON, ASLError>? {
        inner.constantOutcome(stateName: stateName, resource: resource, attempt: attempt)
    }
}
