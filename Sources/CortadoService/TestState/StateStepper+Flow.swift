import CortadoASL
import CortadoJSON
import CortadoPath

/// The states that do no work: Pass, Succeed, Fail, Choice, Wait.
extension StateStepper {
    mutating func runPass() throws(ASLError) -> StateOutcome {
        if isJSONata { return try finishJSONata(result: nil) }
        if let result = state["Result"] {
            // NOTE: with a fixed Result, AWS reports neither afterInputPath nor afterParameters.
            inspection.stage("result", result)
            return try finishJSONPath(result: result)
        }
        return try finishJSONPath(result: try inputPathAndParameters())
    }

    /// InputPath then Parameters (JSONPath states), each stage reported for inspection.
    mutating func inputPathAndParameters() throws(ASLError) -> JSON {
        let effective = try paths.filter(state["InputPath"], input)
        inspection.stage("afterInputPath", effective)
        var parameters = effective
        if let t = state["Parameters"] { parameters = try paths.template(t, effective) }
        inspection.stage("afterParameters", parameters)
        return parameters
    }

    mutating func runSucceed() throws(ASLError) -> StateOutcome {
        if isJSONata { return try finishJSONata(result: nil) }
        let effective = try paths.filter(state["InputPath"], input)
        inspection.stage("afterInputPath", effective)
        return .succeeded(output: try paths.filter(state["OutputPath"], effective), next: nil)
    }

    mutating func runFail() throws(ASLError) -> StateOutcome {
        if isJSONata {
            let error = try text(state["Error"], field: "Error")
            let cause = try text(state["Cause"], field: "Cause")
            return .failed(ASLError(error.map(ErrorName.init), cause))
        }
        inspection.stage("afterInputPath", input)
        let error = try failField(literal: "Error", path: "ErrorPath")
        let cause = try failField(literal: "Cause", path: "CausePath")
        return .failed(ASLError(error.map(ErrorName.init), cause))
    }

    /// A Fail field of a JSONata state: a string or an expression yielding one.
    private func text(_ value: JSON?, field: String) throws(ASLError) -> String? {
        guard let value else { return nil }
        guard case .string(let s) = try expressions.evaluate(value, field: field, input: input, expecting: "string") else {
            return nil
        }
        return s
    }

    /// `Error` / `ErrorPath` (a path or an intrinsic) of a JSONPath Fail state.
    private func failField(literal: String, path: String) throws(ASLError) -> String? {
        let field: FailField
        do { field = try FailField.parse(state, literal, path) } catch { throw ASLError.runtime(error.message) }
        let context = self.context, paths = self.paths, input = self.input
        return try field.text(field: path, input: input, root: { p throws(ASLError) in try paths.root(of: p, input) },
                              context: { context })
    }

    mutating func runChoice() throws(ASLError) -> StateOutcome {
        if isJSONata { return try runJSONataChoice() }
        let effective = try paths.filter(state["InputPath"], input)
        inspection.stage("afterInputPath", effective)
        let variables = self.variables, context = self.context
        let resolve: (JSONPath) -> JSON? = { p in
            if let name = p.variable { return variables[name].flatMap { p.evaluate($0) } }
            return p.evaluate(p.isContextPath ? context : effective)
        }
        var chosen: (next: String, assign: JSON?)? = nil
        for r in state["Choices"]?.arrayValue ?? [] {
            guard case .object(let rule) = r, let next = rule["Next"]?.stringValue else { continue }
            if try Self.choiceRule(rule, depth: 0).evaluate(resolve) {
                chosen = (next, rule["Assign"])
                break
            }
        }
        if chosen == nil, let d = state["Default"]?.stringValue { chosen = (d, state["Assign"]) }
        guard let chosen else {
            throw ASLError.runtime("No Choice Rules matched and no Default is specified.")
        }
        let values = try paths.assign(chosen.assign, effective)
        let output = try paths.filter(state["OutputPath"], effective)
        apply(values)
        return .succeeded(output: output, next: chosen.next)
    }

