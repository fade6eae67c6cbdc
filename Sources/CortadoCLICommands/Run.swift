import ArgumentParser
import CortadoASL
import CortadoJSON
import CortadoPath
import CortadoRuntime
import CortadoTasks
#if canImport(Glibc)
import Glibc
#endif

/// `cortado run DEF --events in.jsonl --out results.jsonl`: one execution per input line,
/// results in input order. (This first version runs on one thread; the worker pool,
/// checkpointing, logs and metrics come with the batch-run issue.)
struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run one Express execution per line of a JSONL events file.",
        discussion: """
            Writes one result line per input line, in input order:
              {"line":N,"status":"SUCCEEDED","output":...}
              {"line":N,"status":"FAILED","error":"...","cause":"..."}
            A malformed input line becomes a FAILED result for that line; the run goes on.
            A summary goes to stderr at the end. Exit status: 0 when every line has a result.
            """)

    @Argument(help: "The definition file (JSON or YAML).") var definition: String
    @Option(name: .long, help: "The events file, one JSON input per line (- for stdin).") var events: String
    @Option(name: .long, help: "Where results go (- for stdout).") var out: String = "-"
    @Option(name: .long, help: "virtual or real (default).") var clock: ClockMode = .real
    @Option(name: .long, help: "State machine name (default: from the file name).") var name: String?
    @Option(name: .customLong("mock-config"), help: "Step Functions Local mock config for Task states.")
    var mockConfig: String?
    @Option(name: .customLong("test-case"), help: "Test case of the mock config.") var testCase: String?

    func run() throws {
        let program: Program
        switch CLI.compile(path: definition) {
        case .success(let p): program = p
        case .failure(let ds):
            for d in ds { CLI.stderr("\(definition): \(d)") }
            throw ExitCode(2)
        }
        guard let data = CLI.readFile(events) else {
            CLI.stderr("cortado run: cannot read events \(events): \(CLI.errorMessage())")
            throw ExitCode(2)
        }
        let machine = CLI.machineName(name, path: definition)
        let backend: any TaskBackend
        do { backend = try CLI.backend(mockConfig: mockConfig, testCase: testCase, machine: machine) } catch {
            CLI.stderr("cortado run: \(error)"); throw ExitCode(2)
        }
        let fp: UnsafeMutablePointer<FILE>
        if out == "-" { fp = fdopen(1, "wb") } else {
            guard let f = fopen(out, "wb") else {
                CLI.stderr("cortado run: cannot write \(out): \(CLI.errorMessage())"); throw ExitCode(2)
            }
            fp = f
        }
        defer { fclose(fp) }
        var succeeded = 0, failed = 0, lineNo = 0
        let started = wallClockMilliseconds()
        var writer = JSONWriter()
        var start = 0
        let n = data.count
        while start < n {
            var end = start
            while end < n, data[end] != 10 { end += 1 }
            lineNo += 1
            var lineEnd = end
            if lineEnd > start, data[lineEnd - 1] == 13 { lineEnd -= 1 }
            let result: ExecutionResult
            do {
                let input = try JSON.parse(data[start..<lineEnd])
                var options = ExecutionOptions(
                    executionName: "line-\(lineNo)", stateMachineName: machine, clock: clock, backend: backend)
                options.executionTimeoutSeconds = 300
                result = Execution(program: program, input: input, options: options).runToCompletion()
            } catch {
                result = ExecutionResult(status: .failed, output: nil,
                    error: ASLError(.runtime, "Input line \(lineNo) is not valid JSON: \(error)"))
            }
            if result.status == .succeeded { succeeded += 1 } else { failed += 1 }
            var o: JSONObject = ["line": .number(JSONNumber(lineNo))]
            for m in CLI.resultJSON(result).objectValue!.members { o[m.key] = m.value }
            writer.bytes.removeAll(keepingCapacity: true)
            writer.write(.object(o))
            writer.bytes.append(10)
            writer.bytes.withUnsafeBufferPointer { _ = fwrite($0.baseAddress, 1, $0.count, fp) }
            start = end + 1
        }
        fflush(fp)
        let ms = max(1, wallClockMilliseconds() - started)
        CLI.stderr("{\"summary\":true,\"lines\":\(lineNo),\"succeeded\":\(succeeded),\"failed\":\(failed),\"elapsed_ms\":\(ms),\"rate\":\(lineNo * 1000 / Int(ms))}")
    }
}
