import CortadoASL
import CortadoJSON
import CortadoRuntime

/// The context object (`$$`, `$states.context`) of a tested state: the one the request
/// mocks, checked as AWS checks it, or one made up for a one-off express execution.
enum TestStateContext {
    /// Fields AWS accepts in a mocked context object, with the JSON type each must have.
    private static let sections: [String: [String: String]] = [
        "Execution": ["Id": "string", "Input": "any", "Name": "string", "RoleArn": "string", "StartTime": "string",
                      "RedriveCount": "number", "RedriveTime": "string"],
        "State": ["EnteredTime": "string", "Name": "string", "RetryCount": "number"],
        "StateMachine": ["Id": "string", "Name": "string"],
        "Task": ["Token": "string"],
    ]

    /// Parses and checks a mocked context object.
    /// - Parameter taskWithToken: the state is a Task using `.sync` or `.waitForTaskToken`,
    ///   the only kind that may see `$$.Task`.
    /// - Throws: `ValidationException` "Invalid Context object provided: ...".
    static func parse(_ text: String, taskWithToken: Bool) throws(APIError) -> JSON {
        func invalid(_ why: String) -> APIError { .validation("Invalid Context object provided: " + why) }
        let json: JSON
        do { json = try JSON.parse(text) } catch { throw invalid("Context object must be valid JSON") }
        guard case .object(let root) = json else { throw invalid("Context object must be a JSON object") }
        for (section, value) in root {
            if section == "Map" { throw invalid("'Map' field is not supported when mocking a Context object") }
            guard let fields = sections[section] else { throw invalid("Field '\(section)' is not allowed") }
            if section == "Task", !taskWithToken {
                throw invalid("Context object contains 'Task' when state is not a Task state with a '.sync' or '.waitForTaskToken' service integration pattern")
            }
            guard case .object(let members) = value else { throw invalid("\(section) must be an object") }
            for (field, v) in members {
                guard let type = fields[field] else { throw invalid("Field '\(field)' is not allowed") }
                if type != "any", v.typeName != type {
                    throw invalid("\(section).\(field) must be a \(type)")
                }
            }
        }
        return json
    }

    /// The context of a one-off express execution of the state (`$$.State.RetryCount` only
    /// for states that retry: Task, Map, Parallel).
    static func make(input: JSON, roleArn: String?, stateType: String, retryCount: Int,
                     account: String, region: String, now: Int64) -> JSON {
        let machineName = UUID4.random()
        let executionName = UUID4.random()
        let time = JSON.string(Timestamp(milliseconds: now).iso8601)
        var state: JSONObject = ["Name": .string(TestTarget.loneStateName), "EnteredTime": time]
        if ["Task", "Map", "Parallel"].contains(stateType) { state["RetryCount"] = .number(JSONNumber(retryCount)) }
        return [
            "Execution": [
                "Id": .string("arn:aws:states:\(region):\(account):express:\(machineName):\(executionName)"),
                "Input": input, "Name": .string(executionName), "RoleArn": roleArn.map { .string($0) } ?? .null,
                "StartTime": time,
            ],
            "StateMachine": [
                "Id": .string("arn:aws:states:\(region):\(account):stateMachine:\(machineName)"),
                "Name": .string(machineName),
            ],
            "State": .object(state),
        ]
    }
}
