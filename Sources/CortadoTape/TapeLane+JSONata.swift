#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CortadoASL
import CortadoJSON
import CortadoJSONata
import CortadoPath

/// JSONata expressions of the few shapes `TapeCompiler.query` takes, run over the tape, and
/// any other (but the context object's) run by the evaluator on materialized values.
/// Each shape gives the evaluator's result (CortadoJSONata) or hands the line over: a
/// step onto an array (JSONata maps over it), a number that would print otherwise than its
/// literal, a comparison of strings by order or of structures, anything the evaluator
/// would raise an error for.
extension TapeLane {
    /// The node an expression gives, or -1 for undefined.
    func query(_ i: Int32, _ input: Int32) throws(Bail) -> Int32 {
        let t = tape
        switch queries[i] {
        case .input(let slot, let s):
            let v = try fields(try queryRoot(slot, input), s)
            guard v >= 0 else { return -1 }
            // (An array a path through objects stops on is the evaluator's value as it is; the
            // operators that would treat it as a sequence hand it over.)
            try printsAsJSONata(v)
            return v
        case .constant(let c):
            return c
        case .count(let slot, let s):
            let v = try fields(try queryRoot(slot, input), s)
            guard v >= 0 else { return t.newInteger(0) }
            let n = t.nodes[Int(v)]
            return t.newInteger(n.kind == .array || n.kind == .builtArray ? Int(n.count) : 1)
        case .concat(let a, let b):
            let x = try query(a, input), y = try query(b, input)
            // Undefined is ""; other types print as $string does: the evaluator's business.
            let start = t.scratch.count
            var plain = true
            if x >= 0, !(try t.appendText(of: x)) { plain = false }
            if y >= 0, !(try t.appendText(of: y)) { plain = false }
            return t.newText(from: start, plain: plain)
        case .merge(let s):
            guard s.count > 0 else { throw Bail() }
            var merged: Int32 = -1
            for k in 0..<Int(s.count) {
                let o = try query(items[Int(s.start) + k], input)
                guard o >= 0 else { throw Bail() }
                merged = merged < 0 ? o : try t.mergeShallow(merged, o)
            }
            let kind = t.nodes[Int(merged)].kind
            guard kind == .object || kind == .builtObject else { throw Bail() }
            return merged
        case .compare(let op, let a, let b):
            return try compare(op, try query(a, input), try query(b, input))
        case .and(let a, let b):
            guard try truth(try query(a, input)) else { return code.falseNode }
            return try truth(try query(b, input)) ? code.trueNode : code.falseNode
        case .or(let a, let b):
            if try truth(try query(a, input)) { return code.trueNode }
            return try truth(try query(b, input)) ? code.trueNode : code.falseNode
        case .retryCount:
            return t.newInteger(taskRetryCount)
        case .general(let k):
            return try evaluate(code.jsonataCalls[Int(k)], input)
        }
    }

    /// A field's whole expression (query `q`): the lane's value, or where the lane cannot
    /// decide it or finds it undefined, the evaluator's (`evaluateInstead`).
    /// (Kept out of line: the template walk is every state's hot path.)
    @inline(never)
    func fieldQuery(_ q: Int32, _ input: Int32) throws(Bail) -> Int32 {
        let r: Int32
        do { r = try query(q, input) } catch { return try evaluateInstead(q, input, error) }
        guard r >= 0 else { return try evaluateInstead(q, input, Bail()) }
        return r
    }

    /// Query `q`, which the lane could not decide (`bail`) or found undefined, run by the
    /// evaluator: its value, or AWS's error (a QueryEvaluationError fails the line where
    /// the state's Retry and Catch do not take it: `evaluationError`); without the query's
    /// call the line goes back.
    @inline(never)
    func evaluateInstead(_ q: Int32, _ input: Int32, _ bail: Bail) throws(Bail) -> Int32 {
        guard let call = code.evaluatorCalls[q] else { throw bail }
        return try evaluate(call, input)
    }

    /// An expression the evaluator runs: `$states` (the state's input, and its result while
    /// a Task's Output or Assign is built) and the variables such expressions read, as JSON;
    /// its value back on the tape. A QueryEvaluationError no Retrier or Catcher of the state
    /// takes fails the line (`evaluationError`); any other error hands the line over.
    func evaluate(_ call: TJSONataCall, _ input: Int32) throws(Bail) -> Int32 {
        if call.readsMapItem, selectorItem < 0 { throw Bail() }
        let value: JSON
        let s = try scope(readingStates: call.readsStates, readingItem: call.readsMapItem,
                          readingInput: call.readsExecutionInput, readingContext: call.readsContext, state: call.statePC, input)
        do throws(ASLError) {
            value = try call.slot.evaluate(s)
        } catch {
            throw evaluationError(error, pc: call.statePC)
        }
        return try tape.adopt(value)
    }

