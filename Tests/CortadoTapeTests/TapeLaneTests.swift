import CCortadoScan
import CortadoASL
import CortadoJSON
import CortadoPath
import CortadoRuntime
@testable import CortadoTape
import CortadoTasks
import CortadoTestSupport
import Foundation
import Testing

/// The tape lane must give every line it keeps exactly the general engine's output, and
/// hand back every line it is not sure of.
enum Lane {
    static func program(_ definition: String) throws -> Program {
        switch Compiler.compile(try JSON.parse(definition)) {
        case .success(let p): return p
        case .failure(let d): throw LaneTestError(d.map(\.description).joined(separator: "; "))
        }
    }

    static func lane(_ p: Program, clock: TapeLane.Clock = .real, handlesFailures: Bool = false) throws -> TapeLane {
        switch TapeLane.make(p, payloadLimit: ExecutionOptions.payloadLimit, clock: clock, handlesFailures: handlesFailures) {
        case .success(let l): return l
        case .failure(let u): throw LaneTestError("unsupported: \(u)")
        }
    }

    /// A lane that knows the run's constants of the context object as the general engine's
    /// options give them (`general` runs line 1 as `line-1`), and those options.
    static func withConstants(_ p: Program) throws -> (TapeLane, ExecutionOptions) {
        let o = ExecutionOptions(executionName: "", stateMachineName: "sm", backend: HandlerRegistry())
        let lane = try TapeLane.make(p, payloadLimit: ExecutionOptions.payloadLimit, executionNamePrefix: "line-",
                                     constants: constants(o)).get()
        lane.lineNumber = 1
        return (lane, o)
    }

    static func constants(_ o: ExecutionOptions) -> TapeLane.ExecutionConstants {
        TapeLane.ExecutionConstants(executionArnPrefix: o.executionArn, stateMachineArn: o.stateMachineArn,
                                    stateMachineName: o.stateMachineName, roleArn: o.roleArn, redriveCount: o.redriveCount)
    }

    /// The lane's output for a line, or nil when it handed the line back.
    static func run(_ lane: TapeLane, _ line: String) -> String? {
        let bytes = Array(line.utf8)
        return bytes.withUnsafeBufferPointer { b -> String? in
            guard let out = try? lane.run(line: b) else { return nil }
            return String(decoding: out, as: UTF8.self)
        }
    }

    /// The general engine's result for the same line.
    static func general(_ p: Program, _ line: String, backend: any TaskBackend = HandlerRegistry()) -> ExecutionResult? {
        guard let input = try? JSON.parse(line) else { return nil }
        let o = ExecutionOptions(executionName: "line-1", stateMachineName: "sm", clock: .virtual, backend: backend)
        return Execution(program: p, input: input, options: o).runToCompletion()
    }

    /// The lane's output for a line, or the error its execution failed with (one a state
    /// raised worded as the batch runner words it, with `p`); nil when it handed the line
    /// back.
    static func outcome(_ lane: TapeLane, _ line: String, _ p: Program? = nil) -> Result<String, ASLError>? {
        var out = UnsafeVec<UInt8>(capacity: 256)
        defer { out.free() }
        if let p, lane.qualifier == nil {
            LinearRunLog(program: p, options: ExecutionOptions(executionName: "", stateMachineName: "", backend: HandlerRegistry()))
                .wordsErrors(of: lane)
        }
        return Array(line.utf8).withUnsafeBufferPointer { b -> Result<String, ASLError>? in
            do {
                var end = try lane.run(line: b, appendingTo: &out)
                // A parked line (a `.parking` clock) goes on at once, as its host would once
                // its time came, through a copy of what it needs.
                while case .waits = end { end = try lane.resume(lane.suspend(), line: b, appendingTo: &out) }
                if end == .failed {
                    guard lane.failedByState, let qualified = lane.qualifier else { return .failure(lane.lastFailure) }
                    return .failure(qualified(lane.lastFailure))
                }
                return .success(String(decoding: out.buffer, as: UTF8.self))
            } catch {
                return nil
            }
        }
    }

    /// Checks one line: if the lane keeps it, the general engine must end it the same way:
    /// succeeded with the same bytes, or failed with the same error and cause.
    /// Returns whether the lane kept it.
    @discardableResult
    static func agree(_ p: Program, _ lane: TapeLane, _ line: String, _ comment: Comment? = nil,
                      backend: any TaskBackend = HandlerRegistry()) -> Bool {
        guard let fast = outcome(lane, line, p) else { return false }
        let slow = general(p, line, backend: backend)
        switch fast {
        case .success(let out):
            #expect(slow?.status == .succeeded, "lane kept a line the general engine fails: \(line) \(comment ?? "")")
            #expect(slow?.output.map { maskingUUIDs($0.serialized) } == maskingUUIDs(out), "\(line) \(comment ?? "")")
        case .failure(let e):
            #expect(slow?.status == .failed, "lane failed a line the general engine ends \(String(describing: slow?.status)): \(line) \(comment ?? "")")
            #expect(slow?.error == e, "\(line) \(comment ?? "")")
        }
        return true
    }
}

struct LaneTestError: Error, CustomStringConvertible {
    let description: String
    init(_ s: String) { description = s }
}

@Suite struct TapeLaneTests {
    static let passChoice = """
        {"StartAt":"Normalize","States":{
          "Normalize":{"Type":"Pass","Parameters":{"orderId.$":"$.orderId","customerId.$":"$.customer.id","tier.$":"$.customer.tier",
            "total.$":"$.total","itemCount.$":"States.ArrayLength($.items)",
            "greeting.$":"States.Format('Hello {}, your order {} is in', $.customer.name, $.orderId)","express.$":"$.express"},"Next":"Route"},
          "Route":{"Type":"Choice","Choices":[
            {"And":[{"Variable":"$.tier","StringEquals":"platinum"},{"Variable":"$.total","NumericGreaterThan":500}],"Next":"Priority"},
            {"Variable":"$.express","BooleanEquals":true,"Next":"Priority"},
            {"Variable":"$.itemCount","NumericGreaterThanEquals":4,"Next":"Bulk"}],"Default":"Standard"},
          "Priority":{"Type":"Pass","Result":{"lane":"priority","sla":1},"ResultPath":"$.routing","Next":"Done"},
          "Bulk":{"Type":"Pass","Result":{"lane":"bulk","sla":3},"ResultPath":"$.routing","Next":"Done"},
          "Standard":{"Type":"Pass","Result":{"lane":"standard","sla":2},"ResultPath":"$.routing","Next":"Done"},
          "Done":{"Type":"Succeed"}}}
        """

    static let map = """
        {"StartAt":"PriceLines","States":{
          "PriceLines":{"Type":"Map","ItemsPath":"$.items",
            "ItemSelector":{"sku.$":"$$.Map.Item.Value.sku","qty.$":"$$.Map.Item.Value.qty","price.$":"$$.Map.Item.Value.price",
              "line.$":"$$.Map.Item.Index","tier.$":"$.customer.tier"},
            "ItemProcessor":{"ProcessorConfig":{"Mode":"INLINE"},"StartAt":"Discount","States":{
              "Discount":{"Type":"Choice","Choices":[{"Or":[{"Variable":"$.tier","StringEquals":"gold"},
                {"Variable":"$.tier","StringEquals":"platinum"}],"Next":"Member"}],"Default":"Regular"},
              "Member":{"Type":"Pass","Parameters":{"sku.$":"$.sku","qty.$":"$.qty","price.$":"$.price","line.$":"$.line","discountPct":10},"End":true},
              "Regular":{"Type":"Pass","Parameters":{"sku.$":"$.sku","qty.$":"$.qty","price.$":"$.price","line.$":"$.line","discountPct":0},"End":true}}},
            "ResultPath":"$.lines","Next":"Summarize"},
          "Summarize":{"Type":"Pass","Parameters":{"orderId.$":"$.orderId","lines.$":"$.lines",
            "lineCount.$":"States.ArrayLength($.lines)","skus.$":"$.lines[*].sku"},"End":true}}}
        """

    /// The bench workload's Parallel, with a Parameters and a branch that chooses.
    static let parallel = """
        {"StartAt":"Fanout","States":{
          "Fanout":{"Type":"Parallel","Parameters":{"customer.$":"$.customer","total.$":"$.total","items.$":"$.items","express.$":"$.express"},
            "Branches":[
              {"StartAt":"Customer","States":{"Customer":{"Type":"Pass","InputPath":"$.customer","Parameters":{"id.$":"$.id","tier.$":"$.tier"},"End":true}}},
              {"StartAt":"Money","States":{"Money":{"Type":"Pass","Parameters":{"total.$":"$.total","lines.$":"States.ArrayLength($.items)"},"Next":"Big"},
                "Big":{"Type":"Choice","Choices":[{"Variable":"$.total","NumericGreaterThan":500,"Next":"Mark"}],"Default":"Keep"},
                "Mark":{"Type":"Pass","Result":true,"ResultPath":"$.big","End":true},
                "Keep":{"Type":"Succeed"}}},
              {"StartAt":"Flags","States":{"Flags":{"Type":"Pass","Parameters":{"express.$":"$.express"},"ResultPath":"$.flags","End":true}}}],
            "ResultSelector":{"merged.$":"States.JsonMerge(States.JsonMerge($[0], $[1], false), $[2], false)","first.$":"$[0]"},
            "ResultPath":"$.view","OutputPath":"$.view","End":true}}}
        """

    static let event = #"{"orderId":"o-1","customer":{"id":"c-9","name":"Søren Núñez","tier":"platinum"},"items":[{"sku":"A","qty":2,"price":10.5},{"sku":"B","qty":1,"price":809.0}],"total":829.0,"express":false}"#

    @Test func passChoiceGivesTheGeneralEnginesBytes() throws {
        let p = try Lane.program(Self.passChoice)
        let lane = try Lane.lane(p)
        #expect(Lane.run(lane, Self.event) ==
            #"{"orderId":"o-1","customerId":"c-9","tier":"platinum","total":829.0,"itemCount":2,"greeting":"Hello Søren Núñez, your order o-1 is in","express":false,"routing":{"lane":"priority","sla":1}}"#)
        #expect(Lane.agree(p, lane, Self.event))
        #expect(lane.trail.count == 4)
    }

