import CortadoJSON
import CortadoPath
import CortadoRuntime
import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs Task states in long-lived worker processes (any language) that speak JSON lines:
/// one request per line on the worker's stdin, one answer per line on its stdout, in any
/// order (see `WorkerProtocol` and examples/workers/example_worker.py for the format).
///
/// - Many tasks are in flight per process; a new task goes to the least-loaded process.
///   When every process has `maxInFlightPerProcess` in flight, tasks wait in the pool and
///   are sent as answers free slots.
/// - A worker that exits is restarted (with a back-off when it keeps dying young); its
///   in-flight tasks fail with `States.TaskFailed`, so Retry applies.
/// - Lines that are not JSON or carry no id are reported on stderr and ignored (the task
///   then runs into its TimeoutSeconds). Worker stderr passes through to Cortado's stderr.
/// - `invoke` never waits for a worker: it encodes the request, hands it to the process's
///   writer thread (or the queue) and returns `.pending`.
///
/// Call `shutdown()` when done: it closes the workers' stdins and reaps them.
public final class SubprocessWorkerPool: TaskBackend, @unchecked Sendable {
    /// The argv run for each worker (`/bin/sh -c CMD` for a shell command).
    public let command: [String]
    public let processes: Int
    public let maxInFlightPerProcess: Int
    /// How the command appears in causes and diagnostics.
    let displayCommand: String
    private let environment: [String]?
    private let shutdownGrace: Double

    // Everything below is guarded by `lock`.
    private let lock = NSCondition()
    private var slots: [Slot] = []
    private var queue: [Queued] = []
    private var queueHead = 0
    private var shuttingDown = false
    private var restarts = 0
    private var supervisorsRunning = 0
    private let nextID = Atomic<UInt64>(0)

    /// One of the `processes` positions; its process is replaced when it dies.
    /// Mutable state guarded by the pool's lock.
    private final class Slot: @unchecked Sendable {
        let index: Int
        var worker: Worker?
        var inFlight: [UInt64: TaskCompletion] = [:]
        init(index: Int) { self.index = index }
    }

    /// One running process and the writer feeding its stdin. Mutable state guarded by the
    /// pool's lock.
    private final class Worker: @unchecked Sendable {
        let child: ChildProcess
        let startedNanos = DispatchTime.now().uptimeNanoseconds
        var outbox: [[UInt8]] = []
        /// The writer sends what is queued, closes stdin and exits.
        var closing = false
        /// Shutdown: SIGKILL the process if it is still running at this uptime (ns).
        var killAtNanos: UInt64?
        let wake = DispatchSemaphore(value: 0)
        let writerDone = DispatchSemaphore(value: 0)
        init(_ child: ChildProcess) { self.child = child }
    }

    private struct Queued {
        let id: UInt64
        let line: [UInt8]
        let completion: TaskCompletion
    }

    /// Starts `processes` workers running `/bin/sh -c shellCommand`.
    public convenience init(shellCommand: String, processes: Int = 1, maxInFlightPerProcess: Int = 64,
                            environment: [String: String]? = nil, shutdownGrace: Double = 5) throws(StartError) {
        try self.init(command: ["/bin/sh", "-c", shellCommand], processes: processes,
                      maxInFlightPerProcess: maxInFlightPerProcess, environment: environment,
                      shutdownGrace: shutdownGrace, displayCommand: shellCommand)
    }

    /// Starts `processes` workers running `command` (argv; `command[0]` is looked up on PATH
    /// unless it contains a slash).
    /// - Parameters:
    ///   - environment: variables added to (or overriding) Cortado's own environment.
    ///   - shutdownGrace: seconds `shutdown()` lets a worker finish after its stdin closes
    ///     before killing it.
    /// - Throws: `StartError` when a process cannot be spawned (no such program, …).
    public convenience init(command: [String], processes: Int = 1, maxInFlightPerProcess: Int = 64,
                            environment: [String: String]? = nil, shutdownGrace: Double = 5) throws(StartError) {
        try self.init(command: command, processes: processes, maxInFlightPerProcess: maxInFlightPerProcess,
                      environment: environment, shutdownGrace: shutdownGrace,
                      displayCommand: command.joined(separator: " "))
    }

