/// When each execution of a load test is due, open loop: the schedule is fixed before the
/// run, so a stall of the engine (or of the machine) delays starts but never thins them out,
/// and every latency is measured from the execution's scheduled start (no coordinated
/// omission, as in wrk2 and k6's arrival-rate executors).
///
/// A schedule is a list of stages; each runs for its duration and moves the arrival rate
/// linearly from where the previous stage ended (the first from `startRate`) to its target.
/// A constant rate is one stage whose start and target are equal.
public struct ArrivalSchedule: Sendable, Equatable {
    public struct Stage: Sendable, Equatable {
        public var seconds: Double
        /// Executions per second at the end of the stage.
        public var rate: Double
        public init(seconds: Double, rate: Double) { self.seconds = seconds; self.rate = rate }
    }

    public let stages: [Stage]
    public let startRate: Double
    /// Per stage: its start time, start rate and the arrivals scheduled before it.
    private let starts: [(time: Double, rate: Double, arrivals: Double)]

    /// - Parameter startRate: the rate the first stage ramps from; nil starts at its target
    ///   (so `--stage 30s:1000/s` alone is a constant 1,000/s).
    public init(stages: [Stage], startRate: Double? = nil) {
        self.stages = stages
        self.startRate = startRate ?? stages.first?.rate ?? 0
        var t = 0.0, r = self.startRate, n = 0.0
        var starts: [(time: Double, rate: Double, arrivals: Double)] = []
        for s in stages {
            starts.append((t, r, n))
            n += (r + s.rate) / 2 * s.seconds
            t += s.seconds
            r = s.rate
        }
        self.starts = starts
    }

    public static func constant(rate: Double, seconds: Double) -> ArrivalSchedule {
        ArrivalSchedule(stages: [Stage(seconds: seconds, rate: rate)])
    }

    public static func == (a: ArrivalSchedule, b: ArrivalSchedule) -> Bool {
        a.stages == b.stages && a.startRate == b.startRate
    }

    /// The schedule's length in seconds.
    public var duration: Double { stages.reduce(0) { $0 + $1.seconds } }

    /// Arrivals the schedule holds in all.
    public var totalArrivals: Int {
        guard let last = starts.last, let s = stages.last else { return 0 }
        return Int((last.arrivals + (last.rate + s.rate) / 2 * s.seconds).rounded(.down))
    }

    /// The target rate at `t` seconds into the run.
    public func rate(at t: Double) -> Double {
        for (k, s) in stages.enumerated() where t < starts[k].time + s.seconds {
            let tau = t - starts[k].time
            return starts[k].rate + (s.rate - starts[k].rate) * tau / max(s.seconds, 1e-12)
        }
        return stages.last?.rate ?? 0
    }

    /// Seconds from the start at which arrival `i` (0-based) is due; nil past the schedule.
    /// Within a stage the arrivals so far are `r0·τ + (r1 − r0)·τ²/(2D)`; this solves that
    /// for τ, so every arrival has an exact time and the count never drifts.
    public func time(ofArrival i: Int) -> Double? {
        let n = Double(i)
        for (k, s) in stages.enumerated() {
            let r0 = starts[k].rate, r1 = s.rate, d = s.seconds
            let inStage = (r0 + r1) / 2 * d
            let m = n - starts[k].arrivals
            guard m < inStage else { continue }
            let a = (r1 - r0) / (2 * max(d, 1e-12)), b = r0
            let tau: Double
            if abs(a) < 1e-12 {
                tau = b > 0 ? m / b : 0
            } else {
                let disc = max(0, b * b + 4 * a * m)
                tau = (-b + disc.squareRoot()) / (2 * a)
            }
            return starts[k].time + min(max(tau, 0), d)
        }
        return nil
    }

    // MARK: - Parsing

    /// `30s:1000/s`, `2m:50/s`, `1h:10` (a rate without a unit is per second; `/m` per minute).
    public static func parseStage(_ text: String) -> Stage? {
        let parts = text.split(separator: ":", maxSplits: 1).map(String.init)
        guard parts.count == 2, let seconds = parseDuration(parts[0]), seconds > 0, let rate = parseRate(parts[1]) else { return nil }
        return Stage(seconds: seconds, rate: rate)
    }

    /// `1000/s`, `60/m`, `3600/h` or `1000`, in executions per second.
    public static func parseRate(_ text: String) -> Double? {
        var t = Substring(text), scale = 1.0
        for (suffix, div) in [("/s", 1.0), ("/m", 60.0), ("/h", 3600.0)] where t.hasSuffix(suffix) {
            t = t.dropLast(suffix.count)
            scale = 1 / div
        }
        guard let n = Double(t), n >= 0, n.isFinite else { return nil }
        return n * scale
    }

    /// `500ms`, `30s`, `2m`, `1h`, or a plain number of seconds.
    public static func parseDuration(_ text: String) -> Double? {
        for (suffix, scale) in [("ms", 0.001), ("s", 1.0), ("m", 60.0), ("h", 3600.0)] where text.hasSuffix(suffix) {
            guard let n = Double(text.dropLast(suffix.count)), n >= 0, n.isFinite else { return nil }
            return n * scale
        }
        guard let n = Double(text), n >= 0, n.isFinite else { return nil }
        return n
    }
}