    /// The evaluator's scope, made again only when what it holds changed: the expressions of
    /// one state step (of one Map item, for an ItemSelector) share one, as the interpreter's
    /// do, and its values are materialized and converted for the evaluator once.
    func scope(readingStates: Bool, readingItem: Bool, readingInput: Bool, readingContext: Bool = false,
               state: Int32, _ input: Int32) throws(Bail) -> JSONataScope {
        let vars = code.jsonataVariables
        let n = generalScopeNodes
        // (The whole context holds the state's name, entered time and a Task's RetryCount:
        // its state, the time waited before it and that count.)
        if let s = generalScope,
           !readingStates || (n[0] == input && n[1] == stateResult && n[2] == stateErrorOutput && n[6 + vars.count] == state),
           !readingItem || (n[3] == selectorItem && n[4] == Int32(truncatingIfNeeded: selectorIndex)),
           !readingInput || n[5] & 1 != 0,
           !readingContext || (n[5] & 2 != 0 && n[7 + vars.count] == Int32(truncatingIfNeeded: enteredWaitedMs)
                               && n[8 + vars.count] == Int32(truncatingIfNeeded: taskRetryCount)),
           vars.indices.allSatisfy({ n[6 + $0] == variables[Int(vars[$0].slot)] }) {
            return s
        }
        generalScopeNodes.truncate(to: 0)
        generalScopeNodes.append(readingStates ? input : -1)
        generalScopeNodes.append(readingStates ? stateResult : -1)
        generalScopeNodes.append(readingStates ? stateErrorOutput : -1)
        generalScopeNodes.append(readingItem ? selectorItem : -1)
        generalScopeNodes.append(Int32(truncatingIfNeeded: selectorIndex))
        generalScopeNodes.append((readingInput ? 1 : 0) | (readingContext ? 2 : 0))
        for (_, slot) in vars { generalScopeNodes.append(variables[Int(slot)]) }
        generalScopeNodes.append(state)
        generalScopeNodes.append(Int32(truncatingIfNeeded: enteredWaitedMs))
        generalScopeNodes.append(Int32(truncatingIfNeeded: taskRetryCount))
        // What the expressions read of the context object (`TJSONataCall`): the Map item,
        // the execution's input, or all of it.
        var context = JSONObject()
        if readingContext {
            context = try contextObject(state: state)
        } else if readingInput {
            context["Execution"] = ["Input": try tape.materialize(lineValue)]
        }
        if readingItem { context["Map"] = try mapItemContext() }
        let s = try makeScope(readingStates: readingStates, input, reads: code.inputReads[Int(state)], context: .object(context))
        generalScope = s
        return s
    }

    /// A scope of `$states` (when read: `input` converted as far as `reads`), the variables
    /// such expressions read and `context`.
    func makeScope(readingStates: Bool, _ input: Int32, reads: JSONataProjection, context: JSON) throws(Bail) -> JSONataScope {
        let t = tape
        var named: [String: JSONataValue] = [:]
        for (name, slot) in code.jsonataVariables {
            let v = variables[Int(slot)]
            // (A variable not set is left out, as the general engine leaves it out.)
            if v >= 0 { named[name] = try evaluatorValue(v) }
        }
        var inputValue: JSONataValue? = nil
        if readingStates {
            if let g = generalInput, g.node == input, reads.isCovered(by: g.covers) {
                inputValue = g.value
            } else {
                let v = try evaluatorValue(input, reads)
                generalInput = (input, reads, v)
                inputValue = v
            }
        }
        // (Should an expression read more than its state's `reads`, the scope converts more.)
        return JSONataScope(
            input: .null, inputValue: inputValue, inputCovers: reads,
            convertInput: { [unowned self] (p) throws(ASLError) in
                do throws(Bail) { return try self.evaluatorValue(input, p) } catch { throw ASLError.runtime("not converted") }
            },
            reads: reads,
            // (`JSON?` spelled out: JSON is ExpressibleByNilLiteral, and `cond ? json : nil`
            // made `.some(.null)`, binding `$states.result` and `.errorOutput` in every state.)
            result: readingStates && stateResult >= 0 ? JSON?.some(try t.materialize(stateResult)) : JSON?.none,
            errorOutput: readingStates && stateErrorOutput >= 0 ? JSON?.some(try t.materialize(stateErrorOutput)) : JSON?.none,
            variables: [:], variableValues: named, context: { context })
    }

