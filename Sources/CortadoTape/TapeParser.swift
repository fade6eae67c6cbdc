/// Parses JSON text into tape nodes that borrow its bytes. It accepts a subset of what
/// `JSONParser` accepts, and gives up (nil) on anything else, so a line it takes reads the
/// same in both: strict RFC 8259 numbers, valid UTF-8, no control characters in strings.
/// In a line it also gives up on escape sequences (their decoded text would need
/// re-encoding on output) and on duplicate keys (the general parser keeps the last).
struct TapeParser {
    let tape: Tape
    let p: UnsafePointer<UInt8>
    var i: Int
    let end: Int
    let src: Source
    /// The tape's buffers, held here while parsing (no class access per node).
    var nodes: UnsafeVec<Node>
    var links: UnsafeVec<Int32>
    var keyStack: UnsafeVec<(Int32, UInt64)>
    var elementStack: UnsafeVec<Int32>
    /// Whitespace bytes skipped between tokens (containers' compact size subtracts it).
    var whitespace = 0
    var depth = 0
    static let maxDepth = 256

    init(tape: Tape, base: UnsafePointer<UInt8>, from: Int, to: Int, src: Source) {
        self.tape = tape; self.p = base; self.i = from; self.end = to; self.src = src
        nodes = tape.nodes
        links = tape.links
        keyStack = tape.keyStack
        elementStack = tape.elementStack
    }

    /// Parses one value filling [from, to); nil (and no nodes added) when the lane does not take it.
    mutating func parseDocument() -> Int32? {
        let mark = nodes.count, linkMark = links.count
        skipWS()
        var root = i < end ? parseValue() : nil
        skipWS()
        if i != end { root = nil }
        if root == nil { nodes.truncate(to: mark); links.truncate(to: linkMark) }
        // The buffers may have grown: hand them back.
        tape.nodes = nodes
        tape.links = links
        tape.keyStack = keyStack
        tape.elementStack = elementStack
        return root
    }

    @inline(__always) mutating func skipWS() {
        while i < end {
            let c = p[i]
            if c > 0x20 { return }
            if c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 { i &+= 1; whitespace &+= 1 } else { return }
        }
    }

    /// Lines are at most 256 KiB and constants small, so offsets fit an Int32.
    @inline(__always) static func i32(_ x: Int) -> Int32 { Int32(truncatingIfNeeded: x) }

    @inline(__always) mutating func append(_ kind: NodeKind, _ start: Int, escaped: Bool = false) -> Int32 {
        let n = nodes.count
        nodes.append(Node(kind: kind, src: src, escaped: escaped, start: TapeParser.i32(start), end: TapeParser.i32(i), count: 0,
                          first: 0, size: TapeParser.i32(i &- start)))
        return TapeParser.i32(n)
    }

    mutating func parseValue() -> Int32? {
        guard i < end else { return nil }
        switch p[i] {
        case UInt8(ascii: "{"): return parseObject()
        case UInt8(ascii: "["): return parseArray()
        case UInt8(ascii: "\""): return parseString()
        case UInt8(ascii: "t"): return word(0x74_72_75_65, 4, .yes)  // "true"
        case UInt8(ascii: "f"):
            guard i + 5 <= end, p[i + 4] == UInt8(ascii: "e") else { return nil }
            return word(0x66_61_6C_73, 5, .no)  // "fals" + "e"
        case UInt8(ascii: "n"): return word(0x6E_75_6C_6C, 4, .null)  // "null"
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return parseNumber()
        default: return nil
        }
    }

    /// Matches a literal by its first four bytes (big-endian in `w`).
    @inline(__always) mutating func word(_ w: UInt32, _ n: Int, _ kind: NodeKind) -> Int32? {
        guard i + n <= end else { return nil }
        let got = UInt32(p[i]) << 24 | UInt32(p[i + 1]) << 16 | UInt32(p[i + 2]) << 8 | UInt32(p[i + 3])
        guard got == w else { return nil }
        let start = i
        i += n
        return append(kind, start)
    }

