import CortadoJSON
import CortadoAWSModels

/// The response shape of an AWS API, as far as TestState checks a mocked result against it.
indirect enum APIShape: Sendable {
    case string(min: Int? = nil, max: Int? = nil)
    /// A base64 blob: a string with a length bound on the text.
    case blob(min: Int? = nil, max: Int? = nil)
    case integer(min: Int? = nil, max: Int? = nil)
    case double
    case boolean
    /// Timestamps travel as strings.
    case timestamp
    case list(APIShape)
    case map(APIShape)
    case structure([String: APIShape], required: [String] = [])
    /// A document or an attribute value: anything goes.
    case any
    /// A string that must be one of these values.
    case enumeration(Set<String>)
    /// A shape of a generated service model, resolved when a value reaches it (models are
    /// recursive: DynamoDB's AttributeValue holds AttributeValues).
    case model(AWSModels.Service, String)
}

extension AWSModels.Service {
    /// The output shape of `action` (`getObject`), if the model has the operation.
    func mockShape(_ action: String) -> APIShape? {
        let op = action.prefix(1).uppercased() + action.dropFirst()
        guard let name = operations[op]?.output, !name.isEmpty else { return nil }
        return mockShape(ref: name)
    }

    /// One level of a shape, with members as Step Functions returns them (PascalCase); the
    /// members refer to further `.model` shapes.
    func mockShape(ref: String) -> APIShape {
        // A plain scalar is its one-letter type code, read as a shape of that type.
        let inline: JSONObject? = ["s", "i", "d", "b", "t", "B"].contains(ref) ? ["t": .string(ref)] : nil
        guard let d = inline ?? bindings[ref] else { return .any }
        func pascal(_ s: String) -> String { s.prefix(1).uppercased() + s.dropFirst() }
        if case .object(let members)? = d["s"] {
            var m: [String: APIShape] = [:]
            for (k, v) in members { m[pascal(k)] = .model(self, v.stringValue ?? "") }
            return .structure(m, required: (d["r"]?.arrayValue ?? []).compactMap { $0.stringValue.map(pascal) })
        }
        if let item = d["l"]?.stringValue { return .list(.model(self, item)) }
        if let value = d["m"]?.stringValue { return .map(.model(self, value)) }
        if let values = d["e"]?.arrayValue { return .enumeration(Set(values.compactMap(\.stringValue))) }
        let min = d["min"]?.numberValue?.int, max = d["max"]?.numberValue?.int
        switch d["t"]?.stringValue {
        case "i": return .integer(min: min, max: max)
        case "d": return .double
        case "B": return .blob(min: min, max: max)
        case "b": return .boolean
        case "t": return .timestamp
        default: return .string(min: min, max: max)
        }
    }
}

/// Checks mocked Task results against the response shapes of the integrations Cortado
/// knows (a small hand-written subset of the AWS API models). Unknown integrations and
/// fields outside the shape pass, as in AWS.
enum MockResultShapes {
    /// Checks `result` for `resource`.
    /// - Throws: `ValidationException` "Mock result schema validation error: ...".
    static func validate(_ result: JSON, resource: String, mode: FieldValidationMode) throws(APIError) {
        guard mode != .none, let shape = shape(for: resource) else { return }
        if let problem = check(result, shape, name: nil, strict: mode == .strict, depth: 0) {
            throw .validation("Mock result schema validation error: " + problem)
        }
    }

    /// The response shape of `resource`: the hand-written one of an optimized integration, else
    /// the API's output shape from the generated models (`aws-sdk:<service>:<action>`, and an
    /// optimized integration's request-response and `.waitForTaskToken` forms; a `.sync`
    /// integration returns another API's shape, so only the hand-written table checks those).
    static func shape(for resource: String) -> APIShape? {
        var r = Substring(resource)
        var sync = false
        for suffix in [".sync:2", ".sync", ".waitForTaskToken"] where r.hasSuffix(suffix) {
            r = r.dropLast(suffix.count)
            sync = suffix != ".waitForTaskToken"
            break
        }
        guard let colon = r.firstRange(of: ":::") else { return nil }
        let key = String(r[colon.upperBound...])
        if let s = shapes[key] { return s }
        let parts = key.split(separator: ":").map(String.init)
        if parts.count == 3, parts[0] == "aws-sdk" { return AWSModels.service(parts[1])?.mockShape(parts[2]) }
        // NOTE: API Gateway's invoke is not an API call AWS models (its mocks are not checked).
        guard parts.count == 2, !sync, parts[0] != "apigateway" else { return nil }
        let service = ["states": "sfn", "events": "eventbridge"][parts[0]] ?? parts[0]
        return AWSModels.service(service)?.mockShape(parts[1])
    }