    /// Node `v` as the evaluator's value, straight from the tape (`TapeDocument`), as far
    /// as `projection` reads it.
    func evaluatorValue(_ v: Int32, _ projection: JSONataProjection = .everything) throws(Bail) -> JSONataValue {
        try tape.checkKeysDeep(v)  // (as `materialize` does: a repeated key is the general engine's)
        do { return try JSONataValue(TapeDocument(tape: tape), v, projection: projection) } catch { throw Bail() }
    }

    /// What `$states.input`, `$states.result` (a Task's, while its Output and Assign are
    /// built; otherwise the evaluator's business) or a workflow variable reads. A variable no
    /// state has set may be a name the evaluator binds otherwise (`$$`, a function): its business.
    @inline(__always)
    func queryRoot(_ slot: Int32, _ input: Int32) throws(Bail) -> Int32 {
        if slot == TQuery.input { return input }
        if slot == TQuery.result {
            guard stateResult >= 0 else { throw Bail() }
            return stateResult
        }
        let v = variables[Int(slot)]
        guard v >= 0 else { throw Bail() }
        return v
    }

    /// Field steps through objects; -1 when a field is missing or a step meets a scalar.
    func fields(_ root: Int32, _ s: Span) throws(Bail) -> Int32 {
        let t = tape
        var v = root
        for i in Int(s.start)..<Int(s.start &+ s.count) {
            let kind = t.nodes[Int(v)].kind
            guard kind != .array && kind != .builtArray else { throw Bail() }
            guard case .name(let k) = steps[i] else { throw Bail() }
            v = try t.member(v, keys.base + Int(k), stepHints + i)
            if v < 0 { return -1 }
        }
        return v
    }

    /// `$boolean` of a comparison's or a condition's value: only booleans and undefined here.
    func truth(_ v: Int32) throws(Bail) -> Bool {
        guard v >= 0 else { return false }
        switch tape.nodes[Int(v)].kind {
        case .yes: return true
        case .no: return false
        default: throw Bail()
        }
    }

    func compare(_ op: JSONataOperator, _ x: Int32, _ y: Int32) throws(Bail) -> Int32 {
        let t = tape
        let equality = op == .equal || op == .notEqual
        if equality {
            guard x >= 0, y >= 0 else { return code.falseNode }
        } else {
            // An operand that is neither a number nor a string is error T2010; strings
            // compare by UTF-16 order: both the evaluator's business.
            guard x < 0 || t.nodes[Int(x)].kind == .number, y < 0 || t.nodes[Int(y)].kind == .number else { throw Bail() }
            guard x >= 0, y >= 0 else { return -1 }
        }
        let a = t.nodes[Int(x)], b = t.nodes[Int(y)]
        let result: Bool
        switch (a.kind, b.kind) {
        case (.number, .number):
            let l = TapeLane.double(t, a), r = TapeLane.double(t, b)
            switch op {
            case .equal: result = l == r
            case .notEqual: result = l != r
            case .less: result = l < r
            case .lessOrEqual: result = l <= r
            case .greater: result = l > r
            default: result = l >= r
            }
        case (.string, .string), (.string, .text), (.text, .string), (.text, .text):
            let l = try t.stringContent(x), r = try t.stringContent(y)
            var same = l.count == r.count && (l.isEmpty || memcmp(l.baseAddress!, r.baseAddress!, l.count) == 0)
            // Strings that differ in bytes may still be equal as Swift compares them
            // (canonical equivalence): only ASCII is told apart here.
            if !same {
                guard l.allSatisfy({ $0 < 0x80 }), r.allSatisfy({ $0 < 0x80 }) else { throw Bail() }
                same = false
            }
            result = op == .equal ? same : !same
        case (.yes, .yes), (.no, .no), (.null, .null):
            result = op == .equal
        case (.yes, .no), (.no, .yes):
            result = op == .notEqual
        default:
            // Objects and arrays compare deeply; other mixes are unequal.
            func structured(_ k: NodeKind) -> Bool { k == .object || k == .builtObject || k == .array || k == .builtArray }
            guard !structured(a.kind), !structured(b.kind) else { throw Bail() }
            result = op == .notEqual
        }
        return result ? code.trueNode : code.falseNode
    }

    /// Hands the line over unless every number in `v` prints, after the evaluator turns it
    /// into a double and back, exactly as its literal reads (`1.50`, `1e3`, `-0` do not).
    func printsAsJSONata(_ v: Int32) throws(Bail) {
        let t = tape
        let n = t.nodes[Int(v)]
        switch n.kind {
        case .number:
            guard TapeLane.printsAsJSONata(UnsafeBufferPointer(start: t.base(n.src) + Int(n.start), count: Int(n.end - n.start)))
            else { throw Bail() }
        case .object, .builtObject:
            try t.forEachMember(v) { (_, x) throws(Bail) in try printsAsJSONata(x) }
        case .array, .builtArray:
            try t.forEachElement(v) { (x) throws(Bail) in try printsAsJSONata(x) }
        default:
            break
        }
    }

