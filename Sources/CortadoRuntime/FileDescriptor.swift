#if canImport(Glibc)
import Glibc
#endif

/// Writes every byte to `fd`, retrying short writes and EINTR.
/// - Returns: false on any other error (`errno` tells which, e.g. EPIPE).
@discardableResult
public func writeAll(_ fd: Int32, _ buf: UnsafeRawBufferPointer) -> Bool {
    var off = 0
    while off < buf.count {
        let n = write(fd, buf.baseAddress! + off, buf.count - off)
        if n < 0 {
            if errno == EINTR { continue }
            return false
        }
        off += n
    }
    return true
}

/// `writeAll` for a byte array.
@discardableResult
public func writeAll(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
    bytes.withUnsafeBytes { writeAll(fd, $0) }
}
