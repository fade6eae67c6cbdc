import CortadoJSON

/// The load report as one self-contained HTML page (inline SVG, no network): the summary and
/// thresholds, throughput and latency over time, the latency histogram, the state graph
/// coloured by time, per-state time and errors by name.
extension LoadReport {
    public func html(title: String, definition: JSON?) -> String {
        var h = """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><title>\(Self.esc(title)) — cortado load</title>
            <style>
            body{font-family:Helvetica,Arial,sans-serif;margin:24px;color:#24292f;max-width:1100px}
            h1{font-size:22px;margin:0 0 4px} h2{font-size:16px;margin:28px 0 8px}
            .sub{color:#57606a;margin-bottom:16px}
            .cards{display:flex;flex-wrap:wrap;gap:12px}
            .card{border:1px solid #d0d7de;border-radius:8px;padding:10px 14px;min-width:120px}
            .card b{display:block;font-size:20px} .card span{color:#57606a;font-size:12px}
            table{border-collapse:collapse;font-size:13px} td,th{border-bottom:1px solid #d0d7de;padding:4px 10px;text-align:right}
            th:first-child,td:first-child{text-align:left} .pass{color:#1a7f37;font-weight:bold} .fail{color:#cf222e;font-weight:bold}
            svg{display:block}
            </style></head><body>
            <h1>\(Self.esc(title))</h1>
            <div class="sub">cortado load · \(executions) executions in \(Self.fmt(totalSeconds)) s · target \(Self.fmt(targetRate))/s</div>
            <div class="cards">
            """
        let cards: [(String, String)] = [
            ("\(Self.fmt(achievedRate))/s", "achieved rate"), ("\(Self.fmt(targetRate))/s", "target rate"),
            ("\(executions)", "executions"), ("\(errors) (\(Self.fmt(errorRate * 100))%)", "errors"),
            ("\(Self.fmt(latency.p50)) ms", "p50"), ("\(Self.fmt(latency.p99)) ms", "p99"),
            ("\(Self.fmt(latency.p99_9)) ms", "p99.9"), ("\(Self.fmt(latency.max)) ms", "max"),
        ]
        for (v, l) in cards { h += "<div class=\"card\"><b>\(Self.esc(v))</b><span>\(l)</span></div>\n" }
        h += "</div>\n"
        if !thresholds.isEmpty {
            h += "<h2>Thresholds</h2><table><tr><th>threshold</th><th>value</th><th>result</th></tr>\n"
            for t in thresholds {
                h += "<tr><td>\(Self.esc(t.threshold.text))</td><td>\(Self.fmt(t.value))</td><td class=\"\(t.passed ? "pass" : "fail")\">\(t.passed ? "passed" : "FAILED")</td></tr>\n"
            }
            h += "</table>\n"
        }
        let xs = series.map(\.elapsed)
        // Starts and the target end with the schedule; what follows only drains the executions in flight.
        let scheduled = series.filter { $0.started > 0 || $0.elapsed <= scheduleSeconds }
        h += "<h2>Throughput (executions per second)</h2>\n"
        h += ReportChart.lines([
            .init(name: "target", color: "#8c959f", points: scheduled.map { ($0.elapsed, $0.targetRate) }, dashed: true),
            .init(name: "started", color: "#0969da", points: scheduled.map { ($0.elapsed, $0.startRate) }),
            .init(name: "completed", color: "#1a7f37", points: Array(zip(xs, series.map(\.completionRate)))),
        ], xLabel: "seconds", logY: false)
        h += "<h2>Latency from the scheduled start (ms, log scale)</h2>\n"
        let done = series.filter { $0.completed > 0 }
        let dx = done.map(\.elapsed)
        h += ReportChart.lines([
            .init(name: "p50", color: "#1a7f37", points: Array(zip(dx, done.map(\.latency.p50)))),
            .init(name: "p99", color: "#bf8700", points: Array(zip(dx, done.map(\.latency.p99)))),
            .init(name: "max", color: "#cf222e", points: Array(zip(dx, done.map(\.latency.max)))),
        ], xLabel: "seconds", logY: true)
        h += "<h2>Latency histogram</h2>\n"
        h += ReportChart.histogram(totals.buckets)
        if let definition {
            h += "<h2>Time per state</h2>\n"
            var heat = StateHeat()
            var entries: [String: StateHeat.Entry] = [:]
            for s in states {
                entries[s.name] = .init(entered: s.entered, totalMs: s.totalMs, avgMs: s.entered > 0 ? s.totalMs / Double(s.entered) : 0)
            }
            heat = StateHeat(entries)
            h += StateGraph(definition: definition).svg(heat: heat)
            h += "<table><tr><th>state</th><th>entered</th><th>total ms</th><th>avg ms</th><th>p50 ms</th><th>p99 ms</th><th>max ms</th></tr>\n"
            for s in states.sorted(by: { $0.totalMs > $1.totalMs }) {
                h += "<tr><td>\(Self.esc(s.name))</td><td>\(s.entered)</td><td>\(Self.fmt(s.totalMs))</td><td>\(Self.fmt(s.entered > 0 ? s.totalMs / Double(s.entered) : 0))</td>"
                    + "<td>\(Self.fmt(s.visit.p50))</td><td>\(Self.fmt(s.visit.p99))</td><td>\(Self.fmt(s.visit.max))</td></tr>\n"
            }
            h += "</table>\n"
        }
        h += "<h2>Errors by name</h2>\n"
        if errorsByName.isEmpty {
            h += "<p>No errors.</p>\n"
        } else {
            h += "<table><tr><th>error</th><th>executions</th></tr>\n"
            for (name, n) in errorsByName.sorted(by: { $0.value > $1.value }) { h += "<tr><td>\(Self.esc(name))</td><td>\(n)</td></tr>\n" }
            h += "</table>\n"
        }
        if totals.queued > 0 {
            h += "<h2>Queued behind max concurrency \(config.maxConcurrency ?? 0)</h2><p>\(totals.queued) executions waited: p50 \(Self.fmt(queueWait.p50)) ms, p99 \(Self.fmt(queueWait.p99)) ms, max \(Self.fmt(queueWait.max)) ms (included in their latency).</p>\n"
        }
        return h + "</body></html>\n"
    }

