import CortadoASL
import CortadoJSON
import CortadoPath
@testable import CortadoRuntime
@testable import CortadoTasks
import Foundation
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Drives `SubprocessWorkerPool` with examples/workers/example_worker.py.
@Suite struct SubprocessWorkerTests {
    static let workerScript: String = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("examples/workers/example_worker.py").path
    static let command = ["python3", workerScript]

    static func arn(_ function: String) -> String { "arn:aws:lambda:us-east-1:123456789012:function:\(function)" }

    static func request(_ function: String, _ input: JSON, _ completion: TaskCompletion, attempt: Int = 0,
                        timeout: Int? = nil, heartbeat: Int? = nil) -> TaskRequest {
        TaskRequest(resource: arn(function), input: input, stateName: "Step", attempt: attempt, executionName: "exec-1",
                    stateMachineName: "sm", executionArn: "arn:aws:states:us-east-1:123456789012:execution:sm:exec-1",
                    timeoutSeconds: timeout, heartbeatSeconds: heartbeat, completion: completion)
    }

    /// Submits a task and records what comes back through its TaskCompletion.
    static func submit(_ pool: SubprocessWorkerPool, _ function: String, _ input: JSON, key: Int, to outcomes: Outcomes,
                       attempt: Int = 0, timeout: Int? = nil, heartbeat: Int? = nil) {
        let r = request(function, input, outcomes.completion(key), attempt: attempt, timeout: timeout, heartbeat: heartbeat)
        guard case .pending = pool.invoke(r) else { Issue.record("task \(key) was not pending"); return }
    }

    static func program(_ definition: String) throws -> Program {
        switch Compiler.compile(try JSON.parse(definition)) {
        case .success(let p): return p
        case .failure(let d): throw TestFailure(d.map(\.description).joined(separator: "; "))
        }
    }

    static func run(_ program: Program, _ input: JSON, backend: any TaskBackend, name: String = "exec-1") -> ExecutionResult {
        let o = ExecutionOptions(executionName: name, stateMachineName: "sm", clock: .virtual, backend: backend)
        return Execution(program: program, input: input, options: o).runToCompletion()
    }

    @Test func resultsAndNamedErrorsArriveThroughTheCompletion() throws {
        let pool = try SubprocessWorkerPool(command: Self.command, processes: 1)
        defer { pool.shutdown() }
        let outcomes = Outcomes()
        Self.submit(pool, "double", ["value": 21], key: 0, to: outcomes)
        Self.submit(pool, "decline", ["card": "4242"], key: 1, to: outcomes)
        Self.submit(pool, "nope", [:], key: 2, to: outcomes)
        Self.submit(pool, "echo", ["x": [1, "two", nil]], key: 3, to: outcomes, attempt: 2, timeout: 30, heartbeat: 10)
        Self.submit(pool, "sleep", ["seconds": 0.6, "value": "v"], key: 4, to: outcomes, heartbeat: 1)
        try #require(outcomes.wait(for: 5))

        #expect(outcomes.success(0) == ["value": 42])
        #expect(outcomes.failure(1)?.name == ErrorName("Payment.Declined"))
        #expect(outcomes.failure(1)?.cause == "Card 4242 was declined")
        #expect(outcomes.failure(2)?.name == ErrorName("Worker.UnknownResource"))
        let echo = try #require(outcomes.success(3))
        #expect(echo["input"] == ["x": [1, "two", nil]])
        let context = try #require(echo["context"])
        #expect(context["State"] == ["Name": "Step", "RetryCount": 2])
        #expect(context["Execution"]?["Name"] == "exec-1")
        #expect(context["Execution"]?["Id"] == "arn:aws:states:us-east-1:123456789012:execution:sm:exec-1")
        #expect(context["StateMachine"]?["Name"] == "sm")
        #expect(context["TimeoutSeconds"] == 30)
        #expect(context["HeartbeatSeconds"] == 10)
        #expect(outcomes.success(4)?["value"] == "v")
        #expect(outcomes.heartbeats.withLock { $0[4, default: 0] } >= 1)
        #expect(outcomes.heartbeats.withLock { $0[0, default: 0] } == 0)
    }

