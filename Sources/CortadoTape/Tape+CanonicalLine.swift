import CortadoJSON

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension Tape {
    /// A line `parseLine` does not take because a string in it has escape sequences
    /// (`\\"`, `\\n`, `\\u00e9`, `\\/`): parsed as the general engine parses a line
    /// (`JSON.parse`) and written again by its writer, so every escape left is the one the
    /// general engine writes. The lane then copies such strings verbatim (its output is the
    /// general engine's bytes) and decodes them where it compares them, as it does a
    /// constant's (`Node.escaped`). Nil for a line without a backslash, or not JSON.
    /// The written line is the tape's (`canonical`) until the next one.
    func parseCanonicalLine(_ line: UnsafeBufferPointer<UInt8>) -> Int32? {
        guard let base = line.baseAddress, memchr(base, 0x5C, line.count) != nil,
              let value = try? JSON.parse(buffer: line) else { return nil }
        var w = JSONWriter()
        w.write(value)
        canonical.truncate(to: 0)
        w.bytes.withUnsafeBufferPointer { canonical.append($0) }
        return parseLine(UnsafeBufferPointer(start: canonical.base, count: canonical.count), escapes: true)
    }
}
