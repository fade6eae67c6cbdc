import CortadoASL
#if canImport(Glibc)
import Glibc
#endif

/// Where an execution's time comes from.
public enum ClockMode: String, Sendable, CaseIterable {
    /// Wall-clock time; waits really wait (by parking, never by blocking a worker).
    case real
    /// Time jumps to the next timer when nothing is runnable: a 24-hour Wait finishes at once.
    case virtual
}

/// The instant `seconds` after `ms` (epoch milliseconds). A time limit, timeout or wait may
/// be any integer a flag or an input gives; one beyond 2^40 seconds (some 35,000 years, past
/// any execution's life) counts as that, so the clock never overflows.
@inline(__always) public func instant(_ ms: Int64, plusSeconds seconds: Int) -> Int64 {
    ms + Int64(min(max(seconds, 0), 1 << 40)) * 1000
}

/// Current wall-clock time in milliseconds since the epoch.
@inline(__always) public func wallClockMilliseconds() -> Int64 { Timestamp.nowMilliseconds() }

/// A min-heap of timers, keyed by deadline then insertion order (stable for equal deadlines).
public struct TimerHeap<Element> {
    private var items: [(deadline: Int64, seq: UInt64, element: Element)] = []
    private var seq: UInt64 = 0

    public init() {}

    public var isEmpty: Bool { items.isEmpty }
    public var count: Int { items.count }
    public var earliest: Int64? { items.first?.deadline }

    public mutating func push(_ e: Element, at deadline: Int64) {
        seq &+= 1
        items.append((deadline, seq, e))
        var i = items.count - 1
        while i > 0 {
            let p = (i - 1) / 2
            guard less(i, p) else { break }
            items.swapAt(i, p); i = p
        }
    }

    /// Removes and returns the earliest element if its deadline is at or before `now`.
    public mutating func popDue(_ now: Int64) -> Element? {
        guard let first = items.first, first.deadline <= now else { return nil }
        let last = items.removeLast()
        if !items.isEmpty {
            items[0] = last
            var i = 0
            while true {
                let l = 2 * i + 1, r = l + 1
                var m = i
                if l < items.count, less(l, m) { m = l }
                if r < items.count, less(r, m) { m = r }
                if m == i { break }
                items.swapAt(i, m); i = m
            }
        }
        return first.element
    }

    private func less(_ a: Int, _ b: Int) -> Bool {
        (items[a].deadline, items[a].seq) < (items[b].deadline, items[b].seq)
    }
}

/// A one-thread host's wait: sleeps until woken or a wall-clock deadline.
final class WakeSignal: ExecutionWaker, @unchecked Sendable {
    private var mutex = pthread_mutex_t()
    private var cond = pthread_cond_t()
    private var woken = false

    init() {
        pthread_mutex_init(&mutex, nil)
        pthread_cond_init(&cond, nil)
    }

    deinit {
        pthread_cond_destroy(&cond)
        pthread_mutex_destroy(&mutex)
    }

    func wake(_ execution: Execution) {
        pthread_mutex_lock(&mutex)
        woken = true
        pthread_cond_signal(&cond)
        pthread_mutex_unlock(&mutex)
    }

    /// Waits for `wake` or until the epoch-millisecond deadline (nil: no deadline).
    func wait(untilMilliseconds deadline: Int64?) {
        pthread_mutex_lock(&mutex)
        while !woken {
            if let deadline {
                let ms = deadline - wallClockMilliseconds()
                if ms <= 0 { break }
                var ts = timespec()
                clock_gettime(CLOCK_REALTIME, &ts)
                let total = Int64(ts.tv_nsec) + (ms % 1000) * 1_000_000
                ts.tv_sec += Int(ms / 1000) + Int(total / 1_000_000_000)
                ts.tv_nsec = Int(total % 1_000_000_000)
                pthread_cond_timedwait(&cond, &mutex, &ts)
            } else {
                pthread_cond_wait(&cond, &mutex)
            }
        }
        woken = false
        pthread_mutex_unlock(&mutex)
    }
}
