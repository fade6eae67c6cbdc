import CortadoRuntime
import Foundation

/// Executions waiting for a time (Wait, retry back-off), on one heap with one thread that
/// hands due ones back to the workers. A million parked executions cost memory, not threads.
final class ParkingLot: @unchecked Sendable {
    private let cond = NSCondition()
    private var heap = TimerHeap<Entry>()
    private var closed = false
    /// Entries of tickets cancelled or parked again, still on the heap until due (`compact`).
    private var void = 0

    /// A parked line that something else may resume before its time (a task's answer): it is
    /// parked through its ticket, which `cancel` empties, so that the line, its batch and the
    /// input they hold are not kept until the deadline (every execution waiting for a task
    /// parks its time limit, minutes away: a run's memory grew with its input).
    ///
    /// A ticket holds the park of the highest `order` only: a later advance of its execution
    /// (`advanced`), or a later deadline of a Task's heartbeats. An earlier one parked late
    /// (its thread was held up after the execution parked, while another thread resumed it
    /// and parked it again) is void: the later park knows every timer the execution has.
    final class Ticket: @unchecked Sendable {
        // Guarded by the lot's lock.
        fileprivate var parked: BatchRunner.Parked?
        fileprivate var order: UInt64 = 0
        /// The advances of its execution, counted by the thread that advances it (one at a
        /// time: `Execution.tryClaim`, the mailbox), before each.
        private var advances: UInt64 = 0
        init() {}

        /// The order of the park that the advance about to run may make.
        func advanced() -> UInt64 {
            advances &+= 1
            return advances
        }
    }

    private enum Entry {
        case parked(BatchRunner.Parked)
        /// The ticket's line, if it is still parked under this order.
        case ticket(Ticket, UInt64)
    }

    /// The wall-clock microsecond at which `deadline` (a wall-clock millisecond) is due:
    /// halfway through its millisecond (see `run`).
    static func dueMicroseconds(_ deadline: Int64) -> Int64 { deadline * 1000 + 500 }

    /// The latest deadline due at wall-clock microsecond `t`.
    static func latestDue(atMicroseconds t: Int64) -> Int64 {
        let x = t - 500
        return x >= 0 ? x / 1000 : (x - 999) / 1000  // rounded down
    }

    /// Parks `p` until `t` (through `ticket`, which then holds it until it is due or
    /// cancelled, unless it holds a park of a later `order`).
    func park(_ p: BatchRunner.Parked, until t: Int64, ticket: Ticket? = nil, order: UInt64 = 0) {
        cond.lock()
        // The timer thread sleeps until the earliest deadline: it needs waking only for an
        // earlier one. (Every execution waiting for a task parks its time limit here; a
        // wake-up each cost a context switch per task.)
        let sooner = heap.earliest.map { t < $0 } ?? true
        if let ticket {
            guard order >= ticket.order else { cond.unlock(); return }
            if ticket.parked != nil { void += 1 }  // (its earlier park)
            ticket.order = order
            ticket.parked = p
            heap.push(.ticket(ticket, order), at: t)
            compactIfMostlyVoid()
        } else {
            heap.push(.parked(p), at: t)
        }
        if sooner { cond.signal() }
        cond.unlock()
    }

    /// The lines of these tickets were resumed otherwise: their timers let them go.
    func cancel(_ tickets: [Ticket]) {
        guard !tickets.isEmpty else { return }
        cond.lock()
        for t in tickets where t.parked != nil {
            t.parked = nil
            void += 1
        }
        compactIfMostlyVoid()
        cond.unlock()
    }

    /// Takes the void entries off the heap once they are most of it: every execution waiting
    /// for a task parks its time limit, minutes away, and is resumed by the answer long before;
    /// the heap grew by an entry and a ticket for every such task until the deadlines came.
    /// (Lock held.)
    private func compactIfMostlyVoid() {
        guard void > 4096, void * 2 > heap.count else { return }
        heap.removeAll { Self.isVoid($0) }
        void = 0
    }

    /// How many entries the heap holds (void ones too), for tests.
    var count: Int {
        cond.lock()
        defer { cond.unlock() }
        return heap.count
    }

    private static func isVoid(_ e: Entry) -> Bool {
        guard case .ticket(let t, let order) = e else { return false }
        return t.order != order || t.parked == nil
    }

    func shutdown() {
        cond.lock(); closed = true; cond.signal(); cond.unlock()
    }

    /// Loops until shutdown, calling `deliver` with every batch of due executions.
    func run(deliver: ([BatchRunner.Parked]) -> Void) {
        cond.lock()
        while !closed {
            // A deadline is a wall-clock millisecond counted from a `now` read truncated to
            // one, so the wait began somewhere in the millisecond before: a deadline is due
            // halfway through its millisecond, which ends waits on time on average. (At its
            // start a simulated 20 ms task took 19.5 ms on average, at its end 20.5 ms.)
            let now = Self.latestDue(atMicroseconds: wallClockMicroseconds())
            var due: [BatchRunner.Parked] = []
            // A timer only resumes an execution nobody else resumed (a task may have completed).
            while let e = heap.popDue(now) {
                switch e {
                case .parked(let p): if p.claim() { due.append(p) }
                case .ticket(let t, let order):
                    guard t.order == order, let p = t.parked else {
                        void = max(0, void - 1)
                        break
                    }
                    t.parked = nil
                    if p.claim() { due.append(p) }
                }
                if due.count == 256 { break }
            }
            if !due.isEmpty {
                cond.unlock(); deliver(due); cond.lock()
                continue
            }
            if let next = heap.earliest {
                _ = cond.wait(until: Date(timeIntervalSince1970: Double(Self.dueMicroseconds(next)) / 1e6))
            } else {
                cond.wait()
            }
        }
        cond.unlock()
    }
}

/// Microseconds since the epoch (`wallClockMilliseconds`, finer).
func wallClockMicroseconds() -> Int64 {
    var ts = timespec()
    clock_gettime(CLOCK_REALTIME, &ts)
    return Int64(ts.tv_sec) * 1_000_000 + Int64(ts.tv_nsec) / 1000
}

/// Names the calling thread (as `top -H`, `perf` and debuggers show it; Linux keeps 15
/// bytes). Through /proc: Swift's Glibc module does not export pthread_setname_np.
func nameThread(_ name: String) {
    #if os(Linux)
    let fd = open("/proc/thread-self/comm", O_WRONLY)
    guard fd >= 0 else { return }
    _ = Array(name.utf8.prefix(15)).withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
    close(fd)
    #endif
}
