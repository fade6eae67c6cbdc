#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CortadoASL
import CortadoJSON
import CortadoPath

extension TapeLane {
    // MARK: - Choice

    /// A Choice rule over the tape: `ChoiceRuleWalk.matches`, each comparison on the nodes
    /// in place. A Variable or `*Path` operand that selects nothing is an error on AWS (only
    /// IsPresent tests for it): the line goes to the general engine, which raises it.
    @inline(__always)
    func matches(_ index: Int32, _ input: Int32) throws(Bail) -> Bool {
        try TapeChoiceWalk(lane: self, input: input).matches(index)
    }

    /// The end of a JSONata Choice with an Output: the rule's (or the state's) Assign and the
    /// matched rule's Output (or the state's; the default's is the state's), both reading
    /// `$states.input` and the old variables, as the interpreter's `choiceJSONata`
    /// (`jsonataEnd`).
    func choiceOutput(_ s: TChoice, _ matched: Int, _ input: Int32, pc: Int32, entry: Int) throws(Bail) -> Int32 {
        let k = matched >= 0 ? matched - Int(s.choices.start) : Int(s.choices.count)
        return try jsonataEnd(input, code.choiceOutputs[Int(s.outputs) + k], matched >= 0 ? choiceAssigns[matched] : assigns[pc], entry: entry)
    }

    /// A JSONata Condition (query `q`): its boolean, the evaluator's where the lane cannot
    /// decide it (`fieldQuery`); any other value is AWS's error (`JSONataTemplate.checked`,
    /// as the interpreter's `choiceJSONata`), which fails the line (a Choice has no Catch).
    func condition(_ q: Int32, _ input: Int32) throws(Bail) -> Bool {
        let r = try fieldQuery(q, input)
        switch tape.nodes[Int(r)].kind {
        case .yes: return true
        case .no: return false
        default:
            guard let call = evaluatorCall(q), let v = json(r) else { throw Bail() }
            do throws(ASLError) { _ = try JSONataTemplate.expression(call.slot).checked(v, expecting: "boolean") } catch {
                throw evaluationError(error, pc: call.statePC)
            }
            throw Bail()
        }
    }

    /// The evaluator's call of query `q`: the one it runs where the lane cannot decide the
    /// query, or, for a query the lane runs none of, the query's own.
    func evaluatorCall(_ q: Int32) -> TJSONataCall? {
        if let call = code.evaluatorCalls[q] { return call }
        guard case .general(let k) = queries[q] else { return nil }
        return code.jsonataCalls[Int(k)]
    }

    /// A number's value exactly as `JSONNumber.double` reads its literal.
    static func double(_ t: Tape, _ n: Node) -> Double {
        double(UnsafeBufferPointer(start: t.base(n.src) + Int(n.start), count: Int(n.end - n.start)))
    }

    static func double(_ literal: UnsafeBufferPointer<UInt8>) -> Double {
        JSONNumber.fastPathDouble(literal) ?? JSONNumber(literal: String(decoding: literal, as: UTF8.self)).double
    }
}

/// A tape node as a Choice comparison reads it, in place.
struct TapeSubject: ChoiceSubject {
    let node: Node
    /// The start of the buffer the node's bytes are in.
    let base: UnsafePointer<UInt8>

    @inline(__always)
    init(_ tape: Tape, _ index: Int32) {
        node = tape.nodes[Int(index)]
        base = tape.base(node.src)
    }

    @inline(__always)
    var choiceKind: ChoiceKind {
        switch node.kind {
        case .null: return .null
        case .yes, .no: return .bool
        case .number: return .number
        case .string, .text: return .string
        case .object, .array, .builtObject, .builtArray: return .container
        }
    }

    @inline(__always)
    var choiceBool: Bool { node.kind == .yes }

    var choiceDouble: Double { TapeLane.double(bytes) }

    var bytes: UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(start: base + Int(node.start), count: Int(node.end - node.start))
    }

    @inline(__always)
    func withChoiceUTF8<R>(_ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        let b = bytes
        if node.kind == .text { return body(b) }  // built text: no quotes, no escapes
        if !node.escaped { return body(UnsafeBufferPointer(start: b.baseAddress! + 1, count: b.count - 2)) }
        // A string with escape sequences (a constant's, or a line's written again): its decoded text.
        guard case .string(var s)? = try? JSON.parse(buffer: b) else { return body(UnsafeBufferPointer(start: nil, count: 0)) }
        return s.withUTF8(body)
    }
}

/// The lane's rules (`TapeCode.rules`) over a line's tape.
struct TapeChoiceWalk: ChoiceRuleWalk {
    let lane: TapeLane
    let input: Int32

    @inline(__always)
    func open(_ r: Int32) throws(Bail) -> ChoiceStep<Int32, Int, TapeSubject, TLiteral> {
        switch lane.rules[r] {
        case .and(let s): return .and(Int(s.start), count: Int(s.count))
        case .or(let s): return .or(Int(s.start), count: Int(s.count))
        case .not(let x): return .not(x)
        case .compare(let v, let op, let literal):
            return .literal(subject(try lane.read(v, input, -1, 0)), op, literal)
        case .comparePaths(let v, let op, let operand):
            return .paths(subject(try lane.read(v, input, -1, 0)), op, subject(try lane.read(operand, input, -1, 0)))
        case .query(let q):
            return .decided(try lane.condition(q, input))
        }
    }

    @inline(__always)
    func subject(_ n: Int32) -> TapeSubject? { n < 0 ? nil : TapeSubject(lane.tape, n) }

    @inline(__always)
    func rule(_ k: Int, of start: Int) -> Int32 { lane.ruleKids[start &+ k] }

    func selectedNothing(_ r: Int32, operand: Bool) -> Bail { Bail() }
}
