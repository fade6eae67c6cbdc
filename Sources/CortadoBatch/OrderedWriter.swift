import CortadoRuntime
import Foundation

/// Writes finished batches in input order (a reorder buffer keyed by batch index), then
/// records the checkpoint watermark. Runs on its own thread.
final class OrderedWriter: @unchecked Sendable {
    private let cond = NSCondition()
    private var pending: [Int: LineBatch] = [:]
    private var next = 0
    private var total: Int?
    private let fd: Int32
    private let permits: Permits
    private let checkpointPath: String?
    private var checkpoint: Checkpoint
    private var lastCheckpointNanos: UInt64 = 0
    private(set) var error: BatchError?
    /// Result lines written by this run.
    private(set) var linesWritten = 0

    init(fd: Int32, permits: Permits, checkpointPath: String?, start: Checkpoint) {
        self.fd = fd; self.permits = permits; self.checkpointPath = checkpointPath; self.checkpoint = start
    }

    /// A worker finished every line of `b`.
    func submit(_ b: LineBatch) {
        cond.lock()
        pending[b.index] = b
        if b.index == next { cond.signal() }
        cond.unlock()
    }

    /// The reader emitted `n` batches in all.
    func finish(totalBatches n: Int) {
        cond.lock()
        total = n
        cond.signal()
        cond.unlock()
    }

    /// Writes until every batch is written; returns the final watermark.
    func run() -> Checkpoint {
        var out: [UInt8] = []
        out.reserveCapacity(1 << 20)
        while true {
            cond.lock()
            while pending[next] == nil, total.map({ next < $0 }) ?? true { cond.wait() }
            var ready: [LineBatch] = []
            while let b = pending.removeValue(forKey: next) { ready.append(b); next += 1 }
            let done = total.map { next >= $0 } ?? false
            cond.unlock()

            var lastLine = checkpoint.line
            var written = 0
            for b in ready {
                // A batch whose lines all finished in order holds its results in one buffer:
                // written from there (copying a run's whole output was a fiftieth of its CPU).
                if b.inlineCount == b.count {
                    if !out.isEmpty { written += flush(&out) }
                    if b.inline.count > 0, error == nil { writeOut(UnsafeRawBufferPointer(b.inline.buffer)) }
                    written += b.inline.count
                } else {
                    out.append(contentsOf: b.inline.buffer)
                    for slot in b.inlineCount..<b.count { out.append(contentsOf: b.results[slot]) }
                }
                linesWritten += b.count
                lastLine = b.lastLine
            }
            written += flush(&out)
            checkpoint.bytes += written
            checkpoint.line = lastLine
            if !ready.isEmpty { permits.release(ready.count) }
            // NOTE: the watermark is recorded only after the bytes it covers were written,
            // so a crash between the two re-runs those lines (at least once), never loses them.
            let now = monotonicNanoseconds()
            if done || now &- lastCheckpointNanos > 100_000_000 {
                checkpoint.completed = done
                saveCheckpoint()
                lastCheckpointNanos = now
            }
            if done { break }
        }
        return checkpoint
    }

    private func saveCheckpoint() {
        guard let checkpointPath else { return }
        do { try checkpoint.write(to: checkpointPath) } catch { self.error = error as? BatchError }
    }

    /// Writes and empties `out`; returns how many bytes it held. After a write error the
    /// bytes are dropped (the run keeps draining so it ends and reports the error).
    private func flush(_ out: inout [UInt8]) -> Int {
        let n = out.count
        if n > 0, error == nil { out.withUnsafeBytes { writeOut($0) } }
        out.removeAll(keepingCapacity: true)
        return n
    }

    private func writeOut(_ bytes: UnsafeRawBufferPointer) {
        if !CortadoRuntime.writeAll(fd, bytes) {
            error = BatchError("cannot write the results: \(String(cString: strerror(errno)))")
        }
    }
}
