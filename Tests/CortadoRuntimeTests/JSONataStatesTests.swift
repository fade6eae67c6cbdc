import CortadoASL
import CortadoJSON
import CortadoRuntime
import Synchronization
import Testing

/// JSONata states (`QueryLanguage`, Output, Condition, Items, ItemSelector, the `{% %}` fields)
/// and workflow variables (`Assign`) in executions. AWS's causes are quoted from the
/// conformance corpus (cases/evaluate_jsonata, cases/assign, cases/scenarios).
@Suite struct JSONataStatesTests {
    static let prefix = "An error occurred while executing the state 'S' (entered at the event id #2). "

    // MARK: - Pass and Output

    @Test func passOutputEvaluatesExpressionsNestedInObjectsAndArrays() throws {
        let r = try Harness.run("""
            {"QueryLanguage":"JSONata","StartAt":"S","States":{"S":{"Type":"Pass","Output":{
              "sum":"{% $states.input.a + $states.input.b %}",
              "list":[1,"{% $states.input.a %}",{"deep":"{% $uppercase($states.input.s) %}"},["{% $states.input.b * 10 %}"]],
              "lit":"plain","whole":"{% $states.input %}"},"End":true}}}
            """, input: #"{"a":1,"b":2,"s":"hi"}"#)
        #expect(r.status == .succeeded)
        #expect(r.output == [
            "sum": 3, "list": [1, 1, ["deep": "HI"], [20]], "lit": "plain",
            "whole": ["a": 1, "b": 2, "s": "hi"],
        ])
    }

    @Test func passOutputThatIsOneExpression() throws {
        let r = try Harness.run("""
            {"QueryLanguage":"JSONata","StartAt":"S","States":{"S":{"Type":"Pass","Output":"{% $states.input.xs[1] %}","End":true}}}
            """, input: #"{"xs":["a","b","c"]}"#)
        #expect(r.output == "b")
    }

    @Test func passWithoutOutputPassesItsInputThrough() throws {
        let r = try Harness.run("""
            {"QueryLanguage":"JSONata","StartAt":"S","States":{"S":{"Type":"Pass","Assign":{"v":1},"Next":"T"},
             "T":{"Type":"Pass","End":true}}}
            """, input: #"{"keep":[1,{"k":"v"}]}"#)
        #expect(r.status == .succeeded)
        #expect(r.output == ["keep": [1, ["k": "v"]]])
    }

    // MARK: - Choice

    static let choice = """
        {"QueryLanguage":"JSONata","StartAt":"C","States":{
         "C":{"Type":"Choice","Choices":[
            {"Condition":"{% $states.input.n > 5 %}","Output":{"big":"{% $states.input.n %}"},"Assign":{"r":"rule","s":"rule wins"},"Next":"Big"}],
          "Assign":{"s":"state","t":"{% $states.input.n %}"},"Default":"Small"},
         "Big":{"Type":"Pass","Output":{"in":"{% $states.input %}","r":"{% $r %}","s":"{% $s %}","t":"{% $exists($t) %}"},"End":true},
         "Small":{"Type":"Pass","Output":{"in":"{% $states.input %}","s":"{% $s %}","t":"{% $t %}","r":"{% $exists($r) %}"},"End":true}}}
        """

    @Test func choiceConditionMatchesWithRuleOutputAndAssign() throws {
        let r = try Harness.run(Self.choice, input: #"{"n":7}"#)
        #expect(r.status == .succeeded)
        // The rule's Output is the state's output; the rule's Assign replaces the state's (ASL spec).
        #expect(r.output == ["in": ["big": 7], "r": "rule", "s": "rule wins", "t": false])
    }

    @Test func choiceDefaultAppliesStateAssignAndPassesInput() throws {
        let r = try Harness.run(Self.choice, input: #"{"n":3}"#)
        #expect(r.status == .succeeded)
        #expect(r.output == ["in": ["n": 3], "s": "state", "t": 3, "r": false])
    }

    @Test func choiceConditionThatIsNotABooleanIsQueryEvaluationError() throws {
        let r = try Harness.run("""
            {"QueryLanguage":"JSONata","StartAt":"C","States":{"C":{"Type":"Choice","Choices":[
              {"Condition":"{% $states.input.n %}","Next":"D"}],"Default":"D"},"D":{"Type":"Succeed"}}}
            """, input: #"{"n":1}"#)
        #expect(r.status == .failed)
        #expect(r.errorName == "States.QueryEvaluationError")
        // (AWS's wording for this cause is not in the corpus: only the state prefix is checked.)
        #expect(r.error?.cause?.hasPrefix("An error occurred while executing the state 'C' (entered at the event id #2). ") == true)
    }

    // MARK: - Causes

    @Test func undefinedResultNamesTheNestedField() throws {
        let r = try Harness.run("""
            {"QueryLanguage":"JSONata","StartAt":"S","States":{"S":{"Type":"Pass","Output":{"result":"{% $nope %}"},"End":true}}}
            """)
        #expect(r.status == .failed)
        #expect(r.errorName == "States.QueryEvaluationError")
        #expect(r.error?.cause == Self.prefix
            + "The JSONata expression '$nope' specified for the field 'Output/result' returned nothing (undefined).")
    }

    @Test func undefinedResultDeeplyNestedNamesEveryKey() throws {
        let r = try Harness.run("""
            {"QueryLanguage":"JSONata","StartAt":"S","States":{"S":{"Type":"Pass","Output":{"a":{"ok":1,"b":{"c":"{% $nope %}"}}},"End":true}}}
            """)
        #expect(r.errorName == "States.QueryEvaluationError")
        #expect(r.error?.cause == Self.prefix
            + "The JSONata expression '$nope' specified for the field 'Output/a/b/c' returned nothing (undefined).")
    }

    @Test func undefinedResultInAssignNamesTheAssignField() throws {
        let r = try Harness.run("""
            {"QueryLanguage":"JSONata","StartAt":"S","States":{"S":{"Type":"Pass","Assign":{"result":"{% $nope %}"},"End":true}}}
            """)
        #expect(r.errorName == "States.QueryEvaluationError")
        #expect(r.error?.cause == Self.prefix
            + "The JSONata expression '$nope' specified for the field 'Assign/result' returned nothing (undefined).")
    }

    @Test func evaluationErrorWording() throws {
        let r = try Harness.run("""
            {"QueryLanguage":"JSONata","StartAt":"S","States":{"S":{"Type":"Pass","Output":"{% $states.input.s + 1 %}","End":true}}}
            """, input: #"{"s":"text"}"#)
        #expect(r.status == .failed)
        #expect(r.errorName == "States.QueryEvaluationError")
        let cause = r.error?.cause ?? ""
        #expect(cause.hasPrefix(Self.prefix
            + "The JSONata expression '$states.input.s + 1' specified for the field 'Output' threw an error during evaluation. T"))
        #expect(cause.contains("threw an error during evaluation"))
    }

    // MARK: - Map

    @Test func mapItemsThatAreNotAnArray() throws {
        let r = try Harness.run("""
            {"QueryLanguage":"JSONata","StartAt":"S","States":{"S":{"Type":"Map","Items":"{% 1 %}",
              "ItemProcessor":{"ProcessorConfig":{"Mode":"INLINE"},"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},"End":true}}}
            """)
        #expect(r.errorName == "States.QueryEvaluationError")
        #expect(r.error?.cause == Self.prefix
            + "The JSONata expression '1' specified for the field 'Items' returned an unexpected result type. Expected 'array', but was 'number' for value: 1")
    }

    @Test func mapInputThatIsNotAnArrayWithoutItems() throws {
        let r = try Harness.run("""
            {"QueryLanguage":"JSONata","StartAt":"Start","States":{
             "Start":{"Type":"Pass","Output":"{% $states.input.items %}","Next":"M"},
             "M":{"Type":"Map","ItemProcessor":{"ProcessorConfig":{"Mode":"INLINE"},"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},"End":true}}}
            """, input: #"{"items":1}"#)
        #expect(r.status == .failed)
        #expect(r.errorName == "States.QueryEvaluationError")
        #expect(r.error?.cause?.hasSuffix("Map state input must be an array but was: 1") == true)
        #expect(r.error?.cause?.hasPrefix("An error occurred while executing the state 'M' (entered at the event id #4).") == true)
    }

    @Test func mapWithoutItemsIteratesItsInputArray() throws {
        let r = try Harness.run("""
            {"QueryLanguage":"JSONata","StartAt":"M","States":{"M":{"Type":"Map",
              "ItemProcessor":{"ProcessorConfig":{"Mode":"INLINE"},"StartAt":"P","States":{"P":{"Type":"Pass","Output":"{% $states.input * 2 %}","End":true}}},"End":true}}}
            """, input: "[1,2,3]")
        #expect(r.output == [2, 4, 6])
    }

    @Test func mapItemSelectorReadsTheContextItem() throws {
        let r = try Harness.run("""
            {"QueryLanguage":"JSONata","StartAt":"M","States":{"M":{"Type":"Map","Items":"{% $states.input.xs %}",
              "ItemSelector":{"v":"{% $states.context.Map.Item.Value %}","i":"{% $states.context.Map.Item.Index %}","tag":"{% $states.input.tag %}"},
              "ItemProcessor":{"ProcessorConfig":{"Mode":"INLINE"},"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},"End":true}}}
            """, input: #"{"xs":["a","b"],"tag":"t"}"#)
        #expect(r.status == .succeeded)
        #expect(r.output == [["v": "a", "i": 0, "tag": "t"], ["v": "b", "i": 1, "tag": "t"]])
    }

    // MARK: - Wait and Fail

    @Test func waitSecondsExpression() throws {
        let r = try Harness.run("""
            {"QueryLanguage":"JSONata","StartAt":"W","States":{
             "W":{"Type":"Wait","Seconds":"{% 0 %}","Next":"V"},
             "V":{"Type":"Wait","Seconds":"{% $states.input.s %}","Output":{"waited":"{% $states.input.s %}"},"End":true}}}
            """, input: #"{"s":30}"#)
        #expect(r.status == .succeeded)
        #expect(r.output == ["waited": 30])
    }

    @Test func waitTimestampExpressionThatIsNoTimestamp() throws {
        let r = try Harness.run("""
            {"QueryLanguage":"JSONata","StartAt":"S","States":{"S":{"Type":"Wait","Timestamp":"{% $states.input.t %}","End":true}}}
            """, input: #"{"t":"2016-12-05T21:29:29"}"#)
        #expect(r.status == .failed)
        #expect(r.errorName == "States.QueryEvaluationError")
        #expect(r.error?.cause == Self.prefix
            + "The Timestamp field cannot be parsed as an ISO-8601 extended offset date-time format string: 2016-12-05T21:29:29")
    }

    @Test func waitTimestampExpressionThatIsValid() throws {
        let r = try Harness.run("""
            {"QueryLanguage":"JSONata","StartAt":"S","States":{"S":{"Type":"Wait","Timestamp":"{% $states.input.t %}","End":true}}}
            """, input: #"{"t":"2016-12-05T21:29:29Z"}"#)
        #expect(r.status == .succeeded)
        #expect(r.output == ["t": "2016-12-05T21:29:29Z"])
    }

    @Test func failErrorAndCauseExpressions() throws {
        let r = try Harness.run("""
            {"QueryLanguage":"JSONata","StartAt":"F","States":{"F":{"Type":"Fail",
              "Error":"{% 'Err.' & $states.input.code %}","Cause":"{% 'n=' & $string($states.input.n) %}"}}}
            """, input: #"{"code":"X","n":5}"#)
        #expect(r.status == .failed)
        #expect(r.errorName == "Err.X")
        #expect(r.error?.cause == "n=5")
    }

    // MARK: - Variables, JSONPath

    @Test func jsonPathAssignReadsTheResultAndLaterStatesReadTheVariable() throws {
        let r = try Harness.run("""
            {"StartAt":"A","States":{
             "A":{"Type":"Pass","Result":{"answer":42,"obj":{"k":"v"}},"Assign":{"x.$":"$.answer","o.$":"$.obj","lit":"L"},"Next":"B"},
             "B":{"Type":"Pass","InputPath":"$o","Parameters":{"p.$":"$x","f.$":"States.Format('{}', $x)","k.$":"$.k","lit.$":"$lit"},"Next":"C"},
             "C":{"Type":"Choice","Choices":[{"Variable":"$x","NumericEquals":42,"Next":"Yes"}],"Default":"No"},
             "Yes":{"Type":"Pass","End":true},
             "No":{"Type":"Fail","Error":"NotMatched"}}}
            """, input: #"{"answer":0}"#)
        #expect(r.status == .succeeded)
        #expect(r.output == ["p": 42, "f": "42", "k": "v", "lit": "L"])
    }

    @Test func jsonPathAssignIsNotVisibleToItsOwnState() throws {
        let r = try Harness.run("""
            {"StartAt":"Init","States":{
             "Init":{"Type":"Pass","Assign":{"x":1},"Next":"S"},
             "S":{"Type":"Pass","Parameters":{"seen.$":"$x"},"Assign":{"x":2,"prev.$":"$x","fromResult.$":"$.seen"},"OutputPath":"$x","Next":"T"},
             "T":{"Type":"Pass","Parameters":{"out.$":"$","x.$":"$x","prev.$":"$prev","fromResult.$":"$fromResult"},"End":true}}}
            """)
        #expect(r.status == .succeeded)
        // S's Parameters, Assign and OutputPath all read x == 1; T sees x == 2.
        #expect(r.output == ["out": 1, "x": 2, "prev": 1, "fromResult": 1])
    }

    static let jsonPathChoice = """
        {"StartAt":"C","States":{
         "C":{"Type":"Choice","Choices":[
            {"Variable":"$.n","NumericEquals":42,"Assign":{"status":"rule","onlyRule":true},"Next":"R"}],
          "Assign":{"status":"state","onlyState.$":"$.n"},"Default":"D"},
         "R":{"Type":"Pass","Parameters":{"status.$":"$status","onlyRule.$":"$onlyRule"},"End":true},
         "D":{"Type":"Pass","Parameters":{"status.$":"$status","onlyState.$":"$onlyState"},"End":true}}}
        """

    /// The ASL specification: a matched rule's Assign is evaluated and the state's is not.
    @Test func jsonPathChoiceMatchedRuleAssignReplacesTheStates() throws {
        let r = try Harness.run(Self.jsonPathChoice, input: #"{"n":42}"#)
        #expect(r.status == .succeeded)
        #expect(r.output == ["status": "rule", "onlyRule": true])
    }

    @Test func jsonPathChoiceStateAssignAppliesOnDefault() throws {
        let r = try Harness.run(Self.jsonPathChoice, input: #"{"n":1}"#)
        #expect(r.status == .succeeded)
        #expect(r.output == ["status": "state", "onlyState": 1])
    }

    @Test func jsonPathUndefinedVariableIsRuntimeError() throws {
        let def = """
            {"StartAt":"C","States":{
             "C":{"Type":"Choice","Choices":[{"Variable":"$.go","BooleanEquals":true,"Next":"Set"}],"Default":"Read"},
             "Set":{"Type":"Pass","Assign":{"x":1},"Next":"Read"},
             "Read":{"Type":"Pass","Parameters":{"x.$":"$x"},"End":true}}}
            """
        #expect(try Harness.run(def, input: #"{"go":true}"#).output == ["x": 1])
        let r = try Harness.run(def, input: #"{"go":false}"#)
        #expect(r.status == .failed)
        #expect(r.errorName == "States.Runtime")
    }

    // MARK: - Variables, JSONata

    @Test func jsonataAssignSeesOldValuesAndLaterStatesSeeNewOnes() throws {
        let r = try Harness.run("""
            {"QueryLanguage":"JSONata","StartAt":"A","States":{
             "A":{"Type":"Pass","Assign":{"a":1},"Next":"B"},
             "B":{"Type":"Pass","Assign":{"a":"{% $a + 1 %}","b":"{% $a %}"},"Output":{"aSeen":"{% $a %}"},"Next":"C"},
             "C":{"Type":"Pass","Output":{"a":"{% $a %}","b":"{% $b %}","prev":"{% $states.input %}"},"End":true}}}
            """)
        #expect(r.status == .succeeded)
        #expect(r.output == ["a": 2, "b": 1, "prev": ["aSeen": 1]])
    }

    @Test func jsonataAssignReadsStateInputAndNestedValues() throws {
        let r = try Harness.run("""
            {"QueryLanguage":"JSONata","StartAt":"A","States":{
             "A":{"Type":"Pass","Assign":{"cfg":{"name":"{% $states.input.name %}","tags":["t","{% $states.input.n %}"]}},"Next":"B"},
             "B":{"Type":"Pass","Output":"{% $cfg %}","End":true}}}
            """, input: #"{"name":"nm","n":3}"#)
        #expect(r.output == ["name": "nm", "tags": ["t", 3]])
    }

    // MARK: - Scopes

    @Test func parallelBranchesReadOuterVariablesAndTheirAssignsStayInside() throws {
        let r = try Harness.run("""
            {"StartAt":"Init","States":{
             "Init":{"Type":"Pass","Assign":{"x":42},"Next":"Par"},
             "Par":{"Type":"Parallel","Branches":[
               {"StartAt":"B1","States":{"B1":{"Type":"Pass","Parameters":{"x.$":"$x"},"End":true}}},
               {"StartAt":"B2","States":{"B2":{"Type":"Pass","Assign":{"x":7,"inner":true},"Next":"B3"},
                                        "B3":{"Type":"Pass","Parameters":{"x.$":"$x","inner.$":"$inner"},"End":true}}}],
              "Next":"After"},
             "After":{"Type":"Pass","QueryLanguage":"JSONata","Output":{"x":"{% $x %}","inner":"{% $exists($inner) %}","branches":"{% $states.input %}"},"End":true}}}
            """)
        #expect(r.status == .succeeded)
        #expect(r.output == ["x": 42, "inner": false, "branches": [["x": 42], ["x": 7, "inner": true]]])
    }

    @Test func mapIterationsReadOuterVariables() throws {
        let r = try Harness.run("""
            {"StartAt":"Init","States":{
             "Init":{"Type":"Pass","Assign":{"m":10},"Next":"M"},
             "M":{"Type":"Map","ItemsPath":"$.xs","ItemProcessor":{"ProcessorConfig":{"Mode":"INLINE"},"StartAt":"P",
               "States":{"P":{"Type":"Pass","Parameters":{"v.$":"$","m.$":"$m"},"Assign":{"m":0},"End":true}}},"Next":"After"},
             "After":{"Type":"Pass","Parameters":{"items.$":"$","m.$":"$m"},"End":true}}}
            """, input: #"{"xs":[1,2]}"#)
        #expect(r.status == .succeeded)
        // Each iteration reads the outer m; what one assigns is seen neither by the next nor after the Map.
        #expect(r.output == ["items": [["v": 1, "m": 10], ["v": 2, "m": 10]], "m": 10])
    }

    @Test func catchOnParallelAssignsInTheOuterScope() throws {
        let r = try Harness.run("""
            {"StartAt":"Par","States":{
             "Par":{"Type":"Parallel","Branches":[{"StartAt":"F","States":{"F":{"Type":"Fail","Error":"Boom","Cause":"bad"}}}],
              "Catch":[{"ErrorEquals":["States.ALL"],"Assign":{"caught.$":"$.Error","why.$":"$.Cause"},"ResultPath":"$.err","Next":"After"}],
              "Next":"After"},
             "After":{"Type":"Pass","Parameters":{"caught.$":"$caught","why.$":"$why","err.$":"$.err","in.$":"$.in"},"End":true}}}
            """, input: #"{"in":1}"#)
        #expect(r.status == .succeeded)
        #expect(r.output == ["caught": "Boom", "why": "bad", "err": ["Error": "Boom", "Cause": "bad"], "in": 1])
    }

    // MARK: - Catch in JSONata

    static func jsonataCatch(_ catcherExtras: String) -> String {
        """
        {"QueryLanguage":"JSONata","StartAt":"Par","States":{
         "Par":{"Type":"Parallel","Branches":[{"StartAt":"F","States":{"F":{"Type":"Fail","Error":"Boom","Cause":"bad"}}}],
          "Catch":[{"ErrorEquals":["States.ALL"]\(catcherExtras),"Next":"After"}],"Next":"After"},
         "After":{"Type":"Pass","End":true}}}
        """
    }

    @Test func jsonataCatchOutputDefaultsToTheErrorOutput() throws {
        let r = try Harness.run(Self.jsonataCatch(""), input: #"{"in":1}"#)
        #expect(r.status == .succeeded)
        #expect(r.output == ["Error": "Boom", "Cause": "bad"])
    }

    @Test func jsonataCatchOutputAndAssignReadTheErrorOutput() throws {
        let def = """
            {"QueryLanguage":"JSONata","StartAt":"Par","States":{
             "Par":{"Type":"Parallel","Branches":[{"StartAt":"F","States":{"F":{"Type":"Fail","Error":"Boom","Cause":"bad"}}}],
              "Catch":[{"ErrorEquals":["States.ALL"],
                "Output":{"err":"{% $states.errorOutput.Error %}","in":"{% $states.input %}"},
                "Assign":{"why":"{% $states.errorOutput.Cause %}"},"Next":"After"}],"Next":"After"},
             "After":{"Type":"Pass","Output":{"out":"{% $states.input %}","why":"{% $why %}"},"End":true}}}
            """
        let r = try Harness.run(def, input: #"{"in":1}"#)
        #expect(r.status == .succeeded)
        #expect(r.output == ["out": ["err": "Boom", "in": ["in": 1]], "why": "bad"])
    }

    // MARK: - QueryLanguage per state

    @Test func jsonPathMachineWithOneJSONataState() throws {
        let r = try Harness.run("""
            {"StartAt":"A","States":{
             "A":{"Type":"Pass","Assign":{"v.$":"$.a"},"Next":"J"},
             "J":{"Type":"Pass","QueryLanguage":"JSONata","Output":{"doubled":"{% $states.input.a * 2 %}","v":"{% $v %}"},"Next":"B"},
             "B":{"Type":"Pass","Parameters":{"d.$":"$.doubled","v.$":"$v"},"End":true}}}
            """, input: #"{"a":3}"#)
        #expect(r.status == .succeeded)
        #expect(r.output == ["d": 6, "v": 3])
    }

    // MARK: - History

    /// AWS records an EvaluationFailed event {error, cause, location, state} before the
    /// execution fails, and no StateExited (LocalStack's snapshot of AWS,
    /// test_assign_reference_variables `test_undefined_reference[BASE_UNDEFINED_ASSIGN]`).
    @Test func failedExpressionIsAnEvaluationFailedEvent() throws {
        let program = try Harness.program("""
            {"QueryLanguage":"JSONata","StartAt":"S","States":{"S":{"Type":"Pass","Assign":{"result":"{% $doesNotExist %}"},"End":true}}}
            """)
        let events = Mutex<[HistoryEvent]>([])
        var o = ExecutionOptions(executionName: "e", stateMachineName: "sm", clock: .virtual, backend: HandlerRegistry())
        o.eventSink = { e in events.withLock { $0.append(e) } }
        let r = Execution(program: program, input: .object(JSONObject()), options: o).runToCompletion()
        #expect(r.status == .failed)
        let all = events.withLock { $0 }
        #expect(all.map(\.type) == [.executionStarted, .passStateEntered, .evaluationFailed, .executionFailed])
        let d = all.first { $0.type == .evaluationFailed }?.details
        #expect(d?.error == "States.QueryEvaluationError")
        #expect(d?.location == "Assign/result")
        #expect(d?.name == "S")
        #expect(d?.cause == Self.prefix + "The JSONata expression '$doesNotExist' specified for the field 'Assign/result' returned nothing (undefined).")
    }
}
