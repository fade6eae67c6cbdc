import CortadoJSON

/// A syntax error in a JSONPath, reference path or intrinsic call, found at compile time.
public struct PathSyntaxError: Error, Sendable, Equatable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Why a definite JSONPath selected nothing, worded as Jayway's `PathNotFoundException`
/// (AWS quotes it after "Invalid path '<path>' : ").
public struct JSONPathMiss: Error, Sendable, Equatable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// One step of a path made only of names, indices and wildcards (`JSONPath.plainSteps`).
public enum PlainPathStep: Sendable, Equatable {
    case name(String)
    case index(Int)
    case wildcard
}

/// A compiled JSONPath in AWS's dialect (Jayway JsonPath semantics). Parsed once into
/// segments; evaluating never parses.
///
/// Supported: `$`, `$$` (context root), `.name`, `['name']` / `["name"]` (raw text, no
/// unescaping, as AWS's Jayway), `['a','b']`, `[0]`, `[-1]`, `[0,1]`, `[*]`, `.*`,
/// `[start:end]` / `[start:]` / `[:end]` (Jayway slice quirks kept; a step is not
/// supported), `..name` / `..*` / `..[0]` / `..[?()]`, filters `[?(...)]` with
/// `== != === !== < <= > >= =~ in nin contains size empty subsetof anyof noneof`,
/// existence `@.a` / `!@.a`, `&&`, `||`, `$` and `@` paths, and a final `.length()`.
public struct JSONPath: Sendable, CustomStringConvertible {
    /// The path exactly as written in the definition.
    public let source: String
    /// True for `$$...` paths, which are evaluated against the context object.
    public let isContextPath: Bool
    /// True when the path can select at most one node (no wildcard, slice, filter, `..`,
    /// index union, or non-final name union). A final `['a','b']` is definite (Jayway
    /// merges it into one object), and so is a final `.length()`.
    public let isDefinite: Bool
    /// Only plain names and single integer indices: what AWS calls a reference path.
    public let isReferencePath: Bool
    /// For a variable reference `$name.rest` (only from `parse(_:allowingVariables: true)`):
    /// the variable's name. Evaluate such a path against the variable's value.
    public let variable: String?

    let segments: [JSONPathSegment]
    /// Index of the first indefinite segment (`segments.count` when definite).
    let firstIndefinite: Int
    /// True when every segment is `.name` or `.index` (allocation-free evaluation).
    let isSimple: Bool

    init(source: String, isContextPath: Bool, variable: String? = nil, segments: [JSONPathSegment]) {
        self.source = source
        self.isContextPath = isContextPath
        self.variable = variable
        self.segments = segments
        var first = segments.count
        for (i, s) in segments.enumerated() where !s.isDefinite(isLeaf: i == segments.count - 1) {
            first = i
            break
        }
        if first < segments.count, case .length = segments[segments.count - 1] {
            // Jayway applies a trailing function to the whole result set: one value.
            self.isDefinite = true
        } else {
            self.isDefinite = first == segments.count
        }
        self.firstIndefinite = first
        self.isSimple = segments.allSatisfy {
            switch $0 {
            case .name, .index: return true
            default: return false
            }
        }
        self.isReferencePath = isSimple
    }

    /// Compiles `text`. Everything unsupported or malformed is a `PathSyntaxError`; never traps.
    public static func parse(_ text: String) throws(PathSyntaxError) -> JSONPath {
        try parse(text, allowingVariables: false)
    }

    /// Compiles `text`; with `allowingVariables`, `$name...` (a workflow variable followed by
    /// an optional path) is accepted too and `variable` names it. Without it, `$name` is an error.
    public static func parse(_ text: String, allowingVariables: Bool) throws(PathSyntaxError) -> JSONPath {
        ParseCounter.record()
        var p = JSONPathParser(text, depth: 0)
        let (ctx, variable, segments) = try p.parseTopLevel(allowingVariables: allowingVariables)
        return JSONPath(source: text, isContextPath: ctx, variable: variable, segments: segments)
    }

    /// Evaluates against `root` (the input, or the context object for `$$` paths).
    /// - Returns: the selected value; for an indefinite path, an array of all matches
    ///   (possibly empty); `nil` when a definite path selects nothing.
    public func evaluate(_ root: JSON) -> JSON? {
        switch select(root) {
        case .success(let v): return v
        case .failure: return nil
        }
    }

    /// Like `evaluate`, but a definite path that selects nothing reports Jayway's reason,
    /// e.g. `No results for path: $['a']` or `Missing property in path $['a']`.
    /// Indefinite paths always succeed.
    public func select(_ root: JSON) -> Result<JSON, JSONPathMiss> {
        if isSimple { return selectSimple(root) }
        var ev = JSONPathEvaluator(segments: segments, firstIndefinite: firstIndefinite, root: root)
        return ev.run(root, isDefinite: isDefinite).mapError { miss in
            JSONPathMiss(miss.message(segments: segments, normalized: normalized))
        }
    }

