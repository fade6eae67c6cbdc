import CortadoJSON
import Synchronization

/// Bytes read from the events file in one large read; the batches cut from it refer to
/// their lines by range, so lines are never copied one by one.
final class InputChunk: @unchecked Sendable {
    let bytes: [UInt8]
    init(_ bytes: [UInt8]) { self.bytes = bytes }
}

/// Up to a few hundred consecutive input lines that one worker runs, and their results.
final class LineBatch: @unchecked Sendable {
    /// Position of the batch in input order (0, 1, 2, ...): the writer's reorder key.
    let index: Int
    let chunk: InputChunk
    /// 1-based input line numbers and their byte ranges in `chunk`.
    let lineNumbers: [Int]
    let ranges: [Range<Int>]
    /// The last input line this batch accounts for, counting lines skipped for other
    /// shards or by a resume: the watermark after this batch is written.
    let lastLine: Int
    /// Result lines of slots past `inlineCount`, one per slot. Workers write distinct slots
    /// concurrently, hence the raw buffer.
    let results: UnsafeMutableBufferPointer<[UInt8]>
    let remaining: Atomic<Int>

    init(index: Int, chunk: InputChunk, lineNumbers: [Int], ranges: [Range<Int>], lastLine: Int) {
        self.index = index; self.chunk = chunk; self.lineNumbers = lineNumbers; self.ranges = ranges
        self.lastLine = lastLine
        results = .allocate(capacity: lineNumbers.count)
        _ = results.initialize(from: repeatElement([], count: lineNumbers.count))
        remaining = Atomic(lineNumbers.count)
    }

    deinit {
        results.deinitialize()
        results.deallocate()
    }

    var count: Int { lineNumbers.count }

    /// Result lines of slots [0, inlineCount), in order, in one buffer: the worker running
    /// the batch appends to it while its lines finish in order, so most lines need no array
    /// of their own (and the writer copies one run). Slots after the first line that parks
    /// keep theirs in `results`. Only that worker, inside its loop over the batch, touches these.
    var inline: [UInt8] = []
    var inlineCount = 0

    /// Bytes of input the batch covers (to size `inline`).
    var inputBytes: Int { ranges.isEmpty ? 0 : ranges[ranges.count - 1].upperBound - ranges[0].lowerBound }

    /// Counts one slot whose result is stored; returns true when it was the batch's last one.
    func finishedOne() -> Bool {
        remaining.subtract(1, ordering: .acquiringAndReleasing).newValue == 0
    }
}
