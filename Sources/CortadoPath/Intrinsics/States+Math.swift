import CortadoJSON

extension Intrinsics {
    /// `States.MathAdd(a, b)`: each value is rounded half up (Java `Math.round`)
    /// to an integer first, so `1.5 + 1.51 = 4` and `-1.5 + 0 = -1`.
    static func mathAdd(_ args: IntrinsicArgs) throws(ASLError) -> JSON {
        var sum = 0
        for k in 0..<2 {
            let n = try args.number(k)
            let v: Int?
            if n.isIntegerLiteral {
                v = Int(n.literal)
            } else {
                let d = (n.double + 0.5).rounded(.down)
                v = d.isFinite && abs(d) < 9.0e18 ? Int(d) : nil
            }
            guard let x = v, x >= Int(Int32.min), x <= Int(Int32.max) else {
                throw args.fail("argument \(k + 1) must be a number between \(Int32.min) and \(Int32.max), but was \(n.literal)")
            }
            sum += x
        }
        // The sum is a Java int too: past its range AWS fails the call (recorded by a suite
        // run against AWS: 2147483647 + 1).
        guard sum >= Int(Int32.min), sum <= Int(Int32.max) else {
            throw args.fail("the sum \(sum) is outside the range \(Int32.min) to \(Int32.max)")
        }
        return .number(JSONNumber(sum))
    }

    /// `States.MathRandom(start, end[, seed])`: an integer in `[start, end)`.
    /// With a seed the sequence is Java's `new Random(seed).nextInt(end - start) + start`.
    static func mathRandom(_ args: IntrinsicArgs) throws(ASLError) -> JSON {
        let start = try args.integer(0)
        let end = try args.integer(1)
        guard start < end else {
            throw args.fail("the start value \(start) must be less than the end value \(end)")
        }
        let bound = end - start
        if args.count > 2 {
            let seed = try args.integer(2)
            var r = JavaRandom(seed: Int64(seed))
            if bound <= Int(Int32.max) { return .number(JSONNumber(start + Int(r.nextInt(Int32(bound))))) }
            return .number(JSONNumber(start + Int(r.nextLong() & Int64.max) % bound))
        }
        return .number(JSONNumber(Int.random(in: start..<end)))
    }
}

/// `java.util.Random`'s 48-bit linear congruential generator, so that a seeded
/// `States.MathRandom` gives the same number on every run.
struct JavaRandom {
    private var seed: Int64
    private static let multiplier: Int64 = 0x5DEECE66D
    private static let mask: Int64 = (1 << 48) - 1

    init(seed: Int64) { self.seed = (seed ^ JavaRandom.multiplier) & JavaRandom.mask }

    mutating func next(_ bits: Int) -> Int32 {
        seed = (seed &* JavaRandom.multiplier &+ 0xB) & JavaRandom.mask
        return Int32(truncatingIfNeeded: seed >> (48 - Int64(bits)))
    }

    mutating func nextInt(_ bound: Int32) -> Int32 {
        precondition(bound > 0)
        if bound & -bound == bound {
            return Int32(truncatingIfNeeded: (Int64(bound) &* Int64(next(31))) >> 31)
        }
        var bits: Int32, val: Int32
        repeat {
            bits = next(31)
            val = bits % bound
        } while bits &- val &+ (bound &- 1) < 0
        return val
    }

    mutating func nextLong() -> Int64 {
        (Int64(next(32)) << 32) &+ Int64(next(32))
    }
}
