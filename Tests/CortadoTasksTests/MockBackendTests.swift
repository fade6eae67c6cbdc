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

    /// What a host may take as a Task's result without a request (the tape lane): the
    /// first attempt's Return, with the same Payload rule as `invoke`; nothing for a Throw.
    @Test func constantFirstResultsAreTheFirstAttemptsReturn() throws {
        let m = try MockBackend(config: Self.config, stateMachine: "order", testCase: "flaky")
        #expect(m.constantFirstResult(stateName: "Lookup", resource: "arn:aws:lambda:us-east-1:1:function:f") == ["id": 7])
        #expect(m.constantFirstResult(stateName: "Lookup", resource: "arn:aws:states:::lambda:invoke")
            == ["StatusCode": 200, "Payload": ["id": 7]])
        #expect(m.constantFirstResult(stateName: "Charge", resource: "arn:aws:states:::lambda:invoke") == nil)
        // An unmocked state asks the fallback: here one that has no constant answer.
        #expect(m.constantFirstResult(stateName: "Ship", resource: "arn:aws:states:::lambda:invoke") == nil)
        // Through a fallback chain: a front mock, then a router to `m`, then nothing.
        let front = try MockBackend(config: ["StateMachines": ["order": ["TestCases": ["t": ["Ship": "Found"]]]],
                                             "MockedResponses": Self.config["MockedResponses"]!],
                                    stateMachine: "order", testCase: "t",
                                    fallback: TaskRouter(rules: [.init(pattern: "arn:aws:states:::lambda:*", backend: m)], fallback: UnroutedTasks()))
        #expect(front.constantFirstResult(stateName: "Ship", resource: "arn:aws:lambda:us-east-1:1:function:f") == ["id": 7])
        #expect(front.constantFirstResult(stateName: "Lookup", resource: "arn:aws:states:::lambda:invoke")
            == ["StatusCode": 200, "Payload": ["id": 7]])
        #expect(front.constantFirstResult(stateName: "Lookup", resource: "arn:aws:states:::sqs:sendMessage") == nil)
        #expect(UnroutedTasks().constantFirstResult(stateName: "Lookup", resource: "x") == nil)
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
