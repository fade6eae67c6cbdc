/// Parses JSON text into tape nodes that borrow its bytes. It accepts a subset of what
/// `JSONParser` accepts, and gives up (nil) on anything else, so a line it takes reads the
/// same in both: strict RFC 8259 numbers, valid UTF-8, no control characters in strings.
/// In a line it also gives up on escape sequences (their decoded text would need
/// re-encoding on output); a line's objects are marked for a duplicate-key check at their
/// first read (`Tape.checkKeys`: the general parser keeps the last of two equal keys).
///
/// One loop with an explicit stack of open containers, and every cursor in a local: a
/// recursive parser spent more on calls and on reloading its state than on the bytes.
struct TapeParser {
    /// (Unowned: the parser is a local of a call on the tape, which outlives it; a strong
    /// reference cost a retain and a release per line.)
    unowned(unsafe) let tape: Tape
    let p: UnsafePointer<UInt8>
    let from: Int
    let end: Int
    let src: Source
    /// Whitespace bytes skipped between tokens (after `parseDocument`).
    var whitespace = 0
    /// A line is tried with `parseCompact` first.
    var compact = true
    /// A line's strings may have escape sequences: only a line the general engine's
    /// writer wrote again (`TapeLane.canonicalLine`), whose escapes are its canonical ones.
    var lineEscapes = false
    static let maxDepth = Int(CORTADO_COMPACT_MAX_DEPTH)

    init(tape: Tape, base: UnsafePointer<UInt8>, from: Int, to: Int, src: Source) {
        self.tape = tape; self.p = base; self.from = from; self.end = to; self.src = src
    }

    /// An open container.
    struct Frame {
        var node: Int32
        /// Its first entry on the entry stack (an object's entry is its key node).
        var base: Int32
        /// Whitespace count when it opened.
        var ws: Int32
        var isObject: Bool
    }

    /// Lines are at most 256 KiB and constants small, so offsets fit an Int32.
    @inline(__always) static func i32(_ x: Int) -> Int32 { Int32(truncatingIfNeeded: x) }

    /// Parses one value filling [from, to); nil (and no nodes added) when the lane does not take it.
    mutating func parseDocument() -> Int32? {
        var nodes = tape.nodes, links = tape.links, entries = tape.entryStack
        var frames = tape.frames
        let mark = nodes.count, linkMark = links.count
        var root: Int32?
        switch src != .constants && compact ? parseCompact(&nodes, &links, &entries) : TapeParser.unsure {
        case TapeParser.refused: root = nil
        case TapeParser.unsure:
            nodes.truncate(to: mark); links.truncate(to: linkMark)
            entries.truncate(to: 0); frames.truncate(to: 0)
            root = parse(&nodes, &links, &entries, &frames)
        case let r: root = r
        }
        if root == nil { nodes.truncate(to: mark); links.truncate(to: linkMark) }
        entries.truncate(to: 0); frames.truncate(to: 0)
        // The buffers may have grown: hand them back.
        tape.nodes = nodes; tape.links = links; tape.entryStack = entries; tape.frames = frames
        return root
    }

    /// `parseCompact`: the lane does not take the line / the line is not compact (`parse` decides).
    static let refused: Int32 = -1, unsure: Int32 = -2

