import ArgumentParser
import CortadoASL
import CortadoJSON
import CortadoRuntime
import CortadoTasks
#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// `cortado exec DEF --input FILE`: one execution, one JSON object on stdout.
struct Exec: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "exec",
        abstract: "Run one execution and print its result as one JSON object.",
        discussion: """
            Prints {"status":"SUCCEEDED","output":...},
            {"status":"FAILED","error":...,"cause":...} or
            {"status":"INVALID","diagnostics":[...]} (the ../shared/conformance contract).
            Exit status: 0 succeeded, 1 failed, 2 invalid definition or unreadable input.
            """)

    @Argument(help: "The definition file (JSON or YAML).") var definition: String
    @OptionGroup(title: "Task backends") var taskOptions: TaskOptions
    @Option(name: .long, help: "The execution input: a JSON file, or - for stdin. Default: {}.") var input: String?
    @Option(name: .long, help: "virtual (waits take no real time; default) or real.") var clock: ClockMode = .virtual
    @Option(name: .long, help: "State machine name (default: the file name without .asl.json/.json/.yaml).")
    var name: String?
    @Option(name: .customLong("execution-name"), help: "Execution name (default: a fresh UUID).") var executionName: String?
    @Option(name: .customLong("log-level"),
            help: "Execution log level, as in AWS: ALL, ERROR, FATAL or OFF (default: OFF).")
    var logLevel: LogLevel = .off
    @Flag(name: .customLong("include-execution-data"),
          help: "Include inputs and outputs in the execution log (as AWS's includeExecutionData).")
    var includeExecutionData = false
    @Option(name: .long, help: "Write the execution log (CloudWatch Logs JSON lines of Express workflows) to this file; - is stderr.")
    var logs: String?
    @Option(name: .long, help: "The AWS account in ARNs (default: 111111111111, as `run` and `serve`).")
    var account: String = ExecutionOptions.defaultAccount
    @OptionGroup(title: "Time limit") var timeLimit: TimeLimitOptions
    @Option(name: .long, help: ArgumentHelp(
        "Run only shard i of n (e.g. 0/4) of every Distributed Map's child executions.",
        discussion: "Give every shard the same --execution-name: the shards then share the map run's id (its ResultWriter directory) and each writes its own files; `cortado merge --map-run DIR` joins their manifests."))
    var shard: String?

    func validate() throws {
        if let shard, Run.parseShard(shard) == nil { throw ValidationError("--shard takes i/n with 0 <= i < n, e.g. 0/4") }
        if shard != nil && executionName == nil {
            throw ValidationError("--shard needs --execution-name, the same for every shard (it names the shared map run)")
        }
    }

    func run() throws {
        let program: Program
        switch CLI.compile(path: definition) {
        case .success(let p): program = p
        case .failure(let d):
            CLI.stdout(JSON.object(["status": "INVALID", "diagnostics": CLI.diagnosticsJSON(d)]).serializedBytes + [10])
            throw ExitCode(2)
        }
        var inputValue: JSON = .object(JSONObject())
        if let input {
            guard let bytes = CLI.readFile(input) else {
                CLI.stderr("cortado exec: cannot read input \(input): \(CLI.errorMessage())")
                throw ExitCode(2)
            }
            do { inputValue = try JSON.parse(bytes) } catch {
                CLI.stderr("cortado exec: input \(input) is not valid JSON: \(error)")
                throw ExitCode(2)
            }
        }
        let machine = CLI.machineName(name, path: definition)
        let backend: any TaskBackend
        let cleanup: () -> Void
        do { (backend, cleanup) = try taskOptions.backend(machine: machine) } catch {
            CLI.stderr("cortado exec: \(error)")
            throw ExitCode(2)
        }
        defer { cleanup() }
        var options = ExecutionOptions(
            executionName: executionName ?? UUID4.random(), stateMachineName: machine, clock: clock, backend: backend)
        options.startTime = nil
        options.account = account
        options.roleArn = ExecutionOptions.roleArn(account: account)
        options.executionTimeoutSeconds = timeLimit.limit
        options.mapShard = shard.flatMap(Run.parseShard)
        do { options.objectStore = try taskOptions.objectStore() } catch { CLI.stderr("cortado exec: \(error)"); throw ExitCode(2) }
        let execution = Execution(program: program, input: inputValue, options: options)
        var sink: CloudWatchLogSink?
        if logs != nil, logLevel != .off {
            sink = CloudWatchLogSink(level: logLevel, includeExecutionData: includeExecutionData)
            execution.eventSink = sink
        }
        let result = execution.runToCompletion()
        if let logs {
            let lines = sink?.buffer ?? []
            if logs == "-" {
                CLI.writeAll(2, lines)
            } else {
                let fd = open(logs, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
                guard fd >= 0 else {
                    CLI.stderr("cortado exec: cannot write logs to \(logs): \(CLI.errorMessage())")
                    throw ExitCode(2)
                }
                CLI.writeAll(fd, lines)
                close(fd)
            }
        }
        CLI.stdout(CLI.resultJSON(result).serializedBytes + [10])
        if result.status != .succeeded { throw ExitCode(1) }
    }
}

extension ClockMode: ExpressibleByArgument {}
extension LogLevel: ExpressibleByArgument {}
