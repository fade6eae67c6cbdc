import CortadoJSON

/// What an expression reads of one value (Step Functions' `$states.input`): the members it
/// follows by name, each with what it reads of that member's value, or all of it. A host
/// converts only that much of a large input for the evaluator (`JSONataValue(_:projection:)`);
/// the expression sees the same values along every path it follows. Immutable.
public final class JSONataProjection: @unchecked Sendable, CustomStringConvertible {
    /// The whole value.
    public let all: Bool
    /// By member name: what is read of it (when not `all`).
    let members: [String: JSONataProjection]
    /// `members` as a list, for a document that compares each key of an object with them
    /// (`utf8`: the name's bytes).
    public let memberList: [(name: String, utf8: [UInt8], projection: JSONataProjection)]

    init(all: Bool, members: [String: JSONataProjection]) {
        self.all = all; self.members = members
        memberList = members.map { ($0.key, Array($0.key.utf8), $0.value) }
    }

    /// `*` for everything, else `{name:..., ...}` by name.
    public var description: String {
        all ? "*" : "{" + members.keys.sorted().map { "\($0):\(members[$0]!.description)" }.joined(separator: ",") + "}"
    }

    public static let everything = JSONataProjection(all: true, members: [:])
    public static let nothing = JSONataProjection(all: false, members: [:])

    /// Whether `self` reads no more than `other` converts.
    public func isCovered(by other: JSONataProjection) -> Bool {
        if self === other || other.all { return true }
        if all { return false }
        // (Lists of a few names: a scan compares small strings, cheaper than hashing them.)
        for m in memberList {
            guard let o = other.memberList.first(where: { $0.name == m.name }), m.projection.isCovered(by: o.projection)
            else { return false }
        }
        return true
    }

    /// What either reads.
    public func union(_ other: JSONataProjection) -> JSONataProjection {
        if all || other.all { return .everything }
        var m = members
        for (k, p) in other.members { m[k] = m[k].map { $0.union(p) } ?? p }
        return JSONataProjection(all: false, members: m)
    }

    /// The chain of names `names` read, its last member read whole.
    func including(_ names: ArraySlice<String>) -> JSONataProjection {
        guard let first = names.first else { return .everything }
        if all { return self }
        var m = members
        m[first] = (m[first] ?? .nothing).including(names.dropFirst())
        return JSONataProjection(all: false, members: m)
    }
}

extension JSONataExpression {
    /// What the expression reads of `$<variable>.<member>` (`$states.input`): every use must
    /// be a path `$states.input.a.b...` whose names it follows (the last plain name step,
    /// or one with a predicate, focus or the like, read whole). Any other use of `$states`
    /// (alone, as an argument, rebound), a parent operator (`%`) or an occurrence the walk
    /// does not account for reads it all.
    public func projection(ofMember member: String, of variable: String) -> JSONataProjection {
        if source.contains("%") { return .everything }
        var walk = ProjectionWalk(variable: variable, member: member)
        walk.visit(ast, depth: 0)
        // Every `$states` in the text must be one the walk saw (a string holding the text
        // counts too, and then everything is read: safe).
        if walk.all || walk.seen != Self.occurrences(of: "$" + variable, in: source) { return .everything }
        return walk.projection
    }

    /// Occurrences of `token` not followed by a name character.
    static func occurrences(of token: String, in text: String) -> Int {
        let t = Array(token.utf8), s = Array(text.utf8)
        guard s.count >= t.count else { return 0 }
        var n = 0
        var i = 0
        while i + t.count <= s.count {
            if s[i] == t[0], Array(s[i..<(i + t.count)]) == t {
                let next = i + t.count < s.count ? s[i + t.count] : 0
                let isName = next == 0x5F || (next >= 0x30 && next <= 0x39) || (next | 0x20 >= 0x61 && next | 0x20 <= 0x7A) || next >= 0x80
                if !isName { n += 1 }
                i += t.count
            } else {
                i += 1
            }
        }
        return n
    }
}

/// The walk of `projection(ofMember:of:)`: the children it visits are those `freeVariables`
/// visits.
struct ProjectionWalk {
    let variable: String
    let member: String
    var projection = JSONataProjection.nothing
    var all = false
    /// `$variable` nodes met.
    var seen = 0

    /// A name step the chain follows: no predicate, stage, grouping, focus, index or `[]`.
    static func isPlainName(_ n: Node) -> Bool {
        n.type == .name && n.predicate == nil && n.stages == nil && n.group == nil && n.focus == nil
            && n.index == nil && !n.keepArray && !n.tuple
    }

    mutating func visit(_ node: Node?, depth: Int) {
        guard let node, !all else { return }
        guard depth < 10_000 else { all = true; return }
        let d = depth + 1
        switch node.type {
        case .variable where node.str == variable:
            seen += 1
            all = true  // a use outside a path of names
            return
        case .bind:
            if let l = node.lhs, l.type == .variable, l.str == variable { all = true; return }
        case .lambda:
            if node.params.contains(variable) { all = true; return }
        case .path:
            visitPath(node, depth: d)
            return
        default: break
        }
        visitChildren(node, depth: d)
    }

