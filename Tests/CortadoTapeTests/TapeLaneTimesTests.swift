import CortadoASL
import CortadoJSON
import CortadoPath
import CortadoRuntime
@testable import CortadoTape
import Testing

/// `$$.Execution.StartTime` and `$$.State.EnteredTime` on the lane: the line's start, and
/// that plus what it has waited on the virtual clock, in the interpreter's format.
@Suite struct TapeLaneTimesTests {
    static func ms(_ j: JSON?) -> Int64? { j?.stringValue.flatMap { Timestamp.parse($0)?.milliseconds } }

    @Test func timesFollowTheVirtualClock() throws {
        let d = try Lane.program(#"""
            {"StartAt":"A","States":{
              "A":{"Type":"Pass","Parameters":{"xs.$":"$.xs","t.$":"$$.State.EnteredTime","s.$":"$$.Execution.StartTime"},"Next":"W"},
              "W":{"Type":"Wait","Seconds":10,"Next":"B"},
              "B":{"Type":"Pass","Parameters":{"a.$":"$","u.$":"$$.State.EnteredTime","s.$":"$$.Execution.StartTime"},"Next":"M"},
              "M":{"Type":"Map","ItemsPath":"$.a.xs","ItemSelector":{"v.$":"$$.State.EnteredTime"},
                   "ItemProcessor":{"StartAt":"I","States":{"I":{"Type":"Pass","Parameters":{"v.$":"$.v","w.$":"$$.State.EnteredTime"},"End":true}}},
                   "ResultPath":"$.m","End":true}}}
            """#)
        let lane = try Lane.lane(d, clock: .virtual(hostLimitSeconds: 300))
        let before = Timestamp.nowMilliseconds()
        guard let text = Lane.run(lane, #"{"xs":[1,2]}"#) else { Issue.record("handed back"); return }
        let after = Timestamp.nowMilliseconds()
        let general = Lane.general(d, #"{"xs":[1,2]}"#)?.output
        for out in [try JSON.parse(text), general] {
            guard let out, let t = Self.ms(out["a"]?["t"]), let s = Self.ms(out["s"]), let u = Self.ms(out["u"]) else {
                Issue.record("no times in \(String(describing: out))"); continue
            }
            #expect(t == s && u == t + 10_000)
            #expect(s >= before - 1 && s <= after + 1000)
            // A Map's ItemSelector and its items see times on the Map's clock (they do not wait).
            for item in out["m"]?.arrayValue ?? [] {
                #expect(Self.ms(item["v"]) == u && Self.ms(item["w"]) == u)
            }
            #expect(out["m"]?.arrayValue?.count == 2)
        }
        // The text is the interpreter's: milliseconds and a Z.
        #expect(try JSON.parse(text)["s"]?.stringValue?.wholeMatch(of: /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z/) != nil)
    }

    /// A Wait's Assign and Output run after it waited, but `$$.State.EnteredTime` is still
    /// when the state was entered, as in the interpreter (the lane gave the time after the
    /// wait). A retried Task's Output sees its entry before the back-off too.
    @Test func aWaitsOwnFieldsSeeItsEntry() throws {
        let definitions = [#"""
            {"StartAt":"W","States":{
              "W":{"Type":"Wait","Seconds":5,"Assign":{"t.$":"$$.State.EnteredTime"},"Next":"P"},
              "P":{"Type":"Pass","Parameters":{"t.$":"$t","s.$":"$$.Execution.StartTime","e.$":"$$.State.EnteredTime"},"End":true}}}
            """#, #"""
            {"QueryLanguage":"JSONata","StartAt":"W","States":{
              "W":{"Type":"Wait","Seconds":5,"Output":{"t":"{% $states.context.State.EnteredTime %}"},"Next":"P"},
              "P":{"Type":"Pass","Output":{"t":"{% $states.input.t %}","s":"{% $states.context.Execution.StartTime %}",
                   "e":"{% $states.context.State.EnteredTime %}"},"End":true}}}
            """#, #"""
            {"QueryLanguage":"JSONata","StartAt":"W","States":{
              "W":{"Type":"Wait","Seconds":5,"Assign":{"t":"{% $states.context.State.EnteredTime %}"},"Next":"P"},
              "P":{"Type":"Pass","Output":{"t":"{% $t %}","s":"{% $states.context.Execution.StartTime %}",
                   "e":"{% $states.context.State.EnteredTime %}"},"End":true}}}
            """#]
        for text in definitions {
            let d = try Lane.program(text)
            let o = ExecutionOptions(executionName: "", stateMachineName: "sm", backend: HandlerRegistry())
            let lane = try TapeLane.make(d, payloadLimit: ExecutionOptions.payloadLimit, clock: .virtual(hostLimitSeconds: 300),
                                         executionNamePrefix: "line-", constants: Lane.constants(o)).get()
            guard let out = Lane.run(lane, #"{"a":1}"#) else { Issue.record("handed back: \(text)"); continue }
            for o in [try JSON.parse(out), Lane.general(d, #"{"a":1}"#)?.output] {
                guard let o, let t = Self.ms(o["t"]), let s = Self.ms(o["s"]), let e = Self.ms(o["e"]) else {
                    Issue.record("no times in \(String(describing: o))"); continue
                }
                #expect(t == s, "the Wait entered when the line started: \(text)")
                #expect(e == s + 5_000)
            }
        }
    }

    /// A mocked Task's Retry back-off with `JitterStrategy` FULL is drawn for each retry as
    /// the interpreter draws it (`Retrier.jittered`), between none and the full delay: the
    /// next state enters that much later. (The lane waited each full delay.)
    @Test func aMockedTasksJitteredBackOffIsDrawn() throws {
        let d = try Lane.program(#"""
            {"StartAt":"T","States":{
              "T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"f"},
                   "Retry":[{"ErrorEquals":["Busy"],"IntervalSeconds":20,"MaxAttempts":2,"JitterStrategy":"FULL"}],
                   "ResultPath":"$.t","Next":"P"},
              "P":{"Type":"Pass","Parameters":{"s.$":"$$.Execution.StartTime","e.$":"$$.State.EnteredTime"},"End":true}}}
            """#)
        let busy = ASLError(ErrorName("Busy"), "later")
        let o = ExecutionOptions(executionName: "", stateMachineName: "sm", backend: HandlerRegistry())
        let lane = try TapeLane.make(d, payloadLimit: ExecutionOptions.payloadLimit, clock: .virtual(hostLimitSeconds: 300),
                                     taskResults: { _, _, attempt in attempt < 2 ? .failure(busy) : .success(["ok": true]) },
                                     executionNamePrefix: "line-", constants: Lane.constants(o), handlesFailures: true).get()
        var waited: Set<Int64> = []
        for _ in 0..<40 {
            guard let out = Lane.run(lane, "{}"), let j = try? JSON.parse(out), let s = Self.ms(j["s"]), let e = Self.ms(j["e"]) else {
                Issue.record("handed back"); return
            }
            // Two retries: up to 20 s, then up to 40 s.
            #expect(e - s >= 0 && e - s <= 60_000)
            waited.insert(e - s)
        }
        #expect(waited.count > 10, "\(waited.sorted())")
    }

    /// `$$` read whole: the context object the interpreter builds (`ContextObject`), with the
    /// line itself as `$$.Execution.Input` (put in as a node, not copied out and parsed back):
    /// byte for byte the general engine's output but for the times. A line with a duplicate
    /// key goes back, as any copy of it would.
    @Test func theWholeContextHoldsTheLineItself() throws {
        let d = try Lane.program(#"{"StartAt":"P","States":{"P":{"Type":"Pass","Parameters":{"ctx.$":"$$","id.$":"$.id"},"ResultPath":"$.r","End":true}}}"#)
        let o = ExecutionOptions(executionName: "", stateMachineName: "sm", backend: HandlerRegistry())
        let lane = try TapeLane.make(d, payloadLimit: ExecutionOptions.payloadLimit, clock: .virtual(hostLimitSeconds: 300),
                                     executionNamePrefix: "line-", constants: Lane.constants(o)).get()
        lane.lineNumber = 1
        let times = try Regex(#""(StartTime|EnteredTime)":"[^"]*""#)
        for line in [#"{"id":7,"s":"é\u00e9\n","xs":[1,{"a":null}],"n":1.50}"#, #"{"id":"x"}"#] {
            let out = try #require(Lane.run(lane, line), "\(line)")
            let general = try #require(Lane.general(d, line)?.output?.serialized)
            #expect(out.replacing(times, with: "") == general.replacing(times, with: ""), "\(out)")
            #expect(out.contains(#""Input":"#) && out.contains(#""Name":"line-1""#))
        }
        #expect(Lane.run(lane, #"{"id":1,"id":2}"#) == nil)
    }

    /// Where children wait side by side in the interpreter, its times are not the lane's sum.
    @Test func enteredTimeAfterChildrenThatWaitStaysGeneral() throws {
        let d = try Lane.program(#"""
            {"StartAt":"P","States":{"P":{"Type":"Parallel","Branches":[
              {"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":5,"End":true}}},
              {"StartAt":"X","States":{"X":{"Type":"Wait","Seconds":5,"End":true}}}],"Next":"B"},
              "B":{"Type":"Pass","Parameters":{"u.$":"$$.State.EnteredTime"},"End":true}}}
            """#)
        guard case .failure(let u) = TapeLane.make(d, payloadLimit: ExecutionOptions.payloadLimit, clock: .virtual(hostLimitSeconds: 300)) else {
            Issue.record("went to the lane"); return
        }
        #expect(u.description.contains("EnteredTime"))
        // StartTime does not depend on it.
        let s = try Lane.program(#"""
            {"StartAt":"P","States":{"P":{"Type":"Parallel","Branches":[
              {"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":5,"End":true}}}],"Next":"B"},
              "B":{"Type":"Pass","Parameters":{"s.$":"$$.Execution.StartTime"},"End":true}}}
            """#)
        #expect(Lane.run(try Lane.lane(s, clock: .virtual(hostLimitSeconds: 300)), "{}") != nil)
    }

    /// A JSONata expression reading more of `$states.context` is given the whole context
    /// object, as the interpreter builds it (run constants, the line's name, its times);
    /// not without the constants.
    @Test func jsonataReadsTheWholeContext() throws {
        let p = try Lane.program(#"""
            {"QueryLanguage":"JSONata","StartAt":"P","States":{"P":{"Type":"Pass","Output":{
              "name":"{% $states.context.Execution.Name %}","id":"{% $states.context.Execution.Id %}",
              "keys":"{% $keys($states.context) %}","exec":"{% $keys($states.context.Execution) %}",
              "state":"{% $states.context.State.Name %}","sm":"{% $states.context.StateMachine.Name %}",
              "role":"{% $states.context.Execution.RoleArn %}","redrive":"{% $states.context.Execution.RedriveCount %}",
              "same":"{% $states.context.State.EnteredTime = $states.context.Execution.StartTime %}",
              "in":"{% $states.context.Execution.Input.a %}","xs":"{% $states.input.xs %}"},"Next":"M"},
              "M":{"Type":"Map","Items":"{% $states.input.xs %}","ItemSelector":{"v":"{% $states.context.Map.Item.Value %}",
                "at":"{% $states.context.State.Name %}","k":"{% $keys($states.context) %}"},
                "ItemProcessor":{"StartAt":"I","States":{"I":{"Type":"Pass","End":true}}},"Output":{"p":"{% $states.input %}","m":"{% $states.result %}"},"End":true}}}
            """#)
        let (lane, o) = try Lane.withConstants(p)
        // (Its output holds no time, only whether two are equal: the engines agree byte for byte.)
        #expect(Lane.agree(p, lane, #"{"a":5,"xs":[1,2]}"#))
        let out = try #require(Lane.run(lane, #"{"a":5,"xs":[1,2]}"#))
        #expect(out.contains(#""keys":["Execution","State","StateMachine"]"#) && out.contains(#""same":true"#), "\(out)")
        #expect(out.contains(#""exec":["Id","Input","StartTime","Name","RoleArn","RedriveCount"]"#), "\(out)")
        // Without the run's constants, or in a Task state, it stays general.
        guard case .failure = TapeLane.make(p, payloadLimit: ExecutionOptions.payloadLimit, executionNamePrefix: "line-") else {
            Issue.record("$states.context went to a lane that does not know the run's ARN"); return
        }
        // A Task without a Retrier reads RetryCount 0, as its one attempt does in the
        // interpreter (a retried one: `retriedTasksReadEachAttemptsRetryCount`).
        for definition in [
            #"{"QueryLanguage":"JSONata","StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Arguments":{"FunctionName":"f","Payload":"{% $states.context.State.RetryCount %}"},"Output":{"r":"{% $states.result %}","c":"{% $keys($states.context.State) %}","n":"{% $states.context.State.RetryCount %}"},"End":true}}}"#,
            #"{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"f","Payload.$":"$$.State.RetryCount"},"ResultSelector":{"r.$":"$","n.$":"$$.State.RetryCount","s.$":"States.JsonToString($$.State.Name)"},"End":true}}}"#,
        ] {
            let task = try Lane.program(definition)
            let backend = TapeLaneTests.constantTasks(["T": ["ok": true]])
            let made = TapeLane.make(task, payloadLimit: ExecutionOptions.payloadLimit,
                                     taskResults: { backend.constantOutcome(stateName: $0, resource: $1, attempt: $2) },
                                     executionNamePrefix: "line-", constants: Lane.constants(o))
            guard case .success(let taskLane) = made else { Issue.record("not on the lane: \(made)"); continue }
            taskLane.lineNumber = 1
            let out = try #require(Lane.run(taskLane, "{}"))
            #expect(out.contains(#""n":0"#), "\(out)")
            #expect(Lane.agree(task, taskLane, "{}", backend: backend))
        }
    }

    /// A Task with a Retrier reads `$$` on the lane: each attempt builds its Parameters
    /// (Arguments) with its own RetryCount, ResultSelector, Output and a Catcher read the
    /// last attempt's, and the state's EnteredTime is before its back-off (the next state's
    /// after it), as in the interpreter (the JSONata case compares the times; the engines'
    /// clocks start apart). (Their logs: `LaneLogTests.retriedTasksLogEachAttemptsParameters`.)
    @Test func retriedTasksReadEachAttemptsRetryCount() throws {
        let jsonata = try Lane.program(#"""
            {"QueryLanguage":"JSONata","StartAt":"T","States":{
              "T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke",
                "Arguments":{"FunctionName":"f","Payload":"{% $states.context.State.RetryCount %}"},
                "Retry":[{"ErrorEquals":["Transient"],"IntervalSeconds":3,"MaxAttempts":3}],
                "Catch":[{"ErrorEquals":["States.ALL"],"Output":{"caught":"{% $states.errorOutput.Error %}",
                  "n":"{% $states.context.State.RetryCount %}"},"Next":"After"}],
                "Output":{"r":"{% $states.result %}","n":"{% $states.context.State.RetryCount %}",
                  "same":"{% $states.context.State.EnteredTime = $states.context.Execution.StartTime %}"},"Next":"After"},
              "After":{"Type":"Pass","Output":{"was":"{% $states.input %}",
                "later":"{% $toMillis($states.context.State.EnteredTime) - $toMillis($states.context.Execution.StartTime) %}"},"End":true}}}
            """#)
        let jsonPath = try Lane.program(#"""
            {"StartAt":"T","States":{
              "T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke",
                "Parameters":{"FunctionName":"f","Payload.$":"States.ArrayGetItem($.xs, $$.State.RetryCount)"},
                "Retry":[{"ErrorEquals":["Transient"],"IntervalSeconds":3,"MaxAttempts":3}],
                "Catch":[{"ErrorEquals":["States.ALL"],"Assign":{"n.$":"$$.State.RetryCount"},"ResultPath":"$.error","Next":"After"}],
                "ResultSelector":{"r.$":"$","n.$":"$$.State.RetryCount"},"ResultPath":"$.t",
                "Assign":{"n.$":"$$.State.RetryCount"},"Next":"After"},
              "After":{"Type":"Pass","Parameters":{"was.$":"$","n.$":"$n"},"End":true}}}
            """#)
        let ok: Result<JSON, ASLError> = .success(["ok": true])
        let transient: Result<JSON, ASLError> = .failure(ASLError(ErrorName("Transient"), "busy"))
        let bad: Result<JSON, ASLError> = .failure(ASLError(ErrorName("Bad"), "no"))
        let o = ExecutionOptions(executionName: "", stateMachineName: "sm", backend: HandlerRegistry())
        var kept = 0
        for (p, lines) in [(jsonata, ["{}"]), (jsonPath, [#"{"xs":[1,2,3]}"#, #"{"xs":[1]}"#])] {
            for script in [[ok], [transient, ok], [transient, transient, ok], [transient, bad], [transient]] {
                let backend = TapeLaneTests.ScriptedTasks(script: ["T": script])
                let made = TapeLane.make(p, payloadLimit: ExecutionOptions.payloadLimit, clock: .virtual(hostLimitSeconds: nil),
                                         taskResults: { backend.constantOutcome(stateName: $0, resource: $1, attempt: $2) },
                                         executionNamePrefix: "line-", constants: Lane.constants(o), handlesFailures: true)
                guard case .success(let lane) = made else { Issue.record("not on the lane: \(made)"); continue }
                for line in lines {
                    lane.lineNumber = 1
                    if Lane.agree(p, lane, line, "\(script)", backend: backend) { kept += 1 }
                }
            }
        }
        // (An attempt that reads past `xs` hands its line back, for the general engine to word
        // the error: [1]'s second, [1,2,3]'s fourth.)
        #expect(kept == 10, "\(kept)")
        // What they read, on the lane.
        let backend = TapeLaneTests.ScriptedTasks(script: ["T": [transient, transient, ok]])
        let lane = try TapeLane.make(jsonata, payloadLimit: ExecutionOptions.payloadLimit, clock: .virtual(hostLimitSeconds: nil),
                                     taskResults: { backend.constantOutcome(stateName: $0, resource: $1, attempt: $2) },
                                     executionNamePrefix: "line-", constants: Lane.constants(o), handlesFailures: true).get()
        lane.lineNumber = 1
        #expect(Lane.run(lane, "{}") == #"{"was":{"r":{"ok":true},"n":2,"same":true},"later":9000}"#)
    }

    /// `$$` paths other than the ones the lane reads directly, and intrinsics reading `$$`,
    /// walk the whole context object, as the interpreter builds it.
    @Test func jsonPathReadsTheWholeContext() throws {
        let p = try Lane.program(#"""
            {"StartAt":"P","States":{"P":{"Type":"Pass","Parameters":{"all.$":"$$","state.$":"$$.State",
              "exec.$":"States.JsonToString($$.Execution)","n.$":"States.StringToJson(States.JsonToString($$.StateMachine))"},"Next":"M"},
              "M":{"Type":"Map","ItemsPath":"$.all.Execution.Input.xs","ItemSelector":{"ctx.$":"$$.Map","s.$":"$$.State"},
                "ItemProcessor":{"StartAt":"I","States":{"I":{"Type":"Pass","End":true}}},"ResultPath":"$.m","End":true}}}
            """#)
        let (lane, o) = try Lane.withConstants(p)
        let line = #"{"xs":[1,2]}"#
        let fast = try JSON.parse(try #require(Lane.run(lane, line)))
        let slow = try #require(Lane.general(p, line)?.output)
        // The two engines started the line at (nearly) the same time: the times are masked.
        let times = try Regex(#"\d{4}-\d\d-\d\dT[0-9:.]+Z"#)
        #expect(fast.serialized.replacing(times, with: "T") == slow.serialized.replacing(times, with: "T"))
        #expect(fast["all"]?["State"]?["Name"] == "P" && fast["all"]?["Execution"]?["Name"] == "line-1")
        #expect(fast["m"]?.arrayValue?.first?["ctx"] == ["Item": ["Index": 0, "Value": 1]])
        #expect(fast["m"]?.arrayValue?.first?["s"]?["Name"] == "M" && fast["n"] == ["Id": .string(o.stateMachineArn), "Name": "sm"])
    }

    /// `$$` paths as InputPath and OutputPath read the context as a Parameters' paths do.
    @Test func contextPathsAsInputAndOutputPaths() throws {
        let p = try Lane.program(#"""
            {"StartAt":"A","States":{"A":{"Type":"Pass","InputPath":"$$.Execution.Input","Parameters":{"n.$":"$.n"},"Next":"B"},
              "B":{"Type":"Pass","InputPath":"$$","Parameters":{"name.$":"$.Execution.Name","state.$":"$.State.Name"},"Next":"C"},
              "C":{"Type":"Pass","OutputPath":"$$.Execution.Input.n","End":true}}}
            """#)
        let (lane, _) = try Lane.withConstants(p)
        #expect(Lane.agree(p, lane, #"{"n":7}"#))
        #expect(Lane.run(lane, #"{"n":7}"#) == "7")
        #expect(Lane.run(lane, #"{"m":7}"#) == nil)
    }

    /// The context object's shape is one rule (`ContextObject`) for both engines, with the
    /// host's RedriveCount (not read off an ARN: a name with `:express:` in it had made the
    /// engines differ).
    @Test func theContextObjectIsShapedOnce() throws {
        let p = try Lane.program(#"{"StartAt":"P","States":{"P":{"Type":"Pass","Parameters":{"e.$":"$$.Execution"},"End":true}}}"#)
        let o = ExecutionOptions(executionName: "", stateMachineName: "sm", backend: HandlerRegistry())
        let lane = try TapeLane.make(p, payloadLimit: ExecutionOptions.payloadLimit, executionNamePrefix: "x:express:",
                                     constants: Lane.constants(o)).get()
        lane.lineNumber = 1
        let fast = try JSON.parse(try #require(Lane.run(lane, "{}")))
        let g = ExecutionOptions(executionName: "x:express:1", stateMachineName: "sm", clock: .virtual, backend: HandlerRegistry())
        let slow = try #require(Execution(program: p, input: [:], options: g).runToCompletion().output)
        #expect(fast["e"]?["RedriveCount"] == 0 && slow["e"]?["RedriveCount"] == 0, "\(fast) \(slow)")
        #expect(fast["e"]?["Name"] == "x:express:1" && fast["e"]?["Id"] == slow["e"]?["Id"])
        // A host that starts executions synchronously (no RedriveCount) tells both engines.
        var constants = Lane.constants(o)
        constants.redriveCount = nil
        let syncLane = try TapeLane.make(p, payloadLimit: ExecutionOptions.payloadLimit, executionNamePrefix: "line-",
                                         constants: constants).get()
        syncLane.lineNumber = 1
        let out = try JSON.parse(try #require(Lane.run(syncLane, "{}")))
        #expect(out["e"]?["RedriveCount"] == nil && out["e"]?["Name"] == "line-1")
    }
}
