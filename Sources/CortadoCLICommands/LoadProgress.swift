import CortadoJSON
import CortadoLoad
import CortadoRuntime
#if canImport(Glibc)
import Glibc
#endif

/// What `cortado load` shows while it runs: a progress line on a terminal, else one JSON
/// line per interval (to stderr or --metrics FILE).
final class LoadProgress {
    let terminal: Bool
    let fd: Int32
    let planned: Int
    var issued = 0

    init(metricsPath: String?, planned: Int) {
        self.planned = planned
        if let metricsPath {
            fd = open(metricsPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
            terminal = false
        } else {
            fd = 2
            terminal = isTerminal(2)
        }
    }

    func show(_ p: LoadInterval) {
        issued += p.started
        if terminal {
            let pct = planned > 0 ? min(100, issued * 100 / planned) : 0
            let line = "\r[\(LoadProgress.f(p.elapsed))s \(pct)%] target \(LoadProgress.f(p.targetRate))/s  achieved \(LoadProgress.f(p.startRate))/s"
                + "  in flight \(p.inFlight)\(p.queued > 0 ? " (+\(p.queued) queued)" : "")"
                + "  p50 \(LoadProgress.f(p.latency.p50))ms  p99 \(LoadProgress.f(p.latency.p99))ms  errors \(p.errors)   "
            CLI.writeAll(2, Array(line.utf8))
            return
        }
        guard fd >= 0 else { return }
        let o = JSON.object(JSONObject([
            ("type", "load_interval"), ("elapsed_s", num(p.elapsed)), ("target_rate", num(p.targetRate)),
            ("start_rate", num(p.startRate)), ("completion_rate", num(p.completionRate)),
            ("started", .number(JSONNumber(p.started))), ("completed", .number(JSONNumber(p.completed))),
            ("errors", .number(JSONNumber(p.errors))), ("in_flight", .number(JSONNumber(p.inFlight))),
            ("queued", .number(JSONNumber(p.queued))),
            ("latency_ms", .object(JSONObject([("p50", num(p.latency.p50)), ("p90", num(p.latency.p90)), ("p99", num(p.latency.p99)),
                                               ("p99_9", num(p.latency.p99_9)), ("max", num(p.latency.max))].map { (key: $0.0, value: $0.1) }))),
        ].map { (key: $0.0, value: $0.1) }))
        CLI.writeAll(fd, o.serializedBytes + [10])
    }

    func finish() {
        if terminal { CLI.writeAll(2, Array("\n".utf8)) }
        if fd > 2 { close(fd) }
    }

    func num(_ v: Double) -> JSON {
        guard v.isFinite else { return .null }
        return .number(JSONNumber(literal: LoadProgress.f(v)))
    }

    static func f(_ v: Double) -> String {
        let r = (v * 1000).rounded() / 1000
        return r == r.rounded() && abs(r) < 1e15 ? String(Int(r)) : String(r)
    }

    /// The closing lines: rates, latency, errors and each threshold's verdict.
    static func summary(_ r: LoadReport) -> String {
        var s = "cortado load: \(r.executions) executions, target \(f(r.targetRate))/s, achieved \(f(r.achievedRate))/s, "
            + "\(r.errors) errors (\(f(r.errorRate * 100))%)\n"
            + "  latency ms: p50 \(f(r.latency.p50))  p90 \(f(r.latency.p90))  p99 \(f(r.latency.p99))  p99.9 \(f(r.latency.p99_9))  max \(f(r.latency.max))"
        if r.queueWait.count > 0 { s += "\n  queued behind --max-concurrency: \(r.queueWait.count), wait p99 \(f(r.queueWait.p99)) ms" }
        for (name, n) in r.errorsByName.sorted(by: { $0.value > $1.value }).prefix(5) { s += "\n  error \(name): \(n)" }
        for t in r.thresholds { s += "\n  threshold \(t.threshold.text): \(f(t.value)) \(t.passed ? "passed" : "FAILED")" }
        return s
    }
}

extension CLI {
    /// Writes `text` to `path`; false (with a message) when it cannot.
    static func writeText(_ path: String, _ text: String) -> Bool {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else {
            stderr("cortado: cannot write \(path): \(errorMessage())")
            return false
        }
        writeAll(fd, Array(text.utf8))
        close(fd)
        return true
    }
}
