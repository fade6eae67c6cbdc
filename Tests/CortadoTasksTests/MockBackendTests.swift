import CortadoJSON
import CortadoPath
import CortadoRuntime
import CortadoTasks
import Testing

@Suite struct MockBackendTests {
    static let config: JSON = [
        "StateMachines": ["order": ["TestCases": ["flaky": ["Charge": "FailTwice", "Lookup": "Found"]]]],
        "MockedResponses": [
            "FailTwice": ["0-1": ["Throw": ["Error": "Payment.Declined", "Cause": "busy"]], "2": ["Return": ["ok": true]]],
            "Found": ["0": ["Return": ["StatusCode": 200, "Payload": ["id": 7]]]],
        ],
    ]

    static func request(_ state: String, _ resource: String, attempt: Int) -> TaskRequest {
        TaskRequest(resource: resource, input: [:], stateName: state, attempt: attempt, executionName: "e", stateMachineName: "order")
    }

    @Test func responsesAreKeyedByAttempt() throws {
        let m = try MockBackend(config: Self.config, stateMachine: "order", testCase: "flaky")
        for attempt in 0...1 {
            guard case .failure(let e) = m.invoke(Self.request("Charge", "arn:aws:states:::lambda:invoke", attempt: attempt)) else {
                Issue.record("attempt \(attempt) did not fail"); continue
            }
            #expect(e == ASLError(ErrorName("Payment.Declined"), "busy"))
        }
        guard case .success(let v) = m.invoke(Self.request("Charge", "arn:aws:states:::lambda:invoke", attempt: 2)) else {
            Issue.record("attempt 2 did not succeed"); return
        }
        #expect(v == ["ok": true])
    }

    @Test func plainLambdaArnsReturnThePayload() throws {
        let m = try MockBackend(config: Self.config, stateMachine: "order", testCase: "flaky")
        guard case .success(let v) = m.invoke(Self.request("Lookup", "arn:aws:lambda:us-east-1:1:function:f", attempt: 0)) else {
            Issue.record("no success"); return
        }
        #expect(v == ["id": 7])
    }

