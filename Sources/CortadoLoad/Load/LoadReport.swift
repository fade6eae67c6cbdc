import CortadoJSON

/// What a load test measured: totals, latency percentiles from the scheduled starts,
/// per-state time, errors by name, and one point per interval.
public struct LoadReport: Sendable {
    public let config: LoadRunner.Config
    /// Executions issued (started or queued) by the schedule.
    public let issued: Int
    /// Seconds the schedule ran, and until the last execution ended.
    public let scheduleSeconds: Double, totalSeconds: Double
    public let series: [LoadInterval]
    let totals: LoadRecorder.Totals
    /// Threshold verdicts, once checked.
    public var thresholds: [(threshold: Threshold, value: Double, passed: Bool)] = []

    init(config: LoadRunner.Config, issued: Int, scheduleSeconds: Double, totalSeconds: Double,
         series: [LoadInterval], totals: LoadRecorder.Totals) {
        self.config = config; self.issued = issued; self.scheduleSeconds = scheduleSeconds
        self.totalSeconds = totalSeconds; self.series = series; self.totals = totals
    }

    public var executions: Int { totals.succeeded + totals.failed + totals.timedOut }
    public var errors: Int { totals.failed + totals.timedOut }
    public var errorRate: Double { executions > 0 ? Double(errors) / Double(executions) : 0 }
    public var latency: LatencySummary { totals.latency }
    public var queueWait: LatencySummary { totals.queueWait }
    public var errorsByName: [String: Int] { totals.errorsByName }
    public var states: [(name: String, entered: Int, totalMs: Double, visit: LatencySummary)] { totals.states }

    /// Seconds the schedule planned for the executions issued: from the start to the due
    /// time of the next one (the whole schedule when it ran to its end).
    var plannedSeconds: Double { config.schedule.time(ofArrival: issued) ?? config.schedule.duration }

    /// Executions per second the schedule asked for, over the time it ran.
    public var targetRate: Double { plannedSeconds > 0 ? Double(issued) / plannedSeconds : 0 }

    /// Executions started per second: the issued ones over the longer of the planned time and
    /// the time the schedule really took (longer when the engine or the machine fell behind).
    public var achievedRate: Double {
        let d = max(plannedSeconds, scheduleSeconds)
        return d > 0 ? Double(issued) / d : 0
    }

    /// A named measure for a threshold: p50, p90, p99, p99_9, max, mean (ms), error_rate,
    /// errors, executions, achieved_rate, target_rate (per second), queued.
    public func measure(_ name: String) -> Double? {
        switch name {
        case "p50": return latency.p50
        case "p90": return latency.p90
        case "p99": return latency.p99
        case "p99_9", "p99.9": return latency.p99_9
        case "max": return latency.max
        case "mean", "avg": return latency.mean
        case "error_rate": return errorRate
        case "errors": return Double(errors)
        case "executions": return Double(executions)
        case "achieved_rate": return achievedRate
        case "target_rate": return targetRate
        case "queued": return Double(totals.queued)
        default: return nil
        }
    }

    /// Checks each threshold against this report.
    public mutating func check(_ list: [Threshold]) {
        thresholds = list.map { t in
            let v = measure(t.measure) ?? .nan
            return (t, v, t.holds(v))
        }
    }

    public var passed: Bool { thresholds.allSatisfy(\.passed) }

    static func num(_ v: Double) -> JSON {
        guard v.isFinite else { return .null }
        let r = (v * 1000).rounded() / 1000
        return r == r.rounded() && abs(r) < 1e15 ? .number(JSONNumber(Int(r))) : .number(JSONNumber(literal: "\(r)"))
    }

    static func latencyJSON(_ l: LatencySummary) -> JSON {
        .object(JSONObject([("p50", num(l.p50)), ("p90", num(l.p90)), ("p99", num(l.p99)), ("p99_9", num(l.p99_9)),
                            ("max", num(l.max)), ("mean", num(l.mean))].map { (key: $0.0, value: $0.1) }))
    }