    private init(command: [String], processes: Int, maxInFlightPerProcess: Int, environment: [String: String]?,
                 shutdownGrace: Double, displayCommand: String) throws(StartError) {
        self.command = command
        self.processes = max(1, processes)
        self.maxInFlightPerProcess = max(1, maxInFlightPerProcess)
        self.displayCommand = displayCommand
        self.shutdownGrace = max(0, shutdownGrace)
        if let environment {
            var merged = ProcessInfo.processInfo.environment
            for (k, v) in environment { merged[k] = v }
            self.environment = merged.map { "\($0.key)=\($0.value)" }.sorted()
        } else {
            self.environment = nil
        }
        var children: [ChildProcess] = []
        for _ in 0..<self.processes {
            do {
                children.append(try ChildProcess.spawn(argv: command, environment: self.environment))
            } catch {
                for c in children {
                    close(c.stdinFD)
                    close(c.stdoutFD)
                    _ = c.reap(grace: 1)
                }
                throw StartError("Cannot start worker '\(displayCommand)': \(error.message)")
            }
        }
        slots = (0..<self.processes).map(Slot.init)
        supervisorsRunning = self.processes
        for (slot, child) in zip(slots, children) {
            let worker = startWorker(child, in: slot)
            let t = Thread { [self] in self.supervise(slot, first: worker) }
            t.stackSize = 1 << 20
            t.name = "cortado-worker-\(slot.index)"
            t.start()
        }
    }

    // MARK: - TaskBackend

    public func invoke(_ request: TaskRequest) -> TaskOutcome {
        let id = nextID.wrappingAdd(1, ordering: .relaxed).newValue
        let line = WorkerProtocol.encode(request, id: id)
        lock.lock()
        defer { lock.unlock() }
        if shuttingDown {
            return .failure(ASLError(.taskFailed, "The worker pool for '\(displayCommand)' is shut down."))
        }
        let item = Queued(id: id, line: line, completion: request.completion)
        if queueHead == queue.count, let slot = leastLoadedSlot() {
            send(item, to: slot)
        } else {
            queue.append(item)
        }
        return .pending
    }

    // MARK: - Monitoring and shutdown

    public var stats: Stats {
        lock.lock()
        defer { lock.unlock() }
        return Stats(processIDs: slots.compactMap { $0.worker?.child.pid },
                     inFlight: slots.reduce(0) { $0 + $1.inFlight.count },
                     queued: queue.count - queueHead, restarts: restarts)
    }

    /// Fails queued tasks, closes every worker's stdin, lets workers answer what they have in
    /// flight (killing those still running after `shutdownGrace` seconds), and reaps them.
    /// Tasks still unanswered fail with States.TaskFailed. Idempotent; returns when every
    /// worker has been reaped.
    public func shutdown() {
        lock.lock()
        var dropped: [Queued] = []
        if !shuttingDown {
            shuttingDown = true
            dropped = Array(queue[queueHead...])
            queue = []
            queueHead = 0
            let killAt = DispatchTime.now().uptimeNanoseconds + UInt64(shutdownGrace * 1e9)
            for slot in slots {
                guard let w = slot.worker else { continue }
                w.closing = true
                w.killAtNanos = killAt
                w.wake.signal()
            }
            lock.broadcast()
        }
        lock.unlock()
        for q in dropped {
            q.completion.complete(.failure(ASLError(.taskFailed,
                "The worker pool for '\(displayCommand)' shut down before task \(q.id) was sent.")))
        }
        lock.lock()
        while supervisorsRunning > 0 { lock.wait() }
        lock.unlock()
    }

    // MARK: - Dispatch (lock held)

    private func leastLoadedSlot() -> Slot? {
        var best: Slot?
        for s in slots {
            guard let w = s.worker, !w.closing, s.inFlight.count < maxInFlightPerProcess else { continue }
            if best == nil || s.inFlight.count < best!.inFlight.count { best = s }
        }
        return best
    }

    private func send(_ item: Queued, to slot: Slot) {
        let w = slot.worker!
        slot.inFlight[item.id] = item.completion
        // The writer is woken when its outbox fills; until it takes the outbox, later lines
        // join the same write (one wake-up and one pipe write for many requests).
        let wasEmpty = w.outbox.isEmpty
        w.outbox.append(item.line)
        if wasEmpty { w.wake.signal() }
    }

    /// Sends queued tasks while some process has a free slot.
    private func dispatchQueued() {
        while queueHead < queue.count, let slot = leastLoadedSlot() {
            send(queue[queueHead], to: slot)
            queueHead += 1
        }
        if queueHead == queue.count {
            if !queue.isEmpty { queue.removeAll(keepingCapacity: queue.count <= 4096) }
            queueHead = 0
        } else if queueHead >= 1024, queueHead * 2 >= queue.count {
            queue.removeFirst(queueHead)
            queueHead = 0
        }
    }

    // MARK: - Supervisor (one thread per slot)

