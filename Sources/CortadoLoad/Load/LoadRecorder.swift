import CortadoRuntime
import Histogram
import Synchronization

/// How one execution of a load test ended, as a target that reports executions one by one
/// (a remote endpoint) sees it; the in-process target reports per worker (`LoadTally`),
/// per-state figures included.
public struct LoadOutcome: Sendable {
    public var status: ExecutionStatus
    /// The error name of a failed or timed-out execution.
    public var error: String?

    public init(status: ExecutionStatus, error: String? = nil) {
        self.status = status; self.error = error
    }
}

/// Percentiles in milliseconds.
public struct LatencySummary: Sendable, Equatable {
    public var p50 = 0.0, p90 = 0.0, p99 = 0.0, p99_9 = 0.0, max = 0.0, mean = 0.0
    public var count = 0
}

/// One interval of a load test (default one second): what the progress line and the
/// metrics lines show, and a point of the report's charts.
public struct LoadInterval: Sendable {
    public var elapsed = 0.0
    public var targetRate = 0.0
    /// Executions started and completed per second in this interval.
    public var startRate = 0.0, completionRate = 0.0
    public var started = 0, completed = 0, errors = 0
    public var inFlight = 0, queued = 0
    /// Latency of the executions completed in this interval.
    public var latency = LatencySummary()
}

/// Collects a load test's measurements from the threads executions finish on: latency from
/// the scheduled start (whole run and per interval), time spent queued behind
/// `--max-concurrency`, outcomes, errors by name and per-state time.
public final class LoadRecorder: @unchecked Sendable {
    static let highest: UInt64 = 3_600_000_000_000  // one hour, in ns

    struct State {
        var total = Histogram<UInt64>(lowestDiscernibleValue: 1000, highestTrackableValue: LoadRecorder.highest, numberOfSignificantValueDigits: .three)
        var interval = Histogram<UInt64>(lowestDiscernibleValue: 1000, highestTrackableValue: LoadRecorder.highest, numberOfSignificantValueDigits: .three)
        var queueWait = Histogram<UInt64>(lowestDiscernibleValue: 1000, highestTrackableValue: LoadRecorder.highest, numberOfSignificantValueDigits: .three)
        var totalMax: UInt64 = 0, intervalMax: UInt64 = 0
        var succeeded = 0, failed = 0, timedOut = 0
        var intervalCompleted = 0, intervalErrors = 0
        var errorsByName: [String: Int] = [:]
        var entered: [Int]
        var nanos: [UInt64]
        /// Per distinct state name (`slotOfPC`), each visit's time.
        var visitTimes: [Histogram<UInt64>?]
        var visitMax: [UInt64]
        var queued = 0
    }

    /// Distinct state names in first-pc order, and each pc's slot among them.
    let distinctNames: [String]
    let slotOfPC: [Int]

    let state: Mutex<State>
    public let stateNames: [String]

    /// - Parameter stateNames: the program's state names by pc (empty for a remote target).
    public init(stateNames: [String]) {
        self.stateNames = stateNames
        var order: [String] = [], slot: [String: Int] = [:], slotOfPC: [Int] = []
        for name in stateNames {
            if slot[name] == nil { slot[name] = order.count; order.append(name) }
            slotOfPC.append(slot[name]!)
        }
        distinctNames = order
        self.slotOfPC = slotOfPC
        state = Mutex(State(entered: Array(repeating: 0, count: stateNames.count),
                            nanos: Array(repeating: 0, count: stateNames.count),
                            visitTimes: Array(repeating: nil, count: order.count), visitMax: Array(repeating: 0, count: order.count)))
    }

    /// Records one finished execution; `latencyNanos` runs from its scheduled start.
    public func record(_ o: LoadOutcome, latencyNanos: UInt64) {
        state.withLock { s in Self.add(latencyNanos, o.status, o.error, to: &s) }
    }

    /// Records what one worker finished since its last flush, then empties `t`.
    func record(_ t: LoadTally) {
        state.withLock { s in
            for k in t.latencies.indices { Self.add(t.latencies[k], t.statuses[k], t.errors[k], to: &s) }
            for pc in 0..<min(t.entered.count, s.entered.count) { s.entered[pc] += t.entered[pc] }
            for pc in 0..<min(t.nanos.count, s.nanos.count) { s.nanos[pc] &+= t.nanos[pc] }
            addVisits(t.visits, to: &s)
        }
        t.reset()
    }

    /// Records how long executions waited behind `--max-concurrency` before they started.
    func recordQueued(_ waits: [UInt64]) {
        guard !waits.isEmpty else { return }
        state.withLock { s in
            for q in waits { s.queueWait.record(min(max(q, 1000), Self.highest)) }
            s.queued += waits.count
        }
    }

    private static func add(_ latencyNanos: UInt64, _ status: ExecutionStatus, _ error: String?, to s: inout State) {
        let v = min(max(latencyNanos, 1000), Self.highest)
        s.total.record(v)
        s.interval.record(v)
        if latencyNanos > s.totalMax { s.totalMax = latencyNanos }
        if latencyNanos > s.intervalMax { s.intervalMax = latencyNanos }
        s.intervalCompleted += 1
        switch status {
        case .succeeded: s.succeeded += 1
        case .timedOut: s.timedOut += 1
        default: s.failed += 1
        }
        if status != .succeeded {
            s.intervalErrors += 1
            s.errorsByName[error ?? (status == .timedOut ? "States.Timeout" : "(none)"), default: 0] += 1
        }
    }

