import CortadoJSON

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension Tape {
    /// A line `parseLine` does not take because a string in it has escape sequences
    /// (`\\"`, `\\n`, `\\u00e9`, `\\/`): each such string is decoded as the general engine's
    /// parser decodes it (`JSON.parse`) and written again by its writer; every other byte
    /// stays. So every escape left is one the general engine writes: the lane copies such
    /// strings verbatim (its output is the general engine's bytes) and decodes them where it
    /// compares them, as it does a constant's (`Node.escaped`); two keys spelled two ways
    /// are now the same bytes, so the repeated-key check sees them. Nil for a line without
    /// a backslash, or with a string the general parser rejects. The written line is the
    /// tape's (`canonical`) until the next one.
    func parseCanonicalLine(_ line: UnsafeBufferPointer<UInt8>) -> Int32? {
        guard let p = line.baseAddress, memchr(p, 0x5C, line.count) != nil else { return nil }
        let n = line.count
        canonical.truncate(to: 0)
        canonical.grow(n + 16)
        var i = 0
        while i < n {
            // Up to the next string, verbatim.
            guard let q = memchr(p + i, 0x22, n - i) else {
                canonical.append(p + i, n - i)
                break
            }
            let open = UnsafePointer<UInt8>(q.assumingMemoryBound(to: UInt8.self)) - p
            canonical.append(p + i, open - i)
            // The string's end: its closing quote, past escaped characters.
            var j = open + 1, escapes = false
            while j < n, p[j] != 0x22 {
                if p[j] == 0x5C { escapes = true; j += 2 } else { j += 1 }
            }
            guard j < n else { return nil }
            let token = UnsafeBufferPointer(start: p + open, count: j + 1 - open)
            if escapes {
                guard case .string(let s)? = try? JSON.parse(buffer: token) else { return nil }
                var w = JSONWriter()
                w.writeString(s)
                w.bytes.withUnsafeBufferPointer { canonical.append($0) }
            } else {
                canonical.append(token)
            }
            i = j + 1
        }
        return parseLine(UnsafeBufferPointer(start: canonical.base, count: canonical.count), escapes: true)
    }
}
