@testable import CortadoASL
import CortadoJSON
import CortadoPath
import Testing

@Suite struct JSONataFieldTests {
    func scope(_ input: String = "{}", variables: [String: JSON] = [:], context: JSON = ["Execution": ["Name": "run-1"]]) throws -> JSONataScope {
        JSONataScope(input: try JSON.parse(input), variables: variables, context: { context })
    }

    @Test func subtreesWithoutExpressionsStayLiteral() throws {
        let t = try JSONataTemplate.compile(try JSON.parse(#"{"a":{"b":[1,"x"]},"c":"{% 1 + 1 %}"}"#), field: "Output")
        guard case .object(let members) = t else { Issue.record("expected an object template"); return }
        guard case .literal(let a) = members[0].value else { Issue.record("a should be literal"); return }
        #expect(a == ["b": [1, "x"]])
        #expect(try t.evaluate(scope()) == ["a": ["b": [1, "x"]], "c": 2])
    }

    @Test func nestedFieldNamesInCauses() throws {
        let t = try JSONataTemplate.compile(try JSON.parse(#"{"result":{"deep":["{% $nope %}"]}}"#), field: "Output")
        #expect(throws: ASLError(.queryEvaluationError,
            "The JSONata expression '$nope' specified for the field 'Output/result/deep/0' returned nothing (undefined).")) {
            try t.evaluate(try scope())
        }
    }

    @Test func expressionTextIsTrimmedInCauses() throws {
        let t = try JSONataTemplate.compile(.string("{%   $nope  %}"), field: "Arguments")
        #expect(throws: ASLError(.queryEvaluationError,
            "The JSONata expression '$nope' specified for the field 'Arguments' returned nothing (undefined).")) {
            try t.evaluate(try scope())
        }
    }

    @Test func evaluationErrorsNameTheirCode() throws {
        let t = try JSONataTemplate.compile(.string("{% 1 + 'a' %}"), field: "Output")
        let s = try scope()
        do throws(ASLError) {
            _ = try t.evaluate(s)
            Issue.record("expected an error")
        } catch {
            #expect(error.name == .queryEvaluationError)
            #expect(error.cause?.hasPrefix("The JSONata expression '1 + 'a'' specified for the field 'Output' threw an error during evaluation. T2002: The right side of the + operator must evaluate to a number") == true)
        }
    }

    @Test func functionResultIsUnsupported() throws {
        let t = try JSONataTemplate.compile(.string("{% function($x){$x} %}"), field: "Items")
        #expect(throws: ASLError(.queryEvaluationError,
            "The JSONata expression 'function($x){$x}' specified for the field 'Items' returned an unsupported result type.")) {
            try t.evaluate(try scope())
        }
    }

    @Test func expectedTypeMismatchQuotesTheValue() throws {
        let t = try JSONataTemplate.compile(.string("{% {'foo': 'bar'} %}"), field: "Items")
        #expect(throws: ASLError(.queryEvaluationError,
            #"The JSONata expression '{'foo': 'bar'}' specified for the field 'Items' returned an unexpected result type. Expected 'array', but was 'object' for value: {"foo":"bar"}"#)) {
            try t.evaluate(try scope(), expecting: "array")
        }
    }

    @Test func integerFieldsRejectFractions() throws {
        let ok = try JSONataTemplate.compile(.string("{% 2 + 1 %}"), field: "Seconds")
        #expect(try ok.evaluateInteger(try scope()) == 3)
        let bad = try JSONataTemplate.compile(.string("{% 1.5 %}"), field: "Seconds")
        #expect(throws: ASLError.self) { try bad.evaluateInteger(try scope()) }
    }

    @Test func statesAndVariablesAreBound() throws {
        let t = try JSONataTemplate.compile(
            try JSON.parse(#"{"in":"{% $states.input.a %}","v":"{% $v %}","name":"{% $states.context.Execution.Name %}"}"#),
            field: "Output")
        #expect(try t.evaluate(try scope(#"{"a":5}"#, variables: ["v": "x"])) == ["in": 5, "v": "x", "name": "run-1"])
    }

    /// A bug: `{% $states %}` read no `context` because the text does not say "context".
    @Test func wholeStatesIncludesTheContext() throws {
        let t = try JSONataTemplate.compile(.string("{% $states %}"), field: "Output")
        #expect(try t.evaluate(try scope(#"{"a":1}"#)) == ["input": ["a": 1], "context": ["Execution": ["Name": "run-1"]]])
        #expect(JSONataTemplate.readsContext("$states"))
        #expect(JSONataTemplate.readsContext("$states.input.a & $states.context.State.Name"))
        #expect(!JSONataTemplate.readsContext("$states.input.a & $states.result.b"))
    }

    @Test func syntaxErrorsAreCompileErrors() {
        #expect(throws: PathSyntaxError.self) { try JSONataTemplate.compile(.string("{% 1 + %}"), field: "Output") }
    }
}