    private func addVisits(_ visits: [(pc: Int32, nanos: UInt64)], to s: inout State) {
        for v in visits where Int(v.pc) < slotOfPC.count {
            let k = slotOfPC[Int(v.pc)]
            if s.visitTimes[k] == nil {
                s.visitTimes[k] = Histogram<UInt64>(lowestDiscernibleValue: 1000, highestTrackableValue: Self.highest, numberOfSignificantValueDigits: .three)
            }
            s.visitTimes[k]!.record(min(max(v.nanos, 1000), Self.highest))
            if v.nanos > s.visitMax[k] { s.visitMax[k] = v.nanos }
        }
    }

    /// This interval's completions, errors and latency; starts the next interval.
    func takeInterval() -> (completed: Int, errors: Int, latency: LatencySummary) {
        state.withLock { s in
            let l = Self.summary(s.interval, max: s.intervalMax)
            let r = (s.intervalCompleted, s.intervalErrors, l)
            s.interval.reset()
            s.intervalMax = 0
            s.intervalCompleted = 0
            s.intervalErrors = 0
            return r
        }
    }

    struct Totals {
        var succeeded = 0, failed = 0, timedOut = 0
        var latency = LatencySummary(), queueWait = LatencySummary()
        var queued = 0
        var errorsByName: [String: Int] = [:]
        /// By distinct state name, in first-pc order, with the percentiles of one visit's time.
        var states: [(name: String, entered: Int, totalMs: Double, visit: LatencySummary)] = []
        /// The latency histogram in buckets (upper bound in ms, count), for the report's chart.
        var buckets: [(upperMs: Double, count: Int)] = []
    }

    func totals() -> Totals {
        state.withLock { s in
            var t = Totals()
            t.succeeded = s.succeeded; t.failed = s.failed; t.timedOut = s.timedOut
            t.latency = Self.summary(s.total, max: s.totalMax)
            t.queued = s.queued
            if s.queued > 0 { t.queueWait = Self.summary(s.queueWait, max: s.queueWait.max) }
            t.errorsByName = s.errorsByName
            var entered = Array(repeating: 0, count: distinctNames.count), nanos = Array(repeating: UInt64(0), count: distinctNames.count)
            for pc in stateNames.indices {
                entered[slotOfPC[pc]] += s.entered[pc]
                nanos[slotOfPC[pc]] &+= s.nanos[pc]
            }
            t.states = distinctNames.indices.map { k in
                (distinctNames[k], entered[k], Double(nanos[k]) / 1e6,
                 s.visitTimes[k].map { Self.summary($0, max: s.visitMax[k]) } ?? LatencySummary())
            }
            t.buckets = Self.buckets(s.total)
            return t
        }
    }

    static func summary(_ h: Histogram<UInt64>, max: UInt64) -> LatencySummary {
        guard h.totalCount > 0 else { return LatencySummary() }
        func ms(_ p: Double) -> Double { Double(h.valueAtPercentile(p)) / 1e6 }
        return LatencySummary(p50: ms(50), p90: ms(90), p99: ms(99), p99_9: ms(99.9), max: Double(max) / 1e6,
                              mean: h.mean / 1e6, count: Int(h.totalCount))
    }

    /// Counts in logarithmic buckets (four per power of two) from the smallest to the largest latency.
    static func buckets(_ h: Histogram<UInt64>) -> [(upperMs: Double, count: Int)] {
        guard h.totalCount > 0 else { return [] }
        let lo = max(Double(h.min), 1000), hi = max(Double(h.max), lo * 1.01)
        var bounds: [Double] = []
        var b = lo
        while b < hi * 1.19 { b *= 1.189_207_115; bounds.append(b) }  // 2^(1/4)
        var counts = Array(repeating: 0, count: bounds.count)
        for bar in h.recordedValues() {
            let v = Double(bar.value)
            let k = bounds.firstIndex { v <= $0 } ?? (bounds.count - 1)
            counts[k] += Int(bar.count)
        }
        return bounds.indices.map { (bounds[$0] / 1e6, counts[$0]) }
    }
}

/// What one worker of the in-process target finished since it last handed its figures to
/// the recorder (it is the worker's alone: no lock per execution).
final class LoadTally {
    var latencies: [UInt64] = []
    var statuses: [ExecutionStatus] = []
    var errors: [String?] = []
    var entered: [Int]
    var nanos: [UInt64]
    var visits: [(pc: Int32, nanos: UInt64)] = []

    init(stateCount: Int) {
        entered = Array(repeating: 0, count: stateCount)
        nanos = Array(repeating: 0, count: stateCount)
    }

    var count: Int { latencies.count }

    func reset() {
        latencies.removeAll(keepingCapacity: true)
        statuses.removeAll(keepingCapacity: true)
        errors.removeAll(keepingCapacity: true)
        for i in entered.indices { entered[i] = 0; nanos[i] = 0 }
        visits.removeAll(keepingCapacity: true)
    }
}
