import ArgumentParser
import CortadoASL
import CortadoBatch
import CortadoJSON
import CortadoRuntime
import Foundation
import Synchronization

/// `cortado run DEF --events in.jsonl --out results.jsonl`: Cortado's main job.
struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run one Express execution per line of a JSONL events file, on all cores.",
        discussion: """
            Writes one result line per input line, in input order:
              {"line":N,"status":"SUCCEEDED","output":...}
              {"line":N,"status":"FAILED","error":"...","cause":"..."}
            A malformed input line (not JSON, too deep, over 256 KiB) becomes a FAILED
            result for that line; the run goes on.

            Crash safety: a checkpoint journal (OUT.checkpoint) records how much of OUT is
            complete. After a crash or kill, run the same command with --resume: the output
            is truncated to the checkpoint and the run continues after it, so every input
            line ends up with exactly one result line (lines past the checkpoint run again:
            at least once, as in AWS).

            Progress: on a terminal, a progress bar on stderr; otherwise (or with
            --metrics) one JSON metrics line per interval and a final summary line.

            Scale-out: --shard i/n takes lines whose (number-1) % n == i; run each shard on
            its own machine, then `cortado merge` joins the outputs in line order.

            Exit status: 0 every line read has a result; 2 unreadable definition, events or
            output, a bad flag, or an events file that shrank while it was read (then fix
            the file and --resume); 3 stopped early by --max-failures.
            """)

    @Argument(help: "The definition file (JSON or YAML).") var definition: String
    @OptionGroup(title: "Task backends") var taskOptions: TaskOptions
    @OptionGroup(title: "Time limit") var timeLimit: TimeLimitOptions
    @Option(name: .long, help: "Events file, one JSON execution input per line (- for stdin).") var events: String
    @Option(name: .long, help: "Results file (- for stdout; --resume needs a file).") var out: String = "-"
    @Option(name: .long, help: "Worker threads (default: the number of cores).") var workers: Int?
    @Option(name: .long, help: "real (default) or virtual (waits take no real time).") var clock: ClockMode = .real
    @Flag(name: .long, help: "Continue an interrupted run from OUT.checkpoint.") var resume = false
    @Option(name: .long, help: "Run only shard i of n (e.g. 0/4): lines with (number-1) % n == i.") var shard: String?
    @Option(name: .customLong("max-failures"), help: "Stop (exit status 3) once more than N lines failed.")
    var maxFailures: Int?
    @Option(name: .long, help: "Metrics JSON lines go to this file (default: stderr when it is not a terminal).")
    var metrics: String?
    @Option(name: .customLong("metrics-interval"), help: "Seconds between metrics lines.") var metricsInterval: Double = 1
    @Option(name: .long, help: "Lines in flight at most (bounds memory; parked executions count: a few hundred bytes each on the tape lane, a few KB on the general engine).") var window: Int = 65_536
    @Option(name: .customLong("log-level"), help: "Execution log level, as in AWS: ALL, ERROR, FATAL or OFF (default).")
    var logLevel: LogLevel = .off
    @Flag(name: .customLong("include-execution-data"), help: "Put inputs and outputs into the execution log.")
    var includeExecutionData = false
    @Option(name: .long, help: "Execution log (CloudWatch Logs JSON lines of Express workflows) file; - is stderr.")
    var logs: String?
    @Option(name: .long, help: "State machine name (default: from the file name).") var name: String?
    @Option(name: .long, help: ArgumentHelp(
        "auto (default) or general.",
        discussion: "auto runs lines on the tape lane (values stay byte ranges of the line) when the program is one it takes (with --log-level ALL, one whose Map and Parallel children neither wait nor start children): Pass, Choice, Succeed, Fail, inline Map, Parallel, Wait (on a real clock a line that waits parks, logged or not; a Map's or Parallel's children wait side by side), Tasks a mock answers (Return or Throw, with their Retry and Catch) or a simulated service (--tasks simulate) answers, Tasks of workers, HTTP, Lambda or AWS outside Map and Parallel (a line parks until its answer; one handed back is answered again, never asked twice), JSONata states (README, \"The tape lane\"); any line it is not sure of goes to the general engine. general runs every line on the general engine."))
    var engine: EngineChoice = .auto

    func validate() throws {
        if let w = workers, w < 1 { throw ValidationError("--workers must be at least 1") }
        if window < 1 { throw ValidationError("--window must be at least 1") }
        if metricsInterval <= 0 { throw ValidationError("--metrics-interval must be positive") }
        if let shard, Run.parseShard(shard) == nil { throw ValidationError("--shard takes i/n with 0 <= i < n, e.g. 0/4") }
    }

    static func parseShard(_ s: String) -> (index: Int, count: Int)? {
        let parts = s.split(separator: "/")
        guard parts.count == 2, let i = Int(parts[0]), let n = Int(parts[1]), n >= 1, i >= 0, i < n else { return nil }
        return (i, n)
    }

    func run() throws {
        let program: Program
        guard let source = CLI.readFile(definition) else {
            CLI.stderr("cortado run: cannot read \(definition): \(CLI.errorMessage())")
            throw ExitCode(2)
        }
        let compiled = DefinitionPipeline.compile(bytes: source, fileName: definition)
        switch compiled.result {
        case .success(let p): program = p
        case .failure(let ds):
            for d in ds { CLI.stderr("\(definition): \(d)") }
            throw ExitCode(2)
        }
        let machine = CLI.machineName(name, path: definition)
        let backend: any TaskBackend
        let cleanup: () -> Void
        do { (backend, cleanup) = try taskOptions.backend(machine: machine) } catch {
            CLI.stderr("cortado run: \(error)"); throw ExitCode(2)
        }
        defer { cleanup() }
        var config = BatchConfig(
            program: program, stateMachineName: machine, backend: backend, definitionPath: definition,
            eventsPath: events, outputPath: out, workers: workers ?? ProcessInfo.processInfo.activeProcessorCount)
        config.programForWorker = { compiled.freshProgram() ?? program }
        config.clock = clock
        config.executionTimeoutSeconds = timeLimit.limit
        do { config.objectStore = try taskOptions.objectStore() } catch { CLI.stderr("cortado run: \(error)"); throw ExitCode(2) }
        config.tapeLane = engine == .auto
        config.resume = resume
        config.shard = shard.flatMap(Run.parseShard)
        config.maxFailures = maxFailures
        config.windowLines = window
        config.metricsInterval = metricsInterval
        if let logs, logLevel != .off {
            let fd: Int32 = logs == "-" ? 2 : open(logs, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
            guard fd >= 0 else { CLI.stderr("cortado run: cannot write logs to \(logs): \(CLI.errorMessage())"); throw ExitCode(2) }
            config.logFD = fd
            config.logLevel = logLevel
            config.includeExecutionData = includeExecutionData
        }

        // Where progress goes: a bar on an interactive stderr, JSON lines otherwise.
        let metricsFD: Int32 = metrics.map { open($0, O_WRONLY | O_CREAT | O_TRUNC, 0o644) } ?? 2
        guard metricsFD >= 0 else { CLI.stderr("cortado run: cannot write \(metrics ?? ""): \(CLI.errorMessage())"); throw ExitCode(2) }
        let bar = metrics == nil && isTerminal(2)
        let previous = Mutex<MetricsSnapshot?>(nil)
        config.onMetrics = { snap, fraction, final in
            let prev = previous.withLock { p -> MetricsSnapshot? in let old = p; p = snap; return old }
            if bar {
                if final {
                    CLI.writeAll(2, Array(("\r\u{1B}[2K" + snap.summaryText() + "\n").utf8))
                } else {
                    CLI.writeAll(2, Array(("\r\u{1B}[2K" + snap.progressLine(previous: prev, fraction: fraction, width: 30)).utf8))
                }
            } else {
                CLI.writeAll(metricsFD, snap.jsonLine(previous: final ? nil : prev, summary: final))
            }
        }

        let summary: BatchSummary
        do { summary = try BatchRunner(config: config).run() } catch {
            CLI.stderr("cortado run: \(error)"); throw ExitCode(2)
        }
        if metricsFD != 2 { close(metricsFD) }
        if summary.stoppedEarly {
            CLI.stderr("cortado run: stopped after more than \(maxFailures ?? 0) failures; results are complete through line \(summary.watermark) (continue with --resume)")
            throw ExitCode(3)
        }
    }
}

