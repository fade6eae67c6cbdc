/// ResultPath (and any reference path a result is written at): the one rule both engines
/// run. The interpreter applies it to JSON values (`JSONPath.assign`), the batch lane to a
/// line's tape; each supplies how a member or element is taken out and put back.

/// A tree a result can be written into.
public protocol ResultPathTree: PathTree {
    /// An empty object: a member missing on the way is created as one.
    func emptyObject() -> Node
    /// Member `step i` of `node`, taken out to be changed and put back with `putMember`
    /// (`.found`); `.missing`; or `.wrongKind` when `node` is not an object.
    func takeMember(_ node: inout Node, step i: Int) throws(Failure) -> PathStepResult<Node>
    /// Sets member `step i` of object `node` to `value`: in the place `takeMember` took it
    /// from (`replacing`), or appended.
    func putMember(_ node: inout Node, step i: Int, _ value: Node, replacing: Bool) throws(Failure)
    /// Element `k` of `node`, taken out to be changed and put back with `putElement`
    /// (`.found`); `.missing` past either end; `.wrongKind` when `node` is not an array.
    func takeElement(_ node: inout Node, _ k: Int) throws(Failure) -> PathStepResult<Node>
    /// Sets element `k` (which `takeElement` found) of array `node` to `value`.
    func putElement(_ node: inout Node, _ k: Int, _ value: Node) throws(Failure)
}

public enum ResultPath {
    /// Writes `value` at steps `from..<to` (names and indices: a reference path) of `root`.
    /// Every step must apply to the input as it is: a name to an object, an index to an
    /// array holding it. A member missing on the way is created as an empty object, so only
    /// names may follow it.
    /// - Returns: nil when written; otherwise the first step that cannot be applied, with
    ///   `root` as it was (AWS's `States.ReferencePathConflict` quotes the input).
    @inlinable
    public static func assign<T: ResultPathTree>(_ t: T, _ value: T.Node, into root: inout T.Node,
                                                 _ from: Int, _ to: Int) throws(T.Failure) -> Int? {
        if from == to { root = value; return nil }
        return try set(t, &root, from, to, value)
    }

    /// Writes `value` at steps `i..<to` of `node`, or gives the step that cannot be applied
    /// (each level puts back what it took, so `node` is as it was).
    @inlinable
    static func set<T: ResultPathTree>(_ t: T, _ node: inout T.Node, _ i: Int, _ to: Int, _ value: T.Node) throws(T.Failure) -> Int? {
        let last = i + 1 == to
        switch t.kind(ofStep: i) {
        case .name:
            switch try t.takeMember(&node, step: i) {
            case .wrongKind:
                return i
            case .missing:
                if last {
                    try t.putMember(&node, step: i, value, replacing: false)
                    return nil
                }
                for k in (i + 1)..<to {
                    guard case .name = t.kind(ofStep: k) else { return k }
                }
                var child = t.emptyObject()
                _ = try set(t, &child, i + 1, to, value)  // names into new objects: no conflict
                try t.putMember(&node, step: i, child, replacing: false)
                return nil
            case .found(var child):
                var conflict: Int?
                if last { child = value } else { conflict = try set(t, &child, i + 1, to, value) }
                try t.putMember(&node, step: i, child, replacing: true)
                return conflict
            }
        case .index(let k):
            guard case .found(var child) = try t.takeElement(&node, k) else { return i }
            var conflict: Int?
            if last { child = value } else { conflict = try set(t, &child, i + 1, to, value) }
            try t.putElement(&node, k, child)
            return conflict
        case .wildcard, .slice:
            return i  // not in a reference path
        }
    }
}
