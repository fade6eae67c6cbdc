import CortadoASL
import CortadoJSON
import CortadoJSONata
import CortadoPath

/// Workflow variables (`Assign`) and the JSONata view of a state, AWS's rules written once:
/// - every value of an Assign is computed with the variables as they were when the state
///   was entered, and Output/OutputPath see those old values too; the new values are
///   visible from the next state on;
/// - JSONPath `Assign` reads the state's result (after ResultSelector) in Pass, Task, Map and
///   Parallel, the effective input in Choice and Wait, and the error output in a Catcher;
///   JSONata `Assign` reads `$states.input`, `$states.result` and `$states.errorOutput`;
/// - a Choice state takes its matched rule's Assign, or its own when it leaves by Default;
///   a Catcher's Assign replaces the state's (the ASL specification's words; the Choice page
///   of the developer guide says the state's "applies regardless", which no recording shows);
/// - Parallel branches and Map iterations start with a copy of the variables of the state
///   that runs them: they read outer values, and what they assign stays inside them.
extension Execution {
    /// The JSONata view of frame `f`'s current state.
    func scope(_ f: Frame, input: JSON, inputValue: JSONataValue? = nil, result: JSON? = nil, errorOutput: JSON? = nil,
               mapItem: (index: Int, value: JSON)? = nil) -> JSONataScope {
        let reads = program.inputReads[f.pc]
        return JSONataScope(input: input, inputValue: inputValue, inputCovers: reads, reads: reads, result: result,
                            errorOutput: errorOutput, variables: f.variables,
                            context: { [unowned self] in self.context(f, mapItem: mapItem) })
    }

    /// The values an Assign gives, computed with the variables as they are.
    /// - Parameters:
    ///   - jsonPathInput: what a JSONPath Assign's `$` reads.
    ///   - scope: what a JSONata Assign reads (built only for one).
    func assignments(_ field: FieldTemplate?, _ f: Frame, jsonPathInput: JSON,
                     scope: @autoclosure () -> JSONataScope) throws(ASLError) -> JSONObject? {
        guard let field else { return nil }
        let value: JSON
        switch field {
        case .jsonPath(let t):
            value = try t.evaluate(input: jsonPathInput, variables: f.variables, context: { self.context(f) })
        case .jsonata(let t):
            value = try t.evaluate(scope())
        }
        guard case .object(let o) = value else {
            throw ASLError(.queryEvaluationError, "The value of the field 'Assign' must be an object, but was: \(value.serialized)")
        }
        return o
    }

    /// Makes assigned values visible (to the next state of `f`).
    func apply(_ values: JSONObject?, to f: Frame) {
        guard let values else { return }
        for (k, v) in values { f.variables[k] = v }
    }

    /// A JSONata state's end: Assign and Output (default: `result`, or the input for states
    /// without one), both with the old variables, then the exited event and the transition.
    func finishJSONata(_ f: Frame, _ h: StateHeader, result: JSON?, output: JSONataTemplate?,
                       assign: FieldTemplate?, next: Int? = nil) throws(ASLError) -> Control {
        let s = scope(f, input: f.input, result: result)
        let values = try assignments(assign, f, jsonPathInput: .null, scope: s)
        let out = try output?.evaluate(s) ?? result ?? f.input
        return try exit(f, h, output: out, next: next, assigned: values)
    }
}

extension Execution {
    /// A JSONPath Choice leaves to `next` with `assign` (the matched rule's, or the state's on
    /// Default), which reads the effective input; then OutputPath.
    func leaveChoice(_ f: Frame, _ h: StateHeader, _ eff: JSON, _ assign: FieldTemplate?, next: Int) throws(ASLError) -> Control {
        let values = try assignments(assign, f, jsonPathInput: eff, scope: scope(f, input: f.input))
        return try exit(f, h, output: eff, next: next, assigned: values)
    }

    /// A JSONata Choice: the first rule whose Condition is true, else Default; Output and
    /// Assign of the matched rule (Output: the rule's, else the state's, else the input).
    func choiceJSONata(_ f: Frame, _ h: StateHeader, _ c: ChoiceState) throws(ASLError) -> Control {
        let s = scope(f, input: f.input)
        for branch in c.choices {
            guard let condition = branch.condition,
                case .bool(true) = try condition.evaluate(s, expecting: "boolean")
            else { continue }
            let values = try assignments(branch.assign, f, jsonPathInput: .null, scope: s)
            let out = try (branch.output ?? h.output)?.evaluate(s) ?? f.input
            return try exit(f, h, output: out, next: Int(branch.next), assigned: values)
        }
        if let d = c.defaultNext {
            return try finishJSONata(f, h, result: nil, output: h.output, assign: h.assign, next: Int(d))
        }
        throw ASLError(.runtime, "No Choice Rules matched and no Default is specified.")
    }
}
