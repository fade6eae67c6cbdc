/// Why a byte sequence is not acceptable JSON, and where.
public struct JSONParseError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        case unexpectedEnd, unexpectedByte(UInt8), invalidNumber, invalidEscape, invalidUTF8
        case controlCharacterInString, tooDeep(limit: Int), trailingData, tooLarge(limit: Int), emptyInput
    }
    public let kind: Kind
    /// Byte offset, 1-based line and 1-based column of the problem.
    public let offset: Int, line: Int, column: Int

    public var description: String {
        let what: String
        switch kind {
        case .unexpectedEnd: what = "unexpected end of input"
        case .unexpectedByte(let b):
            what = (b >= 0x20 && b < 0x7f)
                ? "unexpected character '\(Character(Unicode.Scalar(b)))'"
                : "unexpected byte 0x\(String(b, radix: 16, uppercase: true))"
        case .invalidNumber: what = "invalid number"
        case .invalidEscape: what = "invalid escape sequence in string"
        case .invalidUTF8: what = "invalid UTF-8"
        case .controlCharacterInString: what = "unescaped control character in string"
        case .tooDeep(let l): what = "nesting deeper than \(l) levels"
        case .trailingData: what = "unexpected data after the JSON value"
        case .tooLarge(let l): what = "input larger than \(l) bytes"
        case .emptyInput: what = "empty input"
        }
        return "\(what) at line \(line), column \(column)"
    }
}

/// Limits applied while parsing untrusted JSON.
public struct JSONLimits: Sendable {
    public var maxDepth: Int
    public var maxBytes: Int
    public init(maxDepth: Int = 512, maxBytes: Int = 64 << 20) {
        self.maxDepth = maxDepth; self.maxBytes = maxBytes
    }
    public static let `default` = JSONLimits()
}

extension JSON {
    /// Parses one JSON value (surrounding whitespace allowed).
    /// - Throws: `JSONParseError` with the position of the first problem; never traps.
    public static func parse(_ bytes: some Collection<UInt8>, limits: JSONLimits = .default) throws(JSONParseError) -> JSON {
        let array = Array(bytes)
        return try array.withUnsafeBufferPointer { (buf) throws(JSONParseError) -> JSON in
            var p = JSONParser(buf, limits: limits)
            return try p.parseDocument()
        }
    }

    /// Parses straight from borrowed bytes (a line inside a larger read buffer), without copying them.
    public static func parse(buffer: UnsafeBufferPointer<UInt8>, limits: JSONLimits = .default) throws(JSONParseError) -> JSON {
        var p = JSONParser(buffer, limits: limits)
        return try p.parseDocument()
    }

    public static func parse(_ text: String, limits: JSONLimits = .default) throws(JSONParseError) -> JSON {
        try parse(Array(text.utf8), limits: limits)
    }
}

/// A parser to keep and reuse (one per worker thread): its scratch stacks stay allocated
/// between documents, so parsing a line allocates only the values it returns.
public final class JSONReader {
    var memberStack: [(key: String, value: JSON)] = []
    var itemStack: [JSON] = []
    var shortStrings = ShortStringCache(slots: 1024)
    public let limits: JSONLimits

    public init(limits: JSONLimits = .default) {
        self.limits = limits
        memberStack.reserveCapacity(64); itemStack.reserveCapacity(64)
    }

    /// Parses one document from borrowed bytes, as `JSON.parse(buffer:)` does.
    public func parse(buffer: UnsafeBufferPointer<UInt8>) throws(JSONParseError) -> JSON {
        var p = JSONParser(buffer, limits: limits)
        swap(&p.memberStack, &memberStack); swap(&p.itemStack, &itemStack); swap(&p.shortStrings, &shortStrings)
        defer { swap(&p.memberStack, &memberStack); swap(&p.itemStack, &itemStack); swap(&p.shortStrings, &shortStrings) }
        return try p.parseDocument()
    }
}

/// Recently seen short ASCII strings (keys, enum-like values such as "EUR" or "platinum"),
/// direct-mapped by their bytes: a hit returns the String without building it again
/// (building one cost ~350 instructions; a hit ~40). Strings of at most 15 bytes are
/// Swift small strings, so a hit also costs no reference counting.
struct ShortStringCache {
    var words: [(UInt64, UInt64)]
    var strings: [String]
    let mask: Int

    init(slots: Int) {
        words = Array(repeating: (0, 0), count: slots)
        strings = Array(repeating: "", count: slots)
        mask = slots - 1
    }