/// Which engine `cortado run` uses for lines.
enum EngineChoice: String, ExpressibleByArgument, CaseIterable {
    case auto, general
}

/// `cortado merge SHARD_OUTPUT... --out FILE`.
struct Merge: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Join the outputs of `cortado run --shard i/n` runs in input-line order, or a sharded Distributed Map's result files.",
        discussion: """
            Examples:
              cortado merge part-0.jsonl part-1.jsonl part-2.jsonl --out results.jsonl
              cortado merge --map-run results/csvProcessJobs/<map-run-id>
            The second form joins the manifest_<i>.json files that `cortado exec --shard
            i/n` wrote for a Distributed Map's ResultWriter into manifest.json (the layout
            AWS writes).
            """)

    @Argument(help: "Shard result files.") var inputs: [String] = []
    @Option(name: .long, help: "Merged results file (- for stdout).") var out: String = "-"
    @Option(name: .customLong("map-run"), help: "A sharded map run's result directory (PREFIX/<map-run-id>) to join.")
    var mapRun: String?

    func validate() throws {
        if mapRun == nil && inputs.isEmpty { throw ValidationError("give shard result files, or --map-run DIR") }
    }

    func run() throws {
        if let mapRun {
            do {
                let n = try MapRunMerge.merge(directory: mapRun)
                CLI.stderr("cortado merge: manifest.json of \(mapRun) from \(n) shard manifests")
            } catch {
                CLI.stderr("cortado merge: \(error.cause ?? "\(error)")"); throw ExitCode(2)
            }
            return
        }
        let fd: Int32 = out == "-" ? 1 : open(out, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { CLI.stderr("cortado merge: cannot write \(out): \(CLI.errorMessage())"); throw ExitCode(2) }
        defer { if fd != 1 { close(fd) } }
        do {
            let n = try ShardMerge.merge(inputs: inputs, output: fd)
            CLI.stderr("cortado merge: \(n) lines from \(inputs.count) files")
        } catch {
            CLI.stderr("cortado merge: \(error)"); throw ExitCode(2)
        }
    }
}
