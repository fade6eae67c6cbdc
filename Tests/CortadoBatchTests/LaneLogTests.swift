import CortadoASL
@testable import CortadoBatch
import CortadoJSON
import CortadoPath
import CortadoRuntime
import CortadoTape
import CortadoTasks
import CortadoTestSupport
import Foundation
import Testing

/// The execution logs of a line the tape lane runs (written by `LinearRunLog` from the lane's
/// record of the line) are the general engine's, byte for byte apart from timestamps: every
/// recorded AWS case whose program the lane takes with logs on, at level ALL with and
/// without execution data and at level ERROR (skipped when ../shared/conformance is absent).
@Suite struct LaneLogTests {
    /// Runs `line` once through a batch run with these log settings; returns the log lines
    /// with their timestamps cut out, whether the lane ran the line, and each line's
    /// timestamp after the first's (the virtual clock's: what the line waited by then).
    static func logs(_ p: Program, _ backend: any TaskBackend, _ line: String, level: LogLevel, data: Bool, lane: Bool,
                     _ f: BatchFixture) throws -> (lines: [String], onLane: Bool, times: [Int64]) {
        let events = f.file("in.jsonl", line + "\n")
        let logPath = f.dir + "/logs-\(lane).jsonl"
        let fd = open(logPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        defer { close(fd) }
        var c = BatchConfig(program: p, stateMachineName: "sm", backend: backend, definitionPath: "d.json",
                            eventsPath: events, outputPath: f.dir + "/out-\(lane).jsonl", workers: 1)
        c.clock = .virtual
        c.tapeLane = lane
        c.logFD = fd
        c.logLevel = level
        c.includeExecutionData = data
        let s = try BatchRunner(config: c).run()
        let text = f.read(logPath)
        let stamp = try Regex(#""event_timestamp":"([0-9]+)""#)
        let lines = text.split(separator: "\n").map(String.init)
        let stamps = lines.map { l in l.firstMatch(of: stamp).flatMap { Int64($0.output[1].substring ?? "") } ?? -1 }
        return (lines.map { maskingUUIDs($0.replacing(stamp, with: "")) }, s.metrics.laneExecutions == 1,
                stamps.map { $0 - (stamps.first ?? 0) })
    }

    /// `logs` of the general engine and of the lane, which must be the same lines.
    static func both(_ p: Program, _ backend: any TaskBackend, _ line: String, level: LogLevel, data: Bool, _ f: BatchFixture,
                     _ comment: Comment) throws -> (general: (lines: [String], onLane: Bool), fast: (lines: [String], onLane: Bool)) {
        let general = try logs(p, backend, line, level: level, data: data, lane: false, f)
        let fast = try logs(p, backend, line, level: level, data: data, lane: true, f)
        #expect(fast.lines == general.lines, comment)
        if level == .all, fast.onLane, fast.lines == general.lines, !jitters(p) {
            // The events' times too, on the virtual clock: what the line had waited at each
            // (the last, the execution's end, may be a millisecond of the lane's own later).
            #expect(fast.times.dropLast() == general.times.dropLast(), "times \(comment)")
            #expect(fast.times.last ?? 0 >= general.times.last ?? 0, "end time \(comment)")
        }
        return ((general.lines, general.onLane), (fast.lines, fast.onLane))
    }

    /// Some Retrier of `p` jitters its back-off (`JitterStrategy` FULL): its times are drawn.
    static func jitters(_ p: Program) -> Bool {
        p.code.contains { code in
            switch code {
            case .task(let s): return s.processing.retry.contains(where: \.fullJitter)
            case .map(let s): return s.processing.retry.contains(where: \.fullJitter)
            case .parallel(let s): return s.processing.retry.contains(where: \.fullJitter)
            default: return false
            }
        }
    }

    /// `both` for failing `lines` at each of `levels` (level, with execution data): the
    /// general engine's logs must end with the execution's failure. Returns how many runs
    /// were on the lane.
    static func failing(_ p: Program, _ backend: any TaskBackend, _ lines: [String], levels: [(LogLevel, Bool)],
                        _ f: BatchFixture) throws -> Int {
        try compareAll(p, backend, lines, levels: levels, f, failing: true).onLane
    }

    /// `both` for each of `lines` at each of `levels` (level, with execution data); with
    /// `failing`, the general engine's logs must end with the execution's failure. Returns
    /// how many runs there were and how many were on the lane.
    static func compareAll(_ p: Program, _ backend: any TaskBackend, _ lines: [String], levels: [(LogLevel, Bool)],
                           _ f: BatchFixture, _ comment: String = "", failing: Bool = false) throws -> (runs: Int, onLane: Int) {
        var runs = 0, onLane = 0
        for line in lines {
            for (level, data) in levels {
                let (general, fast) = try both(p, backend, line, level: level, data: data, f, "\(comment) \(line) \(level)")
                if failing { #expect(general.lines.contains { $0.contains("ExecutionFailed") }, "\(line)") }
                runs += 1
                if fast.onLane { onLane += 1 }
            }
        }
        return (runs, onLane)
    }

    @Test func laneLogsAreTheInterpretersOwn() throws {
        guard let cases = RecordedCase.all() else { return }
        let f = BatchFixture()
        var compared = 0, onLane = 0, failedOnLane = 0
        for c in cases {
            let (p, backend) = (c.program, c.backend)
            guard case .success = TapeLane.make(p, payloadLimit: ExecutionOptions.payloadLimit,
                                                clock: .virtual(hostLimitSeconds: ExpressLimits.executionSeconds),
                                                taskResults: { backend.constantOutcome(stateName: $0, resource: $1, attempt: $2) },
                                                executionNamePrefix: "line-", logsEveryState: true, handlesFailures: true)
            else { continue }
            let line = c.input.serialized
            for (level, withData) in [(LogLevel.all, true), (.all, false), (.error, true), (.error, false), (.fatal, true)] {
                let (_, fast) = try Self.both(p, backend, line, level: level, data: withData, f, "\(c.name) \(level) data \(withData)")
                compared += 1
                if fast.onLane {
                    onLane += 1
                    if fast.lines.contains(where: { $0.contains("Failed\"") }) { failedOnLane += 1 }
                }
            }
        }
        print("lane logs: \(compared) runs compared, \(onLane) of them on the lane, \(failedOnLane) with failure events")
        #expect(onLane > 100)
        #expect(failedOnLane > 20)
    }

    /// Lines that fail on the lane with an error a state raised when entered log the
    /// interpreter's events: a Fail state's ErrorPath/CausePath and JSONata Error/Cause, and a
    /// JSONata expression's QueryEvaluationError, after which AWS records an EvaluationFailed
    /// event before the execution fails.
    @Test func failuresReadOnEntryLogTheInterpretersEvents() throws {
        let f = BatchFixture()
        let p = try Compiler.compile(try JSON.parse(#"""
            {"QueryLanguage":"JSONata","StartAt":"P","States":{"P":{"Type":"Pass","Assign":{"why":"{% $states.input.c %}"},"Next":"C"},
              "C":{"Type":"Choice","Choices":[{"Condition":"{% $states.input.k = 'f' %}","Next":"F"},{"Condition":"{% $states.input.k = 'w' %}","Next":"W"},
                {"Condition":"{% $states.input.k = 'x' %}","Next":"X"}],"Default":"J"},
              "F":{"Type":"Fail","QueryLanguage":"JSONPath","ErrorPath":"$.e","CausePath":"States.Format('{} in {}', $why, $$.State.Name)"},
              "J":{"Type":"Fail","Error":"{% $states.input.e %}","Cause":"{% $why %}"},
              "W":{"Type":"Wait","Timestamp":"{% $states.input.ts %}","End":true},
              "X":{"Type":"Pass","Output":{"n":"{% $number($states.input.v) %}"},"End":true}}}
            """#)).get()
        let onLane = try Self.failing(p, HandlerRegistry(), [
            #"{"k":"f","e":"Oops","c":"why"}"#, #"{"k":"f","e":1,"c":"x"}"#, #"{"k":"f","c":"x"}"#,
            #"{"k":"j","e":"JE","c":"jc"}"#, #"{"k":"j","e":5,"c":"jc"}"#,
            #"{"k":"w","ts":"nope","c":""}"#, #"{"k":"x","v":"abc","c":""}"#], levels: [(.all, true), (.error, false)], f)
        #expect(onLane == 14)
    }

    /// Lines that fail after a Task's call, with an error the state raised (a path of its
    /// ResultSelector or OutputPath selecting nothing, a JSONata Output's QueryEvaluationError)
    /// log the call's events (each attempt's, for a retried Task), then the failure, as the
    /// interpreter does.
    @Test func failuresAfterATasksCallLogTheInterpretersEvents() throws {
        let f = BatchFixture()
        let mocks = try JSON.parse(#"""
            {"StateMachines":{"sm":{"TestCases":{"tc":{"T":"ok","R":"flaky"}}}},
             "MockedResponses":{"ok":{"0":{"Return":{"v":1}}},"flaky":{"0":{"Throw":{"Error":"E","Cause":"c"}},"1":{"Return":{"v":2}}}}}
            """#)
        let backend = try MockBackend(config: mocks, stateMachine: "sm", testCase: "tc")
        let p = try Compiler.compile(try JSON.parse(#"""
            {"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[{"Variable":"$.k","StringEquals":"r","Next":"R"},
                {"Variable":"$.k","StringEquals":"j","Next":"J"}],"Default":"T"},
              "T":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:1:function:t","ResultSelector":{"v.$":"$.v","w.$":"$.w"},"End":true},
              "R":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"f"},"Retry":[{"ErrorEquals":["E"]}],
                "OutputPath":"$.missing","End":true},
              "J":{"Type":"Task","QueryLanguage":"JSONata","Resource":"arn:aws:lambda:us-east-1:1:function:t","Output":"{% $number($states.input.x) %}","End":true}}}
            """#)).get()
        let onLane = try Self.failing(p, backend, [#"{"k":"t"}"#, #"{"k":"r"}"#, #"{"k":"j","x":"abc"}"#],
                                      levels: [(.all, true), (.all, false), (.error, false)], f)
        #expect(onLane == 9)
    }

    /// A logged program with Map and Parallel states takes the failures of its top machine's
    /// states on the lane (a Task's caught or final error, a Fail state, an error a state
    /// raised after the children ran), and its failed children, logging the interpreter's
    /// events. (Before: such a program took no failures at all on the lane; then a failed
    /// child sent its line back.)
    @Test func topLevelFailuresAfterChildrenLogTheInterpretersEvents() throws {
        let f = BatchFixture()
        let mocks = try JSON.parse(#"""
            {"StateMachines":{"sm":{"TestCases":{"tc":{"T":"bad","I":"ok"}}}},
             "MockedResponses":{"ok":{"0":{"Return":{"v":1}}},"bad":{"0":{"Throw":{"Error":"E","Cause":"c"}}}}}
            """#)
        let backend = try MockBackend(config: mocks, stateMachine: "sm", testCase: "tc")
        let child = #"{"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[{"Variable":"$.bad","IsPresent":true,"Next":"F"}],"Default":"S"},"F":{"Type":"Fail","Error":"Child"},"S":{"Type":"Succeed"}}}"#
        let p = try Compiler.compile(try JSON.parse(#"""
            {"StartAt":"M","States":{
              "M":{"Type":"Map","ItemsPath":"$.xs","ItemProcessor":\#(child),"ResultPath":"$.m","Next":"P"},
              "P":{"Type":"Parallel","Branches":[\#(child)],"ResultPath":"$.p","Next":"K"},
              "K":{"Type":"Choice","Choices":[{"Variable":"$.k","StringEquals":"t","Next":"T"},{"Variable":"$.k","StringEquals":"f","Next":"F"},
                {"Variable":"$.k","StringEquals":"o","Next":"O"}],"Default":"D"},
              "T":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:1:function:t","Catch":[{"ErrorEquals":["E"],"ResultPath":"$.err","Next":"F"}],"End":true},
              "F":{"Type":"Fail","ErrorPath":"$.k","Cause":"top"},
              "O":{"Type":"Pass","OutputPath":"$.missing","End":true},
              "D":{"Type":"Succeed"}}}
            """#)).get()
        var onLane = 0, compared = 0
        for line in [#"{"xs":[{},{}],"k":"t"}"#, #"{"xs":[{}],"k":"f"}"#, #"{"xs":[],"k":"o"}"#, #"{"xs":[{}],"k":"d"}"#,
                     #"{"xs":[{},{"bad":1}],"k":"d"}"#] {
            for (level, data) in [(LogLevel.all, true), (.all, false), (.error, true), (.error, false)] {
                let (_, fast) = try Self.both(p, backend, line, level: level, data: data, f, "\(line) \(level)")
                #expect(fast.onLane, "\(line) \(level)")
                if fast.onLane { onLane += 1 }
                compared += 1
            }
        }
        #expect(onLane == 20 && compared == 20)
        // A Task in an iteration whose failed attempt is caught there, or retried at once, stays
        // on the lane; one whose retry waits (the interpreter runs the siblings meanwhile)
        // keeps the program general.
        func inChild(_ handling: String) throws -> Program {
            try Compiler.compile(try JSON.parse(#"""
                {"StartAt":"M","States":{"M":{"Type":"Map","ItemsPath":"$.xs","ItemProcessor":{"StartAt":"T","States":{
                  "T":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:1:function:t",\#(handling),"End":true},
                  "S":{"Type":"Succeed"}}},"End":true}}}
                """#)).get()
        }
        let caught = try inChild(#""Catch":[{"ErrorEquals":["States.ALL"],"Next":"S"}]"#)
        for (level, data) in [(LogLevel.all, true), (.error, false)] {
            let general = try Self.logs(caught, backend, #"{"xs":[1,2]}"#, level: level, data: data, lane: false, f)
            let fast = try Self.logs(caught, backend, #"{"xs":[1,2]}"#, level: level, data: data, lane: true, f)
            #expect(fast.lines == general.lines && fast.onLane, "\(level)")
            #expect(general.lines.contains { $0.contains("LambdaFunctionFailed") }, "\(level)")
        }
        let retried = try inChild(#""Retry":[{"ErrorEquals":["E"],"MaxAttempts":1}],"Catch":[{"ErrorEquals":["States.ALL"],"Next":"S"}]"#)
        let taskResults: TapeLane.TaskResults = { backend.constantOutcome(stateName: $0, resource: $1, attempt: $2) }
        guard case .failure(let why) = TapeLane.make(retried, payloadLimit: ExecutionOptions.payloadLimit, clock: .virtual(hostLimitSeconds: nil),
                                                      taskResults: taskResults, handlesFailures: true, logged: true) else {
            Issue.record("a logged program whose child Task retries after a wait went to the lane"); return
        }
        #expect(why.description.contains("'T' in a Map or Parallel fails, in a logged run with children that wait"))
        #expect(throws: Never.self) {
            try TapeLane.make(retried, payloadLimit: ExecutionOptions.payloadLimit, clock: .virtual(hostLimitSeconds: nil),
                              taskResults: taskResults, handlesFailures: true).get()
        }
        // So does one caught at once beside a branch that waits (their events interleave).
        let beside = try Compiler.compile(try JSON.parse(#"""
            {"StartAt":"P","States":{"P":{"Type":"Parallel","Branches":[
              {"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":1,"End":true}}},
              {"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:1:function:t",
                "Catch":[{"ErrorEquals":["States.ALL"],"Next":"S"}],"End":true},"S":{"Type":"Succeed"}}}],"End":true}}}
            """#)).get()
        guard case .failure = TapeLane.make(beside, payloadLimit: ExecutionOptions.payloadLimit, clock: .virtual(hostLimitSeconds: nil),
                                            taskResults: taskResults, handlesFailures: true, logged: true) else {
            Issue.record("a logged program whose child Task fails beside a waiting branch went to the lane"); return
        }
        let general = try Self.logs(beside, backend, "{}", level: .error, data: false, lane: false, f)
        let lane = try Self.logs(beside, backend, "{}", level: .error, data: false, lane: true, f)
        #expect(general.lines == lane.lines && !lane.onLane)
    }

    /// Random Map and Parallel programs whose children's Tasks fail (caught in the child, or
    /// failing it), with Fail states, MaxConcurrency and a top-level Catch: whatever the lane
    /// keeps logs the interpreter's events, at level ALL and ERROR.
    @Test func randomChildFailuresLogTheInterpretersEvents() throws {
        let f = BatchFixture()
        let mocks = try JSON.parse(#"""
            {"StateMachines":{"sm":{"TestCases":{"tc":{"Bad":"bad","Good":"ok","Top":"bad"}}}},
             "MockedResponses":{"ok":{"0":{"Return":{"v":1}}},"bad":{"0":{"Throw":{"Error":"E","Cause":"c"}}}}}
            """#)
        let backend = try MockBackend(config: mocks, stateMachine: "sm", testCase: "tc")
        var rng = SplitMix64(seed: 27)
        var onLane = 0, runs = 0
        for round in 0..<30 {
            let catchInChild = Bool.random(using: &rng) ? #","Catch":[{"ErrorEquals":["E"],"ResultPath":"$.e","Next":"Good"}]"# : ""
            let child = #"{"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[{"Variable":"$.v","NumericEquals":1,"Next":"Bad"},{"Variable":"$.v","NumericEquals":2,"Next":"F"}],"Default":"Good"},"Bad":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"f"}\#(catchInChild),"Next":"Good"},"Good":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"g"},"ResultPath":"$.g","End":true},"F":{"Type":"Fail","Error":"Child"}}}"#
            let parentCatch = Bool.random(using: &rng) ? #","Catch":[{"ErrorEquals":["States.ALL"],"ResultPath":"$.caught","Next":"Top"}]"# : ""
            let state = Bool.random(using: &rng)
                ? #""S":{"Type":"Map","ItemsPath":"$.xs","MaxConcurrency":\#(Int.random(in: 0...2, using: &rng)),"ItemSelector":{"v.$":"$$.Map.Item.Value"},"ItemProcessor":\#(child),"ResultPath":"$.m"\#(parentCatch),"Next":"Top"}"#
                : #""S":{"Type":"Parallel","Branches":[\#(child),\#(child)],"Parameters":{"v.$":"$.xs[0]"},"ResultPath":"$.m"\#(parentCatch),"Next":"Top"}"#
            let top = Bool.random(using: &rng) ? #","Catch":[{"ErrorEquals":["E"],"Next":"End"}]"# : ""
            let p = try Compiler.compile(try JSON.parse(#"""
                {"StartAt":"S","States":{\#(state),
                  "Top":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"t"}\#(top),"End":true},
                  "End":{"Type":"Succeed"}}}
                """#)).get()
            let r = try Self.compareAll(p, backend, [#"{"xs":[0,0]}"#, #"{"xs":[1,0]}"#, #"{"xs":[0,2]}"#, #"{"xs":[1]}"#],
                                        levels: [(.all, true), (.error, false)], f, "round \(round)")
            runs += r.runs
            onLane += r.onLane
        }
        #expect(onLane > runs / 3, "\(onLane) of \(runs) on the lane")
    }

    /// A failed Map iteration or Parallel branch stays on the lane in a logged run where no
    /// children wait: its events (the child's states up to its failure, an EvaluationFailed
    /// for an error it raised, MapIterationFailed, then MapStateFailed or ParallelStateFailed
    /// and the state's Retrier (the state's started event again), its Catcher or the
    /// execution's failure; or, tolerated, the next iteration) are the interpreter's.
    @Test func failedChildrenLogTheInterpretersEvents() throws {
        let f = BatchFixture()
        let backend = ScriptedTasks(script: ["T": [.failure(ASLError(ErrorName("E"), "c"))]])
        func map(_ processor: String, _ fields: String = "") -> String {
            #"{"StartAt":"M","States":{"M":{"Type":"Map","ItemsPath":"$.xs","ItemProcessor":\#(processor),"ResultPath":"$.m"\#(fields),"Next":"D"},"D":{"Type":"Pass","End":true}}}"#
        }
        let fails = #"{"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[{"Variable":"$.bad","IsPresent":true,"Next":"F"}],"Default":"S"},"F":{"Type":"Fail","Error":"Child","Cause":"why"},"S":{"Type":"Succeed"}}}"#
        let raises = #"{"StartAt":"A","States":{"A":{"Type":"Pass","Next":"P"},"P":{"Type":"Pass","InputPath":"$.a","End":true}}}"#
        let task = #"{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"f"},"End":true}}}"#
        let jsonata = #"{"StartAt":"J","States":{"J":{"Type":"Pass","QueryLanguage":"JSONata","Output":"{% $states.input.a.b() %}","End":true}}}"#
        let catchAll = #","Catch":[{"ErrorEquals":["States.ALL"],"ResultPath":"$.err","Next":"D"}]"#
        let definitions = [
            map(fails), map(fails, catchAll), map(fails, #","MaxConcurrency":1"# + catchAll),
            map(fails, #","ToleratedFailureCount":1"#), map(fails, #","ToleratedFailureCount":1,"MaxConcurrency":1"# + catchAll),
            map(raises), map(raises, catchAll), map(task), map(task, catchAll), map(jsonata), map(jsonata, catchAll),
            #"{"StartAt":"P","States":{"P":{"Type":"Parallel","Branches":[\#(raises),\#(fails)],"Parameters":{"bad.$":"$.xs[0].bad"},"Next":"D"},"D":{"Type":"Pass","End":true}}}"#,
            #"{"StartAt":"P","States":{"P":{"Type":"Parallel","Branches":[\#(task)],"Catch":[{"ErrorEquals":["E"],"Next":"D"}],"Next":"D"},"D":{"Type":"Pass","End":true}}}"#,
            // Retried: the state runs again from its started event.
            map(fails, #","Retry":[{"ErrorEquals":["Child"],"MaxAttempts":2,"IntervalSeconds":1}]"# + catchAll),
            map(raises, #","MaxConcurrency":1,"Retry":[{"ErrorEquals":["States.ALL"],"MaxAttempts":1}]"#),
            #"{"StartAt":"P","States":{"P":{"Type":"Parallel","Branches":[\#(task),\#(fails)],"Retry":[{"ErrorEquals":["E"],"MaxAttempts":1}],"Next":"D"},"D":{"Type":"Pass","End":true}}}"#,
        ]
        let lines = [#"{"xs":[{"a":1},{"bad":1,"a":2},{"a":3}]}"#, #"{"xs":[{"bad":1},{"bad":2}]}"#, #"{"xs":[{"bad":1}]}"#]
        var runs = 0, onLane = 0
        for d in definitions {
            let p = try Compiler.compile(try JSON.parse(d)).get()
            let r = try Self.compareAll(p, backend, lines, levels: [(.all, true), (.all, false), (.error, true)], f, d)
            runs += r.runs
            onLane += r.onLane
        }
        #expect(onLane == runs, "\(onLane) of \(runs) on the lane")
    }

    /// Children that start children of their own (a Map in a Map's iteration, a Parallel in
    /// a branch) stay on the lane in a logged run where none waits: their events come in
    /// the interpreter's order, frame after frame first come first served (an inner Map's
    /// iterations queue behind the outer iterations already waiting), not the lane's.
    @Test func nestedChildrenLogInTheInterpretersOrder() throws {
        let f = BatchFixture()
        let backend = ScriptedTasks(script: ["T": [.failure(ASLError(ErrorName("E"), "c"))], "U": [.success(["u": 1])]])
        let leaf = #"{"StartAt":"L","States":{"L":{"Type":"Pass","Next":"T"},"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"f"},"Catch":[{"ErrorEquals":["E"],"ResultPath":"$.e","Next":"U"}],"Next":"U"},"U":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"g"},"End":true}}}"#
        func inner(_ limit: Int) -> String {
            #"{"StartAt":"A","States":{"A":{"Type":"Pass","Next":"In"},"In":{"Type":"Map","ItemsPath":"$.ys","MaxConcurrency":\#(limit),"ItemProcessor":\#(leaf),"Next":"Z"},"Z":{"Type":"Pass","End":true}}}"#
        }
        var definitions: [String] = []
        for outer in [0, 1, 2] {
            for limit in [0, 1] {
                definitions.append(#"{"StartAt":"Out","States":{"Out":{"Type":"Map","ItemsPath":"$.xs","MaxConcurrency":\#(outer),"ItemProcessor":\#(inner(limit)),"ResultPath":"$.r","Next":"D"},"D":{"Type":"Pass","End":true}}}"#)
            }
        }
        definitions.append(#"{"StartAt":"P","States":{"P":{"Type":"Parallel","Branches":[\#(inner(0)),{"StartAt":"Q","States":{"Q":{"Type":"Parallel","Branches":[\#(leaf),\#(leaf)],"End":true}}}],"End":true}}}"#)
        let lines = [#"{"xs":[{"ys":[{"v":1},{"v":2}]},{"ys":[]},{"ys":[{"v":3}]}],"ys":[{"v":4},{"v":5}]}"#, #"{"xs":[],"ys":[{"v":1}]}"#]
        var runs = 0, onLane = 0
        for d in definitions {
            let p = try Compiler.compile(try JSON.parse(d)).get()
            let r = try Self.compareAll(p, backend, lines, levels: [(.all, true), (.error, true)], f, d)
            runs += r.runs
            onLane += r.onLane
        }
        #expect(onLane == runs, "\(onLane) of \(runs) on the lane")
    }

    /// A retried Task whose Parameters (Arguments) read its attempt's `$$.State.RetryCount`
    /// stays on the lane in a logged run: each attempt's TaskScheduled event holds that
    /// attempt's, as the interpreter's does. (Before, such a Task kept its program general.)
    @Test func retriedTasksLogEachAttemptsParameters() throws {
        let f = BatchFixture()
        let programs = [
            #"{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"f","Payload":{"n.$":"$$.State.RetryCount","x.$":"$.x"}},"Retry":[{"ErrorEquals":["Transient"],"IntervalSeconds":1,"MaxAttempts":3}],"Catch":[{"ErrorEquals":["States.ALL"],"ResultPath":"$.e","Next":"D"}],"Next":"D"},"D":{"Type":"Pass","End":true}}}"#,
            #"{"QueryLanguage":"JSONata","StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Arguments":{"FunctionName":"f","Payload":"{% $states.context.State.RetryCount %}"},"Retry":[{"ErrorEquals":["Transient"],"IntervalSeconds":1,"MaxAttempts":3}],"End":true}}}"#,
        ]
        let ok: Result<JSON, ASLError> = .success(["ok": true])
        let transient: Result<JSON, ASLError> = .failure(ASLError(ErrorName("Transient"), "busy"))
        let bad: Result<JSON, ASLError> = .failure(ASLError(ErrorName("Bad"), "no"))
        var runs = 0, onLane = 0
        for d in programs {
            let p = try Compiler.compile(try JSON.parse(d)).get()
            for script in [[ok], [transient, ok], [transient, transient, ok], [transient, bad]] {
                let r = try Self.compareAll(p, ScriptedTasks(script: ["T": script]), [#"{"x":1}"#],
                                            levels: [(.all, true), (.error, true)], f, d)
                runs += r.runs
                onLane += r.onLane
            }
        }
        #expect(onLane == runs, "\(onLane) of \(runs) on the lane")
    }

    /// Bug (found by `randomProgramsLogTheInterpretersEvents`): in a logged run, a Map whose
    /// iteration ended with a Task and whose OutputPath then selected nothing failed on the
    /// lane with the error worded for the child's Task ("the state 'MiT' (entered at ...)")
    /// and without the Map's closing events: the lane took the trail's last entry, a child's
    /// Task, for a top-level Task whose call had just ended. Such an error now goes back.
    @Test func anErrorAfterChildrenIsNotAChildTasks() throws {
        let logs = try Self.goesBack(#"""
            {"StartAt":"M","States":{"M":{"Type":"Map","ItemsPath":"$.xs","ItemProcessor":{"StartAt":"MiT","States":{
              "MiT":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"f"},"End":true}}},
              "OutputPath":"$.r","End":true}}}
            """#, ScriptedTasks(script: ["MiT": [.success(["v": 1])]]), #"{"xs":[1]}"#)
        #expect(logs.last?.contains("the state 'M' (entered at the event id #2)") == true, "\(logs.last ?? "")")
    }

    /// The logs of `line` at ALL and ERROR, which the lane must leave to the general engine;
    /// returns the general engine's at ALL.
    static func goesBack(_ definition: String, _ backend: ScriptedTasks, _ line: String) throws -> [String] {
        let f = BatchFixture()
        let p = try Compiler.compile(try JSON.parse(definition)).get()
        var all: [String] = []
        for (level, data) in [(LogLevel.all, true), (.error, false)] {
            let (general, fast) = try both(p, backend, line, level: level, data: data, f, "\(level)")
            #expect(!fast.onLane, "\(level)")
            if level == .all { all = general.lines }
        }
        return all
    }

    /// Bug (found by `randomProgramsLogTheInterpretersEvents`): a JSONata Catcher whose Assign
    /// or Output failed to evaluate logged an EvaluationFailed event on the lane, which the
    /// interpreter writes only for a state's own expressions. Such a line now goes back.
    @Test func aCatchersEvaluationErrorLogsAsTheInterpreters() throws {
        let logs = try Self.goesBack(#"""
            {"QueryLanguage":"JSONata","StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke",
              "Arguments":{"FunctionName":"f"},"Catch":[{"ErrorEquals":["E"],"Assign":{"v":"{% $number('x') %}"},"Next":"D"}],"End":true},
              "D":{"Type":"Succeed"}}}
            """#, ScriptedTasks(script: ["T": [.failure(ASLError(ErrorName("E"), "c"))]]), "{}")
        #expect(logs.last?.contains("ExecutionFailed") == true && !logs.contains { $0.contains("EvaluationFailed") })
    }

    /// The random programs of `TapeLaneRandomProgramsTests` (JSONPath and JSONata, with
    /// mocked Tasks, Retry, Catch, Map and Parallel) log the interpreter's events on the lane,
    /// at level ALL with execution data and at ERROR.
    @Test func randomProgramsLogTheInterpretersEvents() throws {
        let f = BatchFixture()
        var g = RandomPrograms.Gen(rng: SplitMix64(seed: 2714))
        var j = RandomPrograms.JSONataGen(g: RandomPrograms.Gen(rng: SplitMix64(seed: 2715)))
        var runs = 0, onLane = 0
        for round in 0..<120 {
            let jsonata = round % 2 == 1
            let definition = jsonata ? j.program() : g.program()
            guard case .success(let p) = Compiler.compile(try JSON.parse(definition)) else { continue }
            let backend = jsonata ? RandomPrograms.backend(&j.g) : RandomPrograms.backend(&g)
            let lines = (0..<2).map { _ in jsonata ? j.g.input() : g.input() }
            let r = try Self.compareAll(p, backend, lines, levels: [(.all, true), (.error, false)], f, "round \(round) \(definition)")
            runs += r.runs
            onLane += r.onLane
        }
        #expect(onLane > runs / 3, "\(onLane) of \(runs) on the lane")
    }

    /// The same programs with their Tasks called as the lane runs (a backend that answers
    /// at once, after a delay or not: `TapeLane+Calls`) log the interpreter's events too, each
    /// at its time on the virtual clock (a Task's result after its answer's delay, its next
    /// attempt after its back-off).
    @Test func randomProgramsWithCalledTasksLogTheInterpretersEvents() throws {
        let f = BatchFixture()
        var g = RandomPrograms.Gen(rng: SplitMix64(seed: 2718))
        var j = RandomPrograms.JSONataGen(g: RandomPrograms.Gen(rng: SplitMix64(seed: 2719)))
        var runs = 0, onLane = 0, called = 0
        for round in 0..<160 {
            let jsonata = round % 2 == 1
            let definition = jsonata ? j.program() : g.program()
            guard case .success(let p) = Compiler.compile(try JSON.parse(definition)),
                  p.code.contains(where: { if case .task = $0 { return true }; return false }) else { continue }
            let script = jsonata ? RandomPrograms.backend(&j.g) : RandomPrograms.backend(&g)
            let backend = CalledTasks(delay: [0, 1.5][round % 2], script: script)
            let lines = (0..<2).map { _ in jsonata ? j.g.input() : g.input() }
            let r = try Self.compareAll(p, backend, lines, levels: [(.all, true), (.error, false)], f, "round \(round) \(definition)")
            runs += r.runs
            onLane += r.onLane
            called += 1
        }
        #expect(called > 40 && onLane > runs / 4, "\(onLane) of \(runs) on the lane, \(called) programs")
    }

    /// Map and Parallel children's events come as the interpreter orders them: a Map's
    /// iterations launched as its MaxConcurrency lets them (all at once, or one as each
    /// ends), each child's states in turn; an empty Map has none.
    @Test func mapAndParallelLogsAreTheInterpretersOwn() throws {
        let f = BatchFixture()
        var onLane = 0
        for limit in [0, 1, 2, 5] {
            let p = try Compiler.compile(try JSON.parse("""
                {"StartAt":"M","States":{
                  "M":{"Type":"Map","ItemsPath":"$.xs","MaxConcurrency":\(limit),
                    "ItemSelector":{"v.$":"$$.Map.Item.Value","i.$":"$$.Map.Item.Index"},
                    "ItemProcessor":{"StartAt":"I","States":{
                      "I":{"Type":"Choice","Choices":[{"Variable":"$.v","NumericGreaterThan":1,"Next":"Big"}],"Default":"J"},
                      "Big":{"Type":"Pass","Result":"big","End":true},"J":{"Type":"Succeed"}}},
                    "ResultPath":"$.m","Next":"P"},
                  "P":{"Type":"Parallel","Branches":[
                    {"StartAt":"B1","States":{"B1":{"Type":"Pass","End":true}}},
                    {"StartAt":"B2","States":{"B2":{"Type":"Pass","Next":"B3"},"B3":{"Type":"Succeed"}}}],"End":true}}}
                """)).get()
            for line in [#"{"xs":[1,2,3]}"#, #"{"xs":[]}"#, #"{"xs":[5]}"#] {
                for (level, data) in [(LogLevel.all, true), (.all, false)] {
                    let (_, fast) = try Self.both(p, HandlerRegistry(), line, level: level, data: data, f, "MaxConcurrency \(limit) \(line) data \(data)")
                    #expect(fast.lines.count > 8)
                    if fast.onLane { onLane += 1 }
                }
            }
        }
        #expect(onLane == 24)
        // Children that wait run interleaved in the general engine: not logged from the lane.
        let waits = try Compiler.compile(try JSON.parse(#"{"StartAt":"P","States":{"P":{"Type":"Parallel","Branches":[{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":1,"End":true}}},{"StartAt":"B","States":{"B":{"Type":"Pass","End":true}}}],"End":true}}}"#)).get()
        let fast = try Self.logs(waits, HandlerRegistry(), "{}", level: .all, data: true, lane: true, f)
        #expect(!fast.onLane)
        #expect(fast.lines == (try Self.logs(waits, HandlerRegistry(), "{}", level: .all, data: true, lane: false, f)).lines)
    }

    /// A MaxConcurrency read from the line (or computed in JSONata) orders the iterations'
    /// events as a constant one does: the lane logs the limit it read.
    @Test func aMaxConcurrencyReadAtRunTimeOrdersTheIterations() throws {
        let f = BatchFixture()
        let processor = #""ItemProcessor":{"StartAt":"I","States":{"I":{"Type":"Pass","End":true}}}"#
        let jsonPath = try Compiler.compile(try JSON.parse(#"{"StartAt":"M","States":{"M":{"Type":"Map","ItemsPath":"$.xs","MaxConcurrencyPath":"$.c",\#(processor),"End":true}}}"#)).get()
        let jsonata = try Compiler.compile(try JSON.parse(#"{"QueryLanguage":"JSONata","StartAt":"M","States":{"M":{"Type":"Map","Items":"{% $states.input.xs %}","MaxConcurrency":"{% $states.input.c %}",\#(processor),"End":true}}}"#)).get()
        var onLane = 0
        for p in [jsonPath, jsonata] {
            for c in [0, 1, 2, 5] {
                let line = #"{"xs":[1,2,3],"c":\#(c)}"#
                let (_, fast) = try Self.both(p, HandlerRegistry(), line, level: .all, data: false, f, "MaxConcurrency \(c)")
                #expect(fast.lines.filter { $0.contains("MapIterationStarted") }.count == 3)
                if fast.onLane { onLane += 1 }
            }
        }
        #expect(onLane == 8)
    }
}
