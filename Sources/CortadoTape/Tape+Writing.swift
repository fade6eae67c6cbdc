#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CortadoJSON

extension Tape {
    // MARK: - Writing

    /// Appends the compact JSON of node `i` to `out`. Every node knows the bytes it writes
    /// (`size`), so room is made once and the bytes are stored through a cursor: no
    /// capacity check per piece.
    func write(_ i: Int32) {
        let size = Int(nodes[Int(i)].size)
        // A size that saturated is never written: results over the payload limit hand over
        // before (`TapeLane.execute`, `materialize`).
        precondition(size < Int(Int32.max), "tape value too large to write")
        out.grow(out.count &+ size)
        let start = out.base + out.count
        let stop = emit(i, to: start)
        // Holds by construction (sizes are computed as the bytes `emit` stores); a mismatch
        // is a bug, and stops the process rather than writing a wrong result.
        precondition(stop - start == size, "tape node size does not match its bytes")
        out.setCount(out.count &+ size)
    }

    /// Stores the compact JSON of node `i` at `o` and returns the end.
    func emit(_ i: Int32, to o: UnsafeMutablePointer<UInt8>) -> UnsafeMutablePointer<UInt8> {
        let n = nodes[Int(i)]
        var o = o
        switch n.kind {
        case .builtObject:
            o[0] = UInt8(ascii: "{")
            o += 1
            var l = links.base + Int(n.first)
            for k in 0..<Int(n.count) {
                if k > 0 { o[0] = UInt8(ascii: ","); o += 1 }
                o = emitLeaf(l[0], to: o)
                o[0] = UInt8(ascii: ":")
                o = emitLeaf(l[1], to: o + 1)
                l += 2
            }
            o[0] = UInt8(ascii: "}")
            return o + 1
        case .builtArray:
            o[0] = UInt8(ascii: "[")
            o += 1
            let l = links.base + Int(n.first)
            for k in 0..<Int(n.count) {
                if k > 0 { o[0] = UInt8(ascii: ","); o += 1 }
                o = emitLeaf(l[k], to: o)
            }
            o[0] = UInt8(ascii: "]")
            return o + 1
        case .text:
            let u = UnsafeBufferPointer(start: scratch.base + Int(n.start), count: Int(n.end - n.start))
            if !n.escaped {
                o[0] = UInt8(ascii: "\"")
                Tape.copy(u.baseAddress!, u.count, to: o + 1)
                o[u.count + 1] = UInt8(ascii: "\"")
                return o + u.count + 2
            }
            var w = JSONWriter()
            w.writeString(utf8: u)
            return w.bytes.withUnsafeBufferPointer { b in
                Tape.copy(b.baseAddress!, b.count, to: o)
                return o + b.count
            }
        case .object, .array:
            let p = base(n.src) + Int(n.start)
            if n.src == .line && !lineCompact {
                return Tape.minify(UnsafeBufferPointer(start: p, count: Int(n.end - n.start)), to: o)
            }
            Tape.copy(p, Int(n.end - n.start), to: o)
            return o + Int(n.end - n.start)
        default:
            Tape.copy(base(n.src) + Int(n.start), Int(n.end - n.start), to: o)
            return o + Int(n.end - n.start)
        }
    }

    /// `emit`, with parsed scalars (keys, most values) copied here rather than in a call.
    @inline(__always)
    func emitLeaf(_ i: Int32, to o: UnsafeMutablePointer<UInt8>) -> UnsafeMutablePointer<UInt8> {
        let n = nodes[Int(i)]
        if n.kind.rawValue <= NodeKind.string.rawValue {
            let c = Int(n.end &- n.start)
            Tape.copy(base(n.src) + Int(n.start), c, to: o)
            return o + c
        }
        return emit(i, to: o)
    }

