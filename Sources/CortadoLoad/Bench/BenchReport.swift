import CortadoJSON

/// One measured run of a case.
public struct BenchRun: Sendable {
    public var wallSeconds: Double
    public var eventsPerSecond: Double
    public var p50Ms: Double, p99Ms: Double
    public var cpuSeconds: Double
    public var peakRSSMiB: Double
    public init(wallSeconds: Double, eventsPerSecond: Double, p50Ms: Double, p99Ms: Double, cpuSeconds: Double, peakRSSMiB: Double) {
        self.wallSeconds = wallSeconds; self.eventsPerSecond = eventsPerSecond; self.p50Ms = p50Ms; self.p99Ms = p99Ms
        self.cpuSeconds = cpuSeconds; self.peakRSSMiB = peakRSSMiB
    }
}

/// The measures a bench compares, and which way is better.
public enum BenchMetric: String, Sendable, CaseIterable {
    case eventsPerSecond = "events_per_s", p50Ms = "p50_ms", p99Ms = "p99_ms", cpuSeconds = "cpu_s", peakRSSMiB = "peak_rss_mib"

    var higherIsBetter: Bool { self == .eventsPerSecond }
    /// Whether a change decides the verdict (CPU and memory are reported, not judged).
    var judged: Bool { self == .eventsPerSecond || self == .p50Ms || self == .p99Ms }

    func value(_ r: BenchRun) -> Double {
        switch self {
        case .eventsPerSecond: return r.eventsPerSecond
        case .p50Ms: return r.p50Ms
        case .p99Ms: return r.p99Ms
        case .cpuSeconds: return r.cpuSeconds
        case .peakRSSMiB: return r.peakRSSMiB
        }
    }
}

/// The results of a suite: per case its runs and their statistics, whether its outputs
/// matched, and — against a baseline — each measure's change and whether it regressed.
public struct BenchReport: Sendable {
    public struct CaseResult: Sendable {
        public var name: String
        public var runs: [BenchRun]
        /// nil when the case gives no expected outputs; else "matched" or what differed.
        public var outputs: String?
        public init(name: String, runs: [BenchRun], outputs: String?) { self.name = name; self.runs = runs; self.outputs = outputs }
        public func samples(_ m: BenchMetric) -> [Double] { runs.map { m.value($0) } }
        public func stats(_ m: BenchMetric) -> SampleStats { SampleStats(samples(m)) }
    }

    public struct Comparison: Sendable {
        public var caseName: String
        public var metric: BenchMetric
        public var baseline: SampleStats, current: SampleStats
        /// Relative change of the mean, signed so that positive is worse.
        public var worsening: Double
        public var p: Double
        public var regression: Bool
    }

    public var suite: BenchSuite
    public var cases: [CaseResult]
    public var comparisons: [Comparison] = []

    public init(suite: BenchSuite, cases: [CaseResult]) { self.suite = suite; self.cases = cases }

    public var regressions: [Comparison] { comparisons.filter(\.regression) }
    public var outputMismatches: [CaseResult] { cases.filter { $0.outputs != nil && $0.outputs != "matched" } }

    /// Compares with a baseline report (the JSON of `json`): a regression is a judged measure
    /// worse by more than the suite's tolerance with Welch's p below its significance.
    /// - Throws: `LoadError` when the baseline is not such a report.
    public mutating func compare(baseline: JSON) throws(LoadError) {
        guard let list = baseline["cases"]?.arrayValue else { throw LoadError("the baseline has no 'cases' (save one with --save-baseline)") }
        comparisons = []
        for c in cases {
            guard let b = list.first(where: { $0["name"]?.stringValue == c.name }) else { continue }
            for m in BenchMetric.allCases {
                guard let xs = b["samples"]?[m.rawValue]?.arrayValue?.compactMap({ $0.numberValue?.double }), xs.count >= 2 else { continue }
                let base = SampleStats(xs), now = c.stats(m)
                guard base.mean != 0 else { continue }
                let change = (now.mean - base.mean) / abs(base.mean)
                let worse = m.higherIsBetter ? -change : change
                let p = SampleStats.welchP(base, now)
                let large = m.higherIsBetter || abs(now.mean - base.mean) >= suite.latencyFloorMs
                let tolerance = m == .eventsPerSecond ? suite.throughputTolerance : suite.tolerance
                comparisons.append(Comparison(caseName: c.name, metric: m, baseline: base, current: now, worsening: worse, p: p,
                                              regression: m.judged && large && worse > tolerance && p < suite.significance))
            }
        }
    }

