import CortadoJSON

/// A payload template (`Parameters`, `ItemSelector`, `ResultSelector`), compiled once:
/// every `"key.$"` value is a parsed path or intrinsic call, and subtrees without
/// dynamic keys are kept as literals.
public indirect enum PayloadTemplate: Sendable {
    case literal(JSON)
    case object([(key: String, value: PayloadTemplate)])
    case array([PayloadTemplate])
    /// `"field.$": "$.path"`; `field` is the key as written (for error causes).
    case path(JSONPath, field: String)
    case intrinsic(IntrinsicCall, field: String)

    /// Compiles a template.
    /// - Throws: `PathSyntaxError` naming the field whose path or intrinsic does not parse.
    /// With `allowingVariables`, paths may start with a workflow variable (`$name`).
    public static func compile(_ json: JSON, allowingVariables: Bool = false) throws(PathSyntaxError) -> PayloadTemplate {
        switch json {
        case .object(let o):
            var dynamic = false
            var members: [(key: String, value: PayloadTemplate)] = []
            members.reserveCapacity(o.count)
            for m in o.members {
                if m.key.hasSuffix(".$") {
                    dynamic = true
                    let name = String(m.key.dropLast(2))
                    guard case .string(let expr) = m.value else {
                        throw PathSyntaxError("The value for the field '\(m.key)' must be a STRING that contains a JSONPath but was \(m.value.typeName.uppercased())")
                    }
                    if IntrinsicCall.isIntrinsic(expr) {
                        do { members.append((name, .intrinsic(try IntrinsicCall.parse(expr), field: m.key))) }
                        catch { throw PathSyntaxError("The value for the field '\(m.key)' must be a valid intrinsic function call: \(error.message)") }
                    } else {
                        do { members.append((name, .path(try JSONPath.parse(expr, allowingVariables: allowingVariables), field: m.key))) }
                        catch { throw PathSyntaxError("The value for the field '\(m.key)' must be a valid JSONPath: \(error.message)") }
                    }
                } else {
                    let sub = try compile(m.value, allowingVariables: allowingVariables)
                    if case .literal = sub {} else { dynamic = true }
                    members.append((m.key, sub))
                }
            }
            // "a" and "a.$" name the same field: the last one wins, in the first one's place
            // (so `evaluate` appends without searching for the key).
            var unique: [(key: String, value: PayloadTemplate)] = []
            unique.reserveCapacity(members.count)
            for m in members {
                if let k = unique.firstIndex(where: { $0.key == m.key }) { unique[k].value = m.value } else { unique.append(m) }
            }
            return dynamic ? .object(unique) : .literal(json)
        case .array(let a):
            let subs = try a.map { (x) throws(PathSyntaxError) -> PayloadTemplate in try compile(x, allowingVariables: allowingVariables) }
            if subs.allSatisfy({ if case .literal = $0 { return true } else { return false } }) { return .literal(json) }
            return .array(subs)
        default:
            return .literal(json)
        }
    }

    /// Builds the payload from `input`; `context` is built only if a `$$` path needs it.
    /// - Throws: `ASLError` (States.Runtime for a path that selects nothing, intrinsic failures).
    /// `variables` are the workflow variables `$name` paths read.
    public func evaluate(input: JSON, variables: [String: JSON] = [:], context: () -> JSON) throws(ASLError) -> JSON {
        try withoutActuallyEscaping(context) { (context) throws(ASLError) -> JSON in
            // The context object is built at most once per payload, however many `$$` paths
            // read it (an ItemSelector with four `$$.Map.Item...` fields built it four times).
            var cached: JSON?
            return try JSONTemplateWalk(input: input, variables: variables, context: context).build(self, &cached)
        }
    }
}

/// `PayloadTemplate` building JSON: paths and intrinsic calls read the input, the workflow
/// variables and the context object.
struct JSONTemplateWalk: PayloadTemplateWalk {
    typealias Node = JSON
    typealias Members = [(key: String, value: PayloadTemplate)]
    typealias Elements = [PayloadTemplate]
    typealias ObjectBuilder = JSONObject
    typealias ArrayBuilder = [JSON]
    /// The context object, once read.
    typealias State = JSON?
    typealias Failure = ASLError
    let input: JSON
    let variables: [String: JSON]
    let context: () -> JSON

    init(input: JSON, variables: [String: JSON], context: @escaping () -> JSON) {
        self.input = input; self.variables = variables; self.context = context
    }

    func open(_ t: PayloadTemplate, _ cached: inout JSON?) throws(ASLError) -> TemplateStep<JSON, Members, Elements> {
        switch t {
        case .literal(let j): return .value(j)
        case .object(let members): return .object(members, count: members.count)
        case .array(let items): return .array(items, count: items.count)
        case .path(let p, let field):
            let root: JSON
            if p.variable != nil {
                root = try PathMiss.root(p, input: input, variables: variables, context: context)
            } else if p.isContextPath {
                if cached == nil { cached = context() }
                root = cached!
            } else {
                root = input
            }
            guard let v = p.evaluate(root) else { throw PathMiss.inField(p, field: field, input: input) }
            return .value(v)
        case .intrinsic(let call, let field):
            return .value(try call.evaluate(input: input, field: field, variables: variables, cachedContext: &cached, context: context))
        }
    }

    func member(_ k: Int, of m: Members) -> (key: String, value: PayloadTemplate) { m[k] }
    func element(_ k: Int, of e: Elements) -> PayloadTemplate { e[k] }

    func beginObject(count: Int) -> JSONObject {
        var o = JSONObject()
        o.members.reserveCapacity(count)
        return o
    }

    func add(_ value: consuming JSON, at key: consuming String, to o: inout JSONObject) { o.members.append((key, value)) }
    func end(_ o: JSONObject) -> JSON { .object(o) }

    func beginArray(count: Int) -> [JSON] {
        var a: [JSON] = []
        a.reserveCapacity(count)
        return a
    }

    func add(_ value: consuming JSON, to a: inout [JSON]) { a.append(value) }
    func end(_ a: [JSON]) -> JSON { .array(a) }
}
