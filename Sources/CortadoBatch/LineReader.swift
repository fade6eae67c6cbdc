import Foundation
import Synchronization

/// Reads an events file in large chunks and cuts it into batches of lines, numbering
/// every line (1-based), skipping lines a resume or another shard owns.
final class LineReader: @unchecked Sendable {
    let fd: Int32
    let chunkSize: Int
    let batchLines: Int
    /// Lines up to and including this one are already done (resume).
    let skipThrough: Int
    /// `--shard i/n`: this run takes lines whose (number - 1) % n == i.
    let shard: (index: Int, count: Int)?
    /// Bytes consumed so far (for progress).
    let consumed = Atomic<Int>(0)

    init(fd: Int32, chunkSize: Int = 4 << 20, batchLines: Int, skipThrough: Int, shard: (index: Int, count: Int)?) {
        self.fd = fd; self.chunkSize = chunkSize; self.batchLines = batchLines
        self.skipThrough = skipThrough; self.shard = shard
    }

    /// Reads to the end (or until `shouldStop`), handing each batch to `emit` in order.
    /// - Returns: how many batches were emitted and the last input line number seen.
    func run(emit: (LineBatch) -> Void, shouldStop: () -> Bool) throws -> (batches: Int, lastLine: Int) {
        var lineNo = 0
        var batchIndex = 0
        var numbers: [Int] = [], ranges: [Range<Int>] = []
        numbers.reserveCapacity(batchLines); ranges.reserveCapacity(batchLines)

        /// Cuts a chunk of whole lines into batches; false when told to stop.
        func cut(_ chunk: InputChunk) -> Bool {
            let b = chunk.buffer
            let n = b.count
            var p = 0
            while p < n {
                let q = memchr(b.baseAddress! + p, 10, n - p).map { UnsafePointer<UInt8>(OpaquePointer($0)) - b.baseAddress! } ?? n
                lineNo += 1
                var e = q
                if e > p, b[e - 1] == 13 { e -= 1 }
                if lineNo > skipThrough, shard.map({ (lineNo - 1) % $0.count == $0.index }) ?? true {
                    numbers.append(lineNo); ranges.append(p..<e)
                    // The first batches are small, so a short file still spreads over the
                    // workers; then full size (each batch costs a hand-off to a worker and
                    // one to the writer: on 2 cores, every wake-up preempts a worker).
                    if numbers.count == (batchIndex < 16 ? min(256, batchLines) : batchLines) {
                        if shouldStop() { return false }
                        emit(LineBatch(index: batchIndex, chunk: chunk, lineNumbers: numbers, ranges: ranges, lastLine: lineNo))
                        batchIndex += 1
                        numbers.removeAll(keepingCapacity: true); ranges.removeAll(keepingCapacity: true)
                    }
                }
                p = q + 1
            }
            // A batch never spans chunks; an empty one still moves the watermark past skipped lines.
            if !numbers.isEmpty || lineNo > skipThrough {
                emit(LineBatch(index: batchIndex, chunk: chunk, lineNumbers: numbers, ranges: ranges, lastLine: lineNo))
                batchIndex += 1
                numbers.removeAll(keepingCapacity: true); ranges.removeAll(keepingCapacity: true)
            }
            return true
        }

        // A regular file is mapped, and chunks are ranges of the mapping: no read copies it
        // into the process and nothing copies it again (the reader thread was a sixth of a
        // pass-choice run's CPU, most of it in those two copies).
        if let mapping = mapFile() {
            let base = mapping.base, size = mapping.count
            var pos = 0
            while pos < size, !shouldStop() {
                var end = min(pos + chunkSize, size)
                if end < size {
                    // Back to the last newline; a line longer than a chunk runs to its own end.
                    var k = end - 1
                    while k >= pos, base[k] != 10 { k -= 1 }
                    if k >= pos {
                        end = k + 1
                    } else {
                        end = memchr(base + end, 10, size - end).map { UnsafePointer<UInt8>(OpaquePointer($0)) - base + 1 } ?? size
                    }
                }
                let chunk = InputChunk(borrowing: UnsafeBufferPointer(start: base + pos, count: end - pos), owner: mapping)
                consumed.add(end - pos, ordering: .relaxed)
                pos = end
                if !cut(chunk) { break }
            }
            return (batchIndex, lineNo)
        }

        // NOTE: one read buffer for the whole run, filled to capacity (a pipe returns 64 KiB
        // a read); each chunk is an exact-size copy of whole lines, so memory in flight is
        // what the window holds, not the buffer's capacity times the chunks alive.
        var scratch = [UInt8](repeating: 0, count: chunkSize)
        var filled = 0
        var eof = false
        while !shouldStop() {
            while filled < scratch.count, !eof {
                let want = scratch.count - filled
                let n = try readInto(&scratch, at: filled)
                if n == 0 { eof = true; break }
                filled += n
                consumed.add(n, ordering: .relaxed)
                // A short read drained a pipe: run the whole lines we have rather than wait
                // for more (a slow producer still gets prompt results).
                if n < want, scratch[(filled - n)..<filled].contains(10) { break }
            }
            if filled == 0 { break }
            var end = filled
            if !eof {
                guard let nl = scratch[0..<filled].lastIndex(of: 10) else {
                    // One line longer than the buffer: grow it and keep reading.
                    scratch.append(contentsOf: repeatElement(0, count: scratch.count))
                    continue
                }
                end = nl + 1
            }
            let chunk = scratch.withUnsafeBufferPointer { InputChunk(UnsafeBufferPointer(rebasing: $0[0..<end])) }
            scratch.withUnsafeMutableBytes { b in
                if end < filled { memmove(b.baseAddress!, b.baseAddress! + end, filled - end) }
            }
            filled -= end
            if !cut(chunk) { break }
        }
        return (batchIndex, lineNo)
    }

    /// The whole events file mapped, when it is a regular non-empty file.
    private func mapFile() -> FileMapping? {
        var st = stat()
        guard fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG, st.st_size > 0,
              lseek(fd, 0, SEEK_CUR) == 0 else { return nil }
        return FileMapping(fd: fd, count: Int(st.st_size))
    }

    private func readInto(_ buf: inout [UInt8], at offset: Int) throws -> Int {
        while true {
            let got = buf.withUnsafeMutableBytes { read(fd, $0.baseAddress! + offset, $0.count - offset) }
            if got >= 0 { return got }
            if errno == EINTR { continue }
            throw BatchError("cannot read the events: \(String(cString: strerror(errno)))")
        }
    }
}
