import Synchronization
import CortadoASL
import CortadoJSON
import CortadoPath

/// How an execution ended.
public enum ExecutionStatus: String, Sendable {
    case succeeded = "SUCCEEDED", failed = "FAILED", timedOut = "TIMED_OUT"
    /// Stopped from outside (StopExecution).
    case aborted = "ABORTED"
}

/// The terminal result of one execution.
public struct ExecutionResult: Sendable {
    public var status: ExecutionStatus
    public var output: JSON?
    public var error: ASLError?

    public init(status: ExecutionStatus, output: JSON?, error: ASLError?) {
        self.status = status; self.output = output; self.error = error
    }
}

/// Settings for one execution.
public struct ExecutionOptions: Sendable {
    public var executionName: String
    public var stateMachineName: String
    public var clock: ClockMode
    /// Start time in epoch milliseconds; nil takes the wall clock.
    public var startTime: Int64?
    public var backend: any TaskBackend
    public var region = "us-east-1"
    public var account = ExecutionOptions.defaultAccount
    public var roleArn = ExecutionOptions.roleArn(account: ExecutionOptions.defaultAccount)
    /// The account in every ARN Cortado makes up (`$$.Execution.Id`, log events, the API's
    /// ARNs) unless the host names one: that of the AWS-recorded log cases, so `exec`, `run`,
    /// `serve` and TestState agree with each other and with the recordings.
    public static let defaultAccount = "111111111111"
    /// The role ARN the context object and logs show for `account`.
    public static func roleArn(account: String) -> String { "arn:aws:iam::\(account):role/cortado" }
    /// The 256 KiB payload limit of Step Functions.
    public static let payloadLimit = 262_144
    public var maxPayloadBytes = ExecutionOptions.payloadLimit
    /// The length of the input's JSON source, when the host knows it (a batch line). A
    /// serialization is never longer than its source, so within the limit the input's
    /// size need not be measured again.
    public var inputByteCount: Int?
    /// The host measures the final output against `maxPayloadBytes` itself, while it
    /// serializes it (`Execution.outputLimitError`), so the execution need not walk the
    /// output once more. Only honoured when no event sink is set (events must agree).
    public var hostChecksOutputLimit = false
    /// Overall limit; nil means only the definition's TimeoutSeconds applies. Every host
    /// starts from Express's five minutes (`ExpressLimits.executionSeconds`); `cortado exec`
    /// and `run` lift it with `--no-time-limit`, and the API lifts it for STANDARD machines.
    public var executionTimeoutSeconds: Int? = ExpressLimits.executionSeconds
    /// `$$.Execution.RedriveCount`; nil for a synchronous Express execution, whose context
    /// AWS records without it (`ContextObject.execution`).
    public var redriveCount: Int? = 0
    /// Issues `$$.Task.Token` for `.waitForTaskToken` tasks (the server's token table); nil
    /// gives each such task a random token nobody else knows (only a mock can answer it).
    public var taskTokens: (any TaskTokenIssuer)?
    /// Receives every history event; nil records nothing (the events are not even built).
    /// Kept for simple uses; `Execution.eventSink` (per advance, filtered) takes precedence.
    public var eventSink: (@Sendable (HistoryEvent) -> Void)?
    /// Where Distributed Maps read items (ItemReader) and write results (ResultWriter).
    public var objectStore: (any ObjectStore)?
    /// Threads a Distributed Map runs its child executions on (nil: the machine's cores).
    public var childWorkers: Int?
    /// This machine's share of every Distributed Map's child executions (`--shard i/n`): those
    /// whose index % count == index. Shards agree on the map run's id, and each writes its own
    /// result files (`SUCCEEDED_<i>.json`, `manifest_<i>.json`); `cortado merge --map-run`
    /// joins them into manifest.json.
    public var mapShard: (index: Int, count: Int)?
    /// TestState: run only the state the inspection names and record its stages.
    public var inspection: StateInspection?

    public init(executionName: String, stateMachineName: String, clock: ClockMode = .virtual, backend: any TaskBackend) {
        self.executionName = executionName; self.stateMachineName = stateMachineName
        self.clock = clock; self.backend = backend
    }

