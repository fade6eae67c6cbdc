#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
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
        try withoutActuallyEscaping(resolve) { (resolve) throws(ASLError) -> Bool in
            try JSONChoiceWalk(resolve: resolve).matches(self)
        }
    }

    /// AWS's error for a Choice rule whose Variable or `*Path` operand selects nothing.
    public static func invalidPath(_ path: JSONPath) -> ASLError {
        .runtime("Invalid path '\(path.source)': The choice state's condition path references an invalid value.")
    }

    /// One comparison, for every value model (JSON values here, tape nodes in the lane):
    /// `value` is nil when the Variable selected nothing (only `IsPresent` is asked that:
    /// `evaluate` raises for the others first); `rhs` is the operand (a literal, or what its
    /// path selected). A comparison of values of other types than its operator's is false.
    @inlinable
    public static func compare<V: ChoiceSubject, W: ChoiceSubject>(_ value: V?, _ op: ChoiceOperator, _ rhs: W?) -> Bool {
        guard let value else { return op == .isPresent && !flag(rhs) }
        switch op {
        case .isPresent: return flag(rhs)
        case .isNull: return (value.choiceKind == .null) == flag(rhs)
        case .isNumeric: return (value.choiceKind == .number) == flag(rhs)
        case .isString: return (value.choiceKind == .string) == flag(rhs)
        case .isBoolean: return (value.choiceKind == .bool) == flag(rhs)
        case .isTimestamp:
            return (value.choiceKind == .string && Timestamp.parse(value.choiceString) != nil) == flag(rhs)
        case .stringEquals:
            guard let rhs, value.choiceKind == .string, rhs.choiceKind == .string else { return false }
            // Equal UTF-16 code units are equal UTF-8 bytes (Swift's `==` would also equate
            // canonically equivalent strings, which Java's compareTo does not).
            return value.withChoiceUTF8 { a in rhs.withChoiceUTF8 { b in
                a.count == b.count && (a.isEmpty || memcmp(a.baseAddress!, b.baseAddress!, a.count) == 0)
            } }
        case .stringLessThan: return strings(value, rhs).map { $0 < 0 } ?? false
        case .stringGreaterThan: return strings(value, rhs).map { $0 > 0 } ?? false
        case .stringLessThanEquals: return strings(value, rhs).map { $0 <= 0 } ?? false
        case .stringGreaterThanEquals: return strings(value, rhs).map { $0 >= 0 } ?? false
        case .stringMatches:
            guard let rhs, value.choiceKind == .string, rhs.choiceKind == .string else { return false }
            return wildcardMatch(Array(value.choiceString.unicodeScalars), pattern: Array(rhs.choiceString.unicodeScalars))
        case .numericEquals: return numbers(value, rhs).map { $0 == $1 } ?? false
        case .numericLessThan: return numbers(value, rhs).map { $0 < $1 } ?? false
        case .numericGreaterThan: return numbers(value, rhs).map { $0 > $1 } ?? false
        case .numericLessThanEquals: return numbers(value, rhs).map { $0 <= $1 } ?? false
        case .numericGreaterThanEquals: return numbers(value, rhs).map { $0 >= $1 } ?? false
        case .booleanEquals:
            guard let rhs, value.choiceKind == .bool, rhs.choiceKind == .bool else { return false }
            return value.choiceBool == rhs.choiceBool
        case .timestampEquals: return timestamps(value, rhs).map { $0 == $1 } ?? false
        case .timestampLessThan: return timestamps(value, rhs).map { $0 < $1 } ?? false
        case .timestampGreaterThan: return timestamps(value, rhs).map { $0 > $1 } ?? false
        case .timestampLessThanEquals: return timestamps(value, rhs).map { $0 <= $1 } ?? false
        case .timestampGreaterThanEquals: return timestamps(value, rhs).map { $0 >= $1 } ?? false
        }
    }

    /// The boolean operand of an `Is*` test (anything else counts as true).
    @inlinable
    static func flag<W: ChoiceSubject>(_ rhs: W?) -> Bool {
        guard let rhs, rhs.choiceKind == .bool else { return true }
        return rhs.choiceBool
    }

    /// Two numbers' values; nil unless both are numbers.
    @inlinable
    static func numbers<V: ChoiceSubject, W: ChoiceSubject>(_ v: V, _ w: W?) -> (Double, Double)? {
        guard let w, v.choiceKind == .number, w.choiceKind == .number else { return nil }
        return (v.choiceDouble, w.choiceDouble)
    }

    /// Two strings' order as Java's compareTo gives it; nil unless both are strings.
    @inlinable
    static func strings<V: ChoiceSubject, W: ChoiceSubject>(_ v: V, _ w: W?) -> Int? {
        guard let w, v.choiceKind == .string, w.choiceKind == .string else { return nil }
        return javaCompare(v.choiceString, w.choiceString)
    }

    /// Two strings read as timestamps; nil unless both are strings that parse as one.
    @inlinable
    static func timestamps<V: ChoiceSubject, W: ChoiceSubject>(_ v: V, _ w: W?) -> (Timestamp, Timestamp)? {
        guard let w, v.choiceKind == .string, w.choiceKind == .string,
              let a = Timestamp.parse(v.choiceString), let b = Timestamp.parse(w.choiceString) else { return nil }
        return (a, b)
    }

    /// Java's `String.compareTo`: UTF-16 code unit order, as AWS compares strings.
    @usableFromInline
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
    @usableFromInline
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

