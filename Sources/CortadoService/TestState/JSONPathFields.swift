import CortadoJSON
import CortadoPath

/// Input and output processing of a JSONPath-mode state: InputPath, Parameters, ResultSelector,
/// ResultPath, OutputPath, Assign. Paths may read the context object (`$$`) and workflow
/// variables (`$name`).
struct JSONPathFields {
    var context: JSON
    var variables: JSONObject

    /// Reads a path that must match: against the input, the context object or a variable.
    func read(_ text: String, _ input: JSON) throws(ASLError) -> JSON {
        let path = try parse(text)
        switch path.select(try root(of: path, input)) {
        case .success(let v): return v
        case .failure(let miss): throw ASLError.runtime("Invalid path '\(text)' : \(miss.message)")
        }
    }

    /// InputPath / OutputPath / ItemsPath: absent or `$` passes the value, null gives `{}`.
    func filter(_ field: JSON?, _ value: JSON) throws(ASLError) -> JSON {
        switch field {
        case nil: return value
        case .null?: return .object(JSONObject())
        case .string(let text)?: return text == "$" ? value : try read(text, value)
        default: throw ASLError.runtime("A path field must be a string or null")
        }
    }

    /// Builds a payload template (`Parameters`, `ResultSelector`, `ItemSelector`, `Assign`).
    func template(_ template: JSON, _ input: JSON) throws(ASLError) -> JSON {
        switch template {
        case .object(let o):
            var out = JSONObject()
            for (key, value) in o {
                if key.hasSuffix(".$") {
                    guard case .string(let expr) = value else {
                        throw ASLError.runtime("The value for the field '\(key)' must be a STRING that contains a JSONPath")
                    }
                    out[String(key.dropLast(2))] = try dynamic(expr, field: key, input)
                } else {
                    out[key] = try self.template(value, input)
                }
            }
            return .object(out)
        case .array(let items):
            var out: [JSON] = []
            for x in items { out.append(try self.template(x, input)) }
            return .array(out)
        default:
            return template
        }
    }

    /// ResultPath: absent or `$` replaces the input, null discards the result, a reference
    /// path sets it inside the input.
    func resultPath(_ field: JSON?, input: JSON, result: JSON) throws(ASLError) -> JSON {
        switch field {
        case nil: return result
        case .null?: return input
        case .string(let text)?:
            if text == "$" { return result }
            return try parse(text).assigning(result, into: input)
        default: throw ASLError.runtime("ResultPath must be a string or null")
        }
    }

    /// Assign: the new variables, evaluated against `input` with the variables as they were.
    func assign(_ field: JSON?, _ input: JSON) throws(ASLError) -> JSONObject? {
        guard let field else { return nil }
        guard case .object(let values) = try template(field, input) else { return nil }
        return values
    }

    // MARK: - Pieces

    private func dynamic(_ expr: String, field: String, _ input: JSON) throws(ASLError) -> JSON {
        if IntrinsicCall.isIntrinsic(expr) {
            let call: IntrinsicCall
            do { call = try IntrinsicCall.parse(expr) } catch {
                throw ASLError.runtime("The value for the field '\(field)' must be a valid intrinsic function call: \(error.message)")
            }
            let context = self.context
            return try call.evaluate(input: input, field: field, context: { context })
        }
        let path = try parse(expr)
        guard let v = path.evaluate(try self.root(of: path, input)) else { throw PathMiss.inField(path, field: field, input: input) }
        return v
    }

    private func parse(_ text: String) throws(ASLError) -> JSONPath {
        do { return try JSONPath.parse(text, allowingVariables: true) } catch {
            throw ASLError.runtime("Invalid JSONPath '\(text)': \(error.message)")
        }
    }

    func root(of path: JSONPath, _ input: JSON) throws(ASLError) -> JSON {
        if let name = path.variable {
            guard let v = variables[name] else {
                throw ASLError.runtime("The variable '$\(name)' is not defined")
            }
            return v
        }
        return path.isContextPath ? context : input
    }
}
