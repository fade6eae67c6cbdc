import CortadoASL
import CortadoJSON
import CortadoPath
import CortadoRuntime
import Foundation
import Testing

/// Runs a definition on the virtual clock with a CloudWatch Logs sink; returns the log lines parsed.
enum LogHarness {
    static let arn = "arn:aws:states:us-east-1:111111111111:execution:sm:exec-1"
    static let start: Int64 = 1_700_000_000_000

    static func options(_ backend: any TaskBackend = HandlerRegistry()) -> ExecutionOptions {
        var o = ExecutionOptions(executionName: "exec-1", stateMachineName: "sm", clock: .virtual, backend: backend)
        o.startTime = start
        return o
    }

    static func lines(_ definition: String, input: String = "{}", level: LogLevel, data: Bool,
                      backend: any TaskBackend = HandlerRegistry()) throws -> [JSON] {
        let e = Execution(program: try Harness.program(definition), input: try JSON.parse(input), options: options(backend))
        let sink = CloudWatchLogSink(level: level, includeExecutionData: data)
        e.eventSink = sink
        _ = e.runToCompletion()
        var out: [UInt8] = []
        sink.drain(into: &out)
        #expect(sink.buffer.isEmpty)
        #expect(out.isEmpty || out.last == 10)
        return try out.split(separator: 10).map { try JSON.parse(Array($0)) }
    }

    /// One expected log line (every scalar a string, as AWS writes them).
    static func event(_ id: Int, _ type: String, _ previous: Int, _ details: String) throws -> JSON {
        try JSON.parse(#"{"id":"\#(id)","type":"\#(type)","details":\#(details),"previous_event_id":"\#(previous)","#
            + #""event_timestamp":"\#(start)","execution_arn":"\#(arn)","redrive_count":"0"}"#)
    }
}

@Suite struct LogTests {
    static let succeeding = #"{"StartAt":"A","States":{"A":{"Type":"Pass","Result":{"x":1},"Next":"B"},"B":{"Type":"Succeed"}}}"#
    static let failing = #"{"StartAt":"A","States":{"A":{"Type":"Pass","Next":"B"},"B":{"Type":"Fail","Error":"Boom","Cause":"it broke"}}}"#
    static let role = #""roleArn":"arn:aws:iam::111111111111:role/cortado""#
    static let noTrunc = #"{"truncated":false}"#

