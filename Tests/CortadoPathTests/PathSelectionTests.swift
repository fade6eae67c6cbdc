import CortadoJSON
@testable import CortadoPath
import Testing

/// `PathSelection` and `ResultPath`, the walks both engines run, over JSON values.
@Suite struct PathSelectionTests {
    static func doc(_ s: String) throws -> JSON { try JSON.parse(s) }
    static func tree(_ path: String) throws -> (JSONPathTree, Int) {
        let p = try JSONPath.parse(path)
        return (JSONPathTree(segments: p.segments), p.segments.count)
    }

    @Test func aWalkSaysWhichStepStoppedItAndWhy() throws {
        let input = try Self.doc(#"{"a":{"b":[1,{"c":2}]},"s":"x"}"#)
        func walk(_ path: String) throws -> PathWalk<JSON> {
            let (t, n) = try Self.tree(path)
            return PathSelection.select(t, input, 0, n)
        }
        guard case .found(let v) = try walk("$.a.b[-1].c") else { Issue.record("no match"); return }
        #expect(v == 2)
        guard case .missing(let m) = try walk("$.a.x.y") else { Issue.record("not missing"); return }
        #expect(m == 1)
        guard case .missing(let o) = try walk("$.a.b[2]") else { Issue.record("not out of range"); return }
        #expect(o == 2)
        guard case .wrongKind(let w, let node) = try walk("$.s.t") else { Issue.record("not wrong kind"); return }
        #expect(w == 1 && node == "x")
        guard case .wrongKind(let w2, _) = try walk("$.a[0]") else { Issue.record("index on an object"); return }
        #expect(w2 == 1)
        // JSON values leave wildcards to JSONPathEvaluator.
        guard case .indefinite(let i) = try walk("$.a.b[*]") else { Issue.record("wildcard walked"); return }
        #expect(i == 2)
    }

    @Test func aConflictLeavesTheInputAsItWas() throws {
        let input = try Self.doc(#"{"a":{"b":[1,{"c":2}],"k":0},"s":"x"}"#)
        for (path, step) in [("$.a.b[1].c.d", 4), ("$.a.b[5]", 2), ("$.a.k.z", 2), ("$.a.new[0]", 2), ("$.s[0]", 1)] {
            let (t, n) = try Self.tree(path)
            var root = input
            #expect(ResultPath.assign(t, "v", into: &root, 0, n) == step, "\(path)")
            #expect(root == input, "\(path) changed the input")
        }
        let (t, n) = try Self.tree("$.a.b[1].new.deep")
        var root = input
        #expect(ResultPath.assign(t, true, into: &root, 0, n) == nil)
        #expect(root == (try Self.doc(#"{"a":{"b":[1,{"c":2,"new":{"deep":true}}],"k":0},"s":"x"}"#)))
    }

    /// A uniquely held input is changed where it is: neither the input's members nor those
    /// of the object on the way are copied.
    @Test func aResultPathChangesAUniquelyHeldInputInPlace() throws {
        func storage(_ j: JSON) -> [UnsafeRawPointer?] {
            guard case .object(let o) = j, case .object(let inner)? = o["a"] else { return [] }
            return [o.members.withUnsafeBufferPointer { UnsafeRawPointer($0.baseAddress) },
                    inner.members.withUnsafeBufferPointer { UnsafeRawPointer($0.baseAddress) }]
        }
        var root = try Self.doc(#"{"a":{"b":1,"c":2},"d":3}"#)
        let before = storage(root)
        let (t, n) = try Self.tree("$.a.b")
        #expect(ResultPath.assign(t, 5, into: &root, 0, n) == nil)
        #expect(root == (try Self.doc(#"{"a":{"b":5,"c":2},"d":3}"#)))
        #expect(before.count == 2 && storage(root) == before)
    }
}
