import CortadoASL
import CortadoJSON
import CortadoPath

/// Fields of a JSONata-mode state (`Arguments`, `Output`, `Assign`, `Items`, ...) for TestState:
/// compiled and evaluated by the engine's `JSONataTemplate`, so causes are worded once.
// NOTE: TestState still reads the raw definition per request; running it on the compiled
// program is issue 16's work.
struct JSONataFields {
    /// `$states.context` (the context object).
    var context: JSON
    var variables: JSONObject

    /// Evaluates a field value with `$states` = {input, context, result?, errorOutput?}.
    /// `type` (a JSON type name) is the type the field must have.
    /// - Throws: `States.QueryEvaluationError` with AWS's causes.
    func evaluate(_ value: JSON, field: String, input: JSON, result: JSON? = nil, errorOutput: JSON? = nil,
                  expecting type: String? = nil) throws(ASLError) -> JSON {
        let template: JSONataTemplate
        do { template = try JSONataTemplate.compile(value, field: field) } catch {
            throw ASLError(.queryEvaluationError, error.message)
        }
        var vars: [String: JSON] = [:]
        for (k, v) in variables { vars[k] = v }
        let context = self.context
        let scope = JSONataScope(input: input, result: result, errorOutput: errorOutput, variables: vars, context: { context })
        if let type { return try template.evaluate(scope, expecting: type) }
        return try template.evaluate(scope)
    }

    /// Assign: the new variables (all evaluated with the variables as they were).
    func assign(_ field: JSON?, input: JSON, result: JSON? = nil, errorOutput: JSON? = nil) throws(ASLError) -> JSONObject? {
        guard let field else { return nil }
        guard case .object(let o) = try evaluate(field, field: "Assign", input: input, result: result,
                                                 errorOutput: errorOutput, expecting: "object") else { return nil }
        return o
    }
}
