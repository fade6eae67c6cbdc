import CortadoASL
import CortadoJSON
import CortadoPath
import CortadoRuntime
@testable import CortadoTape
import Testing

/// States.Runtime errors a top-level state raises itself (a Wait's SecondsPath or
/// TimestampPath, a Map's or a mocked Task's limits read from the input) fail the line on the
/// lane, in the words of the rule the interpreter calls, qualified with the state's entered
/// event as the batch runner does (`LinearRunLog.qualified`): the general engine's error and
/// cause, event id included.
@Suite struct TapeLaneRuntimeErrorsTests {
    static let tasks = TapeLaneTests.constantTasks(["T": try! JSON.parse(#"{"ok":1}"#)])

    static func lane(_ p: Program, recordsValues: Bool = false) throws -> TapeLane {
        let b = tasks
        let lane = try TapeLane.make(p, payloadLimit: ExecutionOptions.payloadLimit, clock: .virtual(hostLimitSeconds: 300),
                                     taskResults: { b.constantOutcome(stateName: $0, resource: $1, attempt: $2) },
                                     executionNamePrefix: "line-", handlesFailures: true).get()
        lane.lineNumber = 1
        lane.recordsValues = recordsValues
        return lane
    }

    /// Some states first (a Pass, a mocked Task with its events), then the one that fails.
    static func definition(_ failing: String) -> String {
        #"{"StartAt":"A","States":{"A":{"Type":"Pass","Next":"T"},"T":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:1:function:t","ResultPath":"$.t","Next":"S"},"S":\#(failing)}}"#
    }

    @Test func topLevelStatesFailOnTheLane() throws {
        let map = #"{"Type":"Map","ItemsPath":"$.items","ItemProcessor":{"StartAt":"I","States":{"I":{"Type":"Pass","End":true}}},"#
        let cases: [(state: String, lines: [String])] = [
            (#"{"Type":"Wait","SecondsPath":"$.s","End":true}"#, [#"{"s":-1}"#, #"{"s":1.5}"#, #"{"s":"5"}"#, #"{"x":1}"#, #"{"s":null}"#]),
            (#"{"Type":"Wait","TimestampPath":"$.ts","End":true}"#, [#"{"ts":"2016-12-05T21:29:29"}"#, #"{"ts":"nope"}"#, #"{"ts":5}"#, #"{"x":1}"#]),
            (map + #""MaxConcurrencyPath":"$.m","End":true}"#, [#"{"items":[1],"m":"x"}"#, #"{"items":[1],"m":1.5}"#, #"{"items":[1],"m":{}}"#]),
            (map + #""ToleratedFailureCountPath":"$.c","End":true}"#, [#"{"items":[1],"c":-1}"#, #"{"items":[1],"c":"no"}"#]),
            (map + #""ToleratedFailurePercentagePath":"$.p","End":true}"#, [#"{"items":[1],"p":100.1}"#, #"{"items":[1],"p":-1}"#, #"{"items":[1],"p":"x"}"#]),
            (#"{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:1:function:t","TimeoutSecondsPath":"$.to","End":true}"#, [#"{"to":0}"#, #"{"to":"x"}"#, #"{"to":2.5}"#]),
        ]
        for c in cases {
            let p = try Lane.program(Self.definition(c.state.replacingOccurrences(of: "function:t", with: "function:t2")))
            // (The failing Task is mocked as "S"'s: the same constant answer.)
            let b = TapeLaneTests.constantTasks(["T": try JSON.parse(#"{"ok":1}"#), "S": try JSON.parse(#"{"ok":2}"#)])
            let lane = try TapeLane.make(p, payloadLimit: ExecutionOptions.payloadLimit, clock: .virtual(hostLimitSeconds: 300),
                                         taskResults: { b.constantOutcome(stateName: $0, resource: $1, attempt: $2) },
                                         executionNamePrefix: "line-", handlesFailures: true).get()
            lane.lineNumber = 1
            for line in c.lines {
                guard case .failure(let e)? = Lane.outcome(lane, line, p) else {
                    Issue.record("not failed on the lane: \(line) \(c.state)"); continue
                }
                #expect(e.name == .runtime, "\(line)")
                #expect(e.cause?.hasPrefix("An error occurred while executing the state 'S' (entered at the event id #9). ") == true,
                        "\(e.cause ?? "") \(line)")
                #expect(Lane.agree(p, lane, line, "\(c.state)", backend: b))
            }
        }
    }

    @Test func errorsInChildrenThatWaitGoBack() throws {
        // Iterations that wait run side by side in the interpreter, which numbers their events
        // otherwise than the lane's trail would.
        let p = try Lane.program(#"{"StartAt":"M","States":{"M":{"Type":"Map","ItemsPath":"$.items","ItemProcessor":{"StartAt":"W","States":{"W":{"Type":"Wait","SecondsPath":"$.s","End":true}}},"End":true}}}"#)
        let lane = try Self.lane(p)
        #expect(Lane.outcome(lane, #"{"items":[{"s":1},{"s":-1}]}"#, p) == nil)
        #expect(Lane.outcome(lane, #"{"items":[{"s":1},{"s":2}]}"#, p) != nil)
    }

    /// An error a state in a Map iteration or Parallel branch raises fails that child on the
    /// lane, worded with the state's entered event as the interpreter numbers it; the Map or
    /// Parallel takes it as any failed child's error (its Catchers, a Map's tolerance).
    @Test func errorsInChildrenFailTheirChild() throws {
        let cases: [(definition: String, line: String, eventID: Int?)] = [
            // Iteration 3's Pass: all three started at once, then two of 3 events each.
            (#"{"StartAt":"M","States":{"M":{"Type":"Map","ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Pass","InputPath":"$.a","End":true}}},"End":true}}}"#,
             #"[{"a":1},{"a":2},{"b":3}]"#, 13),
            // MaxConcurrency 1: each iteration starts when the one before it ended.
            (#"{"StartAt":"M","States":{"M":{"Type":"Map","MaxConcurrency":1,"ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Pass","Next":"Q"},"Q":{"Type":"Pass","OutputPath":"$.a","End":true}}},"End":true}}}"#,
             #"[{"a":1},{"b":2}]"#, 13),
            // The second branch, after the first's two states.
            (#"{"StartAt":"P","States":{"P":{"Type":"Parallel","Branches":[{"StartAt":"A","States":{"A":{"Type":"Pass","Next":"B"},"B":{"Type":"Pass","End":true}}},{"StartAt":"C","States":{"C":{"Type":"Pass","Parameters":{"x.$":"$.nope"},"End":true}}}],"End":true}}}"#,
             #"{"a":1}"#, 8),
            // Caught by the Map's Catcher, or tolerated: the error output holds the cause.
            (#"{"StartAt":"M","States":{"M":{"Type":"Map","ItemsPath":"$.items","ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Pass","InputPath":"$.a","End":true}}},"Catch":[{"ErrorEquals":["States.ALL"],"ResultPath":"$.err","Next":"D"}],"Next":"D"},"D":{"Type":"Pass","End":true}}}"#,
             #"{"items":[{"b":1}]}"#, nil),
            (#"{"StartAt":"M","States":{"M":{"Type":"Map","ToleratedFailureCount":1,"ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Pass","InputPath":"$.a","End":true}}},"End":true}}}"#,
             #"[{"a":1},{"b":2}]"#, nil),
            // JSONata: a QueryEvaluationError.
            (#"{"QueryLanguage":"JSONata","StartAt":"M","States":{"M":{"Type":"Map","ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Pass","Output":"{% $error('no') %}","End":true}}},"End":true}}}"#,
             #"[1]"#, 5),
        ]
        for c in cases {
            let p = try Lane.program(c.definition)
            let lane = try Self.lane(p)
            let fast = Lane.outcome(lane, c.line, p)
            #expect(fast != nil, "went back: \(c.definition)")
            if let id = c.eventID {
                guard case .failure(let e)? = fast else { Issue.record("not failed on the lane: \(c.definition)"); continue }
                #expect(e.cause?.contains("(entered at the event id #\(id))") == true, "\(e.cause ?? "")")
            } else {
                guard case .success(let out)? = fast else { Issue.record("failed on the lane: \(c.definition)"); continue }
                #expect(out.contains("An error occurred while executing the state 'P'"), "\(out)")
            }
            #expect(Lane.agree(p, lane, c.line, "\(c.definition)"))
        }
        // A second error after a tolerated one: the trail numbers the failed child's events.
        let twice = try Lane.program(#"{"StartAt":"M","States":{"M":{"Type":"Map","ToleratedFailureCount":2,"ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Pass","InputPath":"$.a","End":true}}},"End":true}}}"#)
        let twiceLane = try Self.lane(twice)
        guard case .success(let out)? = Lane.outcome(twiceLane, #"[{"b":1},{"b":2}]"#, twice) else { Issue.record("not kept"); return }
        #expect(out.contains("(entered at the event id #6)") && out.contains("(entered at the event id #8)"), "\(out)")
        #expect(Lane.agree(twice, twiceLane, #"[{"b":1},{"b":2}]"#))
        // After the Map ran again for a failed child: the retry's events are numbered too.
        let retried = try Lane.program(#"{"StartAt":"M","States":{"M":{"Type":"Map","Retry":[{"ErrorEquals":["States.ALL"],"MaxAttempts":1}],"ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Pass","InputPath":"$.a","End":true}}},"End":true}}}"#)
        let retriedLane = try Self.lane(retried)
        guard case .failure(let e)? = Lane.outcome(retriedLane, #"[{"b":1}]"#, retried) else { Issue.record("not failed on the lane"); return }
        #expect(e.cause?.contains("(entered at the event id #10)") == true, "\(e)")
        #expect(Lane.agree(retried, retriedLane, #"[{"b":1}]"#))
    }

    @Test func afterChildrenWithTheirCount() throws {
        let p = try Lane.program(#"{"StartAt":"M","States":{"M":{"Type":"Map","ItemsPath":"$.items","MaxConcurrency":1,"ItemProcessor":{"StartAt":"I","States":{"I":{"Type":"Pass","End":true}}},"ResultPath":"$.r","Next":"W"},"W":{"Type":"Wait","SecondsPath":"$.s","End":true}}}"#)
        let line = #"{"items":[1,2,3],"s":-1}"#
        // The host counts the iterations' events from the lane's count of them, whatever the logs.
        for recordsValues in [false, true] {
            let lane = try Self.lane(p, recordsValues: recordsValues)
            guard case .failure(let e)? = Lane.outcome(lane, line, p) else { Issue.record("not failed on the lane"); return }
            #expect(e.cause?.contains("(entered at the event id #18)") == true, "\(e.cause ?? "")")
            #expect(Lane.agree(p, lane, line))
        }
    }

    @Test func aLaneThatTakesNoFailuresHandsThemBack() throws {
        let p = try Lane.program(#"{"StartAt":"W","States":{"W":{"Type":"Wait","SecondsPath":"$.s","End":true}}}"#)
        let lane = try TapeLane.make(p, payloadLimit: ExecutionOptions.payloadLimit, clock: .virtual(hostLimitSeconds: 300)).get()
        #expect(Lane.outcome(lane, #"{"s":-1}"#, p) == nil)
        #expect(Lane.outcome(lane, #"{"s":1}"#, p) != nil)
    }

    /// A path that selects nothing where it must match: InputPath, OutputPath, ItemsPath
    /// (Jayway's reason, `PathMiss.select`), a template's path (`PathMiss.inField`), and a
    /// JSONPath Map's items that are no array. They fail the line on the lane before a Task's
    /// call or a Map's or Parallel's children, and after a Task's call (ResultSelector,
    /// OutputPath: the host logs the call's events first, as the interpreter does; before,
    /// such a line went back); after a Map's or Parallel's children the line goes back.
    @Test func pathsThatSelectNothing() throws {
        let task = #""Type":"Task","Resource":"arn:aws:lambda:us-east-1:1:function:t""#
        let map = #""Type":"Map","ItemProcessor":{"StartAt":"I","States":{"I":{"Type":"Pass","End":true}}}"#
        let onLane: [(state: String, line: String)] = [
            (#"{"Type":"Pass","InputPath":"$.a.b","End":true}"#, #"{"a":1}"#),
            (#"{"Type":"Pass","InputPath":"$.a.b","End":true}"#, #"{"x":1}"#),
            (#"{"Type":"Pass","Parameters":{"v.$":"$.missing"},"End":true}"#, #"{"a":1}"#),
            (#"{"Type":"Pass","Parameters":{"o":{"v.$":"$.a[3]"}},"End":true}"#, #"{"a":[1]}"#),
            (#"{"Type":"Pass","OutputPath":"$.z","End":true}"#, #"{"a":1}"#),
            (#"{"Type":"Choice","InputPath":"$.q","Choices":[{"Variable":"$.a","IsPresent":true,"Next":"A"}],"Default":"A"}"#, #"{"a":1}"#),
            ("{\(task),\"Parameters\":{\"p.$\":\"$.nope\"},\"End\":true}", #"{"a":1}"#),
            ("{\(map),\"ItemsPath\":\"$.items\",\"End\":true}", #"{"items":{"a":1}}"#),
            ("{\(map),\"ItemsPath\":\"$.items\",\"End\":true}", #"{"x":1}"#),
            ("{\(map),\"ItemsPath\":\"$.items\",\"End\":true}", #"{"items":"s"}"#),
            (#"{"Type":"Parallel","Parameters":{"p.$":"$.nope"},"Branches":[{"StartAt":"B","States":{"B":{"Type":"Pass","End":true}}}],"End":true}"#, #"{"a":1}"#),
            ("{\(task),\"ResultSelector\":{\"v.$\":\"$.missing\"},\"End\":true}", #"{"a":1}"#),
            ("{\(task),\"OutputPath\":\"$.missing\",\"End\":true}", #"{"a":1}"#),
            // (A Catcher of States.Runtime does not take it: AWS's recording `catch_states_runtime`.)
            ("{\(task),\"OutputPath\":\"$.missing\",\"Catch\":[{\"ErrorEquals\":[\"States.Runtime\"],\"Next\":\"A\"}],\"End\":true}", #"{"a":1}"#),
        ]
        let b = TapeLaneTests.constantTasks(["T": try JSON.parse(#"{"ok":1}"#), "S": try JSON.parse(#"{"ok":2}"#)])
        func lane(_ p: Program) throws -> TapeLane {
            let lane = try TapeLane.make(p, payloadLimit: ExecutionOptions.payloadLimit, clock: .virtual(hostLimitSeconds: 300),
                                         taskResults: { b.constantOutcome(stateName: $0, resource: $1, attempt: $2) },
                                         executionNamePrefix: "line-", handlesFailures: true).get()
            lane.lineNumber = 1
            return lane
        }
        for c in onLane {
            let p = try Lane.program(Self.definition(c.state))
            let l = try lane(p)
            guard case .failure(let e)? = Lane.outcome(l, c.line, p) else {
                Issue.record("not failed on the lane: \(c.line) \(c.state)"); continue
            }
            #expect(e.name == .runtime && e.cause?.contains("(entered at the event id #9). ") == true, "\(e)")
            #expect(Lane.agree(p, l, c.line, "\(c.state)", backend: b))
        }
        // A JSONata Task's Output after its call: a QueryEvaluationError, as the interpreter's.
        let jsonataTask = #"{"Type":"Task","QueryLanguage":"JSONata","Resource":"arn:aws:lambda:us-east-1:1:function:t","Output":{"n":"{% $number($states.input.v) %}"},"End":true}"#
        let jp = try Lane.program(Self.definition(jsonataTask))
        let jl = try lane(jp)
        guard case .failure(let je)? = Lane.outcome(jl, #"{"v":"abc"}"#, jp) else { Issue.record("not failed on the lane"); return }
        #expect(je.name == .queryEvaluationError && je.cause?.contains("(entered at the event id #9). ") == true, "\(je)")
        #expect(Lane.agree(jp, jl, #"{"v":"abc"}"#, backend: b))
        // After a Map's children: the interpreter's events come first.
        for c in [
            ("{\(map),\"ItemsPath\":\"$.items\",\"ResultSelector\":{\"v.$\":\"$.missing\"},\"End\":true}", #"{"items":[1]}"#),
        ] {
            let p = try Lane.program(Self.definition(c.0))
            #expect(Lane.outcome(try lane(p), c.1, p) == nil, "\(c.0)")
            #expect(Lane.general(p, c.1, backend: b)?.status == .failed)
        }
    }
    /// A Fail state's ErrorPath/CausePath (paths of the input, variables or `$$`, intrinsics)
    /// and JSONata Error/Cause expressions are read on the lane by the interpreter's rule
    /// (`FailField.text`): the line fails with what they give, or, when reading them fails,
    /// with the interpreter's qualified error. In a Map iteration the line goes back.
    @Test func failStatesReadTheirErrorAndCause() throws {
        let o = ExecutionOptions(executionName: "", stateMachineName: "sm", backend: HandlerRegistry())
        let b = TapeLaneTests.constantTasks(["T": try JSON.parse(#"{"ok":1}"#)])
        func lane(_ p: Program) throws -> TapeLane {
            let lane = try TapeLane.make(p, payloadLimit: ExecutionOptions.payloadLimit, clock: .virtual(hostLimitSeconds: 300),
                                         taskResults: { b.constantOutcome(stateName: $0, resource: $1, attempt: $2) },
                                         executionNamePrefix: "line-", constants: Lane.constants(o), handlesFailures: true).get()
            lane.lineNumber = 1
            return lane
        }
        let cases: [(state: String, line: String, want: ASLError?)] = [
            (#"{"Type":"Fail","ErrorPath":"$.e","CausePath":"$.c"}"#, #"{"e":"Oops","c":"why"}"#, ASLError(ErrorName("Oops"), "why")),
            (#"{"Type":"Fail","ErrorPath":"$.e","Cause":"fixed"}"#, #"{"e":"E2"}"#, ASLError(ErrorName("E2"), "fixed")),
            (#"{"Type":"Fail","ErrorPath":"$.e"}"#, #"{"e":1}"#, nil),
            (#"{"Type":"Fail","CausePath":"$.c"}"#, #"{"x":1}"#, nil),
            (#"{"Type":"Fail","Error":"F","CausePath":"States.Format('n={}', $.n)"}"#, #"{"n":3}"#, ASLError(ErrorName("F"), "n=3")),
            (#"{"Type":"Fail","Error":"F","CausePath":"States.ArrayGetItem($.xs, 5)"}"#, #"{"xs":[1]}"#, nil),
            (#"{"Type":"Fail","ErrorPath":"$$.State.Name","CausePath":"$$.Execution.Name"}"#, #"{}"#, ASLError(ErrorName("S"), "line-1")),
            (#"{"Type":"Fail","QueryLanguage":"JSONata","Error":"{% $states.input.e %}","Cause":"{% 'n=' & $string($states.input.n) %}"}"#,
             #"{"e":"J","n":2}"#, ASLError(ErrorName("J"), "n=2")),
        ]
        for c in cases {
            let p = try Lane.program(Self.definition(c.state))
            let l = try lane(p)
            guard case .failure(let e)? = Lane.outcome(l, c.line, p) else {
                Issue.record("not failed on the lane: \(c.line) \(c.state)"); continue
            }
            if let want = c.want {
                #expect(e == want && !l.failedOnEntry, "\(e)")
            } else {
                #expect(l.failedOnEntry && e.cause?.contains("(entered at the event id #9). ") == true, "\(e)")
            }
            #expect(Lane.agree(p, l, c.line, "\(c.state)", backend: b))
        }
        // A variable, as the interpreter's Fail reads it.
        let v = try Lane.program(#"{"StartAt":"A","States":{"A":{"Type":"Pass","Assign":{"why.$":"$.c"},"Next":"S"},"S":{"Type":"Fail","Error":"V","CausePath":"$why"}}}"#)
        let vl = try lane(v)
        #expect(Lane.outcome(vl, #"{"c":"held"}"#, v) == .failure(ASLError(ErrorName("V"), "held")))
        #expect(Lane.agree(v, vl, #"{"c":"held"}"#))
        // An expression that gives no string: a QueryEvaluationError (`evaluationErrors...`).
        let j = try Lane.program(Self.definition(#"{"Type":"Fail","QueryLanguage":"JSONata","Error":"{% $states.input.n %}"}"#))
        let jl = try lane(j)
        #expect(Lane.outcome(jl, #"{"n":2}"#, j).map { (try? $0.get()) == nil } == true)
        #expect(Lane.agree(j, jl, #"{"n":2}"#, backend: b))
        // In a Map iteration: the Map fails with it (its Catchers: `TapeLaneChildrenTests`).
        let m = try Lane.program(#"{"StartAt":"M","States":{"M":{"Type":"Map","ItemProcessor":{"StartAt":"F","States":{"F":{"Type":"Fail","ErrorPath":"$.e"}}},"End":true}}}"#)
        let ml = try lane(m)
        #expect(Lane.outcome(ml, #"[{"e":"X"}]"#, m) == .failure(ASLError(ErrorName("X"), nil)))
        #expect(Lane.agree(m, ml, #"[{"e":"X"}]"#))
        // Reading it fails in the iteration, with the Fail state's event (#5).
        guard case .failure(let e)? = Lane.outcome(ml, #"[{"e":1}]"#, m) else { Issue.record("not failed on the lane"); return }
        #expect(e.name == .runtime && e.cause?.contains("'F' (entered at the event id #5)") == true, "\(e)")
        #expect(Lane.agree(m, ml, #"[{"e":1}]"#))
    }
    /// A JSONata expression's States.QueryEvaluationError (an evaluation that throws, a
    /// Map's Items that are no array, a Wait's Timestamp that is none) fails the line on the
    /// lane with the interpreter's words where no Retrier or Catcher of the state takes it;
    /// where one does, the line goes back.
    @Test func evaluationErrorsFailTheLineWhereNothingCatchesThem() throws {
        let b = TapeLaneTests.constantTasks(["T": try JSON.parse(#"{"ok":1}"#)])
        let processor = #""ItemProcessor":{"StartAt":"I","States":{"I":{"Type":"Pass","End":true}}}"#
        let failing: [(state: String, line: String)] = [
            (#"{"Type":"Pass","QueryLanguage":"JSONata","Output":{"n":"{% $number($states.input.v) %}"},"End":true}"#, #"{"v":"abc"}"#),
            (#"{"Type":"Map","QueryLanguage":"JSONata","Items":"{% $states.input.xs %}",\#(processor),"End":true}"#, #"{"xs":5}"#),
            (#"{"Type":"Map","QueryLanguage":"JSONata",\#(processor),"End":true}"#, #"{"xs":5}"#),
            (#"{"Type":"Wait","QueryLanguage":"JSONata","Timestamp":"{% $states.input.ts %}","End":true}"#, #"{"ts":"2016-13-01T00:00:00Z"}"#),
            (#"{"Type":"Map","QueryLanguage":"JSONata","Items":"{% $states.input.xs %}",\#(processor),"Catch":[{"ErrorEquals":["States.Timeout"],"Next":"A"}],"End":true}"#, #"{"xs":"s"}"#),
        ]
        for c in failing {
            let p = try Lane.program(Self.definition(c.state))
            let l = try Self.lane(p)
            guard case .failure(let e)? = Lane.outcome(l, c.line, p) else { Issue.record("not failed on the lane: \(c.state)"); continue }
            #expect(e.name == .queryEvaluationError && e.cause?.hasPrefix("An error occurred while executing the state 'S' (entered at the event id #9). ") == true, "\(e)")
            #expect(Lane.agree(p, l, c.line, "\(c.state)", backend: b))
        }
        // States.ALL, States.TaskFailed (AWS's wildcard for all but States.Timeout) or the
        // error's name in a Retrier or Catcher: the general engine's.
        for handler in [#""Catch":[{"ErrorEquals":["States.ALL"],"Next":"A"}]"#, #""Catch":[{"ErrorEquals":["States.TaskFailed"],"Next":"A"}]"#,
                        #""Retry":[{"ErrorEquals":["States.QueryEvaluationError"]}]"#] {
            let p = try Lane.program(Self.definition(#"{"Type":"Map","QueryLanguage":"JSONata","Items":"{% $states.input.xs %}",\#(processor),\#(handler),"End":true}"#))
            #expect(Lane.outcome(try Self.lane(p), #"{"xs":5}"#, p) == nil, "\(handler)")
        }
    }
}
