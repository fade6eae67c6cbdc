import ArgumentParser
import CortadoASL
import CortadoJSON
import CortadoLoad
import CortadoRuntime
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// `cortado bench SUITE`: repeated runs of each case as a child `cortado run`, compared with
/// a baseline.
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Run a benchmark suite of workflows, with confidence intervals and baseline regression checks.",
        discussion: """
            Each case (definition, events, mocks or task routes, optional expected results)
            runs as a child `cortado run` process: warm-up runs first, then `runs` measured
            ones, each giving events/s, latency p50/p99, CPU time and peak RSS (the child's
            own). Results are checked against the expected file first, when given.
            --save-baseline F keeps the runs; --baseline F compares with them: a case
            regresses when events/s, p50 or p99 is worse by more than the suite's tolerance
            (default 10%) AND Welch's t-test says it is unlikely to be noise (p < 0.05).
            Exit status: 0, 1 on a regression or a wrong output, 2 for a bad suite.
              cortado bench examples/bench/suite.yaml --save-baseline base.json
              cortado bench examples/bench/suite.yaml --baseline base.json \\
                  --markdown BENCH.md
            """)

    @Argument(help: "The suite file (YAML or JSON).") var suite: String
    @Option(name: .customLong("save-baseline"), help: "Save this run's results as a baseline.") var saveBaseline: String?
    @Option(name: .long, help: "Compare with a saved baseline; a significant regression fails.") var baseline: String?
    @Option(name: .long, help: "Write the results as JSON.") var json: String?
    @Option(name: .long, help: "Write the results as a Markdown table.") var markdown: String?
    @Option(name: .long, help: "Write the results as an HTML page.") var html: String?
    @Option(name: .long, help: "Measured runs per case (overrides the suite).") var runs: Int?
    @Option(name: .long, help: "Only the cases whose name contains this.") var filter: String?

    func run() throws {
        var s: BenchSuite
        do { s = try loadSuite() } catch {
            CLI.stderr("cortado bench: \(suite): \(error)")
            throw ExitCode(2)
        }
        if let runs { s.runs = max(2, runs) }
        if let filter { s.cases = s.cases.filter { $0.name.contains(filter) } }
        guard let binary = CLI.executablePath() else { CLI.stderr("cortado bench: cannot find my own executable"); throw ExitCode(2) }
        let work = NSTemporaryDirectory() + "cortado-bench-\(getpid())"
        try? FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: work) }
        var results: [BenchReport.CaseResult] = []
        for c in s.cases {
            do { results.append(try runCase(c, suite: s, binary: binary, work: work)) } catch {
                CLI.stderr("cortado bench: \(c.name): \(error)")
                throw ExitCode(2)
            }
        }
        var report = BenchReport(suite: s, cases: results)
        if let baseline {
            guard let b = CLI.readFile(baseline), let doc = try? JSON.parse(b) else {
                CLI.stderr("cortado bench: cannot read the baseline \(baseline)")
                throw ExitCode(2)
            }
            do { try report.compare(baseline: doc) } catch { CLI.stderr("cortado bench: \(baseline): \(error)"); throw ExitCode(2) }
        }
        CLI.stdout(Array(report.markdown.utf8))
        let text = report.json.serialized + "\n"
        for path in [saveBaseline, json].compactMap({ $0 }) where !CLI.writeText(path, text) { throw ExitCode(2) }
        if let markdown, !CLI.writeText(markdown, report.markdown) { throw ExitCode(2) }
        if let html, !CLI.writeText(html, report.html) { throw ExitCode(2) }
        for c in report.outputMismatches { CLI.stderr("cortado bench: \(c.name): wrong results: \(c.outputs ?? "")") }
        for r in report.regressions {
            CLI.stderr("cortado bench: REGRESSION in \(r.caseName): \(r.metric.rawValue) \(LoadReport.fmt(r.baseline.mean)) -> "
                + "\(LoadReport.fmt(r.current.mean)) (\(LoadReport.fmt(r.worsening * 100))% worse, more than the "
                + "\(LoadReport.fmt((r.metric == .eventsPerSecond ? s.throughputTolerance : s.tolerance) * 100))% tolerance; "
                + "Welch p = \(r.p < 0.001 ? "<0.001" : LoadReport.fmt(r.p)) < \(s.significance))")
        }
        if !report.regressions.isEmpty || !report.outputMismatches.isEmpty { throw ExitCode(1) }
    }

    func loadSuite() throws -> BenchSuite {
        guard let bytes = CLI.readFile(suite) else { throw CLIError("cannot read it: \(CLI.errorMessage())") }
        guard case .success(let l) = DefinitionLoader.load(bytes: bytes, fileName: suite) else { throw CLIError("not YAML or JSON") }
        let dir = suite.contains("/") ? String(suite[..<suite.lastIndex(of: "/")!]) : "."
        return try BenchSuite(l.json, directory: dir)
    }

    func runCase(_ c: BenchSuite.Case, suite s: BenchSuite, binary: String, work: String) throws -> BenchReport.CaseResult {
        // The events, cycled to `count` lines, written once for all the case's runs.
        // NOTE: written in pieces, so this process stays small: Linux counts a spawned child's
        // peak RSS from at least its parent's (the high-water mark survives the exec).
        guard let source = CLI.readFile(c.events) else { throw CLIError("cannot read events \(c.events)") }
        let lines = source.split(separator: 10).filter { !$0.isEmpty }
        guard !lines.isEmpty else { throw CLIError("no events in \(c.events)") }
        let slug = String(c.name.map { $0.isLetter || $0.isNumber ? $0 : "-" })
        let eventsPath = work + "/\(slug).events.jsonl", out = work + "/\(slug).out.jsonl", metrics = work + "/\(slug).metrics.jsonl"
        let fd = open(eventsPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { throw CLIError("cannot write \(eventsPath)") }
        var chunk: [UInt8] = []
        chunk.reserveCapacity(1 << 20)
        for k in 0..<c.count {
            chunk += lines[k % lines.count]
            chunk.append(10)
            if chunk.count >= 1 << 20 { CLI.writeAll(fd, chunk); chunk.removeAll(keepingCapacity: true) }
        }
        CLI.writeAll(fd, chunk)
        close(fd)
        var args = ["run", c.definition, "--events", eventsPath, "--out", out, "--metrics", metrics, "--metrics-interval", "3600"]
        if let w = c.workers { args += ["--workers", String(w)] }
        if let clock = c.clock { args += ["--clock", clock] }
        if let m = c.mocks { args += ["--mock-config", m.config, "--test-case", m.testCase] }
        if let t = c.tasks { args += ["--tasks", t] }
        var runs: [BenchRun] = []
        var outputs: String?
        for k in 0..<(s.warmup + s.runs) {
            let child = try ChildProcess.run(binary, args)
            guard child.status == 0 else { throw CLIError("`cortado \(args.joined(separator: " "))` exited with \(child.status)") }
            if k == 0, let expected = c.expected { outputs = Self.check(out: out, expected: expected) }
            guard k >= s.warmup else { continue }
            let summary = (CLI.readFile(metrics).map { String(decoding: $0, as: UTF8.self) } ?? "")
                .split(separator: "\n").last.flatMap { try? JSON.parse(Array($0.utf8)) }
            let lat = summary?["latency_ms"]
            runs.append(BenchRun(wallSeconds: child.wallSeconds, eventsPerSecond: Double(c.count) / max(child.wallSeconds, 1e-9),
                                 p50Ms: lat?["p50"]?.numberValue?.double ?? 0, p99Ms: lat?["p99"]?.numberValue?.double ?? 0,
                                 cpuSeconds: child.cpuSeconds, peakRSSMiB: summary?["peak_rss_mib"]?.numberValue?.double ?? child.peakRSSMiB))
            CLI.stderr("cortado bench: \(c.name) run \(k - s.warmup + 1)/\(s.runs): \(LoadReport.fmt(runs.last!.eventsPerSecond)) events/s")
        }
        return BenchReport.CaseResult(name: c.name, runs: runs, outputs: outputs)
    }

    /// The first lines of `out` (their "line" field aside) against the expected results.
    static func check(out: String, expected: String) -> String {
        guard let e = CLI.readFile(expected), let o = CLI.readFile(out) else { return "cannot read \(expected) or the output" }
        let want = e.split(separator: 10).filter { !$0.isEmpty }, got = o.split(separator: 10).filter { !$0.isEmpty }
        guard got.count >= want.count else { return "\(got.count) result lines, expected at least \(want.count)" }
        for k in want.indices {
            guard case .object(var g)? = try? JSON.parse(Array(got[k])), let w = try? JSON.parse(Array(want[k])) else {
                return "line \(k + 1) is not JSON"
            }
            g["line"] = nil
            if JSON.object(g) != w { return "line \(k + 1) differs from \(expected)" }
        }
        return "matched"
    }
}

