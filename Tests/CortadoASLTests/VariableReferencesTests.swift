import CortadoASL
import CortadoJSON
import Testing

/// DescribeStateMachine's `variableReferences`; the expected maps of the first tests are
/// AWS's, recorded for these definitions.
@Suite struct VariableReferencesTests {
    static func refs(_ text: String) throws -> [String: [String]] { VariableReferences.of(try JSON.parse(Array(text.utf8))) }

    @Test func statesInsideMapsAreListedByTheirOwnNames() throws {
        let r = try Self.refs(#"""
        {"StartAt":"Input","States":{"Input":{"Type":"Pass","Result":[[9,44,6]],"Assign":{"bias":4.3},"Next":"IterateLevels"},
         "IterateLevels":{"Type":"Map","ItemProcessor":{"ProcessorConfig":{"Mode":"INLINE"},"StartAt":"AssignCurrentVector","States":{
           "AssignCurrentVector":{"Type":"Pass","Assign":{"xCurrent.$":"$[0]","yCurrent.$":"$[1]","zCurrent.$":"$[2]"},"Next":"Calculate"},
           "Calculate":{"Type":"Map","ItemProcessor":{"ProcessorConfig":{"Mode":"INLINE"},"StartAt":"Summate","States":{
             "Summate":{"Type":"Pass","Assign":{"Sum.$":"States.MathAdd(States.MathAdd(States.MathAdd($yCurrent, $xCurrent), $zCurrent), $bias)"},"End":true}}},"End":true}}},"End":true}}}
        """#)
        #expect(r == ["Summate": ["bias", "xCurrent", "yCurrent", "zCurrent"]])
    }

    @Test func pathFieldsOfEveryKindCount() throws {
        #expect(try Self.refs(#"{"StartAt":"A","States":{"A":{"Type":"Pass","InputPath":"$answer","ResultPath":"$.theAnswer","OutputPath":"$answer","Assign":{"answer":"x"},"End":true}}}"#)
                == ["A": ["answer"]])
        #expect(try Self.refs(#"{"StartAt":"F","States":{"F":{"Type":"Fail","CausePath":"$causeVar","ErrorPath":"$errorVar"}}}"#)
                == ["F": ["causeVar", "errorVar"]])
        #expect(try Self.refs(#"{"StartAt":"W","States":{"W":{"Type":"Wait","SecondsPath":"$waitTime","End":true}}}"#) == ["W": ["waitTime"]])
        #expect(try Self.refs(#"""
            {"StartAt":"M","States":{"M":{"Type":"Map","ItemReader":{"ReaderConfig":{"InputType":"JSON","MaxItemsPath":"$maxItems"},
             "Resource":"arn:aws:states:::s3:getObject","Parameters":{"Bucket.$":"$.Bucket","Key.$":"$.Key"}},
             "ToleratedFailureCountPath":"$count","ItemsPath":"$list",
             "ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},"End":true}}}
            """#) == ["M": ["count", "list", "maxItems"]])
    }

    /// A string under a key without `.$` is text, even when it looks like a variable or its
    /// key ends in `Path`.
    @Test func templateTextIsNotAReference() throws {
        #expect(try Self.refs(#"""
            {"StartAt":"M","States":{"M":{"Type":"Map","ItemsPath":"$.Values",
             "ItemSelector":{"value.$":"$$.Map.Item.Value","bucketName":"$bucket","FilePath":"$file"},
             "ItemProcessor":{"ProcessorConfig":{"Mode":"INLINE"},"StartAt":"P","States":{"P":{"Type":"Pass","Parameters":{"result":"$result"},"End":true}}},"End":true}}}
            """#).isEmpty)
        #expect(try Self.refs(#"{"StartAt":"P","States":{"P":{"Type":"Pass","Parameters":{"f.$":"States.Format('$x {}', $name)"},"End":true}}}"#)
                == ["P": ["name"]])
    }

    @Test func jsonataExpressionsCountWhatTheyReadAndDoNotBind() throws {
        #expect(try Self.refs(#"{"QueryLanguage":"JSONata","StartAt":"C","States":{"C":{"Type":"Choice","Choices":[{"Condition":"{% $states.input.done %}","Next":"D"}],"Default":"D"},"D":{"Type":"Succeed"}}}"#)
                .isEmpty)
        let r = try Self.refs(#"""
            {"QueryLanguage":"JSONata","StartAt":"P","States":{"P":{"Type":"Pass",
             "Output":"{% ($y := $x + 1; $map($items, function($v) { $v * $y * $factor })) %}",
             "Assign":{"total":"{% $string($subtotal) %}","plain":"$literal"},"End":true}}}
            """#)
        #expect(r == ["P": ["factor", "items", "subtotal", "x"]])
    }
}
