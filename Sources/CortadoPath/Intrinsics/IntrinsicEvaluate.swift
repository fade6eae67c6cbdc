import CortadoJSON

extension IntrinsicCall {
    /// Evaluates the call against the effective input. `context` is called (once)
    /// only when a `$$` path argument is evaluated. `field` names the field the call is
    /// the value of (`key.$`, `ErrorPath`), for the cause of an argument path that selects nothing.
    public func evaluate(input: JSON, field: String? = nil, variables: [String: JSON] = [:], context: () -> JSON) throws(ASLError) -> JSON {
        var cached: JSON?
        return try evaluate(input: input, field: field, variables: variables, cachedContext: &cached, context: context)
    }

    /// The same, sharing a context object already built (or built here) with the caller:
    /// a payload template builds `$$` at most once for all its paths and calls.
    func evaluate(input: JSON, field: String?, variables: [String: JSON], cachedContext: inout JSON?, context: () -> JSON) throws(ASLError) -> JSON {
        var env = IntrinsicEnvironment(input: input, field: field, variables: variables, cachedContext: cachedContext)
        defer { cachedContext = env.cachedContext }
        return try evaluate(&env, context)
    }

    func evaluate(_ env: inout IntrinsicEnvironment, _ context: () -> JSON) throws(ASLError) -> JSON {
        if let why = arityError { throw ASLError.intrinsic("Invalid arguments in \(function.name): \(why)") }
        var values: [JSON] = []
        values.reserveCapacity(arguments.count)
        for arg in arguments {
            switch arg {
            case .literal(let v): values.append(v)
            case .call(let c): values.append(try c.evaluate(&env, context))
            case .path(let p):
                let root: JSON
                if p.variable != nil {
                    root = try PathMiss.root(p, input: env.input, variables: env.variables, context: context)
                } else {
                    root = p.isContextPath ? env.contextValue(context) : env.input
                }
                guard let v = p.evaluate(root) else {
                    guard let field = env.field else {
                        // Jayway's PathNotFoundException, as AWS words it for paths.
                        throw ASLError.runtime("Invalid path '\(p.source)' : No results for path: \(p.normalized)")
                    }
                    throw PathMiss.inField(p, field: field, input: env.input)
                }
                values.append(v)
            }
        }
        let args = IntrinsicArgs(function: function, values: values)
        switch function {
        case .format: return try Intrinsics.format(args, pieces: formatPieces)
        case .stringToJson: return try Intrinsics.stringToJson(args)
        case .jsonToString: return try Intrinsics.jsonToString(args)
        case .array: return .array(values)
        case .arrayPartition: return try Intrinsics.arrayPartition(args)
        case .arrayContains: return try Intrinsics.arrayContains(args)
        case .arrayRange: return try Intrinsics.arrayRange(args)
        case .arrayGetItem: return try Intrinsics.arrayGetItem(args)
        case .arrayLength: return try Intrinsics.arrayLength(args)
        case .arrayUnique: return try Intrinsics.arrayUnique(args)
        case .base64Encode: return try Intrinsics.base64Encode(args)
        case .base64Decode: return try Intrinsics.base64Decode(args)
        case .hash: return try Intrinsics.hash(args)
        case .jsonMerge: return try Intrinsics.jsonMerge(args)
        case .mathRandom: return try Intrinsics.mathRandom(args)
        case .mathAdd: return try Intrinsics.mathAdd(args)
        case .stringSplit: return try Intrinsics.stringSplit(args)
        case .uuid: return Intrinsics.uuid()
        }
    }
}

/// Per-evaluation state: the input and the lazily fetched context object.
struct IntrinsicEnvironment {
    let input: JSON
    let field: String?
    let variables: [String: JSON]
    var cachedContext: JSON? = nil

    mutating func contextValue(_ context: () -> JSON) -> JSON {
        if let c = cachedContext { return c }
        let c = context()
        cachedContext = c
        return c
    }
}

/// Namespace for the function implementations (one file per family).
enum Intrinsics {}

/// Evaluated argument values with typed accessors that fail the way AWS does.
struct IntrinsicArgs {
    let function: IntrinsicFunction
    let values: [JSON]

    var count: Int { values.count }
    subscript(i: Int) -> JSON { values[i] }

    func fail(_ message: String) -> ASLError {
        ASLError.intrinsic("Invalid arguments in \(function.name): \(message)")
    }

    func typeError(_ i: Int, _ expected: IntrinsicFunction.Param) -> ASLError {
        fail("argument \(i + 1) must be \(expected.article), but was \(values[i].typeName == "array" || values[i].typeName == "object" ? "an" : "a") \(values[i].typeName)")
    }

    func string(_ i: Int) throws(ASLError) -> String {
        guard case .string(let s) = values[i] else { throw typeError(i, .string) }
        return s
    }

    func array(_ i: Int) throws(ASLError) -> [JSON] {
        guard case .array(let a) = values[i] else { throw typeError(i, .array) }
        return a
    }

    func object(_ i: Int) throws(ASLError) -> JSONObject {
        guard case .object(let o) = values[i] else { throw typeError(i, .object) }
        return o
    }

    func bool(_ i: Int) throws(ASLError) -> Bool {
        guard case .bool(let b) = values[i] else { throw typeError(i, .boolean) }
        return b
    }

    func number(_ i: Int) throws(ASLError) -> JSONNumber {
        guard case .number(let n) = values[i] else { throw typeError(i, .number) }
        return n
    }

    /// A number in Java `int` range, a fraction cut off towards zero as Java's `intValue`
    /// does (AWS's integer parameters: ArrayRange(1.4, 5.6, 2.2) is [1,3,5] and
    /// MathRandom(1.4, 1.6) an empty range, as recorded against AWS; MathAdd alone rounds).
    func integer(_ i: Int) throws(ASLError) -> Int {
        let n = try number(i)
        var value = n.int
        if value == nil {
            let d = n.double.rounded(.towardZero)
            if d.isFinite, abs(d) < 9.0e18 { value = Int(d) }
        }
        guard let v = value, v >= Int(Int32.min), v <= Int(Int32.max) else {
            throw fail("argument \(i + 1) must be an integer between \(Int32.min) and \(Int32.max), but was \(n.literal)")
        }
        return v
    }
}
