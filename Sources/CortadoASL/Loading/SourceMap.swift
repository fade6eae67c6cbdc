/// Where each JSON-pointer location of a definition starts in its source text
/// (1-based line and column; columns count Unicode scalars, as libyaml does).
public struct SourceMap: Sendable {
    public struct Position: Sendable, Equatable {
        public var line: Int
        public var column: Int
    }

    var positions: [String: Position]

    init(_ positions: [String: Position] = [:]) { self.positions = positions }

    /// The position where the value at `pointer` starts, or nil when the pointer
    /// names nothing in the source. `""` and `"/"` both name the root value.
    public func position(of pointer: String) -> (line: Int, column: Int)? {
        let key = pointer == "/" ? "" : pointer
        guard let p = positions[key] else { return nil }
        return (p.line, p.column)
    }

    /// The position of `pointer`, or of its nearest ancestor that has one, so a
    /// diagnostic about a missing field still points into the right object.
    func nearestPosition(of pointer: String) -> Position? {
        var key = pointer == "/" ? "" : pointer
        while true {
            if let p = positions[key] { return p }
            guard let slash = key.lastIndex(of: "/") else { return nil }
            key = String(key[..<slash])
        }
    }
}

/// Escapes one reference token of a JSON Pointer (RFC 6901).
func pointerToken(_ key: String) -> String {
    guard key.utf8.contains(where: { $0 == UInt8(ascii: "~") || $0 == UInt8(ascii: "/") }) else { return key }
    var out = ""
    for c in key {
        switch c {
        case "~": out += "~0"
        case "/": out += "~1"
        default: out.append(c)
        }
    }
    return out
}

// MARK: - JSON source scan

/// Records where every value of an already-validated JSON text starts, by JSON pointer.
///
/// NOTE: this is a second, throwaway pass over the definition bytes, kept apart from
/// CortadoJSON's parser so the hot-path parser never pays for positions. It assumes the
/// text parsed successfully; on anything unexpected it stops and keeps what it has.
struct JSONSourceScanner {
    let bytes: [UInt8]
    var i = 0
    var line = 1
    var column = 1
    var positions: [String: SourceMap.Position] = [:]
    var depth = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    static func scan(_ bytes: [UInt8]) -> SourceMap {
        var s = JSONSourceScanner(bytes)
        s.skipBOM()
        _ = s.value(at: "")
        return SourceMap(s.positions)
    }

    mutating func skipBOM() {
        if bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF { i = 3 }
    }

    @inline(__always)
    mutating func advance() {
        let b = bytes[i]
        i += 1
        if b == 0x0A {
            line += 1; column = 1
        } else if b & 0xC0 != 0x80 {
            column += 1
        }
    }

    mutating func skipWhitespace() {
        while i < bytes.count {
            switch bytes[i] {
            case 0x20, 0x09, 0x0A, 0x0D: advance()
            default: return
            }
        }
    }

    /// Scans one value, recording its position under `pointer`. Returns false to stop.
    mutating func value(at pointer: String) -> Bool {
        skipWhitespace()
        guard i < bytes.count, depth < 10_000 else { return false }
        positions[pointer] = SourceMap.Position(line: line, column: column)
        switch bytes[i] {
        case UInt8(ascii: "{"):
            advance(); depth += 1; defer { depth -= 1 }
            skipWhitespace()
            if i < bytes.count, bytes[i] == UInt8(ascii: "}") { advance(); return true }
            while i < bytes.count {
                skipWhitespace()
                guard let key = string() else { return false }
                skipWhitespace()
                guard i < bytes.count, bytes[i] == UInt8(ascii: ":") else { return false }
                advance()
                guard value(at: pointer + "/" + pointerToken(key)) else { return false }
                skipWhitespace()
                guard i < bytes.count else { return false }
                if bytes[i] == UInt8(ascii: ",") { advance(); continue }
                if bytes[i] == UInt8(ascii: "}") { advance(); return true }
                return false
            }
            return false
        case UInt8(ascii: "["):
            advance(); depth += 1; defer { depth -= 1 }
            skipWhitespace()
            if i < bytes.count, bytes[i] == UInt8(ascii: "]") { advance(); return true }
            var index = 0
            while i < bytes.count {
                guard value(at: pointer + "/" + String(index)) else { return false }
                index += 1
                skipWhitespace()
                guard i < bytes.count else { return false }
                if bytes[i] == UInt8(ascii: ",") { advance(); continue }
                if bytes[i] == UInt8(ascii: "]") { advance(); return true }
                return false
            }
            return false
        case UInt8(ascii: "\""):
            return string() != nil
        default:
            // number, true, false, null: everything up to a delimiter.
            while i < bytes.count {
                switch bytes[i] {
                case UInt8(ascii: ","), UInt8(ascii: "}"), UInt8(ascii: "]"), 0x20, 0x09, 0x0A, 0x0D: return true
                default: advance()
                }
            }
            return true
        }
    }

    /// Scans a string literal and returns its decoded text.
    mutating func string() -> String? {
        guard i < bytes.count, bytes[i] == UInt8(ascii: "\"") else { return nil }
        advance()
        var raw: [UInt8] = []
        var units: [UInt16] = []   // pending \u escapes, so surrogate pairs join up
        func flushUnits(into raw: inout [UInt8]) {
            guard !units.isEmpty else { return }
            raw.append(contentsOf: Array(String(decoding: units, as: UTF16.self).utf8))
            units.removeAll()
        }
        while i < bytes.count {
            let b = bytes[i]
            if b == UInt8(ascii: "\"") {
                advance()
                flushUnits(into: &raw)
                return String(decoding: raw, as: UTF8.self)
            }
            if b == UInt8(ascii: "\\") {
                advance()
                guard i < bytes.count else { return nil }
                let e = bytes[i]
                advance()
                if e == UInt8(ascii: "u") {
                    guard i + 4 <= bytes.count, let u = UInt16(String(decoding: bytes[i..<i + 4], as: UTF8.self), radix: 16)
                    else { return nil }
                    for _ in 0..<4 { advance() }
                    units.append(u)
                    continue
                }
                flushUnits(into: &raw)
                switch e {
                case UInt8(ascii: "n"): raw.append(0x0A)
                case UInt8(ascii: "t"): raw.append(0x09)
                case UInt8(ascii: "r"): raw.append(0x0D)
                case UInt8(ascii: "b"): raw.append(0x08)
                case UInt8(ascii: "f"): raw.append(0x0C)
                default: raw.append(e)   // \" \\ \/
                }
                continue
            }
            flushUnits(into: &raw)
            raw.append(b)
            advance()
        }
        return nil
    }
}
