/// A parsed XML element: what AWS's query and REST-XML responses need (names, text, children;
/// attributes are read past, namespaces ignored).
struct XMLElement: Sendable {
    var name: String
    var text = ""
    var children: [XMLElement] = []

    init(name: String) { self.name = name }

    func child(_ name: String) -> XMLElement? { children.first { $0.name == name } }
    func all(_ name: String) -> [XMLElement] { children.filter { $0.name == name } }

    /// Parses a document; nil when it is not well formed.
    static func parse(_ bytes: [UInt8]) -> XMLElement? {
        var p = XMLReader(b: bytes)
        return p.document()
    }
}

/// A small recursive-descent XML reader (no DTDs; CDATA, comments, processing instructions
/// and character references handled). Depth is bounded: a hostile document cannot trap.
private struct XMLReader {
    let b: [UInt8]
    var i = 0

    mutating func document() -> XMLElement? {
        skipMisc()
        guard i < b.count, b[i] == UInt8(ascii: "<") else { return nil }
        return element(depth: 0)
    }

    /// Skips whitespace, `<?...?>`, comments and a doctype before the root element.
    mutating func skipMisc() {
        while i < b.count {
            if b[i] == 0x20 || b[i] == 0x0A || b[i] == 0x0D || b[i] == 0x09 { i += 1; continue }
            if starts("<?") { skip(past: "?>"); continue }
            if starts("<!--") { skip(past: "-->"); continue }
            if starts("<!") { skip(past: ">"); continue }
            return
        }
    }

    func starts(_ s: String) -> Bool {
        let u = Array(s.utf8)
        return i + u.count <= b.count && Array(b[i..<(i + u.count)]) == u
    }

    mutating func skip(past s: String) {
        let u = Array(s.utf8)
        while i + u.count <= b.count {
            if Array(b[i..<(i + u.count)]) == u { i += u.count; return }
            i += 1
        }
        i = b.count
    }

    mutating func name() -> String {
        let start = i
        while i < b.count, !(b[i] == 0x20 || b[i] == 0x0A || b[i] == 0x0D || b[i] == 0x09 || b[i] == UInt8(ascii: ">")
                             || b[i] == UInt8(ascii: "/") || b[i] == UInt8(ascii: "=")) { i += 1 }
        var n = String(decoding: b[start..<i], as: UTF8.self)
        if let colon = n.lastIndex(of: ":") { n = String(n[n.index(after: colon)...]) }  // namespace prefix
        return n
    }

    mutating func element(depth: Int) -> XMLElement? {
        guard depth < 200, i < b.count, b[i] == UInt8(ascii: "<") else { return nil }
        i += 1
        var e = XMLElement(name: name())
        // Attributes: read past (quoted values may hold '>').
        while i < b.count, b[i] != UInt8(ascii: ">"), b[i] != UInt8(ascii: "/") {
            if b[i] == UInt8(ascii: "\"") || b[i] == UInt8(ascii: "'") {
                let q = b[i]; i += 1
                while i < b.count, b[i] != q { i += 1 }
            }
            i += 1
        }
        guard i < b.count else { return nil }
        if b[i] == UInt8(ascii: "/") {  // <empty/>
            i += 1
            guard i < b.count, b[i] == UInt8(ascii: ">") else { return nil }
            i += 1
            return e
        }
        i += 1
        var text: [UInt8] = []
        while i < b.count {
            if starts("</") {
                skip(past: ">")
                e.text = String(decoding: text, as: UTF8.self)
                return e
            }
            if starts("<![CDATA[") {
                i += 9
                while i < b.count, !starts("]]>") { text.append(b[i]); i += 1 }
                i += 3
                continue
            }
            if starts("<!--") { skip(past: "-->"); continue }
            if starts("<?") { skip(past: "?>"); continue }
            if b[i] == UInt8(ascii: "<") {
                guard let c = element(depth: depth + 1) else { return nil }
                e.children.append(c)
                continue
            }
            if b[i] == UInt8(ascii: "&") { reference(into: &text); continue }
            text.append(b[i]); i += 1
        }
        return nil
    }

    /// `&lt;` `&gt;` `&amp;` `&quot;` `&apos;` `&#N;` `&#xN;`; anything else is kept as written.
    mutating func reference(into out: inout [UInt8]) {
        guard let end = b[i...].prefix(12).firstIndex(of: UInt8(ascii: ";")) else { out.append(b[i]); i += 1; return }
        let body = String(decoding: b[(i + 1)..<end], as: UTF8.self)
        var scalar: Unicode.Scalar?
        switch body {
        case "lt": scalar = "<"
        case "gt": scalar = ">"
        case "amp": scalar = "&"
        case "quot": scalar = "\""
        case "apos": scalar = "'"
        default:
            if body.hasPrefix("#x") || body.hasPrefix("#X") {
                scalar = UInt32(body.dropFirst(2), radix: 16).flatMap(Unicode.Scalar.init)
            } else if body.hasPrefix("#") {
                scalar = UInt32(body.dropFirst()).flatMap(Unicode.Scalar.init)
            }
        }
        guard let scalar else { out.append(b[i]); i += 1; return }
        out.append(contentsOf: Array(String(Character(scalar)).utf8))
        i = end + 1
    }
}

extension XMLElement {
    /// Writes `<name>...</name>` with text escaped (request bodies of REST-XML APIs).
    static func escape(_ s: String) -> String {
        var out = ""
        for c in s.unicodeScalars {
            switch c {
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "&": out += "&amp;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            default: out.unicodeScalars.append(c)
            }
        }
        return out
    }
}
