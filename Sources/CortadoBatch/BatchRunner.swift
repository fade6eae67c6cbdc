import CortadoASL
import CortadoJSON
import CortadoPath
import CortadoRuntime
import CortadoTape
import Foundation
import Synchronization

/// Everything a batch run needs.
public struct BatchConfig: @unchecked Sendable {
    public var program: Program
    /// Makes each worker its own copy of the program (e.g. by compiling the definition
    /// again). Workers sharing one program contend on its reference counts: pass-choice
    /// on 2 workers ran only 1.2x faster than on 1 while using twice the CPU.
    public var programForWorker: (@Sendable () -> Program)?
    public var stateMachineName: String
    public var backend: any TaskBackend
    public var definitionPath: String
    /// Events file, or "-" for stdin.
    public var eventsPath: String
    /// Results file, or "-" for stdout (no checkpoint then).
    public var outputPath: String
    public var workers: Int
    public var clock: ClockMode = .real
    /// Lines per batch (the first 16 batches at most 256): 1,024 cut the context switches
    /// of a 2-core pass-choice run from ~13,000 to ~4,000.
    public var batchLines = 1024
    /// Lines in flight at most (parked executions included): bounds memory.
    public var windowLines = 65_536
    public var resume = false
    public var shard: (index: Int, count: Int)?
    /// Stop once more than this many lines failed.
    public var maxFailures: Int?
    /// Express's 5-minute limit (nil: none).
    public var executionTimeoutSeconds: Int? = ExpressLimits.executionSeconds
    /// Where Distributed Maps read items and write results (`--s3-dir`).
    public var objectStore: (any ObjectStore)?
    /// Called every `metricsInterval` seconds on a background queue, and once at the end (`final`).
    public var onMetrics: (@Sendable (_ snapshot: MetricsSnapshot, _ fractionRead: Double?, _ final: Bool) -> Void)?
    public var metricsInterval: Double = 1
    /// Execution logs (CloudWatch Logs lines of Express workflows) go to this descriptor.
    public var logFD: Int32?
    public var logLevel: LogLevel = .off
    public var includeExecutionData = false
    /// Run the lines of programs it takes on the tape lane (`CortadoTape`);
    /// false runs every line on the general engine (`--engine general`).
    public var tapeLane = true
    /// Each execution's name is this and its line number (`$$.Execution.Name`).
    public var executionNamePrefix = BatchRunner.executionNamePrefix
    /// Makes each worker an observer of the lines it finishes (a load test measures them
    /// from their scheduled starts). Its workers then keep every state visit's time.
    public var observerForWorker: (@Sendable () -> any LineObserver)?

    public init(program: Program, stateMachineName: String, backend: any TaskBackend, definitionPath: String,
                eventsPath: String, outputPath: String, workers: Int) {
        self.program = program; self.stateMachineName = stateMachineName; self.backend = backend
        self.definitionPath = definitionPath; self.eventsPath = eventsPath; self.outputPath = outputPath
        self.workers = max(1, workers)
    }
}

/// How a batch run ended.
public struct BatchSummary: Sendable {
    /// Result lines this invocation wrote.
    public var linesWritten: Int
    /// Input line the run resumed after (0 for a fresh run).
    public var resumedAfter: Int
    /// The last input line with a written result.
    public var watermark: Int
    /// True when `--max-failures` stopped the run before the end of the input.
    public var stoppedEarly: Bool
    public var metrics: MetricsSnapshot
}

/// Runs one execution per input line on a pool of Dispatch queues (one per worker), parking
/// executions that wait on a shared timer heap, and writes results in input order.
public final class BatchRunner: ExecutionWaker, @unchecked Sendable {
    /// Line N of the events file runs as the execution named this prefix and N (its `$$.Execution.Name`).
    public static let executionNamePrefix = "line-"

    enum Job {
        case batch(LineBatch)
        case resume([Parked])
        /// Lines whose Task answers came (`answered`): a worker takes them all.
        case resumeAnswered
        case stop
    }

    /// A line that waits: an execution of the general engine, or a line the tape lane parked.
    struct Parked: @unchecked Sendable {  // (handed between workers, the timer thread and backends)
        enum Waiting {
            case execution(Execution)
            case lane(TapeLane.Suspension)
        }
        let waiting: Waiting
        let batch: LineBatch
        let slot: Int
        let startNanos: UInt64

        /// Whether this wake-up is the one that goes on with it: an execution may also be
        /// woken by a task that completed, and a lane's line by the answer it waits for
        /// (`AwaitedCall`): the first claim wins.
        func claim() -> Bool {
            switch waiting {
            case .execution(let e): return e.tryClaim()
            case .lane(let s): return s.awaiting?.claimForTimer() ?? true
            }
        }
    }

    let config: BatchConfig
    let jobs = BlockingQueue<Job>()
    let metrics: RunMetrics
    let failures = Atomic<Int>(0)
    let completed = Atomic<Int>(0)
    let stop = Atomic<Bool>(false)
    /// Where finished batches go (`run`); nil for fed lines (`submit`), whose results only
    /// their observers see.
    var writer: OrderedWriter?
    let timers: ParkingLot
    /// Lane lines whose awaited Task answer came, with their timer tickets, until a worker
    /// takes them (`resumeAnswered`): the first one queues the job, the rest join it, so a
    /// worker is woken once for many answers, not per answer.
    let answered = Mutex<[(Parked, ParkingLot.Ticket)]>([])
    /// The workers `startWorkers` started, until `stopWorkers`.
    /// Taken once per drained worker log buffer, never per event.
    let logLock = NSLock()
    var workerGroup: DispatchGroup?
    var timerThread: Thread?

