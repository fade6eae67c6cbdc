import CortadoJSON

/// What the HTTP layer sends back: status, JSON body, and the error code for the
/// `x-amzn-ErrorType` header.
public struct APIResponse: Sendable {
    public var status: Int
    public var body: [UInt8]
    public var errorCode: String?
    public var requestID: String

    public init(json: JSON) {
        status = 200; body = json.serializedBytes; errorCode = nil; requestID = APIResponse.newRequestID()
    }

    public init(error: APIError) {
        status = error.status; body = error.body.serializedBytes; errorCode = error.code
        requestID = APIResponse.newRequestID()
    }

    static func newRequestID() -> String {
        var g = SystemRandomNumberGenerator()
        let a: UInt64 = g.next(), b: UInt64 = g.next()
        return String(a, radix: 16) + String(b, radix: 16)
    }
}

/// The body of one request: a JSON object whose fields are checked against the action's
/// list (an unknown field is a ValidationException, as from AWS) and read with their types.
struct APIRequest {
    let fields: JSONObject

    init(bytes: [UInt8], allowed: Set<String>) throws(APIError) {
        let json: JSON
        if bytes.allSatisfy({ $0 == 32 || $0 == 9 || $0 == 10 || $0 == 13 }) {
            json = .object(JSONObject())  // AWS CLI sends an empty body for actions without input
        } else {
            do { json = try JSON.parse(bytes) } catch {
                throw APIError.serialization("The request body is not valid JSON: \(error)")
            }
        }
        guard case .object(let o) = json else {
            throw APIError.serialization("The request body must be a JSON object, not \(json.typeName).")
        }
        for key in o.keys where !allowed.contains(key) {
            throw APIError.validation("1 validation error detected: Unknown field '\(key)'. Valid fields: \(allowed.sorted().joined(separator: ", ")).")
        }
        fields = o
    }

    /// A string field; `maxLength` in characters as the API reference gives it.
    func string(_ key: String, required: Bool = false, maxLength: Int? = nil) throws(APIError) -> String? {
        guard let v = fields[key], !v.isNull else {
            if required { throw APIError.validation("1 validation error detected: Value null at '\(key)' failed to satisfy constraint: Member must not be null") }
            return nil
        }
        guard case .string(let s) = v else {
            throw APIError.serialization("Field '\(key)' must be a string, not \(v.typeName).")
        }
        if let maxLength { try APIRequest.checkLength(s, at: key, max: maxLength, sensitive: APIRequest.sensitive.contains(key)) }
        return s
    }

    /// A string field's length constraint, in AWS's words; lengths count UTF-16 code units,
    /// as the service's (Java) validation does. AWS quotes the value unless the field is
    /// sensitive (the API model's Definition and Sensitive* shapes).
    static func checkLength(_ s: String, at key: String, min: Int = 0, max: Int, sensitive: Bool) throws(APIError) {
        let n = s.utf16.count
        guard n > max || n < min else { return }
        let value = sensitive ? "" : " '\(s)'"
        let bound = n > max ? "less than or equal to \(max)" : "greater than or equal to \(min)"
        throw APIError.validation("1 validation error detected: Value\(value) at '\(key)' failed to satisfy constraint: Member must have length \(bound)")
    }

    func required(_ key: String, maxLength: Int? = nil) throws(APIError) -> String {
        try string(key, required: true, maxLength: maxLength)!
    }

    /// Fields whose values a validation message does not quote.
    static let sensitive: Set<String> = ["definition", "input", "output", "error", "cause", "context", "variables"]

    /// An enum field: one of `values` (AWS lists them in its own order in the message).
    func enumValue(_ key: String, _ values: [String]) throws(APIError) -> String? {
        guard let s = try string(key) else { return nil }
        guard values.contains(s) else { throw APIRequest.notInEnum(s, at: key, values) }
        return s
    }

    /// AWS's message for a value outside an enum (`at`: the field's path, e.g. `type`).
    static func notInEnum(_ value: String, at field: String, _ values: [String]) -> APIError {
        APIError.validation("1 validation error detected: Value '\(value)' at '\(field)' failed to satisfy constraint: Member must satisfy enum value set: [\(values.joined(separator: ", "))]")
    }

    func int(_ key: String, range: ClosedRange<Int>? = nil) throws(APIError) -> Int? {
        guard let v = fields[key], !v.isNull else { return nil }
        guard case .number(let n) = v, let i = n.int else {
            throw APIError.serialization("Field '\(key)' must be an integer, not \(v.serialized).")
        }
        if let range, !range.contains(i) {
            // AWS names the bound that is broken, as recorded for maxResults 1001.
            let bound = i > range.upperBound ? "less than or equal to \(range.upperBound)" : "greater than or equal to \(range.lowerBound)"
            throw APIError.validation("1 validation error detected: Value '\(i)' at '\(key)' failed to satisfy constraint: Member must have value \(bound)")
        }
        return i
    }

    func bool(_ key: String) throws(APIError) -> Bool? {
        guard let v = fields[key], !v.isNull else { return nil }
        guard case .bool(let b) = v else { throw APIError.serialization("Field '\(key)' must be a boolean, not \(v.typeName).") }
        return b
    }

    func object(_ key: String) throws(APIError) -> JSONObject? {
        guard let v = fields[key], !v.isNull else { return nil }
        guard case .object(let o) = v else { throw APIError.serialization("Field '\(key)' must be an object, not \(v.typeName).") }
        return o
    }

    /// An ARN field, checked for the `arn:aws:states:<region>:<account>:<kind>:...` shape,
    /// with AWS's recorded wordings: text that is no ARN is an "Invalid ARN prefix", an ARN of
    /// another kind is named by its kind. An Express execution's ARN (`...:express:...`) is
    /// not an execution's: AWS keeps no Express execution to describe, stop or read the
    /// history of ("Resource type not valid in this context: express").
    func arn(_ key: String, kind: String) throws(APIError) -> String {
        let s = try required(key, maxLength: 2048)
        guard s.hasPrefix("arn:") else { throw APIError.invalidArn("Invalid Arn: 'Invalid ARN prefix: \(s)'") }
        guard let a = ARN.parse(s) else { throw APIError.invalidArn("Invalid Arn: 'Resource type not valid in this context: \(s)'") }
        guard a.kind == kind else { throw APIError.invalidArn("Invalid Arn: 'Resource type not valid in this context: \(a.kind)'") }
        return s
    }
}

/// `arn:<partition>:states:<region>:<account>:<kind>:<name>[:<more>...]`.
struct ARN {
    var region: String
    var account: String
    var kind: String
    var parts: [String]

    static func parse(_ s: String) -> ARN? {
        let p = s.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        guard p.count >= 7, p[0] == "arn", p[1].hasPrefix("aws"), p[2] == "states",
              !p[3].isEmpty, !p[4].isEmpty, p.dropFirst(6).allSatisfy({ !$0.isEmpty }) else { return nil }
        return ARN(region: p[3], account: p[4], kind: p[5], parts: Array(p.dropFirst(6)))
    }
}

/// Names of state machines and executions: 1–80 characters, none of AWS's excluded ones.
enum Names {
    static let excluded = Set(" <>{}[]?*\"#%\\^|~`$&,;:/".unicodeScalars)

    static func check(_ name: String, what: String) throws(APIError) {
        guard !name.isEmpty, name.count <= 80,
              !name.unicodeScalars.contains(where: { excluded.contains($0) || $0.value < 0x20 || ($0.value >= 0x7F && $0.value <= 0x9F) || $0.properties.isWhitespace })
        else { throw APIError("InvalidName", "Invalid Name: '\(name)'") }
    }
}

/// Epoch milliseconds as the API's timestamps (epoch seconds, fractional).
func timestampJSON(_ ms: Int64) -> JSON {
    .number(JSONNumber(literal: "\(ms / 1000).\(String(1000 + ms % 1000).dropFirst())"))
}
