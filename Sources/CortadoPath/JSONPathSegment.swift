import CortadoJSON

/// One compiled step of a JSONPath (a Jayway path token).
enum JSONPathSegment: Sendable {
    /// `.name` or `['name']`; `quote` is the delimiter Jayway prints it with.
    case name(String, quote: UInt8)
    /// `['a','b']`: merged into one object when last, iterated otherwise.
    case names([String], quote: UInt8)
    /// `[3]`, `[-1]`.
    case index(Int)
    /// `[0,2]`.
    case indices([Int])
    /// `[a:b]`, `[a:]`, `[:b]` (at least one bound).
    case slice(from: Int?, to: Int?)
    /// `*`, `[*]`.
    case wildcard
    /// `..`: deep scan, applied to the segment after it.
    case scan
    /// `[?(...)]`.
    case filter(JSONPathFilter)
    /// `.length()`, always last.
    case length

    func isDefinite(isLeaf: Bool) -> Bool {
        switch self {
        case .name, .index, .length: return true
        case .names: return isLeaf
        case .indices, .slice, .wildcard, .scan, .filter: return false
        }
    }

    /// Jayway's path fragment for this token.
    var fragment: String {
        switch self {
        case .name(let n, let q):
            let qs = String(UnicodeScalar(q))
            return "[" + qs + n + qs + "]"
        case .names(let ns, let q):
            let qs = String(UnicodeScalar(q))
            return "[" + ns.map { qs + $0 + qs }.joined(separator: ",") + "]"
        case .index(let i): return "[\(i)]"
        case .indices(let ix): return "[" + ix.map(String.init).joined(separator: ",") + "]"
        case .slice(let f, let t): return "[" + (f.map(String.init) ?? "") + ":" + (t.map(String.init) ?? "") + "]"
        case .wildcard: return "[*]"
        case .scan: return ".."
        case .filter: return "[?]"
        case .length: return ".length()"
        }
    }

    static func normalized(_ segs: ArraySlice<JSONPathSegment>) -> String {
        var s = "$"
        for x in segs { s += x.fragment }
        return s
    }
}
