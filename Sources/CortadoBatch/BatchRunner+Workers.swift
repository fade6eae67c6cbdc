import CortadoASL
import CortadoJSON
import CortadoPath
import CortadoRuntime
import CortadoTape
import Foundation
import Synchronization

/// The batch runner's workers: each takes batches of lines from the job queue and runs
/// every line on the tape lane or the general engine, parks those that wait, and accounts
/// for each line that ends (its result into the batch, its figures into the metrics and the
/// worker's observer).
extension BatchRunner {
    /// Starts the workers (one serial Dispatch queue each, with its own metrics and buffers)
    /// and the timer thread that wakes parked executions.
    public func startWorkers() {
        precondition(workerGroup == nil, "the workers are running")
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
        workerGroup = group
        self.timerThread = timerThread
    }

    /// Hands lines to the workers, instead of an events file (a load test's arrivals): line
    /// `k` is `chunk`'s bytes `ranges[k]`, named by `lineNumbers[k]`, its latency measured
    /// from `due[k]` (monotonic nanoseconds). They run as `run` runs lines (tape lane, general
    /// engine, parking); their results reach only the observers (`observerForWorker`).
    /// Call it from any thread, between `startWorkers` and `stopWorkers`.
    public func submit(_ chunk: InputChunk, ranges: [Range<Int>], lineNumbers: [Int], due: [UInt64]) {
        precondition(ranges.count == lineNumbers.count && due.count == ranges.count)
        guard !ranges.isEmpty else { return }
        // (No writer orders fed batches: their index is unused.)
        let b = LineBatch(index: 0, chunk: chunk, lineNumbers: lineNumbers, ranges: ranges,
                          lastLine: lineNumbers[lineNumbers.count - 1], due: due)
        metrics.addStarted(b.count)
        jobs.push(.batch(b))
    }

    /// Stops the workers once every job handed to them is done (a fed run: once its
    /// observers have seen every line end), and the timer thread.
    public func stopWorkers() {
        guard let group = workerGroup else { return }
        for _ in 0..<config.workers { jobs.push(.stop) }
        group.wait()
        timers.shutdown()
        workerGroup = nil
        timerThread = nil
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
        /// Lines started on the lane (their per-state times are sampled: see `runOnLane`).
        var laneLines = 0
        /// When the worker's last line ended (monotonic nanoseconds).
        var clock: UInt64 = 0
        /// Sees every line this worker finishes (`BatchConfig.observerForWorker`).
        let observer: (any LineObserver)?
        /// Writes the events of the lines the lane runs, when every state is logged.
        let runLog: LinearRunLog?
        /// Counts them, to word an error a lane's state raised (`LinearRunLog.qualified`).
        let eventLog: LinearRunLog?
        /// The JSON text of the value last logged (`logLaneRun`).
        var logText = UnsafeVec<UInt8>(capacity: 1024)
        var logTextValue: Int32 = -1
        deinit { logText.free() }
        /// The ARNs' constant parts, built once (string interpolation per line cost
        /// thousands of instructions for every execution that reads `$$`).
        let stateMachineArn: String
        let executionArnPrefix: String
        /// The ARN of a line's execution without the line's number (its name's prefix too).
        let lineArnPrefix: String
        init(program: Program, sink: CloudWatchLogSink?, stateMachineName: String, backend: any TaskBackend, lane: Bool,
             clock: ClockMode, timeLimit: Int?, executionNamePrefix: String, observer: (any LineObserver)?,
             runMetrics: RunMetrics) {
            self.program = program
            self.observer = observer
            // On a real clock this runner parks a line the lane parks (`resumeOnLane`).
            let laneClock: TapeLane.Clock = clock == .virtual
                ? .virtual(hostLimitSeconds: timeLimit) : .parking(hostLimitSeconds: timeLimit)
            var made: TapeLane? = nil
            // A line's events are written from the lane's record of it (`LinearRunLog`):
            // every line's at level ALL (the lane then takes Map and Parallel states only
            // where their children do not wait); at ERROR and FATAL only a line with a
            // failure on the way has events to log (and failed children stay on the lane only
            // where children run one after another).
            let logsEveryState = sink?.level == .all
            let o = ExecutionOptions(executionName: "", stateMachineName: stateMachineName, backend: backend)
            if !lane {
                runMetrics.laneUnused(because: "--engine general")
            } else {
                switch TapeLane.make(program, payloadLimit: ExecutionOptions.payloadLimit, clock: laneClock,
                                     taskResults: { backend.constantOutcome(stateName: $0, resource: $1, attempt: $2) },
                                     taskCalls: BatchRunner.taskCalls(backend, o, executionNamePrefix: executionNamePrefix),
                                     executionNamePrefix: executionNamePrefix,
                                     constants: TapeLane.ExecutionConstants(
                                        executionArnPrefix: o.executionArn, stateMachineArn: o.stateMachineArn,
                                        stateMachineName: stateMachineName, roleArn: o.roleArn, redriveCount: o.redriveCount),
                                     logsEveryState: logsEveryState,
                                     handlesFailures: true, logged: sink != nil) {
                case .success(let l):
                    l.timeStates = true
                    l.recordsValues = sink != nil
                    made = l
                case .failure(let why):
                    runMetrics.laneUnused(because: why.description)
                }
            }
            self.lane = made
            stateMachineArn = o.stateMachineArn
            executionArnPrefix = o.executionArn
            lineArnPrefix = o.executionArn + executionNamePrefix
            eventLog = made != nil ? LinearRunLog(program: program, options: o) : nil
            if let lane = made { eventLog?.wordsErrors(of: lane) }
            runLog = sink != nil ? eventLog : nil
            metrics = WorkerMetrics(stateCount: program.code.count, recordsVisits: observer != nil); self.sink = sink
        }
    }

