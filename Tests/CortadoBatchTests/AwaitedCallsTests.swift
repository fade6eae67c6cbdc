import CortadoASL
@testable import CortadoBatch
import CortadoJSON
import CortadoPath
import CortadoRuntime
import CortadoTasks
import Dispatch
import Foundation
import Synchronization
import Testing

/// The lane calls backends that work for real and answer later (a worker, HTTP, Lambda):
/// the line parks until the answer or its TimeoutSeconds, and a line the lane hands back is
/// answered again, not asked again, by the general engine (`ReplayedCalls`).
@Suite struct AwaitedCallsTests {
    /// Answers on another thread after a few milliseconds, by the input's `n`, and counts
    /// what it was asked.
    final class AnswersLater: TaskBackend, @unchecked Sendable {
        let asked = Mutex<[String: Int]>([:])
        /// Whether every call is answered (on a virtual clock an unanswered one waits forever,
        /// as time stands still while a task is in flight).
        let answersAll: Bool
        init(answersAll: Bool = false) { self.answersAll = answersAll }
        func invoke(_ request: TaskRequest) -> TaskOutcome {
            let n = request.input["n"]?.numberValue?.int ?? -1
            asked.withLock { $0["\(n)/\(request.attempt)", default: 0] += 1 }
            let outcome: TaskOutcome
            if n % 5 == 0 && request.attempt == 0 {
                outcome = .failure(ASLError(ErrorName("Busy"), "try again"))
            } else if n % 7 == 0 {
                outcome = .failure(ASLError(ErrorName("Bad"), "no \(n)"))
            } else if n % 11 == 0 && !answersAll {
                return .pending  // never answered: its TimeoutSeconds ends it
            } else if n % 13 == 0 {
                outcome = .success(["big": .string(String(repeating: "x", count: 300_000))])
            } else {
                outcome = .success(["v": .number(JSONNumber(2 * n))])
            }
            if n % 3 == 0 { return outcome }  // some answer at once
            let completion = request.completion
            DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(5 + n % 20)) {
                completion.complete(outcome)
            }
            return .pending
        }
    }

    static let definition = #"""
        {"StartAt":"Prepare","States":{
          "Prepare":{"Type":"Pass","Parameters":{"n.$":"$.n"},"Next":"Call"},
          "Call":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:f","TimeoutSeconds":1,
                  "ResultPath":"$.r",
                  "Retry":[{"ErrorEquals":["Busy"],"IntervalSeconds":1,"MaxAttempts":2}],
                  "Catch":[{"ErrorEquals":["Bad","States.Timeout"],"ResultPath":"$.e","Next":"Done"}],"Next":"Done"},
          "Done":{"Type":"Pass","End":true}}}
        """#

    /// One run of `n` lines: its result lines, what the backend was asked, each execution's
    /// log events without their times (logged: level ALL with execution data).
    static func run(n: Int, lane: Bool, logged: Bool, clock: ClockMode = .real) throws
        -> (lines: [Substring], asked: [String: Int], events: [String: [String]], onLane: Int) {
        let backend = AnswersLater(answersAll: clock == .virtual)
        let f = BatchFixture()
        let events = f.file("in.jsonl", BatchFixture.events(n))
        let out = f.dir + "/out.jsonl"
        let logPath = f.dir + "/logs.jsonl"
        let fd = open(logPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        defer { close(fd) }
        var c = try f.config(Self.definition, events: events, out: out, workers: 2)
        c.backend = backend
        c.clock = clock
        c.tapeLane = lane
        c.windowLines = 1_000
        if logged {
            c.logFD = fd
            c.logLevel = .all
            c.includeExecutionData = true
        }
        let s = try BatchRunner(config: c).run()
        #expect(s.linesWritten == n)
        let stamp = try Regex(#""event_timestamp":"[0-9]+""#)
        var byExecution: [String: [String]] = [:]
        for l in f.read(logPath).split(separator: "\n").map(String.init) {
            guard let arn = (try? JSON.parse(l))?["execution_arn"]?.stringValue else { Issue.record("\(l)"); continue }
            byExecution[arn, default: []].append(l.replacing(stamp, with: ""))
        }
        return (f.read(out).split(separator: "\n"), backend.asked.withLock { $0 }, byExecution, s.metrics.laneExecutions)
    }

    @Test func theLaneAwaitsAnswersAndAsksEachAttemptOnce() throws {
        let n = 90
        let lane = try Self.run(n: n, lane: true, logged: false), general = try Self.run(n: n, lane: false, logged: false)
        // Lines whose result is over the size limit go back to the general engine.
        #expect(lane.onLane == n - (1...n).filter { $0 % 13 == 0 }.count && general.onLane == 0, "\(lane.onLane)")
        #expect(lane.lines == general.lines)
        #expect(lane.asked == general.asked)
        // Each attempt was asked once, also by a line handed back after its call (26).
        #expect(lane.asked.values.allSatisfy { $0 == 1 })
        #expect(lane.asked["5/1"] == 1 && lane.asked["26/0"] == 1)
        let lines = lane.lines
        #expect(lines[0] == #"{"line":1,"status":"SUCCEEDED","output":{"n":1,"r":{"v":2}}}"#)
        #expect(lines[6] == #"{"line":7,"status":"SUCCEEDED","output":{"n":7,"e":{"Error":"Bad","Cause":"no 7"}}}"#)
        #expect(lines[10].hasPrefix(#"{"line":11,"status":"SUCCEEDED","output":{"n":11,"e":{"Error":"States.Timeout""#), "\(lines[10])")
        #expect(lines[25].hasPrefix(#"{"line":26,"status":"FAILED","error":"States.DataLimitExceeded""#), "\(lines[25])")
    }

    /// On a virtual clock a line waits for its answer too (which takes no virtual time).
    @Test func onAVirtualClockTheLaneAwaitsAnswersToo() throws {
        let n = 60
        for logged in [false, true] {
            let lane = try Self.run(n: n, lane: true, logged: logged, clock: .virtual)
            let general = try Self.run(n: n, lane: false, logged: logged, clock: .virtual)
            #expect(lane.onLane == n - (1...n).filter { $0 % 13 == 0 }.count && general.onLane == 0, "\(lane.onLane)")
            #expect(lane.lines == general.lines && lane.asked == general.asked)
            #expect(lane.asked.values.allSatisfy { $0 == 1 })
            #expect(lane.lines[10] == #"{"line":11,"status":"SUCCEEDED","output":{"n":11,"r":{"v":22}}}"#)
            for (arn, events) in general.events { #expect(lane.events[arn] == events, "\(arn)") }
        }
    }

    /// A worker's heartbeats keep a Task with HeartbeatSeconds alive past them; without,
    /// it ends States.HeartbeatTimeout: on the lane as on the general engine.
    @Test func heartbeatsKeepTheLinesTaskAlive() throws {
        final class Beats: TaskBackend, @unchecked Sendable {
            func invoke(_ request: TaskRequest) -> TaskOutcome {
                let n = request.input["n"]?.numberValue?.int ?? 0
                let completion = request.completion
                if n % 2 == 0 {
                    for ms in [300, 600, 900, 1_200] {
                        DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(ms)) { completion.heartbeat() }
                    }
                }
                DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(1_500)) { completion.complete(.success(["n": .number(JSONNumber(n))])) }
                return .pending
            }
        }
        let def = #"""
            {"StartAt":"Call","States":{
              "Call":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:f","HeartbeatSeconds":1,
                      "TimeoutSeconds":5,"Parameters":{"n.$":"$.n"},
                      "Catch":[{"ErrorEquals":["States.HeartbeatTimeout"],"Next":"Missed"}],"End":true},
              "Missed":{"Type":"Pass","Result":"missed","End":true}}}
            """#
        var outputs: [[Substring]] = []
        for lane in [true, false] {
            let f = BatchFixture()
            let events = f.file("in.jsonl", BatchFixture.events(20))
            let out = f.dir + "/out.jsonl"
            var c = try f.config(def, events: events, out: out, workers: 2)
            c.backend = Beats()
            c.clock = .real
            c.tapeLane = lane
            let s = try BatchRunner(config: c).run()
            #expect(s.metrics.laneExecutions == (lane ? 20 : 0))
            outputs.append(f.read(out).split(separator: "\n"))
        }
        #expect(outputs[0] == outputs[1] && outputs[0].count == 20)
        #expect(outputs[0].first == #"{"line":1,"status":"SUCCEEDED","output":"missed"}"#)
        #expect(outputs[0].dropFirst().first == #"{"line":2,"status":"SUCCEEDED","output":{"n":2}}"#)
    }

    /// Logged at level ALL, a line that waited for its answers writes the general engine's
    /// events (times aside).
    @Test func aLoggedLineThatAwaitsWritesTheGeneralEnginesEvents() throws {
        let n = 40
        let lane = try Self.run(n: n, lane: true, logged: true), general = try Self.run(n: n, lane: false, logged: true)
        #expect(lane.onLane == n - (1...n).filter { $0 % 13 == 0 }.count)
        #expect(lane.lines == general.lines && lane.asked == general.asked)
        #expect(lane.events.count == n && general.events.count == n)
        for (arn, events) in general.events {
            #expect(lane.events[arn] == events, "\(arn)")
        }
    }

    /// A line handed back after its call is answered from the lane's record when the general
    /// engine asks the same state, attempt and input: the input compared as the text each
    /// engine writes (`AwaitedCall.asked(with:)`), whatever escapes, characters and number
    /// forms the line had. Each call's result is over the size limit, so every line goes back.
    @Test func aHandedBackLineIsAnsweredAgainWhateverItsInputsText() throws {
        final class Big: TaskBackend, @unchecked Sendable {
            let asked = Mutex<[String: Int]>([:])
            func invoke(_ request: TaskRequest) -> TaskOutcome {
                asked.withLock { $0[request.input.serialized, default: 0] += 1 }
                let completion = request.completion
                DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(5)) {
                    completion.complete(.success(["big": .string(String(repeating: "x", count: 300_000))]))
                }
                return .pending
            }
        }
        let definition = #"""
            {"StartAt":"Call","States":{"Call":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:f",
              "Parameters":{"s.$":"$.s","x.$":"$.x","k.$":"$.k","fixed":"\u00e9\"\\"},"ResultPath":"$.r","End":true}}}
            """#
        let lines = [#"{"k":1,"s":"caf\u00e9 \"q\" \/ \t é","x":1.50}"#, #"{"k":2,"s":"\ud83d\ude00","x":-0}"#,
                     #"{"k":3,"s":"plain","x":1E5}"#, #"{"k":4,"s":"a\u2028b","x":[1.0,{"y":"\u0001"}]}"#,
                     #"{"k":5, "s" : "spaced",  "x":{"a":[ ]}}"#]
        var results: [[Substring]] = []
        for lane in [true, false] {
            let backend = Big(), f = BatchFixture()
            let events = f.file("in.jsonl", lines.joined(separator: "\n") + "\n")
            let out = f.dir + "/out.jsonl"
            var c = try f.config(definition, events: events, out: out, workers: 2)
            c.backend = backend
            c.clock = .real
            c.tapeLane = lane
            let s = try BatchRunner(config: c).run()
            #expect(s.linesWritten == lines.count && s.metrics.laneExecutions == 0)
            // (On the lane every line called, parked for the answer and went back with it.)
            #expect(s.metrics.laneParks == (lane ? lines.count : 0), "\(s.metrics.laneParks)")
            let asked = backend.asked.withLock { $0 }
            #expect(asked.count == lines.count && asked.values.allSatisfy { $0 == 1 }, "lane \(lane): \(asked)")
            results.append(f.read(out).split(separator: "\n"))
        }
        #expect(results[0] == results[1])
        #expect(results[0].allSatisfy { $0.contains("States.DataLimitExceeded") }, "\(results[0])")
    }

    /// An execution that parks for a task may resume on another worker, which writes its
    /// later events: the events it recorded before it parked are written first (the worker
    /// that ran it hands them on before it parks, `HistoryEventSink.executionWillPark`).
    /// Here each answer comes from another thread while the worker that parked its line is
    /// held up by the next line's call, so the resumed line ends on the other worker first.
    @Test func anExecutionResumedElsewhereWritesItsEventsInOrder() throws {
        final class AnswersElsewhere: TaskBackend, @unchecked Sendable {
            func invoke(_ request: TaskRequest) -> TaskOutcome {
                // (Holds this worker, the line before parked, while that line's answer comes.)
                usleep(20_000)
                let completion = request.completion
                DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(5)) { completion.complete(.success(["ok": true])) }
                return .pending
            }
        }
        for lane in [false, true] {
            let f = BatchFixture()
            let n = 8
            let events = f.file("in.jsonl", BatchFixture.events(n))
            let out = f.dir + "/out.jsonl", logPath = f.dir + "/logs.jsonl"
            let fd = open(logPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
            defer { close(fd) }
            var c = try f.config(Self.definition, events: events, out: out, workers: 2)
            c.backend = AnswersElsewhere()
            c.clock = .real
            c.tapeLane = lane
            c.logFD = fd
            c.logLevel = .all
            let s = try BatchRunner(config: c).run()
            #expect(s.linesWritten == n)
            var ids: [String: [Int]] = [:]
            for l in f.read(logPath).split(separator: "\n") {
                let e = try JSON.parse(String(l))
                guard let arn = e["execution_arn"]?.stringValue, let id = e["id"]?.stringValue.flatMap({ Int($0) }) else {
                    Issue.record("\(l)"); continue
                }
                ids[arn, default: []].append(id)
            }
            #expect(ids.count == n)
            for (arn, list) in ids { #expect(list == Array(1...list.count), "lane \(lane) \(arn): \(list)") }
        }
    }
}

