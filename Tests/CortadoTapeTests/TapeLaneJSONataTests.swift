import CortadoASL
import CortadoJSON
import CortadoJSONata
import CortadoPath
import CortadoRuntime
@testable import CortadoTape
import CortadoTestSupport
import Foundation
import Testing

/// JSONata states on the tape lane: every line the lane keeps must give the general
/// engine's bytes (the evaluator in CortadoJSONata), and every line where the evaluator's
/// rules need more than the lane knows must be handed back.
@Suite struct TapeLaneJSONataTests {
    /// The bench's pass-choice.jsonata workload.
    static let passChoice = """
        {"QueryLanguage":"JSONata","StartAt":"Normalize","States":{
          "Normalize":{"Type":"Pass","Output":{"orderId":"{% $states.input.orderId %}","customerId":"{% $states.input.customer.id %}",
            "tier":"{% $states.input.customer.tier %}","total":"{% $states.input.total %}","itemCount":"{% $count($states.input.items) %}",
            "greeting":"{% 'Hello ' & $states.input.customer.name & ', your order ' & $states.input.orderId & ' is in' %}",
            "express":"{% $states.input.express %}"},"Next":"Route"},
          "Route":{"Type":"Choice","Choices":[
            {"Condition":"{% $states.input.tier = 'platinum' and $states.input.total > 500 %}","Next":"Priority"},
            {"Condition":"{% $states.input.express = true %}","Next":"Priority"},
            {"Condition":"{% $states.input.itemCount >= 4 %}","Next":"Bulk"}],"Default":"Standard"},
          "Priority":{"Type":"Pass","Output":"{% $merge([$states.input, {'routing': {'lane': 'priority', 'sla': 1}}]) %}","Next":"Done"},
          "Bulk":{"Type":"Pass","Output":"{% $merge([$states.input, {'routing': {'lane': 'bulk', 'sla': 3}}]) %}","Next":"Done"},
          "Standard":{"Type":"Pass","Output":"{% $merge([$states.input, {'routing': {'lane': 'standard', 'sla': 2.50}}]) %}","Next":"Done"},
          "Done":{"Type":"Succeed"}}}
        """

    @Test func passChoiceGivesTheEvaluatorsBytes() throws {
        let p = try Lane.program(Self.passChoice)
        let lane = try Lane.lane(p)
        let event = TapeLaneTests.event.replacingOccurrences(of: "829.0", with: "829")
        #expect(Lane.run(lane, event) ==
            #"{"orderId":"o-1","customerId":"c-9","tier":"platinum","total":829,"itemCount":2,"greeting":"Hello Søren Núñez, your order o-1 is in","express":false,"routing":{"lane":"priority","sla":1}}"#)
        #expect(Lane.agree(p, lane, event))
        // 829.0 prints as 829 in JSONata: the lane does not print it, the evaluator does, on the lane.
        #expect(Lane.outcome(lane, TapeLaneTests.event) != nil)
        #expect(Lane.agree(p, lane, TapeLaneTests.event))
        var rng = SplitMix64(seed: 7)
        var kept = 0
        for _ in 0..<600 where Lane.agree(p, lane, TapeLaneTests.randomLine(&rng)) { kept += 1 }
        #expect(kept > 100, "the lane kept only \(kept) of 600 lines")
    }

