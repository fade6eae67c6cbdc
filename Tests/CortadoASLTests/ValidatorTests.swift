import CortadoASL
import CortadoJSON
import Foundation
import Testing

/// The recorded AWS corpus at `../shared/conformance/cases`, relative to the package root.
enum ConformanceCorpus {
    static let root: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
        .appendingPathComponent("shared/conformance/cases")

    struct Case {
        var path: String
        var group: String
        var definitionText: [UInt8]
        /// Codes AWS reported, for validation cases; nil for definitions AWS accepted.
        var expectedCodes: [String]?
    }

    /// Every case file, or nil when the corpus is not checked out next to the package.
    static func load() -> [Case]? {
        let fm = FileManager.default
        guard fm.fileExists(atPath: root.path), let walker = fm.enumerator(atPath: root.path) else { return nil }
        var cases: [Case] = []
        for case let relative as String in walker where relative.hasSuffix(".json") {
            let url = root.appendingPathComponent(relative)
            guard let data = fm.contents(atPath: url.path), let c = try? JSON.parse(Array(data)) else { continue }
            let text: [UInt8]
            if case .string(let raw)? = c["definition_text"] {
                text = Array(raw.utf8)
            } else if let definition = c["definition"] {
                text = Array(definition.serializedForTest().utf8)
            } else {
                continue
            }
            var expected: [String]?
            if case .string("INVALID")? = c["expected"]?["status"], case .array(let ds)? = c["expected"]?["diagnostics"] {
                expected = ds.compactMap { $0["code"]?.stringValue }
            }
            let group = relative.split(separator: "/").first.map(String.init) ?? ""
            cases.append(Case(path: relative, group: group, definitionText: text, expectedCodes: expected))
        }
        return cases.sorted { $0.path < $1.path }
    }
}

extension JSON {
    /// Compact JSON text, keys in order; good enough to feed definitions back to the loader.
    func serializedForTest() -> String {
        switch self {
        case .null: return "null"
        case .bool(let b): return b ? "true" : "false"
        case .number(let n): return n.literal
        case .string(let s): return JSON.quoteForTest(s)
        case .array(let a): return "[" + a.map { $0.serializedForTest() }.joined(separator: ",") + "]"
        case .object(let o):
            return "{" + o.members.map { JSON.quoteForTest($0.key) + ":" + $0.value.serializedForTest() }.joined(separator: ",") + "}"
        }
    }

    static func quoteForTest(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if u.value < 0x20 { out += String(format: "\\u%04x", u.value) } else { out.unicodeScalars.append(u) }
            }
        }
        return out + "\""
    }
}

/// Loads `text` (JSON unless told otherwise) and validates it.
func diagnostics(_ text: String, fileName: String? = "definition.json") -> [Diagnostic] {
    Validator.validate(bytes: Array(text.utf8), fileName: fileName)
}

func codes(_ ds: [Diagnostic]) -> [String] { ds.map(\.code.rawValue).sorted() }

@Suite struct ValidatorTests {
    // MARK: - The AWS corpus

    /// AWS accepted every definition in the corpus outside `validation/`, so any error here is
    /// a false positive; the `validation/` cases carry the codes AWS reported.
    @Test func corpusMatchesAWS() throws {
        guard let cases = ConformanceCorpus.load() else {
            print("conformance corpus not found at \(ConformanceCorpus.root.path); skipped")
            return
        }
        var accepted = 0, acceptedClean = 0, rejected = 0, rejectedMatching = 0
        for c in cases {
            let ds = Validator.validate(bytes: c.definitionText, fileName: "definition.json")
            if let expected = c.expectedCodes {
                rejected += 1
                let got = codes(ds)
                #expect(got == expected.sorted(), "\(c.path): \(ds)")
                if got == expected.sorted() { rejectedMatching += 1 }
            } else {
                accepted += 1
                let errors = ds.filter { $0.severity == .error }
                #expect(errors.isEmpty, "\(c.path): \(errors)")
                if errors.isEmpty { acceptedClean += 1 }
            }
        }
        print("corpus: \(acceptedClean)/\(accepted) accepted definitions without errors; \(rejectedMatching)/\(rejected) validation cases matching")
        #expect(accepted > 0)
    }
}
