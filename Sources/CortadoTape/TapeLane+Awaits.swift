import CortadoASL
import CortadoJSON
import CortadoPath
import Synchronization

// Tasks whose backend really works (a worker process, HTTP, Lambda, AWS): the lane calls them
// at the top level of a line, and a call that is not answered at once parks the line until
// its answer or its TimeoutSeconds, whichever comes first (`AwaitedCall`; on a virtual clock
// until its answer, which takes no time there, as in the interpreter). The line then runs its state again from the entry with the answers it
// had, as a line that waited does; nothing is asked twice. Each call made is kept with the
// line (`awaitedCalls`): a line the lane hands back is run by the general engine from its
// start with those answers given again (`ReplayedCalls`), so its side effects are not
// repeated either.

/// A Task call of a line on the lane that may be answered later, from any thread.
public final class AwaitedCall: @unchecked Sendable {
    /// What was asked: the general engine, given the line back, is answered from here for
    /// the same state, attempt and input (`asked(with:)`). Of the input only its length and a
    /// hash of its JSON text are kept: a parked line holds its calls until it ends, and the
    /// text was a sixth of what a line waiting for a worker held.
    public let stateName: String
    public let attempt: Int
    let inputCount: Int
    let inputHash: Int
    let calledAtMs: Int64
    /// The attempt's TimeoutSeconds and HeartbeatSeconds (ms), and the longest the line may
    /// wait (ms after the call; nil: no limit, on a virtual clock, where time stands still
    /// while a call is in flight and neither limit can pass).
    let timeoutMs: Int64?
    let heartbeatMs: Int64?
    let limitMs: Int64?

    enum Phase {
        case waiting
        case answered(Result<JSONPayload, ASLError>, delayMs: Int, taken: Bool, later: Bool)
        case timedOut(atMs: Int64)
    }
    struct State {
        var phase = Phase.waiting
        /// The host's hooks (`arm`): the line's answer came; its deadline moved (a heartbeat).
        var resume: (@Sendable () -> Void)?
        var moved: (@Sendable (Int64) -> Void)?
        /// The last heartbeat that came in time (ms after the call; 0: none).
        var lastBeatMs: Int64 = 0

        /// The hooks are let go once the line is claimed: they hold the parked line, which
        /// holds this call (a cycle that kept every such line, and its batch, alive).
        mutating func takeHooks() -> (@Sendable () -> Void)? {
            defer { resume = nil; moved = nil }
            return resume
        }
    }
    private let state = Mutex(State())

    init(stateName: String, attempt: Int, inputText: [UInt8], timeoutMs: Int64? = nil, heartbeatMs: Int64? = nil,
         limitMs: Int64? = nil) {
        self.stateName = stateName
        self.attempt = attempt
        inputCount = inputText.count
        inputHash = Self.hash(inputText)
        self.timeoutMs = timeoutMs
        self.heartbeatMs = heartbeatMs
        self.limitMs = limitMs
        calledAtMs = Timestamp.nowMilliseconds()
    }

    /// Whether this call's input was `text`, JSON text as Cortado writes it (the general
    /// engine's Parameters written by its writer are byte for byte the lane's: strings
    /// canonical, numbers as they were read).
    public func asked(with text: [UInt8]) -> Bool { text.count == inputCount && Self.hash(text) == inputHash }

    private static func hash(_ text: [UInt8]) -> Int {
        var h = Hasher()
        text.withUnsafeBytes { h.combine(bytes: $0) }
        return h.finalize()
    }

    /// The first of its TimeoutSeconds, its heartbeat's deadline (the last heartbeat plus
    /// HeartbeatSeconds) and the line's limit, in ms after the call (nil: none).
    private func deadline(_ s: State) -> Int64? {
        guard let limit = limitMs else { return nil }
        return min(limit, timeoutMs ?? Int64.max, heartbeatMs.map { s.lastBeatMs + $0 } ?? Int64.max)
    }