    /// Parses a compact line: no whitespace between tokens, no escapes, no control bytes,
    /// which is what machine-written JSON lines are, in C (`cortado_parse_compact`: one
    /// pass, every token starting where the one before it ended, a string's end found 16
    /// bytes at a time). The root node, `refused` (escapes, bad UTF-8), or `unsure` for
    /// anything else: then `parse`, which reads every byte, decides — so both take the
    /// same lines. (It replaced a Swift loop over a quote index built in a first pass: about
    /// as many instructions, 8 to 11% less time — the index's per-quote loop mispredicted.)
    ///
    /// Scratch text (a result `Tape.adopt` takes: Cortado's writer wrote it) goes this way
    /// too, its nodes moved to where it lies after; its escapes go to `parse`.
    mutating func parseCompact(_ nodes: inout UnsafeVec<Node>, _ links: inout UnsafeVec<Int32>, _ entries: inout UnsafeVec<Int32>) -> Int32 {
        precondition(src == .scratch || from == 0, "a line starts at its base")
        let p = self.p + from, end = self.end - from
        // Whitespace between tokens (json.dumps' ": " and ", ", pretty lines) shows at the
        // first colon or right after the opening bracket: such a line goes to `parse` now
        // rather than after a scan of all its bytes.
        if end > 1, p[1] <= 0x20 { return TapeParser.unsure }
        if p[0] == UInt8(ascii: "{"), p[1] == UInt8(ascii: "\"") {
            var k = 2
            while k < end, k < 130, p[k] != UInt8(ascii: "\"") { k &+= 1 }
            if k &+ 2 < end, p[k] == UInt8(ascii: "\""), p[k &+ 1] != UInt8(ascii: ":") || p[k &+ 2] <= 0x20 { return TapeParser.unsure }
        }
        // Every node, entry and link takes at least one byte of the line (a link pair two),
        // so with this much room the loop writes them unchecked.
        nodes.grow(nodes.count &+ end &+ 2)
        entries.grow(entries.count &+ end &+ 2)
        links.grow(links.count &+ 2 &* end &+ 4)
        let firstNode = nodes.count
        var nodeCount = Int32(nodes.count), linkCount = Int32(links.count)
        let root = nodes.base.withMemoryRebound(to: cortado_node.self, capacity: nodes.capacity) {
            cortado_parse_compact(p, end, $0, &nodeCount, entries.base, links.base, &linkCount)
        }
        if root >= 0 {
            nodes.setCount(Int(nodeCount))
            links.setCount(Int(linkCount))
            whitespace = 0
            if src == .scratch {
                // (The C parser writes a line's nodes: offsets from the text's first byte,
                // objects marked for the line's duplicate-key check, which written text needs not.)
                let shift = TapeParser.i32(from)
                for k in firstNode..<Int(nodeCount) {
                    nodes[k].src = .scratch
                    nodes[k].start &+= shift
                    nodes[k].end &+= shift
                    if nodes[k].kind == .object { nodes[k].escaped = false }
                }
            }
            return root
        }
        return root == CORTADO_COMPACT_REFUSED && src == .line ? TapeParser.refused : TapeParser.unsure
    }

    /// Closes container `k` ending before `end`, `spaces` of its bytes whitespace between
    /// tokens: its entries go to links in one run from `at`; returns the links' new end. An
    /// object of a line (`ofLine`) is marked for its duplicate-key check (`Tape.checkKeys`).
    @inline(__always)
    static func closeContainer(_ k: Int, end: Int, spaces: Int, entries: UnsafePointer<Int32>, count: Int, isObject: Bool,
                               ofLine: Bool, nodes: UnsafeMutablePointer<Node>, links: UnsafeMutablePointer<Int32>, at: Int) -> Int {
        nodes[k].first = i32(at)
        nodes[k].count = i32(count)
        nodes[k].end = i32(end)
        nodes[k].size = i32(end &- spaces) &- nodes[k].start
        var l = links + at
        guard isObject else {
            for j in 0..<count {
                l[0] = entries[j]
                l += 1
            }
            return links.distance(to: l)
        }
        for j in 0..<count {
            let key = entries[j]
            // A value's first node follows its key.
            l[0] = key
            l[1] = key &+ 1
            l += 2
        }
        // Keys are checked for duplicates when the object is first read (`Tape.checkKeys`).
        nodes[k].escaped = ofLine
        return links.distance(to: l)
    }

    /// Whether the keys (nodes of a line: quoted, no escapes) at keys[0], keys[stride], ...
    /// are all different: a 64-bit filter over their first bytes and length, then byte
    /// comparisons on a hit. False, too, past 1,024 keys with a hit (the checks would grow
    /// quadratic; the general engine takes such an object).
    static func distinctKeys(_ keys: UnsafePointer<Int32>, stride: Int, count: Int, nodes: UnsafePointer<Node>,
                             line p: UnsafePointer<UInt8>, lineEnd: Int) -> Bool {
        var seen: UInt64 = 0
        for j in 0..<count {
            let key = nodes[Int(keys[j &* stride])]
            let at = Int(key.start), len = Int(key.end) &- at
            // Up to 8 bytes from the opening quote (the quotes count).
            let prefix = at &+ 8 <= lineEnd
                ? UnsafeRawPointer(p + at).loadUnaligned(as: UInt64.self) & (len >= 8 ? ~0 : (1 << (UInt64(len) << 3)) &- 1)
                : loadPrefix(p + at, min(len, 8))
            let bit: UInt64 = 1 << (((prefix ^ UInt64(len)) &* 0x9E37_79B9_7F4A_7C15) >> 58)
            if seen & bit != 0 {
                if j >= 1024 { return false }
                for o in 0..<j {
                    let other = nodes[Int(keys[o &* stride])]
                    if Int(other.end &- other.start) == len, memcmp(p + Int(other.start), p + at, len) == 0 { return false }
                }
            }
            seen |= bit
        }
        return true
    }

    // The states of the loop.
    static let value: UInt8 = 0, key: UInt8 = 1, after: UInt8 = 2