    /// A path: a step `$variable` followed by `.member` starts a chain of plain names.
    mutating func visitPath(_ node: Node, depth d: Int) {
        let steps = node.steps
        var k = 0
        while k < steps.count {
            let s = steps[k]
            if s.type == .variable, s.str == variable {
                seen += 1
                guard s.predicate == nil, s.stages == nil, s.group == nil, s.focus == nil, s.index == nil, !s.keepArray else {
                    all = true; return
                }
                // `$states.result` and the like read nothing of the member.
                guard k + 1 < steps.count, steps[k + 1].type == .name else { all = true; return }
                if steps[k + 1].str != member || !Self.isPlainName(steps[k + 1]) {
                    if steps[k + 1].str == member { all = true; return }
                    k += 1
                    continue
                }
                var names: [String] = []
                var j = k + 2
                while j < steps.count, steps[j].type == .name {
                    names.append(steps[j].str)
                    if !Self.isPlainName(steps[j]) { break }
                    j += 1
                }
                projection = projection.including(names[...])
                // The steps after `$states.input` still hold expressions (predicates, blocks).
                for x in steps[(k + 1)...] { visitStep(x, depth: d) }
                k = steps.count
                break
            }
            visitStep(s, depth: d)
            k += 1
        }
        visitChildren(node, depth: d, skippingSteps: true)
    }

    /// A path step other than the chain's `$variable`.
    mutating func visitStep(_ s: Node, depth d: Int) {
        if s.type == .variable && s.str != variable { visitChildren(s, depth: d); return }
        visit(s, depth: d)
    }

    mutating func visitChildren(_ node: Node, depth d: Int, skippingSteps: Bool = false) {
        if node.type != .bind { visit(node.lhs, depth: d) }
        visit(node.rhs, depth: d)
        visit(node.procedure, depth: d)
        for n in [node.expression, node.condition, node.then, node.els, node.pattern, node.update, node.delete, node.body] {
            visit(n, depth: d)
        }
        for n in node.expressions + node.arguments { visit(n, depth: d) }
        if !skippingSteps { for n in node.steps { visit(n, depth: d) } }
        for (k, v) in node.pairs + (node.group?.pairs ?? []) {
            visit(k, depth: d)
            visit(v, depth: d)
        }
        for t in node.terms { visit(t.expression, depth: d) }
        for case .filter(let p, _) in (node.predicate ?? []) + (node.stages ?? []) { visit(p, depth: d) }
    }
}

extension JSONataValue {
    /// `json` converted only as far as `projection` reads it: an object keeps only the
    /// members it names (in their order), an array's elements are projected alike.
    public convenience init(_ json: JSON, projection: JSONataProjection) {
        self.init(value: JV(json: json, projection: projection))
    }

    /// A host's document converted as far as `projection` reads it.
    public convenience init(_ document: some JSONataDocument, _ root: Int32, projection: JSONataProjection) throws {
        self.init(value: try JV.convert(document, root, projection))
    }
}

extension JV {
    init(json: JSON, projection p: JSONataProjection) {
        if p.all { self.init(json: json); return }
        switch json {
        case .object(let o):
            let r = JObj(capacity: min(o.count, p.members.count))
            for m in o.members {
                if let w = p.memberList.first(where: { $0.name == m.key }) { r[m.key] = JV(json: m.value, projection: w.projection) }
            }
            self = .object(r)
        case .array(let a): self = .array(JArr(a.map { JV(json: $0, projection: p) }))
        default: self.init(json: json)
        }
    }

    static func convert(_ d: some JSONataDocument, _ n: Int32, _ p: JSONataProjection) throws -> JV {
        if p.all { return try convert(d, n) }
        switch try d.members(n, of: p) {
        case .object(let found):
            let r = JObj(capacity: found.count)
            for (k, v, q) in found { r.appendUnchecked(k, try convert(d, v, q)) }
            r.finishBuilding()
            return .object(r)
        case .array(let xs):
            var items: [JV] = []
            items.reserveCapacity(xs.count)
            for x in xs { items.append(try convert(d, x, p)) }
            return .array(JArr(items))
        case .scalar:
            return try convert(d, n)
        }
    }
}

/// What `JSONataDocument.members(_:named:)` found.
public enum JSONataMembers {
    /// An object's members named in the projection, in the object's order (keys unique).
    case object([(String, Int32, JSONataProjection)])
    case array([Int32])
    case scalar
}

extension JSONataDocument {
    /// Through `node`: a document that can find members by name without making every key a
    /// String implements it itself.
    public func members(_ n: Int32, of projection: JSONataProjection) throws -> JSONataMembers {
        switch try node(n) {
        case .object(let keys, let values):
            var out: [(String, Int32, JSONataProjection)] = []
            for k in keys.indices { if let q = projection.members[keys[k]] { out.append((keys[k], values[k], q)) } }
            return .object(out)
        case .array(let xs): return .array(xs)
        default: return .scalar
        }
    }
}
