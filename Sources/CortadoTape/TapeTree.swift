import CortadoPath

/// The lane's compiled steps (`TapeCode.steps`) over a line's tape: what `PathSelection`
/// and `ResultPath` walk on the lane. Results are built as new nodes; the line's own nodes
/// are never changed (a value may be shared by two members).
struct TapeTree: ResultPathTree {
    typealias Node = Int32
    typealias Failure = Bail
    let tape: Tape
    let steps: UnsafeMutablePointer<TStep>
    let keys: UnsafeMutablePointer<Key>
    /// Per step: the member index where its name was found last (`Tape.member`).
    let hints: UnsafeMutablePointer<Int32>

    @inline(__always)
    func kind(ofStep i: Int) -> PlainStepKind {
        switch steps[i] {
        case .name: return .name
        case .index(let k): return .index(k)
        case .wildcard: return .wildcard
        case .slice(let a, let b):
            return .slice(from: a == TStep.noBound ? nil : Int(a), to: b == TStep.noBound ? nil : Int(b))
        case .evaluate: return .name  // (never walked: `TapeLane.select` evaluates it)
        }
    }

    @inline(__always)
    func isArray(_ node: Int32) -> Bool {
        let kind = tape.nodes[Int(node)].kind
        return kind == .array || kind == .builtArray
    }

    @inline(__always)
    func follow(_ node: Int32, step i: Int) throws(Bail) -> PathStepResult<Int32> {
        let v: Int32
        switch steps[i] {
        case .name(let k): v = try tape.member(node, keys + Int(k), hints + i)
        case .index(let k): v = tape.element(node, k)
        case .wildcard, .slice, .evaluate: return .wrongKind
        }
        return v >= 0 ? .found(v) : (v == -1 ? .missing : .wrongKind)
    }

    @inline(__always)
    func wildcardCount(_ node: Int32) -> Int? {
        isArray(node) ? Int(tape.nodes[Int(node)].count) : nil
    }

    @inline(__always)
    func element(_ node: Int32, at k: Int) -> Int32 { tape.links[Int(tape.nodes[Int(node)].first) &+ k] }

    @inline(__always)
    func newArray(count: Int) -> Int32 { tape.newArray(count: count) }

    @inline(__always)
    func setElement(_ array: Int32, _ k: Int, _ value: Int32) {
        tape.links[Int(tape.nodes[Int(array)].first) &+ k] = value
    }

    @inline(__always)
    func seal(_ array: Int32) { tape.seal(array) }

    func emptyObject() -> Int32 {
        let o = tape.newObject(count: 0)
        tape.seal(o)
        return o
    }

    @inline(__always)
    func takeMember(_ node: inout Int32, step i: Int) throws(Bail) -> PathStepResult<Int32> {
        try follow(node, step: i)
    }

    /// A new object: `node`'s members with `value` in the place where `takeMember` found
    /// member `step i` (`Tape.member` leaves its hint there), or appended. Members are told
    /// apart by position: two may hold the same value node (`{"a.$":"$.x","b.$":"$.x"}`).
    /// The size follows from the old one (no pass over the members); a saturated size stays
    /// saturated, since the members' true sizes are not known.
    func putMember(_ node: inout Int32, step i: Int, _ value: Int32, replacing: Bool) throws(Bail) {
        let t = tape
        let n = t.nodes[Int(node)]
        let count = Int(n.count)
        let out = t.newObject(count: replacing ? count : count + 1)
        let from = Int(n.first), at = Int(t.nodes[Int(out)].first)
        for k in 0..<(2 * count) { t.links[at + k] = t.links[from + k] }
        var size = Int(n.size) &+ Int(t.nodes[Int(value)].size)
        if replacing {
            let slot = at + 2 * Int(hints[i]) + 1
            if n.size < Int32.max { size &-= Int(t.nodes[Int(t.links[slot])].size) }
            t.links[slot] = value
        } else {
            guard case .name(let key) = steps[i] else { throw Bail() }
            let keyNode = keys[Int(key)].node
            t.links[at + 2 * count] = keyNode
            t.links[at + 2 * count + 1] = value
            size &+= (count > 0 ? 1 : 0) &+ Int(t.nodes[Int(keyNode)].size) &+ 1
        }
        t.nodes[Int(out)].size = Int32(clamping: size)
        node = out
    }

    @inline(__always)
    func takeElement(_ node: inout Int32, _ k: Int) throws(Bail) -> PathStepResult<Int32> {
        let v = tape.element(node, k)
        return v >= 0 ? .found(v) : (v == -1 ? .missing : .wrongKind)
    }

    /// A new array: `node`'s elements with `value` in the place of element `k`.
    func putElement(_ node: inout Int32, _ k: Int, _ value: Int32) throws(Bail) {
        let t = tape
        let count = Int(t.nodes[Int(node)].count)
        let e = k < 0 ? count + k : k
        let out = t.newArray(count: count)
        let from = Int(t.nodes[Int(node)].first), at = Int(t.nodes[Int(out)].first)
        for j in 0..<count { t.links[at + j] = j == e ? value : t.links[from + j] }
        t.seal(out)
        node = out
    }
}
