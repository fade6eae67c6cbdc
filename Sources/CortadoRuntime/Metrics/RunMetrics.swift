import CortadoASL
import Histogram
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The latency histogram layout shared by workers and totals (`Histogram.add` needs equal layouts):
/// nanoseconds, 64 ns resolution below ~131 µs and 3 significant digits above, up to 24 hours.
/// Longer latencies are clamped into the top bucket; the exact maximum is tracked separately.
enum LatencyHistogram {
    static let highest: UInt64 = 86_400 * 1_000_000_000
    static func make() -> Histogram<UInt64> {
        Histogram<UInt64>(lowestDiscernibleValue: 100, highestTrackableValue: highest, numberOfSignificantValueDigits: .three)
    }
}

/// One per worker thread; not thread-safe. The worker records into it, then hands it to
/// `RunMetrics.absorb` after each batch, which merges and resets it.
///
/// Latencies go into a preallocated buffer, so `record` never allocates and `absorb` costs
/// O(executions since the last absorb), not O(histogram size). Only when more than
/// `bufferCapacity` executions are recorded between two absorbs does the overflow spill into a
/// worker-local histogram (still without allocating).
public final class WorkerMetrics {
    /// Per-state counts and time, indexed by pc; the execution fills it.
    public let stateStats: StateStats
    public private(set) var succeeded = 0
    public private(set) var failed = 0
    public private(set) var timedOut = 0
    /// Executions that ran on the batch runner's tape lane, and the times one parked there.
    public var laneExecutions = 0
    public var laneParks = 0

    static let bufferCapacity = 2048
    var latencies: [UInt64]
    var latencyCount = 0
    var maxNanos: UInt64 = 0
    var overflow: Histogram<UInt64>
    var overflowUsed = false

    /// - Parameter recordsVisits: keep every state visit's time too (`StateStats.visits`).
    public init(stateCount: Int, recordsVisits: Bool = false) {
        stateStats = StateStats(stateCount: stateCount, recordsVisits: recordsVisits)
        latencies = Array(repeating: 0, count: Self.bufferCapacity)
        overflow = LatencyHistogram.make()
    }

    /// Executions recorded since the last absorb.
    public var completed: Int { succeeded + failed + timedOut }

    /// Records one finished execution. Allocation-free.
    @inline(__always)
    public func record(status: ExecutionStatus, latencyNanos: UInt64) {
        switch status {
        case .succeeded: succeeded += 1
        case .failed, .aborted: failed += 1
        case .timedOut: timedOut += 1
        }
        if latencyNanos > maxNanos { maxNanos = latencyNanos }
        if latencyCount == latencies.count { spill() }
        latencies[latencyCount] = latencyNanos
        latencyCount += 1
    }

    @inline(never)
    func spill() {
        for i in 0..<latencyCount {
            overflow.record(min(latencies[i], LatencyHistogram.highest))
        }
        latencyCount = 0
        overflowUsed = true
    }

    /// Zeroes everything (state stats included).
    func reset() {
        succeeded = 0; failed = 0; timedOut = 0; laneExecutions = 0; laneParks = 0
        latencyCount = 0; maxNanos = 0
        if overflowUsed { overflow.reset(); overflowUsed = false }
        stateStats.reset()
    }
}

/// Thread-safe totals of a run: workers merge into it once per batch, the reporter snapshots it.
///
/// All counts, latency percentiles and per-state figures are cumulative from the start of the run;
/// only `rate` in a metrics line is per interval.
public final class RunMetrics: @unchecked Sendable {
    /// State names indexed by pc.
    public let stateNames: [String]
    /// Distinct state names in order of first pc, and the slot of each pc's name among them.
    let distinctNames: [String]
    let slotOfPC: [Int]
    /// Monotonic nanoseconds at which the run started (elapsed time is measured from it).
    public let startNanos: UInt64

    private let started = Atomic<Int>(0)

    struct Totals {
        var succeeded = 0, failed = 0, timedOut = 0, laneExecutions = 0, laneParks = 0
        /// Why the tape lane takes no execution of this run (nil: it may take them).
        var laneUnused: String?
        var maxNanos: UInt64 = 0
        var histogram = LatencyHistogram.make()
        /// Per pc (plain arrays, not a StateStats: the locked value must not share a region with workers).
        var entered: [Int]
        var nanos: [UInt64]
    }
    private let totals: Mutex<Totals>

