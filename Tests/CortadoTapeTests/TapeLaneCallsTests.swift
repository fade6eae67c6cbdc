import CortadoASL
import CortadoJSON
import CortadoPath
import CortadoRuntime
@testable import CortadoTape
import CortadoTestSupport
import Synchronization
import Testing

/// Tasks the lane calls as it runs (`TapeLane+Calls`): a backend that answers each call at
/// once, after a delay or not, and without side effects. Each attempt is asked once; Retry,
/// Catch and the results are the interpreter's.
@Suite struct TapeLaneCallsTests {
    static func lane(_ p: Program, _ backend: any TaskBackend, clock: TapeLane.Clock = .virtual(hostLimitSeconds: nil),
                     logged: Bool = false) -> Result<TapeLane, Unsupported> {
        let o = ExecutionOptions(executionName: "", stateMachineName: "sm", backend: backend)
        let made = TapeLane.make(p, payloadLimit: ExecutionOptions.payloadLimit, clock: clock,
                                 taskResults: { backend.constantOutcome(stateName: $0, resource: $1, attempt: $2) },
                                 taskCalls: taskCalls(backend), executionNamePrefix: "line-", constants: Lane.constants(o),
                                 handlesFailures: true, logged: logged)
        if case .success(let lane) = made { lane.lineNumber = 1 }
        return made
    }

    /// The backend's calls, as a host makes them.
    static func taskCalls(_ backend: any TaskBackend) -> TapeLane.TaskCalls {
        TapeLane.TaskCalls(answersAtOnce: { backend.answersAtOnce(resource: $0) }) { name, resource, attempt, input, line in
            backend.invoke(TaskRequest(resource: resource, given: .text(input), stateName: name, attempt: attempt,
                                       executionName: "line-\(line)", stateMachineName: "sm")).immediate
        }
    }

    /// Whether the program's lane calls a Task.
    static func calls(_ lane: TapeLane) -> Bool {
        lane.code.states.contains { if case .call = $0 { return true }; return false }
    }

    /// The random programs, their Tasks answered by a called backend (the same script the
    /// constant tests use, after a delay or at once), on a virtual clock and on a parking
    /// lane: every line the lane keeps ends as the general engine ends it.
    @Test func randomProgramsCallTheirTasks() throws {
        var g = RandomPrograms.Gen(rng: SplitMix64(seed: 2716))
        var j = RandomPrograms.JSONataGen(g: RandomPrograms.Gen(rng: SplitMix64(seed: 2717)))
        var programs = 0, kept = 0, failed = 0
        for round in 0..<2000 {
            let jsonata = round % 2 == 1
            let definition = jsonata ? j.program() : g.program()
            guard case .success(let p) = Compiler.compile(try JSON.parse(definition)) else { continue }
            let script = jsonata ? RandomPrograms.backend(&j.g) : RandomPrograms.backend(&g)
            let backend = CalledTasks(delay: [0, 1.5, 30][round % 3], script: script)
            let clock: TapeLane.Clock = round % 4 < 2 ? .virtual(hostLimitSeconds: 300) : .parking(hostLimitSeconds: nil)
            guard case .success(let lane) = Self.lane(p, backend, clock: clock), Self.calls(lane) else { continue }
            programs += 1
            for _ in 0..<4 {
                let line = jsonata ? j.g.input() : g.input()
                guard Lane.agree(p, lane, line, "round \(round): \(definition)", backend: backend) else { continue }
                kept += 1
                if case .failure? = Lane.outcome(lane, line, p) { failed += 1 }
            }
        }
        print("random programs calling their Tasks: \(programs) on the lane, \(kept) lines kept, \(failed) of them failed")
        #expect(programs > 150 && kept > 300 && failed > 100, "programs \(programs), kept \(kept), failed \(failed)")
    }