    @Test func manyTasksInFlightAcrossTwoProcessesComeBackOutOfOrder() throws {
        let pool = try SubprocessWorkerPool(command: Self.command, processes: 2, maxInFlightPerProcess: 8)
        defer { pool.shutdown() }
        let outcomes = Outcomes()
        let n = 60
        for i in 0..<n {
            // Task 0 is slow, the rest quick: answers cannot come back in submission order.
            let seconds: JSON = i == 0 ? 0.5 : .number(JSONNumber(Double(i % 5) * 0.01))
            Self.submit(pool, "sleep", ["seconds": seconds, "value": .number(JSONNumber(i))], key: i, to: outcomes)
            #expect(pool.stats.inFlight <= 16)
        }
        try #require(outcomes.wait(for: n))
        var pids = Set<Int>()
        for i in 0..<n {
            let out = outcomes.success(i)
            #expect(out?["value"] == .number(JSONNumber(i)), "task \(i) got \(String(describing: out))")
            if let pid = out?["pid"]?.numberValue?.int { pids.insert(pid) }
        }
        #expect(pids.count == 2)
        #expect(outcomes.order.withLock { $0.first } != 0)
        let stats = pool.stats
        #expect(stats.inFlight == 0 && stats.queued == 0 && stats.restarts == 0)
    }

    @Test func concurrentExecutionsEachGetTheirOwnResult() throws {
        let pool = try SubprocessWorkerPool(command: Self.command, processes: 2, maxInFlightPerProcess: 4)
        defer { pool.shutdown() }
        let program = try Self.program("""
            {"StartAt": "Wait", "States": {
              "Wait": {"Type": "Task", "Resource": "\(Self.arn("sleep"))",
                       "Parameters": {"seconds.$": "$.delay", "value.$": "$.value"}, "ResultSelector": {"value.$": "$.value"},
                       "Next": "Double"},
              "Double": {"Type": "Task", "Resource": "\(Self.arn("double"))", "End": true}}}
            """)
        let n = 24
        let results = Mutex<[Int: ExecutionResult]>([:])
        let group = DispatchGroup()
        for i in 0..<n {
            group.enter()
            let t = Thread {
                let input: JSON = ["value": .number(JSONNumber(i)), "delay": .number(JSONNumber(Double((n - i) % 6) * 0.01))]
                let r = Self.run(program, input, backend: pool, name: "exec-\(i)")
                results.withLock { $0[i] = r }
                group.leave()
            }
            t.start()
        }
        try #require(group.wait(timeout: .now() + 120) == .success)
        for i in 0..<n {
            let r = results.withLock { $0[i] }
            #expect(r?.status == .succeeded, "execution \(i): \(String(describing: r?.error))")
            #expect(r?.output == ["value": .number(JSONNumber(2 * i))])
        }
    }

    /// Records how the pool hands woken executions over: one `wake(all:)` per read.
    final class RecordingWaker: ExecutionWaker, @unchecked Sendable {
        let handOvers = Mutex<[Int]>([])
        func wake(_ execution: Execution) { handOvers.withLock { $0.append(1) } }
        func wake(all executions: [Execution]) { handOvers.withLock { $0.append(executions.count) } }
    }

    @Test func answersWrittenTogetherWakeTheirExecutionsTogether() throws {
        // The worker reads five requests, then answers them all in one write.
        let script = """
            import sys, json
            reqs = [json.loads(sys.stdin.readline()) for _ in range(5)]
            sys.stdout.write("".join(json.dumps({"id": r["id"], "output": r["input"]}) + "\\n" for r in reqs))
            sys.stdout.flush()
            sys.stdin.read()
            """
        let pool = try SubprocessWorkerPool(command: ["python3", "-c", script], processes: 1)
        defer { pool.shutdown() }
        let program = try Self.program("""
            {"StartAt": "Echo", "States": {"Echo": {"Type": "Task", "Resource": "\(Self.arn("echo"))", "End": true}}}
            """)
        let waker = RecordingWaker()
        let executions = (0..<5).map { i in
            let o = ExecutionOptions(executionName: "exec-\(i)", stateMachineName: "sm", clock: .virtual, backend: pool)
            let e = Execution(program: program, input: ["i": .number(JSONNumber(i))], options: o)
            e.waker = waker
            return e
        }
        for e in executions {
            guard case .waitForTasks = e.advance() else { Issue.record("the execution did not wait for its task"); return }
        }
        let deadline = Date().addingTimeInterval(30)
        while waker.handOvers.withLock({ $0.reduce(0, +) }) < 5, Date() < deadline { usleep(10_000) }
        #expect(waker.handOvers.withLock { $0 } == [5])
        for (i, e) in executions.enumerated() {
            guard case .finished(let r) = e.advance() else { Issue.record("execution \(i) did not finish"); continue }
            #expect(r.output == ["i": .number(JSONNumber(i))])
        }
    }

