import CortadoJSONata
import Testing

/// What an expression reads of `$states.input`: names it follows, the last read whole;
/// anything the walk cannot account for reads all of it.
@Suite struct JSONataProjectionTests {
    static func reads(_ source: String) throws -> String {
        try JSONataExpression(source, options: .stepFunctions).projection(ofMember: "input", of: "states").description
    }

    @Test func pathsOfNamesAreFollowed() throws {
        #expect(try Self.reads("$states.input.orderId") == "{orderId:*}")
        #expect(try Self.reads("$states.input.customer.tier & $states.input.orderId") == "{customer:{tier:*},orderId:*}")
        #expect(try Self.reads("$uppercase($states.input.customer.tier)") == "{customer:{tier:*}}")
        // Through arrays alike: `items.sku` maps over the items.
        #expect(try Self.reads("$join($states.input.items.sku, ',')") == "{items:{sku:*}}")
        // A step that is not a plain name reads its value whole.
        #expect(try Self.reads("$sum($states.input.items.(price * qty))") == "{items:*}")
        #expect(try Self.reads("$count($states.input.items[qty > 1])") == "{items:*}")
        #expect(try Self.reads("$states.input.items[0].sku") == "{items:*}")
        #expect(try Self.reads("$states.input.items[price > $states.input.min].sku") == "{items:*,min:*}")
        #expect(try Self.reads("$states.input.a.*") == "{a:*}")
        #expect(try Self.reads("$states.input.a.**.b") == "{a:*}")
        #expect(try Self.reads("$states.input.a[]") == "{a:*}")
        // The whole input, or a union with it.
        #expect(try Self.reads("$states.input") == "*")
        #expect(try Self.reads("$merge([$states.input, {'t': 1}])") == "*")
        #expect(try Self.reads("$states.input.a & $string($states.input)") == "*")
    }

    @Test func otherUsesReadEverything() throws {
        #expect(try Self.reads("$states.result.x") == "{}")
        #expect(try Self.reads("$states.context.Execution.Name") == "{}")
        #expect(try Self.reads("1 + 2") == "{}")
        for source in ["$states", "$keys($states)", "$states.*", "$lookup($states, 'input').a",
                       "($states := {'input': {'a': 1}}; $states.input.a)", "function($states) { $states.input.a }($states)",
                       "$states.input.items.%.orderId", "'$states' & $states.input.a", "$states.input@$i.a",
                       "$states.input{'k': a}", "$states[0].input.a"] {
            #expect(try Self.reads(source) == "*", "\(source)")
        }
    }

    @Test func unionAndCover() throws {
        let a = try JSONataExpression("$states.input.a.b", options: .stepFunctions).projection(ofMember: "input", of: "states")
        let c = try JSONataExpression("$states.input.c", options: .stepFunctions).projection(ofMember: "input", of: "states")
        let ac = a.union(c)
        #expect(ac.description == "{a:{b:*},c:*}")
        #expect(a.isCovered(by: ac) && c.isCovered(by: ac) && !ac.isCovered(by: a))
        #expect(ac.isCovered(by: .everything) && !JSONataProjection.everything.isCovered(by: ac))
        #expect(JSONataProjection.nothing.isCovered(by: a))
        let whole = try JSONataExpression("$states.input.a", options: .stepFunctions).projection(ofMember: "input", of: "states")
        #expect(a.union(whole).description == "{a:*}")
    }
}
