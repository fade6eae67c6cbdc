import CortadoJSON
import CortadoJSONata
import CortadoPath

/// The query language of a state: the machine's `QueryLanguage`, or the state's own.
public enum QueryLanguage: String, Sendable {
    case jsonPath = "JSONPath", jsonata = "JSONata"
}

/// One `{% expression %}` of a JSONata-mode field, parsed when the definition compiles.
public struct JSONataSlot: Sendable {
    public let expression: JSONataExpression
    /// The expression as AWS quotes it in causes: the text between `{%` and `%}`, trimmed.
    public let source: String
    /// The field as AWS names it in causes: `Output`, `Arguments/FunctionName`, `Items`.
    public let field: String
    /// The text mentions `$states` / `context`: only then are they built for it.
    public let readsStates: Bool
    public let readsContext: Bool
    /// What it reads of `$states.input` (`JSONataProjection`).
    public let inputReads: JSONataProjection
}

/// A JSONata-mode field value (`Arguments`, `Output`, `Assign`, `Items`, `Condition`, ...):
/// every string written `{% ... %}` anywhere inside is an expression, everything else is literal.
public indirect enum JSONataTemplate: Sendable {
    case literal(JSON)
    case expression(JSONataSlot)
    case object([(key: String, value: JSONataTemplate)])
    case array([JSONataTemplate])

    /// True for a string written `{% ... %}`.
    public static func isExpression(_ s: String) -> Bool {
        s.utf8.count >= 4 && s.hasPrefix("{%") && s.hasSuffix("%}")
    }

    /// Compiles a field value. `field` names it in causes.
    /// - Throws: the JSONata syntax error, with the field's name.
    public static func compile(_ json: JSON, field: String) throws(PathSyntaxError) -> JSONataTemplate {
        switch json {
        case .string(let s) where isExpression(s):
            let body = String(s.dropFirst(2).dropLast(2))
            let source = body.trimmingWhitespace()
            do {
                let e = try JSONataExpression(body, options: .stepFunctions)
                let readsStates = body.contains("$states")
                return .expression(JSONataSlot(
                    expression: e, source: source, field: field,
                    readsStates: readsStates, readsContext: readsContext(body),
                    inputReads: readsStates ? e.projection(ofMember: "input", of: "states") : .nothing))
            } catch {
                throw PathSyntaxError("The JSONata expression '\(source)' specified for the field '\(field)' is not valid: \(error.code): \(error.message)")
            }
        case .object(let o):
            var members: [(key: String, value: JSONataTemplate)] = []
            var dynamic = false
            for m in o.members {
                let t = try compile(m.value, field: field + "/" + m.key)
                if case .literal = t {} else { dynamic = true }
                members.append((m.key, t))
            }
            return dynamic ? .object(members) : .literal(json)
        case .array(let a):
            var items: [JSONataTemplate] = []
            var dynamic = false
            for (i, x) in a.enumerated() {
                let t = try compile(x, field: field + "/\(i)")
                if case .literal = t {} else { dynamic = true }
                items.append(t)
            }
            return dynamic ? .array(items) : .literal(json)
        default:
            return .literal(json)
        }
    }

    /// True unless every `$states` in `body` is followed by `.input`, `.result` or
    /// `.errorOutput` and no `context` is written: then the context object is never built.
    static func readsContext(_ body: String) -> Bool {
        if body.contains("context") { return true }
        var rest = Substring(body)
        while let r = rest.range(of: "$states") {
            rest = rest[r.upperBound...]
            guard rest.hasPrefix(".input") || rest.hasPrefix(".result") || rest.hasPrefix(".errorOutput") else { return true }
        }
        return false
    }

    /// Builds the field's value.
    /// - Throws: States.QueryEvaluationError with AWS's causes: an expression that fails, gives
    ///   nothing (undefined) or gives a function.
    public func evaluate(_ scope: JSONataScope) throws(ASLError) -> JSON {
        switch self {
        case .literal(let j): return j
        case .expression(let slot): return try slot.evaluate(scope)
        case .object(let members):
            var o = JSONObject()
            o.members.reserveCapacity(members.count)
            for m in members { o.members.append((m.key, try m.value.evaluate(scope))) }
            return .object(o)
        case .array(let items):
            var out: [JSON] = []
            out.reserveCapacity(items.count)
            for t in items { out.append(try t.evaluate(scope)) }
            return .array(out)
        }
    }

    /// Builds a value that must have one JSON type (`array` for Items, `boolean` for Condition, ...).
    /// - Throws: AWS's "returned an unexpected result type" cause when an expression gives another.
    public func evaluate(_ scope: JSONataScope, expecting type: String) throws(ASLError) -> JSON {
        try checked(try evaluate(scope), expecting: type)
    }

    /// `v`, the field's value, when it is of JSON type `type`; else AWS's error.
    public func checked(_ v: JSON, expecting type: String) throws(ASLError) -> JSON {
        guard v.typeName == type else {
            guard case .expression(let slot) = self else {
                throw ASLError(.queryEvaluationError, "The field '\(fieldName)' must be of type '\(type)', but was '\(v.typeName)' for value: \(v.serialized)")
            }
            throw slot.failure("returned an unexpected result type. Expected '\(type)', but was '\(v.typeName)' for value: \(v.serialized)")
        }
        return v
    }

    /// An integer field (Seconds, TimeoutSeconds, MaxConcurrency, ToleratedFailureCount).
    public func evaluateInteger(_ scope: JSONataScope) throws(ASLError) -> Int {
        let v = try evaluate(scope, expecting: "number")
        guard let i = MapLimits.expressionInteger(v) else {
            if case .expression(let slot) = self {
                throw slot.failure("returned an unexpected result type. Expected 'integer', but was 'number' for value: \(v.serialized)")
            }
            throw ASLError(.queryEvaluationError, "The field '\(fieldName)' must be an integer, but was: \(v.serialized)")
        }
        return i
    }

    /// What its expressions read of `$states.input`, together.
    public var inputReads: JSONataProjection {
        switch self {
        case .literal: return .nothing
        case .expression(let slot): return slot.inputReads
        case .object(let members): return members.reduce(.nothing) { $0.union($1.value.inputReads) }
        case .array(let items): return items.reduce(.nothing) { $0.union($1.inputReads) }
        }
    }

    /// Some expression of it mentions `$states` (only then does a scope convert the input).
    public var readsStates: Bool {
        switch self {
        case .literal: return false
        case .expression(let slot): return slot.readsStates
        case .object(let members): return members.contains { $0.value.readsStates }
        case .array(let items): return items.contains { $0.readsStates }
        }
    }

    /// The field's name (for causes about a literal).
    var fieldName: String {
        switch self {
        case .expression(let s): return s.field
        default: return ""
        }
    }
}