    var isEnabled: Bool { mask > 0 }

    /// The string of the ASCII bytes `b[start..<end]` (at most 15 of them).
    @inline(__always)
    mutating func string(_ b: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> String {
        let n = end - start
        var w0: UInt64 = 0, w1: UInt64 = 0
        if start + 16 <= b.count, let base = b.baseAddress {
            let raw = UnsafeRawPointer(base + start)
            w0 = raw.loadUnaligned(as: UInt64.self)
            w1 = raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self)
            if n < 8 { w0 &= (1 &<< UInt64(8 * n)) &- 1; w1 = 0 } else { w1 &= (1 &<< UInt64(8 * (n - 8))) &- 1 }
        } else {
            for k in 0..<n {
                let v = UInt64(b[start + k])
                if k < 8 { w0 |= v &<< UInt64(8 * k) } else { w1 |= v &<< UInt64(8 * (k - 8)) }
            }
        }
        w1 |= UInt64(n) &<< 56
        let slot = Int(truncatingIfNeeded: ((w0 &* 0x9E37_79B9_7F4A_7C15) ^ (w1 &* 0xC2B2_AE3D_27D4_EB4F)) &>> 40) & mask
        if words[slot] == (w0, w1) { return strings[slot] }
        let s = String(decoding: UnsafeBufferPointer(rebasing: b[start..<end]), as: UTF8.self)
        words[slot] = (w0, w1)
        strings[slot] = s
        return s
    }
}

/// Recursive-descent parser over a byte buffer.
struct JSONParser {
    let b: UnsafeBufferPointer<UInt8>
    var i = 0
    var depth = 0
    let limits: JSONLimits
    /// Members and items of the objects and arrays being parsed, innermost last: each
    /// finished container is copied out once at its exact size (growing an array per
    /// container reallocated it up to five times for ten members).
    var memberStack: [(key: String, value: JSON)] = []
    var itemStack: [JSON] = []
    /// Disabled (no slots) unless a `JSONReader` lends its cache.
    var shortStrings = ShortStringCache(slots: 0)

    init(_ b: UnsafeBufferPointer<UInt8>, limits: JSONLimits) { self.b = b; self.limits = limits }

    func error(_ k: JSONParseError.Kind, at pos: Int? = nil) -> JSONParseError {
        let at = min(pos ?? i, b.count)
        var line = 1, col = 1
        for j in 0..<at { if b[j] == 10 { line += 1; col = 1 } else { col += 1 } }
        return JSONParseError(kind: k, offset: at, line: line, column: col)
    }

    mutating func skipWS() {
        while i < b.count {
            let c = b[i]
            if c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 { i += 1 } else { break }
        }
    }

    mutating func parseDocument() throws(JSONParseError) -> JSON {
        if b.count > limits.maxBytes { throw error(.tooLarge(limit: limits.maxBytes), at: 0) }
        skipWS()
        if i >= b.count { throw error(.emptyInput) }
        let v = try parseValue()
        skipWS()
        if i < b.count { throw error(.trailingData) }
        return v
    }

    mutating func parseValue() throws(JSONParseError) -> JSON {
        guard i < b.count else { throw error(.unexpectedEnd) }
        switch b[i] {
        case UInt8(ascii: "{"): return try parseObject()
        case UInt8(ascii: "["): return try parseArray()
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): try expectWord("true"); return .bool(true)
        case UInt8(ascii: "f"): try expectWord("false"); return .bool(false)
        case UInt8(ascii: "n"): try expectWord("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try parseNumber())
        default: throw error(.unexpectedByte(b[i]))
        }
    }

    mutating func expectWord(_ w: StaticString) throws(JSONParseError) {
        let n = w.utf8CodeUnitCount
        let p = w.utf8Start
        for k in 0..<n {
            guard i + k < b.count else { throw error(.unexpectedEnd, at: b.count) }
            guard b[i + k] == p[k] else { throw error(.unexpectedByte(b[i + k]), at: i + k) }
        }
        i += n
    }

    mutating func enter() throws(JSONParseError) {
        depth += 1
        if depth > limits.maxDepth { throw error(.tooDeep(limit: limits.maxDepth)) }
    }