    @Test func aWorkerThatExitsFailsItsTaskAndIsRestarted() throws {
        let pool = try SubprocessWorkerPool(command: Self.command, processes: 1)
        defer { pool.shutdown() }
        let before = try #require(pool.stats.processIDs.first)
        let outcomes = Outcomes()
        Self.submit(pool, "crash", ["status": 3], key: 0, to: outcomes)
        try #require(outcomes.wait(for: 1))
        let error = try #require(outcomes.failure(0))
        #expect(error.name == .taskFailed)
        let cause = error.cause ?? ""
        #expect(cause.contains("python3"), "\(cause)")
        #expect(cause.contains("exit status 3"), "\(cause)")
        #expect(cause.contains("task 1."), "\(cause)")

        // The pool keeps working on a new process.
        Self.submit(pool, "double", ["value": 5], key: 1, to: outcomes)
        Self.submit(pool, "echo", [:], key: 2, to: outcomes)
        try #require(outcomes.wait(for: 2))
        #expect(outcomes.success(1) == ["value": 10])
        let after = outcomes.success(2)?["pid"]?.numberValue?.int
        #expect(after != nil && after != Int(before))
        #expect(pool.stats.restarts == 1)
    }

    @Test func retryOnTaskFailedSucceedsAfterTheWorkerCrashed() throws {
        let pool = try SubprocessWorkerPool(command: Self.command, processes: 1)
        defer { pool.shutdown() }
        let program = try Self.program("""
            {"StartAt": "Flaky", "States": {"Flaky": {"Type": "Task", "Resource": "\(Self.arn("crash"))",
              "Parameters": {"succeedOnAttempt": 1},
              "Retry": [{"ErrorEquals": ["States.TaskFailed"], "IntervalSeconds": 1, "MaxAttempts": 2}],
              "End": true}}}
            """)
        let r = Self.run(program, [:], backend: pool)
        #expect(r.status == .succeeded, "\(String(describing: r.error))")
        #expect(r.output?["recovered"] == true)
        #expect(r.output?["attempt"] == 1)
        #expect(pool.stats.restarts == 1)
    }

    @Test func catchSeesTheWorkersNamedError() throws {
        let pool = try SubprocessWorkerPool(shellCommand: "exec python3 '\(Self.workerScript)'", processes: 1)
        defer { pool.shutdown() }
        let program = try Self.program("""
            {"StartAt": "Pay", "States": {
              "Pay": {"Type": "Task", "Resource": "\(Self.arn("decline"))",
                      "Catch": [{"ErrorEquals": ["Payment.Declined"], "ResultPath": "$.error", "Next": "Declined"}], "End": true},
              "Declined": {"Type": "Pass", "End": true}}}
            """)
        let r = Self.run(program, ["order": 7], backend: pool)
        #expect(r.status == .succeeded)
        #expect(r.output?["error"] == ["Error": "Payment.Declined", "Cause": "Card **** was declined"])
    }

    @Test func linesThatAreNotAnswersAreIgnored() throws {
        let pool = try SubprocessWorkerPool(command: Self.command, processes: 1)
        defer { pool.shutdown() }
        let outcomes = Outcomes()
        Self.submit(pool, "noise", ["value": "kept"], key: 0, to: outcomes)
        Self.submit(pool, "double", ["value": 1], key: 1, to: outcomes)
        try #require(outcomes.wait(for: 2))
        #expect(outcomes.success(0) == ["value": "kept"])
        #expect(outcomes.success(1) == ["value": 2])
        #expect(pool.stats.restarts == 0)
    }

    @Test func shutdownAnswersTasksInFlightAndReapsEveryWorker() throws {
        let pool = try SubprocessWorkerPool(shellCommand: "exec python3 '\(Self.workerScript)'", processes: 2)
        let pids = pool.stats.processIDs
        #expect(pids.count == 2)
        let outcomes = Outcomes()
        Self.submit(pool, "sleep", ["seconds": 0.3, "value": 1], key: 0, to: outcomes)
        pool.shutdown()
        try #require(outcomes.wait(for: 1))
        #expect(outcomes.success(0)?["value"] == 1)
        for pid in pids {
            // Reaped: not even a zombie is left to signal.
            #expect(kill(pid, 0) == -1 && errno == ESRCH, "pid \(pid) still exists")
        }
        let late = pool.invoke(Self.request("double", ["value": 1], TaskCompletion()))
        guard case .failure(let e) = late else { Issue.record("invoke after shutdown did not fail"); return }
        #expect(e.name == .taskFailed)
        pool.shutdown()
    }