    public var stateMachineArn: String {
        customStateMachineArn ?? "arn:aws:states:\(region):\(account):stateMachine:\(stateMachineName)"
    }
    /// The state machine ARN, when the host has it already (a batch worker builds it once
    /// instead of for every line that reads `$$`).
    public var customStateMachineArn: String?
    /// `executionArn` up to the execution's name, likewise built once by a batch worker.
    public var executionArnPrefix: String?
    /// The execution's ARN when it is not the STANDARD form (e.g. `...:express:...` ARNs).
    public var customExecutionArn: String?
    public var executionArn: String {
        customExecutionArn ?? executionArnPrefix.map { $0 + executionName }
            ?? "arn:aws:states:\(region):\(account):execution:\(stateMachineName):\(executionName)"
    }
}

/// What `advance` reports: the execution ended, or it waits for a timer or a task.
public enum Advance: Sendable {
    case finished(ExecutionResult)
    /// Nothing is runnable before this epoch-millisecond deadline; call `advance` again then.
    case waitUntil(Int64)
    /// Tasks are in flight: call `advance` again when the execution's `waker` is called or,
    /// if given, at this deadline (a timeout or another timer), whichever comes first.
    case waitForTasks(until: Int64?)
}

/// Told when a parked execution has something to do (a task completed or heartbeat).
/// Called from the backend's thread; the host then schedules `advance` on a worker.
public protocol ExecutionWaker: AnyObject, Sendable {
    func wake(_ execution: Execution)
    /// Several at once (a backend that read many answers together): a host that can hand
    /// them over in one go saves a thread wake-up per execution. By default, one by one.
    func wake(all executions: [Execution])
}

extension ExecutionWaker {
    public func wake(all executions: [Execution]) {
        for e in executions { wake(e) }
    }
}

/// Task events that arrived from other threads, and whether the execution is running.
struct Mailbox {
    enum Phase { case running, idle, scheduled, finished }
    var inbox: [(target: TaskCompletion, event: TaskEvent, at: Int64)] = []
    var phase = Phase.running
    /// StopExecution's error and cause, once asked.
    var stop: (error: String?, cause: String?)?
}

/// One running execution: a tree of frames (Map/Parallel children), a run queue and
/// a timer heap. It never blocks: waiting frames park on the heap.
public final class Execution {
    let program: Program
    let options: ExecutionOptions
    public let input: JSON
    /// Current time (epoch ms). With the virtual clock it only moves when timers fire.
    public internal(set) var now: Int64
    let startTime: Int64
    var runQueue: [Frame] = []
    /// The first frame, run by the first `advance` before the queue (a queue of one frame
    /// cost an array allocation per execution).
    var rootFrame: Frame?
    /// Parked frames by deadline, with the park sequence they parked under (a stale entry
    /// never wakes a frame that has moved on).
    var timers = TimerHeap<(frame: Frame, seq: UInt64)>()
    /// Tasks answered `.pending` and not completed yet.
    var pendingTasks = 0
    let mailbox = Mutex(Mailbox())
    /// Who to tell when a completion arrives for a parked execution (batch pool, `exec`).
    public var waker: (any ExecutionWaker)?
    /// The host's bookkeeping for this execution (e.g. where its result goes), kept in
    /// fields so that hosting costs no allocation per execution.
    public var hostData: AnyObject?
    public var hostSlot = 0
    public var hostStartNanos: UInt64 = 0
    /// The host's handle on this execution's timer (set before the first `advance`).
    public var hostTimer: AnyObject?
    /// The id of the last event emitted (events are numbered from 1).
    var lastEventID = 0
    /// The last event of the top-level thread: what the execution's last event follows.
    var topEventID = 0
    var started = false
    var result: ExecutionResult?
    var deadline: Int64?
    /// State steps left before `run` looks at the real clock, and when it first did
    /// (monotonic ns; 0: not yet): a machine that loops without waiting never returns to
    /// `advance`, where the deadline is checked (`loopedPastTheTimeLimit`).
    var stepsBeforeClockCheck = Execution.stepsBetweenClockChecks
    var loopingSince: UInt64 = 0
    static let stepsBetweenClockChecks = 4096
    /// Per-state counters for metrics; nil keeps none and reads no clock. A worker sets its
    /// own before each `advance`, since a parked execution may resume on another worker.
    public var stateStats: StateStats?
    /// Every Map/Parallel join created, so `finish` can break their reference cycles.
    var openJoins: [Join] = []
    lazy var executionContext: JSON = buildExecutionContext()
    lazy var stateMachineContext: JSON = ContextObject.stateMachine(id: options.stateMachineArn, name: options.stateMachineName)
    /// The last `$$.State.EnteredTime` formatted: states of one execution (a Map's items)
    /// mostly enter in the same millisecond.
    var enteredTimeText: (ms: Int64, text: String) = (.min, "")
    /// The last `contextBase` built, and what it was built from.
    var contextCache: (pc: Int, enteredTime: Int64, retryCount: Int, token: String?, value: JSONObject)?
    /// Receives the history events; set it (or nil) before each `advance`, since a parked
    /// execution may resume on another worker thread with its own sink. Nil, or a sink that
    /// does not want an event type, means those events are counted but never built.
    public var eventSink: (any HistoryEventSink)?
    /// This execution's ARN (built on first use).
    public private(set) lazy var executionArn: String = options.executionArn

