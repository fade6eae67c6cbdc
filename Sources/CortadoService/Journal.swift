import CortadoJSON
import CortadoRuntime
import Synchronization
#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// `--data-dir`: an append-only journal of JSON lines (`journal.jsonl`) that records
/// machines, execution starts, accepted SendTaskSuccess/Failure and execution ends, in that
/// order of happening. Each record is one `write` to an O_APPEND file before the request is
/// answered, so a `kill -9` loses nothing that was acknowledged (the page cache outlives the
/// process; an OS crash needs `fsync`, which `syncEachRecord` turns on). At start the journal
/// is read back (a torn last line is ignored) and rewritten compacted.
final class Journal: @unchecked Sendable {
    let path: String
    private let fd = Mutex<Int32>(-1)
    let syncEachRecord: Bool

    init(directory: String, syncEachRecord: Bool = false) throws(APIError) {
        path = directory + "/journal.jsonl"
        self.syncEachRecord = syncEachRecord
        if mkdir(directory, 0o755) != 0, errno != EEXIST {
            throw APIError.internalFailure("cannot create data directory \(directory): \(String(cString: strerror(errno)))")
        }
    }

    /// The records in the journal, oldest first.
    func load() -> [JSON] {
        guard let fp = fopen(path, "rb") else { return [] }
        defer { fclose(fp) }
        var bytes: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = fread(&buf, 1, buf.count, fp)
            if n <= 0 { break }
            bytes.append(contentsOf: buf[0..<n])
        }
        var out: [JSON] = []
        var start = 0
        for i in bytes.indices where bytes[i] == 10 {
            if let j = try? JSON.parse(Array(bytes[start..<i])) { out.append(j) }
            start = i + 1
        }
        // NOTE: bytes after the last newline are a record torn by a crash: never acknowledged.
        return out
    }

    /// Replaces the journal with `records` (atomically: write aside, rename) and opens it
    /// for appending.
    func rewrite(_ records: [JSON]) throws(APIError) {
        let tmp = path + ".tmp"
        let t = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard t >= 0 else { throw APIError.internalFailure("cannot write \(tmp): \(String(cString: strerror(errno)))") }
        var bytes: [UInt8] = []
        for r in records { bytes.append(contentsOf: r.serializedBytes); bytes.append(10) }
        _ = writeAll(t, bytes)
        fsync(t)
        close(t)
        guard rename(tmp, path) == 0 else { throw APIError.internalFailure("cannot replace \(path): \(String(cString: strerror(errno)))") }
        let f = open(path, O_WRONLY | O_APPEND | O_CREAT, 0o644)
        guard f >= 0 else { throw APIError.internalFailure("cannot open \(path): \(String(cString: strerror(errno)))") }
        fd.withLock { $0 = f }
    }

    /// Appends one record (one write call, so records never interleave).
    func append(_ record: JSON) {
        var bytes = record.serializedBytes
        bytes.append(10)
        fd.withLock { f in
            guard f >= 0 else { return }
            _ = writeAll(f, bytes)
            if syncEachRecord { fsync(f) }
        }
    }

    func shutdown() {
        fd.withLock { f in
            if f >= 0 { close(f) }
            f = -1
        }
    }
}