    /// The report as JSON: `executions`, `errors`, `error_rate`, `target_rate`, `achieved_rate`,
    /// `latency_ms` (`p50` … `max`, the names of the metrics summary line), `queue_wait_ms`,
    /// `errors_by_name`, `states` (as `cortado run`'s metrics, so `cortado graph --metrics`
    /// reads it), `over_time` and `thresholds`.
    public var json: JSON {
        var o = JSONObject()
        o["type"] = "load_report"
        o["executions"] = .number(JSONNumber(executions))
        o["succeeded"] = .number(JSONNumber(totals.succeeded))
        o["failed"] = .number(JSONNumber(totals.failed))
        o["timed_out"] = .number(JSONNumber(totals.timedOut))
        o["errors"] = .number(JSONNumber(errors))
        o["error_rate"] = Self.num(errorRate)
        o["target_rate"] = Self.num(targetRate)
        o["achieved_rate"] = Self.num(achievedRate)
        o["duration_s"] = Self.num(scheduleSeconds)
        o["total_s"] = Self.num(totalSeconds)
        o["latency_ms"] = Self.latencyJSON(latency)
        if totals.queued > 0 {
            o["queued"] = .number(JSONNumber(totals.queued))
            o["queue_wait_ms"] = Self.latencyJSON(queueWait)
        }
        if let c = config.maxConcurrency { o["max_concurrency"] = .number(JSONNumber(c)) }
        o["errors_by_name"] = .object(JSONObject(errorsByName.sorted { $0.value > $1.value }.map {
            (key: $0.key, value: .number(JSONNumber($0.value))) }))
        o["states"] = .object(JSONObject(states.map { s in
            (key: s.name, value: .object(JSONObject([
                (key: "entered", value: .number(JSONNumber(s.entered))), (key: "total_ms", value: Self.num(s.totalMs)),
                (key: "avg_ms", value: Self.num(s.entered > 0 ? s.totalMs / Double(s.entered) : 0)),
                (key: "p50_ms", value: Self.num(s.visit.p50)), (key: "p90_ms", value: Self.num(s.visit.p90)),
                (key: "p99_ms", value: Self.num(s.visit.p99)), (key: "max_ms", value: Self.num(s.visit.max)),
            ])))
        }))
        o["over_time"] = .array(series.map { p in
            .object(JSONObject([
                ("t", Self.num(p.elapsed)), ("target_rate", Self.num(p.targetRate)), ("start_rate", Self.num(p.startRate)),
                ("completion_rate", Self.num(p.completionRate)), ("in_flight", .number(JSONNumber(p.inFlight))),
                ("queued", .number(JSONNumber(p.queued))), ("errors", .number(JSONNumber(p.errors))),
                ("latency_ms", Self.latencyJSON(p.latency)),
            ].map { (key: $0.0, value: $0.1) }))
        })
        o["latency_histogram_ms"] = .array(totals.buckets.map { b in
            .object(JSONObject([(key: "le", value: Self.num(b.upperMs)), (key: "count", value: .number(JSONNumber(b.count)))]))
        })
        o["thresholds"] = .array(thresholds.map { t in
            .object(JSONObject([(key: "threshold", value: .string(t.threshold.text)), (key: "value", value: Self.num(t.value)),
                                (key: "passed", value: .bool(t.passed))]))
        })
        return .object(o)
    }
}

/// A pass/fail condition on a report, as k6 writes them: `p99<50ms`, `error_rate<0.01`,
/// `achieved_rate>=900`. Latencies take `ms`, `s` or `us`; without a unit, milliseconds.
public struct Threshold: Sendable, Equatable {
    public enum Op: String, Sendable { case lt = "<", le = "<=", gt = ">", ge = ">=", eq = "==" }
    public let text: String
    public let measure: String
    public let op: Op
    /// In the measure's unit (milliseconds for latencies).
    public let value: Double

    static let latencyMeasures: Set<String> = ["p50", "p90", "p99", "p99_9", "p99.9", "max", "mean", "avg"]
    static let otherMeasures: Set<String> = ["error_rate", "errors", "executions", "achieved_rate", "target_rate", "queued"]

    /// - Throws: `LoadError` naming what is wrong with the expression.
    public init(_ text: String) throws(LoadError) {
        let t = text.filter { $0 != " " }
        var found: (Op, Range<String.Index>)?
        for op in [Op.le, .ge, .eq, .lt, .gt] {
            if let r = t.range(of: op.rawValue) { found = (op, r); break }
        }
        guard let (op, r) = found else { throw LoadError("threshold '\(text)' has no comparison (<, <=, >, >=, ==)") }
        let name = String(t[..<r.lowerBound]), rhs = String(t[r.upperBound...])
        guard Self.latencyMeasures.contains(name) || Self.otherMeasures.contains(name) else {
            throw LoadError("threshold '\(text)': unknown measure '\(name)' (p50, p90, p99, p99_9, max, mean, error_rate, errors, executions, achieved_rate, queued)")
        }
        var number = Substring(rhs), scale = 1.0
        if Self.latencyMeasures.contains(name) {
            for (suffix, s) in [("ms", 1.0), ("us", 0.001), ("s", 1000.0)] where number.hasSuffix(suffix) {
                number = number.dropLast(suffix.count)
                scale = s
                break
            }
        } else if number.hasSuffix("%") {
            number = number.dropLast()
            scale = 0.01
        } else if number.hasSuffix("/s") {
            number = number.dropLast(2)
        }
        guard let v = Double(number), v.isFinite else { throw LoadError("threshold '\(text)': '\(rhs)' is not a number") }
        self.text = text
        self.measure = name
        self.op = op
        self.value = v * scale
    }

    public func holds(_ x: Double) -> Bool {
        guard x.isFinite else { return false }
        switch op {
        case .lt: return x < value
        case .le: return x <= value
        case .gt: return x > value
        case .ge: return x >= value
        case .eq: return x == value
        }
    }
}
