import CortadoASL
import CortadoJSON
import CortadoPath
import CortadoRuntime

/// Task results from an AWS Step Functions Local MockConfigFile:
/// `StateMachines.<name>.TestCases.<case>.<state> -> response`, responses keyed by attempt
/// (`"0"`, `"1-2"`) with `Return` or `Throw {Error, Cause}`.
public struct MockBackend: TaskBackend {
    public struct ConfigError: Error, CustomStringConvertible {
        public let description: String
    }

    enum Response: Sendable {
        case value(JSON)
        case error(ASLError)
    }

    /// state name -> attempt ranges and their responses
    let states: [String: [(range: ClosedRange<Int>, response: Response)]]
    let fallback: (any TaskBackend)?

    public init(config: JSON, stateMachine: String, testCase: String, fallback: (any TaskBackend)? = nil) throws {
        guard let machines = config["StateMachines"]?.objectValue else {
            throw ConfigError(description: "mock config has no StateMachines object")
        }
        guard let machine = machines[stateMachine] else {
            throw ConfigError(description: "mock config has no state machine '\(stateMachine)' (it has: \(machines.keys.joined(separator: ", "))); pass --name")
        }
        guard let tc = machine["TestCases"]?[testCase]?.objectValue else {
            throw ConfigError(description: "mock config has no test case '\(testCase)' for state machine '\(stateMachine)'")
        }
        let responses = config["MockedResponses"]?.objectValue ?? JSONObject()
        var states: [String: [(range: ClosedRange<Int>, response: Response)]] = [:]
        for m in tc.members {
            guard let responseName = m.value.stringValue, let r = responses[responseName]?.objectValue else {
                throw ConfigError(description: "mock config: state '\(m.key)' names an unknown response \(m.value)")
            }
            var entries: [(range: ClosedRange<Int>, response: Response)] = []
            for attempt in r.members {
                let parts = attempt.key.split(separator: "-").compactMap { Int($0) }
                guard (parts.count == 1 || parts.count == 2), parts[0] <= parts[parts.count - 1] else {
                    throw ConfigError(description: "mock config: response '\(responseName)' has a bad attempt key '\(attempt.key)'")
                }
                let range = parts[0]...parts[parts.count - 1]
                if let ret = attempt.value["Return"] {
                    entries.append((range, .value(ret)))
                } else if let t = attempt.value["Throw"] {
                    entries.append((range, .error(ASLError(
                        t["Error"]?.stringValue.map(ErrorName.init), t["Cause"]?.stringValue))))
                } else {
                    throw ConfigError(description: "mock config: response '\(responseName)' attempt '\(attempt.key)' needs Return or Throw")
                }
            }
            states[m.key] = entries
        }
        self.states = states
        self.fallback = fallback
    }

    public func invoke(_ request: TaskRequest) -> TaskOutcome {
        guard let entries = states[request.stateName] else {
            if let fallback { return fallback.invoke(request) }
            return .failure(Self.unmocked(request.stateName, request.resource))
        }
        switch MockBackend.outcome(entries, attempt: request.attempt, resource: request.resource) {
        case .failure(let e): return .failure(e)
        case .success(let v): return .success(v)
        }
    }

    public func constantOutcome(stateName: String, resource: String, attempt: Int) -> Result<JSON, ASLError>? {
        guard let entries = states[stateName] else {
            guard let fallback else { return .failure(Self.unmocked(stateName, resource)) }
            return fallback.constantOutcome(stateName: stateName, resource: resource, attempt: attempt)
        }
        return MockBackend.outcome(entries, attempt: attempt, resource: resource)
    }

    static func unmocked(_ stateName: String, _ resource: String) -> ASLError {
        ASLError(.runtime, "No mocked response for state '\(stateName)' (resource '\(resource)') in the mock config test case.")
    }

    /// What the mock answers attempt `attempt` of a task on `resource`.
    static func outcome(_ entries: [(range: ClosedRange<Int>, response: Response)], attempt: Int,
                        resource: String) -> Result<JSON, ASLError> {
        switch response(entries, attempt: attempt) {
        case .error(let e): return .failure(e)
        case .value(let v): return .success(result(v, lambdaFunction: TaskState.isLambdaFunctionArn(resource)))
        }
    }

    /// Past the last listed attempt, the last response repeats.
    static func response(_ entries: [(range: ClosedRange<Int>, response: Response)], attempt: Int) -> Response {
        (entries.first(where: { $0.range.contains(attempt) }) ?? entries.last!).response
    }

    /// A plain Lambda function ARN returns the invoke response; the state's result is its Payload.
    static func result(_ v: JSON, lambdaFunction: Bool) -> JSON {
        if lambdaFunction, let payload = v["Payload"] { return payload }
        return v
    }
}