    /// When its wait ends without an answer (epoch ms; nil: only the answer ends it). The
    /// host parks the line's timer there.
    public var deadlineAt: Int64? { state.withLock { s in deadline(s).map { calledAtMs + $0 } } }

    /// The backend's answer (the first counts), `delayMs` after the call (nil: now, through
    /// the task's completion, `cameLater`): resumes the line if its host is waiting. A result
    /// is kept as its JSON text (the line holds it until it ends; the lane takes text in as
    /// it is, `Tape.adopt`), written here, on the thread that brought it.
    public func receive(_ outcome: Result<JSON, ASLError>, delayMs: Int? = nil) {
        let delay = delayMs ?? max(1, Int(Timestamp.nowMilliseconds() - calledAtMs))
        let kept = outcome.map(JSONPayload.textOf)
        let resume = state.withLock { s -> (@Sendable () -> Void)? in
            guard case .waiting = s.phase else { return nil }
            s.phase = .answered(kept, delayMs: delay, taken: s.resume != nil, later: delayMs == nil)
            return s.takeHooks()
        }
        resume?()
    }

    /// A heartbeat (SendTaskHeartbeat): one that comes before its deadline moves it, and the
    /// host parks the line's timer again (`moved`).
    public func beat() { beat(afterMs: Timestamp.nowMilliseconds() - calledAtMs) }

    /// A heartbeat `now` ms after the call.
    func beat(afterMs now: Int64) {
        let moved = state.withLock { s -> (hook: @Sendable (Int64) -> Void, at: Int64)? in
            guard case .waiting = s.phase, let h = heartbeatMs, now <= s.lastBeatMs + h else { return nil }
            s.lastBeatMs = now
            guard let hook = s.moved, let d = deadline(s) else { return nil }
            return (hook, calledAtMs + d)
        }
        if let moved { moved.hook(moved.at) }
    }

    /// The host has parked the line: `resume` runs once, when the answer comes (now, if it
    /// came already: then true), unless the line's timer claims it first (`claimForTimer`);
    /// `moved` whenever a heartbeat moves its deadline (`deadlineAt`).
    @discardableResult
    public func arm(resume: @escaping @Sendable () -> Void, moved: @escaping @Sendable (Int64) -> Void) -> Bool {
        let now = state.withLock { s -> Bool in
            switch s.phase {
            case .waiting:
                s.resume = resume
                s.moved = moved
                return false
            case .answered(let o, let d, false, let later):
                s.phase = .answered(o, delayMs: d, taken: true, later: later)
                return true
            default: return false
            }
        }
        if now { resume() }
        return now
    }

    /// The line's deadline has come: true when the timer resumes it (no answer yet, or an
    /// answer nobody took), false when the answer did or a heartbeat moved the deadline.
    public func claimForTimer() -> Bool { claimForTimer(at: Timestamp.nowMilliseconds()) }

    /// The timer's claim at epoch ms `now`.
    func claimForTimer(at now: Int64) -> Bool {
        state.withLock { s -> Bool in
            switch s.phase {
            case .waiting:
                if let d = deadline(s), now - calledAtMs < d { return false }
                s.phase = .timedOut(atMs: now)
                _ = s.takeHooks()
                return true
            case .answered(let o, let d, false, let later):
                s.phase = .answered(o, delayMs: d, taken: true, later: later)
                return true
            default: return false
            }
        }
    }

    /// The answer and the milliseconds after the call it came (at least 1 for one waited
    /// for), or nil (none yet, or the deadline came first).
    public var answer: (delayMs: Int, outcome: Result<JSONPayload, ASLError>)? {
        state.withLock { s -> (delayMs: Int, outcome: Result<JSONPayload, ASLError>)? in
            guard case .answered(let o, let d, _, _) = s.phase else { return nil }
            return (d, o)
        }
    }

