import ArgumentParser
@testable import CortadoCLICommands
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Runs the built `cortado` binary (from the same build folder as the tests) and captures stdout.
enum CortadoBinary {
    static var path: String? {
        // The test bundle lives next to the executable in .build/<config>/.
        var dir = #filePath
        for _ in 0..<3 { dir = String(dir[..<(dir.lastIndex(of: "/") ?? dir.startIndex)]) }
        // The binary built in the same configuration as these tests comes first.
        #if DEBUG
        let configs = ["debug", "release"]
        #else
        let configs = ["release", "debug"]
        #endif
        for config in configs {
            let p = dir + "/.build/\(config)/cortado"
            if access(p, X_OK) == 0 { return p }
        }
        return nil
    }

    static var packageRoot: String {
        var dir = #filePath
        for _ in 0..<3 { dir = String(dir[..<(dir.lastIndex(of: "/") ?? dir.startIndex)]) }
        return dir
    }

    /// Runs the binary with `args`; returns (exit status, stdout).
    static func run(_ args: [String], stdin: String? = nil) -> (Int32, String)? {
        guard let path else { return nil }
        let quoted = ([path] + args).map { "'" + $0.replacingOccurrences(of: "'", with: "'\\''") + "'" }.joined(separator: " ")
        guard let p = popen(quoted + " 2>/dev/null", "r") else { return nil }
        var out = [UInt8]()
        var buf = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = fread(&buf, 1, buf.count, p)
            if n <= 0 { break }
            out.append(contentsOf: buf[0..<n])
        }
        let status = pclose(p)
        return ((status >> 8) & 0xff, String(decoding: out, as: UTF8.self))
    }

    /// One directory for this test process's files, removed when the process exits (the
    /// tests' files, and the outputs and checkpoints `cortado` writes next to them).
    static let tempDirectory: String = {
        let dir = NSTemporaryDirectory() + "cortado-cli-test-\(getpid())"
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        // (A C function captures nothing; by exit the static holds `dir`.)
        atexit { try? FileManager.default.removeItem(atPath: CortadoBinary.tempDirectory) }
        return dir
    }()

    /// A file named `name` holding `contents`, in `tempDirectory`.
    static func temp(_ name: String, _ contents: String) -> String {
        let path = tempDirectory + "/" + name
        let f = fopen(path, "wb")!
        fputs(contents, f)
        fclose(f)
        return path
    }
}

extension String {
    func replacingOccurrences(of a: String, with b: String) -> String {
        split(separator: Character(a), omittingEmptySubsequences: false).joined(separator: b)
    }
}

@Suite struct CLITests {
    @Test func execPrintsOneResultObject() throws {
        let def = CortadoBinary.temp("ok.asl.json", #"{"StartAt":"A","States":{"A":{"Type":"Pass","Result":{"x":1},"End":true}}}"#)
        let input = CortadoBinary.temp("in.json", "{}")
        guard let (status, out) = CortadoBinary.run(["exec", def, "--input", input]) else {
            Issue.record("the cortado binary is not built (swift build --build-tests builds it)"); return
        }
        #expect(status == 0)
        #expect(out == #"{"status":"SUCCEEDED","output":{"x":1}}"# + "\n")
    }

    @Test func execReportsInvalidDefinitions() throws {
        let def = CortadoBinary.temp("bad.asl.json", #"{"StartAt":"Nope","States":{"A":{"Type":"Pass","End":true}}}"#)
        guard let (status, out) = CortadoBinary.run(["exec", def]) else {
            Issue.record("the cortado binary is not built (swift build --build-tests builds it)"); return
        }
        #expect(status == 2)
        #expect(out.hasPrefix(#"{"status":"INVALID","diagnostics":[{"code":"#))
    }

    @Test func validateExitsNonZeroOnErrors() throws {
        let bad = CortadoBinary.temp("v-bad.json", "{\n  \"States\": {}\n}")
        guard let (status, out) = CortadoBinary.run(["validate", bad]) else {
            Issue.record("the cortado binary is not built (swift build --build-tests builds it)"); return
        }
        #expect(status == 1)
        #expect(out.contains("SCHEMA_VALIDATION_FAILED"))
        let good = CortadoBinary.temp("v-good.json", #"{"StartAt":"A","States":{"A":{"Type":"Succeed"}}}"#)
        #expect(CortadoBinary.run(["validate", good])?.0 == 0)
    }

    @Test func runWritesOneLinePerInputLineInOrder() throws {
        let def = CortadoBinary.temp("run.asl.json", #"{"StartAt":"A","States":{"A":{"Type":"Pass","InputPath":"$.v","End":true}}}"#)
        let events = CortadoBinary.temp("events.jsonl", "{\"v\":1}\nnot json\n{\"v\":3}\n")
        guard let (status, out) = CortadoBinary.run(["run", def, "--events", events]) else {
            Issue.record("the cortado binary is not built (swift build --build-tests builds it)"); return
        }
        #expect(status == 0)
        let lines = out.split(separator: "\n")
        #expect(lines.count == 3)
        #expect(lines[0] == #"{"line":1,"status":"SUCCEEDED","output":1}"#)
        #expect(lines[1].hasPrefix(#"{"line":2,"status":"FAILED","error":"States.Runtime","cause":"Input line 2 is not valid JSON"#))
        #expect(lines[2] == #"{"line":3,"status":"SUCCEEDED","output":3}"#)
    }
}

/// `--help` prints each command's discussion as written, and argument-parser breaks any line
/// over 80 columns again, leaving a word or two on a line of its own: every written line
/// fits (option discussions, shown 8 columns in, fit in 71).
@Suite struct HelpTextTests {
    @Test func discussionsFitTheColumnsHelpIsPrintedIn() {
        let commands: [any ParsableCommand.Type] = [CortadoCommand.self] + CortadoCommand.configuration.subcommands
        for c in commands {
            for line in c.configuration.discussion.split(separator: "\n") {
                #expect(line.count <= 79, "\(c.configuration.commandName ?? "cortado"): \(line)")
            }
        }
        for line in TaskOptions.tasksFileHelp.split(separator: "\n") {
            #expect(line.count <= 71, "--tasks: \(line)")
        }
    }
}
