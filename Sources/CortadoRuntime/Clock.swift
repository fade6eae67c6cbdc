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

/// Current wall-clock time in milliseconds since the epoch.
public func wallClockMilliseconds() -> Int64 {
    var ts = timespec()
    clock_gettime(CLOCK_REALTIME, &ts)
    return Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec) / 1_000_000
}

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
