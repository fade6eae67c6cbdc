import CortadoJSON
import CortadoJSONata
import CortadoPath

/// Fields of a JSONata-mode state (`Arguments`, `Output`, `Assign`, `Items`, ...): any string
/// written `{% expression %}` inside them is evaluated; everything else is literal.
struct JSONataFields {
    /// `$states` members other than `input`/`result`/`errorOutput` (the context object).
    var context: JSON
    var variables: JSONObject

    /// True when `s` is a whole `{% ... %}` expression.
    static func isExpression(_ s: String) -> Bool {
        s.hasPrefix("{%") && s.hasSuffix("%}") && s.unicodeScalars.count >= 4
    }

    /// Evaluates a field value with `$states` = {input, context, result?, errorOutput?}.
    /// - Throws: `States.QueryEvaluationError` when an expression fails or yields nothing.
    func evaluate(_ value: JSON, field: String, input: JSON, result: JSON? = nil, errorOutput: JSON? = nil) throws(ASLError) -> JSON {
        var states: JSONObject = ["input": input, "context": context]
        if let result { states["result"] = result }
        if let errorOutput { states["errorOutput"] = errorOutput }
        var bindings: [String: JSON] = [:]
        for (k, v) in variables { bindings[k] = v }
        bindings["states"] = .object(states)
        return try walk(value, field: field, bindings, depth: 0)
    }

    /// Assign: the new variables (all evaluated with the variables as they were).
    func assign(_ field: JSON?, input: JSON, result: JSON? = nil, errorOutput: JSON? = nil) throws(ASLError) -> JSONObject? {
        guard let field else { return nil }
        guard case .object(let o) = try evaluate(field, field: "Assign", input: input, result: result, errorOutput: errorOutput) else {
            throw ASLError(.queryEvaluationError, "The field 'Assign' must be an object")
        }
        return o
    }

    private func walk(_ value: JSON, field: String, _ bindings: [String: JSON], depth: Int) throws(ASLError) -> JSON {
        guard depth < 200 else { throw ASLError(.queryEvaluationError, "The field '\(field)' is too deeply nested") }
        switch value {
        case .string(let s) where Self.isExpression(s):
            let body = String(s.dropFirst(2).dropLast(2))
            let result: JSON?
            // NOTE: CortadoJSONata (JSONata 2.0.6 with the AWS functions) replaced TestState's own
            // subset evaluator; the states of executions wait for the one engine (issue 16).
            do { result = try JSONataExpression(body, options: .stepFunctions).evaluate(nil, bindings: bindings) } catch {
                throw ASLError(.queryEvaluationError,
                    "An error occurred while evaluating the JSONata expression '\(body)' specified for the field '\(field)': \(error)")
            }
            guard let result else {
                throw ASLError(.queryEvaluationError,
                    "The JSONata expression '\(body)' specified for the field '\(field)' returned nothing (undefined).")
            }
            return result
        case .object(let o):
            var out = JSONObject()
            for (k, v) in o { out[k] = try walk(v, field: field + "/" + k, bindings, depth: depth + 1) }
            return .object(out)
        case .array(let items):
            var out: [JSON] = []
            for (i, x) in items.enumerated() { out.append(try walk(x, field: field + "/\(i)", bindings, depth: depth + 1)) }
            return .array(out)
        default:
            return value
        }
    }
}
