#if canImport(Glibc)
import Glibc
#endif

/// Per-state entry counts and time, indexed by pc. One instance per worker thread
/// (not thread-safe); the metrics layer merges them.
public final class StateStats {
    /// Times each state was entered.
    public var entered: [Int]
    /// Nanoseconds spent in each state (entry to exit, parked time included).
    public var nanos: [UInt64]

    public init(stateCount: Int) {
        entered = Array(repeating: 0, count: stateCount)
        nanos = Array(repeating: 0, count: stateCount)
    }

    /// Adds `other` into this one and zeroes `other`.
    public func absorb(_ other: StateStats) {
        for i in 0..<min(entered.count, other.entered.count) {
            entered[i] += other.entered[i]; other.entered[i] = 0
            nanos[i] &+= other.nanos[i]; other.nanos[i] = 0
        }
    }
}

/// Monotonic nanoseconds (for durations, never for timestamps).
public func monotonicNanoseconds() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
}
