/// Payload templates (`Parameters`, `ItemSelector`, `ResultSelector`): the one walk both
/// engines run. An object template builds an object of its members in order, an array
/// template an array, and every other node (a constant, a path, an intrinsic call, a query)
/// is the engine's own value. The interpreter builds JSON from `PayloadTemplate`
/// (`PayloadTemplate.evaluate`), the batch lane builds tape nodes from its flat copy of it.

/// What `PayloadTemplateWalk.open` found at a template node.
public enum TemplateStep<Node, Members, Elements> {
    /// A constant, or a path, intrinsic or query already evaluated.
    case value(Node)
    /// An object of `count` members (`member(_:of:)`).
    case object(Members, count: Int)
    /// An array of `count` elements (`element(_:of:)`).
    case array(Elements, count: Int)
}

/// An engine's templates and values, for `build`.
public protocol PayloadTemplateWalk {
    associatedtype Template
    associatedtype Key
    associatedtype Node
    /// An object template's members, an array template's elements.
    associatedtype Members
    associatedtype Elements
    associatedtype ObjectBuilder
    associatedtype ArrayBuilder
    /// What evaluating values may change as the walk goes (the interpreter's context
    /// object, built once when first read).
    associatedtype State
    associatedtype Failure: Error
    /// A template node: a container to build, or a value (evaluated here when it is a path,
    /// an intrinsic call or a query).
    func open(_ t: Template, _ state: inout State) throws(Failure) -> TemplateStep<Node, Members, Elements>
    /// Member `k` of an object template: its key and its value's template.
    func member(_ k: Int, of m: Members) -> (key: Key, value: Template)
    /// Element `k` of an array template.
    func element(_ k: Int, of e: Elements) -> Template
    func beginObject(count: Int) -> ObjectBuilder
    func add(_ value: consuming Node, at key: consuming Key, to o: inout ObjectBuilder)
    func end(_ o: ObjectBuilder) -> Node
    func beginArray(count: Int) -> ArrayBuilder
    func add(_ value: consuming Node, to a: inout ArrayBuilder)
    func end(_ a: ArrayBuilder) -> Node
}

extension PayloadTemplateWalk {
    /// The payload template `t` builds. The first error (a path that selects nothing, an
    /// intrinsic's failure) ends it.
    @inlinable
    public func build(_ t: Template, _ state: inout State) throws(Failure) -> Node {
        try build(try open(t, &state), &state)
    }

    /// `build` of a node already opened. A member or element that is a value (most are)
    /// is taken in the loop; only containers recurse.
    @inlinable
    func build(_ step: TemplateStep<Node, Members, Elements>, _ state: inout State) throws(Failure) -> Node {
        switch step {
        case .value(let v):
            return v
        case .object(let members, let count):
            var o = beginObject(count: count)
            for k in 0..<count {
                let m = member(k, of: members)
                let s = try open(m.value, &state)
                let v: Node
                if case .value(let x) = s { v = x } else { v = try build(s, &state) }
                add(v, at: m.key, to: &o)
            }
            return end(o)
        case .array(let elements, let count):
            var a = beginArray(count: count)
            for k in 0..<count {
                let e = element(k, of: elements)
                let s = try open(e, &state)
                let v: Node
                if case .value(let x) = s { v = x } else { v = try build(s, &state) }
                add(v, to: &a)
            }
            return end(a)
        }
    }
}
