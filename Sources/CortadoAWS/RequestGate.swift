import Synchronization

/// At most `limit` requests in flight to one service; the rest wait in order, holding no
/// thread. (A batch can start thousands of Tasks at once: handed to the HTTP client all
/// together, most would time out waiting for one of its pooled connections.)
final class RequestGate: @unchecked Sendable {
    typealias Job = @Sendable (_ done: @escaping @Sendable () -> Void) -> Void

    let limit: Int
    private struct State {
        var running = 0
        var waiting: [Job] = []
        var head = 0
    }
    private let state = Mutex(State())

    init(limit: Int) { self.limit = max(1, limit) }

    /// Runs `job` now or when a slot frees; `job` must call `done` once, when its request ended.
    func submit(_ job: @escaping Job) {
        let now = state.withLock { s -> Bool in
            if s.running < limit { s.running += 1; return true }
            s.waiting.append(job)
            return false
        }
        if now { run(job) }
    }

    private func run(_ job: @escaping Job) {
        job { [self] in
            let next = state.withLock { s -> Job? in
                guard s.head < s.waiting.count else { s.running -= 1; return nil }
                let j = s.waiting[s.head]
                s.head += 1
                if s.head > 1024, s.head * 2 > s.waiting.count { s.waiting.removeFirst(s.head); s.head = 0 }
                return j
            }
            if let next { run(next) }
        }
    }
}
