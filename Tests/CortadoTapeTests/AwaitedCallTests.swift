import CortadoJSON
import CortadoPath
@testable import CortadoTape
import Synchronization
import Testing

/// An awaited call is resumed once: by its answer or by its host's timer, whichever claims
/// it first, in any order of answer, arming and deadline.
@Suite struct AwaitedCallTests {
    final class Count: @unchecked Sendable { let n = Mutex(0); func bump() { n.withLock { $0 += 1 } } }

    static func call() -> AwaitedCall { AwaitedCall(stateName: "T", attempt: 0, inputText: Array(#"{"a":1}"#.utf8)) }

    @Test func theAnswerResumesTheArmedLineOnce() {
        let c = Self.call(), resumed = Count()
        c.arm(resume: { resumed.bump() }, moved: { _ in })
        #expect(resumed.n.withLock { $0 } == 0 && c.answer == nil)
        c.receive(.success(["ok": true]))
        c.receive(.success(["ok": false]))  // (the first answer counts)
        #expect(resumed.n.withLock { $0 } == 1)
        #expect(!c.claimForTimer())
        #expect(c.answer?.outcome == .success(.json(["ok": true])) && (c.answer?.delayMs ?? 0) >= 1)
        // (Of the input only its length and hash are kept.)
        #expect(c.asked(with: Array(#"{"a":1}"#.utf8)) && !c.asked(with: Array(#"{"a":2}"#.utf8)) && !c.asked(with: Array(#"{"a":10}"#.utf8)))
    }

    @Test func anAnswerBeforeTheHostParkedResumesWhenArmed() {
        let c = Self.call(), resumed = Count()
        c.receive(.failure(ASLError(ErrorName("Bad"), "no")), delayMs: 250)
        c.arm(resume: { resumed.bump() }, moved: { _ in })
        #expect(resumed.n.withLock { $0 } == 1)
        #expect(!c.claimForTimer())
        #expect(c.answer?.delayMs == 250)
    }

    @Test func theTimerTakesAnAnswerNobodyTookAndADeadlineEndsTheWait() {
        let answered = Self.call()
        answered.receive(.success([:]))
        #expect(answered.claimForTimer())
        #expect(answered.answer != nil)

        let c = Self.call(), resumed = Count()
        c.arm(resume: { resumed.bump() }, moved: { _ in })
        #expect(c.claimForTimer())
        c.receive(.success([:]))  // too late: ignored
        #expect(resumed.n.withLock { $0 } == 0 && c.answer == nil)
        #expect(!c.claimForTimer())
    }

    /// Once claimed, a call lets its host's hooks go: they hold the parked line, which holds
    /// the call (before, every line that awaited an answer was kept alive by that cycle).
    @Test func aClaimedCallLetsItsHooksGo() {
        final class Line: @unchecked Sendable {}
        for byTimer in [false, true] {
            weak var weakLine: Line?
            let c = Self.call()
            do {
                let line = Line()
                weakLine = line
                c.arm(resume: { _ = line }, moved: { _ in _ = line })
            }
            #expect(weakLine != nil)
            if byTimer { #expect(c.claimForTimer(at: Int64.max / 2)) } else { c.receive(.success([:])) }
            #expect(weakLine == nil, "claimed by the \(byTimer ? "timer" : "answer")")
        }
    }

    /// A heartbeat in time moves the deadline (the host parks the timer again); a late one
    /// does not, and the wait ends with States.HeartbeatTimeout at the last heartbeat plus
    /// HeartbeatSeconds, as the interpreter's.
    @Test func heartbeatsMoveTheDeadline() {
        let c = AwaitedCall(stateName: "T", attempt: 0, inputText: Array("{}".utf8), timeoutMs: 60_000, heartbeatMs: 5_000, limitMs: 100_000)
        let moves = Mutex<[Int64]>([])
        c.arm(resume: {}, moved: { at in moves.withLock { $0.append(at) } })
        #expect(c.deadlineAt == c.calledAtMs + 5_000)
        c.beat(afterMs: 3_000)
        #expect(moves.withLock { $0 } == [c.calledAtMs + 8_000] && c.deadlineAt == c.calledAtMs + 8_000)
        #expect(!c.claimForTimer(at: c.calledAtMs + 5_000))  // (a timer for the old deadline)
        c.beat(afterMs: 9_000)  // late: its deadline had passed
        #expect(moves.withLock { $0.count } == 1)
        #expect(c.claimForTimer(at: c.calledAtMs + 8_000))
        #expect(c.outcome()?.delayMs == 8_000 && c.outcome()?.outcome == .failure(ASLError(.heartbeatTimeout, nil)))
    }

    @Test func anAnswerAfterHeartbeatsIsTheTasksIfInTime() {
        let inTime = AwaitedCall(stateName: "T", attempt: 0, inputText: Array("{}".utf8), heartbeatMs: 5_000, limitMs: 100_000)
        inTime.beat(afterMs: 4_000)
        inTime.receive(.success(["ok": true]), delayMs: 8_000)
        #expect(inTime.outcome()?.outcome == .success(.json(["ok": true])))
        let late = AwaitedCall(stateName: "T", attempt: 0, inputText: Array("{}".utf8), heartbeatMs: 5_000, limitMs: 100_000)
        late.receive(.success(["ok": true]), delayMs: 8_000)
        #expect(late.outcome()?.delayMs == 5_000 && late.outcome()?.outcome == .failure(ASLError(.heartbeatTimeout, nil)))
        // (The line's own limit coming first leaves the decision to the general engine.)
        let cut = AwaitedCall(stateName: "T", attempt: 0, inputText: Array("{}".utf8), timeoutMs: 60_000, limitMs: 10_000)
        #expect(cut.claimForTimer(at: cut.calledAtMs + 10_000))
        #expect(cut.outcome() == nil)
    }
}
