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

    /// A Choice rule over the tape. A Variable or `*Path` operand that selects nothing is an
    /// error on AWS (`ChoiceRule.invalidPath`; only IsPresent tests for it): the line goes to
    /// the general engine, which raises it.
    func matches(_ index: Int32, _ input: Int32) throws(Bail) -> Bool {
        let t = tape
        switch rules[index] {
        case .and(let s):
            for k in 0..<Int(s.count) where !(try matches(ruleKids[Int(s.start) + k], input)) { return false }
            return true
        case .or(let s):
            for k in 0..<Int(s.count) where try matches(ruleKids[Int(s.start) + k], input) { return true }
            return false
        case .not(let x): return !(try matches(x, input))
        case .stringEquals(let v, let key):
            let n = try present(read(v, input, -1, 0))
            let kind = t.nodes[Int(n)].kind
            guard kind == .string || kind == .text else { return false }
            let c = try t.stringContent(n)
            let k = keys[key]
            return c.count == Int(k.count) && (c.isEmpty || memcmp(c.baseAddress!, k.bytes, c.count) == 0)
        case .numeric(let v, let op, let rhs):
            let n = try present(read(v, input, -1, 0))
            guard t.nodes[Int(n)].kind == .number else { return false }
            return ChoiceRule.numericCompare(TapeLane.double(t, t.nodes[Int(n)]), op, rhs)
        case .booleanEquals(let v, let b):
            let n = try present(read(v, input, -1, 0))
            let kind = t.nodes[Int(n)].kind
            return (kind == .yes && b) || (kind == .no && !b)
        case .kind(let v, let op, let expected):
            let n = try read(v, input, -1, 0)
            if op == .isPresent { return (n >= 0) == expected }
            _ = try present(n)
            let kind = t.nodes[Int(n)].kind
            let holds: Bool
            switch op {
            case .isNull: holds = kind == .null
            case .isString: holds = kind == .string || kind == .text
            case .isNumeric: holds = kind == .number
            default: holds = kind == .yes || kind == .no
            }
            return holds == expected
        case .query(let q):
            // A Condition that gives no boolean is the evaluator's error.
            let r = try present(query(q, input))
            switch t.nodes[Int(r)].kind {
            case .yes: return true
            case .no: return false
            default: throw Bail()
            }
        case .general(let v, let op, let operand):
            let n = try present(read(v, input, -1, 0))
            let m = try present(read(operand, input, -1, 0))
            return ChoiceRule.compare(try t.materialize(n), op, try t.materialize(m))
        }
    }

    /// A node a Choice rule read; a path that selected nothing (-1) hands the line over.
    @inline(__always)
    func present(_ n: Int32) throws(Bail) -> Int32 {
        guard n >= 0 else { throw Bail() }
        return n
    }

    /// A number's value exactly as `JSONNumber.double` reads its literal.
    static func double(_ t: Tape, _ n: Node) -> Double {
        let b = UnsafeBufferPointer(start: t.base(n.src) + Int(n.start), count: Int(n.end - n.start))
        return fastDouble(b) ?? JSONNumber(literal: String(decoding: b, as: UTF8.self)).double
    }

    static let powersOfTen: [Double] = (0...22).map { k in (0..<k).reduce(1.0) { x, _ in x * 10 } }

    /// `-?digits(.digits)?` with at most 15 digits in all: the digits as an integer are exact
    /// in a double, and so is 10^k for k <= 22, so one division rounds exactly as strtod
    /// does (Clinger's fast path). nil for anything else.
    static func fastDouble(_ b: UnsafeBufferPointer<UInt8>) -> Double? {
        var k = 0
        var negative = false
        if k < b.count, b[k] == UInt8(ascii: "-") { negative = true; k += 1 }
        var mantissa: UInt64 = 0
        var digits = 0
        var fraction = -1
        while k < b.count {
            let c = b[k]
            if c == UInt8(ascii: ".") {
                guard fraction < 0 else { return nil }
                fraction = 0
            } else if c >= 0x30 && c <= 0x39 {
                mantissa = mantissa &* 10 &+ UInt64(c &- 0x30)
                digits += 1
                if fraction >= 0 { fraction += 1 }
            } else {
                return nil  // exponent
            }
            k += 1
        }
        guard digits > 0, digits <= 15 else { return nil }
        var v = Double(mantissa)
        if fraction > 0 { v /= powersOfTen[fraction] }
        return negative ? -v : v
    }
}
