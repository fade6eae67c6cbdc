import CortadoJSON
import CortadoPath
import CortadoRuntime
import Dispatch
import Synchronization
import Testing

@testable import CortadoService

/// A Task tested without a mock is called on the host's task backend, as AWS calls the
/// service, through the same interpreter and inspection as a mocked one.
@Suite struct TestStateTaskCallTests {
    static let lambda: JSON = [
        "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
        "Parameters": ["FunctionName": "f", "Payload.$": "$"], "ResultSelector": ["v.$": "$.Payload.v"],
        "ResultPath": "$.r", "End": true,
    ]

    static func request(_ definition: JSON, input: JSON = ["v": 1], _ extra: JSONObject = [:]) -> JSONObject {
        var o: JSONObject = ["definition": .string(definition.serialized), "inspectionLevel": "DEBUG",
                             "roleArn": "arn:aws:iam::123456789012:role/test", "input": .string(input.serialized)]
        for (k, v) in extra { o[k] = v }
        return o
    }

    final class Calls: Sendable { let inputs = Mutex<[JSON]>([]) }

    static func backend(_ calls: Calls) -> HandlerRegistry {
        let tasks = HandlerRegistry()
        tasks.register("arn:aws:states:::lambda:invoke") { r in
            calls.inputs.withLock { $0.append(r.input) }
            let v = (r.input["Payload"]?["v"]?.numberValue?.int ?? 0) * 10
            // Answered later, on another thread, as a real integration answers.
            let c = r.completion
            DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(5)) {
                c.complete(v < 0 ? .failure(ASLError(ErrorName("Lambda.Boom"), "negative")) : .success(["Payload": ["v": .number(JSONNumber(v))]]))
            }
            return .pending
        }
        return tasks
    }

    @Test func aTaskWithoutAMockCallsTheBackend() throws {
        let calls = Calls()
        let runner = TestStateRunner(backend: Self.backend(calls))
        let r = try runner.run(Self.request(Self.lambda))
        #expect(r["status"] == "SUCCEEDED")
        #expect(try JSON.parse(r["output"]?.stringValue ?? "") == ["v": 1, "r": ["v": 10]])
        #expect(calls.inputs.withLock { $0 } == [["FunctionName": "f", "Payload": ["v": 1]]])
        let data = r["inspectionData"]?.objectValue ?? [:]
        #expect(try JSON.parse(data["afterParameters"]?.stringValue ?? "") == ["FunctionName": "f", "Payload": ["v": 1]])
        #expect(try JSON.parse(data["result"]?.stringValue ?? "") == ["Payload": ["v": 10]])
        #expect(try JSON.parse(data["afterResultSelector"]?.stringValue ?? "") == ["v": 10])
        // Its failure goes through Retry and Catch as a mocked error's does.
        let failing = try runner.run(Self.request(Self.lambda, input: ["v": -1]))
        #expect(failing["status"] == "FAILED" && failing["error"] == "Lambda.Boom" && failing["cause"] == "negative")
    }

    @Test func whatAWSTestsOnlyWithAMockIsRefused() throws {
        let runner = TestStateRunner(backend: Self.backend(Calls()))
        for resource in ["arn:aws:states:::sqs:sendMessage.waitForTaskToken", "arn:aws:states:::states:startExecution.sync:2",
                         "arn:aws:states:us-east-1:123456789012:activity:a"] {
            let d: JSON = ["Type": "Task", "Resource": .string(resource), "End": true]
            #expect(throws: APIError.self) { try runner.run(Self.request(d)) }
        }
        // Without a role, AWS's words; with a context but no mock, AWS's rule.
        var noRole = Self.request(Self.lambda)
        noRole["roleArn"] = nil
        #expect(throws: APIError.validation("RoleArn must be specified when testing a Task state")) { try runner.run(noRole) }
        #expect(throws: APIError.self) { try runner.run(Self.request(Self.lambda, ["context": "{}"])) }
        // A host without a backend refuses, naming what to do.
        do {
            _ = try TestStateRunner().run(Self.request(Self.lambda))
            Issue.record("a Task without a mock ran without a backend")
        } catch {
            #expect(error.message.contains("give a mock"))
        }
    }
}
