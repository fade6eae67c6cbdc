import CortadoJSON

/// Bytes staged in a stack buffer and appended to an array in as few appends as it takes:
/// when the buffer is full, before a value a `JSONWriter` writes, and at the end.
struct ByteRun {
    static let capacity = 1024
    let p: UnsafeMutablePointer<UInt8>
    /// The array appended to (only through this run while it is open).
    let out: UnsafeMutablePointer<[UInt8]>
    var count = 0

    @inline(__always)
    static func append<R>(to b: inout [UInt8], _ body: (inout ByteRun) -> R) -> R {
        withUnsafeMutablePointer(to: &b) { out in
            withUnsafeTemporaryAllocation(of: UInt8.self, capacity: capacity) { buf in
                var r = ByteRun(p: buf.baseAddress!, out: out)
                let result = body(&r)
                r.flush()
                return result
            }
        }
    }

    @inline(__always)
    mutating func flush() {
        guard count > 0 else { return }
        out.pointee.append(contentsOf: UnsafeBufferPointer(start: p, count: count))
        count = 0
    }

    /// Hands the array to `body` as a writer (after what is staged), then takes it back.
    mutating func writeJSON<R>(_ body: (inout JSONWriter) -> R) -> R {
        flush()
        let bytes = out.pointee
        out.pointee = []  // `bytes` is the array's only reference: appends do not copy it
        var w = JSONWriter(appendingTo: bytes)
        let result = body(&w)
        out.pointee = w.bytes
        return result
    }

    @inline(__always)
    mutating func put(_ s: StaticString) {
        s.withUTF8Buffer { put($0) }
    }

    @inline(__always)
    mutating func put(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard let from = bytes.baseAddress else { return }
        if count + bytes.count > Self.capacity {
            flush()
            guard bytes.count <= Self.capacity else {
                out.pointee.append(contentsOf: bytes)
                return
            }
        }
        (p + count).update(from: from, count: bytes.count)
        count += bytes.count
    }

    /// `n` in decimal, two digits at a time, written in place from its last digit.
    mutating func put(_ n: Int) {
        if count + 21 > Self.capacity { flush() }
        if n < 0 {
            p[count] = UInt8(ascii: "-")
            count += 1
        }
        var m = UInt64(n.magnitude)
        let digits = ByteRun.digitCount(m)
        let pairs = ByteRun.digitPairs.utf8Start
        var k = count + digits
        while m >= 100 {
            let r = Int(m % 100) &* 2
            m /= 100
            k -= 2; p[k] = pairs[r]; p[k + 1] = pairs[r + 1]
        }
        if m >= 10 {
            let r = Int(m) &* 2
            p[k - 2] = pairs[r]; p[k - 1] = pairs[r + 1]
        } else {
            p[k - 1] = UInt8(ascii: "0") &+ UInt8(m)
        }
        count += digits
    }

    /// How many decimal digits `m` has (the numbers written one at a time are event ids:
    /// a step or two).
    @inline(__always)
    static func digitCount(_ m: UInt64) -> Int {
        var d = 1
        var t = m
        while t >= 10 { t /= 10; d += 1 }
        return d
    }

    static let digitPairs: StaticString = "00010203040506070809101112131415161718192021222324252627282930313233343536373839404142434445464748495051525354555657585960616263646566676869707172737475767778798081828384858687888990919293949596979899"
}
