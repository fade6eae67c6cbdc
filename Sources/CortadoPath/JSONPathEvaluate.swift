import CortadoJSON

/// Why the definite prefix of a path failed (Jayway throws there; AWS reports it for
/// definite paths and yields `[]` for indefinite ones).
enum EvalMiss: Error {
    case noResult
    /// A non-final property was missing: segment index.
    case missingProperty(Int)
    /// A property step met a non-object.
    case notObject(Int, JSON)
    /// An index/slice step met a non-array.
    case notArray(Int, JSON)
    /// A filter step met a primitive.
    case filterOnPrimitive(Int, JSON)

    func message(segments: [JSONPathSegment], normalized: String) -> String {
        switch self {
        case .noResult:
            return "No results for path: " + normalized
        case .missingProperty(let i):
            return "Missing property in path " + JSONPathSegment.normalized(segments[...i])
        case .notObject(let i, let v):
            return "Expected to find an object with property \(segments[i].fragment) in path "
                + JSONPathSegment.normalized(segments[..<i])
                + " but found '\(javaClassName(v))'. This is not a json object according to the JsonProvider: "
                + "'com.jayway.jsonpath.spi.json.JacksonJsonProvider'."
        case .notArray(let i, let v):
            if case .null = v { return "The path " + JSONPathSegment.normalized(segments[..<i]) + " is null" }
            return "Filter: \(segments[i].fragment) can only be applied to arrays. Current context is: \(v.serialized)"
        case .filterOnPrimitive(let i, let v):
            return "Filter: \(segments[i].fragment) can not be applied to primitives. Current context is: \(v.serialized)"
        }
    }

    /// The class Jackson (via Jayway's JacksonJsonProvider) would hold the value as.
    func javaClassName(_ v: JSON) -> String {
        switch v {
        case .null: return "null"
        case .bool: return "java.lang.Boolean"
        case .string: return "java.lang.String"
        case .array: return "java.util.ArrayList"
        case .object: return "java.util.LinkedHashMap"
        case .number(let n):
            if n.isIntegerLiteral, let i = Int(n.literal) {
                return (i >= -2_147_483_648 && i <= 2_147_483_647) ? "java.lang.Integer" : "java.lang.Long"
            }
            return "java.lang.Double"
        }
    }
}

/// Walks compiled segments over a document, collecting matches in Jayway's order: the one
/// implementation of Jayway's rules for paths that are not plain (filters, `..`, unions,
/// wildcards over objects), for both engines (`JSONPathDocument`).
struct JSONPathEvaluator<D: JSONPathDocument> {
    let doc: D
    let segments: [JSONPathSegment]
    let firstIndefinite: Int
    /// The document root (`$` inside filters).
    let root: D.Node
    var out: [D.Node] = []

    init(_ doc: D, segments: [JSONPathSegment], firstIndefinite: Int, root: D.Node) {
        self.doc = doc
        self.segments = segments
        self.firstIndefinite = firstIndefinite
        self.root = root
    }

    /// Evaluates from segment `from` at `start`. Definite: the single match or a miss.
    /// Indefinite: all matches, `[]` when the definite prefix fails; a final `length()`
    /// yields one number.
    mutating func run(_ start: D.Node, isDefinite: Bool, from: Int = 0) -> Result<D.Node, EvalMiss> {
        switch collect(start, from: from) {
        case .failure(let m):
            if !isDefinite { return .success(doc.array([])) }
            if hasIndefiniteLength { return .success(doc.node(.number(JSONNumber(0)))) }
            return .failure(m)
        case .success:
            break
        }
        if hasIndefiniteLength {
            return .success(doc.node(.number(JSONNumber(out.count))))
        }
        if isDefinite {
            guard let v = out.first else { return .failure(.noResult) }
            return .success(v)
        }
        return .success(doc.array(out))
    }

    /// A trailing `length()` after an indefinite prefix counts the prefix's matches.
    var hasIndefiniteLength: Bool {
        guard let last = segments.last, case .length = last else { return false }
        return firstIndefinite < segments.count - 1
    }

