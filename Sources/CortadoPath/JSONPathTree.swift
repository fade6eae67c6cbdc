import CortadoJSON

/// A reference path's steps over JSON values: what the interpreter hands `PathSelection`
/// and `ResultPath`. Only names and integer indices walk here (`JSONPath.isSimple`);
/// anything else is reported indefinite, for `JSONPathEvaluator`.
struct JSONPathTree: ResultPathTree {
    typealias Node = JSON
    typealias Failure = Never
    let segments: [JSONPathSegment]

    @inline(__always)
    func name(_ i: Int) -> String {
        if case .name(let n, _) = segments[i] { return n }
        return ""
    }

    func kind(ofStep i: Int) -> PlainStepKind {
        switch segments[i] {
        case .name: return .name
        case .index(let k): return .index(k)
        default: return .wildcard
        }
    }

    func follow(_ node: JSON, step i: Int) -> PathStepResult<JSON> {
        switch segments[i] {
        case .name(let n, _):
            guard case .object(let o) = node else { return .wrongKind }
            guard let v = o[n] else { return .missing }
            return .found(v)
        case .index(let k):
            guard case .array(let a) = node else { return .wrongKind }
            let e = k < 0 ? a.count + k : k
            guard e >= 0 && e < a.count else { return .missing }
            return .found(a[e])
        default:
            return .wrongKind
        }
    }

    // Wildcards are `JSONPathEvaluator`'s (an object's values, elements skipped): no
    // array is ever made here.
    func wildcardCount(_ node: JSON) -> Int? { nil }
    func element(_ node: JSON, at k: Int) -> JSON { .null }
    func newArray(count: Int) -> JSON { .array([]) }
    func setElement(_ array: JSON, _ k: Int, _ value: JSON) {}
    func seal(_ array: JSON) {}

    func emptyObject() -> JSON { .object(JSONObject()) }

    // Taking a member out leaves `.null` in its place and the containers uniquely
    // referenced, so a ResultPath changes the input without copying it.

    func takeMember(_ node: inout JSON, step i: Int) -> PathStepResult<JSON> {
        guard case .object(var o) = node else { return .wrongKind }
        node = .null
        let n = name(i)
        let v = o[n]
        if v != nil { o[n] = .null }
        node = .object(o)
        return v.map { .found($0) } ?? .missing
    }

    func putMember(_ node: inout JSON, step i: Int, _ value: JSON, replacing: Bool) {
        guard case .object(var o) = node else { return }
        node = .null
        o[name(i)] = value
        node = .object(o)
    }

    func takeElement(_ node: inout JSON, _ k: Int) -> PathStepResult<JSON> {
        guard case .array(var a) = node else { return .wrongKind }
        let e = k < 0 ? a.count + k : k
        guard e >= 0 && e < a.count else { return .missing }
        node = .null
        let v = a[e]
        a[e] = .null
        node = .array(a)
        return .found(v)
    }

    func putElement(_ node: inout JSON, _ k: Int, _ value: JSON) {
        guard case .array(var a) = node else { return }
        node = .null
        a[k < 0 ? a.count + k : k] = value
        node = .array(a)
    }
}
