import CortadoJSON
import Foundation

/// The evaluator's internal value. `nil` (as `JV?`) stands for JSONata's *undefined*.
/// Arrays and objects are reference types so that sequence flags and transform clones
/// behave like the reference implementation (which shares JavaScript arrays).
enum JV {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array(JArr)
    case object(JObj)
    case function(JFunc)

    var isString: Bool { if case .string = self { return true } else { return false } }
    var isNumber: Bool { if case .number = self { return true } else { return false } }
    var isArray: Bool { if case .array = self { return true } else { return false } }
    var isFunction: Bool { if case .function = self { return true } else { return false } }
    var arr: JArr? { if case .array(let a) = self { return a } else { return nil } }
    var obj: JObj? { if case .object(let o) = self { return o } else { return nil } }
    var fn: JFunc? { if case .function(let f) = self { return f } else { return nil } }
    var str: String? { if case .string(let s) = self { return s } else { return nil } }
    var num: Double? { if case .number(let n) = self { return n } else { return nil } }

    /// Signature symbol of the value (see JSONataSignature).
    var sigSymbol: UInt8 {
        switch self {
        case .null: return UInt8(ascii: "l")
        case .bool: return UInt8(ascii: "b")
        case .number: return UInt8(ascii: "n")
        case .string: return UInt8(ascii: "s")
        case .array: return UInt8(ascii: "a")
        case .object: return UInt8(ascii: "o")
        case .function: return UInt8(ascii: "f")
        }
    }
}

/// A JSONata array or sequence, with the reference implementation's flags.
final class JArr {
    var items: [JV]
    var isSequence = false
    var keepSingleton = false
    var outerWrapper = false
    var tupleStream = false
    var cons = false

    init(_ items: [JV] = [], sequence: Bool = false) {
        self.items = items
        self.isSequence = sequence
    }
    static func seq(_ items: [JV] = []) -> JArr { JArr(items, sequence: true) }
    static func seq(_ one: JV?) -> JArr {
        guard let one else { return JArr([], sequence: true) }
        return JArr([one], sequence: true)
    }
    var count: Int { items.count }
}

/// An ordered JSONata object (insertion order, like JavaScript string keys). Small objects
/// are searched linearly (cheap to build and copy); large ones get a hash index on demand.
final class JObj {
    private(set) var keys: [String] = []
    private var values: [JV] = []
    private var index: [String: Int]?

    init() {}
    init(capacity: Int) { keys.reserveCapacity(capacity); values.reserveCapacity(capacity) }

    var count: Int { keys.count }

    @inline(__always) private func find(_ key: String) -> Int? {
        if let index { return index[key] }
        let n = key.utf8.count
        for i in 0..<keys.count where keys[i].utf8.count == n && keys[i] == key { return i }
        return nil
    }

    private func buildIndexIfLarge() {
        if index == nil && keys.count > 12 {
            var d = [String: Int](minimumCapacity: keys.count * 2)
            for (i, k) in keys.enumerated() { d[k] = i }
            index = d
        }
    }

    /// JavaScript orders integer-like keys ("0", "7", …) first, ascending, before other keys.
    static func arrayIndex(_ key: String) -> UInt32? {
        guard let f = key.utf8.first, f >= 48, f <= 57, key.utf8.count <= 10 else { return nil }
        if f == 48 && key.utf8.count > 1 { return nil }
        guard let v = UInt32(key), v < UInt32.max else { return nil }
        return v
    }

    private func insertNew(_ key: String, _ v: JV) {
        if let n = JObj.arrayIndex(key) {
            var at = 0
            while at < keys.count, let m = JObj.arrayIndex(keys[at]), m < n { at += 1 }
            keys.insert(key, at: at)
            values.insert(v, at: at)
            index = nil
            buildIndexIfLarge()
        } else {
            keys.append(key)
            values.append(v)
            if index != nil { index![key] = keys.count - 1 } else { buildIndexIfLarge() }
        }
    }

