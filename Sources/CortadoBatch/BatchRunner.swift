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
    /// Run lines of pure data programs on the tape lane (`CortadoTape`) when logs are off;
    /// false runs every line on the general engine (`--engine general`).
    public var tapeLane = true

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
        case stop
    }

    struct Parked {
        let execution: Execution
        let batch: LineBatch
        let slot: Int
        let startNanos: UInt64
    }

    let config: BatchConfig
    let jobs = BlockingQueue<Job>()
    let metrics: RunMetrics
    let failures = Atomic<Int>(0)
    let completed = Atomic<Int>(0)
    let stop = Atomic<Bool>(false)
    var writer: OrderedWriter!
    let timers: ParkingLot

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
        writer = OrderedWriter(fd: outFD, permits: permits, checkpointPath: checkpointPath, start: start)
        let reader = LineReader(fd: inFD, batchLines: config.batchLines, skipThrough: start.line, shard: config.shard)

        // Workers: one serial Dispatch queue each, with its own metrics and buffers.
        let group = DispatchGroup()
        for w in 0..<config.workers {
            let q = DispatchQueue(label: "cortado.worker.\(w)")
            group.enter()
            q.async { nameThread("cortado-worker"); self.workerLoop(); group.leave() }
        }
        let timerThread = Thread {
            nameThread("cortado-timers")
            self.timers.run { self.jobs.push(.resume($0)) }
        }
        timerThread.stackSize = 1 << 20
        timerThread.start()

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
                        if b.count == 0 { self.writer.submit(b) } else {
                            self.metrics.addStarted(b.count)
                            self.jobs.push(.batch(b))
                        }
                    },
                    shouldStop: { self.stop.load(ordering: .relaxed) })
                self.writer.finish(totalBatches: n)
            } catch {
                readError.withLock { $0 = error as? BatchError ?? BatchError("\(error)") }
                self.stop.store(true, ordering: .relaxed)
                self.writer.finish(totalBatches: 0)
            }
        }
        readerThread.start()
        // (The writer keeps the calling thread's name: on the main thread that is the
        // process's own, which ps, pgrep -x and killall match.)
        let end = writer.run()

        for _ in 0..<config.workers { jobs.push(.stop) }
        group.wait()
        timers.shutdown()
        reporter?.cancel()
        if let e = readError.withLock({ $0 }) { throw e }
        if let e = writer.error { throw e }
        let final = snapshot()
        config.onMetrics?(final, 1, true)
        return BatchSummary(
            linesWritten: writer.linesWritten, resumedAfter: start.line, watermark: end.line,
            stoppedEarly: stop.load(ordering: .relaxed), metrics: final)
    }

    func snapshot() -> MetricsSnapshot {
        // In flight: lines handed to workers and not finished yet (running or parked).
        var snap = metrics.snapshot(inFlight: 0)
        snap.inFlight = max(0, snap.started - snap.completed)
        return snap
    }

    // MARK: - Workers

    final class WorkerState {
        let metrics: WorkerMetrics
        var writer = JSONWriter()
        let reader = JSONReader()
        /// This worker's log buffer (nil when logs are off: nothing is built).
        let sink: CloudWatchLogSink?
        let program: Program
        /// The fast lane, when the program and the log settings allow it.
        let lane: TapeLane?
        var laneLines = 0
        /// When the worker's last line ended (monotonic nanoseconds).
        var clock: UInt64 = 0
        var laneTimingScale = 1
        /// The ARNs' constant parts, built once (string interpolation per line cost
        /// thousands of instructions for every execution that reads `$$`).
        let stateMachineArn: String
        let executionArnPrefix: String
        init(program: Program, sink: CloudWatchLogSink?, stateMachineName: String, backend: any TaskBackend, lane: Bool,
             clock: ClockMode, timeLimit: Int?, runMetrics: RunMetrics) {
            self.program = program
            let laneClock: TapeLane.Clock = clock == .virtual
                ? .virtual(hostLimitSeconds: timeLimit) : .real
            var made: TapeLane? = nil
            if !lane {
                runMetrics.laneUnused(because: "--engine general")
            } else if sink != nil {
                // Logs need every event of every execution: only the general engine emits them.
                runMetrics.laneUnused(because: "execution logs are on")
            } else {
                switch TapeLane.make(program, payloadLimit: ExecutionOptions.payloadLimit, clock: laneClock,
                                     taskResults: { backend.constantFirstResult(stateName: $0, resource: $1) },
                                     executionNamePrefix: BatchRunner.executionNamePrefix) {
                case .success(let l):
                    l.timeStates = true
                    made = l
                case .failure(let why):
                    runMetrics.laneUnused(because: why.description)
                }
            }
            self.lane = made
            let o = ExecutionOptions(executionName: "", stateMachineName: stateMachineName, backend: backend)
            stateMachineArn = o.stateMachineArn
            executionArnPrefix = o.executionArn
            metrics = WorkerMetrics(stateCount: program.code.count); self.sink = sink
        }
    }

    /// One lock per drained worker buffer, never per event.
    let logLock = NSLock()

    func flushLogs(_ ctx: WorkerState) {
        guard let sink = ctx.sink, let fd = config.logFD, !sink.buffer.isEmpty else { return }
        logLock.lock()
        sink.drain { buf in writeAll(fd, UnsafeRawBufferPointer(buf)) }
        logLock.unlock()
    }

    func workerLoop() {
        let sink = (config.logFD != nil && config.logLevel != .off)
            ? CloudWatchLogSink(level: config.logLevel, includeExecutionData: config.includeExecutionData) : nil
        let ctx = WorkerState(program: config.programForWorker?() ?? config.program, sink: sink,
                              stateMachineName: config.stateMachineName, backend: config.backend, lane: config.tapeLane,
                              clock: config.clock, timeLimit: config.executionTimeoutSeconds, runMetrics: metrics)
        while true {
            switch jobs.pop() {
            case .stop: metrics.absorb(ctx.metrics); flushLogs(ctx); return
            case .batch(let b):
                b.inline.grow(b.inputBytes + 64 * b.count)
                ctx.clock = monotonicNanoseconds()
                for slot in 0..<b.count { startLine(b, slot, ctx) }
            case .resume(let list):
                for p in list {
                    p.execution.stateStats = ctx.metrics.stateStats
                    p.execution.eventSink = ctx.sink
                    settle(p.execution.advance(), p, ctx, inline: false)
                }
            }
            metrics.absorb(ctx.metrics)
            flushLogs(ctx)
        }
    }

    func startLine(_ b: LineBatch, _ slot: Int, _ ctx: WorkerState) {
        // One clock read a line: a line starts when the one before it ended.
        let t0 = ctx.clock
        let range = b.ranges[slot]
        let lineNo = b.lineNumbers[slot]
        if let lane = ctx.lane, !range.isEmpty, range.count <= ExecutionOptions.payloadLimit,
           runOnLane(lane, b, slot, t0, ctx) { return }
        let input: JSON
        do {
            if range.isEmpty { throw ASLError(.runtime, "Input line \(lineNo) is empty.") }
            if range.count > ExecutionOptions.payloadLimit {
                throw ASLError(.dataLimitExceeded,
                    "Input line \(lineNo) is \(range.count) bytes, more than the \(ExecutionOptions.payloadLimit)-byte (256 KiB) limit on execution input.")
            }
            do { input = try ctx.reader.parse(buffer: UnsafeBufferPointer(rebasing: b.chunk.buffer[range])) } catch {
                throw ASLError(.runtime, "Input line \(lineNo) is not valid JSON: \(error)")
            }
        } catch {
            finish(ExecutionResult(status: .failed, output: nil, error: error as? ASLError), b, slot, t0, ctx, inline: true)
            return
        }
        var options = ExecutionOptions(
            executionName: BatchRunner.executionNamePrefix + String(lineNo), stateMachineName: config.stateMachineName, clock: config.clock,
            backend: config.backend)
        options.executionTimeoutSeconds = config.executionTimeoutSeconds
        options.objectStore = config.objectStore
        options.inputByteCount = range.count
        options.hostChecksOutputLimit = true
        options.customStateMachineArn = ctx.stateMachineArn
        options.executionArnPrefix = ctx.executionArnPrefix
        let exec = Execution(program: ctx.program, input: input, options: options)
        exec.stateStats = ctx.metrics.stateStats
        exec.eventSink = ctx.sink
        // Set before the first advance: a task may complete on another thread at any time.
        exec.waker = self
        exec.hostData = b
        exec.hostSlot = slot
        exec.hostStartNanos = t0
        settle(exec.advance(), Parked(execution: exec, batch: b, slot: slot, startNanos: t0), ctx, inline: true)
    }

    /// Runs the line on the tape lane and delivers its result; false when the lane handed
    /// the line back (the general engine then runs it from the start).
    func runOnLane(_ lane: TapeLane, _ b: LineBatch, _ slot: Int, _ t0: UInt64, _ ctx: WorkerState) -> Bool {
        lane.lineNumber = b.lineNumbers[slot]
        let input = UnsafeBufferPointer(rebasing: b.chunk.buffer[b.ranges[slot]])
        if slot == b.inlineCount {
            // Straight into the batch's buffer, between the line's head and tail.
            let mark = b.inline.count
            ResultLine.appendSucceededHead(line: b.lineNumbers[slot], to: &b.inline)
            do { try lane.run(line: input, appendingTo: &b.inline) } catch {
                b.inline.truncate(to: mark)
                return false
            }
            b.inline.append("}\n")
            b.inlineCount += 1
        } else {
            guard let output = try? lane.run(line: input) else { return false }
            var line = UnsafeVec<UInt8>(capacity: output.count + 64)
            defer { line.free() }
            ResultLine.appendSucceededHead(line: b.lineNumbers[slot], to: &line)
            line.append(output)
            line.append("}\n")
            b.results[slot] = Array(line.buffer)
        }
        let t1 = monotonicNanoseconds()
        let stats = ctx.metrics.stateStats
        let trail = lane.trail, times = lane.trailTimes
        for k in trail.indices {
            let pc = Int(trail[k])
            stats.enteredCounts[pc] += 1
            if k < times.count {
                stats.nanosSpent[pc] &+= ((k + 1 < times.count ? times[k + 1] : t1) &- times[k]) &* UInt64(ctx.laneTimingScale)
            }
        }
        // Per-state times: every line at first, then one line in 16 counted 16 times (the
        // clock reads were 4% of a pass-choice run).
        ctx.laneLines += 1
        ctx.metrics.laneExecutions += 1
        if ctx.laneLines >= 4096 {
            ctx.laneTimingScale = 16
            lane.timeStates = ctx.laneLines % 16 == 0
        }
        account(.succeeded, b, t0, t1, ctx)
        return true
    }

    /// `inline`: called from the batch's own loop (see `LineBatch.inline`).
    func settle(_ a: Advance, _ p: Parked, _ ctx: WorkerState, inline: Bool) {
        switch a {
        case .finished(let r): finish(r, p.batch, p.slot, p.startNanos, ctx, inline: inline)
        case .waitUntil(let t): timers.park(p, until: t); ctx.clock = monotonicNanoseconds()
        case .waitForTasks(let until):
            if let until { timers.park(p, until: until) }
            ctx.clock = monotonicNanoseconds()
        }
    }

    /// A task completed for a parked execution (called on the backend's thread).
    public func wake(_ execution: Execution) {
        guard let b = execution.hostData as? LineBatch else { return }
        jobs.push(.resume([Parked(execution: execution, batch: b, slot: execution.hostSlot, startNanos: execution.hostStartNanos)]))
    }

    func finish(_ r: ExecutionResult, _ b: LineBatch, _ slot: Int, _ t0: UInt64, _ ctx: WorkerState, inline: Bool) {
        var r = r
        // The worker's writer is written in place (a copy of it would make its buffer
        // shared, and clearing a shared buffer allocates a new one for every line).
        ctx.writer.bytes.removeAll(keepingCapacity: true)
        let outputBytes = ResultLine.write(line: b.lineNumbers[slot], r, into: &ctx.writer)
        if r.status == .succeeded, outputBytes > ExecutionOptions.payloadLimit {
            // The execution left this check to us (hostChecksOutputLimit).
            r = ExecutionResult(status: .failed, output: nil, error: Execution.outputLimitError(ctx.program))
            ctx.writer.bytes.removeAll(keepingCapacity: true)
            ResultLine.write(line: b.lineNumbers[slot], r, into: &ctx.writer)
        }
        if inline && slot == b.inlineCount {
            ctx.writer.bytes.withUnsafeBufferPointer { b.inline.append($0) }
            b.inlineCount += 1
        } else {
            // The batch keeps an exact-size copy of the line; the writer keeps its buffer.
            b.results[slot] = ctx.writer.bytes.withUnsafeBufferPointer { src in
                [UInt8](unsafeUninitializedCapacity: src.count) { buf, n in n = buf.initialize(fromContentsOf: src) }
            }
        }
        account(r.status, b, t0, monotonicNanoseconds(), ctx)
    }

    /// Counts a line whose result the batch holds, and hands the batch to the writer
    /// when it was the last.
    func account(_ status: ExecutionStatus, _ b: LineBatch, _ t0: UInt64, _ t1: UInt64, _ ctx: WorkerState) {
        ctx.metrics.record(status: status, latencyNanos: t1 &- t0)
        ctx.clock = t1
        if status != .succeeded {
            let n = failures.add(1, ordering: .relaxed).newValue
            if let max = config.maxFailures, n > max { stop.store(true, ordering: .relaxed) }
        }
        if b.finishedOne() { writer.submit(b) }
    }
}