    private func selectSimple(_ root: JSON) -> Result<JSON, JSONPathMiss> {
        var v = root
        let last = segments.count - 1
        for (i, s) in segments.enumerated() {
            switch s {
            case .name(let n, _):
                guard case .object(let o) = v else {
                    return .failure(JSONPathMiss(EvalMiss.notObject(i, v).message(segments: segments, normalized: normalized)))
                }
                guard let x = o[n] else {
                    if i == last { return .failure(JSONPathMiss("No results for path: " + normalized)) }
                    return .failure(JSONPathMiss(EvalMiss.missingProperty(i).message(segments: segments, normalized: normalized)))
                }
                v = x
            case .index(let k):
                guard case .array(let a) = v else {
                    return .failure(JSONPathMiss(EvalMiss.notArray(i, v).message(segments: segments, normalized: normalized)))
                }
                let e = k < 0 ? a.count + k : k
                guard e >= 0 && e < a.count else { return .failure(JSONPathMiss("No results for path: " + normalized)) }
                v = a[e]
            default:
                return .failure(JSONPathMiss("No results for path: " + normalized))
            }
        }
        return .success(v)
    }

    /// The path as plain steps, when it has only names, integer indices and `[*]`/`.*`
    /// wildcards (nil for anything else): what the batch tape lane evaluates itself.
    public var plainSteps: [PlainPathStep]? {
        var out: [PlainPathStep] = []
        out.reserveCapacity(segments.count)
        for s in segments {
            switch s {
            case .name(let n, _): out.append(.name(n))
            case .index(let k): out.append(.index(k))
            case .wildcard: out.append(.wildcard)
            default: return nil
            }
        }
        return out
    }

    /// Jayway's normalized form, used in AWS's cause texts: `$['a']['b'][0]`.
    public var normalized: String { JSONPathSegment.normalized(segments[...]) }

    public var description: String { source }
}

// MARK: - ResultPath

extension JSONPath {
    /// Applies this path as a ResultPath: `$` replaces the whole input; `$.a.b` sets the
    /// member, creating missing intermediate objects; `$.a[0]` replaces an existing element.
    /// - Throws: `States.ReferencePathConflict` with AWS's cause
    ///   `Unable to apply step "<name>" to input <input JSON>` when a step lands on a
    ///   value that is not an object (or, for an index, not an array holding that index).
    public func assigning(_ value: JSON, into root: JSON) throws(ASLError) -> JSON {
        var out = root
        try assign(value, into: &out)
        return out
    }

    /// `assigning` in place: when `root` is uniquely referenced, the containers on the path
    /// are changed without being copied. On a conflict `root` is left as it was.
    public func assign(_ value: JSON, into root: inout JSON) throws(ASLError) {
        guard isReferencePath else {
            throw ASLError(.referencePathConflict, "Unable to apply ReferencePath \(source) to input \(root.serialized)")
        }
        if segments.isEmpty { root = value; return }
        if let i = conflictStep(in: root) { throw conflict(i, root) }
        assign(&root, 0, value)
    }

    /// The first step that cannot be applied to `root`, if any (checked before anything
    /// changes, so the error can show the input as it was).
    private func conflictStep(in root: JSON) -> Int? {
        var node = root
        for i in segments.indices {
            switch segments[i] {
            case .name(let n, _):
                guard case .object(let o) = node else { return i }
                guard let next = o[n] else {
                    // Missing members are created as objects, so only names may follow.
                    for k in (i + 1)..<segments.count { if case .name = segments[k] {} else { return k } }
                    return nil
                }
                node = next
            case .index(let k):
                guard case .array(let a) = node else { return i }
                let e = k < 0 ? a.count + k : k
                guard e >= 0 && e < a.count else { return i }
                node = a[e]
            default:
                return i
            }
        }
        return nil
    }

    /// Sets the value, `conflictStep` having found that every step applies.
    private func assign(_ node: inout JSON, _ i: Int, _ value: JSON) {
        if i == segments.count { node = value; return }
        switch segments[i] {
        case .name(let n, _):
            guard case .object(var o) = node else { return }
            node = .null  // drop our reference so `o` stays uniquely owned
            var child: JSON
            if let existing = o[n] {
                child = existing
                o[n] = .null
            } else {
                child = i + 1 < segments.count ? .object(JSONObject()) : .null
            }
            assign(&child, i + 1, value)
            o[n] = child
            node = .object(o)
        case .index(let k):
            guard case .array(var a) = node else { return }
            let e = k < 0 ? a.count + k : k
            node = .null
            var child = a[e]
            a[e] = .null
            assign(&child, i + 1, value)
            a[e] = child
            node = .array(a)
        default:
            return
        }
    }

    private func conflict(_ i: Int, _ root: JSON) -> ASLError {
        let step: String
        switch segments[i] {
        case .name(let n, _): step = n
        case .index(let k): step = String(k)
        default: step = segments[i].fragment
        }
        return ASLError(.referencePathConflict, "Unable to apply step \"\(step)\" to input \(root.serialized)")
    }
}
