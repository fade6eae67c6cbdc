import CortadoJSON

/// A state machine's `loggingConfiguration` as CreateStateMachine and UpdateStateMachine
/// keep it, with AWS's recorded rules: `level` defaults to OFF and `includeExecutionData` to
/// false; `destinations` is kept as sent (and only when sent); a level other than OFF needs
/// exactly one destination, and there is never more than one.
enum LoggingConfiguration {
    static let levels = ["ALL", "ERROR", "FATAL", "OFF"]

    static func normalized(_ o: JSONObject) throws(APIError) -> JSON {
        var level = "OFF"
        if let v = o["level"], !v.isNull {
            guard let s = v.stringValue, levels.contains(s) else {
                throw APIRequest.notInEnum(v.stringValue ?? v.serialized, at: "loggingConfiguration.level", levels)
            }
            level = s
        }
        var out: JSONObject = ["level": .string(level), "includeExecutionData": .bool(o["includeExecutionData"]?.boolValue ?? false)]
        let destinations = o["destinations"]?.arrayValue
        let count = destinations?.count ?? 0
        if count > 1 || (level != "OFF" && count != 1) {
            throw APIError("InvalidLoggingConfiguration", "Invalid Logging Configuration: Must specify exactly one Log Destination.")
        }
        if let d = o["destinations"], !d.isNull { out["destinations"] = d }
        return .object(out)
    }
}
