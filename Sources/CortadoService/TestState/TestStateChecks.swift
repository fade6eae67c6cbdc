import CortadoASL
import CortadoJSON

/// The request checks AWS makes once it knows which state is tested: which states take a
/// mock (and which need one), the mock's shape, and the state configuration.
enum TestStateChecks {
    static let mockable: Set<String> = ["Task", "Map", "Parallel"]

    /// Checks the mock against the state and returns the mocked result, parsed.
    /// `callsTasks`: a Task without a mock is run on the host's task backend, as AWS calls
    /// the service (else the request is refused).
    /// - Throws: `ValidationException` or `InvalidDefinition`, with AWS's messages.
    static func mock(_ req: TestStateRequest, _ target: TestTarget, callsTasks: Bool) throws(APIError) -> JSON? {
        guard let mock = req.mock else {
            // NOTE: AWS checks this before whether the state needs a mock (recorded).
            if req.configuration.mapIterationFailureCount != nil {
                throw .validation("TestState does not support MapIterationFailureCount when a mock is not specified.")
            }
            if target.type == "Map" || target.type == "Parallel" {
                throw .invalidDefinition(
                    "TestState API does not support Map or Parallel states. Supported state types include: [Task, Wait, Pass, Succeed, Fail, Choice]")
            }
            if target.type == "Task" {
                guard req.roleArn != nil else { throw .validation("RoleArn must be specified when testing a Task state") }
                // AWS tests an activity, a `.sync` or a `.waitForTaskToken` task only with a
                // mock (API reference); its exact words were not recorded.
                let resource = target.state["Resource"]?.stringValue ?? ""
                if TaskState.isTokenResource(resource) || TaskState.isSyncResource(resource) || TaskState.isActivityArn(resource) {
                    throw .validation("TestState supports activity, .sync and .waitForTaskToken Task states only when a mock is specified")
                }
                guard callsTasks else {
                    throw .validation("This TestState has no task backend to call: give a mock (result or errorOutput), or start cortado serve with the backends its executions use (--aws, --tasks, --lambda-endpoint, --worker)")
                }
            }
            // The API reference: context "may only be specified if a mock is specified in the same request".
            if req.contextText != nil { throw .validation("A context may only be specified when a mock is specified.") }
            return nil
        }
        if req.revealSecrets {
            throw .validation("TestState does not support RevealSecrets when a mock is specified.")
        }
        guard mockable.contains(target.type) else {
            throw .validation("State type '\(target.type)' is not supported when a mock is specified")
        }
        guard case .result(let text) = mock.outcome else { return nil }
        let result: JSON
        do { result = try JSON.parse(text) } catch { throw .validation("Mocked result must be valid JSON") }
        switch target.type {
        case "Parallel":
            guard case .array(let items) = result else { throw .validation("Mocked result must be an array.") }
            let branches = target.state["Branches"]?.arrayValue?.count ?? 0
            guard items.count == branches else {
                throw .validation("Mocked result must contain the same number of items as number of Parallel branches.")
            }
        case "Map":
            if target.state["ResultWriter"] != nil {
                guard case .object = result else { throw .validation("Mocked result must be a JSON object.") }
            } else {
                guard case .array(let items) = result else { throw .validation("Mocked result must be an array.") }
                // NOTE: the recording cannot tell the mocked result's length from the input's item
                // count (both were 3); the mocked result is what is known before the state runs.
                if let n = req.configuration.mapIterationFailureCount, n > items.count {
                    throw .validation("Map iteration failure count must be less than or equal to the number of Map iterations")
                }
            }
        default:
            if let resource = target.state["Resource"]?.stringValue {
                try MockResultShapes.validate(result, resource: resource, mode: mock.fieldValidationMode)
            }
        }
        return result
    }

    /// `stateConfiguration` must fit the state: Map fields only on a Map, and an
    /// `errorCausedByState` that is inside the tested Map or Parallel.
    static func configuration(_ c: StateConfiguration, _ target: TestTarget) throws(APIError) {
        if c.mapIterationFailureCount != nil || c.mapItemReaderData != nil, target.type != "Map" {
            throw .validation("mapIterationFailureCount and mapItemReaderData can only be used when testing a Map state")
        }
        if c.mapItemReaderData != nil, target.state["ItemReader"] == nil {
            throw .validation("mapItemReaderData can only be used when the Map state has an ItemReader")
        }
        if let name = c.errorCausedByState {
            guard target.type == "Map" || target.type == "Parallel" else {
                throw .validation("errorCausedByState can only be used when testing a Map or Parallel state")
            }
            guard TestTarget.nestedStateNames(of: target.state).contains(name) else {
                throw .validation("errorCausedByState '\(name)' is not a state of the tested \(target.type) state")
            }
        }
    }
}
