import CortadoJSON

extension Intrinsics {
    /// The most items `States.ArrayRange` may produce.
    static let maxRangeItems = 1000

    /// `States.ArrayPartition(array, size)`: chunks of `size` items, the last one shorter.
    static func arrayPartition(_ args: IntrinsicArgs) throws(ASLError) -> JSON {
        let a = try args.array(0)
        let size = try args.integer(1)
        guard size > 0 else { throw args.fail("the chunk size must be greater than 0, but was \(size)") }
        var out: [JSON] = []
        out.reserveCapacity((a.count + size - 1) / size)
        var k = 0
        while k < a.count {
            out.append(.array(Array(a[k..<min(k + size, a.count)])))
            k += size
        }
        return .array(out)
    }

    /// `States.ArrayContains(array, value)`.
    static func arrayContains(_ args: IntrinsicArgs) throws(ASLError) -> JSON {
        let a = try args.array(0)
        return .bool(a.contains(args[1]))
    }

    /// `States.ArrayRange(start, end, step)`: `start`, `start+step`, ... up to and including `end`.
    static func arrayRange(_ args: IntrinsicArgs) throws(ASLError) -> JSON {
        let start = try args.integer(0)
        let end = try args.integer(1)
        let step = try args.integer(2)
        guard step != 0 else { throw args.fail("the step must not be 0") }
        let count: Int
        if step > 0 { count = start <= end ? (end - start) / step + 1 : 0 }
        else { count = start >= end ? (start - end) / -step + 1 : 0 }
        guard count <= maxRangeItems else {
            throw args.fail("the range would have \(count) items, more than the maximum of \(maxRangeItems)")
        }
        var out: [JSON] = []
        out.reserveCapacity(count)
        var v = start
        for _ in 0..<count {
            out.append(.number(JSONNumber(v)))
            v += step
        }
        return .array(out)
    }

    /// `States.ArrayGetItem(array, index)`: zero-based.
    static func arrayGetItem(_ args: IntrinsicArgs) throws(ASLError) -> JSON {
        let a = try args.array(0)
        let index = try args.integer(1)
        // AWS gives null for an index into an empty array (recorded by a suite run against
        // AWS: index 999 of []), and fails one past the end of any other.
        if a.isEmpty && index >= 0 { return .null }
        guard index >= 0 && index < a.count else {
            throw args.fail("the index \(index) is out of bounds for an array of length \(a.count)")
        }
        return a[index]
    }

    /// `States.ArrayLength(array)`.
    static func arrayLength(_ args: IntrinsicArgs) throws(ASLError) -> JSON {
        .number(JSONNumber(try args.array(0).count))
    }

    /// `States.ArrayUnique(array)`: first occurrences, in order.
    static func arrayUnique(_ args: IntrinsicArgs) throws(ASLError) -> JSON {
        let a = try args.array(0)
        var seen = Set<JSON>()
        var out: [JSON] = []
        for v in a where seen.insert(v).inserted { out.append(v) }
        return .array(out)
    }
}
