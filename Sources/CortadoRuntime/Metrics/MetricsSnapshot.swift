import CortadoJSON

/// The totals of a run at one moment (see `RunMetrics.snapshot`). Counts, latency percentiles and
/// state figures are cumulative from the start of the run.
public struct MetricsSnapshot: Sendable {
    public var elapsedSeconds: Double = 0
    public var started = 0
    public var succeeded = 0
    public var failed = 0
    public var timedOut = 0
    public var inFlight = 0
    /// Executions the batch runner ran on its tape lane (the rest ran on the general engine).
    public var laneExecutions = 0
    /// The times a line parked on the lane (a wait on a real clock; `parked` when any).
    public var laneParks = 0
    /// Why the tape lane took none of the run's executions, when it could not (the program
    /// has a state it does not run, with the logs asked for, `--engine general`); nil otherwise.
    public var laneUnused: String?
    /// Latency percentiles in milliseconds (HdrHistogram, 3 significant digits; `max` is exact).
    /// All zero before the first completion.
    public var latencyMs: (p50: Double, p90: Double, p99: Double, p999: Double, max: Double) = (0, 0, 0, 0, 0)
    /// Per state name, in order of first appearance in the program (names shared by several pcs summed).
    public var states: [(name: String, entered: Int, totalMs: Double)] = []

    public init() {}

    /// Executions that have finished, whatever their status.
    public var completed: Int { succeeded + failed + timedOut }

    /// Completions per second: since `previous` when given, else over the whole run. 0 when no time passed.
    public func rate(since previous: MetricsSnapshot?) -> Double {
        let dt = elapsedSeconds - (previous?.elapsedSeconds ?? 0)
        let dn = completed - (previous?.completed ?? 0)
        guard dt > 0 else { return 0 }
        return Double(dn) / dt
    }

    /// One JSON line (ends with "\n"):
    /// `{"type":"metrics"|"summary","elapsed_s":..,"started":..,"succeeded":..,"failed":..,"timed_out":..,
    /// "in_flight":..,"rate":..,"latency_ms":{"p50":..,"p90":..,"p99":..,"p99_9":..,"max":..},
    /// "states":{"Name":{"entered":..,"total_ms":..,"avg_ms":..}},
    /// "tape_lane":{"executions":..} or {"executions":0,"unused_because":".."}}`; the summary adds `peak_rss_mib`.
    /// `rate` is completions per second over the interval since `previous`, or over the whole run
    /// for the summary (or when `previous` is nil). Times are rounded to the microsecond.
    public func jsonLine(previous: MetricsSnapshot?, summary: Bool) -> [UInt8] {
        func num(_ v: Double, _ digits: Int = 3) -> JSON { .number(JSONNumber(roundTo(v, digits))) }
        var stateMembers: [(key: String, value: JSON)] = []
        stateMembers.reserveCapacity(states.count)
        for s in states {
            stateMembers.append((s.name, .object(JSONObject([
                ("entered", JSON(s.entered)),
                ("total_ms", num(s.totalMs)),
                ("avg_ms", num(s.entered > 0 ? s.totalMs / Double(s.entered) : 0)),
            ]))))
        }
        var members: [(key: String, value: JSON)] = [
            ("type", JSON(summary ? "summary" : "metrics")),
            ("elapsed_s", num(elapsedSeconds)),
            ("started", JSON(started)),
            ("succeeded", JSON(succeeded)),
            ("failed", JSON(failed)),
            ("timed_out", JSON(timedOut)),
            ("in_flight", JSON(inFlight)),
            ("rate", num(rate(since: summary ? nil : previous), 2)),
            ("latency_ms", .object(JSONObject([
                ("p50", num(latencyMs.p50)),
                ("p90", num(latencyMs.p90)),
                ("p99", num(latencyMs.p99)),
                ("p99_9", num(latencyMs.p999)),
                ("max", num(latencyMs.max)),
            ]))),
            ("states", .object(JSONObject(stateMembers))),
            ("tape_lane", laneUnused.map { .object(JSONObject([("executions", JSON(0)), ("unused_because", JSON($0))])) }
                ?? .object(JSONObject([("executions", JSON(laneExecutions))] + (laneParks > 0 ? [("parked", JSON(laneParks))] : [])))),
        ]
        if summary, let peak = peakRSSMiB() { members.append(("peak_rss_mib", num(peak, 1))) }
        let obj: JSON = .object(JSONObject(members))
        var w = JSONWriter()
        w.write(obj)
        w.bytes.append(UInt8(ascii: "\n"))
        return w.bytes
    }