    /// The first problem of `value` against `shape`, or nil.
    private static func check(_ value: JSON, _ shape: APIShape, name: String?, strict: Bool, depth: Int) -> String? {
        guard depth < 64 else { return nil }
        let field = "Field '\(name ?? "result")'"
        switch shape {
        case .any: return nil
        case .model(let model, let ref): return check(value, model.mockShape(ref: ref), name: name, strict: strict, depth: depth)
        case .enumeration(let values):
            guard case .string(let s) = value else { return "\(field) must be a string" }
            return values.contains(s) ? nil : "\(field) is not an expected value"
        case .string(let min, let max), .blob(let min, let max):
            guard case .string(let s) = value else { return "\(field) must be a string" }
            let n = s.unicodeScalars.count
            if let min, n < min { return "\(field) is smaller than the minimum length" }
            if let max, n > max { return "\(field) exceeds the maximum length" }
            return nil
        case .timestamp:
            guard case .string = value else { return "\(field) must be a string" }
            return nil
        case .boolean:
            guard case .bool = value else { return "\(field) must be a boolean" }
            return nil
        case .double:
            guard case .number = value else { return "\(field) must be a number" }
            return nil
        case .integer(let min, let max):
            guard case .number(let n) = value else { return "\(field) must be a number" }
            guard let i = n.int else { return "\(field) must be an integer" }
            if let min, i < min { return "\(field) is less than the minimum value" }
            if let max, i > max { return "\(field) exceeds the maximum value" }
            return nil
        case .list(let item):
            guard case .array(let items) = value else { return "\(field) must be an array" }
            for x in items {
                if let p = check(x, item, name: name, strict: strict, depth: depth + 1) { return p }
            }
            return nil
        case .map(let item):
            guard case .object(let o) = value else { return "\(field) must be an object" }
            for (k, v) in o {
                if let p = check(v, item, name: k, strict: strict, depth: depth + 1) { return p }
            }
            return nil
        case .structure(let members, let required):
            guard case .object(let o) = value else { return "\(field) must be an object" }
            if strict {
                for r in required where o[r] == nil { return "Required field '\(r)' is missing" }
            }
            for (k, v) in o {
                guard let s = members[k] else { continue }
                if let p = check(v, s, name: k, strict: strict, depth: depth + 1) { return p }
            }
            return nil
        }
    }

    // MARK: - Shapes

    private static let consumedCapacity: APIShape = .structure([
        "TableName": .string(min: 1, max: 1024), "CapacityUnits": .double, "ReadCapacityUnits": .double,
        "WriteCapacityUnits": .double,
        "Table": .structure(["ReadCapacityUnits": .double, "WriteCapacityUnits": .double, "CapacityUnits": .double]),
        "LocalSecondaryIndexes": .map(.any), "GlobalSecondaryIndexes": .map(.any),
    ])

    private static let dynamoWrite: APIShape = .structure([
        "Attributes": .map(.any), "ConsumedCapacity": consumedCapacity, "ItemCollectionMetrics": .any,
    ])

    private static let functionConfiguration: APIShape = .structure([
        "FunctionName": .string(min: 1, max: 170), "FunctionArn": .string(), "Runtime": .string(),
        "Role": .string(), "Handler": .string(max: 128), "CodeSize": .integer(), "Description": .string(max: 256),
        "Timeout": .integer(min: 1), "MemorySize": .integer(min: 128, max: 10240), "LastModified": .timestamp,
        "CodeSha256": .string(), "Version": .string(min: 1, max: 1024), "VpcConfig": .any,
        "Environment": .any, "KMSKeyArn": .string(), "TracingConfig": .any, "MasterArn": .string(),
        "RevisionId": .string(), "Layers": .list(.any), "State": .string(), "StateReason": .string(),
        "StateReasonCode": .string(), "LastUpdateStatus": .string(), "PackageType": .string(),
        "Architectures": .list(.string()), "EphemeralStorage": .structure(["Size": .integer(min: 512, max: 10240)]),
    ])

    private static let shapes: [String: APIShape] = [
        "lambda:invoke": .structure([
            "StatusCode": .integer(), "FunctionError": .string(), "LogResult": .string(), "Payload": .any,
            "ExecutedVersion": .string(min: 1, max: 1024),
        ]),
        "dynamodb:putItem": dynamoWrite,
        "dynamodb:updateItem": dynamoWrite,
        "dynamodb:deleteItem": dynamoWrite,
        "dynamodb:getItem": .structure(["Item": .map(.any), "ConsumedCapacity": consumedCapacity]),
        "events:putEvents": .structure([
            "FailedEntryCount": .integer(),
            "Entries": .list(.structure(["EventId": .string(), "ErrorCode": .string(), "ErrorMessage": .string()])),
        ]),
        "sqs:sendMessage": .structure([
            "MD5OfMessageBody": .string(), "MD5OfMessageAttributes": .string(),
            "MD5OfMessageSystemAttributes": .string(), "MessageId": .string(), "SequenceNumber": .string(),
        ]),
        "sns:publish": .structure(["MessageId": .string(), "SequenceNumber": .string()]),
        "states:startExecution": .structure(
            ["ExecutionArn": .string(min: 1, max: 256), "StartDate": .timestamp],
            required: ["ExecutionArn", "StartDate"]),
        "aws-sdk:kms:encrypt": .structure([
            "CiphertextBlob": .blob(min: 1, max: 6144), "KeyId": .string(min: 1, max: 2048),
            "EncryptionAlgorithm": .string(),
        ]),
        "aws-sdk:lambda:getFunction": .structure([
            "Configuration": functionConfiguration,
            "Code": .structure(["RepositoryType": .string(), "Location": .string(), "ImageUri": .string(),
                                "ResolvedImageUri": .string()]),
            "Tags": .map(.string()),
            "Concurrency": .structure(["ReservedConcurrentExecutions": .integer(min: 0)]),
        ]),
    ]
}
