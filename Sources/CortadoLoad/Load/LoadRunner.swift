import CortadoASL
import CortadoJSON
import CortadoRuntime
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// One scheduled execution of a load test: its index (its input and name) and when it was
/// due (monotonic nanoseconds).
public struct LoadArrival: Sendable, Equatable {
    public var index: Int
    public var due: UInt64
    public init(index: Int, due: UInt64) { self.index = index; self.due = due }
}

/// Where a load test's executions run: the in-process engine (`InProcessTarget`), or a
/// remote `states` endpoint.
public protocol LoadTarget: AnyObject, Sendable {
    /// Starts these executions, in order, now. Each one's end reaches `runner` (`ended`),
    /// from any thread, alone or with others; none before this call.
    func start(_ arrivals: ArraySlice<LoadArrival>, inputs: LoadInputs, runner: LoadRunner)
    /// Called once every execution started has ended.
    func finish()
}

extension LoadTarget {
    public func finish() {}
}

/// Runs a load test: issues executions on their scheduled starts (open loop), at most
/// `maxConcurrency` in flight (the rest wait in order, their wait counted in their latency
/// and reported apart), and reports every interval.
public final class LoadRunner: @unchecked Sendable {
    public struct Config: Sendable {
        public var schedule: ArrivalSchedule
        /// Stop after this many executions (else at the end of the schedule).
        public var count: Int?
        public var maxConcurrency: Int?
        /// Seconds between interval reports.
        public var interval: Double = 1
        public init(schedule: ArrivalSchedule) { self.schedule = schedule }
    }

    public let config: Config
    let target: any LoadTarget
    let inputs: LoadInputs
    public let recorder: LoadRecorder

    struct Flow {
        var inFlight = 0
        var backlog: [LoadArrival] = []
        var backlogHead = 0
        var started = 0
        var intervalStarted = 0
    }
    let flow = Mutex(Flow())
    private let stopRequested = Atomic<Bool>(false)

    public init(config: Config, target: any LoadTarget, inputs: LoadInputs, stateNames: [String]) {
        self.config = config
        self.target = target
        self.inputs = inputs
        self.recorder = LoadRecorder(stateNames: stateNames)
    }

    /// Ends the schedule early (Ctrl-C); executions in flight still finish.
    public func stop() { stopRequested.store(true, ordering: .relaxed) }

    /// Runs the schedule on the calling thread, then waits for the executions in flight.
    /// - Parameter onInterval: called on this thread after each interval, and once at the end.
    /// - Returns: the report.
    public func run(onInterval: (LoadInterval) -> Void = { _ in }) -> LoadReport {
        let t0 = monotonicNanoseconds()
        let intervalNanos = UInt64(max(config.interval, 0.05) * 1e9)
        var nextTick = t0 + intervalNanos
        var series: [LoadInterval] = []
        var i = 0
        var scheduleEnd = t0
        func tick(_ now: UInt64) {
            let elapsed = Double(now - t0) / 1e9
            series.append(interval(elapsed: elapsed, seconds: Double(intervalNanos) / 1e9))
            onInterval(series[series.count - 1])
            nextTick += intervalNanos
        }
        // Arrivals already due are issued together (one call of the target for up to
        // `groupLimit`): at high rates the loop wakes every few tens of microseconds and
        // finds dozens due, each measured from its own due time.
        var group: [LoadArrival] = []
        var now = monotonicNanoseconds()
        func flush() {
            guard !group.isEmpty else { return }
            issue(group)
            group.removeAll(keepingCapacity: true)
            now = monotonicNanoseconds()
        }
        while !stopRequested.load(ordering: .relaxed) {
            if let c = config.count, i >= c { break }
            guard let due = config.schedule.time(ofArrival: i) else { break }
            let dueNanos = t0 + UInt64(due * 1e9)
            if dueNanos > now + Self.earlyNanos {
                flush()
                while dueNanos > now + Self.earlyNanos {
                    if now >= nextTick { tick(now); continue }
                    Self.sleep(nanos: min(dueNanos, nextTick) - now)
                    now = monotonicNanoseconds()
                    if stopRequested.load(ordering: .relaxed) { break }
                }
                if stopRequested.load(ordering: .relaxed) { break }
            }
            if now >= nextTick { flush(); tick(now) }
            group.append(LoadArrival(index: i, due: dueNanos))
            i += 1
            if group.count >= Self.groupLimit { flush() }
        }
        flush()
        scheduleEnd = monotonicNanoseconds()
        // Drain: wait for what is in flight or queued, still reporting intervals.
        while flow.withLock({ $0.inFlight + ($0.backlog.count - $0.backlogHead) }) > 0 {
            let now = monotonicNanoseconds()
            if now >= nextTick { tick(now); continue }
            Self.sleep(nanos: min(nextTick - now, 5_000_000))
        }
        target.finish()
        let end = monotonicNanoseconds()
        let last = interval(elapsed: Double(end - t0) / 1e9, seconds: Double(end - (nextTick - intervalNanos)) / 1e9)
        if last.started + last.completed > 0 { series.append(last); onInterval(last) }
        let scheduled = Double(scheduleEnd - t0) / 1e9
        return LoadReport(config: config, issued: i, scheduleSeconds: scheduled, totalSeconds: Double(end - t0) / 1e9,
                          series: series, totals: recorder.totals())
    }

