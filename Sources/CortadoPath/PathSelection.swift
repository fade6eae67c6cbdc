/// Path selection over plain steps (names, integer indices, one `[*]`): the one walk that
/// both engines run. The interpreter walks JSON values with it (`JSONPath.select` of a
/// reference path, `JSONPath.assign`), the batch lane walks a line's tape with it; paths
/// with slices, filters, unions or `..` go to `JSONPathEvaluator`, which only the
/// interpreter runs. What a miss means is the caller's business: the interpreter words
/// Jayway's reason from `PathWalk.miss`, the lane hands the line to the interpreter.

/// The kind of one plain step.
public enum PlainStepKind: Sendable {
    case name
    case index(Int)
    case wildcard
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
    /// Jayway's indefinite rules (iterate an object's values, skip such elements) decide,
    /// and only `JSONPathEvaluator` has them.
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
                if case .wildcard = t.kind(ofStep: i) { return try collect(t, node, i, to) }
                return .wrongKind(step: i, node: node)
            }
            i += 1
        }
        return .found(node)
    }
    /// A wildcard at step `i`: the rest of the path from each element, as a new array.
    @inlinable
    static func collect<T: PathTree>(_ t: T, _ node: T.Node, _ i: Int, _ to: Int) throws(T.Failure) -> PathWalk<T.Node> {
        guard let count = t.wildcardCount(node) else { return .indefinite(step: i) }
        let out = t.newArray(count: count)
        for k in 0..<count {
            guard case .found(let x) = try select(t, t.element(node, at: k), i + 1, to) else { return .indefinite(step: i) }
            t.setElement(out, k, x)
        }
        t.seal(out)
        return .found(out)
    }
}