    /// Copies `n` bytes: most pieces (keys, numbers, short strings) are a few bytes, and
    /// two overlapping moves beat a call to memmove. Reads and writes stay within the `n`.
    @inline(__always)
    static func copy(_ s: UnsafePointer<UInt8>, _ n: Int, to d: UnsafeMutablePointer<UInt8>) {
        let src = UnsafeRawPointer(s), dst = UnsafeMutableRawPointer(d)
        if n >= 8 {
            if n > 16 { dst.copyMemory(from: src, byteCount: n); return }
            dst.storeBytes(of: src.loadUnaligned(as: UInt64.self), as: UInt64.self)
            (dst + (n &- 8)).storeBytes(of: (src + (n &- 8)).loadUnaligned(as: UInt64.self), as: UInt64.self)
        } else if n >= 4 {
            dst.storeBytes(of: src.loadUnaligned(as: UInt32.self), as: UInt32.self)
            (dst + (n &- 4)).storeBytes(of: (src + (n &- 4)).loadUnaligned(as: UInt32.self), as: UInt32.self)
        } else if n > 0 {
            d[0] = s[0]
            d[n &- 1] = s[n &- 1]
            d[n >> 1] = s[n >> 1]
        }
    }

    /// Stores JSON text without the whitespace between tokens (strings in a line the lane
    /// took have no escapes, so every quote opens or closes one); returns the end.
    static func minify(_ b: UnsafeBufferPointer<UInt8>, to o: UnsafeMutablePointer<UInt8>) -> UnsafeMutablePointer<UInt8> {
        var o = o
        var inString = false
        for c in b {
            if c == UInt8(ascii: "\"") { inString.toggle() }
            if !inString, c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 { continue }
            o[0] = c
            o += 1
        }
        return o
    }

    /// The node as a general JSON value (for the comparisons and intrinsics the lane hands
    /// to the general engine's code, so their semantics are that code's).
    func materialize(_ i: Int32) throws(Bail) -> JSON {
        try checkKeysDeep(i)
        guard nodes[Int(i)].size < Int32.max else { throw Bail() }  // saturated: too large anyway
        let mark = out.count
        defer { out.truncate(to: mark) }
        write(i)
        do { return try JSON.parse(buffer: UnsafeBufferPointer(start: out.base + mark, count: out.count - mark)) } catch { throw Bail() }
    }

    /// The node's JSON text: valid JSON within `JSONLimits.default` (no key twice, not
    /// nested too deep), which a task backend takes as it is (`JSONPayload.text`).
    func text(_ i: Int32) throws(Bail) -> [UInt8] {
        try checkKeysDeep(i)
        guard nodes[Int(i)].size < Int32.max else { throw Bail() }
        let mark = out.count
        defer { out.truncate(to: mark) }
        write(i)
        return Array(UnsafeBufferPointer(start: out.base + mark, count: out.count - mark))
    }

    /// A general JSON value as a node (serialized into scratch, then parsed there).
    func adopt(_ v: JSON) throws(Bail) -> Int32 {
        adoptedText.removeAll(keepingCapacity: true)
        var w = JSONWriter(appendingTo: adoptedText)
        adoptedText = []
        w.write(v)
        defer { adoptedText = w.bytes }
        return try w.bytes.withUnsafeBufferPointer { b throws(Bail) in try adopt(b) }
    }

    /// A value in either form as a node.
    func adopt(_ v: JSONPayload) throws(Bail) -> Int32 {
        switch v {
        case .json(let j): return try adopt(j)
        case .text(let t): return try t.withUnsafeBufferPointer { b throws(Bail) in try adopt(b) }
        }
    }

    /// JSON text that Cortado's writer wrote (escapes allowed) as a node, parsed in scratch.
    func adopt(_ text: UnsafeBufferPointer<UInt8>) throws(Bail) -> Int32 {
        guard let base = text.baseAddress, !text.isEmpty else { throw Bail() }
        let offset = scratch.count
        scratch.append(base, text.count)
        var p = TapeParser(tape: self, base: UnsafePointer(scratch.base), from: offset, to: scratch.count, src: .scratch)
        guard let n = p.parseDocument() else { throw Bail() }
        return n
    }
}
