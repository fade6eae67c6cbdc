import CortadoJSON
@testable import CortadoLoad
import Testing

@Suite struct SampleStatsTests {
    @Test func meanDeviationAndConfidence() {
        let s = SampleStats([2, 4, 4, 4, 5, 5, 7, 9])
        #expect(s.mean == 5)
        #expect(abs(s.sd - 2.138) < 0.001)
        // t(0.975, 7) = 2.365
        #expect(abs(s.ci95 - 2.365 * 2.138 / 8.0.squareRoot()) < 0.01)
        #expect(abs(SampleStats.tCritical95(df: 4) - 2.776) < 0.001)
        #expect(abs(SampleStats.tCritical95(df: 1000) - 1.962) < 0.002)
        #expect(SampleStats([1]).ci95 == 0)
    }

    @Test func welchSeparatesShiftsFromNoise() {
        let a = SampleStats([10.0, 10.2, 9.9, 10.1, 10.0]), b = SampleStats([12.0, 12.1, 11.9, 12.2, 12.0])
        #expect(SampleStats.welchP(a, b) < 0.001)
        let c = SampleStats([10.1, 9.8, 10.3, 9.9, 10.0])
        #expect(SampleStats.welchP(a, c) > 0.5)
        // t = 2.0 with 10 degrees of freedom: two-sided p = 0.0734.
        #expect(abs(SampleStats.studentTwoSidedP(t: 2.0, df: 10) - 0.0734) < 0.0005)
    }
}

@Suite struct BenchReportTests {
    static func suite(_ extra: String = "") throws -> BenchSuite {
        try BenchSuite(try JSON.parse(#"{"name":"s","runs":3,"tolerance":"10%","cases":[{"name":"a","definition":"d.json","events":"e.jsonl"}]\#(extra)}"#),
                       directory: "/x")
    }

    static func runs(_ rate: Double, _ p50: Double) -> [BenchRun] {
        [0.99, 1.0, 1.01].map { BenchRun(wallSeconds: 1, eventsPerSecond: rate * $0, p50Ms: p50 * $0, p99Ms: p50 * 2 * $0, cpuSeconds: 1, peakRSSMiB: 50) }
    }

    @Test func parsingResolvesPathsAndRefusesBadSuites() throws {
        let s = try Self.suite()
        #expect(s.cases[0].definition == "/x/d.json" && s.cases[0].count == 10_000 && s.tolerance == 0.1)
        #expect(throws: LoadError.self) { try BenchSuite(try JSON.parse(#"{"cases":[]}"#), directory: "") }
        #expect(throws: LoadError.self) { try BenchSuite(try JSON.parse(#"{"runs":1,"cases":[{"name":"a","definition":"d","events":"e"}]}"#), directory: "") }
        #expect(throws: LoadError.self) { try BenchSuite(try JSON.parse(#"{"cases":[{"name":"a","events":"e"}]}"#), directory: "") }
        #expect(throws: LoadError.self) { try BenchSuite(try JSON.parse(#"{"tolerance":"lots","cases":[{"name":"a","definition":"d","events":"e"}]}"#), directory: "") }
    }

    @Test func aLargeSignificantChangeIsARegressionAndNoiseIsNot() throws {
        let s = try Self.suite()
        let base = BenchReport(suite: s, cases: [.init(name: "a", runs: Self.runs(1000, 20), outputs: "matched")])
        var same = BenchReport(suite: s, cases: [.init(name: "a", runs: Self.runs(1010, 20.1), outputs: "matched")])
        try same.compare(baseline: base.json)
        #expect(same.regressions.isEmpty)
        var slower = BenchReport(suite: s, cases: [.init(name: "a", runs: Self.runs(1000, 24), outputs: "matched")])
        try slower.compare(baseline: base.json)
        #expect(slower.regressions.map(\.metric) == [.p50Ms, .p99Ms])
        #expect(slower.markdown.contains("p50_ms +20%"))
        var fewer = BenchReport(suite: s, cases: [.init(name: "a", runs: Self.runs(600, 20), outputs: "matched")])
        try fewer.compare(baseline: base.json)
        #expect(fewer.regressions.map(\.metric) == [.eventsPerSecond])
        // Sub-millisecond latencies must move by the floor too, however large the share.
        let fast = BenchReport(suite: s, cases: [.init(name: "a", runs: Self.runs(1000, 0.002), outputs: nil)])
        var faster = BenchReport(suite: s, cases: [.init(name: "a", runs: Self.runs(1000, 0.004), outputs: nil)])
        try faster.compare(baseline: fast.json)
        #expect(faster.regressions.isEmpty)
        #expect(throws: LoadError.self) { try faster.compare(baseline: ["x": 1]) }
        #expect(base.html.contains("<svg") && base.html.hasSuffix("</html>\n"))
    }
}