    /// Collects matches into `out`; fails only when the definite prefix fails.
    mutating func collect(_ start: D.Node, from: Int = 0) -> Result<Void, EvalMiss> {
        out.removeAll(keepingCapacity: true)
        let end = hasIndefiniteLength ? segments.count - 1 : segments.count
        do {
            try walk(from, start, end: end)
        } catch {
            out.removeAll()
            return .failure(error)
        }
        return .success(())
    }

    @inline(__always) func upstreamDefinite(_ i: Int) -> Bool { i <= firstIndefinite }

    mutating func walk(_ i: Int, _ node: D.Node, end: Int) throws(EvalMiss) {
        if i == end { out.append(node); return }
        let isLeaf = i == end - 1
        let shape = doc.shape(node)
        switch segments[i] {
        case .name(let name, _):
            guard case .object = shape else {
                if upstreamDefinite(i) { throw .notObject(i, doc.json(node)) }
                return
            }
            if let v = doc.member(node, named: name) {
                try walk(i + 1, v, end: end)
            } else if !isLeaf && upstreamDefinite(i) {
                throw .missingProperty(i)
            }
        case .names(let names, _):
            guard case .object = shape else {
                if upstreamDefinite(i) { throw .notObject(i, doc.json(node)) }
                return
            }
            if isLeaf {
                out.append(doc.object(node, names: names))
            } else {
                for n in names { if let v = doc.member(node, named: n) { try walk(i + 1, v, end: end) } }
            }
        case .index(let k):
            guard case .array(let count) = shape else {
                if upstreamDefinite(i) { throw .notArray(i, doc.json(node)) }
                return
            }
            try walkIndex(k, node, count, i, end: end)
        case .indices(let ks):
            guard case .array(let count) = shape else {
                if upstreamDefinite(i) { throw .notArray(i, doc.json(node)) }
                return
            }
            for k in ks { try walkIndex(k, node, count, i, end: end) }
        case .slice(let from, let to):
            guard case .array(let count) = shape else {
                if upstreamDefinite(i) { throw .notArray(i, doc.json(node)) }
                return
            }
            // Jayway's slice (`JSONPathSlice`).
            try JSONPathSlice.forEachPosition(from, to, count: count) { (k) throws(EvalMiss) in
                try walk(i + 1, doc.element(node, at: k), end: end)
            }
        case .wildcard:
            switch shape {
            case .object(let count): for k in 0..<count { try walk(i + 1, doc.member(node, at: k), end: end) }
            case .array(let count): for k in 0..<count { try walk(i + 1, doc.element(node, at: k), end: end) }
            case .scalar: return
            }
        case .scan:
            try scan(i + 1, node, end: end)
        case .filter(let f):
            switch shape {
            case .object:
                if f.accept(doc, node, root: root) { try walk(i + 1, node, end: end) }
            case .array(let count):
                for k in 0..<count {
                    let e = doc.element(node, at: k)
                    if f.accept(doc, e, root: root) { try walk(i + 1, e, end: end) }
                }
            case .scalar:
                if upstreamDefinite(i) { throw .filterOnPrimitive(i, doc.json(node)) }
            }
        case .length:
            switch shape {
            case .array(let count), .object(let count): out.append(doc.node(.number(JSONNumber(count))))
            case .scalar: out.append(doc.node(.null))
            }
        }
    }

    @inline(__always)
    mutating func walkIndex(_ k: Int, _ array: D.Node, _ count: Int, _ i: Int, end: Int) throws(EvalMiss) {
        let e = k < 0 ? count + k : k
        guard e >= 0 && e < count else { return }
        try walk(i + 1, doc.element(array, at: e), end: end)
    }

    /// Jayway's deep scan: at every object/array (pre-order), apply segment `pt` when the
    /// node can take it, then descend into the children.
    mutating func scan(_ pt: Int, _ node: D.Node, end: Int) throws(EvalMiss) {
        switch doc.shape(node) {
        case .object(let count):
            if scanMatches(pt, node, end: end) { try walk(pt, node, end: end) }
            for k in 0..<count { try scan(pt, doc.member(node, at: k), end: end) }
        case .array(let count):
            if scanMatches(pt, node, end: end) {
                if pt == end - 1 {
                    try walk(pt, node, end: end)
                } else {
                    // Jayway quirk: a matching array hands its elements to the step after `pt`.
                    for k in 0..<count { try walk(pt + 1, doc.element(node, at: k), end: end) }
                }
            }
            for k in 0..<count { try scan(pt, doc.element(node, at: k), end: end) }
        case .scalar:
            return
        }
    }