    /// - Parameters:
    ///   - stateNames: `program.headers[pc].name` for every pc; several pcs may share a name
    ///     (states in different branches) and are reported together.
    ///   - startNanos: start of the run on the `monotonicNanoseconds()` clock (injectable for tests).
    public init(stateNames: [String], startNanos: UInt64 = monotonicNanoseconds()) {
        self.stateNames = stateNames
        self.startNanos = startNanos
        var slots: [String: Int] = [:]
        var names: [String] = []
        var slotOfPC: [Int] = []
        slotOfPC.reserveCapacity(stateNames.count)
        for n in stateNames {
            if let s = slots[n] { slotOfPC.append(s); continue }
            slots[n] = names.count
            slotOfPC.append(names.count)
            names.append(n)
        }
        self.distinctNames = names
        self.slotOfPC = slotOfPC
        totals = Mutex(Totals(entered: Array(repeating: 0, count: stateNames.count),
                              nanos: Array(repeating: 0, count: stateNames.count)))
    }

    /// Totals for `program`'s states.
    public convenience init(program: Program, startNanos: UInt64 = monotonicNanoseconds()) {
        self.init(stateNames: program.headers.map(\.name), startNanos: startNanos)
    }

    /// Records why the tape lane takes none of this run's executions (`MetricsSnapshot.laneUnused`).
    public func laneUnused(because reason: String) {
        totals.withLock { $0.laneUnused = reason }
    }

    /// Counts executions handed to workers (lock-free).
    public func addStarted(_ n: Int) {
        started.wrappingAdd(n, ordering: .relaxed)
    }

    /// Merges `w`'s counts, latencies and state stats into the totals, then resets `w`.
    /// Call it from the thread that owns `w`, once per batch, and once more before the final summary.
    public func absorb(_ w: WorkerMetrics) {
        totals.withLock { t in
            t.succeeded += w.succeeded
            t.failed += w.failed
            t.timedOut += w.timedOut
            t.laneExecutions += w.laneExecutions
            t.laneParks += w.laneParks
            if w.maxNanos > t.maxNanos { t.maxNanos = w.maxNanos }
            if w.overflowUsed { t.histogram.add(w.overflow) }
            for i in 0..<w.latencyCount {
                t.histogram.record(min(w.latencies[i], LatencyHistogram.highest))
            }
            let ws = w.stateStats
            for pc in 0..<min(t.entered.count, ws.count) {
                t.entered[pc] += ws.enteredCounts[pc]
                t.nanos[pc] &+= ws.nanosSpent[pc]
            }
        }
        w.reset()
    }

    /// The totals so far. `now` is on the `monotonicNanoseconds()` clock (injectable for tests).
    public func snapshot(inFlight: Int, now: UInt64 = monotonicNanoseconds()) -> MetricsSnapshot {
        var s = MetricsSnapshot()
        s.elapsedSeconds = now > startNanos ? Double(now - startNanos) / 1e9 : 0
        s.inFlight = inFlight
        var entered = Array(repeating: 0, count: distinctNames.count)
        var nanos = Array(repeating: UInt64(0), count: distinctNames.count)
        totals.withLock { t in
            // Read under the lock: every absorbed completion's addStarted happened before its absorb.
            s.started = started.load(ordering: .relaxed)
            s.succeeded = t.succeeded
            s.failed = t.failed
            s.timedOut = t.timedOut
            s.laneExecutions = t.laneExecutions
            s.laneParks = t.laneParks
            s.laneUnused = t.laneUnused
            if t.histogram.totalCount > 0 {
                func ms(_ p: Double) -> Double { Double(t.histogram.valueAtPercentile(p)) / 1e6 }
                s.latencyMs = (p50: ms(50), p90: ms(90), p99: ms(99), p999: ms(99.9), max: Double(t.maxNanos) / 1e6)
            }
            for pc in 0..<min(slotOfPC.count, t.entered.count) {
                entered[slotOfPC[pc]] += t.entered[pc]
                nanos[slotOfPC[pc]] &+= t.nanos[pc]
            }
        }
        s.states = distinctNames.indices.map { (name: distinctNames[$0], entered: entered[$0], totalMs: Double(nanos[$0]) / 1e6) }
        return s
    }
}

/// True when `fd` is a terminal: show the progress bar there, plain metrics lines otherwise.
public func isTerminal(_ fd: Int32) -> Bool {
    isatty(fd) == 1
}