/// A child process run to its end, with its own CPU time (wait4's rusage; its ru_maxrss
/// starts from the parent's, so `cortado run` reports its own peak in its summary line).
struct ChildProcess {
    var status: Int32
    var wallSeconds: Double
    var cpuSeconds: Double
    var peakRSSMiB: Double

    static func run(_ path: String, _ args: [String]) throws -> ChildProcess {
        var pid: pid_t = 0
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        let argv = ([path] + args).map { strdup($0) } + [nil]
        defer { for a in argv { free(a) } }
        let t0 = monotonicNanoseconds()
        let rc = posix_spawn(&pid, path, &actions, nil, argv, environ)
        guard rc == 0 else { throw CLIError("cannot start \(path): \(String(cString: strerror(rc)))") }
        var status: Int32 = 0
        var usage = rusage()
        while wait4(pid, &status, 0, &usage) < 0 && errno == EINTR {}
        let wall = Double(monotonicNanoseconds() - t0) / 1e9
        func secs(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) / 1e6 }
        let exited = (status & 0x7f) == 0
        return ChildProcess(status: exited ? (status >> 8) & 0xff : 128 + (status & 0x7f), wallSeconds: wall,
                            cpuSeconds: secs(usage.ru_utime) + secs(usage.ru_stime), peakRSSMiB: Double(usage.ru_maxrss) / 1024)
    }
}

extension CLI {
    /// This process's executable (for running itself as a child).
    static func executablePath() -> String? {
        var buf = [CChar](repeating: 0, count: 4096)
        let n = readlink("/proc/self/exe", &buf, buf.count - 1)
        guard n > 0 else { return nil }
        return String(decoding: buf[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