    /// Starts the stdin writer for a freshly spawned `child` and puts it in `slot`.
    private func startWorker(_ child: ChildProcess, in slot: Slot) -> Worker {
        let worker = Worker(child)
        let writer = Thread { [self] in self.runWriter(worker) }
        writer.stackSize = 1 << 19
        writer.name = "cortado-worker-\(slot.index)-stdin"
        writer.start()
        lock.lock()
        if shuttingDown {
            worker.closing = true
            worker.killAtNanos = DispatchTime.now().uptimeNanoseconds + UInt64(shutdownGrace * 1e9)
        }
        slot.worker = worker
        dispatchQueued()
        lock.unlock()
        worker.wake.signal()
        return worker
    }

    private func supervise(_ slot: Slot, first: Worker) {
        var current: Worker? = first
        var backoff = 0.1
        while true {
            if current == nil {
                do {
                    current = startWorker(try ChildProcess.spawn(argv: command, environment: environment), in: slot)
                } catch {
                    reportToStderr("worker \(slot.index): cannot restart '\(displayCommand)': \(error.message)")
                    failQueueIfNoWorkerIsRunning("Cannot start worker '\(displayCommand)': \(error.message)")
                    if !pause(backoff) { break }
                    backoff = min(backoff * 2, 5)
                    continue
                }
            }
            let worker = current!
            current = nil

            readAnswers(worker, slot)

            // Stdout closed: the process exited (or will be killed after a grace period).
            let status = worker.child.reap(grace: 2)
            lock.lock()
            slot.worker = nil
            worker.closing = true
            worker.outbox.removeAll()
            let lost = slot.inFlight.sorted { $0.key < $1.key }
            slot.inFlight = [:]
            let down = shuttingDown
            if !down { restarts += 1 }
            dispatchQueued()
            lock.unlock()
            worker.wake.signal()
            worker.writerDone.wait()
            close(worker.child.stdoutFD)

            let pid = worker.child.pid
            for (id, completion) in lost {
                let cause = down
                    ? "Worker process '\(displayCommand)' (pid \(pid)) ended (\(status)) at shutdown before answering task \(id)."
                    : "Worker process '\(displayCommand)' (pid \(pid)) ended (\(status)) while running task \(id)."
                completion.complete(.failure(ASLError(.taskFailed, cause)))
            }
            if down { break }

            let lived = Double(DispatchTime.now().uptimeNanoseconds - worker.startedNanos) / 1e9
            let delay: Double
            if lived >= 2 {
                delay = 0
                backoff = 0.1
            } else {
                delay = backoff
                backoff = min(backoff * 2, 5)
            }
            reportToStderr("worker process '\(displayCommand)' (pid \(pid)) ended (\(status))"
                + (lost.isEmpty ? "" : ", failing \(lost.count) task(s) in flight")
                + "; restarting" + (delay > 0 ? " in \(delay)s" : ""))
            if delay > 0, !pause(delay) { break }
        }
        lock.lock()
        supervisorsRunning -= 1
        lock.broadcast()
        lock.unlock()
    }

    /// Waits `seconds` unless shutdown starts; false when shutting down.
    private func pause(_ seconds: Double) -> Bool {
        let deadline = Date(timeIntervalSinceNow: seconds)
        lock.lock()
        defer { lock.unlock() }
        while !shuttingDown {
            if !lock.wait(until: deadline) { break }
        }
        return !shuttingDown
    }

    /// When no process runs and the command cannot be spawned, queued tasks would wait
    /// forever: fail them.
    private func failQueueIfNoWorkerIsRunning(_ cause: String) {
        lock.lock()
        var dropped: [Queued] = []
        if slots.allSatisfy({ $0.worker == nil }) {
            dropped = Array(queue[queueHead...])
            queue = []
            queueHead = 0
        }
        lock.unlock()
        for q in dropped { q.completion.complete(.failure(ASLError(.taskFailed, cause))) }
    }

    // MARK: - Stdin writer (one thread per process)

    private func runWriter(_ w: Worker) {
        blockSIGPIPEOnThisThread()
        var broken = false
        outer: while true {
            w.wake.wait()
            while true {
                var batch: [[UInt8]] = []
                lock.lock()
                swap(&batch, &w.outbox)
                let closing = w.closing
                lock.unlock()
                if batch.isEmpty {
                    if closing { break outer }
                    break
                }
                guard !broken else { continue }
                let bytes = batch.count == 1 ? batch[0] : Self.concatenated(batch)
                if !writeAll(w.child.stdinFD, bytes) {
                    broken = true
                    reportToStderr("worker process '\(displayCommand)' (pid \(w.child.pid)): cannot write to its stdin: \(errnoText())")
                }
            }
        }
        close(w.child.stdinFD)
        w.writerDone.signal()
    }

