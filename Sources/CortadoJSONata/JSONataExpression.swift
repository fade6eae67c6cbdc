import CortadoJSON
import CortadoPath

/// Evaluation options.
public struct JSONataOptions: Sendable {
    /// Enables the AWS Step Functions flavour: adds `$partition`, `$range`, `$hash`, `$random([seed])`,
    /// `$uuid` and `$parse`, and removes `$eval`.
    public var stepFunctions: Bool
    /// Maximum nesting of lambda calls before error U1001.
    public var maxDepth: Int
    /// Stack bytes evaluation may use on the calling thread before error U1001. Keep it well
    /// below the thread's stack size (8 MB main thread; `JSONataEvalCommand` uses a 512 MB thread).
    public var stackBudgetBytes: Int
    /// Wall-clock limit for one evaluation, after which error U1001 is raised (nil: none).
    public var timeLimitMillis: Int?

    public init(stepFunctions: Bool = false, maxDepth: Int = 1000, stackBudgetBytes: Int = 4 << 20, timeLimitMillis: Int? = nil) {
        self.stepFunctions = stepFunctions
        self.maxDepth = maxDepth
        self.stackBudgetBytes = stackBudgetBytes
        self.timeLimitMillis = timeLimitMillis
    }

    /// Plain JSONata 2.0.6.
    public static let standard = JSONataOptions()
    /// AWS Step Functions' JSONata.
    /// (An evaluation stops with U1001 after 10 s: an endless tail recursion must not hang a state.)
    public static let stepFunctions = JSONataOptions(stepFunctions: true, timeLimitMillis: 10_000)
}

/// A host-provided function callable from expressions as `$name(...)`.
public struct JSONataFunction: Sendable {
    /// Optional JSONata signature, e.g. `"<s-n?:s>"`; arguments are validated (and the
    /// context value supplied for `-` parameters) before `body` runs.
    public var signature: String?
    /// Receives the arguments (nil = undefined) and returns the result (nil = undefined).
    public var body: @Sendable ([JSON?]) throws(JSONataError) -> JSON?

    public init(signature: String? = nil, _ body: @escaping @Sendable ([JSON?]) throws(JSONataError) -> JSON?) {
        self.signature = signature
        self.body = body
    }
}

/// A JSON value converted once into the evaluator's representation, for evaluating many
/// expressions against the same document (e.g. `$states` across a state's fields).
/// Evaluation never mutates it, so it may be shared across threads.
public final class JSONataValue: @unchecked Sendable {
    let value: JV
    /// Converts `json` (O(size of the document)).
    public init(_ json: JSON) { value = JV(json: json) }

    init(value: JV) { self.value = value }

    /// A document a host holds in its own form, converted node by node with no JSON value
    /// in between; the same evaluator values `init(_ json:)` makes of the same document.
    public convenience init(_ document: some JSONataDocument, _ root: Int32) throws {
        self.init(value: try JV.convert(document, root))
    }

    /// An object of values already converted, shared rather than converted again (a state's
    /// `$states` whose input many scopes read).
    public static func object(_ members: [(String, JSONataValue)]) -> JSONataValue {
        let o = JObj(capacity: members.count)
        for (k, v) in members { o[k] = v.value }
        return JSONataValue(value: .object(o))
    }
}

/// A document in a host's own form (the tape lane's nodes), read one node at a time by the
/// host's handle for it. (Not generic over the handle: a conversion across modules would
/// go through the runtime's generic metadata for every member.)
public protocol JSONataDocument {
    func node(_ n: Int32) throws -> JSONataNode
    /// Node `n`'s members that `projection` names (an object's, in its order), its elements
    /// (an array's), or neither (`members(_:of:)` has a default through `node`).
    func members(_ n: Int32, of projection: JSONataProjection) throws -> JSONataMembers
}

/// One node of a `JSONataDocument`: a scalar, or a container's children (object members in
/// order, with unique keys: `keys[k]` names `values[k]`).
public enum JSONataNode {
    case null, bool(Bool), number(Double), string(String)
    case array([Int32])
    case object(keys: [String], values: [Int32])
}

/// A compiled JSONata expression. Compile once, evaluate many times from any thread.
///
/// ```swift
/// let e = try JSONataExpression("items[price > 10].name")
/// let r = try e.evaluate(json)          // nil when the result is undefined
/// ```
public struct JSONataExpression: Sendable {
    let ast: Node
    /// The expression text.
    public let source: String
    /// The options the expression evaluates with.
    public let options: JSONataOptions

    /// Parses and compiles `source`. Syntax errors carry JSONata codes (S0101, S0202, …).
    public init(_ source: String, options: JSONataOptions = .standard) throws(JSONataError) {
        ParseCounter.record()
        self.source = source
        self.options = options
        self.ast = try Parser.parse(source)
    }

