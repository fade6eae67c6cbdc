import CortadoJSON
import Testing
@testable import CortadoPath

@Suite struct PayloadTemplateTests {
    @Test func aFieldNamedTwiceKeepsTheLastValueInTheFirstPlace() throws {
        let t = try PayloadTemplate.compile(try JSON.parse(#"{"a":1,"b.$":"$.x","a.$":"$.y","c":3}"#))
        let out = try t.evaluate(input: try JSON.parse(#"{"x":"X","y":"Y"}"#), context: { .null })
        #expect(out.serialized == #"{"a":"Y","b":"X","c":3}"#)
    }

    @Test func theContextIsBuiltOnceForAllItsPaths() throws {
        let t = try PayloadTemplate.compile(try JSON.parse(
            #"{"a.$":"$$.Map.Item.Index","b.$":"$$.Map.Item.Value","n":{"c.$":"$$.Execution.Id"},"d.$":"States.Format('{}', $$.Execution.Id)"}"#))
        var built = 0
        let ctx = try JSON.parse(#"{"Map":{"Item":{"Index":2,"Value":"v"}},"Execution":{"Id":"e"}}"#)
        let out = try t.evaluate(input: .null, context: { built += 1; return ctx })
        #expect(out.serialized == #"{"a":2,"b":"v","n":{"c":"e"},"d":"e"}"#)
        #expect(built == 1)
        _ = try PayloadTemplate.compile(try JSON.parse(#"{"a.$":"$.x"}"#)).evaluate(input: ["x": 1], context: { built += 1; return ctx })
        #expect(built == 1)
    }

    /// A path that selects nothing names its field and quotes the state's input, also for a
    /// `$$` path and for an intrinsic's argument (AWS quotes the input, not the context object;
    /// an intrinsic's path said "Invalid path ... : No results for path").
    @Test func aMissingPathNamesItsFieldAndQuotesTheInput() throws {
        let ctx = try JSON.parse(#"{"Execution":{"Input":{"a":1}}}"#)
        for (template, path) in [(#"{"v.$":"$.nope"}"#, "$.nope"), (#"{"v.$":"$$.Execution.Input.nope"}"#, "$$.Execution.Input.nope"),
                                 (#"{"v.$":"States.Hash($.nope, 'MD5')"}"#, "$.nope")] {
            let t = try PayloadTemplate.compile(try JSON.parse(template))
            #expect(throws: ASLError.runtime("The JSONPath '\(path)' specified for the field 'v.$' could not be found in the input '{\"a\":1}'")) {
                try t.evaluate(input: ["a": 1], context: { ctx })
            }
        }
    }
}
