/// A JSON value. Objects keep their member order; numbers keep their literal text,
/// so `809.0` is written back as `809.0` and huge integers are never rounded.
public enum JSON: Sendable {
    case null
    case bool(Bool)
    case number(JSONNumber)
    case string(String)
    case array([JSON])
    case object(JSONObject)
}

/// A JSON number, stored as its literal text (validated JSON number syntax).
public struct JSONNumber: Sendable, Hashable, CustomStringConvertible {
    /// The number exactly as it was written (or as Cortado formatted it).
    public let literal: String

    /// Wraps a literal that is already valid JSON number syntax.
    public init(literal: String) { self.literal = literal }
    public init(_ value: Int) { self.literal = String(value) }
    /// Formats a double the way AWS (Java) does for integral values: `3.0` stays a double literal.
    public init(_ value: Double) {
        if value.isFinite, value == value.rounded(), abs(value) < 1e15 {
            self.literal = String(Int64(value)) + ".0"
        } else {
            self.literal = JSONNumber.format(value)
        }
    }

    static func format(_ v: Double) -> String {
        guard v.isFinite else { return "0" }
        // Swift prints 1e+20 / 1e-05; both are valid JSON number syntax.
        return "\(v)"
    }

    /// The value as a double (may round very long literals).
    public var double: Double { Double(literal) ?? (literal.hasPrefix("-") ? -.infinity : .infinity) }
    /// True when the literal has no fraction or exponent part.
    public var isIntegerLiteral: Bool {
        !literal.utf8.contains(where: { $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "e") || $0 == UInt8(ascii: "E") })
    }
    /// The value as an `Int` when it is integral and fits (`3`, `3.0`, `3e0`).
    public var int: Int? {
        if isIntegerLiteral { return Int(literal) }
        let d = double
        guard d.isFinite, d == d.rounded(), abs(d) < 9.2e18 else { return nil }
        return Int(d)
    }
    public var description: String { literal }
}

/// An ordered JSON object. Look-up is linear, which beats hashing for the
/// small objects state machines pass around.
public struct JSONObject: Sendable, Sequence {
    public var members: [(key: String, value: JSON)]

    public init() { members = [] }
    public init(_ members: [(key: String, value: JSON)]) { self.members = members }

    public var count: Int { members.count }
    public var isEmpty: Bool { members.isEmpty }
    public var keys: [String] { members.map(\.key) }

    /// The value of `key`, or nil. Setting nil removes the key; setting a value
    /// replaces it in place or appends it.
    public subscript(key: String) -> JSON? {
        get {
            for m in members where JSONObject.sameKey(m.key, key) { return m.value }
            return nil
        }
        set {
            if let i = members.firstIndex(where: { JSONObject.sameKey($0.key, key) }) {
                if let v = newValue { members[i].value = v } else { members.remove(at: i) }
            } else if let v = newValue {
                members.append((key, v))
            }
        }
    }

    /// Key equality, cheap when the keys differ: lengths first (O(1) for native strings),
    /// since `==` on two different strings takes the slow Unicode comparison path.
    @inline(__always) public static func sameKey(_ a: String, _ b: String) -> Bool {
        a.utf8.count == b.utf8.count && a == b
    }

    public func makeIterator() -> IndexingIterator<[(key: String, value: JSON)]> { members.makeIterator() }
}

extension JSON {
    public init(_ s: String) { self = .string(s) }
    public init(_ i: Int) { self = .number(JSONNumber(i)) }

    public var isNull: Bool { if case .null = self { return true } else { return false } }
    public var stringValue: String? { if case .string(let s) = self { return s } else { return nil } }
    public var boolValue: Bool? { if case .bool(let b) = self { return b } else { return nil } }
    public var numberValue: JSONNumber? { if case .number(let n) = self { return n } else { return nil } }
    public var arrayValue: [JSON]? { if case .array(let a) = self { return a } else { return nil } }
    public var objectValue: JSONObject? { if case .object(let o) = self { return o } else { return nil } }

    /// Member look-up on objects; nil for anything else.
    public subscript(key: String) -> JSON? {
        if case .object(let o) = self { return o[key] } else { return nil }
    }

    /// The JSON type name as AWS's messages use it.
    public var typeName: String {
        switch self {
        case .null: return "null"
        case .bool: return "boolean"
        case .number: return "number"
        case .string: return "string"
        case .array: return "array"
        case .object: return "object"
        }
    }
}

// MARK: - Equality (semantic: numbers by value, objects by member set)

extension JSON: Equatable {
    public static func == (a: JSON, b: JSON) -> Bool {
        switch (a, b) {
        case (.null, .null): return true
        case (.bool(let x), .bool(let y)): return x == y
        case (.number(let x), .number(let y)): return x.literal == y.literal || x.double == y.double
        case (.string(let x), .string(let y)): return x == y
        case (.array(let x), .array(let y)): return x == y
        case (.object(let x), .object(let y)):
            guard x.count == y.count else { return false }
            for m in x.members {
                guard let v = y[m.key], v == m.value else { return false }
            }
            return true
        default: return false
        }
    }
}

extension JSON: Hashable {
    public func hash(into h: inout Hasher) {
        switch self {
        case .null: h.combine(0)
        case .bool(let b): h.combine(b)
        case .number(let n): h.combine(n.double)
        case .string(let s): h.combine(s)
        case .array(let a): h.combine(a)
        case .object(let o):
            // Order-insensitive: combine a commutative sum of member hashes.
            var sum = 0
            for m in o.members {
                var mh = Hasher(); mh.combine(m.key); mh.combine(m.value); sum = sum &+ mh.finalize()
            }
            h.combine(sum)
        }
    }
}

extension JSON: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral,
    ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral, ExpressibleByNilLiteral, ExpressibleByFloatLiteral
{
    public init(stringLiteral v: String) { self = .string(v) }
    public init(integerLiteral v: Int) { self = .number(JSONNumber(v)) }
    public init(floatLiteral v: Double) { self = .number(JSONNumber(literal: JSONNumber.format(v))) }
    public init(booleanLiteral v: Bool) { self = .bool(v) }
    public init(arrayLiteral elements: JSON...) { self = .array(elements) }
    public init(dictionaryLiteral elements: (String, JSON)...) {
        self = .object(JSONObject(elements.map { (key: $0.0, value: $0.1) }))
    }
    public init(nilLiteral: ()) { self = .null }
}

extension JSONObject: ExpressibleByDictionaryLiteral {
    public init(dictionaryLiteral elements: (String, JSON)...) {
        self.init(elements.map { (key: $0.0, value: $0.1) })
    }
}
