import ArgumentParser
import CortadoASL
import CortadoAWS
import CortadoBatch
import CortadoJSON
import CortadoLoad
import CortadoRuntime
import Dispatch
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// `cortado load DEF`: executions at a target arrival rate, open loop, with a report.
struct Load: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "load",
        abstract: "Load-test a workflow: executions at a target arrival rate (open loop), latency percentiles, a report.",
        discussion: """
            Each execution has a scheduled start and its latency is measured from it, so a
            stall (of the engine, a task, the machine) shows in the percentiles instead of
            hiding (no coordinated omission). Stages ramp the rate linearly from the
            previous stage's:
              cortado load order.asl.json --events orders.jsonl --rate 500 --duration 30s \\
                  --tasks sim.yaml
              cortado load order.asl.json --template order.json \\
                  --stage 30s:1000/s --stage 2m:5000/s --threshold 'p99<50ms' \\
                  --threshold 'error_rate<0.01' --report-html report.html
              cortado load order.asl.json --events e.jsonl --rate 500 --duration 20s \\
                  --endpoint-url http://127.0.0.1:8083
            A template is a JSON document whose strings may hold generators: {{seq}},
            {{uuid}}, {{int 1 100}}, {{float 0 1}}, {{choice gold silver}}, {{bool}},
            {{now}}.
            A route of --tasks can simulate a service: simulate: {latency: {p50: 20ms, p99:
            200ms}, errorRate: 0.01, errors: [{error: Name, cause: text}]} (see `cortado
            help run`).
            In process, executions run as `cortado run` runs lines (its workers, the tape
            lane where the program allows, timers for waits); the summary's Engine line
            says which.
            On a terminal a progress line shows target and achieved rate, in flight,
            p50/p99 and errors; otherwise one JSON line per interval goes to stderr (or
            --metrics FILE).
            Exit status: 0, or 99 when a threshold failed (as k6), 2 for bad arguments.
            """)

    @Argument(help: "The definition file (JSON or YAML).") var definition: String
    @Option(name: .long, help: "Inputs: a JSONL file, one input per line, used in turn (cycled).") var events: String?
    @Option(name: .long, help: "Inputs: a JSON template with generators ({{seq}}, {{uuid}}, {{int A B}}, ...).") var template: String?
    @Option(name: .long, help: "Constant arrival rate, executions per second (or N/m, N/h).") var rate: String?
    @Option(name: .long, help: "A stage DURATION:RATE (e.g. 30s:1000/s); repeatable, ramps from the previous rate.")
    var stage: [String] = []
    @Option(name: .customLong("start-rate"), help: "The rate the first stage ramps from (default: its own target).")
    var startRate: String?
    @Option(name: .long, help: "How long a --rate run lasts (e.g. 30s, 2m).") var duration: String?
    @Option(name: .long, help: "Stop after this many executions.") var count: Int?
    @Option(name: .customLong("max-concurrency"), help: "At most this many executions in flight; the rest wait in order (reported).")
    var maxConcurrency: Int?
    @Option(name: .customLong("endpoint-url"), help: "Run on a `states` endpoint (cortado serve, or AWS: https://sync-states.<region>.amazonaws.com) through StartSyncExecution.")
    var endpointURL: String?
    @Option(name: .customLong("state-machine-arn"), help: "With --endpoint-url: start this existing machine instead of creating one from DEF.")
    var stateMachineArn: String?
    @Flag(name: .long, help: "With --endpoint-url: sign requests with SigV4 (credentials and region as the AWS SDKs find them), for AWS or `serve --auth`.")
    var sign = false
    @OptionGroup(title: "Task backends") var taskOptions: TaskOptions
    @OptionGroup(title: "Time limit") var timeLimit: TimeLimitOptions
    @Option(name: .customLong("report-json"), help: "Write the JSON report here.") var reportJSON: String?
    @Option(name: .customLong("report-html"), help: "Write the HTML report (self-contained) here.") var reportHTML: String?
    @Option(name: .long, help: "A pass/fail condition, e.g. 'p99<50ms', 'error_rate<0.01', 'achieved_rate>=900'; repeatable.")
    var threshold: [String] = []
    @Option(name: .long, help: "Write the interval JSON lines to this file (default: stderr when it is not a terminal).")
    var metrics: String?
    @Option(name: .long, help: "Seconds between progress updates and metrics lines.") var interval: Double = 1
    @Option(name: .long, help: "State machine name (default: from the file name).") var name: String?
    @Option(name: .long, help: "In process: worker threads running executions (default: one per core).") var workers: Int?

    func validate() throws {
        if (events == nil) == (template == nil) { throw ValidationError("give exactly one of --events FILE or --template FILE") }
        if rate != nil, !stage.isEmpty { throw ValidationError("give --rate or --stage, not both") }
        if rate == nil, stage.isEmpty { throw ValidationError("give --rate N (with --duration or --count) or --stage DURATION:RATE") }
        if rate != nil, duration == nil, count == nil { throw ValidationError("--rate needs --duration or --count") }
        if let c = maxConcurrency, c < 1 { throw ValidationError("--max-concurrency must be at least 1") }
        if let c = count, c < 1 { throw ValidationError("--count must be at least 1") }
        if interval <= 0 { throw ValidationError("--interval must be positive") }
        if let w = workers, w < 1 { throw ValidationError("--workers must be at least 1") }
    }

    func schedule() throws(CLIError) -> ArrivalSchedule {
        if let rate {
            guard let r = ArrivalSchedule.parseRate(rate), r > 0 else { throw CLIError("--rate \(rate) is not a rate (e.g. 500, 500/s, 60/m)") }
            var seconds: Double
            if let duration {
                guard let d = ArrivalSchedule.parseDuration(duration), d > 0 else { throw CLIError("--duration \(duration) is not a duration (e.g. 30s)") }
                seconds = d
            } else {
                seconds = Double(count ?? 0) / r + 1
            }
            return .constant(rate: r, seconds: seconds)
        }
        var stages: [ArrivalSchedule.Stage] = []
        for s in stage {
            guard let st = ArrivalSchedule.parseStage(s) else { throw CLIError("--stage \(s) is not DURATION:RATE (e.g. 30s:1000/s)") }
            stages.append(st)
        }
        var start: Double?
        if let startRate {
            guard let r = ArrivalSchedule.parseRate(startRate) else { throw CLIError("--start-rate \(startRate) is not a rate") }
            start = r
        }
        return ArrivalSchedule(stages: stages, startRate: start)
    }

    func inputs() throws(CLIError) -> LoadInputs {
        let path = events ?? template!
        guard let bytes = CLI.readFile(path) else { throw CLIError("cannot read \(path): \(CLI.errorMessage())") }
        do {
            if events != nil { return try LoadInputs.jsonl(bytes) }
            guard let doc = try? JSON.parse(bytes) else { throw LoadError("the template is not JSON") }
            return try LoadInputs.template(doc)
        } catch { throw CLIError("\(path): \(error)") }
    }

    func run() throws {
        let schedule: ArrivalSchedule, inputs: LoadInputs, thresholds: [Threshold]
        do {
            schedule = try self.schedule()
            inputs = try self.inputs()
            thresholds = try threshold.map { (t) throws(CLIError) -> Threshold in
                do { return try Threshold(t) } catch { throw CLIError("\(error)") }
            }
        } catch {
            CLI.stderr("cortado load: \(error)")
            throw ExitCode(2)
        }
        let program: Program
        guard let source = CLI.readFile(definition) else {
            CLI.stderr("cortado load: cannot read \(definition): \(CLI.errorMessage())")
            throw ExitCode(2)
        }
        let compiled = DefinitionPipeline.compile(bytes: source, fileName: definition)
        switch compiled.result {
        case .success(let p): program = p
        case .failure(let d):
            for x in d { CLI.stderr("\(definition): \(x)") }
            throw ExitCode(2)
        }
        let machine = CLI.machineName(name, path: definition)
        let definitionJSON: JSON? = {
            guard case .success(let l) = DefinitionLoader.load(bytes: source, fileName: definition) else { return nil }
            return l.json
        }()
        let target: any LoadTarget
        var cleanup: () -> Void = {}
        var engineText: () -> String? = { nil }
        var stateNames = program.headers.map(\.name)
        if let endpointURL {
            guard let json = definitionJSON else { throw ExitCode(2) }
            do {
                var signing: (credentials: AWSCredentials, region: String)?
                if sign {
                    let env = AWSEnvironment.load(environment: ProcessInfo.processInfo.environment, home: ProcessInfo.processInfo.environment["HOME"])
                    guard let c = env.credentials else { throw CLIError("--sign: no AWS credentials (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or a profile)") }
                    signing = (c, env.region)
                }
                let remote = try RemoteLoadTarget(endpoint: endpointURL, name: machine, definition: json.serialized,
                                                  machineArn: stateMachineArn, signing: signing)
                target = remote
                cleanup = { remote.shutdown() }
                stateNames = []
            } catch {
                CLI.stderr("cortado load: \(error)")
                throw ExitCode(2)
            }
        } else {
            let backend: any TaskBackend
            do { (backend, cleanup) = try taskOptions.backend(machine: machine) } catch {
                CLI.stderr("cortado load: \(error)")
                throw ExitCode(2)
            }
            var config = BatchConfig(program: program, stateMachineName: machine, backend: backend, definitionPath: definition,
                                     eventsPath: "", outputPath: "", workers: workers ?? ProcessInfo.processInfo.activeProcessorCount)
            config.programForWorker = { compiled.freshProgram() ?? program }
            config.executionTimeoutSeconds = timeLimit.limit
            do { config.objectStore = try taskOptions.objectStore() } catch { CLI.stderr("cortado load: \(error)"); throw ExitCode(2) }
            let local = InProcessTarget(config: config)
            target = local
            engineText = { local.engineText }
        }
        defer { cleanup() }
        var config = LoadRunner.Config(schedule: schedule)
        config.count = count
        config.maxConcurrency = maxConcurrency
        config.interval = interval
        let runner = LoadRunner(config: config, target: target, inputs: inputs, stateNames: stateNames)

        signal(SIGINT, SIG_IGN)
        let interrupt = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
        interrupt.setEventHandler { runner.stop() }
        interrupt.resume()

        let progress = LoadProgress(metricsPath: metrics, planned: count ?? schedule.totalArrivals)
        var report = runner.run { progress.show($0) }
        progress.finish()
        report.check(thresholds)
        CLI.stderr(LoadProgress.summary(report))
        if let engine = engineText() { CLI.stderr("  " + engine) }
        if let reportJSON, !CLI.writeText(reportJSON, report.json.serialized + "\n") { throw ExitCode(2) }
        if let reportHTML, !CLI.writeText(reportHTML, report.html(title: machine, definition: definitionJSON)) { throw ExitCode(2) }
        if !report.passed { throw ExitCode(99) }
    }
}
