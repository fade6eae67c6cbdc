import CortadoAWS
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
    let client: SignedJSONClient
    let machineArn: String

    /// Creates (or finds, for the same name and definition) the machine, unless `machineArn`
    /// names one already (on AWS: the machine you deployed; `endpoint` its region's
    /// `https://sync-states.<region>.amazonaws.com`).
    /// - Parameter signing: SigV4 credentials and region (`--sign`), for AWS or `serve --auth`.
    /// - Throws: `CLIError` with the server's answer when it refuses.
    init(endpoint: String, name: String, definition: String, machineArn: String?,
         signing: (credentials: AWSCredentials, region: String)?, threads: Int = 2) throws(CLIError) {
        transport = HTTPTransport(threads: threads)
        client = SignedJSONClient(endpoint: endpoint, transport: transport, signing: signing.map { ($0.credentials, $0.region, "states") })
        if let machineArn {
            self.machineArn = machineArn
            return
        }
        let body = JSON.object([
            "name": .string(name), "definition": .string(definition), "type": "EXPRESS",
            "roleArn": .string(ExecutionOptions.roleArn(account: ExecutionOptions.defaultAccount)),
        ]).serializedBytes
        switch Self.call(client, "AWSStepFunctions.CreateStateMachine", body) {
        case .success(let reply):
            guard reply.status == 200, let arn = (try? JSON.parse(reply.body))?["stateMachineArn"]?.stringValue else {
                transport.shutdown()
                throw CLIError("CreateStateMachine at \(endpoint) answered \(reply.status): \(String(decoding: reply.body.prefix(300), as: UTF8.self))")
            }
            self.machineArn = arn
        case .failure(let e):
            transport.shutdown()
            throw CLIError("cannot reach \(endpoint): \(e)")
        }
    }

    static func call(_ c: SignedJSONClient, _ target: String, _ body: [UInt8]) -> Result<HTTPReply, any Error> {
        let done = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var result: Result<HTTPReply, any Error>!
        c.call(target: target, body: body, timeoutSeconds: 30) { r in
            result = r
            done.signal()
        }
        done.wait()
        return result
    }

    func start(_ arrivals: ArraySlice<LoadArrival>, inputs: LoadInputs, runner: LoadRunner) {
        for a in arrivals { start(a, input: inputs.text(a.index), runner: runner) }
    }

    func start(_ a: LoadArrival, input: String, runner: LoadRunner) {
        let body = JSON.object(["stateMachineArn": .string(machineArn), "name": .string("load-\(a.index)"), "input": .string(input)])
        client.call(target: "AWSStepFunctions.StartSyncExecution", body: body.serializedBytes, timeoutSeconds: 330) { r in
            let outcome: LoadOutcome
            switch r {
            case .success(let reply):
                let status = reply.status, bytes = reply.body
                let reply = try? JSON.parse(bytes)
                if status == 200, let s = reply?["status"]?.stringValue {
                    let st: ExecutionStatus = s == "SUCCEEDED" ? .succeeded : s == "TIMED_OUT" ? .timedOut : .failed
                    outcome = LoadOutcome(status: st, error: reply?["error"]?.stringValue)
                } else {
                    outcome = LoadOutcome(status: .failed, error: reply?["__type"]?.stringValue ?? "HTTP \(status)")
                }
            case .failure:
                outcome = LoadOutcome(status: .failed, error: "ConnectionError")
            }
            runner.ended(outcome, due: a.due)
        }
    }

    func shutdown() { transport.shutdown() }
}
