import CortadoJSON
import CortadoRuntime
import CortadoTape

/// The shape of one result line.
public enum ResultLine {
    /// Writes the line; returns the byte length of the output it wrote (0 for a failure).
    @discardableResult
    public static func write(line: Int, _ r: ExecutionResult, into w: inout JSONWriter) -> Int {
        var outputBytes = 0
        w.bytes.append(contentsOf: #"{"line":"#.utf8)
        w.bytes.append(contentsOf: String(line).utf8)
        switch r.status {
        case .succeeded:
            w.bytes.append(contentsOf: #","status":"SUCCEEDED","output":"#.utf8)
            let start = w.bytes.count
            w.write(r.output ?? .null)
            outputBytes = w.bytes.count - start
        case .failed, .timedOut, .aborted:
            w.bytes.append(contentsOf: #","status":""#.utf8)
            w.bytes.append(contentsOf: r.status.rawValue.utf8)
            w.bytes.append(contentsOf: #"","error":"#.utf8)
            w.write(r.error?.name.map { .string($0.rawValue) } ?? .null)
            w.bytes.append(contentsOf: #","cause":"#.utf8)
            w.write(r.error?.cause.map { .string($0) } ?? .null)
        }
        w.bytes.append(contentsOf: "}\n".utf8)
        return outputBytes
    }

    /// Appends `{"line":N,"status":"SUCCEEDED","output":` (the output and `}\n` follow).
    static func appendSucceededHead(line: Int, to bytes: inout UnsafeVec<UInt8>) {
        bytes.append(#"{"line":"#)
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // room for 24 ASCII digits
        withUnsafeMutableBytes(of: &digits) { d in
            var v = line, k = d.count
            repeat { k -= 1; d[k] = UInt8(ascii: "0") + UInt8(v % 10); v /= 10 } while v > 0
            bytes.append(d.baseAddress! + k, d.count - k)
        }
        bytes.append(#","status":"SUCCEEDED","output":"#)
    }
}
