import CortadoASL
import CortadoJSON
import CortadoPath
import Testing

/// A Task's time limits (`TaskLimits.swift`): which of its answer, its TimeoutSeconds and a
/// missed HeartbeatSeconds ends its wait first, and the instants they are counted to.
@Suite struct TaskLimitsTests {
    @Test func theFirstEndsTheWaitAndTiesGoToTheAnswer() {
        #expect(TaskWaitEnd.first(answer: nil, timeout: nil, heartbeat: nil) == nil)
        #expect(TaskWaitEnd.first(answer: 5, timeout: nil, heartbeat: nil)! == (.answer, 5))
        #expect(TaskWaitEnd.first(answer: 5, timeout: 3, heartbeat: 4)! == (.timeout, 3))
        #expect(TaskWaitEnd.first(answer: 5, timeout: 9, heartbeat: 4)! == (.heartbeat, 4))
        #expect(TaskWaitEnd.first(answer: nil, timeout: 9, heartbeat: 4)! == (.heartbeat, 4))
        // Ties: the answer, then the timeout.
        #expect(TaskWaitEnd.first(answer: 3, timeout: 3, heartbeat: 3)! == (.answer, 3))
        #expect(TaskWaitEnd.first(answer: 7, timeout: 3, heartbeat: 3)! == (.timeout, 3))
        #expect(TaskWaitEnd.answer.error == nil)
        #expect(TaskWaitEnd.timeout.error == ASLError(.timeout, nil))
        #expect(TaskWaitEnd.heartbeat.error == ASLError(.heartbeatTimeout, nil))
    }

    @Test func instantsSaturate() {
        #expect(instant(1_000, plusSeconds: 2) == 3_000)
        #expect(instant(1_000, plusSeconds: -5) == 1_000)
        #expect(instant(0, plusSeconds: Int.max) == Int64(1 << 40) * 1000)
    }
}
