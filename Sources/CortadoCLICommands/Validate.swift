import ArgumentParser
import CortadoASL
import CortadoJSON

/// `cortado validate DEF`: AWS-style diagnostics, non-zero exit on any error.
struct Validate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check a definition the way AWS's ValidateStateMachineDefinition does.",
        discussion: """
            Prints each diagnostic as `SEVERITY CODE at /json/pointer (line:col): message`,
            or a JSON array with --json. Exits 1 when any diagnostic is an error.
            """)

    @Argument(help: "The definition file (JSON or YAML).") var definition: String
    @Flag(name: .long, help: "Print diagnostics as a JSON array.") var json = false

    func run() throws {
        var diagnostics: [Diagnostic] = []
        switch CLI.compile(path: definition) {
        case .success: break
        case .failure(let d): diagnostics = d
        }
        if json {
            CLI.stdout(CLI.diagnosticsJSON(diagnostics).serializedBytes + [10])
        } else if diagnostics.isEmpty {
            CLI.stdout(Array("OK: \(definition) is a valid state machine definition\n".utf8))
        } else {
            for d in diagnostics { CLI.stdout(Array("\(definition): \(d)\n".utf8)) }
        }
        if diagnostics.contains(where: { $0.severity == .error }) { throw ExitCode(1) }
    }
}
