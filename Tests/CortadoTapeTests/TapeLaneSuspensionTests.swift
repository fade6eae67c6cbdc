import CortadoASL
import CortadoJSON
import CortadoPath
import CortadoRuntime
@testable import CortadoTape
import CortadoTestSupport
import Testing

/// Parking on the lane (`.parking` clock, `TapeLane+Suspension`): a line that waits in its top
/// machine ends its run, what it needs is copied out, and a lane of the same program goes on
/// with it from the state it waited in.
@Suite struct TapeLaneSuspensionTests {
    static let parking = TapeLane.Clock.parking(hostLimitSeconds: nil)

    /// Runs `line`, resuming it on `resumer` (default: the same lane) each time it parks, with
    /// `between` run on the first lane meanwhile; the result and how long each park was.
    /// `after` sees the lane that ended the line while the line's bytes are there.
    static func parked(_ lane: TapeLane, _ line: String, on resumer: TapeLane? = nil, between: String? = nil,
                       after: (TapeLane) -> Void = { _ in }) -> (end: TapeLane.LineEnd, output: String, waits: [Int])? {
        var out = UnsafeVec<UInt8>(capacity: 256)
        defer { out.free() }
        let bytes = Array(line.utf8)
        return bytes.withUnsafeBufferPointer { b -> (TapeLane.LineEnd, String, [Int])? in
            do {
                var waits: [Int] = []
                var end = try lane.run(line: b, appendingTo: &out)
                var last = lane
                while case .waits(let ms) = end {
                    waits.append(ms)
                    let s = last.suspend()
                    if let between { _ = Lane.run(lane, between) }
                    last = resumer ?? lane
                    end = try last.resume(s, line: b, appendingTo: &out)
                }
                after(last)
                return (end, String(decoding: out.buffer, as: UTF8.self), waits)
            } catch {
                return nil
            }
        }
    }

