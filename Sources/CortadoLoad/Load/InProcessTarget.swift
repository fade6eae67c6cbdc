import CortadoASL
import CortadoBatch
import CortadoRuntime
import Synchronization

/// The engine in this process, run exactly as `cortado run` runs an events file: the batch
/// runner's workers (one per core) take the arrivals in groups, each line runs on the tape
/// lane when the program allows it and on the general engine otherwise, and executions that
/// wait (Wait states, simulated or real task latency, retry back-off) park on the runner's
/// timers and hold no thread. Only what happens to a finished line differs: instead of a
/// result line, its latency from its due time goes to the load test's recorder, once per
/// worker job rather than once per execution.
public final class InProcessTarget: LoadTarget, @unchecked Sendable {
    let batch: BatchRunner
    /// The runner whose arrivals these are; set by the first `start`, before the workers start.
    private var runner: LoadRunner?
    private let started = Mutex(false)

    /// Execution `i` is named this prefix and `i` (`$$.Execution.Name`).
    public static let executionNamePrefix = "load-"

    /// - Parameters:
    ///   - config: the runner's program, backend, clock, time limit, workers and
    ///     `programForWorker`; its paths are unused, and its observer and name prefix are set here.
    public init(config: BatchConfig) {
        var c = config
        c.executionNamePrefix = Self.executionNamePrefix
        let stateCount = config.program.code.count
        let box = ObserverBox()
        c.observerForWorker = { [box] in LoadObserver(box: box, stateCount: stateCount) }
        batch = BatchRunner(config: c)
        box.target = self
    }

    public func start(_ arrivals: ArraySlice<LoadArrival>, inputs: LoadInputs, runner: LoadRunner) {
        started.withLock { s in
            guard !s else { return }
            self.runner = runner
            batch.startWorkers()
            s = true
        }
        let (chunk, ranges) = inputs.bytes(arrivals.lazy.map(\.index))
        batch.submit(chunk, ranges: ranges, lineNumbers: arrivals.map(\.index), due: arrivals.map(\.due))
    }

    public func finish() {
        batch.stopWorkers()
    }

    /// Which engine ran the executions (the batch runner's "Engine: ..." line); nil before any ended.
    public var engineText: String? { batch.snapshot().engineText }

    /// Lets each worker's observer reach the target (made before the target is).
    final class ObserverBox: @unchecked Sendable {
        weak var target: InProcessTarget?
    }

    /// One per worker: tallies the lines it finishes and hands them to the runner after
    /// each of its jobs.
    final class LoadObserver: LineObserver {
        let box: ObserverBox
        let tally: LoadTally

        init(box: ObserverBox, stateCount: Int) { self.box = box; tally = LoadTally(stateCount: stateCount) }

        func lineEnded(line: Int, status: ExecutionStatus, error: String?, startNanos: UInt64, endNanos: UInt64) {
            let t = tally
            t.latencies.append(endNanos > startNanos ? endNanos - startNanos : 0)
            t.statuses.append(status)
            t.errors.append(status == .succeeded ? nil : error)
        }

        func flush(_ stats: StateStats) {
            guard let target = box.target, let runner = target.runner else { stats.visits.removeAll(keepingCapacity: true); return }
            let t = tally
            for pc in 0..<min(stats.count, t.entered.count) {
                t.entered[pc] += stats.enteredCounts[pc]
                t.nanos[pc] &+= stats.nanosSpent[pc]
            }
            t.visits.append(contentsOf: stats.visits)
            stats.visits.removeAll(keepingCapacity: true)
            // Every job, even one where no line ended: a state's entries may be counted on
            // one worker and its executions finished on another.
            runner.ended(t)
        }
    }
}