    static func num(_ v: Double) -> JSON { LoadReport.num(v) }

    /// The results as JSON; saved with `--save-baseline`, read back by `--baseline`.
    public var json: JSON {
        var o = JSONObject()
        o["type"] = "bench_report"
        o["suite"] = .string(suite.name)
        o["runs"] = .number(JSONNumber(suite.runs))
        o["tolerance"] = Self.num(suite.tolerance)
        o["cases"] = .array(cases.map { c in
            var co = JSONObject()
            co["name"] = .string(c.name)
            if let out = c.outputs { co["outputs"] = .string(out) }
            co["samples"] = .object(JSONObject(BenchMetric.allCases.map { m in
                (key: m.rawValue, value: .array(c.samples(m).map(Self.num)))
            }))
            co["stats"] = .object(JSONObject(BenchMetric.allCases.map { m in
                let s = c.stats(m)
                return (key: m.rawValue, value: .object(JSONObject([(key: "mean", value: Self.num(s.mean)),
                                                                    (key: "sd", value: Self.num(s.sd)),
                                                                    (key: "ci95", value: Self.num(s.ci95))])))
            }))
            return .object(co)
        })
        if !comparisons.isEmpty {
            o["comparisons"] = .array(comparisons.map { x in
                .object(JSONObject([
                    ("case", .string(x.caseName)), ("metric", .string(x.metric.rawValue)),
                    ("baseline_mean", Self.num(x.baseline.mean)), ("mean", Self.num(x.current.mean)),
                    ("worsening", Self.num(x.worsening)), ("p", Self.num(x.p)), ("regression", .bool(x.regression)),
                ].map { (key: $0.0, value: $0.1) }))
            })
            o["regressions"] = .number(JSONNumber(regressions.count))
        }
        return .object(o)
    }

    /// `mean ± ci95` with sensible digits.
    static func cell(_ s: SampleStats) -> String { "\(Self.sig(s.mean)) ± \(Self.sig(s.ci95))" }

    /// Three significant digits below 100 (latencies of microseconds stay readable), whole numbers above.
    static func sig(_ v: Double) -> String {
        guard v.isFinite else { return "–" }
        if v == 0 || abs(v) >= 100 { return LoadReport.fmt(v) }
        var digits = 2
        var x = abs(v)
        while x < 10, digits < 8 { x *= 10; digits += 1 }
        let scale = pow10(digits - 1)
        let r = (v * scale).rounded() / scale
        return "\(r)"
    }

    static func pow10(_ n: Int) -> Double { (0..<max(n, 0)).reduce(1.0) { x, _ in x * 10 } }

    /// A Markdown table: one row per case, means with 95% confidence intervals.
    public var markdown: String {
        var t = "| case | events/s | p50 ms | p99 ms | CPU s | peak RSS MiB | outputs | vs baseline |\n"
        t += "|---|---:|---:|---:|---:|---:|---|---|\n"
        for c in cases {
            let vs = comparisons.filter { $0.caseName == c.name && $0.metric.judged }.map { x -> String in
                let change = (x.current.mean - x.baseline.mean) / abs(x.baseline.mean) * 100
                return "\(x.metric.rawValue) \(change >= 0 ? "+" : "")\(LoadReport.fmt(change))%\(x.regression ? " **REGRESSION**" : "")"
            }.joined(separator: ", ")
            t += "| \(c.name) | \(Self.cell(c.stats(.eventsPerSecond))) | \(Self.cell(c.stats(.p50Ms))) | \(Self.cell(c.stats(.p99Ms))) | "
                + "\(Self.cell(c.stats(.cpuSeconds))) | \(Self.cell(c.stats(.peakRSSMiB))) | \(c.outputs ?? "–") | \(vs.isEmpty ? "–" : vs) |\n"
        }
        return t
    }

