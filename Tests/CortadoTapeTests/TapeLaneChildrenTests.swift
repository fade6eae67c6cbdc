import CortadoASL
import CortadoJSON
import CortadoPath
import CortadoRuntime
@testable import CortadoTape
import CortadoTestSupport
import Testing

/// Map and Parallel states whose children fail (`TapeLane+Children`, `childFailed`).
@Suite struct TapeLaneChildrenTests {
    /// A Parallel (JSONPath or JSONata) and a Map whose child fails unless the line says
    /// otherwise, with the Retry list `retry`, a Catcher of E2 and the machine's TimeoutSeconds.
    static func definition(retry: String, timeout: Int?, jsonata: Bool) -> String {
        let failing = #"{"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[{"Variable":"$.bad","IsPresent":true,"Next":"F"}],"Default":"S"},"F":{"Type":"Fail","Error":"E1","Cause":"c1"},"S":{"Type":"Succeed"}}}"#
        let failing2 = failing.replacingOccurrences(of: #""E1","Cause":"c1""#, with: #""E2","Cause":"c2""#)
        let limit = timeout.map { #""TimeoutSeconds":\#($0),"# } ?? ""
        let parallel = jsonata
            ? #""P":{"Type":"Parallel","QueryLanguage":"JSONata","Branches":[\#(failing),\#(failing2)],"Output":"{% $states.input %}","#
            : #""P":{"Type":"Parallel","Branches":[\#(failing),\#(failing2)],"ResultPath":"$.p","#
        let caught = jsonata ? #""Output":"{% $states.input %}""# : #""ResultPath":"$.caught""#
        return """
            {\(limit)"StartAt":"P","States":{
              \(parallel)"Retry":[\(retry)],"Catch":[{"ErrorEquals":["E2"],\(caught),"Next":"M"}],"Next":"M"},
              "M":{"Type":"Map","ItemsPath":"$.items","ItemProcessor":\(failing),"Retry":[\(retry)],"ResultPath":"$.m","End":true}}}
            """
    }

    /// Lines the two states fail on: the Parallel (first branch, second, neither) and the Map.
    static let lines = [#"{"bad":1,"items":[]}"#, #"{"items":[{"bad":1}]}"#, #"{"items":[{},{}]}"#]

    /// A Retrier that takes a failed child's error runs the state again after its back-off, on
    /// the lane as in the general engine (the virtual clock adds the back-off to the time the
    /// line has used, so a machine's TimeoutSeconds cuts the retries short alike), then its
    /// Catchers or the line's failure take the error. (Before: such a line went back.)
    @Test func retriedChildrenRunOnTheLane() throws {
        var rng = SplitMix64(seed: 26)
        var kept = 0, failed = 0, timedOut = 0
        for round in 0..<120 {
            let retry = (0..<Int.random(in: 1...3, using: &rng)).map { _ -> String in
                let names = [["E1"], ["E2"], ["States.ALL"], ["E1", "E2"], ["Other"]][Int.random(in: 0...4, using: &rng)]
                let delay = Bool.random(using: &rng) ? #","MaxDelaySeconds":4"# : ""
                return #"{"ErrorEquals":\#(names.debugDescription),"IntervalSeconds":\#(Int.random(in: 1...5, using: &rng)),"MaxAttempts":\#(Int.random(in: 0...3, using: &rng)),"BackoffRate":\#([1, 1.5, 3][Int.random(in: 0...2, using: &rng)])\#(delay)}"#
            }
            // (States.ALL must be alone and last.)
            let list = retry.sorted { !$0.contains("States.ALL") && $1.contains("States.ALL") }
            guard list.filter({ $0.contains("States.ALL") }).count <= 1 else { continue }
            let timeout: Int? = Bool.random(using: &rng) ? Int.random(in: 2...20, using: &rng) : nil
            let definition = Self.definition(retry: list.joined(separator: ","), timeout: timeout, jsonata: Bool.random(using: &rng))
            let p = try Lane.program(definition)
            let lane = try #require(try? TapeLaneTests.failingLane(p, TapeLaneTests.ScriptedTasks(script: [:])).get(), "\(definition)")
            for line in Self.lines {
                guard let outcome = Lane.outcome(lane, line, p) else {
                    // Only a time limit reached sends a line back.
                    let general = Lane.general(p, line)
                    #expect(general?.status == .timedOut, "round \(round): \(line) went back; \(definition)")
                    if general?.status == .timedOut { timedOut += 1 }
                    continue
                }
                #expect(Lane.agree(p, lane, line, "round \(round): \(definition)"))
                kept += 1
                if case .failure = outcome { failed += 1 }
            }
        }
        #expect(kept > 150 && failed > 50 && timedOut > 5, "kept \(kept), failed \(failed), timed out \(timedOut)")
    }

    /// The line's time goes on by each back-off: a state after the retried one reads it.
    @Test func theBackOffIsWaited() throws {
        let p = try Lane.program("""
            {"StartAt":"P","States":{
              "P":{"Type":"Parallel","Branches":[{"StartAt":"F","States":{"F":{"Type":"Fail","Error":"E"}}}],
                "Retry":[{"ErrorEquals":["E"],"IntervalSeconds":3,"MaxAttempts":2,"BackoffRate":2}],
                "Catch":[{"ErrorEquals":["E"],"Next":"W"}],"End":true},
              "W":{"Type":"Wait","Seconds":1,"End":true}}}
            """)
        // 3 + 6 seconds of back-off, then 1 of Wait: within 11 seconds, not within 9.
        for (timeout, kept) in [(11, true), (9, false)] {
            let lane = try #require(try? TapeLane.make(p, payloadLimit: ExecutionOptions.payloadLimit,
                                                       clock: .virtual(hostLimitSeconds: timeout), handlesFailures: true).get())
            #expect((Lane.outcome(lane, "{}") != nil) == kept, "\(timeout)")
        }
    }

    /// A Map or Parallel inside a Map iteration retries on the lane too (no logs): the
    /// outputs go by index, and its back-off counts against the time limit. Its iteration's
    /// siblings would run during the back-off in the general engine, so where one of those
    /// fails (its order could change) the line goes back, and so it does in a logged run
    /// (whose events the back-off would reorder).
    @Test func retriesInChildrenRunOnTheLane() throws {
        let inner = #"{"StartAt":"Q","States":{"Q":{"Type":"Choice","Choices":[{"Variable":"$.bad","IsPresent":true,"Next":"F"}],"Default":"N"},"N":{"Type":"Pass","End":true},"F":{"Type":"Fail","Error":"E","Cause":"inner"}}}"#
        let p = try Lane.program(#"""
            {"StartAt":"M","States":{"M":{"Type":"Map","ItemsPath":"$.xs","ItemProcessor":{"StartAt":"I","States":{
              "I":{"Type":"Map","ItemsPath":"$.ys","ItemProcessor":\#(inner),
                "Retry":[{"ErrorEquals":["E"],"IntervalSeconds":2,"MaxAttempts":2}],
                "Catch":[{"ErrorEquals":["E"],"ResultPath":"$.caught","Next":"C"}],"End":true},
              "C":{"Type":"Pass","End":true}}},"End":true}}}
            """#)
        let lines = [#"{"xs":[{"ys":[{},{"bad":1}]},{"ys":[{}]}]}"#, #"{"xs":[{"ys":[{}]},{"ys":[{"bad":1}]}]}"#]
        for line in lines {
            // 2 + 4 seconds of back-off (MaxAttempts 2, rate 2) in one iteration.
            let lane = try #require(try? TapeLaneTests.failingLane(p, TapeLaneTests.ScriptedTasks(script: [:])).get())
            #expect(Lane.agree(p, lane, line), "\(line)")
            guard case .success(let out)? = Lane.outcome(lane, line, p) else { Issue.record("not kept: \(line)"); continue }
            #expect(out.contains(#""caught":{"Error":"E","Cause":"inner"}"#), "\(out)")
            let short = try #require(try? TapeLane.make(p, payloadLimit: ExecutionOptions.payloadLimit,
                                                        clock: .virtual(hostLimitSeconds: 5), handlesFailures: true).get())
            #expect(Lane.outcome(short, line, p) == nil, "6 s of back-off within a 5 s limit: \(line)")
            let logged = try #require(try? TapeLane.make(p, payloadLimit: ExecutionOptions.payloadLimit,
                                                         clock: .virtual(hostLimitSeconds: nil), handlesFailures: true,
                                                         logged: true).get())
            logged.recordsValues = true
            #expect(Lane.outcome(logged, line, p) == nil, "logged: \(line)")
        }
    }

    /// What stays the general engine's: a Retrier with jitter (its back-off is random), and
    /// a program reading `$$.State.EnteredTime` (the retried state's stays its first
    /// attempt's while its children's moves on).
    @Test func jitterAndEnteredTimeGoBack() throws {
        for (retrier, extra) in [
            (#"{"ErrorEquals":["E"],"JitterStrategy":"FULL"}"#, ""),
            (#"{"ErrorEquals":["E"]}"#, #","ResultSelector":{"t.$":"$$.State.EnteredTime"}"#),
        ] {
            let p = try Lane.program("""
                {"StartAt":"P","States":{"P":{"Type":"Parallel","Branches":[{"StartAt":"F","States":{"F":{"Type":"Fail","Error":"E"}}}],
                  "Retry":[\(retrier)]\(extra),"End":true}}}
                """)
            let lane = try #require(try? TapeLaneTests.failingLane(p, TapeLaneTests.ScriptedTasks(script: [:])).get())
            #expect(Lane.outcome(lane, "{}") == nil, "\(retrier)")
            #expect(Lane.general(p, "{}")?.status == .failed)
        }
    }

    /// A Fail state in a Map iteration or a Parallel branch that reads its Error or Cause
    /// (paths, JSONata) fails its child on the lane with what it read: the state's Retriers
    /// and Catchers take that error as the interpreter's do (the Catcher's error output is
    /// made of it), or the line fails with it. (Before: such a line went back.)
    @Test func errorsReadInChildrenReachTheirStatesCatchers() throws {
        let p = try Lane.program("""
            {"StartAt":"M","States":{
              "M":{"Type":"Map","ItemsPath":"$.items","ItemProcessor":{"StartAt":"C","States":{
                  "C":{"Type":"Choice","Choices":[{"Variable":"$.e","IsPresent":true,"Next":"F"}],"Default":"S"},
                  "F":{"Type":"Fail","ErrorPath":"$.e","CausePath":"States.Format('item {}', $.n)"},"S":{"Type":"Succeed"}}},
                "Retry":[{"ErrorEquals":["Again"],"MaxAttempts":2}],
                "Catch":[{"ErrorEquals":["Caught"],"ResultPath":"$.error","Next":"P"}],"ResultPath":"$.m","Next":"P"},
              "P":{"Type":"Parallel","Branches":[
                  {"StartAt":"J","States":{"J":{"Type":"Fail","QueryLanguage":"JSONata","Error":"{% $states.input.pe ? $states.input.pe : 'None' %}","Cause":"{% 'from ' & $count($states.input.items) %}"}}}],
                "Catch":[{"ErrorEquals":["PCaught"],"ResultPath":"$.perror","Next":"D"}],"Next":"D"},
              "D":{"Type":"Succeed"}}}
            """)
        let o = ExecutionOptions(executionName: "", stateMachineName: "sm", backend: HandlerRegistry())
        let lane = try TapeLane.make(p, payloadLimit: ExecutionOptions.payloadLimit, clock: .virtual(hostLimitSeconds: nil),
                                     executionNamePrefix: "line-", constants: Lane.constants(o), handlesFailures: true).get()
        lane.lineNumber = 1
        let cases: [(line: String, want: String?)] = [
            (#"{"items":[{"n":1},{"n":2,"e":"Caught"}],"pe":"PCaught"}"#,
             #"{"items":[{"n":1},{"n":2,"e":"Caught"}],"pe":"PCaught","error":{"Error":"Caught","Cause":"item 2"},"perror":{"Error":"PCaught","Cause":"from 2"}}"#),
            (#"{"items":[{"n":3,"e":"Again"}],"pe":"PCaught"}"#, nil),
            (#"{"items":[{"n":4,"e":"Other"}]}"#, nil),
            (#"{"items":[],"pe":"Mine"}"#, nil),
        ]
        for c in cases {
            let outcome = try #require(Lane.outcome(lane, c.line, p), "\(c.line) went back")
            if let want = c.want { #expect(outcome == .success(want), "\(c.line)") }
            #expect(Lane.agree(p, lane, c.line))
        }
        #expect(Lane.outcome(lane, #"{"items":[{"n":4,"e":"Other"}]}"#, p) == .failure(ASLError(ErrorName("Other"), "item 4")))
    }

    /// A Map with tolerated failures (a count, a percentage, both; constants, Path forms,
    /// JSONata) counts its failed iterations on the lane: each one tolerated leaves its error
    /// output in its item's place, and past the tolerance the Map fails with
    /// States.ExceedToleratedFailureThreshold, which its Retriers and Catchers take, as in
    /// the general engine. (Before: a failed iteration of such a Map sent the line back.)
    @Test func toleratedFailuresAreCountedOnTheLane() throws {
        let child = #"{"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[{"Variable":"$.bad","IsPresent":true,"Next":"F"}],"Default":"S"},"F":{"Type":"Fail","ErrorPath":"$.bad","Cause":"failed"},"S":{"Type":"Pass","Result":"ok","End":true}}}"#
        let jsonataChild = #"{"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[{"Condition":"{% $exists($states.input.bad) %}","Next":"F"}],"Default":"S"},"F":{"Type":"Fail","Error":"{% $states.input.bad %}","Cause":"failed"},"S":{"Type":"Pass","Output":"ok","End":true}}}"#
        let tolerances = [
            #""ToleratedFailureCount":1"#, #""ToleratedFailureCount":0"#, #""ToleratedFailurePercentage":50"#,
            #""ToleratedFailureCount":1,"ToleratedFailurePercentage":30"#, #""ToleratedFailureCountPath":"$.n""#,
            #""ToleratedFailurePercentagePath":"$.pct""#, #""ToleratedFailureCountPath":"$.n","ToleratedFailurePercentage":60"#,
        ]
        let jsonataTolerances = [
            #""ToleratedFailureCount":"{% $states.input.n %}""#, #""ToleratedFailurePercentage":"{% $states.input.pct %}""#,
            #""ToleratedFailureCount":2"#,
        ]
        let handlers = [
            "", #","Catch":[{"ErrorEquals":["States.ExceedToleratedFailureThreshold"],"ResultPath":"$.caught","Next":"D"}]"#,
            #","Retry":[{"ErrorEquals":["States.ALL"],"MaxAttempts":1}],"Catch":[{"ErrorEquals":["States.ALL"],"ResultPath":"$.caught","Next":"D"}]"#,
        ]
        let lines = [
            #"{"items":[{},{"bad":"E1"},{}],"n":1,"pct":40}"#, #"{"items":[{"bad":"E1"},{"bad":"E2"},{}],"n":1,"pct":70}"#,
            #"{"items":[{},{}],"n":0,"pct":0}"#, #"{"items":[{"bad":"E3"}],"n":1,"pct":100}"#, #"{"items":[],"n":0,"pct":0}"#,
            #"{"items":[{"bad":"A"},{"bad":"B"},{"bad":"C"},{}],"n":"2","pct":"50"}"#,
        ]
        var kept = 0, tolerated = 0, exceeded = 0
        for jsonata in [false, true] {
            for tolerance in jsonata ? jsonataTolerances : tolerances {
                for handler in handlers {
                    let map = jsonata
                        ? #""M":{"Type":"Map","Items":"{% $states.input.items %}","ItemProcessor":\#(jsonataChild),\#(tolerance)\#(handler.replacingOccurrences(of: #","ResultPath":"$.caught""#, with: "")),"Output":{"m":"{% $states.result %}"},"Next":"D"}"#
                        : #""M":{"Type":"Map","ItemsPath":"$.items","ItemProcessor":\#(child),\#(tolerance)\#(handler),"ResultPath":"$.m","Next":"D"}"#
                    let language = jsonata ? #""QueryLanguage":"JSONata","# : ""
                    let definition = #"{\#(language)"StartAt":"M","States":{\#(map),"D":{"Type":"Succeed"}}}"#
                    let p = try Lane.program(definition)
                    let lane = try #require(try? TapeLaneTests.failingLane(p, TapeLaneTests.ScriptedTasks(script: [:])).get(), "\(definition)")
                    for line in lines {
                        // (A JSONata tolerance of a string is the evaluator's error: it goes back.)
                        let strings = line.contains(#""n":"2""#) && tolerance.contains("$states.input")
                        #expect(Lane.agree(p, lane, line, "\(definition)") != (jsonata && strings), "\(line) \(definition)")
                        kept += 1
                        if case .success(let out)? = Lane.outcome(lane, line, p) {
                            if out.contains(#""Cause":"failed""#) && out.contains("ok") { tolerated += 1 }
                            if out.contains("ExceedToleratedFailureThreshold") { exceeded += 1 }
                        }
                    }
                }
            }
        }
        #expect(kept == (tolerances.count + jsonataTolerances.count) * handlers.count * lines.count && tolerated > 20 && exceeded > 10, "kept \(kept), tolerated \(tolerated), exceeded \(exceeded)")
        // The output in full: the failed item's place holds its error output.
        let p = try Lane.program(#"{"StartAt":"M","States":{"M":{"Type":"Map","ItemsPath":"$.items","ItemProcessor":\#(child),"ToleratedFailureCount":1,"End":true}}}"#)
        let lane = try TapeLaneTests.failingLane(p, TapeLaneTests.ScriptedTasks(script: [:])).get()
        #expect(Lane.outcome(lane, #"{"items":[{},{"bad":"E1"}]}"#, p) == .success(#"["ok",{"Error":"E1","Cause":"failed"}]"#))
        #expect(Lane.outcome(lane, #"{"items":[{"bad":"E1"},{"bad":"E2"}]}"#, p)
                == .failure(ASLError(.exceedToleratedFailureThreshold, "The specified tolerated failure threshold was exceeded")))
        // Iterations that wait run side by side in the general engine, which counts their
        // failures in its order: such a Map's failed iteration goes back.
        let waiting = try Lane.program(#"{"StartAt":"M","States":{"M":{"Type":"Map","ItemsPath":"$.items","ItemProcessor":{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":1,"Next":"F"},"F":{"Type":"Fail","Error":"E"}}},"ToleratedFailureCount":1,"End":true}}}"#)
        let waitingLane = try TapeLaneTests.failingLane(waiting, TapeLaneTests.ScriptedTasks(script: [:])).get()
        #expect(Lane.outcome(waitingLane, #"{"items":[{}]}"#, waiting) == nil)
        #expect(Lane.general(waiting, #"{"items":[{}]}"#)?.output == JSON.array([.object(["Error": "E", "Cause": .null])]))
        #expect(Lane.outcome(waitingLane, #"{"items":[]}"#, waiting) == .success("[]"))
    }
}

