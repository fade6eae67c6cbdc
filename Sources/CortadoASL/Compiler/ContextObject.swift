import CortadoJSON

/// The context object (`$$`, JSONata `$states.context`) as AWS shapes it: its members and
/// their order, written once for the interpreter (`Execution.contextBase`) and the tape lane
/// (`TapeLane.contextObject`), which fill in their own values.
public enum ContextObject {
    /// `$$.Execution`. `redriveCount` nil leaves RedriveCount out: AWS records none for a
    /// synchronous Express execution (StartSyncExecution), and 0 for an asynchronous one
    /// (StartExecution of an EXPRESS machine) as for a STANDARD one (`ExecutionOptions.redriveCount`).
    public static func execution(id: String, input: JSON, startTime: String, name: String, roleArn: String,
                                 redriveCount: Int?) -> JSON {
        var o: JSONObject = [
            "Id": .string(id), "Input": input, "StartTime": .string(startTime), "Name": .string(name), "RoleArn": .string(roleArn),
        ]
        if let redriveCount { o["RedriveCount"] = .number(JSONNumber(redriveCount)) }
        return .object(o)
    }

    /// `$$.StateMachine`.
    public static func stateMachine(id: String, name: String) -> JSON {
        ["Id": .string(id), "Name": .string(name)]
    }

    /// `$$` without `Map`: the execution's, the state's (EnteredTime, Name, and a Task's
    /// RetryCount), the state machine's, and a `.waitForTaskToken` task's token.
    public static func object(execution: JSON, stateName: String, enteredTime: String, retryCount: Int?,
                              stateMachine: JSON, taskToken: String?) -> JSONObject {
        var state: JSONObject = ["EnteredTime": .string(enteredTime), "Name": .string(stateName)]
        if let retryCount { state["RetryCount"] = .number(JSONNumber(retryCount)) }
        var o = JSONObject()
        o.members.reserveCapacity(4)
        o.members.append(("Execution", execution))
        o.members.append(("State", .object(state)))
        o.members.append(("StateMachine", stateMachine))
        if let taskToken { o.members.append(("Task", ["Token": .string(taskToken)])) }
        return o
    }
}
