import CortadoJSON
import CortadoPath

/// A Choice rule compiled to a tree over pre-parsed paths.
public indirect enum ChoiceRule: Sendable {
    case and([ChoiceRule])
    case or([ChoiceRule])
    case not(ChoiceRule)
    case compare(variable: JSONPath, op: ChoiceOperator, operand: ChoiceOperand)
}

public enum ChoiceOperand: Sendable {
    case literal(JSON)
    case path(JSONPath)

    /// The literal operand, nil for a path.
    public var literal: JSON? {
        if case .literal(let j) = self { return j }
        return nil
    }
}

/// Comparison operators; the *Path forms share the operator and use a `.path` operand.
public enum ChoiceOperator: String, Sendable, CaseIterable {
    case stringEquals = "StringEquals", stringLessThan = "StringLessThan", stringGreaterThan = "StringGreaterThan"
    case stringLessThanEquals = "StringLessThanEquals", stringGreaterThanEquals = "StringGreaterThanEquals"
    case stringMatches = "StringMatches"
    case numericEquals = "NumericEquals", numericLessThan = "NumericLessThan", numericGreaterThan = "NumericGreaterThan"
    case numericLessThanEquals = "NumericLessThanEquals", numericGreaterThanEquals = "NumericGreaterThanEquals"
    case booleanEquals = "BooleanEquals"
    case timestampEquals = "TimestampEquals", timestampLessThan = "TimestampLessThan"
    case timestampGreaterThan = "TimestampGreaterThan", timestampLessThanEquals = "TimestampLessThanEquals"
    case timestampGreaterThanEquals = "TimestampGreaterThanEquals"
    case isNull = "IsNull", isPresent = "IsPresent", isNumeric = "IsNumeric", isString = "IsString"
    case isBoolean = "IsBoolean", isTimestamp = "IsTimestamp"

    /// Whether `<Name>Path` is also an operator (all comparisons; not the Is* tests or StringMatches).
    public var hasPathForm: Bool {
        switch self {
        case .stringMatches, .isNull, .isPresent, .isNumeric, .isString, .isBoolean, .isTimestamp: return false
        default: return true
        }
    }
}

extension ChoiceRule {
    /// Evaluates the rule. `resolve` reads a path against the input or, for `$$`, the context
    /// (nil: the path selects nothing). `And`/`Or` stop at the first rule that decides them.
    /// - Returns: whether the rule matches.
    /// - Throws: `States.Runtime` when a Variable or a `*Path` operand selects nothing
    ///   (`ChoiceRule.invalidPath`); only `IsPresent` tests a path that may be missing.
    public func evaluate(_ resolve: (JSONPath) -> JSON?) throws(ASLError) -> Bool {
        switch self {
        case .and(let rules):
            for r in rules where !(try r.evaluate(resolve)) { return false }
            return true
        case .or(let rules):
            for r in rules where try r.evaluate(resolve) { return true }
            return false
        case .not(let r): return !(try r.evaluate(resolve))
        case .compare(let variable, let op, let operand):
            let value = resolve(variable)
            if op == .isPresent { return ChoiceRule.compare(value, op, operand.literal) }
            guard let value else { throw ChoiceRule.invalidPath(variable) }
            switch operand {
            case .literal(let j): return ChoiceRule.compare(value, op, j)
            case .path(let p):
                guard let rhs = resolve(p) else { throw ChoiceRule.invalidPath(p) }
                return ChoiceRule.compare(value, op, rhs)
            }
        }
    }

    /// AWS's error for a Choice rule whose Variable or `*Path` operand selects nothing.
    public static func invalidPath(_ path: JSONPath) -> ASLError {
        .runtime("Invalid path '\(path.source)': The choice state's condition path references an invalid value.")
    }