    mutating func parseNumber() -> Int32? {
        let start = i
        if p[i] == UInt8(ascii: "-") { i += 1 }
        guard i < end else { return nil }
        if p[i] == UInt8(ascii: "0") {
            i += 1
        } else if p[i] >= UInt8(ascii: "1") && p[i] <= UInt8(ascii: "9") {
            while i < end, p[i] >= 0x30, p[i] <= 0x39 { i += 1 }
        } else {
            return nil
        }
        if i < end, p[i] == UInt8(ascii: ".") {
            i += 1
            let f = i
            while i < end, p[i] >= 0x30, p[i] <= 0x39 { i += 1 }
            if i == f { return nil }
        }
        if i < end, p[i] == UInt8(ascii: "e") || p[i] == UInt8(ascii: "E") {
            i += 1
            if i < end, p[i] == UInt8(ascii: "+") || p[i] == UInt8(ascii: "-") { i += 1 }
            let f = i
            while i < end, p[i] >= 0x30, p[i] <= 0x39 { i += 1 }
            if i == f { return nil }
        }
        return append(.number, start)
    }

    mutating func parseString() -> Int32? {
        let start = i
        i += 1
        var ascii = true
        var escaped = false
        while true {
            // Eight bytes at a time (SWAR): `stop` flags quotes, backslashes and control
            // bytes; the lowest flagged byte is exact, so the scan jumps straight to it.
            if i + 8 <= end {
                let v = UnsafeRawPointer(p + i).loadUnaligned(as: UInt64.self)
                let ones: UInt64 = 0x0101_0101_0101_0101, highs: UInt64 = 0x8080_8080_8080_8080
                let q = v ^ (ones &* 0x22), b = v ^ (ones &* 0x5C)
                let stop = (((q &- ones) & ~q) | ((b &- ones) & ~b) | ((v &- ones &* 0x20) & ~v)) & highs
                if stop == 0 {
                    if v & highs != 0 { ascii = false }
                    i += 8
                    continue
                }
                let at = stop.trailingZeroBitCount >> 3
                // Non-ASCII bytes before the stop.
                if v & highs & ((1 << (UInt64(at) << 3)) &- 1) != 0 { ascii = false }
                i += at
            }
            guard i < end else { return nil }
            let c = p[i]
            if c == UInt8(ascii: "\"") { break }
            if c < 0x20 { return nil }
            if c == UInt8(ascii: "\\") {
                // Only text Cortado serialized itself (constants, scratch) keeps escapes.
                guard src != .line, i + 1 < end else { return nil }
                escaped = true
                i += 2
                continue
            }
            if c >= 0x80 { ascii = false }
            i += 1
        }
        if !ascii, !TapeParser.validUTF8(p + start + 1, i - start - 1) { return nil }
        i += 1
        return append(.string, start, escaped: escaped)
    }

    mutating func parseObject() -> Int32? {
        depth += 1
        guard depth <= TapeParser.maxDepth else { return nil }
        let start = i
        let wsBefore = whitespace
        let me = append(.object, start)
        i &+= 1
        skipWS()
        var count: Int32 = 0
        let keyBase = keyStack.count
        defer { keyStack.truncate(to: keyBase) }
        // Duplicate keys: a 64-bit filter of the keys' first bytes and lengths; only a
        // filter hit compares against the keys seen so far.
        var seen: UInt64 = 0
        if i < end, p[i] == UInt8(ascii: "}") {
            i &+= 1
        } else {
            while true {
                skipWS()
                guard i < end, p[i] == UInt8(ascii: "\""), let key = parseString() else { return nil }
                if src != .line {
                    keyStack.append((key, 0))
                } else {
                    let k = nodes[Int(key)]
                    let len = Int(k.end &- k.start)
                    let at = Int(k.start)
                    // The key's quotes count, and a line always has a byte after a key.
                    let prefix = at &+ 8 <= end
                        ? UnsafeRawPointer(p + at).loadUnaligned(as: UInt64.self) & (len >= 8 ? ~0 : (1 << (UInt64(len) << 3)) &- 1)
                        : loadPrefix(p + at, min(len, 8))
                    let bit: UInt64 = 1 << (((prefix ^ UInt64(len)) &* 0x9E37_79B9_7F4A_7C15) >> 58)
                    // Past 1,024 members the checks grow quadratic: the general engine takes it.
                    if seen & bit != 0, count >= 1024 || isDuplicate(k, prefix, keyBase) { return nil }
                    seen |= bit
                    keyStack.append((key, prefix))
                }
                skipWS()
                guard i < end, p[i] == UInt8(ascii: ":") else { return nil }
                i &+= 1
                skipWS()
                guard parseValue() != nil else { return nil }
                count &+= 1
                skipWS()
                guard i < end else { return nil }
                if p[i] == UInt8(ascii: ",") { i &+= 1; continue }
                if p[i] == UInt8(ascii: "}") { i &+= 1; break }
                return nil
            }
        }
        depth -= 1
        // Members as key/value pairs (a value's first node follows its key).
        nodes[Int(me)].first = TapeParser.i32(links.count)
        let dst = links.extend(by: 2 &* (keyStack.count &- keyBase))
        for j in keyBase..<keyStack.count {
            let key = keyStack[j].0
            dst[2 &* (j &- keyBase)] = key
            dst[2 &* (j &- keyBase) &+ 1] = key &+ 1
        }
        close(me, start, count, wsBefore)
        return me
    }

