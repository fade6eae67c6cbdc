import CortadoJSON

/// The service models of the `aws-sdk:*` integrations (generated tables, `AWSModels+Generated`):
/// operations, the shapes that name members, and the modeled exceptions.
public enum AWSModels {
    public final class Service: Sendable {
        public let name: String, client: String, envName: String, endpointPrefix: String, signingName: String
        public let target: String, jsonVersion: String
        /// `json`, `query`, `rest-json` or `rest-xml` (AWSProtocols.swift speaks the last three).
        public let wireProtocol: String
        package let apiVersion: String
        /// Operation name (`PutItem`) to its input and output shape.
        package let operations: [String: (input: String, output: String)]
        /// Query and REST operations: method, request URI (`/{Bucket}?list-type=2`) and the
        /// query protocol's result element (`PublishResult`).
        package let http: [String: (method: String, uri: String, resultWrapper: String)]
        package let shapes: [String: Shape]
        /// Every structure, list and map shape as generated, with its wire bindings (where a
        /// member travels, its XML name, flattened lists, the payload member).
        package let bindings: [String: JSONObject]
        package let errors: Set<String>
        /// Error codes on the wire that differ from their exception shape's name (`NotFound`).
        package let codes: [String: String]

        init?(_ j: JSON) {
            guard let name = j["name"]?.stringValue, let client = j["client"]?.stringValue, let env = j["env"]?.stringValue,
                  let prefix = j["endpointPrefix"]?.stringValue, let target = j["target"]?.stringValue,
                  case .object(let ops)? = j["ops"], case .object(let shapes)? = j["shapes"] else { return nil }
            self.name = name; self.client = client; self.envName = env; self.endpointPrefix = prefix; self.target = target
            self.signingName = j["signingName"]?.stringValue ?? prefix
            self.jsonVersion = j["jsonVersion"]?.stringValue ?? "1.0"
            self.wireProtocol = j["protocol"]?.stringValue ?? "json"
            self.apiVersion = j["apiVersion"]?.stringValue ?? ""
            var o: [String: (String, String)] = [:]
            var h: [String: (String, String, String)] = [:]
            for (k, v) in ops.members {
                let io = (v.arrayValue ?? []).map { $0.stringValue ?? "" }
                o[k] = (io.first ?? "", io.count > 1 ? io[1] : "")
                if io.count >= 4 { h[k] = (io[2], io[3], io.count > 4 ? io[4] : "") }
            }
            operations = o
            http = h
            var b: [String: JSONObject] = [:]
            for (k, v) in shapes.members { if case .object(let x) = v { b[k] = x } }
            bindings = b
            var c: [String: String] = [:]
            for (k, v) in j["codes"]?.objectValue ?? JSONObject() { c[k] = v.stringValue }
            codes = c
            var s: [String: Shape] = [:]
            for (k, v) in shapes.members {
                if case .object(let members)? = v["s"] {
                    var targets: [String: String] = [:], byLower: [String: String] = [:]
                    for (m, t) in members.members {
                        targets[m] = t.stringValue ?? ""
                        byLower[m.lowercased()] = m
                    }
                    s[k] = .structure(targets, byLower)
                } else if let l = v["l"]?.stringValue {
                    s[k] = .list(l)
                } else if let m = v["m"]?.stringValue {
                    s[k] = .map(m)
                }
            }
            self.shapes = s
            errors = Set((j["errors"]?.arrayValue ?? []).compactMap(\.stringValue))
        }

        /// `putItem` → `PutItem`, when the service has it.
        public func operation(_ action: String) -> String? {
            let op = action.prefix(1).uppercased() + action.dropFirst()
            return operations[op] == nil ? nil : op
        }

        /// Parameters as Step Functions takes them (PascalCase, even for camelCase APIs) to the
        /// request the API expects: structure members renamed to the model's spelling; map keys
        /// and unknown members left as they are.
        package func request(_ v: JSON, shape: String) -> JSON {
            rename(v, shape: shape) { members, byLower, key in members[key] != nil ? key : byLower[key.lowercased()] ?? key }
        }

        /// A response to what Step Functions returns: structure members PascalCased (map keys,
        /// such as DynamoDB attribute names, stay as they are).
        package func response(_ v: JSON, shape: String) -> JSON {
            rename(v, shape: shape) { _, _, key in key.prefix(1).uppercased() + key.dropFirst() }
        }

        private func rename(_ v: JSON, shape: String, _ name: ([String: String], [String: String], String) -> String) -> JSON {
            switch (shapes[shape], v) {
            case (.structure(let members, let byLower)?, .object(let o)):
                return .object(JSONObject(o.members.map { m in
                    let apiName = members[m.key] != nil ? m.key : byLower[m.key.lowercased()] ?? m.key
                    let target = members[apiName] ?? ""
                    return (key: name(members, byLower, m.key), value: rename(m.value, shape: target, name))
                }))
            case (.list(let member)?, .array(let a)):
                return .array(a.map { rename($0, shape: member, name) })
            case (.map(let value)?, .object(let o)):
                return .object(JSONObject(o.members.map { (key: $0.key, value: rename($0.value, shape: value, name)) }))
            default:
                return v
            }
        }

        /// `<Client>.<Name>Exception` for a modeled error, else `<Client>.<Client>Exception`.
        package func errorName(_ code: String) -> String {
            let shape = codes[code] ?? code
            guard errors.contains(shape) else { return "\(client).\(client)Exception" }
            return "\(client).\(AWSModels.exceptionName(shape))"
        }
    }

    package enum Shape {
        /// Member name to target shape, and lower-cased member name to member name.
        case structure([String: String], [String: String])
        case list(String)
        case map(String)
    }

    /// The generated services, parsed once.
    package static let services: [String: Service] = {
        var out: [String: Service] = [:]
        for (name, text) in sources {
            if let j = try? JSON.parse(Array(text.utf8)), let s = Service(j) { out[name] = s }
        }
        return out
    }()

    /// An error code as the Java SDK names its exception: `NotFound` → `NotFoundException`.
    package static func exceptionName(_ code: String) -> String { code.hasSuffix("Exception") ? code : code + "Exception" }

    /// The model of a Step Functions service name (`dynamodb`, `sfn`, `secretsmanager`, ...).
    public static func service(_ name: String) -> Service? { services[name] }
}
