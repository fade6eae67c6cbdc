import CortadoASL
import CortadoJSON
import CortadoPath
import CortadoRuntime
import Dispatch
import Foundation
import Synchronization
import Testing

/// A backend whose handlers choose per request how the task goes.
final class ScriptedBackend: TaskBackend, @unchecked Sendable {
    let body: @Sendable (TaskRequest) -> TaskOutcome
    init(_ body: @escaping @Sendable (TaskRequest) -> TaskOutcome) { self.body = body }
    func invoke(_ request: TaskRequest) -> TaskOutcome { body(request) }
}

@Suite struct TaskTimeoutTests {
    static func task(_ extra: String, next: String = #""End":true"#) -> String {
        #"{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"r",\#(extra),\#(next)},"#
            + #""C":{"Type":"Pass","End":true}}}"#
    }

    @Test func aTaskSlowerThanTimeoutSecondsTimesOutOnTheVirtualClock() throws {
        let slow = ScriptedBackend { _ in .after(seconds: 7200, .success(["late": true])) }
        let r = try Harness.run(Self.task(#""TimeoutSeconds":3600"#), backend: slow)
        #expect(r.errorName == "States.Timeout")
        #expect(r.error?.cause == nil)
        let ok = try Harness.run(Self.task(#""TimeoutSeconds":9000"#), backend: slow)
        #expect(ok.output == ["late": true])
    }

    @Test func aCaughtTimeoutHasAnEmptyCause() throws {
        let slow = ScriptedBackend { _ in .after(seconds: 20, .success([:])) }
        let r = try Harness.run(Self.task(#""TimeoutSeconds":10,"Catch":[{"ErrorEquals":["States.Timeout"],"Next":"C"}]"#, next: #""End":true"#),
                                backend: slow)
        #expect(r.output == ["Error": "States.Timeout", "Cause": ""])
    }

    /// A tolerated Map failure leaves the same error object a Catcher passes on (it had
    /// "Cause": null for a timeout where the Catcher had ""; issue 16).
    @Test func aToleratedTimeoutInAMapHasTheCatchersErrorObject() throws {
        let slow = ScriptedBackend { _ in .after(seconds: 20, .success([:])) }
        let def = #"{"StartAt":"M","States":{"M":{"Type":"Map","ToleratedFailureCount":1,"ItemProcessor":{"StartAt":"T","States":{"#
            + #""T":{"Type":"Task","Resource":"r","TimeoutSeconds":10,"End":true}}},"End":true}}}"#
        let r = try Harness.run(def, input: "[1]", backend: slow)
        #expect(r.output == [["Error": "States.Timeout", "Cause": ""]])
    }

    @Test func timeoutSecondsPathReadsTheInput() throws {
        let slow = ScriptedBackend { _ in .after(seconds: 50, .success([:])) }
        let def = Self.task(#""TimeoutSecondsPath":"$.limit""#)
        #expect(try Harness.run(def, input: #"{"limit":10}"#, backend: slow).errorName == "States.Timeout")
        #expect(try Harness.run(def, input: #"{"limit":100}"#, backend: slow).status == .succeeded)
        #expect(try Harness.run(def, input: #"{"limit":"x"}"#, backend: slow).errorName == "States.Runtime")
    }

    /// A TimeoutSecondsPath or HeartbeatSecondsPath value may be any positive integer, and
    /// a host's time limit any number of seconds: the clock saturates (`instant`) instead of
    /// overflowing. Before, each of these trapped.
    @Test func hugeTimeoutsDoNotOverflowTheClock() throws {
        let slow = ScriptedBackend { _ in .after(seconds: 50, .success(["ok": true])) }
        let def = Self.task(#""TimeoutSecondsPath":"$.limit","HeartbeatSecondsPath":"$.limit""#)
        let r = try Harness.run(def, input: #"{"limit":9223372036854775807}"#, backend: slow)
        #expect(r.output == ["ok": true])
        var o = ExecutionOptions(executionName: "e", stateMachineName: "sm", clock: .virtual, backend: slow)
        o.executionTimeoutSeconds = Int.max
        #expect(Execution(program: try Harness.program(Self.task(#""TimeoutSeconds":60"#)), input: [:], options: o)
            .runToCompletion().output == ["ok": true])
        #expect(instant(0, plusSeconds: Int.max) == 1_099_511_627_776_000)
        #expect(instant(5, plusSeconds: Int.min) == 5)
    }

    @Test func missingHeartbeatsTimeOut() throws {
        let slow = ScriptedBackend { _ in .after(seconds: 100, .success([:])) }
        let r = try Harness.run(Self.task(#""HeartbeatSeconds":30,"TimeoutSeconds":300"#), backend: slow)
        #expect(r.errorName == "States.HeartbeatTimeout")
    }

    @Test func timeoutsAreRetriedWithTheAttemptCount() throws {
        let attempts = Mutex<[Int]>([])
        let backend = ScriptedBackend { r in
            attempts.withLock { $0.append(r.attempt) }
            return r.attempt < 2 ? .after(seconds: 60, .success([:])) : .success(["attempt": .number(JSONNumber(r.attempt))])
        }
        let r = try Harness.run(Self.task(#""TimeoutSeconds":30,"Retry":[{"ErrorEquals":["States.Timeout"],"MaxAttempts":5}]"#),
                                backend: backend)
        #expect(r.output == ["attempt": 2])
        #expect(attempts.withLock { $0 } == [0, 1, 2])
    }

    @Test func pendingTasksCompleteFromAnotherThread() throws {
        let backend = ScriptedBackend { r in
            let c = r.completion
            let v = r.input["v"] ?? .null
            DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(5)) { c.complete(.success(["echo": v])) }
            return .pending
        }
        let def = #"{"StartAt":"M","States":{"M":{"Type":"Map","ItemSelector":{"v.$":"$$.Map.Item.Value"},"ItemProcessor":{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"r","TimeoutSeconds":5,"End":true}}},"End":true}}}"#
        let r = try Harness.run(def, input: "[1,2,3,4,5,6,7,8]", backend: backend)
        #expect(r.output == [["echo": 1], ["echo": 2], ["echo": 3], ["echo": 4], ["echo": 5], ["echo": 6], ["echo": 7], ["echo": 8]])
    }

    @Test func aPendingTaskHoldsVirtualTimeStill() throws {
        // On the virtual clock a real task takes no virtual time: a short timeout does not fire.
        let backend = ScriptedBackend { r in
            let c = r.completion
            DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(20)) { c.complete(.success(["done": true])) }
            return .pending
        }
        let r = try Harness.run(Self.task(#""TimeoutSeconds":1"#), backend: backend)
        #expect(r.output == ["done": true])
    }

    @Test func aCompletionAfterATimeoutIsIgnored() throws {
        // Real clock: the task answers after its 1-second timeout; the late answer must not
        // resurrect the state, and Catch sees States.Timeout.
        let backend = ScriptedBackend { r in
            let c = r.completion
            DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(1500)) { c.complete(.success(["late": true])) }
            return .pending
        }
        let p = try Harness.program(Self.task(#""TimeoutSeconds":1,"Catch":[{"ErrorEquals":["States.ALL"],"Next":"C"}]"#))
        var o = ExecutionOptions(executionName: "e", stateMachineName: "sm", clock: .real, backend: backend)
        o.startTime = nil
        let r = Execution(program: p, input: [:], options: o).runToCompletion()
        #expect(r.output == ["Error": "States.Timeout", "Cause": ""])
    }

    /// A task's TimeoutSeconds and HeartbeatSeconds count from when the backend took it: a
    /// step that stalled before the call (here, a backend slow to accept) must not shorten
    /// them. (The step's clock was read before the call; a stall of more than the heartbeat
    /// timed out a task whose heartbeats came in time.)
    /// (As in `heartbeatsKeepALongTaskAlive`, this asserts the answer only when the heartbeats
    /// really came in time and the task ended well inside its TimeoutSeconds: CI, running the
    /// suite on a loaded machine, once saw a gap of over a second, where a HeartbeatTimeout is
    /// the right answer, and three gaps of 700 ms add up to a States.Timeout; the answer
    /// must also reach the execution, a thread hop away, within the second left. The timing is
    /// read once the sender is done; the run is tried up to three times, and an engine that
    /// counted from before the stall never keeps the task alive.)
    @Test func deadlinesCountFromTheTasksStart() throws {
        var inTime = 0
        for _ in 0..<3 {
            let (timely, r) = try Self.stalledTaskWithHeartbeats()
            if r.output == ["alive": true] { return }
            #expect(r.errorName == "States.HeartbeatTimeout" || r.errorName == "States.Timeout", "\(String(describing: r.errorName))")
            if timely { inTime += 1 }
        }
        #expect(inTime == 0, "heartbeats came in time in \(inTime) of 3 runs, and each timed out")
    }

    /// One run of `deadlinesCountFromTheTasksStart`: whether the heartbeats and the answer came
    /// in time by the backend's clock, and the execution's result.
    static func stalledTaskWithHeartbeats() throws -> (timely: Bool, result: ExecutionResult) {
        let maxGapMs = Mutex<Int64>(0), totalMs = Mutex<Int64>(0)
        let done = DispatchSemaphore(value: 0)
        let backend = ScriptedBackend { r in
            let c = r.completion
            usleepMs(1200)  // slow to accept: the stall
            let started = wallClockMilliseconds()  // the task's start: the backend has it now
            Self.send(done) {
                var last = started
                for _ in 0..<3 {
                    usleepMs(200)
                    let t = wallClockMilliseconds()
                    maxGapMs.withLock { $0 = max($0, t - last) }
                    last = t
                    c.heartbeat()
                }
                totalMs.withLock { $0 = wallClockMilliseconds() - started }
                c.complete(.success(["alive": true]))
            }
            return .pending
        }
        let p = try Harness.program(Self.task(#""HeartbeatSeconds":1,"TimeoutSeconds":2"#))
        var o = ExecutionOptions(executionName: "e", stateMachineName: "sm", clock: .real, backend: backend)
        o.startTime = nil
        let r = Execution(program: p, input: [:], options: o).runToCompletion()
        // (The sender's figures once it is done: an execution that timed out did not wait for it.)
        done.wait()
        return (maxGapMs.withLock { $0 } < 800 && totalMs.withLock { $0 } < 1000, r)
    }

    @Test func heartbeatsKeepALongTaskAlive() throws {
        // Real clock, HeartbeatSeconds 1: heartbeats every 200 ms for 1.5 s keep it alive.
        // NOTE: this asserts only when the heartbeats really came in time; on an overloaded
        // machine a gap can exceed the second, and then a HeartbeatTimeout is the right answer.
        // Each heartbeat must also reach the execution, a thread hop away: CI once saw a
        // HeartbeatTimeout with every gap under 800 ms at the sender, so half a second is left.
        // The gaps are read once the sender is done (`send`); the run is tried up to three
        // times, and an engine that ignored heartbeats never passes.
        var inTime = 0
        for _ in 0..<3 {
            let (maxGap, r) = try Self.heartbeatingTask()
            if r.output == ["alive": true] { return }
            #expect(r.errorName == "States.HeartbeatTimeout", "\(String(describing: r.errorName))")
            if maxGap < 500 { inTime += 1 }
        }
        #expect(inTime == 0, "heartbeats came in time in \(inTime) of 3 runs, and each timed out")
    }

    /// One run of `heartbeatsKeepALongTaskAlive`: the longest gap between heartbeats at the
    /// sender (ms), and the execution's result.
    static func heartbeatingTask() throws -> (maxGap: Int64, result: ExecutionResult) {
        let maxGapMs = Mutex<Int64>(0)
        let done = DispatchSemaphore(value: 0)
        let backend = ScriptedBackend { r in
            let c = r.completion
            let started = wallClockMilliseconds()  // the task's start, not the thread's
            Self.send(done) {
                var last = started
                for _ in 0..<7 {
                    usleepMs(200)
                    let t = wallClockMilliseconds()
                    maxGapMs.withLock { $0 = max($0, t - last) }
                    last = t
                    c.heartbeat()
                }
                c.complete(.success(["alive": true]))
            }
            return .pending
        }
        let p = try Harness.program(Self.task(#""HeartbeatSeconds":1"#))
        var o = ExecutionOptions(executionName: "e", stateMachineName: "sm", clock: .real, backend: backend)
        o.startTime = nil
        let r = Execution(program: p, input: [:], options: o).runToCompletion()
        done.wait()
        return (maxGapMs.withLock { $0 }, r)
    }

    /// Runs a backend's sender on a thread of its own, then signals `done`. (On a global
    /// queue it waited behind other tests' blocked work: a run once found its first heartbeat
    /// sent 1.2 s after the task began, after the engine had rightly timed it out, while the
    /// test, reading the sender's figures before it had sent anything, took the heartbeats
    /// for in time.)
    static func send(_ done: DispatchSemaphore, _ body: @escaping @Sendable () -> Void) {
        let t = Thread { body(); done.signal() }
        t.start()
    }
}

func usleepMs(_ ms: Int) {
    var ts = timespec(tv_sec: ms / 1000, tv_nsec: (ms % 1000) * 1_000_000)
    nanosleep(&ts, nil)
}

#if canImport(Glibc)
import Glibc
#endif
