@testable import CortadoASL
import CortadoJSON
import CortadoJSONata
import CortadoPath
import Testing

/// A scope converts `$states.input` only as far as the state's expressions read it
/// (`Program.inputReads`); every expression must see what it sees with the whole input.
@Suite struct JSONataProjectionScopeTests {
    static let input = #"""
        {"orderId":"o-1","customer":{"id":"c","tier":"gold","tags":["a","b"]},"min":5,
         "items":[{"sku":"A","qty":2,"price":3.5,"x":{"y":1}},{"sku":"B","qty":1,"price":10,"x":{"y":2}},"loose",[{"sku":"C"}]],
         "nested":[[{"a":1},{"a":2}],{"a":3}],"empty":{},"n":null}
        """#

    @Test func projectedScopesGiveTheWholeInputsValues() throws {
        let input = try JSON.parse(Self.input)
        let expressions = [
            "$states.input.orderId", "$states.input.customer.tier", "$states.input.items.sku", "$states.input.items.x.y",
            "$sum($states.input.items.(price * qty))", "$count($states.input.items[qty > 1])",
            "$states.input.items[price > $states.input.min].sku", "$states.input.nested.a", "$states.input.customer.tags[1]",
            "$states.input.empty.none", "$states.input.n", "$keys($states.input.customer)", "$states.input.items[0]",
            "$exists($states.input.customer.missing)", "$states.input.items.sku[0]", "$states.input.customer.tags",
            "$join($states.input.items.sku, ',') & '/' & $states.input.orderId",
        ]
        // Each alone, and all in one state (their union).
        let templates = try expressions.map { try JSONataTemplate.compile(.string("{% \($0) %}"), field: "Output") }
        let union = templates.reduce(JSONataProjection.nothing) { $0.union($1.inputReads) }
        #expect(!union.all)
        for (e, t) in zip(expressions, templates) {
            let whole = try? t.evaluate(JSONataScope(input: input, variables: [:], context: { [:] }))
            for reads in [t.inputReads, union] {
                #expect(reads.all == false || e.contains("$keys") || e.hasSuffix("items[0]"), "\(e)")
                let projected = try? t.evaluate(JSONataScope(input: input, reads: reads, variables: [:], context: { [:] }))
                #expect(projected == whole, "\(e) with \(reads)")
            }
        }
    }

    /// An expression reading more than the scope's `reads` (a gap in what the compiler
    /// gathered) still sees its values: the scope converts more.
    @Test func aScopeConvertsMoreWhenAnExpressionReadsMore() throws {
        let input = try JSON.parse(Self.input)
        let tier = try JSONataTemplate.compile(.string("{% $states.input.customer.tier %}"), field: "Output")
        let id = try JSONataTemplate.compile(.string("{% $states.input.orderId %}"), field: "Output")
        let scope = JSONataScope(input: input, reads: id.inputReads, variables: [:], context: { [:] })
        #expect(try id.evaluate(scope) == "o-1")
        #expect(try tier.evaluate(scope) == "gold")
        #expect(try id.evaluate(scope) == "o-1")
    }

    @Test func theProgramGathersEachStatesReads() throws {
        let p = try Compiler.compile(try JSON.parse(#"""
            {"QueryLanguage":"JSONata","StartAt":"A","States":{
              "A":{"Type":"Pass","Output":{"x":"{% $states.input.a %}"},"Assign":{"v":"{% $states.input.b.c %}"},"Next":"C"},
              "C":{"Type":"Choice","Choices":[{"Condition":"{% $states.input.d > 1 %}","Output":"{% $states.input.e %}","Next":"M"}],"Default":"M"},
              "M":{"Type":"Map","Items":"{% $states.input.list %}","ItemSelector":{"i":"{% $states.context.Map.Item.Value %}","f":"{% $states.input.f %}"},
                   "ItemProcessor":{"StartAt":"I","States":{"I":{"Type":"Pass","Output":"{% $states.input.g %}","End":true}}},"Next":"W"},
              "W":{"Type":"Pass","Output":"{% $states.input %}","End":true}}}
            """#)).get()
        let reads = Dictionary(uniqueKeysWithValues: p.headers.indices.map { (p.headers[$0].name, p.inputReads[$0].description) })
        #expect(reads == ["A": "{a:*,b:{c:*}}", "C": "{d:*,e:*}", "M": "{f:*,list:*}", "I": "{g:*}", "W": "*"])
    }
}
