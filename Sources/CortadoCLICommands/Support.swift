import CortadoASL
import CortadoJSON
import CortadoRuntime
#if canImport(Glibc)
import Glibc
#endif

/// File helpers and shared output shapes for the CLI commands.
enum CLI {
    /// Reads a whole file; nil with a message on stderr when it cannot.
    static func readFile(_ path: String) -> [UInt8]? {
        if path == "-" {
            var out: [UInt8] = []
            var buf = [UInt8](repeating: 0, count: 1 << 16)
            while true {
                let n = read(0, &buf, buf.count)
                if n <= 0 { break }
                out.append(contentsOf: buf[0..<n])
            }
            return out
        }
        guard let fp = fopen(path, "rb") else { return nil }
        defer { fclose(fp) }
        var out: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = fread(&buf, 1, buf.count, fp)
            if n <= 0 { break }
            out.append(contentsOf: buf[0..<n])
        }
        if ferror(fp) != 0 { return nil }
        return out
    }

    static func errorMessage() -> String { String(cString: strerror(errno)) }

    static func environment(_ name: String) -> String? { getenv(name).map { String(cString: $0) } }

    static func stderr(_ s: String) {
        var line = s
        if !line.hasSuffix("\n") { line += "\n" }
        writeAll(2, Array(line.utf8))
    }

    static func stdout(_ bytes: [UInt8]) { writeAll(1, bytes) }

    static func writeAll(_ fd: Int32, _ bytes: [UInt8]) { CortadoRuntime.writeAll(fd, bytes) }

    /// The state machine name AWS would see: `--name`, else the file name without its ASL extension.
    static func machineName(_ explicit: String?, path: String) -> String {
        if let explicit, !explicit.isEmpty { return explicit }
        var base = String(path.split(separator: "/").last ?? "StateMachine")
        for ext in [".asl.json", ".json", ".asl.yaml", ".asl.yml", ".yaml", ".yml"] where base.hasSuffix(ext) {
            base = String(base.dropLast(ext.count)); break
        }
        return base.isEmpty ? "StateMachine" : base
    }

    /// Loads, validates and compiles a definition file.
    static func compile(path: String) -> Result<Program, [Diagnostic]> {
        guard let bytes = readFile(path) else {
            return .failure([Diagnostic(.invalidJSONDescription, "Cannot read \(path): \(errorMessage())", at: "/")])
        }
        return compile(bytes: bytes, path: path)
    }

    /// Loads, validates and compiles a definition's bytes (`path` names it in diagnostics).
    static func compile(bytes: [UInt8], path: String) -> Result<Program, [Diagnostic]> {
        DefinitionPipeline.compile(bytes: bytes, fileName: path).result
    }

    static func diagnosticsJSON(_ ds: [Diagnostic]) -> JSON {
        .array(ds.map { d in
            var o: JSONObject = ["code": .string(d.code.rawValue), "message": .string(d.message),
                                 "location": .string(d.location), "severity": .string(d.severity.rawValue)]
            if let l = d.line, let c = d.column { o["line"] = .number(JSONNumber(l)); o["column"] = .number(JSONNumber(c)) }
            return .object(o)
        })
    }

    /// The `cortado exec` result object.
    static func resultJSON(_ r: ExecutionResult) -> JSON {
        switch r.status {
        case .succeeded: return ["status": "SUCCEEDED", "output": r.output ?? .null]
        case .failed, .timedOut, .aborted:
            return ["status": .string(r.status.rawValue),
                    "error": r.error?.name.map { .string($0.rawValue) } ?? .null,
                    "cause": r.error?.cause.map { .string($0) } ?? .null]
        }
    }
}

/// A message for the user; the command prints it and exits non-zero.
struct CLIError: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}
