import CortadoJSON
import CortadoPath

/// Payload templates over the tape: `PayloadTemplateWalk.build` walks the lane's flat copy
/// of the template and builds nodes; paths are read here, and intrinsics (ArrayLength,
/// Format, JsonMerge natively; others through the general engine's code).
extension TapeLane {
    @inline(__always)
    func evaluate(_ index: Int32, _ input: Int32, _ item: Int32, _ itemIndex: Int) throws(Bail) -> Int32 {
        var none: Void = ()
        return try TapeTemplateWalk(lane: self, input: input, item: item, itemIndex: itemIndex).build(index, &none)
    }

    /// A template node that is not a container: a constant, a path, an intrinsic or a query.
    /// (Out of line: the walk's loop stays small enough for the paths it reads to be inlined.)
    @inline(never)
    func leaf(_ index: Int32, _ input: Int32, _ item: Int32, _ itemIndex: Int) throws(Bail) -> Int32 {
        let t = tape
        switch templates[index] {
        case .constant(let c): return c
        case .object, .array:
            return try evaluate(index, input, item, itemIndex)
        case .value(let v):
            let r = try read(v, input, item, itemIndex)
            guard r >= 0 else { throw templateMiss(index, input) }
            return r
        case .arrayLength(let v):
            let r = try read(v, input, item, itemIndex)
            guard r >= 0 else { throw Bail() }
            let kind = t.nodes[Int(r)].kind
            guard kind == .array || kind == .builtArray else { throw Bail() }
            return t.newInteger(Int(t.nodes[Int(r)].count))
        case .format(let pieces, let args, var plain, let general):
            // Resolve every value first (reading may build nodes, links and scratch text).
            formatArgs.truncate(to: 0)
            for k in 0..<Int(args.count) {
                let r = try read(values[Int(args.start) + k], input, item, itemIndex)
                guard r >= 0 else { throw Bail() }
                formatArgs.append(r)
            }
            let startByte = t.scratch.count
            for k in 0..<Int(pieces.count) {
                let piece = keys[Int(pieces.start) + k]
                t.scratch.append(piece.bytes, Int(piece.count))
                guard k < Int(args.count) else { break }
                guard let textPlain = t.appendTextOfString(formatArgs[k]) else {
                    // Values other than strings print as Java does: the general code's business.
                    guard general >= 0 else { throw Bail() }
                    t.scratch.truncate(to: startByte)
                    return try generalCall(general, input)
                }
                if !textPlain { plain = false }
            }
            return t.newText(from: startByte, plain: plain)
        case .query(let q):
            return try fieldQuery(q, input)
        case .jsonMerge(let a, let b):
            let x = try evaluate(a, input, item, itemIndex)
            return try t.mergeShallow(x, try evaluate(b, input, item, itemIndex))
        case .general(let call):
            return try generalCall(call, input)
        }
    }

    /// Intrinsic call `call` (`TapeCode.calls`) as the general code runs it, on `input`
    /// and the variables it reads, materialized; its failure goes back (its error is the
    /// general engine's to raise, and Retry and Catch may take it).
    func generalCall(_ call: Int32, _ input: Int32) throws(Bail) -> Int32 {
        let t = tape
        let json = try t.materialize(input)
        // The variables it reads, as JSON (one not set is left out: its error is the call's).
        var named: [String: JSON] = [:]
        for (name, slot) in code.callVariables[Int(call)] where variables[Int(slot)] >= 0 {
            named[name] = try t.materialize(variables[Int(slot)])
        }
        // `$$` as the call reads it (`TapeCode.callContext`).
        let context = try contextJSON(code.callContext[Int(call)])
        let result: JSON
        do { result = try code.calls[Int(call)].evaluate(input: json, variables: named, context: { context }) } catch { throw Bail() }
        return try t.adopt(result)
    }
}

/// The lane's templates (`TapeCode.templates`) building tape nodes. An object's size adds
/// up as its members are added (braces, commas, then each key, colon and value), not in a
/// second pass.
struct TapeTemplateWalk: PayloadTemplateWalk {
    typealias Template = Int32
    typealias Key = TMember
    typealias Node = Int32
    /// Where the members (`TapeCode.members`) or elements (`TapeCode.items`) start.
    typealias Members = Int
    typealias Elements = Int
    typealias State = Void
    typealias Failure = Bail
    struct ObjectBuilder {
        let node: Int32
        let at: Int
        var k = 0
        var size: Int
    }
    struct ArrayBuilder {
        let node: Int32
        let at: Int
        var k = 0
    }
    let lane: TapeLane
    let input: Int32
    /// The Map item's node (-1 outside an ItemSelector) and its index.
    let item: Int32
    let itemIndex: Int

    @inline(__always)
    func open(_ t: Int32, _ state: inout Void) throws(Bail) -> TemplateStep<Int32, Int, Int> {
        switch lane.templates[t] {
        case .object(let s): return .object(Int(s.start), count: Int(s.count))
        case .array(let s): return .array(Int(s.start), count: Int(s.count))
        case .constant(let c): return .value(c)
        // Most members read a path of the input or the Map item: followed here, not in a call.
        case .value(.input(let span)):
            let r = try lane.path(input, span)
            guard r >= 0 else { throw lane.templateMiss(t, input) }
            return .value(r)
        case .value(.itemValue(let span)) where item >= 0:
            let r = try lane.path(item, span)
            guard r >= 0 else { throw lane.templateMiss(t, input) }
            return .value(r)
        case .value(.itemIndex) where item >= 0:
            return .value(lane.tape.newInteger(itemIndex))
        default: return .value(try lane.leaf(t, input, item, itemIndex))
        }
    }

    @inline(__always)
    func member(_ k: Int, of start: Int) -> (key: TMember, value: Int32) {
        let m = lane.members[start &+ k]
        return (m, m.template)
    }

    @inline(__always)
    func element(_ k: Int, of start: Int) -> Int32 { lane.items[start &+ k] }

    @inline(__always)
    func beginObject(count: Int) -> ObjectBuilder {
        let o = lane.tape.newObject(count: count)
        return ObjectBuilder(node: o, at: Int(lane.tape.nodes[Int(o)].first), size: 2 &+ max(0, count &- 1))
    }

    @inline(__always)
    func add(_ value: consuming Int32, at key: consuming TMember, to o: inout ObjectBuilder) {
        let t = lane.tape
        t.links[o.at &+ 2 &* o.k] = key.key
        t.links[o.at &+ 2 &* o.k &+ 1] = value
        o.size &+= Int(key.keySize) &+ 1 &+ Int(t.nodes[Int(value)].size)
        o.k &+= 1
    }

    @inline(__always)
    func end(_ o: ObjectBuilder) -> Int32 {
        lane.tape.nodes[Int(o.node)].size = Int32(clamping: o.size)
        return o.node
    }

    @inline(__always)
    func beginArray(count: Int) -> ArrayBuilder {
        let a = lane.tape.newArray(count: count)
        return ArrayBuilder(node: a, at: Int(lane.tape.nodes[Int(a)].first))
    }

    @inline(__always)
    func add(_ value: consuming Int32, to a: inout ArrayBuilder) {
        lane.tape.links[a.at &+ a.k] = value
        a.k &+= 1
    }

    @inline(__always)
    func end(_ a: ArrayBuilder) -> Int32 {
        lane.tape.seal(a.node)
        return a.node
    }
}