    mutating func parseObject() throws(JSONParseError) -> JSON {
        try enter()
        i += 1
        skipWS()
        if i < b.count, b[i] == UInt8(ascii: "}") { i += 1; depth -= 1; return .object(JSONObject()) }
        let base = memberStack.count
        defer { while memberStack.count > base { memberStack.removeLast() } }
        while true {
            skipWS()
            guard i < b.count else { throw error(.unexpectedEnd) }
            guard b[i] == UInt8(ascii: "\"") else { throw error(.unexpectedByte(b[i])) }
            let key = try parseString()
            skipWS()
            guard i < b.count else { throw error(.unexpectedEnd) }
            guard b[i] == UInt8(ascii: ":") else { throw error(.unexpectedByte(b[i])) }
            i += 1
            skipWS()
            let v = try parseValue()
            // Duplicate keys: the last one wins, as Jackson (and so AWS) reads them.
            var k = base
            while k < memberStack.count, !JSONObject.sameKey(memberStack[k].key, key) { k += 1 }
            if k < memberStack.count { memberStack[k].value = v } else { memberStack.append((key, v)) }
            skipWS()
            guard i < b.count else { throw error(.unexpectedEnd) }
            if b[i] == UInt8(ascii: ",") { i += 1; continue }
            if b[i] == UInt8(ascii: "}") { i += 1; break }
            throw error(.unexpectedByte(b[i]))
        }
        depth -= 1
        return .object(JSONObject(JSONParser.take(&memberStack, from: base)))
    }

    /// Copies `stack[base...]` into a new array of exactly that size and pops it.
    /// (`Array(stack[base...])` hands out the stack's own buffer when the slice spans all
    /// of it, so the next push copied the stack, and the value kept its spare capacity.)
    /// Element by element on purpose: the bulk copy and bulk removal of tuples go through
    /// the runtime's generic value witnesses, at several times the cost.
    @inline(__always)
    static func take<T>(_ stack: inout [T], from base: Int) -> [T] {
        var out: [T] = []
        out.reserveCapacity(stack.count - base)
        for k in base..<stack.count { out.append(stack[k]) }
        while stack.count > base { stack.removeLast() }
        return out
    }

    mutating func parseArray() throws(JSONParseError) -> JSON {
        try enter()
        i += 1
        skipWS()
        if i < b.count, b[i] == UInt8(ascii: "]") { i += 1; depth -= 1; return .array([]) }
        let base = itemStack.count
        defer { while itemStack.count > base { itemStack.removeLast() } }
        while true {
            skipWS()
            itemStack.append(try parseValue())
            skipWS()
            guard i < b.count else { throw error(.unexpectedEnd) }
            if b[i] == UInt8(ascii: ",") { i += 1; continue }
            if b[i] == UInt8(ascii: "]") { i += 1; break }
            throw error(.unexpectedByte(b[i]))
        }
        depth -= 1
        return .array(JSONParser.take(&itemStack, from: base))
    }

    mutating func parseNumber() throws(JSONParseError) -> JSONNumber {
        let start = i
        if b[i] == UInt8(ascii: "-") { i += 1 }
        guard i < b.count else { throw error(.invalidNumber, at: start) }
        if b[i] == UInt8(ascii: "0") {
            i += 1
        } else if b[i] >= UInt8(ascii: "1") && b[i] <= UInt8(ascii: "9") {
            while i < b.count, b[i] >= 0x30, b[i] <= 0x39 { i += 1 }
        } else {
            throw error(.invalidNumber, at: start)
        }
        if i < b.count, b[i] == UInt8(ascii: ".") {
            i += 1
            let f = i
            while i < b.count, b[i] >= 0x30, b[i] <= 0x39 { i += 1 }
            if i == f { throw error(.invalidNumber, at: start) }
        }
        if i < b.count, b[i] == UInt8(ascii: "e") || b[i] == UInt8(ascii: "E") {
            i += 1
            if i < b.count, b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") { i += 1 }
            let f = i
            while i < b.count, b[i] >= 0x30, b[i] <= 0x39 { i += 1 }
            if i == f { throw error(.invalidNumber, at: start) }
        }
        return JSONNumber(literal: String(decoding: UnsafeBufferPointer(rebasing: b[start..<i]), as: UTF8.self))
    }