    /// One self-contained page: the table and a bar chart of events/s with confidence intervals.
    public var html: String {
        var h = "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>\(LoadReport.esc(suite.name)) — cortado bench</title>"
        h += "<style>body{font-family:Helvetica,Arial,sans-serif;margin:24px;color:#24292f}table{border-collapse:collapse;font-size:13px}"
        h += "td,th{border-bottom:1px solid #d0d7de;padding:4px 10px;text-align:right}td:first-child,th:first-child{text-align:left}.bad{color:#cf222e;font-weight:bold}</style></head><body>"
        h += "<h1>\(LoadReport.esc(suite.name))</h1><p>\(suite.runs) runs per case after \(suite.warmup) warm-up; means ± 95% confidence intervals.</p>"
        h += "<table><tr><th>case</th><th>events/s</th><th>p50 ms</th><th>p99 ms</th><th>CPU s</th><th>peak RSS MiB</th><th>outputs</th></tr>"
        for c in cases {
            h += "<tr><td>\(LoadReport.esc(c.name))</td>"
            for m in BenchMetric.allCases { h += "<td>\(Self.cell(c.stats(m)))</td>" }
            h += "<td>\(LoadReport.esc(c.outputs ?? "–"))</td></tr>"
        }
        h += "</table>"
        if !comparisons.isEmpty {
            h += "<h2>Against the baseline</h2><table><tr><th>case</th><th>measure</th><th>baseline</th><th>now</th><th>worse by</th><th>p</th><th></th></tr>"
            for x in comparisons where x.metric.judged {
                h += "<tr><td>\(LoadReport.esc(x.caseName))</td><td>\(x.metric.rawValue)</td><td>\(LoadReport.fmt(x.baseline.mean))</td><td>\(LoadReport.fmt(x.current.mean))</td>"
                h += "<td>\(LoadReport.fmt(x.worsening * 100))%</td><td>\(LoadReport.fmt(x.p))</td><td class=\"\(x.regression ? "bad" : "")\">\(x.regression ? "regression" : "ok")</td></tr>"
            }
            h += "</table>"
        }
        h += "<h2>Throughput</h2>" + barChart()
        return h + "</body></html>\n"
    }

    func barChart() -> String {
        let stats = cases.map { ($0.name, $0.stats(.eventsPerSecond)) }
        let top = max(stats.map { $0.1.mean + $0.1.ci95 }.max() ?? 1, 1)
        let rowH = 26.0, w = 520.0, left = 150.0
        var s = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(left + w + 120))\" height=\"\(Int(Double(stats.count) * rowH + 20))\" font-size=\"12\" font-family=\"Helvetica, Arial, sans-serif\">"
        for (k, (name, st)) in stats.enumerated() {
            let y = 10 + Double(k) * rowH, bw = st.mean / top * w
            s += "<text x=\"\(Int(left - 8))\" y=\"\(StateGraph.f(y + 15))\" text-anchor=\"end\">\(LoadReport.esc(name))</text>"
            s += "<rect x=\"\(Int(left))\" y=\"\(StateGraph.f(y + 3))\" width=\"\(StateGraph.f(bw))\" height=\"16\" fill=\"#0969da\"/>"
            let lo = (st.mean - st.ci95) / top * w, hi = (st.mean + st.ci95) / top * w
            s += "<line x1=\"\(StateGraph.f(left + lo))\" x2=\"\(StateGraph.f(left + hi))\" y1=\"\(StateGraph.f(y + 11))\" y2=\"\(StateGraph.f(y + 11))\" stroke=\"#24292f\" stroke-width=\"2\"/>"
            s += "<text x=\"\(StateGraph.f(left + max(bw, hi) + 6))\" y=\"\(StateGraph.f(y + 15))\">\(LoadReport.fmt(st.mean))/s</text>"
        }
        return s + "</svg>"
    }
}
