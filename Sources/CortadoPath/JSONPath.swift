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

/// One step of a path made only of names, indices, wildcards and slices (`JSONPath.plainSteps`).
public enum PlainPathStep: Sendable, Equatable {
    case name(String)
    case index(Int)
    case wildcard
    case slice(from: Int?, to: Int?)
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
        var ev = JSONPathEvaluator(OwnedJSONDocument(), segments: segments, firstIndefinite: firstIndefinite, root: root)
        return ev.run(root, isDefinite: isDefinite).mapError { miss in
            JSONPathMiss(miss.message(segments: segments, normalized: normalized))
        }
    }

    /// Jayway's selection over any document (the batch lane's tape), from segment `from` at
    /// `start`; `root` is what `$` means in filters. The same rules as `select`.
    /// - Returns: the selected node; for an indefinite path, a new array of all matches;
    ///   nil when a definite path selects nothing (`select` words why).
    public func select<D: JSONPathDocument>(in doc: D, _ start: D.Node, root: D.Node, from: Int = 0) -> D.Node? {
        var ev = JSONPathEvaluator(doc, segments: segments, firstIndefinite: firstIndefinite, root: root)
        switch ev.run(start, isDefinite: isDefinite, from: from) {
        case .success(let v): return v
        case .failure: return nil
        }
    }

    private func selectSimple(_ root: JSON) -> Result<JSON, JSONPathMiss> {
        switch PathSelection.select(JSONPathTree(segments: segments), root, 0, segments.count) {
        case .found(let v):
            return .success(v)
        case .wrongKind(let i, let v):
            let miss: EvalMiss = if case .name = segments[i] { .notObject(i, v) } else { .notArray(i, v) }
            return .failure(JSONPathMiss(miss.message(segments: segments, normalized: normalized)))
        case .missing(let i):
            if i == segments.count - 1 || !isName(i) { return .failure(JSONPathMiss("No results for path: " + normalized)) }
            return .failure(JSONPathMiss(EvalMiss.missingProperty(i).message(segments: segments, normalized: normalized)))
        case .indefinite:
            return .failure(JSONPathMiss("No results for path: " + normalized))
        }
    }

    private func isName(_ i: Int) -> Bool {
        if case .name = segments[i] { return true } else { return false }
    }

    /// The path as plain steps, when it has only names, integer indices, `[*]`/`.*`
    /// wildcards and slices (nil for anything else): what the batch tape lane evaluates itself.
    public var plainSteps: [PlainPathStep]? {
        var out: [PlainPathStep] = []
        out.reserveCapacity(segments.count)
        for s in segments {
            switch s {
            case .name(let n, _): out.append(.name(n))
            case .index(let k): out.append(.index(k))
            case .wildcard: out.append(.wildcard)
            case .slice(let from, let to): out.append(.slice(from: from, to: to))
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
        if let i = ResultPath.assign(JSONPathTree(segments: segments), value, into: &root, 0, segments.count) {
            throw conflict(i, root)
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
