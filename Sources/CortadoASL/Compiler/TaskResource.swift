/// How AWS names a Task's resource in its events (`resourceType` and `resource` in the
/// execution history and in CloudWatch Logs), written once for both: a service
/// integration `arn:<partition>:states:::<service>:<action>` is `<service>` and
/// `<action>` (with any `.sync`, `.sync:2` or `.waitForTaskToken`), and an AWS SDK
/// integration `arn:aws:states:::aws-sdk:<service>:<action>` is `aws-sdk:<service>` and
/// `<action>` (recorded: `states` + `startExecution.sync:2`, `aws-sdk:secretsmanager` +
/// `createSecret`).
public enum TaskResource {
    /// The type and name of a service integration's resource; nil for any other ARN.
    public static func split(_ resource: String) -> (type: String, name: String)? {
        // (Bytes, not `split`: task events are logged for every attempt.)
        let b = Array(resource.utf8)
        var colons: [Int] = []
        colons.reserveCapacity(8)
        for i in b.indices where b[i] == UInt8(ascii: ":") { colons.append(i) }
        // arn : partition : states : (no region) : (no account) : service : action...
        guard colons.count >= 6, b[(colons[1] + 1)..<colons[2]].elementsEqual("states".utf8),
              colons[3] == colons[2] + 1, colons[4] == colons[3] + 1 else { return nil }
        func text(_ r: Range<Int>) -> String { String(decoding: b[r], as: UTF8.self) }
        let service = text((colons[4] + 1)..<colons[5])
        if service == "aws-sdk", colons.count >= 7 {
            return ("aws-sdk:" + text((colons[5] + 1)..<colons[6]), text((colons[6] + 1)..<b.count))
        }
        return (service, text((colons[5] + 1)..<b.count))
    }
}