    @Test func mapGivesTheGeneralEnginesBytes() throws {
        let p = try Lane.program(Self.map)
        let lane = try Lane.lane(p)
        #expect(Lane.run(lane, Self.event) ==
            #"{"orderId":"o-1","lines":[{"sku":"A","qty":2,"price":10.5,"line":0,"discountPct":10},{"sku":"B","qty":1,"price":809.0,"line":1,"discountPct":10}],"lineCount":2,"skus":["A","B"]}"#)
        #expect(Lane.agree(p, lane, Self.event))
    }

    @Test func parallelGivesTheGeneralEnginesBytes() throws {
        let p = try Lane.program(Self.parallel)
        let lane = try Lane.lane(p)
        #expect(Lane.run(lane, Self.event) ==
            #"{"merged":{"id":"c-9","tier":"platinum","total":829.0,"lines":2,"big":true,"customer":{"id":"c-9","name":"Søren Núñez","tier":"platinum"},"items":[{"sku":"A","qty":2,"price":10.5},{"sku":"B","qty":1,"price":809.0}],"express":false,"flags":{"express":false}},"first":{"id":"c-9","tier":"platinum"}}"#)
        #expect(Lane.agree(p, lane, Self.event))
        // Every branch's states are on the trail: Fanout, Customer, Money, Big, Mark, Flags.
        #expect(lane.trail.count == 6)
        // One branch's ResultPath does not show in the next branch's input.
        let shared = try Lane.program(#"{"StartAt":"P","States":{"P":{"Type":"Parallel","Branches":[{"StartAt":"A","States":{"A":{"Type":"Pass","Result":1,"ResultPath":"$.a","End":true}}},{"StartAt":"B","States":{"B":{"Type":"Pass","End":true}}}],"End":true}}}"#)
        let sharedLane = try Lane.lane(shared)
        #expect(Lane.run(sharedLane, #"{"x":1}"#) == #"[{"x":1,"a":1},{"x":1}]"#)
        #expect(Lane.agree(shared, sharedLane, #"{"x":1}"#))
        // A branch that fails hands the line back, so the general engine words the error.
        let failing = try Lane.program(#"{"StartAt":"P","States":{"P":{"Type":"Parallel","Branches":[{"StartAt":"F","States":{"F":{"Type":"Fail","Error":"E"}}}],"End":true}}}"#)
        #expect(Lane.run(try Lane.lane(failing), #"{"x":1}"#) == nil)
    }

    /// The bench's wait workload: on a virtual clock a constant Wait waits for nothing the
    /// lane can see, and `$$.State.Name` is a constant of the state.
    @Test func waitOnAVirtualClockGivesTheGeneralEnginesBytes() throws {
        let p = try Lane.program("""
            {"StartAt":"Hold","States":{
              "Hold":{"Type":"Wait","Seconds":1,"InputPath":"$.order","OutputPath":"$.o","Next":"Stamp"},
              "Stamp":{"Type":"Pass","Parameters":{"orderId.$":"$.orderId","waitedIn.$":"$$.State.Name"},"Next":"Check"},
              "Check":{"Type":"Choice","Choices":[{"Variable":"$$.State.Name","StringEquals":"Check","Next":"Done"}]},
              "Done":{"Type":"Succeed"}}}
            """)
        let lane = try Lane.lane(p, clock: .virtual(hostLimitSeconds: ExpressLimits.executionSeconds))
        let line = #"{"order":{"o":{"orderId":"o-7"}}}"#
        #expect(Lane.run(lane, line) == #"{"orderId":"o-7","waitedIn":"Stamp"}"#)
        #expect(Lane.agree(p, lane, line))
        #expect(lane.trail.count == 4)
        // A Wait whose OutputPath finds nothing goes to the general engine for its error.
        #expect(Lane.run(lane, #"{"order":{}}"#) == nil)
        // On a real clock the line must really wait: not on the lane.
        guard case .failure = TapeLane.make(p, payloadLimit: ExecutionOptions.payloadLimit) else {
            Issue.record("a Wait on a real clock went to the lane"); return
        }
        // `"Seconds": 0` waits for nothing on a real clock either.
        let zero = try Lane.program(#"{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":0,"End":true}}}"#)
        let zeroLane = try Lane.lane(zero)
        #expect(Lane.run(zeroLane, #"{"a":1}"#) == #"{"a":1}"#)
        #expect(Lane.agree(zero, zeroLane, #"{"a":1}"#))
        // A SecondsPath is read from the effective input: a plain non-negative integer waits on
        // the virtual clock; anything else is the general engine's to refuse in AWS's words.
        let path = try Lane.program(#"{"StartAt":"W","States":{"W":{"Type":"Wait","InputPath":"$.w","SecondsPath":"$.s","Next":"P"},"P":{"Type":"Pass","End":true}}}"#)
        let pathLane = try Lane.lane(path, clock: .virtual(hostLimitSeconds: 300))
        #expect(Lane.run(pathLane, #"{"w":{"s":20}}"#) == #"{"s":20}"#)
        #expect(Lane.run(pathLane, #"{"w":{"s":0,"x":[1]}}"#) == #"{"s":0,"x":[1]}"#)
        for line in [#"{"w":{"s":20}}"#, #"{"w":{"s":0}}"#] { #expect(Lane.agree(path, pathLane, line)) }
        for handed in [#"{"w":{"s":"3"}}"#, #"{"w":{"s":-1}}"#, #"{"w":{"s":1.5}}"#, #"{"w":{}}"#, #"{"s":1}"#,
                       #"{"w":{"s":1e2}}"#, #"{"w":{"s":301}}"#, #"{"w":{"s":2147483648}}"#] {
            #expect(Lane.run(pathLane, handed) == nil, "\(handed)")
            #expect(Lane.general(path, handed)?.status != .succeeded || handed.contains("1e2") || handed.contains("301"), "\(handed)")
        }
        guard case .failure = TapeLane.make(path, payloadLimit: ExecutionOptions.payloadLimit) else {
            Issue.record("a SecondsPath on a real clock went to the lane"); return
        }
        // (Timestamps: TapeLaneWaitTests.)
        // Waits that reach the time limit (the host's or TimeoutSeconds) hand the line back,
        // so the general engine ends it TIMED_OUT; under it, the lane keeps it.
        let timed = try Lane.program(#"{"StartAt":"W","TimeoutSeconds":5,"States":{"W":{"Type":"Wait","Seconds":3,"Next":"V"},"V":{"Type":"Wait","Seconds":2,"End":true}}}"#)
        #expect(Lane.run(try Lane.lane(timed, clock: .virtual(hostLimitSeconds: 300)), "{}") == nil)
        #expect(Lane.general(timed, "{}")?.status == .timedOut)
        #expect(Lane.run(try Lane.lane(timed, clock: .virtual(hostLimitSeconds: 4)), "{}") == nil)
        #expect(Lane.run(try Lane.lane(timed, clock: .virtual(hostLimitSeconds: nil)), "{}") == nil)
        let long = try Lane.program(#"{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":400,"End":true}}}"#)
        #expect(Lane.run(try Lane.lane(long, clock: .virtual(hostLimitSeconds: 300)), "{}") == nil)
        #expect(Lane.run(try Lane.lane(long, clock: .virtual(hostLimitSeconds: nil)), "{}") == "{}")
        #expect(Lane.run(try Lane.lane(timed, clock: .virtual(hostLimitSeconds: 6)), "{}") == nil)
        let short = try Lane.program(#"{"StartAt":"W","TimeoutSeconds":6,"States":{"W":{"Type":"Wait","Seconds":3,"Next":"V"},"V":{"Type":"Wait","Seconds":2,"End":true}}}"#)
        #expect(Lane.agree(short, try Lane.lane(short, clock: .virtual(hostLimitSeconds: 300)), "{}"))
        // In a Map's ItemSelector, `$$.State.Name` is the Map's name; in its processor, each state's own.
        let m = try Lane.program(#"{"StartAt":"M","States":{"M":{"Type":"Map","ItemSelector":{"in.$":"$$.State.Name","v.$":"$$.Map.Item.Value"},"ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Pass","Parameters":{"at.$":"$$.State.Name","v.$":"$.v"},"End":true}}},"End":true}}}"#)
        let mapLane = try Lane.lane(m)
        #expect(Lane.run(mapLane, "[1,2]") == #"[{"at":"P","v":1},{"at":"P","v":2}]"#)
        #expect(Lane.agree(m, mapLane, "[1,2]"))
    }

    /// JsonMerge runs on the tape: `a`'s members in order, `b`'s values winning, then `b`'s new ones.
    @Test func jsonMergeGivesTheGeneralEnginesBytes() throws {
        func merge(_ call: String) throws -> (Program, TapeLane) {
            let p = try Lane.program(#"{"StartAt":"P","States":{"P":{"Type":"Pass","Parameters":{"m.$":"\#(call)"},"End":true}}}"#)
            return (p, try Lane.lane(p))
        }
        let (p, lane) = try merge("States.JsonMerge($.a, $.b, false)")
        let line = #"{"a":{"x":1,"y":{"deep":[1,2]},"z":"s"},"b":{"y":2.50,"w":null,"x":"new"}}"#
        #expect(Lane.run(lane, line) == #"{"m":{"x":"new","y":2.50,"z":"s","w":null}}"#)
        #expect(Lane.agree(p, lane, line))
        #expect(Lane.agree(p, lane, #"{"a":{},"b":{}}"#))
        #expect(Lane.agree(p, lane, #"{"a":{"k":1},"b":{}}"#))
        // Not objects, or keys that repeat in the line: the general engine decides.
        #expect(Lane.run(lane, #"{"a":[1],"b":{}}"#) == nil)
        #expect(Lane.run(lane, #"{"a":{},"b":"x"}"#) == nil)
        #expect(Lane.run(lane, #"{"a":{"k":1,"k":2},"b":{"j":1}}"#) == nil)
        // Nested calls and built objects (a Parameters' keys are constants).
        let (q, nested) = try merge("States.JsonMerge(States.JsonMerge($.a, $.b, false), $.a, false)")
        #expect(Lane.agree(q, nested, line))
        let built = try Lane.program(#"{"StartAt":"P","States":{"P":{"Type":"Pass","Parameters":{"x":0,"q.$":"$.a.z"},"ResultPath":"$.b","Next":"M"},"M":{"Type":"Pass","Parameters":{"m.$":"States.JsonMerge($.a, $.b, false)"},"End":true}}}"#)
        let builtLane = try Lane.lane(built)
        #expect(Lane.run(builtLane, line) == #"{"m":{"x":0,"y":{"deep":[1,2]},"z":"s","q":"s"}}"#)
        #expect(Lane.agree(built, builtLane, line))
        // A deep merge is refused by the general engine's code, which words the error.
        let (_, deep) = try merge("States.JsonMerge($.a, $.b, true)")
        #expect(Lane.run(deep, line) == nil)
    }

    /// Answers every task of a state with one constant, as a mock's Return does.
    /// A backend whose Tasks (by state name) answer every attempt with a constant result.
    static func constantTasks(_ results: [String: JSON]) -> ScriptedTasks {
        ScriptedTasks(script: results.mapValues { [.success($0)] })
    }

    /// A Task whose backend answers with a constant runs on the lane: Parameters built (and
    /// checked), the constant through ResultSelector, ResultPath and OutputPath; Retry and
    /// Catch never come into it, since any failure hands the line back.
    /// `$$.Execution.Input` is the line's own value: read by paths in templates, Choice rules,
    /// a Map's ItemSelector and intrinsics (natively, or handed to the general code as a
    /// context object of only that), anywhere in the machine. Other context paths a general
    /// intrinsic reads keep the program on the general engine.
    @Test func theExecutionInputIsTheLinesOwn() throws {
        let p = try Lane.program(#"""
            {"StartAt":"Shape","States":{
             "Shape":{"Type":"Pass","Parameters":{"id.$":"$$.Execution.Input.orderId","items.$":"$.items"},"Next":"Route"},
             "Route":{"Type":"Choice","Choices":[{"Variable":"$$.Execution.Input.express","BooleanEquals":true,"Next":"Each"}],"Default":"Done"},
             "Each":{"Type":"Map","ItemsPath":"$.items","ItemSelector":{"item.$":"$$.Map.Item.Value","order.$":"$$.Execution.Input.orderId"},
               "ItemProcessor":{"StartAt":"I","States":{"I":{"Type":"Pass","Parameters":{
                 "msg.$":"States.Format('{} of {}', $.item, $$.Execution.Input.orderId)",
                 "first.$":"States.ArrayGetItem($$.Execution.Input.items, 0)"},"End":true}}},"ResultPath":"$.lines","Next":"Done"},
             "Done":{"Type":"Succeed"}}}
            """#)
        let lane = try Lane.lane(p)
        let line = #"{"orderId":"o-7","express":true,"items":["a","b"]}"#
        #expect(Lane.run(lane, line) == #"{"id":"o-7","items":["a","b"],"lines":[{"msg":"a of o-7","first":"a"},{"msg":"b of o-7","first":"a"}]}"#)
        for l in [line, #"{"orderId":"o-8","express":false,"items":[]}"#, #"{"orderId":1,"express":true,"items":[1]}"#,
                  #"{"express":true,"items":["x"]}"#, #"{"orderId":"o","express":true,"items":[]}"#] {
            Lane.agree(p, lane, l)
        }
        let other = try Lane.program(#"{"StartAt":"P","States":{"P":{"Type":"Pass","Parameters":{"a.$":"States.ArrayGetItem(States.Array($$.Execution.Input, $$.Execution.Id), 1)"},"End":true}}}"#)
        guard case .failure = TapeLane.make(other, payloadLimit: ExecutionOptions.payloadLimit) else {
            Issue.record("an intrinsic reading $$.Execution.Id went to the lane"); return
        }
    }

    /// The run's constants of the context object: `$$.Execution.Id` (the ARN prefix, the
    /// name prefix and the line's number), `$$.StateMachine.Id` and `.Name`,
    /// `$$.Execution.RoleArn`, as the general engine's options give them; without them
    /// (a host that gives none) such a program stays general.
    @Test func theRunsContextConstants() throws {
        let p = try Lane.program(#"""
            {"StartAt":"P","States":{"P":{"Type":"Pass","Parameters":{"id.$":"$$.Execution.Id","sm.$":"$$.StateMachine.Id",
              "smn.$":"$$.StateMachine.Name","role.$":"$$.Execution.RoleArn",
              "msg.$":"States.Format('{} of {}', $.s, $$.Execution.Id)"},"End":true}}}
            """#)
        let (lane, o) = try Lane.withConstants(p)
        #expect(Lane.agree(p, lane, #"{"s":"x"}"#))
        #expect(Lane.run(lane, #"{"s":"x"}"#)?.contains(#""id":"\#(o.executionArn)line-1""#) == true)
        guard case .failure = TapeLane.make(p, payloadLimit: ExecutionOptions.payloadLimit, executionNamePrefix: "line-") else {
            Issue.record("$$.Execution.Id went to a lane that does not know the run's ARN"); return
        }
    }

    @Test func mockedTasksGiveTheGeneralEnginesBytes() throws {
        let p = try Lane.program("""
            {"StartAt":"Validate","States":{
              "Validate":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke",
                "Parameters":{"FunctionName":"v","Payload":{"orderId.$":"$.orderId","name.$":"$$.Execution.Name"}},
                "ResultSelector":{"valid.$":"$.Payload.valid"},"ResultPath":"$.validation",
                "Retry":[{"ErrorEquals":["States.ALL"],"MaxAttempts":2}],
                "Catch":[{"ErrorEquals":["States.ALL"],"Next":"Failed"}],"Next":"Ship"},
              "Ship":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:1:function:ship","TimeoutSeconds":5,
                "ResultPath":"$.shipment","OutputPath":"$.shipment","End":true},
              "Failed":{"Type":"Fail","Error":"E"}}}
            """)
        let backend = Self.constantTasks([
            "Validate": try JSON.parse(#"{"StatusCode":200,"Payload":{"valid":true,"score":0.97}}"#),
            "Ship": try JSON.parse(#"{"trackingNumber":"TRK-1"}"#)])
        let made = TapeLane.make(p, payloadLimit: ExecutionOptions.payloadLimit,
                                 taskResults: { backend.constantOutcome(stateName: $0, resource: $1, attempt: $2) },
                                 executionNamePrefix: "line-")
        guard case .success(let lane) = made else { Issue.record("not on the lane: \(made)"); return }
        lane.lineNumber = 1
        #expect(Lane.run(lane, #"{"orderId":"o-1"}"#) == #"{"trackingNumber":"TRK-1"}"#)
        #expect(Lane.agree(p, lane, #"{"orderId":"o-1","x":[1,2]}"#, backend: backend))
        // A Parameters path that finds nothing fails in the general engine (caught there).
        #expect(Lane.run(lane, #"{"id":"o-1"}"#) == nil)
        let caught = Lane.general(p, #"{"id":"o-1"}"#, backend: backend)
        #expect(caught?.status == .failed)
        // The name of the execution is the host's prefix and the line's number.
        let named = try Lane.program(#"{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"f"},"ResultSelector":{"n.$":"$$.Execution.Name","r.$":"$"},"End":true}}}"#)
        let nameLane = try #require(try? TapeLane.make(named, payloadLimit: ExecutionOptions.payloadLimit,
                                                       taskResults: { _, _, _ in .success(.number(JSONNumber(7))) }, executionNamePrefix: "line-").get())
        nameLane.lineNumber = 42
        #expect(Lane.run(nameLane, "{}") == #"{"n":"line-42","r":7}"#)
        // Without the host's answer, or without a way to name executions, the general engine runs it.
        guard case .failure = TapeLane.make(p, payloadLimit: ExecutionOptions.payloadLimit) else {
            Issue.record("a Task without a constant result went to the lane"); return
        }
        guard case .failure = TapeLane.make(p, payloadLimit: ExecutionOptions.payloadLimit,
                                            taskResults: { backend.constantOutcome(stateName: $0, resource: $1, attempt: $2) }) else {
            Issue.record("$$.Execution.Name went to a lane that cannot name executions"); return
        }
        // Token tasks wait for their token: never on the lane.
        let token = try Lane.program(#"{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::sqs:sendMessage.waitForTaskToken","Parameters":{"QueueUrl":"q","MessageBody.$":"$$.Task.Token"},"End":true}}}"#)
        guard case .failure = TapeLane.make(token, payloadLimit: ExecutionOptions.payloadLimit, taskResults: { _, _, _ in .success(.null) }) else {
            Issue.record("a token task went to the lane"); return
        }
    }

    /// Retry, Catch and tolerated failures act only on a failure, and a failure hands the
    /// line back: the general engine retries, catches or tolerates it.
    @Test func retryAndCatchLeaveTheFailuresToTheGeneralEngine() throws {
        let p = try Lane.program("""
            {"StartAt":"P","States":{
              "P":{"Type":"Parallel","Branches":[{"StartAt":"A","States":{"A":{"Type":"Pass","Parameters":{"x.$":"$.x"},"End":true}}}],
                "Retry":[{"ErrorEquals":["States.ALL"],"MaxAttempts":1}],
                "Catch":[{"ErrorEquals":["States.ALL"],"ResultPath":"$.error","Next":"Caught"}],"Next":"M"},
              "M":{"Type":"Map","ItemsPath":"$[0].x","ToleratedFailureCount":1,
                "ItemProcessor":{"StartAt":"I","States":{"I":{"Type":"Pass","Parameters":{"v.$":"$.v"},"End":true}}},
                "Catch":[{"ErrorEquals":["States.ALL"],"Next":"Caught"}],"End":true},
              "Caught":{"Type":"Pass","Result":"caught","End":true}}}
            """)
        let lane = try Lane.lane(p)
        #expect(Lane.run(lane, #"{"x":[{"v":1},{"v":2}]}"#) == #"[{"v":1},{"v":2}]"#)
        #expect(Lane.agree(p, lane, #"{"x":[{"v":1},{"v":2}]}"#))
        // A failing branch or iteration: handed back, and the general engine catches or tolerates it.
        for line in [#"{"y":1}"#, #"{"x":[{"v":1},{"w":2}]}"#, #"{"x":[{"w":1},{"w":2}]}"#] {
            #expect(Lane.run(lane, line) == nil, "\(line)")
            #expect(Lane.general(p, line)?.status != nil)
        }
        #expect(Lane.general(p, #"{"y":1}"#)?.output == "caught")
    }

    /// Answers each attempt of a state from a script (the last answer repeats), as a mock does.
    typealias ScriptedTasks = CortadoTestSupport.ScriptedTasks

    static func failingLane(_ p: Program, _ backend: ScriptedTasks, clock: TapeLane.Clock = .virtual(hostLimitSeconds: nil),
                            handlesFailures: Bool = true) -> Result<TapeLane, Unsupported> {
        TapeLane.make(p, payloadLimit: ExecutionOptions.payloadLimit, clock: clock,
                      taskResults: { backend.constantOutcome(stateName: $0, resource: $1, attempt: $2) }, handlesFailures: handlesFailures)
    }

    static let retrying = """
        {"StartAt":"T","States":{
          "T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"f","Payload.$":"$"},
            "ResultSelector":{"r.$":"$.Payload"},"ResultPath":"$.t",
            "Retry":[{"ErrorEquals":["Transient"],"IntervalSeconds":2,"MaxAttempts":3,"BackoffRate":2},
                     {"ErrorEquals":["States.ALL"],"MaxAttempts":1}],
            "Catch":[{"ErrorEquals":["Bad","States.Timeout"],"ResultPath":"$.error","Next":"Handled"}],"Next":"Done"},
          "Handled":{"Type":"Pass","Parameters":{"handled.$":"$.error"},"Next":"Done"},
          "Done":{"Type":"Succeed"}}}
        """

    /// A Task whose every attempt has a constant outcome runs on the lane with its Retry and
    /// Catch, played ahead by the interpreter's rules: the lane ends each line exactly as
    /// the general engine does (succeeded after retries, caught, or failed).
    @Test func mockedFailuresRetryAndCatchOnTheLane() throws {
        let p = try Lane.program(Self.retrying)
        let ok: Result<JSON, ASLError> = .success(["Payload": ["v": 1]])
        let transient: Result<JSON, ASLError> = .failure(ASLError(ErrorName("Transient"), "busy"))
        let bad: Result<JSON, ASLError> = .failure(ASLError(ErrorName("Bad"), "no"))
        let timeout: Result<JSON, ASLError> = .failure(ASLError(.timeout, nil))
        let line = #"{"id":7}"#
        for (script, want) in [
            ([transient, transient, ok], Result<String, ASLError>.success(#"{"id":7,"t":{"r":{"v":1}}}"#)),
            // The first Retrier that names it takes it, and no other does once it is spent.
            ([transient], .failure(ASLError(ErrorName("Transient"), "busy"))),
            // States.ALL retries once, then Catch takes it.
            ([bad], .success(#"{"handled":{"Error":"Bad","Cause":"no"}}"#)),
            ([bad, ok], .success(#"{"id":7,"t":{"r":{"v":1}}}"#)),
            // A caught timeout without a cause has Cause "" (ErrorOutput's rule).
            ([timeout], .success(#"{"handled":{"Error":"States.Timeout","Cause":""}}"#)),
        ] {
            let backend = ScriptedTasks(script: ["T": script])
            guard case .success(let lane) = Self.failingLane(p, backend) else { Issue.record("not on the lane: \(script)"); continue }
            #expect(Lane.outcome(lane, line) == want, "\(script)")
            #expect(Lane.agree(p, lane, line, "\(script)", backend: backend))
        }
        // A Fail state of literal Error and Cause ends the line on the lane; one that reads
        // its input leaves the line to the general engine.
        let fail = try Lane.program(#"{"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[{"Variable":"$.ok","BooleanEquals":true,"Next":"Y"}],"Default":"F"},"Y":{"Type":"Succeed"},"F":{"Type":"Fail","Error":"Nope","Cause":"not ok"}}}"#)
        let failLane = try #require(try? Self.failingLane(fail, ScriptedTasks(script: [:])).get())
        #expect(Lane.outcome(failLane, #"{"ok":false}"#) == .failure(ASLError(ErrorName("Nope"), "not ok")))
        #expect(Lane.agree(fail, failLane, #"{"ok":false}"#))
        #expect(Lane.agree(fail, failLane, #"{"ok":true}"#))
        // A JSONata Fail state's plain strings are literals too; an expression, like an
        // ErrorPath, is read from the input when the state runs (`failStatesReadTheirErrorAndCause`).
        let jsonataFail = try Lane.program(#"{"QueryLanguage":"JSONata","StartAt":"C","States":{"C":{"Type":"Choice","Choices":[{"Condition":"{% $states.input.ok %}","Next":"Y"}],"Default":"F"},"Y":{"Type":"Succeed"},"F":{"Type":"Fail","Error":"Nope","Cause":"not ok"}}}"#)
        let jsonataLane = try #require(try? Self.failingLane(jsonataFail, ScriptedTasks(script: [:])).get())
        #expect(Lane.outcome(jsonataLane, #"{"ok":false}"#) == .failure(ASLError(ErrorName("Nope"), "not ok")))
        #expect(Lane.agree(jsonataFail, jsonataLane, #"{"ok":false}"#))
        let jsonataExpression = try Lane.program(#"{"QueryLanguage":"JSONata","StartAt":"F","States":{"F":{"Type":"Fail","Error":"{% $states.input.e %}"}}}"#)
        let expressionLane = try #require(try? Self.failingLane(jsonataExpression, ScriptedTasks(script: [:])).get())
        #expect(Lane.outcome(expressionLane, #"{"e":"E"}"#) == .failure(ASLError(ErrorName("E"), nil)))
        let failPath = try Lane.program(#"{"StartAt":"F","States":{"F":{"Type":"Fail","ErrorPath":"$.e","Cause":"c"}}}"#)
        let pathLane = try #require(try? Self.failingLane(failPath, ScriptedTasks(script: [:])).get())
        #expect(Lane.outcome(pathLane, #"{"e":"E"}"#) == .failure(ASLError(ErrorName("E"), "c")))
        #expect(Lane.agree(failPath, pathLane, #"{"e":"E"}"#))
    }

    /// What stays the general engine's: a Retry that waits on a real clock, waits past the
    /// time limit, and every failure on a lane whose host takes none (it logs them).
    @Test func failuresTheLaneLeavesToTheGeneralEngine() throws {
        let p = try Lane.program(Self.retrying)
        let transient: Result<JSON, ASLError> = .failure(ASLError(ErrorName("Transient"), "busy"))
        let flaky = ScriptedTasks(script: ["T": [transient, .success(["Payload": 1])]])
        guard case .failure(let why) = Self.failingLane(p, flaky, clock: .real) else { Issue.record("a Retry waited on a real clock"); return }
        #expect(why.description.contains("real clock"))
        // 2 s of back-off against a 1 s limit: the general engine decides the time-out.
        let limited = try #require(try? Self.failingLane(p, flaky, clock: .virtual(hostLimitSeconds: 1)).get())
        #expect(Lane.outcome(limited, "{}") == nil)
        let plenty = try #require(try? Self.failingLane(p, flaky, clock: .virtual(hostLimitSeconds: 3)).get())
        #expect(Lane.outcome(plenty, "{}") == .success(#"{"t":{"r":1}}"#))
        guard case .failure = Self.failingLane(p, flaky, handlesFailures: false) else { Issue.record("a failing Task went to a lane that takes no failures"); return }
        let inParallel = try Lane.program(#"{"StartAt":"P","States":{"P":{"Type":"Parallel","Branches":[{"StartAt":"F","States":{"F":{"Type":"Fail","Error":"E"}}}],"End":true}}}"#)
        let parallelLane = try #require(try? Self.failingLane(inParallel, ScriptedTasks(script: [:])).get())
        // (A failed branch with no Catcher fails the line, on the lane as in the general engine.)
        #expect(Lane.outcome(parallelLane, "{}") == .failure(ASLError(ErrorName("E"), nil)))
        #expect(Lane.agree(inParallel, parallelLane, "{}"))
    }

    /// A failed Parallel branch or Map iteration is caught on the lane by the state's
    /// Catchers, or fails the line, as in the general engine; a Retrier that takes it on a
    /// real clock, or children that wait (the general engine then interleaves them) leave the
    /// line to the general engine. (Retried on a virtual clock, tolerated failures:
    /// `TapeLaneChildrenTests`.)
    @Test func failedBranchesAndIterationsAreCaughtOnTheLane() throws {
        let failing = #"{"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[{"Variable":"$.bad","BooleanEquals":true,"Next":"F"}],"Default":"S"},"F":{"Type":"Fail","Error":"E1","Cause":"c1"},"S":{"Type":"Succeed"}}}"#
        func program(_ extra: String, branch: String = "") throws -> Program {
            try Lane.program("""
                {"StartAt":"P","States":{
                  "P":{"Type":"Parallel","Branches":[{"StartAt":"A","States":{"A":{"Type":"Pass"\(branch),"End":true}}},\(failing)],
                    "ResultPath":"$.p",\(extra)"Next":"M"},
                  "M":{"Type":"Map","ItemsPath":"$.items","ItemProcessor":\(failing),
                    "Catch":[{"ErrorEquals":["States.ALL"],"ResultPath":"$.mapError","Next":"Caught"}],"End":true},
                  "Caught":{"Type":"Pass","End":true}}}
                """)
        }
        let p = try program(#""Catch":[{"ErrorEquals":["E1"],"ResultPath":"$.err","Next":"Caught"}],"#)
        let lane = try #require(try? Self.failingLane(p, ScriptedTasks(script: [:])).get())
        for (line, want) in [
            (#"{"bad":true,"items":[]}"#, #"{"bad":true,"items":[],"err":{"Error":"E1","Cause":"c1"}}"#),
            (#"{"bad":false,"items":[{"bad":false},{"bad":true},{"bad":true}]}"#,
             #"{"bad":false,"items":[{"bad":false},{"bad":true},{"bad":true}],"p":[{"bad":false,"items":[{"bad":false},{"bad":true},{"bad":true}]},{"bad":false,"items":[{"bad":false},{"bad":true},{"bad":true}]}],"mapError":{"Error":"E1","Cause":"c1"}}"#),
        ] {
            #expect(Lane.outcome(lane, line) == .success(want), "\(line)")
            #expect(Lane.agree(p, lane, line))
        }
        #expect(Lane.agree(p, lane, #"{"bad":false,"items":[{"bad":false}]}"#))
        // No Catcher names it: the line fails with the branch's error.
        let uncaught = try program(#""Catch":[{"ErrorEquals":["Other"],"Next":"Caught"}],"#)
        let uncaughtLane = try #require(try? Self.failingLane(uncaught, ScriptedTasks(script: [:])).get())
        #expect(Lane.outcome(uncaughtLane, #"{"bad":true,"items":[]}"#) == .failure(ASLError(ErrorName("E1"), "c1")))
        #expect(Lane.agree(uncaught, uncaughtLane, #"{"bad":true,"items":[]}"#))
        // Left to the general engine: a Retrier that takes it on a real clock, a branch that waits.
        for (q, line, clock) in [
            (try program(#""Retry":[{"ErrorEquals":["E1"],"MaxAttempts":1}],"#), #"{"bad":true,"items":[]}"#, TapeLane.Clock.real),
            (try program(#""Catch":[{"ErrorEquals":["E1"],"Next":"Caught"}],"#, branch: #","Next":"W"},"W":{"Type":"Wait","Seconds":1"#),
             #"{"bad":true,"items":[]}"#, .virtual(hostLimitSeconds: nil)),
        ] {
            let l = try #require(try? Self.failingLane(q, ScriptedTasks(script: [:]), clock: clock).get())
            #expect(Lane.outcome(l, line) == nil, "\(line)")
            #expect(Lane.general(q, line) != nil)
        }
    }

    /// Random Retry and Catch lists against random scripts of Returns and Throws, on random
    /// time limits: every line the lane keeps ends as the general engine ends it.
    @Test func randomRetryAndCatchAgreeWithTheGeneralEngine() throws {
        var rng = SplitMix64(seed: 2026)
        let names = ["A", "B", "States.TaskFailed", "States.Timeout"]
        func errorEquals(_ last: Bool) -> [String] {
            if last, Int.random(in: 0..<3, using: &rng) == 0 { return ["States.ALL"] }
            return Array(names.shuffled(using: &rng).prefix(Int.random(in: 1...2, using: &rng)))
        }
        var kept = 0, caught = 0, failed = 0
        for round in 0..<300 {
            let nr = Int.random(in: 0...3, using: &rng), nc = Int.random(in: 0...2, using: &rng)
            let retry = (0..<nr).map { k -> String in
                let delay = Bool.random(using: &rng) ? #","MaxDelaySeconds":3"# : ""
                return #"{"ErrorEquals":\#(errorEquals(k == nr - 1).debugDescription),"IntervalSeconds":\#(Int.random(in: 1...3, using: &rng)),"MaxAttempts":\#(Int.random(in: 0...3, using: &rng)),"BackoffRate":\#([1, 1.5, 2][Int.random(in: 0...2, using: &rng)])\#(delay)}"#
            }
            let catches = (0..<nc).map { k -> String in
                let path = [#","ResultPath":"$.err""#, #","ResultPath":null"#, ""][Int.random(in: 0...2, using: &rng)]
                return #"{"ErrorEquals":\#(errorEquals(k == nc - 1).debugDescription),"Next":"Handled"\#(path)}"#
            }
            let definition = """
                {"StartAt":"T","States":{
                  "T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"f"},
                    "ResultSelector":{"p.$":"$.Payload"},"ResultPath":"$.t",
                    "Retry":[\(retry.joined(separator: ","))],"Catch":[\(catches.joined(separator: ","))],"End":true},
                  "Handled":{"Type":"Pass","End":true}}}
                """
            let p = try Lane.program(definition)
            let script = (0..<Int.random(in: 1...5, using: &rng)).map { k -> Result<JSON, ASLError> in
                switch Int.random(in: 0...4, using: &rng) {
                case 0: return .success(["Payload": .number(JSONNumber(k))])
                case 1: return .failure(ASLError(.timeout, nil))
                default:
                    let cause: String? = Bool.random(using: &rng) ? "cause \(k)" : nil
                    return .failure(ASLError(ErrorName(["A", "B", "C"][Int.random(in: 0...2, using: &rng)]), cause))
                }
            }
            let backend = ScriptedTasks(script: ["T": script])
            let limit: Int? = Bool.random(using: &rng) ? Int.random(in: 1...30, using: &rng) : nil
            guard case .success(let lane) = Self.failingLane(p, backend, clock: .virtual(hostLimitSeconds: limit)) else {
                Issue.record("round \(round) not on the lane"); continue
            }
            let line = #"{"n":\#(round)}"#
            if Lane.agree(p, lane, line, "round \(round): \(definition) \(script)", backend: backend) {
                kept += 1
                switch Lane.outcome(lane, line) {
                case .failure?: failed += 1
                case .success(let out)? where out.contains("Error"): caught += 1
                default: break
                }
            }
        }
        #expect(kept > 200 && caught > 20 && failed > 20, "kept \(kept), caught \(caught), failed \(failed)")
    }

    @Test func whitespaceIsDroppedAsTheWriterDrops() throws {
        let p = try Lane.program(#"{"StartAt":"P","States":{"P":{"Type":"Pass","ResultPath":"$.copy","End":true}}}"#)
        let lane = try Lane.lane(p)
        let line = "{ \"a\" : [ 1 , { \"b\" : \"x y\" } ] ,\t\"c\":null }"
        #expect(Lane.run(lane, line) == #"{"a":[1,{"b":"x y"}],"c":null,"copy":{"a":[1,{"b":"x y"}],"c":null}}"#)
        #expect(Lane.agree(p, lane, line))
    }

    /// (Lines with escape sequences stay: `TapeLaneEscapesTests`.)
    @Test func linesItIsNotSureOfGoBack() throws {
        let p = try Lane.program(#"{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}"#)
        let lane = try Lane.lane(p)
        for line in [
            #"{"a":1,"a":2}"#,  // duplicate keys: the last one wins in the general parser
            #"{"a":01}"#, #"{"a":1.}"#, #"{"a":-}"#, #"{"a":1e}"#,  // not JSON numbers
            "{\"a\":\"\u{01}\"}",  // control character
            #"{"a":tru}"#, #"{"a":1}x"#, #"{"a":[1,]}"#, #"{"a" 1}"#, "", "   ",
            String(repeating: "[", count: 300) + String(repeating: "]", count: 300),
        ] {
            #expect(Lane.run(lane, line) == nil, "\(line)")
        }
        // Invalid UTF-8 in a string.
        var bad: [UInt8] = Array(#"{"a":""#.utf8) + [0xED, 0xA0, 0x80] + Array(#""}"#.utf8)
        #expect(throws: Bail.self) { try bad.withUnsafeBufferPointer { _ = try lane.run(line: $0) } }
        bad = Array(#"{"a":"é"}"#.utf8)
        #expect(throws: Never.self) { try bad.withUnsafeBufferPointer { _ = try lane.run(line: $0) } }
    }

    @Test func errorsGoBackSoTheGeneralEngineWordsThem() throws {
        let p = try Lane.program(Self.passChoice)
        let lane = try Lane.lane(p)
        // Missing field, ArrayLength of a non-array: the general engine words the error.
        for line in [#"{"orderId":"o"}"#, #"{"orderId":"o","customer":{"id":1,"name":"n","tier":"t"},"items":5,"total":1,"express":true}"#] {
            #expect(Lane.run(lane, line) == nil, "\(line)")
            #expect(Lane.general(p, line)?.status == .failed)
        }
        // Format of a number prints it as Java does: the general code's call, on the lane.
        let number = #"{"orderId":1,"customer":{"id":1,"name":"n","tier":"t"},"items":[],"total":1,"express":true}"#
        #expect(Lane.agree(p, lane, number))
        #expect(Lane.general(p, number)?.output?["greeting"] == "Hello n, your order 1 is in")
    }

    /// A Choice rule on a path that selects nothing is an error on AWS (only IsPresent tests
    /// it): the lane hands such a line over and the general engine raises it. A regression
    /// test: the lane took IsTimestamp false on a missing path as a match.
    @Test func choiceOnAMissingPathGoesBackAndFails() throws {
        for rule in [#""IsTimestamp":false"#, #""IsNull":false"#, #""IsBoolean":false"#, #""StringEquals":"x""#,
                     #""NumericGreaterThan":1"#, #""BooleanEquals":false"#, #""StringEqualsPath":"$.a""#] {
            let p = try Lane.program(#"{"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[{"Variable":"$.zz","#
                + rule + #","Next":"Y"}],"Default":"N"},"Y":{"Type":"Pass","End":true},"N":{"Type":"Pass","End":true}}}"#)
            let lane = try Lane.lane(p)
            #expect(Lane.run(lane, #"{"a":"x"}"#) == nil, "\(rule)")
            let slow = Lane.general(p, #"{"a":"x"}"#)
            #expect(slow?.error?.name == .runtime, "\(rule)")
            #expect(slow?.error?.cause?.hasSuffix("Invalid path '$.zz': The choice state's condition path references an invalid value.") == true)
            #expect(Lane.agree(p, lane, #"{"a":"x","zz":"x"}"#, "\(rule)"))
        }
    }

    /// Text built with bytes that need escapes (a Format piece with a quote and a newline)
    /// is sized and written as the general engine's writer writes it.
    @Test func formatTextThatNeedsEscapesIsWrittenAsTheWriterWritesIt() throws {
        let p = try Lane.program(#"{"StartAt":"P","States":{"P":{"Type":"Pass","Parameters":{"s.$":"States.Format('say \"{}\"\n\\\\ {}', $.a, $.b)","n":1},"End":true}}}"#)
        let lane = try Lane.lane(p)
        let out = Lane.run(lane, #"{"a":"hi","b":"x"}"#)
        #expect(out == #"{"s":"say \"hi\"\n\\ x","n":1}"#)
        #expect(Lane.agree(p, lane, #"{"a":"hi","b":"x"}"#))
    }

    /// Sizes saturate at Int32.max (values built by reference, like 20,000 Map items that
    /// each hold the whole input, are far larger than their line). Replacing a member of
    /// such a value keeps its size saturated, so the line hands over instead of being
    /// written into room made for the size the subtraction gave (it was 1 byte here).
    @Test func aSaturatedSizeStaysSaturatedWhenAMemberIsReplaced() throws {
        let p = try Lane.program("""
            {"StartAt":"M","States":{
              "M":{"Type":"Map","ItemsPath":"$.items","ItemSelector":{"all.$":"$"},"ResultPath":"$.big","Next":"P",
                "ItemProcessor":{"ProcessorConfig":{"Mode":"INLINE"},"StartAt":"I","States":{"I":{"Type":"Pass","End":true}}}},
              "P":{"Type":"Pass","Result":1,"ResultPath":"$.big","End":true}}}
            """)
        let lane = try Lane.lane(p)
        let items = Array(repeating: "0", count: 20_000).joined(separator: ",")
        let line = #"{"items":[\#(items)],"pad":"\#(String(repeating: "x", count: 110_000))"}"#
        #expect(Lane.run(lane, line) == nil)
        // A small line through the same program stays on the lane.
        #expect(Lane.agree(p, lane, #"{"items":[1,2],"pad":"x"}"#))
    }

    /// Regression: reading a value inside a lazily parsed object expands it, which adds
    /// links; Format kept its values at the end of the links and read back the wrong one.
    @Test func formatValuesFromNestedObjects() throws {
        let p = try Lane.program(#"{"StartAt":"P","States":{"P":{"Type":"Pass","Parameters":{"r.$":"States.Format('a={} b={} c={}', $.x.fst, $.y.snd, $.x.snd)"},"End":true}}}"#)
        let lane = try Lane.lane(p)
        let line = #"{"x":{"fst":"1","snd":"2"},"y":{"snd":"3"}}"#
        #expect(Lane.run(lane, line) == #"{"r":"a=1 b=3 c=2"}"#)
        #expect(Lane.agree(p, lane, line))
    }

    /// Format's values other than strings (numbers, booleans, null, objects, arrays, strings
    /// with escapes) print as Java prints them: the general code's call runs it, on the lane.
    @Test func formatValuesThatAreNotStrings() throws {
        let p = try Lane.program(#"{"StartAt":"P","States":{"P":{"Type":"Pass","Parameters":{"r.$":"States.Format('v={} w={}', $.v, $.w)"},"End":true}}}"#)
        let lane = try Lane.lane(p)
        for v in ["1", "1.50", "-0", "1e3", "true", "null", #"{"a":[1,"x"]}"#, "[1,2]", #""q\"uote""#, #""plain""#] {
            let line = #"{"v":\#(v),"w":"s"}"#
            #expect(Lane.run(lane, line) != nil, "\(line)")
            #expect(Lane.agree(p, lane, line), "\(line)")
        }
    }

    /// Values the program never reads are still checked: a bad value deep inside hands
    /// the line back (the general engine rejects the whole line).
    @Test func nestedValuesAreCheckedEvenWhenNotRead() throws {
        let p = try Lane.program(#"{"StartAt":"P","States":{"P":{"Type":"Pass","Parameters":{"a.$":"$.a"},"End":true}}}"#)
        let lane = try Lane.lane(p)
        #expect(Lane.run(lane, #"{"a":1,"b":{"c":[1,{"d":2}]}}"#) == #"{"a":1}"#)
        for bad in [#"{"a":1,"b":{"c":[1,{"d":02}]}}"#, #"{"a":1,"b":{"c":[1,{"d":2}]]}"#] {
            #expect(Lane.run(lane, bad) == nil, "\(bad)")
        }
        // (An escape is no longer one: the line is written again, `TapeLaneEscapesTests`.)
        #expect(Lane.agree(p, lane, #"{"a":1,"b":{"c":[1,{"d":"\u0041"}]}}"#))
        // A repeated key in an object never read changes nothing (the general engine keeps
        // the last one and drops it with the rest): the lane keeps the line.
        let repeated = #"{"a":1,"b":{"c":[1,{"d":2,"d":3}]}}"#
        #expect(Lane.run(lane, repeated) == #"{"a":1}"#)
        #expect(Lane.agree(p, lane, repeated))
    }

    /// Duplicate keys hand the line back whether the object is read, copied or extended.
    @Test func duplicateKeysGoBackWhenTheObjectIsUsed() throws {
        let copy = try Lane.lane(try Lane.program(#"{"StartAt":"P","States":{"P":{"Type":"Pass","Parameters":{"b.$":"$.b"},"End":true}}}"#))
        #expect(Lane.run(copy, #"{"a":1,"b":{"c":[1,{"d":2,"d":3}]}}"#) == nil)
        #expect(Lane.run(copy, #"{"a":1,"b":{"c":[1,{"d":2,"e":3}]}}"#) == #"{"b":{"c":[1,{"d":2,"e":3}]}}"#)
        let read = try Lane.lane(try Lane.program(#"{"StartAt":"P","States":{"P":{"Type":"Pass","Parameters":{"x.$":"$.b.x"},"End":true}}}"#))
        #expect(Lane.run(read, #"{"b":{"x":1,"x":2}}"#) == nil)
        let assign = try Lane.lane(try Lane.program(#"{"StartAt":"P","States":{"P":{"Type":"Pass","Result":1,"ResultPath":"$.b.y","End":true}}}"#))
        #expect(Lane.run(assign, #"{"b":{"x":1,"x":2}}"#) == nil)
        #expect(Lane.run(assign, #"{"b":{"x":1}}"#) == #"{"b":{"x":1,"y":1}}"#)
    }

    /// Duplicate keys are found wherever they sit, among few keys and many (a 64-bit filter
    /// over each key's first bytes and length, then bytes), also when keys share their
    /// first 8 bytes or their length; keys that differ only past their first 8 bytes are
    /// not duplicates.
    @Test func duplicateKeysAreFoundAmongFewAndManyKeys() throws {
        let p = try Lane.program(#"{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}"#)
        let lane = try Lane.lane(p)
        for n in [2, 3, 9, 16, 17, 40] {
            let names = (0..<n).map { k in k % 3 == 0 ? "customer_field_\(k)" : (k % 3 == 1 ? "k\(k)" : "abcdefgh\(k)") }
            let unique = "{" + names.map { #""\#($0)":1"# }.joined(separator: ",") + "}"
            #expect(Lane.agree(p, lane, unique), "\(n) distinct keys")
            for (a, b) in [(0, n - 1), (n / 2, n / 2 + 1), (n - 2, n - 1)] where a < b && b < n {
                var dup = names
                dup[b] = dup[a]
                let line = "{" + dup.map { #""\#($0)":1"# }.joined(separator: ",") + "}"
                #expect(Lane.run(lane, line) == nil, "\(n) keys, #\(b) repeats #\(a)")
            }
        }
        #expect(Lane.agree(p, lane, #"{"customer_id":1,"customer_nm":2,"customer_i":3,"":4,"c":5}"#))
        #expect(Lane.run(lane, #"{"":1,"a":2,"":3}"#) == nil)
    }

    @Test func unsupportedProgramsStayOnTheGeneralEngine() throws {
        for d in [
            #"{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:1:function:f","End":true}}}"#,
            #"{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":1,"End":true}}}"#,
            #"{"StartAt":"P","States":{"P":{"Type":"Pass","Parameters":{"id.$":"$$.Execution.Id"},"End":true}}}"#,
            #"{"StartAt":"P","States":{"P":{"Type":"Pass","Parameters":{"u.$":"$$.Execution.Input..a"},"End":true}}}"#,
            #"{"StartAt":"P","States":{"P":{"Type":"Parallel","Branches":[{"StartAt":"A","States":{"A":{"Type":"Pass","End":true}}}],"ResultSelector":{"n.$":"$$.State.RetryCount"},"End":true}}}"#,
        ] {
            let p = try Lane.program(d)
            guard case .failure = TapeLane.make(p, payloadLimit: ExecutionOptions.payloadLimit) else {
                Issue.record("lane accepted \(d)"); continue
            }
        }
    }

    @Test func resultPathBuildsNestedObjectsAndReplacesInPlace() throws {
        let p = try Lane.program(#"{"StartAt":"A","States":{"A":{"Type":"Pass","Result":7,"ResultPath":"$.x.y.z","Next":"B"},"B":{"Type":"Pass","Result":"r","ResultPath":"$.a","End":true}}}"#)
        let lane = try Lane.lane(p)
        #expect(Lane.run(lane, #"{"a":1,"b":2}"#) == #"{"a":"r","b":2,"x":{"y":{"z":7}}}"#)
        #expect(Lane.agree(p, lane, #"{"a":1,"b":2}"#))
        #expect(Lane.run(lane, #"{"x":5}"#) == nil)  // a number on the way: the general engine's conflict error
        #expect(Lane.general(p, #"{"x":5}"#)?.status == .failed)
    }

    /// The keys of constant objects (a Pass state's Result, a mocked Task's result) are the
    /// interned nodes of their text, so a compiled name finds them by index; reading and
    /// writing the constants is unchanged.
    @Test func constantObjectsHaveInternedKeys() throws {
        let p = try Lane.program(#"""
            {"StartAt":"A","States":{
              "A":{"Type":"Pass","Result":{"x":{"y":1,"q\"t":2},"z":[{"w":3}]},"ResultPath":"$.r","Next":"B"},
              "B":{"Type":"Pass","Parameters":{"y.$":"$.r.x.y","w.$":"$.r.z[0].w","r.$":"$.r"},"End":true}}}
            """#)
        let lane = try Lane.lane(p)
        let t = lane.tape
        var objects = 0
        for i in 0..<t.constantCount where t.nodes[i].kind == .object {
            objects += 1
            for k in 0..<Int(t.nodes[i].count) {
                #expect(t.nodes[Int(t.links[Int(t.nodes[i].first) + 2 * k])].interned, "constant object \(i), key \(k)")
            }
        }
        #expect(objects >= 3)
        #expect(Lane.run(lane, #"{"a":1}"#) == #"{"y":1,"w":3,"r":{"x":{"y":1,"q\"t":2},"z":[{"w":3}]}}"#)
        #expect(Lane.agree(p, lane, #"{"a":1}"#))
    }

    /// Keys a look-up passes by node index (interned constants: a name and a template's
    /// keys) and keys it must read (a constant object's, a line's): the named member is
    /// found, replaced or added either way.
    @Test func membersAreFoundWhateverNodesTheirKeysAre() throws {
        let p = try Lane.program(#"""
            {"StartAt":"A","States":{
              "A":{"Type":"Pass","Result":{"lane":"x","sla":1},"ResultPath":"$.r","Next":"B"},
              "B":{"Type":"Pass","Result":2,"ResultPath":"$.r.sla","Next":"C"},
              "C":{"Type":"Pass","Parameters":{"sla":3,"lane.$":"$.r.lane","in.$":"$.in","r.$":"$.r"},"Next":"D"},
              "D":{"Type":"Pass","Result":4,"ResultPath":"$.sla","Next":"E"},
              "E":{"Type":"Pass","Result":5,"ResultPath":"$.in.sla","Next":"F"},
              "F":{"Type":"Pass","Result":6,"ResultPath":"$.new","End":true}}}
            """#)
        let lane = try Lane.lane(p)
        let line = #"{"in":{"lane":"y","sla":0}}"#
        #expect(Lane.run(lane, line) == #"{"sla":4,"lane":"x","in":{"lane":"y","sla":5},"r":{"lane":"x","sla":2},"new":6}"#)
        #expect(Lane.agree(p, lane, line))
    }

    /// Regression: ResultPath replaced every member holding the same value node, not just
    /// the named one (two template fields reading one path share a node).
    @Test func resultPathReplacesOnlyTheNamedMember() throws {
        let p = try Lane.program(#"{"StartAt":"A","States":{"A":{"Type":"Pass","Parameters":{"a.$":"$.x","b.$":"$.x"},"Next":"B"},"B":{"Type":"Pass","Result":1,"ResultPath":"$.a","End":true}}}"#)
        let lane = try Lane.lane(p)
        #expect(Lane.run(lane, #"{"x":"v"}"#) == #"{"a":1,"b":"v"}"#)
        #expect(Lane.agree(p, lane, #"{"x":"v"}"#))
    }

    @Test func generalIntrinsicsAndComparisonsKeepTheirSemantics() throws {
        let p = try Lane.program("""
            {"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[
              {"Variable":"$.s","StringMatches":"a*c","Next":"P"},
              {"Variable":"$.t","TimestampLessThanPath":"$.u","Next":"P"}],"Default":"P"},
             "P":{"Type":"Pass","Parameters":{"h.$":"States.Hash($.s,'SHA-1')","m.$":"States.MathAdd($.n,1)","j.$":"States.JsonToString($.o)",
               "a.$":"States.Array($.n,$.s)","u.$":"States.ArrayUnique($.l)"},"End":true}}}
            """)
        let lane = try Lane.lane(p)
        for line in [#"{"s":"abc","t":"2024-01-01T00:00:00Z","u":"2025-01-01T00:00:00Z","n":3,"o":{"k":[1,2]},"l":[1,1,2]}"#,
                     #"{"s":"xyz","t":"2026-01-01T00:00:00Z","u":"2025-01-01T00:00:00Z","n":-3.5,"o":{},"l":[]}"#] {
            #expect(Lane.agree(p, lane, line))
        }
    }

    /// Random events, some broken on purpose: every line the lane keeps must match the
    /// general engine byte for byte, and the lane must keep the ordinary ones.
    /// An order event with fields missing, mistyped or written in unusual ways.
    static func randomLine(_ rng: inout SplitMix64) -> String {
        let tiers = ["platinum", "gold", "silver", "bronze", "Søren", ""]
        var fields: [String] = []
        if rng.next() % 20 != 0 { fields.append(#""orderId":"o-\#(rng.next() % 1000)""#) }
        let tier = tiers[Int(rng.next() % UInt64(tiers.count))]
        let tierValue = rng.next() % 15 == 0 ? "7" : "\"\(tier)\""
        if rng.next() % 20 != 0 { fields.append(#""customer":{"id":"c","name":"N \#(rng.next() % 9)","tier":\#(tierValue)}"#) }
        let n = Int(rng.next() % 6)
        let items = (0..<n).map { k in
            rng.next() % 25 == 0 ? "3" : #"{"sku":"S\#(k)","qty":\#(rng.next() % 5),"price":\#(rng.next() % 900).\#(rng.next() % 100)}"#
        }
        if rng.next() % 20 != 0 { fields.append(#""items":[\#(items.joined(separator: ","))]"#) }
        let totals = ["1", "500", "500.0", "501", "1e3", "-0", "5E-1", "\"600\"", "null", "0.000001", "0.0000001", "123456789012345", "1234567890123456"]
        fields.append(#""total":\#(totals[Int(rng.next() % UInt64(totals.count))])"#)
        let express = ["true", "false", "\"true\"", "1"]
        fields.append(#""express":\#(express[Int(rng.next() % 4)])"#)
        if rng.next() % 10 == 0 { fields.append(#""routing":{"old":1}"#) }
        fields.shuffle(using: &rng)
        let sep = rng.next() % 8 == 0 ? ", " : ","
        return "{" + fields.joined(separator: sep) + "}"
    }

    @Test func randomEventsAgreeWithTheGeneralEngine() throws {
        var rng = SplitMix64(seed: 42)
        for def in [Self.passChoice, Self.map, Self.parallel] {
            let p = try Lane.program(def)
            let lane = try Lane.lane(p)
            var kept = 0
            for _ in 0..<400 where Lane.agree(p, lane, Self.randomLine(&rng)) { kept += 1 }
            #expect(kept > 200, "the lane kept only \(kept) of 400 lines")
        }
    }
}

/// The tape parser against the general parser on mutated lines: never a trap, and a line
/// the lane keeps is one the general parser reads to the same JSON.
@Suite struct TapeParserFuzzTests {
    static let seeds = [
        TapeLaneTests.event,
        #"{"a":[1,-2.5e+3,0.0,true,false,null,"x",{"b":{}},[]],"c":"é\u{1F600}"}"#,
        #" { "k" : [ 1 , 2 ] , "s" : "a b" } "#,
        #"[{"x":1},{"x":2,"y":[[[]]]}]"#,
    ]
    static let alphabet: [UInt8] = Array(#"{}[]:,"\ 0123456789-+.eEtrufalsn"#.utf8)
        + [0x00, 0x09, 0x0A, 0x1F, 0x7F, 0xC3, 0xA9, 0xED, 0xA0, 0xF0, 0x9F]

    /// One to three random byte insertions, deletions or replacements.
    static func mutate(_ b: inout [UInt8], _ rng: inout SplitMix64) {
        for _ in 0..<(1 + Int(rng.next() % 3)) {
            let at = Int(rng.next() % UInt64(b.count + 1))
            let c = alphabet[Int(rng.next() % UInt64(alphabet.count))]
            switch rng.next() % 3 {
            case 0: b.insert(c, at: at)
            case 1: if at < b.count { b.remove(at: at) }
            default: if at < b.count { b[at] = c }
            }
        }
    }

    @Test func mutatedLinesNeverDisagree() throws {
        let p = try Lane.program(#"{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}"#)
        let lane = try Lane.lane(p)
        var rng = SplitMix64(seed: 7)
        var kept = 0, total = 0
        for seed in Self.seeds {
            let base = Array(seed.utf8)
            for _ in 0..<1500 {
                var b = base
                Self.mutate(&b, &rng)
                total += 1
                let fast: [UInt8]? = b.withUnsafeBufferPointer { buf in (try? lane.run(line: buf)).map { Array($0) } }
                guard let fast else { continue }
                kept += 1
                let general = try? JSON.parse(b)
                #expect(general != nil, "lane kept a line the general parser rejects: \(String(decoding: b, as: UTF8.self))")
                if let general {
                    #expect(general.serialized == String(decoding: fast, as: UTF8.self), "\(String(decoding: b, as: UTF8.self))")
                }
            }
        }
        // Some mutations stay valid (a digit for a digit, a space): the lane must keep those.
        #expect(kept > total / 20, "kept \(kept) of \(total)")
    }

    /// The C compact parser writes `Node`s and `NodeKind` raw values: both sides must agree
    /// on the layout.
    @Test func compactParserAndNodeShareTheirLayout() {
        #expect(MemoryLayout<Node>.size == MemoryLayout<cortado_node>.size)
        #expect(MemoryLayout<Node>.stride == MemoryLayout<cortado_node>.stride)
        let offsets: [(PartialKeyPath<Node>, PartialKeyPath<cortado_node>)] = [
            (\.kind, \.kind), (\.src, \.src), (\.escaped, \.escaped), (\.interned, \.interned), (\.start, \.start), (\.end, \.end),
            (\.count, \.count), (\.first, \.first), (\.size, \.size),
        ]
        for (a, b) in offsets { #expect(MemoryLayout<Node>.offset(of: a) == MemoryLayout<cortado_node>.offset(of: b)) }
        let kinds: [(NodeKind, Int32)] = [(.null, CORTADO_KIND_NULL), (.yes, CORTADO_KIND_TRUE), (.no, CORTADO_KIND_FALSE),
                                          (.number, CORTADO_KIND_NUMBER), (.string, CORTADO_KIND_STRING),
                                          (.object, CORTADO_KIND_OBJECT), (.array, CORTADO_KIND_ARRAY)]
        for (k, c) in kinds { #expect(Int32(k.rawValue) == c) }
        #expect(Source.line.rawValue == 0)
        #expect(TapeParser.maxDepth == Int(CORTADO_COMPACT_MAX_DEPTH))
    }

    /// The compact parser (one pass in C, a string's end found 16 bytes at a time) builds
    /// exactly the tape the byte-by-byte parser builds, and takes exactly the lines it
    /// takes — on mutated lines and on lines with whitespace, escapes, control bytes,
    /// non-ASCII text, and strings longer than the 16-byte search (a mutation inside
    /// them lands at every offset of it).
    @Test func compactParserBuildsTheSameTape() throws {
        var rng = SplitMix64(seed: 11)
        let fast = Tape(), slow = Tape()
        var compared = 0
        for seed in Self.seeds + [#"{"a":"x\ty"}"#, "{\"a\":\"x\ty\"}", #"{"k":"Søren Núñez","n":[1,2,{"o":{"p":null}}]}"#,
                                  #"{"a": 1, "b": [1, 2], "c": {"d": "e f"}}"#, #"{"a":1, "b":2}"#, #"{"a:b":1,"c":{"d" :2}}"#,
                                  #"{"description":"a string well past sixteen bytes, and then some more","n":[1.5e3,-0,0.25]}"#,
                                  #"["0123456789abcdef","0123456789abcde","0123456789abcdefg","ñ123456789abcdef€"]"#] {
            let base = Array(seed.utf8)
            for round in 0..<1500 {
                var b = base
                if round > 0 { Self.mutate(&b, &rng) }
                b.withUnsafeBufferPointer { buf in
                    fast.reset(); slow.reset()
                    let a = fast.parseLine(buf), z = slow.parseLine(buf, compact: false)
                    // (Duplicate keys: both leave them to the object's first read.)
                    #expect((a == nil) == (z == nil), "\(String(decoding: b, as: UTF8.self))")
                    guard a != nil, z != nil else { return }
                    compared += 1
                    #expect(fast.nodes.count == slow.nodes.count && fast.links.count == slow.links.count && fast.lineCompact == slow.lineCompact)
                    for k in 0..<min(fast.nodes.count, slow.nodes.count) {
                        let x = fast.nodes[k], y = slow.nodes[k]
                        #expect(x.kind == y.kind && x.start == y.start && x.end == y.end && x.count == y.count && x.first == y.first
                                && x.size == y.size && x.escaped == y.escaped, "node \(k) of \(String(decoding: b, as: UTF8.self))")
                    }
                    for k in 0..<min(fast.links.count, slow.links.count) { #expect(fast.links[k] == slow.links[k]) }
                }
            }
        }
        #expect(compared > 1000, "compared \(compared)")
    }

    /// Scratch text (a result the lane adopts, which Cortado's writer wrote) goes through the
    /// compact parser too: its nodes lie where the text does, in scratch, with no
    /// duplicate-key marks; escapes go to the Swift parser, which takes them there. Both
    /// parsers build the same tape, after other scratch text.
    @Test func compactParserBuildsTheSameTapeOfScratchText() throws {
        var rng = SplitMix64(seed: 12)
        let fast = Tape(), slow = Tape()
        var compared = 0, escaped = 0
        func parse(_ t: Tape, _ b: [UInt8], compact: Bool) -> Int32? {
            t.reset()
            t.scratch.append(#"{"before":1}"#)
            let from = t.scratch.count
            b.withUnsafeBufferPointer { t.scratch.append($0) }
            var p = TapeParser(tape: t, base: UnsafePointer(t.scratch.base), from: from, to: t.scratch.count, src: .scratch)
            p.compact = compact
            return p.parseDocument()
        }
        for seed in Self.seeds + [#"{"k":"Søren Núñez","n":[1,2,{"o":{"p":null}}]}"#, #"{"a":"x\ty","b":"\u00e9"}"#,
                                  #"{"description":"a string well past sixteen bytes, and then some more","n":[1.5e3,-0,0.25]}"#] {
            let base = Array(seed.utf8)
            for round in 0..<600 {
                var b = base
                if round > 0 { Self.mutate(&b, &rng) }
                guard !b.isEmpty else { continue }
                let a = parse(fast, b, compact: true), z = parse(slow, b, compact: false)
                #expect((a == nil) == (z == nil), "\(String(decoding: b, as: UTF8.self))")
                guard let a, let z else { continue }
                compared += 1
                #expect(a == z && fast.nodes.count == slow.nodes.count && fast.links.count == slow.links.count)
                for k in 0..<min(fast.nodes.count, slow.nodes.count) {
                    let x = fast.nodes[k], y = slow.nodes[k]
                    if x.escaped { escaped += 1 }
                    #expect(x.kind == y.kind && x.src == y.src && x.start == y.start && x.end == y.end && x.count == y.count
                            && x.first == y.first && x.size == y.size && x.escaped == y.escaped,
                            "node \(k) of \(String(decoding: b, as: UTF8.self))")
                }
                for k in 0..<min(fast.links.count, slow.links.count) { #expect(fast.links[k] == slow.links[k]) }
                #expect(fast.nodes[Int(a)].src == .scratch)
            }
        }
        #expect(compared > 500 && escaped > 0, "compared \(compared), escaped \(escaped)")
    }

    /// `Tape.write` makes room for a node's `size` once and stores through a cursor: every
    /// node of every line (compact or not, mutated or not) writes exactly its size, and the
    /// root writes what the general parser's value serializes to.
    @Test func everyNodeWritesExactlyItsSize() throws {
        var rng = SplitMix64(seed: 23)
        let tape = Tape()
        var checked = 0
        for seed in Self.seeds + [#"{"a": 1, "b": [1, 2], "c": {"d": "e f"}}"#, #"{"k":"Søren","n":[1,{"o":{"p":null}}]}"#] {
            let base = Array(seed.utf8)
            for round in 0..<300 {
                var b = base
                if round > 0 { Self.mutate(&b, &rng) }
                b.withUnsafeBufferPointer { buf in
                    tape.reset()
                    guard let root = tape.parseLine(buf) else { return }
                    for k in tape.constantCount..<tape.nodes.count {
                        let mark = tape.out.count
                        tape.write(Int32(k))
                        #expect(tape.out.count - mark == Int(tape.nodes[k].size))
                        checked += 1
                    }
                    // (Repeated keys: the general parser keeps the last, the lane hands such lines back.)
                    guard (try? tape.checkKeysDeep(root)) != nil else { return }
                    tape.out.truncate(to: 0)
                    tape.write(root)
                    #expect(String(decoding: tape.out.buffer, as: UTF8.self) == (try? JSON.parse(b))?.serialized)
                }
            }
        }
        #expect(checked > 3_000, "checked \(checked)")
    }

    @Test func deepAndWideLines() throws {
        let p = try Lane.program(#"{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}"#)
        let lane = try Lane.lane(p)
        let deep = String(repeating: "[", count: 200) + String(repeating: "]", count: 200)
        #expect(Lane.run(lane, deep) == deep)
        let tooDeep = String(repeating: "[", count: 600) + String(repeating: "]", count: 600)
        #expect(Lane.run(lane, tooDeep) == nil)
        let wide = "{" + (0..<3000).map { #""k\#($0)":\#($0)"# }.joined(separator: ",") + "}"
        // Past 1,024 members duplicate checks would grow quadratic: the general engine may take it.
        #expect(Lane.run(lane, wide) == nil || Lane.agree(p, lane, wide))
        let dup = "{" + (0..<100).map { #""k\#($0)":1"# }.joined(separator: ",") + #","k7":2}"#
        #expect(Lane.run(lane, dup) == nil)
    }
}

/// Every recorded AWS case whose definition the lane takes: the lane agrees with the
/// general engine on its input (skipped when ../shared/conformance is absent).
@Suite struct TapeLaneConformanceTests {
    @Test func recordedCasesAgree() throws {
        guard let cases = RecordedCase.all() else { return }
        var laneCases = 0, keptLines = 0, mockedKept = 0, failedKept = 0
        for rc in cases {
            let (c, p, input, backend, relative) = (rc.json, rc.program, rc.input, rc.backend, rc.name)
            let b = backend
            guard case .success(let lane) = TapeLane.make(
                p, payloadLimit: ExecutionOptions.payloadLimit, clock: .virtual(hostLimitSeconds: ExpressLimits.executionSeconds),
                taskResults: { b.constantOutcome(stateName: $0, resource: $1, attempt: $2) }, executionNamePrefix: "line-",
                handlesFailures: true)
            else { continue }
            lane.lineNumber = 1
            laneCases += 1
            let line = input.serialized
            if Lane.agree(p, lane, line, "\(relative)", backend: backend) {
                keptLines += 1
                if c["mock_config"] != nil { mockedKept += 1 }
                // And AWS agrees, where it recorded a success without placeholders.
                if case .string("SUCCEEDED")? = c["expected"]?["status"], let expected = c["expected"]?["output"],
                   c["placeholders"]?.boolValue != true {
                    let got = Lane.run(lane, line).flatMap { try? JSON.parse($0) }
                    #expect(got == expected, "\(relative)")
                }
                // A failure the lane kept is the one AWS recorded.
                if case .failure(let e)? = Lane.outcome(lane, line, p) {
                    failedKept += 1
                    if c["placeholders"]?.boolValue != true, c["cause_is_json"]?.boolValue != true {
                        #expect(c["expected"]?["status"] == "FAILED", "\(relative)")
                        #expect(c["expected"]?["error"]?.stringValue == e.name?.rawValue, "\(relative)")
                        // (Mocks of a task timeout throw Cause "" where the execution recorded none.)
                        #expect((c["expected"]?["cause"]?.stringValue ?? "") == (e.cause ?? ""), "\(relative)")
                    }
                }
            }
        }
        #expect(mockedKept > 10, "only \(mockedKept) mocked Task cases kept on the lane")
        #expect(failedKept > 10, "only \(failedKept) failed executions kept on the lane")
        print("tape lane: \(laneCases) recorded cases compile for the lane, \(keptLines) kept on it, \(failedKept) of them failed")
        #expect(laneCases > 50)
        #expect(keptLines > 30)
    }
}
