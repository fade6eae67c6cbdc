import CortadoASL
import CortadoJSON
import CortadoPath
import CortadoRuntime
import Foundation
import Testing

@testable import CortadoService

// TestState of a state must behave exactly as an execution of that state does. Each test
// runs a small machine as an execution (tasks answered by a scripted backend; Map and
// Parallel run their Pass/Fail children for real) and runs TestState on the same state
// with the same input (`stateName`), the same variables and, for Task/Map/Parallel, a mock
// equal to what the execution's task or children produced. Then:
// - SUCCEEDED / CAUGHT_ERROR: TestState's output and nextState are what the execution's next
//   state (a probe) received, and inspectionData.variables is what that state sees;
// - FAILED: the same error and cause (an execution's cause carries AWS's prefix "An error
//   occurred while executing the state 'X' (entered at the event id #N). ", TestState's does
//   not: the text after it is compared).

// MARK: - Harness

/// A task backend answering by attempt, recording each call's input and attempt.
private final class ScriptedTask: TaskBackend, @unchecked Sendable {
    private let lock = NSLock()
    private var calls: [(input: JSON, attempt: Int)] = []
    private let answer: @Sendable (Int) -> TaskOutcome

    init(_ answer: @escaping @Sendable (Int) -> TaskOutcome) { self.answer = answer }
    convenience init(result: JSON) { self.init { _ in .success(result) } }
    convenience init(error: String, cause: String?) { self.init { _ in .failure(ASLError(ErrorName(error), cause)) } }

    func invoke(_ request: TaskRequest) -> TaskOutcome {
        lock.lock()
        calls.append((request.input, request.attempt))
        lock.unlock()
        return answer(request.attempt)
    }

    var inputs: [JSON] {
        lock.lock()
        defer { lock.unlock() }
        return calls.map(\.input)
    }
}

/// The history events of an execution, collected from its event sink.
private final class EventLog: @unchecked Sendable {
    private let lock = NSLock()
    private var all: [HistoryEvent] = []
    func append(_ e: HistoryEvent) { lock.lock(); all.append(e); lock.unlock() }
    var events: [HistoryEvent] { lock.lock(); defer { lock.unlock() }; return all }
}

private struct InvalidDefinition: Error, CustomStringConvertible { let description: String }

/// A state that reports what it received: `{"at": its name, "input": its input, "vars": {the named variables}}`.
private func probe(_ variables: String...) -> String {
    let fields = variables.map { "'\($0)': $\($0)" }.joined(separator: ", ")
    return #"{"Type": "Pass", "QueryLanguage": "JSONata", "Output": "{% {'at': $states.context.State.Name, 'input': $states.input, 'vars': {\#(fields)}} %}", "End": true}"#
}

/// Runs `definition` as an execution on the virtual clock.
private func execute(_ definition: String, input: JSON, backend: any TaskBackend = HandlerRegistry(),
                     events: EventLog? = nil) throws -> ExecutionResult {
    let compiled = DefinitionPipeline.compile(text: definition)
    guard let program = compiled.program else {
        throw InvalidDefinition(description: compiled.errors.map(\.description).joined(separator: "; "))
    }
    var o = ExecutionOptions(executionName: "exec-1", stateMachineName: "sm", clock: .virtual, backend: backend)
    o.startTime = 1_700_000_000_000
    o.executionTimeoutSeconds = nil
    if let events { o.eventSink = { events.append($0) } }
    return Execution(program: program, input: input, options: o).runToCompletion()
}

/// TestState's response, read.
private struct TestStateResponse: CustomStringConvertible {
    let body: JSONObject
    var status: String? { body["status"]?.stringValue }
    var error: String? { body["error"]?.stringValue }
    var cause: String? { body["cause"]?.stringValue }
    var nextState: String? { body["nextState"]?.stringValue }
    var outputText: String? { body["output"]?.stringValue }
    var output: JSON? { outputText.flatMap { try? JSON.parse($0) } }
    /// An inspectionData stage (a JSON string), parsed.
    func stage(_ name: String) -> JSON? { body["inspectionData"]?[name]?.stringValue.flatMap { try? JSON.parse($0) } }
    var inspection: JSON? { body["inspectionData"] }
    /// inspectionData.variables, or {} when TestState reports none.
    var variables: JSON { stage("variables") ?? .object(JSONObject()) }
    var description: String { JSON.object(body).serialized }
}

/// TestState (DEBUG) of the state `state` of `definition`.
private func testState(_ definition: String, state: String, input: JSON, mock: JSON? = nil, variables: JSON? = nil,
                       configuration: JSON? = nil) throws -> TestStateResponse {
    var o: JSONObject = ["definition": .string(definition), "input": .string(input.serialized), "inspectionLevel": "DEBUG",
                         "roleArn": "arn:aws:iam::123456789012:role/test", "stateName": .string(state)]
    if let mock { o["mock"] = mock }
    if let variables { o["variables"] = .string(variables.serialized) }
    if let configuration { o["stateConfiguration"] = configuration }
    return TestStateResponse(body: try TestStateRunner().run(o))
}

private func mockResult(_ result: JSON) -> JSON { ["result": .string(result.serialized)] }
private func mockError(_ error: String, _ cause: String?) -> JSON {
    var e: JSONObject = ["error": .string(error)]
    if let cause { e["cause"] = .string(cause) }
    return ["errorOutput": .object(e)]
}

/// An execution's cause without AWS's "An error occurred while executing the state 'X'
/// (entered at the event id #N). " prefix (left whole when it names another state).
private func withoutStatePrefix(_ cause: String, state: String) -> String {
    let head = "An error occurred while executing the state '\(state)' (entered at the event id #"
    guard cause.hasPrefix(head) else { return cause }
    let rest = cause.dropFirst(head.count)
    guard let close = rest.range(of: "). ") else { return cause }
    return String(rest[close.upperBound...])
}

/// `value` with the state prefix taken off every cause-like string in it (for a caught
/// error, whose `Cause` the execution hands on with the prefix and TestState without).
private func withoutStatePrefixes(_ value: JSON) -> JSON {
    switch value {
    case .string(let s):
        let head = "An error occurred while executing the state '"
        guard s.hasPrefix(head), let entered = s.range(of: "' (entered at the event id #"),
              let close = s[entered.upperBound...].range(of: "). ") else { return value }
        return .string(String(s[close.upperBound...]))
    case .array(let a): return .array(a.map(withoutStatePrefixes))
    case .object(let o): return .object(JSONObject(o.members.map { ($0.key, withoutStatePrefixes($0.value)) }))
    default: return value
    }
}