    mutating func parseString() throws(JSONParseError) -> String {
        i += 1  // opening quote
        let start = i
        var plain = true
        var ascii = true
        // Fast scan: no escapes, and ASCII (else UTF-8 is validated after). Unchecked reads:
        // `i < n` bounds every one.
        if let p = b.baseAddress {
            let n = b.count
            var k = i
            var high: UInt8 = 0
            while k < n {
                let c = p[k]
                if c == UInt8(ascii: "\"") || c == UInt8(ascii: "\\") || c < 0x20 { break }
                high |= c
                k += 1
            }
            i = k
            ascii = high < 0x80
            if i < n {
                if p[i] == UInt8(ascii: "\\") { plain = false } else if p[i] < 0x20 { throw error(.controlCharacterInString) }
            }
        }
        guard i < b.count else { throw error(.unexpectedEnd) }
        if plain {
            let slice = UnsafeBufferPointer(rebasing: b[start..<i])
            i += 1
            // NOTE: String(validating:) is generic and unspecialized (about twice the cost of
            // decoding); ASCII needs no validation, and the rest is checked by our own scan.
            if ascii, slice.count <= 15, shortStrings.isEnabled { return shortStrings.string(b, start, i - 1) }
            guard ascii || JSONParser.isValidUTF8(slice) else { throw error(.invalidUTF8, at: start) }
            return String(decoding: slice, as: UTF8.self)
        }
        var out: [UInt8] = Array(UnsafeBufferPointer(rebasing: b[start..<i]))
        while true {
            guard i < b.count else { throw error(.unexpectedEnd) }
            let c = b[i]
            if c == UInt8(ascii: "\"") { i += 1; break }
            if c < 0x20 { throw error(.controlCharacterInString) }
            if c != UInt8(ascii: "\\") { out.append(c); i += 1; continue }
            i += 1
            guard i < b.count else { throw error(.unexpectedEnd) }
            let e = b[i]
            i += 1
            switch e {
            case UInt8(ascii: "\""): out.append(0x22)
            case UInt8(ascii: "\\"): out.append(0x5C)
            case UInt8(ascii: "/"): out.append(0x2F)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = try hex4()
                if scalar >= 0xD800 && scalar < 0xDC00 {
                    // High surrogate: a low one must follow.
                    guard i + 1 < b.count, b[i] == UInt8(ascii: "\\"), b[i + 1] == UInt8(ascii: "u") else {
                        throw error(.invalidEscape)
                    }
                    i += 2
                    let low = try hex4()
                    guard low >= 0xDC00 && low < 0xE000 else { throw error(.invalidEscape) }
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                } else if scalar >= 0xDC00 && scalar < 0xE000 {
                    throw error(.invalidEscape)
                }
                guard let u = Unicode.Scalar(scalar) else { throw error(.invalidEscape) }
                out.append(contentsOf: Array(String(Character(u)).utf8))
            default: throw error(.invalidEscape, at: i - 1)
            }
        }
        guard let s = String(validating: out, as: UTF8.self) else { throw error(.invalidUTF8, at: start) }
        return s
    }

    /// Strict UTF-8 (no overlongs, no surrogates, nothing above U+10FFFF).
    static func isValidUTF8(_ b: UnsafeBufferPointer<UInt8>) -> Bool {
        var i = 0
        let n = b.count
        while i < n {
            let c = b[i]
            if c < 0x80 { i += 1; continue }
            let len: Int, lo: UInt8, hi: UInt8
            switch c {
            case 0xC2...0xDF: len = 2; lo = 0x80; hi = 0xBF
            case 0xE0: len = 3; lo = 0xA0; hi = 0xBF
            case 0xE1...0xEC, 0xEE...0xEF: len = 3; lo = 0x80; hi = 0xBF
            case 0xED: len = 3; lo = 0x80; hi = 0x9F
            case 0xF0: len = 4; lo = 0x90; hi = 0xBF
            case 0xF1...0xF3: len = 4; lo = 0x80; hi = 0xBF
            case 0xF4: len = 4; lo = 0x80; hi = 0x8F
            default: return false
            }
            guard i + len <= n, b[i + 1] >= lo, b[i + 1] <= hi else { return false }
            for k in 2..<max(2, len) where b[i + k] & 0xC0 != 0x80 { return false }
            i += len
        }
        return true
    }

    mutating func hex4() throws(JSONParseError) -> UInt32 {
        guard i + 4 <= b.count else { throw error(.unexpectedEnd) }
        var v: UInt32 = 0
        for _ in 0..<4 {
            let c = b[i]
            let d: UInt32
            switch c {
            case 0x30...0x39: d = UInt32(c - 0x30)
            case 0x41...0x46: d = UInt32(c - 0x41 + 10)
            case 0x61...0x66: d = UInt32(c - 0x61 + 10)
            default: throw error(.invalidEscape)
            }
            v = v << 4 | d
            i += 1
        }
        return v
    }
}
