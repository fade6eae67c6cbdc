import CortadoJSON

/// A Choice rule as a short edge label: `$.total > 100`, `$.tier == "gold"`,
/// `$.x is present`, `not ($.a == 1)`, `(…) and (…)`, or a JSONata Condition's expression.
enum ChoiceLabel {
    /// Labels longer than this are cut with an ellipsis.
    static let maxLength = 64

    static func text(_ rule: JSONObject) -> String {
        let t = describe(rule)
        return t.count > maxLength ? String(t.prefix(maxLength - 1)) + "…" : t
    }

    static func describe(_ rule: JSONObject) -> String {
        if let c = rule["Condition"]?.stringValue {
            var e = Substring(c)
            if e.hasPrefix("{%") { e = e.dropFirst(2) }
            if e.hasSuffix("%}") { e = e.dropLast(2) }
            return e.trimmingSpaces
        }
        if case .object(let inner)? = rule["Not"] { return "not (\(describe(inner)))" }
        for (key, word) in [("And", " and "), ("Or", " or ")] {
            if let parts = rule[key]?.arrayValue {
                return parts.compactMap { p -> String? in
                    guard case .object(let o) = p else { return nil }
                    return "(\(describe(o)))"
                }.joined(separator: word)
            }
        }
        let variable = rule["Variable"]?.stringValue ?? "?"
        for (key, value) in rule.members where key != "Variable" && key != "Next" && key != "Assign" && key != "Comment" {
            return "\(variable) \(symbol(key)) \(operand(key, value))"
        }
        return variable
    }

    static func symbol(_ op: String) -> String {
        let base = op.hasSuffix("Path") && op != "IsPresent" ? String(op.dropLast(4)) : op
        switch base {
        case "StringEquals", "NumericEquals", "BooleanEquals", "TimestampEquals": return "=="
        case "StringLessThan", "NumericLessThan", "TimestampLessThan": return "<"
        case "StringGreaterThan", "NumericGreaterThan", "TimestampGreaterThan": return ">"
        case "StringLessThanEquals", "NumericLessThanEquals", "TimestampLessThanEquals": return "<="
        case "StringGreaterThanEquals", "NumericGreaterThanEquals", "TimestampGreaterThanEquals": return ">="
        case "StringMatches": return "matches"
        case "IsNull": return "is null:"
        case "IsPresent": return "is present:"
        case "IsNumeric": return "is numeric:"
        case "IsString": return "is string:"
        case "IsBoolean": return "is boolean:"
        case "IsTimestamp": return "is timestamp:"
        default: return base
        }
    }

    static func operand(_ op: String, _ value: JSON) -> String {
        if op.hasSuffix("Path"), let p = value.stringValue { return p }
        return value.serialized
    }
}

extension Substring {
    var trimmingSpaces: String {
        var s = self
        while s.first == " " || s.first == "\n" { s = s.dropFirst() }
        while s.last == " " || s.last == "\n" { s = s.dropLast() }
        return String(s)
    }
}