    public init(program: Program, input: JSON, options: ExecutionOptions) {
        self.program = program
        self.input = input
        self.options = options
        let t = options.startTime ?? wallClockMilliseconds()
        self.now = t
        self.startTime = t
        if let limit = program.executionTimeLimit(host: options.executionTimeoutSeconds) {
            deadline = instant(t, plusSeconds: limit)
        }
        if let body = options.eventSink { eventSink = ClosureEventSink(body) }
    }

    /// Emits `ExecutionStarted` and queues the first state; done by the first `advance`, so
    /// that a sink set after `init` sees the whole history.
    func start() {
        started = true
        let input = self.input
        topEventID = emit(.executionStarted, previous: 0) {
            EventDetails.executionStarted(.json(input), roleArn: options.roleArn)
        }
        let root = Frame(pc: options.inspection?.startPC ?? Int(program.main.start), input: input, join: nil, slot: 0)
        if let i = options.inspection { root.variables = i.variables }
        root.lastEventID = HistoryEvent.firstStatePrevious
        if (options.inputByteCount ?? Int.max) > options.maxPayloadBytes, input.serializedByteCount > options.maxPayloadBytes {
            // (AWS names the execution's start event where a state's name would be.)
            finish(.failed, output: nil, error: Execution.outputLimitError(state: "ExecutionStarted"))
        } else {
            rootFrame = root
        }
    }

    /// Claims a parked execution for one resumption (e.g. when its timer fires); false when
    /// it is running or already scheduled, so two workers never advance it at once.
    public func tryClaim() -> Bool {
        mailbox.withLock { m in
            guard m.phase == .idle else { return false }
            m.phase = .scheduled
            return true
        }
    }

    /// A task event from any thread: queue it, and wake the host if the execution is parked.
    func receive(_ target: TaskCompletion, _ event: TaskEvent) {
        if enqueue(target, event) { waker?.wake(self) }
    }

    /// Queues a task event from any thread; true when the execution was parked and is now
    /// scheduled, so its host must be woken (`receive`, `TaskCompletion.complete(_:)`).
    func enqueue(_ target: TaskCompletion, _ event: TaskEvent) -> Bool {
        // When it arrived, not when this execution gets to run again, decides whether it
        // beat a deadline (virtual time stands still while a task is in flight).
        let arrival = options.clock == .real ? wallClockMilliseconds() : Int64.min
        return mailbox.withLock { m -> Bool in
            guard m.phase != .finished else { return false }
            m.inbox.append((target, event, arrival))
            guard m.phase == .idle else { return false }
            m.phase = .scheduled
            return true
        }
    }

    /// Stops the execution from any thread (StopExecution): it ends ABORTED with this error
    /// and cause the next time it runs, which is at once if it is parked.
    public func stop(error: String?, cause: String?) {
        let wake = mailbox.withLock { m -> Bool in
            guard m.phase != .finished, m.stop == nil else { return false }
            m.stop = (error, cause)
            guard m.phase == .idle else { return false }
            m.phase = .scheduled
            return true
        }
        if wake { waker?.wake(self) }
    }