    /// A one-line terminal progress bar (no newline, at most `width` characters), e.g.
    /// `[########------------]  41%  412,000/1,000,000  96.1k/s  ETA 0:06  failed 3`.
    ///
    /// - `fraction`: share of the input consumed (0...1) when known; drives bar, percent and ETA
    ///   (ETA = elapsed × (1 − f) / f).
    /// - `total`: number of executions when known; shown as `completed/total`, and the bar uses
    ///   `completed/total` when `fraction` is nil.
    /// - Neither known: counts, rate and elapsed time only.
    /// The rate is over the interval since `previous` (whole run when nil). Failures and timeouts
    /// appear only when non-zero.
    public func progressLine(previous: MetricsSnapshot?, fraction: Double?, total: Int? = nil, width: Int) -> String {
        var f = fraction
        if f == nil, let total, total > 0 { f = Double(completed) / Double(total) }
        if let x = f { f = x.isFinite ? Swift.min(Swift.max(x, 0), 1) : nil }

        var rest = groupThousands(completed)
        if let total { rest += "/" + groupThousands(total) }
        rest += "  " + compactRate(rate(since: previous)) + "/s"
        if let f {
            rest += "  ETA " + (f > 0 ? clockText(f >= 1 ? 0 : elapsedSeconds * (1 - f) / f) : "--:--")
        } else {
            rest += "  " + clockText(elapsedSeconds) + " elapsed"
        }
        if failed > 0 { rest += "  failed " + groupThousands(failed) }
        if timedOut > 0 { rest += "  timed out " + groupThousands(timedOut) }

        var line = rest
        if let f {
            let percent = String(Int((f * 100).rounded(.down)))
            let head = String(repeating: " ", count: Swift.max(0, 4 - percent.count - 1)) + percent + "%  "
            line = head + rest
            // "[" + bar + "] " before the percent; dropped when the terminal is too narrow.
            let barWidth = Swift.min(30, width - line.count - 3)
            if barWidth >= 5 {
                let filled = Swift.min(barWidth, Int((f * Double(barWidth)).rounded(.down)))
                line = "[" + String(repeating: "#", count: filled) + String(repeating: "-", count: barWidth - filled) + "] " + line
            }
        }
        if width > 0, line.count > width { line = String(line.prefix(width)) }
        return line
    }

    /// Which engine ran the executions: "Engine: tape lane for N executions, general for M",
    /// or why the tape lane took none; nil before any execution ended.
    public var engineText: String? {
        guard completed > 0 else { return nil }
        if let why = laneUnused { return "Engine: general for every execution (the tape lane is not used: \(why))" }
        guard laneExecutions > 0 else { return nil }
        let parked = laneParks > 0 ? " (\(groupThousands(laneParks)) parks)" : ""
        return "Engine: tape lane for \(groupThousands(laneExecutions)) executions\(parked), general for \(groupThousands(completed - min(completed, laneExecutions)))"
    }

