import CortadoJSON

extension Intrinsics {
    /// `States.Format(template, values...)`: each `{}` is replaced by the text of
    /// the positionally matching value (strings as-is, other values as Java prints them).
    static func format(_ args: IntrinsicArgs, pieces literalPieces: [String]?) throws(ASLError) -> JSON {
        let pieces: [String]
        if let p = literalPieces {
            pieces = p
        } else {
            let template = try args.string(0)
            pieces = splitPlaceholders(template)
        }
        let placeholders = pieces.count - 1
        guard placeholders == args.count - 1 else {
            throw args.fail("the template has \(placeholders) placeholder\(placeholders == 1 ? "" : "s") but \(args.count - 1) value\(args.count == 2 ? " was" : "s were") given")
        }
        // Sized once: appending piece by piece reallocated the string two or three times.
        var size = 0
        for p in pieces { size += p.utf8.count }
        for k in 1..<pieces.count { size += args[k].stringValue?.utf8.count ?? 24 }
        var out = ""
        out.reserveCapacity(size)
        out += pieces[0]
        for k in 1..<pieces.count {
            JavaText.append(args[k], to: &out)
            out += pieces[k]
        }
        return .string(out)
    }

    /// A run-time template (from a path) has no escapes: every `{}` is a placeholder.
    static func splitPlaceholders(_ s: String) -> [String] {
        var pieces: [String] = []
        var piece = String.UnicodeScalarView()
        var it = Array(s.unicodeScalars)[...]
        while let c = it.popFirst() {
            if c == "{", it.first == "}" {
                it.removeFirst()
                pieces.append(String(piece))
                piece = String.UnicodeScalarView()
            } else {
                piece.append(c)
            }
        }
        pieces.append(String(piece))
        return pieces
    }

    /// `States.StringSplit(string, delimiters)`: splits on any of the delimiter
    /// characters and drops empty tokens (Java `StringTokenizer` semantics).
    static func stringSplit(_ args: IntrinsicArgs) throws(ASLError) -> JSON {
        let s = try args.string(0)
        let delims = Set(try args.string(1).unicodeScalars)
        var out: [JSON] = []
        var token = String.UnicodeScalarView()
        for c in s.unicodeScalars {
            if delims.contains(c) {
                if !token.isEmpty { out.append(.string(String(token))); token = String.UnicodeScalarView() }
            } else {
                token.append(c)
            }
        }
        if !token.isEmpty { out.append(.string(String(token))) }
        return .array(out)
    }

    /// `States.StringToJson(string)`: parses the string as JSON; an empty or blank string gives
    /// null (AWS's recording of `""` and `" "`).
    static func stringToJson(_ args: IntrinsicArgs) throws(ASLError) -> JSON {
        let s = try args.string(0)
        if s.utf8.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }) { return .null }
        do {
            return try JSON.parse(s)
        } catch {
            throw args.fail("the string '\(s)' is not valid JSON")
        }
    }

    /// `States.JsonToString(value)`: the value as compact JSON text.
    static func jsonToString(_ args: IntrinsicArgs) throws(ASLError) -> JSON {
        .string(JavaText.json(args[0]))
    }

    /// `States.JsonMerge(a, b, false)`: shallow merge, `b`'s members win.
    static func jsonMerge(_ args: IntrinsicArgs) throws(ASLError) -> JSON {
        var a = try args.object(0)
        let b = try args.object(1)
        // Only `true` asks for the deep merge AWS does not support; any other value merges
        // shallowly (AWS takes the string "false" so, recorded by a suite run against AWS).
        guard args[2] != .bool(true) else { throw args.fail("deep merge is not supported, the third argument must be false") }
        for m in b.members { a[m.key] = m.value }
        return .object(a)
    }

    /// `States.UUID()`: a random version 4 UUID in lower case.
    static func uuid() -> JSON {
        var g = SystemRandomNumberGenerator()
        var bytes = [UInt8](repeating: 0, count: 16)
        for k in stride(from: 0, to: 16, by: 8) {
            let r = g.next()
            for j in 0..<8 { bytes[k + j] = UInt8(truncatingIfNeeded: r >> (8 * UInt64(j))) }
        }
        bytes[6] = (bytes[6] & 0x0F) | 0x40
        bytes[8] = (bytes[8] & 0x3F) | 0x80
        let hex = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(36)
        for (k, b) in bytes.enumerated() {
            if k == 4 || k == 6 || k == 8 || k == 10 { out.append(UInt8(ascii: "-")) }
            out.append(hex[Int(b >> 4)]); out.append(hex[Int(b & 15)])
        }
        return .string(String(decoding: out, as: UTF8.self))
    }
}
