import CortadoJSON
import Yams

/// Turns YAML text into `JSON` with source positions.
///
/// Mappings keep their key order; plain scalars resolve by the YAML 1.2 core schema
/// (so `yes`, `on` and timestamps stay strings, unlike Yams' YAML 1.1 default);
/// quoted scalars are always strings.
enum YAMLDefinitionReader {
    /// Deepest nesting accepted; libyaml and the composer recurse without a limit.
    static let maxDepth = 512
    /// Most values produced, which bounds alias expansion ("billion laughs").
    static let maxValues = 1_000_000

    struct Failure: Error { var message: String; var line: Int?; var column: Int? }

    /// Reads YAML text. With `guessing`, returns nil when the text is not YAML or is a
    /// lone scalar, so the caller can report it as AWS reports non-JSON text.
    static func load(_ bytes: [UInt8], guessing: Bool = false) -> Result<LoadedDefinition, [Diagnostic]>? {
        if bracketDepth(bytes) > maxDepth {
            return .failure([.invalidYAML("nesting deeper than \(maxDepth) levels", line: nil, column: nil)])
        }
        let text = String(decoding: bytes, as: UTF8.self)
        let root: Node?
        do {
            root = try Yams.compose(yaml: text, .basic)
        } catch let error as YamlError {
            if guessing { return nil }
            let (message, mark) = describe(error)
            return .failure([.invalidYAML(message, line: mark?.line, column: mark?.column)])
        } catch {
            if guessing { return nil }
            return .failure([.invalidYAML("\(error)", line: nil, column: nil)])
        }
        guard let root else { return .failure([.notAnObject()]) }
        switch root {
        case .mapping: break
        case .scalar where guessing: return nil
        default: return .failure([.notAnObject()])
        }
        var converter = Converter()
        do {
            let json = try converter.convert(root, at: "", depth: 0)
            return .success(LoadedDefinition(json: json, sourceMap: SourceMap(converter.positions)))
        } catch {
            return .failure([.invalidYAML(error.message, line: error.line, column: error.column)])
        }
    }

    /// The deepest `[`/`{` nesting, ignoring quoting: a cheap guard against stack exhaustion.
    static func bracketDepth(_ bytes: [UInt8]) -> Int {
        var depth = 0, deepest = 0
        for b in bytes {
            if b == UInt8(ascii: "[") || b == UInt8(ascii: "{") {
                depth += 1; deepest = max(deepest, depth)
            } else if (b == UInt8(ascii: "]") || b == UInt8(ascii: "}")) && depth > 0 {
                depth -= 1
            }
        }
        return deepest
    }

    static func describe(_ error: YamlError) -> (String, Mark?) {
        switch error {
        case .scanner(let context, let problem, let mark, _),
             .parser(let context, let problem, let mark, _),
             .composer(let context, let problem, let mark, _):
            let what = context.map { "\(problem) (\($0.text))" } ?? problem
            return (what, mark)
        case .reader(let problem, _, _, _):
            return (problem, nil)
        case .duplicatedKeysInMapping(let duplicates, let context):
            return ("duplicate keys in mapping: \(duplicates.joined(separator: ", "))", context.mark)
        default:
            return ("\(error)", nil)
        }
    }

    struct Converter {
        var positions: [String: SourceMap.Position] = [:]
        var produced = 0

        mutating func convert(_ node: Node, at pointer: String, depth: Int) throws(Failure) -> JSON {
            produced += 1
            guard produced <= YAMLDefinitionReader.maxValues, depth <= YAMLDefinitionReader.maxDepth else {
                throw Failure(message: "document too large or too deeply nested", line: node.mark?.line, column: node.mark?.column)
            }
            if let mark = node.mark, positions[pointer] == nil {
                positions[pointer] = SourceMap.Position(line: mark.line, column: mark.column)
            }
            switch node {
            case .scalar(let scalar):
                return YAMLDefinitionReader.resolve(scalar)
            case .sequence(let sequence):
                var items: [JSON] = []
                items.reserveCapacity(sequence.count)
                for (i, element) in sequence.enumerated() {
                    items.append(try convert(element, at: pointer + "/" + String(i), depth: depth + 1))
                }
                return .array(items)
            case .mapping(let mapping):
                var object = JSONObject()
                for (keyNode, valueNode) in mapping {
                    guard case .scalar(let key) = keyNode else {
                        throw Failure(message: "mapping keys must be scalars", line: keyNode.mark?.line, column: keyNode.mark?.column)
                    }
                    // Later duplicates win, as in the JSON parser.
                    object[key.string] = try convert(valueNode, at: pointer + "/" + pointerToken(key.string), depth: depth + 1)
                }
                return .object(object)
            case .alias:
                // The composer resolves aliases to their anchored node; an unresolved one is an error.
                throw Failure(message: "unresolved alias", line: node.mark?.line, column: node.mark?.column)
            }
        }
    }