    /// A Task whose first attempt fails and is retried: the backend is asked once per
    /// attempt with that attempt's Parameters (which read `$$.State.RetryCount`), each answer
    /// arrives after its delay and the back-off comes between, so a parking lane parks three
    /// times; parked, it asks nothing again. A Catcher takes an error no Retrier takes.
    @Test func eachAttemptIsAskedOnce() throws {
        let p = try Lane.program(#"""
            {"StartAt":"T","States":{
              "T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke",
                   "Parameters":{"FunctionName":"f","Payload":{"n.$":"$.n","try.$":"$$.State.RetryCount"}},
                   "ResultSelector":{"r.$":"$.Payload"},"ResultPath":"$.t",
                   "Retry":[{"ErrorEquals":["Busy"],"IntervalSeconds":2,"BackoffRate":3}],
                   "Catch":[{"ErrorEquals":["States.ALL"],"ResultPath":"$.e","Next":"Caught"}],"Next":"Done"},
              "Caught":{"Type":"Pass","End":true},
              "Done":{"Type":"Pass","End":true}}}
            """#)
        let asked = Mutex<[String]>([])
        let backend = CalledTasks(delay: 0.5) { r in
            asked.withLock { $0.append(r.input.serialized) }
            guard case .number(let x)? = r.input["Payload"]?["n"], let n = Int(x.literal) else { return .failure(ASLError(ErrorName("Bad"), "no n")) }
            if n > 0 && r.attempt < n { return .failure(ASLError(ErrorName("Busy"), "attempt \(r.attempt)")) }
            return .success(["Payload": ["n": JSON(n), "attempt": JSON(r.attempt)]])
        }
        let lane = try Self.lane(p, backend, clock: .parking(hostLimitSeconds: nil)).get()
        #expect(Self.calls(lane))
        // `$$.State.RetryCount` is the attempt's number, not a walk of the whole context
        // object (which copied the line's value out and parsed it back, per attempt).
        #expect(lane.code.contextPaths.isEmpty)
        let r = try #require(TapeLaneSuspensionTests.parked(lane, #"{"n":1}"#))
        #expect(r.end == .succeeded && r.waits == [500, 2_000, 500], "\(r.waits)")
        #expect(r.output == #"{"n":1,"t":{"r":{"n":1,"attempt":1}}}"#, "\(r.output)")
        #expect(asked.withLock { $0 } == [#"{"FunctionName":"f","Payload":{"n":1,"try":0}}"#,
                                          #"{"FunctionName":"f","Payload":{"n":1,"try":1}}"#])
        for line in [#"{"n":0}"#, #"{"n":2}"#, #"{"n":"x"}"#, #"{"m":1}"#] {
            #expect(Lane.agree(p, lane, line, backend: backend))
        }
        // The error no Retrier takes is caught, with its error output.
        let caught = try #require(TapeLaneSuspensionTests.parked(lane, #"{"n":"x"}"#))
        #expect(caught.output == #"{"n":"x","e":{"Error":"Bad","Cause":"no n"}}"#, "\(caught.output)")
        // Parameters that select nothing fail the state before any call, as the interpreter's.
        let before = asked.withLock { $0.count }
        #expect(TapeLaneSuspensionTests.parked(lane, #"{"m":1}"#)?.end == .failed)
        #expect(asked.withLock { $0.count } == before)
    }

    /// A JSONata Task's Arguments that read `$states.context.State.RetryCount` get each
    /// attempt's number from the lane itself: not from the evaluator over the whole context
    /// object, which copied the line out and converted it at every attempt.
    @Test func aJSONataTasksRetryCountIsTheAttempts() throws {
        let p = try Lane.program(#"""
            {"QueryLanguage":"JSONata","StartAt":"T","States":{
              "T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke",
                   "Arguments":{"n":"{% $states.input.n %}","try":"{% $states.context.State.RetryCount %}"},
                   "Retry":[{"ErrorEquals":["Busy"],"IntervalSeconds":1}],
                   "Output":{"got":"{% $states.result %}","at":"{% $states.context.State.RetryCount %}"},"End":true}}}
            """#)
        let asked = Mutex<[String]>([])
        let backend = CalledTasks(delay: 0) { r in
            asked.withLock { $0.append(r.input.serialized) }
            return r.attempt < 2 ? .failure(ASLError(ErrorName("Busy"), "later")) : .success(["ok": JSON(r.attempt)])
        }
        let lane = try Self.lane(p, backend).get()
        #expect(Self.calls(lane) && lane.code.jsonataCalls.isEmpty)
        #expect(Lane.run(lane, #"{"n":7}"#) == #"{"got":{"ok":2},"at":2}"#)
        #expect(asked.withLock { $0 } == [#"{"n":7,"try":0}"#, #"{"n":7,"try":1}"#, #"{"n":7,"try":2}"#])
        #expect(Lane.agree(p, lane, #"{"n":7}"#, backend: backend))
    }

    /// An answer that comes after the Task's TimeoutSeconds (or HeartbeatSeconds: a called
    /// backend sends no heartbeat) is States.Timeout (States.HeartbeatTimeout) at that
    /// moment, as in the interpreter (`TaskWaitEnd`); an answer at the very moment wins.
    @Test func answersAfterTheTimeoutTimeOut() throws {
        let backend = CalledTasks(delay: 3) { _ in .success(["ok": true]) }
        for (limits, waits, output) in [
            (#""TimeoutSeconds":2"#, [2_000], #"{"e":{"Error":"States.Timeout","Cause":""}}"#),
            (#""TimeoutSeconds":5,"HeartbeatSeconds":1"#, [1_000], #"{"e":{"Error":"States.HeartbeatTimeout","Cause":""}}"#),
            (#""TimeoutSeconds":3"#, [3_000], #"{"ok":true}"#),
        ] {
            let p = try Lane.program(#"{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke",\#(limits),"#
                + #""Catch":[{"ErrorEquals":["States.ALL"],"ResultPath":"$.e","Next":"C"}],"End":true},"C":{"Type":"Pass","End":true}}}"#)
            let lane = try Self.lane(p, backend, clock: .parking(hostLimitSeconds: nil)).get()
            #expect(Self.calls(lane))
            let r = try #require(TapeLaneSuspensionTests.parked(lane, "{}"))
            #expect(r.waits == waits && r.output == output, "\(limits): \(r.waits) \(r.output)")
            #expect(Lane.agree(p, lane, "{}", backend: backend))
        }
    }

    /// A Task called in Map iterations and Parallel branches: each answer's delay is its
    /// child's own wait, so the state parks once, until the last child would have ended side
    /// by side; run again from its entry when it goes on, its calls have the answers they
    /// had, in order: each item's Task is asked once.
    @Test func callsInChildrenWaitSideBySide() throws {
        let asked = Mutex<[String]>([])
        let backend = CalledTasks(delay: 1) { r in
            asked.withLock { $0.append(r.input.serialized) }
            return .success(["got": r.input])
        }
        let p = try Lane.program(#"""
            {"StartAt":"M","States":{
              "M":{"Type":"Map","MaxConcurrency":2,"ItemsPath":"$.xs","ItemProcessor":{"StartAt":"T","States":{
                   "T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"x.$":"$"},"End":true}}},
                   "ResultPath":"$.m","Next":"P"},
              "P":{"Type":"Parallel","Branches":[
                   {"StartAt":"A","States":{"A":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"b":1},"End":true}}},
                   {"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":3,"End":true}}}],"ResultPath":"$.p","End":true}}}
            """#)
        let lane = try Self.lane(p, backend, clock: .parking(hostLimitSeconds: nil)).get()
        #expect(Self.calls(lane))
        let line = #"{"xs":[1,2,3]}"#
        let r = try #require(TapeLaneSuspensionTests.parked(lane, line))
        // Three items of a second, two at a time; then a second's call beside three seconds' wait.
        #expect(r.end == .succeeded && r.waits == [2_000, 3_000], "\(r.waits)")
        #expect(asked.withLock { $0 } == [#"{"x":1}"#, #"{"x":2}"#, #"{"x":3}"#, #"{"b":1}"#])
        #expect(try JSON.parse(r.output) == Lane.general(p, line, backend: backend)?.output, "\(r.output)")
        #expect(Lane.agree(p, lane, #"{"xs":[]}"#, backend: backend))
    }

    /// TimeoutSecondsPath and HeartbeatSecondsPath (and their JSONata forms), read for each
    /// attempt from the effective input as the interpreter reads them: an answer later than
    /// the limit read is that error then; a value AWS refuses fails the state on entry, in
    /// the interpreter's words. A logged run calls the Task too.
    @Test func timeLimitsReadAtRunTime() throws {
        let backend = CalledTasks(delay: 3) { _ in .success(["ok": true]) }
        let catchAll = #""Catch":[{"ErrorEquals":["States.Timeout","States.HeartbeatTimeout"],"ResultPath":"$.e","Next":"C"}]"#
        for definition in [
            #"{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","TimeoutSecondsPath":"$.t",\#(catchAll),"End":true},"C":{"Type":"Pass","End":true}}}"#,
            #"{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","TimeoutSeconds":9,"HeartbeatSecondsPath":"$.t",\#(catchAll),"End":true},"C":{"Type":"Pass","End":true}}}"#,
            #"{"QueryLanguage":"JSONata","StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","TimeoutSeconds":"{% $states.input.t %}","Catch":[{"ErrorEquals":["States.Timeout"],"Output":{"e":"{% $states.errorOutput %}"},"Next":"C"}],"End":true},"C":{"Type":"Pass","End":true}}}"#,
        ] {
            let p = try Lane.program(definition)
            for logged in [false, true] {
                let lane = try Self.lane(p, backend, clock: .parking(hostLimitSeconds: nil), logged: logged).get()
                #expect(Self.calls(lane), "\(definition)")
                let late = try #require(TapeLaneSuspensionTests.parked(lane, #"{"t":2}"#), "\(definition)")
                #expect(late.waits == [2_000] && late.output.contains("Timeout"), "\(definition): \(late.output)")
                let inTime = try #require(TapeLaneSuspensionTests.parked(lane, #"{"t":5}"#))
                #expect(inTime.waits == [3_000] && inTime.output == #"{"ok":true}"#, "\(definition): \(inTime.output)")
                // (A path that selects nothing, and a JSONata value that is no integer, go back:
                // the interpreter words those; the lane's JSONata words an undefined value.)
                let jsonata = definition.contains("JSONata")
                for (line, kept) in [(#"{"t":2}"#, true), (#"{"t":5}"#, true), (#"{"t":0}"#, true), (#"{"t":"x"}"#, !jsonata),
                                     (#"{"t":1.5}"#, !jsonata), (#"{}"#, jsonata)] {
                    #expect(Lane.agree(p, lane, line, "\(definition) \(line)", backend: backend) == kept, "\(definition) \(line)")
                }
            }
        }
    }

    /// The lane hands a called Task its input as the JSON text it wrote (`JSONPayload.text`):
    /// numbers as the line had them, strings as the general engine writes them, the tree
    /// the general engine would hand over when parsed. A value nested deeper than a JSON parser takes is no such text: its line
    /// goes back (the general engine hands the backend its tree).
    @Test func aCalledTaskGetsTheLanesTextAsItIs() throws {
        let given = Mutex<[JSONPayload]>([])
        let backend = CalledTasks(delay: 0) { r in
            given.withLock { $0.append(r.given) }
            return .success(["ok": true])
        }
        let p = try Lane.program(#"{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","#
            + #""Parameters":{"v.$":"$.v","n.$":"$.n"},"ResultPath":"$.r","End":true}}}"#)
        let lane = try Self.lane(p, backend).get()
        #expect(Self.calls(lane))
        #expect(Lane.run(lane, #"{"n":1.50,"v":"caf\u00e9"}"#) == #"{"n":1.50,"v":"café","r":{"ok":true}}"#)
        let first = try #require(given.withLock { $0.first })
        guard case .text(let text) = first else { Issue.record("not text: \(first)"); return }
        #expect(String(decoding: text, as: UTF8.self) == #"{"v":"café","n":1.50}"#)
        #expect(first.json == ["v": "café", "n": .number(JSONNumber(literal: "1.50"))])

        // 300 levels of Parameters around a value 250 deep: 551 in all.
        let depth = 300
        let template = String(repeating: #"{"a":"#, count: depth) + #"{"v.$":"$.v"}"# + String(repeating: "}", count: depth)
        let deep = try Lane.program(#"{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","#
            + #""Parameters":\#(template),"ResultPath":"$.r","End":true}}}"#)
        let deepLane = try Self.lane(deep, backend).get()
        #expect(Self.calls(deepLane))
        let asked = given.withLock { $0.count }
        let line = #"{"v":"# + String(repeating: "[", count: 250) + String(repeating: "]", count: 250) + "}"
        #expect(Lane.run(deepLane, line) == nil)
        #expect(given.withLock { $0.count } == asked)
        #expect(Lane.run(deepLane, #"{"v":1}"#) != nil)
    }
}
