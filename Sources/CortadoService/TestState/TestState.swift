import CortadoJSON
import CortadoRuntime

/// The TestState action: runs one state (or one state of a machine, `stateName`) on an input,
/// with an optional mocked task result, and reports status, output, error/cause, nextState
/// and — at DEBUG/TRACE — inspectionData, as AWS's TestState API does.
///
/// Nothing is called and nothing waits: a Task, Map or Parallel takes its result or error
/// from `mock`, Retry and Catch are decided from `stateConfiguration.retrierRetryCount`
/// (RETRIABLE, CAUGHT_ERROR or FAILED), and a Wait state returns at once.
public struct TestStateRunner: Sendable {
    public var account: String
    public var region: String

    public init(account: String = ExecutionOptions.defaultAccount, region: String = "us-east-1") {
        self.account = account; self.region = region
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
        let mockResult = try TestStateChecks.mock(req, target)
        try TestStateChecks.configuration(req.configuration, target)

        let input = try Self.parseInput(req.inputText)
        let context: JSON
        if let text = req.contextText {
            let resource = target.state["Resource"]?.stringValue ?? ""
            let withToken = target.type == "Task" && (resource.hasSuffix(".waitForTaskToken") || resource.contains(".sync"))
            context = try TestStateContext.parse(text, taskWithToken: withToken)
        } else {
            context = TestStateContext.make(
                input: input, roleArn: req.roleArn, stateType: target.type,
                retryCount: req.configuration.retrierRetryCount, account: account, region: region,
                now: wallClockMilliseconds())
        }
        let variables = try Self.parseVariables(req.variablesText)

        var stepper = StateStepper(
            target: target, input: input, mock: req.mock, mockResult: mockResult,
            configuration: req.configuration, context: context, variables: variables,
            inspection: Inspection(level: req.inspectionLevel))
        let outcome = stepper.run()
        if req.variablesText != nil || stepper.assigned {
            stepper.inspection.stage("variables", .object(stepper.variables))
        }
        return outcome.response(inspection: stepper.inspection)
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
