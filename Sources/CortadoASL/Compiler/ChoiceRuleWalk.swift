/// Choice rule evaluation: the one walk both engines run. `And` and `Or` stop at the first
/// rule that decides them; a comparison is `ChoiceRule.compare`; a Variable or `*Path`
/// operand that selects nothing is an error (only `IsPresent` tests a path that may be
/// missing). The interpreter walks `ChoiceRule` over JSON (`ChoiceRule.evaluate`), the
/// batch lane its flat copy of the rules over tape nodes.

/// What `ChoiceRuleWalk.open` found at a rule.
public enum ChoiceStep<Rule, Rules, Subject: ChoiceSubject, Literal: ChoiceSubject> {
    case and(Rules, count: Int)
    case or(Rules, count: Int)
    case not(Rule)
    /// A comparison with a literal operand: what the Variable selected (nil: nothing).
    case literal(Subject?, ChoiceOperator, Literal?)
    /// A `*Path` comparison: what the Variable and the operand path selected (nil: nothing).
    case paths(Subject?, ChoiceOperator, Subject?)
    /// A rule the engine decided itself (a JSONata Condition).
    case decided(Bool)
}

/// An engine's Choice rules and values, for `matches`.
public protocol ChoiceRuleWalk {
    associatedtype Rule
    associatedtype Rules
    associatedtype Subject: ChoiceSubject
    associatedtype Literal: ChoiceSubject
    associatedtype Failure: Error
    /// A rule: a combinator, or a comparison with its paths read.
    func open(_ r: Rule) throws(Failure) -> ChoiceStep<Rule, Rules, Subject, Literal>
    /// Rule `k` of an `And` or `Or`.
    func rule(_ k: Int, of rules: Rules) -> Rule
    /// The error for comparison `r` whose Variable (or, with `operand`, whose `*Path`
    /// operand) selected nothing.
    func selectedNothing(_ r: Rule, operand: Bool) -> Failure
}

extension ChoiceRuleWalk {
    /// Whether rule `r` matches.
    @inlinable
    public func matches(_ r: Rule) throws(Failure) -> Bool {
        switch try open(r) {
        case .and(let rules, let count):
            for k in 0..<count where !(try matches(rule(k, of: rules))) { return false }
            return true
        case .or(let rules, let count):
            for k in 0..<count where try matches(rule(k, of: rules)) { return true }
            return false
        case .not(let x):
            return !(try matches(x))
        case .literal(let value, let op, let literal):
            if value == nil && op != .isPresent { throw selectedNothing(r, operand: false) }
            return ChoiceRule.compare(value, op, literal)
        case .paths(let value, let op, let operand):
            guard let value else { throw selectedNothing(r, operand: false) }
            guard let operand else { throw selectedNothing(r, operand: true) }
            return ChoiceRule.compare(value, op, operand)
        case .decided(let b):
            return b
        }
    }
}
