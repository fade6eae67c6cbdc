import CortadoASL
@testable import CortadoBatch
import CortadoJSON
import CortadoPath
import CortadoRuntime
import CortadoTasks
import CortadoTestSupport
import Foundation
import Synchronization
import Testing

/// Temp files and a compiled program for batch tests; the files go when the fixture does
/// (every run of the suite left a directory per test behind).
final class BatchFixture {
    let dir: String
    init() {
        dir = NSTemporaryDirectory() + "cortado-batch-\(UUID().uuidString)"
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(atPath: dir) }

    func file(_ name: String, _ text: String) -> String {
        let p = dir + "/" + name
        FileManager.default.createFile(atPath: p, contents: Data(text.utf8))
        return p
    }

    func read(_ path: String) -> String { (try? String(contentsOfFile: path, encoding: .utf8)) ?? "" }

    static func program(_ def: String) throws -> Program {
        try Compiler.compile(try JSON.parse(def)).get()
    }

    static let double = #"{"StartAt":"D","States":{"D":{"Type":"Pass","Parameters":{"n.$":"$.n","twice.$":"States.MathAdd($.n, $.n)"},"End":true}}}"#

    func config(_ def: String = BatchFixture.double, events: String, out: String, workers: Int = 4) throws -> BatchConfig {
        var c = BatchConfig(program: try BatchFixture.program(def), stateMachineName: "sm", backend: HandlerRegistry(),
                            definitionPath: "def.json", eventsPath: events, outputPath: out, workers: workers)
        c.clock = .virtual
        c.batchLines = 7  // small batches: many batches complete out of order
        c.windowLines = 70
        return c
    }

    static func events(_ n: Int) -> String { (1...n).map { #"{"n":\#($0)}"# }.joined(separator: "\n") + "\n" }
}

extension BatchError: Equatable {
    public static func == (a: BatchError, b: BatchError) -> Bool { a.description == b.description }
}

@Suite struct BatchRunnerTests {
    @Test func resultsAreInInputOrderUnderManyWorkers() throws {
        let f = BatchFixture()
        let events = f.file("in.jsonl", BatchFixture.events(5000))
        let out = f.dir + "/out.jsonl"
        let s = try BatchRunner(config: try f.config(events: events, out: out, workers: 8)).run()
        #expect(s.linesWritten == 5000)
        #expect(s.metrics.succeeded == 5000)
        let lines = f.read(out).split(separator: "\n")
        #expect(lines.count == 5000)
        for (i, l) in lines.enumerated() {
            #expect(l == #"{"line":\#(i + 1),"status":"SUCCEEDED","output":{"n":\#(i + 1),"twice":\#(2 * (i + 1))}}"#)
        }
        let cp = f.read(out + ".checkpoint")
        #expect(cp.contains(#""line":5000"#) && cp.contains(#""completed":true"#))
    }

    @Test func malformedLinesFailWithAClearCauseAndTheRunGoesOn() throws {
        let f = BatchFixture()
        let deep = String(repeating: "[", count: 600) + String(repeating: "]", count: 600)
        let big = #"{"n":1,"pad":""# + String(repeating: "x", count: 270_000) + #""}"#
        let events = f.file("in.jsonl", "{\"n\":1}\nnot json\n\n\(deep)\n\(big)\r\n{\"n\":6}\r\n{\"n\":7}")
        let out = f.dir + "/out.jsonl"
        let s = try BatchRunner(config: try f.config(events: events, out: out)).run()
        #expect(s.linesWritten == 7)
        let lines = f.read(out).split(separator: "\n").map(String.init)
        #expect(lines[0].contains(#""status":"SUCCEEDED""#))
        #expect(lines[1].hasPrefix(#"{"line":2,"status":"FAILED","error":"States.Runtime","cause":"Input line 2 is not valid JSON: unexpected character 'o'"#))
        #expect(lines[2] == #"{"line":3,"status":"FAILED","error":"States.Runtime","cause":"Input line 3 is empty."}"#)
        #expect(lines[3].contains("Input line 4 is not valid JSON: nesting deeper than 512 levels"))
        #expect(lines[4].contains(#""error":"States.DataLimitExceeded""#) && lines[4].contains("Input line 5 is 270016 bytes"))
        #expect(lines[5] == #"{"line":6,"status":"SUCCEEDED","output":{"n":6,"twice":12}}"#)
        #expect(lines[6] == #"{"line":7,"status":"SUCCEEDED","output":{"n":7,"twice":14}}"#)
    }

    @Test func anOutputOverThePayloadLimitFailsTheLineWithOrWithoutLogs() throws {
        let f = BatchFixture()
        // A 150,000-byte input whose output holds it twice: over 256 KiB only at the end.
        let def = #"{"StartAt":"D","States":{"D":{"Type":"Pass","Parameters":{"a.$":"$.s","b.$":"$.s"},"End":true}}}"#
        let s = String(repeating: "x", count: 150_000)
        let events = f.file("in.jsonl", "{\"s\":\"\(s)\"}\n{\"s\":\"small\"}\n")
        for logs in [false, true] {
            let out = f.dir + "/out-\(logs).jsonl"
            var c = try f.config(def, events: events, out: out, workers: 1)
            if logs { c.logFD = open("/dev/null", O_WRONLY); c.logLevel = .all }
            let summary = try BatchRunner(config: c).run()
            let lines = f.read(out).split(separator: "\n").map(String.init)
            #expect(lines.count == 2)
            #expect(lines.first?.hasPrefix(#"{"line":1,"status":"FAILED","error":"States.DataLimitExceeded","cause":"The state/task 'D' returned a result with a size exceeding"#) == true)
            #expect(lines.last == #"{"line":2,"status":"SUCCEEDED","output":{"a":"small","b":"small"}}"#)
            #expect(summary.metrics.failed == 1 && summary.metrics.succeeded == 1)
        }
    }

    @Test func theContextNamesEachLinesExecutionAndTheMachine() throws {
        // The ARNs' constant parts are built once per worker; each line still has its own.
        let f = BatchFixture()
        let def = #"{"StartAt":"M","States":{"M":{"Type":"Map","ItemsPath":"$.xs","ItemSelector":{"id.$":"$$.Execution.Id","sm.$":"$$.StateMachine.Id","i.$":"$$.Map.Item.Index","name.$":"$$.Execution.Name"},"ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},"End":true}}}"#
        let events = f.file("in.jsonl", "{\"xs\":[1,2]}\n{\"xs\":[3]}\n")
        let out = f.dir + "/out.jsonl"
        _ = try BatchRunner(config: try f.config(def, events: events, out: out, workers: 2)).run()
        let e = "arn:aws:states:us-east-1:111111111111:execution:sm:line-", m = "arn:aws:states:us-east-1:111111111111:stateMachine:sm"
        #expect(f.read(out).split(separator: "\n").map(String.init) == [
            #"{"line":1,"status":"SUCCEEDED","output":[{"id":"\#(e)1","sm":"\#(m)","i":0,"name":"line-1"},{"id":"\#(e)1","sm":"\#(m)","i":1,"name":"line-1"}]}"#,
            #"{"line":2,"status":"SUCCEEDED","output":[{"id":"\#(e)2","sm":"\#(m)","i":0,"name":"line-2"}]}"#,
        ])
    }