    mutating func parse(_ nodes: inout UnsafeVec<Node>, _ links: inout UnsafeVec<Int32>, _ entries: inout UnsafeVec<Int32>,
                        _ frames: inout UnsafeVec<Frame>) -> Int32? {
        let p = self.p, end = self.end, src = self.src
        var i = from
        var ws = 0
        let root = TapeParser.i32(nodes.count)
        var state = TapeParser.value
        // Every node, entry and link takes at least one byte of the text (a link two per
        // member), so this much room makes every append below unchecked.
        let room = end &- from &+ 2
        nodes.grow(nodes.count &+ room)
        entries.grow(entries.count &+ room)
        links.grow(links.count &+ 2 &* room)
        // The innermost open container lives in `top`; the stack holds the ones around it.
        var top = Frame(node: -1, base: 0, ws: 0, isObject: false)
        var depth = 0

        @inline(__always) func skipWS() {
            while i < end {
                let c = p[i]
                if c > 0x20 { return }
                if c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 { i &+= 1; ws &+= 1 } else { return }
            }
        }
        @inline(__always) func node(_ kind: NodeKind, _ start: Int, escaped: Bool = false) {
            nodes.appendUnchecked(Node(kind: kind, src: src, escaped: escaped, start: TapeParser.i32(start), end: TapeParser.i32(i),
                                       count: 0, first: 0, size: TapeParser.i32(i &- start)))
        }
        /// Scans a string at `i` (its opening quote) and adds its node.
        @inline(__always) func string() -> Bool {
            let start = i
            guard let (stop, escaped, ascii) = TapeParser.scanString(p, i &+ 1, end, allowEscapes: src != .line || lineEscapes) else { return false }
            if !ascii, cortado_utf8_valid(p + start + 1, stop &- start &- 1) == 0 { return false }
            i = stop &+ 1
            node(.string, start, escaped: escaped)
            return true
        }

        while true {
            switch state {
            case TapeParser.value:
                skipWS()
                guard i < end else { return nil }
                let start = i
                switch p[i] {
                case UInt8(ascii: "\""):
                    guard string() else { return nil }
                    state = TapeParser.after
                case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                    guard let stop = TapeParser.scanNumber(p, i, end) else { return nil }
                    i = stop
                    node(.number, start)
                    state = TapeParser.after
                case UInt8(ascii: "{"), UInt8(ascii: "["):
                    guard depth < TapeParser.maxDepth else { return nil }
                    let isObject = p[i] == UInt8(ascii: "{")
                    node(isObject ? .object : .array, start)
                    if depth > 0 { frames.append(top) }
                    depth &+= 1
                    top = Frame(node: TapeParser.i32(nodes.count &- 1), base: TapeParser.i32(entries.count),
                                ws: TapeParser.i32(ws), isObject: isObject)
                    i &+= 1
                    skipWS()
                    guard i < end else { return nil }
                    if p[i] == (isObject ? UInt8(ascii: "}") : UInt8(ascii: "]")) {
                        state = TapeParser.after
                        // Closed at once: let `after` see the bracket.
                        continue
                    }
                    if isObject {
                        state = TapeParser.key
                    } else {
                        entries.appendUnchecked(TapeParser.i32(nodes.count))
                    }
                case UInt8(ascii: "t"), UInt8(ascii: "f"), UInt8(ascii: "n"):
                    guard i &+ 4 <= end else { return nil }
                    let w = UnsafeRawPointer(p + i).loadUnaligned(as: UInt32.self)
                    if w == 0x6575_7274 {  // "true"
                        i &+= 4; node(.yes, start)
                    } else if w == 0x6C6C_756E {  // "null"
                        i &+= 4; node(.null, start)
                    } else if w == 0x736C_6166, i &+ 5 <= end, p[i &+ 4] == UInt8(ascii: "e") {  // "fals" "e"
                        i &+= 5; node(.no, start)
                    } else {
                        return nil
                    }
                    state = TapeParser.after
                default:
                    return nil
                }

            case TapeParser.key:
                skipWS()
                guard i < end, p[i] == UInt8(ascii: "\""), string() else { return nil }
                // An object's entry is its key node (its value's first node follows it).
                entries.appendUnchecked(TapeParser.i32(nodes.count &- 1))
                skipWS()
                guard i < end, p[i] == UInt8(ascii: ":") else { return nil }
                i &+= 1
                state = TapeParser.value

            default:  // after a value
                if depth == 0 {
                    skipWS()
                    guard i == end else { return nil }
                    whitespace = ws
                    return root
                }
                skipWS()
                guard i < end else { return nil }
                let frame = top
                let c = p[i]
                if c == UInt8(ascii: ",") {
                    i &+= 1
                    if frame.isObject {
                        state = TapeParser.key
                    } else {
                        // The element's first node is the next one made.
                        skipWS()
                        entries.appendUnchecked(TapeParser.i32(nodes.count))
                        state = TapeParser.value
                    }
                    continue
                }
                guard c == (frame.isObject ? UInt8(ascii: "}") : UInt8(ascii: "]")) else { return nil }
                i &+= 1
                let base = Int(frame.base)
                let l = links.extend(by: frame.isObject ? 2 &* (entries.count &- base) : entries.count &- base)
                _ = TapeParser.closeContainer(Int(frame.node), end: i, spaces: ws &- Int(frame.ws), entries: entries.base + base,
                                     count: entries.count &- base, isObject: frame.isObject, ofLine: src == .line,
                                     nodes: nodes.base, links: links.base, at: links.base.distance(to: l))
                entries.truncate(to: base)
                depth &-= 1
                if depth > 0 {
                    top = frames[frames.count &- 1]
                    frames.truncate(to: frames.count &- 1)
                }
                state = TapeParser.after
            }
        }
    }