    @Test func aCrashLoopingCommandFailsItsTasksAndShutsDown() throws {
        let pool = try SubprocessWorkerPool(shellCommand: "read line; exit 7", processes: 1)
        let outcomes = Outcomes()
        for i in 0..<3 { Self.submit(pool, "double", ["value": 1], key: i, to: outcomes) }
        try #require(outcomes.wait(for: 3))
        for i in 0..<3 {
            #expect(outcomes.failure(i)?.name == .taskFailed)
            #expect(outcomes.failure(i)?.cause?.contains("exit status 7") == true)
        }
        pool.shutdown()
        #expect(pool.stats.processIDs.isEmpty)
    }

    @Test func shutdownKillsAWorkerThatIgnoresItsStdin() throws {
        let pool = try SubprocessWorkerPool(shellCommand: "exec sleep 600", processes: 1, shutdownGrace: 0.2)
        let pid = try #require(pool.stats.processIDs.first)
        let outcomes = Outcomes()
        Self.submit(pool, "double", ["value": 1], key: 0, to: outcomes)
        pool.shutdown()
        try #require(outcomes.wait(for: 1))
        #expect(outcomes.failure(0)?.name == .taskFailed)
        #expect(kill(pid, 0) == -1 && errno == ESRCH)
    }

    @Test func aCommandThatCannotStartThrows() {
        #expect(throws: SubprocessWorkerPool.StartError.self) {
            try SubprocessWorkerPool(command: ["/nonexistent/cortado-worker"], processes: 1)
        }
    }
}

/// Task outcomes (and heartbeats) delivered through `TaskCompletion`, keyed by task.
final class Outcomes: Sendable {
    let results = Mutex<[Int: TaskOutcome]>([:])
    let order = Mutex<[Int]>([])
    let heartbeats = Mutex<[Int: Int]>([:])
    private let arrived = DispatchSemaphore(value: 0)

    func completion(_ key: Int) -> TaskCompletion {
        let c = TaskCompletion()
        c.deliver = { [self] event in
            switch event {
            case .heartbeat:
                heartbeats.withLock { $0[key, default: 0] += 1 }
            case .outcome(let o):
                let first = results.withLock { r -> Bool in
                    guard r[key] == nil else { return false }
                    r[key] = o
                    return true
                }
                if first {
                    order.withLock { $0.append(key) }
                    arrived.signal()
                }
            }
        }
        return c
    }

    /// Waits for `n` more outcomes; false if they do not come (a generous bound so a broken
    /// pool fails the test instead of hanging it).
    func wait(for n: Int) -> Bool {
        for _ in 0..<n where arrived.wait(timeout: .now() + 60) == .timedOut { return false }
        return true
    }

    func success(_ key: Int) -> JSON? {
        if case .success(let v)? = results.withLock({ $0[key] }) { return v }
        return nil
    }

    func failure(_ key: Int) -> ASLError? {
        if case .failure(let e)? = results.withLock({ $0[key] }) { return e }
        return nil
    }
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}

@Suite struct ChildProcessTests {
    @Test func aChildGetsExactlyTheEnvironmentItIsGiven() throws {
        // The environment's C array was once passed as a pointer that outlived its array.
        let env = (0..<50).map { "CORTADO_TEST_\($0)=value-\($0)" }
        let child = try ChildProcess.spawn(argv: ["/bin/sh", "-c", "env | grep '^CORTADO_TEST_' | sort -t_ -k3 -n"],
                                           environment: env + ["PATH=/usr/bin:/bin"])
        close(child.stdinFD)
        var out: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = buf.withUnsafeMutableBytes { read(child.stdoutFD, $0.baseAddress, 4096) }
            if n <= 0 { break }
            out += buf[0..<n]
        }
        close(child.stdoutFD)
        #expect(child.reap(grace: 5) == "exit status 0")
        #expect(String(decoding: out, as: UTF8.self) == env.joined(separator: "\n") + "\n")
    }
}
