import CortadoJSON
import CortadoPath

// Paths on the lane: InputPath/OutputPath filters, a path's selection, the values states
// read, ResultPath.
extension TapeLane {
    @inline(__always)
    func filter(_ v: Int32, _ f: TFilter) throws(Bail) -> Int32 {
        switch f {
        case .identity: return v
        case .empty:
            let o = tape.newObject(count: 0)
            tape.seal(o)
            return o
        case .path(let span):
            let r = try path(v, span)
            guard r >= 0 else { throw filterMiss(span, v) }
            return r
        case .value(let k): return try filterValue(v, k)
        }
    }

    /// A `$$` or `$name` filter (rare: out of line, so the filters of every state stay small).
    @inline(never)
    func filterValue(_ v: Int32, _ k: Int32) throws(Bail) -> Int32 {
        let r = try read(values[k], v, -1, 0)
        guard r >= 0 else { throw Bail() }
        return r
    }

    /// The value path `span` selects from `root` (`PathSelection`); -1 when a definite path
    /// selects nothing. A path that is not plain, and a wildcard the plain walk cannot
    /// settle (an element without the rest of the path, a non-array), are Jayway's
    /// indefinite business: `JSONPathEvaluator`'s, the interpreter's rules.
    /// A path of one name (most of them) is the member read `TapeTree.follow` makes,
    /// taken here: a call to the walk kept this out of line (+3% instructions a line).
    @inline(__always)
    func path(_ root: Int32, _ span: Span) throws(Bail) -> Int32 {
        if span.count == 1, case .name(let k) = steps[Int(span.start)] {
            return max(try tape.member(root, keys.base + Int(k), stepHints + Int(span.start)), -1)
        }
        return try select(root, span)
    }

    @inline(never)
    func select(_ root: Int32, _ span: Span) throws(Bail) -> Int32 {
        if span.count == 1, case .evaluate(let k) = steps[Int(span.start)] { return try evaluated(Int(k), root) }
        switch try PathSelection.select(tree, root, Int(span.start), Int(span.start &+ span.count)) {
        case .found(let v): return v
        case .missing, .wrongKind:
            // (A path with a wildcard is indefinite: where its prefix selects nothing, Jayway
            // gives `[]`, which IsPresent finds present.)
            guard let k = code.indefinite[span.start] else { return -1 }
            return try evaluated(Int(k), root)
        case .indefinite:
            guard let k = code.indefinite[span.start] else { throw Bail() }
            return try evaluated(Int(k), root)
        }
    }

    /// Path `k` of `TapeCode.evaluated` from `root` (also what `$` means in its filters);
    /// -1 when a definite path selects nothing.
    func evaluated(_ k: Int, _ root: Int32) throws(Bail) -> Int32 {
        let e = code.evaluated[k]
        try tape.checkKeysDeep(root)
        let doc = TapePathDocument(tape)
        let r = e.path.select(in: doc, root, root: root, from: e.from)
        if doc.failed { throw Bail() }
        return r ?? -1
    }

    /// Reads a value; `item` is the Map item's node (-1 outside an ItemSelector).
    @inline(__always)
    func read(_ v: TValue, _ input: Int32, _ item: Int32, _ index: Int) throws(Bail) -> Int32 {
        switch v {
        case .input(let s): return try path(input, s)
        case .itemValue(let s):
            guard item >= 0 else { throw Bail() }
            return try path(item, s)
        case .itemIndex:
            guard item >= 0 else { throw Bail() }
            return tape.newInteger(index)
        case .constant(let c): return c
        case .variable(let k):
            let r = variableReads[k]
            let v = variables[Int(r.slot)]
            guard v >= 0 else { return -1 }
            return try path(v, r.steps)
        case .executionInput(let s):
            return try path(lineValue, s)
        case .executionName:
            if executionNameNode < 0 { executionNameNode = lineText(executionNamePrefix) }
            return executionNameNode
        case .executionId:
            if executionIdNode < 0 { executionIdNode = lineText(executionIdPrefix) }
            return executionIdNode
        case .executionStartTime: return startTimeNode()
        case .stateEnteredTime: return enteredTimeNode()
        case .retryCount: return tape.newInteger(taskRetryCount)
        case .context(let k):
            let c = code.contextPaths[Int(k)]
            return try path(try contextNode(c.read), c.steps)
        }
    }

    /// A text node of `prefix` (no byte of it needs an escape) and the line's number.
    func lineText(_ prefix: [UInt8]) -> Int32 {
        let t = tape, start = t.scratch.count
        prefix.withUnsafeBufferPointer { t.scratch.append($0) }
        var digits = String(lineNumber)
        digits.withUTF8 { t.scratch.append($0) }
        return t.newText(from: start, plain: true)
    }

    /// ResultPath: the result replaces the input, is dropped, or is written at a reference
    /// path (`ResultPath.assign`; a conflict hands the line over).
    @inline(__always)
    func applyResultPath(_ raw: Int32, _ result: Int32, _ target: TResultPath) throws(Bail) -> Int32 {
        switch target {
        case .replace: return result
        case .discard: return raw
        case .steps(let s):
            var out = raw
            guard try ResultPath.assign(tree, result, into: &out, Int(s.start), Int(s.start &+ s.count)) == nil else { throw Bail() }
            return out
        }
    }
}
