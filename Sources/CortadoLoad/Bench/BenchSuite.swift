import CortadoJSON

/// A benchmark suite (`cortado bench SUITE.yaml`): cases of a definition, its inputs and its
/// task backends, each run `runs` times after `warmup` runs, compared with a saved baseline.
///
/// ```yaml
/// name: workloads
/// runs: 5
/// warmup: 1
/// tolerance: 10%          # a regression must be at least this much worse (p50, p99) ...
/// throughputTolerance: 35% # ... or this much (events/s; wall clock is noisy on shared machines) ...
/// significance: 0.05      # ... and this unlikely to be noise (Welch's t-test)
/// latencyFloorMs: 0.5      # ... and, for p50/p99, worse by at least this much
/// cases:
///   - name: order
///     definition: ../../../shared/bench/workloads/order.asl.json   # relative to the suite file
///     events: ../events.jsonl      # cycled up to count lines
///     count: 20000
///     mocks: {config: order.mocks.json, testCase: default}   # or tasks: routes.yaml
///     expected: ../../../shared/bench/expected/order.jsonl   # optional: results checked first
///     workers: 2
///     clock: real                # or virtual
/// ```
public struct BenchSuite: Sendable {
    public struct Case: Sendable {
        public var name: String
        public var definition: String
        public var events: String
        public var count: Int
        public var mocks: (config: String, testCase: String)?
        public var tasks: String?
        public var expected: String?
        public var workers: Int?
        public var clock: String?
    }

    public var name: String
    public var runs: Int
    public var warmup: Int
    /// Relative worsening of p50 or p99 that counts as a regression (0.1 = 10%).
    public var tolerance: Double
    /// The same for events/s, wider: on a shared 2-core machine the wall-clock throughput of
    /// one build moves by 20–30% between runs (measured), its latencies far less.
    public var throughputTolerance: Double
    public var significance: Double
    /// A latency must also be worse by at least this many milliseconds to regress: sub-millisecond
    /// percentiles of fast workflows move by tens of percent from run to run.
    public var latencyFloorMs: Double
    public var cases: [Case]

    /// - Parameters:
    ///   - doc: the suite file's document (JSON or YAML, already loaded).
    ///   - directory: the suite file's folder; relative paths in cases are resolved from it.
    /// - Throws: `LoadError` naming the first problem.
    public init(_ doc: JSON, directory: String) throws(LoadError) {
        guard case .object(let o) = doc else { throw LoadError("a suite is an object with a 'cases' list") }
        name = o["name"]?.stringValue ?? "bench"
        runs = o["runs"]?.numberValue?.int ?? 5
        warmup = o["warmup"]?.numberValue?.int ?? 1
        tolerance = try Self.fraction(o["tolerance"], default: 0.10, field: "tolerance")
        throughputTolerance = try Self.fraction(o["throughputTolerance"], default: 0.35, field: "throughputTolerance")
        significance = o["significance"]?.numberValue?.double ?? 0.05
        latencyFloorMs = o["latencyFloorMs"]?.numberValue?.double ?? 0.5
        guard runs >= 2 else { throw LoadError("runs must be at least 2 (confidence intervals and the t-test need two)") }
        guard warmup >= 0 else { throw LoadError("warmup must not be negative") }
        guard let list = o["cases"]?.arrayValue, !list.isEmpty else { throw LoadError("the suite has no 'cases'") }
        func path(_ p: String) -> String { p.hasPrefix("/") || directory.isEmpty ? p : directory + "/" + p }
        var cases: [Case] = []
        for (k, c) in list.enumerated() {
            let at = "case \(k + 1)"
            guard let name = c["name"]?.stringValue else { throw LoadError("\(at): 'name' is required") }
            guard let def = c["definition"]?.stringValue else { throw LoadError("\(name): 'definition' is required") }
            guard let events = c["events"]?.stringValue else { throw LoadError("\(name): 'events' (a JSONL file) is required") }
            var mocks: (String, String)?
            if let m = c["mocks"] {
                guard let cfg = m["config"]?.stringValue else { throw LoadError("\(name): mocks needs 'config'") }
                mocks = (path(cfg), m["testCase"]?.stringValue ?? "default")
            }
            let count = c["count"]?.numberValue?.int ?? 10_000
            guard count > 0 else { throw LoadError("\(name): count must be positive") }
            if cases.contains(where: { $0.name == name }) { throw LoadError("\(name): two cases have this name") }
            cases.append(Case(name: name, definition: path(def), events: path(events), count: count, mocks: mocks,
                              tasks: c["tasks"]?.stringValue.map(path), expected: c["expected"]?.stringValue.map(path),
                              workers: c["workers"]?.numberValue?.int, clock: c["clock"]?.stringValue))
        }
        self.cases = cases
    }

    /// `10%`, `0.1` or `10` (percent when over 1).
    static func fraction(_ v: JSON?, default d: Double, field: String) throws(LoadError) -> Double {
        guard let v else { return d }
        if let n = v.numberValue?.double { return n > 1 ? n / 100 : n }
        if let s = v.stringValue, s.hasSuffix("%"), let n = Double(s.dropLast()) { return n / 100 }
        throw LoadError("\(field) must be a fraction or a percentage (e.g. 10%)")
    }
}