    subscript(key: String) -> JV? {
        get {
            if let i = find(key) { return values[i] }
            return nil
        }
        set {
            if let v = newValue {
                if let i = find(key) { values[i] = v } else { insertNew(key, v) }
            } else if let i = find(key) {
                keys.remove(at: i)
                values.remove(at: i)
                index = nil
                buildIndexIfLarge()
            }
        }
    }
    /// Appends a key known not to be present (JSON conversion of already-unique members).
    func appendUnchecked(_ key: String, _ v: JV) {
        if JObj.arrayIndex(key) != nil { insertNew(key, v); return }
        keys.append(key)
        values.append(v)
        if index != nil { index![key] = keys.count - 1 }
    }
    func finishBuilding() { buildIndexIfLarge() }
    func has(_ key: String) -> Bool { find(key) != nil }
    func value(at i: Int) -> JV { values[i] }
    var entries: [(String, JV)] { Array(zip(keys, values)) }
    func copy() -> JObj {
        let o = JObj(); o.keys = keys; o.values = values; o.index = index; return o
    }
}

// MARK: - Conversion to and from CortadoJSON

extension JV {
    init(json: JSON) {
        switch json {
        case .null: self = .null
        case .bool(let b): self = .bool(b)
        case .number(let n): self = .number(n.double)
        case .string(let s): self = .string(s)
        case .array(let a): self = .array(JArr(a.map { JV(json: $0) }))
        case .object(let o):
            let r = JObj(capacity: o.count)
            if o.count <= 12 {
                for m in o.members { r[m.key] = JV(json: m.value) }
            } else {
                var seen = Set<String>()
                for m in o.members {
                    if seen.insert(m.key).inserted { r.appendUnchecked(m.key, JV(json: m.value)) } else { r[m.key] = JV(json: m.value) }
                }
                r.finishBuilding()
            }
            self = .object(r)
        }
    }

    /// `init(json:)` of a host's document (`JSONataDocument`): the same values, objects built
    /// the same way.
    static func convert(_ d: some JSONataDocument, _ n: Int32) throws -> JV {
        switch try d.node(n) {
        case .null: return .null
        case .bool(let b): return .bool(b)
        case .number(let x): return .number(x)
        case .string(let s): return .string(s)
        case .array(let xs):
            var items: [JV] = []
            items.reserveCapacity(xs.count)
            for x in xs { items.append(try convert(d, x)) }
            return .array(JArr(items))
        case .object(let keys, let values):
            // (A document's keys are unique: no lookup before each insert.)
            let r = JObj(capacity: keys.count)
            for k in keys.indices { r.appendUnchecked(keys[k], try convert(d, values[k])) }
            r.finishBuilding()
            return .object(r)
        }
    }

    /// Converts to JSON the way JSON.stringify does: functions become absent (nil) inside
    /// objects, `null` inside arrays; non-finite numbers become null.
    func toJSON() -> JSON? {
        switch self {
        case .null: return .null
        case .bool(let b): return .bool(b)
        case .number(let d):
            guard d.isFinite else { return .null }
            return .number(JSONNumber(literal: formatJSNumber(d)))
        case .string(let s): return .string(s)
        case .array(let a): return .array(a.items.map { $0.toJSON() ?? .null })
        case .object(let o):
            var r = JSONObject()
            r.members.reserveCapacity(o.count)
            for (i, k) in o.keys.enumerated() { if let v = o.value(at: i).toJSON() { r.members.append((k, v)) } }
            return .object(r)
        case .function: return nil
        }
    }
}

/// Double → Int without trapping: NaN → 0, clamped to ±2^53.
@inline(__always) func toInt(_ d: Double) -> Int {
    if d.isNaN { return 0 }
    if d >= 9_007_199_254_740_992 { return 9_007_199_254_740_992 }
    if d <= -9_007_199_254_740_992 { return -9_007_199_254_740_992 }
    return Int(d)
}

// MARK: - Number formatting (JavaScript Number.prototype.toString)

/// Formats a double the way JavaScript's `String(n)` does.
func formatJSNumber(_ d: Double) -> String {
    if d.isNaN { return "NaN" }
    if d.isInfinite { return d < 0 ? "-Infinity" : "Infinity" }
    if d == 0 { return "0" }
    if d == d.rounded(), abs(d) < 1e21 {
        if abs(d) < 9.0e18 { return String(Int64(d)) }
    }
    // Between 1e-4 and 1e15 Swift's description is JavaScript's text already (shortest
    // round-trip digits, no exponent); converting a payload's prices took 6% of a JSONata run.
    let magnitude = abs(d)
    if magnitude >= 1e-4, magnitude < 1e15 { return d.description }
    return jsLayout(d)
}

