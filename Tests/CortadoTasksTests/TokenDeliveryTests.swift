import CortadoJSON
import CortadoPath
import CortadoRuntime
import CortadoTasks
import Synchronization
import Testing

/// How `.waitForTaskToken` tasks meet the backends: a call that succeeds only delivers the
/// token; failures still fail the task; unrouted token tasks wait only in the server.
@Suite struct TokenDeliveryTests {
    struct Answer: TaskBackend {
        let outcome: TaskOutcome
        func invoke(_ r: TaskRequest) -> TaskOutcome { outcome }
    }

    /// Completes later through whatever completion it was handed.
    final class Later: TaskBackend, @unchecked Sendable {
        let handed = Mutex<TaskCompletion?>(nil)
        func invoke(_ r: TaskRequest) -> TaskOutcome { handed.withLock { $0 = r.completion }; return .pending }
    }

    static func request(token: String?, completion: TaskCompletion = TaskCompletion()) -> TaskRequest {
        var r = TaskRequest(resource: "arn:aws:states:::lambda:invoke.waitForTaskToken", input: [:], stateName: "S",
                            attempt: 0, executionName: "e", stateMachineName: "m", completion: completion)
        r.taskToken = token
        return r
    }

    @Test func aSuccessfulCallOnlyDeliversTheToken() {
        guard case .delivered = TokenDelivery(Answer(outcome: .success(["StatusCode": 200]))).invoke(Self.request(token: "t"))
        else { Issue.record("expected .delivered"); return }
        guard case .success = TokenDelivery(Answer(outcome: .success([:]))).invoke(Self.request(token: nil))
        else { Issue.record("a task without token passes through"); return }
    }

    @Test func aFailedCallFailsTheTask() {
        guard case .failure(let e) = TokenDelivery(Answer(outcome: .failure(ASLError(.taskFailed, "down")))).invoke(Self.request(token: "t"))
        else { Issue.record("expected the failure"); return }
        #expect(e.name == .taskFailed)
    }

    @Test func anAsynchronousCallForwardsFailuresAndHeartbeatsButNotItsResult() {
        let seen = Mutex<[String]>([])
        let task = TaskCompletion(observer: { event in
            seen.withLock { s in
                switch event {
                case .outcome(.delivered): s.append("delivered")
                case .outcome(.failure(let e)): s.append("failure:\(e.name?.rawValue ?? "")")
                case .outcome: s.append("other")
                case .heartbeat: s.append("heartbeat")
                }
            }
        })
        let later = Later()
        guard case .pending = TokenDelivery(later).invoke(Self.request(token: "t", completion: task)) else {
            Issue.record("expected .pending"); return
        }
        let inner = later.handed.withLock { $0 }
        #expect(inner !== task)
        inner?.complete(.success(["sent": true]))
        inner?.heartbeat()
        inner?.complete(.failure(ASLError(.taskFailed, nil)))
        #expect(seen.withLock { $0 } == ["delivered", "heartbeat", "failure:States.TaskFailed"])
    }

    @Test func unroutedTokenTasksWaitOnlyWhereSomeoneCanAnswer() {
        guard case .delivered = UnroutedTasks(tokensWait: true).invoke(Self.request(token: "t")) else {
            Issue.record("the server's fallback waits"); return
        }
        guard case .failure(let e) = UnroutedTasks().invoke(Self.request(token: "t")) else {
            Issue.record("exec/run fail at once"); return
        }
        #expect(e.cause?.contains("No task backend") == true)
    }
}