    func flushLogs(_ ctx: WorkerState) { flushLogs(ctx.sink) }

    func flushLogs(_ sink: CloudWatchLogSink?) {
        guard let sink, let fd = config.logFD, !sink.buffer.isEmpty else { return }
        logLock.lock()
        sink.drain { buf in writeAll(fd, UnsafeRawBufferPointer(buf)) }
        logLock.unlock()
    }

    func workerLoop() {
        let sink = (config.logFD != nil && config.logLevel != .off)
            ? CloudWatchLogSink(level: config.logLevel, includeExecutionData: config.includeExecutionData) : nil
        // An execution of the general engine that parks may resume on another worker, which
        // writes its later events: those it has here go first. (The lane writes a line's
        // events when it ends.)
        if let sink { sink.beforePark = { [unowned self, unowned sink] in self.flushLogs(sink) } }
        let ctx = WorkerState(program: config.programForWorker?() ?? config.program, sink: sink,
                              stateMachineName: config.stateMachineName, backend: config.backend, lane: config.tapeLane,
                              clock: config.clock, timeLimit: config.executionTimeoutSeconds,
                              executionNamePrefix: config.executionNamePrefix, observer: config.observerForWorker?(),
                              runMetrics: metrics)
        while true {
            switch jobs.pop() {
            case .stop: ctx.observer?.flush(ctx.metrics.stateStats); metrics.absorb(ctx.metrics); flushLogs(ctx); return
            case .batch(let b):
                b.inline.grow(b.inputBytes + 64 * b.count)
                ctx.clock = monotonicNanoseconds()
                for slot in 0..<b.count { startLine(b, slot, ctx) }
            case .resume(let list):
                resume(list, ctx)
            case .resumeAnswered:
                var taken: [(Parked, ParkingLot.Ticket)] = []
                answered.withLock { swap(&$0, &taken) }
                timers.cancel(taken.map(\.1))
                resume(taken.map(\.0), ctx)
            }
            ctx.observer?.flush(ctx.metrics.stateStats)
            metrics.absorb(ctx.metrics)
            flushLogs(ctx)
        }
    }

    func resume(_ list: [Parked], _ ctx: WorkerState) {
        for p in list {
            switch p.waiting {
            case .execution(let e):
                e.stateStats = ctx.metrics.stateStats
                e.eventSink = ctx.sink
                let order = Self.ticket(p)?.advanced() ?? 0
                settle(e.advance(), p, ctx, inline: false, order: order)
            case .lane(let s):
                resumeOnLane(s, p, ctx)
            }
        }
    }

