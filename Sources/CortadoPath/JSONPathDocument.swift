import CortadoJSON

/// What a node is, to the JSONPath evaluator.
public enum JSONPathShape {
    case object(count: Int)
    case array(count: Int)
    case scalar
}

/// A document `JSONPathEvaluator` walks: owned values (`OwnedJSONDocument`, the
/// interpreter's) or a line's tape (the batch lane's). Jayway's rules (wildcards over an
/// object's values, skipped elements, filters, `..`, unions, `length()`) are written once,
/// in the evaluator, over this.
public protocol JSONPathDocument {
    associatedtype Node
    func shape(_ n: Node) -> JSONPathShape
    /// Member `name` of an object (nil when absent or not an object).
    func member(_ n: Node, named name: String) -> Node?
    /// The value of member `k` of an object, in document order.
    func member(_ n: Node, at k: Int) -> Node
    /// Element `k` of an array.
    func element(_ n: Node, at k: Int) -> Node
    /// The node as an owned value: what filters compare, and what a miss's reason quotes.
    func json(_ n: Node) -> JSON
    /// A new array of `items` (an indefinite path's matches).
    func array(_ items: [Node]) -> Node
    /// A new object of the members `names` of `n` has (a final `['a','b']`).
    func object(_ n: Node, names: [String]) -> Node
    /// A new node of `v` (`length()`'s count, or null).
    func node(_ v: JSON) -> Node
}

/// Owned JSON values, as the interpreter holds them.
struct OwnedJSONDocument: JSONPathDocument {
    typealias Node = JSON

    @inline(__always)
    func shape(_ n: JSON) -> JSONPathShape {
        switch n {
        case .object(let o): return .object(count: o.count)
        case .array(let a): return .array(count: a.count)
        default: return .scalar
        }
    }

    @inline(__always)
    func member(_ n: JSON, named name: String) -> JSON? {
        guard case .object(let o) = n else { return nil }
        return o[name]
    }

    @inline(__always)
    func member(_ n: JSON, at k: Int) -> JSON {
        guard case .object(let o) = n else { return .null }
        return o.members[k].value
    }

    @inline(__always)
    func element(_ n: JSON, at k: Int) -> JSON {
        guard case .array(let a) = n else { return .null }
        return a[k]
    }

    func json(_ n: JSON) -> JSON { n }
    func array(_ items: [JSON]) -> JSON { .array(items) }

    func object(_ n: JSON, names: [String]) -> JSON {
        var merged = JSONObject()
        guard case .object(let o) = n else { return .object(merged) }
        for name in names { if let v = o[name] { merged[name] = v } }
        return .object(merged)
    }

    func node(_ v: JSON) -> JSON { v }
}