    private mutating func runJSONataChoice() throws(ASLError) -> StateOutcome {
        var chosen: (next: String, rule: JSONObject?)? = nil
        for r in state["Choices"]?.arrayValue ?? [] {
            guard case .object(let rule) = r, let next = rule["Next"]?.stringValue, let condition = rule["Condition"] else {
                continue
            }
            let v = try expressions.evaluate(condition, field: "Condition", input: input, expecting: "boolean")
            if case .bool(true) = v { chosen = (next, rule); break }
        }
        if chosen == nil, let d = state["Default"]?.stringValue { chosen = (d, nil) }
        guard let chosen else {
            throw ASLError.runtime("No Choice Rules matched and no Default is specified.")
        }
        // The matched rule's Assign, or the state's on Default (Assign.swift states the rule);
        // Output: the rule's, else the state's.
        let outputField = chosen.rule?["Output"] ?? state["Output"]
        let values = try expressions.assign(chosen.rule.map { $0["Assign"] } ?? state["Assign"], input: input)
        var output = input
        if let o = outputField { output = try expressions.evaluate(o, field: "Output", input: input) }
        apply(values)
        return .succeeded(output: output, next: chosen.next)
    }

    /// Compiles a JSONPath Choice rule into the engine's `ChoiceRule`.
    static func choiceRule(_ r: JSONObject, depth: Int) throws(ASLError) -> ChoiceRule {
        guard depth < 100 else { throw ASLError.runtime("Choice rule nested too deeply") }
        func list(_ key: String) throws(ASLError) -> [ChoiceRule]? {
            guard let a = r[key]?.arrayValue else { return nil }
            var out: [ChoiceRule] = []
            for x in a {
                guard case .object(let o) = x else { throw ASLError.runtime("A Choice rule must be an object") }
                out.append(try choiceRule(o, depth: depth + 1))
            }
            return out
        }
        if let rules = try list("And") { return .and(rules) }
        if let rules = try list("Or") { return .or(rules) }
        if case .object(let o)? = r["Not"] { return .not(try choiceRule(o, depth: depth + 1)) }
        guard let v = r["Variable"]?.stringValue else { throw ASLError.runtime("A Choice rule needs a Variable") }
        let variable = try parsePath(v)
        for (key, value) in r {
            if let op = ChoiceOperator(rawValue: key) {
                return .compare(variable: variable, op: op, operand: .literal(value))
            }
            if key.hasSuffix("Path"), let op = ChoiceOperator(rawValue: String(key.dropLast(4))), op.hasPathForm,
                let text = value.stringValue
            {
                return .compare(variable: variable, op: op, operand: .path(try parsePath(text)))
            }
        }
        throw ASLError.runtime("A Choice rule needs a comparison operator")
    }

    private static func parsePath(_ text: String) throws(ASLError) -> JSONPath {
        do { return try JSONPath.parse(text, allowingVariables: true) } catch {
            throw ASLError.runtime("Invalid JSONPath '\(text)': \(error.message)")
        }
    }

    /// TestState does not wait; the duration is still read, so a bad one fails as in AWS.
    mutating func runWait() throws(ASLError) -> StateOutcome {
        if isJSONata {
            for field in ["Seconds", "Timestamp"] {
                if let v = state[field] { _ = try expressions.evaluate(v, field: field, input: input) }
            }
            return try finishJSONata(result: nil)
        }
        let effective = try paths.filter(state["InputPath"], input)
        inspection.stage("afterInputPath", effective)
        if let p = state["SecondsPath"]?.stringValue {
            let v = try paths.read(p, effective)
            guard case .number(let n) = v, n.int.map({ $0 >= 0 }) == true else {
                throw ASLError.runtime("The SecondsPath parameter does not reference a valid non-negative integer: \(p) == \(v.serialized)")
            }
        }
        if let p = state["TimestampPath"]?.stringValue {
            let v = try paths.read(p, effective)
            guard let s = v.stringValue, Timestamp.parse(s) != nil else {
                throw ASLError.runtime(
                    "The TimestampPath parameter does not reference a valid ISO-8601 extended offset date-time format string: \(p) == \(v.serialized)")
            }
        }
        let values = try paths.assign(state["Assign"], effective)
        let output = try paths.filter(state["OutputPath"], effective)
        apply(values)
        return .succeeded(output: output, next: next)
    }
}
