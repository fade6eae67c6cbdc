import CortadoASL
import CortadoJSON
import CortadoPath
import CortadoRuntime

/// The TestState action: runs one state (or one state of a machine, `stateName`) on an input,
/// with an optional mocked task result, and reports status, output, error/cause, nextState
/// and — at DEBUG/TRACE — inspectionData, as AWS's TestState API does.
///
/// A Task, Map or Parallel takes its result or error from `mock`; a Task without one is
/// called on `backend` (the one the host's executions use), as AWS calls the service. Retry
/// and Catch are decided from `stateConfiguration.retrierRetryCount` (RETRIABLE,
/// CAUGHT_ERROR or FAILED), and a Wait state returns at once.
public struct TestStateRunner: Sendable {
    public var account: String
    public var region: String
    /// What a Task without a mock calls; nil: such a request is refused.
    public var backend: (any TaskBackend)?

    public init(account: String = ExecutionOptions.defaultAccount, region: String = "us-east-1", backend: (any TaskBackend)? = nil) {
        self.account = account; self.region = region; self.backend = backend
    }

    /// `request` is the action's JSON body (fields as in the AWS API reference:
    /// definition, roleArn, input, inspectionLevel, revealSecrets, variables, stateName,
    /// mock, context, stateConfiguration). Returns the response body.
    /// - Throws: `ValidationException`, `InvalidDefinition`, `InvalidArn`,
    ///   `InvalidExecutionInput` or `SerializationException` for a request AWS rejects.
    public func run(_ request: JSONObject) throws(APIError) -> JSONObject {
        let req = try TestStateRequest(request)
        if let arn = req.roleArn, !arn.hasPrefix("arn:") {
            throw .invalidArn("Invalid Arn: 'Resource type not valid in this context: \(arn)'")
        }
        let target = try TestTarget.resolve(definitionText: req.definitionText, stateName: req.stateName)
        let mockResult = try TestStateChecks.mock(req, target, callsTasks: backend != nil)
        try TestStateChecks.configuration(req.configuration, target)

        let input = try Self.parseInput(req.inputText)
        let context: JSON
        if let text = req.contextText {
            let resource = target.state["Resource"]?.stringValue ?? ""
            let withToken = target.type == "Task" && (TaskState.isTokenResource(resource) || TaskState.isSyncResource(resource))
            context = try TestStateContext.parse(text, taskWithToken: withToken)
        } else {
            context = TestStateContext.make(
                input: input, roleArn: req.roleArn, stateType: target.type,
                retryCount: req.configuration.retrierRetryCount, account: account, region: region,
                now: wallClockMilliseconds())
        }
        let variables = try Self.parseVariables(req.variablesText)

        let (program, pc) = try Self.compile(target)
        let inspection = StateInspection(startPC: pc, recordsStages: req.inspectionLevel != .info)
        inspection.context = context.objectValue
        for (k, v) in variables { inspection.variables[k] = v }
        inspection.retrierRetryCount = req.configuration.retrierRetryCount
        inspection.mapIterationFailureCount = req.configuration.mapIterationFailureCount ?? 0
        let mocked = Self.mockedOutcome(req.mock, mockResult)
        if target.type == "Map" || target.type == "Parallel" { inspection.childrenOutcome = mocked }
        if let text = req.configuration.mapItemReaderData {
            if case .array(let items)? = try? JSON.parse(text) {
                inspection.readerItems = items
            } else {
                inspection.childrenOutcome = .failure(ASLError(.itemReaderFailed, "The mocked ItemReader data must be a JSON array"))
            }
        }

        // A Task without a mock calls the backend, on the real clock (its TimeoutSeconds must
        // not jump ahead of the answer).
        let calls = req.mock == nil && target.type == "Task"
        var options = ExecutionOptions(executionName: "test-state", stateMachineName: "test-state", clock: calls ? .real : .virtual,
                                       backend: calls ? backend! : MockedTask(outcome: mocked))
        options.account = account
        options.region = region
        options.executionTimeoutSeconds = nil
        options.inspection = inspection
        _ = Execution(program: program, input: input, options: options).runToCompletion()
        return inspection.response()
    }

    /// The tested state's machine, compiled as every execution's is, and the state's pc.
    private static func compile(_ target: TestTarget) throws(APIError) -> (Program, Int) {
        switch Compiler.compile(target.machine) {
        case .failure(let diagnostics): throw .invalidDefinition(diagnostics)
        case .success(let program):
            guard let pc = program.headers.firstIndex(where: { $0.name == target.name }) else {
                throw .validation("State '\(target.name)' does not exist in the definition.")
            }
            return (program, pc)
        }
    }

    /// The mock as a task outcome: its result, or its error.
    private static func mockedOutcome(_ mock: TestStateMock?, _ result: JSON?) -> TaskOutcome? {
        guard let mock else { return nil }
        switch mock.outcome {
        case .error(let error, let cause): return .failure(ASLError(error.map(ErrorName.init), cause))
        case .result: return .success(result ?? .null)
        }
    }

    private static func parseInput(_ text: String?) throws(APIError) -> JSON {
        guard let text else { return .object(JSONObject()) }
        do { return try JSON.parse(text) } catch {
            throw APIError("InvalidExecutionInput", "Invalid State Machine Execution Input: '\(error)'")
        }
    }

    private static func parseVariables(_ text: String?) throws(APIError) -> JSONObject {
        guard let text else { return JSONObject() }
        guard case .object(let o)? = try? JSON.parse(text) else {
            throw .validation("Invalid variables provided: variables must be a JSON object")
        }
        return o
    }
}

/// A tested Task's work: the mocked result or error (nothing is called).
struct MockedTask: TaskBackend {
    let outcome: TaskOutcome?

    func invoke(_ request: TaskRequest) -> TaskOutcome {
        outcome ?? .failure(ASLError(.runtime, "TestState needs a mock for a Task state"))
    }
}
