import CortadoJSON

/// The tape lane gave up on this line: the general engine runs it from the start.
/// (The lane runs only pure data states and Tasks whose answer is a constant it never asks
/// for, so running a line again has no side effect; a line it parked waits again.)
public struct Bail: Error, Sendable {
    public init() {}
}

/// What a tape node is.
enum NodeKind: UInt8 {
    case null, yes, no, number, string, object, array
    /// Built by an execution: members/elements are in `Tape.links`.
    case builtObject, builtArray
    /// Built text (e.g. States.Format): raw UTF-8 in `Tape.scratch`, without quotes or escapes.
    case text
}

/// Which byte buffer a node's bytes live in.
enum Source: UInt8 {
    case line, constants, scratch
}

/// One value of a line, of the program's constants, or built by an execution. Values
/// borrow: a parsed string, number or container is a byte range of its source, written
/// back with one copy; only built values are formatted.
struct Node {
    var kind: NodeKind
    var src: Source
    /// A string with escape sequences (only in constants and scratch, which Cortado's own
    /// writer produced): copied verbatim, but never compared as bytes. For a text: some
    /// byte of it needs an escape when written. For an object of a line: its keys are not
    /// yet checked for duplicates (`checkKeys`, before its members are first read or it is
    /// written).
    var escaped: Bool
    /// A program's string constant made by `TapeProgram.constant`, which makes one node per
    /// text: two such nodes that differ differ in their text (so a key look-up passes them
    /// by their index, without reading bytes).
    var interned = false
    /// Parsed: first byte. Built: unused.
    var start: Int32
    /// Parsed: one past the last byte. Built: unused.
    var end: Int32
    /// Containers: members or elements.
    var count: Int32
    /// Containers, parsed or built: first entry in `Tape.links` (objects: key and value
    /// node pairs; arrays: element nodes), so look-ups never walk the tape.
    var first: Int32
    /// Bytes it serializes to, compactly.
    var size: Int32
}

/// A name known at compile time (a path step, an object key): its bytes for comparing,
/// and its constant string node for building objects.
struct Key {
    let bytes: UnsafePointer<UInt8>
    let count: Int32
    /// Up to its first 8 bytes, for a cheap first comparison.
    let prefix: UInt64
    let node: Int32
    /// Keeps the bytes of an 8-byte load that belong to the name (all of them from 8 on).
    let mask: UInt64

    init(bytes: UnsafePointer<UInt8>, count: Int32, node: Int32) {
        self.bytes = bytes; self.count = count; self.node = node
        prefix = loadPrefix(bytes, min(Int(count), 8))
        mask = count >= 8 ? ~0 : (1 &<< (UInt64(count) &* 8)) &- 1
    }
}

@inline(__always) func loadPrefix(_ p: UnsafePointer<UInt8>, _ n: Int) -> UInt64 {
    var v: UInt64 = 0
    if n >= 8 {
        v = UnsafeRawPointer(p).loadUnaligned(as: UInt64.self)
    } else {
        for k in 0..<n { v |= UInt64(p[k]) << (8 * UInt64(k)) }
    }
    return v
}

/// The values of one line, in flat buffers reused from line to line: no allocation per
/// line once the buffers have grown.
final class Tape {
    var nodes = UnsafeVec<Node>(capacity: 512)
    /// Containers' entries: object members as key/value node pairs, array elements.
    var links = UnsafeVec<Int32>(capacity: 256)
    /// Links [0, constantLinks) belong to the constants; they survive `reset`.
    var constantLinks = 0
    /// Scratch for parsing: the entries of the open containers (an object's: its key nodes;
    /// an array's: its elements' first nodes) until each closes.
    var entryStack = UnsafeVec<Int32>(capacity: 64)
    /// Built strings and numbers, and the serialized results of general-engine fallbacks.
    var scratch = UnsafeVec<UInt8>(capacity: 1024)
    /// The bytes `adopt` writes a general value into, kept between values (`adoptedText`).
    var adoptedText: [UInt8] = []
    /// The program's constants (template literals, Pass results, keys), serialized once.
    var constants = UnsafeVec<UInt8>(capacity: 256)
    /// The output of the current line.
    var out = UnsafeVec<UInt8>(capacity: 1024)
    /// A line written again with canonical escapes (`parseCanonicalLine`), while it runs.
    var canonical = UnsafeVec<UInt8>(capacity: 0)
    /// Nodes [0, constantCount) are the constants; they survive `reset`.
    var constantCount = 0
    /// The current line.
    var lineBase = UnsafePointer<UInt8>(bitPattern: 1)!
    /// Its length in bytes.
    var lineCount = 0
    /// The line has no whitespace between tokens, so its containers copy verbatim.
    var lineCompact = true
    /// Scratch for parsing: the open containers.
    var frames = UnsafeVec<TapeParser.Frame>(capacity: 32)