    public init(config: BatchConfig) {
        self.config = config
        metrics = RunMetrics(stateNames: config.program.headers.map(\.name))
        timers = ParkingLot()
    }

    /// Runs the whole file. Blocks until every line read has its result written.
    /// - Throws: `BatchError` for unreadable input, unwritable output or a mismatched resume.
    public func run() throws -> BatchSummary {
        // Input.
        let inFD: Int32 = config.eventsPath == "-" ? 0 : open(config.eventsPath, O_RDONLY)
        guard inFD >= 0 else { throw BatchError("cannot read events \(config.eventsPath): \(String(cString: strerror(errno)))") }
        defer { if inFD != 0 { close(inFD) } }
        var st = stat()
        let totalBytes: Int? = (fstat(inFD, &st) == 0 && (st.st_mode & S_IFMT) == S_IFREG) ? Int(st.st_size) : nil

        // Output and checkpoint.
        let shardText = config.shard.map { "\($0.index)/\($0.count)" } ?? ""
        var start = Checkpoint(line: 0, bytes: 0, completed: false, definition: config.definitionPath,
                               events: config.eventsPath, shard: shardText)
        let outFD: Int32
        var checkpointPath: String? = nil
        if config.outputPath == "-" {
            if config.resume { throw BatchError("--resume needs --out FILE (stdout cannot be truncated)") }
            outFD = 1
        } else {
            checkpointPath = Checkpoint.path(forOutput: config.outputPath)
            if config.resume, let saved = try Checkpoint.read(from: checkpointPath!) {
                guard saved.events == start.events, saved.shard == start.shard else {
                    throw BatchError("the checkpoint \(checkpointPath!) belongs to another run (events \(saved.events), shard '\(saved.shard)')")
                }
                start = saved
                start.completed = false
            }
            outFD = open(config.outputPath, O_WRONLY | O_CREAT, 0o644)
            guard outFD >= 0 else { throw BatchError("cannot write \(config.outputPath): \(String(cString: strerror(errno)))") }
            // Drop whatever a crash left beyond the watermark; those lines run again.
            // (A device such as /dev/null has nothing to truncate.)
            var ost = stat()
            let regular = fstat(outFD, &ost) == 0 && (ost.st_mode & S_IFMT) == S_IFREG
            guard !regular || (ftruncate(outFD, off_t(start.bytes)) == 0 && lseek(outFD, off_t(start.bytes), SEEK_SET) >= 0)
            else {
                throw BatchError("cannot truncate \(config.outputPath): \(String(cString: strerror(errno)))")
            }
            // Written on a resume too: a run killed before its first checkpoint left none,
            // and output it writes now must never exist without one.
            try start.write(to: checkpointPath!)
        }
        defer { if outFD != 1 { close(outFD) } }

        let permits = Permits(max(2, config.windowLines / config.batchLines))
        let writer = OrderedWriter(fd: outFD, permits: permits, checkpointPath: checkpointPath, start: start)
        self.writer = writer
        let reader = LineReader(fd: inFD, batchLines: config.batchLines, skipThrough: start.line, shard: config.shard)
        startWorkers()

        // Metrics.
        // NOTE: libdispatch traps when a never-resumed source is released, so the timer
        // exists only when someone listens.
        var reporter: DispatchSourceTimer? = nil
        if let onMetrics = config.onMetrics {
            let reporterTimer = DispatchSource.makeTimerSource(queue: .global(qos: .utility))
            reporter = reporterTimer
            let interval = max(0.05, config.metricsInterval)
            reporterTimer.schedule(deadline: .now() + interval, repeating: interval)
            reporterTimer.setEventHandler {
                let snap = self.snapshot()
                onMetrics(snap, totalBytes.map { Double(reader.consumed.load(ordering: .relaxed)) / Double(max($0, 1)) }, false)
            }
            reporterTimer.resume()
        }

        // Reader on its own thread; the writer here.
        let readError = Mutex<BatchError?>(nil)
        let readerThread = Thread {
            nameThread("cortado-reader")
            do {
                let (n, _) = try reader.run(
                    emit: { b in
                        permits.acquire()
                        if b.count == 0 { writer.submit(b) } else {
                            self.metrics.addStarted(b.count)
                            self.jobs.push(.batch(b))
                        }
                    },
                    shouldStop: { self.stop.load(ordering: .relaxed) })
                writer.finish(totalBatches: n)
            } catch {
                readError.withLock { $0 = error as? BatchError ?? BatchError("\(error)") }
                self.stop.store(true, ordering: .relaxed)
                writer.finish(totalBatches: 0)
            }
        }
        readerThread.start()
        // (The writer keeps the calling thread's name: on the main thread that is the
        // process's own, which ps, pgrep -x and killall match.)
        let end = writer.run()

        stopWorkers()
        reporter?.cancel()
        if let e = readError.withLock({ $0 }) { throw e }
        if let e = writer.error { throw e }
        let final = snapshot()
        config.onMetrics?(final, 1, true)
        return BatchSummary(
            linesWritten: writer.linesWritten, resumedAfter: start.line, watermark: end.line,
            stoppedEarly: stop.load(ordering: .relaxed), metrics: final)
    }

    /// The run's totals so far (the metrics line's figures).
    public func snapshot() -> MetricsSnapshot {
        // In flight: lines handed to workers and not finished yet (running or parked).
        var snap = metrics.snapshot(inFlight: 0)
        snap.inFlight = max(0, snap.started - snap.completed)
        return snap
    }
}