    /// What a host may take as a Task's outcome without a request (the tape lane): each
    /// attempt's Return (with the same Payload rule as `invoke`) or Throw.
    @Test func constantOutcomesAreEachAttemptsResponse() throws {
        let m = try MockBackend(config: Self.config, stateMachine: "order", testCase: "flaky")
        #expect(try m.constantOutcome(stateName: "Lookup", resource: "arn:aws:lambda:us-east-1:1:function:f", attempt: 0)?.get() == ["id": 7])
        #expect(try m.constantOutcome(stateName: "Lookup", resource: "arn:aws:states:::lambda:invoke", attempt: 0)?.get()
            == ["StatusCode": 200, "Payload": ["id": 7]])
        for attempt in 0...1 {
            guard case .failure(let e)? = m.constantOutcome(stateName: "Charge", resource: "arn:aws:states:::lambda:invoke", attempt: attempt) else {
                Issue.record("attempt \(attempt) is not the Throw"); continue
            }
            #expect(e == ASLError(ErrorName("Payment.Declined"), "busy"))
        }
        #expect(try m.constantOutcome(stateName: "Charge", resource: "arn:aws:states:::lambda:invoke", attempt: 2)?.get() == ["ok": true])
        // Past the last listed attempt the last response repeats, as `invoke` answers.
        #expect(try m.constantOutcome(stateName: "Charge", resource: "arn:aws:states:::lambda:invoke", attempt: 9)?.get() == ["ok": true])
        // An unmocked state, with no fallback to ask, fails every attempt as `invoke` does.
        let unmocked = m.invoke(Self.request("Ship", "arn:aws:states:::lambda:invoke", attempt: 0))
        guard case .failure(let e)? = m.constantOutcome(stateName: "Ship", resource: "arn:aws:states:::lambda:invoke", attempt: 0),
              case .failure(let invoked) = unmocked else { Issue.record("an unmocked state has no constant failure"); return }
        #expect(e == invoked && e.name == .runtime)
        // Through a fallback chain: a front mock, then a router to `m`, then nothing.
        let front = try MockBackend(config: ["StateMachines": ["order": ["TestCases": ["t": ["Ship": "Found"]]]],
                                             "MockedResponses": Self.config["MockedResponses"]!],
                                    stateMachine: "order", testCase: "t",
                                    fallback: TaskRouter(rules: [.init(pattern: "arn:aws:states:::lambda:*", backend: m)], fallback: UnroutedTasks()))
        #expect(try front.constantOutcome(stateName: "Ship", resource: "arn:aws:lambda:us-east-1:1:function:f", attempt: 0)?.get() == ["id": 7])
        #expect(try front.constantOutcome(stateName: "Lookup", resource: "arn:aws:states:::lambda:invoke", attempt: 0)?.get()
            == ["StatusCode": 200, "Payload": ["id": 7]])
        // Unrouted, every attempt fails alike; a token task's may wait for its token instead.
        let r = Self.request("Lookup", "arn:aws:states:::sqs:sendMessage", attempt: 0)
        guard case .failure(let routed)? = front.constantOutcome(stateName: "Lookup", resource: r.resource, attempt: 3),
              case .failure(let invokedRouted) = front.invoke(r) else { Issue.record("an unrouted task has no constant failure"); return }
        #expect(routed == invokedRouted && routed.name == .runtime)
        #expect(UnroutedTasks().constantOutcome(stateName: "Lookup", resource: "arn:aws:states:::sqs:sendMessage.waitForTaskToken", attempt: 0) == nil)
        #expect(HandlerRegistry().constantOutcome(stateName: "Lookup", resource: "x", attempt: 0) == nil)
    }

    @Test func missingPiecesAreClearErrors() {
        #expect(throws: MockBackend.ConfigError.self) { try MockBackend(config: Self.config, stateMachine: "nope", testCase: "flaky") }
        #expect(throws: MockBackend.ConfigError.self) { try MockBackend(config: Self.config, stateMachine: "order", testCase: "nope") }
        let m = try? MockBackend(config: Self.config, stateMachine: "order", testCase: "flaky")
        guard case .failure(let e)? = m?.invoke(Self.request("Other", "r", attempt: 0)) else { Issue.record("no failure"); return }
        #expect(e.cause?.contains("No mocked response for state 'Other'") == true)
    }
}

@Suite struct TaskRouterTests {
    struct Fixed: TaskBackend {
        let tag: String
        func invoke(_ r: TaskRequest) -> TaskOutcome { .success(.string(tag)) }
    }

    @Test func firstMatchingRuleWinsThenTheFallback() {
        let router = TaskRouter(rules: [
            .init(pattern: "arn:aws:lambda:*:function:price-*", backend: Fixed(tag: "price")),
            .init(pattern: "arn:aws:lambda:*", backend: Fixed(tag: "lambda")),
        ], fallback: UnroutedTasks())
        func route(_ resource: String) -> TaskOutcome {
            router.invoke(TaskRequest(resource: resource, input: [:], stateName: "S", attempt: 0, executionName: "e", stateMachineName: "m"))
        }
        guard case .success(let a) = route("arn:aws:lambda:us-east-1:1:function:price-eu"), case .success(let b) = route("arn:aws:lambda:us-east-1:1:function:other"),
              case .failure(let e) = route("arn:aws:states:::sqs:sendMessage") else { Issue.record("wrong outcomes"); return }
        #expect(a == "price")
        #expect(b == "lambda")
        #expect(e.cause?.contains("No task backend for resource 'arn:aws:states:::sqs:sendMessage'") == true)
    }

    @Test func globMatching() {
        #expect(TaskRouter.matches("abc", "a*c"))
        #expect(TaskRouter.matches("abc", "*"))
        #expect(TaskRouter.matches("a:b:c", "a:*:c"))
        #expect(!TaskRouter.matches("abd", "a*c"))
        #expect(!TaskRouter.matches("ab", "abc"))
    }
}
