import CortadoJSON
import CortadoPath
@testable import CortadoTape
import Synchronization
import Testing

/// An awaited call is resumed once: by its answer or by its host's timer, whichever claims
/// it first, in any order of answer, arming and deadline.
@Suite struct AwaitedCallTests {
    final class Count: @unchecked Sendable { let n = Mutex(0); func bump() { n.withLock { $0 += 1 } } }

    static func call() -> AwaitedCall { AwaitedCall(stateName: "T", attempt: 0, input: ["a": 1]) }

    @Test func theAnswerResumesTheArmedLineOnce() {
        let c = Self.call(), resumed = Count()
        c.arm { resumed.bump() }
        #expect(resumed.n.withLock { $0 } == 0 && c.answer == nil)
        c.receive(.success(["ok": true]))
        c.receive(.success(["ok": false]))  // (the first answer counts)
        #expect(resumed.n.withLock { $0 } == 1)
        #expect(!c.claimForTimer())
        #expect(c.answer?.outcome == .success(["ok": true]) && (c.answer?.delayMs ?? 0) >= 1)
    }

    @Test func anAnswerBeforeTheHostParkedResumesWhenArmed() {
        let c = Self.call(), resumed = Count()
        c.receive(.failure(ASLError(ErrorName("Bad"), "no")), delayMs: 250)
        c.arm { resumed.bump() }
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
        c.arm { resumed.bump() }
        #expect(c.claimForTimer())
        c.receive(.success([:]))  // too late: ignored
        #expect(resumed.n.withLock { $0 } == 0 && c.answer == nil && c.waitedWithoutAnswerMs >= 0)
        #expect(!c.claimForTimer())
    }
}
