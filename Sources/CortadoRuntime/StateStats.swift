#if canImport(Glibc)
import Glibc
#endif

/// Per-state entry counts and time, indexed by pc. One instance per worker thread
/// (not thread-safe); the metrics layer merges them.
public final class StateStats {
    public let count: Int
    /// Times each state was entered. (Raw storage: updated for every state of every line,
    /// where an array's copy-on-write check cost a call per update.)
    public let enteredCounts: UnsafeMutablePointer<Int>
    /// Nanoseconds spent in each state (entry to exit, parked time included).
    public let nanosSpent: UnsafeMutablePointer<UInt64>

    /// Whether each visit is kept in `visits` too (per-state percentiles of a load test).
    public let recordsVisits: Bool
    /// Every visit's state and time, when `recordsVisits`.
    public var visits: [(pc: Int32, nanos: UInt64)] = []

    public init(stateCount: Int, recordsVisits: Bool = false) {
        count = stateCount
        self.recordsVisits = recordsVisits
        enteredCounts = .allocate(capacity: max(stateCount, 1))
        enteredCounts.initialize(repeating: 0, count: max(stateCount, 1))
        nanosSpent = .allocate(capacity: max(stateCount, 1))
        nanosSpent.initialize(repeating: 0, count: max(stateCount, 1))
    }

    deinit {
        enteredCounts.deallocate()
        nanosSpent.deallocate()
    }

    /// The entry counts as an array (reading and setting them whole: reports and tests).
    public var entered: [Int] {
        get { Array(UnsafeBufferPointer(start: enteredCounts, count: count)) }
        set { for i in 0..<min(count, newValue.count) { enteredCounts[i] = newValue[i] } }
    }

    /// The times as an array (reports and tests).
    public var nanos: [UInt64] {
        get { Array(UnsafeBufferPointer(start: nanosSpent, count: count)) }
        set { for i in 0..<min(count, newValue.count) { nanosSpent[i] = newValue[i] } }
    }

    /// Zeroes every count and time.
    public func reset() {
        enteredCounts.update(repeating: 0, count: count)
        nanosSpent.update(repeating: 0, count: count)
    }
}

/// Monotonic nanoseconds (for durations, never for timestamps).
public func monotonicNanoseconds() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
}