/// What a Choice comparison reads of a value, so that one `ChoiceRule.compare` serves every
/// value model: the interpreter's JSON values and the tape lane's nodes, read in place.
public protocol ChoiceSubject {
    var choiceKind: ChoiceKind { get }
    /// A boolean's value (`choiceKind == .bool`).
    var choiceBool: Bool { get }
    /// A number's value (`choiceKind == .number`), as `JSONNumber.double` reads its literal.
    var choiceDouble: Double { get }
    /// A string's UTF-8 bytes (`choiceKind == .string`).
    func withChoiceUTF8<R>(_ body: (UnsafeBufferPointer<UInt8>) -> R) -> R
}

public enum ChoiceKind: Sendable {
    case null, bool, number, string, container
}

extension ChoiceSubject {
    /// A string's value (`choiceKind == .string`).
    @inlinable
    var choiceString: String { withChoiceUTF8 { String(decoding: $0, as: UTF8.self) } }
}

extension JSON: ChoiceSubject {
    public var choiceKind: ChoiceKind {
        switch self {
        case .null: return .null
        case .bool: return .bool
        case .number: return .number
        case .string: return .string
        case .array, .object: return .container
        }
    }

    public var choiceBool: Bool { boolValue ?? false }

    public var choiceDouble: Double {
        guard case .number(let n) = self else { return .nan }
        return n.double
    }

    public func withChoiceUTF8<R>(_ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        guard case .string(var s) = self else { return body(UnsafeBufferPointer(start: nil, count: 0)) }
        return s.withUTF8(body)
    }
}

/// `ChoiceRule` over JSON values: `resolve` reads a path (nil: it selects nothing).
struct JSONChoiceWalk: ChoiceRuleWalk {
    typealias Rule = ChoiceRule
    typealias Rules = [ChoiceRule]
    typealias Subject = JSON
    typealias Literal = JSON
    typealias Failure = ASLError
    let resolve: (JSONPath) -> JSON?

    func open(_ r: ChoiceRule) -> ChoiceStep<ChoiceRule, [ChoiceRule], JSON, JSON> {
        switch r {
        case .and(let rules): return .and(rules, count: rules.count)
        case .or(let rules): return .or(rules, count: rules.count)
        case .not(let x): return .not(x)
        case .compare(let variable, let op, let operand):
            let value = resolve(variable)
            switch operand {
            case .literal(let j): return .literal(value, op, j)
            case .path(let p): return .paths(value, op, value == nil ? nil : resolve(p))
            }
        }
    }

    func rule(_ k: Int, of rules: [ChoiceRule]) -> ChoiceRule { rules[k] }

    func selectedNothing(_ r: ChoiceRule, operand: Bool) -> ASLError {
        guard case .compare(let variable, _, let o) = r else {
            return .runtime("The choice state's condition path references an invalid value.")  // (not a comparison: not asked)
        }
        if operand, case .path(let p) = o { return ChoiceRule.invalidPath(p) }
        return ChoiceRule.invalidPath(variable)
    }
}