    mutating func parseArray() -> Int32? {
        depth += 1
        guard depth <= TapeParser.maxDepth else { return nil }
        let start = i
        let wsBefore = whitespace
        let me = append(.array, start)
        i &+= 1
        skipWS()
        var count: Int32 = 0
        let elementBase = elementStack.count
        defer { elementStack.truncate(to: elementBase) }
        if i < end, p[i] == UInt8(ascii: "]") {
            i += 1
        } else {
            while true {
                skipWS()
                guard let e = parseValue() else { return nil }
                elementStack.append(e)
                count += 1
                skipWS()
                guard i < end else { return nil }
                if p[i] == UInt8(ascii: ",") { i += 1; continue }
                if p[i] == UInt8(ascii: "]") { i += 1; break }
                return nil
            }
        }
        depth -= 1
        nodes[Int(me)].first = TapeParser.i32(links.count)
        let n = elementStack.count &- elementBase
        links.extend(by: n).update(from: elementStack.base + elementBase, count: n)
        close(me, start, count, wsBefore)
        return me
    }

    @inline(__always) mutating func close(_ me: Int32, _ start: Int, _ count: Int32, _ wsBefore: Int) {
        let k = Int(me)
        nodes[k].end = TapeParser.i32(i)
        nodes[k].count = count
        nodes[k].size = TapeParser.i32(i &- start &- (whitespace &- wsBefore))
    }

    /// Whether the object being parsed has this key already (first bytes compared first).
    func isDuplicate(_ k: Node, _ prefix: UInt64, _ base: Int) -> Bool {
        let len = Int(k.end &- k.start)
        for j in base..<keyStack.count {
            let (other, otherPrefix) = keyStack[j]
            guard otherPrefix == prefix else { continue }
            let o = nodes[Int(other)]
            if Int(o.end &- o.start) == len, memcmp(p + Int(o.start), p + Int(k.start), len) == 0 { return true }
        }
        return false
    }

    /// Strict UTF-8: no overlong forms, no surrogates, nothing above U+10FFFF.
    static func validUTF8(_ s: UnsafePointer<UInt8>, _ n: Int) -> Bool {
        var k = 0
        while k < n {
            let c = s[k]
            if c < 0x80 { k += 1; continue }
            @inline(__always) func cont(_ j: Int) -> Bool { j < n && s[j] & 0xC0 == 0x80 }
            if c >= 0xC2 && c <= 0xDF {
                guard cont(k + 1) else { return false }
                k += 2
            } else if c >= 0xE0 && c <= 0xEF {
                guard cont(k + 1), cont(k + 2) else { return false }
                let c1 = s[k + 1]
                if c == 0xE0 && c1 < 0xA0 { return false }  // overlong
                if c == 0xED && c1 >= 0xA0 { return false }  // surrogate
                k += 3
            } else if c >= 0xF0 && c <= 0xF4 {
                guard cont(k + 1), cont(k + 2), cont(k + 3) else { return false }
                let c1 = s[k + 1]
                if c == 0xF0 && c1 < 0x90 { return false }
                if c == 0xF4 && c1 >= 0x90 { return false }
                k += 4
            } else {
                return false
            }
        }
        return true
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
