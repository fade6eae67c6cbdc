import CortadoJSON
import CortadoTape
import Foundation
import Synchronization

/// A run of whole lines of the events file: a copy of what one large read returned, or a
/// range of the file mapped into memory. The batches cut from it refer to their lines by
/// range, so lines are never copied one by one.
public final class InputChunk: @unchecked Sendable {
    public let buffer: UnsafeBufferPointer<UInt8>
    /// What keeps `buffer` alive: nil when the chunk owns it (freed with the chunk).
    private let owner: AnyObject?

    /// A copy of `bytes`.
    public init(_ bytes: [UInt8]) {
        let b = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: max(bytes.count, 1))
        _ = b.initialize(fromContentsOf: bytes)
        buffer = UnsafeBufferPointer(rebasing: b[0..<bytes.count])
        owner = nil
    }

    /// A copy of `bytes`.
    init(_ bytes: UnsafeBufferPointer<UInt8>) {
        let b = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: max(bytes.count, 1))
        _ = b.initialize(fromContentsOf: bytes)
        buffer = UnsafeBufferPointer(rebasing: b[0..<bytes.count])
        owner = nil
    }

    /// Bytes that `owner` keeps alive (a file mapping).
    init(borrowing bytes: UnsafeBufferPointer<UInt8>, owner: AnyObject) {
        buffer = bytes
        self.owner = owner
    }

    deinit {
        guard owner != nil else { UnsafeMutableRawPointer(mutating: buffer.baseAddress!).deallocate(); return }
        // Drop the chunk's pages from the process (they stay in the page cache): without
        // this a run's resident memory grew by the whole file. A page shared with the next
        // chunk is left alone.
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let start = (Int(bitPattern: buffer.baseAddress!) + page - 1) / page * page
        let end = (Int(bitPattern: buffer.baseAddress!) + buffer.count) / page * page
        if end > start { _ = madvise(UnsafeMutableRawPointer(bitPattern: start), end - start, MADV_DONTNEED) }
    }
}

/// A read-only mapping of a whole events file; unmapped when the last chunk using it goes.
final class FileMapping: @unchecked Sendable {
    let base: UnsafePointer<UInt8>
    let count: Int

    /// Maps `fd` (a regular, non-empty file of `count` bytes); nil when mapping fails.
    init?(fd: Int32, count: Int) {
        guard count > 0, let m = mmap(nil, count, PROT_READ, MAP_PRIVATE, fd, 0), m != MAP_FAILED else { return nil }
        FileMapping.stopOnShrink
        _ = madvise(m, count, MADV_SEQUENTIAL)
        base = UnsafePointer(m.assumingMemoryBound(to: UInt8.self))
        self.count = count
    }

    deinit { munmap(UnsafeMutableRawPointer(mutating: base), count) }

    /// A mapped file cut short while it is read faults (SIGBUS) where a read would have met
    /// its end. The run then stops with a message and exit status 2 rather than a bare "Bus
    /// error": what it wrote is complete up to its checkpoint, so `--resume` goes on from
    /// there once the file is whole. (The handler only writes and exits: async-signal-safe.)
    static let stopOnShrink: Void = {
        #if os(Linux)
        var action = sigaction()
        action.__sigaction_handler.sa_handler = { _ in
            let m: StaticString = """
                cortado: the events file shrank while it was being read (it is mapped into memory); \
                the output is complete up to its checkpoint: once the file is whole again, run the \
                same command with --resume

                """
            _ = write(2, m.utf8Start, m.utf8CodeUnitCount)
            _exit(2)
        }
        sigemptyset(&action.sa_mask)
        sigaction(SIGBUS, &action, nil)
        #endif
    }()
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
    /// When each line was due (monotonic nanoseconds), for fed lines (`BatchRunner.submit`);
    /// empty for the lines of an events file.
    let due: [UInt64]

    init(index: Int, chunk: InputChunk, lineNumbers: [Int], ranges: [Range<Int>], lastLine: Int, due: [UInt64] = []) {
        self.index = index; self.chunk = chunk; self.lineNumbers = lineNumbers; self.ranges = ranges
        self.lastLine = lastLine
        self.due = due
        results = .allocate(capacity: lineNumbers.count)
        _ = results.initialize(from: repeatElement([], count: lineNumbers.count))
        remaining = Atomic(lineNumbers.count)
    }

    deinit {
        results.deinitialize()
        results.deallocate()
        inline.free()
    }

    var count: Int { lineNumbers.count }

    /// Result lines of slots [0, inlineCount), in order, in one buffer: the worker running
    /// the batch appends to it while its lines finish in order, so most lines need no array
    /// of their own (and the writer copies one run). Slots after the first line that parks
    /// keep theirs in `results`. Only that worker, inside its loop over the batch, touches these.
    var inline = UnsafeVec<UInt8>(capacity: 0)
    var inlineCount = 0

    /// Bytes of input the batch covers (to size `inline`). (Fed lines may repeat a range or
    /// come in any order, so the ranges are summed.)
    var inputBytes: Int {
        if !due.isEmpty { return ranges.reduce(0) { $0 + $1.count } }
        return ranges.isEmpty ? 0 : ranges[ranges.count - 1].upperBound - ranges[0].lowerBound
    }

    /// Counts one slot whose result is stored; returns true when it was the batch's last one.
    func finishedOne() -> Bool {
        remaining.subtract(1, ordering: .acquiringAndReleasing).newValue == 0
    }
}