    /// Applies task events that arrived while parked (on the execution's own thread).
    func drainMailbox() {
        let (events, stop) = mailbox.withLock { m -> ([(target: TaskCompletion, event: TaskEvent, at: Int64)], (error: String?, cause: String?)?) in
            m.phase = .running
            defer { m.inbox.removeAll() }
            return (m.inbox, m.stop)
        }
        if let stop, result == nil {
            finish(.aborted, output: nil, error: ASLError(stop.error.map(ErrorName.init), stop.cause))
            return
        }
        for (target, event, at) in events {
            let arrived = at == Int64.min ? now : at
            guard let f = target.frame, f.taskGen == target.gen, f.resume == .taskWait, f.taskPending else { continue }
            // NOTE: an event that arrives after a passed deadline (e.g. after a stall) does not
            // beat it: the timer that is already due fires the timeout, as AWS would have.
            if let t = f.taskTimeoutAt, arrived >= t { continue }
            if let t = f.heartbeatAt, arrived >= t { continue }
            switch event {
            case .heartbeat:
                if let hb = f.heartbeatSeconds {
                    f.heartbeatAt = instant(arrived, plusSeconds: hb)
                    timers.push((f, f.parkSeq), at: f.heartbeatAt!)
                }
            case .outcome(.delivered):
                continue  // the integration took the token; the answer is still to come
            case .outcome(let o):
                f.taskResult = o
                f.taskPending = false
                f.taskGen &+= 1
                pendingTasks -= 1
                if !f.cancelled { runQueue.append(f) }
            }
        }
    }

    /// Parks: marks the execution idle unless events arrived meanwhile (then runs on).
    func parkUnlessMail() -> Bool {
        mailbox.withLock { m in
            guard m.inbox.isEmpty else { return false }
            m.phase = .idle
            return true
        }
    }

    /// Runs everything runnable now. Never sleeps.
    public func advance() -> Advance {
        if !started { start() }
        while true {
            if options.clock == .real { now = max(now, wallClockMilliseconds()) }
            drainMailbox()
            if let result {
                mailbox.withLock { $0.phase = .finished; $0.inbox.removeAll() }
                return .finished(result)
            }
            if options.clock == .real { now = max(now, wallClockMilliseconds()) }
            if let deadline, now >= deadline {
                finish(.timedOut, output: nil, error: ASLError(.timeout, "Execution timed out."))
                continue
            }
            if let root = rootFrame {
                rootFrame = nil
                run(root)
                continue
            }
            while let t = timers.popDue(now) {
                if !t.frame.cancelled, t.seq == t.frame.parkSeq { runQueue.append(t.frame) }
            }
            if runQueue.isEmpty {
                var next = timers.earliest
                if let deadline, next != nil || pendingTasks > 0 { next = min(next ?? deadline, deadline) }
                if pendingTasks > 0 {
                    // NOTE: on the virtual clock, time stands still while a real task is in
                    // flight (tasks take no virtual time unless they say so with `.after`).
                    let until = options.clock == .virtual ? nil : next
                    eventSink?.executionWillPark(self)
                    if parkUnlessMail() { return .waitForTasks(until: until) }
                    continue
                }
                guard let next else {
                    finish(.failed, output: nil, error: ASLError(.runtime, "The execution has nothing left to run."))
                    continue
                }
                if options.clock == .virtual { now = next; continue }
                eventSink?.executionWillPark(self)
                if parkUnlessMail() { return .waitUntil(next) }
                continue
            }
            var k = 0
            while k < runQueue.count, result == nil {
                let f = runQueue[k]
                k += 1
                if !f.cancelled { run(f) }
            }
            runQueue.removeAll(keepingCapacity: true)
        }
    }

    /// Whether a machine that has run `stepsBetweenClockChecks` steps without waiting is past
    /// its time limit: on a real clock its deadline; on a virtual one, where computing takes
    /// no time, the limit in real time since it began looping (it would never end otherwise,
    /// where AWS ends an Express execution after five minutes).
    func loopedPastTheTimeLimit() -> Bool {
        guard let deadline else { return false }
        if options.clock == .real {
            now = max(now, wallClockMilliseconds())
            return now >= deadline
        }
        let t = monotonicNanoseconds()
        if loopingSince == 0 { loopingSince = t; return false }
        return Int64(t &- loopingSince) / 1_000_000 >= deadline - startTime
    }

    /// Runs to the end on this thread, sleeping while every frame waits (for `cortado exec`).
    public func runToCompletion() -> ExecutionResult {
        let signal = WakeSignal()
        if waker == nil { waker = signal }
        while true {
            switch advance() {
            case .finished(let r): return r
            case .waitUntil(let t): signal.wait(untilMilliseconds: t)
            case .waitForTasks(let until): signal.wait(untilMilliseconds: until)
            }
        }
    }

