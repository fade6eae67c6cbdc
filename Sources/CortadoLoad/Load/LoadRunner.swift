import CortadoASL
import CortadoJSON
import CortadoRuntime
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Where a load test's executions run: the in-process engine, or a remote `states` endpoint.
public protocol LoadTarget: Sendable {
    /// Starts one execution; `done` is called once, on any thread, when it ends.
    func start(input: JSON, name: String, done: @escaping @Sendable (LoadOutcome) -> Void)
}

/// The engine in this process: executions advance on Dispatch's pool (`ExecutionHost`), and
/// those that wait (Wait states, simulated or real task latency, retry back-off) park and
/// hold no thread.
public final class InProcessTarget: LoadTarget, @unchecked Sendable {
    let program: Program
    let base: ExecutionOptions
    var host: ExecutionHost!

    /// Carries an execution's `done` through the host (`Execution.hostData`).
    final class Done {
        let call: @Sendable (LoadOutcome) -> Void
        init(_ c: @escaping @Sendable (LoadOutcome) -> Void) { call = c }
    }

    /// - Parameter options: every execution's options (backend, clock, time limit); its
    ///   execution name is replaced per execution.
    public init(program: Program, options: ExecutionOptions) {
        self.program = program
        self.base = options
        host = ExecutionHost { e, r in
            guard let done = e.hostData as? Done else { return }
            let stats = e.stateStats
            done.call(LoadOutcome(status: r.status, error: r.error?.name?.rawValue,
                                  stateEntered: stats?.entered, stateNanos: stats?.nanos, visits: stats?.visits ?? []))
        }
    }

    public func start(input: JSON, name: String, done: @escaping @Sendable (LoadOutcome) -> Void) {
        var o = base
        o.executionName = name
        let e = Execution(program: program, input: input, options: o)
        e.stateStats = StateStats(stateCount: program.headers.count, recordsVisits: true)
        e.hostData = Done(done)
        host.start(e)
    }
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
        var backlog: [(index: Int, due: UInt64)] = []
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
        while !stopRequested.load(ordering: .relaxed) {
            if let c = config.count, i >= c { break }
            guard let due = config.schedule.time(ofArrival: i) else { break }
            let dueNanos = t0 + UInt64(due * 1e9)
            var now = monotonicNanoseconds()
            while dueNanos > now + 50_000 {
                if now >= nextTick { tick(now); continue }
                Self.sleep(nanos: min(dueNanos, nextTick) - now)
                now = monotonicNanoseconds()
                if stopRequested.load(ordering: .relaxed) { break }
            }
            if stopRequested.load(ordering: .relaxed) { break }
            if now >= nextTick { tick(now) }
            issue(i, due: dueNanos)
            i += 1
        }
        scheduleEnd = monotonicNanoseconds()
        // Drain: wait for what is in flight or queued, still reporting intervals.
        while flow.withLock({ $0.inFlight + ($0.backlog.count - $0.backlogHead) }) > 0 {
            let now = monotonicNanoseconds()
            if now >= nextTick { tick(now); continue }
            Self.sleep(nanos: min(nextTick - now, 5_000_000))
        }
        let end = monotonicNanoseconds()
        let last = interval(elapsed: Double(end - t0) / 1e9, seconds: Double(end - (nextTick - intervalNanos)) / 1e9)
        if last.started + last.completed > 0 { series.append(last); onInterval(last) }
        let scheduled = Double(scheduleEnd - t0) / 1e9
        return LoadReport(config: config, issued: i, scheduleSeconds: scheduled, totalSeconds: Double(end - t0) / 1e9,
                          series: series, totals: recorder.totals())
    }

    /// Starts execution `index` now, or queues it behind the concurrency cap.
    func issue(_ index: Int, due: UInt64) {
        let go = flow.withLock { f -> Bool in
            if let cap = config.maxConcurrency, f.inFlight >= cap {
                f.backlog.append((index, due))
                return false
            }
            f.inFlight += 1
            f.started += 1
            f.intervalStarted += 1
            return true
        }
        if go { launch(index, due: due, queued: false) }
    }

    func launch(_ index: Int, due: UInt64, queued: Bool) {
        let startNanos = queued ? monotonicNanoseconds() : 0
        target.start(input: inputs.input(index), name: "load-\(index)") { [self] outcome in
            let now = monotonicNanoseconds()
            recorder.record(outcome, latencyNanos: now > due ? now - due : 0,
                            queuedNanos: queued ? (startNanos > due ? startNanos - due : 0) : nil)
            let next = flow.withLock { f -> (Int, UInt64)? in
                if f.backlogHead < f.backlog.count {
                    let n = f.backlog[f.backlogHead]
                    f.backlogHead += 1
                    if f.backlogHead > 4096, f.backlogHead * 2 > f.backlog.count {
                        f.backlog.removeFirst(f.backlogHead)
                        f.backlogHead = 0
                    }
                    f.started += 1
                    f.intervalStarted += 1
                    return (n.index, n.due)
                }
                f.inFlight -= 1
                return nil
            }
            if let (i, d) = next { launch(i, due: d, queued: true) }
        }
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