/// What the execution's probe state received.
private struct Reached {
    let at: String
    let input: JSON
    let vars: JSON
}

private func reached(_ r: ExecutionResult) -> Reached? {
    guard r.status == .succeeded, let o = r.output, let at = o["at"]?.stringValue, let input = o["input"] else { return nil }
    return Reached(at: at, input: input, vars: o["vars"] ?? .object(JSONObject()))
}

/// TestState ends with `status` (SUCCEEDED or CAUGHT_ERROR) into the state the execution went
/// to next, with the output that state received, and reports the variables that state saw.
private func expectSameTransition(_ ts: TestStateResponse, _ exec: ExecutionResult, status: String = "SUCCEEDED",
                                  sourceLocation: SourceLocation = #_sourceLocation) {
    guard var next = reached(exec) else {
        Issue.record("the execution did not reach a probe: \(exec.status.rawValue) \(exec.error?.description ?? "") \(exec.output?.serialized ?? "")",
                     sourceLocation: sourceLocation)
        return
    }
    if status == "CAUGHT_ERROR" {
        // The caught error's cause carries the execution's state prefix; TestState's does not.
        next = Reached(at: next.at, input: withoutStatePrefixes(next.input), vars: withoutStatePrefixes(next.vars))
    }
    #expect(ts.status == status, "TestState: \(ts)", sourceLocation: sourceLocation)
    #expect(ts.nextState == next.at, "TestState: \(ts)", sourceLocation: sourceLocation)
    #expect(ts.output == next.input, "TestState output \(ts.outputText ?? "nil") vs execution \(next.input.serialized)",
            sourceLocation: sourceLocation)
    if ts.output == next.input {
        // Same value: the same text too (key order, number literals).
        #expect(ts.outputText == next.input.serialized, sourceLocation: sourceLocation)
    }
    #expect(ts.variables == next.vars, "TestState variables \(ts.variables.serialized) vs execution \(next.vars.serialized)",
            sourceLocation: sourceLocation)
}

/// TestState agrees with the execution: the same failure, or the same transition.
private func expectAgreement(_ ts: TestStateResponse, _ exec: ExecutionResult, state: String,
                             sourceLocation: SourceLocation = #_sourceLocation) {
    if exec.status == .failed {
        expectSameFailure(ts, exec, state: state, sourceLocation: sourceLocation)
    } else {
        expectSameTransition(ts, exec, sourceLocation: sourceLocation)
    }
}

/// TestState FAILED with the execution's error and cause (prefix removed).
private func expectSameFailure(_ ts: TestStateResponse, _ exec: ExecutionResult, state: String,
                               sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(exec.status == .failed, "execution: \(exec.output?.serialized ?? "")", sourceLocation: sourceLocation)
    #expect(ts.status == "FAILED", "TestState: \(ts)", sourceLocation: sourceLocation)
    #expect(ts.error == exec.error?.name?.rawValue, "TestState: \(ts) vs execution \(exec.error?.description ?? "nil")",
            sourceLocation: sourceLocation)
    #expect(ts.cause == exec.error?.cause.map { withoutStatePrefix($0, state: state) },
            "TestState: \(ts) vs execution \(exec.error?.description ?? "nil")", sourceLocation: sourceLocation)
}

// MARK: - Pass

