import CortadoJSON

// MARK: - Choice rules

extension DefinitionCheck {
    enum Operand { case string, number, boolean, timestamp, path }

    /// Comparison operators and the operand each takes.
    static let comparisons: [String: Operand] = {
        var table: [String: Operand] = [:]
        for op in ["StringEquals", "StringLessThan", "StringGreaterThan", "StringLessThanEquals",
                   "StringGreaterThanEquals", "StringMatches"] { table[op] = .string }
        for op in ["NumericEquals", "NumericLessThan", "NumericGreaterThan", "NumericLessThanEquals",
                   "NumericGreaterThanEquals"] { table[op] = .number }
        for op in ["TimestampEquals", "TimestampLessThan", "TimestampGreaterThan", "TimestampLessThanEquals",
                   "TimestampGreaterThanEquals"] { table[op] = .timestamp }
        table["BooleanEquals"] = .boolean
        for (op, _) in table where op != "StringMatches" { table[op + "Path"] = .path }
        for op in ["IsNull", "IsPresent", "IsNumeric", "IsString", "IsBoolean", "IsTimestamp"] { table[op] = .boolean }
        return table
    }()

    static let combinators: Set<String> = ["And", "Or", "Not"]

    mutating func checkChoices(_ value: JSON, state: String, at pointer: String, language: QueryLanguage,
                               graph: inout TransitionGraph) {
        guard let rules = expectArray(value, at: pointer, nonEmpty: true) else { return }
        for (i, rule) in rules.enumerated() {
            let at = pointer + "/" + String(i)
            guard let object = expectObject(rule, at: at) else { continue }
            if let next = object["Next"], case .string(let target) = next {
                graph.add(from: state, to: target, field: "Next", at: at + "/Next")
            }
            if language == .jsonata {
                checkJSONataRule(object, at: at)
            } else {
                checkRule(object, at: at, topLevel: true, depth: 0)
            }
        }
    }

    private mutating func checkJSONataRule(_ rule: JSONObject, at pointer: String) {
        var missing: [String] = []
        if rule["Condition"] == nil { missing.append("Condition") }
        if rule["Next"] == nil { missing.append("Next") }
        if !missing.isEmpty { report(.required(missing, at: pointer)) }
        for (key, value) in rule {
            let at = pointer + "/" + pointerToken(key)
            switch key {
            case "Condition":
                switch value {
                case .bool: break
                case .string(let s):
                    if !checkJSONataString(s, at: at) { report(.invalidJSONata("Condition must be a '{% %}' expression", at: at)) }
                default: report(.expectedType("Boolean", at: at))
                }
            case "Next", "Comment": expectString(value, at: at)
            case "Assign":
                if expectObject(value, at: at) != nil { checkJSONataValue(value, at: at) }
            case "Output": checkJSONataValue(value, at: at)
            default:
                if key == "Variable" || key == "And" || key == "Or" || key == "Not" || Self.comparisons[key] != nil {
                    report(.unsupportedField(key, queryLanguage: QueryLanguage.jsonata.rawValue, at: pointer))
                } else {
                    report(.unsupportedField(key, at: pointer))
                }
            }
        }
    }

    /// A JSONPath-mode rule: exactly one comparison (with `Variable`) or one of And/Or/Not.
    /// Only top-level rules carry `Next` (and `Assign`).
    private mutating func checkRule(_ rule: JSONObject, at pointer: String, topLevel: Bool, depth: Int) {
        guard depth < Self.maxNesting else {
            report(Diagnostic(.tooDeeplyNested, "The Choice rule is too deeply nested", at: pointer))
            return
        }
        var operators: [String] = []
        for (key, value) in rule {
            let at = pointer + "/" + pointerToken(key)
            if let operand = Self.comparisons[key] {
                operators.append(key)
                checkOperand(value, operand, at: at)
                continue
            }
            switch key {
            case "Variable":
                checkPathField(value, kind: .referencePath, at: at)
            case "Comment":
                expectString(value, at: at)
            case "Next" where topLevel:
                expectString(value, at: at)
            case "Assign" where topLevel:
                if expectObject(value, at: at) != nil { checkPayloadTemplate(value, at: at) }
            case "And", "Or":
                operators.append(key)
                guard let rules = expectArray(value, at: at, nonEmpty: true) else { continue }
                for (i, nested) in rules.enumerated() {
                    let nestedAt = at + "/" + String(i)
                    if let object = expectObject(nested, at: nestedAt) {
                        checkRule(object, at: nestedAt, topLevel: false, depth: depth + 1)
                    }
                }
            case "Not":
                operators.append(key)
                if let object = expectObject(value, at: at) {
                    checkRule(object, at: at, topLevel: false, depth: depth + 1)
                }
            case "Condition", "Output":
                report(.unsupportedField(key, queryLanguage: QueryLanguage.jsonPath.rawValue, at: pointer))
            default:
                report(.unsupportedField(key, at: pointer))
            }
        }
        if topLevel, rule["Next"] == nil { report(.required(["Next"], at: pointer)) }
        if operators.isEmpty {
            report(.schema("A Choice Rule must have one comparison operator or one of [And, Or, Not]", at: pointer))
        } else if operators.count > 1 {
            report(.mutuallyExclusive(operators, at: pointer))
        } else if Self.comparisons[operators[0]] != nil {
            if rule["Variable"] == nil { report(.required(["Variable"], at: pointer)) }
        } else if rule["Variable"] != nil {
            report(.unsupportedField("Variable", at: pointer))
        }
    }