    /// `-?(0|[1-9][0-9]*)(\.[0-9]*[1-9])?` with at most 15 significant digits, not `-0`, and
    /// no more than five zeros after the point before the first digit of a number below 1:
    /// such a literal is the shortest that reads back as its double, which JavaScript
    /// prints without an exponent (from 1e-6 up to 1e21).
    static func printsAsJSONata(_ b: UnsafeBufferPointer<UInt8>) -> Bool {
        func digit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }
        var k = 0
        let negative = k < b.count && b[k] == UInt8(ascii: "-")
        if negative { k += 1 }
        let intStart = k
        while k < b.count, digit(b[k]) { k += 1 }
        let intDigits = k - intStart
        guard intDigits >= 1, intDigits == 1 || b[intStart] != UInt8(ascii: "0") else { return false }
        let zeroInt = b[intStart] == UInt8(ascii: "0")
        var significant = zeroInt ? 0 : intDigits
        if k < b.count, b[k] == UInt8(ascii: ".") {
            k += 1
            let fracStart = k
            while k < b.count, digit(b[k]) { k += 1 }
            guard k > fracStart, b[k - 1] != UInt8(ascii: "0") else { return false }
            if zeroInt {
                var zeros = 0
                while b[fracStart + zeros] == UInt8(ascii: "0") { zeros += 1 }
                guard zeros < 6 else { return false }
                significant = k - fracStart - zeros
            } else {
                significant += k - fracStart
            }
        } else if zeroInt && negative {
            return false
        }
        return k == b.count && significant <= 15
    }
}

/// The tape's nodes as the evaluator's document (`JSONataValue(_:_:)`): converted with no
/// JSON value in between, numbers read as `ChoiceRule.compare` reads them (as the JSON
/// parser does), an escaped string decoded by the JSON parser itself.
struct TapeDocument: JSONataDocument {
    let tape: Tape

    func node(_ i: Int32) throws -> JSONataNode {
        let t = tape
        let n = t.nodes[Int(i)]
        switch n.kind {
        case .null: return .null
        case .yes: return .bool(true)
        case .no: return .bool(false)
        case .number: return .number(TapeLane.double(t, n))
        case .string, .text: return .string(try string(i))
        case .array, .builtArray:
            var items: [Int32] = []
            items.reserveCapacity(Int(n.count))
            try t.forEachElement(i) { (x) throws(Bail) in items.append(x) }
            return .array(items)
        case .object, .builtObject:
            var keys: [String] = [], values: [Int32] = []
            keys.reserveCapacity(Int(n.count)); values.reserveCapacity(Int(n.count))
            try t.forEachMember(i) { (k, v) throws(Bail) in keys.append(try string(k)); values.append(v) }
            return .object(keys: keys, values: values)
        }
    }

    /// The members a projection names, found by comparing key bytes: only they become Strings.
    func members(_ i: Int32, of projection: JSONataProjection) throws -> JSONataMembers {
        let t = tape
        switch t.nodes[Int(i)].kind {
        case .object, .builtObject:
            let wanted = projection.memberList
            var out: [(String, Int32, JSONataProjection)] = []
            out.reserveCapacity(wanted.count)
            try t.forEachMember(i) { (k, v) throws(Bail) in
                let kn = t.nodes[Int(k)]
                if kn.kind == .string && kn.escaped {
                    let s = try string(k)
                    if let w = wanted.first(where: { $0.name == s }) { out.append((w.name, v, w.projection)) }
                    return
                }
                let bytes = try t.stringContent(k)
                for w in wanted where w.utf8.count == bytes.count
                    && (bytes.isEmpty || w.utf8.withUnsafeBufferPointer({ memcmp($0.baseAddress!, bytes.baseAddress!, bytes.count) == 0 })) {
                    out.append((w.name, v, w.projection))
                    return
                }
            }
            return .object(out)
        default:
            if case .array(let items) = try node(i) { return .array(items) }
            return .scalar
        }
    }

    func string(_ i: Int32) throws(Bail) -> String {
        let t = tape
        let n = t.nodes[Int(i)]
        if n.kind == .string && n.escaped {
            let bytes = UnsafeBufferPointer(start: t.base(n.src) + Int(n.start), count: Int(n.end - n.start))
            guard case .string(let s)? = try? JSON.parse(bytes) else { throw Bail() }
            return s
        }
        return String(decoding: try t.stringContent(i), as: UTF8.self)
    }
}
