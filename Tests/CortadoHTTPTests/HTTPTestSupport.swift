import CortadoASL
import CortadoHTTP
import CortadoJSON
import CortadoPath
import CortadoRuntime
import Foundation

/// The stdlib Python server beside this file (http_server.py), on 127.0.0.1 at an
/// ephemeral port. It also exits by itself when this process closes its stdin.
final class TestServer {
    let process = Process()
    private let input = Pipe()
    private let output = Pipe()
    let port: Int

    var base: String { "http://127.0.0.1:\(port)" }

    init() throws {
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("http_server.py")
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script.path]
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        var line: [UInt8] = []
        let reader = output.fileHandleForReading
        while !line.contains(UInt8(ascii: "\n")) {
            let chunk = reader.availableData
            if chunk.isEmpty { break }
            line.append(contentsOf: chunk)
        }
        guard let p = Int(String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)) else {
            process.terminate()
            throw TestError.serverDidNotStart
        }
        port = p
    }

    /// Closes the server's stdin (it shuts down on EOF); SIGKILL if it is still up after 5 s.
    /// (Not SIGTERM: a child inherits the test runner's signal mask, which may block it.)
    func stop() {
        try? input.fileHandleForWriting.close()
        for _ in 0..<500 where process.isRunning { usleep(10_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }
}

enum TestError: Error { case serverDidNotStart, invalid(String) }

/// Runs `body` with a fresh server and transport, and stops both afterwards.
func withServer<T>(_ body: (TestServer, HTTPTransport) throws -> T) throws -> T {
    let server = try TestServer()
    let transport = HTTPTransport(threads: 1)
    defer {
        transport.shutdown()
        server.stop()
    }
    return try body(server, transport)
}

/// A definition with one Task state `T` (plus a Pass state `C` for Catch to reach).
func taskDefinition(resource: String, parameters: String? = nil, extra: String = "") -> String {
    let params = parameters.map { #","Parameters":\#($0)"# } ?? ""
    return #"{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"\#(resource)"\#(params)\#(extra),"End":true},"#
        + #""C":{"Type":"Pass","End":true}}}"#
}

func run(_ definition: String, input: String = "{}", backend: any TaskBackend) throws -> ExecutionResult {
    let program: Program
    switch Compiler.compile(try JSON.parse(definition)) {
    case .success(let p): program = p
    case .failure(let d): throw TestError.invalid(d.map(\.description).joined(separator: "; "))
    }
    var options = ExecutionOptions(executionName: "exec-1", stateMachineName: "sm", clock: .virtual, backend: backend)
    options.startTime = 1_700_000_000_000
    return Execution(program: program, input: try JSON.parse(input), options: options).runToCompletion()
}

extension ExecutionResult {
    var errorName: String? { error?.name?.rawValue }
    var cause: String? { error?.cause }
}