    @Test func eachWorkerMayRunItsOwnCopyOfTheProgram() throws {
        let f = BatchFixture()
        let events = f.file("in.jsonl", BatchFixture.events(500))
        let out = f.dir + "/out.jsonl"
        let copies = Counter()
        var c = try f.config(events: events, out: out, workers: 3)
        c.programForWorker = { copies.add(); return try! BatchFixture.program(BatchFixture.double) }
        #expect(try BatchRunner(config: c).run().linesWritten == 500)
        #expect(copies.value == 3)
        #expect(f.read(out).split(separator: "\n").last == #"{"line":500,"status":"SUCCEEDED","output":{"n":500,"twice":1000}}"#)
    }

    @Test func resumeTruncatesToTheWatermarkAndContinues() throws {
        let f = BatchFixture()
        let events = f.file("in.jsonl", BatchFixture.events(100))
        let clean = f.dir + "/clean.jsonl"
        _ = try BatchRunner(config: try f.config(events: events, out: clean)).run()
        let cleanText = f.read(clean)
        // A crashed run: 40 lines complete, then half a line and garbage past the watermark.
        let complete = cleanText.split(separator: "\n", omittingEmptySubsequences: false).prefix(40).joined(separator: "\n") + "\n"
        let out = f.file("out.jsonl", complete + #"{"line":41,"status":"SUCC"#)
        let cp = #"{"version":1,"line":40,"bytes":\#(complete.utf8.count),"completed":false,"definition":"def.json","events":"\#(events)","shard":""}"#
        _ = f.file("out.jsonl.checkpoint", cp)
        var c = try f.config(events: events, out: out)
        c.resume = true
        let s = try BatchRunner(config: c).run()
        #expect(s.resumedAfter == 40)
        #expect(s.linesWritten == 60)
        #expect(f.read(out) == cleanText)
    }

    @Test func resumeRefusesAnotherRunsCheckpoint() throws {
        let f = BatchFixture()
        let events = f.file("in.jsonl", BatchFixture.events(3))
        let out = f.file("out.jsonl", "")
        _ = f.file("out.jsonl.checkpoint", #"{"version":1,"line":1,"bytes":0,"completed":false,"definition":"x","events":"other.jsonl","shard":""}"#)
        var c = try f.config(events: events, out: out)
        c.resume = true
        #expect(throws: BatchError.self) { try BatchRunner(config: c).run() }
    }

    @Test func shardsPartitionTheLinesAndMergeRestoresTheOrder() throws {
        let f = BatchFixture()
        let events = f.file("in.jsonl", BatchFixture.events(1000))
        var parts: [String] = []
        for i in 0..<3 {
            let out = f.dir + "/part-\(i).jsonl"
            var c = try f.config(events: events, out: out)
            c.shard = (i, 3)
            let s = try BatchRunner(config: c).run()
            #expect(s.linesWritten == (i == 0 ? 334 : 333))
            #expect(f.read(out).split(separator: "\n").allSatisfy { $0.hasPrefix(#"{"line":"#) })
            parts.append(out)
        }
        let merged = f.dir + "/merged.jsonl"
        let fd = open(merged, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        let n = try ShardMerge.merge(inputs: parts.reversed(), output: fd)
        close(fd)
        #expect(n == 1000)
        let whole = f.dir + "/whole.jsonl"
        _ = try BatchRunner(config: try f.config(events: events, out: whole)).run()
        #expect(f.read(merged) == f.read(whole))
        // Overlapping shards are refused.
        let fd2 = open(f.dir + "/bad.jsonl", O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        #expect(throws: BatchError.self) { try ShardMerge.merge(inputs: [parts[0], parts[0]], output: fd2) }
        close(fd2)
    }

    @Test func maxFailuresStopsEarlyWithEverythingWrittenInOrder() throws {
        let f = BatchFixture()
        let events = f.file("in.jsonl", String(repeating: "bad\n", count: 2000))
        let out = f.dir + "/out.jsonl"
        var c = try f.config(events: events, out: out)
        c.maxFailures = 10
        let s = try BatchRunner(config: c).run()
        #expect(s.stoppedEarly)
        #expect(s.linesWritten < 2000)
        let lines = f.read(out).split(separator: "\n")
        #expect(lines.count == s.linesWritten)
        for (i, l) in lines.enumerated() { #expect(l.hasPrefix(#"{"line":\#(i + 1),"status":"FAILED""#)) }
    }

    @Test func waitingExecutionsParkAndAllFinishOnTheRealClock() throws {
        let f = BatchFixture()
        let def = #"{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":1,"Next":"P"},"P":{"Type":"Pass","Parameters":{"n.$":"$.n"},"End":true}}}"#
        let events = f.file("in.jsonl", BatchFixture.events(3000))
        let out = f.dir + "/out.jsonl"
        var c = try f.config(def, events: events, out: out, workers: 2)
        c.clock = .real
        c.windowLines = 10_000
        let s = try BatchRunner(config: c).run()
        #expect(s.metrics.succeeded == 3000)
        let lines = f.read(out).split(separator: "\n")
        #expect(lines.count == 3000)
        #expect(lines.last == #"{"line":3000,"status":"SUCCEEDED","output":{"n":3000}}"#)
    }

    /// On a real clock the tape lane parks a line that waits in its top machine (a Wait of
    /// Seconds or SecondsPath, a Task's Retry back-off) and goes on with it from that state
    /// when its time has come, on any worker: the results are the general engine's, the
    /// times those of the line (its start, its states' entries after the wait), and the
    /// per-state counts are each line's once.
    @Test func theLaneParksLinesThatWaitOnTheRealClock() throws {
        let def = #"""
            {"StartAt":"A","States":{
              "A":{"Type":"Pass","Parameters":{"n.$":"$.n","s.$":"States.MathAdd($.n, -1)","w.$":"States.MathAdd(0, 1)"},
                   "Assign":{"kept.$":"$.n"},"Next":"W"},
              "W":{"Type":"Wait","SecondsPath":"$.w","Assign":{"at.$":"$$.State.EnteredTime"},"Next":"T"},
              "T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"f"},
                   "Retry":[{"ErrorEquals":["Busy"],"IntervalSeconds":1}],"ResultPath":"$.t","Next":"B"},
              "B":{"Type":"Pass","Parameters":{"n.$":"$kept","t.$":"$.t","input.$":"$$.Execution.Input","at.$":"$at",
                   "start.$":"$$.Execution.StartTime","entered.$":"$$.State.EnteredTime"},"End":true}}}
            """#
        let backend = ScriptedTasks(script: ["T": [.failure(ASLError(ErrorName("Busy"), "try again")), .success(["ok": true])]])
        for lane in [true, false] {
            let f = BatchFixture()
            let events = f.file("in.jsonl", BatchFixture.events(400))
            let out = f.dir + "/out.jsonl"
            var c = try f.config(def, events: events, out: out, workers: 2)
            c.backend = backend
            c.clock = .real
            c.tapeLane = lane
            c.windowLines = 1_000
            let s = try BatchRunner(config: c).run()
            #expect(s.metrics.succeeded == 400)
            // (Each line parks twice: the Wait and the Task's back-off.)
            #expect(s.metrics.laneExecutions == (lane ? 400 : 0) && s.metrics.laneParks == (lane ? 800 : 0))
            let lines = f.read(out).split(separator: "\n")
            #expect(lines.count == 400)
            for (k, l) in lines.enumerated() {
                guard let j = try? JSON.parse(String(l)), let o = j["output"] else { Issue.record("\(l)"); continue }
                #expect(j["line"] == JSON(k + 1) && o["n"] == JSON(k + 1) && o["t"] == ["ok": true])
                #expect(o["input"] == ["n": JSON(k + 1)])
                func ms(_ v: JSON?) -> Int64 { v?.stringValue.flatMap { Timestamp.parse($0)?.milliseconds } ?? -1 }
                let start = ms(o["start"]), at = ms(o["at"]), entered = ms(o["entered"])
                // The Wait entered at the start (before its second was over), B after that
                // second and the Task's second of back-off.
                #expect(start > 0 && at >= start && at - start < 1_000, "\(l)")
                #expect(entered - start >= 1_900, "\(l)")
            }
            let stats = s.metrics.states
            #expect(stats.map(\.entered) == [400, 400, 400, 400], "\(stats)")
            // The Wait's time is its second (counted once a line): not the Pass's before it.
            if let w = stats.first(where: { $0.name == "W" }), let a = stats.first(where: { $0.name == "A" }) {
                #expect(w.totalMs / 400 >= 900 && a.totalMs / 400 < 500, "\(stats)")
            }
        }
    }

    /// Waits in Map iterations are the iterations' own: on a real clock the lane parks the
    /// Map once, until the last iteration would have ended side by side (three items of a
    /// second, two at a time: two seconds), as the general engine's iterations wait.
    @Test func theLaneParksAMapUntilItsIterationsEnd() throws {
        let def = #"""
            {"StartAt":"M","States":{"M":{"Type":"Map","MaxConcurrency":2,"ItemsPath":"$.xs","ItemProcessor":{"StartAt":"W","States":{
               "W":{"Type":"Wait","Seconds":1,"Next":"P"},"P":{"Type":"Pass","Parameters":{"x.$":"$"},"End":true}}},
               "ResultPath":"$.r","End":true}}}
            """#
        for lane in [true, false] {
            let f = BatchFixture()
            let n = 100
            let events = f.file("in.jsonl", (1...n).map { #"{"n":\#($0),"xs":[1,2,\#($0)]}"# }.joined(separator: "\n") + "\n")
            let out = f.dir + "/out.jsonl"
            var c = try f.config(def, events: events, out: out, workers: 2)
            c.clock = .real
            c.tapeLane = lane
            c.windowLines = 1_000
            let s = try BatchRunner(config: c).run()
            #expect(s.metrics.succeeded == n)
            #expect(s.metrics.laneExecutions == (lane ? n : 0) && s.metrics.laneParks == (lane ? n : 0))
            let lines = f.read(out).split(separator: "\n")
            for (k, l) in lines.enumerated() {
                #expect(l == #"{"line":\#(k + 1),"status":"SUCCEEDED","output":{"n":\#(k + 1),"xs":[1,2,\#(k + 1)],"r":[{"x":1},{"x":2},{"x":\#(k + 1)}]}}"#)
            }
            // The Map's two seconds (its time counted once a line).
            if let m = s.metrics.states.first(where: { $0.name == "M" }) {
                #expect(m.totalMs / Double(n) >= 1_900 && m.totalMs / Double(n) < 2_900, "\(m)")
            }
        }
    }

    /// A logged line parks too: its record goes with it (each state's values, a Map's
    /// iterations, the variables assigned, a retried Task's per-attempt Parameters), and its
    /// events, written when it ends, are the general engine's, with the times its waits
    /// ended (the Wait's exit and the Task's second attempt a second after what came before).
    @Test func theLaneParksLoggedLinesAndTheirEventsKeepTheirTimes() throws {
        let def = #"""
            {"StartAt":"M","States":{
              "M":{"Type":"Map","ItemsPath":"$.xs","ItemProcessor":{"StartAt":"I","States":{
                   "I":{"Type":"Pass","Parameters":{"x.$":"$"},"End":true}}},"ResultPath":"$.m","Next":"W"},
              "W":{"Type":"Wait","Seconds":1,"Assign":{"kept.$":"$.n"},"Next":"T"},
              "T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke",
                   "Parameters":{"FunctionName":"f","try.$":"$$.State.RetryCount"},
                   "Retry":[{"ErrorEquals":["Busy"],"IntervalSeconds":1}],"ResultPath":"$.t","Next":"B"},
              "B":{"Type":"Pass","Parameters":{"n.$":"$kept","m.$":"$.m","t.$":"$.t"},"End":true}}}
            """#
        let backend = ScriptedTasks(script: ["T": [.failure(ASLError(ErrorName("Busy"), "try again")), .success(["ok": true])]])
        var logs: [Bool: [String: [(line: String, time: Int64)]]] = [:]
        for lane in [true, false] {
            let f = BatchFixture()
            let n = 60
            let events = f.file("in.jsonl", (1...n).map { #"{"n":\#($0),"xs":[1,"a",{"b":[\#($0)]}]}"# }.joined(separator: "\n") + "\n")
            let logPath = f.dir + "/logs.jsonl"
            let fd = open(logPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
            defer { close(fd) }
            var c = try f.config(def, events: events, out: f.dir + "/out.jsonl", workers: 2)
            c.backend = backend
            c.clock = .real
            c.tapeLane = lane
            c.logFD = fd
            c.logLevel = .all
            c.includeExecutionData = true
            let s = try BatchRunner(config: c).run()
            #expect(s.metrics.succeeded == n)
            #expect(s.metrics.laneExecutions == (lane ? n : 0) && s.metrics.laneParks == (lane ? 2 * n : 0))
            // Each execution's events, its timestamps cut out and kept after its start's.
            let stamp = try Regex(#""event_timestamp":"([0-9]+)""#)
            var byExecution: [String: [(line: String, time: Int64)]] = [:]
            var typesOf: [String: [String]] = [:]
            for l in f.read(logPath).split(separator: "\n").map(String.init) {
                guard let j = try? JSON.parse(l), let arn = j["execution_arn"]?.stringValue, let type = j["type"]?.stringValue,
                      let t = l.firstMatch(of: stamp).flatMap({ Int64($0.output[1].substring ?? "") }) else {
                    Issue.record("\(l)"); continue
                }
                byExecution[arn, default: []].append((l.replacing(stamp, with: ""), t))
                typesOf[arn, default: []].append(type)
            }
            #expect(byExecution.count == n)
            for (arn, events) in byExecution {
                let start = events[0].time
                byExecution[arn] = events.map { ($0.line, $0.time - start) }
                let types = typesOf[arn] ?? []
                #expect(types.first == "ExecutionStarted" && types.count == events.count)
                func time(_ type: String, _ k: Int = 0) -> Int64 {
                    let i = types.indices.filter { types[$0] == type }
                    return k < i.count ? events[i[k]].time - start : -1
                }
                // The Wait's second, then the Task's back-off before its second attempt.
                #expect(time("WaitStateEntered") < 500 && time("WaitStateExited") >= 1_000, "\(types)")
                #expect(time("TaskScheduled", 1) - time("TaskFailed") >= 1_000 && time("ExecutionSucceeded") >= 2_000, "\(types)")
            }
            logs[lane] = byExecution
        }
        let fast = logs[true] ?? [:], general = logs[false] ?? [:]
        #expect(fast.keys.sorted() == general.keys.sorted())
        for (arn, events) in fast {
            let other = general[arn] ?? []
            #expect(events.map(\.line) == other.map(\.line), "\(arn)")
            // The same times, but for the scheduling of two runs on one machine.
            for (a, b) in zip(events, other) { #expect(abs(a.time - b.time) < 400, "\(a.line) \(a.time) \(b.time)") }
        }
    }

    /// A wait that would end within a second of the line's time limit (or past it) is left
    /// to the general engine, which times the execution out as AWS does; one well inside it
    /// parks on the lane.
    @Test func aWaitPastTheTimeLimitTimesOutOnTheGeneralEngine() throws {
        let def = #"""
            {"TimeoutSeconds":1,"StartAt":"W","States":{"W":{"Type":"Wait","SecondsPath":"$.n","Next":"P"},
              "P":{"Type":"Pass","End":true}}}
            """#
        let f = BatchFixture()
        let events = f.file("in.jsonl", "{\"n\":0}\n{\"n\":5}\n{\"n\":1}\n")
        let out = f.dir + "/out.jsonl"
        var c = try f.config(def, events: events, out: out, workers: 2)
        c.clock = .real
        let s = try BatchRunner(config: c).run()
        #expect(s.metrics.succeeded == 1 && s.metrics.timedOut == 2 && s.metrics.laneExecutions == 1)
        let lines = f.read(out).split(separator: "\n").map(String.init)
        #expect(lines.count == 3 && lines[0] == #"{"line":1,"status":"SUCCEEDED","output":{"n":0}}"#)
        #expect(lines[1].hasPrefix(#"{"line":2,"status":"TIMED_OUT""#) && lines[2].hasPrefix(#"{"line":3,"status":"TIMED_OUT""#), "\(lines)")
    }

    /// A simulated service (`--tasks` with `simulate`) answers each call at once and without
    /// side effects: the lane calls it itself and parks the line for the call's latency (and
    /// a Retry's back-off), where the general engine parks the execution. Same results.
    @Test func theLaneCallsASimulatedService() throws {
        let def = #"""
            {"StartAt":"T","States":{
              "T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"f","Payload.$":"$"},
                   "ResultSelector":{"ok.$":"$.Payload.ok"},"ResultPath":"$.t",
                   "Retry":[{"ErrorEquals":["Slow"],"IntervalSeconds":1,"MaxAttempts":1}],
                   "Catch":[{"ErrorEquals":["States.ALL"],"ResultPath":"$.e","Next":"Done"}],"Next":"Done"},
              "Done":{"Type":"Pass","End":true}}}
            """#
        for (rate, parks) in [(0.0, 1), (1.0, 3)] {
            var outputs: [[Substring]] = []
            for lane in [true, false] {
                let sim = SimulatedService(latency: .fixed(0.2), errorRate: rate, errors: [ASLError(ErrorName("Slow"), "busy")],
                                           output: ["Payload": ["ok": true]])
                let f = BatchFixture()
                let events = f.file("in.jsonl", BatchFixture.events(300))
                let out = f.dir + "/out.jsonl"
                var c = try f.config(def, events: events, out: out, workers: 2)
                c.backend = TaskRouter(rules: [.init(pattern: "*", backend: sim)], fallback: HandlerRegistry())
                c.clock = .real
                c.tapeLane = lane
                c.windowLines = 1_000
                let s = try BatchRunner(config: c).run()
                #expect(s.metrics.succeeded == 300)
                #expect(s.metrics.laneExecutions == (lane ? 300 : 0) && s.metrics.laneParks == (lane ? 300 * parks : 0))
                outputs.append(f.read(out).split(separator: "\n"))
            }
            #expect(outputs[0] == outputs[1] && outputs[0].count == 300)
            #expect(outputs[0].first == (rate == 0 ? #"{"line":1,"status":"SUCCEEDED","output":{"n":1,"t":{"ok":true}}}"#
                                                   : #"{"line":1,"status":"SUCCEEDED","output":{"n":1,"e":{"Error":"Slow","Cause":"busy"}}}"#))
        }
    }

    @Test func metricsAreReportedWhileRunningAndAtTheEnd() throws {
        let f = BatchFixture()
        let events = f.file("in.jsonl", BatchFixture.events(200))
        final class Seen: @unchecked Sendable { var finals = 0; var lastSucceeded = 0; let lock = NSLock() }
        let seen = Seen()
        var c = try f.config(events: events, out: f.dir + "/out.jsonl")
        c.metricsInterval = 0.05
        c.onMetrics = { snap, _, final in
            seen.lock.lock(); if final { seen.finals += 1; seen.lastSucceeded = snap.succeeded }; seen.lock.unlock()
        }
        _ = try BatchRunner(config: c).run()
        #expect(seen.finals == 1)
        #expect(seen.lastSucceeded == 200)
    }
}

@Suite struct BatchAsyncTaskTests {
    /// Answers every task from other threads after a short, varying delay.
    final class LaterBackend: TaskBackend, @unchecked Sendable {
        func invoke(_ r: TaskRequest) -> TaskOutcome {
            let c = r.completion
            let n = r.input["n"]?.numberValue?.int ?? 0
            DispatchQueue.global().asyncAfter(deadline: .now() + .microseconds((n * 37) % 3000)) {
                c.complete(n % 10 == 0 ? .failure(ASLError(ErrorName("Ten"), "multiple of ten")) : .success(["n": .number(JSONNumber(n))]))
            }
            return .pending
        }
    }

    @Test func asynchronousTasksResumeOnTheRightLineUnderManyWorkers() throws {
        let f = BatchFixture()
        let def = """
            {"StartAt":"T","States":{"T":{"Type":"Task","Resource":"r","TimeoutSeconds":60,
              "Retry":[{"ErrorEquals":["Never"]}],"Catch":[{"ErrorEquals":["Ten"],"ResultPath":"$.err","Next":"C"}],"Next":"W"},
              "W":{"Type":"Wait","Seconds":0,"Next":"D"},"D":{"Type":"Pass","End":true},"C":{"Type":"Pass","End":true}}}
            """
        let events = f.file("in.jsonl", BatchFixture.events(3000))
        let out = f.dir + "/out.jsonl"
        var c = try f.config(def, events: events, out: out, workers: 4)
        c.backend = LaterBackend()
        c.clock = .real
        c.windowLines = 500
        let s = try BatchRunner(config: c).run()
        #expect(s.linesWritten == 3000)
        let lines = f.read(out).split(separator: "\n")
        #expect(lines.count == 3000)
        for (i, l) in lines.enumerated() {
            let n = i + 1
            let expected = n % 10 == 0
                ? #"{"line":\#(n),"status":"SUCCEEDED","output":{"n":\#(n),"err":{"Error":"Ten","Cause":"multiple of ten"}}}"#
                : #"{"line":\#(n),"status":"SUCCEEDED","output":{"n":\#(n)}}"#
            #expect(l == expected)
        }
        // Batches written from their own buffer and batches with parked lines (copied) are
        // counted alike: the checkpoint's byte count is the output's size (a resume truncates to it).
        let size = (try FileManager.default.attributesOfItem(atPath: out)[.size] as? NSNumber)?.intValue ?? -1
        #expect(f.read(out + ".checkpoint").contains(#""bytes":\#(size),"#))
    }
}

final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var n = 0
    func add() { lock.lock(); n += 1; lock.unlock() }
    var value: Int { lock.lock(); defer { lock.unlock() }; return n }
}

/// The runner's threads carry names (`top -H`, `perf`, debuggers show them).
@Suite struct ThreadNameTests {
    @Test func aThreadNamesItself() throws {
        #if os(Linux)
        let seen = Mutex<String?>(nil)
        let done = DispatchSemaphore(value: 0)
        let t = Thread {
            nameThread("cortado-test-name-too-long")
            seen.withLock { $0 = try? String(contentsOfFile: "/proc/thread-self/comm", encoding: .utf8) }
            done.signal()
        }
        t.start()
        done.wait()
        // Linux keeps 15 bytes of a name.
        #expect(seen.withLock { $0 } == "cortado-test-na\n")
        #endif
    }
}

@Suite struct ParkingLotTests {
    /// A batch of two lines.
    static func batch() -> LineBatch {
        let chunk = [UInt8]("{}\n{}\n".utf8).withUnsafeBufferPointer { InputChunk($0) }
        return LineBatch(index: 0, chunk: chunk, lineNumbers: [1, 2], ranges: [0..<2, 3..<5], lastLine: 2)
    }

    /// A lot whose timer thread runs until `lot.shutdown()`, keeping what `record` takes of
    /// each line it delivers.
    final class RunningLot<T: Sendable>: @unchecked Sendable {
        let lot = ParkingLot()
        let delivered = Mutex<[T]>([])

        init(_ record: @escaping @Sendable (BatchRunner.Parked) -> T) {
            Thread { [self] in lot.run { ps in self.delivered.withLock { d in for p in ps { d.append(record(p)) } } } }.start()
        }

        /// Waits (30 s at most) until a line was delivered; what was.
        func firstDelivered() -> [T] {
            let deadline = Date().addingTimeInterval(30)
            while delivered.withLock({ $0.isEmpty }), Date() < deadline { usleep(5_000) }
            return delivered.withLock { $0 }
        }
    }

    /// Line `slot` of `batch` as an execution parked in a long Wait (a timer may claim it).
    static func parked(_ slot: Int, of batch: LineBatch) throws -> BatchRunner.Parked {
        let definition = #"{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":1000,"End":true}}}"#
        let program = try Compiler.compile(JSON.parse(definition)).get()
        let o = ExecutionOptions(executionName: "e\(slot)", stateMachineName: "sm", clock: .real, backend: HandlerRegistry())
        let e = Execution(program: program, input: [:], options: o)
        _ = e.advance()
        return BatchRunner.Parked(waiting: .execution(e), batch: batch, slot: slot, startNanos: 0)
    }

    /// A line resumed by its task's answer lets its timer go: the lot no longer holds its
    /// batch (and the input the batch holds) until the deadline. A ticket holds the park of
    /// its execution's latest advance: an earlier one is void, even when it comes late.
    @Test func aCancelledTicketLetsItsLineGoAndTheLatestParkCounts() throws {
        let running = RunningLot { $0.slot }, lot = running.lot
        defer { lot.shutdown() }
        weak var weakBatch: LineBatch?
        let cancelled = ParkingLot.Ticket(), late = ParkingLot.Ticket()
        do {
            let batch = Self.batch()
            weakBatch = batch
            let now = wallClockMilliseconds()
            let (p0, p1) = (try Self.parked(0, of: batch), try Self.parked(1, of: batch))
            lot.park(p0, until: now + 50, ticket: cancelled, order: 1)
            lot.park(p0, until: now + 600_000, ticket: cancelled, order: 2)  // (its first deadline is void)
            lot.park(p1, until: now + 50, ticket: late, order: 2)
            lot.park(p1, until: now + 600_000, ticket: late, order: 1)  // (an earlier advance's, parked late: void)
        }
        lot.cancel([cancelled])
        _ = running.firstDelivered()
        usleep(100_000)
        #expect(running.delivered.withLock { $0 } == [1])
        #expect(weakBatch == nil)  // (the delivered line was let go too)
    }

    /// Cancelled tickets' entries leave the heap once they are most of it (each task of a
    /// long run parked one minutes away: the heap grew with the input), and a live one among
    /// them still comes out on time.
    @Test func cancelledEntriesLeaveTheHeap() throws {
        let running = RunningLot { $0.slot }, lot = running.lot
        defer { lot.shutdown() }
        let batch = Self.batch()
        let now = wallClockMilliseconds()
        let live = ParkingLot.Ticket()
        lot.park(try Self.parked(1, of: batch), until: now + 300, ticket: live, order: 1)
        let p0 = try Self.parked(0, of: batch)
        var tickets: [ParkingLot.Ticket] = []
        for i in 0..<10_000 {
            let ticket = ParkingLot.Ticket()
            lot.park(p0, until: now + 600_000 + Int64(i), ticket: ticket, order: 1)
            tickets.append(ticket)
        }
        #expect(lot.count == 10_001)
        for k in stride(from: 0, to: tickets.count, by: 100) { lot.cancel(Array(tickets[k..<k + 100])) }
        #expect(lot.count < 5_000, "\(lot.count)")
        #expect(running.firstDelivered() == [1])
    }

    /// The timer thread is woken only for a deadline sooner than those it sleeps for: one
    /// parked after a later one must still come out first, at its time.
    @Test func aSoonerDeadlineParkedLaterComesOutFirst() throws {
        let batch = Self.batch()
        func parked(_ slot: Int) throws -> BatchRunner.Parked { try Self.parked(slot, of: batch) }
        let running = RunningLot { (slot: $0.slot, at: wallClockMilliseconds()) }, lot = running.lot
        defer { lot.shutdown() }
        let now = wallClockMilliseconds()
        lot.park(try parked(0), until: now + 600_000)
        usleep(20_000)  // the timer thread now sleeps until the first deadline
        lot.park(try parked(1), until: now + 50)
        let d = running.firstDelivered()
        #expect(d.map(\.slot) == [1])
        #expect((d.first?.at ?? 0) >= now + 50)
    }

    /// A deadline counts from a now truncated to the millisecond, so the wait began up to a
    /// millisecond before it: the deadline is due halfway through its millisecond, not at
    /// its start (which ended waits half a millisecond early on average).
    @Test func aDeadlineIsDueHalfwayThroughItsMillisecond() {
        #expect(ParkingLot.dueMicroseconds(1000) == 1_000_500)
        #expect(ParkingLot.latestDue(atMicroseconds: 1_000_000) == 999)
        #expect(ParkingLot.latestDue(atMicroseconds: 1_000_499) == 999)
        #expect(ParkingLot.latestDue(atMicroseconds: 1_000_500) == 1000)
        #expect(ParkingLot.latestDue(atMicroseconds: 1_001_499) == 1000)
        for d: Int64 in [0, 1, 999, 1_733_000_000_123] {
            #expect(ParkingLot.latestDue(atMicroseconds: ParkingLot.dueMicroseconds(d)) == d)
            #expect(ParkingLot.latestDue(atMicroseconds: ParkingLot.dueMicroseconds(d) - 1) == d - 1)
        }
    }
}
