/// Path selection over plain steps (names, integer indices, one `[*]` or slice): the one walk that
/// both engines run for them. The interpreter walks JSON values with it (`JSONPath.select` of a
/// reference path, `JSONPath.assign`), the batch lane walks a line's tape with it. Jayway's
/// other rules (filters, unions, `..`, wildcards over objects or past elements without the
/// rest of the path) are `JSONPathEvaluator`'s, which both engines run over their documents
/// (`JSONPathDocument`). What a miss means is the caller's business: the interpreter words
/// Jayway's reason from `PathWalk.miss`, the lane hands the line to the interpreter.

/// The kind of one plain step.
public enum PlainStepKind: Sendable {
    case name
    case index(Int)
    case wildcard
    /// `[from:to]`, `[from:]`, `[:to]`: the elements `JSONPathSlice` lists.
    case slice(from: Int?, to: Int?)
}

/// What one step found in a node.
public enum PathStepResult<Node> {
    case found(Node)
    /// An object without the member, or an array without the index.
    case missing
    /// A name step on a non-object, an index or wildcard on a non-array.
    case wrongKind
}

/// A tree plain paths walk: the steps of the path being walked, and how a node is read.
public protocol PathTree {
    associatedtype Node
    associatedtype Failure: Error
    /// Step `i` of the path.
    func kind(ofStep i: Int) -> PlainStepKind
    /// Follows name or index step `i` from `node` (negative indices count from the end).
    /// A wildcard step is not followed here: `.wrongKind`.
    func follow(_ node: Node, step i: Int) throws(Failure) -> PathStepResult<Node>
    /// How many elements a wildcard step iterates: an array's count; nil for anything else.
    func wildcardCount(_ node: Node) -> Int?
    /// Element `k` (in `0..<wildcardCount`) of an array.
    func element(_ node: Node, at k: Int) -> Node
    /// A new array of `count` elements (a wildcard's matches), set with `setElement` and
    /// finished with `seal`.
    func newArray(count: Int) -> Node
    func setElement(_ array: Node, _ k: Int, _ value: Node)
    func seal(_ array: Node)
}

/// Where and why a walk stopped.
public enum PathWalk<Node> {
    case found(Node)
    /// Step `step` met `node`: not an object (a name step) or not an array (an index step).
    case wrongKind(step: Int, node: Node)
    /// Step `step` found no such member or index.
    case missing(step: Int)
    /// The wildcard at `step` met a non-array, or an element without the rest of the path:
    /// Jayway's indefinite rules (iterate an object's values, skip such elements) decide:
    /// `JSONPathEvaluator`'s.
    case indefinite(step: Int)
}

public enum PathSelection {
    /// Follows steps `from..<to` from `root`. (Inlined: most paths are a name or two, read
    /// where the caller stands.)
    @inlinable @inline(__always)
    public static func select<T: PathTree>(_ t: T, _ root: T.Node, _ from: Int, _ to: Int) throws(T.Failure) -> PathWalk<T.Node> {
        var node = root
        var i = from
        while i < to {
            switch try t.follow(node, step: i) {
            case .found(let next):
                node = next
            case .missing:
                return .missing(step: i)
            case .wrongKind:
                switch t.kind(ofStep: i) {
                case .wildcard: return try collect(t, node, i, to)
                case .slice(let a, let b): return try collect(t, node, i, to, slice: (a, b))
                default: return .wrongKind(step: i, node: node)
                }
            }
            i += 1
        }
        return .found(node)
    }
    /// A wildcard (or a slice) at step `i`: the rest of the path from each element (each
    /// the slice lists), as a new array.
    @inlinable
    static func collect<T: PathTree>(_ t: T, _ node: T.Node, _ i: Int, _ to: Int,
                                     slice: (from: Int?, to: Int?)? = nil) throws(T.Failure) -> PathWalk<T.Node> {
        guard let count = t.wildcardCount(node) else { return .indefinite(step: i) }
        var positions: [Int] = []
        if let s = slice { JSONPathSlice.forEachPosition(s.from, s.to, count: count) { positions.append($0) } }
        let n = slice == nil ? count : positions.count
        let out = t.newArray(count: n)
        for k in 0..<n {
            let e = t.element(node, at: slice == nil ? k : positions[k])
            guard case .found(let x) = try select(t, e, i + 1, to) else { return .indefinite(step: i) }
            t.setElement(out, k, x)
        }
        t.seal(out)
        return .found(out)
    }
}

/// Jayway's slice of an array of `count` elements: `[from:]` and `[:to]` normalize negative
/// bounds; `[from:to]` does not, and visits raw positions from..<to, a negative position
/// counting from the end (those that land inside the array first, then the rest). Both
/// engines' walks list a slice's elements here.
public enum JSONPathSlice {
    @inlinable
    public static func forEachPosition<E: Error>(_ from: Int?, _ to: Int?, count len: Int,
                                                 _ body: (Int) throws(E) -> Void) throws(E) {
        guard len > 0 else { return }
        switch (from, to) {
        case (let f?, nil):
            let start = max(0, f < 0 ? len + f : f)
            if start >= len { return }
            for k in start..<len { try body(k) }
        case (nil, let t?):
            let stop = min(len, t < 0 ? len + t : t)
            if stop <= 0 { return }
            for k in 0..<stop { try body(k) }
        case (let f?, let t?):
            let stop = min(len, t)
            if f >= stop { return }
            let negLo = max(f, -len), negHi = min(stop, 0)
            if negLo < negHi { for k in negLo..<negHi { try body(len + k) } }
            let posLo = max(f, 0)
            if posLo < stop { for k in posLo..<stop { try body(k) } }
        case (nil, nil):
            return
        }
    }
}
