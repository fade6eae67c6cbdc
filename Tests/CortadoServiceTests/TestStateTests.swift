import CortadoJSON
import CortadoJSONata
import CortadoPath
import Foundation
import Testing

@testable import CortadoService

// MARK: - Helpers

/// Runs a TestState request given as JSON text (definition etc. already JSON strings).
private func run(_ body: JSON) throws -> JSONObject {
    guard case .object(let o) = body else { throw APIError.validation("test request must be an object") }
    return try TestStateRunner().run(o)
}

/// A request for `definition` (a JSON value, encoded as AWS expects) with extra fields.
private func request(_ definition: JSON, input: JSON? = nil, level: String = "DEBUG", _ extra: JSONObject = [:]) -> JSON {
    var o: JSONObject = ["definition": .string(definition.serialized), "inspectionLevel": .string(level),
                         "roleArn": "arn:aws:iam::123456789012:role/test"]
    if let input { o["input"] = .string(input.serialized) }
    for (k, v) in extra { o[k] = v }
    return .object(o)
}

/// A JSON-string field of a response, parsed.
private func parsed(_ v: JSON?) throws -> JSON? {
    guard case .string(let s)? = v else { return nil }
    return try JSON.parse(s)
}

private func rejection(_ body: JSON) -> String? {
    do { _ = try run(body); return nil } catch let e as APIError { return e.code } catch { return "\(error)" }
}

// MARK: - Inspection levels and stages

@Suite struct TestStateInspectionTests {
    @Test func infoHasNoInspectionDataDebugHasEveryStage() throws {
        let def: JSON = ["Type": "Pass", "InputPath": "$.a", "Parameters": ["v.$": "$.b"], "ResultPath": "$.r", "End": true]
        let info = try run(request(def, input: ["a": ["b": 1]], level: "INFO"))
        #expect(info["inspectionData"] == nil)
        #expect(try parsed(info["output"]) == ["a": ["b": 1], "r": ["v": 1]])

        let debug = try run(request(def, input: ["a": ["b": 1]]))
        let data = try #require(debug["inspectionData"]?.objectValue)
        #expect(Set(data.keys) == ["input", "afterInputPath", "afterParameters", "afterResultSelector", "afterResultPath"])
        #expect(try parsed(data["afterInputPath"]) == ["b": 1])
        #expect(try parsed(data["afterParameters"]) == ["v": 1])
        #expect(debug["nextState"] == nil)
    }

    @Test func passWithResultReportsResultNotInputStages() throws {
        let r = try run(request(["Type": "Pass", "Result": ["k": 1], "Next": "B"], input: ["x": 1]))
        let data = try #require(r["inspectionData"]?.objectValue)
        #expect(Set(data.keys) == ["input", "result", "afterResultSelector", "afterResultPath"])
        #expect(r["nextState"] == "B")
    }