    /// At most this many arrivals go to the target in one call.
    static let groupLimit = 1024
    /// An arrival due within this many nanoseconds is issued rather than slept for (a
    /// sleep shorter than that overshoots).
    static let earlyNanos: UInt64 = 50_000

    /// Starts `arrivals` now, those beyond the concurrency cap queued in order behind it.
    func issue(_ arrivals: [LoadArrival]) {
        let go = flow.withLock { f -> Int in
            var n = arrivals.count
            if let cap = config.maxConcurrency {
                n = f.backlogHead < f.backlog.count ? 0 : min(n, max(0, cap - f.inFlight))
                f.backlog.append(contentsOf: arrivals[n...])
            }
            f.inFlight += n
            f.started += n
            f.intervalStarted += n
            return n
        }
        if go > 0 { target.start(arrivals[..<go], inputs: inputs, runner: self) }
    }

    /// One execution ended (a target that reports them one by one).
    public func ended(_ outcome: LoadOutcome, due: UInt64) {
        let now = monotonicNanoseconds()
        recorder.record(outcome, latencyNanos: now > due ? now - due : 0)
        ended(count: 1)
    }

    /// What a worker of the in-process target finished since its last report.
    func ended(_ tally: LoadTally) {
        let n = tally.count
        recorder.record(tally)
        if n > 0 { ended(count: n) }
    }

    /// `n` executions ended: their places go to the oldest queued arrivals.
    func ended(count n: Int) {
        let next = flow.withLock { f -> [LoadArrival] in
            f.inFlight -= n
            guard let cap = config.maxConcurrency, f.backlogHead < f.backlog.count else { return [] }
            let m = min(f.backlog.count - f.backlogHead, max(0, cap - f.inFlight))
            let out = Array(f.backlog[f.backlogHead..<f.backlogHead + m])
            f.backlogHead += m
            if f.backlogHead > 4096, f.backlogHead * 2 > f.backlog.count {
                f.backlog.removeFirst(f.backlogHead)
                f.backlogHead = 0
            }
            f.inFlight += m
            f.started += m
            f.intervalStarted += m
            return out
        }
        guard !next.isEmpty else { return }
        let now = monotonicNanoseconds()
        recorder.recordQueued(next.map { now > $0.due ? now - $0.due : 0 })
        target.start(next[...], inputs: inputs, runner: self)
    }

    func interval(elapsed: Double, seconds: Double) -> LoadInterval {
        var r = LoadInterval()
        r.elapsed = elapsed
        r.targetRate = config.schedule.rate(at: max(0, elapsed - seconds / 2))
        let (started, inFlight, queued) = flow.withLock { f -> (Int, Int, Int) in
            let s = f.intervalStarted
            f.intervalStarted = 0
            return (s, f.inFlight, f.backlog.count - f.backlogHead)
        }
        let (completed, errors, latency) = recorder.takeInterval()
        r.started = started
        r.completed = completed
        r.errors = errors
        r.inFlight = inFlight
        r.queued = queued
        r.startRate = seconds > 0 ? Double(started) / seconds : 0
        r.completionRate = seconds > 0 ? Double(completed) / seconds : 0
        r.latency = latency
        return r
    }

    static func sleep(nanos: UInt64) {
        var ts = timespec(tv_sec: Int(nanos / 1_000_000_000), tv_nsec: Int(nanos % 1_000_000_000))
        _ = nanosleep(&ts, nil)
    }
}
