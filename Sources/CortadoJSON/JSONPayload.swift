/// A JSON value in the form its holder has it: a tree, or its JSON text as Cortado writes
/// it (compact, strings escaped as `JSONWriter` escapes them, numbers as they were read), so
/// that one who needs the other form converts it once, and one who needs the same form not at
/// all. The tape lane hands a task backend its input as text (`TaskRequest.given`) and keeps
/// a backend's answers as text until it takes them in (`AwaitedCall`).
public enum JSONPayload: Sendable, Equatable {
    case json(JSON)
    /// Valid JSON within `JSONLimits.default` (the writer's promise).
    case text([UInt8])

    /// `v` as its text, in an array of its exact size (to be kept: a writer reserves 512
    /// bytes, more than most values take).
    public static func textOf(_ v: JSON) -> JSONPayload {
        var w = JSONWriter()
        w.write(v)
        return .text(w.bytes.withUnsafeBufferPointer { Array($0) })
    }

    /// The value as a JSON tree.
    public var json: JSON {
        switch self {
        case .json(let v): return v
        case .text(let t):
            // (Valid by the writer's promise: a failure here is a bug, not a user's input.)
            let parsed = t.withUnsafeBufferPointer { try? JSON.parse(buffer: $0) }
            assert(parsed != nil, "JSONPayload.text is not valid JSON")
            return parsed ?? .null
        }
    }

    /// Appends the value's JSON text to `w`.
    public func write(to w: inout JSONWriter) {
        switch self {
        case .json(let v): w.write(v)
        case .text(let t): w.bytes.append(contentsOf: t)
        }
    }

    /// The value's JSON text.
    public var serializedBytes: [UInt8] {
        switch self {
        case .json(let v): return v.serializedBytes
        case .text(let t): return t
        }
    }

    /// The length of `serializedBytes` (the payload limits).
    public var serializedByteCount: Int {
        switch self {
        case .json(let v): return v.serializedByteCount
        case .text(let t): return t.count
        }
    }

    /// Equal as JSON values, whatever their forms.
    public static func == (a: JSONPayload, b: JSONPayload) -> Bool {
        if case .text(let x) = a, case .text(let y) = b, x == y { return true }
        return a.json == b.json
    }
}