    deinit {
        nodes.free(); links.free(); scratch.free(); constants.free(); out.free(); canonical.free(); entryStack.free(); frames.free()
    }

    func reset() {
        nodes.truncate(to: constantCount)
        links.truncate(to: constantLinks)
        scratch.truncate(to: 0)
        out.truncate(to: 0)
    }

    @inline(__always) func base(_ s: Source) -> UnsafePointer<UInt8> {
        switch s {
        case .line: return lineBase
        case .constants: return UnsafePointer(constants.base)
        case .scratch: return UnsafePointer(scratch.base)
        }
    }

    /// Adds a constant (serialized by Cortado's writer) and returns its node.
    func addConstant(_ value: JSON) -> Int32 {
        precondition(nodes.count == constantCount, "constants come before any line")
        var w = JSONWriter()
        w.write(value)
        let offset = constants.count
        w.bytes.withUnsafeBufferPointer { constants.append($0.baseAddress!, $0.count) }
        // Our own writer's output always parses (escapes allowed in this source).
        var p = TapeParser(tape: self, base: UnsafePointer(constants.base), from: offset, to: constants.count, src: .constants)
        let root = p.parseDocument()!
        constantCount = nodes.count
        constantLinks = links.count
        return root
    }

    /// A string's content (between the quotes; a text's bytes). Throws for escaped strings.
    @inline(__always)
    func stringContent(_ i: Int32) throws(Bail) -> UnsafeBufferPointer<UInt8> {
        let n = nodes[Int(i)]
        let b = base(n.src)
        if n.kind == .text { return UnsafeBufferPointer(start: b + Int(n.start), count: Int(n.end - n.start)) }
        guard n.kind == .string, !n.escaped else { throw Bail() }
        return UnsafeBufferPointer(start: b + Int(n.start) + 1, count: Int(n.end - n.start) - 2)
    }

