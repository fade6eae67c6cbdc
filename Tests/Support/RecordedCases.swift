import CortadoASL
import CortadoJSON
import CortadoRuntime
import CortadoTasks
import Foundation

/// The cases recorded against AWS in `../shared/conformance/cases`, each with its program
/// compiled and its task backend (its mocks, as `cortado run --mock-config` would use them).
public struct RecordedCase {
    /// The case file, relative to the corpus root.
    public let name: String
    public let json: JSON
    public let program: Program
    public let input: JSON
    public let backend: any TaskBackend

    /// The corpus root (beside the repository).
    public static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("shared/conformance/cases")

    /// Every case whose definition compiles (and whose mocks load), or nil, with a message,
    /// when the corpus is absent (tests then skip).
    public static func all() -> [RecordedCase]? {
        let fm = FileManager.default
        // (An enumerator of a missing folder is not nil: it just lists nothing.)
        guard fm.fileExists(atPath: root.path), let walker = fm.enumerator(atPath: root.path) else {
            print("conformance corpus not found at \(root.path); skipped")
            return nil
        }
        var out: [RecordedCase] = []
        for case let relative as String in walker where relative.hasSuffix(".json") {
            guard let data = fm.contents(atPath: root.appendingPathComponent(relative).path),
                  let c = try? JSON.parse(Array(data)),
                  let definition = c["definition"], let input = c["input"],
                  case .success(let p) = Compiler.compile(definition)
            else { continue }
            var backend: any TaskBackend = HandlerRegistry()
            if let config = c["mock_config"] {
                guard let machine = c["state_machine_name"]?.stringValue, let testCase = c["test_case"]?.stringValue,
                      let mocks = try? MockBackend(config: config, stateMachine: machine, testCase: testCase) else { continue }
                backend = mocks
            }
            out.append(RecordedCase(name: relative, json: c, program: p, input: input, backend: backend))
        }
        return out
    }
}
