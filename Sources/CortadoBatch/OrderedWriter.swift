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
            for b in ready {
                out.append(contentsOf: b.inline.buffer)
                for slot in b.inlineCount..<b.count { out.append(contentsOf: b.results[slot]) }
                linesWritten += b.count
                lastLine = b.lastLine
            }
            // After a write error keep draining (discarding) so the run ends and reports it.
            if !out.isEmpty, error == nil { writeOut(out) }
            checkpoint.bytes += out.count
            checkpoint.line = lastLine
            out.removeAll(keepingCapacity: true)
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

    private func writeOut(_ bytes: [UInt8]) {
        if !CortadoRuntime.writeAll(fd, bytes) {
            error = BatchError("cannot write the results: \(String(cString: strerror(errno)))")
        }
    }
}