    private mutating func checkOperand(_ value: JSON, _ operand: Operand, at pointer: String) {
        switch operand {
        case .string: expectString(value, at: pointer)
        case .number: expectNumber(value, at: pointer)
        case .boolean: expectBool(value, at: pointer)
        case .timestamp:
            if let s = expectString(value, at: pointer), Timestamp.parse(s) == nil { report(.invalidTimestamp(at: pointer)) }
        case .path: checkPathField(value, kind: .referencePath, at: pointer)
        }
    }

    // MARK: - Retry and Catch

    static let retrierFields: Set<String> = [
        "ErrorEquals", "IntervalSeconds", "MaxAttempts", "BackoffRate", "MaxDelaySeconds", "JitterStrategy", "Comment",
    ]

    mutating func checkRetriers(_ value: JSON, at pointer: String) {
        guard let retriers = expectArray(value, at: pointer) else { return }
        for (i, retrier) in retriers.enumerated() {
            let at = pointer + "/" + String(i)
            guard let object = expectObject(retrier, at: at) else { continue }
            if object["ErrorEquals"] == nil { report(.required(["ErrorEquals"], at: at)) }
            for (key, member) in object {
                let fieldAt = at + "/" + pointerToken(key)
                switch key {
                case "ErrorEquals":
                    checkErrorEquals(member, isLast: i == retriers.count - 1, at: fieldAt)
                case "IntervalSeconds": expectInteger(member, min: 1, max: 99_999_999, at: fieldAt)
                case "MaxAttempts": expectInteger(member, min: 0, max: 99_999_999, at: fieldAt)
                case "BackoffRate": expectNumber(member, min: 1.0, at: fieldAt)
                case "MaxDelaySeconds": expectInteger(member, min: 1, max: 31_622_401, at: fieldAt)
                case "JitterStrategy": expectOneOf(member, ["FULL", "NONE"], at: fieldAt)
                case "Comment": expectString(member, at: fieldAt)
                default: report(.unsupportedField(key, at: at))
                }
            }
        }
    }

    mutating func checkCatchers(_ value: JSON, state: String, at pointer: String, language: QueryLanguage,
                                graph: inout TransitionGraph) {
        guard let catchers = expectArray(value, at: pointer) else { return }
        for (i, catcher) in catchers.enumerated() {
            let at = pointer + "/" + String(i)
            guard let object = expectObject(catcher, at: at) else { continue }
            let missing = ["ErrorEquals", "Next"].filter { object[$0] == nil }
            if !missing.isEmpty { report(.required(missing, at: at)) }
            for (key, member) in object {
                let fieldAt = at + "/" + pointerToken(key)
                switch key {
                case "ErrorEquals":
                    checkErrorEquals(member, isLast: i == catchers.count - 1, at: fieldAt)
                case "Next":
                    if let next = expectString(member, at: fieldAt) {
                        graph.add(from: state, to: next, field: "Next", at: fieldAt)
                    }
                case "Comment":
                    expectString(member, at: fieldAt)
                case "ResultPath" where language == .jsonPath:
                    checkPathField(member, kind: .resultPath, nullable: true, at: fieldAt)
                case "Output" where language == .jsonata:
                    checkJSONataValue(member, at: fieldAt)
                case "Assign":
                    guard expectObject(member, at: fieldAt) != nil else { continue }
                    if language == .jsonPath { checkPayloadTemplate(member, at: fieldAt) } else { checkJSONataValue(member, at: fieldAt) }
                case "ResultPath", "Output":
                    report(.unsupportedField(key, queryLanguage: language.rawValue, at: at))
                default:
                    report(.unsupportedField(key, at: at))
                }
            }
        }
    }

    /// Non-empty error names; `States.ALL` alone and only in the last retrier or catcher.
    private mutating func checkErrorEquals(_ value: JSON, isLast: Bool, at pointer: String) {
        guard let names = expectArray(value, at: pointer, nonEmpty: true) else { return }
        var hasAll = false
        for (i, name) in names.enumerated() {
            if let s = expectString(name, at: pointer + "/" + String(i)), s == "States.ALL" { hasAll = true }
        }
        if hasAll && (names.count > 1 || !isLast) { report(.statesAllNotLast(at: pointer)) }
    }
}