    @Test func allWithExecutionData() throws {
        let got = try LogHarness.lines(Self.succeeding, input: #"{"in":true}"#, level: .all, data: true)
        let e = LogHarness.event
        let want = [
            try e(1, "ExecutionStarted", 0, #"{"input":{"in":true},"inputDetails":\#(Self.noTrunc),\#(Self.role)}"#),
            try e(2, "PassStateEntered", 0, #"{"name":"A","input":{"in":true},"inputDetails":\#(Self.noTrunc)}"#),
            try e(3, "PassStateExited", 2, #"{"name":"A","output":{"x":1},"outputDetails":\#(Self.noTrunc)}"#),
            try e(4, "SucceedStateEntered", 3, #"{"name":"B","input":{"x":1},"inputDetails":\#(Self.noTrunc)}"#),
            try e(5, "SucceedStateExited", 4, #"{"name":"B","output":{"x":1},"outputDetails":\#(Self.noTrunc)}"#),
            try e(6, "ExecutionSucceeded", 5, #"{"output":{"x":1},"outputDetails":\#(Self.noTrunc)}"#),
        ]
        #expect(got.count == want.count)
        for (g, w) in zip(got, want) {
            for key in ["id", "type", "details", "previous_event_id", "event_timestamp", "execution_arn", "redrive_count"] {
                #expect(g[key] == w[key], "\(key) of event \(w["id"]?.serialized ?? "?")")
            }
            #expect(g == w)
        }
    }

    @Test func allWithoutExecutionDataOmitsInputsAndOutputs() throws {
        let got = try LogHarness.lines(Self.succeeding, input: #"{"in":true}"#, level: .all, data: false)
        let e = LogHarness.event
        #expect(got == [
            try e(1, "ExecutionStarted", 0, "{\(Self.role)}"),
            try e(2, "PassStateEntered", 0, #"{"name":"A"}"#),
            try e(3, "PassStateExited", 2, #"{"name":"A"}"#),
            try e(4, "SucceedStateEntered", 3, #"{"name":"B"}"#),
            try e(5, "SucceedStateExited", 4, #"{"name":"B"}"#),
            try e(6, "ExecutionSucceeded", 5, "{}"),
        ])
    }

    @Test func errorFatalAndOffLogNothingForASuccess() throws {
        for level in [LogLevel.error, .fatal, .off] {
            for data in [false, true] {
                #expect(try LogHarness.lines(Self.succeeding, level: level, data: data).isEmpty, "\(level) \(data)")
            }
        }
    }

    @Test func failureAtEachLevel() throws {
        let e = LogHarness.event
        let failed = try e(5, "ExecutionFailed", 4, #"{"error":"Boom","cause":"it broke"}"#)
        // ALL: every event; ids keep their numbers when a level filters events out.
        #expect(try LogHarness.lines(Self.failing, level: .all, data: false) == [
            try e(1, "ExecutionStarted", 0, "{\(Self.role)}"),
            try e(2, "PassStateEntered", 0, #"{"name":"A"}"#),
            try e(3, "PassStateExited", 2, #"{"name":"A"}"#),
            try e(4, "FailStateEntered", 3, #"{"name":"B"}"#),
            failed,
        ])
        // ERROR: FailStateEntered (with its input when data is included) and the failure.
        #expect(try LogHarness.lines(Self.failing, level: .error, data: false) == [
            try e(4, "FailStateEntered", 3, #"{"name":"B"}"#), failed,
        ])
        #expect(try LogHarness.lines(Self.failing, level: .error, data: true) == [
            try e(4, "FailStateEntered", 3, #"{"name":"B","input":{},"inputDetails":\#(Self.noTrunc)}"#), failed,
        ])
        // FATAL: only the execution's failure; error and cause are not execution data.
        for data in [false, true] {
            #expect(try LogHarness.lines(Self.failing, level: .fatal, data: data) == [failed])
            #expect(try LogHarness.lines(Self.failing, level: .off, data: data).isEmpty)
        }
    }

    @Test func taskEventsNameTheResource() throws {
        let backend = HandlerRegistry()
        backend.register("arn:aws:states:::lambda:invoke") { _ in .success(["ok": true]) }
        backend.register("arn:aws:lambda:us-east-1:123456789012:function:f") { _ in
            .failure(ASLError(ErrorName("Oops"), "bad"))
        }
        let def = #"""
            {"StartAt":"T","States":{
              "T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"p":1},"Next":"L"},
              "L":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:f","End":true}}}
            """#
        let got = try LogHarness.lines(def, level: .all, data: true, backend: backend)
        let types = got.map { $0["type"]?.stringValue ?? "" }
        #expect(types == ["ExecutionStarted", "TaskStateEntered", "TaskScheduled", "TaskStarted", "TaskSucceeded",
                          "TaskStateExited", "TaskStateEntered", "LambdaFunctionScheduled", "LambdaFunctionStarted",
                          "LambdaFunctionFailed", "ExecutionFailed"])
        #expect(got[2]["details"] == [
            "resourceType": "lambda", "resource": "invoke", "region": "us-east-1", "parameters": ["p": 1],
        ])
        #expect(got[4]["details"] == [
            "resourceType": "lambda", "resource": "invoke", "output": ["ok": true], "outputDetails": ["truncated": false],
        ])
        #expect(got[9]["details"] == ["error": "Oops", "cause": "bad"])
        let errors = try LogHarness.lines(def, level: .error, data: false, backend: backend)
        #expect(errors.map { $0["type"]?.stringValue ?? "" } == ["LambdaFunctionFailed", "ExecutionFailed"])
    }

    /// The resource of a task event is named as in the execution history (`TaskResource`):
    /// `.sync:2` stays in the action, and an AWS SDK integration's type names its service.
    @Test func taskEventsNameResourcesAsTheHistoryDoes() throws {
        let backend = HandlerRegistry()
        backend.register("arn:aws:states:::*") { _ in .success(["ok": true]) }
        let def = #"""
            {"StartAt":"S","States":{
              "S":{"Type":"Task","Resource":"arn:aws:states:::states:startExecution.sync:2","Parameters":{"p":1},"Next":"K"},
              "K":{"Type":"Task","Resource":"arn:aws:states:::aws-sdk:secretsmanager:createSecret","Parameters":{"Name":"n"},"End":true}}}
            """#
        let got = try LogHarness.lines(def, level: .all, data: false, backend: backend)
        let scheduled = got.filter { $0["type"] == "TaskScheduled" }.map(\.["details"])
        #expect(scheduled.map { $0?["resourceType"] } == ["states", "aws-sdk:secretsmanager"])
        #expect(scheduled.map { $0?["resource"] } == ["startExecution.sync:2", "createSecret"])
    }

    @Test func mapIterationsFollowTheirOwnThread() throws {
        let def = #"""
            {"StartAt":"M","States":{"M":{"Type":"Map","ItemProcessor":{"ProcessorConfig":{"Mode":"INLINE"},
              "StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},"End":true}}}
            """#
        let got = try LogHarness.lines(def, input: "[7,8]", level: .all, data: false)
        let rows = got.map { "\($0["id"]!.stringValue!):\($0["type"]!.stringValue!):\($0["previous_event_id"]!.stringValue!)" }
        #expect(rows == [
            "1:ExecutionStarted:0", "2:MapStateEntered:0", "3:MapStateStarted:2",
            "4:MapIterationStarted:3", "5:MapIterationStarted:3", "6:PassStateEntered:4", "7:PassStateExited:6",
            "8:MapIterationSucceeded:7", "9:PassStateEntered:5", "10:PassStateExited:9", "11:MapIterationSucceeded:10",
            "12:MapStateSucceeded:11", "13:MapStateExited:12", "14:ExecutionSucceeded:13",
        ])
        #expect(got[3]["details"] == ["name": "M", "index": 0])
        #expect(got[2]["details"] == ["length": 2])
    }

    @Test func oversizedDataIsTruncated() throws {
        let big = String(repeating: "a", count: 255_000)
        let got = try LogHarness.lines(#"{"StartAt":"S","States":{"S":{"Type":"Succeed"}}}"#,
                                       input: #"{"s":"\#(big)"}"#, level: .fatal, data: true)
        #expect(got.isEmpty)
        let all = try LogHarness.lines(#"{"StartAt":"S","States":{"S":{"Type":"Succeed"}}}"#,
                                       input: #"{"s":"\#(big)"}"#, level: .all, data: true)
        let details = all[0]["details"]
        #expect(details?["inputDetails"] == ["truncated": true])
        #expect(details?["input"]?.stringValue?.utf8.count == 248 * 1024)
    }

    @Test func offNeverRecordsOrBuildsDetails() throws {
        final class Counting: HistoryEventSink {
            let level: LogLevel
            var asked: [EventType] = []
            var recorded: [EventType] = []
            init(_ level: LogLevel) { self.level = level }
            func wants(_ type: EventType) -> Bool { asked.append(type); return level.includes(type) }
            func record(_ event: HistoryEvent, of execution: Execution) { recorded.append(event.type) }
        }
        let p = try Harness.program(Self.failing)
        let off = Counting(.off)
        let e = Execution(program: p, input: [:], options: LogHarness.options())
        e.eventSink = off
        _ = e.runToCompletion()
        #expect(off.asked.map(\.rawValue) == ["ExecutionStarted", "PassStateEntered", "PassStateExited",
                                              "FailStateEntered", "ExecutionFailed"])
        #expect(off.recorded.isEmpty)

        let fatal = Counting(.fatal)
        let e2 = Execution(program: p, input: [:], options: LogHarness.options())
        e2.eventSink = fatal
        _ = e2.runToCompletion()
        #expect(fatal.recorded == [.executionFailed])

        let sink = CloudWatchLogSink(level: .off, includeExecutionData: true)
        let e3 = Execution(program: p, input: [:], options: LogHarness.options())
        e3.eventSink = sink
        _ = e3.runToCompletion()
        #expect(sink.buffer.isEmpty)
    }

    @Test func levelsFollowTheDeveloperGuide() {
        #expect(EventType.allCases.filter(\.isFatal) == [.executionFailed, .executionTimedOut, .executionAborted])
        for t in EventType.allCases {
            #expect(LogLevel.all.includes(t))
            #expect(!LogLevel.off.includes(t))
            if t.isFatal { #expect(t.isError) }
            let failure = t.rawValue.hasSuffix("Failed") || t.rawValue.hasSuffix("TimedOut") || t.rawValue.hasSuffix("Aborted")
            #expect(LogLevel.error.includes(t) == (failure || t == .failStateEntered), "\(t)")
        }
    }

    // MARK: - The recorded AWS cases (../shared/conformance/logs), when present

    static let corpus: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("shared/conformance/logs")

    /// check_logs' comparison: "timestamp" and "snf_role_arn" match any string, `<...>` any text.
    static func same(_ exp: JSON, _ got: JSON?) -> Bool {
        guard let got else { return false }
        switch exp {
        case .string(let s):
            guard case .string(let g) = got else { return false }
            if s == "timestamp" || s == "snf_role_arn" { return true }
            return wildcardMatch(s, g)
        case .object(let o):
            guard case .object(let g) = got, Set(o.keys) == Set(g.keys) else { return false }
            return o.members.allSatisfy { same($0.value, g[$0.key]) }
        case .array(let a):
            guard case .array(let g) = got, a.count == g.count else { return false }
            return zip(a, g).allSatisfy { same($0, $1) }
        default: return exp == got
        }
    }

    static func wildcardMatch(_ pattern: String, _ s: String) -> Bool {
        var parts: [Substring] = []
        var rest = pattern[...]
        while let lt = rest.firstIndex(of: "<"), let gt = rest[lt...].firstIndex(of: ">") {
            parts.append(rest[..<lt]); rest = rest[rest.index(after: gt)...]
        }
        parts.append(rest)
        if parts.count == 1 { return pattern == s }
        var tail = s[...]
        guard tail.hasPrefix(parts[0]) else { return false }
        tail = tail.dropFirst(parts[0].count)
        for p in parts.dropFirst().dropLast() {
            guard let r = tail.range(of: p) else { return false }
            tail = tail[r.upperBound...]
        }
        return tail.hasSuffix(parts.last!)
    }

    @Test func recordedAWSCases() throws {
        guard let files = try? FileManager.default.contentsOfDirectory(atPath: Self.corpus.path) else { return }
        var checked = 0
        for f in files.sorted() where f.hasSuffix(".json") {
            let c = try JSON.parse(Array(try Data(contentsOf: Self.corpus.appendingPathComponent(f))))
            guard let level = c["log_level"]?.stringValue.flatMap(LogLevel.init(rawValue:)),
                  case .bool(let data) = c["include_execution_data"], let def = c["definition"], let input = c["input"],
                  case .array(let expected) = c["expected_events"] else {
                Issue.record("unreadable case \(f)"); continue
            }
            // The recorded ARNs name account 111111111111, every host's default.
            let got = try LogHarness.lines(def.serialized, input: input.serialized, level: level, data: data)
            #expect(Self.same(.array(expected), .array(got)), "\(f): \(JSON.array(got).serialized)")
            checked += 1
        }
        #expect(checked == 0 || checked == 24)
    }
}

/// Each line's numbers and fixed parts are put together on the stack (`ByteRun`): every
/// number, of any sign and width, comes out as its decimal text, quoted where AWS quotes it.
@Suite struct LogLineNumberTests {
    @Test func everyNumberIsWrittenInFull() throws {
        let f = CloudWatchLogFormatter(includeExecutionData: false)
        var numbers = [0, 7, -1, 10, 99, 1_700_000_000_123, Int.max, Int.min, Int.min + 1]
        var p = 1
        for _ in 0..<18 { p *= 10; numbers += [p - 1, p, p + 1, -p, -(p - 1)] }
        for n in numbers {
            let e = HistoryEvent(id: n, previousEventID: n, type: .lambdaFunctionScheduleFailed,
                                 timestamp: Int64(n), details: EventDetails(index: n))
            var w = JSONWriter()
            f.write(e, executionArn: "arn", region: "r", into: &w)
            let line = String(decoding: w.bytes, as: UTF8.self)
            #expect(line == #"{"id":"\#(n)","type":"LambdaFunctionScheduleFailed","details":{"index":\#(n)},"previous_event_id":"\#(n)","event_timestamp":"\#(n)","execution_arn":"arn","redrive_count":"0"}"# + "\n")
        }
    }

    /// A sink keeps the last event's timestamp text and line tail: each line still carries
    /// its own event's timestamp and execution.
    @Test func aSinkWritesEachEventsOwnTimestampAndExecution() {
        let sink = CloudWatchLogSink(level: .all)
        let events: [(Int64, String)] = [(5, "a"), (5, "a"), (6, "a"), (6, "b"), (1_700_000_000_000, "b"), (5, "a")]
        for (k, (t, arn)) in events.enumerated() {
            sink.record(HistoryEvent(id: k + 1, previousEventID: k, type: .passStateEntered, timestamp: t,
                                     details: EventDetails(name: "S")), executionArn: arn, region: "r")
        }
        let lines = String(decoding: sink.buffer, as: UTF8.self).split(separator: "\n")
        #expect(lines.count == events.count)
        for (line, (t, arn)) in zip(lines, events) {
            #expect(line.contains(#""event_timestamp":"\#(t)","execution_arn":"\#(arn)""#), "\(line)")
        }
    }
}


/// The fields few events carry share one box between copies of the details: a copy changed
/// afterwards keeps its own values, and the original keeps its.
@Suite struct EventDetailsTests {
    @Test func copiesOfRareFieldsAreIndependent() {
        let original = EventDetails(name: "S", roleArn: "role", error: "E", cause: "C")
        var copy = original
        copy.cause = "other"
        copy.location = "Parameters"
        copy.assignedVariables = ["x": .number(JSONNumber(1))]
        #expect(original.cause == "C" && original.location == nil && original.assignedVariables == nil)
        #expect(copy.cause == "other" && copy.error == "E" && copy.roleArn == "role" && copy.location == "Parameters")
        var plain = EventDetails(name: "T")
        #expect(plain.error == nil && plain.mapRunArn == nil)
        plain.mapRunArn = "arn:map"
        #expect(plain.mapRunArn == "arn:map" && plain.json["mapRunArn"] == .string("arn:map"))
    }
}