    /// One comparison; `value` is nil when the Variable selected nothing (only `IsPresent`
    /// is asked that: `evaluate` raises for the others first).
    public static func compare(_ value: JSON?, _ op: ChoiceOperator, _ rhs: JSON?) -> Bool {
        switch op {
        case .isPresent: return (value != nil) == (rhs?.boolValue ?? true)
        case .isNull, .isNumeric, .isString, .isBoolean, .isTimestamp:
            guard let value else { return false }
            let holds: Bool
            switch op {
            case .isNull: holds = value.isNull
            case .isNumeric: holds = value.numberValue != nil
            case .isString: holds = value.stringValue != nil
            case .isBoolean: holds = value.boolValue != nil
            default: holds = value.stringValue.flatMap(Timestamp.parse) != nil
            }
            return holds == (rhs?.boolValue ?? true)
        default: break
        }
        guard let value, let rhs else { return false }
        switch op {
        case .stringEquals, .stringLessThan, .stringGreaterThan, .stringLessThanEquals, .stringGreaterThanEquals:
            guard case .string(let a) = value, case .string(let b) = rhs else { return false }
            let c = javaCompare(a, b)
            switch op {
            case .stringEquals: return c == 0
            case .stringLessThan: return c < 0
            case .stringGreaterThan: return c > 0
            case .stringLessThanEquals: return c <= 0
            default: return c >= 0
            }
        case .stringMatches:
            guard case .string(let a) = value, case .string(let pattern) = rhs else { return false }
            return wildcardMatch(Array(a.unicodeScalars), pattern: Array(pattern.unicodeScalars))
        case .numericEquals, .numericLessThan, .numericGreaterThan, .numericLessThanEquals, .numericGreaterThanEquals:
            guard case .number(let a) = value, case .number(let b) = rhs else { return false }
            return numericCompare(a.double, op, b.double)
        case .booleanEquals:
            guard case .bool(let a) = value, case .bool(let b) = rhs else { return false }
            return a == b
        case .timestampEquals, .timestampLessThan, .timestampGreaterThan, .timestampLessThanEquals,
            .timestampGreaterThanEquals:
            guard let a = value.stringValue.flatMap(Timestamp.parse), let b = rhs.stringValue.flatMap(Timestamp.parse)
            else { return false }
            switch op {
            case .timestampEquals: return a == b
            case .timestampLessThan: return a < b
            case .timestampGreaterThan: return a > b
            case .timestampLessThanEquals: return a <= b
            default: return a >= b
            }
        default: return false
        }
    }

    /// `x op y` for the Numeric* operators (others: `>=`).
    @inline(__always)
    public static func numericCompare(_ x: Double, _ op: ChoiceOperator, _ y: Double) -> Bool {
        switch op {
        case .numericEquals: return x == y
        case .numericLessThan: return x < y
        case .numericGreaterThan: return x > y
        case .numericLessThanEquals: return x <= y
        default: return x >= y
        }
    }

    /// Java's `String.compareTo`: UTF-16 code unit order, as AWS compares strings.
    static func javaCompare(_ a: String, _ b: String) -> Int {
        var i = a.utf16.makeIterator(), j = b.utf16.makeIterator()
        while true {
            switch (i.next(), j.next()) {
            case (nil, nil): return 0
            case (nil, _): return -1
            case (_, nil): return 1
            case (let x?, let y?): if x != y { return x < y ? -1 : 1 }
            }
        }
    }

    /// `*` matches any run of characters; `\*` and `\\` are literal.
    static func wildcardMatch(_ s: [Unicode.Scalar], pattern p: [Unicode.Scalar]) -> Bool {
        // Tokenize: (isStar, scalar)
        var tokens: [(star: Bool, c: Unicode.Scalar)] = []
        var k = 0
        while k < p.count {
            if p[k] == "\\", k + 1 < p.count { tokens.append((false, p[k + 1])); k += 2; continue }
            tokens.append((p[k] == "*", p[k])); k += 1
        }
        // Greedy with backtracking over the last star (linear-ish).
        var si = 0, ti = 0, starTi = -1, starSi = 0
        while si < s.count {
            if ti < tokens.count, !tokens[ti].star, tokens[ti].c == s[si] { si += 1; ti += 1 }
            else if ti < tokens.count, tokens[ti].star { starTi = ti; starSi = si; ti += 1 }
            else if starTi >= 0 { ti = starTi + 1; starSi += 1; si = starSi }
            else { return false }
        }
        while ti < tokens.count, tokens[ti].star { ti += 1 }
        return ti == tokens.count
    }
}
