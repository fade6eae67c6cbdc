import CortadoJSON

/// A syntax error in a JSONPath, reference path or intrinsic call, found at compile time.
public struct PathSyntaxError: Error, Sendable, Equatable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// A compiled JSONPath in AWS's dialect (Jayway semantics). Parsed once; evaluating never parses.
/// STUB: the full dialect replaces this file.
public struct JSONPath: Sendable, CustomStringConvertible {
    /// The path exactly as written in the definition.
    public let source: String
    /// True for `$$...` paths, which are evaluated against the context object.
    public let isContextPath: Bool
    /// True when the path can select at most one node (no wildcard, slice, filter, `..`, union).
    public let isDefinite: Bool
    let names: [String]

    public static func parse(_ text: String) throws(PathSyntaxError) -> JSONPath {
        let ctx = text.hasPrefix("$$")
        let rest = text.dropFirst(ctx ? 2 : 1)
        guard text.hasPrefix("$") else { throw PathSyntaxError("path must start with $") }
        let names = rest.split(separator: ".").map(String.init)
        return JSONPath(source: text, isContextPath: ctx, isDefinite: true, names: names)
    }

    /// Evaluates against `root` (the input, or the context object for `$$` paths).
    /// - Returns: the selected value; for an indefinite path, an array of all matches
    ///   (possibly empty); `nil` when a definite path selects nothing.
    public func evaluate(_ root: JSON) -> JSON? {
        var v = root
        for n in names { guard let x = v[n] else { return nil }; v = x }
        return v
    }

    /// Jayway's normalized form, used in AWS's cause texts: `$['a']['b'][0]`.
    public var normalized: String { "$" + names.map { "['\($0)']" }.joined() }

    public var description: String { source }
}