    // MARK: - Core schema

    static func resolve(_ scalar: Node.Scalar) -> JSON {
        let s = scalar.string
        switch Tag.Name(rawValue: scalar.tag.rawValue) {
        case .str: return .string(s)
        case .null: return .null
        case .bool: return coreBool(s).map(JSON.bool) ?? .string(s)
        case .int, .float: return coreNumber(s).map(JSON.number) ?? .string(s)
        case .implicit:
            guard scalar.style == .plain || scalar.style == .any else { return .string(s) }
            if s.isEmpty || s == "~" || s == "null" || s == "Null" || s == "NULL" { return .null }
            if let b = coreBool(s) { return .bool(b) }
            if let n = coreNumber(s) { return .number(n) }
            return .string(s)
        default:
            return .string(s)
        }
    }

    static func coreBool(_ s: String) -> Bool? {
        switch s {
        case "true", "True", "TRUE": return true
        case "false", "False", "FALSE": return false
        default: return nil
        }
    }

    /// A JSON number literal for a core-schema int or float, or nil (`.inf` and `.nan`
    /// have no JSON form and stay strings).
    static func coreNumber(_ s: String) -> JSONNumber? {
        var u = Array(s.utf8)
        guard !u.isEmpty else { return nil }
        let isDigit = { (b: UInt8) in b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9") }
        if u.count > 2, u[0] == UInt8(ascii: "0"), u[1] == UInt8(ascii: "x") || u[1] == UInt8(ascii: "o") {
            let radix = u[1] == UInt8(ascii: "x") ? 16 : 8
            guard let v = UInt64(String(decoding: u[2...], as: UTF8.self), radix: radix) else { return nil }
            return JSONNumber(literal: String(v))
        }
        var negative = false
        if u[0] == UInt8(ascii: "-") || u[0] == UInt8(ascii: "+") {
            negative = u[0] == UInt8(ascii: "-"); u.removeFirst()
        }
        // [0-9]* ( . [0-9]* )? ( [eE] [-+]? [0-9]+ )?  with at least one digit in the mantissa
        var i = 0
        var intDigits: [UInt8] = [], fracDigits: [UInt8] = [], exponent: [UInt8] = []
        var sawDot = false
        while i < u.count, isDigit(u[i]) { intDigits.append(u[i]); i += 1 }
        if i < u.count, u[i] == UInt8(ascii: ".") {
            sawDot = true; i += 1
            while i < u.count, isDigit(u[i]) { fracDigits.append(u[i]); i += 1 }
        }
        guard !intDigits.isEmpty || !fracDigits.isEmpty else { return nil }
        if i < u.count, u[i] == UInt8(ascii: "e") || u[i] == UInt8(ascii: "E") {
            i += 1
            if i < u.count, u[i] == UInt8(ascii: "-") || u[i] == UInt8(ascii: "+") {
                if u[i] == UInt8(ascii: "-") { exponent.append(u[i]) }
                i += 1
            }
            let start = exponent.count
            while i < u.count, isDigit(u[i]) { exponent.append(u[i]); i += 1 }
            guard exponent.count > start else { return nil }
        }
        guard i == u.count else { return nil }
        // Normalize to JSON syntax: no leading zeros, digits on both sides of a dot.
        while intDigits.count > 1, intDigits[0] == UInt8(ascii: "0") { intDigits.removeFirst() }
        if intDigits.isEmpty { intDigits = [UInt8(ascii: "0")] }
        var literal = negative ? "-" : ""
        literal += String(decoding: intDigits, as: UTF8.self)
        if sawDot { literal += "." + (fracDigits.isEmpty ? "0" : String(decoding: fracDigits, as: UTF8.self)) }
        if !exponent.isEmpty { literal += "e" + String(decoding: exponent, as: UTF8.self) }
        return JSONNumber(literal: literal)
    }
}