    /// Evaluates against `input` (nil = no input). `bindings` are variables (`$name`, without the `$`);
    /// `functions` are extra host functions (name without the `$`), which shadow built-ins.
    /// Returns nil when the result is undefined.
    public func evaluate(_ input: JSON?, bindings: [String: JSON] = [:],
                         functions: [String: JSONataFunction] = [:]) throws(JSONataError) -> JSON? {
        let value = try evaluateInternal(input.map { JV(json: $0) }, bindings: bindings, functions: functions)
        guard let value else { return nil }
        return value.toJSON()
    }

    /// Evaluates against values converted ahead of time (see `JSONataValue`): convert a document
    /// once and evaluate many expressions against it. Returns nil when the result is undefined.
    public func evaluate(_ input: JSONataValue?, bindings: [String: JSONataValue],
                         functions: [String: JSONataFunction] = [:]) throws(JSONataError) -> JSON? {
        let value = try evaluateInternal(input?.value, bindings: bindings, functions: functions)
        guard let value else { return nil }
        return value.toJSON()
    }

    func evaluateInternal(_ input: JV?, bindings: [String: JSONataValue], functions: [String: JSONataFunction]) throws(JSONataError) -> JV? {
        try evaluateInternal(input, functions: functions) { env in for (k, v) in bindings { env.bind(k, v.value) } }
    }

    func evaluateInternal(_ input: JV?, bindings: [String: JSON], functions: [String: JSONataFunction]) throws(JSONataError) -> JV? {
        try evaluateInternal(input, functions: functions) { env in for (k, v) in bindings { env.bind(k, JV(json: v)) } }
    }

    func evaluateInternal(_ input: JV?, functions: [String: JSONataFunction], bind: (Frame) -> Void) throws(JSONataError) -> JV? {
        let ev = Evaluator(options: options)
        let env = Frame(globals: options.stepFunctions ? Builtins.stepFunctions : Builtins.standard)
        for (name, f) in functions { env.bind(name, .function(Self.wrap(name, f))) }
        bind(env)
        var inp = input
        env.bind("$", input)
        if case .array(let a)? = input, !a.isSequence {
            let w = JArr.seq(.array(a))
            w.outerWrapper = true
            inp = .array(w)
        }
        return Self.unwrap(try ev.eval(ast, inp, env))
    }

    /// A top-level sequence of none is undefined, of one (not kept as a singleton) its item.
    static func unwrap(_ result: JV?) -> JV? {
        if case .array(let a)? = result, a.isSequence, !a.tupleStream {
            if a.items.isEmpty { return nil }
            if a.items.count == 1 && !a.keepSingleton { return a.items[0] }
        }
        return result
    }

    static func wrap(_ name: String, _ f: JSONataFunction) -> JFunc {
        let body = f.body
        let fn = JFunc.native(name, nil) { (_, a) throws(JSONataError) -> JV? in
            try body(a.map { $0?.toJSON() }).map { JV(json: $0) }
        }
        if let sig = f.signature {
            fn.signature = try? Signature(sig)
            fn.nativeArity = fn.signature?.params.count ?? 0
        }
        return fn
    }
}

/// What an evaluation gave, telling a function result apart from undefined (both have no JSON form).
public enum JSONataOutcome: Sendable {
    case value(JSON)
    case undefined
    /// The expression evaluated to a function (a lambda or a built-in).
    case function
}

extension JSONataExpression {
    /// Evaluates like `evaluate(_:bindings:)` with bindings converted ahead of time, but reports
    /// a function result as `.function` instead of undefined.
    public func outcome(_ input: JSONataValue?, bindings: [String: JSONataValue]) throws(JSONataError) -> JSONataOutcome {
        Self.outcome(try evaluateInternal(input?.value, bindings: bindings, functions: [:]))
    }

    /// Evaluates without input in `environment`: its bindings, and one clock (`$now()`) and
    /// time limit for all the expressions evaluated in it. A variable an expression binds
    /// at its top level (`$x := 1`) stays in that evaluation.
    public func outcome(in environment: JSONataEnvironment) throws(JSONataError) -> JSONataOutcome {
        let frame = Frame(parent: environment.base)
        frame.bind("$", nil)
        return Self.outcome(Self.unwrap(try environment.evaluator.eval(ast, nil, frame)))
    }

    static func outcome(_ value: JV?) -> JSONataOutcome {
        guard let value else { return .undefined }
        if case .function = value { return .function }
        return value.toJSON().map { .value($0) } ?? .undefined
    }
}

/// Bindings converted once and an evaluator shared by several evaluations (the fields of one
/// Step Functions state). Not thread-safe: one thread uses it at a time.
public final class JSONataEnvironment {
    let evaluator: Evaluator
    let base: Frame

    public init(bindings: [String: JSONataValue], options: JSONataOptions) {
        evaluator = Evaluator(options: options)
        base = Frame(globals: options.stepFunctions ? Builtins.stepFunctions : Builtins.standard)
        for (k, v) in bindings { base.bind(k, v.value) }
    }
}