    /// A number for people: integers past 100, else at most two decimals.
    public static func fmt(_ v: Double) -> String {
        guard v.isFinite else { return "–" }
        if abs(v) >= 100 { return String(Int(v.rounded())) }
        let r = (v * 100).rounded() / 100
        return r == r.rounded() ? String(Int(r)) : String(r)
    }

    static func esc(_ s: String) -> String { StateGraph.xml(s) }
}

/// Small SVG charts for the report.
enum ReportChart {
    struct Series {
        var name: String, color: String, points: [(Double, Double)], dashed = false
    }

    static let width = 900.0, height = 260.0, left = 64.0, right = 110.0, top = 14.0, bottom = 34.0

    static func lines(_ series: [Series], xLabel: String, logY: Bool) -> String {
        let all = series.flatMap(\.points)
        guard !all.isEmpty else { return "<p>No data.</p>\n" }
        let x1 = max(all.map(\.0).max()!, 1e-9)
        func ty(_ v: Double) -> Double { logY ? log10(max(v, 0.001)) : v }
        let ys = all.map { ty($0.1) }
        var y0 = logY ? floor(ys.min()!) : 0, y1 = logY ? ceil(ys.max()!) : (ys.max()! * 1.1)
        if y1 <= y0 { y1 = y0 + 1 }
        if !logY, y1 == 0 { y1 = 1 }
        if logY, y1 - y0 < 1 { y0 -= 1 }
        let pw = width - left - right, ph = height - top - bottom
        func px(_ x: Double) -> Double { left + x / x1 * pw }
        func py(_ y: Double) -> Double { top + ph - (ty(y) - y0) / (y1 - y0) * ph }
        var s = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" font-size=\"11\" font-family=\"Helvetica, Arial, sans-serif\">\n"
        // Grid and y labels.
        if !logY { y1 = ceil(y1 / niceStep(y1 / 4)) * niceStep(y1 / 4) }
        let ticks = logY ? Array(stride(from: y0, through: y1, by: 1)) : Array(stride(from: y0, through: y1 + 1e-9, by: niceStep(y1 / 4)))
        for t in ticks {
            let y = top + ph - (t - y0) / (y1 - y0) * ph
            let label = logY ? LoadReport.fmt(pow10(t)) : LoadReport.fmt(t)
            s += "<line x1=\"\(left)\" x2=\"\(left + pw)\" y1=\"\(f(y))\" y2=\"\(f(y))\" stroke=\"#eaeef2\"/><text x=\"\(left - 6)\" y=\"\(f(y + 4))\" text-anchor=\"end\" fill=\"#57606a\">\(label)</text>\n"
        }
        let step = niceStep(x1 / 5)
        for x in stride(from: 0.0, through: x1, by: step) {
            s += "<text x=\"\(f(px(x)))\" y=\"\(f(top + ph + 16))\" text-anchor=\"middle\" fill=\"#57606a\">\(LoadReport.fmt(x))</text>\n"
        }
        s += "<text x=\"\(f(left + pw / 2))\" y=\"\(f(height - 4))\" text-anchor=\"middle\" fill=\"#57606a\">\(xLabel)</text>\n"
        s += "<rect x=\"\(left)\" y=\"\(top)\" width=\"\(f(pw))\" height=\"\(f(ph))\" fill=\"none\" stroke=\"#d0d7de\"/>\n"
        for (k, se) in series.enumerated() where !se.points.isEmpty {
            let d = se.points.map { "\(f(px($0.0))),\(f(py($0.1)))" }.joined(separator: " ")
            s += "<polyline points=\"\(d)\" fill=\"none\" stroke=\"\(se.color)\" stroke-width=\"1.8\"\(se.dashed ? " stroke-dasharray=\"6,4\"" : "")><title>\(se.name)</title></polyline>\n"
            let ly = top + 12 + Double(k) * 16
            s += "<line x1=\"\(f(left + pw + 12))\" x2=\"\(f(left + pw + 32))\" y1=\"\(f(ly - 4))\" y2=\"\(f(ly - 4))\" stroke=\"\(se.color)\" stroke-width=\"2\"\(se.dashed ? " stroke-dasharray=\"6,4\"" : "")/><text x=\"\(f(left + pw + 38))\" y=\"\(f(ly))\">\(se.name)</text>\n"
        }
        return s + "</svg>\n"
    }

    static func histogram(_ buckets: [(upperMs: Double, count: Int)]) -> String {
        guard let top = buckets.map(\.count).max(), top > 0 else { return "<p>No data.</p>\n" }
        let pw = width - left - right, ph = height - ReportChart.top - bottom
        let bw = pw / Double(buckets.count)
        var s = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" font-size=\"11\" font-family=\"Helvetica, Arial, sans-serif\">\n"
        s += "<rect x=\"\(left)\" y=\"\(ReportChart.top)\" width=\"\(f(pw))\" height=\"\(f(ph))\" fill=\"none\" stroke=\"#d0d7de\"/>\n"
        for (k, b) in buckets.enumerated() {
            let hgt = Double(b.count) / Double(top) * ph
            let x = left + Double(k) * bw
            s += "<rect x=\"\(f(x + 1))\" y=\"\(f(ReportChart.top + ph - hgt))\" width=\"\(f(max(bw - 2, 1)))\" height=\"\(f(hgt))\" fill=\"#0969da\"><title>≤ \(LoadReport.fmt(b.upperMs)) ms: \(b.count)</title></rect>\n"
            if k % max(1, buckets.count / 8) == 0 {
                s += "<text x=\"\(f(x + bw / 2))\" y=\"\(f(ReportChart.top + ph + 16))\" text-anchor=\"middle\" fill=\"#57606a\">\(LoadReport.fmt(b.upperMs))</text>\n"
            }
        }
        s += "<text x=\"\(f(left - 6))\" y=\"\(f(ReportChart.top + 10))\" text-anchor=\"end\" fill=\"#57606a\">\(top)</text>"
        s += "<text x=\"\(f(left + pw / 2))\" y=\"\(f(height - 4))\" text-anchor=\"middle\" fill=\"#57606a\">milliseconds (upper bound of each bar)</text>\n"
        return s + "</svg>\n"
    }

    /// 1, 2 or 5 times a power of ten, at least `raw`: round numbers on an axis.
    static func niceStep(_ raw: Double) -> Double {
        guard raw > 0, raw.isFinite else { return 1 }
        let p = pow10(floor(log10(raw)))
        for m in [1.0, 2, 5, 10] where m * p >= raw { return m * p }
        return 10 * p
    }

    static func f(_ v: Double) -> String { StateGraph.f(v) }
    static func pow10(_ e: Double) -> Double { exp(e * M_LN10) }
}

#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif
