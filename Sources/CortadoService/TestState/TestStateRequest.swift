import CortadoJSON

/// How much of a state's data processing TestState reports.
enum InspectionLevel: String {
    /// The output, status and next state only.
    case info = "INFO"
    /// Also `inspectionData`: every input/output processing stage.
    case debug = "DEBUG"
    /// As DEBUG, plus the HTTP request and response of an HTTP Task.
    case trace = "TRACE"
}

/// How strictly a mocked result is checked against the integration's API shape.
enum FieldValidationMode: String {
    /// Required fields must be present and present fields must match the shape.
    case strict = "STRICT"
    /// Present fields must match the shape.
    case present = "PRESENT"
    /// No check.
    case none = "NONE"
}

/// `mock` of a TestState request: the result a Task (or Map/Parallel) returns, or its error.
struct TestStateMock {
    enum Outcome {
        /// The result exactly as sent (a JSON string, parsed later so its errors come in AWS's order).
        case result(String)
        case error(error: String?, cause: String?)
    }
    var outcome: Outcome
    var fieldValidationMode: FieldValidationMode
}

/// `stateConfiguration`: where in its life the tested state is.
struct StateConfiguration {
    /// `$$.State.RetryCount`: how many retries already happened (decides RETRIABLE vs FAILED).
    var retrierRetryCount = 0
    /// The state inside a Map/Parallel that raised a mocked error.
    var errorCausedByState: String?
    /// How many Map iterations failed (compared with the tolerated failure threshold).
    /// nil when the request does not give one (0 counts as given).
    var mapIterationFailureCount: Int?
    /// The items an ItemReader read (a JSON array as a string).
    var mapItemReaderData: String?
}

/// A TestState request body, with every field type-checked.
struct TestStateRequest {
    var definitionText: String
    var roleArn: String?
    var inputText: String?
    var inspectionLevel: InspectionLevel = .info
    var revealSecrets = false
    var variablesText: String?
    var stateName: String?
    var mock: TestStateMock?
    var contextText: String?
    var configuration = StateConfiguration()

    /// Reads the action's JSON body.
    /// - Throws: `ValidationException` for a missing definition, a field of the wrong type or
    ///   an unknown enum value, in the words of AWS's request validation.
    init(_ body: JSONObject) throws(APIError) {
        guard let definition = body["definition"], !definition.isNull else {
            throw .validation("1 validation error detected: Value null at 'definition' failed to satisfy constraint: Member must not be null")
        }
        definitionText = try Self.string(definition, "definition")
        try APIRequest.checkLength(definitionText, at: "definition", min: 1, max: 1_048_576, sensitive: true)
        roleArn = try Self.optionalString(body["roleArn"], "roleArn", min: 1, max: 256)
        inputText = try Self.optionalString(body["input"], "input", max: Self.payloadLimit, sensitive: true)
        if let level = try Self.optionalString(body["inspectionLevel"], "inspectionLevel") {
            guard let l = InspectionLevel(rawValue: level) else {
                throw APIRequest.notInEnum(level, at: "inspectionLevel", ["INFO", "DEBUG", "TRACE"])
            }
            inspectionLevel = l
        }
        if let v = body["revealSecrets"], !v.isNull {
            guard case .bool(let b) = v else { throw Self.typeError("revealSecrets", "boolean") }
            revealSecrets = b
        }
        variablesText = try Self.optionalString(body["variables"], "variables", max: Self.payloadLimit, sensitive: true)
        stateName = try Self.optionalString(body["stateName"], "stateName", min: 1, max: 80)
        contextText = try Self.optionalString(body["context"], "context", max: Self.payloadLimit, sensitive: true)
        if let m = body["mock"], !m.isNull { mock = try Self.mock(m) }
        if let c = body["stateConfiguration"], !c.isNull { configuration = try Self.configuration(c) }
    }

    private static func mock(_ value: JSON) throws(APIError) -> TestStateMock {
        guard case .object(let m) = value else { throw typeError("mock", "structure") }
        var mode = FieldValidationMode.strict
        if let text = try optionalString(m["fieldValidationMode"], "mock.fieldValidationMode") {
            guard let v = FieldValidationMode(rawValue: text) else {
                throw APIRequest.notInEnum(text, at: "mock.fieldValidationMode", ["STRICT", "PRESENT", "NONE"])
            }
            mode = v
        }
        let result = try optionalString(m["result"], "mock.result", max: Self.payloadLimit, sensitive: true)
        var errorOutput: (String?, String?)? = nil
        if let e = m["errorOutput"], !e.isNull {
            guard case .object(let eo) = e else { throw typeError("mock.errorOutput", "structure") }
            // The API reference: `error` "is required if mock.errorOutput is specified".
            guard let error = try optionalString(eo["error"], "mock.errorOutput.error", max: 256, sensitive: true) else {
                throw .validation("mock.errorOutput.error is required when mock.errorOutput is specified.")
            }
            errorOutput = (error, try optionalString(eo["cause"], "mock.errorOutput.cause", max: 32768, sensitive: true))
        }
        switch (result, errorOutput) {
        case (.some, .some), (nil, nil):
            throw .validation("A test mock should have only one of the following fields: [result, errorOutput].")
        case (let r?, nil):
            return TestStateMock(outcome: .result(r), fieldValidationMode: mode)
        case (nil, let e?):
            return TestStateMock(outcome: .error(error: e.0, cause: e.1), fieldValidationMode: mode)
        }
    }

    private static func configuration(_ value: JSON) throws(APIError) -> StateConfiguration {
        guard case .object(let c) = value else { throw typeError("stateConfiguration", "structure") }
        var out = StateConfiguration()
        if let n = try optionalCount(c["retrierRetryCount"], "stateConfiguration.retrierRetryCount") { out.retrierRetryCount = n }
        if let n = try optionalCount(c["mapIterationFailureCount"], "stateConfiguration.mapIterationFailureCount") {
            out.mapIterationFailureCount = n
        }
        out.errorCausedByState = try optionalString(c["errorCausedByState"], "stateConfiguration.errorCausedByState")
        out.mapItemReaderData = try optionalString(c["mapItemReaderData"], "stateConfiguration.mapItemReaderData", max: Self.payloadLimit, sensitive: true)
        return out
    }

    // MARK: - Field helpers

    private static func string(_ v: JSON, _ field: String) throws(APIError) -> String {
        guard case .string(let s) = v else { throw typeError(field, "string") }
        return s
    }

    /// The API model's length limit of the data fields (input, variables, context, a mock's result).
    static let payloadLimit = 262_144

    /// A string field; `min`/`max`: its length constraint in the API model.
    private static func optionalString(_ v: JSON?, _ field: String, min: Int = 0, max: Int? = nil,
                                       sensitive: Bool = false) throws(APIError) -> String? {
        guard let v, !v.isNull else { return nil }
        let s = try string(v, field)
        if let max { try APIRequest.checkLength(s, at: field, min: min, max: max, sensitive: sensitive) }
        return s
    }

    private static func optionalCount(_ v: JSON?, _ field: String) throws(APIError) -> Int? {
        guard let v, !v.isNull else { return nil }
        guard case .number(let n) = v, let i = n.int else { throw typeError(field, "integer") }
        guard i >= 0 else {
            throw .validation("1 validation error detected: Value '\(i)' at '\(field)' failed to satisfy constraint: Member must have value greater than or equal to 0")
        }
        return i
    }

    private static func typeError(_ field: String, _ type: String) -> APIError {
        .serialization("Unexpected value for '\(field)': expected a \(type)")
    }

}