    /// A few human lines (each ending in "\n") for the end of an interactive run: counts and rate,
    /// latency percentiles, and the states that took the most time.
    public func summaryText(maxStates: Int = 5) -> String {
        var out = "\(groupThousands(completed)) executions in \(fixed(elapsedSeconds, 2)) s"
        out += " (\(compactRate(rate(since: nil)))/s): \(groupThousands(succeeded)) succeeded, "
        out += "\(groupThousands(failed)) failed, \(groupThousands(timedOut)) timed out"
        if started > completed { out += ", \(groupThousands(started - completed)) unfinished" }
        out += "\n"
        if completed > 0 {
            out += "Latency ms: p50 \(fixed(latencyMs.p50, 3))  p90 \(fixed(latencyMs.p90, 3))"
            out += "  p99 \(fixed(latencyMs.p99, 3))  p99.9 \(fixed(latencyMs.p999, 3))  max \(fixed(latencyMs.max, 3))\n"
        }
        if let engine = engineText { out += engine + "\n" }
        let top = states.filter { $0.entered > 0 }.sorted { $0.totalMs > $1.totalMs }.prefix(maxStates)
        if !top.isEmpty {
            out += "States by time:\n"
            for s in top {
                out += "  \(s.name): entered \(groupThousands(s.entered)), total \(fixed(s.totalMs, 1)) ms, "
                out += "avg \(fixed(s.totalMs / Double(s.entered), 3)) ms\n"
            }
        }
        return out
    }
}

// MARK: - Formatting (no Foundation)

/// `v` rounded to `digits` decimals (non-finite values become 0).
func roundTo(_ v: Double, _ digits: Int) -> Double {
    guard v.isFinite else { return 0 }
    var scale = 1.0
    for _ in 0..<digits { scale *= 10 }
    let r = (v * scale).rounded() / scale
    return r == 0 ? 0 : r   // no "-0.0"
}

/// `1234567` → `"1,234,567"`.
func groupThousands(_ n: Int) -> String {
    let digits = String(n.magnitude)
    var out = n < 0 ? "-" : ""
    for (i, c) in digits.enumerated() {
        if i > 0, (digits.count - i) % 3 == 0 { out.append(",") }
        out.append(c)
    }
    return out
}

/// `v` with exactly `digits` decimals, thousands grouped: `fixed(1234.5, 2)` → `"1,234.50"`.
func fixed(_ v: Double, _ digits: Int) -> String {
    guard v.isFinite else { return "0" }
    var scale = 1
    for _ in 0..<digits { scale *= 10 }
    let scaled = (v.magnitude * Double(scale)).rounded()
    guard scaled < 9e18 else { return "\(v)" }
    let n = Int(scaled)
    var s = (v < 0 && n != 0 ? "-" : "") + groupThousands(n / scale)
    if digits > 0 {
        let frac = String(n % scale)
        s += "." + String(repeating: "0", count: digits - frac.count) + frac
    }
    return s
}

/// Rates for the progress bar: `3.5`, `812`, `96.1k`, `1.23M`.
func compactRate(_ r: Double) -> String {
    guard r.isFinite, r > 0 else { return "0" }
    if r < 10 { return fixed(r, 1) }
    if r < 999.5 { return String(Int(r.rounded())) }
    if r < 999_950 { return fixed(r / 1e3, 1) + "k" }
    return fixed(r / 1e6, 2) + "M"
}

/// Seconds as `m:ss`, or `h:mm:ss` from an hour on (rounded up, so a pending second shows as 0:01).
func clockText(_ seconds: Double) -> String {
    guard seconds.isFinite, seconds > 0 else { return "0:00" }
    let t = seconds >= 3.6e8 ? 359_999_999 : Int(seconds.rounded(.up))
    let h = t / 3600, m = (t / 60) % 60, s = t % 60
    func two(_ x: Int) -> String { x < 10 ? "0\(x)" : "\(x)" }
    return h > 0 ? "\(h):\(two(m)):\(two(s))" : "\(m):\(two(s))"
}

/// This process's own peak resident set (VmHWM of /proc/self/status), in MiB; nil where
/// there is no procfs. (getrusage's ru_maxrss would do, but Linux carries a parent's
/// high-water mark into a spawned child's, so a child run by `cortado bench` would report
/// its parent's size.)
public func peakRSSMiB() -> Double? {
    guard let f = fopen("/proc/self/status", "r") else { return nil }
    defer { fclose(f) }
    var line = [CChar](repeating: 0, count: 256)
    while fgets(&line, Int32(line.count), f) != nil {
        let s = String(decoding: line.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        guard s.hasPrefix("VmHWM:") else { continue }
        let kb = Double(String(s.dropFirst(6).filter { $0.isNumber }))  // "VmHWM:\t   30872 kB"
        return kb.map { $0 / 1024 }
    }
    return nil
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
