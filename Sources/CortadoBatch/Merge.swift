import CortadoJSON
import CortadoRuntime
import Foundation

/// Joins shard outputs (`--shard i/n` runs) into one file in input-line order: a k-way
/// merge on each result line's `"line"` field.
public enum ShardMerge {
    /// - Returns: how many lines were written.
    /// - Throws: `BatchError` for unreadable inputs, a line without a `line` field, or a
    ///   line number seen twice (two shards overlapping).
    public static func merge(inputs: [String], output fd: Int32) throws -> Int {
        var streams = try inputs.map { try LineStream(path: $0) }
        var heads: [(line: Int, bytes: ArraySlice<UInt8>)?] = try streams.indices.map { try next(&streams[$0]) }
        var out: [UInt8] = []
        out.reserveCapacity(1 << 20)
        var written = 0
        var last = 0
        while true {
            var best = -1
            for (k, h) in heads.enumerated() {
                if let h, best < 0 || h.line < heads[best]!.line { best = k }
            }
            if best < 0 { break }
            let h = heads[best]!
            if h.line == last {
                throw BatchError("line \(h.line) appears twice (in \(inputs[best]) and an earlier input): do the shards overlap?")
            }
            last = h.line
            out.append(contentsOf: h.bytes)
            out.append(10)
            written += 1
            if out.count > 1 << 20 { try writeAll(fd, out); out.removeAll(keepingCapacity: true) }
            heads[best] = try next(&streams[best])
        }
        try writeAll(fd, out)
        return written
    }

    static func next(_ s: inout LineStream) throws -> (line: Int, bytes: ArraySlice<UInt8>)? {
        guard let l = try s.nextLine() else { return nil }
        guard let n = lineNumber(l) else { throw BatchError("\(s.path): a result line has no \"line\" field: \(String(decoding: l.prefix(80), as: UTF8.self))") }
        return (n, l)
    }

    /// Reads `{"line":N` fast; falls back to a full parse for any other layout.
    static func lineNumber(_ l: ArraySlice<UInt8>) -> Int? {
        let prefix = Array(#"{"line":"#.utf8)
        if l.starts(with: prefix) {
            var n = 0, i = l.startIndex + prefix.count, digits = 0
            while i < l.endIndex, l[i] >= 0x30, l[i] <= 0x39, digits < 18 { n = n * 10 + Int(l[i] - 0x30); i += 1; digits += 1 }
            if digits > 0, i < l.endIndex, l[i] == UInt8(ascii: ",") || l[i] == UInt8(ascii: "}") { return n }
        }
        return (try? JSON.parse(l))?["line"]?.numberValue?.int
    }

    static func writeAll(_ fd: Int32, _ bytes: [UInt8]) throws {
        guard CortadoRuntime.writeAll(fd, bytes) else { throw BatchError("cannot write: \(String(cString: strerror(errno)))") }
    }
}

/// Buffered line reading from a file.
struct LineStream {
    let path: String
    let fd: Int32
    var buf: [UInt8] = []
    var pos = 0
    var eof = false

    init(path: String) throws {
        self.path = path
        fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw BatchError("cannot read \(path): \(String(cString: strerror(errno)))") }
    }

    mutating func nextLine() throws -> ArraySlice<UInt8>? {
        while true {
            if let nl = buf[pos...].firstIndex(of: 10) {
                let l = buf[pos..<nl]
                pos = nl + 1
                if l.isEmpty { continue }
                return l
            }
            if eof {
                if pos < buf.count { let l = buf[pos...]; pos = buf.count; return l }
                close(fd)
                return nil
            }
            buf.removeSubrange(0..<pos); pos = 0
            let old = buf.count
            buf.append(contentsOf: repeatElement(0, count: 1 << 20))
            let n = buf.withUnsafeMutableBytes { read(fd, $0.baseAddress! + old, 1 << 20) }
            if n < 0 { throw BatchError("cannot read \(path): \(String(cString: strerror(errno)))") }
            buf.removeSubrange((old + max(n, 0))...)
            if n == 0 { eof = true }
        }
    }
}