    /// A Wait after a state that built the value and assigned variables: the state's input
    /// and the variables go as JSON text, the line's own value (`$$.Execution.Input`) is
    /// parsed from its bytes again, and another line run on the lane meanwhile does not
    /// disturb it; any lane of the program can go on with it.
    @Test func aParkedLineGoesOnWithItsValuesOnAnyLane() throws {
        let p = try Lane.program(#"""
            {"StartAt":"A","States":{
              "A":{"Type":"Pass","Parameters":{"n.$":"$.n","s":"line \"quoted\"\n","xs.$":"$.xs"},"Assign":{"v.$":"$.xs[0]","u":{"k":[1,2]}},"Next":"W"},
              "W":{"Type":"Wait","Seconds":3,"Next":"B"},
              "B":{"Type":"Pass","Parameters":{"in.$":"$$.Execution.Input","v.$":"$v","u.$":"$u","s.$":"$.s","n.$":"$.n"},"End":true}}}
            """#)
        let lane = try TapeLane.make(p, payloadLimit: ExecutionOptions.payloadLimit, clock: Self.parking).get()
        let other = try TapeLane.make(p, payloadLimit: ExecutionOptions.payloadLimit, clock: Self.parking).get()
        let line = #"{"n":7,"xs":["é",{"a":null}],"pad":"\u00e9\t"}"#
        let expected = try #require(Lane.general(p, line)?.output)
        for resumer in [lane, other] {
            let r = try #require(Self.parked(lane, line, on: resumer, between: #"{"n":1,"xs":[0]}"#))
            #expect(r.end == .succeeded && r.waits == [3_000])
            #expect(try JSON.parse(r.output) == expected, "\(r.output)")
        }
        // A line that does not wait runs to its end on such a lane as on any other.
        let q = try Lane.program(#"{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":0,"End":true}}}"#)
        let noWait = try TapeLane.make(q, payloadLimit: ExecutionOptions.payloadLimit, clock: Self.parking).get()
        #expect(Self.parked(noWait, #"{"a":1}"#)?.waits == [])
    }

    /// A Map's Retry parks the line at each back-off; it goes on by running the Map again from
    /// its entry, its failed iterations failing again, past the waits it had waited. Its
    /// record (the states entered, in order) is the one a virtual clock gives, and so is
    /// its outcome, which is the general engine's.
    @Test func aMapsRetryParksAtEachBackOff() throws {
        for (definition, waits) in [
            (#"""
            {"StartAt":"M","States":{"M":{"Type":"Map","ItemsPath":"$.xs","ItemProcessor":{"StartAt":"T","States":{
                "T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"f"},"End":true}}},
              "Retry":[{"ErrorEquals":["Busy"],"IntervalSeconds":1,"MaxAttempts":2,"BackoffRate":2}],
              "Catch":[{"ErrorEquals":["States.ALL"],"ResultPath":"$.e","Next":"Done"}],"Next":"Done"},
              "Done":{"Type":"Pass","End":true}}}
            """#, [1_000, 2_000]),
            (#"""
            {"StartAt":"P","States":{"P":{"Type":"Parallel","Branches":[
                {"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"f"},"End":true}}},
                {"StartAt":"Q","States":{"Q":{"Type":"Pass","End":true}}}],
              "Retry":[{"ErrorEquals":["States.ALL"],"IntervalSeconds":2,"MaxAttempts":3}],"End":true}}}
            """#, [2_000, 4_000, 8_000]),
        ] {
            let p = try Lane.program(definition)
            let backend = ScriptedTasks(script: ["T": [.failure(ASLError(ErrorName("Busy"), "later"))]])
            let lane = try TapeLaneTests.failingLane(p, backend, clock: Self.parking).get()
            let virtual = try TapeLaneTests.failingLane(p, backend).get()
            let line = #"{"xs":[1,2]}"#
            let r = try #require(Self.parked(lane, line))
            #expect(r.waits == waits, "\(definition)")
            let parkedTrail = Array(lane.trail)
            let v = Lane.outcome(virtual, line, p)
            #expect(Array(virtual.trail) == parkedTrail)
            #expect(Lane.agree(p, lane, line, "\(definition)", backend: backend))
            switch (r.end, v) {
            case (.succeeded, .success(let out)?): #expect(r.output == out)
            case (.failed, .failure?): break
            default: Issue.record("parked \(r.end), virtual \(String(describing: v))")
            }
        }
    }

    /// Waits in Map iterations and Parallel branches are their child's own: the children run
    /// side by side in the interpreter (a Map's MaxConcurrency at a time, each next as one
    /// ends), so the state parks once, until the last would have ended (`SideBySide.end`),
    /// and goes on with the general engine's output. A child's timestamp not long past
    /// depends on when its siblings ended: such a line goes back.
    @Test func waitsInChildrenParkTheirStateUntilTheLastEnds() throws {
        func map(_ limit: Int) -> String {
            #"{"StartAt":"M","States":{"M":{"Type":"Map","MaxConcurrency":\#(limit),"ItemProcessor":{"StartAt":"W","States":{"#
                + #""W":{"Type":"Wait","SecondsPath":"$.s","Next":"P"},"P":{"Type":"Pass","Parameters":{"done.$":"$.s"},"End":true}}},"#
                + #""ItemsPath":"$.xs","ResultPath":"$.r","Next":"B"},"B":{"Type":"Pass","End":true}}}"#
        }
        let line = #"{"xs":[{"s":1},{"s":2},{"s":3}]}"#
        // Two at a time: 1 s and 2 s start; the third starts at 1 s and ends at 4 s.
        for (definition, waits) in [(map(0), [3_000]), (map(2), [4_000]), (map(1), [6_000]), (map(5), [3_000])] {
            let p = try Lane.program(definition)
            let lane = try TapeLane.make(p, payloadLimit: ExecutionOptions.payloadLimit, clock: Self.parking).get()
            let r = try #require(Self.parked(lane, line, between: #"{"xs":[]}"#), "\(definition)")
            #expect(r.end == .succeeded && r.waits == waits, "\(definition): \(r.waits)")
            #expect(try JSON.parse(r.output) == Lane.general(p, line)?.output)
        }
        // A MaxConcurrency read from the input; a Parallel's branches all at once, a nested
        // Map's iterations inside one of them.
        let read = try Lane.program(#"""
            {"StartAt":"M","States":{"M":{"Type":"Map","MaxConcurrencyPath":"$.limit","ItemsPath":"$.xs",
              "ItemProcessor":{"StartAt":"W","States":{"W":{"Type":"Wait","SecondsPath":"$.s","End":true}}},"End":true}}}
            """#)
        let readLane = try TapeLane.make(read, payloadLimit: ExecutionOptions.payloadLimit, clock: Self.parking).get()
        #expect(Self.parked(readLane, #"{"limit":1,"xs":[{"s":1},{"s":2}]}"#)?.waits == [3_000])
        let parallel = try Lane.program(#"""
            {"StartAt":"P","States":{"P":{"Type":"Parallel","Branches":[
              {"StartAt":"A","States":{"A":{"Type":"Wait","Seconds":2,"End":true}}},
              {"StartAt":"N","States":{"N":{"Type":"Map","MaxConcurrency":1,"ItemsPath":"$.xs","ItemProcessor":{"StartAt":"W","States":{
                 "W":{"Type":"Wait","SecondsPath":"$","End":true}}},"End":true}}},
              {"StartAt":"C","States":{"C":{"Type":"Pass","End":true}}}],"Next":"W"},
              "W":{"Type":"Wait","Seconds":1,"End":true}}}
            """#)
        let pLane = try TapeLane.make(parallel, payloadLimit: ExecutionOptions.payloadLimit, clock: Self.parking).get()
        let pLine = #"{"xs":[1,2]}"#
        let pr = try #require(Self.parked(pLane, pLine))
        // The nested Map takes 3 s one at a time, beside the first branch's 2 s; then the Wait.
        #expect(pr.end == .succeeded && pr.waits == [3_000, 1_000])
        #expect(try JSON.parse(pr.output) == Lane.general(parallel, pLine)?.output)
        // A timestamp ahead, in an iteration: back to the general engine.
        let until = try Lane.program(#"""
            {"StartAt":"M","States":{"M":{"Type":"Map","ItemsPath":"$.xs","ItemProcessor":{"StartAt":"W","States":{
              "W":{"Type":"Wait","TimestampPath":"$.t","End":true}}},"End":true}}}
            """#)
        let uLane = try TapeLane.make(until, payloadLimit: ExecutionOptions.payloadLimit, clock: Self.parking).get()
        #expect(Self.parked(uLane, #"{"xs":[{"t":"2099-01-01T00:00:00Z"}]}"#) == nil)
        #expect(Self.parked(uLane, #"{"xs":[{"t":"2001-01-01T00:00:00Z"}]}"#)?.waits == [])
    }

    /// What a host logs a line from (`LinearRunLog`), as text: each trail entry's state, values
    /// (input, output, a Task's parameters and result, the variables assigned), a Map's
    /// iterations, a retried Task's second attempt's parameters, and the marks of the waits.
    static func record(_ l: TapeLane) -> [String] {
        func text(_ x: Int32) -> String {
            guard x >= 0 else { return "-" }
            var b = UnsafeVec<UInt8>(capacity: 64)
            defer { b.free() }
            l.write(x, into: &b)
            return String(decoding: b.buffer, as: UTF8.self)
        }
        return (0..<l.trail.count).map { k in
            let v = l.trailValues(k)
            return "\(l.trail[k]) \(text(v.input)) \(text(v.output)) \(text(v.parameters)) \(text(v.result)) "
                + "\(text(l.assignedVariables(k))) \(l.iterations(k).count) \(l.attemptParameters(k, 1).map(text) ?? "")"
        } + ["waits at \(l.waitMarks.map { "\($0.entry)/\($0.before)" })"]
    }

    /// A logged line is logged when it ends: its record before the state it parked in goes
    /// with it (each state's values as text, the line's own value parsed again, a Map's
    /// iterations, the variables a state assigned, a retried Task's per-attempt Parameters),
    /// and the marks of its waits (`eventTime`), to any lane of the program.
    @Test func aLoggedLineParksWithItsRecord() throws {
        let p = try Lane.program(#"""
            {"StartAt":"A","States":{
              "A":{"Type":"Pass","Parameters":{"n.$":"$.n","s":"é\n"},"Assign":{"v.$":"$.n"},"Next":"M"},
              "M":{"Type":"Map","ItemsPath":"$$.Execution.Input.xs","ItemProcessor":{"StartAt":"I","States":{
                   "I":{"Type":"Pass","End":true}}},"ResultPath":"$.m","Next":"T"},
              "T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"r.$":"$$.State.RetryCount"},
                   "Retry":[{"ErrorEquals":["Busy"],"IntervalSeconds":2,"BackoffRate":1.5}],"ResultPath":"$.t","Next":"W"},
              "W":{"Type":"Wait","Seconds":1,"Next":"B"},
              "B":{"Type":"Pass","Parameters":{"v.$":"$v","all.$":"$"},"End":true}}}
            """#)
        let busy = ASLError(ErrorName("Busy"), "later")
        let k = Lane.constants(ExecutionOptions(executionName: "", stateMachineName: "sm", backend: HandlerRegistry()))
        let answers: [Result<JSON, ASLError>] = [.failure(busy), .failure(busy), .success(["ok": true])]
        func make() throws -> TapeLane {
            let lane = try TapeLane.make(p, payloadLimit: ExecutionOptions.payloadLimit, clock: Self.parking,
                                         taskResults: { _, _, attempt in answers[min(attempt, 2)] },
                                         executionNamePrefix: "line-", constants: k,
                                         logsEveryState: true, handlesFailures: true, logged: true).get()
            lane.recordsValues = true
            return lane
        }
        let (lane, other) = (try make(), try make())
        let line = #"{"n":7,"xs":[1,{"a":[2]}]}"#
        // The record of the line run where nothing parks (a virtual clock).
        let still = try TapeLane.make(p, payloadLimit: ExecutionOptions.payloadLimit, clock: .virtual(hostLimitSeconds: nil),
                                      taskResults: { _, _, attempt in answers[min(attempt, 2)] },
                                      executionNamePrefix: "line-", constants: k,
                                      logsEveryState: true, handlesFailures: true, logged: true).get()
        still.recordsValues = true
        let record = Self.record
        var expected: [String] = []
        let virtual = try #require(Self.parked(still, line) { expected = record($0) })
        #expect(virtual.waits.isEmpty && still.waited && expected.count == 8)
        for resumer in [lane, other] {
            var got: [String] = [], marks: [Int] = []
            let r = try #require(Self.parked(lane, line, on: resumer, between: #"{"n":1,"xs":[]}"#) { l in
                (got, marks) = (record(l), l.waitMarks.map(\.entry))
            })
            // The Task's two back-offs, then the Wait's second.
            #expect(r.end == .succeeded && r.waits == [2_000, 3_000, 1_000])
            #expect(r.output == virtual.output)
            #expect(got == expected)
            // A mark for each wait: the Task's attempts and the Wait's exit.
            #expect(marks == [4, 4, 5])
        }
        // On the virtual clock the marks are what the line had waited.
        #expect(still.waitMarks.map(\.waitedMs) == [2_000, 5_000, 6_000])
        // (Entries: A 0, M 1, its iterations 2 and 3, T 4, W 5, B 6.)
        #expect(still.eventTime(4, phase: 1) - still.eventTime(0, phase: 0) == 2_000)
        #expect(still.eventTime(4, phase: 2) - still.eventTime(4, phase: 0) == 5_000)
        #expect(still.eventTime(3, phase: 0) == still.eventTime(0, phase: 0))
        #expect(still.eventTime(5, phase: 0) - still.eventTime(0, phase: 0) == 5_000)
        #expect(still.eventTime(5, phase: .max) - still.eventTime(0, phase: 0) == 6_000)
        #expect(still.eventTime(6, phase: 0) - still.eventTime(0, phase: 0) == 6_000)
    }
}
