import CortadoASL
import CortadoRuntime
@testable import CortadoTape
import Testing

/// Slices on the lane: the same walk as a wildcard (`PathSelection`), over the elements
/// Jayway's slice lists (`JSONPathSlice`, which the interpreter's evaluator lists too).
@Suite struct TapeLanePathsTests {
    @Test func slicesGiveTheGeneralEnginesBytes() throws {
        let slices = ["[1:]", "[:1]", "[1:5]", "[-2:]", "[:-1]", "[-3:2]", "[0:0]", "[5:]", "[-10:10]", "[2:1]"]
        let lists = ["[]", "[1]", "[1,2]", "[1,2,3,4,5,6]", #"[{"v":1},{"v":2},{"v":3}]"#]
        var kept = 0, compared = 0
        for s in slices {
            for tail in ["", ".v"] {
                let d = try Lane.program(#"{"StartAt":"P","States":{"P":{"Type":"Pass","Parameters":{"x.$":"$.xs\#(s)\#(tail)"},"OutputPath":"$.x","End":true}}}"#)
                let lane = try Lane.lane(d)
                for l in lists {
                    let line = #"{"xs":\#(l)}"#
                    if Lane.agree(d, lane, line, "\(s)\(tail)") { kept += 1 }
                    compared += 1
                }
            }
        }
        // Lines the walk cannot settle (an element without `.v`) go back; the rest stay.
        #expect(kept > compared / 2, "\(kept) of \(compared)")
        let d = try Lane.program(#"{"StartAt":"P","States":{"P":{"Type":"Pass","InputPath":"$.items[1:]","End":true}}}"#)
        #expect(Lane.run(try Lane.lane(d), #"{"items":[1,2,3]}"#) == "[2,3]")
        // A slice of a non-array is Jayway's business.
        #expect(Lane.run(try Lane.lane(d), #"{"items":{"a":1}}"#) == nil)
    }
}