    @Test func jsonataStatesReportOnlyTheirStages() throws {
        let def: JSON = ["Type": "Task", "QueryLanguage": "JSONata", "Resource": "arn:aws:states:::lambda:invoke",
                         "Arguments": ["n": "{% $states.input.n + 1 %}"], "Output": "{% $states.result.v %}", "End": true]
        let r = try run(request(def, input: ["n": 1], ["mock": ["result": #"{"v": 7}"#]]))
        let data = try #require(r["inspectionData"]?.objectValue)
        #expect(Set(data.keys) == ["input", "afterArguments", "result"])
        #expect(try parsed(data["afterArguments"]) == ["n": 2])
        #expect(try parsed(r["output"]) == 7)
    }
}

// MARK: - Flow states

@Suite struct TestStateFlowTests {
    @Test func choiceReportsTheNextState() throws {
        let def: JSON = ["Type": "Choice", "Choices": [
            ["Not": ["Variable": "$.v", "IsPresent": true], "Next": "Missing"],
            ["Variable": "$.v", "NumericGreaterThan": 10, "Next": "Big"],
        ], "Default": "Small"]
        #expect(try run(request(def, input: ["v": 11]))["nextState"] == "Big")
        #expect(try run(request(def, input: ["v": 3]))["nextState"] == "Small")
        #expect(try run(request(def, input: [:]))["nextState"] == "Missing")
        // Without the IsPresent guard first, the missing path fails the state, as an execution does.
        let unguarded: JSON = ["Type": "Choice", "Choices": [["Variable": "$.v", "NumericGreaterThan": 10, "Next": "Big"]],
                               "Default": "Small"]
        let r = try run(request(unguarded, input: [:]))
        #expect(r["error"] == "States.Runtime")
        #expect(r["cause"] == "Invalid path '$.v': The choice state's condition path references an invalid value.")
    }

    @Test func jsonataChoiceConditionMustBeBoolean() throws {
        let def: JSON = ["Type": "Choice", "QueryLanguage": "JSONata",
                         "Choices": [["Condition": "{% $states.input.cost < 10 %}", "Next": "Cheap"]], "Default": "Ask"]
        #expect(try run(request(def, input: ["cost": 9]))["nextState"] == "Cheap")
        #expect(try run(request(def, input: ["cost": 10]))["nextState"] == "Ask")
        let bad: JSON = ["Type": "Choice", "QueryLanguage": "JSONata",
                         "Choices": [["Condition": "{% $states.input.cost %}", "Next": "Cheap"]], "Default": "Ask"]
        let r = try run(request(bad, input: ["cost": 3]))
        #expect(r["status"] == "FAILED")
        #expect(r["error"] == "States.QueryEvaluationError")
    }

    @Test func failStateFailsWithItsErrorAndCause() throws {
        let r = try run(request(["Type": "Fail", "ErrorPath": "$.e", "Cause": "because"], input: ["e": "Oops"]))
        #expect(r["status"] == "FAILED")
        #expect(r["error"] == "Oops")
        #expect(r["cause"] == "because")
        #expect(r["output"] == nil)
    }

    @Test func runtimeErrorsAreNotRetriedOrCaught() throws {
        let def: JSON = ["Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "InputPath": "$.missing",
                         "Retry": [["ErrorEquals": ["States.ALL"]]], "End": true]
        let r = try run(request(def, input: [:], ["mock": ["result": "{}"]]))
        #expect(r["status"] == "FAILED")
        #expect(r["error"] == "States.Runtime")
    }
}

// MARK: - Retry, Catch and state configuration

@Suite struct TestStateRetryCatchTests {
    static let retrying: JSON = ["Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                                 "Retry": [["ErrorEquals": ["Other"]],
                                           ["ErrorEquals": ["Boom"], "IntervalSeconds": 1, "MaxAttempts": 5, "BackoffRate": 2.0]],
                                 "Catch": [["ErrorEquals": ["States.ALL"], "ResultPath": "$.err", "Next": "Handler"]],
                                 "End": true]
    static let boom: JSON = ["errorOutput": ["error": "Boom", "cause": "it broke"]]

    @Test func belowMaxAttemptsIsRetriableWithBackoff() throws {
        let r = try run(request(Self.retrying, input: ["x": 1], ["mock": Self.boom, "stateConfiguration": ["retrierRetryCount": 4]]))
        #expect(r["status"] == "RETRIABLE")
        #expect(r["error"] == "Boom")
        let details = r["inspectionData"]?["errorDetails"]
        #expect(details == ["retryIndex": 1, "retryBackoffIntervalSeconds": 16])
    }

    @Test func exhaustedRetriesFallThroughToCatch() throws {
        let r = try run(request(Self.retrying, input: ["x": 1], ["mock": Self.boom, "stateConfiguration": ["retrierRetryCount": 5]]))
        #expect(r["status"] == "CAUGHT_ERROR")
        #expect(r["nextState"] == "Handler")
        #expect(try parsed(r["output"]) == ["x": 1, "err": ["Error": "Boom", "Cause": "it broke"]])
        #expect(r["inspectionData"]?["errorDetails"] == ["retryIndex": 1, "catchIndex": 0])
    }

    @Test func taskFailedMatchesNamedErrorsButNotTimeout() throws {
        let def: JSON = ["Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                         "Retry": [["ErrorEquals": ["States.TaskFailed"]]], "End": true]
        let custom = try run(request(def, input: [:], ["mock": ["errorOutput": ["error": "Custom", "cause": "c"]]]))
        #expect(custom["status"] == "RETRIABLE")
        let timeout = try run(request(def, input: [:], ["mock": ["errorOutput": ["error": "States.Timeout", "cause": "t"]]]))
        #expect(timeout["status"] == "FAILED")
        #expect(timeout["error"] == "States.Timeout")
    }

    @Test func backoffIsCappedAndNeverTraps() throws {
        func backoff(_ retrier: JSON, _ retries: Int) throws -> JSON? {
            var r = retrier
            if case .object(var o) = r { o["ErrorEquals"] = ["States.ALL"]; o["MaxAttempts"] = 2_000_000; r = .object(o) }
            let def: JSON = ["Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Retry": [r], "End": true]
            let out = try run(request(def, input: [:], ["mock": Self.boom, "stateConfiguration": ["retrierRetryCount": .number(JSONNumber(retries))]]))
            return out["inspectionData"]?["errorDetails"]?["retryBackoffIntervalSeconds"]
        }
        #expect(try backoff(["IntervalSeconds": 3, "BackoffRate": 2], 2) == 12)
        #expect(try backoff(["IntervalSeconds": 3, "BackoffRate": 2, "MaxDelaySeconds": 5], 2) == 5)
        #expect(try backoff(["BackoffRate": 1e300], 1_000_000)?.numberValue?.int ?? 0 > 0)
    }

    @Test func mapToleratedFailureThreshold() throws {
        let def: JSON = ["Type": "Map", "ItemsPath": "$.items", "ToleratedFailureCount": 1,
                         "ItemProcessor": ["StartAt": "P", "States": ["P": ["Type": "Pass", "End": true]]], "End": true]
        let mock: JSON = ["result": "[1, 2, 3]"]
        let ok = try run(request(def, input: ["items": [1, 2, 3]], ["mock": mock, "stateConfiguration": ["mapIterationFailureCount": 1]]))
        #expect(ok["status"] == "SUCCEEDED")
        #expect(ok["inspectionData"]?["maxConcurrency"] == 0)
        #expect(ok["inspectionData"]?["toleratedFailureCount"] == 1)
        let over = try run(request(def, input: ["items": [1, 2, 3]], ["mock": mock, "stateConfiguration": ["mapIterationFailureCount": 2]]))
        #expect(over["status"] == "FAILED")
        #expect(over["error"] == "States.ExceedToleratedFailureThreshold")
    }
}


// MARK: - Requests AWS rejects

@Suite struct TestStateRejectionTests {
    static let lambda: JSON = ["Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": true]

    @Test func mockRules() {
        #expect(rejection(request(Self.lambda, ["mock": ["result": "{}", "errorOutput": ["error": "E"]]])) == "ValidationException")
        #expect(rejection(request(["Type": "Pass", "End": true], ["mock": ["result": "{}"]])) == "ValidationException")
        #expect(rejection(request(Self.lambda, ["mock": ["result": "not json"]])) == "ValidationException")
        #expect(rejection(request(Self.lambda, ["mock": ["result": "{}"], "revealSecrets": true])) == "ValidationException")
        let parallel: JSON = ["Type": "Parallel", "End": true, "Branches": [
            ["StartAt": "A", "States": ["A": ["Type": "Pass", "End": true]]],
            ["StartAt": "B", "States": ["B": ["Type": "Pass", "End": true]]]]]
        #expect(rejection(request(parallel)) == "InvalidDefinition")
        #expect(rejection(request(parallel, ["mock": ["result": "[1]"]])) == "ValidationException")
        #expect(rejection(request(parallel, ["mock": ["result": "{}"]])) == "ValidationException")
        #expect(rejection(request(parallel, ["mock": ["result": "[1, 2]"]])) == nil)
    }

    @Test func taskWithoutMockNeedsARole() {
        var body = request(Self.lambda).objectValue ?? [:]
        body["roleArn"] = nil
        #expect(rejection(.object(body)) == "ValidationException")
    }

    @Test func invalidDefinitionsAndFields() {
        #expect(rejection(["definition": "{"]) == "InvalidDefinition")
        #expect(rejection(request(["Type": "Nope", "End": true])) == "InvalidDefinition")
        #expect(rejection(request(["Type": "Pass", "End": true], level: "LOUD")) == "ValidationException")
        #expect(rejection([:]) == "ValidationException")
        #expect(rejection(request(["Type": "Pass", "End": true], ["input": "{bad"])) == "InvalidExecutionInput")
        #expect(rejection(request(["Type": "Pass", "End": true], ["stateName": "X"])) == "ValidationException")
    }

    /// The API model's length limits are request validation, in AWS's words (a sensitive
    /// field's value is not quoted), not a failure of the tested state.
    @Test func fieldLengthsAreValidatedAsTheAPIModelLimitsThem() throws {
        let pass: JSON = ["Type": "Pass", "End": true]
        func message(_ body: JSON) -> String? {
            do { _ = try run(body); return nil } catch let e as APIError { return e.message } catch { return "\(error)" }
        }
        let big = String(repeating: "x", count: 262_140)
        #expect(message(request(pass, ["input": .string(#"{"s":"\#(big)"}"#)]))
                == "1 validation error detected: Value at 'input' failed to satisfy constraint: Member must have length less than or equal to 262144")
        let name = String(repeating: "n", count: 81)
        #expect(message(request(pass, ["stateName": .string(name)]))
                == "1 validation error detected: Value '\(name)' at 'stateName' failed to satisfy constraint: Member must have length less than or equal to 80")
        #expect(message(request(pass, ["stateName": ""]))
                == "1 validation error detected: Value '' at 'stateName' failed to satisfy constraint: Member must have length greater than or equal to 1")
        let task: JSON = ["Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": true]
        #expect(message(request(task, ["mock": ["result": .string("\"" + big + "xxxx\"")]]))
                == "1 validation error detected: Value at 'mock.result' failed to satisfy constraint: Member must have length less than or equal to 262144")
        #expect(message(request(task, ["mock": ["errorOutput": ["error": .string(String(repeating: "E", count: 257))]]]))
                == "1 validation error detected: Value at 'mock.errorOutput.error' failed to satisfy constraint: Member must have length less than or equal to 256")
        // At the limits, the request is served.
        #expect(rejection(request(task, ["mock": ["errorOutput": ["error": .string(String(repeating: "E", count: 256))]]])) == nil)
        #expect(rejection(request(pass, ["stateName": .string(String(repeating: "n", count: 80))])) == "ValidationException")  // (not found)
    }

    /// A state whose output is over the payload limit fails as an execution ending with that
    /// output does (States.DataLimitExceeded, naming the state), not SUCCEEDED.
    @Test func outputOverThePayloadLimitFails() throws {
        let def: JSON = ["Type": "Pass", "Parameters": ["a.$": "$.s", "b.$": "$.s"], "End": true]
        let input: JSON = ["s": .string(String(repeating: "x", count: 200_000))]
        let r = try run(request(def, input: input))
        #expect(r["status"] == "FAILED")
        #expect(r["error"] == "States.DataLimitExceeded")
        #expect(r["cause"] == "The state/task 'StateName' returned a result with a size exceeding the maximum number of bytes service limit.")
        let small = try run(request(def, input: ["s": .string(String(repeating: "x", count: 100_000))]))
        #expect(small["status"] == "SUCCEEDED")
    }

    @Test func mockResultShapeByValidationMode() {
        let start: JSON = ["Type": "Task", "Resource": "arn:aws:states:::states:startExecution", "End": true]
        func mock(_ result: String, _ mode: String?) -> JSON {
            var m: JSONObject = ["result": .string(result)]
            if let mode { m["fieldValidationMode"] = .string(mode) }
            return request(start, ["mock": .object(m)])
        }
        #expect(rejection(mock("{}", nil)) == "ValidationException")          // STRICT: required fields
        #expect(rejection(mock("{}", "PRESENT")) == nil)
        #expect(rejection(mock(#"{"StartDate": true}"#, "PRESENT")) == "ValidationException")
        #expect(rejection(mock(#"{"StartDate": true}"#, "NONE")) == nil)
        #expect(rejection(mock(#"{"ExecutionArn": "a", "StartDate": "2024-01-01T00:00:00Z", "extra": 1}"#, nil)) == nil)
    }

    @Test func contextObjectChecks() throws {
        let withContext: (String) -> JSON = { request(Self.lambda, ["mock": ["result": "{}"], "context": .string($0)]) }
        #expect(rejection(withContext(#"{"Map": {}}"#)) == "ValidationException")
        #expect(rejection(withContext(#"{"Task": {"Token": "t"}}"#)) == "ValidationException")
        #expect(rejection(withContext(#"{"Execution": {"Id": 1}}"#)) == "ValidationException")
        #expect(rejection(withContext(#"{"Execution": {"Other": 1}}"#)) == "ValidationException")
        let def: JSON = ["Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                         "ResultSelector": ["c.$": "$$.Execution.Name"], "End": true]
        let r = try run(request(def, ["mock": ["result": "{}"], "context": #"{"Execution": {"Name": "mine"}}"#]))
        #expect(try parsed(r["output"]) == ["c": "mine"])
    }
}

// MARK: - stateName, variables

@Suite struct TestStateMachineTests {
    @Test func stateNameFindsNestedStatesAndInheritsTheLanguage() throws {
        let def: JSON = ["QueryLanguage": "JSONata", "StartAt": "M", "States": [
            "M": ["Type": "Map", "End": true, "ItemProcessor": ["StartAt": "Inner", "States": [
                "Inner": ["Type": "Pass", "Output": "{% $states.input.v * 2 %}", "End": true]]]]]]
        let r = try run(request(def, input: ["v": 21], ["stateName": "Inner"]))
        #expect(try parsed(r["output"]) == 42)
        #expect(Set(r["inspectionData"]?.objectValue?.keys ?? []) == ["input"])
    }

    @Test func assignedVariablesAreReported() throws {
        let def: JSON = ["Type": "Pass", "QueryLanguage": "JSONata", "Assign": ["total": "{% $base + $states.input.n %}"],
                         "Output": "{% $base %}", "End": true]
        let r = try run(request(def, input: ["n": 2], ["variables": #"{"base": 40}"#]))
        // Output sees the variables as they were before Assign.
        #expect(try parsed(r["output"]) == 40)
        #expect(try parsed(r["inspectionData"]?["variables"]) == ["base": 40, "total": 42])
    }
}

// MARK: - JSONata

@Suite struct JSONataTests {
    private func eval(_ text: String, _ input: JSON = [:]) throws -> JSON? {
        // TestState's JSONata is CortadoJSONata, with the AWS functions.
        try JSONataExpression(text, options: JSONataOptions(stepFunctions: true, timeLimitMillis: 1000))
            .evaluate(nil, bindings: ["states": ["input": input]])
    }

    @Test func pathsFlattenAndCollapseAsJSONataDoes() throws {
        let input: JSON = ["a": [["b": 1], ["b": 2]], "one": [5], "o": ["x": ["y": "z"]]]
        #expect(try eval("$states.input.a.b", input) == [1, 2])
        #expect(try eval("$states.input.one", input) == [5])        // a single array stays an array
        #expect(try eval("$states.input.a[b = 2].b", input) == 2)   // a single match collapses
        #expect(try eval("$states.input.o.x.y", input) == "z")
        #expect(try eval("$states.input.nope", input) == nil)
        #expect(try eval("$states.input.a[-1].b", input) == 2)
        #expect(try eval("$exists($states.input.a[5])", input) == false)
    }

    @Test func operatorsFunctionsAndLambdas() throws {
        #expect(try eval("$count([1,1,0][$ = 1])") == 2)
        #expect(try eval("$map([1,0], function($v) { $v = 1 ? 'pass' : 'failed' })") == ["pass", "failed"])
        #expect(try eval("$sum([1,2,3]) + 10") == 16)
        #expect(try eval("($x := 2; $x * $x)") == 4)
        #expect(try eval("'a' & 1 & true") == "a1true")
        #expect(try eval("[1..3]") == [1, 2, 3])
        #expect(try eval("{'k': 1 > 2 or 3 in [3]}") == ["k": true])
        #expect(try eval("$filter([1,2,3,4], function($v) { $v % 2 = 0 })") == [2, 4])
        #expect(try eval("[3,1,2] ~> $sort()") == [1, 2, 3])
        #expect(try eval("1 / 4") == 0.25)
    }

    @Test func errorsAreThrownNotTrapped() throws {
        #expect(throws: JSONataError.self) { try eval("1 +") }
        #expect(throws: JSONataError.self) { try eval("'a' + 1") }
        #expect(throws: JSONataError.self) { try eval("$nofunction()") }
        #expect(throws: JSONataError.self) { try eval(String(repeating: "(", count: 5000) + "1" + String(repeating: ")", count: 5000)) }
        #expect(throws: JSONataError.self) { try eval(Array(repeating: "1", count: 5000).joined(separator: "+")) }
        #expect(throws: JSONataError.self) { try eval("($f := function($n) { $f($n + 1) }; $f(0))") }
        #expect(try eval("[1,2,3][1e300]") == nil)
    }
}

// MARK: - The recorded AWS corpus

@Suite struct TestStateCorpusTests {
    /// `../shared/conformance/test_state`, relative to the repository root.
    static var corpus: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("../shared/conformance/test_state").standardized
    }

    @Test func recordedCasesPass() throws {
        let files = ((try? FileManager.default.contentsOfDirectory(atPath: Self.corpus.path)) ?? [])
            .filter { $0.hasSuffix(".json") }.sorted()
        guard !files.isEmpty else {
            print("TestStateCorpusTests: skipped, no corpus at \(Self.corpus.path)")
            return
        }
        var passed = 0
        var failures: [String] = []
        for f in files {
            let data = try Data(contentsOf: Self.corpus.appendingPathComponent(f))
            guard case .object(let c) = try JSON.parse(Array(data)) else { continue }
            let actual: JSON
            do throws(APIError) {
                actual = .object(try TestStateRunner().run(CorpusCase.request(c)))
            } catch {
                actual = ["exception": .string(error.code), "message": .string(error.message)]
            }
            if let diff = CorpusCase.compare(c, actual) {
                failures.append("\(f): \(diff)")
            } else {
                passed += 1
            }
        }
        print("TestState corpus: \(passed) passed, \(failures.count) failed\n" + failures.joined(separator: "\n"))
        #expect(passed >= 144, "\(failures.joined(separator: "\n"))")
    }
}

/// check_test_state's build_request and compare, in Swift.
enum CorpusCase {
    static let fields = ["status", "output", "error", "cause", "nextState", "inspectionData"]

    static func request(_ c: JSONObject) -> JSONObject {
        var r = c["request"]?.objectValue ?? [:]
        r["definition"] = .string((r["definition"] ?? .null).serialized)
        if let input = r["input"], !input.isNull { r["input"] = .string(input.serialized) } else { r["input"] = nil }
        if c["omit_role_arn"]?.boolValue != true { r["roleArn"] = "arn:aws:iam::123456789012:role/cortado" }
        return r
    }

    /// nil when `actual` matches the case's expectation, else the first difference.
    static func compare(_ c: JSONObject, _ actual: JSON) -> String? {
        guard case .object(let expected)? = c["expected"] else { return "case without expectation" }
        let wild = c["placeholders"]?.boolValue == true
        if let code = expected["exception"] {
            return actual["exception"] == code ? nil : "expected \(code.serialized), got \(actual.serialized.prefix(300))"
        }
        if let e = actual["exception"] { return "unexpected \(e.serialized): \(actual["message"]?.serialized ?? "")" }
        return same(normalise(.object(expected)), normalise(actual), wild, "$")
    }

    static func normalise(_ r: JSON) -> JSON {
        var o = JSONObject()
        for k in fields { if let v = r[k] { o[k] = parse(v, top: true) } }
        return .object(o)
    }

    /// JSON strings are parsed: any at the top, nested ones only when they hold an object/array.
    static func parse(_ v: JSON, top: Bool) -> JSON {
        switch v {
        case .string(let s):
            let t = s.drop { $0 == " " || $0 == "\n" || $0 == "\t" || $0 == "\r" }
            if !top, !(t.hasPrefix("{") || t.hasPrefix("[")) { return v }
            guard let p = try? JSON.parse(s) else { return v }
            switch p {
            case .object, .array: return parse(p, top: false)
            default: return p
            }
        case .object(let o):
            var out = JSONObject()
            for (k, x) in o { out[k] = parse(x, top: false) }
            return .object(out)
        case .array(let a): return .array(a.map { parse($0, top: false) })
        default: return v
        }
    }

    static func same(_ e: JSON, _ g: JSON, _ wild: Bool, _ path: String) -> String? {
        let differ = "\(path): expected \(e.serialized.prefix(200)), got \(g.serialized.prefix(200))"
        switch (e, g) {
        case (.string(let s), _) where wild && isToken(s):
            if case .string(let t) = g { return matches(s, t) ? nil : differ }
            return nil
        case (.string(let s), .string(let t)):
            return s == t || (wild && matches(s, t)) ? nil : differ
        case (.object(let a), .object(let b)):
            guard Set(a.keys) == Set(b.keys) else { return "\(path): keys differ \(a.keys.sorted()) vs \(b.keys.sorted())" }
            for (k, v) in a { if let d = same(v, b[k] ?? .null, wild, path + "." + k) { return d } }
            return nil
        case (.array(let a), .array(let b)):
            guard a.count == b.count else { return differ }
            for (i, x) in a.enumerated() { if let d = same(x, b[i], wild, "\(path)[\(i)]") { return d } }
            return nil
        default:
            return e == g ? nil : differ
        }
    }

    /// `<...>` placeholders as the checker defines them.
    static func tokenEnd(_ s: [Character], _ i: Int) -> Int? {
        guard s[i] == "<", i + 1 < s.count, s[i + 1].isLetter, s[i + 1].isASCII else { return nil }
        var j = i + 2
        while j < s.count, s[j] != ">" {
            let c = s[j]
            guard c.isASCII, c.isLetter || c.isNumber || "_:-. ".contains(c) else { return nil }
            j += 1
        }
        return j < s.count ? j : nil
    }

    static func isToken(_ s: String) -> Bool {
        let c = Array(s)
        return !c.isEmpty && tokenEnd(c, 0) == c.count - 1
    }

    /// Wildcard match: each placeholder matches any text.
    static func matches(_ pattern: String, _ text: String) -> Bool {
        let p = Array(pattern), t = Array(text)
        var parts: [(wild: Bool, c: Character)] = []
        var i = 0
        while i < p.count {
            if let end = tokenEnd(p, i) { parts.append((true, "*")); i = end + 1 } else { parts.append((false, p[i])); i += 1 }
        }
        var memo = [Int: Bool]()
        func go(_ a: Int, _ b: Int) -> Bool {
            let key = a * (t.count + 1) + b
            if let m = memo[key] { return m }
            let r: Bool
            if a == parts.count { r = b == t.count }
            else if parts[a].wild { r = (b...t.count).contains { go(a + 1, $0) } }
            else { r = b < t.count && parts[a].c == t[b] && go(a + 1, b + 1) }
            memo[key] = r
            return r
        }
        return go(0, 0)
    }
}

// MARK: - Rules from AWS's newer TestState recordings

@Suite struct TestStateRecordedRulesTests {
    static let map: JSON = ["Type": "Map", "QueryLanguage": "JSONata", "Items": "{% $states.input.xs %}",
                            "ItemProcessor": ["StartAt": "P", "States": ["P": ["Type": "Pass", "End": true]]], "End": true]

    private func message(_ body: JSON) -> String? {
        do { _ = try run(body); return nil } catch let e as APIError { return e.message } catch { return "\(error)" }
    }

    @Test func mapWithoutAToleranceIgnoresIterationFailures() throws {
        let r = try run(request(Self.map, input: ["xs": [1, 2, 3]],
                                ["mock": ["result": "[0, 0, 1]"], "stateConfiguration": ["mapIterationFailureCount": 2]]))
        #expect(r["status"] == "SUCCEEDED")
        #expect(try parsed(r["output"]) == [0, 0, 1])
    }

    @Test func iterationFailureCountNeedsAMockEvenWhenZero() {
        let body = request(Self.map, input: ["xs": [1]], ["stateConfiguration": ["mapIterationFailureCount": 0]])
        #expect(rejection(body) == "ValidationException")
        #expect(message(body) == "TestState does not support MapIterationFailureCount when a mock is not specified.")
    }

    @Test func iterationFailureCountAboveTheIterations() {
        let body = request(Self.map, input: ["xs": [1, 1, 1]],
                           ["mock": ["result": "[1, 1, 1]"], "stateConfiguration": ["mapIterationFailureCount": 4]])
        #expect(message(body) == "Map iteration failure count must be less than or equal to the number of Map iterations")
    }

    @Test func noVariablesAreLeftOutEvenWhenGivenEmpty() throws {
        let def: JSON = ["Type": "Pass", "End": true]
        let empty = try run(request(def, input: ["a": 1], ["variables": "{}"]))
        #expect(empty["inspectionData"]?["variables"] == nil)
        let given = try run(request(def, input: ["a": 1], ["variables": #"{"x": 1}"#]))
        #expect(try parsed(given["inspectionData"]?["variables"]) == ["x": 1])
    }

    @Test func waitForTaskTokenSeesATokenWithoutAContext() throws {
        let def: JSON = ["Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
                         "Parameters": ["QueueUrl": "q", "MessageBody": ["token.$": "$$.Task.Token"]], "End": true]
        let r = try run(request(def, input: [:], ["mock": ["result": "{}"]]))
        #expect(r["status"] == "SUCCEEDED")
        let token = try parsed(r["inspectionData"]?["afterParameters"])?["MessageBody"]?["token"]?.stringValue
        #expect((token?.count ?? 0) > 0)
    }
}

// MARK: - Mocked results against the generated API models

@Suite struct TestStateModelValidationTests {
    private func outcome(_ resource: String, _ mock: String, mode: String? = nil) -> String {
        var m: JSONObject = ["result": .string(mock)]
        if let mode { m["fieldValidationMode"] = .string(mode) }
        let def: JSON = ["Type": "Task", "Resource": .string(resource), "End": true]
        do {
            let r = try run(request(def, input: [:], ["mock": .object(m)]))
            return r["status"]?.stringValue ?? "?"
        } catch let e as APIError { return e.message } catch { return "\(error)" }
    }

    /// AWS's recordings: an aws-sdk result is checked against the service's model, enums too.
    @Test func awsSDKResultsAreCheckedAgainstTheModel() {
        let get = "arn:aws:states:::aws-sdk:s3:getObject"
        #expect(outcome(get, #"{"ContentLength": "9000"}"#) == "Mock result schema validation error: Field 'ContentLength' must be a number")
        #expect(outcome(get, #"{"StorageClass": "Papyrus"}"#) == "Mock result schema validation error: Field 'StorageClass' is not an expected value")
        #expect(outcome(get, #"{"StorageClass": "Papyrus"}"#, mode: "PRESENT").contains("not an expected value"))
        #expect(outcome(get, #"{"StorageClass": "Papyrus"}"#, mode: "NONE") == "SUCCEEDED")
        #expect(outcome(get, #"{"StorageClass": "STANDARD", "ContentLength": 9000, "Unknown": [1]}"#) == "SUCCEEDED")
    }

    @Test func recursiveShapesAndRequiredMembers() {
        let get = "arn:aws:states:::aws-sdk:dynamodb:getItem"
        #expect(outcome(get, #"{"Item": {"a": {"L": [{"M": {"b": {"N": "1"}}}]}}}"#) == "SUCCEEDED")
        #expect(outcome(get, #"{"Item": {"a": {"L": [{"M": {"b": {"N": 1}}}]}}}"#).contains("Field 'N' must be a string"))
        let describe = "arn:aws:states:::aws-sdk:sfn:describeExecution"
        #expect(outcome(describe, #"{"ExecutionArn": "a"}"#).contains("Required field"))
        #expect(outcome(describe, #"{"ExecutionArn": "a"}"#, mode: "PRESENT") == "SUCCEEDED")
    }

    @Test func optimizedIntegrationsUseTheirAPIsShape() {
        #expect(outcome("arn:aws:states:::sqs:sendMessage.waitForTaskToken", #"{"MessageId": 5}"#).contains("must be a string"))
        // A .sync integration answers with another API's shape: not checked from the model.
        #expect(outcome("arn:aws:states:::ecs:runTask.sync", #"{"Tasks": 5}"#) == "SUCCEEDED")
        #expect(outcome("arn:aws:states:::ecs:runTask", #"{"Tasks": 5}"#).contains("must be an array"))
    }
}
