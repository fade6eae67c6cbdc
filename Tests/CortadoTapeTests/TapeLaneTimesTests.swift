import CortadoASL
import CortadoJSON
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
}