    /// A lane line's awaited Task answer came (any thread): it joins those a worker will
    /// take together (`answered`), its timer let go then.
    func resumeAnswered(_ p: Parked, _ ticket: ParkingLot.Ticket) {
        let first = answered.withLock { list -> Bool in
            list.append((p, ticket))
            return list.count == 1
        }
        if first { jobs.push(.resumeAnswered) }
    }

    func startLine(_ b: LineBatch, _ slot: Int, _ ctx: WorkerState) {
        // One clock read a line: a line starts when the one before it ended (a fed line
        // when it was due).
        let t0 = b.due.isEmpty ? ctx.clock : b.due[slot]
        let range = b.ranges[slot]
        if let lane = ctx.lane, !range.isEmpty, range.count <= ExecutionOptions.payloadLimit {
            if runOnLane(lane, b, slot, t0, ctx) { return }
            startOnGeneralEngine(b, slot, t0, ctx, replaying: lane.madeCalls)
            return
        }
        startOnGeneralEngine(b, slot, t0, ctx)
    }

    /// Runs the line on the general engine from its start (parking it when it waits); the
    /// calls the lane made of it before it handed it back are answered as they were
    /// (`ReplayedCalls`).
    func startOnGeneralEngine(_ b: LineBatch, _ slot: Int, _ t0: UInt64, _ ctx: WorkerState, replaying calls: [AwaitedCall] = []) {
        let range = b.ranges[slot]
        let lineNo = b.lineNumbers[slot]
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
            executionName: config.executionNamePrefix + String(lineNo), stateMachineName: config.stateMachineName, clock: config.clock,
            backend: calls.isEmpty ? config.backend : ReplayedCalls(calls, backend: config.backend, virtualClock: config.clock == .virtual))
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
        let ticket = ParkingLot.Ticket()
        exec.hostTimer = ticket
        let order = ticket.advanced()
        settle(exec.advance(), Parked(waiting: .execution(exec), batch: b, slot: slot, startNanos: t0), ctx, inline: true, order: order)
    }

    /// Runs the line on the tape lane and delivers its result (or parks it); false when the
    /// lane handed the line back (the general engine then runs it from the start).
    func runOnLane(_ lane: TapeLane, _ b: LineBatch, _ slot: Int, _ t0: UInt64, _ ctx: WorkerState) -> Bool {
        lane.lineNumber = b.lineNumbers[slot]
        // Per-state times: every line at first, then one line in 16 counted 16 times (the
        // clock reads were 4% of a pass-choice run). A parked line keeps its line's choice.
        ctx.laneLines += 1
        if ctx.laneLines > 4096 {
            lane.timeScale = 16
            lane.timeStates = ctx.laneLines % 16 == 0
        }
        let input = UnsafeBufferPointer(rebasing: b.chunk.buffer[b.ranges[slot]])
        return laneLine(lane, b, slot, t0, ctx, inline: true) { (out: inout UnsafeVec<UInt8>) throws(Bail) in
            try lane.run(line: input, appendingTo: &out)
        }
    }

    /// A line the lane parked: its time (or its Task's answer) has come, and it goes on on
    /// this worker's lane (or, handed back, on the general engine from its start: its calls'
    /// answers are given again, not asked for, but it waits again).
    func resumeOnLane(_ parked: TapeLane.Suspension, _ p: Parked, _ ctx: WorkerState) {
        let b = p.batch
        let input = UnsafeBufferPointer(rebasing: b.chunk.buffer[b.ranges[p.slot]])
        if let lane = ctx.lane, laneLine(lane, b, p.slot, p.startNanos, ctx, inline: false, { (out: inout UnsafeVec<UInt8>) throws(Bail) in
            try lane.resume(parked, line: input, appendingTo: &out)
        }) { return }
        // (The lane's calls start with the parked line's, unless it went back before it took
        // them up: then the parked line's.)
        let made = ctx.lane?.madeCalls ?? []
        startOnGeneralEngine(b, p.slot, p.startNanos, ctx, replaying: made.count >= parked.madeCalls.count ? made : parked.madeCalls)
    }

    /// Runs (`run`) a line's execution on the lane into its result line and accounts for it,
    /// or parks it where it waits; false when the lane handed it back. `inline`: called from
    /// the batch's own loop (see `LineBatch.inline`).
    func laneLine(_ lane: TapeLane, _ b: LineBatch, _ slot: Int, _ t0: UInt64, _ ctx: WorkerState, inline: Bool,
                  _ run: (inout UnsafeVec<UInt8>) throws(Bail) -> TapeLane.LineEnd) -> Bool {
        let end: TapeLane.LineEnd
        if inline && slot == b.inlineCount {
            // Straight into the batch's buffer, between the line's head and tail.
            let mark = b.inline.count
            ResultLine.appendSucceededHead(line: b.lineNumbers[slot], to: &b.inline)
            do { end = try run(&b.inline) } catch {
                b.inline.truncate(to: mark)
                return false
            }
            if end == .succeeded {
                b.inline.append("}\n")
                b.inlineCount += 1
            } else {
                b.inline.truncate(to: mark)
            }
        } else {
            var line = UnsafeVec<UInt8>(capacity: b.ranges[slot].count + 64)
            defer { line.free() }
            ResultLine.appendSucceededHead(line: b.lineNumbers[slot], to: &line)
            do { end = try run(&line) } catch { return false }
            if end == .succeeded {
                line.append("}\n")
                b.results[slot] = Array(line.buffer)
            }
        }
        if case .waits(let ms) = end {
            // It parks on the timer heap with what it still needs; counted when it ends. One
            // waiting for a Task's answer is resumed by that answer, or by the timer at its
            // deadline, whichever claims it first.
            let suspension = lane.suspend()
            let p = Parked(waiting: .lane(suspension), batch: b, slot: slot, startNanos: t0)
            if let call = suspension.awaiting {
                // (Its timer at the call's deadline, which heartbeats move: `AwaitedCall`.)
                let ticket = ParkingLot.Ticket()
                // (A later deadline is the later park: heartbeats only move it on.)
                let answered = call.arm(resume: { [self] in resumeAnswered(p, ticket) },
                                        moved: { [timers] at in timers.park(p, until: at, ticket: ticket, order: UInt64(at)) })
                if !answered, let at = call.deadlineAt { timers.park(p, until: at, ticket: ticket, order: UInt64(at)) }
            } else {
                timers.park(p, until: wallClockMilliseconds() + Int64(ms))
            }
            ctx.metrics.laneParks += 1
            ctx.clock = monotonicNanoseconds()
            return true
        }
        let succeeded = end == .succeeded
        let t1 = monotonicNanoseconds()
        let stats = ctx.metrics.stateStats
        let trail = lane.trail, times = lane.trailTimes
        for k in trail.indices {
            let pc = Int(trail[k])
            stats.enteredCounts[pc] += 1
            if k < times.count {
                let spent = (k + 1 < times.count ? times[k + 1] : t1) &- times[k]
                stats.nanosSpent[pc] &+= spent &* UInt64(lane.timeScale)
                if stats.recordsVisits { stats.visits.append((pc: Int32(pc), nanos: spent)) }
            }
        }
        ctx.metrics.laneExecutions += 1
        var failure = succeeded ? nil : lane.lastFailure
        if let e = failure, lane.failedByState, let qualified = lane.qualifier {
            // An error the line's last state raised: in AWS's words, with that state's event.
            failure = qualified(e)
        }
        if let log = ctx.runLog, let sink = ctx.sink, sink.level == .all || lane.sawFailure {
            logLaneRun(lane, log, sink, line: b.lineNumbers[slot], failure: failure, ctx)
        }
        if let failure {
            finish(ExecutionResult(status: .failed, output: nil, error: failure), b, slot, t0, ctx, inline: true)
            return true
        }
        account(.succeeded, error: nil, b, slot, t0, t1, ctx)
        return true
    }

    /// Writes the events of the line the lane just ran (`LinearRunLog`): each value's JSON
    /// is written once even where one state's output is the next one's input.
    func logLaneRun(_ lane: TapeLane, _ log: LinearRunLog, _ sink: CloudWatchLogSink, line: Int, failure: ASLError?,
                    _ ctx: WorkerState) {
        ctx.logTextValue = -1
        log.record(into: sink, executionArn: ctx.lineArnPrefix + String(line),
                   timestamp: wallClockMilliseconds(), states: lane.trail, values: { lane.trailValues($0) },
                   taskAttempts: { lane.taskAttempts($0) }, iterations: { lane.iterations($0) },
                   assigned: { k in
                       let o = lane.assignedVariables(k)
                       guard o >= 0, case .object(let vars)? = lane.json(o) else { return nil }
                       return vars
                   },
                   failedChild: { lane.failedChild($0) }, attemptParameters: { lane.attemptParameters($0, $1) },
                   input: lane.lineValue, output: lane.resultValue, failure: failure, raised: lane.failedByState,
                   failedOnEntry: lane.failedOnEntry,
                   // (A line that waited has its events' times: a parked one's span its waits.)
                   eventTime: lane.waited ? { lane.eventTime($0, phase: $1) } : nil,
                   waitsPerAttempt: { lane.waitsPerAttempt($0) }) { v in
            if v != ctx.logTextValue {
                ctx.logText.truncate(to: 0)
                lane.write(v, into: &ctx.logText)
                ctx.logTextValue = v
            }
            return LogText(ctx.logText.buffer)
        }
    }

    /// `inline`: called from the batch's own loop (see `LineBatch.inline`).
    /// `order`: the advance's (`ParkingLot.Ticket.advanced`), taken before it ran.
    func settle(_ a: Advance, _ p: Parked, _ ctx: WorkerState, inline: Bool, order: UInt64) {
        switch a {
        case .finished(let r): finish(r, p.batch, p.slot, p.startNanos, ctx, inline: inline)
        case .waitUntil(let t): timers.park(p, until: t, ticket: Self.ticket(p), order: order); ctx.clock = monotonicNanoseconds()
        case .waitForTasks(let until):
            if let until { timers.park(p, until: until, ticket: Self.ticket(p), order: order) }
            ctx.clock = monotonicNanoseconds()
        }
    }

    /// A task completed for a parked execution (called on the backend's thread).
    public func wake(_ execution: Execution) {
        guard let b = execution.hostData as? LineBatch else { return }
        if let t = execution.hostTimer as? ParkingLot.Ticket { timers.cancel([t]) }
        jobs.push(.resume([Parked(waiting: .execution(execution), batch: b, slot: execution.hostSlot,
                                  startNanos: execution.hostStartNanos)]))
    }

    /// Tasks completed together (a worker process's answers read at once): one job per
    /// worker thread, pushed under one lock, instead of a job and a wake-up per execution.
    public func wake(all executions: [Execution]) {
        var parked: [Parked] = []
        parked.reserveCapacity(executions.count)
        var tickets: [ParkingLot.Ticket] = []
        for e in executions {
            guard let b = e.hostData as? LineBatch else { continue }
            parked.append(Parked(waiting: .execution(e), batch: b, slot: e.hostSlot, startNanos: e.hostStartNanos))
            if let t = e.hostTimer as? ParkingLot.Ticket { tickets.append(t) }
        }
        guard !parked.isEmpty else { return }
        timers.cancel(tickets)
        let parts = min(config.workers, parked.count)
        let size = (parked.count + parts - 1) / parts
        jobs.push(contentsOf: stride(from: 0, to: parked.count, by: size).map {
            .resume(Array(parked[$0..<min($0 + size, parked.count)]))
        })
    }

    /// A parked execution's timer ticket (`ParkingLot.Ticket`): a task's answer cancels it.
    static func ticket(_ p: Parked) -> ParkingLot.Ticket? {
        guard case .execution(let e) = p.waiting else { return nil }
        return e.hostTimer as? ParkingLot.Ticket
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
        account(r.status, error: r.error?.name?.rawValue, b, slot, t0, monotonicNanoseconds(), ctx)
    }

    /// Counts a line whose result the batch holds, and hands the batch to the writer
    /// when it was the last.
    func account(_ status: ExecutionStatus, error: String?, _ b: LineBatch, _ slot: Int, _ t0: UInt64, _ t1: UInt64,
                 _ ctx: WorkerState) {
        ctx.metrics.record(status: status, latencyNanos: t1 &- t0)
        ctx.observer?.lineEnded(line: b.lineNumbers[slot], status: status, error: error, startNanos: t0, endNanos: t1)
        ctx.clock = t1
        if status != .succeeded {
            let n = failures.add(1, ordering: .relaxed).newValue
            if let max = config.maxFailures, n > max { stop.store(true, ordering: .relaxed) }
        }
        if b.finishedOne() { writer?.submit(b) }
    }
}