    /// Parses the line into nodes; nil when the lane does not take it (not JSON, escapes,
    /// very deep; duplicate keys are refused when their object is first read): the general
    /// engine then gives the line its exact result.
    /// (`compact: false` skips the compact parse, for tests that hold the two parsers together.)
    /// (`escapes`: a line the general engine's writer wrote, whose strings keep their
    /// canonical escapes: `TapeLane.canonicalLine`.)
    func parseLine(_ bytes: UnsafeBufferPointer<UInt8>, compact: Bool = true, escapes: Bool = false) -> Int32? {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return nil }
        lineBase = base
        lineCount = bytes.count
        var p = TapeParser(tape: self, base: base, from: 0, to: bytes.count, src: .line)
        p.compact = compact && !escapes
        p.lineEscapes = escapes
        let root = p.parseDocument()
        lineCompact = p.whitespace == 0
        return root
    }

    // MARK: - Building values

    /// A new object with room for `count` members; set them in `links` from the node's
    /// `first`, then `seal` it.
    @inline(__always)
    func newObject(count: Int) -> Int32 {
        let at = links.count
        _ = links.extend(by: 2 * count)
        nodes.append(Node(kind: .builtObject, src: .scratch, escaped: false, start: 0, end: 0,
                          count: Int32(count), first: Int32(at), size: 0))
        return Int32(nodes.count - 1)
    }

    @inline(__always)
    func newArray(count: Int) -> Int32 {
        let at = links.count
        _ = links.extend(by: count)
        nodes.append(Node(kind: .builtArray, src: .scratch, escaped: false, start: 0, end: 0,
                          count: Int32(count), first: Int32(at), size: 0))
        return Int32(nodes.count - 1)
    }

    /// Computes a built container's size once its entries are set.
    func seal(_ i: Int32) {
        let n = nodes[Int(i)]
        var size = 2 + max(0, Int(n.count) - 1)
        let s = Int(n.first)
        if n.kind == .builtObject {
            for k in 0..<Int(n.count) {
                size += Int(nodes[Int(links[s + 2 * k])].size) + 1 + Int(nodes[Int(links[s + 2 * k + 1])].size)
            }
        } else {
            for k in 0..<Int(n.count) { size += Int(nodes[Int(links[s + k])].size) }
        }
        nodes[Int(i)].size = Int32(clamping: size)
    }

    /// A number built from an integer.
    func newInteger(_ v: Int) -> Int32 {
        let start = scratch.count
        if v >= 0 && v < 10 {
            scratch.append(UInt8(ascii: "0") + UInt8(v))
        } else {
            var s = String(v)
            s.withUTF8 { scratch.append($0.baseAddress!, $0.count) }
        }
        nodes.append(Node(kind: .number, src: .scratch, escaped: false, start: Int32(start), end: Int32(scratch.count),
                          count: 0, first: 0, size: Int32(scratch.count - start)))
        return Int32(nodes.count - 1)
    }

    /// Text whose bytes the caller appended to `scratch` from `start`; `plain` when the
    /// caller knows no byte of it needs an escape (else it is measured).
    func newText(from start: Int, plain: Bool) -> Int32 {
        let n = scratch.count - start
        let size = plain ? n + 2 : JSON.quotedByteCount(utf8: UnsafeBufferPointer(start: scratch.base + start, count: n))
        nodes.append(Node(kind: .text, src: .scratch, escaped: size != n + 2, start: Int32(start), end: Int32(scratch.count),
                          count: 0, first: 0, size: Int32(clamping: size)))
        return Int32(nodes.count - 1)
    }

    // MARK: - Reading values

    /// Member `key` of an object; -1 when absent, -2 when `o` is not an object. `hint` is the member
    /// index where this key was found last time (lines of one file mostly share their
    /// shape): tried first, and updated. A key node that is the name's own constant node
    /// (members built from templates) matches without reading bytes.
    @inline(__always)
    func member(_ o: Int32, _ key: UnsafePointer<Key>, _ hint: UnsafeMutablePointer<Int32>) throws(Bail) -> Int32 {
        let n = nodes[Int(o)]
        guard n.kind == .object || n.kind == .builtObject else { return -2 }
        if n.escaped { try checkKeys(o) }
        let h = Int(hint.pointee)
        if h < Int(n.count) {
            let l = links.base + (Int(n.first) &+ h &* 2)
            if l[0] == key.pointee.node || lineKeyEquals(l[0], key) { return l[1] }
        }
        return try memberScan(o, key, hint)
    }

    /// `member` past its hint: every member in order.
    @inline(never)
    func memberScan(_ o: Int32, _ key: UnsafePointer<Key>, _ hint: UnsafeMutablePointer<Int32>) throws(Bail) -> Int32 {
        let n = nodes[Int(o)]
        let l = links.base + Int(n.first)
        for k in 0..<Int(n.count) {
            let kn = l[k &* 2]
            // (A key's node is always interned.)
            var hit = kn == key.pointee.node
            if !hit && !nodes[Int(kn)].interned { hit = try keyEquals(kn, key) }
            if hit {
                hint.pointee = Int32(truncatingIfNeeded: k)
                return l[k &* 2 &+ 1]
            }
        }
        return -1
    }

    /// Whether node `i` is a key of the line spelled as `key`, read with one or two 8-byte
    /// loads; false also when it cannot tell so cheaply (then `memberScan` decides).
    @inline(__always)
    func lineKeyEquals(_ i: Int32, _ key: UnsafePointer<Key>) -> Bool {
        let n = nodes[Int(i)]
        let c = Int(key.pointee.count)
        guard n.kind == .string, n.src == .line, !n.escaped, Int(n.end &- n.start) == c &+ 2,
              Int(n.start) &+ 9 <= lineCount else { return false }
        let w = UnsafeRawPointer(lineBase + (Int(n.start) &+ 1)).loadUnaligned(as: UInt64.self)
        guard w & key.pointee.mask == key.pointee.prefix else { return false }
        return c <= 8 || memcmp(lineBase + (Int(n.start) &+ 9), key.pointee.bytes + 8, c &- 8) == 0
    }

    @inline(__always)
    func keyEquals(_ i: Int32, _ name: UnsafePointer<Key>) throws(Bail) -> Bool {
        let n = nodes[Int(i)]
        let key = name.pointee
        if n.kind == .string && !n.escaped {
            // In a line with 8 bytes after the opening quote, `lineKeyEquals` is exact.
            if n.src == .line && Int(n.start) &+ 9 <= lineCount { return lineKeyEquals(i, name) }
            // Quotes included, so the lengths differ by two.
            guard n.end - n.start == key.count + 2 else { return false }
            let c = Int(key.count)
            let p = base(n.src) + Int(n.start) + 1
            if c >= 8 {
                if UnsafeRawPointer(p).loadUnaligned(as: UInt64.self) != key.prefix { return false }
                return c == 8 || memcmp(p + 8, key.bytes + 8, c - 8) == 0
            }
            // Short names (most of them): byte by byte, no over-read past the string.
            var k = 0
            while k < c {
                if p[k] != key.bytes[k] { return false }
                k += 1
            }
            return true
        }
        if n.kind == .string { return keySpells(i, UnsafeBufferPointer(start: key.bytes, count: Int(key.count))) ?? false }
        let c = try stringContent(i)
        return c.count == Int(key.count) && (c.isEmpty || memcmp(c.baseAddress!, key.bytes, c.count) == 0)
    }

    /// Whether key node `i` spells `want`: its bytes, or for a string with escape sequences
    /// (a line's, written again with canonical escapes, or a constant's) its decoded text;
    /// nil when `i` is neither a string nor a text, or does not decode.
    @inline(never)
    func keySpells(_ i: Int32, _ want: UnsafeBufferPointer<UInt8>) -> Bool? {
        let n = nodes[Int(i)]
        guard n.kind == .string && n.escaped else {
            guard let c = try? stringContent(i) else { return nil }
            return c.elementsEqual(want)
        }
        let raw = UnsafeBufferPointer(start: base(n.src) + Int(n.start), count: Int(n.end - n.start))
        guard case .string(var s)? = try? JSON.parse(buffer: raw) else { return nil }
        return s.withUTF8 { $0.elementsEqual(want) }
    }

    /// Appends the characters of a string or a text node (no quotes) to `scratch`, to build
    /// a text from it; any other kind, or a string with escapes, hands the line over (it
    /// prints the general engine's way). Returns false when the text has a byte to escape.
    func appendText(of i: Int32) throws(Bail) -> Bool {
        guard let plain = appendTextOfString(i) else { throw Bail() }
        return plain
    }

    /// `appendText`, or nil (nothing appended) for any other kind or a string with escapes.
    @inline(__always)
    func appendTextOfString(_ i: Int32) -> Bool? {
        let n = nodes[Int(i)]
        guard (n.kind == .string && !n.escaped) || n.kind == .text else { return nil }
        if n.src == .scratch {
            scratch.appendOwn(from: Int(n.start) + (n.kind == .text ? 0 : 1), to: Int(n.end) - (n.kind == .text ? 0 : 1))
        } else {
            scratch.append(base(n.src) + Int(n.start) + 1, Int(n.end - n.start) - 2)
        }
        // An unescaped string has no byte that needs an escape; a text knows.
        return !(n.kind == .text && n.escaped)
    }

    /// Whether two key nodes spell the same name. Interned constants are one node per text;
    /// other keys are compared by their bytes (a key with escapes, of a line, a constant or
    /// scratch, hands the line over).
    func keyNodesEqual(_ a: Int32, _ b: Int32) throws(Bail) -> Bool {
        if a == b { return true }
        if nodes[Int(a)].interned && nodes[Int(b)].interned { return false }
        let x = try stringContent(a), y = try stringContent(b)
        return x.count == y.count && (x.isEmpty || memcmp(x.baseAddress!, y.baseAddress!, x.count) == 0)
    }

    /// `States.JsonMerge(a, b, false)` as the general engine's does it: `a`'s members in
    /// their order, each one `b` also has taking `b`'s value, then `b`'s other members in
    /// theirs. Hands over when either is not an object.
    func mergeShallow(_ a: Int32, _ b: Int32) throws(Bail) -> Int32 {
        func readable(_ o: Int32) throws(Bail) {
            let kind = nodes[Int(o)].kind
            guard kind == .object || kind == .builtObject else { throw Bail() }
            if nodes[Int(o)].escaped { try checkKeys(o) }
        }
        try readable(a)
        try readable(b)
        let ca = Int(nodes[Int(a)].count), cb = Int(nodes[Int(b)].count)
        let fa = Int(nodes[Int(a)].first), fb = Int(nodes[Int(b)].first)
        let out = newObject(count: ca + cb)
        let at = Int(nodes[Int(out)].first)
        for k in 0..<(2 * ca) { links[at + k] = links[fa + k] }
        var n = ca
        for j in 0..<cb {
            let key = links[fb + 2 * j], value = links[fb + 2 * j + 1]
            var k = 0
            while k < ca, try !keyNodesEqual(links[at + 2 * k], key) { k += 1 }
            if k < ca {
                links[at + 2 * k + 1] = value
            } else {
                links[at + 2 * n] = key
                links[at + 2 * n + 1] = value
                n += 1
            }
        }
        nodes[Int(out)].count = Int32(n)
        seal(out)
        return out
    }

    /// Element `k` of an array (negative counts from the end); -1 when out of range, -2
    /// when `a` is not an array.
    @inline(__always)
    func element(_ a: Int32, _ k: Int) -> Int32 {
        let n = nodes[Int(a)]
        guard n.kind == .array || n.kind == .builtArray else { return -2 }
        let e = k < 0 ? Int(n.count) + k : k
        guard e >= 0, e < Int(n.count) else { return -1 }
        return links[Int(n.first) + e]
    }

    /// Calls `body` with each element of an array.
    @inline(__always)
    func forEachElement(_ a: Int32, _ body: (Int32) throws(Bail) -> Void) throws(Bail) {
        let n = nodes[Int(a)]
        guard n.kind == .array || n.kind == .builtArray else { throw Bail() }
        for k in 0..<Int(n.count) { try body(links[Int(n.first) + k]) }
    }

    /// Calls `body` with each member (key node, value node) of an object.
    @inline(__always)
    func forEachMember(_ o: Int32, _ body: (Int32, Int32) throws(Bail) -> Void) throws(Bail) {
        let n = nodes[Int(o)]
        guard n.kind == .object || n.kind == .builtObject else { throw Bail() }
        if n.escaped { try checkKeys(o) }
        let s = Int(n.first)
        for k in 0..<Int(n.count) { try body(links[s + 2 * k], links[s + 2 * k + 1]) }
    }

    /// A line's object whose keys were not checked yet: throws if two are equal (the general
    /// engine keeps the last), else marks it checked. Most objects of a line are never read
    /// by name nor written (only counted, or not touched), so the check waits for that.
    func checkKeys(_ o: Int32) throws(Bail) {
        let n = nodes[Int(o)]
        let keys = UnsafeMutablePointer<Int32>(links.base + Int(n.first))
        guard TapeParser.distinctKeys(keys, stride: 2, count: Int(n.count), nodes: nodes.base, line: lineBase, lineEnd: lineCount) else {
            throw Bail()
        }
        nodes[Int(o)].escaped = false
    }

    /// Checks the keys of every line object under `i` (through built containers too), so
    /// `write` copies no object whose keys repeat: the general engine would have dropped one.
    /// (Scalars are skipped without a call: a result is mostly scalars.) A value nested
    /// deeper than a JSON parser takes (`JSONLimits.default`) goes back too: its text is
    /// handed on as valid JSON (`text`).
    func checkKeysDeep(_ i: Int32, depth: Int = 1) throws(Bail) {
        guard depth <= JSONLimits.default.maxDepth else { throw Bail() }
        let n = nodes[Int(i)]
        let stride: Int
        switch n.kind {
        case .object, .builtObject:
            if n.escaped { try checkKeys(i) }
            stride = 2
        case .array, .builtArray:
            stride = 1
        default:
            return
        }
        var l = links.base + (Int(n.first) &+ stride &- 1)
        for _ in 0..<Int(n.count) {
            let kind = nodes[Int(l[0])].kind
            if kind == .object || kind == .array || kind == .builtObject || kind == .builtArray { try checkKeysDeep(l[0], depth: depth + 1) }
            l += stride
        }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
