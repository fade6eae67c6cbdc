import CortadoJSON

/// TagResource, UntagResource and ListTagsForResource on state machines, and
/// CreateStateMachine's `tags`, as AWS records them: a tag's key is unique (tagging a key
/// again replaces its value), tags list in the order their keys were first set, untagging
/// an absent key is no error, and an ARN that names no state machine (a version's, say) is
/// ResourceNotFound.
extension StatesService {
    /// `tags`: `[{"key": ..., "value": ...}]`, checked against the API model (key 1-128
    /// characters, value at most 256, at most 50 tags).
    /// The API's `tags` and the journal's are the same list.
    static func tags(_ value: JSON?, _ field: String = "tags") throws(APIError) -> [(key: String, value: String)] {
        guard let v = value, !v.isNull else { return [] }
        guard case .array(let list) = v else { throw APIError.serialization("Field '\(field)' must be a list, not \(v.typeName).") }
        var out: [(key: String, value: String)] = []
        for (i, t) in list.enumerated() {
            guard let key = t["key"]?.stringValue, let value = t["value"]?.stringValue else {
                throw APIError.serialization("Field '\(field)[\(i)]' must be an object with string 'key' and 'value'.")
            }
            guard (1...128).contains(key.count) else {
                throw APIError.validation("1 validation error detected: Value '\(key)' at '\(field).\(i + 1).member.key' failed to satisfy constraint: Member must have length between 1 and 128")
            }
            guard value.count <= 256 else {
                throw APIError.validation("1 validation error detected: Value '\(value)' at '\(field).\(i + 1).member.value' failed to satisfy constraint: Member must have length less than or equal to 256")
            }
            setTag(&out, key, value)
        }
        return out
    }

    static func setTag(_ tags: inout [(key: String, value: String)], _ key: String, _ value: String) {
        if let i = tags.firstIndex(where: { $0.key == key }) { tags[i].value = value } else { tags.append((key, value)) }
    }

    /// The state machine `resourceArn` names; `change` edits it and says whether to keep the
    /// edit (nil: read only).
    func taggedMachine(_ r: APIRequest, _ change: ((inout MachineRecord) -> Bool)? = nil) throws(APIError) -> MachineRecord {
        let arn = try r.required("resourceArn", maxLength: 256)
        guard arn.hasPrefix("arn:") else { throw APIError.invalidArn("Invalid Arn: 'Invalid ARN prefix: \(arn)'") }
        var changed = false
        let m = tables.withLock { t -> MachineRecord? in
            guard var m = t.machines[arn] else { return nil }
            if let change, change(&m) { t.machines[arn] = m; changed = true }
            return m
        }
        guard let m else { throw APIError("ResourceNotFound", "Resource not found: '\(arn)'") }
        if changed { journal?.append(m.journalJSON) }
        return m
    }

    func tagResource(_ r: APIRequest) throws(APIError) -> JSONObject {
        guard r.fields["tags"].map({ !$0.isNull }) == true else {
            throw APIError.validation("1 validation error detected: Value null at 'tags' failed to satisfy constraint: Member must not be null")
        }
        let tags = try StatesService.tags(r.fields["tags"])
        var over = false
        let m = try taggedMachine(r) { m in
            var all = m.tags
            for t in tags { StatesService.setTag(&all, t.key, t.value) }
            guard all.count <= 50 else { over = true; return false }
            m.tags = all
            return true
        }
        if over { throw APIError("TooManyTags", "Too many tags: '\(m.arn)'") }
        return [:]
    }

    func untagResource(_ r: APIRequest) throws(APIError) -> JSONObject {
        guard case .array(let list)? = r.fields["tagKeys"] else {
            throw APIError.validation("1 validation error detected: Value null at 'tagKeys' failed to satisfy constraint: Member must not be null")
        }
        let keys = Set(list.compactMap(\.stringValue))
        _ = try taggedMachine(r) { m in
            m.tags.removeAll { keys.contains($0.key) }
            return true
        }
        return [:]
    }

    func listTagsForResource(_ r: APIRequest) throws(APIError) -> JSONObject {
        let m = try taggedMachine(r)
        return ["tags": m.tagsJSON]
    }
}
