/// Byte-level searches in strings. Foundation's `String.contains(_:)` goes through
/// CFString and cost 5-7% of a mocked Task workload; generic `Substring.UTF8View`
/// algorithms are not much better. These scan the contiguous UTF-8 bytes.
extension String {
    /// Whether the string's UTF-8 bytes contain `needle`'s.
    public func utf8Contains(_ needle: StaticString) -> Bool {
        var s = self
        return s.withUTF8 { hay in
            needle.withUTF8Buffer { n in
                guard let first = n.first else { return true }
                guard hay.count >= n.count else { return false }
                var i = 0
                while i <= hay.count - n.count {
                    if hay[i] == first, same(hay, at: i, n) { return true }
                    i += 1
                }
                return false
            }
        }
    }

    /// Whether the bytes after the `k`-th occurrence of `separator` begin with `prefix`'s
    /// (false when there are fewer than `k` separators).
    public func utf8Field(after k: Int, of separator: UInt8, startsWith prefix: StaticString) -> Bool {
        var s = self
        return s.withUTF8 { b in
            var seen = 0, i = 0
            while i < b.count, seen < k {
                if b[i] == separator { seen += 1 }
                i += 1
            }
            guard seen == k else { return false }
            return prefix.withUTF8Buffer { p in
                same(b, at: i, p)
            }
        }
    }
}

/// Whether `hay` holds `needle`'s bytes at `i`.
@inline(__always)
private func same(_ hay: UnsafeBufferPointer<UInt8>, at i: Int, _ needle: UnsafeBufferPointer<UInt8>) -> Bool {
    guard hay.count - i >= needle.count else { return false }
    for k in 0..<needle.count where hay[i + k] != needle[k] { return false }
    return true
}
