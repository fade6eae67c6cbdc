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
    /// What was asked: the general engine, given the line back, is answered from here.
    public let stateName: String
    public let attempt: Int
    public let input: JSON
    let calledAtMs: Int64

    enum State {
        case waiting(resume: (@Sendable () -> Void)?)
        case answered(Result<JSON, ASLError>, delayMs: Int, taken: Bool, later: Bool)
        case timedOut(atMs: Int64)
    }
    private let state = Mutex<State>(.waiting(resume: nil))

    init(stateName: String, attempt: Int, input: JSON) {
        self.stateName = stateName
        self.attempt = attempt
        self.input = input
        calledAtMs = Timestamp.nowMilliseconds()
    }

    /// The delay that stands for no answer (its deadline came first): later than any limit.
    static let noAnswerMs = Int.max / 4

    /// The backend's answer (the first counts), `delayMs` after the call (nil: now, through
    /// the task's completion, `cameLater`): resumes the line if its host is waiting.
    public func receive(_ outcome: Result<JSON, ASLError>, delayMs: Int? = nil) {
        let delay = delayMs ?? max(1, Int(Timestamp.nowMilliseconds() - calledAtMs))
        let resume = state.withLock { s -> (@Sendable () -> Void)? in
            guard case .waiting(let resume) = s else { return nil }
            s = .answered(outcome, delayMs: delay, taken: resume != nil, later: delayMs == nil)
            return resume
        }
        resume?()
    }

    /// The host has parked the line: `resume` runs once, when the answer comes (now, if it
    /// came already), unless the line's timer claims it first (`claimForTimer`).
    public func arm(_ resume: @escaping @Sendable () -> Void) {
        let now = state.withLock { s -> Bool in
            switch s {
            case .waiting: s = .waiting(resume: resume); return false
            case .answered(let o, let d, false, let later): s = .answered(o, delayMs: d, taken: true, later: later); return true
            default: return false
            }
        }
        if now { resume() }
    }

    /// The line's deadline has come: true when the timer resumes it (no answer yet, or an
    /// answer nobody took), false when the answer did.
    public func claimForTimer() -> Bool {
        state.withLock { s -> Bool in
            switch s {
            case .waiting: s = .timedOut(atMs: Timestamp.nowMilliseconds()); return true
            case .answered(let o, let d, false, let later): s = .answered(o, delayMs: d, taken: true, later: later); return true
            default: return false
            }
        }
    }

    /// The answer and the milliseconds after the call it came (at least 1 for one waited
    /// for), or nil (none yet, or the deadline came first).
    public var answer: (delayMs: Int, outcome: Result<JSON, ASLError>)? {
        state.withLock { s -> (delayMs: Int, outcome: Result<JSON, ASLError>)? in
            guard case .answered(let o, let d, _, _) = s else { return nil }
            return (d, o)
        }
    }

    /// The answer came through the task's completion, not from the call (on a virtual clock
    /// it took no time).
    public var cameLater: Bool {
        state.withLock { s -> Bool in
            guard case .answered(_, _, _, let later) = s else { return false }
            return later
        }
    }

    /// For a line resumed without an answer: how long after the call its deadline came.
    var waitedWithoutAnswerMs: Int {
        state.withLock { s -> Int in
            guard case .timedOut(let at) = s else { return 0 }
            return Int(at - calledAtMs)
        }
    }
}

extension TapeLane {
    /// Asks the backend for Task `c`'s attempt with `input`: its answer at once, or it parks
    /// the line until the answer or `timeout` (ms), within the line's time limit. Kept with
    /// the line (`awaitedCalls`).
    func awaitAnswer(_ c: TCall, attempt: Int, _ input: JSON, timeout: Int64?, heartbeat: Int64?,
               _ start: TaskCalls.Start) throws(Bail) -> (delayMs: Int, outcome: Result<JSON, ASLError>) {
        // (The deadline a second clear of the line's time limit, as any park: past it the
        // general engine decides, and it would ask again. On a virtual clock time stands
        // still while a call is in flight, as in the interpreter: only its answer ends it.)
        let room = waitBudgetMs - Int(Self.timestampMarginMs) - waitedMs - 1
        let deadline = parks ? min(timeout.map { Int($0) } ?? Int.max, room) : Int.max
        guard deadline >= 1 else { throw Bail() }
        let call = AwaitedCall(stateName: c.name, attempt: attempt, input: input)
        awaitedCalls.append(call)
        if let answer = start(c.name, c.resource, attempt, input, lineNumber, timeout.map { Int($0 / 1000) },
                              heartbeat.map { Int($0 / 1000) }, call) {
            call.receive(answer.outcome, delayMs: answer.delayMs)
            return answer
        }
        awaiting = call
        if parks { try park(deadline) } else { parkedMs = deadline }
        throw Bail()  // (park returns only while it replays waits, which are over here)
    }

    /// A resumed line's call that parked it: its answer goes after those the state had; a
    /// deadline that came first is marked (`unanswered`) for `call` to decide.
    func resumed(awaiting call: AwaitedCall) {
        if let a = call.answer {
            // (On a virtual clock the answer took no time.)
            callOutcomes.append(parks ? a : (0, a.outcome))
        } else {
            unanswered = (callOutcomes.count, call.waitedWithoutAnswerMs)
            callOutcomes.append((Self.noAnswer, .failure(ASLError(.timeout, nil))))
        }
    }

    static var noAnswer: Int { AwaitedCall.noAnswerMs }

    /// The calls the line last run (or resumed) made of backends that work for real: the
    /// general engine, given the line back, takes their answers instead of asking again.
    public var madeCalls: [AwaitedCall] { awaitedCalls }
}