@Suite struct TestStateAgreementPassTests {
    @Test func parametersResultPathOutputPath() throws {
        let def = #"""
        {"StartAt": "X", "States": {
          "X": {"Type": "Pass", "InputPath": "$.a", "Parameters": {"v.$": "$.b", "k": "lit", "n.$": "$.b.c", "all.$": "$", "deep": {"d.$": "$.b.c"}},
                "ResultPath": "$.a.r", "OutputPath": "$.a", "Next": "Probe"},
          "Probe": \#(probe())}}
        """#
        let input: JSON = ["a": ["b": ["c": 1.50]], "z": 2]
        expectSameTransition(try testState(def, state: "X", input: input), try execute(def, input: input))
    }

    @Test func resultAndResultPathAndAssign() throws {
        let def = #"""
        {"StartAt": "Setup", "States": {
          "Setup": {"Type": "Pass", "Assign": {"seed": 7}, "Next": "X"},
          "X": {"Type": "Pass", "Result": {"fixed": [1, 2]}, "ResultPath": "$.res",
                "Assign": {"first.$": "$.fixed[0]", "old.$": "$seed", "lit": "text"}, "Next": "Probe"},
          "Probe": \#(probe("seed", "first", "old", "lit"))}}
        """#
        let input: JSON = ["keep": true]
        let ts = try testState(def, state: "X", input: input, variables: ["seed": 7])
        expectSameTransition(ts, try execute(def, input: input))
    }

    @Test func intrinsics() throws {
        let def = #"""
        {"StartAt": "X", "States": {
          "X": {"Type": "Pass", "Parameters": {
                  "f.$": "States.Format('{} has {} items', $.name, States.ArrayLength($.items))",
                  "arr.$": "States.Array($.name, 1, true)",
                  "sum.$": "States.MathAdd($.n, -3)",
                  "json.$": "States.StringToJson($.raw)",
                  "text.$": "States.JsonToString($.o1)",
                  "merged.$": "States.JsonMerge($.o1, $.o2, false)",
                  "parts.$": "States.ArrayPartition($.items, 2)",
                  "hash.$": "States.Hash($.name, 'SHA-1')",
                  "b64.$": "States.Base64Encode($.name)",
                  "has.$": "States.ArrayContains($.items, 2)",
                  "range.$": "States.ArrayRange(1, 9, 4)",
                  "uniq.$": "States.ArrayUnique($.dups)",
                  "split.$": "States.StringSplit($.csv, ',')",
                  "item.$": "States.ArrayGetItem($.items, 1)"},
                "ResultPath": "$.r", "Next": "Probe"},
          "Probe": \#(probe())}}
        """#
        let input: JSON = ["name": "cart", "items": [1, 2, 3], "n": 10, "raw": #"{"k": [1]}"#, "o1": ["a": 1],
                           "o2": ["b": 2], "dups": [1, 1, 2], "csv": "a,b"]
        expectSameTransition(try testState(def, state: "X", input: input), try execute(def, input: input))
    }

    @Test func intrinsicFailures() throws {
        let input: JSON = ["name": "cart", "items": [1, 2, 3], "raw": "not json"]
        for call in ["States.StringToJson($.raw)", "States.MathAdd($.name, 1)", "States.ArrayGetItem($.items, 7)",
                     "States.MathAdd(2147483647, 1)", "States.ArrayPartition($.items, 0)", "States.ArrayRange(1, 2, 0)",
                     "States.ArrayLength($.items, 1)"] {
            let def = #"""
            {"StartAt": "X", "States": {
              "X": {"Type": "Pass", "Parameters": {"v.$": "\#(call)"}, "Next": "Probe"},
              "Probe": \#(probe())}}
            """#
            let exec = try execute(def, input: input)
            let ts = try testState(def, state: "X", input: input)
            expectSameFailure(ts, exec, state: "X")
        }
    }

    /// A path that selects nothing fails the state with States.Runtime, wherever it is.
    @Test func pathsThatSelectNothing() throws {
        let input: JSON = ["a": 1, "s": "text", "arr": [1]]
        for fields in [#""Parameters": {"v.$": "$.nope"}"#, #""InputPath": "$.nope""#, #""OutputPath": "$.nope""#,
                       #""Parameters": {"v.$": "$.a.b.c"}"#, #""Parameters": {"v.$": "$.arr[3]"}"#,
                       #""Parameters": {"v.$": "$$.Execution.Nope"}"#] {
            let def = #"""
            {"StartAt": "X", "States": {
              "X": {"Type": "Pass", \#(fields), "Next": "Probe"},
              "Probe": \#(probe())}}
            """#
            let exec = try execute(def, input: input)
            let ts = try testState(def, state: "X", input: input)
            expectSameFailure(ts, exec, state: "X")
        }
    }

    @Test func resultPathThatCannotBeApplied() throws {
        for (resultPath, input) in [("$.s.x", ["s": "text"] as JSON), ("$.x", [1, 2] as JSON), ("$.a[0]", ["a": ["k": 1]] as JSON)] {
            let def = #"""
            {"StartAt": "X", "States": {
              "X": {"Type": "Pass", "Result": {"v": 1}, "ResultPath": "\#(resultPath)", "Next": "Probe"},
              "Probe": \#(probe())}}
            """#
            let exec = try execute(def, input: input)
            let ts = try testState(def, state: "X", input: input)
            expectAgreement(ts, exec, state: "X")
        }
    }

    @Test func succeedWithInputPathAndOutputPath() throws {
        let def = #"""
        {"StartAt": "X", "States": {"X": {"Type": "Succeed", "InputPath": "$.a", "OutputPath": "$.b"}}}
        """#
        let input: JSON = ["a": ["b": ["c": [1, 2]]], "z": 0]
        let exec = try execute(def, input: input)
        let ts = try testState(def, state: "X", input: input)
        #expect(ts.status == "SUCCEEDED")
        #expect(ts.nextState == nil)
        #expect(ts.output == exec.output)
    }
}

// MARK: - Task

@Suite struct TestStateAgreementTaskTests {
    static let lambda = "arn:aws:states:::lambda:invoke"

    @Test func parametersResultSelectorResultPathAssign() throws {
        let def = #"""
        {"StartAt": "Setup", "States": {
          "Setup": {"Type": "Pass", "Assign": {"calls": 1}, "Next": "X"},
          "X": {"Type": "Task", "Resource": "\#(Self.lambda)",
                "Parameters": {"FunctionName": "f", "Payload.$": "$.p", "Calls.$": "$calls"},
                "ResultSelector": {"body.$": "$.Payload.body", "code.$": "$.StatusCode"},
                "ResultPath": "$.res", "Assign": {"lastCode.$": "$.code", "calls.$": "States.MathAdd($calls, 1)"},
                "OutputPath": "$", "Next": "Probe"},
          "Probe": \#(probe("calls", "lastCode"))}}
        """#
        let input: JSON = ["p": ["id": 9], "other": "x"]
        let result: JSON = ["StatusCode": 200, "Payload": ["body": "ok"]]
        let backend = ScriptedTask(result: result)
        let exec = try execute(def, input: input, backend: backend)
        let ts = try testState(def, state: "X", input: input, mock: mockResult(result), variables: ["calls": 1])
        expectSameTransition(ts, exec)
        // The effective input TestState reports is what the execution sent the task.
        #expect(backend.inputs.count == 1)
        #expect(ts.stage("afterParameters") == backend.inputs.first)
    }

    @Test func errorCaughtWithResultPathAndAssign() throws {
        let def = #"""
        {"StartAt": "X", "States": {
          "X": {"Type": "Task", "Resource": "\#(Self.lambda)", "Parameters": {"FunctionName": "f"},
                "Catch": [{"ErrorEquals": ["Other"], "Next": "Wrong"},
                          {"ErrorEquals": ["States.TaskFailed"], "ResultPath": "$.err", "Assign": {"errName.$": "$.Error"}, "Next": "Handler"}],
                "Next": "Wrong"},
          "Wrong": \#(probe()),
          "Handler": \#(probe("errName"))}}
        """#
        let input: JSON = ["order": 1]
        let exec = try execute(def, input: input, backend: ScriptedTask(error: "Boom", cause: "it broke"))
        let ts = try testState(def, state: "X", input: input, mock: mockError("Boom", "it broke"))
        expectSameTransition(ts, exec, status: "CAUGHT_ERROR")
        #expect(ts.error == "Boom")
        #expect(ts.cause == "it broke")
        #expect(reached(exec)?.input["err"] == ["Error": "Boom", "Cause": "it broke"])
    }

    @Test func errorCaughtByAJSONataCatcherWithOutputAndAssign() throws {
        let def = #"""
        {"QueryLanguage": "JSONata", "StartAt": "Setup", "States": {
          "Setup": {"Type": "Pass", "Assign": {"base": 1}, "Next": "X"},
          "X": {"Type": "Task", "Resource": "\#(Self.lambda)", "Arguments": {"FunctionName": "f", "Payload": {"n": "{% $states.input.n %}"}},
                "Catch": [{"ErrorEquals": ["States.ALL"],
                           "Output": "{% {'e': $states.errorOutput.Error, 'c': $states.errorOutput.Cause, 'in': $states.input, 'b': $base} %}",
                           "Assign": {"why": "{% $states.errorOutput.Cause %}", "base": "{% $base + 1 %}"},
                           "Next": "Handler"}],
                "Next": "Handler"},
          "Handler": \#(probe("base", "why"))}}
        """#
        let input: JSON = ["n": 5]
        let exec = try execute(def, input: input, backend: ScriptedTask(error: "Lambda.Unknown", cause: "no such function"))
        let ts = try testState(def, state: "X", input: input, mock: mockError("Lambda.Unknown", "no such function"),
                               variables: ["base": 1])
        expectSameTransition(ts, exec, status: "CAUGHT_ERROR")
        #expect(ts.error == "Lambda.Unknown")
    }

    @Test func uncaughtErrorsFailWithTheTaskError() throws {
        let def = #"""
        {"StartAt": "X", "States": {
          "X": {"Type": "Task", "Resource": "\#(Self.lambda)",
                "Catch": [{"ErrorEquals": ["Other", "States.TaskFailed"], "Next": "Handler"}], "Next": "Handler"},
          "Handler": \#(probe())}}
        """#
        let input: JSON = ["x": 1]
        // States.TaskFailed matches every error but States.Timeout (and States.Runtime).
        for (error, cause) in [("States.Timeout", "took too long" as String?), ("States.Timeout", nil), ("Boom", "caught")] {
            let exec = try execute(def, input: input, backend: ScriptedTask(error: error, cause: cause))
            let ts = try testState(def, state: "X", input: input, mock: mockError(error, cause))
            if exec.status == .failed {
                expectSameFailure(ts, exec, state: "X")
            } else {
                expectSameTransition(ts, exec, status: "CAUGHT_ERROR")
            }
        }
    }

    /// The execution retries until MaxAttempts, then catches: TestState says RETRIABLE for each
    /// retry count the execution retried at (with the back-off it waited), then CAUGHT_ERROR.
    @Test func retriesThenCatch() throws {
        let def = #"""
        {"StartAt": "X", "States": {
          "X": {"Type": "Task", "Resource": "\#(Self.lambda)",
                "Retry": [{"ErrorEquals": ["Other"], "MaxAttempts": 9},
                          {"ErrorEquals": ["Boom"], "MaxAttempts": 3, "IntervalSeconds": 3, "BackoffRate": 2, "MaxDelaySeconds": 5}],
                "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.err", "Next": "Handler"}],
                "Next": "Handler"},
          "Handler": \#(probe())}}
        """#
        let input: JSON = ["x": 1]
        let backend = ScriptedTask(error: "Boom", cause: "again")
        let log = EventLog()
        let exec = try execute(def, input: input, backend: backend, events: log)
        let attempts = backend.inputs.count
        #expect(attempts == 4)
        let failed = log.events.filter { $0.type == .taskFailed }.map(\.timestamp)
        let scheduled = log.events.filter { $0.type == .taskScheduled }.map(\.timestamp)
        for n in 0..<max(attempts - 1, 0) {
            let ts = try testState(def, state: "X", input: input, mock: mockError("Boom", "again"),
                                   configuration: ["retrierRetryCount": JSON(n)])
            #expect(ts.status == "RETRIABLE", "retry \(n): \(ts)")
            #expect(ts.error == "Boom")
            #expect(ts.cause == "again")
            let waited = n + 1 < scheduled.count && n < failed.count ? Double(scheduled[n + 1] - failed[n]) / 1000 : -1
            #expect(ts.inspection?["errorDetails"]?["retryIndex"] == 1)
            #expect(ts.inspection?["errorDetails"]?["retryBackoffIntervalSeconds"]?.numberValue?.double == waited,
                    "retry \(n): TestState \(ts) vs execution waited \(waited) s")
        }
        let ts = try testState(def, state: "X", input: input, mock: mockError("Boom", "again"),
                               configuration: ["retrierRetryCount": JSON(attempts - 1)])
        expectSameTransition(ts, exec, status: "CAUGHT_ERROR")
    }

    /// States.Runtime is neither retried nor caught, not even by States.ALL.
    @Test func resultSelectorPathThatSelectsNothing() throws {
        let def = #"""
        {"StartAt": "X", "States": {
          "X": {"Type": "Task", "Resource": "\#(Self.lambda)", "ResultSelector": {"x.$": "$.missing"},
                "Retry": [{"ErrorEquals": ["States.ALL"]}],
                "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Handler"}], "Next": "Handler"},
          "Handler": \#(probe())}}
        """#
        let input: JSON = ["x": 1]
        let result: JSON = ["Payload": 1]
        let exec = try execute(def, input: input, backend: ScriptedTask(result: result))
        let ts = try testState(def, state: "X", input: input, mock: mockResult(result))
        expectSameFailure(ts, exec, state: "X")
    }

    @Test func jsonataArgumentsOutputAssign() throws {
        let def = #"""
        {"QueryLanguage": "JSONata", "StartAt": "Setup", "States": {
          "Setup": {"Type": "Pass", "Assign": {"rate": 2}, "Next": "X"},
          "X": {"Type": "Task", "Resource": "\#(Self.lambda)",
                "Arguments": {"FunctionName": "f", "Payload": {"amount": "{% $states.input.n * $rate %}", "tags": "{% $states.input.tags[0] %}"}},
                "Output": "{% {'got': $states.result.Payload.v, 'old': $rate, 'n': $states.input.n} %}",
                "Assign": {"rate": "{% $states.result.Payload.v %}", "seen": "{% $states.input.n + $rate %}"},
                "Next": "Probe"},
          "Probe": \#(probe("rate", "seen"))}}
        """#
        let input: JSON = ["n": 4, "tags": ["a", "b"]]
        let result: JSON = ["StatusCode": 200, "Payload": ["v": 7]]
        let backend = ScriptedTask(result: result)
        let exec = try execute(def, input: input, backend: backend)
        let ts = try testState(def, state: "X", input: input, mock: mockResult(result), variables: ["rate": 2])
        expectSameTransition(ts, exec)
        #expect(ts.stage("afterArguments") == backend.inputs.first)
    }

    /// A JSONata expression that fails: States.QueryEvaluationError, which Catch handles.
    @Test func jsonataArgumentsErrorIsCaught() throws {
        let def = #"""
        {"QueryLanguage": "JSONata", "StartAt": "X", "States": {
          "X": {"Type": "Task", "Resource": "\#(Self.lambda)", "Arguments": {"v": "{% $states.input.n + 'x' %}"},
                "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Handler"}], "Next": "Handler"},
          "Handler": \#(probe())}}
        """#
        let input: JSON = ["n": 1]
        let result: JSON = ["Payload": 1]
        let exec = try execute(def, input: input, backend: ScriptedTask(result: result))
        let ts = try testState(def, state: "X", input: input, mock: mockResult(result))
        if exec.status == .failed {
            expectSameFailure(ts, exec, state: "X")
        } else {
            expectSameTransition(ts, exec, status: "CAUGHT_ERROR")
            // The caught error's cause is what the handler got (without the execution's prefix).
            let handed = reached(exec)?.input["Cause"]?.stringValue
            #expect(ts.cause == handed.map { withoutStatePrefix($0, state: "X") })
            #expect(ts.error == reached(exec)?.input["Error"]?.stringValue)
        }
    }
}

// MARK: - Choice

@Suite struct TestStateAgreementChoiceTests {
    @Test func jsonPathChoiceWithVariables() throws {
        let def = #"""
        {"StartAt": "Setup", "States": {
          "Setup": {"Type": "Pass", "Assign": {"limit": 10}, "Next": "X"},
          "X": {"Type": "Choice", "InputPath": "$.in", "OutputPath": "$.keep",
                "Choices": [{"Variable": "$.v", "NumericGreaterThanPath": "$limit", "Assign": {"over.$": "$.v", "limit": 0}, "Next": "Big"},
                            {"Variable": "$limit", "NumericEquals": 10, "Next": "Small"}],
                "Default": "Never", "Assign": {"defaulted": true}},
          "Big": \#(probe("limit", "over", "defaulted")),
          "Small": \#(probe("limit", "over", "defaulted")),
          "Never": \#(probe("limit", "over", "defaulted"))}}
        """#
        for v in [11, 3] {
            let input: JSON = ["in": ["v": JSON(v), "keep": ["v": JSON(v)]]]
            let ts = try testState(def, state: "X", input: input, variables: ["limit": 10])
            expectSameTransition(ts, try execute(def, input: input))
        }
    }

    @Test func jsonPathChoiceFailures() throws {
        let input: JSON = ["v": 1]
        for choices in [#"[{"Variable": "$.v", "NumericGreaterThan": 10, "Next": "Probe"}]"#,
                        #"[{"Variable": "$.missing", "NumericGreaterThan": 10, "Next": "Probe"}], "Default": "Probe""#,
                        #"[{"Variable": "$.v", "StringEquals": "1", "Next": "Probe"}]"#] {
            let def = #"""
            {"StartAt": "X", "States": {
              "X": {"Type": "Choice", "Choices": \#(choices)},
              "Probe": \#(probe())}}
            """#
            let exec = try execute(def, input: input)
            let ts = try testState(def, state: "X", input: input)
            expectSameFailure(ts, exec, state: "X")
        }
    }

    /// A matched rule's Output/Assign, a matched rule without them, and Default.
    @Test func jsonataChoiceOutputAndAssign() throws {
        let def = #"""
        {"QueryLanguage": "JSONata", "StartAt": "Setup", "States": {
          "Setup": {"Type": "Pass", "Assign": {"limit": 10}, "Next": "X"},
          "X": {"Type": "Choice",
                "Choices": [{"Condition": "{% $states.input.v > $limit %}", "Output": "{% {'big': $states.input.v} %}",
                             "Assign": {"over": "{% $states.input.v - $limit %}"}, "Next": "Big"},
                            {"Condition": "{% $states.input.v = 0 %}", "Next": "Zero"}],
                "Default": "Small", "Output": "{% {'small': $states.input.v, 'limit': $limit} %}", "Assign": {"under": true}},
          "Big": \#(probe("limit", "over", "under")),
          "Zero": \#(probe("limit", "over", "under")),
          "Small": \#(probe("limit", "over", "under"))}}
        """#
        for v in [11, 0, 3] {
            let input: JSON = ["v": JSON(v)]
            let ts = try testState(def, state: "X", input: input, variables: ["limit": 10])
            expectSameTransition(ts, try execute(def, input: input))
        }
    }
}

// MARK: - Wait

@Suite struct TestStateAgreementWaitTests {
    @Test func secondsPathWithAssignAndOutputPath() throws {
        let def = #"""
        {"StartAt": "X", "States": {
          "X": {"Type": "Wait", "SecondsPath": "$.s", "Assign": {"waited.$": "$.s"}, "OutputPath": "$.keep", "Next": "Probe"},
          "Probe": \#(probe("waited"))}}
        """#
        let input: JSON = ["s": 5, "keep": ["x": 1]]
        expectSameTransition(try testState(def, state: "X", input: input), try execute(def, input: input))
    }

    @Test func secondsPathValues() throws {
        let def = #"""
        {"StartAt": "X", "States": {
          "X": {"Type": "Wait", "SecondsPath": "$.s", "Next": "Probe"},
          "Probe": \#(probe())}}
        """#
        let values: [JSON] = ["ten", -1, 1.5, 5.0, "5", .null, true, [1], 0]
        for v in values {
            let input: JSON = ["s": v]
            let exec = try execute(def, input: input)
            let ts = try testState(def, state: "X", input: input)
            expectAgreement(ts, exec, state: "X")
        }
        // A path that selects nothing.
        let exec = try execute(def, input: [:])
        expectSameFailure(try testState(def, state: "X", input: [:]), exec, state: "X")
    }

    @Test func timestampPathValues() throws {
        let def = #"""
        {"StartAt": "X", "States": {
          "X": {"Type": "Wait", "TimestampPath": "$.t", "Next": "Probe"},
          "Probe": \#(probe())}}
        """#
        let values: [JSON] = ["2023-11-14T22:13:20Z", "2023-11-14T22:13:20.5+01:00", "yesterday", 12, "2023-11-14"]
        for v in values {
            let input: JSON = ["t": v]
            let exec = try execute(def, input: input)
            let ts = try testState(def, state: "X", input: input)
            expectAgreement(ts, exec, state: "X")
        }
    }
}

// MARK: - Fail

@Suite struct TestStateAgreementFailTests {
    @Test func errorPathAndCausePath() throws {
        let input: JSON = ["e": "OrderFailed", "id": 42, "why": "no stock", "c": "plain cause"]
        for fields in [#""ErrorPath": "$.e", "CausePath": "$.c""#,
                       #""ErrorPath": "$.e", "CausePath": "States.Format('order {} failed: {}', $.id, $.why)""#,
                       #""ErrorPath": "$errVar", "Cause": "literal""#,
                       #""Error": "Literal", "CausePath": "States.JsonToString($.id)""#] {
            let def = #"""
            {"StartAt": "Setup", "States": {
              "Setup": {"Type": "Pass", "Assign": {"errVar": "FromVariable"}, "Next": "X"},
              "X": {"Type": "Fail", \#(fields)}}}
            """#
            let exec = try execute(def, input: input)
            let ts = try testState(def, state: "X", input: input, variables: ["errVar": "FromVariable"])
            expectSameFailure(ts, exec, state: "X")
        }
    }

    @Test func errorPathThatFails() throws {
        let input: JSON = ["num": 5, "obj": ["k": 1]]
        for fields in [#""ErrorPath": "$.nope""#, #""ErrorPath": "$.num""#, #""Error": "E", "CausePath": "$.obj""#,
                       #""Error": "E", "CausePath": "$.nope""#] {
            let def = #"""
            {"StartAt": "X", "States": {"X": {"Type": "Fail", \#(fields)}}}
            """#
            let exec = try execute(def, input: input)
            let ts = try testState(def, state: "X", input: input)
            expectSameFailure(ts, exec, state: "X")
        }
    }

    @Test func jsonataErrorAndCause() throws {
        let input: JSON = ["code": "Declined", "n": 3]
        for fields in [#""Error": "{% $states.input.code %}", "Cause": "{% 'bad ' & $base %}""#,
                       #""Error": "{% $states.input.n %}", "Cause": "c""#,
                       #""Error": "{% $states.input.nope %}", "Cause": "c""#] {
            let def = #"""
            {"QueryLanguage": "JSONata", "StartAt": "Setup", "States": {
              "Setup": {"Type": "Pass", "Assign": {"base": "luck"}, "Next": "X"},
              "X": {"Type": "Fail", \#(fields)}}}
            """#
            let exec = try execute(def, input: input)
            let ts = try testState(def, state: "X", input: input, variables: ["base": "luck"])
            expectSameFailure(ts, exec, state: "X")
        }
    }
}

// MARK: - Map

@Suite struct TestStateAgreementMapTests {
    @Test func itemSelectorItemsPathMaxConcurrency() throws {
        let def = #"""
        {"StartAt": "X", "States": {
          "X": {"Type": "Map", "ItemsPath": "$.order.items", "MaxConcurrency": 1,
                "ItemSelector": {"sku.$": "$$.Map.Item.Value.sku", "idx.$": "$$.Map.Item.Index", "cust.$": "$.order.customer"},
                "ItemProcessor": {"StartAt": "Echo", "States": {"Echo": {"Type": "Pass", "End": true}}},
                "ResultPath": "$.lines", "Next": "Probe"},
          "Probe": \#(probe())}}
        """#
        let input: JSON = ["order": ["customer": "c1", "items": [["sku": "a"], ["sku": "b"], ["sku": "c"]]]]
        // The children echo their input: the Map's result is the selected items.
        let children: JSON = [["sku": "a", "idx": 0, "cust": "c1"], ["sku": "b", "idx": 1, "cust": "c1"],
                              ["sku": "c", "idx": 2, "cust": "c1"]]
        let exec = try execute(def, input: input)
        let ts = try testState(def, state: "X", input: input, mock: mockResult(children))
        expectSameTransition(ts, exec)
        #expect(ts.stage("afterItemSelector") == reached(exec)?.input["lines"])
        #expect(ts.stage("afterItemsPath") == input["order"]?["items"])
        #expect(ts.inspection?["maxConcurrency"] == 1)
    }

    @Test func resultSelectorOverChildResults() throws {
        let def = #"""
        {"StartAt": "X", "States": {
          "X": {"Type": "Map", "ItemsPath": "$.nums",
                "ItemProcessor": {"StartAt": "Double", "States": {
                  "Double": {"Type": "Pass", "Parameters": {"n.$": "States.MathAdd($, $)"}, "End": true}}},
                "ResultSelector": {"all.$": "$[*].n", "count.$": "States.ArrayLength($)"},
                "ResultPath": "$.out", "Assign": {"total.$": "$.count"}, "Next": "Probe"},
          "Probe": \#(probe("total"))}}
        """#
        let input: JSON = ["nums": [1, 2, 3]]
        let exec = try execute(def, input: input)
        let ts = try testState(def, state: "X", input: input, mock: mockResult([["n": 2], ["n": 4], ["n": 6]]))
        expectSameTransition(ts, exec)
    }

    /// Real failing iterations in the execution, `mapIterationFailureCount` in TestState.
    @Test func toleratedFailures() throws {
        for tolerance in [#""ToleratedFailureCount": 1"#, #""ToleratedFailurePercentage": 40"#] {
            let def = #"""
            {"StartAt": "X", "States": {
              "X": {"Type": "Map", "ItemsPath": "$.items", \#(tolerance),
                    "ItemProcessor": {"StartAt": "Check", "States": {
                      "Check": {"Type": "Choice", "Choices": [{"Variable": "$.bad", "BooleanEquals": true, "Next": "Boom"}], "Default": "Ok"},
                      "Boom": {"Type": "Fail", "Error": "ItemFailed", "Cause": "bad item"},
                      "Ok": {"Type": "Pass", "End": true}}},
                    "ResultPath": "$.results", "Next": "Probe"},
              "Probe": \#(probe())}}
            """#
            let failed: JSON = ["Error": "ItemFailed", "Cause": "bad item"]
            for bad in [[false, false, false], [false, true, false], [true, true, false]] {
                let items = JSON.array(bad.enumerated().map { (i, b) -> JSON in ["id": JSON(i), "bad": .bool(b)] })
                let input: JSON = ["items": items]
                let results = JSON.array(bad.enumerated().map { (i, b) -> JSON in b ? failed : ["id": JSON(i), "bad": false] })
                let exec = try execute(def, input: input)
                let ts = try testState(def, state: "X", input: input, mock: mockResult(results),
                                       configuration: ["mapIterationFailureCount": JSON(bad.filter { $0 }.count)])
                expectAgreement(ts, exec, state: "X")
            }
        }
    }

    /// Without a tolerance, a failing iteration fails the Map with its error; Catch handles it.
    @Test func iterationErrorCaught() throws {
        let def = #"""
        {"StartAt": "X", "States": {
          "X": {"Type": "Map", "ItemsPath": "$.items",
                "ItemProcessor": {"StartAt": "Check", "States": {
                  "Check": {"Type": "Choice", "Choices": [{"Variable": "$.bad", "BooleanEquals": true, "Next": "Boom"}], "Default": "Ok"},
                  "Boom": {"Type": "Fail", "Error": "ItemFailed", "Cause": "bad item"},
                  "Ok": {"Type": "Pass", "End": true}}},
                "Catch": [{"ErrorEquals": ["ItemFailed"], "ResultPath": "$.err", "Next": "Handler"}], "Next": "Done"},
          "Done": \#(probe()),
          "Handler": \#(probe())}}
        """#
        let input: JSON = ["items": [["bad": false], ["bad": true]]]
        let exec = try execute(def, input: input)
        let ts = try testState(def, state: "X", input: input, mock: mockError("ItemFailed", "bad item"),
                               configuration: ["errorCausedByState": "Boom"])
        expectSameTransition(ts, exec, status: "CAUGHT_ERROR")
    }

    @Test func itemsAndLimitsThatFail() throws {
        let input: JSON = ["obj": ["k": 1], "list": [1, 2], "mc": -1, "txt": "x", "big": 1.5]
        for fields in [#""ItemsPath": "$.obj""#, #""ItemsPath": "$.nope""#, #""ItemsPath": "$.list", "MaxConcurrencyPath": "$.txt""#,
                       #""ItemsPath": "$.list", "MaxConcurrencyPath": "$.mc""#, #""ItemsPath": "$.list", "ToleratedFailureCountPath": "$.big""#,
                       #""ItemsPath": "$.list", "ToleratedFailurePercentagePath": "$.txt""#] {
            let def = #"""
            {"StartAt": "X", "States": {
              "X": {"Type": "Map", \#(fields),
                    "ItemProcessor": {"StartAt": "Echo", "States": {"Echo": {"Type": "Pass", "End": true}}}, "Next": "Probe"},
              "Probe": \#(probe())}}
            """#
            let exec = try execute(def, input: input)
            let ts = try testState(def, state: "X", input: input, mock: mockResult([1, 2]))
            expectAgreement(ts, exec, state: "X")
        }
    }

    @Test func jsonataItemsItemSelectorOutputAssign() throws {
        let def = #"""
        {"QueryLanguage": "JSONata", "StartAt": "Setup", "States": {
          "Setup": {"Type": "Pass", "Assign": {"factor": 10}, "Next": "X"},
          "X": {"Type": "Map", "Items": "{% $states.input.nums %}", "MaxConcurrency": "{% $states.input.mc %}",
                "ItemSelector": {"n": "{% $states.context.Map.Item.Value * $factor %}", "i": "{% $states.context.Map.Item.Index %}"},
                "ItemProcessor": {"StartAt": "Echo", "States": {"Echo": {"Type": "Pass", "End": true}}},
                "Output": "{% {'sum': $sum($states.result.n), 'rows': $states.result, 'factor': $factor} %}",
                "Assign": {"count": "{% $count($states.result) %}", "factor": 1},
                "Next": "Probe"},
          "Probe": \#(probe("factor", "count"))}}
        """#
        let input: JSON = ["nums": [1, 2, 3], "mc": 2]
        let exec = try execute(def, input: input)
        let ts = try testState(def, state: "X", input: input, mock: mockResult([["n": 10, "i": 0], ["n": 20, "i": 1], ["n": 30, "i": 2]]),
                               variables: ["factor": 10])
        expectSameTransition(ts, exec)
    }

    @Test func jsonataItemsAndItemSelectorErrors() throws {
        let input: JSON = ["nums": [1, 2], "obj": ["k": 1]]
        for fields in [#""Items": "{% $states.input.obj %}""#, #""Items": "{% $states.input.nope %}""#,
                       #""Items": "{% $states.input.nums %}", "ItemSelector": {"n": "{% $states.context.Map.Item.Value + 'x' %}"}"#,
                       #""Items": "{% $states.input.nums %}", "MaxConcurrency": "{% 'two' %}""#] {
            let def = #"""
            {"QueryLanguage": "JSONata", "StartAt": "X", "States": {
              "X": {"Type": "Map", \#(fields),
                    "ItemProcessor": {"StartAt": "Echo", "States": {"Echo": {"Type": "Pass", "End": true}}}, "Next": "Probe"},
              "Probe": \#(probe())}}
            """#
            let exec = try execute(def, input: input)
            let ts = try testState(def, state: "X", input: input, mock: mockResult([1, 2]))
            #expect(exec.status == .failed, "\(fields)")
            expectAgreement(ts, exec, state: "X")
        }
    }
}

// MARK: - Parallel

@Suite struct TestStateAgreementParallelTests {
    @Test func resultSelectorResultPathAssign() throws {
        let def = #"""
        {"StartAt": "X", "States": {
          "X": {"Type": "Parallel", "Parameters": {"x.$": "$.in.x"},
                "Branches": [
                  {"StartAt": "A", "States": {"A": {"Type": "Pass", "Result": {"a": 1}, "End": true}}},
                  {"StartAt": "B", "States": {"B": {"Type": "Pass", "Parameters": {"b.$": "$.x"}, "End": true}}}],
                "ResultSelector": {"first.$": "$[0].a", "second.$": "$[1].b"},
                "ResultPath": "$.par", "Assign": {"pa.$": "$.first"}, "Next": "Probe"},
          "Probe": \#(probe("pa"))}}
        """#
        let input: JSON = ["in": ["x": 5]]
        let exec = try execute(def, input: input)
        let ts = try testState(def, state: "X", input: input, mock: mockResult([["a": 1], ["b": 5]]))
        expectSameTransition(ts, exec)
    }

    @Test func branchErrorCaught() throws {
        let def = #"""
        {"StartAt": "X", "States": {
          "X": {"Type": "Parallel",
                "Branches": [
                  {"StartAt": "A", "States": {"A": {"Type": "Pass", "End": true}}},
                  {"StartAt": "B", "States": {"B": {"Type": "Fail", "Error": "BranchBoom", "Cause": "b failed"}}}],
                "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.err", "Assign": {"failedWith.$": "$.Error"}, "Next": "Handler"}],
                "Next": "Done"},
          "Done": \#(probe("failedWith")),
          "Handler": \#(probe("failedWith"))}}
        """#
        let input: JSON = ["x": 1]
        let exec = try execute(def, input: input)
        let ts = try testState(def, state: "X", input: input, mock: mockError("BranchBoom", "b failed"),
                               configuration: ["errorCausedByState": "B"])
        expectSameTransition(ts, exec, status: "CAUGHT_ERROR")
    }

    @Test func jsonataParallelArgumentsOutputAssign() throws {
        let def = #"""
        {"QueryLanguage": "JSONata", "StartAt": "X", "States": {
          "X": {"Type": "Parallel", "Arguments": {"n": "{% $states.input.n + 1 %}"},
                "Branches": [
                  {"StartAt": "A", "States": {"A": {"Type": "Pass", "Output": "{% $states.input.n * 2 %}", "End": true}}},
                  {"StartAt": "B", "States": {"B": {"Type": "Pass", "Output": "{% $states.input.n * 3 %}", "End": true}}}],
                "Output": "{% {'sum': $sum($states.result), 'in': $states.input} %}",
                "Assign": {"last": "{% $states.result[1] %}"}, "Next": "Probe"},
          "Probe": \#(probe("last"))}}
        """#
        let input: JSON = ["n": 1]
        let exec = try execute(def, input: input)
        let ts = try testState(def, state: "X", input: input, mock: mockResult([4, 6]))
        expectSameTransition(ts, exec)
    }

    /// `stateName` reaches a state inside a branch: it gets the branch input and ends the branch.
    @Test func stateInsideABranch() throws {
        let def = #"""
        {"StartAt": "X", "States": {
          "X": {"Type": "Parallel",
                "Branches": [{"StartAt": "Inner", "States": {
                  "Inner": {"Type": "Pass", "Parameters": {"v.$": "$.x", "s.$": "States.Format('{}!', $.x)"}, "ResultPath": "$.r", "End": true}}}],
                "ResultSelector": {"inner.$": "$[0]"}, "Next": "Probe"},
          "Probe": \#(probe())}}
        """#
        let input: JSON = ["x": "hi"]
        let exec = try execute(def, input: input)
        let ts = try testState(def, state: "Inner", input: input)
        #expect(ts.status == "SUCCEEDED")
        #expect(ts.nextState == nil)
        #expect(ts.output == reached(exec)?.input["inner"])
    }
}

// MARK: - JSONata and variables

@Suite struct TestStateAgreementJSONataTests {
    /// Output and Assign both see the variables as they were before the state.
    @Test func passOutputAndAssignSeeOldValues() throws {
        let def = #"""
        {"QueryLanguage": "JSONata", "StartAt": "Setup", "States": {
          "Setup": {"Type": "Pass", "Assign": {"base": 40, "list": [1, 2]}, "Next": "X"},
          "X": {"Type": "Pass", "Assign": {"total": "{% $base + $states.input.n %}", "base": "{% $base * 2 %}", "list": "{% $append($list, $base) %}"},
                "Output": "{% {'b': $base, 'n': $states.input.n, 'l': $list} %}", "Next": "Probe"},
          "Probe": \#(probe("base", "total", "list"))}}
        """#
        let input: JSON = ["n": 2]
        let ts = try testState(def, state: "X", input: input, variables: ["base": 40, "list": [1, 2]])
        expectSameTransition(ts, try execute(def, input: input))
    }

    /// JSONPath Assign: every value is computed from the old variables (a swap works).
    @Test func jsonPathAssignSwap() throws {
        let def = #"""
        {"StartAt": "Setup", "States": {
          "Setup": {"Type": "Pass", "Assign": {"a": 1, "b": 2}, "Next": "X"},
          "X": {"Type": "Pass", "Assign": {"a.$": "$b", "b.$": "$a", "c.$": "$.n", "d.$": "States.MathAdd($a, $b)"}, "Next": "Probe"},
          "Probe": \#(probe("a", "b", "c", "d"))}}
        """#
        let input: JSON = ["n": 9]
        let ts = try testState(def, state: "X", input: input, variables: ["a": 1, "b": 2])
        expectSameTransition(ts, try execute(def, input: input))
    }

    @Test func expressionErrors() throws {
        let input: JSON = ["n": 1, "s": "x"]
        for fields in [#""Output": "{% $states.input.n + 'x' %}""#, #""Output": "{% $undefinedFunction(1) %}""#,
                       #""Assign": {"v": "{% $states.input.s * 2 %}"}"#, #""Output": "{% $states.input.nope %}""#,
                       #""Output": "{% $error('custom failure') %}""#] {
            let def = #"""
            {"QueryLanguage": "JSONata", "StartAt": "X", "States": {
              "X": {"Type": "Pass", \#(fields), "Next": "Probe"},
              "Probe": \#(probe())}}
            """#
            let exec = try execute(def, input: input)
            let ts = try testState(def, state: "X", input: input)
            expectAgreement(ts, exec, state: "X")
        }
    }

    /// JSONPath Parameters read variables too; a missing one fails the state.
    @Test func jsonPathVariablesInParameters() throws {
        let def = #"""
        {"StartAt": "Setup", "States": {
          "Setup": {"Type": "Pass", "Assign": {"cfg": {"rate": 3, "tags": ["a"]}}, "Next": "X"},
          "X": {"Type": "Pass", "Parameters": {"rate.$": "$cfg.rate", "tag.$": "$cfg.tags[0]", "n.$": "$.n"}, "Next": "Probe"},
          "Probe": \#(probe("cfg"))}}
        """#
        let input: JSON = ["n": 1]
        let ts = try testState(def, state: "X", input: input, variables: ["cfg": ["rate": 3, "tags": ["a"]]])
        expectSameTransition(ts, try execute(def, input: input))

        let missing = def.replacingOccurrences(of: "$cfg.rate", with: "$cfg.nope")
        let exec = try execute(missing, input: input)
        expectSameFailure(try testState(missing, state: "X", input: input, variables: ["cfg": ["rate": 3, "tags": ["a"]]]),
                          exec, state: "X")
    }
}