    func scanMatches(_ pt: Int, _ node: D.Node, end: Int) -> Bool {
        guard pt < end else { return false }
        let shape = doc.shape(node)
        switch segments[pt] {
        case .name(let n, _):
            guard case .object = shape else { return false }
            return doc.member(node, named: n) != nil
        case .names(let ns, _):
            guard case .object = shape else { return false }
            if pt != end - 1 { return true }
            return ns.allSatisfy { doc.member(node, named: $0) != nil }
        case .index, .indices, .slice:
            if case .array = shape { return true }
            return false
        case .wildcard:
            return true
        case .filter(let f):
            return f.accept(doc, node, root: root)
        case .scan, .length:
            return false
        }
    }
}

// MARK: - Filter evaluation

extension JSONPathFilter {
    func accept<D: JSONPathDocument>(_ doc: D, _ item: D.Node, root: D.Node) -> Bool { expr.test(doc, item, root: root) }
}

extension FilterPath {
    /// The operand value: definite paths give the value or `.undefined`; indefinite paths
    /// give the array of matches, or `.undefined` when their definite prefix fails.
    func value<D: JSONPathDocument>(_ doc: D, _ item: D.Node, root: D.Node) -> FilterValue {
        let base = fromRoot ? root : item
        var ev = JSONPathEvaluator(doc, segments: path.segments, firstIndefinite: path.firstIndefinite, root: root)
        if path.isDefinite {
            switch ev.run(base, isDefinite: true) {
            case .success(let v): return FilterValue(doc.json(v))
            case .failure: return .undefined
            }
        }
        switch ev.collect(base) {
        case .failure: return .undefined
        case .success: return .json(.array(ev.out.map { doc.json($0) }))
        }
    }

    func exists<D: JSONPathDocument>(_ doc: D, _ item: D.Node, root: D.Node) -> Bool {
        switch value(doc, item, root: root) {
        case .undefined: return false
        case .json(.array(let a)) where !path.isDefinite: return !a.isEmpty
        default: return true
        }
    }
}

extension FilterExpr {
    func test<D: JSONPathDocument>(_ doc: D, _ item: D.Node, root: D.Node) -> Bool {
        switch self {
        case .and(let a, let b): return a.test(doc, item, root: root) && b.test(doc, item, root: root)
        case .or(let a, let b): return a.test(doc, item, root: root) || b.test(doc, item, root: root)
        case .exists(let p, let expected): return p.exists(doc, item, root: root) == expected
        case .compare(let l, let op, let r):
            return op.apply(l.value(doc, item, root: root), r.value(doc, item, root: root))
        }
    }
}

extension FilterOperand {
    func value<D: JSONPathDocument>(_ doc: D, _ item: D.Node, root: D.Node) -> FilterValue {
        switch self {
        case .value(let v): return v
        case .path(let p): return p.value(doc, item, root: root)
        }
    }
}

