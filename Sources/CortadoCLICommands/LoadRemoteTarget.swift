import CortadoHTTP
import CortadoJSON
import CortadoLoad
import CortadoRuntime
import Dispatch

/// A load test against a `states` endpoint (`cortado serve`, or any server of the AWS API):
/// the definition is created as an EXPRESS machine, then each execution is one
/// StartSyncExecution call, many in flight on one event loop.
final class RemoteLoadTarget: LoadTarget, @unchecked Sendable {
    let transport: HTTPTransport
    let endpoint: String
    let machineArn: String

    /// Creates (or finds, for the same name and definition) the machine.
    /// - Throws: `CLIError` with the server's answer when it refuses.
    init(endpoint: String, name: String, definition: String, threads: Int = 2) throws(CLIError) {
        self.endpoint = endpoint
        transport = HTTPTransport(threads: threads)
        let body = JSON.object([
            "name": .string(name), "definition": .string(definition), "type": "EXPRESS",
            "roleArn": .string(ExecutionOptions.roleArn(account: ExecutionOptions.defaultAccount)),
        ]).serializedBytes
        let reply = Self.call(transport, endpoint, "AWSStepFunctions.CreateStateMachine", body)
        switch reply {
        case .success(let (status, bytes)):
            guard status == 200, let arn = (try? JSON.parse(bytes))?["stateMachineArn"]?.stringValue else {
                transport.shutdown()
                throw CLIError("CreateStateMachine at \(endpoint) answered \(status): \(String(decoding: bytes.prefix(300), as: UTF8.self))")
            }
            machineArn = arn
        case .failure(let e):
            transport.shutdown()
            throw CLIError("cannot reach \(endpoint): \(e)")
        }
    }

    static func call(_ t: HTTPTransport, _ url: String, _ target: String, _ body: [UInt8]) -> Result<(status: Int, body: [UInt8]), any Error> {
        let done = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var result: Result<(status: Int, body: [UInt8]), any Error>!
        t.awsJSON(url: url, target: target, body: body, timeoutSeconds: 30) { r in
            result = r
            done.signal()
        }
        done.wait()
        return result
    }

    func start(input: JSON, name: String, done: @escaping @Sendable (LoadOutcome) -> Void) {
        let body = JSON.object(["stateMachineArn": .string(machineArn), "name": .string(name), "input": .string(input.serialized)])
        transport.awsJSON(url: endpoint, target: "AWSStepFunctions.StartSyncExecution", body: body.serializedBytes,
                          timeoutSeconds: 330) { r in
            switch r {
            case .success(let (status, bytes)):
                let reply = try? JSON.parse(bytes)
                guard status == 200, let s = reply?["status"]?.stringValue else {
                    done(LoadOutcome(status: .failed, error: reply?["__type"]?.stringValue ?? "HTTP \(status)"))
                    return
                }
                let st: ExecutionStatus = s == "SUCCEEDED" ? .succeeded : s == "TIMED_OUT" ? .timedOut : .failed
                done(LoadOutcome(status: st, error: reply?["error"]?.stringValue))
            case .failure:
                done(LoadOutcome(status: .failed, error: "ConnectionError"))
            }
        }
    }

    func shutdown() { transport.shutdown() }
}
