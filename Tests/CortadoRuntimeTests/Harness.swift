import CortadoASL
import CortadoJSON
import CortadoPath
import CortadoRuntime

/// Compiles and runs definitions in tests, on the virtual clock.
enum Harness {
    static func program(_ definition: String) throws -> Program {
        let json = try JSON.parse(definition)
        switch Compiler.compile(json) {
        case .success(let p): return p
        case .failure(let d): throw HarnessError.invalid(d.map(\.description).joined(separator: "; "))
        }
    }

    static func run(_ definition: String, input: String = "{}", backend: any TaskBackend = HandlerRegistry(),
                    startTime: Int64 = 1_700_000_000_000) throws -> ExecutionResult {
        try run(program(definition), input: JSON.parse(input), backend: backend, startTime: startTime)
    }

    static func run(_ program: Program, input: JSON, backend: any TaskBackend = HandlerRegistry(),
                    startTime: Int64 = 1_700_000_000_000, events: (@Sendable (HistoryEvent) -> Void)? = nil) -> ExecutionResult {
        var o = ExecutionOptions(executionName: "exec-1", stateMachineName: "sm", clock: .virtual, backend: backend)
        o.startTime = startTime
        o.eventSink = events
        o.executionTimeoutSeconds = nil  // days of virtual time in some tests; ExecutionTests checks the limit

        return Execution(program: program, input: input, options: o).runToCompletion()
    }
}

enum HarnessError: Error { case invalid(String) }

extension ExecutionResult {
    var outputText: String? { output?.serialized }
    var errorName: String? { error?.name?.rawValue }
}
