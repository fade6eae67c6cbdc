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
}