/// The shape of one result line.
public enum ResultLine {
    /// Writes the line; returns the byte length of the output it wrote (0 for a failure).
    @discardableResult
    public static func write(line: Int, _ r: ExecutionResult, into w: inout JSONWriter) -> Int {
        var outputBytes = 0
        w.bytes.append(contentsOf: #"{"line":"#.utf8)
        w.bytes.append(contentsOf: String(line).utf8)
        switch r.status {
        case .succeeded:
            w.bytes.append(contentsOf: #","status":"SUCCEEDED","output":"#.utf8)
            let start = w.bytes.count
            w.write(r.output ?? .null)
            outputBytes = w.bytes.count - start
        case .failed, .timedOut, .aborted:
            w.bytes.append(contentsOf: #","status":""#.utf8)
            w.bytes.append(contentsOf: r.status.rawValue.utf8)
            w.bytes.append(contentsOf: #"","error":"#.utf8)
            w.write(r.error?.name.map { .string($0.rawValue) } ?? .null)
            w.bytes.append(contentsOf: #","cause":"#.utf8)
            w.write(r.error?.cause.map { .string($0) } ?? .null)
        }
        w.bytes.append(contentsOf: "}\n".utf8)
        return outputBytes
    }

    /// Appends `{"line":N,"status":"SUCCEEDED","output":` (the output and `}\n` follow).
    static func appendSucceededHead(line: Int, to bytes: inout UnsafeVec<UInt8>) {
        bytes.append(#"{"line":"#)
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // room for 24 ASCII digits
        withUnsafeMutableBytes(of: &digits) { d in
            var v = line, k = d.count
            repeat { k -= 1; d[k] = UInt8(ascii: "0") + UInt8(v % 10); v /= 10 } while v > 0
            bytes.append(d.baseAddress! + k, d.count - k)
        }
        bytes.append(#","status":"SUCCEEDED","output":"#)
    }
}
