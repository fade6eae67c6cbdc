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
        // Lines the plain walk cannot settle (an element without `.v`) are the evaluator's:
        // every line stays on the lane.
        #expect(kept == compared, "\(kept) of \(compared)")
        let d = try Lane.program(#"{"StartAt":"P","States":{"P":{"Type":"Pass","InputPath":"$.items[1:]","End":true}}}"#)
        #expect(Lane.run(try Lane.lane(d), #"{"items":[1,2,3]}"#) == "[2,3]")
        // A slice of a non-array is Jayway's business: the evaluator's, on the lane too.
        #expect(Lane.agree(d, try Lane.lane(d), #"{"items":{"a":1}}"#))
    }

    /// Paths that are not plain (filters, unions, `..`, wildcards over objects, `length()`)
    /// run on the lane through the interpreter's evaluator (`JSONPathEvaluator` over the
    /// tape): every line stays, with the general engine's bytes.
    @Test func evaluatedPathsGiveTheGeneralEnginesBytes() throws {
        let paths = [
            "$.items[?(@.price > 10)]", "$.items[?(@.price > 10)].sku", "$.items[?(@.tag == 'a')]",
            "$.items[?(@.tag)]", "$.items[?(!@.tag)]", "$.items[?(@.price >= $.min)].sku",
            "$.items[?(@.tag in ['a','c'])]", "$.items[?(@.sku =~ /s[0-9]+/)]", "$.items[?(@.price < 10 || @.tag == 'b')]",
            "$..price", "$..sku", "$.items..tag", "$.*", "$.items[*].price", "$.o.*", "$.o[*].v",
            "$.items[0,2]", "$.items[0,2].sku", "$.o['a','b']", "$.items.length()", "$.o.length()",
            "$.items[*].sku.length()", "$.items[?(@.price > 10)].length()", "$.missing[*]", "$.min[*]",
            "$.items[-1:]", "$.items[*][*]",
        ]
        let lines = [
            #"{"items":[{"sku":"s1","price":5,"tag":"a"},{"sku":"s2","price":15},{"sku":"x3","price":25.5,"tag":"c"}],"min":6,"o":{"a":{"v":1},"b":{"v":2},"c":3}}"#,
            #"{"items":[],"min":0,"o":{}}"#,
            #"{"items":{"sku":"s9","price":99,"tag":"b"},"min":"7","o":[1,2]}"#,
            #"{"items":[{"price":"12"},null,7,[1,2],{"price":11,"tag":null}],"o":null}"#,
            #"{"other":true}"#,
        ]
        var kept = 0, compared = 0
        for path in paths {
            for (field, definition) in [
                ("Parameters", #"{"StartAt":"P","States":{"P":{"Type":"Pass","Parameters":{"x.$":"\#(path)"},"End":true}}}"#),
                ("InputPath", #"{"StartAt":"P","States":{"P":{"Type":"Pass","InputPath":"\#(path)","End":true}}}"#),
                ("OutputPath", #"{"StartAt":"P","States":{"P":{"Type":"Pass","OutputPath":"\#(path)","End":true}}}"#),
                ("Choice", #"{"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[{"Variable":"\#(path)","IsPresent":true,"Next":"Y"}],"Default":"N"},"Y":{"Type":"Pass","Result":"y","End":true},"N":{"Type":"Pass","Result":"n","End":true}}}"#),
                ("Assign", #"{"StartAt":"A","States":{"A":{"Type":"Pass","Assign":{"v.$":"\#(path)"},"Next":"B"},"B":{"Type":"Pass","Parameters":{"v.$":"$v"},"End":true}}}"#),
                ("variable", #"{"StartAt":"A","States":{"A":{"Type":"Pass","Assign":{"doc.$":"$"},"Next":"B"},"B":{"Type":"Pass","Parameters":{"v.$":"\#(path.replacingOccurrences(of: "$.", with: "$doc."))"},"End":true}}}"#),
                ("intrinsic", #"{"StartAt":"P","States":{"P":{"Type":"Pass","Parameters":{"x.$":"States.Array(\#(path))"},"End":true}}}"#),
            ] {
                guard let d = try? Lane.program(definition) else { continue }
                let lane = try Lane.lane(d)
                for line in lines {
                    if Lane.agree(d, lane, line, "\(field) \(path)") { kept += 1 }
                    compared += 1
                }
            }
        }
        // Only lines the general engine fails (a definite path that selects nothing, which
        // the lane hands back for the interpreter to word) leave the lane.
        #expect(kept > compared * 3 / 4, "\(kept) of \(compared)")
    }

    /// A filter in a `$$` path reads the context object, as the interpreter's does; one
    /// after `$$.Execution.Input` stays on the general engine (its `$` is the context object).
    @Test func contextPathsWithFilters() throws {
        let d = try Lane.program(#"{"StartAt":"P","States":{"P":{"Type":"Pass","Parameters":{"x.$":"$$.Execution.Input.items[?(@.a)]"},"End":true}}}"#)
        guard case .failure = TapeLane.make(d, payloadLimit: ExecutionOptions.payloadLimit) else {
            Issue.record("lane took a filter after $$.Execution.Input"); return
        }
        let plain = try Lane.program(#"{"StartAt":"P","States":{"P":{"Type":"Pass","Parameters":{"x.$":"$$.Execution.Input.items[*].a"},"End":true}}}"#)
        let lane = try Lane.lane(plain)
        #expect(Lane.agree(plain, lane, #"{"items":[{"a":1},{"b":2},{"a":3}]}"#))
        #expect(Lane.run(lane, #"{"items":[{"a":1},{"b":2},{"a":3}]}"#) == #"{"x":[1,3]}"#)
    }

    /// Bug: the lane read a wildcard path whose prefix selects nothing as absent, so a Choice
    /// on `IsPresent` went to the other branch; Jayway (and the interpreter) give `[]`.
    @Test func aWildcardPathWithAMissingPrefixIsPresent() throws {
        let d = try Lane.program(#"{"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[{"Variable":"$.missing[*].a","IsPresent":true,"Next":"Y"}],"Default":"N"},"Y":{"Type":"Pass","Result":"y","End":true},"N":{"Type":"Pass","Result":"n","End":true}}}"#)
        let lane = try Lane.lane(d)
        #expect(Lane.run(lane, #"{"other":1}"#) == #""y""#)
        #expect(Lane.agree(d, lane, #"{"other":1}"#))
    }
}
