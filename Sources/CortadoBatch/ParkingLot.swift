import CortadoRuntime
import Foundation

/// Executions waiting for a time (Wait, retry back-off), on one heap with one thread that
/// hands due ones back to the workers. A million parked executions cost memory, not threads.
final class ParkingLot: @unchecked Sendable {
    private let cond = NSCondition()
    private var heap = TimerHeap<BatchRunner.Parked>()
    private var closed = false

    func park(_ p: BatchRunner.Parked, until t: Int64) {
        cond.lock()
        heap.push(p, at: t)
        cond.signal()
        cond.unlock()
    }

    func shutdown() {
        cond.lock(); closed = true; cond.signal(); cond.unlock()
    }

    /// Loops until shutdown, calling `deliver` with every batch of due executions.
    func run(deliver: ([BatchRunner.Parked]) -> Void) {
        cond.lock()
        while !closed {
            // A deadline is a wall-clock millisecond counted from a `now` read truncated to
            // one: a deadline is due once its millisecond has passed, not when it begins, so
            // no execution resumes early (a simulated 5 ms task took 4 to 5 ms).
            let now = wallClockMilliseconds() - 1
            var due: [BatchRunner.Parked] = []
            // A timer only resumes an execution nobody else resumed (a task may have completed).
            while let p = heap.popDue(now) { if p.execution.tryClaim() { due.append(p) }; if due.count == 256 { break } }
            if !due.isEmpty {
                cond.unlock(); deliver(due); cond.lock()
                continue
            }
            if let next = heap.earliest {
                _ = cond.wait(until: Date(timeIntervalSince1970: Double(next + 1) / 1000))
            } else {
                cond.wait()
            }
        }
        cond.unlock()
    }
}

/// Names the calling thread (as `top -H`, `perf` and debuggers show it; Linux keeps 15
/// bytes). Through /proc: Swift's Glibc module does not export pthread_setname_np.
func nameThread(_ name: String) {
    #if os(Linux)
    let fd = open("/proc/thread-self/comm", O_WRONLY)
    guard fd >= 0 else { return }
    _ = Array(name.utf8.prefix(15)).withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
    close(fd)
    #endif
}