    /// The call's outcome by the interpreter's rule (`TaskWaitEnd`): its answer, or the
    /// States.Timeout or States.HeartbeatTimeout that came first, when it came; nil when the
    /// line's own limit came first (the general engine decides) or no answer came yet.
    func outcome() -> (delayMs: Int, outcome: Result<JSONPayload, ASLError>)? {
        state.withLock { s -> (delayMs: Int, outcome: Result<JSONPayload, ASLError>)? in
            let heartbeat = heartbeatMs.map { s.lastBeatMs + $0 }
            switch s.phase {
            case .answered(let o, let d, _, _):
                if let (end, at) = TaskWaitEnd.first(answer: Int64(d), timeout: timeoutMs, heartbeat: heartbeat), let e = end.error {
                    return (Int(at), .failure(e))
                }
                return (d, o)
            case .timedOut(let atMs):
                guard let (end, at) = TaskWaitEnd.first(answer: nil, timeout: timeoutMs, heartbeat: heartbeat),
                      let e = end.error, at <= atMs - calledAtMs else { return nil }
                return (Int(at), .failure(e))
            case .waiting:
                return nil
            }
        }
    }

    /// The answer came through the task's completion, not from the call (on a virtual clock
    /// it took no time).
    public var cameLater: Bool {
        state.withLock { s -> Bool in
            guard case .answered(_, _, _, let later) = s.phase else { return false }
            return later
        }
    }
}

extension TapeLane {
    /// Asks the backend for Task `c`'s attempt with `input`: its outcome at once (by the
    /// interpreter's rule, `AwaitedCall.outcome`), or it parks the line until the answer or
    /// `timeout` or `heartbeat` (ms, the latter moved by heartbeats), within the line's time
    /// limit. Kept with the line (`awaitedCalls`).
    func awaitAnswer(_ c: TCall, attempt: Int, _ parameters: Int32, timeout: Int64?, heartbeat: Int64?,
                     _ start: TaskCalls.Start) throws(Bail) -> (delayMs: Int, outcome: Result<JSONPayload, ASLError>) {
        // (The deadline a second clear of the line's time limit, as any park: past it the
        // general engine decides, and it would ask again. On a virtual clock time stands
        // still while a call is in flight, as in the interpreter: only its answer ends it.)
        let room = waitBudgetMs - Int(Self.timestampMarginMs) - waitedMs - 1
        guard !parks || room >= 1 else { throw Bail() }
        let text = try tape.text(parameters)
        let call = AwaitedCall(stateName: c.name, attempt: attempt, inputText: text, timeoutMs: timeout, heartbeatMs: heartbeat,
                               limitMs: parks ? Int64(room) : nil)
        awaitedCalls.append(call)
        if let answer = start(c.name, c.resource, attempt, text, lineNumber, timeout.map { Int($0 / 1000) },
                              heartbeat.map { Int($0 / 1000) }, call) {
            call.receive(answer.outcome, delayMs: answer.delayMs)
            guard let outcome = call.outcome() else { throw Bail() }
            return outcome
        }
        awaiting = call
        if parks { try park(Int(min(Int64(room), timeout ?? Int64.max, heartbeat ?? Int64.max))) } else { parkedMs = Int.max }
        throw Bail()  // (park returns only while it replays waits, which are over here)
    }

    /// A resumed line's call that parked it: its outcome goes after those the state had (on
    /// a virtual clock its answer took no time); where the line's own limit came first, the
    /// line goes back when it gets there (`unanswered`).
    func resumed(awaiting call: AwaitedCall) {
        if !parks, let a = call.answer {
            callOutcomes.append((0, a.outcome))
        } else if let o = call.outcome() {
            callOutcomes.append(o)
        } else {
            unanswered = callOutcomes.count
            callOutcomes.append((0, .failure(ASLError(.timeout, nil))))
        }
    }

    /// The calls the line last run (or resumed) made of backends that work for real: the
    /// general engine, given the line back, takes their answers instead of asking again.
    public var madeCalls: [AwaitedCall] { awaitedCalls }
}
