import CortadoASL
import CortadoJSON
import CortadoRuntime
@testable import CortadoTape
import CortadoTestSupport
import Testing

/// Workflow variables (`Assign`, `$name`) on the tape lane: every line it keeps ends exactly
/// as on the general engine, whose rules (Assign.swift) the lane follows.
@Suite struct TapeLaneVariablesTests {
    static let limit = ExecutionOptions.payloadLimit

    /// Runs `lines` on the lane and the general engine; returns how many the lane kept.
    @discardableResult
    static func agree(_ definition: String, _ lines: [String]) throws -> Int {
        let p = try Lane.program(definition)
        let lane = try Lane.lane(p)
        return lines.filter { Lane.agree(p, lane, $0) }.count
    }

    @Test func assignedValuesAreReadByLaterStatesAcrossQueryLanguages() throws {
        let d = #"""
        {"StartAt":"Init","States":{
         "Init":{"Type":"Pass","Assign":{"total.$":"$.amount","name.$":"$.customer","fixed":{"k":[1,2]}},"Next":"Route"},
         "Route":{"Type":"Choice","Choices":[{"Variable":"$total","NumericGreaterThan":100,"Assign":{"tier":"gold"},"Next":"Wait"}],
                  "Default":"Wait","Assign":{"tier":"basic"}},
         "Wait":{"Type":"Wait","Seconds":0,"Assign":{"waited.$":"$.customer"},"Next":"J"},
         "J":{"Type":"Pass","QueryLanguage":"JSONata","Assign":{"j":"{% $name & '!' %}"},
              "Output":{"tier":"{% $tier %}","gold":"{% $total > 100 and $tier = 'gold' %}","w":"{% $waited %}"},"Next":"Last"},
         "Last":{"Type":"Pass","Parameters":{"j.$":"$j","k.$":"$fixed.k[1]","msg.$":"States.Format('{} is {}', $name, $tier)","all.$":"$"},"End":true}}}
        """#
        let lines = (0..<40).map { #"{"amount":\#($0 * 7),"customer":"c\#($0)"}"# }
        #expect(try Self.agree(d, lines) == lines.count)
        let lane = try Lane.lane(try Lane.program(d))
        #expect(Lane.run(lane, #"{"amount":150,"customer":"x"}"#)
                == #"{"j":"x!","k":2,"msg":"x is gold","all":{"tier":"gold","gold":true,"w":"x"}}"#)
    }

    /// Every value of an Assign is computed with the variables as they were: a swap swaps.
    @Test func anAssignReadsTheOldValues() throws {
        let d = #"""
        {"StartAt":"A","States":{
         "A":{"Type":"Pass","Assign":{"a":1,"b":2},"Next":"Swap"},
         "Swap":{"Type":"Pass","Assign":{"a.$":"$b","b.$":"$a"},"Next":"Out"},
         "Out":{"Type":"Pass","Parameters":{"a.$":"$a","b.$":"$b"},"End":true}}}
        """#
        let lane = try Lane.lane(try Lane.program(d))
        #expect(Lane.run(lane, "{}") == #"{"a":2,"b":1}"#)
        #expect(try Self.agree(d, ["{}"]) == 1)
    }

    /// A Map iteration and a Parallel branch read the outer variables and keep what they
    /// assign to themselves: each iteration starts from the outer value again.
    @Test func childrenAssignOnTheirOwnCopy() throws {
        let d = #"""
        {"StartAt":"Init","States":{
         "Init":{"Type":"Pass","Assign":{"seen":"outer"},"Next":"Each"},
         "Each":{"Type":"Map","ItemsPath":"$.items","ItemSelector":{"v.$":"$$.Map.Item.Value","outer.$":"$seen"},
                 "ItemProcessor":{"StartAt":"Mark","States":{
                   "Mark":{"Type":"Pass","Parameters":{"before.$":"$seen","v.$":"$.v"},"Assign":{"seen.$":"$.v"},"Next":"Read"},
                   "Read":{"Type":"Pass","Parameters":{"before.$":"$.before","after.$":"$seen"},"End":true}}},
                 "ResultPath":"$.each","Assign":{"count.$":"States.ArrayLength($)"},"Next":"Both"},
         "Both":{"Type":"Parallel","Branches":[
                  {"StartAt":"B1","States":{"B1":{"Type":"Pass","Assign":{"seen":"b1"},"Parameters":{"s.$":"$seen"},"End":true}}},
                  {"StartAt":"B2","States":{"B2":{"Type":"Pass","Parameters":{"s.$":"$seen","n.$":"$count"},"End":true}}}],
                 "ResultPath":"$.both","Next":"End"},
         "End":{"Type":"Pass","Parameters":{"each.$":"$.each","both.$":"$.both","seen.$":"$seen"},"End":true}}}
        """#
        let lane = try Lane.lane(try Lane.program(d))
        #expect(Lane.run(lane, #"{"items":["x","y"]}"#) == #"""
            {"each":[{"before":"outer","after":"x"},{"before":"outer","after":"y"}],"both":[{"s":"outer"},{"s":"outer","n":2}],"seen":"outer"}
            """#)
        #expect(try Self.agree(d, [#"{"items":[]}"#, #"{"items":[1,2,3]}"#, #"{"items":["a"]}"#]) == 3)
    }

    /// A Choice takes its matched rule's Assign, or its own when it leaves by Default.
    @Test func aChoiceAssignsByTheWayItLeaves() throws {
        let d = #"""
        {"StartAt":"C","States":{
         "C":{"Type":"Choice","Choices":[{"Variable":"$.v","IsPresent":true,"Assign":{"via":"rule"},"Next":"Out"}],
              "Default":"Out","Assign":{"via":"default"}},
         "Out":{"Type":"Pass","Parameters":{"via.$":"$via"},"End":true}}}
        """#
        let lane = try Lane.lane(try Lane.program(d))
        #expect(Lane.run(lane, #"{"v":1}"#) == #"{"via":"rule"}"#)
        #expect(Lane.run(lane, "{}") == #"{"via":"default"}"#)
    }

    /// A variable no state has set yet is the general engine's error to word (JSONPath), or
    /// possibly a name JSONata binds otherwise: the line goes back.
    @Test func anUnsetVariableHandsTheLineBack() throws {
        let d = #"""
        {"StartAt":"C","States":{
         "C":{"Type":"Choice","Choices":[{"Variable":"$.v","IsPresent":true,"Next":"Set"}],"Default":"Read"},
         "Set":{"Type":"Pass","Assign":{"x":1},"Next":"Read"},
         "Read":{"Type":"Pass","Parameters":{"x.$":"$x"},"End":true}}}
        """#
        let p = try Lane.program(d)
        let lane = try Lane.lane(p)
        #expect(Lane.run(lane, #"{"v":0}"#) == #"{"x":1}"#)
        #expect(Lane.run(lane, "{}") == nil)
        #expect(Lane.general(p, "{}")?.error?.name == .runtime)
    }

    /// Variables are reset for every line: a value from the line before is never seen.
    @Test func variablesDoNotLeakBetweenLines() throws {
        let d = #"""
        {"StartAt":"C","States":{
         "C":{"Type":"Choice","Choices":[{"Variable":"$.set","IsPresent":true,"Next":"Set"}],"Default":"Read"},
         "Set":{"Type":"Pass","Assign":{"x.$":"$.set"},"Next":"Read"},
         "Read":{"Type":"Pass","Parameters":{"x.$":"$x"},"End":true}}}
        """#
        let lane = try Lane.lane(try Lane.program(d))
        #expect(Lane.run(lane, #"{"set":"first"}"#) == #"{"x":"first"}"#)
        #expect(Lane.run(lane, "{}") == nil)
    }

    /// A whole-expression JSONata Assign, or one reading `$states.result`, stays general.
    @Test func assignsTheLaneCannotBuildStayGeneral() throws {
        for d in [
            #"{"QueryLanguage":"JSONata","StartAt":"P","States":{"P":{"Type":"Pass","Assign":"{% {'x': 1} %}","End":true}}}"#,
            #"{"QueryLanguage":"JSONata","StartAt":"P","States":{"P":{"Type":"Pass","Assign":{"x":"{% $states.context.Execution.Id %}"},"End":true}}}"#,
        ] {
            guard case .failure = TapeLane.make(try Lane.program(d), payloadLimit: Self.limit) else {
                Issue.record("went to the lane: \(d)"); continue
            }
        }
    }

    /// A variable as InputPath, ItemsPath or OutputPath is read as any `$name` path is.
    @Test func variablesAsInputAndItemsPaths() throws {
        let d = #"""
        {"StartAt":"A","States":{
         "A":{"Type":"Pass","Assign":{"list.$":"$.xs","cfg.$":"$.cfg"},"Next":"M"},
         "M":{"Type":"Map","ItemsPath":"$list","ItemProcessor":{"StartAt":"I","States":{"I":{"Type":"Pass","End":true}}},
              "ResultPath":"$.m","Next":"B"},
         "B":{"Type":"Pass","InputPath":"$cfg","Parameters":{"c.$":"$"},"OutputPath":"$cfg.k","End":true}}}
        """#
        let lines = [#"{"xs":[1,2],"cfg":{"k":"v"}}"#, #"{"xs":[],"cfg":{"k":[1]}}"#, #"{"xs":[3],"cfg":{}}"#, #"{"xs":{},"cfg":{"k":1}}"#]
        #expect(try Self.agree(d, lines) == 2)
        let lane = try Lane.lane(try Lane.program(d))
        #expect(Lane.run(lane, lines[0]) == #""v""#)
    }

    /// A state's OutputPath reads the variables as they were before its own Assign (AWS's
    /// recorded evaluation order: the values are built first, stored after the output):
    /// Pass, Choice, Wait, and a Task's result (the lane had stored them first).
    @Test func outputPathReadsTheVariablesBeforeTheStatesAssign() throws {
        let d = #"""
        {"StartAt":"S0","States":{
         "S0":{"Type":"Pass","Result":{"q":"why"},"Assign":{"answer":42},"Next":"S1"},
         "S1":{"Type":"Pass","InputPath":"$answer","ResultPath":"$.a","OutputPath":"$answer","Assign":{"answer":"new"},"Next":"C"},
         "C":{"Type":"Choice","Choices":[{"Variable":"$answer","StringEquals":"new","Next":"W"}],"Default":"W",
              "OutputPath":"$answer","Assign":{"answer":"from choice"}},
         "W":{"Type":"Wait","Seconds":0,"OutputPath":"$answer","Assign":{"answer":"from wait"},"Next":"T"},
         "T":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:1:function:t","OutputPath":"$answer","Assign":{"answer":"from task"},"Next":"L"},
         "L":{"Type":"Pass","Parameters":{"before.$":"$","now.$":"$answer"},"End":true}}}
        """#
        let p = try Lane.program(d)
        let b = TapeLaneTests.constantTasks(["T": ["ok": true]])
        let lane = try TapeLane.make(p, payloadLimit: Self.limit, taskResults: { b.constantOutcome(stateName: $0, resource: $1, attempt: $2) }).get()
        #expect(Lane.run(lane, "{}") == #"{"before":"from wait","now":"from task"}"#)
        #expect(Lane.agree(p, lane, "{}", backend: b))
    }

    /// Bug (found by `TapeLaneRandomProgramsTests`): a JSONata state whose Assign and Output
    /// both fail failed on the lane with the Output's error, where the interpreter evaluates
    /// the Assign first and fails with its error. Now the lane builds the Assign's values
    /// first too (Pass, Wait, Choice, a Task's and a Catcher's end), storing them after the
    /// Output, which still reads the old variables.
    @Test func anAssignsErrorComesBeforeTheOutputs() throws {
        let states = [
            #""S":{"Type":"Pass","Output":{"o":"{% $states.input.nope %}"},"Assign":{"v":"{% $states.input.none %}"},"End":true}"#,
            #""S":{"Type":"Wait","Seconds":0,"Output":{"o":"{% $states.input.nope %}"},"Assign":{"v":"{% $states.input.none %}"},"End":true}"#,
            #""S":{"Type":"Choice","Choices":[{"Condition":"{% true %}","Output":{"o":"{% $states.input.nope %}"},"Assign":{"v":"{% $states.input.none %}"},"Next":"E"}],"Default":"E"},"E":{"Type":"Succeed"}"#,
            #""S":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:1:function:t","Output":{"o":"{% $states.input.nope %}"},"Assign":{"v":"{% $states.input.none %}"},"End":true}"#,
        ]
        let b = TapeLaneTests.constantTasks(["S": ["ok": true]])
        for state in states {
            let p = try Lane.program(#"{"QueryLanguage":"JSONata","StartAt":"S","States":{\#(state)}}"#)
            let lane = try TapeLane.make(p, payloadLimit: Self.limit, taskResults: { b.constantOutcome(stateName: $0, resource: $1, attempt: $2) },
                                         handlesFailures: true).get()
            guard case .failure(let e)? = Lane.outcome(lane, "{}", p) else { Issue.record("not failed on the lane: \(state)"); continue }
            #expect(e.cause?.contains("'Assign/v'") == true, "\(state): \(e)")
            #expect(Lane.agree(p, lane, "{}", backend: b))
        }
        // The Output still reads the variables as they were.
        let p = try Lane.program(#"{"QueryLanguage":"JSONata","StartAt":"A","States":{"A":{"Type":"Pass","Assign":{"v":1},"Next":"S"},"S":{"Type":"Pass","Output":{"old":"{% $v %}"},"Assign":{"v":"{% $v + 1 %}"},"Next":"T"},"T":{"Type":"Pass","Output":{"before":"{% $states.input.old %}","now":"{% $v %}"},"End":true}}}"#)
        let lane = try TapeLane.make(p, payloadLimit: Self.limit).get()
        #expect(Lane.run(lane, "{}") == #"{"before":1,"now":2}"#)
        #expect(Lane.agree(p, lane, "{}"))
    }
}
