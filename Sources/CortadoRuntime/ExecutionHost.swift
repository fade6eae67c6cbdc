import Dispatch

/// Runs executions on Dispatch's shared pool (the server's, a load test's): an execution is advanced on a
/// pool thread until it finishes or parks; a parked one holds no thread — a timer
/// (`asyncAfter`) or a task event (`wake`) schedules it again. `tryClaim` and the mailbox
/// make sure no two threads ever advance the same execution.
public final class ExecutionHost: ExecutionWaker, @unchecked Sendable {
    private let queue = DispatchQueue(label: "cortado.executions", attributes: .concurrent)
    /// Called once per execution, on a pool thread, when it ends.
    let onFinish: @Sendable (Execution, ExecutionResult) -> Void

    public init(onFinish: @escaping @Sendable (Execution, ExecutionResult) -> Void) { self.onFinish = onFinish }

    /// Starts a new execution (its first `advance`); `parked` is left when that first
    /// advance has run (the execution finished or parked).
    public func start(_ e: Execution, parked: DispatchGroup? = nil) {
        e.waker = self
        let box = Box(e)
        parked?.enter()
        queue.async {
            self.run(box.execution)
            parked?.leave()
        }
    }

    public func wake(_ e: Execution) {
        let box = Box(e)
        queue.async { self.run(box.execution) }
    }

    private func run(_ e: Execution) {
        switch e.advance() {
        case .finished(let r): onFinish(e, r)
        case .waitUntil(let t): resume(e, at: t)
        case .waitForTasks(let until): if let until { resume(e, at: until) }
        }
    }

    private func resume(_ e: Execution, at ms: Int64) {
        let delay = max(0, ms - wallClockMilliseconds())
        let box = Box(e)
        queue.asyncAfter(deadline: .now() + .milliseconds(Int(min(delay, Int64(Int32.max))))) {
            if box.execution.tryClaim() { self.run(box.execution) }
        }
    }

    /// Carries an execution into a Dispatch block (it is advanced by one thread at a time).
    private struct Box: @unchecked Sendable {
        let execution: Execution
        init(_ e: Execution) { execution = e }
    }
}
