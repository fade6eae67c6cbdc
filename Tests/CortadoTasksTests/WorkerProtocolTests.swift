import CortadoJSON
import CortadoPath
import CortadoRuntime
@testable import CortadoTasks
import Testing

/// The request line a worker reads (`WorkerProtocol.encode`) and the answers it writes.
@Suite struct WorkerProtocolTests {
    @Test func aRequestLineHoldsTheInputAndTheContextInTheDocumentedOrder() throws {
        let request = TaskRequest(resource: "arn:aws:lambda:us-east-1:1:function:f", input: ["a": [1, "x"]],
                                  stateName: "Say \"hi\"", attempt: 2, executionName: "line-7", stateMachineName: "sm\\1",
                                  executionArn: "arn:aws:states:us-east-1:1:execution:sm:line-7", timeoutSeconds: 30,
                                  heartbeatSeconds: 10)
        let line = String(decoding: WorkerProtocol.encode(request, id: 17), as: UTF8.self)
        #expect(line == #"{"id":"17","resource":"arn:aws:lambda:us-east-1:1:function:f","input":{"a":[1,"x"]},"#
                + #""context":{"State":{"Name":"Say \"hi\"","RetryCount":2},"Execution":{"Id":"arn:aws:states:us-east-1:1:execution:sm:line-7","Name":"line-7"},"#
                + #""StateMachine":{"Name":"sm\\1"},"TimeoutSeconds":30,"HeartbeatSeconds":10}}"# + "\n")
        let parsed = try JSON.parse(line)
        #expect(parsed["context"]?["State"]?["Name"] == "Say \"hi\"")
        #expect(parsed["context"]?["StateMachine"]?["Name"] == "sm\\1")

        let plain = TaskRequest(resource: "r", input: nil, stateName: "S", attempt: 0, executionName: "e", stateMachineName: "m")
        #expect(String(decoding: WorkerProtocol.encode(plain, id: 1), as: UTF8.self)
                == #"{"id":"1","resource":"r","input":null,"context":{"State":{"Name":"S","RetryCount":0},"Execution":{"Id":"","Name":"e"},"StateMachine":{"Name":"m"}}}"# + "\n")
    }

    /// An input given as text (the tape lane's) goes into the line as it is, not parsed and
    /// written again.
    @Test func anInputGivenAsTextIsCopiedAsItIs() {
        let text = Array(#"{"n":1.50,"v":"caf\u00e9"}"#.utf8)
        let request = TaskRequest(resource: "r", given: .text(text), stateName: "S", attempt: 0, executionName: "e",
                                  stateMachineName: "m")
        #expect(String(decoding: WorkerProtocol.encode(request, id: 3), as: UTF8.self)
                == #"{"id":"3","resource":"r","input":{"n":1.50,"v":"caf\u00e9"},"context":{"State":{"Name":"S","RetryCount":0},"Execution":{"Id":"","Name":"e"},"StateMachine":{"Name":"m"}}}"# + "\n")
        #expect(request.input == ["n": .number(JSONNumber(literal: "1.50")), "v": "café"])
        #expect(request.given.serializedBytes == text)
    }

    /// A request line waits in the queue until a worker takes it: it is sized for its bytes,
    /// not grown by doubling (which left most lines a third empty).
    @Test func aRequestLineTakesAboutItsOwnSize() {
        let input = Array(("{\"items\":[" + (0..<40).map { "{\"sku\":\"SKU-\($0)\",\"qty\":\($0)}" }.joined(separator: ",") + "]}").utf8)
        let request = TaskRequest(resource: "arn:aws:lambda:us-east-1:123456789012:function:charge", given: .text(input),
                                  stateName: "ProcessPayment", attempt: 12_345_678_901_234_567, executionName: "line-123456",
                                  stateMachineName: "order", executionArn: "arn:aws:states:us-east-1:123456789012:express:order:line-123456",
                                  timeoutSeconds: Int.max, heartbeatSeconds: Int.max)
        let line = WorkerProtocol.encode(request, id: UInt64.max)
        #expect(line.count > input.count + 200)
        #expect(line.capacity >= line.count && line.capacity <= line.count + WorkerProtocol.fixedBytes, "\(line.count) in \(line.capacity)")
    }
}