    /// Finds the closing quote of a string whose content starts at `i`: its position, whether
    /// it had escapes, and whether it was all ASCII; nil for a control byte, an escape where
    /// none is allowed, or no closing quote.
    @inline(__always)
    static func scanString(_ p: UnsafePointer<UInt8>, _ from: Int, _ end: Int, allowEscapes: Bool) -> (Int, Bool, Bool)? {
        var i = from
        var ascii = true
        var escaped = false
        while true {
            // Eight bytes at a time (SWAR): `stop` flags quotes, backslashes and control
            // bytes; the lowest flagged byte is exact, so the scan jumps straight to it.
            if i &+ 8 <= end {
                let v = UnsafeRawPointer(p + i).loadUnaligned(as: UInt64.self)
                let ones: UInt64 = 0x0101_0101_0101_0101, highs: UInt64 = 0x8080_8080_8080_8080
                let q = v ^ (ones &* 0x22), b = v ^ (ones &* 0x5C)
                let stop = (((q &- ones) & ~q) | ((b &- ones) & ~b) | ((v &- ones &* 0x20) & ~v)) & highs
                if stop == 0 {
                    if v & highs != 0 { ascii = false }
                    i &+= 8
                    continue
                }
                let at = stop.trailingZeroBitCount >> 3
                // Non-ASCII bytes before the stop.
                if v & highs & ((1 << (UInt64(at) << 3)) &- 1) != 0 { ascii = false }
                i &+= at
            }
            guard i < end else { return nil }
            let c = p[i]
            if c == UInt8(ascii: "\"") { return (i, escaped, ascii) }
            if c < 0x20 { return nil }
            if c == UInt8(ascii: "\\") {
                // Only text Cortado serialized itself (constants, scratch, a line written
                // again by `Tape.parseCanonicalLine`) keeps escapes.
                guard allowEscapes, i &+ 1 < end else { return nil }
                escaped = true
                i &+= 2
                continue
            }
            if c >= 0x80 { ascii = false }
            i &+= 1
        }
    }

    /// The end of an RFC 8259 number starting at `i`, or nil. (Its twin for compact lines is
    /// `number_end` in Sources/CCortadoScan/scan.c: calling that one from here, even inlined
    /// from the header, cost whitespace lines ~190 instructions; `compactParserBuildsTheSameTape`
    /// holds the two to one grammar.)
    @inline(__always)
    static func scanNumber(_ p: UnsafePointer<UInt8>, _ from: Int, _ end: Int) -> Int? {
        var i = from
        @inline(__always) func digit(_ k: Int) -> Bool { k < end && p[k] &- 0x30 < 10 }
        if p[i] == UInt8(ascii: "-") { i &+= 1 }
        guard i < end else { return nil }
        if p[i] == UInt8(ascii: "0") {
            i &+= 1
        } else if digit(i) {
            while digit(i) { i &+= 1 }
        } else {
            return nil
        }
        if i < end, p[i] == UInt8(ascii: ".") {
            i &+= 1
            guard digit(i) else { return nil }
            while digit(i) { i &+= 1 }
        }
        if i < end, p[i] | 0x20 == UInt8(ascii: "e") {
            i &+= 1
            if i < end, p[i] == UInt8(ascii: "+") || p[i] == UInt8(ascii: "-") { i &+= 1 }
            guard digit(i) else { return nil }
            while digit(i) { i &+= 1 }
        }
        return i
    }
}

import CCortadoScan
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