extension JSONataSlot {
    func failure(_ what: String) -> ASLError {
        ASLError(.queryEvaluationError, "The JSONata expression '\(source)' specified for the field '\(field)' \(what)",
                 location: field)
    }

    /// The expression's value in `scope`.
    /// - Throws: States.QueryEvaluationError with AWS's causes (see `JSONataTemplate.evaluate`).
    public func evaluate(_ scope: JSONataScope) throws(ASLError) -> JSON {
        let outcome: JSONataOutcome
        let environment = try scope.environment(states: readsStates, context: readsContext, input: inputReads)
        do {
            outcome = try expression.outcome(in: environment)
        } catch {
            throw failure("threw an error during evaluation. \(error.code): \(error.message)")
        }
        switch outcome {
        case .value(let v): return v
        case .undefined: throw failure("returned nothing (undefined).")
        case .function: throw failure("returned an unsupported result type.")
        }
    }
}

/// What a JSONata state's expressions see: the workflow variables and `$states` (`input`,
/// `context`, and `result` or `errorOutput` where the field may read them). Built once per
/// state step and converted for the evaluator only when an expression reads it.
public final class JSONataScope {
    let input: JSON
    /// `input` already converted for the evaluator (a host that builds many scopes over one
    /// input converts it once), as far as `inputCovers` says; nil: converted when an
    /// expression first reads `$states`.
    let inputValue: JSONataValue?
    let inputCovers: JSONataProjection
    /// Converts the input as far as a projection reads (a host holding it in its own form);
    /// nil: `input` is converted.
    let convertInput: ((JSONataProjection) throws(ASLError) -> JSONataValue)?
    /// What the state's expressions read of the input together (`Program.inputReads`): it is
    /// converted that far, once.
    let reads: JSONataProjection
    let result: JSON?
    let errorOutput: JSON?
    let variables: [String: JSON]
    /// The variables already converted for the evaluator (a host that holds them in its own
    /// form converts them straight); nil: `variables`, converted when the scope is first used.
    let variableValues: [String: JSONataValue]?
    let context: () -> JSON
    private var built: JSONataEnvironment?
    private var hasStates = false, hasContext = false
    /// How far the built environment's `$states.input` is converted.
    private var converted = JSONataProjection.nothing

