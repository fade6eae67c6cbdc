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

    // MARK: - Rule families

    /// `{"StartAt": "A", "States": {"A": <state>}}` with `state` spliced in.
    static func machine(_ state: String) -> String { #"{"StartAt": "A", "States": {"A": \#(state)}}"# }

    /// Asserts that exactly the given (code, location) pairs are reported.
    static func expect(_ text: String, _ expected: [(String, String)], sourceLocation: SourceLocation = #_sourceLocation) {
        let ds = diagnostics(text)
        let got = ds.map { "\($0.code.rawValue) \($0.location)" }.sorted()
        let want = expected.map { "\($0.0) \($0.1)" }.sorted()
        #expect(got == want, "\(ds)", sourceLocation: sourceLocation)
    }

    @Test func topLevelRequiredFields() {
        let ds = diagnostics(#"{"States": {"A": {"Type": "Pass", "End": true}}}"#)
        #expect(ds.count == 1)
        #expect(ds.first?.code == .schemaValidationFailed)
        #expect(ds.first?.location == "/")
        #expect(ds.first?.message == "These fields are required: [StartAt]")
        Self.expect(#"{"Comment": "x"}"#, [("SCHEMA_VALIDATION_FAILED", "/")])
    }

    @Test func topLevelFields() {
        Self.expect(#"{"StartAt": "A", "Foo": 1, "States": {"A": {"Type": "Pass", "End": true}}}"#,
                    [("SCHEMA_VALIDATION_FAILED", "/")])
        Self.expect(#"{"StartAt": "A", "TimeoutSeconds": -5, "States": {"A": {"Type": "Pass", "End": true}}}"#,
                    [("SCHEMA_VALIDATION_FAILED", "/TimeoutSeconds")])
        Self.expect(#"{"StartAt": "A", "TimeoutSeconds": 1.5, "States": {"A": {"Type": "Pass", "End": true}}}"#,
                    [("SCHEMA_VALIDATION_FAILED", "/TimeoutSeconds")])
        Self.expect(#"{"StartAt": "A", "QueryLanguage": "XPath", "States": {"A": {"Type": "Pass", "End": true}}}"#,
                    [("SCHEMA_VALIDATION_FAILED", "/QueryLanguage")])
        Self.expect(#"{"StartAt": "A", "Version": "1.0", "Comment": "c", "TimeoutSeconds": 60, "States": {"A": {"Type": "Pass", "End": true}}}"#, [])
        Self.expect(#"{"StartAt": "A", "States": {}}"#,
                    [("SCHEMA_VALIDATION_FAILED", "/States"), ("MISSING_TRANSITION_TARGET", "/StartAt")].filter { $0.1 == "/States" })
        Self.expect(#"{"StartAt": 3, "States": []}"#, [("SCHEMA_VALIDATION_FAILED", "/StartAt"), ("SCHEMA_VALIDATION_FAILED", "/States")])
    }

    @Test func stateType() {
        Self.expect(Self.machine(#"{"End": true}"#), [("SCHEMA_VALIDATION_FAILED", "/States/A")])
        Self.expect(Self.machine(#"{"Type": "Sleep", "End": true}"#), [("SCHEMA_VALIDATION_FAILED", "/States/A/Type")])
        Self.expect(Self.machine(#"[1]"#), [("SCHEMA_VALIDATION_FAILED", "/States/A")])
    }

    @Test func nextAndEnd() {
        Self.expect(Self.machine(#"{"Type": "Pass"}"#), [("SCHEMA_VALIDATION_FAILED", "/States/A"), ("MISSING_END_STATE", "/States")])
        Self.expect(#"{"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "B", "End": true}, "B": {"Type": "Succeed"}}}"#,
                    [("SCHEMA_VALIDATION_FAILED", "/States/A")])
        Self.expect(Self.machine(#"{"Type": "Succeed", "End": true}"#), [("SCHEMA_VALIDATION_FAILED", "/States/A")])
        Self.expect(#"{"StartAt": "A", "States": {"A": {"Type": "Choice", "Next": "B", "Choices": [{"Variable": "$.x", "IsPresent": true, "Next": "B"}]}, "B": {"Type": "Succeed"}}}"#,
                    [("SCHEMA_VALIDATION_FAILED", "/States/A")])
    }

    @Test func fieldsAllowedPerStateType() {
        let ds = diagnostics(Self.machine(#"{"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Result": 1, "End": true}"#))
        #expect(ds.map(\.message) == ["Field 'Result' is not supported"])
        #expect(ds.map(\.location) == ["/States/A"])
        Self.expect(Self.machine(#"{"Type": "Pass", "Retry": [], "Catch": [], "ResultSelector": {}, "End": true}"#),
                    [("SCHEMA_VALIDATION_FAILED", "/States/A"), ("SCHEMA_VALIDATION_FAILED", "/States/A"), ("SCHEMA_VALIDATION_FAILED", "/States/A")])
        Self.expect(Self.machine(#"{"Type": "Task", "End": true}"#), [("SCHEMA_VALIDATION_FAILED", "/States/A")])
        Self.expect(Self.machine(#"{"Type": "Task", "Resource": "lambda", "End": true}"#), [("INVALID_RESOURCE", "/States/A/Resource")])
        Self.expect(Self.machine(#"{"Type": "Task", "Resource": "arn:x", "TimeoutSeconds": 0, "HeartbeatSeconds": 5, "HeartbeatSecondsPath": "$.h", "End": true}"#),
                    [("SCHEMA_VALIDATION_FAILED", "/States/A/TimeoutSeconds"), ("SCHEMA_VALIDATION_FAILED", "/States/A")])
    }

    @Test func transitionTargets() {
        let ds = diagnostics(#"{"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "Nope"}, "B": {"Type": "Succeed"}}}"#)
        #expect(ds.map(\.message).sorted() == ["Missing 'Next' target: Nope", "State \"B\" is not reachable."])
        #expect(ds.map(\.location).sorted() == ["/States/A/Next", "/States/B"])
        #expect(ds.allSatisfy { $0.code == .missingTransitionTarget })
        Self.expect(#"{"StartAt": "X", "States": {"A": {"Type": "Succeed"}}}"#, [("MISSING_TRANSITION_TARGET", "/StartAt")])
        Self.expect(#"{"StartAt": "A", "States": {"A": {"Type": "Choice", "Choices": [{"Variable": "$.x", "IsPresent": true, "Next": "Z"}], "Default": "Y"}}}"#,
                    [("MISSING_TRANSITION_TARGET", "/States/A/Choices/0/Next"), ("MISSING_TRANSITION_TARGET", "/States/A/Default"),
                     ("MISSING_END_STATE", "/States")])
        Self.expect(#"{"StartAt": "A", "States": {"A": {"Type": "Task", "Resource": "arn:x", "End": true, "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Q"}]}}}"#,
                    [("MISSING_TRANSITION_TARGET", "/States/A/Catch/0/Next")])
        // A catcher's target is reachable.
        Self.expect(#"{"StartAt": "A", "States": {"A": {"Type": "Task", "Resource": "arn:x", "End": true, "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "F"}]}, "F": {"Type": "Fail"}}}"#, [])
    }

    @Test func terminalStateAndNames() {
        Self.expect(#"{"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "B"}, "B": {"Type": "Pass", "Next": "A"}}}"#,
                    [("MISSING_END_STATE", "/States")])
        let long = String(repeating: "n", count: 81)
        Self.expect(#"{"StartAt": "\#(long)", "States": {"\#(long)": {"Type": "Succeed"}}}"#, [("INVALID_STATE_NAME", "/States/\(long)")])
        let eighty = String(repeating: "n", count: 80)
        Self.expect(#"{"StartAt": "\#(eighty)", "States": {"\#(eighty)": {"Type": "Succeed"}}}"#, [])
        Self.expect(#"{"StartAt": "P", "States": {"P": {"Type": "Parallel", "End": true, "Branches": [{"StartAt": "P", "States": {"P": {"Type": "Succeed"}}}]}}}"#,
                    [("DUPLICATE_STATE_NAME", "/States/P/Branches/0/States/P")])
    }

    @Test func waitTiming() {
        Self.expect(Self.machine(#"{"Type": "Wait", "End": true}"#), [("SCHEMA_VALIDATION_FAILED", "/States/A")])
        Self.expect(Self.machine(#"{"Type": "Wait", "Seconds": 1, "SecondsPath": "$.s", "End": true}"#), [("SCHEMA_VALIDATION_FAILED", "/States/A")])
        Self.expect(Self.machine(#"{"Type": "Wait", "Seconds": -1, "End": true}"#), [("SCHEMA_VALIDATION_FAILED", "/States/A/Seconds")])
        Self.expect(Self.machine(#"{"Type": "Wait", "Timestamp": "yesterday", "End": true}"#), [("SCHEMA_VALIDATION_FAILED", "/States/A/Timestamp")])
        Self.expect(Self.machine(#"{"Type": "Wait", "Timestamp": "2016-03-14T01:59:00.123+01:00", "End": true}"#), [])
        Self.expect(Self.machine(#"{"Type": "Wait", "TimestampPath": "$.t", "End": true}"#), [])
    }

    /// A literal Wait `Timestamp` is refused at creation exactly when the runtime could not read
    /// it (one parser), with AWS's recorded wording. Before, Feb 30, second 60 and ten fraction
    /// digits passed validation and then failed every execution at run time.
    @Test func waitTimestampLiteralIsTheRuntimeFormat() {
        for bad in ["2016-12-05 21:29:29Z", "2016-12-05T21:29:29", "2016-13-05T21:29:29Z", "2016-12-05T25:29:29Z",
                    "05-12-2016T21:29:29Z", "2016-02-30T00:00:00Z", "2016-12-05T21:29:60Z", "2016-12-05T21:29:29.1234567891Z",
                    "{% '2016-03-14T01:59:00Z' %}"] {
            let ds = diagnostics(Self.machine(#"{"Type": "Wait", "Timestamp": "\#(bad)", "End": true}"#))
            #expect(ds.map(\.message) == ["String does not match RFC3339 timestamp"], "\(bad)")
            #expect(ds.map(\.location) == ["/States/A/Timestamp"], "\(bad)")
            #expect(Timestamp.parse(bad) == nil, "\(bad)")
        }
        for good in ["2016-02-29T00:00:00Z", "2016-12-05T21:29:29.123456789Z", "2016-12-05T21:29:29-08:00"] {
            #expect(diagnostics(Self.machine(#"{"Type": "Wait", "Timestamp": "\#(good)", "End": true}"#)).isEmpty, "\(good)")
            #expect(Timestamp.parse(good) != nil, "\(good)")
        }
    }

    /// AWS's order, recorded: "These fields are required: [States, StartAt]".
    @Test func missingTopLevelFieldsAreNamedInAWSOrder() {
        #expect(diagnostics("{}").map(\.message) == ["These fields are required: [States, StartAt]"])
        #expect(diagnostics(#"{"States": {"A": {"Type": "Succeed"}}}"#).map(\.message) == ["These fields are required: [StartAt]"])
    }

    /// An EXPRESS machine takes request-response integrations only; a STANDARD one (and the
    /// CLI, which runs callbacks through its workers) takes every pattern.
    @Test func expressRefusesJobAndCallbackPatterns() throws {
        // The wordings are AWS's, recorded (the first with its trailing space).
        for (resource, message) in [
            ("arn:aws:states:::sns:publish.waitForTaskToken", "Express state machine does not support '.waitForTaskToken' service integration "),
            ("arn:aws:states:::states:startExecution.sync", "Express state machine does not support '.sync' service integration"),
            ("arn:aws:states:::states:startExecution.sync:2", "Express state machine does not support '.sync:2' service integration"),
            ("arn:aws:states:us-east-1:123456789012:activity:work", "Express state machine does not support Activity ARN"),
        ] {
            let json = try JSON.parse(Array(Self.machine(#"{"Type": "Task", "Resource": "\#(resource)", "End": true}"#).utf8))
            let ds = Validator.validate(json, express: true)
            #expect(ds.map(\.message) == [message])
            #expect(ds.map(\.location) == ["/States/A/Resource"])
            #expect(Validator.validate(json).isEmpty)
        }
        let plain = try JSON.parse(Array(Self.machine(#"{"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage", "End": true}"#).utf8))
        #expect(Validator.validate(plain, express: true).isEmpty)
    }

    /// Jackson cuts the source it quotes after 500 characters and escapes control characters.
    @Test func jacksonSourceIsCutAndEscaped() {
        let long = "nope" + String(repeating: " ", count: 596)
        let d = diagnostics(long).first?.namingJacksonSource(long)
        #expect(d?.location == "[Source: (String)\"nope" + String(repeating: " ", count: 496) + "\"[truncated 100 chars]; line: 1, column: 5]")
        let tab = "x\u{01}y"
        let e = diagnostics(tab).first?.namingJacksonSource(tab)
        #expect(e?.location.hasPrefix(#"[Source: (String)"x\u0001y""#) == true, "\(String(describing: e))")
    }

    @Test func failFields() {
        Self.expect(Self.machine(#"{"Type": "Fail", "Error": "E", "ErrorPath": "$.e"}"#), [("SCHEMA_VALIDATION_FAILED", "/States/A")])
        Self.expect(Self.machine(#"{"Type": "Fail", "Cause": "C", "CausePath": "$.c"}"#), [("SCHEMA_VALIDATION_FAILED", "/States/A")])
        Self.expect(Self.machine(#"{"Type": "Fail", "ErrorPath": "States.Format('{}', $.e)", "CausePath": "$$.State.Name"}"#), [])
        // Only the intrinsics that return a string (AWS's Fail state documentation).
        Self.expect(Self.machine(#"{"Type": "Fail", "ErrorPath": "States.Array($.e)"}"#), [("SCHEMA_VALIDATION_FAILED", "/States/A/ErrorPath")])
        Self.expect(Self.machine(#"{"Type": "Fail", "CausePath": "States.MathAdd(1, 2)"}"#), [("SCHEMA_VALIDATION_FAILED", "/States/A/CausePath")])
        Self.expect(Self.machine(#"{"Type": "Fail", "ErrorPath": "States.UUID()", "CausePath": "States.Hash($.a, 'MD5')"}"#), [])
        Self.expect(Self.machine(#"{"Type": "Fail", "CausePath": "States.Format('{}', $.e"}"#), [("SCHEMA_VALIDATION_FAILED", "/States/A/CausePath")])
        Self.expect(Self.machine(#"{"Type": "Fail", "Error": 3}"#), [("SCHEMA_VALIDATION_FAILED", "/States/A/Error")])
    }

    @Test func choiceRules() {
        func choice(_ rule: String) -> String {
            #"{"StartAt": "C", "States": {"C": {"Type": "Choice", "Choices": [\#(rule)], "Default": "D"}, "D": {"Type": "Succeed"}}}"#
        }
        Self.expect(choice(#"{"Variable": "$.x", "StringEquals": "a", "Next": "D"}"#), [])
        Self.expect(choice(#"{"Variable": "$.x", "Next": "D"}"#), [("SCHEMA_VALIDATION_FAILED", "/States/C/Choices/0")])
        Self.expect(choice(#"{"Variable": "$.x", "StringEquals": "a", "IsPresent": true, "Next": "D"}"#),
                    [("SCHEMA_VALIDATION_FAILED", "/States/C/Choices/0")])
        Self.expect(choice(#"{"Variable": "$.x", "StringEquals": "a"}"#), [("SCHEMA_VALIDATION_FAILED", "/States/C/Choices/0")])
        Self.expect(choice(#"{"StringEquals": "a", "Next": "D"}"#), [("SCHEMA_VALIDATION_FAILED", "/States/C/Choices/0")])
        Self.expect(choice(#"{"Not": {"Variable": "$.x", "IsNull": true, "Next": "D"}, "Next": "D"}"#),
                    [("SCHEMA_VALIDATION_FAILED", "/States/C/Choices/0/Not")])
        Self.expect(choice(#"{"And": [{"Variable": "$.x", "NumericEquals": 1}, {"Or": [{"Variable": "$.y", "BooleanEquals": false}]}], "Next": "D"}"#), [])
        Self.expect(choice(#"{"And": [], "Next": "D"}"#), [("SCHEMA_VALIDATION_FAILED", "/States/C/Choices/0/And")])
        Self.expect(choice(#"{"Variable": "$.x", "StringEquals": 1, "Next": "D"}"#), [("SCHEMA_VALIDATION_FAILED", "/States/C/Choices/0/StringEquals")])
        Self.expect(choice(#"{"Variable": "$.x", "NumericEquals": "1", "Next": "D"}"#), [("SCHEMA_VALIDATION_FAILED", "/States/C/Choices/0/NumericEquals")])
        Self.expect(choice(#"{"Variable": "$.x", "BooleanEquals": "true", "Next": "D"}"#), [("SCHEMA_VALIDATION_FAILED", "/States/C/Choices/0/BooleanEquals")])
        Self.expect(choice(#"{"Variable": "$.x", "TimestampEquals": "2012-10-09", "Next": "D"}"#), [("SCHEMA_VALIDATION_FAILED", "/States/C/Choices/0/TimestampEquals")])
        Self.expect(choice(#"{"Variable": "$.x", "StringEqualsPath": "y", "Next": "D"}"#), [("SCHEMA_VALIDATION_FAILED", "/States/C/Choices/0/StringEqualsPath")])
        Self.expect(choice(#"{"Variable": "$.x", "IsPresent": "yes", "Next": "D"}"#), [("SCHEMA_VALIDATION_FAILED", "/States/C/Choices/0/IsPresent")])
        Self.expect(choice(#"{"Variable": "x", "IsPresent": true, "Next": "D"}"#), [("SCHEMA_VALIDATION_FAILED", "/States/C/Choices/0/Variable")])
        Self.expect(#"{"StartAt": "C", "States": {"C": {"Type": "Choice", "Choices": []}}}"#,
                    [("SCHEMA_VALIDATION_FAILED", "/States/C/Choices"), ("MISSING_END_STATE", "/States")])
    }

    @Test func paths() {
        Self.expect(Self.machine(#"{"Type": "Pass", "InputPath": "a.b", "End": true}"#), [("SCHEMA_VALIDATION_FAILED", "/States/A/InputPath")])
        Self.expect(Self.machine(#"{"Type": "Pass", "InputPath": null, "OutputPath": "$$.Execution.Input", "End": true}"#), [])
        Self.expect(Self.machine(#"{"Type": "Pass", "ResultPath": "$$.Execution", "End": true}"#), [("SCHEMA_VALIDATION_FAILED", "/States/A/ResultPath")])
        Self.expect(Self.machine(#"{"Type": "Pass", "ResultPath": "$var", "End": true}"#), [("SCHEMA_VALIDATION_FAILED", "/States/A/ResultPath")])
        Self.expect(Self.machine(#"{"Type": "Pass", "OutputPath": "$resultVar.x", "End": true}"#), [])
        Self.expect(Self.machine(#"{"Type": "Pass", "Parameters": {"a.$": "nope", "b": {"c.$": "$.c"}}, "End": true}"#),
                    [("SCHEMA_VALIDATION_FAILED", "/States/A/Parameters")])
        Self.expect(Self.machine(#"{"Type": "Pass", "Parameters": {"b": [{"c.$": 3}]}, "End": true}"#),
                    [("SCHEMA_VALIDATION_FAILED", "/States/A/Parameters/b/0")])
        Self.expect(Self.machine(#"{"Type": "Pass", "Parameters": {"a.$": "States.Format('{}', $.x)", "b.$": "$$.Map.Item.Value", "c.$": "$v"}, "End": true}"#), [])
        Self.expect(Self.machine(#"{"Type": "Pass", "Parameters": {"a.$": "States.Format('{}', $.x"}, "End": true}"#),
                    [("SCHEMA_VALIDATION_FAILED", "/States/A/Parameters")])
        Self.expect(Self.machine(#"{"Type": "Pass", "Assign": {"v.$": "$.x", "w": 1}, "End": true}"#), [])
        Self.expect(Self.machine(#"{"Type": "Pass", "Assign": {"v.$": "x"}, "End": true}"#), [("SCHEMA_VALIDATION_FAILED", "/States/A/Assign")])
    }

    /// AWS parses an intrinsic call whole when the definition is created: a call that is
    /// well formed but wrong (unknown function, number literal, escape) is the same
    /// SCHEMA_VALIDATION_FAILED on the template as a malformed one (recorded: LocalStack's
    /// test_illegal_escapes snapshots).
    @Test func intrinsicCallsAreCheckedWhole() {
        for call in ["States.Nope($.a)", "States.MathAdd(1., 2)", "States.MathAdd(.5, 2)", #"States.Format('\\q')"#] {
            Self.expect(Self.machine(#"{"Type": "Pass", "Parameters": {"a.$": "\#(call)"}, "End": true}"#),
                        [("SCHEMA_VALIDATION_FAILED", "/States/A/Parameters")])
        }
        // Argument counts, literal types and Format placeholders against values are run-time
        // failures on AWS (IntrinsicsFunctionTests.wrongArgumentsFailWhenTheCallRuns).
        for call in ["States.MathAdd(1.5, -2)", #"States.Format('it\\'s {} \\{\\}', $.a)"#, "States.ArrayLength($v.items)",
                     "States.ArrayLength($.a, $.b)", "States.StringSplit(1, ',')", "States.Format('{} {}', $.a)",
                     #"States.Format('\\{}', $.a)"#] {
            Self.expect(Self.machine(#"{"Type": "Pass", "Parameters": {"a.$": "\#(call)"}, "End": true}"#), [])
        }
        Self.expect(Self.machine(#"{"Type": "Fail", "CausePath": "States.Format('{} {}'"}"#),
                    [("SCHEMA_VALIDATION_FAILED", "/States/A/CausePath")])
    }

    @Test func retriersAndCatchers() {
        func task(_ fields: String) -> String {
            Self.machine(#"{"Type": "Task", "Resource": "arn:x", "End": true, \#(fields)}"#)
        }
        Self.expect(task(#""Retry": [{"ErrorEquals": ["States.ALL"], "IntervalSeconds": 1, "MaxAttempts": 0, "BackoffRate": 1.5, "MaxDelaySeconds": 10, "JitterStrategy": "FULL"}]"#), [])
        Self.expect(task(#""Retry": [{"MaxAttempts": 1}]"#), [("SCHEMA_VALIDATION_FAILED", "/States/A/Retry/0")])
        Self.expect(task(#""Retry": [{"ErrorEquals": []}]"#), [("SCHEMA_VALIDATION_FAILED", "/States/A/Retry/0/ErrorEquals")])
        Self.expect(task(#""Retry": [{"ErrorEquals": ["States.ALL"]}, {"ErrorEquals": ["X"]}]"#), [("SCHEMA_VALIDATION_FAILED", "/States/A/Retry/0/ErrorEquals")])
        Self.expect(task(#""Retry": [{"ErrorEquals": ["States.ALL", "X"]}]"#), [("SCHEMA_VALIDATION_FAILED", "/States/A/Retry/0/ErrorEquals")])
        Self.expect(task(#""Retry": [{"ErrorEquals": ["X"], "IntervalSeconds": 0, "MaxAttempts": -1, "BackoffRate": 0.5, "JitterStrategy": "SOME", "Foo": 1}]"#),
                    [("SCHEMA_VALIDATION_FAILED", "/States/A/Retry/0/IntervalSeconds"), ("SCHEMA_VALIDATION_FAILED", "/States/A/Retry/0/MaxAttempts"),
                     ("SCHEMA_VALIDATION_FAILED", "/States/A/Retry/0/BackoffRate"), ("SCHEMA_VALIDATION_FAILED", "/States/A/Retry/0/JitterStrategy"),
                     ("SCHEMA_VALIDATION_FAILED", "/States/A/Retry/0")])
        Self.expect(task(#""Catch": [{"ErrorEquals": ["X"]}]"#), [("SCHEMA_VALIDATION_FAILED", "/States/A/Catch/0")])
        Self.expect(task(#""Catch": [{"Next": "A", "ResultPath": "$.err", "ErrorEquals": ["X"]}]"#), [])
    }

    @Test func parallelBranches() {
        Self.expect(#"{"StartAt": "P", "States": {"P": {"Type": "Parallel", "End": true, "Branches": [{"StartAt": "B", "States": {"B": {"Type": "Pass", "Next": "After"}}}]}, "After": {"Type": "Succeed"}}}"#,
                    [("MISSING_TRANSITION_TARGET", "/States/P/Branches/0/States/B/Next"), ("MISSING_END_STATE", "/States/P/Branches/0/States"),
                     ("MISSING_TRANSITION_TARGET", "/States/After")])
        Self.expect(#"{"StartAt": "P", "States": {"P": {"Type": "Parallel", "End": true, "Branches": [{"States": {"B": {"Type": "Wait", "End": true}}}]}}}"#,
                    [("SCHEMA_VALIDATION_FAILED", "/States/P/Branches/0"), ("SCHEMA_VALIDATION_FAILED", "/States/P/Branches/0/States/B")])
        Self.expect(#"{"StartAt": "P", "States": {"P": {"Type": "Parallel", "End": true, "Branches": []}}}"#,
                    [("SCHEMA_VALIDATION_FAILED", "/States/P/Branches")])
    }

    @Test func mapState() {
        let processor = #"{"StartAt": "I", "States": {"I": {"Type": "Pass", "End": true}}}"#
        Self.expect(Self.machine(#"{"Type": "Map", "End": true, "ItemsPath": "$.items", "ItemSelector": {"v.$": "$$.Map.Item.Value"}, "MaxConcurrency": 2, "ToleratedFailurePercentage": 5, "ItemProcessor": \#(processor), "Label": "L"}"#), [])
        Self.expect(Self.machine(#"{"Type": "Map", "End": true, "Iterator": \#(processor)}"#), [])
        Self.expect(Self.machine(#"{"Type": "Map", "End": true}"#), [("SCHEMA_VALIDATION_FAILED", "/States/A")])
        Self.expect(Self.machine(#"{"Type": "Map", "End": true, "Iterator": \#(processor), "ItemProcessor": \#(processor)}"#),
                    [("SCHEMA_VALIDATION_FAILED", "/States/A"), ("DUPLICATE_STATE_NAME", "/States/A/ItemProcessor/States/I")])
        Self.expect(Self.machine(#"{"Type": "Map", "End": true, "ItemProcessor": {"ProcessorConfig": {"Mode": "FAST"}, "StartAt": "I", "States": {"I": {"Type": "Pass", "End": true}}}}"#),
                    [("SCHEMA_VALIDATION_FAILED", "/States/A/ItemProcessor/ProcessorConfig/Mode")])
        Self.expect(Self.machine(#"{"Type": "Map", "End": true, "ItemProcessor": \#(processor), "ToleratedFailurePercentage": 101, "MaxConcurrency": -1, "MaxConcurrencyPath": "$.m"}"#),
                    [("SCHEMA_VALIDATION_FAILED", "/States/A/ToleratedFailurePercentage"), ("SCHEMA_VALIDATION_FAILED", "/States/A/MaxConcurrency"),
                     ("SCHEMA_VALIDATION_FAILED", "/States/A")])
    }

    @Test func queryLanguages() {
        let ds = diagnostics(#"{"StartAt": "A", "QueryLanguage": "JSONata", "States": {"A": {"Type": "Pass", "QueryLanguage": "JSONPath", "End": true}}}"#)
        #expect(ds.map(\.message) == ["'QueryLanguage' can not be 'JSONPath' if set to 'JSONata' for whole state machine"])
        #expect(ds.map(\.location) == ["/States/A"])
        Self.expect(#"{"StartAt": "A", "QueryLanguage": "JSONata", "States": {"A": {"Type": "Task", "Resource": "arn:x", "Arguments": {"a": "{% $states.input %}"}, "Output": "{% $states.result %}", "Assign": {"v": 1}, "TimeoutSeconds": "{% 3 %}", "End": true}}}"#, [])
        Self.expect(#"{"StartAt": "A", "States": {"A": {"Type": "Pass", "QueryLanguage": "JSONata", "Output": {"x": "{% 1 + 1 %}"}, "End": true}}}"#, [])
        Self.expect(Self.machine(#"{"Type": "Task", "Resource": "arn:x", "Arguments": {}, "End": true}"#), [("SCHEMA_VALIDATION_FAILED", "/States/A")])
        Self.expect(#"{"StartAt": "A", "QueryLanguage": "JSONata", "States": {"A": {"Type": "Pass", "Parameters": {}, "InputPath": "$", "End": true}}}"#,
                    [("SCHEMA_VALIDATION_FAILED", "/States/A"), ("SCHEMA_VALIDATION_FAILED", "/States/A")])
        Self.expect(#"{"StartAt": "A", "QueryLanguage": "JSONata", "States": {"A": {"Type": "Pass", "Output": "{% 1 + ", "End": true}}}"#,
                    [("SCHEMA_VALIDATION_FAILED", "/States/A/Output")])
        Self.expect(#"{"StartAt": "C", "QueryLanguage": "JSONata", "States": {"C": {"Type": "Choice", "Choices": [{"Condition": "{% true %}", "Next": "D", "Assign": {"a": 1}}, {"Next": "D"}, {"Variable": "$.x", "Condition": true, "Next": "D"}]}, "D": {"Type": "Succeed"}}}"#,
                    [("SCHEMA_VALIDATION_FAILED", "/States/C/Choices/1"), ("SCHEMA_VALIDATION_FAILED", "/States/C/Choices/2")])
    }

    @Test func sourcePositions() {
        let text = """
        {
          "StartAt": "A",
          "States": {
            "A": {"Type": "Pass", "Next": "Nowhere"}
          }
        }
        """
        let ds = diagnostics(text)
        let missing = ds.first { $0.location == "/States/A/Next" }
        #expect(missing?.line == 4)
        #expect(missing?.column == 35)
        let yaml = """
        StartAt: A
        States:
          A:
            Type: Pass
            InputPath: nope
            End: true
        """
        let yds = diagnostics(yaml, fileName: "machine.yaml")
        #expect(yds.map(\.location) == ["/States/A/InputPath"])
        #expect(yds.first?.line == 5)
        #expect(yds.first?.column == 16)
    }
}
