import CortadoASL
import CortadoJSON
import CortadoRuntime
@testable import CortadoTape
import Testing

/// ResultPath on the lane runs `ResultPath.assign`, the rule the general engine runs: every
/// reference path (names and indices) over inputs of every shape gives the general engine's
/// output, and a line the general engine fails (a conflict) is handed back.
@Suite struct TapeLaneResultPathTests {
    static let paths = [
        "$.a", "$.a.b", "$.a.b.c", "$.a[0]", "$.a[-1]", "$.a[1].b", "$.a[0][1]", "$.a[2]",
        "$['x y']", "$.a.new.deeper", "$.n[0].m",
    ]
    static let inputs = [
        #"{}"#, #"{"a":1}"#, #"{"a":null}"#, #"{"a":{"b":{"c":0},"d":1}}"#, #"{"a":{"b":5}}"#,
        #"{"a":[10,{"b":1,"c":2},[7,8]]}"#, #"{"a":[]}"#, #"{"a":[1]}"#, #"{"a":"s","x y":[1]}"#,
        #"{"n":[{"m":1},{"m":2}],"a":{}}"#, #"{"z":true,"a":[{"b":[1,2]},{"b":{}}]}"#,
    ]

    @Test func everyReferencePathAgreesWithTheGeneralEngine() throws {
        var kept = 0, failed = 0
        for path in Self.paths {
            let p = try Lane.program(#"{"StartAt":"P","States":{"P":{"Type":"Pass","Result":{"r":true},"ResultPath":"\#(path)","End":true}}}"#)
            let lane = try Lane.lane(p)
            for line in Self.inputs {
                let general = Lane.general(p, line)
                if Lane.agree(p, lane, line, "ResultPath \(path)") {
                    kept += 1
                } else {
                    // Handed back: only because the general engine fails it (a conflict).
                    #expect(general?.status == .failed, "lane gave up \(path) on \(line)")
                    #expect(general?.error?.name == .referencePathConflict, "\(path) on \(line)")
                    failed += 1
                }
            }
        }
        #expect(kept >= 40 && failed >= 40, "kept \(kept), handed back \(failed)")
    }

    /// A Task's result and a Map's results go through the same rule, after ResultSelector.
    @Test func mapResultsAreWrittenAtAnIndex() throws {
        let p = try Lane.program(#"""
            {"StartAt":"M","States":{"M":{"Type":"Map","ItemsPath":"$.xs","ItemProcessor":{"StartAt":"I",
              "States":{"I":{"Type":"Pass","End":true}}},"ResultPath":"$.slots[1].done","End":true}}}
            """#)
        let lane = try Lane.lane(p)
        #expect(Lane.run(lane, #"{"xs":[1,2],"slots":[{},{"k":0}]}"#) == #"{"xs":[1,2],"slots":[{},{"k":0,"done":[1,2]}]}"#)
        #expect(Lane.agree(p, lane, #"{"xs":[1,2],"slots":[{},{"k":0}]}"#))
        #expect(Lane.run(lane, #"{"xs":[1],"slots":[{}]}"#) == nil)
        #expect(Lane.general(p, #"{"xs":[1],"slots":[{}]}"#)?.error?.name == .referencePathConflict)
    }
}