    public init(input: JSON, inputValue: JSONataValue? = nil, inputCovers: JSONataProjection = .everything,
                convertInput: ((JSONataProjection) throws(ASLError) -> JSONataValue)? = nil,
                reads: JSONataProjection = .everything, result: JSON? = nil, errorOutput: JSON? = nil,
                variables: [String: JSON], variableValues: [String: JSONataValue]? = nil, context: @escaping () -> JSON) {
        self.input = input; self.inputValue = inputValue; self.inputCovers = inputCovers; self.convertInput = convertInput
        self.reads = reads; self.result = result; self.errorOutput = errorOutput
        self.variables = variables; self.variableValues = variableValues; self.context = context
    }

    /// The evaluation environment, built at the first expression and again only when a later
    /// one reads `$states` (or its context, or more of the input than is converted) and the
    /// first did not.
    /// - Parameter needed: what the expression reads of `$states.input`.
    func environment(states: Bool, context needsContext: Bool, input needed: JSONataProjection) throws(ASLError) -> JSONataEnvironment {
        if let e = built, !states || (hasStates && (hasContext || !needsContext) && needed.isCovered(by: converted)) { return e }
        var b = variableValues ?? variables.mapValues { JSONataValue($0) }
        if states || hasStates {
            // (An expression reading more than the state's `reads` would be a gap in what the
            // compiler gathered: it is converted as far as it reads, never less.)
            let want = needed.isCovered(by: reads) ? reads : reads.union(needed).union(converted)
            let value: JSONataValue
            if let v = inputValue, want.isCovered(by: inputCovers) {
                value = v
            } else if let c = convertInput {
                value = try c(want)
            } else {
                value = JSONataValue(input, projection: want)
            }
            converted = want
            var s: [(String, JSONataValue)] = [("input", value)]
            if needsContext || hasContext { s.append(("context", JSONataValue(context()))); hasContext = true }
            if let result { s.append(("result", JSONataValue(result))) }
            if let errorOutput { s.append(("errorOutput", JSONataValue(errorOutput))) }
            b["states"] = JSONataValue.object(s)
            hasStates = true
        }
        let e = JSONataEnvironment(bindings: b, options: .stepFunctions)
        built = e
        return e
    }
}

extension String {
    func trimmingWhitespace() -> String {
        let ws: Set<Character> = [" ", "\t", "\n", "\r"]
        var s = Substring(self)
        while let f = s.first, ws.contains(f) { s = s.dropFirst() }
        while let l = s.last, ws.contains(l) { s = s.dropLast() }
        return String(s)
    }
}
