import CortadoJSON
import CortadoPath

/// A line's tape as `JSONPathEvaluator` walks it: for paths that are not plain (filters,
/// unions, `..`, wildcards over objects), the interpreter's rules run over the line's bytes.
/// The caller checks the keys of every object under the root first (`Tape.checkKeysDeep`):
/// a read here never meets a repeated key. Anything that still goes wrong (a value too large
/// to convert) sets `failed`, and the caller hands the line over.
final class TapePathDocument: JSONPathDocument {
    let tape: Tape
    var failed = false

    init(_ tape: Tape) { self.tape = tape }

    func shape(_ n: Int32) -> JSONPathShape {
        let node = tape.nodes[Int(n)]
        switch node.kind {
        case .object, .builtObject: return .object(count: Int(node.count))
        case .array, .builtArray: return .array(count: Int(node.count))
        default: return .scalar
        }
    }

    /// The key and value nodes of member `name`.
    func entry(_ n: Int32, named name: String) -> (key: Int32, value: Int32)? {
        let t = tape
        let node = t.nodes[Int(n)]
        guard node.kind == .object || node.kind == .builtObject else { return nil }
        var name = name
        return name.withUTF8 { (want) -> (key: Int32, value: Int32)? in
            for k in 0..<Int(node.count) {
                let at = Int(node.first) + 2 * k
                if keyEquals(t.links[at], want) { return (t.links[at], t.links[at + 1]) }
            }
            return nil
        }
    }

    func keyEquals(_ key: Int32, _ want: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let spells = tape.keySpells(key, want) else { failed = true; return false }
        return spells
    }

    func member(_ n: Int32, named name: String) -> Int32? { entry(n, named: name)?.value }

    func member(_ n: Int32, at k: Int) -> Int32 { tape.links[Int(tape.nodes[Int(n)].first) + 2 * k + 1] }

    func element(_ n: Int32, at k: Int) -> Int32 { tape.links[Int(tape.nodes[Int(n)].first) + k] }

    func json(_ n: Int32) -> JSON {
        do { return try tape.materialize(n) } catch { failed = true; return .null }
    }

    func array(_ items: [Int32]) -> Int32 {
        let t = tape
        let a = t.newArray(count: items.count)
        let at = Int(t.nodes[Int(a)].first)
        for (k, x) in items.enumerated() { t.links[at + k] = x }
        t.seal(a)
        return a
    }

    func object(_ n: Int32, names: [String]) -> Int32 {
        var found: [(key: Int32, value: Int32)] = []
        for name in names {
            // (A name written twice is one member, as in an owned object.)
            if let e = entry(n, named: name), !found.contains(where: { $0.key == e.key }) { found.append(e) }
        }
        let t = tape
        let o = t.newObject(count: found.count)
        let at = Int(t.nodes[Int(o)].first)
        for (k, e) in found.enumerated() { t.links[at + 2 * k] = e.key; t.links[at + 2 * k + 1] = e.value }
        t.seal(o)
        return o
    }

    func node(_ v: JSON) -> Int32 {
        do { return try tape.adopt(v) } catch { failed = true; return tape.newInteger(0) }
    }
}