    func finish(_ status: ExecutionStatus, output: JSON?, error: ASLError?) {
        guard result == nil else { return }
        result = ExecutionResult(status: status, output: output, error: error)
        for j in openJoins { j.running.removeAll(); j.pending.removeAll(); j.parent.children = nil }
        openJoins.removeAll()
        runQueue.removeAll()
        rootFrame = nil
        timers = TimerHeap()
        pendingTasks = 0
        switch status {
        case .succeeded:
            emit(.executionSucceeded, previous: topEventID) { EventDetails.executionSucceeded(.json(output ?? .null)) }
        case .failed:
            emit(.executionFailed, previous: topEventID) { Execution.errorDetails(error) }
        case .timedOut:
            emit(.executionTimedOut, previous: topEventID) { Execution.errorDetails(error) }
        case .aborted:
            // AWS records a stopped execution's ExecutionAborted as following event 0.
            emit(.executionAborted, previous: 0) { Execution.errorDetails(error) }
        }
    }

    static func errorDetails(_ e: ASLError?) -> EventDetails {
        EventDetails(error: e?.name?.rawValue, cause: e?.cause)
    }

    // MARK: - Events

    /// Numbers an event and hands it to the sink; `details` is built only when the sink
    /// wants this type (with no sink, or level OFF, nothing is built or allocated).
    @discardableResult @inline(__always)
    func emit(_ type: EventType, previous: Int, _ details: () -> EventDetails) -> Int {
        lastEventID += 1
        if let sink = eventSink, sink.wants(type) {
            sink.record(HistoryEvent(id: lastEventID, previousEventID: previous, type: type, timestamp: now,
                                     details: details()), of: self)
        }
        return lastEventID
    }

    /// Emits an event of frame `f`'s thread, following its previous event.
    @discardableResult @inline(__always)
    func emit(_ type: EventType, _ f: Frame, _ details: () -> EventDetails) -> Int {
        let id = emit(type, previous: f.lastEventID, details)
        f.lastEventID = id
        if f.join == nil { topEventID = id }
        return id
    }

    // MARK: - Context object

    func buildExecutionContext() -> JSON {
        ContextObject.execution(id: executionArn, input: input, startTime: Timestamp(milliseconds: startTime).iso8601,
                                name: options.executionName, roleArn: options.roleArn, redriveCount: options.redriveCount)
    }

    /// The `$$` object for `f`'s current state; built only when a `$$` path is evaluated.
    func context(_ f: Frame, mapItem: (index: Int, value: JSON)? = nil) -> JSON {
        let base = contextBase(f)
        guard let mapItem else { return .object(base) }
        var o = JSONObject()
        o.members.reserveCapacity(base.count + 1)
        o.members.append(contentsOf: base.members)
        o.members.append(("Map", ["Item": ["Index": .number(JSONNumber(mapItem.index)), "Value": mapItem.value]]))
        return .object(o)
    }

    /// `$$` without `Map`: it depends only on the state, when it was entered, its retry
    /// count and task token, so a Map's items (all read from the Map state's frame) and
    /// the paths of one state share one object.
    func contextBase(_ f: Frame) -> JSONObject {
        if var c = options.inspection?.context {
            // A `.waitForTaskToken` task sees its token even when the request's context has none.
            if let token = f.taskToken, c["Task"] == nil { c["Task"] = ["Token": .string(token)] }
            return c
        }
        if let c = contextCache, c.pc == f.pc, c.enteredTime == f.enteredTime, c.retryCount == f.retryCount,
           c.token == f.taskToken {
            return c.value
        }
        let header = program.headers[f.pc]
        if enteredTimeText.ms != f.enteredTime {
            enteredTimeText = (f.enteredTime, Timestamp(milliseconds: f.enteredTime).iso8601)
        }
        var retryCount: Int? = nil
        if case .task = program.code[f.pc] { retryCount = f.retryCount }
        let o = ContextObject.object(execution: executionContext, stateName: header.name, enteredTime: enteredTimeText.text,
                                     retryCount: retryCount, stateMachine: stateMachineContext, taskToken: f.taskToken)
        contextCache = (f.pc, f.enteredTime, f.retryCount, f.taskToken, o)
        return o
    }
}


#if canImport(Glibc)
import Glibc
func sleepMilliseconds(_ ms: Int64) { usleep(UInt32(min(ms, 3_600_000) * 1000)) }
#else
import Darwin
func sleepMilliseconds(_ ms: Int64) { usleep(UInt32(min(ms, 3_600_000) * 1000)) }
#endif
