import CortadoASL
import CortadoJSON
import CortadoPath
import CortadoRuntime
import Testing

@Suite struct NoParsingAtRunTimeTests {
    /// Every path feature on the hot path: InputPath, templates with paths, $$ paths and
    /// intrinsics, Choice variables and *Path operands, ResultSelector, ResultPath,
    /// OutputPath, Map ItemsPath/ItemSelector, Parallel, Wait SecondsPath, Fail paths.
    static let definition = """
        {"StartAt":"N","States":{
          "N":{"Type":"Pass","InputPath":"$.order","Parameters":{"id.$":"$.id","n.$":"States.ArrayLength($.items)",
               "g.$":"States.Format('hi {}', $.id)","sm.$":"$$.StateMachine.Name"},"ResultPath":"$.norm","Next":"C"},
          "C":{"Type":"Choice","Choices":[{"And":[{"Variable":"$.norm.n","NumericGreaterThanPath":"$.limit"},
               {"Variable":"$.norm.id","StringMatches":"o-*"}],"Next":"M"}],"Default":"W"},
          "W":{"Type":"Wait","SecondsPath":"$.limit","Next":"M"},
          "M":{"Type":"Map","ItemsPath":"$.order.items","ItemSelector":{"i.$":"$$.Map.Item.Index","v.$":"$$.Map.Item.Value"},
               "ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Parallel","Branches":[
                 {"StartAt":"A","States":{"A":{"Type":"Pass","OutputPath":"$.v","End":true}}},
                 {"StartAt":"B","States":{"B":{"Type":"Pass","Result":{"k":1},"ResultSelector":{"k.$":"$.k"},"End":true}}}],
               "End":true}}},
               "ResultPath":"$.mapped","Next":"F"},
          "F":{"Type":"Choice","Choices":[{"Variable":"$.fail","IsPresent":true,"Next":"X"}],"Default":"D"},
          "X":{"Type":"Fail","ErrorPath":"$.fail","CausePath":"States.Format('cause {}', $.fail)"},
          "D":{"Type":"Succeed","OutputPath":"$.mapped"}}}
        """

    @Test func thousandExecutionsParseNoPath() throws {
        let counter = ParseCounter()
        let program = try ParseCounter.$current.withValue(counter) { try Harness.program(Self.definition) }
        let parsedAtCompile = counter.value
        #expect(parsedAtCompile > 10, "the counter must see compile-time parses")

        let inputs: [JSON] = [
            try JSON.parse(#"{"order":{"id":"o-1","items":[1,2,3]},"limit":1}"#),
            try JSON.parse(#"{"order":{"id":"x-2","items":[4]},"limit":2,"fail":"Boom"}"#),
        ]
        let (succeeded, failed) = Self.runThousand(program, inputs, counter)
        #expect(succeeded == 500)
        #expect(failed == 500)
        #expect(counter.value == parsedAtCompile, "executions parsed \(counter.value - parsedAtCompile) paths")
    }

    /// JSONata fields (Output, Condition, Assign, Items, ItemSelector, Wait Seconds, Fail
    /// Error) in a JSONPath machine, and JSONPath variables: every expression is parsed when the definition compiles.
    static let jsonataDefinition = """
        {"StartAt":"N","States":{
          "N":{"Type":"Pass","QueryLanguage":"JSONata","Output":{"id":"{% $states.input.id %}","n":"{% $count($states.input.items) %}"},
               "Assign":{"seen":"{% $states.input.id %}"},"Next":"C"},
          "C":{"Type":"Choice","QueryLanguage":"JSONata","Choices":[{"Condition":"{% $states.input.n > 1 %}","Assign":{"big":true},"Next":"W"}],"Default":"X"},
          "W":{"Type":"Wait","QueryLanguage":"JSONata","Seconds":"{% 0 %}","Next":"M"},
          "M":{"Type":"Map","QueryLanguage":"JSONata","Items":"{% [1, 2] %}","ItemSelector":{"v":"{% $states.context.Map.Item.Value %}","s":"{% $seen %}"},
               "ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},"Next":"J"},
          "J":{"Type":"Pass","Parameters":{"seen.$":"$seen","f.$":"States.Format('{}', $big)"},"End":true},
          "X":{"Type":"Fail","QueryLanguage":"JSONata","Error":"{% 'Small' %}","Cause":"{% $seen %}"}}}
        """

    @Test func jsonataExecutionsParseNoExpression() throws {
        let counter = ParseCounter()
        let program = try ParseCounter.$current.withValue(counter) { try Harness.program(Self.jsonataDefinition) }
        let parsedAtCompile = counter.value
        #expect(parsedAtCompile >= 11, "the counter must see the JSONata parses")
        let inputs: [JSON] = [
            try JSON.parse(#"{"id":"o-1","items":[1,2,3]}"#),
            try JSON.parse(#"{"id":"o-2","items":[4]}"#),
        ]
        let (succeeded, failed) = Self.runThousand(program, inputs, counter)
        #expect(succeeded == 500)
        #expect(failed == 500)
        #expect(counter.value == parsedAtCompile, "executions parsed \(counter.value - parsedAtCompile) expressions")
    }

    /// 1,000 executions alternating between the inputs, counting parses: (succeeded, failed).
    static func runThousand(_ program: Program, _ inputs: [JSON], _ counter: ParseCounter) -> (Int, Int) {
        var succeeded = 0, failed = 0
        ParseCounter.$current.withValue(counter) {
            for i in 0..<1000 {
                let r = Harness.run(program, input: inputs[i % 2])
                if r.status == .succeeded { succeeded += 1 } else { failed += 1 }
            }
        }
        return (succeeded, failed)
    }
}