    private static func concatenated(_ lines: [[UInt8]]) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(lines.reduce(0) { $0 + $1.count })
        for l in lines { bytes.append(contentsOf: l) }
        return bytes
    }

    // MARK: - Stdout reader (on the supervisor thread)

    /// Longest answer line accepted; longer ones are reported and skipped.
    private static let maxLineBytes = JSONLimits.default.maxBytes

    private func readAnswers(_ worker: Worker, _ slot: Slot) {
        let fd = worker.child.stdoutFD
        let chunk = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: 1 << 16)
        defer { chunk.deallocate() }
        var partial: [UInt8] = []
        var discarding = false
        // The answers of one read, delivered together (`deliver`).
        var answers: [(UInt64, TaskOutcome)] = []
        let reader = JSONReader()
        while true {
            var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let ready = poll(&pfd, 1, 250)
            if ready == 0 {
                killIfShutdownGraceIsOver(worker)
                continue
            }
            if ready < 0 {
                if errno == EINTR { continue }
                reportToStderr("worker process (pid \(worker.child.pid)): poll: \(errnoText())")
                return
            }
            let n = read(fd, chunk.baseAddress!, chunk.count)
            if n == 0 { return }
            if n < 0 {
                if errno == EINTR || errno == EAGAIN { continue }
                reportToStderr("worker process (pid \(worker.child.pid)): read: \(errnoText())")
                return
            }
            var start = 0
            for i in 0..<n where chunk[i] == 0x0A {
                if discarding {
                    discarding = false
                } else if partial.isEmpty {
                    handleLine(UnsafeBufferPointer(rebasing: chunk[start..<i]), worker, slot, reader, into: &answers)
                } else {
                    partial.append(contentsOf: chunk[start..<i])
                    partial.withUnsafeBufferPointer { handleLine($0, worker, slot, reader, into: &answers) }
                }
                partial = []
                start = i + 1
            }
            deliver(&answers, worker, slot)
            if start < n, !discarding {
                partial.append(contentsOf: chunk[start..<n])
                if partial.count > Self.maxLineBytes {
                    reportToStderr("worker process (pid \(worker.child.pid)) wrote a line longer than \(Self.maxLineBytes) bytes; ignored")
                    partial = []
                    discarding = true
                }
            }
        }
    }

    private func killIfShutdownGraceIsOver(_ worker: Worker) {
        lock.lock()
        let killAt = worker.killAtNanos
        lock.unlock()
        if let killAt, DispatchTime.now().uptimeNanoseconds >= killAt { worker.child.forceKill() }
    }

    /// Decodes one answer line: an outcome joins `answers`; a heartbeat is passed on now.
    private func handleLine(_ line: UnsafeBufferPointer<UInt8>, _ worker: Worker, _ slot: Slot, _ reader: JSONReader,
                            into answers: inout [(UInt64, TaskOutcome)]) {
        if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { return }
        switch WorkerProtocol.decode(line, reader: reader) {
        case .invalid(let why):
            reportToStderr("worker process (pid \(worker.child.pid)) wrote a line that was ignored: \(why)")
        case .heartbeat(let id):
            lock.lock()
            let completion = slot.inFlight[id]
            lock.unlock()
            if let completion { completion.heartbeat() } else { reportUnknown(id, worker) }
        case .outcome(let id, let outcome):
            answers.append((id, outcome))
        }
    }

    /// Completes the tasks of `answers` (then empty): one lock to take them out of flight and
    /// send queued tasks in their place, one hand-over of the woken executions.
    private func deliver(_ answers: inout [(UInt64, TaskOutcome)], _ worker: Worker, _ slot: Slot) {
        guard !answers.isEmpty else { return }
        var completed: [(TaskCompletion, TaskOutcome)] = []
        completed.reserveCapacity(answers.count)
        var unknown: [UInt64] = []
        lock.lock()
        for (id, outcome) in answers {
            if let c = slot.inFlight.removeValue(forKey: id) { completed.append((c, outcome)) } else { unknown.append(id) }
        }
        if !completed.isEmpty { dispatchQueued() }
        lock.unlock()
        answers.removeAll(keepingCapacity: true)
        for id in unknown { reportUnknown(id, worker) }
        TaskCompletion.complete(completed)
    }

    private func reportUnknown(_ id: UInt64, _ worker: Worker) {
        reportToStderr("worker process (pid \(worker.child.pid)) answered task \(id), which it is not running; ignored")
    }
}