/// JavaScript's text of a finite, non-zero, non-integral `d` (or one beyond 9e18): Swift's
/// shortest round-trip digits laid out as JS lays them out.
func jsLayout(_ d: Double) -> String {
    var s = "\(abs(d))"
    var exp = 0
    if let e = s.firstIndex(where: { $0 == "e" || $0 == "E" }) {
        exp = Int(s[s.index(after: e)...])!
        s = String(s[..<e])
    }
    var digits: String
    var pointPos: Int
    if let dot = s.firstIndex(of: ".") {
        let intPart = String(s[..<dot]), frac = String(s[s.index(after: dot)...])
        digits = intPart + frac
        pointPos = intPart.count
    } else {
        digits = s; pointPos = s.count
    }
    // strip leading zeros
    while digits.count > 1, digits.first == "0" { digits.removeFirst(); pointPos -= 1 }
    while digits.count > 1, digits.last == "0" { digits.removeLast() }
    let n = pointPos + exp  // decimal exponent: value = 0.digits * 10^n
    let k = digits.count
    var out = d < 0 ? "-" : ""
    if k <= n && n <= 21 {
        out += digits + String(repeating: "0", count: n - k)
    } else if 0 < n && n <= 21 {
        let i = digits.index(digits.startIndex, offsetBy: n)
        out += digits[..<i] + "." + digits[i...]
    } else if -6 < n && n <= 0 {
        out += "0." + String(repeating: "0", count: -n) + digits
    } else {
        let e = n - 1
        let es = e >= 0 ? "+\(e)" : "\(e)"
        if k == 1 { out += digits + "e" + es } else {
            out += String(digits.first!) + "." + digits.dropFirst() + "e" + es
        }
    }
    return out
}

/// `Number(n.toPrecision(15))` rendered as a JS string — used by $string and friends.
func formatJSNumberPrecision15(_ d: Double) -> String {
    guard d.isFinite, d != 0 else { return formatJSNumber(d) }
    if d == d.rounded(), abs(d) < 1e15 { return String(Int64(d)) }
    let r = Double(formatSig(d, 15)) ?? d
    return formatJSNumber(r)
}

/// Formats with `sig` significant digits in exponent form (parseable by Double()).
func formatSig(_ d: Double, _ sig: Int) -> String {
    return String(format: "%.\(sig - 1)e", d)
}

// MARK: - Deep equality (isDeepEqual)

func deepEqual(_ a: JV?, _ b: JV?) -> Bool {
    guard let a, let b else { return a == nil && b == nil }
    switch (a, b) {
    case (.null, .null): return true
    case (.bool(let x), .bool(let y)): return x == y
    case (.number(let x), .number(let y)): return x == y
    case (.string(let x), .string(let y)): return x == y
    case (.array(let x), .array(let y)):
        if x === y { return true }
        guard x.count == y.count else { return false }
        for i in 0..<x.count where !deepEqual(x.items[i], y.items[i]) { return false }
        return true
    case (.object(let x), .object(let y)):
        if x === y { return true }
        guard x.count == y.count else { return false }
        for k in x.keys { guard let yv = y[k], deepEqual(x[k], yv) else { return false } }
        return true
    case (.function(let x), .function(let y)): return x === y
    default: return false
    }
}

/// Strict (===) equality used by `in` and $distinct of primitives.
func strictEqual(_ a: JV, _ b: JV) -> Bool {
    switch (a, b) {
    case (.null, .null): return true
    case (.bool(let x), .bool(let y)): return x == y
    case (.number(let x), .number(let y)): return x == y
    case (.string(let x), .string(let y)): return x == y
    case (.array(let x), .array(let y)): return x === y
    case (.object(let x), .object(let y)): return x === y
    case (.function(let x), .function(let y)): return x === y
    default: return false
    }
}

/// JavaScript string ordering (UTF-16 code units).
func jsLess(_ a: String, _ b: String) -> Bool {
    var i = a.utf16.makeIterator(), j = b.utf16.makeIterator()
    while true {
        let x = i.next(), y = j.next()
        guard let x else { return y != nil }
        guard let y else { return false }
        if x != y { return x < y }
    }
}
