import CortadoJSON
import CortadoPath

/// Payload templates over the tape: objects and arrays built from members, paths read, and
/// intrinsics (ArrayLength, Format, JsonMerge natively; others through the general engine's code).
extension TapeLane {
    func evaluate(_ index: Int32, _ input: Int32, _ item: Int32, _ itemIndex: Int) throws(Bail) -> Int32 {
        let t = tape
        switch templates[index] {
        case .constant(let c): return c
        case .object(let s):
            let o = t.newObject(count: Int(s.count))
            let at = Int(t.nodes[Int(o)].first)
            // Its size adds up here rather than in a second pass (`seal`): braces, commas,
            // then each member's key, colon and value.
            var size = 2 &+ max(0, Int(s.count) &- 1)
            for k in 0..<Int(s.count) {
                let m = members[Int(s.start) + k]
                let v: Int32
                // Most members read a path of the input or the Map item: followed here, not in a call.
                switch templates[m.template] {
                case .value(.input(let span)):
                    v = try path(input, span)
                    guard v >= 0 else { throw Bail() }
                case .value(.itemValue(let span)) where item >= 0:
                    v = try path(item, span)
                    guard v >= 0 else { throw Bail() }
                default:
                    v = try evaluate(m.template, input, item, itemIndex)
                }
                t.links[at &+ 2 &* k] = m.key
                t.links[at &+ 2 &* k &+ 1] = v
                size &+= Int(m.keySize) &+ 1 &+ Int(t.nodes[Int(v)].size)
            }
            t.nodes[Int(o)].size = Int32(clamping: size)
            return o
        case .array(let s):
            let a = t.newArray(count: Int(s.count))
            let at = Int(t.nodes[Int(a)].first)
            for k in 0..<Int(s.count) { t.links[at + k] = try evaluate(items[Int(s.start) + k], input, item, itemIndex) }
            t.seal(a)
            return a
        case .value(let v):
            let r = try read(v, input, item, itemIndex)
            guard r >= 0 else { throw Bail() }
            return r
        case .arrayLength(let v):
            let r = try read(v, input, item, itemIndex)
            guard r >= 0 else { throw Bail() }
            let kind = t.nodes[Int(r)].kind
            guard kind == .array || kind == .builtArray else { throw Bail() }
            return t.newInteger(Int(t.nodes[Int(r)].count))
        case .format(let pieces, let args, var plain):
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
                // Values other than strings print as Java does: the general engine's business.
                if !(try t.appendText(of: formatArgs[k])) { plain = false }
            }
            return t.newText(from: startByte, plain: plain)
        case .query(let q):
            let r = try query(q, input)
            guard r >= 0 else { throw Bail() }  // undefined: the evaluator's error
            return r
        case .jsonMerge(let a, let b):
            let x = try evaluate(a, input, item, itemIndex)
            return try t.mergeShallow(x, try evaluate(b, input, item, itemIndex))
        case .general(let call):
            let json = try t.materialize(input)
            let result: JSON
            do { result = try code.calls[Int(call)].evaluate(input: json, context: { .null }) } catch { throw Bail() }
            return try t.adopt(result)
        }
    }
}