extension FilterOp {
    func apply(_ l: FilterValue, _ r: FilterValue) -> Bool {
        switch self {
        case .eq: return Self.equal(l, r)
        case .ne: return !Self.equal(l, r)
        case .tseq: return l.kind == r.kind && Self.equal(l, r)
        case .tsne: return !(l.kind == r.kind && Self.equal(l, r))
        case .lt: return Self.compare(l, r).map { $0 < 0 } ?? false
        case .le: return Self.compare(l, r).map { $0 <= 0 } ?? false
        case .gt: return Self.compare(l, r).map { $0 > 0 } ?? false
        case .ge: return Self.compare(l, r).map { $0 >= 0 } ?? false
        case .regex:
            switch (l, r) {
            case (.pattern, .pattern): return false
            case (.pattern(let p), let v), (let v, .pattern(let p)): return p.matches(Self.regexInput(v))
            default: return false
            }
        case .in:
            guard let list = Self.list(r) else { return false }
            return list.contains { Self.equal(l, FilterValue($0)) }
        case .nin:
            guard let list = Self.list(r) else { return true }
            return !list.contains { Self.equal(l, FilterValue($0)) }
        case .contains:
            if case .string(let a) = l, case .string(let b) = r { return Self.substring(b, of: a) }
            if case .json(let j) = l {
                guard case .array(let a) = j else { return false }
                return a.contains { Self.equal(FilterValue($0), r) }
            }
            return false
        case .size:
            guard case .number(let d, _) = r, d.isFinite, abs(d) < 9e18 else { return false }
            let expected = Int(d)
            switch l {
            case .string(let s): return s.utf16.count == expected
            case .json(.array(let a)): return a.count == expected
            case .json: return expected == -1
            default: return false
            }
        case .empty:
            guard case .bool(let expected) = r else { return false }
            switch l {
            case .string(let s): return s.isEmpty == expected
            case .json(.array(let a)): return a.isEmpty == expected
            case .json(.object(let o)): return o.isEmpty == expected
            default: return false
            }
        case .subsetof:
            guard let a = Self.list(l), let b = Self.list(r) else { return false }
            return a.allSatisfy { x in b.contains { Self.equal(FilterValue(x), FilterValue($0)) } }
        case .anyof:
            guard let a = Self.list(l), let b = Self.list(r) else { return false }
            return a.contains { x in b.contains { Self.equal(FilterValue(x), FilterValue($0)) } }
        case .noneof:
            guard let a = Self.list(l), let b = Self.list(r) else { return false }
            return !a.contains { x in b.contains { Self.equal(FilterValue(x), FilterValue($0)) } }
        }
    }

    static func list(_ v: FilterValue) -> [JSON]? {
        if case .json(.array(let a)) = v { return a }
        return nil
    }

    /// Jayway's `ValueNode.equals`: numbers and strings cross-compare, undefined equals nothing.
    static func equal(_ l: FilterValue, _ r: FilterValue) -> Bool {
        switch (l, r) {
        case (.json(let a), .json(let b)): return a == b
        case (.string(let a), .string(let b)): return a == b
        case (.string(let a), .number(_, let lit)): return a == lit
        case (.number(let x, _), .number(let y, _)): return x == y
        case (.number(let x, _), .string(let s)):
            guard let y = parseDecimal(Array(s.utf8)) else { return false }
            return x == y
        case (.bool(let a), .bool(let b)): return a == b
        case (.null, .null): return true
        case (.pattern(let a), .pattern(let b)): return a.source == b.source && a.ignoreCase == b.ignoreCase
        default: return false
        }
    }

    /// Numbers by value, strings by UTF-16 code units (Java `String.compareTo`); else nil.
    static func compare(_ l: FilterValue, _ r: FilterValue) -> Int? {
        switch (l, r) {
        case (.number(let x, _), .number(let y, _)):
            if x.isNaN || y.isNaN { return nil }
            return x < y ? -1 : (x > y ? 1 : 0)
        case (.string(let a), .string(let b)):
            var ia = a.utf16.makeIterator(), ib = b.utf16.makeIterator()
            while true {
                switch (ia.next(), ib.next()) {
                case (nil, nil): return 0
                case (nil, _): return -1
                case (_, nil): return 1
                case (let x?, let y?): if x != y { return x < y ? -1 : 1 }
                }
            }
        default:
            return nil
        }
    }

    static func regexInput(_ v: FilterValue) -> String {
        switch v {
        case .string(let s): return s
        case .number(_, let lit): return lit
        case .bool(let b): return b ? "true" : "false"
        default: return ""
        }
    }

    static func substring(_ needle: String, of hay: String) -> Bool {
        let n = Array(needle.utf8), h = Array(hay.utf8)
        if n.isEmpty { return true }
        if n.count > h.count { return false }
        for s in 0...(h.count - n.count) where h[s] == n[0] {
            var k = 1
            while k < n.count && h[s + k] == n[k] { k += 1 }
            if k == n.count { return true }
        }
        return false
    }
}