    /// Each rule of the evaluator the lane follows, or hands over for.
    @Test func linesTheLaneHandsBack() throws {
        func output(_ expression: String) throws -> (Program, TapeLane) {
            let p = try Lane.program(#"{"QueryLanguage":"JSONata","StartAt":"P","States":{"P":{"Type":"Pass","Output":{"v":"{% \#(expression) %}"},"End":true}}}"#)
            return (p, try Lane.lane(p))
        }
        let (path, pathLane) = try output("$states.input.a.b")
        let failingLane = try Lane.lane(path, handlesFailures: true)
        // Numbers that print as their literal are kept; others are the evaluator's to print.
        // An array a path through objects ends on is the evaluator's value as it is.
        for kept in [#"{"a":{"b":12.5}}"#, #"{"a":{"b":-3}}"#, #"{"a":{"b":{"c":[1,0.25]}}}"#, #"{"a":{"b":"s"}}"#, #"{"a":{"b":null}}"#,
                     #"{"a":{"b":[1]}}"#, #"{"a":{"b":[[1],[]]}}"#, #"{"a":{"b":[]}}"#] {
            #expect(Lane.agree(path, pathLane, kept), "\(kept)")
            #expect(Lane.run(pathLane, kept) != nil, "\(kept)")
        }
        // What the lane does not decide itself (numbers it would print otherwise, a path onto
        // an array, undefined) the evaluator decides, on the lane: its value, or its error.
        for decided in [#"{"a":{"b":2.50}}"#, #"{"a":{"b":1e3}}"#, #"{"a":{"b":-0}}"#, #"{"a":{"b":{"c":[1.0]}}}"#,
                        #"{"a":[{"b":1}]}"#, #"{"a":{}}"#, #"{"a":3}"#] {
            #expect(Lane.outcome(failingLane, decided) != nil, "\(decided)")
            #expect(Lane.agree(path, failingLane, decided), "\(decided)")
        }
        guard case .failure(let undefined)? = Lane.outcome(failingLane, #"{"a":{}}"#) else { Issue.record("undefined kept"); return }
        #expect(undefined.name == .queryEvaluationError && undefined.cause?.hasSuffix("returned nothing (undefined).") == true)
        // `&` joins strings; undefined is ""; a number is $string's business.
        let (concat, concatLane) = try output("$states.input.x & '-' & $states.input.y")
        #expect(Lane.run(concatLane, #"{"x":"a","y":"b"}"#) == #"{"v":"a-b"}"#)
        #expect(Lane.agree(concat, concatLane, #"{"x":"a"}"#))
        #expect(Lane.run(concatLane, #"{"x":1,"y":"b"}"#) == #"{"v":"1-b"}"#)  // (the evaluator's)
        #expect(Lane.agree(concat, concatLane, #"{"x":1,"y":"b"}"#))
        // Comparisons: undefined equals nothing; mixed types are unequal; ordering strings is handed over.
        let (eq, eqLane) = try output("$states.input.x = 'a' or $states.input.y != 2")
        for line in [#"{"x":"a"}"#, #"{"x":"b","y":2}"#, #"{"x":1,"y":"2"}"#, #"{}"#, #"{"x":null,"y":null}"#] {
            #expect(Lane.agree(eq, eqLane, line), "\(line)")
        }
        // (A path's number is checked as if printed, even where it is only compared: handed over.)
        // (the evaluator decides those)
        #expect(Lane.agree(eq, eqLane, #"{"y":2.0}"#) && Lane.run(eqLane, #"{"y":2.0}"#) == #"{"v":false}"#)
        #expect(Lane.agree(eq, eqLane, #"{"x":"é"}"#))
        let (order, orderLane) = try output("$states.input.x > 2 and $states.input.x <= 5")
        for line in [#"{"x":3}"#, #"{"x":2}"#, #"{"x":5.5}"#] { #expect(Lane.agree(order, orderLane, line), "\(line)") }
        #expect(Lane.run(orderLane, #"{"x":"3"}"#) == nil)
        // $merge: objects only, later members win in the earlier one's place.
        let (merge, mergeLane) = try output("$merge([$states.input.a, $states.input.b, {'k': 'v'}])")
        #expect(Lane.run(mergeLane, #"{"a":{"k":1,"x":2},"b":{"x":3,"y":4}}"#) == #"{"v":{"k":"v","x":3,"y":4}}"#)
        #expect(Lane.agree(merge, mergeLane, #"{"a":{"k":1,"x":2},"b":{"x":3,"y":4}}"#))
        // (an array among them, or one undefined: the evaluator's $merge, on the lane)
        for line in [#"{"a":{"k":1},"b":[{"x":3}]}"#, #"{"a":{"k":1}}"#] {
            #expect(Lane.outcome(mergeLane, line) != nil && Lane.agree(merge, mergeLane, line), "\(line)")
        }
        // A Condition that gives no boolean is the evaluator's error.
        let cond = try Lane.program(#"{"QueryLanguage":"JSONata","StartAt":"C","States":{"C":{"Type":"Choice","Choices":[{"Condition":"{% $states.input.flag %}","Next":"D"}],"Default":"D"},"D":{"Type":"Succeed"}}}"#)
        let condLane = try Lane.lane(cond)
        #expect(Lane.agree(cond, condLane, #"{"flag":true}"#))
        #expect(Lane.run(condLane, #"{"flag":"yes"}"#) == nil)
        // On a lane that takes failures: a Condition that gives no boolean, or nothing, fails
        // the line with the interpreter's QueryEvaluationError; one the lane cannot decide
        // itself (an array on the path) the evaluator decides.
        let condFailing = try Lane.lane(cond, handlesFailures: true)
        for line in [#"{"flag":"yes"}"#, #"{}"#, #"{"flag":[true]}"#, #"{"flag":false}"#] {
            #expect(Lane.outcome(condFailing, line, cond) != nil, "\(line)")
            #expect(Lane.agree(cond, condFailing, line), "\(line)")
        }
        guard case .failure(let notBoolean)? = Lane.outcome(condFailing, #"{"flag":"yes"}"#, cond) else { Issue.record("kept"); return }
        #expect(notBoolean.name == .queryEvaluationError && notBoolean.cause?.contains("Expected 'boolean'") == true, "\(notBoolean)")
        #expect(Lane.run(condLane, #"{}"#) == nil)
    }

    /// A JSONata Task whose backend answers with a constant runs on the lane: Arguments built
    /// from `$states.input`, Output and Assign reading `$states.result` with the old
    /// variables; its attempts, Retry and Catch as the interpreter plays them.
    @Test func mockedJSONataTasksGiveTheGeneralEnginesBytes() throws {
        let p = try Lane.program(#"""
            {"QueryLanguage":"JSONata","StartAt":"Get","States":{
             "Get":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Arguments":{"FunctionName":"f","Payload":{"id":"{% $states.input.id %}"}},
               "Output":{"id":"{% $states.input.id %}","price":"{% $states.result.Payload.price %}"},
               "Assign":{"p":"{% $states.result.Payload.price %}"},"Next":"Again"},
             "Again":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Arguments":{"FunctionName":"g"},
               "Retry":[{"ErrorEquals":["Transient"],"MaxAttempts":2}],"Catch":[{"ErrorEquals":["Fatal"],"Next":"Caught"}],
               "Output":{"p":"{% $p %}","r":"{% $states.result %}"},"End":true},
             "Caught":{"Type":"Pass","End":true}}}
            """#)
        let ok: Result<JSON, ASLError> = .success(try JSON.parse(#"{"StatusCode":200,"Payload":{"price":20}}"#))
        for (script, expected) in [
            (["Get": [ok], "Again": [.success(.string("fine"))]], #"{"p":20,"r":"fine"}"#),
            (["Get": [ok], "Again": [.failure(ASLError(ErrorName("Transient"), "t")), .success(.string("later"))]], #"{"p":20,"r":"later"}"#),
            (["Get": [ok], "Again": [.failure(ASLError(ErrorName("Fatal"), "f"))]], #"{"Error":"Fatal","Cause":"f"}"#),
        ] as [([String: [Result<JSON, ASLError>]], String)] {
            let backend = TapeLaneTests.ScriptedTasks(script: script)
            let lane = try TapeLaneTests.failingLane(p, backend).get()
            #expect(Lane.run(lane, #"{"id":7}"#) == expected)
            for id in ["1", #""x""#, "null", "[1]"] { Lane.agree(p, lane, #"{"id":\#(id)}"#, backend: backend) }
        }
        // An error nothing catches fails the line, as on the general engine.
        let failing = TapeLaneTests.ScriptedTasks(script: ["Get": [ok], "Again": [.failure(ASLError(ErrorName("Other"), "o"))]])
        let lane = try TapeLaneTests.failingLane(p, failing).get()
        #expect(Lane.agree(p, lane, #"{"id":1}"#, backend: failing))
        guard case .failure(let e)? = Lane.outcome(lane, #"{"id":1}"#) else { Issue.record("did not fail on the lane"); return }
        #expect(e.name == ErrorName("Other"))
    }

    /// The tape's nodes are converted for the evaluator with no JSON in between
    /// (`TapeDocument`): the evaluator sees the values the JSON parser gives (numbers,
    /// escaped strings, key order with integer-like keys, objects of more than 12 members).
    @Test func theEvaluatorSeesTheParsersValues() throws {
        let p = try Lane.program(#"""
            {"QueryLanguage":"JSONata","StartAt":"P","States":{"P":{"Type":"Pass","Output":{
              "s":"{% $string($states.input) %}","k":"{% $keys($states.input) %}","n":"{% $states.input.* %}"},"End":true}}}
            """#)
        let lane = try Lane.lane(p)
        var wide = (0..<14).map { #""k\#($0)":\#($0)"# }
        wide.append(#""2":"two""#); wide.append(#""10":"ten""#)
        for line in [#"{"a":1.50,"b":1e3,"c":-0,"d":12345678901234567890,"e":0.1}"#,
                     #"{"t":"tab\there","q":"quote\"d","u":"\u00e9\ud83d\ude00","plain":"é"}"#,
                     #"{"2":"b","1":"a","x":{"10":1,"9":2},"arr":[[],{},null,true,false]}"#,
                     "{" + wide.joined(separator: ",") + "}"] {
            if Lane.run(lane, line) != nil { #expect(Lane.agree(p, lane, line), "\(line)") }
        }
        #expect(Lane.run(lane, #"{"a":1.50,"b":1e3,"c":-0,"d":12345678901234567890,"e":0.1}"#) != nil)
    }

    /// A JSONata Wait on a virtual clock: constant Seconds or an expression's (a plain
    /// non-negative integer; anything else is the general engine's to refuse), then Output and
    /// Assign as a Pass's.
    @Test func jsonataWaitsOnAVirtualClock() throws {
        let p = try Lane.program(#"""
            {"QueryLanguage":"JSONata","StartAt":"Hold","States":{
             "Hold":{"Type":"Wait","Seconds":"{% $states.input.delay * 2 %}","Assign":{"held":"{% $states.input.delay %}"},
               "Output":{"id":"{% $states.input.id %}"},"Next":"Again"},
             "Again":{"Type":"Wait","Seconds":5,"Next":"Done"},
             "Done":{"Type":"Pass","Output":{"id":"{% $states.input.id %}","held":"{% $held %}"},"End":true}}}
            """#)
        let lane = try Lane.lane(p, clock: .virtual(hostLimitSeconds: 300))
        #expect(Lane.run(lane, #"{"id":"a","delay":10}"#) == #"{"id":"a","held":10}"#)
        for line in [#"{"id":"a","delay":10}"#, #"{"id":"b","delay":0}"#] { #expect(Lane.agree(p, lane, line), "\(line)") }
        for handed in [#"{"id":"a","delay":1.25}"#, #"{"id":"a","delay":-1}"#, #"{"id":"a","delay":"x"}"#, #"{"id":"a"}"#,
                       #"{"id":"a","delay":200}"#] {
            #expect(Lane.run(lane, handed) == nil, "\(handed)")
        }
        #expect(Lane.general(p, #"{"id":"a","delay":1.25}"#)?.error?.name == .queryEvaluationError)
        guard case .failure = TapeLane.make(p, payloadLimit: ExecutionOptions.payloadLimit) else {
            Issue.record("a JSONata Wait on a real clock went to the lane"); return
        }
    }

    /// A Catcher's Output and Assign run on the lane as the interpreter runs them: a JSONata
    /// Catcher's read `$states.errorOutput` and `$states.input` with the old variables (Output
    /// defaulting to the error output), a JSONPath Catcher's Assign reads the error output as
    /// `$`; the state's own Assign does not run.
    @Test func catchersWithOutputAndAssign() throws {
        let jsonata = try Lane.program(#"""
            {"QueryLanguage":"JSONata","StartAt":"Init","States":{
             "Init":{"Type":"Pass","Assign":{"tries":1},"Next":"Call"},
             "Call":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Arguments":{"FunctionName":"f"},
               "Assign":{"ok":true},
               "Catch":[{"ErrorEquals":["Boom"],"Next":"After",
                 "Assign":{"err":"{% $states.errorOutput.Error %}","tries":"{% $tries + 1 %}"},
                 "Output":{"why":"{% $states.errorOutput.Cause %}","id":"{% $states.input.id %}","t":"{% $tries %}"}},
                        {"ErrorEquals":["States.ALL"],"Next":"After"}],"Next":"After"},
             "After":{"Type":"Pass","Output":{"in":"{% $states.input %}","err":"{% $err %}","tries":"{% $tries %}"},"End":true}}}
            """#)
        for (error, expected) in [("Boom", #"{"in":{"why":"bad","id":7,"t":1},"err":"Boom","tries":2}"#),
                                  ("Other", nil)] {
            let backend = TapeLaneTests.ScriptedTasks(script: ["Call": [.failure(ASLError(ErrorName(error), "bad"))]])
            let lane = try TapeLaneTests.failingLane(jsonata, backend).get()
            // (`$err` is unset after the second Catcher: the general engine words that error.)
            #expect(Lane.run(lane, #"{"id":7}"#) == expected)
            for line in [#"{"id":7}"#, #"{"id":"x"}"#, "{}"] { Lane.agree(jsonata, lane, line, backend: backend) }
        }
        let jsonPath = try Lane.program(#"""
            {"StartAt":"Call","States":{
             "Call":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"f"},
               "Assign":{"ok":true},
               "Catch":[{"ErrorEquals":["States.ALL"],"ResultPath":"$.error","Assign":{"err.$":"$.Error"},"Next":"After"}],"Next":"After"},
             "After":{"Type":"Pass","Parameters":{"all.$":"$","err.$":"$err"},"End":true}}}
            """#)
        let backend = TapeLaneTests.ScriptedTasks(script: ["Call": [.failure(ASLError(ErrorName("Boom"), "bad"))]])
        let lane = try TapeLaneTests.failingLane(jsonPath, backend).get()
        #expect(Lane.run(lane, #"{"id":7}"#) == #"{"all":{"id":7,"error":{"Error":"Boom","Cause":"bad"}},"err":"Boom"}"#)
        for line in [#"{"id":7}"#, #"{"id":7,"error":1}"#, "{}"] { Lane.agree(jsonPath, lane, line, backend: backend) }
    }

    /// A Map's or Parallel's Catcher with Output or Assign takes a failed iteration or branch
    /// on the lane as it takes a Task's failure (the interpreter handles both alike).
    @Test func childCatchersWithOutputAndAssign() throws {
        let jsonata = try Lane.program(#"""
            {"QueryLanguage":"JSONata","StartAt":"Both","States":{
             "Both":{"Type":"Parallel","Branches":[
                {"StartAt":"A","States":{"A":{"Type":"Pass","Output":"{% $states.input.x %}","End":true}}},
                {"StartAt":"B","States":{"B":{"Type":"Fail","Error":"Broke","Cause":"no"}}}],
               "Catch":[{"ErrorEquals":["States.ALL"],"Next":"After","Assign":{"err":"{% $states.errorOutput.Error %}"},
                         "Output":{"why":"{% $states.errorOutput.Cause %}","x":"{% $states.input.x %}"}}],"Next":"After"},
             "After":{"Type":"Pass","Output":{"in":"{% $states.input %}","err":"{% $err %}"},"End":true}}}
            """#)
        let backend = TapeLaneTests.ScriptedTasks(script: [:])
        let lane = try TapeLaneTests.failingLane(jsonata, backend).get()
        #expect(Lane.run(lane, #"{"x":3}"#) == #"{"in":{"why":"no","x":3},"err":"Broke"}"#)
        for line in [#"{"x":3}"#, #"{"x":"s"}"#, "{}"] { Lane.agree(jsonata, lane, line) }
        let jsonPath = try Lane.program(#"""
            {"StartAt":"Each","States":{
             "Each":{"Type":"Map","ItemProcessor":{"StartAt":"C","States":{"C":{"Type":"Choice",
                 "Choices":[{"Variable":"$","NumericGreaterThan":2,"Next":"Bad"}],"Default":"Ok"},
                 "Ok":{"Type":"Pass","End":true},"Bad":{"Type":"Fail","Error":"TooBig","Cause":"big"}}},
               "Catch":[{"ErrorEquals":["TooBig"],"ResultPath":"$.error","Assign":{"failed.$":"$.Error","at.$":"$$.State.Name"},"Next":"After"}],
               "ResultPath":"$.done","InputPath":"$.items","Next":"After"},
             "After":{"Type":"Pass","Parameters":{"all.$":"$","failed.$":"$failed","at.$":"$at"},"End":true}}}
            """#)
        let mapLane = try TapeLaneTests.failingLane(jsonPath, backend).get()
        #expect(Lane.run(mapLane, #"{"items":[1,5]}"#) == #"{"all":{"items":[1,5],"error":{"Error":"TooBig","Cause":"big"}},"failed":"TooBig","at":"Each"}"#)
        for line in [#"{"items":[1,5]}"#, #"{"items":[1,2]}"#, #"{"items":[9]}"#] { Lane.agree(jsonPath, mapLane, line) }
    }

    /// A JSONata Parallel on the lane: Arguments are each branch's input, branches run on a
    /// copy of the variables, Output and Assign read `$states.result`; a failed branch is
    /// caught with its error output as the state's output.
    @Test func jsonataParallelGivesTheGeneralEnginesBytes() throws {
        let p = try Lane.program(#"""
            {"QueryLanguage":"JSONata","StartAt":"Init","States":{
             "Init":{"Type":"Pass","Assign":{"who":"{% $states.input.name %}"},"Next":"Both"},
             "Both":{"Type":"Parallel","Arguments":{"n":"{% $states.input.name %}"},"Branches":[
               {"StartAt":"A","States":{"A":{"Type":"Pass","Output":{"a":"{% $states.input.n %}","w":"{% $who %}"},"Assign":{"who":"inner"},"End":true}}},
               {"StartAt":"B","States":{"B":{"Type":"Choice","Choices":[{"Condition":"{% $states.input.n = 'bad' %}","Next":"F"}],"Default":"G"},
                 "F":{"Type":"Fail","Error":"Bad","Cause":"bad name"},"G":{"Type":"Pass","Output":{"b":"{% $who %}"},"End":true}}}],
               "Catch":[{"ErrorEquals":["Bad"],"Next":"Caught"}],
               "Assign":{"n2":"{% $states.input.name & '?' %}"},"Next":"End"},
             "Caught":{"Type":"Pass","End":true},
             "End":{"Type":"Pass","Output":{"n2":"{% $n2 %}","who":"{% $who %}"},"End":true}}}
            """#)
        let lane = try TapeLaneTests.failingLane(p, TapeLaneTests.ScriptedTasks(script: [:])).get()
        #expect(Lane.run(lane, #"{"name":"x"}"#) == #"{"n2":"x?","who":"x"}"#)
        #expect(Lane.outcome(lane, #"{"name":"bad"}"#).flatMap { try? $0.get() } == #"{"Error":"Bad","Cause":"bad name"}"#)
        for line in [#"{"name":"x"}"#, #"{"name":"bad"}"#, #"{"name":1}"#, "{}"] { Lane.agree(p, lane, line) }
    }

    /// A JSONata Map on the lane: Items (an array a path through objects ends on, as the
    /// evaluator gives it), an ItemSelector without context, iterations on a copy of the
    /// variables, Output and Assign reading `$states.result`.
    @Test func jsonataMapGivesTheGeneralEnginesBytes() throws {
        let p = try Lane.program(#"""
            {"QueryLanguage":"JSONata","StartAt":"Each","States":{
             "Each":{"Type":"Map","Items":"{% $states.input.order.items %}","ItemSelector":{"tag":"{% $states.input.tag %}"},
               "ItemProcessor":{"StartAt":"I","States":{"I":{"Type":"Pass","Assign":{"t":"{% $states.input.tag %}"},"Output":{"t":"{% $states.input.tag %}"},"End":true}}},
               "Assign":{"n":"{% $count($states.result) %}"},"Next":"Plain"},
             "Plain":{"Type":"Map","ItemProcessor":{"StartAt":"J","States":{"J":{"Type":"Pass","Output":{"t":"{% $states.input.t %}","n":"{% $n %}"},"End":true}}},"End":true}}}
            """#)
        let lane = try Lane.lane(p)
        #expect(Lane.run(lane, #"{"order":{"items":[1,2]},"tag":"x"}"#) == #"[{"t":"x","n":2},{"t":"x","n":2}]"#)
        let q = try Lane.program(#"""
            {"QueryLanguage":"JSONata","StartAt":"Each","States":{
             "Each":{"Type":"Map","Items":"{% $states.input.order.items %}",
               "ItemProcessor":{"StartAt":"I","States":{"I":{"Type":"Pass","Output":{"v":"{% $states.input %}"},"End":true}}},
               "Output":"{% $states.result %}","Next":"Plain"},
             "Plain":{"Type":"Map","ItemProcessor":{"StartAt":"J","States":{"J":{"Type":"Pass","End":true}}},"End":true}}}
            """#)
        let qLane = try Lane.lane(q)
        #expect(Lane.run(qLane, #"{"order":{"items":[[1],"a"]}}"#) == #"[{"v":[1]},{"v":"a"}]"#)
        for (d, l) in [(p, lane), (q, qLane)] {
            for line in [#"{"order":{"items":[1,2]},"tag":"x"}"#, #"{"order":{"items":[]},"tag":"y"}"#, #"{"order":{"items":[5]}}"#,
                         #"{"order":{"items":[[1],[2,3]]},"tag":"z"}"#, #"{"order":{"items":{"a":1}}}"#, #"{"order":[{"items":[1]}]}"#, "{}"] {
                Lane.agree(d, l, line)
            }
        }
    }

    /// A JSONata ItemSelector reads the item through `$states.context.Map.Item.Value` and
    /// `.Index` on the lane (the evaluator's, with a context of the item); any other part of
    /// the context object, or the item outside an ItemSelector, keeps the program general.
    @Test func anItemSelectorReadsTheMapItem() throws {
        let p = try Lane.program(#"""
            {"QueryLanguage":"JSONata","StartAt":"Each","States":{
             "Each":{"Type":"Map","Items":"{% $states.input.items %}",
               "ItemSelector":{"v":"{% $states.context.Map.Item.Value.price * 2 %}","i":"{% $states.context.Map.Item.Index %}",
                               "tag":"{% $states.input.tag %}","name":"{% $states.context.Map.Item.Value.name %}"},
               "ItemProcessor":{"StartAt":"I","States":{"I":{"Type":"Pass","End":true}}},"End":true}}}
            """#)
        let lane = try Lane.lane(p)
        let line = #"{"items":[{"price":2.5,"name":"a"},{"price":4,"name":"b"}],"tag":"t"}"#
        #expect(Lane.run(lane, line) == #"[{"v":5,"i":0,"tag":"t","name":"a"},{"v":8,"i":1,"tag":"t","name":"b"}]"#)
        for l in [line, #"{"items":[],"tag":"t"}"#, #"{"items":[{"price":"x"}],"tag":"t"}"#, #"{"items":[{"price":1}]}"#] {
            Lane.agree(p, lane, l)
        }
        for other in ["$states.context.Execution.Name", "$states.context.Map.Item.ValueX", "$states.context"] {
            let d = #"{"QueryLanguage":"JSONata","StartAt":"Each","States":{"Each":{"Type":"Map","Items":[1],"ItemSelector":{"x":"{% \#(other) %}"},"ItemProcessor":{"StartAt":"I","States":{"I":{"Type":"Pass","End":true}}},"End":true}}}"#
            guard case .failure = TapeLane.make(try Lane.program(d), payloadLimit: ExecutionOptions.payloadLimit) else {
                Issue.record("went to the lane: \(other)"); continue
            }
        }
        // The execution's input is the line's, anywhere.
        let input = try Lane.program(#"""
            {"QueryLanguage":"JSONata","StartAt":"P","States":{
             "P":{"Type":"Pass","Output":{"first":"{% $states.context.Execution.Input.items[0].name %}","n":"{% $count($states.input.items) %}"},"Next":"Each"},
             "Each":{"Type":"Map","Items":"{% $states.context.Execution.Input.items %}",
               "ItemSelector":{"v":"{% $states.context.Map.Item.Value.name & '/' & $states.context.Execution.Input.tag %}"},
               "ItemProcessor":{"StartAt":"I","States":{"I":{"Type":"Pass","End":true}}},"End":true}}}
            """#)
        let inputLane = try Lane.lane(input)
        #expect(Lane.run(inputLane, line) == #"[{"v":"a/t"},{"v":"b/t"}]"#)
        for l in [line, #"{"items":[],"tag":"t"}"#, #"{"items":[{"name":1}]}"#] { Lane.agree(input, inputLane, l) }
        let outside = #"{"QueryLanguage":"JSONata","StartAt":"P","States":{"P":{"Type":"Pass","Output":"{% $states.context.Map.Item.Value %}","End":true}}}"#
        guard case .failure = TapeLane.make(try Lane.program(outside), payloadLimit: ExecutionOptions.payloadLimit) else {
            Issue.record("went to the lane: the item outside an ItemSelector"); return
        }
    }

    /// `$states.result` outside a Task's Output and Assign (a Pass has none) is undefined, as
    /// in the interpreter. Bug: the evaluator's scope on the lane bound `$states.result` and
    /// `$states.errorOutput` to null in every state (`cond ? json : nil` of an
    /// ExpressibleByNilLiteral type is `.some(.null)`).
    @Test func aResultOutsideATaskIsUndefined() throws {
        let p = try Lane.program(#"{"QueryLanguage":"JSONata","StartAt":"P","States":{"P":{"Type":"Pass","Output":{"r":"{% $states.result %}"},"End":true}}}"#)
        let lane = try Lane.lane(p, handlesFailures: true)
        guard case .failure(let e)? = Lane.outcome(lane, "{}", p) else { Issue.record("not failed on the lane"); return }
        #expect(e.name == .queryEvaluationError)
        #expect(Lane.agree(p, lane, "{}"))
        let keys = try Lane.program(#"{"QueryLanguage":"JSONata","StartAt":"P","States":{"P":{"Type":"Pass","Output":{"k":"{% $keys($states) %}","t":"{% $exists($states.errorOutput) %}"},"End":true}}}"#)
        let keysLane = try Lane.lane(keys)
        #expect(Lane.run(keysLane, "{}") == #"{"k":["input","context"],"t":false}"#)
        #expect(Lane.agree(keys, keysLane, "{}"))
    }

    /// Expressions and states the lane does not take keep the program on the general engine.
    @Test func unsupportedJSONataStaysGeneral() throws {
        for d in [
            #"{"QueryLanguage":"JSONata","StartAt":"P","States":{"P":{"Type":"Pass","Output":"{% $states.context.Execution.Name %}","End":true}}}"#,
            #"{"QueryLanguage":"JSONata","StartAt":"P","States":{"P":{"Type":"Pass","Output":"{% $states.context.Execution.StartTime %}","End":true}}}"#,
            #"{"QueryLanguage":"JSONata","StartAt":"P","States":{"P":{"Type":"Pass","Assign":"{% {'x': 1} %}","End":true}}}"#,
            // A variable named as a function: the evaluator would bind it in the function's place.
            #"{"QueryLanguage":"JSONata","StartAt":"P","States":{"P":{"Type":"Pass","Assign":{"sum":1},"Output":"{% $sum([1, 2]) %}","End":true}}}"#,
        ] {
            guard case .failure = TapeLane.make(try Lane.program(d), payloadLimit: ExecutionOptions.payloadLimit) else {
                Issue.record("went to the lane: \(d)"); continue
            }
        }
    }

    /// Expressions outside the lane's shapes (arithmetic, functions, array steps, filters,
    /// reading variables and a Task's result) are run by the evaluator on the values they read,
    /// materialized: the lane keeps the line and gives the general engine's bytes; an error
    /// the evaluator raises hands the line back, and the general engine words it.
    @Test func otherExpressionsAreTheEvaluatorsOnTheLane() throws {
        let p = try Lane.program(#"""
        {"QueryLanguage":"JSONata","StartAt":"Prep","States":{
          "Prep":{"Type":"Pass","Assign":{"rate":"{% $states.input.rate * 2 %}","first":"{% $states.input.items[0] %}"},"Output":{
             "sum":"{% $sum($states.input.items.price) %}","names":"{% $uppercase($join($states.input.items.name, ',')) %}",
             "cheap":"{% $states.input.items[price < 5].name %}","n":"{% $states.input.n + 0.1 %}",
             "count":"{% $count($states.input.items) %}"},"Next":"Route"},
          "Route":{"Type":"Choice","Choices":[{"Condition":"{% $states.input.sum * $rate > 20 %}","Next":"Big"}],"Default":"Small"},
          "Big":{"Type":"Pass","Output":{"total":"{% $states.input.sum * $rate %}","first":"{% $first.name %}","tag":"big"},"End":true},
          "Small":{"Type":"Pass","Output":{"total":"{% $round($states.input.sum * $rate, 2) %}","all":"{% $states.input %}"},"End":true}}}
        """#)
        let lane = try Lane.lane(p)
        let lines = (0..<30).map { i in
            #"{"rate":\#(Double(i) / 4),"n":\#(i),"items":[{"name":"a\#(i)","price":\#(i % 7)},{"name":"b","price":3.25}]}"#
        }
        for line in lines {
            #expect(Lane.run(lane, line) != nil, "\(line)")
            #expect(Lane.agree(p, lane, line), "\(line)")
        }
        #expect(Lane.run(lane, #"{"rate":1,"n":4,"items":[{"name":"x","price":30},{"name":"y","price":1}]}"#)
                == #"{"total":62,"first":"x","tag":"big"}"#)
        // A filter that keeps nothing is undefined: the field's error, the general engine's to word.
        #expect(Lane.run(lane, #"{"rate":1,"n":4,"items":[{"name":"x","price":30}]}"#) == nil)
        // `"x" + 0.1` is the evaluator's error T2001: the general engine fails the execution.
        let bad = #"{"rate":1,"n":"x","items":[]}"#
        #expect(Lane.run(lane, bad) == nil)
        #expect(Lane.general(p, bad)?.error?.name == .queryEvaluationError)

        // A mocked Task's Output reads `$states.result` through the evaluator too.
        let task = try Lane.program(#"""
        {"QueryLanguage":"JSONata","StartAt":"T","States":{
          "T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Arguments":{"n":"{% $states.input.n * 3 %}"},
               "Output":{"doubled":"{% $states.result.Payload.v * 2 %}","in":"{% $states.input.n %}"},"End":true}}}
        """#)
        let mock = TapeLaneTests.ScriptedTasks(script: ["T": [.success(try JSON.parse(#"{"Payload":{"v":21}}"#))]])
        let taskLane = try TapeLaneTests.failingLane(task, mock).get()
        #expect(Lane.run(taskLane, #"{"n":2}"#) == #"{"doubled":42,"in":2}"#)
        #expect(Lane.agree(task, taskLane, #"{"n":2}"#, backend: mock))
    }

    /// Random expressions of the shapes the lane takes, over random documents: every line the
    /// lane keeps gives the evaluator's bytes.
    @Test func randomExpressionsAgreeWithTheEvaluator() throws {
        var rng = SplitMix64(seed: 11)
        func pick<T>(_ xs: [T]) -> T { xs[Int(rng.next() % UInt64(xs.count))] }
        let fields = ["a", "b", "c", "a.b", "b.c", "s", "n"]
        let literals = ["'x'", "'é'", "''", "1", "2.5", "-3", "true", "false", "null", "{'k': 1.50}", "[1, 'y']"]
        func expr(_ depth: Int) -> String {
            switch depth <= 0 ? rng.next() % 2 : rng.next() % 7 {
            case 0: return "$states.input." + pick(fields)
            case 1: return pick(literals)
            case 2: return "$count($states.input.\(pick(fields)))"
            case 3: return "(\(expr(depth - 1)) \(pick(["=", "!=", "<", "<=", ">", ">="])) \(expr(depth - 1)))"
            case 4: return "(\(expr(depth - 1)) \(pick(["and", "or"])) \(expr(depth - 1)))"
            case 5: return "(\(expr(depth - 1)) & \(expr(depth - 1)))"
            default: return "$merge([$states.input.\(pick(["a", "b", "c"])), \(pick(["{'k': 2}", "$states.input.b", "{}"]))])"
            }
        }
        let values = ["1", "2.5", "2.50", "-0", "1e2", "\"x\"", "\"é\"", "\"\"", "true", "false", "null", "[1,2]", "[]", "[5]", "[[1],[2]]", "[[]]",
                      #"{"b":1,"c":"z"}"#, #"{"b":{"c":3},"k":0}"#, #"{"k":1,"k2":[{"x":1}]}"#]
        var kept = 0, total = 0
        for _ in 0..<150 {
            let e = expr(3).replacingOccurrences(of: "\"", with: "\\\"")
            guard let p = try? Lane.program(#"{"QueryLanguage":"JSONata","StartAt":"P","States":{"P":{"Type":"Pass","Output":{"v":"{% \#(e) %}"},"End":true}}}"#),
                  case .success(let lane) = TapeLane.make(p, payloadLimit: ExecutionOptions.payloadLimit) else { continue }
            for _ in 0..<12 {
                var members: [String] = []
                for f in ["a", "b", "c", "s", "n"] where rng.next() % 4 != 0 { members.append("\"\(f)\":\(pick(values))") }
                total += 1
                if Lane.agree(p, lane, "{" + members.joined(separator: ",") + "}", "\(e)") { kept += 1 }
            }
        }
        #expect(kept > 100, "the lane kept only \(kept) of \(total) lines")
    }

    /// A literal the lane passes through verbatim must be one the evaluator prints the same.
    @Test func numbersThatPrintAsTheirLiteral() throws {
        var rng = SplitMix64(seed: 3)
        var literals = ["0", "-0", "1", "-1", "10", "0.5", "0.50", "1e2", "1E2", "0.000001", "0.0000001", "00", "01", "1.",
                        "123456789012345", "1234567890123456", "0.1234567890123456", "-0.0", "99999999999999.9", "5e-7"]
        for _ in 0..<300 {
            let int = rng.next() % 4 == 0 ? "0" : String(rng.next() % 100_000_000)
            let frac = String(rng.next() % 10_000_000)
            literals.append(rng.next() % 3 == 0 ? int : int + "." + String(repeating: "0", count: Int(rng.next() % 8)) + frac)
        }
        for lit in literals {
            let printed = (try? JSONataExpression(lit).evaluate(nil))??.serialized
            let claimed = Array(lit.utf8).withUnsafeBufferPointer { TapeLane.printsAsJSONata($0) }
            if claimed { #expect(printed == lit, "\(lit) prints as \(printed ?? "nothing")") }
        }
        #expect(Array("12.5".utf8).withUnsafeBufferPointer { TapeLane.printsAsJSONata($0) })
        #expect(!Array("12.50".utf8).withUnsafeBufferPointer { TapeLane.printsAsJSONata($0) })
    }

    /// A JSONata Choice's Output (a rule's own, else the state's; the default's is the
    /// state's) and Assign, a literal Condition, and a Succeed's Output run on the lane, as the
    /// interpreter's `choiceJSONata` runs them: Output and Assign read the old variables.
    @Test func choiceAndSucceedOutputs() throws {
        let definitions = [
            #"{"QueryLanguage":"JSONata","StartAt":"A","States":{"A":{"Type":"Pass","Assign":{"v":"old"},"Next":"C"},"C":{"Type":"Choice","Output":{"from":"state","x":"{% $states.input.x %}"},"Choices":[{"Condition":"{% $states.input.x > 1 %}","Output":{"from":"rule","v":"{% $v %}"},"Assign":{"v":"{% $states.input.x %}"},"Next":"D"},{"Condition":"{% $states.input.x = 0 %}","Next":"D"}],"Default":"D","Assign":{"v":"default"}},"D":{"Type":"Pass","Output":{"in":"{% $states.input %}","v":"{% $v %}"},"End":true}}}"#,
            #"{"QueryLanguage":"JSONata","StartAt":"A","States":{"A":{"Type":"Pass","Assign":{"v":"old"},"Next":"C"},"C":{"Type":"Choice","Choices":[{"Condition":"{% $states.input.x > 1 %}","Output":"{% $v & '-' & $string($states.input.x) %}","Assign":{"v":"new"},"Next":"D"}],"Default":"S"},"S":{"Type":"Succeed","Output":{"done":"{% $states.input.x %}","v":"{% $v %}"}},"D":{"Type":"Pass","Output":{"out":"{% $states.input %}","v":"{% $v %}"},"End":true}}}"#,
            #"{"QueryLanguage":"JSONata","StartAt":"C","States":{"C":{"Type":"Choice","Choices":[{"Condition":false,"Next":"N"},{"Condition":true,"Output":"{% 'yes' %}","Next":"Y"}]},"N":{"Type":"Succeed"},"Y":{"Type":"Succeed","Output":"{% $states.input & '!' %}"}}}"#,
            #"{"QueryLanguage":"JSONata","StartAt":"C","States":{"C":{"Type":"Choice","Choices":[{"Condition":"yes","Next":"N"}],"Default":"N"},"N":{"Type":"Succeed"}}}"#,
        ]
        var kept = 0
        for d in definitions {
            let p = try Lane.program(d)
            let lane = try Lane.lane(p)
            for line in [#"{"x":5}"#, #"{"x":0}"#, #"{"x":-1}"#, #"{"y":1}"#, #"{"x":"s"}"#] where Lane.agree(p, lane, line, "\(d)") {
                kept += 1
            }
        }
        // (Lines the general engine fails, and a Condition that is no boolean, go back.)
        #expect(kept >= 10, "kept \(kept)")
        let p = try Lane.program(definitions[0])
        let lane = try Lane.lane(p)
        #expect(Lane.run(lane, #"{"x":5}"#) == #"{"in":{"from":"rule","v":"old"},"v":5}"#)
        #expect(Lane.run(lane, #"{"x":0}"#) == #"{"in":{"from":"state","x":0},"v":"old"}"#)
        #expect(Lane.run(lane, #"{"x":-1}"#) == #"{"in":{"from":"state","x":-1},"v":"default"}"#)
        let q = try Lane.program(definitions[1])
        let qLane = try Lane.lane(q)
        #expect(Lane.run(qLane, #"{"x":5}"#) == #"{"out":"old-5","v":"new"}"#)
        #expect(Lane.run(qLane, #"{"x":1}"#) == #"{"done":1,"v":"old"}"#)
    }
}
