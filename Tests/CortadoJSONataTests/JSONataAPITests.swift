import CortadoJSON
@testable import CortadoJSONata
import Testing

@Suite struct JSONataAPITests {
    @Test func preparedValuesGiveTheSameResultsAndStayUnchanged() throws {
        let doc = try JSON.parse(#"{"items":[{"name":"a","price":5},{"name":"b","price":15}],"tags":["x"]}"#)
        let prepared = JSONataValue(doc)
        for src in ["items[price > 10].name", "tags[]", "items.name[]", "$ ~> |items|{'price': 0}|", "$.tags", "items^(>price).name"] {
            let e = try JSONataExpression(src)
            #expect(try e.evaluate(prepared, bindings: [:]) == (try e.evaluate(doc)), "\(src)")
        }
        // the prepared document is not modified by evaluation (transform clones)
        let again = try JSONataExpression("$").evaluate(prepared, bindings: [:])
        #expect(again == doc)
        let v = try JSONataExpression("$states.input.tags[0]").evaluate(nil, bindings: ["states": JSONataValue(["input": doc])])
        #expect(v == "x")
    }

    @Test func evalCommandRendersTheContract() {
        #expect(JSONataEvalCommand.run(exprSource: "1 + 1", input: nil) == #"{"value":2}"#)
        #expect(JSONataEvalCommand.run(exprSource: "nothing", input: .object(JSONObject())) == #"{"undefined":true}"#)
        let err = JSONataEvalCommand.run(exprSource: "1 + 'a'", input: nil)
        #expect(err.hasPrefix(#"{"error":{"code":"T2002""#))
        #expect(JSONataEvalCommand.run(exprSource: "$x * 2", input: nil, bindings: ["x": 21]) == #"{"value":42}"#)
        #expect(JSONataEvalCommand.run(exprSource: "[1, 2.5, 1e21, 0.1 + 0.2]", input: nil) == #"{"value":[1,2.5,1e+21,0.30000000000000004]}"#)
    }

    @Test func errorsCarryPositionsAndMessages() {
        let doc = try! JSON.parse(#"{"a":{"b":1}}"#)
        do throws(JSONataError) {
            _ = try JSONataExpression("a.b + 'x'").evaluate(doc)
            Issue.record("expected an error")
        } catch {
            #expect(error.code == "T2002")
            #expect(error.position != nil)
            #expect(!error.message.isEmpty)
        }
    }

    @Test func deepRecursionOnASmallStackEndsInU1001() {
        // default options on the test thread: the stack guard, not the depth limit, must stop this
        let deep = JSONataOptions(maxDepth: 1_000_000)
        #expect(errorCode("($f := function($n) { $n = 0 ? 0 : 1 + $f($n - 1) }; $f(1000000))", options: deep) == "U1001")
    }
}
