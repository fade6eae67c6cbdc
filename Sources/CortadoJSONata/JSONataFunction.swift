/// The context a native function sees: the evaluator, the focus (context value) and the
/// calling environment.
struct CallContext {
    unowned let ev: Evaluator
    let input: JV?
    let env: Frame
}

typealias NativeImpl = (CallContext, [JV?]) throws(JSONataError) -> JV?

/// A JSONata function value: lambda, built-in / host function, partial application or regex.
final class JFunc {
    enum Kind { case lambda, native, partialNative, regex }
    let kind: Kind
    // lambda
    var params: [String] = []
    var body: Node?
    var input: JV?
    var env: Frame?
    var thunk = false
    // native
    var name: String = ""
    var impl: NativeImpl?
    var nativeArity = 0
    // partial native
    var base: JFunc?
    var bound: [JV?] = []
    var holes: [Int] = []
    // regex
    var regex: JRegex?

    var signature: Signature?

    init(kind: Kind) { self.kind = kind }

    static func native(_ name: String, _ sig: String?, arity: Int? = nil, _ impl: @escaping NativeImpl) -> JFunc {
        let f = JFunc(kind: .native)
        f.name = name
        f.impl = impl
        if let sig { f.signature = try! Signature(sig) }
        f.nativeArity = arity ?? (f.signature?.params.count ?? 0)
        return f
    }

    /// The arity a higher-order function sees (JavaScript `Function.length`).
    var arity: Int {
        switch kind {
        case .lambda: return params.count
        case .native: return nativeArity
        case .partialNative: return holes.count
        case .regex: return 2  // the reference's matcher closure takes (str, fromIndex)
        }
    }
}

/// A variable scope. Bindings may hold `nil` (bound to undefined), which shadows outer scopes.
/// Scopes are small, so names are searched linearly (no hashing on the hot path); the first
/// two bindings are stored inline, so small lambdas and blocks allocate no array.
final class Frame {
    private var name0: String?
    private var value0: JV?
    private var name1: String?
    private var value1: JV?
    private var more: [(name: String, value: JV?)] = []
    let parent: Frame?
    /// Built-ins and host functions, consulted after the whole chain.
    let globals: [String: JFunc]?

    init(parent: Frame?) {
        self.parent = parent
        self.globals = nil
    }
    init(globals: [String: JFunc]) {
        self.parent = nil
        self.globals = globals
    }

    @inline(__always) private static func same(_ a: String, _ b: String) -> Bool { a.utf8.count == b.utf8.count && a == b }

    /// Looks in this scope only: `.some(value)` when bound (value may be nil = undefined).
    @inline(__always) private func local(_ name: String) -> JV?? {
        guard let n0 = name0 else { return nil }
        if Frame.same(n0, name) { return .some(value0) }
        guard let n1 = name1 else { return nil }
        if Frame.same(n1, name) { return .some(value1) }
        for e in more where Frame.same(e.name, name) { return .some(e.value) }
        return nil
    }

    func bind(_ name: String, _ v: JV?) {
        guard let n0 = name0 else { name0 = name; value0 = v; return }
        if Frame.same(n0, name) { value0 = v; return }
        guard let n1 = name1 else { name1 = name; value1 = v; return }
        if Frame.same(n1, name) { value1 = v; return }
        if let i = more.firstIndex(where: { Frame.same($0.name, name) }) { more[i].value = v } else { more.append((name, v)) }
    }

    func lookup(_ name: String) -> JV? {
        var f: Frame? = self
        while let fr = f {
            if let v = fr.local(name) { return v }
            if let g = fr.globals, let fn = g[name] { return .function(fn) }
            f = fr.parent
        }
        return nil
    }

    func isBound(_ name: String) -> Bool {
        var f: Frame? = self
        while let fr = f {
            if fr.local(name) != nil { return true }
            if let g = fr.globals, g[name] != nil { return true }
            f = fr.parent
        }
        return false
    }
}
